/* SPDX-License-Identifier: Apache-2.0 */
/* Group Key Management (0x003F), revision 2: Matter SDK
 * data_model/1.4.2/clusters/Group-Key-Management-Cluster.xml (ids,
 * qualities, privileges, the GroupKeySetStruct and GroupKeyMapStruct
 * fields and their constraints), and the Core specification's effects of
 * KeySetWrite, KeySetRead, KeySetRemove and KeySetReadAllIndices for the
 * order of the checks and the status each failure answers.
 *
 * Without the CacheAndSync feature (provisional in 1.4.2), so FeatureMap
 * is 0 and only the TrustFirst security policy is accepted. The
 * GroupKeyMulticastPolicy field, provisional as well, is checked when
 * given and not kept. Key set 0 is the fabric's IPK, set by AddNOC and
 * kept with the fabric: this cluster asks the node whether a fabric has
 * one and never writes or removes it. GroupTable is the Groups clusters'
 * membership (groups.c), when the node has set one. */
#define G_LOG_DOMAIN "matterd"

#include "clusters.h"

#include <string.h>

#include "matter/acl.h"
#include "matter/crypto.h"
#include "matter/im-engine.h"
#include "md-error.h"

/* The Group Limits of the Core specification (2.11.1.2): at least four
 * groups and three group keys per fabric, the IPK counted among the keys
 * (KeySetReadAllIndices lists it). One key more than the minimum: moving
 * a group to a new key set (KeySetWrite, GroupKeyMap, KeySetRemove) needs
 * a free slot while the two a fabric may use are taken, and a set costs
 * under a hundred bytes. The GroupKeyMap holds an entry per group. */
#define MAX_GROUPS_PER_FABRIC MD_GROUPS_PER_FABRIC_MAX
#define MAX_GROUP_KEYS_PER_FABRIC 4
#define KEY_SETS_PER_FABRIC (MAX_GROUP_KEYS_PER_FABRIC - 1) /* besides the IPK */
#define KEY_MAP_PER_FABRIC MAX_GROUPS_PER_FABRIC

#define IPK_KEY_SET_ID 0
#define FABRIC_INDEX_TAG 0xFE

enum {
  ATTR_GROUP_KEY_MAP = 0x0000,
  ATTR_GROUP_TABLE = 0x0001,
  ATTR_MAX_GROUPS_PER_FABRIC = 0x0002,
  ATTR_MAX_GROUP_KEYS_PER_FABRIC = 0x0003,
};

enum {
  CMD_KEY_SET_WRITE = 0x00,
  CMD_KEY_SET_READ = 0x01,
  CMD_KEY_SET_READ_RESPONSE = 0x02,
  CMD_KEY_SET_REMOVE = 0x03,
  CMD_KEY_SET_READ_ALL_INDICES = 0x04,
  CMD_KEY_SET_READ_ALL_INDICES_RESPONSE = 0x05,
};

/* GroupKeySetStruct fields. */
enum {
  FIELD_KEY_SET_ID = 0,
  FIELD_SECURITY_POLICY = 1,
  FIELD_EPOCH_KEY0 = 2, /* EpochKeyN is 2 + 2N, EpochStartTimeN 3 + 2N */
  FIELD_MULTICAST_POLICY = 8,
};

/* GroupKeyMapStruct fields. */
enum {
  FIELD_MAP_GROUP_ID = 1,
  FIELD_MAP_KEY_SET_ID = 2,
};

/* GroupKeySecurityPolicyEnum and GroupKeyMulticastPolicyEnum. */
enum {
  POLICY_TRUST_FIRST = 0,
  POLICY_CACHE_AND_SYNC = 1,
  MULTICAST_ALL_NODES = 1,
};

static const MatterDmAttribute attributes[] = {
  { ATTR_GROUP_KEY_MAP, MATTER_DM_LIST | MATTER_DM_FABRIC_SCOPED, MATTER_ACL_PRIVILEGE_VIEW,
    MATTER_ACL_PRIVILEGE_MANAGE, 0 },
  { ATTR_GROUP_TABLE, MATTER_DM_LIST | MATTER_DM_FABRIC_SCOPED, MATTER_ACL_PRIVILEGE_VIEW, 0, 0 },
  { ATTR_MAX_GROUPS_PER_FABRIC, MATTER_DM_FIXED, MATTER_ACL_PRIVILEGE_VIEW, 0, 0 },
  { ATTR_MAX_GROUP_KEYS_PER_FABRIC, MATTER_DM_FIXED, MATTER_ACL_PRIVILEGE_VIEW, 0, 0 },
};

static const MatterDmCommand commands[] = {
  { CMD_KEY_SET_WRITE, MATTER_DM_NO_RESPONSE, MATTER_ACL_PRIVILEGE_ADMINISTER,
    MATTER_DM_FABRIC_SCOPED, 0 },
  { CMD_KEY_SET_READ, CMD_KEY_SET_READ_RESPONSE, MATTER_ACL_PRIVILEGE_ADMINISTER,
    MATTER_DM_FABRIC_SCOPED, 0 },
  { CMD_KEY_SET_REMOVE, MATTER_DM_NO_RESPONSE, MATTER_ACL_PRIVILEGE_ADMINISTER,
    MATTER_DM_FABRIC_SCOPED, 0 },
  { CMD_KEY_SET_READ_ALL_INDICES, CMD_KEY_SET_READ_ALL_INDICES_RESPONSE,
    MATTER_ACL_PRIVILEGE_ADMINISTER, MATTER_DM_FABRIC_SCOPED, 0 },
};

struct _MdGroupKeyManagement {
  const MdNodeStorage *storage; /* not owned */
  const MdGroupKeyManagementOps *ops;
  gpointer user_data;
  MatterDmNode *dm; /* for change marks, once bound */
  MatterDmCluster *cluster;
  GArray *key_sets; /* of MdGroupKeySetRecord, by fabric index, then key set id */
  GArray *key_map;  /* of MdGroupKeyMapRecord, by fabric index, then position */
  /* A write interaction's GroupKeyMap for the accessing fabric (one
   * interaction has one), until it commits. */
  gboolean has_staged_map;
  guint8 staged_fabric;
  GArray *staged_map; /* of MdGroupKeyMapRecord */
  MdGroups *groups;   /* GroupTable's membership; NULL: none */
};

static void
key_set_clear(gpointer data)
{
  matter_secure_zero(data, sizeof(MdGroupKeySetRecord));
}

/* ---- Rows in memory ---- */

static MdGroupKeySetRecord *
key_set_at(GArray *sets, guint i)
{
  return &g_array_index(sets, MdGroupKeySetRecord, i);
}

static MdGroupKeyMapRecord *
map_entry_at(GArray *map, guint i)
{
  return &g_array_index(map, MdGroupKeyMapRecord, i);
}

/* The position of the fabric's key set, or where it would go. */
static guint
find_key_set(const MdGroupKeyManagement *self, guint8 fabric_index, guint16 key_set_id,
             gboolean *found)
{
  guint i;

  *found = FALSE;
  for (i = 0; i < self->key_sets->len; i++) {
    const MdGroupKeySetRecord *set = key_set_at(self->key_sets, i);

    if (set->fabric_index > fabric_index ||
        (set->fabric_index == fabric_index && set->key_set_id >= key_set_id)) {
      *found = set->fabric_index == fabric_index && set->key_set_id == key_set_id;
      break;
    }
  }
  return i;
}

static guint
count_key_sets(const MdGroupKeyManagement *self, guint8 fabric_index)
{
  guint n = 0;

  for (guint i = 0; i < self->key_sets->len; i++)
    n += key_set_at(self->key_sets, i)->fabric_index == fabric_index;
  return n;
}

static gboolean
has_ipk(const MdGroupKeyManagement *self, guint8 fabric_index)
{
  return self->ops != NULL && self->ops->ipk != NULL &&
         self->ops->ipk(self->user_data, fabric_index, NULL);
}

/* The fabric's GroupKeyMap entries, in order. */
static GArray *
fabric_map(GArray *map, guint8 fabric_index)
{
  GArray *entries = g_array_new(FALSE, FALSE, sizeof(MdGroupKeyMapRecord));

  for (guint i = 0; i < map->len; i++)
    if (map_entry_at(map, i)->fabric_index == fabric_index)
      g_array_append_val(entries, *map_entry_at(map, i));
  return entries;
}

/* Removes the fabric's entries and puts @entries in their place. */
static void
replace_fabric_map(GArray *map, guint8 fabric_index, GArray *entries)
{
  guint at = 0;

  for (guint i = map->len; i > 0; i--)
    if (map_entry_at(map, i - 1)->fabric_index == fabric_index)
      g_array_remove_index(map, i - 1);
  while (at < map->len && map_entry_at(map, at)->fabric_index < fabric_index)
    at++;
  g_array_insert_vals(map, at, entries->data, entries->len);
}

/* Field by field: the records' padding is unspecified. */
static gboolean
maps_equal(GArray *a, GArray *b)
{
  if (a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++) {
    const MdGroupKeyMapRecord *x = map_entry_at(a, i), *y = map_entry_at(b, i);

    if (x->fabric_index != y->fabric_index || x->group_id != y->group_id ||
        x->key_set_id != y->key_set_id)
      return FALSE;
  }
  return TRUE;
}

static void
mark(MdGroupKeyManagement *self, uint32_t attribute)
{
  if (self->dm != NULL)
    matter_dm_mark(self->dm, self->cluster, attribute);
}

/* ---- Life cycle ---- */

static GArray *
key_set_array_new(void)
{
  GArray *sets = g_array_new(FALSE, TRUE, sizeof(MdGroupKeySetRecord));

  g_array_set_clear_func(sets, key_set_clear);
  return sets;
}

MdGroupKeyManagement *
md_group_key_management_new(const MdNodeStorage *storage, const MdGroupKeyManagementOps *ops,
                            gpointer user_data, GError **error)
{
  g_autoptr(GArray) sets = md_node_storage_load_group_key_sets(storage, error);
  g_autoptr(GArray) map = NULL;
  MdGroupKeyManagement *self;

  if (sets == NULL)
    return NULL;
  map = md_node_storage_load_group_key_map(storage, error);
  if (map == NULL)
    return NULL;
  self = g_new0(MdGroupKeyManagement, 1);
  self->storage = storage;
  self->ops = ops;
  self->user_data = user_data;
  /* In an array of our own, which wipes what it drops, whatever the
   * storage's wipes. */
  self->key_sets = key_set_array_new();
  g_array_append_vals(self->key_sets, sets->data, sets->len);
  self->key_map = g_steal_pointer(&map);
  g_debug("Loaded %u group key sets and %u group key map entries", self->key_sets->len,
          self->key_map->len);
  return self;
}

void
md_group_key_management_free(MdGroupKeyManagement *self)
{
  if (self == NULL)
    return;
  g_array_unref(self->key_sets);
  g_array_unref(self->key_map);
  g_clear_pointer(&self->staged_map, g_array_unref);
  g_free(self);
}

void
md_group_key_management_bind(MdGroupKeyManagement *self, MatterDmNode *dm, MatterDmCluster *cluster)
{
  self->dm = dm;
  self->cluster = cluster;
}

void
md_group_key_management_set_groups(MdGroupKeyManagement *self, MdGroups *groups)
{
  self->groups = groups;
  mark(self, ATTR_GROUP_TABLE);
}

void
md_group_key_management_group_table_changed(MdGroupKeyManagement *self)
{
  mark(self, ATTR_GROUP_TABLE);
}

gboolean
md_group_key_management_group_has_key(const MdGroupKeyManagement *self, guint8 fabric_index,
                                      guint16 group_id)
{
  for (guint i = 0; i < self->key_map->len; i++) {
    const MdGroupKeyMapRecord *entry = map_entry_at(self->key_map, i);

    if (entry->fabric_index == fabric_index && entry->group_id == group_id)
      return TRUE;
  }
  return FALSE;
}

void
md_group_key_management_remove_fabric(MdGroupKeyManagement *self, guint8 fabric_index)
{
  g_autoptr(GArray) none = g_array_new(FALSE, FALSE, sizeof(MdGroupKeyMapRecord));
  guint map_len = self->key_map->len;

  for (guint i = self->key_sets->len; i > 0; i--)
    if (key_set_at(self->key_sets, i - 1)->fabric_index == fabric_index)
      g_array_remove_index(self->key_sets, i - 1);
  replace_fabric_map(self->key_map, fabric_index, none);
  if (self->has_staged_map && self->staged_fabric == fabric_index)
    md_group_key_management_drop(self);
  if (self->key_map->len != map_len)
    mark(self, ATTR_GROUP_KEY_MAP);
}

/* ---- Attributes ---- */

static void
put_map_entry(MatterTlvWriter *w, const MdGroupKeyMapRecord *entry)
{
  matter_tlv_start_structure(w, matter_tlv_tag_anonymous());
  matter_tlv_put_uint(w, matter_tlv_tag_context(FIELD_MAP_GROUP_ID), entry->group_id);
  matter_tlv_put_uint(w, matter_tlv_tag_context(FIELD_MAP_KEY_SET_ID), entry->key_set_id);
  matter_tlv_put_uint(w, matter_tlv_tag_context(FABRIC_INDEX_TAG), entry->fabric_index);
  matter_tlv_end_container(w);
}

/* Every fabric's entries, or only the accessing fabric's when filtered;
 * the struct has no fabric-sensitive fields. */
static void
put_group_key_map(const MdGroupKeyManagement *self, const MatterDmRequest *request,
                  MatterTlvWriter *w, MatterTlvTag tag)
{
  matter_tlv_start_array(w, tag);
  for (guint i = 0; i < self->key_map->len; i++) {
    const MdGroupKeyMapRecord *entry = map_entry_at(self->key_map, i);

    if (!request->fabric_filtered || entry->fabric_index == request->subject->fabric_index)
      put_map_entry(w, entry);
  }
  matter_tlv_end_container(w);
}

static uint8_t
read_attribute(MatterDmCluster *cluster, const MatterDmRequest *request, uint32_t attribute,
               MatterTlvWriter *w, MatterTlvTag tag)
{
  MdGroupKeyManagement *self = cluster->state;

  switch (attribute) {
  case ATTR_GROUP_KEY_MAP:
    put_group_key_map(self, request, w, tag);
    break;
  case ATTR_GROUP_TABLE:
    if (self->groups != NULL) {
      md_groups_put_group_table(self->groups, request, w, tag);
    } else {
      matter_tlv_start_array(w, tag);
      matter_tlv_end_container(w);
    }
    break;
  case ATTR_MAX_GROUPS_PER_FABRIC:
    matter_tlv_put_uint(w, tag, MAX_GROUPS_PER_FABRIC);
    break;
  case ATTR_MAX_GROUP_KEYS_PER_FABRIC:
    matter_tlv_put_uint(w, tag, MAX_GROUP_KEYS_PER_FABRIC);
    break;
  default:
    return MATTER_IM_STATUS_UNSUPPORTED_ATTRIBUTE;
  }
  return MATTER_IM_STATUS_SUCCESS;
}

/* A GroupKeyMapStruct of the accessing fabric: a FabricIndex field in the
 * value is not the client's to choose (fabric-scoped writes take the
 * accessing fabric's), so it is replaced, as long as it is one. */
static uint8_t
decode_map_entry(MatterTlvReader *value, guint8 fabric_index, MdGroupKeyMapRecord *entry)
{
  uint8_t given_fabric;
  MatterError err;

  if (matter_tlv_get_type(value) != MATTER_TLV_TYPE_STRUCTURE ||
      matter_tlv_enter(value) != MATTER_OK ||
      matter_tlv_get_context_u16(value, FIELD_MAP_GROUP_ID, &entry->group_id) != MATTER_OK ||
      matter_tlv_get_context_u16(value, FIELD_MAP_KEY_SET_ID, &entry->key_set_id) != MATTER_OK)
    return MATTER_IM_STATUS_INVALID_DATA_TYPE;
  err = matter_tlv_get_context_u8(value, FABRIC_INDEX_TAG, &given_fabric);
  if (err != MATTER_OK && err != MATTER_ERROR_TLV_NOT_FOUND)
    return MATTER_IM_STATUS_INVALID_DATA_TYPE;
  if (matter_tlv_exit(value) != MATTER_OK)
    return MATTER_IM_STATUS_INVALID_DATA_TYPE;
  entry->fabric_index = fabric_index;
  return MATTER_IM_STATUS_SUCCESS;
}

/* Whether @entry may join @entries, the fabric's map so far. */
static uint8_t
check_map_entry(const MdGroupKeyManagement *self, GArray *entries, const MdGroupKeyMapRecord *entry)
{
  gboolean found;

  /* GroupKeyMapStruct: GroupId is a group-id (never 0), and the IPK
   * (key set 0) protects no group. */
  if (entry->group_id == 0 || entry->key_set_id == IPK_KEY_SET_ID)
    return MATTER_IM_STATUS_CONSTRAINT_ERROR;
  find_key_set(self, entry->fabric_index, entry->key_set_id, &found);
  if (!found)
    return MATTER_IM_STATUS_CONSTRAINT_ERROR;
  for (guint i = 0; i < entries->len; i++) {
    const MdGroupKeyMapRecord *other = map_entry_at(entries, i);

    if (other->group_id == entry->group_id && other->key_set_id == entry->key_set_id)
      return MATTER_IM_STATUS_CONSTRAINT_ERROR;
  }
  if (entries->len >= KEY_MAP_PER_FABRIC)
    return MATTER_IM_STATUS_RESOURCE_EXHAUSTED;
  return MATTER_IM_STATUS_SUCCESS;
}

static uint8_t
add_map_entry(const MdGroupKeyManagement *self, GArray *entries, MatterTlvReader *value,
              guint8 fabric_index)
{
  MdGroupKeyMapRecord entry = { 0 };
  uint8_t status = decode_map_entry(value, fabric_index, &entry);

  if (status == MATTER_IM_STATUS_SUCCESS)
    status = check_map_entry(self, entries, &entry);
  if (status == MATTER_IM_STATUS_SUCCESS)
    g_array_append_val(entries, entry);
  return status;
}

/* The whole list: every item valid, or nothing changes. */
static uint8_t
decode_map(const MdGroupKeyManagement *self, MatterTlvReader *value, guint8 fabric_index,
           GArray *entries)
{
  MatterError err;

  if (matter_tlv_get_type(value) != MATTER_TLV_TYPE_ARRAY || matter_tlv_enter(value) != MATTER_OK)
    return MATTER_IM_STATUS_INVALID_DATA_TYPE;
  while ((err = matter_tlv_next(value)) == MATTER_OK) {
    uint8_t status = add_map_entry(self, entries, value, fabric_index);

    if (status != MATTER_IM_STATUS_SUCCESS)
      return status;
  }
  return err == MATTER_ERROR_TLV_END ? MATTER_IM_STATUS_SUCCESS
                                     : MATTER_IM_STATUS_INVALID_DATA_TYPE;
}

/* The list a write of @fabric_index starts from: what this interaction
 * staged so far, or the committed one. */
static GArray *
map_to_write(const MdGroupKeyManagement *self, guint8 fabric_index)
{
  if (self->has_staged_map && self->staged_fabric == fabric_index) {
    GArray *copy = g_array_new(FALSE, FALSE, sizeof(MdGroupKeyMapRecord));

    g_array_append_vals(copy, self->staged_map->data, self->staged_map->len);
    return copy;
  }
  return fabric_map(self->key_map, fabric_index);
}

/* A replace (the whole list) followed by appends, as a list that does not
 * fit one message arrives; each write is checked against the list staged
 * so far and leaves it as it was when it fails. */
static uint8_t
write_attribute(MatterDmCluster *cluster, const MatterDmRequest *request,
                const MatterImAttributePath *path, MatterTlvReader *value)
{
  MdGroupKeyManagement *self = cluster->state;
  guint8 fabric_index = request->subject->fabric_index;
  g_autoptr(GArray) entries = NULL;
  uint8_t status;

  if (path->attribute != ATTR_GROUP_KEY_MAP)
    return MATTER_IM_STATUS_UNSUPPORTED_WRITE;
  if (path->list_index_kind == MATTER_IM_LIST_INDEX_NONE) {
    entries = g_array_new(FALSE, FALSE, sizeof(MdGroupKeyMapRecord));
    status = decode_map(self, value, fabric_index, entries);
  } else if (path->list_index_kind == MATTER_IM_LIST_INDEX_APPEND) {
    entries = map_to_write(self, fabric_index);
    status = add_map_entry(self, entries, value, fabric_index);
  } else {
    return MATTER_IM_STATUS_INVALID_ACTION;
  }
  if (status != MATTER_IM_STATUS_SUCCESS)
    return status;
  g_clear_pointer(&self->staged_map, g_array_unref);
  self->staged_map = g_steal_pointer(&entries);
  self->staged_fabric = fabric_index;
  self->has_staged_map = TRUE;
  return MATTER_IM_STATUS_SUCCESS;
}

gboolean
md_group_key_management_stage(MdGroupKeyManagement *self, GError **error)
{
  if (!self->has_staged_map)
    return TRUE;
  return md_node_storage_put_group_key_map(self->storage, self->staged_fabric,
                                           (const MdGroupKeyMapRecord *) self->staged_map->data,
                                           self->staged_map->len, error);
}

void
md_group_key_management_apply(MdGroupKeyManagement *self)
{
  g_autoptr(GArray) before = NULL;

  if (!self->has_staged_map)
    return;
  before = fabric_map(self->key_map, self->staged_fabric);
  replace_fabric_map(self->key_map, self->staged_fabric, self->staged_map);
  if (!maps_equal(before, self->staged_map))
    mark(self, ATTR_GROUP_KEY_MAP);
  md_group_key_management_drop(self);
}

void
md_group_key_management_drop(MdGroupKeyManagement *self)
{
  g_clear_pointer(&self->staged_map, g_array_unref);
  self->has_staged_map = FALSE;
}

/* ---- Commands ---- */

static MatterDmInvokeResult
status_result(uint8_t status)
{
  return (MatterDmInvokeResult){ .status = status };
}

static MatterDmInvokeResult
response_result(uint32_t response_id)
{
  return (MatterDmInvokeResult){
    .status = MATTER_IM_STATUS_SUCCESS,
    .has_response = true,
    .response_id = response_id,
  };
}

static guint8
accessing_fabric(const MatterDmRequest *request)
{
  return request->subject->fabric_index;
}

/* An epoch key and its start time as KeySetWrite gives them: pointers
 * into the request, which outlive the invoke. */
typedef struct {
  gboolean key_is_null;
  const uint8_t *key;
  size_t key_len;
  gboolean start_is_null;
  uint64_t start;
} EpochFields;

typedef struct {
  uint16_t key_set_id;
  uint8_t security_policy;
  EpochFields epochs[MD_GROUP_EPOCH_KEYS_MAX];
  gboolean has_multicast_policy;
  uint8_t multicast_policy;
} KeySetFields;

/* A mandatory field that may be null: FALSE when it is missing or neither
 * null nor of the field's type. */
static gboolean
get_nullable_bytes(MatterTlvReader *r, uint8_t tag, gboolean *is_null, const uint8_t **data,
                   size_t *len)
{
  if (matter_tlv_find_context(r, tag) != MATTER_OK)
    return FALSE;
  *is_null = matter_tlv_get_type(r) == MATTER_TLV_TYPE_NULL;
  return *is_null || matter_tlv_get_bytes(r, data, len) == MATTER_OK;
}

static gboolean
get_nullable_u64(MatterTlvReader *r, uint8_t tag, gboolean *is_null, uint64_t *value)
{
  if (matter_tlv_find_context(r, tag) != MATTER_OK)
    return FALSE;
  *is_null = matter_tlv_get_type(r) == MATTER_TLV_TYPE_NULL;
  return *is_null || matter_tlv_get_u64(r, value) == MATTER_OK;
}

/* The GroupKeySet field's structure, every field of the right type. */
static gboolean
decode_key_set(MatterTlvReader *fields, KeySetFields *out)
{
  MatterError err;

  if (fields == NULL ||
      matter_tlv_enter_context(fields, 0, MATTER_TLV_TYPE_STRUCTURE) != MATTER_OK ||
      matter_tlv_get_context_u16(fields, FIELD_KEY_SET_ID, &out->key_set_id) != MATTER_OK ||
      matter_tlv_get_context_u8(fields, FIELD_SECURITY_POLICY, &out->security_policy) != MATTER_OK)
    return FALSE;
  for (guint n = 0; n < MD_GROUP_EPOCH_KEYS_MAX; n++) {
    EpochFields *e = &out->epochs[n];
    uint8_t key_tag = (uint8_t) (FIELD_EPOCH_KEY0 + 2 * n);

    if (!get_nullable_bytes(fields, key_tag, &e->key_is_null, &e->key, &e->key_len) ||
        !get_nullable_u64(fields, key_tag + 1, &e->start_is_null, &e->start))
      return FALSE;
  }
  err = matter_tlv_get_context_u8(fields, FIELD_MULTICAST_POLICY, &out->multicast_policy);
  out->has_multicast_policy = err == MATTER_OK;
  return err == MATTER_OK || err == MATTER_ERROR_TLV_NOT_FOUND;
}

/* KeySetWrite's checks of the epoch keys, in the order the
 * specification lists them: each answers the status it names. */
static uint8_t
check_epochs(const KeySetFields *f)
{
  const EpochFields *e = f->epochs;

  if (e[0].key_is_null || e[0].start_is_null || e[0].start == 0)
    return MATTER_IM_STATUS_INVALID_COMMAND;
  if (e[0].key_len != MATTER_AES128_KEY_LEN)
    return MATTER_IM_STATUS_CONSTRAINT_ERROR;
  for (guint n = 1; n < MD_GROUP_EPOCH_KEYS_MAX; n++) {
    if (e[n].key_is_null != e[n].start_is_null)
      return MATTER_IM_STATUS_INVALID_COMMAND;
    if (e[n].key_is_null)
      continue;
    /* A later key needs every earlier one. */
    if (e[n - 1].key_is_null)
      return MATTER_IM_STATUS_INVALID_COMMAND;
    if (e[n].key_len != MATTER_AES128_KEY_LEN)
      return MATTER_IM_STATUS_CONSTRAINT_ERROR;
    if (e[n].start <= e[n - 1].start)
      return MATTER_IM_STATUS_INVALID_COMMAND;
  }
  return MATTER_IM_STATUS_SUCCESS;
}

static uint8_t
check_key_set(const KeySetFields *f)
{
  uint8_t status;

  /* The IPK is AddNOC's to set (KeySetWrite: INVALID_COMMAND). */
  if (f->key_set_id == IPK_KEY_SET_ID)
    return MATTER_IM_STATUS_INVALID_COMMAND;
  if ((status = check_epochs(f)) != MATTER_IM_STATUS_SUCCESS)
    return status;
  /* A value the enumeration does not have is a constraint error; one it
   * has but the FeatureMap leaves out (CacheAndSync) an invalid command. */
  if (f->security_policy > POLICY_CACHE_AND_SYNC)
    return MATTER_IM_STATUS_CONSTRAINT_ERROR;
  if (f->security_policy == POLICY_CACHE_AND_SYNC)
    return MATTER_IM_STATUS_INVALID_COMMAND;
  if (f->has_multicast_policy && f->multicast_policy > MULTICAST_ALL_NODES)
    return MATTER_IM_STATUS_CONSTRAINT_ERROR;
  return MATTER_IM_STATUS_SUCCESS;
}

static void
fill_record(const KeySetFields *f, guint8 fabric_index, MdGroupKeySetRecord *set)
{
  *set = (MdGroupKeySetRecord){
    .fabric_index = fabric_index,
    .key_set_id = f->key_set_id,
    .security_policy = f->security_policy,
  };
  for (guint n = 0; n < MD_GROUP_EPOCH_KEYS_MAX && !f->epochs[n].key_is_null; n++) {
    memcpy(set->epoch_keys[n], f->epochs[n].key, MATTER_AES128_KEY_LEN);
    set->epoch_start_times[n] = f->epochs[n].start;
    set->epoch_key_count = n + 1;
  }
}

static gboolean
store_key_set(MdGroupKeyManagement *self, const MdGroupKeySetRecord *set)
{
  g_autoptr(GError) error = NULL;

  if (!md_node_storage_begin(self->storage, &error) ||
      !md_node_storage_put_group_key_set(self->storage, set, &error) ||
      !md_node_storage_commit(self->storage, &error)) {
    g_warning("Cannot store group key set %u of fabric %u: %s", set->key_set_id, set->fabric_index,
              error->message);
    md_node_storage_rollback(self->storage);
    return FALSE;
  }
  return TRUE;
}

static MatterDmInvokeResult
key_set_write(MdGroupKeyManagement *self, const MatterDmRequest *request, MatterTlvReader *fields)
{
  guint8 fabric_index = accessing_fabric(request);
  KeySetFields f = { 0 };
  MdGroupKeySetRecord set;
  uint8_t status;
  gboolean found;
  guint at;

  if (!decode_key_set(fields, &f))
    return status_result(MATTER_IM_STATUS_INVALID_COMMAND);
  if ((status = check_key_set(&f)) != MATTER_IM_STATUS_SUCCESS)
    return status_result(status);
  at = find_key_set(self, fabric_index, f.key_set_id, &found);
  if (!found && count_key_sets(self, fabric_index) >= KEY_SETS_PER_FABRIC)
    return status_result(MATTER_IM_STATUS_RESOURCE_EXHAUSTED);

  fill_record(&f, fabric_index, &set);
  if (!store_key_set(self, &set)) {
    matter_secure_zero(&set, sizeof(set));
    return status_result(MATTER_IM_STATUS_FAILURE);
  }
  /* A replacement is a removal and an addition, as KeySetWrite says:
   * nothing of the old set stays. */
  if (found)
    g_array_remove_index(self->key_sets, at);
  g_array_insert_val(self->key_sets, at, set);
  matter_secure_zero(&set, sizeof(set));
  g_debug("Group key set %u of fabric %u written", f.key_set_id, fabric_index);
  return status_result(MATTER_IM_STATUS_SUCCESS);
}

static void
put_start_time(MatterTlvWriter *w, uint8_t tag, const MdGroupKeySetRecord *set, guint n)
{
  if (n < set->epoch_key_count)
    matter_tlv_put_uint(w, matter_tlv_tag_context(tag), set->epoch_start_times[n]);
  else
    matter_tlv_put_null(w, matter_tlv_tag_context(tag));
}

/* A GroupKeySetStruct as KeySetReadResponse has it: the epoch keys are
 * never read back, always null. */
static void
put_key_set(MatterTlvWriter *w, MatterTlvTag tag, const MdGroupKeySetRecord *set)
{
  matter_tlv_start_structure(w, tag);
  matter_tlv_put_uint(w, matter_tlv_tag_context(FIELD_KEY_SET_ID), set->key_set_id);
  matter_tlv_put_uint(w, matter_tlv_tag_context(FIELD_SECURITY_POLICY), set->security_policy);
  for (guint n = 0; n < MD_GROUP_EPOCH_KEYS_MAX; n++) {
    uint8_t key_tag = (uint8_t) (FIELD_EPOCH_KEY0 + 2 * n);

    matter_tlv_put_null(w, matter_tlv_tag_context(key_tag));
    put_start_time(w, key_tag + 1, set, n);
  }
  matter_tlv_end_container(w);
}

/* The IPK's key set as AddNOC makes it (Operational Credentials IPKValue):
 * TrustFirst, one epoch key, start time 0. */
static void
ipk_key_set(guint8 fabric_index, MdGroupKeySetRecord *set)
{
  *set = (MdGroupKeySetRecord){
    .fabric_index = fabric_index,
    .key_set_id = IPK_KEY_SET_ID,
    .security_policy = POLICY_TRUST_FIRST,
    .epoch_key_count = 1,
  };
}

static MatterDmInvokeResult
key_set_read(MdGroupKeyManagement *self, const MatterDmRequest *request, MatterTlvReader *fields,
             MatterTlvWriter *response, MatterTlvTag tag)
{
  guint8 fabric_index = accessing_fabric(request);
  MdGroupKeySetRecord ipk;
  const MdGroupKeySetRecord *set;
  uint16_t key_set_id;
  gboolean found;
  guint at;

  if (fields == NULL || matter_tlv_get_context_u16(fields, 0, &key_set_id) != MATTER_OK)
    return status_result(MATTER_IM_STATUS_INVALID_COMMAND);
  if (key_set_id == IPK_KEY_SET_ID) {
    if (!has_ipk(self, fabric_index))
      return status_result(MATTER_IM_STATUS_NOT_FOUND);
    ipk_key_set(fabric_index, &ipk);
    set = &ipk;
  } else {
    at = find_key_set(self, fabric_index, key_set_id, &found);
    if (!found)
      return status_result(MATTER_IM_STATUS_NOT_FOUND);
    set = key_set_at(self->key_sets, at);
  }
  matter_tlv_start_structure(response, tag);
  put_key_set(response, matter_tlv_tag_context(0), set);
  matter_tlv_end_container(response);
  return response_result(CMD_KEY_SET_READ_RESPONSE);
}

/* The key set and the GroupKeyMap entries that use it go together, so no
 * group is left mapped to a key that is gone. */
static MatterDmInvokeResult
key_set_remove(MdGroupKeyManagement *self, const MatterDmRequest *request, MatterTlvReader *fields)
{
  guint8 fabric_index = accessing_fabric(request);
  g_autoptr(GArray) map = NULL;
  g_autoptr(GArray) kept = NULL;
  g_autoptr(GError) error = NULL;
  uint16_t key_set_id;
  gboolean found;
  guint at;

  if (fields == NULL || matter_tlv_get_context_u16(fields, 0, &key_set_id) != MATTER_OK)
    return status_result(MATTER_IM_STATUS_INVALID_COMMAND);
  /* The IPK cannot be removed (KeySetRemove: INVALID_COMMAND). */
  if (key_set_id == IPK_KEY_SET_ID)
    return status_result(MATTER_IM_STATUS_INVALID_COMMAND);
  at = find_key_set(self, fabric_index, key_set_id, &found);
  if (!found)
    return status_result(MATTER_IM_STATUS_NOT_FOUND);

  map = fabric_map(self->key_map, fabric_index);
  kept = g_array_new(FALSE, FALSE, sizeof(MdGroupKeyMapRecord));
  for (guint i = 0; i < map->len; i++)
    if (map_entry_at(map, i)->key_set_id != key_set_id)
      g_array_append_val(kept, *map_entry_at(map, i));
  if (!md_node_storage_begin(self->storage, &error) ||
      !md_node_storage_delete_group_key_set(self->storage, fabric_index, key_set_id, &error) ||
      (kept->len != map->len && !md_node_storage_put_group_key_map(
                                    self->storage, fabric_index,
                                    (const MdGroupKeyMapRecord *) kept->data, kept->len, &error)) ||
      !md_node_storage_commit(self->storage, &error)) {
    g_warning("Cannot remove group key set %u of fabric %u: %s", key_set_id, fabric_index,
              error->message);
    md_node_storage_rollback(self->storage);
    return status_result(MATTER_IM_STATUS_FAILURE);
  }
  g_array_remove_index(self->key_sets, at);
  if (kept->len != map->len) {
    replace_fabric_map(self->key_map, fabric_index, kept);
    mark(self, ATTR_GROUP_KEY_MAP);
  }
  g_debug("Group key set %u of fabric %u removed", key_set_id, fabric_index);
  return status_result(MATTER_IM_STATUS_SUCCESS);
}

/* The fabric's key set ids, the IPK's (0) first when it has one. The
 * request's one field is DoNotUse (disallowed) and ignored. */
static MatterDmInvokeResult
key_set_read_all_indices(MdGroupKeyManagement *self, const MatterDmRequest *request,
                         MatterTlvWriter *response, MatterTlvTag tag)
{
  guint8 fabric_index = accessing_fabric(request);

  matter_tlv_start_structure(response, tag);
  matter_tlv_start_array(response, matter_tlv_tag_context(0));
  if (has_ipk(self, fabric_index))
    matter_tlv_put_uint(response, matter_tlv_tag_anonymous(), IPK_KEY_SET_ID);
  for (guint i = 0; i < self->key_sets->len; i++) {
    const MdGroupKeySetRecord *set = key_set_at(self->key_sets, i);

    if (set->fabric_index == fabric_index)
      matter_tlv_put_uint(response, matter_tlv_tag_anonymous(), set->key_set_id);
  }
  matter_tlv_end_container(response);
  matter_tlv_end_container(response);
  return response_result(CMD_KEY_SET_READ_ALL_INDICES_RESPONSE);
}

static MatterDmInvokeResult
invoke(MatterDmCluster *cluster, const MatterDmRequest *request, uint32_t command,
       MatterTlvReader *fields, MatterTlvWriter *response, MatterTlvTag tag)
{
  MdGroupKeyManagement *self = cluster->state;

  switch (command) {
  case CMD_KEY_SET_WRITE:
    return key_set_write(self, request, fields);
  case CMD_KEY_SET_READ:
    return key_set_read(self, request, fields, response, tag);
  case CMD_KEY_SET_REMOVE:
    return key_set_remove(self, request, fields);
  case CMD_KEY_SET_READ_ALL_INDICES:
    return key_set_read_all_indices(self, request, response, tag);
  default:
    return status_result(MATTER_IM_STATUS_UNSUPPORTED_COMMAND);
  }
}

const MatterDmClass md_group_key_management_class = {
  .id = 0x003F,
  .revision = 2,
  .name = "Group Key Management",
  .attributes = attributes,
  .attribute_count = G_N_ELEMENTS(attributes),
  .commands = commands,
  .command_count = G_N_ELEMENTS(commands),
  .read = read_attribute,
  .write = write_attribute,
  .invoke = invoke,
};
