/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The fabric table (Core spec 11.18): the fabrics this node belongs to,
 * each with its certificates, operational key, IPK, label, vendor id and
 * access control entries, plus at most one pending fabric that the
 * fail-safe holds: a fabric being added by AddNOC, or the new credentials
 * of one being updated by UpdateNOC.
 *
 * Every reader sees one view: the committed fabrics with the pending one
 * on top (md_fabric_table_get(), md_fabric_table_nth()). The pending
 * fabric only ever lives in memory; md_fabric_table_commit() writes it in
 * the storage transaction the caller holds and makes it committed only
 * once that transaction committed (md_fabric_table_committed()). Fabric
 * indexes are allocated in increasing order, wrapping from 254 to 1
 * (11.18.6.8), and the next one is stored with the commit, so a removed
 * fabric's index is not handed out again soon after a restart. */

#include <glib.h>

#include "matter/acl.h"
#include "matter/cert.h"
#include "matter/crypto.h"
#include "node-storage.h"

#define MD_FABRIC_INDEX_MIN 1
#define MD_FABRIC_INDEX_MAX 254
#define MD_FABRIC_LABEL_MAX 32
/* AccessControlEntriesPerFabric (at least 4). */
#define MD_FABRIC_ACL_ENTRIES_MAX 8

typedef struct {
  guint8 index;
  guint64 fabric_id;
  guint64 node_id;
  guint16 vendor_id;
  char label[MD_FABRIC_LABEL_MAX + 1];
  GBytes *rcac; /* Matter TLV */
  GBytes *icac; /* NULL: none */
  GBytes *noc;
  guint8 root_public_key[MATTER_P256_PUBLIC_KEY_LEN];
  guint64 compressed_fabric_id;
  size_t cat_count;
  guint32 cats[MATTER_CERT_MAX_CATS];
  GBytes *operational_key; /* private key, secret: wiped on free */
  MatterP256Key *key;
  GBytes *ipk_epoch_key; /* secret */
  GBytes *vid_verification_statement; /* NULL: none */
  GBytes *vvsc;                       /* NULL: none */
  GArray *acl; /* MatterAclEntry, in list order */
  GBytes *acl_extension; /* Access Control Extension data; NULL: none */
} MdFabric;

/* Builds a fabric from a chain that matter_cert_chain_validate() accepted
 * and the key pair its NOC is for. @ipk may be NULL (kept from elsewhere).
 * NULL with @error when the key or the chain is unusable. */
MdFabric *md_fabric_new(guint8 index, GBytes *rcac, GBytes *icac, GBytes *noc,
                        const MatterCertChainInfo *info, GBytes *operational_key, GBytes *ipk,
                        guint16 vendor_id, GError **error);
MdFabric *md_fabric_copy(const MdFabric *fabric);
void md_fabric_free(MdFabric *fabric);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdFabric, md_fabric_free)

typedef struct _MdFabricTable MdFabricTable;

/* Loads the committed fabrics and their ACL entries from @storage. */
MdFabricTable *md_fabric_table_new(const MdNodeStorage *storage, guint8 supported_fabrics,
                                   GError **error);
void md_fabric_table_free(MdFabricTable *table);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdFabricTable, md_fabric_table_free)

guint8 md_fabric_table_supported(const MdFabricTable *table);
/* Fabrics in the view (committed, and a pending added one). */
guint md_fabric_table_count(const MdFabricTable *table);
guint md_fabric_table_count_committed(const MdFabricTable *table);
/* The view in ascending index order; NULL past the end. */
const MdFabric *md_fabric_table_nth(const MdFabricTable *table, guint n);
/* The fabric of @index in the view; NULL for none. */
const MdFabric *md_fabric_table_get(const MdFabricTable *table, guint8 index);
/* The fabric with this root key and fabric id (the Operational Identifier
 * of 11.18.6.8), or NULL. */
const MdFabric *md_fabric_table_find(const MdFabricTable *table,
                                     const guint8 root_public_key[MATTER_P256_PUBLIC_KEY_LEN],
                                     guint64 fabric_id);
/* The index AddNOC would allocate: the next unused one after the last
 * allocated, wrapping from 254 to 1; 0 when every index is taken. */
guint8 md_fabric_table_next_index(const MdFabricTable *table);

/* ---- The pending fabric ------------------------------------------------ */

/* Takes @fabric as the pending one (replacing a committed fabric of the
 * same index when there is one: UpdateNOC). There is at most one. */
void md_fabric_table_set_pending(MdFabricTable *table, MdFabric *fabric);
/* The pending fabric for changes before the commit (ACL, label); NULL. */
MdFabric *md_fabric_table_get_pending(MdFabricTable *table);
gboolean md_fabric_table_pending_is_update(const MdFabricTable *table);
/* Forgets the pending fabric, wiping its key. */
void md_fabric_table_drop_pending(MdFabricTable *table);
/* Writes the pending fabric, its ACL entries and the next fabric index
 * into the storage transaction the caller began. */
gboolean md_fabric_table_stage_pending(MdFabricTable *table, GError **error);
/* After that transaction committed: the pending fabric is committed. */
void md_fabric_table_commit_pending(MdFabricTable *table);

/* ---- Changes to committed fabrics ------------------------------------ */

/* Each is one storage transaction of its own (or part of the caller's, if
 * one is open), and changes memory only once it committed. A pending
 * fabric of @index is changed in memory only. */
gboolean md_fabric_table_set_label(MdFabricTable *table, guint8 index, const char *label,
                                   GError **error);
gboolean md_fabric_table_set_vid_verification(MdFabricTable *table, guint8 index,
                                              guint16 vendor_id, GBytes *statement,
                                              GBytes *vvsc, GError **error);
/* Replacing @index's access control entries is two steps around the
 * caller's transaction: stage() stores them (nothing for a pending
 * fabric, whose entries go with its commit), set() once it committed. */
gboolean md_fabric_table_stage_acl(MdFabricTable *table, guint8 index,
                                   const MatterAclEntry *entries, gsize count, GError **error);
void md_fabric_table_set_acl(MdFabricTable *table, guint8 index, const MatterAclEntry *entries,
                             gsize count);
/* The fabric's Access Control Extension (NULL: none), in the same two
 * steps as its entries. */
gboolean md_fabric_table_stage_extension(MdFabricTable *table, guint8 index, GBytes *extension,
                                         GError **error);
void md_fabric_table_set_extension(MdFabricTable *table, guint8 index, GBytes *extension);
/* Removes @index with everything scoped to it in the store. */
gboolean md_fabric_table_remove(MdFabricTable *table, guint8 index, GError **error);
/* Factory reset, in two steps around the caller's transaction:
 * stage_clear() deletes every committed fabric (and with it every row
 * scoped to one), clear() forgets them all, the pending one too, once it
 * committed. The next index to allocate stays where it was. */
gboolean md_fabric_table_stage_clear(MdFabricTable *table, GError **error);
void md_fabric_table_clear(MdFabricTable *table);

/* Every access control entry of the view, fabric by fabric: valid until
 * the next change. */
const MatterAclEntry *md_fabric_table_acl(MdFabricTable *table, gsize *count);
