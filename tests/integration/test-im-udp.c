/* SPDX-License-Identifier: Apache-2.0 */
/* The Interaction Model of the built matterd over UDP: a commissioner
 * (udp-commissioner.h) establishes PASE, then reads and writes the root
 * endpoint's Basic Information as a controller does during commissioning.
 * The requests and reports go through the protocol core's IM codec, the
 * same one a fuzzer feeds; the node's answers come from the daemon. */

#include <gio/gio.h>
#include <string.h>

#include "matter/im.h"
#include "md-test-core.h"
#include "md-test-node.h"

#define CONFIG                                                                                     \
  "[Node]\nDiscriminator=3840\nVendorName=Example Works\nProductName=Gateway 2\n"                 \
  "SerialNumber=SN-0042\n[Commissioning]\nPasscode=20202021\n"

#define ROOT_ENDPOINT 0
#define CLUSTER_DESCRIPTOR 0x001D
#define CLUSTER_BASIC_INFORMATION 0x0028
#define ATTR_VENDOR_NAME 0x0001
#define ATTR_VENDOR_ID 0x0002
#define ATTR_PRODUCT_NAME 0x0003
#define ATTR_NODE_LABEL 0x0005
#define ATTR_PART_NUMBER 0x000C
#define ATTR_SERIAL_NUMBER 0x000F
#define ATTR_SERVER_LIST 0x0001

static void
node_setup(MdTestNode *node, gconstpointer data)
{
  md_test_node_start(node, CONFIG);
}

static void
node_teardown(MdTestNode *node, gconstpointer data)
{
  md_test_node_stop(node);
}

static MatterSession *
pase(MdTestNode *node)
{
  const MdTestPaseOptions options = { .passcode = 20202021 };
  MdTestPaseOutcome outcome;

  md_test_commissioner_pase(node->commissioner, &options, &outcome);
  g_assert_cmpint(outcome.state, ==, MATTER_PASE_STATE_ESTABLISHED);
  return outcome.session;
}

static MatterImAttributePath
path(guint16 endpoint, guint32 cluster, guint32 attribute)
{
  return (MatterImAttributePath) {
    .has_endpoint = TRUE,
    .endpoint = endpoint,
    .has_cluster = TRUE,
    .cluster = cluster,
    .has_attribute = TRUE,
    .attribute = attribute,
  };
}

/* What one attribute of a report said: its value as text (strings and
 * unsigned numbers) or the status it failed with. */
typedef struct {
  guint32 cluster;
  guint32 attribute;
  gboolean is_status;
  guint8 status;
  char value[80];
  guint items; /* for lists */
  guint8 raw[256]; /* the value's TLV, when it fits */
  gsize raw_len;
} Answer;

static void
describe_value(const MatterImData *data, Answer *answer)
{
  MatterTlvReader reader;
  uint64_t number;
  bool flag;

  if (data->len <= sizeof(answer->raw)) {
    memcpy(answer->raw, data->tlv, data->len);
    answer->raw_len = data->len;
  }
  g_assert_cmpint(matter_im_data_reader(data, &reader), ==, MATTER_OK);
  if (matter_tlv_get_string(&reader, answer->value, sizeof(answer->value)) == MATTER_OK)
    return;
  if (matter_tlv_get_u64(&reader, &number) == MATTER_OK) {
    g_snprintf(answer->value, sizeof(answer->value), "%" G_GUINT64_FORMAT, number);
    return;
  }
  if (matter_tlv_get_bool(&reader, &flag) == MATTER_OK) {
    g_strlcpy(answer->value, flag ? "true" : "false", sizeof(answer->value));
    return;
  }
  if (matter_tlv_get_null(&reader) == MATTER_OK) {
    g_strlcpy(answer->value, "null", sizeof(answer->value));
    return;
  }
  g_assert_cmpint(matter_tlv_enter(&reader), ==, MATTER_OK);
  while (matter_tlv_next(&reader) == MATTER_OK)
    answer->items++;
}

/* Reads @paths in one ReadRequest and returns the answers in report order. */
static GArray *
read_paths(MdTestNode *node, MatterSession *session, const MatterImAttributePath *paths, gsize n)
{
  MatterImReadRequest request = { .has_attribute_requests = TRUE, .fabric_filtered = TRUE };
  g_autoptr(GBytes) reply = NULL;
  GArray *answers = g_array_new(FALSE, TRUE, sizeof(Answer));
  MatterImReportData report;
  MatterImAttributeReport item;
  guint8 buf[MATTER_MESSAGE_MAX];
  gsize len;
  guint8 opcode;

  g_assert_cmpuint(n, <=, MATTER_IM_REQUEST_PATHS_MAX);
  memcpy(request.attribute_paths, paths, n * sizeof(*paths));
  request.attribute_path_count = n;
  g_assert_cmpint(matter_im_read_request_encode(&request, buf, sizeof(buf), &len), ==, MATTER_OK);
  reply = md_test_commissioner_im_request(node->commissioner, session,
                                          MATTER_IM_OPCODE_READ_REQUEST, buf, len, &opcode);
  g_assert_nonnull(reply);
  g_assert_cmpuint(opcode, ==, MATTER_IM_OPCODE_REPORT_DATA);
  g_assert_cmpint(matter_im_report_data_decode(g_bytes_get_data(reply, NULL),
                                               g_bytes_get_size(reply), &report),
                  ==, MATTER_OK);
  g_assert_false(report.more_chunked_messages);
  g_assert_true(report.suppress_response);
  while (matter_im_next_attribute_report(&report.attribute_reports, &item) == MATTER_OK) {
    Answer answer = { 0 };
    const MatterImAttributePath *at = item.is_status ? &item.status.path : &item.data.path;

    answer.cluster = at->cluster;
    answer.attribute = at->attribute;
    answer.is_status = item.is_status;
    if (item.is_status)
      answer.status = item.status.status.status;
    else
      describe_value(&item.data.data, &answer);
    g_array_append_val(answers, answer);
  }
  return answers;
}

static const Answer *
answer_at(GArray *answers, guint i)
{
  g_assert_cmpuint(i, <, answers->len);
  return &g_array_index(answers, Answer, i);
}

/* The configured identity is what a controller reads; an optional
 * attribute left unconfigured is absent, not empty. */
static void
test_read_basic_information(MdTestNode *node, gconstpointer data)
{
  MatterSession *session = pase(node);
  const MatterImAttributePath paths[] = {
    path(ROOT_ENDPOINT, CLUSTER_BASIC_INFORMATION, ATTR_VENDOR_NAME),
    path(ROOT_ENDPOINT, CLUSTER_BASIC_INFORMATION, ATTR_VENDOR_ID),
    path(ROOT_ENDPOINT, CLUSTER_BASIC_INFORMATION, ATTR_PRODUCT_NAME),
    path(ROOT_ENDPOINT, CLUSTER_BASIC_INFORMATION, ATTR_SERIAL_NUMBER),
    path(ROOT_ENDPOINT, CLUSTER_BASIC_INFORMATION, ATTR_PART_NUMBER),
    path(7, CLUSTER_BASIC_INFORMATION, ATTR_VENDOR_NAME),
  };
  g_autoptr(GArray) answers = read_paths(node, session, paths, G_N_ELEMENTS(paths));

  g_assert_cmpuint(answers->len, ==, 6);
  g_assert_cmpstr(answer_at(answers, 0)->value, ==, "Example Works");
  g_assert_cmpstr(answer_at(answers, 1)->value, ==, "65521");
  g_assert_cmpstr(answer_at(answers, 2)->value, ==, "Gateway 2");
  g_assert_cmpstr(answer_at(answers, 3)->value, ==, "SN-0042");
  g_assert_true(answer_at(answers, 4)->is_status);
  g_assert_cmpuint(answer_at(answers, 4)->status, ==, MATTER_IM_STATUS_UNSUPPORTED_ATTRIBUTE);
  g_assert_true(answer_at(answers, 5)->is_status);
  g_assert_cmpuint(answer_at(answers, 5)->status, ==, MATTER_IM_STATUS_UNSUPPORTED_ENDPOINT);
}

/* A wildcard read of the root endpoint's Descriptor lists the clusters
 * the node serves there. */
static void
test_read_descriptor(MdTestNode *node, gconstpointer data)
{
  MatterSession *session = pase(node);
  const MatterImAttributePath paths[] = {
    path(ROOT_ENDPOINT, CLUSTER_DESCRIPTOR, ATTR_SERVER_LIST),
  };
  g_autoptr(GArray) answers = read_paths(node, session, paths, 1);

  g_assert_cmpuint(answers->len, ==, 1);
  g_assert_false(answer_at(answers, 0)->is_status);
  g_assert_cmpuint(answer_at(answers, 0)->items, >=, 2);
}

/* Writes @value (one TLV element) to @at; returns the status it got. */
static guint8
write_value(MdTestNode *node, MatterSession *session, MatterImAttributePath at,
            const guint8 *value, gsize value_len)
{
  MatterImAttributeData write = { .path = at, .data = { value, value_len } };
  g_autoptr(GBytes) reply = NULL;
  MatterImWriteResponse response;
  MatterImAttributeStatus status;
  guint8 buf[MATTER_MESSAGE_MAX];
  gsize len;
  guint8 opcode;

  g_assert_cmpint(matter_im_write_request_encode(FALSE, FALSE, &write, 1, FALSE, buf, sizeof(buf),
                                                 &len),
                  ==, MATTER_OK);
  reply = md_test_commissioner_im_request(node->commissioner, session,
                                          MATTER_IM_OPCODE_WRITE_REQUEST, buf, len, &opcode);
  g_assert_nonnull(reply);
  g_assert_cmpuint(opcode, ==, MATTER_IM_OPCODE_WRITE_RESPONSE);
  g_assert_cmpint(matter_im_write_response_decode(g_bytes_get_data(reply, NULL),
                                                  g_bytes_get_size(reply), &response),
                  ==, MATTER_OK);
  g_assert_cmpint(matter_im_next_attribute_status(&response.responses, &status), ==,
                  MATTER_OK);
  g_assert_cmpuint(status.path.attribute, ==, at.attribute);
  return status.status.status;
}

static guint8
write_node_label(MdTestNode *node, MatterSession *session, const char *label)
{
  guint8 value[96];
  MatterTlvWriter writer;
  gsize len;

  matter_tlv_writer_init(&writer, value, sizeof(value));
  g_assert_cmpint(matter_tlv_put_string(&writer, matter_tlv_tag_anonymous(), label), ==,
                  MATTER_OK);
  g_assert_cmpint(matter_tlv_writer_finish(&writer, &len), ==, MATTER_OK);
  return write_value(node, session, path(ROOT_ENDPOINT, CLUSTER_BASIC_INFORMATION, ATTR_NODE_LABEL),
                     value, len);
}

static char *
read_node_label(MdTestNode *node, MatterSession *session)
{
  const MatterImAttributePath paths[] = {
    path(ROOT_ENDPOINT, CLUSTER_BASIC_INFORMATION, ATTR_NODE_LABEL),
  };
  g_autoptr(GArray) answers = read_paths(node, session, paths, 1);

  g_assert_cmpuint(answers->len, ==, 1);
  g_assert_false(answer_at(answers, 0)->is_status);
  return g_strdup(answer_at(answers, 0)->value);
}

/* A written NodeLabel is committed before the WriteResponse: it survives
 * kill -9. A label over 32 bytes is refused and changes nothing. */
static void
test_write_node_label_survives_crash(MdTestNode *node, gconstpointer data)
{
  MatterSession *session = pase(node);
  g_autofree char *before = read_node_label(node, session);
  g_autofree char *after = NULL;

  g_assert_cmpstr(before, ==, "");
  g_assert_cmpuint(write_node_label(node, session, "kitchen"), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(write_node_label(node, session, "123456789012345678901234567890123"), ==,
                   MATTER_IM_STATUS_CONSTRAINT_ERROR);
  md_test_node_crash_and_restart(node);
  session = pase(node);
  after = read_node_label(node, session);
  g_assert_cmpstr(after, ==, "kitchen");
}

/* ---- General Commissioning and the fail-safe ---- */

#define CLUSTER_GENERAL_COMMISSIONING 0x0030
#define ATTR_BREADCRUMB 0x0000
#define ATTR_REGULATORY_CONFIG 0x0002
#define CMD_ARM_FAIL_SAFE 0x00
#define CMD_SET_REGULATORY_CONFIG 0x02
#define CMD_COMMISSIONING_COMPLETE 0x04

/* What an invoke came back with: a status, or a response's ErrorCode. */
typedef struct {
  gboolean is_status;
  guint8 status;
  guint8 cluster_status;
  guint32 response;
  guint8 error_code;
} InvokeAnswer;

/* Invokes @command of @cluster on the root endpoint, in a timed
 * interaction when @timed. */
static InvokeAnswer
invoke_on(MdTestNode *node, MatterSession *session, guint32 cluster, guint32 command,
          const guint8 *fields, gsize fields_len, gboolean timed)
{
  MatterImCommandData cmd = {
    .path = { TRUE, ROOT_ENDPOINT, cluster, command },
    .has_fields = fields != NULL,
    .fields = { fields, fields_len },
  };
  g_autoptr(GBytes) reply = NULL;
  MatterImInvokeResponseMessage response;
  MatterImInvokeResponse item;
  InvokeAnswer answer = { 0 };
  guint8 buf[MATTER_MESSAGE_MAX];
  gsize len;
  guint8 opcode;

  g_assert_cmpint(matter_im_invoke_request_encode(FALSE, timed, &cmd, 1, buf, sizeof(buf), &len),
                  ==, MATTER_OK);
  if (timed)
    reply = md_test_commissioner_im_timed_request(node->commissioner, session, 1000,
                                                  MATTER_IM_OPCODE_INVOKE_REQUEST, buf, len,
                                                  &opcode);
  else
    reply = md_test_commissioner_im_request(node->commissioner, session,
                                            MATTER_IM_OPCODE_INVOKE_REQUEST, buf, len, &opcode);
  g_assert_nonnull(reply);
  g_assert_cmpuint(opcode, ==, MATTER_IM_OPCODE_INVOKE_RESPONSE);
  g_assert_cmpint(matter_im_invoke_response_decode(g_bytes_get_data(reply, NULL),
                                                   g_bytes_get_size(reply), &response),
                  ==, MATTER_OK);
  g_assert_cmpint(matter_im_next_invoke_response(&response.responses, &item), ==, MATTER_OK);
  answer.is_status = item.is_status;
  if (item.is_status) {
    answer.status = item.status.status;
    answer.cluster_status = item.status.has_cluster_status ? item.status.cluster_status : 0;
  } else {
    MatterTlvReader reader;

    answer.response = item.command.path.command;
    g_assert_cmpint(matter_im_data_reader(&item.command.fields, &reader), ==, MATTER_OK);
    g_assert_cmpint(matter_tlv_enter(&reader), ==, MATTER_OK);
    g_assert_cmpint(matter_tlv_get_context_u8(&reader, 0, &answer.error_code), ==, MATTER_OK);
  }
  return answer;
}

static InvokeAnswer
invoke(MdTestNode *node, MatterSession *session, guint32 command, const guint8 *fields,
       gsize fields_len)
{
  return invoke_on(node, session, CLUSTER_GENERAL_COMMISSIONING, command, fields, fields_len,
                   FALSE);
}

static InvokeAnswer
arm_fail_safe(MdTestNode *node, MatterSession *session, guint16 seconds, guint64 breadcrumb)
{
  guint8 fields[MD_TEST_FIELDS_MAX];
  gsize len = md_test_arm_fail_safe_fields(fields, seconds, breadcrumb);

  return invoke(node, session, CMD_ARM_FAIL_SAFE, fields, len);
}

static InvokeAnswer
set_regulatory_config(MdTestNode *node, MatterSession *session, guint8 config, const char *country,
                      guint64 breadcrumb)
{
  guint8 fields[MD_TEST_FIELDS_MAX];
  gsize len = md_test_set_regulatory_config_fields(fields, config, country, breadcrumb);

  return invoke(node, session, CMD_SET_REGULATORY_CONFIG, fields, len);
}

static char *
read_general_commissioning(MdTestNode *node, MatterSession *session, guint32 attribute)
{
  const MatterImAttributePath paths[] = {
    path(ROOT_ENDPOINT, CLUSTER_GENERAL_COMMISSIONING, attribute),
  };
  g_autoptr(GArray) answers = read_paths(node, session, paths, 1);

  g_assert_cmpuint(answers->len, ==, 1);
  g_assert_false(answer_at(answers, 0)->is_status);
  return g_strdup(answer_at(answers, 0)->value);
}

static void
assert_error_code(InvokeAnswer answer, guint32 response, guint8 code)
{
  g_assert_false(answer.is_status);
  g_assert_cmpuint(answer.response, ==, response);
  g_assert_cmpuint(answer.error_code, ==, code);
}

/* The first steps of commissioning as a controller takes them over PASE. */
static void
test_arm_fail_safe_and_regulatory_config(MdTestNode *node, gconstpointer data)
{
  MatterSession *session = pase(node);
  g_autofree char *breadcrumb = NULL;
  g_autofree char *config = NULL;
  InvokeAnswer answer;

  assert_error_code(arm_fail_safe(node, session, 60, 7), 0x01, 0);
  breadcrumb = read_general_commissioning(node, session, ATTR_BREADCRUMB);
  g_assert_cmpstr(breadcrumb, ==, "7");
  assert_error_code(set_regulatory_config(node, session, 1, "DE", 8), 0x03, 0);
  config = read_general_commissioning(node, session, ATTR_REGULATORY_CONFIG);
  g_assert_cmpstr(config, ==, "1");
  g_clear_pointer(&breadcrumb, g_free);
  breadcrumb = read_general_commissioning(node, session, ATTR_BREADCRUMB);
  g_assert_cmpstr(breadcrumb, ==, "8");
  /* A country code is two letters; an unknown location type is no value. */
  answer = set_regulatory_config(node, session, 1, "DEU", 9);
  g_assert_true(answer.is_status);
  g_assert_cmpuint(answer.status, ==, MATTER_IM_STATUS_CONSTRAINT_ERROR);
  answer = set_regulatory_config(node, session, 3, "DE", 9);
  g_assert_true(answer.is_status);
  g_assert_cmpuint(answer.status, ==, MATTER_IM_STATUS_CONSTRAINT_ERROR);
  /* CommissioningComplete is fabric-scoped: PASE before AddNOC has no
   * fabric to complete it for. */
  answer = invoke(node, session, CMD_COMMISSIONING_COMPLETE, NULL, 0);
  g_assert_true(answer.is_status);
  g_assert_cmpuint(answer.status, ==, MATTER_IM_STATUS_UNSUPPORTED_ACCESS);
}

static gboolean
closed_by_daemon(MdTestCommissioner *c, guint16 local_session_id)
{
  for (guint i = 0; i < c->closed->len; i++)
    if (g_array_index(c->closed, guint16, i) == local_session_id)
      return TRUE;
  return FALSE;
}

/* An expired fail-safe ends the commissioning: its PASE session is closed
 * with CloseSession and the Breadcrumb is back to 0. ArmFailSafe with 0
 * seconds expires it at once, after the response. */
static void
test_fail_safe_expiry(MdTestNode *node, gconstpointer data)
{
  static const guint16 expiries[] = { 1, 0 };

  for (gsize i = 0; i < G_N_ELEMENTS(expiries); i++) {
    MatterSession *session = pase(node);
    guint16 id = session->local_session_id;
    g_autofree char *breadcrumb = NULL;

    assert_error_code(arm_fail_safe(node, session, 60, 42), 0x01, 0);
    assert_error_code(arm_fail_safe(node, session, expiries[i], 43), 0x01, 0);
    for (guint t = 0; t < 150 && !closed_by_daemon(node->commissioner, id); t++)
      md_test_commissioner_run_for(node->commissioner, 20);
    g_assert_true(closed_by_daemon(node->commissioner, id));
    for (guint t = 0; t < 150 && md_test_node_count_log(node, "Fail-safe expired") <= i; t++)
      md_test_commissioner_run_for(node->commissioner, 20);
    g_assert_cmpuint(md_test_node_count_log(node, "Fail-safe expired"), ==, i + 1);
    session = pase(node);
    breadcrumb = read_general_commissioning(node, session, ATTR_BREADCRUMB);
    g_assert_cmpstr(breadcrumb, ==, "0");
    /* Expiring a fail-safe that is not armed does nothing, and says OK. */
    assert_error_code(arm_fail_safe(node, session, 0, 0), 0x01, 0);
    g_assert_cmpuint(md_test_node_count_log(node, "Fail-safe expired"), ==, i + 1);
  }
}

/* The regulatory configuration is kept across kill -9. */
static void
test_regulatory_config_survives_crash(MdTestNode *node, gconstpointer data)
{
  MatterSession *session = pase(node);
  g_autofree char *config = NULL;

  assert_error_code(set_regulatory_config(node, session, 0, "FR", 1), 0x03, 0);
  md_test_node_crash_and_restart(node);
  session = pase(node);
  config = read_general_commissioning(node, session, ATTR_REGULATORY_CONFIG);
  g_assert_cmpstr(config, ==, "0");
}

/* ---- Network Commissioning ---- */

#define CLUSTER_NETWORK_COMMISSIONING 0x0031
#define ATTR_FEATURE_MAP 0xFFFC
#define ATTR_NETWORKS 0x0001
#define ATTR_INTERFACE_ENABLED 0x0004

/* The one network is the host's interface, by name, connected; the host's
 * interface is not a controller's to switch off. */
static void
test_network_commissioning(MdTestNode *node, gconstpointer data)
{
  MatterSession *session = pase(node);
  const char *expected = g_getenv("MD_TEST_INTERFACE");
  const MatterImAttributePath paths[] = {
    path(ROOT_ENDPOINT, CLUSTER_NETWORK_COMMISSIONING, ATTR_FEATURE_MAP),
    path(ROOT_ENDPOINT, CLUSTER_NETWORK_COMMISSIONING, ATTR_NETWORKS),
    path(ROOT_ENDPOINT, CLUSTER_NETWORK_COMMISSIONING, ATTR_INTERFACE_ENABLED),
  };
  g_autoptr(GArray) answers = read_paths(node, session, paths, G_N_ELEMENTS(paths));
  const Answer *networks;
  guint8 value[8];
  MatterTlvWriter writer;
  gsize len;

  g_assert_cmpuint(answers->len, ==, 3);
  g_assert_cmpstr(answer_at(answers, 0)->value, ==, "4"); /* Ethernet */
  g_assert_cmpstr(answer_at(answers, 2)->value, ==, "true");
  networks = answer_at(answers, 1);
  g_assert_false(networks->is_status);
  if (expected != NULL) {
    MatterTlvReader reader;
    const guint8 *id;
    size_t id_len;
    bool connected;

    g_assert_cmpuint(networks->items, ==, 1);
    matter_tlv_reader_init(&reader, networks->raw, networks->raw_len);
    g_assert_cmpint(matter_tlv_next(&reader), ==, MATTER_OK);
    g_assert_cmpint(matter_tlv_enter(&reader), ==, MATTER_OK);
    g_assert_cmpint(matter_tlv_next(&reader), ==, MATTER_OK);
    g_assert_cmpint(matter_tlv_enter(&reader), ==, MATTER_OK);
    g_assert_cmpint(matter_tlv_get_context_bytes(&reader, 0, &id, &id_len), ==, MATTER_OK);
    g_assert_cmpmem(id, id_len, expected, strlen(expected));
    g_assert_cmpint(matter_tlv_get_context_bool(&reader, 1, &connected), ==, MATTER_OK);
    g_assert_true(connected);
  } else {
    g_test_message("not in a test namespace: the host's interface is not known");
    g_assert_cmpuint(networks->items, <=, 1);
  }

  matter_tlv_writer_init(&writer, value, sizeof(value));
  matter_tlv_put_bool(&writer, matter_tlv_tag_anonymous(), false);
  g_assert_cmpint(matter_tlv_writer_finish(&writer, &len), ==, MATTER_OK);
  g_assert_cmpuint(write_value(node, session,
                               path(ROOT_ENDPOINT, CLUSTER_NETWORK_COMMISSIONING,
                                    ATTR_INTERFACE_ENABLED),
                               value, len),
                   ==, MATTER_IM_STATUS_INVALID_IN_STATE);
}

/* ---- Administrator Commissioning ---- */

#define CLUSTER_ADMIN_COMMISSIONING 0x003C
#define ATTR_WINDOW_STATUS 0x0000
#define ATTR_ADMIN_FABRIC_INDEX 0x0001
#define CMD_OPEN_BASIC_COMMISSIONING_WINDOW 0x01
#define CMD_REVOKE_COMMISSIONING 0x02
#define ADMIN_STATUS_BUSY 2

static InvokeAnswer
open_basic_window(MdTestNode *node, MatterSession *session, guint16 timeout, gboolean timed)
{
  guint8 fields[16];
  MatterTlvWriter w;
  gsize len;

  matter_tlv_writer_init(&w, fields, sizeof(fields));
  matter_tlv_start_structure(&w, matter_tlv_tag_anonymous());
  matter_tlv_put_uint(&w, matter_tlv_tag_context(0), timeout);
  matter_tlv_end_container(&w);
  g_assert_cmpint(matter_tlv_writer_finish(&w, &len), ==, MATTER_OK);
  return invoke_on(node, session, CLUSTER_ADMIN_COMMISSIONING,
                   CMD_OPEN_BASIC_COMMISSIONING_WINDOW, fields, len, timed);
}

static void
assert_status(InvokeAnswer answer, guint8 status, guint8 cluster_status)
{
  g_assert_true(answer.is_status);
  g_assert_cmpuint(answer.status, ==, status);
  g_assert_cmpuint(answer.cluster_status, ==, cluster_status);
}

/* The window the commissioner came in by shows in WindowStatus; another
 * cannot be opened over it; RevokeCommissioning closes it and ends the
 * commissioning: its fail-safe expires, its PASE session is closed and
 * no new one can start. */
static void
test_administrator_commissioning(MdTestNode *node, gconstpointer data)
{
  MatterSession *session = pase(node);
  guint16 id = session->local_session_id;
  const MatterImAttributePath paths[] = {
    path(ROOT_ENDPOINT, CLUSTER_ADMIN_COMMISSIONING, ATTR_WINDOW_STATUS),
    path(ROOT_ENDPOINT, CLUSTER_ADMIN_COMMISSIONING, ATTR_ADMIN_FABRIC_INDEX),
  };
  g_autoptr(GArray) answers = read_paths(node, session, paths, G_N_ELEMENTS(paths));
  const MdTestPaseOptions options = { .passcode = 20202021 };
  g_autofree char *window = NULL;
  MdTestPaseOutcome outcome;

  g_assert_cmpstr(answer_at(answers, 0)->value, ==, "2"); /* BasicWindowOpen */
  g_assert_cmpstr(answer_at(answers, 1)->value, ==, "null");
  /* The commands are timed. */
  assert_status(open_basic_window(node, session, 180, FALSE),
                MATTER_IM_STATUS_NEEDS_TIMED_INTERACTION, 0);
  assert_status(open_basic_window(node, session, 180, TRUE), MATTER_IM_STATUS_FAILURE,
                ADMIN_STATUS_BUSY);

  assert_error_code(arm_fail_safe(node, session, 60, 1), 0x01, 0);
  assert_status(invoke_on(node, session, CLUSTER_ADMIN_COMMISSIONING, CMD_REVOKE_COMMISSIONING,
                          NULL, 0, TRUE),
                MATTER_IM_STATUS_SUCCESS, 0);
  for (guint t = 0; t < 150 && !closed_by_daemon(node->commissioner, id); t++)
    md_test_commissioner_run_for(node->commissioner, 20);
  g_assert_true(closed_by_daemon(node->commissioner, id));
  window = md_test_node_window(node);
  g_assert_cmpstr(window, ==, "closed");
  md_test_commissioner_pase(node->commissioner, &options, &outcome);
  g_assert_cmpint(outcome.state, !=, MATTER_PASE_STATE_ESTABLISHED);
}

static void
add_test(const char *path, void (*func)(MdTestNode *, gconstpointer))
{
  g_test_add(path, MdTestNode, NULL, node_setup, func, node_teardown);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  add_test("/im-udp/read-basic-information", test_read_basic_information);
  add_test("/im-udp/read-descriptor", test_read_descriptor);
  add_test("/im-udp/write-node-label-survives-crash", test_write_node_label_survives_crash);
  add_test("/im-udp/arm-fail-safe-and-regulatory-config",
           test_arm_fail_safe_and_regulatory_config);
  add_test("/im-udp/fail-safe-expiry", test_fail_safe_expiry);
  add_test("/im-udp/regulatory-config-survives-crash", test_regulatory_config_survives_crash);
  add_test("/im-udp/network-commissioning", test_network_commissioning);
  add_test("/im-udp/administrator-commissioning", test_administrator_commissioning);
  return g_test_run();
}
