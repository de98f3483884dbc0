/* SPDX-License-Identifier: Apache-2.0 */
#define G_LOG_DOMAIN "matterd"

#include "fabric-table.h"

#include <string.h>

#include "md-error.h"

#define KEY_NEXT_INDEX "fabric-table/next-index"

struct _MdFabricTable {
  const MdNodeStorage *storage; /* not owned */
  guint8 supported;
  GPtrArray *committed; /* MdFabric, ascending index */
  MdFabric *pending;
  gboolean pending_is_update;
  guint8 last_allocated; /* the index allocated last (0: none yet) */
  GArray *acl_view;      /* MatterAclEntry of the view, rebuilt on change */
  gboolean acl_stale;
};

/* ---- Fabrics ----------------------------------------------------------- */

/* 4.3.2.2: CompressedFabricIdentifier = KDF(root public key without its
 * 0x04 prefix, salt = fabric id big-endian, "CompressedFabric", 64 bits). */
static guint64
compressed_fabric_id(const guint8 root_public_key[MATTER_P256_PUBLIC_KEY_LEN], guint64 fabric_id)
{
  static const char info[] = "CompressedFabric";
  guint8 salt[8], out[8];
  guint64 id = 0;

  for (int i = 0; i < 8; i++)
    salt[i] = (guint8) (fabric_id >> (56 - 8 * i));
  if (matter_hkdf_sha256(root_public_key + 1, MATTER_P256_PUBLIC_KEY_LEN - 1, salt, sizeof(salt),
                         (const guint8 *) info, sizeof(info) - 1, out, sizeof(out)) != MATTER_OK)
    return 0;
  for (int i = 0; i < 8; i++)
    id = id << 8 | out[i];
  return id;
}

static gboolean
import_key(MdFabric *fabric, GError **error)
{
  gsize len;
  const guint8 *priv = g_bytes_get_data(fabric->operational_key, &len);
  guint8 pub[MATTER_P256_PUBLIC_KEY_LEN];
  MatterCert noc;

  if (len != MATTER_P256_PRIVATE_KEY_LEN ||
      matter_p256_import_private(priv, &fabric->key) != MATTER_OK) {
    g_set_error(error, MD_ERROR, MD_ERROR_STORE_CORRUPT,
                "The operational key of fabric %u is not a P-256 private key", fabric->index);
    return FALSE;
  }
  /* The key must be the one the NOC certifies, or CASE would fail later
   * with nothing to say why. */
  if (matter_p256_export_public(fabric->key, pub) != MATTER_OK ||
      matter_cert_decode(g_bytes_get_data(fabric->noc, NULL), g_bytes_get_size(fabric->noc),
                         &noc) != MATTER_OK ||
      memcmp(noc.public_key, pub, sizeof(pub)) != 0) {
    g_set_error(error, MD_ERROR, MD_ERROR_STORE_CORRUPT,
                "The operational key of fabric %u is not the one its NOC certifies",
                fabric->index);
    return FALSE;
  }
  return TRUE;
}

MdFabric *
md_fabric_new(guint8 index, GBytes *rcac, GBytes *icac, GBytes *noc,
              const MatterCertChainInfo *info, GBytes *operational_key, GBytes *ipk,
              guint16 vendor_id, GError **error)
{
  g_autoptr(MdFabric) fabric = g_new0(MdFabric, 1);

  fabric->index = index;
  fabric->fabric_id = info->fabric_id;
  fabric->node_id = info->node_id;
  fabric->vendor_id = vendor_id;
  fabric->rcac = g_bytes_ref(rcac);
  fabric->icac = icac != NULL ? g_bytes_ref(icac) : NULL;
  fabric->noc = g_bytes_ref(noc);
  memcpy(fabric->root_public_key, info->root_public_key, MATTER_P256_PUBLIC_KEY_LEN);
  fabric->compressed_fabric_id = compressed_fabric_id(info->root_public_key, info->fabric_id);
  fabric->cat_count = info->cat_count;
  memcpy(fabric->cats, info->cats, sizeof(fabric->cats));
  fabric->operational_key = g_bytes_ref(operational_key);
  fabric->ipk_epoch_key = ipk != NULL ? g_bytes_ref(ipk) : NULL;
  fabric->acl = g_array_new(FALSE, TRUE, sizeof(MatterAclEntry));
  if (!import_key(fabric, error))
    return NULL;
  return g_steal_pointer(&fabric);
}

static GBytes *
ref_or_null(GBytes *bytes)
{
  return bytes != NULL ? g_bytes_ref(bytes) : NULL;
}

MdFabric *
md_fabric_copy(const MdFabric *fabric)
{
  MdFabric *copy = g_new0(MdFabric, 1);

  *copy = *fabric;
  copy->rcac = g_bytes_ref(fabric->rcac);
  copy->icac = ref_or_null(fabric->icac);
  copy->noc = g_bytes_ref(fabric->noc);
  /* GBytes are immutable: the secrets are shared, and wiped with the last
   * reference. The key object is not shareable: import it again. */
  copy->operational_key = g_bytes_ref(fabric->operational_key);
  copy->key = NULL;
  if (matter_p256_import_private(g_bytes_get_data(fabric->operational_key, NULL), &copy->key) !=
      MATTER_OK)
    g_warn_if_reached();
  copy->ipk_epoch_key = ref_or_null(fabric->ipk_epoch_key);
  copy->vid_verification_statement = ref_or_null(fabric->vid_verification_statement);
  copy->vvsc = ref_or_null(fabric->vvsc);
  copy->acl = g_array_copy(fabric->acl);
  copy->acl_extension = ref_or_null(fabric->acl_extension);
  return copy;
}

void
md_fabric_free(MdFabric *fabric)
{
  if (fabric == NULL)
    return;
  g_clear_pointer(&fabric->rcac, g_bytes_unref);
  g_clear_pointer(&fabric->icac, g_bytes_unref);
  g_clear_pointer(&fabric->noc, g_bytes_unref);
  g_clear_pointer(&fabric->operational_key, g_bytes_unref);
  g_clear_pointer(&fabric->key, matter_p256_free);
  g_clear_pointer(&fabric->ipk_epoch_key, g_bytes_unref);
  g_clear_pointer(&fabric->vid_verification_statement, g_bytes_unref);
  g_clear_pointer(&fabric->vvsc, g_bytes_unref);
  g_clear_pointer(&fabric->acl, g_array_unref);
  g_clear_pointer(&fabric->acl_extension, g_bytes_unref);
  g_free(fabric);
}

/* A stored row back into a fabric: the chain is checked again, so a row
 * that was tampered with or damaged is refused at start, not in CASE. */
static MdFabric *
fabric_from_record(const MdFabricRecord *record, GError **error)
{
  MatterCertChainInfo info;
  MatterError err;
  MdFabric *fabric;

  err = matter_cert_chain_validate(
      g_bytes_get_data(record->rcac, NULL), g_bytes_get_size(record->rcac),
      record->icac != NULL ? g_bytes_get_data(record->icac, NULL) : NULL,
      record->icac != NULL ? g_bytes_get_size(record->icac) : 0, g_bytes_get_data(record->noc, NULL),
      g_bytes_get_size(record->noc), MATTER_CERT_TIME_UNKNOWN, 0, &info);
  if (err != MATTER_OK) {
    g_set_error(error, MD_ERROR, MD_ERROR_STORE_CORRUPT,
                "The certificates of fabric %u do not form a valid chain: %s",
                record->fabric_index, matter_error_str(err));
    return NULL;
  }
  if (info.fabric_id != record->fabric_id || info.node_id != record->node_id ||
      record->ipk_epoch_key == NULL ||
      g_bytes_get_size(record->ipk_epoch_key) != MATTER_AES128_KEY_LEN ||
      strlen(record->label) > MD_FABRIC_LABEL_MAX) {
    g_set_error(error, MD_ERROR, MD_ERROR_STORE_CORRUPT,
                "Fabric %u does not agree with its certificates", record->fabric_index);
    return NULL;
  }
  fabric = md_fabric_new(record->fabric_index, record->rcac, record->icac, record->noc, &info,
                         record->operational_key, record->ipk_epoch_key, record->vendor_id, error);
  if (fabric == NULL)
    return NULL;
  g_strlcpy(fabric->label, record->label, sizeof(fabric->label));
  fabric->vid_verification_statement = ref_or_null(record->vid_verification_statement);
  fabric->vvsc = ref_or_null(record->vvsc);
  fabric->acl_extension = ref_or_null(record->acl_extension);
  return fabric;
}

static MdFabricRecord *
fabric_to_record(const MdFabric *fabric)
{
  MdFabricRecord *record = g_new0(MdFabricRecord, 1);

  record->fabric_index = fabric->index;
  record->fabric_id = fabric->fabric_id;
  record->node_id = fabric->node_id;
  record->vendor_id = fabric->vendor_id;
  record->label = g_strdup(fabric->label);
  record->rcac = g_bytes_ref(fabric->rcac);
  record->icac = ref_or_null(fabric->icac);
  record->noc = g_bytes_ref(fabric->noc);
  record->operational_key = g_bytes_ref(fabric->operational_key);
  record->ipk_epoch_key = ref_or_null(fabric->ipk_epoch_key);
  record->vid_verification_statement = ref_or_null(fabric->vid_verification_statement);
  record->vvsc = ref_or_null(fabric->vvsc);
  record->acl_extension = ref_or_null(fabric->acl_extension);
  return record;
}

/* ---- The table --------------------------------------------------------- */

static MdFabric *
find_committed(const MdFabricTable *table, guint8 index, guint *position)
{
  for (guint i = 0; i < table->committed->len; i++) {
    MdFabric *fabric = g_ptr_array_index(table->committed, i);

    if (fabric->index == index) {
      if (position != NULL)
        *position = i;
      return fabric;
    }
  }
  return NULL;
}

static gboolean
load_acl(MdFabricTable *table, GError **error)
{
  g_autoptr(GArray) entries = md_node_storage_load_acl(table->storage, error);

  if (entries == NULL)
    return FALSE;
  for (guint i = 0; i < entries->len; i++) {
    const MatterAclEntry *entry = &g_array_index(entries, MatterAclEntry, i);
    MdFabric *fabric = find_committed(table, entry->fabric_index, NULL);
    const char *why = NULL;

    if (fabric == NULL || matter_acl_entry_check(entry, &why) != MATTER_OK ||
        fabric->acl->len >= MD_FABRIC_ACL_ENTRIES_MAX) {
      g_set_error(error, MD_ERROR, MD_ERROR_STORE_CORRUPT,
                  "Stored access control entry %u of fabric %u is not valid: %s", i,
                  entry->fabric_index, why != NULL ? why : "no such fabric, or too many entries");
      return FALSE;
    }
    g_array_append_val(fabric->acl, *entry);
  }
  return TRUE;
}

static gboolean
load_next_index(MdFabricTable *table, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  guint64 stored;

  if (md_node_storage_get_uint64(table->storage, KEY_NEXT_INDEX, &stored, &local_error)) {
    if (stored > MD_FABRIC_INDEX_MAX) {
      g_set_error(error, MD_ERROR, MD_ERROR_STORE_CORRUPT,
                  "Stored last fabric index %" G_GUINT64_FORMAT " is out of range", stored);
      return FALSE;
    }
    table->last_allocated = (guint8) stored;
    return TRUE;
  }
  if (!g_error_matches(local_error, MD_ERROR, MD_ERROR_NOT_FOUND)) {
    g_propagate_error(error, g_steal_pointer(&local_error));
    return FALSE;
  }
  /* Nothing stored: continue after the highest index in use. */
  for (guint i = 0; i < table->committed->len; i++)
    table->last_allocated =
        MAX(table->last_allocated, ((MdFabric *) g_ptr_array_index(table->committed, i))->index);
  return TRUE;
}

MdFabricTable *
md_fabric_table_new(const MdNodeStorage *storage, guint8 supported_fabrics, GError **error)
{
  g_autoptr(MdFabricTable) table = g_new0(MdFabricTable, 1);
  g_autoptr(GPtrArray) records = NULL;

  table->storage = storage;
  table->supported = supported_fabrics;
  table->committed = g_ptr_array_new_with_free_func((GDestroyNotify) md_fabric_free);
  table->acl_view = g_array_new(FALSE, TRUE, sizeof(MatterAclEntry));
  table->acl_stale = TRUE;

  records = md_node_storage_load_fabrics(storage, error);
  if (records == NULL) {
    g_prefix_error(error, "Cannot load the fabric table: ");
    return NULL;
  }
  for (guint i = 0; i < records->len; i++) {
    MdFabric *fabric = fabric_from_record(g_ptr_array_index(records, i), error);

    if (fabric == NULL)
      return NULL;
    g_ptr_array_add(table->committed, fabric);
  }
  if (!load_acl(table, error) || !load_next_index(table, error)) {
    g_prefix_error(error, "Cannot load the fabric table: ");
    return NULL;
  }
  return g_steal_pointer(&table);
}

void
md_fabric_table_free(MdFabricTable *table)
{
  if (table == NULL)
    return;
  md_fabric_table_drop_pending(table);
  g_clear_pointer(&table->committed, g_ptr_array_unref);
  g_clear_pointer(&table->acl_view, g_array_unref);
  g_free(table);
}

guint8
md_fabric_table_supported(const MdFabricTable *table)
{
  return table->supported;
}

guint
md_fabric_table_count_committed(const MdFabricTable *table)
{
  return table->committed->len;
}

guint
md_fabric_table_count(const MdFabricTable *table)
{
  return table->committed->len + (table->pending != NULL && !table->pending_is_update ? 1 : 0);
}

const MdFabric *
md_fabric_table_get(const MdFabricTable *table, guint8 index)
{
  if (table->pending != NULL && table->pending->index == index)
    return table->pending;
  return find_committed(table, index, NULL);
}

const MdFabric *
md_fabric_table_nth(const MdFabricTable *table, guint n)
{
  const MdFabric *pending = table->pending;
  gboolean pending_to_place = pending != NULL && !table->pending_is_update;
  guint i = 0, seen = 0;

  /* The committed fabrics in order, an updated one as its pending
   * credentials, and an added one in its place by index. */
  for (;;) {
    const MdFabric *committed =
        i < table->committed->len ? g_ptr_array_index(table->committed, i) : NULL;
    const MdFabric *next;

    if (pending_to_place && (committed == NULL || pending->index < committed->index)) {
      next = pending;
      pending_to_place = FALSE;
    } else if (committed != NULL) {
      next = pending != NULL && pending->index == committed->index ? pending : committed;
      i++;
    } else {
      return NULL;
    }
    if (seen++ == n)
      return next;
  }
}

const MdFabric *
md_fabric_table_find(const MdFabricTable *table,
                     const guint8 root_public_key[MATTER_P256_PUBLIC_KEY_LEN], guint64 fabric_id)
{
  for (guint n = 0;; n++) {
    const MdFabric *fabric = md_fabric_table_nth(table, n);

    if (fabric == NULL)
      return NULL;
    if (fabric->fabric_id == fabric_id &&
        memcmp(fabric->root_public_key, root_public_key, MATTER_P256_PUBLIC_KEY_LEN) == 0)
      return fabric;
  }
}

guint8
md_fabric_table_next_index(const MdFabricTable *table)
{
  guint8 index = table->last_allocated;

  for (guint tries = 0; tries < MD_FABRIC_INDEX_MAX; tries++) {
    index = index >= MD_FABRIC_INDEX_MAX ? MD_FABRIC_INDEX_MIN : index + 1;
    if (md_fabric_table_get(table, index) == NULL)
      return index;
  }
  return 0;
}

/* ---- The pending fabric ------------------------------------------------- */

void
md_fabric_table_set_pending(MdFabricTable *table, MdFabric *fabric)
{
  md_fabric_table_drop_pending(table);
  table->pending = fabric;
  table->pending_is_update = find_committed(table, fabric->index, NULL) != NULL;
  table->acl_stale = TRUE;
}

MdFabric *
md_fabric_table_get_pending(MdFabricTable *table)
{
  return table->pending;
}

gboolean
md_fabric_table_pending_is_update(const MdFabricTable *table)
{
  return table->pending != NULL && table->pending_is_update;
}

void
md_fabric_table_drop_pending(MdFabricTable *table)
{
  g_clear_pointer(&table->pending, md_fabric_free);
  table->pending_is_update = FALSE;
  table->acl_stale = TRUE;
}

gboolean
md_fabric_table_stage_pending(MdFabricTable *table, GError **error)
{
  g_autoptr(MdFabricRecord) record = NULL;
  MdFabric *pending = table->pending;

  g_return_val_if_fail(pending != NULL, FALSE);
  record = fabric_to_record(pending);
  if (!md_node_storage_put_fabric(table->storage, record, error) ||
      !md_node_storage_put_acl(table->storage, pending->index,
                               (const MatterAclEntry *) pending->acl->data, pending->acl->len,
                               error))
    return FALSE;
  if (!table->pending_is_update &&
      !md_node_storage_put_uint64(table->storage, KEY_NEXT_INDEX, pending->index, error))
    return FALSE;
  return TRUE;
}

static gint
compare_index(gconstpointer a, gconstpointer b)
{
  const MdFabric *fa = *(MdFabric *const *) a, *fb = *(MdFabric *const *) b;

  return (gint) fa->index - (gint) fb->index;
}

void
md_fabric_table_commit_pending(MdFabricTable *table)
{
  MdFabric *pending = g_steal_pointer(&table->pending);
  guint position;

  g_return_if_fail(pending != NULL);
  if (find_committed(table, pending->index, &position) != NULL) {
    g_ptr_array_remove_index(table->committed, position);
  } else {
    table->last_allocated = pending->index;
  }
  g_ptr_array_add(table->committed, pending);
  g_ptr_array_sort(table->committed, compare_index);
  table->pending_is_update = FALSE;
  table->acl_stale = TRUE;
}

/* ---- Changes to committed fabrics ---------------------------------------- */

/* One fabric row in a transaction of its own. */
static gboolean
store_fabric(MdFabricTable *table, const MdFabric *fabric, GError **error)
{
  g_autoptr(MdFabricRecord) record = fabric_to_record(fabric);

  if (!md_node_storage_begin(table->storage, error))
    return FALSE;
  if (!md_node_storage_put_fabric(table->storage, record, error) ||
      !md_node_storage_commit(table->storage, error)) {
    md_node_storage_rollback(table->storage);
    return FALSE;
  }
  return TRUE;
}

/* A committed fabric to change: a copy goes to the store, and replaces the
 * original in memory only once stored. */
static gboolean
replace_committed(MdFabricTable *table, MdFabric *copy, GError **error)
{
  guint position;

  if (!store_fabric(table, copy, error)) {
    md_fabric_free(copy);
    return FALSE;
  }
  if (find_committed(table, copy->index, &position) == NULL)
    g_return_val_if_reached(FALSE);
  md_fabric_free(g_ptr_array_index(table->committed, position));
  g_ptr_array_index(table->committed, position) = copy;
  table->acl_stale = TRUE;
  return TRUE;
}

/* The fabric of @index to change: the pending one itself (memory only), or
 * a copy of the committed one. NULL when there is none. */
static MdFabric *
editable(MdFabricTable *table, guint8 index, gboolean *is_pending)
{
  const MdFabric *committed;

  *is_pending = table->pending != NULL && table->pending->index == index;
  if (*is_pending)
    return table->pending;
  committed = find_committed(table, index, NULL);
  return committed != NULL ? md_fabric_copy(committed) : NULL;
}

gboolean
md_fabric_table_set_label(MdFabricTable *table, guint8 index, const char *label, GError **error)
{
  gboolean is_pending;
  MdFabric *fabric = editable(table, index, &is_pending);

  if (fabric == NULL) {
    g_set_error(error, MD_ERROR, MD_ERROR_NOT_FOUND, "No fabric %u", index);
    return FALSE;
  }
  g_strlcpy(fabric->label, label, sizeof(fabric->label));
  return is_pending || replace_committed(table, fabric, error);
}

static void
replace_bytes(GBytes **slot, GBytes *value)
{
  g_clear_pointer(slot, g_bytes_unref);
  *slot = value != NULL && g_bytes_get_size(value) > 0 ? g_bytes_ref(value) : NULL;
}

gboolean
md_fabric_table_set_vid_verification(MdFabricTable *table, guint8 index, guint16 vendor_id,
                                     GBytes *statement, GBytes *vvsc, GError **error)
{
  gboolean is_pending;
  MdFabric *fabric = editable(table, index, &is_pending);

  if (fabric == NULL) {
    g_set_error(error, MD_ERROR, MD_ERROR_NOT_FOUND, "No fabric %u", index);
    return FALSE;
  }
  fabric->vendor_id = vendor_id;
  if (statement != NULL)
    replace_bytes(&fabric->vid_verification_statement, statement);
  if (vvsc != NULL)
    replace_bytes(&fabric->vvsc, vvsc);
  return is_pending || replace_committed(table, fabric, error);
}

gboolean
md_fabric_table_stage_acl(MdFabricTable *table, guint8 index, const MatterAclEntry *entries,
                          gsize count, GError **error)
{
  if (md_fabric_table_get(table, index) == NULL) {
    g_set_error(error, MD_ERROR, MD_ERROR_NOT_FOUND, "No fabric %u", index);
    return FALSE;
  }
  /* A pending fabric's entries are stored with its commit. */
  if (table->pending != NULL && table->pending->index == index)
    return TRUE;
  return md_node_storage_put_acl(table->storage, index, entries, count, error);
}

void
md_fabric_table_set_acl(MdFabricTable *table, guint8 index, const MatterAclEntry *entries,
                        gsize count)
{
  MdFabric *fabric = (MdFabric *) md_fabric_table_get(table, index);

  g_return_if_fail(fabric != NULL);
  g_array_set_size(fabric->acl, 0);
  g_array_append_vals(fabric->acl, entries, count);
  table->acl_stale = TRUE;
}

gboolean
md_fabric_table_stage_extension(MdFabricTable *table, guint8 index, GBytes *extension,
                                GError **error)
{
  const MdFabric *fabric = md_fabric_table_get(table, index);
  g_autoptr(MdFabricRecord) record = NULL;

  if (fabric == NULL) {
    g_set_error(error, MD_ERROR, MD_ERROR_NOT_FOUND, "No fabric %u", index);
    return FALSE;
  }
  if (table->pending != NULL && table->pending->index == index)
    return TRUE;
  record = fabric_to_record(fabric);
  g_clear_pointer(&record->acl_extension, g_bytes_unref);
  record->acl_extension = ref_or_null(extension);
  return md_node_storage_put_fabric(table->storage, record, error);
}

void
md_fabric_table_set_extension(MdFabricTable *table, guint8 index, GBytes *extension)
{
  MdFabric *fabric = (MdFabric *) md_fabric_table_get(table, index);

  g_return_if_fail(fabric != NULL);
  g_clear_pointer(&fabric->acl_extension, g_bytes_unref);
  fabric->acl_extension = ref_or_null(extension);
}

gboolean
md_fabric_table_remove(MdFabricTable *table, guint8 index, GError **error)
{
  guint position;

  if (table->pending != NULL && table->pending->index == index) {
    /* A fabric being added was never stored; one being updated goes on. */
    gboolean was_update = table->pending_is_update;

    md_fabric_table_drop_pending(table);
    if (!was_update)
      return TRUE;
  }
  if (find_committed(table, index, &position) == NULL) {
    g_set_error(error, MD_ERROR, MD_ERROR_NOT_FOUND, "No fabric %u", index);
    return FALSE;
  }
  if (!md_node_storage_begin(table->storage, error))
    return FALSE;
  if (!md_node_storage_delete_fabric(table->storage, index, error) ||
      !md_node_storage_commit(table->storage, error)) {
    md_node_storage_rollback(table->storage);
    return FALSE;
  }
  g_ptr_array_remove_index(table->committed, position);
  table->acl_stale = TRUE;
  return TRUE;
}

gboolean
md_fabric_table_stage_clear(MdFabricTable *table, GError **error)
{
  for (guint i = 0; i < table->committed->len; i++) {
    const MdFabric *fabric = g_ptr_array_index(table->committed, i);

    if (!md_node_storage_delete_fabric(table->storage, fabric->index, error))
      return FALSE;
  }
  return TRUE;
}

void
md_fabric_table_clear(MdFabricTable *table)
{
  md_fabric_table_drop_pending(table);
  g_ptr_array_set_size(table->committed, 0);
  table->acl_stale = TRUE;
}

const MatterAclEntry *
md_fabric_table_acl(MdFabricTable *table, gsize *count)
{
  if (table->acl_stale) {
    g_array_set_size(table->acl_view, 0);
    for (guint n = 0;; n++) {
      const MdFabric *fabric = md_fabric_table_nth(table, n);

      if (fabric == NULL)
        break;
      g_array_append_vals(table->acl_view, fabric->acl->data, fabric->acl->len);
    }
    table->acl_stale = FALSE;
  }
  *count = table->acl_view->len;
  return (const MatterAclEntry *) table->acl_view->data;
}
