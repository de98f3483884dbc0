/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The Bluetooth Transport Protocol (Core spec 4.17), the peripheral's
 * (BTP server's) side of one connection: handshake and version
 * negotiation, segmentation and reassembly of SDUs (Matter messages),
 * sequence numbers, acknowledgements, receive windows, and the
 * acknowledgement and idle timers. No I/O and no clock of its own: the
 * caller hands it what the central wrote to C1, tells it when the central
 * subscribed to C2 and when an indication went out, gives it the time,
 * and sends on C2 the packets it asks to send.
 *
 * Interoperability with the centrals in the field (phones running the
 * widely deployed SDK): middle segments are sent with the continuation
 * flag (0x02), which the specification lists as unused but that SDK
 * requires, and segments are accepted with or without it (and an ending
 * segment with it, as that SDK sends them); a received stand-alone
 * acknowledgement is answered on the send-acknowledgement timer, not at
 * once, so that small windows do not ping-pong acknowledgements: only
 * received segments make the receive window send an early one; no packet
 * is longer than the negotiated segment size (ATT_MTU - 3).
 *
 * The handshake request's BTP Segment Size field is read as the client's
 * ATT_MTU - 3 (4.17.2.3); clients that put their ATT_MTU there (as
 * 4.17.3.3 words it) get a segment that still fits, because the selected
 * size is also bounded by this side's ATT_MTU - 3 of the same link. A 0
 * there means the client does not know: this side's value is used.
 *
 * Callbacks may call back into the engine: send() may report the
 * indication done (matter_btp_send_done()) before it returns, received()
 * may queue a reply with matter_btp_send() (it then carries the
 * acknowledgement) or close the session, closed() may reset it. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "matter/error.h"

/* Header flags (Table 26), and the continuation flag of the field. */
#define MATTER_BTP_FLAG_BEGIN 0x01
#define MATTER_BTP_FLAG_CONTINUE 0x02
#define MATTER_BTP_FLAG_END 0x04
#define MATTER_BTP_FLAG_ACK 0x08
#define MATTER_BTP_FLAG_MANAGEMENT 0x20
#define MATTER_BTP_FLAG_HANDSHAKE 0x40
#define MATTER_BTP_OPCODE_HANDSHAKE 0x6C

/* The one protocol version defined so far (Matter 1.0). */
#define MATTER_BTP_VERSION 4

/* Segment sizes: ATT_MTU - 3, between the minimum ATT_MTU (23) and the
 * 247-byte limit of C1 and C2. */
#define MATTER_BTP_SEGMENT_MIN 20
#define MATTER_BTP_SEGMENT_MAX 244
/* The receive window this side offers (packets); the selected window,
 * the smaller of this and the client's, applies to both directions. */
#define MATTER_BTP_WINDOW 6
/* The largest SDU accepted and sent: a Matter message. */
#define MATTER_BTP_SDU_MAX 1280
/* SDUs queued for sending behind the one in transmission. */
#define MATTER_BTP_SEND_QUEUE 4

/* Constants (Table 32), in milliseconds. */
#define MATTER_BTP_CONN_RSP_TIMEOUT_MS 5000
#define MATTER_BTP_ACK_TIMEOUT_MS 15000
#define MATTER_BTP_IDLE_TIMEOUT_MS 30000
/* The send-acknowledgement timer: less than half the acknowledgement
 * timeout (4.17.3.8), so that an idle session answers in time, and as
 * short as the phones in the field use, so that they see acknowledgements
 * when they expect them. */
#define MATTER_BTP_SEND_ACK_MS 2500

#define MATTER_BTP_NEVER UINT64_MAX

typedef enum {
  MATTER_BTP_STATE_IDLE,      /* no connection */
  MATTER_BTP_STATE_HANDSHAKE, /* connected, waiting for the request and the subscription */
  MATTER_BTP_STATE_OPEN,      /* handshake response sent: SDUs flow */
  MATTER_BTP_STATE_CLOSED,    /* ended; the link is to be dropped */
} MatterBtpState;

typedef struct {
  /* Sends one packet to the central as an indication on C2; @len is at
   * most the segment size, and @packet stays valid until
   * matter_btp_send_done(), close or reset. MATTER_OK when it was handed
   * to the link; an error closes the session with it. */
  MatterError (*send)(void *user_data, const uint8_t *packet, size_t len);
  /* A whole SDU arrived; @sdu is valid during the call. */
  void (*received)(void *user_data, const uint8_t *sdu, size_t len);
  /* The session ended (@reason: why, a MATTER_ERROR_BTP_* code or the
   * error send() returned): the caller drops the link. Called once, not
   * from matter_btp_close(). */
  void (*closed)(void *user_data, MatterError reason);
} MatterBtpCallbacks;

/* One SDU being sent or received. */
typedef struct {
  uint8_t data[MATTER_BTP_SDU_MAX];
  size_t len;
  size_t done; /* bytes sent, or received so far */
} MatterBtpSdu;

/* One connection. Plain data, no allocation: embed it. */
typedef struct {
  MatterBtpState state;
  const MatterBtpCallbacks *callbacks;
  void *user_data;

  /* Handshake (4.17.2.3, 4.17.2.4, 4.17.3.3). */
  uint16_t att_mtu;             /* as the link negotiated it */
  bool have_request;            /* the handshake request arrived */
  bool subscribed;              /* the central subscribed to C2 */
  uint16_t client_segment_size; /* as the request offered it */
  uint8_t client_window;        /* as the request offered it */
  uint16_t segment_size;        /* selected in the handshake */
  uint8_t version;              /* selected in the handshake */
  uint8_t window;               /* selected in the handshake, both directions */

  /* Sequence numbers and acknowledgements (4.17.3.6 to 4.17.3.8). */
  uint8_t next_send_seq;      /* of our next packet */
  uint8_t last_acked_by_peer; /* the newest of ours the central acknowledged */
  uint8_t last_received_seq;  /* the central's newest packet */
  uint8_t last_ack_sent;      /* the newest of the central's we acknowledged */
  bool ack_pending;           /* a received packet awaits our acknowledgement */
  bool ack_for_segment;       /* ... and one of them carried a segment */
  bool ack_due;               /* the send-acknowledgement timer ran out */
  bool indication_in_flight;  /* sent, not yet reported done */
  bool pumping;               /* inside the send loop (callbacks re-enter) */

  uint64_t ack_received_deadline; /* acknowledgement-received timer */
  uint64_t send_ack_deadline;     /* send-acknowledgement timer */
  uint64_t idle_deadline;         /* OPEN: nothing unique for BTP_CONN_IDLE_TIMEOUT;
                                   * HANDSHAKE: no handshake in time */

  uint8_t packet[MATTER_BTP_SEGMENT_MAX]; /* the packet last handed to send() */

  MatterBtpSdu rx;
  bool rx_active;
  MatterBtpSdu tx[MATTER_BTP_SEND_QUEUE + 1]; /* a ring; tx[tx_head] is in transmission */
  unsigned tx_head;
  unsigned tx_count;
} MatterBtp;

void matter_btp_init(MatterBtp *btp, const MatterBtpCallbacks *callbacks, void *user_data);

/* A central connected with @att_mtu (0 when unknown: the minimum, 23).
 * A session still there ends without closed(). The handshake request is
 * due within BTP_CONN_IDLE_TIMEOUT, the subscription within
 * BTP_CONN_RSP_TIMEOUT of the request (4.17.3.3). */
void matter_btp_connect(MatterBtp *btp, uint16_t att_mtu, uint64_t now_ms);
/* The central's ATT_MTU became known or changed before the handshake
 * (ignored once the response is sent). */
void matter_btp_set_att_mtu(MatterBtp *btp, uint16_t att_mtu);
/* The central wrote @len bytes to C1. A malformed or unexpected packet
 * closes the session (closed() is called with the reason, which is also
 * returned). MATTER_ERROR_BAD_STATE, without closed(), when there is no
 * session (IDLE) or it already ended (CLOSED). */
MatterError matter_btp_receive(MatterBtp *btp, const uint8_t *packet, size_t len, uint64_t now_ms);
/* The central subscribed to C2 (the handshake response may then go), or
 * unsubscribed (the session ends: 4.17.3.10, closed() with
 * MATTER_ERROR_BTP_UNSUBSCRIBED). */
void matter_btp_subscribed(MatterBtp *btp, bool subscribed, uint64_t now_ms);
/* Queues @sdu for sending; MATTER_ERROR_BTP_QUEUE_FULL when the queue is
 * full, MATTER_ERROR_INVALID_ARGUMENT when empty or too long,
 * MATTER_ERROR_BAD_STATE when the session is not open. */
MatterError matter_btp_send(MatterBtp *btp, const uint8_t *sdu, size_t len, uint64_t now_ms);
/* The last packet send() took went out (the central confirmed the
 * indication): the next may go. */
void matter_btp_send_done(MatterBtp *btp, uint64_t now_ms);

/* When matter_btp_process() is next due (MATTER_BTP_NEVER: never). */
uint64_t matter_btp_next_deadline(const MatterBtp *btp);
/* Runs the timers: a due stand-alone acknowledgement goes out, an
 * acknowledgement that never came or an idle session closes it. */
void matter_btp_process(MatterBtp *btp, uint64_t now_ms);

/* Ends the session locally (the link went, or the node closes it);
 * closed() is not called. */
void matter_btp_close(MatterBtp *btp);
/* Back to IDLE for the next connection. */
void matter_btp_reset(MatterBtp *btp);
