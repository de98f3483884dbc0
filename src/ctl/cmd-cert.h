/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* `matterctl cert COMMAND ...`: offline tools for operational certificates
 * (convert, show, validate). @argv[0] is "cert"; returns matterctl's exit
 * status. */
int md_ctl_cert_run(int argc, char **argv);
