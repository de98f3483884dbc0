/* SPDX-License-Identifier: Apache-2.0 */
/* Groups, driven through its class callbacks as the engine calls them once
 * access was granted, on the storage fake, with Group Key Management
 * beside it (whose GroupKeyMap AddGroup consults and whose GroupTable
 * shows the membership): the tables against the XML, every command's
 * effects and the status of each check, names shared by a group's
 * endpoints, fabric scoping, AddGroupIfIdentifying with and without
 * identification, GroupTable, persistence across a restart, storage
 * failures that must leave memory and store as they were, and the removal
 * of fabrics and endpoints. */

#include <glib.h>
#include <string.h>

#include "clusters/clusters.h"
#include "matter/im.h"
#include "md-error.h"
#include "md-test-storage.h"

#define CLUSTER_GROUPS 0x0004
#define ATTR_NAME_SUPPORT 0x0000
#define CMD_ADD_GROUP 0x00
#define CMD_VIEW_GROUP 0x01
#define CMD_GET_GROUP_MEMBERSHIP 0x02
#define CMD_REMOVE_GROUP 0x03
#define CMD_REMOVE_ALL_GROUPS 0x04
#define CMD_ADD_GROUP_IF_IDENTIFYING 0x05
#define ATTR_GROUP_TABLE 0x0001 /* Group Key Management */
#define FABRICS 3
/* Groups with a key in fabric 1's GroupKeyMap (and 0x0101 in fabric 2's). */
#define G1 0x0101
#define G2 0x0102
#define G3 0x0103
#define G4 0x0104
#define G5 0x0105
#define NO_KEY 0x0200
#define EP_A 2
#define EP_B 3

typedef struct {
  MdTestStorage *storage;
  MdGroupKeyManagement *gkm;
  MdGroups *groups;
  guint16 identifying; /* the endpoint that identifies; 0: none */
  uint64_t gkm_ticks[4 + MATTER_DM_GLOBAL_COUNT];
  uint64_t ticks[2][1 + MATTER_DM_GLOBAL_COUNT];
  MatterDmCluster gkm_cluster;
  MatterDmCluster cluster[2]; /* Groups on EP_A and EP_B */
  MatterDmCluster *root_clusters[1];
  MatterDmCluster *clusters[2][1];
  MatterDmEndpoint endpoint[3];
  MatterDmEndpoint *endpoints[3];
  MatterDmNode dm;
} Fixture;

static gboolean
fixture_identifying(gpointer user_data, guint16 endpoint)
{
  Fixture *f = user_data;

  return f->identifying != 0 && f->identifying == endpoint;
}

static const MdGroupsOps fixture_ops = { .identifying = fixture_identifying };

static const MdNodeStorage *
storage(Fixture *f)
{
  return md_test_storage_get(f->storage);
}

static void
fixture_bind(Fixture *f)
{
  g_autoptr(GError) error = NULL;

  f->gkm = md_group_key_management_new(storage(f), NULL, NULL, &error);
  g_assert_no_error(error);
  f->groups = md_groups_new(storage(f), f->gkm, &fixture_ops, f, &error);
  g_assert_no_error(error);
  g_assert_nonnull(f->groups);
  memset(f->gkm_ticks, 0, sizeof(f->gkm_ticks));
  memset(f->ticks, 0, sizeof(f->ticks));
  f->gkm_cluster = (MatterDmCluster){
    .cls = &md_group_key_management_class,
    .data_version = 100,
    .ticks = f->gkm_ticks,
    .state = f->gkm,
  };
  f->root_clusters[0] = &f->gkm_cluster;
  f->endpoint[0] = (MatterDmEndpoint){ 0, NULL, 0, f->root_clusters, 1 };
  for (int i = 0; i < 2; i++) {
    g_assert_cmpuint(matter_dm_tick_slots(&md_groups_class), ==, G_N_ELEMENTS(f->ticks[i]));
    md_groups_cluster_init(f->groups, &f->cluster[i], i == 0 ? EP_A : EP_B, f->ticks[i]);
    f->clusters[i][0] = &f->cluster[i];
    f->endpoint[i + 1] = (MatterDmEndpoint){ i == 0 ? EP_A : EP_B, NULL, 0, f->clusters[i], 1 };
  }
  for (int i = 0; i < 3; i++)
    f->endpoints[i] = &f->endpoint[i];
  f->dm = (MatterDmNode){ f->endpoints, 3, 0 };
  md_group_key_management_bind(f->gkm, &f->dm, &f->gkm_cluster);
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
  const MdGroupKeyMapRecord one[] = {
    { 1, G1, 1 }, { 1, G2, 1 }, { 1, G3, 1 }, { 1, G4, 1 }, { 1, G5, 1 },
  };
  const MdGroupKeyMapRecord two[] = { { 2, G1, 7 } };

  f->storage = md_test_storage_new();
  md_test_storage_set_fabrics(f->storage, FABRICS);
  g_assert_true(md_node_storage_put_group_key_map(storage(f), 1, one, G_N_ELEMENTS(one), NULL));
  g_assert_true(md_node_storage_put_group_key_map(storage(f), 2, two, G_N_ELEMENTS(two), NULL));
  fixture_bind(f);
}

static void
fixture_unbind(Fixture *f)
{
  md_groups_free(f->groups);
  md_group_key_management_free(f->gkm);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
  fixture_unbind(f);
  md_test_storage_free(f->storage);
}

/* As a restart finds it: loaded from what was committed. */
static void
fixture_restart(Fixture *f)
{
  fixture_unbind(f);
  fixture_bind(f);
}

/* ---- Requests ---- */

typedef struct {
  MatterAclSubject subject;
  MatterDmRequest request;
} Request;

static void
request_init(Request *r, guint8 fabric_index, gboolean fabric_filtered)
{
  r->subject =
      (MatterAclSubject){ .auth_mode = MATTER_ACL_AUTH_CASE, .fabric_index = fabric_index };
  r->request = (MatterDmRequest){ .subject = &r->subject, .fabric_filtered = fabric_filtered };
}

typedef struct {
  MatterDmInvokeResult result;
  guint8 out[512];
  gsize out_len;
} Answer;

/* @fields: one encoded structure, or NULL for none. */
static void
invoke(Fixture *f, guint16 endpoint, guint8 fabric_index, guint32 command, const guint8 *fields,
       gsize len, Answer *answer)
{
  MatterDmCluster *cluster = &f->cluster[endpoint == EP_A ? 0 : 1];
  Request r;
  MatterTlvWriter w;
  MatterTlvReader reader;

  request_init(&r, fabric_index, TRUE);
  if (fields != NULL) {
    matter_tlv_reader_init(&reader, fields, len);
    g_assert_cmpint(matter_tlv_next(&reader), ==, MATTER_OK);
    g_assert_cmpint(matter_tlv_enter(&reader), ==, MATTER_OK);
  }
  matter_tlv_writer_init(&w, answer->out, sizeof(answer->out));
  answer->result =
      cluster->cls->invoke(cluster, &r.request, command, fields != NULL ? &reader : NULL, &w,
                           matter_tlv_tag_anonymous());
  answer->out_len = 0;
  if (answer->result.has_response)
    g_assert_cmpint(matter_tlv_writer_finish(&w, &answer->out_len), ==, MATTER_OK);
}

static void
enter_response(const Answer *answer, guint32 response_id, MatterTlvReader *r)
{
  g_assert_cmpuint(answer->result.status, ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_true(answer->result.has_response);
  g_assert_cmpuint(answer->result.response_id, ==, response_id);
  matter_tlv_reader_init(r, answer->out, answer->out_len);
  g_assert_cmpint(matter_tlv_next(r), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_enter(r), ==, MATTER_OK);
}

typedef struct {
  guint8 buf[128];
  gsize len;
} Fields;

/* GroupID and, unless NULL, GroupName. */
static void
group_fields(Fields *out, guint16 group_id, const char *name)
{
  MatterTlvWriter w;
  size_t len;

  matter_tlv_writer_init(&w, out->buf, sizeof(out->buf));
  matter_tlv_start_structure(&w, matter_tlv_tag_anonymous());
  matter_tlv_put_uint(&w, matter_tlv_tag_context(0), group_id);
  if (name != NULL)
    matter_tlv_put_string(&w, matter_tlv_tag_context(1), name);
  matter_tlv_end_container(&w);
  g_assert_cmpint(matter_tlv_writer_finish(&w, &len), ==, MATTER_OK);
  out->len = len;
}

/* AddGroupResponse or RemoveGroupResponse: its Status, GroupID checked. */
static guint8
status_response(Fixture *f, guint16 endpoint, guint8 fabric_index, guint32 command,
                const Fields *fields, guint16 group_id)
{
  Answer answer;
  MatterTlvReader r;
  guint8 status;
  guint16 id;

  invoke(f, endpoint, fabric_index, command, fields->buf, fields->len, &answer);
  enter_response(&answer, command, &r);
  g_assert_cmpint(matter_tlv_get_context_u8(&r, 0, &status), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_get_context_u16(&r, 1, &id), ==, MATTER_OK);
  g_assert_cmpuint(id, ==, group_id);
  return status;
}

static guint8
add_group(Fixture *f, guint16 endpoint, guint8 fabric_index, guint16 group_id, const char *name)
{
  Fields fields;

  group_fields(&fields, group_id, name);
  return status_response(f, endpoint, fabric_index, CMD_ADD_GROUP, &fields, group_id);
}

static guint8
remove_group(Fixture *f, guint16 endpoint, guint8 fabric_index, guint16 group_id)
{
  Fields fields;

  group_fields(&fields, group_id, NULL);
  return status_response(f, endpoint, fabric_index, CMD_REMOVE_GROUP, &fields, group_id);
}

/* ViewGroup: the status, and the name in @name (64 bytes). */
static guint8
view_group(Fixture *f, guint16 endpoint, guint8 fabric_index, guint16 group_id, char *name)
{
  Fields fields;
  Answer answer;
  MatterTlvReader r;
  guint8 status;
  guint16 id;

  group_fields(&fields, group_id, NULL);
  invoke(f, endpoint, fabric_index, CMD_VIEW_GROUP, fields.buf, fields.len, &answer);
  enter_response(&answer, CMD_VIEW_GROUP, &r);
  g_assert_cmpint(matter_tlv_get_context_u8(&r, 0, &status), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_get_context_u16(&r, 1, &id), ==, MATTER_OK);
  g_assert_cmpuint(id, ==, group_id);
  g_assert_cmpint(matter_tlv_find_context(&r, 2), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_get_string(&r, name, 64), ==, MATTER_OK);
  return status;
}

static void
assert_view(Fixture *f, guint16 endpoint, guint8 fabric_index, guint16 group_id,
            const char *expected)
{
  char name[64];

  if (expected == NULL) {
    g_assert_cmpuint(view_group(f, endpoint, fabric_index, group_id, name), ==,
                     MATTER_IM_STATUS_NOT_FOUND);
    g_assert_cmpstr(name, ==, "");
  } else {
    g_assert_cmpuint(view_group(f, endpoint, fabric_index, group_id, name), ==,
                     MATTER_IM_STATUS_SUCCESS);
    g_assert_cmpstr(name, ==, expected);
  }
}

static guint8
invoke_status(Fixture *f, guint16 endpoint, guint8 fabric_index, guint32 command,
              const Fields *fields)
{
  Answer answer;

  invoke(f, endpoint, fabric_index, command, fields != NULL ? fields->buf : NULL,
         fields != NULL ? fields->len : 0, &answer);
  g_assert_false(answer.result.has_response);
  return answer.result.status;
}

/* GetGroupMembership with @ids (@count of them); the answer's group ids
 * as "0x0101,0x0102" and its Capacity (-1 for null). */
static char *
membership(Fixture *f, guint16 endpoint, guint8 fabric_index, const guint16 *ids, gsize count,
           int *capacity)
{
  Fields fields;
  MatterTlvWriter w;
  Answer answer;
  MatterTlvReader r;
  GString *s = g_string_new(NULL);
  size_t len;
  guint8 cap;
  guint16 id;

  matter_tlv_writer_init(&w, fields.buf, sizeof(fields.buf));
  matter_tlv_start_structure(&w, matter_tlv_tag_anonymous());
  matter_tlv_start_array(&w, matter_tlv_tag_context(0));
  for (gsize i = 0; i < count; i++)
    matter_tlv_put_uint(&w, matter_tlv_tag_anonymous(), ids[i]);
  matter_tlv_end_container(&w);
  matter_tlv_end_container(&w);
  g_assert_cmpint(matter_tlv_writer_finish(&w, &len), ==, MATTER_OK);
  invoke(f, endpoint, fabric_index, CMD_GET_GROUP_MEMBERSHIP, fields.buf, len, &answer);
  enter_response(&answer, CMD_GET_GROUP_MEMBERSHIP, &r);
  g_assert_cmpint(matter_tlv_find_context(&r, 0), ==, MATTER_OK);
  if (matter_tlv_get_type(&r) == MATTER_TLV_TYPE_NULL) {
    *capacity = -1;
  } else {
    g_assert_cmpint(matter_tlv_get_u8(&r, &cap), ==, MATTER_OK);
    *capacity = cap;
  }
  g_assert_cmpint(matter_tlv_enter_context(&r, 1, MATTER_TLV_TYPE_ARRAY), ==, MATTER_OK);
  while (matter_tlv_next(&r) == MATTER_OK) {
    g_assert_cmpint(matter_tlv_get_u16(&r, &id), ==, MATTER_OK);
    g_string_append_printf(s, "%s0x%04x", s->len ? "," : "", id);
  }
  return g_string_free(s, FALSE);
}

static void
assert_membership(Fixture *f, guint16 endpoint, guint8 fabric_index, const guint16 *ids,
                  gsize count, const char *expected, int expected_capacity)
{
  int capacity;
  g_autofree char *got = membership(f, endpoint, fabric_index, ids, count, &capacity);

  g_assert_cmpstr(got, ==, expected);
  g_assert_cmpint(capacity, ==, expected_capacity);
}

/* GroupKeyManagement's GroupTable as text: "f1:0x0101[2,3]'name';...". */
static char *
group_table(Fixture *f, guint8 fabric_index, gboolean fabric_filtered)
{
  Request req;
  guint8 buf[1024];
  MatterTlvWriter w;
  MatterTlvReader r;
  GString *s = g_string_new(NULL);
  size_t len;

  request_init(&req, fabric_index, fabric_filtered);
  matter_tlv_writer_init(&w, buf, sizeof(buf));
  g_assert_cmpuint(f->gkm_cluster.cls->read(&f->gkm_cluster, &req.request, ATTR_GROUP_TABLE, &w,
                                            matter_tlv_tag_anonymous()),
                   ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpint(matter_tlv_writer_finish(&w, &len), ==, MATTER_OK);
  matter_tlv_reader_init(&r, buf, len);
  g_assert_cmpint(matter_tlv_next(&r), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_get_type(&r), ==, MATTER_TLV_TYPE_ARRAY);
  g_assert_cmpint(matter_tlv_enter(&r), ==, MATTER_OK);
  while (matter_tlv_next(&r) == MATTER_OK) {
    MatterTlvReader entry = r, endpoints;
    guint16 group_id, endpoint;
    guint8 fabric;
    const char *name;
    size_t name_len;
    gboolean first = TRUE;

    g_assert_cmpint(matter_tlv_enter(&entry), ==, MATTER_OK);
    g_assert_cmpint(matter_tlv_get_context_u16(&entry, 1, &group_id), ==, MATTER_OK);
    g_assert_cmpint(matter_tlv_get_context_u8(&entry, 0xFE, &fabric), ==, MATTER_OK);
    g_string_append_printf(s, "%sf%u:0x%04x[", s->len ? ";" : "", fabric, group_id);
    endpoints = entry;
    g_assert_cmpint(matter_tlv_enter_context(&endpoints, 2, MATTER_TLV_TYPE_ARRAY), ==, MATTER_OK);
    while (matter_tlv_next(&endpoints) == MATTER_OK) {
      g_assert_cmpint(matter_tlv_get_u16(&endpoints, &endpoint), ==, MATTER_OK);
      g_string_append_printf(s, "%s%u", first ? "" : ",", endpoint);
      first = FALSE;
    }
    g_assert_false(first); /* Endpoints: at least one */
    g_string_append_c(s, ']');
    if (matter_tlv_get_context_utf8(&entry, 3, &name, &name_len) == MATTER_OK)
      g_string_append_printf(s, "'%.*s'", (int) name_len, name);
  }
  return g_string_free(s, FALSE);
}

static void
assert_group_table(Fixture *f, guint8 fabric_index, gboolean filtered, const char *expected)
{
  g_autofree char *got = group_table(f, fabric_index, filtered);

  g_assert_cmpstr(got, ==, expected);
}

/* ---- Tests ---- */

static void
test_class(Fixture *f, gconstpointer data)
{
  const MatterDmClass *cls = &md_groups_class;
  static const struct {
    guint32 id, response;
    guint8 privilege;
  } expected[] = {
    { CMD_ADD_GROUP, 0x00, MATTER_ACL_PRIVILEGE_MANAGE },
    { CMD_VIEW_GROUP, 0x01, MATTER_ACL_PRIVILEGE_OPERATE },
    { CMD_GET_GROUP_MEMBERSHIP, 0x02, MATTER_ACL_PRIVILEGE_OPERATE },
    { CMD_REMOVE_GROUP, 0x03, MATTER_ACL_PRIVILEGE_MANAGE },
    { CMD_REMOVE_ALL_GROUPS, MATTER_DM_NO_RESPONSE, MATTER_ACL_PRIVILEGE_MANAGE },
    { CMD_ADD_GROUP_IF_IDENTIFYING, MATTER_DM_NO_RESPONSE, MATTER_ACL_PRIVILEGE_MANAGE },
  };
  Request r;
  guint8 buf[8];
  MatterTlvWriter w;
  MatterTlvReader reader;
  size_t len;
  guint8 value;

  g_assert_cmpuint(cls->id, ==, CLUSTER_GROUPS);
  g_assert_cmpuint(cls->revision, ==, 4);
  g_assert_cmpuint(cls->attribute_count, ==, 1);
  g_assert_cmpuint(cls->attributes[0].id, ==, ATTR_NAME_SUPPORT);
  g_assert_cmpuint(cls->attributes[0].read_privilege, ==, MATTER_ACL_PRIVILEGE_VIEW);
  g_assert_cmpuint(cls->attributes[0].write_privilege, ==, 0);
  g_assert_cmpuint(cls->command_count, ==, G_N_ELEMENTS(expected));
  for (gsize i = 0; i < G_N_ELEMENTS(expected); i++) {
    g_assert_cmpuint(cls->commands[i].id, ==, expected[i].id);
    g_assert_cmpuint(cls->commands[i].response_id, ==, expected[i].response);
    g_assert_cmpuint(cls->commands[i].privilege, ==, expected[i].privilege);
    g_assert_true(cls->commands[i].qualities & MATTER_DM_FABRIC_SCOPED);
  }
  /* GroupNames: FeatureMap bit 0 and NameSupport bit 7. */
  g_assert_cmpuint(f->cluster[0].feature_map, ==, 0x1);
  g_assert_cmpuint(f->cluster[0].endpoint, ==, EP_A);
  g_assert_cmpuint(f->cluster[1].endpoint, ==, EP_B);
  request_init(&r, 1, TRUE);
  matter_tlv_writer_init(&w, buf, sizeof(buf));
  g_assert_cmpuint(
      cls->read(&f->cluster[0], &r.request, ATTR_NAME_SUPPORT, &w, matter_tlv_tag_anonymous()), ==,
      MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpint(matter_tlv_writer_finish(&w, &len), ==, MATTER_OK);
  matter_tlv_reader_init(&reader, buf, len);
  g_assert_cmpint(matter_tlv_next(&reader), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_get_u8(&reader, &value), ==, MATTER_OK);
  g_assert_cmpuint(value, ==, 0x80);
  g_assert_cmpuint(cls->read(&f->cluster[0], &r.request, 0x0001, &w, matter_tlv_tag_anonymous()),
                   ==, MATTER_IM_STATUS_UNSUPPORTED_ATTRIBUTE);
  g_assert_cmpuint(invoke_status(f, EP_A, 1, 0x06, NULL), ==, MATTER_IM_STATUS_UNSUPPORTED_COMMAND);
}

static void
test_add_view(Fixture *f, gconstpointer data)
{
  guint32 version = f->gkm_cluster.data_version;

  assert_view(f, EP_A, 1, G1, NULL);
  g_assert_cmpuint(add_group(f, EP_A, 1, G1, "Kitchen"), ==, MATTER_IM_STATUS_SUCCESS);
  assert_view(f, EP_A, 1, G1, "Kitchen");
  /* Per endpoint and per fabric. */
  assert_view(f, EP_B, 1, G1, NULL);
  assert_view(f, EP_A, 2, G1, NULL);
  /* GroupTable moved on. */
  g_assert_cmpuint(f->gkm_cluster.data_version, !=, version);

  /* The same group on the other endpoint; a new name renames it on both. */
  g_assert_cmpuint(add_group(f, EP_B, 1, G1, "Kitchen"), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(add_group(f, EP_A, 1, G1, "Cuisine"), ==, MATTER_IM_STATUS_SUCCESS);
  assert_view(f, EP_A, 1, G1, "Cuisine");
  assert_view(f, EP_B, 1, G1, "Cuisine");
  /* Adding again is no error; an empty name is one too. */
  g_assert_cmpuint(add_group(f, EP_B, 1, G1, ""), ==, MATTER_IM_STATUS_SUCCESS);
  assert_view(f, EP_A, 1, G1, "");
  /* Sixteen bytes of UTF-8. */
  g_assert_cmpuint(add_group(f, EP_A, 1, G2, "Wohnzimmer-Süd!"), ==, MATTER_IM_STATUS_SUCCESS);
  assert_view(f, EP_A, 1, G2, "Wohnzimmer-Süd!");
  /* Another fabric's group of the same id is its own. */
  g_assert_cmpuint(add_group(f, EP_A, 2, G1, "Two"), ==, MATTER_IM_STATUS_SUCCESS);
  assert_view(f, EP_A, 2, G1, "Two");
  assert_view(f, EP_A, 1, G1, "");

  /* ViewGroup of group 0. */
  char name[64];
  g_assert_cmpuint(view_group(f, EP_A, 1, 0, name), ==, MATTER_IM_STATUS_CONSTRAINT_ERROR);
}

static void
test_add_checks(Fixture *f, gconstpointer data)
{
  Fields fields;
  MatterTlvWriter w;
  size_t len;

  g_assert_cmpuint(add_group(f, EP_A, 1, 0, "zero"), ==, MATTER_IM_STATUS_CONSTRAINT_ERROR);
  g_assert_cmpuint(add_group(f, EP_A, 1, G1, "seventeen bytes!!"), ==,
                   MATTER_IM_STATUS_CONSTRAINT_ERROR);
  assert_view(f, EP_A, 1, G1, NULL);
  /* No key set for the group in the fabric's GroupKeyMap: fabric 2 maps
   * only G1, fabric 3 nothing. */
  g_assert_cmpuint(add_group(f, EP_A, 1, NO_KEY, "x"), ==, MATTER_IM_STATUS_UNSUPPORTED_ACCESS);
  g_assert_cmpuint(add_group(f, EP_A, 2, G2, "x"), ==, MATTER_IM_STATUS_UNSUPPORTED_ACCESS);
  g_assert_cmpuint(add_group(f, EP_A, 3, G1, "x"), ==, MATTER_IM_STATUS_UNSUPPORTED_ACCESS);
  assert_view(f, EP_A, 1, NO_KEY, NULL);

  /* Four groups a fabric; a group already there takes more endpoints. */
  g_assert_cmpuint(add_group(f, EP_A, 1, G1, "1"), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(add_group(f, EP_A, 1, G2, "2"), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(add_group(f, EP_B, 1, G3, "3"), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(add_group(f, EP_A, 1, G4, "4"), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(add_group(f, EP_A, 1, G5, "5"), ==, MATTER_IM_STATUS_RESOURCE_EXHAUSTED);
  g_assert_cmpuint(add_group(f, EP_B, 1, G5, "5"), ==, MATTER_IM_STATUS_RESOURCE_EXHAUSTED);
  g_assert_cmpuint(add_group(f, EP_B, 1, G1, "1"), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(add_group(f, EP_A, 1, G3, "3"), ==, MATTER_IM_STATUS_SUCCESS);
  /* Other fabrics have their own four. */
  g_assert_cmpuint(add_group(f, EP_A, 2, G1, "1"), ==, MATTER_IM_STATUS_SUCCESS);
  /* Once one goes, there is room. */
  g_assert_cmpuint(remove_group(f, EP_A, 1, G4), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(add_group(f, EP_A, 1, G5, "5"), ==, MATTER_IM_STATUS_SUCCESS);

  /* Fields missing or of the wrong type. */
  group_fields(&fields, G1, NULL);
  g_assert_cmpuint(invoke_status(f, EP_A, 1, CMD_ADD_GROUP, &fields), ==,
                   MATTER_IM_STATUS_INVALID_COMMAND);
  g_assert_cmpuint(invoke_status(f, EP_A, 1, CMD_ADD_GROUP, NULL), ==,
                   MATTER_IM_STATUS_INVALID_COMMAND);
  g_assert_cmpuint(invoke_status(f, EP_A, 1, CMD_VIEW_GROUP, NULL), ==,
                   MATTER_IM_STATUS_INVALID_COMMAND);
  matter_tlv_writer_init(&w, fields.buf, sizeof(fields.buf));
  matter_tlv_start_structure(&w, matter_tlv_tag_anonymous());
  matter_tlv_put_string(&w, matter_tlv_tag_context(0), "G1");
  matter_tlv_put_string(&w, matter_tlv_tag_context(1), "name");
  matter_tlv_end_container(&w);
  g_assert_cmpint(matter_tlv_writer_finish(&w, &len), ==, MATTER_OK);
  fields.len = len;
  g_assert_cmpuint(invoke_status(f, EP_A, 1, CMD_ADD_GROUP, &fields), ==,
                   MATTER_IM_STATUS_INVALID_COMMAND);
  g_assert_cmpuint(invoke_status(f, EP_A, 1, CMD_REMOVE_GROUP, &fields), ==,
                   MATTER_IM_STATUS_INVALID_COMMAND);
  matter_tlv_writer_init(&w, fields.buf, sizeof(fields.buf));
  matter_tlv_start_structure(&w, matter_tlv_tag_anonymous());
  matter_tlv_put_uint(&w, matter_tlv_tag_context(0), 0x10000);
  matter_tlv_put_string(&w, matter_tlv_tag_context(1), "name");
  matter_tlv_end_container(&w);
  g_assert_cmpint(matter_tlv_writer_finish(&w, &len), ==, MATTER_OK);
  fields.len = len;
  g_assert_cmpuint(invoke_status(f, EP_A, 1, CMD_ADD_GROUP, &fields), ==,
                   MATTER_IM_STATUS_INVALID_COMMAND);

  /* Without an accessing fabric (PASE before AddNOC). */
  group_fields(&fields, G1, "x");
  g_assert_cmpuint(invoke_status(f, EP_A, 0, CMD_ADD_GROUP, &fields), ==,
                   MATTER_IM_STATUS_UNSUPPORTED_ACCESS);
}

static void
test_membership(Fixture *f, gconstpointer data)
{
  const guint16 some[] = { G3, G1, 0, 0x7777, G1 };

  assert_membership(f, EP_A, 1, NULL, 0, "", 4);
  g_assert_cmpuint(add_group(f, EP_A, 1, G3, "3"), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(add_group(f, EP_A, 1, G1, "1"), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(add_group(f, EP_B, 1, G2, "2"), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(add_group(f, EP_A, 2, G1, "1"), ==, MATTER_IM_STATUS_SUCCESS);

  /* An empty list: every group of the endpoint (of the fabric). */
  assert_membership(f, EP_A, 1, NULL, 0, "0x0101,0x0103", 1);
  assert_membership(f, EP_B, 1, NULL, 0, "0x0102", 1);
  assert_membership(f, EP_A, 2, NULL, 0, "0x0101", 3);
  assert_membership(f, EP_B, 2, NULL, 0, "", 3);
  assert_membership(f, EP_A, 3, NULL, 0, "", 4);
  /* A list: those of it the endpoint is in, each once. */
  assert_membership(f, EP_A, 1, some, G_N_ELEMENTS(some), "0x0101,0x0103", 1);
  assert_membership(f, EP_A, 1, some, 1, "0x0103", 1);
  assert_membership(f, EP_B, 1, some, G_N_ELEMENTS(some), "", 1);

  /* GroupList missing, or not a list of group ids. */
  Fields fields;
  MatterTlvWriter w;
  size_t len;
  g_assert_cmpuint(invoke_status(f, EP_A, 1, CMD_GET_GROUP_MEMBERSHIP, NULL), ==,
                   MATTER_IM_STATUS_INVALID_COMMAND);
  group_fields(&fields, G1, NULL);
  g_assert_cmpuint(invoke_status(f, EP_A, 1, CMD_GET_GROUP_MEMBERSHIP, &fields), ==,
                   MATTER_IM_STATUS_INVALID_COMMAND);
  matter_tlv_writer_init(&w, fields.buf, sizeof(fields.buf));
  matter_tlv_start_structure(&w, matter_tlv_tag_anonymous());
  matter_tlv_start_array(&w, matter_tlv_tag_context(0));
  matter_tlv_put_uint(&w, matter_tlv_tag_anonymous(), G1);
  matter_tlv_put_string(&w, matter_tlv_tag_anonymous(), "x");
  matter_tlv_end_container(&w);
  matter_tlv_end_container(&w);
  g_assert_cmpint(matter_tlv_writer_finish(&w, &len), ==, MATTER_OK);
  fields.len = len;
  g_assert_cmpuint(invoke_status(f, EP_A, 1, CMD_GET_GROUP_MEMBERSHIP, &fields), ==,
                   MATTER_IM_STATUS_INVALID_COMMAND);
}

static void
test_remove(Fixture *f, gconstpointer data)
{
  g_assert_cmpuint(add_group(f, EP_A, 1, G1, "1"), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(add_group(f, EP_B, 1, G1, "1"), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(add_group(f, EP_A, 1, G2, "2"), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(add_group(f, EP_A, 2, G1, "1"), ==, MATTER_IM_STATUS_SUCCESS);

  g_assert_cmpuint(remove_group(f, EP_A, 1, 0), ==, MATTER_IM_STATUS_CONSTRAINT_ERROR);
  g_assert_cmpuint(remove_group(f, EP_A, 1, G3), ==, MATTER_IM_STATUS_NOT_FOUND);
  g_assert_cmpuint(remove_group(f, EP_A, 3, G1), ==, MATTER_IM_STATUS_NOT_FOUND);
  g_assert_cmpuint(remove_group(f, EP_A, 1, G1), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(remove_group(f, EP_A, 1, G1), ==, MATTER_IM_STATUS_NOT_FOUND);
  assert_view(f, EP_A, 1, G1, NULL);
  /* The group stays on the other endpoint, and in the other fabric. */
  assert_view(f, EP_B, 1, G1, "1");
  assert_view(f, EP_A, 2, G1, "1");
  assert_view(f, EP_A, 1, G2, "2");

  /* RemoveAllGroups: the endpoint's groups of the accessing fabric. */
  g_assert_cmpuint(add_group(f, EP_A, 1, G3, "3"), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(invoke_status(f, EP_A, 1, CMD_REMOVE_ALL_GROUPS, NULL), ==,
                   MATTER_IM_STATUS_SUCCESS);
  assert_membership(f, EP_A, 1, NULL, 0, "", 3);
  assert_view(f, EP_B, 1, G1, "1");
  assert_view(f, EP_A, 2, G1, "1");
  /* Nothing left to remove is no error. */
  g_assert_cmpuint(invoke_status(f, EP_A, 1, CMD_REMOVE_ALL_GROUPS, NULL), ==,
                   MATTER_IM_STATUS_SUCCESS);

  fixture_restart(f);
  assert_membership(f, EP_A, 1, NULL, 0, "", 3);
  assert_membership(f, EP_B, 1, NULL, 0, "0x0101", 3);
  assert_membership(f, EP_A, 2, NULL, 0, "0x0101", 3);
}

static void
test_if_identifying(Fixture *f, gconstpointer data)
{
  Fields fields;

  /* Not identifying: nothing happens, and that is a success. */
  group_fields(&fields, G1, "Hall");
  g_assert_cmpuint(invoke_status(f, EP_A, 1, CMD_ADD_GROUP_IF_IDENTIFYING, &fields), ==,
                   MATTER_IM_STATUS_SUCCESS);
  assert_view(f, EP_A, 1, G1, NULL);
  /* Identifying, but the other endpoint. */
  f->identifying = EP_B;
  g_assert_cmpuint(invoke_status(f, EP_A, 1, CMD_ADD_GROUP_IF_IDENTIFYING, &fields), ==,
                   MATTER_IM_STATUS_SUCCESS);
  assert_view(f, EP_A, 1, G1, NULL);
  f->identifying = EP_A;
  g_assert_cmpuint(invoke_status(f, EP_A, 1, CMD_ADD_GROUP_IF_IDENTIFYING, &fields), ==,
                   MATTER_IM_STATUS_SUCCESS);
  assert_view(f, EP_A, 1, G1, "Hall");
  assert_view(f, EP_B, 1, G1, NULL);

  /* AddGroup's checks, as the command's status. */
  group_fields(&fields, NO_KEY, "x");
  g_assert_cmpuint(invoke_status(f, EP_A, 1, CMD_ADD_GROUP_IF_IDENTIFYING, &fields), ==,
                   MATTER_IM_STATUS_UNSUPPORTED_ACCESS);
  group_fields(&fields, 0, "x");
  g_assert_cmpuint(invoke_status(f, EP_A, 1, CMD_ADD_GROUP_IF_IDENTIFYING, &fields), ==,
                   MATTER_IM_STATUS_CONSTRAINT_ERROR);
  group_fields(&fields, G2, "seventeen bytes!!");
  g_assert_cmpuint(invoke_status(f, EP_A, 1, CMD_ADD_GROUP_IF_IDENTIFYING, &fields), ==,
                   MATTER_IM_STATUS_CONSTRAINT_ERROR);
  group_fields(&fields, G2, NULL);
  g_assert_cmpuint(invoke_status(f, EP_A, 1, CMD_ADD_GROUP_IF_IDENTIFYING, &fields), ==,
                   MATTER_IM_STATUS_INVALID_COMMAND);

  /* Without ops, no endpoint identifies. */
  md_groups_set_ops(f->groups, NULL, NULL);
  group_fields(&fields, G2, "x");
  g_assert_cmpuint(invoke_status(f, EP_A, 1, CMD_ADD_GROUP_IF_IDENTIFYING, &fields), ==,
                   MATTER_IM_STATUS_SUCCESS);
  assert_view(f, EP_A, 1, G2, NULL);
}

static void
test_group_table(Fixture *f, gconstpointer data)
{
  assert_group_table(f, 1, TRUE, "");
  g_assert_cmpuint(add_group(f, EP_B, 1, G2, ""), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(add_group(f, EP_B, 1, G1, "Hall"), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(add_group(f, EP_A, 1, G1, "Hall"), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(add_group(f, EP_A, 2, G1, "Two"), ==, MATTER_IM_STATUS_SUCCESS);

  /* A group's endpoints in one entry; no name field for a group without
   * one. */
  assert_group_table(f, 1, TRUE, "f1:0x0101[2,3]'Hall';f1:0x0102[3]");
  assert_group_table(f, 2, TRUE, "f2:0x0101[2]'Two'");
  assert_group_table(f, 3, TRUE, "");
  assert_group_table(f, 3, FALSE, "f1:0x0101[2,3]'Hall';f1:0x0102[3];f2:0x0101[2]'Two'");

  /* Each change moves GroupTable's data version on. */
  guint32 version = f->gkm_cluster.data_version;
  g_assert_cmpuint(remove_group(f, EP_B, 1, G2), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(f->gkm_cluster.data_version, !=, version);
  assert_group_table(f, 1, TRUE, "f1:0x0101[2,3]'Hall'");
  version = f->gkm_cluster.data_version;
  g_assert_cmpuint(remove_group(f, EP_B, 1, G2), ==, MATTER_IM_STATUS_NOT_FOUND);
  g_assert_cmpuint(invoke_status(f, EP_B, 3, CMD_REMOVE_ALL_GROUPS, NULL), ==,
                   MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(f->gkm_cluster.data_version, ==, version);

  /* Is a member, for group-addressed messages. */
  g_assert_true(md_groups_is_member(f->groups, 1, G1, EP_A));
  g_assert_false(md_groups_is_member(f->groups, 1, G2, EP_B));
  g_assert_false(md_groups_is_member(f->groups, 3, G1, EP_A));

  /* Without a Groups table, GroupTable is empty. */
  md_groups_free(f->groups);
  assert_group_table(f, 3, FALSE, "");
  f->groups = md_groups_new(storage(f), f->gkm, &fixture_ops, f, NULL);
  g_assert_nonnull(f->groups);
  f->cluster[0].state = f->cluster[1].state = f->groups;
  assert_group_table(f, 3, FALSE, "f1:0x0101[2,3]'Hall';f2:0x0101[2]'Two'");
}

static void
test_persist(Fixture *f, gconstpointer data)
{
  g_assert_cmpuint(add_group(f, EP_A, 1, G1, "Hall"), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(add_group(f, EP_B, 1, G1, "Hall"), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(add_group(f, EP_B, 1, G2, "Two"), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(add_group(f, EP_A, 2, G1, "Other"), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(add_group(f, EP_A, 1, G1, "Renamed"), ==, MATTER_IM_STATUS_SUCCESS);
  fixture_restart(f);
  assert_view(f, EP_A, 1, G1, "Renamed");
  assert_view(f, EP_B, 1, G1, "Renamed");
  assert_view(f, EP_B, 1, G2, "Two");
  assert_view(f, EP_A, 2, G1, "Other");
  assert_membership(f, EP_B, 1, NULL, 0, "0x0101,0x0102", 2);
  g_assert_false(md_test_storage_in_transaction(f->storage));
}

/* Every storage call of a change failing in turn: FAILURE, and neither
 * memory nor store changed. */
static void
test_storage_failure(Fixture *f, gconstpointer data)
{
  Fields fields;

  g_assert_cmpuint(add_group(f, EP_A, 1, G1, "Hall"), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(add_group(f, EP_A, 1, G2, "Two"), ==, MATTER_IM_STATUS_SUCCESS);
  for (guint n = 1; n <= 4; n++) {
    g_test_message("call %u", n);
    g_test_expect_message("matterd", G_LOG_LEVEL_WARNING, "*Cannot store the group table*");
    md_test_storage_fail_at(f->storage, n);
    /* Renaming G1 puts two rows: begin, put, put, commit. */
    guint8 status = add_group(f, EP_B, 1, G1, "New");
    g_test_assert_expected_messages();
    g_assert_cmpuint(status, ==, MATTER_IM_STATUS_FAILURE);
    g_assert_false(md_test_storage_in_transaction(f->storage));
    assert_view(f, EP_A, 1, G1, "Hall");
    assert_view(f, EP_B, 1, G1, NULL);
  }
  for (guint n = 1; n <= 3; n++) {
    g_test_expect_message("matterd", G_LOG_LEVEL_WARNING, "*Cannot store the group table*");
    md_test_storage_fail_at(f->storage, n);
    g_assert_cmpuint(remove_group(f, EP_A, 1, G1), ==, MATTER_IM_STATUS_FAILURE);
    g_test_assert_expected_messages();
    assert_view(f, EP_A, 1, G1, "Hall");
  }
  for (guint n = 1; n <= 4; n++) {
    g_test_expect_message("matterd", G_LOG_LEVEL_WARNING, "*Cannot store the group table*");
    md_test_storage_fail_at(f->storage, n);
    g_assert_cmpuint(invoke_status(f, EP_A, 1, CMD_REMOVE_ALL_GROUPS, NULL), ==,
                     MATTER_IM_STATUS_FAILURE);
    g_test_assert_expected_messages();
    assert_membership(f, EP_A, 1, NULL, 0, "0x0101,0x0102", 2);
  }
  f->identifying = EP_B;
  group_fields(&fields, G3, "x");
  g_test_expect_message("matterd", G_LOG_LEVEL_WARNING, "*Cannot store the group table*");
  md_test_storage_fail_at(f->storage, 2);
  g_assert_cmpuint(invoke_status(f, EP_B, 1, CMD_ADD_GROUP_IF_IDENTIFYING, &fields), ==,
                   MATTER_IM_STATUS_FAILURE);
  g_test_assert_expected_messages();
  md_test_storage_fail_at(f->storage, 0);

  /* The store has what memory has. */
  fixture_restart(f);
  assert_view(f, EP_A, 1, G1, "Hall");
  assert_view(f, EP_B, 1, G1, NULL);
  assert_view(f, EP_B, 1, G3, NULL);
  assert_membership(f, EP_A, 1, NULL, 0, "0x0101,0x0102", 2);

  /* A load that fails fails md_groups_new(). */
  g_autoptr(GError) error = NULL;
  md_test_storage_fail_at(f->storage, 1);
  g_assert_null(md_groups_new(storage(f), f->gkm, NULL, NULL, &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_STORE);
}

static void
test_remove_fabric_endpoint(Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint(add_group(f, EP_A, 1, G1, "Hall"), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(add_group(f, EP_B, 1, G1, "Hall"), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(add_group(f, EP_B, 1, G2, "Two"), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(add_group(f, EP_A, 2, G1, "Other"), ==, MATTER_IM_STATUS_SUCCESS);

  /* An endpoint forgotten: its memberships in every fabric go. */
  g_assert_true(md_groups_remove_endpoint(f->groups, EP_A, &error));
  g_assert_no_error(error);
  assert_group_table(f, 3, FALSE, "f1:0x0101[3]'Hall';f1:0x0102[3]'Two'");
  /* A failing store changes nothing. */
  md_test_storage_fail_at(f->storage, 2);
  g_assert_false(md_groups_remove_endpoint(f->groups, EP_B, &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_STORE);
  g_clear_error(&error);
  g_assert_false(md_test_storage_in_transaction(f->storage));
  assert_group_table(f, 3, FALSE, "f1:0x0101[3]'Hall';f1:0x0102[3]'Two'");
  fixture_restart(f);
  assert_group_table(f, 3, FALSE, "f1:0x0101[3]'Hall';f1:0x0102[3]'Two'");

  /* RemoveFabric: the node deletes the fabric's rows, the table forgets. */
  g_assert_cmpuint(add_group(f, EP_A, 2, G1, "Other"), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_true(md_node_storage_delete_fabric(storage(f), 1, NULL));
  md_groups_remove_fabric(f->groups, 1);
  assert_group_table(f, 3, FALSE, "f2:0x0101[2]'Other'");
  fixture_restart(f);
  assert_group_table(f, 3, FALSE, "f2:0x0101[2]'Other'");
}

static void
add(const char *path, void (*func)(Fixture *, gconstpointer))
{
  g_test_add(path, Fixture, NULL, fixture_setup, func, fixture_teardown);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  add("/groups/class", test_class);
  add("/groups/add-view", test_add_view);
  add("/groups/add-checks", test_add_checks);
  add("/groups/membership", test_membership);
  add("/groups/remove", test_remove);
  add("/groups/if-identifying", test_if_identifying);
  add("/groups/group-table", test_group_table);
  add("/groups/persist", test_persist);
  add("/groups/storage-failure", test_storage_failure);
  add("/groups/remove-fabric-endpoint", test_remove_fabric_endpoint);
  return g_test_run();
}
