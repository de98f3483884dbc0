/* SPDX-License-Identifier: Apache-2.0 */
/* Groups (0x0004), revision 4: Matter SDK data_model/1.4.2/clusters/
 * Groups.xml (ids, privileges, fields and their constraints), with the
 * effects on receipt of the Application Cluster specification's Groups
 * cluster for the order of the checks and the status each answers.
 *
 * With the GroupNames feature: NameSupport has its GroupNames bit, and a
 * group keeps the name AddGroup gave it last (one name per group of a
 * fabric, whichever endpoint it was given on). The Group Table is the
 * node's, shared by the cluster on every endpoint: fabric-scoped, at most
 * MD_GROUPS_PER_FABRIC_MAX groups a fabric, kept in the store one row per
 * endpoint of a group. Group Key Management shows it as GroupTable and
 * holds the GroupKeyMap that AddGroup asks about. */
#define G_LOG_DOMAIN "matterd"

#include "clusters.h"

#include <string.h>

#include "matter/acl.h"
#include "matter/crypto.h"

enum {
  ATTR_NAME_SUPPORT = 0x0000,
};

enum {
  CMD_ADD_GROUP = 0x00,
  CMD_VIEW_GROUP = 0x01,
  CMD_GET_GROUP_MEMBERSHIP = 0x02,
  CMD_REMOVE_GROUP = 0x03,
  CMD_REMOVE_ALL_GROUPS = 0x04,
  CMD_ADD_GROUP_IF_IDENTIFYING = 0x05,
};

/* The responses share their requests' ids. */
enum {
  CMD_ADD_GROUP_RESPONSE = 0x00,
  CMD_VIEW_GROUP_RESPONSE = 0x01,
  CMD_GET_GROUP_MEMBERSHIP_RESPONSE = 0x02,
  CMD_REMOVE_GROUP_RESPONSE = 0x03,
};

#define FEATURE_GROUP_NAMES 0x1
#define NAME_SUPPORT_GROUP_NAMES 0x80 /* NameSupportBitmap bit 7 */

/* GroupInfoMapStruct (Group Key Management) fields. */
enum {
  FIELD_INFO_GROUP_ID = 1,
  FIELD_INFO_ENDPOINTS = 2,
  FIELD_INFO_GROUP_NAME = 3,
  FIELD_INFO_FABRIC_INDEX = 0xFE,
};

static const MatterDmAttribute attributes[] = {
  { ATTR_NAME_SUPPORT, MATTER_DM_FIXED, MATTER_ACL_PRIVILEGE_VIEW, 0, 0 },
};

static const MatterDmCommand commands[] = {
  { CMD_ADD_GROUP, CMD_ADD_GROUP_RESPONSE, MATTER_ACL_PRIVILEGE_MANAGE, MATTER_DM_FABRIC_SCOPED,
    0 },
  { CMD_VIEW_GROUP, CMD_VIEW_GROUP_RESPONSE, MATTER_ACL_PRIVILEGE_OPERATE, MATTER_DM_FABRIC_SCOPED,
    0 },
  { CMD_GET_GROUP_MEMBERSHIP, CMD_GET_GROUP_MEMBERSHIP_RESPONSE, MATTER_ACL_PRIVILEGE_OPERATE,
    MATTER_DM_FABRIC_SCOPED, 0 },
  { CMD_REMOVE_GROUP, CMD_REMOVE_GROUP_RESPONSE, MATTER_ACL_PRIVILEGE_MANAGE,
    MATTER_DM_FABRIC_SCOPED, 0 },
  { CMD_REMOVE_ALL_GROUPS, MATTER_DM_NO_RESPONSE, MATTER_ACL_PRIVILEGE_MANAGE,
    MATTER_DM_FABRIC_SCOPED, 0 },
  { CMD_ADD_GROUP_IF_IDENTIFYING, MATTER_DM_NO_RESPONSE, MATTER_ACL_PRIVILEGE_MANAGE,
    MATTER_DM_FABRIC_SCOPED, 0 },
};

struct _MdGroups {
  const MdNodeStorage *storage; /* not owned */
  MdGroupKeyManagement *group_keys;
  const MdGroupsOps *ops;
  gpointer user_data;
  GArray *members; /* of MdGroupMembershipRecord, by fabric index, group id, endpoint */
};

/* ---- The Group Table in memory ---- */

static MdGroupMembershipRecord *
member_at(GArray *members, guint i)
{
  return &g_array_index(members, MdGroupMembershipRecord, i);
}

static int
compare_key(const MdGroupMembershipRecord *m, guint8 fabric_index, guint16 group_id,
            guint16 endpoint)
{
  if (m->fabric_index != fabric_index)
    return m->fabric_index < fabric_index ? -1 : 1;
  if (m->group_id != group_id)
    return m->group_id < group_id ? -1 : 1;
  if (m->endpoint != endpoint)
    return m->endpoint < endpoint ? -1 : 1;
  return 0;
}

/* The position of the membership, or where it would go. */
static guint
find_member(const MdGroups *self, guint8 fabric_index, guint16 group_id, guint16 endpoint,
            gboolean *found)
{
  guint i;

  *found = FALSE;
  for (i = 0; i < self->members->len; i++) {
    int c = compare_key(member_at(self->members, i), fabric_index, group_id, endpoint);

    if (c >= 0) {
      *found = c == 0;
      break;
    }
  }
  return i;
}

/* Distinct groups of the fabric, and endpoints of one of its groups. */
static guint
count_groups(const MdGroups *self, guint8 fabric_index)
{
  guint n = 0;

  for (guint i = 0; i < self->members->len; i++) {
    const MdGroupMembershipRecord *m = member_at(self->members, i);

    n += m->fabric_index == fabric_index &&
         (i == 0 || member_at(self->members, i - 1)->fabric_index != fabric_index ||
          member_at(self->members, i - 1)->group_id != m->group_id);
  }
  return n;
}

static guint
count_endpoints(const MdGroups *self, guint8 fabric_index, guint16 group_id)
{
  guint n = 0;

  for (guint i = 0; i < self->members->len; i++) {
    const MdGroupMembershipRecord *m = member_at(self->members, i);

    n += m->fabric_index == fabric_index && m->group_id == group_id;
  }
  return n;
}

static void
table_changed(MdGroups *self)
{
  md_group_key_management_group_table_changed(self->group_keys);
}

/* ---- Life cycle ---- */

MdGroups *
md_groups_new(const MdNodeStorage *storage, MdGroupKeyManagement *group_keys,
              const MdGroupsOps *ops, gpointer user_data, GError **error)
{
  GArray *members = md_node_storage_load_group_memberships(storage, error);
  MdGroups *self;

  if (members == NULL)
    return NULL;
  self = g_new0(MdGroups, 1);
  self->storage = storage;
  self->group_keys = group_keys;
  self->ops = ops;
  self->user_data = user_data;
  self->members = members;
  md_group_key_management_set_groups(group_keys, self);
  g_debug("Loaded %u group memberships", members->len);
  return self;
}

void
md_groups_free(MdGroups *self)
{
  if (self == NULL)
    return;
  md_group_key_management_set_groups(self->group_keys, NULL);
  g_array_unref(self->members);
  g_free(self);
}

void
md_groups_set_ops(MdGroups *self, const MdGroupsOps *ops, gpointer user_data)
{
  self->ops = ops;
  self->user_data = user_data;
}

void
md_groups_cluster_init(MdGroups *self, MatterDmCluster *cluster, guint16 endpoint, uint64_t *ticks)
{
  uint32_t version = 0;

  (void) matter_random((uint8_t *) &version, sizeof(version));
  *cluster = (MatterDmCluster){
    .cls = &md_groups_class,
    .endpoint = endpoint,
    .feature_map = FEATURE_GROUP_NAMES,
    .data_version = version,
    .ticks = ticks,
    .state = self,
  };
}

gboolean
md_groups_stage_remove_endpoint(MdGroups *self, guint16 endpoint, GError **error)
{
  for (guint i = 0; i < self->members->len; i++) {
    const MdGroupMembershipRecord *m = member_at(self->members, i);

    if (m->endpoint == endpoint &&
        !md_node_storage_delete_group_membership(self->storage, m->fabric_index, m->group_id,
                                                 endpoint, error))
      return FALSE;
  }
  return TRUE;
}

void
md_groups_apply_remove_endpoint(MdGroups *self, guint16 endpoint)
{
  gboolean any = FALSE;

  for (guint i = self->members->len; i > 0; i--)
    if (member_at(self->members, i - 1)->endpoint == endpoint) {
      g_array_remove_index(self->members, i - 1);
      any = TRUE;
    }
  if (any)
    table_changed(self);
}

gboolean
md_groups_remove_endpoint(MdGroups *self, guint16 endpoint, GError **error)
{
  if (!md_node_storage_begin(self->storage, error))
    return FALSE;
  if (!md_groups_stage_remove_endpoint(self, endpoint, error) ||
      !md_node_storage_commit(self->storage, error)) {
    md_node_storage_rollback(self->storage);
    return FALSE;
  }
  md_groups_apply_remove_endpoint(self, endpoint);
  return TRUE;
}

void
md_groups_remove_fabric(MdGroups *self, guint8 fabric_index)
{
  guint len = self->members->len;

  for (guint i = self->members->len; i > 0; i--)
    if (member_at(self->members, i - 1)->fabric_index == fabric_index)
      g_array_remove_index(self->members, i - 1);
  if (self->members->len != len)
    table_changed(self);
}

gboolean
md_groups_is_member(const MdGroups *self, guint8 fabric_index, guint16 group_id, guint16 endpoint)
{
  gboolean found;

  find_member(self, fabric_index, group_id, endpoint, &found);
  return found;
}

/* ---- GroupTable (Group Key Management) ---- */

/* The group whose rows start at @i: one GroupInfoMapStruct; the index
 * past its rows. */
static guint
put_group_info(const MdGroups *self, guint i, MatterTlvWriter *w)
{
  const MdGroupMembershipRecord *first = member_at(self->members, i);

  matter_tlv_start_structure(w, matter_tlv_tag_anonymous());
  matter_tlv_put_uint(w, matter_tlv_tag_context(FIELD_INFO_GROUP_ID), first->group_id);
  matter_tlv_start_array(w, matter_tlv_tag_context(FIELD_INFO_ENDPOINTS));
  for (; i < self->members->len; i++) {
    const MdGroupMembershipRecord *m = member_at(self->members, i);

    if (m->fabric_index != first->fabric_index || m->group_id != first->group_id)
      break;
    matter_tlv_put_uint(w, matter_tlv_tag_anonymous(), m->endpoint);
  }
  matter_tlv_end_container(w);
  if (first->name[0] != '\0')
    matter_tlv_put_string(w, matter_tlv_tag_context(FIELD_INFO_GROUP_NAME), first->name);
  matter_tlv_put_uint(w, matter_tlv_tag_context(FIELD_INFO_FABRIC_INDEX), first->fabric_index);
  matter_tlv_end_container(w);
  return i;
}

void
md_groups_put_group_table(const MdGroups *self, const MatterDmRequest *request, MatterTlvWriter *w,
                          MatterTlvTag tag)
{
  guint i = 0;

  matter_tlv_start_array(w, tag);
  while (i < self->members->len) {
    const MdGroupMembershipRecord *m = member_at(self->members, i);

    if (request->fabric_filtered && m->fabric_index != request->subject->fabric_index)
      i++;
    else
      i = put_group_info(self, i, w);
  }
  matter_tlv_end_container(w);
}

/* ---- Attributes ---- */

static uint8_t
read_attribute(MatterDmCluster *cluster, const MatterDmRequest *request, uint32_t attribute,
               MatterTlvWriter *w, MatterTlvTag tag)
{
  switch (attribute) {
  case ATTR_NAME_SUPPORT:
    matter_tlv_put_uint(w, tag, NAME_SUPPORT_GROUP_NAMES);
    return MATTER_IM_STATUS_SUCCESS;
  default:
    return MATTER_IM_STATUS_UNSUPPORTED_ATTRIBUTE;
  }
}

/* ---- Changing the Group Table ---- */

/* Stores @rows (puts) and the deletion of the endpoint's membership
 * @removed (NULL: none) in one transaction. */
static gboolean
store_rows(MdGroups *self, GArray *rows, const MdGroupMembershipRecord *removed)
{
  g_autoptr(GError) error = NULL;
  gboolean ok = md_node_storage_begin(self->storage, &error);

  for (guint i = 0; ok && rows != NULL && i < rows->len; i++)
    ok = md_node_storage_put_group_membership(self->storage, member_at(rows, i), &error);
  if (ok && removed != NULL)
    ok = md_node_storage_delete_group_membership(self->storage, removed->fabric_index,
                                                 removed->group_id, removed->endpoint, &error);
  if (ok && md_node_storage_commit(self->storage, &error))
    return TRUE;
  g_warning("Cannot store the group table: %s", error->message);
  md_node_storage_rollback(self->storage);
  return FALSE;
}

/* AddGroup's effect once its fields passed: @endpoint joins the group,
 * and every row of the group takes @name. */
static uint8_t
add_group(MdGroups *self, guint8 fabric_index, guint16 endpoint, guint16 group_id, const char *name,
          size_t name_len)
{
  g_autoptr(GArray) rows = g_array_new(FALSE, TRUE, sizeof(MdGroupMembershipRecord));
  MdGroupMembershipRecord joining = { fabric_index, group_id, endpoint, "" };
  guint endpoints = count_endpoints(self, fabric_index, group_id);
  gboolean found;
  guint at;

  if (!md_group_key_management_group_has_key(self->group_keys, fabric_index, group_id))
    return MATTER_IM_STATUS_UNSUPPORTED_ACCESS;
  at = find_member(self, fabric_index, group_id, endpoint, &found);
  if (!found && ((endpoints == 0 && count_groups(self, fabric_index) >= MD_GROUPS_PER_FABRIC_MAX) ||
                 endpoints >= MD_GROUP_ENDPOINTS_MAX))
    return MATTER_IM_STATUS_RESOURCE_EXHAUSTED;

  memcpy(joining.name, name, name_len);
  for (guint i = 0; i < self->members->len; i++) {
    const MdGroupMembershipRecord *m = member_at(self->members, i);

    if (m->fabric_index == fabric_index && m->group_id == group_id && m->endpoint != endpoint) {
      MdGroupMembershipRecord renamed = *m;

      memcpy(renamed.name, joining.name, sizeof(renamed.name));
      g_array_append_val(rows, renamed);
    }
  }
  g_array_append_val(rows, joining);
  if (!store_rows(self, rows, NULL))
    return MATTER_IM_STATUS_FAILURE;
  if (!found)
    g_array_insert_val(self->members, at, joining);
  for (guint i = 0; i < self->members->len; i++) {
    MdGroupMembershipRecord *m = member_at(self->members, i);

    if (m->fabric_index == fabric_index && m->group_id == group_id)
      memcpy(m->name, joining.name, sizeof(m->name));
  }
  table_changed(self);
  g_debug("Endpoint %u joined group 0x%04x of fabric %u", endpoint, group_id, fabric_index);
  return MATTER_IM_STATUS_SUCCESS;
}

static uint8_t
remove_member(MdGroups *self, guint8 fabric_index, guint16 endpoint, guint16 group_id)
{
  gboolean found;
  guint at = find_member(self, fabric_index, group_id, endpoint, &found);

  if (!found)
    return MATTER_IM_STATUS_NOT_FOUND;
  if (!store_rows(self, NULL, member_at(self->members, at)))
    return MATTER_IM_STATUS_FAILURE;
  g_array_remove_index(self->members, at);
  table_changed(self);
  return MATTER_IM_STATUS_SUCCESS;
}

/* ---- Commands ---- */

static MatterDmInvokeResult
status_result(uint8_t status)
{
  return (MatterDmInvokeResult){ .status = status };
}

static MatterDmInvokeResult
response_result(uint32_t response_id)
{
  return (MatterDmInvokeResult){
    .status = MATTER_IM_STATUS_SUCCESS,
    .has_response = true,
    .response_id = response_id,
  };
}

/* GroupID and, for the adding commands, GroupName: FALSE when one is
 * missing or of another type (INVALID_COMMAND). */
static gboolean
decode_group_id(MatterTlvReader *fields, guint16 *group_id)
{
  return fields != NULL && matter_tlv_get_context_u16(fields, 0, group_id) == MATTER_OK;
}

static gboolean
decode_group_name(MatterTlvReader *fields, const char **name, size_t *len)
{
  return fields != NULL && matter_tlv_get_context_utf8(fields, 1, name, len) == MATTER_OK;
}

/* The checks AddGroup and AddGroupIfIdentifying share, on their fields. */
static uint8_t
check_add_fields(guint16 group_id, size_t name_len)
{
  if (group_id == 0 || name_len > MD_GROUP_NAME_MAX)
    return MATTER_IM_STATUS_CONSTRAINT_ERROR;
  return MATTER_IM_STATUS_SUCCESS;
}

/* A response of a status and a group id: AddGroupResponse,
 * RemoveGroupResponse. */
static MatterDmInvokeResult
status_response(MatterTlvWriter *response, MatterTlvTag tag, uint32_t response_id, uint8_t status,
                guint16 group_id)
{
  matter_tlv_start_structure(response, tag);
  matter_tlv_put_uint(response, matter_tlv_tag_context(0), status);
  matter_tlv_put_uint(response, matter_tlv_tag_context(1), group_id);
  matter_tlv_end_container(response);
  return response_result(response_id);
}

static MatterDmInvokeResult
cmd_add_group(MdGroups *self, guint8 fabric_index, guint16 endpoint, MatterTlvReader *fields,
              MatterTlvWriter *response, MatterTlvTag tag)
{
  guint16 group_id;
  const char *name;
  size_t len;
  uint8_t status;

  if (!decode_group_id(fields, &group_id) || !decode_group_name(fields, &name, &len))
    return status_result(MATTER_IM_STATUS_INVALID_COMMAND);
  status = check_add_fields(group_id, len);
  if (status == MATTER_IM_STATUS_SUCCESS)
    status = add_group(self, fabric_index, endpoint, group_id, name, len);
  return status_response(response, tag, CMD_ADD_GROUP_RESPONSE, status, group_id);
}

static MatterDmInvokeResult
cmd_view_group(MdGroups *self, guint8 fabric_index, guint16 endpoint, MatterTlvReader *fields,
               MatterTlvWriter *response, MatterTlvTag tag)
{
  const char *name = "";
  uint8_t status = MATTER_IM_STATUS_SUCCESS;
  guint16 group_id;
  gboolean found;
  guint at;

  if (!decode_group_id(fields, &group_id))
    return status_result(MATTER_IM_STATUS_INVALID_COMMAND);
  at = find_member(self, fabric_index, group_id, endpoint, &found);
  if (group_id == 0)
    status = MATTER_IM_STATUS_CONSTRAINT_ERROR;
  else if (!found)
    status = MATTER_IM_STATUS_NOT_FOUND;
  else
    name = member_at(self->members, at)->name;
  matter_tlv_start_structure(response, tag);
  matter_tlv_put_uint(response, matter_tlv_tag_context(0), status);
  matter_tlv_put_uint(response, matter_tlv_tag_context(1), group_id);
  matter_tlv_put_string(response, matter_tlv_tag_context(2), name);
  matter_tlv_end_container(response);
  return response_result(CMD_VIEW_GROUP_RESPONSE);
}

/* Whether @group_id is in the request's GroupList, which
 * validate_group_list() checked. */
static gboolean
list_has(const MatterTlvReader *list, guint16 group_id)
{
  MatterTlvReader r = *list;
  guint16 id;

  while (matter_tlv_next(&r) == MATTER_OK)
    if (matter_tlv_get_u16(&r, &id) == MATTER_OK && id == group_id)
      return TRUE;
  return FALSE;
}

/* Every entry a group id (0 included: it matches no group). */
static gboolean
validate_group_list(const MatterTlvReader *list, gboolean *empty)
{
  MatterTlvReader r = *list;
  MatterError err;
  guint16 id;

  *empty = TRUE;
  while ((err = matter_tlv_next(&r)) == MATTER_OK) {
    if (matter_tlv_get_u16(&r, &id) != MATTER_OK)
      return FALSE;
    *empty = FALSE;
  }
  return err == MATTER_ERROR_TLV_END;
}

/* Capacity: how many more groups the fabric may add (below 0xFE, so an
 * exact count). */
static guint8
capacity(const MdGroups *self, guint8 fabric_index)
{
  guint used = count_groups(self, fabric_index);

  return used >= MD_GROUPS_PER_FABRIC_MAX ? 0 : (guint8) (MD_GROUPS_PER_FABRIC_MAX - used);
}

static MatterDmInvokeResult
cmd_get_group_membership(MdGroups *self, guint8 fabric_index, guint16 endpoint,
                         MatterTlvReader *fields, MatterTlvWriter *response, MatterTlvTag tag)
{
  MatterTlvReader list;
  gboolean all;

  if (fields == NULL)
    return status_result(MATTER_IM_STATUS_INVALID_COMMAND);
  list = *fields;
  if (matter_tlv_enter_context(&list, 0, MATTER_TLV_TYPE_ARRAY) != MATTER_OK ||
      !validate_group_list(&list, &all))
    return status_result(MATTER_IM_STATUS_INVALID_COMMAND);
  matter_tlv_start_structure(response, tag);
  matter_tlv_put_uint(response, matter_tlv_tag_context(0), capacity(self, fabric_index));
  matter_tlv_start_array(response, matter_tlv_tag_context(1));
  for (guint i = 0; i < self->members->len; i++) {
    const MdGroupMembershipRecord *m = member_at(self->members, i);

    if (m->fabric_index == fabric_index && m->endpoint == endpoint &&
        (all || list_has(&list, m->group_id)))
      matter_tlv_put_uint(response, matter_tlv_tag_anonymous(), m->group_id);
  }
  matter_tlv_end_container(response);
  matter_tlv_end_container(response);
  return response_result(CMD_GET_GROUP_MEMBERSHIP_RESPONSE);
}

static MatterDmInvokeResult
cmd_remove_group(MdGroups *self, guint8 fabric_index, guint16 endpoint, MatterTlvReader *fields,
                 MatterTlvWriter *response, MatterTlvTag tag)
{
  guint16 group_id;
  uint8_t status;

  if (!decode_group_id(fields, &group_id))
    return status_result(MATTER_IM_STATUS_INVALID_COMMAND);
  if (group_id == 0)
    status = MATTER_IM_STATUS_CONSTRAINT_ERROR;
  else
    status = remove_member(self, fabric_index, endpoint, group_id);
  return status_response(response, tag, CMD_REMOVE_GROUP_RESPONSE, status, group_id);
}

static MatterDmInvokeResult
cmd_remove_all_groups(MdGroups *self, guint8 fabric_index, guint16 endpoint)
{
  g_autoptr(GError) error = NULL;
  gboolean ok = md_node_storage_begin(self->storage, &error);
  guint removed = 0;

  for (guint i = 0; ok && i < self->members->len; i++) {
    const MdGroupMembershipRecord *m = member_at(self->members, i);

    if (m->fabric_index == fabric_index && m->endpoint == endpoint) {
      ok = md_node_storage_delete_group_membership(self->storage, fabric_index, m->group_id,
                                                   endpoint, &error);
      removed++;
    }
  }
  if (!ok || !md_node_storage_commit(self->storage, &error)) {
    g_warning("Cannot store the group table: %s", error->message);
    md_node_storage_rollback(self->storage);
    return status_result(MATTER_IM_STATUS_FAILURE);
  }
  for (guint i = self->members->len; i > 0; i--) {
    const MdGroupMembershipRecord *m = member_at(self->members, i - 1);

    if (m->fabric_index == fabric_index && m->endpoint == endpoint)
      g_array_remove_index(self->members, i - 1);
  }
  if (removed > 0)
    table_changed(self);
  return status_result(MATTER_IM_STATUS_SUCCESS);
}

static gboolean
identifying(const MdGroups *self, guint16 endpoint)
{
  return self->ops != NULL && self->ops->identifying != NULL &&
         self->ops->identifying(self->user_data, endpoint);
}

/* AddGroup's effect, answered with a status, and only while the endpoint
 * identifies: otherwise nothing changes and the answer is SUCCESS. */
static MatterDmInvokeResult
cmd_add_group_if_identifying(MdGroups *self, guint8 fabric_index, guint16 endpoint,
                             MatterTlvReader *fields)
{
  guint16 group_id;
  const char *name;
  size_t len;
  uint8_t status;

  if (!decode_group_id(fields, &group_id) || !decode_group_name(fields, &name, &len))
    return status_result(MATTER_IM_STATUS_INVALID_COMMAND);
  status = check_add_fields(group_id, len);
  if (status == MATTER_IM_STATUS_SUCCESS && identifying(self, endpoint))
    status = add_group(self, fabric_index, endpoint, group_id, name, len);
  return status_result(status);
}

static MatterDmInvokeResult
invoke(MatterDmCluster *cluster, const MatterDmRequest *request, uint32_t command,
       MatterTlvReader *fields, MatterTlvWriter *response, MatterTlvTag tag)
{
  MdGroups *self = cluster->state;
  guint8 fabric_index = request->subject->fabric_index;
  guint16 endpoint = cluster->endpoint;

  /* Every command is fabric-scoped: the engine grants none without an
   * accessing fabric, but a PASE session before AddNOC has index 0. */
  if (fabric_index == 0)
    return status_result(MATTER_IM_STATUS_UNSUPPORTED_ACCESS);
  switch (command) {
  case CMD_ADD_GROUP:
    return cmd_add_group(self, fabric_index, endpoint, fields, response, tag);
  case CMD_VIEW_GROUP:
    return cmd_view_group(self, fabric_index, endpoint, fields, response, tag);
  case CMD_GET_GROUP_MEMBERSHIP:
    return cmd_get_group_membership(self, fabric_index, endpoint, fields, response, tag);
  case CMD_REMOVE_GROUP:
    return cmd_remove_group(self, fabric_index, endpoint, fields, response, tag);
  case CMD_REMOVE_ALL_GROUPS:
    return cmd_remove_all_groups(self, fabric_index, endpoint);
  case CMD_ADD_GROUP_IF_IDENTIFYING:
    return cmd_add_group_if_identifying(self, fabric_index, endpoint, fields);
  default:
    return status_result(MATTER_IM_STATUS_UNSUPPORTED_COMMAND);
  }
}

const MatterDmClass md_groups_class = {
  .id = 0x0004,
  .revision = 4,
  .name = "Groups",
  .attributes = attributes,
  .attribute_count = G_N_ELEMENTS(attributes),
  .commands = commands,
  .command_count = G_N_ELEMENTS(commands),
  .read = read_attribute,
  .invoke = invoke,
};
