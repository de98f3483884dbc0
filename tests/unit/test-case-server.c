/* SPDX-License-Identifier: Apache-2.0 */
/* The node's CASE server in memory: initiators made of the protocol core
 * (their own session tables and exchange managers, the core's CASE
 * initiator), joined to the node's exchange manager by an in-memory
 * network on a fake clock, against a node with one committed fabric. This
 * pins down what the server decides: the session it makes, the resumption
 * record it keeps, and its handshake slots (stalled ones give way, BUSY
 * when all are moving on). */

#include <glib.h>
#include <string.h>

#include "case-server.h"
#include "matter/case.h"
#include "md-test-ca.h"
#include "md-test-storage.h"
#include "pase-server.h"

#define CLIENTS (MD_CASE_HANDSHAKES_MAX + 2)
#define FABRIC_ID G_GUINT64_CONSTANT(0xFAB000000000001D)
#define NODE_ID G_GUINT64_CONSTANT(0x0000000000000042)
#define CLIENT_NODE_ID G_GUINT64_CONSTANT(0x0000000000001000)
#define EPOCH_IPK "\x4a\x71\xcd\xd7\xb2\xa3\xca\x90\x24\xf9\x6f\x3c\x96\xa1\x9d\xee"

typedef struct Test Test;

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
  MatterP256Key *key;
  GBytes *noc;
  MatterCaseFabric fabric;
  MatterCaseInitiator *initiator;
  MatterExchange *exchange;
  MatterSession *pending;
  gboolean answer; /* run the handshake, rather than send Sigma1 and fall silent */
  gboolean got_report;
  MatterStatusReport report;
  guint16 busy_wait;
} Client;

struct Test {
  guint64 now;
  MdTestStorage *storage;
  MdTestCa *ca;
  MatterSession secure[MD_NODE_HANDSHAKES_MAX + 4];
  MatterSession unsecured[2 * MD_NODE_HANDSHAKES_MAX];
  MatterSessionTable sessions;
  MatterExchange slots[4 * MD_NODE_HANDSHAKES_MAX];
  MatterExchangeManager exchanges;
  MdNode *node;
  Client clients[CLIENTS];
  GQueue network;
};

static MatterPeerAddress
address(guint8 byte)
{
  return (MatterPeerAddress) { .transport = MATTER_TRANSPORT_UDP, .len = 1, .bytes = { byte } };
}

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
    else
      matter_exchange_manager_receive_raw(&t->clients[datagram->to - 1].exchanges, &from, copy,
                                          len, t->now);
    g_bytes_unref(datagram->bytes);
    g_free(datagram);
  }
}

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

/* ---- The node's fabric, and the initiators' identities on it ---- */

static void
put_node_fabric(Test *t)
{
  guint8 priv[MATTER_P256_PRIVATE_KEY_LEN], pub[MATTER_P256_PUBLIC_KEY_LEN];
  MdFabricRecord record = {
    .fabric_index = 1,
    .fabric_id = FABRIC_ID,
    .node_id = NODE_ID,
    .vendor_id = 0xFFF1,
    .label = (char *) "",
  };
  MatterP256Key *key = NULL;

  g_assert_cmpint(matter_p256_generate(&key), ==, MATTER_OK);
  g_assert_cmpint(matter_p256_export_private(key, priv), ==, MATTER_OK);
  g_assert_cmpint(matter_p256_export_public(key, pub), ==, MATTER_OK);
  matter_p256_free(key);
  record.rcac = t->ca->rcac;
  record.noc = md_test_ca_issue_noc(t->ca, pub, NODE_ID, 0, NULL, 0);
  record.operational_key = md_secret_bytes_new(priv, sizeof(priv));
  record.ipk_epoch_key = md_secret_bytes_new(EPOCH_IPK, 16);
  g_assert_true(md_node_storage_put_fabric(md_test_storage_get(t->storage), &record, NULL));
  g_bytes_unref(record.noc);
  g_bytes_unref(record.operational_key);
  g_bytes_unref(record.ipk_epoch_key);
  matter_secure_zero(priv, sizeof(priv));
}

static void on_client_message(void *user_data, MatterExchange *exchange,
                              const MatterProtocolHeader *header, const uint8_t *payload,
                              size_t len, uint64_t now);

static const MatterExchangeHandler client_handler = { .on_message = on_client_message };

static void
client_init(Test *t, Client *client, guint8 address_byte)
{
  static const MatterExchangeCallbacks callbacks = { .send = client_send };
  guint8 pub[MATTER_P256_PUBLIC_KEY_LEN], compressed[MATTER_CASE_COMPRESSED_FABRIC_ID_LEN];

  client->test = t;
  client->address = address_byte;
  g_assert_cmpint(matter_session_table_init(&client->sessions, client->secure, 2,
                                            client->unsecured, 2, NULL),
                  ==, MATTER_OK);
  g_assert_cmpint(matter_exchange_manager_init(&client->exchanges, &client->sessions,
                                               client->slots, 4, &callbacks, client, NULL),
                  ==, MATTER_OK);
  g_assert_cmpint(matter_p256_generate(&client->key), ==, MATTER_OK);
  g_assert_cmpint(matter_p256_export_public(client->key, pub), ==, MATTER_OK);
  client->noc = md_test_ca_issue_noc(t->ca, pub, CLIENT_NODE_ID + address_byte, 0, NULL, 0);
  client->fabric = (MatterCaseFabric) {
    .fabric_index = 1,
    .fabric_id = FABRIC_ID,
    .node_id = CLIENT_NODE_ID + address_byte,
    .operational_key = client->key,
  };
  memcpy(client->fabric.root_public_key, t->ca->public_key, MATTER_P256_PUBLIC_KEY_LEN);
  client->fabric.rcac = g_bytes_get_data(t->ca->rcac, &client->fabric.rcac_len);
  client->fabric.noc = g_bytes_get_data(client->noc, &client->fabric.noc_len);
  g_assert_cmpint(matter_case_compressed_fabric_id(t->ca->public_key, FABRIC_ID, compressed), ==,
                  MATTER_OK);
  g_assert_cmpint(matter_case_operational_ipk((const guint8 *) EPOCH_IPK, compressed,
                                              client->fabric.ipk),
                  ==, MATTER_OK);
}

static void
client_clear(Client *client)
{
  g_clear_pointer(&client->initiator, matter_case_initiator_free);
  matter_session_table_clear(&client->sessions);
  g_clear_pointer(&client->key, matter_p256_free);
  g_clear_pointer(&client->noc, g_bytes_unref);
}

static void
on_client_message(void *user_data, MatterExchange *exchange, const MatterProtocolHeader *header,
                  const uint8_t *payload, size_t len, uint64_t now)
{
  Client *client = user_data;
  guint8 out[MATTER_CASE_MESSAGE_MAX];
  uint8_t opcode = 0;
  size_t out_len = 0;

  if (header->opcode == MATTER_SC_OPCODE_STATUS_REPORT &&
      matter_status_report_decode(payload, len, &client->report) == MATTER_OK) {
    client->got_report = TRUE;
    matter_status_report_get_busy_wait(&client->report, &client->busy_wait);
    client->report.data = NULL;
  }
  if (!client->answer)
    return;
  matter_case_initiator_handle(client->initiator, header->opcode, payload, len, &opcode, out,
                               sizeof(out), &out_len);
  if (out_len > 0)
    matter_exchange_send(exchange, MATTER_PROTOCOL_SECURE_CHANNEL, opcode, out, out_len,
                         MATTER_EXCHANGE_SEND_RELIABLE, now);
}

/* Sends Sigma1 (resuming with @resumption when not NULL); with @answer the
 * client then completes the handshake, else it falls silent. */
static void
client_sigma1(Test *t, Client *client, gboolean answer, const MatterCaseResumption *resumption)
{
  MatterPeerAddress node = address(0);
  MatterSession *unsecured = NULL;
  guint8 out[MATTER_CASE_MESSAGE_MAX];
  uint8_t opcode = 0;
  size_t out_len = 0;

  client->answer = answer;
  client->got_report = FALSE;
  client->busy_wait = 0;
  if (client->pending == NULL)
    g_assert_cmpint(matter_session_table_allocate(&client->sessions, t->now, &client->pending), ==,
                    MATTER_OK);
  g_clear_pointer(&client->initiator, matter_case_initiator_free);
  g_assert_cmpint(matter_case_initiator_new(&client->fabric, NODE_ID, resumption,
                                            client->pending->local_session_id, NULL, NULL,
                                            MATTER_CERT_TIME_UNKNOWN, 0, &client->initiator),
                  ==, MATTER_OK);
  g_assert_cmpint(matter_session_table_new_unsecured(&client->sessions, &node, t->now, &unsecured),
                  ==, MATTER_OK);
  g_assert_cmpint(matter_exchange_new(&client->exchanges, unsecured, &client_handler, client,
                                      &client->exchange),
                  ==, MATTER_OK);
  g_assert_cmpint(matter_case_initiator_start(client->initiator, &opcode, out, sizeof(out),
                                              &out_len),
                  ==, MATTER_OK);
  g_assert_cmpint(matter_exchange_send(client->exchange, MATTER_PROTOCOL_SECURE_CHANNEL, opcode,
                                       out, out_len, MATTER_EXCHANGE_SEND_RELIABLE, t->now),
                  ==, MATTER_OK);
  pump(t);
}

static MatterCaseState
client_state(Client *client)
{
  return matter_case_initiator_get_state(client->initiator);
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
    .passcode = 20202021,
  };
  g_autoptr(GError) error = NULL;
  Test *t = g_new0(Test, 1);

  t->now = 1;
  t->storage = md_test_storage_new();
  t->ca = md_test_ca_new(FABRIC_ID);
  g_queue_init(&t->network);
  put_node_fabric(t);
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
  md_node_free(t->node);
  for (guint i = 0; i < CLIENTS; i++)
    client_clear(&t->clients[i]);
  matter_session_table_clear(&t->sessions);
  md_test_storage_free(t->storage);
  md_test_ca_free(t->ca);
  g_free(t);
}

static const MatterSession *
node_session_of(Test *t, guint64 peer_node_id)
{
  for (gsize i = 0; i < G_N_ELEMENTS(t->secure); i++)
    if (t->secure[i].state == MATTER_SESSION_ACTIVE && t->secure[i].peer_node_id == peer_node_id)
      return &t->secure[i];
  return NULL;
}

/* ---- Tests ---- */

/* A full handshake: a CASE session on fabric 1 with the initiator's node
 * id, and a resumption record with which the next handshake resumes. */
static void
test_establish_and_resume(void)
{
  Test *t = test_new();
  Client *c = &t->clients[0];
  MatterCaseResult result;
  MatterCaseResumption resumption = { 0 };
  const MatterSession *session;

  client_sigma1(t, c, TRUE, NULL);
  g_assert_cmpint(client_state(c), ==, MATTER_CASE_STATE_ESTABLISHED);
  session = node_session_of(t, CLIENT_NODE_ID + 1);
  g_assert_nonnull(session);
  g_assert_cmpint(session->kind, ==, MATTER_SESSION_KIND_CASE);
  g_assert_cmpuint(session->fabric_index, ==, 1);
  g_assert_cmpuint(session->local_node_id, ==, NODE_ID);

  g_assert_cmpint(matter_case_initiator_get_result(c->initiator, &result), ==, MATTER_OK);
  g_assert_true(result.setup.has_resumption);
  memcpy(resumption.resumption_id, result.setup.resumption_id, sizeof(resumption.resumption_id));
  memcpy(resumption.shared_secret, result.setup.shared_secret, sizeof(resumption.shared_secret));
  resumption.fabric_index = 1;
  resumption.peer_node_id = NODE_ID;
  matter_secure_zero(&result, sizeof(result));

  c->pending = NULL;
  client_sigma1(t, c, TRUE, &resumption);
  g_assert_cmpint(client_state(c), ==, MATTER_CASE_STATE_ESTABLISHED);
  g_assert_cmpint(matter_case_initiator_get_result(c->initiator, &result), ==, MATTER_OK);
  g_assert_true(result.resumed);
  matter_secure_zero(&result, sizeof(result));
  matter_secure_zero(&resumption, sizeof(resumption));
  test_free(t);
}

/* Every slot taken by handshakes moving on: BUSY, asking to wait until
 * the first may be replaced; once it stalled, a new Sigma1 takes its slot
 * and completes. */
static void
test_busy_then_stalled_gives_way(void)
{
  Test *t = test_new();
  Client *late = &t->clients[MD_CASE_HANDSHAKES_MAX];

  for (guint i = 0; i < MD_CASE_HANDSHAKES_MAX; i++) {
    client_sigma1(t, &t->clients[i], FALSE, NULL);
    g_assert_false(t->clients[i].got_report);
  }
  client_sigma1(t, late, TRUE, NULL);
  g_assert_true(late->got_report);
  g_assert_true(matter_status_report_is_sc(&late->report, MATTER_STATUS_BUSY,
                                           MATTER_SC_STATUS_BUSY));
  g_assert_cmpuint(late->busy_wait, >, 0);
  g_assert_cmpuint(late->busy_wait, <=, 3000);

  /* Past the stale time, the newcomer takes a stalled handshake's slot. */
  advance_to(t, t->now + 3001);
  late->pending = NULL;
  client_sigma1(t, late, TRUE, NULL);
  g_assert_cmpint(client_state(late), ==, MATTER_CASE_STATE_ESTABLISHED);
  test_free(t);
}

/* A Sigma1 for a fabric the node is not on: NoSharedTrustRoots, and no
 * slot taken. */
static void
test_unknown_fabric(void)
{
  Test *t = test_new();
  Client *c = &t->clients[0];
  g_autoptr(MdTestCa) other = md_test_ca_new(FABRIC_ID);

  memcpy(c->fabric.root_public_key, other->public_key, MATTER_P256_PUBLIC_KEY_LEN);
  g_test_expect_message("matterd", G_LOG_LEVEL_MESSAGE, "CASE failed: *");
  client_sigma1(t, c, TRUE, NULL);
  g_test_assert_expected_messages();
  g_assert_true(c->got_report);
  g_assert_true(matter_status_report_is_sc(&c->report, MATTER_STATUS_FAILURE,
                                           MATTER_SC_STATUS_NO_SHARED_TRUST_ROOTS));
  /* All slots still free: eight handshakes go on at once. */
  for (guint i = 1; i <= MD_CASE_HANDSHAKES_MAX; i++) {
    client_sigma1(t, &t->clients[i], FALSE, NULL);
    g_assert_false(t->clients[i].got_report);
  }
  test_free(t);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/case-server/establish-and-resume", test_establish_and_resume);
  g_test_add_func("/case-server/busy-then-stalled-gives-way", test_busy_then_stalled_gives_way);
  g_test_add_func("/case-server/unknown-fabric", test_unknown_fabric);
  return g_test_run();
}
