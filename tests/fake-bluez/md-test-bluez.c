/* SPDX-License-Identifier: Apache-2.0 */
#include "md-test-bluez.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

static void
die_with_parent(gpointer user_data)
{
  prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static void
signal_free(MdTestBluezSignal *signal)
{
  g_free(signal->name);
  g_variant_unref(signal->parameters);
  g_free(signal);
}

static void
on_signal(GDBusConnection *connection, const char *sender, const char *path, const char *interface,
          const char *name, GVariant *parameters, gpointer user_data)
{
  MdTestBluez *bluez = user_data;
  MdTestBluezSignal *signal = g_new0(MdTestBluezSignal, 1);

  signal->name = g_strdup(name);
  signal->parameters = g_variant_ref(parameters);
  g_queue_push_tail(&bluez->signals, signal);
}

MdTestBluez *
md_test_bluez_start(MdTestBus *bus, const char *dir, const char *const *args)
{
  g_autoptr(GSubprocessLauncher) launcher =
      g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  const char *binary = g_getenv("FAKE_BLUEZ_BINARY");
  MdTestBluez *bluez = g_new0(MdTestBluez, 1);
  static guint count;

  g_assert_nonnull(binary);
  bluez->log_path = g_strdup_printf("%s/fake-bluez-%u.log", dir, ++count);
  g_subprocess_launcher_set_child_setup(launcher, die_with_parent, NULL, NULL);
  g_subprocess_launcher_set_stderr_file_path(launcher, bluez->log_path);
  g_ptr_array_add(argv, (char *) binary);
  g_ptr_array_add(argv, "--address");
  g_ptr_array_add(argv, bus->address);
  g_ptr_array_add(argv, "--print-ready");
  for (gsize i = 0; args != NULL && args[i] != NULL; i++)
    g_ptr_array_add(argv, (char *) args[i]);
  g_ptr_array_add(argv, NULL);

  bluez->connection = md_test_bus_connect(bus);
  bluez->subscription = g_dbus_connection_signal_subscribe(
      bluez->connection, "org.bluez", MD_TEST_BLUEZ_CONTROL, NULL, "/org/bluez/test", NULL,
      G_DBUS_SIGNAL_FLAGS_NONE, on_signal, bluez, NULL);
  bluez->process =
      g_subprocess_launcher_spawnv(launcher, (const char *const *) argv->pdata, &error);
  g_assert_no_error(error);
  out = g_data_input_stream_new(g_subprocess_get_stdout_pipe(bluez->process));
  line = g_data_input_stream_read_line(out, NULL, NULL, &error);
  g_assert_no_error(error);
  if (g_strcmp0(line, "READY") != 0) {
    g_autofree char *log = md_test_bluez_log(bluez);

    g_test_message("fake-bluez's stderr:\n%s", log);
  }
  g_assert_cmpstr(line, ==, "READY");
  return bluez;
}

char *
md_test_bluez_log(MdTestBluez *bluez)
{
  char *text = NULL;

  if (!g_file_get_contents(bluez->log_path, &text, NULL, NULL))
    return g_strdup("");
  return text;
}

int
md_test_bluez_stop(MdTestBluez *bluez, int signal)
{
  if (signal != 0)
    g_subprocess_send_signal(bluez->process, signal);
  if (!md_test_wait_process(bluez->process, MD_TEST_TIMEOUT_MS))
    return -1;
  if (!g_subprocess_get_if_exited(bluez->process))
    return -1;
  return g_subprocess_get_exit_status(bluez->process);
}

void
md_test_bluez_free(MdTestBluez *bluez)
{
  MdTestBluezSignal *signal;

  if (bluez == NULL)
    return;
  if (g_subprocess_get_identifier(bluez->process) != NULL) {
    g_subprocess_force_exit(bluez->process);
    md_test_wait_process(bluez->process, MD_TEST_TIMEOUT_MS);
  }
  if (g_test_failed()) {
    g_autofree char *log = md_test_bluez_log(bluez);

    g_test_message("fake-bluez's stderr:\n%s", log);
  }
  g_dbus_connection_signal_unsubscribe(bluez->connection, bluez->subscription);
  while ((signal = g_queue_pop_head(&bluez->signals)) != NULL)
    signal_free(signal);
  g_object_unref(bluez->connection);
  g_object_unref(bluez->process);
  g_unlink(bluez->log_path);
  g_free(bluez->log_path);
  g_free(bluez);
}

gboolean
md_test_bluez_wait(gboolean (*done)(gpointer data), gpointer data, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time() + (gint64) timeout_ms * 1000;

  while (!done(data)) {
    if (g_get_monotonic_time() > deadline)
      return FALSE;
    /* Wake up now and then, for conditions no source signals. */
    if (!g_main_context_iteration(NULL, FALSE))
      g_usleep(2000);
  }
  return TRUE;
}

static gboolean
never(gpointer data)
{
  return FALSE;
}

void
md_test_bluez_spin(guint ms)
{
  md_test_bluez_wait(never, NULL, ms);
}

typedef struct {
  gboolean done;
  GVariant *reply;
  GError *error;
} Call;

static void
on_reply(GObject *source, GAsyncResult *result, gpointer user_data)
{
  Call *call = user_data;

  call->reply = g_dbus_connection_call_with_unix_fd_list_finish(G_DBUS_CONNECTION(source), NULL,
                                                                result, &call->error);
  call->done = TRUE;
}

GVariant *
md_test_bluez_call_full(GDBusConnection *connection, const char *path, const char *interface,
                        const char *method, GVariant *parameters, GUnixFDList *fds, GError **error)
{
  Call call = { 0 };

  g_dbus_connection_call_with_unix_fd_list(connection, "org.bluez", path, interface, method,
                                           parameters, NULL, G_DBUS_CALL_FLAGS_NONE,
                                           MD_TEST_TIMEOUT_MS, fds, NULL, on_reply, &call);
  /* No deadline here: the call has its own time-out. */
  while (!call.done)
    g_main_context_iteration(NULL, TRUE);
  if (call.error != NULL)
    g_propagate_error(error, call.error);
  return call.reply;
}

GVariant *
md_test_bluez_control(MdTestBluez *bluez, const char *method, GVariant *parameters)
{
  g_autoptr(GError) error = NULL;
  GVariant *reply =
      md_test_bluez_call_full(bluez->connection, "/org/bluez/test", MD_TEST_BLUEZ_CONTROL, method,
                              parameters, NULL, &error);

  g_assert_no_error(error);
  return reply;
}

char *
md_test_bluez_control_error(MdTestBluez *bluez, const char *method, GVariant *parameters,
                            const char *error_name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply =
      md_test_bluez_call_full(bluez->connection, "/org/bluez/test", MD_TEST_BLUEZ_CONTROL, method,
                              parameters, NULL, &error);
  g_autofree char *name = NULL;

  g_assert_null(reply);
  g_assert_nonnull(error);
  name = g_dbus_error_get_remote_error(error);
  g_assert_cmpstr(name, ==, error_name);
  g_dbus_error_strip_remote_error(error);
  return g_strdup(error->message);
}

typedef struct {
  MdTestBluez *bluez;
  const char *name;
  GVariant *found;
} SignalWait;

static gboolean
signal_arrived(gpointer data)
{
  SignalWait *wait = data;

  for (GList *l = wait->bluez->signals.head; l != NULL; l = l->next) {
    MdTestBluezSignal *signal = l->data;

    if (g_str_equal(signal->name, wait->name)) {
      wait->found = g_variant_ref(signal->parameters);
      g_queue_delete_link(&wait->bluez->signals, l);
      signal_free(signal);
      return TRUE;
    }
  }
  return FALSE;
}

GVariant *
md_test_bluez_wait_signal(MdTestBluez *bluez, const char *name, guint timeout_ms)
{
  SignalWait wait = { bluez, name, NULL };

  md_test_bluez_wait(signal_arrived, &wait, timeout_ms);
  return wait.found;
}

void
md_test_bluez_clear_signals(MdTestBluez *bluez)
{
  MdTestBluezSignal *signal;

  while ((signal = g_queue_pop_head(&bluez->signals)) != NULL)
    signal_free(signal);
}

typedef struct {
  MdTestBluez *bluez;
  const char *method;
  GVariant *found;
} PollWait;

static gboolean
advertisement_there(gpointer data)
{
  PollWait *wait = data;
  g_autoptr(GVariant) all = md_test_bluez_control(wait->bluez, "GetAdvertisements", NULL);
  g_autoptr(GVariant) list = g_variant_get_child_value(all, 0);

  if (g_variant_n_children(list) != 1)
    return FALSE;
  wait->found = g_variant_get_child_value(list, 0);
  return TRUE;
}

GVariant *
md_test_bluez_wait_advertisement(MdTestBluez *bluez, guint timeout_ms)
{
  PollWait wait = { bluez, NULL, NULL };

  md_test_bluez_wait(advertisement_there, &wait, timeout_ms);
  return wait.found;
}

static gboolean
application_there(gpointer data)
{
  PollWait *wait = data;
  g_autoptr(GVariant) reply = md_test_bluez_control(wait->bluez, "GetApplication", NULL);
  g_autoptr(GVariant) list = g_variant_get_child_value(reply, 0);

  if (g_variant_n_children(list) == 0)
    return FALSE;
  wait->found = g_steal_pointer(&list);
  return TRUE;
}

GVariant *
md_test_bluez_wait_application(MdTestBluez *bluez, guint timeout_ms)
{
  PollWait wait = { bluez, NULL, NULL };

  md_test_bluez_wait(application_there, &wait, timeout_ms);
  return wait.found;
}

GVariant *
md_test_bluez_find_attribute(GVariant *attributes, const char *kind, const char *uuid)
{
  for (gsize i = 0; i < g_variant_n_children(attributes); i++) {
    g_autoptr(GVariant) entry = g_variant_get_child_value(attributes, i);
    const char *k = NULL, *u = NULL;

    g_variant_lookup(entry, "Kind", "&s", &k);
    g_variant_lookup(entry, "UUID", "&s", &u);
    if (g_strcmp0(k, kind) == 0 && (uuid == NULL || g_strcmp0(u, uuid) == 0))
      return g_steal_pointer(&entry);
  }
  return NULL;
}
