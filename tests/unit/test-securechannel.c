/* SPDX-License-Identifier: Apache-2.0 */
#include <glib.h>
#include <string.h>

#include "matter/securechannel.h"
#include "matter/tlv.h"
#include "md-test-core.h"
#include "md-test.h"

static void
test_opcodes(void)
{
  /* Core spec 4.10.1, Table 17. */
  static const struct {
    uint8_t opcode;
    const char *name;
  } table[] = {
    { 0x00, "MsgCounterSyncReq" },
    { 0x01, "MsgCounterSyncRsp" },
    { 0x10, "MRP Standalone Acknowledgement" },
    { 0x20, "PBKDFParamRequest" },
    { 0x21, "PBKDFParamResponse" },
    { 0x22, "PASE Pake1" },
    { 0x23, "PASE Pake2" },
    { 0x24, "PASE Pake3" },
    { 0x30, "CASE Sigma1" },
    { 0x31, "CASE Sigma2" },
    { 0x32, "CASE Sigma3" },
    { 0x33, "CASE Sigma2_Resume" },
    { 0x40, "StatusReport" },
  };
  unsigned named = 0;

  for (size_t i = 0; i < G_N_ELEMENTS(table); i++)
    g_assert_cmpstr(matter_sc_opcode_name(table[i].opcode), ==, table[i].name);
  for (unsigned op = 0; op < 256; op++)
    named += matter_sc_opcode_name((uint8_t) op) != NULL;
  g_assert_cmpuint(named, ==, G_N_ELEMENTS(table));
  g_assert_cmpint(MATTER_SC_OPCODE_PBKDF_PARAM_REQUEST, ==, 0x20);
  g_assert_cmpint(MATTER_SC_OPCODE_STATUS_REPORT, ==, 0x40);
}

/* Core spec 4.10.1.5: "StatusReport(GeneralCode: BUSY, ProtocolId:
 * SECURE_CHANNEL, ProtocolCode: BUSY, ProtocolData: [0xF4, 0x01])" asks to
 * wait 500 ms. */
static void
test_busy_spec_example(void)
{
  uint8_t out[16];
  size_t len;
  MatterStatusReport report;
  uint16_t wait = 0;

  md_test_assert_error(matter_status_report_encode_busy(500, out, sizeof(out), &len), MATTER_OK);
  md_test_assert_hex(out, len, "0800 00000000 0400 f401");
  g_assert_cmpuint(len, ==, MATTER_STATUS_REPORT_BUSY_LEN);

  md_test_assert_error(matter_status_report_decode(out, len, &report), MATTER_OK);
  g_assert_cmpuint(report.general_code, ==, MATTER_STATUS_BUSY);
  g_assert_cmpuint(report.protocol_id, ==, MATTER_SC_PROTOCOL_ID);
  g_assert_cmpuint(report.protocol_code, ==, MATTER_SC_STATUS_BUSY);
  g_assert_true(report.data == out + 8);
  g_assert_cmpuint(report.data_len, ==, 2);
  md_test_assert_error(matter_status_report_get_busy_wait(&report, &wait), MATTER_OK);
  g_assert_cmpuint(wait, ==, 500);
  g_assert_true(matter_status_report_is_sc(&report, MATTER_STATUS_BUSY, MATTER_SC_STATUS_BUSY));

  /* Too small for the data. */
  md_test_assert_error(matter_status_report_encode_busy(500, out, 9, &len),
                       MATTER_ERROR_BUFFER_TOO_SMALL);
}

/* PakeFinished as a commissioner (the Matter SDK's chip-tool) received it
 * in a recorded commissioning: adafruit/circuitmatter,
 * test_data/chip_tool_recorded_packets.jsonl, the StatusReport (opcode
 * 0x40) after Pake3. */
static void
test_session_establishment_success(void)
{
  uint8_t out[8];
  size_t len;
  MatterStatusReport report;
  uint16_t wait;

  md_test_assert_error(matter_status_report_encode_sc(
                           MATTER_STATUS_SUCCESS, MATTER_SC_STATUS_SESSION_ESTABLISHMENT_SUCCESS,
                           out, sizeof(out), &len),
                       MATTER_OK);
  md_test_assert_hex(out, len, "0000 00000000 0000");
  md_test_assert_error(matter_status_report_decode(out, len, &report), MATTER_OK);
  g_assert_null(report.data);
  g_assert_cmpuint(report.data_len, ==, 0);
  g_assert_true(matter_status_report_is_sc(&report, MATTER_STATUS_SUCCESS,
                                           MATTER_SC_STATUS_SESSION_ESTABLISHMENT_SUCCESS));
  g_assert_false(matter_status_report_is_sc(&report, MATTER_STATUS_FAILURE,
                                            MATTER_SC_STATUS_SESSION_ESTABLISHMENT_SUCCESS));
  /* Not a BUSY report. */
  md_test_assert_error(matter_status_report_get_busy_wait(&report, &wait),
                       MATTER_ERROR_INVALID_ARGUMENT);

  /* The failure PASE and CASE send: (FAILURE, INVALID_PARAMETER). */
  md_test_assert_error(matter_status_report_encode_sc(MATTER_STATUS_FAILURE,
                                                      MATTER_SC_STATUS_INVALID_PARAMETER, out,
                                                      sizeof(out), &len),
                       MATTER_OK);
  md_test_assert_hex(out, len, "0100 00000000 0200");
}

/* Another protocol's report: the ProtocolId carries the vendor id in its
 * upper half, little-endian on the wire. */
static void
test_vendor_protocol(void)
{
  static const uint8_t data[] = { 0xde, 0xad, 0xbe };
  MatterStatusReport in = {
    .general_code = MATTER_STATUS_PERMISSION_DENIED,
    .protocol_id = 0xFFF10001u,
    .protocol_code = 0x1234,
    .data = data,
    .data_len = sizeof(data),
  };
  MatterStatusReport out;
  uint8_t buf[11];
  size_t len;
  uint16_t wait;

  md_test_assert_error(matter_status_report_encode(&in, buf, sizeof(buf), &len), MATTER_OK);
  md_test_assert_hex(buf, len, "0f00 0100f1ff 3412 deadbe");
  md_test_assert_error(matter_status_report_encode(&in, buf, 10, &len),
                       MATTER_ERROR_BUFFER_TOO_SMALL);
  md_test_assert_error(matter_status_report_decode(buf, sizeof(buf), &out), MATTER_OK);
  g_assert_cmpuint(out.general_code, ==, MATTER_STATUS_PERMISSION_DENIED);
  g_assert_cmpuint(out.protocol_id, ==, 0xFFF10001u);
  g_assert_cmpuint(out.protocol_code, ==, 0x1234);
  g_assert_cmpmem(out.data, out.data_len, data, sizeof(data));
  g_assert_false(matter_status_report_is_sc(&out, MATTER_STATUS_PERMISSION_DENIED, 0x1234));

  /* BUSY codes under another protocol id are not the Secure Channel's. */
  in.general_code = MATTER_STATUS_BUSY;
  in.protocol_code = MATTER_SC_STATUS_BUSY;
  in.data_len = 2;
  md_test_assert_error(matter_status_report_get_busy_wait(&in, &wait),
                       MATTER_ERROR_INVALID_ARGUMENT);
}

static void
test_status_report_errors(void)
{
  static const uint8_t busy3[] = { 0x08, 0, 0, 0, 0, 0, 0x04, 0, 0xf4, 0x01, 0x00 };
  uint8_t buf[16] = { 0 };
  MatterStatusReport report = { 0 };
  size_t len;
  uint16_t wait;

  for (size_t n = 0; n < MATTER_STATUS_REPORT_MIN_LEN; n++)
    md_test_assert_error(matter_status_report_decode(buf, n, &report), MATTER_ERROR_TRUNCATED);
  md_test_assert_error(matter_status_report_decode(NULL, 0, &report), MATTER_ERROR_TRUNCATED);
  md_test_assert_error(matter_status_report_decode(NULL, 8, &report),
                       MATTER_ERROR_INVALID_ARGUMENT);
  md_test_assert_error(matter_status_report_decode(buf, 8, NULL), MATTER_ERROR_INVALID_ARGUMENT);
  md_test_assert_error(matter_status_report_encode(&report, buf, 7, &len),
                       MATTER_ERROR_BUFFER_TOO_SMALL);
  report.data_len = 1;
  md_test_assert_error(matter_status_report_encode(&report, buf, sizeof(buf), &len),
                       MATTER_ERROR_INVALID_ARGUMENT);
  md_test_assert_error(matter_status_report_encode(NULL, buf, sizeof(buf), &len),
                       MATTER_ERROR_INVALID_ARGUMENT);

  /* A BUSY report whose data is not exactly 2 bytes has no wait. */
  md_test_assert_error(matter_status_report_decode(busy3, sizeof(busy3), &report), MATTER_OK);
  md_test_assert_error(matter_status_report_get_busy_wait(&report, &wait),
                       MATTER_ERROR_INVALID_ARGUMENT);
  md_test_assert_error(matter_status_report_decode(busy3, 9, &report), MATTER_OK);
  md_test_assert_error(matter_status_report_get_busy_wait(&report, &wait),
                       MATTER_ERROR_INVALID_ARGUMENT);
  md_test_assert_error(matter_status_report_decode(busy3, 10, &report), MATTER_OK);
  md_test_assert_error(matter_status_report_get_busy_wait(&report, &wait), MATTER_OK);
  g_assert_cmpuint(wait, ==, 500);
}

/* ---- Session parameters --------------------------------------------- */

/* Decodes @hex, one element, as session parameters. */
static MatterError
decode_params(const char *hex, MatterSessionParams *params)
{
  gsize len;
  g_autofree guint8 *buf = md_test_unhex(hex, &len);
  MatterTlvReader r;

  matter_tlv_reader_init(&r, buf, len);
  g_assert_cmpint(matter_tlv_next(&r), ==, MATTER_OK);
  return matter_session_params_decode(&r, params);
}

/* The initiatorSessionParams [5] of the PBKDFParamRequest a Matter 1.4
 * chip-tool sent in a recorded commissioning (adafruit/circuitmatter,
 * test_data/chip_tool_recorded_packets.jsonl). */
static const char chip_tool_params[] = "3505 2501f401 25022c01 2503a00f 240412 24050b"
                                       "   260600000401 240701 18";

static void
test_params_chip_tool(void)
{
  MatterSessionParams p;
  uint8_t out[64];
  MatterTlvWriter w;
  size_t len;

  md_test_assert_error(decode_params(chip_tool_params, &p), MATTER_OK);
  g_assert_cmphex(
      p.present, ==,
      MATTER_SESSION_PARAM_IDLE_INTERVAL | MATTER_SESSION_PARAM_ACTIVE_INTERVAL |
          MATTER_SESSION_PARAM_ACTIVE_THRESHOLD | MATTER_SESSION_PARAM_DATA_MODEL_REVISION |
          MATTER_SESSION_PARAM_INTERACTION_MODEL_REV | MATTER_SESSION_PARAM_SPECIFICATION_VERSION |
          MATTER_SESSION_PARAM_MAX_PATHS_PER_INVOKE);
  g_assert_cmpuint(p.idle_interval_ms, ==, 500);
  g_assert_cmpuint(p.active_interval_ms, ==, 300);
  g_assert_cmpuint(p.active_threshold_ms, ==, 4000);
  g_assert_cmpuint(p.data_model_revision, ==, 18);
  g_assert_cmpuint(p.interaction_model_revision, ==, 11);
  g_assert_cmphex(p.specification_version, ==, 0x01040000);
  g_assert_cmpuint(p.max_paths_per_invoke, ==, 1);

  /* The SDK writes the narrowest integers too: the same bytes again. */
  matter_tlv_writer_init(&w, out, sizeof(out));
  md_test_assert_error(matter_session_params_encode(&w, matter_tlv_tag_context(5), &p), MATTER_OK);
  md_test_assert_error(matter_tlv_writer_finish(&w, &len), MATTER_OK);
  md_test_assert_hex(out, len, chip_tool_params);
}

static void
test_params_round_trip(void)
{
  MatterSessionParams all = {
    .present = MATTER_SESSION_PARAM_ALL,
    .idle_interval_ms = 0xFFFFFFFFu,
    .active_interval_ms = 0x80000000u,
    .active_threshold_ms = 0xFFFF,
    .data_model_revision = 0xFFFF,
    .interaction_model_revision = 0x8000,
    .specification_version = 0xFFFFFFFFu,
    .max_paths_per_invoke = 0xFFFF,
    .supported_transports =
        MATTER_SESSION_TRANSPORT_TCP_CLIENT | MATTER_SESSION_TRANSPORT_TCP_SERVER | 0x8000,
    .max_tcp_message_size = 0xFFFFFFFFu,
  };
  uint8_t out[MATTER_SESSION_PARAMS_MAX_LEN];
  MatterTlvWriter w;
  MatterTlvReader r;
  MatterSessionParams back;
  size_t len;

  /* The widest values fill MATTER_SESSION_PARAMS_MAX_LEN exactly. */
  matter_tlv_writer_init(&w, out, sizeof(out));
  md_test_assert_error(matter_session_params_encode(&w, matter_tlv_tag_context(255), &all),
                       MATTER_OK);
  md_test_assert_error(matter_tlv_writer_finish(&w, &len), MATTER_OK);
  g_assert_cmpuint(len, ==, MATTER_SESSION_PARAMS_MAX_LEN);
  matter_tlv_reader_init(&r, out, len);
  md_test_assert_error(matter_tlv_next(&r), MATTER_OK);
  md_test_assert_error(matter_session_params_decode(&r, &back), MATTER_OK);
  md_test_assert_session_params_equal(&back, &all);
  /* The reader stays on the structure. */
  g_assert_cmpint(matter_tlv_get_type(&r), ==, MATTER_TLV_TYPE_STRUCTURE);
  g_assert_cmpuint(matter_tlv_get_depth(&r), ==, 0);

  /* One byte short. */
  matter_tlv_writer_init(&w, out, sizeof(out) - 1);
  md_test_assert_error(matter_session_params_encode(&w, matter_tlv_tag_context(255), &all),
                       MATTER_ERROR_BUFFER_TOO_SMALL);

  /* Each field alone, and none: absent fields stay 0. */
  for (unsigned tag = 0; tag <= 9; tag++) {
    MatterSessionParams one = all;

    one.present = tag == 0 ? 0 : (uint16_t) (1u << tag);
    matter_tlv_writer_init(&w, out, sizeof(out));
    md_test_assert_error(matter_session_params_encode(&w, matter_tlv_tag_anonymous(), &one),
                         MATTER_OK);
    md_test_assert_error(matter_tlv_writer_finish(&w, &len), MATTER_OK);
    matter_tlv_reader_init(&r, out, len);
    md_test_assert_error(matter_tlv_next(&r), MATTER_OK);
    md_test_assert_error(matter_session_params_decode(&r, &back), MATTER_OK);
    g_assert_cmphex(back.present, ==, one.present);
    if (tag == 0)
      g_assert_cmpuint(len, ==, 2);
  }
  md_test_assert_error(decode_params("15 2403 00 18", &back), MATTER_OK);
  g_assert_cmphex(back.present, ==, MATTER_SESSION_PARAM_ACTIVE_THRESHOLD);
  g_assert_cmpuint(back.active_threshold_ms, ==, 0);
  g_assert_cmpuint(back.idle_interval_ms, ==, 0);
}

/* Tags the spec does not define yet are skipped (4.13.1.2 reserves them);
 * so are tags of other forms. */
static void
test_params_unknown_tags(void)
{
  MatterSessionParams p;

  /* Context tags 10, 200 and 0; a fully-qualified tag. */
  md_test_assert_error(
      decode_params("15 240a07 2cc803616263 2501f401 350018 c4ffff0100aa0007 18", &p), MATTER_OK);
  g_assert_cmphex(p.present, ==, MATTER_SESSION_PARAM_IDLE_INTERVAL);
  g_assert_cmpuint(p.idle_interval_ms, ==, 500);
}

static void
test_params_invalid(void)
{
  static const struct {
    const char *hex;
    MatterError want;
  } cases[] = {
    /* A field twice. */
    { "15 2501f401 2501f401 18", MATTER_ERROR_TLV_BAD_TAG },
    /* SESSION_IDLE_INTERVAL as a string. */
    { "15 2c0103616263 18", MATTER_ERROR_TLV_WRONG_TYPE },
    /* SESSION_ACTIVE_THRESHOLD is 16 bits wide: 70000 does not fit. */
    { "15 260370110100 18", MATTER_ERROR_TLV_OUT_OF_RANGE },
    /* Negative. */
    { "15 2003ff 18", MATTER_ERROR_TLV_OUT_OF_RANGE },
    /* SPECIFICATION_VERSION is 32 bits wide. */
    { "15 27060000000001000000 18", MATTER_ERROR_TLV_OUT_OF_RANGE },
    /* Not a structure. */
    { "1618", MATTER_ERROR_TLV_WRONG_TYPE },
    { "2401 05", MATTER_ERROR_TLV_WRONG_TYPE },
    /* Open structure. */
    { "15 2501f401", MATTER_ERROR_TRUNCATED },
  };
  MatterSessionParams p;

  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_test_message("case %zu: %s", i, cases[i].hex);
    md_test_assert_error(decode_params(cases[i].hex, &p), cases[i].want);
  }
  md_test_assert_error(matter_session_params_decode(NULL, &p), MATTER_ERROR_INVALID_ARGUMENT);
  md_test_assert_error(matter_session_params_encode(NULL, matter_tlv_tag_anonymous(), &p),
                       MATTER_ERROR_INVALID_ARGUMENT);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/securechannel/opcodes", test_opcodes);
  g_test_add_func("/securechannel/status-report/busy-spec-example", test_busy_spec_example);
  g_test_add_func("/securechannel/status-report/session-establishment-success",
                  test_session_establishment_success);
  g_test_add_func("/securechannel/status-report/vendor-protocol", test_vendor_protocol);
  g_test_add_func("/securechannel/status-report/errors", test_status_report_errors);
  g_test_add_func("/securechannel/session-params/chip-tool", test_params_chip_tool);
  g_test_add_func("/securechannel/session-params/round-trip", test_params_round_trip);
  g_test_add_func("/securechannel/session-params/unknown-tags", test_params_unknown_tags);
  g_test_add_func("/securechannel/session-params/invalid", test_params_invalid);
  return g_test_run();
}
