/* SPDX-License-Identifier: Apache-2.0 */
#include "md-test-node.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

static guint16
daemon_port(MdTestDaemon *daemon)
{
  g_autofree char *log = md_test_daemon_stderr(daemon);
  g_autoptr(GRegex) regex = g_regex_new("on UDP port ([0-9]+)", 0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  g_autofree char *port = NULL;

  g_assert_true(g_regex_match(regex, log, 0, &match));
  port = g_match_info_fetch(match, 1);
  return (guint16) g_ascii_strtoull(port, NULL, 10);
}

/* @port NULL: the configured one (0 in tests: any free port). */
static void
spawn(MdTestNode *node, const char *port)
{
  const char *args[5] = { "--config", node->config_path, NULL, NULL, NULL };

  if (port != NULL) {
    args[2] = "--port";
    args[3] = port;
  }
  node->daemon = md_test_daemon_spawn(node->bus, node->notify, node->state_dir, args,
                                      (const char *const *) node->env);
  g_assert_nonnull(md_test_notify_wait(node->notify, "READY=1", MD_TEST_TIMEOUT_MS));
}

void
md_test_node_start(MdTestNode *node, const char *config)
{
  md_test_node_start_full(node, config, NULL);
}

void
md_test_node_start_with_env(MdTestNode *node, const char *config, const char *const *env)
{
  MdTestNodeOptions options = { .env = env };

  md_test_node_start_full(node, config, &options);
}

void
md_test_node_start_full(MdTestNode *node, const char *config, const MdTestNodeOptions *options)
{
  g_autoptr(GError) error = NULL;

  memset(node, 0, sizeof(*node));
  node->dir = md_test_mkdtemp();
  node->state_dir = g_build_filename(node->dir, "state", NULL);
  node->config_path = g_build_filename(node->dir, "matterd.conf", NULL);
  g_file_set_contents(node->config_path, config, -1, &error);
  g_assert_no_error(error);
  if (options != NULL && options->env != NULL)
    node->env = g_strdupv((char **) options->env);
  if (options != NULL && options->prepare_state != NULL)
    options->prepare_state(node->state_dir, options->user_data);
  node->bus = md_test_bus_start(node->dir);
  node->notify = md_test_notify_new(node->dir);
  node->connection = md_test_bus_connect(node->bus);
  spawn(node, NULL);
  node->port = daemon_port(node->daemon);
  node->commissioner = md_test_commissioner_new(node->port);
}

/* Stops the daemon with @signal, expecting @status from md_test_daemon_stop(),
 * and starts it again on the same state and port. */
static void
stop_and_restart(MdTestNode *node, int signal, int status)
{
  g_autofree char *port = g_strdup_printf("%u", node->port);

  g_assert_cmpint(md_test_daemon_stop(node->daemon, signal), ==, status);
  md_test_daemon_free(node->daemon);
  g_ptr_array_set_size(node->notify->messages, 0);
  spawn(node, port);
}

void
md_test_node_crash_and_restart(MdTestNode *node)
{
  stop_and_restart(node, SIGKILL, -1);
}

void
md_test_node_restart(MdTestNode *node)
{
  stop_and_restart(node, SIGTERM, 0);
}

void
md_test_node_stop(MdTestNode *node)
{
  g_clear_pointer(&node->commissioner, md_test_commissioner_free);
  g_assert_cmpint(md_test_daemon_stop(node->daemon, SIGTERM), ==, 0);
  md_test_daemon_free(node->daemon);
  g_clear_object(&node->connection);
  md_test_notify_free(node->notify);
  md_test_bus_stop(node->bus);
  md_test_rmtree(node->dir);
  g_free(node->config_path);
  g_free(node->state_dir);
  g_free(node->dir);
  g_strfreev(node->env);
}

GVariant *
md_test_node_property(MdTestNode *node, const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_sync(
    node->connection, "org.matterd", "/org/matterd", "org.freedesktop.DBus.Properties", "Get",
    g_variant_new("(ss)", "org.matterd.Node1", name), G_VARIANT_TYPE("(v)"),
    G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  GVariant *value = NULL;

  g_assert_no_error(error);
  g_variant_get(reply, "(v)", &value);
  return value;
}

char *
md_test_node_window(MdTestNode *node)
{
  g_autoptr(GVariant) value = md_test_node_property(node, "CommissioningWindow");

  return g_variant_dup_string(value, NULL);
}

guint
md_test_node_count_log(MdTestNode *node, const char *text)
{
  g_autofree char *log = md_test_daemon_stderr(node->daemon);
  guint count = 0;

  for (const char *p = strstr(log, text); p != NULL; p = strstr(p + 1, text))
    count++;
  return count;
}

gboolean
md_test_node_wait_for_log(MdTestNode *node, const char *text)
{
  guint64 end = md_test_now_ms() + MD_TEST_TIMEOUT_MS;

  while (md_test_now_ms() < end) {
    if (md_test_node_count_log(node, text) > 0)
      return TRUE;
    g_usleep(20 * 1000);
  }
  return FALSE;
}

guint64
md_test_node_query(MdTestNode *node, const char *query)
{
  g_autofree char *db = g_build_filename(node->state_dir, "matterd.db", NULL);
  const char *argv[] = { "sqlite3", "-readonly", db, query, NULL };
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_assert_true(g_file_test(db, G_FILE_TEST_IS_REGULAR));
  g_spawn_sync(NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status,
               &error);
  g_assert_no_error(error);
  if (!g_spawn_check_wait_status(status, NULL))
    g_error("sqlite3 %s: %s", query, err);
  return g_ascii_strtoull(out, NULL, 10);
}
