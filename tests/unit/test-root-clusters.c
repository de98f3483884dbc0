/* SPDX-License-Identifier: Apache-2.0 */
/* The root endpoint's commissioning clusters, invoked as the engine would
 * once access was granted, on a real node (in-memory storage, no
 * sockets). The engine's own checks (ACL, timed, fabric-scoped) have their
 * tests in test-im-engine; these pin down what the clusters decide: the
 * fail-safe's owner, CommissioningComplete's conditions, what an expiry or
 * a completion does to the window and the PASE sessions, and
 * OpenCommissioningWindow's parameter checks. The CASE sessions here are
 * made up, as CASE itself comes later. */

#include <glib.h>
#include <string.h>

#include "commissioning.h"
#include "pase-server.h"
#include "matter/im.h"
#include "md-test-core.h"
#include "md-test-storage.h"

#define CLUSTER_BASIC_INFORMATION 0x0028
#define CLUSTER_GENERAL_COMMISSIONING 0x0030
#define CLUSTER_ADMIN_COMMISSIONING 0x003C
#define CMD_ARM_FAIL_SAFE 0x00
#define CMD_COMMISSIONING_COMPLETE 0x04
#define CMD_OPEN_COMMISSIONING_WINDOW 0x00
#define CMD_REVOKE_COMMISSIONING 0x02
#define CMD_SET_REGULATORY_CONFIG 0x02
#define ATTR_REGULATORY_CONFIG 0x0002
#define ATTR_NODE_LABEL 0x0005
#define KEY_REGULATORY_CONFIG "general-commissioning/regulatory-config"
#define KEY_NODE_LABEL "basic-information/node-label"

enum { OK = 0, INVALID_AUTHENTICATION = 2, NO_FAIL_SAFE = 3, BUSY_WITH_OTHER_ADMIN = 4 };
enum { ADMIN_BUSY = 2, ADMIN_PAKE_PARAMETER_ERROR = 3, ADMIN_WINDOW_NOT_OPEN = 4 };

typedef struct {
  guint64 now;
  MdTestStorage *storage;
  MatterSession secure[MD_NODE_HANDSHAKES_MAX + 4];
  MatterSession unsecured[2];
  MatterSessionTable sessions;
  MatterExchange slots[8];
  MatterExchangeManager exchanges;
  MdNode *node;
  MatterSession *pase;
  MatterSession *case1; /* fabric 1 */
  MatterSession *case2; /* fabric 2 */
  guint32 counter;      /* of the messages delivered to the node */
} Test;

static MatterError
discard(void *user_data, const MatterSession *session, const uint8_t *msg, size_t len)
{
  return MATTER_OK;
}

static MatterSession *
make_session(Test *t, MatterSessionKind kind, guint8 fabric_index)
{
  MatterSessionSetup setup = {
    .kind = kind,
    .role = MATTER_SESSION_ROLE_RESPONDER,
    .peer_session_id = 100,
    .fabric_index = fabric_index,
    .peer_node_id = kind == MATTER_SESSION_KIND_CASE ? 0x1000 + fabric_index : 0,
    .peer_address = { .transport = MATTER_TRANSPORT_UDP, .len = 1 },
  };
  MatterSession *session = NULL;

  g_assert_cmpint(matter_session_table_allocate(&t->sessions, t->now, &session), ==, MATTER_OK);
  g_assert_cmpint(matter_session_activate(&t->sessions, session, &setup, t->now), ==, MATTER_OK);
  return session;
}

static Test *
test_new(void)
{
  static const MatterExchangeCallbacks callbacks = { .send = discard };
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

  t->now = 1000;
  t->storage = md_test_storage_new();
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
  t->pase = make_session(t, MATTER_SESSION_KIND_PASE, 0);
  t->case1 = make_session(t, MATTER_SESSION_KIND_CASE, 1);
  t->case2 = make_session(t, MATTER_SESSION_KIND_CASE, 2);
  return t;
}

static void
test_free(Test *t)
{
  md_node_free(t->node);
  matter_session_table_clear(&t->sessions);
  md_test_storage_free(t->storage);
  g_free(t);
}

/* What an invoke answered: a status (with the cluster's own code) or the
 * ErrorCode [0] of its response. */
typedef struct {
  guint8 status;
  guint8 cluster_status;
  gboolean has_response;
  guint8 error_code;
} Answer;

static Answer
invoke(Test *t, MatterSession *session, guint32 cluster_id, guint32 command,
       const guint8 *fields, gsize fields_len)
{
  MatterDmCluster *cluster = matter_dm_find_cluster(md_node_get_dm(t->node), 0, cluster_id);
  MatterAclSubject subject = {
    .auth_mode = session->kind == MATTER_SESSION_KIND_CASE ? MATTER_ACL_AUTH_CASE
                                                            : MATTER_ACL_AUTH_PASE,
    .fabric_index = session->fabric_index,
  };
  MatterDmRequest request = {
    .session = session,
    .subject = &subject,
    .timed = TRUE,
    .now_ms = t->now,
  };
  guint8 out[256];
  MatterTlvWriter w;
  MatterTlvReader reader, *fields_reader = NULL;
  MatterDmInvokeResult result;
  Answer answer = { 0 };

  g_assert_nonnull(cluster);
  if (fields != NULL) {
    matter_tlv_reader_init(&reader, fields, fields_len);
    g_assert_cmpint(matter_tlv_next(&reader), ==, MATTER_OK);
    g_assert_cmpint(matter_tlv_enter(&reader), ==, MATTER_OK);
    fields_reader = &reader;
  }
  matter_tlv_writer_init(&w, out, sizeof(out));
  result = cluster->cls->invoke(cluster, &request, command, fields_reader, &w,
                                matter_tlv_tag_anonymous());
  answer.status = result.status;
  answer.cluster_status = result.has_cluster_status ? result.cluster_status : 0;
  answer.has_response = result.has_response;
  if (result.has_response) {
    size_t len;

    g_assert_cmpint(matter_tlv_writer_finish(&w, &len), ==, MATTER_OK);
    matter_tlv_reader_init(&reader, out, len);
    g_assert_cmpint(matter_tlv_next(&reader), ==, MATTER_OK);
    g_assert_cmpint(matter_tlv_enter(&reader), ==, MATTER_OK);
    g_assert_cmpint(matter_tlv_get_context_u8(&reader, 0, &answer.error_code), ==, MATTER_OK);
  }
  return answer;
}

static Answer
arm(Test *t, MatterSession *session, guint16 seconds, guint64 breadcrumb)
{
  guint8 fields[MD_TEST_FIELDS_MAX];
  gsize len = md_test_arm_fail_safe_fields(fields, seconds, breadcrumb);

  return invoke(t, session, CLUSTER_GENERAL_COMMISSIONING, CMD_ARM_FAIL_SAFE, fields, len);
}

static Answer
complete(Test *t, MatterSession *session)
{
  return invoke(t, session, CLUSTER_GENERAL_COMMISSIONING, CMD_COMMISSIONING_COMPLETE, NULL, 0);
}

static void
assert_code(Answer answer, guint8 code)
{
  g_assert_cmpuint(answer.status, ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_true(answer.has_response);
  g_assert_cmpuint(answer.error_code, ==, code);
}

static MdWindowKind
window(Test *t)
{
  return md_commissioning_get_window(md_node_get_commissioning(t->node));
}

static void
run_until(Test *t, guint64 when)
{
  while (t->now < when) {
    t->now = MIN(when, MAX(t->now + 1, md_node_next_deadline(t->node)));
    md_node_process(t->node, t->now);
  }
}

/* The fail-safe belongs to whoever armed it; a CASE administrator cannot
 * take it while the window is open for a commissioner. */
static void
test_fail_safe_owner(void)
{
  Test *t = test_new();

  g_assert_cmpint(window(t), ==, MD_WINDOW_BASIC);
  assert_code(arm(t, t->case1, 60, 0), BUSY_WITH_OTHER_ADMIN);
  assert_code(arm(t, t->pase, 60, 5), OK);
  assert_code(arm(t, t->case1, 60, 0), BUSY_WITH_OTHER_ADMIN);
  /* Re-arming by the same (no) fabric extends it. */
  assert_code(arm(t, t->pase, 120, 6), OK);
  md_commissioning_close(md_node_get_commissioning(t->node), "test");
  /* Disarmed by expiry, the window closed: a CASE administrator may arm. */
  run_until(t, t->now + 121 * 1000);
  g_assert_cmpuint(matter_session_table_count(&t->sessions), ==, 2); /* the PASE one went */
  assert_code(arm(t, t->case1, 60, 0), OK);
  assert_code(arm(t, t->case2, 60, 0), BUSY_WITH_OTHER_ADMIN);
  test_free(t);
}

/* 11.10.7.6: an armed fail-safe, CASE, and the fabric that armed it. */
static void
test_commissioning_complete_conditions(void)
{
  Test *t = test_new();

  assert_code(complete(t, t->case1), NO_FAIL_SAFE);
  assert_code(arm(t, t->pase, 60, 1), OK);
  assert_code(complete(t, t->pase), INVALID_AUTHENTICATION);
  assert_code(complete(t, t->case1), INVALID_AUTHENTICATION);
  test_free(t);
}

/* Completion disarms the fail-safe, closes the window and the PASE
 * sessions; nothing then expires. */
static void
test_commissioning_complete(void)
{
  Test *t = test_new();
  MatterDmCluster *gc = matter_dm_find_cluster(md_node_get_dm(t->node), 0,
                                               CLUSTER_GENERAL_COMMISSIONING);
  guint32 version;

  md_commissioning_close(md_node_get_commissioning(t->node), "test");
  assert_code(arm(t, t->case1, 60, 9), OK);
  version = gc->data_version;
  assert_code(complete(t, t->case1), OK);
  /* The Breadcrumb went back to 0: a change a subscriber sees. */
  g_assert_cmpuint(gc->data_version, !=, version);
  g_assert_cmpint(window(t), ==, MD_WINDOW_CLOSED);
  g_assert_cmpuint(matter_session_table_count(&t->sessions), ==, 2);
  assert_code(complete(t, t->case1), NO_FAIL_SAFE);
  /* Nothing is due but General Diagnostics' hourly operational-hours save
   * (the node started at 1000 ms). */
  g_assert_cmpuint(md_node_next_deadline(t->node), ==, 1000 + 3600 * 1000);
  test_free(t);
}

static Answer
open_window(Test *t, MatterSession *session, guint16 timeout, const guint8 *verifier,
            gsize verifier_len, guint16 discriminator, guint32 iterations, gsize salt_len)
{
  static const guint8 salt[40] = "0123456789abcdef0123456789abcdef01234567";
  guint8 fields[256];
  MatterTlvWriter w;
  gsize len;

  matter_tlv_writer_init(&w, fields, sizeof(fields));
  matter_tlv_start_structure(&w, matter_tlv_tag_anonymous());
  matter_tlv_put_uint(&w, matter_tlv_tag_context(0), timeout);
  matter_tlv_put_bytes(&w, matter_tlv_tag_context(1), verifier, verifier_len);
  matter_tlv_put_uint(&w, matter_tlv_tag_context(2), discriminator);
  matter_tlv_put_uint(&w, matter_tlv_tag_context(3), iterations);
  matter_tlv_put_bytes(&w, matter_tlv_tag_context(4), salt, salt_len);
  matter_tlv_end_container(&w);
  g_assert_cmpint(matter_tlv_writer_finish(&w, &len), ==, MATTER_OK);
  return invoke(t, session, CLUSTER_ADMIN_COMMISSIONING, CMD_OPEN_COMMISSIONING_WINDOW, fields,
                len);
}

static void
assert_status(Answer answer, guint8 status, guint8 cluster_status)
{
  g_assert_false(answer.has_response);
  g_assert_cmpuint(answer.status, ==, status);
  g_assert_cmpuint(answer.cluster_status, ==, cluster_status);
}

/* Each parameter of OpenCommissioningWindow is checked, with the status
 * 11.19.8.1 names; a valid request opens an enhanced window for the
 * fabric that asked. */
static void
test_open_commissioning_window(void)
{
  Test *t = test_new();
  guint8 verifier[MATTER_SPAKE2P_W_LEN + MATTER_SPAKE2P_POINT_LEN];
  guint8 bad_point[sizeof(verifier)];
  static const guint8 salt[16] = "0123456789abcdef";
  MdCommissioning *commissioning = md_node_get_commissioning(t->node);

  g_assert_cmpint(matter_payload_compute_verifier(34567890, salt, sizeof(salt), 1000, verifier,
                                                  verifier + MATTER_SPAKE2P_W_LEN),
                  ==, MATTER_OK);
  memcpy(bad_point, verifier, sizeof(verifier));
  bad_point[sizeof(bad_point) - 1] ^= 1; /* L off the curve */

  /* The basic window is open: busy. */
  assert_status(open_window(t, t->case1, 300, verifier, sizeof(verifier), 77, 1000, 16),
                MATTER_IM_STATUS_FAILURE, ADMIN_BUSY);
  md_commissioning_close(commissioning, "test");
  assert_status(open_window(t, t->case1, 300, verifier, sizeof(verifier), 77, 999, 16),
                MATTER_IM_STATUS_FAILURE, ADMIN_PAKE_PARAMETER_ERROR);
  assert_status(open_window(t, t->case1, 300, verifier, sizeof(verifier), 77, 100001, 16),
                MATTER_IM_STATUS_FAILURE, ADMIN_PAKE_PARAMETER_ERROR);
  assert_status(open_window(t, t->case1, 300, verifier, sizeof(verifier), 77, 1000, 15),
                MATTER_IM_STATUS_FAILURE, ADMIN_PAKE_PARAMETER_ERROR);
  assert_status(open_window(t, t->case1, 300, verifier, sizeof(verifier), 77, 1000, 33),
                MATTER_IM_STATUS_FAILURE, ADMIN_PAKE_PARAMETER_ERROR);
  assert_status(open_window(t, t->case1, 300, verifier, sizeof(verifier) - 1, 77, 1000, 16),
                MATTER_IM_STATUS_FAILURE, ADMIN_PAKE_PARAMETER_ERROR);
  assert_status(open_window(t, t->case1, 300, bad_point, sizeof(bad_point), 77, 1000, 16),
                MATTER_IM_STATUS_FAILURE, ADMIN_PAKE_PARAMETER_ERROR);
  assert_status(open_window(t, t->case1, 300, verifier, sizeof(verifier), 4096, 1000, 16),
                MATTER_IM_STATUS_INVALID_COMMAND, 0);
  assert_status(open_window(t, t->case1, 179, verifier, sizeof(verifier), 77, 1000, 16),
                MATTER_IM_STATUS_INVALID_COMMAND, 0);
  assert_status(open_window(t, t->case1, 901, verifier, sizeof(verifier), 77, 1000, 16),
                MATTER_IM_STATUS_INVALID_COMMAND, 0);
  g_assert_cmpint(window(t), ==, MD_WINDOW_CLOSED);

  assert_status(open_window(t, t->case1, 300, verifier, sizeof(verifier), 77, 1000, 16),
                MATTER_IM_STATUS_SUCCESS, 0);
  g_assert_cmpint(window(t), ==, MD_WINDOW_ENHANCED);
  g_assert_cmpuint(md_commissioning_get_opener(commissioning), ==, 1);
  g_assert_cmpmem(md_commissioning_get_verifier(commissioning)->L, MATTER_SPAKE2P_POINT_LEN,
                  verifier + MATTER_SPAKE2P_W_LEN, MATTER_SPAKE2P_POINT_LEN);
  /* It closes after its 300 s. */
  run_until(t, t->now + 300 * 1000);
  g_assert_cmpint(window(t), ==, MD_WINDOW_CLOSED);
  test_free(t);
}

/* RevokeCommissioning expires the fail-safe (the PASE session goes, after
 * the answer) and closes the window; with no window it says so. */
static void
test_revoke_commissioning(void)
{
  Test *t = test_new();

  assert_code(arm(t, t->pase, 60, 3), OK);
  assert_status(invoke(t, t->case1, CLUSTER_ADMIN_COMMISSIONING, CMD_REVOKE_COMMISSIONING, NULL,
                       0),
                MATTER_IM_STATUS_SUCCESS, 0);
  g_assert_cmpint(window(t), ==, MD_WINDOW_CLOSED);
  g_assert_cmpuint(matter_session_table_count(&t->sessions), ==, 3);
  run_until(t, t->now + 1);
  g_assert_cmpuint(matter_session_table_count(&t->sessions), ==, 2);
  assert_status(invoke(t, t->case1, CLUSTER_ADMIN_COMMISSIONING, CMD_REVOKE_COMMISSIONING, NULL,
                       0),
                MATTER_IM_STATUS_FAILURE, ADMIN_WINDOW_NOT_OPEN);
  test_free(t);
}

static Answer
set_regulatory_config(Test *t, guint8 config, const char *country)
{
  guint8 fields[MD_TEST_FIELDS_MAX];
  gsize len = md_test_set_regulatory_config_fields(fields, config, country, 0);

  return invoke(t, t->pase, CLUSTER_GENERAL_COMMISSIONING, CMD_SET_REGULATORY_CONFIG, fields,
                len);
}

static guint64
read_uint(Test *t, guint32 cluster_id, guint32 attribute)
{
  MatterDmCluster *cluster = matter_dm_find_cluster(md_node_get_dm(t->node), 0, cluster_id);
  MatterAclSubject subject = { .auth_mode = MATTER_ACL_AUTH_PASE };
  MatterDmRequest request = { .session = t->pase, .subject = &subject, .now_ms = t->now };
  guint8 out[16];
  MatterTlvWriter w;
  MatterTlvReader r;
  guint64 value;
  size_t len;

  matter_tlv_writer_init(&w, out, sizeof(out));
  g_assert_cmpuint(cluster->cls->read(cluster, &request, attribute, &w, matter_tlv_tag_anonymous()),
                   ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpint(matter_tlv_writer_finish(&w, &len), ==, MATTER_OK);
  matter_tlv_reader_init(&r, out, len);
  g_assert_cmpint(matter_tlv_next(&r), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_get_u64(&r, &value), ==, MATTER_OK);
  return value;
}

/* Whichever storage call fails, SetRegulatoryConfig answers FAILURE and
 * changes nothing, in memory or in the store. */
static void
test_regulatory_config_storage_failure(void)
{
  Test *t = test_new();

  for (guint n = 1; n <= 4; n++) {
    g_test_message("storage call %u fails", n);
    md_test_storage_fail_at(t->storage, n);
    g_test_expect_message("matterd", G_LOG_LEVEL_WARNING,
                          "Cannot store the regulatory configuration: *");
    assert_status(set_regulatory_config(t, 1, "DE"), MATTER_IM_STATUS_FAILURE, 0);
    g_test_assert_expected_messages();
    g_assert_false(md_test_storage_in_transaction(t->storage));
    g_assert_false(md_test_storage_has(t->storage, KEY_REGULATORY_CONFIG));
    g_assert_cmpuint(read_uint(t, CLUSTER_GENERAL_COMMISSIONING, ATTR_REGULATORY_CONFIG), ==, 2);
  }
  md_test_storage_fail_at(t->storage, 0);
  assert_code(set_regulatory_config(t, 1, "DE"), OK);
  g_assert_cmpuint(md_test_storage_uint64(t->storage, KEY_REGULATORY_CONFIG), ==, 1);
  g_assert_cmpuint(read_uint(t, CLUSTER_GENERAL_COMMISSIONING, ATTR_REGULATORY_CONFIG), ==, 1);
  test_free(t);
}

/* A WriteRequest of NodeLabel on the PASE session, handed to the node's
 * engine as the message layer hands it a decrypted message. */
static void
write_node_label(Test *t, const char *label)
{
  MatterImAttributeData write = {
    .path = { .has_endpoint = TRUE, .endpoint = 0, .has_cluster = TRUE,
              .cluster = CLUSTER_BASIC_INFORMATION, .has_attribute = TRUE,
              .attribute = ATTR_NODE_LABEL },
  };
  MatterProtocolHeader protocol = {
    .exchange_flags = MATTER_EXCHANGE_FLAG_I,
    .exchange_id = (guint16) (0x100 + t->counter),
    .protocol_id = MATTER_PROTOCOL_INTERACTION_MODEL,
    .opcode = MATTER_IM_OPCODE_WRITE_REQUEST,
  };
  MatterMessageHeader header = {
    .security_flags = MATTER_SESSION_TYPE_UNICAST,
    .counter = ++t->counter,
  };
  guint8 value[64], message[256];
  MatterTlvWriter w;
  gsize protocol_len, len;

  matter_tlv_writer_init(&w, value, sizeof(value));
  matter_tlv_put_string(&w, matter_tlv_tag_anonymous(), label);
  g_assert_cmpint(matter_tlv_writer_finish(&w, &write.data.len), ==, MATTER_OK);
  write.data.tlv = value;
  g_assert_cmpint(matter_protocol_header_encode(&protocol, message, sizeof(message),
                                                &protocol_len),
                  ==, MATTER_OK);
  g_assert_cmpint(matter_im_write_request_encode(FALSE, FALSE, &write, 1, FALSE,
                                                 message + protocol_len,
                                                 sizeof(message) - protocol_len, &len),
                  ==, MATTER_OK);
  g_assert_cmpint(matter_exchange_manager_receive(&t->exchanges, t->pase, &header, message,
                                                  protocol_len + len, t->now),
                  ==, MATTER_OK);
}

static char *
read_node_label(Test *t)
{
  MatterDmCluster *cluster =
      matter_dm_find_cluster(md_node_get_dm(t->node), 0, CLUSTER_BASIC_INFORMATION);
  MatterAclSubject subject = { .auth_mode = MATTER_ACL_AUTH_PASE };
  MatterDmRequest request = { .session = t->pase, .subject = &subject, .now_ms = t->now };
  guint8 out[64];
  char label[33];
  MatterTlvWriter w;
  MatterTlvReader r;
  size_t len;

  matter_tlv_writer_init(&w, out, sizeof(out));
  g_assert_cmpuint(cluster->cls->read(cluster, &request, ATTR_NODE_LABEL, &w,
                                      matter_tlv_tag_anonymous()),
                   ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpint(matter_tlv_writer_finish(&w, &len), ==, MATTER_OK);
  matter_tlv_reader_init(&r, out, len);
  g_assert_cmpint(matter_tlv_next(&r), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_get_string(&r, label, sizeof(label)), ==, MATTER_OK);
  return g_strdup(label);
}

/* A WriteRequest whose storage transaction cannot begin stages nothing:
 * the row would be stored on its own, outside any transaction, while the
 * write fails and memory keeps the old value. */
static void
test_write_without_transaction(void)
{
  Test *t = test_new();
  g_autofree char *before = NULL, *after = NULL;

  md_test_storage_fail_at(t->storage, 1);
  g_test_expect_message("matterd", G_LOG_LEVEL_WARNING,
                        "Cannot start storing the attributes written: *");
  write_node_label(t, "kitchen");
  g_test_assert_expected_messages();
  g_assert_false(md_test_storage_in_transaction(t->storage));
  g_assert_false(md_test_storage_has(t->storage, KEY_NODE_LABEL));
  before = read_node_label(t);
  g_assert_cmpstr(before, ==, "");
  /* With the store working again, the same write takes. */
  write_node_label(t, "kitchen");
  g_assert_true(md_test_storage_has(t->storage, KEY_NODE_LABEL));
  after = read_node_label(t);
  g_assert_cmpstr(after, ==, "kitchen");
  test_free(t);
}

/* NodeLabel written empty is stored as an empty value, which the store
 * may give back without data: the next start loads it as "". */
static void
test_empty_node_label_loads(void)
{
  const MdBasicInformationParams params = { .vendor_name = "v", .product_name = "p" };
  g_autoptr(MdTestStorage) storage = md_test_storage_new();
  g_autoptr(GBytes) empty = g_bytes_new(NULL, 0);
  g_autoptr(GError) error = NULL;
  MdBasicInformation *info;
  MatterDmCluster cluster = { &md_basic_information_class };
  MatterAclSubject subject = { .auth_mode = MATTER_ACL_AUTH_PASE };
  MatterDmRequest request = { .subject = &subject };
  guint8 out[64];
  char label[33];
  MatterTlvWriter w;
  MatterTlvReader r;
  size_t len;

  g_assert_true(md_node_storage_put_bytes(md_test_storage_get(storage), KEY_NODE_LABEL, empty,
                                          &error));
  info = md_basic_information_new(&params, md_test_storage_get(storage), &error);
  g_assert_no_error(error);
  cluster.state = info;
  matter_tlv_writer_init(&w, out, sizeof(out));
  g_assert_cmpuint(md_basic_information_class.read(&cluster, &request, ATTR_NODE_LABEL, &w,
                                                   matter_tlv_tag_anonymous()),
                   ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpint(matter_tlv_writer_finish(&w, &len), ==, MATTER_OK);
  matter_tlv_reader_init(&r, out, len);
  g_assert_cmpint(matter_tlv_next(&r), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_get_string(&r, label, sizeof(label)), ==, MATTER_OK);
  g_assert_cmpstr(label, ==, "");
  md_basic_information_free(info);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  g_test_add_func("/root-clusters/fail-safe-owner", test_fail_safe_owner);
  g_test_add_func("/root-clusters/commissioning-complete-conditions",
                  test_commissioning_complete_conditions);
  g_test_add_func("/root-clusters/commissioning-complete", test_commissioning_complete);
  g_test_add_func("/root-clusters/open-commissioning-window", test_open_commissioning_window);
  g_test_add_func("/root-clusters/revoke-commissioning", test_revoke_commissioning);
  g_test_add_func("/root-clusters/regulatory-config-storage-failure",
                  test_regulatory_config_storage_failure);
  g_test_add_func("/root-clusters/write-without-transaction", test_write_without_transaction);
  g_test_add_func("/root-clusters/empty-node-label-loads", test_empty_node_label_loads);
  return g_test_run();
}
