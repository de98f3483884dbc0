/* SPDX-License-Identifier: Apache-2.0 */
/* Access Control (0x001F), revision 2: Matter SDK
 * data_model/1.4.2/clusters/ACL-Cluster.xml for ids, fields and
 * privileges; Core spec 9.10 and 6.6 for what a valid entry is. Neither
 * the Extension feature nor the Managed Device feature (Access Restriction
 * Lists): the node declares no restrictions. The Extension feature is
 * offered: one entry per fabric of opaque TLV that administrators keep
 * beside their entries (9.10.5.7), stored with the fabric; it never
 * changes what access is granted.
 *
 * The ACL attribute is the fabric table's entries (fabric-table.h). A
 * write replaces the accessing fabric's entries only: a replace and its
 * appends, possibly over several chunks, are built up and validated entry
 * by entry; once the list is complete (list_write_done) it is stored in
 * the node's write transaction and made live once that committed. The
 * Extension list goes the same way. */
#define G_LOG_DOMAIN "matterd"

#include "clusters.h"

#include <string.h>

#include "matter/acl.h"
#include "matter/event-log.h"
#include "matter/im-engine.h"

enum {
  ATTR_ACL = 0x0000,
  ATTR_EXTENSION = 0x0001,
  ATTR_SUBJECTS_PER_ENTRY = 0x0002,
  ATTR_TARGETS_PER_ENTRY = 0x0003,
  ATTR_ENTRIES_PER_FABRIC = 0x0004,
};

enum {
  EVENT_ACCESS_CONTROL_ENTRY_CHANGED = 0x00,
  EVENT_ACCESS_CONTROL_EXTENSION_CHANGED = 0x01,
};

#define FEATURE_EXTENSION 0x1
/* AccessControlExtensionStruct's Data. */
#define EXTENSION_DATA_MAX 128
#define FIELD_EXTENSION_DATA 1

/* AccessControlEntryStruct and AccessControlTargetStruct fields. */
enum {
  FIELD_PRIVILEGE = 1,
  FIELD_AUTH_MODE = 2,
  FIELD_SUBJECTS = 3,
  FIELD_TARGETS = 4,
  FIELD_FABRIC_INDEX = 0xFE,
  TARGET_CLUSTER = 0,
  TARGET_ENDPOINT = 1,
  TARGET_DEVICE_TYPE = 2,
};

static const MatterDmAttribute attributes[] = {
  { ATTR_ACL, MATTER_DM_LIST | MATTER_DM_FABRIC_SCOPED, MATTER_ACL_PRIVILEGE_ADMINISTER,
    MATTER_ACL_PRIVILEGE_ADMINISTER, 0 },
  { ATTR_EXTENSION, MATTER_DM_LIST | MATTER_DM_FABRIC_SCOPED, MATTER_ACL_PRIVILEGE_ADMINISTER,
    MATTER_ACL_PRIVILEGE_ADMINISTER, FEATURE_EXTENSION },
  { ATTR_SUBJECTS_PER_ENTRY, MATTER_DM_FIXED, MATTER_ACL_PRIVILEGE_VIEW, 0, 0 },
  { ATTR_TARGETS_PER_ENTRY, MATTER_DM_FIXED, MATTER_ACL_PRIVILEGE_VIEW, 0, 0 },
  { ATTR_ENTRIES_PER_FABRIC, MATTER_DM_FIXED, MATTER_ACL_PRIVILEGE_VIEW, 0, 0 },
};

static const MatterDmEvent event_table[] = {
  { EVENT_ACCESS_CONTROL_ENTRY_CHANGED, MATTER_ACL_PRIVILEGE_ADMINISTER, MATTER_EVENT_PRIORITY_INFO,
    MATTER_DM_FABRIC_SENSITIVE, 0 },
  { EVENT_ACCESS_CONTROL_EXTENSION_CHANGED, MATTER_ACL_PRIVILEGE_ADMINISTER,
    MATTER_EVENT_PRIORITY_INFO, MATTER_DM_FABRIC_SENSITIVE, FEATURE_EXTENSION },
};

void
md_access_control_init(MdAccessControl *ac, MdFabricTable *fabrics, MatterEventLog *events)
{
  *ac = (MdAccessControl) {
    .fabrics = fabrics,
    .events = events,
    .staged = g_array_new(FALSE, TRUE, sizeof(MatterAclEntry)),
    .ready = g_array_new(FALSE, TRUE, sizeof(MatterAclEntry)),
  };
}

void
md_access_control_clear(MdAccessControl *ac)
{
  g_clear_pointer(&ac->staged, g_array_unref);
  g_clear_pointer(&ac->ready, g_array_unref);
  g_clear_pointer(&ac->ext_staged, g_bytes_unref);
  g_clear_pointer(&ac->ext_ready, g_bytes_unref);
}

void
md_access_control_bind(MdAccessControl *ac, MatterDmNode *dm, MatterDmCluster *cluster)
{
  ac->dm = dm;
  ac->cluster = cluster;
  cluster->feature_map = FEATURE_EXTENSION;
}

void
md_access_control_changed(MdAccessControl *ac)
{
  if (ac->dm == NULL)
    return;
  matter_dm_mark(ac->dm, ac->cluster, ATTR_ACL);
  matter_dm_mark(ac->dm, ac->cluster, ATTR_EXTENSION);
}

/* ---- Reading ---- */

static void
put_entry(MatterTlvWriter *w, MatterTlvTag tag, const MatterAclEntry *entry,
          gboolean sensitive_too)
{
  matter_tlv_start_structure(w, tag);
  /* Everything but the fabric index is fabric-sensitive. */
  if (sensitive_too) {
    matter_tlv_put_uint(w, matter_tlv_tag_context(FIELD_PRIVILEGE), entry->privilege);
    matter_tlv_put_uint(w, matter_tlv_tag_context(FIELD_AUTH_MODE), entry->auth_mode);
    if (entry->subject_count == 0) {
      matter_tlv_put_null(w, matter_tlv_tag_context(FIELD_SUBJECTS));
    } else {
      matter_tlv_start_array(w, matter_tlv_tag_context(FIELD_SUBJECTS));
      for (size_t i = 0; i < entry->subject_count; i++)
        matter_tlv_put_uint(w, matter_tlv_tag_anonymous(), entry->subjects[i]);
      matter_tlv_end_container(w);
    }
    if (entry->target_count == 0) {
      matter_tlv_put_null(w, matter_tlv_tag_context(FIELD_TARGETS));
    } else {
      matter_tlv_start_array(w, matter_tlv_tag_context(FIELD_TARGETS));
      for (size_t i = 0; i < entry->target_count; i++) {
        const MatterAclTarget *t = &entry->targets[i];

        matter_tlv_start_structure(w, matter_tlv_tag_anonymous());
        if (t->has_cluster)
          matter_tlv_put_uint(w, matter_tlv_tag_context(TARGET_CLUSTER), t->cluster);
        else
          matter_tlv_put_null(w, matter_tlv_tag_context(TARGET_CLUSTER));
        if (t->has_endpoint)
          matter_tlv_put_uint(w, matter_tlv_tag_context(TARGET_ENDPOINT), t->endpoint);
        else
          matter_tlv_put_null(w, matter_tlv_tag_context(TARGET_ENDPOINT));
        if (t->has_device_type)
          matter_tlv_put_uint(w, matter_tlv_tag_context(TARGET_DEVICE_TYPE), t->device_type);
        else
          matter_tlv_put_null(w, matter_tlv_tag_context(TARGET_DEVICE_TYPE));
        matter_tlv_end_container(w);
      }
      matter_tlv_end_container(w);
    }
  }
  matter_tlv_put_uint(w, matter_tlv_tag_context(FIELD_FABRIC_INDEX), entry->fabric_index);
  matter_tlv_end_container(w);
}

static void
put_extension(MatterTlvWriter *w, MatterTlvTag tag, guint8 fabric_index, GBytes *data,
              gboolean sensitive_too)
{
  matter_tlv_start_structure(w, tag);
  if (sensitive_too)
    matter_tlv_put_bytes(w, matter_tlv_tag_context(FIELD_EXTENSION_DATA),
                         g_bytes_get_data(data, NULL), g_bytes_get_size(data));
  matter_tlv_put_uint(w, matter_tlv_tag_context(FIELD_FABRIC_INDEX), fabric_index);
  matter_tlv_end_container(w);
}

static void
read_extensions(MdAccessControl *ac, const MatterDmRequest *request, MatterTlvWriter *w,
                MatterTlvTag tag)
{
  guint8 accessing = request->subject->fabric_index;

  matter_tlv_start_array(w, tag);
  for (guint n = 0;; n++) {
    const MdFabric *fabric = md_fabric_table_nth(ac->fabrics, n);

    if (fabric == NULL)
      break;
    if (fabric->acl_extension == NULL ||
        (request->fabric_filtered && fabric->index != accessing))
      continue;
    put_extension(w, matter_tlv_tag_anonymous(), fabric->index, fabric->acl_extension,
                  fabric->index == accessing);
  }
  matter_tlv_end_container(w);
}

static uint8_t
read_attribute(MatterDmCluster *cluster, const MatterDmRequest *request, uint32_t attribute,
               MatterTlvWriter *w, MatterTlvTag tag)
{
  MdAccessControl *ac = cluster->state;
  guint8 accessing = request->subject->fabric_index;
  const MatterAclEntry *entries;
  gsize count;

  switch (attribute) {
  case ATTR_ACL:
    entries = md_fabric_table_acl(ac->fabrics, &count);
    matter_tlv_start_array(w, tag);
    for (gsize i = 0; i < count; i++) {
      if (request->fabric_filtered && entries[i].fabric_index != accessing)
        continue;
      put_entry(w, matter_tlv_tag_anonymous(), &entries[i], entries[i].fabric_index == accessing);
    }
    matter_tlv_end_container(w);
    break;
  case ATTR_EXTENSION:
    read_extensions(ac, request, w, tag);
    break;
  case ATTR_SUBJECTS_PER_ENTRY:
    matter_tlv_put_uint(w, tag, MATTER_ACL_SUBJECTS_MAX);
    break;
  case ATTR_TARGETS_PER_ENTRY:
    matter_tlv_put_uint(w, tag, MATTER_ACL_TARGETS_MAX);
    break;
  case ATTR_ENTRIES_PER_FABRIC:
    matter_tlv_put_uint(w, tag, MD_FABRIC_ACL_ENTRIES_MAX);
    break;
  default:
    return MATTER_IM_STATUS_UNSUPPORTED_ATTRIBUTE;
  }
  return MATTER_IM_STATUS_SUCCESS;
}

/* ---- Writing ---- */

/* A nullable unsigned field of a target: absent or null is "any". */
static gboolean
get_nullable_uint(MatterTlvReader *r, uint8_t tag, gboolean *present, uint64_t *value, uint64_t max)
{
  MatterError err = matter_tlv_find_context(r, tag);

  *present = FALSE;
  if (err == MATTER_ERROR_TLV_NOT_FOUND)
    return TRUE;
  if (err != MATTER_OK)
    return FALSE;
  if (matter_tlv_get_type(r) == MATTER_TLV_TYPE_NULL)
    return TRUE;
  if (matter_tlv_get_u64(r, value) != MATTER_OK || *value > max)
    return FALSE;
  *present = TRUE;
  return TRUE;
}

static gboolean
decode_target(MatterTlvReader *r, MatterAclTarget *target)
{
  gboolean present;
  uint64_t value;

  *target = (MatterAclTarget) { 0 };
  if (matter_tlv_get_type(r) != MATTER_TLV_TYPE_STRUCTURE || matter_tlv_enter(r) != MATTER_OK)
    return FALSE;
  if (!get_nullable_uint(r, TARGET_CLUSTER, &present, &value, UINT32_MAX))
    return FALSE;
  target->has_cluster = present;
  target->cluster = (uint32_t) value;
  if (!get_nullable_uint(r, TARGET_ENDPOINT, &present, &value, UINT16_MAX))
    return FALSE;
  target->has_endpoint = present;
  target->endpoint = (uint16_t) value;
  if (!get_nullable_uint(r, TARGET_DEVICE_TYPE, &present, &value, UINT32_MAX))
    return FALSE;
  target->has_device_type = present;
  target->device_type = (uint32_t) value;
  return matter_tlv_exit(r) == MATTER_OK;
}

/* Subjects or targets: null, or a list of at most @max items. SUCCESS,
 * RESOURCE_EXHAUSTED for more items than an entry holds (9.10.5.6.3),
 * CONSTRAINT_ERROR for anything malformed. */
static uint8_t
decode_list(MatterTlvReader *r, uint8_t tag, size_t max, size_t *count,
            gboolean (*item)(MatterTlvReader *r, size_t i, MatterAclEntry *entry),
            MatterAclEntry *entry)
{
  MatterError err = matter_tlv_find_context(r, tag);

  *count = 0;
  if (err != MATTER_OK)
    return MATTER_IM_STATUS_CONSTRAINT_ERROR;
  if (matter_tlv_get_type(r) == MATTER_TLV_TYPE_NULL)
    return MATTER_IM_STATUS_SUCCESS;
  if (matter_tlv_get_type(r) != MATTER_TLV_TYPE_ARRAY || matter_tlv_enter(r) != MATTER_OK)
    return MATTER_IM_STATUS_CONSTRAINT_ERROR;
  while ((err = matter_tlv_next(r)) == MATTER_OK) {
    if (*count >= max)
      return MATTER_IM_STATUS_RESOURCE_EXHAUSTED;
    if (!item(r, *count, entry))
      return MATTER_IM_STATUS_CONSTRAINT_ERROR;
    (*count)++;
  }
  if (err != MATTER_ERROR_TLV_END || matter_tlv_exit(r) != MATTER_OK)
    return MATTER_IM_STATUS_CONSTRAINT_ERROR;
  return MATTER_IM_STATUS_SUCCESS;
}

static gboolean
subject_item(MatterTlvReader *r, size_t i, MatterAclEntry *entry)
{
  return matter_tlv_get_u64(r, &entry->subjects[i]) == MATTER_OK;
}

static gboolean
target_item(MatterTlvReader *r, size_t i, MatterAclEntry *entry)
{
  return decode_target(r, &entry->targets[i]);
}

/* One AccessControlEntryStruct at @r, for @fabric_index (the written
 * FabricIndex field is ignored: the accessing fabric owns what it writes,
 * 7.13.x). CONSTRAINT_ERROR for anything 6.6 and 9.10.5 do not allow. */
static uint8_t
decode_entry(MatterTlvReader *r, guint8 fabric_index, MatterAclEntry *entry)
{
  uint8_t privilege, auth_mode, status = MATTER_IM_STATUS_CONSTRAINT_ERROR;
  const char *why = NULL;

  *entry = (MatterAclEntry) { .fabric_index = fabric_index };
  if (matter_tlv_get_type(r) == MATTER_TLV_TYPE_STRUCTURE && matter_tlv_enter(r) == MATTER_OK &&
      matter_tlv_get_context_u8(r, FIELD_PRIVILEGE, &privilege) == MATTER_OK &&
      matter_tlv_get_context_u8(r, FIELD_AUTH_MODE, &auth_mode) == MATTER_OK &&
      (status = decode_list(r, FIELD_SUBJECTS, MATTER_ACL_SUBJECTS_MAX, &entry->subject_count,
                            subject_item, entry)) == MATTER_IM_STATUS_SUCCESS &&
      (status = decode_list(r, FIELD_TARGETS, MATTER_ACL_TARGETS_MAX, &entry->target_count,
                            target_item, entry)) == MATTER_IM_STATUS_SUCCESS &&
      matter_tlv_exit(r) != MATTER_OK)
    status = MATTER_IM_STATUS_CONSTRAINT_ERROR;
  if (status != MATTER_IM_STATUS_SUCCESS) {
    g_message("Access Control: a written entry is malformed or has too many subjects or targets");
    return status;
  }
  entry->privilege = privilege;
  entry->auth_mode = auth_mode;
  if (matter_acl_entry_check(entry, &why) != MATTER_OK) {
    g_message("Access Control: refused a written entry: %s", why);
    return MATTER_IM_STATUS_CONSTRAINT_ERROR;
  }
  return MATTER_IM_STATUS_SUCCESS;
}

static uint8_t
stage_append(GArray *staged, const MatterAclEntry *entry)
{
  if (staged->len >= MD_FABRIC_ACL_ENTRIES_MAX) {
    g_message("Access Control: fabric %u would have more than %u entries", entry->fabric_index,
              MD_FABRIC_ACL_ENTRIES_MAX);
    return MATTER_IM_STATUS_RESOURCE_EXHAUSTED;
  }
  g_array_append_val(staged, *entry);
  return MATTER_IM_STATUS_SUCCESS;
}

/* The first write of an interaction starts from the fabric's entries; a
 * replace then empties them. */
/* Who changes the list, for AccessControlEntryChanged. */
static MdAclAdmin
admin_of(const MatterDmRequest *request)
{
  if (request->session != NULL && request->session->kind == MATTER_SESSION_KIND_CASE)
    return (MdAclAdmin) { .node_id = request->session->peer_node_id, .is_node = TRUE };
  /* Over PASE, the passcode of the commissioning window: id 0. */
  return (MdAclAdmin) { .passcode_id = 0 };
}

static void
begin_staging(MdAccessControl *ac, const MatterDmRequest *request, guint8 fabric_index)
{
  const MdFabric *fabric = md_fabric_table_get(ac->fabrics, fabric_index);

  if (ac->has_staged)
    return;
  ac->has_staged = TRUE;
  ac->staged_fabric = fabric_index;
  ac->staged_admin = admin_of(request);
  g_array_set_size(ac->staged, 0);
  /* From what this interaction made of the list already, if anything. */
  if (ac->has_ready && ac->ready_fabric == fabric_index)
    g_array_append_vals(ac->staged, ac->ready->data, ac->ready->len);
  else if (fabric != NULL)
    g_array_append_vals(ac->staged, fabric->acl->data, fabric->acl->len);
}

static void
drop_staged(MdAccessControl *ac)
{
  ac->has_staged = FALSE;
  g_array_set_size(ac->staged, 0);
}

static uint8_t
append_entry(MdAccessControl *ac, guint8 fabric_index, MatterTlvReader *value)
{
  MatterAclEntry entry;
  uint8_t status = decode_entry(value, fabric_index, &entry);

  return status == MATTER_IM_STATUS_SUCCESS ? stage_append(ac->staged, &entry) : status;
}

/* The list is decoded whole before it replaces what is staged: a refused
 * one leaves what the interaction's earlier writes staged. */
static uint8_t
replace_entries(MdAccessControl *ac, guint8 fabric_index, MatterTlvReader *value)
{
  g_autoptr(GArray) entries = g_array_new(FALSE, TRUE, sizeof(MatterAclEntry));
  MatterAclEntry entry;
  MatterError err;
  uint8_t status;

  if (matter_tlv_get_type(value) != MATTER_TLV_TYPE_ARRAY || matter_tlv_enter(value) != MATTER_OK)
    return MATTER_IM_STATUS_CONSTRAINT_ERROR;
  while ((err = matter_tlv_next(value)) == MATTER_OK) {
    status = decode_entry(value, fabric_index, &entry);
    if (status == MATTER_IM_STATUS_SUCCESS)
      status = stage_append(entries, &entry);
    if (status != MATTER_IM_STATUS_SUCCESS)
      return status;
  }
  if (err != MATTER_ERROR_TLV_END)
    return MATTER_IM_STATUS_CONSTRAINT_ERROR;
  g_array_set_size(ac->staged, 0);
  g_array_append_vals(ac->staged, entries->data, entries->len);
  return MATTER_IM_STATUS_SUCCESS;
}

/* ---- The Extension list ---- */

/* 9.10.5.7.1: a top-level anonymous list whose elements all carry a
 * fully-qualified profile-specific tag, in at most 128 bytes. */
static gboolean
extension_data_valid(const uint8_t *data, size_t len)
{
  MatterTlvReader r;
  MatterError err;

  if (len == 0 || len > EXTENSION_DATA_MAX || matter_tlv_check(data, len) != MATTER_OK)
    return FALSE;
  matter_tlv_reader_init(&r, data, len);
  if (matter_tlv_next(&r) != MATTER_OK || matter_tlv_get_type(&r) != MATTER_TLV_TYPE_LIST ||
      matter_tlv_get_tag(&r).kind != MATTER_TLV_TAG_ANONYMOUS || matter_tlv_enter(&r) != MATTER_OK)
    return FALSE;
  while ((err = matter_tlv_next(&r)) == MATTER_OK)
    if (matter_tlv_get_tag(&r).kind != MATTER_TLV_TAG_FULLY_QUALIFIED)
      return FALSE;
  return err == MATTER_ERROR_TLV_END;
}

static uint8_t
decode_extension(MatterTlvReader *r, GBytes **data)
{
  const uint8_t *bytes;
  size_t len;

  if (matter_tlv_get_type(r) != MATTER_TLV_TYPE_STRUCTURE || matter_tlv_enter(r) != MATTER_OK ||
      matter_tlv_get_context_bytes(r, FIELD_EXTENSION_DATA, &bytes, &len) != MATTER_OK ||
      !extension_data_valid(bytes, len) || matter_tlv_exit(r) != MATTER_OK) {
    g_message("Access Control: a written extension is not a list of fully-qualified elements "
              "of up to %u bytes",
              EXTENSION_DATA_MAX);
    return MATTER_IM_STATUS_CONSTRAINT_ERROR;
  }
  *data = g_bytes_new(bytes, len);
  return MATTER_IM_STATUS_SUCCESS;
}

/* One extension per fabric (9.10.6.4): a second is RESOURCE_EXHAUSTED. */
static uint8_t
stage_extension(MdAccessControl *ac, GBytes *data)
{
  if (ac->ext_staged != NULL) {
    g_message("Access Control: fabric %u has an extension already", ac->ext_fabric);
    g_bytes_unref(data);
    return MATTER_IM_STATUS_RESOURCE_EXHAUSTED;
  }
  ac->ext_staged = data;
  return MATTER_IM_STATUS_SUCCESS;
}

static void
drop_staged_extension(MdAccessControl *ac)
{
  ac->ext_has_staged = FALSE;
  g_clear_pointer(&ac->ext_staged, g_bytes_unref);
}

static uint8_t
write_extension(MdAccessControl *ac, const MatterDmRequest *request,
                const MatterImAttributePath *path, MatterTlvReader *value)
{
  guint8 fabric_index = request->subject->fabric_index;
  const MdFabric *fabric = md_fabric_table_get(ac->fabrics, fabric_index);
  GBytes *data = NULL;
  MatterError err;
  uint8_t status;

  if (!ac->ext_has_staged) {
    ac->ext_has_staged = TRUE;
    ac->ext_fabric = fabric_index;
    ac->ext_admin = admin_of(request);
    g_clear_pointer(&ac->ext_staged, g_bytes_unref);
    if (ac->ext_has_ready && ac->ext_ready_fabric == fabric_index)
      ac->ext_staged = ac->ext_ready != NULL ? g_bytes_ref(ac->ext_ready) : NULL;
    else if (fabric->acl_extension != NULL)
      ac->ext_staged = g_bytes_ref(fabric->acl_extension);
  }
  if (path->list_index_kind == MATTER_IM_LIST_INDEX_APPEND) {
    status = decode_extension(value, &data);
    return status == MATTER_IM_STATUS_SUCCESS ? stage_extension(ac, data) : status;
  }
  if (matter_tlv_get_type(value) != MATTER_TLV_TYPE_ARRAY || matter_tlv_enter(value) != MATTER_OK)
    return MATTER_IM_STATUS_CONSTRAINT_ERROR;
  g_clear_pointer(&ac->ext_staged, g_bytes_unref);
  while ((err = matter_tlv_next(value)) == MATTER_OK) {
    status = decode_extension(value, &data);
    if (status == MATTER_IM_STATUS_SUCCESS)
      status = stage_extension(ac, data);
    if (status != MATTER_IM_STATUS_SUCCESS)
      return status;
  }
  return err == MATTER_ERROR_TLV_END ? MATTER_IM_STATUS_SUCCESS
                                     : MATTER_IM_STATUS_CONSTRAINT_ERROR;
}

static void
extension_list_done(MdAccessControl *ac, bool successful)
{
  if (!ac->ext_has_staged)
    return;
  if (successful) {
    g_clear_pointer(&ac->ext_ready, g_bytes_unref);
    ac->ext_ready = ac->ext_staged != NULL ? g_bytes_ref(ac->ext_staged) : NULL;
    ac->ext_has_ready = TRUE;
    ac->ext_ready_fabric = ac->ext_fabric;
    ac->ext_ready_admin = ac->ext_admin;
  }
  drop_staged_extension(ac);
}

static uint8_t
write_attribute(MatterDmCluster *cluster, const MatterDmRequest *request,
                const MatterImAttributePath *path, MatterTlvReader *value)
{
  MdAccessControl *ac = cluster->state;
  guint8 fabric_index = request->subject->fabric_index;
  gboolean had_staged = ac->has_staged;
  uint8_t status;

  if (path->attribute != ATTR_ACL && path->attribute != ATTR_EXTENSION)
    return MATTER_IM_STATUS_UNSUPPORTED_WRITE;
  if (md_fabric_table_get(ac->fabrics, fabric_index) == NULL)
    return MATTER_IM_STATUS_UNSUPPORTED_ACCESS;
  if (path->list_index_kind != MATTER_IM_LIST_INDEX_NONE &&
      path->list_index_kind != MATTER_IM_LIST_INDEX_APPEND)
    return MATTER_IM_STATUS_INVALID_ACTION;
  if (path->attribute == ATTR_EXTENSION)
    return write_extension(ac, request, path, value);
  begin_staging(ac, request, fabric_index);
  if (path->list_index_kind == MATTER_IM_LIST_INDEX_APPEND)
    status = append_entry(ac, fabric_index, value);
  else
    status = replace_entries(ac, fabric_index, value);
  /* A refused first write leaves nothing staged, so the interaction
   * changes nothing (nor the data version); a later one leaves what the
   * writes before it staged, as they were answered SUCCESS. */
  if (status != MATTER_IM_STATUS_SUCCESS && !had_staged)
    drop_staged(ac);
  return status;
}

/* The list is complete (its last chunk, or the message it was in, is
 * over): what was built becomes what the transaction stores. */
static uint8_t
list_write_done(MatterDmCluster *cluster, const MatterDmRequest *request,
                const MatterImAttributePath *path, bool successful)
{
  MdAccessControl *ac = cluster->state;

  if (path->attribute == ATTR_EXTENSION) {
    extension_list_done(ac, successful);
    return MATTER_IM_STATUS_SUCCESS;
  }
  if (!ac->has_staged)
    return MATTER_IM_STATUS_SUCCESS;
  if (successful) {
    g_array_set_size(ac->ready, 0);
    g_array_append_vals(ac->ready, ac->staged->data, ac->staged->len);
    ac->has_ready = TRUE;
    ac->ready_fabric = ac->staged_fabric;
    ac->ready_admin = ac->staged_admin;
  }
  drop_staged(ac);
  return MATTER_IM_STATUS_SUCCESS;
}

gboolean
md_access_control_stage(MdAccessControl *ac, GError **error)
{
  if (ac->ext_has_ready &&
      !md_fabric_table_stage_extension(ac->fabrics, ac->ext_ready_fabric, ac->ext_ready, error))
    return FALSE;
  if (!ac->has_ready)
    return TRUE;
  return md_fabric_table_stage_acl(ac->fabrics, ac->ready_fabric,
                                   (const MatterAclEntry *) ac->ready->data, ac->ready->len,
                                   error);
}

/* ---- AccessControlEntryChanged ---- */

/* ChangeTypeEnum. */
enum {
  CHANGE_CHANGED = 0,
  CHANGE_ADDED = 1,
  CHANGE_REMOVED = 2,
};

typedef struct {
  MdAclAdmin admin;
  guint8 change;
  const MatterAclEntry *entry;
} EntryChanged;

/* AdminNodeID [1] and AdminPasscodeID [2]: exactly one is not null. */
static void
put_admin(MatterTlvWriter *w, const MdAclAdmin *admin)
{
  if (admin->is_node) {
    matter_tlv_put_uint(w, matter_tlv_tag_context(1), admin->node_id);
    matter_tlv_put_null(w, matter_tlv_tag_context(2));
  } else {
    matter_tlv_put_null(w, matter_tlv_tag_context(1));
    matter_tlv_put_uint(w, matter_tlv_tag_context(2), admin->passcode_id);
  }
}

static MatterError
encode_entry_changed(void *user_data, MatterTlvWriter *w, MatterTlvTag tag)
{
  const EntryChanged *e = user_data;

  matter_tlv_start_structure(w, tag);
  put_admin(w, &e->admin);
  matter_tlv_put_uint(w, matter_tlv_tag_context(3), e->change);
  put_entry(w, matter_tlv_tag_context(4), e->entry, TRUE);
  matter_tlv_put_uint(w, matter_tlv_tag_context(FIELD_FABRIC_INDEX), e->entry->fabric_index);
  return matter_tlv_end_container(w);
}

static void
emit_entry_changed(MdAccessControl *ac, const MdAclAdmin *admin, guint8 change,
                   const MatterAclEntry *entry, guint64 now_ms)
{
  EntryChanged fields = { *admin, change, entry };
  MatterEvent event = {
    .endpoint = 0,
    .cluster = md_access_control_class.id,
    .event = EVENT_ACCESS_CONTROL_ENTRY_CHANGED,
    .priority = MATTER_EVENT_PRIORITY_INFO,
    .fabric_index = entry->fabric_index,
    .encode = encode_entry_changed,
    .encode_data = &fields,
  };
  MatterError err;

  if (ac->events == NULL)
    return;
  err = matter_event_log_emit(ac->events, &event, now_ms, NULL);
  if (err != MATTER_OK)
    g_warning("Cannot log AccessControlEntryChanged: %s", matter_error_str(err));
}

static gboolean
targets_equal(const MatterAclTarget *p, const MatterAclTarget *q)
{
  return p->has_cluster == q->has_cluster && (!p->has_cluster || p->cluster == q->cluster) &&
         p->has_endpoint == q->has_endpoint && (!p->has_endpoint || p->endpoint == q->endpoint) &&
         p->has_device_type == q->has_device_type &&
         (!p->has_device_type || p->device_type == q->device_type);
}

static gboolean
entries_equal(const MatterAclEntry *a, const MatterAclEntry *b)
{
  if (a->fabric_index != b->fabric_index || a->privilege != b->privilege ||
      a->auth_mode != b->auth_mode || a->subject_count != b->subject_count ||
      a->target_count != b->target_count)
    return FALSE;
  for (size_t i = 0; i < a->subject_count; i++)
    if (a->subjects[i] != b->subjects[i])
      return FALSE;
  for (size_t i = 0; i < a->target_count; i++)
    if (!targets_equal(&a->targets[i], &b->targets[i]))
      return FALSE;
  return TRUE;
}

/* One event per position that changed between the lists (9.10.7.1). */
static void
emit_changes(MdAccessControl *ac, const MdAclAdmin *admin, const GArray *before,
             const GArray *after, guint64 now_ms)
{
  guint common = MIN(before->len, after->len);

  for (guint i = 0; i < common; i++) {
    const MatterAclEntry *old = &g_array_index(before, MatterAclEntry, i);
    const MatterAclEntry *new = &g_array_index(after, MatterAclEntry, i);

    if (!entries_equal(old, new))
      emit_entry_changed(ac, admin, CHANGE_CHANGED, new, now_ms);
  }
  for (guint i = common; i < after->len; i++)
    emit_entry_changed(ac, admin, CHANGE_ADDED, &g_array_index(after, MatterAclEntry, i), now_ms);
  for (guint i = common; i < before->len; i++)
    emit_entry_changed(ac, admin, CHANGE_REMOVED, &g_array_index(before, MatterAclEntry, i),
                       now_ms);
}

void
md_access_control_entry_added(MdAccessControl *ac, const MatterAclEntry *entry,
                              const MatterDmRequest *request)
{
  MdAclAdmin admin = admin_of(request);

  emit_entry_changed(ac, &admin, CHANGE_ADDED, entry, request->now_ms);
  md_access_control_changed(ac);
}

/* AccessControlExtensionChanged (9.10.9.2). */
typedef struct {
  MdAclAdmin admin;
  guint8 change;
  guint8 fabric_index;
  GBytes *data;
} ExtensionChanged;

static MatterError
encode_extension_changed(void *user_data, MatterTlvWriter *w, MatterTlvTag tag)
{
  const ExtensionChanged *e = user_data;

  matter_tlv_start_structure(w, tag);
  put_admin(w, &e->admin);
  matter_tlv_put_uint(w, matter_tlv_tag_context(3), e->change);
  put_extension(w, matter_tlv_tag_context(4), e->fabric_index, e->data, TRUE);
  matter_tlv_put_uint(w, matter_tlv_tag_context(FIELD_FABRIC_INDEX), e->fabric_index);
  return matter_tlv_end_container(w);
}

static void
emit_extension_changed(MdAccessControl *ac, GBytes *before, guint64 now_ms)
{
  ExtensionChanged fields = {
    .admin = ac->ext_ready_admin,
    .fabric_index = ac->ext_ready_fabric,
    .data = ac->ext_ready != NULL ? ac->ext_ready : before,
  };
  MatterEvent event = {
    .cluster = md_access_control_class.id,
    .event = EVENT_ACCESS_CONTROL_EXTENSION_CHANGED,
    .priority = MATTER_EVENT_PRIORITY_INFO,
    .fabric_index = ac->ext_ready_fabric,
    .encode = encode_extension_changed,
    .encode_data = &fields,
  };
  MatterError err;

  if (before == NULL && ac->ext_ready == NULL)
    return;
  if (before != NULL && ac->ext_ready != NULL && g_bytes_equal(before, ac->ext_ready))
    return;
  fields.change = before == NULL ? CHANGE_ADDED : ac->ext_ready == NULL ? CHANGE_REMOVED
                                                                        : CHANGE_CHANGED;
  if (ac->events == NULL)
    return;
  err = matter_event_log_emit(ac->events, &event, now_ms, NULL);
  if (err != MATTER_OK)
    g_warning("Cannot log AccessControlExtensionChanged: %s", matter_error_str(err));
}

static gboolean
apply_extension(MdAccessControl *ac, guint64 now_ms)
{
  const MdFabric *fabric;
  g_autoptr(GBytes) before = NULL;

  if (!ac->ext_has_ready)
    return FALSE;
  fabric = md_fabric_table_get(ac->fabrics, ac->ext_ready_fabric);
  before = fabric != NULL && fabric->acl_extension != NULL ? g_bytes_ref(fabric->acl_extension)
                                                           : NULL;
  md_fabric_table_set_extension(ac->fabrics, ac->ext_ready_fabric, ac->ext_ready);
  emit_extension_changed(ac, before, now_ms);
  if (ac->dm != NULL)
    matter_dm_mark(ac->dm, ac->cluster, ATTR_EXTENSION);
  ac->ext_has_ready = FALSE;
  g_clear_pointer(&ac->ext_ready, g_bytes_unref);
  return TRUE;
}

gboolean
md_access_control_apply(MdAccessControl *ac, guint64 now_ms)
{
  const MdFabric *fabric;
  g_autoptr(GArray) before = NULL;
  gboolean changed = apply_extension(ac, now_ms);

  if (!ac->has_ready)
    return changed;
  fabric = md_fabric_table_get(ac->fabrics, ac->ready_fabric);
  before = fabric != NULL ? g_array_copy(fabric->acl)
                          : g_array_new(FALSE, TRUE, sizeof(MatterAclEntry));
  md_fabric_table_set_acl(ac->fabrics, ac->ready_fabric, (const MatterAclEntry *) ac->ready->data,
                          ac->ready->len);
  emit_changes(ac, &ac->ready_admin, before, ac->ready, now_ms);
  g_message("Access Control: fabric %u has %u entries now", ac->ready_fabric, ac->ready->len);
  if (ac->dm != NULL)
    matter_dm_mark(ac->dm, ac->cluster, ATTR_ACL);
  ac->has_ready = FALSE;
  g_array_set_size(ac->ready, 0);
  return TRUE;
}

void
md_access_control_drop(MdAccessControl *ac)
{
  ac->has_ready = FALSE;
  g_array_set_size(ac->ready, 0);
  ac->ext_has_ready = FALSE;
  g_clear_pointer(&ac->ext_ready, g_bytes_unref);
}

const MatterDmClass md_access_control_class = {
  .id = 0x001F,
  .revision = 2,
  .name = "Access Control",
  .attributes = attributes,
  .attribute_count = G_N_ELEMENTS(attributes),
  .events = event_table,
  .event_count = G_N_ELEMENTS(event_table),
  .read = read_attribute,
  .write = write_attribute,
  .list_write_done = list_write_done,
};
