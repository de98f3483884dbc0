/* SPDX-License-Identifier: Apache-2.0 */
#define G_LOG_DOMAIN "matterd"

#include "endpoint-manager.h"

#include <string.h>

#include "app-endpoints.h"
#include "app-tree.h"
#include "app-value.h"
#include "md-error.h"
#include "md-names.h"

/* A change to an application's tree is read again after this quiet time,
 * so that an endpoint exported with its clusters is read once. */
#define RESYNC_DELAY_MS 100
/* Refused values logged per application before the record of them is
 * cleared (each is logged once while it is in there). */
#define REFUSED_LOGGED_MAX 256

typedef struct _Application Application;

/* One endpoint an application serves now. */
typedef struct {
  Application *app;
  guint16 number;
  char *path;
  GHashTable *clusters; /* object path -> const MdAppClusterInfo * */
  gboolean dirty;       /* its tree changed since it was registered */
} Endpoint;

/* A registered application: one caller's tree at one root. */
struct _Application {
  MdEndpointManager *manager;
  char *owner; /* its unique bus name */
  char *root;
  gboolean bridged;
  gboolean context;
  gboolean registered; /* its first reading went through */
  gboolean changed;    /* its tree changed while being read */
  gboolean vanished;   /* it left the bus before its first reading went through */
  guint watch_id;
  guint signal_id;
  guint resync_id;
  gboolean resyncing;
  GHashTable *endpoints; /* object path -> Endpoint, owned */
  GHashTable *refused;   /* what was logged as refused once */
  /* Paths of endpoints forgotten (NodeEndpoint1.Forget) that the
   * application still exports: not served again until it exports them
   * anew. */
  GHashTable *forgotten;
};

struct _MdEndpointManager {
  GDBusConnection *connection;
  MdNode *node;
  MdMessaging *messaging;
  MdBouncer *bouncer;
  MdEndpointManagerChanged changed;
  gpointer user_data;
  GCancellable *cancellable;
  GList *applications;   /* Application, owned */
  GHashTable *endpoints; /* number -> Endpoint (owned by its application) */
  GList *registrations;  /* Registration in flight */
};

/* ---- Applications ---- */

static void
endpoint_free(Endpoint *endpoint)
{
  g_hash_table_unref(endpoint->clusters);
  g_free(endpoint->path);
  g_free(endpoint);
}

static void
poke(MdEndpointManager *manager)
{
  md_messaging_reschedule(manager->messaging);
}

static Application *
find_application(MdEndpointManager *manager, const char *owner, const char *root)
{
  for (GList *l = manager->applications; l != NULL; l = l->next) {
    Application *app = l->data;

    if (strcmp(app->owner, owner) == 0 && strcmp(app->root, root) == 0)
      return app;
  }
  return NULL;
}

static void
endpoint_drop(Endpoint *endpoint)
{
  MdEndpointManager *manager = endpoint->app->manager;

  g_hash_table_remove(manager->endpoints, GUINT_TO_POINTER(endpoint->number));
  g_hash_table_remove(endpoint->app->endpoints, endpoint->path);
}

/* The application removed the endpoint's object, or gave it another
 * UniqueId. */
static void
endpoint_gone(Endpoint *endpoint)
{
  MdEndpointManager *manager = endpoint->app->manager;
  g_autoptr(GError) error = NULL;

  g_message("Application %s removed %s: endpoint %u is forgotten", endpoint->app->owner,
            endpoint->path, endpoint->number);
  if (!md_node_app_forget(manager->node, endpoint->number, md_messaging_now_ms(), &error))
    g_warning("Cannot forget endpoint %u: %s", endpoint->number, error->message);
  endpoint_drop(endpoint);
  poke(manager);
}

/* Stops following @app; its endpoints stay in the node (the caller says
 * how). */
static void
application_free(Application *app)
{
  MdEndpointManager *manager = app->manager;
  GHashTableIter iter;
  Endpoint *endpoint;

  manager->applications = g_list_remove(manager->applications, app);
  g_hash_table_iter_init(&iter, app->endpoints);
  while (g_hash_table_iter_next(&iter, NULL, (gpointer *) &endpoint))
    g_hash_table_remove(manager->endpoints, GUINT_TO_POINTER(endpoint->number));
  g_clear_handle_id(&app->watch_id, g_bus_unwatch_name);
  if (app->signal_id != 0)
    g_dbus_connection_signal_unsubscribe(manager->connection, app->signal_id);
  g_clear_handle_id(&app->resync_id, g_source_remove);
  g_hash_table_unref(app->endpoints);
  g_hash_table_unref(app->refused);
  g_hash_table_unref(app->forgotten);
  g_free(app->owner);
  g_free(app->root);
  g_free(app);
}

/* The application's endpoints leave the node. */
static void
application_forget(Application *app)
{
  MdEndpointManager *manager = app->manager;
  GHashTableIter iter;
  Endpoint *endpoint;

  g_hash_table_iter_init(&iter, app->endpoints);
  while (g_hash_table_iter_next(&iter, NULL, (gpointer *) &endpoint)) {
    g_autoptr(GError) error = NULL;

    if (!md_node_app_forget(manager->node, endpoint->number, md_messaging_now_ms(), &error))
      g_warning("Cannot forget endpoint %u: %s", endpoint->number, error->message);
  }
  application_free(app);
  poke(manager);
}

static void
on_application_vanished(GDBusConnection *connection, const char *name, gpointer user_data)
{
  Application *app = user_data;
  MdEndpointManager *manager = app->manager;
  GHashTableIter iter;
  Endpoint *endpoint;

  if (!app->registered) {
    app->vanished = TRUE; /* its registration finds it gone */
    return;
  }
  if (g_hash_table_size(app->endpoints) == 0)
    g_message("Application %s at %s left the bus; it served no endpoint (any it had were taken "
              "over)",
              app->owner, app->root);
  else
    g_message("Application %s at %s left the bus: %s unreachable", app->owner, app->root,
              g_hash_table_size(app->endpoints) == 1 ? "its endpoint is" : "its endpoints are");
  g_hash_table_iter_init(&iter, app->endpoints);
  while (g_hash_table_iter_next(&iter, NULL, (gpointer *) &endpoint))
    md_node_app_set_connected(manager->node, endpoint->number, FALSE, md_messaging_now_ms());
  application_free(app);
  poke(manager);
}

/* Logs @message about @key once (while the record holds it). */
static void
log_refused_once(Application *app, char *key, const char *message)
{
  if (g_hash_table_contains(app->refused, key)) {
    g_free(key);
    return;
  }
  if (g_hash_table_size(app->refused) >= REFUSED_LOGGED_MAX)
    g_hash_table_remove_all(app->refused);
  g_hash_table_add(app->refused, key);
  g_warning("Application %s: %s; ignored", app->owner, message);
}

/* The endpoint and cluster of object @path with @interface: the Endpoint1
 * object (*@cluster NULL) or one of its clusters. */
static Endpoint *
find_object(Application *app, const char *path, const char *interface,
            const MdAppClusterInfo **cluster)
{
  GHashTableIter iter;
  Endpoint *endpoint;

  *cluster = NULL;
  endpoint = g_hash_table_lookup(app->endpoints, path);
  if (endpoint != NULL)
    return strcmp(interface, MD_APP_INTERFACE_ENDPOINT) == 0 ? endpoint : NULL;
  g_hash_table_iter_init(&iter, app->endpoints);
  while (g_hash_table_iter_next(&iter, NULL, (gpointer *) &endpoint)) {
    const MdAppClusterInfo *info = g_hash_table_lookup(endpoint->clusters, path);

    if (info != NULL && strcmp(info->interface, interface) == 0) {
      *cluster = info;
      return endpoint;
    }
  }
  return NULL;
}

/* ---- Reading a tree: GetManagedObjects, then Introspect per cluster ---- */

typedef struct _TreeRead TreeRead;
typedef void (*TreeReadDone)(MdEndpointManager *manager, TreeRead *read, GPtrArray *specs,
                             GError *error, gpointer user_data);

struct _TreeRead {
  MdEndpointManager *manager; /* gone when the cancellable was cancelled */
  GCancellable *cancellable;  /* the manager's */
  char *owner;
  char *root;
  GPtrArray *specs;
  guint pending; /* introspections in flight */
  GError *error; /* the first one */
  TreeReadDone done;
  gpointer user_data;
};

static void
tree_read_finish(TreeRead *read)
{
  gboolean cancelled = g_cancellable_is_cancelled(read->cancellable);

  /* A cancelled read belongs to a manager that is gone. */
  read->done(cancelled ? NULL : read->manager, read, read->error == NULL ? read->specs : NULL,
             read->error, read->user_data);
  g_object_unref(read->cancellable);
  g_clear_pointer(&read->specs, g_ptr_array_unref);
  g_clear_error(&read->error);
  g_free(read->owner);
  g_free(read->root);
  g_free(read);
}

/* An error of calling the application, as the registration answers it. */
static void
tree_read_fail(TreeRead *read, const char *what, const char *path, GError *error)
{
  if (read->error != NULL)
    return;
  if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    read->error = g_error_copy(error);
    return;
  }
  g_dbus_error_strip_remote_error(error);
  g_set_error(&read->error, MD_ERROR,
              g_error_matches(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT) ? MD_ERROR_FAILED
                                                                       : MD_ERROR_INVALID_ARGUMENT,
              "%s: %s failed: %s", path, what, error->message);
}

typedef struct {
  TreeRead *read;
  MdAppClusterSpec *cluster;
} Introspection;

static void
on_cluster_introspected(GObject *source, GAsyncResult *result, gpointer user_data)
{
  Introspection *introspection = user_data;
  TreeRead *read = introspection->read;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply =
      g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);

  if (reply == NULL) {
    tree_read_fail(read, "Introspect", introspection->cluster->path, error);
  } else if (read->error == NULL) {
    const char *xml;

    g_variant_get(reply, "(&s)", &xml);
    md_app_tree_set_methods(introspection->cluster, xml, &read->error);
  }
  g_free(introspection);
  if (--read->pending == 0)
    tree_read_finish(read);
}

static void
tree_read_introspect(TreeRead *read, GDBusConnection *connection, GCancellable *cancellable)
{
  for (guint i = 0; i < read->specs->len; i++) {
    MdAppEndpointSpec *endpoint = g_ptr_array_index(read->specs, i);

    for (guint c = 0; c < endpoint->clusters->len; c++) {
      Introspection *introspection = g_new0(Introspection, 1);

      introspection->read = read;
      introspection->cluster = g_ptr_array_index(endpoint->clusters, c);
      read->pending++;
      g_dbus_connection_call(connection, read->owner, introspection->cluster->path,
                             "org.freedesktop.DBus.Introspectable", "Introspect", NULL,
                             G_VARIANT_TYPE("(s)"), G_DBUS_CALL_FLAGS_NO_AUTO_START,
                             MD_ENDPOINT_MANAGER_READ_TIMEOUT_MS, cancellable,
                             on_cluster_introspected, introspection);
    }
  }
  if (read->pending == 0)
    tree_read_finish(read);
}

static void
on_managed_objects(GObject *source, GAsyncResult *result, gpointer user_data)
{
  TreeRead *read = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply =
      g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);
  g_autoptr(GVariant) objects = NULL;

  if (reply == NULL) {
    tree_read_fail(read, "GetManagedObjects", read->root, error);
    tree_read_finish(read);
    return;
  }
  objects = g_variant_get_child_value(reply, 0);
  read->specs = md_app_tree_parse(objects, read->root, &read->error);
  if (read->specs == NULL) {
    tree_read_finish(read);
    return;
  }
  tree_read_introspect(read, G_DBUS_CONNECTION(source), read->cancellable);
}

static void
tree_read_start(MdEndpointManager *manager, const char *owner, const char *root, TreeReadDone done,
                gpointer user_data)
{
  TreeRead *read = g_new0(TreeRead, 1);

  read->manager = manager;
  read->cancellable = g_object_ref(manager->cancellable);
  read->owner = g_strdup(owner);
  read->root = g_strdup(root);
  read->done = done;
  read->user_data = user_data;
  g_dbus_connection_call(manager->connection, owner, root, "org.freedesktop.DBus.ObjectManager",
                         "GetManagedObjects", NULL, G_VARIANT_TYPE("(a{oa{sa{sv}}})"),
                         G_DBUS_CALL_FLAGS_NO_AUTO_START, MD_ENDPOINT_MANAGER_READ_TIMEOUT_MS,
                         manager->cancellable, on_managed_objects, read);
}

/* ---- Registering endpoints with the node ---- */

static Endpoint *
endpoint_new(Application *app, const MdAppEndpointSpec *spec, guint16 number)
{
  Endpoint *endpoint = g_new0(Endpoint, 1);

  endpoint->app = app;
  endpoint->number = number;
  endpoint->path = g_strdup(spec->path);
  endpoint->clusters = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < spec->clusters->len; i++) {
    const MdAppClusterSpec *cluster = g_ptr_array_index(spec->clusters, i);

    g_hash_table_insert(endpoint->clusters, g_strdup(cluster->path), (gpointer) cluster->info);
  }
  return endpoint;
}

/* Registers @specs of @app with the node and follows them. */
static gboolean
application_add(Application *app, GPtrArray *specs, GError **error)
{
  MdEndpointManager *manager = app->manager;
  g_autofree guint16 *numbers = g_new0(guint16, MAX(specs->len, 1));

  if (specs->len == 0)
    return TRUE;
  if (!md_node_app_register(manager->node, specs, app->bridged, app->context, app->owner, numbers,
                            md_messaging_now_ms(), error))
    return FALSE;
  for (guint i = 0; i < specs->len; i++) {
    const MdAppEndpointSpec *spec = g_ptr_array_index(specs, i);
    Endpoint *old = g_hash_table_lookup(manager->endpoints, GUINT_TO_POINTER(numbers[i]));
    Endpoint *same_path = g_hash_table_lookup(app->endpoints, spec->path);
    Endpoint *endpoint;

    /* Another application that served the same UniqueId gave it up. */
    if (old != NULL)
      endpoint_drop(old);
    /* The object now has another UniqueId: the one it had is gone. */
    if (same_path != NULL && same_path != old)
      endpoint_gone(same_path);
    endpoint = endpoint_new(app, spec, numbers[i]);
    g_hash_table_replace(app->endpoints, endpoint->path, endpoint);
    g_hash_table_replace(manager->endpoints, GUINT_TO_POINTER(endpoint->number), endpoint);
    g_message("Application %s serves %s (UniqueId %s) as endpoint %u", app->owner, spec->path,
              spec->unique_id, endpoint->number);
  }
  poke(manager);
  return TRUE;
}

static void application_schedule_resync(Application *app);

/* The tree changed again while it was being read. */
static void
resync_again_if_changed(Application *app)
{
  if (!app->changed)
    return;
  app->changed = FALSE;
  application_schedule_resync(app);
}

/* What a re-read of the tree changes: endpoints gone are forgotten, new
 * ones and those whose clusters changed registered (again). */
static void
on_resync_read(MdEndpointManager *manager, TreeRead *read, GPtrArray *specs, GError *error,
               gpointer user_data)
{
  g_autoptr(GPtrArray) added = g_ptr_array_new();
  g_autoptr(GHashTable) still_forgotten =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GList) paths = NULL;
  Application *app;

  if (manager == NULL)
    return;
  app = find_application(manager, read->owner, read->root);
  if (app == NULL)
    return; /* it left, or was unregistered, meanwhile */
  app->resyncing = FALSE;
  if (specs == NULL) {
    g_warning("Application %s at %s: its changed objects are refused: %s", app->owner, app->root,
              error->message);
    resync_again_if_changed(app);
    return;
  }
  paths = g_hash_table_get_keys(app->endpoints);
  for (GList *l = paths; l != NULL; l = l->next) {
    Endpoint *endpoint = g_hash_table_lookup(app->endpoints, l->data);
    gboolean present = FALSE;

    for (guint i = 0; i < specs->len && !present; i++)
      present =
          strcmp(((MdAppEndpointSpec *) g_ptr_array_index(specs, i))->path, endpoint->path) == 0;
    if (!present)
      endpoint_gone(endpoint);
  }
  for (guint i = 0; i < specs->len; i++) {
    MdAppEndpointSpec *spec = g_ptr_array_index(specs, i);
    Endpoint *endpoint = g_hash_table_lookup(app->endpoints, spec->path);

    if (g_hash_table_contains(app->forgotten, spec->path))
      g_hash_table_add(still_forgotten, g_strdup(spec->path));
    else if (endpoint == NULL || endpoint->dirty)
      g_ptr_array_add(added, spec);
  }
  g_hash_table_unref(app->forgotten);
  app->forgotten = g_steal_pointer(&still_forgotten);
  if (!application_add(app, added, &local_error))
    g_warning("Application %s at %s: its changed objects are refused: %s", app->owner, app->root,
              local_error->message);
  poke(manager);
  resync_again_if_changed(app);
}

static gboolean
on_resync(gpointer user_data)
{
  Application *app = user_data;

  app->resync_id = 0;
  if (app->resyncing) {
    app->changed = TRUE;
    return G_SOURCE_REMOVE;
  }
  app->resyncing = TRUE;
  app->changed = FALSE;
  tree_read_start(app->manager, app->owner, app->root, on_resync_read, NULL);
  return G_SOURCE_REMOVE;
}

static void
application_schedule_resync(Application *app)
{
  if (!app->registered || app->resyncing) {
    app->changed = TRUE;
    return;
  }
  if (app->resync_id == 0)
    app->resync_id = g_timeout_add(RESYNC_DELAY_MS, on_resync, app);
}

/* ---- Following an application ---- */

/* The endpoint that object @path is, or is below. */
static Endpoint *
endpoint_of_path(Application *app, const char *path)
{
  GHashTableIter iter;
  Endpoint *endpoint;

  g_hash_table_iter_init(&iter, app->endpoints);
  while (g_hash_table_iter_next(&iter, NULL, (gpointer *) &endpoint)) {
    gsize len = strlen(endpoint->path);

    if (strncmp(path, endpoint->path, len) == 0 && (path[len] == '\0' || path[len] == '/'))
      return endpoint;
  }
  return NULL;
}

static gboolean
interfaces_matter(const char *const *interfaces)
{
  for (gsize i = 0; interfaces[i] != NULL; i++)
    if (strcmp(interfaces[i], MD_APP_INTERFACE_ENDPOINT) == 0 ||
        g_str_has_prefix(interfaces[i], MD_APP_CLUSTER_INTERFACE_PREFIX))
      return TRUE;
  return FALSE;
}

static void
on_interfaces_changed(Application *app, const char *path, const char *const *interfaces,
                      gboolean removed)
{
  Endpoint *endpoint = endpoint_of_path(app, path);

  if (!interfaces_matter(interfaces))
    return;
  /* Exported anew, or gone: no longer what was forgotten. */
  if (g_strv_contains(interfaces, MD_APP_INTERFACE_ENDPOINT))
    g_hash_table_remove(app->forgotten, path);
  if (!app->registered) {
    app->changed = TRUE;
    return;
  }
  if (endpoint != NULL && removed && strcmp(endpoint->path, path) == 0 &&
      g_strv_contains(interfaces, MD_APP_INTERFACE_ENDPOINT)) {
    endpoint_gone(endpoint);
    return;
  }
  if (endpoint != NULL)
    endpoint->dirty = TRUE;
  application_schedule_resync(app);
}

static void
on_object_manager_signal(Application *app, const char *member, GVariant *parameters)
{
  const char *path;

  if (strcmp(member, "InterfacesAdded") == 0 &&
      g_variant_is_of_type(parameters, G_VARIANT_TYPE("(oa{sa{sv}})"))) {
    g_autoptr(GVariant) interfaces = NULL;
    g_autoptr(GPtrArray) names = g_ptr_array_new();
    GVariantIter iter;
    const char *name;

    g_variant_get(parameters, "(&o@a{sa{sv}})", &path, &interfaces);
    g_variant_iter_init(&iter, interfaces);
    while (g_variant_iter_next(&iter, "{&s@a{sv}}", &name, NULL))
      g_ptr_array_add(names, (gpointer) name);
    g_ptr_array_add(names, NULL);
    on_interfaces_changed(app, path, (const char *const *) names->pdata, FALSE);
  } else if (strcmp(member, "InterfacesRemoved") == 0 &&
             g_variant_is_of_type(parameters, G_VARIANT_TYPE("(oas)"))) {
    g_autofree const char **names = NULL;

    g_variant_get(parameters, "(&o^a&s)", &path, &names);
    on_interfaces_changed(app, path, names, TRUE);
  }
}

static void
log_refused_value(Application *app, const char *path, const char *interface, const char *name,
                  GVariant *value, const GError *error)
{
  g_autofree char *printed = g_variant_print(value, TRUE);
  g_autofree char *message =
      g_strdup_printf("%s %s.%s = %s refused: %s", path, interface, name, printed, error->message);

  log_refused_once(app, g_strdup_printf("%s\n%s\n%s\n%s", path, interface, name, printed), message);
}

static void
on_properties_changed(Application *app, const char *path, GVariant *parameters)
{
  MdEndpointManager *manager = app->manager;
  g_autoptr(GVariant) changed = NULL;
  const MdAppClusterInfo *cluster;
  const char *interface, *name;
  gboolean label_changed = FALSE;
  Endpoint *endpoint;
  GVariantIter iter;
  GVariant *value;

  if (!g_variant_is_of_type(parameters, G_VARIANT_TYPE("(sa{sv}as)")))
    return;
  g_variant_get(parameters, "(&s@a{sv}*)", &interface, &changed, NULL);
  endpoint = find_object(app, path, interface, &cluster);
  if (endpoint == NULL) {
    if (!app->registered && (strcmp(interface, MD_APP_INTERFACE_ENDPOINT) == 0 ||
                             g_str_has_prefix(interface, MD_APP_CLUSTER_INTERFACE_PREFIX)))
      app->changed = TRUE; /* read again once registered */
    return;
  }
  g_variant_iter_init(&iter, changed);
  while (g_variant_iter_loop(&iter, "{&sv}", &name, &value)) {
    g_autoptr(GError) error = NULL;

    if (md_node_app_set_property(manager->node, endpoint->number, cluster, name, value,
                                 md_messaging_now_ms(), &error)) {
      label_changed |= cluster == NULL && strcmp(name, "Label") == 0;
      continue;
    }
    log_refused_value(app, path, interface, name, value, error);
  }
  poke(manager);
  if (label_changed && manager->changed != NULL)
    manager->changed(manager->user_data);
}

static void
on_cluster_signal(Application *app, const char *path, const char *interface, const char *member,
                  GVariant *parameters)
{
  MdEndpointManager *manager = app->manager;
  g_autoptr(GError) error = NULL;
  const MdAppClusterInfo *cluster;
  Endpoint *endpoint = find_object(app, path, interface, &cluster);
  int index;

  if (endpoint == NULL || cluster == NULL)
    return;
  index = md_app_cluster_find_event(cluster, member);
  if (index < 0) {
    g_autofree char *message =
        g_strdup_printf("%s %s.%s is not an event of the cluster", path, interface, member);

    log_refused_once(app, g_strdup_printf("%s\n%s\n%s", path, interface, member), message);
    return;
  }
  if (!md_node_app_emit_event(manager->node, endpoint->number, cluster, &cluster->events[index],
                              parameters, md_messaging_now_ms(), &error)) {
    g_autofree char *printed = g_variant_print(parameters, TRUE);

    g_warning("Application %s: event %s %s.%s%s refused: %s; ignored", app->owner, path, interface,
              member, printed, error->message);
    return;
  }
  g_debug("Application %s: event %s.%s of endpoint %u", app->owner, cluster->name, member,
          endpoint->number);
  poke(manager);
}

static void
on_application_signal(GDBusConnection *connection, const char *sender, const char *path,
                      const char *interface, const char *member, GVariant *parameters,
                      gpointer user_data)
{
  Application *app = user_data;
  gsize len = strlen(app->root);

  if (strcmp(app->root, "/") != 0 &&
      (strncmp(path, app->root, len) != 0 || (path[len] != '\0' && path[len] != '/')))
    return;
  if (strcmp(interface, "org.freedesktop.DBus.ObjectManager") == 0) {
    if (strcmp(path, app->root) == 0)
      on_object_manager_signal(app, member, parameters);
  } else if (strcmp(interface, "org.freedesktop.DBus.Properties") == 0) {
    if (strcmp(member, "PropertiesChanged") == 0)
      on_properties_changed(app, path, parameters);
  } else if (g_str_has_prefix(interface, MD_APP_CLUSTER_INTERFACE_PREFIX)) {
    on_cluster_signal(app, path, interface, member, parameters);
  }
}

/* Follows @owner's signals and presence from before its tree is read, so
 * that nothing between the reading and the following is missed. */
static Application *
application_new(MdEndpointManager *manager, const char *owner, const char *root, gboolean bridged,
                gboolean context)
{
  Application *app = g_new0(Application, 1);

  app->manager = manager;
  app->owner = g_strdup(owner);
  app->root = g_strdup(root);
  app->bridged = bridged;
  app->context = context;
  app->endpoints =
      g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify) endpoint_free);
  app->refused = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  app->forgotten = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  app->signal_id = g_dbus_connection_signal_subscribe(manager->connection, owner, NULL, NULL, NULL,
                                                      NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                                      on_application_signal, app, NULL);
  app->watch_id =
      g_bus_watch_name_on_connection(manager->connection, owner, G_BUS_NAME_WATCHER_FLAGS_NONE,
                                     NULL, on_application_vanished, app, NULL);
  manager->applications = g_list_prepend(manager->applications, app);
  return app;
}

/* ---- RegisterApplication ---- */

typedef struct {
  MdEndpointManager *manager; /* NULL once it went */
  GDBusMethodInvocation *invocation;
  char *owner;
  char *root;
  gboolean bridged;
  gboolean context;
  gboolean allowed; /* the bouncer let it through: the reading owns it */
} Registration;

static void
registration_free(Registration *registration)
{
  if (registration->manager != NULL)
    registration->manager->registrations =
        g_list_remove(registration->manager->registrations, registration);
  g_free(registration->owner);
  g_free(registration->root);
  g_free(registration);
}

static void
return_error(GDBusMethodInvocation *invocation, const GError *error)
{
  g_autoptr(GError) public_error = md_error_to_public(error);

  g_dbus_method_invocation_return_gerror(invocation, public_error);
}

static void
on_registration_read(MdEndpointManager *manager, TreeRead *read, GPtrArray *specs, GError *error,
                     gpointer user_data)
{
  Registration *registration = user_data;
  g_autoptr(GError) local_error = NULL;
  Application *app;

  if (manager == NULL || registration->manager == NULL) {
    registration_free(registration);
    return;
  }
  app = find_application(manager, registration->owner, registration->root);
  if (app == NULL) {
    g_set_error(&local_error, MD_ERROR, MD_ERROR_FAILED, "%s left the bus while being read",
                registration->owner);
  } else if (app->vanished) {
    g_set_error(&local_error, MD_ERROR, MD_ERROR_FAILED, "%s left the bus while being read",
                registration->owner);
  } else if (specs == NULL) {
    local_error = g_error_copy(error);
  } else {
    application_add(app, specs, &local_error);
  }
  if (local_error != NULL) {
    g_message("Application %s at %s refused: %s", registration->owner, registration->root,
              local_error->message);
    if (app != NULL)
      application_free(app);
    return_error(registration->invocation, local_error);
    registration_free(registration);
    return;
  }
  app->registered = TRUE;
  g_dbus_method_invocation_return_value(registration->invocation, NULL);
  registration_free(registration);
  /* It changed while it was being read: read it again. */
  resync_again_if_changed(app);
}

/* The bouncer refused the caller, or went: nothing was started. */
static void
registration_unallowed_free(gpointer user_data)
{
  Registration *registration = user_data;

  if (!registration->allowed)
    registration_free(registration);
}

static void
register_allowed(GDBusMethodInvocation *invocation, gpointer user_data)
{
  Registration *registration = user_data;
  MdEndpointManager *manager = registration->manager;

  if (find_application(manager, registration->owner, registration->root) != NULL) {
    g_dbus_method_invocation_return_error(invocation, MD_ERROR, MD_ERROR_INVALID_ARGUMENT,
                                          "%s: registered already", registration->root);
    return; /* freed when the check is over */
  }
  registration->allowed = TRUE;
  application_new(manager, registration->owner, registration->root, registration->bridged,
                  registration->context);
  manager->registrations = g_list_prepend(manager->registrations, registration);
  tree_read_start(manager, registration->owner, registration->root, on_registration_read,
                  registration);
}

/* One boolean option; FALSE when it has another type. */
static gboolean
option_boolean(GVariant *options, const char *name, gboolean *field, GError **error)
{
  g_autoptr(GVariant) value = g_variant_lookup_value(options, name, NULL);

  if (value == NULL)
    return TRUE;
  if (!g_variant_is_of_type(value, G_VARIANT_TYPE_BOOLEAN)) {
    g_set_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT,
                "The option %s must be of type b, not %s", name, g_variant_get_type_string(value));
    return FALSE;
  }
  *field = g_variant_get_boolean(value);
  return TRUE;
}

static gboolean
parse_options(GVariant *options, gboolean *bridged, gboolean *context, GError **error)
{
  static const char *const known[] = { "Bridged", "Context", NULL };
  gsize count = g_variant_n_children(options);

  for (gsize i = 0; i < count; i++) {
    const char *name;

    g_variant_get_child(options, i, "{&s*}", &name, NULL);
    if (!g_strv_contains(known, name)) {
      g_set_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT,
                  "Unknown option %s (known: Bridged, Context)", name);
      return FALSE;
    }
  }
  *bridged = TRUE;
  *context = FALSE;
  return option_boolean(options, "Bridged", bridged, error) &&
         option_boolean(options, "Context", context, error);
}

void
md_endpoint_manager_register(MdEndpointManager *manager, GDBusMethodInvocation *invocation,
                             const char *root, GVariant *options)
{
  g_autoptr(GError) error = NULL;
  Registration *registration;
  gboolean bridged, context;

  if (!parse_options(options, &bridged, &context, &error)) {
    return_error(invocation, error);
    return;
  }
  registration = g_new0(Registration, 1);
  registration->invocation = invocation;
  registration->owner = g_strdup(g_dbus_method_invocation_get_sender(invocation));
  registration->root = g_strdup(root);
  registration->bridged = bridged;
  registration->context = context;
  registration->manager = manager;
  md_bouncer_check_full(manager->bouncer, invocation, MD_POLKIT_ACTION_REGISTER_APPLICATION,
                        register_allowed, registration, registration_unallowed_free);
}

void
md_endpoint_manager_unregister(MdEndpointManager *manager, GDBusMethodInvocation *invocation,
                               const char *root)
{
  const char *sender = g_dbus_method_invocation_get_sender(invocation);
  Application *app = find_application(manager, sender, root);

  if (app == NULL || !app->registered) {
    g_dbus_method_invocation_return_error(invocation, MD_ERROR, MD_ERROR_NOT_FOUND,
                                          "%s registered no application at %s", sender, root);
    return;
  }
  g_message("Application %s at %s unregistered: its %u endpoints are forgotten", sender, root,
            g_hash_table_size(app->endpoints));
  application_forget(app);
  g_dbus_method_invocation_return_value(invocation, NULL);
}

gboolean
md_endpoint_manager_forget(MdEndpointManager *manager, guint16 number, GError **error)
{
  Endpoint *endpoint = g_hash_table_lookup(manager->endpoints, GUINT_TO_POINTER(number));

  if (!md_node_app_forget(manager->node, number, md_messaging_now_ms(), error))
    return FALSE;
  if (endpoint != NULL) {
    g_hash_table_add(endpoint->app->forgotten, g_strdup(endpoint->path));
    endpoint_drop(endpoint);
  }
  poke(manager);
  return TRUE;
}

/* ---- Writes and invokes ---- */

typedef struct {
  MdEndpointManager *manager;
  guint32 token;
  char *what;          /* for the log: "endpoint 2 OnOff1.On()" */
  char *response_type; /* the reply's signature */
  gboolean response;   /* the reply is the command's response */
} Call;

static void
call_free(Call *call)
{
  g_free(call->what);
  g_free(call->response_type);
  g_free(call);
}

/* The IM status an application's error stands for. */
static guint8
error_status(GError *error)
{
  g_autofree char *name = g_dbus_error_get_remote_error(error);
  guint8 status;

  if (md_app_status_from_error_name(name, &status))
    return status;
  if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return MATTER_IM_STATUS_TIMEOUT;
  return MATTER_IM_STATUS_FAILURE;
}

static void
on_call_reply(GObject *source, GAsyncResult *result, gpointer user_data)
{
  Call *call = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply =
      g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);
  MdEndpointManager *manager = call->manager;
  guint8 status = MATTER_IM_STATUS_SUCCESS;

  if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    call_free(call); /* the manager is gone */
    return;
  }
  if (reply == NULL) {
    status = error_status(error);
    g_message("%s: %s (%s)", call->what, error->message, matter_im_status_name(status));
  } else if (strcmp(g_variant_get_type_string(reply), call->response_type) != 0) {
    status = MATTER_IM_STATUS_FAILURE;
    g_warning("%s: the application answered %s, not %s: FAILURE", call->what,
              g_variant_get_type_string(reply), call->response_type);
  }
  md_node_app_complete(manager->node, call->token, status,
                       status == MATTER_IM_STATUS_SUCCESS && call->response ? reply : NULL,
                       md_messaging_now_ms());
  poke(manager);
  call_free(call);
}

/* The object and application serving @cluster of @endpoint (NULL: the
 * Endpoint1 object); NULL when there is none on the bus now. */
static const char *
object_of(MdEndpointManager *manager, guint16 number, const MdAppClusterInfo *cluster,
          Endpoint **found)
{
  Endpoint *endpoint = g_hash_table_lookup(manager->endpoints, GUINT_TO_POINTER(number));
  GHashTableIter iter;
  const char *path;
  const MdAppClusterInfo *info;

  *found = endpoint;
  if (endpoint == NULL)
    return NULL;
  if (cluster == NULL)
    return endpoint->path;
  g_hash_table_iter_init(&iter, endpoint->clusters);
  while (g_hash_table_iter_next(&iter, (gpointer *) &path, (gpointer *) &info))
    if (info == cluster)
      return path;
  return NULL;
}

static void
call_application(MdEndpointManager *manager, guint16 number, const MdAppClusterInfo *cluster,
                 const char *interface, const char *member, GVariant *parameters, Call *call)
{
  Endpoint *endpoint;
  const char *path = object_of(manager, number, cluster, &endpoint);

  if (path == NULL) {
    g_message("%s: no application serves it now (FAILURE)", call->what);
    md_node_app_complete(manager->node, call->token, MATTER_IM_STATUS_FAILURE, NULL,
                         md_messaging_now_ms());
    g_variant_unref(g_variant_ref_sink(parameters));
    call_free(call);
    return;
  }
  g_debug("%s: calling %s %s.%s", call->what, endpoint->app->owner, path, member);
  g_dbus_connection_call(manager->connection, endpoint->app->owner, path, interface, member,
                         parameters, NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START,
                         MD_ENDPOINT_MANAGER_CALL_TIMEOUT_MS, manager->cancellable, on_call_reply,
                         call);
}

static Call *
call_new(MdEndpointManager *manager, guint32 token, char *what)
{
  Call *call = g_new0(Call, 1);

  call->manager = manager;
  call->token = token;
  call->what = what;
  return call;
}

void
md_endpoint_manager_write(MdEndpointManager *manager, guint16 endpoint,
                          const MdAppClusterInfo *cluster, const char *property, GVariant *value,
                          guint32 token)
{
  const char *interface = cluster != NULL ? cluster->interface : MD_APP_INTERFACE_ENDPOINT;
  Call *call = call_new(
      manager, token, g_strdup_printf("Write of endpoint %u %s.%s", endpoint, interface, property));

  call->response_type = g_strdup("()");
  call_application(manager, endpoint, cluster, "org.freedesktop.DBus.Properties", "Set",
                   g_variant_new("(ssv)", interface, property, value), call);
}

void
md_endpoint_manager_invoke(MdEndpointManager *manager, guint16 endpoint,
                           const MdAppClusterInfo *cluster, const MdAppCommand *command,
                           GVariant *args, guint32 token)
{
  Call *call = call_new(manager, token,
                        g_strdup_printf("Invoke of endpoint %u %s.%s()", endpoint,
                                        cluster->interface, command->name));

  call->response = command->response_field_count > 0;
  call->response_type = call->response ? md_app_fields_signature(command->response_fields,
                                                                 command->response_field_count)
                                       : g_strdup("()");
  call_application(manager, endpoint, cluster, cluster->interface, command->name, args, call);
}

/* ---- Life ---- */

MdEndpointManager *
md_endpoint_manager_new(GDBusConnection *connection, MdNode *node, MdMessaging *messaging,
                        MdBouncer *bouncer, MdEndpointManagerChanged changed, gpointer user_data)
{
  MdEndpointManager *manager = g_new0(MdEndpointManager, 1);

  manager->connection = g_object_ref(connection);
  manager->node = node;
  manager->messaging = messaging;
  manager->bouncer = bouncer;
  manager->changed = changed;
  manager->user_data = user_data;
  manager->cancellable = g_cancellable_new();
  manager->endpoints = g_hash_table_new(NULL, NULL);
  return manager;
}

void
md_endpoint_manager_free(MdEndpointManager *manager)
{
  if (manager == NULL)
    return;
  g_cancellable_cancel(manager->cancellable);
  for (GList *l = manager->registrations; l != NULL; l = l->next) {
    Registration *registration = l->data;

    g_dbus_method_invocation_return_error(registration->invocation, MD_ERROR, MD_ERROR_FAILED,
                                          "matterd is shutting down");
    registration->manager = NULL;
  }
  g_clear_pointer(&manager->registrations, g_list_free);
  while (manager->applications != NULL)
    application_free(manager->applications->data);
  g_hash_table_unref(manager->endpoints);
  g_object_unref(manager->cancellable);
  g_object_unref(manager->connection);
  g_free(manager);
}
