/* SPDX-License-Identifier: Apache-2.0 */
/* matterctl's way to matterd over D-Bus. */

#include "build-config.h"

#include "ctl-bus.h"

#include <errno.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <signal.h>
#include <unistd.h>

#include "ctl-util.h"
#include "md-names.h"

static GBusType bus_type = G_BUS_TYPE_SYSTEM;

void
md_ctl_bus_set_type(GBusType type)
{
  bus_type = type;
}

GBusType
md_ctl_bus_get_type(void)
{
  return bus_type;
}

const char *
md_ctl_bus_name(void)
{
  return bus_type == G_BUS_TYPE_SESSION ? _("session") : _("system");
}

GDBusObjectManager *
md_ctl_bus_manager(gboolean must_run)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusObjectManager) manager = NULL;
  g_autofree char *owner = NULL;

  manager = md_dbus_object_manager_client_new_for_bus_sync(
      bus_type, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE, MD_DBUS_NAME, MD_DBUS_MANAGER_PATH, NULL,
      &error);
  if (manager == NULL) {
    md_ctl_failure(_("cannot reach the %s bus: %s"), md_ctl_bus_name(), error->message);
    return NULL;
  }
  owner = g_dbus_object_manager_client_get_name_owner(G_DBUS_OBJECT_MANAGER_CLIENT(manager));
  if (owner == NULL && must_run) {
    md_ctl_failure(_("matterd is not running on the %s bus"), md_ctl_bus_name());
    return NULL;
  }
  return g_steal_pointer(&manager);
}

MdDBusNode1 *
md_ctl_bus_node(GDBusObjectManager *manager)
{
  g_autoptr(GDBusInterface) node =
      g_dbus_object_manager_get_interface(manager, MD_DBUS_PATH, MD_DBUS_INTERFACE_NODE);

  if (node == NULL) {
    md_ctl_failure(_("matterd on the %s bus has no %s object at %s"), md_ctl_bus_name(),
                   MD_DBUS_INTERFACE_NODE, MD_DBUS_PATH);
    return NULL;
  }
  return MD_DBUS_NODE1(g_steal_pointer(&node));
}

GDBusCallFlags
md_ctl_bus_change_flags(void)
{
  return isatty(STDIN_FILENO) ? G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION
                              : G_DBUS_CALL_FLAGS_NONE;
}

int
md_ctl_bus_change_timeout(void)
{
  return isatty(STDIN_FILENO) ? G_MAXINT : -1;
}

int
md_ctl_bus_failure(GError *error)
{
  g_dbus_error_strip_remote_error(error);
  return md_ctl_failure("%s", error->message);
}

/* A textual polkit agent for this process, as systemctl starts one: on a
 * terminal, for a user polkit may ask for a password (root never gets
 * asked), unless the session has an agent already (--fallback), e.g. over
 * SSH. It prompts on the terminal itself; its complaints, when polkit is
 * not there to register with, stay out of matterctl's one-line errors.
 * NULL when none is needed or none could start. */
static GSubprocess *
agent_start(void)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) agent = NULL;
  g_autofree char *program = NULL;
  int notify[2];
  char byte;

  if (!isatty(STDIN_FILENO) || geteuid() == 0)
    return NULL;
  program = g_find_program_in_path("pkttyagent");
  if (program == NULL || !g_unix_open_pipe(notify, FD_CLOEXEC, NULL))
    return NULL;
  launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDIN_INHERIT |
                                       G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_take_fd(launcher, notify[1], 3);
  agent =
      g_subprocess_launcher_spawn(launcher, NULL, program, "--notify-fd", "3", "--fallback", NULL);
  g_clear_object(&launcher); /* closes our copy of the write end */
  /* The agent closes its end once it registered, or when it gives up. */
  if (agent != NULL)
    while (read(notify[0], &byte, 1) < 0 && errno == EINTR)
      ;
  close(notify[0]);
  return g_steal_pointer(&agent);
}

static void
agent_stop(GSubprocess *agent)
{
  if (agent == NULL)
    return;
  g_subprocess_send_signal(agent, SIGTERM);
  g_subprocess_wait(agent, NULL, NULL);
  g_object_unref(agent);
}

int
md_ctl_bus_change(GDBusProxy *proxy, const char *method, GVariant *parameters, GVariant **reply)
{
  g_autoptr(GError) error = NULL;
  GSubprocess *agent = agent_start();
  GVariant *result;

  result = g_dbus_proxy_call_sync(proxy, method, parameters, md_ctl_bus_change_flags(),
                                  md_ctl_bus_change_timeout(), NULL, &error);
  agent_stop(agent);
  if (reply != NULL)
    *reply = result;
  else if (result != NULL)
    g_variant_unref(result);
  if (result == NULL)
    return md_ctl_bus_failure(error);
  return MD_CTL_EXIT_OK;
}

/* The Properties interface of @proxy's object. */
static GVariant *
call_properties(GDBusProxy *proxy, const char *method, GVariant *parameters,
                const GVariantType *reply_type, GDBusCallFlags flags, int timeout, GError **error)
{
  return g_dbus_connection_call_sync(
      g_dbus_proxy_get_connection(proxy), g_dbus_proxy_get_name(proxy),
      g_dbus_proxy_get_object_path(proxy), "org.freedesktop.DBus.Properties", method, parameters,
      reply_type, flags, timeout, NULL, error);
}

int
md_ctl_bus_set_property(GDBusProxy *proxy, const char *name, GVariant *value)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  GSubprocess *agent = agent_start();

  reply = call_properties(
      proxy, "Set", g_variant_new("(ssv)", g_dbus_proxy_get_interface_name(proxy), name, value),
      G_VARIANT_TYPE_UNIT, md_ctl_bus_change_flags(), md_ctl_bus_change_timeout(), &error);
  agent_stop(agent);
  if (reply == NULL)
    return md_ctl_bus_failure(error);
  return MD_CTL_EXIT_OK;
}

GVariant *
md_ctl_bus_get_property(GDBusProxy *proxy, const char *name, GError **error)
{
  g_autoptr(GVariant) reply = NULL;
  GVariant *value = NULL;

  reply = call_properties(proxy, "Get",
                          g_variant_new("(ss)", g_dbus_proxy_get_interface_name(proxy), name),
                          G_VARIANT_TYPE("(v)"), G_DBUS_CALL_FLAGS_NONE, -1, error);
  if (reply == NULL)
    return NULL;
  g_variant_get(reply, "(v)", &value);
  return value;
}
