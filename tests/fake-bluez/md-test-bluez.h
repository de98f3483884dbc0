/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Runs the fake BlueZ (tests/fake-bluez, FAKE_BLUEZ_BINARY) on a test bus
 * and drives it through org.bluez.test.Control1 (README.md there). Calls
 * run the default main context while they wait, so an application served
 * by the same test process answers bluetoothd's calls meanwhile. */

#include "md-test.h"

#define MD_TEST_BLUEZ_CONTROL "org.bluez.test.Control1"
#define MD_TEST_BLUEZ_ADAPTER "/org/bluez/hci0"

/* The Matter service and characteristics. */
#define MD_TEST_MATTER_SERVICE "0000fff6-0000-1000-8000-00805f9b34fb"
#define MD_TEST_MATTER_C1 "18ee2ef5-263d-4559-959f-4f9c429f9d11"
#define MD_TEST_MATTER_C2 "18ee2ef5-263d-4559-959f-4f9c429f9d12"
#define MD_TEST_MATTER_C3 "64630238-8772-45f2-b87d-748a83218f04"

typedef struct {
  GSubprocess *process;
  char *log_path;
  GDBusConnection *connection; /* the test's own, to the control object */
  guint subscription;
  GQueue signals; /* MdTestBluezSignal, Control1's signals not yet waited for */
} MdTestBluez;

typedef struct {
  char *name;
  GVariant *parameters;
} MdTestBluezSignal;

/* Starts fake-bluez on @bus with @args (NULL-terminated, may be NULL) and
 * waits until its adapter is up. Its stderr goes to a file in @dir. */
MdTestBluez *md_test_bluez_start(MdTestBus *bus, const char *dir, const char *const *args);
/* Sends @signal (0: none) and waits; the exit status, or -1 when it died
 * of a signal or did not exit in time. */
int md_test_bluez_stop(MdTestBluez *bluez, int signal);
void md_test_bluez_free(MdTestBluez *bluez);
char *md_test_bluez_log(MdTestBluez *bluez);

/* Calls @method of @interface at @path on org.bluez through @connection
 * and waits, running the default main context. The reply, or NULL with
 * @error. */
GVariant *md_test_bluez_call_full(GDBusConnection *connection, const char *path,
                                  const char *interface, const char *method, GVariant *parameters,
                                  GUnixFDList *fds, GError **error);
/* A Control1 method that must work. */
GVariant *md_test_bluez_control(MdTestBluez *bluez, const char *method, GVariant *parameters);
/* A Control1 method that must fail with @error_name; the error's message. */
char *md_test_bluez_control_error(MdTestBluez *bluez, const char *method, GVariant *parameters,
                                  const char *error_name);

/* The next Control1 signal @name (others stay queued), at most @timeout_ms. */
GVariant *md_test_bluez_wait_signal(MdTestBluez *bluez, const char *name, guint timeout_ms);
/* Drops the queued signals. */
void md_test_bluez_clear_signals(MdTestBluez *bluez);

/* Runs the default main context until @done(@data) or @timeout_ms. */
gboolean md_test_bluez_wait(gboolean (*done)(gpointer data), gpointer data, guint timeout_ms);
/* Runs the default main context for @ms. */
void md_test_bluez_spin(guint ms);

/* The only registered advertisement, once there is one: (a{sv} info,
 * a{sv} properties, ay data, ay scan_response). */
GVariant *md_test_bluez_wait_advertisement(MdTestBluez *bluez, guint timeout_ms);
/* The GATT database's attributes, once there are some. */
GVariant *md_test_bluez_wait_application(MdTestBluez *bluez, guint timeout_ms);
/* The entry of kind @kind with @uuid in @attributes (aa{sv}), or NULL. */
GVariant *md_test_bluez_find_attribute(GVariant *attributes, const char *kind, const char *uuid);
