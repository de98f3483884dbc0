/* SPDX-License-Identifier: Apache-2.0 */
#define G_LOG_DOMAIN "fake-bluez"

#include "objects.h"

#include <string.h>

#include "fake-bluez.h"

#define INTROSPECTABLE "org.freedesktop.DBus.Introspectable"
#define PROPERTIES "org.freedesktop.DBus.Properties"
#define OBJECT_MANAGER "org.freedesktop.DBus.ObjectManager"
#define EXPERIMENTAL_ANNOTATION "org.bluez.test.Experimental"

typedef struct {
  FbIface *iface;
  guint registration;
} Entry;

typedef struct {
  char *path;
  GPtrArray *entries; /* Entry, in the order added */
  gboolean has_properties;
  /* Pending signals. */
  GPtrArray *added; /* interface names */
  GPtrArray *removed;
  GHashTable *changed; /* FbIface -> GHashTable of property names */
  gboolean queued;
} Object;

static struct {
  GDBusConnection *connection;
  GDBusNodeInfo *node;
  GHashTable *objects; /* path -> Object */
  GQueue pending;      /* Object, in the order they changed */
  guint idle;
  guint manager_registration;
  GPtrArray *exports; /* registration ids outside the tree */
} state;

/* The fake's interfaces. Properties annotated as experimental exist only
 * when the fake runs with --experimental, as in bluetoothd -E. */
static const char interfaces_xml[] =
    "<node>"
    "  <interface name='org.bluez.Adapter1'>"
    "    <method name='RemoveDevice'><arg name='device' type='o' direction='in'/></method>"
    "    <property name='Address' type='s' access='read'/>"
    "    <property name='AddressType' type='s' access='read'/>"
    "    <property name='Name' type='s' access='read'/>"
    "    <property name='Alias' type='s' access='readwrite'/>"
    "    <property name='Class' type='u' access='read'/>"
    "    <property name='Powered' type='b' access='readwrite'/>"
    "    <property name='PowerState' type='s' access='read'>"
    "      <annotation name='" EXPERIMENTAL_ANNOTATION "' value='true'/>"
    "    </property>"
    "    <property name='Discoverable' type='b' access='readwrite'/>"
    "    <property name='DiscoverableTimeout' type='u' access='readwrite'/>"
    "    <property name='Pairable' type='b' access='readwrite'/>"
    "    <property name='PairableTimeout' type='u' access='readwrite'/>"
    "    <property name='Discovering' type='b' access='read'/>"
    "    <property name='UUIDs' type='as' access='read'/>"
    "    <property name='Roles' type='as' access='read'/>"
    "  </interface>"
    "  <interface name='org.bluez.GattManager1'>"
    "    <method name='RegisterApplication'>"
    "      <arg name='application' type='o' direction='in'/>"
    "      <arg name='options' type='a{sv}' direction='in'/>"
    "    </method>"
    "    <method name='UnregisterApplication'>"
    "      <arg name='application' type='o' direction='in'/>"
    "    </method>"
    "  </interface>"
    "  <interface name='org.bluez.LEAdvertisingManager1'>"
    "    <method name='RegisterAdvertisement'>"
    "      <arg name='advertisement' type='o' direction='in'/>"
    "      <arg name='options' type='a{sv}' direction='in'/>"
    "    </method>"
    "    <method name='UnregisterAdvertisement'>"
    "      <arg name='service' type='o' direction='in'/>"
    "    </method>"
    "    <property name='ActiveInstances' type='y' access='read'/>"
    "    <property name='SupportedInstances' type='y' access='read'/>"
    "    <property name='SupportedIncludes' type='as' access='read'/>"
    "    <property name='SupportedSecondaryChannels' type='as' access='read'/>"
    "    <property name='SupportedFeatures' type='as' access='read'>"
    "      <annotation name='" EXPERIMENTAL_ANNOTATION "' value='true'/>"
    "    </property>"
    "    <property name='SupportedCapabilities' type='a{sv}' access='read'>"
    "      <annotation name='" EXPERIMENTAL_ANNOTATION "' value='true'/>"
    "    </property>"
    "  </interface>"
    "  <interface name='org.bluez.Device1'>"
    "    <method name='Disconnect'/>"
    "    <property name='Address' type='s' access='read'/>"
    "    <property name='AddressType' type='s' access='read'/>"
    "    <property name='Alias' type='s' access='read'/>"
    "    <property name='Paired' type='b' access='read'/>"
    "    <property name='Bonded' type='b' access='read'/>"
    "    <property name='Trusted' type='b' access='read'/>"
    "    <property name='Blocked' type='b' access='read'/>"
    "    <property name='LegacyPairing' type='b' access='read'/>"
    "    <property name='Connected' type='b' access='read'/>"
    "    <property name='UUIDs' type='as' access='read'/>"
    "    <property name='Adapter' type='o' access='read'/>"
    "    <property name='ServicesResolved' type='b' access='read'/>"
    "  </interface>"
    "  <interface name='" FB_CONTROL_INTERFACE "'>"
    "    <method name='Connect'>"
    "      <arg name='address' type='s' direction='in'/>"
    "      <arg name='mtu' type='q' direction='in'/>"
    "      <arg name='mode' type='s' direction='in'/>"
    "      <arg name='device' type='o' direction='out'/>"
    "    </method>"
    "    <method name='Disconnect'><arg name='device' type='o' direction='in'/></method>"
    "    <method name='Write'>"
    "      <arg name='device' type='o' direction='in'/>"
    "      <arg name='value' type='ay' direction='in'/>"
    "    </method>"
    "    <method name='Read'>"
    "      <arg name='device' type='o' direction='in'/>"
    "      <arg name='uuid' type='s' direction='in'/>"
    "      <arg name='value' type='ay' direction='out'/>"
    "    </method>"
    "    <method name='Subscribe'><arg name='device' type='o' direction='in'/></method>"
    "    <method name='Unsubscribe'><arg name='device' type='o' direction='in'/></method>"
    "    <method name='GetConnection'>"
    "      <arg name='device' type='o' direction='in'/>"
    "      <arg name='info' type='a{sv}' direction='out'/>"
    "    </method>"
    "    <method name='GetAdvertisement'>"
    "      <arg name='info' type='a{sv}' direction='out'/>"
    "      <arg name='properties' type='a{sv}' direction='out'/>"
    "      <arg name='data' type='ay' direction='out'/>"
    "      <arg name='scan_response' type='ay' direction='out'/>"
    "    </method>"
    "    <method name='GetAdvertisements'>"
    "      <arg name='advertisements' type='a(a{sv}a{sv}ayay)' direction='out'/>"
    "    </method>"
    "    <method name='GetApplication'>"
    "      <arg name='attributes' type='aa{sv}' direction='out'/>"
    "    </method>"
    "    <method name='RemoveAdapter'/>"
    "    <method name='AddAdapter'/>"
    "    <signal name='Indication'>"
    "      <arg name='device' type='o'/><arg name='value' type='ay'/>"
    "    </signal>"
    "    <signal name='Notification'>"
    "      <arg name='device' type='o'/><arg name='value' type='ay'/>"
    "    </signal>"
    "    <signal name='Disconnected'>"
    "      <arg name='device' type='o'/><arg name='reason' type='s'/>"
    "    </signal>"
    "    <signal name='ApplicationsChanged'/>"
    "    <signal name='AdvertisementsChanged'/>"
    "  </interface>"
    "</node>";

static const char manager_xml[] = "<node>"
                                  "  <interface name='" OBJECT_MANAGER "'>"
                                  "    <method name='GetManagedObjects'>"
                                  "      <arg name='objects' type='a{oa{sa{sv}}}' direction='out'/>"
                                  "    </method>"
                                  "    <signal name='InterfacesAdded'>"
                                  "      <arg name='object' type='o'/>"
                                  "      <arg name='interfaces' type='a{sa{sv}}'/>"
                                  "    </signal>"
                                  "    <signal name='InterfacesRemoved'>"
                                  "      <arg name='object' type='o'/>"
                                  "      <arg name='interfaces' type='as'/>"
                                  "    </signal>"
                                  "  </interface>"
                                  "</node>";

static gboolean
is_experimental(GDBusPropertyInfo *property)
{
  return g_dbus_annotation_info_lookup(property->annotations, EXPERIMENTAL_ANNOTATION) != NULL;
}

/* Leaves the experimental properties out of @info. */
static void
drop_experimental(GDBusInterfaceInfo *info)
{
  gsize kept = 0;

  for (gsize i = 0; info->properties != NULL && info->properties[i] != NULL; i++) {
    if (is_experimental(info->properties[i]))
      g_dbus_property_info_unref(info->properties[i]);
    else
      info->properties[kept++] = info->properties[i];
  }
  if (info->properties != NULL)
    info->properties[kept] = NULL;
}

GDBusInterfaceInfo *
fb_objects_interface_info(const char *name)
{
  GDBusInterfaceInfo *info = g_dbus_node_info_lookup_interface(state.node, name);

  g_assert(info != NULL);
  return info;
}

GDBusConnection *
fb_objects_connection(void)
{
  return state.connection;
}

static const GDBusErrorEntry error_entries[] = {
  { FB_ERROR_FAILED, FB_ERROR_PREFIX "Failed" },
  { FB_ERROR_INVALID_ARGUMENTS, FB_ERROR_PREFIX "InvalidArguments" },
  { FB_ERROR_NOT_READY, FB_ERROR_PREFIX "NotReady" },
  { FB_ERROR_BUSY, FB_ERROR_PREFIX "Busy" },
};

GQuark
fb_error_quark(void)
{
  static gsize quark = 0;

  g_dbus_error_register_error_domain("fake-bluez-error-quark", &quark, error_entries,
                                     G_N_ELEMENTS(error_entries));
  return (GQuark) quark;
}

void
fb_return_error(GDBusMethodInvocation *invocation, const char *name, const char *message)
{
  g_autofree char *full = g_strconcat(FB_ERROR_PREFIX, name, NULL);

  g_dbus_method_invocation_return_dbus_error(invocation, full, message);
}

/* ---- Dispatch ---------------------------------------------------------- */

static void
on_method_call(GDBusConnection *connection, const char *sender, const char *path,
               const char *interface, const char *method, GVariant *parameters,
               GDBusMethodInvocation *invocation, gpointer user_data)
{
  FbIface *iface = user_data;

  iface->klass->method_call(iface, method, parameters, invocation);
}

static GVariant *
on_get_property(GDBusConnection *connection, const char *sender, const char *path,
                const char *interface, const char *property, GError **error, gpointer user_data)
{
  FbIface *iface = user_data;
  GVariant *value = iface->klass->get_property(iface, property);

  if (value == NULL)
    g_set_error(error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS, "No such property '%s'", property);
  return value;
}

static gboolean
on_set_property(GDBusConnection *connection, const char *sender, const char *path,
                const char *interface, const char *property, GVariant *value, GError **error,
                gpointer user_data)
{
  FbIface *iface = user_data;

  if (iface->klass->set_property == NULL) {
    g_set_error(error, G_DBUS_ERROR, G_DBUS_ERROR_PROPERTY_READ_ONLY, "Property '%s' is read-only",
                property);
    return FALSE;
  }
  return iface->klass->set_property(iface, property, value, error);
}

static const GDBusInterfaceVTable vtable = {
  .method_call = on_method_call,
  .get_property = on_get_property,
  .set_property = on_set_property,
};

static guint
register_iface(const char *path, FbIface *iface)
{
  g_autoptr(GError) error = NULL;
  guint id = g_dbus_connection_register_object(state.connection, path,
                                               fb_objects_interface_info(iface->klass->name),
                                               &vtable, iface, NULL, &error);

  if (id == 0)
    g_error("cannot export %s at %s: %s", iface->klass->name, path, error->message);
  return id;
}

/* ---- Property dictionaries --------------------------------------------- */

static GVariant *
properties_dict(FbIface *iface)
{
  GDBusInterfaceInfo *info = fb_objects_interface_info(iface->klass->name);
  GVariantBuilder builder;

  g_variant_builder_init(&builder, G_VARIANT_TYPE("a{sv}"));
  for (gsize i = 0; info->properties != NULL && info->properties[i] != NULL; i++) {
    GVariant *value = iface->klass->get_property(iface, info->properties[i]->name);

    if (value != NULL)
      g_variant_builder_add(&builder, "{sv}", info->properties[i]->name, value);
  }
  return g_variant_builder_end(&builder);
}

static gboolean
iface_has_properties(FbIface *iface)
{
  GDBusInterfaceInfo *info = fb_objects_interface_info(iface->klass->name);

  return info->properties != NULL && info->properties[0] != NULL;
}

static Entry *
find_entry(Object *object, const char *name)
{
  for (guint i = 0; i < object->entries->len; i++) {
    Entry *entry = object->entries->pdata[i];

    if (g_str_equal(entry->iface->klass->name, name))
      return entry;
  }
  return NULL;
}

/* The a{sa{sv}} of @object, with only the interfaces in @names when not NULL. */
static GVariant *
interfaces_dict(Object *object, GPtrArray *names)
{
  GVariantBuilder builder;

  g_variant_builder_init(&builder, G_VARIANT_TYPE("a{sa{sv}}"));
  if (names == NULL || g_ptr_array_find_with_equal_func(names, INTROSPECTABLE, g_str_equal, NULL))
    g_variant_builder_add(&builder, "{s@a{sv}}", INTROSPECTABLE,
                          g_variant_new_array(G_VARIANT_TYPE("{sv}"), NULL, 0));
  for (guint i = 0; i < object->entries->len; i++) {
    Entry *entry = object->entries->pdata[i];

    if (names != NULL &&
        !g_ptr_array_find_with_equal_func(names, entry->iface->klass->name, g_str_equal, NULL))
      continue;
    g_variant_builder_add(&builder, "{s@a{sv}}", entry->iface->klass->name,
                          properties_dict(entry->iface));
  }
  if (object->has_properties &&
      (names == NULL || g_ptr_array_find_with_equal_func(names, PROPERTIES, g_str_equal, NULL)))
    g_variant_builder_add(&builder, "{s@a{sv}}", PROPERTIES,
                          g_variant_new_array(G_VARIANT_TYPE("{sv}"), NULL, 0));
  return g_variant_builder_end(&builder);
}

/* ---- Pending signals --------------------------------------------------- */

static void
emit(const char *path, const char *interface, const char *signal, GVariant *parameters)
{
  g_autoptr(GError) error = NULL;

  if (!g_dbus_connection_emit_signal(state.connection, NULL, path, interface, signal, parameters,
                                     &error))
    g_warning("cannot emit %s: %s", signal, error->message);
}

static void
emit_properties_changed(Object *object, FbIface *iface, GHashTable *names)
{
  GDBusInterfaceInfo *info = fb_objects_interface_info(iface->klass->name);
  GVariantBuilder changed, invalidated;

  g_variant_builder_init(&changed, G_VARIANT_TYPE("a{sv}"));
  g_variant_builder_init(&invalidated, G_VARIANT_TYPE("as"));
  /* In the order of the interface's description. */
  for (gsize i = 0; info->properties != NULL && info->properties[i] != NULL; i++) {
    const char *name = info->properties[i]->name;
    GVariant *value;

    if (!g_hash_table_contains(names, name))
      continue;
    value = iface->klass->get_property(iface, name);
    if (value != NULL)
      g_variant_builder_add(&changed, "{sv}", name, value);
    else
      g_variant_builder_add(&invalidated, "s", name);
  }
  emit(object->path, PROPERTIES, "PropertiesChanged",
       g_variant_new("(sa{sv}as)", iface->klass->name, &changed, &invalidated));
}

static void
object_free(Object *object)
{
  g_ptr_array_unref(object->entries);
  g_ptr_array_unref(object->added);
  g_ptr_array_unref(object->removed);
  g_hash_table_unref(object->changed);
  g_free(object->path);
  g_free(object);
}

static void
process_object(Object *object)
{
  object->queued = FALSE;
  if (object->added->len > 0) {
    emit("/", OBJECT_MANAGER, "InterfacesAdded",
         g_variant_new("(o@a{sa{sv}})", object->path, interfaces_dict(object, object->added)));
    g_ptr_array_set_size(object->added, 0);
  }
  if (g_hash_table_size(object->changed) > 0) {
    GHashTableIter iter;
    gpointer key, value;

    /* In the order the interfaces were added. */
    for (guint i = 0; i < object->entries->len; i++) {
      Entry *entry = object->entries->pdata[i];
      GHashTable *names = g_hash_table_lookup(object->changed, entry->iface);

      if (names != NULL)
        emit_properties_changed(object, entry->iface, names);
    }
    g_hash_table_iter_init(&iter, object->changed);
    while (g_hash_table_iter_next(&iter, &key, &value))
      g_hash_table_iter_remove(&iter);
  }
  if (object->removed->len > 0) {
    g_ptr_array_add(object->removed, NULL);
    emit("/", OBJECT_MANAGER, "InterfacesRemoved",
         g_variant_new("(o^as)", object->path, (char **) object->removed->pdata));
    g_ptr_array_set_size(object->removed, 0);
  }
  if (object->entries->len == 0) {
    g_hash_table_remove(state.objects, object->path);
  }
}

void
fb_objects_flush(void)
{
  Object *object;

  g_clear_handle_id(&state.idle, g_source_remove);
  while ((object = g_queue_pop_head(&state.pending)) != NULL)
    process_object(object);
}

static gboolean
on_idle(gpointer user_data)
{
  state.idle = 0;
  fb_objects_flush();
  return G_SOURCE_REMOVE;
}

static void
queue_object(Object *object)
{
  if (object->queued)
    return;
  object->queued = TRUE;
  g_queue_push_tail(&state.pending, object);
  if (state.idle == 0)
    state.idle = g_idle_add(on_idle, NULL);
}

/* ---- The tree ---------------------------------------------------------- */

void
fb_object_add(const char *path, FbIface *iface)
{
  Object *object = g_hash_table_lookup(state.objects, path);
  Entry *entry;

  /* Removals still to be announced go first, or the signals would come
   * in the wrong order. */
  if (object != NULL && object->removed->len > 0) {
    fb_objects_flush();
    object = g_hash_table_lookup(state.objects, path);
  }
  if (object == NULL) {
    object = g_new0(Object, 1);
    object->path = g_strdup(path);
    object->entries = g_ptr_array_new_with_free_func(g_free);
    object->added = g_ptr_array_new_with_free_func(g_free);
    object->removed = g_ptr_array_new_with_free_func(g_free);
    object->changed = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
                                            (GDestroyNotify) g_hash_table_unref);
    g_hash_table_insert(state.objects, object->path, object);
  }
  g_assert(find_entry(object, iface->klass->name) == NULL);
  if (object->entries->len == 0)
    g_ptr_array_add(object->added, g_strdup(INTROSPECTABLE));
  entry = g_new0(Entry, 1);
  entry->iface = iface;
  entry->registration = register_iface(path, iface);
  g_ptr_array_add(object->entries, entry);
  g_ptr_array_add(object->added, g_strdup(iface->klass->name));
  if (!object->has_properties && iface_has_properties(iface)) {
    object->has_properties = TRUE;
    g_ptr_array_add(object->added, g_strdup(PROPERTIES));
  }
  queue_object(object);
}

static gboolean
remove_name(GPtrArray *names, const char *name)
{
  guint index;

  if (!g_ptr_array_find_with_equal_func(names, name, g_str_equal, &index))
    return FALSE;
  g_ptr_array_remove_index(names, index);
  return TRUE;
}

/* Queues the removal of @name, or cancels its pending addition. */
static void
queue_removed(Object *object, const char *name)
{
  if (!remove_name(object->added, name))
    g_ptr_array_add(object->removed, g_strdup(name));
}

void
fb_object_remove(const char *path, FbIface *iface)
{
  Object *object = g_hash_table_lookup(state.objects, path);
  Entry *entry = object != NULL ? find_entry(object, iface->klass->name) : NULL;

  g_assert(entry != NULL);
  g_dbus_connection_unregister_object(state.connection, entry->registration);
  g_hash_table_remove(object->changed, iface);
  g_ptr_array_remove(object->entries, entry);
  queue_removed(object, iface->klass->name);
  if (object->entries->len == 0) {
    if (object->has_properties)
      queue_removed(object, PROPERTIES);
    object->has_properties = FALSE;
    queue_removed(object, INTROSPECTABLE);
  }
  queue_object(object);
}

void
fb_object_changed(const char *path, FbIface *iface, const char *property)
{
  Object *object = g_hash_table_lookup(state.objects, path);
  GHashTable *names;

  if (object == NULL || find_entry(object, iface->klass->name) == NULL)
    return;
  /* InterfacesAdded carries the values anyway. */
  if (g_ptr_array_find_with_equal_func(object->added, iface->klass->name, g_str_equal, NULL))
    return;
  names = g_hash_table_lookup(object->changed, iface);
  if (names == NULL) {
    names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_hash_table_insert(object->changed, iface, names);
  }
  g_hash_table_add(names, g_strdup(property));
  queue_object(object);
}

void
fb_object_export(const char *path, FbIface *iface)
{
  guint id = register_iface(path, iface);

  g_ptr_array_add(state.exports, GUINT_TO_POINTER(id));
}

/* ---- ObjectManager ----------------------------------------------------- */

static void
on_manager_call(GDBusConnection *connection, const char *sender, const char *path,
                const char *interface, const char *method, GVariant *parameters,
                GDBusMethodInvocation *invocation, gpointer user_data)
{
  g_autoptr(GList) paths = g_list_sort(g_hash_table_get_keys(state.objects), (GCompareFunc) strcmp);
  GVariantBuilder builder;

  g_variant_builder_init(&builder, G_VARIANT_TYPE("a{oa{sa{sv}}}"));
  for (GList *l = paths; l != NULL; l = l->next) {
    Object *object = g_hash_table_lookup(state.objects, l->data);

    if (object->entries->len > 0)
      g_variant_builder_add(&builder, "{o@a{sa{sv}}}", object->path, interfaces_dict(object, NULL));
  }
  g_dbus_method_invocation_return_value(invocation, g_variant_new("(a{oa{sa{sv}}})", &builder));
}

static const GDBusInterfaceVTable manager_vtable = {
  .method_call = on_manager_call,
};

void
fb_objects_init(GDBusConnection *connection, gboolean experimental)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusNodeInfo) manager = g_dbus_node_info_new_for_xml(manager_xml, &error);

  g_assert_no_error(error);
  state.connection = g_object_ref(connection);
  state.node = g_dbus_node_info_new_for_xml(interfaces_xml, &error);
  g_assert_no_error(error);
  if (!experimental)
    for (gsize i = 0; state.node->interfaces[i] != NULL; i++)
      drop_experimental(state.node->interfaces[i]);
  state.objects =
      g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify) object_free);
  state.exports = g_ptr_array_new();
  state.manager_registration = g_dbus_connection_register_object(
      connection, "/", manager->interfaces[0], &manager_vtable, NULL, NULL, &error);
  g_assert_no_error(error);
}

void
fb_objects_shutdown(void)
{
  fb_objects_flush();
  for (guint i = 0; i < state.exports->len; i++)
    g_dbus_connection_unregister_object(state.connection,
                                        GPOINTER_TO_UINT(state.exports->pdata[i]));
  g_dbus_connection_unregister_object(state.connection, state.manager_registration);
  g_hash_table_unref(state.objects);
  g_ptr_array_unref(state.exports);
  g_dbus_node_info_unref(state.node);
  g_clear_object(&state.connection);
}
