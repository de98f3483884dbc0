/* SPDX-License-Identifier: Apache-2.0 */
#include "md-test.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>

char *
md_test_mkdtemp(void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp("matterd-test-XXXXXX", &error);

  g_assert_no_error(error);
  return dir;
}

void
md_test_rmtree(const char *path)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (path == NULL)
    return;
  dir = g_dir_open(path, 0, NULL);
  if (dir != NULL) {
    while ((name = g_dir_read_name(dir)) != NULL) {
      g_autofree char *child = g_build_filename(path, name, NULL);

      if (g_file_test(child, G_FILE_TEST_IS_DIR) && !g_file_test(child, G_FILE_TEST_IS_SYMLINK))
        md_test_rmtree(child);
      else
        g_unlink(child);
    }
  }
  g_rmdir(path);
}

static void
on_wait_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
  gboolean *done = user_data;

  g_subprocess_wait_finish(G_SUBPROCESS(source), result, NULL);
  *done = TRUE;
}

static gboolean
on_timeout(gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
md_test_wait_process(GSubprocess *process, guint timeout_ms)
{
  gboolean done = FALSE, timed_out = FALSE;
  guint timeout_id = g_timeout_add(timeout_ms, on_timeout, &timed_out);

  g_subprocess_wait_async(process, NULL, on_wait_done, &done);
  while (!done && !timed_out)
    g_main_context_iteration(NULL, TRUE);
  if (!timed_out)
    g_source_remove(timeout_id);
  /* Let the async wait finish so its callback does not outlive @done. */
  if (!done) {
    g_subprocess_force_exit(process);
    while (!done)
      g_main_context_iteration(NULL, TRUE);
  }
  return !timed_out;
}

/* Children die with the test: a failed assertion must not leave a daemon
 * holding the test runner's output open. */
static void
die_with_parent(gpointer user_data)
{
  prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static GSubprocessLauncher *
launcher_new(GSubprocessFlags flags)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new(flags);

  g_subprocess_launcher_set_child_setup(launcher, die_with_parent, NULL, NULL);
  return launcher;
}

static MdTestBus *
bus_start(const char *const *argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GSubprocessLauncher) launcher = launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  MdTestBus *bus = g_new0(MdTestBus, 1);

  bus->process = g_subprocess_launcher_spawnv(launcher, argv, &error);
  g_assert_no_error(error);
  out = g_data_input_stream_new(g_subprocess_get_stdout_pipe(bus->process));
  bus->address = g_data_input_stream_read_line(out, NULL, NULL, &error);
  g_assert_no_error(error);
  g_assert_nonnull(bus->address);
  return bus;
}

MdTestBus *
md_test_bus_start(const char *dir)
{
  g_autofree char *listen = g_strdup_printf("unix:path=%s/bus", dir);
  const char *const argv[] = { "dbus-daemon", "--session", "--nofork", "--nopidfile",
                               "--print-address=1", "--address", listen, NULL };

  return bus_start(argv);
}

/* The stock system policy (dbus' system.conf) as far as a test bus needs it. */
static const char system_bus_config[] =
  "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
  " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
  "<busconfig>\n"
  "  <type>system</type>\n"
  "  <listen>unix:path=%s/system_bus_socket</listen>\n"
  "  <auth>EXTERNAL</auth>\n"
  "  <policy context=\"default\">\n"
  "    <allow user=\"*\"/>\n"
  "    <deny own=\"*\"/>\n"
  "    <deny send_type=\"method_call\"/>\n"
  "    <allow send_type=\"signal\"/>\n"
  "    <allow send_requested_reply=\"true\" send_type=\"method_return\"/>\n"
  "    <allow send_requested_reply=\"true\" send_type=\"error\"/>\n"
  "    <allow receive_type=\"method_call\"/>\n"
  "    <allow receive_type=\"method_return\"/>\n"
  "    <allow receive_type=\"error\"/>\n"
  "    <allow receive_type=\"signal\"/>\n"
  "    <allow send_destination=\"org.freedesktop.DBus\" send_interface=\"org.freedesktop.DBus\"/>\n"
  "    <allow send_destination=\"org.freedesktop.DBus\"\n"
  "           send_interface=\"org.freedesktop.DBus.Introspectable\"/>\n"
  "    <deny send_destination=\"org.freedesktop.DBus\" send_interface=\"org.freedesktop.DBus\"\n"
  "          send_member=\"UpdateActivationEnvironment\"/>\n"
  "  </policy>\n"
  "  <include>%s</include>\n"
  "</busconfig>\n";

MdTestBus *
md_test_bus_start_system(const char *dir, const char *include)
{
  g_autofree char *config_path = g_build_filename(dir, "system-bus.conf", NULL);
  g_autofree char *config = g_strdup_printf(system_bus_config, dir, include);
  g_autofree char *config_arg = g_strdup_printf("--config-file=%s", config_path);
  const char *const argv[] = { "dbus-daemon", config_arg, "--nofork", "--nopidfile",
                               "--print-address=1", NULL };
  g_autoptr(GError) error = NULL;
  MdTestBus *bus;

  g_file_set_contents(config_path, config, -1, &error);
  g_assert_no_error(error);
  bus = bus_start(argv);
  bus->system = TRUE;
  return bus;
}

void
md_test_bus_stop(MdTestBus *bus)
{
  if (bus == NULL)
    return;
  g_subprocess_send_signal(bus->process, SIGTERM);
  md_test_wait_process(bus->process, MD_TEST_TIMEOUT_MS);
  g_object_unref(bus->process);
  g_free(bus->address);
  g_free(bus);
}

GDBusConnection *
md_test_bus_connect(MdTestBus *bus)
{
  g_autoptr(GError) error = NULL;
  GDBusConnection *connection = g_dbus_connection_new_for_address_sync(
    bus->address,
    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
    NULL, NULL, &error);

  g_assert_no_error(error);
  return connection;
}

MdTestNotify *
md_test_notify_new(const char *dir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  MdTestNotify *notify = g_new0(MdTestNotify, 1);

  notify->path = g_build_filename(dir, "notify", NULL);
  notify->messages = g_ptr_array_new_with_free_func(g_free);
  notify->socket =
    g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_DEFAULT, &error);
  g_assert_no_error(error);
  address = g_unix_socket_address_new(notify->path);
  g_socket_bind(notify->socket, address, FALSE, &error);
  g_assert_no_error(error);
  return notify;
}

void
md_test_notify_free(MdTestNotify *notify)
{
  if (notify == NULL)
    return;
  g_object_unref(notify->socket);
  g_unlink(notify->path);
  g_free(notify->path);
  g_ptr_array_unref(notify->messages);
  g_free(notify);
}

static gboolean
has_line(const char *message, const char *line)
{
  g_auto(GStrv) lines = g_strsplit(message, "\n", -1);

  return g_strv_contains((const char *const *) lines, line);
}

const char *
md_test_notify_wait(MdTestNotify *notify, const char *line, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time() + (gint64) timeout_ms * 1000;

  for (guint i = 0;; i++) {
    char buf[4096];
    gint64 remaining;
    gssize n;

    for (; i < notify->messages->len; i++)
      if (has_line(notify->messages->pdata[i], line))
        return notify->messages->pdata[i];

    remaining = MAX(deadline - g_get_monotonic_time(), 0);
    if (!g_socket_condition_timed_wait(notify->socket, G_IO_IN, remaining, NULL, NULL))
      return NULL;
    n = g_socket_receive(notify->socket, buf, sizeof(buf) - 1, NULL, NULL);
    if (n < 0)
      return NULL;
    buf[n] = '\0';
    g_ptr_array_add(notify->messages, g_strdup(buf));
    i--; /* look at the new message too */
  }
}

static void
copy_file(const char *from, const char *to, int mode)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  gsize len;

  g_file_get_contents(from, &data, &len, &error);
  g_assert_no_error(error);
  g_file_set_contents_full(to, data, (gssize) len, G_FILE_SET_CONTENTS_NONE, mode, &error);
  g_assert_no_error(error);
}

void
md_test_install_dev_attestation(const char *state_dir)
{
  static const char *const files[] = { "dac-cert.der", "pai-cert.der", "dac-key.pem", "cd.der" };
  g_autofree char *dest = g_build_filename(state_dir, "attestation", NULL);
  g_autofree char *src = g_test_build_filename(G_TEST_DIST, "..", "data", "dev-attestation", NULL);

  if (g_file_test(dest, G_FILE_TEST_EXISTS))
    return;
  g_assert_cmpint(g_mkdir_with_parents(dest, 0700), ==, 0);
  for (gsize i = 0; i < G_N_ELEMENTS(files); i++) {
    g_autofree char *from = g_build_filename(src, files[i], NULL);
    g_autofree char *to = g_build_filename(dest, files[i], NULL);

    copy_file(from, to, 0600);
  }
}

void
md_test_generate_attestation(const char *state_dir, guint16 vendor_id, guint16 product_id)
{
  g_autofree char *dest = g_build_filename(state_dir, "attestation", NULL);
  g_autofree char *vid = g_strdup_printf("0x%04X", vendor_id);
  g_autofree char *pid = g_strdup_printf("0x%04X", product_id);
  const char *matterctl = g_getenv("MATTERCTL_BINARY");
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull(matterctl);
  process = g_subprocess_new(G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error, matterctl, "creds",
                             "generate", dest, "--vendor-id", vid, "--product-id", pid, NULL);
  g_assert_no_error(error);
  g_subprocess_wait_check(process, NULL, &error);
  g_assert_no_error(error);
}

MdTestDaemon *
md_test_daemon_spawn(MdTestBus *bus, MdTestNotify *notify, const char *state_dir,
                     const char *const *args, const char *const *env)
{
  md_test_install_dev_attestation(state_dir);
  return md_test_daemon_spawn_bare(bus, notify, state_dir, args, env);
}

MdTestDaemon *
md_test_daemon_spawn_bare(MdTestBus *bus, MdTestNotify *notify, const char *state_dir,
                          const char *const *args, const char *const *env)
{
  g_autoptr(GSubprocessLauncher) launcher = launcher_new(G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  g_autoptr(GError) error = NULL;
  const char *binary = g_getenv("MATTERD_BINARY");
  MdTestDaemon *daemon = g_new0(MdTestDaemon, 1);

  g_assert_nonnull(binary);
  daemon->state_dir = g_strdup(state_dir);
  /* A file, not a pipe: a verbose daemon must never block on a full pipe. */
  daemon->log_path = g_strdup_printf("%s.log", state_dir);
  g_unlink(daemon->log_path);
  g_subprocess_launcher_set_stderr_file_path(launcher, daemon->log_path);
  g_subprocess_launcher_setenv(launcher,
                               bus->system ? "DBUS_SYSTEM_BUS_ADDRESS" : "DBUS_SESSION_BUS_ADDRESS",
                               bus->address, TRUE);
  /* DNS-SD goes to avahi-daemon on the system bus: never the host's, whose
   * avahi-daemon would carry a test's records onto the real network. A
   * test that wants DNS-SD names a private system bus in @env. */
  if (!bus->system)
    g_subprocess_launcher_setenv(launcher, "DBUS_SYSTEM_BUS_ADDRESS",
                                 "unix:path=/nonexistent/matterd-test-no-system-bus", TRUE);
  if (notify != NULL)
    g_subprocess_launcher_setenv(launcher, "NOTIFY_SOCKET", notify->path, TRUE);
  else
    g_subprocess_launcher_unsetenv(launcher, "NOTIFY_SOCKET");
  /* The daemon must not inherit the test's own debug flags. */
  g_subprocess_launcher_unsetenv(launcher, "G_DEBUG");
  g_subprocess_launcher_unsetenv(launcher, "JOURNAL_STREAM");
  for (gsize i = 0; env != NULL && env[i] != NULL; i++) {
    g_auto(GStrv) kv = g_strsplit(env[i], "=", 2);
    g_subprocess_launcher_setenv(launcher, kv[0], kv[1], TRUE);
  }

  g_ptr_array_add(argv, (char *) binary);
  if (!bus->system)
    g_ptr_array_add(argv, "--session");
  g_ptr_array_add(argv, "--verbose");
  g_ptr_array_add(argv, "--state-dir");
  g_ptr_array_add(argv, (char *) state_dir);
  /* Never the host's own configuration: an empty one unless the test names one. */
  if (args == NULL || !g_strv_contains(args, "--config")) {
    g_ptr_array_add(argv, "--config");
    g_ptr_array_add(argv, "/dev/null");
  }
  /* A free port, so that several daemons (and a host's own) coexist. */
  if (args == NULL || !g_strv_contains(args, "--port")) {
    g_ptr_array_add(argv, "--port");
    g_ptr_array_add(argv, "0");
  }
  for (gsize i = 0; args != NULL && args[i] != NULL; i++)
    g_ptr_array_add(argv, (char *) args[i]);
  g_ptr_array_add(argv, NULL);

  daemon->process =
    g_subprocess_launcher_spawnv(launcher, (const char *const *) argv->pdata, &error);
  g_assert_no_error(error);
  return daemon;
}

int
md_test_daemon_stop(MdTestDaemon *daemon, int signal)
{
  if (signal != 0)
    g_subprocess_send_signal(daemon->process, signal);
  if (!md_test_wait_process(daemon->process, MD_TEST_TIMEOUT_MS))
    return -1;
  if (!g_subprocess_get_if_exited(daemon->process))
    return -1;
  return g_subprocess_get_exit_status(daemon->process);
}

char *
md_test_daemon_stderr(MdTestDaemon *daemon)
{
  char *text = NULL;

  if (!g_file_get_contents(daemon->log_path, &text, NULL, NULL))
    return g_strdup("");
  return text;
}

void
md_test_daemon_free(MdTestDaemon *daemon)
{
  if (daemon == NULL)
    return;
  if (g_subprocess_get_identifier(daemon->process) != NULL) {
    g_subprocess_force_exit(daemon->process);
    md_test_wait_process(daemon->process, MD_TEST_TIMEOUT_MS);
  }
  if (g_test_failed()) {
    g_autofree char *log = md_test_daemon_stderr(daemon);
    g_test_message("matterd's stderr:\n%s", log);
  }
  g_object_unref(daemon->process);
  g_unlink(daemon->log_path);
  g_free(daemon->log_path);
  g_free(daemon->state_dir);
  g_free(daemon);
}

/* ---- python-dbusmock ---------------------------------------------------- */

/* Debian's interpreter: the one on PATH may not see Debian's packages. */
#define DBUSMOCK_PYTHON "/usr/bin/python3"

gboolean
md_test_dbusmock_available(void)
{
  const char *const argv[] = { DBUSMOCK_PYTHON, "-c", "import dbusmock", NULL };
  g_autoptr(GSubprocess) process = g_subprocess_newv(
    argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, NULL);

  return process != NULL && g_subprocess_wait_check(process, NULL, NULL);
}

static gboolean
name_has_owner(GDBusConnection *connection, const char *name)
{
  g_autoptr(GVariant) reply = g_dbus_connection_call_sync(
    connection, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
    "NameHasOwner", g_variant_new("(s)", name), G_VARIANT_TYPE("(b)"), G_DBUS_CALL_FLAGS_NONE, -1,
    NULL, NULL);
  gboolean owned = FALSE;

  if (reply != NULL)
    g_variant_get(reply, "(b)", &owned);
  return owned;
}

GSubprocess *
md_test_dbusmock_start(MdTestBus *bus, const char *template_name, const char *name)
{
  g_autoptr(GSubprocessLauncher) launcher = launcher_new(G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autoptr(GDBusConnection) connection = md_test_bus_connect(bus);
  g_autoptr(GError) error = NULL;
  const char *const argv[] = { DBUSMOCK_PYTHON, "-m", "dbusmock",
                               bus->system ? "--system" : "--session",
                               "--template", template_name, NULL };
  gint64 deadline = g_get_monotonic_time() + MD_TEST_TIMEOUT_MS * G_TIME_SPAN_MILLISECOND;
  GSubprocess *mock;

  g_subprocess_launcher_setenv(launcher,
                               bus->system ? "DBUS_SYSTEM_BUS_ADDRESS" : "DBUS_SESSION_BUS_ADDRESS",
                               bus->address, TRUE);
  mock = g_subprocess_launcher_spawnv(launcher, argv, &error);
  g_assert_no_error(error);
  while (!name_has_owner(connection, name)) {
    if (g_subprocess_get_identifier(mock) == NULL)
      g_error("dbusmock --template %s exited before it owned %s", template_name, name);
    g_assert_cmpint(g_get_monotonic_time(), <, deadline);
    g_usleep(20 * G_TIME_SPAN_MILLISECOND);
  }
  return mock;
}

void
md_test_dbusmock_stop(GSubprocess *mock)
{
  if (mock == NULL)
    return;
  g_subprocess_send_signal(mock, SIGTERM);
  md_test_wait_process(mock, MD_TEST_TIMEOUT_MS);
  g_object_unref(mock);
}

/* ---- Hex and files ---------------------------------------------------- */

guint8 *
md_test_unhex(const char *hex, gsize *len)
{
  guint8 *out = g_malloc(strlen(hex) / 2 + 1);
  gsize n = 0;

  for (const char *p = hex; *p != '\0';) {
    int hi, lo;

    if (g_ascii_isspace(*p)) {
      p++;
      continue;
    }
    hi = g_ascii_xdigit_value(p[0]);
    lo = g_ascii_xdigit_value(p[1]);
    g_assert_true(hi >= 0 && lo >= 0);
    out[n++] = (guint8) (hi << 4 | lo);
    p += 2;
  }
  *len = n;
  return out;
}

void
md_test_unhex_into(const char *hex, guint8 *out, gsize size)
{
  gsize len;
  g_autofree guint8 *bytes = md_test_unhex(hex, &len);

  g_assert_cmpuint(len, ==, size);
  memcpy(out, bytes, size);
}

GBytes *
md_test_bytes_hex(const char *hex)
{
  gsize len;
  guint8 *data = md_test_unhex(hex, &len);

  return g_bytes_new_take(data, len);
}

void
md_test_assert_hex(const guint8 *got, gsize got_len, const char *hex)
{
  gsize len;
  g_autofree guint8 *want = md_test_unhex(hex, &len);

  g_assert_cmpmem(got, got_len, want, len);
}

void
md_test_assert_bytes_equal(GBytes *actual, GBytes *expected)
{
  gsize a_len, e_len;
  const guint8 *a = g_bytes_get_data(actual, &a_len), *e = g_bytes_get_data(expected, &e_len);

  g_assert_cmpmem(a, a_len, e, e_len);
}

GBytes *
md_test_read_file(const char *path)
{
  g_autoptr(GError) error = NULL;
  char *data = NULL;
  gsize len = 0;

  g_file_get_contents(path, &data, &len, &error);
  g_assert_no_error(error);
  return g_bytes_new_take(data, len);
}

/* ---- matterctl -------------------------------------------------------- */

void
md_test_ctl_result_clear(MdTestCtlResult *result)
{
  g_clear_pointer(&result->out, g_free);
  g_clear_pointer(&result->out_bytes, g_bytes_unref);
  g_clear_pointer(&result->err, g_free);
}

/* @bytes as a string, or NULL when they are not UTF-8 text: binary, or
 * with a NUL inside. */
static char *
bytes_to_text(GBytes *bytes)
{
  gsize len;
  const char *data = g_bytes_get_data(bytes, &len);

  /* Empty GBytes may hold NULL. */
  if (len == 0)
    return g_strdup("");
  return g_utf8_validate_len(data, len, NULL) ? g_strndup(data, len) : NULL;
}

MdTestCtlResult
md_test_ctl_runv(GBytes *input, const char *const *args)
{
  const char *binary = g_getenv("MATTERCTL_BINARY");
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) err = NULL, no_input = NULL;
  MdTestCtlResult result = { 0 };

  g_assert_nonnull(binary);
  g_ptr_array_add(argv, (char *) binary);
  for (const char *const *arg = args; *arg != NULL; arg++)
    g_ptr_array_add(argv, (char *) *arg);
  g_ptr_array_add(argv, NULL);

  launcher =
      g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_setenv(launcher, "LC_ALL", "C", TRUE);
  process = g_subprocess_launcher_spawnv(launcher, (const char *const *) argv->pdata, &error);
  g_assert_no_error(error);
  /* No input: an empty standard input rather than the test's own. */
  if (input == NULL)
    no_input = input = g_bytes_new_static("", 0);
  g_subprocess_communicate(process, input, NULL, &result.out_bytes, &err, &error);
  g_assert_no_error(error);
  g_assert_true(g_subprocess_get_if_exited(process));
  result.status = g_subprocess_get_exit_status(process);
  result.out = bytes_to_text(result.out_bytes);
  result.err = bytes_to_text(err);
  g_assert_nonnull(result.err);
  /* Binary output (DER, TLV) stays out of the log. */
  if (result.out != NULL)
    g_test_message("exit %d\nstdout: %s\nstderr: %s", result.status, result.out, result.err);
  else
    g_test_message("exit %d\nstderr: %s", result.status, result.err);
  return result;
}

void
md_test_ctl_assert_error(const MdTestCtlResult *result, int status, const char *needle)
{
  g_assert_cmpint(result->status, ==, status);
  g_assert_cmpuint(g_bytes_get_size(result->out_bytes), ==, 0);
  g_assert_true(g_str_has_prefix(result->err, "matterctl: "));
  g_assert_true(g_str_has_suffix(result->err, "\n"));
  g_assert_true(strchr(result->err, '\n') == result->err + strlen(result->err) - 1);
  g_assert_nonnull(strstr(result->err, needle));
}

const char *
md_test_ctl_text(const MdTestCtlResult *result)
{
  g_assert_nonnull(result->out);
  return result->out;
}

JsonObject *
md_test_ctl_parse_object(JsonParser *parser, const MdTestCtlResult *result, int status)
{
  g_autoptr(GError) error = NULL;
  const char *out = md_test_ctl_text(result);
  JsonNode *root;

  g_assert_cmpint(result->status, ==, status);
  g_assert_cmpstr(result->err, ==, "");
  /* One object, on one line. */
  g_assert_true(g_str_has_suffix(out, "}\n"));
  g_assert_true(strchr(out, '\n') == out + strlen(out) - 1);
  json_parser_load_from_data(parser, out, -1, &error);
  g_assert_no_error(error);
  root = json_parser_get_root(parser);
  g_assert_true(JSON_NODE_HOLDS_OBJECT(root));
  return json_node_get_object(root);
}

char *
md_test_field(const char *text, const char *label)
{
  g_auto(GStrv) lines = NULL;
  g_autofree char *prefix = g_strconcat(label, ":", NULL);

  g_assert_nonnull(text);
  lines = g_strsplit(text, "\n", -1);
  for (char **line = lines; *line != NULL; line++)
    if (g_str_has_prefix(*line, prefix))
      return g_strstrip(g_strdup(*line + strlen(prefix)));
  g_error("no '%s' line in:\n%s", label, text);
  return NULL;
}

void
md_test_assert_strings(JsonArray *array, const char *const *expected)
{
  guint n = g_strv_length((char **) expected);

  g_assert_cmpuint(json_array_get_length(array), ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpstr(json_array_get_string_element(array, i), ==, expected[i]);
}
