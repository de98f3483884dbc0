/* SPDX-License-Identifier: Apache-2.0 */
/* The node's PASE server in memory: commissioners made of the protocol
 * core (their own session tables and exchange managers) and the test PASE
 * initiator, joined to the node's exchange manager by an in-memory network
 * on a fake clock. This pins down the handshake slots exactly: when a
 * stalled handshake gives way, what BUSY asks, when an attempt counts. */

#include <glib.h>
#include <string.h>

#include "commissioning.h"
#include "md-test-storage.h"
#include "pase-initiator.h"
#include "pase-server.h"

#define PASSCODE 20202021
#define CLIENTS (MD_NODE_HANDSHAKES_MAX + 2)
#define KEY_ATTEMPTS "commissioning/failed-attempts"

typedef struct Test Test;

/* A datagram in flight, and which side it is for. */
typedef struct {
  GBytes *bytes;
  guint8 from; /* address byte of the sender; 0 is the node */
  guint8 to;
} Datagram;

typedef struct {
  Test *test;
  guint8 address;
  MatterSession secure[2];
  MatterSession unsecured[2];
  MatterSessionTable sessions;
  MatterExchange slots[4];
  MatterExchangeManager exchanges;
  MdTestPaseInitiator *initiator;
  MatterExchange *exchange;
  MatterSession *pending;
  gboolean answer; /* run the handshake, rather than ask and fall silent */
  guint32 passcode; /* 0: PASSCODE */
  gboolean deaf;   /* receives nothing: a request sent blind */
  gboolean got_report;
  MatterStatusReport report;
  guint16 busy_wait;
  gboolean got_pake2;
} Client;

struct Test {
  guint64 now;
  MdTestStorage *storage;
  MatterSession secure[MD_NODE_HANDSHAKES_MAX + 4];
  MatterSession unsecured[2 * MD_PASE_HANDSHAKES_MAX];
  MatterSessionTable sessions;
  MatterExchange slots[4 * MD_PASE_HANDSHAKES_MAX];
  MatterExchangeManager exchanges;
  MdNode *node;
  Client clients[CLIENTS];
  GQueue network; /* Datagram */
};

static void
queue_datagram(Test *t, guint8 from, guint8 to, const uint8_t *msg, size_t len)
{
  Datagram *datagram = g_new0(Datagram, 1);

  datagram->bytes = g_bytes_new(msg, len);
  datagram->from = from;
  datagram->to = to;
  g_queue_push_tail(&t->network, datagram);
}

static MatterError
node_send(void *user_data, const MatterSession *session, const uint8_t *msg, size_t len)
{
  queue_datagram(user_data, 0, session->peer_address.bytes[0], msg, len);
  return MATTER_OK;
}

static MatterError
client_send(void *user_data, const MatterSession *session, const uint8_t *msg, size_t len)
{
  Client *client = user_data;

  queue_datagram(client->test, client->address, 0, msg, len);
  return MATTER_OK;
}

static MatterPeerAddress
address(guint8 byte)
{
  MatterPeerAddress peer = { .transport = MATTER_TRANSPORT_UDP, .len = 1, .bytes = { byte } };

  return peer;
}

/* Delivers everything in flight, and what that sends, until quiet. */
static void
pump(Test *t)
{
  Datagram *datagram;

  while ((datagram = g_queue_pop_head(&t->network)) != NULL) {
    gsize len;
    const void *data = g_bytes_get_data(datagram->bytes, &len);
    g_autofree guint8 *copy = g_memdup2(data, len);
    MatterPeerAddress from = address(datagram->from);

    if (datagram->to == 0)
      matter_exchange_manager_receive_raw(&t->exchanges, &from, copy, len, t->now);
    else if (!t->clients[datagram->to - 1].deaf)
      matter_exchange_manager_receive_raw(&t->clients[datagram->to - 1].exchanges, &from, copy,
                                          len, t->now);
    g_bytes_unref(datagram->bytes);
    g_free(datagram);
  }
}

/* Moves the clock and runs every timer that is due. */
static void
advance_to(Test *t, guint64 now)
{
  t->now = now;
  matter_exchange_manager_process(&t->exchanges, now);
  md_node_process(t->node, now);
  for (guint i = 0; i < CLIENTS; i++)
    matter_exchange_manager_process(&t->clients[i].exchanges, now);
  pump(t);
}

static void
on_client_message(void *user_data, MatterExchange *exchange, const MatterProtocolHeader *header,
                  const uint8_t *payload, size_t len, uint64_t now)
{
  Client *client = user_data;
  guint8 out[MATTER_PASE_MESSAGE_MAX];
  uint8_t opcode = 0;
  size_t out_len = 0;

  if (header->opcode == MATTER_SC_OPCODE_STATUS_REPORT &&
      matter_status_report_decode(payload, len, &client->report) == MATTER_OK) {
    client->got_report = TRUE;
    matter_status_report_get_busy_wait(&client->report, &client->busy_wait);
    client->report.data = NULL;
  }
  client->got_pake2 |= header->opcode == MATTER_SC_OPCODE_PASE_PAKE2;
  if (!client->answer)
    return;
  md_test_pase_initiator_handle(client->initiator, header->opcode, payload, len, &opcode, out,
                                sizeof(out), &out_len);
  if (out_len > 0)
    matter_exchange_send(exchange, MATTER_PROTOCOL_SECURE_CHANNEL, opcode, out, out_len,
                         MATTER_EXCHANGE_SEND_RELIABLE, now);
}

static const MatterExchangeHandler client_handler = { .on_message = on_client_message };

static void
client_init(Test *t, Client *client, guint8 address_byte)
{
  static const MatterExchangeCallbacks callbacks = { .send = client_send };

  client->test = t;
  client->address = address_byte;
  g_assert_cmpint(matter_session_table_init(&client->sessions, client->secure, 2,
                                            client->unsecured, 2, NULL),
                  ==, MATTER_OK);
  g_assert_cmpint(matter_exchange_manager_init(&client->exchanges, &client->sessions,
                                               client->slots, 4, &callbacks, client, NULL),
                  ==, MATTER_OK);
}

/* Sends a PBKDFParamRequest; with @answer the client then completes the
 * handshake with the right passcode, else it only acknowledges. */
static void
client_ask(Test *t, Client *client, gboolean answer)
{
  MdTestPaseConfig config = { .passcode = client->passcode != 0 ? client->passcode : PASSCODE };
  MatterPeerAddress node = address(0);
  MatterSession *unsecured = NULL;
  guint8 out[MATTER_PASE_MESSAGE_MAX];
  uint8_t opcode = 0;
  size_t out_len = 0;

  client->answer = answer;
  client->got_report = FALSE;
  client->got_pake2 = FALSE;
  client->busy_wait = 0;
  if (client->pending == NULL)
    g_assert_cmpint(matter_session_table_allocate(&client->sessions, t->now, &client->pending), ==,
                    MATTER_OK);
  config.session_id = client->pending->local_session_id;
  g_clear_pointer(&client->initiator, md_test_pase_initiator_free);
  g_assert_cmpint(md_test_pase_initiator_new(&config, &client->initiator), ==, MATTER_OK);
  g_assert_cmpint(matter_session_table_new_unsecured(&client->sessions, &node, t->now, &unsecured),
                  ==, MATTER_OK);
  g_assert_cmpint(matter_exchange_new(&client->exchanges, unsecured, &client_handler, client,
                                      &client->exchange),
                  ==, MATTER_OK);
  g_assert_cmpint(md_test_pase_initiator_start(client->initiator, &opcode, out, sizeof(out),
                                               &out_len),
                  ==, MATTER_OK);
  g_assert_cmpint(matter_exchange_send(client->exchange, MATTER_PROTOCOL_SECURE_CHANNEL, opcode,
                                       out, out_len, MATTER_EXCHANGE_SEND_RELIABLE, t->now),
                  ==, MATTER_OK);
  pump(t);
}

static MatterPaseState
client_state(Client *client)
{
  return md_test_pase_initiator_get_state(client->initiator);
}

/* A blind request: sent, then nothing is read, so nothing is acknowledged. */
static void
blind_request(Test *t, Client *client)
{
  client->deaf = TRUE;
  client_ask(t, client, FALSE);
}

static Test *
test_new(void)
{
  static const MatterExchangeCallbacks callbacks = { .send = node_send };
  MdNodeParams params = {
    .vendor_id = 0xFFF1,
    .product_id = 0x8000,
    .supported_fabrics = 5,
    .window_timeout = 900,
    .has_passcode = TRUE,
    .passcode = PASSCODE,
  };
  g_autoptr(GError) error = NULL;
  Test *t = g_new0(Test, 1);

  t->now = 1;
  t->storage = md_test_storage_new();
  g_queue_init(&t->network);
  g_assert_cmpint(matter_session_table_init(&t->sessions, t->secure, G_N_ELEMENTS(t->secure),
                                            t->unsecured, G_N_ELEMENTS(t->unsecured), NULL),
                  ==, MATTER_OK);
  g_assert_cmpint(matter_exchange_manager_init(&t->exchanges, &t->sessions, t->slots,
                                               G_N_ELEMENTS(t->slots), &callbacks, t, NULL),
                  ==, MATTER_OK);
  t->node = md_node_new(&params, md_test_storage_get(t->storage), NULL, &t->exchanges,
                        &t->sessions, NULL, NULL, &error);
  g_assert_no_error(error);
  md_node_start(t->node, t->now);
  for (guint i = 0; i < CLIENTS; i++)
    client_init(t, &t->clients[i], (guint8) (i + 1));
  return t;
}

static void
test_free(Test *t)
{
  Datagram *datagram;

  md_node_free(t->node);
  for (guint i = 0; i < CLIENTS; i++) {
    md_test_pase_initiator_free(t->clients[i].initiator);
    matter_session_table_clear(&t->clients[i].sessions);
  }
  while ((datagram = g_queue_pop_head(&t->network)) != NULL) {
    g_bytes_unref(datagram->bytes);
    g_free(datagram);
  }
  matter_session_table_clear(&t->sessions);
  md_test_storage_free(t->storage);
  g_free(t);
}

static guint64
attempts(Test *t)
{
  return md_test_storage_uint64(t->storage, KEY_ATTEMPTS);
}

/* A commissioner that knows the passcode gets a session; its attempt was
 * counted while it ran and is taken back. */
static void
test_established(void)
{
  Test *t = test_new();

  client_ask(t, &t->clients[0], TRUE);
  g_assert_cmpint(client_state(&t->clients[0]), ==, MATTER_PASE_STATE_ESTABLISHED);
  g_assert_cmpuint(matter_session_table_count(&t->sessions), ==, 1);
  g_assert_cmpuint(attempts(t), ==, 0);
  g_assert_cmpuint(md_commissioning_get_counted_attempts(md_node_get_commissioning(t->node)), ==,
                   0);
  test_free(t);
}

/* An enhanced window serves the administrator's verifier, with its salt
 * and iterations, and not the node's own passcode; closing it wipes it. */
static void
test_enhanced_window(void)
{
  static const guint8 salt[16] = "enhanced-salt-16";
  const guint32 admin_passcode = 34567890;
  MdCommissioning *commissioning;
  MdPaseVerifier verifier = { .salt_len = sizeof(salt), .iterations = 2000 };
  g_autoptr(GError) error = NULL;
  Test *t = test_new();

  commissioning = md_node_get_commissioning(t->node);
  memcpy(verifier.salt, salt, sizeof(salt));
  g_assert_cmpint(matter_payload_compute_verifier(admin_passcode, salt, sizeof(salt), 2000,
                                                  verifier.w0, verifier.L),
                  ==, MATTER_OK);
  md_commissioning_close(commissioning, "test");
  g_assert_true(md_commissioning_open_enhanced(commissioning, &verifier, 1234, 180, 3, t->now,
                                               &error));
  g_assert_no_error(error);
  g_assert_cmpint(md_commissioning_get_window(commissioning), ==, MD_WINDOW_ENHANCED);
  g_assert_cmpuint(md_commissioning_get_opener(commissioning), ==, 3);
  g_assert_cmpuint(md_commissioning_get_verifier(commissioning)->salt_len, ==, 16);

  /* The node's own passcode is no good now. */
  client_ask(t, &t->clients[0], TRUE);
  g_assert_cmpint(client_state(&t->clients[0]), ==, MATTER_PASE_STATE_FAILED);
  t->clients[1].passcode = admin_passcode;
  client_ask(t, &t->clients[1], TRUE);
  g_assert_cmpint(client_state(&t->clients[1]), ==, MATTER_PASE_STATE_ESTABLISHED);

  md_commissioning_close(commissioning, "test");
  g_assert_null(md_commissioning_get_verifier(commissioning));
  g_assert_cmpuint(md_commissioning_get_opener(commissioning), ==, 0);
  /* A window lasts 3 to 15 minutes. */
  g_assert_false(md_commissioning_open_enhanced(commissioning, &verifier, 1234, 901, 3, t->now,
                                                &error));
  test_free(t);
}

/* Every slot taken by blind requests: BUSY until the first may be
 * replaced (a second after it last moved), then served. */
static void
test_blind_slots_give_way(void)
{
  Test *t = test_new();
  Client *late = &t->clients[MD_PASE_HANDSHAKES_MAX];

  for (guint i = 0; i < MD_PASE_HANDSHAKES_MAX; i++)
    blind_request(t, &t->clients[i]);
  t->now = 250;
  client_ask(t, late, TRUE);
  g_assert_true(late->got_report);
  g_assert_true(matter_status_report_is_sc(&late->report, MATTER_STATUS_BUSY,
                                           MATTER_SC_STATUS_BUSY));
  g_assert_cmpuint(late->busy_wait, ==, 1001 - 250);
  matter_exchange_close(late->exchange, t->now);

  advance_to(t, 1001);
  client_ask(t, late, TRUE);
  g_assert_cmpint(client_state(late), ==, MATTER_PASE_STATE_ESTABLISHED);
  test_free(t);
}

/* Handshakes whose commissioner acknowledged but never sent Pake1 hold
 * their slots three seconds. */
static void
test_silent_slots_give_way(void)
{
  Test *t = test_new();
  Client *late = &t->clients[MD_PASE_HANDSHAKES_MAX];

  for (guint i = 0; i < MD_PASE_HANDSHAKES_MAX; i++)
    client_ask(t, &t->clients[i], FALSE);
  /* Their standalone acknowledgements go out. */
  advance_to(t, 201);
  advance_to(t, 1001);
  client_ask(t, late, TRUE);
  g_assert_cmpuint(late->busy_wait, ==, 3001 - 1001);
  matter_exchange_close(late->exchange, t->now);
  advance_to(t, 3001);
  client_ask(t, late, TRUE);
  g_assert_cmpint(client_state(late), ==, MATTER_PASE_STATE_ESTABLISHED);
  test_free(t);
}

/* A new request from an address replaces that address's handshake at once,
 * full table or not; an attempt the old one had counted stays counted. */
static void
test_same_address_replaces(void)
{
  Test *t = test_new();
  Client *client = &t->clients[0];

  for (guint i = 0; i < MD_PASE_HANDSHAKES_MAX; i++)
    client_ask(t, &t->clients[i], FALSE);
  client_ask(t, client, TRUE);
  g_assert_cmpint(client_state(client), ==, MATTER_PASE_STATE_ESTABLISHED);
  test_free(t);
}

/* An attempt that cannot be stored is not made: no Pake2 leaves. */
static void
test_pake2_only_when_counted(void)
{
  Test *t = test_new();
  Client *client = &t->clients[0];

  /* The request goes through; the first storage call after it, storing
   * the attempt, fails. */
  md_test_storage_fail_at(t->storage, 1);
  client_ask(t, client, TRUE);
  g_assert_false(client->got_pake2);
  g_assert_true(client->got_report);
  g_assert_true(matter_status_report_is_sc(&client->report, MATTER_STATUS_FAILURE,
                                           MATTER_SC_STATUS_INVALID_PARAMETER));
  g_assert_cmpuint(attempts(t), ==, 0);
  /* The next one is served. */
  client_ask(t, client, TRUE);
  g_assert_cmpint(client_state(client), ==, MATTER_PASE_STATE_ESTABLISHED);
  test_free(t);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  g_test_add_func("/pase-server/established", test_established);
  g_test_add_func("/pase-server/enhanced-window", test_enhanced_window);
  g_test_add_func("/pase-server/blind-slots-give-way", test_blind_slots_give_way);
  g_test_add_func("/pase-server/silent-slots-give-way", test_silent_slots_give_way);
  g_test_add_func("/pase-server/same-address-replaces", test_same_address_replaces);
  g_test_add_func("/pase-server/pake2-only-when-counted", test_pake2_only_when_counted);
  return g_test_run();
}
