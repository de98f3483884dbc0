/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* matterd on D-Bus: owns org.matterd and exports /org/matterd with
 * org.freedesktop.DBus.ObjectManager and org.matterd.Node1. */

#include <gio/gio.h>

#include "commissioning.h"
#include "md-names.h"
#include "node.h"

typedef struct _MdDBusService MdDBusService;

typedef struct {
  /* The name is owned and every object exported. */
  void (*ready)(gpointer user_data);
  /* The bus could not be reached, went away, or the name was lost: the
   * daemon cannot serve and should exit. */
  void (*failed)(const char *reason, gpointer user_data);
} MdDBusServiceCallbacks;

MdDBusService *md_dbus_service_new(MdNode *node, GBusType bus_type,
                                   const MdDBusServiceCallbacks *callbacks, gpointer user_data);
void md_dbus_service_free(MdDBusService *service);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdDBusService, md_dbus_service_free)

/* Re-reads the node model into the exported properties; changed ones are
 * announced with PropertiesChanged. */
void md_dbus_service_refresh(MdDBusService *service);
void md_dbus_service_set_session_count(MdDBusService *service, guint count);
