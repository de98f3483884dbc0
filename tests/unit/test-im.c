/* SPDX-License-Identifier: Apache-2.0 */
/* Interaction Model messages (im.h): what two independent implementations
 * sent, round trips, and a table of malformed messages.
 *
 * The recorded messages are from a Matter SDK chip-tool commissioning a
 * CircuitMatter device (adafruit/circuitmatter,
 * test_data/chip_tool_recorded_packets.jsonl at commit 4a0c4b6): the
 * plaintext of the PASE session's messages, decrypted with the session
 * keys that test-pase derives from the same recording. chip-tool's are
 * requests; CircuitMatter's, answers (they carry no
 * InteractionModelRevision, which decoders tolerate). */

#include <glib.h>
#include <string.h>

#include "matter/im.h"
#include "md-test-core.h"
#include "md-test.h"

#define assert_error md_test_assert_error

/* chip-tool's first ReadRequest: Basic Information and General
 * Commissioning attributes before commissioning. */
static const char chip_tool_read[] =
  "153600172403312504fcff181724020024033024040018172402002403302404011817240200240330240402181724"
  "0200240330240403181724020024032824040218172402002403282404041817240331240403181724020024033818"
  "18280324ff0b18";
/* chip-tool's ArmFailSafe(ExpiryLengthSeconds 10, Breadcrumb 4). */
static const char chip_tool_arm_fail_safe[] =
  "1528002801360215370024000024013024020018350124000a24010418181824ff0b18";
/* chip-tool's SetRegulatoryConfig(NewRegulatoryConfig 2, CountryCode "XX",
 * Breadcrumb 5). */
static const char chip_tool_set_regulatory[] =
  "152800280136021537002400002401302402021835012400022c0102585824020518181824ff0b18";
/* chip-tool's StatusResponse(SUCCESS). */
static const char chip_tool_status[] =
  "1524000024ff0b18";
/* CircuitMatter's ReportData answering chip_tool_read. */
static const char circuitmatter_report[] =
  "15360115350124000037012403312504fcff2402001824020018181535012400003701240200240330240400182402"
  "001818153501240000370124020024033024040118350224000a250184031818181535012400003701240200240330"
  "2404021824020218181535012400003701240200240330240403182402021818153501240000370124020024032824"
  "0402182502f1ff18181535012400003701240200240328240404182502008018181535012400003701240331240403"
  "2402001824020a18181818";
/* CircuitMatter's ArmFailSafeResponse(ErrorCode OK). */
static const char circuitmatter_arm_response[] =
  "152800360115350037002400002401302402011835012400002c01001818181818";
/* CircuitMatter's answer to AddTrustedRootCertificate: a status. */
static const char circuitmatter_status_response[] =
  "1528003601153501370024000024013e24020b1835012400001818181818";

static GBytes *
hex(const char *text)
{
  return md_test_bytes_hex(text);
}

static void
assert_path(const MatterImAttributePath *p, int endpoint, uint32_t cluster, int64_t attribute)
{
  g_assert_cmpint(p->has_endpoint, ==, endpoint >= 0);
  if (endpoint >= 0)
    g_assert_cmpuint(p->endpoint, ==, (guint) endpoint);
  g_assert_true(p->has_cluster);
  g_assert_cmphex(p->cluster, ==, cluster);
  g_assert_cmpint(p->has_attribute, ==, attribute >= 0);
  if (attribute >= 0)
    g_assert_cmphex(p->attribute, ==, (guint32) attribute);
  g_assert_false(p->has_node);
  g_assert_cmpint(p->list_index_kind, ==, MATTER_IM_LIST_INDEX_NONE);
}

static void
test_chip_tool_read(void)
{
  g_autoptr(GBytes) msg = hex(chip_tool_read);
  MatterImReadRequest req;

  assert_error(matter_im_read_request_decode(g_bytes_get_data(msg, NULL), g_bytes_get_size(msg),
                                             &req),
               MATTER_OK);
  g_assert_true(req.has_attribute_requests);
  g_assert_false(req.has_event_requests);
  g_assert_false(req.fabric_filtered);
  g_assert_cmpuint(req.attribute_path_count, ==, 9);
  assert_path(&req.attribute_paths[0], -1, 0x31, 0xFFFC);
  assert_path(&req.attribute_paths[1], 0, 0x30, 0);
  assert_path(&req.attribute_paths[4], 0, 0x30, 3);
  assert_path(&req.attribute_paths[5], 0, 0x28, 2);
  assert_path(&req.attribute_paths[7], -1, 0x31, 3);
  assert_path(&req.attribute_paths[8], 0, 0x38, -1);
}

/* The first command of @hex_msg, which must be its only one. */
static void
decode_one_invoke(const char *hex_msg, GBytes **keep, MatterImCommandData *cmd)
{
  MatterImInvokeRequest req;

  *keep = hex(hex_msg);
  assert_error(matter_im_invoke_request_decode(g_bytes_get_data(*keep, NULL),
                                               g_bytes_get_size(*keep), &req),
               MATTER_OK);
  g_assert_false(req.suppress_response);
  g_assert_false(req.timed_request);
  g_assert_cmpuint(req.invoke_count, ==, 1);
  assert_error(matter_im_next_command_data(&req.invokes, cmd), MATTER_OK);
  {
    MatterImCommandData extra;

    assert_error(matter_im_next_command_data(&req.invokes, &extra), MATTER_ERROR_TLV_END);
  }
}

/* Enters the command's fields. */
static void
fields_reader(const MatterImCommandData *cmd, MatterTlvReader *r)
{
  g_assert_true(cmd->has_fields);
  assert_error(matter_im_data_reader(&cmd->fields, r), MATTER_OK);
  g_assert_cmpint(matter_tlv_get_type(r), ==, MATTER_TLV_TYPE_STRUCTURE);
  assert_error(matter_tlv_enter(r), MATTER_OK);
}

static void
test_chip_tool_invokes(void)
{
  g_autoptr(GBytes) arm = NULL, regulatory = NULL;
  MatterImCommandData cmd;
  MatterTlvReader r;
  uint16_t expiry;
  uint64_t breadcrumb;
  const char *country;
  size_t country_len;

  decode_one_invoke(chip_tool_arm_fail_safe, &arm, &cmd);
  g_assert_true(cmd.path.has_endpoint);
  g_assert_cmpuint(cmd.path.endpoint, ==, 0);
  g_assert_cmphex(cmd.path.cluster, ==, 0x30);
  g_assert_cmphex(cmd.path.command, ==, 0x00);
  g_assert_false(cmd.has_ref);
  fields_reader(&cmd, &r);
  assert_error(matter_tlv_get_context_u16(&r, 0, &expiry), MATTER_OK);
  assert_error(matter_tlv_get_context_u64(&r, 1, &breadcrumb), MATTER_OK);
  g_assert_cmpuint(expiry, ==, 10);
  g_assert_cmpuint(breadcrumb, ==, 4);

  decode_one_invoke(chip_tool_set_regulatory, &regulatory, &cmd);
  g_assert_cmphex(cmd.path.command, ==, 0x02);
  fields_reader(&cmd, &r);
  assert_error(matter_tlv_get_context_utf8(&r, 1, &country, &country_len), MATTER_OK);
  g_assert_cmpmem(country, country_len, "XX", 2);
}

static void
test_chip_tool_status(void)
{
  g_autoptr(GBytes) msg = hex(chip_tool_status);
  uint8_t status = 0xFF;

  assert_error(matter_im_status_response_decode(g_bytes_get_data(msg, NULL), g_bytes_get_size(msg),
                                                &status),
               MATTER_OK);
  g_assert_cmpuint(status, ==, MATTER_IM_STATUS_SUCCESS);
}

static void
test_circuitmatter_report(void)
{
  g_autoptr(GBytes) msg = hex(circuitmatter_report);
  MatterImAttributeReport report;
  MatterImReportData data;
  MatterTlvReader r;
  guint count = 0;
  uint16_t value;

  assert_error(matter_im_report_data_decode(g_bytes_get_data(msg, NULL), g_bytes_get_size(msg),
                                            &data),
               MATTER_OK);
  g_assert_false(data.has_subscription_id);
  g_assert_false(data.more_chunked_messages);
  while (matter_im_next_attribute_report(&data.attribute_reports, &report) == MATTER_OK) {
    g_assert_false(report.is_status);
    g_assert_true(report.data.has_data_version);
    if (count == 2) {
      /* BasicCommissioningInfo { FailSafeExpiryLengthSeconds 10,
       * MaxCumulativeFailsafeSeconds 900 }. */
      assert_path(&report.data.path, 0, 0x30, 1);
      assert_error(matter_im_data_reader(&report.data.data, &r), MATTER_OK);
      assert_error(matter_tlv_enter(&r), MATTER_OK);
      assert_error(matter_tlv_get_context_u16(&r, 1, &value), MATTER_OK);
      g_assert_cmpuint(value, ==, 900);
    }
    if (count == 5) {
      assert_error(matter_im_data_reader(&report.data.data, &r), MATTER_OK);
      assert_error(matter_tlv_get_u16(&r, &value), MATTER_OK);
      g_assert_cmphex(value, ==, 0xFFF1);
    }
    count++;
  }
  g_assert_cmpuint(count, ==, 8);
}

static void
test_circuitmatter_invoke_responses(void)
{
  g_autoptr(GBytes) arm = hex(circuitmatter_arm_response);
  g_autoptr(GBytes) status = hex(circuitmatter_status_response);
  MatterImInvokeResponseMessage msg;
  MatterImInvokeResponse item;

  assert_error(matter_im_invoke_response_decode(g_bytes_get_data(arm, NULL), g_bytes_get_size(arm),
                                                &msg),
               MATTER_OK);
  assert_error(matter_im_next_invoke_response(&msg.responses, &item), MATTER_OK);
  g_assert_false(item.is_status);
  g_assert_cmphex(item.command.path.command, ==, 0x01);
  g_assert_true(item.command.has_fields);
  assert_error(matter_im_next_invoke_response(&msg.responses, &item), MATTER_ERROR_TLV_END);

  assert_error(matter_im_invoke_response_decode(g_bytes_get_data(status, NULL),
                                                g_bytes_get_size(status), &msg),
               MATTER_OK);
  assert_error(matter_im_next_invoke_response(&msg.responses, &item), MATTER_OK);
  g_assert_true(item.is_status);
  g_assert_cmphex(item.status_path.cluster, ==, 0x3E);
  g_assert_cmphex(item.status_path.command, ==, 0x0B);
  g_assert_cmpuint(item.status.status, ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_false(item.status.has_cluster_status);
}

/* ---- Round trips ---------------------------------------------------------- */

static void
test_read_request_round_trip(void)
{
  MatterImReadRequest req = { 0 }, back;
  uint8_t buf[512];
  size_t len;

  req.has_attribute_requests = true;
  req.attribute_path_count = 2;
  req.attribute_paths[0] = (MatterImAttributePath) { .has_endpoint = true, .endpoint = 1 };
  req.attribute_paths[1] = (MatterImAttributePath) {
    .has_cluster = true,
    .cluster = 0x1234FC01,
    .has_attribute = true,
    .attribute = 0xFFF8,
    .has_wildcard_flags = true,
    .wildcard_flags = MATTER_IM_WILDCARD_SKIP_ROOT_NODE,
  };
  req.has_event_requests = true;
  req.event_path_count = 1;
  req.event_paths[0] = (MatterImEventPath) { .has_endpoint = true, .is_urgent = true };
  req.event_filter_count = 1;
  req.event_filters[0].event_min = 42;
  req.fabric_filtered = true;
  req.data_version_filter_count = 1;
  req.data_version_filters[0] = (MatterImDataVersionFilter) {
    .path = { .has_endpoint = true, .endpoint = 0, .has_cluster = true, .cluster = 0x28 },
    .data_version = 0xDEADBEEF,
  };
  assert_error(matter_im_read_request_encode(&req, buf, sizeof(buf), &len), MATTER_OK);
  assert_error(matter_im_read_request_decode(buf, len, &back), MATTER_OK);
  g_assert_cmpuint(back.attribute_path_count, ==, 2);
  g_assert_cmpuint(back.attribute_paths[0].endpoint, ==, 1);
  g_assert_false(back.attribute_paths[0].has_cluster);
  g_assert_cmphex(back.attribute_paths[1].cluster, ==, 0x1234FC01);
  g_assert_cmphex(back.attribute_paths[1].wildcard_flags, ==, MATTER_IM_WILDCARD_SKIP_ROOT_NODE);
  g_assert_true(back.event_paths[0].is_urgent);
  g_assert_cmpuint(back.event_filters[0].event_min, ==, 42);
  g_assert_true(back.fabric_filtered);
  g_assert_cmphex(back.data_version_filters[0].data_version, ==, 0xDEADBEEF);
  /* The revision goes last. */
  g_assert_cmphex(buf[len - 4], ==, 0x24);
  g_assert_cmphex(buf[len - 3], ==, 0xFF);
  g_assert_cmpuint(buf[len - 2], ==, MATTER_IM_REVISION);
}

static void
test_subscribe_round_trip(void)
{
  MatterImSubscribeRequest req = { .keep_subscriptions = true,
                                   .min_interval_floor_s = 1,
                                   .max_interval_ceiling_s = 60 },
                           back;
  MatterImSubscribeResponse rsp = { .subscription_id = 0xCAFE, .max_interval_s = 60 }, rsp_back;
  uint8_t buf[256];
  size_t len;

  req.paths.has_attribute_requests = true;
  req.paths.attribute_path_count = 1;
  assert_error(matter_im_subscribe_request_encode(&req, buf, sizeof(buf), &len), MATTER_OK);
  assert_error(matter_im_subscribe_request_decode(buf, len, &back), MATTER_OK);
  g_assert_true(back.keep_subscriptions);
  g_assert_cmpuint(back.max_interval_ceiling_s, ==, 60);
  g_assert_cmpuint(back.paths.attribute_path_count, ==, 1);
  assert_error(matter_im_subscribe_response_encode(&rsp, buf, sizeof(buf), &len), MATTER_OK);
  assert_error(matter_im_subscribe_response_decode(buf, len, &rsp_back), MATTER_OK);
  g_assert_cmphex(rsp_back.subscription_id, ==, 0xCAFE);
}

static void
test_write_round_trip(void)
{
  static const uint8_t label[] = { 0x2C, 0x02, 0x02, 'h', 'i' }; /* [2] "hi" */
  MatterImAttributeData writes[2] = {
    { .path = { .has_endpoint = true, .has_cluster = true, .cluster = 0x28, .has_attribute = true,
                .attribute = 5 },
      .data = { label, sizeof(label) } },
    { .has_data_version = true,
      .data_version = 7,
      .path = { .has_endpoint = true, .has_cluster = true, .cluster = 0x1F, .has_attribute = true,
                .list_index_kind = MATTER_IM_LIST_INDEX_APPEND },
      .data = { label, sizeof(label) } },
  };
  MatterImWriteRequest req;
  MatterImAttributeData item;
  MatterTlvReader r;
  const char *s;
  size_t s_len;
  uint8_t buf[256];
  size_t len;

  assert_error(matter_im_write_request_encode(false, true, writes, 2, false, buf, sizeof(buf), &len),
               MATTER_OK);
  assert_error(matter_im_write_request_decode(buf, len, &req), MATTER_OK);
  g_assert_true(req.timed_request);
  assert_error(matter_im_next_attribute_data(&req.writes, &item), MATTER_OK);
  g_assert_false(item.has_data_version);
  assert_error(matter_im_data_reader(&item.data, &r), MATTER_OK);
  assert_error(matter_tlv_get_utf8(&r, &s, &s_len), MATTER_OK);
  g_assert_cmpmem(s, s_len, "hi", 2);
  assert_error(matter_im_next_attribute_data(&req.writes, &item), MATTER_OK);
  g_assert_cmpuint(item.data_version, ==, 7);
  g_assert_cmpint(item.path.list_index_kind, ==, MATTER_IM_LIST_INDEX_APPEND);
  assert_error(matter_im_next_attribute_data(&req.writes, &item), MATTER_ERROR_TLV_END);
}

/* A server's answers, built from the IB writers as the engine will. */
static void
test_server_messages_from_ibs(void)
{
  MatterImAttributePath path = { .has_endpoint = true, .has_cluster = true, .cluster = 0x28,
                                 .has_attribute = true, .attribute = 0 };
  MatterImAttributeStatus status = { .path = path,
                                     .status = { .status = MATTER_IM_STATUS_UNSUPPORTED_ACCESS } };
  MatterImInvokeResponse response = { .is_status = true,
                                      .status_path = { .has_endpoint = true, .cluster = 0x30 },
                                      .status = { .status = MATTER_IM_STATUS_FAILURE,
                                                  .has_cluster_status = true,
                                                  .cluster_status = 4 } };
  MatterImAttributeReport report;
  MatterImReportData data;
  MatterImWriteResponse write_response;
  MatterImAttributeStatus write_status;
  MatterImInvokeResponseMessage invoke;
  MatterImInvokeResponse invoke_item;
  MatterTlvWriter w;
  uint8_t buf[256];
  size_t len;

  /* ReportData: one value, one status, more to come. */
  matter_tlv_writer_init(&w, buf, sizeof(buf));
  matter_tlv_start_structure(&w, matter_tlv_tag_anonymous());
  matter_tlv_put_uint(&w, matter_tlv_tag_context(0), 9);
  matter_tlv_start_array(&w, matter_tlv_tag_context(1));
  matter_tlv_start_structure(&w, matter_tlv_tag_anonymous());
  matter_im_begin_attribute_data(&w, matter_tlv_tag_context(1), true, 3, &path);
  matter_tlv_put_uint(&w, matter_tlv_tag_context(MATTER_IM_TAG_DATA), 17);
  matter_im_end_attribute_data(&w);
  matter_tlv_end_container(&w);
  matter_tlv_start_structure(&w, matter_tlv_tag_anonymous());
  matter_im_put_attribute_status(&w, matter_tlv_tag_context(0), &status);
  matter_tlv_end_container(&w);
  matter_tlv_end_container(&w);
  matter_tlv_put_bool(&w, matter_tlv_tag_context(3), true);
  matter_im_put_revision(&w);
  matter_tlv_end_container(&w);
  assert_error(matter_tlv_writer_finish(&w, &len), MATTER_OK);
  assert_error(matter_im_report_data_decode(buf, len, &data), MATTER_OK);
  g_assert_cmpuint(data.subscription_id, ==, 9);
  g_assert_true(data.more_chunked_messages);
  assert_error(matter_im_next_attribute_report(&data.attribute_reports, &report), MATTER_OK);
  g_assert_false(report.is_status);
  g_assert_cmpuint(report.data.data_version, ==, 3);
  assert_error(matter_im_next_attribute_report(&data.attribute_reports, &report), MATTER_OK);
  g_assert_true(report.is_status);
  g_assert_cmphex(report.status.status.status, ==, MATTER_IM_STATUS_UNSUPPORTED_ACCESS);

  /* WriteResponse. */
  matter_tlv_writer_init(&w, buf, sizeof(buf));
  matter_tlv_start_structure(&w, matter_tlv_tag_anonymous());
  matter_tlv_start_array(&w, matter_tlv_tag_context(0));
  matter_im_put_attribute_status(&w, matter_tlv_tag_anonymous(), &status);
  matter_tlv_end_container(&w);
  matter_im_put_revision(&w);
  matter_tlv_end_container(&w);
  assert_error(matter_tlv_writer_finish(&w, &len), MATTER_OK);
  assert_error(matter_im_write_response_decode(buf, len, &write_response), MATTER_OK);
  assert_error(matter_im_next_attribute_status(&write_response.responses, &write_status),
               MATTER_OK);
  g_assert_cmphex(write_status.path.cluster, ==, 0x28);

  /* InvokeResponse with a cluster-specific status. */
  matter_tlv_writer_init(&w, buf, sizeof(buf));
  matter_tlv_start_structure(&w, matter_tlv_tag_anonymous());
  matter_tlv_put_bool(&w, matter_tlv_tag_context(0), false);
  matter_tlv_start_array(&w, matter_tlv_tag_context(1));
  matter_im_put_invoke_response(&w, matter_tlv_tag_anonymous(), &response);
  matter_tlv_end_container(&w);
  matter_im_put_revision(&w);
  matter_tlv_end_container(&w);
  assert_error(matter_tlv_writer_finish(&w, &len), MATTER_OK);
  assert_error(matter_im_invoke_response_decode(buf, len, &invoke), MATTER_OK);
  assert_error(matter_im_next_invoke_response(&invoke.responses, &invoke_item), MATTER_OK);
  g_assert_true(invoke_item.is_status);
  g_assert_true(invoke_item.status.has_cluster_status);
  g_assert_cmpuint(invoke_item.status.cluster_status, ==, 4);
}

/* A ReportData with both forms of EventReportIB, as the engine builds
 * them: an EventStatusIB, and an EventDataIB re-tagged from its stored
 * anonymous form. */
static void
test_event_reports_round_trip(void)
{
  const MatterImEventPath path = { .has_endpoint = true, .endpoint = 1, .has_cluster = true,
                                   .cluster = 0x28, .has_event = true, .event = 9 };
  const MatterImStatusIB status = { .status = MATTER_IM_STATUS_UNSUPPORTED_EVENT };
  static const uint8_t fields[] = { 0x15, 0x24, 0x00, 0x07, 0x18 };
  MatterImEventData data = { .path = path, .event_number = UINT64_C(0x100000000), .priority = 2,
                             .has_epoch_timestamp = true,
                             .epoch_timestamp = UINT64_C(1700000000000),
                             .data = { fields, sizeof(fields) } };
  uint8_t stored[64], buf[256];
  MatterTlvWriter w;
  MatterImReportData msg;
  MatterImEventReport report;
  MatterTlvReader r;
  size_t stored_len, len;
  uint8_t v;

  matter_tlv_writer_init(&w, stored, sizeof(stored));
  assert_error(matter_im_put_event_data(&w, matter_tlv_tag_anonymous(), &data), MATTER_OK);
  assert_error(matter_tlv_writer_finish(&w, &stored_len), MATTER_OK);
  matter_tlv_writer_init(&w, buf, sizeof(buf));
  matter_tlv_start_structure(&w, matter_tlv_tag_anonymous());
  matter_tlv_start_array(&w, matter_tlv_tag_context(2));
  matter_tlv_start_structure(&w, matter_tlv_tag_anonymous());
  matter_im_put_event_status(&w, matter_tlv_tag_context(MATTER_IM_TAG_EVENT_STATUS), &path,
                             &status);
  matter_tlv_end_container(&w);
  matter_tlv_start_structure(&w, matter_tlv_tag_anonymous());
  matter_tlv_put_element(&w, matter_tlv_tag_context(MATTER_IM_TAG_EVENT_DATA), stored,
                         stored_len);
  matter_tlv_end_container(&w);
  matter_tlv_end_container(&w);
  matter_im_put_revision(&w);
  matter_tlv_end_container(&w);
  assert_error(matter_tlv_writer_finish(&w, &len), MATTER_OK);

  assert_error(matter_im_report_data_decode(buf, len, &msg), MATTER_OK);
  assert_error(matter_im_next_event_report(&msg.event_reports, &report), MATTER_OK);
  g_assert_true(report.is_status);
  g_assert_cmpuint(report.status_path.event, ==, 9);
  g_assert_cmphex(report.status.status, ==, MATTER_IM_STATUS_UNSUPPORTED_EVENT);
  assert_error(matter_im_next_event_report(&msg.event_reports, &report), MATTER_OK);
  g_assert_false(report.is_status);
  g_assert_cmphex(report.data.path.cluster, ==, 0x28);
  g_assert_cmphex(report.data.event_number, ==, UINT64_C(0x100000000));
  g_assert_cmpuint(report.data.priority, ==, 2);
  g_assert_true(report.data.has_epoch_timestamp);
  g_assert_false(report.data.has_system_timestamp);
  g_assert_cmpuint(report.data.epoch_timestamp, ==, UINT64_C(1700000000000));
  assert_error(matter_im_data_reader(&report.data.data, &r), MATTER_OK);
  assert_error(matter_tlv_enter(&r), MATTER_OK);
  assert_error(matter_tlv_get_context_u8(&r, 0, &v), MATTER_OK);
  g_assert_cmpuint(v, ==, 7);
  assert_error(matter_im_next_event_report(&msg.event_reports, &report), MATTER_ERROR_TLV_END);
}

static void
test_small_messages(void)
{
  uint8_t buf[32];
  size_t len;
  uint16_t timeout;
  uint8_t status;

  assert_error(matter_im_timed_request_encode(500, buf, sizeof(buf), &len), MATTER_OK);
  assert_error(matter_im_timed_request_decode(buf, len, &timeout), MATTER_OK);
  g_assert_cmpuint(timeout, ==, 500);
  assert_error(matter_im_status_response_encode(MATTER_IM_STATUS_INVALID_ACTION, buf, sizeof(buf),
                                                &len),
               MATTER_OK);
  assert_error(matter_im_status_response_decode(buf, len, &status), MATTER_OK);
  g_assert_cmphex(status, ==, 0x80);
  g_assert_cmpstr(matter_im_status_name(0x80), ==, "INVALID_ACTION");
  g_assert_cmpstr(matter_im_status_name(0x42), ==, "UNKNOWN");
  g_assert_cmpstr(matter_im_opcode_name(MATTER_IM_OPCODE_REPORT_DATA), ==, "ReportData");
}

/* 17 paths do not fit; 17 data version filters lose the last one. */
static void
test_capacity(void)
{
  MatterImReadRequest req = { 0 }, back;
  uint8_t buf[1024];
  size_t len;
  MatterTlvWriter w;

  req.has_attribute_requests = true;
  req.attribute_path_count = MATTER_IM_REQUEST_PATHS_MAX;
  assert_error(matter_im_read_request_encode(&req, buf, sizeof(buf), &len), MATTER_OK);
  assert_error(matter_im_read_request_decode(buf, len, &back), MATTER_OK);

  matter_tlv_writer_init(&w, buf, sizeof(buf));
  matter_tlv_start_structure(&w, matter_tlv_tag_anonymous());
  matter_tlv_start_array(&w, matter_tlv_tag_context(0));
  for (int i = 0; i <= MATTER_IM_REQUEST_PATHS_MAX; i++)
    matter_im_put_attribute_path(&w, matter_tlv_tag_anonymous(), &req.attribute_paths[0]);
  matter_tlv_end_container(&w);
  matter_tlv_put_bool(&w, matter_tlv_tag_context(3), false);
  matter_tlv_end_container(&w);
  assert_error(matter_tlv_writer_finish(&w, &len), MATTER_OK);
  assert_error(matter_im_read_request_decode(buf, len, &back), MATTER_ERROR_IM_TOO_MANY_PATHS);

  matter_tlv_writer_init(&w, buf, sizeof(buf));
  matter_tlv_start_structure(&w, matter_tlv_tag_anonymous());
  matter_tlv_put_bool(&w, matter_tlv_tag_context(3), false);
  matter_tlv_start_array(&w, matter_tlv_tag_context(4));
  for (int i = 0; i <= MATTER_IM_DATA_VERSION_FILTERS_MAX; i++) {
    MatterImClusterPath path = { .has_endpoint = true, .has_cluster = true, .cluster = (uint32_t) i };

    matter_tlv_start_structure(&w, matter_tlv_tag_anonymous());
    matter_im_put_cluster_path(&w, matter_tlv_tag_context(0), &path);
    matter_tlv_put_uint(&w, matter_tlv_tag_context(1), 1);
    matter_tlv_end_container(&w);
  }
  matter_tlv_end_container(&w);
  matter_tlv_end_container(&w);
  assert_error(matter_tlv_writer_finish(&w, &len), MATTER_OK);
  assert_error(matter_im_read_request_decode(buf, len, &back), MATTER_OK);
  g_assert_cmpuint(back.data_version_filter_count, ==, MATTER_IM_DATA_VERSION_FILTERS_MAX);
  g_assert_true(back.data_version_filters_dropped);
}

/* ---- Malformed messages ----------------------------------------------------- */

typedef enum { READ, INVOKE, WRITE, REPORT, TIMED, STATUS, SUBSCRIBE } Kind;

typedef struct {
  const char *what;
  Kind kind;
  const char *hex;
  MatterError want;
} Case;

static const Case cases[] = {
  { "a read with an unknown tag and no revision is fine", READ, "15 2803 2409 07 18", MATTER_OK },
  { "an empty input", READ, "", MATTER_ERROR_IM_MALFORMED },
  { "not a structure", READ, "17 2803 18", MATTER_ERROR_IM_MALFORMED },
  { "a tagged structure", READ, "35 01 2803 18", MATTER_ERROR_IM_MALFORMED },
  { "no FabricFiltered", READ, "15 24ff0b 18", MATTER_ERROR_IM_MALFORMED },
  { "FabricFiltered twice", READ, "15 2803 2903 18", MATTER_ERROR_IM_MALFORMED },
  { "FabricFiltered not a bool", READ, "15 240301 18", MATTER_ERROR_IM_MALFORMED },
  { "an anonymous member", READ, "15 2803 0801 18", MATTER_ERROR_IM_MALFORMED },
  { "trailing bytes", READ, "15 2803 18 00", MATTER_ERROR_IM_MALFORMED },
  { "truncated", READ, "15 2803", MATTER_ERROR_IM_MALFORMED },
  { "paths not an array", READ, "15 3700 18 2803 18", MATTER_ERROR_IM_MALFORMED },
  { "a path that is a structure", READ, "15 3600 15 18 18 2803 18", MATTER_ERROR_IM_MALFORMED },
  { "a path with a string endpoint", READ, "15 3600 17 2c0201 41 18 18 2803 18",
    MATTER_ERROR_IM_MALFORMED },
  { "an endpoint past 16 bits", READ, "15 3600 17 260200000100 18 18 2803 18",
    MATTER_ERROR_IM_MALFORMED },
  { "a path field twice", READ, "15 3600 17 240301 240302 18 18 2803 18",
    MATTER_ERROR_IM_MALFORMED },
  { "a revision not an integer", READ, "15 2803 28ff 18", MATTER_ERROR_IM_MALFORMED },
  { "a filter without endpoint", READ, "15 2803 3604 15 3700 240201 18 240101 18 18 18",
    MATTER_ERROR_IM_MALFORMED },
  { "an event filter without EventMin", READ, "15 2803 3602 15 240001 18 18 18",
    MATTER_ERROR_IM_MALFORMED },
  { "an invoke without InvokeRequests", INVOKE, "15 2800 2801 18", MATTER_ERROR_IM_MALFORMED },
  { "a command path without a command", INVOKE, "15 2800 2801 3602 15 3700 240000 240130 18 18 18 18",
    MATTER_ERROR_IM_MALFORMED },
  { "command fields that are not a structure", INVOKE,
    "15 2800 2801 3602 15 3700 240000 240130 240200 18 240101 18 18 18", MATTER_ERROR_IM_MALFORMED },
  { "an item that is not a structure", INVOKE, "15 2800 2801 3602 0401 18 18",
    MATTER_ERROR_IM_MALFORMED },
  { "a write without WriteRequests", WRITE, "15 2800 2801 18", MATTER_ERROR_IM_MALFORMED },
  { "a write without Data", WRITE, "15 2801 3602 15 3701 240200 18 18 18 18",
    MATTER_ERROR_IM_MALFORMED },
  { "a ListIndex that is a string", WRITE,
    "15 2801 3602 15 3701 240200 2c0501 41 18 240200 18 18 18", MATTER_ERROR_IM_MALFORMED },
  { "a report with both status and data", REPORT,
    "15 3601 15 3500 3700 18 3501 240000 18 3501 3701 18 240200 18 18 18 18",
    MATTER_ERROR_IM_MALFORMED },
  { "a report with neither", REPORT, "15 3601 15 18 18 18", MATTER_ERROR_IM_MALFORMED },
  { "a timed request past 16 bits", TIMED, "15 26000000010018", MATTER_ERROR_IM_MALFORMED },
  { "a timed request without timeout", TIMED, "15 18", MATTER_ERROR_IM_MALFORMED },
  { "a status response with a signed status", STATUS, "15 2000ff 18", MATTER_ERROR_IM_MALFORMED },
  { "a subscribe without intervals", SUBSCRIBE, "15 2800 2807 18", MATTER_ERROR_IM_MALFORMED },
};

static MatterError
decode_kind(Kind kind, const uint8_t *buf, size_t len)
{
  MatterImReadRequest read;
  MatterImInvokeRequest invoke;
  MatterImWriteRequest write;
  MatterImReportData report;
  MatterImSubscribeRequest subscribe;
  uint16_t timeout;
  uint8_t status;

  switch (kind) {
  case READ:
    return matter_im_read_request_decode(buf, len, &read);
  case INVOKE:
    return matter_im_invoke_request_decode(buf, len, &invoke);
  case WRITE:
    return matter_im_write_request_decode(buf, len, &write);
  case REPORT:
    return matter_im_report_data_decode(buf, len, &report);
  case TIMED:
    return matter_im_timed_request_decode(buf, len, &timeout);
  case STATUS:
    return matter_im_status_response_decode(buf, len, &status);
  case SUBSCRIBE:
  default:
    return matter_im_subscribe_request_decode(buf, len, &subscribe);
  }
}

static void
test_malformed(void)
{
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    gsize len;
    g_autofree guint8 *buf = md_test_unhex(cases[i].hex, &len);
    MatterError got = decode_kind(cases[i].kind, buf != NULL ? buf : (guint8 *) "", len);

    if (got != cases[i].want)
      g_error("%s: got %s, want %s", cases[i].what, matter_error_name(got),
              matter_error_name(cases[i].want));
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  g_test_add_func("/im/recorded/chip-tool-read", test_chip_tool_read);
  g_test_add_func("/im/recorded/chip-tool-invokes", test_chip_tool_invokes);
  g_test_add_func("/im/recorded/chip-tool-status", test_chip_tool_status);
  g_test_add_func("/im/recorded/circuitmatter-report", test_circuitmatter_report);
  g_test_add_func("/im/recorded/circuitmatter-invoke-responses",
                  test_circuitmatter_invoke_responses);
  g_test_add_func("/im/round-trip/read", test_read_request_round_trip);
  g_test_add_func("/im/round-trip/subscribe", test_subscribe_round_trip);
  g_test_add_func("/im/round-trip/write", test_write_round_trip);
  g_test_add_func("/im/round-trip/server-messages", test_server_messages_from_ibs);
  g_test_add_func("/im/round-trip/event-reports", test_event_reports_round_trip);
  g_test_add_func("/im/round-trip/small", test_small_messages);
  g_test_add_func("/im/capacity", test_capacity);
  g_test_add_func("/im/malformed", test_malformed);
  return g_test_run();
}
