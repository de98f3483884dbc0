/* SPDX-License-Identifier: Apache-2.0 */
/* matterctl fabrics, fabric, sessions and session: the objects the
 * ObjectManager lists below the node. */

#include "build-config.h"

#include "cmd-fabric.h"

#include <glib/gi18n.h>

#include "ctl-bus.h"
#include "ctl-objects.h"
#include "ctl-util.h"
#include "md-names.h"

#define MAX_FABRIC_INDEX 254
#define MAX_SESSION_ID G_MAXUINT16

/* ---- Listings ---------------------------------------------------------- */

static void
print_json(const MdCtlObjectKind *kind, const char *member, GPtrArray *proxies)
{
  g_autoptr(JsonBuilder) builder = json_builder_new();

  json_builder_begin_object(builder);
  json_builder_set_member_name(builder, member);
  json_builder_begin_array(builder);
  for (guint i = 0; i < proxies->len; i++) {
    json_builder_begin_object(builder);
    md_ctl_object_add_json(builder, kind, g_ptr_array_index(proxies, i));
    json_builder_end_object(builder);
  }
  json_builder_end_array(builder);
  json_builder_end_object(builder);
  md_ctl_print_json(builder);
}

/* One row of the table: the session id first for sessions, then the
 * fields of the table. @proxy NULL: the header. */
static char **
table_row(const MdCtlObjectKind *kind, GDBusProxy *proxy)
{
  GPtrArray *row = g_ptr_array_new();

  if (kind == &md_ctl_session_kind)
    g_ptr_array_add(
        row, proxy == NULL
                 ? g_strdup(_("ID"))
                 : g_strdup_printf("%u", md_ctl_session_id(g_dbus_proxy_get_object_path(proxy))));
  for (gsize i = 0; i < kind->n_fields; i++) {
    const MdCtlField *field = &kind->fields[i];
    g_autoptr(GVariant) value = NULL;

    if (!field->in_table)
      continue;
    if (proxy == NULL) {
      g_ptr_array_add(row, g_strdup(_(field->label)));
      continue;
    }
    value = g_dbus_proxy_get_cached_property(proxy, field->property);
    g_ptr_array_add(row, md_ctl_field_text(field, value));
  }
  g_ptr_array_add(row, NULL);
  return (char **) g_ptr_array_free(row, FALSE);
}

static void
print_table(const MdCtlObjectKind *kind, GPtrArray *proxies)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func((GDestroyNotify) g_strfreev);

  g_ptr_array_add(rows, table_row(kind, NULL));
  for (guint i = 0; i < proxies->len; i++)
    g_ptr_array_add(rows, table_row(kind, g_ptr_array_index(proxies, i)));
  md_ctl_print_table(rows);
}

int
md_ctl_list_objects(const MdCtlObjectKind *kind, const char *command, const char *member,
             const char *summary, const char *none, int argc, char **argv)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print one JSON object"), NULL },
    G_OPTION_ENTRY_NULL,
  };
  g_autoptr(GDBusObjectManager) manager = NULL;
  g_autoptr(GPtrArray) proxies = NULL;

  if (!md_ctl_parse_options(NULL, summary, entries, &argc, &argv))
    return MD_CTL_EXIT_USAGE;
  if (argc > 1)
    return md_ctl_usage_error(_("%s takes no arguments"), command);
  manager = md_ctl_bus_manager(TRUE);
  if (manager == NULL)
    return MD_CTL_EXIT_FAILURE;
  proxies = md_ctl_objects_list(manager, kind);

  if (json)
    print_json(kind, member, proxies);
  else if (proxies->len == 0)
    g_print("%s\n", none);
  else
    print_table(kind, proxies);
  return MD_CTL_EXIT_OK;
}

int
md_ctl_fabrics_run(int argc, char **argv)
{
  return md_ctl_list_objects(&md_ctl_fabric_kind, "fabrics", "fabrics",
                      _("List the fabrics the node belongs to."), _("The node is on no fabric."),
                      argc, argv);
}

int
md_ctl_sessions_run(int argc, char **argv)
{
  return md_ctl_list_objects(&md_ctl_session_kind, "sessions", "sessions",
                      _("List the node's secure sessions (PASE and CASE)."),
                      _("The node has no session."), argc, argv);
}

/* ---- Methods on one object --------------------------------------------- */

GDBusProxy *
md_ctl_find_object(const MdCtlObjectKind *kind, const char *prefix, guint64 id,
                   GDBusObjectManager **manager)
{
  g_autofree char *path = g_strdup_printf("%s%" G_GUINT64_FORMAT, prefix, id);

  *manager = md_ctl_bus_manager(TRUE);
  if (*manager == NULL)
    return NULL;
  return G_DBUS_PROXY(g_dbus_object_manager_get_interface(*manager, path, kind->interface));
}

static int
fabric_remove(int argc, char **argv)
{
  const GOptionEntry entries[] = { G_OPTION_ENTRY_NULL };
  g_autoptr(GDBusObjectManager) manager = NULL;
  g_autoptr(GDBusProxy) fabric = NULL;
  guint64 index;

  if (!md_ctl_parse_options(_("INDEX"),
                            _("Leave the fabric of INDEX (as `matterctl fabrics` lists them), as "
                              "RemoveFabric would: its sessions close, its access control "
                              "entries, keys and subscriptions go."),
                            entries, &argc, &argv))
    return MD_CTL_EXIT_USAGE;
  if (argc != 2)
    return md_ctl_usage_error(_("fabric remove needs the fabric's index, one argument"));
  if (!md_ctl_parse_id("INDEX", argv[1], MAX_FABRIC_INDEX, &index))
    return MD_CTL_EXIT_USAGE;
  fabric = md_ctl_find_object(&md_ctl_fabric_kind, MD_DBUS_FABRIC_PATH_PREFIX, index, &manager);
  if (manager == NULL)
    return MD_CTL_EXIT_FAILURE;
  if (fabric == NULL)
    return md_ctl_failure(_("the node has no fabric of index %u"), (guint) index);
  return md_ctl_bus_change(fabric, "Remove", NULL, NULL);
}

int
md_ctl_fabric_run(int argc, char **argv)
{
  static const MdCtlCommand subcommands[] = {
    { "remove", fabric_remove, N_("Leave a fabric") },
  };

  return md_ctl_run_command("fabric", _("remove"), subcommands, G_N_ELEMENTS(subcommands), argc,
                            argv);
}

static int
session_close(int argc, char **argv)
{
  const GOptionEntry entries[] = { G_OPTION_ENTRY_NULL };
  g_autoptr(GDBusObjectManager) manager = NULL;
  g_autoptr(GDBusProxy) session = NULL;
  guint64 id;

  if (!md_ctl_parse_options(_("ID"),
                            _("Close the session ID (as `matterctl sessions` lists them): the "
                              "peer is sent CloseSession and the session goes."),
                            entries, &argc, &argv))
    return MD_CTL_EXIT_USAGE;
  if (argc != 2)
    return md_ctl_usage_error(_("session close needs the session's id, one argument"));
  if (!md_ctl_parse_id("ID", argv[1], MAX_SESSION_ID, &id))
    return MD_CTL_EXIT_USAGE;
  session = md_ctl_find_object(&md_ctl_session_kind, MD_DBUS_SESSION_PATH_PREFIX, id, &manager);
  if (manager == NULL)
    return MD_CTL_EXIT_FAILURE;
  if (session == NULL)
    return md_ctl_failure(_("the node has no session of id %u"), (guint) id);
  return md_ctl_bus_change(session, "Close", NULL, NULL);
}

int
md_ctl_session_run(int argc, char **argv)
{
  static const MdCtlCommand subcommands[] = {
    { "close", session_close, N_("Close a session") },
  };

  return md_ctl_run_command("session", _("close"), subcommands, G_N_ELEMENTS(subcommands), argc,
                            argv);
}
