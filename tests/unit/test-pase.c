/* SPDX-License-Identifier: Apache-2.0 */
#include <glib.h>
#include <string.h>

#include "matter/crypto.h"
#include "matter/pase.h"
#include "matter/payload.h"
#include "md-test-core.h"
#include "md-test.h"
#include "pase-initiator.h"

#define MSG_MAX MATTER_PASE_MESSAGE_MAX

/* (FAILURE, SECURE_CHANNEL, INVALID_PARAMETER) and PakeFinished. */
static const char status_invalid_parameter[] = "0100 00000000 0200";
static const char status_pake_finished[] = "0000 00000000 0000";

/* ---- A recorded commissioning --------------------------------------- */

/* A Matter SDK chip-tool (Matter 1.4) commissioning a device, recorded by
 * adafruit/circuitmatter: test_data/chip_tool_recorded_packets.jsonl (the
 * payloads of the PASE messages, the device's random draws) with the
 * device's state in test_data/device_state-uncommissioned.json (passcode
 * 67202583, 10000 iterations, the salt, and the verifier w0 || L). */
static const char rec_w0[] = "d311aac49141aff56242dde5bf5630e45d0670f040b4516f5c1f847082231f97";
static const char rec_L[] = "04b2390f6470d0c855a303a21d7beda069f627660232ea024181d24e943f21b4"
                            "064a7b48ba9c8853fc00ec0561f80af65c977ee7fe87c4104096484055e2fcbfd0";
static const char rec_salt[] = "e6e08fd084c763323da8111eea17d4e077d8df2ed5a294a4d2a36f86fce78624";
#define REC_PASSCODE 67202583u
#define REC_ITERATIONS 10000u
#define REC_SESSION_ID 1
/* The device's responderRandom and SPAKE2+ y (drawn with randbelow(n)). */
static const char rec_responder_random[] =
    "49e73fc04baf0046012a234ad53036a7839ab53914fbe8afac3825f60b81ea87";
static const char rec_y[] = "0daf9b2b21344dae15b4d1a815bc348e4b18563c260037506a421d49258ce754";
static const char rec_request[] =
    "1530012095 9eb24c259836ee6fcc7690b39b5225f418935c86f425e9a021ea524ecb4a7d"
    "2502d562 240300 2804 3505 2501f401 25022c01 2503a00f 240412 24050b 260600000401 240701"
    "18 18";
static const char rec_response[] =
    "15 300120 959eb24c259836ee6fcc7690b39b5225f418935c86f425e9a021ea524ecb4a7d"
    "300220 49e73fc04baf0046012a234ad53036a7839ab53914fbe8afac3825f60b81ea87 240301"
    "3504 25011027 300220 e6e08fd084c763323da8111eea17d4e077d8df2ed5a294a4d2a36f86fce78624 18"
    "18";
static const char rec_pake1[] =
    "15 300141 04fdbe6b911ba3003003a2045ce29b851fe6681c05d5e58ff74380426ccc6605b8"
    "1f027b4b0793bfb976e7b0b5dedc12bc4c6553ac71948b3befda0c736b232e90 18";
static const char rec_pake2[] =
    "15 300141 04cb4c84997d8a63fee5acd2153ded9cd8003780a89fb34bb56e1db042df8b086e"
    "ea5a02913574c744f0164a9eb71e017af964055092a69ee9b0552f44be432e54"
    "300220 1ba8adcacc79c7f0cd28d9d36d45ada3c9d10a442d997034ad2f78840e1a06b7 18";
static const char rec_pake3[] =
    "15 300120 4d6192c3bdb62a512a59f475be2abc5e60e87b78c5d23f4c04cc7195d278ec7f 18";
/* Messages of the new session, whole: header (flags, session id, security
 * flags, counter) || ciphertext || MIC. chip-tool to the device (I2RKey,
 * session 1), an Interaction Model StatusResponse: */
static const char rec_i2r_message[] = "00 0100 00 8c10b40a"
                                      "730be8b7f39e02348db9fe6db089"
                                      "2b78dcf153412f5c1184271dd3b02e15";
/* and the device to chip-tool (R2IKey, session 0x62d5): */
static const char rec_r2i_message[] =
    "00 d562 00 49548b0c"
    "579f3672a58a0d5672f83fdf53a3141c670a798b2e7973da63533d163d9b01f9d78aab556c"
    "b0e2a9c9b75bd56d56eb6b98e4752199";

/* ---- Helpers --------------------------------------------------------- */

/* The verifier the tests' responders use: passcode 20202021 (the SDK's
 * test passcode) with its "SPAKE2P Key Salt" and 1000 iterations. */
#define PASSCODE 20202021u
#define ITERATIONS 1000u
#define RESPONDER_SESSION_ID 0x1234
#define INITIATOR_SESSION_ID 0xabcd
static const uint8_t salt[16] = "SPAKE2P Key Salt";

typedef struct {
  uint8_t w0[MATTER_SPAKE2P_W_LEN];
  uint8_t L[MATTER_SPAKE2P_POINT_LEN];
} Verifier;

static const Verifier *
verifier(void)
{
  static Verifier v;
  static gsize done;

  if (g_once_init_enter(&done)) {
    md_test_assert_error(
        matter_payload_compute_verifier(PASSCODE, salt, sizeof(salt), ITERATIONS, v.w0, v.L),
        MATTER_OK);
    g_once_init_leave(&done, 1);
  }
  return &v;
}

static const MatterSessionParams responder_params = {
  .present = MATTER_SESSION_PARAM_IDLE_INTERVAL | MATTER_SESSION_PARAM_ACTIVE_INTERVAL |
             MATTER_SESSION_PARAM_ACTIVE_THRESHOLD | MATTER_SESSION_PARAM_DATA_MODEL_REVISION |
             MATTER_SESSION_PARAM_INTERACTION_MODEL_REV |
             MATTER_SESSION_PARAM_SPECIFICATION_VERSION | MATTER_SESSION_PARAM_MAX_PATHS_PER_INVOKE,
  .idle_interval_ms = 500,
  .active_interval_ms = 300,
  .active_threshold_ms = 4000,
  .data_model_revision = 19,
  .interaction_model_revision = 12,
  .specification_version = 0x01040200,
  .max_paths_per_invoke = 1,
};

static const MatterSessionParams initiator_params = {
  .present = MATTER_SESSION_PARAM_IDLE_INTERVAL | MATTER_SESSION_PARAM_ACTIVE_INTERVAL,
  .idle_interval_ms = 5000,
  .active_interval_ms = 300,
};

static MatterPaseResponder *
responder_new(void)
{
  MatterPaseResponder *resp = NULL;

  md_test_assert_error(matter_pase_responder_new(verifier()->w0, verifier()->L, salt, sizeof(salt),
                                                 ITERATIONS, RESPONDER_SESSION_ID,
                                                 &responder_params, &resp),
                       MATTER_OK);
  g_assert_cmpint(matter_pase_responder_get_state(resp), ==, MATTER_PASE_STATE_IDLE);
  return resp;
}

static MdTestPaseInitiator *
initiator_new(uint32_t passcode, bool has_pbkdf_params)
{
  MdTestPaseConfig config = {
    .passcode = passcode,
    .session_id = INITIATOR_SESSION_ID,
    .has_pbkdf_params = has_pbkdf_params,
    .salt = salt,
    .salt_len = sizeof(salt),
    .iterations = ITERATIONS,
    .params = &initiator_params,
  };
  MdTestPaseInitiator *init = NULL;

  md_test_assert_error(md_test_pase_initiator_new(&config, &init), MATTER_OK);
  return init;
}

/* The message in flight between the two. */
typedef struct {
  uint8_t opcode;
  uint8_t buf[MSG_MAX];
  size_t len;
} Msg;

/* Hands @msg to the responder, which must return @want; its answer
 * replaces @msg. */
static void
to_responder(MatterPaseResponder *resp, Msg *msg, MatterError want)
{
  Msg out;

  md_test_assert_error(matter_pase_responder_handle(resp, msg->opcode, msg->buf, msg->len,
                                                    &out.opcode, out.buf, sizeof(out.buf),
                                                    &out.len),
                       want);
  *msg = out;
}

static void
to_initiator(MdTestPaseInitiator *init, Msg *msg, MatterError want)
{
  Msg out;

  md_test_assert_error(md_test_pase_initiator_handle(init, msg->opcode, msg->buf, msg->len,
                                                     &out.opcode, out.buf, sizeof(out.buf),
                                                     &out.len),
                       want);
  *msg = out;
}

static void
set_msg(Msg *msg, uint8_t opcode, const char *hex)
{
  g_autofree guint8 *bytes = NULL;
  gsize len;

  bytes = md_test_unhex(hex, &len);
  g_assert_cmpuint(len, <=, sizeof(msg->buf));
  msg->opcode = opcode;
  if (len > 0)
    memcpy(msg->buf, bytes, len);
  msg->len = len;
}

static void
assert_status(const Msg *msg, const char *hex)
{
  g_assert_cmpuint(msg->opcode, ==, MATTER_SC_OPCODE_STATUS_REPORT);
  md_test_assert_hex(msg->buf, msg->len, hex);
}

static void
assert_failure(const MatterPaseResponder *resp, MatterError want, MatterError want_detail)
{
  MatterError detail;

  md_test_assert_error(matter_pase_responder_get_failure(resp, &detail), want);
  md_test_assert_error(detail, want_detail);
}

/* Runs the initiator and the responder up to (and not including) the
 * message that the responder would take next: 0 = request, 1 = Pake1,
 * 2 = Pake3. @msg is then that message from the initiator. */
static void
run_until(MatterPaseResponder *resp, MdTestPaseInitiator *init, int stage, Msg *msg)
{
  md_test_assert_error(
      md_test_pase_initiator_start(init, &msg->opcode, msg->buf, sizeof(msg->buf), &msg->len),
      MATTER_OK);
  g_assert_cmpuint(msg->opcode, ==, MATTER_SC_OPCODE_PBKDF_PARAM_REQUEST);
  for (int i = 0; i < stage; i++) {
    to_responder(resp, msg, MATTER_OK);
    g_assert_cmpint(matter_pase_responder_get_state(resp), ==, MATTER_PASE_STATE_IN_PROGRESS);
    to_initiator(init, msg, MATTER_OK);
  }
}

/* ---- Codecs ---------------------------------------------------------- */

static void
test_codec_recorded(void)
{
  g_autofree guint8 *req_bytes = NULL, *rsp_bytes = NULL, *p1 = NULL, *p2 = NULL, *p3 = NULL;
  gsize req_len, rsp_len, p1_len, p2_len, p3_len;
  MatterPbkdfParamRequest req;
  MatterPbkdfParamResponse rsp;
  MatterPake1 pake1;
  MatterPake2 pake2;
  MatterPake3 pake3;
  uint8_t out[MSG_MAX];
  size_t len;

  req_bytes = md_test_unhex(rec_request, &req_len);
  md_test_assert_error(matter_pase_pbkdf_request_decode(req_bytes, req_len, &req), MATTER_OK);
  md_test_assert_hex(req.initiator_random, sizeof(req.initiator_random),
                     "959eb24c259836ee6fcc7690b39b5225f418935c86f425e9a021ea524ecb4a7d");
  g_assert_cmphex(req.initiator_session_id, ==, 0x62d5);
  g_assert_cmpuint(req.passcode_id, ==, 0);
  g_assert_false(req.has_pbkdf_params);
  g_assert_true(req.has_session_params);
  g_assert_cmpuint(req.session_params.idle_interval_ms, ==, 500);
  g_assert_cmphex(req.session_params.specification_version, ==, 0x01040000);
  md_test_assert_error(matter_pase_pbkdf_request_encode(&req, out, sizeof(out), &len), MATTER_OK);
  md_test_assert_hex(out, len, rec_request);

  rsp_bytes = md_test_unhex(rec_response, &rsp_len);
  md_test_assert_error(matter_pase_pbkdf_response_decode(rsp_bytes, rsp_len, &rsp), MATTER_OK);
  g_assert_cmpmem(rsp.initiator_random, 32, req.initiator_random, 32);
  md_test_assert_hex(rsp.responder_random, 32, rec_responder_random);
  g_assert_cmpuint(rsp.responder_session_id, ==, REC_SESSION_ID);
  g_assert_true(rsp.has_pbkdf_params);
  g_assert_cmpuint(rsp.iterations, ==, REC_ITERATIONS);
  md_test_assert_hex(rsp.salt, rsp.salt_len, rec_salt);
  g_assert_false(rsp.has_session_params);
  md_test_assert_error(matter_pase_pbkdf_response_encode(&rsp, out, sizeof(out), &len), MATTER_OK);
  md_test_assert_hex(out, len, rec_response);

  p1 = md_test_unhex(rec_pake1, &p1_len);
  md_test_assert_error(matter_pase_pake1_decode(p1, p1_len, &pake1), MATTER_OK);
  md_test_assert_error(matter_pase_pake1_encode(&pake1, out, sizeof(out), &len), MATTER_OK);
  md_test_assert_hex(out, len, rec_pake1);
  p2 = md_test_unhex(rec_pake2, &p2_len);
  md_test_assert_error(matter_pase_pake2_decode(p2, p2_len, &pake2), MATTER_OK);
  md_test_assert_error(matter_pase_pake2_encode(&pake2, out, sizeof(out), &len), MATTER_OK);
  md_test_assert_hex(out, len, rec_pake2);
  p3 = md_test_unhex(rec_pake3, &p3_len);
  md_test_assert_error(matter_pase_pake3_decode(p3, p3_len, &pake3), MATTER_OK);
  md_test_assert_error(matter_pase_pake3_encode(&pake3, out, sizeof(out), &len), MATTER_OK);
  md_test_assert_hex(out, len, rec_pake3);
  md_test_assert_error(matter_pase_pake3_encode(&pake3, out, len - 1, &len),
                       MATTER_ERROR_BUFFER_TOO_SMALL);
}

static void
test_codec_round_trip(void)
{
  MatterPbkdfParamResponse rsp = { 0 }, back;
  MatterPbkdfParamRequest req = { 0 }, req_back;
  uint8_t out[MSG_MAX];
  size_t len;

  /* Without PBKDF parameters (the initiator had them), with the largest
   * session parameters. */
  memset(rsp.initiator_random, 0xaa, 32);
  memset(rsp.responder_random, 0xbb, 32);
  rsp.responder_session_id = 0xffff;
  rsp.has_session_params = true;
  rsp.session_params.present = MATTER_SESSION_PARAM_ALL;
  rsp.session_params.max_tcp_message_size = 0xffffffffu;
  md_test_assert_error(matter_pase_pbkdf_response_encode(&rsp, out, sizeof(out), &len), MATTER_OK);
  md_test_assert_error(matter_pase_pbkdf_response_decode(out, len, &back), MATTER_OK);
  g_assert_false(back.has_pbkdf_params);
  g_assert_cmpmem(&back, sizeof(back), &rsp, sizeof(rsp));

  /* With the largest salt: the biggest message this module writes. */
  rsp.has_pbkdf_params = true;
  rsp.iterations = MATTER_PASE_ITERATIONS_MAX;
  rsp.salt_len = MATTER_PASE_SALT_MAX;
  memset(rsp.salt, 0x5a, sizeof(rsp.salt));
  rsp.session_params.idle_interval_ms = rsp.session_params.active_interval_ms = 0xffffffffu;
  rsp.session_params.specification_version = 0xffffffffu;
  rsp.session_params.active_threshold_ms = rsp.session_params.data_model_revision = 0xffff;
  rsp.session_params.interaction_model_revision = rsp.session_params.max_paths_per_invoke = 0xffff;
  rsp.session_params.supported_transports = 0xffff;
  md_test_assert_error(matter_pase_pbkdf_response_encode(&rsp, out, sizeof(out), &len), MATTER_OK);
  g_assert_cmpuint(len, ==, 167);
  md_test_assert_error(matter_pase_pbkdf_response_decode(out, len, &back), MATTER_OK);
  g_assert_cmpmem(&back, sizeof(back), &rsp, sizeof(rsp));
  rsp.salt_len = MATTER_PASE_SALT_MAX + 1;
  md_test_assert_error(matter_pase_pbkdf_response_encode(&rsp, out, sizeof(out), &len),
                       MATTER_ERROR_INVALID_ARGUMENT);
  rsp.salt_len = MATTER_PASE_SALT_MIN - 1;
  md_test_assert_error(matter_pase_pbkdf_response_encode(&rsp, out, sizeof(out), &len),
                       MATTER_ERROR_INVALID_ARGUMENT);

  /* A request without session parameters; hasPBKDFParameters true. */
  memset(req.initiator_random, 0x11, 32);
  req.initiator_session_id = 1;
  req.has_pbkdf_params = true;
  md_test_assert_error(matter_pase_pbkdf_request_encode(&req, out, sizeof(out), &len), MATTER_OK);
  md_test_assert_hex(out, len,
                     "15 300120 1111111111111111111111111111111111111111111111111111111111111111"
                     "240201 240300 2904 18");
  md_test_assert_error(matter_pase_pbkdf_request_decode(out, len, &req_back), MATTER_OK);
  g_assert_cmpmem(&req_back, sizeof(req_back), &req, sizeof(req));
  md_test_assert_error(matter_pase_pbkdf_request_encode(&req, out, len - 1, &len),
                       MATTER_ERROR_BUFFER_TOO_SMALL);
  md_test_assert_error(matter_pase_pbkdf_request_encode(NULL, out, sizeof(out), &len),
                       MATTER_ERROR_INVALID_ARGUMENT);
}

typedef MatterError (*DecodeFunc)(const uint8_t *buf, size_t len);

static MatterError
decode_request(const uint8_t *buf, size_t len)
{
  MatterPbkdfParamRequest m;

  return matter_pase_pbkdf_request_decode(buf, len, &m);
}

static MatterError
decode_response(const uint8_t *buf, size_t len)
{
  MatterPbkdfParamResponse m;

  return matter_pase_pbkdf_response_decode(buf, len, &m);
}

static MatterError
decode_pake1(const uint8_t *buf, size_t len)
{
  MatterPake1 m;

  return matter_pase_pake1_decode(buf, len, &m);
}

static MatterError
decode_pake2(const uint8_t *buf, size_t len)
{
  MatterPake2 m;

  return matter_pase_pake2_decode(buf, len, &m);
}

static MatterError
decode_pake3(const uint8_t *buf, size_t len)
{
  MatterPake3 m;

  return matter_pase_pake3_decode(buf, len, &m);
}

#define R32 "3001 20 0000000000000000000000000000000000000000000000000000000000000000"
#define R31 "3001 1f 00000000000000000000000000000000000000000000000000000000000000"
#define RR32 "3002 20 0000000000000000000000000000000000000000000000000000000000000000"
#define HASH "0000000000000000000000000000000000000000000000000000000000000000"
#define H31 "00000000000000000000000000000000000000000000000000000000000000"
#define POINT                                                                                    \
  "04"                                                                                           \
  "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" \
  "000000000000000000000000000000000000"

static void
test_codec_malformed(void)
{
  static const struct {
    DecodeFunc decode;
    const char *hex;
    MatterError want;
  } cases[] = {
    /* Not one anonymous structure. */
    { decode_request, "", MATTER_ERROR_TRUNCATED },
    { decode_request, "ff", MATTER_ERROR_TLV_BAD_ELEMENT_TYPE },
    { decode_request, "1618", MATTER_ERROR_TLV_WRONG_TYPE },
    { decode_request, "3501 " R32 " 2502d562 240300 2804 18", MATTER_ERROR_PASE_INVALID_MESSAGE },
    { decode_request, "15 " R32 " 2502d562 240300 2804 18 00", MATTER_ERROR_TLV_TRAILING },
    { decode_request, "15 " R32 " 2502d562 240300 2804", MATTER_ERROR_TRUNCATED },
    /* Fields missing, of the wrong length, width or type, or twice. */
    { decode_request, "15 " R32 " 2502d562 240300 18", MATTER_ERROR_TLV_NOT_FOUND },
    { decode_request, "15 2502d562 240300 2804 18", MATTER_ERROR_TLV_NOT_FOUND },
    { decode_request, "15 " R31 " 2502d562 240300 2804 18", MATTER_ERROR_PASE_INVALID_MESSAGE },
    { decode_request, "15 " R32 " 260200000100 240300 2804 18", MATTER_ERROR_TLV_OUT_OF_RANGE },
    { decode_request, "15 " R32 " 2502d562 240300 240401 18", MATTER_ERROR_TLV_WRONG_TYPE },
    { decode_request, "15 " R32 " 2502d562 240300 2804 2804 18", MATTER_ERROR_TLV_BAD_TAG },
    { decode_request, "15 " R32 " 2502d562 240300 2804 240505 18", MATTER_ERROR_TLV_WRONG_TYPE },
    { decode_request, "15 " R32 " 2502d562 240300 2804 3505 26037011010018 18",
      MATTER_ERROR_TLV_OUT_OF_RANGE },
    /* Unknown context tags are skipped: these decode. */
    { decode_request, "15 " R32 " 2502d562 240300 2804 24060a 18", MATTER_OK },
    { decode_request, "15 2406ff 2804 " R32 " 240300 2502d562 18", MATTER_OK },
    { decode_response, "15 " R32 " " RR32 " 240301 18", MATTER_OK },
    { decode_response, "15 " R32 " " RR32 " 240301 3504 25011027 18 18",
      MATTER_ERROR_TLV_NOT_FOUND },
    { decode_response,
      "15 " R32 " " RR32 " 240301 3504 25011027 30020f 000000000000000000000000000000 18 18",
      MATTER_ERROR_PASE_INVALID_MESSAGE },
    { decode_response, "15 " R32 " " RR32 " 240301 2404 00 18", MATTER_ERROR_TLV_WRONG_TYPE },
    { decode_pake1, "15 300141 " POINT " 18", MATTER_OK },
    { decode_pake1, "15 300140 " HASH HASH " 18", MATTER_ERROR_PASE_INVALID_MESSAGE },
    { decode_pake1, "15 18", MATTER_ERROR_TLV_NOT_FOUND },
    { decode_pake1, "15 2c0103616263 18", MATTER_ERROR_TLV_WRONG_TYPE },
    { decode_pake2, "15 300141 " POINT " 300220 " HASH " 18", MATTER_OK },
    { decode_pake2, "15 300141 " POINT " 18", MATTER_ERROR_TLV_NOT_FOUND },
    { decode_pake2, "15 300141 " POINT " 300221 " HASH "00 18", MATTER_ERROR_PASE_INVALID_MESSAGE },
    { decode_pake3, "15 300120 " HASH " 18", MATTER_OK },
    { decode_pake3, "15 300120 " HASH " 300120 " HASH " 18", MATTER_ERROR_TLV_BAD_TAG },
    { decode_pake3, "15 30011f " H31 " 18", MATTER_ERROR_PASE_INVALID_MESSAGE },
  };

  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree guint8 *buf = NULL;
    gsize len;

    g_test_message("case %zu: %s", i, cases[i].hex);
    buf = md_test_unhex(cases[i].hex, &len);
    md_test_assert_error(cases[i].decode(buf, len), cases[i].want);
  }
}

/* ---- Responder against a recorded commissioning ---------------------- */

/* AES-CCM with the nonce of Core spec 4.7.1.1: security flags || counter
 * || source node id (0, unspecified, in a PASE session); the header is
 * the additional data. */
static void
assert_decrypts(const uint8_t key[MATTER_PASE_KEY_LEN], const char *message_hex, uint8_t opcode,
                uint16_t protocol)
{
  const size_t header = 8, mic = MATTER_AES_CCM_TAG_LEN;
  uint8_t nonce[MATTER_AES_CCM_NONCE_LEN] = { 0 };
  gsize len;
  g_autofree guint8 *m = md_test_unhex(message_hex, &len);
  const size_t ct_len = len - header - mic;
  g_autofree guint8 *plain = g_malloc(ct_len);

  nonce[0] = m[3];
  memcpy(nonce + 1, m + 4, 4);
  md_test_assert_error(matter_aes_ccm_decrypt(key, nonce, sizeof(nonce), m, header, m + header,
                                              ct_len, m + header + ct_len, mic, plain),
                       MATTER_OK);
  /* Protocol header: exchange flags, opcode, exchange id, protocol id. */
  g_assert_cmpuint(plain[1], ==, opcode);
  g_assert_cmpuint(plain[4] | plain[5] << 8, ==, protocol);
}

static void
test_responder_recorded(void)
{
  uint8_t w0[MATTER_SPAKE2P_W_LEN], L[MATTER_SPAKE2P_POINT_LEN], rsalt[32], y[32], rnd[32];
  MatterPaseResponder *resp = NULL;
  MatterPaseResult result;
  Msg msg;

  md_test_unhex_into(rec_w0, w0, sizeof(w0));
  md_test_unhex_into(rec_L, L, sizeof(L));
  md_test_unhex_into(rec_salt, rsalt, sizeof(rsalt));
  md_test_unhex_into(rec_y, y, sizeof(y));
  md_test_unhex_into(rec_responder_random, rnd, sizeof(rnd));

  /* The stored verifier is the passcode's. */
  {
    uint8_t w0_check[MATTER_SPAKE2P_W_LEN], L_check[MATTER_SPAKE2P_POINT_LEN];

    md_test_assert_error(matter_payload_compute_verifier(REC_PASSCODE, rsalt, sizeof(rsalt),
                                                         REC_ITERATIONS, w0_check, L_check),
                         MATTER_OK);
    g_assert_cmpmem(w0_check, sizeof(w0_check), w0, sizeof(w0));
    g_assert_cmpmem(L_check, sizeof(L_check), L, sizeof(L));
  }

  md_test_assert_error(matter_pase_responder_new(w0, L, rsalt, sizeof(rsalt), REC_ITERATIONS,
                                                 REC_SESSION_ID, NULL, &resp),
                       MATTER_OK);
  md_test_assert_error(matter_pase_responder_set_test_values(resp, rnd, y), MATTER_OK);

  set_msg(&msg, MATTER_SC_OPCODE_PBKDF_PARAM_REQUEST, rec_request);
  to_responder(resp, &msg, MATTER_OK);
  g_assert_cmpuint(msg.opcode, ==, MATTER_SC_OPCODE_PBKDF_PARAM_RESPONSE);
  md_test_assert_hex(msg.buf, msg.len, rec_response);

  /* The same Pake2 means the same transcript context. */
  set_msg(&msg, MATTER_SC_OPCODE_PASE_PAKE1, rec_pake1);
  to_responder(resp, &msg, MATTER_OK);
  g_assert_cmpuint(msg.opcode, ==, MATTER_SC_OPCODE_PASE_PAKE2);
  md_test_assert_hex(msg.buf, msg.len, rec_pake2);

  set_msg(&msg, MATTER_SC_OPCODE_PASE_PAKE3, rec_pake3);
  to_responder(resp, &msg, MATTER_OK);
  assert_status(&msg, status_pake_finished);
  g_assert_cmpint(matter_pase_responder_get_state(resp), ==, MATTER_PASE_STATE_ESTABLISHED);

  md_test_assert_error(matter_pase_responder_get_result(resp, &result), MATTER_OK);
  g_assert_cmpuint(result.local_session_id, ==, REC_SESSION_ID);
  g_assert_cmphex(result.peer_session_id, ==, 0x62d5);
  g_assert_true(result.has_peer_params);
  g_assert_cmpuint(result.peer_params.active_threshold_ms, ==, 4000);
  /* The keys open what each side sent in the new session: an Interaction
   * Model StatusResponse (0x01) and ReportData (0x05). */
  assert_decrypts(result.i2r_key, rec_i2r_message, 0x01, 0x0001);
  assert_decrypts(result.r2i_key, rec_r2i_message, 0x05, 0x0001);
  matter_secure_zero(&result, sizeof(result));
  matter_pase_responder_free(resp);
}

/* ---- Responder against the test initiator ---------------------------- */

static void
handshake(bool has_pbkdf_params)
{
  MatterPaseResponder *resp = responder_new();
  MdTestPaseInitiator *init = initiator_new(PASSCODE, has_pbkdf_params);
  MatterPaseResult r, i;
  MatterPbkdfParamResponse rsp;
  MatterSessionParams params;
  uint16_t peer;
  bool has;
  Msg msg;

  md_test_assert_error(matter_pase_responder_get_peer(resp, &peer, &has, &params),
                       MATTER_ERROR_BAD_STATE);
  run_until(resp, init, 0, &msg);
  to_responder(resp, &msg, MATTER_OK);
  g_assert_cmpuint(msg.opcode, ==, MATTER_SC_OPCODE_PBKDF_PARAM_RESPONSE);
  /* 4.13.1.2 step 5: salt and iterations only to an initiator without them. */
  md_test_assert_error(matter_pase_pbkdf_response_decode(msg.buf, msg.len, &rsp), MATTER_OK);
  g_assert_cmpint(rsp.has_pbkdf_params, ==, !has_pbkdf_params);
  if (!has_pbkdf_params) {
    g_assert_cmpuint(rsp.iterations, ==, ITERATIONS);
    g_assert_cmpmem(rsp.salt, rsp.salt_len, salt, sizeof(salt));
  }
  md_test_assert_error(matter_pase_responder_get_peer(resp, &peer, &has, &params), MATTER_OK);
  g_assert_cmphex(peer, ==, INITIATOR_SESSION_ID);
  g_assert_true(has);
  g_assert_cmpuint(params.idle_interval_ms, ==, 5000);

  to_initiator(init, &msg, MATTER_OK);
  g_assert_cmpuint(msg.opcode, ==, MATTER_SC_OPCODE_PASE_PAKE1);
  to_responder(resp, &msg, MATTER_OK);
  g_assert_cmpuint(msg.opcode, ==, MATTER_SC_OPCODE_PASE_PAKE2);
  md_test_assert_error(matter_pase_responder_get_result(resp, &r), MATTER_ERROR_BAD_STATE);
  to_initiator(init, &msg, MATTER_OK);
  g_assert_cmpuint(msg.opcode, ==, MATTER_SC_OPCODE_PASE_PAKE3);
  to_responder(resp, &msg, MATTER_OK);
  assert_status(&msg, status_pake_finished);
  to_initiator(init, &msg, MATTER_OK);
  g_assert_cmpuint(msg.len, ==, 0);

  g_assert_cmpint(matter_pase_responder_get_state(resp), ==, MATTER_PASE_STATE_ESTABLISHED);
  g_assert_cmpint(md_test_pase_initiator_get_state(init), ==, MATTER_PASE_STATE_ESTABLISHED);
  md_test_assert_error(matter_pase_responder_get_result(resp, &r), MATTER_OK);
  md_test_assert_error(md_test_pase_initiator_get_result(init, &i), MATTER_OK);
  g_assert_cmpmem(r.i2r_key, sizeof(r.i2r_key), i.i2r_key, sizeof(i.i2r_key));
  g_assert_cmpmem(r.r2i_key, sizeof(r.r2i_key), i.r2i_key, sizeof(i.r2i_key));
  g_assert_cmpmem(r.attestation_challenge, sizeof(r.attestation_challenge), i.attestation_challenge,
                  sizeof(i.attestation_challenge));
  g_assert_false(memcmp(r.i2r_key, r.r2i_key, sizeof(r.i2r_key)) == 0);
  g_assert_cmpuint(r.local_session_id, ==, RESPONDER_SESSION_ID);
  g_assert_cmpuint(r.peer_session_id, ==, INITIATOR_SESSION_ID);
  g_assert_cmpuint(i.local_session_id, ==, INITIATOR_SESSION_ID);
  g_assert_cmpuint(i.peer_session_id, ==, RESPONDER_SESSION_ID);
  g_assert_true(r.has_peer_params && i.has_peer_params);
  md_test_assert_session_params_equal(&r.peer_params, &initiator_params);
  md_test_assert_session_params_equal(&i.peer_params, &responder_params);
  assert_failure(resp, MATTER_OK, MATTER_OK);

  /* Done: further messages are refused without an answer. */
  set_msg(&msg, MATTER_SC_OPCODE_PASE_PAKE3, rec_pake3);
  to_responder(resp, &msg, MATTER_ERROR_BAD_STATE);
  g_assert_cmpuint(msg.len, ==, 0);
  g_assert_cmpint(matter_pase_responder_get_state(resp), ==, MATTER_PASE_STATE_ESTABLISHED);
  md_test_assert_error(matter_pase_responder_get_result(resp, &r), MATTER_OK);

  matter_secure_zero(&r, sizeof(r));
  matter_secure_zero(&i, sizeof(i));
  md_test_pase_initiator_free(init);
  matter_pase_responder_free(resp);
}

static void
test_handshake(void)
{
  handshake(false);
}

static void
test_handshake_known_params(void)
{
  handshake(true);
}

/* Two runs with the same passcode give different keys. */
static void
test_fresh_keys(void)
{
  MatterPaseResult r[2];

  for (int n = 0; n < 2; n++) {
    MatterPaseResponder *resp = responder_new();
    MdTestPaseInitiator *init = initiator_new(PASSCODE, true);
    Msg msg;

    run_until(resp, init, 2, &msg);
    to_responder(resp, &msg, MATTER_OK);
    md_test_assert_error(matter_pase_responder_get_result(resp, &r[n]), MATTER_OK);
    md_test_pase_initiator_free(init);
    matter_pase_responder_free(resp);
  }
  g_assert_false(memcmp(r[0].i2r_key, r[1].i2r_key, sizeof(r[0].i2r_key)) == 0);
  g_assert_false(memcmp(r[0].attestation_challenge, r[1].attestation_challenge,
                        sizeof(r[0].attestation_challenge)) == 0);
}

/* An initiator with another passcode finds cB wrong and stops with
 * INVALID_PARAMETER (4.13.1.2, on receipt of Pake2); the responder ends
 * the attempt without answering. */
static void
test_wrong_passcode(void)
{
  MatterPaseResponder *resp = responder_new();
  MdTestPaseInitiator *init = initiator_new(PASSCODE + 1, false);
  MatterStatusReport status;
  MatterPaseResult result;
  Msg msg;

  run_until(resp, init, 1, &msg);
  to_responder(resp, &msg, MATTER_OK);
  g_assert_cmpuint(msg.opcode, ==, MATTER_SC_OPCODE_PASE_PAKE2);
  to_initiator(init, &msg, MATTER_ERROR_PASE_VERIFICATION_FAILED);
  assert_status(&msg, status_invalid_parameter);
  g_assert_cmpint(md_test_pase_initiator_get_state(init), ==, MATTER_PASE_STATE_FAILED);

  to_responder(resp, &msg, MATTER_ERROR_SC_PEER_STATUS);
  g_assert_cmpuint(msg.len, ==, 0);
  g_assert_cmpint(matter_pase_responder_get_state(resp), ==, MATTER_PASE_STATE_FAILED);
  assert_failure(resp, MATTER_ERROR_SC_PEER_STATUS, MATTER_ERROR_SC_PEER_STATUS);
  md_test_assert_error(matter_pase_responder_get_result(resp, &result), MATTER_ERROR_BAD_STATE);
  g_assert_false(md_test_pase_initiator_get_peer_status(init, &status));

  md_test_pase_initiator_free(init);
  matter_pase_responder_free(resp);
}

/* A Pake3 whose cA does not verify: an initiator without the passcode
 * that sends one anyway, or a tampered one. The distinct result lets the
 * caller count a failed attempt. */
static void
test_wrong_confirmation(void)
{
  for (int tamper = 0; tamper < 2; tamper++) {
    MatterPaseResponder *resp = responder_new();
    MdTestPaseInitiator *init = initiator_new(tamper ? PASSCODE : PASSCODE + 1, false);
    MatterPake3 pake3;
    Msg msg;

    run_until(resp, init, 1, &msg);
    to_responder(resp, &msg, MATTER_OK);
    if (tamper) {
      to_initiator(init, &msg, MATTER_OK);
      msg.buf[msg.len - 2] ^= 0x01; /* the last byte of cA */
    } else {
      memset(pake3.cA, 0x42, sizeof(pake3.cA));
      msg.opcode = MATTER_SC_OPCODE_PASE_PAKE3;
      md_test_assert_error(matter_pase_pake3_encode(&pake3, msg.buf, sizeof(msg.buf), &msg.len),
                           MATTER_OK);
    }
    to_responder(resp, &msg, MATTER_ERROR_PASE_VERIFICATION_FAILED);
    assert_status(&msg, status_invalid_parameter);
    g_assert_cmpint(matter_pase_responder_get_state(resp), ==, MATTER_PASE_STATE_FAILED);
    assert_failure(resp, MATTER_ERROR_PASE_VERIFICATION_FAILED, MATTER_ERROR_AUTH_FAILED);
    md_test_assert_no_openssl_error();

    if (tamper) {
      MatterStatusReport status;

      to_initiator(init, &msg, MATTER_ERROR_SC_PEER_STATUS);
      g_assert_true(md_test_pase_initiator_get_peer_status(init, &status));
      g_assert_true(matter_status_report_is_sc(&status, MATTER_STATUS_FAILURE,
                                               MATTER_SC_STATUS_INVALID_PARAMETER));
    }
    md_test_pase_initiator_free(init);
    matter_pase_responder_free(resp);
  }
}

/* A refused PBKDFParamRequest leaves the responder waiting for another
 * (4.13.1.2 step 1: "perform no further processing"); a good one then
 * completes. */
static void
test_malformed_request(void)
{
  static const struct {
    const char *hex;
    MatterError detail;
  } cases[] = {
    { "", MATTER_ERROR_TRUNCATED },
    { "15", MATTER_ERROR_TRUNCATED },
    { "0401", MATTER_ERROR_TLV_WRONG_TYPE },
    { "15 " R31 " 2502d562 240300 2804 18", MATTER_ERROR_PASE_INVALID_MESSAGE },
    { "15 " R32 " 240300 2804 18", MATTER_ERROR_TLV_NOT_FOUND },
    { "15 " R32 " 2502d562 240300 2404 00 18", MATTER_ERROR_TLV_WRONG_TYPE },
    { "15 " R32 " 2502d562 240300 2804 3505 2c0103616263 18 18", MATTER_ERROR_TLV_WRONG_TYPE },
    /* Passcode id 1: reserved (step 1 wants 0). */
    { "15 " R32 " 2502d562 240301 2804 18", MATTER_ERROR_PASE_INVALID_MESSAGE },
    /* Initiator session id 0: the unsecured session's. */
    { "15 " R32 " 240200 240300 2804 18", MATTER_ERROR_PASE_INVALID_MESSAGE },
  };
  MatterPaseResponder *resp = responder_new();
  MdTestPaseInitiator *init = initiator_new(PASSCODE, false);
  MatterPaseResult result;
  Msg msg;

  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_test_message("case %zu: %s", i, cases[i].hex);
    set_msg(&msg, MATTER_SC_OPCODE_PBKDF_PARAM_REQUEST, cases[i].hex);
    to_responder(resp, &msg, MATTER_ERROR_PASE_INVALID_MESSAGE);
    assert_status(&msg, status_invalid_parameter);
    g_assert_cmpint(matter_pase_responder_get_state(resp), ==, MATTER_PASE_STATE_IDLE);
    assert_failure(resp, MATTER_ERROR_PASE_INVALID_MESSAGE, cases[i].detail);
  }

  run_until(resp, init, 2, &msg);
  to_responder(resp, &msg, MATTER_OK);
  md_test_assert_error(matter_pase_responder_get_result(resp, &result), MATTER_OK);
  md_test_pase_initiator_free(init);
  matter_pase_responder_free(resp);
}

/* A refused Pake1 or Pake3 ends the attempt. */
static void
malformed_later(int stage, uint8_t opcode, const char *hex, MatterError detail)
{
  MatterPaseResponder *resp = responder_new();
  MdTestPaseInitiator *init = initiator_new(PASSCODE, false);
  Msg msg;

  g_test_message("stage %d: %s", stage, hex);
  run_until(resp, init, stage, &msg);
  set_msg(&msg, opcode, hex);
  to_responder(resp, &msg, MATTER_ERROR_PASE_INVALID_MESSAGE);
  assert_status(&msg, status_invalid_parameter);
  g_assert_cmpint(matter_pase_responder_get_state(resp), ==, MATTER_PASE_STATE_FAILED);
  assert_failure(resp, MATTER_ERROR_PASE_INVALID_MESSAGE, detail);
  md_test_assert_no_openssl_error();
  md_test_pase_initiator_free(init);
  matter_pase_responder_free(resp);
}

/* 65 bytes that are not an uncompressed point on P-256. */
#define NOT_ON_CURVE                                                                             \
  "04"                                                                                           \
  "01010101010101010101010101010101010101010101010101010101010101010101010101010101010101010101" \
  "010101010101010101010101010101010101"
#define COMPRESSED                                                                               \
  "03"                                                                                           \
  "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c2960000000000000000000000000000" \
  "000000000000000000000000000000000000"

static void
test_malformed_pake1(void)
{
  const uint8_t op = MATTER_SC_OPCODE_PASE_PAKE1;

  malformed_later(1, op, "", MATTER_ERROR_TRUNCATED);
  malformed_later(1, op, "15 18", MATTER_ERROR_TLV_NOT_FOUND);
  malformed_later(1, op, "15 300140 " HASH HASH " 18", MATTER_ERROR_PASE_INVALID_MESSAGE);
  malformed_later(1, op, "15 300141 " NOT_ON_CURVE " 18", MATTER_ERROR_INVALID_KEY);
  malformed_later(1, op, "15 300141 " COMPRESSED " 18", MATTER_ERROR_INVALID_KEY);
  malformed_later(1, op, "15 300141 " POINT " 18", MATTER_ERROR_INVALID_KEY);
}

static void
test_malformed_pake3(void)
{
  const uint8_t op = MATTER_SC_OPCODE_PASE_PAKE3;

  malformed_later(2, op, "", MATTER_ERROR_TRUNCATED);
  malformed_later(2, op, "17 18", MATTER_ERROR_TLV_WRONG_TYPE);
  malformed_later(2, op, "15 30011f " H31 " 18", MATTER_ERROR_PASE_INVALID_MESSAGE);
  malformed_later(2, op, "15 300121 " HASH "00 18", MATTER_ERROR_PASE_INVALID_MESSAGE);
  malformed_later(2, op, "15 300220 " HASH " 18", MATTER_ERROR_TLV_NOT_FOUND);
}

/* Messages the state does not expect. */
static void
out_of_order(int stage, uint8_t opcode)
{
  MatterPaseResponder *resp = responder_new();
  MdTestPaseInitiator *init = initiator_new(PASSCODE, false);
  Msg msg;

  g_test_message("stage %d: opcode 0x%02x", stage, opcode);
  run_until(resp, init, stage, &msg);
  msg.opcode = opcode;
  to_responder(resp, &msg, MATTER_ERROR_BAD_STATE);
  if (stage == 0) {
    /* Nothing has begun: nothing to answer, nothing to end. */
    g_assert_cmpuint(msg.len, ==, 0);
    g_assert_cmpint(matter_pase_responder_get_state(resp), ==, MATTER_PASE_STATE_IDLE);
  } else {
    assert_status(&msg, status_invalid_parameter);
    g_assert_cmpint(matter_pase_responder_get_state(resp), ==, MATTER_PASE_STATE_FAILED);
    /* Failed for good. */
    set_msg(&msg, MATTER_SC_OPCODE_PBKDF_PARAM_REQUEST, rec_request);
    to_responder(resp, &msg, MATTER_ERROR_BAD_STATE);
    g_assert_cmpuint(msg.len, ==, 0);
    g_assert_cmpint(matter_pase_responder_get_state(resp), ==, MATTER_PASE_STATE_FAILED);
  }
  assert_failure(resp, MATTER_ERROR_BAD_STATE, MATTER_ERROR_BAD_STATE);
  md_test_pase_initiator_free(init);
  matter_pase_responder_free(resp);
}

static void
test_out_of_order(void)
{
  out_of_order(0, MATTER_SC_OPCODE_PASE_PAKE1);
  out_of_order(0, MATTER_SC_OPCODE_PASE_PAKE3);
  out_of_order(0, MATTER_SC_OPCODE_PBKDF_PARAM_RESPONSE);
  out_of_order(0, MATTER_SC_OPCODE_STATUS_REPORT);
  out_of_order(0, MATTER_SC_OPCODE_CASE_SIGMA1);
  out_of_order(1, MATTER_SC_OPCODE_PBKDF_PARAM_REQUEST);
  out_of_order(1, MATTER_SC_OPCODE_PASE_PAKE3);
  out_of_order(1, MATTER_SC_OPCODE_PASE_PAKE2);
  out_of_order(2, MATTER_SC_OPCODE_PASE_PAKE1);
  out_of_order(2, MATTER_SC_OPCODE_PBKDF_PARAM_REQUEST);
  out_of_order(2, MATTER_SC_OPCODE_STANDALONE_ACK);
}

/* A StatusReport from the initiator mid-handshake ends it, unanswered. */
static void
test_peer_status(void)
{
  for (int stage = 1; stage <= 2; stage++) {
    for (int good = 0; good < 2; good++) {
      MatterPaseResponder *resp = responder_new();
      MdTestPaseInitiator *init = initiator_new(PASSCODE, false);
      Msg msg;

      run_until(resp, init, stage, &msg);
      set_msg(&msg, MATTER_SC_OPCODE_STATUS_REPORT, good ? "0100 00000000 0200" : "010000");
      to_responder(resp, &msg,
                   good ? MATTER_ERROR_SC_PEER_STATUS : MATTER_ERROR_PASE_INVALID_MESSAGE);
      g_assert_cmpuint(msg.len, ==, 0);
      g_assert_cmpint(matter_pase_responder_get_state(resp), ==, MATTER_PASE_STATE_FAILED);
      assert_failure(resp, good ? MATTER_ERROR_SC_PEER_STATUS : MATTER_ERROR_PASE_INVALID_MESSAGE,
                     good ? MATTER_ERROR_SC_PEER_STATUS : MATTER_ERROR_TRUNCATED);
      md_test_pase_initiator_free(init);
      matter_pase_responder_free(resp);
    }
  }
}

static void
test_responder_new_invalid(void)
{
  const Verifier *v = verifier();
  uint8_t bad_L[MATTER_SPAKE2P_POINT_LEN], big_w0[MATTER_SPAKE2P_W_LEN], rnd[32] = { 0 };
  uint8_t long_salt[33] = { 0 };
  MatterPaseResponder *resp = (MatterPaseResponder *) &resp;

  memcpy(bad_L, v->L, sizeof(bad_L));
  bad_L[64] ^= 1;
  memset(big_w0, 0xff, sizeof(big_w0));

#define NEW(w0, L, salt_len, iter, id) \
  matter_pase_responder_new(w0, L, long_salt, salt_len, iter, id, NULL, &resp)
  md_test_assert_error(NEW(v->w0, v->L, 15, ITERATIONS, 1), MATTER_ERROR_INVALID_ARGUMENT);
  g_assert_null(resp);
  md_test_assert_error(NEW(v->w0, v->L, 33, ITERATIONS, 1), MATTER_ERROR_INVALID_ARGUMENT);
  md_test_assert_error(NEW(v->w0, v->L, 16, 999, 1), MATTER_ERROR_INVALID_ARGUMENT);
  md_test_assert_error(NEW(v->w0, v->L, 16, 100001, 1), MATTER_ERROR_INVALID_ARGUMENT);
  md_test_assert_error(NEW(v->w0, v->L, 16, ITERATIONS, 0), MATTER_ERROR_INVALID_ARGUMENT);
  md_test_assert_error(NEW(NULL, v->L, 16, ITERATIONS, 1), MATTER_ERROR_INVALID_ARGUMENT);
  md_test_assert_error(NEW(v->w0, bad_L, 16, ITERATIONS, 1), MATTER_ERROR_INVALID_KEY);
  md_test_assert_error(NEW(big_w0, v->L, 16, ITERATIONS, 1), MATTER_ERROR_INVALID_KEY);
  md_test_assert_no_openssl_error();
  md_test_assert_error(matter_pase_responder_new(v->w0, v->L, salt, 16, 1000, 1, NULL, NULL),
                       MATTER_ERROR_INVALID_ARGUMENT);
  /* The bounds themselves are fine. */
  md_test_assert_error(NEW(v->w0, v->L, 32, 100000, 0xffff), MATTER_OK);
  matter_pase_responder_free(resp);
  md_test_assert_error(NEW(v->w0, v->L, 16, 1000, 1), MATTER_OK);
#undef NEW

  md_test_assert_error(matter_pase_responder_set_test_values(resp, NULL, rnd),
                       MATTER_ERROR_INVALID_ARGUMENT);
  matter_pase_responder_free(resp);
  matter_pase_responder_free(NULL);
  g_assert_cmpint(matter_pase_responder_get_state(NULL), ==, MATTER_PASE_STATE_FAILED);
}

/* The caller's mistakes change nothing. */
static void
test_caller_errors(void)
{
  MatterPaseResponder *resp = responder_new();
  MdTestPaseInitiator *init = initiator_new(PASSCODE, false);
  uint8_t small[MSG_MAX - 1], rnd[32] = { 0 }, y[32] = { 1 };
  uint8_t opcode;
  size_t len;
  Msg msg;

  run_until(resp, init, 0, &msg);
  md_test_assert_error(matter_pase_responder_handle(resp, msg.opcode, msg.buf, msg.len, &opcode,
                                                    small, sizeof(small), &len),
                       MATTER_ERROR_BUFFER_TOO_SMALL);
  md_test_assert_error(matter_pase_responder_handle(resp, msg.opcode, NULL, msg.len, &opcode,
                                                    msg.buf, sizeof(msg.buf), &len),
                       MATTER_ERROR_INVALID_ARGUMENT);
  md_test_assert_error(matter_pase_responder_handle(resp, msg.opcode, msg.buf, msg.len, NULL,
                                                    msg.buf, sizeof(msg.buf), &len),
                       MATTER_ERROR_INVALID_ARGUMENT);
  md_test_assert_error(matter_pase_responder_handle(NULL, msg.opcode, msg.buf, msg.len, &opcode,
                                                    msg.buf, sizeof(msg.buf), &len),
                       MATTER_ERROR_INVALID_ARGUMENT);
  g_assert_cmpint(matter_pase_responder_get_state(resp), ==, MATTER_PASE_STATE_IDLE);
  assert_failure(resp, MATTER_OK, MATTER_OK);

  to_responder(resp, &msg, MATTER_OK);
  /* Test values only before the request. */
  md_test_assert_error(matter_pase_responder_set_test_values(resp, rnd, y), MATTER_ERROR_BAD_STATE);
  to_initiator(init, &msg, MATTER_OK);
  to_responder(resp, &msg, MATTER_OK);
  to_initiator(init, &msg, MATTER_OK);
  to_responder(resp, &msg, MATTER_OK);
  g_assert_cmpint(matter_pase_responder_get_state(resp), ==, MATTER_PASE_STATE_ESTABLISHED);
  md_test_pase_initiator_free(init);
  matter_pase_responder_free(resp);
}

/* The context and key schedule helpers against a direct computation. */
static void
test_context_and_keys(void)
{
  static const char prefix[] = "CHIP PAKE V1 Commissioning";
  static const uint8_t req[] = { 1, 2, 3 }, rsp[] = { 4, 5 };
  uint8_t all[sizeof(prefix) - 1 + 5], want[32], got[32], Ke[16], keys[48], hkdf[48];

  memcpy(all, prefix, sizeof(prefix) - 1);
  memcpy(all + sizeof(prefix) - 1, req, 3);
  memcpy(all + sizeof(prefix) + 2, rsp, 2);
  md_test_assert_error(matter_sha256(all, sizeof(all), want), MATTER_OK);
  md_test_assert_error(matter_pase_context(req, 3, rsp, 2, got), MATTER_OK);
  g_assert_cmpmem(got, 32, want, 32);

  memset(Ke, 0x33, sizeof(Ke));
  md_test_assert_error(matter_pase_session_keys(Ke, keys), MATTER_OK);
  md_test_assert_error(
      matter_hkdf_sha256(Ke, 16, NULL, 0, (const uint8_t *) "SessionKeys", 11, hkdf, 48),
      MATTER_OK);
  g_assert_cmpmem(keys, 48, hkdf, 48);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/pase/codec/recorded", test_codec_recorded);
  g_test_add_func("/pase/codec/round-trip", test_codec_round_trip);
  g_test_add_func("/pase/codec/malformed", test_codec_malformed);
  g_test_add_func("/pase/context-and-keys", test_context_and_keys);
  g_test_add_func("/pase/responder/recorded-commissioning", test_responder_recorded);
  g_test_add_func("/pase/responder/handshake", test_handshake);
  g_test_add_func("/pase/responder/handshake-known-pbkdf-params", test_handshake_known_params);
  g_test_add_func("/pase/responder/fresh-keys", test_fresh_keys);
  g_test_add_func("/pase/responder/wrong-passcode", test_wrong_passcode);
  g_test_add_func("/pase/responder/wrong-confirmation", test_wrong_confirmation);
  g_test_add_func("/pase/responder/malformed-request", test_malformed_request);
  g_test_add_func("/pase/responder/malformed-pake1", test_malformed_pake1);
  g_test_add_func("/pase/responder/malformed-pake3", test_malformed_pake3);
  g_test_add_func("/pase/responder/out-of-order", test_out_of_order);
  g_test_add_func("/pase/responder/peer-status", test_peer_status);
  g_test_add_func("/pase/responder/new-invalid", test_responder_new_invalid);
  g_test_add_func("/pase/responder/caller-errors", test_caller_errors);
  return g_test_run();
}
