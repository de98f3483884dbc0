/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* A stand-in for bluetoothd (BlueZ 5.66) on a D-Bus bus, for tests on
 * machines without Bluetooth: README.md says what it models and how. */

#include <gio/gio.h>

#define FB_BUS_NAME "org.bluez"
#define FB_ERROR_PREFIX "org.bluez.Error."
#define FB_ADAPTER_INTERFACE "org.bluez.Adapter1"
#define FB_GATT_MANAGER_INTERFACE "org.bluez.GattManager1"
#define FB_ADV_MANAGER_INTERFACE "org.bluez.LEAdvertisingManager1"
#define FB_DEVICE_INTERFACE "org.bluez.Device1"

/* The fake's own control interface, outside the managed tree. */
#define FB_CONTROL_INTERFACE "org.bluez.test.Control1"
#define FB_CONTROL_PATH "/org/bluez/test"
#define FB_CONTROL_ERROR_PREFIX "org.bluez.test.Error."

/* libdbus' default, which bluetoothd's calls to applications use. */
#define FB_CALL_TIMEOUT_MS 25000
/* bluetoothd's own for ReadValue, WriteValue and the Acquire calls. */
#define FB_GATT_CALL_TIMEOUT_MS (300 * 1000)

typedef struct {
  gboolean experimental; /* as bluetoothd -E */
  gboolean le_only;      /* the controller has no BR/EDR */
  gboolean auto_enable;  /* power the adapter on when it appears (main.conf AutoEnable) */
  char *bdaddr;
  char *name;
  guint max_advertisements; /* the controller's advertising instances */
  guint temporary_timeout;  /* s, a disconnected device's object stays (TemporaryTimeout) */
  guint att_timeout;        /* s, the central gives up on an ATT request */
} FbOptions;

const FbOptions *fb_options(void);

/* Replies with org.bluez.test.Error.@name. */
void fb_control_error(GDBusMethodInvocation *invocation, const char *name, const char *format, ...)
    G_GNUC_PRINTF(3, 4);

/* Emits a signal of the control interface. */
void fb_control_emit(const char *signal, GVariant *parameters);
