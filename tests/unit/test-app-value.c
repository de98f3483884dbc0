/* SPDX-License-Identifier: Apache-2.0 */
/* Values of application clusters between TLV and GVariant (app-value.h)
 * on types of this file's own: the signature of every kind, decoding and
 * encoding both ways with byte-identical round trips, the range of every
 * integer width with and without null (min, max, one past, the null
 * each nullable width takes as its value),
 * constraints, enums, bitmaps, strings and lists with their lengths,
 * structs with optional, nullable and unknown fields, the statuses of
 * each failure, and the messages of md_app_value_check(). */

#include <glib.h>
#include <math.h>
#include <string.h>

#include "app-value.h"
#include "md-error.h"

/* ---- Types ---------------------------------------------------------- */

#define UINT_TYPE(n, b)                       \
  {                                           \
    .kind = MD_APP_UINT, .name = n, .bits = b \
  }
#define INT_TYPE(n, b)                       \
  {                                          \
    .kind = MD_APP_INT, .name = n, .bits = b \
  }

static const MdAppType t_bool = { .kind = MD_APP_BOOL, .name = "bool" };
static const MdAppType t_u8 = UINT_TYPE("uint8", 8);
static const MdAppType t_u16 = UINT_TYPE("uint16", 16);
static const MdAppType t_u24 = UINT_TYPE("uint24", 24);
static const MdAppType t_u32 = UINT_TYPE("uint32", 32);
static const MdAppType t_u40 = UINT_TYPE("uint40", 40);
static const MdAppType t_u64 = UINT_TYPE("uint64", 64);
static const MdAppType t_i8 = INT_TYPE("int8", 8);
static const MdAppType t_i16 = INT_TYPE("int16", 16);
static const MdAppType t_i24 = INT_TYPE("int24", 24);
static const MdAppType t_i32 = INT_TYPE("int32", 32);
static const MdAppType t_i56 = INT_TYPE("int56", 56);
static const MdAppType t_i64 = INT_TYPE("int64", 64);
static const guint64 mode_values[] = { 0, 1, 2, 5 };
static const MdAppType t_enum = { .kind = MD_APP_UINT,
                                  .name = "MoveModeEnum",
                                  .bits = 8,
                                  .enum_values = mode_values,
                                  .enum_count = G_N_ELEMENTS(mode_values) };
static const MdAppType t_bitmap = { .kind = MD_APP_UINT,
                                    .name = "OptionsBitmap",
                                    .bits = 8,
                                    .bitmap_bits = 0x05 };
static const MdAppType t_bitmap32 = { .kind = MD_APP_UINT,
                                      .name = "Feature",
                                      .bits = 32,
                                      .bitmap_bits = 0x80000001 };
static const MdAppType t_level = { .kind = MD_APP_UINT,
                                   .name = "uint8",
                                   .bits = 8,
                                   .has_min = TRUE,
                                   .umin = 1,
                                   .has_max = TRUE,
                                   .umax = 254 };
static const MdAppType t_temperature = { .kind = MD_APP_INT,
                                         .name = "temperature",
                                         .bits = 16,
                                         .has_min = TRUE,
                                         .min = -27315,
                                         .has_max = TRUE,
                                         .max = 32767 };
static const MdAppType t_single = { .kind = MD_APP_SINGLE, .name = "single" };
static const MdAppType t_single_range = { .kind = MD_APP_SINGLE,
                                          .name = "single",
                                          .has_min = TRUE,
                                          .min = -10,
                                          .has_max = TRUE,
                                          .max = 10 };
static const MdAppType t_double = { .kind = MD_APP_DOUBLE, .name = "double" };
static const MdAppType t_string = { .kind = MD_APP_STRING, .name = "char_string", .max_length = 8 };
static const MdAppType t_octets = { .kind = MD_APP_OCTETS,
                                    .name = "octet_string",
                                    .min_length = 1,
                                    .max_length = 4 };
static const MdAppType t_list = { .kind = MD_APP_LIST,
                                  .name = "list",
                                  .element = &t_u16,
                                  .max_length = 3 };
static const MdAppType t_string_list = { .kind = MD_APP_LIST,
                                         .name = "list",
                                         .element = &t_string,
                                         .min_length = 1 };

/* A struct: a mandatory uint8, an optional string, a nullable int16, an
 * optional nullable uint16 (ids 0, 1, 3, 5: not contiguous). */
static const MdAppField point_fields[] = {
  { "Level", 0, &t_level, 0 },
  { "Label", 1, &t_string, MD_APP_OPTIONAL },
  { "Offset", 3, &t_i16, MD_APP_NULLABLE },
  { "Time", 5, &t_u16, MD_APP_OPTIONAL | MD_APP_NULLABLE },
};
static const MdAppType t_point = { .kind = MD_APP_STRUCT,
                                   .name = "PointStruct",
                                   .fields = point_fields,
                                   .field_count = G_N_ELEMENTS(point_fields) };
static const MdAppType t_point_list = { .kind = MD_APP_LIST,
                                        .name = "list",
                                        .element = &t_point,
                                        .max_length = 4 };
/* A struct holding a list of structs. */
static const MdAppField path_fields[] = {
  { "Points", 0, &t_point_list, 0 },
  { "Mode", 1, &t_enum, MD_APP_OPTIONAL },
};
static const MdAppType t_path = { .kind = MD_APP_STRUCT,
                                  .name = "PathStruct",
                                  .fields = path_fields,
                                  .field_count = G_N_ELEMENTS(path_fields) };

/* ---- Helpers -------------------------------------------------------- */

typedef struct {
  uint8_t buf[512];
  MatterTlvWriter w;
} Tlv;

static void
tlv_init(Tlv *t)
{
  matter_tlv_writer_init(&t->w, t->buf, sizeof t->buf);
}

static size_t
tlv_len(const Tlv *t)
{
  size_t len;
  g_assert_cmpint(matter_tlv_writer_finish(&t->w, &len), ==, MATTER_OK);
  return len;
}

static MatterTlvTag
anon(void)
{
  return matter_tlv_tag_anonymous();
}

static MatterTlvTag
ctx(uint8_t n)
{
  return matter_tlv_tag_context(n);
}

/* Decodes the one element of @buf. */
static MatterImStatus
decode(const MdAppType *type, guint8 flags, const uint8_t *buf, size_t len, GVariant **value)
{
  MatterTlvReader r;
  matter_tlv_reader_init(&r, buf, len);
  g_assert_cmpint(matter_tlv_next(&r), ==, MATTER_OK);
  *value = NULL;
  MatterImStatus status = md_app_value_from_tlv(type, flags, &r, value);
  g_assert_true((status == MATTER_IM_STATUS_SUCCESS) == (*value != NULL));
  if (*value)
    g_assert_false(g_variant_is_floating(*value));
  return status;
}

static MatterImStatus
decode_tlv(const MdAppType *type, guint8 flags, Tlv *t)
{
  g_autoptr(GVariant) v = NULL;
  return decode(type, flags, t->buf, tlv_len(t), &v);
}

static MatterImStatus
decode_uint(const MdAppType *type, guint8 flags, guint64 n)
{
  Tlv t;
  tlv_init(&t);
  matter_tlv_put_uint(&t.w, anon(), n);
  return decode_tlv(type, flags, &t);
}

static MatterImStatus
decode_int(const MdAppType *type, guint8 flags, gint64 n)
{
  Tlv t;
  tlv_init(&t);
  matter_tlv_put_int(&t.w, anon(), n);
  return decode_tlv(type, flags, &t);
}

static GVariant *
parse(const MdAppType *type, guint8 flags, const char *text)
{
  g_autofree char *sig = md_app_value_signature(type, flags);
  g_autoptr(GError) error = NULL;
  GVariant *v = g_variant_parse(G_VARIANT_TYPE(sig), text, NULL, NULL, &error);
  g_assert_no_error(error);
  return g_variant_ref_sink(v);
}

static void
assert_value(const MdAppType *type, guint8 flags, GVariant *value, const char *text)
{
  g_autoptr(GVariant) expected = parse(type, flags, text);
  g_autofree char *printed = g_variant_print(value, TRUE);
  g_autofree char *printed_expected = g_variant_print(expected, TRUE);
  g_assert_cmpstr(printed, ==, printed_expected);
}

/* @t decodes to @text, which checks, and encodes back to the same bytes. */
static void
assert_round_trip(const MdAppType *type, guint8 flags, Tlv *t, const char *text)
{
  size_t len = tlv_len(t);
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GError) error = NULL;
  uint8_t out[512];
  MatterTlvWriter w;
  size_t out_len;

  g_assert_cmpint(decode(type, flags, t->buf, len, &value), ==, MATTER_IM_STATUS_SUCCESS);
  assert_value(type, flags, value, text);
  g_assert_true(md_app_value_check(type, flags, value, "T.V", &error));
  g_assert_no_error(error);

  matter_tlv_writer_init(&w, out, sizeof out);
  g_assert_cmpint(md_app_value_to_tlv(type, flags, value, &w, anon()), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_writer_finish(&w, &out_len), ==, MATTER_OK);
  g_assert_cmpmem(out, out_len, t->buf, len);
}

/* md_app_value_check() of @text refuses it with a message containing
 * @needle. */
static void
assert_refused(const MdAppType *type, guint8 flags, GVariant *value, const char *needle)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) v = g_variant_ref_sink(value);

  g_assert_false(md_app_value_check(type, flags, v, "Cluster.Attr", &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT);
  if (!strstr(error->message, needle))
    g_error("message '%s' lacks '%s'", error->message, needle);
  g_assert_true(g_str_has_prefix(error->message, "Cluster.Attr"));
}

static void
assert_accepted(const MdAppType *type, guint8 flags, GVariant *value)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) v = g_variant_ref_sink(value);

  g_assert_true(md_app_value_check(type, flags, v, "Cluster.Attr", &error));
  g_assert_no_error(error);
}

/* ---- Tests ---------------------------------------------------------- */

static void
assert_signature(const MdAppType *type, guint8 flags, const char *expected)
{
  g_autofree char *sig = md_app_value_signature(type, flags);
  g_assert_cmpstr(sig, ==, expected);
}

static void
test_signatures(void)
{
  assert_signature(&t_bool, 0, "b");
  assert_signature(&t_u8, 0, "y");
  assert_signature(&t_enum, 0, "y");
  assert_signature(&t_bitmap, 0, "y");
  assert_signature(&t_u16, 0, "q");
  assert_signature(&t_u24, 0, "u");
  assert_signature(&t_u32, 0, "u");
  assert_signature(&t_bitmap32, 0, "u");
  assert_signature(&t_u40, 0, "t");
  assert_signature(&t_u64, 0, "t");
  assert_signature(&t_i8, 0, "n");
  assert_signature(&t_i16, 0, "n");
  assert_signature(&t_i24, 0, "i");
  assert_signature(&t_i32, 0, "i");
  assert_signature(&t_i56, 0, "x");
  assert_signature(&t_i64, 0, "x");
  assert_signature(&t_single, 0, "d");
  assert_signature(&t_double, 0, "d");
  assert_signature(&t_string, 0, "s");
  assert_signature(&t_octets, 0, "ay");
  /* A nullable integer keeps its width's type; any other nullable value
   * is an array of zero or one element, as an optional one is. */
  assert_signature(&t_u8, MD_APP_NULLABLE, "y");
  assert_signature(&t_enum, MD_APP_NULLABLE, "y");
  assert_signature(&t_bitmap, MD_APP_NULLABLE, "y");
  assert_signature(&t_u16, MD_APP_NULLABLE, "q");
  assert_signature(&t_u24, MD_APP_NULLABLE, "u");
  assert_signature(&t_bitmap32, MD_APP_NULLABLE, "u");
  assert_signature(&t_u40, MD_APP_NULLABLE, "t");
  assert_signature(&t_i8, MD_APP_NULLABLE, "n");
  assert_signature(&t_i16, MD_APP_NULLABLE, "n");
  assert_signature(&t_i24, MD_APP_NULLABLE, "i");
  assert_signature(&t_i64, MD_APP_NULLABLE, "x");
  assert_signature(&t_bool, MD_APP_NULLABLE, "ab");
  assert_signature(&t_single, MD_APP_NULLABLE, "ad");
  assert_signature(&t_double, MD_APP_NULLABLE, "ad");
  assert_signature(&t_string, MD_APP_NULLABLE, "as");
  assert_signature(&t_octets, MD_APP_NULLABLE, "aay");
  assert_signature(&t_u16, MD_APP_OPTIONAL, "aq");
  assert_signature(&t_u16, MD_APP_OPTIONAL | MD_APP_NULLABLE, "aq");
  assert_signature(&t_string, MD_APP_OPTIONAL | MD_APP_NULLABLE, "aas");
  assert_signature(&t_list, 0, "aq");
  assert_signature(&t_list, MD_APP_NULLABLE, "aaq");
  assert_signature(&t_point, 0, "(yasnaq)");
  assert_signature(&t_point, MD_APP_NULLABLE, "a(yasnaq)");
  assert_signature(&t_path, 0, "(a(yasnaq)ay)");

  g_autofree char *fields = md_app_fields_signature(point_fields, G_N_ELEMENTS(point_fields));
  g_assert_cmpstr(fields, ==, "(yasnaq)");
  g_autofree char *none = md_app_fields_signature(NULL, 0);
  g_assert_cmpstr(none, ==, "()");
}

static void
test_scalars(void)
{
  Tlv t;

  tlv_init(&t);
  matter_tlv_put_bool(&t.w, anon(), true);
  assert_round_trip(&t_bool, 0, &t, "true");
  tlv_init(&t);
  matter_tlv_put_bool(&t.w, anon(), false);
  assert_round_trip(&t_bool, 0, &t, "false");

  tlv_init(&t);
  matter_tlv_put_uint(&t.w, anon(), 200);
  assert_round_trip(&t_u8, 0, &t, "byte 200");
  tlv_init(&t);
  matter_tlv_put_uint(&t.w, anon(), 0x1234);
  assert_round_trip(&t_u16, 0, &t, "uint16 0x1234");
  tlv_init(&t);
  matter_tlv_put_uint(&t.w, anon(), 0xabcdef);
  assert_round_trip(&t_u24, 0, &t, "uint32 0xabcdef");
  tlv_init(&t);
  matter_tlv_put_uint(&t.w, anon(), 0xdeadbeef);
  assert_round_trip(&t_u32, 0, &t, "uint32 0xdeadbeef");
  tlv_init(&t);
  matter_tlv_put_uint(&t.w, anon(), G_GUINT64_CONSTANT(0xfedcba9876543210));
  assert_round_trip(&t_u64, 0, &t, "uint64 0xfedcba9876543210");
  tlv_init(&t);
  matter_tlv_put_int(&t.w, anon(), -100);
  assert_round_trip(&t_i8, 0, &t, "int16 -100");
  tlv_init(&t);
  matter_tlv_put_int(&t.w, anon(), -30000);
  assert_round_trip(&t_i16, 0, &t, "int16 -30000");
  tlv_init(&t);
  matter_tlv_put_int(&t.w, anon(), -8000000);
  assert_round_trip(&t_i24, 0, &t, "-8000000");
  tlv_init(&t);
  matter_tlv_put_int(&t.w, anon(), G_MININT32);
  assert_round_trip(&t_i32, 0, &t, "int32 -2147483648");
  tlv_init(&t);
  matter_tlv_put_int(&t.w, anon(), G_MININT64);
  assert_round_trip(&t_i64, 0, &t, "int64 -9223372036854775808");
  tlv_init(&t);
  matter_tlv_put_uint(&t.w, anon(), 5);
  assert_round_trip(&t_enum, 0, &t, "byte 5");
  tlv_init(&t);
  matter_tlv_put_uint(&t.w, anon(), 0x05);
  assert_round_trip(&t_bitmap, 0, &t, "byte 5");
  tlv_init(&t);
  matter_tlv_put_uint(&t.w, anon(), 0x80000001);
  assert_round_trip(&t_bitmap32, 0, &t, "uint32 0x80000001");
  tlv_init(&t);
  matter_tlv_put_float(&t.w, anon(), 21.5f);
  assert_round_trip(&t_single, 0, &t, "21.5");
  tlv_init(&t);
  matter_tlv_put_double(&t.w, anon(), 0.1);
  assert_round_trip(&t_double, 0, &t, "0.1");
  tlv_init(&t);
  matter_tlv_put_string(&t.w, anon(), "Küche");
  assert_round_trip(&t_string, 0, &t, "'Küche'");
  tlv_init(&t);
  matter_tlv_put_string(&t.w, anon(), "");
  assert_round_trip(&t_string, 0, &t, "''");
  tlv_init(&t);
  matter_tlv_put_bytes(&t.w, anon(), (const uint8_t *) "\x00\xff\x10", 3);
  assert_round_trip(&t_octets, 0, &t, "[byte 0x00, 0xff, 0x10]");

  /* With a tag: the caller's. */
  g_autoptr(GVariant) v = g_variant_ref_sink(g_variant_new_uint16(7));
  uint8_t out[8];
  MatterTlvWriter w;
  size_t len;
  matter_tlv_writer_init(&w, out, sizeof out);
  matter_tlv_start_structure(&w, anon());
  g_assert_cmpint(md_app_value_to_tlv(&t_u16, 0, v, &w, ctx(3)), ==, MATTER_OK);
  matter_tlv_end_container(&w);
  g_assert_cmpint(matter_tlv_writer_finish(&w, &len), ==, MATTER_OK);
  g_assert_cmpmem(out, len, "\x15\x24\x03\x07\x18", 5);
}

/* @value (floating, taken) checks and encodes as a TLV null. */
static void
assert_writes_null(const MdAppType *type, guint8 flags, GVariant *value)
{
  g_autoptr(GVariant) v = g_variant_ref_sink(value);
  g_autoptr(GError) error = NULL;
  uint8_t out[16];
  MatterTlvWriter w;
  size_t len;
  Tlv null;

  g_assert_true(md_app_value_check(type, flags, v, "T.V", &error));
  g_assert_no_error(error);
  matter_tlv_writer_init(&w, out, sizeof out);
  g_assert_cmpint(md_app_value_to_tlv(type, flags, v, &w, anon()), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_writer_finish(&w, &len), ==, MATTER_OK);
  tlv_init(&null);
  matter_tlv_put_null(&null.w, anon());
  g_assert_cmpmem(out, len, null.buf, tlv_len(&null));
}

static void
test_nullable(void)
{
  Tlv t;

  /* Null of a nullable integer is the value its nullable range leaves
   * out: all ones of an unsigned width, the most negative of a signed
   * one, in the width's D-Bus type. */
  tlv_init(&t);
  matter_tlv_put_null(&t.w, anon());
  assert_round_trip(&t_u8, MD_APP_NULLABLE, &t, "byte 0xff");
  assert_round_trip(&t_enum, MD_APP_NULLABLE, &t, "byte 0xff");
  assert_round_trip(&t_bitmap, MD_APP_NULLABLE, &t, "byte 0xff");
  assert_round_trip(&t_u16, MD_APP_NULLABLE, &t, "uint16 0xffff");
  assert_round_trip(&t_u24, MD_APP_NULLABLE, &t, "uint32 0xffffff");
  assert_round_trip(&t_u32, MD_APP_NULLABLE, &t, "uint32 0xffffffff");
  assert_round_trip(&t_bitmap32, MD_APP_NULLABLE, &t, "uint32 0xffffffff");
  assert_round_trip(&t_u40, MD_APP_NULLABLE, &t, "uint64 0xffffffffff");
  assert_round_trip(&t_u64, MD_APP_NULLABLE, &t, "uint64 0xffffffffffffffff");
  assert_round_trip(&t_i8, MD_APP_NULLABLE, &t, "int16 -128");
  assert_round_trip(&t_i16, MD_APP_NULLABLE, &t, "int16 -32768");
  assert_round_trip(&t_i24, MD_APP_NULLABLE, &t, "int32 -8388608");
  assert_round_trip(&t_i32, MD_APP_NULLABLE, &t, "int32 -2147483648");
  assert_round_trip(&t_i56, MD_APP_NULLABLE, &t, "int64 -36028797018963968");
  assert_round_trip(&t_i64, MD_APP_NULLABLE, &t, "int64 -9223372036854775808");
  /* The null lies outside constraints and enum values, and is still
   * null. */
  assert_round_trip(&t_level, MD_APP_NULLABLE, &t, "byte 0xff");
  assert_round_trip(&t_temperature, MD_APP_NULLABLE, &t, "int16 -32768");
  /* Any other nullable value: an array of no element. */
  assert_round_trip(&t_bool, MD_APP_NULLABLE, &t, "@ab []");
  assert_round_trip(&t_single, MD_APP_NULLABLE, &t, "@ad []");
  assert_round_trip(&t_double, MD_APP_NULLABLE, &t, "@ad []");
  assert_round_trip(&t_string, MD_APP_NULLABLE, &t, "@as []");
  assert_round_trip(&t_octets, MD_APP_NULLABLE, &t, "@aay []");
  assert_round_trip(&t_list, MD_APP_NULLABLE, &t, "@aaq []");
  assert_round_trip(&t_point, MD_APP_NULLABLE, &t, "@a(yasnaq) []");
  /* Null where it is not allowed is a value of another type. */
  g_assert_cmpint(decode_tlv(&t_u8, 0, &t), ==, MATTER_IM_STATUS_INVALID_DATA_TYPE);
  g_assert_cmpint(decode_tlv(&t_i16, 0, &t), ==, MATTER_IM_STATUS_INVALID_DATA_TYPE);
  g_assert_cmpint(decode_tlv(&t_string, 0, &t), ==, MATTER_IM_STATUS_INVALID_DATA_TYPE);
  g_assert_cmpint(decode_tlv(&t_u8, MD_APP_OPTIONAL, &t), ==, MATTER_IM_STATUS_INVALID_DATA_TYPE);

  tlv_init(&t);
  matter_tlv_put_int(&t.w, anon(), 2150);
  assert_round_trip(&t_i16, MD_APP_NULLABLE, &t, "int16 2150");
  tlv_init(&t);
  matter_tlv_put_uint(&t.w, anon(), 254);
  assert_round_trip(&t_u8, MD_APP_NULLABLE, &t, "byte 254");
  tlv_init(&t);
  matter_tlv_put_string(&t.w, anon(), "x");
  assert_round_trip(&t_string, MD_APP_NULLABLE, &t, "['x']");
  tlv_init(&t);
  matter_tlv_put_bool(&t.w, anon(), false);
  assert_round_trip(&t_bool, MD_APP_NULLABLE, &t, "[false]");

  /* The same number is an ordinary value where null is not allowed: it
   * encodes as itself. */
  tlv_init(&t);
  matter_tlv_put_uint(&t.w, anon(), 0xff);
  assert_round_trip(&t_u8, 0, &t, "byte 0xff");
  tlv_init(&t);
  matter_tlv_put_int(&t.w, anon(), -32768);
  assert_round_trip(&t_i16, 0, &t, "int16 -32768");
  assert_writes_null(&t_u8, MD_APP_NULLABLE, g_variant_new_byte(0xff));
  assert_writes_null(&t_i16, MD_APP_NULLABLE, g_variant_new_int16(G_MININT16));
  assert_writes_null(&t_u24, MD_APP_NULLABLE, g_variant_new_uint32(0xffffff));

  /* Optional nullable, present: null or a value; an integer carries its
   * null inside the array. */
  tlv_init(&t);
  matter_tlv_put_null(&t.w, anon());
  assert_round_trip(&t_u16, MD_APP_OPTIONAL | MD_APP_NULLABLE, &t, "[uint16 0xffff]");
  assert_round_trip(&t_string, MD_APP_OPTIONAL | MD_APP_NULLABLE, &t, "[@as []]");
  tlv_init(&t);
  matter_tlv_put_uint(&t.w, anon(), 9);
  assert_round_trip(&t_u16, MD_APP_OPTIONAL | MD_APP_NULLABLE, &t, "[uint16 9]");
  assert_round_trip(&t_u16, MD_APP_OPTIONAL, &t, "[uint16 9]");
  tlv_init(&t);
  matter_tlv_put_uint(&t.w, anon(), 0xffff);
  g_assert_cmpint(decode_tlv(&t_u16, MD_APP_OPTIONAL | MD_APP_NULLABLE, &t), ==,
                  MATTER_IM_STATUS_CONSTRAINT_ERROR);
  assert_round_trip(&t_u16, MD_APP_OPTIONAL, &t, "[uint16 0xffff]");

  /* An absent optional value writes nothing. */
  g_autoptr(GVariant) absent = parse(&t_u16, MD_APP_OPTIONAL | MD_APP_NULLABLE, "@aq []");
  assert_accepted(&t_u16, MD_APP_OPTIONAL | MD_APP_NULLABLE, g_variant_ref(absent));
  uint8_t out[8];
  MatterTlvWriter w;
  size_t len = 1;
  matter_tlv_writer_init(&w, out, sizeof out);
  g_assert_cmpint(
      md_app_value_to_tlv(&t_u16, MD_APP_OPTIONAL | MD_APP_NULLABLE, absent, &w, anon()), ==,
      MATTER_OK);
  g_assert_cmpint(matter_tlv_writer_finish(&w, &len), ==, MATTER_OK);
  g_assert_cmpuint(len, ==, 0);

  /* More than one element for a nullable or optional value. */
  assert_refused(&t_string, MD_APP_NULLABLE, g_variant_new_parsed("['a', 'b']"),
                 "a nullable value takes at most one element, not 2");
  assert_refused(&t_u16, MD_APP_OPTIONAL | MD_APP_NULLABLE, g_variant_new_parsed("[uint16 3, 4]"),
                 "an optional value takes at most one element, not 2");
  assert_refused(&t_string, MD_APP_OPTIONAL | MD_APP_NULLABLE,
                 g_variant_new_parsed("[@as [], ['x']]"),
                 "an optional value takes at most one element, not 2");
  assert_refused(&t_string, MD_APP_OPTIONAL | MD_APP_NULLABLE, g_variant_new_parsed("[['a', 'b']]"),
                 "a nullable value");
}

typedef struct {
  const MdAppType *type;
  guint64 max; /* the width's */
} UintWidth;

static GVariant *
new_maybe_of(GVariant *item)
{
  return g_variant_new_array(NULL, &item, 1);
}

static void
test_uint_limits(void)
{
  const UintWidth widths[] = {
    { &t_u8, 0xff },
    { &t_u16, 0xffff },
    { &t_u24, 0xffffff },
    { &t_u32, 0xffffffff },
    { &t_u40, G_GUINT64_CONSTANT(0xffffffffff) },
    { &t_u64, G_MAXUINT64 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS(widths); i++) {
    const MdAppType *type = widths[i].type;
    guint64 max = widths[i].max;
    g_test_message("%s", type->name);

    g_assert_cmpint(decode_uint(type, 0, 0), ==, MATTER_IM_STATUS_SUCCESS);
    g_assert_cmpint(decode_uint(type, 0, max), ==, MATTER_IM_STATUS_SUCCESS);
    if (max != G_MAXUINT64)
      g_assert_cmpint(decode_uint(type, 0, max + 1), ==, MATTER_IM_STATUS_CONSTRAINT_ERROR);
    g_assert_cmpint(decode_int(type, 0, -1), ==, MATTER_IM_STATUS_CONSTRAINT_ERROR);
    /* A signed element holding a value of the range is accepted. */
    g_assert_cmpint(decode_int(type, 0, 1), ==, MATTER_IM_STATUS_SUCCESS);
    /* Nullable: the all-ones null is no value, one below it is. */
    g_assert_cmpint(decode_uint(type, MD_APP_NULLABLE, 0), ==, MATTER_IM_STATUS_SUCCESS);
    g_assert_cmpint(decode_uint(type, MD_APP_NULLABLE, max - 1), ==, MATTER_IM_STATUS_SUCCESS);
    g_assert_cmpint(decode_uint(type, MD_APP_NULLABLE, max), ==, MATTER_IM_STATUS_CONSTRAINT_ERROR);

    /* The same through check, in the width's D-Bus type (which a width
     * narrower than it can exceed): all ones of the width is the null,
     * and written as such. */
    assert_accepted(type, 0, md_app_value_new_uint(type, max));
    assert_accepted(type, MD_APP_NULLABLE, md_app_value_new_uint(type, max - 1));
    assert_writes_null(type, MD_APP_NULLABLE, md_app_value_new_uint(type, max));
    assert_writes_null(type, MD_APP_OPTIONAL | MD_APP_NULLABLE,
                       new_maybe_of(md_app_value_new_uint(type, max)));
    if (type == &t_u24 || type == &t_u40) {
      assert_refused(type, 0, md_app_value_new_uint(type, max + 1), "does not fit");
      assert_refused(type, MD_APP_NULLABLE, md_app_value_new_uint(type, max + 1), "does not fit");
    }
  }
}

typedef struct {
  const MdAppType *type;
  gint64 min, max;
} IntWidth;

static void
test_int_limits(void)
{
  const IntWidth widths[] = {
    { &t_i8, -128, 127 },
    { &t_i16, -32768, 32767 },
    { &t_i24, -8388608, 8388607 },
    { &t_i32, G_MININT32, G_MAXINT32 },
    { &t_i56, -(G_GINT64_CONSTANT(1) << 55), (G_GINT64_CONSTANT(1) << 55) - 1 },
    { &t_i64, G_MININT64, G_MAXINT64 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS(widths); i++) {
    const MdAppType *type = widths[i].type;
    gint64 min = widths[i].min, max = widths[i].max;
    g_test_message("%s", type->name);

    g_assert_cmpint(decode_int(type, 0, min), ==, MATTER_IM_STATUS_SUCCESS);
    g_assert_cmpint(decode_int(type, 0, max), ==, MATTER_IM_STATUS_SUCCESS);
    if (min != G_MININT64) {
      g_assert_cmpint(decode_int(type, 0, min - 1), ==, MATTER_IM_STATUS_CONSTRAINT_ERROR);
      g_assert_cmpint(decode_int(type, 0, max + 1), ==, MATTER_IM_STATUS_CONSTRAINT_ERROR);
    } else {
      g_assert_cmpint(decode_uint(type, 0, (guint64) G_MAXINT64 + 1), ==,
                      MATTER_IM_STATUS_CONSTRAINT_ERROR);
    }
    /* An unsigned element of the range is accepted. */
    g_assert_cmpint(decode_uint(type, 0, 7), ==, MATTER_IM_STATUS_SUCCESS);
    /* Nullable: the most negative is null, so min + 1 is the least value. */
    g_assert_cmpint(decode_int(type, MD_APP_NULLABLE, min), ==, MATTER_IM_STATUS_CONSTRAINT_ERROR);
    g_assert_cmpint(decode_int(type, MD_APP_NULLABLE, min + 1), ==, MATTER_IM_STATUS_SUCCESS);
    g_assert_cmpint(decode_int(type, MD_APP_NULLABLE, max), ==, MATTER_IM_STATUS_SUCCESS);

    assert_accepted(type, 0, md_app_value_new_int(type, min));
    assert_accepted(type, MD_APP_NULLABLE, md_app_value_new_int(type, min + 1));
    assert_accepted(type, MD_APP_NULLABLE, md_app_value_new_int(type, max));
    assert_writes_null(type, MD_APP_NULLABLE, md_app_value_new_int(type, min));
    assert_writes_null(type, MD_APP_OPTIONAL | MD_APP_NULLABLE,
                       new_maybe_of(md_app_value_new_int(type, min)));
    if (type == &t_i8 || type == &t_i24 || type == &t_i56) {
      assert_refused(type, 0, md_app_value_new_int(type, min - 1), "does not fit");
      assert_refused(type, 0, md_app_value_new_int(type, max + 1), "does not fit");
      /* The D-Bus type's most negative is not the width's null. */
      assert_refused(type, MD_APP_NULLABLE, md_app_value_new_int(type, min - 1), "does not fit");
      assert_refused(type, MD_APP_NULLABLE, md_app_value_new_int(type, max + 1), "does not fit");
    }
  }
  /* The Core spec's examples: nullable uint8 tops at 254, nullable int16
   * starts at -32767; from a controller the value left out is no value,
   * from an application it is the null. */
  g_assert_cmpint(decode_uint(&t_u8, MD_APP_NULLABLE, 255), ==, MATTER_IM_STATUS_CONSTRAINT_ERROR);
  g_assert_cmpint(decode_int(&t_i16, MD_APP_NULLABLE, -32768), ==,
                  MATTER_IM_STATUS_CONSTRAINT_ERROR);
  assert_writes_null(&t_u8, MD_APP_NULLABLE, g_variant_new_parsed("byte 255"));
  assert_accepted(&t_u8, MD_APP_NULLABLE, g_variant_new_parsed("byte 254"));
  assert_writes_null(&t_i16, MD_APP_NULLABLE, g_variant_new_parsed("int16 -32768"));
  assert_accepted(&t_i16, MD_APP_NULLABLE, g_variant_new_parsed("int16 -32767"));
}

static void
test_constraints(void)
{
  g_assert_cmpint(decode_uint(&t_level, 0, 0), ==, MATTER_IM_STATUS_CONSTRAINT_ERROR);
  g_assert_cmpint(decode_uint(&t_level, 0, 1), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpint(decode_uint(&t_level, 0, 254), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpint(decode_uint(&t_level, 0, 255), ==, MATTER_IM_STATUS_CONSTRAINT_ERROR);
  assert_refused(&t_level, 0, g_variant_new_byte(0), "0 is below the minimum 1");
  assert_refused(&t_level, 0, g_variant_new_byte(255), "255 is above the maximum 254");

  g_assert_cmpint(decode_int(&t_temperature, 0, -27316), ==, MATTER_IM_STATUS_CONSTRAINT_ERROR);
  g_assert_cmpint(decode_int(&t_temperature, 0, -27315), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpint(decode_int(&t_temperature, MD_APP_NULLABLE, 32767), ==, MATTER_IM_STATUS_SUCCESS);
  assert_refused(&t_temperature, 0, g_variant_new_int16(-30000), "below the minimum -27315");
  /* Nullable: the null passes whatever the constraints, the values are
   * held to them. */
  assert_accepted(&t_temperature, MD_APP_NULLABLE, g_variant_new_int16(G_MININT16));
  assert_refused(&t_temperature, MD_APP_NULLABLE, g_variant_new_int16(-30000),
                 "below the minimum -27315");
  assert_refused(&t_temperature, 0, g_variant_new_int16(G_MININT16), "below the minimum -27315");
  assert_accepted(&t_level, MD_APP_NULLABLE, g_variant_new_byte(255));
  assert_refused(&t_level, MD_APP_NULLABLE, g_variant_new_byte(0), "0 is below the minimum 1");
  g_assert_cmpint(decode_uint(&t_level, MD_APP_NULLABLE, 0), ==, MATTER_IM_STATUS_CONSTRAINT_ERROR);
  g_assert_cmpint(decode_uint(&t_level, MD_APP_NULLABLE, 255), ==,
                  MATTER_IM_STATUS_CONSTRAINT_ERROR);

  /* Enums take only their values, bitmaps only their bits. */
  g_assert_cmpint(decode_uint(&t_enum, 0, 2), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpint(decode_uint(&t_enum, 0, 3), ==, MATTER_IM_STATUS_CONSTRAINT_ERROR);
  g_assert_cmpint(decode_uint(&t_enum, 0, 6), ==, MATTER_IM_STATUS_CONSTRAINT_ERROR);
  assert_refused(&t_enum, 0, g_variant_new_byte(4), "4 is not a value of MoveModeEnum");
  assert_refused(&t_enum, 0, g_variant_new_byte(255), "255 is not a value of MoveModeEnum");
  assert_refused(&t_enum, MD_APP_NULLABLE, g_variant_new_byte(4), "4 is not a value");
  assert_accepted(&t_enum, MD_APP_NULLABLE, g_variant_new_byte(255));
  assert_accepted(&t_bitmap, MD_APP_NULLABLE, g_variant_new_byte(255));
  assert_refused(&t_bitmap, MD_APP_NULLABLE, g_variant_new_byte(0x0b), "sets bits");
  g_assert_cmpint(decode_uint(&t_bitmap, 0, 0), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpint(decode_uint(&t_bitmap, 0, 4), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpint(decode_uint(&t_bitmap, 0, 2), ==, MATTER_IM_STATUS_CONSTRAINT_ERROR);
  g_assert_cmpint(decode_uint(&t_bitmap32, 0, 0x80000000), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpint(decode_uint(&t_bitmap32, 0, 0x40000000), ==, MATTER_IM_STATUS_CONSTRAINT_ERROR);
  assert_refused(&t_bitmap, 0, g_variant_new_byte(0x0b),
                 "sets bits OptionsBitmap does not define (0xa)");

  /* Singles: a float on the wire, range checked after rounding. */
  Tlv t;
  tlv_init(&t);
  matter_tlv_put_float(&t.w, anon(), 10.5f);
  g_assert_cmpint(decode_tlv(&t_single_range, 0, &t), ==, MATTER_IM_STATUS_CONSTRAINT_ERROR);
  tlv_init(&t);
  matter_tlv_put_float(&t.w, anon(), NAN);
  g_assert_cmpint(decode_tlv(&t_single_range, 0, &t), ==, MATTER_IM_STATUS_CONSTRAINT_ERROR);
  g_assert_cmpint(decode_tlv(&t_single, 0, &t), ==, MATTER_IM_STATUS_SUCCESS);
  tlv_init(&t);
  matter_tlv_put_float(&t.w, anon(), -10.0f);
  g_assert_cmpint(decode_tlv(&t_single_range, 0, &t), ==, MATTER_IM_STATUS_SUCCESS);
  assert_refused(&t_single, 0, g_variant_new_double(1e39), "does not fit a single");
  assert_accepted(&t_single, 0, g_variant_new_double(-3.4e38));
  assert_accepted(&t_single, 0, g_variant_new_double(INFINITY));
  assert_accepted(&t_double, 0, g_variant_new_double(1e300));
  assert_refused(&t_single_range, 0, g_variant_new_double(10.25), "above the maximum 10");
  assert_refused(&t_single_range, 0, g_variant_new_double(NAN), "NaN");
  /* A double close to a float rounds to it, within range. */
  assert_accepted(&t_single_range, 0, g_variant_new_double(10.0000000001));

  /* Strings and octets: lengths in bytes. */
  tlv_init(&t);
  matter_tlv_put_string(&t.w, anon(), "12345678");
  g_assert_cmpint(decode_tlv(&t_string, 0, &t), ==, MATTER_IM_STATUS_SUCCESS);
  tlv_init(&t);
  matter_tlv_put_string(&t.w, anon(), "123456789");
  g_assert_cmpint(decode_tlv(&t_string, 0, &t), ==, MATTER_IM_STATUS_CONSTRAINT_ERROR);
  tlv_init(&t);
  matter_tlv_put_string(&t.w, anon(), "ääää!"); /* 5 characters, 9 bytes */
  g_assert_cmpint(decode_tlv(&t_string, 0, &t), ==, MATTER_IM_STATUS_CONSTRAINT_ERROR);
  assert_refused(&t_string, 0, g_variant_new_string("ääää!"), "9 bytes, more than the maximum 8");
  tlv_init(&t);
  matter_tlv_put_bytes(&t.w, anon(), NULL, 0);
  g_assert_cmpint(decode_tlv(&t_octets, 0, &t), ==, MATTER_IM_STATUS_CONSTRAINT_ERROR);
  tlv_init(&t);
  matter_tlv_put_bytes(&t.w, anon(), (const uint8_t *) "12345", 5);
  g_assert_cmpint(decode_tlv(&t_octets, 0, &t), ==, MATTER_IM_STATUS_CONSTRAINT_ERROR);
  assert_refused(&t_octets, 0, g_variant_new_parsed("@ay []"), "0 bytes, fewer than the minimum 1");
}

/* Every kind against elements of each other TLV type. */
static void
test_wrong_type(void)
{
  const MdAppType *types[] = { &t_bool,   &t_u8,     &t_i16,   &t_single, &t_double,
                               &t_string, &t_octets, &t_point, &t_list };
  enum { E_BOOL, E_UINT, E_INT, E_FLOAT, E_DOUBLE, E_UTF8, E_BYTES, E_STRUCT, E_ARRAY, E_LIST };
  /* For each type, the element kinds it takes. */
  const guint32 accepts[] = {
    1 << E_BOOL,
    1 << E_UINT | 1 << E_INT,
    1 << E_UINT | 1 << E_INT,
    1 << E_FLOAT,
    1 << E_FLOAT | 1 << E_DOUBLE,
    1 << E_UTF8,
    1 << E_BYTES,
    1 << E_STRUCT,
    1 << E_ARRAY,
  };

  for (gsize i = 0; i < G_N_ELEMENTS(types); i++) {
    for (int e = E_BOOL; e <= E_LIST; e++) {
      Tlv t;
      tlv_init(&t);
      switch (e) {
      case E_BOOL:
        matter_tlv_put_bool(&t.w, anon(), true);
        break;
      case E_UINT:
        matter_tlv_put_uint(&t.w, anon(), 1);
        break;
      case E_INT:
        matter_tlv_put_int(&t.w, anon(), -1);
        break;
      case E_FLOAT:
        matter_tlv_put_float(&t.w, anon(), 1.0f);
        break;
      case E_DOUBLE:
        matter_tlv_put_double(&t.w, anon(), 1.0);
        break;
      case E_UTF8:
        matter_tlv_put_string(&t.w, anon(), "a");
        break;
      case E_BYTES:
        matter_tlv_put_bytes(&t.w, anon(), (const uint8_t *) "a", 1);
        break;
      case E_STRUCT:
        matter_tlv_start_structure(&t.w, anon());
        matter_tlv_put_uint(&t.w, ctx(0), 1);
        matter_tlv_put_int(&t.w, ctx(3), 1);
        matter_tlv_end_container(&t.w);
        break;
      case E_ARRAY:
        matter_tlv_start_array(&t.w, anon());
        matter_tlv_end_container(&t.w);
        break;
      case E_LIST:
        matter_tlv_start_list(&t.w, anon());
        matter_tlv_end_container(&t.w);
        break;
      }
      MatterImStatus status = decode_tlv(types[i], 0, &t);
      g_test_message("%s with element %d: 0x%x", types[i]->name, e, status);
      if (accepts[i] & (1u << e))
        g_assert_cmpint(status, !=, MATTER_IM_STATUS_INVALID_DATA_TYPE);
      else
        g_assert_cmpint(status, ==, MATTER_IM_STATUS_INVALID_DATA_TYPE);
    }
  }
}

static void
put_point(MatterTlvWriter *w, MatterTlvTag tag, int level, const char *label, gboolean null_offset,
          int time)
{
  matter_tlv_start_structure(w, tag);
  matter_tlv_put_uint(w, ctx(0), level);
  if (label)
    matter_tlv_put_string(w, ctx(1), label);
  if (null_offset)
    matter_tlv_put_null(w, ctx(3));
  else
    matter_tlv_put_int(w, ctx(3), -5);
  if (time == -1)
    matter_tlv_put_null(w, ctx(5));
  else if (time >= 0)
    matter_tlv_put_uint(w, ctx(5), time);
  matter_tlv_end_container(w);
}

static void
test_struct(void)
{
  Tlv t;

  tlv_init(&t);
  put_point(&t.w, anon(), 10, "a", FALSE, 300);
  assert_round_trip(&t_point, 0, &t, "(byte 10, ['a'], int16 -5, [uint16 300])");
  tlv_init(&t);
  put_point(&t.w, anon(), 10, NULL, TRUE, -2);
  assert_round_trip(&t_point, 0, &t, "(byte 10, @as [], int16 -32768, @aq [])");
  tlv_init(&t);
  put_point(&t.w, anon(), 10, NULL, TRUE, -1);
  assert_round_trip(&t_point, 0, &t, "(byte 10, @as [], int16 -32768, [uint16 0xffff])");
  tlv_init(&t);
  put_point(&t.w, anon(), 10, NULL, TRUE, -1);
  assert_round_trip(&t_point, MD_APP_NULLABLE, &t,
                    "[(byte 10, @as [], int16 -32768, [uint16 0xffff])]");

  /* Fields in any order, unknown ones (a later revision's, or with a
   * profile tag) skipped. */
  tlv_init(&t);
  matter_tlv_start_structure(&t.w, anon());
  matter_tlv_put_int(&t.w, ctx(3), 4);
  matter_tlv_put_string(&t.w, ctx(2), "unknown");
  matter_tlv_start_array(&t.w, ctx(9));
  matter_tlv_put_uint(&t.w, anon(), 1);
  matter_tlv_end_container(&t.w);
  matter_tlv_put_uint(&t.w, matter_tlv_tag_common(0), 1);
  matter_tlv_put_uint(&t.w, ctx(0), 7);
  matter_tlv_end_container(&t.w);
  g_autoptr(GVariant) v = NULL;
  g_assert_cmpint(decode(&t_point, 0, t.buf, tlv_len(&t), &v), ==, MATTER_IM_STATUS_SUCCESS);
  assert_value(&t_point, 0, v, "(byte 7, @as [], int16 4, @aq [])");

  /* A mandatory field missing; a nullable one (not optional) missing. */
  tlv_init(&t);
  matter_tlv_start_structure(&t.w, anon());
  matter_tlv_put_int(&t.w, ctx(3), 4);
  matter_tlv_end_container(&t.w);
  g_assert_cmpint(decode_tlv(&t_point, 0, &t), ==, MATTER_IM_STATUS_INVALID_COMMAND);
  tlv_init(&t);
  matter_tlv_start_structure(&t.w, anon());
  matter_tlv_put_uint(&t.w, ctx(0), 4);
  matter_tlv_end_container(&t.w);
  g_assert_cmpint(decode_tlv(&t_point, 0, &t), ==, MATTER_IM_STATUS_INVALID_COMMAND);

  /* A field out of its range or of the wrong type. */
  tlv_init(&t);
  put_point(&t.w, anon(), 0, NULL, TRUE, -2);
  g_assert_cmpint(decode_tlv(&t_point, 0, &t), ==, MATTER_IM_STATUS_CONSTRAINT_ERROR);
  tlv_init(&t);
  put_point(&t.w, anon(), 1, NULL, TRUE, 0xffff);
  g_assert_cmpint(decode_tlv(&t_point, 0, &t), ==, MATTER_IM_STATUS_CONSTRAINT_ERROR);
  tlv_init(&t);
  matter_tlv_start_structure(&t.w, anon());
  matter_tlv_put_uint(&t.w, ctx(0), 4);
  matter_tlv_put_null(&t.w, ctx(3));
  matter_tlv_put_uint(&t.w, ctx(1), 4);
  matter_tlv_end_container(&t.w);
  g_assert_cmpint(decode_tlv(&t_point, 0, &t), ==, MATTER_IM_STATUS_INVALID_DATA_TYPE);
  /* Null for the optional string that is not nullable. */
  tlv_init(&t);
  matter_tlv_start_structure(&t.w, anon());
  matter_tlv_put_uint(&t.w, ctx(0), 4);
  matter_tlv_put_null(&t.w, ctx(3));
  matter_tlv_put_null(&t.w, ctx(1));
  matter_tlv_end_container(&t.w);
  g_assert_cmpint(decode_tlv(&t_point, 0, &t), ==, MATTER_IM_STATUS_INVALID_DATA_TYPE);

  /* Check names the field. */
  assert_refused(&t_point, 0, g_variant_new_parsed("(byte 0, @as [], int16 -32768, @aq [])"),
                 "Cluster.Attr.Level: 0 is below the minimum 1");
  assert_refused(&t_point, 0, g_variant_new_parsed("(byte 1, ['123456789'], int16 -32768, @aq [])"),
                 "Cluster.Attr.Label: 9 bytes");
  /* The nullable fields' nulls, in and out of an optional field. */
  assert_accepted(&t_point, 0,
                  g_variant_new_parsed("(byte 1, @as [], int16 -32768, [uint16 65535])"));
  assert_refused(&t_point, 0, g_variant_new_parsed("(byte 1, @as [], int16 1, [uint16 1, 2])"),
                 "Cluster.Attr.Time: an optional value takes at most one element");
}

static void
test_fields(void)
{
  Tlv t;
  MatterTlvReader r;
  g_autoptr(GVariant) tuple = NULL;

  /* Command fields: the reader inside the structure. */
  tlv_init(&t);
  put_point(&t.w, anon(), 3, "b", FALSE, -2);
  size_t len = tlv_len(&t);
  matter_tlv_reader_init(&r, t.buf, len);
  g_assert_cmpint(matter_tlv_next(&r), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_enter(&r), ==, MATTER_OK);
  g_assert_cmpint(md_app_fields_from_tlv(point_fields, G_N_ELEMENTS(point_fields), &r, &tuple), ==,
                  MATTER_IM_STATUS_SUCCESS);
  assert_value(&t_point, 0, tuple, "(byte 3, ['b'], int16 -5, @aq [])");
  g_autoptr(GError) error = NULL;
  g_assert_true(md_app_fields_check(point_fields, G_N_ELEMENTS(point_fields), tuple,
                                    "Cluster.Command", &error));
  g_assert_no_error(error);

  uint8_t out[64];
  MatterTlvWriter w;
  size_t out_len;
  matter_tlv_writer_init(&w, out, sizeof out);
  g_assert_cmpint(md_app_fields_to_tlv(point_fields, G_N_ELEMENTS(point_fields), tuple, &w, anon()),
                  ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_writer_finish(&w, &out_len), ==, MATTER_OK);
  g_assert_cmpmem(out, out_len, t.buf, len);

  /* A field twice. */
  tlv_init(&t);
  matter_tlv_start_structure(&t.w, anon());
  matter_tlv_put_uint(&t.w, ctx(0), 4);
  matter_tlv_put_int(&t.w, ctx(3), 1);
  matter_tlv_put_uint(&t.w, ctx(0), 5);
  matter_tlv_end_container(&t.w);
  matter_tlv_reader_init(&r, t.buf, tlv_len(&t));
  matter_tlv_next(&r);
  matter_tlv_enter(&r);
  g_autoptr(GVariant) twice = NULL;
  g_assert_cmpint(md_app_fields_from_tlv(point_fields, G_N_ELEMENTS(point_fields), &r, &twice), ==,
                  MATTER_IM_STATUS_INVALID_COMMAND);
  g_assert_null(twice);

  /* No fields at all. */
  tlv_init(&t);
  matter_tlv_start_structure(&t.w, anon());
  matter_tlv_put_uint(&t.w, ctx(0), 4);
  matter_tlv_end_container(&t.w);
  matter_tlv_reader_init(&r, t.buf, tlv_len(&t));
  matter_tlv_next(&r);
  matter_tlv_enter(&r);
  g_autoptr(GVariant) empty = NULL;
  g_assert_cmpint(md_app_fields_from_tlv(NULL, 0, &r, &empty), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_true(g_variant_is_of_type(empty, G_VARIANT_TYPE_UNIT));

  /* The wrong tuple. */
  g_autoptr(GVariant) wrong = g_variant_ref_sink(g_variant_new_parsed("(byte 3, 'b')"));
  g_assert_false(md_app_fields_check(point_fields, G_N_ELEMENTS(point_fields), wrong,
                                     "Level.MoveToLevel", &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr(error->message, ==,
                  "Level.MoveToLevel: signature '(ys)' where '(yasnaq)' is due");
  matter_tlv_writer_init(&w, out, sizeof out);
  g_assert_cmpint(md_app_fields_to_tlv(point_fields, G_N_ELEMENTS(point_fields), wrong, &w, anon()),
                  ==, MATTER_ERROR_INVALID_ARGUMENT);
}

static void
test_lists(void)
{
  Tlv t;

  tlv_init(&t);
  matter_tlv_start_array(&t.w, anon());
  matter_tlv_put_uint(&t.w, anon(), 1);
  matter_tlv_put_uint(&t.w, anon(), 0xffff);
  matter_tlv_end_container(&t.w);
  assert_round_trip(&t_list, 0, &t, "[uint16 1, 65535]");
  assert_round_trip(&t_list, MD_APP_NULLABLE, &t, "[[uint16 1, 65535]]");

  tlv_init(&t);
  matter_tlv_start_array(&t.w, anon());
  matter_tlv_end_container(&t.w);
  assert_round_trip(&t_list, 0, &t, "@aq []");
  g_assert_cmpint(decode_tlv(&t_string_list, 0, &t), ==, MATTER_IM_STATUS_CONSTRAINT_ERROR);
  assert_refused(&t_string_list, 0, g_variant_new_parsed("@as []"),
                 "0 entries, fewer than the minimum 1");

  /* Too many entries; an entry of the wrong type or range. */
  tlv_init(&t);
  matter_tlv_start_array(&t.w, anon());
  for (int i = 0; i < 4; i++)
    matter_tlv_put_uint(&t.w, anon(), i);
  matter_tlv_end_container(&t.w);
  g_assert_cmpint(decode_tlv(&t_list, 0, &t), ==, MATTER_IM_STATUS_CONSTRAINT_ERROR);
  assert_refused(&t_list, 0, g_variant_new_parsed("[uint16 1, 2, 3, 4]"),
                 "4 entries, more than the maximum 3");
  tlv_init(&t);
  matter_tlv_start_array(&t.w, anon());
  matter_tlv_put_uint(&t.w, anon(), 0x10000);
  matter_tlv_end_container(&t.w);
  g_assert_cmpint(decode_tlv(&t_list, 0, &t), ==, MATTER_IM_STATUS_CONSTRAINT_ERROR);
  tlv_init(&t);
  matter_tlv_start_array(&t.w, anon());
  matter_tlv_put_string(&t.w, anon(), "x");
  matter_tlv_end_container(&t.w);
  g_assert_cmpint(decode_tlv(&t_list, 0, &t), ==, MATTER_IM_STATUS_INVALID_DATA_TYPE);
  tlv_init(&t);
  matter_tlv_start_array(&t.w, anon());
  matter_tlv_put_null(&t.w, anon());
  matter_tlv_end_container(&t.w);
  g_assert_cmpint(decode_tlv(&t_list, 0, &t), ==, MATTER_IM_STATUS_INVALID_DATA_TYPE);
  assert_refused(&t_string_list, 0, g_variant_new_parsed("['ok', '123456789']"),
                 "Cluster.Attr[1]: 9 bytes");

  /* Nested: a struct with a list of structs. */
  tlv_init(&t);
  matter_tlv_start_structure(&t.w, anon());
  matter_tlv_start_array(&t.w, ctx(0));
  put_point(&t.w, anon(), 1, NULL, TRUE, -2);
  put_point(&t.w, anon(), 2, "two", FALSE, 7);
  matter_tlv_end_container(&t.w);
  matter_tlv_put_uint(&t.w, ctx(1), 1);
  matter_tlv_end_container(&t.w);
  assert_round_trip(&t_path, 0, &t,
                    "([(byte 1, @as [], int16 -32768, @aq []), (2, ['two'], -5, [7])], [byte 1])");
  assert_refused(&t_path, 0,
                 g_variant_new_parsed("([(byte 1, @as [], int16 -32768, @aq []),"
                                      " (0, ['two'], -5, [7])], [byte 1])"),
                 "Cluster.Attr.Points[1].Level: 0 is below the minimum 1");
  assert_refused(&t_path, 0, g_variant_new_parsed("(@a(yasnaq) [], [byte 3])"),
                 "Cluster.Attr.Mode: 3 is not a value of MoveModeEnum");
}

static void
test_wrong_signature(void)
{
  assert_refused(&t_u8, 0, g_variant_new_uint16(1), "Cluster.Attr: signature 'q' where 'y' is due");
  assert_refused(&t_i16, MD_APP_NULLABLE, g_variant_new_parsed("[int16 1]"),
                 "Cluster.Attr: signature 'an' where 'n' is due");
  assert_refused(&t_string, MD_APP_NULLABLE, g_variant_new_string("a"),
                 "Cluster.Attr: signature 's' where 'as' is due");
  assert_refused(&t_point, 0, g_variant_new_parsed("(byte 1, 'a', int16 1, @aq [])"),
                 "signature '(ysnaq)' where '(yasnaq)' is due");
  assert_refused(&t_string, 0, g_variant_new_object_path("/a"), "signature 'o' where 's' is due");
  assert_refused(&t_list, 0, g_variant_new_variant(g_variant_new_parsed("[uint16 1]")),
                 "signature 'v' where 'aq' is due");

  /* Encoding refuses it too, writing nothing. */
  g_autoptr(GVariant) v = g_variant_ref_sink(g_variant_new_uint32(1));
  uint8_t out[8];
  MatterTlvWriter w;
  size_t len = 1;
  matter_tlv_writer_init(&w, out, sizeof out);
  g_assert_cmpint(md_app_value_to_tlv(&t_u8, 0, v, &w, anon()), ==, MATTER_ERROR_INVALID_ARGUMENT);
  g_assert_cmpint(matter_tlv_writer_finish(&w, &len), ==, MATTER_OK);
  g_assert_cmpuint(len, ==, 0);
  /* A single too large for a float is not encoded. */
  g_autoptr(GVariant) big = g_variant_ref_sink(g_variant_new_double(1e300));
  g_assert_cmpint(md_app_value_to_tlv(&t_single, 0, big, &w, anon()), ==,
                  MATTER_ERROR_INVALID_ARGUMENT);
}

/* No room: the writer's error. */
static void
test_no_room(void)
{
  g_autoptr(GVariant) v = parse(&t_path, 0,
                                "([(byte 1, @as [], int16 -32768, @aq []), (2, ['two'], -5, [7])],"
                                " [byte 1])");
  uint8_t full[64];
  MatterTlvWriter fw;
  size_t need;
  matter_tlv_writer_init(&fw, full, sizeof full);
  g_assert_cmpint(md_app_value_to_tlv(&t_path, 0, v, &fw, anon()), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_writer_finish(&fw, &need), ==, MATTER_OK);
  for (size_t size = 0; size <= need; size++) {
    uint8_t out[64];
    MatterTlvWriter w;
    matter_tlv_writer_init(&w, out, size);
    MatterError err = md_app_value_to_tlv(&t_path, 0, v, &w, anon());
    size_t len;
    if (size < need) {
      g_assert_cmpint(err, ==, MATTER_ERROR_BUFFER_TOO_SMALL);
    } else {
      g_assert_cmpint(err, ==, MATTER_OK);
      g_assert_cmpint(matter_tlv_writer_finish(&w, &len), ==, MATTER_OK);
      g_assert_cmpmem(out, len, full, need);
    }
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/app-value/signatures", test_signatures);
  g_test_add_func("/app-value/scalars", test_scalars);
  g_test_add_func("/app-value/nullable", test_nullable);
  g_test_add_func("/app-value/uint-limits", test_uint_limits);
  g_test_add_func("/app-value/int-limits", test_int_limits);
  g_test_add_func("/app-value/constraints", test_constraints);
  g_test_add_func("/app-value/wrong-type", test_wrong_type);
  g_test_add_func("/app-value/struct", test_struct);
  g_test_add_func("/app-value/fields", test_fields);
  g_test_add_func("/app-value/lists", test_lists);
  g_test_add_func("/app-value/wrong-signature", test_wrong_signature);
  g_test_add_func("/app-value/no-room", test_no_room);
  return g_test_run();
}
