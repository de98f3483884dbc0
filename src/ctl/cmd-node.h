/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The node's own commands, over org.matterd.Node1. Each takes its
 * command's name in @argv[0] and returns matterctl's exit status. */

/* `matterctl status [--json]`. */
int md_ctl_status_run(int argc, char **argv);
/* `matterctl window open [--timeout S] [--json]`, `matterctl window close`. */
int md_ctl_window_run(int argc, char **argv);
/* `matterctl label set TEXT`. */
int md_ctl_label_run(int argc, char **argv);
/* `matterctl factory-reset [--yes]`. */
int md_ctl_factory_reset_run(int argc, char **argv);
