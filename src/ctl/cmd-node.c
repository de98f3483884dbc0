/* SPDX-License-Identifier: Apache-2.0 */
/* matterctl status, window, label and factory-reset: the node itself
 * (org.matterd.Node1). */

#include "build-config.h"

#include "cmd-node.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ctl-bus.h"
#include "ctl-objects.h"
#include "ctl-qr.h"
#include "ctl-util.h"

#define DEFAULT_WINDOW_TIMEOUT 300

/* ---- status ------------------------------------------------------------ */

static void
print_status(GDBusProxy *node)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func((GDestroyNotify) g_strfreev);

  for (gsize i = 0; i < md_ctl_node_kind.n_fields; i++) {
    const MdCtlField *field = &md_ctl_node_kind.fields[i];
    g_autoptr(GVariant) value = g_dbus_proxy_get_cached_property(node, field->property);
    char **row;

    /* Payloads and the closing time only while a window is open. */
    if ((field->format == MD_CTL_FORMAT_OPTIONAL || field->format == MD_CTL_FORMAT_TIME) &&
        md_ctl_field_is_none(field, value))
      continue;
    row = g_new0(char *, 3);
    row[0] = g_strdup(_(field->label));
    row[1] = md_ctl_field_text(field, value);
    g_ptr_array_add(rows, row);
  }
  md_ctl_print_table(rows);
}

int
md_ctl_status_run(int argc, char **argv)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print one JSON object"), NULL },
    G_OPTION_ENTRY_NULL,
  };
  g_autoptr(GDBusObjectManager) manager = NULL;
  g_autoptr(MdDBusNode1) node = NULL;

  if (!md_ctl_parse_options(NULL, _("Show the node's identity and state."), entries, &argc, &argv))
    return MD_CTL_EXIT_USAGE;
  if (argc > 1)
    return md_ctl_usage_error(_("status takes no arguments"));
  manager = md_ctl_bus_manager(TRUE);
  if (manager == NULL)
    return MD_CTL_EXIT_FAILURE;
  node = md_ctl_bus_node(manager);
  if (node == NULL)
    return MD_CTL_EXIT_FAILURE;

  if (json) {
    g_autoptr(JsonBuilder) builder = json_builder_new();

    json_builder_begin_object(builder);
    md_ctl_object_add_json(builder, &md_ctl_node_kind, G_DBUS_PROXY(node));
    json_builder_end_object(builder);
    md_ctl_print_json(builder);
  } else {
    print_status(G_DBUS_PROXY(node));
  }
  return MD_CTL_EXIT_OK;
}

/* ---- window ------------------------------------------------------------ */

/* The node's Node1 proxy, or NULL after saying why. */
static MdDBusNode1 *
connect_node(GDBusObjectManager **manager)
{
  *manager = md_ctl_bus_manager(TRUE);
  if (*manager == NULL)
    return NULL;
  return md_ctl_bus_node(*manager);
}

static void
print_window_json(const char *qr_code, const char *manual_code, const char *window, guint64 expires)
{
  g_autoptr(JsonBuilder) builder = json_builder_new();

  json_builder_begin_object(builder);
  md_ctl_json_add_string(builder, "qr_code", qr_code);
  md_ctl_json_add_string(builder, "manual_code", manual_code);
  md_ctl_json_add_string(builder, "commissioning_window", window);
  json_builder_set_member_name(builder, "expires_usec");
  if (expires != 0)
    json_builder_add_int_value(builder, (gint64) expires);
  else
    json_builder_add_null_value(builder);
  json_builder_end_object(builder);
  md_ctl_print_json(builder);
}

static void
print_window_text(const char *qr_code, const char *manual_code, const char *window, guint64 expires)
{
  g_autofree char *picture = md_ctl_qr_render(qr_code, md_ctl_qr_style_for_stdout());
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func((GDestroyNotify) g_strfreev);
  char *qr_row[] = { _("QR code:"), (char *) qr_code, NULL };
  char *manual_row[] = { _("Manual code:"), (char *) manual_code, NULL };

  /* A payload libqrencode cannot draw is still printed as text. */
  if (picture != NULL)
    g_print("%s\n", picture);
  g_ptr_array_add(rows, g_strdupv(qr_row));
  g_ptr_array_add(rows, g_strdupv(manual_row));
  if (window != NULL) {
    char *window_row[] = { _("Window:"), (char *) window, NULL };

    g_ptr_array_add(rows, g_strdupv(window_row));
  }
  if (expires != 0) {
    g_autofree char *time = md_ctl_format_time(expires);
    char *expires_row[] = { _("Closes:"), time, NULL };

    g_ptr_array_add(rows, g_strdupv(expires_row));
  }
  md_ctl_print_table(rows);
}

static int
window_open(int argc, char **argv)
{
  g_autofree char *timeout_text = NULL;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "timeout", 0, 0, G_OPTION_ARG_STRING, &timeout_text,
      N_("Seconds the window stays open (matterd takes 180..900; default 300)"), N_("SECONDS") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print one JSON object, and no picture"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GDBusObjectManager) manager = NULL;
  g_autoptr(MdDBusNode1) node = NULL;
  g_autoptr(GVariant) reply = NULL, expires = NULL, window = NULL;
  const char *qr_code, *manual_code;
  guint64 timeout = DEFAULT_WINDOW_TIMEOUT;
  int status;

  if (!md_ctl_parse_options(NULL,
                            _("Open a commissioning window and print the codes to commission "
                              "the node with: the basic window while the node has no fabric, "
                              "an enhanced one with a new passcode once it has one."),
                            entries, &argc, &argv))
    return MD_CTL_EXIT_USAGE;
  if (argc > 1)
    return md_ctl_usage_error(_("window open takes options only, not '%s'"), argv[1]);
  /* The range is matterd's to decide. */
  if (timeout_text != NULL && !md_ctl_parse_id("--timeout", timeout_text, G_MAXUINT32, &timeout))
    return MD_CTL_EXIT_USAGE;
  node = connect_node(&manager);
  if (node == NULL)
    return MD_CTL_EXIT_FAILURE;

  status = md_ctl_bus_change(G_DBUS_PROXY(node), "OpenCommissioningWindow",
                             g_variant_new("(u)", (guint32) timeout), &reply);
  if (status != MD_CTL_EXIT_OK)
    return status;
  g_variant_get(reply, "(&s&s)", &qr_code, &manual_code);
  /* The window is open whatever these say; they only describe it. */
  expires = md_ctl_bus_get_property(G_DBUS_PROXY(node), "CommissioningWindowExpires", NULL);
  window = md_ctl_bus_get_property(G_DBUS_PROXY(node), "CommissioningWindow", NULL);
  if (expires != NULL && !g_variant_is_of_type(expires, G_VARIANT_TYPE_UINT64))
    g_clear_pointer(&expires, g_variant_unref);
  if (window != NULL && !g_variant_is_of_type(window, G_VARIANT_TYPE_STRING))
    g_clear_pointer(&window, g_variant_unref);

  if (json)
    print_window_json(qr_code, manual_code,
                      window != NULL ? g_variant_get_string(window, NULL) : NULL,
                      expires != NULL ? g_variant_get_uint64(expires) : 0);
  else
    print_window_text(qr_code, manual_code,
                      window != NULL ? g_variant_get_string(window, NULL) : NULL,
                      expires != NULL ? g_variant_get_uint64(expires) : 0);
  return MD_CTL_EXIT_OK;
}

static int
window_close(int argc, char **argv)
{
  const GOptionEntry entries[] = { G_OPTION_ENTRY_NULL };
  g_autoptr(GDBusObjectManager) manager = NULL;
  g_autoptr(MdDBusNode1) node = NULL;

  if (!md_ctl_parse_options(NULL,
                            _("Close the open commissioning window, ending a commissioning "
                              "in progress through it."),
                            entries, &argc, &argv))
    return MD_CTL_EXIT_USAGE;
  if (argc > 1)
    return md_ctl_usage_error(_("window close takes no arguments"));
  node = connect_node(&manager);
  if (node == NULL)
    return MD_CTL_EXIT_FAILURE;
  return md_ctl_bus_change(G_DBUS_PROXY(node), "CloseCommissioningWindow", NULL, NULL);
}

int
md_ctl_window_run(int argc, char **argv)
{
  static const MdCtlCommand subcommands[] = {
    { "open", window_open, N_("Open a commissioning window and print its codes") },
    { "close", window_close, N_("Close the commissioning window") },
  };

  return md_ctl_run_command("window", _("open or close"), subcommands, G_N_ELEMENTS(subcommands),
                            argc, argv);
}

/* ---- label ------------------------------------------------------------- */

static int
label_set(int argc, char **argv)
{
  const GOptionEntry entries[] = { G_OPTION_ENTRY_NULL };
  g_autoptr(GDBusObjectManager) manager = NULL;
  g_autoptr(MdDBusNode1) node = NULL;

  if (!md_ctl_parse_options(_("TEXT"),
                            _("Set the node's label (Basic Information's NodeLabel, up to 32 "
                              "bytes; '' clears it)."),
                            entries, &argc, &argv))
    return MD_CTL_EXIT_USAGE;
  if (argc != 2)
    return md_ctl_usage_error(_("label set needs the label, one argument"));
  if (!g_utf8_validate(argv[1], -1, NULL))
    return md_ctl_usage_error(_("the label is not UTF-8 text"));
  node = connect_node(&manager);
  if (node == NULL)
    return MD_CTL_EXIT_FAILURE;
  return md_ctl_bus_set_property(G_DBUS_PROXY(node), "NodeLabel", g_variant_new_string(argv[1]));
}

int
md_ctl_label_run(int argc, char **argv)
{
  static const MdCtlCommand subcommands[] = {
    { "set", label_set, N_("Set the node's label") },
  };

  return md_ctl_run_command("label", _("set"), subcommands, G_N_ELEMENTS(subcommands), argc, argv);
}

/* ---- factory-reset ----------------------------------------------------- */

/* Asks on the terminal; TRUE when the answer is "yes". */
static gboolean
confirm_reset(void)
{
  char answer[64];

  g_printerr("%s\n%s ",
             _("This removes every fabric, key and access control entry of the node, and gives "
               "it a new unique ID."),
             _("Type 'yes' to reset it:"));
  if (fgets(answer, sizeof(answer), stdin) == NULL)
    return FALSE;
  answer[strcspn(answer, "\n")] = '\0';
  return g_str_equal(answer, "yes");
}

int
md_ctl_factory_reset_run(int argc, char **argv)
{
  gboolean yes = FALSE;
  const GOptionEntry entries[] = {
    { "yes", 'y', 0, G_OPTION_ARG_NONE, &yes, N_("Do not ask for confirmation"), NULL },
    G_OPTION_ENTRY_NULL,
  };
  g_autoptr(GDBusObjectManager) manager = NULL;
  g_autoptr(MdDBusNode1) node = NULL;
  int status;

  if (!md_ctl_parse_options(NULL,
                            _("Return the node to its factory state: every fabric, key, access "
                              "control entry and group key goes, the node gets a new unique ID "
                              "and passcode, and a commissioning window opens."),
                            entries, &argc, &argv))
    return MD_CTL_EXIT_USAGE;
  if (argc > 1)
    return md_ctl_usage_error(_("factory-reset takes options only, not '%s'"), argv[1]);
  if (!yes && !isatty(STDIN_FILENO))
    return md_ctl_usage_error(
        _("factory-reset asks for confirmation on a terminal; use --yes without one"));
  node = connect_node(&manager);
  if (node == NULL)
    return MD_CTL_EXIT_FAILURE;
  if (!yes && !confirm_reset())
    return md_ctl_failure(_("factory reset cancelled"));

  status = md_ctl_bus_change(G_DBUS_PROXY(node), "FactoryReset", NULL, NULL);
  if (status == MD_CTL_EXIT_OK)
    g_print("%s\n", _("The node is back to its factory state; a commissioning window is open."));
  return status;
}
