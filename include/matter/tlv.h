/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Matter TLV (Core spec Appendix A): a writer into a caller buffer and a
 * bounded, allocation-free reader over a const buffer.
 *
 * Wire format: a control byte (tag control in the 3 high bits, element type
 * in the 5 low bits), the tag (0, 1, 2, 4, 6 or 8 bytes), then the value or
 * a length and the payload; everything little-endian. Containers
 * (structure, array, list) hold elements up to an end-of-container byte.
 *
 * What the reader enforces beyond the byte layout: members of a structure
 * carry a tag, elements of an array are anonymous, end-of-container has no
 * tag and only closes an open container, nesting is at most
 * MATTER_TLV_MAX_DEPTH containers. It accepts integers and lengths wider
 * than needed (the spec lets a sender do so); the writer always emits the
 * narrowest form. Context tags are allowed at the top level (the spec's own
 * examples use one there). Unique tags inside a structure are checked for
 * context tags when fields are looked up (matter_tlv_find_context()).
 *
 * UTF-8 strings are valid only if they are well-formed UTF-8 (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF) and contain no
 * U+0000: callers use them as C strings, and an embedded NUL would make two
 * different strings compare equal there. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "matter/error.h"

/* The deepest nesting of containers the reader and writer accept; one more
 * fails with MATTER_ERROR_TLV_TOO_DEEP. */
#define MATTER_TLV_MAX_DEPTH 24

/* Element types as callers see them; the wire widths are hidden. */
typedef enum {
  MATTER_TLV_TYPE_NONE, /* no current element */
  MATTER_TLV_TYPE_SIGNED,
  MATTER_TLV_TYPE_UNSIGNED,
  MATTER_TLV_TYPE_BOOL,
  MATTER_TLV_TYPE_FLOAT,  /* 4-byte IEEE 754 */
  MATTER_TLV_TYPE_DOUBLE, /* 8-byte IEEE 754 */
  MATTER_TLV_TYPE_UTF8,
  MATTER_TLV_TYPE_BYTES,
  MATTER_TLV_TYPE_NULL,
  MATTER_TLV_TYPE_STRUCTURE,
  MATTER_TLV_TYPE_ARRAY,
  MATTER_TLV_TYPE_LIST,
} MatterTlvType;

typedef enum {
  MATTER_TLV_TAG_ANONYMOUS,
  MATTER_TLV_TAG_CONTEXT,         /* number 0..255 */
  MATTER_TLV_TAG_COMMON,          /* Matter common profile, number 0..2^32-1 */
  MATTER_TLV_TAG_IMPLICIT,        /* the profile the caller's context implies */
  MATTER_TLV_TAG_FULLY_QUALIFIED, /* vendor id, profile number, tag number */
} MatterTlvTagKind;

/* A tag. Build one with the constructors below, which zero the fields the
 * kind does not use. The wire width (2 or 4 bytes of tag number, 6 or 8
 * bytes in all for fully-qualified tags) follows from the number. */
typedef struct {
  MatterTlvTagKind kind;
  uint16_t vendor_id; /* fully-qualified only */
  uint16_t profile;   /* fully-qualified only */
  uint32_t number;
} MatterTlvTag;

MatterTlvTag matter_tlv_tag_anonymous(void);
MatterTlvTag matter_tlv_tag_context(uint8_t number);
MatterTlvTag matter_tlv_tag_common(uint32_t number);
MatterTlvTag matter_tlv_tag_implicit(uint32_t number);
MatterTlvTag matter_tlv_tag_fully_qualified(uint16_t vendor_id, uint16_t profile, uint32_t number);
bool matter_tlv_tag_equal(MatterTlvTag a, MatterTlvTag b);
bool matter_tlv_tag_is_context(MatterTlvTag tag, uint8_t number);

/* True when @s is valid UTF-8 as defined above (no U+0000). */
bool matter_tlv_utf8_valid(const uint8_t *s, size_t len);

/* ---- Writer ---------------------------------------------------------- */

/* Fields are private. The first error sticks: every later call returns it
 * and writes nothing, so a sequence of puts can be checked once, at
 * matter_tlv_writer_finish(). */
typedef struct {
  uint8_t *buf;
  size_t size;
  size_t len;
  MatterError error;
  unsigned depth;
  uint8_t container[MATTER_TLV_MAX_DEPTH]; /* wire types of the open containers */
} MatterTlvWriter;

void matter_tlv_writer_init(MatterTlvWriter *writer, uint8_t *buf, size_t size);

/* Each put writes one element with @tag at the current position. Errors,
 * common to all of them:
 *   MATTER_ERROR_BUFFER_TOO_SMALL   the element does not fit
 *   MATTER_ERROR_TLV_BAD_TAG        a tagged element in an array, an
 *                                   anonymous one in a structure
 *   MATTER_ERROR_INVALID_ARGUMENT   a tag no constructor makes (context > 255)
 * Integers take the narrowest width that holds the value. */
MatterError matter_tlv_put_uint(MatterTlvWriter *writer, MatterTlvTag tag, uint64_t value);
MatterError matter_tlv_put_int(MatterTlvWriter *writer, MatterTlvTag tag, int64_t value);
MatterError matter_tlv_put_bool(MatterTlvWriter *writer, MatterTlvTag tag, bool value);
MatterError matter_tlv_put_float(MatterTlvWriter *writer, MatterTlvTag tag, float value);
MatterError matter_tlv_put_double(MatterTlvWriter *writer, MatterTlvTag tag, double value);
MatterError matter_tlv_put_null(MatterTlvWriter *writer, MatterTlvTag tag);
/* Also MATTER_ERROR_TLV_BAD_UTF8 when @str is not valid UTF-8 (see above). */
MatterError matter_tlv_put_utf8(MatterTlvWriter *writer, MatterTlvTag tag, const char *str,
                                size_t len);
/* matter_tlv_put_utf8() of a NUL-terminated string. */
MatterError matter_tlv_put_string(MatterTlvWriter *writer, MatterTlvTag tag, const char *str);
MatterError matter_tlv_put_bytes(MatterTlvWriter *writer, MatterTlvTag tag, const uint8_t *data,
                                 size_t len);

/* Open a container; later puts go inside it until the matching
 * matter_tlv_end_container(). Also MATTER_ERROR_TLV_TOO_DEEP. */
MatterError matter_tlv_start_structure(MatterTlvWriter *writer, MatterTlvTag tag);
MatterError matter_tlv_start_array(MatterTlvWriter *writer, MatterTlvTag tag);
MatterError matter_tlv_start_list(MatterTlvWriter *writer, MatterTlvTag tag);
/* MATTER_ERROR_TLV_UNBALANCED when no container is open. */
MatterError matter_tlv_end_container(MatterTlvWriter *writer);

/* Copies @encoded, which must be exactly one well-formed element (see
 * matter_tlv_check(), whose errors it returns), giving it @tag in place of
 * its own. Its contents are copied byte for byte. The nesting it adds
 * counts against MATTER_TLV_MAX_DEPTH. */
MatterError matter_tlv_put_element(MatterTlvWriter *writer, MatterTlvTag tag,
                                   const uint8_t *encoded, size_t len);

/* A writer only appends, so a copy of it (MatterTlvWriter saved = *w) is a
 * checkpoint: assigning it back (*w = saved) undoes everything written
 * since, a sticky error included. */

/* Keeps @n bytes of the buffer back (for the closing bytes of a message
 * that is filled as far as it goes); MATTER_ERROR_BUFFER_TOO_SMALL when
 * fewer are free. matter_tlv_writer_release() gives them back. */
MatterError matter_tlv_writer_reserve(MatterTlvWriter *writer, size_t n);
void matter_tlv_writer_release(MatterTlvWriter *writer, size_t n);

/* The length written so far, in @len. Fails with the sticky error, or with
 * MATTER_ERROR_TLV_UNBALANCED while a container is open. */
MatterError matter_tlv_writer_finish(const MatterTlvWriter *writer, size_t *len);

/* ---- Reader ---------------------------------------------------------- */

/* Fields are private. A reader holds no pointers into itself, so a copy is
 * a bookmark. Errors about the input (everything but END, WRONG_TYPE,
 * OUT_OF_RANGE, NOT_FOUND and misuse) stick like the writer's. */
typedef struct {
  const uint8_t *buf;
  size_t len;
  size_t pos; /* where the element after the current one starts */
  MatterError error;
  /* the current element */
  bool has_element;
  bool at_end;    /* met the end of the container (or of the input at top level) */
  bool end_known; /* `end` is valid (always for scalars) */
  uint8_t type;   /* wire element type */
  MatterTlvTag tag;
  size_t start;     /* control byte */
  size_t value_off; /* value, string payload or first contained element */
  size_t value_len; /* value width or string length; 0 for containers */
  size_t end;       /* past the element, contents included */
  uint64_t value;   /* integer (signed ones sign-extended) or float bits */
  /* the containers entered */
  unsigned depth;
  uint8_t container[MATTER_TLV_MAX_DEPTH];
  size_t container_start[MATTER_TLV_MAX_DEPTH];
} MatterTlvReader;

/* A reader at the top level of @buf, before its first element. The top
 * level may hold a sequence of elements; matter_tlv_check() insists on
 * exactly one. */
void matter_tlv_reader_init(MatterTlvReader *reader, const uint8_t *buf, size_t len);

/* Moves to the next element at the current level, skipping (and
 * validating) the contents of the current one if it is a container that was
 * not entered. Errors:
 *   MATTER_ERROR_TLV_END               no more elements in this container
 *                                      (or input, at top level); stays there
 *   MATTER_ERROR_TRUNCATED             the input ends inside an element or an
 *                                      open container
 *   MATTER_ERROR_TLV_BAD_ELEMENT_TYPE  a reserved element type (0x19..0x1f)
 *   MATTER_ERROR_TLV_BAD_TAG           a tag not allowed here (see top)
 *   MATTER_ERROR_TLV_UNBALANCED        end-of-container at the top level
 *   MATTER_ERROR_TLV_LENGTH            a string length past the input
 *   MATTER_ERROR_TLV_TOO_DEEP          a skipped container nests too deeply */
MatterError matter_tlv_next(MatterTlvReader *reader);

/* The current element's type (MATTER_TLV_TYPE_NONE when there is none),
 * tag (anonymous when there is none), and payload length for UTF-8 and
 * octet strings (0 otherwise). */
MatterTlvType matter_tlv_get_type(const MatterTlvReader *reader);
MatterTlvTag matter_tlv_get_tag(const MatterTlvReader *reader);
size_t matter_tlv_get_length(const MatterTlvReader *reader);
/* How many containers are entered; 0 at the top level. */
unsigned matter_tlv_get_depth(const MatterTlvReader *reader);

/* Steps into the current container, before its first element.
 *   MATTER_ERROR_TLV_WRONG_TYPE  the current element is not a container
 *   MATTER_ERROR_TLV_TOO_DEEP    MATTER_TLV_MAX_DEPTH containers are open */
MatterError matter_tlv_enter(MatterTlvReader *reader);
/* Skips the rest of the entered container, validating it as
 * matter_tlv_next() does, and steps out past its end; the next
 * matter_tlv_next() reads the container's next sibling.
 * MATTER_ERROR_TLV_UNBALANCED at the top level. */
MatterError matter_tlv_exit(MatterTlvReader *reader);

/* Typed getters for the current element. MATTER_ERROR_BAD_STATE when there
 * is none, MATTER_ERROR_TLV_WRONG_TYPE for another type,
 * MATTER_ERROR_TLV_OUT_OF_RANGE when an integer does not fit the result.
 * Signed and unsigned elements are interchangeable when the value fits. */
MatterError matter_tlv_get_u8(const MatterTlvReader *reader, uint8_t *value);
MatterError matter_tlv_get_u16(const MatterTlvReader *reader, uint16_t *value);
MatterError matter_tlv_get_u32(const MatterTlvReader *reader, uint32_t *value);
MatterError matter_tlv_get_u64(const MatterTlvReader *reader, uint64_t *value);
MatterError matter_tlv_get_i8(const MatterTlvReader *reader, int8_t *value);
MatterError matter_tlv_get_i16(const MatterTlvReader *reader, int16_t *value);
MatterError matter_tlv_get_i32(const MatterTlvReader *reader, int32_t *value);
MatterError matter_tlv_get_i64(const MatterTlvReader *reader, int64_t *value);
MatterError matter_tlv_get_bool(const MatterTlvReader *reader, bool *value);
/* 4-byte floats only. */
MatterError matter_tlv_get_float(const MatterTlvReader *reader, float *value);
/* 8-byte floats, and 4-byte ones widened (exactly). */
MatterError matter_tlv_get_double(const MatterTlvReader *reader, double *value);
/* Succeeds only on a null element. */
MatterError matter_tlv_get_null(const MatterTlvReader *reader);
/* Octet strings: a pointer into the input and the length. */
MatterError matter_tlv_get_bytes(const MatterTlvReader *reader, const uint8_t **data, size_t *len);
/* UTF-8 strings: a pointer into the input (not NUL-terminated) and the
 * length. MATTER_ERROR_TLV_BAD_UTF8 when the string is not valid UTF-8. */
MatterError matter_tlv_get_utf8(const MatterTlvReader *reader, const char **str, size_t *len);
/* A UTF-8 string copied into @out with a terminating NUL;
 * MATTER_ERROR_BUFFER_TOO_SMALL when it needs more than @size bytes. */
MatterError matter_tlv_get_string(const MatterTlvReader *reader, char *out, size_t size);

/* The whole encoding of the current element (control byte, tag, value,
 * contents of a container up to and including its end), e.g. for
 * matter_tlv_put_element(). A container is validated to find its end, with
 * the errors of matter_tlv_next(). */
MatterError matter_tlv_get_element(MatterTlvReader *reader, const uint8_t **data, size_t *len);

/* Checks that @buf is exactly one well-formed element, contents included,
 * whose UTF-8 strings are all valid: the errors of matter_tlv_next(),
 * MATTER_ERROR_TLV_BAD_UTF8, and MATTER_ERROR_TLV_TRAILING when bytes follow
 * the element (MATTER_ERROR_TRUNCATED for empty input). */
MatterError matter_tlv_check(const uint8_t *buf, size_t len);

/* Starts @reader on @buf, which must be one element as for
 * matter_tlv_check() (whose errors it returns), an anonymous structure, and
 * enters it. A top-level element that is not a structure is @not_structure,
 * a tagged structure @tagged: each message format has its own codes. */
MatterError matter_tlv_enter_top_structure(MatterTlvReader *reader, const uint8_t *buf, size_t len,
                                           MatterError not_structure, MatterError tagged);

/* ---- Reading a structure's fields by context tag -------------------- */

/* Scans the container the reader is in (from its first element, so fields
 * may come in any order) for the element with context tag @tag and makes
 * it the current element. In a structure the whole container is scanned and
 * any context tag that occurs twice is MATTER_ERROR_TLV_BAD_TAG; in a list
 * the first match wins. MATTER_ERROR_TLV_NOT_FOUND when there is none (the
 * reader is then at the container's end), or the errors of
 * matter_tlv_next(). Cost: one pass over the container. */
MatterError matter_tlv_find_context(MatterTlvReader *reader, uint8_t tag);

/* matter_tlv_find_context(), then the getter of that type. */
MatterError matter_tlv_get_context_u8(MatterTlvReader *reader, uint8_t tag, uint8_t *value);
MatterError matter_tlv_get_context_u16(MatterTlvReader *reader, uint8_t tag, uint16_t *value);
MatterError matter_tlv_get_context_u32(MatterTlvReader *reader, uint8_t tag, uint32_t *value);
MatterError matter_tlv_get_context_u64(MatterTlvReader *reader, uint8_t tag, uint64_t *value);
MatterError matter_tlv_get_context_i8(MatterTlvReader *reader, uint8_t tag, int8_t *value);
MatterError matter_tlv_get_context_i16(MatterTlvReader *reader, uint8_t tag, int16_t *value);
MatterError matter_tlv_get_context_i32(MatterTlvReader *reader, uint8_t tag, int32_t *value);
MatterError matter_tlv_get_context_i64(MatterTlvReader *reader, uint8_t tag, int64_t *value);
MatterError matter_tlv_get_context_bool(MatterTlvReader *reader, uint8_t tag, bool *value);
MatterError matter_tlv_get_context_bytes(MatterTlvReader *reader, uint8_t tag, const uint8_t **data,
                                         size_t *len);
MatterError matter_tlv_get_context_utf8(MatterTlvReader *reader, uint8_t tag, const char **str,
                                        size_t *len);
/* Finds the container with context tag @tag, checks it is of @type
 * (MATTER_ERROR_TLV_WRONG_TYPE otherwise) and enters it. */
MatterError matter_tlv_enter_context(MatterTlvReader *reader, uint8_t tag, MatterTlvType type);
