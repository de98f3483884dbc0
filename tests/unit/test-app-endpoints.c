/* SPDX-License-Identifier: Apache-2.0 */
/* Application endpoints on a real node (in-memory storage that can fail
 * its N-th call, no sockets): a controller of the core, on a CASE session
 * of fabric 1 with Administer, talks to the node's IM engine over an
 * in-memory network on a fake clock, and a recording MdAppHost stands in
 * for the daemon's D-Bus side. The specs are built from the descriptions
 * (every attribute a device type needs, with a valid value), so that what
 * is tested is the node's handling, not a copy of the tables. */

#include <glib.h>
#include <string.h>

#include "app-endpoints.h"
#include "app-value.h"
#include "matter/im.h"
#include "md-error.h"
#include "md-test-core.h"
#include "md-test-storage.h"
#include "node.h"

#define OPERATOR UINT64_C(0x1000)
#define DEVICE_TYPE_ON_OFF_LIGHT 0x0100
#define DEVICE_TYPE_CONTACT_SENSOR 0x0015
#define DEVICE_TYPE_AGGREGATOR 0x000E
#define DEVICE_TYPE_BRIDGED_NODE 0x0013
#define CLUSTER_ON_OFF 0x0006
#define CLUSTER_DESCRIPTOR 0x001D
#define CLUSTER_BOOLEAN_STATE 0x0045
#define CLUSTER_BRIDGED_BASIC 0x0039
#define ATTR_ON_OFF 0x0000
#define ATTR_ON_TIME 0x4001
#define ATTR_DEVICE_TYPE_LIST 0x0000
#define ATTR_SERVER_LIST 0x0001
#define ATTR_PARTS_LIST 0x0003
#define ATTR_NODE_LABEL 0x0005
#define ATTR_REACHABLE 0x0011
#define ATTR_UNIQUE_ID 0x0012
#define CMD_ON 0x01
#define CLUSTER_GROUPS 0x0004
#define CLUSTER_IDENTIFY 0x0003
#define CMD_ADD_GROUP_IF_IDENTIFYING 0x05
#define GROUP 0x0101
#define DEVICE_TYPE_GENERIC_SWITCH 0x000F
#define CLUSTER_SWITCH 0x003B
#define SWITCH_FEATURE_MOMENTARY 0x02
#define SWITCH_EVENT_INITIAL_PRESS 0x01
#define EVENT_REACHABLE_CHANGED 0x03

/* A call the node made of the host. */
typedef struct {
  gboolean invoke;
  guint16 endpoint;
  const MdAppClusterInfo *cluster;
  char *name;      /* the property or the method */
  GVariant *value; /* the value or the arguments */
  guint32 token;
} HostCall;

typedef struct {
  guint64 now;
  MdTestStorage *storage;
  MatterSession node_secure[MD_NODE_HANDSHAKES_MAX + 4];
  MatterSession node_unsecured[2];
  MatterSessionTable node_sessions;
  MatterExchange node_slots[16];
  MatterExchangeManager node_exchanges;
  MatterSession client_secure[2];
  MatterSession client_unsecured[1];
  MatterSessionTable client_sessions;
  MatterExchange client_slots[8];
  MatterExchangeManager client_exchanges;
  MatterSession *client_session;
  GQueue to_node;
  GQueue to_client;
  GPtrArray *replies; /* GBytes: opcode, then payload */
  GPtrArray *calls;   /* HostCall */
  guint endpoint_changes;
  /* The host answers before it returns: this status, this response. */
  gboolean answer_now;
  guint8 answer_status;
  const char *answer_response;
  MdNodeHost host;
  MdNode *node;
} Test;

static void
host_call_free(HostCall *call)
{
  g_free(call->name);
  g_variant_unref(call->value);
  g_free(call);
}

static void
host_write(gpointer user_data, guint16 endpoint, const MdAppClusterInfo *cluster,
           const char *property, GVariant *value, guint32 token)
{
  Test *t = user_data;
  HostCall *call = g_new0(HostCall, 1);

  *call = (HostCall){ FALSE, endpoint, cluster, g_strdup(property), g_variant_ref(value), token };
  g_ptr_array_add(t->calls, call);
  if (t->answer_now)
    md_node_app_complete(t->node, token, t->answer_status, NULL, t->now);
}

static void
host_invoke(gpointer user_data, guint16 endpoint, const MdAppClusterInfo *cluster,
            const MdAppCommand *command, GVariant *args, guint32 token)
{
  Test *t = user_data;
  HostCall *call = g_new0(HostCall, 1);

  *call =
      (HostCall){ TRUE, endpoint, cluster, g_strdup(command->name), g_variant_ref(args), token };
  g_ptr_array_add(t->calls, call);
  if (t->answer_now)
    md_node_app_complete(
        t->node, token, t->answer_status,
        t->answer_response != NULL ? g_variant_new_parsed(t->answer_response) : NULL, t->now);
}

static const MdAppHost app_host = {
  .write = host_write,
  .invoke = host_invoke,
};

static void
host_changed(MdNodeChange change, gpointer user_data)
{
  Test *t = user_data;

  if (change == MD_NODE_CHANGE_ENDPOINTS)
    t->endpoint_changes++;
}

/* ---- The network ---- */

static MatterError
node_send(void *user_data, const MatterSession *session, const uint8_t *msg, size_t len)
{
  g_queue_push_tail(&((Test *) user_data)->to_client, g_bytes_new(msg, len));
  return MATTER_OK;
}

static MatterError
client_send(void *user_data, const MatterSession *session, const uint8_t *msg, size_t len)
{
  g_queue_push_tail(&((Test *) user_data)->to_node, g_bytes_new(msg, len));
  return MATTER_OK;
}

static void
deliver(GQueue *queue, MatterExchangeManager *to, guint64 now, gboolean *moved)
{
  const MatterPeerAddress peer = { .transport = MATTER_TRANSPORT_UDP, .len = 1 };
  GBytes *bytes;

  while ((bytes = g_queue_pop_head(queue)) != NULL) {
    gsize len;
    g_autofree uint8_t *copy = g_memdup2(g_bytes_get_data(bytes, &len), g_bytes_get_size(bytes));

    matter_exchange_manager_receive_raw(to, &peer, copy, len, now);
    g_bytes_unref(bytes);
    *moved = TRUE;
  }
}

static void
pump(Test *t)
{
  gboolean moved = TRUE;

  while (moved) {
    moved = FALSE;
    deliver(&t->to_node, &t->node_exchanges, t->now, &moved);
    deliver(&t->to_client, &t->client_exchanges, t->now, &moved);
  }
}

static void
on_client_message(void *user_data, MatterExchange *exchange, const MatterProtocolHeader *header,
                  const uint8_t *payload, size_t len, uint64_t now)
{
  Test *t = user_data;
  GByteArray *reply = g_byte_array_new();
  MatterImReportData report;

  g_byte_array_append(reply, &header->opcode, 1);
  g_byte_array_append(reply, payload, (guint) len);
  g_ptr_array_add(t->replies, g_byte_array_free_to_bytes(reply));
  /* A report that wants an answer (a subscription's) gets SUCCESS; every
   * other message ends its interaction (reads fit in one report). */
  if (header->opcode == MATTER_IM_OPCODE_REPORT_DATA &&
      matter_im_report_data_decode(payload, len, &report) == MATTER_OK &&
      !report.suppress_response) {
    uint8_t buf[16];
    size_t out_len;

    matter_im_status_response_encode(MATTER_IM_STATUS_SUCCESS, buf, sizeof(buf), &out_len);
    matter_exchange_send(exchange, MATTER_PROTOCOL_INTERACTION_MODEL,
                         MATTER_IM_OPCODE_STATUS_RESPONSE, buf, out_len,
                         MATTER_EXCHANGE_SEND_RELIABLE, now);
    return;
  }
  matter_exchange_close(exchange, now);
}

static const MatterExchangeHandler client_handler = { .on_message = on_client_message };

/* The CASE session between the controller (OPERATOR) and the node. */
static void
secure_pair(Test *t)
{
  MatterSessionSetup setup = { .kind = MATTER_SESSION_KIND_CASE, .fabric_index = 1 };
  MatterSession *server = NULL;

  memset(setup.i2r_key, 0x11, sizeof(setup.i2r_key));
  memset(setup.r2i_key, 0x22, sizeof(setup.r2i_key));
  matter_session_table_clear(&t->client_sessions);
  g_assert_cmpint(matter_session_table_allocate(&t->node_sessions, t->now, &server), ==, MATTER_OK);
  g_assert_cmpint(matter_session_table_allocate(&t->client_sessions, t->now, &t->client_session),
                  ==, MATTER_OK);
  setup.role = MATTER_SESSION_ROLE_RESPONDER;
  setup.peer_session_id = t->client_session->local_session_id;
  setup.local_node_id = 0x5;
  setup.peer_node_id = OPERATOR;
  setup.peer_address = (MatterPeerAddress){ .transport = MATTER_TRANSPORT_UDP, .len = 1 };
  g_assert_cmpint(matter_session_activate(&t->node_sessions, server, &setup, t->now), ==,
                  MATTER_OK);
  setup.role = MATTER_SESSION_ROLE_INITIATOR;
  setup.peer_session_id = server->local_session_id;
  setup.local_node_id = OPERATOR;
  setup.peer_node_id = 0x5;
  g_assert_cmpint(matter_session_activate(&t->client_sessions, t->client_session, &setup, t->now),
                  ==, MATTER_OK);
}

/* ---- The node ---- */

static const MdNodeParams node_params = {
  .vendor_id = 0xFFF1,
  .product_id = 0x8000,
  .supported_fabrics = 5,
  .window_timeout = 900,
  .has_passcode = TRUE,
  .passcode = 20202021,
  .basic = { .vendor_name = "Example Works",
             .product_name = "Gateway",
             .hardware_version_string = "1",
             .software_version_string = "1.0" },
};

static MdNode *
node_new(Test *t, GError **error)
{
  static const MatterExchangeCallbacks callbacks = { .send = node_send };

  memset(t->node_slots, 0, sizeof(t->node_slots));
  g_assert_cmpint(matter_session_table_init(&t->node_sessions, t->node_secure,
                                            G_N_ELEMENTS(t->node_secure), t->node_unsecured,
                                            G_N_ELEMENTS(t->node_unsecured), NULL),
                  ==, MATTER_OK);
  g_assert_cmpint(matter_exchange_manager_init(&t->node_exchanges, &t->node_sessions, t->node_slots,
                                               G_N_ELEMENTS(t->node_slots), &callbacks, t, NULL),
                  ==, MATTER_OK);
  return md_node_new(&node_params, md_test_storage_get(t->storage), NULL, &t->node_exchanges,
                     &t->node_sessions, &t->host, t, error);
}

static void
node_start(Test *t)
{
  g_autoptr(GError) error = NULL;

  t->node = node_new(t, &error);
  g_assert_no_error(error);
  md_node_start(t->node, t->now);
  secure_pair(t);
}

static void
node_stop(Test *t)
{
  g_clear_pointer(&t->node, md_node_free);
  matter_session_table_clear(&t->node_sessions);
}

static Test *
test_new(void)
{
  static const MatterExchangeCallbacks callbacks = { .send = client_send };
  MatterAclEntry admin = {
    .fabric_index = 1,
    .privilege = MATTER_ACL_PRIVILEGE_ADMINISTER,
    .auth_mode = MATTER_ACL_AUTH_CASE,
    .subject_count = 1,
    .subjects = { OPERATOR },
  };
  const MdGroupKeyMapRecord group_key = { 1, GROUP, 1 };
  g_autoptr(GError) error = NULL;
  Test *t = g_new0(Test, 1);

  t->now = 1000;
  g_queue_init(&t->to_node);
  g_queue_init(&t->to_client);
  t->replies = g_ptr_array_new_with_free_func((GDestroyNotify) g_bytes_unref);
  t->calls = g_ptr_array_new_with_free_func((GDestroyNotify) host_call_free);
  t->host = (MdNodeHost){ .changed = host_changed, .apps = &app_host };
  t->storage = md_test_storage_new();
  md_test_storage_set_fabrics(t->storage, 1);
  g_assert_true(md_node_storage_put_acl(md_test_storage_get(t->storage), 1, &admin, 1, &error));
  g_assert_no_error(error);
  g_assert_true(
      md_node_storage_put_group_key_map(md_test_storage_get(t->storage), 1, &group_key, 1, &error));
  g_assert_no_error(error);
  g_assert_cmpint(matter_session_table_init(&t->client_sessions, t->client_secure,
                                            G_N_ELEMENTS(t->client_secure), t->client_unsecured,
                                            G_N_ELEMENTS(t->client_unsecured), NULL),
                  ==, MATTER_OK);
  g_assert_cmpint(matter_exchange_manager_init(&t->client_exchanges, &t->client_sessions,
                                               t->client_slots, G_N_ELEMENTS(t->client_slots),
                                               &callbacks, t, NULL),
                  ==, MATTER_OK);
  /* Subscription reports come on exchanges the node starts. */
  matter_exchange_manager_register(&t->client_exchanges, MATTER_PROTOCOL_INTERACTION_MODEL,
                                   &client_handler, t);
  node_start(t);
  return t;
}

static void
test_free(Test *t)
{
  node_stop(t);
  matter_session_table_clear(&t->client_sessions);
  g_queue_clear_full(&t->to_node, (GDestroyNotify) g_bytes_unref);
  g_queue_clear_full(&t->to_client, (GDestroyNotify) g_bytes_unref);
  g_ptr_array_unref(t->replies);
  g_ptr_array_unref(t->calls);
  md_test_storage_free(t->storage);
  g_free(t);
}

/* ---- Specs from the descriptions ---- */

/* A GVariant of @type's signature that its constraints take. */
static GVariant *
sample_value(const MdAppType *type, guint8 flags)
{
  g_autofree char *signature = md_app_value_signature(type, flags);

  /* Null or left out, where that is an empty array (a nullable integer
   * has a value of its own for null: it gets an ordinary value here). */
  if ((flags & (MD_APP_NULLABLE | MD_APP_OPTIONAL)) && signature[0] == 'a' &&
      (type->kind != MD_APP_LIST || signature[1] == 'a'))
    return g_variant_new_array(G_VARIANT_TYPE(signature + 1), NULL, 0);
  switch (type->kind) {
  case MD_APP_BOOL:
    return g_variant_new_boolean(FALSE);
  case MD_APP_UINT:
    return md_app_value_new_uint(type, type->enum_values != NULL ? type->enum_values[0]
                                       : type->has_min           ? type->umin
                                                                 : 0);
  case MD_APP_INT: {
    gint64 v = 0;

    if (type->has_min && v < type->min)
      v = type->min;
    if (type->has_max && v > type->max)
      v = type->max;
    return md_app_value_new_int(type, v);
  }
  case MD_APP_SINGLE:
  case MD_APP_DOUBLE:
    return g_variant_new_double(type->has_min && type->min > 0 ? (double) type->min : 0.0);
  case MD_APP_STRING: {
    g_autofree char *s = g_strnfill(type->min_length, 'a');

    return g_variant_new_string(s);
  }
  case MD_APP_OCTETS: {
    g_autofree guint8 *bytes = g_malloc0(type->min_length + 1);

    return g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, bytes, type->min_length, 1);
  }
  case MD_APP_STRUCT: {
    GVariantBuilder fields;

    g_variant_builder_init(&fields, G_VARIANT_TYPE_TUPLE);
    for (gsize i = 0; i < type->field_count; i++)
      g_variant_builder_add_value(&fields,
                                  sample_value(type->fields[i].type, type->fields[i].flags));
    return g_variant_builder_end(&fields);
  }
  case MD_APP_LIST:
  default:
    return g_variant_new_array(G_VARIANT_TYPE(signature + 1), NULL, 0);
  }
}

static gboolean
served_by_node(guint32 cluster)
{
  return cluster == 0x0004 || cluster == 0x001D || cluster == 0x0039 || cluster == 0x0062;
}

/* What @device_type needs of @info: its FeatureMap and attributes. */
static MdAppClusterSpec *
cluster_spec_for(const char *endpoint_path, const MdAppDeviceCluster *need)
{
  const MdAppClusterInfo *info = md_app_cluster_by_id(need->cluster_id);
  g_autofree char *path = NULL;
  MdAppClusterSpec *cluster;

  g_assert_nonnull(info);
  path = g_strdup_printf("%s/%s", endpoint_path, info->name);
  cluster = md_app_cluster_spec_new(path, info);
  cluster->feature_map = need->required_features;
  for (gsize i = 0; i < info->attribute_count; i++) {
    gboolean needed =
        md_app_conformance_requires(&info->attributes[i].conformance, cluster->feature_map);

    for (gsize r = 0; r < need->required_attribute_count; r++)
      needed |= need->required_attributes[r] == info->dm_attributes[i].id;
    if (needed)
      g_hash_table_insert(
          cluster->properties, g_strdup(info->attributes[i].name),
          g_variant_ref_sink(sample_value(info->attributes[i].type, info->attributes[i].flags)));
  }
  return cluster;
}

static MdAppClusterSpec *
find_cluster(MdAppEndpointSpec *spec, guint32 id)
{
  for (guint i = 0; i < spec->clusters->len; i++) {
    MdAppClusterSpec *cluster = g_ptr_array_index(spec->clusters, i);

    if (cluster->info->id == id)
      return cluster;
  }
  return NULL;
}

/* An endpoint of @device_type with every cluster it needs. */
static MdAppEndpointSpec *
spec_new(guint32 device_type, const char *unique_id)
{
  const MdAppDeviceTypeInfo *info = md_app_device_type_by_id(device_type);
  g_autofree char *path = g_strdup_printf("/app/%s", unique_id);
  MdAppEndpointSpec *spec = md_app_endpoint_spec_new(path);
  MatterDmDeviceType dt = { device_type, 0 };

  g_assert_nonnull(info);
  dt.revision = info->revision;
  spec->unique_id = g_strdup(unique_id);
  g_array_append_val(spec->device_types, dt);
  spec->label = g_strdup("Desk lamp");
  spec->vendor_name = g_strdup("Example");
  for (gsize i = 0; i < info->cluster_count; i++)
    if (info->clusters[i].mandatory && !served_by_node(info->clusters[i].cluster_id))
      g_ptr_array_add(spec->clusters, cluster_spec_for(path, &info->clusters[i]));
  return spec;
}

static MdAppEndpointSpec *
light_new(const char *unique_id, gboolean on)
{
  MdAppEndpointSpec *spec = spec_new(DEVICE_TYPE_ON_OFF_LIGHT, unique_id);
  MdAppClusterSpec *on_off = find_cluster(spec, CLUSTER_ON_OFF);

  g_assert_nonnull(on_off);
  g_hash_table_insert(on_off->properties, g_strdup("OnOff"),
                      g_variant_ref_sink(g_variant_new_boolean(on)));
  return spec;
}

static void
set_property(MdAppEndpointSpec *spec, guint32 cluster_id, const char *name, GVariant *value)
{
  MdAppClusterSpec *cluster = find_cluster(spec, cluster_id);

  g_assert_nonnull(cluster);
  g_hash_table_insert(cluster->properties, g_strdup(name), g_variant_ref_sink(value));
}

static GPtrArray *
specs_of(MdAppEndpointSpec *first, ...)
{
  GPtrArray *specs = g_ptr_array_new_with_free_func((GDestroyNotify) md_app_endpoint_spec_free);
  va_list ap;

  va_start(ap, first);
  for (MdAppEndpointSpec *spec = first; spec != NULL; spec = va_arg(ap, MdAppEndpointSpec *))
    g_ptr_array_add(specs, spec);
  va_end(ap);
  return specs;
}

static void
register_ok(Test *t, GPtrArray *specs, gboolean bridged, gboolean context, guint16 *numbers)
{
  g_autoptr(GError) error = NULL;

  g_assert_true(
      md_node_app_register(t->node, specs, bridged, context, ":1.42", numbers, t->now, &error));
  g_assert_no_error(error);
}

/* ---- Requests of the controller ---- */

static MatterExchange *
request(Test *t, uint8_t opcode, const uint8_t *payload, size_t len)
{
  MatterExchange *exchange = NULL;

  g_ptr_array_set_size(t->replies, 0);
  g_assert_cmpint(
      matter_exchange_new(&t->client_exchanges, t->client_session, &client_handler, t, &exchange),
      ==, MATTER_OK);
  g_assert_cmpint(matter_exchange_send(exchange, MATTER_PROTOCOL_INTERACTION_MODEL, opcode, payload,
                                       len, MATTER_EXCHANGE_SEND_RELIABLE, t->now),
                  ==, MATTER_OK);
  pump(t);
  return exchange;
}

static const uint8_t *
reply(Test *t, uint8_t opcode, size_t *len)
{
  GBytes *bytes;
  const uint8_t *data;
  gsize size;

  g_assert_cmpuint(t->replies->len, ==, 1);
  bytes = g_ptr_array_index(t->replies, 0);
  data = g_bytes_get_data(bytes, &size);
  g_assert_cmphex(data[0], ==, opcode);
  *len = size - 1;
  return data + 1;
}

/* Reads one attribute: its status, and its value's TLV (an anonymous
 * element) in @value on SUCCESS. */
static guint8
read_attribute(Test *t, guint16 endpoint, guint32 cluster, guint32 attribute, GBytes **value)
{
  MatterImReadRequest req = { .has_attribute_requests = true, .attribute_path_count = 1 };
  MatterImReportData data;
  MatterImAttributeReport report;
  const uint8_t *payload;
  uint8_t buf[256];
  size_t len;

  req.attribute_paths[0] = (MatterImAttributePath){ .has_endpoint = true,
                                                    .endpoint = endpoint,
                                                    .has_cluster = true,
                                                    .cluster = cluster,
                                                    .has_attribute = true,
                                                    .attribute = attribute };
  req.fabric_filtered = true;
  g_assert_cmpint(matter_im_read_request_encode(&req, buf, sizeof(buf), &len), ==, MATTER_OK);
  request(t, MATTER_IM_OPCODE_READ_REQUEST, buf, len);
  payload = reply(t, MATTER_IM_OPCODE_REPORT_DATA, &len);
  g_assert_cmpint(matter_im_report_data_decode(payload, len, &data), ==, MATTER_OK);
  g_assert_cmpint(matter_im_next_attribute_report(&data.attribute_reports, &report), ==, MATTER_OK);
  if (report.is_status)
    return report.status.status.status;
  if (value != NULL) {
    MatterTlvReader reader;
    const uint8_t *element;
    size_t element_len;

    g_assert_cmpint(matter_im_data_reader(&report.data.data, &reader), ==, MATTER_OK);
    g_assert_cmpint(matter_tlv_get_element(&reader, &element, &element_len), ==, MATTER_OK);
    *value = g_bytes_new(element, element_len);
  }
  return MATTER_IM_STATUS_SUCCESS;
}

static MatterTlvReader
reader_of(GBytes *value)
{
  MatterTlvReader reader;

  matter_tlv_reader_init(&reader, g_bytes_get_data(value, NULL), g_bytes_get_size(value));
  g_assert_cmpint(matter_tlv_next(&reader), ==, MATTER_OK);
  return reader;
}

static gboolean
read_bool(Test *t, guint16 endpoint, guint32 cluster, guint32 attribute)
{
  g_autoptr(GBytes) value = NULL;
  MatterTlvReader reader;
  bool b;

  g_assert_cmphex(read_attribute(t, endpoint, cluster, attribute, &value), ==,
                  MATTER_IM_STATUS_SUCCESS);
  reader = reader_of(value);
  g_assert_cmpint(matter_tlv_get_bool(&reader, &b), ==, MATTER_OK);
  return b;
}

/* A list of unsigned integers, e.g. a PartsList. */
static GArray *
read_uints(Test *t, guint16 endpoint, guint32 cluster, guint32 attribute)
{
  g_autoptr(GBytes) value = NULL;
  GArray *list = g_array_new(FALSE, FALSE, sizeof(guint64));
  MatterTlvReader reader;

  g_assert_cmphex(read_attribute(t, endpoint, cluster, attribute, &value), ==,
                  MATTER_IM_STATUS_SUCCESS);
  reader = reader_of(value);
  g_assert_cmpint(matter_tlv_enter(&reader), ==, MATTER_OK);
  while (matter_tlv_next(&reader) == MATTER_OK) {
    guint64 v;

    g_assert_cmpint(matter_tlv_get_u64(&reader, &v), ==, MATTER_OK);
    g_array_append_val(list, v);
  }
  return list;
}

/* A DeviceTypeList's device types. */
static GArray *
read_device_types(Test *t, guint16 endpoint)
{
  g_autoptr(GBytes) value = NULL;
  GArray *types = g_array_new(FALSE, FALSE, sizeof(guint32));
  MatterTlvReader reader;

  g_assert_cmphex(read_attribute(t, endpoint, CLUSTER_DESCRIPTOR, ATTR_DEVICE_TYPE_LIST, &value),
                  ==, MATTER_IM_STATUS_SUCCESS);
  reader = reader_of(value);
  g_assert_cmpint(matter_tlv_enter(&reader), ==, MATTER_OK);
  while (matter_tlv_next(&reader) == MATTER_OK) {
    guint32 type;

    g_assert_cmpint(matter_tlv_enter(&reader), ==, MATTER_OK);
    g_assert_cmpint(matter_tlv_get_context_u32(&reader, 0, &type), ==, MATTER_OK);
    g_assert_cmpint(matter_tlv_exit(&reader), ==, MATTER_OK);
    g_array_append_val(types, type);
  }
  return types;
}

static guint
count_endpoints(Test *t)
{
  g_autoptr(GPtrArray) list = md_node_app_list(t->node);

  return list->len;
}

static void
assert_parts(Test *t, guint16 endpoint, const guint64 *want, gsize count)
{
  g_autoptr(GArray) parts = read_uints(t, endpoint, CLUSTER_DESCRIPTOR, ATTR_PARTS_LIST);

  g_assert_cmpmem(parts->data, parts->len * sizeof(guint64), want, count * sizeof(guint64));
}

/* Sends a WriteRequest of @attribute, a uint with @value. */
static void
write_uint(Test *t, guint16 endpoint, guint32 cluster, guint32 attribute, guint64 value)
{
  uint8_t data[16];
  MatterTlvWriter w;
  MatterImAttributeData item = { .path = { .has_endpoint = true,
                                           .endpoint = endpoint,
                                           .has_cluster = true,
                                           .cluster = cluster,
                                           .has_attribute = true,
                                           .attribute = attribute } };
  uint8_t buf[128];
  size_t len;

  matter_tlv_writer_init(&w, data, sizeof(data));
  matter_tlv_put_uint(&w, matter_tlv_tag_context(MATTER_IM_TAG_DATA), value);
  g_assert_cmpint(matter_tlv_writer_finish(&w, &len), ==, MATTER_OK);
  item.data = (MatterImData){ data, len };
  g_assert_cmpint(
      matter_im_write_request_encode(false, false, &item, 1, false, buf, sizeof(buf), &len), ==,
      MATTER_OK);
  request(t, MATTER_IM_OPCODE_WRITE_REQUEST, buf, len);
}

static guint8
write_status(Test *t)
{
  MatterImWriteResponse rsp;
  MatterImAttributeStatus status;
  const uint8_t *payload;
  size_t len;

  payload = reply(t, MATTER_IM_OPCODE_WRITE_RESPONSE, &len);
  g_assert_cmpint(matter_im_write_response_decode(payload, len, &rsp), ==, MATTER_OK);
  g_assert_cmpint(matter_im_next_attribute_status(&rsp.responses, &status), ==, MATTER_OK);
  return status.status.status;
}

static void
invoke(Test *t, guint16 endpoint, guint32 cluster, guint32 command)
{
  MatterImCommandData cmd = {
    .path = { .has_endpoint = true, .endpoint = endpoint, .cluster = cluster, .command = command }
  };
  uint8_t buf[128];
  size_t len;

  g_assert_cmpint(matter_im_invoke_request_encode(false, false, &cmd, 1, buf, sizeof(buf), &len),
                  ==, MATTER_OK);
  request(t, MATTER_IM_OPCODE_INVOKE_REQUEST, buf, len);
}

/* AddGroupIfIdentifying(GROUP, "Kitchen") on @endpoint. */
static void
add_group_if_identifying(Test *t, guint16 endpoint)
{
  uint8_t fields[64];
  MatterTlvWriter w;
  MatterImCommandData cmd = { .path = { .has_endpoint = true,
                                        .endpoint = endpoint,
                                        .cluster = CLUSTER_GROUPS,
                                        .command = CMD_ADD_GROUP_IF_IDENTIFYING },
                              .has_fields = true };
  uint8_t buf[128];
  size_t len;

  matter_tlv_writer_init(&w, fields, sizeof(fields));
  matter_tlv_start_structure(&w, matter_tlv_tag_context(1));
  matter_tlv_put_uint(&w, matter_tlv_tag_context(0), GROUP);
  matter_tlv_put_string(&w, matter_tlv_tag_context(1), "Kitchen");
  matter_tlv_end_container(&w);
  g_assert_cmpint(matter_tlv_writer_finish(&w, &len), ==, MATTER_OK);
  cmd.fields = (MatterImData){ fields, len };
  g_assert_cmpint(matter_im_invoke_request_encode(false, false, &cmd, 1, buf, sizeof(buf), &len),
                  ==, MATTER_OK);
  request(t, MATTER_IM_OPCODE_INVOKE_REQUEST, buf, len);
}

static guint8
invoke_status(Test *t)
{
  MatterImInvokeResponseMessage rsp;
  MatterImInvokeResponse item;
  const uint8_t *payload;
  size_t len;

  payload = reply(t, MATTER_IM_OPCODE_INVOKE_RESPONSE, &len);
  g_assert_cmpint(matter_im_invoke_response_decode(payload, len, &rsp), ==, MATTER_OK);
  g_assert_cmpint(matter_im_next_invoke_response(&rsp.responses, &item), ==, MATTER_OK);
  g_assert_true(item.is_status);
  return item.status.status;
}

static HostCall *
last_call(Test *t)
{
  g_assert_cmpuint(t->calls->len, >, 0);
  return g_ptr_array_index(t->calls, t->calls->len - 1);
}

static void
complete(Test *t, guint32 token, guint8 status)
{
  g_ptr_array_set_size(t->replies, 0);
  md_node_app_complete(t->node, token, status, NULL, t->now);
  pump(t);
}

/* A cluster of the test's own with a command answered by a response
 * command, which none of the described clusters has. */
#define CLUSTER_ECHO 0xFFF1FC10
static const MdAppType echo_u8 = { .kind = MD_APP_UINT, .name = "uint8", .bits = 8 };
static const MdAppField echo_fields[] = { { "Value", 0, &echo_u8, 0 } };
static const MatterDmCommand echo_dm_commands[] = {
  { 0x00, 0x01, MATTER_ACL_PRIVILEGE_OPERATE, 0, 0 },
};
static const MdAppCommand echo_commands[] = {
  { "Echo", echo_fields, 1, echo_fields, 1, { TRUE, 0, 0 } },
};
static const MdAppClusterInfo echo_info = {
  .id = CLUSTER_ECHO,
  .revision = 1,
  .name = "Echo",
  .interface = "org.matterd.test.Echo1",
  .dm_commands = echo_dm_commands,
  .commands = echo_commands,
  .command_count = 1,
};

/* ---- Tests ---- */

static void
assert_refused(MdAppEndpointSpec *spec, const char *object, const char *rule)
{
  g_autoptr(GError) error = NULL;

  g_assert_false(md_app_endpoint_spec_check(spec, &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT);
  g_test_message("%s", error->message);
  g_assert_true(g_str_has_prefix(error->message, object));
  g_assert_nonnull(strstr(error->message, rule));
}

static void
test_spec_check(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MdAppEndpointSpec) spec = light_new("lamp-1", TRUE);

  g_assert_true(md_app_endpoint_spec_check(spec, &error));
  g_assert_no_error(error);

  g_clear_pointer(&spec->unique_id, g_free);
  assert_refused(spec, "/app/lamp-1", "UniqueId is required");
  spec->unique_id = g_strnfill(33, 'x');
  assert_refused(spec, "/app/lamp-1", "UniqueId must be 1 to 32 bytes");
  g_free(spec->unique_id);
  spec->unique_id = g_strdup("lamp-1");

  g_array_index(spec->device_types, MatterDmDeviceType, 0).device_type = 0xFFF10001;
  assert_refused(spec, "/app/lamp-1", "device type 0xFFF10001 is not one matterd offers");
  g_array_index(spec->device_types, MatterDmDeviceType, 0).device_type = DEVICE_TYPE_BRIDGED_NODE;
  assert_refused(spec, "/app/lamp-1", "matterd's to add");
  g_array_index(spec->device_types, MatterDmDeviceType, 0).device_type = DEVICE_TYPE_ON_OFF_LIGHT;

  /* A mandatory cluster missing. */
  {
    guint index;

    g_assert_true(g_ptr_array_find(spec->clusters, find_cluster(spec, CLUSTER_ON_OFF), &index));
    g_ptr_array_remove_index(spec->clusters, index);
    assert_refused(spec, "/app/lamp-1", "needs the cluster OnOff (0x0006)");
    g_clear_pointer(&spec, md_app_endpoint_spec_free);
  }

  /* A property of the wrong D-Bus type, and one out of its constraints. */
  spec = light_new("lamp-1", TRUE);
  set_property(spec, CLUSTER_ON_OFF, "OnOff", g_variant_new_uint32(1));
  assert_refused(spec, "/app/lamp-1/OnOff", "OnOff.OnOff");
  set_property(spec, CLUSTER_ON_OFF, "OnOff", g_variant_new_boolean(TRUE));
  g_assert_true(md_app_endpoint_spec_check(spec, NULL));
  set_property(spec, CLUSTER_ON_OFF, "StartUpOnOff", g_variant_new_byte(200));
  assert_refused(spec, "/app/lamp-1/OnOff", "OnOff.StartUpOnOff");
  set_property(spec, CLUSTER_ON_OFF, "StartUpOnOff", g_variant_new_parsed("@ay []"));
  assert_refused(spec, "/app/lamp-1/OnOff", "OnOff.StartUpOnOff");
  /* Null is the one value of a nullable enum8 that is not one. */
  set_property(spec, CLUSTER_ON_OFF, "StartUpOnOff", g_variant_new_byte(0xFF));
  g_assert_true(md_app_endpoint_spec_check(spec, NULL));

  /* A mandatory attribute missing, an unknown one, an undefined feature. */
  g_assert_true(g_hash_table_remove(find_cluster(spec, CLUSTER_ON_OFF)->properties, "OnOff"));
  assert_refused(spec, "/app/lamp-1/OnOff", "mandatory attribute OnOff.OnOff is missing");
  set_property(spec, CLUSTER_ON_OFF, "OnOff", g_variant_new_boolean(TRUE));
  set_property(spec, CLUSTER_ON_OFF, "Brightness", g_variant_new_byte(1));
  assert_refused(spec, "/app/lamp-1/OnOff", "Brightness is not an attribute of OnOff");
  g_assert_true(g_hash_table_remove(find_cluster(spec, CLUSTER_ON_OFF)->properties, "Brightness"));
  find_cluster(spec, CLUSTER_ON_OFF)->feature_map |= 0x80000000;
  assert_refused(spec, "/app/lamp-1/OnOff", "FeatureMap");
  find_cluster(spec, CLUSTER_ON_OFF)->feature_map &= ~0x80000000u;

  /* A mandatory command the introspection does not list. */
  find_cluster(spec, CLUSTER_ON_OFF)->methods = g_strsplit("Off,Toggle", ",", -1);
  assert_refused(spec, "/app/lamp-1/OnOff", "command OnOff.On");
  g_clear_pointer(&find_cluster(spec, CLUSTER_ON_OFF)->methods, g_strfreev);

  /* Endpoint1's strings fit Bridged Device Basic Information. */
  g_free(spec->label);
  spec->label = g_strnfill(33, 'l');
  assert_refused(spec, "/app/lamp-1", "Label must be at most 32 bytes");
}

static void
test_register(void)
{
  Test *t = test_new();
  g_autoptr(GPtrArray) specs =
      specs_of(light_new("lamp-1", TRUE), light_new("lamp-2", FALSE), NULL);
  guint16 numbers[2] = { 0, 0 };
  const guint64 root_parts[] = { 1, 2, 3 };
  const guint64 aggregator_parts[] = { 2, 3 };
  const guint64 no_parts[] = { 0 };

  assert_parts(t, 0, root_parts, 1);
  assert_parts(t, 1, no_parts, 0);
  register_ok(t, specs, TRUE, FALSE, numbers);
  g_assert_cmpuint(numbers[0], ==, 2);
  g_assert_cmpuint(numbers[1], ==, 3);
  g_assert_cmpuint(t->endpoint_changes, ==, 1);
  assert_parts(t, 0, root_parts, 3);
  assert_parts(t, 1, aggregator_parts, 2);
  assert_parts(t, 2, no_parts, 0);

  /* The Aggregator, and a bridged node with its own device type. */
  {
    g_autoptr(GArray) aggregator = read_device_types(t, 1);
    g_autoptr(GArray) light = read_device_types(t, 2);
    const guint32 want_aggregator[] = { DEVICE_TYPE_AGGREGATOR };
    const guint32 want_light[] = { DEVICE_TYPE_ON_OFF_LIGHT, DEVICE_TYPE_BRIDGED_NODE };

    g_assert_cmpmem(aggregator->data, aggregator->len * sizeof(guint32), want_aggregator,
                    sizeof(want_aggregator));
    g_assert_cmpmem(light->data, light->len * sizeof(guint32), want_light, sizeof(want_light));
  }
  {
    g_autoptr(GBytes) value = NULL;
    MatterTlvReader reader;
    const char *str;
    size_t len;

    g_assert_cmphex(read_attribute(t, 3, CLUSTER_BRIDGED_BASIC, ATTR_UNIQUE_ID, &value), ==,
                    MATTER_IM_STATUS_SUCCESS);
    reader = reader_of(value);
    g_assert_cmpint(matter_tlv_get_utf8(&reader, &str, &len), ==, MATTER_OK);
    g_assert_cmpmem(str, len, "lamp-2", 6);
  }
  g_assert_true(read_bool(t, 2, CLUSTER_BRIDGED_BASIC, ATTR_REACHABLE));
  /* The node's Descriptor, Groups and Bridged Device Basic Information
   * beside the application's Identify and On/Off. */
  {
    g_autoptr(GArray) servers = read_uints(t, 2, CLUSTER_DESCRIPTOR, ATTR_SERVER_LIST);
    const guint64 want[] = { 0x0003, 0x0004, CLUSTER_ON_OFF, CLUSTER_DESCRIPTOR,
                             CLUSTER_BRIDGED_BASIC };

    g_assert_cmpmem(servers->data, servers->len * sizeof(guint64), want, sizeof(want));
  }

  /* Reads of the application's attribute are its cached value. */
  g_assert_true(read_bool(t, 2, CLUSTER_ON_OFF, ATTR_ON_OFF));
  g_assert_false(read_bool(t, 3, CLUSTER_ON_OFF, ATTR_ON_OFF));
  {
    g_autoptr(GPtrArray) list = md_node_app_list(t->node);
    MdAppEndpointInfo *info;

    g_assert_cmpuint(list->len, ==, 2);
    info = g_ptr_array_index(list, 0);
    g_assert_cmpuint(info->number, ==, 2);
    g_assert_cmpstr(info->unique_id, ==, "lamp-1");
    g_assert_cmpstr(info->owner, ==, ":1.42");
    g_assert_true(info->reachable);
    g_assert_true(info->bridged);
    g_assert_cmpuint(info->device_types->len, ==, 1);
  }
  test_free(t);
}

/* A wildcard read of the whole node goes through every endpoint, the
 * applications' included, in chunks. */
static void
test_wildcard_read(void)
{
  Test *t = test_new();
  g_autoptr(GPtrArray) specs =
      specs_of(light_new("lamp-1", TRUE), light_new("lamp-2", FALSE), NULL);
  MatterImReadRequest req = { .has_attribute_requests = true, .attribute_path_count = 1 };
  g_autoptr(GHashTable) seen = g_hash_table_new(NULL, NULL);
  uint8_t buf[256];
  size_t len;
  gboolean last_suppresses = FALSE;

  register_ok(t, specs, TRUE, FALSE, NULL);
  req.fabric_filtered = true;
  g_assert_cmpint(matter_im_read_request_encode(&req, buf, sizeof(buf), &len), ==, MATTER_OK);
  request(t, MATTER_IM_OPCODE_READ_REQUEST, buf, len);
  g_assert_cmpuint(t->replies->len, >, 1);
  for (guint i = 0; i < t->replies->len; i++) {
    gsize size;
    const guint8 *payload = g_bytes_get_data(g_ptr_array_index(t->replies, i), &size);
    MatterImReportData data;
    MatterImAttributeReport report;

    g_assert_cmphex(payload[0], ==, MATTER_IM_OPCODE_REPORT_DATA);
    g_assert_cmpint(matter_im_report_data_decode(payload + 1, size - 1, &data), ==, MATTER_OK);
    while (matter_im_next_attribute_report(&data.attribute_reports, &report) == MATTER_OK) {
      g_assert_false(report.is_status);
      g_hash_table_add(seen, GUINT_TO_POINTER(report.data.path.endpoint << 16 |
                                              (report.data.path.cluster & 0xFFFF)));
    }
    last_suppresses = data.suppress_response;
  }
  g_assert_true(last_suppresses);
  for (guint16 ep = 2; ep <= 3; ep++) {
    g_assert_true(g_hash_table_contains(seen, GUINT_TO_POINTER(ep << 16 | CLUSTER_ON_OFF)));
    g_assert_true(g_hash_table_contains(seen, GUINT_TO_POINTER(ep << 16 | CLUSTER_IDENTIFY)));
    g_assert_true(g_hash_table_contains(seen, GUINT_TO_POINTER(ep << 16 | CLUSTER_GROUPS)));
    g_assert_true(g_hash_table_contains(seen, GUINT_TO_POINTER(ep << 16 | CLUSTER_BRIDGED_BASIC)));
  }
  g_assert_true(g_hash_table_contains(seen, GUINT_TO_POINTER(1 << 16 | CLUSTER_DESCRIPTOR)));
  test_free(t);
}

static void
test_not_bridged(void)
{
  Test *t = test_new();
  g_autoptr(GPtrArray) specs = specs_of(light_new("lamp-1", TRUE), NULL);
  guint16 number = 0;
  const guint64 root_parts[] = { 1, 2 };
  const guint64 no_parts[] = { 0 };

  register_ok(t, specs, FALSE, FALSE, &number);
  g_assert_cmpuint(number, ==, 2);
  assert_parts(t, 0, root_parts, 2);
  assert_parts(t, 1, no_parts, 0);
  g_assert_cmphex(read_attribute(t, 2, CLUSTER_BRIDGED_BASIC, ATTR_REACHABLE, NULL), ==,
                  MATTER_IM_STATUS_UNSUPPORTED_CLUSTER);
  {
    g_autoptr(GArray) types = read_device_types(t, 2);
    g_autoptr(GArray) servers = NULL;
    g_autoptr(GPtrArray) sensor = specs_of(spec_new(DEVICE_TYPE_CONTACT_SENSOR, "door-1"), NULL);
    const guint64 want[] = { 0x0003, CLUSTER_DESCRIPTOR, CLUSTER_BOOLEAN_STATE };

    g_assert_cmpuint(types->len, ==, 1);
    g_assert_cmphex(g_array_index(types, guint32, 0), ==, DEVICE_TYPE_ON_OFF_LIGHT);
    /* A device type without Groups has none. */
    register_ok(t, sensor, FALSE, FALSE, &number);
    g_assert_cmpuint(number, ==, 3);
    servers = read_uints(t, 3, CLUSTER_DESCRIPTOR, ATTR_SERVER_LIST);
    g_assert_cmpmem(servers->data, servers->len * sizeof(guint64), want, sizeof(want));
  }
  test_free(t);
}

/* AcceptedCommandList follows the methods the application's
 * introspection lists, AttributeList the properties it has. */
static void
test_presence(void)
{
  Test *t = test_new();
  MdAppEndpointSpec *known = spec_new(DEVICE_TYPE_CONTACT_SENSOR, "door-1");
  MdAppEndpointSpec *unknown = spec_new(DEVICE_TYPE_CONTACT_SENSOR, "door-2");
  g_autoptr(GPtrArray) specs = specs_of(known, unknown, NULL);
  g_autoptr(GArray) accepted = NULL;
  g_autoptr(GArray) attributes = NULL;
  const guint64 only_identify[] = { 0x00 };
  const guint64 both[] = { 0x00, 0x40 };
  const guint64 identify_attributes[] = { 0x0000, 0x0001, 0xFFF8, 0xFFF9, 0xFFFB, 0xFFFC, 0xFFFD };
  const guint64 on_off_attributes[] = { 0x0000, 0x4000, 0x4001, 0x4002, 0x4003,
                                        0xFFF8, 0xFFF9, 0xFFFB, 0xFFFC, 0xFFFD };

  find_cluster(known, CLUSTER_IDENTIFY)->methods = g_strsplit("Identify", ",", -1);
  register_ok(t, specs, TRUE, FALSE, NULL);
  accepted = read_uints(t, 2, CLUSTER_IDENTIFY, MATTER_DM_ATTR_ACCEPTED_COMMAND_LIST);
  g_assert_cmpmem(accepted->data, accepted->len * sizeof(guint64), only_identify,
                  sizeof(only_identify));
  g_clear_pointer(&accepted, g_array_unref);
  accepted = read_uints(t, 3, CLUSTER_IDENTIFY, MATTER_DM_ATTR_ACCEPTED_COMMAND_LIST);
  g_assert_cmpmem(accepted->data, accepted->len * sizeof(guint64), both, sizeof(both));
  attributes = read_uints(t, 2, CLUSTER_IDENTIFY, MATTER_DM_ATTR_ATTRIBUTE_LIST);
  g_assert_cmpmem(attributes->data, attributes->len * sizeof(guint64), identify_attributes,
                  sizeof(identify_attributes));
  /* A command the introspection does not list is not there. */
  invoke(t, 2, CLUSTER_IDENTIFY, 0x40);
  g_assert_cmphex(invoke_status(t), ==, MATTER_IM_STATUS_UNSUPPORTED_COMMAND);
  g_assert_cmpuint(t->calls->len, ==, 0);
  test_free(t);

  /* On/Off with Lighting: its attributes. */
  t = test_new();
  g_clear_pointer(&specs, g_ptr_array_unref);
  specs = specs_of(light_new("lamp-1", TRUE), NULL);
  register_ok(t, specs, TRUE, FALSE, NULL);
  g_clear_pointer(&attributes, g_array_unref);
  attributes = read_uints(t, 2, CLUSTER_ON_OFF, MATTER_DM_ATTR_ATTRIBUTE_LIST);
  g_assert_cmpmem(attributes->data, attributes->len * sizeof(guint64), on_off_attributes,
                  sizeof(on_off_attributes));
  test_free(t);
}

static void
test_write(void)
{
  Test *t = test_new();
  g_autoptr(GPtrArray) specs = specs_of(light_new("lamp-1", TRUE), NULL);
  HostCall *call;

  register_ok(t, specs, TRUE, FALSE, NULL);
  write_uint(t, 2, CLUSTER_ON_OFF, ATTR_ON_TIME, 300);
  /* Nothing answered until the application has. */
  g_assert_cmpuint(t->replies->len, ==, 0);
  g_assert_cmpuint(t->calls->len, ==, 1);
  call = last_call(t);
  g_assert_false(call->invoke);
  g_assert_cmpuint(call->endpoint, ==, 2);
  g_assert_true(call->cluster == md_app_cluster_by_id(CLUSTER_ON_OFF));
  g_assert_cmpstr(call->name, ==, "OnTime");
  g_assert_true(g_variant_equal(call->value, g_variant_new_uint16(300)));
  g_assert_cmpuint(call->token, !=, 0);
  complete(t, call->token, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmphex(write_status(t), ==, MATTER_IM_STATUS_SUCCESS);

  /* The application's refusal (org.matterd.Status.ConstraintError). */
  write_uint(t, 2, CLUSTER_ON_OFF, ATTR_ON_TIME, 7);
  call = last_call(t);
  complete(t, call->token, MATTER_IM_STATUS_CONSTRAINT_ERROR);
  g_assert_cmphex(write_status(t), ==, MATTER_IM_STATUS_CONSTRAINT_ERROR);
  /* A second answer to the same token is ignored. */
  complete(t, call->token, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(t->replies->len, ==, 0);

  /* What does not decode never reaches the application. */
  write_uint(t, 2, CLUSTER_ON_OFF, ATTR_ON_OFF, 1);
  g_assert_cmphex(write_status(t), ==, MATTER_IM_STATUS_UNSUPPORTED_WRITE);
  g_assert_cmpuint(t->calls->len, ==, 2);

  /* NodeLabel goes to Endpoint1's Label. */
  {
    uint8_t data[32];
    MatterTlvWriter w;
    MatterImAttributeData item = { .path = { .has_endpoint = true,
                                             .endpoint = 2,
                                             .has_cluster = true,
                                             .cluster = CLUSTER_BRIDGED_BASIC,
                                             .has_attribute = true,
                                             .attribute = ATTR_NODE_LABEL } };
    uint8_t buf[128];
    size_t len;

    matter_tlv_writer_init(&w, data, sizeof(data));
    matter_tlv_put_string(&w, matter_tlv_tag_context(MATTER_IM_TAG_DATA), "Porch");
    g_assert_cmpint(matter_tlv_writer_finish(&w, &len), ==, MATTER_OK);
    item.data = (MatterImData){ data, len };
    g_assert_cmpint(
        matter_im_write_request_encode(false, false, &item, 1, false, buf, sizeof(buf), &len), ==,
        MATTER_OK);
    request(t, MATTER_IM_OPCODE_WRITE_REQUEST, buf, len);
    call = last_call(t);
    g_assert_null(call->cluster);
    g_assert_cmpstr(call->name, ==, "Label");
    g_assert_true(g_variant_equal(call->value, g_variant_new_string("Porch")));
    complete(t, call->token, MATTER_IM_STATUS_SUCCESS);
    g_assert_cmphex(write_status(t), ==, MATTER_IM_STATUS_SUCCESS);
  }
  test_free(t);
}

static void
test_invoke(void)
{
  Test *t = test_new();
  g_autoptr(GPtrArray) specs = specs_of(light_new("lamp-1", FALSE), NULL);
  g_autoptr(GVariant) want = NULL;
  HostCall *call;

  register_ok(t, specs, TRUE, TRUE, NULL);
  invoke(t, 2, CLUSTER_ON_OFF, CMD_ON);
  g_assert_cmpuint(t->replies->len, ==, 0);
  call = last_call(t);
  g_assert_true(call->invoke);
  g_assert_cmpuint(call->endpoint, ==, 2);
  g_assert_cmpstr(call->name, ==, "On");
  /* On() has no fields: the context dictionary alone. */
  want = g_variant_ref_sink(g_variant_new_parsed(
      "({'FabricIndex': <byte 1>, 'SubjectNodeId': <uint64 4096>, 'Timed': <false>},)"));
  g_assert_cmpstr(g_variant_get_type_string(call->value), ==, "(a{sv})");
  {
    g_autoptr(GVariant) got = g_variant_get_child_value(call->value, 0);
    g_autoptr(GVariant) expected = g_variant_get_child_value(want, 0);
    guint8 fabric;
    guint64 subject;
    gboolean timed;

    g_assert_true(g_variant_lookup(got, "FabricIndex", "y", &fabric));
    g_assert_true(g_variant_lookup(got, "SubjectNodeId", "t", &subject));
    g_assert_true(g_variant_lookup(got, "Timed", "b", &timed));
    g_assert_cmpuint(fabric, ==, 1);
    g_assert_cmphex(subject, ==, OPERATOR);
    g_assert_false(timed);
    g_assert_cmpuint(g_variant_n_children(got), ==, g_variant_n_children(expected));
  }
  complete(t, call->token, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmphex(invoke_status(t), ==, MATTER_IM_STATUS_SUCCESS);

  /* A failure the application reports comes through. */
  invoke(t, 2, CLUSTER_ON_OFF, CMD_ON);
  complete(t, last_call(t)->token, MATTER_IM_STATUS_FAILURE);
  g_assert_cmphex(invoke_status(t), ==, MATTER_IM_STATUS_FAILURE);
  test_free(t);
}

/* Echo(Value @value) on endpoint 2. */
static void
invoke_echo(Test *t, guint8 value)
{
  uint8_t fields[16];
  MatterTlvWriter w;
  MatterImCommandData cmd = {
    .path = { .has_endpoint = true, .endpoint = 2, .cluster = CLUSTER_ECHO, .command = 0 },
    .has_fields = true
  };
  uint8_t buf[128];
  size_t len;

  matter_tlv_writer_init(&w, fields, sizeof(fields));
  matter_tlv_start_structure(&w, matter_tlv_tag_context(1));
  matter_tlv_put_uint(&w, matter_tlv_tag_context(0), value);
  matter_tlv_end_container(&w);
  g_assert_cmpint(matter_tlv_writer_finish(&w, &len), ==, MATTER_OK);
  cmd.fields = (MatterImData){ fields, len };
  g_assert_cmpint(matter_im_invoke_request_encode(false, false, &cmd, 1, buf, sizeof(buf), &len),
                  ==, MATTER_OK);
  request(t, MATTER_IM_OPCODE_INVOKE_REQUEST, buf, len);
}

static void
test_invoke_response(void)
{
  Test *t = test_new();
  MdAppEndpointSpec *spec = light_new("lamp-1", FALSE);
  g_autoptr(GPtrArray) specs = specs_of(spec, NULL);
  MatterImInvokeResponseMessage rsp;
  MatterImInvokeResponse item;
  MatterTlvReader reader;
  const uint8_t *payload;
  size_t len;
  guint8 value;

  g_ptr_array_add(spec->clusters, md_app_cluster_spec_new("/app/lamp-1/Echo", &echo_info));
  register_ok(t, specs, TRUE, FALSE, NULL);
  invoke_echo(t, 7);
  g_assert_cmpuint(t->replies->len, ==, 0);
  g_assert_cmpstr(last_call(t)->name, ==, "Echo");
  {
    g_autofree char *args = g_variant_print(last_call(t)->value, TRUE);

    g_assert_cmpstr(args, ==, "(byte 0x07,)");
  }
  g_ptr_array_set_size(t->replies, 0);
  md_node_app_complete(t->node, last_call(t)->token, MATTER_IM_STATUS_SUCCESS,
                       g_variant_new_parsed("(byte 8,)"), t->now);
  pump(t);
  payload = reply(t, MATTER_IM_OPCODE_INVOKE_RESPONSE, &len);
  g_assert_cmpint(matter_im_invoke_response_decode(payload, len, &rsp), ==, MATTER_OK);
  g_assert_cmpint(matter_im_next_invoke_response(&rsp.responses, &item), ==, MATTER_OK);
  g_assert_false(item.is_status);
  g_assert_cmphex(item.command.path.command, ==, 0x01);
  g_assert_cmpint(matter_im_data_reader(&item.command.fields, &reader), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_enter(&reader), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_get_context_u8(&reader, 0, &value), ==, MATTER_OK);
  g_assert_cmpuint(value, ==, 8);

  /* A reply that is not the response's fields is a failure. */
  invoke_echo(t, 7);
  g_ptr_array_set_size(t->replies, 0);
  g_test_expect_message("matterd", G_LOG_LEVEL_WARNING, "*answer to Echo is unusable*'(q)'*");
  md_node_app_complete(t->node, last_call(t)->token, MATTER_IM_STATUS_SUCCESS,
                       g_variant_new_parsed("(uint16 8,)"), t->now);
  g_test_assert_expected_messages();
  pump(t);
  g_assert_cmphex(invoke_status(t), ==, MATTER_IM_STATUS_FAILURE);
  invoke_echo(t, 7);
  g_test_expect_message("matterd", G_LOG_LEVEL_WARNING, "*answer to Echo is unusable*");
  complete(t, last_call(t)->token, MATTER_IM_STATUS_SUCCESS);
  g_test_assert_expected_messages();
  g_assert_cmphex(invoke_status(t), ==, MATTER_IM_STATUS_FAILURE);
  /* Fields that do not decode never reach the application. */
  invoke(t, 2, CLUSTER_ECHO, 0x00);
  g_assert_cmphex(invoke_status(t), ==, MATTER_IM_STATUS_INVALID_COMMAND);
  g_assert_cmpuint(t->calls->len, ==, 3);
  test_free(t);
}

/* A host that answers before returning: the answer goes out at once. */
static void
test_answered_at_once(void)
{
  Test *t = test_new();
  MdAppEndpointSpec *spec = light_new("lamp-1", FALSE);
  g_autoptr(GPtrArray) specs = specs_of(spec, NULL);
  MatterImInvokeResponseMessage rsp;
  MatterImInvokeResponse item;
  MatterTlvReader reader;
  const uint8_t *payload;
  size_t len;
  guint8 value;

  g_ptr_array_add(spec->clusters, md_app_cluster_spec_new("/app/lamp-1/Echo", &echo_info));
  register_ok(t, specs, TRUE, FALSE, NULL);
  t->answer_now = TRUE;
  t->answer_status = MATTER_IM_STATUS_CONSTRAINT_ERROR;
  write_uint(t, 2, CLUSTER_ON_OFF, ATTR_ON_TIME, 300);
  g_assert_cmphex(write_status(t), ==, MATTER_IM_STATUS_CONSTRAINT_ERROR);
  t->answer_status = MATTER_IM_STATUS_SUCCESS;
  invoke(t, 2, CLUSTER_ON_OFF, CMD_ON);
  g_assert_cmphex(invoke_status(t), ==, MATTER_IM_STATUS_SUCCESS);
  t->answer_response = "(byte 9,)";
  invoke_echo(t, 7);
  payload = reply(t, MATTER_IM_OPCODE_INVOKE_RESPONSE, &len);
  g_assert_cmpint(matter_im_invoke_response_decode(payload, len, &rsp), ==, MATTER_OK);
  g_assert_cmpint(matter_im_next_invoke_response(&rsp.responses, &item), ==, MATTER_OK);
  g_assert_false(item.is_status);
  g_assert_cmpint(matter_im_data_reader(&item.command.fields, &reader), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_enter(&reader), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_get_context_u8(&reader, 0, &value), ==, MATTER_OK);
  g_assert_cmpuint(value, ==, 9);
  /* Nothing is left waiting: no timeout comes later. */
  g_ptr_array_set_size(t->replies, 0);
  t->now += MATTER_IM_PENDING_TIMEOUT_MS + 1;
  md_node_process(t->node, t->now);
  pump(t);
  g_assert_cmpuint(t->replies->len, ==, 0);
  test_free(t);
}

static void
test_invoke_without_context(void)
{
  Test *t = test_new();
  g_autoptr(GPtrArray) specs = specs_of(light_new("lamp-1", FALSE), NULL);

  register_ok(t, specs, TRUE, FALSE, NULL);
  invoke(t, 2, CLUSTER_ON_OFF, CMD_ON);
  g_assert_cmpstr(g_variant_get_type_string(last_call(t)->value), ==, "()");
  complete(t, last_call(t)->token, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmphex(invoke_status(t), ==, MATTER_IM_STATUS_SUCCESS);
  test_free(t);
}

static void
test_invoke_timeout(void)
{
  Test *t = test_new();
  g_autoptr(GPtrArray) specs = specs_of(light_new("lamp-1", FALSE), NULL);
  guint32 token;

  register_ok(t, specs, TRUE, FALSE, NULL);
  matter_im_engine_set_pending_timeout(md_node_get_engine(t->node), 2000);
  invoke(t, 2, CLUSTER_ON_OFF, CMD_ON);
  token = last_call(t)->token;
  g_assert_cmpuint(t->replies->len, ==, 0);
  t->now += 2001;
  g_assert_cmpuint(md_node_next_deadline(t->node), <=, t->now);
  md_node_process(t->node, t->now);
  pump(t);
  g_assert_cmphex(invoke_status(t), ==, MATTER_IM_STATUS_TIMEOUT);
  /* The application's late answer goes nowhere. */
  complete(t, token, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(t->replies->len, ==, 0);
  test_free(t);
}

static void
test_set_property(void)
{
  Test *t = test_new();
  g_autoptr(GPtrArray) specs = specs_of(light_new("lamp-1", FALSE), NULL);
  g_autoptr(GError) error = NULL;
  const MdAppClusterInfo *on_off = md_app_cluster_by_id(CLUSTER_ON_OFF);
  MatterDmCluster *cluster;
  guint32 version;
  guint64 tick;

  register_ok(t, specs, TRUE, FALSE, NULL);
  cluster = matter_dm_find_cluster(md_node_get_dm(t->node), 2, CLUSTER_ON_OFF);
  g_assert_nonnull(cluster);
  version = cluster->data_version;
  tick = matter_dm_attribute_tick(cluster, ATTR_ON_OFF);
  g_assert_true(md_node_app_set_property(t->node, 2, on_off, "OnOff", g_variant_new_boolean(TRUE),
                                         t->now, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(cluster->data_version, !=, version);
  g_assert_cmpuint(matter_dm_attribute_tick(cluster, ATTR_ON_OFF), >, tick);
  g_assert_true(read_bool(t, 2, CLUSTER_ON_OFF, ATTR_ON_OFF));

  /* A bad value is refused and the cached one stays. */
  version = cluster->data_version;
  g_assert_false(
      md_node_app_set_property(t->node, 2, on_off, "OnOff", g_variant_new_byte(0), t->now, &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT);
  g_test_message("%s", error->message);
  g_assert_nonnull(strstr(error->message, "OnOff.OnOff"));
  g_clear_error(&error);
  g_assert_false(md_node_app_set_property(t->node, 2, on_off, "StartUpOnOff",
                                          g_variant_new_parsed("@ay [9]"), t->now, &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT);
  g_clear_error(&error);
  g_assert_false(md_node_app_set_property(t->node, 2, on_off, "Nonsense",
                                          g_variant_new_boolean(TRUE), t->now, &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT);
  g_clear_error(&error);
  g_assert_cmpuint(cluster->data_version, ==, version);
  g_assert_true(read_bool(t, 2, CLUSTER_ON_OFF, ATTR_ON_OFF));

  /* Endpoint1's Label is NodeLabel. */
  g_assert_true(md_node_app_set_property(t->node, 2, NULL, "Label", g_variant_new_string("Hall"),
                                         t->now, &error));
  g_assert_no_error(error);
  {
    g_autoptr(GBytes) value = NULL;
    MatterTlvReader reader;
    const char *str;
    size_t len;

    g_assert_cmphex(read_attribute(t, 2, CLUSTER_BRIDGED_BASIC, ATTR_NODE_LABEL, &value), ==,
                    MATTER_IM_STATUS_SUCCESS);
    reader = reader_of(value);
    g_assert_cmpint(matter_tlv_get_utf8(&reader, &str, &len), ==, MATTER_OK);
    g_assert_cmpmem(str, len, "Hall", 4);
  }
  g_assert_false(md_node_app_set_property(t->node, 2, NULL, "UniqueId",
                                          g_variant_new_string("other"), t->now, &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT);
  g_clear_error(&error);
  /* What cannot change may be told again unchanged. */
  g_assert_true(md_node_app_set_property(t->node, 2, NULL, "UniqueId",
                                         g_variant_new_string("lamp-1"), t->now, &error));
  g_assert_true(md_node_app_set_property(t->node, 2, NULL, "DeviceTypes",
                                         g_variant_new_parsed("[(uint16 0x0100, uint16 3)]"),
                                         t->now, &error));
  g_assert_no_error(error);
  g_assert_false(md_node_app_set_property(t->node, 2, NULL, "DeviceTypes",
                                          g_variant_new_parsed("[(uint16 0x0101, uint16 3)]"),
                                          t->now, &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT);
  g_clear_error(&error);
  version = cluster->data_version;
  g_assert_true(md_node_app_set_property(t->node, 2, on_off, "FeatureMap", g_variant_new_uint32(1),
                                         t->now, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(cluster->data_version, ==, version);
  g_assert_false(md_node_app_set_property(t->node, 2, on_off, "FeatureMap", g_variant_new_uint32(0),
                                          t->now, &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT);
  test_free(t);
}

/* The events of @cluster/@event on @endpoint in the log, oldest first:
 * their fields ([0] of each, an unsigned integer or a boolean as 0/1),
 * and their priorities in @priorities when not NULL. */
static GArray *
logged_events(Test *t, guint16 endpoint, guint32 cluster, guint32 event, GArray *priorities)
{
  const MatterEventLog *log = md_node_get_events(t->node);
  GArray *values = g_array_new(FALSE, FALSE, sizeof(guint64));
  MatterEventInfo info;
  guint64 min = 0;

  while (matter_event_log_next(log, min, 1, &info) == MATTER_OK) {
    guint8 buf[256];
    MatterTlvReader reader;
    guint64 value;
    bool b;

    min = info.number + 1;
    if (info.endpoint != endpoint || info.cluster != cluster || info.event != event)
      continue;
    if (priorities != NULL)
      g_array_append_val(priorities, info.priority);
    g_assert_cmpint(matter_event_log_copy(log, &info, buf, sizeof(buf)), ==, MATTER_OK);
    /* The EventDataIB: its Data [7] is the fields. */
    matter_tlv_reader_init(&reader, buf, info.len);
    g_assert_cmpint(matter_tlv_next(&reader), ==, MATTER_OK);
    g_assert_cmpint(matter_tlv_enter(&reader), ==, MATTER_OK);
    g_assert_cmpint(matter_tlv_enter_context(&reader, 7, MATTER_TLV_TYPE_STRUCTURE), ==, MATTER_OK);
    g_assert_cmpint(matter_tlv_find_context(&reader, 0), ==, MATTER_OK);
    if (matter_tlv_get_bool(&reader, &b) == MATTER_OK)
      value = b;
    else
      g_assert_cmpint(matter_tlv_get_u64(&reader, &value), ==, MATTER_OK);
    g_array_append_val(values, value);
  }
  return values;
}

static GArray *
reachable_events(Test *t, guint16 endpoint)
{
  g_autoptr(GArray) priorities = g_array_new(FALSE, FALSE, sizeof(guint8));
  GArray *values =
      logged_events(t, endpoint, CLUSTER_BRIDGED_BASIC, EVENT_REACHABLE_CHANGED, priorities);

  for (guint i = 0; i < priorities->len; i++)
    g_assert_cmpuint(g_array_index(priorities, guint8, i), ==, MATTER_EVENT_PRIORITY_INFO);
  return values;
}

static void
test_reachable(void)
{
  Test *t = test_new();
  g_autoptr(GPtrArray) specs = specs_of(light_new("lamp-1", FALSE), NULL);
  g_autoptr(GArray) events = NULL;
  g_autoptr(GError) error = NULL;
  guint changes;

  register_ok(t, specs, TRUE, FALSE, NULL);
  changes = t->endpoint_changes;
  md_node_app_set_connected(t->node, 2, FALSE, t->now);
  g_assert_cmpuint(t->endpoint_changes, ==, changes + 1);
  g_assert_false(read_bool(t, 2, CLUSTER_BRIDGED_BASIC, ATTR_REACHABLE));
  events = reachable_events(t, 2);
  g_assert_cmpuint(events->len, ==, 1);
  g_assert_false(g_array_index(events, guint64, 0));
  /* The endpoint stays, and nothing is asked of an application gone. */
  g_assert_false(read_bool(t, 2, CLUSTER_ON_OFF, ATTR_ON_OFF));
  invoke(t, 2, CLUSTER_ON_OFF, CMD_ON);
  g_assert_cmphex(invoke_status(t), ==, MATTER_IM_STATUS_FAILURE);
  g_assert_cmpuint(t->calls->len, ==, 0);
  {
    g_autoptr(GPtrArray) list = md_node_app_list(t->node);

    g_assert_cmpuint(list->len, ==, 1);
    g_assert_false(((MdAppEndpointInfo *) g_ptr_array_index(list, 0))->reachable);
    g_assert_null(((MdAppEndpointInfo *) g_ptr_array_index(list, 0))->owner);
  }

  /* Coming back; then Endpoint1's own Reachable false. */
  md_node_app_set_connected(t->node, 2, TRUE, t->now);
  g_assert_true(read_bool(t, 2, CLUSTER_BRIDGED_BASIC, ATTR_REACHABLE));
  g_assert_true(md_node_app_set_property(t->node, 2, NULL, "Reachable",
                                         g_variant_new_boolean(FALSE), t->now, &error));
  g_assert_no_error(error);
  g_assert_false(read_bool(t, 2, CLUSTER_BRIDGED_BASIC, ATTR_REACHABLE));
  g_clear_pointer(&events, g_array_unref);
  events = reachable_events(t, 2);
  g_assert_cmpuint(events->len, ==, 3);
  g_assert_true(g_array_index(events, guint64, 1));
  g_assert_false(g_array_index(events, guint64, 2));
  test_free(t);
}

static void
test_event(void)
{
  Test *t = test_new();
  MdAppEndpointSpec *spec = spec_new(DEVICE_TYPE_GENERIC_SWITCH, "button-1");
  g_autoptr(GPtrArray) specs = specs_of(spec, NULL);
  const MdAppClusterInfo *info = md_app_cluster_by_id(CLUSTER_SWITCH);
  const MdAppEvent *initial_press = &info->events[md_app_cluster_find_event(info, "InitialPress")];
  const MdAppEvent *latched = &info->events[md_app_cluster_find_event(info, "SwitchLatched")];
  g_autoptr(GArray) values = NULL;
  g_autoptr(GArray) priorities = g_array_new(FALSE, FALSE, sizeof(guint8));
  g_autoptr(GError) error = NULL;

  find_cluster(spec, CLUSTER_SWITCH)->feature_map = SWITCH_FEATURE_MOMENTARY;
  register_ok(t, specs, TRUE, FALSE, NULL);
  g_assert_true(md_node_app_emit_event(t->node, 2, info, initial_press,
                                       g_variant_new_parsed("(byte 1,)"), t->now, &error));
  g_assert_no_error(error);
  values = logged_events(t, 2, CLUSTER_SWITCH, SWITCH_EVENT_INITIAL_PRESS, priorities);
  g_assert_cmpuint(values->len, ==, 1);
  g_assert_cmpuint(g_array_index(values, guint64, 0), ==, 1);
  g_assert_cmpuint(g_array_index(priorities, guint8, 0), ==,
                   info->dm_events[initial_press - info->events].priority);

  /* Fields of the wrong type, an event the features do not allow. */
  g_assert_false(md_node_app_emit_event(t->node, 2, info, initial_press,
                                        g_variant_new_parsed("(uint16 1,)"), t->now, &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT);
  g_test_message("%s", error->message);
  g_assert_nonnull(strstr(error->message, "Switch.InitialPress"));
  g_clear_error(&error);
  g_assert_false(md_node_app_emit_event(t->node, 2, info, latched,
                                        g_variant_new_parsed("(byte 1,)"), t->now, &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT);
  g_clear_error(&error);
  g_assert_false(md_node_app_emit_event(t->node, 3, info, initial_press,
                                        g_variant_new_parsed("(byte 1,)"), t->now, &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_NOT_FOUND);
  g_clear_pointer(&values, g_array_unref);
  values = logged_events(t, 2, CLUSTER_SWITCH, SWITCH_EVENT_INITIAL_PRESS, NULL);
  g_assert_cmpuint(values->len, ==, 1);
  g_clear_pointer(&values, g_array_unref);
  values = logged_events(t, 2, CLUSTER_SWITCH, 0x00, NULL);
  g_assert_cmpuint(values->len, ==, 0);
  test_free(t);
}

/* The value a controller reads of @attribute (index @index of @info). */
static GVariant *
read_value(Test *t, guint16 endpoint, const MdAppClusterInfo *info, gsize index)
{
  g_autoptr(GBytes) tlv = NULL;
  MatterTlvReader reader;
  GVariant *value = NULL;

  g_assert_cmphex(read_attribute(t, endpoint, info->id, info->dm_attributes[index].id, &tlv), ==,
                  MATTER_IM_STATUS_SUCCESS);
  reader = reader_of(tlv);
  g_assert_cmphex(md_app_value_from_tlv(info->attributes[index].type, info->attributes[index].flags,
                                        &reader, &value),
                  ==, MATTER_IM_STATUS_SUCCESS);
  return value;
}

/* Random values from a misbehaving application: each is taken only when
 * it fits, and what a controller reads is always the last one taken. */
static void
test_random_values(void)
{
  static const char *const signatures[] = { "b", "y", "q",  "u",  "t",  "n",    "i",  "x",
                                            "d", "s", "ay", "an", "aq", "(yy)", "as", "ab" };
  Test *t = test_new();
  g_autoptr(GPtrArray) specs = specs_of(light_new("lamp-1", FALSE), NULL);
  const guint32 clusters[] = { CLUSTER_ON_OFF, 0x0003 };
  guint taken = 0;

  register_ok(t, specs, TRUE, FALSE, NULL);
  for (guint round = 0; round < 400; round++) {
    const MdAppClusterInfo *info = md_app_cluster_by_id(clusters[g_test_rand_int_range(0, 2)]);
    gsize index = (gsize) g_test_rand_int_range(0, (gint32) info->attribute_count);
    const char *signature = signatures[g_test_rand_int_range(0, G_N_ELEMENTS(signatures))];
    guint8 bytes[16];
    gsize len = (gsize) g_test_rand_int_range(0, sizeof(bytes) + 1);
    g_autoptr(GVariant) value = NULL;
    g_autoptr(GVariant) before = NULL;
    g_autoptr(GVariant) after = NULL;
    g_autoptr(GError) error = NULL;
    gboolean present;

    for (gsize i = 0; i < len; i++)
      bytes[i] = (guint8) g_test_rand_int_range(0, 256);
    /* Small integers often, so that some values fit. */
    if (g_test_rand_bit())
      memset(bytes + 1, 0, sizeof(bytes) - 1);
    value = g_variant_ref_sink(g_variant_get_normal_form(
        g_variant_new_from_data(G_VARIANT_TYPE(signature), bytes, len, FALSE, NULL, NULL)));
    present = g_hash_table_contains(find_cluster(g_ptr_array_index(specs, 0), info->id)->properties,
                                    info->attributes[index].name);
    if (present)
      before = read_value(t, 2, info, index);
    if (md_node_app_set_property(t->node, 2, info, info->attributes[index].name, value, t->now,
                                 &error)) {
      taken++;
      after = read_value(t, 2, info, index);
      g_assert_true(g_variant_equal(after, value));
    } else {
      g_assert_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT);
      if (present) {
        after = read_value(t, 2, info, index);
        g_assert_true(g_variant_equal(after, before));
      }
    }
  }
  g_test_message("%u of 400 values taken", taken);
  g_assert_cmpuint(taken, >, 0);
  test_free(t);
}

/* The node's Groups on an application endpoint: identifying is the
 * application's IdentifyTime; forgetting the endpoint forgets its groups. */
static void
test_groups(void)
{
  Test *t = test_new();
  g_autoptr(GPtrArray) specs = specs_of(light_new("lamp-1", TRUE), NULL);
  g_autoptr(GError) error = NULL;
  MdGroups *groups;

  register_ok(t, specs, TRUE, FALSE, NULL);
  groups = md_node_get_groups(t->node);
  add_group_if_identifying(t, 2);
  g_assert_cmphex(invoke_status(t), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_false(md_groups_is_member(groups, 1, GROUP, 2));
  g_assert_true(md_node_app_set_property(t->node, 2, md_app_cluster_by_id(CLUSTER_IDENTIFY),
                                         "IdentifyTime", g_variant_new_uint16(10), t->now, &error));
  g_assert_no_error(error);
  add_group_if_identifying(t, 2);
  g_assert_cmphex(invoke_status(t), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_true(md_groups_is_member(groups, 1, GROUP, 2));
  /* The endpoint and its groups go in one transaction: when deleting the
   * group row fails (the 3rd call: begin, the table, the row), both stay. */
  md_test_storage_fail_at(t->storage, 3);
  g_assert_false(md_node_app_forget(t->node, 2, t->now, &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_STORE);
  g_clear_error(&error);
  g_assert_true(md_groups_is_member(groups, 1, GROUP, 2));
  g_assert_cmpuint(count_endpoints(t), ==, 1);
  g_assert_true(md_node_app_forget(t->node, 2, t->now, &error));
  g_assert_no_error(error);
  g_assert_false(md_groups_is_member(groups, 1, GROUP, 2));
  /* The same device registered again gets its number, not its groups. */
  register_ok(t, specs, TRUE, FALSE, NULL);
  g_assert_false(md_groups_is_member(groups, 1, GROUP, 2));
  test_free(t);
}

/* A subscriber gets the application's changes, and an application
 * leaving the bus: Reachable and the ReachableChanged event. */
static void
test_subscription(void)
{
  Test *t = test_new();
  g_autoptr(GPtrArray) specs = specs_of(light_new("lamp-1", FALSE), NULL);
  MatterImSubscribeRequest req = { .min_interval_floor_s = 1, .max_interval_ceiling_s = 60 };
  MatterImReportData data;
  MatterImAttributeReport attribute;
  MatterImEventReport event;
  MatterTlvReader reader;
  const uint8_t *payload;
  uint8_t buf[256];
  size_t len;
  bool value;

  register_ok(t, specs, TRUE, FALSE, NULL);
  req.paths.has_attribute_requests = true;
  req.paths.attribute_path_count = 2;
  req.paths.attribute_paths[0] = (MatterImAttributePath){ .has_endpoint = true,
                                                          .endpoint = 2,
                                                          .has_cluster = true,
                                                          .cluster = CLUSTER_ON_OFF,
                                                          .has_attribute = true,
                                                          .attribute = ATTR_ON_OFF };
  req.paths.attribute_paths[1] = (MatterImAttributePath){ .has_endpoint = true,
                                                          .endpoint = 2,
                                                          .has_cluster = true,
                                                          .cluster = CLUSTER_BRIDGED_BASIC,
                                                          .has_attribute = true,
                                                          .attribute = ATTR_REACHABLE };
  req.paths.has_event_requests = true;
  req.paths.event_path_count = 1;
  req.paths.event_paths[0] = (MatterImEventPath){ .has_endpoint = true,
                                                  .endpoint = 2,
                                                  .has_cluster = true,
                                                  .cluster = CLUSTER_BRIDGED_BASIC,
                                                  .has_event = true,
                                                  .event = EVENT_REACHABLE_CHANGED,
                                                  .is_urgent = true };
  req.paths.fabric_filtered = true;
  g_assert_cmpint(matter_im_subscribe_request_encode(&req, buf, sizeof(buf), &len), ==, MATTER_OK);
  request(t, MATTER_IM_OPCODE_SUBSCRIBE_REQUEST, buf, len);
  /* The priming report, then the SubscribeResponse. */
  g_assert_cmpuint(t->replies->len, ==, 2);
  g_assert_cmphex(((const guint8 *) g_bytes_get_data(g_ptr_array_index(t->replies, 1), NULL))[0],
                  ==, MATTER_IM_OPCODE_SUBSCRIBE_RESPONSE);

  /* The application turns on: reported once the min interval passed. */
  t->now += 1000;
  g_assert_true(md_node_app_set_property(t->node, 2, md_app_cluster_by_id(CLUSTER_ON_OFF), "OnOff",
                                         g_variant_new_boolean(TRUE), t->now, NULL));
  g_ptr_array_set_size(t->replies, 0);
  g_assert_cmpuint(md_node_next_deadline(t->node), <=, t->now);
  md_node_process(t->node, t->now);
  pump(t);
  g_assert_cmpuint(t->replies->len, ==, 1);
  payload = g_bytes_get_data(g_ptr_array_index(t->replies, 0), &len);
  g_assert_cmphex(payload[0], ==, MATTER_IM_OPCODE_REPORT_DATA);
  g_assert_cmpint(matter_im_report_data_decode(payload + 1, len - 1, &data), ==, MATTER_OK);
  g_assert_cmpint(matter_im_next_attribute_report(&data.attribute_reports, &attribute), ==,
                  MATTER_OK);
  g_assert_false(attribute.is_status);
  g_assert_cmphex(attribute.data.path.attribute, ==, ATTR_ON_OFF);
  g_assert_cmpint(matter_im_data_reader(&attribute.data.data, &reader), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_get_bool(&reader, &value), ==, MATTER_OK);
  g_assert_true(value);
  g_assert_cmpint(matter_im_next_attribute_report(&data.attribute_reports, &attribute), !=,
                  MATTER_OK);

  /* The application leaves the bus. */
  t->now += 1000;
  md_node_app_set_connected(t->node, 2, FALSE, t->now);
  g_ptr_array_set_size(t->replies, 0);
  md_node_process(t->node, t->now);
  pump(t);
  g_assert_cmpuint(t->replies->len, ==, 1);
  payload = g_bytes_get_data(g_ptr_array_index(t->replies, 0), &len);
  g_assert_cmpint(matter_im_report_data_decode(payload + 1, len - 1, &data), ==, MATTER_OK);
  g_assert_cmpint(matter_im_next_attribute_report(&data.attribute_reports, &attribute), ==,
                  MATTER_OK);
  g_assert_cmphex(attribute.data.path.attribute, ==, ATTR_REACHABLE);
  g_assert_cmpint(matter_im_data_reader(&attribute.data.data, &reader), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_get_bool(&reader, &value), ==, MATTER_OK);
  g_assert_false(value);
  g_assert_cmpint(matter_im_next_event_report(&data.event_reports, &event), ==, MATTER_OK);
  g_assert_false(event.is_status);
  g_assert_cmphex(event.data.path.event, ==, EVENT_REACHABLE_CHANGED);
  g_assert_cmpuint(event.data.path.endpoint, ==, 2);
  test_free(t);
}

static void
test_numbers_kept(void)
{
  Test *t = test_new();
  g_autoptr(GPtrArray) specs = specs_of(light_new("lamp-1", TRUE), light_new("lamp-2", TRUE), NULL);
  g_autoptr(GPtrArray) again = specs_of(light_new("lamp-2", FALSE), NULL);
  g_autoptr(GPtrArray) other = specs_of(light_new("lamp-3", FALSE), NULL);
  g_autoptr(GPtrArray) back = specs_of(light_new("lamp-1", FALSE), NULL);
  g_autoptr(GError) error = NULL;
  guint16 numbers[2];
  MatterDmCluster *cluster;
  guint32 version;

  register_ok(t, specs, TRUE, FALSE, numbers);
  g_assert_cmpuint(numbers[0], ==, 2);
  g_assert_cmpuint(numbers[1], ==, 3);

  /* The same UniqueId again: the same number, replaced in place with its
   * data versions moving on. */
  cluster = matter_dm_find_cluster(md_node_get_dm(t->node), 3, CLUSTER_ON_OFF);
  version = cluster->data_version;
  register_ok(t, again, TRUE, FALSE, numbers);
  g_assert_cmpuint(numbers[0], ==, 3);
  cluster = matter_dm_find_cluster(md_node_get_dm(t->node), 3, CLUSTER_ON_OFF);
  g_assert_cmpuint(cluster->data_version - version, >, 0);
  g_assert_cmpuint(cluster->data_version - version, <, 1000);
  g_assert_false(read_bool(t, 3, CLUSTER_ON_OFF, ATTR_ON_OFF));
  g_assert_cmpuint(count_endpoints(t), ==, 2);

  /* A restart: the same endpoints, unreachable until registered. */
  node_stop(t);
  node_start(t);
  {
    g_autoptr(GPtrArray) list = md_node_app_list(t->node);

    g_assert_cmpuint(list->len, ==, 2);
    g_assert_cmpuint(((MdAppEndpointInfo *) g_ptr_array_index(list, 0))->number, ==, 2);
    g_assert_cmpuint(((MdAppEndpointInfo *) g_ptr_array_index(list, 1))->number, ==, 3);
    g_assert_false(((MdAppEndpointInfo *) g_ptr_array_index(list, 0))->reachable);
  }
  g_assert_false(read_bool(t, 2, CLUSTER_BRIDGED_BASIC, ATTR_REACHABLE));
  /* With the values last registered. */
  g_assert_false(read_bool(t, 3, CLUSTER_ON_OFF, ATTR_ON_OFF));
  g_assert_true(read_bool(t, 2, CLUSTER_ON_OFF, ATTR_ON_OFF));
  {
    g_autoptr(GArray) events = reachable_events(t, 2);

    g_assert_cmpuint(events->len, ==, 0);
  }
  register_ok(t, back, TRUE, FALSE, numbers);
  g_assert_cmpuint(numbers[0], ==, 2);
  g_assert_true(read_bool(t, 2, CLUSTER_BRIDGED_BASIC, ATTR_REACHABLE));
  {
    g_autoptr(GArray) events = reachable_events(t, 2);

    g_assert_cmpuint(events->len, ==, 1);
    g_assert_cmpuint(g_array_index(events, guint64, 0), ==, TRUE);
  }
  g_assert_false(read_bool(t, 3, CLUSTER_BRIDGED_BASIC, ATTR_REACHABLE));

  /* Forgotten: gone, and its number is not another's. */
  g_assert_true(md_node_app_forget(t->node, 3, t->now, &error));
  g_assert_no_error(error);
  g_assert_cmphex(read_attribute(t, 3, CLUSTER_ON_OFF, ATTR_ON_OFF, NULL), ==,
                  MATTER_IM_STATUS_UNSUPPORTED_ENDPOINT);
  {
    const guint64 parts[] = { 1, 2 };

    assert_parts(t, 0, parts, 2);
  }
  g_assert_false(md_node_app_forget(t->node, 3, t->now, &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_NOT_FOUND);
  register_ok(t, other, TRUE, FALSE, numbers);
  g_assert_cmpuint(numbers[0], ==, 4);
  node_stop(t);
  node_start(t);
  {
    g_autoptr(GPtrArray) list = md_node_app_list(t->node);

    g_assert_cmpuint(list->len, ==, 2);
    g_assert_cmpuint(((MdAppEndpointInfo *) g_ptr_array_index(list, 0))->number, ==, 2);
    g_assert_cmpuint(((MdAppEndpointInfo *) g_ptr_array_index(list, 1))->number, ==, 4);
  }
  /* The forgotten one comes back as itself. */
  g_clear_pointer(&again, g_ptr_array_unref);
  again = specs_of(light_new("lamp-2", FALSE), NULL);
  register_ok(t, again, TRUE, FALSE, numbers);
  g_assert_cmpuint(numbers[0], ==, 3);
  test_free(t);
}

static void
test_register_fails(void)
{
  Test *t = test_new();
  guint calls_before, calls;

  /* How many storage calls a registration makes. */
  {
    g_autoptr(GPtrArray) specs = specs_of(light_new("probe", TRUE), NULL);

    calls_before = md_test_storage_calls(t->storage);
    register_ok(t, specs, TRUE, FALSE, NULL);
    calls = md_test_storage_calls(t->storage) - calls_before;
    g_assert_true(md_node_app_forget(t->node, 2, t->now, NULL));
  }
  g_assert_cmpuint(calls, >, 0);
  for (guint n = 1; n <= calls; n++) {
    g_autoptr(GPtrArray) specs =
        specs_of(light_new("lamp-1", TRUE), light_new("lamp-2", TRUE), NULL);
    g_autoptr(GError) error = NULL;
    guint changes = t->endpoint_changes;
    guint16 numbers[2] = { 0, 0 };

    g_test_message("storage call %u fails", n);
    md_test_storage_fail_at(t->storage, n);
    g_assert_false(
        md_node_app_register(t->node, specs, TRUE, FALSE, ":1.42", numbers, t->now, &error));
    g_assert_error(error, MD_ERROR, MD_ERROR_STORE);
    g_assert_false(md_test_storage_in_transaction(t->storage));
    g_assert_cmpuint(t->endpoint_changes, ==, changes);
    g_assert_cmpuint(count_endpoints(t), ==, 0);
    g_assert_cmpuint(md_node_get_dm(t->node)->endpoint_count, ==, 2);
  }
  md_test_storage_fail_at(t->storage, 0);
  /* Nothing of them was kept: after a restart the numbers are new ones. */
  node_stop(t);
  node_start(t);
  g_assert_cmpuint(count_endpoints(t), ==, 0);
  {
    g_autoptr(GPtrArray) specs = specs_of(light_new("lamp-1", TRUE), NULL);
    guint16 number;

    register_ok(t, specs, TRUE, FALSE, &number);
    g_assert_cmpuint(number, ==, 3);
  }
  /* A forget that cannot be stored leaves the endpoint served. */
  {
    g_autoptr(GError) error = NULL;

    md_test_storage_fail_at(t->storage, 2);
    g_assert_false(md_node_app_forget(t->node, 3, t->now, &error));
    g_assert_error(error, MD_ERROR, MD_ERROR_STORE);
    g_assert_cmpuint(count_endpoints(t), ==, 1);
    g_assert_true(read_bool(t, 3, CLUSTER_ON_OFF, ATTR_ON_OFF));
  }
  test_free(t);
}

static void
test_register_refused(void)
{
  Test *t = test_new();
  g_autoptr(GPtrArray) specs = specs_of(light_new("lamp-1", TRUE), light_new("lamp-1", TRUE), NULL);
  g_autoptr(GPtrArray) bad = specs_of(light_new("lamp-2", TRUE), light_new("lamp-3", TRUE), NULL);
  g_autoptr(GError) error = NULL;
  guint calls = md_test_storage_calls(t->storage);

  g_assert_false(md_node_app_register(t->node, specs, TRUE, FALSE, ":1.42", NULL, t->now, &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT);
  g_clear_error(&error);
  /* One bad endpoint: none of them. */
  g_free(((MdAppEndpointSpec *) g_ptr_array_index(bad, 1))->unique_id);
  ((MdAppEndpointSpec *) g_ptr_array_index(bad, 1))->unique_id = NULL;
  g_assert_false(md_node_app_register(t->node, bad, TRUE, FALSE, ":1.42", NULL, t->now, &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT);
  g_assert_cmpuint(count_endpoints(t), ==, 0);
  g_assert_cmpuint(md_test_storage_calls(t->storage), ==, calls);
  test_free(t);
}

/* What the store cannot have written stops the node: starting without
 * it could give its numbers to other devices. */
static void
test_store_corrupt(void)
{
  Test *t = test_new();
  const MdNodeStorage *storage = md_test_storage_get(t->storage);
  g_autoptr(GBytes) garbage = g_bytes_new_static("\xff\xff\xff", 3);
  g_autoptr(GVariant) newer = g_variant_ref_sink(g_variant_new_parsed("(uint32 2, @a(sqbbmv) [])"));
  g_autoptr(GBytes) newer_bytes = g_variant_get_data_as_bytes(newer);
  g_autoptr(GError) error = NULL;
  MdNode *node;

  node_stop(t);
  g_assert_true(md_node_storage_put_bytes(storage, "app-endpoints", garbage, NULL));
  node = node_new(t, &error);
  g_assert_null(node);
  g_assert_error(error, MD_ERROR, MD_ERROR_STORE_CORRUPT);
  g_clear_error(&error);
  matter_session_table_clear(&t->node_sessions);
  g_assert_true(md_node_storage_put_bytes(storage, "app-endpoints", newer_bytes, NULL));
  node = node_new(t, &error);
  g_assert_null(node);
  g_assert_error(error, MD_ERROR, MD_ERROR_STORE_VERSION);
  test_free(t);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/app-endpoints/spec-check", test_spec_check);
  g_test_add_func("/app-endpoints/register", test_register);
  g_test_add_func("/app-endpoints/wildcard-read", test_wildcard_read);
  g_test_add_func("/app-endpoints/not-bridged", test_not_bridged);
  g_test_add_func("/app-endpoints/register-refused", test_register_refused);
  g_test_add_func("/app-endpoints/presence", test_presence);
  g_test_add_func("/app-endpoints/write", test_write);
  g_test_add_func("/app-endpoints/invoke", test_invoke);
  g_test_add_func("/app-endpoints/invoke-without-context", test_invoke_without_context);
  g_test_add_func("/app-endpoints/invoke-response", test_invoke_response);
  g_test_add_func("/app-endpoints/answered-at-once", test_answered_at_once);
  g_test_add_func("/app-endpoints/invoke-timeout", test_invoke_timeout);
  g_test_add_func("/app-endpoints/set-property", test_set_property);
  g_test_add_func("/app-endpoints/reachable", test_reachable);
  g_test_add_func("/app-endpoints/event", test_event);
  g_test_add_func("/app-endpoints/groups", test_groups);
  g_test_add_func("/app-endpoints/subscription", test_subscription);
  g_test_add_func("/app-endpoints/random-values", test_random_values);
  g_test_add_func("/app-endpoints/numbers-kept", test_numbers_kept);
  g_test_add_func("/app-endpoints/register-fails", test_register_fails);
  g_test_add_func("/app-endpoints/store-corrupt", test_store_corrupt);
  return g_test_run();
}
