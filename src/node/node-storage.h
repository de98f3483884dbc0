/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* How the node reaches its persistent state: a table of functions the
 * daemon's SQLite store implements (store.h) and tests replace with a fake
 * (tests/common/md-test-storage.h). The node does no I/O of its own.
 *
 * Keys are short UTF-8 names ("commissioning/passcode"). A missing key is
 * MD_ERROR_NOT_FOUND, a stored value of another type MD_ERROR_WRONG_TYPE,
 * any other failure MD_ERROR_STORE. Writes outside begin()/commit() are
 * each their own transaction; inside, nothing is visible to a later start
 * until commit() succeeded, and rollback() undoes them. A commit() that
 * fails has rolled the transaction back. */

#include <glib.h>

typedef struct {
  gboolean (*begin)(gpointer user_data, GError **error);
  gboolean (*commit)(gpointer user_data, GError **error);
  void (*rollback)(gpointer user_data);
  gboolean (*get_uint64)(gpointer user_data, const char *key, guint64 *value, GError **error);
  gboolean (*put_uint64)(gpointer user_data, const char *key, guint64 value, GError **error);
  GBytes *(*get_bytes)(gpointer user_data, const char *key, GError **error);
  gboolean (*put_bytes)(gpointer user_data, const char *key, GBytes *value, GError **error);
  /* Committed fabrics; -1 with @error set when they cannot be counted. */
  int (*count_fabrics)(gpointer user_data, GError **error);
} MdNodeStorageOps;

typedef struct {
  const MdNodeStorageOps *ops;
  gpointer user_data;
} MdNodeStorage;

static inline gboolean
md_node_storage_begin(const MdNodeStorage *storage, GError **error)
{
  return storage->ops->begin(storage->user_data, error);
}

static inline gboolean
md_node_storage_commit(const MdNodeStorage *storage, GError **error)
{
  return storage->ops->commit(storage->user_data, error);
}

static inline void
md_node_storage_rollback(const MdNodeStorage *storage)
{
  storage->ops->rollback(storage->user_data);
}

static inline gboolean
md_node_storage_get_uint64(const MdNodeStorage *storage, const char *key, guint64 *value,
                           GError **error)
{
  return storage->ops->get_uint64(storage->user_data, key, value, error);
}

static inline gboolean
md_node_storage_put_uint64(const MdNodeStorage *storage, const char *key, guint64 value,
                           GError **error)
{
  return storage->ops->put_uint64(storage->user_data, key, value, error);
}

static inline GBytes *
md_node_storage_get_bytes(const MdNodeStorage *storage, const char *key, GError **error)
{
  return storage->ops->get_bytes(storage->user_data, key, error);
}

static inline gboolean
md_node_storage_put_bytes(const MdNodeStorage *storage, const char *key, GBytes *value,
                          GError **error)
{
  return storage->ops->put_bytes(storage->user_data, key, value, error);
}

static inline int
md_node_storage_count_fabrics(const MdNodeStorage *storage, GError **error)
{
  return storage->ops->count_fabrics(storage->user_data, error);
}
