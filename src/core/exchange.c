/* SPDX-License-Identifier: Apache-2.0 */
#include "matter/exchange.h"

#include <string.h>

/* ---- setup ---- */

MatterError
matter_exchange_manager_init(MatterExchangeManager *manager, MatterSessionTable *sessions,
                             MatterExchange *exchanges, size_t capacity,
                             const MatterExchangeCallbacks *callbacks, void *user_data,
                             const MatterRandomSource *rng)
{
  uint8_t bytes[2];
  MatterError err;

  if (!manager || !sessions || (!exchanges && capacity > 0) || !callbacks || !callbacks->send)
    return MATTER_ERROR_INVALID_ARGUMENT;
  memset(manager, 0, sizeof(*manager));
  manager->sessions = sessions;
  manager->exchanges = exchanges;
  manager->capacity = capacity;
  manager->callbacks = *callbacks;
  manager->user_data = user_data;
  if (rng)
    manager->rng = *rng;
  memset(exchanges, 0, capacity * sizeof(*exchanges));
  /* The first exchange id is random (4.9.2). */
  err = matter_counters_random(&manager->rng, bytes, sizeof(bytes));
  if (err != MATTER_OK)
    return err;
  manager->next_exchange_id = (uint16_t) (bytes[0] | bytes[1] << 8);
  return matter_counter_reservation_init(&manager->unencrypted_counter,
                                         MATTER_EXCHANGE_COUNTER_STEP, &manager->rng);
}

MatterError
matter_exchange_manager_resume_counter(MatterExchangeManager *manager, uint32_t stored_bound)
{
  if (!manager)
    return MATTER_ERROR_INVALID_ARGUMENT;
  return matter_counter_reservation_resume(&manager->unencrypted_counter,
                                           MATTER_EXCHANGE_COUNTER_STEP, stored_bound);
}

static MatterExchangeProtocol *
find_protocol(MatterExchangeManager *manager, uint16_t protocol_id)
{
  for (size_t i = 0; i < MATTER_EXCHANGE_PROTOCOLS_MAX; i++)
    if (manager->protocols[i].used && manager->protocols[i].protocol_id == protocol_id)
      return &manager->protocols[i];
  return NULL;
}

MatterError
matter_exchange_manager_register(MatterExchangeManager *manager, uint16_t protocol_id,
                                 const MatterExchangeHandler *handler, void *user_data)
{
  MatterExchangeProtocol *slot;

  if (!manager || !handler || !handler->on_message)
    return MATTER_ERROR_INVALID_ARGUMENT;
  slot = find_protocol(manager, protocol_id);
  for (size_t i = 0; !slot && i < MATTER_EXCHANGE_PROTOCOLS_MAX; i++)
    if (!manager->protocols[i].used)
      slot = &manager->protocols[i];
  if (!slot)
    return MATTER_ERROR_NO_MEMORY;
  slot->used = true;
  slot->protocol_id = protocol_id;
  slot->handler = handler;
  slot->user_data = user_data;
  return MATTER_OK;
}

void
matter_exchange_manager_unregister(MatterExchangeManager *manager, uint16_t protocol_id)
{
  MatterExchangeProtocol *slot = find_protocol(manager, protocol_id);

  if (slot)
    memset(slot, 0, sizeof(*slot));
}

/* ---- exchange slots ---- */

static MatterExchange *
exchange_alloc(MatterExchangeManager *manager, MatterSession *session, uint16_t id, bool initiator,
               const MatterExchangeHandler *handler, void *user_data)
{
  for (size_t i = 0; i < manager->capacity; i++) {
    MatterExchange *exchange = &manager->exchanges[i];

    if (exchange->open)
      continue;
    memset(exchange, 0, sizeof(*exchange));
    exchange->open = true;
    exchange->initiator = initiator;
    exchange->id = id;
    exchange->session = session;
    exchange->handler = handler;
    exchange->user_data = user_data;
    exchange->timeout_ms = MATTER_MRP_NEVER;
    exchange->retrans.next_ms = MATTER_MRP_NEVER;
    exchange->manager = manager;
    session->exchanges++;
    return exchange;
  }
  return NULL;
}

static void
exchange_free(MatterExchange *exchange)
{
  if (exchange->session && exchange->session->exchanges > 0)
    exchange->session->exchanges--;
  /* The stored message may be secret-free ciphertext, but wipe it anyway. */
  matter_secure_zero(exchange, sizeof(*exchange));
}

static MatterExchange *
find_exchange(MatterExchangeManager *manager, const MatterSession *session, uint16_t id,
              bool initiator)
{
  for (size_t i = 0; i < manager->capacity; i++) {
    MatterExchange *exchange = &manager->exchanges[i];

    if (exchange->open && exchange->session == session && exchange->id == id &&
        exchange->initiator == initiator)
      return exchange;
  }
  return NULL;
}

size_t
matter_exchange_manager_count(const MatterExchangeManager *manager, const MatterSession *session)
{
  size_t count = 0;

  for (size_t i = 0; i < manager->capacity; i++)
    if (manager->exchanges[i].open && manager->exchanges[i].session == session)
      count++;
  return count;
}

/* ---- building messages ---- */

static bool
is_secure(const MatterSession *session)
{
  return session->kind != MATTER_SESSION_KIND_UNSECURED;
}

static MatterError
unencrypted_counter_next(MatterExchangeManager *manager, uint32_t *value)
{
  MatterCounterReservation *reservation = &manager->unencrypted_counter;
  uint32_t bound;
  MatterError err;

  err = matter_counter_reservation_next(reservation, value);
  if (err != MATTER_ERROR_COUNTER_PERSIST)
    return err;
  bound = matter_counter_reservation_wanted(reservation);
  if (manager->callbacks.store_counter) {
    err = manager->callbacks.store_counter(manager->user_data, bound);
    if (err != MATTER_OK)
      return err;
  }
  matter_counter_reservation_confirm(reservation, bound);
  return matter_counter_reservation_next(reservation, value);
}

static MatterError
next_counter(MatterExchangeManager *manager, MatterSession *session, uint32_t *counter)
{
  MatterError err;

  if (!is_secure(session))
    return unencrypted_counter_next(manager, counter);
  err = matter_message_counter_next(&session->send_counter, counter);
  /* The message with the last counter still goes; the session ends after. */
  if (err == MATTER_ERROR_COUNTER_EXHAUSTED || session->send_counter.exhausted)
    session->expired = true;
  return err;
}

static void
fill_message_header(const MatterSession *session, uint32_t counter, MatterMessageHeader *header)
{
  memset(header, 0, sizeof(*header));
  header->counter = counter;
  header->security_flags = MATTER_SESSION_TYPE_UNICAST;
  if (is_secure(session)) {
    header->session_id = session->peer_session_id;
    return;
  }
  /* 4.12.1.1: the initiator names itself as source, the responder names
   * the initiator as destination. */
  if (session->role == MATTER_SESSION_ROLE_INITIATOR) {
    header->has_source = true;
    header->source_node_id = session->ephemeral_node_id;
  } else {
    header->dest_kind = MATTER_DEST_NODE_ID;
    header->dest_node_id = session->ephemeral_node_id;
  }
}

static MatterError
encrypt_message(const MatterSession *session, const MatterMessageHeader *header, uint8_t *buf,
                size_t header_len, size_t payload_len, size_t *len)
{
  uint8_t nonce[MATTER_AES_CCM_NONCE_LEN];

  matter_message_nonce(header->security_flags, header->counter,
                       matter_session_send_nonce_node(session), nonce);
  return matter_message_encrypt(matter_session_send_key(session), nonce, buf, MATTER_MESSAGE_MAX,
                                header_len, payload_len, len);
}

/* Encodes and, on a secure session, encrypts one message into @buf
 * (MATTER_MESSAGE_MAX bytes); *@counter is the message counter it took. */
static MatterError
build_message(MatterExchangeManager *manager, MatterSession *session,
              const MatterProtocolHeader *protocol, const uint8_t *payload, size_t payload_len,
              uint8_t *buf, size_t *len, uint32_t *counter)
{
  MatterMessageHeader header;
  size_t header_len, protocol_len, room;
  MatterError err;

  err = next_counter(manager, session, counter);
  if (err != MATTER_OK)
    return err;
  fill_message_header(session, *counter, &header);
  err = matter_message_header_encode(&header, buf, MATTER_MESSAGE_MAX, &header_len);
  if (err != MATTER_OK)
    return err;
  room = MATTER_MESSAGE_MAX - header_len - (is_secure(session) ? MATTER_MESSAGE_MIC_LEN : 0);
  err = matter_protocol_header_encode(protocol, buf + header_len, room, &protocol_len);
  if (err != MATTER_OK)
    return err;
  if (payload_len > room - protocol_len)
    return MATTER_ERROR_BUFFER_TOO_SMALL;
  if (payload_len > 0)
    memcpy(buf + header_len + protocol_len, payload, payload_len);
  *len = header_len + protocol_len + payload_len;
  if (!is_secure(session))
    return MATTER_OK;
  return encrypt_message(session, &header, buf, header_len, protocol_len + payload_len, len);
}

static void
fill_protocol_header(MatterProtocolHeader *protocol, bool initiator, uint16_t exchange_id,
                     uint16_t protocol_id, uint8_t opcode)
{
  memset(protocol, 0, sizeof(*protocol));
  protocol->exchange_flags = initiator ? MATTER_EXCHANGE_FLAG_I : 0;
  protocol->exchange_id = exchange_id;
  protocol->protocol_id = protocol_id;
  protocol->opcode = opcode;
}

static MatterError
transmit(MatterExchangeManager *manager, MatterSession *session, const uint8_t *msg, size_t len,
         uint64_t now_ms)
{
  matter_session_touch(session, now_ms, false);
  return manager->callbacks.send(manager->user_data, session, msg, len);
}

/* An MRP Standalone Acknowledgement (4.11.7.1) of @counter, in the role
 * the node has on the exchange; used for exchanges that may not exist. */
static MatterError
send_standalone_ack(MatterExchangeManager *manager, MatterSession *session, uint16_t exchange_id,
                    bool initiator, uint32_t counter, uint64_t now_ms)
{
  MatterProtocolHeader protocol;
  uint8_t buf[MATTER_MESSAGE_MAX];
  uint32_t message_counter;
  size_t len;
  MatterError err;

  fill_protocol_header(&protocol, initiator, exchange_id, MATTER_PROTOCOL_SECURE_CHANNEL,
                       MATTER_MRP_OPCODE_STANDALONE_ACK);
  protocol.exchange_flags |= MATTER_EXCHANGE_FLAG_A;
  protocol.ack_counter = counter;
  err = build_message(manager, session, &protocol, NULL, 0, buf, &len, &message_counter);
  if (err != MATTER_OK)
    return err;
  return transmit(manager, session, buf, len, now_ms);
}

static void
exchange_ack_now(MatterExchange *exchange, uint32_t counter, uint64_t now_ms)
{
  if (send_standalone_ack(exchange->manager, exchange->session, exchange->id, exchange->initiator,
                          counter, now_ms) == MATTER_OK)
    matter_mrp_ack_standalone_sent(&exchange->ack, counter);
}

static uint16_t
random_jitter(const MatterExchangeManager *manager)
{
  uint8_t bytes[2] = { 0, 0 };

  /* Without randomness the backoff merely loses its jitter. */
  (void) matter_counters_random(&manager->rng, bytes, sizeof(bytes));
  return (uint16_t) (bytes[0] | bytes[1] << 8);
}

static void
arm_retransmission(MatterExchange *exchange, uint64_t now_ms)
{
  uint32_t interval = matter_session_peer_interval(exchange->session, now_ms);
  uint64_t timeout = matter_mrp_backoff_ms(interval, exchange->retrans.send_count,
                                           random_jitter(exchange->manager));

  matter_mrp_retransmission_sent(&exchange->retrans, now_ms, timeout);
}

/* ---- sending ---- */

MatterError
matter_exchange_new(MatterExchangeManager *manager, MatterSession *session,
                    const MatterExchangeHandler *handler, void *user_data,
                    MatterExchange **exchange)
{
  uint16_t id = 0;

  if (!manager || !session || session->state != MATTER_SESSION_ACTIVE || !exchange)
    return MATTER_ERROR_INVALID_ARGUMENT;
  /* Skip ids still open from a previous turn of the counter. */
  for (size_t tries = 0; tries <= manager->capacity; tries++) {
    id = manager->next_exchange_id++;
    if (!find_exchange(manager, session, id, true))
      break;
  }
  *exchange = exchange_alloc(manager, session, id, true, handler, user_data);
  return *exchange ? MATTER_OK : MATTER_ERROR_EXCHANGE_TABLE_FULL;
}

void
matter_exchange_set_handler(MatterExchange *exchange, const MatterExchangeHandler *handler,
                            void *user_data)
{
  exchange->handler = handler;
  exchange->user_data = user_data;
}

static bool
wants_mrp(const MatterSession *session, unsigned flags)
{
  /* TCP and BLE are reliable themselves (4.11.4). */
  return (flags & MATTER_EXCHANGE_SEND_RELIABLE) &&
         session->peer_address.transport == MATTER_TRANSPORT_UDP;
}

/* Builds and sends one message now; the exchange has no reliable message
 * awaiting its acknowledgement. */
static MatterError
send_now(MatterExchange *exchange, uint16_t protocol_id, uint8_t opcode, const uint8_t *payload,
         size_t len, unsigned flags, uint64_t now_ms)
{
  MatterExchangeManager *manager = exchange->manager;
  MatterProtocolHeader protocol;
  MatterMrpAck saved_ack;
  uint8_t buf[MATTER_MESSAGE_MAX];
  uint32_t counter;
  size_t msg_len;
  bool reliable = wants_mrp(exchange->session, flags);
  MatterError err;

  fill_protocol_header(&protocol, exchange->initiator, exchange->id, protocol_id, opcode);
  if (reliable)
    protocol.exchange_flags |= MATTER_EXCHANGE_FLAG_R;
  saved_ack = exchange->ack;
  if (matter_mrp_ack_piggyback(&exchange->ack, &protocol.ack_counter))
    protocol.exchange_flags |= MATTER_EXCHANGE_FLAG_A;
  err = build_message(manager, exchange->session, &protocol, payload, len, buf, &msg_len, &counter);
  if (err != MATTER_OK) {
    exchange->ack = saved_ack;
    return err;
  }
  if (reliable) {
    err = matter_mrp_retransmission_start(&exchange->retrans, counter, buf, msg_len);
    if (err != MATTER_OK)
      return err;
    arm_retransmission(exchange, now_ms);
  }
  err = transmit(manager, exchange->session, buf, msg_len, now_ms);
  /* A reliable message that failed to leave is retried by MRP. */
  return reliable ? MATTER_OK : err;
}

static MatterError
queue_message(MatterExchange *exchange, uint16_t protocol_id, uint8_t opcode,
              const uint8_t *payload, size_t len, unsigned flags)
{
  MatterExchangeQueued *queued = &exchange->queued;

  if (queued->pending)
    return MATTER_ERROR_EXCHANGE_BUSY;
  if (len > sizeof(queued->payload))
    return MATTER_ERROR_BUFFER_TOO_SMALL;
  queued->pending = true;
  queued->protocol_id = protocol_id;
  queued->opcode = opcode;
  queued->flags = flags;
  queued->len = len;
  if (len > 0)
    memcpy(queued->payload, payload, len);
  return MATTER_OK;
}

/* The acknowledgement the kept message waited for arrived: send it. */
static void
send_queued(MatterExchange *exchange, uint64_t now_ms)
{
  MatterExchangeQueued *queued = &exchange->queued;

  if (!queued->pending || exchange->retrans.active)
    return;
  queued->pending = false;
  /* Should it fail to build, the owner has nothing left to retry with:
   * like any other lost message, the peer's MRP or timeout ends it. */
  (void) send_now(exchange, queued->protocol_id, queued->opcode, queued->payload, queued->len,
                  queued->flags, now_ms);
  matter_secure_zero(queued, sizeof(*queued));
}

MatterError
matter_exchange_send(MatterExchange *exchange, uint16_t protocol_id, uint8_t opcode,
                     const uint8_t *payload, size_t len, unsigned flags, uint64_t now_ms)
{
  if (!exchange || !exchange->open || (!payload && len > 0))
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (exchange->closing)
    return MATTER_ERROR_BAD_STATE;
  if (exchange->retrans.active)
    return queue_message(exchange, protocol_id, opcode, payload, len, flags);
  return send_now(exchange, protocol_id, opcode, payload, len, flags, now_ms);
}

void
matter_exchange_set_timeout(MatterExchange *exchange, uint64_t deadline_ms)
{
  if (exchange && exchange->open && !exchange->closing)
    exchange->timeout_ms = deadline_ms;
}

void
matter_exchange_close(MatterExchange *exchange, uint64_t now_ms)
{
  uint32_t counter;

  if (!exchange || !exchange->open || exchange->closing)
    return;
  /* 4.9.5.3: flush the acknowledgement owed, then wait for ours. */
  if (matter_mrp_ack_unsent(&exchange->ack, &counter))
    exchange_ack_now(exchange, counter, now_ms);
  memset(&exchange->ack, 0, sizeof(exchange->ack));
  exchange->closing = true;
  exchange->handler = NULL;
  exchange->user_data = NULL;
  exchange->timeout_ms = MATTER_MRP_NEVER;
  if (!exchange->retrans.active)
    exchange_free(exchange);
}

void
matter_exchange_abort(MatterExchange *exchange)
{
  if (exchange && exchange->open)
    exchange_free(exchange);
}

/* ---- receiving ---- */

static bool
is_standalone_ack(const MatterProtocolHeader *protocol)
{
  return protocol->vendor_id == 0 && protocol->protocol_id == MATTER_PROTOCOL_SECURE_CHANNEL &&
         protocol->opcode == MATTER_MRP_OPCODE_STANDALONE_ACK;
}

static bool
protocol_allowed(const MatterSession *session, const MatterProtocolHeader *protocol)
{
  if (is_secure(session))
    return true;
  return protocol->vendor_id == 0 &&
         (protocol->protocol_id == MATTER_PROTOCOL_SECURE_CHANNEL ||
          protocol->protocol_id == MATTER_PROTOCOL_USER_DIRECTED_COMMISSIONING);
}

/* What the receive path knows about one incoming message. */
typedef struct {
  MatterSession *session;
  const MatterPeerAddress *peer; /* where it came from, NULL when not known */
  MatterProtocolHeader protocol;
  uint32_t counter;
  bool duplicate;
  const uint8_t *payload;
  size_t len;
} Incoming;

static bool
has_flag(const Incoming *in, uint8_t flag)
{
  return (in->protocol.exchange_flags & flag) != 0;
}

static MatterReplayPolicy
replay_policy(const MatterSession *session)
{
  return is_secure(session) ? MATTER_REPLAY_UNICAST : MATTER_REPLAY_UNENCRYPTED;
}

/* 4.6.2 steps 3 and 5 for a message that passed the duplicate check and
 * that the node takes: its counter is recorded, the session's timestamps
 * move and, only now, so does its peer address; a replayed datagram sent
 * from elsewhere changes none of them. */
static void
take_message(const Incoming *in, uint64_t now_ms)
{
  MatterSession *session = in->session;

  matter_replay_window_commit(&session->peer_window, replay_policy(session), in->counter);
  matter_session_touch(session, now_ms, true);
  if (in->peer)
    session->peer_address = *in->peer;
}

static void
deliver(MatterExchange *exchange, const Incoming *in, uint64_t now_ms)
{
  if (exchange->handler && exchange->handler->on_message)
    exchange->handler->on_message(exchange->user_data, exchange, &in->protocol, in->payload,
                                  in->len, now_ms);
}

/* The R flag on a new message: owe an acknowledgement, flushing an older
 * one the new one displaces (4.11.5.2.2). */
static void
track_ack(MatterExchange *exchange, const Incoming *in, uint64_t now_ms)
{
  uint32_t flush;

  if (matter_mrp_ack_track(&exchange->ack, in->counter, now_ms, &flush))
    exchange_ack_now(exchange, flush, now_ms);
}

/* The A flag: our reliable message got through, and the one kept behind
 * it, if any, can go. */
static void
process_ack(MatterExchange *exchange, const Incoming *in, uint64_t now_ms)
{
  if (!has_flag(in, MATTER_EXCHANGE_FLAG_A))
    return;
  if (matter_mrp_retransmission_ack(&exchange->retrans, in->protocol.ack_counter))
    send_queued(exchange, now_ms);
}

static MatterError
receive_on_exchange(MatterExchange *exchange, const Incoming *in, uint64_t now_ms)
{
  if (in->duplicate) {
    if (has_flag(in, MATTER_EXCHANGE_FLAG_R))
      exchange_ack_now(exchange, in->counter, now_ms);
    return MATTER_ERROR_DUPLICATE_MESSAGE;
  }
  take_message(in, now_ms);
  process_ack(exchange, in, now_ms);
  if (exchange->closing) {
    /* No owner will answer: acknowledge at once, and end the exchange
     * if that was the acknowledgement it waited for. */
    if (has_flag(in, MATTER_EXCHANGE_FLAG_R))
      send_standalone_ack(exchange->manager, in->session, exchange->id, exchange->initiator,
                          in->counter, now_ms);
    if (!exchange->retrans.active)
      exchange_free(exchange);
    return MATTER_OK;
  }
  if (has_flag(in, MATTER_EXCHANGE_FLAG_R))
    track_ack(exchange, in, now_ms);
  if (!is_standalone_ack(&in->protocol))
    deliver(exchange, in, now_ms);
  return MATTER_OK;
}

static MatterError
unsolicited_verdict(const Incoming *in, const MatterExchangeProtocol *handler)
{
  if (!protocol_allowed(in->session, &in->protocol))
    return MATTER_ERROR_PROTOCOL_NOT_ALLOWED;
  if (!has_flag(in, MATTER_EXCHANGE_FLAG_I) || is_standalone_ack(&in->protocol) || !handler)
    return MATTER_ERROR_UNSOLICITED;
  return MATTER_OK;
}

/* An exchange whose owner let go of it and that only waits to retransmit
 * its last message (a refusal, say) to a peer on an unsecured session: a
 * peer that never completed a session. */
static bool
is_abandonable(const MatterExchange *exchange)
{
  return exchange->open && exchange->closing && !is_secure(exchange->session);
}

/* Frees the abandonable exchange closest to giving up anyway (most
 * transmissions), to make room for a new one. */
static bool
reclaim_exchange(MatterExchangeManager *manager)
{
  MatterExchange *victim = NULL;

  for (size_t i = 0; i < manager->capacity; i++) {
    MatterExchange *exchange = &manager->exchanges[i];

    if (is_abandonable(exchange) &&
        (!victim || exchange->retrans.send_count > victim->retrans.send_count))
      victim = exchange;
  }
  if (victim)
    exchange_free(victim);
  return victim != NULL;
}

static MatterExchange *
alloc_responder(MatterExchangeManager *manager, const Incoming *in,
                const MatterExchangeProtocol *handler)
{
  MatterExchange *exchange = exchange_alloc(manager, in->session, in->protocol.exchange_id, false,
                                            handler->handler, handler->user_data);

  if (!exchange && reclaim_exchange(manager))
    exchange = exchange_alloc(manager, in->session, in->protocol.exchange_id, false,
                              handler->handler, handler->user_data);
  return exchange;
}

static void
ack_unsolicited(MatterExchangeManager *manager, const Incoming *in, uint64_t now_ms)
{
  if (has_flag(in, MATTER_EXCHANGE_FLAG_R))
    send_standalone_ack(manager, in->session, in->protocol.exchange_id,
                        !has_flag(in, MATTER_EXCHANGE_FLAG_I), in->counter, now_ms);
}

/* 4.9.5.2: a new exchange for a new request to a registered protocol,
 * else at most an acknowledgement from an ephemeral exchange. */
static MatterError
receive_unsolicited(MatterExchangeManager *manager, const Incoming *in, uint64_t now_ms)
{
  const MatterExchangeProtocol *handler = NULL;
  MatterExchange *exchange;
  MatterError err;

  if (in->duplicate) {
    ack_unsolicited(manager, in, now_ms);
    return MATTER_ERROR_DUPLICATE_MESSAGE;
  }
  if (in->protocol.vendor_id == 0)
    handler = find_protocol(manager, in->protocol.protocol_id);
  err = unsolicited_verdict(in, handler);
  if (err != MATTER_OK) {
    take_message(in, now_ms);
    ack_unsolicited(manager, in, now_ms);
    return err;
  }
  exchange = alloc_responder(manager, in, handler);
  /* Not taken: no acknowledgement and no record of the counter, so the
   * sender's retransmission gets another chance. */
  if (!exchange)
    return MATTER_ERROR_EXCHANGE_TABLE_FULL;
  take_message(in, now_ms);
  if (has_flag(in, MATTER_EXCHANGE_FLAG_R))
    track_ack(exchange, in, now_ms);
  deliver(exchange, in, now_ms);
  return MATTER_OK;
}

/* An authenticated message from @peer (NULL: where the session says). */
static MatterError
receive_message(MatterExchangeManager *manager, MatterSession *session,
                const MatterPeerAddress *peer, const MatterMessageHeader *header,
                const uint8_t *payload, size_t len, uint64_t now_ms)
{
  Incoming in;
  size_t protocol_len;
  MatterExchange *exchange;
  MatterError err;

  memset(&in, 0, sizeof(in));
  err = matter_protocol_header_decode(payload, len, &in.protocol, &protocol_len);
  if (err != MATTER_OK)
    return err;
  in.session = session;
  in.peer = peer;
  in.counter = header->counter;
  /* 4.5.6: checked now, recorded only once the message is taken. */
  in.duplicate = matter_replay_window_check(&session->peer_window, replay_policy(session),
                                            header->counter) != MATTER_OK;
  in.payload = payload + protocol_len;
  in.len = len - protocol_len;
  exchange = find_exchange(manager, session, in.protocol.exchange_id,
                           !has_flag(&in, MATTER_EXCHANGE_FLAG_I));
  if (exchange)
    return receive_on_exchange(exchange, &in, now_ms);
  return receive_unsolicited(manager, &in, now_ms);
}

MatterError
matter_exchange_manager_receive(MatterExchangeManager *manager, MatterSession *session,
                                const MatterMessageHeader *header, const uint8_t *payload,
                                size_t len, uint64_t now_ms)
{
  if (!manager || !session || !header || (!payload && len > 0) ||
      session->state != MATTER_SESSION_ACTIVE)
    return MATTER_ERROR_INVALID_ARGUMENT;
  return receive_message(manager, session, NULL, header, payload, len, now_ms);
}

/* Message privacy (4.8): undo the header's obfuscation in place. */
static MatterError
reveal_header(const MatterSession *session, uint8_t *msg, size_t len)
{
  uint8_t privacy_key[MATTER_AES128_KEY_LEN];
  MatterError err;

  err = matter_message_privacy_key(matter_session_receive_key(session), privacy_key);
  if (err == MATTER_OK)
    err = matter_message_privacy_deobfuscate(privacy_key, msg, len);
  matter_secure_zero(privacy_key, sizeof(privacy_key));
  return err;
}

static MatterError
decrypt_message(const MatterSession *session, uint8_t *msg, size_t len,
                const MatterMessageHeader *header, size_t header_len, size_t *payload_len)
{
  uint8_t nonce[MATTER_AES_CCM_NONCE_LEN];

  matter_message_nonce(header->security_flags, header->counter,
                       matter_session_receive_nonce_node(session), nonce);
  return matter_message_decrypt(matter_session_receive_key(session), nonce, msg, len, header_len,
                                payload_len);
}

static MatterError
receive_secure(MatterExchangeManager *manager, const MatterPeerAddress *peer, uint8_t *msg,
               size_t len, const MatterMessageHeader *prefix, uint64_t now_ms)
{
  MatterMessageHeader header;
  MatterSession *session;
  size_t header_len, payload_len;
  MatterError err;

  /* Group sessions come with group key management. */
  if (matter_message_session_type(prefix) != MATTER_SESSION_TYPE_UNICAST)
    return MATTER_ERROR_SESSION_NOT_FOUND;
  session = matter_session_table_find(manager->sessions, prefix->session_id);
  if (!session)
    return MATTER_ERROR_SESSION_NOT_FOUND;
  if (prefix->security_flags & MATTER_SEC_FLAG_P) {
    err = reveal_header(session, msg, len);
    if (err != MATTER_OK)
      return err;
  }
  err = matter_message_header_decode(msg, len, &header, &header_len);
  if (err != MATTER_OK)
    return err;
  err = decrypt_message(session, msg, len, &header, header_len, &payload_len);
  if (err != MATTER_OK)
    return err;
  /* Authenticated, but maybe a replay: the peer address moves only once
   * the counter is found new. */
  return receive_message(manager, session, peer, &header, msg + header_len, payload_len, now_ms);
}

/* True when @session has exchanges and every one is abandonable. */
static bool
holds_only_abandonable(const MatterExchangeManager *manager, const MatterSession *session)
{
  bool any = false;

  for (size_t i = 0; i < manager->capacity; i++) {
    const MatterExchange *exchange = &manager->exchanges[i];

    if (!exchange->open || exchange->session != session)
      continue;
    if (!is_abandonable(exchange))
      return false;
    any = true;
  }
  return any;
}

/* The unsecured table is full of contexts with exchanges: frees the least
 * recently used one whose exchanges all only retransmit a last message,
 * by abandoning them (the table then reuses it). */
static bool
reclaim_unsecured(MatterExchangeManager *manager)
{
  MatterSessionTable *sessions = manager->sessions;
  MatterSession *victim = NULL;

  for (size_t i = 0; i < sessions->unsecured_capacity; i++) {
    MatterSession *session = &sessions->unsecured[i];

    if (session->state != MATTER_SESSION_ACTIVE || !holds_only_abandonable(manager, session))
      continue;
    if (!victim || session->last_activity_ms < victim->last_activity_ms)
      victim = session;
  }
  if (!victim)
    return false;
  for (size_t i = 0; i < manager->capacity; i++)
    if (manager->exchanges[i].open && manager->exchanges[i].session == victim)
      exchange_free(&manager->exchanges[i]);
  return true;
}

static MatterError
receive_unsecured(MatterExchangeManager *manager, const MatterPeerAddress *peer, uint8_t *msg,
                  size_t len, uint64_t now_ms)
{
  MatterMessageHeader header;
  MatterSession *session;
  size_t header_len;
  MatterError err;

  err = matter_message_header_decode(msg, len, &header, &header_len);
  if (err != MATTER_OK)
    return err;
  err = matter_session_table_unsecured_for_message(manager->sessions, &header, peer, now_ms,
                                                   &session);
  if (err == MATTER_ERROR_SESSION_TABLE_FULL && reclaim_unsecured(manager))
    err = matter_session_table_unsecured_for_message(manager->sessions, &header, peer, now_ms,
                                                     &session);
  if (err != MATTER_OK)
    return err;
  return receive_message(manager, session, peer, &header, msg + header_len, len - header_len,
                         now_ms);
}

MatterError
matter_exchange_manager_receive_raw(MatterExchangeManager *manager, const MatterPeerAddress *peer,
                                    uint8_t *msg, size_t len, uint64_t now_ms)
{
  MatterMessageHeader prefix;
  MatterError err;

  if (!manager || !msg)
    return MATTER_ERROR_INVALID_ARGUMENT;
  err = matter_message_header_peek(msg, len, &prefix);
  if (err != MATTER_OK)
    return err;
  if (matter_message_is_unsecured(&prefix))
    return receive_unsecured(manager, peer, msg, len, now_ms);
  return receive_secure(manager, peer, msg, len, &prefix, now_ms);
}

/* ---- timers ---- */

static uint64_t
earliest(uint64_t a, uint64_t b)
{
  return a < b ? a : b;
}

uint64_t
matter_exchange_manager_next_deadline(const MatterExchangeManager *manager)
{
  uint64_t deadline = MATTER_MRP_NEVER;

  for (size_t i = 0; i < manager->sessions->secure_capacity; i++)
    if (manager->sessions->secure[i].state == MATTER_SESSION_ACTIVE &&
        manager->sessions->secure[i].expired)
      return 0;
  for (size_t i = 0; i < manager->capacity; i++) {
    const MatterExchange *exchange = &manager->exchanges[i];

    if (!exchange->open)
      continue;
    deadline = earliest(deadline, matter_mrp_ack_deadline(&exchange->ack));
    deadline = earliest(deadline, matter_mrp_retransmission_deadline(&exchange->retrans));
    deadline = earliest(deadline, exchange->timeout_ms);
  }
  return deadline;
}

static void
retransmit(MatterExchange *exchange, uint64_t now_ms)
{
  MatterExchangeManager *manager = exchange->manager;

  /* Sent as before: same counter, same bytes (4.11.5.1). */
  (void) transmit(manager, exchange->session, exchange->retrans.msg, exchange->retrans.len, now_ms);
  arm_retransmission(exchange, now_ms);
}

static void
tell_owner(MatterExchange *exchange, MatterError err, uint64_t now_ms)
{
  if (exchange->handler && exchange->handler->on_error)
    exchange->handler->on_error(exchange->user_data, exchange, err, now_ms);
}

static void
give_up(MatterExchange *exchange, uint64_t now_ms)
{
  /* What waited behind the lost message is lost with it. */
  matter_secure_zero(&exchange->queued, sizeof(exchange->queued));
  if (exchange->closing)
    exchange_free(exchange);
  else
    tell_owner(exchange, MATTER_ERROR_MRP_GIVE_UP, now_ms);
}

/* The owner may close the exchange from its callback: nothing touches it
 * after one. */
static void
process_timeout(MatterExchange *exchange, uint64_t now_ms)
{
  if (!exchange->open || now_ms < exchange->timeout_ms)
    return;
  exchange->timeout_ms = MATTER_MRP_NEVER;
  tell_owner(exchange, MATTER_ERROR_EXCHANGE_TIMEOUT, now_ms);
}

static void
process_exchange(MatterExchange *exchange, uint64_t now_ms)
{
  uint32_t counter;

  if (matter_mrp_ack_due(&exchange->ack, now_ms, &counter))
    exchange_ack_now(exchange, counter, now_ms);
  switch (matter_mrp_retransmission_poll(&exchange->retrans, now_ms)) {
  case MATTER_MRP_RESEND:
    retransmit(exchange, now_ms);
    break;
  case MATTER_MRP_GIVE_UP:
    give_up(exchange, now_ms);
    break;
  case MATTER_MRP_WAIT:
    break;
  }
  process_timeout(exchange, now_ms);
}

static void
close_expired_sessions(MatterExchangeManager *manager, uint64_t now_ms)
{
  MatterSessionTable *sessions = manager->sessions;

  for (size_t i = 0; i < sessions->secure_capacity; i++) {
    MatterSession *session = &sessions->secure[i];

    if (session->state != MATTER_SESSION_ACTIVE || !session->expired)
      continue;
    if (manager->callbacks.session_closed)
      manager->callbacks.session_closed(manager->user_data, session);
    matter_exchange_manager_remove_session(manager, session, now_ms);
  }
}

void
matter_exchange_manager_process(MatterExchangeManager *manager, uint64_t now_ms)
{
  for (size_t i = 0; i < manager->capacity; i++)
    if (manager->exchanges[i].open)
      process_exchange(&manager->exchanges[i], now_ms);
  close_expired_sessions(manager, now_ms);
}

void
matter_exchange_manager_remove_session(MatterExchangeManager *manager, MatterSession *session,
                                       uint64_t now_ms)
{
  if (!manager || !session)
    return;
  for (size_t i = 0; i < manager->capacity; i++) {
    MatterExchange *exchange = &manager->exchanges[i];
    const MatterExchangeHandler *handler = exchange->handler;

    if (!exchange->open || exchange->session != session)
      continue;
    /* Closing: the handler may not send on it any more, nor hear of it
     * twice should it remove the session itself. */
    exchange->closing = true;
    exchange->handler = NULL;
    if (handler && handler->on_error)
      handler->on_error(exchange->user_data, exchange, MATTER_ERROR_SESSION_CLOSED, now_ms);
    exchange_free(exchange);
  }
  matter_session_table_remove(manager->sessions, session);
}

void
matter_exchange_manager_close_session(MatterExchangeManager *manager, MatterSession *session,
                                      uint64_t now_ms)
{
  uint8_t report[MATTER_STATUS_REPORT_MIN_LEN];
  MatterProtocolHeader protocol;
  uint8_t buf[MATTER_MESSAGE_MAX];
  uint32_t counter;
  size_t report_len, len;

  if (!manager || !session)
    return;
  /* A new exchange of our own, without R (4.10.1.4): the id is taken but
   * no slot, since nothing will follow on it. */
  fill_protocol_header(&protocol, true, manager->next_exchange_id++,
                       MATTER_PROTOCOL_SECURE_CHANNEL, MATTER_SC_OPCODE_STATUS_REPORT);
  if (session->state == MATTER_SESSION_ACTIVE && is_secure(session) &&
      matter_status_report_encode_sc(MATTER_STATUS_SUCCESS, MATTER_SC_STATUS_CLOSE_SESSION, report,
                                     sizeof(report), &report_len) == MATTER_OK &&
      build_message(manager, session, &protocol, report, report_len, buf, &len, &counter) ==
        MATTER_OK)
    (void) transmit(manager, session, buf, len, now_ms);
  matter_exchange_manager_remove_session(manager, session, now_ms);
}
