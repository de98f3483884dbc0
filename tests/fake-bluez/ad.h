/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Advertising data as BlueZ 5.66 assembles it, in two steps.
 *
 * FbAd is what bluetoothd builds from an LEAdvertisement1 object: its
 * fields are serialised in a fixed order (service UUID lists by size,
 * solicitation UUIDs, manufacturer data, service data, the name, the
 * appearance, then the other AD types, the Flags field among them) and
 * the whole must fit the 31 bytes of legacy advertising. The add functions
 * answer as bluetoothd's do: FALSE for what does not fit or is not allowed,
 * and also for an entry identical to one already there.
 *
 * FbKernelAdv is the kernel's share (Linux's management interface, Add
 * Advertising): it prepends a Flags field unless the data has one, appends
 * TX power when asked, and puts the adapter's name in the scan response
 * when asked. */

#include <glib.h>

#include "uuid.h"

#define FB_AD_MAX_LEN 31

/* AD types (Core Specification Supplement, part A). */
#define FB_AD_FLAGS 0x01
#define FB_AD_UUID16_SOME 0x02
#define FB_AD_UUID16_ALL 0x03
#define FB_AD_UUID32_ALL 0x05
#define FB_AD_UUID128_ALL 0x07
#define FB_AD_NAME_SHORT 0x08
#define FB_AD_NAME_COMPLETE 0x09
#define FB_AD_TX_POWER 0x0a
#define FB_AD_SOLICIT16 0x14
#define FB_AD_SOLICIT128 0x15
#define FB_AD_SERVICE_DATA16 0x16
#define FB_AD_APPEARANCE 0x19
#define FB_AD_SOLICIT32 0x1f
#define FB_AD_SERVICE_DATA32 0x20
#define FB_AD_SERVICE_DATA128 0x21
#define FB_AD_MANUFACTURER_DATA 0xff

/* Flags field bits. */
#define FB_AD_FLAG_LIMITED 0x01
#define FB_AD_FLAG_GENERAL 0x02
#define FB_AD_FLAG_NO_BREDR 0x04

/* Add Advertising flags of the management interface. */
#define FB_ADV_FLAG_CONNECTABLE (1u << 0)
#define FB_ADV_FLAG_DISCOV (1u << 1)
#define FB_ADV_FLAG_LIMITED_DISCOV (1u << 2)
#define FB_ADV_FLAG_MANAGED_FLAGS (1u << 3)
#define FB_ADV_FLAG_TX_POWER (1u << 4)
#define FB_ADV_FLAG_APPEARANCE (1u << 5)
#define FB_ADV_FLAG_LOCAL_NAME (1u << 6)
#define FB_ADV_FLAG_SEC_1M (1u << 7)
#define FB_ADV_FLAG_SEC_2M (1u << 8)
#define FB_ADV_FLAG_SEC_CODED (1u << 9)
#define FB_ADV_FLAG_SEC_MASK (FB_ADV_FLAG_SEC_1M | FB_ADV_FLAG_SEC_2M | FB_ADV_FLAG_SEC_CODED)

#define FB_AD_NO_APPEARANCE 0xffff

typedef struct _FbAd FbAd;

FbAd *fb_ad_new(void);
void fb_ad_free(FbAd *ad);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FbAd, fb_ad_free)

gboolean fb_ad_add_service_uuid(FbAd *ad, const FbUuid *uuid);
void fb_ad_clear_service_uuids(FbAd *ad);
gboolean fb_ad_add_solicit_uuid(FbAd *ad, const FbUuid *uuid);
void fb_ad_clear_solicit_uuids(FbAd *ad);
gboolean fb_ad_add_manufacturer_data(FbAd *ad, guint16 id, const guint8 *data, gsize len);
void fb_ad_clear_manufacturer_data(FbAd *ad);
gboolean fb_ad_add_service_data(FbAd *ad, const FbUuid *uuid, const guint8 *data, gsize len);
void fb_ad_clear_service_data(FbAd *ad);
/* Any other AD type not covered by the calls above (FALSE for those). */
gboolean fb_ad_add_data(FbAd *ad, guint8 type, const guint8 *data, gsize len);
void fb_ad_clear_data(FbAd *ad);
gboolean fb_ad_set_flags(FbAd *ad, guint8 flags);
void fb_ad_clear_flags(FbAd *ad);
gboolean fb_ad_has_flags(const FbAd *ad);
void fb_ad_set_name(FbAd *ad, const char *name);
void fb_ad_set_appearance(FbAd *ad, guint16 appearance);
gboolean fb_ad_is_empty(const FbAd *ad);

/* The serialised data, or FALSE (and @out untouched) when it exceeds
 * FB_AD_MAX_LEN. A name that does not fit is shortened. */
gboolean fb_ad_generate(const FbAd *ad, GByteArray *out);

typedef struct {
  guint32 flags;         /* FB_ADV_FLAG_* of the instance */
  gboolean bredr;        /* BR/EDR enabled on the adapter */
  gboolean discoverable; /* the adapter's Discoverable setting */
  gint8 tx_power;        /* the controller's advertising TX power */
  const char *name;      /* the adapter's name (its alias) */
} FbKernelAdv;

/* How much of the 31 bytes the kernel leaves to the advertising data and
 * the scan response bluetoothd hands it for @adv. */
gsize fb_kernel_max_adv_len(const FbKernelAdv *adv);
gsize fb_kernel_max_scan_rsp_len(const FbKernelAdv *adv);
/* What the controller is given. */
void fb_kernel_adv_data(const FbKernelAdv *adv, const guint8 *data, gsize len, GByteArray *out);
void fb_kernel_scan_rsp(const FbKernelAdv *adv, const guint8 *data, gsize len, GByteArray *out);
