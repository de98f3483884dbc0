/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Fabrics and sessions, over org.matterd.Fabric1 and Session1. Each takes
 * its command's name in @argv[0] and returns matterctl's exit status. */

/* `matterctl fabrics [--json]`. */
int md_ctl_fabrics_run(int argc, char **argv);
/* `matterctl fabric remove INDEX`. */
int md_ctl_fabric_run(int argc, char **argv);
/* `matterctl sessions [--json]`. */
int md_ctl_sessions_run(int argc, char **argv);
/* `matterctl session close ID`. */
int md_ctl_session_run(int argc, char **argv);
