/* SPDX-License-Identifier: Apache-2.0 */
#define G_LOG_DOMAIN "matterd"

#include "app-tree.h"

#include <string.h>

#include "matter/im.h"
#include "md-error.h"
#include "md-names.h"

/* ---- GetManagedObjects ---- */

static gboolean
path_at_or_below(const char *path, const char *root)
{
  gsize len = strlen(root);

  if (strcmp(root, "/") == 0)
    return TRUE;
  return strncmp(path, root, len) == 0 && (path[len] == '\0' || path[len] == '/');
}

static gboolean
path_below(const char *path, const char *parent)
{
  return strcmp(path, parent) != 0 && path_at_or_below(path, parent);
}

static gboolean invalid(GError **error, const char *path, const char *format, ...)
    G_GNUC_PRINTF(3, 4);

static gboolean
invalid(GError **error, const char *path, const char *format, ...)
{
  g_autofree char *rule = NULL;
  va_list args;

  va_start(args, format);
  rule = g_strdup_vprintf(format, args);
  va_end(args);
  g_set_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT, "%s: %s", path, rule);
  return FALSE;
}

/* An optional property of Endpoint1 that must have @type: *@value NULL
 * when absent. */
static gboolean
endpoint_property(GVariant *properties, const char *path, const char *name, const char *type,
                  GVariant **value, GError **error)
{
  *value = g_variant_lookup_value(properties, name, NULL);
  if (*value == NULL || g_variant_is_of_type(*value, G_VARIANT_TYPE(type)))
    return TRUE;
  invalid(error, path, MD_APP_INTERFACE_ENDPOINT ".%s must be of type %s, not %s", name, type,
          g_variant_get_type_string(*value));
  g_clear_pointer(value, g_variant_unref);
  return FALSE;
}

static gboolean
endpoint_string(GVariant *properties, const char *path, const char *name, char **field,
                GError **error)
{
  g_autoptr(GVariant) value = NULL;

  if (!endpoint_property(properties, path, name, "s", &value, error))
    return FALSE;
  if (value != NULL)
    *field = g_variant_dup_string(value, NULL);
  return TRUE;
}

static MdAppEndpointSpec *
endpoint_parse(const char *path, GVariant *properties, GError **error)
{
  g_autoptr(MdAppEndpointSpec) spec = md_app_endpoint_spec_new(path);
  g_autoptr(GVariant) device_types = NULL;
  g_autoptr(GVariant) reachable = NULL;
  GVariantIter iter;
  guint16 id, revision;

  if (!endpoint_string(properties, path, "UniqueId", &spec->unique_id, error) ||
      !endpoint_string(properties, path, "Label", &spec->label, error) ||
      !endpoint_string(properties, path, "VendorName", &spec->vendor_name, error) ||
      !endpoint_string(properties, path, "ProductName", &spec->product_name, error) ||
      !endpoint_string(properties, path, "SerialNumber", &spec->serial_number, error) ||
      !endpoint_property(properties, path, "DeviceTypes", "a(qq)", &device_types, error) ||
      !endpoint_property(properties, path, "Reachable", "b", &reachable, error))
    return NULL;
  if (spec->unique_id == NULL) {
    invalid(error, path, MD_APP_INTERFACE_ENDPOINT " needs UniqueId (s)");
    return NULL;
  }
  if (device_types == NULL) {
    invalid(error, path, MD_APP_INTERFACE_ENDPOINT " needs DeviceTypes (a(qq))");
    return NULL;
  }
  g_variant_iter_init(&iter, device_types);
  while (g_variant_iter_next(&iter, "(qq)", &id, &revision)) {
    MatterDmDeviceType type = { .device_type = id, .revision = revision };

    g_array_append_val(spec->device_types, type);
  }
  spec->reachable = reachable == NULL || g_variant_get_boolean(reachable);
  return g_steal_pointer(&spec);
}

/* The one org.matterd.cluster.* interface among @interfaces (a{sa{sv}}),
 * or NULL (*@properties too) when there is none. */
static gboolean
cluster_interface(const char *path, GVariant *interfaces, const char **name, GVariant **properties,
                  GError **error)
{
  GVariantIter iter;
  const char *interface;
  GVariant *props;

  *name = NULL;
  *properties = NULL;
  g_variant_iter_init(&iter, interfaces);
  while (g_variant_iter_next(&iter, "{&s@a{sv}}", &interface, &props)) {
    if (!g_str_has_prefix(interface, MD_APP_CLUSTER_INTERFACE_PREFIX)) {
      g_variant_unref(props);
      continue;
    }
    if (*name != NULL) {
      invalid(error, path,
              "a cluster object has one " MD_APP_CLUSTER_INTERFACE_PREFIX
              "* interface, not both %s and %s",
              *name, interface);
      g_variant_unref(props);
      g_clear_pointer(properties, g_variant_unref);
      return FALSE;
    }
    *name = interface;
    *properties = props;
  }
  return TRUE;
}

static MdAppClusterSpec *
cluster_parse(const char *path, const char *interface, GVariant *properties, GError **error)
{
  const MdAppClusterInfo *info = md_app_cluster_by_interface(interface);
  MdAppClusterSpec *spec;
  GVariantIter iter;
  const char *name;
  GVariant *value;

  if (info == NULL) {
    invalid(error, path, "%s is not a cluster matterd knows", interface);
    return NULL;
  }
  spec = md_app_cluster_spec_new(path, info);
  g_variant_iter_init(&iter, properties);
  while (g_variant_iter_next(&iter, "{&sv}", &name, &value)) {
    if (strcmp(name, "FeatureMap") != 0) {
      g_hash_table_insert(spec->properties, g_strdup(name), value);
      continue;
    }
    if (!g_variant_is_of_type(value, G_VARIANT_TYPE_UINT32)) {
      invalid(error, path, "%s.FeatureMap must be of type u, not %s", interface,
              g_variant_get_type_string(value));
      g_variant_unref(value);
      md_app_cluster_spec_free(spec);
      return NULL;
    }
    spec->feature_map = g_variant_get_uint32(value);
    g_variant_unref(value);
  }
  return spec;
}

static int
compare_endpoint_paths(gconstpointer a, gconstpointer b)
{
  const MdAppEndpointSpec *x = *(MdAppEndpointSpec *const *) a;
  const MdAppEndpointSpec *y = *(MdAppEndpointSpec *const *) b;

  return strcmp(x->path, y->path);
}

/* The endpoint of @specs that @path is below; NULL for none. */
static gboolean
has_interface(GVariant *interfaces, const char *name)
{
  g_autoptr(GVariant) properties = g_variant_lookup_value(interfaces, name, NULL);

  return properties != NULL;
}

static MdAppEndpointSpec *
endpoint_above(GPtrArray *specs, const char *path)
{
  for (guint i = 0; i < specs->len; i++) {
    MdAppEndpointSpec *spec = g_ptr_array_index(specs, i);

    if (path_below(path, spec->path))
      return spec;
  }
  return NULL;
}

/* First the endpoints (an endpoint below another is refused), then each
 * cluster object into the endpoint above it. */
static gboolean
parse_endpoints(GVariant *objects, const char *root, GPtrArray *specs, GError **error)
{
  gsize count = g_variant_n_children(objects);

  for (gsize n = 0; n < count; n++) {
    g_autoptr(GVariant) interfaces = NULL;
    const char *path;
    g_autoptr(GVariant) properties = NULL;
    MdAppEndpointSpec *spec;

    g_variant_get_child(objects, n, "{&o@a{sa{sv}}}", &path, &interfaces);
    if (!path_at_or_below(path, root))
      continue;
    properties =
        g_variant_lookup_value(interfaces, MD_APP_INTERFACE_ENDPOINT, G_VARIANT_TYPE_VARDICT);
    if (properties == NULL)
      continue;
    spec = endpoint_parse(path, properties, error);
    if (spec == NULL)
      return FALSE;
    g_ptr_array_add(specs, spec);
  }
  g_ptr_array_sort(specs, compare_endpoint_paths);
  for (guint i = 0; i < specs->len; i++) {
    MdAppEndpointSpec *spec = g_ptr_array_index(specs, i);
    MdAppEndpointSpec *above = endpoint_above(specs, spec->path);

    if (above != NULL)
      return invalid(error, spec->path, "an endpoint cannot be below another one (%s)",
                     above->path);
  }
  return TRUE;
}

static gboolean
parse_clusters(GVariant *objects, const char *root, GPtrArray *specs, GError **error)
{
  gsize count = g_variant_n_children(objects);

  for (gsize n = 0; n < count; n++) {
    g_autoptr(GVariant) interfaces = NULL;
    const char *path;
    g_autoptr(GVariant) properties = NULL;
    MdAppEndpointSpec *endpoint;
    MdAppClusterSpec *cluster;
    const char *interface;

    g_variant_get_child(objects, n, "{&o@a{sa{sv}}}", &path, &interfaces);
    if (!path_at_or_below(path, root))
      continue;
    if (!cluster_interface(path, interfaces, &interface, &properties, error))
      return FALSE;
    if (interface == NULL)
      continue;
    if (has_interface(interfaces, MD_APP_INTERFACE_ENDPOINT))
      return invalid(error, path,
                     "a cluster is an object of its own below its endpoint, not on "
                     "the " MD_APP_INTERFACE_ENDPOINT " object");
    endpoint = endpoint_above(specs, path);
    if (endpoint == NULL)
      return invalid(error, path,
                     "the cluster object %s is not below an " MD_APP_INTERFACE_ENDPOINT " object",
                     interface);
    cluster = cluster_parse(path, interface, properties, error);
    if (cluster == NULL)
      return FALSE;
    for (guint i = 0; i < endpoint->clusters->len; i++) {
      MdAppClusterSpec *other = g_ptr_array_index(endpoint->clusters, i);

      if (other->info == cluster->info) {
        invalid(error, path, "the endpoint %s has %s already, at %s", endpoint->path, interface,
                other->path);
        md_app_cluster_spec_free(cluster);
        return FALSE;
      }
    }
    g_ptr_array_add(endpoint->clusters, cluster);
  }
  return TRUE;
}

GPtrArray *
md_app_tree_parse(GVariant *objects, const char *root, GError **error)
{
  g_autoptr(GPtrArray) specs =
      g_ptr_array_new_with_free_func((GDestroyNotify) md_app_endpoint_spec_free);

  g_return_val_if_fail(g_variant_is_of_type(objects, G_VARIANT_TYPE("a{oa{sa{sv}}}")), NULL);
  if (!parse_endpoints(objects, root, specs, error) || !parse_clusters(objects, root, specs, error))
    return NULL;
  if (specs->len == 0) {
    invalid(error, root, "no object below it has " MD_APP_INTERFACE_ENDPOINT);
    return NULL;
  }
  return g_steal_pointer(&specs);
}

/* ---- Introspection ---- */

gboolean
md_app_tree_set_methods(MdAppClusterSpec *cluster, const char *xml, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GDBusNodeInfo) node = g_dbus_node_info_new_for_xml(xml, &local_error);
  GDBusInterfaceInfo *interface;
  GPtrArray *methods;

  if (node == NULL)
    return invalid(error, cluster->path, "its introspection does not parse: %s",
                   local_error->message);
  interface = g_dbus_node_info_lookup_interface(node, cluster->info->interface);
  if (interface == NULL)
    return invalid(error, cluster->path, "its introspection does not list %s",
                   cluster->info->interface);
  methods = g_ptr_array_new();
  for (gsize i = 0; interface->methods != NULL && interface->methods[i] != NULL; i++)
    g_ptr_array_add(methods, g_strdup(interface->methods[i]->name));
  g_ptr_array_add(methods, NULL);
  g_strfreev(cluster->methods);
  cluster->methods = (GStrv) g_ptr_array_free(methods, FALSE);
  return TRUE;
}

/* ---- Status errors ---- */

static const struct {
  guint8 status;
  const char *name;
} statuses[] = {
#define STATUS_ENTRY(name, value) { value, #name },
  MATTER_IM_STATUS_LIST(STATUS_ENTRY)
#undef STATUS_ENTRY
};

/* "CONSTRAINT_ERROR" -> "ConstraintError". */
static char *
camel_case(const char *name)
{
  GString *camel = g_string_new(NULL);
  gboolean upper = TRUE;

  for (const char *c = name; *c != '\0'; c++) {
    if (*c == '_') {
      upper = TRUE;
      continue;
    }
    g_string_append_c(camel, upper ? g_ascii_toupper(*c) : g_ascii_tolower(*c));
    upper = FALSE;
  }
  return g_string_free(camel, FALSE);
}

char *
md_app_status_camel_name(guint8 status)
{
  for (gsize i = 0; i < G_N_ELEMENTS(statuses); i++)
    if (statuses[i].status == status)
      return camel_case(statuses[i].name);
  return NULL;
}

gboolean
md_app_status_from_error_name(const char *name, guint8 *status)
{
  if (name == NULL || !g_str_has_prefix(name, MD_APP_STATUS_ERROR_PREFIX))
    return FALSE;
  name += strlen(MD_APP_STATUS_ERROR_PREFIX);
  for (gsize i = 0; i < G_N_ELEMENTS(statuses); i++) {
    g_autofree char *camel = NULL;

    if (statuses[i].status == MATTER_IM_STATUS_SUCCESS)
      continue;
    camel = camel_case(statuses[i].name);
    if (strcmp(camel, name) == 0) {
      *status = statuses[i].status;
      return TRUE;
    }
  }
  return FALSE;
}
