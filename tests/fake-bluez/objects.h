/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The fake's objects on the bus, managed as bluetoothd manages its own: an
 * org.freedesktop.DBus.ObjectManager at "/" lists every object with its
 * interfaces (org.freedesktop.DBus.Introspectable and, when it has
 * properties, org.freedesktop.DBus.Properties among them). Interfaces added
 * and removed and properties changed are collected and sent from an idle
 * callback, per object in the order InterfacesAdded, PropertiesChanged,
 * InterfacesRemoved, so a method's reply goes out before the signals it
 * caused. */

#include <gio/gio.h>

typedef struct _FbIface FbIface;

typedef struct {
  const char *name;
  /* NULL when the property is absent now: GetAll leaves it out, Get fails. */
  GVariant *(*get_property)(FbIface *iface, const char *name);
  /* NULL: every property is read-only. */
  gboolean (*set_property)(FbIface *iface, const char *name, GVariant *value, GError **error);
  void (*method_call)(FbIface *iface, const char *method, GVariant *parameters,
                      GDBusMethodInvocation *invocation);
} FbIfaceClass;

struct _FbIface {
  const FbIfaceClass *klass;
  gpointer user_data;
};

/* Parses the interface descriptions (experimental properties only with
 * @experimental, as bluetoothd -E) and exports the ObjectManager. */
void fb_objects_init(GDBusConnection *connection, gboolean experimental);
/* Sends what is pending and unexports everything. */
void fb_objects_shutdown(void);
GDBusConnection *fb_objects_connection(void);
GDBusInterfaceInfo *fb_objects_interface_info(const char *name);

/* Exports @iface (owned by the caller, alive until removed) at @path, in
 * the managed tree. */
void fb_object_add(const char *path, FbIface *iface);
void fb_object_remove(const char *path, FbIface *iface);
/* Queues PropertiesChanged for @property of @iface. */
void fb_object_changed(const char *path, FbIface *iface, const char *property);
/* Sends the pending signals now. */
void fb_objects_flush(void);
/* Exports @iface at @path outside the managed tree (the control object). */
void fb_object_export(const char *path, FbIface *iface);

/* Errors a property setter answers with, as org.bluez.Error.*. */
#define FB_ERROR (fb_error_quark())
typedef enum {
  FB_ERROR_FAILED,
  FB_ERROR_INVALID_ARGUMENTS,
  FB_ERROR_NOT_READY,
  FB_ERROR_BUSY,
} FbError;
GQuark fb_error_quark(void);

/* Replies with org.bluez.Error.@name and @message. */
void fb_return_error(GDBusMethodInvocation *invocation, const char *name, const char *message);
