/* SPDX-License-Identifier: Apache-2.0 */
/* The Interaction Model of the built matterd over UDP: a commissioner
 * (udp-commissioner.h) establishes PASE, then reads and writes the root
 * endpoint's Basic Information as a controller does during commissioning.
 * The requests and reports go through the protocol core's IM codec, the
 * same one a fuzzer feeds; the node's answers come from the daemon. */

#include <gio/gio.h>
#include <string.h>

#include "matter/im.h"
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
} Answer;

static void
describe_value(const MatterImData *data, Answer *answer)
{
  MatterTlvReader reader;
  uint64_t number;

  g_assert_cmpint(matter_im_data_reader(data, &reader), ==, MATTER_OK);
  if (matter_tlv_get_string(&reader, answer->value, sizeof(answer->value)) == MATTER_OK)
    return;
  if (matter_tlv_get_u64(&reader, &number) == MATTER_OK) {
    g_snprintf(answer->value, sizeof(answer->value), "%" G_GUINT64_FORMAT, number);
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

static guint8
write_node_label(MdTestNode *node, MatterSession *session, const char *label)
{
  guint8 value[96], buf[MATTER_MESSAGE_MAX];
  MatterTlvWriter writer;
  MatterImAttributeData write = {
    .path = path(ROOT_ENDPOINT, CLUSTER_BASIC_INFORMATION, ATTR_NODE_LABEL),
  };
  g_autoptr(GBytes) reply = NULL;
  MatterImWriteResponse response;
  MatterImAttributeStatus status;
  gsize len;
  guint8 opcode;

  matter_tlv_writer_init(&writer, value, sizeof(value));
  g_assert_cmpint(matter_tlv_put_string(&writer, matter_tlv_tag_anonymous(), label), ==,
                  MATTER_OK);
  g_assert_cmpint(matter_tlv_writer_finish(&writer, &write.data.len), ==, MATTER_OK);
  write.data.tlv = value;
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
  g_assert_cmpuint(status.path.attribute, ==, ATTR_NODE_LABEL);
  return status.status.status;
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
  return g_test_run();
}
