/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Every name matterd shares with the rest of the host: its bus name,
 * object paths and interfaces (docs/dbus-api.md), the error prefix, and
 * the journal fields of its log records. */

#define MD_DBUS_NAME "org.matterd"
/* The ObjectManager sits on "/", as BlueZ's and iwd's do, so that
 * GetManagedObjects lists the node itself (MD_DBUS_PATH) with its fabrics
 * and sessions below it. */
#define MD_DBUS_MANAGER_PATH "/"
#define MD_DBUS_PATH "/org/matterd"
#define MD_DBUS_FABRIC_PATH_PREFIX MD_DBUS_PATH "/fabric"   /* + fabric index */
#define MD_DBUS_SESSION_PATH_PREFIX MD_DBUS_PATH "/session" /* + local session id */
#define MD_DBUS_ENDPOINT_PATH_PREFIX MD_DBUS_PATH "/endpoint" /* + endpoint number */

#define MD_DBUS_INTERFACE_NODE "org.matterd.Node1"
#define MD_DBUS_INTERFACE_FABRIC "org.matterd.Fabric1"
#define MD_DBUS_INTERFACE_SESSION "org.matterd.Session1"
#define MD_DBUS_INTERFACE_ENDPOINT_MANAGER "org.matterd.EndpointManager1"
#define MD_DBUS_INTERFACE_NODE_ENDPOINT "org.matterd.NodeEndpoint1"

/* What host applications export (docs/dbus-api.md): endpoint objects,
 * and below them one object per cluster with an interface of
 * MD_APP_CLUSTER_INTERFACE_PREFIX "<Cluster>1". Their D-Bus errors
 * MD_APP_STATUS_ERROR_PREFIX "<Status>" answer with an IM status. */
#define MD_APP_INTERFACE_ENDPOINT "org.matterd.Endpoint1"
#define MD_APP_CLUSTER_INTERFACE_PREFIX "org.matterd.cluster."
#define MD_APP_STATUS_ERROR_PREFIX "org.matterd.Status."

/* polkit actions (data/org.matterd.policy). */
#define MD_POLKIT_ACTION_MANAGE "org.matterd.manage"
#define MD_POLKIT_ACTION_FACTORY_RESET "org.matterd.factory-reset"
#define MD_POLKIT_ACTION_REGISTER_APPLICATION "org.matterd.register-application"
/* polkit's Authority on the system bus, which the bouncer asks. */
#define MD_POLKIT_BUS_NAME "org.freedesktop.PolicyKit1"
#define MD_POLKIT_AUTHORITY_PATH "/org/freedesktop/PolicyKit1/Authority"
#define MD_POLKIT_AUTHORITY_INTERFACE "org.freedesktop.PolicyKit1.Authority"

/* D-Bus errors are MD_DBUS_ERROR_PREFIX "<Name>" (md-error.h). */
#define MD_DBUS_ERROR_PREFIX "org.matterd.Error."

/* The GLib log domain of matterd's own messages. */
#define MD_LOG_DOMAIN "matterd"

/* Journal fields (md-log.h): `journalctl MATTER_FABRIC_INDEX=1`. */
#define MD_LOG_FIELD_FABRIC_INDEX "MATTER_FABRIC_INDEX"
#define MD_LOG_FIELD_NODE_ID "MATTER_NODE_ID"
#define MD_LOG_FIELD_SESSION_ID "MATTER_SESSION_ID"

/* BlueZ on the system bus (BlueZ 5.66, doc/adapter-api.txt, gatt-api.txt,
 * advertising-api.txt), which src/daemon/ble.c drives. */
#define MD_BLUEZ_BUS_NAME "org.bluez"
#define MD_BLUEZ_MANAGER_PATH "/"
#define MD_BLUEZ_INTERFACE_ADAPTER "org.bluez.Adapter1"
#define MD_BLUEZ_INTERFACE_DEVICE "org.bluez.Device1"
#define MD_BLUEZ_INTERFACE_GATT_MANAGER "org.bluez.GattManager1"
#define MD_BLUEZ_INTERFACE_ADVERTISING_MANAGER "org.bluez.LEAdvertisingManager1"
#define MD_BLUEZ_INTERFACE_GATT_SERVICE "org.bluez.GattService1"
#define MD_BLUEZ_INTERFACE_GATT_CHARACTERISTIC "org.bluez.GattCharacteristic1"
#define MD_BLUEZ_INTERFACE_ADVERTISEMENT "org.bluez.LEAdvertisement1"
#define MD_BLUEZ_ERROR_PREFIX "org.bluez.Error."

/* matterd's own objects on its system-bus connection, which BlueZ reads
 * and calls: the GATT application (its ObjectManager manages the Matter
 * service and its characteristics, and nothing else, as GattManager1
 * asks) and the LE advertisement. */
#define MD_BLE_APP_PATH MD_DBUS_PATH "/ble"
#define MD_BLE_SERVICE_PATH MD_BLE_APP_PATH "/service0"
#define MD_BLE_C1_PATH MD_BLE_SERVICE_PATH "/char0"
#define MD_BLE_C2_PATH MD_BLE_SERVICE_PATH "/char1"
#define MD_BLE_C3_PATH MD_BLE_SERVICE_PATH "/char2"
#define MD_BLE_ADVERTISEMENT_PATH MD_BLE_APP_PATH "/advertisement0"
