/* SPDX-License-Identifier: Apache-2.0 */
/* The bouncer against polkit: matterd (as root) on a system-type bus that
 * enforces the project's policy, python-dbusmock's polkitd template as
 * polkit's Authority on it, callers running as nobody. A change goes
 * through only when polkit allows that very action; polkit may ask the
 * user only when the caller allowed it; with no polkit only root gets
 * through; reading never asks. Needs root (setpriv), dbus-daemon and
 * python3-dbusmock. */

#include <glib/gstdio.h>
#include <signal.h>
#include <unistd.h>

#include "md-names.h"
#include "md-test-app.h"
#include "md-test.h"

#define NOBODY "65534"
#define MOCK_INTERFACE "org.freedesktop.DBus.Mock"
#define REFUSED MD_DBUS_ERROR_PREFIX "NotAuthorized"

/* How a test's matterd is set up. */
typedef enum {
  SETUP_POLKIT = 1 << 0,  /* the polkit mock runs on the system bus */
  SETUP_SESSION = 1 << 1, /* matterd serves on a bus of its own (--session) */
  SETUP_GROUP = 1 << 2,   /* [Applications] Group=APP_GROUP */
} Setup;

/* A group every Debian system has, which nobody is not in. */
#define APP_GROUP "users"
#define APP_GROUP_ID "100"

typedef struct {
  char *dir;
  MdTestBus *system;           /* polkit's bus */
  MdTestBus *session;          /* matterd's when SETUP_SESSION, else NULL */
  MdTestBus *served;           /* the one matterd serves on */
  GDBusConnection *connection; /* the test's own (root) on the system bus */
  GDBusConnection *client;     /* the test's own (root) on matterd's bus */
  GSubprocess *polkit;         /* NULL: no polkit */
  MdTestNotify *notify;
  MdTestDaemon *daemon;
  char *caller_pid; /* of the last gdbus run */
} Fixture;

typedef enum {
  AS_ROOT,
  AS_NOBODY,
  AS_NOBODY_INTERACTIVE, /* gdbus call --interactive */
  AS_NOBODY_IN_GROUP,    /* nobody with APP_GROUP as a supplementary group */
} Caller;

/* The project's policy, plus polkit's as far as its mock needs it. */
static char *
write_system_policy(const char *dir)
{
  static const char policy[] =
      "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
      " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
      "<busconfig>\n"
      "  <include>%s</include>\n"
      "  <policy user=\"root\">\n"
      "    <allow own=\"" MD_POLKIT_BUS_NAME "\"/>\n"
      "  </policy>\n"
      "  <policy context=\"default\">\n"
      "    <allow send_destination=\"" MD_POLKIT_BUS_NAME "\"/>\n"
      "  </policy>\n"
      "</busconfig>\n";
  g_autofree char *project =
      g_test_build_filename(G_TEST_DIST, "..", "dbus", "org.matterd.conf", NULL);
  g_autofree char *text = g_strdup_printf(policy, project);
  char *path = g_build_filename(dir, "system-policy.conf", NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents(path, text, -1, &error);
  g_assert_no_error(error);
  return path;
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
  Setup setup = GPOINTER_TO_INT(data);
  g_autofree char *policy = NULL;
  g_autofree char *state = NULL;
  g_autofree char *session_env = NULL;
  g_autofree char *system_env = NULL;
  g_autofree char *config = NULL;

  f->dir = md_test_mkdtemp();
  /* nobody must reach the bus sockets inside. */
  g_assert_cmpint(g_chmod(f->dir, 0755), ==, 0);
  policy = write_system_policy(f->dir);
  f->system = md_test_bus_start_system(f->dir, policy);
  f->connection = md_test_bus_connect(f->system);
  if (setup & SETUP_POLKIT)
    f->polkit = md_test_dbusmock_start(f->system, "polkitd", MD_POLKIT_BUS_NAME);
  f->notify = md_test_notify_new(f->dir);
  state = g_build_filename(f->dir, "state", NULL);
  config = g_build_filename(f->dir, "matterd.conf", NULL);
  g_assert_true(g_file_set_contents(
      config, (setup & SETUP_GROUP) ? "[Applications]\nGroup=" APP_GROUP "\n" : "", -1, NULL));
  if (setup & SETUP_SESSION) {
    g_autofree char *session_dir = g_build_filename(f->dir, "session", NULL);
    g_autofree char *project =
        g_test_build_filename(G_TEST_DIST, "..", "dbus", "org.matterd.conf", NULL);

    g_assert_cmpint(g_mkdir(session_dir, 0755), ==, 0);
    /* A system-type bus too, for a socket the user nobody can reach;
     * matterd takes it for its session bus. */
    f->session = md_test_bus_start_system(session_dir, project);
    f->served = f->session;
    session_env = g_strconcat("DBUS_SESSION_BUS_ADDRESS=", f->session->address, NULL);
    system_env = g_strconcat("DBUS_SYSTEM_BUS_ADDRESS=", f->system->address, NULL);
    f->daemon = md_test_daemon_spawn(f->session, f->notify, state,
                                     (const char *const[]){ "--session", "--config", config, NULL },
                                     (const char *const[]){ session_env, system_env, NULL });
  } else {
    f->served = f->system;
    f->daemon = md_test_daemon_spawn(f->system, f->notify, state,
                                     (const char *const[]){ "--config", config, NULL }, NULL);
  }
  f->client = md_test_bus_connect(f->served);
  g_assert_nonnull(md_test_notify_wait(f->notify, "READY=1", MD_TEST_TIMEOUT_MS));
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
  g_assert_cmpint(md_test_daemon_stop(f->daemon, SIGTERM), ==, 0);
  md_test_daemon_free(f->daemon);
  md_test_notify_free(f->notify);
  md_test_dbusmock_stop(f->polkit);
  g_clear_object(&f->client);
  g_clear_object(&f->connection);
  md_test_bus_stop(f->session);
  md_test_bus_stop(f->system);
  md_test_rmtree(f->dir);
  g_free(f->dir);
  g_free(f->caller_pid);
}

/* Starts `gdbus call` on matterd's bus as @caller, on @path at matterd;
 * @method and its arguments (NULL-terminated) follow. */
static GSubprocess *
gdbus_spawnv(Fixture *f, Caller caller, const char *path, const char *method, va_list args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  g_autoptr(GError) error = NULL;
  GSubprocess *process;
  const char *arg;

  if (caller != AS_ROOT) {
    for (const char *a = "setpriv\0--reuid=" NOBODY "\0--regid=" NOBODY "\0"; *a;
         a += strlen(a) + 1)
      g_ptr_array_add(argv, (char *) a);
    g_ptr_array_add(argv,
                    caller == AS_NOBODY_IN_GROUP ? "--groups=" APP_GROUP_ID : "--clear-groups");
  }
  for (const char *a = "gdbus\0call\0--dest\0" MD_DBUS_NAME "\0"; *a; a += strlen(a) + 1)
    g_ptr_array_add(argv, (char *) a);
  g_ptr_array_add(argv, "--object-path");
  g_ptr_array_add(argv, (char *) path);
  g_ptr_array_add(argv, "--address");
  g_ptr_array_add(argv, f->served->address);
  if (caller == AS_NOBODY_INTERACTIVE)
    g_ptr_array_add(argv, "--interactive");
  g_ptr_array_add(argv, "--method");
  g_ptr_array_add(argv, (char *) method);
  while ((arg = va_arg(args, const char *)) != NULL)
    g_ptr_array_add(argv, (char *) arg);
  g_ptr_array_add(argv, NULL);

  process =
      g_subprocess_newv((const char *const *) argv->pdata,
                        G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE, &error);
  g_assert_no_error(error);
  /* setpriv executes gdbus in its own process. */
  g_free(f->caller_pid);
  f->caller_pid = g_strdup(g_subprocess_get_identifier(process));
  return process;
}

static GSubprocess *
gdbus_spawn(Fixture *f, Caller caller, const char *path, const char *method, ...)
{
  GSubprocess *process;
  va_list args;

  va_start(args, method);
  process = gdbus_spawnv(f, caller, path, method, args);
  va_end(args);
  return process;
}

/* Waits for a gdbus from gdbus_spawn(); returns its exit status and its
 * output (stdout, then stderr) in *@output. */
static int
gdbus_wait(GSubprocess *process, char **output)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_communicate_utf8(process, NULL, NULL, output, NULL, &error);
  g_assert_no_error(error);
  g_test_message("gdbus: %s", *output);
  return g_subprocess_get_exit_status(process);
}

/* gdbus_spawn() and gdbus_wait() in one. */
static int
gdbus_call(Fixture *f, Caller caller, char **output, const char *path, const char *method, ...)
{
  g_autoptr(GSubprocess) process = NULL;
  va_list args;

  va_start(args, method);
  process = gdbus_spawnv(f, caller, path, method, args);
  va_end(args);
  return gdbus_wait(process, output);
}

static void
assert_refused(int status, const char *output)
{
  g_assert_cmpint(status, !=, 0);
  g_assert_nonnull(strstr(output, REFUSED));
}

static int
close_window(Fixture *f, Caller caller, char **output)
{
  return gdbus_call(f, caller, output, MD_DBUS_PATH,
                    MD_DBUS_INTERFACE_NODE ".CloseCommissioningWindow", NULL);
}

static int
set_label(Fixture *f, Caller caller, char **output, const char *label)
{
  g_autofree char *value = g_strdup_printf("<'%s'>", label);

  return gdbus_call(f, caller, output, MD_DBUS_PATH, "org.freedesktop.DBus.Properties.Set",
                    MD_DBUS_INTERFACE_NODE, "NodeLabel", value, NULL);
}

static int
factory_reset(Fixture *f, Caller caller, char **output)
{
  return gdbus_call(f, caller, output, MD_DBUS_PATH, MD_DBUS_INTERFACE_NODE ".FactoryReset", NULL);
}

/* A string property of Node1, read by the test. */
static char *
node_string(Fixture *f, const char *property)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_sync(
      f->client, MD_DBUS_NAME, MD_DBUS_PATH, "org.freedesktop.DBus.Properties", "Get",
      g_variant_new("(ss)", MD_DBUS_INTERFACE_NODE, property), G_VARIANT_TYPE("(v)"),
      G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_autoptr(GVariant) value = NULL;

  g_assert_no_error(error);
  g_variant_get(reply, "(v)", &value);
  return g_variant_dup_string(value, NULL);
}

/* Waits until the string property @property is @expected; matterd may
 * update its properties just after the call that changed them returned. */
static void
wait_node_string(Fixture *f, const char *property, const char *expected)
{
  gint64 deadline = g_get_monotonic_time() + MD_TEST_TIMEOUT_MS * G_TIME_SPAN_MILLISECOND;

  for (;;) {
    g_autofree char *value = node_string(f, property);

    if (g_strcmp0(value, expected) == 0)
      return;
    if (g_get_monotonic_time() > deadline)
      g_assert_cmpstr(value, ==, expected);
    g_usleep(20 * G_TIME_SPAN_MILLISECOND);
  }
}

/* Calls @method of the polkit mock's control interface, which returns nothing. */
static void
polkit_mock_call(Fixture *f, const char *method, GVariant *parameters)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_sync(
      f->connection, MD_POLKIT_BUS_NAME, MD_POLKIT_AUTHORITY_PATH, MOCK_INTERFACE, method,
      parameters, G_VARIANT_TYPE_UNIT, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);

  g_assert_no_error(error);
  g_assert_nonnull(reply);
}

static void
polkit_allow(Fixture *f, const char *const *actions)
{
  polkit_mock_call(f, "SetAllowed", g_variant_new("(^as)", actions));
}

/* The CheckAuthorization calls the polkit mock answered so far, each as the
 * tuple of its arguments: (subject, action id, details, flags,
 * cancellation id). */
static GPtrArray *
polkit_checks(Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_sync(
      f->connection, MD_POLKIT_BUS_NAME, MD_POLKIT_AUTHORITY_PATH, MOCK_INTERFACE, "GetMethodCalls",
      g_variant_new("(s)", "CheckAuthorization"), G_VARIANT_TYPE("(a(tav))"),
      G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_autoptr(GVariantIter) calls = NULL;
  GPtrArray *checks = g_ptr_array_new_with_free_func((GDestroyNotify) g_variant_unref);
  GVariantIter *args;

  g_assert_no_error(error);
  g_variant_get(reply, "(a(tav))", &calls);
  while (g_variant_iter_next(calls, "(tav)", NULL, &args)) {
    g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func((GDestroyNotify) g_variant_unref);
    GVariant *value;

    while (g_variant_iter_next(args, "v", &value))
      g_ptr_array_add(values, value);
    g_ptr_array_add(checks, g_variant_ref_sink(g_variant_new_tuple(
                                (GVariant *const *) values->pdata, values->len)));
    g_variant_iter_free(args);
  }
  return checks;
}

static guint
polkit_checks_count(Fixture *f)
{
  g_autoptr(GPtrArray) checks = polkit_checks(f);

  return checks->len;
}

/* The one CheckAuthorization call the mock answered, which must have been
 * for @action; its flags in *@flags and subject in *@subject. */
static void
polkit_single_check(Fixture *f, const char *action, guint32 *flags, GVariant **subject)
{
  g_autoptr(GPtrArray) checks = polkit_checks(f);
  const char *action_id;

  g_assert_cmpuint(checks->len, ==, 1);
  g_assert_cmpstr(g_variant_get_type_string(checks->pdata[0]), ==, "((sa{sv})sa{ss}us)");
  g_variant_get(checks->pdata[0], "(@(sa{sv})&s*u*)", subject, &action_id, NULL, flags, NULL);
  g_assert_cmpstr(action_id, ==, action);
}

/* Makes the mock answer CheckAuthorization with @code (Python; it sets
 * `ret` to the reply or raises) instead of the template's answer. */
static void
polkit_answer(Fixture *f, const char *code)
{
  polkit_mock_call(f, "AddMethod",
                   g_variant_new("(sssss)", MD_POLKIT_AUTHORITY_INTERFACE, "CheckAuthorization",
                                 "(sa{sv})sa{ss}us", "(bba{ss})", code));
}

static void
polkit_clear_checks(Fixture *f)
{
  polkit_mock_call(f, "ClearCalls", NULL);
}

static void
assert_logged_refusal(Fixture *f, const char *action)
{
  g_autofree char *log = md_test_daemon_stderr(f->daemon);
  g_autofree char *line = g_strdup_printf("Refused %s to ", action);
  const char *at = strstr(log, line);

  g_assert_nonnull(at);
  g_assert_nonnull(strstr(at, "(uid " NOBODY ")"));
}

static void
test_manage_allowed(Fixture *f, gconstpointer data)
{
  g_autofree char *out = NULL;

  polkit_allow(f, (const char *const[]){ MD_POLKIT_ACTION_MANAGE, NULL });
  g_assert_cmpint(close_window(f, AS_NOBODY, &out), ==, 0);
  wait_node_string(f, "CommissioningWindow", "closed");
  g_clear_pointer(&out, g_free);
  g_assert_cmpint(set_label(f, AS_NOBODY, &out, "kitchen"), ==, 0);
  wait_node_string(f, "NodeLabel", "kitchen");
}

static void
test_manage_denied(Fixture *f, gconstpointer data)
{
  g_autofree char *out = NULL;
  g_autofree char *label = node_string(f, "NodeLabel");
  int status;

  /* The mock allows nothing until told to. */
  status = close_window(f, AS_NOBODY, &out);
  assert_refused(status, out);
  g_assert_nonnull(strstr(out, MD_POLKIT_ACTION_MANAGE));
  g_clear_pointer(&out, g_free);
  status = set_label(f, AS_NOBODY, &out, "kitchen");
  assert_refused(status, out);
  assert_logged_refusal(f, MD_POLKIT_ACTION_MANAGE);
  wait_node_string(f, "CommissioningWindow", "basic");
  wait_node_string(f, "NodeLabel", label);
}

/* Allowing one action allows no other. */
static void
test_manage_not_factory_reset(Fixture *f, gconstpointer data)
{
  g_autofree char *out = NULL;
  g_autofree char *unique_id = node_string(f, "UniqueId");
  int status;

  polkit_allow(f, (const char *const[]){ MD_POLKIT_ACTION_FACTORY_RESET, NULL });
  status = close_window(f, AS_NOBODY, &out);
  assert_refused(status, out);
  g_clear_pointer(&out, g_free);
  polkit_allow(f, (const char *const[]){ MD_POLKIT_ACTION_MANAGE, NULL });
  status = factory_reset(f, AS_NOBODY, &out);
  assert_refused(status, out);
  g_assert_nonnull(strstr(out, MD_POLKIT_ACTION_FACTORY_RESET));
  assert_logged_refusal(f, MD_POLKIT_ACTION_FACTORY_RESET);
  wait_node_string(f, "UniqueId", unique_id);
  wait_node_string(f, "CommissioningWindow", "basic");
}

static void
test_factory_reset_allowed(Fixture *f, gconstpointer data)
{
  g_autofree char *out = NULL;
  g_autofree char *unique_id = node_string(f, "UniqueId");
  gint64 deadline = g_get_monotonic_time() + MD_TEST_TIMEOUT_MS * G_TIME_SPAN_MILLISECOND;

  polkit_allow(f, (const char *const[]){ MD_POLKIT_ACTION_FACTORY_RESET, NULL });
  g_assert_cmpint(factory_reset(f, AS_NOBODY, &out), ==, 0);
  /* A factory reset gives the node a new UniqueID. */
  for (;;) {
    g_autofree char *now = node_string(f, "UniqueId");

    if (g_strcmp0(now, unique_id) != 0)
      break;
    g_assert_cmpint(g_get_monotonic_time(), <, deadline);
    g_usleep(20 * G_TIME_SPAN_MILLISECOND);
  }
}

/* On its own bus polkit is asked about the caller's unique name, with
 * user interaction allowed only when the caller's message allowed it. */
static void
test_system_bus_subject(Fixture *f, gconstpointer data)
{
  g_autofree char *out = NULL;
  g_autoptr(GVariant) subject = NULL;
  g_autoptr(GVariant) details = NULL;
  const char *kind, *name;
  guint32 flags;

  polkit_allow(f, (const char *const[]){ MD_POLKIT_ACTION_MANAGE, NULL });
  g_assert_cmpint(set_label(f, AS_NOBODY, &out, "hall"), ==, 0);
  polkit_single_check(f, MD_POLKIT_ACTION_MANAGE, &flags, &subject);
  g_assert_cmpuint(flags, ==, 0);
  g_variant_get(subject, "(&s@a{sv})", &kind, &details);
  g_assert_cmpstr(kind, ==, "system-bus-name");
  g_assert_true(g_variant_lookup(details, "name", "&s", &name));
  g_assert_true(g_dbus_is_unique_name(name));
  g_assert_cmpstr(name, !=, g_dbus_connection_get_unique_name(f->connection));
  g_clear_pointer(&subject, g_variant_unref);
  g_clear_pointer(&out, g_free);

  polkit_clear_checks(f);
  g_assert_cmpint(set_label(f, AS_NOBODY_INTERACTIVE, &out, "hall"), ==, 0);
  polkit_single_check(f, MD_POLKIT_ACTION_MANAGE, &flags, &subject);
  g_assert_cmpuint(flags, ==, 1); /* AllowUserInteraction */
}

static void
test_interactive_flag(Fixture *f, gconstpointer data)
{
  g_autofree char *out = NULL;
  g_autoptr(GVariant) subject = NULL;
  guint32 flags;
  int status;

  /* Refused or allowed, the flag is the caller's. */
  status = factory_reset(f, AS_NOBODY_INTERACTIVE, &out);
  assert_refused(status, out);
  polkit_single_check(f, MD_POLKIT_ACTION_FACTORY_RESET, &flags, &subject);
  g_assert_cmpuint(flags, ==, 1);
  g_clear_pointer(&subject, g_variant_unref);
  g_clear_pointer(&out, g_free);

  polkit_clear_checks(f);
  status = close_window(f, AS_NOBODY, &out);
  assert_refused(status, out);
  polkit_single_check(f, MD_POLKIT_ACTION_MANAGE, &flags, &subject);
  g_assert_cmpuint(flags, ==, 0);
}

/* polkit wants the user to authenticate: not the same as yes. */
static void
test_challenge_refused(Fixture *f, gconstpointer data)
{
  g_autofree char *out = NULL;
  int status;

  polkit_answer(f, "ret = (False, True, {})");
  status = close_window(f, AS_NOBODY, &out);
  assert_refused(status, out);
  g_assert_nonnull(strstr(out, "authentication required"));
  g_clear_pointer(&out, g_free);
  status = close_window(f, AS_NOBODY_INTERACTIVE, &out);
  assert_refused(status, out);
  g_assert_nonnull(strstr(out, "authentication required"));
  wait_node_string(f, "CommissioningWindow", "basic");
}

/* polkit failing is no answer either. */
static void
test_polkit_error_refused(Fixture *f, gconstpointer data)
{
  g_autofree char *out = NULL;
  int status;

  polkit_answer(
      f,
      "raise dbus.exceptions.DBusException('no', name='org.freedesktop.PolicyKit1.Error.Failed')");
  status = close_window(f, AS_NOBODY, &out);
  assert_refused(status, out);
  g_assert_nonnull(strstr(out, "polkit failed"));
  wait_node_string(f, "CommissioningWindow", "basic");
}

/* A check still waiting for polkit when matterd stops is answered. */
static void
test_shutdown_answers_pending(Fixture *f, gconstpointer data)
{
  g_autofree char *out = NULL;
  g_autoptr(GSubprocess) caller = NULL;
  gint64 deadline = g_get_monotonic_time() + MD_TEST_TIMEOUT_MS * G_TIME_SPAN_MILLISECOND;

  polkit_mock_call(f, "SimulateHang", g_variant_new("(b)", TRUE));
  caller = gdbus_spawn(f, AS_NOBODY, MD_DBUS_PATH,
                       MD_DBUS_INTERFACE_NODE ".CloseCommissioningWindow", NULL);
  while (polkit_checks_count(f) == 0) {
    g_assert_cmpint(g_get_monotonic_time(), <, deadline);
    g_usleep(20 * G_TIME_SPAN_MILLISECOND);
  }
  g_assert_cmpint(md_test_daemon_stop(f->daemon, SIGTERM), ==, 0);
  g_assert_cmpint(gdbus_wait(caller, &out), !=, 0);
  g_assert_nonnull(strstr(out, MD_DBUS_ERROR_PREFIX "Failed"));
  g_assert_nonnull(strstr(out, "shutting down"));
}

/* matterd on another bus than polkit's: polkit is asked about the calling
 * process, as that bus says it is. */
static void
test_session_bus_subject(Fixture *f, gconstpointer data)
{
  g_autofree char *out = NULL;
  g_autoptr(GVariant) subject = NULL;
  g_autoptr(GVariant) details = NULL;
  const char *kind;
  guint32 flags, pid;
  guint64 start_time;
  gint32 uid;
  int status;

  status = close_window(f, AS_NOBODY, &out);
  assert_refused(status, out);
  g_clear_pointer(&out, g_free);
  polkit_single_check(f, MD_POLKIT_ACTION_MANAGE, &flags, &subject);
  g_variant_get(subject, "(&s@a{sv})", &kind, &details);
  g_assert_cmpstr(kind, ==, "unix-process");
  g_assert_true(g_variant_lookup(details, "pid", "u", &pid));
  g_assert_cmpuint(pid, ==, g_ascii_strtoull(f->caller_pid, NULL, 10));
  g_assert_true(g_variant_lookup(details, "uid", "i", &uid));
  g_assert_cmpint(uid, ==, 65534);
  g_assert_true(g_variant_lookup(details, "start-time", "t", &start_time));
  g_assert_cmpuint(start_time, >, 0);

  polkit_allow(f, (const char *const[]){ MD_POLKIT_ACTION_MANAGE, NULL });
  g_assert_cmpint(close_window(f, AS_NOBODY, &out), ==, 0);
  wait_node_string(f, "CommissioningWindow", "closed");
}

static void
test_absent_nobody_refused(Fixture *f, gconstpointer data)
{
  g_autofree char *out = NULL;
  int status;

  status = close_window(f, AS_NOBODY, &out);
  assert_refused(status, out);
  g_assert_nonnull(strstr(out, "polkit is not available"));
  g_clear_pointer(&out, g_free);
  status = set_label(f, AS_NOBODY, &out, "kitchen");
  assert_refused(status, out);
  g_clear_pointer(&out, g_free);
  status = factory_reset(f, AS_NOBODY, &out);
  assert_refused(status, out);
  assert_logged_refusal(f, MD_POLKIT_ACTION_MANAGE);
  assert_logged_refusal(f, MD_POLKIT_ACTION_FACTORY_RESET);
  wait_node_string(f, "CommissioningWindow", "basic");
}

static void
test_absent_root_allowed(Fixture *f, gconstpointer data)
{
  g_autofree char *out = NULL;

  g_assert_cmpint(set_label(f, AS_ROOT, &out, "kitchen"), ==, 0);
  wait_node_string(f, "NodeLabel", "kitchen");
  g_clear_pointer(&out, g_free);
  g_assert_cmpint(close_window(f, AS_ROOT, &out), ==, 0);
  wait_node_string(f, "CommissioningWindow", "closed");
  g_clear_pointer(&out, g_free);
  g_assert_cmpint(factory_reset(f, AS_ROOT, &out), ==, 0);
  /* The reset opens a new basic window. */
  wait_node_string(f, "CommissioningWindow", "basic");
}

/* Root asks no one, even with polkit there. */
static void
test_root_asks_no_one(Fixture *f, gconstpointer data)
{
  g_autofree char *out = NULL;
  g_autoptr(GPtrArray) checks = NULL;

  g_assert_cmpint(close_window(f, AS_ROOT, &out), ==, 0);
  checks = polkit_checks(f);
  g_assert_cmpuint(checks->len, ==, 0);
}

static void
test_reading_open(Fixture *f, gconstpointer data)
{
  g_autofree char *out = NULL;
  g_autoptr(GPtrArray) checks = NULL;

  g_assert_cmpint(gdbus_call(f, AS_NOBODY, &out, MD_DBUS_PATH,
                             "org.freedesktop.DBus.Properties.Get", MD_DBUS_INTERFACE_NODE,
                             "VendorId", NULL),
                  ==, 0);
  g_assert_nonnull(strstr(out, "<uint16 65521>"));
  g_clear_pointer(&out, g_free);
  g_assert_cmpint(gdbus_call(f, AS_NOBODY, &out, MD_DBUS_PATH,
                             "org.freedesktop.DBus.Properties.GetAll", MD_DBUS_INTERFACE_NODE,
                             NULL),
                  ==, 0);
  g_assert_nonnull(strstr(out, "'NodeLabel'"));
  g_clear_pointer(&out, g_free);
  g_assert_cmpint(gdbus_call(f, AS_NOBODY, &out, MD_DBUS_MANAGER_PATH,
                             "org.freedesktop.DBus.ObjectManager.GetManagedObjects", NULL),
                  ==, 0);
  g_assert_nonnull(strstr(out, "'" MD_DBUS_INTERFACE_NODE "'"));
  g_clear_pointer(&out, g_free);
  checks = polkit_checks(f);
  g_assert_cmpuint(checks->len, ==, 0);
}

/* The installed actions, as "id: allow_any allow_inactive allow_active". */
typedef struct {
  GString *actions;
  const char *element; /* inside <defaults>, else NULL */
} PolicyParse;

static void
policy_start(GMarkupParseContext *context, const char *element, const char **names,
             const char **values, gpointer user_data, GError **error)
{
  PolicyParse *parse = user_data;

  parse->element = NULL;
  if (g_str_equal(element, "action")) {
    const char *id = NULL;

    g_assert_true(g_markup_collect_attributes(element, names, values, error,
                                              G_MARKUP_COLLECT_STRING, "id", &id,
                                              G_MARKUP_COLLECT_INVALID));
    g_string_append_printf(parse->actions, "%s:", id);
  } else if (g_str_has_prefix(element, "allow_")) {
    parse->element = element;
  }
}

static void
policy_end(GMarkupParseContext *context, const char *element, gpointer user_data, GError **error)
{
  PolicyParse *parse = user_data;

  parse->element = NULL;
  if (g_str_equal(element, "action"))
    g_string_append_c(parse->actions, '\n');
}

static void
policy_text(GMarkupParseContext *context, const char *text, gsize len, gpointer user_data,
            GError **error)
{
  PolicyParse *parse = user_data;

  if (parse->element != NULL)
    g_string_append_printf(parse->actions, " %s=%.*s", parse->element, (int) len, text);
}

/* The built data/org.matterd.policy has the actions matterd checks, with
 * the defaults the API promises. */
static void
test_policy_file(void)
{
  static const GMarkupParser parser = { policy_start, policy_end, policy_text, NULL, NULL };
  g_autofree char *path =
      g_test_build_filename(G_TEST_BUILT, "..", "data", "org.matterd.policy", NULL);
  g_autoptr(GBytes) contents = md_test_read_file(path);
  g_autoptr(GString) actions = g_string_new(NULL);
  PolicyParse parse = { actions, NULL };
  g_autoptr(GMarkupParseContext) context =
      g_markup_parse_context_new(&parser, G_MARKUP_IGNORE_QUALIFIED, &parse, NULL);
  g_autoptr(GError) error = NULL;
  gsize size;
  const char *text = g_bytes_get_data(contents, &size);

  g_assert_true(g_markup_parse_context_parse(context, text, (gssize) size, &error));
  g_assert_true(g_markup_parse_context_end_parse(context, &error));
  g_assert_no_error(error);
  g_assert_cmpstr(actions->str, ==,
                  MD_POLKIT_ACTION_MANAGE
                  ": allow_any=auth_admin allow_inactive=auth_admin"
                  " allow_active=auth_admin_keep\n" MD_POLKIT_ACTION_FACTORY_RESET
                  ": allow_any=auth_admin"
                  " allow_inactive=auth_admin"
                  " allow_active=auth_admin\n" MD_POLKIT_ACTION_REGISTER_APPLICATION
                  ": allow_any=no allow_inactive=no allow_active=auth_admin_keep\n");
}

/* ---- EndpointManager1.RegisterApplication ---- */

static int
register_application(Fixture *f, Caller caller, char **output)
{
  return gdbus_call(f, caller, output, MD_DBUS_PATH,
                    MD_DBUS_INTERFACE_ENDPOINT_MANAGER ".RegisterApplication", "/app", "{}", NULL);
}

/* The registration got past the bouncer: matterd asked the caller (gdbus,
 * which exports nothing) for its objects, through the bus policy. */
static void
assert_read_application(int status, const char *output)
{
  g_assert_cmpint(status, !=, 0);
  g_assert_null(strstr(output, REFUSED));
  g_assert_nonnull(strstr(output, MD_DBUS_ERROR_PREFIX "InvalidArgument"));
  g_assert_nonnull(strstr(output, "GetManagedObjects failed"));
  g_assert_null(strstr(output, "AccessDenied"));
}

static void
test_register_denied(Fixture *f, gconstpointer data)
{
  g_autofree char *out = NULL;
  int status;

  polkit_allow(f, (const char *const[]){ MD_POLKIT_ACTION_MANAGE, NULL });
  status = register_application(f, AS_NOBODY, &out);
  assert_refused(status, out);
  g_assert_nonnull(strstr(out, MD_POLKIT_ACTION_REGISTER_APPLICATION));
  assert_logged_refusal(f, MD_POLKIT_ACTION_REGISTER_APPLICATION);
}

static void
test_register_allowed(Fixture *f, gconstpointer data)
{
  g_autofree char *out = NULL;
  guint32 flags;
  g_autoptr(GVariant) subject = NULL;
  int status;

  polkit_allow(f, (const char *const[]){ MD_POLKIT_ACTION_REGISTER_APPLICATION, NULL });
  status = register_application(f, AS_NOBODY, &out);
  assert_read_application(status, out);
  polkit_single_check(f, MD_POLKIT_ACTION_REGISTER_APPLICATION, &flags, &subject);
}

/* Members of [Applications] Group= need no polkit: its mock allows
 * nothing, and is not asked. Others still are. */
static void
test_register_group(Fixture *f, gconstpointer data)
{
  g_autofree char *out = NULL;
  int status;

  status = register_application(f, AS_NOBODY_IN_GROUP, &out);
  assert_read_application(status, out);
  g_assert_cmpuint(polkit_checks_count(f), ==, 0);
  g_clear_pointer(&out, g_free);
  status = register_application(f, AS_NOBODY, &out);
  assert_refused(status, out);
  g_assert_cmpuint(polkit_checks_count(f), ==, 1);
  /* The group lets its members register applications, nothing else. */
  g_clear_pointer(&out, g_free);
  status = close_window(f, AS_NOBODY_IN_GROUP, &out);
  assert_refused(status, out);
}

/* ---- NodeEndpoint1.Forget ---- */

/* The example relay registered by root (who needs no polkit): the
 * endpoint, whose object is /org/matterd/endpoint2. */
static MdTestApp *
start_relay(Fixture *f)
{
  const char *argv[] = { g_getenv("MATTERD_EXAMPLE_RELAY"), NULL };
  MdTestApp *relay = md_test_app_start_system(f->system, f->dir, argv);

  g_assert_true(md_test_app_wait_output(relay, "Registered"));
  return relay;
}

static int
forget_endpoint(Fixture *f, Caller caller, char **output)
{
  return gdbus_call(f, caller, output, MD_DBUS_PATH "/endpoint2",
                    MD_DBUS_INTERFACE_NODE_ENDPOINT ".Forget", NULL);
}

static gboolean
endpoint_exported(Fixture *f)
{
  g_autoptr(GVariant) reply = g_dbus_connection_call_sync(
      f->client, MD_DBUS_NAME, MD_DBUS_PATH "/endpoint2", "org.freedesktop.DBus.Properties", "Get",
      g_variant_new("(ss)", MD_DBUS_INTERFACE_NODE_ENDPOINT, "Number"), G_VARIANT_TYPE("(v)"),
      G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);

  return reply != NULL;
}

/* Forget is behind org.matterd.manage: refused, then allowed. */
static void
test_forget_endpoint(Fixture *f, gconstpointer data)
{
  g_autoptr(MdTestApp) relay = start_relay(f);
  g_autofree char *out = NULL;
  int status;

  g_assert_true(endpoint_exported(f));
  status = forget_endpoint(f, AS_NOBODY, &out);
  assert_refused(status, out);
  g_assert_nonnull(strstr(out, MD_POLKIT_ACTION_MANAGE));
  assert_logged_refusal(f, MD_POLKIT_ACTION_MANAGE);
  g_assert_true(endpoint_exported(f));

  polkit_allow(f, (const char *const[]){ MD_POLKIT_ACTION_MANAGE, NULL });
  g_clear_pointer(&out, g_free);
  status = forget_endpoint(f, AS_NOBODY, &out);
  g_assert_cmpint(status, ==, 0);
  g_assert_false(endpoint_exported(f));
  /* The relay is still there: what went is the endpoint. */
  g_assert_nonnull(g_subprocess_get_identifier(relay->process));
}

static void
add_test(const char *path, Setup setup, void (*func)(Fixture *, gconstpointer))
{
  g_test_add(path, Fixture, GINT_TO_POINTER(setup), fixture_setup, func, fixture_teardown);
}

static void
test_skipped(void)
{
  g_test_skip("needs root, setpriv and python3-dbusmock");
}

int
main(int argc, char **argv)
{
  g_autofree char *setpriv = g_find_program_in_path("setpriv");

  g_test_init(&argc, &argv, NULL);

  g_test_add_func("/polkit/policy-file", test_policy_file);
  if (getuid() != 0 || setpriv == NULL || !md_test_dbusmock_available()) {
    g_test_add_func("/polkit/skipped", test_skipped);
    return g_test_run();
  }
  add_test("/polkit/manage/allowed", SETUP_POLKIT, test_manage_allowed);
  add_test("/polkit/manage/denied", SETUP_POLKIT, test_manage_denied);
  add_test("/polkit/manage/not-factory-reset", SETUP_POLKIT, test_manage_not_factory_reset);
  add_test("/polkit/factory-reset/allowed", SETUP_POLKIT, test_factory_reset_allowed);
  add_test("/polkit/subject/system-bus-name", SETUP_POLKIT, test_system_bus_subject);
  add_test("/polkit/subject/unix-process", SETUP_POLKIT | SETUP_SESSION, test_session_bus_subject);
  add_test("/polkit/interactive-flag", SETUP_POLKIT, test_interactive_flag);
  add_test("/polkit/challenge-refused", SETUP_POLKIT, test_challenge_refused);
  add_test("/polkit/error-refused", SETUP_POLKIT, test_polkit_error_refused);
  add_test("/polkit/shutdown-answers-pending", SETUP_POLKIT, test_shutdown_answers_pending);
  add_test("/polkit/root-asks-no-one", SETUP_POLKIT, test_root_asks_no_one);
  add_test("/polkit/reading-open", SETUP_POLKIT, test_reading_open);
  add_test("/polkit/register-application/denied", SETUP_POLKIT, test_register_denied);
  add_test("/polkit/register-application/allowed", SETUP_POLKIT, test_register_allowed);
  add_test("/polkit/register-application/group", SETUP_POLKIT | SETUP_GROUP, test_register_group);
  add_test("/polkit/forget-endpoint", SETUP_POLKIT, test_forget_endpoint);
  add_test("/polkit/absent/nobody-refused", 0, test_absent_nobody_refused);
  add_test("/polkit/absent/root-allowed", 0, test_absent_root_allowed);
  return g_test_run();
}
