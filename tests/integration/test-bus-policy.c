/* SPDX-License-Identifier: Apache-2.0 */
/* dbus/org.matterd.conf on a system-type bus that enforces it: matterd (as
 * root) owns org.matterd; an unprivileged user may read, call Node1 and set
 * properties (matterd itself refuses, there being no polkit on this bus)
 * but may not own the name, nor call into host applications. Needs root,
 * to run the unprivileged side as `nobody`. */

#include <glib/gstdio.h>
#include <signal.h>
#include <unistd.h>

#include "md-test.h"

typedef struct {
  char *dir;
  MdTestBus *bus;
  MdTestNotify *notify;
  MdTestDaemon *daemon;
} Fixture;

static void
fixture_setup(Fixture *f, gconstpointer data)
{
  g_autofree char *policy = g_test_build_filename(G_TEST_DIST, "..", "dbus", "org.matterd.conf",
                                                  NULL);
  g_autofree char *state = NULL;

  f->dir = md_test_mkdtemp();
  /* nobody must reach the bus socket inside. */
  g_assert_cmpint(g_chmod(f->dir, 0755), ==, 0);
  state = g_build_filename(f->dir, "state", NULL);
  f->bus = md_test_bus_start_system(f->dir, policy);
  f->notify = md_test_notify_new(f->dir);
  f->daemon = md_test_daemon_spawn(f->bus, f->notify, state, NULL, NULL);
  g_assert_nonnull(md_test_notify_wait(f->notify, "READY=1", MD_TEST_TIMEOUT_MS));
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
  g_assert_cmpint(md_test_daemon_stop(f->daemon, SIGTERM), ==, 0);
  md_test_daemon_free(f->daemon);
  md_test_notify_free(f->notify);
  md_test_bus_stop(f->bus);
  md_test_rmtree(f->dir);
  g_free(f->dir);
}

/* Runs gdbus as nobody on the test bus; returns its exit status and
 * output (stdout, then stderr). */
static int
gdbus_as_nobody(Fixture *f, char **output, ...)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new(
    G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  const char *arg;
  va_list args;

  g_subprocess_launcher_setenv(launcher, "DBUS_SYSTEM_BUS_ADDRESS", f->bus->address, TRUE);
  for (const char *a = "runuser\0-u\0nobody\0--\0gdbus\0"; *a; a += strlen(a) + 1)
    g_ptr_array_add(argv, (char *) a);
  va_start(args, output);
  while ((arg = va_arg(args, const char *)) != NULL)
    g_ptr_array_add(argv, (char *) arg);
  va_end(args);
  g_ptr_array_add(argv, NULL);

  process = g_subprocess_launcher_spawnv(launcher, (const char *const *) argv->pdata, &error);
  g_assert_no_error(error);
  g_subprocess_communicate_utf8(process, NULL, NULL, output, NULL, &error);
  g_assert_no_error(error);
  g_test_message("gdbus: %s", *output);
  return g_subprocess_get_exit_status(process);
}

static void
test_read_allowed(Fixture *f, gconstpointer data)
{
  g_autofree char *out = NULL;

  g_assert_cmpint(gdbus_as_nobody(f, &out, "call", "--system", "--dest", "org.matterd",
                                  "--object-path", "/org/matterd", "--method",
                                  "org.freedesktop.DBus.Properties.Get", "org.matterd.Node1",
                                  "VendorId", NULL),
                  ==, 0);
  g_assert_nonnull(strstr(out, "<uint16 65521>"));
  g_clear_pointer(&out, g_free);
  g_assert_cmpint(gdbus_as_nobody(f, &out, "introspect", "--system", "--dest", "org.matterd",
                                  "--object-path", "/org/matterd", NULL),
                  ==, 0);
  g_assert_nonnull(strstr(out, "interface org.matterd.Node1"));
}

/* Node1 calls reach the daemon, which asks polkit; there is none here. */
static void
test_method_reaches_daemon(Fixture *f, gconstpointer data)
{
  g_autofree char *out = NULL;

  g_assert_cmpint(gdbus_as_nobody(f, &out, "call", "--system", "--dest", "org.matterd",
                                  "--object-path", "/org/matterd", "--method",
                                  "org.matterd.Node1.CloseCommissioningWindow", NULL),
                  !=, 0);
  g_assert_nonnull(strstr(out, "org.matterd.Error.NotAuthorized"));
}

/* So does Set: GDBus in the daemon refuses it for a read-only property.
 * GLib 2.74 answers InvalidArgs ("Property ... is not writable"); the
 * D-Bus specification's PropertyReadOnly is what a later GLib may answer. */
static void
test_set_read_only(Fixture *f, gconstpointer data)
{
  g_autofree char *out = NULL;

  g_assert_cmpint(gdbus_as_nobody(f, &out, "call", "--system", "--dest", "org.matterd",
                                  "--object-path", "/org/matterd", "--method",
                                  "org.freedesktop.DBus.Properties.Set", "org.matterd.Node1",
                                  "VendorId", "<uint16 1>", NULL),
                  !=, 0);
  g_assert_true(strstr(out, "org.freedesktop.DBus.Error.PropertyReadOnly") != NULL ||
                (strstr(out, "org.freedesktop.DBus.Error.InvalidArgs") != NULL &&
                 strstr(out, "VendorId") != NULL && strstr(out, "not writable") != NULL));
}

/* ...and asks polkit for a writable one. */
static void
test_set_reaches_daemon(Fixture *f, gconstpointer data)
{
  g_autofree char *out = NULL;

  g_assert_cmpint(gdbus_as_nobody(f, &out, "call", "--system", "--dest", "org.matterd",
                                  "--object-path", "/org/matterd", "--method",
                                  "org.freedesktop.DBus.Properties.Set", "org.matterd.Node1",
                                  "NodeLabel", "<'kitchen'>", NULL),
                  !=, 0);
  g_assert_nonnull(strstr(out, "org.matterd.Error.NotAuthorized"));
}

static void
test_own_denied(Fixture *f, gconstpointer data)
{
  g_autofree char *out = NULL;

  /* DBUS_NAME_FLAG_DO_NOT_QUEUE: the answer is immediate. */
  g_assert_cmpint(gdbus_as_nobody(f, &out, "call", "--system", "--dest", "org.freedesktop.DBus",
                                  "--object-path", "/org/freedesktop/DBus", "--method",
                                  "org.freedesktop.DBus.RequestName", "org.matterd", "4", NULL),
                  !=, 0);
  g_assert_nonnull(strstr(out, "org.freedesktop.DBus.Error.AccessDenied"));
}

/* EndpointManager1 and NodeEndpoint1 calls reach the daemon too. */
static void
test_endpoint_manager_reaches_daemon(Fixture *f, gconstpointer data)
{
  g_autofree char *out = NULL;

  g_assert_cmpint(gdbus_as_nobody(f, &out, "call", "--system", "--dest", "org.matterd",
                                  "--object-path", "/org/matterd", "--method",
                                  "org.matterd.EndpointManager1.RegisterApplication", "/app", "{}",
                                  NULL),
                  !=, 0);
  g_assert_nonnull(strstr(out, "org.matterd.Error.NotAuthorized"));
  g_clear_pointer(&out, g_free);
  g_assert_cmpint(gdbus_as_nobody(f, &out, "call", "--system", "--dest", "org.matterd",
                                  "--object-path", "/org/matterd", "--method",
                                  "org.matterd.EndpointManager1.UnregisterApplication", "/app",
                                  NULL),
                  !=, 0);
  g_assert_nonnull(strstr(out, "org.matterd.Error.NotFound"));
}

static void
refuse_call(GDBusConnection *connection, const char *sender, const char *path,
            const char *interface, const char *method, GVariant *parameters,
            GDBusMethodInvocation *invocation, gpointer user_data)
{
  g_dbus_method_invocation_return_dbus_error(invocation, "com.example.Reached", "reached");
}

/* What the policy opens for matterd's user and root, calls into host
 * applications' cluster interfaces, it does not open for everyone: a
 * cluster object of the test's (root's) connection is out of nobody's
 * reach. */
static void
test_application_calls_denied(Fixture *f, gconstpointer data)
{
  static const GDBusInterfaceVTable vtable = { .method_call = refuse_call };
  g_autoptr(GDBusConnection) app = md_test_bus_connect(f->bus);
  g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml(
      "<node><interface name='org.matterd.cluster.OnOff1'><method name='On'/></interface></node>",
      NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  guint id = g_dbus_connection_register_object(app, "/app/plug0/onoff", info->interfaces[0],
                                               &vtable, NULL, NULL, &error);

  g_assert_no_error(error);
  g_assert_cmpint(gdbus_as_nobody(f, &out, "call", "--system", "--dest",
                                  g_dbus_connection_get_unique_name(app), "--object-path",
                                  "/app/plug0/onoff", "--method", "org.matterd.cluster.OnOff1.On",
                                  NULL),
                  !=, 0);
  g_assert_nonnull(strstr(out, "org.freedesktop.DBus.Error.AccessDenied"));
  g_dbus_connection_unregister_object(app, id);
}

static void
add_test(const char *path, void (*func)(Fixture *, gconstpointer))
{
  g_test_add(path, Fixture, NULL, fixture_setup, func, fixture_teardown);
}

static void
test_skipped(void)
{
  g_test_skip("needs root and runuser to act as an unprivileged bus client");
}

int
main(int argc, char **argv)
{
  g_autofree char *runuser = g_find_program_in_path("runuser");

  g_test_init(&argc, &argv, NULL);

  if (getuid() != 0 || runuser == NULL) {
    g_test_add_func("/bus-policy/skipped", test_skipped);
    return g_test_run();
  }
  add_test("/bus-policy/read-allowed", test_read_allowed);
  add_test("/bus-policy/method-reaches-daemon", test_method_reaches_daemon);
  add_test("/bus-policy/set-read-only", test_set_read_only);
  add_test("/bus-policy/set-reaches-daemon", test_set_reaches_daemon);
  add_test("/bus-policy/own-denied", test_own_denied);
  add_test("/bus-policy/endpoint-manager-reaches-daemon", test_endpoint_manager_reaches_daemon);
  add_test("/bus-policy/application-calls-denied", test_application_calls_denied);
  return g_test_run();
}
