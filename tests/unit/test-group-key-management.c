/* SPDX-License-Identifier: Apache-2.0 */
/* Group Key Management, driven through its class callbacks as the engine
 * calls them once access was granted, on the storage fake: the global
 * lists against the XML, KeySetWrite's checks and the statuses they
 * answer, KeySetRead/KeySetRemove/KeySetReadAllIndices with the IPK, the
 * GroupKeyMap's staged writes, and storage failures that must leave
 * memory and the store as they were. */

#include <glib.h>
#include <string.h>

#include "clusters/clusters.h"
#include "matter/im.h"
#include "md-error.h"
#include "md-test-storage.h"

#define ATTR_GROUP_KEY_MAP 0x0000
#define ATTR_GROUP_TABLE 0x0001
#define ATTR_MAX_GROUPS_PER_FABRIC 0x0002
#define ATTR_MAX_GROUP_KEYS_PER_FABRIC 0x0003
#define CMD_KEY_SET_WRITE 0x00
#define CMD_KEY_SET_READ 0x01
#define CMD_KEY_SET_READ_RESPONSE 0x02
#define CMD_KEY_SET_REMOVE 0x03
#define CMD_KEY_SET_READ_ALL_INDICES 0x04
#define CMD_KEY_SET_READ_ALL_INDICES_RESPONSE 0x05
/* What this node offers (group-key-management.c). */
#define MAX_GROUPS_PER_FABRIC 4
#define MAX_GROUP_KEYS_PER_FABRIC 4
#define FABRICS 3 /* 1 and 2 have an IPK, 3 has none */

typedef struct {
  MdTestStorage *storage;
  MdGroupKeyManagement *gkm;
  uint64_t ticks[4 + MATTER_DM_GLOBAL_COUNT];
  MatterDmCluster cluster;
  MatterDmCluster *clusters[1];
  MatterDmEndpoint endpoint;
  MatterDmEndpoint *endpoints[1];
  MatterDmNode dm;
} Fixture;

static gboolean
fixture_ipk(gpointer user_data, guint8 fabric_index, guint8 *key)
{
  if (fabric_index != 1 && fabric_index != 2)
    return FALSE;
  if (key != NULL)
    memset(key, 0x50 + fabric_index, 16);
  return TRUE;
}

static const MdGroupKeyManagementOps fixture_ops = { .ipk = fixture_ipk };

static void
fixture_bind(Fixture *f)
{
  g_autoptr(GError) error = NULL;

  f->gkm = md_group_key_management_new(md_test_storage_get(f->storage), &fixture_ops, f, &error);
  g_assert_no_error(error);
  g_assert_nonnull(f->gkm);
  memset(f->ticks, 0, sizeof(f->ticks));
  f->cluster = (MatterDmCluster){
    .cls = &md_group_key_management_class,
    .endpoint = 0,
    .data_version = 100,
    .ticks = f->ticks,
    .state = f->gkm,
  };
  f->clusters[0] = &f->cluster;
  f->endpoint = (MatterDmEndpoint){ 0, NULL, 0, f->clusters, 1 };
  f->endpoints[0] = &f->endpoint;
  f->dm = (MatterDmNode){ f->endpoints, 1, 0 };
  md_group_key_management_bind(f->gkm, &f->dm, &f->cluster);
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
  f->storage = md_test_storage_new();
  md_test_storage_set_fabrics(f->storage, FABRICS);
  fixture_bind(f);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
  md_group_key_management_free(f->gkm);
  md_test_storage_free(f->storage);
}

/* A cluster as a restart finds it: loaded from what was committed. */
static void
fixture_restart(Fixture *f)
{
  md_group_key_management_free(f->gkm);
  fixture_bind(f);
}

static const MdNodeStorage *
storage(Fixture *f)
{
  return md_test_storage_get(f->storage);
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

/* What an invoke answered, with the response's fields when it had one. */
typedef struct {
  MatterDmInvokeResult result;
  guint8 out[512];
  gsize out_len;
} Answer;

static void
invoke(Fixture *f, guint8 fabric_index, guint32 command, const guint8 *fields, gsize len,
       Answer *answer)
{
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
      f->cluster.cls->invoke(&f->cluster, &r.request, command, fields != NULL ? &reader : NULL, &w,
                             matter_tlv_tag_anonymous());
  answer->out_len = 0;
  if (answer->result.has_response)
    g_assert_cmpint(matter_tlv_writer_finish(&w, &answer->out_len), ==, MATTER_OK);
}

static guint8
invoke_status(Fixture *f, guint8 fabric_index, guint32 command, const guint8 *fields, gsize len)
{
  Answer answer;

  invoke(f, fabric_index, command, fields, len, &answer);
  g_assert_false(answer.result.has_response);
  return answer.result.status;
}

/* A reader inside the response's fields. */
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

/* CommandFields with one uint16 field 0 (KeySetRead, KeySetRemove). */
static gsize
id_fields(guint8 *buf, gsize size, guint16 key_set_id)
{
  MatterTlvWriter w;
  size_t len;

  matter_tlv_writer_init(&w, buf, size);
  matter_tlv_start_structure(&w, matter_tlv_tag_anonymous());
  matter_tlv_put_uint(&w, matter_tlv_tag_context(0), key_set_id);
  matter_tlv_end_container(&w);
  g_assert_cmpint(matter_tlv_writer_finish(&w, &len), ==, MATTER_OK);
  return len;
}

/* ---- KeySetWrite's GroupKeySetStruct, and ways to spoil it ---- */

typedef struct {
  guint16 key_set_id;
  guint8 policy;
  guint key_count; /* epoch keys 0..key_count-1 given, the rest null */
  guint64 starts[3];
  gsize key_len[3]; /* 0: 16 */
  int null_key;     /* this epoch key null though its start time is given; -1: none */
  int null_start;   /* and the reverse */
  int omit;         /* the field with this tag left out; -1: none */
  int wrong_type;   /* the field with this tag a string; -1: none */
  gboolean has_multicast;
  guint64 multicast;
} KeySetArgs;

static KeySetArgs
key_set_args(guint16 key_set_id, guint key_count)
{
  KeySetArgs a = {
    .key_set_id = key_set_id,
    .key_count = key_count,
    .starts = { 1000 + key_set_id, 2000 + key_set_id, 3000 + key_set_id },
    .null_key = -1,
    .null_start = -1,
    .omit = -1,
    .wrong_type = -1,
  };
  return a;
}

/* Field @tag unless the args leave it out or spoil its type; TRUE when
 * the caller is to write it. */
static gboolean
field_as_given(MatterTlvWriter *w, const KeySetArgs *a, int tag)
{
  if (a->omit == tag)
    return FALSE;
  if (a->wrong_type == tag) {
    matter_tlv_put_string(w, matter_tlv_tag_context((uint8_t) tag), "wrong");
    return FALSE;
  }
  return TRUE;
}

static void
put_epoch(MatterTlvWriter *w, const KeySetArgs *a, guint n)
{
  int key_tag = 2 + 2 * (int) n, start_tag = key_tag + 1;
  gboolean present = n < a->key_count;
  guint8 key[32];
  gsize len = a->key_len[n] != 0 ? a->key_len[n] : 16;

  memset(key, 0xA0 + a->key_set_id + n, sizeof(key));
  if (field_as_given(w, a, key_tag)) {
    if (present && a->null_key != (int) n)
      matter_tlv_put_bytes(w, matter_tlv_tag_context((uint8_t) key_tag), key, len);
    else
      matter_tlv_put_null(w, matter_tlv_tag_context((uint8_t) key_tag));
  }
  if (field_as_given(w, a, start_tag)) {
    if ((present || a->null_key == (int) n) && a->null_start != (int) n)
      matter_tlv_put_uint(w, matter_tlv_tag_context((uint8_t) start_tag), a->starts[n]);
    else
      matter_tlv_put_null(w, matter_tlv_tag_context((uint8_t) start_tag));
  }
}

static gsize
key_set_write_fields(guint8 *buf, gsize size, const KeySetArgs *a)
{
  MatterTlvWriter w;
  size_t len;

  matter_tlv_writer_init(&w, buf, size);
  matter_tlv_start_structure(&w, matter_tlv_tag_anonymous());
  matter_tlv_start_structure(&w, matter_tlv_tag_context(0));
  if (field_as_given(&w, a, 0))
    matter_tlv_put_uint(&w, matter_tlv_tag_context(0), a->key_set_id);
  if (field_as_given(&w, a, 1))
    matter_tlv_put_uint(&w, matter_tlv_tag_context(1), a->policy);
  for (guint n = 0; n < 3; n++)
    put_epoch(&w, a, n);
  if (a->has_multicast && field_as_given(&w, a, 8))
    matter_tlv_put_uint(&w, matter_tlv_tag_context(8), a->multicast);
  matter_tlv_end_container(&w);
  matter_tlv_end_container(&w);
  g_assert_cmpint(matter_tlv_writer_finish(&w, &len), ==, MATTER_OK);
  return len;
}

static guint8
key_set_write(Fixture *f, guint8 fabric_index, const KeySetArgs *a)
{
  guint8 fields[256];
  gsize len = key_set_write_fields(fields, sizeof(fields), a);

  return invoke_status(f, fabric_index, CMD_KEY_SET_WRITE, fields, len);
}

static void
write_ok(Fixture *f, guint8 fabric_index, guint16 key_set_id, guint key_count)
{
  KeySetArgs a = key_set_args(key_set_id, key_count);

  g_assert_cmpuint(key_set_write(f, fabric_index, &a), ==, MATTER_IM_STATUS_SUCCESS);
}

/* KeySetRead's answer, checked: keys null, start times as written. */
static void
assert_key_set_read(Fixture *f, guint8 fabric_index, guint16 key_set_id, guint8 policy,
                    guint key_count, const guint64 *starts)
{
  guint8 fields[16];
  gsize len = id_fields(fields, sizeof(fields), key_set_id);
  Answer answer;
  MatterTlvReader r;
  guint16 id;
  guint8 got_policy;

  invoke(f, fabric_index, CMD_KEY_SET_READ, fields, len, &answer);
  enter_response(&answer, CMD_KEY_SET_READ_RESPONSE, &r);
  g_assert_cmpint(matter_tlv_enter_context(&r, 0, MATTER_TLV_TYPE_STRUCTURE), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_get_context_u16(&r, 0, &id), ==, MATTER_OK);
  g_assert_cmpuint(id, ==, key_set_id);
  g_assert_cmpint(matter_tlv_get_context_u8(&r, 1, &got_policy), ==, MATTER_OK);
  g_assert_cmpuint(got_policy, ==, policy);
  for (guint n = 0; n < 3; n++) {
    guint64 start;

    g_assert_cmpint(matter_tlv_find_context(&r, (uint8_t) (2 + 2 * n)), ==, MATTER_OK);
    g_assert_cmpint(matter_tlv_get_null(&r), ==, MATTER_OK);
    if (n < key_count) {
      g_assert_cmpint(matter_tlv_get_context_u64(&r, (uint8_t) (3 + 2 * n), &start), ==, MATTER_OK);
      g_assert_cmpuint(start, ==, starts[n]);
    } else {
      g_assert_cmpint(matter_tlv_find_context(&r, (uint8_t) (3 + 2 * n)), ==, MATTER_OK);
      g_assert_cmpint(matter_tlv_get_null(&r), ==, MATTER_OK);
    }
  }
  /* GroupKeyMulticastPolicy is provisional: not in the answer. */
  g_assert_cmpint(matter_tlv_find_context(&r, 8), ==, MATTER_ERROR_TLV_NOT_FOUND);
}

static guint8
key_set_read_status(Fixture *f, guint8 fabric_index, guint16 key_set_id)
{
  guint8 fields[16];
  gsize len = id_fields(fields, sizeof(fields), key_set_id);

  return invoke_status(f, fabric_index, CMD_KEY_SET_READ, fields, len);
}

static guint8
key_set_remove(Fixture *f, guint8 fabric_index, guint16 key_set_id)
{
  guint8 fields[16];
  gsize len = id_fields(fields, sizeof(fields), key_set_id);

  return invoke_status(f, fabric_index, CMD_KEY_SET_REMOVE, fields, len);
}

/* KeySetReadAllIndices' list, as "0,1,5". */
static char *
all_indices(Fixture *f, guint8 fabric_index)
{
  GString *ids = g_string_new(NULL);
  Answer answer;
  MatterTlvReader r;

  invoke(f, fabric_index, CMD_KEY_SET_READ_ALL_INDICES, NULL, 0, &answer);
  enter_response(&answer, CMD_KEY_SET_READ_ALL_INDICES_RESPONSE, &r);
  g_assert_cmpint(matter_tlv_enter_context(&r, 0, MATTER_TLV_TYPE_ARRAY), ==, MATTER_OK);
  while (matter_tlv_next(&r) == MATTER_OK) {
    guint16 id;

    g_assert_cmpint(matter_tlv_get_u16(&r, &id), ==, MATTER_OK);
    g_string_append_printf(ids, "%s%u", ids->len > 0 ? "," : "", id);
  }
  return g_string_free(ids, FALSE);
}

/* The committed key sets, as "fabric/id:keys" each, e.g. "1/5:2". */
static char *
stored_key_sets(Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) sets = md_node_storage_load_group_key_sets(storage(f), &error);
  GString *out = g_string_new(NULL);

  g_assert_no_error(error);
  for (guint i = 0; i < sets->len; i++) {
    const MdGroupKeySetRecord *set = &g_array_index(sets, MdGroupKeySetRecord, i);

    g_string_append_printf(out, "%s%u/%u:%u", out->len > 0 ? " " : "", set->fabric_index,
                           set->key_set_id, set->epoch_key_count);
  }
  return g_string_free(out, FALSE);
}

/* The committed GroupKeyMap, as "fabric/group->key set" each. */
static char *
stored_key_map(Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) map = md_node_storage_load_group_key_map(storage(f), &error);
  GString *out = g_string_new(NULL);

  g_assert_no_error(error);
  for (guint i = 0; i < map->len; i++) {
    const MdGroupKeyMapRecord *e = &g_array_index(map, MdGroupKeyMapRecord, i);

    g_string_append_printf(out, "%s%u/%u->%u", out->len > 0 ? " " : "", e->fabric_index,
                           e->group_id, e->key_set_id);
  }
  return g_string_free(out, FALSE);
}

/* ---- Attributes ---- */

static gsize
read_attribute(Fixture *f, guint8 fabric_index, gboolean filtered, guint32 attribute, guint8 *buf,
               gsize size)
{
  Request r;
  MatterTlvWriter w;
  size_t len;

  request_init(&r, fabric_index, filtered);
  matter_tlv_writer_init(&w, buf, size);
  if (matter_dm_is_global(attribute))
    g_assert_cmpint(matter_dm_read_global(&f->cluster, attribute, &w, matter_tlv_tag_anonymous()),
                    ==, MATTER_OK);
  else
    g_assert_cmpuint(
        f->cluster.cls->read(&f->cluster, &r.request, attribute, &w, matter_tlv_tag_anonymous()),
        ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpint(matter_tlv_writer_finish(&w, &len), ==, MATTER_OK);
  return len;
}

/* An array of unsigned integers, as "1,2,3". */
static char *
read_uint_list(Fixture *f, guint32 attribute)
{
  guint8 buf[256];
  gsize len = read_attribute(f, 1, TRUE, attribute, buf, sizeof(buf));
  GString *out = g_string_new(NULL);
  MatterTlvReader r;

  matter_tlv_reader_init(&r, buf, len);
  g_assert_cmpint(matter_tlv_next(&r), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_get_type(&r), ==, MATTER_TLV_TYPE_ARRAY);
  g_assert_cmpint(matter_tlv_enter(&r), ==, MATTER_OK);
  while (matter_tlv_next(&r) == MATTER_OK) {
    guint32 value;

    g_assert_cmpint(matter_tlv_get_u32(&r, &value), ==, MATTER_OK);
    g_string_append_printf(out, "%s0x%04X", out->len > 0 ? "," : "", value);
  }
  return g_string_free(out, FALSE);
}

static guint64
read_uint(Fixture *f, guint32 attribute)
{
  guint8 buf[32];
  gsize len = read_attribute(f, 1, TRUE, attribute, buf, sizeof(buf));
  MatterTlvReader r;
  guint64 value;

  matter_tlv_reader_init(&r, buf, len);
  g_assert_cmpint(matter_tlv_next(&r), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_get_u64(&r, &value), ==, MATTER_OK);
  return value;
}

/* The GroupKeyMap as @fabric_index reads it, "fabric/group->key set" each. */
static char *
read_key_map(Fixture *f, guint8 fabric_index, gboolean filtered)
{
  guint8 buf[1024];
  gsize len = read_attribute(f, fabric_index, filtered, ATTR_GROUP_KEY_MAP, buf, sizeof(buf));
  GString *out = g_string_new(NULL);
  MatterTlvReader r;

  matter_tlv_reader_init(&r, buf, len);
  g_assert_cmpint(matter_tlv_next(&r), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_enter(&r), ==, MATTER_OK);
  while (matter_tlv_next(&r) == MATTER_OK) {
    guint16 group, key_set;
    guint8 fabric;

    g_assert_cmpint(matter_tlv_enter(&r), ==, MATTER_OK);
    g_assert_cmpint(matter_tlv_get_context_u16(&r, 1, &group), ==, MATTER_OK);
    g_assert_cmpint(matter_tlv_get_context_u16(&r, 2, &key_set), ==, MATTER_OK);
    g_assert_cmpint(matter_tlv_get_context_u8(&r, 0xFE, &fabric), ==, MATTER_OK);
    g_assert_cmpint(matter_tlv_exit(&r), ==, MATTER_OK);
    g_string_append_printf(out, "%s%u/%u->%u", out->len > 0 ? " " : "", fabric, group, key_set);
  }
  return g_string_free(out, FALSE);
}

/* GroupKeyMapStruct items: pairs of group id and key set id. A @fabric
 * other than 0 goes into each item's FabricIndex field. */
static gsize
map_value(guint8 *buf, gsize size, gboolean list, const guint16 *pairs, gsize count, guint8 fabric)
{
  MatterTlvWriter w;
  size_t len;

  matter_tlv_writer_init(&w, buf, size);
  if (list)
    matter_tlv_start_array(&w, matter_tlv_tag_anonymous());
  for (gsize i = 0; i < count; i++) {
    matter_tlv_start_structure(&w, matter_tlv_tag_anonymous());
    matter_tlv_put_uint(&w, matter_tlv_tag_context(1), pairs[2 * i]);
    matter_tlv_put_uint(&w, matter_tlv_tag_context(2), pairs[2 * i + 1]);
    if (fabric != 0)
      matter_tlv_put_uint(&w, matter_tlv_tag_context(0xFE), fabric);
    matter_tlv_end_container(&w);
  }
  if (list)
    matter_tlv_end_container(&w);
  g_assert_cmpint(matter_tlv_writer_finish(&w, &len), ==, MATTER_OK);
  return len;
}

static guint8
write_value(Fixture *f, guint8 fabric_index, MatterImListIndexKind kind, const guint8 *value,
            gsize len)
{
  MatterImAttributePath path = {
    .has_endpoint = true,
    .has_cluster = true,
    .cluster = 0x003F,
    .has_attribute = true,
    .attribute = ATTR_GROUP_KEY_MAP,
    .list_index_kind = kind,
  };
  Request r;
  MatterTlvReader reader;

  request_init(&r, fabric_index, TRUE);
  matter_tlv_reader_init(&reader, value, len);
  g_assert_cmpint(matter_tlv_next(&reader), ==, MATTER_OK);
  return f->cluster.cls->write(&f->cluster, &r.request, &path, &reader);
}

static guint8
write_map(Fixture *f, guint8 fabric_index, const guint16 *pairs, gsize count)
{
  guint8 buf[512];
  gsize len = map_value(buf, sizeof(buf), TRUE, pairs, count, 0);

  return write_value(f, fabric_index, MATTER_IM_LIST_INDEX_NONE, buf, len);
}

static guint8
append_map(Fixture *f, guint8 fabric_index, guint16 group_id, guint16 key_set_id)
{
  const guint16 pair[] = { group_id, key_set_id };
  guint8 buf[64];
  gsize len = map_value(buf, sizeof(buf), FALSE, pair, 1, 0);

  return write_value(f, fabric_index, MATTER_IM_LIST_INDEX_APPEND, buf, len);
}

/* What the node does around a WriteRequest's writes. */
static gboolean
commit_writes(Fixture *f)
{
  g_autoptr(GError) error = NULL;

  if (!md_node_storage_begin(storage(f), &error) ||
      !md_group_key_management_stage(f->gkm, &error) ||
      !md_node_storage_commit(storage(f), &error)) {
    md_node_storage_rollback(storage(f));
    md_group_key_management_drop(f->gkm);
    return FALSE;
  }
  md_group_key_management_apply(f->gkm);
  return TRUE;
}

/* ---- Tests ---- */

/* The 1.4.2 XML: attributes 0..3, commands 0, 1, 3, 4 accepted and their
 * responses 2 and 5 generated; revision 2; no CacheAndSync feature. */
static void
test_global_lists(Fixture *f, gconstpointer data)
{
  g_autofree char *attributes = read_uint_list(f, MATTER_DM_ATTR_ATTRIBUTE_LIST);
  g_autofree char *accepted = read_uint_list(f, MATTER_DM_ATTR_ACCEPTED_COMMAND_LIST);
  g_autofree char *generated = read_uint_list(f, MATTER_DM_ATTR_GENERATED_COMMAND_LIST);
  MatterDmAttribute entry;

  g_assert_cmpstr(attributes, ==, "0x0000,0x0001,0x0002,0x0003,0xFFF8,0xFFF9,0xFFFB,0xFFFC,0xFFFD");
  g_assert_cmpstr(accepted, ==, "0x0000,0x0001,0x0003,0x0004");
  g_assert_cmpstr(generated, ==, "0x0002,0x0005");
  g_assert_cmpuint(read_uint(f, MATTER_DM_ATTR_CLUSTER_REVISION), ==, 2);
  g_assert_cmpuint(read_uint(f, MATTER_DM_ATTR_FEATURE_MAP), ==, 0);
  g_assert_cmpuint(matter_dm_tick_slots(&md_group_key_management_class), ==,
                   G_N_ELEMENTS(f->ticks));

  /* Qualities and privileges. */
  g_assert_true(matter_dm_find_attribute(&f->cluster, ATTR_GROUP_KEY_MAP, &entry));
  g_assert_cmpuint(entry.qualities, ==, MATTER_DM_LIST | MATTER_DM_FABRIC_SCOPED);
  g_assert_cmpuint(entry.read_privilege, ==, MATTER_ACL_PRIVILEGE_VIEW);
  g_assert_cmpuint(entry.write_privilege, ==, MATTER_ACL_PRIVILEGE_MANAGE);
  g_assert_true(matter_dm_find_attribute(&f->cluster, ATTR_GROUP_TABLE, &entry));
  g_assert_cmpuint(entry.qualities, ==, MATTER_DM_LIST | MATTER_DM_FABRIC_SCOPED);
  g_assert_cmpuint(entry.write_privilege, ==, 0);
  g_assert_true(matter_dm_find_attribute(&f->cluster, ATTR_MAX_GROUP_KEYS_PER_FABRIC, &entry));
  g_assert_cmpuint(entry.qualities, ==, MATTER_DM_FIXED);
  for (guint32 id = 0; id <= 4; id++) {
    const MatterDmCommand *command = matter_dm_find_command(&f->cluster, id);

    if (id == CMD_KEY_SET_READ_RESPONSE) {
      g_assert_null(command);
      continue;
    }
    g_assert_nonnull(command);
    g_assert_cmpuint(command->privilege, ==, MATTER_ACL_PRIVILEGE_ADMINISTER);
    g_assert_cmpuint(command->qualities, ==, MATTER_DM_FABRIC_SCOPED);
  }
}

static void
test_fixed_attributes(Fixture *f, gconstpointer data)
{
  g_autofree char *table = read_uint_list(f, ATTR_GROUP_TABLE);

  /* The spec's minimums are 4 and 3. */
  g_assert_cmpuint(read_uint(f, ATTR_MAX_GROUPS_PER_FABRIC), ==, MAX_GROUPS_PER_FABRIC);
  g_assert_cmpuint(read_uint(f, ATTR_MAX_GROUP_KEYS_PER_FABRIC), ==, MAX_GROUP_KEYS_PER_FABRIC);
  g_assert_cmpstr(table, ==, "");
}

static void
test_write_read(Fixture *f, gconstpointer data)
{
  KeySetArgs three = key_set_args(0x1A, 3);
  KeySetArgs one = key_set_args(7, 1);
  g_autofree char *stored = NULL;
  g_autoptr(GArray) sets = NULL;
  const MdGroupKeySetRecord *set;
  guint8 expected[16];

  /* The spec's extremes of start times. */
  three.starts[0] = 1;
  three.starts[1] = G_MAXUINT64 - 1;
  three.starts[2] = G_MAXUINT64;
  g_assert_cmpuint(key_set_write(f, 1, &three), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(key_set_write(f, 2, &one), ==, MATTER_IM_STATUS_SUCCESS);
  assert_key_set_read(f, 1, 0x1A, 0, 3, three.starts);
  assert_key_set_read(f, 2, 7, 0, 1, one.starts);
  /* Another fabric's key set is not there for this one. */
  g_assert_cmpuint(key_set_read_status(f, 2, 0x1A), ==, MATTER_IM_STATUS_NOT_FOUND);
  g_assert_cmpuint(key_set_read_status(f, 1, 0x1B), ==, MATTER_IM_STATUS_NOT_FOUND);

  stored = stored_key_sets(f);
  g_assert_cmpstr(stored, ==, "1/26:3 2/7:1");
  sets = md_node_storage_load_group_key_sets(storage(f), NULL);
  set = &g_array_index(sets, MdGroupKeySetRecord, 0);
  for (guint n = 0; n < 3; n++) {
    memset(expected, 0xA0 + 0x1A + n, sizeof(expected));
    g_assert_cmpmem(set->epoch_keys[n], 16, expected, 16);
    g_assert_cmpuint(set->epoch_start_times[n], ==, three.starts[n]);
  }

  /* A rewrite replaces the whole set: fewer keys now, new start times. */
  one = key_set_args(0x1A, 1);
  one.starts[0] = 55;
  g_assert_cmpuint(key_set_write(f, 1, &one), ==, MATTER_IM_STATUS_SUCCESS);
  assert_key_set_read(f, 1, 0x1A, 0, 1, one.starts);

  /* And all of it survives a restart. */
  fixture_restart(f);
  assert_key_set_read(f, 1, 0x1A, 0, 1, one.starts);
  assert_key_set_read(f, 2, 7, 0, 1, (const guint64[]){ 1007 });
}

typedef struct {
  const char *what;
  KeySetArgs args;
  guint8 status;
} WriteCase;

static void
test_write_checks(Fixture *f, gconstpointer data)
{
  WriteCase cases[] = {
    { "key set 0 is the IPK", key_set_args(0, 1), MATTER_IM_STATUS_INVALID_COMMAND },
    { "no key set id", key_set_args(5, 1), MATTER_IM_STATUS_INVALID_COMMAND },
    { "key set id a string", key_set_args(5, 1), MATTER_IM_STATUS_INVALID_COMMAND },
    { "no policy", key_set_args(5, 1), MATTER_IM_STATUS_INVALID_COMMAND },
    { "no EpochKey1", key_set_args(5, 1), MATTER_IM_STATUS_INVALID_COMMAND },
    { "EpochStartTime2 a string", key_set_args(5, 3), MATTER_IM_STATUS_INVALID_COMMAND },
    { "EpochKey0 null", key_set_args(5, 1), MATTER_IM_STATUS_INVALID_COMMAND },
    { "EpochStartTime0 null", key_set_args(5, 1), MATTER_IM_STATUS_INVALID_COMMAND },
    { "EpochStartTime0 0", key_set_args(5, 1), MATTER_IM_STATUS_INVALID_COMMAND },
    { "EpochKey0 of 15 bytes", key_set_args(5, 1), MATTER_IM_STATUS_CONSTRAINT_ERROR },
    { "EpochKey0 of 17 bytes", key_set_args(5, 1), MATTER_IM_STATUS_CONSTRAINT_ERROR },
    { "EpochKey1 null, its start time not", key_set_args(5, 1), MATTER_IM_STATUS_INVALID_COMMAND },
    { "EpochKey1 without its start time", key_set_args(5, 2), MATTER_IM_STATUS_INVALID_COMMAND },
    { "EpochKey1 of 1 byte", key_set_args(5, 2), MATTER_IM_STATUS_CONSTRAINT_ERROR },
    { "EpochStartTime1 not later", key_set_args(5, 2), MATTER_IM_STATUS_INVALID_COMMAND },
    { "EpochKey2 without EpochKey1", key_set_args(5, 3), MATTER_IM_STATUS_INVALID_COMMAND },
    { "EpochKey2 without its start time", key_set_args(5, 3), MATTER_IM_STATUS_INVALID_COMMAND },
    { "EpochKey2 of 17 bytes", key_set_args(5, 3), MATTER_IM_STATUS_CONSTRAINT_ERROR },
    { "EpochStartTime2 not later", key_set_args(5, 3), MATTER_IM_STATUS_INVALID_COMMAND },
    { "policy CacheAndSync, unsupported", key_set_args(5, 1), MATTER_IM_STATUS_INVALID_COMMAND },
    { "policy unknown", key_set_args(5, 1), MATTER_IM_STATUS_CONSTRAINT_ERROR },
    { "multicast policy unknown", key_set_args(5, 1), MATTER_IM_STATUS_CONSTRAINT_ERROR },
    { "multicast policy a string", key_set_args(5, 1), MATTER_IM_STATUS_INVALID_COMMAND },
  };
  KeySetArgs *a;
  guint calls;
  gsize i = 1;

  cases[i++].args.omit = 0;
  cases[i++].args.wrong_type = 0;
  cases[i++].args.omit = 1;
  cases[i++].args.omit = 4;
  cases[i++].args.wrong_type = 7;
  cases[i++].args.null_key = 0;
  cases[i++].args.null_start = 0;
  cases[i++].args.starts[0] = 0;
  cases[i++].args.key_len[0] = 15;
  cases[i++].args.key_len[0] = 17;
  cases[i++].args.null_key = 1;
  cases[i++].args.null_start = 1;
  cases[i++].args.key_len[1] = 1;
  a = &cases[i++].args;
  a->starts[1] = a->starts[0];
  a = &cases[i++].args;
  a->null_key = 1;
  a->null_start = 1;
  cases[i++].args.null_start = 2;
  cases[i++].args.key_len[2] = 17;
  a = &cases[i++].args;
  a->starts[2] = a->starts[1] - 1;
  cases[i++].args.policy = 1;
  cases[i++].args.policy = 2;
  a = &cases[i++].args;
  a->has_multicast = TRUE;
  a->multicast = 2;
  a = &cases[i++].args;
  a->has_multicast = TRUE;
  a->wrong_type = 8;
  g_assert_cmpuint(i, ==, G_N_ELEMENTS(cases));

  write_ok(f, 1, 5, 2);
  calls = md_test_storage_calls(f->storage);
  for (i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_test_message("%s", cases[i].what);
    g_assert_cmpuint(key_set_write(f, 1, &cases[i].args), ==, cases[i].status);
  }
  /* Nothing reached the store, and the set written first is as it was. */
  g_assert_cmpuint(md_test_storage_calls(f->storage), ==, calls);
  assert_key_set_read(f, 1, 5, 0, 2, key_set_args(5, 2).starts);

  /* No fields at all, or a GroupKeySet that is no structure. */
  g_assert_cmpuint(invoke_status(f, 1, CMD_KEY_SET_WRITE, NULL, 0), ==,
                   MATTER_IM_STATUS_INVALID_COMMAND);
  {
    guint8 fields[16];
    gsize len = id_fields(fields, sizeof(fields), 5);

    g_assert_cmpuint(invoke_status(f, 1, CMD_KEY_SET_WRITE, fields, len), ==,
                     MATTER_IM_STATUS_INVALID_COMMAND);
  }
  /* A valid multicast policy is taken (and not kept). */
  a = &cases[0].args;
  *a = key_set_args(6, 1);
  a->has_multicast = TRUE;
  a->multicast = 1;
  g_assert_cmpuint(key_set_write(f, 1, a), ==, MATTER_IM_STATUS_SUCCESS);
}

/* MaxGroupKeysPerFabric counts the IPK: three more sets fit. */
static void
test_write_full(Fixture *f, gconstpointer data)
{
  KeySetArgs more = key_set_args(9, 1);
  g_autofree char *indices = NULL;
  g_autofree char *stored = NULL;

  for (guint16 id = 1; id < MAX_GROUP_KEYS_PER_FABRIC; id++)
    write_ok(f, 1, id, 1);
  g_assert_cmpuint(key_set_write(f, 1, &more), ==, MATTER_IM_STATUS_RESOURCE_EXHAUSTED);
  indices = all_indices(f, 1);
  g_assert_cmpstr(indices, ==, "0,1,2,3");
  /* A full fabric may still replace its sets, and other fabrics add. */
  write_ok(f, 1, 2, 3);
  write_ok(f, 2, 9, 1);
  stored = stored_key_sets(f);
  g_assert_cmpstr(stored, ==, "1/1:1 1/2:3 1/3:1 2/9:1");
}

static void
test_ipk(Fixture *f, gconstpointer data)
{
  const guint64 zero[] = { 0 };
  g_autofree char *one = NULL;
  g_autofree char *two = NULL;
  g_autofree char *three = NULL;

  write_ok(f, 1, 5, 1);
  write_ok(f, 1, 2, 1);
  write_ok(f, 3, 4, 1);
  /* AddNOC's key set: TrustFirst, EpochStartTime0 0, keys null. */
  assert_key_set_read(f, 1, 0, 0, 1, zero);
  assert_key_set_read(f, 2, 0, 0, 1, zero);
  g_assert_cmpuint(key_set_read_status(f, 3, 0), ==, MATTER_IM_STATUS_NOT_FOUND);

  one = all_indices(f, 1);
  two = all_indices(f, 2);
  three = all_indices(f, 3);
  g_assert_cmpstr(one, ==, "0,2,5");
  g_assert_cmpstr(two, ==, "0");
  g_assert_cmpstr(three, ==, "4");

  /* Never removed; never written either (test_write_checks). */
  g_assert_cmpuint(key_set_remove(f, 1, 0), ==, MATTER_IM_STATUS_INVALID_COMMAND);
  assert_key_set_read(f, 1, 0, 0, 1, zero);
}

static void
test_remove(Fixture *f, gconstpointer data)
{
  const guint16 map[] = { 0x100, 5, 0x101, 6, 0x102, 5 };
  const guint16 other[] = { 0x200, 5 };
  g_autofree char *stored = NULL;
  g_autofree char *stored_map = NULL;
  g_autofree char *read = NULL;
  guint32 version;

  write_ok(f, 1, 5, 1);
  write_ok(f, 1, 6, 1);
  write_ok(f, 2, 5, 1);
  g_assert_cmpuint(write_map(f, 1, map, 3), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_true(commit_writes(f));
  g_assert_cmpuint(write_map(f, 2, other, 1), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_true(commit_writes(f));

  g_assert_cmpuint(key_set_remove(f, 1, 7), ==, MATTER_IM_STATUS_NOT_FOUND);
  g_assert_cmpuint(invoke_status(f, 1, CMD_KEY_SET_REMOVE, NULL, 0), ==,
                   MATTER_IM_STATUS_INVALID_COMMAND);
  version = f->cluster.data_version;
  g_assert_cmpuint(key_set_remove(f, 1, 5), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(key_set_read_status(f, 1, 5), ==, MATTER_IM_STATUS_NOT_FOUND);
  /* Its map entries went with it, and only the fabric's. */
  read = read_key_map(f, 1, FALSE);
  g_assert_cmpstr(read, ==, "1/257->6 2/512->5");
  g_assert_cmpuint(f->cluster.data_version, ==, version + 1);
  g_assert_cmpuint(matter_dm_attribute_tick(&f->cluster, ATTR_GROUP_KEY_MAP), ==, f->dm.tick);
  stored = stored_key_sets(f);
  g_assert_cmpstr(stored, ==, "1/6:1 2/5:1");
  stored_map = stored_key_map(f);
  g_assert_cmpstr(stored_map, ==, "1/257->6 2/512->5");

  /* A set no group uses goes without touching the map. */
  version = f->cluster.data_version;
  write_ok(f, 1, 8, 1);
  g_assert_cmpuint(key_set_remove(f, 1, 8), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(f->cluster.data_version, ==, version);
}

/* Every storage call of every change fails once: FAILURE, and memory and
 * the store as they were. */
static void
test_storage_failure(Fixture *f, gconstpointer data)
{
  const guint16 map[] = { 0x100, 5 };
  g_autofree char *before = NULL;
  g_autofree char *before_map = NULL;

  write_ok(f, 1, 5, 2);
  g_assert_cmpuint(write_map(f, 1, map, 1), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_true(commit_writes(f));
  before = stored_key_sets(f);
  before_map = stored_key_map(f);

  for (guint n = 1; n <= 4; n++) {
    KeySetArgs replace = key_set_args(5, 1);
    g_autofree char *after = NULL;
    g_autofree char *after_map = NULL;
    g_autofree char *read = NULL;

    g_test_message("storage call %u fails", n);
    /* Replacing a set: begin, put, commit. */
    if (n <= 3) {
      md_test_storage_fail_at(f->storage, n);
      g_test_expect_message("matterd", G_LOG_LEVEL_WARNING, "*Cannot store group key set 5*");
      g_assert_cmpuint(key_set_write(f, 1, &replace), ==, MATTER_IM_STATUS_FAILURE);
      g_test_assert_expected_messages();
      /* Adding one. */
      replace.key_set_id = 6;
      md_test_storage_fail_at(f->storage, n);
      g_test_expect_message("matterd", G_LOG_LEVEL_WARNING, "*Cannot store group key set 6*");
      g_assert_cmpuint(key_set_write(f, 1, &replace), ==, MATTER_IM_STATUS_FAILURE);
      g_test_assert_expected_messages();
    }
    /* Removing one with its map entry: begin, delete, put map, commit. */
    md_test_storage_fail_at(f->storage, n);
    g_test_expect_message("matterd", G_LOG_LEVEL_WARNING, "*Cannot remove group key set 5*");
    g_assert_cmpuint(key_set_remove(f, 1, 5), ==, MATTER_IM_STATUS_FAILURE);
    g_test_assert_expected_messages();
    md_test_storage_fail_at(f->storage, 0);

    g_assert_false(md_test_storage_in_transaction(f->storage));
    assert_key_set_read(f, 1, 5, 0, 2, key_set_args(5, 2).starts);
    g_assert_cmpuint(key_set_read_status(f, 1, 6), ==, MATTER_IM_STATUS_NOT_FOUND);
    read = read_key_map(f, 1, TRUE);
    g_assert_cmpstr(read, ==, "1/256->5");
    after = stored_key_sets(f);
    after_map = stored_key_map(f);
    g_assert_cmpstr(after, ==, before);
    g_assert_cmpstr(after_map, ==, before_map);
  }
}

static void
test_map_write(Fixture *f, gconstpointer data)
{
  const guint16 map[] = { 0x100, 5, 0x100, 6 };
  const guint16 other[] = { 0x300, 5 };
  g_autofree char *all = NULL;
  g_autofree char *mine = NULL;
  g_autofree char *stored = NULL;
  guint32 version;

  write_ok(f, 1, 5, 1);
  write_ok(f, 1, 6, 1);
  write_ok(f, 2, 5, 1);
  g_assert_cmpuint(write_map(f, 2, other, 1), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_true(commit_writes(f));

  /* A replace and appends in one WriteRequest: staged until it commits. */
  version = f->cluster.data_version;
  g_assert_cmpuint(write_map(f, 1, map, 2), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(append_map(f, 1, 0x101, 6), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(append_map(f, 1, 0x102, 5), ==, MATTER_IM_STATUS_SUCCESS);
  mine = read_key_map(f, 1, TRUE);
  g_assert_cmpstr(mine, ==, "");
  g_assert_true(commit_writes(f));
  g_assert_cmpuint(f->cluster.data_version, ==, version + 1);
  g_clear_pointer(&mine, g_free);
  mine = read_key_map(f, 1, TRUE);
  g_assert_cmpstr(mine, ==, "1/256->5 1/256->6 1/257->6 1/258->5");
  /* Unfiltered reads give every fabric's entries. */
  all = read_key_map(f, 1, FALSE);
  g_assert_cmpstr(all, ==, "1/256->5 1/256->6 1/257->6 1/258->5 2/768->5");
  stored = stored_key_map(f);
  g_assert_cmpstr(stored, ==, all);

  /* Appends alone add to the committed list (two changes, two marks);
   * the same list again changes nothing and marks nothing. */
  version = f->cluster.data_version;
  g_assert_cmpuint(write_map(f, 1, (const guint16[]){ 0x100, 5 }, 1), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_true(commit_writes(f));
  g_assert_cmpuint(append_map(f, 1, 0x100, 6), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_true(commit_writes(f));
  g_assert_cmpuint(write_map(f, 1, map, 2), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_true(commit_writes(f));
  g_assert_cmpuint(f->cluster.data_version, ==, version + 2);
  g_clear_pointer(&mine, g_free);
  mine = read_key_map(f, 1, TRUE);
  g_assert_cmpstr(mine, ==, "1/256->5 1/256->6");

  /* Survives a restart. */
  fixture_restart(f);
  g_clear_pointer(&all, g_free);
  all = read_key_map(f, 2, FALSE);
  g_assert_cmpstr(all, ==, "1/256->5 1/256->6 2/768->5");
}

static void
test_map_checks(Fixture *f, gconstpointer data)
{
  const guint16 duplicate[] = { 0x100, 5, 0x100, 5 };
  const guint16 too_many[] = { 1, 5, 2, 5, 3, 5, 4, 5, 5, 5 };
  const guint16 full[] = { 1, 5, 2, 5, 3, 5, 4, 5 };
  g_autofree char *mine = NULL;
  guint8 buf[64];
  gsize len;

  write_ok(f, 1, 5, 1);
  write_ok(f, 2, 6, 1);
  /* Key set 0 (the IPK), one the fabric does not have, another fabric's,
   * group 0, a pair twice, more than a fabric's share. */
  g_assert_cmpuint(append_map(f, 1, 0x100, 0), ==, MATTER_IM_STATUS_CONSTRAINT_ERROR);
  g_assert_cmpuint(append_map(f, 1, 0x100, 7), ==, MATTER_IM_STATUS_CONSTRAINT_ERROR);
  g_assert_cmpuint(append_map(f, 1, 0x100, 6), ==, MATTER_IM_STATUS_CONSTRAINT_ERROR);
  g_assert_cmpuint(append_map(f, 1, 0, 5), ==, MATTER_IM_STATUS_CONSTRAINT_ERROR);
  g_assert_cmpuint(write_map(f, 1, duplicate, 2), ==, MATTER_IM_STATUS_CONSTRAINT_ERROR);
  g_assert_cmpuint(write_map(f, 1, too_many, 5), ==, MATTER_IM_STATUS_RESOURCE_EXHAUSTED);
  /* Nothing was staged by those. */
  g_assert_true(commit_writes(f));
  mine = read_key_map(f, 1, FALSE);
  g_assert_cmpstr(mine, ==, "");

  /* A failed write leaves the list staged before it; a later one goes on
   * from there. */
  g_assert_cmpuint(write_map(f, 1, full, 4), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(append_map(f, 1, 9, 5), ==, MATTER_IM_STATUS_RESOURCE_EXHAUSTED);
  g_assert_cmpuint(append_map(f, 1, 1, 5), ==, MATTER_IM_STATUS_CONSTRAINT_ERROR);
  g_assert_true(commit_writes(f));
  g_clear_pointer(&mine, g_free);
  mine = read_key_map(f, 1, TRUE);
  g_assert_cmpstr(mine, ==, "1/1->5 1/2->5 1/3->5 1/4->5");

  /* Values of the wrong shape. */
  len = map_value(buf, sizeof(buf), FALSE, (const guint16[]){ 1, 5 }, 1, 0);
  g_assert_cmpuint(write_value(f, 1, MATTER_IM_LIST_INDEX_NONE, buf, len), ==,
                   MATTER_IM_STATUS_INVALID_DATA_TYPE);
  len = map_value(buf, sizeof(buf), TRUE, (const guint16[]){ 1, 5 }, 1, 0);
  g_assert_cmpuint(write_value(f, 1, MATTER_IM_LIST_INDEX_APPEND, buf, len), ==,
                   MATTER_IM_STATUS_INVALID_DATA_TYPE);
  {
    MatterTlvWriter w;
    size_t n;

    matter_tlv_writer_init(&w, buf, sizeof(buf));
    matter_tlv_start_structure(&w, matter_tlv_tag_anonymous());
    matter_tlv_put_uint(&w, matter_tlv_tag_context(1), 0x10000); /* no uint16 */
    matter_tlv_put_uint(&w, matter_tlv_tag_context(2), 5);
    matter_tlv_end_container(&w);
    g_assert_cmpint(matter_tlv_writer_finish(&w, &n), ==, MATTER_OK);
    g_assert_cmpuint(write_value(f, 1, MATTER_IM_LIST_INDEX_APPEND, buf, n), ==,
                     MATTER_IM_STATUS_INVALID_DATA_TYPE);
  }
  md_group_key_management_drop(f->gkm);
  g_clear_pointer(&mine, g_free);
  mine = read_key_map(f, 1, TRUE);
  g_assert_cmpstr(mine, ==, "1/1->5 1/2->5 1/3->5 1/4->5");
}

/* The FabricIndex of a written entry is the accessing fabric's, whatever
 * the value says. */
static void
test_map_fabric_index(Fixture *f, gconstpointer data)
{
  g_autofree char *all = NULL;
  guint8 buf[64];
  gsize len;

  write_ok(f, 1, 5, 1);
  write_ok(f, 2, 5, 1);
  len = map_value(buf, sizeof(buf), TRUE, (const guint16[]){ 0x100, 5 }, 1, 2);
  g_assert_cmpuint(write_value(f, 1, MATTER_IM_LIST_INDEX_NONE, buf, len), ==,
                   MATTER_IM_STATUS_SUCCESS);
  g_assert_true(commit_writes(f));
  all = read_key_map(f, 1, FALSE);
  g_assert_cmpstr(all, ==, "1/256->5");
}

static void
test_map_storage_failure(Fixture *f, gconstpointer data)
{
  const guint16 map[] = { 0x100, 5 };
  const guint16 other[] = { 0x200, 5 };
  g_autofree char *mine = NULL;
  g_autofree char *stored = NULL;
  guint32 version;

  write_ok(f, 1, 5, 1);
  g_assert_cmpuint(write_map(f, 1, map, 1), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_true(commit_writes(f));
  version = f->cluster.data_version;
  /* begin, put, commit */
  for (guint n = 1; n <= 3; n++) {
    g_assert_cmpuint(write_map(f, 1, other, 1), ==, MATTER_IM_STATUS_SUCCESS);
    md_test_storage_fail_at(f->storage, n);
    g_assert_false(commit_writes(f));
    md_test_storage_fail_at(f->storage, 0);
    g_assert_false(md_test_storage_in_transaction(f->storage));
  }
  mine = read_key_map(f, 1, TRUE);
  g_assert_cmpstr(mine, ==, "1/256->5");
  stored = stored_key_map(f);
  g_assert_cmpstr(stored, ==, "1/256->5");
  g_assert_cmpuint(f->cluster.data_version, ==, version);
  /* Dropped, not left for the next interaction. */
  g_assert_true(commit_writes(f));
  g_clear_pointer(&mine, g_free);
  mine = read_key_map(f, 1, TRUE);
  g_assert_cmpstr(mine, ==, "1/256->5");
}

static void
test_remove_fabric(Fixture *f, gconstpointer data)
{
  g_autofree char *all = NULL;
  g_autofree char *one = NULL;
  g_autofree char *two = NULL;
  guint32 version;

  write_ok(f, 1, 5, 1);
  write_ok(f, 2, 5, 1);
  g_assert_cmpuint(write_map(f, 1, (const guint16[]){ 0x100, 5 }, 1), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_true(commit_writes(f));
  g_assert_cmpuint(write_map(f, 2, (const guint16[]){ 0x200, 5 }, 1), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_true(commit_writes(f));
  /* A write of the fabric in flight goes too. */
  g_assert_cmpuint(append_map(f, 1, 0x101, 5), ==, MATTER_IM_STATUS_SUCCESS);

  version = f->cluster.data_version;
  md_group_key_management_remove_fabric(f->gkm, 1);
  g_assert_cmpuint(f->cluster.data_version, ==, version + 1);
  g_assert_cmpuint(key_set_read_status(f, 1, 5), ==, MATTER_IM_STATUS_NOT_FOUND);
  one = all_indices(f, 1);
  two = all_indices(f, 2);
  g_assert_cmpstr(one, ==, "0"); /* the fixture's IPK callback still says so */
  g_assert_cmpstr(two, ==, "0,5");
  all = read_key_map(f, 2, FALSE);
  g_assert_cmpstr(all, ==, "2/512->5");
  g_assert_true(commit_writes(f));
  g_clear_pointer(&all, g_free);
  all = read_key_map(f, 2, FALSE);
  g_assert_cmpstr(all, ==, "2/512->5");

  /* A fabric without rows: nothing to mark. */
  version = f->cluster.data_version;
  md_group_key_management_remove_fabric(f->gkm, 3);
  g_assert_cmpuint(f->cluster.data_version, ==, version);
}

/* What a restart finds, and a store that cannot be read. */
static void
test_load(Fixture *f, gconstpointer data)
{
  const MdGroupKeySetRecord set = {
    .fabric_index = 2,
    .key_set_id = 9,
    .epoch_key_count = 2,
    .epoch_start_times = { 10, 20 },
  };
  const MdGroupKeyMapRecord entry = { .group_id = 0x999, .key_set_id = 9 };
  g_autoptr(GError) error = NULL;
  g_autofree char *all = NULL;
  g_autofree char *indices = NULL;
  MdGroupKeyManagement *broken;

  g_assert_true(md_node_storage_put_group_key_set(storage(f), &set, NULL));
  g_assert_true(md_node_storage_put_group_key_map(storage(f), 2, &entry, 1, NULL));
  fixture_restart(f);
  assert_key_set_read(f, 2, 9, 0, 2, set.epoch_start_times);
  indices = all_indices(f, 2);
  g_assert_cmpstr(indices, ==, "0,9");
  all = read_key_map(f, 1, FALSE);
  g_assert_cmpstr(all, ==, "2/2457->9");

  for (guint n = 1; n <= 2; n++) {
    md_test_storage_fail_at(f->storage, n);
    broken = md_group_key_management_new(storage(f), &fixture_ops, f, &error);
    g_assert_null(broken);
    g_assert_error(error, MD_ERROR, MD_ERROR_STORE);
    g_clear_error(&error);
  }
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

  add("/group-key-management/global-lists", test_global_lists);
  add("/group-key-management/fixed-attributes", test_fixed_attributes);
  add("/group-key-management/key-set/write-read", test_write_read);
  add("/group-key-management/key-set/write-checks", test_write_checks);
  add("/group-key-management/key-set/write-full", test_write_full);
  add("/group-key-management/key-set/ipk", test_ipk);
  add("/group-key-management/key-set/remove", test_remove);
  add("/group-key-management/key-set/storage-failure", test_storage_failure);
  add("/group-key-management/map/write", test_map_write);
  add("/group-key-management/map/checks", test_map_checks);
  add("/group-key-management/map/fabric-index", test_map_fabric_index);
  add("/group-key-management/map/storage-failure", test_map_storage_failure);
  add("/group-key-management/remove-fabric", test_remove_fabric);
  add("/group-key-management/load", test_load);

  return g_test_run();
}
