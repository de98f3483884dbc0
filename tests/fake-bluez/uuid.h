/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Bluetooth UUIDs as bluetoothd reads them from D-Bus strings: a 128-bit
 * string on the Bluetooth base UUID is taken as its 16-bit form, other
 * 128-bit strings stay 128-bit, 8 or 10 characters are a 32-bit value and
 * 4 or 6 characters a 16-bit one (hexadecimal, "0x" allowed). */

#include <glib.h>

typedef enum {
  FB_UUID_16 = 16,
  FB_UUID_32 = 32,
  FB_UUID_128 = 128,
} FbUuidType;

typedef struct {
  FbUuidType type;
  guint32 value;    /* 16 and 32 bits */
  guint8 bytes[16]; /* 128 bits, most significant byte first */
} FbUuid;

gboolean fb_uuid_parse(const char *string, FbUuid *uuid);
void fb_uuid_from_16(guint16 value, FbUuid *uuid);
/* The 128-bit form, most significant byte first. */
void fb_uuid_to_128(const FbUuid *uuid, guint8 out[16]);
/* Equal once both are widened to 128 bits. */
gboolean fb_uuid_equal(const FbUuid *a, const FbUuid *b);
/* "0000fff6-0000-1000-8000-00805f9b34fb": the 128-bit form, lower case. */
char *fb_uuid_to_string(const FbUuid *uuid);
/* 2, 4 or 16: the bytes it takes in advertising data. */
gsize fb_uuid_len(const FbUuid *uuid);
/* Its advertising-data bytes, least significant first (fb_uuid_len()). */
void fb_uuid_to_le(const FbUuid *uuid, guint8 *out);
