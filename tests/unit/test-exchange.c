/* SPDX-License-Identifier: Apache-2.0 */
/* The exchange manager with MRP: two nodes, A and B, each with its own
 * session table and manager, joined by an in-memory network that delivers
 * (or loses) whole datagrams, on a fake clock the tests advance.
 *
 * Rules checked: exchange matching and unsolicited dispatch (Core spec
 * 4.9.5), unsecured contexts (4.12.1.1), counter processing (4.5.5,
 * 4.5.6), and MRP (4.11): R/A flags, piggy-backed and standalone
 * acknowledgements, MRP_STANDALONE_ACK_TIMEOUT, retransmission times from
 * the backoff formula with a known random source, give-up after
 * MRP_MAX_TRANSMISSIONS, duplicates acknowledged again and not delivered,
 * closing (4.9.5.3). */

#include <glib.h>
#include <string.h>

#include "matter/exchange.h"

#define assert_error(expr, expected) \
  g_assert_cmpstr(matter_error_name(expr), ==, matter_error_name(expected))

#define OPCODE_REQUEST 0x02
#define OPCODE_RESPONSE 0x05
#define OPCODE_PBKDF_REQUEST 0x20
#define OPCODE_PBKDF_RESPONSE 0x21

typedef struct {
  GBytes *bytes;
  uint64_t at;
  const MatterSession *session;
} Datagram;

typedef struct {
  MatterExchange *exchange;
  MatterProtocolHeader header; /* pointers cleared */
  GBytes *payload;
  uint64_t at;
} Delivery;

typedef struct {
  MatterExchange *exchange;
  MatterError err;
  uint64_t at;
} Failure;

typedef struct {
  const char *name;
  uint8_t random_byte;
  MatterSession secure[4];
  MatterSession unsecured[2];
  MatterSessionTable table;
  MatterExchange exchanges[6];
  MatterExchangeManager manager;
  MatterPeerAddress address; /* where peers see this node */
  GPtrArray *outbox;         /* Datagram */
  GPtrArray *deliveries;     /* Delivery */
  GPtrArray *failures;       /* Failure */
  GPtrArray *closed_sessions;
  /* Reply to each delivered request on its exchange with this opcode. */
  uint8_t reply_opcode;
  unsigned reply_flags;
  gboolean close_after_reply;
  MatterError send_error;
  MatterError store_error;
  GArray *stored_bounds; /* uint32_t */
} Node;

typedef struct {
  uint64_t now;
  Node a, b;
} Test;

/* ---- the node's side of the callbacks ---- */

static MatterError
fill_byte(void *user_data, uint8_t *buf, size_t len)
{
  Node *node = user_data;

  memset(buf, node->random_byte, len);
  return MATTER_OK;
}

static Test *current_test;

static MatterError
node_send(void *user_data, const MatterSession *session, const uint8_t *msg, size_t len)
{
  Node *node = user_data;
  Datagram *datagram = g_new0(Datagram, 1);

  datagram->bytes = g_bytes_new(msg, len);
  datagram->at = current_test->now;
  datagram->session = session;
  g_ptr_array_add(node->outbox, datagram);
  return node->send_error;
}

static MatterError
node_store_counter(void *user_data, uint32_t bound)
{
  Node *node = user_data;

  if (node->store_error != MATTER_OK)
    return node->store_error;
  g_array_append_val(node->stored_bounds, bound);
  return MATTER_OK;
}

static void
node_session_closed(void *user_data, MatterSession *session)
{
  Node *node = user_data;

  g_ptr_array_add(node->closed_sessions, session);
}

static const MatterExchangeCallbacks node_callbacks = {
  node_send,
  node_store_counter,
  node_session_closed,
};

static void
on_message(void *user_data, MatterExchange *exchange, const MatterProtocolHeader *header,
           const uint8_t *payload, size_t len, uint64_t now_ms)
{
  Node *node = user_data;
  Delivery *delivery = g_new0(Delivery, 1);

  delivery->exchange = exchange;
  delivery->header = *header;
  delivery->header.secured_extensions = NULL;
  delivery->payload = g_bytes_new(payload, len);
  delivery->at = now_ms;
  g_ptr_array_add(node->deliveries, delivery);
  if (node->reply_opcode == 0)
    return;
  assert_error(matter_exchange_send(exchange, header->protocol_id, node->reply_opcode,
                                    (const uint8_t *) "reply", 5, node->reply_flags, now_ms),
               MATTER_OK);
  if (node->close_after_reply)
    matter_exchange_close(exchange, now_ms);
}

static void
on_error(void *user_data, MatterExchange *exchange, MatterError err, uint64_t now_ms)
{
  Node *node = user_data;
  Failure *failure = g_new0(Failure, 1);

  failure->exchange = exchange;
  failure->err = err;
  failure->at = now_ms;
  g_ptr_array_add(node->failures, failure);
}

static const MatterExchangeHandler recorder = { on_message, on_error };

/* @node records the Interaction Model requests that reach it. */
static MatterError
listen_im(Node *node)
{
  return matter_exchange_manager_register(&node->manager, MATTER_PROTOCOL_INTERACTION_MODEL,
                                          &recorder, node);
}

static void
datagram_free(gpointer data)
{
  Datagram *datagram = data;

  g_bytes_unref(datagram->bytes);
  g_free(datagram);
}

static void
delivery_free(gpointer data)
{
  Delivery *delivery = data;

  g_bytes_unref(delivery->payload);
  g_free(delivery);
}

static void
node_init(Node *node, const char *name, uint8_t address_byte, uint8_t random_byte)
{
  MatterRandomSource rng = { fill_byte, node };

  memset(node, 0, sizeof(*node));
  node->name = name;
  node->random_byte = random_byte;
  node->address.transport = MATTER_TRANSPORT_UDP;
  node->address.len = 1;
  node->address.bytes[0] = address_byte;
  node->outbox = g_ptr_array_new_with_free_func(datagram_free);
  node->deliveries = g_ptr_array_new_with_free_func(delivery_free);
  node->failures = g_ptr_array_new_with_free_func(g_free);
  node->closed_sessions = g_ptr_array_new();
  node->stored_bounds = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  assert_error(matter_session_table_init(&node->table, node->secure, G_N_ELEMENTS(node->secure),
                                         node->unsecured, G_N_ELEMENTS(node->unsecured), &rng),
               MATTER_OK);
  assert_error(matter_exchange_manager_init(&node->manager, &node->table, node->exchanges,
                                            G_N_ELEMENTS(node->exchanges), &node_callbacks, node,
                                            &rng),
               MATTER_OK);
}

static void
node_clear(Node *node)
{
  g_ptr_array_unref(node->outbox);
  g_ptr_array_unref(node->deliveries);
  g_ptr_array_unref(node->failures);
  g_ptr_array_unref(node->closed_sessions);
  g_array_unref(node->stored_bounds);
}

static Test *
test_new(uint8_t random_byte)
{
  Test *t = g_new0(Test, 1);

  node_init(&t->a, "A", 0xA, random_byte);
  node_init(&t->b, "B", 0xB, random_byte);
  current_test = t;
  return t;
}

static void
test_free(Test *t)
{
  node_clear(&t->a);
  node_clear(&t->b);
  current_test = NULL;
  g_free(t);
}

/* ---- sessions between the two ---- */

static void
secure_setup(MatterSessionSetup *setup, MatterSessionRole role, uint16_t peer_session_id,
             const Node *peer)
{
  memset(setup, 0, sizeof(*setup));
  setup->kind = MATTER_SESSION_KIND_PASE;
  setup->role = role;
  setup->peer_session_id = peer_session_id;
  memset(setup->i2r_key, 0x5A, sizeof(setup->i2r_key));
  memset(setup->r2i_key, 0xA5, sizeof(setup->r2i_key));
  setup->peer_address = peer->address;
}

/* A PASE session with A as initiator, created at the current time. */
static void
pair_secure(Test *t, MatterSession **a, MatterSession **b)
{
  MatterSessionSetup setup;

  assert_error(matter_session_table_allocate(&t->a.table, t->now, a), MATTER_OK);
  assert_error(matter_session_table_allocate(&t->b.table, t->now, b), MATTER_OK);
  secure_setup(&setup, MATTER_SESSION_ROLE_INITIATOR, (*b)->local_session_id, &t->b);
  assert_error(matter_session_activate(&t->a.table, *a, &setup, t->now), MATTER_OK);
  secure_setup(&setup, MATTER_SESSION_ROLE_RESPONDER, (*a)->local_session_id, &t->a);
  assert_error(matter_session_activate(&t->b.table, *b, &setup, t->now), MATTER_OK);
}

/* ---- the network ---- */

/* Hands every datagram @from sent to @to; returns the last receive
 * result. */
/* A writable copy of @bytes (the core decrypts in place). */
static uint8_t *
bytes_dup(GBytes *bytes, gsize *len)
{
  const void *data = g_bytes_get_data(bytes, len);

  return g_memdup2(data, *len);
}

static MatterError
pump(Test *t, Node *from, Node *to)
{
  MatterError err = MATTER_OK;

  while (from->outbox->len > 0) {
    Datagram *datagram = g_ptr_array_steal_index(from->outbox, 0);
    gsize len;
    uint8_t *copy = bytes_dup(datagram->bytes, &len);

    err = matter_exchange_manager_receive_raw(&to->manager, &from->address, copy, len, t->now);
    g_free(copy);
    datagram_free(datagram);
  }
  return err;
}

static void
drop_all(Node *node)
{
  g_ptr_array_set_size(node->outbox, 0);
}

/* Decodes datagram @index of @node's outbox as the peer would. */
static void
parse_sent(const Node *node, guint index, MatterMessageHeader *header,
           MatterProtocolHeader *protocol, GBytes **payload)
{
  const Datagram *datagram = g_ptr_array_index(node->outbox, index);
  const MatterSession *session = datagram->session;
  gsize len;
  const void *data = g_bytes_get_data(datagram->bytes, &len);
  g_autofree uint8_t *msg = g_memdup2(data, len);
  size_t header_len, payload_len, protocol_len;

  assert_error(matter_message_header_decode(msg, len, header, &header_len), MATTER_OK);
  payload_len = len - header_len;
  if (session->kind != MATTER_SESSION_KIND_UNSECURED) {
    uint8_t nonce[MATTER_AES_CCM_NONCE_LEN];

    matter_message_nonce(header->security_flags, header->counter,
                         matter_session_send_nonce_node(session), nonce);
    assert_error(matter_message_decrypt(matter_session_send_key(session), nonce, msg, len,
                                        header_len, &payload_len),
                 MATTER_OK);
  }
  assert_error(
      matter_protocol_header_decode(msg + header_len, payload_len, protocol, &protocol_len),
      MATTER_OK);
  header->extensions = NULL;
  protocol->secured_extensions = NULL;
  if (payload)
    *payload = g_bytes_new(msg + header_len + protocol_len, payload_len - protocol_len);
}

static uint8_t
sent_flags(const Node *node, guint index)
{
  MatterMessageHeader header;
  MatterProtocolHeader protocol;

  parse_sent(node, index, &header, &protocol, NULL);
  return protocol.exchange_flags;
}

static uint32_t
sent_counter(const Node *node, guint index)
{
  MatterMessageHeader header;
  MatterProtocolHeader protocol;

  parse_sent(node, index, &header, &protocol, NULL);
  return header.counter;
}

static void
assert_standalone_ack(const Node *node, guint index, uint32_t acked, gboolean initiator)
{
  MatterMessageHeader header;
  MatterProtocolHeader protocol;
  g_autoptr(GBytes) payload = NULL;
  uint8_t expected = MATTER_EXCHANGE_FLAG_A | (initiator ? MATTER_EXCHANGE_FLAG_I : 0);

  parse_sent(node, index, &header, &protocol, &payload);
  g_assert_cmpuint(protocol.protocol_id, ==, MATTER_PROTOCOL_SECURE_CHANNEL);
  g_assert_cmpuint(protocol.opcode, ==, MATTER_MRP_OPCODE_STANDALONE_ACK);
  g_assert_cmpuint(protocol.exchange_flags, ==, expected);
  g_assert_cmpuint(protocol.ack_counter, ==, acked);
  g_assert_cmpuint(g_bytes_get_size(payload), ==, 0);
}

static Delivery *
delivery(const Node *node, guint index)
{
  g_assert_cmpuint(index, <, node->deliveries->len);
  return g_ptr_array_index(node->deliveries, index);
}

static MatterExchange *
start_exchange(Node *node, MatterSession *session)
{
  MatterExchange *exchange;

  assert_error(matter_exchange_new(&node->manager, session, &recorder, node, &exchange), MATTER_OK);
  return exchange;
}

static void
send_request(Test *t, MatterExchange *exchange, unsigned flags)
{
  assert_error(matter_exchange_send(exchange, MATTER_PROTOCOL_INTERACTION_MODEL, OPCODE_REQUEST,
                                    (const uint8_t *) "request", 7, flags, t->now),
               MATTER_OK);
}

/* ---- exchanges ---- */

static void
test_request_response(void)
{
  Test *t = test_new(0);
  MatterSession *sa, *sb;
  MatterExchange *ea, *eb;
  uint32_t request_counter, response_counter;

  pair_secure(t, &sa, &sb);
  assert_error(matter_exchange_manager_register(&t->b.manager, MATTER_PROTOCOL_INTERACTION_MODEL,
                                                &recorder, &t->b),
               MATTER_OK);
  t->b.reply_opcode = OPCODE_RESPONSE;
  t->b.reply_flags = MATTER_EXCHANGE_SEND_RELIABLE;

  ea = start_exchange(&t->a, sa);
  g_assert_true(ea->initiator);
  send_request(t, ea, MATTER_EXCHANGE_SEND_RELIABLE);
  g_assert_cmpuint(t->a.outbox->len, ==, 1);
  g_assert_cmpuint(sent_flags(&t->a, 0), ==, MATTER_EXCHANGE_FLAG_I | MATTER_EXCHANGE_FLAG_R);
  request_counter = sent_counter(&t->a, 0);
  g_assert_cmpuint(request_counter, ==, 1); /* the fixed random source: 0 + 1 */

  t->now = 10;
  assert_error(pump(t, &t->a, &t->b), MATTER_OK);
  g_assert_cmpuint(t->b.deliveries->len, ==, 1);
  eb = delivery(&t->b, 0)->exchange;
  g_assert_false(eb->initiator);
  g_assert_cmpuint(eb->id, ==, ea->id);
  g_assert_true(eb->session == sb);
  g_assert_cmpuint(delivery(&t->b, 0)->header.opcode, ==, OPCODE_REQUEST);
  g_assert_cmpmem(g_bytes_get_data(delivery(&t->b, 0)->payload, NULL), 7, "request", 7);

  /* The reply piggy-backs the acknowledgement. */
  g_assert_cmpuint(t->b.outbox->len, ==, 1);
  g_assert_cmpuint(sent_flags(&t->b, 0), ==, MATTER_EXCHANGE_FLAG_A | MATTER_EXCHANGE_FLAG_R);
  {
    MatterMessageHeader header;
    MatterProtocolHeader protocol;

    parse_sent(&t->b, 0, &header, &protocol, NULL);
    g_assert_cmpuint(protocol.ack_counter, ==, request_counter);
    g_assert_cmpuint(header.session_id, ==, sa->local_session_id);
    response_counter = header.counter;
  }
  t->now = 20;
  assert_error(pump(t, &t->b, &t->a), MATTER_OK);
  g_assert_cmpuint(t->a.deliveries->len, ==, 1);
  g_assert_true(delivery(&t->a, 0)->exchange == ea);
  g_assert_cmpuint(delivery(&t->a, 0)->header.opcode, ==, OPCODE_RESPONSE);
  g_assert_false(ea->retrans.active);

  /* Closing flushes A's acknowledgement at once. */
  matter_exchange_close(ea, t->now);
  g_assert_cmpuint(matter_exchange_manager_count(&t->a.manager, sa), ==, 0);
  g_assert_cmpuint(t->a.outbox->len, ==, 1);
  assert_standalone_ack(&t->a, 0, response_counter, TRUE);
  assert_error(pump(t, &t->a, &t->b), MATTER_OK);
  g_assert_false(eb->retrans.active);
  g_assert_cmpuint(t->b.deliveries->len, ==, 1); /* acknowledgements are not delivered */
  g_assert_cmpuint(matter_exchange_manager_next_deadline(&t->a.manager), ==, MATTER_MRP_NEVER);
  g_assert_cmpuint(matter_exchange_manager_next_deadline(&t->b.manager), ==, MATTER_MRP_NEVER);
  test_free(t);
}

static void
test_matching_by_role(void)
{
  Test *t = test_new(0);
  MatterSession *sa, *sb;
  MatterExchange *ea, *eb_initiator, *eb_responder;

  pair_secure(t, &sa, &sb);
  assert_error(listen_im(&t->a), MATTER_OK);
  assert_error(listen_im(&t->b), MATTER_OK);
  /* Both start exchanges with the same id, each as initiator. */
  ea = start_exchange(&t->a, sa);
  eb_initiator = start_exchange(&t->b, sb);
  g_assert_cmpuint(ea->id, ==, eb_initiator->id);

  send_request(t, ea, 0);
  assert_error(pump(t, &t->a, &t->b), MATTER_OK);
  eb_responder = delivery(&t->b, 0)->exchange;
  g_assert_true(eb_responder != eb_initiator);
  g_assert_false(eb_responder->initiator);

  send_request(t, eb_initiator, 0);
  assert_error(pump(t, &t->b, &t->a), MATTER_OK);
  g_assert_true(delivery(&t->a, 0)->exchange != ea);
  g_assert_false(delivery(&t->a, 0)->exchange->initiator);

  /* B's responder answers A's initiator exchange, not A's responder. */
  assert_error(matter_exchange_send(eb_responder, MATTER_PROTOCOL_INTERACTION_MODEL,
                                    OPCODE_RESPONSE, NULL, 0, 0, t->now),
               MATTER_OK);
  g_assert_cmpuint(sent_flags(&t->b, 0), ==, 0);
  assert_error(pump(t, &t->b, &t->a), MATTER_OK);
  g_assert_cmpuint(t->a.deliveries->len, ==, 2);
  g_assert_true(delivery(&t->a, 1)->exchange == ea);
  g_assert_cmpuint(matter_exchange_manager_count(&t->b.manager, sb), ==, 2);
  test_free(t);
}

static void
test_exchange_ids(void)
{
  Test *t = test_new(0x12);
  MatterSession *sa, *sb;
  MatterExchange *first, *second;

  pair_secure(t, &sa, &sb);
  /* The first id is random (0x1212 from the fixed source), then +1. */
  first = start_exchange(&t->a, sa);
  second = start_exchange(&t->a, sa);
  g_assert_cmpuint(first->id, ==, 0x1212);
  g_assert_cmpuint(second->id, ==, 0x1213);
  matter_exchange_close(first, 0);
  matter_exchange_close(second, 0);
  /* Rolls over to zero. */
  t->a.manager.next_exchange_id = 0xFFFF;
  first = start_exchange(&t->a, sa);
  second = start_exchange(&t->a, sa);
  g_assert_cmpuint(first->id, ==, 0xFFFF);
  g_assert_cmpuint(second->id, ==, 0);
  /* An id still open from the previous turn is skipped. */
  t->a.manager.next_exchange_id = 0xFFFF;
  first = start_exchange(&t->a, sa);
  g_assert_cmpuint(first->id, ==, 1);
  test_free(t);
}

static void
test_exchange_table_full(void)
{
  Test *t = test_new(0);
  MatterSession *sa, *sb;
  MatterExchange *exchange;

  pair_secure(t, &sa, &sb);
  for (size_t i = 0; i < G_N_ELEMENTS(t->a.exchanges); i++)
    start_exchange(&t->a, sa);
  assert_error(matter_exchange_new(&t->a.manager, sa, &recorder, &t->a, &exchange),
               MATTER_ERROR_EXCHANGE_TABLE_FULL);
  g_assert_cmpuint(sa->exchanges, ==, G_N_ELEMENTS(t->a.exchanges));
  test_free(t);
}

static void
test_unsolicited_without_handler(void)
{
  Test *t = test_new(0);
  MatterSession *sa, *sb;
  MatterExchange *ea;

  pair_secure(t, &sa, &sb);
  ea = start_exchange(&t->a, sa);
  send_request(t, ea, MATTER_EXCHANGE_SEND_RELIABLE);
  /* Dropped, but acknowledged from an ephemeral exchange. */
  assert_error(pump(t, &t->a, &t->b), MATTER_ERROR_UNSOLICITED);
  g_assert_cmpuint(t->b.deliveries->len, ==, 0);
  g_assert_cmpuint(matter_exchange_manager_count(&t->b.manager, sb), ==, 0);
  g_assert_cmpuint(t->b.outbox->len, ==, 1);
  assert_standalone_ack(&t->b, 0, 1, FALSE);
  assert_error(pump(t, &t->b, &t->a), MATTER_OK);
  g_assert_false(ea->retrans.active);

  /* Unregistered protocols are dropped the same way. */
  assert_error(listen_im(&t->b), MATTER_OK);
  matter_exchange_manager_unregister(&t->b.manager, MATTER_PROTOCOL_INTERACTION_MODEL);
  send_request(t, ea, 0);
  assert_error(pump(t, &t->a, &t->b), MATTER_ERROR_UNSOLICITED);
  g_assert_cmpuint(t->b.outbox->len, ==, 0);
  test_free(t);
}

static void
test_unsolicited_response(void)
{
  Test *t = test_new(0);
  MatterSession *sa, *sb;
  MatterExchange *eb;

  pair_secure(t, &sa, &sb);
  assert_error(listen_im(&t->a), MATTER_OK);
  t->a.reply_opcode = OPCODE_RESPONSE;
  t->a.reply_flags = MATTER_EXCHANGE_SEND_RELIABLE;
  /* B asks without reliability and forgets the exchange at once. */
  eb = start_exchange(&t->b, sb);
  send_request(t, eb, 0);
  matter_exchange_close(eb, t->now);
  g_assert_cmpuint(matter_exchange_manager_count(&t->b.manager, sb), ==, 0);
  assert_error(pump(t, &t->b, &t->a), MATTER_OK);
  /* The reliable response matches nothing and has no I flag: B only
   * acknowledges it. */
  assert_error(pump(t, &t->a, &t->b), MATTER_ERROR_UNSOLICITED);
  g_assert_cmpuint(t->b.outbox->len, ==, 1);
  /* A's first message on the session carries counter 1. */
  assert_standalone_ack(&t->b, 0, 1, TRUE);
  test_free(t);
}

static void
test_unsecured_session_establishment(void)
{
  Test *t = test_new(0);
  MatterSession *ua, *ub;
  MatterExchange *ea, *eb;
  MatterMessageHeader header;
  MatterProtocolHeader protocol;

  matter_exchange_manager_register(&t->b.manager, MATTER_PROTOCOL_SECURE_CHANNEL, &recorder, &t->b);
  assert_error(listen_im(&t->b), MATTER_OK);
  t->b.reply_opcode = OPCODE_PBKDF_RESPONSE;
  t->b.reply_flags = MATTER_EXCHANGE_SEND_RELIABLE;
  t->b.close_after_reply = TRUE;
  assert_error(matter_session_table_new_unsecured(&t->a.table, &t->b.address, 0, &ua), MATTER_OK);
  ea = start_exchange(&t->a, ua);
  assert_error(matter_exchange_send(ea, MATTER_PROTOCOL_SECURE_CHANNEL, OPCODE_PBKDF_REQUEST,
                                    (const uint8_t *) "params", 6, MATTER_EXCHANGE_SEND_RELIABLE,
                                    t->now),
               MATTER_OK);
  /* The initiator names itself by its ephemeral node id; the message is
   * in the clear with the global unencrypted counter. */
  parse_sent(&t->a, 0, &header, &protocol, NULL);
  g_assert_true(header.has_source);
  g_assert_cmpuint(header.source_node_id, ==, ua->ephemeral_node_id);
  g_assert_cmpint(header.dest_kind, ==, MATTER_DEST_NONE);
  g_assert_cmpuint(header.session_id, ==, 0);
  g_assert_cmpuint(header.counter, ==, 1);
  g_assert_cmpuint(t->a.stored_bounds->len, ==, 1);
  g_assert_cmpuint(g_array_index(t->a.stored_bounds, uint32_t, 0), ==,
                   1 + MATTER_EXCHANGE_COUNTER_STEP);

  assert_error(pump(t, &t->a, &t->b), MATTER_OK);
  eb = delivery(&t->b, 0)->exchange;
  ub = eb->session;
  g_assert_cmpint(ub->kind, ==, MATTER_SESSION_KIND_UNSECURED);
  g_assert_cmpint(ub->role, ==, MATTER_SESSION_ROLE_RESPONDER);
  g_assert_cmpuint(ub->ephemeral_node_id, ==, ua->ephemeral_node_id);
  g_assert_cmpmem(ub->peer_address.bytes, 1, t->a.address.bytes, 1);
  /* The responder names the initiator as destination. */
  parse_sent(&t->b, 0, &header, &protocol, NULL);
  g_assert_false(header.has_source);
  g_assert_cmpint(header.dest_kind, ==, MATTER_DEST_NODE_ID);
  g_assert_cmpuint(header.dest_node_id, ==, ua->ephemeral_node_id);
  g_assert_cmpuint(protocol.exchange_flags, ==, MATTER_EXCHANGE_FLAG_A | MATTER_EXCHANGE_FLAG_R);
  assert_error(pump(t, &t->b, &t->a), MATTER_OK);
  g_assert_true(delivery(&t->a, 0)->exchange == ea);
  g_assert_cmpuint(delivery(&t->a, 0)->header.opcode, ==, OPCODE_PBKDF_RESPONSE);

  /* B closed its exchange after replying; it lingers until the reply is
   * acknowledged. A's standalone acknowledgement goes out at 200, B's
   * retransmission at 330 gets a second one; the first ends B's exchange,
   * the second must not open a new one even though the Secure Channel
   * protocol has a handler. */
  g_assert_true(eb->closing);
  t->now = 200;
  matter_exchange_manager_process(&t->a.manager, t->now);
  g_assert_cmpuint(t->a.outbox->len, ==, 1);
  t->now = 330;
  matter_exchange_manager_process(&t->b.manager, t->now);
  assert_error(pump(t, &t->b, &t->a), MATTER_ERROR_DUPLICATE_MESSAGE);
  g_assert_cmpuint(t->a.outbox->len, ==, 2);
  assert_error(pump(t, &t->a, &t->b), MATTER_ERROR_UNSOLICITED);
  g_assert_cmpuint(matter_exchange_manager_count(&t->b.manager, ub), ==, 0);
  g_assert_cmpuint(t->b.deliveries->len, ==, 1);

  /* Interaction Model messages are refused on unsecured sessions. */
  matter_exchange_close(ea, t->now);
  ea = start_exchange(&t->a, ua);
  send_request(t, ea, 0);
  assert_error(pump(t, &t->a, &t->b), MATTER_ERROR_PROTOCOL_NOT_ALLOWED);
  g_assert_cmpuint(t->b.deliveries->len, ==, 1);
  test_free(t);
}

static void
test_unencrypted_counter_reservations(void)
{
  Test *t = test_new(0);
  MatterSession *ua;
  MatterExchange *ea;
  uint32_t stored, last = 0;

  assert_error(matter_session_table_new_unsecured(&t->a.table, &t->b.address, 0, &ua), MATTER_OK);
  ea = start_exchange(&t->a, ua);
  for (uint32_t i = 0; i < 2 * MATTER_EXCHANGE_COUNTER_STEP + MATTER_EXCHANGE_COUNTER_STEP / 2;
       i++) {
    send_request(t, ea, 0);
    last = sent_counter(&t->a, 0);
    drop_all(&t->a);
  }
  /* One store per MATTER_EXCHANGE_COUNTER_STEP messages, not one per
   * message. */
  g_assert_cmpuint(t->a.stored_bounds->len, ==, 3);
  g_assert_cmpuint(last, ==, 2 * MATTER_EXCHANGE_COUNTER_STEP + MATTER_EXCHANGE_COUNTER_STEP / 2);
  stored = g_array_index(t->a.stored_bounds, uint32_t, 2);
  g_assert_cmpuint(stored, ==, 1 + 3 * MATTER_EXCHANGE_COUNTER_STEP);

  /* A store that fails stops the message. */
  t->a.store_error = MATTER_ERROR_NO_MEMORY;
  for (uint32_t i = 0; i < MATTER_EXCHANGE_COUNTER_STEP / 2; i++) {
    send_request(t, ea, 0);
    drop_all(&t->a);
  }
  assert_error(matter_exchange_send(ea, MATTER_PROTOCOL_INTERACTION_MODEL, OPCODE_REQUEST, NULL, 0,
                                    0, t->now),
               MATTER_ERROR_NO_MEMORY);
  g_assert_cmpuint(t->a.outbox->len, ==, 0);

  /* Restart: a new manager resumes above every value used before. */
  t->a.store_error = MATTER_OK;
  node_clear(&t->a);
  node_init(&t->a, "A", 0xA, 0);
  assert_error(matter_exchange_manager_resume_counter(&t->a.manager, stored), MATTER_OK);
  assert_error(matter_session_table_new_unsecured(&t->a.table, &t->b.address, 0, &ua), MATTER_OK);
  ea = start_exchange(&t->a, ua);
  send_request(t, ea, 0);
  g_assert_cmpuint(sent_counter(&t->a, 0), ==, stored);
  g_assert_cmpuint(g_array_index(t->a.stored_bounds, uint32_t, 0), ==,
                   stored + MATTER_EXCHANGE_COUNTER_STEP);
  test_free(t);
}

static void
test_session_removed(void)
{
  Test *t = test_new(0);
  MatterSession *sa, *sb;
  MatterExchange *first, *second;
  Failure *failure;

  pair_secure(t, &sa, &sb);
  first = start_exchange(&t->a, sa);
  second = start_exchange(&t->a, sa);
  send_request(t, first, MATTER_EXCHANGE_SEND_RELIABLE);
  matter_exchange_close(second, t->now);
  second = start_exchange(&t->a, sa);
  matter_exchange_manager_remove_session(&t->a.manager, sa, t->now);
  g_assert_cmpuint(t->a.failures->len, ==, 2);
  failure = g_ptr_array_index(t->a.failures, 0);
  g_assert_true(failure->exchange == first || failure->exchange == second);
  assert_error(failure->err, MATTER_ERROR_SESSION_CLOSED);
  g_assert_false(first->open);
  g_assert_false(second->open);
  g_assert_cmpint(sa->state, ==, MATTER_SESSION_FREE);
  g_assert_cmpuint(matter_exchange_manager_next_deadline(&t->a.manager), ==, MATTER_MRP_NEVER);
  g_assert_cmpuint(matter_session_table_count(&t->a.table), ==, 0);
  test_free(t);
}

static void
test_counter_exhaustion(void)
{
  Test *t = test_new(0);
  MatterSession *sa, *sb;
  MatterExchange *ea;

  pair_secure(t, &sa, &sb);
  ea = start_exchange(&t->a, sa);
  sa->send_counter.value = UINT32_MAX;
  /* The last counter still goes out; then the session has to end. */
  send_request(t, ea, 0);
  g_assert_cmpuint(sent_counter(&t->a, 0), ==, UINT32_MAX);
  g_assert_true(sa->expired);
  assert_error(pump(t, &t->a, &t->b), MATTER_ERROR_UNSOLICITED);
  assert_error(matter_exchange_send(ea, MATTER_PROTOCOL_INTERACTION_MODEL, OPCODE_REQUEST, NULL, 0,
                                    0, t->now),
               MATTER_ERROR_COUNTER_EXHAUSTED);
  g_assert_cmpuint(t->a.outbox->len, ==, 0);
  g_assert_cmpuint(matter_exchange_manager_next_deadline(&t->a.manager), ==, 0);
  matter_exchange_manager_process(&t->a.manager, t->now);
  g_assert_cmpuint(t->a.closed_sessions->len, ==, 1);
  g_assert_true(g_ptr_array_index(t->a.closed_sessions, 0) == sa);
  g_assert_cmpint(sa->state, ==, MATTER_SESSION_FREE);
  g_assert_cmpuint(t->a.failures->len, ==, 1);
  g_assert_cmpuint(matter_exchange_manager_next_deadline(&t->a.manager), ==, MATTER_MRP_NEVER);
  test_free(t);
}

static void
test_receive_rejects(void)
{
  Test *t = test_new(0);
  MatterSession *sa, *sb;
  MatterExchange *ea;
  Datagram *datagram;
  uint8_t garbage[] = { 0x00 };
  g_autofree uint8_t *copy = NULL;
  gsize len;
  MatterPeerAddress moved = { MATTER_TRANSPORT_UDP, 1, { 0xC } };

  pair_secure(t, &sa, &sb);
  assert_error(listen_im(&t->b), MATTER_OK);
  assert_error(
      matter_exchange_manager_receive_raw(&t->b.manager, NULL, garbage, sizeof(garbage), 0),
      MATTER_ERROR_TRUNCATED);

  ea = start_exchange(&t->a, sa);
  send_request(t, ea, 0);
  datagram = g_ptr_array_index(t->a.outbox, 0);
  copy = bytes_dup(datagram->bytes, &len);
  /* A flipped ciphertext bit fails authentication... */
  copy[len - 1] ^= 1;
  assert_error(matter_exchange_manager_receive_raw(&t->b.manager, &moved, copy, len, 0),
               MATTER_ERROR_AUTH_FAILED);
  g_assert_cmpmem(sb->peer_address.bytes, 1, t->a.address.bytes, 1);
  /* ...an unknown session id is not found... */
  g_free(copy);
  copy = bytes_dup(datagram->bytes, &len);
  copy[1] ^= 0x40;
  assert_error(matter_exchange_manager_receive_raw(&t->b.manager, &moved, copy, len, 0),
               MATTER_ERROR_SESSION_NOT_FOUND);
  /* ...and the genuine message moves the peer to its new address. */
  g_free(copy);
  copy = bytes_dup(datagram->bytes, &len);
  assert_error(matter_exchange_manager_receive_raw(&t->b.manager, &moved, copy, len, 0), MATTER_OK);
  g_assert_cmpmem(sb->peer_address.bytes, 1, moved.bytes, 1);
  /* Replayed: a duplicate, not delivered again. */
  g_free(copy);
  copy = bytes_dup(datagram->bytes, &len);
  assert_error(matter_exchange_manager_receive_raw(&t->b.manager, &moved, copy, len, 0),
               MATTER_ERROR_DUPLICATE_MESSAGE);
  g_assert_cmpuint(t->b.deliveries->len, ==, 1);
  g_assert_cmpuint(t->b.outbox->len, ==, 0);
  test_free(t);
}

/* A message with the P flag, built by hand as a peer using privacy would. */
static void
test_receive_privacy(void)
{
  Test *t = test_new(0);
  MatterSession *sa, *sb;
  MatterMessageHeader header = { 0 };
  MatterProtocolHeader protocol = { 0 };
  uint8_t msg[MATTER_MESSAGE_MAX], nonce[MATTER_AES_CCM_NONCE_LEN];
  uint8_t privacy_key[MATTER_AES128_KEY_LEN];
  size_t header_len, protocol_len, len;

  pair_secure(t, &sa, &sb);
  assert_error(listen_im(&t->b), MATTER_OK);
  header.session_id = sa->peer_session_id;
  header.security_flags = MATTER_SEC_FLAG_P;
  header.counter = 0x01020304;
  protocol.exchange_flags = MATTER_EXCHANGE_FLAG_I;
  protocol.opcode = OPCODE_REQUEST;
  protocol.exchange_id = 77;
  protocol.protocol_id = MATTER_PROTOCOL_INTERACTION_MODEL;
  assert_error(matter_message_header_encode(&header, msg, sizeof(msg), &header_len), MATTER_OK);
  assert_error(matter_protocol_header_encode(&protocol, msg + header_len, sizeof(msg) - header_len,
                                             &protocol_len),
               MATTER_OK);
  matter_message_nonce(header.security_flags, header.counter, 0, nonce);
  assert_error(matter_message_encrypt(matter_session_send_key(sa), nonce, msg, sizeof(msg),
                                      header_len, protocol_len, &len),
               MATTER_OK);
  assert_error(matter_message_privacy_key(matter_session_send_key(sa), privacy_key), MATTER_OK);
  assert_error(matter_message_privacy_obfuscate(privacy_key, msg, len), MATTER_OK);

  assert_error(matter_exchange_manager_receive_raw(&t->b.manager, &t->a.address, msg, len, 0),
               MATTER_OK);
  g_assert_cmpuint(t->b.deliveries->len, ==, 1);
  g_assert_cmpuint(delivery(&t->b, 0)->exchange->id, ==, 77);
  g_assert_cmpuint(sb->peer_window.max_counter, ==, 0x01020304);
  test_free(t);
}

/* ---- MRP timelines ---- */

/* Runs A's timers with nothing getting through; returns when A gives up.
 * @times receives the time of every transmission, each of which must be
 * the datagram @first again. */
static uint64_t
run_until_give_up(Test *t, GBytes *first, GArray *times)
{
  for (;;) {
    uint64_t deadline = matter_exchange_manager_next_deadline(&t->a.manager);

    while (t->a.outbox->len > 0) {
      Datagram *datagram = g_ptr_array_index(t->a.outbox, 0);

      g_assert_true(g_bytes_equal(datagram->bytes, first));
      g_array_append_val(times, datagram->at);
      g_ptr_array_remove_index(t->a.outbox, 0);
    }
    if (t->a.failures->len > 0)
      return t->now;
    g_assert_cmpuint(deadline, !=, MATTER_MRP_NEVER);
    g_assert_cmpuint(deadline, >, t->now);
    /* Nothing happens a millisecond early. */
    matter_exchange_manager_process(&t->a.manager, deadline - 1);
    g_assert_cmpuint(t->a.outbox->len, ==, 0);
    t->now = deadline;
    matter_exchange_manager_process(&t->a.manager, t->now);
  }
}

typedef struct {
  uint8_t random_byte;
  uint16_t active_threshold_ms;
  uint64_t start;
  uint64_t times[MATTER_MRP_MAX_TRANSMISSIONS];
  uint64_t give_up;
} Timeline;

static void
check_timeline(const Timeline *timeline)
{
  Test *t = test_new(timeline->random_byte);
  g_autoptr(GArray) times = g_array_new(FALSE, FALSE, sizeof(uint64_t));
  MatterSession *sa, *sb;
  MatterExchange *ea;
  Failure *failure;
  g_autoptr(GBytes) first = NULL;

  pair_secure(t, &sa, &sb);
  sa->peer_params.present = MATTER_SESSION_PARAM_ACTIVE_THRESHOLD;
  sa->peer_params.active_threshold_ms = timeline->active_threshold_ms;
  ea = start_exchange(&t->a, sa);
  t->now = timeline->start;
  send_request(t, ea, MATTER_EXCHANGE_SEND_RELIABLE);
  first = g_bytes_ref(((Datagram *) g_ptr_array_index(t->a.outbox, 0))->bytes);
  g_assert_cmpuint(run_until_give_up(t, first, times), ==, timeline->give_up);
  g_assert_cmpuint(times->len, ==, MATTER_MRP_MAX_TRANSMISSIONS);
  for (guint i = 0; i < times->len; i++)
    g_assert_cmpuint(g_array_index(times, uint64_t, i), ==, timeline->times[i]);
  /* The owner is told, once, and the exchange stays for it to close. */
  g_assert_cmpuint(t->a.failures->len, ==, 1);
  failure = g_ptr_array_index(t->a.failures, 0);
  g_assert_true(failure->exchange == ea);
  assert_error(failure->err, MATTER_ERROR_MRP_GIVE_UP);
  g_assert_true(ea->open);
  g_assert_false(ea->retrans.active);
  g_assert_cmpuint(matter_exchange_manager_next_deadline(&t->a.manager), ==, MATTER_MRP_NEVER);
  matter_exchange_close(ea, t->now);
  g_assert_false(ea->open);
  test_free(t);
}

static void
test_mrp_retransmit_active(void)
{
  /* i = 300 ms: 330, 330, 528, 844, then 1351 until giving up. */
  Timeline timeline = { 0, 60000, 1000, { 1000, 1330, 1660, 2188, 3032 }, 4383 };

  check_timeline(&timeline);
}

static void
test_mrp_retransmit_idle(void)
{
  /* i = 500 ms: 550, 550, 880, 1408, then 2252. */
  Timeline timeline = { 0, 0, 1000, { 1000, 1550, 2100, 2980, 4388 }, 6640 };

  check_timeline(&timeline);
}

static void
test_mrp_retransmit_jitter(void)
{
  /* random(0,1) = 0x4040 / 65536: 350, 350, 561, 897, 1436. */
  Timeline timeline = { 0x40, 60000, 0, { 0, 350, 700, 1261, 2158 }, 3594 };

  check_timeline(&timeline);
}

static void
test_mrp_retransmit_goes_idle(void)
{
  /* The peer's last message was at 0: active until 4000, idle after. */
  Timeline timeline = {
    0, MATTER_SESSION_ACTIVE_THRESHOLD_DEFAULT_MS, 3500, { 3500, 3830, 4160, 5040, 6448 }, 8700
  };

  check_timeline(&timeline);
}

static void
test_mrp_standalone_ack_after_timeout(void)
{
  Test *t = test_new(0);
  MatterSession *sa, *sb;
  MatterExchange *ea, *eb;
  uint32_t request_counter;

  pair_secure(t, &sa, &sb);
  assert_error(listen_im(&t->b), MATTER_OK);
  ea = start_exchange(&t->a, sa);
  send_request(t, ea, MATTER_EXCHANGE_SEND_RELIABLE);
  request_counter = sent_counter(&t->a, 0);
  t->now = 10;
  assert_error(pump(t, &t->a, &t->b), MATTER_OK);
  eb = delivery(&t->b, 0)->exchange;
  g_assert_cmpuint(matter_exchange_manager_next_deadline(&t->b.manager), ==, 210);
  matter_exchange_manager_process(&t->b.manager, 209);
  g_assert_cmpuint(t->b.outbox->len, ==, 0);
  t->now = 210;
  matter_exchange_manager_process(&t->b.manager, t->now);
  g_assert_cmpuint(t->b.outbox->len, ==, 1);
  assert_standalone_ack(&t->b, 0, request_counter, FALSE);
  g_assert_cmpuint(matter_exchange_manager_next_deadline(&t->b.manager), ==, MATTER_MRP_NEVER);
  t->now = 220;
  assert_error(pump(t, &t->b, &t->a), MATTER_OK);
  g_assert_false(ea->retrans.active);
  g_assert_cmpuint(matter_exchange_manager_next_deadline(&t->a.manager), ==, MATTER_MRP_NEVER);
  g_assert_cmpuint(t->a.deliveries->len, ==, 0);

  /* The record stays: the response still carries the acknowledgement. */
  t->now = 500;
  assert_error(matter_exchange_send(eb, MATTER_PROTOCOL_INTERACTION_MODEL, OPCODE_RESPONSE, NULL, 0,
                                    0, t->now),
               MATTER_OK);
  {
    MatterMessageHeader header;
    MatterProtocolHeader protocol;

    parse_sent(&t->b, 0, &header, &protocol, NULL);
    g_assert_cmpuint(protocol.exchange_flags, ==, MATTER_EXCHANGE_FLAG_A);
    g_assert_cmpuint(protocol.ack_counter, ==, request_counter);
  }
  test_free(t);
}

static void
test_mrp_piggyback_cancels_standalone(void)
{
  Test *t = test_new(0);
  MatterSession *sa, *sb;
  MatterExchange *ea, *eb;

  pair_secure(t, &sa, &sb);
  assert_error(listen_im(&t->b), MATTER_OK);
  ea = start_exchange(&t->a, sa);
  send_request(t, ea, MATTER_EXCHANGE_SEND_RELIABLE);
  t->now = 10;
  pump(t, &t->a, &t->b);
  eb = delivery(&t->b, 0)->exchange;
  t->now = 100;
  assert_error(matter_exchange_send(eb, MATTER_PROTOCOL_INTERACTION_MODEL, OPCODE_RESPONSE, NULL, 0,
                                    0, t->now),
               MATTER_OK);
  g_assert_cmpuint(sent_flags(&t->b, 0), ==, MATTER_EXCHANGE_FLAG_A);
  /* No standalone acknowledgement follows. */
  g_assert_cmpuint(matter_exchange_manager_next_deadline(&t->b.manager), ==, MATTER_MRP_NEVER);
  matter_exchange_manager_process(&t->b.manager, 210);
  matter_exchange_manager_process(&t->b.manager, 5000);
  g_assert_cmpuint(t->b.outbox->len, ==, 1);
  t->now = 120;
  pump(t, &t->b, &t->a);
  g_assert_false(ea->retrans.active);
  g_assert_cmpuint(t->a.deliveries->len, ==, 1);
  test_free(t);
}

static void
test_mrp_duplicate_reacked(void)
{
  Test *t = test_new(0);
  MatterSession *sa, *sb;
  MatterExchange *ea;
  uint32_t request_counter;

  pair_secure(t, &sa, &sb);
  assert_error(listen_im(&t->b), MATTER_OK);
  ea = start_exchange(&t->a, sa);
  send_request(t, ea, MATTER_EXCHANGE_SEND_RELIABLE);
  request_counter = sent_counter(&t->a, 0);
  assert_error(pump(t, &t->a, &t->b), MATTER_OK);
  /* B's standalone acknowledgement is lost. */
  t->now = 200;
  matter_exchange_manager_process(&t->b.manager, t->now);
  g_assert_cmpuint(t->b.outbox->len, ==, 1);
  drop_all(&t->b);
  /* A retransmits; B acknowledges again at once and delivers nothing. */
  t->now = 330;
  matter_exchange_manager_process(&t->a.manager, t->now);
  g_assert_cmpuint(t->a.outbox->len, ==, 1);
  assert_error(pump(t, &t->a, &t->b), MATTER_ERROR_DUPLICATE_MESSAGE);
  g_assert_cmpuint(t->b.deliveries->len, ==, 1);
  g_assert_cmpuint(t->b.outbox->len, ==, 1);
  assert_standalone_ack(&t->b, 0, request_counter, FALSE);
  g_assert_cmpuint(((Datagram *) g_ptr_array_index(t->b.outbox, 0))->at, ==, 330);
  pump(t, &t->b, &t->a);
  g_assert_false(ea->retrans.active);
  g_assert_cmpuint(matter_exchange_manager_next_deadline(&t->a.manager), ==, MATTER_MRP_NEVER);
  g_assert_cmpuint(matter_exchange_manager_next_deadline(&t->b.manager), ==, MATTER_MRP_NEVER);
  test_free(t);
}

static void
test_mrp_duplicate_unsolicited_reacked(void)
{
  Test *t = test_new(0);
  MatterSession *sa, *sb;
  MatterExchange *ea;

  pair_secure(t, &sa, &sb);
  assert_error(listen_im(&t->b), MATTER_OK);
  t->b.reply_opcode = OPCODE_RESPONSE;
  t->b.close_after_reply = TRUE;
  ea = start_exchange(&t->a, sa);
  send_request(t, ea, MATTER_EXCHANGE_SEND_RELIABLE);
  /* B answers and forgets the exchange; the answer is lost, so A sends
   * its request again. */
  pump(t, &t->a, &t->b);
  drop_all(&t->b);
  g_assert_cmpuint(matter_exchange_manager_count(&t->b.manager, sb), ==, 0);
  t->now = 330;
  matter_exchange_manager_process(&t->a.manager, t->now);
  /* A duplicate opens no exchange; it only gets an acknowledgement. */
  assert_error(pump(t, &t->a, &t->b), MATTER_ERROR_DUPLICATE_MESSAGE);
  g_assert_cmpuint(t->b.deliveries->len, ==, 1);
  g_assert_cmpuint(matter_exchange_manager_count(&t->b.manager, sb), ==, 0);
  g_assert_cmpuint(t->b.outbox->len, ==, 1);
  assert_standalone_ack(&t->b, 0, 1, FALSE);
  test_free(t);
}

/* One message waits behind a reliable one until its acknowledgement
 * arrives; a third is refused. */
static void
test_mrp_keeps_one_message(void)
{
  Test *t = test_new(0);
  MatterSession *sa, *sb;
  MatterExchange *ea;
  MatterProtocolHeader protocol;
  MatterMessageHeader header;

  pair_secure(t, &sa, &sb);
  assert_error(listen_im(&t->b), MATTER_OK);
  ea = start_exchange(&t->a, sa);
  send_request(t, ea, MATTER_EXCHANGE_SEND_RELIABLE);
  assert_error(matter_exchange_send(ea, MATTER_PROTOCOL_INTERACTION_MODEL, OPCODE_RESPONSE,
                                    (const uint8_t *) "next", 4, MATTER_EXCHANGE_SEND_RELIABLE,
                                    t->now),
               MATTER_OK);
  assert_error(matter_exchange_send(ea, MATTER_PROTOCOL_INTERACTION_MODEL, OPCODE_REQUEST, NULL, 0,
                                    0, t->now),
               MATTER_ERROR_EXCHANGE_BUSY);
  g_assert_cmpuint(t->a.outbox->len, ==, 1);
  pump(t, &t->a, &t->b);
  t->now = 200;
  matter_exchange_manager_process(&t->b.manager, t->now);
  pump(t, &t->b, &t->a);
  /* The acknowledgement let the kept message go, reliable in its turn. */
  g_assert_cmpuint(t->a.outbox->len, ==, 1);
  parse_sent(&t->a, 0, &header, &protocol, NULL);
  g_assert_cmpuint(protocol.opcode, ==, OPCODE_RESPONSE);
  g_assert_cmpuint(protocol.exchange_flags, ==, MATTER_EXCHANGE_FLAG_I | MATTER_EXCHANGE_FLAG_R);
  g_assert_true(ea->retrans.active);
  g_assert_false(ea->queued.pending);
  test_free(t);
}

/* The peer answers before its acknowledgement of our message reached us
 * (its standalone acknowledgement was lost and it does not piggy-back it
 * again): the reply to its answer is not lost, it follows once our MRP
 * resends the first message and the peer acknowledges that. */
static void
test_mrp_reply_after_lost_ack(void)
{
  Test *t = test_new(0);
  MatterSession *sa, *sb;
  MatterExchange *ea, *eb;
  MatterProtocolHeader protocol;
  MatterMessageHeader header;

  pair_secure(t, &sa, &sb);
  assert_error(listen_im(&t->b), MATTER_OK);
  t->b.reply_opcode = OPCODE_RESPONSE;
  t->b.reply_flags = MATTER_EXCHANGE_SEND_RELIABLE;
  ea = start_exchange(&t->a, sa);
  send_request(t, ea, MATTER_EXCHANGE_SEND_RELIABLE);
  pump(t, &t->a, &t->b);
  eb = delivery(&t->b, 0)->exchange;
  pump(t, &t->b, &t->a);
  g_assert_true(eb->retrans.active);
  /* A's acknowledgement of B's reply goes out alone and is lost. */
  t->now = 200;
  matter_exchange_manager_process(&t->a.manager, t->now);
  drop_all(&t->a);
  memset(&ea->ack, 0, sizeof(ea->ack));
  send_request(t, ea, MATTER_EXCHANGE_SEND_RELIABLE);
  g_assert_cmpuint(sent_flags(&t->a, 0), ==, MATTER_EXCHANGE_FLAG_I | MATTER_EXCHANGE_FLAG_R);
  assert_error(pump(t, &t->a, &t->b), MATTER_OK);
  g_assert_cmpuint(t->b.deliveries->len, ==, 2);
  /* B's answer waits: nothing left B yet. */
  g_assert_cmpuint(t->b.outbox->len, ==, 0);
  g_assert_true(eb->queued.pending);
  /* B resends its reply; A acknowledges the duplicate at once; B's kept
   * answer goes, with the acknowledgement B owes piggy-backed. */
  t->now = 330;
  matter_exchange_manager_process(&t->b.manager, t->now);
  assert_error(pump(t, &t->b, &t->a), MATTER_ERROR_DUPLICATE_MESSAGE);
  pump(t, &t->a, &t->b);
  g_assert_cmpuint(t->b.outbox->len, ==, 1);
  parse_sent(&t->b, 0, &header, &protocol, NULL);
  g_assert_cmpuint(protocol.opcode, ==, OPCODE_RESPONSE);
  g_assert_cmpuint(protocol.exchange_flags, ==, MATTER_EXCHANGE_FLAG_R | MATTER_EXCHANGE_FLAG_A);
  g_assert_false(eb->queued.pending);
  assert_error(pump(t, &t->b, &t->a), MATTER_OK);
  g_assert_cmpuint(t->a.deliveries->len, ==, 2);
  test_free(t);
}

/* A replayed datagram from another address is a duplicate: acknowledged
 * to where the session's peer is, and the peer address stays. A new
 * message from a new address moves it (the peer roamed). */
static void
test_receive_replay_keeps_peer_address(void)
{
  Test *t = test_new(0);
  MatterSession *sa, *sb;
  MatterExchange *ea;
  MatterPeerAddress elsewhere = { .transport = MATTER_TRANSPORT_UDP, .len = 1, .bytes = { 0xE } };
  Datagram *captured;
  gsize len;
  g_autofree uint8_t *copy = NULL;

  pair_secure(t, &sa, &sb);
  assert_error(listen_im(&t->b), MATTER_OK);
  ea = start_exchange(&t->a, sa);
  send_request(t, ea, MATTER_EXCHANGE_SEND_RELIABLE);
  captured = g_ptr_array_steal_index(t->a.outbox, 0);
  copy = bytes_dup(captured->bytes, &len);
  assert_error(matter_exchange_manager_receive_raw(&t->b.manager, &t->a.address, copy, len, 0),
               MATTER_OK);
  g_clear_pointer(&copy, g_free);
  g_assert_cmpuint(sb->last_activity_ms, ==, 0);

  t->now = 5000;
  copy = bytes_dup(captured->bytes, &len);
  assert_error(matter_exchange_manager_receive_raw(&t->b.manager, &elsewhere, copy, len, t->now),
               MATTER_ERROR_DUPLICATE_MESSAGE);
  g_assert_cmpuint(sb->peer_address.bytes[0], ==, 0xA);
  /* The duplicate's acknowledgement goes to the real peer; the replay
   * does not count as use of the session. */
  g_assert_cmpuint(t->b.outbox->len, ==, 1);
  g_assert_cmpuint(sb->last_activity_ms, ==, 5000);
  g_assert_cmpuint(sb->last_receive_ms, ==, 0);
  drop_all(&t->b);
  datagram_free(captured);

  send_request(t, start_exchange(&t->a, sa), 0);
  captured = g_ptr_array_steal_index(t->a.outbox, 0);
  g_clear_pointer(&copy, g_free);
  copy = bytes_dup(captured->bytes, &len);
  assert_error(matter_exchange_manager_receive_raw(&t->b.manager, &elsewhere, copy, len, t->now),
               MATTER_OK);
  g_assert_cmpuint(sb->peer_address.bytes[0], ==, 0xE);
  g_assert_cmpuint(sb->last_receive_ms, ==, 5000);
  datagram_free(captured);
  test_free(t);
}

/* A request that finds no exchange slot is neither acknowledged nor
 * recorded: its retransmission gets through once a slot is free. */
static void
test_exchange_full_no_ack(void)
{
  Test *t = test_new(0);
  MatterSession *sa, *sb;
  MatterExchange *last;

  pair_secure(t, &sa, &sb);
  assert_error(listen_im(&t->b), MATTER_OK);
  for (size_t i = 0; i < G_N_ELEMENTS(t->b.exchanges); i++)
    send_request(t, start_exchange(&t->a, sa), 0);
  pump(t, &t->a, &t->b);
  g_assert_cmpuint(t->b.deliveries->len, ==, G_N_ELEMENTS(t->b.exchanges));
  /* A's table is as small as B's: free one of A's for the last request. */
  matter_exchange_abort(&t->a.exchanges[0]);
  last = start_exchange(&t->a, sa);
  send_request(t, last, MATTER_EXCHANGE_SEND_RELIABLE);
  assert_error(pump(t, &t->a, &t->b), MATTER_ERROR_EXCHANGE_TABLE_FULL);
  g_assert_cmpuint(t->b.outbox->len, ==, 0);
  g_assert_cmpuint(t->b.deliveries->len, ==, G_N_ELEMENTS(t->b.exchanges));

  /* B finishes one exchange; A's MRP resends the request, which is new to
   * B and delivered. */
  matter_exchange_close(delivery(&t->b, 0)->exchange, t->now);
  t->now = 330;
  matter_exchange_manager_process(&t->a.manager, t->now);
  assert_error(pump(t, &t->a, &t->b), MATTER_OK);
  g_assert_cmpuint(t->b.deliveries->len, ==, G_N_ELEMENTS(t->b.exchanges) + 1);
  test_free(t);
}

/* B answers each PBKDFParamRequest reliably and lets go of the exchange;
 * A sends @count requests from fresh unsecured contexts and never
 * acknowledges, so each answer keeps retransmitting. */
static void
flood_unacknowledged(Test *t, size_t count, gboolean fresh_context)
{
  MatterSession *ua = NULL;

  for (size_t i = 0; i < count; i++) {
    MatterExchange *ea;

    /* A's "random" source is one byte repeated: a new byte for each
     * context gives it a new ephemeral node id. */
    t->a.random_byte++;
    if (fresh_context || ua == NULL)
      assert_error(matter_session_table_new_unsecured(&t->a.table, &t->b.address, t->now, &ua),
                   MATTER_OK);
    ea = start_exchange(&t->a, ua);
    assert_error(matter_exchange_send(ea, MATTER_PROTOCOL_SECURE_CHANNEL, OPCODE_PBKDF_REQUEST,
                                      (const uint8_t *) "junk", 4, 0, t->now),
                 MATTER_OK);
    matter_exchange_close(ea, t->now);
    pump(t, &t->a, &t->b);
    drop_all(&t->b);
    t->now += 10;
  }
}

static void
refuse_reliably(Node *node)
{
  matter_exchange_manager_register(&node->manager, MATTER_PROTOCOL_SECURE_CHANNEL, &recorder, node);
  node->reply_opcode = OPCODE_PBKDF_RESPONSE;
  node->reply_flags = MATTER_EXCHANGE_SEND_RELIABLE;
  node->close_after_reply = TRUE;
}

/* Unsecured contexts held only by refusals nobody acknowledges are
 * reclaimed for a new peer. */
static void
test_unsecured_reclaimed(void)
{
  Test *t = test_new(0);
  size_t contexts = G_N_ELEMENTS(t->b.unsecured);

  refuse_reliably(&t->b);
  flood_unacknowledged(t, contexts, TRUE);
  g_assert_cmpuint(t->b.deliveries->len, ==, contexts);
  for (size_t i = 0; i < contexts; i++)
    g_assert_cmpuint(t->b.unsecured[i].exchanges, ==, 1);
  flood_unacknowledged(t, 1, TRUE);
  g_assert_cmpuint(t->b.deliveries->len, ==, contexts + 1);
  test_free(t);
}

/* So are exchange slots. */
static void
test_exchanges_reclaimed(void)
{
  Test *t = test_new(0);
  size_t slots = G_N_ELEMENTS(t->b.exchanges);

  refuse_reliably(&t->b);
  flood_unacknowledged(t, slots, FALSE);
  g_assert_cmpuint(t->b.deliveries->len, ==, slots);
  flood_unacknowledged(t, 2, FALSE);
  g_assert_cmpuint(t->b.deliveries->len, ==, slots + 2);
  test_free(t);
}

/* 4.10.1.4: CloseSession goes on a new exchange, encrypted, without R,
 * and the session is gone. */
static void
test_close_session(void)
{
  Test *t = test_new(0);
  MatterSession *sa, *sb, as_b;
  MatterProtocolHeader protocol;
  MatterMessageHeader header;
  MatterStatusReport report;
  g_autoptr(GBytes) payload = NULL;
  gsize len;
  const uint8_t *data;

  pair_secure(t, &sa, &sb);
  matter_exchange_manager_close_session(&t->b.manager, sb, t->now);
  g_assert_cmpint(sb->state, ==, MATTER_SESSION_FREE);
  g_assert_cmpuint(t->b.outbox->len, ==, 1);
  /* B's session is wiped now; parse_sent decrypts with the sender's key,
   * which A's session holds as its receive key. */
  as_b = *sa;
  as_b.role = MATTER_SESSION_ROLE_RESPONDER;
  ((Datagram *) g_ptr_array_index(t->b.outbox, 0))->session = &as_b;
  parse_sent(&t->b, 0, &header, &protocol, &payload);
  g_assert_cmpuint(header.session_id, ==, sa->local_session_id);
  g_assert_cmpuint(protocol.protocol_id, ==, MATTER_PROTOCOL_SECURE_CHANNEL);
  g_assert_cmpuint(protocol.opcode, ==, MATTER_SC_OPCODE_STATUS_REPORT);
  g_assert_cmpuint(protocol.exchange_flags, ==, MATTER_EXCHANGE_FLAG_I);
  data = g_bytes_get_data(payload, &len);
  assert_error(matter_status_report_decode(data, len, &report), MATTER_OK);
  g_assert_true(
    matter_status_report_is_sc(&report, MATTER_STATUS_SUCCESS, MATTER_SC_STATUS_CLOSE_SESSION));
  test_free(t);
}

static void
test_mrp_close_waits_for_ack(void)
{
  Test *t = test_new(0);
  MatterSession *sa, *sb;
  MatterExchange *ea;

  pair_secure(t, &sa, &sb);
  assert_error(listen_im(&t->b), MATTER_OK);
  t->b.reply_opcode = OPCODE_RESPONSE;
  t->b.reply_flags = MATTER_EXCHANGE_SEND_RELIABLE;
  ea = start_exchange(&t->a, sa);
  send_request(t, ea, MATTER_EXCHANGE_SEND_RELIABLE);
  matter_exchange_close(ea, t->now);
  /* Still there, retransmitting, until acknowledged. */
  g_assert_true(ea->open);
  g_assert_cmpuint(matter_exchange_manager_count(&t->a.manager, sa), ==, 1);
  drop_all(&t->a);
  t->now = 330;
  matter_exchange_manager_process(&t->a.manager, t->now);
  g_assert_cmpuint(t->a.outbox->len, ==, 1);
  assert_error(matter_exchange_send(ea, MATTER_PROTOCOL_INTERACTION_MODEL, OPCODE_REQUEST, NULL, 0,
                                    0, t->now),
               MATTER_ERROR_BAD_STATE);
  pump(t, &t->a, &t->b);
  /* The reliable reply acknowledges A's request: A, without an owner,
   * acknowledges it at once and frees the exchange. */
  pump(t, &t->b, &t->a);
  g_assert_false(ea->open);
  g_assert_cmpuint(t->a.deliveries->len, ==, 0);
  g_assert_cmpuint(t->a.outbox->len, ==, 1);
  assert_standalone_ack(&t->a, 0, 1, TRUE); /* B's first message */
  pump(t, &t->a, &t->b);
  g_assert_false(delivery(&t->b, 0)->exchange->retrans.active);

  /* A closed exchange that never hears back goes quietly. */
  ea = start_exchange(&t->a, sa);
  send_request(t, ea, MATTER_EXCHANGE_SEND_RELIABLE);
  matter_exchange_close(ea, t->now);
  drop_all(&t->a);
  while (matter_exchange_manager_next_deadline(&t->a.manager) != MATTER_MRP_NEVER) {
    t->now = matter_exchange_manager_next_deadline(&t->a.manager);
    matter_exchange_manager_process(&t->a.manager, t->now);
  }
  g_assert_false(ea->open);
  g_assert_cmpuint(t->a.failures->len, ==, 0);
  test_free(t);
}

static void
test_mrp_close_flushes_ack(void)
{
  Test *t = test_new(0);
  MatterSession *sa, *sb;
  MatterExchange *ea, *eb;

  pair_secure(t, &sa, &sb);
  assert_error(listen_im(&t->b), MATTER_OK);
  ea = start_exchange(&t->a, sa);
  send_request(t, ea, MATTER_EXCHANGE_SEND_RELIABLE);
  pump(t, &t->a, &t->b);
  eb = delivery(&t->b, 0)->exchange;
  t->now = 50;
  matter_exchange_close(eb, t->now);
  g_assert_cmpuint(t->b.outbox->len, ==, 1);
  assert_standalone_ack(&t->b, 0, 1, FALSE);
  g_assert_cmpuint(matter_exchange_manager_next_deadline(&t->b.manager), ==, MATTER_MRP_NEVER);
  test_free(t);
}

static void
test_mrp_ack_replaced(void)
{
  Test *t = test_new(0);
  MatterSession *sa, *sb;
  MatterExchange *ea;
  uint32_t first;

  pair_secure(t, &sa, &sb);
  assert_error(listen_im(&t->b), MATTER_OK);
  ea = start_exchange(&t->a, sa);
  send_request(t, ea, MATTER_EXCHANGE_SEND_RELIABLE);
  first = sent_counter(&t->a, 0);
  pump(t, &t->a, &t->b);
  /* A peer that does not wait for its acknowledgement: the second
   * reliable message makes B acknowledge the first at once. */
  ea->retrans.active = false;
  t->now = 20;
  send_request(t, ea, MATTER_EXCHANGE_SEND_RELIABLE);
  pump(t, &t->a, &t->b);
  g_assert_cmpuint(t->b.deliveries->len, ==, 2);
  g_assert_cmpuint(t->b.outbox->len, ==, 1);
  assert_standalone_ack(&t->b, 0, first, FALSE);
  g_assert_cmpuint(matter_exchange_manager_next_deadline(&t->b.manager), ==,
                   20 + MATTER_MRP_STANDALONE_ACK_TIMEOUT_MS);
  test_free(t);
}

static void
test_mrp_not_over_tcp(void)
{
  Test *t = test_new(0);
  MatterSession *sa, *sb;
  MatterExchange *ea;

  pair_secure(t, &sa, &sb);
  sa->peer_address.transport = MATTER_TRANSPORT_TCP;
  ea = start_exchange(&t->a, sa);
  send_request(t, ea, MATTER_EXCHANGE_SEND_RELIABLE);
  g_assert_cmpuint(sent_flags(&t->a, 0), ==, MATTER_EXCHANGE_FLAG_I);
  g_assert_false(ea->retrans.active);
  g_assert_cmpuint(matter_exchange_manager_next_deadline(&t->a.manager), ==, MATTER_MRP_NEVER);
  test_free(t);
}

/* A handler that ends the whole session whenever it hears anything. */
static void
remove_on_message(void *user_data, MatterExchange *exchange, const MatterProtocolHeader *header,
                  const uint8_t *payload, size_t len, uint64_t now_ms)
{
  Node *node = user_data;

  on_message(user_data, exchange, header, payload, len, now_ms);
  matter_exchange_manager_remove_session(&node->manager, exchange->session, now_ms);
}

static void
remove_on_error(void *user_data, MatterExchange *exchange, MatterError err, uint64_t now_ms)
{
  Node *node = user_data;

  on_error(user_data, exchange, err, now_ms);
  matter_exchange_manager_remove_session(&node->manager, exchange->session, now_ms);
}

static const MatterExchangeHandler remover = { remove_on_message, remove_on_error };

static void
test_handler_removes_own_session(void)
{
  Test *t = test_new(0);
  MatterSession *sa, *sb;
  MatterExchange *ea, *other;

  pair_secure(t, &sa, &sb);
  matter_exchange_manager_register(&t->b.manager, MATTER_PROTOCOL_INTERACTION_MODEL, &remover,
                                   &t->b);
  ea = start_exchange(&t->a, sa);
  send_request(t, ea, MATTER_EXCHANGE_SEND_RELIABLE);
  assert_error(pump(t, &t->a, &t->b), MATTER_OK);
  g_assert_cmpuint(t->b.deliveries->len, ==, 1);
  g_assert_cmpint(sb->state, ==, MATTER_SESSION_FREE);
  g_assert_cmpuint(t->b.failures->len, ==, 1); /* the exchange it was called for */
  g_assert_cmpuint(matter_exchange_manager_next_deadline(&t->b.manager), ==, MATTER_MRP_NEVER);

  /* Removing the session again from on_error is harmless. */
  assert_error(matter_exchange_new(&t->a.manager, sa, &remover, &t->a, &other), MATTER_OK);
  matter_exchange_manager_remove_session(&t->a.manager, sa, t->now);
  g_assert_cmpuint(t->a.failures->len, ==, 2);
  g_assert_cmpint(sa->state, ==, MATTER_SESSION_FREE);
  g_assert_false(ea->open);
  g_assert_false(other->open);
  test_free(t);
}

static void
test_owner_timeout(void)
{
  Test *t = test_new(0);
  MatterSession *sa, *sb;
  MatterExchange *ea;
  Failure *failure;

  pair_secure(t, &sa, &sb);
  ea = start_exchange(&t->a, sa);
  matter_exchange_set_timeout(ea, 5000);
  g_assert_cmpuint(matter_exchange_manager_next_deadline(&t->a.manager), ==, 5000);
  matter_exchange_manager_process(&t->a.manager, 4999);
  g_assert_cmpuint(t->a.failures->len, ==, 0);
  matter_exchange_manager_process(&t->a.manager, 5000);
  g_assert_cmpuint(t->a.failures->len, ==, 1);
  failure = g_ptr_array_index(t->a.failures, 0);
  g_assert_true(failure->exchange == ea);
  assert_error(failure->err, MATTER_ERROR_EXCHANGE_TIMEOUT);
  g_assert_cmpuint(failure->at, ==, 5000);
  /* Once, and the exchange stays open. */
  matter_exchange_manager_process(&t->a.manager, 9000);
  g_assert_cmpuint(t->a.failures->len, ==, 1);
  g_assert_true(ea->open);
  g_assert_cmpuint(matter_exchange_manager_next_deadline(&t->a.manager), ==, MATTER_MRP_NEVER);
  /* Closing cancels it. */
  matter_exchange_set_timeout(ea, 10000);
  matter_exchange_close(ea, 9000);
  matter_exchange_manager_process(&t->a.manager, 20000);
  g_assert_cmpuint(t->a.failures->len, ==, 1);
  test_free(t);
}

static void
test_send_errors(void)
{
  Test *t = test_new(0);
  MatterSession *sa, *sb;
  MatterExchange *ea;
  static uint8_t big[MATTER_MESSAGE_MAX];

  pair_secure(t, &sa, &sb);
  ea = start_exchange(&t->a, sa);
  assert_error(matter_exchange_send(ea, MATTER_PROTOCOL_INTERACTION_MODEL, OPCODE_REQUEST, big,
                                    sizeof(big), 0, t->now),
               MATTER_ERROR_BUFFER_TOO_SMALL);
  /* A transport error fails an unreliable send; MRP retries a reliable one. */
  t->a.send_error = MATTER_ERROR_NO_MEMORY;
  assert_error(matter_exchange_send(ea, MATTER_PROTOCOL_INTERACTION_MODEL, OPCODE_REQUEST, NULL, 0,
                                    0, t->now),
               MATTER_ERROR_NO_MEMORY);
  send_request(t, ea, MATTER_EXCHANGE_SEND_RELIABLE);
  g_assert_true(ea->retrans.active);
  test_free(t);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  g_test_add_func("/exchange/request-response", test_request_response);
  g_test_add_func("/exchange/matching-by-role", test_matching_by_role);
  g_test_add_func("/exchange/ids", test_exchange_ids);
  g_test_add_func("/exchange/table-full", test_exchange_table_full);
  g_test_add_func("/exchange/unsolicited/no-handler", test_unsolicited_without_handler);
  g_test_add_func("/exchange/unsolicited/response", test_unsolicited_response);
  g_test_add_func("/exchange/unsecured/establishment", test_unsecured_session_establishment);
  g_test_add_func("/exchange/unsecured/counter-reservations",
                  test_unencrypted_counter_reservations);
  g_test_add_func("/exchange/session/removed", test_session_removed);
  g_test_add_func("/exchange/session/counter-exhaustion", test_counter_exhaustion);
  g_test_add_func("/exchange/receive/rejects", test_receive_rejects);
  g_test_add_func("/exchange/receive/privacy", test_receive_privacy);
  g_test_add_func("/exchange/send/errors", test_send_errors);
  g_test_add_func("/exchange/owner-timeout", test_owner_timeout);
  g_test_add_func("/exchange/handler-removes-own-session", test_handler_removes_own_session);
  g_test_add_func("/exchange/mrp/retransmit-active", test_mrp_retransmit_active);
  g_test_add_func("/exchange/mrp/retransmit-idle", test_mrp_retransmit_idle);
  g_test_add_func("/exchange/mrp/retransmit-jitter", test_mrp_retransmit_jitter);
  g_test_add_func("/exchange/mrp/retransmit-goes-idle", test_mrp_retransmit_goes_idle);
  g_test_add_func("/exchange/mrp/standalone-ack-timeout", test_mrp_standalone_ack_after_timeout);
  g_test_add_func("/exchange/mrp/piggyback-cancels-standalone",
                  test_mrp_piggyback_cancels_standalone);
  g_test_add_func("/exchange/mrp/duplicate-reacked", test_mrp_duplicate_reacked);
  g_test_add_func("/exchange/mrp/duplicate-unsolicited-reacked",
                  test_mrp_duplicate_unsolicited_reacked);
  g_test_add_func("/exchange/mrp/keeps-one-message", test_mrp_keeps_one_message);
  g_test_add_func("/exchange/mrp/reply-after-lost-ack", test_mrp_reply_after_lost_ack);
  g_test_add_func("/exchange/receive/replay-keeps-peer-address",
                  test_receive_replay_keeps_peer_address);
  g_test_add_func("/exchange/table-full/no-ack", test_exchange_full_no_ack);
  g_test_add_func("/exchange/table-full/reclaim-exchanges", test_exchanges_reclaimed);
  g_test_add_func("/exchange/unsecured/reclaim-contexts", test_unsecured_reclaimed);
  g_test_add_func("/exchange/session/close", test_close_session);
  g_test_add_func("/exchange/mrp/close-waits-for-ack", test_mrp_close_waits_for_ack);
  g_test_add_func("/exchange/mrp/close-flushes-ack", test_mrp_close_flushes_ack);
  g_test_add_func("/exchange/mrp/ack-replaced", test_mrp_ack_replaced);
  g_test_add_func("/exchange/mrp/not-over-tcp", test_mrp_not_over_tcp);
  return g_test_run();
}
