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

#include "matter/acl.h"
#include "matter/cert.h"
#include "matter/crypto.h"

/* One committed fabric, a row of the store's fabric table. The record owns
 * its bytes; operational_key and ipk_epoch_key are secrets, wiped by
 * md_fabric_record_free(). */
typedef struct {
  guint8 fabric_index; /* 1..254 */
  guint64 fabric_id;
  guint64 node_id;
  guint16 vendor_id;
  char *label; /* UTF-8, up to 32 bytes */
  GBytes *rcac; /* Matter TLV certificates */
  GBytes *icac; /* NULL when the RCAC signs the NOC */
  GBytes *noc;
  GBytes *operational_key; /* P-256 private key, MATTER_P256_PRIVATE_KEY_LEN bytes */
  GBytes *ipk_epoch_key;   /* MATTER_AES128_KEY_LEN bytes */
  GBytes *vid_verification_statement; /* NULL when none was set */
  GBytes *vvsc;                       /* NULL when none was set */
  GBytes *acl_extension;              /* Access Control Extension data; NULL: none */
} MdFabricRecord;

/* A Group Key Management key set of one fabric (GroupKeySetStruct); the
 * IPK (key set 0) lives with its fabric, not here. */
#define MD_GROUP_EPOCH_KEYS_MAX 3
typedef struct {
  guint8 fabric_index;
  guint16 key_set_id; /* 1..65535 */
  guint8 security_policy;
  guint epoch_key_count; /* 1..MD_GROUP_EPOCH_KEYS_MAX */
  guint8 epoch_keys[MD_GROUP_EPOCH_KEYS_MAX][MATTER_AES128_KEY_LEN];
  guint64 epoch_start_times[MD_GROUP_EPOCH_KEYS_MAX];
} MdGroupKeySetRecord;

/* A GroupKeyMap entry: which key set a group of a fabric uses. */
typedef struct {
  guint8 fabric_index;
  guint16 group_id;
  guint16 key_set_id;
} MdGroupKeyMapRecord;

/* A Groups cluster membership: group @group_id of a fabric has
 * @endpoint among its members (the Group Table of the Core spec, 2.11.1.3,
 * one row per endpoint). @name is the group's name in that fabric, the
 * same on each of its rows. */
#define MD_GROUP_NAME_MAX 16
typedef struct {
  guint8 fabric_index;
  guint16 group_id; /* 1..65535 */
  guint16 endpoint;
  char name[MD_GROUP_NAME_MAX + 1]; /* UTF-8, up to 16 bytes; "" for none */
} MdGroupMembershipRecord;

/* What a CASE responder keeps of a completed handshake so that a later
 * Sigma1 naming @resumption_id resumes the session (Core spec 4.14.2):
 * one record per peer of a fabric. shared_secret is a secret: arrays of
 * load_resumptions() wipe each record when they drop it, and holders of a
 * copy wipe it with matter_secure_zero(). */
#define MD_RESUMPTION_ID_LEN 16
#define MD_RESUMPTION_SECRET_LEN 32
typedef struct {
  guint8 resumption_id[MD_RESUMPTION_ID_LEN];
  guint8 shared_secret[MD_RESUMPTION_SECRET_LEN];
  guint8 fabric_index;
  guint64 peer_node_id;
  /* The peer's CASE Authenticated Tags in NOC order, 0 for none; a tag
   * never follows a 0. */
  guint32 peer_cats[MATTER_CERT_MAX_CATS];
  /* Increases with every record written, up to G_MAXINT64: the order in
   * which records of a fabric are evicted. */
  guint64 sequence;
} MdResumptionRecord;

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

  /* Fabric-scoped rows. Loads return every row, in ascending fabric index
   * (then position, or key set id); NULL with @error set on failure. */
  GPtrArray *(*load_fabrics)(gpointer user_data, GError **error); /* of MdFabricRecord */
  /* Inserts the fabric, or updates the one of its index in place. */
  gboolean (*put_fabric)(gpointer user_data, const MdFabricRecord *fabric, GError **error);
  /* Deletes the fabric and every row scoped to it; a missing one is not an
   * error. */
  gboolean (*delete_fabric)(gpointer user_data, guint8 fabric_index, GError **error);
  GArray *(*load_acl)(gpointer user_data, GError **error); /* of MatterAclEntry */
  /* Replaces the fabric's access control entries with @entries, in order. */
  gboolean (*put_acl)(gpointer user_data, guint8 fabric_index, const MatterAclEntry *entries,
                      gsize count, GError **error);
  GArray *(*load_group_key_sets)(gpointer user_data, GError **error); /* of MdGroupKeySetRecord */
  gboolean (*put_group_key_set)(gpointer user_data, const MdGroupKeySetRecord *set,
                                GError **error);
  gboolean (*delete_group_key_set)(gpointer user_data, guint8 fabric_index, guint16 key_set_id,
                                   GError **error);
  GArray *(*load_group_key_map)(gpointer user_data, GError **error); /* of MdGroupKeyMapRecord */
  /* Replaces the fabric's GroupKeyMap with @entries, in order. */
  gboolean (*put_group_key_map)(gpointer user_data, guint8 fabric_index,
                                const MdGroupKeyMapRecord *entries, gsize count, GError **error);
  /* In ascending fabric index, group id, endpoint. */
  GArray *(*load_group_memberships)(gpointer user_data,
                                    GError **error); /* of MdGroupMembershipRecord */
  /* Inserts the membership, or updates the name of the one of its fabric,
   * group and endpoint. */
  gboolean (*put_group_membership)(gpointer user_data, const MdGroupMembershipRecord *membership,
                                   GError **error);
  /* A missing one is not an error. */
  gboolean (*delete_group_membership)(gpointer user_data, guint8 fabric_index, guint16 group_id,
                                      guint16 endpoint, GError **error);
  /* Every record, in ascending sequence; the array wipes each record it
   * drops. */
  GArray *(*load_resumptions)(gpointer user_data, GError **error); /* of MdResumptionRecord */
  /* Inserts the record, or replaces the one of the same fabric and peer
   * node id (its resumption id, secret, tags and sequence). */
  gboolean (*put_resumption)(gpointer user_data, const MdResumptionRecord *record, GError **error);
  /* A missing one is not an error. */
  gboolean (*delete_resumption)(gpointer user_data,
                                const guint8 resumption_id[MD_RESUMPTION_ID_LEN], GError **error);
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

static inline GPtrArray *
md_node_storage_load_fabrics(const MdNodeStorage *storage, GError **error)
{
  return storage->ops->load_fabrics(storage->user_data, error);
}

static inline gboolean
md_node_storage_put_fabric(const MdNodeStorage *storage, const MdFabricRecord *fabric,
                           GError **error)
{
  return storage->ops->put_fabric(storage->user_data, fabric, error);
}

static inline gboolean
md_node_storage_delete_fabric(const MdNodeStorage *storage, guint8 fabric_index, GError **error)
{
  return storage->ops->delete_fabric(storage->user_data, fabric_index, error);
}

static inline GArray *
md_node_storage_load_acl(const MdNodeStorage *storage, GError **error)
{
  return storage->ops->load_acl(storage->user_data, error);
}

static inline gboolean
md_node_storage_put_acl(const MdNodeStorage *storage, guint8 fabric_index,
                        const MatterAclEntry *entries, gsize count, GError **error)
{
  return storage->ops->put_acl(storage->user_data, fabric_index, entries, count, error);
}

static inline GArray *
md_node_storage_load_group_key_sets(const MdNodeStorage *storage, GError **error)
{
  return storage->ops->load_group_key_sets(storage->user_data, error);
}

static inline gboolean
md_node_storage_put_group_key_set(const MdNodeStorage *storage, const MdGroupKeySetRecord *set,
                                  GError **error)
{
  return storage->ops->put_group_key_set(storage->user_data, set, error);
}

static inline gboolean
md_node_storage_delete_group_key_set(const MdNodeStorage *storage, guint8 fabric_index,
                                     guint16 key_set_id, GError **error)
{
  return storage->ops->delete_group_key_set(storage->user_data, fabric_index, key_set_id, error);
}

static inline GArray *
md_node_storage_load_group_key_map(const MdNodeStorage *storage, GError **error)
{
  return storage->ops->load_group_key_map(storage->user_data, error);
}

static inline gboolean
md_node_storage_put_group_key_map(const MdNodeStorage *storage, guint8 fabric_index,
                                  const MdGroupKeyMapRecord *entries, gsize count, GError **error)
{
  return storage->ops->put_group_key_map(storage->user_data, fabric_index, entries, count, error);
}

static inline GArray *
md_node_storage_load_group_memberships(const MdNodeStorage *storage, GError **error)
{
  return storage->ops->load_group_memberships(storage->user_data, error);
}

static inline gboolean
md_node_storage_put_group_membership(const MdNodeStorage *storage,
                                     const MdGroupMembershipRecord *membership, GError **error)
{
  return storage->ops->put_group_membership(storage->user_data, membership, error);
}

static inline gboolean
md_node_storage_delete_group_membership(const MdNodeStorage *storage, guint8 fabric_index,
                                        guint16 group_id, guint16 endpoint, GError **error)
{
  return storage->ops->delete_group_membership(storage->user_data, fabric_index, group_id, endpoint,
                                               error);
}

static inline GArray *
md_node_storage_load_resumptions(const MdNodeStorage *storage, GError **error)
{
  return storage->ops->load_resumptions(storage->user_data, error);
}

static inline gboolean
md_node_storage_put_resumption(const MdNodeStorage *storage, const MdResumptionRecord *record,
                               GError **error)
{
  return storage->ops->put_resumption(storage->user_data, record, error);
}

static inline gboolean
md_node_storage_delete_resumption(const MdNodeStorage *storage,
                                  const guint8 resumption_id[MD_RESUMPTION_ID_LEN], GError **error)
{
  return storage->ops->delete_resumption(storage->user_data, resumption_id, error);
}

/* Frees a record of load_fabrics(), wiping its secrets. */
void md_fabric_record_free(MdFabricRecord *fabric);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdFabricRecord, md_fabric_record_free)
/* A deep copy (for storage fakes and the node's overlay). */
MdFabricRecord *md_fabric_record_copy(const MdFabricRecord *fabric);
/* A GBytes holding a copy of the secret @data, wiped when its last
 * reference goes: keys travel between the store and the node in these. */
GBytes *md_secret_bytes_new(const void *data, gsize len);
