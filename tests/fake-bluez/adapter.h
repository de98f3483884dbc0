/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* org.bluez.Adapter1 at /org/bluez/hci0, with the GATT and advertising
 * managers and the devices (the scripted centrals) that belong to it. */

#include "fake-bluez.h"
#include "objects.h"

typedef struct _FbGatt FbGatt;
typedef struct _FbAdvertising FbAdvertising;
typedef struct _FbCentral FbCentral;

typedef struct {
  char *path;
  char *address;
  char *system_name;
  char *alias; /* NULL: the system name */
  gboolean powered;
  gboolean discoverable;
  guint discoverable_timeout;
  guint discoverable_timer;
  gboolean pairable;
  guint pairable_timeout;
  gboolean bredr;
  FbIface iface;
  FbGatt *gatt;
  FbAdvertising *advertising; /* NULL until its interface is exported */
  FbCentral *central;
  guint advertising_idle;
  guint power_idle;
} FbAdapter;

/* Appears as hci0 does when bluetoothd finds a controller: Adapter1 and
 * GattManager1 first, LEAdvertisingManager1 a moment later, powered on
 * after that when auto-enabled. */
FbAdapter *fb_adapter_new(const FbOptions *options);
/* The controller goes away: advertisements are released, applications
 * dropped, the objects removed. */
void fb_adapter_free(FbAdapter *adapter);
/* bluetoothd's shutdown: discoverable off, temporary devices removed,
 * powered off. */
void fb_adapter_shutdown(FbAdapter *adapter);

const char *fb_adapter_name(FbAdapter *adapter);
/* The GATT database's services changed: UUIDs follows. */
void fb_adapter_uuids_changed(FbAdapter *adapter);
