/* SPDX-License-Identifier: Apache-2.0 */
/* matterctl: the command-line client of matterd's D-Bus API. */

#include "build-config.h"

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <locale.h>

#include "cmd-cert.h"
#include "cmd-creds.h"
#include "cmd-payload.h"
#include "ctl-util.h"
#include "md-dbus-generated.h"
#include "md-names.h"

typedef struct {
  GBusType bus_type;
} Context;

typedef int (*CommandFunc)(Context *ctx, int argc, char **argv);

typedef struct {
  const char *name;
  CommandFunc func;
  const char *summary;
} Command;

static const char *
bus_name(GBusType bus_type)
{
  return bus_type == G_BUS_TYPE_SESSION ? _("session") : _("system");
}

static MdDBusNode1 *
connect_node(Context *ctx)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MdDBusNode1) node = NULL;
  g_autofree char *owner = NULL;

  node = md_dbus_node1_proxy_new_for_bus_sync(ctx->bus_type, G_DBUS_PROXY_FLAGS_NONE,
                                              MD_DBUS_NAME, MD_DBUS_PATH, NULL, &error);
  if (node == NULL) {
    md_ctl_failure(_("cannot reach the %s bus: %s"), bus_name(ctx->bus_type), error->message);
    return NULL;
  }
  owner = g_dbus_proxy_get_name_owner(G_DBUS_PROXY(node));
  if (owner == NULL) {
    md_ctl_failure(_("matterd is not running on the %s bus"), bus_name(ctx->bus_type));
    return NULL;
  }
  return g_steal_pointer(&node);
}

static int
cmd_status(Context *ctx, int argc, char **argv)
{
  g_autoptr(MdDBusNode1) node = NULL;

  if (argc > 1)
    return md_ctl_usage_error(_("status takes no arguments"));
  node = connect_node(ctx);
  if (node == NULL)
    return MD_CTL_EXIT_FAILURE;

  g_print("%-22s 0x%04X\n", _("Vendor ID:"), md_dbus_node1_get_vendor_id(node));
  g_print("%-22s 0x%04X\n", _("Product ID:"), md_dbus_node1_get_product_id(node));
  g_print("%-22s %u\n", _("Discriminator:"), md_dbus_node1_get_discriminator(node));
  g_print("%-22s %s\n", _("Commissioned:"),
          md_dbus_node1_get_commissioned(node) ? _("yes") : _("no"));
  g_print("%-22s %s\n", _("Commissioning window:"),
          md_dbus_node1_get_commissioning_window(node));
  g_print("%-22s %u of %u\n", _("Fabrics:"), md_dbus_node1_get_fabric_count(node),
          md_dbus_node1_get_supported_fabrics(node));
  g_print("%-22s %u\n", _("Sessions:"), md_dbus_node1_get_session_count(node));
  return MD_CTL_EXIT_OK;
}

static int
cmd_payload(Context *ctx, int argc, char **argv)
{
  return md_ctl_payload_run(argc, argv);
}

static int
cmd_creds(Context *ctx, int argc, char **argv)
{
  return md_ctl_creds_run(argc, argv);
}

static int
cmd_cert(Context *ctx, int argc, char **argv)
{
  return md_ctl_cert_run(argc, argv);
}

static const Command commands[] = {
  { "status", cmd_status, N_("Show the node's identity and state") },
  { "payload", cmd_payload, N_("Encode and decode onboarding payloads, compute verifiers") },
  { "creds", cmd_creds, N_("Generate development attestation credentials") },
  { "cert", cmd_cert, N_("Convert, show and validate operational certificates") },
};

static char *
commands_description(void)
{
  GString *text = g_string_new(_("Commands:\n"));

  for (gsize i = 0; i < G_N_ELEMENTS(commands); i++)
    g_string_append_printf(text, "  %-10s %s\n", commands[i].name, _(commands[i].summary));
  return g_string_free(text, FALSE);
}

int
main(int argc, char **argv)
{
  gboolean system_bus = FALSE, session_bus = FALSE, version = FALSE;
  const GOptionEntry entries[] = {
    { "system", 0, 0, G_OPTION_ARG_NONE, &system_bus, N_("Talk to matterd on the system bus (default)"), NULL },
    { "session", 0, 0, G_OPTION_ARG_NONE, &session_bus, N_("Talk to matterd on the session bus"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, N_("Print the version and exit"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = g_option_context_new(_("COMMAND [ARGUMENTS...]"));
  g_autoptr(GError) error = NULL;
  g_autofree char *description = commands_description();
  Context ctx = { .bus_type = G_BUS_TYPE_SYSTEM };

  setlocale(LC_ALL, "");
  bindtextdomain(GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
  textdomain(GETTEXT_PACKAGE);

  g_option_context_add_main_entries(context, entries, GETTEXT_PACKAGE);
  g_option_context_set_description(context, description);
  /* Options after the command belong to the command. */
  g_option_context_set_strict_posix(context, TRUE);
  if (!g_option_context_parse(context, &argc, &argv, &error))
    return md_ctl_usage_error("%s", error->message);
  if (version) {
    g_print("matterctl %s\n", PACKAGE_VERSION);
    return MD_CTL_EXIT_OK;
  }
  if (system_bus && session_bus)
    return md_ctl_usage_error(_("--system and --session exclude each other"));
  if (session_bus)
    ctx.bus_type = G_BUS_TYPE_SESSION;
  if (argc < 2) {
    g_autofree char *help = g_option_context_get_help(context, TRUE, NULL);
    g_printerr("%s", help);
    return MD_CTL_EXIT_USAGE;
  }

  for (gsize i = 0; i < G_N_ELEMENTS(commands); i++)
    if (g_str_equal(argv[1], commands[i].name))
      return commands[i].func(&ctx, argc - 1, argv + 1);

  return md_ctl_usage_error(_("unknown command '%s' (see matterctl --help)"), argv[1]);
}
