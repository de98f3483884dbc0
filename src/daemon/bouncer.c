/* SPDX-License-Identifier: Apache-2.0 */
#define G_LOG_DOMAIN "matterd"

#include "bouncer.h"

#include <unistd.h>

#include "md-error.h"

struct _MdBouncer {
  GDBusConnection *connection;
  GCancellable *cancellable; /* cancelled when the bouncer goes */
};

/* One decision in flight. It owns the invocation until it hands it to
 * the allowed callback or answers it. */
typedef struct {
  GDBusMethodInvocation *invocation;
  char *action_id;
  MdBouncerAllowed allowed;
  gpointer user_data;
  GCancellable *cancellable;
} Check;

static void
check_free(Check *check)
{
  g_object_unref(check->cancellable);
  g_free(check->action_id);
  g_free(check);
}

static void
check_deny(Check *check, const char *reason)
{
  g_message("Refused %s to %s: %s", check->action_id,
            g_dbus_method_invocation_get_sender(check->invocation), reason);
  g_dbus_method_invocation_return_error(check->invocation, MD_ERROR, MD_ERROR_NOT_AUTHORIZED,
                                        "Not authorized (%s): %s", check->action_id, reason);
  check_free(check);
}

static void
check_allow(Check *check)
{
  check->allowed(check->invocation, check->user_data);
  check_free(check);
}

static gboolean
check_cancelled(Check *check)
{
  if (!g_cancellable_is_cancelled(check->cancellable))
    return FALSE;
  g_dbus_method_invocation_return_error(check->invocation, MD_ERROR, MD_ERROR_FAILED,
                                        "matterd is shutting down");
  check_free(check);
  return TRUE;
}

static void
on_caller_uid(GObject *source, GAsyncResult *result, gpointer user_data)
{
  Check *check = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result,
                                                            &error);
  guint32 uid;

  if (check_cancelled(check))
    return;
  if (reply == NULL) {
    g_autofree char *reason = g_strdup_printf("cannot tell who is calling: %s", error->message);

    check_deny(check, reason);
    return;
  }
  g_variant_get(reply, "(u)", &uid);
  /* Root and the daemon's own user need no one's permission. */
  if (uid == 0 || uid == geteuid())
    check_allow(check);
  else
    check_deny(check, "only root and matterd's own user may");
}

void
md_bouncer_check(MdBouncer *bouncer, GDBusMethodInvocation *invocation, const char *action_id,
                 MdBouncerAllowed allowed, gpointer user_data)
{
  Check *check = g_new0(Check, 1);

  check->invocation = invocation;
  check->action_id = g_strdup(action_id);
  check->allowed = allowed;
  check->user_data = user_data;
  check->cancellable = g_object_ref(bouncer->cancellable);
  g_dbus_connection_call(bouncer->connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                         "org.freedesktop.DBus", "GetConnectionUnixUser",
                         g_variant_new("(s)", g_dbus_method_invocation_get_sender(invocation)),
                         G_VARIANT_TYPE("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, on_caller_uid,
                         check);
}

MdBouncer *
md_bouncer_new(GDBusConnection *connection)
{
  MdBouncer *bouncer = g_new0(MdBouncer, 1);

  bouncer->connection = g_object_ref(connection);
  bouncer->cancellable = g_cancellable_new();
  return bouncer;
}

void
md_bouncer_free(MdBouncer *bouncer)
{
  if (bouncer == NULL)
    return;
  g_cancellable_cancel(bouncer->cancellable);
  g_object_unref(bouncer->cancellable);
  g_object_unref(bouncer->connection);
  g_free(bouncer);
}
