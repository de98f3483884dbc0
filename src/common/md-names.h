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

#define MD_DBUS_INTERFACE_NODE "org.matterd.Node1"
#define MD_DBUS_INTERFACE_FABRIC "org.matterd.Fabric1"
#define MD_DBUS_INTERFACE_SESSION "org.matterd.Session1"

/* polkit actions (data/org.matterd.policy). */
#define MD_POLKIT_ACTION_MANAGE "org.matterd.manage"
#define MD_POLKIT_ACTION_FACTORY_RESET "org.matterd.factory-reset"
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
