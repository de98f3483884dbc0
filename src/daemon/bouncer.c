/* SPDX-License-Identifier: Apache-2.0 */
#define G_LOG_DOMAIN "matterd"

#include "bouncer.h"

#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "md-error.h"
#include "md-names.h"

/* CheckAuthorization's flag that lets polkit ask the user to authenticate. */
#define POLKIT_CHECK_ALLOW_USER_INTERACTION 1u

struct _MdBouncer {
  GDBusConnection *connection;
  GCancellable *cancellable; /* cancelled when the bouncer goes */
  GList *checks;             /* Check, those in flight */
  char *group_action;        /* md_bouncer_set_group(), or NULL */
  char *group;
};

/* One decision in flight: bus credentials of the caller, then (for anyone
 * but root and matterd's own user) the system bus, then polkit. It owns
 * the invocation until it hands it to the allowed callback or answers it. */
typedef struct {
  MdBouncer *bouncer; /* NULL once md_bouncer_free() answered for it */
  GDBusMethodInvocation *invocation;
  char *action_id;
  MdBouncerAllowed allowed;
  gpointer user_data;
  GDestroyNotify destroy;
  GCancellable *cancellable;
  char *caller; /* for the log: unique name, then uid */
  guint32 uid;
  guint32 pid; /* 0 when the bus did not say */
  GArray *gids; /* of guint32, as the bus said them; NULL when it did not */
} Check;

static void
check_free(Check *check)
{
  if (check->destroy != NULL)
    check->destroy(check->user_data);
  g_object_unref(check->cancellable);
  g_free(check->action_id);
  g_free(check->caller);
  g_clear_pointer(&check->gids, g_array_unref);
  g_free(check);
}

static void
check_done(Check *check)
{
  check->bouncer->checks = g_list_remove(check->bouncer->checks, check);
  check_free(check);
}

/* TRUE (and @check is gone) when the bouncer went while it was in flight. */
static gboolean
check_orphaned(Check *check)
{
  if (check->bouncer != NULL)
    return FALSE;
  check_free(check);
  return TRUE;
}

static void
check_deny(Check *check, const char *reason)
{
  g_message("Refused %s to %s: %s", check->action_id, check->caller, reason);
  g_dbus_method_invocation_return_error(check->invocation, MD_ERROR, MD_ERROR_NOT_AUTHORIZED,
                                        "Not authorized (%s): %s", check->action_id, reason);
  check_done(check);
}

/* Denies because @what failed with @error. */
static void
check_deny_error(Check *check, const char *what, GError *error)
{
  g_autofree char *reason = NULL;

  g_dbus_error_strip_remote_error(error);
  reason = g_strdup_printf("%s: %s", what, error->message);
  check_deny(check, reason);
}

static void
check_allow(Check *check)
{
  check->allowed(check->invocation, check->user_data);
  check_done(check);
}

static gboolean
check_interactive(Check *check)
{
  GDBusMessage *message = g_dbus_method_invocation_get_message(check->invocation);

  return (g_dbus_message_get_flags(message) &
          G_DBUS_MESSAGE_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION) != 0;
}

/* The start time of process @pid in clock ticks since boot (field 22 of
 * /proc/PID/stat), which tells polkit this process from a later one that
 * gets the same pid. */
static gboolean
process_start_time(guint32 pid, guint64 *start_time, GError **error)
{
  g_autofree char *path = g_strdup_printf("/proc/%u/stat", pid);
  g_autofree char *stat = NULL;
  g_auto(GStrv) fields = NULL;
  const char *name_end;

  if (!g_file_get_contents(path, &stat, NULL, error))
    return FALSE;
  /* Field 2, the command name in parentheses, may hold spaces and ')'. */
  name_end = strrchr(stat, ')');
  if (name_end != NULL && name_end[1] == ' ')
    fields = g_strsplit(name_end + 2, " ", 0);
  /* fields[0] is field 3. */
  if (fields == NULL || g_strv_length(fields) < 20 ||
      !g_ascii_string_to_unsigned(fields[19], 10, 0, G_MAXUINT64, start_time, NULL)) {
    g_set_error(error, MD_ERROR, MD_ERROR_FAILED, "%s has no start time", path);
    return FALSE;
  }
  return TRUE;
}

/* Whom polkit is asked about. On its own bus polkit knows the caller by its
 * unique name; it cannot see the names of another bus (matterd --session),
 * so there the caller is the process the bus says it is. */
static GVariant *
subject_new(Check *check, GDBusConnection *system, GError **error)
{
  GVariantBuilder details;
  guint64 start_time;

  g_variant_builder_init(&details, G_VARIANT_TYPE_VARDICT);
  if (g_strcmp0(g_dbus_connection_get_guid(system),
                g_dbus_connection_get_guid(check->bouncer->connection)) == 0) {
    g_variant_builder_add(
      &details, "{sv}", "name",
      g_variant_new_string(g_dbus_method_invocation_get_sender(check->invocation)));
    return g_variant_new("(sa{sv})", "system-bus-name", &details);
  }
  if (check->pid == 0) {
    g_set_error(error, MD_ERROR, MD_ERROR_FAILED, "the bus gave no process id");
  } else if (process_start_time(check->pid, &start_time, error)) {
    g_variant_builder_add(&details, "{sv}", "pid", g_variant_new_uint32(check->pid));
    g_variant_builder_add(&details, "{sv}", "start-time", g_variant_new_uint64(start_time));
    g_variant_builder_add(&details, "{sv}", "uid", g_variant_new_int32((gint32) check->uid));
    return g_variant_new("(sa{sv})", "unix-process", &details);
  }
  g_variant_builder_clear(&details);
  return NULL;
}

static void
on_authorization(GObject *source, GAsyncResult *result, gpointer user_data)
{
  Check *check = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply =
    g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);
  gboolean authorized, challenge;

  if (check_orphaned(check))
    return;
  if (reply == NULL) {
    if (g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
        g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER))
      check_deny(check, "polkit is not available");
    else
      check_deny_error(check, "polkit failed", error);
    return;
  }
  g_variant_get(reply, "((bb*))", &authorized, &challenge, NULL);
  if (authorized)
    check_allow(check);
  else if (challenge)
    check_deny(check, check_interactive(check)
                        ? "authentication required, and no authentication agent answered"
                        : "authentication required (allow interactive authorization to be asked)");
  else
    check_deny(check, "polkit does not allow it");
}

static void
on_system_bus(GObject *source, GAsyncResult *result, gpointer user_data)
{
  Check *check = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) system = g_bus_get_finish(result, &error);
  gboolean interactive;
  GVariant *subject;

  if (check_orphaned(check))
    return;
  if (system == NULL) {
    check_deny_error(check, "polkit is not available: cannot reach the system bus", error);
    return;
  }
  subject = subject_new(check, system, &error);
  if (subject == NULL) {
    check_deny_error(check, "cannot tell which process calls", error);
    return;
  }
  interactive = check_interactive(check);
  /* An interactive check waits for the user, for as long as it takes. */
  g_dbus_connection_call(system, MD_POLKIT_BUS_NAME, MD_POLKIT_AUTHORITY_PATH,
                         MD_POLKIT_AUTHORITY_INTERFACE, "CheckAuthorization",
                         g_variant_new("(@(sa{sv})sa{ss}us)", subject, check->action_id, NULL,
                                       interactive ? POLKIT_CHECK_ALLOW_USER_INTERACTION : 0u, ""),
                         G_VARIANT_TYPE("((bba{ss}))"), G_DBUS_CALL_FLAGS_NONE,
                         interactive ? G_MAXINT : -1, check->cancellable, on_authorization, check);
}

/* The gids of @pid's process from the Gid and Groups lines of
 * /proc/PID/status; NULL when it cannot be read. */
static GArray *
process_gids(guint32 pid)
{
  g_autofree char *path = g_strdup_printf("/proc/%u/status", pid);
  g_autofree char *status = NULL;
  g_auto(GStrv) lines = NULL;
  GArray *gids;

  if (!g_file_get_contents(path, &status, NULL, NULL))
    return NULL;
  gids = g_array_new(FALSE, FALSE, sizeof(guint32));
  lines = g_strsplit(status, "\n", 0);
  for (gsize i = 0; lines[i] != NULL; i++) {
    g_auto(GStrv) fields = NULL;
    gboolean groups = g_str_has_prefix(lines[i], "Groups:");

    if (!groups && !g_str_has_prefix(lines[i], "Gid:"))
      continue;
    fields = g_strsplit_set(strchr(lines[i], ':') + 1, " \t", 0);
    for (gsize f = 0; fields[f] != NULL; f++) {
      guint64 gid;

      if (g_ascii_string_to_unsigned(fields[f], 10, 0, G_MAXUINT32, &gid, NULL)) {
        guint32 value = (guint32) gid;

        g_array_append_val(gids, value);
        if (!groups)
          break; /* the real gid; the others follow it */
      }
    }
  }
  return gids;
}

/* The gids the group database gives @uid: its primary group and those
 * listing its name. NULL when it has no entry. */
static GArray *
user_gids(guint32 uid)
{
  struct passwd pw, *found = NULL;
  char buffer[4096];
  int count = 64;
  g_autofree gid_t *groups = NULL;
  GArray *gids;

  if (getpwuid_r(uid, &pw, buffer, sizeof(buffer), &found) != 0 || found == NULL)
    return NULL;
  groups = g_new(gid_t, count);
  if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &count) < 0) {
    groups = g_renew(gid_t, groups, count);
    if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &count) < 0)
      return NULL;
  }
  gids = g_array_sized_new(FALSE, FALSE, sizeof(guint32), count);
  for (int i = 0; i < count; i++) {
    guint32 value = groups[i];

    g_array_append_val(gids, value);
  }
  return gids;
}

/* Whether the caller belongs to the group that may do the check's action
 * without polkit. */
static gboolean
check_in_group(Check *check)
{
  MdBouncer *bouncer = check->bouncer;
  struct group gr, *found = NULL;
  char buffer[4096];
  g_autoptr(GArray) gids = NULL;
  int ret;

  if (bouncer->group == NULL || g_strcmp0(bouncer->group_action, check->action_id) != 0)
    return FALSE;
  ret = getgrnam_r(bouncer->group, &gr, buffer, sizeof(buffer), &found);
  if (ret != 0 || found == NULL) {
    g_warning("[Applications] Group=%s: %s", bouncer->group,
              ret != 0 ? g_strerror(ret) : "no such group");
    return FALSE;
  }
  if (check->gids != NULL)
    gids = g_array_ref(check->gids);
  else if (check->pid != 0)
    gids = process_gids(check->pid);
  if (gids == NULL)
    gids = user_gids(check->uid);
  for (guint i = 0; gids != NULL && i < gids->len; i++)
    if (g_array_index(gids, guint32, i) == gr.gr_gid) {
      g_debug("%s may do %s as a member of group %s", check->caller, check->action_id,
              bouncer->group);
      return TRUE;
    }
  return FALSE;
}

/* The bus's UnixGroupIDs of the caller, when it gave them. */
static GArray *
credential_gids(GVariant *credentials)
{
  g_autoptr(GVariant) value = g_variant_lookup_value(credentials, "UnixGroupIDs",
                                                     G_VARIANT_TYPE("au"));
  gsize count;
  const guint32 *gids;

  if (value == NULL)
    return NULL;
  gids = g_variant_get_fixed_array(value, &count, sizeof(guint32));
  return g_array_append_vals(g_array_sized_new(FALSE, FALSE, sizeof(guint32), count), gids,
                             count);
}

static void
on_credentials(GObject *source, GAsyncResult *result, gpointer user_data)
{
  Check *check = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply =
    g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);
  g_autoptr(GVariant) credentials = NULL;
  char *caller;

  if (check_orphaned(check))
    return;
  if (reply == NULL) {
    check_deny_error(check, "cannot tell who is calling", error);
    return;
  }
  credentials = g_variant_get_child_value(reply, 0);
  if (!g_variant_lookup(credentials, "UnixUserID", "u", &check->uid)) {
    check_deny(check, "cannot tell who is calling: the bus gave no user id");
    return;
  }
  if (!g_variant_lookup(credentials, "ProcessID", "u", &check->pid))
    check->pid = 0;
  check->gids = credential_gids(credentials);
  caller = g_strdup_printf("%s (uid %u)", check->caller, check->uid);
  g_free(check->caller);
  check->caller = caller;
  /* Root and the daemon's own user need no one's permission. */
  if (check->uid == 0 || check->uid == geteuid() || check_in_group(check)) {
    check_allow(check);
    return;
  }
  g_bus_get(G_BUS_TYPE_SYSTEM, check->cancellable, on_system_bus, check);
}

void
md_bouncer_check(MdBouncer *bouncer, GDBusMethodInvocation *invocation, const char *action_id,
                 MdBouncerAllowed allowed, gpointer user_data)
{
  md_bouncer_check_full(bouncer, invocation, action_id, allowed, user_data, NULL);
}

void
md_bouncer_check_full(MdBouncer *bouncer, GDBusMethodInvocation *invocation,
                      const char *action_id, MdBouncerAllowed allowed, gpointer user_data,
                      GDestroyNotify destroy)
{
  const char *sender = g_dbus_method_invocation_get_sender(invocation);
  Check *check = g_new0(Check, 1);

  check->bouncer = bouncer;
  check->invocation = invocation;
  check->action_id = g_strdup(action_id);
  check->allowed = allowed;
  check->user_data = user_data;
  check->destroy = destroy;
  check->cancellable = g_object_ref(bouncer->cancellable);
  check->caller = g_strdup(sender);
  bouncer->checks = g_list_prepend(bouncer->checks, check);
  g_dbus_connection_call(bouncer->connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                         "org.freedesktop.DBus", "GetConnectionCredentials",
                         g_variant_new("(s)", sender), G_VARIANT_TYPE("(a{sv})"),
                         G_DBUS_CALL_FLAGS_NONE, -1, check->cancellable, on_credentials, check);
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
md_bouncer_set_group(MdBouncer *bouncer, const char *action_id, const char *group)
{
  g_free(bouncer->group_action);
  g_free(bouncer->group);
  bouncer->group_action = group != NULL ? g_strdup(action_id) : NULL;
  bouncer->group = g_strdup(group);
}

void
md_bouncer_free(MdBouncer *bouncer)
{
  if (bouncer == NULL)
    return;
  /* The checks' callbacks still run, to free them, but see no bouncer. */
  g_cancellable_cancel(bouncer->cancellable);
  for (GList *l = bouncer->checks; l != NULL; l = l->next) {
    Check *check = l->data;

    g_dbus_method_invocation_return_error(check->invocation, MD_ERROR, MD_ERROR_FAILED,
                                          "matterd is shutting down");
    check->invocation = NULL;
    check->bouncer = NULL;
  }
  g_list_free(bouncer->checks);
  g_object_unref(bouncer->cancellable);
  g_object_unref(bouncer->connection);
  g_free(bouncer->group_action);
  g_free(bouncer->group);
  g_free(bouncer);
}
