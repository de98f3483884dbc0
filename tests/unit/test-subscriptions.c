/* SPDX-License-Identifier: Apache-2.0 */
/* Subscriptions kept across a restart (subscriptions.h): records in the
 * storage fake (kept, removed, bounded, a failing write, a damaged slot, a
 * fabric that goes), and resumption end to end in memory: the node
 * restarts with a fresh engine, establishes CASE as initiator to the
 * subscriber, a controller made of the core's session table, exchange
 * manager and CASE responder on the same fabric, and the controller gets
 * reports with the old subscription id. An unreachable subscriber is
 * tried a bounded number of times, then forgotten. */

#include <glib.h>
#include <string.h>

#include "matter/case.h"
#include "matter/im-engine.h"
#include "matter/securechannel.h"
#include "md-test-ca.h"
#include "md-test-core.h"
#include "md-error.h"
#include "md-test-storage.h"
#include "subscriptions.h"

#define FABRIC_ID UINT64_C(0xFAB1)
#define NODE_ID UINT64_C(0x1111)
#define CONTROLLER_ID UINT64_C(0x2222)
#define SUBSCRIPTION_ID 0x5AB5C
#define MAX_INTERVAL_S 30
#define CONTROLLER_ADDRESS 0xC
#define NODE_ADDRESS 0xA

typedef struct {
  guint64 now;
  MdTestStorage *storage;
  MdTestCa *ca;
  guint8 epoch_key[MATTER_AES128_KEY_LEN];
  GQueue to_node, to_controller; /* GBytes */
  gboolean unreachable;          /* datagrams to the controller are lost */
  /* matterd */
  MatterSession node_secure[4], node_unsecured[4];
  MatterSessionTable node_sessions;
  MatterExchange node_slots[8];
  MatterExchangeManager node_exchanges;
  MdFabricTable *fabrics;
  MatterDmNode dm;
  MatterImEngine *engine;
  MdSubscriptions *subs;
  guint established; /* session_established calls */
  /* the controller */
  MatterSession controller_secure[4], controller_unsecured[4];
  MatterSessionTable controller_sessions;
  MatterExchange controller_slots[8];
  MatterExchangeManager controller_exchanges;
  MatterP256Key *controller_key;
  GBytes *controller_noc;
  MatterCaseResponder *responder;
  MatterSession *controller_pending;
  MatterSession *controller_session;
  guint sigma1_seen;
  gboolean refuse_reports; /* answer them INVALID_SUBSCRIPTION */
  GArray *report_ids; /* guint32: the SubscriptionId of each ReportData */
} Fixture;

/* ---- The in-memory network ---- */

static MatterError
node_send(void *user_data, const MatterSession *session, const uint8_t *msg, size_t len)
{
  Fixture *f = user_data;

  if (!f->unreachable)
    g_queue_push_tail(&f->to_controller, g_bytes_new(msg, len));
  return MATTER_OK;
}

static MatterError
controller_send(void *user_data, const MatterSession *session, const uint8_t *msg, size_t len)
{
  g_queue_push_tail(&((Fixture *) user_data)->to_node, g_bytes_new(msg, len));
  return MATTER_OK;
}

static void
deliver(GQueue *queue, MatterExchangeManager *to, guint8 from, guint64 now)
{
  const MatterPeerAddress peer = { .transport = MATTER_TRANSPORT_UDP, .len = 1, .bytes = { from } };
  GBytes *bytes;

  while ((bytes = g_queue_pop_head(queue)) != NULL) {
    gsize len;
    const void *data = g_bytes_get_data(bytes, &len);
    g_autofree uint8_t *copy = g_memdup2(data, len);

    matter_exchange_manager_receive_raw(to, &peer, copy, len, now);
    g_bytes_unref(bytes);
  }
}

static void
pump(Fixture *f)
{
  while (!g_queue_is_empty(&f->to_node) || !g_queue_is_empty(&f->to_controller)) {
    deliver(&f->to_controller, &f->controller_exchanges, NODE_ADDRESS, f->now);
    deliver(&f->to_node, &f->node_exchanges, CONTROLLER_ADDRESS, f->now);
  }
}

static guint64
next_deadline(Fixture *f)
{
  guint64 at = md_subscriptions_next_deadline(f->subs);

  at = MIN(at, matter_exchange_manager_next_deadline(&f->node_exchanges));
  at = MIN(at, matter_exchange_manager_next_deadline(&f->controller_exchanges));
  return MIN(at, matter_im_engine_next_deadline(f->engine));
}

/* Runs every deadline up to @to, as the daemon's timer would. */
static void
advance(Fixture *f, guint64 to)
{
  guint64 at;

  while ((at = next_deadline(f)) <= to) {
    f->now = MAX(f->now, at);
    md_subscriptions_process(f->subs, f->now);
    matter_exchange_manager_process(&f->node_exchanges, f->now);
    matter_exchange_manager_process(&f->controller_exchanges, f->now);
    matter_im_engine_process(f->engine, f->now);
    pump(f);
  }
  f->now = to;
}

/* ---- The controller: CASE responder and subscriber ---- */

static size_t
controller_fabric_count(void *user_data)
{
  return 1;
}

static MatterError
controller_fabric(void *user_data, size_t index, MatterCaseFabric *out)
{
  Fixture *f = user_data;
  uint8_t compressed[MATTER_CASE_COMPRESSED_FABRIC_ID_LEN];

  *out = (MatterCaseFabric) {
    .fabric_index = 1,
    .fabric_id = FABRIC_ID,
    .node_id = CONTROLLER_ID,
    .operational_key = f->controller_key,
  };
  memcpy(out->root_public_key, f->ca->public_key, sizeof(out->root_public_key));
  out->rcac = g_bytes_get_data(f->ca->rcac, &out->rcac_len);
  out->noc = g_bytes_get_data(f->controller_noc, &out->noc_len);
  g_assert_cmpint(matter_case_compressed_fabric_id(f->ca->public_key, FABRIC_ID, compressed), ==,
                  MATTER_OK);
  return matter_case_operational_ipk(f->epoch_key, compressed, out->ipk);
}

static const MatterExchangeHandler controller_case_handler;

static void
controller_case_step(Fixture *f, MatterExchange *exchange, uint8_t opcode, const uint8_t *payload,
                     size_t len, guint64 now)
{
  guint8 out[MATTER_CASE_MESSAGE_MAX];
  size_t out_len = 0;
  uint8_t out_opcode = 0;
  MatterCaseResult result;

  matter_case_responder_handle(f->responder, opcode, payload, len, &out_opcode, out, sizeof(out),
                               &out_len);
  if (out_len > 0)
    g_assert_cmpint(matter_exchange_send(exchange, MATTER_PROTOCOL_SECURE_CHANNEL, out_opcode, out,
                                         out_len, MATTER_EXCHANGE_SEND_RELIABLE, now),
                    ==, MATTER_OK);
  if (matter_case_responder_get_state(f->responder) != MATTER_CASE_STATE_ESTABLISHED)
    return;
  g_assert_cmpint(matter_case_responder_get_result(f->responder, &result), ==, MATTER_OK);
  result.setup.peer_address = exchange->session->peer_address;
  g_assert_cmpint(matter_session_activate(&f->controller_sessions, f->controller_pending,
                                          &result.setup, now),
                  ==, MATTER_OK);
  f->controller_session = f->controller_pending;
  f->controller_pending = NULL;
  g_clear_pointer(&f->responder, matter_case_responder_free);
  matter_exchange_close(exchange, now);
}

static void
on_controller_case(void *user_data, MatterExchange *exchange, const MatterProtocolHeader *header,
                   const uint8_t *payload, size_t len, uint64_t now)
{
  Fixture *f = user_data;

  controller_case_step(f, exchange, header->opcode, payload, len, now);
}

static const MatterExchangeHandler controller_case_handler = { .on_message = on_controller_case };

/* An unsolicited Sigma1 starts the controller's responder. */
static void
on_controller_sigma1(void *user_data, MatterExchange *exchange, const MatterProtocolHeader *header,
                     const uint8_t *payload, size_t len, uint64_t now)
{
  static const MatterCaseResponderCallbacks callbacks = {
    .fabric_count = controller_fabric_count,
    .get_fabric = controller_fabric,
  };
  MatterCaseResponderCallbacks with_data = callbacks;
  Fixture *f = user_data;

  g_assert_cmphex(header->opcode, ==, MATTER_SC_OPCODE_CASE_SIGMA1);
  g_assert_null(f->responder);
  f->sigma1_seen++;
  with_data.user_data = f;
  g_assert_cmpint(matter_session_table_allocate(&f->controller_sessions, now,
                                                &f->controller_pending),
                  ==, MATTER_OK);
  g_assert_cmpint(matter_case_responder_new(&with_data, f->controller_pending->local_session_id,
                                            NULL, NULL, MATTER_CERT_TIME_UNKNOWN, 0,
                                            &f->responder),
                  ==, MATTER_OK);
  matter_exchange_set_handler(exchange, &controller_case_handler, f);
  controller_case_step(f, exchange, header->opcode, payload, len, now);
}

static const MatterExchangeHandler controller_sc_handler = { .on_message = on_controller_sigma1 };

/* Reports on exchanges the node opens: noted, and acknowledged when they
 * ask for it. */
static void
on_controller_im(void *user_data, MatterExchange *exchange, const MatterProtocolHeader *header,
                 const uint8_t *payload, size_t len, uint64_t now)
{
  Fixture *f = user_data;
  MatterImReportData report;
  guint8 buf[16];
  size_t out_len;

  g_assert_cmphex(header->opcode, ==, MATTER_IM_OPCODE_REPORT_DATA);
  g_assert_cmpint(matter_im_report_data_decode(payload, len, &report), ==, MATTER_OK);
  g_assert_true(report.has_subscription_id);
  g_array_append_val(f->report_ids, report.subscription_id);
  if (report.suppress_response) {
    matter_exchange_close(exchange, now);
    return;
  }
  matter_im_status_response_encode(f->refuse_reports ? MATTER_IM_STATUS_INVALID_SUBSCRIPTION
                                                    : MATTER_IM_STATUS_SUCCESS,
                                   buf, sizeof(buf), &out_len);
  g_assert_cmpint(matter_exchange_send(exchange, MATTER_PROTOCOL_INTERACTION_MODEL,
                                       MATTER_IM_OPCODE_STATUS_RESPONSE, buf, out_len,
                                       MATTER_EXCHANGE_SEND_RELIABLE, now),
                  ==, MATTER_OK);
}

static const MatterExchangeHandler controller_im_handler = { .on_message = on_controller_im };

/* ---- matterd's side ---- */

static void
engine_added(void *user_data, const MatterImSubscriptionRecord *record)
{
  md_subscriptions_added(((Fixture *) user_data)->subs, record);
}

static void
engine_removed(void *user_data, const MatterImSubscriptionRecord *record)
{
  md_subscriptions_removed(((Fixture *) user_data)->subs, record);
}

static void
engine_lost(void *user_data, const MatterImSubscriptionRecord *record, uint64_t now_ms)
{
  md_subscriptions_lost(((Fixture *) user_data)->subs, record, now_ms);
}

static const MatterImEngineOwner engine_owner = {
  .subscription_added = engine_added,
  .subscription_removed = engine_removed,
  .subscription_lost = engine_lost,
};

static void
session_established(gpointer user_data, MatterSession *session)
{
  Fixture *f = user_data;

  g_assert_cmpint(session->kind, ==, MATTER_SESSION_KIND_CASE);
  g_assert_cmphex(session->peer_node_id, ==, CONTROLLER_ID);
  f->established++;
}

static const MdSubscriptionsOwner subscriptions_owner = {
  .session_established = session_established,
};

/* The node as it starts: everything from storage, nothing in memory. */
static void
node_start(Fixture *f)
{
  static const MatterExchangeCallbacks callbacks = { .send = node_send };
  g_autoptr(GError) error = NULL;
  const MdNodeStorage *storage = md_test_storage_get(f->storage);

  memset(f->node_slots, 0, sizeof(f->node_slots));
  g_assert_cmpint(matter_session_table_init(&f->node_sessions, f->node_secure, 4,
                                            f->node_unsecured, 4, NULL),
                  ==, MATTER_OK);
  g_assert_cmpint(matter_exchange_manager_init(&f->node_exchanges, &f->node_sessions,
                                               f->node_slots, 8, &callbacks, f, NULL),
                  ==, MATTER_OK);
  f->fabrics = md_fabric_table_new(storage, 16, &error);
  g_assert_no_error(error);
  f->engine = g_new0(MatterImEngine, 1);
  g_assert_cmpint(matter_im_engine_init(f->engine, &f->node_exchanges, &f->dm, &engine_owner, f),
                  ==, MATTER_OK);
  f->subs = md_subscriptions_new(storage, f->fabrics, &f->node_exchanges, &f->node_sessions,
                                 f->engine, &subscriptions_owner, f, &error);
  g_assert_no_error(error);
  g_assert_nonnull(f->subs);
}

static void
node_stop(Fixture *f)
{
  g_clear_pointer(&f->subs, md_subscriptions_free);
  matter_im_engine_deinit(f->engine);
  g_clear_pointer(&f->engine, g_free);
  g_clear_pointer(&f->fabrics, md_fabric_table_free);
  matter_session_table_clear(&f->node_sessions);
}

static void
node_restart(Fixture *f)
{
  node_stop(f);
  node_start(f);
}

/* Fabric 1 with a real chain: the node's NOC from the test CA. */
static void
store_fabric(Fixture *f)
{
  g_autoptr(GError) error = NULL;
  MatterP256Key *key = NULL;
  guint8 pub[MATTER_P256_PUBLIC_KEY_LEN], priv[MATTER_P256_PRIVATE_KEY_LEN];
  g_autoptr(GBytes) noc = NULL;
  g_autoptr(GBytes) operational_key = NULL;
  g_autoptr(GBytes) ipk = g_bytes_new(f->epoch_key, sizeof(f->epoch_key));
  MdFabricRecord record = { .fabric_index = 1, .fabric_id = FABRIC_ID, .node_id = NODE_ID,
                            .vendor_id = 0xFFF1, .label = (char *) "" };

  g_assert_cmpint(matter_p256_generate(&key), ==, MATTER_OK);
  g_assert_cmpint(matter_p256_export_public(key, pub), ==, MATTER_OK);
  g_assert_cmpint(matter_p256_export_private(key, priv), ==, MATTER_OK);
  matter_p256_free(key);
  noc = md_test_ca_issue_noc(f->ca, pub, NODE_ID, 0, NULL, 0);
  operational_key = md_secret_bytes_new(priv, sizeof(priv));
  matter_secure_zero(priv, sizeof(priv));
  record.rcac = f->ca->rcac;
  record.noc = noc;
  record.operational_key = operational_key;
  record.ipk_epoch_key = ipk;
  g_assert_true(md_node_storage_put_fabric(md_test_storage_get(f->storage), &record, &error));
  g_assert_no_error(error);
}

static void
controller_init(Fixture *f)
{
  static const MatterExchangeCallbacks callbacks = { .send = controller_send };
  guint8 pub[MATTER_P256_PUBLIC_KEY_LEN];

  g_assert_cmpint(matter_session_table_init(&f->controller_sessions, f->controller_secure, 4,
                                            f->controller_unsecured, 4, NULL),
                  ==, MATTER_OK);
  g_assert_cmpint(matter_exchange_manager_init(&f->controller_exchanges, &f->controller_sessions,
                                               f->controller_slots, 8, &callbacks, f, NULL),
                  ==, MATTER_OK);
  matter_exchange_manager_register(&f->controller_exchanges, MATTER_PROTOCOL_SECURE_CHANNEL,
                                   &controller_sc_handler, f);
  matter_exchange_manager_register(&f->controller_exchanges, MATTER_PROTOCOL_INTERACTION_MODEL,
                                   &controller_im_handler, f);
  g_assert_cmpint(matter_p256_generate(&f->controller_key), ==, MATTER_OK);
  g_assert_cmpint(matter_p256_export_public(f->controller_key, pub), ==, MATTER_OK);
  f->controller_noc = md_test_ca_issue_noc(f->ca, pub, CONTROLLER_ID, 0, NULL, 0);
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
  g_queue_init(&f->to_node);
  g_queue_init(&f->to_controller);
  f->now = 1000;
  f->storage = md_test_storage_new();
  f->ca = md_test_ca_new(FABRIC_ID);
  memset(f->epoch_key, 0x5E, sizeof(f->epoch_key));
  f->report_ids = g_array_new(FALSE, FALSE, sizeof(guint32));
  store_fabric(f);
  controller_init(f);
  node_start(f);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
  node_stop(f);
  g_clear_pointer(&f->responder, matter_case_responder_free);
  matter_session_table_clear(&f->controller_sessions);
  matter_p256_free(f->controller_key);
  g_bytes_unref(f->controller_noc);
  g_queue_clear_full(&f->to_node, (GDestroyNotify) g_bytes_unref);
  g_queue_clear_full(&f->to_controller, (GDestroyNotify) g_bytes_unref);
  g_array_unref(f->report_ids);
  md_test_ca_free(f->ca);
  md_test_storage_free(f->storage);
}

/* A subscription the engine would announce for the controller. */
static MatterImSubscriptionRecord
record_of(guint8 fabric_index, guint32 subscription_id)
{
  MatterImSubscriptionRecord record = {
    .fabric_index = fabric_index,
    .peer_node_id = CONTROLLER_ID,
    .subscription_id = subscription_id,
    .min_interval_s = 0,
    .max_interval_s = MAX_INTERVAL_S,
    .peer_address = { .transport = MATTER_TRANSPORT_UDP, .len = 1, .bytes = { CONTROLLER_ADDRESS } },
  };

  record.paths.has_attribute_requests = true;
  record.paths.attribute_path_count = 1;
  record.paths.attribute_paths[0] = (MatterImAttributePath) {
    .has_endpoint = true, .endpoint = 1, .has_cluster = true, .cluster = 6,
    .has_attribute = true, .attribute = 0 };
  return record;
}

/* ---- Records ---- */

static void
test_kept(Fixture *f, gconstpointer data)
{
  MatterImSubscriptionRecord record = record_of(1, SUBSCRIPTION_ID), loaded;

  md_subscriptions_added(f->subs, &record);
  g_assert_true(md_test_storage_has(f->storage, "subscriptions/0"));
  node_restart(f);
  g_assert_cmpuint(md_subscriptions_count(f->subs, 0), ==, 1);
  g_assert_true(md_subscriptions_nth(f->subs, 0, &loaded));
  g_assert_cmphex(loaded.subscription_id, ==, SUBSCRIPTION_ID);
  g_assert_cmpuint(loaded.fabric_index, ==, 1);
  g_assert_cmphex(loaded.peer_node_id, ==, CONTROLLER_ID);
  g_assert_cmpuint(loaded.max_interval_s, ==, MAX_INTERVAL_S);
  g_assert_cmpuint(loaded.peer_address.len, ==, 1);
  g_assert_cmpuint(loaded.peer_address.bytes[0], ==, CONTROLLER_ADDRESS);
  g_assert_cmpuint(loaded.paths.attribute_path_count, ==, 1);
  g_assert_cmpuint(loaded.paths.attribute_paths[0].cluster, ==, 6);
  g_assert_false(md_subscriptions_nth(f->subs, 1, &loaded));

  /* Announced again (the same id): in place. */
  record.max_interval_s = 60;
  md_subscriptions_added(f->subs, &record);
  g_assert_cmpuint(md_subscriptions_count(f->subs, 0), ==, 1);

  md_subscriptions_removed(f->subs, &record);
  g_assert_cmpuint(md_subscriptions_count(f->subs, 0), ==, 0);
  node_restart(f);
  g_assert_cmpuint(md_subscriptions_count(f->subs, 0), ==, 0);
  /* Nothing to resume. */
  md_subscriptions_start(f->subs, f->now);
  g_assert_cmpuint(md_subscriptions_count_pending(f->subs), ==, 0);
  g_assert_cmpuint(md_subscriptions_next_deadline(f->subs), ==, G_MAXUINT64);
}

static void
test_write_fails(Fixture *f, gconstpointer data)
{
  MatterImSubscriptionRecord record = record_of(1, SUBSCRIPTION_ID);

  md_test_storage_fail_at(f->storage, 1);
  g_test_expect_message("matterd", G_LOG_LEVEL_WARNING, "Cannot keep subscription 0x0005AB5C*");
  md_subscriptions_added(f->subs, &record);
  g_test_assert_expected_messages();
  g_assert_cmpuint(md_subscriptions_count(f->subs, 0), ==, 0);

  /* A removal that cannot be written keeps the record where it is, in
   * memory as in storage. */
  md_subscriptions_added(f->subs, &record);
  md_test_storage_fail_at(f->storage, 1);
  g_test_expect_message("matterd", G_LOG_LEVEL_WARNING, "Cannot forget subscription 0x0005AB5C*");
  md_subscriptions_removed(f->subs, &record);
  g_test_assert_expected_messages();
  g_assert_cmpuint(md_subscriptions_count(f->subs, 0), ==, 1);
  node_restart(f);
  g_assert_cmpuint(md_subscriptions_count(f->subs, 0), ==, 1);
}

static void
test_bounded(Fixture *f, gconstpointer data)
{
  MatterImSubscriptionRecord record;

  for (guint32 i = 1; i <= MD_SUBSCRIPTIONS_MAX; i++) {
    record = record_of(1, i);
    md_subscriptions_added(f->subs, &record);
  }
  g_assert_cmpuint(md_subscriptions_count(f->subs, 1), ==, MD_SUBSCRIPTIONS_MAX);
  record = record_of(1, MD_SUBSCRIPTIONS_MAX + 1);
  g_test_expect_message("matterd", G_LOG_LEVEL_WARNING, "No room to keep subscription*");
  md_subscriptions_added(f->subs, &record);
  g_test_assert_expected_messages();
  g_assert_cmpuint(md_subscriptions_count(f->subs, 1), ==, MD_SUBSCRIPTIONS_MAX);
  node_restart(f);
  g_assert_cmpuint(md_subscriptions_count(f->subs, 1), ==, MD_SUBSCRIPTIONS_MAX);
  /* One subscriber: one handshake for all of them. */
  md_subscriptions_start(f->subs, f->now);
  g_assert_cmpuint(md_subscriptions_count_pending(f->subs), ==, 1);
}

static void
test_forget_fabric(Fixture *f, gconstpointer data)
{
  MatterImSubscriptionRecord one = record_of(1, 1), two = record_of(2, 2);

  md_subscriptions_added(f->subs, &one);
  md_subscriptions_added(f->subs, &two);
  md_subscriptions_start(f->subs, f->now);
  g_assert_cmpuint(md_subscriptions_count_pending(f->subs), ==, 2);
  md_subscriptions_forget_fabric(f->subs, 2);
  g_assert_cmpuint(md_subscriptions_count(f->subs, 2), ==, 0);
  g_assert_cmpuint(md_subscriptions_count(f->subs, 1), ==, 1);
  g_assert_cmpuint(md_subscriptions_count_pending(f->subs), ==, 1);
  node_restart(f);
  g_assert_cmpuint(md_subscriptions_count(f->subs, 2), ==, 0);
  g_assert_cmpuint(md_subscriptions_count(f->subs, 1), ==, 1);
}

/* A slot that does not decode is dropped at load; the others stay. */
static void
test_damaged(Fixture *f, gconstpointer data)
{
  static const guint8 garbage[] = { 0x15, 0x24, 0x00, 0x01 };
  g_autoptr(GBytes) value = g_bytes_new_static(garbage, sizeof(garbage));
  MatterImSubscriptionRecord record = record_of(1, SUBSCRIPTION_ID);

  md_subscriptions_added(f->subs, &record);
  g_assert_true(md_node_storage_put_bytes(md_test_storage_get(f->storage), "subscriptions/7",
                                          value, NULL));
  node_restart(f);
  g_assert_cmpuint(md_subscriptions_count(f->subs, 0), ==, 1);

  /* Storage that cannot be read fails the start. */
  {
    g_autoptr(GError) error = NULL;
    MdSubscriptions *none;

    md_test_storage_fail_at(f->storage, 1);
    none = md_subscriptions_new(md_test_storage_get(f->storage), f->fabrics, &f->node_exchanges,
                                &f->node_sessions, f->engine, NULL, NULL, &error);
    g_assert_null(none);
    g_assert_error(error, MD_ERROR, MD_ERROR_STORE);
  }
}

/* ---- Resumption ---- */

/* The node restarts, reaches the controller over CASE and resumes the
 * subscription with its old id; reports go on from there. */
static void
test_resume(Fixture *f, gconstpointer data)
{
  MatterImSubscriptionRecord record = record_of(1, SUBSCRIPTION_ID);
  guint64 resumed_at;

  md_subscriptions_added(f->subs, &record);
  node_restart(f);
  g_assert_cmpuint(matter_im_engine_count_subscriptions(f->engine), ==, 0);

  md_subscriptions_start(f->subs, f->now);
  g_assert_cmpuint(md_subscriptions_next_deadline(f->subs), ==, f->now);
  advance(f, f->now);
  g_assert_cmpuint(f->sigma1_seen, ==, 1);
  g_assert_nonnull(f->controller_session);
  g_assert_cmpuint(f->controller_session->fabric_index, ==, 1);
  g_assert_cmphex(f->controller_session->peer_node_id, ==, NODE_ID);
  g_assert_cmpuint(f->established, ==, 1);
  g_assert_cmpuint(md_subscriptions_count_pending(f->subs), ==, 0);
  g_assert_cmpuint(matter_im_engine_count_subscriptions(f->engine), ==, 1);
  /* The priming report, with the old id. */
  g_assert_cmpuint(f->report_ids->len, ==, 1);
  g_assert_cmphex(g_array_index(f->report_ids, guint32, 0), ==, SUBSCRIPTION_ID);
  /* Still kept, for the next restart. */
  g_assert_cmpuint(md_subscriptions_count(f->subs, 1), ==, 1);

  /* A keep-alive at the max interval. */
  resumed_at = f->now;
  advance(f, resumed_at + MAX_INTERVAL_S * 1000 - 1);
  g_assert_cmpuint(f->report_ids->len, ==, 1);
  advance(f, resumed_at + MAX_INTERVAL_S * 1000);
  g_assert_cmpuint(f->report_ids->len, ==, 2);
  g_assert_cmphex(g_array_index(f->report_ids, guint32, 1), ==, SUBSCRIPTION_ID);

  /* The session goes without the subscriber ending anything: the
   * subscription is lost at its next report, kept, and resumed over a new
   * handshake. */
  for (gsize i = 0; i < G_N_ELEMENTS(f->node_secure); i++)
    if (f->node_secure[i].state == MATTER_SESSION_ACTIVE)
      matter_exchange_manager_remove_session(&f->node_exchanges, &f->node_secure[i], f->now);
  advance(f, f->now + MAX_INTERVAL_S * 1000);
  g_assert_cmpuint(matter_im_engine_count_subscriptions(f->engine), ==, 0);
  g_assert_cmpuint(md_subscriptions_count(f->subs, 1), ==, 1);
  g_assert_cmpuint(md_subscriptions_count_pending(f->subs), ==, 1);
  advance(f, f->now + MD_SUBSCRIPTIONS_RETRY_MS);
  g_assert_cmpuint(f->sigma1_seen, ==, 2);
  g_assert_cmpuint(f->established, ==, 2);
  g_assert_cmpuint(matter_im_engine_count_subscriptions(f->engine), ==, 1);
  g_assert_cmpuint(f->report_ids->len, ==, 3);
  g_assert_cmphex(g_array_index(f->report_ids, guint32, 2), ==, SUBSCRIPTION_ID);

  /* Lost once more, and this time the subscriber refuses the resumed
   * report (it forgot the subscription): over, and not kept any more. */
  f->refuse_reports = TRUE;
  for (gsize i = 0; i < G_N_ELEMENTS(f->node_secure); i++)
    if (f->node_secure[i].state == MATTER_SESSION_ACTIVE)
      matter_exchange_manager_remove_session(&f->node_exchanges, &f->node_secure[i], f->now);
  advance(f, f->now + MAX_INTERVAL_S * 1000 + MD_SUBSCRIPTIONS_RETRY_MS);
  g_assert_cmpuint(f->sigma1_seen, ==, 3);
  g_assert_cmpuint(f->report_ids->len, ==, 4);
  g_assert_cmpuint(matter_im_engine_count_subscriptions(f->engine), ==, 0);
  g_assert_cmpuint(md_subscriptions_count(f->subs, 0), ==, 0);
  g_assert_cmpuint(md_subscriptions_count_pending(f->subs), ==, 0);
  node_restart(f);
  g_assert_cmpuint(md_subscriptions_count(f->subs, 0), ==, 0);
}

/* A subscriber that never answers is tried MD_SUBSCRIPTIONS_ATTEMPTS
 * times with a growing delay, then its subscriptions are forgotten. */
static void
test_unreachable(Fixture *f, gconstpointer data)
{
  MatterImSubscriptionRecord record = record_of(1, SUBSCRIPTION_ID);
  guint64 start;

  md_subscriptions_added(f->subs, &record);
  node_restart(f);
  f->unreachable = TRUE;
  start = f->now;
  md_subscriptions_start(f->subs, start);
  /* Long enough for every attempt and its backoff. */
  for (guint i = 0; i < 1000 && md_subscriptions_count_pending(f->subs) > 0; i++)
    advance(f, f->now + 1000);
  g_assert_cmpuint(md_subscriptions_count_pending(f->subs), ==, 0);
  g_assert_cmpuint(md_subscriptions_count(f->subs, 0), ==, 0);
  g_assert_cmpuint(f->established, ==, 0);
  /* At least the backoffs between the attempts: 5 + 10 + 20 + 40 s. */
  g_assert_cmpuint(f->now - start, >=, 75 * 1000);
  /* Nothing is left of the handshakes. */
  g_assert_cmpuint(matter_session_table_count(&f->node_sessions), ==, 0);
  node_restart(f);
  g_assert_cmpuint(md_subscriptions_count(f->subs, 0), ==, 0);
}

/* A lost subscription is kept and its subscriber due after the retry
 * delay; one lost too often is dropped. */
static void
test_lost(Fixture *f, gconstpointer data)
{
  MatterImSubscriptionRecord record = record_of(1, SUBSCRIPTION_ID);

  md_subscriptions_added(f->subs, &record);
  {
    /* Another subscription, and the same id of another subscriber: not
     * this one. */
    MatterImSubscriptionRecord other = record_of(1, SUBSCRIPTION_ID + 1);

    md_subscriptions_lost(f->subs, &other, f->now);
    other = record;
    other.peer_node_id = NODE_ID;
    md_subscriptions_lost(f->subs, &other, f->now);
    md_subscriptions_removed(f->subs, &other);
    g_assert_cmpuint(md_subscriptions_count(f->subs, 1), ==, 1);
    g_assert_cmpuint(md_subscriptions_count_pending(f->subs), ==, 0);
  }
  for (guint i = 0; i < MD_SUBSCRIPTIONS_ATTEMPTS; i++)
    md_subscriptions_lost(f->subs, &record, f->now);
  g_assert_cmpuint(md_subscriptions_count(f->subs, 1), ==, 1);
  g_assert_cmpuint(md_subscriptions_count_pending(f->subs), ==, 1);
  g_assert_cmpuint(md_subscriptions_next_deadline(f->subs), ==,
                   f->now + MD_SUBSCRIPTIONS_RETRY_MS);
  md_subscriptions_lost(f->subs, &record, f->now);
  g_assert_cmpuint(md_subscriptions_count(f->subs, 0), ==, 0);
  /* Nothing left to resume: no handshake. */
  advance(f, f->now + MD_SUBSCRIPTIONS_RETRY_MS);
  g_assert_cmpuint(md_subscriptions_count_pending(f->subs), ==, 0);
  g_assert_cmpuint(f->sigma1_seen, ==, 0);
  node_restart(f);
  g_assert_cmpuint(md_subscriptions_count(f->subs, 0), ==, 0);

  /* Announced anew, it starts counting again. */
  md_subscriptions_added(f->subs, &record);
  md_subscriptions_lost(f->subs, &record, f->now);
  g_assert_cmpuint(md_subscriptions_count(f->subs, 1), ==, 1);
}

/* A record of a fabric the node no longer has is dropped. */
static void
test_fabric_gone(Fixture *f, gconstpointer data)
{
  MatterImSubscriptionRecord record = record_of(3, SUBSCRIPTION_ID);

  md_subscriptions_added(f->subs, &record);
  md_subscriptions_start(f->subs, f->now);
  advance(f, f->now);
  g_assert_cmpuint(md_subscriptions_count(f->subs, 0), ==, 0);
  g_assert_cmpuint(md_subscriptions_count_pending(f->subs), ==, 0);
  g_assert_cmpuint(f->sigma1_seen, ==, 0);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD("/subscriptions/kept", test_kept);
  ADD("/subscriptions/write-fails", test_write_fails);
  ADD("/subscriptions/bounded", test_bounded);
  ADD("/subscriptions/forget-fabric", test_forget_fabric);
  ADD("/subscriptions/damaged", test_damaged);
  ADD("/subscriptions/resume", test_resume);
  ADD("/subscriptions/unreachable", test_unreachable);
  ADD("/subscriptions/lost", test_lost);
  ADD("/subscriptions/fabric-gone", test_fabric_gone);
#undef ADD
  return g_test_run();
}
