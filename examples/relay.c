/* SPDX-License-Identifier: Apache-2.0 */
/* An On/Off Plug-in Unit for matterd, in C on GDBus: a relay whose state
 * is written to a file (a GPIO's sysfs "value", say) and printed.
 *
 *   matterd-example-relay [--session] [--output FILE] [--unique-id ID]
 *
 * It exports, under one ObjectManager, an endpoint object
 * (org.matterd.Endpoint1) and its Identify and On/Off clusters
 * (org.matterd.cluster.Identify1, .OnOff1, whose introspection it reads
 * from the files matterd installs), registers with matterd, and
 * registers again whenever matterd comes back. */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <gio/gio.h>
#include <glib-unix.h>

#define ROOT "/org/matterd/example/relay"
#define ENDPOINT_PATH ROOT "/ep0"
#define ON_OFF_LIGHTING 0x1
#define ON_OFF_PLUG_IN_UNIT 0x010A
#define ON_OFF_PLUG_IN_UNIT_REVISION 4

static const char endpoint_xml[] = "<node><interface name='org.matterd.Endpoint1'>"
                                   "<property name='UniqueId' type='s' access='read'/>"
                                   "<property name='DeviceTypes' type='a(qq)' access='read'/>"
                                   "<property name='Label' type='s' access='read'/>"
                                   "</interface></node>";

static const char manager_xml[] =
    "<node><interface name='org.freedesktop.DBus.ObjectManager'>"
    "<method name='GetManagedObjects'><arg type='a{oa{sa{sv}}}' direction='out'/></method>"
    "</interface></node>";

/* One exported object with one interface and its property values. */
typedef struct {
  const char *path;
  GDBusInterfaceInfo *info;
  GHashTable *values; /* name -> GVariant */
} Object;

typedef struct {
  GDBusConnection *bus;
  GMainLoop *loop;
  char *output;
  Object endpoint, identify, on_off;
  guint identify_timer;
  int exit_code;
} Relay;

static void
object_set(Relay *relay, Object *object, const char *name, GVariant *value)
{
  GVariant *old = g_hash_table_lookup(object->values, name);
  GVariantBuilder changed;

  g_variant_ref_sink(value);
  if (old != NULL && g_variant_equal(old, value)) {
    g_variant_unref(value);
    return;
  }
  g_hash_table_insert(object->values, (char *) name, value);
  g_variant_builder_init(&changed, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add(&changed, "{sv}", name, value);
  g_dbus_connection_emit_signal(
      relay->bus, NULL, object->path, "org.freedesktop.DBus.Properties", "PropertiesChanged",
      g_variant_new("(sa{sv}as)", object->info->name, &changed, NULL), NULL);
}

static GVariant *
object_properties(const Object *object)
{
  GVariantBuilder props;
  GHashTableIter iter;
  gpointer name, value;

  g_variant_builder_init(&props, G_VARIANT_TYPE_VARDICT);
  g_hash_table_iter_init(&iter, object->values);
  while (g_hash_table_iter_next(&iter, &name, &value))
    g_variant_builder_add(&props, "{sv}", name, value);
  return g_variant_builder_end(&props);
}

static void
relay_switch(Relay *relay, gboolean on)
{
  g_autoptr(GError) error = NULL;

  object_set(relay, &relay->on_off, "OnOff", g_variant_new_boolean(on));
  if (on)
    object_set(relay, &relay->on_off, "GlobalSceneControl", g_variant_new_boolean(TRUE));
  printf("Relay %s\n", on ? "on" : "off");
  fflush(stdout);
  if (relay->output != NULL && !g_file_set_contents(relay->output, on ? "1\n" : "0\n", -1, &error))
    g_printerr("Cannot write %s: %s\n", relay->output, error->message);
}

static gboolean
identify_tick(gpointer data)
{
  Relay *relay = data;
  guint16 left = g_variant_get_uint16(g_hash_table_lookup(relay->identify.values, "IdentifyTime"));

  object_set(relay, &relay->identify, "IdentifyTime", g_variant_new_uint16(left ? left - 1 : 0));
  if (left <= 1) {
    relay->identify_timer = 0;
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

static void
identify(Relay *relay, guint16 seconds)
{
  object_set(relay, &relay->identify, "IdentifyTime", g_variant_new_uint16(seconds));
  if (seconds > 0 && relay->identify_timer == 0)
    relay->identify_timer = g_timeout_add_seconds(1, identify_tick, relay);
}

/* Commands of Identify and On/Off. The fields come as the interface
 * declares them; everything takes effect at once. */
static void
run_command(Relay *relay, Object *object, const char *method, GVariant *params,
            GDBusMethodInvocation *invocation)
{
  gboolean on = g_variant_get_boolean(g_hash_table_lookup(relay->on_off.values, "OnOff"));

  if (object == &relay->identify && g_str_equal(method, "Identify")) {
    guint16 seconds;

    g_variant_get(params, "(q)", &seconds);
    identify(relay, seconds);
  } else if (object == &relay->identify && g_str_equal(method, "TriggerEffect")) {
    guint8 effect, variant;

    g_variant_get(params, "(yy)", &effect, &variant);
    printf("Identify effect %u (variant %u)\n", effect, variant);
  } else if (g_str_equal(method, "On") || g_str_equal(method, "OnWithRecallGlobalScene")) {
    relay_switch(relay, TRUE);
  } else if (g_str_equal(method, "Off") || g_str_equal(method, "OffWithEffect")) {
    relay_switch(relay, FALSE);
  } else if (g_str_equal(method, "Toggle")) {
    relay_switch(relay, !on);
  } else if (g_str_equal(method, "OnWithTimedOff")) {
    guint8 control;
    guint16 on_time, off_wait;

    g_variant_get(params, "(yqq)", &control, &on_time, &off_wait);
    object_set(relay, &relay->on_off, "OnTime", g_variant_new_uint16(on_time));
    object_set(relay, &relay->on_off, "OffWaitTime", g_variant_new_uint16(off_wait));
    relay_switch(relay, TRUE);
  } else {
    g_dbus_method_invocation_return_dbus_error(invocation, "org.matterd.Status.UnsupportedCommand",
                                               method);
    return;
  }
  g_dbus_method_invocation_return_value(invocation, NULL);
}

/* Properties.Set comes here (the vtable has no set_property), so that a
 * write can be refused with a Matter status. */
static void
set_property(Relay *relay, Object *object, GVariant *params, GDBusMethodInvocation *invocation)
{
  g_autoptr(GVariant) value = NULL;
  GDBusPropertyInfo *prop;
  const char *name;

  g_variant_get(params, "(&s&sv)", NULL, &name, &value);
  prop = g_dbus_interface_info_lookup_property(object->info, name);
  if (prop == NULL || !(prop->flags & G_DBUS_PROPERTY_INFO_FLAGS_WRITABLE) ||
      !g_variant_is_of_type(value, G_VARIANT_TYPE(prop->signature))) {
    g_dbus_method_invocation_return_dbus_error(invocation, "org.matterd.Status.UnsupportedWrite",
                                               name);
    return;
  }
  if (object == &relay->identify && g_str_equal(name, "IdentifyTime"))
    identify(relay, g_variant_get_uint16(value));
  else
    object_set(relay, object, prop->name, g_variant_ref(value));
  g_dbus_method_invocation_return_value(invocation, NULL);
}

static void
on_method_call(GDBusConnection *bus, const char *sender, const char *path, const char *interface,
               const char *method, GVariant *params, GDBusMethodInvocation *invocation,
               gpointer data)
{
  Relay *relay = data;
  Object *object = g_str_equal(path, relay->identify.path) ? &relay->identify : &relay->on_off;

  if (g_str_equal(interface, "org.freedesktop.DBus.Properties") && g_str_equal(method, "Set"))
    set_property(relay, object, params, invocation);
  else
    run_command(relay, object, method, params, invocation);
}

static GVariant *
on_get_property(GDBusConnection *bus, const char *sender, const char *path, const char *interface,
                const char *name, GError **error, gpointer data)
{
  Relay *relay = data;
  Object *objects[] = { &relay->endpoint, &relay->identify, &relay->on_off };

  for (gsize i = 0; i < G_N_ELEMENTS(objects); i++)
    if (g_str_equal(objects[i]->path, path)) {
      GVariant *value = g_hash_table_lookup(objects[i]->values, name);

      if (value != NULL)
        return g_variant_ref(value);
    }
  g_set_error(error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_PROPERTY, "No property %s", name);
  return NULL;
}

static void
on_manager_call(GDBusConnection *bus, const char *sender, const char *path, const char *interface,
                const char *method, GVariant *params, GDBusMethodInvocation *invocation,
                gpointer data)
{
  Relay *relay = data;
  Object *objects[] = { &relay->endpoint, &relay->identify, &relay->on_off };
  GVariantBuilder tree;

  g_variant_builder_init(&tree, G_VARIANT_TYPE("a{oa{sa{sv}}}"));
  for (gsize i = 0; i < G_N_ELEMENTS(objects); i++) {
    g_variant_builder_open(&tree, G_VARIANT_TYPE("{oa{sa{sv}}}"));
    g_variant_builder_add(&tree, "o", objects[i]->path);
    g_variant_builder_open(&tree, G_VARIANT_TYPE("a{sa{sv}}"));
    g_variant_builder_add(&tree, "{s@a{sv}}", objects[i]->info->name,
                          object_properties(objects[i]));
    g_variant_builder_close(&tree);
    g_variant_builder_close(&tree);
  }
  g_dbus_method_invocation_return_value(invocation, g_variant_new("(a{oa{sa{sv}}})", &tree));
}

static const GDBusInterfaceVTable object_vtable = {
  .method_call = on_method_call,
  .get_property = on_get_property,
};
static const GDBusInterfaceVTable manager_vtable = { .method_call = on_manager_call };

static void
on_registered(GObject *source, GAsyncResult *result, gpointer data)
{
  Relay *relay = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply =
      g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);

  if (reply == NULL) {
    g_printerr("matterd refused the relay: %s\n", error->message);
    relay->exit_code = EXIT_FAILURE;
    g_main_loop_quit(relay->loop);
    return;
  }
  printf("Registered %s with matterd\n", ROOT);
  fflush(stdout);
}

static void
on_matterd_appeared(GDBusConnection *bus, const char *name, const char *owner, gpointer data)
{
  g_dbus_connection_call(bus, "org.matterd", "/org/matterd", "org.matterd.EndpointManager1",
                         "RegisterApplication", g_variant_new("(oa{sv})", ROOT, NULL), NULL,
                         G_DBUS_CALL_FLAGS_NONE, -1, NULL, on_registered, data);
}

static GDBusInterfaceInfo *
load_interface(const char *name, GError **error)
{
  const char *dirs[] = { g_getenv("MATTERD_INTERFACES_DIR"), "/usr/local/share/dbus-1/interfaces",
                         "/usr/share/dbus-1/interfaces" };

  for (gsize i = 0; i < G_N_ELEMENTS(dirs); i++) {
    g_autofree char *file = NULL;
    g_autofree char *path = NULL;
    g_autoptr(GDBusNodeInfo) node = NULL;

    if (dirs[i] == NULL)
      continue;
    path = g_strdup_printf("%s/%s.xml", dirs[i], name);
    if (!g_file_get_contents(path, &file, NULL, NULL))
      continue;
    node = g_dbus_node_info_new_for_xml(file, error);
    if (node == NULL || g_dbus_node_info_lookup_interface(node, name) == NULL)
      break;
    return g_dbus_interface_info_ref(g_dbus_node_info_lookup_interface(node, name));
  }
  if (error != NULL && *error == NULL)
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                "No introspection of %s (set MATTERD_INTERFACES_DIR)", name);
  return NULL;
}

static gboolean
on_signal(gpointer data)
{
  g_main_loop_quit(((Relay *) data)->loop);
  return G_SOURCE_REMOVE;
}

static void
object_init(Object *object, const char *path, GDBusInterfaceInfo *info)
{
  object->path = path;
  object->info = info;
  object->values =
      g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify) g_variant_unref);
}

static void
object_clear(Object *object)
{
  g_hash_table_unref(object->values);
  g_dbus_interface_info_unref(object->info);
}

static void
object_put(Object *object, const char *name, GVariant *value)
{
  g_hash_table_insert(object->values, (char *) name, g_variant_ref_sink(value));
}

int
main(int argc, char **argv)
{
  gboolean session = FALSE;
  g_autofree char *unique_id = NULL;
  Relay relay = { .exit_code = EXIT_SUCCESS };
  GOptionEntry entries[] = {
    { "session", 0, 0, G_OPTION_ARG_NONE, &session, "Use the session bus", NULL },
    { "output", 0, 0, G_OPTION_ARG_FILENAME, &relay.output, "Write 1 or 0 to FILE", "FILE" },
    { "unique-id", 0, 0, G_OPTION_ARG_STRING, &unique_id, "The device's unique id", "ID" },
    { NULL },
  };
  g_autoptr(GOptionContext) options = g_option_context_new("- an On/Off Plug-in Unit");
  g_autoptr(GDBusNodeInfo) endpoint_node = g_dbus_node_info_new_for_xml(endpoint_xml, NULL);
  g_autoptr(GDBusNodeInfo) manager_node = g_dbus_node_info_new_for_xml(manager_xml, NULL);
  g_autoptr(GError) error = NULL;
  GVariantBuilder types;

  g_option_context_add_main_entries(options, entries, NULL);
  if (!g_option_context_parse(options, &argc, &argv, &error)) {
    g_printerr("%s\n", error->message);
    return 2;
  }
  object_init(&relay.endpoint, ENDPOINT_PATH,
              g_dbus_interface_info_ref(endpoint_node->interfaces[0]));
  object_init(&relay.identify, ENDPOINT_PATH "/identify",
              load_interface("org.matterd.cluster.Identify1", &error));
  if (relay.identify.info != NULL)
    object_init(&relay.on_off, ENDPOINT_PATH "/onoff",
                load_interface("org.matterd.cluster.OnOff1", &error));
  if (relay.identify.info == NULL || relay.on_off.info == NULL) {
    g_printerr("%s\n", error->message);
    return EXIT_FAILURE;
  }

  g_variant_builder_init(&types, G_VARIANT_TYPE("a(qq)"));
  g_variant_builder_add(&types, "(qq)", ON_OFF_PLUG_IN_UNIT, ON_OFF_PLUG_IN_UNIT_REVISION);
  object_put(&relay.endpoint, "UniqueId",
             g_variant_new_string(unique_id ? unique_id : "example-relay-1"));
  object_put(&relay.endpoint, "DeviceTypes", g_variant_builder_end(&types));
  object_put(&relay.endpoint, "Label", g_variant_new_string("Example relay"));
  object_put(&relay.identify, "FeatureMap", g_variant_new_uint32(0));
  object_put(&relay.identify, "IdentifyTime", g_variant_new_uint16(0));
  object_put(&relay.identify, "IdentifyType", g_variant_new_byte(0)); /* None */
  object_put(&relay.on_off, "FeatureMap", g_variant_new_uint32(ON_OFF_LIGHTING));
  object_put(&relay.on_off, "OnOff", g_variant_new_boolean(FALSE));
  object_put(&relay.on_off, "GlobalSceneControl", g_variant_new_boolean(TRUE));
  object_put(&relay.on_off, "OnTime", g_variant_new_uint16(0));
  object_put(&relay.on_off, "OffWaitTime", g_variant_new_uint16(0));
  object_put(&relay.on_off, "StartUpOnOff", g_variant_new_byte(0xFF)); /* null */

  relay.bus = g_bus_get_sync(session ? G_BUS_TYPE_SESSION : G_BUS_TYPE_SYSTEM, NULL, &error);
  if (relay.bus == NULL) {
    g_printerr("Cannot reach the bus: %s\n", error->message);
    return EXIT_FAILURE;
  }
  g_dbus_connection_register_object(relay.bus, ROOT, manager_node->interfaces[0], &manager_vtable,
                                    &relay, NULL, NULL);
  g_dbus_connection_register_object(relay.bus, relay.endpoint.path, relay.endpoint.info,
                                    &object_vtable, &relay, NULL, NULL);
  g_dbus_connection_register_object(relay.bus, relay.identify.path, relay.identify.info,
                                    &object_vtable, &relay, NULL, NULL);
  g_dbus_connection_register_object(relay.bus, relay.on_off.path, relay.on_off.info, &object_vtable,
                                    &relay, NULL, NULL);
  relay.loop = g_main_loop_new(NULL, FALSE);
  g_bus_watch_name_on_connection(relay.bus, "org.matterd", G_BUS_NAME_WATCHER_FLAGS_NONE,
                                 on_matterd_appeared, NULL, &relay, NULL);
  g_unix_signal_add(SIGINT, on_signal, &relay);
  g_unix_signal_add(SIGTERM, on_signal, &relay);
  g_main_loop_run(relay.loop);

  g_main_loop_unref(relay.loop);
  g_object_unref(relay.bus);
  object_clear(&relay.endpoint);
  object_clear(&relay.identify);
  object_clear(&relay.on_off);
  g_free(relay.output);
  return relay.exit_code;
}
