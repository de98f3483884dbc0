/* SPDX-License-Identifier: Apache-2.0 */
/* matterctl: the command-line client of matterd's D-Bus API. */

#include "build-config.h"

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <locale.h>

#include "cmd-cert.h"
#include "cmd-creds.h"
#include "cmd-endpoint.h"
#include "cmd-fabric.h"
#include "cmd-monitor.h"
#include "cmd-node.h"
#include "cmd-payload.h"
#include "ctl-bus.h"
#include "ctl-util.h"

static int help_run(int argc, char **argv);

static const MdCtlCommand commands[] = {
  { "status", md_ctl_status_run, N_("Show the node's identity and state") },
  { "fabrics", md_ctl_fabrics_run, N_("List the fabrics the node belongs to") },
  { "fabric", md_ctl_fabric_run, N_("Leave a fabric (fabric remove INDEX)") },
  { "sessions", md_ctl_sessions_run, N_("List the node's secure sessions") },
  { "session", md_ctl_session_run, N_("Close a session (session close ID)") },
  { "endpoints", md_ctl_endpoints_run, N_("List the endpoints host applications serve") },
  { "endpoint", md_ctl_endpoint_run, N_("Remove an application endpoint (endpoint forget NUMBER)") },
  { "window", md_ctl_window_run, N_("Open or close a commissioning window") },
  { "label", md_ctl_label_run, N_("Set the node's label (label set TEXT)") },
  { "factory-reset", md_ctl_factory_reset_run, N_("Return the node to its factory state") },
  { "monitor", md_ctl_monitor_run, N_("Print the node's changes as they happen") },
  { "payload", md_ctl_payload_run, N_("Encode and decode onboarding payloads, compute verifiers") },
  { "creds", md_ctl_creds_run, N_("Generate development attestation credentials") },
  { "cert", md_ctl_cert_run, N_("Convert, show and validate operational certificates") },
  { "help", help_run, N_("Show this help, or a command's (help COMMAND)") },
};

static char *
commands_description(void)
{
  GString *text = g_string_new(_("Commands:\n"));

  for (gsize i = 0; i < G_N_ELEMENTS(commands); i++)
    g_string_append_printf(text, "  %-14s %s\n", commands[i].name, _(commands[i].summary));
  g_string_append_printf(text, "\n%s\n", _("Run 'matterctl COMMAND --help' for its options."));
  return g_string_free(text, FALSE);
}

static GOptionContext *main_context;

static const MdCtlCommand *
find_command(const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS(commands); i++)
    if (g_str_equal(name, commands[i].name))
      return &commands[i];
  return NULL;
}

static int
run_command(const MdCtlCommand *command, int argc, char **argv)
{
  md_ctl_set_command(command->name);
  return command->func(argc, argv);
}

/* `matterctl help [COMMAND]`: the main help, or COMMAND --help. */
static int
help_run(int argc, char **argv)
{
  const MdCtlCommand *command;
  g_autofree char *help = NULL;

  if (argc > 2)
    return md_ctl_usage_error(_("help takes at most one command"));
  if (argc == 2) {
    char *command_argv[] = { argv[1], (char *) "--help", NULL };

    command = find_command(argv[1]);
    if (command == NULL || command->func == help_run)
      return md_ctl_usage_error(_("unknown command '%s' (see matterctl help)"), argv[1]);
    return run_command(command, 2, command_argv);
  }
  help = g_option_context_get_help(main_context, TRUE, NULL);
  g_print("%s", help);
  return MD_CTL_EXIT_OK;
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
  const MdCtlCommand *command;

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
  md_ctl_bus_set_type(session_bus ? G_BUS_TYPE_SESSION : G_BUS_TYPE_SYSTEM);
  main_context = context;
  if (argc < 2) {
    g_autofree char *help = g_option_context_get_help(context, TRUE, NULL);
    g_printerr("%s", help);
    return MD_CTL_EXIT_USAGE;
  }

  command = find_command(argv[1]);
  if (command == NULL)
    return md_ctl_usage_error(_("unknown command '%s' (see matterctl help)"), argv[1]);
  return run_command(command, argc - 1, argv + 1);
}
