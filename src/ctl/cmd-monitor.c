/* SPDX-License-Identifier: Apache-2.0 */
/* matterctl monitor: one timestamped line per change of the node, its
 * fabrics and sessions, as the ObjectManager client sees them happen
 * (InterfacesAdded, InterfacesRemoved, PropertiesChanged), until SIGINT or
 * SIGTERM. */

#include "build-config.h"

#include "cmd-monitor.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <signal.h>
#include <stdio.h>

#include "ctl-bus.h"
#include "ctl-objects.h"
#include "ctl-util.h"
#include "md-names.h"

typedef struct {
  GDBusObjectManager *manager;
  GMainLoop *loop;
  gboolean json;
  gboolean running; /* matterd owns its name */
  /* "<path> <interface>" -> GHashTable of property name -> GVariant: what
   * each interface's properties were before a PropertiesChanged. */
  GHashTable *snapshots;
} Monitor;

/* ---- Lines ------------------------------------------------------------- */

static void
print_text(const char *text)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local();
  g_autofree char *time = g_date_time_format(now, "%H:%M:%S");

  g_print("%s.%03d %s\n", time, g_date_time_get_microsecond(now) / 1000, text);
  fflush(stdout);
}

/* A JSON line: the object @builder has begun gets its time and @event;
 * the caller adds the rest and calls end_json(). */
static JsonBuilder *
begin_json(const char *event)
{
  JsonBuilder *builder = json_builder_new();

  json_builder_begin_object(builder);
  json_builder_set_member_name(builder, "time_usec");
  json_builder_add_int_value(builder, g_get_real_time());
  json_builder_set_member_name(builder, "event");
  json_builder_add_string_value(builder, event);
  return builder;
}

static void
end_json(JsonBuilder *builder)
{
  json_builder_end_object(builder);
  md_ctl_print_json(builder);
  fflush(stdout);
  g_object_unref(builder);
}

/* ---- What each object is called ---------------------------------------- */

/* "fabric 1", "session 5", "endpoint 2", "node". */
static char *
object_name(const MdCtlObjectKind *kind, const char *path)
{
  if (kind == &md_ctl_fabric_kind)
    return g_strdup_printf(_("fabric %u"), md_ctl_fabric_index(path));
  if (kind == &md_ctl_session_kind)
    return g_strdup_printf(_("session %u"), md_ctl_session_id(path));
  if (kind == &md_ctl_endpoint_kind)
    return g_strdup_printf(_("endpoint %u"), md_ctl_endpoint_number(path));
  return g_strdup(_("node"));
}

/* The members that say which object a JSON line is about. */
static void
add_json_object(JsonBuilder *builder, const MdCtlObjectKind *kind, const char *path)
{
  json_builder_set_member_name(builder, "object");
  json_builder_add_string_value(builder, kind->noun);
  json_builder_set_member_name(builder, "path");
  json_builder_add_string_value(builder, path);
  if (kind == &md_ctl_fabric_kind) {
    json_builder_set_member_name(builder, "fabric_index");
    json_builder_add_int_value(builder, md_ctl_fabric_index(path));
  } else if (kind == &md_ctl_session_kind) {
    json_builder_set_member_name(builder, "id");
    json_builder_add_int_value(builder, md_ctl_session_id(path));
  } else if (kind == &md_ctl_endpoint_kind) {
    json_builder_set_member_name(builder, "number");
    json_builder_add_int_value(builder, md_ctl_endpoint_number(path));
  }
}

/* The bytes of multibyte UTF-8 sequences, which g_strescape() is to keep
 * as they are. */
static const char *
utf8_bytes(void)
{
  static char bytes[0x81];

  if (bytes[0] == '\0')
    for (int i = 0; i < 0x80; i++)
      bytes[i] = (char) (0x80 + i);
  return bytes;
}

/* A field's text as a monitor line quotes it: strings in double quotes,
 * with C escapes for quotes and control characters. */
static char *
quoted_text(const MdCtlField *field, GVariant *value)
{
  g_autofree char *text = NULL;
  g_autofree char *escaped = NULL;

  if (field == NULL)
    return value != NULL ? g_variant_print(value, FALSE) : g_strdup("-");
  text = md_ctl_field_text(field, value);
  if ((field->format != MD_CTL_FORMAT_STRING && field->format != MD_CTL_FORMAT_OPTIONAL) ||
      md_ctl_field_is_none(field, value))
    return g_steal_pointer(&text);
  escaped = g_strescape(text, utf8_bytes());
  return g_strdup_printf("\"%s\"", escaped);
}

/* The text of property @property of @proxy, quoted. */
static char *
proxy_text(GDBusProxy *proxy, const MdCtlObjectKind *kind, const char *property)
{
  g_autoptr(GVariant) value = g_dbus_proxy_get_cached_property(proxy, property);

  return quoted_text(md_ctl_field_find(kind, property), value);
}

/* ---- Snapshots of the properties --------------------------------------- */

static char *
snapshot_key(GDBusProxy *proxy)
{
  return g_strdup_printf("%s %s", g_dbus_proxy_get_object_path(proxy),
                         g_dbus_proxy_get_interface_name(proxy));
}

static void
snapshot_take(Monitor *monitor, GDBusProxy *proxy)
{
  GHashTable *properties =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_variant_unref);
  g_auto(GStrv) names = g_dbus_proxy_get_cached_property_names(proxy);

  for (char **name = names; name != NULL && *name != NULL; name++)
    g_hash_table_insert(properties, g_strdup(*name),
                        g_dbus_proxy_get_cached_property(proxy, *name));
  g_hash_table_replace(monitor->snapshots, snapshot_key(proxy), properties);
}

static void
snapshot_drop(Monitor *monitor, GDBusProxy *proxy)
{
  g_autofree char *key = snapshot_key(proxy);

  g_hash_table_remove(monitor->snapshots, key);
}

static void
snapshot_all(Monitor *monitor)
{
  GList *objects = g_dbus_object_manager_get_objects(monitor->manager);

  g_hash_table_remove_all(monitor->snapshots);
  for (GList *o = objects; o != NULL; o = o->next) {
    GList *interfaces = g_dbus_object_get_interfaces(o->data);

    for (GList *i = interfaces; i != NULL; i = i->next)
      snapshot_take(monitor, i->data);
    g_list_free_full(interfaces, g_object_unref);
  }
  g_list_free_full(objects, g_object_unref);
}

/* ---- The state when matterd is there ------------------------------------ */

static void
add_json_list(JsonBuilder *builder, Monitor *monitor, const MdCtlObjectKind *kind,
              const char *member)
{
  g_autoptr(GPtrArray) proxies = md_ctl_objects_list(monitor->manager, kind);

  json_builder_set_member_name(builder, member);
  json_builder_begin_array(builder);
  for (guint i = 0; i < proxies->len; i++) {
    json_builder_begin_object(builder);
    md_ctl_object_add_json(builder, kind, g_ptr_array_index(proxies, i));
    json_builder_end_object(builder);
  }
  json_builder_end_array(builder);
}

static void
print_state(Monitor *monitor)
{
  g_autoptr(GDBusInterface) node =
      g_dbus_object_manager_get_interface(monitor->manager, MD_DBUS_PATH, MD_DBUS_INTERFACE_NODE);
  g_autoptr(GPtrArray) fabrics = md_ctl_objects_list(monitor->manager, &md_ctl_fabric_kind);
  g_autoptr(GPtrArray) sessions = md_ctl_objects_list(monitor->manager, &md_ctl_session_kind);
  g_autofree char *window = NULL, *fabric_text = NULL, *session_text = NULL, *line = NULL;

  if (monitor->json) {
    JsonBuilder *builder = begin_json("state");

    json_builder_set_member_name(builder, "node");
    if (node != NULL) {
      json_builder_begin_object(builder);
      md_ctl_object_add_json(builder, &md_ctl_node_kind, G_DBUS_PROXY(node));
      json_builder_end_object(builder);
    } else {
      json_builder_add_null_value(builder);
    }
    add_json_list(builder, monitor, &md_ctl_fabric_kind, "fabrics");
    add_json_list(builder, monitor, &md_ctl_session_kind, "sessions");
    end_json(builder);
    return;
  }
  window =
      node != NULL ? md_ctl_proxy_string(G_DBUS_PROXY(node), "CommissioningWindow") : g_strdup("-");
  fabric_text = g_strdup_printf(ngettext("%u fabric", "%u fabrics", fabrics->len), fabrics->len);
  session_text =
      g_strdup_printf(ngettext("%u session", "%u sessions", sessions->len), sessions->len);
  line = g_strdup_printf(_("matterd on the %s bus: window %s, %s, %s"), md_ctl_bus_name(), window,
                         fabric_text, session_text);
  print_text(line);
}

static void
print_gone(Monitor *monitor, gboolean at_start)
{
  g_autofree char *line = NULL;

  if (monitor->json) {
    end_json(begin_json("gone"));
    return;
  }
  if (at_start)
    line = g_strdup_printf(_("matterd is not running on the %s bus; waiting for it"),
                           md_ctl_bus_name());
  else
    line = g_strdup_printf(_("matterd left the %s bus"), md_ctl_bus_name());
  print_text(line);
}

/* ---- Objects coming and going ------------------------------------------ */

static char *
added_text(GDBusProxy *proxy, const MdCtlObjectKind *kind)
{
  const char *path = g_dbus_proxy_get_object_path(proxy);
  g_autofree char *name = object_name(kind, path);

  if (kind == &md_ctl_fabric_kind) {
    g_autofree char *fabric_id = proxy_text(proxy, kind, "FabricId");
    g_autofree char *node_id = proxy_text(proxy, kind, "NodeId");
    g_autofree char *vendor_id = proxy_text(proxy, kind, "VendorId");
    g_autofree char *label = proxy_text(proxy, kind, "Label");

    return g_strdup_printf(_("%s added (fabric id %s, node id %s, vendor id %s, label %s)"), name,
                           fabric_id, node_id, vendor_id, label);
  }
  if (kind == &md_ctl_session_kind) {
    g_autofree char *session_kind = md_ctl_proxy_string(proxy, "Kind");
    g_autofree char *address = md_ctl_proxy_string(proxy, "PeerAddress");
    g_autofree char *transport = md_ctl_proxy_string(proxy, "Transport");
    guint fabric = (guint) md_ctl_proxy_uint(proxy, "FabricIndex");

    if (fabric == 0)
      return g_strdup_printf(_("%s established (%s, %s over %s)"), name, session_kind, address,
                             transport);
    else {
      g_autofree char *peer = proxy_text(proxy, kind, "PeerNodeId");

      return g_strdup_printf(_("%s established (%s, fabric %u, peer node %s, %s over %s)"), name,
                             session_kind, fabric, peer, address, transport);
    }
  }
  return g_strdup_printf(_("%s appeared"), name);
}

static void
interface_added(Monitor *monitor, GDBusProxy *proxy)
{
  const MdCtlObjectKind *kind = md_ctl_object_kind_find(g_dbus_proxy_get_interface_name(proxy));

  snapshot_take(monitor, proxy);
  /* While matterd (re)starts the client fills in what is there: the
   * state line tells it all at once. */
  if (!monitor->running || kind == NULL)
    return;
  if (monitor->json) {
    JsonBuilder *builder = begin_json("added");

    add_json_object(builder, kind, g_dbus_proxy_get_object_path(proxy));
    json_builder_set_member_name(builder, kind->noun);
    json_builder_begin_object(builder);
    md_ctl_object_add_json(builder, kind, proxy);
    json_builder_end_object(builder);
    end_json(builder);
  } else {
    g_autofree char *text = added_text(proxy, kind);

    print_text(text);
  }
}

static void
interface_removed(Monitor *monitor, GDBusProxy *proxy)
{
  const MdCtlObjectKind *kind = md_ctl_object_kind_find(g_dbus_proxy_get_interface_name(proxy));
  const char *path = g_dbus_proxy_get_object_path(proxy);

  snapshot_drop(monitor, proxy);
  /* matterd leaving takes every object with it: that is one line. */
  if (!monitor->running || kind == NULL)
    return;
  if (monitor->json) {
    JsonBuilder *builder = begin_json("removed");

    add_json_object(builder, kind, path);
    end_json(builder);
  } else {
    g_autofree char *name = object_name(kind, path);
    g_autofree char *text = kind == &md_ctl_session_kind ? g_strdup_printf(_("%s closed"), name)
                                                         : g_strdup_printf(_("%s removed"), name);

    print_text(text);
  }
}

static void
on_object_added(GDBusObjectManager *manager, GDBusObject *object, gpointer user_data)
{
  GList *interfaces = g_dbus_object_get_interfaces(object);

  for (GList *i = interfaces; i != NULL; i = i->next)
    interface_added(user_data, i->data);
  g_list_free_full(interfaces, g_object_unref);
}

static void
on_object_removed(GDBusObjectManager *manager, GDBusObject *object, gpointer user_data)
{
  GList *interfaces = g_dbus_object_get_interfaces(object);

  for (GList *i = interfaces; i != NULL; i = i->next)
    interface_removed(user_data, i->data);
  g_list_free_full(interfaces, g_object_unref);
}

static void
on_interface_added(GDBusObjectManager *manager, GDBusObject *object, GDBusInterface *interface,
                   gpointer user_data)
{
  interface_added(user_data, G_DBUS_PROXY(interface));
}

static void
on_interface_removed(GDBusObjectManager *manager, GDBusObject *object, GDBusInterface *interface,
                     gpointer user_data)
{
  interface_removed(user_data, G_DBUS_PROXY(interface));
}

/* ---- Properties changing ----------------------------------------------- */

static void
print_change(Monitor *monitor, GDBusProxy *proxy, const MdCtlObjectKind *kind, const char *property,
             GVariant *old_value, GVariant *new_value)
{
  const MdCtlField *field = md_ctl_field_find(kind, property);
  const char *path = g_dbus_proxy_get_object_path(proxy);
  g_autofree char *name = NULL, *old_text = NULL, *new_text = NULL, *text = NULL;

  if (monitor->json) {
    JsonBuilder *builder = begin_json("changed");

    add_json_object(builder, kind, path);
    json_builder_set_member_name(builder, "property");
    json_builder_add_string_value(builder, property);
    md_ctl_json_add_string(builder, "member", field != NULL ? field->member : NULL);
    if (field != NULL) {
      json_builder_set_member_name(builder, "old");
      md_ctl_field_add_json_value(builder, field, old_value);
      json_builder_set_member_name(builder, "new");
      md_ctl_field_add_json_value(builder, field, new_value);
    } else {
      g_autofree char *old_print = old_value != NULL ? g_variant_print(old_value, FALSE) : NULL;
      g_autofree char *new_print = g_variant_print(new_value, FALSE);

      md_ctl_json_add_string(builder, "old", old_print);
      md_ctl_json_add_string(builder, "new", new_print);
    }
    end_json(builder);
    return;
  }
  /* LastActivity moves with every message: only JSON readers get it. */
  if (kind == &md_ctl_session_kind && g_str_equal(property, "LastActivity"))
    return;
  if (kind == &md_ctl_node_kind && g_str_equal(property, "CommissioningWindow")) {
    const char *old_window =
        old_value != NULL && g_variant_is_of_type(old_value, G_VARIANT_TYPE_STRING)
            ? g_variant_get_string(old_value, NULL)
            : "-";

    old_text = g_strdup(old_window);
    new_text = md_ctl_field_text(field, new_value);
    text = g_strdup_printf(_("window %s -> %s"), old_text, new_text);
    print_text(text);
    return;
  }
  name = object_name(kind, path);
  old_text = quoted_text(field, old_value);
  new_text = quoted_text(field, new_value);
  text = g_strdup_printf(_("%s %s changed: %s -> %s"), name, property, old_text, new_text);
  print_text(text);
}

static void
on_properties_changed(GDBusObjectManagerClient *manager, GDBusObjectProxy *object,
                      GDBusProxy *proxy, GVariant *changed, GStrv invalidated, gpointer user_data)
{
  Monitor *monitor = user_data;
  const MdCtlObjectKind *kind = md_ctl_object_kind_find(g_dbus_proxy_get_interface_name(proxy));
  g_autofree char *key = snapshot_key(proxy);
  GHashTable *properties = g_hash_table_lookup(monitor->snapshots, key);
  GVariantIter iter;
  const char *property;
  GVariant *value;

  if (properties == NULL) {
    snapshot_take(monitor, proxy);
    properties = g_hash_table_lookup(monitor->snapshots, key);
  }
  g_variant_iter_init(&iter, changed);
  while (g_variant_iter_next(&iter, "{&sv}", &property, &value)) {
    GVariant *old_value = g_hash_table_lookup(properties, property);

    if (kind != NULL && monitor->running &&
        (old_value == NULL || !g_variant_equal(old_value, value)))
      print_change(monitor, proxy, kind, property, old_value, value);
    g_hash_table_insert(properties, g_strdup(property), value);
  }
}

/* ---- matterd coming and going ------------------------------------------ */

static void
on_name_owner(GObject *object, GParamSpec *pspec, gpointer user_data)
{
  Monitor *monitor = user_data;
  g_autofree char *owner =
      g_dbus_object_manager_client_get_name_owner(G_DBUS_OBJECT_MANAGER_CLIENT(monitor->manager));

  if (owner != NULL && !monitor->running) {
    monitor->running = TRUE;
    snapshot_all(monitor);
    print_state(monitor);
  } else if (owner == NULL && monitor->running) {
    monitor->running = FALSE;
    g_hash_table_remove_all(monitor->snapshots);
    print_gone(monitor, FALSE);
  }
}

static gboolean
on_signal(gpointer user_data)
{
  Monitor *monitor = user_data;

  g_main_loop_quit(monitor->loop);
  return G_SOURCE_CONTINUE;
}

int
md_ctl_monitor_run(int argc, char **argv)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print one JSON object per line"), NULL },
    G_OPTION_ENTRY_NULL,
  };
  Monitor monitor = { 0 };
  g_autofree char *owner = NULL;
  guint sigint, sigterm;

  if (!md_ctl_parse_options(NULL,
                            _("Print the node's changes as they happen, one timestamped line "
                              "each: fabrics and sessions coming and going, the commissioning "
                              "window, the label, matterd itself stopping and starting. Runs "
                              "until interrupted."),
                            entries, &argc, &argv))
    return MD_CTL_EXIT_USAGE;
  if (argc > 1)
    return md_ctl_usage_error(_("monitor takes options only, not '%s'"), argv[1]);
  monitor.manager = md_ctl_bus_manager(FALSE);
  if (monitor.manager == NULL)
    return MD_CTL_EXIT_FAILURE;
  monitor.json = json;
  monitor.loop = g_main_loop_new(NULL, FALSE);
  monitor.snapshots =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_hash_table_unref);

  g_signal_connect(monitor.manager, "object-added", G_CALLBACK(on_object_added), &monitor);
  g_signal_connect(monitor.manager, "object-removed", G_CALLBACK(on_object_removed), &monitor);
  g_signal_connect(monitor.manager, "interface-added", G_CALLBACK(on_interface_added), &monitor);
  g_signal_connect(monitor.manager, "interface-removed", G_CALLBACK(on_interface_removed),
                   &monitor);
  g_signal_connect(monitor.manager, "interface-proxy-properties-changed",
                   G_CALLBACK(on_properties_changed), &monitor);
  g_signal_connect(monitor.manager, "notify::name-owner", G_CALLBACK(on_name_owner), &monitor);
  sigint = g_unix_signal_add(SIGINT, on_signal, &monitor);
  sigterm = g_unix_signal_add(SIGTERM, on_signal, &monitor);

  owner =
      g_dbus_object_manager_client_get_name_owner(G_DBUS_OBJECT_MANAGER_CLIENT(monitor.manager));
  monitor.running = owner != NULL;
  if (monitor.running) {
    snapshot_all(&monitor);
    print_state(&monitor);
  } else {
    print_gone(&monitor, TRUE);
  }
  g_main_loop_run(monitor.loop);

  g_source_remove(sigint);
  g_source_remove(sigterm);
  g_signal_handlers_disconnect_by_data(monitor.manager, &monitor);
  g_clear_object(&monitor.manager);
  g_hash_table_unref(monitor.snapshots);
  g_main_loop_unref(monitor.loop);
  return MD_CTL_EXIT_OK;
}
