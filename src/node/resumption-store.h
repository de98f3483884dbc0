/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The CASE resumption records a responder keeps (Core spec 4.14.2): for
 * each peer of a fabric, the resumption id and shared secret of the last
 * handshake with it, so that a later Sigma1 naming the id resumes the
 * session. The store loads every record at start and keeps them in memory;
 * a put writes to storage in a transaction of its own and changes memory
 * only once that committed, so memory and storage never disagree.
 *
 * A fabric keeps at most per_fabric_max records: a put beyond that evicts
 * the fabric's oldest (lowest sequence). Removing a fabric removes its rows
 * from storage by delete_fabric's cascade; md_resumption_store_forget_fabric()
 * drops them from memory. Shared secrets are wiped whenever a record is
 * dropped and are never logged. */

#include <glib.h>

#include "node-storage.h"

typedef struct _MdResumptionStore MdResumptionStore;

/* Loads the stored records. @storage must outlive the store;
 * @per_fabric_max is at least 1. NULL with @error when they cannot be
 * loaded. */
MdResumptionStore *md_resumption_store_new(const MdNodeStorage *storage, guint per_fabric_max,
                                           GError **error);
void md_resumption_store_free(MdResumptionStore *store);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdResumptionStore, md_resumption_store_free)

/* Copies the record of @resumption_id into @record; FALSE when there is
 * none. The caller wipes @record's shared secret when done with it. */
gboolean md_resumption_store_find(MdResumptionStore *store,
                                  const guint8 resumption_id[MD_RESUMPTION_ID_LEN],
                                  MdResumptionRecord *record);
/* Stores @record (its sequence is ignored: the store assigns the next one)
 * in place of its peer's previous record, evicting the fabric's oldest
 * beyond the bound. Storage first, in one transaction: on failure, memory
 * and storage are as they were. Not to be called inside a storage
 * transaction. */
gboolean md_resumption_store_put(MdResumptionStore *store, const MdResumptionRecord *record,
                                 GError **error);
/* Drops the fabric's records from memory only: the caller deletes its rows
 * with md_node_storage_delete_fabric(). */
void md_resumption_store_forget_fabric(MdResumptionStore *store, guint8 fabric_index);
/* Records held for the fabric. */
guint md_resumption_store_count(MdResumptionStore *store, guint8 fabric_index);
