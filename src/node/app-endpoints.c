/* SPDX-License-Identifier: Apache-2.0 */
/* Application endpoints on the node: what an application registered,
 * checked against the descriptions; the registry that serves them after
 * the root endpoint and the Aggregator; their numbers and registrations
 * in the store; the writes and invokes waiting for the applications. */
#define G_LOG_DOMAIN "matterd"

#include "app-endpoints.h"

#include <string.h>

#include "app-cluster.h"
#include "app-registry.h"
#include "app-value.h"
#include "clusters/clusters.h"
#include "matter/crypto.h"
#include "md-error.h"
#include "node.h"

/* Every UniqueId that ever had a number: (version, [(unique id, number,
 * bridged, context, its last registration or nothing once forgotten)]). */
#define STORE_KEY "app-endpoints"
#define STORE_VERSION 1
#define STORE_TYPE "(ua(sqbbmv))"
#define ENTRY_TYPE "(sqbbmv)"
/* An endpoint registration: path, unique id, device types, label,
 * vendor name, product name, serial number, reachable, clusters (path,
 * interface, feature map, properties, methods when known). */
#define SPEC_TYPE "(ssa(uq)msmsmsmsba(ssua{sv}mas))"

#define UNIQUE_ID_MAX 32
#define ENDPOINT_NUMBER_MAX 0xFFFE
#define DEVICE_TYPE_ROOT_NODE 0x0016
#define DEVICE_TYPE_AGGREGATOR 0x000E
#define DEVICE_TYPE_BRIDGED_NODE 0x0013
/* Revisions in Matter 1.4.2's Device Library, for when the descriptions
 * do not carry these device types. */
#define AGGREGATOR_REVISION 2
#define BRIDGED_NODE_REVISION 3
#define CLUSTER_IDENTIFY 0x0003
#define CLUSTER_GROUPS 0x0004
#define CLUSTER_DESCRIPTOR 0x001D
#define CLUSTER_BRIDGED_BASIC 0x0039
#define CLUSTER_SCENES_MANAGEMENT 0x0062
#define ATTR_PARTS_LIST 0x0003
#define ATTR_DEVICE_TYPE_LIST 0x0000
#define ATTR_SERVER_LIST 0x0001
#define BRIDGED_BASIC_ATTR_VENDOR_NAME 0x0001
#define BRIDGED_BASIC_ATTR_PRODUCT_NAME 0x0003
#define BRIDGED_BASIC_ATTR_SERIAL_NUMBER 0x000F

/* ---- Specs ---- */

MdAppClusterSpec *
md_app_cluster_spec_new(const char *path, const MdAppClusterInfo *info)
{
  MdAppClusterSpec *spec = g_new0(MdAppClusterSpec, 1);

  spec->path = g_strdup(path);
  spec->info = info;
  spec->properties =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_variant_unref);
  return spec;
}

void
md_app_cluster_spec_free(MdAppClusterSpec *spec)
{
  if (spec == NULL)
    return;
  g_free(spec->path);
  g_hash_table_unref(spec->properties);
  g_strfreev(spec->methods);
  g_free(spec);
}

MdAppEndpointSpec *
md_app_endpoint_spec_new(const char *path)
{
  MdAppEndpointSpec *spec = g_new0(MdAppEndpointSpec, 1);

  spec->path = g_strdup(path);
  spec->device_types = g_array_new(FALSE, TRUE, sizeof(MatterDmDeviceType));
  spec->reachable = TRUE;
  spec->clusters = g_ptr_array_new_with_free_func((GDestroyNotify) md_app_cluster_spec_free);
  return spec;
}

void
md_app_endpoint_spec_free(MdAppEndpointSpec *spec)
{
  if (spec == NULL)
    return;
  g_free(spec->path);
  g_free(spec->unique_id);
  g_array_unref(spec->device_types);
  g_free(spec->label);
  g_free(spec->vendor_name);
  g_free(spec->product_name);
  g_free(spec->serial_number);
  g_ptr_array_unref(spec->clusters);
  g_free(spec);
}

static MdAppEndpointSpec *
spec_copy(const MdAppEndpointSpec *spec)
{
  MdAppEndpointSpec *copy = md_app_endpoint_spec_new(spec->path);

  copy->unique_id = g_strdup(spec->unique_id);
  g_array_append_vals(copy->device_types, spec->device_types->data, spec->device_types->len);
  copy->label = g_strdup(spec->label);
  copy->vendor_name = g_strdup(spec->vendor_name);
  copy->product_name = g_strdup(spec->product_name);
  copy->serial_number = g_strdup(spec->serial_number);
  copy->reachable = spec->reachable;
  for (guint i = 0; i < spec->clusters->len; i++) {
    const MdAppClusterSpec *cluster = g_ptr_array_index(spec->clusters, i);
    MdAppClusterSpec *cluster_copy = md_app_cluster_spec_new(cluster->path, cluster->info);
    GHashTableIter iter;
    gpointer key, value;

    cluster_copy->feature_map = cluster->feature_map;
    g_hash_table_iter_init(&iter, cluster->properties);
    while (g_hash_table_iter_next(&iter, &key, &value))
      g_hash_table_insert(cluster_copy->properties, g_strdup(key), g_variant_ref(value));
    cluster_copy->methods = g_strdupv(cluster->methods);
    g_ptr_array_add(copy->clusters, cluster_copy);
  }
  return copy;
}

/* ---- Checks ---- */

/* Clusters a device type needs that the node serves itself. */
static gboolean
served_by_node(guint32 cluster_id)
{
  return cluster_id == CLUSTER_DESCRIPTOR || cluster_id == CLUSTER_BRIDGED_BASIC ||
         cluster_id == CLUSTER_GROUPS;
}

/* Clusters a device type needs that no endpoint has yet: Scenes
 * Management, which the lights list; they are served without it. */
static gboolean
waived(guint32 cluster_id)
{
  return cluster_id == CLUSTER_SCENES_MANAGEMENT;
}

static gboolean
check_string(const char *path, const char *name, const char *value, GError **error)
{
  if (value == NULL)
    return TRUE;
  if (!g_utf8_validate(value, -1, NULL) || strlen(value) > MD_BRIDGED_BASIC_STRING_MAX) {
    g_set_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT,
                "%s: %s must be at most %u bytes of UTF-8", path, name,
                MD_BRIDGED_BASIC_STRING_MAX);
    return FALSE;
  }
  return TRUE;
}

static gboolean
check_device_types(const MdAppEndpointSpec *spec, GError **error)
{
  if (spec->device_types->len == 0) {
    g_set_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT, "%s: DeviceTypes lists no device type",
                spec->path);
    return FALSE;
  }
  for (guint i = 0; i < spec->device_types->len; i++) {
    const MatterDmDeviceType *dt = &g_array_index(spec->device_types, MatterDmDeviceType, i);
    const MdAppDeviceTypeInfo *info = md_app_device_type_by_id(dt->device_type);

    if (dt->device_type == DEVICE_TYPE_BRIDGED_NODE || dt->device_type == DEVICE_TYPE_AGGREGATOR ||
        dt->device_type == DEVICE_TYPE_ROOT_NODE) {
      g_set_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT,
                  "%s: device type 0x%04X is matterd's to add, not the application's", spec->path,
                  dt->device_type);
      return FALSE;
    }
    if (info == NULL) {
      g_set_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT,
                  "%s: device type 0x%04X is not one matterd offers", spec->path, dt->device_type);
      return FALSE;
    }
    if (dt->revision < 1 || dt->revision > info->revision) {
      g_set_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT,
                  "%s: device type %s (0x%04X) revision %u: matterd knows revisions 1 to %u",
                  spec->path, info->name, dt->device_type, dt->revision, info->revision);
      return FALSE;
    }
    for (guint j = 0; j < i; j++)
      if (g_array_index(spec->device_types, MatterDmDeviceType, j).device_type == dt->device_type) {
        g_set_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT,
                    "%s: device type 0x%04X is listed twice", spec->path, dt->device_type);
        return FALSE;
      }
  }
  return TRUE;
}

static gboolean
has_method(const MdAppClusterSpec *cluster, const char *name)
{
  return cluster->methods == NULL || g_strv_contains((const char *const *) cluster->methods, name);
}

static gboolean
check_cluster(const MdAppClusterSpec *cluster, GError **error)
{
  const MdAppClusterInfo *info = cluster->info;
  guint32 defined = 0;
  GHashTableIter iter;
  gpointer key, value;

  for (gsize i = 0; i < info->feature_count; i++)
    defined |= 1u << info->features[i].bit;
  if ((cluster->feature_map & ~defined) != 0) {
    g_set_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT,
                "%s: FeatureMap 0x%X has bits %s does not define (0x%X)", cluster->path,
                cluster->feature_map, info->name, cluster->feature_map & ~defined);
    return FALSE;
  }
  g_hash_table_iter_init(&iter, cluster->properties);
  while (g_hash_table_iter_next(&iter, &key, &value)) {
    int index = md_app_cluster_find_attribute(info, key);
    g_autofree char *what = NULL;

    if (index < 0) {
      g_set_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT, "%s: %s is not an attribute of %s",
                  cluster->path, (const char *) key, info->name);
      return FALSE;
    }
    if (!md_app_conformance_allows(&info->attributes[index].conformance, cluster->feature_map)) {
      g_set_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT,
                  "%s: %s.%s is not allowed with FeatureMap 0x%X", cluster->path, info->name,
                  (const char *) key, cluster->feature_map);
      return FALSE;
    }
    what = g_strdup_printf("%s.%s", info->name, (const char *) key);
    if (!md_app_value_check(info->attributes[index].type, info->attributes[index].flags, value,
                            what, error)) {
      g_prefix_error(error, "%s: ", cluster->path);
      return FALSE;
    }
  }
  for (gsize i = 0; i < info->attribute_count; i++)
    if (md_app_conformance_requires(&info->attributes[i].conformance, cluster->feature_map) &&
        !g_hash_table_contains(cluster->properties, info->attributes[i].name)) {
      g_set_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT,
                  "%s: the mandatory attribute %s.%s is missing", cluster->path, info->name,
                  info->attributes[i].name);
      return FALSE;
    }
  for (gsize i = 0; i < info->command_count; i++)
    if (md_app_conformance_requires(&info->commands[i].conformance, cluster->feature_map) &&
        !has_method(cluster, info->commands[i].name)) {
      g_set_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT,
                  "%s: the mandatory command %s.%s is not implemented", cluster->path, info->name,
                  info->commands[i].name);
      return FALSE;
    }
  return TRUE;
}

static const MdAppClusterSpec *
find_cluster_spec(const MdAppEndpointSpec *spec, guint32 cluster_id)
{
  for (guint i = 0; i < spec->clusters->len; i++) {
    const MdAppClusterSpec *cluster = g_ptr_array_index(spec->clusters, i);

    if (cluster->info->id == cluster_id)
      return cluster;
  }
  return NULL;
}

static gboolean
check_device_cluster(const MdAppEndpointSpec *spec, const MdAppDeviceTypeInfo *dt,
                     const MdAppDeviceCluster *need, GError **error)
{
  const MdAppClusterSpec *cluster = find_cluster_spec(spec, need->cluster_id);
  const MdAppClusterInfo *info;
  guint32 missing;

  if (cluster == NULL) {
    const MdAppClusterInfo *described = md_app_cluster_by_id(need->cluster_id);

    g_set_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT,
                "%s: device type %s needs the cluster %s (0x%04X), which it lacks", spec->path,
                dt->name, described != NULL ? described->name : "?", need->cluster_id);
    return FALSE;
  }
  info = cluster->info;
  missing = need->required_features & ~cluster->feature_map;
  if (missing != 0) {
    g_set_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT,
                "%s: device type %s needs FeatureMap bits 0x%X of %s", cluster->path, dt->name,
                missing, info->name);
    return FALSE;
  }
  for (gsize i = 0; i < need->required_attribute_count; i++)
    for (gsize a = 0; a < info->attribute_count; a++)
      if (info->dm_attributes[a].id == need->required_attributes[i] &&
          !g_hash_table_contains(cluster->properties, info->attributes[a].name)) {
        g_set_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT,
                    "%s: device type %s needs the attribute %s.%s", cluster->path, dt->name,
                    info->name, info->attributes[a].name);
        return FALSE;
      }
  for (gsize i = 0; i < need->required_command_count; i++)
    for (gsize c = 0; c < info->command_count; c++)
      if (info->dm_commands[c].id == need->required_commands[i] &&
          !has_method(cluster, info->commands[c].name)) {
        g_set_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT,
                    "%s: device type %s needs the command %s.%s", cluster->path, dt->name,
                    info->name, info->commands[c].name);
        return FALSE;
      }
  return TRUE;
}

gboolean
md_app_endpoint_spec_check(const MdAppEndpointSpec *spec, GError **error)
{
  const char *path = spec->path != NULL ? spec->path : "?";

  if (spec->unique_id == NULL) {
    g_set_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT, "%s: UniqueId is required", path);
    return FALSE;
  }
  if (spec->unique_id[0] == '\0' || strlen(spec->unique_id) > UNIQUE_ID_MAX ||
      !g_utf8_validate(spec->unique_id, -1, NULL)) {
    g_set_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT,
                "%s: UniqueId must be 1 to %u bytes of UTF-8", path, UNIQUE_ID_MAX);
    return FALSE;
  }
  if (!check_device_types(spec, error) || !check_string(path, "Label", spec->label, error) ||
      !check_string(path, "VendorName", spec->vendor_name, error) ||
      !check_string(path, "ProductName", spec->product_name, error) ||
      !check_string(path, "SerialNumber", spec->serial_number, error))
    return FALSE;
  for (guint i = 0; i < spec->clusters->len; i++) {
    const MdAppClusterSpec *cluster = g_ptr_array_index(spec->clusters, i);

    if (cluster->info == NULL) {
      g_set_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT, "%s: no described cluster",
                  cluster->path);
      return FALSE;
    }
    if (served_by_node(cluster->info->id)) {
      g_set_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT,
                  "%s: %s is served by matterd, not by applications", cluster->path,
                  cluster->info->name);
      return FALSE;
    }
    if (find_cluster_spec(spec, cluster->info->id) != cluster) {
      g_set_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT,
                  "%s: the endpoint has a second %s cluster", cluster->path, cluster->info->name);
      return FALSE;
    }
    if (!check_cluster(cluster, error))
      return FALSE;
  }
  for (guint i = 0; i < spec->device_types->len; i++) {
    const MatterDmDeviceType *dt = &g_array_index(spec->device_types, MatterDmDeviceType, i);
    const MdAppDeviceTypeInfo *info = md_app_device_type_by_id(dt->device_type);

    for (gsize c = 0; c < info->cluster_count; c++)
      if (info->clusters[c].mandatory && !served_by_node(info->clusters[c].cluster_id) &&
          !waived(info->clusters[c].cluster_id) &&
          !check_device_cluster(spec, info, &info->clusters[c], error))
        return FALSE;
  }
  return TRUE;
}

/* ---- Specs in the store ---- */

static GVariant *
spec_to_variant(const MdAppEndpointSpec *spec)
{
  GVariantBuilder types, clusters;

  g_variant_builder_init(&types, G_VARIANT_TYPE("a(uq)"));
  for (guint i = 0; i < spec->device_types->len; i++) {
    const MatterDmDeviceType *dt = &g_array_index(spec->device_types, MatterDmDeviceType, i);

    g_variant_builder_add(&types, "(uq)", dt->device_type, dt->revision);
  }
  g_variant_builder_init(&clusters, G_VARIANT_TYPE("a(ssua{sv}mas)"));
  for (guint i = 0; i < spec->clusters->len; i++) {
    const MdAppClusterSpec *cluster = g_ptr_array_index(spec->clusters, i);
    GVariantBuilder properties;
    GHashTableIter iter;
    gpointer key, value;

    g_variant_builder_init(&properties, G_VARIANT_TYPE_VARDICT);
    g_hash_table_iter_init(&iter, cluster->properties);
    while (g_hash_table_iter_next(&iter, &key, &value))
      g_variant_builder_add(&properties, "{sv}", key, value);
    g_variant_builder_add(
        &clusters, "(ssu@a{sv}@mas)", cluster->path != NULL ? cluster->path : "",
        cluster->info->interface, cluster->feature_map, g_variant_builder_end(&properties),
        g_variant_new_maybe(G_VARIANT_TYPE_STRING_ARRAY,
                            cluster->methods != NULL
                                ? g_variant_new_strv((const char *const *) cluster->methods, -1)
                                : NULL));
  }
  return g_variant_new(SPEC_TYPE, spec->path != NULL ? spec->path : "", spec->unique_id, &types,
                       spec->label, spec->vendor_name, spec->product_name, spec->serial_number,
                       spec->reachable, &clusters);
}

static MdAppEndpointSpec *
spec_from_variant(GVariant *variant, GError **error)
{
  g_autoptr(MdAppEndpointSpec) spec = NULL;
  g_autoptr(GVariantIter) types = NULL;
  g_autoptr(GVariantIter) clusters = NULL;
  const char *path, *unique_id, *label, *vendor, *product, *serial;
  gboolean reachable;
  guint32 type;
  guint16 revision;
  const char *cluster_path, *interface;
  guint32 feature_map;
  GVariant *properties, *methods;

  if (!g_variant_is_of_type(variant, G_VARIANT_TYPE(SPEC_TYPE))) {
    g_set_error(error, MD_ERROR, MD_ERROR_STORE_CORRUPT, "A stored endpoint has the type %s",
                g_variant_get_type_string(variant));
    return NULL;
  }
  g_variant_get(variant, "(&s&sa(uq)m&sm&sm&sm&sba(ssua{sv}mas))", &path, &unique_id, &types,
                &label, &vendor, &product, &serial, &reachable, &clusters);
  spec = md_app_endpoint_spec_new(path);
  spec->unique_id = g_strdup(unique_id);
  spec->label = g_strdup(label);
  spec->vendor_name = g_strdup(vendor);
  spec->product_name = g_strdup(product);
  spec->serial_number = g_strdup(serial);
  spec->reachable = reachable;
  while (g_variant_iter_next(types, "(uq)", &type, &revision)) {
    MatterDmDeviceType dt = { type, revision };

    g_array_append_val(spec->device_types, dt);
  }
  while (g_variant_iter_next(clusters, "(&s&su@a{sv}@mas)", &cluster_path, &interface, &feature_map,
                             &properties, &methods)) {
    const MdAppClusterInfo *info = md_app_cluster_by_interface(interface);
    g_autoptr(GVariant) owned_properties = properties;
    g_autoptr(GVariant) owned_methods = methods;
    g_autoptr(GVariant) strv = NULL;
    MdAppClusterSpec *cluster;
    GVariantIter iter;
    const char *name;
    GVariant *value;

    if (info == NULL) {
      g_set_error(error, MD_ERROR, MD_ERROR_NOT_SUPPORTED,
                  "%s: the interface %s is no longer described", cluster_path, interface);
      return NULL;
    }
    cluster = md_app_cluster_spec_new(cluster_path, info);
    g_ptr_array_add(spec->clusters, cluster);
    cluster->feature_map = feature_map;
    g_variant_iter_init(&iter, owned_properties);
    while (g_variant_iter_next(&iter, "{&sv}", &name, &value))
      g_hash_table_insert(cluster->properties, g_strdup(name), value);
    strv = g_variant_get_maybe(owned_methods);
    if (strv != NULL)
      cluster->methods = g_variant_dup_strv(strv, NULL);
  }
  return g_steal_pointer(&spec);
}

/* ---- The registry ---- */

typedef struct {
  MdAppRegistry *registry;
  guint16 number;
  gboolean bridged;
  gboolean context;
  gboolean connected;
  char *owner;
  MdAppEndpointSpec *spec;
  GArray *device_types; /* the application's, and Bridged Node */
  MatterDmEndpoint endpoint;
  GPtrArray *clusters; /* of MatterDmCluster *, ascending id */
  MatterDmCluster descriptor;
  MdBridgedBasic basic;
  MatterDmCluster basic_cluster;
  gboolean has_groups;
  MatterDmCluster groups_cluster;
  GPtrArray *proxies; /* of MdAppProxy, owned */
} AppEndpoint;

typedef enum {
  PENDING_WRITE,
  PENDING_INVOKE,
} PendingKind;

typedef struct {
  guint32 token;
  PendingKind kind;
  const MdAppCommand *command; /* invokes */
  guint32 response_id;
} Pending;

struct _MdAppRegistry {
  MdAppRegistryParams params;
  GVariant *stored;  /* STORE_TYPE's array, as committed */
  GPtrArray *served; /* of AppEndpoint, ascending number */
  GPtrArray *dm_endpoints;
  MatterDmDeviceType aggregator_types[1];
  MatterDmCluster aggregator_descriptor;
  MatterDmCluster *aggregator_clusters[1];
  MatterDmEndpoint aggregator;
  GQueue pending; /* of Pending, oldest first */
  /* The request being handed to the host, and its answer when the host
   * gave it before returning. */
  guint32 asking;
  guint32 answer_token;
  gboolean answered;
  guint8 answer_status;
  GVariant *answer_response;
};

static uint32_t
random_data_version(void)
{
  uint32_t version = 0;

  (void) matter_random((uint8_t *) &version, sizeof(version));
  return version;
}

static void
cluster_init(MatterDmCluster *cluster, const MatterDmClass *cls, guint16 endpoint, void *state)
{
  *cluster = (MatterDmCluster){
    .cls = cls,
    .endpoint = endpoint,
    .data_version = random_data_version(),
    .ticks = g_new0(uint64_t, matter_dm_tick_slots(cls)),
    .state = state,
  };
}

static guint16
device_type_revision(guint32 id, guint16 fallback)
{
  const MdAppDeviceTypeInfo *info = md_app_device_type_by_id(id);

  return info != NULL ? info->revision : fallback;
}

static gboolean
app_reachable(const AppEndpoint *ep)
{
  return ep->connected && ep->spec->reachable;
}

static void
app_endpoint_free(AppEndpoint *ep)
{
  if (ep == NULL)
    return;
  g_free(ep->descriptor.ticks);
  g_free(ep->basic_cluster.ticks);
  g_free(ep->groups_cluster.ticks);
  g_ptr_array_unref(ep->proxies);
  g_ptr_array_unref(ep->clusters);
  g_array_unref(ep->device_types);
  md_app_endpoint_spec_free(ep->spec);
  g_free(ep->owner);
  g_free(ep);
}

static int
compare_clusters(gconstpointer a, gconstpointer b)
{
  const MatterDmCluster *x = *(MatterDmCluster *const *) a;
  const MatterDmCluster *y = *(MatterDmCluster *const *) b;

  return x->cls->id < y->cls->id ? -1 : x->cls->id > y->cls->id;
}

static guint8 proxy_write(gpointer user_data, MdAppProxy *proxy, const MatterDmRequest *request,
                          gsize index, GVariant *value);
static MatterDmInvokeResult proxy_invoke(gpointer user_data, MdAppProxy *proxy,
                                         const MatterDmRequest *request, gsize index,
                                         GVariant *fields, MatterTlvWriter *response,
                                         MatterTlvTag tag);
static guint8 write_label(gpointer user_data, const MatterDmRequest *request, const char *label);

static const MdAppProxyOps proxy_ops = {
  .write = proxy_write,
  .invoke = proxy_invoke,
};

static const MdBridgedBasicOps bridged_basic_ops = {
  .write_label = write_label,
};

static void
bridged_basic_update(AppEndpoint *ep)
{
  ep->basic = (MdBridgedBasic){
    .vendor_name = ep->spec->vendor_name,
    .product_name = ep->spec->product_name,
    .node_label = ep->spec->label,
    .serial_number = ep->spec->serial_number,
    .unique_id = ep->spec->unique_id,
    .reachable = app_reachable(ep),
    .ops = &bridged_basic_ops,
    .user_data = ep,
  };
}

/* Whether one of @spec's device types needs Groups, which the node
 * serves. */
static gboolean
needs_groups(const MdAppEndpointSpec *spec)
{
  for (guint i = 0; i < spec->device_types->len; i++) {
    const MdAppDeviceTypeInfo *info = md_app_device_type_by_id(
        g_array_index(spec->device_types, MatterDmDeviceType, i).device_type);

    for (gsize c = 0; info != NULL && c < info->cluster_count; c++)
      if (info->clusters[c].cluster_id == CLUSTER_GROUPS && info->clusters[c].mandatory)
        return TRUE;
  }
  return FALSE;
}

/* The endpoint serving @spec (taken) as @number. */
static AppEndpoint *
app_endpoint_new(MdAppRegistry *registry, MdAppEndpointSpec *spec, guint16 number, gboolean bridged,
                 gboolean context, gboolean connected, const char *owner)
{
  AppEndpoint *ep = g_new0(AppEndpoint, 1);
  MatterDmDeviceType bridged_node = {
    DEVICE_TYPE_BRIDGED_NODE, device_type_revision(DEVICE_TYPE_BRIDGED_NODE, BRIDGED_NODE_REVISION)
  };

  ep->registry = registry;
  ep->number = number;
  ep->bridged = bridged;
  ep->context = context;
  ep->connected = connected;
  ep->owner = g_strdup(owner);
  ep->spec = spec;
  ep->device_types = g_array_copy(spec->device_types);
  if (bridged)
    g_array_append_val(ep->device_types, bridged_node);
  ep->clusters = g_ptr_array_new();
  ep->proxies = g_ptr_array_new_with_free_func((GDestroyNotify) md_app_proxy_free);
  cluster_init(&ep->descriptor, &md_descriptor_class, number, registry->params.dm);
  g_ptr_array_add(ep->clusters, &ep->descriptor);
  if (needs_groups(spec) && registry->params.groups != NULL) {
    ep->has_groups = TRUE;
    md_groups_cluster_init(registry->params.groups, &ep->groups_cluster, number,
                           g_new0(uint64_t, matter_dm_tick_slots(&md_groups_class)));
    g_ptr_array_add(ep->clusters, &ep->groups_cluster);
  }
  if (bridged) {
    bridged_basic_update(ep);
    cluster_init(&ep->basic_cluster, &md_bridged_basic_class, number, &ep->basic);
    g_ptr_array_add(ep->clusters, &ep->basic_cluster);
  }
  for (guint i = 0; i < spec->clusters->len; i++) {
    MdAppProxy *proxy =
        md_app_proxy_new(g_ptr_array_index(spec->clusters, i), number, &proxy_ops, ep);

    g_ptr_array_add(ep->proxies, proxy);
    g_ptr_array_add(ep->clusters, md_app_proxy_get_cluster(proxy));
  }
  g_ptr_array_sort(ep->clusters, compare_clusters);
  ep->endpoint = (MatterDmEndpoint){
    .id = number,
    .device_types = (const MatterDmDeviceType *) ep->device_types->data,
    .device_type_count = ep->device_types->len,
    .clusters = (MatterDmCluster **) ep->clusters->pdata,
    .cluster_count = ep->clusters->len,
    .parent = bridged ? MD_APP_AGGREGATOR_ENDPOINT : 0,
  };
  return ep;
}

static AppEndpoint *
find_served(MdAppRegistry *registry, guint16 number)
{
  for (guint i = 0; i < registry->served->len; i++) {
    AppEndpoint *ep = g_ptr_array_index(registry->served, i);

    if (ep->number == number)
      return ep;
  }
  return NULL;
}

static int
compare_served(gconstpointer a, gconstpointer b)
{
  const AppEndpoint *x = *(AppEndpoint *const *) a;
  const AppEndpoint *y = *(AppEndpoint *const *) b;

  return (int) x->number - (int) y->number;
}

/* The data model's endpoints: the root, the Aggregator, then the
 * applications' in ascending number. */
static void
rebuild_endpoints(MdAppRegistry *registry)
{
  MatterDmNode *dm = registry->params.dm;

  g_ptr_array_sort(registry->served, compare_served);
  g_ptr_array_set_size(registry->dm_endpoints, 0);
  g_ptr_array_add(registry->dm_endpoints, registry->params.root);
  g_ptr_array_add(registry->dm_endpoints, &registry->aggregator);
  for (guint i = 0; i < registry->served->len; i++) {
    AppEndpoint *ep = g_ptr_array_index(registry->served, i);

    g_ptr_array_add(registry->dm_endpoints, &ep->endpoint);
  }
  dm->endpoints = (MatterDmEndpoint **) registry->dm_endpoints->pdata;
  dm->endpoint_count = registry->dm_endpoints->len;
}

/* Endpoints came or went: both PartsLists change. */
static void
endpoints_changed(MdAppRegistry *registry)
{
  rebuild_endpoints(registry);
  matter_dm_mark(registry->params.dm, registry->params.root_descriptor, ATTR_PARTS_LIST);
  matter_dm_mark(registry->params.dm, &registry->aggregator_descriptor, ATTR_PARTS_LIST);
  if (registry->params.engine != NULL)
    matter_im_engine_changed(registry->params.engine);
}

/* Every attribute of @cluster changed (an endpoint replaced in place). */
static void
mark_all(MatterDmNode *dm, MatterDmCluster *cluster)
{
  static const uint32_t globals[] = { MATTER_DM_ATTR_GENERATED_COMMAND_LIST,
                                      MATTER_DM_ATTR_ACCEPTED_COMMAND_LIST,
                                      MATTER_DM_ATTR_ATTRIBUTE_LIST, MATTER_DM_ATTR_FEATURE_MAP,
                                      MATTER_DM_ATTR_CLUSTER_REVISION };

  for (gsize i = 0; i < cluster->cls->attribute_count; i++)
    matter_dm_mark(dm, cluster, cluster->cls->attributes[i].id);
  for (gsize i = 0; i < G_N_ELEMENTS(globals); i++)
    matter_dm_mark(dm, cluster, globals[i]);
}

/* @ep takes @old's place: data versions carry on from @old's. */
static void
carry_versions(MdAppRegistry *registry, AppEndpoint *ep, const AppEndpoint *old)
{
  for (guint i = 0; i < ep->clusters->len; i++) {
    MatterDmCluster *cluster = g_ptr_array_index(ep->clusters, i);

    for (guint j = 0; j < old->clusters->len; j++) {
      const MatterDmCluster *before = g_ptr_array_index(old->clusters, j);

      if (before->cls->id == cluster->cls->id)
        cluster->data_version = before->data_version;
    }
    mark_all(registry->params.dm, cluster);
  }
}

/* ---- The store ---- */

static gboolean
stored_lookup(MdAppRegistry *registry, const char *unique_id, guint16 *number)
{
  GVariantIter iter;
  const char *id;
  guint16 n;

  g_variant_iter_init(&iter, registry->stored);
  while (g_variant_iter_next(&iter, "(&sqbbmv)", &id, &n, NULL, NULL, NULL))
    if (strcmp(id, unique_id) == 0) {
      *number = n;
      return TRUE;
    }
  return FALSE;
}

static guint
stored_next_number(MdAppRegistry *registry)
{
  GVariantIter iter;
  guint16 n;
  guint next = MD_APP_FIRST_ENDPOINT;

  g_variant_iter_init(&iter, registry->stored);
  while (g_variant_iter_next(&iter, "(&sqbbmv)", NULL, &n, NULL, NULL, NULL))
    next = MAX(next, (guint) n + 1);
  return next;
}

/* The stored table with @updates (unique id -> ENTRY_TYPE) in place of
 * their entries, or added. */
static GVariant *
stored_with(MdAppRegistry *registry, GHashTable *updates)
{
  GVariantBuilder entries;
  GVariantIter iter;
  g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
  GHashTableIter updates_iter;
  gpointer key, value;

  g_variant_builder_init(&entries, G_VARIANT_TYPE("a" ENTRY_TYPE));
  g_variant_iter_init(&iter, registry->stored);
  for (;;) {
    g_autoptr(GVariant) entry = g_variant_iter_next_value(&iter);
    const char *id;
    gpointer update_key, update;

    if (entry == NULL)
      break;
    g_variant_get_child(entry, 0, "&s", &id);
    if (g_hash_table_lookup_extended(updates, id, &update_key, &update)) {
      g_variant_builder_add_value(&entries, update);
      g_hash_table_add(seen, update_key);
    } else {
      g_variant_builder_add_value(&entries, entry);
    }
  }
  g_hash_table_iter_init(&updates_iter, updates);
  while (g_hash_table_iter_next(&updates_iter, &key, &value))
    if (!g_hash_table_contains(seen, key))
      g_variant_builder_add_value(&entries, value);
  return g_variant_ref_sink(g_variant_builder_end(&entries));
}

/* Stores @table (the whole STORE_TYPE array) in one transaction and makes
 * it the committed one. */
static gboolean
put_table(MdAppRegistry *registry, GVariant *table, GError **error)
{
  g_autoptr(GVariant) whole =
      g_variant_ref_sink(g_variant_new("(u@a" ENTRY_TYPE ")", STORE_VERSION, table));
  g_autoptr(GBytes) bytes = g_variant_get_data_as_bytes(whole);

  return md_node_storage_put_bytes(registry->params.storage, STORE_KEY, bytes, error);
}

/* Stores @table in one transaction, and with it, when @forget_groups is
 * not 0, the removal of that endpoint's Group Table rows; memory follows
 * once it committed. */
static gboolean
store_table(MdAppRegistry *registry, GVariant *table, guint16 forget_groups, GError **error)
{
  const MdNodeStorage *storage = registry->params.storage;
  MdGroups *groups = forget_groups != 0 ? registry->params.groups : NULL;

  if (!md_node_storage_begin(storage, error))
    return FALSE;
  if (!put_table(registry, table, error) ||
      (groups != NULL && !md_groups_stage_remove_endpoint(groups, forget_groups, error)) ||
      !md_node_storage_commit(storage, error)) {
    md_node_storage_rollback(storage);
    return FALSE;
  }
  g_variant_unref(registry->stored);
  registry->stored = g_variant_ref(table);
  if (groups != NULL)
    md_groups_apply_remove_endpoint(groups, forget_groups);
  return TRUE;
}

static gboolean
load_stored(MdAppRegistry *registry, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GBytes) bytes =
      md_node_storage_get_bytes(registry->params.storage, STORE_KEY, &local_error);
  g_autoptr(GVariant) whole = NULL;
  guint32 version;

  if (bytes == NULL) {
    if (!g_error_matches(local_error, MD_ERROR, MD_ERROR_NOT_FOUND)) {
      g_propagate_error(error, g_steal_pointer(&local_error));
      return FALSE;
    }
    registry->stored = g_variant_ref_sink(g_variant_new_array(G_VARIANT_TYPE(ENTRY_TYPE), NULL, 0));
    return TRUE;
  }
  whole = g_variant_ref_sink(g_variant_new_from_bytes(G_VARIANT_TYPE(STORE_TYPE), bytes, FALSE));
  if (!g_variant_is_normal_form(whole)) {
    g_set_error(error, MD_ERROR, MD_ERROR_STORE_CORRUPT, "The stored %s is not well-formed",
                STORE_KEY);
    return FALSE;
  }
  g_variant_get(whole, "(u@a" ENTRY_TYPE ")", &version, &registry->stored);
  if (version != STORE_VERSION) {
    g_clear_pointer(&registry->stored, g_variant_unref);
    g_set_error(error, MD_ERROR, MD_ERROR_STORE_VERSION, "The stored %s has version %u, not %u",
                STORE_KEY, version, STORE_VERSION);
    return FALSE;
  }
  return TRUE;
}

/* Every stored registration, served unreachable. One that this build can
 * no longer serve is left out (its number stays taken). */
static void
restore_endpoints(MdAppRegistry *registry)
{
  GVariantIter iter;
  const char *id;
  guint16 number;
  gboolean bridged, context;

  g_variant_iter_init(&iter, registry->stored);
  for (;;) {
    g_autoptr(GVariant) spec_variant = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(MdAppEndpointSpec) spec = NULL;

    if (!g_variant_iter_next(&iter, "(&sqbbmv)", &id, &number, &bridged, &context, &spec_variant))
      break;
    if (spec_variant == NULL)
      continue;
    spec = spec_from_variant(spec_variant, &error);
    if (spec == NULL || !md_app_endpoint_spec_check(spec, &error)) {
      g_warning("Endpoint %u (UniqueId %s) is not served: %s", number, id, error->message);
      continue;
    }
    g_ptr_array_add(registry->served, app_endpoint_new(registry, g_steal_pointer(&spec), number,
                                                       bridged, context, FALSE, NULL));
  }
}

/* AddGroupIfIdentifying: the application's Identify says so. */
static gboolean
endpoint_identifying(gpointer user_data, guint16 endpoint)
{
  MdAppRegistry *registry = user_data;
  const AppEndpoint *ep = find_served(registry, endpoint);

  for (guint i = 0; ep != NULL && i < ep->proxies->len; i++) {
    MdAppClusterSpec *spec = md_app_proxy_get_spec(g_ptr_array_index(ep->proxies, i));
    GVariant *time;

    if (spec->info->id != CLUSTER_IDENTIFY)
      continue;
    time = g_hash_table_lookup(spec->properties, "IdentifyTime");
    return time != NULL && g_variant_is_of_type(time, G_VARIANT_TYPE_UINT16) &&
           g_variant_get_uint16(time) > 0;
  }
  return FALSE;
}

static const MdGroupsOps groups_ops = {
  .identifying = endpoint_identifying,
};

MdAppRegistry *
md_app_registry_new(const MdAppRegistryParams *params, GError **error)
{
  MdAppRegistry *registry = g_new0(MdAppRegistry, 1);

  registry->params = *params;
  registry->served = g_ptr_array_new_with_free_func((GDestroyNotify) app_endpoint_free);
  registry->dm_endpoints = g_ptr_array_new();
  g_queue_init(&registry->pending);
  registry->aggregator_types[0] =
      (MatterDmDeviceType){ DEVICE_TYPE_AGGREGATOR,
                            device_type_revision(DEVICE_TYPE_AGGREGATOR, AGGREGATOR_REVISION) };
  cluster_init(&registry->aggregator_descriptor, &md_descriptor_class, MD_APP_AGGREGATOR_ENDPOINT,
               params->dm);
  registry->aggregator_clusters[0] = &registry->aggregator_descriptor;
  registry->aggregator = (MatterDmEndpoint){
    .id = MD_APP_AGGREGATOR_ENDPOINT,
    .device_types = registry->aggregator_types,
    .device_type_count = 1,
    .clusters = registry->aggregator_clusters,
    .cluster_count = 1,
  };
  if (!load_stored(registry, error)) {
    md_app_registry_free(registry);
    return NULL;
  }
  restore_endpoints(registry);
  rebuild_endpoints(registry);
  if (params->groups != NULL)
    md_groups_set_ops(params->groups, &groups_ops, registry);
  return registry;
}

void
md_app_registry_free(MdAppRegistry *registry)
{
  if (registry == NULL)
    return;
  g_ptr_array_unref(registry->served);
  g_ptr_array_unref(registry->dm_endpoints);
  g_queue_clear_full(&registry->pending, g_free);
  g_clear_pointer(&registry->answer_response, g_variant_unref);
  g_free(registry->aggregator_descriptor.ticks);
  g_clear_pointer(&registry->stored, g_variant_unref);
  g_free(registry);
}

/* ---- Writes and invokes for the applications ---- */

static gboolean
can_ask(const AppEndpoint *ep)
{
  return ep->connected && ep->registry->params.host != NULL;
}

/* Remembers what @token is for. The engine waits for at most
 * MATTER_IM_ENGINE_PENDING of them, each for the same time, so the oldest
 * beyond that number are tokens it gave up on. */
static void
pending_add(MdAppRegistry *registry, guint32 token, PendingKind kind, const MdAppCommand *command,
            guint32 response_id)
{
  Pending *pending = g_new0(Pending, 1);

  while (registry->pending.length >= MATTER_IM_ENGINE_PENDING)
    g_free(g_queue_pop_head(&registry->pending));
  *pending = (Pending){ token, kind, command, response_id };
  g_queue_push_tail(&registry->pending, pending);
}

static Pending *
pending_take(MdAppRegistry *registry, guint32 token)
{
  for (GList *l = registry->pending.head; l != NULL; l = l->next) {
    Pending *pending = l->data;

    if (pending->token == token) {
      g_queue_delete_link(&registry->pending, l);
      return pending;
    }
  }
  return NULL;
}

/* Around a call of the host: an answer it gives before returning is the
 * request's answer there and then (the engine knows no pending token
 * yet). */
static void
ask_begin(MdAppRegistry *registry, guint32 token)
{
  registry->asking = token;
  registry->answered = FALSE;
}

/* TRUE when the host answered already: answer_status, answer_response. */
static gboolean
ask_end(MdAppRegistry *registry)
{
  gboolean answered = registry->answered;

  registry->asking = 0;
  registry->answered = FALSE;
  if (answered)
    g_free(pending_take(registry, registry->answer_token));
  return answered;
}

static guint8
forward_write(AppEndpoint *ep, const MatterDmRequest *request, const MdAppClusterInfo *info,
              const char *property, GVariant *value)
{
  MdAppRegistry *registry = ep->registry;
  g_autoptr(GVariant) owned = g_variant_ref_sink(value);

  if (!can_ask(ep))
    return MATTER_IM_STATUS_FAILURE;
  if (request->pending_token == 0)
    return MATTER_IM_STATUS_BUSY;
  pending_add(registry, request->pending_token, PENDING_WRITE, NULL, MATTER_DM_NO_RESPONSE);
  ask_begin(registry, request->pending_token);
  registry->params.host->write(registry->params.host_data, ep->number, info, property, owned,
                               request->pending_token);
  if (!ask_end(registry))
    return MATTER_DM_STATUS_PENDING;
  g_clear_pointer(&registry->answer_response, g_variant_unref);
  return registry->answer_status == MATTER_DM_STATUS_PENDING ? MATTER_IM_STATUS_FAILURE
                                                             : registry->answer_status;
}

static guint8
proxy_write(gpointer user_data, MdAppProxy *proxy, const MatterDmRequest *request, gsize index,
            GVariant *value)
{
  const MdAppClusterInfo *info = md_app_proxy_get_spec(proxy)->info;

  return forward_write(user_data, request, info, info->attributes[index].name, value);
}

static guint8
write_label(gpointer user_data, const MatterDmRequest *request, const char *label)
{
  return forward_write(user_data, request, NULL, "Label", g_variant_new_string(label));
}

/* The result of @command answered @status with @response (a tuple of
 * its response fields, or NULL), the response's fields written to @w with
 * @tag. */
static MatterDmInvokeResult
invoke_result(const MdAppCommand *command, guint32 response_id, guint8 status, GVariant *response,
              MatterTlvWriter *w, MatterTlvTag tag)
{
  MatterDmInvokeResult result = { .status = status };
  g_autoptr(GVariant) empty = NULL;
  g_autoptr(GError) error = NULL;
  MatterTlvWriter saved = *w;

  if (status == MATTER_DM_STATUS_PENDING)
    result.status = MATTER_IM_STATUS_FAILURE;
  if (result.status != MATTER_IM_STATUS_SUCCESS || response_id == MATTER_DM_NO_RESPONSE)
    return result;
  if (response == NULL && command->response_field_count == 0)
    response = empty = g_variant_ref_sink(g_variant_new_tuple(NULL, 0));
  if (response == NULL ||
      !md_app_fields_check(command->response_fields, command->response_field_count, response,
                           command->name, &error) ||
      md_app_fields_to_tlv(command->response_fields, command->response_field_count, response, w,
                           tag) != MATTER_OK) {
    g_warning("The application's answer to %s is unusable: %s", command->name,
              error != NULL ? error->message : "it does not fit");
    *w = saved;
    return (MatterDmInvokeResult){ .status = MATTER_IM_STATUS_FAILURE };
  }
  result.has_response = true;
  result.response_id = response_id;
  return result;
}

/* @fields with the context dictionary after them. */
static GVariant *
with_context(GVariant *fields, const MatterDmRequest *request)
{
  GVariantBuilder args, context;
  GVariantIter iter;
  GVariant *child;
  guint64 subject = 0;

  if (request->subject != NULL && request->subject->auth_mode == MATTER_ACL_AUTH_CASE &&
      request->subject->subject_count > 0)
    subject = request->subject->subjects[0];
  g_variant_builder_init(&context, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add(
      &context, "{sv}", "FabricIndex",
      g_variant_new_byte(request->subject != NULL ? request->subject->fabric_index : 0));
  g_variant_builder_add(&context, "{sv}", "SubjectNodeId", g_variant_new_uint64(subject));
  g_variant_builder_add(&context, "{sv}", "Timed", g_variant_new_boolean(request->timed));
  g_variant_builder_init(&args, G_VARIANT_TYPE_TUPLE);
  g_variant_iter_init(&iter, fields);
  while ((child = g_variant_iter_next_value(&iter)) != NULL) {
    g_variant_builder_add_value(&args, child);
    g_variant_unref(child);
  }
  g_variant_builder_add_value(&args, g_variant_builder_end(&context));
  return g_variant_builder_end(&args);
}

static MatterDmInvokeResult
proxy_invoke(gpointer user_data, MdAppProxy *proxy, const MatterDmRequest *request, gsize index,
             GVariant *fields, MatterTlvWriter *response, MatterTlvTag tag)
{
  AppEndpoint *ep = user_data;
  MdAppRegistry *registry = ep->registry;
  const MdAppClusterInfo *info = md_app_proxy_get_spec(proxy)->info;
  g_autoptr(GVariant) args = NULL;
  MatterDmInvokeResult result;

  if (!can_ask(ep))
    return (MatterDmInvokeResult){ .status = MATTER_IM_STATUS_FAILURE };
  if (request->pending_token == 0)
    return (MatterDmInvokeResult){ .status = MATTER_IM_STATUS_BUSY };
  args = ep->context ? g_variant_ref_sink(with_context(fields, request)) : g_variant_ref(fields);
  pending_add(registry, request->pending_token, PENDING_INVOKE, &info->commands[index],
              info->dm_commands[index].response_id);
  ask_begin(registry, request->pending_token);
  registry->params.host->invoke(registry->params.host_data, ep->number, info,
                                &info->commands[index], args, request->pending_token);
  if (!ask_end(registry))
    return (MatterDmInvokeResult){ .status = MATTER_DM_STATUS_PENDING };
  result = invoke_result(&info->commands[index], info->dm_commands[index].response_id,
                         registry->answer_status, registry->answer_response, response, tag);
  g_clear_pointer(&registry->answer_response, g_variant_unref);
  return result;
}

static void
complete_invoke(MdAppRegistry *registry, const Pending *pending, guint8 status, GVariant *response,
                guint64 now_ms)
{
  g_autofree guint8 *buf = g_malloc(MATTER_IM_VALUE_MAX);
  MatterDmInvokeResult result;
  MatterTlvWriter w;
  size_t len = 0;

  matter_tlv_writer_init(&w, buf, MATTER_IM_VALUE_MAX);
  result = invoke_result(pending->command, pending->response_id, status, response, &w,
                         matter_tlv_tag_context(1));
  if (result.has_response && matter_tlv_writer_finish(&w, &len) != MATTER_OK) {
    g_warning("The application's answer to %s does not fit", pending->command->name);
    result = (MatterDmInvokeResult){ .status = MATTER_IM_STATUS_FAILURE };
  }
  matter_im_engine_complete_invoke(registry->params.engine, pending->token, &result,
                                   result.has_response ? buf : NULL, len, now_ms);
}

void
md_node_app_complete(MdNode *node, guint32 token, guint8 status, GVariant *response, guint64 now_ms)
{
  MdAppRegistry *registry = md_node_get_app_registry(node);
  g_autofree Pending *pending = NULL;

  if (token != 0 && token == registry->asking && !registry->answered) {
    registry->answered = TRUE;
    registry->answer_token = token;
    registry->answer_status = status;
    registry->answer_response = response != NULL ? g_variant_ref_sink(response) : NULL;
    return;
  }
  pending = pending_take(registry, token);
  if (pending == NULL) {
    g_debug("The application answered request %u, which is over", token);
    return;
  }
  if (pending->kind == PENDING_WRITE && status == MATTER_DM_STATUS_PENDING)
    status = MATTER_IM_STATUS_FAILURE;
  if (pending->kind == PENDING_WRITE)
    matter_im_engine_complete_write(registry->params.engine, token, status, now_ms);
  else
    complete_invoke(registry, pending, status, response, now_ms);
}

/* ---- What the host asks ---- */

static void emit_reachable_changed(MdAppRegistry *registry, AppEndpoint *ep, guint64 now_ms);

static gboolean
check_specs(GPtrArray *specs, GError **error)
{
  for (guint i = 0; i < specs->len; i++) {
    const MdAppEndpointSpec *spec = g_ptr_array_index(specs, i);

    if (!md_app_endpoint_spec_check(spec, error))
      return FALSE;
    for (guint j = 0; j < i; j++)
      if (strcmp(((const MdAppEndpointSpec *) g_ptr_array_index(specs, j))->unique_id,
                 spec->unique_id) == 0) {
        g_set_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT, "%s: UniqueId %s is also %s's",
                    spec->path, spec->unique_id,
                    ((const MdAppEndpointSpec *) g_ptr_array_index(specs, j))->path);
        return FALSE;
      }
  }
  return TRUE;
}

/* Numbers for @specs: a UniqueId's own, or the next never given. */
static gboolean
choose_numbers(MdAppRegistry *registry, GPtrArray *specs, guint16 *numbers, GError **error)
{
  guint next = stored_next_number(registry);
  guint served = registry->served->len;

  for (guint i = 0; i < specs->len; i++) {
    const MdAppEndpointSpec *spec = g_ptr_array_index(specs, i);

    if (stored_lookup(registry, spec->unique_id, &numbers[i]) &&
        find_served(registry, numbers[i]) != NULL)
      continue;
    if (++served > MD_APP_ENDPOINTS_MAX) {
      g_set_error(error, MD_ERROR, MD_ERROR_BUSY, "%s: matterd serves %u endpoints already",
                  spec->path, MD_APP_ENDPOINTS_MAX);
      return FALSE;
    }
    if (stored_lookup(registry, spec->unique_id, &numbers[i]))
      continue;
    if (next > ENDPOINT_NUMBER_MAX) {
      g_set_error(error, MD_ERROR, MD_ERROR_BUSY, "%s: no endpoint number is left", spec->path);
      return FALSE;
    }
    numbers[i] = (guint16) next++;
  }
  return TRUE;
}

gboolean
md_node_app_register(MdNode *node, GPtrArray *specs, gboolean bridged, gboolean context,
                     const char *owner, guint16 *numbers, guint64 now_ms, GError **error)
{
  MdAppRegistry *registry = md_node_get_app_registry(node);
  g_autoptr(GHashTable) updates =
      g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify) g_variant_unref);
  g_autoptr(GPtrArray) copies =
      g_ptr_array_new_with_free_func((GDestroyNotify) md_app_endpoint_spec_free);
  g_autoptr(GPtrArray) came_back = g_ptr_array_new();
  g_autoptr(GVariant) table = NULL;
  g_autofree guint16 *chosen = g_new0(guint16, MAX(specs->len, 1));

  if (!check_specs(specs, error) || !choose_numbers(registry, specs, chosen, error))
    return FALSE;
  for (guint i = 0; i < specs->len; i++) {
    const MdAppEndpointSpec *spec = g_ptr_array_index(specs, i);
    GVariant *spec_variant = g_variant_ref_sink(spec_to_variant(spec));
    GVariant *entry =
        g_variant_new(ENTRY_TYPE, spec->unique_id, chosen[i], bridged, context, spec_variant);

    g_ptr_array_add(copies, spec_copy(spec));
    g_variant_unref(spec_variant);
    g_hash_table_insert(updates, spec->unique_id, g_variant_ref_sink(entry));
  }
  table = stored_with(registry, updates);
  if (!store_table(registry, table, 0, error)) {
    g_prefix_error(error, "Cannot store the endpoints: ");
    return FALSE;
  }

  for (guint i = 0; i < specs->len; i++) {
    AppEndpoint *ep = app_endpoint_new(registry, g_steal_pointer(&copies->pdata[i]), chosen[i],
                                       bridged, context, TRUE, owner);
    AppEndpoint *old = find_served(registry, chosen[i]);

    gboolean was_reachable = old != NULL && app_reachable(old);

    if (old != NULL) {
      carry_versions(registry, ep, old);
      g_ptr_array_remove(registry->served, old);
    }
    g_ptr_array_add(registry->served, ep);
    /* A device coming back (after a restart, or its application's), or
     * registered unreachable in place of a reachable one. */
    if (ep->bridged && old != NULL && was_reachable != app_reachable(ep))
      g_ptr_array_add(came_back, ep);
    g_message("Endpoint %u (UniqueId %s) served for %s", ep->number, ep->spec->unique_id,
              owner != NULL ? owner : "the host");
    if (numbers != NULL)
      numbers[i] = chosen[i];
  }
  endpoints_changed(registry);
  /* Only now that the data model names the new endpoints, not the ones
   * they replaced: logging an event makes the engine look at them. */
  for (guint i = 0; i < came_back->len; i++)
    emit_reachable_changed(registry, g_ptr_array_index(came_back, i), now_ms);
  md_node_changed(node, MD_NODE_CHANGE_ENDPOINTS);
  return TRUE;
}

/* Reachable may have changed: the attribute, its event, the host. */
static void
reachability_changed(MdNode *node, AppEndpoint *ep, gboolean was, guint64 now_ms)
{
  MdAppRegistry *registry = ep->registry;
  gboolean now = app_reachable(ep);

  if (ep->bridged)
    ep->basic.reachable = now;
  if (was == now)
    return;
  if (ep->bridged) {
    matter_dm_mark(registry->params.dm, &ep->basic_cluster, MD_BRIDGED_BASIC_ATTR_REACHABLE);
    emit_reachable_changed(registry, ep, now_ms);
  }
  if (registry->params.engine != NULL)
    matter_im_engine_changed(registry->params.engine);
  md_node_changed(node, MD_NODE_CHANGE_ENDPOINTS);
}

void
md_node_app_set_connected(MdNode *node, guint16 endpoint, gboolean connected, guint64 now_ms)
{
  MdAppRegistry *registry = md_node_get_app_registry(node);
  AppEndpoint *ep = find_served(registry, endpoint);
  gboolean was;

  if (ep == NULL || ep->connected == connected)
    return;
  was = app_reachable(ep);
  ep->connected = connected;
  if (!connected)
    g_clear_pointer(&ep->owner, g_free);
  reachability_changed(node, ep, was, now_ms);
}

gboolean
md_node_app_forget(MdNode *node, guint16 endpoint, guint64 now_ms, GError **error)
{
  MdAppRegistry *registry = md_node_get_app_registry(node);
  AppEndpoint *ep = find_served(registry, endpoint);
  g_autoptr(GHashTable) updates = NULL;
  g_autoptr(GVariant) table = NULL;

  if (ep == NULL) {
    g_set_error(error, MD_ERROR, MD_ERROR_NOT_FOUND, "No application endpoint %u", endpoint);
    return FALSE;
  }
  updates = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify) g_variant_unref);
  g_hash_table_insert(updates, ep->spec->unique_id,
                      g_variant_ref_sink(g_variant_new(ENTRY_TYPE, ep->spec->unique_id, ep->number,
                                                       ep->bridged, ep->context, NULL)));
  table = stored_with(registry, updates);
  /* Its groups go with it, in the same transaction: the same UniqueId
   * registered again later gets its number back, not its old groups. */
  if (!store_table(registry, table, ep->has_groups ? endpoint : 0, error)) {
    g_prefix_error(error, "Cannot forget endpoint %u: ", endpoint);
    return FALSE;
  }
  g_message("Endpoint %u (UniqueId %s) is no longer served", endpoint, ep->spec->unique_id);
  g_ptr_array_remove(registry->served, ep);
  endpoints_changed(registry);
  md_node_changed(node, MD_NODE_CHANGE_ENDPOINTS);
  return TRUE;
}

static MdAppProxy *
find_proxy(AppEndpoint *ep, const MdAppClusterInfo *cluster)
{
  for (guint i = 0; i < ep->proxies->len; i++) {
    MdAppProxy *proxy = g_ptr_array_index(ep->proxies, i);

    if (md_app_proxy_get_spec(proxy)->info == cluster)
      return proxy;
  }
  return NULL;
}

static gboolean
replace_string(char **field, GVariant *value, const char *path, const char *name, GError **error)
{
  if (!g_variant_is_of_type(value, G_VARIANT_TYPE_STRING)) {
    g_set_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT, "%s: %s must be a string (s), not %s",
                path, name, g_variant_get_type_string(value));
    return FALSE;
  }
  if (!check_string(path, name, g_variant_get_string(value, NULL), error))
    return FALSE;
  g_free(*field);
  *field = g_variant_dup_string(value, NULL);
  return TRUE;
}

/* Whether @value (DeviceTypes, a(qq)) lists @spec's device types. */
static gboolean
same_device_types(const MdAppEndpointSpec *spec, GVariant *value)
{
  if (!g_variant_is_of_type(value, G_VARIANT_TYPE("a(qq)")) ||
      g_variant_n_children(value) != spec->device_types->len)
    return FALSE;
  for (guint i = 0; i < spec->device_types->len; i++) {
    const MatterDmDeviceType *dt = &g_array_index(spec->device_types, MatterDmDeviceType, i);
    guint16 id, revision;

    g_variant_get_child(value, i, "(qq)", &id, &revision);
    if (id != dt->device_type || revision != dt->revision)
      return FALSE;
  }
  return TRUE;
}

/* A property of the Endpoint1 object. */
static gboolean
set_endpoint_property(MdNode *node, AppEndpoint *ep, const char *property, GVariant *value,
                      guint64 now_ms, GError **error)
{
  MdAppRegistry *registry = ep->registry;
  MdAppEndpointSpec *spec = ep->spec;
  guint32 attribute;
  char **field;

  if (strcmp(property, "Reachable") == 0) {
    gboolean was = app_reachable(ep);

    if (!g_variant_is_of_type(value, G_VARIANT_TYPE_BOOLEAN)) {
      g_set_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT,
                  "%s: Reachable must be a boolean (b), not %s", spec->path,
                  g_variant_get_type_string(value));
      return FALSE;
    }
    spec->reachable = g_variant_get_boolean(value);
    reachability_changed(node, ep, was, now_ms);
    return TRUE;
  }
  if (strcmp(property, "Label") == 0) {
    field = &spec->label;
    attribute = MD_BRIDGED_BASIC_ATTR_NODE_LABEL;
  } else if (strcmp(property, "VendorName") == 0) {
    field = &spec->vendor_name;
    attribute = BRIDGED_BASIC_ATTR_VENDOR_NAME;
  } else if (strcmp(property, "ProductName") == 0) {
    field = &spec->product_name;
    attribute = BRIDGED_BASIC_ATTR_PRODUCT_NAME;
  } else if (strcmp(property, "SerialNumber") == 0) {
    field = &spec->serial_number;
    attribute = BRIDGED_BASIC_ATTR_SERIAL_NUMBER;
  } else if (strcmp(property, "UniqueId") == 0 &&
             g_variant_is_of_type(value, G_VARIANT_TYPE_STRING) &&
             g_strcmp0(g_variant_get_string(value, NULL), spec->unique_id) == 0) {
    return TRUE; /* told again, unchanged */
  } else if (strcmp(property, "DeviceTypes") == 0 && same_device_types(spec, value)) {
    return TRUE;
  } else {
    g_set_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT,
                "%s: %s cannot change while the endpoint is registered", spec->path, property);
    return FALSE;
  }
  if (!replace_string(field, value, spec->path, property, error))
    return FALSE;
  if (ep->bridged) {
    gboolean reachable = ep->basic.reachable;

    bridged_basic_update(ep);
    ep->basic.reachable = reachable;
    matter_dm_mark(registry->params.dm, &ep->basic_cluster, attribute);
    /* An optional attribute may have come. */
    matter_dm_mark(registry->params.dm, &ep->basic_cluster, MATTER_DM_ATTR_ATTRIBUTE_LIST);
  }
  if (registry->params.engine != NULL)
    matter_im_engine_changed(registry->params.engine);
  return TRUE;
}

gboolean
md_node_app_set_property(MdNode *node, guint16 endpoint, const MdAppClusterInfo *cluster,
                         const char *property, GVariant *value, guint64 now_ms, GError **error)
{
  MdAppRegistry *registry = md_node_get_app_registry(node);
  AppEndpoint *ep = find_served(registry, endpoint);
  MdAppProxy *proxy;
  MdAppClusterSpec *spec;
  g_autofree char *what = NULL;
  gboolean was_present;
  int index;

  if (ep == NULL) {
    g_set_error(error, MD_ERROR, MD_ERROR_NOT_FOUND, "No application endpoint %u", endpoint);
    return FALSE;
  }
  if (cluster == NULL)
    return set_endpoint_property(node, ep, property, value, now_ms, error);
  proxy = find_proxy(ep, cluster);
  if (proxy == NULL) {
    g_set_error(error, MD_ERROR, MD_ERROR_NOT_FOUND, "Endpoint %u has no %s cluster", endpoint,
                cluster->name);
    return FALSE;
  }
  spec = md_app_proxy_get_spec(proxy);
  index = md_app_cluster_find_attribute(cluster, property);
  if (strcmp(property, "FeatureMap") == 0 && g_variant_is_of_type(value, G_VARIANT_TYPE_UINT32) &&
      g_variant_get_uint32(value) == spec->feature_map)
    return TRUE; /* told again, unchanged */
  if (index < 0) {
    g_set_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT, "%s: %s is not an attribute of %s%s",
                spec->path, property, cluster->name,
                strcmp(property, "FeatureMap") == 0 ? " that can change" : "");
    return FALSE;
  }
  if (!md_app_conformance_allows(&cluster->attributes[index].conformance, spec->feature_map)) {
    g_set_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT,
                "%s: %s.%s is not allowed with FeatureMap 0x%X", spec->path, cluster->name,
                property, spec->feature_map);
    return FALSE;
  }
  what = g_strdup_printf("%s.%s", cluster->name, property);
  if (!md_app_value_check(cluster->attributes[index].type, cluster->attributes[index].flags, value,
                          what, error)) {
    g_prefix_error(error, "%s: ", spec->path);
    return FALSE;
  }
  was_present = md_app_proxy_attribute_present(proxy, (gsize) index);
  g_hash_table_insert(spec->properties, g_strdup(property), g_variant_ref_sink(value));
  matter_dm_mark(registry->params.dm, md_app_proxy_get_cluster(proxy),
                 cluster->dm_attributes[index].id);
  if (!was_present)
    matter_dm_mark(registry->params.dm, md_app_proxy_get_cluster(proxy),
                   MATTER_DM_ATTR_ATTRIBUTE_LIST);
  if (registry->params.engine != NULL)
    matter_im_engine_changed(registry->params.engine);
  return TRUE;
}

/* ---- Events ---- */

typedef struct {
  gboolean reachable;
} ReachableFields;

static MatterError
encode_reachable_changed(void *user_data, MatterTlvWriter *w, MatterTlvTag tag)
{
  const ReachableFields *fields = user_data;

  return md_bridged_basic_encode_reachable_changed(fields->reachable, w, tag);
}

static void
log_event(MdAppRegistry *registry, const MatterEvent *event, guint64 now_ms)
{
  MatterError err = matter_event_log_emit(registry->params.events, event, now_ms, NULL);

  if (err != MATTER_OK) {
    g_warning("Cannot log event 0x%02X of cluster 0x%04X on endpoint %u: %s", event->event,
              event->cluster, event->endpoint, matter_error_str(err));
    return;
  }
  if (registry->params.engine != NULL)
    matter_im_engine_changed(registry->params.engine);
}

static void
emit_reachable_changed(MdAppRegistry *registry, AppEndpoint *ep, guint64 now_ms)
{
  ReachableFields fields = { app_reachable(ep) };
  const MatterEvent event = {
    .endpoint = ep->number,
    .cluster = CLUSTER_BRIDGED_BASIC,
    .event = MD_BRIDGED_BASIC_EVENT_REACHABLE_CHANGED,
    .priority = MATTER_EVENT_PRIORITY_INFO,
    .encode = encode_reachable_changed,
    .encode_data = &fields,
  };

  log_event(registry, &event, now_ms);
}

gboolean
md_node_app_emit_event(MdNode *node, guint16 endpoint, const MdAppClusterInfo *cluster,
                       const MdAppEvent *event, GVariant *args, guint64 now_ms, GError **error)
{
  MdAppRegistry *registry = md_node_get_app_registry(node);
  AppEndpoint *ep = find_served(registry, endpoint);
  MdAppProxy *proxy = ep != NULL ? find_proxy(ep, cluster) : NULL;
  g_autofree char *what = NULL;
  guint8 buf[MATTER_EVENT_DATA_MAX];
  MatterTlvWriter w;
  MatterEvent record;
  gsize index;
  size_t len;

  if (proxy == NULL) {
    g_set_error(error, MD_ERROR, MD_ERROR_NOT_FOUND, "Endpoint %u has no %s cluster", endpoint,
                cluster->name);
    return FALSE;
  }
  g_return_val_if_fail(event >= cluster->events && event < cluster->events + cluster->event_count,
                       FALSE);
  index = (gsize) (event - cluster->events);
  what = g_strdup_printf("%s.%s", cluster->name, event->name);
  if (!md_app_conformance_allows(&event->conformance, md_app_proxy_get_spec(proxy)->feature_map)) {
    g_set_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT,
                "%s: the event %s is not allowed with FeatureMap 0x%X",
                md_app_proxy_get_spec(proxy)->path, what,
                md_app_proxy_get_spec(proxy)->feature_map);
    return FALSE;
  }
  if (!md_app_fields_check(event->fields, event->field_count, args, what, error)) {
    g_prefix_error(error, "%s: ", md_app_proxy_get_spec(proxy)->path);
    return FALSE;
  }
  matter_tlv_writer_init(&w, buf, sizeof(buf));
  if (md_app_fields_to_tlv(event->fields, event->field_count, args, &w,
                           matter_tlv_tag_anonymous()) != MATTER_OK ||
      matter_tlv_writer_finish(&w, &len) != MATTER_OK) {
    g_set_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT, "%s: the event %s is too large",
                md_app_proxy_get_spec(proxy)->path, what);
    return FALSE;
  }
  record = (MatterEvent){
    .endpoint = endpoint,
    .cluster = cluster->id,
    .event = cluster->dm_events[index].id,
    .priority = cluster->dm_events[index].priority,
    .fields = buf,
    .fields_len = len,
  };
  log_event(registry, &record, now_ms);
  return TRUE;
}

/* ---- Listing ---- */

void
md_app_endpoint_info_free(MdAppEndpointInfo *info)
{
  if (info == NULL)
    return;
  g_free(info->unique_id);
  g_array_unref(info->device_types);
  g_free(info->label);
  g_free(info->owner);
  g_free(info);
}

GPtrArray *
md_node_app_list(MdNode *node)
{
  MdAppRegistry *registry = md_node_get_app_registry(node);
  GPtrArray *list = g_ptr_array_new_with_free_func((GDestroyNotify) md_app_endpoint_info_free);

  for (guint i = 0; i < registry->served->len; i++) {
    const AppEndpoint *ep = g_ptr_array_index(registry->served, i);
    MdAppEndpointInfo *info = g_new0(MdAppEndpointInfo, 1);

    info->number = ep->number;
    info->unique_id = g_strdup(ep->spec->unique_id);
    info->device_types = g_array_copy(ep->spec->device_types);
    info->label = g_strdup(ep->spec->label);
    info->owner = ep->connected ? g_strdup(ep->owner) : NULL;
    info->reachable = app_reachable(ep);
    info->bridged = ep->bridged;
    g_ptr_array_add(list, info);
  }
  return list;
}
