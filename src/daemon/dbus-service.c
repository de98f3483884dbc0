/* SPDX-License-Identifier: Apache-2.0 */
#define G_LOG_DOMAIN "matterd"

#include "dbus-service.h"

#include <stdlib.h>
#include <string.h>

#include "bouncer.h"
#include "endpoint-manager.h"
#include "md-dbus-generated.h"
#include "md-error.h"

/* Session1.LastActivity is announced at most this often. */
#define ACTIVITY_REFRESH_S 1

struct _MdDBusService {
  MdNode *node;           /* not owned */
  MdMessaging *messaging; /* not owned */
  MdDBusServiceCallbacks callbacks;
  gpointer user_data;
  /* CLOCK_REALTIME usec at the node's time 0: what turns its monotonic
   * milliseconds into the wall-clock times of the properties. Taken once,
   * so that the same instant is always the same value. */
  gint64 realtime_offset_us;

  guint owner_id;
  GDBusConnection *connection;
  gulong closed_id;
  MdBouncer *bouncer; /* once on the bus */
  char *app_group;    /* [Applications] Group= */
  MdEndpointManager *endpoint_manager; /* once on the bus */
  MdDBusEndpointManager1 *endpoint_manager1;
  GDBusObjectManagerServer *manager;
  MdDBusObjectSkeleton *node_object;
  MdDBusNode1 *node1;
  GHashTable *fabrics;  /* fabric index -> MdDBusObjectSkeleton exported */
  GHashTable *sessions; /* local session id -> MdDBusObjectSkeleton exported */
  GHashTable *endpoints; /* application endpoint number -> MdDBusObjectSkeleton exported */
  guint activity_id;    /* refreshes LastActivity while sessions exist */
  gboolean failed;
};

/* ---- Node1 with a writable NodeLabel ----
 *
 * The generated skeleton sets a property the moment Properties.Set
 * arrives. NodeLabel needs polkit's answer first, which comes later: with
 * no set_property in the vtable GDBus hands Set (validated: known,
 * writable, right type) to method_call, which asks the bouncer. */

typedef struct {
  MdDBusNode1Skeleton parent_instance;
  MdDBusService *service;
} NodeSkeleton;

typedef struct {
  MdDBusNode1SkeletonClass parent_class;
} NodeSkeletonClass;

static GType node_skeleton_get_type(void);
G_DEFINE_TYPE(NodeSkeleton, node_skeleton, MD_DBUS_TYPE_NODE1_SKELETON)

static GDBusInterfaceMethodCallFunc generated_method_call;
static void set_property_allowed(GDBusMethodInvocation *invocation, gpointer user_data);

static void
node_method_call(GDBusConnection *connection, const char *sender, const char *object_path,
                 const char *interface_name, const char *method_name, GVariant *parameters,
                 GDBusMethodInvocation *invocation, gpointer user_data)
{
  NodeSkeleton *self = user_data;
  const char *property;

  if (g_strcmp0(interface_name, "org.freedesktop.DBus.Properties") != 0) {
    generated_method_call(connection, sender, object_path, interface_name, method_name,
                          parameters, invocation, user_data);
    return;
  }
  /* Only Set comes here, for NodeLabel, the one writable property. */
  g_variant_get(parameters, "(&s&sv)", NULL, &property, NULL);
  g_assert(strcmp(property, "NodeLabel") == 0);
  md_bouncer_check(self->service->bouncer, invocation, MD_POLKIT_ACTION_MANAGE,
                   set_property_allowed, self->service);
}

static GDBusInterfaceVTable *
node_skeleton_get_vtable(GDBusInterfaceSkeleton *skeleton)
{
  static GDBusInterfaceVTable vtable;
  GDBusInterfaceVTable *generated =
    G_DBUS_INTERFACE_SKELETON_CLASS(node_skeleton_parent_class)->get_vtable(skeleton);

  generated_method_call = generated->method_call;
  vtable = *generated;
  vtable.method_call = node_method_call;
  vtable.set_property = NULL;
  return &vtable;
}

static void
node_skeleton_class_init(NodeSkeletonClass *klass)
{
  G_DBUS_INTERFACE_SKELETON_CLASS(klass)->get_vtable = node_skeleton_get_vtable;
}

static void
node_skeleton_init(NodeSkeleton *self)
{
}

/* ---- Helpers ---- */

static void
fail(MdDBusService *service, const char *reason)
{
  if (service->failed)
    return;
  service->failed = TRUE;
  service->callbacks.failed(reason, service->user_data);
}

/* Only the documented names reach the bus; the message says what
 * happened. */
static void
return_error(GDBusMethodInvocation *invocation, const GError *error)
{
  g_autoptr(GError) public_error = md_error_to_public(error);

  g_dbus_method_invocation_return_gerror(invocation, public_error);
}

static guint64
to_realtime_us(MdDBusService *service, guint64 ms)
{
  return (guint64) (service->realtime_offset_us + (gint64) ms * 1000);
}

/* The node's timers may have moved: its deadline is the message layer's
 * timer's. */
static void
node_poked(MdDBusService *service)
{
  md_messaging_reschedule(service->messaging);
}

/* The number at the end of @path after @prefix (fabric7, session42), or
 * -1. */
static gint64
path_number(const char *path, const char *prefix, guint64 max)
{
  guint64 number;

  if (!g_str_has_prefix(path, prefix) ||
      !g_ascii_string_to_unsigned(path + strlen(prefix), 10, 1, max, &number, NULL))
    return -1;
  return (gint64) number;
}

/* ---- Node1 methods ---- */

static void
open_window_allowed(GDBusMethodInvocation *invocation, gpointer user_data)
{
  MdDBusService *service = user_data;
  g_autoptr(GError) error = NULL;
  char qr_code[MATTER_PAYLOAD_QR_SIZE], manual_code[MATTER_PAYLOAD_MANUAL_SIZE];
  guint32 timeout;

  g_variant_get(g_dbus_method_invocation_get_parameters(invocation), "(u)", &timeout);
  if (!md_node_open_window(service->node, timeout, md_messaging_now_ms(), &error) ||
      !md_node_get_window_codes(service->node, qr_code, manual_code, &error)) {
    return_error(invocation, error);
    return;
  }
  node_poked(service);
  md_dbus_node1_complete_open_commissioning_window(service->node1, invocation, qr_code,
                                                   manual_code);
  matter_secure_zero(qr_code, sizeof(qr_code));
  matter_secure_zero(manual_code, sizeof(manual_code));
}

static gboolean
handle_open_commissioning_window(MdDBusNode1 *node1, GDBusMethodInvocation *invocation,
                                 guint timeout, gpointer user_data)
{
  MdDBusService *service = user_data;

  if (timeout < MD_WINDOW_TIMEOUT_MIN || timeout > MD_WINDOW_TIMEOUT_MAX) {
    g_dbus_method_invocation_return_error(invocation, MD_ERROR, MD_ERROR_INVALID_ARGUMENT,
                                          "A commissioning window lasts %u to %u s, not %u",
                                          MD_WINDOW_TIMEOUT_MIN, MD_WINDOW_TIMEOUT_MAX, timeout);
    return TRUE;
  }
  md_bouncer_check(service->bouncer, invocation, MD_POLKIT_ACTION_MANAGE, open_window_allowed,
                   service);
  return TRUE;
}

static void
close_window_allowed(GDBusMethodInvocation *invocation, gpointer user_data)
{
  MdDBusService *service = user_data;
  g_autoptr(GError) error = NULL;

  if (!md_node_close_window(service->node, md_messaging_now_ms(), &error)) {
    return_error(invocation, error);
    return;
  }
  node_poked(service);
  md_dbus_node1_complete_close_commissioning_window(service->node1, invocation);
}

static gboolean
handle_close_commissioning_window(MdDBusNode1 *node1, GDBusMethodInvocation *invocation,
                                  gpointer user_data)
{
  MdDBusService *service = user_data;

  md_bouncer_check(service->bouncer, invocation, MD_POLKIT_ACTION_MANAGE, close_window_allowed,
                   service);
  return TRUE;
}

static void
factory_reset_allowed(GDBusMethodInvocation *invocation, gpointer user_data)
{
  MdDBusService *service = user_data;
  g_autoptr(GError) error = NULL;

  g_message("Factory reset requested by %s", g_dbus_method_invocation_get_sender(invocation));
  if (!md_node_factory_reset(service->node, md_messaging_now_ms(), &error)) {
    g_warning("Factory reset failed: %s", error->message);
    return_error(invocation, error);
    return;
  }
  node_poked(service);
  md_dbus_node1_complete_factory_reset(service->node1, invocation);
}

static gboolean
handle_factory_reset(MdDBusNode1 *node1, GDBusMethodInvocation *invocation, gpointer user_data)
{
  MdDBusService *service = user_data;

  md_bouncer_check(service->bouncer, invocation, MD_POLKIT_ACTION_FACTORY_RESET,
                   factory_reset_allowed, service);
  return TRUE;
}

static void
set_property_allowed(GDBusMethodInvocation *invocation, gpointer user_data)
{
  MdDBusService *service = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = NULL;
  const char *label;

  g_variant_get(g_dbus_method_invocation_get_parameters(invocation), "(&s&sv)", NULL, NULL,
                &value);
  label = g_variant_get_string(value, NULL);
  if (!md_node_set_node_label(service->node, label, &error)) {
    return_error(invocation, error);
    return;
  }
  md_dbus_node1_set_node_label(service->node1, label);
  g_dbus_method_invocation_return_value(invocation, NULL);
}

/* ---- Fabric1 ---- */

static void
remove_fabric_allowed(GDBusMethodInvocation *invocation, gpointer user_data)
{
  MdDBusService *service = user_data;
  g_autoptr(GError) error = NULL;
  gint64 index = path_number(g_dbus_method_invocation_get_object_path(invocation),
                             MD_DBUS_FABRIC_PATH_PREFIX, 254);
  MdDBusObject *object = g_hash_table_lookup(service->fabrics, GINT_TO_POINTER((int) index));
  g_autoptr(MdDBusFabric1) fabric1 = object != NULL ? md_dbus_object_get_fabric1(object) : NULL;

  if (index < 0 || fabric1 == NULL) {
    g_dbus_method_invocation_return_error(invocation, MD_ERROR, MD_ERROR_NOT_FOUND,
                                          "The fabric is gone");
    return;
  }
  if (!md_node_remove_fabric(service->node, (guint8) index, md_messaging_now_ms(), &error)) {
    return_error(invocation, error);
    return;
  }
  node_poked(service);
  md_dbus_fabric1_complete_remove(fabric1, invocation);
}

static gboolean
handle_remove_fabric(MdDBusFabric1 *fabric1, GDBusMethodInvocation *invocation,
                     gpointer user_data)
{
  MdDBusService *service = user_data;

  md_bouncer_check(service->bouncer, invocation, MD_POLKIT_ACTION_MANAGE, remove_fabric_allowed,
                   service);
  return TRUE;
}

static void
set_fabric_properties(MdDBusFabric1 *fabric1, const MdFabric *fabric)
{
  GVariant *key = g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, fabric->root_public_key,
                                            sizeof(fabric->root_public_key), 1);

  md_dbus_fabric1_set_fabric_index(fabric1, fabric->index);
  md_dbus_fabric1_set_fabric_id(fabric1, fabric->fabric_id);
  md_dbus_fabric1_set_node_id(fabric1, fabric->node_id);
  md_dbus_fabric1_set_vendor_id(fabric1, fabric->vendor_id);
  md_dbus_fabric1_set_label(fabric1, fabric->label);
  md_dbus_fabric1_set_root_public_key(fabric1, key);
  md_dbus_fabric1_set_compressed_fabric_id(fabric1, fabric->compressed_fabric_id);
}

/* Unexports the objects of @table whose key is not in @seen. */
static void
unexport_unseen(MdDBusService *service, GHashTable *table, GHashTable *seen)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init(&iter, table);
  while (g_hash_table_iter_next(&iter, &key, &value)) {
    if (g_hash_table_contains(seen, key))
      continue;
    g_dbus_object_manager_server_unexport(service->manager,
                                          g_dbus_object_get_object_path(G_DBUS_OBJECT(value)));
    g_hash_table_iter_remove(&iter);
  }
}

/* One object per fabric of the table's view: new ones are exported
 * (InterfacesAdded), gone ones unexported (InterfacesRemoved), and the
 * others' changed properties announced. */
static void
sync_fabrics(MdDBusService *service)
{
  MdFabricTable *table = md_node_get_fabrics(service->node);
  g_autoptr(GHashTable) seen = g_hash_table_new(NULL, NULL);

  for (guint n = 0;; n++) {
    const MdFabric *fabric = md_fabric_table_nth(table, n);
    MdDBusObjectSkeleton *object;

    if (fabric == NULL)
      break;
    g_hash_table_add(seen, GUINT_TO_POINTER(fabric->index));
    object = g_hash_table_lookup(service->fabrics, GUINT_TO_POINTER(fabric->index));
    if (object == NULL) {
      g_autofree char *path = g_strdup_printf(MD_DBUS_FABRIC_PATH_PREFIX "%u", fabric->index);
      g_autoptr(MdDBusFabric1) fabric1 = md_dbus_fabric1_skeleton_new();

      set_fabric_properties(fabric1, fabric);
      g_signal_connect(fabric1, "handle-remove", G_CALLBACK(handle_remove_fabric), service);
      object = md_dbus_object_skeleton_new(path);
      md_dbus_object_skeleton_set_fabric1(object, fabric1);
      g_dbus_object_manager_server_export(service->manager, G_DBUS_OBJECT_SKELETON(object));
      g_hash_table_insert(service->fabrics, GUINT_TO_POINTER(fabric->index), object);
    } else {
      g_autoptr(MdDBusFabric1) fabric1 = md_dbus_object_get_fabric1(MD_DBUS_OBJECT(object));

      set_fabric_properties(fabric1, fabric);
    }
  }
  unexport_unseen(service, service->fabrics, seen);
}

/* ---- Session1 ---- */

static void
close_session_allowed(GDBusMethodInvocation *invocation, gpointer user_data)
{
  MdDBusService *service = user_data;
  g_autoptr(GError) error = NULL;
  gint64 id = path_number(g_dbus_method_invocation_get_object_path(invocation),
                          MD_DBUS_SESSION_PATH_PREFIX, G_MAXUINT16);
  MdDBusObject *object = g_hash_table_lookup(service->sessions, GINT_TO_POINTER((int) id));
  g_autoptr(MdDBusSession1) session1 =
    object != NULL ? md_dbus_object_get_session1(object) : NULL;

  if (id < 0 || session1 == NULL) {
    g_dbus_method_invocation_return_error(invocation, MD_ERROR, MD_ERROR_NOT_FOUND,
                                          "The session is gone");
    return;
  }
  if (!md_node_close_session(service->node, (guint16) id, md_messaging_now_ms(), &error)) {
    return_error(invocation, error);
    return;
  }
  node_poked(service);
  md_dbus_session1_complete_close(session1, invocation);
}

static gboolean
handle_close_session(MdDBusSession1 *session1, GDBusMethodInvocation *invocation,
                     gpointer user_data)
{
  MdDBusService *service = user_data;

  md_bouncer_check(service->bouncer, invocation, MD_POLKIT_ACTION_MANAGE, close_session_allowed,
                   service);
  return TRUE;
}

static const char *
session_kind(MatterSessionKind kind)
{
  switch (kind) {
  case MATTER_SESSION_KIND_PASE:
    return "pase";
  case MATTER_SESSION_KIND_CASE:
    return "case";
  case MATTER_SESSION_KIND_UNSECURED:
  default:
    return "unsecured";
  }
}

static const char *
transport_name(MatterTransport transport)
{
  switch (transport) {
  case MATTER_TRANSPORT_BLE:
    return "ble";
  case MATTER_TRANSPORT_TCP:
    return "tcp";
  case MATTER_TRANSPORT_UDP:
  default:
    return "udp";
  }
}

static void
set_session_properties(MdDBusService *service, MdDBusSession1 *session1,
                       const MdSessionInfo *info)
{
  g_autofree char *address = md_node_peer_to_string(service->node, &info->peer_address);

  md_dbus_session1_set_kind(session1, session_kind(info->kind));
  md_dbus_session1_set_fabric_index(session1, info->fabric_index);
  md_dbus_session1_set_peer_node_id(session1, info->peer_node_id);
  md_dbus_session1_set_peer_address(session1, address);
  md_dbus_session1_set_transport(session1, transport_name(info->peer_address.transport));
  md_dbus_session1_set_established(session1, to_realtime_us(service, info->established_ms));
  md_dbus_session1_set_last_activity(session1, to_realtime_us(service, info->last_activity_ms));
}

static gboolean refresh_activity(gpointer user_data);

static void
sync_sessions(MdDBusService *service)
{
  g_autoptr(GArray) sessions = md_node_list_sessions(service->node);
  g_autoptr(GHashTable) seen = g_hash_table_new(NULL, NULL);

  for (guint i = 0; i < sessions->len; i++) {
    const MdSessionInfo *info = &g_array_index(sessions, MdSessionInfo, i);
    MdDBusObjectSkeleton *object = g_hash_table_lookup(service->sessions,
                                                       GUINT_TO_POINTER(info->id));

    g_hash_table_add(seen, GUINT_TO_POINTER(info->id));
    if (object == NULL) {
      g_autofree char *path = g_strdup_printf(MD_DBUS_SESSION_PATH_PREFIX "%u", info->id);
      g_autoptr(MdDBusSession1) session1 = md_dbus_session1_skeleton_new();

      set_session_properties(service, session1, info);
      g_signal_connect(session1, "handle-close", G_CALLBACK(handle_close_session), service);
      object = md_dbus_object_skeleton_new(path);
      md_dbus_object_skeleton_set_session1(object, session1);
      g_dbus_object_manager_server_export(service->manager, G_DBUS_OBJECT_SKELETON(object));
      g_hash_table_insert(service->sessions, GUINT_TO_POINTER(info->id), object);
    } else {
      g_autoptr(MdDBusSession1) session1 = md_dbus_object_get_session1(MD_DBUS_OBJECT(object));

      set_session_properties(service, session1, info);
    }
  }
  unexport_unseen(service, service->sessions, seen);
  md_dbus_node1_set_session_count(service->node1, sessions->len);

  /* Activity changes with every message: it is read back once a second
   * while there are sessions, rather than announced per message. */
  if (sessions->len > 0 && service->activity_id == 0)
    service->activity_id = g_timeout_add_seconds(ACTIVITY_REFRESH_S, refresh_activity, service);
  else if (sessions->len == 0)
    g_clear_handle_id(&service->activity_id, g_source_remove);
}

static gboolean
refresh_activity(gpointer user_data)
{
  MdDBusService *service = user_data;

  service->activity_id = 0;
  sync_sessions(service);
  return G_SOURCE_REMOVE;
}

/* ---- EndpointManager1 ---- */

static gboolean
handle_register_application(MdDBusEndpointManager1 *manager1, GDBusMethodInvocation *invocation,
                            const char *root, GVariant *options, gpointer user_data)
{
  MdDBusService *service = user_data;

  md_endpoint_manager_register(service->endpoint_manager, invocation, root, options);
  return TRUE;
}

static gboolean
handle_unregister_application(MdDBusEndpointManager1 *manager1,
                              GDBusMethodInvocation *invocation, const char *root,
                              gpointer user_data)
{
  MdDBusService *service = user_data;

  md_endpoint_manager_unregister(service->endpoint_manager, invocation, root);
  return TRUE;
}

/* ---- NodeEndpoint1 ---- */

static void
forget_endpoint_allowed(GDBusMethodInvocation *invocation, gpointer user_data)
{
  MdDBusService *service = user_data;
  g_autoptr(GError) error = NULL;
  gint64 number = path_number(g_dbus_method_invocation_get_object_path(invocation),
                              MD_DBUS_ENDPOINT_PATH_PREFIX, G_MAXUINT16 - 1);
  MdDBusObject *object = g_hash_table_lookup(service->endpoints, GINT_TO_POINTER((int) number));
  g_autoptr(MdDBusNodeEndpoint1) endpoint1 =
    object != NULL ? md_dbus_object_get_node_endpoint1(object) : NULL;

  if (number < 0 || endpoint1 == NULL) {
    g_dbus_method_invocation_return_error(invocation, MD_ERROR, MD_ERROR_NOT_FOUND,
                                          "The endpoint is gone");
    return;
  }
  g_message("Endpoint %u forgotten, as %s asked", (guint) number,
            g_dbus_method_invocation_get_sender(invocation));
  if (!md_endpoint_manager_forget(service->endpoint_manager, (guint16) number, &error)) {
    return_error(invocation, error);
    return;
  }
  md_dbus_node_endpoint1_complete_forget(endpoint1, invocation);
}

static gboolean
handle_forget_endpoint(MdDBusNodeEndpoint1 *endpoint1, GDBusMethodInvocation *invocation,
                       gpointer user_data)
{
  MdDBusService *service = user_data;

  md_bouncer_check(service->bouncer, invocation, MD_POLKIT_ACTION_MANAGE,
                   forget_endpoint_allowed, service);
  return TRUE;
}

static void
set_endpoint_properties(MdDBusNodeEndpoint1 *endpoint1, const MdAppEndpointInfo *info)
{
  GVariantBuilder types;

  g_variant_builder_init(&types, G_VARIANT_TYPE("a(qq)"));
  for (guint i = 0; i < info->device_types->len; i++) {
    const MatterDmDeviceType *type = &g_array_index(info->device_types, MatterDmDeviceType, i);

    g_variant_builder_add(&types, "(qq)", (guint16) type->device_type, type->revision);
  }
  md_dbus_node_endpoint1_set_number(endpoint1, info->number);
  md_dbus_node_endpoint1_set_unique_id(endpoint1, info->unique_id);
  md_dbus_node_endpoint1_set_device_types(endpoint1, g_variant_builder_end(&types));
  md_dbus_node_endpoint1_set_label(endpoint1, info->label != NULL ? info->label : "");
  md_dbus_node_endpoint1_set_application(endpoint1, info->owner != NULL ? info->owner : "");
  md_dbus_node_endpoint1_set_reachable(endpoint1, info->reachable);
  md_dbus_node_endpoint1_set_bridged(endpoint1, info->bridged);
}

/* One object per application endpoint the node serves. */
static void
sync_endpoints(MdDBusService *service)
{
  g_autoptr(GPtrArray) endpoints = md_node_app_list(service->node);
  g_autoptr(GHashTable) seen = g_hash_table_new(NULL, NULL);

  for (guint i = 0; i < endpoints->len; i++) {
    const MdAppEndpointInfo *info = g_ptr_array_index(endpoints, i);
    MdDBusObjectSkeleton *object =
      g_hash_table_lookup(service->endpoints, GUINT_TO_POINTER(info->number));

    g_hash_table_add(seen, GUINT_TO_POINTER(info->number));
    if (object == NULL) {
      g_autofree char *path = g_strdup_printf(MD_DBUS_ENDPOINT_PATH_PREFIX "%u", info->number);
      g_autoptr(MdDBusNodeEndpoint1) endpoint1 = md_dbus_node_endpoint1_skeleton_new();

      set_endpoint_properties(endpoint1, info);
      g_signal_connect(endpoint1, "handle-forget", G_CALLBACK(handle_forget_endpoint), service);
      object = md_dbus_object_skeleton_new(path);
      md_dbus_object_skeleton_set_node_endpoint1(object, endpoint1);
      g_dbus_object_manager_server_export(service->manager, G_DBUS_OBJECT_SKELETON(object));
      g_hash_table_insert(service->endpoints, GUINT_TO_POINTER(info->number), object);
    } else {
      g_autoptr(MdDBusNodeEndpoint1) endpoint1 =
        md_dbus_object_get_node_endpoint1(MD_DBUS_OBJECT(object));

      set_endpoint_properties(endpoint1, info);
    }
  }
  unexport_unseen(service, service->endpoints, seen);
}

/* ---- What the daemon tells the service ---- */

static void
sync_window(MdDBusService *service)
{
  MdCommissioning *commissioning = md_node_get_commissioning(service->node);
  MdWindowKind window = md_commissioning_get_window(commissioning);
  char qr_code[MATTER_PAYLOAD_QR_SIZE] = "", manual_code[MATTER_PAYLOAD_MANUAL_SIZE] = "";
  guint64 closes_at = md_node_get_window_closes_at(service->node);

  if (window != MD_WINDOW_CLOSED &&
      !md_node_get_window_codes(service->node, qr_code, manual_code, NULL))
    qr_code[0] = manual_code[0] = '\0'; /* an administrator's own verifier */
  md_dbus_node1_set_commissioning_window(service->node1, md_window_kind_to_string(window));
  md_dbus_node1_set_commissioning_window_expires(
    service->node1, closes_at == MD_NODE_NEVER ? 0 : to_realtime_us(service, closes_at));
  md_dbus_node1_set_qr_code(service->node1, qr_code);
  md_dbus_node1_set_manual_code(service->node1, manual_code);
  matter_secure_zero(qr_code, sizeof(qr_code));
  matter_secure_zero(manual_code, sizeof(manual_code));
}

void
md_dbus_service_refresh(MdDBusService *service)
{
  g_autoptr(GError) error = NULL;
  MdNode *node = service->node;
  int fabrics = md_node_count_fabrics(node, &error);

  if (fabrics < 0) {
    g_warning("Cannot count fabrics: %s", error->message);
    fabrics = 0;
  }

  /* The generated setters queue PropertiesChanged only for real changes,
   * and send what a main-loop iteration queued as one signal per object. */
  md_dbus_node1_set_vendor_id(service->node1, md_node_get_vendor_id(node));
  md_dbus_node1_set_product_id(service->node1, md_node_get_product_id(node));
  md_dbus_node1_set_discriminator(service->node1, md_node_get_discriminator(node));
  md_dbus_node1_set_unique_id(service->node1, md_node_get_unique_id(node));
  md_dbus_node1_set_node_label(service->node1, md_node_get_node_label(node));
  md_dbus_node1_set_location(service->node1, md_node_get_location(node));
  md_dbus_node1_set_supported_fabrics(service->node1, md_node_get_supported_fabrics(node));
  md_dbus_node1_set_fabric_count(service->node1, (guchar) fabrics);
  md_dbus_node1_set_commissioned(service->node1, fabrics > 0);
  sync_window(service);
  sync_fabrics(service);
  sync_sessions(service);
  sync_endpoints(service);
}

void
md_dbus_service_set_bluetooth_state(MdDBusService *service, const char *state)
{
  md_dbus_node1_set_bluetooth_state(service->node1, state);
}

void
md_dbus_service_sessions_changed(MdDBusService *service)
{
  sync_sessions(service);
}

void
md_dbus_service_endpoints_changed(MdDBusService *service)
{
  sync_endpoints(service);
}

MdEndpointManager *
md_dbus_service_get_endpoint_manager(MdDBusService *service)
{
  return service->endpoint_manager;
}

/* ---- Life on the bus ---- */

static void
on_connection_closed(GDBusConnection *connection, gboolean remote_peer_vanished, GError *error,
                     gpointer user_data)
{
  fail(user_data, error != NULL ? error->message : "the bus connection was closed");
}

static void
on_endpoints_changed(gpointer user_data)
{
  sync_endpoints(user_data);
}

static void
on_bus_acquired(GDBusConnection *connection, const char *name, gpointer user_data)
{
  MdDBusService *service = user_data;

  service->connection = g_object_ref(connection);
  g_dbus_connection_set_exit_on_close(connection, FALSE);
  service->closed_id =
    g_signal_connect(connection, "closed", G_CALLBACK(on_connection_closed), service);
  service->bouncer = md_bouncer_new(connection);
  md_bouncer_set_group(service->bouncer, MD_POLKIT_ACTION_REGISTER_APPLICATION,
                       service->app_group);
  service->endpoint_manager =
    md_endpoint_manager_new(connection, service->node, service->messaging, service->bouncer,
                            on_endpoints_changed, service);
  /* Every object, the node's included, is exported through the manager
   * on "/": GetManagedObjects lists them all, as BlueZ's and iwd's do. */
  g_dbus_object_manager_server_set_connection(service->manager, connection);
}

static void
on_name_acquired(GDBusConnection *connection, const char *name, gpointer user_data)
{
  MdDBusService *service = user_data;

  if (service->failed)
    return;
  g_debug("Owning %s", name);
  service->callbacks.ready(service->user_data);
}

static void
on_name_lost(GDBusConnection *connection, const char *name, gpointer user_data)
{
  g_autofree char *reason = NULL;

  if (connection == NULL)
    reason = g_strdup("Cannot connect to the bus");
  else
    reason = g_strdup_printf("The name %s is owned by another process or was lost", name);
  fail(user_data, reason);
}

MdDBusService *
md_dbus_service_new(MdNode *node, MdMessaging *messaging, GBusType bus_type,
                    const char *app_group, const MdDBusServiceCallbacks *callbacks,
                    gpointer user_data)
{
  MdDBusService *service = g_new0(MdDBusService, 1);
  NodeSkeleton *skeleton = g_object_new(node_skeleton_get_type(), NULL);

  service->node = node;
  service->messaging = messaging;
  service->callbacks = *callbacks;
  service->user_data = user_data;
  service->app_group = g_strdup(app_group);
  service->realtime_offset_us =
    g_get_real_time() - (gint64) md_messaging_now_ms() * 1000;

  skeleton->service = service;
  service->node1 = MD_DBUS_NODE1(skeleton);
  service->manager = g_dbus_object_manager_server_new(MD_DBUS_MANAGER_PATH);
  service->node_object = md_dbus_object_skeleton_new(MD_DBUS_PATH);
  md_dbus_object_skeleton_set_node1(service->node_object, service->node1);
  service->endpoint_manager1 = md_dbus_endpoint_manager1_skeleton_new();
  md_dbus_object_skeleton_set_endpoint_manager1(service->node_object,
                                                service->endpoint_manager1);
  g_signal_connect(service->endpoint_manager1, "handle-register-application",
                   G_CALLBACK(handle_register_application), service);
  g_signal_connect(service->endpoint_manager1, "handle-unregister-application",
                   G_CALLBACK(handle_unregister_application), service);
  g_dbus_object_manager_server_export(service->manager,
                                      G_DBUS_OBJECT_SKELETON(service->node_object));
  service->fabrics = g_hash_table_new_full(NULL, NULL, NULL, g_object_unref);
  service->sessions = g_hash_table_new_full(NULL, NULL, NULL, g_object_unref);
  service->endpoints = g_hash_table_new_full(NULL, NULL, NULL, g_object_unref);
  md_dbus_node1_set_bluetooth_state(service->node1, "off");
  md_dbus_service_refresh(service);
  g_signal_connect(service->node1, "handle-open-commissioning-window",
                   G_CALLBACK(handle_open_commissioning_window), service);
  g_signal_connect(service->node1, "handle-close-commissioning-window",
                   G_CALLBACK(handle_close_commissioning_window), service);
  g_signal_connect(service->node1, "handle-factory-reset", G_CALLBACK(handle_factory_reset),
                   service);

  service->owner_id = g_bus_own_name(bus_type, MD_DBUS_NAME, G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE,
                                     on_bus_acquired, on_name_acquired, on_name_lost, service,
                                     NULL);
  return service;
}

void
md_dbus_service_free(MdDBusService *service)
{
  if (service == NULL)
    return;
  g_bus_unown_name(service->owner_id);
  g_clear_handle_id(&service->activity_id, g_source_remove);
  /* Registrations and checks in flight are answered now; their callbacks
   * would find no service. */
  g_clear_pointer(&service->endpoint_manager, md_endpoint_manager_free);
  g_clear_pointer(&service->bouncer, md_bouncer_free);
  g_clear_pointer(&service->app_group, g_free);
  g_clear_pointer(&service->fabrics, g_hash_table_unref);
  g_clear_pointer(&service->sessions, g_hash_table_unref);
  g_clear_pointer(&service->endpoints, g_hash_table_unref);
  g_clear_object(&service->manager);
  g_clear_object(&service->node_object);
  g_clear_object(&service->node1);
  g_clear_object(&service->endpoint_manager1);
  if (service->connection != NULL)
    g_clear_signal_handler(&service->closed_id, service->connection);
  g_clear_object(&service->connection);
  g_free(service);
}
