/* SPDX-License-Identifier: Apache-2.0 */
/* app-tree: an application's GetManagedObjects reply read into endpoint
 * specs, its introspection into methods, its org.matterd.Status errors
 * into IM statuses. The trees are written as GVariant text, as an
 * application's reply would come. */

#include <string.h>

#include "app-tree.h"
#include "md-error.h"
#include "md-names.h"

/* An On/Off Plug-in Unit at /app/plug0 with its On/Off cluster, plus what
 * @extra adds (more "path": {...} entries, starting with ", "). */
static GVariant *
tree(const char *extra)
{
  g_autofree char *text = g_strdup_printf(
      "{objectpath '/app/plug0': {'org.matterd.Endpoint1': {'UniqueId': <'plug-1'>,"
      " 'DeviceTypes': <[(uint16 0x010A, uint16 4)]>, 'Label': <'Desk'>}},"
      " '/app/plug0/onoff': {'org.matterd.cluster.OnOff1': {'FeatureMap': <uint32 1>,"
      " 'OnOff': <false>}, 'org.freedesktop.DBus.Properties': @a{sv} {}}%s}",
      extra != NULL ? extra : "");
  g_autoptr(GError) error = NULL;
  GVariant *value = g_variant_parse(G_VARIANT_TYPE("a{oa{sa{sv}}}"), text, NULL, NULL, &error);

  g_assert_no_error(error);
  return g_variant_ref_sink(value);
}

static void
test_parse(void)
{
  g_autoptr(GVariant) objects = tree(", '/elsewhere': {'org.matterd.Endpoint1': {}}");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) specs = md_app_tree_parse(objects, "/app", &error);
  const MdAppEndpointSpec *spec;
  const MdAppClusterSpec *cluster;
  const MatterDmDeviceType *type;
  GVariant *on_off;

  g_assert_no_error(error);
  /* /elsewhere is outside the root: ignored. */
  g_assert_cmpuint(specs->len, ==, 1);
  spec = specs->pdata[0];
  g_assert_cmpstr(spec->path, ==, "/app/plug0");
  g_assert_cmpstr(spec->unique_id, ==, "plug-1");
  g_assert_cmpstr(spec->label, ==, "Desk");
  g_assert_null(spec->vendor_name);
  g_assert_true(spec->reachable);
  g_assert_cmpuint(spec->device_types->len, ==, 1);
  type = &g_array_index(spec->device_types, MatterDmDeviceType, 0);
  g_assert_cmpuint(type->device_type, ==, 0x010A);
  g_assert_cmpuint(type->revision, ==, 4);
  g_assert_cmpuint(spec->clusters->len, ==, 1);
  cluster = spec->clusters->pdata[0];
  g_assert_cmpstr(cluster->path, ==, "/app/plug0/onoff");
  g_assert_true(cluster->info == md_app_cluster_by_interface("org.matterd.cluster.OnOff1"));
  g_assert_cmpuint(cluster->feature_map, ==, 1);
  g_assert_null(cluster->methods);
  /* FeatureMap is the spec's own field, not a property. */
  g_assert_false(g_hash_table_contains(cluster->properties, "FeatureMap"));
  on_off = g_hash_table_lookup(cluster->properties, "OnOff");
  g_assert_nonnull(on_off);
  g_assert_true(g_variant_is_of_type(on_off, G_VARIANT_TYPE_BOOLEAN));
}

/* The root itself may be the endpoint; "/" takes every object. */
static void
test_parse_root(void)
{
  g_autoptr(GVariant) objects = tree(NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) at_endpoint = md_app_tree_parse(objects, "/app/plug0", &error);
  g_autoptr(GPtrArray) everything = NULL;

  g_assert_no_error(error);
  g_assert_cmpuint(at_endpoint->len, ==, 1);
  everything = md_app_tree_parse(objects, "/", &error);
  g_assert_no_error(error);
  g_assert_cmpuint(everything->len, ==, 1);
}

typedef struct {
  const char *name;
  const char *extra; /* added to tree() */
  const char *root;
  const char *message;
} Refusal;

static const Refusal refusals[] = {
  { "no-endpoint", NULL, "/other", "/other: no object below it has org.matterd.Endpoint1" },
  { "nested-endpoint",
    ", '/app/plug0/inner': {'org.matterd.Endpoint1': {'UniqueId': <'x'>, 'DeviceTypes': "
    "<@a(qq) []>}}",
    "/app", "/app/plug0/inner: an endpoint cannot be below another one (/app/plug0)" },
  { "cluster-outside", ", '/app/stray': {'org.matterd.cluster.OnOff1': @a{sv} {}}", "/app",
    "/app/stray: the cluster object org.matterd.cluster.OnOff1 is not below an "
    "org.matterd.Endpoint1 object" },
  { "unknown-cluster", ", '/app/plug0/x': {'org.matterd.cluster.FluxCapacitor1': @a{sv} {}}",
    "/app", "/app/plug0/x: org.matterd.cluster.FluxCapacitor1 is not a cluster matterd knows" },
  { "two-clusters",
    ", '/app/plug0/both': {'org.matterd.cluster.OnOff1': @a{sv} {},"
    " 'org.matterd.cluster.Identify1': @a{sv} {}}",
    "/app", "/app/plug0/both: a cluster object has one org.matterd.cluster.* interface" },
  { "cluster-twice", ", '/app/plug0/again': {'org.matterd.cluster.OnOff1': @a{sv} {}}", "/app",
    "/app/plug0/again: the endpoint /app/plug0 has org.matterd.cluster.OnOff1 already" },
  { "cluster-on-endpoint",
    ", '/app/plug1': {'org.matterd.Endpoint1': {'UniqueId': <'p'>, 'DeviceTypes': "
    "<@a(qq) []>}, 'org.matterd.cluster.OnOff1': @a{sv} {}}",
    "/app", "/app/plug1: a cluster is an object of its own below its endpoint" },
  { "feature-map-type",
    ", '/app/plug0/identify': {'org.matterd.cluster.Identify1': {'FeatureMap': <uint16 0>}}",
    "/app", "/app/plug0/identify: org.matterd.cluster.Identify1.FeatureMap must be of type u" },
  { "no-device-types", ", '/app/plug1': {'org.matterd.Endpoint1': {'UniqueId': <'p'>}}", "/app",
    "/app/plug1: org.matterd.Endpoint1 needs DeviceTypes (a(qq))" },
  { "device-types-type",
    ", '/app/plug1': {'org.matterd.Endpoint1': {'UniqueId': <'p'>, 'DeviceTypes': "
    "<[uint16 1]>}}",
    "/app", "/app/plug1: org.matterd.Endpoint1.DeviceTypes must be of type a(qq), not aq" },
  { "unique-id-type",
    ", '/app/plug1': {'org.matterd.Endpoint1': {'UniqueId': <7>, 'DeviceTypes': "
    "<@a(qq) []>}}",
    "/app", "/app/plug1: org.matterd.Endpoint1.UniqueId must be of type s, not i" },
  { "reachable-type",
    ", '/app/plug1': {'org.matterd.Endpoint1': {'UniqueId': <'p'>, 'DeviceTypes': "
    "<@a(qq) []>, 'Reachable': <'yes'>}}",
    "/app", "/app/plug1: org.matterd.Endpoint1.Reachable must be of type b, not s" },
};

static void
test_refused(gconstpointer data)
{
  const Refusal *refusal = data;
  g_autoptr(GVariant) objects = tree(refusal->extra);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) specs = md_app_tree_parse(objects, refusal->root, &error);

  g_assert_null(specs);
  g_assert_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT);
  if (!g_str_has_prefix(error->message, refusal->message))
    g_error("\"%s\" does not start with \"%s\"", error->message, refusal->message);
}

static void
test_methods(void)
{
  g_autoptr(GVariant) objects = tree(NULL);
  g_autoptr(GPtrArray) specs = md_app_tree_parse(objects, "/app", NULL);
  MdAppClusterSpec *cluster = ((MdAppEndpointSpec *) specs->pdata[0])->clusters->pdata[0];
  g_autoptr(GError) error = NULL;

  g_assert_true(md_app_tree_set_methods(
      cluster,
      "<node><interface name='org.freedesktop.DBus.Peer'><method name='Ping'/></interface>"
      "<interface name='org.matterd.cluster.OnOff1'><method name='On'/><method name='Off'/>"
      "<property name='OnOff' type='b' access='read'/></interface></node>",
      &error));
  g_assert_no_error(error);
  g_assert_cmpuint(g_strv_length(cluster->methods), ==, 2);
  g_assert_true(g_strv_contains((const char *const *) cluster->methods, "On"));
  g_assert_true(g_strv_contains((const char *const *) cluster->methods, "Off"));

  g_assert_false(md_app_tree_set_methods(
      cluster, "<node><interface name='org.matterd.cluster.Identify1'/></node>", &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull(strstr(error->message, "does not list org.matterd.cluster.OnOff1"));
  g_clear_error(&error);
  g_assert_false(md_app_tree_set_methods(cluster, "<node><interface", &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT);
  /* A refusal leaves what was known. */
  g_assert_cmpuint(g_strv_length(cluster->methods), ==, 2);
}

/* Every status but SUCCESS has its error name, and comes back from it. */
static void
test_status_names(void)
{
  static const struct {
    guint8 status;
    const char *name;
  } known[] = {
    { MATTER_IM_STATUS_FAILURE, "Failure" },
    { MATTER_IM_STATUS_CONSTRAINT_ERROR, "ConstraintError" },
    { MATTER_IM_STATUS_INVALID_COMMAND, "InvalidCommand" },
    { MATTER_IM_STATUS_BUSY, "Busy" },
    { MATTER_IM_STATUS_UNSUPPORTED_ATTRIBUTE, "UnsupportedAttribute" },
    { MATTER_IM_STATUS_INVALID_IN_STATE, "InvalidInState" },
    { MATTER_IM_STATUS_NEEDS_TIMED_INTERACTION, "NeedsTimedInteraction" },
    { MATTER_IM_STATUS_INVALID_TRANSPORT_TYPE, "InvalidTransportType" },
  };
  guint named = 0;
  guint8 status;

  for (gsize i = 0; i < G_N_ELEMENTS(known); i++) {
    g_autofree char *camel = md_app_status_camel_name(known[i].status);
    g_autofree char *error = g_strconcat(MD_APP_STATUS_ERROR_PREFIX, known[i].name, NULL);

    g_assert_cmpstr(camel, ==, known[i].name);
    g_assert_true(md_app_status_from_error_name(error, &status));
    g_assert_cmpuint(status, ==, known[i].status);
  }
  for (guint value = 0; value <= 0xFF; value++) {
    g_autofree char *camel = md_app_status_camel_name((guint8) value);
    g_autofree char *error = NULL;

    if (camel == NULL) {
      g_assert_cmpstr(matter_im_status_name((guint8) value), ==, "UNKNOWN");
      continue;
    }
    named++;
    error = g_strconcat(MD_APP_STATUS_ERROR_PREFIX, camel, NULL);
    if (value == MATTER_IM_STATUS_SUCCESS) {
      g_assert_false(md_app_status_from_error_name(error, &status));
      continue;
    }
    g_assert_true(md_app_status_from_error_name(error, &status));
    g_assert_cmpuint(status, ==, value);
  }
  g_assert_cmpuint(named, >, 30);
  g_assert_false(md_app_status_from_error_name(NULL, &status));
  g_assert_false(md_app_status_from_error_name("org.matterd.Status.", &status));
  g_assert_false(md_app_status_from_error_name("org.matterd.Status.constraintError", &status));
  g_assert_false(md_app_status_from_error_name("org.matterd.Error.Busy", &status));
  g_assert_false(md_app_status_from_error_name("org.freedesktop.DBus.Error.Failed", &status));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/app-tree/parse", test_parse);
  g_test_add_func("/app-tree/parse-root", test_parse_root);
  for (gsize i = 0; i < G_N_ELEMENTS(refusals); i++) {
    g_autofree char *path = g_strdup_printf("/app-tree/refused/%s", refusals[i].name);

    g_test_add_data_func(path, &refusals[i], test_refused);
  }
  g_test_add_func("/app-tree/methods", test_methods);
  g_test_add_func("/app-tree/status-names", test_status_names);
  return g_test_run();
}
