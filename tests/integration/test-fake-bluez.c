/* SPDX-License-Identifier: Apache-2.0 */
/* The fake BlueZ (tests/fake-bluez) against BlueZ 5.66's documented
 * behaviour: a GATT application and an advertisement written here,
 * answering bluetoothd's calls by hand so that malformed ones can be
 * served too, register or are refused with bluetoothd's errors; the
 * advertising data comes out byte by byte; the scripted central reaches
 * the application on both I/O paths; power cycles, restarts and the
 * adapter going away behave as bluetoothd's do. */

#include <glib/gstdio.h>
#include <gio/gunixfdlist.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "md-test-bluez.h"

#define GATT_MANAGER "org.bluez.GattManager1"
#define ADV_MANAGER "org.bluez.LEAdvertisingManager1"
#define SERVICE_IFACE "org.bluez.GattService1"
#define CHRC_IFACE "org.bluez.GattCharacteristic1"
#define DESC_IFACE "org.bluez.GattDescriptor1"
#define ADV_IFACE "org.bluez.LEAdvertisement1"
#define CENTRAL "11:22:33:44:55:66"
#define CENTRAL_PATH "/org/bluez/hci0/dev_11_22_33_44_55_66"
#define WAIT_MS 10000

/* Matter service data: opcode 0, discriminator 0xF00 with version 0,
 * vendor 0xFFF1, product 0x8000, no additional data (5.4.2.5.6). */
static const guint8 matter_service_data[8] = { 0x00, 0x00, 0x0f, 0xf1, 0xff, 0x00, 0x80, 0x00 };

/* ---- An application on a connection of its own ------------------------- */

typedef struct {
  char *path;
  char *interface;
  GHashTable *properties; /* name -> GVariant */
  gboolean managed;       /* listed by the ObjectManager */
} TestObject;

typedef struct {
  char *path;
  char *interface;
  char *method;
  GVariant *parameters;
} TestCall;

typedef struct {
  GDBusConnection *connection;
  char *root; /* the ObjectManager, NULL for none */
  GPtrArray *objects;
  GPtrArray *calls;
  gboolean hold_managed_objects;
  GDBusMessage *held; /* a GetManagedObjects not answered yet */
  char *write_error;  /* "name message" WriteValue answers with */
  char *acquire_write_error;
  guint16 acquire_mtu; /* what the Acquire calls answer, 0: the option's */
  int write_peer;      /* the test's ends of the acquired sockets */
  int notify_peer;
} TestApp;

static void
object_free(TestObject *object)
{
  g_hash_table_unref(object->properties);
  g_free(object->path);
  g_free(object->interface);
  g_free(object);
}

static void
call_free(TestCall *call)
{
  g_free(call->path);
  g_free(call->interface);
  g_free(call->method);
  g_variant_unref(call->parameters);
  g_free(call);
}

static TestObject *
find_object(TestApp *app, const char *path, const char *interface)
{
  for (guint i = 0; i < app->objects->len; i++) {
    TestObject *object = app->objects->pdata[i];

    if (g_str_equal(object->path, path) &&
        (interface == NULL || g_str_equal(object->interface, interface)))
      return object;
  }
  return NULL;
}

static GVariant *
object_dict(TestObject *object)
{
  GVariantBuilder builder;
  GHashTableIter iter;
  gpointer key, value;

  g_variant_builder_init(&builder, G_VARIANT_TYPE("a{sv}"));
  g_hash_table_iter_init(&iter, object->properties);
  while (g_hash_table_iter_next(&iter, &key, &value))
    g_variant_builder_add(&builder, "{sv}", (const char *) key, (GVariant *) value);
  return g_variant_builder_end(&builder);
}

static GVariant *
managed_objects(TestApp *app)
{
  GVariantBuilder objects;
  g_autoptr(GHashTable) paths = g_hash_table_new(g_str_hash, g_str_equal);

  g_variant_builder_init(&objects, G_VARIANT_TYPE("a{oa{sa{sv}}}"));
  for (guint i = 0; i < app->objects->len; i++) {
    TestObject *object = app->objects->pdata[i];
    GVariantBuilder interfaces;

    if (!object->managed || g_hash_table_contains(paths, object->path))
      continue;
    g_hash_table_add(paths, object->path);
    g_variant_builder_init(&interfaces, G_VARIANT_TYPE("a{sa{sv}}"));
    for (guint j = i; j < app->objects->len; j++) {
      TestObject *other = app->objects->pdata[j];

      if (other->managed && g_str_equal(other->path, object->path))
        g_variant_builder_add(&interfaces, "{s@a{sv}}", other->interface, object_dict(other));
    }
    g_variant_builder_add(&objects, "{oa{sa{sv}}}", object->path, &interfaces);
  }
  return g_variant_new("(a{oa{sa{sv}}})", &objects);
}

static void
reply(TestApp *app, GDBusMessage *message, GVariant *body, GUnixFDList *fds)
{
  g_autoptr(GDBusMessage) answer = g_dbus_message_new_method_reply(message);

  if (body != NULL)
    g_dbus_message_set_body(answer, body);
  if (fds != NULL)
    g_dbus_message_set_unix_fd_list(answer, fds);
  g_dbus_connection_send_message(app->connection, answer, G_DBUS_SEND_MESSAGE_FLAGS_NONE, NULL,
                                 NULL);
}

static void
reply_error(TestApp *app, GDBusMessage *message, const char *spec)
{
  g_auto(GStrv) parts = g_strsplit(spec, " ", 2);
  g_autoptr(GDBusMessage) answer =
      g_dbus_message_new_method_error_literal(message, parts[0], parts[1] != NULL ? parts[1] : "");

  g_dbus_connection_send_message(app->connection, answer, G_DBUS_SEND_MESSAGE_FLAGS_NONE, NULL,
                                 NULL);
}

/* A socket pair for an Acquire call: one end for bluetoothd, one kept. */
static void
reply_socket(TestApp *app, GDBusMessage *message, int *peer)
{
  g_autoptr(GUnixFDList) fds = g_unix_fd_list_new();
  GVariant *parameters = g_dbus_message_get_body(message);
  g_autoptr(GVariant) options = g_variant_get_child_value(parameters, 0);
  guint16 mtu = 0;
  int pair[2];

  g_assert_cmpint(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair), ==, 0);
  g_variant_lookup(options, "mtu", "q", &mtu);
  if (app->acquire_mtu != 0)
    mtu = app->acquire_mtu;
  g_unix_fd_list_append(fds, pair[1], NULL);
  close(pair[1]);
  if (*peer >= 0)
    close(*peer);
  *peer = pair[0];
  reply(app, message, g_variant_new("(hq)", 0, mtu), fds);
}

static void
handle(TestApp *app, GDBusMessage *message)
{
  const char *path = g_dbus_message_get_path(message);
  const char *interface = g_dbus_message_get_interface(message);
  const char *method = g_dbus_message_get_member(message);
  GVariant *parameters = g_dbus_message_get_body(message);
  TestCall *call = g_new0(TestCall, 1);
  TestObject *object;

  call->path = g_strdup(path);
  call->interface = g_strdup(interface);
  call->method = g_strdup(method);
  call->parameters = parameters != NULL ? g_variant_ref(parameters) : g_variant_new("()");
  g_variant_ref_sink(call->parameters);
  g_ptr_array_add(app->calls, call);

  if (g_str_equal(method, "GetManagedObjects") && g_strcmp0(path, app->root) == 0) {
    if (app->hold_managed_objects)
      app->held = g_object_ref(message);
    else
      reply(app, message, managed_objects(app), NULL);
  } else if (g_str_equal(method, "GetAll")) {
    const char *name;

    g_variant_get(parameters, "(&s)", &name);
    object = find_object(app, path, name);
    if (object == NULL)
      reply_error(app, message, "org.freedesktop.DBus.Error.InvalidArgs No such interface");
    else
      reply(app, message, g_variant_new("(@a{sv})", object_dict(object)), NULL);
  } else if (g_str_equal(method, "Set")) {
    const char *name, *property;
    GVariant *value;

    g_variant_get(parameters, "(&s&sv)", &name, &property, &value);
    object = find_object(app, path, name);
    if (object != NULL)
      g_hash_table_replace(object->properties, g_strdup(property), value);
    else
      g_variant_unref(value);
    reply(app, message, NULL, NULL);
  } else if (g_str_equal(method, "WriteValue") && app->write_error != NULL) {
    reply_error(app, message, app->write_error);
  } else if (g_str_equal(method, "AcquireWrite") && app->acquire_write_error != NULL) {
    reply_error(app, message, app->acquire_write_error);
  } else if (g_str_equal(method, "AcquireWrite")) {
    reply_socket(app, message, &app->write_peer);
  } else if (g_str_equal(method, "AcquireNotify")) {
    reply_socket(app, message, &app->notify_peer);
  } else if (g_str_equal(method, "ReadValue")) {
    GVariant *value = (object = find_object(app, path, CHRC_IFACE)) != NULL
                          ? g_hash_table_lookup(object->properties, "Value")
                          : NULL;
    g_autoptr(GVariant) options = g_variant_get_child_value(parameters, 0);
    guint16 offset = 0;
    gsize len = value != NULL ? g_variant_get_size(value) : 0;

    g_variant_lookup(options, "offset", "q", &offset);
    reply(app, message,
          g_variant_new("(@ay)", g_variant_new_fixed_array(
                                     G_VARIANT_TYPE_BYTE,
                                     value != NULL ? (const guint8 *) g_variant_get_data(value) +
                                                         MIN(offset, len)
                                                   : NULL,
                                     len - MIN(offset, len), 1)),
          NULL);
  } else if (g_str_equal(method, "WriteValue") || g_str_equal(method, "StartNotify") ||
             g_str_equal(method, "StopNotify") || g_str_equal(method, "Confirm") ||
             g_str_equal(method, "Release")) {
    reply(app, message, NULL, NULL);
  } else {
    reply_error(app, message, "org.freedesktop.DBus.Error.UnknownMethod Unknown method");
  }
}

typedef struct {
  TestApp *app;
  GDBusMessage *message;
} Incoming;

static gboolean
on_incoming(gpointer user_data)
{
  Incoming *incoming = user_data;

  handle(incoming->app, incoming->message);
  g_object_unref(incoming->message);
  g_free(incoming);
  return G_SOURCE_REMOVE;
}

/* Method calls go to the main context, in order. */
static GDBusMessage *
filter(GDBusConnection *connection, GDBusMessage *message, gboolean incoming, gpointer user_data)
{
  Incoming *call;

  if (!incoming || g_dbus_message_get_message_type(message) != G_DBUS_MESSAGE_TYPE_METHOD_CALL)
    return message;
  call = g_new0(Incoming, 1);
  call->app = user_data;
  call->message = message;
  g_idle_add(on_incoming, call);
  return NULL;
}

static TestApp *
test_app_new(MdTestBus *bus, const char *root)
{
  TestApp *app = g_new0(TestApp, 1);

  app->connection = md_test_bus_connect(bus);
  app->root = g_strdup(root);
  app->objects = g_ptr_array_new_with_free_func((GDestroyNotify) object_free);
  app->calls = g_ptr_array_new_with_free_func((GDestroyNotify) call_free);
  app->write_peer = app->notify_peer = -1;
  g_dbus_connection_add_filter(app->connection, filter, app, NULL);
  return app;
}

static void
test_app_free(TestApp *app)
{
  if (app == NULL)
    return;
  if (app->connection != NULL) {
    g_dbus_connection_close_sync(app->connection, NULL, NULL);
    g_clear_object(&app->connection);
  }
  /* Calls still queued for the main context go with the app. */
  md_test_bluez_spin(50);
  g_clear_object(&app->held);
  if (app->write_peer >= 0)
    close(app->write_peer);
  if (app->notify_peer >= 0)
    close(app->notify_peer);
  g_ptr_array_unref(app->objects);
  g_ptr_array_unref(app->calls);
  g_free(app->write_error);
  g_free(app->acquire_write_error);
  g_free(app->root);
  g_free(app);
}

/* Adds @path with @interface and @properties (a{sv}, floating). */
static void
test_app_add(TestApp *app, const char *path, const char *interface, GVariant *properties,
             gboolean managed)
{
  TestObject *object = g_new0(TestObject, 1);
  GVariantIter iter;
  const char *name;
  GVariant *value;

  object->path = g_strdup(path);
  object->interface = g_strdup(interface);
  object->managed = managed;
  object->properties =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_variant_unref);
  g_variant_ref_sink(properties);
  g_variant_iter_init(&iter, properties);
  while (g_variant_iter_next(&iter, "{&sv}", &name, &value))
    g_hash_table_insert(object->properties, g_strdup(name), value);
  g_variant_unref(properties);
  g_ptr_array_add(app->objects, object);
}

/* Sets a property and tells the bus with PropertiesChanged. */
static void
test_app_change(TestApp *app, const char *path, const char *interface, const char *name,
                GVariant *value)
{
  TestObject *object = find_object(app, path, interface);
  GVariantBuilder changed;

  g_assert_nonnull(object);
  g_variant_ref_sink(value);
  g_hash_table_replace(object->properties, g_strdup(name), g_variant_ref(value));
  g_variant_builder_init(&changed, G_VARIANT_TYPE("a{sv}"));
  g_variant_builder_add(&changed, "{sv}", name, value);
  g_dbus_connection_emit_signal(app->connection, NULL, path, "org.freedesktop.DBus.Properties",
                                "PropertiesChanged",
                                g_variant_new("(sa{sv}as)", interface, &changed, NULL), NULL);
  g_variant_unref(value);
}

static guint
count_calls(TestApp *app, const char *method)
{
  guint n = 0;

  for (guint i = 0; i < app->calls->len; i++)
    n += g_str_equal(((TestCall *) app->calls->pdata[i])->method, method);
  return n;
}

static TestCall *
last_call(TestApp *app, const char *method)
{
  for (guint i = app->calls->len; i > 0; i--) {
    TestCall *call = app->calls->pdata[i - 1];

    if (g_str_equal(call->method, method))
      return call;
  }
  return NULL;
}

typedef struct {
  TestApp *app;
  const char *method;
  guint count;
} CallWait;

static gboolean
calls_reached(gpointer data)
{
  CallWait *wait = data;

  return count_calls(wait->app, wait->method) >= wait->count;
}

/* Waits until @method was called @count times in all. */
static TestCall *
wait_call(TestApp *app, const char *method, guint count)
{
  CallWait wait = { app, method, count };

  if (!md_test_bluez_wait(calls_reached, &wait, WAIT_MS))
    return NULL;
  return last_call(app, method);
}

/* The options dictionary, first argument of an Acquire call or second of
 * WriteValue, has exactly the keys in @keys. */
static void
assert_option_keys(GVariant *options, const char *const *keys)
{
  g_autoptr(GPtrArray) got = g_ptr_array_new_with_free_func(g_free);
  GVariantIter iter;
  char *key;

  g_variant_iter_init(&iter, options);
  while (g_variant_iter_next(&iter, "{sv}", &key, NULL))
    g_ptr_array_add(got, key);
  g_ptr_array_add(got, NULL);
  g_assert_cmpstrv((const char *const *) got->pdata, keys);
}

/* bluetoothd's options, argument @index of @call: device, link "LE",
 * mtu. */
static void
assert_options(TestCall *call, gsize index, guint16 mtu)
{
  g_autoptr(GVariant) options = g_variant_get_child_value(call->parameters, index);
  static const char *const keys[] = { "device", "link", "mtu", NULL };
  const char *device = NULL, *link = NULL;
  guint16 got_mtu = 0;

  assert_option_keys(options, keys);
  g_assert_true(g_variant_lookup(options, "device", "&o", &device));
  g_assert_cmpstr(device, ==, CENTRAL_PATH);
  g_assert_true(g_variant_lookup(options, "link", "&s", &link));
  g_assert_cmpstr(link, ==, "LE");
  g_assert_true(g_variant_lookup(options, "mtu", "q", &got_mtu));
  g_assert_cmpuint(got_mtu, ==, mtu);
}

/* ---- Building applications --------------------------------------------- */

static GVariant *
bytes_variant(const guint8 *data, gsize len)
{
  return g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, data, len, 1);
}

/* The string of child @index of @tuple, valid as long as @tuple. */
static const char *
child_string(GVariant *tuple, gsize index)
{
  g_autoptr(GVariant) child = g_variant_get_child_value(tuple, index);

  return g_variant_get_string(child, NULL);
}

static gsize
child_count(GVariant *tuple, gsize index)
{
  g_autoptr(GVariant) child = g_variant_get_child_value(tuple, index);

  return g_variant_n_children(child);
}

static gboolean
strv_has(GVariant *strv, const char *string)
{
  g_autofree const char **strings = g_variant_get_strv(strv, NULL);

  return g_strv_contains(strings, string);
}

/* The Matter service under /app: C1 (write) and C2 (indicate), with the
 * Acquire properties when @acquire, and C3 (read, @c3) when not NULL. */
static void
add_matter_app(TestApp *app, gboolean acquire, GBytes *c3)
{
  test_app_add(app, "/app/service0", SERVICE_IFACE,
               g_variant_new_parsed("{'UUID': <%s>, 'Primary': <true>}", MD_TEST_MATTER_SERVICE),
               TRUE);
  test_app_add(app, "/app/service0/c1", CHRC_IFACE,
               acquire ? g_variant_new_parsed("{'UUID': <%s>, 'Service': <objectpath "
                                              "'/app/service0'>, 'Flags': <['write']>, "
                                              "'WriteAcquired': <false>}",
                                              MD_TEST_MATTER_C1)
                       : g_variant_new_parsed("{'UUID': <%s>, 'Service': <objectpath "
                                              "'/app/service0'>, 'Flags': <['write']>}",
                                              MD_TEST_MATTER_C1),
               TRUE);
  test_app_add(app, "/app/service0/c2", CHRC_IFACE,
               acquire ? g_variant_new_parsed("{'UUID': <%s>, 'Service': <objectpath "
                                              "'/app/service0'>, 'Flags': <['indicate']>, "
                                              "'Value': <@ay []>, 'NotifyAcquired': <false>}",
                                              MD_TEST_MATTER_C2)
                       : g_variant_new_parsed("{'UUID': <%s>, 'Service': <objectpath "
                                              "'/app/service0'>, 'Flags': <['indicate']>, "
                                              "'Value': <@ay []>}",
                                              MD_TEST_MATTER_C2),
               TRUE);
  if (c3 != NULL)
    test_app_add(
        app, "/app/service0/c3", CHRC_IFACE,
        g_variant_new_parsed("{'UUID': <%s>, 'Service': <objectpath '/app/service0'>, "
                             "'Flags': <['read']>, 'Value': <%@ay>}",
                             MD_TEST_MATTER_C3,
                             bytes_variant(g_bytes_get_data(c3, NULL), g_bytes_get_size(c3))),
        TRUE);
}

/* ---- Fixture ----------------------------------------------------------- */

typedef struct {
  char *dir;
  MdTestBus *bus;
  MdTestBluez *bluez;
  TestApp *app;
} Fixture;

/* @data: the fake's extra arguments, NULL-terminated, or NULL. */
static void
fixture_setup(Fixture *f, gconstpointer data)
{
  f->dir = md_test_mkdtemp();
  f->bus = md_test_bus_start(f->dir);
  f->bluez = md_test_bluez_start(f->bus, f->dir, data);
  f->app = test_app_new(f->bus, "/app");
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
  test_app_free(f->app);
  if (f->bluez != NULL && g_subprocess_get_identifier(f->bluez->process) != NULL)
    /* A clean exit: no leak, no sanitizer report. */
    g_assert_cmpint(md_test_bluez_stop(f->bluez, SIGTERM), ==, 0);
  md_test_bluez_free(f->bluez);
  md_test_bus_stop(f->bus);
  md_test_rmtree(f->dir);
  g_free(f->dir);
}

static void
drop(GVariant *value)
{
  if (value != NULL)
    g_variant_unref(value);
}

static GVariant *
call(GDBusConnection *connection, const char *path, const char *interface, const char *method,
     GVariant *parameters, GError **error)
{
  return md_test_bluez_call_full(connection, path, interface, method, parameters, NULL, error);
}

/* A bluetoothd error: its name and message. */
static void
assert_bluez_error(GError *error, const char *name, const char *message)
{
  g_autofree char *got = NULL;

  g_assert_nonnull(error);
  got = g_dbus_error_get_remote_error(error);
  g_assert_cmpstr(got, ==, name);
  g_dbus_error_strip_remote_error(error);
  g_assert_cmpstr(error->message, ==, message);
}

static GVariant *
register_app(TestApp *app, GError **error)
{
  return call(app->connection, MD_TEST_BLUEZ_ADAPTER, GATT_MANAGER, "RegisterApplication",
              g_variant_new("(oa{sv})", "/app", NULL), error);
}

static void
register_app_ok(TestApp *app)
{
  g_autoptr(GError) error = NULL;

  drop(register_app(app, &error));
  g_assert_no_error(error);
}

static GVariant *
register_adv(TestApp *app, const char *path, GError **error)
{
  return call(app->connection, MD_TEST_BLUEZ_ADAPTER, ADV_MANAGER, "RegisterAdvertisement",
              g_variant_new("(oa{sv})", path, NULL), error);
}

static void
register_adv_ok(TestApp *app, const char *path)
{
  g_autoptr(GError) error = NULL;

  drop(register_adv(app, path, &error));
  g_assert_no_error(error);
}

/* The Matter advertisement: peripheral, the service data, optionally
 * the service UUID list and Discoverable. */
static GVariant *
matter_adv(gboolean service_uuids, gboolean discoverable)
{
  GVariantBuilder builder, data;

  g_variant_builder_init(&builder, G_VARIANT_TYPE("a{sv}"));
  g_variant_builder_add(&builder, "{sv}", "Type", g_variant_new_string("peripheral"));
  if (service_uuids)
    g_variant_builder_add(&builder, "{sv}", "ServiceUUIDs",
                          g_variant_new_strv((const char *[]){ MD_TEST_MATTER_SERVICE }, 1));
  g_variant_builder_init(&data, G_VARIANT_TYPE("a{sv}"));
  g_variant_builder_add(&data, "{sv}", MD_TEST_MATTER_SERVICE,
                        bytes_variant(matter_service_data, sizeof(matter_service_data)));
  g_variant_builder_add(&builder, "{sv}", "ServiceData", g_variant_builder_end(&data));
  if (discoverable)
    g_variant_builder_add(&builder, "{sv}", "Discoverable", g_variant_new_boolean(TRUE));
  return g_variant_builder_end(&builder);
}

static GVariant *
adapter_get(Fixture *f, const char *interface, const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply =
      call(f->bluez->connection, MD_TEST_BLUEZ_ADAPTER, "org.freedesktop.DBus.Properties", "Get",
           g_variant_new("(ss)", interface, name), &error);
  GVariant *value;

  g_assert_no_error(error);
  g_variant_get(reply, "(v)", &value);
  return value;
}

static void
adapter_set(Fixture *f, const char *name, GVariant *value, GError **error)
{
  drop(call(f->bluez->connection, MD_TEST_BLUEZ_ADAPTER, "org.freedesktop.DBus.Properties", "Set",
            g_variant_new("(ssv)", "org.bluez.Adapter1", name, value), error));
}

static guint8
active_instances(Fixture *f)
{
  g_autoptr(GVariant) value = adapter_get(f, ADV_MANAGER, "ActiveInstances");

  return g_variant_get_byte(value);
}

static GVariant *
managed_objects_of_bluez(Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = call(f->bluez->connection, "/", "org.freedesktop.DBus.ObjectManager",
                                   "GetManagedObjects", NULL, &error);

  g_assert_no_error(error);
  return g_variant_get_child_value(reply, 0);
}

/* The advertising data of the only advertisement. */
static GBytes *
advertising_data(Fixture *f, GVariant **info)
{
  g_autoptr(GVariant) adv = md_test_bluez_wait_advertisement(f->bluez, WAIT_MS);
  g_autoptr(GVariant) data = NULL;

  g_assert_nonnull(adv);
  if (info != NULL)
    *info = g_variant_get_child_value(adv, 0);
  data = g_variant_get_child_value(adv, 2);
  return g_variant_get_data_as_bytes(data);
}

static void
assert_bytes_hex(GBytes *bytes, const char *hex)
{
  md_test_assert_hex(g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes), hex);
}

/* ---- Sockets ----------------------------------------------------------- */

/* One packet from @fd within a while: its length, 0 at the end, -1 for
 * none. */
static gssize
recv_packet(int fd, guint8 *buf, gsize size)
{
  gint64 deadline = g_get_monotonic_time() + WAIT_MS * 1000;

  while (g_get_monotonic_time() < deadline) {
    struct pollfd pfd = { fd, POLLIN, 0 };

    md_test_bluez_spin(5);
    if (poll(&pfd, 1, 0) > 0)
      return recv(fd, buf, size, MSG_DONTWAIT);
  }
  return -1;
}

static void
assert_packet(int fd, const char *hex)
{
  guint8 buf[600];
  gssize n = recv_packet(fd, buf, sizeof(buf));

  g_assert_cmpint(n, >, 0);
  md_test_assert_hex(buf, (gsize) n, hex);
}

/* Nothing is waiting on @fd and it is still open. */
static void
assert_quiet(int fd)
{
  struct pollfd pfd = { fd, POLLIN, 0 };

  md_test_bluez_spin(100);
  g_assert_cmpint(poll(&pfd, 1, 0), ==, 0);
}

static void
assert_closed(int fd)
{
  guint8 buf[16];

  g_assert_cmpint(recv_packet(fd, buf, sizeof(buf)), ==, 0);
}

/* ---- The adapter ------------------------------------------------------- */

/* hci0 as bluetoothd lists it: Adapter1 powered, the two managers, and
 * the standard interfaces among the object's. */
static void
test_adapter(Fixture *f, gconstpointer data)
{
  g_autoptr(GVariant) objects = managed_objects_of_bluez(f);
  g_autoptr(GVariant) hci0 = g_variant_lookup_value(objects, MD_TEST_BLUEZ_ADAPTER, NULL);
  g_autoptr(GVariant) adapter = NULL;
  g_autoptr(GVariant) adv = NULL;
  g_autoptr(GVariant) includes = NULL;
  g_autoptr(GVariant) uuids = NULL;
  g_autoptr(GVariant) alias = NULL;
  g_autoptr(GError) error = NULL;
  const char *s = NULL;
  gboolean powered = FALSE;
  guint8 supported = 0;
  static const char *const expected_includes[] = { "tx-power", "appearance", "local-name", NULL };

  g_assert_nonnull(hci0);
  g_assert_cmpuint(g_variant_n_children(objects), ==, 1);
  adapter = g_variant_lookup_value(hci0, "org.bluez.Adapter1", NULL);
  adv = g_variant_lookup_value(hci0, ADV_MANAGER, NULL);
  g_assert_nonnull(adapter);
  g_assert_nonnull(adv);
  g_assert_true(g_variant_lookup(hci0, GATT_MANAGER, "@a{sv}", NULL));
  g_assert_true(g_variant_lookup(hci0, "org.freedesktop.DBus.Introspectable", "@a{sv}", NULL));
  g_assert_true(g_variant_lookup(hci0, "org.freedesktop.DBus.Properties", "@a{sv}", NULL));
  g_assert_true(g_variant_lookup(adapter, "Address", "&s", &s));
  g_assert_cmpstr(s, ==, "00:AA:01:00:00:23");
  g_assert_true(g_variant_lookup(adapter, "AddressType", "&s", &s));
  g_assert_cmpstr(s, ==, "public");
  g_assert_true(g_variant_lookup(adapter, "Powered", "b", &powered));
  g_assert_true(powered);
  g_assert_true(g_variant_lookup(adapter, "Name", "&s", &s));
  g_assert_true(g_variant_lookup(adapter, "Alias", "&s", &s));
  uuids = g_variant_lookup_value(adapter, "UUIDs", G_VARIANT_TYPE_STRING_ARRAY);
  g_assert_nonnull(uuids);
  /* PowerState is experimental in 5.66. */
  g_assert_false(g_variant_lookup(adapter, "PowerState", "&s", &s));

  g_assert_true(g_variant_lookup(adv, "SupportedInstances", "y", &supported));
  g_assert_cmpuint(supported, ==, 5);
  g_assert_true(g_variant_lookup(adv, "ActiveInstances", "y", &supported));
  g_assert_cmpuint(supported, ==, 0);
  includes = g_variant_lookup_value(adv, "SupportedIncludes", G_VARIANT_TYPE_STRING_ARRAY);
  {
    g_autofree const char **strings = g_variant_get_strv(includes, NULL);

    g_assert_cmpstrv(strings, expected_includes);
  }
  /* A legacy controller: no secondary channels. */
  g_assert_false(g_variant_lookup(adv, "SupportedSecondaryChannels", "@as", NULL));

  adapter_set(f, "Alias", g_variant_new_string("matter test"), &error);
  g_assert_no_error(error);
  alias = adapter_get(f, "org.bluez.Adapter1", "Alias");
  g_assert_cmpstr(g_variant_get_string(alias, NULL), ==, "matter test");
}

/* With -E the experimental properties are there. */
static void
test_adapter_experimental(Fixture *f, gconstpointer data)
{
  g_autoptr(GVariant) state = adapter_get(f, "org.bluez.Adapter1", "PowerState");
  g_autoptr(GVariant) caps = adapter_get(f, ADV_MANAGER, "SupportedCapabilities");
  guint8 max = 0;

  g_assert_cmpstr(g_variant_get_string(state, NULL), ==, "on");
  g_assert_true(g_variant_lookup(caps, "MaxAdvLen", "y", &max));
  g_assert_cmpuint(max, ==, 31);
}

/* Discoverable cannot be set while off; it can when on. */
static void
test_adapter_discoverable(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = NULL;

  adapter_set(f, "Powered", g_variant_new_boolean(FALSE), &error);
  g_assert_no_error(error);
  adapter_set(f, "Discoverable", g_variant_new_boolean(TRUE), &error);
  assert_bluez_error(error, "org.bluez.Error.Failed", "Not Powered");
  g_clear_error(&error);
  adapter_set(f, "Powered", g_variant_new_boolean(TRUE), &error);
  g_assert_no_error(error);
  adapter_set(f, "Discoverable", g_variant_new_boolean(TRUE), &error);
  g_assert_no_error(error);
  value = adapter_get(f, "org.bluez.Adapter1", "Discoverable");
  g_assert_true(g_variant_get_boolean(value));
}

/* ---- GATT applications ------------------------------------------------- */

/* The Matter application gets in; bluetoothd read it with one
 * GetManagedObjects on its root; the database has the service, the
 * characteristics and C2's configuration descriptor after bluetoothd's
 * own services; the adapter lists the service's UUID. */
static void
test_gatt_register(Fixture *f, gconstpointer data)
{
  g_autoptr(GVariant) attributes = NULL;
  g_autoptr(GVariant) service = NULL;
  g_autoptr(GVariant) c1 = NULL;
  g_autoptr(GVariant) c2 = NULL;
  g_autoptr(GVariant) ccc = NULL;
  g_autoptr(GVariant) uuids = NULL;
  g_autoptr(GVariant) again = NULL;
  g_autoptr(GVariant) unregistered = NULL;
  g_autoptr(GError) error = NULL;
  TestCall *first;
  guint16 handle = 0;
  guint8 properties = 0;
  gboolean acquired = FALSE;

  add_matter_app(f->app, TRUE, NULL);
  register_app_ok(f->app);
  g_assert_cmpuint(count_calls(f->app, "GetManagedObjects"), ==, 1);
  first = f->app->calls->pdata[0];
  g_assert_cmpstr(first->path, ==, "/app");
  g_assert_cmpstr(first->interface, ==, "org.freedesktop.DBus.ObjectManager");

  attributes = md_test_bluez_wait_application(f->bluez, WAIT_MS);
  g_assert_nonnull(attributes);
  service = md_test_bluez_find_attribute(attributes, "service", MD_TEST_MATTER_SERVICE);
  c1 = md_test_bluez_find_attribute(attributes, "characteristic", MD_TEST_MATTER_C1);
  c2 = md_test_bluez_find_attribute(attributes, "characteristic", MD_TEST_MATTER_C2);
  ccc = md_test_bluez_find_attribute(attributes, "ccc", NULL);
  g_assert_nonnull(service);
  g_assert_nonnull(c1);
  g_assert_nonnull(c2);
  g_assert_nonnull(ccc);
  g_assert_true(g_variant_lookup(service, "Handle", "q", &handle));
  g_assert_cmphex(handle, ==, 0x0015);
  g_assert_true(g_variant_lookup(c1, "Handle", "q", &handle));
  g_assert_cmphex(handle, ==, 0x0017);
  g_assert_true(g_variant_lookup(c1, "Properties", "y", &properties));
  g_assert_cmphex(properties, ==, 0x08);
  g_assert_true(g_variant_lookup(c1, "WriteAcquired", "b", &acquired));
  g_assert_true(acquired);
  g_assert_true(g_variant_lookup(c2, "Handle", "q", &handle));
  g_assert_cmphex(handle, ==, 0x0019);
  g_assert_true(g_variant_lookup(c2, "Properties", "y", &properties));
  g_assert_cmphex(properties, ==, 0x20);
  g_assert_true(g_variant_lookup(ccc, "Handle", "q", &handle));
  g_assert_cmphex(handle, ==, 0x001a);
  uuids = adapter_get(f, "org.bluez.Adapter1", "UUIDs");
  g_assert_true(strv_has(uuids, MD_TEST_MATTER_SERVICE));

  again = register_app(f->app, &error);
  assert_bluez_error(error, "org.bluez.Error.AlreadyExists", "Already Exists");
  g_clear_error(&error);

  unregistered = call(f->app->connection, MD_TEST_BLUEZ_ADAPTER, GATT_MANAGER,
                      "UnregisterApplication", g_variant_new("(o)", "/app"), &error);
  g_assert_no_error(error);
  g_clear_pointer(&unregistered, g_variant_unref);
  g_clear_pointer(&uuids, g_variant_unref);
  uuids = adapter_get(f, "org.bluez.Adapter1", "UUIDs");
  g_assert_false(strv_has(uuids, MD_TEST_MATTER_SERVICE));
  unregistered = call(f->app->connection, MD_TEST_BLUEZ_ADAPTER, GATT_MANAGER,
                      "UnregisterApplication", g_variant_new("(o)", "/app"), &error);
  assert_bluez_error(error, "org.bluez.Error.DoesNotExist", "Does Not Exist");
}

/* Handles bluetoothd chose are written back to objects with a Handle
 * property of 0. */
static void
test_gatt_handles(Fixture *f, gconstpointer data)
{
  TestObject *service, *c1;
  GVariant *handle;

  add_matter_app(f->app, FALSE, NULL);
  service = find_object(f->app, "/app/service0", SERVICE_IFACE);
  c1 = find_object(f->app, "/app/service0/c1", CHRC_IFACE);
  g_hash_table_insert(service->properties, g_strdup("Handle"),
                      g_variant_ref_sink(g_variant_new_uint16(0)));
  g_hash_table_insert(c1->properties, g_strdup("Handle"),
                      g_variant_ref_sink(g_variant_new_uint16(0)));
  register_app_ok(f->app);
  g_assert_nonnull(wait_call(f->app, "Set", 2));
  handle = g_hash_table_lookup(service->properties, "Handle");
  g_assert_cmphex(g_variant_get_uint16(handle), ==, 0x0015);
  handle = g_hash_table_lookup(c1->properties, "Handle");
  g_assert_cmphex(g_variant_get_uint16(handle), ==, 0x0017);
}

typedef struct {
  const char *name;
  const char *objects; /* GVariant text: a{o(sa{sv})}, path -> (interface, properties) */
  const char *message; /* of org.bluez.Error.Failed */
} Malformed;

#define GOOD_SERVICE "'/app/s': ('" SERVICE_IFACE "', {'UUID': <'fff6'>, 'Primary': <true>})"
#define CHRC(props) "'/app/s/c': ('" CHRC_IFACE "', {'UUID': <'" MD_TEST_MATTER_C1 "'>, " props "})"

static const Malformed malformed[] = {
  { "no-objects", "@a{o(sa{sv})} {}", "No object received" },
  { "no-service", "{" CHRC("'Service': <objectpath '/app/s'>, 'Flags': <['write']>") "}",
    "No valid service object found" },
  { "service-without-uuid", "{'/app/s': ('" SERVICE_IFACE "', {'Primary': <true>})}",
    "Failed to create entry in database" },
  { "service-bad-uuid", "{'/app/s': ('" SERVICE_IFACE "', {'UUID': <'fff6x'>, 'Primary': <true>})}",
    "Failed to create entry in database" },
  { "service-uuid-not-string",
    "{'/app/s': ('" SERVICE_IFACE "', {'UUID': <int32 6>, 'Primary': <true>})}",
    "Failed to create entry in database" },
  { "service-gap-uuid", "{'/app/s': ('" SERVICE_IFACE "', {'UUID': <'1800'>, 'Primary': <true>})}",
    "Failed to create entry in database" },
  { "service-without-primary", "{'/app/s': ('" SERVICE_IFACE "', {'UUID': <'fff6'>})}",
    "Failed to create entry in database" },
  { "service-handle-type",
    "{'/app/s': ('" SERVICE_IFACE "', {'UUID': <'fff6'>, 'Primary': <true>, 'Handle': <uint32 "
    "0>})}",
    "Failed to create entry in database" },
  { "service-handle-taken",
    "{'/app/s': ('" SERVICE_IFACE "', {'UUID': <'fff6'>, 'Primary': <true>, 'Handle': <uint16 "
    "1>})}",
    "Failed to create entry in database" },
  { "chrc-service-nowhere",
    "{" GOOD_SERVICE ", " CHRC("'Service': <objectpath '/app/t'>, 'Flags': <['write']>") "}",
    "No valid service object found" },
  { "chrc-service-not-path",
    "{" GOOD_SERVICE ", " CHRC("'Service': <'/app/s'>, 'Flags': <['write']>") "}",
    "No valid service object found" },
  { "chrc-bad-flag",
    "{" GOOD_SERVICE ", " CHRC("'Service': <objectpath '/app/s'>, 'Flags': <['write', 'fly']>") "}",
    "No valid service object found" },
  { "chrc-empty-flags",
    "{" GOOD_SERVICE ", " CHRC("'Service': <objectpath '/app/s'>, 'Flags': <@as []>") "}",
    "No valid service object found" },
  { "chrc-without-flags", "{" GOOD_SERVICE ", " CHRC("'Service': <objectpath '/app/s'>") "}",
    "No valid service object found" },
  { "chrc-bad-uuid",
    "{" GOOD_SERVICE ", '/app/s/c': ('" CHRC_IFACE "', {'UUID': <'18ee2ef5-x'>, "
    "'Service': <objectpath '/app/s'>, 'Flags': <['write']>})}",
    "Failed to create entry in database" },
  { "desc-without-chrc",
    "{" GOOD_SERVICE ", '/app/s/d': ('" DESC_IFACE "', {'UUID': <'2901'>, "
    "'Characteristic': <objectpath '/app/s/c'>, 'Flags': <['read']>})}",
    "No valid service object found" },
  { "desc-bad-flag",
    "{" GOOD_SERVICE ", " CHRC(
        "'Service': <objectpath '/app/s'>, 'Flags': <['write']>") ", "
                                                                  "'/app/s/c/d': ('" DESC_IFACE
                                                                  "', {'UUID': <'2901'>, "
                                                                  "'Characteristic': <objectpath "
                                                                  "'/app/s/c'>, 'Flags': "
                                                                  "<['indicate']>})}",
    "No valid service object found" },
};

/* Each malformed application is refused with bluetoothd's error, and
 * nothing of it stays in the database. */
static void
test_gatt_malformed(Fixture *f, gconstpointer data)
{
  for (gsize i = 0; i < G_N_ELEMENTS(malformed); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) objects =
        g_variant_parse(G_VARIANT_TYPE("a{o(sa{sv})}"), malformed[i].objects, NULL, NULL, &error);
    g_autoptr(GVariant) reply = NULL;
    g_autoptr(GVariant) attributes = NULL;
    g_autoptr(GVariant) list = NULL;
    TestApp *app = test_app_new(f->bus, "/app");
    GVariantIter iter;
    const char *path, *interface;
    GVariant *properties;

    g_test_message("%s", malformed[i].name);
    g_assert_no_error(error);
    g_variant_iter_init(&iter, objects);
    while (g_variant_iter_next(&iter, "{&o(&s@a{sv})}", &path, &interface, &properties))
      test_app_add(app, path, interface, properties, TRUE);
    reply = register_app(app, &error);
    assert_bluez_error(error, "org.bluez.Error.Failed", malformed[i].message);
    attributes = md_test_bluez_control(f->bluez, "GetApplication", NULL);
    list = g_variant_get_child_value(attributes, 0);
    g_assert_cmpuint(g_variant_n_children(list), ==, 0);
    test_app_free(app);
  }
}

/* Without an ObjectManager at the root there is nothing to read. */
static void
test_gatt_no_object_manager(Fixture *f, gconstpointer data)
{
  TestApp *app = test_app_new(f->bus, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  add_matter_app(app, FALSE, NULL);
  reply = register_app(app, &error);
  assert_bluez_error(error, "org.bluez.Error.Failed", "No object received");
  test_app_free(app);
}

typedef struct {
  gboolean done;
  GVariant *reply;
  GError *error;
} Pending;

static void
on_pending_reply(GObject *source, GAsyncResult *result, gpointer user_data)
{
  Pending *pending = user_data;

  pending->reply =
      g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &pending->error);
  pending->done = TRUE;
}

static gboolean
pending_done(gpointer data)
{
  return ((Pending *) data)->done;
}

/* RegisterApplication is answered once GetManagedObjects is: the fake
 * keeps serving meanwhile, as bluetoothd's main loop does. */
static void
test_gatt_asynchronous(Fixture *f, gconstpointer data)
{
  Pending pending = { 0 };
  g_autoptr(GVariant) attributes = NULL;
  g_autoptr(GVariant) list = NULL;

  add_matter_app(f->app, FALSE, NULL);
  f->app->hold_managed_objects = TRUE;
  g_dbus_connection_call(f->app->connection, "org.bluez", MD_TEST_BLUEZ_ADAPTER, GATT_MANAGER,
                         "RegisterApplication", g_variant_new("(oa{sv})", "/app", NULL), NULL,
                         G_DBUS_CALL_FLAGS_NONE, MD_TEST_TIMEOUT_MS, NULL, on_pending_reply,
                         &pending);
  g_assert_nonnull(wait_call(f->app, "GetManagedObjects", 1));
  attributes = md_test_bluez_control(f->bluez, "GetApplication", NULL);
  list = g_variant_get_child_value(attributes, 0);
  g_assert_cmpuint(g_variant_n_children(list), ==, 0);
  g_assert_false(pending.done);

  reply(f->app, f->app->held, managed_objects(f->app), NULL);
  g_assert_true(md_test_bluez_wait(pending_done, &pending, WAIT_MS));
  g_assert_no_error(pending.error);
  g_variant_unref(pending.reply);
  g_clear_pointer(&attributes, g_variant_unref);
  attributes = md_test_bluez_wait_application(f->bluez, WAIT_MS);
  g_assert_nonnull(attributes);
}

static gboolean
application_gone(gpointer data)
{
  Fixture *f = data;
  g_autoptr(GVariant) attributes = md_test_bluez_control(f->bluez, "GetApplication", NULL);
  g_autoptr(GVariant) list = g_variant_get_child_value(attributes, 0);

  return g_variant_n_children(list) == 0;
}

/* An application leaving the bus leaves the database. */
static void
test_gatt_owner_leaves(Fixture *f, gconstpointer data)
{
  g_autoptr(GVariant) attributes = NULL;
  g_autoptr(GVariant) uuids = NULL;

  add_matter_app(f->app, FALSE, NULL);
  register_app_ok(f->app);
  attributes = md_test_bluez_wait_application(f->bluez, WAIT_MS);
  g_assert_nonnull(attributes);
  md_test_bluez_clear_signals(f->bluez);
  g_dbus_connection_close_sync(f->app->connection, NULL, NULL);
  g_assert_nonnull(md_test_bluez_wait_signal(f->bluez, "ApplicationsChanged", WAIT_MS));
  g_assert_true(md_test_bluez_wait(application_gone, f, WAIT_MS));
  uuids = adapter_get(f, "org.bluez.Adapter1", "UUIDs");
  g_assert_false(strv_has(uuids, MD_TEST_MATTER_SERVICE));
}

/* InterfacesRemoved for a service's object removes the service. */
static void
test_gatt_service_removed(Fixture *f, gconstpointer data)
{
  add_matter_app(f->app, FALSE, NULL);
  register_app_ok(f->app);
  g_assert_nonnull(md_test_bluez_wait_application(f->bluez, WAIT_MS));
  g_dbus_connection_emit_signal(
      f->app->connection, NULL, "/app", "org.freedesktop.DBus.ObjectManager", "InterfacesRemoved",
      g_variant_new("(o^as)", "/app/service0", (const char *[]){ SERVICE_IFACE, NULL }), NULL);
  g_assert_true(md_test_bluez_wait(application_gone, f, WAIT_MS));
}

/* ---- Advertisements ---------------------------------------------------- */

/* The Matter advertisement as the controller gets it, byte by byte: the
 * service data (length, type 0x16, UUID 0xFFF6 little endian, the eight
 * bytes), and the Flags field bluetoothd adds for Discoverable, after
 * the other fields (General Discoverable, BR/EDR not supported since the
 * adapter itself is not discoverable). bluetoothd read it with
 * GetManagedObjects on the object's path, then GetAll. */
static void
test_adv_matter(Fixture *f, gconstpointer data)
{
  g_autoptr(GVariant) info = NULL;
  g_autoptr(GBytes) bytes = NULL;
  const char *type = NULL;
  gboolean connectable = FALSE, on_air = FALSE;
  guint8 instance = 0;
  TestCall *get_all;

  test_app_add(f->app, "/app/adv", ADV_IFACE, matter_adv(FALSE, TRUE), FALSE);
  register_adv_ok(f->app, "/app/adv");
  g_assert_cmpuint(count_calls(f->app, "GetManagedObjects"), ==, 1);
  g_assert_cmpstr(last_call(f->app, "GetManagedObjects")->path, ==, "/app/adv");
  get_all = last_call(f->app, "GetAll");
  g_assert_nonnull(get_all);
  g_assert_cmpstr(g_variant_get_type_string(get_all->parameters), ==, "(s)");
  g_assert_cmpstr(child_string(get_all->parameters, 0), ==, ADV_IFACE);

  bytes = advertising_data(f, &info);
  assert_bytes_hex(bytes, "0b 16 f6ff 00000ff1ff008000  02 01 06");
  g_assert_true(g_variant_lookup(info, "Type", "&s", &type));
  g_assert_cmpstr(type, ==, "peripheral");
  g_assert_true(g_variant_lookup(info, "Connectable", "b", &connectable));
  g_assert_true(connectable);
  g_assert_true(g_variant_lookup(info, "OnAir", "b", &on_air));
  g_assert_true(on_air);
  g_assert_true(g_variant_lookup(info, "Instance", "y", &instance));
  g_assert_cmpuint(instance, ==, 1);
  /* Intervals are experimental in 5.66: none without -E. */
  g_assert_false(g_variant_lookup(info, "MinInterval", "u", NULL));
  g_assert_cmpuint(active_instances(f), ==, 1);
}

/* The UUID list comes first; without Discoverable there is no Flags
 * field on a dual-mode adapter that is not discoverable itself; when the
 * adapter is, the kernel puts General Discoverable in front. */
static void
test_adv_uuid_list(Fixture *f, gconstpointer data)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;

  test_app_add(f->app, "/app/adv", ADV_IFACE, matter_adv(TRUE, FALSE), FALSE);
  register_adv_ok(f->app, "/app/adv");
  bytes = advertising_data(f, NULL);
  assert_bytes_hex(bytes, "03 03 f6ff  0b 16 f6ff 00000ff1ff008000");
  g_clear_pointer(&bytes, g_bytes_unref);

  adapter_set(f, "Discoverable", g_variant_new_boolean(TRUE), &error);
  g_assert_no_error(error);
  bytes = advertising_data(f, NULL);
  assert_bytes_hex(bytes, "02 01 02  03 03 f6ff  0b 16 f6ff 00000ff1ff008000");
}

/* On an LE-only controller the kernel marks BR/EDR unsupported. */
static void
test_adv_le_only(Fixture *f, gconstpointer data)
{
  g_autoptr(GBytes) bytes = NULL;

  test_app_add(f->app, "/app/adv", ADV_IFACE, matter_adv(TRUE, FALSE), FALSE);
  register_adv_ok(f->app, "/app/adv");
  bytes = advertising_data(f, NULL);
  assert_bytes_hex(bytes, "02 01 04  03 03 f6ff  0b 16 f6ff 00000ff1ff008000");
}

/* Changes the advertisement's object announces are taken up. */
static void
test_adv_changed(Fixture *f, gconstpointer data)
{
  static const guint8 other[8] = { 0x00, 0x01, 0x0f, 0xf1, 0xff, 0x01, 0x80, 0x01 };
  g_autoptr(GBytes) bytes = NULL;
  GVariantBuilder service_data;

  test_app_add(f->app, "/app/adv", ADV_IFACE, matter_adv(FALSE, TRUE), FALSE);
  register_adv_ok(f->app, "/app/adv");
  md_test_bluez_clear_signals(f->bluez);
  g_variant_builder_init(&service_data, G_VARIANT_TYPE("a{sv}"));
  g_variant_builder_add(&service_data, "{sv}", "fff6", bytes_variant(other, sizeof(other)));
  test_app_change(f->app, "/app/adv", ADV_IFACE, "ServiceData",
                  g_variant_builder_end(&service_data));
  g_assert_nonnull(md_test_bluez_wait_signal(f->bluez, "AdvertisementsChanged", WAIT_MS));
  bytes = advertising_data(f, NULL);
  assert_bytes_hex(bytes, "0b 16 f6ff 00010ff1ff018001  02 01 06");
}

typedef struct {
  const char *name;
  const char *properties;
  const char *message; /* of org.bluez.Error.Failed, NULL: accepted */
  const char *data;    /* when accepted */
} AdvCase;

#define PARSE_FAILED "Failed to parse advertisement."
#define TOO_LONG "Failed to register advertisement"

static const AdvCase adv_cases[] = {
  { "type-central", "{'Type': <'central'>}", PARSE_FAILED },
  { "type-not-string", "{'Type': <uint32 1>}", PARSE_FAILED },
  { "bad-service-uuid", "{'Type': <'peripheral'>, 'ServiceUUIDs': <['fff6', 'nope']>}",
    PARSE_FAILED },
  { "service-data-not-bytes", "{'Type': <'peripheral'>, 'ServiceData': <{'fff6': <'x'>}>}",
    PARSE_FAILED },
  { "service-data-bad-uuid", "{'Type': <'peripheral'>, 'ServiceData': <{'x': <@ay [1]>}>}",
    PARSE_FAILED },
  { "broadcast-discoverable", "{'Type': <'broadcast'>, 'Discoverable': <true>}", PARSE_FAILED },
  { "name-twice", "{'Type': <'peripheral'>, 'Includes': <['local-name']>, 'LocalName': <'m'>}",
    PARSE_FAILED },
  { "secondary-channel", "{'Type': <'peripheral'>, 'SecondaryChannel': <'1M'>}", PARSE_FAILED },
  { "discoverable-timeout-beyond-timeout",
    "{'Type': <'peripheral'>, 'Discoverable': <true>, 'DiscoverableTimeout': <uint16 60>, "
    "'Timeout': <uint16 30>}",
    PARSE_FAILED },
  { "data-reserved-type", "{'Type': <'peripheral'>, 'Data': <{byte 0x16: <@ay [1]>}>}",
    PARSE_FAILED },
  /* 27 bytes of service data: a field of 31, the whole packet. */
  { "full",
    "{'Type': <'peripheral'>, 'ServiceData': <{'fff6': <@ay [1,2,3,4,5,6,7,8,9,10,11,12,13,14,"
    "15,16,17,18,19,20,21,22,23,24,25,26,27]>}>}",
    NULL, "1e 16 f6ff 0102030405060708090a0b0c0d0e0f101112131415161718191a1b" },
  { "too-long-with-flags",
    "{'Type': <'peripheral'>, 'Discoverable': <true>, 'ServiceData': <{'fff6': <@ay "
    "[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27]>}>}",
    TOO_LONG },
  { "too-long-with-uuids",
    "{'Type': <'peripheral'>, 'ServiceUUIDs': <['fff6']>, 'ServiceData': <{'fff6': <@ay "
    "[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27]>}>}",
    TOO_LONG },
  /* No Type: a broadcast advertisement, not connectable. */
  { "no-type", "{'ServiceData': <{'fff6': <@ay [1]>}>}", NULL, "04 16 f6ff 01" },
  /* Without -E, MinInterval and MaxInterval are not looked at. */
  { "intervals-ignored",
    "{'Type': <'peripheral'>, 'MinInterval': <uint32 200>, 'MaxInterval': <uint32 100>}", NULL,
    "" },
  /* A name goes in the scan response. */
  { "local-name", "{'Type': <'peripheral'>, 'LocalName': <'matter'>}", NULL, "" },
};

static void
test_adv_cases(Fixture *f, gconstpointer data)
{
  for (gsize i = 0; i < G_N_ELEMENTS(adv_cases); i++) {
    const AdvCase *c = &adv_cases[i];
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) properties =
        g_variant_parse(G_VARIANT_TYPE("a{sv}"), c->properties, NULL, NULL, &error);
    g_autoptr(GVariant) reply = NULL;
    g_autoptr(GBytes) bytes = NULL;
    g_autofree char *path = g_strdup_printf("/app/adv%zu", i);

    g_test_message("%s", c->name);
    g_assert_no_error(error);
    test_app_add(f->app, path, ADV_IFACE, g_variant_ref(properties), FALSE);
    reply = register_adv(f->app, path, &error);
    if (c->message != NULL) {
      assert_bluez_error(error, "org.bluez.Error.Failed", c->message);
      g_assert_cmpuint(active_instances(f), ==, 0);
      continue;
    }
    g_assert_no_error(error);
    bytes = advertising_data(f, NULL);
    assert_bytes_hex(bytes, c->data);
    g_clear_pointer(&reply, g_variant_unref);
    reply = call(f->app->connection, MD_TEST_BLUEZ_ADAPTER, ADV_MANAGER, "UnregisterAdvertisement",
                 g_variant_new("(o)", path), &error);
    g_assert_no_error(error);
  }
  /* Unregistering does not Release. */
  g_assert_cmpuint(count_calls(f->app, "Release"), ==, 0);
}

/* The scan response carries the name. */
static void
test_adv_scan_response(Fixture *f, gconstpointer data)
{
  g_autoptr(GVariant) adv = NULL;
  g_autoptr(GVariant) scan = NULL;

  test_app_add(f->app, "/app/adv", ADV_IFACE,
               g_variant_new_parsed("{'Type': <'peripheral'>, 'LocalName': <'matter'>}"), FALSE);
  register_adv_ok(f->app, "/app/adv");
  adv = md_test_bluez_wait_advertisement(f->bluez, WAIT_MS);
  g_assert_nonnull(adv);
  scan = g_variant_get_child_value(adv, 3);
  md_test_assert_hex(g_variant_get_data(scan), g_variant_get_size(scan), "07 09 6d6174746572");
}

/* With -E the intervals count, in 0.625 ms units; MinInterval alone or
 * above MaxInterval fails. */
static void
test_adv_intervals(Fixture *f, gconstpointer data)
{
  g_autoptr(GVariant) info = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  guint32 min = 0, max = 0;

  test_app_add(f->app, "/app/adv", ADV_IFACE,
               g_variant_new_parsed("{'Type': <'peripheral'>, 'MinInterval': <uint32 100>, "
                                    "'MaxInterval': <uint32 150>}"),
               FALSE);
  register_adv_ok(f->app, "/app/adv");
  bytes = advertising_data(f, &info);
  g_assert_true(g_variant_lookup(info, "MinInterval", "u", &min));
  g_assert_true(g_variant_lookup(info, "MaxInterval", "u", &max));
  g_assert_cmpuint(min, ==, 160);
  g_assert_cmpuint(max, ==, 240);

  test_app_add(f->app, "/app/adv2", ADV_IFACE,
               g_variant_new_parsed("{'Type': <'peripheral'>, 'MinInterval': <uint32 100>}"),
               FALSE);
  reply = register_adv(f->app, "/app/adv2", &error);
  assert_bluez_error(error, "org.bluez.Error.Failed", PARSE_FAILED);
  g_clear_error(&error);
  test_app_add(f->app, "/app/adv3", ADV_IFACE,
               g_variant_new_parsed("{'Type': <'peripheral'>, 'MinInterval': <uint32 200>, "
                                    "'MaxInterval': <uint32 100>}"),
               FALSE);
  reply = register_adv(f->app, "/app/adv3", &error);
  assert_bluez_error(error, "org.bluez.Error.Failed", PARSE_FAILED);
}

/* The same object twice, and more than the controller's instances. */
static void
test_adv_limits(Fixture *f, gconstpointer data)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  for (int i = 0; i < 3; i++) {
    g_autofree char *path = g_strdup_printf("/app/adv%d", i);

    test_app_add(f->app, path, ADV_IFACE, matter_adv(FALSE, TRUE), FALSE);
  }
  register_adv_ok(f->app, "/app/adv0");
  reply = register_adv(f->app, "/app/adv0", &error);
  assert_bluez_error(error, "org.bluez.Error.AlreadyExists", "Already Exists");
  g_clear_error(&error);
  register_adv_ok(f->app, "/app/adv1");
  reply = register_adv(f->app, "/app/adv2", &error);
  assert_bluez_error(error, "org.bluez.Error.NotPermitted", "Maximum advertisements reached");
  g_clear_error(&error);
  g_assert_cmpuint(active_instances(f), ==, 2);
  reply = call(f->app->connection, MD_TEST_BLUEZ_ADAPTER, ADV_MANAGER, "UnregisterAdvertisement",
               g_variant_new("(o)", "/app/adv9"), &error);
  assert_bluez_error(error, "org.bluez.Error.DoesNotExist", "Does Not Exist");
}

static gboolean
no_instances(gpointer data)
{
  return active_instances(data) == 0;
}

/* Timeout ends the advertisement with Release(). */
static void
test_adv_timeout(Fixture *f, gconstpointer data)
{
  test_app_add(f->app, "/app/adv", ADV_IFACE,
               g_variant_new_parsed("{'Type': <'peripheral'>, 'Timeout': <uint16 1>}"), FALSE);
  register_adv_ok(f->app, "/app/adv");
  g_assert_cmpuint(active_instances(f), ==, 1);
  g_assert_nonnull(wait_call(f->app, "Release", 1));
  g_assert_cmpstr(last_call(f->app, "Release")->path, ==, "/app/adv");
  g_assert_true(md_test_bluez_wait(no_instances, f, WAIT_MS));
}

/* The owner leaving ends the advertisement, without Release(). */
static void
test_adv_owner_leaves(Fixture *f, gconstpointer data)
{
  test_app_add(f->app, "/app/adv", ADV_IFACE, matter_adv(FALSE, TRUE), FALSE);
  register_adv_ok(f->app, "/app/adv");
  g_dbus_connection_close_sync(f->app->connection, NULL, NULL);
  g_assert_true(md_test_bluez_wait(no_instances, f, WAIT_MS));
  g_assert_cmpuint(count_calls(f->app, "Release"), ==, 0);
}

/* ---- The central ------------------------------------------------------- */

/* The Matter application and a connectable advertisement, registered. */
static void
matter_setup(Fixture *f, gboolean acquire)
{
  add_matter_app(f->app, acquire, NULL);
  register_app_ok(f->app);
  test_app_add(f->app, "/app/adv", ADV_IFACE, matter_adv(FALSE, TRUE), FALSE);
  register_adv_ok(f->app, "/app/adv");
}

static void
connect_central(Fixture *f, guint16 mtu, const char *mode)
{
  g_autoptr(GVariant) reply =
      md_test_bluez_control(f->bluez, "Connect", g_variant_new("(sqs)", CENTRAL, mtu, mode));
  const char *path;

  g_variant_get(reply, "(&o)", &path);
  g_assert_cmpstr(path, ==, CENTRAL_PATH);
}

static void
central_write(Fixture *f, const guint8 *data, gsize len)
{
  drop(md_test_bluez_control(f->bluez, "Write",
                             g_variant_new("(o@ay)", CENTRAL_PATH, bytes_variant(data, len))));
}

static void
central(Fixture *f, const char *method)
{
  drop(md_test_bluez_control(f->bluez, method, g_variant_new("(o)", CENTRAL_PATH)));
}

static GVariant *
connection_info(Fixture *f)
{
  g_autoptr(GVariant) reply =
      md_test_bluez_control(f->bluez, "GetConnection", g_variant_new("(o)", CENTRAL_PATH));

  return g_variant_get_child_value(reply, 0);
}

/* The next Indication, for the central. */
static GBytes *
wait_indication(Fixture *f)
{
  g_autoptr(GVariant) signal = md_test_bluez_wait_signal(f->bluez, "Indication", WAIT_MS);
  g_autoptr(GVariant) value = NULL;
  const char *device;

  g_assert_nonnull(signal);
  g_variant_get(signal, "(&o@ay)", &device, &value);
  g_assert_cmpstr(device, ==, CENTRAL_PATH);
  return g_variant_get_data_as_bytes(value);
}

static void
assert_device_connected(Fixture *f, gboolean connected)
{
  g_autoptr(GVariant) objects = managed_objects_of_bluez(f);
  g_autoptr(GVariant) device = g_variant_lookup_value(objects, CENTRAL_PATH, NULL);
  g_autoptr(GVariant) device1 = NULL;
  gboolean value = !connected;
  const char *adapter = NULL;

  g_assert_nonnull(device);
  device1 = g_variant_lookup_value(device, "org.bluez.Device1", NULL);
  g_assert_nonnull(device1);
  g_assert_true(g_variant_lookup(device1, "Connected", "b", &value));
  g_assert_cmpint(value, ==, connected);
  g_assert_true(g_variant_lookup(device1, "Adapter", "&o", &adapter));
  g_assert_cmpstr(adapter, ==, MD_TEST_BLUEZ_ADAPTER);
}

/* The fd path: AcquireWrite on the first write (with bluetoothd's
 * options), the following writes on the same socket; AcquireNotify on
 * subscribing, each packet the application sends an indication cut to
 * MTU - 3, each confirmed with Confirm(); unsubscribing closes the
 * notification socket; the write socket outlives the link, as in 5.66. */
static void
test_central_acquire(Fixture *f, gconstpointer data)
{
  static const guint8 first[] = { 0x65, 0x6c, 0x04, 0x00, 0x00, 0x00, 0xf4, 0x00, 0x05 };
  static const guint8 second[] = { 0x0d, 0x00 };
  guint8 big[300];
  g_autoptr(GVariant) info = NULL;
  g_autoptr(GBytes) indication = NULL;
  TestCall *acquire;
  const char *s = NULL;
  guint16 mtu = 0;
  guint32 count = 0;

  matter_setup(f, TRUE);
  f->app->acquire_mtu = 244;
  connect_central(f, 247, "acquire");
  assert_device_connected(f, TRUE);

  central_write(f, first, sizeof(first));
  acquire = last_call(f->app, "AcquireWrite");
  g_assert_nonnull(acquire);
  g_assert_cmpstr(acquire->path, ==, "/app/service0/c1");
  assert_options(acquire, 0, 247);
  assert_packet(f->app->write_peer, "656c04000000f40005");
  central_write(f, second, sizeof(second));
  assert_packet(f->app->write_peer, "0d00");
  g_assert_cmpuint(count_calls(f->app, "AcquireWrite"), ==, 1);
  g_assert_cmpuint(count_calls(f->app, "WriteValue"), ==, 0);

  central(f, "Subscribe");
  acquire = wait_call(f->app, "AcquireNotify", 1);
  g_assert_nonnull(acquire);
  g_assert_cmpstr(acquire->path, ==, "/app/service0/c2");
  assert_options(acquire, 0, 247);
  g_assert_cmpuint(count_calls(f->app, "StartNotify"), ==, 0);
  g_assert_cmpint(send(f->app->notify_peer, "\x65\x6c\x04", 3, 0), ==, 3);
  indication = wait_indication(f);
  assert_bytes_hex(indication, "656c04");
  g_assert_nonnull(wait_call(f->app, "Confirm", 1));
  g_assert_cmpstr(last_call(f->app, "Confirm")->path, ==, "/app/service0/c2");

  memset(big, 0xab, sizeof(big));
  g_assert_cmpint(send(f->app->notify_peer, big, sizeof(big), 0), ==, sizeof(big));
  g_clear_pointer(&indication, g_bytes_unref);
  indication = wait_indication(f);
  g_assert_cmpuint(g_bytes_get_size(indication), ==, 244);
  g_assert_nonnull(wait_call(f->app, "Confirm", 2));

  info = connection_info(f);
  g_assert_true(g_variant_lookup(info, "WritePath", "&s", &s));
  g_assert_cmpstr(s, ==, "fd");
  g_assert_true(g_variant_lookup(info, "NotifyPath", "&s", &s));
  g_assert_cmpstr(s, ==, "fd");
  g_assert_true(g_variant_lookup(info, "WriteSocket", "&s", &s));
  g_assert_cmpstr(s, ==, "seqpacket");
  g_assert_true(g_variant_lookup(info, "WriteMTU", "q", &mtu));
  g_assert_cmpuint(mtu, ==, 244);
  g_assert_true(g_variant_lookup(info, "Truncated", "u", &count));
  g_assert_cmpuint(count, ==, 1);
  g_assert_true(g_variant_lookup(info, "Confirms", "u", &count));
  g_assert_cmpuint(count, ==, 2);

  central(f, "Unsubscribe");
  assert_closed(f->app->notify_peer);
  g_assert_cmpuint(count_calls(f->app, "StopNotify"), ==, 0);

  md_test_bluez_clear_signals(f->bluez);
  central(f, "Disconnect");
  g_assert_nonnull(md_test_bluez_wait_signal(f->bluez, "Disconnected", WAIT_MS));
  assert_device_connected(f, FALSE);
  assert_quiet(f->app->write_peer);

  /* A new link writes on the socket of the last one. */
  connect_central(f, 247, "auto");
  central_write(f, second, sizeof(second));
  assert_packet(f->app->write_peer, "0d00");
  g_assert_cmpuint(count_calls(f->app, "AcquireWrite"), ==, 1);
}

/* The value path: WriteValue(value, {device, link, mtu}) and StartNotify;
 * the application's PropertiesChanged of Value is the indication, cut to
 * MTU - 3 and confirmed with Confirm(); StopNotify at the end. */
static void
test_central_value(Fixture *f, gconstpointer data)
{
  static const guint8 handshake[] = { 0x65, 0x6c, 0x04, 0x00, 0x00, 0x00, 0x17, 0x00, 0x05 };
  static const guint8 response[] = { 0x65, 0x6c, 0x04, 0x17, 0x00, 0x05 };
  guint8 big[40];
  g_autoptr(GVariant) info = NULL;
  g_autoptr(GBytes) indication = NULL;
  g_autoptr(GVariant) value = NULL;
  TestCall *write;
  const char *s = NULL;

  matter_setup(f, FALSE);
  connect_central(f, 23, "auto");

  central_write(f, handshake, sizeof(handshake));
  write = last_call(f->app, "WriteValue");
  g_assert_nonnull(write);
  g_assert_cmpstr(write->path, ==, "/app/service0/c1");
  g_assert_cmpstr(g_variant_get_type_string(write->parameters), ==, "(aya{sv})");
  value = g_variant_get_child_value(write->parameters, 0);
  md_test_assert_hex(g_variant_get_data(value), g_variant_get_size(value), "656c04000000170005");
  assert_options(write, 1, 23);

  central(f, "Subscribe");
  g_assert_nonnull(wait_call(f->app, "StartNotify", 1));
  g_assert_cmpstr(last_call(f->app, "StartNotify")->path, ==, "/app/service0/c2");
  test_app_change(f->app, "/app/service0/c2", CHRC_IFACE, "Value",
                  bytes_variant(response, sizeof(response)));
  indication = wait_indication(f);
  assert_bytes_hex(indication, "656c04170005");
  g_assert_nonnull(wait_call(f->app, "Confirm", 1));

  memset(big, 0x5a, sizeof(big));
  test_app_change(f->app, "/app/service0/c2", CHRC_IFACE, "Value", bytes_variant(big, sizeof(big)));
  g_clear_pointer(&indication, g_bytes_unref);
  indication = wait_indication(f);
  g_assert_cmpuint(g_bytes_get_size(indication), ==, 20);

  info = connection_info(f);
  g_assert_true(g_variant_lookup(info, "WritePath", "&s", &s));
  g_assert_cmpstr(s, ==, "value");
  g_assert_true(g_variant_lookup(info, "NotifyPath", "&s", &s));
  g_assert_cmpstr(s, ==, "value");

  central(f, "Unsubscribe");
  g_assert_nonnull(wait_call(f->app, "StopNotify", 1));
  g_assert_cmpuint(count_calls(f->app, "AcquireWrite"), ==, 0);
  g_assert_cmpuint(count_calls(f->app, "AcquireNotify"), ==, 0);
}

/* "value" takes WriteValue and StartNotify even where the Acquire
 * properties are offered; disconnecting calls StopNotify. */
static void
test_central_forced_value(Fixture *f, gconstpointer data)
{
  static const guint8 one[] = { 1 };

  matter_setup(f, TRUE);
  connect_central(f, 185, "value");
  central_write(f, one, sizeof(one));
  assert_options(last_call(f->app, "WriteValue"), 1, 185);
  central(f, "Subscribe");
  g_assert_nonnull(wait_call(f->app, "StartNotify", 1));
  central(f, "Disconnect");
  g_assert_nonnull(wait_call(f->app, "StopNotify", 1));
  g_assert_cmpuint(count_calls(f->app, "AcquireWrite"), ==, 0);
  g_assert_cmpuint(count_calls(f->app, "AcquireNotify"), ==, 0);
}

/* The application's WriteValue errors become ATT errors as bluetoothd
 * maps them. */
static void
test_central_write_errors(Fixture *f, gconstpointer data)
{
  static const struct {
    const char *error;
    const char *att;
  } cases[] = {
    { "org.bluez.Error.Failed 0x81", "ATT error 0x81" },
    { "org.bluez.Error.Failed broken", "ATT error 0x80" },
    { "org.bluez.Error.Failed 0x20", "ATT error 0x0e" },
    { "org.bluez.Error.NotPermitted no", "ATT error 0x03" },
    { "org.bluez.Error.InvalidValueLength no", "ATT error 0x0d" },
    { "org.bluez.Error.NotSupported no", "ATT error 0x06" },
    { "com.example.Error.Other no", "ATT error 0x0e" },
  };
  static const guint8 one[] = { 1 };

  matter_setup(f, FALSE);
  connect_central(f, 100, "auto");
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *message = NULL;

    g_free(f->app->write_error);
    f->app->write_error = g_strdup(cases[i].error);
    message = md_test_bluez_control_error(
        f->bluez, "Write", g_variant_new("(o@ay)", CENTRAL_PATH, bytes_variant(one, 1)),
        "org.bluez.test.Error.AttError");
    g_assert_cmpstr(message, ==, cases[i].att);
  }
}

/* An AcquireWrite error other than one bluetoothd retries with WriteValue
 * answers that write; the next ones stay queued (bluetoothd 5.66), so the
 * central's ATT time-out drops the link. */
static void
test_central_acquire_refused(Fixture *f, gconstpointer data)
{
  static const guint8 one[] = { 1 };
  g_autofree char *message = NULL;
  g_autoptr(GVariant) reason = NULL;

  matter_setup(f, TRUE);
  f->app->acquire_write_error = g_strdup("org.bluez.Error.NotPermitted busy");
  connect_central(f, 100, "auto");
  message = md_test_bluez_control_error(
      f->bluez, "Write", g_variant_new("(o@ay)", CENTRAL_PATH, bytes_variant(one, 1)),
      "org.bluez.test.Error.AttError");
  g_assert_cmpstr(message, ==, "ATT error 0x03");
  g_clear_pointer(&message, g_free);
  message = md_test_bluez_control_error(
      f->bluez, "Write", g_variant_new("(o@ay)", CENTRAL_PATH, bytes_variant(one, 1)),
      "org.bluez.test.Error.Timeout");
  reason = md_test_bluez_wait_signal(f->bluez, "Disconnected", WAIT_MS);
  g_assert_nonnull(reason);
  g_assert_cmpstr(child_string(reason, 1), ==, "timeout");
  g_assert_cmpuint(count_calls(f->app, "AcquireWrite"), ==, 1);
  g_assert_cmpuint(count_calls(f->app, "WriteValue"), ==, 0);
}

/* An unknown method error makes bluetoothd fall back to WriteValue. */
static void
test_central_acquire_fallback(Fixture *f, gconstpointer data)
{
  static const guint8 one[] = { 1 };

  matter_setup(f, TRUE);
  f->app->acquire_write_error = g_strdup("org.freedesktop.DBus.Error.UnknownMethod no");
  connect_central(f, 100, "auto");
  central_write(f, one, sizeof(one));
  g_assert_cmpuint(count_calls(f->app, "AcquireWrite"), ==, 1);
  g_assert_cmpuint(count_calls(f->app, "WriteValue"), ==, 1);
}

/* C3 reads long, in MTU - 1 pieces with offsets. */
static void
test_central_read(Fixture *f, gconstpointer data)
{
  guint8 c3[50];
  g_autoptr(GBytes) value = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) read = NULL;

  for (gsize i = 0; i < sizeof(c3); i++)
    c3[i] = (guint8) i;
  value = g_bytes_new(c3, sizeof(c3));
  add_matter_app(f->app, FALSE, value);
  register_app_ok(f->app);
  test_app_add(f->app, "/app/adv", ADV_IFACE, matter_adv(FALSE, TRUE), FALSE);
  register_adv_ok(f->app, "/app/adv");
  connect_central(f, 23, "auto");
  reply = md_test_bluez_control(f->bluez, "Read",
                                g_variant_new("(os)", CENTRAL_PATH, MD_TEST_MATTER_C3));
  read = g_variant_get_child_value(reply, 0);
  g_assert_cmpmem(g_variant_get_data(read), g_variant_get_size(read), c3, sizeof(c3));
  /* 22, 22 and 6 bytes. */
  g_assert_cmpuint(count_calls(f->app, "ReadValue"), ==, 3);
}

/* What a central cannot do. */
static void
test_central_refusals(Fixture *f, gconstpointer data)
{
  guint8 big[30] = { 0 };
  g_autofree char *message = NULL;

  message =
      md_test_bluez_control_error(f->bluez, "Connect", g_variant_new("(sqs)", CENTRAL, 23, "auto"),
                                  "org.bluez.test.Error.NotPermitted");
  g_clear_pointer(&message, g_free);
  add_matter_app(f->app, FALSE, NULL);
  register_app_ok(f->app);
  /* A broadcast advertisement does not take connections either. */
  test_app_add(f->app, "/app/adv", ADV_IFACE, g_variant_new_parsed("{'Type': <'broadcast'>}"),
               FALSE);
  register_adv_ok(f->app, "/app/adv");
  message =
      md_test_bluez_control_error(f->bluez, "Connect", g_variant_new("(sqs)", CENTRAL, 23, "auto"),
                                  "org.bluez.test.Error.NotPermitted");
  g_clear_pointer(&message, g_free);
  test_app_add(f->app, "/app/adv2", ADV_IFACE, matter_adv(FALSE, TRUE), FALSE);
  register_adv_ok(f->app, "/app/adv2");
  message =
      md_test_bluez_control_error(f->bluez, "Connect", g_variant_new("(sqs)", CENTRAL, 22, "auto"),
                                  "org.bluez.test.Error.InvalidArguments");
  g_clear_pointer(&message, g_free);
  connect_central(f, 23, "acquire");
  message = md_test_bluez_control_error(
      f->bluez, "Write", g_variant_new("(o@ay)", CENTRAL_PATH, bytes_variant(big, 21)),
      "org.bluez.test.Error.InvalidArguments");
  g_clear_pointer(&message, g_free);
  /* No WriteAcquired: the acquire path is not there. */
  message = md_test_bluez_control_error(
      f->bluez, "Write", g_variant_new("(o@ay)", CENTRAL_PATH, bytes_variant(big, 20)),
      "org.bluez.test.Error.NotSupported");
  g_clear_pointer(&message, g_free);
  message =
      md_test_bluez_control_error(f->bluez, "Connect", g_variant_new("(sqs)", CENTRAL, 23, "auto"),
                                  "org.bluez.test.Error.AlreadyConnected");
}

/* The application dropping the link with Device1.Disconnect(): the
 * answer comes once the link is down, two seconds later in 5.66; with no
 * link it comes at once. */
static void
test_central_device_disconnect(Fixture *f, gconstpointer data)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) signal = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start;

  matter_setup(f, TRUE);
  connect_central(f, 247, "auto");
  central(f, "Subscribe");
  g_assert_nonnull(wait_call(f->app, "AcquireNotify", 1));
  g_assert_true(f->app->notify_peer >= 0);
  start = g_get_monotonic_time();
  reply = call(f->app->connection, CENTRAL_PATH, "org.bluez.Device1", "Disconnect", NULL, &error);
  g_assert_no_error(error);
  g_assert_cmpint(g_get_monotonic_time() - start, >=, 1900 * 1000);
  signal = md_test_bluez_wait_signal(f->bluez, "Disconnected", WAIT_MS);
  g_assert_nonnull(signal);
  g_assert_cmpstr(child_string(signal, 1), ==, "local");
  assert_closed(f->app->notify_peer);
  drop(call(f->app->connection, CENTRAL_PATH, "org.bluez.Device1", "Disconnect", NULL, &error));
  g_assert_no_error(error);
}

/* ---- Power, restarts, the adapter going ------------------------------- */

static gboolean
device_gone(gpointer data)
{
  g_autoptr(GVariant) objects = managed_objects_of_bluez(data);

  return !g_variant_lookup(objects, CENTRAL_PATH, "@a{sa{sv}}", NULL);
}

/* Powered off: links drop, devices go, the advertisement stays registered
 * (off the air) without Release(), the application stays; powered on,
 * the advertisement is back on the air. */
static void
test_power_cycle(Fixture *f, gconstpointer data)
{
  g_autoptr(GVariant) signal = NULL;
  g_autoptr(GVariant) info = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  gboolean on_air = TRUE;

  matter_setup(f, TRUE);
  connect_central(f, 247, "auto");
  central(f, "Subscribe");
  g_assert_nonnull(wait_call(f->app, "AcquireNotify", 1));

  adapter_set(f, "Powered", g_variant_new_boolean(FALSE), &error);
  g_assert_no_error(error);
  signal = md_test_bluez_wait_signal(f->bluez, "Disconnected", WAIT_MS);
  g_assert_nonnull(signal);
  g_assert_cmpstr(child_string(signal, 1), ==, "power-off");
  assert_closed(f->app->notify_peer);
  g_assert_true(md_test_bluez_wait(device_gone, f, WAIT_MS));
  bytes = advertising_data(f, &info);
  g_assert_true(g_variant_lookup(info, "OnAir", "b", &on_air));
  g_assert_false(on_air);
  g_assert_cmpuint(active_instances(f), ==, 1);
  g_assert_nonnull(md_test_bluez_wait_application(f->bluez, WAIT_MS));
  message =
      md_test_bluez_control_error(f->bluez, "Connect", g_variant_new("(sqs)", CENTRAL, 23, "auto"),
                                  "org.bluez.test.Error.NotReady");

  adapter_set(f, "Powered", g_variant_new_boolean(TRUE), &error);
  g_assert_no_error(error);
  g_clear_pointer(&info, g_variant_unref);
  g_clear_pointer(&bytes, g_bytes_unref);
  bytes = advertising_data(f, &info);
  g_assert_true(g_variant_lookup(info, "OnAir", "b", &on_air));
  g_assert_true(on_air);
  assert_bytes_hex(bytes, "0b 16 f6ff 00000ff1ff008000  02 01 06");
  connect_central(f, 247, "auto");
  g_assert_cmpuint(count_calls(f->app, "Release"), ==, 0);
}

static gboolean
powered(gpointer data)
{
  Fixture *f = data;
  g_autoptr(GVariant) value = adapter_get(f, "org.bluez.Adapter1", "Powered");

  return g_variant_get_boolean(value);
}

/* bluetoothd killed: its end of the sockets goes, its name goes; started
 * again it has nothing registered, its adapter comes up unpowered and is
 * then powered on, and the application registers anew. */
static void
test_restart(Fixture *f, gconstpointer data)
{
  static const guint8 one[] = { 1 };
  g_autoptr(GVariant) attributes = NULL;
  g_autoptr(GVariant) all = NULL;
  g_autoptr(GVariant) list = NULL;

  matter_setup(f, TRUE);
  connect_central(f, 247, "auto");
  central_write(f, one, sizeof(one));
  assert_packet(f->app->write_peer, "01");

  g_assert_cmpint(md_test_bluez_stop(f->bluez, SIGKILL), ==, -1);
  assert_closed(f->app->write_peer);
  md_test_bluez_free(f->bluez);
  f->bluez = md_test_bluez_start(f->bus, f->dir, NULL);
  g_assert_true(md_test_bluez_wait(powered, f, WAIT_MS));
  attributes = md_test_bluez_control(f->bluez, "GetApplication", NULL);
  list = g_variant_get_child_value(attributes, 0);
  g_assert_cmpuint(g_variant_n_children(list), ==, 0);
  all = md_test_bluez_control(f->bluez, "GetAdvertisements", NULL);
  g_assert_cmpuint(child_count(all, 0), ==, 0);
  register_app_ok(f->app);
  register_adv_ok(f->app, "/app/adv");
  g_assert_nonnull(md_test_bluez_wait_advertisement(f->bluez, WAIT_MS));
}

/* SIGTERM: powered off first, then every advertisement is released. */
static void
test_shutdown(Fixture *f, gconstpointer data)
{
  matter_setup(f, FALSE);
  g_assert_cmpint(md_test_bluez_stop(f->bluez, SIGTERM), ==, 0);
  g_assert_nonnull(wait_call(f->app, "Release", 1));
  g_assert_cmpstr(last_call(f->app, "Release")->path, ==, "/app/adv");
}

/* The controller going away releases the advertisements and drops the
 * applications with its object; coming back it has none. */
static void
test_adapter_removed(Fixture *f, gconstpointer data)
{
  g_autoptr(GVariant) objects = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) attributes = NULL;

  matter_setup(f, FALSE);
  reply = md_test_bluez_control(f->bluez, "RemoveAdapter", NULL);
  g_assert_nonnull(wait_call(f->app, "Release", 1));
  objects = managed_objects_of_bluez(f);
  g_assert_cmpuint(g_variant_n_children(objects), ==, 0);
  g_clear_pointer(&reply, g_variant_unref);
  reply = md_test_bluez_control(f->bluez, "AddAdapter", NULL);
  g_assert_true(md_test_bluez_wait(powered, f, WAIT_MS));
  attributes = md_test_bluez_control(f->bluez, "GetApplication", NULL);
  g_assert_cmpuint(child_count(attributes, 0), ==, 0);
  register_app_ok(f->app);
}

/* ---- On a system bus with the policy ------------------------------------ */

/* tests/fake-bluez/bluetooth.conf on an enforcing system bus: the fake
 * (root) owns org.bluez and calls the application's interfaces; someone
 * else may not own the name. */
static void
test_system_bus(void)
{
  g_autofree char *dir = md_test_mkdtemp();
  g_autofree char *policy =
      g_test_build_filename(G_TEST_DIST, "fake-bluez", "bluetooth.conf", NULL);
  g_autoptr(GSubprocess) nobody = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *address = NULL;
  MdTestBus *bus;
  MdTestBluez *bluez;
  TestApp *app;

  if (getuid() != 0) {
    g_test_skip("needs root to run a second user");
    return;
  }
  g_assert_cmpint(g_chmod(dir, 0755), ==, 0);
  bus = md_test_bus_start_system(dir, policy);
  bluez = md_test_bluez_start(bus, dir, NULL);
  app = test_app_new(bus, "/app");
  add_matter_app(app, TRUE, NULL);
  register_app_ok(app);
  test_app_add(app, "/app/adv", ADV_IFACE, matter_adv(FALSE, TRUE), FALSE);
  register_adv_ok(app, "/app/adv");
  g_assert_nonnull(md_test_bluez_wait_application(bluez, WAIT_MS));
  g_assert_nonnull(md_test_bluez_wait_advertisement(bluez, WAIT_MS));

  address = g_strconcat("DBUS_SYSTEM_BUS_ADDRESS=", bus->address, NULL);
  nobody =
      g_subprocess_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE, &error,
                       "runuser", "-u", "nobody", "--", "env", address, "gdbus", "call", "--system",
                       "--dest", "org.freedesktop.DBus", "--object-path", "/org/freedesktop/DBus",
                       "--method", "org.freedesktop.DBus.RequestName", "org.bluez", "4", NULL);
  g_assert_no_error(error);
  g_subprocess_communicate_utf8(nobody, NULL, NULL, &out, NULL, &error);
  g_assert_no_error(error);
  g_test_message("gdbus as nobody: %s", out);
  g_assert_nonnull(strstr(out, "AccessDenied"));

  test_app_free(app);
  g_assert_cmpint(md_test_bluez_stop(bluez, SIGTERM), ==, 0);
  md_test_bluez_free(bluez);
  md_test_bus_stop(bus);
  md_test_rmtree(dir);
}

static const char *const experimental[] = { "--experimental", NULL };
static const char *const le_only[] = { "--le-only", NULL };
static const char *const two_instances[] = { "--max-advertisements", "2", NULL };
static const char *const short_att_timeout[] = { "--att-timeout", "1", NULL };

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

#define ADD(name, args, fn) \
  g_test_add("/fake-bluez/" name, Fixture, args, fixture_setup, fn, fixture_teardown)
  ADD("adapter", NULL, test_adapter);
  ADD("adapter/experimental", experimental, test_adapter_experimental);
  ADD("adapter/discoverable", NULL, test_adapter_discoverable);
  ADD("gatt/register", NULL, test_gatt_register);
  ADD("gatt/handles", NULL, test_gatt_handles);
  ADD("gatt/malformed", NULL, test_gatt_malformed);
  ADD("gatt/no-object-manager", NULL, test_gatt_no_object_manager);
  ADD("gatt/asynchronous", NULL, test_gatt_asynchronous);
  ADD("gatt/owner-leaves", NULL, test_gatt_owner_leaves);
  ADD("gatt/service-removed", NULL, test_gatt_service_removed);
  ADD("adv/matter", NULL, test_adv_matter);
  ADD("adv/uuid-list", NULL, test_adv_uuid_list);
  ADD("adv/le-only", le_only, test_adv_le_only);
  ADD("adv/changed", NULL, test_adv_changed);
  ADD("adv/cases", NULL, test_adv_cases);
  ADD("adv/scan-response", NULL, test_adv_scan_response);
  ADD("adv/intervals", experimental, test_adv_intervals);
  ADD("adv/limits", two_instances, test_adv_limits);
  ADD("adv/timeout", NULL, test_adv_timeout);
  ADD("adv/owner-leaves", NULL, test_adv_owner_leaves);
  ADD("central/acquire", NULL, test_central_acquire);
  ADD("central/value", NULL, test_central_value);
  ADD("central/forced-value", NULL, test_central_forced_value);
  ADD("central/write-errors", NULL, test_central_write_errors);
  ADD("central/acquire-refused", short_att_timeout, test_central_acquire_refused);
  ADD("central/acquire-fallback", NULL, test_central_acquire_fallback);
  ADD("central/read", NULL, test_central_read);
  ADD("central/refusals", NULL, test_central_refusals);
  ADD("central/device-disconnect", NULL, test_central_device_disconnect);
  ADD("power-cycle", NULL, test_power_cycle);
  ADD("restart", NULL, test_restart);
  ADD("shutdown", NULL, test_shutdown);
  ADD("adapter-removed", NULL, test_adapter_removed);
#undef ADD
  g_test_add_func("/fake-bluez/system-bus", test_system_bus);
  return g_test_run();
}
