/* SPDX-License-Identifier: Apache-2.0 */
/* Values of application clusters between Matter TLV and GVariant (the
 * mapping is in app-value.h). Decoding and checking share the range
 * rules below, so that whatever md_app_value_check() accepts encodes and
 * decodes back to the same value, and whatever md_app_value_from_tlv()
 * returns passes md_app_value_check().
 *
 * Decoding works on copies of the caller's reader (a copy is a bookmark),
 * so a container is entered and left without moving the caller's reader
 * off its element. Malformed TLV met inside a value (the engine hands over
 * checked messages, so only a careless caller gets there) is
 * INVALID_DATA_TYPE like any other element that is not of the type. */
#define G_LOG_DOMAIN "matterd"

#include "app-value.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "md-error.h"

/* ---- Signatures ----------------------------------------------------- */

static void append_type_signature(GString *s, const MdAppType *type);

/* Whether null of a nullable @type is a value of its width (the one its
 * nullable range leaves out) rather than an array of no element. */
static gboolean
null_is_sentinel(const MdAppType *type)
{
  return type->kind == MD_APP_UINT || type->kind == MD_APP_INT;
}

/* Whether a nullable value of @type travels as an array of zero or one
 * element. */
static gboolean
null_is_empty_array(const MdAppType *type, guint8 flags)
{
  return (flags & MD_APP_NULLABLE) && !null_is_sentinel(type);
}

static void
append_flags_signature(GString *s, const MdAppType *type, guint8 flags)
{
  if (flags & MD_APP_OPTIONAL)
    g_string_append_c(s, 'a');
  if (null_is_empty_array(type, flags))
    g_string_append_c(s, 'a');
  append_type_signature(s, type);
}

static void
append_fields_signature(GString *s, const MdAppField *fields, gsize count)
{
  g_string_append_c(s, '(');
  for (gsize i = 0; i < count; i++)
    append_flags_signature(s, fields[i].type, fields[i].flags);
  g_string_append_c(s, ')');
}

/* The width on the wire, 8..64; anything else in a table reads as 64. */
static guint
type_bits(const MdAppType *type)
{
  return type->bits >= 1 && type->bits <= 64 ? type->bits : 64;
}

static char
uint_signature(const MdAppType *type)
{
  guint bits = type_bits(type);
  return bits <= 8 ? 'y' : bits <= 16 ? 'q' : bits <= 32 ? 'u' : 't';
}

static char
int_signature(const MdAppType *type)
{
  guint bits = type_bits(type);
  return bits <= 16 ? 'n' : bits <= 32 ? 'i' : 'x';
}

static void
append_type_signature(GString *s, const MdAppType *type)
{
  switch (type->kind) {
  case MD_APP_BOOL:
    g_string_append_c(s, 'b');
    break;
  case MD_APP_UINT:
    g_string_append_c(s, uint_signature(type));
    break;
  case MD_APP_INT:
    g_string_append_c(s, int_signature(type));
    break;
  case MD_APP_SINGLE:
  case MD_APP_DOUBLE:
    g_string_append_c(s, 'd');
    break;
  case MD_APP_STRING:
    g_string_append_c(s, 's');
    break;
  case MD_APP_OCTETS:
    g_string_append(s, "ay");
    break;
  case MD_APP_STRUCT:
    append_fields_signature(s, type->fields, type->field_count);
    break;
  case MD_APP_LIST:
    g_string_append_c(s, 'a');
    append_type_signature(s, type->element);
    break;
  }
}

char *
md_app_value_signature(const MdAppType *type, guint8 flags)
{
  GString *s = g_string_new(NULL);
  append_flags_signature(s, type, flags);
  return g_string_free(s, FALSE);
}

char *
md_app_fields_signature(const MdAppField *fields, gsize count)
{
  GString *s = g_string_new(NULL);
  append_fields_signature(s, fields, count);
  return g_string_free(s, FALSE);
}

/* ---- Range rules shared by decoding and checking ------------------- */

static guint64
uint_width_max(const MdAppType *type)
{
  guint bits = type_bits(type);
  return bits == 64 ? G_MAXUINT64 : (G_GUINT64_CONSTANT(1) << bits) - 1;
}

static gint64
int_width_min(const MdAppType *type)
{
  guint bits = type_bits(type);
  return bits == 64 ? G_MININT64 : -(G_GINT64_CONSTANT(1) << (bits - 1));
}

static gint64
int_width_max(const MdAppType *type)
{
  guint bits = type_bits(type);
  return bits == 64 ? G_MAXINT64 : (G_GINT64_CONSTANT(1) << (bits - 1)) - 1;
}

/* The null of a nullable integer: all ones for an unsigned width, the
 * most negative value for a signed one. */
static GVariant *
new_null_sentinel(const MdAppType *type)
{
  if (type->kind == MD_APP_UINT)
    return md_app_value_new_uint(type, uint_width_max(type));
  return md_app_value_new_int(type, int_width_min(type));
}

static guint64 variant_uint(GVariant *value);
static gint64 variant_int(GVariant *value);

/* Whether @value (of @type's signature) is the null of a nullable integer. */
static gboolean
is_null_sentinel(const MdAppType *type, GVariant *value)
{
  if (type->kind == MD_APP_UINT)
    return variant_uint(value) == uint_width_max(type);
  if (type->kind == MD_APP_INT)
    return variant_int(value) == int_width_min(type);
  return FALSE;
}

static gboolean
enum_has(const MdAppType *type, guint64 v)
{
  for (gsize i = 0; i < type->enum_count; i++)
    if (type->enum_values[i] == v)
      return TRUE;
  return FALSE;
}

/* NULL when @v is a value of @type, otherwise why not (to free). */
static char *
uint_refusal(const MdAppType *type, gboolean nullable, guint64 v)
{
  guint64 width_max = uint_width_max(type);

  if (v > width_max)
    return g_strdup_printf("%" G_GUINT64_FORMAT " does not fit %s (%u bits)", v, type->name,
                           type_bits(type));
  if (nullable && v == width_max)
    return g_strdup_printf("%" G_GUINT64_FORMAT " is the null of a nullable %s, not a value", v,
                           type->name);
  if (type->has_min && v < type->umin)
    return g_strdup_printf("%" G_GUINT64_FORMAT " is below the minimum %" G_GUINT64_FORMAT, v,
                           type->umin);
  if (type->has_max && v > type->umax)
    return g_strdup_printf("%" G_GUINT64_FORMAT " is above the maximum %" G_GUINT64_FORMAT, v,
                           type->umax);
  if (type->enum_values && !enum_has(type, v))
    return g_strdup_printf("%" G_GUINT64_FORMAT " is not a value of %s", v, type->name);
  if (type->bitmap_bits && (v & ~type->bitmap_bits))
    return g_strdup_printf("0x%" G_GINT64_MODIFIER
                           "x sets bits %s does not define (0x%" G_GINT64_MODIFIER "x)",
                           v, type->name, v & ~type->bitmap_bits);
  return NULL;
}

static char *
int_refusal(const MdAppType *type, gboolean nullable, gint64 v)
{
  gint64 width_min = int_width_min(type);

  if (v < width_min || v > int_width_max(type))
    return g_strdup_printf("%" G_GINT64_FORMAT " does not fit %s (%u bits)", v, type->name,
                           type_bits(type));
  if (nullable && v == width_min)
    return g_strdup_printf("%" G_GINT64_FORMAT " is the null of a nullable %s, not a value", v,
                           type->name);
  if (type->has_min && v < type->min)
    return g_strdup_printf("%" G_GINT64_FORMAT " is below the minimum %" G_GINT64_FORMAT, v,
                           type->min);
  if (type->has_max && v > type->max)
    return g_strdup_printf("%" G_GINT64_FORMAT " is above the maximum %" G_GINT64_FORMAT, v,
                           type->max);
  return NULL;
}

/* @v as it travels: a single is rounded to a float first. */
static char *
float_refusal(const MdAppType *type, double v)
{
  if (type->kind == MD_APP_SINGLE && isfinite(v) && fabs(v) > FLT_MAX)
    return g_strdup_printf("%g does not fit a single", v);
  if ((type->has_min || type->has_max) && isnan(v))
    return g_strdup("NaN is outside the range");
  if (type->has_min && v < (double) type->min)
    return g_strdup_printf("%g is below the minimum %" G_GINT64_FORMAT, v, type->min);
  if (type->has_max && v > (double) type->max)
    return g_strdup_printf("%g is above the maximum %" G_GINT64_FORMAT, v, type->max);
  return NULL;
}

static char *
length_refusal(const MdAppType *type, gsize len, const char *unit)
{
  if (len < type->min_length)
    return g_strdup_printf("%" G_GSIZE_FORMAT " %s, fewer than the minimum %u", len, unit,
                           type->min_length);
  if (type->max_length && len > type->max_length)
    return g_strdup_printf("%" G_GSIZE_FORMAT " %s, more than the maximum %u", len, unit,
                           type->max_length);
  return NULL;
}

/* ---- TLV to GVariant ------------------------------------------------ */

/* Each returns a new reference (not floating) in *value on SUCCESS. */
static MatterImStatus value_from_tlv(const MdAppType *type, guint8 flags,
                                     const MatterTlvReader *reader, GVariant **value);
static MatterImStatus fields_from_tlv(const MdAppField *fields, gsize count,
                                      const MatterTlvReader *reader, GVariant **tuple);

GVariant *
md_app_value_new_uint(const MdAppType *type, guint64 v)
{
  switch (uint_signature(type)) {
  case 'y':
    return g_variant_new_byte((guint8) v);
  case 'q':
    return g_variant_new_uint16((guint16) v);
  case 'u':
    return g_variant_new_uint32((guint32) v);
  default:
    return g_variant_new_uint64(v);
  }
}

GVariant *
md_app_value_new_int(const MdAppType *type, gint64 v)
{
  switch (int_signature(type)) {
  case 'n':
    return g_variant_new_int16((gint16) v);
  case 'i':
    return g_variant_new_int32((gint32) v);
  default:
    return g_variant_new_int64(v);
  }
}

static gboolean
is_integer(MatterTlvType t)
{
  return t == MATTER_TLV_TYPE_UNSIGNED || t == MATTER_TLV_TYPE_SIGNED;
}

static MatterImStatus
uint_from_tlv(const MdAppType *type, gboolean nullable, const MatterTlvReader *reader,
              GVariant **value)
{
  guint64 v;

  if (!is_integer(matter_tlv_get_type(reader)))
    return MATTER_IM_STATUS_INVALID_DATA_TYPE;
  if (matter_tlv_get_u64(reader, &v) != MATTER_OK)
    return MATTER_IM_STATUS_CONSTRAINT_ERROR; /* negative */
  g_autofree char *why = uint_refusal(type, nullable, v);
  if (why)
    return MATTER_IM_STATUS_CONSTRAINT_ERROR;
  *value = g_variant_ref_sink(md_app_value_new_uint(type, v));
  return MATTER_IM_STATUS_SUCCESS;
}

static MatterImStatus
int_from_tlv(const MdAppType *type, gboolean nullable, const MatterTlvReader *reader,
             GVariant **value)
{
  gint64 v;

  if (!is_integer(matter_tlv_get_type(reader)))
    return MATTER_IM_STATUS_INVALID_DATA_TYPE;
  if (matter_tlv_get_i64(reader, &v) != MATTER_OK)
    return MATTER_IM_STATUS_CONSTRAINT_ERROR; /* above G_MAXINT64 */
  g_autofree char *why = int_refusal(type, nullable, v);
  if (why)
    return MATTER_IM_STATUS_CONSTRAINT_ERROR;
  *value = g_variant_ref_sink(md_app_value_new_int(type, v));
  return MATTER_IM_STATUS_SUCCESS;
}

static MatterImStatus
float_from_tlv(const MdAppType *type, const MatterTlvReader *reader, GVariant **value)
{
  double v;

  if (type->kind == MD_APP_SINGLE) {
    float f;
    if (matter_tlv_get_float(reader, &f) != MATTER_OK)
      return MATTER_IM_STATUS_INVALID_DATA_TYPE;
    v = f;
  } else if (matter_tlv_get_double(reader, &v) != MATTER_OK) {
    return MATTER_IM_STATUS_INVALID_DATA_TYPE;
  }
  g_autofree char *why = float_refusal(type, v);
  if (why)
    return MATTER_IM_STATUS_CONSTRAINT_ERROR;
  *value = g_variant_ref_sink(g_variant_new_double(v));
  return MATTER_IM_STATUS_SUCCESS;
}

static MatterImStatus
string_from_tlv(const MdAppType *type, const MatterTlvReader *reader, GVariant **value)
{
  const char *str;
  size_t len;

  if (matter_tlv_get_utf8(reader, &str, &len) != MATTER_OK)
    return MATTER_IM_STATUS_INVALID_DATA_TYPE;
  g_autofree char *why = length_refusal(type, len, "bytes");
  if (why)
    return MATTER_IM_STATUS_CONSTRAINT_ERROR;
  /* Valid UTF-8 without U+0000 (the reader checked), so a C string. */
  *value = g_variant_ref_sink(g_variant_new_take_string(g_strndup(str, len)));
  return MATTER_IM_STATUS_SUCCESS;
}

static MatterImStatus
octets_from_tlv(const MdAppType *type, const MatterTlvReader *reader, GVariant **value)
{
  const uint8_t *data;
  size_t len;

  if (matter_tlv_get_bytes(reader, &data, &len) != MATTER_OK)
    return MATTER_IM_STATUS_INVALID_DATA_TYPE;
  g_autofree char *why = length_refusal(type, len, "bytes");
  if (why)
    return MATTER_IM_STATUS_CONSTRAINT_ERROR;
  *value =
      g_variant_ref_sink(g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, data, len, sizeof(guint8)));
  return MATTER_IM_STATUS_SUCCESS;
}

static MatterImStatus
struct_from_tlv(const MdAppType *type, const MatterTlvReader *reader, GVariant **value)
{
  MatterTlvReader inner = *reader;

  if (matter_tlv_get_type(reader) != MATTER_TLV_TYPE_STRUCTURE ||
      matter_tlv_enter(&inner) != MATTER_OK)
    return MATTER_IM_STATUS_INVALID_DATA_TYPE;
  return fields_from_tlv(type->fields, type->field_count, &inner, value);
}

static GVariantType *
new_variant_type(const MdAppType *type, guint8 flags)
{
  g_autofree char *sig = md_app_value_signature(type, flags);
  return g_variant_type_new(sig);
}

static MatterImStatus
list_from_tlv(const MdAppType *type, const MatterTlvReader *reader, GVariant **value)
{
  MatterTlvReader inner = *reader;
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func((GDestroyNotify) g_variant_unref);
  MatterError err;

  if (matter_tlv_get_type(reader) != MATTER_TLV_TYPE_ARRAY || matter_tlv_enter(&inner) != MATTER_OK)
    return MATTER_IM_STATUS_INVALID_DATA_TYPE;
  while ((err = matter_tlv_next(&inner)) == MATTER_OK) {
    GVariant *item;
    MatterImStatus status = value_from_tlv(type->element, 0, &inner, &item);
    if (status != MATTER_IM_STATUS_SUCCESS)
      return status;
    g_ptr_array_add(items, item);
    if (type->max_length && items->len > type->max_length)
      return MATTER_IM_STATUS_CONSTRAINT_ERROR;
  }
  if (err != MATTER_ERROR_TLV_END)
    return MATTER_IM_STATUS_INVALID_DATA_TYPE;
  g_autofree char *why = length_refusal(type, items->len, "entries");
  if (why)
    return MATTER_IM_STATUS_CONSTRAINT_ERROR;
  g_autoptr(GVariantType) element = new_variant_type(type->element, 0);
  *value = g_variant_ref_sink(
      g_variant_new_array(element, (GVariant *const *) items->pdata, items->len));
  return MATTER_IM_STATUS_SUCCESS;
}

static MatterImStatus
base_from_tlv(const MdAppType *type, gboolean nullable, const MatterTlvReader *reader,
              GVariant **value)
{
  switch (type->kind) {
  case MD_APP_BOOL: {
    bool b;
    if (matter_tlv_get_bool(reader, &b) != MATTER_OK)
      return MATTER_IM_STATUS_INVALID_DATA_TYPE;
    *value = g_variant_ref_sink(g_variant_new_boolean(b));
    return MATTER_IM_STATUS_SUCCESS;
  }
  case MD_APP_UINT:
    return uint_from_tlv(type, nullable, reader, value);
  case MD_APP_INT:
    return int_from_tlv(type, nullable, reader, value);
  case MD_APP_SINGLE:
  case MD_APP_DOUBLE:
    return float_from_tlv(type, reader, value);
  case MD_APP_STRING:
    return string_from_tlv(type, reader, value);
  case MD_APP_OCTETS:
    return octets_from_tlv(type, reader, value);
  case MD_APP_STRUCT:
    return struct_from_tlv(type, reader, value);
  case MD_APP_LIST:
    return list_from_tlv(type, reader, value);
  }
  return MATTER_IM_STATUS_FAILURE;
}

/* An array of no element or of @item (taken): an optional field, a
 * nullable value that is not an integer. */
static GVariant *
new_maybe(const MdAppType *type, guint8 flags, GVariant *item)
{
  g_autoptr(GVariantType) element = new_variant_type(type, flags);
  GVariant *array = g_variant_ref_sink(g_variant_new_array(element, &item, item ? 1 : 0));
  g_clear_pointer(&item, g_variant_unref);
  return array;
}

static MatterImStatus
value_from_tlv(const MdAppType *type, guint8 flags, const MatterTlvReader *reader, GVariant **value)
{
  gboolean nullable = (flags & MD_APP_NULLABLE) != 0;
  GVariant *v = NULL;

  if (matter_tlv_get_type(reader) == MATTER_TLV_TYPE_NULL) {
    if (!nullable)
      return MATTER_IM_STATUS_INVALID_DATA_TYPE;
    if (null_is_sentinel(type))
      v = g_variant_ref_sink(new_null_sentinel(type));
  } else {
    /* A nullable integer equal to its null is refused by the range
     * rules (CONSTRAINT_ERROR). */
    MatterImStatus status = base_from_tlv(type, nullable, reader, &v);
    if (status != MATTER_IM_STATUS_SUCCESS)
      return status;
  }
  if (null_is_empty_array(type, flags))
    v = new_maybe(type, 0, v);
  if (flags & MD_APP_OPTIONAL)
    v = new_maybe(type, flags & MD_APP_NULLABLE, v);
  *value = v;
  return MATTER_IM_STATUS_SUCCESS;
}

static gssize
field_index(const MdAppField *fields, gsize count, MatterTlvTag tag)
{
  if (tag.kind != MATTER_TLV_TAG_CONTEXT)
    return -1;
  for (gsize i = 0; i < count; i++)
    if (fields[i].id == tag.number)
      return (gssize) i;
  return -1;
}

static MatterImStatus
fields_from_tlv(const MdAppField *fields, gsize count, const MatterTlvReader *reader,
                GVariant **tuple)
{
  MatterTlvReader r = *reader;
  g_autofree GVariant **values = g_new0(GVariant *, count + 1);
  MatterImStatus status = MATTER_IM_STATUS_SUCCESS;
  MatterError err = MATTER_OK;

  while (status == MATTER_IM_STATUS_SUCCESS && (err = matter_tlv_next(&r)) == MATTER_OK) {
    gssize i = field_index(fields, count, matter_tlv_get_tag(&r));
    if (i < 0)
      continue; /* a field of a later revision */
    if (values[i])
      status = MATTER_IM_STATUS_INVALID_COMMAND;
    else
      status = value_from_tlv(fields[i].type, fields[i].flags, &r, &values[i]);
  }
  if (status == MATTER_IM_STATUS_SUCCESS && err != MATTER_ERROR_TLV_END)
    status = MATTER_IM_STATUS_INVALID_DATA_TYPE;
  for (gsize i = 0; status == MATTER_IM_STATUS_SUCCESS && i < count; i++) {
    if (values[i])
      continue;
    if (!(fields[i].flags & MD_APP_OPTIONAL))
      status = MATTER_IM_STATUS_INVALID_COMMAND;
    else
      values[i] = new_maybe(fields[i].type, fields[i].flags & MD_APP_NULLABLE, NULL);
  }
  if (status == MATTER_IM_STATUS_SUCCESS)
    *tuple = g_variant_ref_sink(g_variant_new_tuple(values, count));
  for (gsize i = 0; i < count; i++)
    g_clear_pointer(&values[i], g_variant_unref);
  return status;
}

MatterImStatus
md_app_value_from_tlv(const MdAppType *type, guint8 flags, MatterTlvReader *reader,
                      GVariant **value)
{
  g_return_val_if_fail(type && reader && value, MATTER_IM_STATUS_FAILURE);
  return value_from_tlv(type, flags, reader, value);
}

MatterImStatus
md_app_fields_from_tlv(const MdAppField *fields, gsize count, MatterTlvReader *reader,
                       GVariant **tuple)
{
  g_return_val_if_fail((fields || count == 0) && reader && tuple, MATTER_IM_STATUS_FAILURE);
  return fields_from_tlv(fields, count, reader, tuple);
}

/* ---- GVariant to TLV ------------------------------------------------ */

static MatterError value_to_tlv(const MdAppType *type, guint8 flags, GVariant *value,
                                MatterTlvWriter *w, MatterTlvTag tag);
static MatterError fields_to_tlv(const MdAppField *fields, gsize count, GVariant *tuple,
                                 MatterTlvWriter *w, MatterTlvTag tag);

static guint64
variant_uint(GVariant *value)
{
  switch (g_variant_classify(value)) {
  case G_VARIANT_CLASS_BYTE:
    return g_variant_get_byte(value);
  case G_VARIANT_CLASS_UINT16:
    return g_variant_get_uint16(value);
  case G_VARIANT_CLASS_UINT32:
    return g_variant_get_uint32(value);
  default:
    return g_variant_get_uint64(value);
  }
}

static gint64
variant_int(GVariant *value)
{
  switch (g_variant_classify(value)) {
  case G_VARIANT_CLASS_INT16:
    return g_variant_get_int16(value);
  case G_VARIANT_CLASS_INT32:
    return g_variant_get_int32(value);
  default:
    return g_variant_get_int64(value);
  }
}

static MatterError
list_to_tlv(const MdAppType *type, GVariant *value, MatterTlvWriter *w, MatterTlvTag tag)
{
  gsize n = g_variant_n_children(value);

  matter_tlv_start_array(w, tag);
  for (gsize i = 0; i < n; i++) {
    g_autoptr(GVariant) item = g_variant_get_child_value(value, i);
    value_to_tlv(type->element, 0, item, w, matter_tlv_tag_anonymous());
  }
  return matter_tlv_end_container(w);
}

static MatterError
base_to_tlv(const MdAppType *type, GVariant *value, MatterTlvWriter *w, MatterTlvTag tag)
{
  switch (type->kind) {
  case MD_APP_BOOL:
    return matter_tlv_put_bool(w, tag, g_variant_get_boolean(value));
  case MD_APP_UINT:
    return matter_tlv_put_uint(w, tag, variant_uint(value));
  case MD_APP_INT:
    return matter_tlv_put_int(w, tag, variant_int(value));
  case MD_APP_SINGLE: {
    double v = g_variant_get_double(value);
    if (isfinite(v) && fabs(v) > FLT_MAX)
      return MATTER_ERROR_INVALID_ARGUMENT; /* no float for it */
    return matter_tlv_put_float(w, tag, (float) v);
  }
  case MD_APP_DOUBLE:
    return matter_tlv_put_double(w, tag, g_variant_get_double(value));
  case MD_APP_STRING: {
    gsize len;
    const char *s = g_variant_get_string(value, &len);
    return matter_tlv_put_utf8(w, tag, s, len);
  }
  case MD_APP_OCTETS: {
    gsize len;
    const guint8 *data = g_variant_get_fixed_array(value, &len, sizeof(guint8));
    return matter_tlv_put_bytes(w, tag, data, len);
  }
  case MD_APP_STRUCT:
    return fields_to_tlv(type->fields, type->field_count, value, w, tag);
  case MD_APP_LIST:
    return list_to_tlv(type, value, w, tag);
  }
  return MATTER_ERROR_INVALID_ARGUMENT;
}

/* An array of at most one element: NULL for none, else a new reference. */
static GVariant *
maybe_item(GVariant *array)
{
  return g_variant_n_children(array) ? g_variant_get_child_value(array, 0) : NULL;
}

static MatterError
value_to_tlv(const MdAppType *type, guint8 flags, GVariant *value, MatterTlvWriter *w,
             MatterTlvTag tag)
{
  if (flags & MD_APP_OPTIONAL) {
    g_autoptr(GVariant) item = maybe_item(value);
    if (!item)
      return MATTER_OK; /* left out */
    return value_to_tlv(type, flags & MD_APP_NULLABLE, item, w, tag);
  }
  if ((flags & MD_APP_NULLABLE) && null_is_sentinel(type)) {
    if (is_null_sentinel(type, value))
      return matter_tlv_put_null(w, tag);
    return base_to_tlv(type, value, w, tag);
  }
  if (flags & MD_APP_NULLABLE) {
    g_autoptr(GVariant) item = maybe_item(value);
    if (!item)
      return matter_tlv_put_null(w, tag);
    return base_to_tlv(type, item, w, tag);
  }
  return base_to_tlv(type, value, w, tag);
}

static MatterError
fields_to_tlv(const MdAppField *fields, gsize count, GVariant *tuple, MatterTlvWriter *w,
              MatterTlvTag tag)
{
  matter_tlv_start_structure(w, tag);
  for (gsize i = 0; i < count; i++) {
    g_autoptr(GVariant) field = g_variant_get_child_value(tuple, i);
    if (fields[i].id > G_MAXUINT8)
      return MATTER_ERROR_INVALID_ARGUMENT; /* no context tag for it */
    value_to_tlv(fields[i].type, fields[i].flags, field, w,
                 matter_tlv_tag_context((uint8_t) fields[i].id));
  }
  return matter_tlv_end_container(w);
}

static gboolean
has_signature(GVariant *value, const char *signature)
{
  return g_variant_type_string_is_valid(signature) &&
         g_variant_is_of_type(value, G_VARIANT_TYPE(signature));
}

MatterError
md_app_value_to_tlv(const MdAppType *type, guint8 flags, GVariant *value, MatterTlvWriter *w,
                    MatterTlvTag tag)
{
  g_return_val_if_fail(type && value && w, MATTER_ERROR_INVALID_ARGUMENT);
  g_autofree char *sig = md_app_value_signature(type, flags);
  if (!has_signature(value, sig))
    return MATTER_ERROR_INVALID_ARGUMENT;
  /* The writer's error sticks, so a failure inside a container is what
   * closing it returns. */
  return value_to_tlv(type, flags, value, w, tag);
}

MatterError
md_app_fields_to_tlv(const MdAppField *fields, gsize count, GVariant *tuple, MatterTlvWriter *w,
                     MatterTlvTag tag)
{
  g_return_val_if_fail((fields || count == 0) && tuple && w, MATTER_ERROR_INVALID_ARGUMENT);
  g_autofree char *sig = md_app_fields_signature(fields, count);
  if (!has_signature(tuple, sig))
    return MATTER_ERROR_INVALID_ARGUMENT;
  return fields_to_tlv(fields, count, tuple, w, tag);
}

/* ---- Checking an application's value -------------------------------- */

static gboolean value_check(const MdAppType *type, guint8 flags, GVariant *value, const char *what,
                            GError **error);
static gboolean fields_check(const MdAppField *fields, gsize count, GVariant *tuple,
                             const char *what, GError **error);

static gboolean
refuse(char *why, const char *what, GError **error)
{
  if (!why)
    return TRUE;
  g_set_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT, "%s: %s", what, why);
  g_free(why);
  return FALSE;
}

static char *
string_refusal(const MdAppType *type, GVariant *value)
{
  gsize len;
  const char *s = g_variant_get_string(value, &len);

  if (!matter_tlv_utf8_valid((const uint8_t *) s, len))
    return g_strdup("not valid UTF-8");
  return length_refusal(type, len, "bytes");
}

static gboolean
list_check(const MdAppType *type, GVariant *value, const char *what, GError **error)
{
  gsize n = g_variant_n_children(value);

  if (!refuse(length_refusal(type, n, "entries"), what, error))
    return FALSE;
  for (gsize i = 0; i < n; i++) {
    g_autoptr(GVariant) item = g_variant_get_child_value(value, i);
    g_autofree char *item_what = g_strdup_printf("%s[%" G_GSIZE_FORMAT "]", what, i);
    if (!value_check(type->element, 0, item, item_what, error))
      return FALSE;
  }
  return TRUE;
}

static gboolean
base_check(const MdAppType *type, gboolean nullable, GVariant *value, const char *what,
           GError **error)
{
  switch (type->kind) {
  case MD_APP_BOOL:
    return TRUE;
  case MD_APP_UINT:
    return refuse(uint_refusal(type, nullable, variant_uint(value)), what, error);
  case MD_APP_INT:
    return refuse(int_refusal(type, nullable, variant_int(value)), what, error);
  case MD_APP_SINGLE: {
    double v = g_variant_get_double(value);
    if (isfinite(v) && fabs(v) > FLT_MAX)
      return refuse(float_refusal(type, v), what, error);
    return refuse(float_refusal(type, (float) v), what, error);
  }
  case MD_APP_DOUBLE:
    return refuse(float_refusal(type, g_variant_get_double(value)), what, error);
  case MD_APP_STRING:
    return refuse(string_refusal(type, value), what, error);
  case MD_APP_OCTETS:
    return refuse(length_refusal(type, g_variant_n_children(value), "bytes"), what, error);
  case MD_APP_STRUCT:
    return fields_check(type->fields, type->field_count, value, what, error);
  case MD_APP_LIST:
    return list_check(type, value, what, error);
  }
  return refuse(g_strdup("a type matterd does not know"), what, error);
}

static gboolean
value_check(const MdAppType *type, guint8 flags, GVariant *value, const char *what, GError **error)
{
  if (!(flags & MD_APP_OPTIONAL) && (flags & MD_APP_NULLABLE) && null_is_sentinel(type)) {
    /* Null, or a value of the nullable range (the sentinel left out). */
    if (is_null_sentinel(type, value))
      return TRUE;
    return base_check(type, TRUE, value, what, error);
  }
  if ((flags & MD_APP_OPTIONAL) || null_is_empty_array(type, flags)) {
    gsize n = g_variant_n_children(value);
    if (n > 1)
      return refuse(g_strdup_printf("%s value takes at most one element, not %" G_GSIZE_FORMAT,
                                    flags & MD_APP_OPTIONAL ? "an optional" : "a nullable", n),
                    what, error);
    if (n == 0)
      return TRUE;
    g_autoptr(GVariant) item = g_variant_get_child_value(value, 0);
    guint8 rest = flags & MD_APP_OPTIONAL ? flags & MD_APP_NULLABLE : 0;
    if (rest)
      return value_check(type, rest, item, what, error);
    return base_check(type, (flags & MD_APP_NULLABLE) != 0, item, what, error);
  }
  return base_check(type, FALSE, value, what, error);
}

static gboolean
fields_check(const MdAppField *fields, gsize count, GVariant *tuple, const char *what,
             GError **error)
{
  for (gsize i = 0; i < count; i++) {
    g_autoptr(GVariant) field = g_variant_get_child_value(tuple, i);
    g_autofree char *field_what = g_strdup_printf("%s.%s", what, fields[i].name);
    if (fields[i].id > G_MAXUINT8)
      return refuse(g_strdup("a field id beyond a context tag"), field_what, error);
    if (!value_check(fields[i].type, fields[i].flags, field, field_what, error))
      return FALSE;
  }
  return TRUE;
}

static gboolean
signature_check(GVariant *value, const char *signature, const char *what, GError **error)
{
  if (has_signature(value, signature))
    return TRUE;
  g_set_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT, "%s: signature '%s' where '%s' is due",
              what, g_variant_get_type_string(value), signature);
  return FALSE;
}

gboolean
md_app_value_check(const MdAppType *type, guint8 flags, GVariant *value, const char *what,
                   GError **error)
{
  g_return_val_if_fail(type && value && what, FALSE);
  g_autofree char *sig = md_app_value_signature(type, flags);
  return signature_check(value, sig, what, error) && value_check(type, flags, value, what, error);
}

gboolean
md_app_fields_check(const MdAppField *fields, gsize count, GVariant *tuple, const char *what,
                    GError **error)
{
  g_return_val_if_fail((fields || count == 0) && tuple && what, FALSE);
  g_autofree char *sig = md_app_fields_signature(fields, count);
  return signature_check(tuple, sig, what, error) &&
         fields_check(fields, count, tuple, what, error);
}
