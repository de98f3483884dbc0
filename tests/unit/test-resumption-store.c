/* SPDX-License-Identifier: Apache-2.0 */
/* The node's CASE resumption records on the storage fake: lookups after a
 * put, one record per peer, eviction of a fabric's oldest beyond the
 * bound, records surviving a restart, storage failures at each call that
 * must leave memory and storage as they were, and forgetting a fabric. */

#include <glib.h>
#include <string.h>

#include "md-error.h"
#include "md-test-storage.h"
#include "resumption-store.h"

#define PER_FABRIC_MAX 3
#define FABRICS 3

typedef struct {
  MdTestStorage *storage;
  MdResumptionStore *store;
} Fixture;

static MdResumptionStore *
store_new(Fixture *f)
{
  g_autoptr(GError) error = NULL;
  MdResumptionStore *store =
      md_resumption_store_new(md_test_storage_get(f->storage), PER_FABRIC_MAX, &error);

  g_assert_no_error(error);
  g_assert_nonnull(store);
  return store;
}

static void
fixture_setup(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
  f->storage = md_test_storage_new();
  md_test_storage_set_fabrics(f->storage, FABRICS);
  f->store = store_new(f);
}

static void
fixture_teardown(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
  md_resumption_store_free(f->store);
  md_test_storage_free(f->storage);
}

/* The record of handshake @n with the fabric's peer: every byte depends
 * on all three, and the sequence is one the store must ignore. */
static MdResumptionRecord
make_record(guint8 fabric_index, guint64 peer_node_id, guint8 n)
{
  MdResumptionRecord record = {
    .fabric_index = fabric_index,
    .peer_node_id = peer_node_id,
    .peer_cats = { 0x00010001u + n, peer_node_id % 2 == 0 ? 0x00020001u : 0, 0 },
    .sequence = 999,
  };

  memset(record.resumption_id, n, MD_RESUMPTION_ID_LEN);
  record.resumption_id[0] = fabric_index;
  record.resumption_id[1] = (guint8) peer_node_id;
  memset(record.shared_secret, 0x80 + n, MD_RESUMPTION_SECRET_LEN);
  record.shared_secret[0] = fabric_index;
  record.shared_secret[1] = (guint8) peer_node_id;
  return record;
}

static void
assert_record_equal(const MdResumptionRecord *actual, const MdResumptionRecord *expected)
{
  g_assert_cmpmem(actual->resumption_id, MD_RESUMPTION_ID_LEN, expected->resumption_id,
                  MD_RESUMPTION_ID_LEN);
  g_assert_cmpmem(actual->shared_secret, MD_RESUMPTION_SECRET_LEN, expected->shared_secret,
                  MD_RESUMPTION_SECRET_LEN);
  g_assert_cmpuint(actual->fabric_index, ==, expected->fabric_index);
  g_assert_cmpuint(actual->peer_node_id, ==, expected->peer_node_id);
  for (guint i = 0; i < G_N_ELEMENTS(expected->peer_cats); i++)
    g_assert_cmpuint(actual->peer_cats[i], ==, expected->peer_cats[i]);
}

static void
put(Fixture *f, const MdResumptionRecord *record)
{
  g_autoptr(GError) error = NULL;

  g_assert_true(md_resumption_store_put(f->store, record, &error));
  g_assert_no_error(error);
  g_assert_false(md_test_storage_in_transaction(f->storage));
}

/* @expected is held with the sequence @sequence (0: any). */
static void
assert_found(Fixture *f, const MdResumptionRecord *expected, guint64 sequence)
{
  MdResumptionRecord found = { 0 };

  g_assert_true(md_resumption_store_find(f->store, expected->resumption_id, &found));
  assert_record_equal(&found, expected);
  if (sequence != 0)
    g_assert_cmpuint(found.sequence, ==, sequence);
  matter_secure_zero(&found, sizeof(found));
}

static void
assert_not_found(Fixture *f, const MdResumptionRecord *record)
{
  MdResumptionRecord found = { 0 };

  g_assert_false(md_resumption_store_find(f->store, record->resumption_id, &found));
}

/* The committed rows, as a restart would load them. */
static GArray *
stored_rows(Fixture *f)
{
  g_autoptr(GError) error = NULL;
  GArray *rows = md_node_storage_load_resumptions(md_test_storage_get(f->storage), &error);

  g_assert_no_error(error);
  g_assert_nonnull(rows);
  return rows;
}

#define ROW(rows, i) (&g_array_index((rows), MdResumptionRecord, (i)))

/* The committed rows are @expected, in this order, with ascending sequences. */
static void
assert_stored(Fixture *f, const MdResumptionRecord *const *expected, guint count)
{
  g_autoptr(GArray) rows = stored_rows(f);

  g_assert_cmpuint(rows->len, ==, count);
  for (guint i = 0; i < count; i++) {
    assert_record_equal(ROW(rows, i), expected[i]);
    if (i > 0)
      g_assert_cmpuint(ROW(rows, i)->sequence, >, ROW(rows, i - 1)->sequence);
  }
}

static void
test_find_after_put(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
  const MdResumptionRecord one = make_record(1, 0x1111, 1);
  const MdResumptionRecord two = make_record(2, 0x2222, 2);
  const MdResumptionRecord *stored[] = { &one, &two };
  MdResumptionRecord found = { 0 };

  assert_not_found(f, &one);
  g_assert_cmpuint(md_resumption_store_count(f->store, 1), ==, 0);

  put(f, &one);
  /* The sequence is the store's, not the caller's 999. */
  assert_found(f, &one, 1);
  assert_not_found(f, &two);
  g_assert_cmpuint(md_resumption_store_count(f->store, 1), ==, 1);
  g_assert_cmpuint(md_resumption_store_count(f->store, 2), ==, 0);

  put(f, &two);
  assert_found(f, &one, 1);
  assert_found(f, &two, 2);
  g_assert_cmpuint(md_resumption_store_count(f->store, 2), ==, 1);
  assert_stored(f, stored, G_N_ELEMENTS(stored));

  /* A copy: changing it changes nothing held. */
  g_assert_true(md_resumption_store_find(f->store, one.resumption_id, &found));
  memset(found.shared_secret, 0, sizeof(found.shared_secret));
  assert_found(f, &one, 1);
}

static void
test_replace_by_peer(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
  const MdResumptionRecord first = make_record(1, 0x1111, 1);
  const MdResumptionRecord other_peer = make_record(1, 0x2222, 2);
  const MdResumptionRecord other_fabric = make_record(2, 0x1111, 3);
  const MdResumptionRecord second = make_record(1, 0x1111, 4);
  const MdResumptionRecord *stored[] = { &other_peer, &other_fabric, &second };

  put(f, &first);
  put(f, &other_peer);
  put(f, &other_fabric);
  put(f, &second);

  assert_not_found(f, &first);
  assert_found(f, &second, 4);
  assert_found(f, &other_peer, 2);
  assert_found(f, &other_fabric, 3);
  g_assert_cmpuint(md_resumption_store_count(f->store, 1), ==, 2);
  g_assert_cmpuint(md_resumption_store_count(f->store, 2), ==, 1);
  assert_stored(f, stored, G_N_ELEMENTS(stored));
}

static void
test_evict_oldest(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
  const MdResumptionRecord a = make_record(1, 0xA, 1);
  const MdResumptionRecord b = make_record(1, 0xB, 2);
  const MdResumptionRecord c = make_record(1, 0xC, 3);
  const MdResumptionRecord other = make_record(2, 0xA, 4);
  const MdResumptionRecord d = make_record(1, 0xD, 5);
  const MdResumptionRecord b_again = make_record(1, 0xB, 6);
  const MdResumptionRecord e = make_record(1, 0xE, 7);
  const MdResumptionRecord *after_d[] = { &b, &c, &other, &d };
  const MdResumptionRecord *after_e[] = { &other, &d, &b_again, &e };

  put(f, &a);
  put(f, &b);
  put(f, &c);
  put(f, &other);
  g_assert_cmpuint(md_resumption_store_count(f->store, 1), ==, PER_FABRIC_MAX);

  /* One more on fabric 1 evicts its oldest, a; fabric 2 keeps its own. */
  put(f, &d);
  assert_not_found(f, &a);
  assert_found(f, &b, 2);
  assert_found(f, &c, 3);
  assert_found(f, &d, 5);
  assert_found(f, &other, 4);
  g_assert_cmpuint(md_resumption_store_count(f->store, 1), ==, PER_FABRIC_MAX);
  assert_stored(f, after_d, G_N_ELEMENTS(after_d));

  /* Replacing b evicts nothing and makes it the newest... */
  put(f, &b_again);
  assert_found(f, &c, 3);
  assert_found(f, &b_again, 6);
  g_assert_cmpuint(md_resumption_store_count(f->store, 1), ==, PER_FABRIC_MAX);
  /* ...so the next one evicts c, not b. */
  put(f, &e);
  assert_not_found(f, &c);
  assert_found(f, &b_again, 6);
  assert_found(f, &e, 7);
  g_assert_cmpuint(md_resumption_store_count(f->store, 1), ==, PER_FABRIC_MAX);
  assert_stored(f, after_e, G_N_ELEMENTS(after_e));
}

static void
test_persist(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
  const MdResumptionRecord a = make_record(1, 0xA, 1);
  const MdResumptionRecord b = make_record(1, 0xB, 2);
  const MdResumptionRecord c = make_record(1, 0xC, 3);
  const MdResumptionRecord other = make_record(3, 0xA, 4);
  const MdResumptionRecord d = make_record(1, 0xD, 5);
  const MdResumptionRecord a_again = make_record(1, 0xA, 6);

  put(f, &a);
  put(f, &b);
  put(f, &c);
  put(f, &other);
  put(f, &a_again);

  /* A restart finds every record with its sequence... */
  g_clear_pointer(&f->store, md_resumption_store_free);
  f->store = store_new(f);
  assert_not_found(f, &a);
  assert_found(f, &b, 2);
  assert_found(f, &c, 3);
  assert_found(f, &other, 4);
  assert_found(f, &a_again, 5);
  g_assert_cmpuint(md_resumption_store_count(f->store, 1), ==, 3);
  g_assert_cmpuint(md_resumption_store_count(f->store, 3), ==, 1);

  /* ...goes on counting from the highest, and evicts the oldest. */
  put(f, &d);
  assert_found(f, &d, 6);
  assert_not_found(f, &b);
  assert_found(f, &a_again, 5);
}

/* Fails each of the @calls storage calls of putting @record in turn, then
 * lets the put through, checking it takes exactly @calls. */
static void
assert_put_failures(Fixture *f, const MdResumptionRecord *record, guint calls)
{
  g_autoptr(GArray) before = stored_rows(f);
  g_autoptr(GError) error = NULL;
  guint start;

  for (guint n = 1; n <= calls; n++) {
    g_autoptr(GArray) after = NULL;

    g_test_message("failing call %u of %u", n, calls);
    md_test_storage_fail_at(f->storage, n);
    g_assert_false(md_resumption_store_put(f->store, record, &error));
    g_assert_error(error, MD_ERROR, MD_ERROR_STORE);
    g_clear_error(&error);
    md_test_storage_fail_at(f->storage, 0);
    g_assert_false(md_test_storage_in_transaction(f->storage));
    assert_not_found(f, record);
    /* Memory held what storage did, and still does. */
    for (guint i = 0; i < before->len; i++)
      assert_found(f, ROW(before, i), ROW(before, i)->sequence);

    after = stored_rows(f);
    g_assert_cmpuint(after->len, ==, before->len);
    for (guint i = 0; i < before->len; i++) {
      assert_record_equal(ROW(after, i), ROW(before, i));
      g_assert_cmpuint(ROW(after, i)->sequence, ==, ROW(before, i)->sequence);
    }
  }
  start = md_test_storage_calls(f->storage);
  put(f, record);
  g_assert_cmpuint(md_test_storage_calls(f->storage) - start, ==, calls);
}

static void
test_storage_failure(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
  const MdResumptionRecord a = make_record(1, 0xA, 1);
  const MdResumptionRecord b = make_record(1, 0xB, 2);
  const MdResumptionRecord c = make_record(1, 0xC, 3);
  const MdResumptionRecord other = make_record(2, 0xA, 4);
  const MdResumptionRecord d = make_record(1, 0xD, 5);
  const MdResumptionRecord b_again = make_record(1, 0xB, 6);
  g_autoptr(GError) error = NULL;

  put(f, &a);
  put(f, &b);
  put(f, &c);
  put(f, &other);

  /* A put that evicts: begin, put, delete, commit. */
  assert_put_failures(f, &d, 4);
  assert_not_found(f, &a);
  assert_found(f, &d, 5);
  /* The failures took no sequence, and evicted nothing in memory. */
  g_assert_cmpuint(md_resumption_store_count(f->store, 1), ==, PER_FABRIC_MAX);

  /* A put that replaces: begin, put, commit. */
  assert_put_failures(f, &b_again, 3);
  assert_not_found(f, &b);
  assert_found(f, &b_again, 6);
  assert_found(f, &c, 3);

  /* A load that fails is no store. */
  md_test_storage_fail_at(f->storage, 1);
  g_assert_null(md_resumption_store_new(md_test_storage_get(f->storage), PER_FABRIC_MAX, &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_STORE);
}

static void
test_missing_fabric(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
  const MdResumptionRecord kept = make_record(1, 0xA, 1);
  const MdResumptionRecord orphan = make_record(FABRICS + 1, 0xA, 2);
  const MdResumptionRecord *stored[] = { &kept };
  g_autoptr(GError) error = NULL;

  put(f, &kept);
  g_assert_false(md_resumption_store_put(f->store, &orphan, &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_STORE);
  g_assert_false(md_test_storage_in_transaction(f->storage));
  assert_not_found(f, &orphan);
  g_assert_cmpuint(md_resumption_store_count(f->store, FABRICS + 1), ==, 0);
  assert_stored(f, stored, G_N_ELEMENTS(stored));
}

static void
test_forget_fabric(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
  const MdResumptionRecord a = make_record(1, 0xA, 1);
  const MdResumptionRecord b = make_record(1, 0xB, 2);
  const MdResumptionRecord other = make_record(2, 0xA, 3);
  const MdResumptionRecord c = make_record(1, 0xC, 4);
  const MdResumptionRecord *before[] = { &a, &b, &other };
  const MdResumptionRecord *after[] = { &other, &c };
  g_autoptr(GError) error = NULL;
  guint start;

  put(f, &a);
  put(f, &b);
  put(f, &other);

  /* Memory only: no storage call, the rows stay until the fabric goes. */
  start = md_test_storage_calls(f->storage);
  md_resumption_store_forget_fabric(f->store, 1);
  g_assert_cmpuint(md_test_storage_calls(f->storage), ==, start);
  assert_not_found(f, &a);
  assert_not_found(f, &b);
  assert_found(f, &other, 3);
  g_assert_cmpuint(md_resumption_store_count(f->store, 1), ==, 0);
  g_assert_cmpuint(md_resumption_store_count(f->store, 2), ==, 1);
  assert_stored(f, before, G_N_ELEMENTS(before));

  g_assert_true(md_node_storage_delete_fabric(md_test_storage_get(f->storage), 1, &error));
  g_assert_no_error(error);
  md_test_storage_set_fabrics(f->storage, FABRICS);
  put(f, &c);
  assert_found(f, &c, 4);
  g_assert_cmpuint(md_resumption_store_count(f->store, 1), ==, 1);
  assert_stored(f, after, G_N_ELEMENTS(after));
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

  add("/resumption-store/find-after-put", test_find_after_put);
  add("/resumption-store/replace-by-peer", test_replace_by_peer);
  add("/resumption-store/evict-oldest", test_evict_oldest);
  add("/resumption-store/persist", test_persist);
  add("/resumption-store/storage-failure", test_storage_failure);
  add("/resumption-store/missing-fabric", test_missing_fabric);
  add("/resumption-store/forget-fabric", test_forget_fabric);

  return g_test_run();
}
