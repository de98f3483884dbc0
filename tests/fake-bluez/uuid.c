/* SPDX-License-Identifier: Apache-2.0 */
#include "uuid.h"

#include <stdlib.h>
#include <string.h>

/* 00000000-0000-1000-8000-00805F9B34FB */
static const guint8 base_uuid[16] = { 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00,
                                      0x80, 0x00, 0x00, 0x80, 0x5f, 0x9b, 0x34, 0xfb };

void
fb_uuid_from_16(guint16 value, FbUuid *uuid)
{
  memset(uuid, 0, sizeof(*uuid));
  uuid->type = FB_UUID_16;
  uuid->value = value;
}

static gboolean
is_dashed_128(const char *s)
{
  return strlen(s) == 36 && s[8] == '-' && s[13] == '-' && s[18] == '-' && s[23] == '-';
}

/* The 32 hexadecimal digits of a dashed 128-bit string. */
static gboolean
parse_128(const char *s, guint8 out[16])
{
  gsize n = 0;

  for (gsize i = 0; i < 36; i++) {
    int hi, lo;

    if (i == 8 || i == 13 || i == 18 || i == 23)
      continue;
    hi = g_ascii_xdigit_value(s[i]);
    lo = g_ascii_xdigit_value(s[i + 1]);
    if (hi < 0 || lo < 0)
      return FALSE;
    out[n++] = (guint8) (hi << 4 | lo);
    i++;
  }
  return n == 16;
}

/* Hexadecimal with an optional "0x", up to @max, ending the string (or at
 * a dash when @dash_ends). */
static gboolean
parse_hex(const char *s, guint32 max, gboolean dash_ends, guint32 *value)
{
  char *end = NULL;
  unsigned long v;

  if (*s == '\0' || g_ascii_isspace(*s) || *s == '-' || *s == '+')
    return FALSE;
  v = strtoul(s, &end, 16);
  if (end == s || !(*end == '\0' || (dash_ends && *end == '-')) || v > max)
    return FALSE;
  *value = (guint32) v;
  return TRUE;
}

gboolean
fb_uuid_parse(const char *string, FbUuid *uuid)
{
  gsize len;

  if (string == NULL)
    return FALSE;
  memset(uuid, 0, sizeof(*uuid));
  len = strlen(string);
  if (is_dashed_128(string)) {
    guint8 bytes[16];

    if (!parse_128(string, bytes))
      return FALSE;
    if (bytes[0] == 0 && bytes[1] == 0 && memcmp(bytes + 4, base_uuid + 4, 12) == 0) {
      uuid->type = FB_UUID_16;
      uuid->value = (guint32) bytes[2] << 8 | bytes[3];
      return TRUE;
    }
    uuid->type = FB_UUID_128;
    memcpy(uuid->bytes, bytes, 16);
    return TRUE;
  }
  if (len == 8 || len == 10) {
    uuid->type = FB_UUID_32;
    return parse_hex(string, G_MAXUINT32, FALSE, &uuid->value);
  }
  if (len == 4 || len == 6) {
    uuid->type = FB_UUID_16;
    return parse_hex(string, G_MAXUINT16, TRUE, &uuid->value);
  }
  return FALSE;
}

void
fb_uuid_to_128(const FbUuid *uuid, guint8 out[16])
{
  if (uuid->type == FB_UUID_128) {
    memcpy(out, uuid->bytes, 16);
    return;
  }
  memcpy(out, base_uuid, 16);
  out[0] = (guint8) (uuid->value >> 24);
  out[1] = (guint8) (uuid->value >> 16);
  out[2] = (guint8) (uuid->value >> 8);
  out[3] = (guint8) uuid->value;
}

gboolean
fb_uuid_equal(const FbUuid *a, const FbUuid *b)
{
  guint8 x[16], y[16];

  fb_uuid_to_128(a, x);
  fb_uuid_to_128(b, y);
  return memcmp(x, y, 16) == 0;
}

char *
fb_uuid_to_string(const FbUuid *uuid)
{
  guint8 b[16];

  fb_uuid_to_128(uuid, b);
  return g_strdup_printf("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                         b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
                         b[12], b[13], b[14], b[15]);
}

gsize
fb_uuid_len(const FbUuid *uuid)
{
  switch (uuid->type) {
  case FB_UUID_16:
    return 2;
  case FB_UUID_32:
    return 4;
  case FB_UUID_128:
  default:
    return 16;
  }
}

void
fb_uuid_to_le(const FbUuid *uuid, guint8 *out)
{
  switch (uuid->type) {
  case FB_UUID_16:
    out[0] = (guint8) uuid->value;
    out[1] = (guint8) (uuid->value >> 8);
    break;
  case FB_UUID_32:
    for (int i = 0; i < 4; i++)
      out[i] = (guint8) (uuid->value >> (8 * i));
    break;
  case FB_UUID_128:
  default:
    for (int i = 0; i < 16; i++)
      out[i] = uuid->bytes[15 - i];
    break;
  }
}
