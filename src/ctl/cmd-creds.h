/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* `matterctl creds COMMAND ...`: offline tools for attestation credentials.
 * @argv[0] is "creds"; returns matterctl's exit status. */
int md_ctl_creds_run(int argc, char **argv);
