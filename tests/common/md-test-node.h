/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* A matterd under test with a commissioner beside it: a private bus, the
 * daemon with a configuration of the test's, its UDP port read from its
 * log, and a commissioner (udp-commissioner.h) pointed at it. */

#include <gio/gio.h>

#include "md-test.h"
#include "udp-commissioner.h"

typedef struct {
  char *dir;
  char *state_dir;
  char *config_path;
  MdTestBus *bus;
  MdTestNotify *notify;
  GDBusConnection *connection;
  MdTestDaemon *daemon;
  guint16 port;
  MdTestCommissioner *commissioner;
  GStrv env; /* extra environment of every start, NULL-terminated */
} MdTestNode;

/* What md_test_node_start_full() adds to a plain start. */
typedef struct {
  /* "KEY=VALUE" strings for matterd's environment (restarts too), e.g.
   * the DBUS_SYSTEM_BUS_ADDRESS of a private system bus; may be NULL. */
  const char *const *env;
  /* Called with the (not yet existing) state directory before matterd
   * first starts, to put state there; may be NULL. */
  void (*prepare_state)(const char *state_dir, gpointer user_data);
  gpointer user_data;
} MdTestNodeOptions;

/* Starts matterd with @config (a matterd.conf text) and waits for READY. */
void md_test_node_start(MdTestNode *node, const char *config);
/* The same, with @options (NULL: none). */
void md_test_node_start_full(MdTestNode *node, const char *config,
                             const MdTestNodeOptions *options);
/* The same with extra environment for the daemon: @env, NULL-terminated
 * "KEY=VALUE" strings (e.g. DBUS_SYSTEM_BUS_ADDRESS of a private system bus
 * with avahi-daemon on it), also given to it on every restart. */
void md_test_node_start_with_env(MdTestNode *node, const char *config, const char *const *env);
/* Stops matterd (SIGTERM; it must exit 0) and removes everything. */
void md_test_node_stop(MdTestNode *node);
/* kill -9, then the same daemon again on the same state and port. */
void md_test_node_crash_and_restart(MdTestNode *node);
/* SIGTERM (it must exit 0), then the same daemon again on the same state
 * and port. */
void md_test_node_restart(MdTestNode *node);

/* A property of org.matterd.Node1. */
GVariant *md_test_node_property(MdTestNode *node, const char *name);
/* Node1.CommissioningWindow, e.g. "basic" or "closed". */
char *md_test_node_window(MdTestNode *node);
/* Waits until the daemon's log has @text; FALSE on timeout. */
gboolean md_test_node_wait_for_log(MdTestNode *node, const char *text);
/* How often @text is in the daemon's log. */
guint md_test_node_count_log(MdTestNode *node, const char *text);

/* The number a query of the daemon's database answers (`sqlite3
 * -readonly`, as an administrator would look), e.g. a count(*). */
guint64 md_test_node_query(MdTestNode *node, const char *query);
