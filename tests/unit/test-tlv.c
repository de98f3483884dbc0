/* SPDX-License-Identifier: Apache-2.0 */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "matter/tlv.h"
#include "md-test-core.h"

/* ---- A tiny script of writer calls, so vectors can be tables ---------- */

typedef enum {
  OP_NONE, /* terminates a script */
  OP_INT,
  OP_UINT,
  OP_BOOL,
  OP_FLOAT,
  OP_DOUBLE,
  OP_UTF8,
  OP_BYTES,
  OP_NULL,
  OP_STRUCT,
  OP_ARRAY,
  OP_LIST,
  OP_END,
} OpKind;

typedef struct {
  OpKind kind;
  MatterTlvTag tag;
  int64_t i;
  uint64_t u;
  double d; /* OP_FLOAT: converted to float */
  const char *s;
  size_t len;
} Op;

#define ANON                          \
  {                                   \
    MATTER_TLV_TAG_ANONYMOUS, 0, 0, 0 \
  }
#define CTX(n)                      \
  {                                 \
    MATTER_TLV_TAG_CONTEXT, 0, 0, n \
  }
#define COMMON(n)                  \
  {                                \
    MATTER_TLV_TAG_COMMON, 0, 0, n \
  }
#define IMPLICIT(n)                  \
  {                                  \
    MATTER_TLV_TAG_IMPLICIT, 0, 0, n \
  }
#define FQ(v, p, n)                         \
  {                                         \
    MATTER_TLV_TAG_FULLY_QUALIFIED, v, p, n \
  }

#define INT(t, v)                    \
  {                                  \
    .kind = OP_INT, .tag = t, .i = v \
  }
#define UINT(t, v)                    \
  {                                   \
    .kind = OP_UINT, .tag = t, .u = v \
  }
#define BOOL(t, v)                    \
  {                                   \
    .kind = OP_BOOL, .tag = t, .u = v \
  }
#define FLOAT(t, v)                    \
  {                                    \
    .kind = OP_FLOAT, .tag = t, .d = v \
  }
#define DOUBLE(t, v)                    \
  {                                     \
    .kind = OP_DOUBLE, .tag = t, .d = v \
  }
#define UTF8(t, v)                                          \
  {                                                         \
    .kind = OP_UTF8, .tag = t, .s = v, .len = sizeof(v) - 1 \
  }
#define BYTES(t, v)                                          \
  {                                                          \
    .kind = OP_BYTES, .tag = t, .s = v, .len = sizeof(v) - 1 \
  }
#define NUL(t)                \
  {                           \
    .kind = OP_NULL, .tag = t \
  }
#define STRUCT(t)               \
  {                             \
    .kind = OP_STRUCT, .tag = t \
  }
#define ARRAY(t)               \
  {                            \
    .kind = OP_ARRAY, .tag = t \
  }
#define LIST(t)               \
  {                           \
    .kind = OP_LIST, .tag = t \
  }
#define END        \
  {                \
    .kind = OP_END \
  }

static MatterError
write_op(MatterTlvWriter *w, const Op *op)
{
  switch (op->kind) {
  case OP_INT:
    return matter_tlv_put_int(w, op->tag, op->i);
  case OP_UINT:
    return matter_tlv_put_uint(w, op->tag, op->u);
  case OP_BOOL:
    return matter_tlv_put_bool(w, op->tag, op->u != 0);
  case OP_FLOAT:
    return matter_tlv_put_float(w, op->tag, (float) op->d);
  case OP_DOUBLE:
    return matter_tlv_put_double(w, op->tag, op->d);
  case OP_UTF8:
    return matter_tlv_put_utf8(w, op->tag, op->s, op->len);
  case OP_BYTES:
    return matter_tlv_put_bytes(w, op->tag, (const uint8_t *) op->s, op->len);
  case OP_NULL:
    return matter_tlv_put_null(w, op->tag);
  case OP_STRUCT:
    return matter_tlv_start_structure(w, op->tag);
  case OP_ARRAY:
    return matter_tlv_start_array(w, op->tag);
  case OP_LIST:
    return matter_tlv_start_list(w, op->tag);
  case OP_END:
    return matter_tlv_end_container(w);
  case OP_NONE:
    break;
  }
  g_assert_not_reached();
}

static size_t
write_ops(const Op *ops, uint8_t *buf, size_t size)
{
  MatterTlvWriter w;
  size_t len = 0;

  matter_tlv_writer_init(&w, buf, size);
  for (; ops->kind != OP_NONE; ops++)
    md_test_assert_error(write_op(&w, ops), MATTER_OK);
  md_test_assert_error(matter_tlv_writer_finish(&w, &len), MATTER_OK);
  return len;
}

static void
read_op(MatterTlvReader *r, const Op *op)
{
  uint64_t u;
  int64_t i;
  bool b;
  float f;
  double d;
  const uint8_t *data;
  const char *str;
  size_t len;

  if (op->kind == OP_END) {
    md_test_assert_error(matter_tlv_next(r), MATTER_ERROR_TLV_END);
    md_test_assert_error(matter_tlv_exit(r), MATTER_OK);
    return;
  }
  md_test_assert_error(matter_tlv_next(r), MATTER_OK);
  g_assert_true(matter_tlv_tag_equal(matter_tlv_get_tag(r), op->tag));
  switch (op->kind) {
  case OP_INT:
    g_assert_cmpint(matter_tlv_get_type(r), ==, MATTER_TLV_TYPE_SIGNED);
    md_test_assert_error(matter_tlv_get_i64(r, &i), MATTER_OK);
    g_assert_cmpint(i, ==, op->i);
    break;
  case OP_UINT:
    g_assert_cmpint(matter_tlv_get_type(r), ==, MATTER_TLV_TYPE_UNSIGNED);
    md_test_assert_error(matter_tlv_get_u64(r, &u), MATTER_OK);
    g_assert_cmpuint(u, ==, op->u);
    break;
  case OP_BOOL:
    g_assert_cmpint(matter_tlv_get_type(r), ==, MATTER_TLV_TYPE_BOOL);
    md_test_assert_error(matter_tlv_get_bool(r, &b), MATTER_OK);
    g_assert_cmpint(b, ==, op->u != 0);
    break;
  case OP_FLOAT:
    g_assert_cmpint(matter_tlv_get_type(r), ==, MATTER_TLV_TYPE_FLOAT);
    md_test_assert_error(matter_tlv_get_float(r, &f), MATTER_OK);
    g_assert_true(f == (float) op->d);
    break;
  case OP_DOUBLE:
    g_assert_cmpint(matter_tlv_get_type(r), ==, MATTER_TLV_TYPE_DOUBLE);
    md_test_assert_error(matter_tlv_get_double(r, &d), MATTER_OK);
    g_assert_true(d == op->d);
    break;
  case OP_UTF8:
    g_assert_cmpint(matter_tlv_get_type(r), ==, MATTER_TLV_TYPE_UTF8);
    md_test_assert_error(matter_tlv_get_utf8(r, &str, &len), MATTER_OK);
    g_assert_cmpmem(str, len, op->s, op->len);
    g_assert_cmpuint(matter_tlv_get_length(r), ==, op->len);
    break;
  case OP_BYTES:
    g_assert_cmpint(matter_tlv_get_type(r), ==, MATTER_TLV_TYPE_BYTES);
    md_test_assert_error(matter_tlv_get_bytes(r, &data, &len), MATTER_OK);
    g_assert_cmpmem(data, len, op->s, op->len);
    g_assert_cmpuint(matter_tlv_get_length(r), ==, op->len);
    break;
  case OP_NULL:
    g_assert_cmpint(matter_tlv_get_type(r), ==, MATTER_TLV_TYPE_NULL);
    md_test_assert_error(matter_tlv_get_null(r), MATTER_OK);
    break;
  case OP_STRUCT:
  case OP_ARRAY:
  case OP_LIST:
    g_assert_cmpint(matter_tlv_get_type(r), ==,
                    op->kind == OP_STRUCT  ? MATTER_TLV_TYPE_STRUCTURE
                    : op->kind == OP_ARRAY ? MATTER_TLV_TYPE_ARRAY
                                           : MATTER_TLV_TYPE_LIST);
    md_test_assert_error(matter_tlv_enter(r), MATTER_OK);
    break;
  case OP_END:
  case OP_NONE:
    g_assert_not_reached();
  }
}

/* Reads @bytes back as the script @ops describes, then expects the end. */
static void
read_ops(const uint8_t *bytes, size_t len, const Op *ops)
{
  MatterTlvReader r;

  matter_tlv_reader_init(&r, bytes, len);
  for (; ops->kind != OP_NONE; ops++)
    read_op(&r, ops);
  md_test_assert_error(matter_tlv_next(&r), MATTER_ERROR_TLV_END);
  g_assert_cmpuint(matter_tlv_get_depth(&r), ==, 0);
}

/* ---- Core spec Appendix A examples ----------------------------------- */

typedef struct {
  const char *name;
  const char *bytes;
  size_t len;
  Op ops[8];
  bool non_minimal; /* legal but wider than the writer emits */
} Vector;

#define B(s) s, sizeof(s) - 1

/* Matter Core Specification, Appendix A.12 "TLV Encoding Examples": the
 * tables of sample encodings of primitive types, of containers and of tag
 * types (names as printed there). */
static const Vector spec_vectors[] = {
  { "Boolean false", B("\x08"), { BOOL(ANON, 0) } },
  { "Boolean true", B("\x09"), { BOOL(ANON, 1) } },
  { "Signed Integer, 1-octet, value 42", B("\x00\x2a"), { INT(ANON, 42) } },
  { "Signed Integer, 1-octet, value -17", B("\x00\xef"), { INT(ANON, -17) } },
  { "Unsigned Integer, 1-octet, value 42U", B("\x04\x2a"), { UINT(ANON, 42) } },
  { "Signed Integer, 2-octet, value 42", B("\x01\x2a\x00"), { INT(ANON, 42) }, true },
  { "Signed Integer, 4-octet, value -170000", B("\x02\xf0\x67\xfd\xff"), { INT(ANON, -170000) } },
  { "Signed Integer, 8-octet, value 40000000000",
    B("\x03\x00\x90\x2f\x50\x09\x00\x00\x00"),
    { INT(ANON, 40000000000) } },
  { "UTF-8 String, 1-octet length, \"Hello!\"",
    B("\x0c\x06\x48\x65\x6c\x6c\x6f\x21"),
    { UTF8(ANON, "Hello!") } },
  { "UTF-8 String, 1-octet length, \"Tschüs\"",
    B("\x0c\x07\x54\x73\x63\x68\xc3\xbc\x73"),
    { UTF8(ANON, "Tsch\xc3\xbcs") } },
  { "Octet String, 1-octet length, octets 00 01 02 03 04",
    B("\x10\x05\x00\x01\x02\x03\x04"),
    { BYTES(ANON, "\x00\x01\x02\x03\x04") } },
  { "Null", B("\x14"), { NUL(ANON) } },
  { "Single precision floating point 0.0", B("\x0a\x00\x00\x00\x00"), { FLOAT(ANON, 0.0) } },
  { "Single precision floating point (1.0 / 3.0)",
    B("\x0a\xab\xaa\xaa\x3e"),
    { FLOAT(ANON, 1.0 / 3.0) } },
  { "Single precision floating point 17.9", B("\x0a\x33\x33\x8f\x41"), { FLOAT(ANON, 17.9) } },
  { "Single precision floating point infinity",
    B("\x0a\x00\x00\x80\x7f"),
    { FLOAT(ANON, INFINITY) } },
  { "Single precision floating point negative infinity",
    B("\x0a\x00\x00\x80\xff"),
    { FLOAT(ANON, -INFINITY) } },
  { "Double precision floating point 0.0",
    B("\x0b\x00\x00\x00\x00\x00\x00\x00\x00"),
    { DOUBLE(ANON, 0.0) } },
  { "Double precision floating point (1.0 / 3.0)",
    B("\x0b\x55\x55\x55\x55\x55\x55\xd5\x3f"),
    { DOUBLE(ANON, 1.0 / 3.0) } },
  { "Double precision floating point 17.9",
    B("\x0b\x66\x66\x66\x66\x66\xe6\x31\x40"),
    { DOUBLE(ANON, 17.9) } },
  { "Double precision floating point infinity",
    B("\x0b\x00\x00\x00\x00\x00\x00\xf0\x7f"),
    { DOUBLE(ANON, INFINITY) } },
  { "Double precision floating point negative infinity",
    B("\x0b\x00\x00\x00\x00\x00\x00\xf0\xff"),
    { DOUBLE(ANON, -INFINITY) } },

  { "Empty Structure, {}", B("\x15\x18"), { STRUCT(ANON), END } },
  { "Empty Array, []", B("\x16\x18"), { ARRAY(ANON), END } },
  { "Empty List, []", B("\x17\x18"), { LIST(ANON), END } },
  { "Structure, two context specific tags, Signed Integer, 1 octet values, {0 = 42, 1 = -17}",
    B("\x15\x20\x00\x2a\x20\x01\xef\x18"),
    { STRUCT(ANON), INT(CTX(0), 42), INT(CTX(1), -17), END } },
  { "Array, Signed Integer, 1-octet values, [0, 1, 2, 3, 4]",
    B("\x16\x00\x00\x00\x01\x00\x02\x00\x03\x00\x04\x18"),
    { ARRAY(ANON), INT(ANON, 0), INT(ANON, 1), INT(ANON, 2), INT(ANON, 3), INT(ANON, 4), END } },
  { "List, mix of anonymous and context tags, Signed Integer, 1 octet values, "
    "[[1, 0 = 42, 2, 3, 0 = -17]]",
    B("\x17\x00\x01\x20\x00\x2a\x00\x02\x00\x03\x20\x00\xef\x18"),
    { LIST(ANON), INT(ANON, 1), INT(CTX(0), 42), INT(ANON, 2), INT(ANON, 3), INT(CTX(0), -17),
      END } },
  { "Array, mix of element types, [42, -170000, {}, 17.9, \"Hello!\"]",
    B("\x16\x00\x2a\x02\xf0\x67\xfd\xff\x15\x18\x0a\x33\x33\x8f\x41\x0c\x06\x48\x65\x6c\x6c\x6f"
      "\x21\x18"),
    { ARRAY(ANON), INT(ANON, 42), INT(ANON, -170000), STRUCT(ANON), END, FLOAT(ANON, 17.9),
      UTF8(ANON, "Hello!"), END } },

  { "Anonymous tag, Unsigned Integer, 1-octet value, 42U", B("\x04\x2a"), { UINT(ANON, 42) } },
  { "Context tag 1, Unsigned Integer, 1-octet value, 1 = 42U",
    B("\x24\x01\x2a"),
    { UINT(CTX(1), 42) } },
  { "Common profile tag 1, Unsigned Integer, 1-octet value, Matter::1 = 42U",
    B("\x44\x01\x00\x2a"),
    { UINT(COMMON(1), 42) } },
  { "Common profile tag 100000, Unsigned Integer, 1-octet value, Matter::100000 = 42U",
    B("\x64\xa0\x86\x01\x00\x2a"),
    { UINT(COMMON(100000), 42) } },
  { "Fully qualified tag, Vendor ID 0xFFF1/65521, profile number 0xDEED/57069, 2-octet tag 1, "
    "65521::57069:1 = 42U",
    B("\xc4\xf1\xff\xed\xde\x01\x00\x2a"),
    { UINT(FQ(0xfff1, 0xdeed, 1), 42) } },
  { "Fully qualified tag, Vendor ID 0xFFF1/65521, profile number 0xDEED/57069, 4-octet tag "
    "0xAA55FEED/2857762541, 65521::57069:2857762541 = 42U",
    B("\xe4\xf1\xff\xed\xde\xed\xfe\x55\xaa\x2a"),
    { UINT(FQ(0xfff1, 0xdeed, 0xaa55feed), 42) } },
  { "Structure with the fully qualified tag 65521::57069:1 containing 65521::57069:43605 = 42U",
    B("\xd5\xf1\xff\xed\xde\x01\x00\xc4\xf1\xff\xed\xde\x55\xaa\x2a\x18"),
    { STRUCT(FQ(0xfff1, 0xdeed, 1)), UINT(FQ(0xfff1, 0xdeed, 0xaa55), 42), END } },
};

static void
test_spec_vectors(void)
{
  for (size_t i = 0; i < G_N_ELEMENTS(spec_vectors); i++) {
    const Vector *v = &spec_vectors[i];
    uint8_t buf[64];
    size_t len;

    g_test_message("%s", v->name);
    md_test_assert_error(matter_tlv_check((const uint8_t *) v->bytes, v->len), MATTER_OK);
    read_ops((const uint8_t *) v->bytes, v->len, v->ops);
    len = write_ops(v->ops, buf, sizeof buf);
    if (v->non_minimal)
      g_assert_cmpuint(len, <, v->len);
    else
      g_assert_cmpmem(buf, len, v->bytes, v->len);
  }
}

/* ---- Round trips ----------------------------------------------------- */

static void
test_unsigned_widths(void)
{
  static const struct {
    uint64_t value;
    uint8_t control;
    size_t len;
  } cases[] = {
    { 0, 0x04, 2 },          { 0x7f, 0x04, 2 },       { 0x80, 0x04, 2 },
    { 0xff, 0x04, 2 },       { 0x100, 0x05, 3 },      { 0xffff, 0x05, 3 },
    { 0x10000, 0x06, 5 },    { 0xffffffff, 0x06, 5 }, { 0x100000000, 0x07, 9 },
    { UINT64_MAX, 0x07, 9 },
  };

  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    Op ops[] = { UINT(ANON, cases[i].value), { 0 } };
    uint8_t buf[16];
    size_t len = write_ops(ops, buf, sizeof buf);

    g_assert_cmpuint(len, ==, cases[i].len);
    g_assert_cmphex(buf[0], ==, cases[i].control);
    read_ops(buf, len, ops);
  }
}

static void
test_signed_widths(void)
{
  static const struct {
    int64_t value;
    uint8_t control;
    size_t len;
  } cases[] = {
    { 0, 0x00, 2 },         { -1, 0x00, 2 },
    { 0x7f, 0x00, 2 },      { 0x80, 0x01, 3 },
    { INT8_MIN, 0x00, 2 },  { INT8_MIN - 1, 0x01, 3 },
    { 0xff, 0x01, 3 },      { 0x100, 0x01, 3 },
    { INT16_MAX, 0x01, 3 }, { INT16_MAX + 1, 0x02, 5 },
    { INT16_MIN, 0x01, 3 }, { INT16_MIN - 1, 0x02, 5 },
    { INT32_MAX, 0x02, 5 }, { (int64_t) INT32_MAX + 1, 0x03, 9 },
    { INT32_MIN, 0x02, 5 }, { (int64_t) INT32_MIN - 1, 0x03, 9 },
    { INT64_MAX, 0x03, 9 }, { INT64_MIN, 0x03, 9 },
  };

  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    Op ops[] = { INT(ANON, cases[i].value), { 0 } };
    uint8_t buf[16];
    size_t len = write_ops(ops, buf, sizeof buf);

    g_assert_cmpuint(len, ==, cases[i].len);
    g_assert_cmphex(buf[0], ==, cases[i].control);
    read_ops(buf, len, ops);
  }
}

static void
test_string_widths(void)
{
  static const struct {
    size_t len;
    uint8_t control; /* of the UTF-8 string; octet strings are 4 more */
    size_t head;
  } cases[] = {
    { 0, 0x0c, 2 },   { 1, 0x0c, 2 },      { 0xff, 0x0c, 2 },
    { 256, 0x0d, 3 }, { 0xffff, 0x0d, 3 }, { 0x10000, 0x0e, 5 },
  };
  size_t size = 0x10000 + 16;
  g_autofree char *text = g_malloc(size);
  g_autofree uint8_t *buf = g_malloc(size);

  memset(text, 'x', size);
  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    Op utf8[] = { { .kind = OP_UTF8, .tag = ANON, .s = text, .len = cases[i].len }, { 0 } };
    Op bytes[] = { { .kind = OP_BYTES, .tag = ANON, .s = text, .len = cases[i].len }, { 0 } };
    size_t len;

    len = write_ops(utf8, buf, size);
    g_assert_cmpuint(len, ==, cases[i].head + cases[i].len);
    g_assert_cmphex(buf[0], ==, cases[i].control);
    g_assert_cmpuint(buf[1], ==, cases[i].len & 0xff);
    read_ops(buf, len, utf8);

    len = write_ops(bytes, buf, size);
    g_assert_cmpuint(len, ==, cases[i].head + cases[i].len);
    g_assert_cmphex(buf[0], ==, cases[i].control + 4);
    read_ops(buf, len, bytes);
  }
}

static void
test_tag_forms(void)
{
  static const struct {
    MatterTlvTag tag;
    uint8_t control;
    const char *tag_bytes;
    size_t tag_len;
  } cases[] = {
    { ANON, 0x04, B("") },
    { CTX(0), 0x24, B("\x00") },
    { CTX(255), 0x24, B("\xff") },
    { COMMON(0), 0x44, B("\x00\x00") },
    { COMMON(0xffff), 0x44, B("\xff\xff") },
    { COMMON(0x10000), 0x64, B("\x00\x00\x01\x00") },
    { COMMON(0xffffffff), 0x64, B("\xff\xff\xff\xff") },
    { IMPLICIT(0), 0x84, B("\x00\x00") },
    { IMPLICIT(0xffff), 0x84, B("\xff\xff") },
    { IMPLICIT(0x10000), 0xa4, B("\x00\x00\x01\x00") },
    { IMPLICIT(0xffffffff), 0xa4, B("\xff\xff\xff\xff") },
    { FQ(0, 0, 0), 0xc4, B("\x00\x00\x00\x00\x00\x00") },
    { FQ(0xfff1, 0xdeed, 0xffff), 0xc4, B("\xf1\xff\xed\xde\xff\xff") },
    { FQ(0xfff1, 0xdeed, 0x10000), 0xe4, B("\xf1\xff\xed\xde\x00\x00\x01\x00") },
    { FQ(0xffff, 0xffff, 0xffffffff), 0xe4, B("\xff\xff\xff\xff\xff\xff\xff\xff") },
  };

  /* The constructors build what the table spells out. */
  g_assert_true(matter_tlv_tag_equal(matter_tlv_tag_anonymous(), cases[0].tag));
  g_assert_true(matter_tlv_tag_equal(matter_tlv_tag_context(255), cases[2].tag));
  g_assert_true(matter_tlv_tag_equal(matter_tlv_tag_common(0x10000), cases[5].tag));
  g_assert_true(matter_tlv_tag_equal(matter_tlv_tag_implicit(0xffff), cases[8].tag));
  g_assert_true(
      matter_tlv_tag_equal(matter_tlv_tag_fully_qualified(0xfff1, 0xdeed, 0x10000), cases[13].tag));
  g_assert_false(matter_tlv_tag_equal(matter_tlv_tag_common(1), matter_tlv_tag_implicit(1)));
  g_assert_false(matter_tlv_tag_equal(matter_tlv_tag_fully_qualified(1, 2, 3),
                                      matter_tlv_tag_fully_qualified(1, 3, 3)));
  g_assert_true(matter_tlv_tag_is_context(matter_tlv_tag_context(7), 7));
  g_assert_false(matter_tlv_tag_is_context(matter_tlv_tag_common(7), 7));

  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    Op ops[] = { UINT(cases[i].tag, 42), { 0 } };
    uint8_t buf[16];
    size_t len = write_ops(ops, buf, sizeof buf);

    g_assert_cmpuint(len, ==, 2 + cases[i].tag_len);
    g_assert_cmphex(buf[0], ==, cases[i].control);
    g_assert_cmpmem(buf + 1, cases[i].tag_len, cases[i].tag_bytes, cases[i].tag_len);
    g_assert_cmphex(buf[len - 1], ==, 42);
    read_ops(buf, len, ops);
  }
}

static void
test_wide_tag_read(void)
{
  /* Tag numbers in a wider form than needed read as the same tag. */
  static const uint8_t wide[] = { 0x64, 0x01, 0x00, 0x00, 0x00, 0x2a };
  MatterTlvReader r;

  matter_tlv_reader_init(&r, wide, sizeof wide);
  md_test_assert_error(matter_tlv_next(&r), MATTER_OK);
  g_assert_true(matter_tlv_tag_equal(matter_tlv_get_tag(&r), matter_tlv_tag_common(1)));
}

static void
test_float_bits(void)
{
  /* -0.0 and a NaN payload survive: floats are copied bit for bit. */
  static const uint8_t nan32[] = { 0x0a, 0x01, 0x00, 0xc0, 0x7f };
  static const uint8_t nan64[] = { 0x0b, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf8, 0x7f };
  Op neg_zero[] = { FLOAT(ANON, -0.0), DOUBLE(ANON, -0.0), { 0 } };
  uint8_t buf[32];
  size_t len = write_ops(neg_zero, buf, sizeof buf);
  MatterTlvReader r;
  MatterTlvWriter w;
  float f;
  double d;

  g_assert_cmpmem(buf, len, "\x0a\x00\x00\x00\x80\x0b\x00\x00\x00\x00\x00\x00\x00\x80", 14);

  matter_tlv_reader_init(&r, nan32, sizeof nan32);
  md_test_assert_error(matter_tlv_next(&r), MATTER_OK);
  md_test_assert_error(matter_tlv_get_float(&r, &f), MATTER_OK);
  g_assert_true(isnan(f));
  matter_tlv_writer_init(&w, buf, sizeof buf);
  md_test_assert_error(matter_tlv_put_float(&w, matter_tlv_tag_anonymous(), f), MATTER_OK);
  md_test_assert_error(matter_tlv_writer_finish(&w, &len), MATTER_OK);
  g_assert_cmpmem(buf, len, nan32, sizeof nan32);
  /* A float widens to a double exactly; a double never narrows. */
  md_test_assert_error(matter_tlv_get_double(&r, &d), MATTER_OK);
  g_assert_true(isnan(d));

  matter_tlv_reader_init(&r, nan64, sizeof nan64);
  md_test_assert_error(matter_tlv_next(&r), MATTER_OK);
  md_test_assert_error(matter_tlv_get_float(&r, &f), MATTER_ERROR_TLV_WRONG_TYPE);
  md_test_assert_error(matter_tlv_get_double(&r, &d), MATTER_OK);
  matter_tlv_writer_init(&w, buf, sizeof buf);
  md_test_assert_error(matter_tlv_put_double(&w, matter_tlv_tag_anonymous(), d), MATTER_OK);
  md_test_assert_error(matter_tlv_writer_finish(&w, &len), MATTER_OK);
  g_assert_cmpmem(buf, len, nan64, sizeof nan64);
}

/* Every type, every container, several tag forms, in one encoding. */
static const Op everything[] = {
  STRUCT(ANON),
  INT(CTX(0), INT64_MIN),
  UINT(CTX(1), UINT64_MAX),
  BOOL(CTX(2), 1),
  BOOL(COMMON(3), 0),
  FLOAT(CTX(4), 1.5),
  DOUBLE(CTX(5), -2.25),
  UTF8(CTX(6), ""),
  BYTES(CTX(7), ""),
  NUL(FQ(0xfff1, 1, 8)),
  ARRAY(CTX(9)),
  STRUCT(ANON),
  END,
  LIST(ANON),
  INT(CTX(1), 1),
  INT(ANON, 2),
  INT(IMPLICIT(0x12345), 3),
  END,
  ARRAY(ANON),
  END,
  END,
  UTF8(CTX(10), "\xe2\x82\xac uro"),
  END,
  { 0 },
};

static void
test_everything(void)
{
  uint8_t buf[256];
  size_t len = write_ops(everything, buf, sizeof buf);

  md_test_assert_error(matter_tlv_check(buf, len), MATTER_OK);
  read_ops(buf, len, everything);
}

/* ---- Getters --------------------------------------------------------- */

static void
load(MatterTlvReader *r, const uint8_t *bytes, size_t len)
{
  matter_tlv_reader_init(r, bytes, len);
  md_test_assert_error(matter_tlv_next(r), MATTER_OK);
}

static void
test_integer_conversions(void)
{
  static const uint8_t u_small[] = { 0x04, 0x7f };
  static const uint8_t u_300[] = { 0x05, 0x2c, 0x01 };
  static const uint8_t u_max[] = { 0x07, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
  static const uint8_t u_i64max[] = { 0x07, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f };
  static const uint8_t s_minus1[] = { 0x00, 0xff };
  static const uint8_t s_min[] = { 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80 };
  static const uint8_t s_200[] = { 0x01, 0xc8, 0x00 };
  static const uint8_t s_wide_small[] = { 0x03, 0x05, 0, 0, 0, 0, 0, 0, 0 };
  MatterTlvReader r;
  uint8_t u8;
  uint16_t u16;
  uint32_t u32;
  uint64_t u64;
  int8_t i8;
  int16_t i16;
  int32_t i32;
  int64_t i64;

  /* Unsigned elements read as signed when they fit, and back. */
  load(&r, u_small, sizeof u_small);
  md_test_assert_error(matter_tlv_get_i8(&r, &i8), MATTER_OK);
  g_assert_cmpint(i8, ==, 127);
  md_test_assert_error(matter_tlv_get_u8(&r, &u8), MATTER_OK);
  g_assert_cmpuint(u8, ==, 127);

  load(&r, u_300, sizeof u_300);
  md_test_assert_error(matter_tlv_get_u8(&r, &u8), MATTER_ERROR_TLV_OUT_OF_RANGE);
  md_test_assert_error(matter_tlv_get_i8(&r, &i8), MATTER_ERROR_TLV_OUT_OF_RANGE);
  md_test_assert_error(matter_tlv_get_u16(&r, &u16), MATTER_OK);
  g_assert_cmpuint(u16, ==, 300);
  md_test_assert_error(matter_tlv_get_i16(&r, &i16), MATTER_OK);
  g_assert_cmpint(i16, ==, 300);

  load(&r, u_max, sizeof u_max);
  md_test_assert_error(matter_tlv_get_i64(&r, &i64), MATTER_ERROR_TLV_OUT_OF_RANGE);
  md_test_assert_error(matter_tlv_get_u32(&r, &u32), MATTER_ERROR_TLV_OUT_OF_RANGE);
  md_test_assert_error(matter_tlv_get_u64(&r, &u64), MATTER_OK);
  g_assert_cmpuint(u64, ==, UINT64_MAX);

  load(&r, u_i64max, sizeof u_i64max);
  md_test_assert_error(matter_tlv_get_i64(&r, &i64), MATTER_OK);
  g_assert_cmpint(i64, ==, INT64_MAX);

  load(&r, s_minus1, sizeof s_minus1);
  md_test_assert_error(matter_tlv_get_u8(&r, &u8), MATTER_ERROR_TLV_OUT_OF_RANGE);
  md_test_assert_error(matter_tlv_get_u64(&r, &u64), MATTER_ERROR_TLV_OUT_OF_RANGE);
  md_test_assert_error(matter_tlv_get_i8(&r, &i8), MATTER_OK);
  g_assert_cmpint(i8, ==, -1);
  md_test_assert_error(matter_tlv_get_i32(&r, &i32), MATTER_OK);
  g_assert_cmpint(i32, ==, -1);

  load(&r, s_min, sizeof s_min);
  md_test_assert_error(matter_tlv_get_i64(&r, &i64), MATTER_OK);
  g_assert_cmpint(i64, ==, INT64_MIN);
  md_test_assert_error(matter_tlv_get_i32(&r, &i32), MATTER_ERROR_TLV_OUT_OF_RANGE);

  load(&r, s_200, sizeof s_200);
  md_test_assert_error(matter_tlv_get_i8(&r, &i8), MATTER_ERROR_TLV_OUT_OF_RANGE);
  md_test_assert_error(matter_tlv_get_u8(&r, &u8), MATTER_OK);
  g_assert_cmpuint(u8, ==, 200);

  /* A value in a wider encoding than needed is still in range. */
  load(&r, s_wide_small, sizeof s_wide_small);
  md_test_assert_error(matter_tlv_get_u8(&r, &u8), MATTER_OK);
  g_assert_cmpuint(u8, ==, 5);
}

static void
test_wrong_type(void)
{
  static const uint8_t t_bool[] = { 0x09 };
  static const uint8_t t_utf8[] = { 0x0c, 0x01, 'a' };
  static const uint8_t t_bytes[] = { 0x10, 0x01, 'a' };
  static const uint8_t t_null[] = { 0x14 };
  static const uint8_t t_uint[] = { 0x04, 0x01 };
  static const uint8_t t_struct[] = { 0x15, 0x18 };
  MatterTlvReader r;
  uint16_t u16;
  int64_t i64;
  bool b;
  float f;
  double d;
  const uint8_t *data;
  const char *str;
  size_t len;

  load(&r, t_bool, sizeof t_bool);
  md_test_assert_error(matter_tlv_get_u16(&r, &u16), MATTER_ERROR_TLV_WRONG_TYPE);
  md_test_assert_error(matter_tlv_get_i64(&r, &i64), MATTER_ERROR_TLV_WRONG_TYPE);
  md_test_assert_error(matter_tlv_get_null(&r), MATTER_ERROR_TLV_WRONG_TYPE);
  md_test_assert_error(matter_tlv_enter(&r), MATTER_ERROR_TLV_WRONG_TYPE);
  md_test_assert_error(matter_tlv_get_bool(&r, &b), MATTER_OK);
  g_assert_true(b);

  load(&r, t_utf8, sizeof t_utf8);
  md_test_assert_error(matter_tlv_get_bytes(&r, &data, &len), MATTER_ERROR_TLV_WRONG_TYPE);
  load(&r, t_bytes, sizeof t_bytes);
  md_test_assert_error(matter_tlv_get_utf8(&r, &str, &len), MATTER_ERROR_TLV_WRONG_TYPE);
  load(&r, t_null, sizeof t_null);
  md_test_assert_error(matter_tlv_get_bool(&r, &b), MATTER_ERROR_TLV_WRONG_TYPE);
  md_test_assert_error(matter_tlv_get_null(&r), MATTER_OK);
  g_assert_cmpuint(matter_tlv_get_length(&r), ==, 0);
  load(&r, t_uint, sizeof t_uint);
  md_test_assert_error(matter_tlv_get_float(&r, &f), MATTER_ERROR_TLV_WRONG_TYPE);
  md_test_assert_error(matter_tlv_get_double(&r, &d), MATTER_ERROR_TLV_WRONG_TYPE);
  load(&r, t_struct, sizeof t_struct);
  md_test_assert_error(matter_tlv_get_u16(&r, &u16), MATTER_ERROR_TLV_WRONG_TYPE);

  /* No current element: before the first, and at the end. */
  matter_tlv_reader_init(&r, t_bool, sizeof t_bool);
  g_assert_cmpint(matter_tlv_get_type(&r), ==, MATTER_TLV_TYPE_NONE);
  md_test_assert_error(matter_tlv_get_bool(&r, &b), MATTER_ERROR_BAD_STATE);
  md_test_assert_error(matter_tlv_enter(&r), MATTER_ERROR_BAD_STATE);
  md_test_assert_error(matter_tlv_next(&r), MATTER_OK);
  md_test_assert_error(matter_tlv_next(&r), MATTER_ERROR_TLV_END);
  g_assert_cmpint(matter_tlv_get_type(&r), ==, MATTER_TLV_TYPE_NONE);
  md_test_assert_error(matter_tlv_get_bool(&r, &b), MATTER_ERROR_BAD_STATE);
  md_test_assert_error(matter_tlv_get_element(&r, &data, &len), MATTER_ERROR_BAD_STATE);
}

static void
test_get_string(void)
{
  static const uint8_t hello[] = { 0x0c, 0x05, 'h', 'e', 'l', 'l', 'o' };
  MatterTlvReader r;
  char out[6];

  load(&r, hello, sizeof hello);
  md_test_assert_error(matter_tlv_get_string(&r, out, 5), MATTER_ERROR_BUFFER_TOO_SMALL);
  md_test_assert_error(matter_tlv_get_string(&r, out, sizeof out), MATTER_OK);
  g_assert_cmpstr(out, ==, "hello");
}

/* ---- Malformed input ------------------------------------------------- */

/* Walks every element, entering every container; returns the first error
 * other than the end of a container. */
static MatterError
walk(const uint8_t *buf, size_t len)
{
  MatterTlvReader r;
  MatterError err;

  matter_tlv_reader_init(&r, buf, len);
  for (;;) {
    err = matter_tlv_next(&r);
    if (err == MATTER_ERROR_TLV_END) {
      if (matter_tlv_get_depth(&r) == 0)
        return MATTER_OK;
      err = matter_tlv_exit(&r);
    } else if (err == MATTER_OK && matter_tlv_get_type(&r) >= MATTER_TLV_TYPE_STRUCTURE) {
      err = matter_tlv_enter(&r);
    }
    if (err != MATTER_OK)
      return err;
  }
}

static void
test_malformed(void)
{
  static const struct {
    const char *bytes;
    size_t len;
    MatterError check; /* from matter_tlv_check() */
    MatterError walk;  /* from walking it with the reader */
  } cases[] = {
    { B(""), MATTER_ERROR_TRUNCATED, MATTER_OK },
    /* reserved element types */
    { B("\x19"), MATTER_ERROR_TLV_BAD_ELEMENT_TYPE, MATTER_ERROR_TLV_BAD_ELEMENT_TYPE },
    { B("\x1f"), MATTER_ERROR_TLV_BAD_ELEMENT_TYPE, MATTER_ERROR_TLV_BAD_ELEMENT_TYPE },
    { B("\x3a\x01"), MATTER_ERROR_TLV_BAD_ELEMENT_TYPE, MATTER_ERROR_TLV_BAD_ELEMENT_TYPE },
    { B("\x17\x1a\x18"), MATTER_ERROR_TLV_BAD_ELEMENT_TYPE, MATTER_ERROR_TLV_BAD_ELEMENT_TYPE },
    /* end-of-container out of place */
    { B("\x18"), MATTER_ERROR_TLV_UNBALANCED, MATTER_ERROR_TLV_UNBALANCED },
    { B("\x15\x18\x18"), MATTER_ERROR_TLV_TRAILING, MATTER_ERROR_TLV_UNBALANCED },
    { B("\x15\x38\x01"), MATTER_ERROR_TLV_BAD_TAG, MATTER_ERROR_TLV_BAD_TAG },
    { B("\x17\xf8"), MATTER_ERROR_TLV_BAD_TAG, MATTER_ERROR_TLV_BAD_TAG },
    /* tags out of place */
    { B("\x16\x24\x01\x2a\x18"), MATTER_ERROR_TLV_BAD_TAG, MATTER_ERROR_TLV_BAD_TAG },
    { B("\x16\x44\x01\x00\x2a\x18"), MATTER_ERROR_TLV_BAD_TAG, MATTER_ERROR_TLV_BAD_TAG },
    { B("\x15\x04\x2a\x18"), MATTER_ERROR_TLV_BAD_TAG, MATTER_ERROR_TLV_BAD_TAG },
    { B("\x15\x36\x01\x15\x04\x00\x18\x18\x18"), MATTER_ERROR_TLV_BAD_TAG,
      MATTER_ERROR_TLV_BAD_TAG },
    /* truncated heads and values */
    { B("\x00"), MATTER_ERROR_TRUNCATED, MATTER_ERROR_TRUNCATED },
    { B("\x01\x2a"), MATTER_ERROR_TRUNCATED, MATTER_ERROR_TRUNCATED },
    { B("\x02\x00\x00\x00"), MATTER_ERROR_TRUNCATED, MATTER_ERROR_TRUNCATED },
    { B("\x07\x00\x00\x00\x00\x00\x00\x00"), MATTER_ERROR_TRUNCATED, MATTER_ERROR_TRUNCATED },
    { B("\x0a\x00\x00\x00"), MATTER_ERROR_TRUNCATED, MATTER_ERROR_TRUNCATED },
    { B("\x0b\x00\x00\x00\x00\x00\x00\x00"), MATTER_ERROR_TRUNCATED, MATTER_ERROR_TRUNCATED },
    { B("\x24"), MATTER_ERROR_TRUNCATED, MATTER_ERROR_TRUNCATED },
    { B("\x44\x01"), MATTER_ERROR_TRUNCATED, MATTER_ERROR_TRUNCATED },
    { B("\xa4\x01\x00\x00"), MATTER_ERROR_TRUNCATED, MATTER_ERROR_TRUNCATED },
    { B("\xe4\xf1\xff\xed\xde\xed\xfe\x55"), MATTER_ERROR_TRUNCATED, MATTER_ERROR_TRUNCATED },
    { B("\x0c"), MATTER_ERROR_TRUNCATED, MATTER_ERROR_TRUNCATED },
    { B("\x0d\x01"), MATTER_ERROR_TRUNCATED, MATTER_ERROR_TRUNCATED },
    { B("\x13\x00\x00\x00\x00"), MATTER_ERROR_TRUNCATED, MATTER_ERROR_TRUNCATED },
    /* open containers */
    { B("\x15"), MATTER_ERROR_TRUNCATED, MATTER_ERROR_TRUNCATED },
    { B("\x15\x24\x01\x2a"), MATTER_ERROR_TRUNCATED, MATTER_ERROR_TRUNCATED },
    { B("\x16\x16\x16\x18\x18"), MATTER_ERROR_TRUNCATED, MATTER_ERROR_TRUNCATED },
    /* lengths past the end */
    { B("\x0c\x05\x41"), MATTER_ERROR_TLV_LENGTH, MATTER_ERROR_TLV_LENGTH },
    { B("\x10\x01"), MATTER_ERROR_TLV_LENGTH, MATTER_ERROR_TLV_LENGTH },
    { B("\x0e\xff\xff\xff\xff\x00"), MATTER_ERROR_TLV_LENGTH, MATTER_ERROR_TLV_LENGTH },
    { B("\x0f\xff\xff\xff\xff\xff\xff\xff\xff\x00"), MATTER_ERROR_TLV_LENGTH,
      MATTER_ERROR_TLV_LENGTH },
    { B("\x13\xfe\xff\xff\xff\xff\xff\xff\xff"), MATTER_ERROR_TLV_LENGTH, MATTER_ERROR_TLV_LENGTH },
    { B("\x17\x11\x00\x80\x18"), MATTER_ERROR_TLV_LENGTH, MATTER_ERROR_TLV_LENGTH },
    /* more than one element */
    { B("\x04\x2a\x04\x2a"), MATTER_ERROR_TLV_TRAILING, MATTER_OK },
    { B("\x15\x18\x00"), MATTER_ERROR_TLV_TRAILING, MATTER_ERROR_TRUNCATED },
    /* UTF-8 is checked by matter_tlv_check(), and when read as UTF-8 */
    { B("\x0c\x02\xc3\x28"), MATTER_ERROR_TLV_BAD_UTF8, MATTER_OK },
    { B("\x16\x0c\x01\x00\x18"), MATTER_ERROR_TLV_BAD_UTF8, MATTER_OK },
  };

  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    const uint8_t *bytes = (const uint8_t *) cases[i].bytes;

    g_test_message("case %zu", i);
    g_assert_cmpstr(matter_error_name(matter_tlv_check(bytes, cases[i].len)), ==,
                    matter_error_name(cases[i].check));
    g_assert_cmpstr(matter_error_name(walk(bytes, cases[i].len)), ==,
                    matter_error_name(cases[i].walk));
  }
}

static void
test_errors_stick(void)
{
  static const uint8_t bad[] = { 0x16, 0x04, 0x01, 0x19, 0x04, 0x02, 0x18 };
  MatterTlvReader r;

  matter_tlv_reader_init(&r, bad, sizeof bad);
  md_test_assert_error(matter_tlv_next(&r), MATTER_OK);
  md_test_assert_error(matter_tlv_enter(&r), MATTER_OK);
  md_test_assert_error(matter_tlv_next(&r), MATTER_OK);
  md_test_assert_error(matter_tlv_next(&r), MATTER_ERROR_TLV_BAD_ELEMENT_TYPE);
  md_test_assert_error(matter_tlv_next(&r), MATTER_ERROR_TLV_BAD_ELEMENT_TYPE);
  md_test_assert_error(matter_tlv_exit(&r), MATTER_ERROR_TLV_BAD_ELEMENT_TYPE);
  md_test_assert_error(matter_tlv_find_context(&r, 1), MATTER_ERROR_TLV_BAD_ELEMENT_TYPE);
}

/* Every prefix of a valid encoding fails, and no byte flip crashes. */
static void
test_truncations_and_flips(void)
{
  uint8_t buf[256];
  size_t len = write_ops(everything, buf, sizeof buf);

  for (size_t cut = 0; cut < len; cut++) {
    g_autofree uint8_t *copy = g_memdup2(buf, cut);

    g_assert_cmpint(matter_tlv_check(copy, cut), !=, MATTER_OK);
    if (cut > 0) /* an empty top level is merely empty */
      g_assert_cmpint(walk(copy, cut), !=, MATTER_OK);
  }
  for (size_t i = 0; i < len; i++) {
    for (unsigned bit = 0; bit < 8; bit++) {
      uint8_t copy[256];

      memcpy(copy, buf, len);
      copy[i] ^= (uint8_t) (1u << bit);
      /* A structurally sound mutation walks cleanly too. */
      if (matter_tlv_check(copy, len) == MATTER_OK)
        md_test_assert_error(walk(copy, len), MATTER_OK);
    }
  }
}

/* ---- Reader behaviour ------------------------------------------------ */

static void
test_top_level_sequence(void)
{
  static const uint8_t seq[] = { 0x04, 0x01, 0x15, 0x24, 0x00, 0x02, 0x18, 0x04, 0x03 };
  MatterTlvReader r;
  uint8_t v;

  matter_tlv_reader_init(&r, seq, sizeof seq);
  md_test_assert_error(matter_tlv_next(&r), MATTER_OK);
  md_test_assert_error(matter_tlv_get_u8(&r, &v), MATTER_OK);
  g_assert_cmpuint(v, ==, 1);
  md_test_assert_error(matter_tlv_next(&r), MATTER_OK); /* the structure, not entered */
  md_test_assert_error(matter_tlv_next(&r), MATTER_OK);
  md_test_assert_error(matter_tlv_get_u8(&r, &v), MATTER_OK);
  g_assert_cmpuint(v, ==, 3);
  md_test_assert_error(matter_tlv_next(&r), MATTER_ERROR_TLV_END);
  md_test_assert_error(matter_tlv_next(&r), MATTER_ERROR_TLV_END);
  md_test_assert_error(matter_tlv_exit(&r), MATTER_ERROR_TLV_UNBALANCED);
  md_test_assert_error(matter_tlv_check(seq, sizeof seq), MATTER_ERROR_TLV_TRAILING);
}

static void
test_exit_skips(void)
{
  /* [ {0 = [1, 2], 1 = {}}, 7 ] entered, left after one element. */
  static const uint8_t data[] = { 0x16, 0x15, 0x36, 0x00, 0x04, 0x01, 0x04, 0x02,
                                  0x18, 0x35, 0x01, 0x18, 0x18, 0x04, 0x07, 0x18 };
  /* The same with a reserved type deep inside the part that is skipped. */
  static const uint8_t bad[] = { 0x16, 0x04, 0x01, 0x15, 0x36, 0x00, 0x1b, 0x18, 0x18, 0x18 };
  MatterTlvReader r;
  uint8_t v;

  matter_tlv_reader_init(&r, data, sizeof data);
  md_test_assert_error(matter_tlv_next(&r), MATTER_OK);
  md_test_assert_error(matter_tlv_enter(&r), MATTER_OK);
  md_test_assert_error(matter_tlv_next(&r), MATTER_OK);
  md_test_assert_error(matter_tlv_enter(&r), MATTER_OK);
  md_test_assert_error(matter_tlv_next(&r), MATTER_OK);
  g_assert_cmpuint(matter_tlv_get_depth(&r), ==, 2);
  md_test_assert_error(matter_tlv_exit(&r), MATTER_OK); /* skips the rest of the structure */
  g_assert_cmpuint(matter_tlv_get_depth(&r), ==, 1);
  md_test_assert_error(matter_tlv_next(&r), MATTER_OK);
  md_test_assert_error(matter_tlv_get_u8(&r, &v), MATTER_OK);
  g_assert_cmpuint(v, ==, 7);
  md_test_assert_error(matter_tlv_next(&r), MATTER_ERROR_TLV_END);
  md_test_assert_error(matter_tlv_exit(&r), MATTER_OK);
  md_test_assert_error(matter_tlv_next(&r), MATTER_ERROR_TLV_END);

  matter_tlv_reader_init(&r, bad, sizeof bad);
  md_test_assert_error(matter_tlv_next(&r), MATTER_OK);
  md_test_assert_error(matter_tlv_enter(&r), MATTER_OK);
  md_test_assert_error(matter_tlv_next(&r), MATTER_OK);
  md_test_assert_error(matter_tlv_exit(&r), MATTER_ERROR_TLV_BAD_ELEMENT_TYPE);
}

static void
test_copy_element(void)
{
  static const uint8_t source[] = { 0x15, 0x35, 0x05, 0x24, 0x00, 0x01, 0x2c, 0x01,
                                    0x01, 'x',  0x18, 0x24, 0x06, 0x02, 0x18 };
  /* {9 = {0 = 1, 1 = "x"}, 10 = 2U} */
  static const uint8_t expected[] = { 0x15, 0x35, 0x09, 0x24, 0x00, 0x01, 0x2c, 0x01,
                                      0x01, 'x',  0x18, 0x24, 0x0a, 0x02, 0x18 };
  MatterTlvReader r;
  MatterTlvWriter w;
  const uint8_t *elem;
  size_t elem_len, len;
  uint8_t buf[64];

  matter_tlv_reader_init(&r, source, sizeof source);
  md_test_assert_error(matter_tlv_next(&r), MATTER_OK);
  md_test_assert_error(matter_tlv_enter(&r), MATTER_OK);
  md_test_assert_error(matter_tlv_find_context(&r, 5), MATTER_OK);
  md_test_assert_error(matter_tlv_get_element(&r, &elem, &elem_len), MATTER_OK);
  g_assert_cmpuint(elem_len, ==, 10);

  matter_tlv_writer_init(&w, buf, sizeof buf);
  md_test_assert_error(matter_tlv_start_structure(&w, matter_tlv_tag_anonymous()), MATTER_OK);
  md_test_assert_error(matter_tlv_put_element(&w, matter_tlv_tag_context(9), elem, elem_len),
                       MATTER_OK);
  md_test_assert_error(matter_tlv_find_context(&r, 6), MATTER_OK);
  md_test_assert_error(matter_tlv_get_element(&r, &elem, &elem_len), MATTER_OK);
  md_test_assert_error(matter_tlv_put_element(&w, matter_tlv_tag_context(10), elem, elem_len),
                       MATTER_OK);
  md_test_assert_error(matter_tlv_end_container(&w), MATTER_OK);
  md_test_assert_error(matter_tlv_writer_finish(&w, &len), MATTER_OK);
  g_assert_cmpmem(buf, len, expected, sizeof expected);

  /* What put_element refuses, and that the refusal sticks. */
  matter_tlv_writer_init(&w, buf, sizeof buf);
  md_test_assert_error(
      matter_tlv_put_element(&w, matter_tlv_tag_anonymous(), source, sizeof source - 1),
      MATTER_ERROR_TRUNCATED);
  md_test_assert_error(matter_tlv_put_null(&w, matter_tlv_tag_anonymous()), MATTER_ERROR_TRUNCATED);
  matter_tlv_writer_init(&w, buf, sizeof buf);
  md_test_assert_error(
      matter_tlv_put_element(&w, matter_tlv_tag_anonymous(), (const uint8_t *) "\x14\x14", 2),
      MATTER_ERROR_TLV_TRAILING);
  matter_tlv_writer_init(&w, buf, sizeof buf);
  md_test_assert_error(
      matter_tlv_put_element(&w, matter_tlv_tag_anonymous(), (const uint8_t *) "\x0c\x01\xff", 3),
      MATTER_ERROR_TLV_BAD_UTF8);
  matter_tlv_writer_init(&w, buf, sizeof buf);
  md_test_assert_error(matter_tlv_start_array(&w, matter_tlv_tag_anonymous()), MATTER_OK);
  md_test_assert_error(
      matter_tlv_put_element(&w, matter_tlv_tag_context(1), (const uint8_t *) "\x14", 1),
      MATTER_ERROR_TLV_BAD_TAG);
  matter_tlv_writer_init(&w, buf, 2);
  md_test_assert_error(
      matter_tlv_put_element(&w, matter_tlv_tag_context(1), (const uint8_t *) "\x04\x01", 2),
      MATTER_ERROR_BUFFER_TOO_SMALL);
}

/* ---- Writer checks --------------------------------------------------- */

static void
test_writer_balance(void)
{
  MatterTlvWriter w;
  uint8_t buf[16];
  size_t len = 99;

  matter_tlv_writer_init(&w, buf, sizeof buf);
  md_test_assert_error(matter_tlv_end_container(&w), MATTER_ERROR_TLV_UNBALANCED);
  md_test_assert_error(matter_tlv_writer_finish(&w, &len), MATTER_ERROR_TLV_UNBALANCED);

  matter_tlv_writer_init(&w, buf, sizeof buf);
  md_test_assert_error(matter_tlv_start_list(&w, matter_tlv_tag_anonymous()), MATTER_OK);
  md_test_assert_error(matter_tlv_start_array(&w, matter_tlv_tag_context(1)), MATTER_OK);
  md_test_assert_error(matter_tlv_end_container(&w), MATTER_OK);
  md_test_assert_error(matter_tlv_writer_finish(&w, &len), MATTER_ERROR_TLV_UNBALANCED);
  g_assert_cmpuint(len, ==, 99);
  md_test_assert_error(matter_tlv_end_container(&w), MATTER_OK);
  md_test_assert_error(matter_tlv_writer_finish(&w, &len), MATTER_OK);
  g_assert_cmpmem(buf, len, "\x17\x36\x01\x18\x18", 5);
  md_test_assert_error(matter_tlv_end_container(&w), MATTER_ERROR_TLV_UNBALANCED);
}

static void
test_writer_tag_position(void)
{
  MatterTlvWriter w;
  uint8_t buf[16];
  MatterTlvTag bad_context = { MATTER_TLV_TAG_CONTEXT, 0, 0, 256 };

  matter_tlv_writer_init(&w, buf, sizeof buf);
  md_test_assert_error(matter_tlv_start_array(&w, matter_tlv_tag_anonymous()), MATTER_OK);
  md_test_assert_error(matter_tlv_put_bool(&w, matter_tlv_tag_context(0), true),
                       MATTER_ERROR_TLV_BAD_TAG);

  matter_tlv_writer_init(&w, buf, sizeof buf);
  md_test_assert_error(matter_tlv_start_structure(&w, matter_tlv_tag_anonymous()), MATTER_OK);
  md_test_assert_error(matter_tlv_start_list(&w, matter_tlv_tag_anonymous()),
                       MATTER_ERROR_TLV_BAD_TAG);

  matter_tlv_writer_init(&w, buf, sizeof buf);
  md_test_assert_error(matter_tlv_put_null(&w, bad_context), MATTER_ERROR_INVALID_ARGUMENT);

  /* A list takes any tag, the top level too. */
  matter_tlv_writer_init(&w, buf, sizeof buf);
  md_test_assert_error(matter_tlv_put_null(&w, matter_tlv_tag_context(3)), MATTER_OK);
  md_test_assert_error(matter_tlv_start_list(&w, matter_tlv_tag_anonymous()), MATTER_OK);
  md_test_assert_error(matter_tlv_put_null(&w, matter_tlv_tag_anonymous()), MATTER_OK);
  md_test_assert_error(matter_tlv_put_null(&w, matter_tlv_tag_implicit(1)), MATTER_OK);
  md_test_assert_error(matter_tlv_end_container(&w), MATTER_OK);
}

static void
test_writer_too_small(void)
{
  uint8_t full[256];
  size_t need = write_ops(everything, full, sizeof full);

  /* Every smaller buffer fails once, and stays failed, at the end. */
  for (size_t size = 0; size < need; size++) {
    g_autofree uint8_t *buf = g_malloc(size + 1);
    MatterTlvWriter w;
    size_t len;

    matter_tlv_writer_init(&w, size > 0 ? buf : NULL, size);
    for (const Op *op = everything; op->kind != OP_NONE; op++)
      write_op(&w, op);
    md_test_assert_error(matter_tlv_writer_finish(&w, &len), MATTER_ERROR_BUFFER_TOO_SMALL);
    md_test_assert_error(matter_tlv_put_null(&w, matter_tlv_tag_anonymous()),
                         MATTER_ERROR_BUFFER_TOO_SMALL);
  }
}

static void
test_writer_rejects_bad_utf8(void)
{
  MatterTlvWriter w;
  uint8_t buf[16];
  size_t len;

  matter_tlv_writer_init(&w, buf, sizeof buf);
  md_test_assert_error(matter_tlv_put_utf8(&w, matter_tlv_tag_anonymous(), "a\0b", 3),
                       MATTER_ERROR_TLV_BAD_UTF8);
  md_test_assert_error(matter_tlv_writer_finish(&w, &len), MATTER_ERROR_TLV_BAD_UTF8);

  matter_tlv_writer_init(&w, buf, sizeof buf);
  md_test_assert_error(matter_tlv_put_string(&w, matter_tlv_tag_anonymous(), "ok"), MATTER_OK);
  md_test_assert_error(matter_tlv_put_utf8(&w, matter_tlv_tag_anonymous(), NULL, 0), MATTER_OK);
  md_test_assert_error(matter_tlv_put_bytes(&w, matter_tlv_tag_anonymous(), NULL, 0), MATTER_OK);
  md_test_assert_error(matter_tlv_writer_finish(&w, &len), MATTER_OK);
  g_assert_cmpmem(buf, len, "\x0c\x02ok\x0c\x00\x10\x00", 8);
}

/* ---- Depth ----------------------------------------------------------- */

/* @depth nested anonymous arrays. */
static size_t
nested_arrays(uint8_t *buf, unsigned depth)
{
  memset(buf, 0x16, depth);
  memset(buf + depth, 0x18, depth);
  return 2 * (size_t) depth;
}

static void
test_depth_limit(void)
{
  uint8_t buf[2 * (MATTER_TLV_MAX_DEPTH + 1)];
  MatterTlvReader r;
  MatterTlvWriter w;
  size_t len;

  len = nested_arrays(buf, MATTER_TLV_MAX_DEPTH);
  md_test_assert_error(matter_tlv_check(buf, len), MATTER_OK);
  md_test_assert_error(walk(buf, len), MATTER_OK);
  matter_tlv_reader_init(&r, buf, len);
  md_test_assert_error(matter_tlv_next(&r), MATTER_OK);
  md_test_assert_error(matter_tlv_next(&r), MATTER_ERROR_TLV_END);

  len = nested_arrays(buf, MATTER_TLV_MAX_DEPTH + 1);
  md_test_assert_error(matter_tlv_check(buf, len), MATTER_ERROR_TLV_TOO_DEEP);
  md_test_assert_error(walk(buf, len), MATTER_ERROR_TLV_TOO_DEEP);
  /* Skipping without entering hits the same limit. */
  matter_tlv_reader_init(&r, buf, len);
  md_test_assert_error(matter_tlv_next(&r), MATTER_OK);
  md_test_assert_error(matter_tlv_next(&r), MATTER_ERROR_TLV_TOO_DEEP);
  /* Entering all the way fails at the last one. */
  matter_tlv_reader_init(&r, buf, len);
  for (unsigned i = 0; i < MATTER_TLV_MAX_DEPTH; i++) {
    md_test_assert_error(matter_tlv_next(&r), MATTER_OK);
    md_test_assert_error(matter_tlv_enter(&r), MATTER_OK);
  }
  md_test_assert_error(matter_tlv_next(&r), MATTER_OK);
  md_test_assert_error(matter_tlv_enter(&r), MATTER_ERROR_TLV_TOO_DEEP);

  /* The writer has the same limit, for its own containers and copies. */
  matter_tlv_writer_init(&w, buf, sizeof buf);
  for (unsigned i = 0; i < MATTER_TLV_MAX_DEPTH; i++)
    md_test_assert_error(matter_tlv_start_array(&w, matter_tlv_tag_anonymous()), MATTER_OK);
  md_test_assert_error(matter_tlv_start_array(&w, matter_tlv_tag_anonymous()),
                       MATTER_ERROR_TLV_TOO_DEEP);

  matter_tlv_writer_init(&w, buf, sizeof buf);
  md_test_assert_error(matter_tlv_start_array(&w, matter_tlv_tag_anonymous()), MATTER_OK);
  {
    uint8_t inner[2 * MATTER_TLV_MAX_DEPTH];
    size_t inner_len = nested_arrays(inner, MATTER_TLV_MAX_DEPTH);

    md_test_assert_error(matter_tlv_put_element(&w, matter_tlv_tag_anonymous(), inner, inner_len),
                         MATTER_ERROR_TLV_TOO_DEEP);
  }
}

static void
test_deep_skip_is_bounded(void)
{
  /* A long run of sibling containers is walked without any recursion. */
  size_t n = 100000;
  g_autofree uint8_t *buf = g_malloc(2 * n + 2);

  buf[0] = 0x17;
  for (size_t i = 0; i < n; i++) {
    buf[1 + 2 * i] = 0x16;
    buf[2 + 2 * i] = 0x18;
  }
  buf[2 * n + 1] = 0x18;
  md_test_assert_error(matter_tlv_check(buf, 2 * n + 2), MATTER_OK);
  md_test_assert_error(walk(buf, 2 * n + 2), MATTER_OK);
}

/* ---- UTF-8 ----------------------------------------------------------- */

static void
test_utf8(void)
{
  static const struct {
    const char *bytes;
    size_t len;
    bool valid;
  } cases[] = {
    { B(""), true },
    { B("a"), true },
    { B("\x7f"), true },
    { B("Tsch\xc3\xbcs"), true },
    { B("\xc2\x80"), true },         /* U+0080 */
    { B("\xdf\xbf"), true },         /* U+07FF */
    { B("\xe0\xa0\x80"), true },     /* U+0800 */
    { B("\xed\x9f\xbf"), true },     /* U+D7FF */
    { B("\xee\x80\x80"), true },     /* U+E000 */
    { B("\xef\xbf\xbf"), true },     /* U+FFFF */
    { B("\xf0\x90\x80\x80"), true }, /* U+10000 */
    { B("\xf4\x8f\xbf\xbf"), true }, /* U+10FFFF */
    { B("\x00"), false },            /* embedded NUL: refused by design */
    { B("a\x00"), false },
    { B("\x80"), false }, /* lone continuation */
    { B("\xbf"), false },
    { B("\xc0\x80"), false }, /* overlong U+0000 */
    { B("\xc1\xbf"), false }, /* overlong U+007F */
    { B("\xe0\x80\x80"), false },
    { B("\xe0\x9f\xbf"), false }, /* overlong U+07FF */
    { B("\xed\xa0\x80"), false }, /* U+D800 */
    { B("\xed\xbf\xbf"), false }, /* U+DFFF */
    { B("\xf0\x80\x80\x80"), false },
    { B("\xf0\x8f\xbf\xbf"), false }, /* overlong U+FFFF */
    { B("\xf4\x90\x80\x80"), false }, /* U+110000 */
    { B("\xf5\x80\x80\x80"), false },
    { B("\xff"), false },
    { B("\xc3"), false }, /* truncated */
    { B("\xe2\x82"), false },
    { B("\xf0\x90\x80"), false },
    { B("\xc3\x28"), false }, /* bad continuation */
    { B("\xe2\x28\xa1"), false },
    { B("\xe2\x82\x28"), false },
    { B("\xf0\x90\x28\xbc"), false },
  };

  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    uint8_t buf[16];
    MatterTlvReader r;
    const char *str;
    size_t len;

    g_test_message("case %zu", i);
    g_assert_cmpint(matter_tlv_utf8_valid((const uint8_t *) cases[i].bytes, cases[i].len), ==,
                    cases[i].valid);
    /* The same answer when the reader gets it as a UTF-8 string. */
    buf[0] = 0x0c;
    buf[1] = (uint8_t) cases[i].len;
    memcpy(buf + 2, cases[i].bytes, cases[i].len);
    load(&r, buf, cases[i].len + 2);
    if (cases[i].valid)
      md_test_assert_error(matter_tlv_get_utf8(&r, &str, &len), MATTER_OK);
    else
      md_test_assert_error(matter_tlv_get_utf8(&r, &str, &len), MATTER_ERROR_TLV_BAD_UTF8);
  }
}

/* ---- Context-tag helpers --------------------------------------------- */

/* {0 = 5U, 1 = 0x1234U, 2 = "label", 3 = h'0102', 4 = true, 5 = {0 = 1U},
 *  6 = -1, 7 = null, 8 = [], 9 = 4000000000U} */
static const Op fields[] = {
  STRUCT(ANON),
  UINT(CTX(0), 5),
  UINT(CTX(1), 0x1234),
  UTF8(CTX(2), "label"),
  BYTES(CTX(3), "\x01\x02"),
  BOOL(CTX(4), 1),
  STRUCT(CTX(5)),
  UINT(CTX(0), 1),
  END,
  INT(CTX(6), -1),
  NUL(CTX(7)),
  ARRAY(CTX(8)),
  END,
  UINT(CTX(9), 4000000000u),
  END,
  { 0 },
};

static void
test_context_helpers(void)
{
  uint8_t buf[128];
  size_t len = write_ops(fields, buf, sizeof buf);
  MatterTlvReader r;
  uint8_t u8;
  uint16_t u16;
  uint32_t u32;
  uint64_t u64;
  int8_t i8;
  int16_t i16;
  int32_t i32;
  int64_t i64;
  bool b;
  const uint8_t *data;
  const char *str;
  size_t n;

  matter_tlv_reader_init(&r, buf, len);
  md_test_assert_error(matter_tlv_next(&r), MATTER_OK);
  md_test_assert_error(matter_tlv_enter(&r), MATTER_OK);

  /* Any order. */
  md_test_assert_error(matter_tlv_get_context_u32(&r, 9, &u32), MATTER_OK);
  g_assert_cmpuint(u32, ==, 4000000000u);
  md_test_assert_error(matter_tlv_get_context_u16(&r, 1, &u16), MATTER_OK);
  g_assert_cmphex(u16, ==, 0x1234);
  md_test_assert_error(matter_tlv_get_context_u8(&r, 0, &u8), MATTER_OK);
  g_assert_cmpuint(u8, ==, 5);
  md_test_assert_error(matter_tlv_get_context_u64(&r, 0, &u64), MATTER_OK);
  g_assert_cmpuint(u64, ==, 5);
  md_test_assert_error(matter_tlv_get_context_i8(&r, 6, &i8), MATTER_OK);
  g_assert_cmpint(i8, ==, -1);
  md_test_assert_error(matter_tlv_get_context_i16(&r, 6, &i16), MATTER_OK);
  md_test_assert_error(matter_tlv_get_context_i32(&r, 1, &i32), MATTER_OK);
  g_assert_cmpint(i32, ==, 0x1234);
  md_test_assert_error(matter_tlv_get_context_i64(&r, 9, &i64), MATTER_OK);
  g_assert_cmpint(i64, ==, 4000000000);
  md_test_assert_error(matter_tlv_get_context_bool(&r, 4, &b), MATTER_OK);
  g_assert_true(b);
  md_test_assert_error(matter_tlv_get_context_bytes(&r, 3, &data, &n), MATTER_OK);
  g_assert_cmpmem(data, n, "\x01\x02", 2);
  md_test_assert_error(matter_tlv_get_context_utf8(&r, 2, &str, &n), MATTER_OK);
  g_assert_cmpmem(str, n, "label", 5);
  md_test_assert_error(matter_tlv_find_context(&r, 7), MATTER_OK);
  md_test_assert_error(matter_tlv_get_null(&r), MATTER_OK);

  /* Errors: missing, wrong type, out of range. */
  md_test_assert_error(matter_tlv_get_context_u8(&r, 10, &u8), MATTER_ERROR_TLV_NOT_FOUND);
  md_test_assert_error(matter_tlv_get_context_u8(&r, 2, &u8), MATTER_ERROR_TLV_WRONG_TYPE);
  md_test_assert_error(matter_tlv_get_context_u8(&r, 1, &u8), MATTER_ERROR_TLV_OUT_OF_RANGE);
  md_test_assert_error(matter_tlv_get_context_u32(&r, 6, &u32), MATTER_ERROR_TLV_OUT_OF_RANGE);
  md_test_assert_error(matter_tlv_get_context_i16(&r, 9, &i16), MATTER_ERROR_TLV_OUT_OF_RANGE);
  md_test_assert_error(matter_tlv_get_context_bool(&r, 7, &b), MATTER_ERROR_TLV_WRONG_TYPE);
  md_test_assert_error(matter_tlv_enter_context(&r, 8, MATTER_TLV_TYPE_STRUCTURE),
                       MATTER_ERROR_TLV_WRONG_TYPE);
  md_test_assert_error(matter_tlv_enter_context(&r, 0, MATTER_TLV_TYPE_UNSIGNED),
                       MATTER_ERROR_TLV_WRONG_TYPE);

  /* The nested structure: its own tag 0 is not the outer one. */
  md_test_assert_error(matter_tlv_enter_context(&r, 5, MATTER_TLV_TYPE_STRUCTURE), MATTER_OK);
  md_test_assert_error(matter_tlv_get_context_u8(&r, 0, &u8), MATTER_OK);
  g_assert_cmpuint(u8, ==, 1);
  md_test_assert_error(matter_tlv_find_context(&r, 1), MATTER_ERROR_TLV_NOT_FOUND);
  md_test_assert_error(matter_tlv_exit(&r), MATTER_OK);
  /* Reading goes on after the nested structure. */
  md_test_assert_error(matter_tlv_next(&r), MATTER_OK);
  g_assert_true(matter_tlv_tag_is_context(matter_tlv_get_tag(&r), 6));

  md_test_assert_error(matter_tlv_enter_context(&r, 8, MATTER_TLV_TYPE_ARRAY), MATTER_OK);
  md_test_assert_error(matter_tlv_next(&r), MATTER_ERROR_TLV_END);
  md_test_assert_error(matter_tlv_exit(&r), MATTER_OK);
  md_test_assert_error(matter_tlv_exit(&r), MATTER_OK);
  md_test_assert_error(matter_tlv_next(&r), MATTER_ERROR_TLV_END);
}

static void
test_context_duplicates(void)
{
  /* {1 = 1, 2 = 2, 1 = 3}: ambiguous, refused whichever field is asked for. */
  static const uint8_t dup[] = { 0x15, 0x24, 0x01, 0x01, 0x24, 0x02, 0x02, 0x24, 0x01, 0x03, 0x18 };
  /* The same as a list: the first match wins. */
  static const uint8_t list[] = { 0x17, 0x24, 0x01, 0x01, 0x04, 0x09, 0x24, 0x01, 0x03, 0x18 };
  MatterTlvReader r;
  uint8_t v;

  matter_tlv_reader_init(&r, dup, sizeof dup);
  md_test_assert_error(matter_tlv_next(&r), MATTER_OK);
  md_test_assert_error(matter_tlv_enter(&r), MATTER_OK);
  md_test_assert_error(matter_tlv_get_context_u8(&r, 1, &v), MATTER_ERROR_TLV_BAD_TAG);
  matter_tlv_reader_init(&r, dup, sizeof dup);
  md_test_assert_error(matter_tlv_next(&r), MATTER_OK);
  md_test_assert_error(matter_tlv_enter(&r), MATTER_OK);
  md_test_assert_error(matter_tlv_get_context_u8(&r, 2, &v), MATTER_ERROR_TLV_BAD_TAG);

  matter_tlv_reader_init(&r, list, sizeof list);
  md_test_assert_error(matter_tlv_next(&r), MATTER_OK);
  md_test_assert_error(matter_tlv_enter(&r), MATTER_OK);
  md_test_assert_error(matter_tlv_get_context_u8(&r, 1, &v), MATTER_OK);
  g_assert_cmpuint(v, ==, 1);
  md_test_assert_error(matter_tlv_next(&r), MATTER_OK);
  md_test_assert_error(matter_tlv_get_u8(&r, &v), MATTER_OK);
  g_assert_cmpuint(v, ==, 9);
}

static void
test_context_malformed(void)
{
  /* A field past a malformed one is not reported missing. */
  static const uint8_t bad[] = { 0x15, 0x24, 0x01, 0x01, 0x3f, 0x24, 0x02, 0x02, 0x18 };
  MatterTlvReader r;
  uint8_t v;

  matter_tlv_reader_init(&r, bad, sizeof bad);
  md_test_assert_error(matter_tlv_next(&r), MATTER_OK);
  md_test_assert_error(matter_tlv_enter(&r), MATTER_OK);
  md_test_assert_error(matter_tlv_get_context_u8(&r, 2, &v), MATTER_ERROR_TLV_BAD_ELEMENT_TYPE);
}

/* The opening of every Matter message body: one anonymous structure. */
static void
test_enter_top_structure(void)
{
  static const struct {
    const char *name;
    guint8 bytes[8];
    gsize len;
    MatterError want;
  } cases[] = {
    { "anonymous structure", { 0x15, 0x24, 0x01, 0x2a, 0x18 }, 5, MATTER_OK },
    { "empty structure", { 0x15, 0x18 }, 2, MATTER_OK },
    { "array", { 0x16, 0x18 }, 2, MATTER_ERROR_BAD_STATE },
    { "context-tagged structure", { 0x35, 0x01, 0x18 }, 3, MATTER_ERROR_AUTH_FAILED },
    { "trailing byte", { 0x15, 0x18, 0x00 }, 3, MATTER_ERROR_TLV_TRAILING },
    { "unterminated", { 0x15, 0x24, 0x01, 0x2a }, 4, MATTER_ERROR_TRUNCATED },
    { "empty input", { 0 }, 0, MATTER_ERROR_TRUNCATED },
  };

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    MatterTlvReader reader;

    g_test_message("%s", cases[i].name);
    /* Distinct caller codes show which check refused the input. */
    md_test_assert_error(matter_tlv_enter_top_structure(&reader, cases[i].bytes, cases[i].len,
                                                        MATTER_ERROR_BAD_STATE,
                                                        MATTER_ERROR_AUTH_FAILED),
                         cases[i].want);
    if (cases[i].want == MATTER_OK)
      g_assert_cmpuint(matter_tlv_get_depth(&reader), ==, 1);
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  g_test_add_func("/tlv/spec-vectors", test_spec_vectors);
  g_test_add_func("/tlv/roundtrip/unsigned-widths", test_unsigned_widths);
  g_test_add_func("/tlv/roundtrip/signed-widths", test_signed_widths);
  g_test_add_func("/tlv/roundtrip/string-widths", test_string_widths);
  g_test_add_func("/tlv/roundtrip/tag-forms", test_tag_forms);
  g_test_add_func("/tlv/roundtrip/wide-tag", test_wide_tag_read);
  g_test_add_func("/tlv/roundtrip/float-bits", test_float_bits);
  g_test_add_func("/tlv/roundtrip/everything", test_everything);
  g_test_add_func("/tlv/getters/integer-conversions", test_integer_conversions);
  g_test_add_func("/tlv/getters/wrong-type", test_wrong_type);
  g_test_add_func("/tlv/getters/string", test_get_string);
  g_test_add_func("/tlv/malformed/table", test_malformed);
  g_test_add_func("/tlv/malformed/errors-stick", test_errors_stick);
  g_test_add_func("/tlv/malformed/truncations-and-flips", test_truncations_and_flips);
  g_test_add_func("/tlv/reader/top-level-sequence", test_top_level_sequence);
  g_test_add_func("/tlv/reader/exit-skips", test_exit_skips);
  g_test_add_func("/tlv/reader/copy-element", test_copy_element);
  g_test_add_func("/tlv/writer/balance", test_writer_balance);
  g_test_add_func("/tlv/writer/tag-position", test_writer_tag_position);
  g_test_add_func("/tlv/writer/too-small", test_writer_too_small);
  g_test_add_func("/tlv/writer/bad-utf8", test_writer_rejects_bad_utf8);
  g_test_add_func("/tlv/depth/limit", test_depth_limit);
  g_test_add_func("/tlv/depth/long-runs", test_deep_skip_is_bounded);
  g_test_add_func("/tlv/utf8", test_utf8);
  g_test_add_func("/tlv/context/helpers", test_context_helpers);
  g_test_add_func("/tlv/context/duplicates", test_context_duplicates);
  g_test_add_func("/tlv/context/malformed", test_context_malformed);
  g_test_add_func("/tlv/enter-top-structure", test_enter_top_structure);

  return g_test_run();
}
