/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Application endpoints, over org.matterd.NodeEndpoint1. Each takes its
 * command's name in @argv[0] and returns matterctl's exit status. */

/* `matterctl endpoints [--json]`. */
int md_ctl_endpoints_run(int argc, char **argv);
/* `matterctl endpoint forget NUMBER`. */
int md_ctl_endpoint_run(int argc, char **argv);
