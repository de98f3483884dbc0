/* SPDX-License-Identifier: Apache-2.0 */
/* matterctl endpoints and endpoint: the endpoints host applications serve
 * through matterd. */

#include "build-config.h"

#include "cmd-endpoint.h"

#include <glib/gi18n.h>

#include "cmd-fabric.h"
#include "ctl-bus.h"
#include "ctl-objects.h"
#include "ctl-util.h"
#include "md-names.h"

/* Endpoint 0 is the root, 1 the Aggregator; 0xFFFF is no endpoint. */
#define MAX_ENDPOINT_NUMBER (G_MAXUINT16 - 1)

int
md_ctl_endpoints_run(int argc, char **argv)
{
  return md_ctl_list_objects(&md_ctl_endpoint_kind, "endpoints", "endpoints",
                             _("List the endpoints host applications serve through the node."),
                             _("No application serves an endpoint."), argc, argv);
}

static int
endpoint_forget(int argc, char **argv)
{
  const GOptionEntry entries[] = { G_OPTION_ENTRY_NULL };
  g_autoptr(GDBusObjectManager) manager = NULL;
  g_autoptr(GDBusProxy) endpoint = NULL;
  guint64 number;

  if (!md_ctl_parse_options(_("NUMBER"),
                            _("Remove the endpoint NUMBER (as `matterctl endpoints` lists them) "
                              "from the node, whether its application is on the bus or not. Its "
                              "number stays reserved for its unique id."),
                            entries, &argc, &argv))
    return MD_CTL_EXIT_USAGE;
  if (argc != 2)
    return md_ctl_usage_error(_("endpoint forget needs the endpoint's number, one argument"));
  if (!md_ctl_parse_id("NUMBER", argv[1], MAX_ENDPOINT_NUMBER, &number))
    return MD_CTL_EXIT_USAGE;
  endpoint =
      md_ctl_find_object(&md_ctl_endpoint_kind, MD_DBUS_ENDPOINT_PATH_PREFIX, number, &manager);
  if (manager == NULL)
    return MD_CTL_EXIT_FAILURE;
  if (endpoint == NULL)
    return md_ctl_failure(_("the node has no application endpoint %u"), (guint) number);
  return md_ctl_bus_change(endpoint, "Forget", NULL, NULL);
}

int
md_ctl_endpoint_run(int argc, char **argv)
{
  static const MdCtlCommand subcommands[] = {
    { "forget", endpoint_forget, N_("Remove an application endpoint") },
  };

  return md_ctl_run_command("endpoint", _("forget"), subcommands, G_N_ELEMENTS(subcommands), argc,
                            argv);
}
