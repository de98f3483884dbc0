/* SPDX-License-Identifier: Apache-2.0 */
#include "md-test-storage.h"

#include <string.h>

#include "md-error.h"
#include "md-test-ca.h"

typedef struct {
  gboolean is_bytes;
  guint64 number;
  GBytes *bytes;
} Value;

/* Everything the store holds; rows in the order the loads return them. */
typedef struct {
  GHashTable *values;  /* key -> Value */
  GPtrArray *fabrics;  /* of MdFabricRecord, by fabric index */
  GArray *acl;         /* of MatterAclEntry, by fabric index, then position */
  GArray *key_sets;    /* of MdGroupKeySetRecord, by fabric index, then key set id */
  GArray *key_map;     /* of MdGroupKeyMapRecord, by fabric index, then position */
  GArray *groups;      /* of MdGroupMembershipRecord, by fabric index, group id, endpoint */
  GArray *resumptions; /* of MdResumptionRecord, by sequence */
} State;

struct MdTestStorage {
  MdNodeStorage storage;
  State *committed;
  State *pending; /* a copy of committed while in a transaction */
  guint calls;
  guint fail_at; /* the call number that fails, 0 for none */
};

static void
value_free(gpointer data)
{
  Value *value = data;

  g_clear_pointer(&value->bytes, g_bytes_unref);
  g_free(value);
}

static GHashTable *
table_new(void)
{
  return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, value_free);
}

static GHashTable *
values_copy(GHashTable *from)
{
  GHashTable *to = table_new();
  GHashTableIter iter;
  gpointer key, data;

  g_hash_table_iter_init(&iter, from);
  while (g_hash_table_iter_next(&iter, &key, &data)) {
    const Value *value = data;
    Value *copy = g_new0(Value, 1);

    *copy = *value;
    if (value->bytes != NULL)
      copy->bytes = g_bytes_ref(value->bytes);
    g_hash_table_insert(to, g_strdup(key), copy);
  }
  return to;
}

static void
key_set_clear(gpointer data)
{
  matter_secure_zero(data, sizeof(MdGroupKeySetRecord));
}

static GArray *
key_set_array_new(void)
{
  GArray *sets = g_array_new(FALSE, TRUE, sizeof(MdGroupKeySetRecord));

  /* Epoch keys are wiped when the array goes, as the store's are. */
  g_array_set_clear_func(sets, key_set_clear);
  return sets;
}

static void
resumption_clear(gpointer data)
{
  matter_secure_zero(data, sizeof(MdResumptionRecord));
}

static GArray *
resumption_array_new(void)
{
  GArray *records = g_array_new(FALSE, TRUE, sizeof(MdResumptionRecord));

  /* Shared secrets are wiped when the array goes, as the store's are. */
  g_array_set_clear_func(records, resumption_clear);
  return records;
}

static State *
state_new(void)
{
  State *state = g_new0(State, 1);

  state->values = table_new();
  state->fabrics = g_ptr_array_new_with_free_func((GDestroyNotify) md_fabric_record_free);
  state->acl = g_array_new(FALSE, TRUE, sizeof(MatterAclEntry));
  state->key_sets = key_set_array_new();
  state->key_map = g_array_new(FALSE, TRUE, sizeof(MdGroupKeyMapRecord));
  state->groups = g_array_new(FALSE, TRUE, sizeof(MdGroupMembershipRecord));
  state->resumptions = resumption_array_new();
  return state;
}

static void
state_free(State *state)
{
  if (state == NULL)
    return;
  g_hash_table_unref(state->values);
  g_ptr_array_unref(state->fabrics);
  g_array_unref(state->acl);
  g_array_unref(state->key_sets);
  g_array_unref(state->key_map);
  g_array_unref(state->groups);
  g_array_unref(state->resumptions);
  g_free(state);
}

static GPtrArray *
fabrics_copy(GPtrArray *from)
{
  GPtrArray *to = g_ptr_array_new_full(from->len, (GDestroyNotify) md_fabric_record_free);

  for (guint i = 0; i < from->len; i++)
    g_ptr_array_add(to, md_fabric_record_copy(g_ptr_array_index(from, i)));
  return to;
}

static GArray *
array_copy(GArray *to, GArray *from)
{
  g_array_append_vals(to, from->data, from->len);
  return to;
}

static State *
state_copy(const State *from)
{
  State *to = g_new0(State, 1);

  to->values = values_copy(from->values);
  to->fabrics = fabrics_copy(from->fabrics);
  to->acl = array_copy(g_array_new(FALSE, TRUE, sizeof(MatterAclEntry)), from->acl);
  to->key_sets = array_copy(key_set_array_new(), from->key_sets);
  to->key_map = array_copy(g_array_new(FALSE, TRUE, sizeof(MdGroupKeyMapRecord)), from->key_map);
  to->groups = array_copy(g_array_new(FALSE, TRUE, sizeof(MdGroupMembershipRecord)), from->groups);
  to->resumptions = array_copy(resumption_array_new(), from->resumptions);
  return to;
}

/* Every call counts; the armed one fails. */
static gboolean
call(MdTestStorage *self, GError **error)
{
  self->calls++;
  if (self->fail_at != 0 && self->calls == self->fail_at) {
    g_set_error(error, MD_ERROR, MD_ERROR_STORE, "Injected storage failure (call %u)", self->calls);
    return FALSE;
  }
  return TRUE;
}

static State *
current(MdTestStorage *self)
{
  return self->pending != NULL ? self->pending : self->committed;
}

static gboolean
storage_begin(gpointer user_data, GError **error)
{
  MdTestStorage *self = user_data;

  if (!call(self, error))
    return FALSE;
  g_assert_null(self->pending);
  self->pending = state_copy(self->committed);
  return TRUE;
}

static gboolean
storage_commit(gpointer user_data, GError **error)
{
  MdTestStorage *self = user_data;

  g_assert_nonnull(self->pending);
  /* As SQLite's store does: a commit that fails has rolled back. */
  if (!call(self, error)) {
    g_clear_pointer(&self->pending, state_free);
    return FALSE;
  }
  state_free(self->committed);
  self->committed = g_steal_pointer(&self->pending);
  return TRUE;
}

static void
storage_rollback(gpointer user_data)
{
  MdTestStorage *self = user_data;

  g_clear_pointer(&self->pending, state_free);
}

static const Value *
lookup(MdTestStorage *self, const char *key, gboolean is_bytes, GError **error)
{
  const Value *value = g_hash_table_lookup(current(self)->values, key);

  if (value == NULL) {
    g_set_error(error, MD_ERROR, MD_ERROR_NOT_FOUND, "No value for %s", key);
    return NULL;
  }
  if (value->is_bytes != is_bytes) {
    g_set_error(error, MD_ERROR, MD_ERROR_WRONG_TYPE, "%s has another type", key);
    return NULL;
  }
  return value;
}

static gboolean
storage_get_uint64(gpointer user_data, const char *key, guint64 *out, GError **error)
{
  MdTestStorage *self = user_data;
  const Value *value;

  if (!call(self, error) || (value = lookup(self, key, FALSE, error)) == NULL)
    return FALSE;
  *out = value->number;
  return TRUE;
}

static void
put(MdTestStorage *self, const char *key, Value *value)
{
  g_hash_table_insert(current(self)->values, g_strdup(key), value);
}

static gboolean
storage_put_uint64(gpointer user_data, const char *key, guint64 number, GError **error)
{
  MdTestStorage *self = user_data;
  Value *value;

  if (!call(self, error))
    return FALSE;
  value = g_new0(Value, 1);
  value->number = number;
  put(self, key, value);
  return TRUE;
}

static GBytes *
storage_get_bytes(gpointer user_data, const char *key, GError **error)
{
  MdTestStorage *self = user_data;
  const Value *value;

  if (!call(self, error) || (value = lookup(self, key, TRUE, error)) == NULL)
    return NULL;
  return g_bytes_ref(value->bytes);
}

static gboolean
storage_put_bytes(gpointer user_data, const char *key, GBytes *bytes, GError **error)
{
  MdTestStorage *self = user_data;
  Value *value;

  if (!call(self, error))
    return FALSE;
  value = g_new0(Value, 1);
  value->is_bytes = TRUE;
  value->bytes = g_bytes_ref(bytes);
  put(self, key, value);
  return TRUE;
}

static int
storage_count_fabrics(gpointer user_data, GError **error)
{
  MdTestStorage *self = user_data;

  return call(self, error) ? (int) current(self)->fabrics->len : -1;
}

static void set_invalid(GError **error, const char *format, ...) G_GNUC_PRINTF(2, 3);

/* What the store refuses to write, refused here too (MD_ERROR_FAILED), so
 * node tests see the same outcome. */
static void
set_invalid(GError **error, const char *format, ...)
{
  g_autofree char *why = NULL;
  va_list args;

  va_start(args, format);
  why = g_strdup_vprintf(format, args);
  va_end(args);
  g_set_error(error, MD_ERROR, MD_ERROR_FAILED, "Refusing to store %s", why);
}

static gboolean
bytes_len_is(GBytes *bytes, gsize len)
{
  return bytes != NULL && g_bytes_get_size(bytes) == len;
}

static gboolean
fabric_index_valid(guint8 fabric_index)
{
  return fabric_index >= 1 && fabric_index <= 254;
}

/* The store's rows reference their fabric: a row of a missing one fails
 * as its foreign key constraint does. */
static gboolean
require_fabric(MdTestStorage *self, guint8 fabric_index, GError **error)
{
  GPtrArray *fabrics = current(self)->fabrics;

  for (guint i = 0; i < fabrics->len; i++)
    if (((const MdFabricRecord *) g_ptr_array_index(fabrics, i))->fabric_index == fabric_index)
      return TRUE;
  g_set_error(error, MD_ERROR, MD_ERROR_STORE, "FOREIGN KEY constraint failed: no fabric %u",
              fabric_index);
  return FALSE;
}

/* The fabric index of row @i of @rows, a field at @offset of each. */
static guint8
row_fabric(GArray *rows, guint i, gsize offset)
{
  return *((const guint8 *) rows->data + (gsize) i * g_array_get_element_size(rows) + offset);
}

static void
remove_fabric_rows(GArray *rows, gsize offset, guint8 fabric_index)
{
  for (guint i = rows->len; i > 0; i--)
    if (row_fabric(rows, i - 1, offset) == fabric_index)
      g_array_remove_index(rows, i - 1);
}

/* Where a row of @fabric_index goes: after those of lower or equal ones. */
static guint
fabric_rows_end(GArray *rows, gsize offset, guint8 fabric_index)
{
  guint i = 0;

  while (i < rows->len && row_fabric(rows, i, offset) <= fabric_index)
    i++;
  return i;
}

/* Replaces the fabric's rows with @count of @entries, in order, setting
 * their fabric index as the store's rows have it. */
static void
replace_fabric_rows(GArray *rows, gsize offset, guint8 fabric_index, gconstpointer entries,
                    gsize count)
{
  guint at;

  remove_fabric_rows(rows, offset, fabric_index);
  at = fabric_rows_end(rows, offset, fabric_index);
  if (count > 0)
    g_array_insert_vals(rows, at, entries, (guint) count);
  for (gsize i = 0; i < count; i++)
    *((guint8 *) rows->data + (at + i) * g_array_get_element_size(rows) + offset) = fabric_index;
}

static GPtrArray *
storage_load_fabrics(gpointer user_data, GError **error)
{
  MdTestStorage *self = user_data;

  return call(self, error) ? fabrics_copy(current(self)->fabrics) : NULL;
}

static gboolean
storage_put_fabric(gpointer user_data, const MdFabricRecord *fabric, GError **error)
{
  MdTestStorage *self = user_data;
  GPtrArray *fabrics;
  guint i;

  if (!call(self, error))
    return FALSE;
  if (!fabric_index_valid(fabric->fabric_index) || fabric->rcac == NULL || fabric->noc == NULL ||
      !bytes_len_is(fabric->operational_key, MATTER_P256_PRIVATE_KEY_LEN) ||
      !bytes_len_is(fabric->ipk_epoch_key, MATTER_AES128_KEY_LEN)) {
    set_invalid(error, "fabric %u: incomplete", fabric->fabric_index);
    return FALSE;
  }
  fabrics = current(self)->fabrics;
  for (i = 0; i < fabrics->len; i++) {
    MdFabricRecord *row = g_ptr_array_index(fabrics, i);

    /* In place: the fabric's other rows stay, as the store's upsert keeps them. */
    if (row->fabric_index == fabric->fabric_index) {
      md_fabric_record_free(row);
      g_ptr_array_index(fabrics, i) = md_fabric_record_copy(fabric);
      return TRUE;
    }
    if (row->fabric_index > fabric->fabric_index)
      break;
  }
  g_ptr_array_insert(fabrics, (gint) i, md_fabric_record_copy(fabric));
  return TRUE;
}

/* The fabric and, as the store's ON DELETE CASCADE, its rows. */
static void
state_delete_fabric(State *state, guint8 fabric_index)
{
  for (guint i = 0; i < state->fabrics->len; i++)
    if (((const MdFabricRecord *) g_ptr_array_index(state->fabrics, i))->fabric_index ==
        fabric_index) {
      g_ptr_array_remove_index(state->fabrics, i);
      break;
    }
  remove_fabric_rows(state->acl, G_STRUCT_OFFSET(MatterAclEntry, fabric_index), fabric_index);
  remove_fabric_rows(state->key_sets, G_STRUCT_OFFSET(MdGroupKeySetRecord, fabric_index),
                     fabric_index);
  remove_fabric_rows(state->key_map, G_STRUCT_OFFSET(MdGroupKeyMapRecord, fabric_index),
                     fabric_index);
  remove_fabric_rows(state->groups, G_STRUCT_OFFSET(MdGroupMembershipRecord, fabric_index),
                     fabric_index);
  remove_fabric_rows(state->resumptions, G_STRUCT_OFFSET(MdResumptionRecord, fabric_index),
                     fabric_index);
}

static gboolean
storage_delete_fabric(gpointer user_data, guint8 fabric_index, GError **error)
{
  MdTestStorage *self = user_data;

  if (!call(self, error))
    return FALSE;
  state_delete_fabric(current(self), fabric_index);
  return TRUE;
}

static GArray *
storage_load_acl(gpointer user_data, GError **error)
{
  MdTestStorage *self = user_data;

  if (!call(self, error))
    return NULL;
  return array_copy(g_array_new(FALSE, TRUE, sizeof(MatterAclEntry)), current(self)->acl);
}

static gboolean
acl_entry_valid(const MatterAclEntry *entry)
{
  return entry->privilege >= MATTER_ACL_PRIVILEGE_VIEW &&
         entry->privilege <= MATTER_ACL_PRIVILEGE_ADMINISTER &&
         entry->auth_mode >= MATTER_ACL_AUTH_PASE && entry->auth_mode <= MATTER_ACL_AUTH_GROUP &&
         entry->subject_count <= MATTER_ACL_SUBJECTS_MAX &&
         entry->target_count <= MATTER_ACL_TARGETS_MAX;
}

static gboolean
storage_put_acl(gpointer user_data, guint8 fabric_index, const MatterAclEntry *entries, gsize count,
                GError **error)
{
  MdTestStorage *self = user_data;

  if (!call(self, error) || !require_fabric(self, fabric_index, error))
    return FALSE;
  for (gsize i = 0; i < count; i++)
    if (!acl_entry_valid(&entries[i])) {
      set_invalid(error, "access control entry %" G_GSIZE_FORMAT " of fabric %u", i, fabric_index);
      return FALSE;
    }
  replace_fabric_rows(current(self)->acl, G_STRUCT_OFFSET(MatterAclEntry, fabric_index),
                      fabric_index, entries, count);
  return TRUE;
}

static GArray *
storage_load_group_key_sets(gpointer user_data, GError **error)
{
  MdTestStorage *self = user_data;

  return call(self, error) ? array_copy(key_set_array_new(), current(self)->key_sets) : NULL;
}

/* The position of the fabric's key set, or where it would go. */
static guint
find_key_set(GArray *sets, guint8 fabric_index, guint16 key_set_id, gboolean *found)
{
  guint i;

  *found = FALSE;
  for (i = 0; i < sets->len; i++) {
    const MdGroupKeySetRecord *set = &g_array_index(sets, MdGroupKeySetRecord, i);

    if (set->fabric_index > fabric_index ||
        (set->fabric_index == fabric_index && set->key_set_id >= key_set_id)) {
      *found = set->fabric_index == fabric_index && set->key_set_id == key_set_id;
      break;
    }
  }
  return i;
}

static gboolean
storage_put_group_key_set(gpointer user_data, const MdGroupKeySetRecord *set, GError **error)
{
  MdTestStorage *self = user_data;
  GArray *sets;
  gboolean found;
  guint at;

  if (!call(self, error) || !require_fabric(self, set->fabric_index, error))
    return FALSE;
  if (set->key_set_id == 0 || set->security_policy > 1 || set->epoch_key_count < 1 ||
      set->epoch_key_count > MD_GROUP_EPOCH_KEYS_MAX) {
    set_invalid(error, "group key set %u of fabric %u", set->key_set_id, set->fabric_index);
    return FALSE;
  }
  sets = current(self)->key_sets;
  at = find_key_set(sets, set->fabric_index, set->key_set_id, &found);
  if (found)
    g_array_remove_index(sets, at);
  g_array_insert_val(sets, at, *set);
  return TRUE;
}

static gboolean
storage_delete_group_key_set(gpointer user_data, guint8 fabric_index, guint16 key_set_id,
                             GError **error)
{
  MdTestStorage *self = user_data;
  gboolean found;
  guint at;

  if (!call(self, error))
    return FALSE;
  at = find_key_set(current(self)->key_sets, fabric_index, key_set_id, &found);
  if (found)
    g_array_remove_index(current(self)->key_sets, at);
  return TRUE;
}

static GArray *
storage_load_group_key_map(gpointer user_data, GError **error)
{
  MdTestStorage *self = user_data;

  if (!call(self, error))
    return NULL;
  return array_copy(g_array_new(FALSE, TRUE, sizeof(MdGroupKeyMapRecord)), current(self)->key_map);
}

static gboolean
storage_put_group_key_map(gpointer user_data, guint8 fabric_index,
                          const MdGroupKeyMapRecord *entries, gsize count, GError **error)
{
  MdTestStorage *self = user_data;

  if (!call(self, error) || !require_fabric(self, fabric_index, error))
    return FALSE;
  for (gsize i = 0; i < count; i++)
    if (entries[i].group_id == 0 || entries[i].key_set_id == 0) {
      set_invalid(error, "group key map entry %" G_GSIZE_FORMAT " of fabric %u", i, fabric_index);
      return FALSE;
    }
  replace_fabric_rows(current(self)->key_map, G_STRUCT_OFFSET(MdGroupKeyMapRecord, fabric_index),
                      fabric_index, entries, count);
  return TRUE;
}

static GArray *
storage_load_group_memberships(gpointer user_data, GError **error)
{
  MdTestStorage *self = user_data;

  if (!call(self, error))
    return NULL;
  return array_copy(g_array_new(FALSE, TRUE, sizeof(MdGroupMembershipRecord)),
                    current(self)->groups);
}

static int
compare_membership(const MdGroupMembershipRecord *a, guint8 fabric_index, guint16 group_id,
                   guint16 endpoint)
{
  if (a->fabric_index != fabric_index)
    return a->fabric_index < fabric_index ? -1 : 1;
  if (a->group_id != group_id)
    return a->group_id < group_id ? -1 : 1;
  if (a->endpoint != endpoint)
    return a->endpoint < endpoint ? -1 : 1;
  return 0;
}

/* The position of the membership, or where it would go. */
static guint
find_membership(GArray *rows, guint8 fabric_index, guint16 group_id, guint16 endpoint,
                gboolean *found)
{
  guint i;

  *found = FALSE;
  for (i = 0; i < rows->len; i++) {
    int c = compare_membership(&g_array_index(rows, MdGroupMembershipRecord, i), fabric_index,
                               group_id, endpoint);

    if (c >= 0) {
      *found = c == 0;
      break;
    }
  }
  return i;
}

static gboolean
storage_put_group_membership(gpointer user_data, const MdGroupMembershipRecord *membership,
                             GError **error)
{
  MdTestStorage *self = user_data;
  GArray *rows;
  gboolean found;
  guint at;

  if (!call(self, error) || !require_fabric(self, membership->fabric_index, error))
    return FALSE;
  if (membership->group_id == 0 ||
      strnlen(membership->name, sizeof(membership->name)) > MD_GROUP_NAME_MAX ||
      !g_utf8_validate(membership->name, -1, NULL)) {
    set_invalid(error, "group %u of fabric %u on endpoint %u", membership->group_id,
                membership->fabric_index, membership->endpoint);
    return FALSE;
  }
  rows = current(self)->groups;
  at = find_membership(rows, membership->fabric_index, membership->group_id, membership->endpoint,
                       &found);
  if (found)
    g_array_index(rows, MdGroupMembershipRecord, at) = *membership;
  else
    g_array_insert_val(rows, at, *membership);
  return TRUE;
}

static gboolean
storage_delete_group_membership(gpointer user_data, guint8 fabric_index, guint16 group_id,
                                guint16 endpoint, GError **error)
{
  MdTestStorage *self = user_data;
  gboolean found;
  guint at;

  if (!call(self, error))
    return FALSE;
  at = find_membership(current(self)->groups, fabric_index, group_id, endpoint, &found);
  if (found)
    g_array_remove_index(current(self)->groups, at);
  return TRUE;
}

static GArray *
storage_load_resumptions(gpointer user_data, GError **error)
{
  MdTestStorage *self = user_data;

  return call(self, error) ? array_copy(resumption_array_new(), current(self)->resumptions) : NULL;
}

static gboolean
resumption_valid(const MdResumptionRecord *record)
{
  if (record->sequence > G_MAXINT64)
    return FALSE;
  for (gsize i = 1; i < G_N_ELEMENTS(record->peer_cats); i++)
    if (record->peer_cats[i] != 0 && record->peer_cats[i - 1] == 0)
      return FALSE;
  return TRUE;
}

/* The position of the record with @resumption_id, or -1. */
static int
find_resumption_id(GArray *records, const guint8 resumption_id[MD_RESUMPTION_ID_LEN])
{
  for (guint i = 0; i < records->len; i++)
    if (memcmp(g_array_index(records, MdResumptionRecord, i).resumption_id, resumption_id,
               MD_RESUMPTION_ID_LEN) == 0)
      return (int) i;
  return -1;
}

/* The position of the record of the fabric's peer, or -1. */
static int
find_resumption_peer(GArray *records, guint8 fabric_index, guint64 peer_node_id)
{
  for (guint i = 0; i < records->len; i++) {
    const MdResumptionRecord *record = &g_array_index(records, MdResumptionRecord, i);

    if (record->fabric_index == fabric_index && record->peer_node_id == peer_node_id)
      return (int) i;
  }
  return -1;
}

/* The store's table has the resumption id as primary key and a unique
 * sequence: a put that would repeat either of another row fails. */
static gboolean
resumption_unique(GArray *records, const MdResumptionRecord *record, int peer, GError **error)
{
  int same_id = find_resumption_id(records, record->resumption_id);

  if (same_id >= 0 && same_id != peer) {
    g_set_error_literal(error, MD_ERROR, MD_ERROR_STORE,
                        "UNIQUE constraint failed: resumption.resumption_id");
    return FALSE;
  }
  for (guint i = 0; i < records->len; i++)
    if ((int) i != peer &&
        g_array_index(records, MdResumptionRecord, i).sequence == record->sequence) {
      g_set_error_literal(error, MD_ERROR, MD_ERROR_STORE,
                          "UNIQUE constraint failed: resumption.sequence");
      return FALSE;
    }
  return TRUE;
}

static gboolean
storage_put_resumption(gpointer user_data, const MdResumptionRecord *record, GError **error)
{
  MdTestStorage *self = user_data;
  GArray *records;
  guint at = 0;
  int peer;

  if (!call(self, error) || !require_fabric(self, record->fabric_index, error))
    return FALSE;
  if (!resumption_valid(record)) {
    set_invalid(error, "resumption record of node 0x%016" G_GINT64_MODIFIER "X on fabric %u",
                record->peer_node_id, record->fabric_index);
    return FALSE;
  }
  records = current(self)->resumptions;
  peer = find_resumption_peer(records, record->fabric_index, record->peer_node_id);
  if (!resumption_unique(records, record, peer, error))
    return FALSE;
  if (peer >= 0)
    g_array_remove_index(records, (guint) peer);
  while (at < records->len &&
         g_array_index(records, MdResumptionRecord, at).sequence < record->sequence)
    at++;
  g_array_insert_val(records, at, *record);
  return TRUE;
}

static gboolean
storage_delete_resumption(gpointer user_data, const guint8 resumption_id[MD_RESUMPTION_ID_LEN],
                          GError **error)
{
  MdTestStorage *self = user_data;
  int at;

  if (!call(self, error))
    return FALSE;
  at = find_resumption_id(current(self)->resumptions, resumption_id);
  if (at >= 0)
    g_array_remove_index(current(self)->resumptions, (guint) at);
  return TRUE;
}

static const MdNodeStorageOps ops = {
  .begin = storage_begin,
  .commit = storage_commit,
  .rollback = storage_rollback,
  .get_uint64 = storage_get_uint64,
  .put_uint64 = storage_put_uint64,
  .get_bytes = storage_get_bytes,
  .put_bytes = storage_put_bytes,
  .count_fabrics = storage_count_fabrics,
  .load_fabrics = storage_load_fabrics,
  .put_fabric = storage_put_fabric,
  .delete_fabric = storage_delete_fabric,
  .load_acl = storage_load_acl,
  .put_acl = storage_put_acl,
  .load_group_key_sets = storage_load_group_key_sets,
  .put_group_key_set = storage_put_group_key_set,
  .delete_group_key_set = storage_delete_group_key_set,
  .load_group_key_map = storage_load_group_key_map,
  .put_group_key_map = storage_put_group_key_map,
  .load_group_memberships = storage_load_group_memberships,
  .put_group_membership = storage_put_group_membership,
  .delete_group_membership = storage_delete_group_membership,
  .load_resumptions = storage_load_resumptions,
  .put_resumption = storage_put_resumption,
  .delete_resumption = storage_delete_resumption,
};

MdTestStorage *
md_test_storage_new(void)
{
  MdTestStorage *self = g_new0(MdTestStorage, 1);

  self->storage.ops = &ops;
  self->storage.user_data = self;
  self->committed = state_new();
  return self;
}

void
md_test_storage_free(MdTestStorage *self)
{
  if (self == NULL)
    return;
  g_clear_pointer(&self->pending, state_free);
  state_free(self->committed);
  g_free(self);
}

const MdNodeStorage *
md_test_storage_get(MdTestStorage *self)
{
  return &self->storage;
}

void
md_test_storage_fail_at(MdTestStorage *self, guint n)
{
  self->fail_at = n == 0 ? 0 : self->calls + n;
}

guint
md_test_storage_calls(MdTestStorage *self)
{
  return self->calls;
}

gboolean
md_test_storage_in_transaction(MdTestStorage *self)
{
  return self->pending != NULL;
}

gboolean
md_test_storage_has(MdTestStorage *self, const char *key)
{
  return g_hash_table_contains(self->committed->values, key);
}

guint64
md_test_storage_uint64(MdTestStorage *self, const char *key)
{
  const Value *value = g_hash_table_lookup(self->committed->values, key);

  g_assert_nonnull(value);
  g_assert_false(value->is_bytes);
  return value->number;
}

guint
md_test_storage_count(MdTestStorage *self)
{
  return g_hash_table_size(self->committed->values);
}

/* A fabric of its own root with a valid chain and key: enough for code
 * that counts fabrics or scopes rows to them, and for the node's fabric
 * table, which checks every stored fabric at start. */
static MdFabricRecord *
placeholder_fabric(guint8 fabric_index)
{
  static const guint8 ipk[MATTER_AES128_KEY_LEN] = { 0 };
  g_autoptr(MdTestCa) ca = md_test_ca_new(fabric_index);
  guint8 priv[MATTER_P256_PRIVATE_KEY_LEN], pub[MATTER_P256_PUBLIC_KEY_LEN];
  MdFabricRecord *fabric = g_new0(MdFabricRecord, 1);
  MatterP256Key *key = NULL;

  g_assert_cmpint(matter_p256_generate(&key), ==, MATTER_OK);
  g_assert_cmpint(matter_p256_export_private(key, priv), ==, MATTER_OK);
  g_assert_cmpint(matter_p256_export_public(key, pub), ==, MATTER_OK);
  matter_p256_free(key);
  fabric->fabric_index = fabric_index;
  fabric->fabric_id = fabric_index;
  fabric->node_id = fabric_index;
  fabric->vendor_id = 0xFFF1;
  fabric->label = g_strdup("");
  fabric->rcac = g_bytes_ref(ca->rcac);
  fabric->noc = md_test_ca_issue_noc(ca, pub, fabric_index, 0, NULL, 0);
  fabric->operational_key = md_secret_bytes_new(priv, sizeof(priv));
  fabric->ipk_epoch_key = md_secret_bytes_new(ipk, sizeof(ipk));
  matter_secure_zero(priv, sizeof(priv));
  return fabric;
}

void
md_test_storage_set_fabrics(MdTestStorage *self, int count)
{
  State *state = self->committed;

  g_assert_cmpint(count, >=, 0);
  g_assert_cmpint(count, <=, 254);
  g_assert_null(self->pending);
  for (guint i = state->fabrics->len; i > 0; i--) {
    guint8 fabric_index =
        ((const MdFabricRecord *) g_ptr_array_index(state->fabrics, i - 1))->fabric_index;

    if (fabric_index > count)
      state_delete_fabric(state, fabric_index);
  }
  for (int index = 1; index <= count; index++) {
    gboolean present = FALSE;

    for (guint i = 0; i < state->fabrics->len && !present; i++)
      present =
          ((const MdFabricRecord *) g_ptr_array_index(state->fabrics, i))->fabric_index == index;
    if (!present)
      g_ptr_array_insert(state->fabrics, index - 1, placeholder_fabric((guint8) index));
  }
}
