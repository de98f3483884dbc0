/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The node's persistent state: one SQLite database, <state-dir>/matterd.db,
 * mode 0600, WAL, synchronous=FULL. Schema versions live in
 * PRAGMA user_version and only ever migrate forwards.
 *
 * Writes outside md_store_begin()/md_store_commit() are each their own
 * transaction. Inside, nothing is visible on disk until commit, and a crash
 * at any point leaves the last committed state intact. */

#include <glib.h>

#include "md-error.h"
#include "node-storage.h"

typedef struct _MdStore MdStore;

typedef enum {
  MD_STORE_OPEN_DEFAULT = 0,
  /* A corrupt database is renamed aside (matterd.db.corrupt-<UTC time>)
   * and a fresh one created, instead of failing with MD_ERROR_STORE_CORRUPT. */
  MD_STORE_OPEN_RESET_CORRUPT = 1 << 0,
} MdStoreOpenFlags;

/* Opens or creates the database in @state_dir (created 0700 if missing),
 * checks it and migrates it to the current schema.
 * Errors: MD_ERROR_STORE (cannot read/write), MD_ERROR_STORE_CORRUPT,
 * MD_ERROR_STORE_VERSION (written by a newer matterd). */
MdStore *md_store_open(const char *state_dir, MdStoreOpenFlags flags, GError **error);
void md_store_close(MdStore *store);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdStore, md_store_close)

const char *md_store_get_path(MdStore *store);
/* The schema version this build writes. */
int md_store_schema_version(void);

gboolean md_store_begin(MdStore *store, GError **error);
gboolean md_store_commit(MdStore *store, GError **error);
/* Discards everything since md_store_begin(); a no-op outside a transaction. */
void md_store_rollback(MdStore *store);
gboolean md_store_in_transaction(MdStore *store);

/* Node key-values. A get of a missing key fails with MD_ERROR_NOT_FOUND;
 * a get of another type than was put fails with MD_ERROR_WRONG_TYPE. */
gboolean md_store_put_uint64(MdStore *store, const char *key, guint64 value, GError **error);
gboolean md_store_get_uint64(MdStore *store, const char *key, guint64 *value, GError **error);
gboolean md_store_put_string(MdStore *store, const char *key, const char *value, GError **error);
char *md_store_get_string(MdStore *store, const char *key, GError **error);
gboolean md_store_put_bytes(MdStore *store, const char *key, GBytes *value, GError **error);
GBytes *md_store_get_bytes(MdStore *store, const char *key, GError **error);
/* Deleting a missing key is not an error. */
gboolean md_store_delete(MdStore *store, const char *key, GError **error);

/* Number of rows in the fabric table; -1 with @error set on failure. */
int md_store_count_fabrics(MdStore *store, GError **error);

/* The node's view of this store (node-storage.h): valid while @store is. */
void md_store_get_node_storage(MdStore *store, MdNodeStorage *storage);
