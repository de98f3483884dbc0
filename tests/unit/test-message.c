/* SPDX-License-Identifier: Apache-2.0 */
/* Message frame codec and message security.
 *
 * Vectors:
 * - Header and protocol header byte strings written here from the field
 *   tables of Core spec 4.4 (tables 7-14), plus every combination of the
 *   flags packed by an independent packer in this file.
 * - Privacy nonce: session 0x002A with MIC c5a0063a...163b, the example of
 *   Core spec 4.8.2, also in connectedhomeip
 *   src/transport/tests/TestCryptoContext.cpp.
 * - Secured messages: connectedhomeip
 *   src/transport/tests/TestSessionManagerDispatch.cpp: the PASE messages
 *   under the SDK's test key (plain, encrypted, wrong MIC, P flag in the
 *   nonce) and the group messages under its operational group key, with and
 *   without privacy (privacy key, privacy nonce, obfuscated header). */

#include <glib.h>
#include <string.h>

#include "matter/message.h"

#define assert_error(expr, expected) \
  g_assert_cmpstr(matter_error_name(expr), ==, matter_error_name(expected))

#define BUF_MAX 256

/* Parses hex digits, skipping spaces; returns the byte count. */
static size_t
hex(const char *text, uint8_t *out, size_t size)
{
  size_t n = 0;
  int high = -1;

  for (const char *c = text; *c != '\0'; c++) {
    int v;

    if (*c == ' ')
      continue;
    v = g_ascii_xdigit_value(*c);
    g_assert_cmpint(v, >=, 0);
    if (high < 0) {
      high = v;
      continue;
    }
    g_assert_cmpuint(n, <, size);
    out[n++] = (uint8_t) (high << 4 | v);
    high = -1;
  }
  g_assert_cmpint(high, <, 0);
  return n;
}

/* Field values the vectors share. */
#define SID "34 12"                   /* session id 0x1234 */
#define CTR "EF CD AB 89"             /* counter 0x89ABCDEF */
#define SRC "08 07 06 05 04 03 02 01" /* source 0x0102030405060708 */
#define DST "18 17 16 15 14 13 12 11" /* destination 0x1112131415161718 */
#define GRP "EF BE"                   /* group 0xBEEF */
#define EXT "03 00 A1 A2 A3"          /* extensions: length 3, A1 A2 A3 */
#define SESSION_ID 0x1234
#define COUNTER 0x89ABCDEFu
#define SOURCE UINT64_C(0x0102030405060708)
#define DEST UINT64_C(0x1112131415161718)
#define GROUP 0xBEEF

static const uint8_t ext_payload[] = { 0xA1, 0xA2, 0xA3 };

typedef struct {
  const char *name;
  const char *bytes;
  uint8_t message_flags;
  uint16_t session_id;
  uint8_t security_flags;
  uint32_t counter;
  bool has_source;
  uint64_t source;
  MatterDestKind dest_kind;
  uint64_t dest;
  bool has_ext; /* MX: the block of EXT, or an empty one */
  size_t ext_len;
} HeaderVector;

static const HeaderVector header_vectors[] = {
  { "unsecured", "00 0000 00 " CTR, 0x00, 0, 0x00, COUNTER, false, 0, MATTER_DEST_NONE, 0, false,
    0 },
  { "unsecured, source", "04 0000 00 " CTR SRC, 0x04, 0, 0x00, COUNTER, true, SOURCE,
    MATTER_DEST_NONE, 0, false, 0 },
  { "unsecured, node destination", "01 0000 00 " CTR DST, 0x01, 0, 0x00, COUNTER, false, 0,
    MATTER_DEST_NODE_ID, DEST, false, 0 },
  { "unsecured, source and node destination", "05 0000 00 " CTR SRC DST, 0x05, 0, 0x00, COUNTER,
    true, SOURCE, MATTER_DEST_NODE_ID, DEST, false, 0 },
  { "unsecured, group destination", "02 0000 00 " CTR GRP, 0x02, 0, 0x00, COUNTER, false, 0,
    MATTER_DEST_GROUP_ID, GROUP, false, 0 },
  { "secure unicast", "00 " SID " 00 " CTR, 0x00, SESSION_ID, 0x00, COUNTER, false, 0,
    MATTER_DEST_NONE, 0, false, 0 },
  { "secure unicast, P", "00 " SID " 80 " CTR, 0x00, SESSION_ID, 0x80, COUNTER, false, 0,
    MATTER_DEST_NONE, 0, false, 0 },
  { "secure unicast, C", "00 " SID " 40 " CTR, 0x00, SESSION_ID, 0x40, COUNTER, false, 0,
    MATTER_DEST_NONE, 0, false, 0 },
  { "secure unicast, MX", "00 " SID " 20 " CTR EXT, 0x00, SESSION_ID, 0x20, COUNTER, false, 0,
    MATTER_DEST_NONE, 0, true, 3 },
  { "secure unicast, MX with an empty block", "00 " SID " 20 " CTR "0000", 0x00, SESSION_ID, 0x20,
    COUNTER, false, 0, MATTER_DEST_NONE, 0, true, 0 },
  { "secure unicast, S, DSIZ 1, P, C, MX", "05 " SID " E0 " CTR SRC DST EXT, 0x05, SESSION_ID, 0xE0,
    COUNTER, true, SOURCE, MATTER_DEST_NODE_ID, DEST, true, 3 },
  { "group", "06 " SID " 01 " CTR SRC GRP, 0x06, SESSION_ID, 0x01, COUNTER, true, SOURCE,
    MATTER_DEST_GROUP_ID, GROUP, false, 0 },
  { "group, node destination", "05 " SID " 01 " CTR SRC DST, 0x05, SESSION_ID, 0x01, COUNTER, true,
    SOURCE, MATTER_DEST_NODE_ID, DEST, false, 0 },
  { "group, P, C, MX", "06 " SID " E1 " CTR SRC GRP EXT, 0x06, SESSION_ID, 0xE1, COUNTER, true,
    SOURCE, MATTER_DEST_GROUP_ID, GROUP, true, 3 },
  { "SDK group message", "06 7DDB 01 78563412 0100000000000000 0200", 0x06, 0xDB7D, 0x01,
    0x12345678, true, 1, MATTER_DEST_GROUP_ID, 2, false, 0 },
};

static MatterMessageHeader
header_from_vector(const HeaderVector *v)
{
  MatterMessageHeader h;

  memset(&h, 0, sizeof(h));
  h.message_flags = v->message_flags;
  h.session_id = v->session_id;
  h.security_flags = v->security_flags;
  h.counter = v->counter;
  h.has_source = v->has_source;
  h.source_node_id = v->source;
  h.dest_kind = v->dest_kind;
  h.dest_node_id = v->dest;
  if (v->has_ext) {
    h.extensions = ext_payload;
    h.extensions_len = v->ext_len;
  }
  return h;
}

static void
assert_header_equal(const MatterMessageHeader *a, const MatterMessageHeader *b)
{
  g_assert_cmphex(a->message_flags, ==, b->message_flags);
  g_assert_cmphex(a->session_id, ==, b->session_id);
  g_assert_cmphex(a->security_flags, ==, b->security_flags);
  g_assert_cmphex(a->counter, ==, b->counter);
  g_assert_cmpint(a->has_source, ==, b->has_source);
  g_assert_cmphex(a->source_node_id, ==, b->source_node_id);
  g_assert_cmpint(a->dest_kind, ==, b->dest_kind);
  g_assert_cmphex(a->dest_node_id, ==, b->dest_node_id);
  g_assert_true((a->extensions == NULL) == (b->extensions == NULL));
  g_assert_cmpmem(a->extensions, a->extensions_len, b->extensions, b->extensions_len);
}

static void
test_header_vectors(void)
{
  for (size_t i = 0; i < G_N_ELEMENTS(header_vectors); i++) {
    const HeaderVector *v = &header_vectors[i];
    MatterMessageHeader expected = header_from_vector(v), decoded, peeked;
    uint8_t bytes[BUF_MAX], encoded[BUF_MAX];
    size_t len, header_len, encoded_len;

    g_test_message("%s", v->name);
    len = hex(v->bytes, bytes, sizeof(bytes));
    /* An application payload after the header is not part of it. */
    bytes[len] = 0x5A;
    assert_error(matter_message_header_decode(bytes, len + 1, &decoded, &header_len), MATTER_OK);
    g_assert_cmpuint(header_len, ==, len);
    assert_header_equal(&decoded, &expected);
    if (v->has_ext)
      g_assert_true(decoded.extensions == bytes + len - v->ext_len);

    assert_error(matter_message_header_peek(bytes, len, &peeked), MATTER_OK);
    g_assert_cmphex(peeked.session_id, ==, v->session_id);
    g_assert_cmphex(peeked.security_flags, ==, v->security_flags);
    g_assert_cmpint(peeked.has_source, ==, v->has_source);
    g_assert_cmpint(peeked.dest_kind, ==, v->dest_kind);
    g_assert_cmphex(peeked.counter, ==, 0);

    assert_error(matter_message_header_encode(&expected, encoded, sizeof(encoded), &encoded_len),
                 MATTER_OK);
    g_assert_cmpmem(encoded, encoded_len, bytes, len);
    g_assert_cmpuint(encoded_len, <=, MATTER_MESSAGE_HEADER_MAX + expected.extensions_len);

    /* Exactly the size needed is enough, one byte less is not. */
    assert_error(matter_message_header_encode(&expected, encoded, len, &encoded_len), MATTER_OK);
    assert_error(matter_message_header_encode(&expected, encoded, len - 1, &encoded_len),
                 MATTER_ERROR_BUFFER_TOO_SMALL);
  }
}

static void
test_header_session_helpers(void)
{
  MatterMessageHeader h;
  uint8_t bytes[BUF_MAX];
  size_t len, header_len;

  len = hex("00 0000 00 " CTR, bytes, sizeof(bytes));
  assert_error(matter_message_header_decode(bytes, len, &h, &header_len), MATTER_OK);
  g_assert_true(matter_message_is_unsecured(&h));
  g_assert_cmpint(matter_message_session_type(&h), ==, MATTER_SESSION_TYPE_UNICAST);

  len = hex("00 " SID " 00 " CTR, bytes, sizeof(bytes));
  assert_error(matter_message_header_decode(bytes, len, &h, &header_len), MATTER_OK);
  g_assert_false(matter_message_is_unsecured(&h));
  g_assert_cmpint(matter_message_session_type(&h), ==, MATTER_SESSION_TYPE_UNICAST);

  /* A group session with id 0 is not the unsecured session. */
  len = hex("06 0000 01 " CTR SRC GRP, bytes, sizeof(bytes));
  assert_error(matter_message_header_decode(bytes, len, &h, &header_len), MATTER_OK);
  g_assert_false(matter_message_is_unsecured(&h));
  g_assert_cmpint(matter_message_session_type(&h), ==, MATTER_SESSION_TYPE_GROUP);
}

/* Reserved bits are ignored on reception and zero on transmission. */
static void
test_header_reserved_bits(void)
{
  MatterMessageHeader h;
  uint8_t bytes[BUF_MAX], expected[BUF_MAX], encoded[BUF_MAX];
  size_t len, expected_len, header_len, encoded_len;

  /* Message flags bit 3, security flags bits 2-4. */
  len = hex("0D " SID " 1C " CTR SRC DST, bytes, sizeof(bytes));
  assert_error(matter_message_header_decode(bytes, len, &h, &header_len), MATTER_OK);
  g_assert_cmpuint(header_len, ==, len);
  g_assert_cmphex(h.message_flags, ==, 0x0D);
  g_assert_cmphex(h.security_flags, ==, 0x1C);
  g_assert_true(h.has_source);
  g_assert_cmpint(h.dest_kind, ==, MATTER_DEST_NODE_ID);
  g_assert_cmphex(h.dest_node_id, ==, DEST);

  expected_len = hex("05 " SID " 00 " CTR SRC DST, expected, sizeof(expected));
  assert_error(matter_message_header_encode(&h, encoded, sizeof(encoded), &encoded_len), MATTER_OK);
  g_assert_cmpmem(encoded, encoded_len, expected, expected_len);
}

/* A packer independent of the code under test, for the exhaustive tests. */
typedef struct {
  uint8_t data[BUF_MAX];
  size_t len;
} Bytes;

static void
push_le(Bytes *b, uint64_t value, size_t n)
{
  g_assert_cmpuint(b->len + n, <=, sizeof(b->data));
  for (size_t i = 0; i < n; i++)
    b->data[b->len++] = (uint8_t) (value >> (8 * i));
}

static void
push_bytes(Bytes *b, const uint8_t *data, size_t n)
{
  g_assert_cmpuint(b->len + n, <=, sizeof(b->data));
  memcpy(b->data + b->len, data, n);
  b->len += n;
}

enum { KIND_UNSECURED, KIND_UNICAST, KIND_GROUP, KIND_COUNT };

/* Every combination of session kind, S, DSIZ 0-2, MX, P and C: the bytes
 * decode to the fields and the fields encode to the bytes, or both sides
 * refuse it as 4.6.2 says; every truncation is refused. */
static void
test_header_all_flags(void)
{
  unsigned checked = 0, refused = 0;

  for (unsigned kind = 0; kind < KIND_COUNT; kind++)
    for (unsigned bits = 0; bits < 64; bits++) {
      unsigned s = bits & 1, dsiz = (bits >> 1) & 3, mx = (bits >> 3) & 1;
      unsigned p = (bits >> 4) & 1, c = (bits >> 5) & 1;
      uint16_t session_id = kind == KIND_UNSECURED ? 0 : SESSION_ID;
      uint8_t security_flags = (uint8_t) (p << 7 | c << 6 | mx << 5 | (kind == KIND_GROUP ? 1 : 0));
      MatterError expected = MATTER_OK;
      MatterMessageHeader h, want;
      Bytes b = { { 0 }, 0 };
      uint8_t encoded[BUF_MAX];
      size_t header_len, encoded_len;

      if (dsiz == 3)
        continue;
      push_le(&b, s << 2 | dsiz, 1);
      push_le(&b, session_id, 2);
      push_le(&b, security_flags, 1);
      push_le(&b, COUNTER, 4);
      if (s)
        push_le(&b, SOURCE, 8);
      if (dsiz == 1)
        push_le(&b, DEST, 8);
      if (dsiz == 2)
        push_le(&b, GROUP, 2);
      if (mx) {
        push_le(&b, sizeof(ext_payload), 2);
        push_bytes(&b, ext_payload, sizeof(ext_payload));
      }

      if (kind == KIND_GROUP && !s)
        expected = MATTER_ERROR_MESSAGE_NO_SOURCE;
      else if (kind == KIND_GROUP && dsiz == 0)
        expected = MATTER_ERROR_MESSAGE_DESTINATION;
      else if (kind == KIND_UNICAST && dsiz == 2)
        expected = MATTER_ERROR_MESSAGE_DESTINATION;

      memset(&want, 0, sizeof(want));
      want.message_flags = b.data[0];
      want.session_id = session_id;
      want.security_flags = security_flags;
      want.counter = COUNTER;
      want.has_source = s;
      want.source_node_id = s ? SOURCE : 0;
      want.dest_kind = (MatterDestKind) dsiz;
      want.dest_node_id = dsiz == 1 ? DEST : dsiz == 2 ? GROUP : 0;
      if (mx) {
        want.extensions = ext_payload;
        want.extensions_len = sizeof(ext_payload);
      }

      assert_error(matter_message_header_decode(b.data, b.len, &h, &header_len), expected);
      if (expected != MATTER_OK) {
        assert_error(matter_message_header_encode(&want, encoded, sizeof(encoded), &encoded_len),
                     MATTER_ERROR_INVALID_ARGUMENT);
        refused++;
        continue;
      }
      g_assert_cmpuint(header_len, ==, b.len);
      assert_header_equal(&h, &want);
      assert_error(matter_message_header_encode(&want, encoded, sizeof(encoded), &encoded_len),
                   MATTER_OK);
      g_assert_cmpmem(encoded, encoded_len, b.data, b.len);

      for (size_t n = 0; n < b.len; n++) {
        MatterError cut = MATTER_ERROR_TRUNCATED;

        /* The extensions length is there, its block is not. */
        if (mx && n >= b.len - sizeof(ext_payload))
          cut = MATTER_ERROR_MESSAGE_EXTENSIONS;
        assert_error(matter_message_header_decode(b.data, n, &h, &header_len), cut);
      }
      checked++;
    }
  /* Refused: 16 unicast with a group id, 24 groups without S, 8 without DSIZ. */
  g_assert_cmpuint(checked, ==, 3 * 48 - 48);
  g_assert_cmpuint(refused, ==, 16 + 24 + 8);
}

typedef struct {
  const char *name;
  const char *bytes;
  MatterError expected;
} Malformed;

static const Malformed malformed_headers[] = {
  { "empty", "", MATTER_ERROR_TRUNCATED },
  { "flags only", "00", MATTER_ERROR_TRUNCATED },
  { "no security flags", "00 3412", MATTER_ERROR_TRUNCATED },
  { "prefix only", "00 3412 00", MATTER_ERROR_TRUNCATED },
  { "counter cut", "00 3412 00 EFCDAB", MATTER_ERROR_TRUNCATED },
  { "version 1", "10 3412 00 " CTR, MATTER_ERROR_MESSAGE_VERSION },
  { "version 15", "F0 3412 00 " CTR, MATTER_ERROR_MESSAGE_VERSION },
  { "version 1 decided by the prefix", "10 3412 00", MATTER_ERROR_MESSAGE_VERSION },
  { "version before DSIZ", "13 3412 03 " CTR, MATTER_ERROR_MESSAGE_VERSION },
  { "DSIZ 3", "03 0000 00 " CTR DST, MATTER_ERROR_MESSAGE_DSIZ },
  { "DSIZ 3 with S", "07 3412 01 " CTR SRC DST, MATTER_ERROR_MESSAGE_DSIZ },
  { "session type 2", "00 3412 02 " CTR, MATTER_ERROR_MESSAGE_SESSION_TYPE },
  { "session type 3", "00 3412 03 " CTR, MATTER_ERROR_MESSAGE_SESSION_TYPE },
  { "session type 3 with P", "00 3412 83 " CTR, MATTER_ERROR_MESSAGE_SESSION_TYPE },
  { "group without source", "02 3412 01 " CTR GRP, MATTER_ERROR_MESSAGE_NO_SOURCE },
  { "group without source or destination", "00 3412 01 " CTR, MATTER_ERROR_MESSAGE_NO_SOURCE },
  { "group without destination", "04 3412 01 " CTR SRC, MATTER_ERROR_MESSAGE_DESTINATION },
  { "secure unicast to a group", "02 3412 00 " CTR GRP, MATTER_ERROR_MESSAGE_DESTINATION },
  { "source cut", "04 0000 00 " CTR "08 07 06 05 04 03 02", MATTER_ERROR_TRUNCATED },
  { "node destination cut", "01 0000 00 " CTR "18", MATTER_ERROR_TRUNCATED },
  { "group destination cut", "06 3412 01 " CTR SRC "EF", MATTER_ERROR_TRUNCATED },
  { "extensions length missing", "00 3412 20 " CTR, MATTER_ERROR_TRUNCATED },
  { "extensions length cut", "00 3412 20 " CTR "03", MATTER_ERROR_TRUNCATED },
  { "extensions past the end", "00 3412 20 " CTR "05 00 A1 A2 A3",
    MATTER_ERROR_MESSAGE_EXTENSIONS },
  { "extensions 65535 bytes", "00 3412 20 " CTR "FF FF A1", MATTER_ERROR_MESSAGE_EXTENSIONS },
  { "group extensions past the end", "06 3412 21 " CTR SRC GRP "01 00",
    MATTER_ERROR_MESSAGE_EXTENSIONS },
};

static void
test_header_malformed(void)
{
  for (size_t i = 0; i < G_N_ELEMENTS(malformed_headers); i++) {
    const Malformed *m = &malformed_headers[i];
    MatterMessageHeader h;
    uint8_t bytes[BUF_MAX];
    size_t len, header_len = 12345;

    g_test_message("%s", m->name);
    len = hex(m->bytes, bytes, sizeof(bytes));
    assert_error(matter_message_header_decode(bytes, len, &h, &header_len), m->expected);
    g_assert_cmpuint(header_len, ==, 12345);
  }
}

static void
test_header_encode_refuses(void)
{
  const HeaderVector *group = &header_vectors[11];
  MatterMessageHeader h;
  uint8_t buf[BUF_MAX];
  size_t len;

  g_assert_cmpstr(group->name, ==, "group");

  h = header_from_vector(group);
  h.dest_node_id = 0x10000;
  assert_error(matter_message_header_encode(&h, buf, sizeof(buf), &len),
               MATTER_ERROR_INVALID_ARGUMENT);

  h = header_from_vector(group);
  h.dest_kind = (MatterDestKind) 3;
  assert_error(matter_message_header_encode(&h, buf, sizeof(buf), &len),
               MATTER_ERROR_INVALID_ARGUMENT);

  h = header_from_vector(group);
  h.security_flags = 0x02;
  assert_error(matter_message_header_encode(&h, buf, sizeof(buf), &len),
               MATTER_ERROR_INVALID_ARGUMENT);

  h = header_from_vector(group);
  h.has_source = false;
  assert_error(matter_message_header_encode(&h, buf, sizeof(buf), &len),
               MATTER_ERROR_INVALID_ARGUMENT);

  h = header_from_vector(group);
  h.dest_kind = MATTER_DEST_NONE;
  assert_error(matter_message_header_encode(&h, buf, sizeof(buf), &len),
               MATTER_ERROR_INVALID_ARGUMENT);

  h = header_from_vector(group);
  h.extensions_len = 2;
  assert_error(matter_message_header_encode(&h, buf, sizeof(buf), &len),
               MATTER_ERROR_INVALID_ARGUMENT);
  h.extensions = buf;
  h.extensions_len = 0x10000;
  assert_error(matter_message_header_encode(&h, buf, sizeof(buf), &len),
               MATTER_ERROR_INVALID_ARGUMENT);

  /* Extensions alone set MX; the version and reserved bits are dropped. */
  h = header_from_vector(&header_vectors[5]);
  h.message_flags = 0xF8;
  h.security_flags = 0x1C;
  h.extensions = ext_payload;
  h.extensions_len = sizeof(ext_payload);
  assert_error(matter_message_header_encode(&h, buf, sizeof(buf), &len), MATTER_OK);
  {
    uint8_t expected[BUF_MAX];
    size_t expected_len = hex("00 " SID " 20 " CTR EXT, expected, sizeof(expected));

    g_assert_cmpmem(buf, len, expected, expected_len);
  }

  assert_error(matter_message_header_encode(NULL, buf, sizeof(buf), &len),
               MATTER_ERROR_INVALID_ARGUMENT);
  assert_error(matter_message_header_encode(&h, NULL, 16, &len), MATTER_ERROR_INVALID_ARGUMENT);
  assert_error(matter_message_header_encode(&h, buf, sizeof(buf), NULL),
               MATTER_ERROR_INVALID_ARGUMENT);
  assert_error(matter_message_header_decode(NULL, 8, &h, &len), MATTER_ERROR_INVALID_ARGUMENT);
  assert_error(matter_message_header_decode(buf, 8, NULL, &len), MATTER_ERROR_INVALID_ARGUMENT);
  assert_error(matter_message_header_decode(buf, 8, &h, NULL), MATTER_ERROR_INVALID_ARGUMENT);
  assert_error(matter_message_header_peek(NULL, 0, &h), MATTER_ERROR_TRUNCATED);
}

/* Protocol header */

typedef struct {
  const char *name;
  const char *bytes;
  uint8_t exchange_flags;
  uint8_t opcode;
  uint16_t exchange_id;
  uint16_t protocol_id;
  uint16_t vendor_id;
  uint32_t ack_counter;
  const char *sx; /* hex of the secured extensions payload, NULL without SX */
} ProtoVector;

static const ProtoVector proto_vectors[] = {
  { "I", "01 20 3412 0000", 0x01, 0x20, 0x1234, 0x0000, 0, 0, NULL },
  { "I, R (the SDK's test messages)", "05 64 EE0E 207D", 0x05, 0x64, 0x0EEE, 0x7D20, 0, 0, NULL },
  { "A", "02 10 3412 0000 " CTR, 0x02, 0x10, 0x1234, 0x0000, 0, COUNTER, NULL },
  { "I, V", "11 02 3412 0100 F1FF", 0x11, 0x02, 0x1234, 0x0001, 0xFFF1, 0, NULL },
  { "V naming the standard vendor", "10 00 0000 0000 0000", 0x10, 0x00, 0x0000, 0x0000, 0, 0,
    NULL },
  { "SX", "08 01 3412 0100 0200 B1B2", 0x08, 0x01, 0x1234, 0x0001, 0, 0, "B1B2" },
  { "SX with an empty block", "08 00 0000 0000 0000", 0x08, 0x00, 0x0000, 0x0000, 0, 0, "" },
  { "I, A, R, SX, V", "1F 05 3412 0100 F1FF " CTR " 0200 B1B2", 0x1F, 0x05, 0x1234, 0x0001, 0xFFF1,
    COUNTER, "B1B2" },
};

static void
assert_proto_equal(const MatterProtocolHeader *a, const MatterProtocolHeader *b)
{
  g_assert_cmphex(a->exchange_flags, ==, b->exchange_flags);
  g_assert_cmphex(a->opcode, ==, b->opcode);
  g_assert_cmphex(a->exchange_id, ==, b->exchange_id);
  g_assert_cmphex(a->protocol_id, ==, b->protocol_id);
  g_assert_cmphex(a->vendor_id, ==, b->vendor_id);
  g_assert_cmphex(a->ack_counter, ==, b->ack_counter);
  g_assert_true((a->secured_extensions == NULL) == (b->secured_extensions == NULL));
  g_assert_cmpmem(a->secured_extensions, a->secured_extensions_len, b->secured_extensions,
                  b->secured_extensions_len);
}

static void
test_proto_vectors(void)
{
  for (size_t i = 0; i < G_N_ELEMENTS(proto_vectors); i++) {
    const ProtoVector *v = &proto_vectors[i];
    MatterProtocolHeader want, decoded;
    uint8_t bytes[BUF_MAX], sx[BUF_MAX], encoded[BUF_MAX];
    size_t len, header_len, encoded_len;

    g_test_message("%s", v->name);
    memset(&want, 0, sizeof(want));
    want.exchange_flags = v->exchange_flags;
    want.opcode = v->opcode;
    want.exchange_id = v->exchange_id;
    want.protocol_id = v->protocol_id;
    want.vendor_id = v->vendor_id;
    want.ack_counter = v->ack_counter;
    if (v->sx != NULL) {
      want.secured_extensions_len = hex(v->sx, sx, sizeof(sx));
      want.secured_extensions = sx;
    }

    len = hex(v->bytes, bytes, sizeof(bytes));
    /* The application payload follows. */
    bytes[len] = 0x5A;
    bytes[len + 1] = 0xA5;
    assert_error(matter_protocol_header_decode(bytes, len + 2, &decoded, &header_len), MATTER_OK);
    g_assert_cmpuint(header_len, ==, len);
    assert_proto_equal(&decoded, &want);

    assert_error(matter_protocol_header_encode(&want, encoded, sizeof(encoded), &encoded_len),
                 MATTER_OK);
    g_assert_cmpmem(encoded, encoded_len, bytes, len);
    g_assert_cmpuint(encoded_len, <=, MATTER_PROTOCOL_HEADER_MAX + want.secured_extensions_len);
    assert_error(matter_protocol_header_encode(&want, encoded, len, &encoded_len), MATTER_OK);
    assert_error(matter_protocol_header_encode(&want, encoded, len - 1, &encoded_len),
                 MATTER_ERROR_BUFFER_TOO_SMALL);
  }
}

/* Every combination of I, A, R, SX and V, with every truncation. */
static void
test_proto_all_flags(void)
{
  static const uint8_t sx[] = { 0xB1, 0xB2, 0xB3, 0xB4 };

  for (unsigned flags = 0; flags < 32; flags++) {
    MatterProtocolHeader want, h;
    Bytes b = { { 0 }, 0 };
    uint8_t encoded[BUF_MAX];
    size_t header_len, encoded_len;

    memset(&want, 0, sizeof(want));
    want.exchange_flags = (uint8_t) flags;
    want.opcode = 0x30;
    want.exchange_id = 0xA55A;
    want.protocol_id = MATTER_PROTOCOL_INTERACTION_MODEL;
    push_le(&b, flags, 1);
    push_le(&b, 0x30, 1);
    push_le(&b, 0xA55A, 2);
    push_le(&b, MATTER_PROTOCOL_INTERACTION_MODEL, 2);
    if (flags & MATTER_EXCHANGE_FLAG_V) {
      want.vendor_id = 0xFFF2;
      push_le(&b, 0xFFF2, 2);
    }
    if (flags & MATTER_EXCHANGE_FLAG_A) {
      want.ack_counter = 0x01020304;
      push_le(&b, 0x01020304, 4);
    }
    if (flags & MATTER_EXCHANGE_FLAG_SX) {
      want.secured_extensions = sx;
      want.secured_extensions_len = sizeof(sx);
      push_le(&b, sizeof(sx), 2);
      push_bytes(&b, sx, sizeof(sx));
    }

    assert_error(matter_protocol_header_decode(b.data, b.len, &h, &header_len), MATTER_OK);
    g_assert_cmpuint(header_len, ==, b.len);
    assert_proto_equal(&h, &want);
    assert_error(matter_protocol_header_encode(&want, encoded, sizeof(encoded), &encoded_len),
                 MATTER_OK);
    g_assert_cmpmem(encoded, encoded_len, b.data, b.len);

    for (size_t n = 0; n < b.len; n++) {
      MatterError cut = MATTER_ERROR_TRUNCATED;

      if ((flags & MATTER_EXCHANGE_FLAG_SX) && n >= b.len - sizeof(sx))
        cut = MATTER_ERROR_MESSAGE_EXTENSIONS;
      assert_error(matter_protocol_header_decode(b.data, n, &h, &header_len), cut);
    }
  }
}

static const Malformed malformed_protos[] = {
  { "empty", "", MATTER_ERROR_TRUNCATED },
  { "no protocol id", "01 20 3412", MATTER_ERROR_TRUNCATED },
  { "protocol id cut", "01 20 3412 00", MATTER_ERROR_TRUNCATED },
  { "V without vendor id", "10 20 3412 0000", MATTER_ERROR_TRUNCATED },
  { "vendor id cut", "10 20 3412 0000 F1", MATTER_ERROR_TRUNCATED },
  { "A without counter", "02 20 3412 0000", MATTER_ERROR_TRUNCATED },
  { "ack counter cut", "02 20 3412 0000 EFCDAB", MATTER_ERROR_TRUNCATED },
  { "V and A, counter missing", "12 20 3412 0000 F1FF", MATTER_ERROR_TRUNCATED },
  { "SX without length", "08 20 3412 0000", MATTER_ERROR_TRUNCATED },
  { "SX length cut", "08 20 3412 0000 04", MATTER_ERROR_TRUNCATED },
  { "SX past the end", "08 20 3412 0000 0400 B1B2", MATTER_ERROR_MESSAGE_EXTENSIONS },
  { "SX 65535 bytes", "08 20 3412 0000 FFFF", MATTER_ERROR_MESSAGE_EXTENSIONS },
  { "V, A, SX past the end", "1A 20 3412 0000 F1FF " CTR " 0100", MATTER_ERROR_MESSAGE_EXTENSIONS },
};

static void
test_proto_malformed(void)
{
  MatterProtocolHeader h;
  uint8_t bytes[BUF_MAX];
  size_t len, header_len;

  for (size_t i = 0; i < G_N_ELEMENTS(malformed_protos); i++) {
    const Malformed *m = &malformed_protos[i];

    g_test_message("%s", m->name);
    len = hex(m->bytes, bytes, sizeof(bytes));
    assert_error(matter_protocol_header_decode(bytes, len, &h, &header_len), m->expected);
  }

  /* Without V and A the bytes after the protocol id are the application's. */
  len = hex("01 20 3412 0000 F1FF EFCDAB89", bytes, sizeof(bytes));
  assert_error(matter_protocol_header_decode(bytes, len, &h, &header_len), MATTER_OK);
  g_assert_cmpuint(header_len, ==, 6);
  g_assert_cmphex(h.vendor_id, ==, 0);
  g_assert_cmphex(h.ack_counter, ==, 0);
  g_assert_null(h.secured_extensions);

  /* Reserved exchange flags are ignored, and not sent. */
  len = hex("E1 20 3412 0000", bytes, sizeof(bytes));
  assert_error(matter_protocol_header_decode(bytes, len, &h, &header_len), MATTER_OK);
  g_assert_cmphex(h.exchange_flags, ==, 0xE1);
  {
    uint8_t encoded[BUF_MAX];
    size_t encoded_len;

    assert_error(matter_protocol_header_encode(&h, encoded, sizeof(encoded), &encoded_len),
                 MATTER_OK);
    g_assert_cmpuint(encoded_len, ==, 6);
    g_assert_cmphex(encoded[0], ==, 0x01);
  }
}

static void
test_proto_encode(void)
{
  MatterProtocolHeader h;
  uint8_t buf[BUF_MAX], expected[BUF_MAX];
  size_t len, expected_len;

  /* A vendor id or secured extensions alone set V or SX. */
  memset(&h, 0, sizeof(h));
  h.exchange_flags = MATTER_EXCHANGE_FLAG_I;
  h.opcode = 0x02;
  h.exchange_id = 0x1234;
  h.protocol_id = 0x0001;
  h.vendor_id = 0xFFF1;
  h.secured_extensions = (const uint8_t *) "\xB1\xB2";
  h.secured_extensions_len = 2;
  assert_error(matter_protocol_header_encode(&h, buf, sizeof(buf), &len), MATTER_OK);
  expected_len = hex("19 02 3412 0100 F1FF 0200 B1B2", expected, sizeof(expected));
  g_assert_cmpmem(buf, len, expected, expected_len);

  h.secured_extensions = NULL;
  assert_error(matter_protocol_header_encode(&h, buf, sizeof(buf), &len),
               MATTER_ERROR_INVALID_ARGUMENT);
  h.secured_extensions = buf;
  h.secured_extensions_len = 0x10000;
  assert_error(matter_protocol_header_encode(&h, buf, sizeof(buf), &len),
               MATTER_ERROR_INVALID_ARGUMENT);
  h.secured_extensions_len = 0;
  assert_error(matter_protocol_header_encode(NULL, buf, sizeof(buf), &len),
               MATTER_ERROR_INVALID_ARGUMENT);
  assert_error(matter_protocol_header_encode(&h, NULL, 8, &len), MATTER_ERROR_INVALID_ARGUMENT);
  assert_error(matter_protocol_header_encode(&h, buf, sizeof(buf), NULL),
               MATTER_ERROR_INVALID_ARGUMENT);
  assert_error(matter_protocol_header_decode(NULL, 6, &h, &len), MATTER_ERROR_INVALID_ARGUMENT);
  assert_error(matter_protocol_header_decode(buf, 6, NULL, &len), MATTER_ERROR_INVALID_ARGUMENT);
  assert_error(matter_protocol_header_decode(buf, 6, &h, NULL), MATTER_ERROR_INVALID_ARGUMENT);
}

/* Nonces */

static void
test_nonce(void)
{
  uint8_t nonce[MATTER_AES_CCM_NONCE_LEN], expected[MATTER_AES_CCM_NONCE_LEN];
  static const uint8_t mic[MATTER_MESSAGE_MIC_LEN] = {
    0xc5, 0xa0, 0x06, 0x3a, 0xd5, 0xd2, 0x51, 0x81, 0x91, 0x40, 0x0d, 0xd6, 0x8c, 0x5c, 0x16, 0x3b,
  };

  /* Table 16: security flags, counter and source node id, little-endian. */
  matter_message_nonce(0x45, COUNTER, SOURCE, nonce);
  hex("45 " CTR SRC, expected, sizeof(expected));
  g_assert_cmpmem(nonce, sizeof(nonce), expected, sizeof(expected));

  /* PASE: the unspecified node id. */
  matter_message_nonce(0x00, 0x3039, MATTER_NODE_ID_UNSPECIFIED, nonce);
  hex("00 39300000 0000000000000000", expected, sizeof(expected));
  g_assert_cmpmem(nonce, sizeof(nonce), expected, sizeof(expected));

  /* The P flag stays in the nonce (the SDK's private group message). */
  matter_message_nonce(0x81, 0x12345679, 1, nonce);
  hex("81 79563412 0100000000000000", expected, sizeof(expected));
  g_assert_cmpmem(nonce, sizeof(nonce), expected, sizeof(expected));

  /* 4.8.2's example: session id big-endian, then MIC[5..15]. */
  matter_message_privacy_nonce(0x002A, mic, nonce);
  hex("002A d2518191400dd68c5c163b", expected, sizeof(expected));
  g_assert_cmpmem(nonce, sizeof(nonce), expected, sizeof(expected));
}

/* The SDK's secured messages */

typedef struct {
  const char *name;
  const char *key;
  const char *plain;     /* header then protocol header and payload */
  const char *encrypted; /* header, ciphertext, MIC */
  uint64_t nonce_source;
  MatterError expected;
} SecuredVector;

#define PASE_KEY "5eded244e5532b3cdc23409dbad052d2"
#define GROUP_KEY "ca92d7a0942d1a511a0e26ad074f4c2f"

static const SecuredVector secured_vectors[] = {
  { "secure pase message (no payload)", PASE_KEY, "00b80b00 39300000 0564ee0e207d",
    "00b80b00 39300000 5a989ae42e8d 847f535c3007e6150cd65867f2b817db", 0, MATTER_OK },
  { "secure pase message (short payload)", PASE_KEY, "00b80b00 39300000 0564ee0e207d 1122334455",
    "00b80b00 39300000 5a989ae42e8d0f7f885dfb 2faa8949cf730a5728e0354610a0c4a7", 0, MATTER_OK },
  { "secure pase message (no payload, wrong MIC)", PASE_KEY, "00b80b00 39300000 0564ee0e207d",
    "00b80b00 39300000 5a989ae42e8d 847f535c3007e6150cd65867f2b817dd", 0,
    MATTER_ERROR_AUTH_FAILED },
  { "secure pase message (short payload, wrong MIC)", PASE_KEY,
    "00b80b00 39300000 0564ee0e207d 1122334455",
    "00b80b00 39300000 5a989ae42e8d0f7f885dfb 2faa8949cf730a5728e0354610a0c4aa", 0,
    MATTER_ERROR_AUTH_FAILED },
  { "secure pase message with P (before obfuscation)", PASE_KEY,
    "00b80b80 39300000 0564ee0e207d 1122334455",
    "00b80b80 39300000 aa26a0f901efce9f9a67c8 137917d15b81d15d3133083197 58ea3f", 0, MATTER_OK },
  { "secure group message (no privacy)", GROUP_KEY,
    "067ddb01 78563412 0100000000000000 0200 0164ee0e207d",
    "067ddb01 78563412 0100000000000000 0200 65c767bc6cda 0106c9801323900e9b3ce6d4bb0327d6", 1,
    MATTER_OK },
  { "private group message (before obfuscation)", GROUP_KEY,
    "067ddb81 79563412 0100000000000000 0200 0164ee0e207d",
    "067ddb81 79563412 0100000000000000 0200 2b2f915a66c9 596290ebe4408217b3c0c921a2fca4e1", 1,
    MATTER_OK },
};

static void
test_sdk_secured_messages(void)
{
  for (size_t i = 0; i < G_N_ELEMENTS(secured_vectors); i++) {
    const SecuredVector *v = &secured_vectors[i];
    uint8_t key[MATTER_AES128_KEY_LEN], nonce[MATTER_AES_CCM_NONCE_LEN];
    uint8_t plain[BUF_MAX], encrypted[BUF_MAX], msg[BUF_MAX];
    size_t plain_len, encrypted_len, header_len, payload_len, msg_len, proto_len;
    MatterMessageHeader h;
    MatterProtocolHeader proto;

    g_test_message("%s", v->name);
    hex(v->key, key, sizeof(key));
    plain_len = hex(v->plain, plain, sizeof(plain));
    encrypted_len = hex(v->encrypted, encrypted, sizeof(encrypted));

    memcpy(msg, encrypted, encrypted_len);
    assert_error(matter_message_header_decode(msg, encrypted_len, &h, &header_len), MATTER_OK);
    matter_message_nonce(h.security_flags, h.counter, v->nonce_source, nonce);
    assert_error(matter_message_decrypt(key, nonce, msg, encrypted_len, header_len, &payload_len),
                 v->expected);
    if (v->expected != MATTER_OK) {
      /* No unauthenticated plaintext is left behind. */
      for (size_t j = header_len; j < encrypted_len - MATTER_MESSAGE_MIC_LEN; j++)
        g_assert_cmphex(msg[j], ==, 0);
      continue;
    }
    g_assert_cmpmem(msg, header_len + payload_len, plain, plain_len);

    assert_error(matter_protocol_header_decode(msg + header_len, payload_len, &proto, &proto_len),
                 MATTER_OK);
    g_assert_cmphex(proto.opcode, ==, 0x64);
    g_assert_cmphex(proto.exchange_id, ==, 0x0EEE);
    g_assert_cmphex(proto.protocol_id, ==, 0x7D20);

    /* And the other way. */
    memcpy(msg, plain, plain_len);
    assert_error(matter_message_encrypt(key, nonce, msg, sizeof(msg), header_len,
                                        plain_len - header_len, &msg_len),
                 MATTER_OK);
    g_assert_cmpmem(msg, msg_len, encrypted, encrypted_len);
  }
}

static void
test_sdk_private_group_message(void)
{
  uint8_t key[MATTER_AES128_KEY_LEN], privacy_key[MATTER_AES128_KEY_LEN];
  uint8_t expected_key[MATTER_AES128_KEY_LEN], nonce[MATTER_AES_CCM_NONCE_LEN];
  uint8_t encrypted[BUF_MAX], private[BUF_MAX], msg[BUF_MAX], expected[BUF_MAX];
  size_t encrypted_len, private_len, header_len, payload_len, len;
  MatterMessageHeader h;

  hex(GROUP_KEY, key, sizeof(key));
  hex("bfe9da016a765365f2dd97a9f939e425", expected_key, sizeof(expected_key));
  assert_error(matter_message_privacy_key(key, privacy_key), MATTER_OK);
  g_assert_cmpmem(privacy_key, sizeof(privacy_key), expected_key, sizeof(expected_key));

  encrypted_len = hex("067ddb81 79563412 0100000000000000 0200 2b2f915a66c9 "
                      "596290ebe4408217b3c0c921a2fca4e1",
                      encrypted, sizeof(encrypted));
  private_len = hex("067ddb81 d926afce 24c8a0981bdd44f4 e730 2b2f915a66c9 "
                    "596290ebe4408217b3c0c921a2fca4e1",
                    private, sizeof(private));
  g_assert_cmpuint(encrypted_len, ==, private_len);

  /* The privacy nonce the SDK lists. */
  matter_message_privacy_nonce(0xDB7D, encrypted + encrypted_len - MATTER_MESSAGE_MIC_LEN, nonce);
  hex("db7d 408217b3c0c921a2fca4e1", expected, sizeof(expected));
  g_assert_cmpmem(nonce, sizeof(nonce), expected, MATTER_AES_CCM_NONCE_LEN);

  memcpy(msg, encrypted, encrypted_len);
  assert_error(matter_message_privacy_obfuscate(privacy_key, msg, encrypted_len), MATTER_OK);
  g_assert_cmpmem(msg, encrypted_len, private, private_len);

  /* What a receiver does: peek, deobfuscate, decode, decrypt. */
  memcpy(msg, private, private_len);
  assert_error(matter_message_header_peek(msg, private_len, &h), MATTER_OK);
  g_assert_cmphex(h.session_id, ==, 0xDB7D);
  g_assert_cmpint(matter_message_session_type(&h), ==, MATTER_SESSION_TYPE_GROUP);
  g_assert_true(h.security_flags & MATTER_SEC_FLAG_P);
  assert_error(matter_message_privacy_deobfuscate(privacy_key, msg, private_len), MATTER_OK);
  g_assert_cmpmem(msg, private_len, encrypted, encrypted_len);
  assert_error(matter_message_header_decode(msg, private_len, &h, &header_len), MATTER_OK);
  g_assert_cmphex(h.counter, ==, 0x12345679);
  g_assert_cmphex(h.source_node_id, ==, 1);
  g_assert_cmphex(h.dest_node_id, ==, 2);
  matter_message_nonce(h.security_flags, h.counter, h.source_node_id, nonce);
  assert_error(matter_message_decrypt(key, nonce, msg, private_len, header_len, &payload_len),
               MATTER_OK);
  len = hex("0164ee0e207d", expected, sizeof(expected));
  g_assert_cmpmem(msg + header_len, payload_len, expected, len);

  /* The SDK's wrong-MIC variant: the nonce changes with the MIC, the
   * header deobfuscates to something else and authentication fails. */
  memcpy(msg, private, private_len);
  msg[private_len - 1] = 0xee;
  assert_error(matter_message_privacy_deobfuscate(privacy_key, msg, private_len), MATTER_OK);
  g_assert_true(memcmp(msg + 4, encrypted + 4, 14) != 0);
  assert_error(matter_message_header_decode(msg, private_len, &h, &header_len), MATTER_OK);
  matter_message_nonce(h.security_flags, h.counter, h.source_node_id, nonce);
  assert_error(matter_message_decrypt(key, nonce, msg, private_len, header_len, &payload_len),
               MATTER_ERROR_AUTH_FAILED);
}

/* Encryption round trips and tampering */

static const uint8_t test_key[MATTER_AES128_KEY_LEN] = {
  0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
};

/* A secured CASE-style message: header with source, destination and
 * extensions, protocol header with every optional field, a payload. */
static size_t
build_message(uint8_t security_flags, uint8_t *buf, size_t size, size_t *header_len,
              size_t *payload_len)
{
  static const uint8_t app[] = "application payload, longer than one AES block";
  MatterMessageHeader h;
  MatterProtocolHeader proto;
  size_t proto_len;

  memset(&h, 0, sizeof(h));
  h.session_id = SESSION_ID;
  h.security_flags = security_flags;
  h.counter = COUNTER;
  h.has_source = true;
  h.source_node_id = SOURCE;
  h.dest_kind = MATTER_DEST_NODE_ID;
  h.dest_node_id = DEST;
  h.extensions = ext_payload;
  h.extensions_len = sizeof(ext_payload);
  assert_error(matter_message_header_encode(&h, buf, size, header_len), MATTER_OK);

  memset(&proto, 0, sizeof(proto));
  proto.exchange_flags = MATTER_EXCHANGE_FLAG_I | MATTER_EXCHANGE_FLAG_R | MATTER_EXCHANGE_FLAG_A;
  proto.opcode = 0x08;
  proto.exchange_id = 0x4321;
  proto.protocol_id = MATTER_PROTOCOL_INTERACTION_MODEL;
  proto.ack_counter = 0x55;
  assert_error(
      matter_protocol_header_encode(&proto, buf + *header_len, size - *header_len, &proto_len),
      MATTER_OK);
  g_assert_cmpuint(*header_len + proto_len + sizeof(app), <=, size);
  memcpy(buf + *header_len + proto_len, app, sizeof(app));
  *payload_len = proto_len + sizeof(app);
  return *header_len + *payload_len;
}

static void
test_encrypt_round_trip_and_tamper(void)
{
  uint8_t plain[BUF_MAX], sealed[BUF_MAX], msg[BUF_MAX];
  uint8_t nonce[MATTER_AES_CCM_NONCE_LEN], other[MATTER_AES_CCM_NONCE_LEN];
  uint8_t wrong_key[MATTER_AES128_KEY_LEN];
  size_t header_len, payload_len, plain_len, sealed_len, out_len;

  plain_len = build_message(0x00, plain, sizeof(plain), &header_len, &payload_len);
  matter_message_nonce(0x00, COUNTER, SOURCE, nonce);

  memcpy(sealed, plain, plain_len);
  assert_error(matter_message_encrypt(test_key, nonce, sealed, sizeof(sealed), header_len,
                                      payload_len, &sealed_len),
               MATTER_OK);
  g_assert_cmpuint(sealed_len, ==, plain_len + MATTER_MESSAGE_MIC_LEN);
  g_assert_cmpmem(sealed, header_len, plain, header_len); /* the header stays clear */
  g_assert_true(memcmp(sealed + header_len, plain + header_len, payload_len) != 0);

  memcpy(msg, sealed, sealed_len);
  assert_error(matter_message_decrypt(test_key, nonce, msg, sealed_len, header_len, &out_len),
               MATTER_OK);
  g_assert_cmpuint(out_len, ==, payload_len);
  g_assert_cmpmem(msg, header_len + out_len, plain, plain_len);

  /* Any bit of header, ciphertext or MIC changed. */
  for (size_t i = 0; i < sealed_len; i++) {
    memcpy(msg, sealed, sealed_len);
    msg[i] ^= 0x01;
    assert_error(matter_message_decrypt(test_key, nonce, msg, sealed_len, header_len, &out_len),
                 MATTER_ERROR_AUTH_FAILED);
  }

  /* The wrong key. */
  memcpy(wrong_key, test_key, sizeof(wrong_key));
  wrong_key[15] ^= 0x80;
  memcpy(msg, sealed, sealed_len);
  assert_error(matter_message_decrypt(wrong_key, nonce, msg, sealed_len, header_len, &out_len),
               MATTER_ERROR_AUTH_FAILED);

  /* A nonce with another security flags byte, counter or source node. */
  matter_message_nonce(0x40, COUNTER, SOURCE, other);
  memcpy(msg, sealed, sealed_len);
  assert_error(matter_message_decrypt(test_key, other, msg, sealed_len, header_len, &out_len),
               MATTER_ERROR_AUTH_FAILED);
  matter_message_nonce(0x00, COUNTER + 1, SOURCE, other);
  memcpy(msg, sealed, sealed_len);
  assert_error(matter_message_decrypt(test_key, other, msg, sealed_len, header_len, &out_len),
               MATTER_ERROR_AUTH_FAILED);
  matter_message_nonce(0x00, COUNTER, MATTER_NODE_ID_UNSPECIFIED, other);
  memcpy(msg, sealed, sealed_len);
  assert_error(matter_message_decrypt(test_key, other, msg, sealed_len, header_len, &out_len),
               MATTER_ERROR_AUTH_FAILED);

  /* A different header length moves the additional data's end. */
  memcpy(msg, sealed, sealed_len);
  assert_error(matter_message_decrypt(test_key, nonce, msg, sealed_len, header_len - 1, &out_len),
               MATTER_ERROR_AUTH_FAILED);

  /* A message cut anywhere. */
  for (size_t n = header_len; n < sealed_len; n++) {
    memcpy(msg, sealed, sealed_len);
    assert_error(matter_message_decrypt(test_key, nonce, msg, n, header_len, &out_len),
                 n < header_len + MATTER_MESSAGE_MIC_LEN ? MATTER_ERROR_TRUNCATED
                                                         : MATTER_ERROR_AUTH_FAILED);
  }
}

static void
test_encrypt_bounds(void)
{
  uint8_t msg[BUF_MAX], nonce[MATTER_AES_CCM_NONCE_LEN] = { 0 };
  size_t header_len, payload_len, len, out_len;

  len = build_message(0x00, msg, sizeof(msg), &header_len, &payload_len);

  /* The MIC must fit. */
  assert_error(matter_message_encrypt(test_key, nonce, msg, len + MATTER_MESSAGE_MIC_LEN - 1,
                                      header_len, payload_len, &out_len),
               MATTER_ERROR_BUFFER_TOO_SMALL);
  assert_error(
      matter_message_encrypt(test_key, nonce, msg, len - 1, header_len, payload_len, &out_len),
      MATTER_ERROR_INVALID_ARGUMENT);
  assert_error(matter_message_encrypt(test_key, nonce, msg, sizeof(msg), 7, payload_len, &out_len),
               MATTER_ERROR_INVALID_ARGUMENT);
  assert_error(
      matter_message_encrypt(NULL, nonce, msg, sizeof(msg), header_len, payload_len, &out_len),
      MATTER_ERROR_INVALID_ARGUMENT);
  assert_error(
      matter_message_encrypt(test_key, nonce, msg, sizeof(msg), header_len, payload_len, NULL),
      MATTER_ERROR_INVALID_ARGUMENT);

  /* An empty payload still gets a MIC. */
  assert_error(matter_message_encrypt(test_key, nonce, msg, header_len + MATTER_MESSAGE_MIC_LEN,
                                      header_len, 0, &out_len),
               MATTER_OK);
  g_assert_cmpuint(out_len, ==, header_len + MATTER_MESSAGE_MIC_LEN);
  assert_error(matter_message_decrypt(test_key, nonce, msg, out_len, header_len, &payload_len),
               MATTER_OK);
  g_assert_cmpuint(payload_len, ==, 0);

  assert_error(matter_message_decrypt(test_key, nonce, msg, 3, 8, &payload_len),
               MATTER_ERROR_TRUNCATED);
  assert_error(matter_message_decrypt(test_key, nonce, msg, 40, 7, &payload_len),
               MATTER_ERROR_INVALID_ARGUMENT);
  assert_error(matter_message_decrypt(test_key, NULL, msg, 40, 8, &payload_len),
               MATTER_ERROR_INVALID_ARGUMENT);
  assert_error(matter_message_decrypt(test_key, nonce, msg, 40, 8, NULL),
               MATTER_ERROR_INVALID_ARGUMENT);
}

/* Privacy */

/* Builds, encrypts and obfuscates; checks what obfuscation touched. */
static size_t
seal_private(const MatterMessageHeader *h, const uint8_t privacy_key[MATTER_AES128_KEY_LEN],
             uint8_t *msg, size_t size, uint8_t *clear, size_t *header_len)
{
  static const uint8_t payload[] = { 0x05, 0x64, 0xee, 0x0e, 0x20, 0x7d, 0x11, 0x22 };
  uint8_t nonce[MATTER_AES_CCM_NONCE_LEN];
  size_t len;

  assert_error(matter_message_header_encode(h, msg, size, header_len), MATTER_OK);
  memcpy(msg + *header_len, payload, sizeof(payload));
  /* The flags byte as encoded: MX comes from the extensions. */
  matter_message_nonce(msg[3], h->counter, h->source_node_id, nonce);
  assert_error(
      matter_message_encrypt(test_key, nonce, msg, size, *header_len, sizeof(payload), &len),
      MATTER_OK);
  memcpy(clear, msg, len);
  assert_error(matter_message_privacy_obfuscate(privacy_key, msg, len), MATTER_OK);
  return len;
}

static void
test_privacy_round_trips(void)
{
  static const uint8_t long_ext[40] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
  uint8_t privacy_key[MATTER_AES128_KEY_LEN], nonce[MATTER_AES_CCM_NONCE_LEN];
  MatterMessageHeader shapes[5], h;

  assert_error(matter_message_privacy_key(test_key, privacy_key), MATTER_OK);
  g_assert_true(memcmp(privacy_key, test_key, sizeof(test_key)) != 0);

  for (size_t i = 0; i < G_N_ELEMENTS(shapes); i++) {
    memset(&shapes[i], 0, sizeof(shapes[i]));
    shapes[i].session_id = (uint16_t) (SESSION_ID + i);
    shapes[i].security_flags = MATTER_SEC_FLAG_P;
    shapes[i].counter = COUNTER - (uint32_t) i;
  }
  /* The bare secure unicast header: the counter alone is hidden. */
  /* With source and destination. */
  shapes[1].has_source = true;
  shapes[1].source_node_id = SOURCE;
  shapes[1].dest_kind = MATTER_DEST_NODE_ID;
  shapes[1].dest_node_id = DEST;
  /* A group message with extensions spanning several AES blocks. */
  shapes[2].security_flags |= MATTER_SESSION_TYPE_GROUP;
  shapes[2].has_source = true;
  shapes[2].source_node_id = SOURCE;
  shapes[2].dest_kind = MATTER_DEST_GROUP_ID;
  shapes[2].dest_node_id = GROUP;
  shapes[2].extensions = long_ext;
  shapes[2].extensions_len = sizeof(long_ext);
  /* An empty extensions block. */
  shapes[3].security_flags |= MATTER_SEC_FLAG_MX | MATTER_SEC_FLAG_C;
  /* Extensions without node ids. */
  shapes[4].extensions = ext_payload;
  shapes[4].extensions_len = sizeof(ext_payload);

  for (size_t i = 0; i < G_N_ELEMENTS(shapes); i++) {
    uint8_t msg[BUF_MAX], clear[BUF_MAX];
    size_t len, header_len, decoded_len, payload_len;

    len = seal_private(&shapes[i], privacy_key, msg, sizeof(msg), clear, &header_len);
    /* The prefix, the ciphertext and the MIC are untouched; the rest of
     * the header is not what it was. */
    g_assert_cmpmem(msg, MATTER_MESSAGE_PREFIX_LEN, clear, MATTER_MESSAGE_PREFIX_LEN);
    g_assert_cmpmem(msg + header_len, len - header_len, clear + header_len, len - header_len);
    g_assert_true(memcmp(msg + MATTER_MESSAGE_PREFIX_LEN, clear + MATTER_MESSAGE_PREFIX_LEN,
                         header_len - MATTER_MESSAGE_PREFIX_LEN) != 0);
    g_assert_true(memcmp(msg + MATTER_MESSAGE_PREFIX_LEN, clear + MATTER_MESSAGE_PREFIX_LEN,
                         4 /* the counter */) != 0);

    assert_error(matter_message_privacy_deobfuscate(privacy_key, msg, len), MATTER_OK);
    g_assert_cmpmem(msg, len, clear, len);
    assert_error(matter_message_header_decode(msg, len, &h, &decoded_len), MATTER_OK);
    g_assert_cmpuint(decoded_len, ==, header_len);
    matter_message_nonce(h.security_flags, h.counter, h.source_node_id, nonce);
    assert_error(matter_message_decrypt(test_key, nonce, msg, len, header_len, &payload_len),
                 MATTER_OK);
  }
}

static void
test_privacy_edges(void)
{
  uint8_t privacy_key[MATTER_AES128_KEY_LEN], wrong_key[MATTER_AES128_KEY_LEN];
  uint8_t msg[BUF_MAX], clear[BUF_MAX], received[BUF_MAX];
  MatterMessageHeader h;
  size_t len, header_len, payload_len;
  unsigned refused = 0;

  assert_error(matter_message_privacy_key(test_key, privacy_key), MATTER_OK);

  /* P clear: nothing to do either way. */
  memset(msg, 0, sizeof(msg));
  len = build_message(0x00, msg, sizeof(msg), &header_len, &payload_len);
  len += MATTER_MESSAGE_MIC_LEN; /* zeroes standing for a MIC */
  memcpy(clear, msg, len);
  assert_error(matter_message_privacy_obfuscate(privacy_key, msg, len), MATTER_OK);
  g_assert_cmpmem(msg, len, clear, len);
  assert_error(matter_message_privacy_deobfuscate(privacy_key, msg, len), MATTER_OK);
  g_assert_cmpmem(msg, len, clear, len);

  /* The unsecured session has no MIC to make a privacy nonce from. */
  len = hex("00 0000 80 " CTR " 0564ee0e207d 00000000000000000000000000000000", msg, sizeof(msg));
  assert_error(matter_message_privacy_obfuscate(privacy_key, msg, len),
               MATTER_ERROR_INVALID_ARGUMENT);
  assert_error(matter_message_privacy_deobfuscate(privacy_key, msg, len),
               MATTER_ERROR_INVALID_ARGUMENT);

  /* A header that does not decode, or leaves no room for the MIC. */
  len = hex("10 3412 80 " CTR " 00000000000000000000000000000000", msg, sizeof(msg));
  assert_error(matter_message_privacy_obfuscate(privacy_key, msg, len),
               MATTER_ERROR_MESSAGE_VERSION);
  assert_error(matter_message_privacy_deobfuscate(privacy_key, msg, len),
               MATTER_ERROR_MESSAGE_VERSION);
  len = hex("05 3412 80 " CTR SRC DST " 000000000000000000000000000000", msg, sizeof(msg));
  memcpy(clear, msg, len);
  assert_error(matter_message_privacy_obfuscate(privacy_key, msg, len), MATTER_ERROR_TRUNCATED);
  assert_error(matter_message_privacy_deobfuscate(privacy_key, msg, len), MATTER_ERROR_TRUNCATED);
  g_assert_cmpmem(msg, len, clear, len);
  assert_error(matter_message_privacy_deobfuscate(privacy_key, msg, 3), MATTER_ERROR_TRUNCATED);
  assert_error(matter_message_privacy_deobfuscate(NULL, msg, len), MATTER_ERROR_INVALID_ARGUMENT);
  assert_error(matter_message_privacy_obfuscate(privacy_key, NULL, len),
               MATTER_ERROR_INVALID_ARGUMENT);
  assert_error(matter_message_privacy_key(NULL, privacy_key), MATTER_ERROR_INVALID_ARGUMENT);

  /* With MX a wrong key reads a wrong extensions length: either it runs
   * past the message and nothing changes, or obfuscating again restores the
   * received bytes for the next key to try. */
  build_message(MATTER_SEC_FLAG_P, msg, sizeof(msg), &header_len, &payload_len);
  {
    uint8_t nonce[MATTER_AES_CCM_NONCE_LEN];

    matter_message_nonce(msg[3], COUNTER, SOURCE, nonce);
    assert_error(
        matter_message_encrypt(test_key, nonce, msg, sizeof(msg), header_len, payload_len, &len),
        MATTER_OK);
  }
  memcpy(clear, msg, len);
  assert_error(matter_message_privacy_obfuscate(privacy_key, msg, len), MATTER_OK);
  memcpy(received, msg, len);
  for (unsigned i = 0; i < 16; i++) {
    MatterError err;

    memcpy(wrong_key, privacy_key, sizeof(wrong_key));
    wrong_key[0] ^= (uint8_t) (i + 1);
    memcpy(msg, received, len);
    err = matter_message_privacy_deobfuscate(wrong_key, msg, len);
    if (err != MATTER_OK) {
      assert_error(err, MATTER_ERROR_MESSAGE_EXTENSIONS);
      g_assert_cmpmem(msg, len, received, len);
      refused++;
      continue;
    }
    g_assert_true(memcmp(msg, clear, len) != 0);
    assert_error(matter_message_header_decode(msg, len, &h, &header_len), MATTER_OK);
    assert_error(matter_message_privacy_obfuscate(wrong_key, msg, len), MATTER_OK);
    g_assert_cmpmem(msg, len, received, len);
  }
  g_assert_cmpuint(refused, >, 0);
  memcpy(msg, received, len);
  assert_error(matter_message_privacy_deobfuscate(privacy_key, msg, len), MATTER_OK);
  g_assert_cmpmem(msg, len, clear, len);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  g_test_add_func("/message/header/vectors", test_header_vectors);
  g_test_add_func("/message/header/session-helpers", test_header_session_helpers);
  g_test_add_func("/message/header/reserved-bits", test_header_reserved_bits);
  g_test_add_func("/message/header/all-flags", test_header_all_flags);
  g_test_add_func("/message/header/malformed", test_header_malformed);
  g_test_add_func("/message/header/encode-refuses", test_header_encode_refuses);
  g_test_add_func("/message/protocol-header/vectors", test_proto_vectors);
  g_test_add_func("/message/protocol-header/all-flags", test_proto_all_flags);
  g_test_add_func("/message/protocol-header/malformed", test_proto_malformed);
  g_test_add_func("/message/protocol-header/encode", test_proto_encode);
  g_test_add_func("/message/nonce", test_nonce);
  g_test_add_func("/message/sdk-secured-messages", test_sdk_secured_messages);
  g_test_add_func("/message/sdk-private-group-message", test_sdk_private_group_message);
  g_test_add_func("/message/encrypt/round-trip-and-tamper", test_encrypt_round_trip_and_tamper);
  g_test_add_func("/message/encrypt/bounds", test_encrypt_bounds);
  g_test_add_func("/message/privacy/round-trips", test_privacy_round_trips);
  g_test_add_func("/message/privacy/edges", test_privacy_edges);
  return g_test_run();
}
