/* SPDX-License-Identifier: Apache-2.0 */
#include "md-test-storage.h"

#include "md-error.h"

typedef struct {
  gboolean is_bytes;
  guint64 number;
  GBytes *bytes;
} Value;

struct MdTestStorage {
  MdNodeStorage storage;
  GHashTable *committed; /* key -> Value */
  GHashTable *pending;   /* a copy of committed while in a transaction */
  int fabrics;
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
table_copy(GHashTable *from)
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

/* Every call counts; the armed one fails. */
static gboolean
call(MdTestStorage *self, GError **error)
{
  self->calls++;
  if (self->fail_at != 0 && self->calls == self->fail_at) {
    g_set_error(error, MD_ERROR, MD_ERROR_STORE, "Injected storage failure (call %u)",
                self->calls);
    return FALSE;
  }
  return TRUE;
}

static GHashTable *
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
  self->pending = table_copy(self->committed);
  return TRUE;
}

static gboolean
storage_commit(gpointer user_data, GError **error)
{
  MdTestStorage *self = user_data;

  g_assert_nonnull(self->pending);
  /* As SQLite's store does: a commit that fails has rolled back. */
  if (!call(self, error)) {
    g_clear_pointer(&self->pending, g_hash_table_unref);
    return FALSE;
  }
  g_hash_table_unref(self->committed);
  self->committed = g_steal_pointer(&self->pending);
  return TRUE;
}

static void
storage_rollback(gpointer user_data)
{
  MdTestStorage *self = user_data;

  g_clear_pointer(&self->pending, g_hash_table_unref);
}

static const Value *
lookup(MdTestStorage *self, const char *key, gboolean is_bytes, GError **error)
{
  const Value *value = g_hash_table_lookup(current(self), key);

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
  g_hash_table_insert(current(self), g_strdup(key), value);
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

  return call(self, error) ? self->fabrics : -1;
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
};

MdTestStorage *
md_test_storage_new(void)
{
  MdTestStorage *self = g_new0(MdTestStorage, 1);

  self->storage.ops = &ops;
  self->storage.user_data = self;
  self->committed = table_new();
  return self;
}

void
md_test_storage_free(MdTestStorage *self)
{
  if (self == NULL)
    return;
  g_clear_pointer(&self->pending, g_hash_table_unref);
  g_hash_table_unref(self->committed);
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
  return g_hash_table_contains(self->committed, key);
}

guint64
md_test_storage_uint64(MdTestStorage *self, const char *key)
{
  const Value *value = g_hash_table_lookup(self->committed, key);

  g_assert_nonnull(value);
  g_assert_false(value->is_bytes);
  return value->number;
}

guint
md_test_storage_count(MdTestStorage *self)
{
  return g_hash_table_size(self->committed);
}

void
md_test_storage_set_fabrics(MdTestStorage *self, int count)
{
  self->fabrics = count;
}
