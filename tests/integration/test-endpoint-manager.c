/* SPDX-License-Identifier: Apache-2.0 */
/* org.matterd.EndpointManager1 of the built matterd on a private bus,
 * with host applications written here: each is a bus connection of the
 * test's own with a GDBusObjectManagerServer exporting an On/Off Plug-in
 * Unit (org.matterd.Endpoint1, with org.matterd.cluster.Identify1 and
 * OnOff1 objects below it, their introspection the one matterd installs).
 * Registration and its refusals, NodeEndpoint1 objects, the application
 * leaving and coming back, restarts, UnregisterApplication, Forget,
 * objects added and removed later, values the application gets wrong. The
 * caller is the test's own uid, which the bouncer lets through without
 * polkit (test-polkit covers the other callers). */

#include <gio/gio.h>
#include <signal.h>
#include <string.h>

#include "md-names.h"
#include "md-test.h"
#include "md-test-commission.h"
#include "md-test-node.h"

#define INVALID MD_DBUS_ERROR_PREFIX "InvalidArgument"
#define NOT_FOUND MD_DBUS_ERROR_PREFIX "NotFound"
#define APP_ROOT "/app"
#define DEVICE_TYPE_ON_OFF_PLUG_IN_UNIT 0x010A
#define WAIT_MS 10000

/* ---- An interface of a test application ----
 *
 * Any interface, described by its introspection; properties from a
 * table, methods answered by the test (On, Off and Toggle change OnOff as
 * a plug would). */

typedef struct {
  GDBusInterfaceSkeleton parent_instance;
  GDBusNodeInfo *node_info;
  GDBusInterfaceInfo *info;
  GHashTable *properties; /* name -> GVariant */
  GPtrArray *calls;       /* "Method(args)" as they came */
  const char *fail_with;  /* a D-Bus error name every method answers; NULL: none */
  gboolean silent;        /* methods are never answered */
  GPtrArray *unanswered;  /* GDBusMethodInvocation left unanswered */
} AppInterface;

typedef struct {
  GDBusInterfaceSkeletonClass parent_class;
} AppInterfaceClass;

static GType app_interface_get_type(void);
G_DEFINE_TYPE(AppInterface, app_interface, G_TYPE_DBUS_INTERFACE_SKELETON)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(AppInterface, g_object_unref)

static void
app_interface_emit_changed(AppInterface *self, const char *name, GVariant *value)
{
  GVariantBuilder changed;
  GList *connections = g_dbus_interface_skeleton_get_connections(G_DBUS_INTERFACE_SKELETON(self));
  const char *path = g_dbus_interface_skeleton_get_object_path(G_DBUS_INTERFACE_SKELETON(self));

  g_variant_builder_init(&changed, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add(&changed, "{sv}", name, value);
  for (GList *l = connections; l != NULL; l = l->next)
    g_dbus_connection_emit_signal(
        l->data, NULL, path, "org.freedesktop.DBus.Properties", "PropertiesChanged",
        g_variant_new("(s@a{sv}as)", self->info->name, g_variant_builder_end(&changed), NULL),
        NULL);
  if (connections == NULL)
    g_variant_builder_clear(&changed);
  g_list_free_full(connections, g_object_unref);
}

/* Sets @name to @value (floating is taken) and announces it when exported. */
static void
app_interface_set(AppInterface *self, const char *name, GVariant *value)
{
  g_variant_ref_sink(value);
  g_hash_table_replace(self->properties, g_strdup(name), value);
  if (g_dbus_interface_skeleton_get_object_path(G_DBUS_INTERFACE_SKELETON(self)) != NULL)
    app_interface_emit_changed(self, name, value);
}

static void
app_method_call(GDBusConnection *connection, const char *sender, const char *path,
                const char *interface, const char *method, GVariant *parameters,
                GDBusMethodInvocation *invocation, gpointer user_data)
{
  AppInterface *self = user_data;
  g_autofree char *args = g_variant_print(parameters, FALSE);
  GVariant *on_off = g_hash_table_lookup(self->properties, "OnOff");

  g_ptr_array_add(self->calls, g_strconcat(method, args, NULL));
  if (self->silent) {
    g_ptr_array_add(self->unanswered, g_object_ref(invocation));
    return;
  }
  if (self->fail_with != NULL) {
    g_dbus_method_invocation_return_dbus_error(invocation, self->fail_with, "the test says no");
    return;
  }
  if (on_off != NULL && strcmp(method, "On") == 0)
    app_interface_set(self, "OnOff", g_variant_new_boolean(TRUE));
  else if (on_off != NULL && strcmp(method, "Off") == 0)
    app_interface_set(self, "OnOff", g_variant_new_boolean(FALSE));
  else if (on_off != NULL && strcmp(method, "Toggle") == 0)
    app_interface_set(self, "OnOff", g_variant_new_boolean(!g_variant_get_boolean(on_off)));
  g_dbus_method_invocation_return_value(invocation, NULL);
}

static GVariant *
app_get_property(GDBusConnection *connection, const char *sender, const char *path,
                 const char *interface, const char *name, GError **error, gpointer user_data)
{
  AppInterface *self = user_data;
  GVariant *value = g_hash_table_lookup(self->properties, name);

  if (value == NULL) {
    g_set_error(error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS, "No property %s", name);
    return NULL;
  }
  return g_variant_ref(value);
}

static gboolean
app_set_property(GDBusConnection *connection, const char *sender, const char *path,
                 const char *interface, const char *name, GVariant *value, GError **error,
                 gpointer user_data)
{
  AppInterface *self = user_data;

  g_ptr_array_add(self->calls, g_strconcat("Set ", name, NULL));
  if (self->fail_with != NULL) {
    /* A GError that GDBus sends under that name. */
    GQuark domain = g_quark_from_static_string("test-app-error");
    gint code = (gint) (g_str_hash(self->fail_with) & G_MAXINT);

    g_dbus_error_register_error(domain, code, self->fail_with);
    g_set_error_literal(error, domain, code, "the test says no");
    return FALSE;
  }
  app_interface_set(self, name, g_variant_ref(value));
  return TRUE;
}

static GDBusInterfaceInfo *
app_interface_get_info(GDBusInterfaceSkeleton *skeleton)
{
  return ((AppInterface *) skeleton)->info;
}

static GDBusInterfaceVTable *
app_interface_get_vtable(GDBusInterfaceSkeleton *skeleton)
{
  static GDBusInterfaceVTable vtable = {
    .method_call = app_method_call,
    .get_property = app_get_property,
    .set_property = app_set_property,
  };

  return &vtable;
}

static GVariant *
app_interface_get_properties(GDBusInterfaceSkeleton *skeleton)
{
  AppInterface *self = (AppInterface *) skeleton;
  GVariantBuilder builder;
  GHashTableIter iter;
  gpointer name, value;

  g_variant_builder_init(&builder, G_VARIANT_TYPE_VARDICT);
  g_hash_table_iter_init(&iter, self->properties);
  while (g_hash_table_iter_next(&iter, &name, &value))
    g_variant_builder_add(&builder, "{sv}", name, value);
  return g_variant_builder_end(&builder);
}

static void
app_interface_flush(GDBusInterfaceSkeleton *skeleton)
{
}

static void
app_interface_finalize(GObject *object)
{
  AppInterface *self = (AppInterface *) object;

  g_hash_table_unref(self->properties);
  g_ptr_array_unref(self->calls);
  g_ptr_array_unref(self->unanswered);
  g_clear_pointer(&self->node_info, g_dbus_node_info_unref);
  G_OBJECT_CLASS(app_interface_parent_class)->finalize(object);
}

static void
app_interface_class_init(AppInterfaceClass *klass)
{
  GDBusInterfaceSkeletonClass *skeleton_class = G_DBUS_INTERFACE_SKELETON_CLASS(klass);

  G_OBJECT_CLASS(klass)->finalize = app_interface_finalize;
  skeleton_class->get_info = app_interface_get_info;
  skeleton_class->get_vtable = app_interface_get_vtable;
  skeleton_class->get_properties = app_interface_get_properties;
  skeleton_class->flush = app_interface_flush;
}

static void
app_interface_init(AppInterface *self)
{
  self->properties =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_variant_unref);
  self->calls = g_ptr_array_new_with_free_func(g_free);
  self->unanswered = g_ptr_array_new_with_free_func(g_object_unref);
}

/* @interface as @xml describes it. */
static AppInterface *
app_interface_new(const char *xml, const char *interface)
{
  AppInterface *self = g_object_new(app_interface_get_type(), NULL);
  g_autoptr(GError) error = NULL;

  self->node_info = g_dbus_node_info_new_for_xml(xml, &error);
  g_assert_no_error(error);
  self->info = g_dbus_node_info_lookup_interface(self->node_info, interface);
  g_assert_nonnull(self->info);
  return self;
}

/* The introspection matterd installs for @interface (built into
 * clusters/). */
static char *
cluster_xml(const char *interface)
{
  g_autofree char *name = g_strconcat(interface, ".xml", NULL);
  g_autofree char *path = g_test_build_filename(G_TEST_BUILT, "..", "clusters", name, NULL);
  g_autoptr(GError) error = NULL;
  char *xml = NULL;

  g_file_get_contents(path, &xml, NULL, &error);
  g_assert_no_error(error);
  return xml;
}

static AppInterface *
cluster_interface_new(const char *name)
{
  g_autofree char *interface = g_strconcat(MD_APP_CLUSTER_INTERFACE_PREFIX, name, NULL);
  g_autofree char *xml = cluster_xml(interface);

  return app_interface_new(xml, interface);
}

/* ---- A test application ---- */

typedef struct {
  GDBusConnection *connection;
  GDBusObjectManagerServer *manager;
} App;

static App *
app_new(MdTestNode *node)
{
  App *app = g_new0(App, 1);

  app->connection = md_test_bus_connect(node->bus);
  app->manager = g_dbus_object_manager_server_new(APP_ROOT);
  g_dbus_object_manager_server_set_connection(app->manager, app->connection);
  return app;
}

static void
app_free(App *app)
{
  g_clear_object(&app->manager);
  if (app->connection != NULL)
    g_dbus_connection_close_sync(app->connection, NULL, NULL);
  g_clear_object(&app->connection);
  g_free(app);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(App, app_free)

static const char *
app_name(App *app)
{
  return g_dbus_connection_get_unique_name(app->connection);
}

static void
app_export(App *app, const char *path, AppInterface *interface)
{
  g_autoptr(GDBusObjectSkeleton) object = g_dbus_object_skeleton_new(path);

  g_dbus_object_skeleton_add_interface(object, G_DBUS_INTERFACE_SKELETON(interface));
  g_dbus_object_manager_server_export(app->manager, object);
}

static AppInterface *
app_interface(App *app, const char *path, const char *interface)
{
  GDBusInterface *found =
      g_dbus_object_manager_get_interface(G_DBUS_OBJECT_MANAGER(app->manager), path, interface);

  g_assert_nonnull(found);
  g_object_unref(found); /* the manager keeps it */
  return (AppInterface *) found;
}

/* The Endpoint1 of a plug-in unit (dbus/org.matterd.Endpoint1.xml),
 * @unique_id NULL: without one. */
static AppInterface *
endpoint_new(const char *unique_id, guint16 device_type)
{
  g_autofree char *path =
      g_test_build_filename(G_TEST_DIST, "..", "dbus", MD_APP_INTERFACE_ENDPOINT ".xml", NULL);
  g_autofree char *xml = NULL;
  AppInterface *endpoint;
  GVariantBuilder types;

  g_assert_true(g_file_get_contents(path, &xml, NULL, NULL));
  endpoint = app_interface_new(xml, MD_APP_INTERFACE_ENDPOINT);
  g_variant_builder_init(&types, G_VARIANT_TYPE("a(qq)"));
  g_variant_builder_add(&types, "(qq)", device_type, 4);
  if (unique_id != NULL)
    app_interface_set(endpoint, "UniqueId", g_variant_new_string(unique_id));
  app_interface_set(endpoint, "DeviceTypes", g_variant_builder_end(&types));
  app_interface_set(endpoint, "Label", g_variant_new_string("Desk lamp"));
  return endpoint;
}

static AppInterface *
identify_new(void)
{
  AppInterface *identify = cluster_interface_new("Identify1");

  app_interface_set(identify, "IdentifyTime", g_variant_new_uint16(0));
  app_interface_set(identify, "IdentifyType", g_variant_new_byte(0));
  return identify;
}

/* On/Off with its Lighting feature, which plug-in units need. */
static AppInterface *
on_off_new(void)
{
  AppInterface *on_off = cluster_interface_new("OnOff1");

  app_interface_set(on_off, "FeatureMap", g_variant_new_uint32(1));
  app_interface_set(on_off, "OnOff", g_variant_new_boolean(FALSE));
  app_interface_set(on_off, "GlobalSceneControl", g_variant_new_boolean(TRUE));
  app_interface_set(on_off, "OnTime", g_variant_new_uint16(0));
  app_interface_set(on_off, "OffWaitTime", g_variant_new_uint16(0));
  app_interface_set(on_off, "StartUpOnOff", g_variant_new_byte(0xFF)); /* null */
  return on_off;
}

/* A plug-in unit at APP_ROOT/@name with Identify and On/Off below it. */
static void
app_add_plug(App *app, const char *name, const char *unique_id)
{
  g_autofree char *path = g_strdup_printf(APP_ROOT "/%s", name);
  g_autofree char *identify_path = g_strdup_printf("%s/identify", path);
  g_autofree char *on_off_path = g_strdup_printf("%s/onoff", path);
  g_autoptr(AppInterface) endpoint = endpoint_new(unique_id, DEVICE_TYPE_ON_OFF_PLUG_IN_UNIT);
  g_autoptr(AppInterface) identify = identify_new();
  g_autoptr(AppInterface) on_off = on_off_new();

  app_export(app, identify_path, identify);
  app_export(app, on_off_path, on_off);
  app_export(app, path, endpoint);
}

/* Calls EndpointManager1 from the application's connection while its
 * objects answer matterd, as a real application's main loop would. */
typedef struct {
  GVariant *reply;
  GError *error;
  gboolean done;
} CallResult;

static void
on_call_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
  CallResult *call = user_data;

  call->reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &call->error);
  call->done = TRUE;
}

static gboolean
app_call(App *app, const char *path, const char *interface, const char *method, GVariant *args,
         GError **error)
{
  CallResult call = { 0 };

  g_dbus_connection_call(app->connection, MD_DBUS_NAME, path, interface, method, args, NULL,
                         G_DBUS_CALL_FLAGS_NONE, 20000, NULL, on_call_done, &call);
  while (!call.done)
    g_main_context_iteration(NULL, TRUE);
  g_clear_pointer(&call.reply, g_variant_unref);
  if (call.error != NULL) {
    g_propagate_error(error, call.error);
    return FALSE;
  }
  return TRUE;
}

static gboolean
app_register(App *app, GVariant *options, GError **error)
{
  if (options == NULL)
    options = g_variant_new("a{sv}", NULL);
  return app_call(app, MD_DBUS_PATH, MD_DBUS_INTERFACE_ENDPOINT_MANAGER, "RegisterApplication",
                  g_variant_new("(o@a{sv})", APP_ROOT, options), error);
}

static void
app_register_ok(App *app)
{
  g_autoptr(GError) error = NULL;

  app_register(app, NULL, &error);
  g_assert_no_error(error);
}

/* The registration fails with @name and a message that has @needle. */
static void
assert_refused(GError *error, const char *name, const char *needle)
{
  g_autofree char *remote = NULL;

  g_assert_nonnull(error);
  remote = g_dbus_error_get_remote_error(error);
  g_assert_cmpstr(remote, ==, name);
  g_dbus_error_strip_remote_error(error);
  g_test_message("refused: %s", error->message);
  if (strstr(error->message, needle) == NULL)
    g_error("\"%s\" does not say \"%s\"", error->message, needle);
}

/* ---- matterd's objects ---- */

static GVariant *
managed_objects(MdTestNode *node)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_sync(
      node->connection, MD_DBUS_NAME, MD_DBUS_MANAGER_PATH, "org.freedesktop.DBus.ObjectManager",
      "GetManagedObjects", NULL, G_VARIANT_TYPE("(a{oa{sa{sv}}})"), G_DBUS_CALL_FLAGS_NONE, 5000,
      NULL, &error);

  g_assert_no_error(error);
  return g_variant_get_child_value(reply, 0);
}

/* NodeEndpoint1's properties of endpoint @number; NULL when there is no
 * such object. */
static GVariant *
node_endpoint(MdTestNode *node, guint number)
{
  g_autoptr(GVariant) objects = managed_objects(node);
  g_autofree char *path = g_strdup_printf(MD_DBUS_ENDPOINT_PATH_PREFIX "%u", number);
  g_autoptr(GVariant) interfaces = g_variant_lookup_value(objects, path, NULL);

  if (interfaces == NULL)
    return NULL;
  return g_variant_lookup_value(interfaces, MD_DBUS_INTERFACE_NODE_ENDPOINT, NULL);
}

static guint
count_node_endpoints(MdTestNode *node)
{
  g_autoptr(GVariant) objects = managed_objects(node);
  GVariantIter iter;
  GVariant *interfaces;
  guint count = 0;

  g_variant_iter_init(&iter, objects);
  while (g_variant_iter_loop(&iter, "{&o@a{sa{sv}}}", NULL, &interfaces)) {
    g_autoptr(GVariant) endpoint =
        g_variant_lookup_value(interfaces, MD_DBUS_INTERFACE_NODE_ENDPOINT, NULL);

    count += endpoint != NULL;
  }
  return count;
}

/* Iterates the main loop (the applications' objects answer meanwhile)
 * until endpoint @number's @property is @expected (NULL: until the
 * object is gone); FALSE on time-out. */
static gboolean
wait_endpoint(MdTestNode *node, guint number, const char *property, GVariant *expected)
{
  gint64 deadline = g_get_monotonic_time() + WAIT_MS * 1000;
  gboolean found = FALSE;

  if (expected != NULL)
    g_variant_ref_sink(expected);
  while (g_get_monotonic_time() < deadline) {
    g_autoptr(GVariant) properties = node_endpoint(node, number);
    g_autoptr(GVariant) value = properties != NULL && property != NULL
                                    ? g_variant_lookup_value(properties, property, NULL)
                                    : NULL;

    found =
        expected == NULL ? properties == NULL : value != NULL && g_variant_equal(value, expected);
    if (found)
      break;
    while (g_main_context_iteration(NULL, FALSE))
      ;
    g_usleep(20000);
  }
  g_clear_pointer(&expected, g_variant_unref);
  return found;
}

/* Iterates the main loop until the daemon's log has @text @count times. */
static gboolean
wait_for_log_count(MdTestNode *node, const char *text, guint count)
{
  gint64 deadline = g_get_monotonic_time() + WAIT_MS * 1000;

  while (g_get_monotonic_time() < deadline) {
    if (md_test_node_count_log(node, text) >= count)
      return TRUE;
    while (g_main_context_iteration(NULL, FALSE))
      ;
    g_usleep(20000);
  }
  return FALSE;
}

static void
assert_endpoint_string(GVariant *properties, const char *name, const char *expected)
{
  g_autoptr(GVariant) value = g_variant_lookup_value(properties, name, G_VARIANT_TYPE_STRING);

  g_assert_nonnull(value);
  g_assert_cmpstr(g_variant_get_string(value, NULL), ==, expected);
}

static gboolean
endpoint_boolean(GVariant *properties, const char *name)
{
  g_autoptr(GVariant) value = g_variant_lookup_value(properties, name, G_VARIANT_TYPE_BOOLEAN);

  g_assert_nonnull(value);
  return g_variant_get_boolean(value);
}

/* ---- Fixture ---- */

static void
node_setup(MdTestNode *node, gconstpointer data)
{
  md_test_node_start(node, MD_TEST_COMMISSION_CONFIG);
}

static void
node_teardown(MdTestNode *node, gconstpointer data)
{
  md_test_node_stop(node);
}

/* ---- Tests ---- */

/* An application registers: its endpoint gets number 2 and a
 * NodeEndpoint1 object that says what it registered. */
static void
test_register(MdTestNode *node, gconstpointer data)
{
  g_autoptr(App) app = app_new(node);
  g_autoptr(GVariant) properties = NULL;
  g_autoptr(GVariant) types = NULL;
  guint16 type, revision;

  app_add_plug(app, "plug0", "plug-0001");
  app_register_ok(app);
  properties = node_endpoint(node, 2);
  g_assert_nonnull(properties);
  assert_endpoint_string(properties, "UniqueId", "plug-0001");
  assert_endpoint_string(properties, "Label", "Desk lamp");
  assert_endpoint_string(properties, "Application", app_name(app));
  g_assert_true(endpoint_boolean(properties, "Reachable"));
  g_assert_true(endpoint_boolean(properties, "Bridged"));
  types = g_variant_lookup_value(properties, "DeviceTypes", G_VARIANT_TYPE("a(qq)"));
  g_assert_nonnull(types);
  g_assert_cmpuint(g_variant_n_children(types), ==, 1);
  g_variant_get_child(types, 0, "(qq)", &type, &revision);
  g_assert_cmpuint(type, ==, DEVICE_TYPE_ON_OFF_PLUG_IN_UNIT);
  g_assert_cmpuint(revision, ==, 4);
  g_assert_cmpuint(count_node_endpoints(node), ==, 1);
  g_assert_true(md_test_node_wait_for_log(node, "serves " APP_ROOT "/plug0 (UniqueId plug-0001) "
                                                "as endpoint 2"));
}

/* Options: Bridged false puts the endpoint on the root; an unknown option
 * or a value of the wrong type is refused before anything is read. */
static void
test_options(MdTestNode *node, gconstpointer data)
{
  g_autoptr(App) app = app_new(node);
  g_autoptr(GVariant) properties = NULL;
  g_autoptr(GError) error = NULL;
  GVariantBuilder options;

  app_add_plug(app, "plug0", "plug-0001");
  g_variant_builder_init(&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add(&options, "{sv}", "Colour", g_variant_new_boolean(TRUE));
  app_register(app, g_variant_builder_end(&options), &error);
  assert_refused(error, INVALID, "Unknown option Colour");
  g_clear_error(&error);

  g_variant_builder_init(&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add(&options, "{sv}", "Bridged", g_variant_new_string("no"));
  app_register(app, g_variant_builder_end(&options), &error);
  assert_refused(error, INVALID, "Bridged must be of type b");
  g_clear_error(&error);
  g_assert_cmpuint(count_node_endpoints(node), ==, 0);

  g_variant_builder_init(&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add(&options, "{sv}", "Bridged", g_variant_new_boolean(FALSE));
  g_variant_builder_add(&options, "{sv}", "Context", g_variant_new_boolean(TRUE));
  app_register(app, g_variant_builder_end(&options), &error);
  g_assert_no_error(error);
  properties = node_endpoint(node, 2);
  g_assert_nonnull(properties);
  g_assert_false(endpoint_boolean(properties, "Bridged"));
}

typedef void (*Breakage)(App *app);

static void
break_unique_id(App *app)
{
  g_autoptr(AppInterface) endpoint = endpoint_new(NULL, DEVICE_TYPE_ON_OFF_PLUG_IN_UNIT);
  g_autoptr(AppInterface) identify = identify_new();
  g_autoptr(AppInterface) on_off = on_off_new();

  app_export(app, APP_ROOT "/plug0/identify", identify);
  app_export(app, APP_ROOT "/plug0/onoff", on_off);
  app_export(app, APP_ROOT "/plug0", endpoint);
}

static void
break_device_type(App *app)
{
  g_autoptr(AppInterface) endpoint = endpoint_new("plug-0001", 0x7777);
  g_autoptr(AppInterface) identify = identify_new();
  g_autoptr(AppInterface) on_off = on_off_new();

  app_export(app, APP_ROOT "/plug0/identify", identify);
  app_export(app, APP_ROOT "/plug0/onoff", on_off);
  app_export(app, APP_ROOT "/plug0", endpoint);
}

static void
break_property_type(App *app)
{
  app_add_plug(app, "plug0", "plug-0001");
  app_interface_set(app_interface(app, APP_ROOT "/plug0/onoff", "org.matterd.cluster.OnOff1"),
                    "OnOff", g_variant_new_uint32(1));
}

static void
break_device_types_type(App *app)
{
  app_add_plug(app, "plug0", "plug-0001");
  app_interface_set(app_interface(app, APP_ROOT "/plug0", MD_APP_INTERFACE_ENDPOINT), "DeviceTypes",
                    g_variant_new("aq", NULL));
}

static void
break_cluster_outside(App *app)
{
  g_autoptr(AppInterface) on_off = on_off_new();

  app_add_plug(app, "plug0", "plug-0001");
  app_export(app, APP_ROOT "/stray", on_off);
}

static void
break_mandatory_cluster(App *app)
{
  g_autoptr(AppInterface) endpoint = endpoint_new("plug-0001", DEVICE_TYPE_ON_OFF_PLUG_IN_UNIT);
  g_autoptr(AppInterface) identify = identify_new();

  app_export(app, APP_ROOT "/plug0/identify", identify);
  app_export(app, APP_ROOT "/plug0", endpoint);
}

static void
break_nothing_there(App *app)
{
  g_autoptr(AppInterface) other = app_interface_new(
      "<node><interface name='com.example.Other'><method name='Do'/></interface></node>",
      "com.example.Other");

  app_export(app, APP_ROOT "/other", other);
}

typedef struct {
  const char *name;
  Breakage breakage;
  const char *needle; /* what the message says */
} MalformedCase;

static const MalformedCase malformed_cases[] = {
  { "unique-id", break_unique_id, APP_ROOT "/plug0: org.matterd.Endpoint1 needs UniqueId" },
  { "device-type", break_device_type, APP_ROOT "/plug0: device type 0x7777" },
  { "property-type", break_property_type, APP_ROOT "/plug0/onoff: OnOff.OnOff: signature 'u'" },
  { "device-types-type", break_device_types_type, "DeviceTypes must be of type a(qq)" },
  { "cluster-outside", break_cluster_outside, APP_ROOT "/stray" },
  { "mandatory-cluster", break_mandatory_cluster,
    APP_ROOT "/plug0: device type OnOffPlugInUnit needs the cluster OnOff" },
  { "no-endpoint", break_nothing_there, "no object below it has org.matterd.Endpoint1" },
};

/* A malformed tree is refused with InvalidArgument naming the object, and
 * nothing of it is served; the same application then registers a good
 * one. */
static void
test_malformed(MdTestNode *node, gconstpointer data)
{
  const MalformedCase *c = data;
  g_autoptr(App) app = app_new(node);
  g_autoptr(GError) error = NULL;

  c->breakage(app);
  app_register(app, NULL, &error);
  assert_refused(error, INVALID, c->needle);
  g_assert_cmpuint(count_node_endpoints(node), ==, 0);
  g_assert_null(node_endpoint(node, 2));

  g_clear_object(&app->manager);
  app->manager = g_dbus_object_manager_server_new(APP_ROOT);
  g_dbus_object_manager_server_set_connection(app->manager, app->connection);
  app_add_plug(app, "plug0", "plug-0001");
  app_register_ok(app);
  g_assert_cmpuint(count_node_endpoints(node), ==, 1);
}

/* The same root twice from the same caller is refused; a caller with no
 * ObjectManager at the root is refused; unregistering what was never
 * registered is NotFound. */
static void
test_register_twice(MdTestNode *node, gconstpointer data)
{
  g_autoptr(App) app = app_new(node);
  g_autoptr(App) other = app_new(node);
  g_autoptr(GError) error = NULL;

  app_add_plug(app, "plug0", "plug-0001");
  app_register_ok(app);
  app_register(app, NULL, &error);
  assert_refused(error, INVALID, "registered already");
  g_clear_error(&error);

  g_clear_object(&other->manager); /* nothing exported */
  app_register(other, NULL, &error);
  assert_refused(error, INVALID, "GetManagedObjects failed");
  g_clear_error(&error);

  app_call(other, MD_DBUS_PATH, MD_DBUS_INTERFACE_ENDPOINT_MANAGER, "UnregisterApplication",
           g_variant_new("(o)", APP_ROOT), &error);
  assert_refused(error, NOT_FOUND, APP_ROOT);
  g_assert_cmpuint(count_node_endpoints(node), ==, 1);
}

/* The application leaving the bus leaves its endpoint, unreachable; it
 * comes back (another connection, so another name) and gets the same
 * number. A second device gets the next one. */
static void
test_leave_and_return(MdTestNode *node, gconstpointer data)
{
  g_autoptr(App) app = app_new(node);
  g_autoptr(App) again = NULL;
  g_autoptr(GVariant) properties = NULL;

  app_add_plug(app, "plug0", "plug-0001");
  app_register_ok(app);
  g_assert_true(wait_endpoint(node, 2, "Reachable", g_variant_new_boolean(TRUE)));
  g_clear_pointer(&app, app_free);
  g_assert_true(wait_endpoint(node, 2, "Reachable", g_variant_new_boolean(FALSE)));
  g_assert_true(wait_endpoint(node, 2, "Application", g_variant_new_string("")));
  g_assert_true(md_test_node_wait_for_log(node, "left the bus: its endpoint is unreachable"));

  again = app_new(node);
  app_add_plug(again, "plug1", "plug-0002");
  app_add_plug(again, "plug0", "plug-0001");
  app_register_ok(again);
  g_assert_true(wait_endpoint(node, 2, "Reachable", g_variant_new_boolean(TRUE)));
  properties = node_endpoint(node, 2);
  assert_endpoint_string(properties, "UniqueId", "plug-0001");
  assert_endpoint_string(properties, "Application", app_name(again));
  g_clear_pointer(&properties, g_variant_unref);
  properties = node_endpoint(node, 3);
  g_assert_nonnull(properties);
  assert_endpoint_string(properties, "UniqueId", "plug-0002");
  g_assert_cmpuint(count_node_endpoints(node), ==, 2);
}

/* matterd restarting keeps the endpoints, unreachable until their
 * application registers again, with the same numbers. */
static void
test_restart(MdTestNode *node, gconstpointer data)
{
  g_autoptr(App) app = app_new(node);
  g_autoptr(GVariant) properties = NULL;

  app_add_plug(app, "plug0", "plug-0001");
  app_add_plug(app, "plug1", "plug-0002");
  app_register_ok(app);
  properties = node_endpoint(node, 3);
  assert_endpoint_string(properties, "UniqueId", "plug-0002");
  g_clear_pointer(&properties, g_variant_unref);

  md_test_node_restart(node);
  properties = node_endpoint(node, 2);
  g_assert_nonnull(properties);
  assert_endpoint_string(properties, "UniqueId", "plug-0001");
  g_assert_false(endpoint_boolean(properties, "Reachable"));
  assert_endpoint_string(properties, "Application", "");
  g_clear_pointer(&properties, g_variant_unref);

  /* Registered the other way round: the numbers stay with the devices. */
  g_clear_pointer(&app, app_free);
  app = app_new(node);
  app_add_plug(app, "b", "plug-0001");
  app_add_plug(app, "a", "plug-0002");
  app_register_ok(app);
  properties = node_endpoint(node, 2);
  assert_endpoint_string(properties, "UniqueId", "plug-0001");
  g_assert_true(endpoint_boolean(properties, "Reachable"));
  g_clear_pointer(&properties, g_variant_unref);
  properties = node_endpoint(node, 3);
  assert_endpoint_string(properties, "UniqueId", "plug-0002");
  g_assert_cmpuint(count_node_endpoints(node), ==, 2);
}

/* UnregisterApplication and Forget remove the endpoints; the numbers stay
 * their UniqueIds'. */
static void
test_unregister_and_forget(MdTestNode *node, gconstpointer data)
{
  g_autoptr(App) app = app_new(node);
  g_autoptr(GError) error = NULL;

  app_add_plug(app, "plug0", "plug-0001");
  app_register_ok(app);
  app_call(app, MD_DBUS_PATH, MD_DBUS_INTERFACE_ENDPOINT_MANAGER, "UnregisterApplication",
           g_variant_new("(o)", APP_ROOT), &error);
  g_assert_no_error(error);
  g_assert_null(node_endpoint(node, 2));

  app_add_plug(app, "plug1", "plug-0002");
  app_register_ok(app);
  g_assert_nonnull(node_endpoint(node, 2));
  g_assert_nonnull(node_endpoint(node, 3));

  app_call(app, MD_DBUS_ENDPOINT_PATH_PREFIX "3", MD_DBUS_INTERFACE_NODE_ENDPOINT, "Forget", NULL,
           &error);
  g_assert_no_error(error);
  g_assert_null(node_endpoint(node, 3));
  g_assert_nonnull(node_endpoint(node, 2));
  g_assert_cmpuint(count_node_endpoints(node), ==, 1);
  /* The application's later changes to the forgotten object are not
   * followed. */
  app_interface_set(app_interface(app, APP_ROOT "/plug1/onoff", "org.matterd.cluster.OnOff1"),
                    "OnOff", g_variant_new_boolean(TRUE));

  /* Another endpoint exported later is served; the forgotten one, still
   * exported, is not served again. */
  app_add_plug(app, "plug2", "plug-0003");
  g_assert_true(wait_endpoint(node, 4, "UniqueId", g_variant_new_string("plug-0003")));
  g_assert_null(node_endpoint(node, 3));

  /* Registering again brings all back, each with its number. */
  app_call(app, MD_DBUS_PATH, MD_DBUS_INTERFACE_ENDPOINT_MANAGER, "UnregisterApplication",
           g_variant_new("(o)", APP_ROOT), &error);
  g_assert_no_error(error);
  g_assert_cmpuint(count_node_endpoints(node), ==, 0);
  app_register_ok(app);
  g_assert_cmpuint(count_node_endpoints(node), ==, 3);
  g_assert_nonnull(node_endpoint(node, 3));
}

/* Endpoints the application exports or removes later are followed. */
static void
test_objects_change(MdTestNode *node, gconstpointer data)
{
  g_autoptr(App) app = app_new(node);

  app_add_plug(app, "plug0", "plug-0001");
  app_register_ok(app);
  app_add_plug(app, "plug1", "plug-0002");
  g_assert_true(wait_endpoint(node, 3, "UniqueId", g_variant_new_string("plug-0002")));
  g_assert_true(wait_endpoint(node, 3, "Reachable", g_variant_new_boolean(TRUE)));

  /* A cluster the device type needs goes: the change is refused and the
   * endpoint served as it was; it comes back: served again, same number. */
  g_dbus_object_manager_server_unexport(app->manager, APP_ROOT "/plug1/onoff");
  g_assert_true(wait_for_log_count(node,
                                   "its changed objects are refused: " APP_ROOT
                                   "/plug1: device type OnOffPlugInUnit needs the "
                                   "cluster OnOff",
                                   1));
  g_assert_nonnull(node_endpoint(node, 3));
  {
    g_autoptr(AppInterface) on_off = on_off_new();

    app_export(app, APP_ROOT "/plug1/onoff", on_off);
  }
  g_assert_true(wait_for_log_count(node,
                                   "serves " APP_ROOT "/plug1 (UniqueId plug-0002) as "
                                   "endpoint 3",
                                   2));

  g_dbus_object_manager_server_unexport(app->manager, APP_ROOT "/plug0");
  g_assert_true(wait_endpoint(node, 2, NULL, NULL));
  g_assert_nonnull(node_endpoint(node, 3));
  g_assert_true(md_test_node_wait_for_log(node, "removed " APP_ROOT "/plug0: endpoint 2 is "
                                                "forgotten"));
}

/* A value the application gets wrong is logged once, with its object,
 * and ignored; Endpoint1.Reachable follows the application. */
static void
test_bad_value(MdTestNode *node, gconstpointer data)
{
  g_autoptr(App) app = app_new(node);
  AppInterface *on_off, *endpoint;

  app_add_plug(app, "plug0", "plug-0001");
  app_register_ok(app);
  on_off = app_interface(app, APP_ROOT "/plug0/onoff", "org.matterd.cluster.OnOff1");
  app_interface_set(on_off, "OnOff", g_variant_new_uint32(7));
  app_interface_set(on_off, "OnOff", g_variant_new_uint32(7));
  app_interface_set(on_off, "OnOff", g_variant_new_boolean(TRUE));
  endpoint = app_interface(app, APP_ROOT "/plug0", MD_APP_INTERFACE_ENDPOINT);
  app_interface_set(endpoint, "Reachable", g_variant_new_boolean(FALSE));
  g_assert_true(wait_endpoint(node, 2, "Reachable", g_variant_new_boolean(FALSE)));
  g_assert_true(md_test_node_wait_for_log(node,
                                          APP_ROOT "/plug0/onoff "
                                                   "org.matterd.cluster.OnOff1.OnOff = uint32 7 "
                                                   "refused"));
  g_assert_cmpuint(md_test_node_count_log(node, "OnOff1.OnOff = uint32 7 refused"), ==, 1);
  app_interface_set(endpoint, "Reachable", g_variant_new_boolean(TRUE));
  g_assert_true(wait_endpoint(node, 2, "Reachable", g_variant_new_boolean(TRUE)));
  app_interface_set(endpoint, "Label", g_variant_new_string("Reading lamp"));
  g_assert_true(wait_endpoint(node, 2, "Label", g_variant_new_string("Reading lamp")));
}

static void
emit_signal(App *app, const char *path, const char *interface, const char *member, GVariant *args)
{
  g_autoptr(GError) error = NULL;

  g_dbus_connection_emit_signal(app->connection, NULL, path, interface, member, args, &error);
  g_assert_no_error(error);
}

/* A cluster's signals are its events: one its FeatureMap allows is taken,
 * one it does not allow, one with other arguments and a signal that is no
 * event of the cluster are logged and ignored. */
static void
test_events(MdTestNode *node, gconstpointer data)
{
  g_autoptr(App) app = app_new(node);
  g_autoptr(AppInterface) endpoint = endpoint_new("switch-1", 0x000F);
  g_autoptr(AppInterface) identify = identify_new();
  g_autoptr(AppInterface) button = cluster_interface_new("Switch1");
  const char *path = APP_ROOT "/switch0/switch";
  const char *interface = "org.matterd.cluster.Switch1";

  app_interface_set(endpoint, "DeviceTypes", g_variant_new_parsed("[(uint16 0x000F, uint16 3)]"));
  app_interface_set(button, "FeatureMap", g_variant_new_uint32(1 << 1)); /* MomentarySwitch */
  app_interface_set(button, "NumberOfPositions", g_variant_new_byte(2));
  app_interface_set(button, "CurrentPosition", g_variant_new_byte(0));
  app_export(app, APP_ROOT "/switch0/identify", identify);
  app_export(app, path, button);
  app_export(app, APP_ROOT "/switch0", endpoint);
  app_register_ok(app);

  emit_signal(app, path, interface, "InitialPress", g_variant_new("(y)", 1));
  g_assert_true(wait_for_log_count(node, "event Switch.InitialPress of endpoint 2", 1));
  emit_signal(app, path, interface, "SwitchLatched", g_variant_new("(y)", 1));
  emit_signal(app, path, interface, "InitialPress", g_variant_new("(s)", "one"));
  emit_signal(app, path, interface, "Explode", NULL);
  emit_signal(app, path, interface, "Explode", NULL);
  emit_signal(app, path, interface, "InitialPress", g_variant_new("(y)", 0));
  g_assert_true(wait_for_log_count(node, "event Switch.InitialPress of endpoint 2", 2));
  g_assert_cmpuint(md_test_node_count_log(node, "Switch1.SwitchLatched(byte 0x01,) refused"), ==,
                   1);
  g_assert_cmpuint(md_test_node_count_log(node, "not allowed with FeatureMap 0x2"), ==, 1);
  g_assert_cmpuint(md_test_node_count_log(node, "Switch1.InitialPress('one',) refused"), ==, 1);
  g_assert_cmpuint(md_test_node_count_log(node, "Switch1.Explode is not an event of the cluster"),
                   ==, 1);
}

/* An ObjectManager that never answers. */
static const char silent_manager_xml[] =
    "<node><interface name='org.freedesktop.DBus.ObjectManager'>"
    "<method name='GetManagedObjects'>"
    "<arg name='objects' type='a{oa{sa{sv}}}' direction='out'/></method>"
    "</interface></node>";

static void
silent_method_call(GDBusConnection *connection, const char *sender, const char *path,
                   const char *interface, const char *method, GVariant *parameters,
                   GDBusMethodInvocation *invocation, gpointer user_data)
{
  g_ptr_array_add(user_data, g_object_ref(invocation));
}

/* matterd stops while it reads an application that does not answer: the
 * registration is answered, and matterd exits cleanly. */
static void
test_shutdown_while_reading(MdTestNode *node, gconstpointer data)
{
  static const GDBusInterfaceVTable vtable = { .method_call = silent_method_call };
  g_autoptr(App) app = app_new(node);
  g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml(silent_manager_xml, NULL);
  g_autoptr(GPtrArray) held = g_ptr_array_new_with_free_func(g_object_unref);
  g_autoptr(GError) error = NULL;
  CallResult call = { 0 };
  guint id;

  g_clear_object(&app->manager);
  id = g_dbus_connection_register_object(app->connection, APP_ROOT, info->interfaces[0], &vtable,
                                         held, NULL, &error);
  g_assert_no_error(error);
  g_dbus_connection_call(app->connection, MD_DBUS_NAME, MD_DBUS_PATH,
                         MD_DBUS_INTERFACE_ENDPOINT_MANAGER, "RegisterApplication",
                         g_variant_new("(oa{sv})", APP_ROOT, NULL), NULL, G_DBUS_CALL_FLAGS_NONE,
                         20000, NULL, on_call_done, &call);
  while (held->len == 0)
    g_main_context_iteration(NULL, TRUE);
  g_subprocess_send_signal(node->daemon->process, SIGTERM);
  while (!call.done)
    g_main_context_iteration(NULL, TRUE);
  g_assert_null(call.reply);
  g_assert_nonnull(call.error);
  g_test_message("answered: %s", call.error->message);
  g_clear_error(&call.error);
  g_dbus_connection_unregister_object(app->connection, id);
  /* It exits 0 (the restart asserts it; a second SIGTERM during its exit
   * would end it by the signal), and starts again. */
  g_assert_true(md_test_wait_process(node->daemon->process, MD_TEST_TIMEOUT_MS));
  md_test_node_restart(node);
  g_assert_cmpuint(count_node_endpoints(node), ==, 0);
}

/* An application that does not answer GetManagedObjects is refused with
 * Failed once the read times out, and nothing is served. */
static void
test_read_timeout(MdTestNode *node, gconstpointer data)
{
  static const GDBusInterfaceVTable vtable = { .method_call = silent_method_call };
  g_autoptr(App) app = app_new(node);
  g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml(silent_manager_xml, NULL);
  g_autoptr(GPtrArray) held = g_ptr_array_new_with_free_func(g_object_unref);
  g_autoptr(GError) error = NULL;
  guint id;

  g_clear_object(&app->manager);
  id = g_dbus_connection_register_object(app->connection, APP_ROOT, info->interfaces[0], &vtable,
                                         held, NULL, &error);
  g_assert_no_error(error);
  app_register(app, NULL, &error);
  assert_refused(error, MD_DBUS_ERROR_PREFIX "Failed", APP_ROOT ": GetManagedObjects failed");
  g_assert_cmpuint(held->len, ==, 1);
  g_assert_cmpuint(count_node_endpoints(node), ==, 0);
  g_dbus_connection_unregister_object(app->connection, id);
}

/* matterctl endpoints lists them, as a table and as JSON; endpoint forget
 * removes one. */
static void
test_matterctl(MdTestNode *node, gconstpointer data)
{
  g_autoptr(App) app = app_new(node);
  g_autoptr(JsonParser) parser = json_parser_new();
  JsonObject *object;
  JsonArray *endpoints, *types;
  JsonObject *first, *type;
  const char *text;

  g_setenv("DBUS_SESSION_BUS_ADDRESS", node->bus->address, TRUE);
  {
    g_auto(MdTestCtlResult) none = md_test_ctl_run("--session", "endpoints");

    g_assert_cmpint(none.status, ==, 0);
    g_assert_cmpstr(md_test_ctl_text(&none), ==, "No application serves an endpoint.\n");
  }
  app_add_plug(app, "plug0", "plug-0001");
  app_add_plug(app, "plug1", "plug-0002");
  app_register_ok(app);
  {
    g_auto(MdTestCtlResult) table = md_test_ctl_run("--session", "endpoints");
    g_auto(GStrv) lines = NULL;

    g_assert_cmpint(table.status, ==, 0);
    text = md_test_ctl_text(&table);
    g_test_message("%s", text);
    lines = g_strsplit(text, "\n", 0);
    g_assert_cmpuint(g_strv_length(lines), ==, 4);
    g_assert_nonnull(strstr(lines[0], "NUMBER"));
    g_assert_nonnull(strstr(lines[0], "UNIQUE ID"));
    g_assert_nonnull(strstr(lines[0], "DEVICE TYPES"));
    g_assert_nonnull(strstr(lines[0], "APPLICATION"));
    g_assert_nonnull(strstr(lines[0], "REACHABLE"));
    g_assert_true(g_str_has_prefix(lines[1], "2 "));
    g_assert_nonnull(strstr(lines[1], "plug-0001"));
    g_assert_nonnull(strstr(lines[1], "0x010A/4"));
    g_assert_nonnull(strstr(lines[1], app_name(app)));
    g_assert_nonnull(strstr(lines[1], "yes"));
    g_assert_true(g_str_has_prefix(lines[2], "3 "));
  }
  {
    g_auto(MdTestCtlResult) json = md_test_ctl_run("--session", "endpoints", "--json");

    object = md_test_ctl_parse_object(parser, &json, 0);
    endpoints = json_object_get_array_member(object, "endpoints");
    g_assert_cmpuint(json_array_get_length(endpoints), ==, 2);
    first = json_array_get_object_element(endpoints, 0);
    g_assert_cmpint(json_object_get_int_member(first, "number"), ==, 2);
    g_assert_cmpstr(json_object_get_string_member(first, "unique_id"), ==, "plug-0001");
    g_assert_cmpstr(json_object_get_string_member(first, "application"), ==, app_name(app));
    g_assert_true(json_object_get_boolean_member(first, "reachable"));
    g_assert_true(json_object_get_boolean_member(first, "bridged"));
    g_assert_cmpstr(json_object_get_string_member(first, "label"), ==, "Desk lamp");
    types = json_object_get_array_member(first, "device_types");
    g_assert_cmpuint(json_array_get_length(types), ==, 1);
    type = json_array_get_object_element(types, 0);
    g_assert_cmpint(json_object_get_int_member(type, "device_type"), ==,
                    DEVICE_TYPE_ON_OFF_PLUG_IN_UNIT);
    g_assert_cmpint(json_object_get_int_member(type, "revision"), ==, 4);
  }
  {
    g_auto(MdTestCtlResult) forget = md_test_ctl_run("--session", "endpoint", "forget", "3");
    g_auto(MdTestCtlResult) again = md_test_ctl_run("--session", "endpoint", "forget", "3");
    g_auto(MdTestCtlResult) bad = md_test_ctl_run("--session", "endpoint", "forget", "x");

    g_assert_cmpint(forget.status, ==, 0);
    g_assert_null(node_endpoint(node, 3));
    g_assert_nonnull(node_endpoint(node, 2));
    md_test_ctl_assert_error(&again, 1, "no application endpoint 3");
    g_assert_cmpint(bad.status, ==, 2);
  }
  g_unsetenv("DBUS_SESSION_BUS_ADDRESS");
}

/* ---- Over Matter ---- */

#define CLUSTER_ON_OFF 0x0006
#define ATTR_ON_OFF 0x0000
#define ATTR_ON_TIME 0x4001
#define CLUSTER_DESCRIPTOR 0x001D
#define ATTR_PARTS_LIST 0x0003
#define CLUSTER_BRIDGED_BASIC 0x0039
#define ATTR_NODE_LABEL 0x0005
#define CMD_OFF 0x00
#define CMD_ON 0x01
#define CMD_TOGGLE 0x02

/* The applications answer matterd while the commissioner waits. */
static void
run_main_context(MdTestCommissioner *commissioner, guint64 now_ms, gpointer user_data)
{
  while (g_main_context_iteration(NULL, FALSE))
    ;
}

static MdTestInvokeAnswer
invoke_on_off(MdTestNode *node, MatterSession *session, guint32 command)
{
  MdTestInvokeAnswer answer = { 0 };

  md_test_commissioner_invoke(node->commissioner, session, 2, CLUSTER_ON_OFF, command, NULL, 0,
                              FALSE, &answer);
  return answer;
}

static gboolean
read_on_off(MdTestNode *node, MatterSession *session)
{
  MatterImAttributePath path = md_test_attribute_path(2, CLUSTER_ON_OFF, ATTR_ON_OFF);
  g_autoptr(GArray) answers =
      md_test_commissioner_read(node->commissioner, session, &path, 1, TRUE);
  MatterTlvReader reader;
  bool value = false;

  g_assert_cmpuint(answers->len, ==, 1);
  md_test_attribute_answer_reader(&g_array_index(answers, MdTestAttributeAnswer, 0), &reader);
  g_assert_cmpint(matter_tlv_get_bool(&reader, &value), ==, MATTER_OK);
  return value;
}

/* A controller's invoke reaches the application's method, its answer
 * comes back as the command's status, and the value it announces is what
 * a read then gets; an org.matterd.Status error becomes that status, any
 * other error FAILURE. */
static void
test_invoke(MdTestNode *node, gconstpointer data)
{
  g_autoptr(App) app = app_new(node);
  g_auto(MdTestInvokeAnswer) on = { 0 };
  g_auto(MdTestInvokeAnswer) refused = { 0 };
  g_auto(MdTestInvokeAnswer) failed = { 0 };
  AppInterface *on_off;
  MatterSession *session;

  app_add_plug(app, "plug0", "plug-0001");
  app_register_ok(app);
  on_off = app_interface(app, APP_ROOT "/plug0/onoff", "org.matterd.cluster.OnOff1");
  node->commissioner->tick = run_main_context;
  session = md_test_pase(node);
  md_test_arm_fail_safe(node, session, 60);

  g_assert_false(read_on_off(node, session));
  on = invoke_on_off(node, session, CMD_ON);
  g_assert_true(on.is_status);
  g_assert_cmpuint(on.status.status, ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(on_off->calls->len, ==, 1);
  g_assert_cmpstr(on_off->calls->pdata[0], ==, "On()");
  g_assert_true(wait_endpoint(node, 2, "Reachable", g_variant_new_boolean(TRUE)));
  g_assert_true(read_on_off(node, session));

  on_off->fail_with = MD_APP_STATUS_ERROR_PREFIX "InvalidInState";
  refused = invoke_on_off(node, session, CMD_TOGGLE);
  g_assert_true(refused.is_status);
  g_assert_cmpuint(refused.status.status, ==, MATTER_IM_STATUS_INVALID_IN_STATE);
  on_off->fail_with = "com.example.Error.Broken";
  failed = invoke_on_off(node, session, CMD_OFF);
  g_assert_true(failed.is_status);
  g_assert_cmpuint(failed.status.status, ==, MATTER_IM_STATUS_FAILURE);
  g_assert_cmpuint(on_off->calls->len, ==, 3);
  g_assert_true(read_on_off(node, session));
}

static guint8
write_on_time(MdTestNode *node, MatterSession *session, guint16 value)
{
  const MatterImAttributePath path = md_test_attribute_path(2, CLUSTER_ON_OFF, ATTR_ON_TIME);
  guint8 buf[16];
  MatterTlvWriter w;
  gsize len;

  matter_tlv_writer_init(&w, buf, sizeof(buf));
  matter_tlv_put_uint(&w, matter_tlv_tag_context(2), value);
  g_assert_cmpint(matter_tlv_writer_finish(&w, &len), ==, MATTER_OK);
  return md_test_commissioner_write(node->commissioner, session, &path, buf, len, FALSE);
}

/* A controller's write is the application's Properties.Set; its error
 * becomes the write's status. */
static void
test_write(MdTestNode *node, gconstpointer data)
{
  g_autoptr(App) app = app_new(node);
  AppInterface *on_off;
  MatterSession *session;
  GVariant *on_time;

  app_add_plug(app, "plug0", "plug-0001");
  app_register_ok(app);
  on_off = app_interface(app, APP_ROOT "/plug0/onoff", "org.matterd.cluster.OnOff1");
  node->commissioner->tick = run_main_context;
  session = md_test_pase(node);
  md_test_arm_fail_safe(node, session, 60);

  g_assert_cmpuint(write_on_time(node, session, 300), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(on_off->calls->len, ==, 1);
  g_assert_cmpstr(on_off->calls->pdata[0], ==, "Set OnTime");
  on_time = g_hash_table_lookup(on_off->properties, "OnTime");
  g_assert_cmpuint(g_variant_get_uint16(on_time), ==, 300);

  on_off->fail_with = MD_APP_STATUS_ERROR_PREFIX "ConstraintError";
  g_assert_cmpuint(write_on_time(node, session, 400), ==, MATTER_IM_STATUS_CONSTRAINT_ERROR);
  g_assert_cmpuint(on_off->calls->len, ==, 2);
  on_time = g_hash_table_lookup(on_off->properties, "OnTime");
  g_assert_cmpuint(g_variant_get_uint16(on_time), ==, 300);

  /* Bridged Device Basic Information's NodeLabel is Endpoint1.Label. */
  {
    const MatterImAttributePath path =
        md_test_attribute_path(2, CLUSTER_BRIDGED_BASIC, ATTR_NODE_LABEL);
    guint8 buf[32];
    MatterTlvWriter w;
    gsize len;

    matter_tlv_writer_init(&w, buf, sizeof(buf));
    matter_tlv_put_utf8(&w, matter_tlv_tag_context(2), "Hall", 4);
    g_assert_cmpint(matter_tlv_writer_finish(&w, &len), ==, MATTER_OK);
    g_assert_cmpuint(
        md_test_commissioner_write(node->commissioner, session, &path, buf, len, FALSE), ==,
        MATTER_IM_STATUS_SUCCESS);
    g_assert_true(wait_endpoint(node, 2, "Label", g_variant_new_string("Hall")));
  }
}

/* With the Context option, a command's method gets the context
 * dictionary last. */
static void
test_invoke_context(MdTestNode *node, gconstpointer data)
{
  static const char on_off_xml[] =
      "<node><interface name='org.matterd.cluster.OnOff1'>"
      "<method name='Off'><arg name='context' type='a{sv}' direction='in'/></method>"
      "<method name='On'><arg name='context' type='a{sv}' direction='in'/></method>"
      "<method name='Toggle'><arg name='context' type='a{sv}' direction='in'/></method>"
      "<method name='OffWithEffect'><arg type='y' direction='in'/><arg type='y' direction='in'/>"
      "<arg name='context' type='a{sv}' direction='in'/></method>"
      "<method name='OnWithRecallGlobalScene'>"
      "<arg name='context' type='a{sv}' direction='in'/></method>"
      "<method name='OnWithTimedOff'><arg type='y' direction='in'/><arg type='q' direction='in'/>"
      "<arg type='q' direction='in'/><arg name='context' type='a{sv}' direction='in'/></method>"
      "</interface></node>";
  g_autoptr(App) app = app_new(node);
  g_autoptr(AppInterface) endpoint = endpoint_new("plug-0001", DEVICE_TYPE_ON_OFF_PLUG_IN_UNIT);
  g_autoptr(AppInterface) identify = identify_new();
  g_autoptr(AppInterface) on_off = app_interface_new(on_off_xml, "org.matterd.cluster.OnOff1");
  g_autoptr(GError) error = NULL;
  g_auto(MdTestInvokeAnswer) answer = { 0 };
  g_autoptr(GVariant) call = NULL;
  g_autoptr(GVariant) context = NULL;
  MatterSession *session;
  guint8 fabric_index;
  gboolean timed;

  app_interface_set(on_off, "FeatureMap", g_variant_new_uint32(1));
  app_interface_set(on_off, "OnOff", g_variant_new_boolean(FALSE));
  app_interface_set(on_off, "GlobalSceneControl", g_variant_new_boolean(TRUE));
  app_interface_set(on_off, "OnTime", g_variant_new_uint16(0));
  app_interface_set(on_off, "OffWaitTime", g_variant_new_uint16(0));
  app_interface_set(on_off, "StartUpOnOff", g_variant_new_byte(0xFF)); /* null */
  app_export(app, APP_ROOT "/plug0/identify", identify);
  app_export(app, APP_ROOT "/plug0/onoff", on_off);
  app_export(app, APP_ROOT "/plug0", endpoint);
  app_register(app, g_variant_new_parsed("{'Context': <true>}"), &error);
  g_assert_no_error(error);
  node->commissioner->tick = run_main_context;
  session = md_test_pase(node);
  md_test_arm_fail_safe(node, session, 60);

  answer = invoke_on_off(node, session, CMD_ON);
  g_assert_true(answer.is_status);
  g_assert_cmpuint(answer.status.status, ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(on_off->calls->len, ==, 1);
  g_test_message("%s", (const char *) on_off->calls->pdata[0]);
  g_assert_true(g_str_has_prefix(on_off->calls->pdata[0], "On("));
  call = g_variant_parse(G_VARIANT_TYPE("(a{sv})"), (const char *) on_off->calls->pdata[0] + 2,
                         NULL, NULL, &error);
  g_assert_no_error(error);
  context = g_variant_get_child_value(call, 0);
  g_assert_true(g_variant_lookup(context, "FabricIndex", "y", &fabric_index));
  g_assert_cmpuint(fabric_index, ==, 0); /* PASE, before AddNOC */
  g_assert_true(g_variant_lookup(context, "Timed", "b", &timed));
  g_assert_false(timed);
  g_assert_true(g_variant_lookup(context, "SubjectNodeId", "t", NULL));
}

/* Descriptor PartsList of @endpoint, as a controller reads it. */
static GArray *
read_parts_list(MdTestNode *node, MatterSession *session, guint16 endpoint)
{
  MatterImAttributePath path =
      md_test_attribute_path(endpoint, CLUSTER_DESCRIPTOR, ATTR_PARTS_LIST);
  g_autoptr(GArray) answers =
      md_test_commissioner_read(node->commissioner, session, &path, 1, TRUE);
  GArray *parts = g_array_new(FALSE, FALSE, sizeof(guint16));
  MatterTlvReader reader;

  g_assert_cmpuint(answers->len, ==, 1);
  md_test_attribute_answer_reader(&g_array_index(answers, MdTestAttributeAnswer, 0), &reader);
  g_assert_cmpint(matter_tlv_enter(&reader), ==, MATTER_OK);
  while (matter_tlv_next(&reader) == MATTER_OK) {
    guint16 part;

    g_assert_cmpint(matter_tlv_get_u16(&reader, &part), ==, MATTER_OK);
    g_array_append_val(parts, part);
  }
  return parts;
}

static gboolean
parts_contain(GArray *parts, guint16 endpoint)
{
  for (guint i = 0; i < parts->len; i++)
    if (g_array_index(parts, guint16, i) == endpoint)
      return TRUE;
  return FALSE;
}

/* Controllers see the endpoints where the options put them: a bridged one
 * in the Aggregator's PartsList (and the root's), one registered with
 * Bridged false in the root's alone; a forgotten one in neither. */
static void
test_parts_list(MdTestNode *node, gconstpointer data)
{
  g_autoptr(App) bridge = app_new(node);
  g_autoptr(App) device = app_new(node);
  g_autoptr(GArray) root = NULL;
  g_autoptr(GArray) aggregator = NULL;
  g_autoptr(GError) error = NULL;
  MatterSession *session;

  app_add_plug(bridge, "plug0", "plug-0001");
  app_register_ok(bridge);
  app_add_plug(device, "plug0", "plug-0002");
  app_register(device, g_variant_new_parsed("{'Bridged': <false>}"), &error);
  g_assert_no_error(error);
  node->commissioner->tick = run_main_context;
  session = md_test_pase(node);
  md_test_arm_fail_safe(node, session, 60);

  root = read_parts_list(node, session, 0);
  aggregator = read_parts_list(node, session, 1);
  g_assert_true(parts_contain(root, 1));
  g_assert_true(parts_contain(root, 2));
  g_assert_true(parts_contain(root, 3));
  g_assert_true(parts_contain(aggregator, 2));
  g_assert_false(parts_contain(aggregator, 3));

  app_call(bridge, MD_DBUS_ENDPOINT_PATH_PREFIX "2", MD_DBUS_INTERFACE_NODE_ENDPOINT, "Forget",
           NULL, &error);
  g_assert_no_error(error);
  g_clear_pointer(&root, g_array_unref);
  g_clear_pointer(&aggregator, g_array_unref);
  root = read_parts_list(node, session, 0);
  aggregator = read_parts_list(node, session, 1);
  g_assert_false(parts_contain(root, 2));
  g_assert_false(parts_contain(aggregator, 2));
  g_assert_true(parts_contain(root, 3));
}

/* An application that never answers gets the controller TIMEOUT, before
 * the engine gives up on its own, and the exchange is not stuck: the
 * next read is answered. */
static void
test_invoke_timeout(MdTestNode *node, gconstpointer data)
{
  g_autoptr(App) app = app_new(node);
  g_auto(MdTestInvokeAnswer) answer = { 0 };
  AppInterface *on_off;
  MatterSession *session;
  gint64 start;

  app_add_plug(app, "plug0", "plug-0001");
  app_register_ok(app);
  on_off = app_interface(app, APP_ROOT "/plug0/onoff", "org.matterd.cluster.OnOff1");
  on_off->silent = TRUE;
  node->commissioner->tick = run_main_context;
  session = md_test_pase(node);
  md_test_arm_fail_safe(node, session, 60);
  start = g_get_monotonic_time();
  answer = invoke_on_off(node, session, CMD_ON);
  g_assert_true(answer.is_status);
  g_assert_cmpuint(answer.status.status, ==, MATTER_IM_STATUS_TIMEOUT);
  g_assert_cmpint(g_get_monotonic_time() - start, <, 10 * G_USEC_PER_SEC);
  g_assert_cmpuint(on_off->unanswered->len, ==, 1);
  g_assert_false(read_on_off(node, session));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

#define NODE_TEST(path, func, data) \
  g_test_add("/endpoint-manager/" path, MdTestNode, data, node_setup, func, node_teardown)

  NODE_TEST("register", test_register, NULL);
  NODE_TEST("options", test_options, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS(malformed_cases); i++) {
    g_autofree char *path =
        g_strdup_printf("/endpoint-manager/malformed/%s", malformed_cases[i].name);

    g_test_add(path, MdTestNode, &malformed_cases[i], node_setup, test_malformed, node_teardown);
  }
  NODE_TEST("register-twice", test_register_twice, NULL);
  NODE_TEST("leave-and-return", test_leave_and_return, NULL);
  NODE_TEST("restart", test_restart, NULL);
  NODE_TEST("unregister-and-forget", test_unregister_and_forget, NULL);
  NODE_TEST("objects-change", test_objects_change, NULL);
  NODE_TEST("bad-value", test_bad_value, NULL);
  NODE_TEST("invoke", test_invoke, NULL);
  NODE_TEST("invoke-timeout", test_invoke_timeout, NULL);
  NODE_TEST("invoke-context", test_invoke_context, NULL);
  NODE_TEST("parts-list", test_parts_list, NULL);
  NODE_TEST("write", test_write, NULL);
  NODE_TEST("matterctl", test_matterctl, NULL);
  NODE_TEST("events", test_events, NULL);
  NODE_TEST("shutdown-while-reading", test_shutdown_while_reading, NULL);
  NODE_TEST("read-timeout", test_read_timeout, NULL);
  return g_test_run();
}
