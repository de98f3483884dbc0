/* SPDX-License-Identifier: Apache-2.0 */
#include "ad.h"

#include <string.h>

/* Longest name the kernel puts in a scan response without shortening it. */
#define KERNEL_SHORT_NAME_LEN 10

typedef struct {
  FbUuid uuid; /* service data */
  guint16 id;  /* manufacturer data */
  guint8 type; /* other AD types */
  GBytes *bytes;
} Entry;

struct _FbAd {
  GArray *service_uuids; /* FbUuid */
  GArray *solicit_uuids;
  GPtrArray *manufacturer; /* Entry */
  GPtrArray *service_data;
  GPtrArray *data; /* Entry, the Flags field among them */
  char *name;
  guint16 appearance;
};

static void
entry_free(gpointer data)
{
  Entry *entry = data;

  g_bytes_unref(entry->bytes);
  g_free(entry);
}

FbAd *
fb_ad_new(void)
{
  FbAd *ad = g_new0(FbAd, 1);

  ad->service_uuids = g_array_new(FALSE, FALSE, sizeof(FbUuid));
  ad->solicit_uuids = g_array_new(FALSE, FALSE, sizeof(FbUuid));
  ad->manufacturer = g_ptr_array_new_with_free_func(entry_free);
  ad->service_data = g_ptr_array_new_with_free_func(entry_free);
  ad->data = g_ptr_array_new_with_free_func(entry_free);
  ad->appearance = FB_AD_NO_APPEARANCE;
  return ad;
}

void
fb_ad_free(FbAd *ad)
{
  if (ad == NULL)
    return;
  g_array_unref(ad->service_uuids);
  g_array_unref(ad->solicit_uuids);
  g_ptr_array_unref(ad->manufacturer);
  g_ptr_array_unref(ad->service_data);
  g_ptr_array_unref(ad->data);
  g_free(ad->name);
  g_free(ad);
}

gboolean
fb_ad_add_service_uuid(FbAd *ad, const FbUuid *uuid)
{
  g_array_append_val(ad->service_uuids, *uuid);
  return TRUE;
}

void
fb_ad_clear_service_uuids(FbAd *ad)
{
  g_array_set_size(ad->service_uuids, 0);
}

gboolean
fb_ad_add_solicit_uuid(FbAd *ad, const FbUuid *uuid)
{
  g_array_append_val(ad->solicit_uuids, *uuid);
  return TRUE;
}

void
fb_ad_clear_solicit_uuids(FbAd *ad)
{
  g_array_set_size(ad->solicit_uuids, 0);
}

/* Replaces @entry's bytes; FALSE when they are the same already. */
static gboolean
entry_replace(Entry *entry, const guint8 *data, gsize len)
{
  if (g_bytes_get_size(entry->bytes) == len &&
      memcmp(g_bytes_get_data(entry->bytes, NULL), data, len) == 0)
    return FALSE;
  g_bytes_unref(entry->bytes);
  entry->bytes = g_bytes_new(data, len);
  return TRUE;
}

static Entry *
entry_new(const guint8 *data, gsize len)
{
  Entry *entry = g_new0(Entry, 1);

  entry->bytes = g_bytes_new(data, len);
  return entry;
}

gboolean
fb_ad_add_manufacturer_data(FbAd *ad, guint16 id, const guint8 *data, gsize len)
{
  Entry *entry;

  if (len > FB_AD_MAX_LEN - 2 - 2)
    return FALSE;
  for (guint i = 0; i < ad->manufacturer->len; i++) {
    entry = ad->manufacturer->pdata[i];
    if (entry->id == id)
      return entry_replace(entry, data, len);
  }
  entry = entry_new(data, len);
  entry->id = id;
  g_ptr_array_add(ad->manufacturer, entry);
  return TRUE;
}

void
fb_ad_clear_manufacturer_data(FbAd *ad)
{
  g_ptr_array_set_size(ad->manufacturer, 0);
}

gboolean
fb_ad_add_service_data(FbAd *ad, const FbUuid *uuid, const guint8 *data, gsize len)
{
  Entry *entry;

  if (len > FB_AD_MAX_LEN - 2 - fb_uuid_len(uuid))
    return FALSE;
  for (guint i = 0; i < ad->service_data->len; i++) {
    entry = ad->service_data->pdata[i];
    if (fb_uuid_equal(&entry->uuid, uuid))
      return entry_replace(entry, data, len);
  }
  entry = entry_new(data, len);
  entry->uuid = *uuid;
  g_ptr_array_add(ad->service_data, entry);
  return TRUE;
}

void
fb_ad_clear_service_data(FbAd *ad)
{
  g_ptr_array_set_size(ad->service_data, 0);
}

static Entry *
find_data(const FbAd *ad, guint8 type)
{
  for (guint i = 0; i < ad->data->len; i++) {
    Entry *entry = ad->data->pdata[i];

    if (entry->type == type)
      return entry;
  }
  return NULL;
}

static gboolean
replace_data(FbAd *ad, guint8 type, const guint8 *data, gsize len)
{
  Entry *entry = find_data(ad, type);

  if (entry != NULL)
    return entry_replace(entry, data, len);
  entry = entry_new(data, len);
  entry->type = type;
  g_ptr_array_add(ad->data, entry);
  return TRUE;
}

/* The AD types that have a property of their own, or that the stack
 * manages: the Data property may not carry them. */
static const guint8 reserved_types[] = {
  0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0d, 0x0e, 0x0f,
  0x10, 0x11, 0x12, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d,
  0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x3d, 0xff,
};

gboolean
fb_ad_add_data(FbAd *ad, guint8 type, const guint8 *data, gsize len)
{
  if (len > FB_AD_MAX_LEN - 2)
    return FALSE;
  if (memchr(reserved_types, type, sizeof(reserved_types)) != NULL)
    return FALSE;
  return replace_data(ad, type, data, len);
}

/* The Flags field goes too, as in bluetoothd. */
void
fb_ad_clear_data(FbAd *ad)
{
  g_ptr_array_set_size(ad->data, 0);
}

gboolean
fb_ad_set_flags(FbAd *ad, guint8 flags)
{
  /* Only the five defined bits. */
  if (flags & 0xe0)
    return FALSE;
  return replace_data(ad, FB_AD_FLAGS, &flags, 1);
}

void
fb_ad_clear_flags(FbAd *ad)
{
  Entry *entry = find_data(ad, FB_AD_FLAGS);

  if (entry != NULL)
    g_ptr_array_remove(ad->data, entry);
}

gboolean
fb_ad_has_flags(const FbAd *ad)
{
  return find_data(ad, FB_AD_FLAGS) != NULL;
}

void
fb_ad_set_name(FbAd *ad, const char *name)
{
  g_free(ad->name);
  ad->name = g_strdup(name);
}

void
fb_ad_set_appearance(FbAd *ad, guint16 appearance)
{
  ad->appearance = appearance;
}

gboolean
fb_ad_is_empty(const FbAd *ad)
{
  return ad->name == NULL && ad->appearance == FB_AD_NO_APPEARANCE && ad->service_uuids->len == 0 &&
         ad->solicit_uuids->len == 0 && ad->manufacturer->len == 0 && ad->service_data->len == 0 &&
         ad->data->len == 0;
}

/* ---- Serialisation ----------------------------------------------------- */

/* A list costs its UUIDs plus two bytes per size present. */
static gsize
uuid_list_len(GArray *uuids)
{
  gboolean seen[3] = { FALSE, FALSE, FALSE };
  gsize len = 0;

  for (guint i = 0; i < uuids->len; i++) {
    const FbUuid *uuid = &g_array_index(uuids, FbUuid, i);

    len += fb_uuid_len(uuid);
    seen[uuid->type == FB_UUID_16 ? 0 : uuid->type == FB_UUID_32 ? 1 : 2] = TRUE;
  }
  for (int i = 0; i < 3; i++)
    len += seen[i] ? 2 : 0;
  return len;
}

static gsize
entries_len(GPtrArray *entries, gsize header)
{
  gsize len = 0;

  for (guint i = 0; i < entries->len; i++)
    len += header + g_bytes_get_size(((Entry *) entries->pdata[i])->bytes);
  return len;
}

static gsize
service_data_len(GPtrArray *entries)
{
  gsize len = 0;

  for (guint i = 0; i < entries->len; i++) {
    Entry *entry = entries->pdata[i];

    len += 2 + fb_uuid_len(&entry->uuid) + g_bytes_get_size(entry->bytes);
  }
  return len;
}

/* The name takes what is left of the 31 bytes at most. */
static gsize
total_len(const FbAd *ad)
{
  gsize len = uuid_list_len(ad->service_uuids) + uuid_list_len(ad->solicit_uuids) +
              entries_len(ad->manufacturer, 4) + service_data_len(ad->service_data);

  if (ad->name != NULL)
    len += MIN(2 + strlen(ad->name), FB_AD_MAX_LEN > len ? FB_AD_MAX_LEN - len : 0);
  if (ad->appearance != FB_AD_NO_APPEARANCE)
    len += 4;
  return len + entries_len(ad->data, 2);
}

static void
put_field(GByteArray *out, guint8 type, const guint8 *data, gsize len)
{
  guint8 header[2] = { (guint8) (len + 1), type };

  g_byte_array_append(out, header, 2);
  g_byte_array_append(out, data, (guint) len);
}

/* One field per UUID size present, in the order 16, 32, 128 bits. */
static void
put_uuids(GByteArray *out, GArray *uuids, const guint8 types[3])
{
  static const FbUuidType sizes[3] = { FB_UUID_16, FB_UUID_32, FB_UUID_128 };

  for (int s = 0; s < 3; s++) {
    g_autoptr(GByteArray) field = g_byte_array_new();

    for (guint i = 0; i < uuids->len; i++) {
      const FbUuid *uuid = &g_array_index(uuids, FbUuid, i);
      guint8 le[16];

      if (uuid->type != sizes[s])
        continue;
      fb_uuid_to_le(uuid, le);
      g_byte_array_append(field, le, (guint) fb_uuid_len(uuid));
    }
    if (field->len > 0)
      put_field(out, types[s], field->data, field->len);
  }
}

static void
put_service_data(GByteArray *out, GPtrArray *entries)
{
  for (guint i = 0; i < entries->len; i++) {
    Entry *entry = entries->pdata[i];
    gsize uuid_len = fb_uuid_len(&entry->uuid);
    gsize len;
    const guint8 *data = g_bytes_get_data(entry->bytes, &len);
    guint8 field[FB_AD_MAX_LEN];

    fb_uuid_to_le(&entry->uuid, field);
    memcpy(field + uuid_len, data, len);
    put_field(out,
              uuid_len == 2   ? FB_AD_SERVICE_DATA16
              : uuid_len == 4 ? FB_AD_SERVICE_DATA32
                              : FB_AD_SERVICE_DATA128,
              field, uuid_len + len);
  }
}

static void
put_manufacturer_data(GByteArray *out, GPtrArray *entries)
{
  for (guint i = 0; i < entries->len; i++) {
    Entry *entry = entries->pdata[i];
    gsize len;
    const guint8 *data = g_bytes_get_data(entry->bytes, &len);
    guint8 field[FB_AD_MAX_LEN];

    field[0] = (guint8) entry->id;
    field[1] = (guint8) (entry->id >> 8);
    memcpy(field + 2, data, len);
    put_field(out, FB_AD_MANUFACTURER_DATA, field, len + 2);
  }
}

/* Complete when it fits in what is left of the 31 bytes, else shortened
 * to fill them. */
static void
put_name(GByteArray *out, const char *name)
{
  gsize len = strlen(name);
  gsize room = out->len + 2 < FB_AD_MAX_LEN ? FB_AD_MAX_LEN - (out->len + 2) : 0;

  if (len > room)
    put_field(out, FB_AD_NAME_SHORT, (const guint8 *) name, room);
  else
    put_field(out, FB_AD_NAME_COMPLETE, (const guint8 *) name, len);
}

gboolean
fb_ad_generate(const FbAd *ad, GByteArray *out)
{
  static const guint8 service_types[3] = { FB_AD_UUID16_ALL, FB_AD_UUID32_ALL, FB_AD_UUID128_ALL };
  static const guint8 solicit_types[3] = { FB_AD_SOLICIT16, FB_AD_SOLICIT32, FB_AD_SOLICIT128 };
  g_autoptr(GByteArray) buf = NULL;

  if (total_len(ad) > FB_AD_MAX_LEN)
    return FALSE;
  buf = g_byte_array_new();
  put_uuids(buf, ad->service_uuids, service_types);
  put_uuids(buf, ad->solicit_uuids, solicit_types);
  put_manufacturer_data(buf, ad->manufacturer);
  put_service_data(buf, ad->service_data);
  if (ad->name != NULL)
    put_name(buf, ad->name);
  if (ad->appearance != FB_AD_NO_APPEARANCE) {
    guint8 le[2] = { (guint8) ad->appearance, (guint8) (ad->appearance >> 8) };

    put_field(buf, FB_AD_APPEARANCE, le, 2);
  }
  for (guint i = 0; i < ad->data->len; i++) {
    Entry *entry = ad->data->pdata[i];
    gsize len;
    const guint8 *data = g_bytes_get_data(entry->bytes, &len);

    put_field(buf, entry->type, data, len);
  }
  g_byte_array_append(out, buf->data, buf->len);
  return TRUE;
}

/* ---- The kernel's share ------------------------------------------------ */

static gboolean
has_field(const guint8 *data, gsize len, guint8 type)
{
  for (gsize i = 0; i + 1 < len; i += (gsize) data[i] + 1)
    if (data[i] != 0 && data[i + 1] == type)
      return TRUE;
  return FALSE;
}

/* The Flags byte the kernel adds in front of @data, 0 for none. */
static guint8
kernel_flags(const FbKernelAdv *adv, const guint8 *data, gsize len)
{
  guint8 flags = 0;

  if (data != NULL && has_field(data, len, FB_AD_FLAGS))
    return 0;
  if (adv->flags & FB_ADV_FLAG_DISCOV)
    flags |= FB_AD_FLAG_GENERAL;
  if (adv->flags & FB_ADV_FLAG_LIMITED_DISCOV)
    flags |= FB_AD_FLAG_LIMITED;
  if (!adv->bredr)
    flags |= FB_AD_FLAG_NO_BREDR;
  if (flags == 0 && (adv->flags & FB_ADV_FLAG_MANAGED_FLAGS) && adv->discoverable)
    flags = FB_AD_FLAG_GENERAL;
  return flags;
}

gsize
fb_kernel_max_adv_len(const FbKernelAdv *adv)
{
  gsize max = FB_AD_MAX_LEN;

  /* Room for the Flags field the kernel may add. */
  if ((adv->flags &
       (FB_ADV_FLAG_DISCOV | FB_ADV_FLAG_LIMITED_DISCOV | FB_ADV_FLAG_MANAGED_FLAGS)) ||
      !adv->bredr)
    max -= 3;
  if (adv->flags & FB_ADV_FLAG_TX_POWER)
    max -= 3;
  return max;
}

void
fb_kernel_adv_data(const FbKernelAdv *adv, const guint8 *data, gsize len, GByteArray *out)
{
  guint8 flags = kernel_flags(adv, data, len);

  if (flags != 0)
    put_field(out, FB_AD_FLAGS, &flags, 1);
  g_byte_array_append(out, data, (guint) len);
  if (adv->flags & FB_ADV_FLAG_TX_POWER) {
    guint8 power = (guint8) adv->tx_power;

    put_field(out, FB_AD_TX_POWER, &power, 1);
  }
}

/* The adapter's name as the kernel appends it: complete (with its
 * terminating NUL) up to ten characters, else its first ten as a short
 * name; nothing when less than 13 bytes are left. */
static void
put_kernel_name(GByteArray *out, const char *name)
{
  gsize len = name != NULL ? strlen(name) : 0;

  if (len == 0 || FB_AD_MAX_LEN - MIN(out->len, FB_AD_MAX_LEN) < KERNEL_SHORT_NAME_LEN + 3)
    return;
  if (len <= KERNEL_SHORT_NAME_LEN)
    put_field(out, FB_AD_NAME_COMPLETE, (const guint8 *) name, len + 1);
  else
    put_field(out, FB_AD_NAME_SHORT, (const guint8 *) name, KERNEL_SHORT_NAME_LEN);
}

gsize
fb_kernel_max_scan_rsp_len(const FbKernelAdv *adv)
{
  g_autoptr(GByteArray) name = g_byte_array_new();

  gsize max = FB_AD_MAX_LEN;

  if (adv->flags & FB_ADV_FLAG_LOCAL_NAME)
    put_kernel_name(name, adv->name);
  max -= name->len;
  if (adv->flags & FB_ADV_FLAG_APPEARANCE)
    max -= 4;
  return max;
}

void
fb_kernel_scan_rsp(const FbKernelAdv *adv, const guint8 *data, gsize len, GByteArray *out)
{
  g_byte_array_append(out, data, (guint) len);
  if (adv->flags & FB_ADV_FLAG_LOCAL_NAME)
    put_kernel_name(out, adv->name);
}
