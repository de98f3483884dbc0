/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Fabrics and sessions, over org.matterd.Fabric1 and Session1. Each takes
 * its command's name in @argv[0] and returns matterctl's exit status. */

#include "ctl-objects.h"

/* `matterctl @command [--json]`: the objects of @kind, as a table or as
 * one JSON object whose @member lists them; @none says there are none. */
int md_ctl_list_objects(const MdCtlObjectKind *kind, const char *command, const char *member,
                        const char *summary, const char *none, int argc, char **argv);
/* The @kind interface of the object at @prefix<@id>, NULL when there is
 * none; *@manager NULL (after saying why) when matterd cannot be reached. */
GDBusProxy *md_ctl_find_object(const MdCtlObjectKind *kind, const char *prefix, guint64 id,
                               GDBusObjectManager **manager);

/* `matterctl fabrics [--json]`. */
int md_ctl_fabrics_run(int argc, char **argv);
/* `matterctl fabric remove INDEX`. */
int md_ctl_fabric_run(int argc, char **argv);
/* `matterctl sessions [--json]`. */
int md_ctl_sessions_run(int argc, char **argv);
/* `matterctl session close ID`. */
int md_ctl_session_run(int argc, char **argv);
