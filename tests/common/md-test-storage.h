/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* An in-memory MdNodeStorage for node tests: transactions as the SQLite
 * store has them (nothing visible until commit, rollback undoes), and a
 * call that fails on demand, so that every storage failure path can be
 * driven: md_test_storage_fail_at(storage, n) makes the n-th call from
 * then on fail with MD_ERROR_STORE. Fabric-scoped rows (resumption
 * records included) behave as the store's tables do: a row of a missing
 * fabric fails (its foreign key), deleting a fabric deletes its rows, a
 * resumption record repeating another's id or sequence fails (their
 * unique constraints), and records the store refuses to write are refused
 * (MD_ERROR_FAILED). */

#include <glib.h>

#include "node-storage.h"

typedef struct MdTestStorage MdTestStorage;

MdTestStorage *md_test_storage_new(void);
void md_test_storage_free(MdTestStorage *storage);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdTestStorage, md_test_storage_free)

const MdNodeStorage *md_test_storage_get(MdTestStorage *storage);

/* The @n-th call from now fails (1: the next one); 0 disarms. */
void md_test_storage_fail_at(MdTestStorage *storage, guint n);
/* Calls made since the storage was created. */
guint md_test_storage_calls(MdTestStorage *storage);
gboolean md_test_storage_in_transaction(MdTestStorage *storage);

/* Committed state, as a restart would find it. */
gboolean md_test_storage_has(MdTestStorage *storage, const char *key);
guint64 md_test_storage_uint64(MdTestStorage *storage, const char *key);
guint md_test_storage_count(MdTestStorage *storage);
/* Makes the committed fabrics 1..@count (placeholder certificates and
 * keys for those missing; those above @count go with their rows), for
 * tests that only need fabrics to exist. Not inside a transaction. */
void md_test_storage_set_fabrics(MdTestStorage *storage, int count);
