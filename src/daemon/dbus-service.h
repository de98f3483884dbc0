/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* matterd on D-Bus (docs/dbus-api.md): owns org.matterd, keeps the
 * ObjectManager on "/" with the node (org.matterd.Node1 and
 * org.matterd.EndpointManager1) at /org/matterd and one object per
 * fabric, per session and per application endpoint below it, and serves
 * the methods, each behind the polkit bouncer. */

#include <gio/gio.h>

#include "commissioning.h"
#include "endpoint-manager.h"
#include "md-names.h"
#include "messaging.h"
#include "node.h"

typedef struct _MdDBusService MdDBusService;

typedef struct {
  /* The name is owned and every object exported. */
  void (*ready)(gpointer user_data);
  /* The bus could not be reached, went away, or the name was lost: the
   * daemon cannot serve and should exit. */
  void (*failed)(const char *reason, gpointer user_data);
} MdDBusServiceCallbacks;

/* @node and @messaging (whose timer drives the node) must outlive it.
 * Members of @app_group (NULL: none) register applications without
 * polkit. */
MdDBusService *md_dbus_service_new(MdNode *node, MdMessaging *messaging, GBusType bus_type,
                                   const char *app_group,
                                   const MdDBusServiceCallbacks *callbacks, gpointer user_data);
void md_dbus_service_free(MdDBusService *service);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdDBusService, md_dbus_service_free)

/* Re-reads the node model into the exported objects and properties;
 * changed ones are announced with PropertiesChanged, objects that came or
 * went with InterfacesAdded and InterfacesRemoved. */
void md_dbus_service_refresh(MdDBusService *service);
/* Node1.BluetoothState (md_ble_state_to_string()). */
void md_dbus_service_set_bluetooth_state(MdDBusService *service, const char *state);
/* Re-reads only the sessions. */
void md_dbus_service_sessions_changed(MdDBusService *service);
/* Re-reads only the application endpoints (NodeEndpoint1 objects). */
void md_dbus_service_endpoints_changed(MdDBusService *service);
/* The EndpointManager1 behind the service; NULL until it is on the bus. */
MdEndpointManager *md_dbus_service_get_endpoint_manager(MdDBusService *service);
