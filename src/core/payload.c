/* SPDX-License-Identifier: Apache-2.0 */
#include "matter/payload.h"

#include <openssl/crypto.h>
#include <string.h>

#include "matter/crypto.h"
#include "matter/spake2p.h"
#include "matter/tlv.h"

#define PREFIX_LEN (sizeof(MATTER_PAYLOAD_QR_PREFIX) - 1)
/* Base-38 characters of one payload after the prefix. */
#define QR_PAYLOAD_CHARS (MATTER_PAYLOAD_QR_MAX_LEN - PREFIX_LEN)
#define QR_PAYLOAD_BYTES (MATTER_PAYLOAD_PACKED_LEN + MATTER_PAYLOAD_EXTENSION_MAX)

/* Field widths of the packed QR payload, in the order they are packed. */
enum {
  BITS_VERSION = 3,
  BITS_VENDOR_ID = 16,
  BITS_PRODUCT_ID = 16,
  BITS_FLOW = 2,
  BITS_RENDEZVOUS = 8,
  BITS_DISCRIMINATOR = 12,
  BITS_PASSCODE = 27,
  BITS_PADDING = 4,
};

/* Manual code: digit 1 holds the version (bit 3), VID_PID_PRESENT (bit 2)
 * and the top 2 bits of the short discriminator; digits 2-6 its low 2 bits
 * above the passcode's low 14 bits; digits 7-10 the passcode's top 13 bits. */
#define MANUAL_VID_PID_PRESENT 0x4u
#define MANUAL_SHORT_LEN 11
#define MANUAL_LONG_LEN 21
#define PASSCODE_LOW_BITS 14
#define PASSCODE_LOW_MASK ((1u << PASSCODE_LOW_BITS) - 1)
#define PASSCODE_HIGH_MAX ((1u << (BITS_PASSCODE - PASSCODE_LOW_BITS)) - 1)

static const char base38_alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-.";

bool
matter_payload_passcode_valid(uint32_t passcode)
{
  static const uint32_t trivial[] = {
    11111111, 22222222, 33333333, 44444444, 55555555,
    66666666, 77777777, 88888888, 12345678, 87654321,
  };

  if (passcode == 0 || passcode > MATTER_PAYLOAD_PASSCODE_MAX)
    return false;
  for (size_t i = 0; i < sizeof(trivial) / sizeof(trivial[0]); i++)
    if (passcode == trivial[i])
      return false;
  return true;
}

uint8_t
matter_payload_short_discriminator(uint16_t discriminator)
{
  return (uint8_t) ((discriminator >> 8) & MATTER_PAYLOAD_SHORT_DISCRIMINATOR_MAX);
}

/* ---- Base-38 --------------------------------------------------------- */

/* Characters for a chunk of 0, 1, 2 or 3 bytes. */
static const uint8_t base38_chunk_chars[4] = { 0, 2, 4, 5 };

static size_t
base38_encoded_len(size_t len)
{
  return len / 3 * 5 + base38_chunk_chars[len % 3];
}

static int
base38_value(char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'A' && c <= 'Z')
    return c - 'A' + 10;
  if (c == '-')
    return 36;
  if (c == '.')
    return 37;
  return -1;
}

MatterError
matter_payload_base38_encode(const uint8_t *data, size_t len, char *out, size_t out_size)
{
  size_t pos = 0;

  if ((data == NULL && len > 0) || out == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  /* 5 characters per 3 bytes stays below 2 per byte. */
  if (len > (SIZE_MAX - 1) / 2 || out_size < base38_encoded_len(len) + 1)
    return MATTER_ERROR_BUFFER_TOO_SMALL;

  for (size_t i = 0; i < len; i += 3) {
    size_t bytes = len - i < 3 ? len - i : 3;
    uint32_t value = 0;

    for (size_t j = 0; j < bytes; j++)
      value |= (uint32_t) data[i + j] << (8 * j);
    for (unsigned k = 0; k < base38_chunk_chars[bytes]; k++) {
      out[pos++] = base38_alphabet[value % 38];
      value /= 38;
    }
  }
  out[pos] = '\0';
  return MATTER_OK;
}

MatterError
matter_payload_base38_decode(const char *text, size_t text_len, uint8_t *out, size_t out_size,
                             size_t *out_len)
{
  size_t tail = text_len % 5, need, pos = 0;

  if ((text == NULL && text_len > 0) || (out == NULL && out_size > 0) || out_len == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  /* No byte count encodes to 1 or 3 trailing characters. */
  if (tail == 1 || tail == 3)
    return MATTER_ERROR_PAYLOAD_FORMAT;
  need = text_len / 5 * 3 + tail / 2;
  if (need > out_size)
    return MATTER_ERROR_BUFFER_TOO_SMALL;

  for (size_t i = 0; i < text_len; i += 5) {
    size_t chars = text_len - i < 5 ? text_len - i : 5;
    size_t bytes = chars == 5 ? 3 : chars / 2;
    uint32_t value = 0; /* at most 38^5 - 1 < 2^27 */

    for (size_t k = chars; k-- > 0;) {
      int digit = base38_value(text[i + k]);

      if (digit < 0)
        return MATTER_ERROR_PAYLOAD_FORMAT;
      value = value * 38 + (uint32_t) digit;
    }
    if (value >> (8 * bytes) != 0)
      return MATTER_ERROR_PAYLOAD_FORMAT;
    for (size_t j = 0; j < bytes; j++)
      out[pos++] = (uint8_t) (value >> (8 * j));
  }
  *out_len = pos;
  return MATTER_OK;
}

/* ---- QR code ---------------------------------------------------------- */

/* Bit strings are little-endian: bit n is bit n % 8 of byte n / 8. */
static void
put_bits(uint8_t *buf, unsigned *pos, uint32_t value, unsigned bits)
{
  for (unsigned i = 0; i < bits; i++, (*pos)++)
    if ((value >> i) & 1u)
      buf[*pos / 8] |= (uint8_t) (1u << (*pos % 8));
}

static uint32_t
get_bits(const uint8_t *buf, unsigned *pos, unsigned bits)
{
  uint32_t value = 0;

  for (unsigned i = 0; i < bits; i++, (*pos)++)
    value |= (uint32_t) ((buf[*pos / 8] >> (*pos % 8)) & 1u) << i;
  return value;
}

/* What both printed forms require of a payload to encode. */
static MatterError
check_encodable(const MatterSetupPayload *payload)
{
  uint16_t max = payload->short_discriminator ? MATTER_PAYLOAD_SHORT_DISCRIMINATOR_MAX
                                              : MATTER_PAYLOAD_DISCRIMINATOR_MAX;

  if (payload->version != 0)
    return MATTER_ERROR_PAYLOAD_VERSION;
  if ((unsigned) payload->flow > MATTER_PAYLOAD_FLOW_CUSTOM)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (payload->discriminator > max)
    return MATTER_ERROR_INVALID_DISCRIMINATOR;
  if (!matter_payload_passcode_valid(payload->passcode))
    return MATTER_ERROR_INVALID_PASSCODE;
  return MATTER_OK;
}

/* Extension data is one anonymous TLV structure (Core spec 5.1.5); its
 * members are left to whoever knows their tags. */
static bool
extension_valid(const uint8_t *data, size_t len)
{
  MatterTlvReader reader;

  if (len == 0)
    return true;
  if (matter_tlv_check(data, len) != MATTER_OK)
    return false;
  matter_tlv_reader_init(&reader, data, len);
  return matter_tlv_next(&reader) == MATTER_OK &&
         matter_tlv_get_type(&reader) == MATTER_TLV_TYPE_STRUCTURE &&
         matter_tlv_get_tag(&reader).kind == MATTER_TLV_TAG_ANONYMOUS;
}

/* The base-38 text of one payload, without the prefix. */
static MatterError
qr_encode_one(const MatterSetupPayload *payload, char *out, size_t out_size)
{
  uint8_t buf[QR_PAYLOAD_BYTES] = { 0 };
  unsigned pos = 0;
  MatterError err;

  if (payload == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  err = check_encodable(payload);
  if (err != MATTER_OK)
    return err;
  if (payload->short_discriminator)
    return MATTER_ERROR_INVALID_DISCRIMINATOR;
  if ((payload->rendezvous & ~MATTER_PAYLOAD_RENDEZVOUS_KNOWN) != 0 ||
      payload->extension_len > MATTER_PAYLOAD_EXTENSION_MAX ||
      !extension_valid(payload->extension, payload->extension_len))
    return MATTER_ERROR_INVALID_ARGUMENT;

  put_bits(buf, &pos, payload->version, BITS_VERSION);
  put_bits(buf, &pos, payload->vendor_id, BITS_VENDOR_ID);
  put_bits(buf, &pos, payload->product_id, BITS_PRODUCT_ID);
  put_bits(buf, &pos, (uint32_t) payload->flow, BITS_FLOW);
  put_bits(buf, &pos, payload->rendezvous, BITS_RENDEZVOUS);
  put_bits(buf, &pos, payload->discriminator, BITS_DISCRIMINATOR);
  put_bits(buf, &pos, payload->passcode, BITS_PASSCODE);
  pos += BITS_PADDING;
  memcpy(buf + pos / 8, payload->extension, payload->extension_len);
  return matter_payload_base38_encode(buf, pos / 8 + payload->extension_len, out, out_size);
}

MatterError
matter_payload_qr_encode_all(const MatterSetupPayload *payloads, size_t count, char *out,
                             size_t out_size)
{
  size_t len = PREFIX_LEN;
  MatterError err = MATTER_OK;

  if (payloads == NULL || count == 0 || out == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (out_size < len + 1)
    return MATTER_ERROR_BUFFER_TOO_SMALL;
  memcpy(out, MATTER_PAYLOAD_QR_PREFIX, PREFIX_LEN + 1);

  /* On failure @out is left empty, never holding part of a code. */
  for (size_t i = 0; i < count && err == MATTER_OK; i++) {
    if (i > 0) {
      if (out_size < len + 2) {
        err = MATTER_ERROR_BUFFER_TOO_SMALL;
        break;
      }
      out[len++] = '*';
    }
    err = qr_encode_one(&payloads[i], out + len, out_size - len);
    if (err == MATTER_OK)
      len += strlen(out + len);
  }
  if (err == MATTER_OK && len > MATTER_PAYLOAD_QR_ALL_MAX_LEN)
    err = MATTER_ERROR_INVALID_ARGUMENT;
  if (err != MATTER_OK)
    out[0] = '\0';
  return err;
}

MatterError
matter_payload_qr_encode(const MatterSetupPayload *payload, char *out, size_t out_size)
{
  return matter_payload_qr_encode_all(payload, 1, out, out_size);
}

static MatterError
qr_decode_one(const char *text, size_t len, MatterSetupPayload *out)
{
  uint8_t buf[QR_PAYLOAD_BYTES];
  size_t buf_len;
  unsigned pos = 0;
  uint32_t flow;
  MatterError err;

  if (len > QR_PAYLOAD_CHARS)
    return MATTER_ERROR_PAYLOAD_FORMAT;
  err = matter_payload_base38_decode(text, len, buf, sizeof(buf), &buf_len);
  if (err != MATTER_OK)
    return MATTER_ERROR_PAYLOAD_FORMAT;
  if (buf_len == 0)
    return MATTER_ERROR_PAYLOAD_FORMAT;
  /* Another version may lay out the rest differently: check it first. */
  if ((buf[0] & ((1u << BITS_VERSION) - 1)) != 0)
    return MATTER_ERROR_PAYLOAD_VERSION;
  if (buf_len < MATTER_PAYLOAD_PACKED_LEN)
    return MATTER_ERROR_PAYLOAD_FORMAT;

  memset(out, 0, sizeof(*out));
  out->version = (uint8_t) get_bits(buf, &pos, BITS_VERSION);
  out->vendor_id = (uint16_t) get_bits(buf, &pos, BITS_VENDOR_ID);
  out->product_id = (uint16_t) get_bits(buf, &pos, BITS_PRODUCT_ID);
  flow = get_bits(buf, &pos, BITS_FLOW);
  out->rendezvous = (uint8_t) get_bits(buf, &pos, BITS_RENDEZVOUS);
  out->discriminator = (uint16_t) get_bits(buf, &pos, BITS_DISCRIMINATOR);
  out->passcode = get_bits(buf, &pos, BITS_PASSCODE);
  /* Flow 3 is reserved, and the padding is zero. */
  if (flow > MATTER_PAYLOAD_FLOW_CUSTOM || get_bits(buf, &pos, BITS_PADDING) != 0)
    return MATTER_ERROR_PAYLOAD_FORMAT;
  out->flow = (MatterPayloadFlow) flow;
  if (!matter_payload_passcode_valid(out->passcode))
    return MATTER_ERROR_INVALID_PASSCODE;

  out->extension_len = buf_len - MATTER_PAYLOAD_PACKED_LEN;
  memcpy(out->extension, buf + MATTER_PAYLOAD_PACKED_LEN, out->extension_len);
  if (!extension_valid(out->extension, out->extension_len))
    return MATTER_ERROR_PAYLOAD_FORMAT;
  return MATTER_OK;
}

MatterError
matter_payload_qr_decode_all(const char *text, MatterSetupPayload *out, size_t max, size_t *count)
{
  MatterSetupPayload one;
  const char *start, *end;
  size_t n = 0;

  if (text == NULL || (out == NULL && max > 0) || count == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  *count = 0;
  if (strncmp(text, MATTER_PAYLOAD_QR_PREFIX, PREFIX_LEN) != 0)
    return MATTER_ERROR_PAYLOAD_FORMAT;
  /* Bounded, so that no length below can overflow or run long. */
  if (strnlen(text, MATTER_PAYLOAD_QR_ALL_MAX_LEN + 1) > MATTER_PAYLOAD_QR_ALL_MAX_LEN)
    return MATTER_ERROR_PAYLOAD_FORMAT;

  /* Every payload is checked before the count is compared with @max, so a
   * malformed code reads as malformed whatever room the caller has. */
  for (start = text + PREFIX_LEN;; start = end + 1) {
    MatterError err;

    end = strchr(start, '*');
    err = qr_decode_one(start, end != NULL ? (size_t) (end - start) : strlen(start), &one);
    if (err != MATTER_OK)
      return err;
    if (n < max)
      out[n] = one;
    n++;
    if (end == NULL)
      break;
  }
  *count = n;
  return n > max ? MATTER_ERROR_BUFFER_TOO_SMALL : MATTER_OK;
}

MatterError
matter_payload_qr_decode(const char *text, MatterSetupPayload *out)
{
  size_t count;

  if (out == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  return matter_payload_qr_decode_all(text, out, 1, &count);
}

/* ---- Manual pairing code ---------------------------------------------- */

/* Verhoeff's scheme over the dihedral group D5: the multiplication table,
 * the position permutation (row i for position i mod 8, counting from the
 * check digit at 0) and the inverses. */
static const uint8_t verhoeff_d[10][10] = {
  { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 }, { 1, 2, 3, 4, 0, 6, 7, 8, 9, 5 },
  { 2, 3, 4, 0, 1, 7, 8, 9, 5, 6 }, { 3, 4, 0, 1, 2, 8, 9, 5, 6, 7 },
  { 4, 0, 1, 2, 3, 9, 5, 6, 7, 8 }, { 5, 9, 8, 7, 6, 0, 4, 3, 2, 1 },
  { 6, 5, 9, 8, 7, 1, 0, 4, 3, 2 }, { 7, 6, 5, 9, 8, 2, 1, 0, 4, 3 },
  { 8, 7, 6, 5, 9, 3, 2, 1, 0, 4 }, { 9, 8, 7, 6, 5, 4, 3, 2, 1, 0 },
};
static const uint8_t verhoeff_p[8][10] = {
  { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 }, { 1, 5, 7, 6, 2, 8, 3, 0, 9, 4 },
  { 5, 8, 0, 3, 7, 9, 6, 1, 4, 2 }, { 8, 9, 1, 6, 0, 4, 3, 5, 2, 7 },
  { 9, 4, 5, 3, 1, 2, 6, 8, 7, 0 }, { 4, 2, 8, 6, 5, 7, 3, 9, 0, 1 },
  { 2, 7, 9, 3, 8, 0, 6, 4, 1, 5 }, { 7, 0, 4, 6, 9, 1, 3, 2, 5, 8 },
};
static const uint8_t verhoeff_inv[10] = { 0, 4, 3, 2, 1, 5, 6, 7, 8, 9 };

MatterError
matter_payload_verhoeff_digit(const char *digits, size_t len, char *check)
{
  unsigned c = 0;

  if ((digits == NULL && len > 0) || check == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  for (size_t i = 0; i < len; i++) {
    char digit = digits[len - 1 - i];

    if (digit < '0' || digit > '9')
      return MATTER_ERROR_INVALID_ARGUMENT;
    c = verhoeff_d[c][verhoeff_p[(i + 1) % 8][digit - '0']];
  }
  *check = (char) ('0' + verhoeff_inv[c]);
  return MATTER_OK;
}

/* @value as exactly @width decimal digits; the caller checked it fits. */
static void
put_decimal(char *out, uint32_t value, unsigned width)
{
  for (unsigned i = width; i-- > 0;) {
    out[i] = (char) ('0' + value % 10);
    value /= 10;
  }
}

static uint32_t
get_decimal(const char *digits, unsigned width)
{
  uint32_t value = 0;

  for (unsigned i = 0; i < width; i++)
    value = value * 10 + (uint32_t) (digits[i] - '0');
  return value;
}

MatterError
matter_payload_manual_encode(const MatterSetupPayload *payload,
                             char out[MATTER_PAYLOAD_MANUAL_SIZE])
{
  uint8_t short_disc;
  bool vid_pid;
  size_t len;
  MatterError err;

  if (payload == NULL || out == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  err = check_encodable(payload);
  if (err != MATTER_OK)
    return err;

  short_disc = payload->short_discriminator
                   ? (uint8_t) payload->discriminator
                   : matter_payload_short_discriminator(payload->discriminator);
  vid_pid = payload->flow != MATTER_PAYLOAD_FLOW_STANDARD;
  put_decimal(out, (vid_pid ? MANUAL_VID_PID_PRESENT : 0) | (short_disc >> 2u), 1);
  put_decimal(out + 1,
              ((uint32_t) (short_disc & 3u) << PASSCODE_LOW_BITS) |
                  (payload->passcode & PASSCODE_LOW_MASK),
              5);
  put_decimal(out + 6, payload->passcode >> PASSCODE_LOW_BITS, 4);
  len = 10;
  if (vid_pid) {
    put_decimal(out + 10, payload->vendor_id, 5);
    put_decimal(out + 15, payload->product_id, 5);
    len = 20;
  }
  matter_payload_verhoeff_digit(out, len, &out[len]);
  out[len + 1] = '\0';
  return MATTER_OK;
}

MatterError
matter_payload_manual_decode(const char *text, MatterSetupPayload *out)
{
  char digits[MANUAL_LONG_LEN], check;
  size_t n = 0;
  unsigned first;
  uint32_t low, high, vendor_id = 0, product_id = 0, passcode;
  bool vid_pid;

  if (text == NULL || out == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  for (const char *c = text; *c != '\0'; c++) {
    if (*c == '-' || *c == ' ')
      continue;
    if (*c < '0' || *c > '9' || n == sizeof(digits))
      return MATTER_ERROR_PAYLOAD_FORMAT;
    digits[n++] = *c;
  }
  if (n != MANUAL_SHORT_LEN && n != MANUAL_LONG_LEN)
    return MATTER_ERROR_PAYLOAD_FORMAT;
  matter_payload_verhoeff_digit(digits, n - 1, &check);
  if (check != digits[n - 1])
    return MATTER_ERROR_PAYLOAD_CHECK_DIGIT;

  first = (unsigned) (digits[0] - '0');
  if (first > 7) /* the 1-bit version is 1 */
    return MATTER_ERROR_PAYLOAD_VERSION;
  vid_pid = (first & MANUAL_VID_PID_PRESENT) != 0;
  if (vid_pid != (n == MANUAL_LONG_LEN))
    return MATTER_ERROR_PAYLOAD_FORMAT;
  low = get_decimal(digits + 1, 5);
  high = get_decimal(digits + 6, 4);
  if (low > UINT16_MAX || high > PASSCODE_HIGH_MAX)
    return MATTER_ERROR_PAYLOAD_FORMAT;
  if (vid_pid) {
    vendor_id = get_decimal(digits + 10, 5);
    product_id = get_decimal(digits + 15, 5);
    if (vendor_id > UINT16_MAX || product_id > UINT16_MAX)
      return MATTER_ERROR_PAYLOAD_FORMAT;
  }
  passcode = (high << PASSCODE_LOW_BITS) | (low & PASSCODE_LOW_MASK);
  if (!matter_payload_passcode_valid(passcode))
    return MATTER_ERROR_INVALID_PASSCODE;

  memset(out, 0, sizeof(*out));
  out->vendor_id = (uint16_t) vendor_id;
  out->product_id = (uint16_t) product_id;
  out->flow = vid_pid ? MATTER_PAYLOAD_FLOW_CUSTOM : MATTER_PAYLOAD_FLOW_STANDARD;
  out->discriminator = (uint16_t) (((first & 3u) << 2) | (low >> PASSCODE_LOW_BITS));
  out->short_discriminator = true;
  out->passcode = passcode;
  return MATTER_OK;
}

MatterError
matter_payload_decode(const char *text, MatterSetupPayload *out)
{
  if (text == NULL || out == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (strncmp(text, MATTER_PAYLOAD_QR_PREFIX, PREFIX_LEN) == 0)
    return matter_payload_qr_decode(text, out);
  return matter_payload_manual_decode(text, out);
}

/* ---- PASE verifier ---------------------------------------------------- */

MatterError
matter_payload_compute_ws(uint32_t passcode, const uint8_t *salt, size_t salt_len,
                          uint32_t iterations, uint8_t ws[2 * MATTER_SPAKE2P_WS_LEN])
{
  uint8_t password[4];
  MatterError err;

  if (salt == NULL || ws == NULL || salt_len < MATTER_PAYLOAD_SALT_MIN ||
      salt_len > MATTER_PAYLOAD_SALT_MAX || iterations < MATTER_PAYLOAD_ITERATIONS_MIN ||
      iterations > MATTER_PAYLOAD_ITERATIONS_MAX)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (!matter_payload_passcode_valid(passcode))
    return MATTER_ERROR_INVALID_PASSCODE;

  for (size_t i = 0; i < sizeof(password); i++)
    password[i] = (uint8_t) (passcode >> (8 * i));
  err = matter_pbkdf2_sha256(password, sizeof(password), salt, salt_len, iterations, ws,
                             2 * MATTER_SPAKE2P_WS_LEN);
  OPENSSL_cleanse(password, sizeof(password));
  if (err != MATTER_OK)
    OPENSSL_cleanse(ws, 2 * MATTER_SPAKE2P_WS_LEN);
  return err;
}

MatterError
matter_payload_compute_verifier(uint32_t passcode, const uint8_t *salt, size_t salt_len,
                                uint32_t iterations, uint8_t w0[MATTER_SPAKE2P_W_LEN],
                                uint8_t L[MATTER_SPAKE2P_POINT_LEN])
{
  uint8_t ws[2 * MATTER_SPAKE2P_WS_LEN], w1[MATTER_SPAKE2P_W_LEN];
  MatterError err;

  if (w0 == NULL || L == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  err = matter_payload_compute_ws(passcode, salt, salt_len, iterations, ws);
  if (err == MATTER_OK)
    err = matter_spake2p_compute_w0w1(ws, w0, w1);
  if (err == MATTER_OK)
    err = matter_spake2p_compute_L(w1, L);
  OPENSSL_cleanse(ws, sizeof(ws));
  OPENSSL_cleanse(w1, sizeof(w1));
  if (err != MATTER_OK)
    OPENSSL_cleanse(w0, MATTER_SPAKE2P_W_LEN);
  return err;
}
