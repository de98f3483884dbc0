/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The Message Reliability Protocol's state and timing (Core spec 4.11).
 * MRP works per exchange: at most one reliable message awaiting its
 * acknowledgement and one acknowledgement owed to the peer (4.11.3). This
 * module keeps both records and computes the times; the exchange manager
 * (exchange.h) builds and sends the messages.
 *
 * Retransmission (4.11.2.1): after the transmission that follows n earlier
 * ones, the sender waits
 *
 *   t = i * MRP_BACKOFF_MARGIN * MRP_BACKOFF_BASE^max(0, n - MRP_BACKOFF_THRESHOLD)
 *         * (1 + random(0,1) * MRP_BACKOFF_JITTER)
 *
 * where i is the peer's active interval while it is in active mode and its
 * idle interval otherwise (matter_session_peer_interval()). The constants
 * are the ratios 11/10, 8/5 and 1/4, random(0,1) is a 16-bit random number
 * over 65536, and t is rounded down to a millisecond once, at the end. The
 * message is sent at most MATTER_MRP_MAX_TRANSMISSIONS times; when the
 * timer of the last transmission runs out, the owner is told.
 *
 * Acknowledgements (4.11.5.2.2): a reliable message is acknowledged on the
 * next message of the exchange (piggy-backed), or by a standalone
 * acknowledgement once MATTER_MRP_STANDALONE_ACK_TIMEOUT_MS has passed.
 * The record stays after a standalone acknowledgement so a later message
 * still piggy-backs it; a new reliable message replaces it, and the older
 * counter is then acknowledged at once if it never was. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "matter/message.h"

/* Table 22 of Matter 1.4 (earlier revisions said 4 transmissions). */
#define MATTER_MRP_MAX_TRANSMISSIONS 5
#define MATTER_MRP_BACKOFF_THRESHOLD 1
#define MATTER_MRP_BACKOFF_BASE_NUM 8 /* 1.6 */
#define MATTER_MRP_BACKOFF_BASE_DEN 5
#define MATTER_MRP_BACKOFF_MARGIN_NUM 11 /* 1.1 */
#define MATTER_MRP_BACKOFF_MARGIN_DEN 10
#define MATTER_MRP_BACKOFF_JITTER_NUM 1 /* 0.25 */
#define MATTER_MRP_BACKOFF_JITTER_DEN 4
#define MATTER_MRP_STANDALONE_ACK_TIMEOUT_MS 200

/* Secure Channel opcode of the MRP Standalone Acknowledgement (table 17). */
#define MATTER_MRP_OPCODE_STANDALONE_ACK 0x10

/* No deadline. */
#define MATTER_MRP_NEVER UINT64_MAX

/* t above for @interval_ms (capped at MATTER_SESSION_INTERVAL_MAX_MS),
 * @send_count earlier transmissions and @jitter / 65536 as random(0,1). */
uint64_t matter_mrp_backoff_ms(uint32_t interval_ms, unsigned send_count, uint16_t jitter);

/* The reliable message awaiting acknowledgement: its encoded, encrypted
 * bytes, sent again unchanged. */
typedef struct {
  bool active;
  uint32_t counter;
  unsigned send_count; /* transmissions so far */
  uint64_t next_ms;    /* retransmit, or give up, at this time */
  size_t len;
  uint8_t msg[MATTER_MESSAGE_MAX];
} MatterMrpRetransmission;

typedef enum {
  MATTER_MRP_WAIT,    /* nothing to do before next_ms */
  MATTER_MRP_RESEND,  /* send msg again, then call matter_mrp_retransmission_sent() */
  MATTER_MRP_GIVE_UP, /* the last transmission went unacknowledged; the record is cleared */
} MatterMrpAction;

/* Records the message just sent for the first time. */
MatterError matter_mrp_retransmission_start(MatterMrpRetransmission *retrans, uint32_t counter,
                                            const uint8_t *msg, size_t len);
/* After each transmission: counts it and sets the timer to @timeout_ms
 * from @now_ms. */
void matter_mrp_retransmission_sent(MatterMrpRetransmission *retrans, uint64_t now_ms,
                                    uint64_t timeout_ms);
/* An acknowledgement for @counter arrived: true (and the record cleared)
 * when it is the pending message's. */
bool matter_mrp_retransmission_ack(MatterMrpRetransmission *retrans, uint32_t counter);
MatterMrpAction matter_mrp_retransmission_poll(MatterMrpRetransmission *retrans, uint64_t now_ms);
uint64_t matter_mrp_retransmission_deadline(const MatterMrpRetransmission *retrans);

/* The acknowledgement owed to the peer. */
typedef struct {
  bool pending;
  bool standalone_sent;
  uint32_t counter;
  uint64_t deadline_ms; /* send a standalone acknowledgement then */
} MatterMrpAck;

/* A reliable message @counter arrived. True when an older acknowledgement
 * it replaces was never sent: send a standalone one for *@flush now. */
bool matter_mrp_ack_track(MatterMrpAck *ack, uint32_t counter, uint64_t now_ms, uint32_t *flush);
/* For an outgoing message other than a standalone acknowledgement: true
 * with the counter to acknowledge, and the record removed. */
bool matter_mrp_ack_piggyback(MatterMrpAck *ack, uint32_t *counter);
/* True when a standalone acknowledgement for *@counter is due. */
bool matter_mrp_ack_due(const MatterMrpAck *ack, uint64_t now_ms, uint32_t *counter);
/* True when a standalone acknowledgement is still owed (closing the
 * exchange sends it at once). */
bool matter_mrp_ack_unsent(const MatterMrpAck *ack, uint32_t *counter);
/* A standalone acknowledgement for @counter went out. */
void matter_mrp_ack_standalone_sent(MatterMrpAck *ack, uint32_t counter);
uint64_t matter_mrp_ack_deadline(const MatterMrpAck *ack);
