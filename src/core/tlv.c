/* SPDX-License-Identifier: Apache-2.0 */
#include "matter/tlv.h"

#include <string.h>

/* Wire element types (Core spec A.7). Integers and string lengths come in
 * 1, 2, 4 and 8 bytes: the two low bits of the type are the log2 width. */
enum {
  WIRE_INT = 0x00,
  WIRE_UINT = 0x04,
  WIRE_FALSE = 0x08,
  WIRE_TRUE = 0x09,
  WIRE_FLOAT = 0x0a,
  WIRE_DOUBLE = 0x0b,
  WIRE_UTF8 = 0x0c,
  WIRE_BYTES = 0x10,
  WIRE_NULL = 0x14,
  WIRE_STRUCTURE = 0x15,
  WIRE_ARRAY = 0x16,
  WIRE_LIST = 0x17,
  WIRE_END = 0x18,
  WIRE_RESERVED = 0x19, /* and above */
};

/* Tag control values (the control byte's 3 high bits). */
enum {
  CTL_ANONYMOUS = 0,
  CTL_CONTEXT = 1,
  CTL_COMMON_2 = 2,
  CTL_COMMON_4 = 3,
  CTL_IMPLICIT_2 = 4,
  CTL_IMPLICIT_4 = 5,
  CTL_FULL_6 = 6,
  CTL_FULL_8 = 7,
};

/* The parent "container" of a top-level element. */
#define TOP_LEVEL 0xff

/* Control byte, 8 bytes of tag, 8 bytes of value or length. */
#define MAX_HEAD 17

static const uint8_t tag_size[8] = { 0, 1, 2, 4, 2, 4, 6, 8 };

/* One decoded element head. */
typedef struct {
  uint8_t type;
  MatterTlvTag tag;
  size_t body_off;  /* past the tag */
  size_t value_off; /* value, string payload or first contained element */
  size_t value_len; /* value width or string length; 0 for containers */
  uint64_t value;
} Element;

static uint64_t
get_le(const uint8_t *p, size_t n)
{
  uint64_t v = 0;

  for (size_t i = n; i > 0; i--)
    v = (v << 8) | p[i - 1];
  return v;
}

static void
put_le(uint8_t *p, uint64_t v, size_t n)
{
  for (size_t i = 0; i < n; i++, v >>= 8)
    p[i] = (uint8_t) v;
}

static bool
is_container(uint8_t type)
{
  return type == WIRE_STRUCTURE || type == WIRE_ARRAY || type == WIRE_LIST;
}

static bool
is_integer(uint8_t type)
{
  return type < WIRE_FALSE;
}

static bool
is_utf8(uint8_t type)
{
  return type >= WIRE_UTF8 && type < WIRE_BYTES;
}

static bool
is_bytes(uint8_t type)
{
  return type >= WIRE_BYTES && type < WIRE_NULL;
}

/* ---- Tags ------------------------------------------------------------ */

MatterTlvTag
matter_tlv_tag_anonymous(void)
{
  return (MatterTlvTag){ .kind = MATTER_TLV_TAG_ANONYMOUS };
}

MatterTlvTag
matter_tlv_tag_context(uint8_t number)
{
  return (MatterTlvTag){ .kind = MATTER_TLV_TAG_CONTEXT, .number = number };
}

MatterTlvTag
matter_tlv_tag_common(uint32_t number)
{
  return (MatterTlvTag){ .kind = MATTER_TLV_TAG_COMMON, .number = number };
}

MatterTlvTag
matter_tlv_tag_implicit(uint32_t number)
{
  return (MatterTlvTag){ .kind = MATTER_TLV_TAG_IMPLICIT, .number = number };
}

MatterTlvTag
matter_tlv_tag_fully_qualified(uint16_t vendor_id, uint16_t profile, uint32_t number)
{
  return (MatterTlvTag){
    .kind = MATTER_TLV_TAG_FULLY_QUALIFIED,
    .vendor_id = vendor_id,
    .profile = profile,
    .number = number,
  };
}

bool
matter_tlv_tag_equal(MatterTlvTag a, MatterTlvTag b)
{
  if (a.kind != b.kind)
    return false;
  if (a.kind == MATTER_TLV_TAG_ANONYMOUS)
    return true;
  if (a.kind == MATTER_TLV_TAG_FULLY_QUALIFIED &&
      (a.vendor_id != b.vendor_id || a.profile != b.profile))
    return false;
  return a.number == b.number;
}

bool
matter_tlv_tag_is_context(MatterTlvTag tag, uint8_t number)
{
  return tag.kind == MATTER_TLV_TAG_CONTEXT && tag.number == number;
}

static MatterTlvTag
decode_tag(unsigned ctl, const uint8_t *p)
{
  switch (ctl) {
  case CTL_CONTEXT:
    return matter_tlv_tag_context(p[0]);
  case CTL_COMMON_2:
  case CTL_COMMON_4:
    return matter_tlv_tag_common((uint32_t) get_le(p, tag_size[ctl]));
  case CTL_IMPLICIT_2:
  case CTL_IMPLICIT_4:
    return matter_tlv_tag_implicit((uint32_t) get_le(p, tag_size[ctl]));
  case CTL_FULL_6:
  case CTL_FULL_8:
    return matter_tlv_tag_fully_qualified((uint16_t) get_le(p, 2), (uint16_t) get_le(p + 2, 2),
                                          (uint32_t) get_le(p + 4, tag_size[ctl] - 4u));
  default:
    return matter_tlv_tag_anonymous();
  }
}

/* Writes @tag's bytes to @out and returns its tag control, or -1 when no
 * constructor makes such a tag. */
static int
encode_tag(MatterTlvTag tag, uint8_t *out)
{
  bool wide = tag.number > 0xffff;

  switch (tag.kind) {
  case MATTER_TLV_TAG_ANONYMOUS:
    return CTL_ANONYMOUS;
  case MATTER_TLV_TAG_CONTEXT:
    if (tag.number > 0xff)
      return -1;
    out[0] = (uint8_t) tag.number;
    return CTL_CONTEXT;
  case MATTER_TLV_TAG_COMMON:
    put_le(out, tag.number, wide ? 4 : 2);
    return wide ? CTL_COMMON_4 : CTL_COMMON_2;
  case MATTER_TLV_TAG_IMPLICIT:
    put_le(out, tag.number, wide ? 4 : 2);
    return wide ? CTL_IMPLICIT_4 : CTL_IMPLICIT_2;
  case MATTER_TLV_TAG_FULLY_QUALIFIED:
    put_le(out, tag.vendor_id, 2);
    put_le(out + 2, tag.profile, 2);
    put_le(out + 4, tag.number, wide ? 4 : 2);
    return wide ? CTL_FULL_8 : CTL_FULL_6;
  }
  return -1;
}

/* Arrays hold anonymous elements, structures tagged ones (A.11). */
static MatterError
check_tag_position(uint8_t parent, MatterTlvTag tag)
{
  if (parent == WIRE_ARRAY && tag.kind != MATTER_TLV_TAG_ANONYMOUS)
    return MATTER_ERROR_TLV_BAD_TAG;
  if (parent == WIRE_STRUCTURE && tag.kind == MATTER_TLV_TAG_ANONYMOUS)
    return MATTER_ERROR_TLV_BAD_TAG;
  return MATTER_OK;
}

/* ---- UTF-8 ----------------------------------------------------------- */

bool
matter_tlv_utf8_valid(const uint8_t *s, size_t len)
{
  size_t i = 0;

  while (i < len) {
    uint8_t c = s[i];
    uint8_t lo = 0x80, hi = 0xbf; /* range of the first continuation byte */
    size_t n;

    if (c == 0)
      return false;
    if (c < 0x80) {
      i++;
      continue;
    }
    if (c >= 0xc2 && c <= 0xdf) {
      n = 1;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      if (c == 0xe0)
        lo = 0xa0; /* overlong */
      else if (c == 0xed)
        hi = 0x9f; /* surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      if (c == 0xf0)
        lo = 0x90; /* overlong */
      else if (c == 0xf4)
        hi = 0x8f; /* above U+10FFFF */
    } else {
      return false; /* continuation byte, C0, C1, F5..FF */
    }
    if (len - i <= n)
      return false;
    if (s[i + 1] < lo || s[i + 1] > hi)
      return false;
    for (size_t k = 2; k <= n; k++)
      if ((s[i + k] & 0xc0) != 0x80)
        return false;
    i += n + 1;
  }
  return true;
}

/* ---- Decoding -------------------------------------------------------- */

/* Decodes the head of the element at @off inside a container of wire type
 * @parent (TOP_LEVEL outside any): control byte, tag, and the value or
 * string length, checking that the value or payload lies inside @len. */
static MatterError
decode_element(const uint8_t *buf, size_t len, size_t off, uint8_t parent, Element *el)
{
  unsigned ctl, type;
  size_t p, width;
  MatterError err;

  if (off >= len)
    return MATTER_ERROR_TRUNCATED;
  ctl = buf[off] >> 5;
  type = buf[off] & 0x1f;
  p = off + 1;

  if (type >= WIRE_RESERVED)
    return MATTER_ERROR_TLV_BAD_ELEMENT_TYPE;
  if (type == WIRE_END) {
    if (ctl != CTL_ANONYMOUS)
      return MATTER_ERROR_TLV_BAD_TAG;
    if (parent == TOP_LEVEL)
      return MATTER_ERROR_TLV_UNBALANCED;
    *el = (Element){ .type = WIRE_END, .body_off = p, .value_off = p };
    return MATTER_OK;
  }

  if (len - p < tag_size[ctl])
    return MATTER_ERROR_TRUNCATED;
  el->type = (uint8_t) type;
  el->tag = decode_tag(ctl, buf + p);
  p += tag_size[ctl];
  el->body_off = p;
  err = check_tag_position(parent, el->tag);
  if (err != MATTER_OK)
    return err;

  el->value = 0;
  el->value_len = 0;
  if (is_integer((uint8_t) type) || type == WIRE_FLOAT || type == WIRE_DOUBLE) {
    if (type == WIRE_FLOAT)
      width = 4;
    else if (type == WIRE_DOUBLE)
      width = 8;
    else
      width = (size_t) 1 << (type & 3);
    if (len - p < width)
      return MATTER_ERROR_TRUNCATED;
    el->value = get_le(buf + p, width);
    if (type < WIRE_UINT && width < 8 && (el->value >> (8 * width - 1)) != 0)
      el->value |= UINT64_MAX << (8 * width);
    el->value_len = width;
  } else if (is_utf8((uint8_t) type) || is_bytes((uint8_t) type)) {
    uint64_t n;

    width = (size_t) 1 << (type & 3);
    if (len - p < width)
      return MATTER_ERROR_TRUNCATED;
    n = get_le(buf + p, width);
    p += width;
    /* Compared as 64-bit so a huge length cannot wrap size_t. */
    if (n > (uint64_t) (len - p))
      return MATTER_ERROR_TLV_LENGTH;
    el->value_len = (size_t) n;
  }
  el->value_off = p;
  return MATTER_OK;
}

/* Walks the element at @off (inside @parent, with @depth containers around
 * it) to its end, contents included, with a fixed-size stack instead of
 * recursion. With @check_utf8, UTF-8 strings are validated too. */
static MatterError
skip_element(const uint8_t *buf, size_t len, size_t off, uint8_t parent, unsigned depth,
             bool check_utf8, size_t *end)
{
  uint8_t stack[MATTER_TLV_MAX_DEPTH];
  unsigned n = 0;

  do {
    Element el;
    MatterError err = decode_element(buf, len, off, n > 0 ? stack[n - 1] : parent, &el);

    if (err != MATTER_OK)
      return err;
    if (el.type == WIRE_END) {
      if (n == 0)
        return MATTER_ERROR_TLV_UNBALANCED;
      n--;
      off = el.value_off;
      continue;
    }
    if (check_utf8 && is_utf8(el.type) && !matter_tlv_utf8_valid(buf + el.value_off, el.value_len))
      return MATTER_ERROR_TLV_BAD_UTF8;
    off = el.value_off + el.value_len;
    if (is_container(el.type)) {
      if (depth + n >= MATTER_TLV_MAX_DEPTH)
        return MATTER_ERROR_TLV_TOO_DEEP;
      stack[n++] = el.type;
    }
  } while (n > 0);

  *end = off;
  return MATTER_OK;
}

MatterError
matter_tlv_check(const uint8_t *buf, size_t len)
{
  size_t end;
  MatterError err = skip_element(buf, len, 0, TOP_LEVEL, 0, true, &end);

  if (err != MATTER_OK)
    return err;
  return end == len ? MATTER_OK : MATTER_ERROR_TLV_TRAILING;
}

/* ---- Writer ---------------------------------------------------------- */

void
matter_tlv_writer_init(MatterTlvWriter *writer, uint8_t *buf, size_t size)
{
  *writer = (MatterTlvWriter){ .buf = buf, .size = size };
}

MatterError
matter_tlv_writer_reserve(MatterTlvWriter *writer, size_t n)
{
  if (writer->error != MATTER_OK)
    return writer->error;
  if (writer->size - writer->len < n)
    return MATTER_ERROR_BUFFER_TOO_SMALL;
  writer->size -= n;
  return MATTER_OK;
}

void
matter_tlv_writer_release(MatterTlvWriter *writer, size_t n)
{
  writer->size += n;
}

static MatterError
writer_fail(MatterTlvWriter *writer, MatterError err)
{
  if (writer->error == MATTER_OK)
    writer->error = err;
  return writer->error;
}

static uint8_t
writer_parent(const MatterTlvWriter *writer)
{
  return writer->depth > 0 ? writer->container[writer->depth - 1] : TOP_LEVEL;
}

/* Appends @head and @payload, or nothing when they do not fit. */
static MatterError
writer_append(MatterTlvWriter *writer, const uint8_t *head, size_t head_len, const uint8_t *payload,
              size_t payload_len)
{
  size_t room = writer->size - writer->len;

  if (head_len > room || payload_len > room - head_len)
    return writer_fail(writer, MATTER_ERROR_BUFFER_TOO_SMALL);
  memcpy(writer->buf + writer->len, head, head_len);
  writer->len += head_len;
  if (payload_len > 0) {
    memcpy(writer->buf + writer->len, payload, payload_len);
    writer->len += payload_len;
  }
  return MATTER_OK;
}

/* Writes one element: control byte, @tag, @width bytes of @value, then
 * @payload. Opens a container when @type is one. */
static MatterError
write_element(MatterTlvWriter *writer, MatterTlvTag tag, uint8_t type, uint64_t value, size_t width,
              const uint8_t *payload, size_t payload_len)
{
  uint8_t head[MAX_HEAD];
  MatterError err;
  int ctl;

  if (writer->error != MATTER_OK)
    return writer->error;
  ctl = encode_tag(tag, head + 1);
  if (ctl < 0)
    return writer_fail(writer, MATTER_ERROR_INVALID_ARGUMENT);
  err = check_tag_position(writer_parent(writer), tag);
  if (err != MATTER_OK)
    return writer_fail(writer, err);
  if (is_container(type) && writer->depth >= MATTER_TLV_MAX_DEPTH)
    return writer_fail(writer, MATTER_ERROR_TLV_TOO_DEEP);

  head[0] = (uint8_t) ((unsigned) ctl << 5 | type);
  put_le(head + 1 + tag_size[ctl], value, width);
  err = writer_append(writer, head, 1 + tag_size[ctl] + width, payload, payload_len);
  if (err != MATTER_OK)
    return err;
  if (is_container(type))
    writer->container[writer->depth++] = type;
  return MATTER_OK;
}

/* The log2 of the narrowest of 1, 2, 4, 8 bytes holding @value unsigned. */
static unsigned
width_code(uint64_t value)
{
  if (value <= UINT8_MAX)
    return 0;
  if (value <= UINT16_MAX)
    return 1;
  if (value <= UINT32_MAX)
    return 2;
  return 3;
}

MatterError
matter_tlv_put_uint(MatterTlvWriter *writer, MatterTlvTag tag, uint64_t value)
{
  unsigned code = width_code(value);

  return write_element(writer, tag, (uint8_t) (WIRE_UINT + code), value, (size_t) 1 << code, NULL,
                       0);
}

MatterError
matter_tlv_put_int(MatterTlvWriter *writer, MatterTlvTag tag, int64_t value)
{
  unsigned code;

  if (value >= INT8_MIN && value <= INT8_MAX)
    code = 0;
  else if (value >= INT16_MIN && value <= INT16_MAX)
    code = 1;
  else if (value >= INT32_MIN && value <= INT32_MAX)
    code = 2;
  else
    code = 3;
  /* put_le() keeps the low bytes: two's complement at that width. */
  return write_element(writer, tag, (uint8_t) (WIRE_INT + code), (uint64_t) value,
                       (size_t) 1 << code, NULL, 0);
}

MatterError
matter_tlv_put_bool(MatterTlvWriter *writer, MatterTlvTag tag, bool value)
{
  return write_element(writer, tag, value ? WIRE_TRUE : WIRE_FALSE, 0, 0, NULL, 0);
}

MatterError
matter_tlv_put_float(MatterTlvWriter *writer, MatterTlvTag tag, float value)
{
  uint32_t bits;

  memcpy(&bits, &value, sizeof bits);
  return write_element(writer, tag, WIRE_FLOAT, bits, 4, NULL, 0);
}

MatterError
matter_tlv_put_double(MatterTlvWriter *writer, MatterTlvTag tag, double value)
{
  uint64_t bits;

  memcpy(&bits, &value, sizeof bits);
  return write_element(writer, tag, WIRE_DOUBLE, bits, 8, NULL, 0);
}

MatterError
matter_tlv_put_null(MatterTlvWriter *writer, MatterTlvTag tag)
{
  return write_element(writer, tag, WIRE_NULL, 0, 0, NULL, 0);
}

static MatterError
put_string_element(MatterTlvWriter *writer, MatterTlvTag tag, uint8_t base, const uint8_t *data,
                   size_t len)
{
  unsigned code = width_code(len);

  return write_element(writer, tag, (uint8_t) (base + code), len, (size_t) 1 << code, data, len);
}

MatterError
matter_tlv_put_utf8(MatterTlvWriter *writer, MatterTlvTag tag, const char *str, size_t len)
{
  if (writer->error != MATTER_OK)
    return writer->error;
  if (len > 0 && !matter_tlv_utf8_valid((const uint8_t *) str, len))
    return writer_fail(writer, MATTER_ERROR_TLV_BAD_UTF8);
  return put_string_element(writer, tag, WIRE_UTF8, (const uint8_t *) str, len);
}

MatterError
matter_tlv_put_string(MatterTlvWriter *writer, MatterTlvTag tag, const char *str)
{
  return matter_tlv_put_utf8(writer, tag, str, strlen(str));
}

MatterError
matter_tlv_put_bytes(MatterTlvWriter *writer, MatterTlvTag tag, const uint8_t *data, size_t len)
{
  return put_string_element(writer, tag, WIRE_BYTES, data, len);
}

MatterError
matter_tlv_start_structure(MatterTlvWriter *writer, MatterTlvTag tag)
{
  return write_element(writer, tag, WIRE_STRUCTURE, 0, 0, NULL, 0);
}

MatterError
matter_tlv_start_array(MatterTlvWriter *writer, MatterTlvTag tag)
{
  return write_element(writer, tag, WIRE_ARRAY, 0, 0, NULL, 0);
}

MatterError
matter_tlv_start_list(MatterTlvWriter *writer, MatterTlvTag tag)
{
  return write_element(writer, tag, WIRE_LIST, 0, 0, NULL, 0);
}

MatterError
matter_tlv_end_container(MatterTlvWriter *writer)
{
  static const uint8_t end = WIRE_END;
  MatterError err;

  if (writer->error != MATTER_OK)
    return writer->error;
  if (writer->depth == 0)
    return writer_fail(writer, MATTER_ERROR_TLV_UNBALANCED);
  err = writer_append(writer, &end, 1, NULL, 0);
  if (err == MATTER_OK)
    writer->depth--;
  return err;
}

MatterError
matter_tlv_put_element(MatterTlvWriter *writer, MatterTlvTag tag, const uint8_t *encoded,
                       size_t len)
{
  uint8_t head[MAX_HEAD];
  Element el;
  MatterError err;
  size_t end;
  int ctl;

  if (writer->error != MATTER_OK)
    return writer->error;
  err = skip_element(encoded, len, 0, TOP_LEVEL, writer->depth, true, &end);
  if (err == MATTER_OK && end != len)
    err = MATTER_ERROR_TLV_TRAILING;
  if (err != MATTER_OK)
    return writer_fail(writer, err);
  /* Cannot fail: skip_element() decoded it already. */
  (void) decode_element(encoded, len, 0, TOP_LEVEL, &el);

  ctl = encode_tag(tag, head + 1);
  if (ctl < 0)
    return writer_fail(writer, MATTER_ERROR_INVALID_ARGUMENT);
  err = check_tag_position(writer_parent(writer), tag);
  if (err != MATTER_OK)
    return writer_fail(writer, err);
  head[0] = (uint8_t) ((unsigned) ctl << 5 | el.type);
  return writer_append(writer, head, 1 + tag_size[ctl], encoded + el.body_off, len - el.body_off);
}

MatterError
matter_tlv_writer_finish(const MatterTlvWriter *writer, size_t *len)
{
  if (writer->error != MATTER_OK)
    return writer->error;
  if (writer->depth > 0)
    return MATTER_ERROR_TLV_UNBALANCED;
  *len = writer->len;
  return MATTER_OK;
}

/* ---- Reader ---------------------------------------------------------- */

void
matter_tlv_reader_init(MatterTlvReader *reader, const uint8_t *buf, size_t len)
{
  *reader = (MatterTlvReader){ .buf = buf, .len = len };
}

static MatterError
reader_fail(MatterTlvReader *reader, MatterError err)
{
  if (reader->error == MATTER_OK)
    reader->error = err;
  return reader->error;
}

static uint8_t
reader_parent(const MatterTlvReader *reader)
{
  return reader->depth > 0 ? reader->container[reader->depth - 1] : TOP_LEVEL;
}

/* Makes the element at @off the current one. */
static MatterError
reader_load(MatterTlvReader *reader, size_t off)
{
  Element el;
  MatterError err = decode_element(reader->buf, reader->len, off, reader_parent(reader), &el);

  if (err != MATTER_OK)
    return reader_fail(reader, err);
  if (el.type == WIRE_END) {
    reader->at_end = true;
    return MATTER_ERROR_TLV_END;
  }
  reader->has_element = true;
  reader->type = el.type;
  reader->tag = el.tag;
  reader->start = off;
  reader->value_off = el.value_off;
  reader->value_len = el.value_len;
  reader->value = el.value;
  reader->end = el.value_off + el.value_len;
  reader->end_known = !is_container(el.type);
  return MATTER_OK;
}

/* Finds (and remembers) where the current element ends. */
static MatterError
reader_element_end(MatterTlvReader *reader)
{
  MatterError err;

  if (reader->end_known)
    return MATTER_OK;
  err = skip_element(reader->buf, reader->len, reader->start, reader_parent(reader), reader->depth,
                     false, &reader->end);
  if (err != MATTER_OK)
    return reader_fail(reader, err);
  reader->end_known = true;
  return MATTER_OK;
}

MatterError
matter_tlv_next(MatterTlvReader *reader)
{
  MatterError err;

  if (reader->error != MATTER_OK)
    return reader->error;
  if (reader->at_end)
    return MATTER_ERROR_TLV_END;
  if (reader->has_element) {
    err = reader_element_end(reader);
    if (err != MATTER_OK)
      return err;
    reader->pos = reader->end;
    reader->has_element = false;
  }
  if (reader->depth == 0 && reader->pos == reader->len) {
    reader->at_end = true;
    return MATTER_ERROR_TLV_END;
  }
  return reader_load(reader, reader->pos);
}

MatterTlvType
matter_tlv_get_type(const MatterTlvReader *reader)
{
  uint8_t t = reader->type;

  if (!reader->has_element)
    return MATTER_TLV_TYPE_NONE;
  if (t < WIRE_UINT)
    return MATTER_TLV_TYPE_SIGNED;
  if (t < WIRE_FALSE)
    return MATTER_TLV_TYPE_UNSIGNED;
  if (is_utf8(t))
    return MATTER_TLV_TYPE_UTF8;
  if (is_bytes(t))
    return MATTER_TLV_TYPE_BYTES;
  switch (t) {
  case WIRE_FALSE:
  case WIRE_TRUE:
    return MATTER_TLV_TYPE_BOOL;
  case WIRE_FLOAT:
    return MATTER_TLV_TYPE_FLOAT;
  case WIRE_DOUBLE:
    return MATTER_TLV_TYPE_DOUBLE;
  case WIRE_NULL:
    return MATTER_TLV_TYPE_NULL;
  case WIRE_STRUCTURE:
    return MATTER_TLV_TYPE_STRUCTURE;
  case WIRE_ARRAY:
    return MATTER_TLV_TYPE_ARRAY;
  case WIRE_LIST:
    return MATTER_TLV_TYPE_LIST;
  }
  return MATTER_TLV_TYPE_NONE;
}

MatterTlvTag
matter_tlv_get_tag(const MatterTlvReader *reader)
{
  return reader->has_element ? reader->tag : matter_tlv_tag_anonymous();
}

size_t
matter_tlv_get_length(const MatterTlvReader *reader)
{
  if (!reader->has_element || !(is_utf8(reader->type) || is_bytes(reader->type)))
    return 0;
  return reader->value_len;
}

unsigned
matter_tlv_get_depth(const MatterTlvReader *reader)
{
  return reader->depth;
}

MatterError
matter_tlv_enter(MatterTlvReader *reader)
{
  if (reader->error != MATTER_OK)
    return reader->error;
  if (!reader->has_element)
    return MATTER_ERROR_BAD_STATE;
  if (!is_container(reader->type))
    return MATTER_ERROR_TLV_WRONG_TYPE;
  if (reader->depth >= MATTER_TLV_MAX_DEPTH)
    return reader_fail(reader, MATTER_ERROR_TLV_TOO_DEEP);
  reader->container[reader->depth] = reader->type;
  reader->container_start[reader->depth] = reader->value_off;
  reader->depth++;
  reader->pos = reader->value_off;
  reader->has_element = false;
  reader->at_end = false;
  return MATTER_OK;
}

MatterError
matter_tlv_exit(MatterTlvReader *reader)
{
  MatterError err;

  if (reader->error != MATTER_OK)
    return reader->error;
  if (reader->depth == 0)
    return MATTER_ERROR_TLV_UNBALANCED;
  /* Each step skips one element, so this is linear in the input. */
  while ((err = matter_tlv_next(reader)) == MATTER_OK)
    ;
  if (err != MATTER_ERROR_TLV_END)
    return err;
  /* matter_tlv_next() stopped on the end-of-container byte. */
  reader->pos++;
  reader->depth--;
  reader->has_element = false;
  reader->at_end = false;
  return MATTER_OK;
}

/* The current element as an integer; signed ones are sign-extended. */
static MatterError
reader_integer(const MatterTlvReader *reader, bool *is_signed, uint64_t *bits)
{
  if (!reader->has_element)
    return MATTER_ERROR_BAD_STATE;
  if (!is_integer(reader->type))
    return MATTER_ERROR_TLV_WRONG_TYPE;
  *is_signed = reader->type < WIRE_UINT;
  *bits = reader->value;
  return MATTER_OK;
}

MatterError
matter_tlv_get_u64(const MatterTlvReader *reader, uint64_t *value)
{
  bool is_signed;
  uint64_t bits;
  MatterError err = reader_integer(reader, &is_signed, &bits);

  if (err != MATTER_OK)
    return err;
  if (is_signed && (bits >> 63) != 0)
    return MATTER_ERROR_TLV_OUT_OF_RANGE;
  *value = bits;
  return MATTER_OK;
}

MatterError
matter_tlv_get_i64(const MatterTlvReader *reader, int64_t *value)
{
  bool is_signed;
  uint64_t bits;
  MatterError err = reader_integer(reader, &is_signed, &bits);

  if (err != MATTER_OK)
    return err;
  if (!is_signed && bits > INT64_MAX)
    return MATTER_ERROR_TLV_OUT_OF_RANGE;
  /* Two's complement bits back to a value, without an out-of-range cast. */
  *value = (bits >> 63) != 0 ? -(int64_t) (~bits) - 1 : (int64_t) bits;
  return MATTER_OK;
}

static MatterError
get_unsigned_max(const MatterTlvReader *reader, uint64_t max, uint64_t *value)
{
  MatterError err = matter_tlv_get_u64(reader, value);

  if (err == MATTER_OK && *value > max)
    return MATTER_ERROR_TLV_OUT_OF_RANGE;
  return err;
}

static MatterError
get_signed_range(const MatterTlvReader *reader, int64_t min, int64_t max, int64_t *value)
{
  MatterError err = matter_tlv_get_i64(reader, value);

  if (err == MATTER_OK && (*value < min || *value > max))
    return MATTER_ERROR_TLV_OUT_OF_RANGE;
  return err;
}

/* The narrower getters: the 64-bit one and a range check, the same steps
 * for each width, so one definition. @value is written only on success. */
#define DEFINE_GET_NARROW(suffix, ctype, wide, range_check)                        \
  MatterError matter_tlv_get_##suffix(const MatterTlvReader *reader, ctype *value) \
  {                                                                                \
    wide v;                                                                        \
    MatterError err = range_check;                                                 \
                                                                                   \
    if (err == MATTER_OK)                                                          \
      *value = (ctype) v;                                                          \
    return err;                                                                    \
  }

DEFINE_GET_NARROW(u8, uint8_t, uint64_t, get_unsigned_max(reader, UINT8_MAX, &v))
DEFINE_GET_NARROW(u16, uint16_t, uint64_t, get_unsigned_max(reader, UINT16_MAX, &v))
DEFINE_GET_NARROW(u32, uint32_t, uint64_t, get_unsigned_max(reader, UINT32_MAX, &v))
DEFINE_GET_NARROW(i8, int8_t, int64_t, get_signed_range(reader, INT8_MIN, INT8_MAX, &v))
DEFINE_GET_NARROW(i16, int16_t, int64_t, get_signed_range(reader, INT16_MIN, INT16_MAX, &v))
DEFINE_GET_NARROW(i32, int32_t, int64_t, get_signed_range(reader, INT32_MIN, INT32_MAX, &v))

/* MATTER_OK when there is a current element of one of the wire types
 * @first..@last. */
static MatterError
reader_expect(const MatterTlvReader *reader, uint8_t first, uint8_t last)
{
  if (!reader->has_element)
    return MATTER_ERROR_BAD_STATE;
  if (reader->type < first || reader->type > last)
    return MATTER_ERROR_TLV_WRONG_TYPE;
  return MATTER_OK;
}

MatterError
matter_tlv_get_bool(const MatterTlvReader *reader, bool *value)
{
  MatterError err = reader_expect(reader, WIRE_FALSE, WIRE_TRUE);

  if (err == MATTER_OK)
    *value = reader->type == WIRE_TRUE;
  return err;
}

MatterError
matter_tlv_get_float(const MatterTlvReader *reader, float *value)
{
  MatterError err = reader_expect(reader, WIRE_FLOAT, WIRE_FLOAT);
  uint32_t bits;

  if (err != MATTER_OK)
    return err;
  bits = (uint32_t) reader->value;
  memcpy(value, &bits, sizeof bits);
  return MATTER_OK;
}

MatterError
matter_tlv_get_double(const MatterTlvReader *reader, double *value)
{
  MatterError err = reader_expect(reader, WIRE_FLOAT, WIRE_DOUBLE);
  float f;

  if (err != MATTER_OK)
    return err;
  if (reader->type == WIRE_DOUBLE) {
    memcpy(value, &reader->value, sizeof *value);
    return MATTER_OK;
  }
  (void) matter_tlv_get_float(reader, &f);
  *value = (double) f;
  return MATTER_OK;
}

MatterError
matter_tlv_get_null(const MatterTlvReader *reader)
{
  return reader_expect(reader, WIRE_NULL, WIRE_NULL);
}

MatterError
matter_tlv_get_bytes(const MatterTlvReader *reader, const uint8_t **data, size_t *len)
{
  MatterError err = reader_expect(reader, WIRE_BYTES, WIRE_NULL - 1);

  if (err != MATTER_OK)
    return err;
  *data = reader->buf + reader->value_off;
  *len = reader->value_len;
  return MATTER_OK;
}

MatterError
matter_tlv_get_utf8(const MatterTlvReader *reader, const char **str, size_t *len)
{
  MatterError err = reader_expect(reader, WIRE_UTF8, WIRE_BYTES - 1);
  const uint8_t *p;

  if (err != MATTER_OK)
    return err;
  p = reader->buf + reader->value_off;
  if (!matter_tlv_utf8_valid(p, reader->value_len))
    return MATTER_ERROR_TLV_BAD_UTF8;
  *str = (const char *) p;
  *len = reader->value_len;
  return MATTER_OK;
}

MatterError
matter_tlv_get_string(const MatterTlvReader *reader, char *out, size_t size)
{
  const char *str;
  size_t len;
  MatterError err = matter_tlv_get_utf8(reader, &str, &len);

  if (err != MATTER_OK)
    return err;
  if (len >= size)
    return MATTER_ERROR_BUFFER_TOO_SMALL;
  memcpy(out, str, len);
  out[len] = '\0';
  return MATTER_OK;
}

MatterError
matter_tlv_get_element(MatterTlvReader *reader, const uint8_t **data, size_t *len)
{
  MatterError err;

  if (reader->error != MATTER_OK)
    return reader->error;
  if (!reader->has_element)
    return MATTER_ERROR_BAD_STATE;
  err = reader_element_end(reader);
  if (err != MATTER_OK)
    return err;
  *data = reader->buf + reader->start;
  *len = reader->end - reader->start;
  return MATTER_OK;
}

/* ---- Context-tag helpers --------------------------------------------- */

MatterError
matter_tlv_find_context(MatterTlvReader *reader, uint8_t tag)
{
  bool whole = reader_parent(reader) == WIRE_STRUCTURE;
  uint8_t seen[256 / 8] = { 0 };
  bool found = false;
  size_t match = 0;
  MatterError err;

  if (reader->error != MATTER_OK)
    return reader->error;
  reader->pos = reader->depth > 0 ? reader->container_start[reader->depth - 1] : 0;
  reader->has_element = false;
  reader->at_end = false;

  while ((err = matter_tlv_next(reader)) == MATTER_OK) {
    unsigned n = reader->tag.number;

    if (reader->tag.kind != MATTER_TLV_TAG_CONTEXT)
      continue;
    if (n == tag && !found) {
      found = true;
      match = reader->start;
      if (!whole)
        return MATTER_OK;
    }
    /* Any repeated context tag makes the structure ambiguous, whichever
     * field is asked for. */
    if (seen[n / 8] & (1u << (n % 8)))
      return reader_fail(reader, MATTER_ERROR_TLV_BAD_TAG);
    seen[n / 8] |= (uint8_t) (1u << (n % 8));
  }
  if (err != MATTER_ERROR_TLV_END)
    return err;
  if (!found)
    return MATTER_ERROR_TLV_NOT_FOUND;
  reader->at_end = false;
  return reader_load(reader, match);
}

/* find + get for each scalar type: the same two steps, so one definition. */
#define DEFINE_GET_CONTEXT(suffix, ctype)                                                         \
  MatterError matter_tlv_get_context_##suffix(MatterTlvReader *reader, uint8_t tag, ctype *value) \
  {                                                                                               \
    MatterError err = matter_tlv_find_context(reader, tag);                                       \
                                                                                                  \
    return err != MATTER_OK ? err : matter_tlv_get_##suffix(reader, value);                       \
  }

DEFINE_GET_CONTEXT(u8, uint8_t)
DEFINE_GET_CONTEXT(u16, uint16_t)
DEFINE_GET_CONTEXT(u32, uint32_t)
DEFINE_GET_CONTEXT(u64, uint64_t)
DEFINE_GET_CONTEXT(i8, int8_t)
DEFINE_GET_CONTEXT(i16, int16_t)
DEFINE_GET_CONTEXT(i32, int32_t)
DEFINE_GET_CONTEXT(i64, int64_t)
DEFINE_GET_CONTEXT(bool, bool)

MatterError
matter_tlv_get_context_bytes(MatterTlvReader *reader, uint8_t tag, const uint8_t **data,
                             size_t *len)
{
  MatterError err = matter_tlv_find_context(reader, tag);

  return err != MATTER_OK ? err : matter_tlv_get_bytes(reader, data, len);
}

MatterError
matter_tlv_get_context_utf8(MatterTlvReader *reader, uint8_t tag, const char **str, size_t *len)
{
  MatterError err = matter_tlv_find_context(reader, tag);

  return err != MATTER_OK ? err : matter_tlv_get_utf8(reader, str, len);
}

MatterError
matter_tlv_enter_context(MatterTlvReader *reader, uint8_t tag, MatterTlvType type)
{
  MatterError err = matter_tlv_find_context(reader, tag);

  if (err != MATTER_OK)
    return err;
  if (matter_tlv_get_type(reader) != type || !is_container(reader->type))
    return MATTER_ERROR_TLV_WRONG_TYPE;
  return matter_tlv_enter(reader);
}

MatterError
matter_tlv_enter_top_structure(MatterTlvReader *reader, const uint8_t *buf, size_t len,
                               MatterError not_structure, MatterError tagged)
{
  MatterError err = matter_tlv_check(buf, len);

  if (err != MATTER_OK)
    return err;
  matter_tlv_reader_init(reader, buf, len);
  err = matter_tlv_next(reader);
  if (err != MATTER_OK)
    return err;
  if (matter_tlv_get_type(reader) != MATTER_TLV_TYPE_STRUCTURE)
    return not_structure;
  if (matter_tlv_get_tag(reader).kind != MATTER_TLV_TAG_ANONYMOUS)
    return tagged;
  return matter_tlv_enter(reader);
}
