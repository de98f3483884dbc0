/* SPDX-License-Identifier: Apache-2.0 */
/* Values of application clusters (app-value.h) against made-up input, in
 * both directions:
 *
 *   - TLV from a controller: decoded as one of the types below; when it
 *     decodes, the value passes md_app_value_check(), encodes, decodes
 *     again to the same value, and encodes to the same bytes again;
 *   - a GVariant from an application: the bytes taken as a serialized
 *     GVariant of the type's signature (normal form, as D-Bus delivers
 *     it); when md_app_value_check() accepts it, it encodes, decodes to
 *     the same value (singles compared as the float they travel as), and
 *     passes the check again.
 *
 * A nullable integer's null is the value its nullable range leaves out
 * (all ones, or the most negative of a signed width): it encodes as a TLV
 * null, and a TLV null decodes to it.
 *
 * Nothing may crash, leak or do anything undefined.
 *
 * Input: a type byte (index into `cases`, modulo their count), a mode byte
 * (bit 0 set: a GVariant, else TLV; bit 1 with TLV on a struct: decoded
 * as command fields, the reader inside the structure), then the payload. */

#include <glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "app-value.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
static const MdAppType t_u64 = UINT_TYPE("uint64", 64);
static const MdAppType t_i8 = INT_TYPE("int8", 8);
static const MdAppType t_i16 = INT_TYPE("int16", 16);
static const MdAppType t_i40 = INT_TYPE("int40", 40);
static const MdAppType t_i64 = INT_TYPE("int64", 64);
static const guint64 mode_values[] = { 0, 1, 3 };
static const MdAppType t_enum = { .kind = MD_APP_UINT,
                                  .name = "ModeEnum",
                                  .bits = 8,
                                  .enum_values = mode_values,
                                  .enum_count = G_N_ELEMENTS(mode_values) };
static const MdAppType t_bitmap = { .kind = MD_APP_UINT,
                                    .name = "OptionsBitmap",
                                    .bits = 16,
                                    .bitmap_bits = 0x8003 };
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
                                          .min = -100,
                                          .has_max = TRUE,
                                          .max = 100 };
static const MdAppType t_double = { .kind = MD_APP_DOUBLE, .name = "double" };
static const MdAppType t_string = { .kind = MD_APP_STRING,
                                    .name = "char_string",
                                    .max_length = 16 };
static const MdAppType t_octets = { .kind = MD_APP_OCTETS,
                                    .name = "octet_string",
                                    .min_length = 1,
                                    .max_length = 8 };
static const MdAppType t_list = { .kind = MD_APP_LIST,
                                  .name = "list",
                                  .element = &t_u16,
                                  .max_length = 6 };
static const MdAppType t_string_list = { .kind = MD_APP_LIST,
                                         .name = "list",
                                         .element = &t_string };
static const MdAppField point_fields[] = {
  { "Level", 0, &t_level, 0 },
  { "Label", 1, &t_string, MD_APP_OPTIONAL },
  { "Offset", 3, &t_temperature, MD_APP_NULLABLE },
  { "Time", 5, &t_u16, MD_APP_OPTIONAL | MD_APP_NULLABLE },
  { "Ratio", 6, &t_single, MD_APP_OPTIONAL },
};
static const MdAppType t_point = { .kind = MD_APP_STRUCT,
                                   .name = "PointStruct",
                                   .fields = point_fields,
                                   .field_count = G_N_ELEMENTS(point_fields) };
static const MdAppType t_point_list = { .kind = MD_APP_LIST,
                                        .name = "list",
                                        .element = &t_point,
                                        .max_length = 4 };
static const MdAppField path_fields[] = {
  { "Points", 0, &t_point_list, 0 },
  { "Mode", 1, &t_enum, MD_APP_OPTIONAL },
  { "Data", 2, &t_octets, MD_APP_NULLABLE | MD_APP_OPTIONAL },
};
static const MdAppType t_path = { .kind = MD_APP_STRUCT,
                                  .name = "PathStruct",
                                  .fields = path_fields,
                                  .field_count = G_N_ELEMENTS(path_fields) };

typedef struct {
  const MdAppType *type;
  guint8 flags;
} Case;

static const Case cases[] = {
  { &t_bool, 0 },
  { &t_u8, MD_APP_NULLABLE },
  { &t_u24, 0 },
  { &t_u64, MD_APP_NULLABLE },
  { &t_i8, 0 },
  { &t_i16, MD_APP_NULLABLE },
  { &t_i40, MD_APP_NULLABLE },
  { &t_i64, 0 },
  { &t_enum, 0 },
  { &t_bitmap, MD_APP_NULLABLE },
  { &t_level, 0 },
  { &t_single, 0 },
  { &t_single_range, MD_APP_NULLABLE },
  { &t_double, 0 },
  { &t_string, MD_APP_NULLABLE },
  { &t_octets, 0 },
  { &t_list, 0 },
  { &t_list, MD_APP_NULLABLE },
  { &t_string_list, 0 },
  { &t_u16, MD_APP_OPTIONAL | MD_APP_NULLABLE },
  { &t_point, 0 },
  { &t_point_list, MD_APP_NULLABLE },
  { &t_path, 0 },
  { &t_u24, MD_APP_NULLABLE },
  { &t_i8, MD_APP_NULLABLE },
  { &t_level, MD_APP_NULLABLE },
  { &t_enum, MD_APP_NULLABLE },
  { &t_string, MD_APP_OPTIONAL | MD_APP_NULLABLE },
  { &t_bool, MD_APP_NULLABLE },
  { &t_temperature, MD_APP_NULLABLE },
};

static gboolean
is_integer(const MdAppType *type)
{
  return type->kind == MD_APP_UINT || type->kind == MD_APP_INT;
}

/* Whether @v (of an integer @type's D-Bus type) is its width's null,
 * computed here again: all ones unsigned, the most negative signed. */
static gboolean
is_null_value(const MdAppType *type, GVariant *v)
{
  guint bits = type->bits;

  switch (g_variant_classify(v)) {
  case G_VARIANT_CLASS_BYTE:
    return g_variant_get_byte(v) == 0xff;
  case G_VARIANT_CLASS_UINT16:
    return g_variant_get_uint16(v) == 0xffff;
  case G_VARIANT_CLASS_UINT32:
    return g_variant_get_uint32(v) == (bits == 24 ? 0xffffffu : 0xffffffffu);
  case G_VARIANT_CLASS_UINT64:
    return g_variant_get_uint64(v) ==
           (bits == 64 ? G_MAXUINT64 : (G_GUINT64_CONSTANT(1) << bits) - 1);
  case G_VARIANT_CLASS_INT16:
    return g_variant_get_int16(v) == (bits == 8 ? -128 : G_MININT16);
  case G_VARIANT_CLASS_INT32:
    return g_variant_get_int32(v) == (bits == 24 ? -8388608 : G_MININT32);
  case G_VARIANT_CLASS_INT64:
    return g_variant_get_int64(v) ==
           (bits == 64 ? G_MININT64 : -(G_GINT64_CONSTANT(1) << (bits - 1)));
  default:
    abort();
  }
}

/* Equal as they travel: singles as floats. */
static gboolean values_equal(const MdAppType *type, guint8 flags, GVariant *a, GVariant *b);

/* Arrays whose children are each of @type with @flags. */
static gboolean
items_equal(const MdAppType *type, guint8 flags, GVariant *a, GVariant *b)
{
  gsize n = g_variant_n_children(a);
  if (n != g_variant_n_children(b))
    return FALSE;
  for (gsize i = 0; i < n; i++) {
    g_autoptr(GVariant) ca = g_variant_get_child_value(a, i);
    g_autoptr(GVariant) cb = g_variant_get_child_value(b, i);
    if (!values_equal(type, flags, ca, cb))
      return FALSE;
  }
  return TRUE;
}

static gboolean
fields_equal(const MdAppType *type, GVariant *a, GVariant *b)
{
  for (gsize i = 0; i < type->field_count; i++) {
    g_autoptr(GVariant) ca = g_variant_get_child_value(a, i);
    g_autoptr(GVariant) cb = g_variant_get_child_value(b, i);
    if (!values_equal(type->fields[i].type, type->fields[i].flags, ca, cb))
      return FALSE;
  }
  return TRUE;
}

static gboolean
values_equal(const MdAppType *type, guint8 flags, GVariant *a, GVariant *b)
{
  if (flags & MD_APP_OPTIONAL)
    return items_equal(type, flags & MD_APP_NULLABLE, a, b);
  if ((flags & MD_APP_NULLABLE) && !is_integer(type))
    return items_equal(type, 0, a, b);
  switch (type->kind) {
  case MD_APP_SINGLE: {
    float fa = (float) g_variant_get_double(a), fb = (float) g_variant_get_double(b);
    return (isnan(fa) && isnan(fb)) || memcmp(&fa, &fb, sizeof fa) == 0;
  }
  case MD_APP_STRUCT:
    return fields_equal(type, a, b);
  case MD_APP_LIST:
    return items_equal(type->element, 0, a, b);
  default:
    return g_variant_equal(a, b);
  }
}

static uint8_t *
encode(const Case *c, GVariant *value, size_t size, size_t *len)
{
  uint8_t *buf = g_malloc(size);
  MatterTlvWriter w;

  matter_tlv_writer_init(&w, buf, size);
  if (md_app_value_to_tlv(c->type, c->flags, value, &w, matter_tlv_tag_anonymous()) != MATTER_OK ||
      matter_tlv_writer_finish(&w, len) != MATTER_OK)
    abort();
  return buf;
}

static GVariant *
decode(const Case *c, const uint8_t *buf, size_t len)
{
  MatterTlvReader r;
  GVariant *value = NULL;

  matter_tlv_reader_init(&r, buf, len);
  if (matter_tlv_next(&r) != MATTER_OK ||
      md_app_value_from_tlv(c->type, c->flags, &r, &value) != MATTER_IM_STATUS_SUCCESS)
    abort();
  return value;
}

static void
check_accepted(const Case *c, GVariant *value)
{
  g_autoptr(GError) error = NULL;
  if (!md_app_value_check(c->type, c->flags, value, "Fuzz.Value", &error)) {
    g_autofree char *text = g_variant_print(value, TRUE);
    g_printerr("refused after decoding: %s (%s)\n", text, error->message);
    abort();
  }
}

/* A nullable integer encodes as a TLV null exactly when it is its null. */
static void
check_null_encoding(const Case *c, GVariant *value, const uint8_t *buf, size_t len)
{
  MatterTlvReader r;
  g_autoptr(GVariant) item = NULL;

  if (!(c->flags & MD_APP_NULLABLE) || !is_integer(c->type))
    return;
  item = c->flags & MD_APP_OPTIONAL ? g_variant_get_child_value(value, 0) : g_variant_ref(value);
  matter_tlv_reader_init(&r, buf, len);
  if (matter_tlv_next(&r) != MATTER_OK)
    abort();
  if ((matter_tlv_get_type(&r) == MATTER_TLV_TYPE_NULL) != is_null_value(c->type, item))
    abort();
}

/* A value that decoded or checked: it goes to TLV and back unchanged. */
static void
round_trip(const Case *c, GVariant *value, size_t size)
{
  size_t len, len2;
  g_autofree uint8_t *buf = encode(c, value, size, &len);
  if (len == 0) {
    /* Only an optional value left out writes nothing. */
    if (!(c->flags & MD_APP_OPTIONAL) || g_variant_n_children(value) != 0)
      abort();
    return;
  }
  check_null_encoding(c, value, buf, len);
  g_autoptr(GVariant) again = decode(c, buf, len);

  check_accepted(c, again);
  if (!values_equal(c->type, c->flags, value, again)) {
    g_autofree char *a = g_variant_print(value, TRUE);
    g_autofree char *b = g_variant_print(again, TRUE);
    g_printerr("round trip changed %s into %s\n", a, b);
    abort();
  }
  g_autofree uint8_t *buf2 = encode(c, again, size, &len2);
  if (len != len2 || memcmp(buf, buf2, len) != 0)
    abort();
}

static void
from_tlv(const Case *c, gboolean as_fields, const uint8_t *data, size_t size)
{
  MatterTlvReader r;
  GVariant *value = NULL;
  MatterImStatus status;

  matter_tlv_reader_init(&r, data, size);
  if (matter_tlv_next(&r) != MATTER_OK)
    return;
  if (as_fields && c->type->kind == MD_APP_STRUCT && !c->flags) {
    if (matter_tlv_enter(&r) != MATTER_OK)
      return;
    status = md_app_fields_from_tlv(c->type->fields, c->type->field_count, &r, &value);
  } else {
    status = md_app_value_from_tlv(c->type, c->flags, &r, &value);
  }
  if (status != MATTER_IM_STATUS_SUCCESS) {
    if (value)
      abort();
    return;
  }
  check_accepted(c, value);
  /* Re-encoding takes at most twice the input (a float widened to a
   * double) and some closing bytes. */
  round_trip(c, value, 2 * size + 64);
  g_variant_unref(value);
}

static void
from_variant(const Case *c, const uint8_t *data, size_t size)
{
  g_autofree char *sig = md_app_value_signature(c->type, c->flags);
  g_autoptr(GBytes) bytes = g_bytes_new(data, size);
  g_autoptr(GVariant) raw =
      g_variant_ref_sink(g_variant_new_from_bytes(G_VARIANT_TYPE(sig), bytes, FALSE));
  g_autoptr(GVariant) value = g_variant_get_normal_form(raw);
  g_autoptr(GError) error = NULL;

  if (!md_app_value_check(c->type, c->flags, value, "Fuzz.Value", &error))
    return;
  /* TLV takes at most a few bytes per byte of GVariant (an array of
   * bytes: one each plus a control byte). */
  round_trip(c, value, 4 * size + 256);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 2)
    return 0;
  const Case *c = &cases[data[0] % G_N_ELEMENTS(cases)];
  if (data[1] & 1)
    from_variant(c, data + 2, size - 2);
  else
    from_tlv(c, (data[1] & 2) != 0, data + 2, size - 2);
  return 0;
}
