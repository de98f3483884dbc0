/* SPDX-License-Identifier: Apache-2.0 */
/* The fake BlueZ's UUID strings and advertising data, against the rules
 * bluetoothd 5.66 applies (lib/uuid.c, src/shared/ad.c) and the kernel's
 * share of Add Advertising (doc/mgmt-api.txt). */

#include <string.h>

#include "ad.h"

static GBytes *
hex(const char *text)
{
  GByteArray *bytes = g_byte_array_new();

  for (const char *p = text; *p != '\0';) {
    guint8 b;

    if (*p == ' ') {
      p++;
      continue;
    }
    b = (guint8) (g_ascii_xdigit_value(p[0]) << 4 | g_ascii_xdigit_value(p[1]));
    g_byte_array_append(bytes, &b, 1);
    p += 2;
  }
  return g_byte_array_free_to_bytes(bytes);
}

static void
assert_array(GByteArray *array, const char *expected)
{
  g_autoptr(GBytes) want = hex(expected);
  g_autoptr(GString) got = g_string_new(NULL);

  for (guint i = 0; i < array->len; i++)
    g_string_append_printf(got, "%02x", array->data[i]);
  g_test_message("got %s, want %s", got->str, expected);
  g_assert_cmpmem(array->data, array->len, g_bytes_get_data(want, NULL), g_bytes_get_size(want));
}

static void
test_uuid_parse(void)
{
  static const struct {
    const char *text;
    gboolean ok;
    FbUuidType type;
    guint32 value;
  } cases[] = {
    { "fff6", TRUE, FB_UUID_16, 0xfff6 },
    { "0xfff6", TRUE, FB_UUID_16, 0xfff6 },
    { "0000fff6-0000-1000-8000-00805f9b34fb", TRUE, FB_UUID_16, 0xfff6 },
    { "0000FFF6-0000-1000-8000-00805F9B34FB", TRUE, FB_UUID_16, 0xfff6 },
    { "12345678", TRUE, FB_UUID_32, 0x12345678 },
    { "0x12345678", TRUE, FB_UUID_32, 0x12345678 },
    /* On the base, but not a 16-bit value: stays 128-bit. */
    { "12345678-0000-1000-8000-00805f9b34fb", TRUE, FB_UUID_128, 0 },
    { "18ee2ef5-263d-4559-959f-4f9c429f9d11", TRUE, FB_UUID_128, 0 },
    { "", FALSE, 0, 0 },
    { "fff", FALSE, 0, 0 },
    { "fff6x", FALSE, 0, 0 },
    { "zzzz", FALSE, 0, 0 },
    { "1234567", FALSE, 0, 0 },
    { "18ee2ef5-263d-4559-959f-4f9c429f9d1g", FALSE, 0, 0 },
    { "18ee2ef5x263d-4559-959f-4f9c429f9d11", FALSE, 0, 0 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    FbUuid uuid;

    g_test_message("%s", cases[i].text);
    g_assert_cmpint(fb_uuid_parse(cases[i].text, &uuid), ==, cases[i].ok);
    if (!cases[i].ok)
      continue;
    g_assert_cmpint(uuid.type, ==, cases[i].type);
    if (uuid.type != FB_UUID_128)
      g_assert_cmphex(uuid.value, ==, cases[i].value);
  }
}

static void
test_uuid_forms(void)
{
  FbUuid a, b, c;
  g_autofree char *s16 = NULL;
  g_autofree char *s128 = NULL;
  guint8 le[16];

  g_assert_true(fb_uuid_parse("fff6", &a));
  g_assert_true(fb_uuid_parse("0000fff6-0000-1000-8000-00805f9b34fb", &b));
  g_assert_true(fb_uuid_equal(&a, &b));
  s16 = fb_uuid_to_string(&a);
  g_assert_cmpstr(s16, ==, "0000fff6-0000-1000-8000-00805f9b34fb");
  fb_uuid_to_le(&a, le);
  g_assert_cmpuint(fb_uuid_len(&a), ==, 2);
  g_assert_cmphex(le[0], ==, 0xf6);
  g_assert_cmphex(le[1], ==, 0xff);

  g_assert_true(fb_uuid_parse("18EE2EF5-263D-4559-959F-4F9C429F9D11", &c));
  s128 = fb_uuid_to_string(&c);
  g_assert_cmpstr(s128, ==, "18ee2ef5-263d-4559-959f-4f9c429f9d11");
  g_assert_cmpuint(fb_uuid_len(&c), ==, 16);
  fb_uuid_to_le(&c, le);
  g_assert_cmphex(le[0], ==, 0x11);
  g_assert_cmphex(le[15], ==, 0x18);
}

static void
add_uuid(FbAd *ad, const char *text)
{
  FbUuid uuid;

  g_assert_true(fb_uuid_parse(text, &uuid));
  g_assert_true(fb_ad_add_service_uuid(ad, &uuid));
}

/* Lists by size, 16 then 32 then 128 bits, whatever the order given. */
static void
test_ad_uuid_lists(void)
{
  g_autoptr(FbAd) ad = fb_ad_new();
  g_autoptr(GByteArray) out = g_byte_array_new();

  add_uuid(ad, "12345678");
  add_uuid(ad, "fff6");
  add_uuid(ad, "180a");
  g_assert_true(fb_ad_generate(ad, out));
  assert_array(out, "05 03 f6ff 0a18  05 05 78563412");
  fb_ad_clear_service_uuids(ad);
  g_byte_array_set_size(out, 0);
  add_uuid(ad, "18ee2ef5-263d-4559-959f-4f9c429f9d11");
  g_assert_true(fb_ad_generate(ad, out));
  assert_array(out, "11 07 119d9f429c4f9f9559453d26f52eee18");
}

/* Fields in bluetoothd's order: UUIDs, manufacturer data, service data,
 * name, appearance, then the rest with the Flags field. */
static void
test_ad_order(void)
{
  static const guint8 sd[] = { 0xaa };
  static const guint8 md[] = { 0xbb };
  static const guint8 other[] = { 0xcc };
  g_autoptr(FbAd) ad = fb_ad_new();
  g_autoptr(GByteArray) out = g_byte_array_new();
  FbUuid uuid;

  g_assert_true(fb_ad_set_flags(ad, FB_AD_FLAG_GENERAL | FB_AD_FLAG_NO_BREDR));
  g_assert_true(fb_ad_add_data(ad, 0x26, other, sizeof(other)));
  fb_ad_set_appearance(ad, 0x0341);
  fb_ad_set_name(ad, "ab");
  fb_uuid_from_16(0xfff6, &uuid);
  g_assert_true(fb_ad_add_service_data(ad, &uuid, sd, sizeof(sd)));
  g_assert_true(fb_ad_add_manufacturer_data(ad, 0xfff1, md, sizeof(md)));
  add_uuid(ad, "fff6");
  g_assert_true(fb_ad_generate(ad, out));
  assert_array(out, "03 03 f6ff  04 ff f1ff bb  04 16 f6ff aa  03 09 6162  03 19 4103  "
                    "02 01 06  02 26 cc");
}

/* What bluetoothd refuses, and an identical entry counts as a failure. */
static void
test_ad_refusals(void)
{
  static const guint8 data[28] = { 0 };
  g_autoptr(FbAd) ad = fb_ad_new();
  FbUuid u16, u128;

  fb_uuid_from_16(0xfff6, &u16);
  g_assert_true(fb_uuid_parse("18ee2ef5-263d-4559-959f-4f9c429f9d11", &u128));
  g_assert_false(fb_ad_add_manufacturer_data(ad, 1, data, 28));
  g_assert_true(fb_ad_add_manufacturer_data(ad, 1, data, 27));
  g_assert_false(fb_ad_add_manufacturer_data(ad, 1, data, 27));
  g_assert_true(fb_ad_add_manufacturer_data(ad, 1, data, 26));
  g_assert_false(fb_ad_add_service_data(ad, &u16, data, 28));
  g_assert_true(fb_ad_add_service_data(ad, &u16, data, 27));
  g_assert_false(fb_ad_add_service_data(ad, &u16, data, 27));
  g_assert_false(fb_ad_add_service_data(ad, &u128, data, 14));
  g_assert_true(fb_ad_add_service_data(ad, &u128, data, 13));
  g_assert_false(fb_ad_add_data(ad, FB_AD_FLAGS, data, 1));
  g_assert_false(fb_ad_add_data(ad, FB_AD_SERVICE_DATA16, data, 1));
  g_assert_false(fb_ad_add_data(ad, FB_AD_MANUFACTURER_DATA, data, 1));
  g_assert_false(fb_ad_add_data(ad, 0x26, data, 30));
  g_assert_false(fb_ad_set_flags(ad, 0x20));
  g_assert_true(fb_ad_set_flags(ad, 0x06));
  g_assert_false(fb_ad_set_flags(ad, 0x06));
}

/* 31 bytes at most; a name takes what is left, shortened. */
static void
test_ad_length(void)
{
  static const guint8 data[20] = { 0 };
  g_autoptr(FbAd) ad = fb_ad_new();
  g_autoptr(GByteArray) out = g_byte_array_new();
  FbUuid uuid;

  fb_uuid_from_16(0xfff6, &uuid);
  g_assert_true(fb_ad_add_service_data(ad, &uuid, data, 20));
  fb_ad_set_name(ad, "a long device name");
  g_assert_true(fb_ad_generate(ad, out));
  g_assert_cmpuint(out->len, ==, 31);
  /* 24 bytes of service data leave 7: the name field, shortened to 5. */
  g_assert_cmphex(out->data[24], ==, 6);
  g_assert_cmphex(out->data[25], ==, FB_AD_NAME_SHORT);
  g_assert_cmpmem(out->data + 26, 5, "a lon", 5);
  /* The name filled the packet: nothing fits after it. */
  fb_ad_set_appearance(ad, 0);
  g_byte_array_set_size(out, 0);
  g_assert_false(fb_ad_generate(ad, out));
  g_assert_cmpuint(out->len, ==, 0);
}

/* The kernel's Flags field comes first unless the data has one, and
 * marks BR/EDR unsupported on an LE-only controller; TX power goes last;
 * the room left shrinks for both. */
static void
test_kernel_adv(void)
{
  static const guint8 data[] = { 0x03, 0x03, 0xf6, 0xff };
  static const guint8 with_flags[] = { 0x02, 0x01, 0x06 };
  FbKernelAdv adv = { .flags = FB_ADV_FLAG_CONNECTABLE, .bredr = TRUE, .tx_power = -4 };
  g_autoptr(GByteArray) out = g_byte_array_new();

  fb_kernel_adv_data(&adv, data, sizeof(data), out);
  assert_array(out, "0303f6ff");
  g_assert_cmpuint(fb_kernel_max_adv_len(&adv), ==, 31);

  adv.flags |= FB_ADV_FLAG_DISCOV;
  g_byte_array_set_size(out, 0);
  fb_kernel_adv_data(&adv, data, sizeof(data), out);
  assert_array(out, "020102 0303f6ff");
  g_assert_cmpuint(fb_kernel_max_adv_len(&adv), ==, 28);

  g_byte_array_set_size(out, 0);
  fb_kernel_adv_data(&adv, with_flags, sizeof(with_flags), out);
  assert_array(out, "020106");

  adv.flags = FB_ADV_FLAG_CONNECTABLE | FB_ADV_FLAG_TX_POWER;
  adv.bredr = FALSE;
  g_byte_array_set_size(out, 0);
  fb_kernel_adv_data(&adv, data, sizeof(data), out);
  assert_array(out, "020104 0303f6ff 020afc");
  g_assert_cmpuint(fb_kernel_max_adv_len(&adv), ==, 25);
}

/* The adapter's name in the scan response: complete with its NUL up to
 * ten characters, else the first ten as a short name. */
static void
test_kernel_scan_rsp(void)
{
  FbKernelAdv adv = { .flags = FB_ADV_FLAG_LOCAL_NAME, .bredr = TRUE, .name = "matter" };
  g_autoptr(GByteArray) out = g_byte_array_new();

  fb_kernel_scan_rsp(&adv, NULL, 0, out);
  assert_array(out, "08 09 6d617474657200");
  g_assert_cmpuint(fb_kernel_max_scan_rsp_len(&adv), ==, 22);
  adv.name = "matter-gateway";
  g_byte_array_set_size(out, 0);
  fb_kernel_scan_rsp(&adv, NULL, 0, out);
  assert_array(out, "0b 08 6d61747465722d676174");
  adv.flags = 0;
  g_byte_array_set_size(out, 0);
  fb_kernel_scan_rsp(&adv, NULL, 0, out);
  g_assert_cmpuint(out->len, ==, 0);
  g_assert_cmpuint(fb_kernel_max_scan_rsp_len(&adv), ==, 31);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/fake-bluez/uuid/parse", test_uuid_parse);
  g_test_add_func("/fake-bluez/uuid/forms", test_uuid_forms);
  g_test_add_func("/fake-bluez/ad/uuid-lists", test_ad_uuid_lists);
  g_test_add_func("/fake-bluez/ad/order", test_ad_order);
  g_test_add_func("/fake-bluez/ad/refusals", test_ad_refusals);
  g_test_add_func("/fake-bluez/ad/length", test_ad_length);
  g_test_add_func("/fake-bluez/kernel/adv", test_kernel_adv);
  g_test_add_func("/fake-bluez/kernel/scan-rsp", test_kernel_scan_rsp);
  return g_test_run();
}
