/* SPDX-License-Identifier: Apache-2.0 */
#define G_LOG_DOMAIN "matterd"

#include "dbus-service.h"

#include "md-dbus-generated.h"
#include "md-error.h"

struct _MdDBusService {
  MdNode *node; /* not owned */
  MdDBusServiceCallbacks callbacks;
  gpointer user_data;

  guint owner_id;
  GDBusConnection *connection;
  gulong closed_id;
  GDBusObjectManagerServer *manager;
  MdDBusNode1 *node1;
  GHashTable *fabrics; /* fabric index -> MdDBusObjectSkeleton exported */
  gboolean failed;
};

static void
fail(MdDBusService *service, const char *reason)
{
  if (service->failed)
    return;
  service->failed = TRUE;
  service->callbacks.failed(reason, service->user_data);
}

static gboolean
return_not_supported(GDBusMethodInvocation *invocation, const char *what)
{
  g_dbus_method_invocation_return_error(invocation, MD_ERROR, MD_ERROR_NOT_SUPPORTED,
                                        "%s is not supported by this version of matterd", what);
  return TRUE;
}

static gboolean
handle_open_commissioning_window(MdDBusNode1 *node1, GDBusMethodInvocation *invocation,
                                 guint timeout, gpointer user_data)
{
  return return_not_supported(invocation, "Opening a commissioning window");
}

static gboolean
handle_close_commissioning_window(MdDBusNode1 *node1, GDBusMethodInvocation *invocation,
                                  gpointer user_data)
{
  return return_not_supported(invocation, "Closing a commissioning window");
}

static gboolean
handle_factory_reset(MdDBusNode1 *node1, GDBusMethodInvocation *invocation, gpointer user_data)
{
  return return_not_supported(invocation, "Factory reset");
}

static char *
fabric_path(guint8 index)
{
  return g_strdup_printf(MD_DBUS_PATH "/fabric%u", index);
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

/* One object per fabric of the table's view: new ones are exported
 * (InterfacesAdded), gone ones unexported (InterfacesRemoved), and the
 * others' changed properties announced. */
static void
sync_fabrics(MdDBusService *service)
{
  MdFabricTable *table = md_node_get_fabrics(service->node);
  g_autoptr(GHashTable) seen = g_hash_table_new(NULL, NULL);
  GHashTableIter iter;
  gpointer key, value;

  for (guint n = 0;; n++) {
    const MdFabric *fabric = md_fabric_table_nth(table, n);
    MdDBusObjectSkeleton *object;

    if (fabric == NULL)
      break;
    g_hash_table_add(seen, GUINT_TO_POINTER(fabric->index));
    object = g_hash_table_lookup(service->fabrics, GUINT_TO_POINTER(fabric->index));
    if (object == NULL) {
      g_autofree char *path = fabric_path(fabric->index);
      g_autoptr(MdDBusFabric1) fabric1 = md_dbus_fabric1_skeleton_new();

      set_fabric_properties(fabric1, fabric);
      object = md_dbus_object_skeleton_new(path);
      md_dbus_object_skeleton_set_fabric1(object, fabric1);
      g_dbus_object_manager_server_export(service->manager, G_DBUS_OBJECT_SKELETON(object));
      g_hash_table_insert(service->fabrics, GUINT_TO_POINTER(fabric->index), object);
    } else {
      g_autoptr(MdDBusFabric1) fabric1 = md_dbus_object_get_fabric1(MD_DBUS_OBJECT(object));

      set_fabric_properties(fabric1, fabric);
    }
  }
  g_hash_table_iter_init(&iter, service->fabrics);
  while (g_hash_table_iter_next(&iter, &key, &value)) {
    if (g_hash_table_contains(seen, key))
      continue;
    g_dbus_object_manager_server_unexport(service->manager,
                                          g_dbus_object_get_object_path(G_DBUS_OBJECT(value)));
    g_hash_table_iter_remove(&iter);
  }
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

  /* The generated setters emit PropertiesChanged only for real changes. */
  md_dbus_node1_set_vendor_id(service->node1, md_node_get_vendor_id(node));
  md_dbus_node1_set_product_id(service->node1, md_node_get_product_id(node));
  md_dbus_node1_set_discriminator(service->node1, md_node_get_discriminator(node));
  md_dbus_node1_set_supported_fabrics(service->node1, md_node_get_supported_fabrics(node));
  md_dbus_node1_set_fabric_count(service->node1, (guchar) fabrics);
  md_dbus_node1_set_commissioned(service->node1, fabrics > 0);
  md_dbus_node1_set_commissioning_window(
    service->node1, md_window_kind_to_string(md_commissioning_get_window(md_node_get_commissioning(node))));
  sync_fabrics(service);
}

void
md_dbus_service_set_session_count(MdDBusService *service, guint count)
{
  md_dbus_node1_set_session_count(service->node1, count);
}

static void
on_connection_closed(GDBusConnection *connection, gboolean remote_peer_vanished, GError *error,
                     gpointer user_data)
{
  fail(user_data, error != NULL ? error->message : "the bus connection was closed");
}

static void
on_bus_acquired(GDBusConnection *connection, const char *name, gpointer user_data)
{
  MdDBusService *service = user_data;
  g_autoptr(GError) error = NULL;

  service->connection = g_object_ref(connection);
  g_dbus_connection_set_exit_on_close(connection, FALSE);
  service->closed_id =
    g_signal_connect(connection, "closed", G_CALLBACK(on_connection_closed), service);

  /* Fabrics (and later sessions) are exported below /org/matterd through
   * the manager, as BlueZ exports its devices; Node1 sits on the
   * manager's own path beside it. */
  g_dbus_object_manager_server_set_connection(service->manager, connection);

  if (!g_dbus_interface_skeleton_export(G_DBUS_INTERFACE_SKELETON(service->node1), connection,
                                        MD_DBUS_PATH, &error)) {
    g_autofree char *reason = g_strdup_printf("Cannot export %s: %s", MD_DBUS_PATH,
                                              error->message);
    fail(service, reason);
  }
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
md_dbus_service_new(MdNode *node, GBusType bus_type,
                    const MdDBusServiceCallbacks *callbacks, gpointer user_data)
{
  MdDBusService *service = g_new0(MdDBusService, 1);

  service->node = node;
  service->callbacks = *callbacks;
  service->user_data = user_data;

  service->node1 = md_dbus_node1_skeleton_new();
  service->manager = g_dbus_object_manager_server_new(MD_DBUS_PATH);
  service->fabrics = g_hash_table_new_full(NULL, NULL, NULL, g_object_unref);
  md_dbus_node1_set_session_count(service->node1, 0);
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
  if (g_dbus_interface_skeleton_get_connection(G_DBUS_INTERFACE_SKELETON(service->node1)) != NULL)
    g_dbus_interface_skeleton_unexport(G_DBUS_INTERFACE_SKELETON(service->node1));
  g_clear_object(&service->node1);
  g_clear_pointer(&service->fabrics, g_hash_table_unref);
  g_clear_object(&service->manager);
  if (service->connection != NULL)
    g_clear_signal_handler(&service->closed_id, service->connection);
  g_clear_object(&service->connection);
  g_free(service);
}
