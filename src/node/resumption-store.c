/* SPDX-License-Identifier: Apache-2.0 */
#define G_LOG_DOMAIN "matterd"

#include "resumption-store.h"

#include <string.h>

#include "matter/session.h"

G_STATIC_ASSERT(MD_RESUMPTION_ID_LEN == MATTER_SESSION_RESUMPTION_ID_LEN);

struct _MdResumptionStore {
  const MdNodeStorage *storage; /* not owned */
  guint per_fabric_max;
  GArray *records; /* of MdResumptionRecord, ascending sequence */
  guint64 next_sequence;
};

static void
record_clear(gpointer data)
{
  matter_secure_zero(data, sizeof(MdResumptionRecord));
}

static MdResumptionRecord *
nth_record(MdResumptionStore *store, guint n)
{
  return &g_array_index(store->records, MdResumptionRecord, n);
}

MdResumptionStore *
md_resumption_store_new(const MdNodeStorage *storage, guint per_fabric_max, GError **error)
{
  MdResumptionStore *store;
  GArray *records;

  g_return_val_if_fail(storage != NULL, NULL);
  g_return_val_if_fail(per_fabric_max >= 1, NULL);

  records = md_node_storage_load_resumptions(storage, error);
  if (records == NULL) {
    g_prefix_error(error, "Cannot load the CASE resumption records: ");
    return NULL;
  }
  /* Whatever the storage set: these are the secrets memory holds from now. */
  g_array_set_clear_func(records, record_clear);
  store = g_new0(MdResumptionStore, 1);
  store->storage = storage;
  store->per_fabric_max = per_fabric_max;
  store->records = records;
  store->next_sequence = 1;
  for (guint i = 0; i < records->len; i++)
    store->next_sequence = MAX(store->next_sequence, nth_record(store, i)->sequence + 1);
  return store;
}

void
md_resumption_store_free(MdResumptionStore *store)
{
  if (store == NULL)
    return;
  g_array_unref(store->records);
  g_free(store);
}

/* A lookup, not an authentication: the id travels in the clear in Sigma1,
 * and the secret it finds still has to produce the peer's Resume MIC. */
gboolean
md_resumption_store_find(MdResumptionStore *store, const guint8 resumption_id[MD_RESUMPTION_ID_LEN],
                         MdResumptionRecord *record)
{
  g_return_val_if_fail(store != NULL && resumption_id != NULL && record != NULL, FALSE);

  for (guint i = 0; i < store->records->len; i++) {
    const MdResumptionRecord *candidate = nth_record(store, i);

    if (memcmp(candidate->resumption_id, resumption_id, MD_RESUMPTION_ID_LEN) == 0) {
      *record = *candidate;
      return TRUE;
    }
  }
  return FALSE;
}

/* The position of the peer's record, or -1. */
static int
find_peer(MdResumptionStore *store, guint8 fabric_index, guint64 peer_node_id)
{
  for (guint i = 0; i < store->records->len; i++) {
    const MdResumptionRecord *record = nth_record(store, i);

    if (record->fabric_index == fabric_index && record->peer_node_id == peer_node_id)
      return (int) i;
  }
  return -1;
}

/* Positions, ascending, of the fabric's oldest records that storing one
 * more would put beyond the bound. The one at @replaced (-1: none) is not
 * among them: the new record takes its place. */
static GArray *
find_victims(MdResumptionStore *store, guint8 fabric_index, int replaced)
{
  GArray *victims = g_array_new(FALSE, FALSE, sizeof(guint));
  guint kept = md_resumption_store_count(store, fabric_index) - (replaced >= 0 ? 1 : 0);
  guint excess = kept + 1 > store->per_fabric_max ? kept + 1 - store->per_fabric_max : 0;

  for (guint i = 0; i < store->records->len && victims->len < excess; i++)
    if (nth_record(store, i)->fabric_index == fabric_index && (int) i != replaced)
      g_array_append_val(victims, i);
  return victims;
}

static gboolean
delete_victims(MdResumptionStore *store, GArray *victims, GError **error)
{
  for (guint i = 0; i < victims->len; i++) {
    const MdResumptionRecord *victim = nth_record(store, g_array_index(victims, guint, i));

    if (!md_node_storage_delete_resumption(store->storage, victim->resumption_id, error))
      return FALSE;
  }
  return TRUE;
}

/* The put upserts by peer, so the replaced record needs no delete of its own. */
static gboolean
write_put(MdResumptionStore *store, const MdResumptionRecord *record, GArray *victims,
          GError **error)
{
  if (!md_node_storage_begin(store->storage, error))
    return FALSE;
  if (!md_node_storage_put_resumption(store->storage, record, error) ||
      !delete_victims(store, victims, error) || !md_node_storage_commit(store->storage, error)) {
    md_node_storage_rollback(store->storage);
    return FALSE;
  }
  return TRUE;
}

static gint
compare_positions_descending(gconstpointer a, gconstpointer b)
{
  guint x = *(const guint *) a, y = *(const guint *) b;

  return x < y ? 1 : x > y ? -1 : 0;
}

/* Memory follows what write_put() committed: the victims and the
 * replaced record go (@victims collects them all, so it is changed), and
 * the new record comes last. */
static void
apply_put(MdResumptionStore *store, const MdResumptionRecord *record, int replaced, GArray *victims)
{
  if (replaced >= 0) {
    guint position = (guint) replaced;

    g_array_append_val(victims, position);
  }
  /* From the back, so that the positions still to go stay valid. */
  g_array_sort(victims, compare_positions_descending);
  for (guint i = 0; i < victims->len; i++)
    g_array_remove_index(store->records, g_array_index(victims, guint, i));
  /* The highest sequence yet: the end keeps the array in order. */
  g_array_append_vals(store->records, record, 1);
  store->next_sequence = record->sequence + 1;
}

gboolean
md_resumption_store_put(MdResumptionStore *store, const MdResumptionRecord *record, GError **error)
{
  MdResumptionRecord stored;
  g_autoptr(GArray) victims = NULL;
  guint evicted;
  int replaced;
  gboolean ok;

  g_return_val_if_fail(store != NULL && record != NULL, FALSE);

  stored = *record;
  stored.sequence = store->next_sequence;
  replaced = find_peer(store, stored.fabric_index, stored.peer_node_id);
  victims = find_victims(store, stored.fabric_index, replaced);
  evicted = victims->len;
  ok = write_put(store, &stored, victims, error);
  if (ok) {
    apply_put(store, &stored, replaced, victims);
    g_debug("Stored the CASE resumption record of node 0x%016" G_GINT64_MODIFIER
            "X on fabric %u (%s, %u evicted)",
            stored.peer_node_id, stored.fabric_index, replaced >= 0 ? "replaced" : "new", evicted);
  } else {
    g_prefix_error(error,
                   "Cannot store the CASE resumption record of node 0x%016" G_GINT64_MODIFIER
                   "X on fabric %u: ",
                   stored.peer_node_id, stored.fabric_index);
  }
  matter_secure_zero(&stored, sizeof(stored));
  return ok;
}

void
md_resumption_store_forget_fabric(MdResumptionStore *store, guint8 fabric_index)
{
  g_return_if_fail(store != NULL);

  for (guint i = store->records->len; i > 0; i--)
    if (nth_record(store, i - 1)->fabric_index == fabric_index)
      g_array_remove_index(store->records, i - 1);
}

guint
md_resumption_store_count(MdResumptionStore *store, guint8 fabric_index)
{
  guint count = 0;

  g_return_val_if_fail(store != NULL, 0);

  for (guint i = 0; i < store->records->len; i++)
    count += nth_record(store, i)->fabric_index == fabric_index;
  return count;
}
