/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* `matterctl payload COMMAND ...`: offline tools for onboarding payloads.
 * @argv[0] is "payload"; returns matterctl's exit status. */
int md_ctl_payload_run(int argc, char **argv);
