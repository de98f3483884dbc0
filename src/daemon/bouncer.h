/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Who may change matterd's state over D-Bus: root and the daemon's own
 * user always, members of a configured group for the action it is
 * configured for, anyone else only when polkit's Authority says so for the
 * action asked (data/org.matterd.policy). With polkit absent or failing,
 * the answer is no. Reading needs no check and never comes here. */

#include <gio/gio.h>

typedef struct _MdBouncer MdBouncer;

/* Checks callers of @connection, the bus matterd serves on. */
MdBouncer *md_bouncer_new(GDBusConnection *connection);
/* Pending checks are cancelled: their callbacks do not run and their
 * invocations are answered with org.matterd.Error.Failed. */
void md_bouncer_free(MdBouncer *bouncer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdBouncer, md_bouncer_free)

/* Members of @group (NULL: none) may do @action_id without polkit, as
 * root and the daemon's user may: its gid is the caller's primary or a
 * supplementary one, as the bus tells them (UnixGroupIDs), else as
 * /proc/PID/status does, else as the group database lists them for the
 * caller's uid. */
void md_bouncer_set_group(MdBouncer *bouncer, const char *action_id, const char *group);

typedef void (*MdBouncerAllowed)(GDBusMethodInvocation *invocation, gpointer user_data);

/* Decides, asynchronously, whether the sender of @invocation may do
 * @action_id (MD_POLKIT_ACTION_*). When allowed, @allowed(@invocation,
 * @user_data) runs from the main loop and answers the invocation; when
 * not, the invocation is answered with org.matterd.Error.NotAuthorized and
 * @allowed never runs. Interactive authentication is allowed only when
 * the caller's message carries G_DBUS_MESSAGE_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION.
 * polkit is asked about the sender's bus name when @connection is the
 * system bus, and about the sender's process (as @connection's bus tells
 * it) on any other bus, whose names polkit cannot see. */
void md_bouncer_check(MdBouncer *bouncer, GDBusMethodInvocation *invocation,
                      const char *action_id, MdBouncerAllowed allowed, gpointer user_data);
/* The same; @destroy (may be NULL) runs with @user_data once the check is
 * over: after @allowed returned, or when the caller was refused or the
 * bouncer went. */
void md_bouncer_check_full(MdBouncer *bouncer, GDBusMethodInvocation *invocation,
                           const char *action_id, MdBouncerAllowed allowed, gpointer user_data,
                           GDestroyNotify destroy);
