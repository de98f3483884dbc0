/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* org.bluez.LEAdvertisingManager1 as bluetoothd 5.66 runs it on a kernel
 * with the extended advertising commands and a controller that
 * advertises the legacy way (31 bytes, no secondary channels). */

#include "adapter.h"

FbAdvertising *fb_advertising_new(FbAdapter *adapter);
/* Releases every advertisement and unexports the interface. */
void fb_advertising_free(FbAdvertising *advertising);

/* The adapter's power, discoverable setting or name changed. */
void fb_advertising_refresh(FbAdvertising *advertising);
/* A connectable advertisement is on the air. */
gboolean fb_advertising_connectable(FbAdvertising *advertising);
/* a(a{sv}a{sv}ayay): each advertisement's state, properties as read,
 * advertising data and scan response. */
GVariant *fb_advertising_describe(FbAdvertising *advertising);
