/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* `matterctl monitor [--json]`: @argv[0] is "monitor"; returns matterctl's
 * exit status once SIGINT or SIGTERM stopped it. */
int md_ctl_monitor_run(int argc, char **argv);
