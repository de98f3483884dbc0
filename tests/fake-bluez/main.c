/* SPDX-License-Identifier: Apache-2.0 */
#define G_LOG_DOMAIN "fake-bluez"

/* fake-bluez: a stand-in for bluetoothd on a test bus (README.md). */

#include <glib-unix.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

#include "adapter.h"
#include "control.h"
#include "fake-bluez.h"

static FbOptions options = {
  .auto_enable = TRUE,
  .max_advertisements = 5,
  .temporary_timeout = 30,
  .att_timeout = 30,
};

static struct {
  GMainLoop *loop;
  GDBusConnection *connection;
  FbAdapter *adapter;
  gboolean print_ready;
  gboolean no_adapter;
  gboolean terminating;
} state;

const FbOptions *
fb_options(void)
{
  return &options;
}

FbAdapter *
fb_main_adapter(void)
{
  return state.adapter;
}

gboolean
fb_main_add_adapter(void)
{
  if (state.adapter != NULL)
    return FALSE;
  state.adapter = fb_adapter_new(&options);
  return TRUE;
}

gboolean
fb_main_remove_adapter(void)
{
  if (state.adapter == NULL)
    return FALSE;
  fb_adapter_free(g_steal_pointer(&state.adapter));
  return TRUE;
}

/* SIGTERM or SIGINT, as bluetoothd takes them: the adapter is powered
 * down first, then it goes with everything registered on it (the
 * advertisements are released), then the fake leaves the bus. */
static gboolean
on_terminate(gpointer user_data)
{
  if (state.terminating)
    return G_SOURCE_CONTINUE;
  state.terminating = TRUE;
  g_message("terminating");
  if (state.adapter != NULL)
    fb_adapter_shutdown(state.adapter);
  fb_objects_flush();
  fb_main_remove_adapter();
  g_main_loop_quit(state.loop);
  return G_SOURCE_CONTINUE;
}

static void
on_connection_closed(GDBusConnection *connection, gboolean remote_peer_vanished, GError *error,
                     gpointer user_data)
{
  g_message("the bus went away");
  exit(1);
}

/* Printed once the adapter is there (and powered, when auto-enabled), so
 * a test can wait for the line. */
static gboolean
on_ready(gpointer user_data)
{
  if (state.adapter != NULL && options.auto_enable && !state.adapter->powered)
    return G_SOURCE_CONTINUE;
  fb_objects_flush();
  g_dbus_connection_flush_sync(state.connection, NULL, NULL);
  printf("READY\n");
  fflush(stdout);
  return G_SOURCE_REMOVE;
}

static GDBusConnection *
connect_bus(const char *address, GError **error)
{
  if (address != NULL)
    return g_dbus_connection_new_for_address_sync(
        address,
        G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
            G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
        NULL, NULL, error);
  return g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, error);
}

static gboolean
own_name(GDBusConnection *connection, GError **error)
{
  g_autoptr(GVariant) reply = g_dbus_connection_call_sync(
      connection, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
      "RequestName", g_variant_new("(su)", FB_BUS_NAME, 0x4 /* DO_NOT_QUEUE */),
      G_VARIANT_TYPE("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, error);
  guint32 result;

  if (reply == NULL)
    return FALSE;
  g_variant_get(reply, "(u)", &result);
  if (result != 1 /* PRIMARY_OWNER */) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_EXISTS, "%s is owned already", FB_BUS_NAME);
    return FALSE;
  }
  return TRUE;
}

int
main(int argc, char **argv)
{
  g_autofree char *address = NULL;
  g_autofree char *bdaddr = NULL;
  g_autofree char *name = NULL;
  gint max_advertisements = 5, temporary_timeout = 30, att_timeout = 30;
  gboolean no_auto_enable = FALSE, verbose = FALSE;
  const GOptionEntry entries[] = {
    { "address", 0, 0, G_OPTION_ARG_STRING, &address,
      "The bus to use (default: the system bus, DBUS_SYSTEM_BUS_ADDRESS)", "ADDRESS" },
    { "bdaddr", 0, 0, G_OPTION_ARG_STRING, &bdaddr, "The adapter's address", "XX:XX:..." },
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, "The adapter's name", "NAME" },
    { "experimental", 'E', 0, G_OPTION_ARG_NONE, &options.experimental,
      "Experimental interfaces, as bluetoothd -E", NULL },
    { "le-only", 0, 0, G_OPTION_ARG_NONE, &options.le_only, "A controller without BR/EDR", NULL },
    { "no-auto-enable", 0, 0, G_OPTION_ARG_NONE, &no_auto_enable,
      "Leave the adapter powered off (AutoEnable=false)", NULL },
    { "no-adapter", 0, 0, G_OPTION_ARG_NONE, &state.no_adapter, "Start without an adapter", NULL },
    { "max-advertisements", 0, 0, G_OPTION_ARG_INT, &max_advertisements,
      "The controller's advertising instances (5)", "N" },
    { "temporary-timeout", 0, 0, G_OPTION_ARG_INT, &temporary_timeout,
      "Seconds a disconnected device's object stays (30)", "S" },
    { "att-timeout", 0, 0, G_OPTION_ARG_INT, &att_timeout,
      "Seconds the central waits for an ATT response (30)", "S" },
    { "print-ready", 0, 0, G_OPTION_ARG_NONE, &state.print_ready,
      "Print READY on stdout once the adapter is up", NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Debug messages", NULL },
    { NULL },
  };
  g_autoptr(GOptionContext) context = g_option_context_new("- a stand-in for bluetoothd");
  g_autoptr(GError) error = NULL;

  setlocale(LC_ALL, "");
  g_option_context_add_main_entries(context, entries, NULL);
  if (!g_option_context_parse(context, &argc, &argv, &error)) {
    g_printerr("fake-bluez: %s\n", error->message);
    return 2;
  }
  if (max_advertisements < 1 || max_advertisements > 255 || temporary_timeout < 0 ||
      att_timeout < 1) {
    g_printerr("fake-bluez: a count or timeout is out of range\n");
    return 2;
  }
  if (verbose)
    g_setenv("G_MESSAGES_DEBUG", "all", TRUE);
  options.auto_enable = !no_auto_enable;
  options.max_advertisements = (guint) max_advertisements;
  options.temporary_timeout = (guint) temporary_timeout;
  options.att_timeout = (guint) att_timeout;
  options.bdaddr = bdaddr != NULL ? bdaddr : "00:AA:01:00:00:23";
  options.name = name != NULL ? name : (char *) g_get_host_name();

  state.connection = connect_bus(address, &error);
  if (state.connection == NULL) {
    g_printerr("fake-bluez: cannot connect to the bus: %s\n", error->message);
    return 1;
  }
  g_dbus_connection_set_exit_on_close(state.connection, FALSE);
  g_signal_connect(state.connection, "closed", G_CALLBACK(on_connection_closed), NULL);
  fb_objects_init(state.connection, options.experimental);
  fb_control_init();
  if (!own_name(state.connection, &error)) {
    g_printerr("fake-bluez: cannot own %s: %s\n", FB_BUS_NAME, error->message);
    return 1;
  }
  g_message("%s on the bus%s", FB_BUS_NAME, options.experimental ? ", experimental" : "");
  if (!state.no_adapter)
    fb_main_add_adapter();
  if (state.print_ready)
    g_timeout_add(10, on_ready, NULL);

  state.loop = g_main_loop_new(NULL, FALSE);
  g_unix_signal_add(SIGTERM, on_terminate, NULL);
  g_unix_signal_add(SIGINT, on_terminate, NULL);
  g_main_loop_run(state.loop);

  fb_objects_shutdown();
  g_dbus_connection_flush_sync(state.connection, NULL, NULL);
  g_clear_object(&state.connection);
  g_main_loop_unref(state.loop);
  return 0;
}
