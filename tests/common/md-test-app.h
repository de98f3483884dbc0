/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* A host application (one of examples/) run beside a matterd under test:
 * on the test's private bus, with the interface files of the build (the
 * test environment's MATTERD_INTERFACES_DIR, which it inherits), its
 * output kept in a file to wait on. */

#include <gio/gio.h>

#include "md-test.h"

typedef struct {
  GSubprocess *process;
  char *out_path; /* its stdout and stderr */
} MdTestApp;

/* Runs @argv (NULL-terminated; a Python example is given as its path and
 * run with /usr/bin/python3) on @bus, as if on the session bus. */
MdTestApp *md_test_app_start(MdTestBus *bus, const char *dir, const char *const *argv);
/* The same with @bus as its system bus (an example run without
 * --session). */
MdTestApp *md_test_app_start_system(MdTestBus *bus, const char *dir, const char *const *argv);
/* Waits until its output has @text (MD_TEST_TIMEOUT_MS); FALSE on timeout. */
gboolean md_test_app_wait_output(MdTestApp *app, const char *text);
/* How often @text is in its output so far. */
guint md_test_app_count_output(MdTestApp *app, const char *text);
/* SIGKILL, and waits for it. */
void md_test_app_kill(MdTestApp *app);
/* SIGUSR1 (the light's local toggle). */
void md_test_app_signal(MdTestApp *app, int signal);
/* SIGTERM if still running, and frees. */
void md_test_app_free(MdTestApp *app);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdTestApp, md_test_app_free)
