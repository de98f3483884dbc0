/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Exchanges (Core spec 4.9) with MRP (4.11, mrp.h) over the session table.
 *
 * The manager turns messages into bytes and back; it never touches a
 * socket or a timer. The caller
 * - hands it every datagram with matter_exchange_manager_receive_raw()
 *   (it finds the session, decrypts, drops duplicates and replays, and
 *   dispatches), or an already decrypted message with
 *   matter_exchange_manager_receive();
 * - sends what the send callback gives it to the session's peer address;
 * - calls matter_exchange_manager_process() at the time
 *   matter_exchange_manager_next_deadline() names (standalone
 *   acknowledgements, retransmissions, give-ups, the owners' timeouts,
 *   exhausted sessions).
 * Times are milliseconds on a monotonic clock, passed in by the caller.
 *
 * An exchange is {session, exchange id, role}. The node's exchanges start
 * at a random id and count up. A message matches an exchange on its
 * session with its id whose role is responder when the message's I flag is
 * set, initiator otherwise. A message that matches none is unsolicited: if
 * it is new, has the I flag and a handler is registered for its protocol
 * (standard vendor), a responder exchange is created and handed to that
 * handler; otherwise it is dropped, after a standalone acknowledgement when
 * it asked for one (4.9.5.2). Unsecured sessions accept only the Secure
 * Channel and User Directed Commissioning protocols (4.12.1).
 *
 * Reception follows 4.6.2: a duplicate is acknowledged (when it asks) and
 * dropped before it can change anything, so a replayed datagram neither
 * moves the session's peer address nor refreshes its timestamps. Only a
 * message the node takes has its counter recorded; one it cannot take
 * (no exchange slot left) is dropped unacknowledged, so that the sender's
 * MRP retransmits it.
 *
 * Tables under pressure: when the exchange table or the unsecured table
 * is full, exchanges that only retransmit a message their owner let go on
 * an unsecured session (a refusal to a peer that never completed a
 * session) are abandoned to make room, and the unsecured contexts they
 * held with them.
 *
 * Reliability: a message sent with MATTER_EXCHANGE_SEND_RELIABLE over UDP
 * carries the R flag and is retransmitted with the MRP backoff until
 * acknowledged. Until then the exchange holds on to one more message:
 * matter_exchange_send() keeps it and sends it once the acknowledgement
 * arrives (a peer may answer before its acknowledgement reaches us, e.g.
 * when its standalone acknowledgement was lost and it does not piggy-back
 * it again); a third is MATTER_ERROR_EXCHANGE_BUSY. After
 * MATTER_MRP_MAX_TRANSMISSIONS the handler's on_error gets
 * MATTER_ERROR_MRP_GIVE_UP, and the kept message is dropped.
 * Acknowledgements owed to the peer ride on the next message of the
 * exchange or go out alone after MATTER_MRP_STANDALONE_ACK_TIMEOUT_MS.
 * Duplicates that ask for an acknowledgement get one at once and are not
 * delivered.
 *
 * Closing an exchange sends any acknowledgement still owed and frees it,
 * or, while a reliable message awaits its acknowledgement, once that ends
 * and the kept message, if any, has been sent and acknowledged too
 * (4.9.5.3); its handler hears nothing more. Exchange pointers are slots in
 * the caller's array: after closing, an owner forgets its pointer.
 *
 * Callbacks run from within the manager's functions. A handler may send on
 * and close its exchange, open others, and remove sessions (its own
 * included) with matter_exchange_manager_remove_session(); the send
 * callback only sends. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "matter/counters.h"
#include "matter/error.h"
#include "matter/message.h"
#include "matter/mrp.h"
#include "matter/session.h"

/* Protocols with an unsolicited-message handler, at most. */
#define MATTER_EXCHANGE_PROTOCOLS_MAX 8
/* The global unencrypted counter stores a new bound this far ahead. Every
 * unsecured message that asks for one gets an acknowledgement, which takes
 * a counter, so anyone can make the node spend them: a step this wide keeps
 * a flood of a hundred thousand messages a second to under two stored
 * bounds a second, and a restart skips at most 2^16 of 2^32 values. */
#define MATTER_EXCHANGE_COUNTER_STEP (UINT32_C(1) << 16)

/* matter_exchange_send() flags. */
#define MATTER_EXCHANGE_SEND_RELIABLE 0x01

typedef struct MatterExchange MatterExchange;
typedef struct MatterExchangeManager MatterExchangeManager;

typedef struct {
  /* A message of the exchange (never a standalone acknowledgement). The
   * payload is valid during the call only. */
  void (*on_message)(void *user_data, MatterExchange *exchange, const MatterProtocolHeader *header,
                     const uint8_t *payload, size_t len, uint64_t now_ms);
  /* MATTER_ERROR_MRP_GIVE_UP: the reliable message went unacknowledged;
   * the exchange stays open for its owner to close.
   * MATTER_ERROR_EXCHANGE_TIMEOUT: the deadline set with
   * matter_exchange_set_timeout() passed; the exchange stays open.
   * MATTER_ERROR_SESSION_CLOSED: the session is gone, and the exchange with
   * it when this returns. May be NULL. */
  void (*on_error)(void *user_data, MatterExchange *exchange, MatterError err, uint64_t now_ms);
} MatterExchangeHandler;

typedef struct {
  /* A complete message (encrypted on secure sessions) for
   * session->peer_address. An error fails an unreliable send; a reliable
   * message is retried by MRP. */
  MatterError (*send)(void *user_data, const MatterSession *session, const uint8_t *msg,
                      size_t len);
  /* Stores @bound for the global unencrypted counter durably (see
   * MatterCounterReservation); MATTER_OK once done. May be NULL: the
   * counter then lives in memory only, as 4.5.1.2 allows. */
  MatterError (*store_counter)(void *user_data, uint32_t bound);
  /* The manager ended @session itself (its send counter ran out); it is
   * wiped when this returns. May be NULL. */
  void (*session_closed)(void *user_data, MatterSession *session);
} MatterExchangeCallbacks;

/* A message sent while the one before awaits its acknowledgement. */
typedef struct {
  bool pending;
  uint16_t protocol_id;
  uint8_t opcode;
  unsigned flags;
  size_t len;
  uint8_t payload[MATTER_MESSAGE_MAX];
} MatterExchangeQueued;

struct MatterExchange {
  bool open;
  bool closing; /* closed by its owner; waits for the retransmission to end */
  bool initiator;
  uint16_t id;
  MatterSession *session;
  const MatterExchangeHandler *handler;
  void *user_data;
  uint64_t timeout_ms; /* MATTER_MRP_NEVER unless the owner set one */
  MatterMrpRetransmission retrans;
  MatterExchangeQueued queued;
  MatterMrpAck ack;
  MatterExchangeManager *manager;
};

typedef struct {
  bool used;
  uint16_t protocol_id;
  const MatterExchangeHandler *handler;
  void *user_data;
} MatterExchangeProtocol;

struct MatterExchangeManager {
  MatterSessionTable *sessions;
  MatterExchange *exchanges;
  size_t capacity;
  MatterExchangeCallbacks callbacks;
  void *user_data;
  MatterRandomSource rng;
  uint16_t next_exchange_id;
  MatterCounterReservation unencrypted_counter;
  MatterExchangeProtocol protocols[MATTER_EXCHANGE_PROTOCOLS_MAX];
};

/* @exchanges is the caller's array of @capacity slots; @rng may be NULL
 * for the DRBG. The global unencrypted counter starts at a random value;
 * after a restart, matter_exchange_manager_resume_counter() continues from
 * the bound stored last. */
MatterError matter_exchange_manager_init(MatterExchangeManager *manager,
                                         MatterSessionTable *sessions, MatterExchange *exchanges,
                                         size_t capacity, const MatterExchangeCallbacks *callbacks,
                                         void *user_data, const MatterRandomSource *rng);
MatterError matter_exchange_manager_resume_counter(MatterExchangeManager *manager,
                                                   uint32_t stored_bound);

/* Unsolicited messages of @protocol_id (standard vendor) open an exchange
 * handed to @handler. Registering again replaces the handler. */
MatterError matter_exchange_manager_register(MatterExchangeManager *manager, uint16_t protocol_id,
                                             const MatterExchangeHandler *handler, void *user_data);
void matter_exchange_manager_unregister(MatterExchangeManager *manager, uint16_t protocol_id);

/* A datagram from @peer: decoded, matched to its session, deobfuscated
 * and decrypted in place when secure, then as below. */
MatterError matter_exchange_manager_receive_raw(MatterExchangeManager *manager,
                                                const MatterPeerAddress *peer, uint8_t *msg,
                                                size_t len, uint64_t now_ms);
/* An authenticated message of @session: @header decoded, @payload the
 * plaintext after it (protocol header and application payload). Counter
 * processing, MRP and dispatch. MATTER_OK when delivered or consumed (an
 * acknowledgement); otherwise why it was dropped, for logs. */
MatterError matter_exchange_manager_receive(MatterExchangeManager *manager, MatterSession *session,
                                            const MatterMessageHeader *header,
                                            const uint8_t *payload, size_t len, uint64_t now_ms);

/* When matter_exchange_manager_process() is next due: MATTER_MRP_NEVER
 * for never, 0 for at once. */
uint64_t matter_exchange_manager_next_deadline(const MatterExchangeManager *manager);
void matter_exchange_manager_process(MatterExchangeManager *manager, uint64_t now_ms);

/* Ends @session's exchanges (on_error with MATTER_ERROR_SESSION_CLOSED,
 * no messages sent) and removes it from the table, wiping its keys. */
void matter_exchange_manager_remove_session(MatterExchangeManager *manager, MatterSession *session,
                                            uint64_t now_ms);
/* Ends @session as 4.10.1.4 says: a CloseSession StatusReport on a new
 * exchange without the R flag, then as matter_exchange_manager_remove_session().
 * For sessions the node evicts (4.10.1.1) or ends for its own reasons. */
void matter_exchange_manager_close_session(MatterExchangeManager *manager,
                                           MatterSession *session, uint64_t now_ms);
/* Open exchanges on @session, closing ones included. */
size_t matter_exchange_manager_count(const MatterExchangeManager *manager,
                                     const MatterSession *session);

/* A new exchange on @session with this node as initiator. */
MatterError matter_exchange_new(MatterExchangeManager *manager, MatterSession *session,
                                const MatterExchangeHandler *handler, void *user_data,
                                MatterExchange **exchange);
/* Hands the exchange to another owner (e.g. from the unsolicited handler
 * to the protocol state machine it starts). */
void matter_exchange_set_handler(MatterExchange *exchange, const MatterExchangeHandler *handler,
                                 void *user_data);
/* Sends @payload as @protocol_id / @opcode (standard vendor) on the
 * exchange, with any acknowledgement owed piggy-backed. Flags:
 * MATTER_EXCHANGE_SEND_RELIABLE. While an earlier reliable message awaits
 * its acknowledgement the message is kept and sent after it (MATTER_OK);
 * MATTER_ERROR_EXCHANGE_BUSY when one is kept already. */
MatterError matter_exchange_send(MatterExchange *exchange, uint16_t protocol_id, uint8_t opcode,
                                 const uint8_t *payload, size_t len, unsigned flags,
                                 uint64_t now_ms);
/* The owner's own deadline (e.g. for the peer's next message): at
 * @deadline_ms, on_error gets MATTER_ERROR_EXCHANGE_TIMEOUT, once.
 * MATTER_MRP_NEVER cancels it. */
void matter_exchange_set_timeout(MatterExchange *exchange, uint64_t deadline_ms);
void matter_exchange_close(MatterExchange *exchange, uint64_t now_ms);
/* Frees the exchange at once and sends nothing more on it: no
 * acknowledgement owed, no retransmission. For an owner that gives up on a
 * peer (a handshake it drops to serve another). */
void matter_exchange_abort(MatterExchange *exchange);
