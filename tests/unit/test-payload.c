/* SPDX-License-Identifier: Apache-2.0 */
/* Onboarding payload: QR code, manual pairing code, Verhoeff, base-38, the
 * passcode rules and the PASE verifier.
 *
 * Vectors:
 * - passcode 20202021, discriminator 3840, VID 0xFFF1, PID 0x8001:
 *   "MT:-24J0AFN00KA0648G00" (on-network), "MT:-24J042C00KA0648G00" (BLE),
 *   "34970112332", the Matter SDK example apps' default onboarding codes;
 *   PID 0x8000 with BLE, "MT:Y.K9042C00KA0648G00", likewise.
 * - VID 12, PID 1, soft-AP, discriminator 128, passcode 2048:
 *   "MT:M5L90MP500K64J00000", and the same four times concatenated with
 *   discriminator and passcode counting up: connectedhomeip
 *   src/setup_payload/tests/TestHelpers.h. Base-38 vectors: its
 *   TestQRCode.cpp; manual codes: its TestManualCode.cpp.
 * - Verhoeff: "236" -> 3, "12345" -> 1, "142857" -> 0 (Verhoeff's scheme
 *   as commonly tabulated).
 * - Verifier: passcode 20202021, salt "SPAKE2P Key Salt", 1000 iterations,
 *   the SDK's test verifier (its spake2p tool, gen-verifier -p 20202021
 *   -s U1BBS0UyUCBLZXkgU2FsdA== -i 1000). */

#include <glib.h>
#include <string.h>

#include "matter/payload.h"
#include "md-test-core.h"

static MatterSetupPayload
payload_new(uint16_t vendor_id, uint16_t product_id, MatterPayloadFlow flow, uint8_t rendezvous,
            uint16_t discriminator, uint32_t passcode)
{
  MatterSetupPayload payload;

  memset(&payload, 0, sizeof(payload));
  payload.vendor_id = vendor_id;
  payload.product_id = product_id;
  payload.flow = flow;
  payload.rendezvous = rendezvous;
  payload.discriminator = discriminator;
  payload.passcode = passcode;
  return payload;
}

static MatterSetupPayload
payload_default(void)
{
  return payload_new(0xFFF1, 0x8001, MATTER_PAYLOAD_FLOW_STANDARD,
                     MATTER_PAYLOAD_RENDEZVOUS_ON_NETWORK, 3840, 20202021);
}

static void
assert_payload_equal(const MatterSetupPayload *a, const MatterSetupPayload *b)
{
  g_assert_cmpuint(a->version, ==, b->version);
  g_assert_cmpuint(a->vendor_id, ==, b->vendor_id);
  g_assert_cmpuint(a->product_id, ==, b->product_id);
  g_assert_cmpint(a->flow, ==, b->flow);
  g_assert_cmpuint(a->rendezvous, ==, b->rendezvous);
  g_assert_cmpuint(a->discriminator, ==, b->discriminator);
  g_assert_cmpint(a->short_discriminator, ==, b->short_discriminator);
  g_assert_cmpuint(a->passcode, ==, b->passcode);
  g_assert_cmpmem(a->extension, a->extension_len, b->extension, b->extension_len);
}

/* A QR code from raw field values, packed here independently of the code
 * under test so that invalid values can be written too. */
static char *
raw_qr_ext(unsigned version, unsigned vendor_id, unsigned product_id, unsigned flow,
           unsigned rendezvous, unsigned discriminator, uint32_t passcode, unsigned padding,
           const uint8_t *extension, size_t extension_len)
{
  const struct {
    uint32_t value;
    unsigned bits;
  } fields[] = {
    { version, 3 },    { vendor_id, 16 },     { product_id, 16 }, { flow, 2 },
    { rendezvous, 8 }, { discriminator, 12 }, { passcode, 27 },   { padding, 4 },
  };
  uint8_t packed[MATTER_PAYLOAD_PACKED_LEN + MATTER_PAYLOAD_EXTENSION_MAX] = { 0 };
  char text[MATTER_PAYLOAD_QR_SIZE];
  unsigned pos = 0;

  for (size_t f = 0; f < G_N_ELEMENTS(fields); f++)
    for (unsigned i = 0; i < fields[f].bits; i++, pos++)
      if (fields[f].value & (1u << i))
        packed[pos / 8] |= (uint8_t) (1u << (pos % 8));
  g_assert_cmpuint(pos, ==, 88);
  g_assert_cmpuint(extension_len, <=, MATTER_PAYLOAD_EXTENSION_MAX);
  if (extension_len > 0)
    memcpy(packed + MATTER_PAYLOAD_PACKED_LEN, extension, extension_len);
  md_test_assert_error(matter_payload_base38_encode(
                           packed, MATTER_PAYLOAD_PACKED_LEN + extension_len, text, sizeof(text)),
                       MATTER_OK);
  return g_strconcat("MT:", text, NULL);
}

static char *
raw_qr(unsigned version, unsigned vendor_id, unsigned product_id, unsigned flow,
       unsigned rendezvous, unsigned discriminator, uint32_t passcode, unsigned padding)
{
  return raw_qr_ext(version, vendor_id, product_id, flow, rendezvous, discriminator, passcode,
                    padding, NULL, 0);
}

/* The largest extension there is room for: an anonymous structure holding
 * one octet string with the vendor-range context tag 0x80. */
static size_t
largest_extension(uint8_t out[MATTER_PAYLOAD_EXTENSION_MAX])
{
  size_t len = MATTER_PAYLOAD_EXTENSION_MAX - 5;

  out[0] = 0x15; /* anonymous structure */
  out[1] = 0x30; /* context tag, octet string with a 1-byte length */
  out[2] = 0x80;
  out[3] = (uint8_t) len;
  memset(out + 4, 0xA5, len);
  out[4 + len] = 0x18; /* end of container */
  return MATTER_PAYLOAD_EXTENSION_MAX;
}

/* @digits (10 or 20 of them) and their Verhoeff check digit. */
static char *
with_check(const char *digits)
{
  char check;

  md_test_assert_error(matter_payload_verhoeff_digit(digits, strlen(digits), &check), MATTER_OK);
  return g_strdup_printf("%s%c", digits, check);
}

/* ---- Vectors ---------------------------------------------------------- */

static void
test_qr_vectors(void)
{
  const struct {
    uint16_t product_id;
    uint8_t rendezvous;
    const char *qr;
  } vectors[] = {
    { 0x8001, MATTER_PAYLOAD_RENDEZVOUS_ON_NETWORK, "MT:-24J0AFN00KA0648G00" },
    { 0x8001, MATTER_PAYLOAD_RENDEZVOUS_BLE, "MT:-24J042C00KA0648G00" },
    { 0x8000, MATTER_PAYLOAD_RENDEZVOUS_BLE, "MT:Y.K9042C00KA0648G00" },
  };

  for (size_t i = 0; i < G_N_ELEMENTS(vectors); i++) {
    MatterSetupPayload payload = payload_default(), decoded;
    char qr[MATTER_PAYLOAD_QR_SIZE];

    payload.product_id = vectors[i].product_id;
    payload.rendezvous = vectors[i].rendezvous;
    md_test_assert_error(matter_payload_qr_encode(&payload, qr, sizeof(qr)), MATTER_OK);
    g_assert_cmpstr(qr, ==, vectors[i].qr);
    md_test_assert_error(matter_payload_qr_decode(vectors[i].qr, &decoded), MATTER_OK);
    assert_payload_equal(&decoded, &payload);
  }
}

static void
test_qr_sdk_vector(void)
{
  MatterSetupPayload payload = payload_new(12, 1, MATTER_PAYLOAD_FLOW_STANDARD,
                                           MATTER_PAYLOAD_RENDEZVOUS_SOFT_AP, 128, 2048);
  MatterSetupPayload decoded;
  char qr[MATTER_PAYLOAD_QR_SIZE];

  md_test_assert_error(matter_payload_qr_encode(&payload, qr, sizeof(qr)), MATTER_OK);
  g_assert_cmpstr(qr, ==, "MT:M5L90MP500K64J00000");
  md_test_assert_error(matter_payload_qr_decode(qr, &decoded), MATTER_OK);
  assert_payload_equal(&decoded, &payload);
}

static void
test_manual_vectors(void)
{
  MatterSetupPayload payload = payload_default(), decoded, expected;
  char code[MATTER_PAYLOAD_MANUAL_SIZE];

  md_test_assert_error(matter_payload_manual_encode(&payload, code), MATTER_OK);
  g_assert_cmpstr(code, ==, "34970112332");

  expected = payload_new(0, 0, MATTER_PAYLOAD_FLOW_STANDARD, 0, 15, 20202021);
  expected.short_discriminator = true;
  md_test_assert_error(matter_payload_manual_decode("34970112332", &decoded), MATTER_OK);
  assert_payload_equal(&decoded, &expected);
  /* As printed on devices. */
  md_test_assert_error(matter_payload_manual_decode("3497-011-2332", &decoded), MATTER_OK);
  assert_payload_equal(&decoded, &expected);
  md_test_assert_error(matter_payload_manual_decode(" 3497 011 2332 ", &decoded), MATTER_OK);
  assert_payload_equal(&decoded, &expected);

  /* The short discriminator encodes the same way. */
  md_test_assert_error(matter_payload_manual_encode(&expected, code), MATTER_OK);
  g_assert_cmpstr(code, ==, "34970112332");
}

static void
test_manual_long_code(void)
{
  MatterSetupPayload payload = payload_default(), decoded, expected;
  char code[MATTER_PAYLOAD_MANUAL_SIZE];

  /* A flow other than the standard one needs vendor and product id. */
  payload.flow = MATTER_PAYLOAD_FLOW_CUSTOM;
  md_test_assert_error(matter_payload_manual_encode(&payload, code), MATTER_OK);
  g_assert_cmpstr(code, ==, "749701123365521327694");
  payload.flow = MATTER_PAYLOAD_FLOW_USER_INTENT;
  md_test_assert_error(matter_payload_manual_encode(&payload, code), MATTER_OK);
  g_assert_cmpstr(code, ==, "749701123365521327694");

  expected = payload_new(0xFFF1, 0x8001, MATTER_PAYLOAD_FLOW_CUSTOM, 0, 15, 20202021);
  expected.short_discriminator = true;
  md_test_assert_error(matter_payload_manual_decode("7497-0112-3365-5213-27694", &decoded),
                       MATTER_OK);
  assert_payload_equal(&decoded, &expected);
}

static void
test_manual_sdk_vectors(void)
{
  const struct {
    const char *digits; /* without the check digit */
    uint32_t passcode;
    uint16_t short_discriminator, vendor_id, product_id;
  } vectors[] = {
    { "52927623630456200032", 38728284, 1280 >> 8, 4562, 32 },
    { "40000100000000100001", 1, 0, 1, 1 },
    { "0000010000", 1, 0, 0, 0 },
  };
  g_autofree char *checked = NULL;

  for (size_t i = 0; i < G_N_ELEMENTS(vectors); i++) {
    g_autofree char *code = with_check(vectors[i].digits);
    MatterSetupPayload decoded;
    char encoded[MATTER_PAYLOAD_MANUAL_SIZE];

    md_test_assert_error(matter_payload_manual_decode(code, &decoded), MATTER_OK);
    g_assert_cmpuint(decoded.passcode, ==, vectors[i].passcode);
    g_assert_cmpuint(decoded.discriminator, ==, vectors[i].short_discriminator);
    g_assert_true(decoded.short_discriminator);
    g_assert_cmpuint(decoded.vendor_id, ==, vectors[i].vendor_id);
    g_assert_cmpuint(decoded.product_id, ==, vectors[i].product_id);
    md_test_assert_error(matter_payload_manual_encode(&decoded, encoded), MATTER_OK);
    g_assert_cmpstr(encoded, ==, code);
  }
  checked = with_check("52927623630456200032");
  g_assert_cmpstr(checked, ==, "529276236304562000322");
}

static void
test_concatenated(void)
{
  const char *qr = "MT:M5L90MP500K64J00000*M5L90U.D010K4J00000*M5L900CM02IX4J00000*"
                   "M5L908OU03-85J00000";
  MatterSetupPayload payloads[4], decoded[5], one;
  char encoded[128];
  size_t count;

  for (unsigned i = 0; i < 4; i++)
    payloads[i] = payload_new(12, 1, MATTER_PAYLOAD_FLOW_STANDARD,
                              MATTER_PAYLOAD_RENDEZVOUS_SOFT_AP, (uint16_t) (128 + i), 2048 + i);

  md_test_assert_error(matter_payload_qr_decode_all(qr, decoded, G_N_ELEMENTS(decoded), &count),
                       MATTER_OK);
  g_assert_cmpuint(count, ==, 4);
  for (unsigned i = 0; i < 4; i++)
    assert_payload_equal(&decoded[i], &payloads[i]);
  md_test_assert_error(matter_payload_qr_encode_all(payloads, 4, encoded, sizeof(encoded)),
                       MATTER_OK);
  g_assert_cmpstr(encoded, ==, qr);
  /* Short of room, the output is left empty rather than cut. */
  md_test_assert_error(matter_payload_qr_encode_all(payloads, 4, encoded, 40),
                       MATTER_ERROR_BUFFER_TOO_SMALL);
  g_assert_cmpstr(encoded, ==, "");
  md_test_assert_error(matter_payload_qr_encode_all(payloads, 4, encoded, strlen(qr)),
                       MATTER_ERROR_BUFFER_TOO_SMALL);
  g_assert_cmpstr(encoded, ==, "");

  /* Too little room: the count still says how many there are. */
  md_test_assert_error(matter_payload_qr_decode_all(qr, decoded, 2, &count),
                       MATTER_ERROR_BUFFER_TOO_SMALL);
  g_assert_cmpuint(count, ==, 4);
  md_test_assert_error(matter_payload_qr_decode(qr, &one), MATTER_ERROR_BUFFER_TOO_SMALL);
  /* A bad payload anywhere fails the code, whatever the room. */
  md_test_assert_error(matter_payload_qr_decode("MT:M5L90MP500K64J00000*M5L90MP500W-GT68D20", &one),
                       MATTER_ERROR_INVALID_PASSCODE);
  md_test_assert_error(matter_payload_qr_decode("MT:M5L90MP500K64J00000*", &one),
                       MATTER_ERROR_PAYLOAD_FORMAT);
  md_test_assert_error(matter_payload_qr_decode("MT:*M5L90MP500K64J00000", &one),
                       MATTER_ERROR_PAYLOAD_FORMAT);

  /* No more than 4296 characters in all: 214 payloads of 19 and their
   * separators make 4282 with the prefix, 215 make 4302. */
  {
    MatterSetupPayload many[215];
    g_autofree char *text = g_malloc(8192);

    for (size_t i = 0; i < G_N_ELEMENTS(many); i++)
      many[i] = payloads[0];
    md_test_assert_error(matter_payload_qr_encode_all(many, 214, text, 8192), MATTER_OK);
    g_assert_cmpuint(strlen(text), ==, 4282);
    md_test_assert_error(matter_payload_qr_decode_all(text, NULL, 0, &count),
                         MATTER_ERROR_BUFFER_TOO_SMALL);
    g_assert_cmpuint(count, ==, 214);
    md_test_assert_error(matter_payload_qr_encode_all(many, 215, text, 8192),
                         MATTER_ERROR_INVALID_ARGUMENT);
    g_assert_cmpstr(text, ==, "");
  }
}

static void
test_decode_either(void)
{
  MatterSetupPayload decoded;

  md_test_assert_error(matter_payload_decode("MT:-24J0AFN00KA0648G00", &decoded), MATTER_OK);
  g_assert_false(decoded.short_discriminator);
  g_assert_cmpuint(decoded.discriminator, ==, 3840);
  md_test_assert_error(matter_payload_decode("3497-011-2332", &decoded), MATTER_OK);
  g_assert_true(decoded.short_discriminator);
  g_assert_cmpuint(decoded.discriminator, ==, 15);
  md_test_assert_error(matter_payload_decode("", &decoded), MATTER_ERROR_PAYLOAD_FORMAT);
}

/* ---- Round trips ------------------------------------------------------ */

static void
test_round_trips(void)
{
  const uint32_t passcodes[] = { 1, 2048, 20202021, 12345679, 99999998, 16383, 16384 };
  const uint16_t discriminators[] = { 0, 1, 255, 256, 2047, 3840, 4095 };
  const uint8_t rendezvous[] = { 0, 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x3F };

  for (size_t p = 0; p < G_N_ELEMENTS(passcodes); p++)
    for (size_t d = 0; d < G_N_ELEMENTS(discriminators); d++)
      for (unsigned flow = 0; flow <= MATTER_PAYLOAD_FLOW_CUSTOM; flow++) {
        MatterSetupPayload payload, decoded;
        char qr[MATTER_PAYLOAD_QR_SIZE], code[MATTER_PAYLOAD_MANUAL_SIZE];

        payload = payload_new((uint16_t) (p * 9001), (uint16_t) (0xFFFF - d), flow,
                              rendezvous[(p + d + flow) % G_N_ELEMENTS(rendezvous)],
                              discriminators[d], passcodes[p]);
        md_test_assert_error(matter_payload_qr_encode(&payload, qr, sizeof(qr)), MATTER_OK);
        g_assert_cmpuint(strlen(qr), ==, 22);
        md_test_assert_error(matter_payload_qr_decode(qr, &decoded), MATTER_OK);
        assert_payload_equal(&decoded, &payload);

        md_test_assert_error(matter_payload_manual_encode(&payload, code), MATTER_OK);
        g_assert_cmpuint(strlen(code), ==, flow == MATTER_PAYLOAD_FLOW_STANDARD ? 11 : 21);
        md_test_assert_error(matter_payload_manual_decode(code, &decoded), MATTER_OK);
        g_assert_cmpuint(decoded.passcode, ==, payload.passcode);
        g_assert_cmpuint(decoded.discriminator, ==, discriminators[d] >> 8);
        g_assert_cmpuint(decoded.discriminator, ==,
                         matter_payload_short_discriminator(discriminators[d]));
        g_assert_true(decoded.short_discriminator);
        if (flow != MATTER_PAYLOAD_FLOW_STANDARD) {
          g_assert_cmpuint(decoded.vendor_id, ==, payload.vendor_id);
          g_assert_cmpuint(decoded.product_id, ==, payload.product_id);
        }
      }
}

static void
test_extension_data(void)
{
  /* An anonymous structure holding a serial number (context tag 0, UTF-8
   * "123456789"): the extension data the spec defines. */
  static const uint8_t tlv[] = {
    0x15, 0x2C, 0x00, 0x09, '1', '2', '3', '4', '5', '6', '7', '8', '9', 0x18,
  };
  MatterSetupPayload payload = payload_default(), decoded;
  char qr[MATTER_PAYLOAD_QR_SIZE], small[23];

  memcpy(payload.extension, tlv, sizeof(tlv));
  payload.extension_len = sizeof(tlv);
  md_test_assert_error(matter_payload_qr_encode(&payload, qr, sizeof(qr)), MATTER_OK);
  /* 25 bytes: 8 chunks of 3 and one byte. */
  g_assert_cmpuint(strlen(qr), ==, 3 + 8 * 5 + 2);
  md_test_assert_error(matter_payload_qr_decode(qr, &decoded), MATTER_OK);
  assert_payload_equal(&decoded, &payload);
  md_test_assert_error(matter_payload_qr_encode(&payload, small, sizeof(small)),
                       MATTER_ERROR_BUFFER_TOO_SMALL);

  /* The largest extension fits the longest payload the spec allows. */
  payload.extension_len = largest_extension(payload.extension);
  md_test_assert_error(matter_payload_qr_encode(&payload, qr, sizeof(qr)), MATTER_OK);
  g_assert_cmpuint(strlen(qr), ==, MATTER_PAYLOAD_QR_MAX_LEN);
  md_test_assert_error(matter_payload_qr_decode(qr, &decoded), MATTER_OK);
  assert_payload_equal(&decoded, &payload);
  payload.extension_len = MATTER_PAYLOAD_EXTENSION_MAX + 1;
  md_test_assert_error(matter_payload_qr_encode(&payload, qr, sizeof(qr)),
                       MATTER_ERROR_INVALID_ARGUMENT);
}

static void
test_extension_malformed(void)
{
  /* Each is refused by the encoder and, in a QR code, by the decoder. */
  static const struct {
    const char *name;
    uint8_t tlv[8];
    size_t len;
  } cases[] = {
    { "an integer", { 0x04, 0x01 }, 2 },
    { "an array", { 0x16, 0x18 }, 2 },
    { "a tagged structure", { 0x35, 0x01, 0x18 }, 3 },
    { "an open structure", { 0x15 }, 1 },
    { "a truncated member", { 0x15, 0x2C, 0x00, 0x09, '1' }, 5 },
    { "bytes after the structure", { 0x15, 0x18, 0x00 }, 3 },
    { "two structures", { 0x15, 0x18, 0x15, 0x18 }, 4 },
    { "a reserved element type", { 0x15, 0x39, 0x00, 0x18 }, 4 },
    { "end of container alone", { 0x18 }, 1 },
    { "a zero byte", { 0x00 }, 1 },
  };
  static const uint8_t empty_structure[] = { 0x15, 0x18 };
  MatterSetupPayload decoded;
  g_autofree char *empty = NULL;

  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    MatterSetupPayload payload = payload_default();
    char qr[MATTER_PAYLOAD_QR_SIZE];
    g_autofree char *raw =
        raw_qr_ext(0, 0xFFF1, 0x8001, 0, 4, 3840, 20202021, 0, cases[i].tlv, cases[i].len);

    g_test_message("extension: %s", cases[i].name);
    memcpy(payload.extension, cases[i].tlv, cases[i].len);
    payload.extension_len = cases[i].len;
    md_test_assert_error(matter_payload_qr_encode(&payload, qr, sizeof(qr)),
                         MATTER_ERROR_INVALID_ARGUMENT);
    md_test_assert_error(matter_payload_qr_decode(raw, &decoded), MATTER_ERROR_PAYLOAD_FORMAT);
  }

  /* An empty structure is well-formed. */
  empty = raw_qr_ext(0, 0xFFF1, 0x8001, 0, 4, 3840, 20202021, 0, empty_structure,
                     sizeof(empty_structure));
  md_test_assert_error(matter_payload_qr_decode(empty, &decoded), MATTER_OK);
  g_assert_cmpmem(decoded.extension, decoded.extension_len, empty_structure,
                  sizeof(empty_structure));
}

/* ---- Passcodes, discriminators, Verhoeff, base-38 ---------------------- */

static void
test_passcode_rules(void)
{
  const uint32_t forbidden[] = {
    0,        11111111, 22222222, 33333333, 44444444, 55555555,  66666666,
    77777777, 88888888, 99999999, 12345678, 87654321, 100000000, 0x7FFFFFF,
  };
  const uint32_t allowed[] = { 1, 2048, 20202021, 12345677, 87654322, 99999998, 11111112 };

  for (size_t i = 0; i < G_N_ELEMENTS(forbidden); i++) {
    MatterSetupPayload payload = payload_default(), decoded;
    char qr[MATTER_PAYLOAD_QR_SIZE], code[MATTER_PAYLOAD_MANUAL_SIZE];
    g_autofree char *raw = NULL, *digits = NULL, *manual = NULL;
    uint8_t w0[MATTER_SPAKE2P_W_LEN], L[MATTER_SPAKE2P_POINT_LEN];

    g_assert_false(matter_payload_passcode_valid(forbidden[i]));
    payload.passcode = forbidden[i];
    md_test_assert_error(matter_payload_qr_encode(&payload, qr, sizeof(qr)),
                         MATTER_ERROR_INVALID_PASSCODE);
    md_test_assert_error(matter_payload_manual_encode(&payload, code),
                         MATTER_ERROR_INVALID_PASSCODE);
    md_test_assert_error(matter_payload_compute_verifier(
                             forbidden[i], (const uint8_t *) "SPAKE2P Key Salt", 16, 1000, w0, L),
                         MATTER_ERROR_INVALID_PASSCODE);

    /* Decoders refuse them too, when the code can carry them at all. */
    if (forbidden[i] < (1u << 27)) {
      raw = raw_qr(0, 0xFFF1, 0x8001, 0, 4, 3840, forbidden[i], 0);
      md_test_assert_error(matter_payload_qr_decode(raw, &decoded), MATTER_ERROR_INVALID_PASSCODE);
      digits = g_strdup_printf("3%05u%04u", 3u << 14 | (forbidden[i] & 0x3FFF), forbidden[i] >> 14);
      manual = with_check(digits);
      md_test_assert_error(matter_payload_manual_decode(manual, &decoded),
                           MATTER_ERROR_INVALID_PASSCODE);
    }
  }
  for (size_t i = 0; i < G_N_ELEMENTS(allowed); i++)
    g_assert_true(matter_payload_passcode_valid(allowed[i]));
}

static void
test_discriminator_range(void)
{
  MatterSetupPayload payload = payload_default();
  char qr[MATTER_PAYLOAD_QR_SIZE], code[MATTER_PAYLOAD_MANUAL_SIZE];

  payload.discriminator = 4096;
  md_test_assert_error(matter_payload_qr_encode(&payload, qr, sizeof(qr)),
                       MATTER_ERROR_INVALID_DISCRIMINATOR);
  md_test_assert_error(matter_payload_manual_encode(&payload, code),
                       MATTER_ERROR_INVALID_DISCRIMINATOR);

  /* A short discriminator is 4 bits, and a QR code needs the long one. */
  payload.short_discriminator = true;
  payload.discriminator = 16;
  md_test_assert_error(matter_payload_manual_encode(&payload, code),
                       MATTER_ERROR_INVALID_DISCRIMINATOR);
  payload.discriminator = 15;
  md_test_assert_error(matter_payload_manual_encode(&payload, code), MATTER_OK);
  md_test_assert_error(matter_payload_qr_encode(&payload, qr, sizeof(qr)),
                       MATTER_ERROR_INVALID_DISCRIMINATOR);

  g_assert_cmpuint(matter_payload_short_discriminator(3840), ==, 15);
  g_assert_cmpuint(matter_payload_short_discriminator(0x0FF), ==, 0);
  g_assert_cmpuint(matter_payload_short_discriminator(0xA1F), ==, 10);
}

static void
test_encode_refuses(void)
{
  MatterSetupPayload payload = payload_default();
  char qr[MATTER_PAYLOAD_QR_SIZE], code[MATTER_PAYLOAD_MANUAL_SIZE];

  payload.version = 1;
  md_test_assert_error(matter_payload_qr_encode(&payload, qr, sizeof(qr)),
                       MATTER_ERROR_PAYLOAD_VERSION);
  md_test_assert_error(matter_payload_manual_encode(&payload, code), MATTER_ERROR_PAYLOAD_VERSION);

  payload = payload_default();
  payload.flow = (MatterPayloadFlow) 3;
  md_test_assert_error(matter_payload_qr_encode(&payload, qr, sizeof(qr)),
                       MATTER_ERROR_INVALID_ARGUMENT);
  md_test_assert_error(matter_payload_manual_encode(&payload, code), MATTER_ERROR_INVALID_ARGUMENT);

  payload = payload_default();
  payload.rendezvous = 0x40;
  md_test_assert_error(matter_payload_qr_encode(&payload, qr, sizeof(qr)),
                       MATTER_ERROR_INVALID_ARGUMENT);

  payload = payload_default();
  md_test_assert_error(matter_payload_qr_encode(&payload, qr, 22), MATTER_ERROR_BUFFER_TOO_SMALL);
  md_test_assert_error(matter_payload_qr_encode(&payload, qr, 23), MATTER_OK);
  md_test_assert_error(matter_payload_qr_encode(NULL, qr, sizeof(qr)),
                       MATTER_ERROR_INVALID_ARGUMENT);
  md_test_assert_error(matter_payload_qr_encode_all(&payload, 0, qr, sizeof(qr)),
                       MATTER_ERROR_INVALID_ARGUMENT);
}

static void
test_verhoeff(void)
{
  const struct {
    const char *digits;
    char check;
  } vectors[] = {
    { "236", '3' }, { "12345", '1' },      { "142857", '0' },     { "3497011233", '2' },
    { "", '0' },    { "0000010000", '7' }, { "2361087535", '0' }, { "52927623630456200032", '2' },
  };
  char check;

  for (size_t i = 0; i < G_N_ELEMENTS(vectors); i++) {
    md_test_assert_error(
        matter_payload_verhoeff_digit(vectors[i].digits, strlen(vectors[i].digits), &check),
        MATTER_OK);
    g_assert_cmpint(check, ==, vectors[i].check);
  }
  md_test_assert_error(matter_payload_verhoeff_digit("12a4", 4, &check),
                       MATTER_ERROR_INVALID_ARGUMENT);

  /* Every single-digit error and every adjacent transposition of the
   * default code is caught. */
  for (size_t pos = 0; pos < 11; pos++) {
    for (char c = '0'; c <= '9'; c++) {
      char code[] = "34970112332";

      if (code[pos] == c)
        continue;
      code[pos] = c;
      md_test_assert_error(matter_payload_verhoeff_digit(code, 10, &check), MATTER_OK);
      g_assert_cmpint(check, !=, code[10]);
    }
    if (pos < 10) {
      char code[] = "34970112332", t = code[pos];

      if (code[pos] == code[pos + 1])
        continue;
      code[pos] = code[pos + 1];
      code[pos + 1] = t;
      md_test_assert_error(matter_payload_verhoeff_digit(code, 10, &check), MATTER_OK);
      g_assert_cmpint(check, !=, code[10]);
    }
  }
}

static void
test_base38(void)
{
  const struct {
    const char *bytes;
    size_t len;
    const char *text;
  } vectors[] = {
    { "", 0, "" },
    { "\x0a", 1, "A0" },
    { "\x0a\x0a", 2, "OT10" },
    { "\x0a\x0a\x0a", 3, "-N.B0" },
    { "\x0a\x0a\x00", 3, "OT100" },
    { "\x0a\x0a\x28", 3, "Y6V91" },
    { "\x0a\x0a\x29", 3, "KL0B1" },
    { "\x0a\x0a\xff", 3, "Q-M08" },
    { "\x23", 1, "Z0" },
    { "\xff\x00", 2, "R600" },
    { "\x2e\x00\x00", 3, "81000" },
    { "\xff", 1, "R6" },
    { "\xff\xff", 2, "NE71" },
    { "\xff\xff\xff", 3, "PLS18" },
    { "\x00\x01", 2, "S600" },
    { "\x00\x00\x01", 3, "OE710" },
    { "Hello World!", 12, "KKHF3W2S013OPM3EJX11" },
  };
  const char *bad[] = {
    "S6",    /* 0xFF + 1 in two characters */
    "OE71",  /* 0xFFFF + 1 in four */
    "QLS18", /* 0xFFFFFF + 1 in five */
    "0",     "000", "000000", "a0", " 0", "0 ", "*0", "0%", "[0", "@0", "\0010",
  };
  uint8_t out[32];
  char text[64];
  size_t len;

  for (size_t i = 0; i < G_N_ELEMENTS(vectors); i++) {
    md_test_assert_error(matter_payload_base38_encode((const uint8_t *) vectors[i].bytes,
                                                      vectors[i].len, text, sizeof(text)),
                         MATTER_OK);
    g_assert_cmpstr(text, ==, vectors[i].text);
    md_test_assert_error(matter_payload_base38_decode(vectors[i].text, strlen(vectors[i].text), out,
                                                      sizeof(out), &len),
                         MATTER_OK);
    g_assert_cmpmem(out, len, vectors[i].bytes, vectors[i].len);
  }
  for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
    md_test_assert_error(
        matter_payload_base38_decode(bad[i], strlen(bad[i]), out, sizeof(out), &len),
        MATTER_ERROR_PAYLOAD_FORMAT);

  /* Output room, NUL included. */
  md_test_assert_error(matter_payload_base38_encode((const uint8_t *) "\x0a", 1, text, 2),
                       MATTER_ERROR_BUFFER_TOO_SMALL);
  md_test_assert_error(matter_payload_base38_encode((const uint8_t *) "\x0a", 1, text, 3),
                       MATTER_OK);
  md_test_assert_error(matter_payload_base38_encode(NULL, 0, text, 0),
                       MATTER_ERROR_BUFFER_TOO_SMALL);
  md_test_assert_error(matter_payload_base38_decode("-N.B0", 5, out, 2, &len),
                       MATTER_ERROR_BUFFER_TOO_SMALL);
}

/* ---- Malformed input, one class at a time ----------------------------- */

static void
test_qr_malformed(void)
{
  g_autofree char *version = raw_qr(1, 0xFFF1, 0x8001, 0, 4, 3840, 20202021, 0);
  g_autofree char *version7 = raw_qr(7, 0xFFF1, 0x8001, 0, 4, 3840, 20202021, 0);
  g_autofree char *flow3 = raw_qr(0, 0xFFF1, 0x8001, 3, 4, 3840, 20202021, 0);
  g_autofree char *padding = raw_qr(0, 0xFFF1, 0x8001, 0, 4, 3840, 20202021, 8);
  g_autofree char *reserved_bits = raw_qr(0, 0xFFF1, 0x8001, 0, 0xC4, 3840, 20202021, 0);
  g_autofree char *too_long = NULL, *way_too_long = NULL, *exactly_max = NULL;
  uint8_t extension[MATTER_PAYLOAD_EXTENSION_MAX];
  const struct {
    const char *text;
    MatterError error;
  } cases[] = {
    { "", MATTER_ERROR_PAYLOAD_FORMAT },
    { "MT:", MATTER_ERROR_PAYLOAD_FORMAT },
    { "MT", MATTER_ERROR_PAYLOAD_FORMAT },
    { "-24J0AFN00KA0648G00", MATTER_ERROR_PAYLOAD_FORMAT },     /* no prefix */
    { "mt:-24J0AFN00KA0648G00", MATTER_ERROR_PAYLOAD_FORMAT },  /* lower case */
    { " MT:-24J0AFN00KA0648G00", MATTER_ERROR_PAYLOAD_FORMAT }, /* leading space */
    { "MT:-24J0AFN00KA0648G00 ", MATTER_ERROR_PAYLOAD_FORMAT }, /* trailing space */
    { "MT:-24J0AFN00KA0648G0", MATTER_ERROR_PAYLOAD_FORMAT },   /* 18 characters */
    { "MT:-24J0AFN00KA0648G", MATTER_ERROR_PAYLOAD_FORMAT },    /* 17: 10 bytes */
    { "MT:-24J0AFN00KA0648G00A", MATTER_ERROR_PAYLOAD_FORMAT }, /* 20 characters */
    { "MT:-24J0AFN00KA0648g00", MATTER_ERROR_PAYLOAD_FORMAT },  /* outside the alphabet */
    { "MT:-24J0AFN00KA0648G0_", MATTER_ERROR_PAYLOAD_FORMAT },
    { "MT:-24J0AFN00KA06QLS18", MATTER_ERROR_PAYLOAD_FORMAT }, /* chunk overflows */
    { "MT:-24J0AFN00KA0648G00**", MATTER_ERROR_PAYLOAD_FORMAT },
    { "MT:M5L90MP500W-GT68D20", MATTER_ERROR_INVALID_PASSCODE }, /* 111111111 */
    { "MT:10", MATTER_ERROR_PAYLOAD_VERSION },                   /* version 1, truncated */
    { version, MATTER_ERROR_PAYLOAD_VERSION },
    { version7, MATTER_ERROR_PAYLOAD_VERSION },
    { flow3, MATTER_ERROR_PAYLOAD_FORMAT },
    { padding, MATTER_ERROR_PAYLOAD_FORMAT },
  };
  MatterSetupPayload decoded;
  GString *text;

  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_test_message("QR case %zu: \"%s\"", i, cases[i].text);
    md_test_assert_error(matter_payload_qr_decode(cases[i].text, &decoded), cases[i].error);
  }

  /* Rendezvous bits the decoder does not know pass through. */
  md_test_assert_error(matter_payload_qr_decode(reserved_bits, &decoded), MATTER_OK);
  g_assert_cmpuint(decoded.rendezvous, ==, 0xC4);

  /* Lengths: 255 characters in all is the most one payload may have. */
  exactly_max = raw_qr_ext(0, 0xFFF1, 0x8001, 0, 4, 3840, 20202021, 0, extension,
                           largest_extension(extension));
  g_assert_cmpuint(strlen(exactly_max), ==, MATTER_PAYLOAD_QR_MAX_LEN);
  md_test_assert_error(matter_payload_qr_decode(exactly_max, &decoded), MATTER_OK);
  g_assert_cmpuint(decoded.extension_len, ==, MATTER_PAYLOAD_EXTENSION_MAX);
  too_long = g_strconcat(exactly_max, "00000", NULL);
  md_test_assert_error(matter_payload_qr_decode(too_long, &decoded), MATTER_ERROR_PAYLOAD_FORMAT);
  /* And 4296 for the whole code. */
  text = g_string_new("MT:-24J0AFN00KA0648G00");
  while (text->len <= MATTER_PAYLOAD_QR_ALL_MAX_LEN)
    g_string_append(text, "*-24J0AFN00KA0648G00");
  way_too_long = g_string_free(text, FALSE);
  md_test_assert_error(matter_payload_qr_decode(way_too_long, &decoded),
                       MATTER_ERROR_PAYLOAD_FORMAT);
}

static void
test_manual_malformed(void)
{
  g_autofree char *version8 = with_check("8497011233");
  g_autofree char *version9 = with_check("94970112336552132769");
  g_autofree char *short_flagged_long = with_check("7497011233");
  g_autofree char *long_unflagged = with_check("34970112336552132769");
  g_autofree char *chunk2_overflow = with_check("3655360000");
  g_autofree char *chunk2_max = with_check("3655351000");
  g_autofree char *chunk3_overflow = with_check("3000018192");
  g_autofree char *vendor_overflow = with_check("74970112336553632769");
  g_autofree char *product_overflow = with_check("74970112336552199999");
  g_autofree char *zero_passcode = with_check("0000000000");
  const struct {
    const char *text;
    MatterError error;
  } cases[] = {
    { "", MATTER_ERROR_PAYLOAD_FORMAT },
    { "---", MATTER_ERROR_PAYLOAD_FORMAT },
    { "3497011233", MATTER_ERROR_PAYLOAD_FORMAT },             /* 10 digits */
    { "349701123321", MATTER_ERROR_PAYLOAD_FORMAT },           /* 12 */
    { "74970112336552132769", MATTER_ERROR_PAYLOAD_FORMAT },   /* 20 */
    { "7497011233655213276944", MATTER_ERROR_PAYLOAD_FORMAT }, /* 22 */
    { "3497O112332", MATTER_ERROR_PAYLOAD_FORMAT },            /* a letter O */
    { "3497.011.2332", MATTER_ERROR_PAYLOAD_FORMAT },
    { "3497\t011\t2332", MATTER_ERROR_PAYLOAD_FORMAT },
    { "+34970112332", MATTER_ERROR_PAYLOAD_FORMAT },
    { "34970112333", MATTER_ERROR_PAYLOAD_CHECK_DIGIT },
    { "43970112332", MATTER_ERROR_PAYLOAD_CHECK_DIGIT }, /* transposed */
    { "749701123365521327695", MATTER_ERROR_PAYLOAD_CHECK_DIGIT },
    { version8, MATTER_ERROR_PAYLOAD_VERSION },
    { version9, MATTER_ERROR_PAYLOAD_VERSION },
    { short_flagged_long, MATTER_ERROR_PAYLOAD_FORMAT },
    { long_unflagged, MATTER_ERROR_PAYLOAD_FORMAT },
    { chunk2_overflow, MATTER_ERROR_PAYLOAD_FORMAT },
    { chunk3_overflow, MATTER_ERROR_PAYLOAD_FORMAT },
    { vendor_overflow, MATTER_ERROR_PAYLOAD_FORMAT },
    { product_overflow, MATTER_ERROR_PAYLOAD_FORMAT },
    { zero_passcode, MATTER_ERROR_INVALID_PASSCODE },
    { "MT:-24J0AFN00KA0648G00", MATTER_ERROR_PAYLOAD_FORMAT }, /* a QR code */
  };
  MatterSetupPayload decoded;

  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_test_message("manual case %zu: \"%s\"", i, cases[i].text);
    md_test_assert_error(matter_payload_manual_decode(cases[i].text, &decoded), cases[i].error);
  }
  /* 65535 is the largest second chunk (short discriminator bits 3, passcode
   * low bits all ones). */
  md_test_assert_error(matter_payload_manual_decode(chunk2_max, &decoded), MATTER_OK);
  g_assert_cmpuint(decoded.passcode, ==, 16383 + (1000u << 14));
  g_assert_cmpuint(decoded.discriminator, ==, 3 << 2 | 3);
}

static void
test_null_arguments(void)
{
  MatterSetupPayload payload = payload_default();
  char code[MATTER_PAYLOAD_MANUAL_SIZE];
  size_t count;

  md_test_assert_error(matter_payload_qr_decode(NULL, &payload), MATTER_ERROR_INVALID_ARGUMENT);
  md_test_assert_error(matter_payload_qr_decode("MT:-24J0AFN00KA0648G00", NULL),
                       MATTER_ERROR_INVALID_ARGUMENT);
  md_test_assert_error(matter_payload_qr_decode_all("MT:-24J0AFN00KA0648G00", NULL, 0, &count),
                       MATTER_ERROR_BUFFER_TOO_SMALL);
  g_assert_cmpuint(count, ==, 1);
  md_test_assert_error(matter_payload_manual_decode(NULL, &payload), MATTER_ERROR_INVALID_ARGUMENT);
  md_test_assert_error(matter_payload_manual_encode(NULL, code), MATTER_ERROR_INVALID_ARGUMENT);
  md_test_assert_error(matter_payload_decode(NULL, &payload), MATTER_ERROR_INVALID_ARGUMENT);
}

/* ---- Verifier --------------------------------------------------------- */

static void
test_verifier(void)
{
  static const uint8_t salt[] = "SPAKE2P Key Salt";
  static const uint8_t expected_w0[MATTER_SPAKE2P_W_LEN] = {
    0xB9, 0x61, 0x70, 0xAA, 0xE8, 0x03, 0x34, 0x68, 0x84, 0x72, 0x4F, 0xE9, 0xA3, 0xB2, 0x87, 0xC3,
    0x03, 0x30, 0xC2, 0xA6, 0x60, 0x37, 0x5D, 0x17, 0xBB, 0x20, 0x5A, 0x8C, 0xF1, 0xAE, 0xCB, 0x35,
  };
  static const uint8_t expected_L[MATTER_SPAKE2P_POINT_LEN] = {
    0x04, 0x57, 0xF8, 0xAB, 0x79, 0xEE, 0x25, 0x3A, 0xB6, 0xA8, 0xE4, 0x6B, 0xB0,
    0x9E, 0x54, 0x3A, 0xE4, 0x22, 0x73, 0x6D, 0xE5, 0x01, 0xE3, 0xDB, 0x37, 0xD4,
    0x41, 0xFE, 0x34, 0x49, 0x20, 0xD0, 0x95, 0x48, 0xE4, 0xC1, 0x82, 0x40, 0x63,
    0x0C, 0x4F, 0xF4, 0x91, 0x3C, 0x53, 0x51, 0x38, 0x39, 0xB7, 0xC0, 0x7F, 0xCC,
    0x06, 0x27, 0xA1, 0xB8, 0x57, 0x3A, 0x14, 0x9F, 0xCD, 0x1F, 0xA4, 0x66, 0xCF,
  };
  static const char expected_verifier[] = "uWFwqugDNGiEck/po7KHwwMwwqZgN10XuyBajPGuyzUEV/"
                                          "iree4lOrao5GuwnlQ65CJzbeUB49s31EH+NEkg0JVI5MGCQ"
                                          "GMMT/SRPFNRODm3wH/MBiehuFc6FJ/NH6Rmzw==";
  uint8_t w0[MATTER_SPAKE2P_W_LEN], L[MATTER_SPAKE2P_POINT_LEN], both[sizeof(w0) + sizeof(L)];
  uint8_t ws[2 * MATTER_SPAKE2P_WS_LEN], long_salt[MATTER_PAYLOAD_SALT_MAX + 1] = { 0 };
  g_autofree char *base64 = NULL;

  md_test_assert_error(matter_payload_compute_verifier(20202021, salt, 16, 1000, w0, L), MATTER_OK);
  g_assert_cmpmem(w0, sizeof(w0), expected_w0, sizeof(expected_w0));
  g_assert_cmpmem(L, sizeof(L), expected_L, sizeof(expected_L));
  /* The form the SDK's tools print: base64 of w0 || L. */
  memcpy(both, w0, sizeof(w0));
  memcpy(both + sizeof(w0), L, sizeof(L));
  base64 = g_base64_encode(both, sizeof(both));
  g_assert_cmpstr(base64, ==, expected_verifier);

  md_test_assert_error(matter_payload_compute_ws(20202021, salt, 16, 1000, ws), MATTER_OK);

  /* The bounds PASE sets. */
  md_test_assert_error(matter_payload_compute_verifier(20202021, long_salt, 15, 1000, w0, L),
                       MATTER_ERROR_INVALID_ARGUMENT);
  md_test_assert_error(matter_payload_compute_verifier(20202021, long_salt, 33, 1000, w0, L),
                       MATTER_ERROR_INVALID_ARGUMENT);
  md_test_assert_error(matter_payload_compute_verifier(20202021, salt, 16, 999, w0, L),
                       MATTER_ERROR_INVALID_ARGUMENT);
  md_test_assert_error(matter_payload_compute_verifier(20202021, salt, 16, 100001, w0, L),
                       MATTER_ERROR_INVALID_ARGUMENT);
  md_test_assert_error(matter_payload_compute_verifier(20202021, NULL, 16, 1000, w0, L),
                       MATTER_ERROR_INVALID_ARGUMENT);
  md_test_assert_error(matter_payload_compute_verifier(20202021, long_salt, 32, 1000, w0, L),
                       MATTER_OK);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  g_test_add_func("/payload/qr/vectors", test_qr_vectors);
  g_test_add_func("/payload/qr/sdk-vector", test_qr_sdk_vector);
  g_test_add_func("/payload/qr/concatenated", test_concatenated);
  g_test_add_func("/payload/qr/extension-data", test_extension_data);
  g_test_add_func("/payload/qr/extension-malformed", test_extension_malformed);
  g_test_add_func("/payload/qr/malformed", test_qr_malformed);
  g_test_add_func("/payload/manual/vectors", test_manual_vectors);
  g_test_add_func("/payload/manual/long-code", test_manual_long_code);
  g_test_add_func("/payload/manual/sdk-vectors", test_manual_sdk_vectors);
  g_test_add_func("/payload/manual/malformed", test_manual_malformed);
  g_test_add_func("/payload/decode-either", test_decode_either);
  g_test_add_func("/payload/round-trips", test_round_trips);
  g_test_add_func("/payload/passcode-rules", test_passcode_rules);
  g_test_add_func("/payload/discriminator-range", test_discriminator_range);
  g_test_add_func("/payload/encode-refuses", test_encode_refuses);
  g_test_add_func("/payload/null-arguments", test_null_arguments);
  g_test_add_func("/payload/verhoeff", test_verhoeff);
  g_test_add_func("/payload/base38", test_base38);
  g_test_add_func("/payload/verifier", test_verifier);
  return g_test_run();
}
