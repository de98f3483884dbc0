/* SPDX-License-Identifier: Apache-2.0 */
/* Walks every element of the input, entering every container and reading
 * every scalar through its getters, and copies what it reads into a
 * writer. Beyond "no crash, no out-of-bounds read" it checks that the
 * reader agrees with matter_tlv_check(), and that the writer's canonical
 * re-encoding of well-formed input is itself well-formed and a fixed point. */
#include <stdlib.h>
#include <string.h>

#include "matter/tlv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define require(cond) \
  do {                \
    if (!(cond))      \
      abort();        \
  } while (0)

/* Every getter on the current element; the one matching its type feeds the
 * writer. */
static void
copy_scalar(const MatterTlvReader *r, MatterTlvWriter *w, MatterTlvTag tag)
{
  uint8_t u8;
  uint16_t u16;
  uint32_t u32;
  uint64_t u64;
  int8_t i8;
  int16_t i16;
  int32_t i32;
  int64_t i64;
  bool b;
  float f;
  double d;
  const uint8_t *bytes;
  const char *str;
  size_t len;
  char small[8];

  (void) matter_tlv_get_u8(r, &u8);
  (void) matter_tlv_get_u16(r, &u16);
  (void) matter_tlv_get_u32(r, &u32);
  (void) matter_tlv_get_i8(r, &i8);
  (void) matter_tlv_get_i16(r, &i16);
  (void) matter_tlv_get_i32(r, &i32);
  (void) matter_tlv_get_double(r, &d);
  (void) matter_tlv_get_string(r, small, sizeof small);
  (void) matter_tlv_get_length(r);

  switch (matter_tlv_get_type(r)) {
  case MATTER_TLV_TYPE_SIGNED:
    require(matter_tlv_get_i64(r, &i64) == MATTER_OK);
    matter_tlv_put_int(w, tag, i64);
    break;
  case MATTER_TLV_TYPE_UNSIGNED:
    require(matter_tlv_get_u64(r, &u64) == MATTER_OK);
    matter_tlv_put_uint(w, tag, u64);
    break;
  case MATTER_TLV_TYPE_BOOL:
    require(matter_tlv_get_bool(r, &b) == MATTER_OK);
    matter_tlv_put_bool(w, tag, b);
    break;
  case MATTER_TLV_TYPE_FLOAT:
    require(matter_tlv_get_float(r, &f) == MATTER_OK);
    matter_tlv_put_float(w, tag, f);
    break;
  case MATTER_TLV_TYPE_DOUBLE:
    require(matter_tlv_get_double(r, &d) == MATTER_OK);
    matter_tlv_put_double(w, tag, d);
    break;
  case MATTER_TLV_TYPE_UTF8:
    /* Invalid UTF-8 also makes the writer fail: it never writes any. */
    if (matter_tlv_get_utf8(r, &str, &len) == MATTER_OK)
      matter_tlv_put_utf8(w, tag, str, len);
    else
      matter_tlv_put_utf8(w, tag, "\xff", 1);
    break;
  case MATTER_TLV_TYPE_BYTES:
    require(matter_tlv_get_bytes(r, &bytes, &len) == MATTER_OK);
    require(len == matter_tlv_get_length(r));
    matter_tlv_put_bytes(w, tag, bytes, len);
    break;
  case MATTER_TLV_TYPE_NULL:
    require(matter_tlv_get_null(r) == MATTER_OK);
    matter_tlv_put_null(w, tag);
    break;
  default:
    abort();
  }
}

static MatterError
start_container(MatterTlvWriter *w, MatterTlvType type, MatterTlvTag tag)
{
  if (type == MATTER_TLV_TYPE_STRUCTURE)
    return matter_tlv_start_structure(w, tag);
  if (type == MATTER_TLV_TYPE_ARRAY)
    return matter_tlv_start_array(w, tag);
  return matter_tlv_start_list(w, tag);
}

/* A lookup from a copy of the reader, so the walk goes on undisturbed. */
static void
try_find(const MatterTlvReader *r, MatterTlvTag tag)
{
  MatterTlvReader copy = *r;

  if (tag.kind != MATTER_TLV_TAG_CONTEXT)
    return;
  /* The element at hand has that tag: it is found, or is a duplicate, or
   * the container is malformed further on. */
  require(matter_tlv_find_context(&copy, (uint8_t) tag.number) != MATTER_ERROR_TLV_NOT_FOUND);
}

/* Returns the first error of the reader itself (getters aside). */
static MatterError
walk(const uint8_t *data, size_t size, MatterTlvWriter *w)
{
  MatterTlvReader r;
  MatterError err;

  matter_tlv_reader_init(&r, data, size);
  for (;;) {
    MatterTlvType type;
    MatterTlvTag tag;
    const uint8_t *elem;
    size_t elem_len;

    err = matter_tlv_next(&r);
    if (err == MATTER_ERROR_TLV_END) {
      if (matter_tlv_get_depth(&r) == 0)
        return MATTER_OK;
      err = matter_tlv_exit(&r);
      if (err != MATTER_OK)
        return err;
      matter_tlv_end_container(w);
      continue;
    }
    if (err != MATTER_OK)
      return err;

    type = matter_tlv_get_type(&r);
    tag = matter_tlv_get_tag(&r);
    try_find(&r, tag);
    if (type < MATTER_TLV_TYPE_STRUCTURE) {
      copy_scalar(&r, w, tag);
      require(matter_tlv_get_element(&r, &elem, &elem_len) == MATTER_OK);
      require(elem >= data && elem_len <= size - (size_t) (elem - data));
      continue;
    }
    /* Finding a container's end validates it first, as skipping would. */
    err = matter_tlv_get_element(&r, &elem, &elem_len);
    if (err != MATTER_OK)
      return err;
    require(elem >= data && elem_len <= size - (size_t) (elem - data));
    start_container(w, type, tag);
    err = matter_tlv_enter(&r);
    if (err != MATTER_OK)
      return err;
  }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  bool ok = matter_tlv_check(data, size) == MATTER_OK;
  /* Canonical re-encoding is never longer than the input. */
  size_t cap = size + 16;
  uint8_t *first = malloc(cap), *second = malloc(cap);
  MatterTlvWriter w;
  MatterError err;
  size_t first_len, second_len;

  require(first != NULL && second != NULL);

  matter_tlv_writer_init(&w, first, cap);
  err = walk(data, size, &w);
  if (ok) {
    require(err == MATTER_OK);
    require(matter_tlv_writer_finish(&w, &first_len) == MATTER_OK);
    require(first_len <= size);
    require(matter_tlv_check(first, first_len) == MATTER_OK);

    matter_tlv_writer_init(&w, second, cap);
    require(walk(first, first_len, &w) == MATTER_OK);
    require(matter_tlv_writer_finish(&w, &second_len) == MATTER_OK);
    require(second_len == first_len && memcmp(first, second, first_len) == 0);
  }

  /* Copying the input as one element works exactly when it is one. */
  matter_tlv_writer_init(&w, first, cap);
  err = matter_tlv_put_element(&w, matter_tlv_tag_context(1), data, size);
  require((err == MATTER_OK) == ok);

  free(first);
  free(second);
  return 0;
}
