/* SPDX-License-Identifier: Apache-2.0 */
#include "md-test-app.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

static void
die_with_parent(gpointer user_data)
{
  prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static MdTestApp *
app_start(MdTestBus *bus, gboolean system, const char *dir, const char *const *argv)
{
  static guint serial;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) args = g_ptr_array_new();
  g_autoptr(GError) error = NULL;
  MdTestApp *app = g_new0(MdTestApp, 1);

  app->out_path = g_strdup_printf("%s/app-%u.log", dir, serial++);
  /* Python examples run with Debian's interpreter (their #! line), which
   * has python3-gi, whatever python3 comes first on the PATH. */
  if (g_str_has_suffix(argv[0], ".py"))
    g_ptr_array_add(args, (gpointer) "/usr/bin/python3");
  for (gsize i = 0; argv[i] != NULL; i++)
    g_ptr_array_add(args, (gpointer) argv[i]);
  g_ptr_array_add(args, NULL);

  launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_set_child_setup(launcher, die_with_parent, NULL, NULL);
  g_subprocess_launcher_set_stdout_file_path(launcher, app->out_path);
  if (system) {
    g_subprocess_launcher_setenv(launcher, "DBUS_SYSTEM_BUS_ADDRESS", bus->address, TRUE);
    g_subprocess_launcher_unsetenv(launcher, "MATTERD_BUS");
  } else {
    g_subprocess_launcher_setenv(launcher, "DBUS_SESSION_BUS_ADDRESS", bus->address, TRUE);
    g_subprocess_launcher_setenv(launcher, "MATTERD_BUS", "session", TRUE);
  }
  g_subprocess_launcher_setenv(launcher, "PYTHONUNBUFFERED", "1", TRUE);
  app->process = g_subprocess_launcher_spawnv(launcher, (const char *const *) args->pdata, &error);
  g_assert_no_error(error);
  return app;
}

MdTestApp *
md_test_app_start(MdTestBus *bus, const char *dir, const char *const *argv)
{
  return app_start(bus, FALSE, dir, argv);
}

MdTestApp *
md_test_app_start_system(MdTestBus *bus, const char *dir, const char *const *argv)
{
  return app_start(bus, TRUE, dir, argv);
}

guint
md_test_app_count_output(MdTestApp *app, const char *text)
{
  g_autofree char *out = NULL;
  guint count = 0;

  if (!g_file_get_contents(app->out_path, &out, NULL, NULL))
    return 0;
  for (const char *p = strstr(out, text); p != NULL; p = strstr(p + 1, text))
    count++;
  return count;
}

gboolean
md_test_app_wait_output(MdTestApp *app, const char *text)
{
  gint64 end = g_get_monotonic_time() + MD_TEST_TIMEOUT_MS * 1000;

  while (g_get_monotonic_time() < end) {
    if (md_test_app_count_output(app, text) > 0)
      return TRUE;
    g_usleep(20 * 1000);
  }
  return FALSE;
}

void
md_test_app_signal(MdTestApp *app, int signal)
{
  g_subprocess_send_signal(app->process, signal);
}

void
md_test_app_kill(MdTestApp *app)
{
  g_subprocess_force_exit(app->process);
  g_assert_true(md_test_wait_process(app->process, MD_TEST_TIMEOUT_MS));
}

void
md_test_app_free(MdTestApp *app)
{
  g_autofree char *out = NULL;

  if (app == NULL)
    return;
  if (g_subprocess_get_identifier(app->process) != NULL) {
    g_subprocess_send_signal(app->process, SIGTERM);
    (void) md_test_wait_process(app->process, MD_TEST_TIMEOUT_MS);
  }
  if (g_file_get_contents(app->out_path, &out, NULL, NULL))
    g_test_message("application output:\n%s", out);
  g_object_unref(app->process);
  g_free(app->out_path);
  g_free(app);
}
