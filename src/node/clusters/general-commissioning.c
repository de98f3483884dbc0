/* SPDX-License-Identifier: Apache-2.0 */
/* General Commissioning (0x0030), revision 2: Matter SDK
 * data_model/1.4.2/clusters/GeneralCommissioningCluster.xml, without the
 * TermsAndConditions feature. The cluster decides ArmFailSafe,
 * SetRegulatoryConfig and CommissioningComplete; what expiry and
 * completion do to sessions, the window and fabrics is the node's. */
#define G_LOG_DOMAIN "matterd"

#include "clusters.h"

#include <string.h>

#include "matter/acl.h"
#include "matter/im-engine.h"
#include "md-error.h"

#define KEY_REGULATORY_CONFIG "general-commissioning/regulatory-config"
#define KEY_COUNTRY_CODE "general-commissioning/country-code"

enum {
  ATTR_BREADCRUMB = 0x0000,
  ATTR_BASIC_COMMISSIONING_INFO = 0x0001,
  ATTR_REGULATORY_CONFIG = 0x0002,
  ATTR_LOCATION_CAPABILITY = 0x0003,
  ATTR_SUPPORTS_CONCURRENT_CONNECTION = 0x0004,
};

enum {
  CMD_ARM_FAIL_SAFE = 0x00,
  CMD_ARM_FAIL_SAFE_RESPONSE = 0x01,
  CMD_SET_REGULATORY_CONFIG = 0x02,
  CMD_SET_REGULATORY_CONFIG_RESPONSE = 0x03,
  CMD_COMMISSIONING_COMPLETE = 0x04,
  CMD_COMMISSIONING_COMPLETE_RESPONSE = 0x05,
};

static const MatterDmAttribute attributes[] = {
  { ATTR_BREADCRUMB, 0, MATTER_ACL_PRIVILEGE_VIEW, MATTER_ACL_PRIVILEGE_ADMINISTER, 0 },
  { ATTR_BASIC_COMMISSIONING_INFO, MATTER_DM_FIXED, MATTER_ACL_PRIVILEGE_VIEW, 0, 0 },
  { ATTR_REGULATORY_CONFIG, 0, MATTER_ACL_PRIVILEGE_VIEW, 0, 0 },
  { ATTR_LOCATION_CAPABILITY, MATTER_DM_FIXED, MATTER_ACL_PRIVILEGE_VIEW, 0, 0 },
  { ATTR_SUPPORTS_CONCURRENT_CONNECTION, MATTER_DM_FIXED, MATTER_ACL_PRIVILEGE_VIEW, 0, 0 },
};

static const MatterDmCommand commands[] = {
  { CMD_ARM_FAIL_SAFE, CMD_ARM_FAIL_SAFE_RESPONSE, MATTER_ACL_PRIVILEGE_ADMINISTER, 0, 0 },
  { CMD_SET_REGULATORY_CONFIG, CMD_SET_REGULATORY_CONFIG_RESPONSE,
    MATTER_ACL_PRIVILEGE_ADMINISTER, 0, 0 },
  { CMD_COMMISSIONING_COMPLETE, CMD_COMMISSIONING_COMPLETE_RESPONSE,
    MATTER_ACL_PRIVILEGE_ADMINISTER, MATTER_DM_FABRIC_SCOPED, 0 },
};

gboolean
md_general_commissioning_init(MdGeneralCommissioning *gc, const MdNodeStorage *storage,
                              const MdGeneralCommissioningOps *ops, gpointer user_data,
                              GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GBytes) country = NULL;
  guint64 config;

  *gc = (MdGeneralCommissioning) {
    .storage = storage,
    .ops = ops,
    .user_data = user_data,
    .location_capability = MD_REGULATORY_INDOOR_OUTDOOR,
    .regulatory_config = MD_REGULATORY_INDOOR_OUTDOOR,
    .country_code = "XX",
  };
  if (md_node_storage_get_uint64(storage, KEY_REGULATORY_CONFIG, &config, &local_error)) {
    if (config > MD_REGULATORY_INDOOR_OUTDOOR) {
      g_set_error(error, MD_ERROR, MD_ERROR_STORE_CORRUPT,
                  "Stored regulatory configuration %" G_GUINT64_FORMAT " is not valid", config);
      return FALSE;
    }
    gc->regulatory_config = (guint8) config;
  } else if (!g_error_matches(local_error, MD_ERROR, MD_ERROR_NOT_FOUND)) {
    g_propagate_error(error, g_steal_pointer(&local_error));
    return FALSE;
  }
  g_clear_error(&local_error);
  country = md_node_storage_get_bytes(storage, KEY_COUNTRY_CODE, &local_error);
  if (country != NULL) {
    if (g_bytes_get_size(country) != 2) {
      g_set_error(error, MD_ERROR, MD_ERROR_STORE_CORRUPT, "Stored country code is not valid");
      return FALSE;
    }
    memcpy(gc->country_code, g_bytes_get_data(country, NULL), 2);
  } else if (!g_error_matches(local_error, MD_ERROR, MD_ERROR_NOT_FOUND)) {
    g_propagate_error(error, g_steal_pointer(&local_error));
    return FALSE;
  }
  return TRUE;
}

static void
set_breadcrumb(MdGeneralCommissioning *gc, guint64 value)
{
  if (gc->breadcrumb == value)
    return;
  gc->breadcrumb = value;
  if (gc->dm != NULL)
    matter_dm_mark(gc->dm, gc->cluster, ATTR_BREADCRUMB);
}

void
md_general_commissioning_bind(MdGeneralCommissioning *gc, MatterDmNode *dm,
                              MatterDmCluster *cluster)
{
  gc->dm = dm;
  gc->cluster = cluster;
}

guint64
md_general_commissioning_next_deadline(const MdGeneralCommissioning *gc)
{
  return md_fail_safe_next_deadline(&gc->fail_safe);
}

void
md_general_commissioning_process(MdGeneralCommissioning *gc, guint64 now_ms)
{
  if (!md_fail_safe_process(&gc->fail_safe, now_ms))
    return;
  g_message("Fail-safe expired: rolling back the commissioning in progress");
  set_breadcrumb(gc, 0);
  gc->ops->expired(gc->user_data, now_ms);
}

void
md_general_commissioning_expire_soon(MdGeneralCommissioning *gc, guint64 now_ms)
{
  if (gc->fail_safe.armed)
    gc->fail_safe.deadline_ms = MIN(gc->fail_safe.deadline_ms, now_ms);
}

void
md_general_commissioning_session_closed(MdGeneralCommissioning *gc, const MatterSession *session,
                                        guint64 now_ms)
{
  if (!gc->fail_safe.armed || !gc->armed_over_pase ||
      session->kind != MATTER_SESSION_KIND_PASE ||
      session->local_session_id != gc->armed_session_id)
    return;
  g_message("The PASE session that armed the fail-safe closed: expiring it");
  md_general_commissioning_expire_soon(gc, now_ms);
}

gboolean
md_general_commissioning_fail_safe_armed(const MdGeneralCommissioning *gc, guint8 *fabric_index)
{
  if (fabric_index != NULL)
    *fabric_index = gc->fail_safe.fabric_index;
  return gc->fail_safe.armed;
}

void
md_general_commissioning_move_fail_safe(MdGeneralCommissioning *gc, guint8 fabric_index)
{
  g_return_if_fail(gc->fail_safe.armed);
  gc->fail_safe.fabric_index = fabric_index;
}

void
md_general_commissioning_apply_writes(MdGeneralCommissioning *gc)
{
  if (gc->has_staged_breadcrumb)
    set_breadcrumb(gc, gc->staged_breadcrumb);
  gc->has_staged_breadcrumb = FALSE;
}

void
md_general_commissioning_drop_writes(MdGeneralCommissioning *gc)
{
  gc->has_staged_breadcrumb = FALSE;
}

/* ---- Attributes ---- */

static uint8_t
read_attribute(MatterDmCluster *cluster, const MatterDmRequest *request, uint32_t attribute,
               MatterTlvWriter *w, MatterTlvTag tag)
{
  MdGeneralCommissioning *gc = cluster->state;

  switch (attribute) {
  case ATTR_BREADCRUMB:
    matter_tlv_put_uint(w, tag, gc->breadcrumb);
    break;
  case ATTR_BASIC_COMMISSIONING_INFO:
    matter_tlv_start_structure(w, tag);
    matter_tlv_put_uint(w, matter_tlv_tag_context(0), MD_FAIL_SAFE_EXPIRY_LENGTH_S);
    matter_tlv_put_uint(w, matter_tlv_tag_context(1), MD_FAIL_SAFE_MAX_CUMULATIVE_S);
    matter_tlv_end_container(w);
    break;
  case ATTR_REGULATORY_CONFIG:
    matter_tlv_put_uint(w, tag, gc->regulatory_config);
    break;
  case ATTR_LOCATION_CAPABILITY:
    matter_tlv_put_uint(w, tag, gc->location_capability);
    break;
  case ATTR_SUPPORTS_CONCURRENT_CONNECTION:
    /* Commissioning runs over the operational network itself (UDP), so
     * the commissioning channel and the operational one coexist. */
    matter_tlv_put_bool(w, tag, true);
    break;
  default:
    return MATTER_IM_STATUS_UNSUPPORTED_ATTRIBUTE;
  }
  return MATTER_IM_STATUS_SUCCESS;
}

static uint8_t
write_attribute(MatterDmCluster *cluster, const MatterDmRequest *request,
                const MatterImAttributePath *path, MatterTlvReader *value)
{
  MdGeneralCommissioning *gc = cluster->state;
  uint64_t breadcrumb;

  if (path->attribute != ATTR_BREADCRUMB)
    return MATTER_IM_STATUS_UNSUPPORTED_WRITE;
  if (path->list_index_kind != MATTER_IM_LIST_INDEX_NONE)
    return MATTER_IM_STATUS_INVALID_ACTION;
  if (matter_tlv_get_u64(value, &breadcrumb) != MATTER_OK)
    return MATTER_IM_STATUS_CONSTRAINT_ERROR;
  gc->staged_breadcrumb = breadcrumb;
  gc->has_staged_breadcrumb = TRUE;
  return MATTER_IM_STATUS_SUCCESS;
}

/* ---- Commands ---- */

static MatterDmInvokeResult
respond(MatterTlvWriter *response, MatterTlvTag tag, uint32_t response_id, MdCommissioningError code,
        const char *debug_text)
{
  MatterDmInvokeResult result = {
    .status = MATTER_IM_STATUS_SUCCESS,
    .has_response = true,
    .response_id = response_id,
  };

  matter_tlv_start_structure(response, tag);
  matter_tlv_put_uint(response, matter_tlv_tag_context(0), code);
  matter_tlv_put_string(response, matter_tlv_tag_context(1), debug_text);
  matter_tlv_end_container(response);
  return result;
}

static MatterDmInvokeResult
status_result(uint8_t status)
{
  return (MatterDmInvokeResult) { .status = status };
}

static guint8
accessing_fabric(const MatterDmRequest *request)
{
  return request->subject->fabric_index;
}

static MatterDmInvokeResult
arm_fail_safe(MdGeneralCommissioning *gc, const MatterDmRequest *request, MatterTlvReader *fields,
              MatterTlvWriter *response, MatterTlvTag tag)
{
  MdFailSafe *fs = &gc->fail_safe;
  uint16_t seconds;
  uint64_t breadcrumb;

  if (fields == NULL || matter_tlv_get_context_u16(fields, 0, &seconds) != MATTER_OK ||
      matter_tlv_get_context_u64(fields, 1, &breadcrumb) != MATTER_OK)
    return status_result(MATTER_IM_STATUS_INVALID_COMMAND);

  if (fs->armed && fs->fabric_index != accessing_fabric(request))
    return respond(response, tag, CMD_ARM_FAIL_SAFE_RESPONSE, MD_COMMISSIONING_BUSY_WITH_OTHER_ADMIN,
                   "Another administrator holds the fail-safe");
  /* A CASE administrator may not take the node from under a commissioner
   * the open window is for. */
  if (!fs->armed && request->session->kind == MATTER_SESSION_KIND_CASE &&
      gc->ops->window_open(gc->user_data))
    return respond(response, tag, CMD_ARM_FAIL_SAFE_RESPONSE, MD_COMMISSIONING_BUSY_WITH_OTHER_ADMIN,
                   "A commissioning window is open");

  if (seconds == 0) {
    md_general_commissioning_expire_soon(gc, request->now_ms);
  } else {
    md_fail_safe_arm(fs, accessing_fabric(request), seconds, request->now_ms);
    /* Armed over PASE, it lives no longer than that session. */
    gc->armed_over_pase = request->session->kind == MATTER_SESSION_KIND_PASE;
    gc->armed_session_id = request->session->local_session_id;
    g_debug("Fail-safe armed for %u s (fabric %u)", seconds, fs->fabric_index);
  }
  set_breadcrumb(gc, breadcrumb);
  return respond(response, tag, CMD_ARM_FAIL_SAFE_RESPONSE, MD_COMMISSIONING_OK, "");
}

static MatterDmInvokeResult
set_regulatory_config(MdGeneralCommissioning *gc, const MatterDmRequest *request,
                      MatterTlvReader *fields, MatterTlvWriter *response, MatterTlvTag tag)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) country = NULL;
  uint8_t config;
  const char *code;
  size_t code_len;
  uint64_t breadcrumb;

  if (fields == NULL || matter_tlv_get_context_u8(fields, 0, &config) != MATTER_OK ||
      matter_tlv_get_context_utf8(fields, 1, &code, &code_len) != MATTER_OK ||
      matter_tlv_get_context_u64(fields, 2, &breadcrumb) != MATTER_OK)
    return status_result(MATTER_IM_STATUS_INVALID_COMMAND);
  if (config > MD_REGULATORY_INDOOR_OUTDOOR || code_len != 2)
    return status_result(MATTER_IM_STATUS_CONSTRAINT_ERROR);
  if (gc->location_capability != MD_REGULATORY_INDOOR_OUTDOOR &&
      config != gc->location_capability)
    return respond(response, tag, CMD_SET_REGULATORY_CONFIG_RESPONSE,
                   MD_COMMISSIONING_VALUE_OUTSIDE_RANGE, "Not a location this node supports");

  /* Both values in one transaction: a crash keeps the old pair or the new. */
  country = g_bytes_new(code, 2);
  if (!md_node_storage_begin(gc->storage, &error) ||
      !md_node_storage_put_uint64(gc->storage, KEY_REGULATORY_CONFIG, config, &error) ||
      !md_node_storage_put_bytes(gc->storage, KEY_COUNTRY_CODE, country, &error) ||
      !md_node_storage_commit(gc->storage, &error)) {
    g_warning("Cannot store the regulatory configuration: %s", error->message);
    md_node_storage_rollback(gc->storage);
    return status_result(MATTER_IM_STATUS_FAILURE);
  }
  if (gc->regulatory_config != config) {
    gc->regulatory_config = config;
    if (gc->dm != NULL)
      matter_dm_mark(gc->dm, gc->cluster, ATTR_REGULATORY_CONFIG);
  }
  memcpy(gc->country_code, code, 2);
  set_breadcrumb(gc, breadcrumb);
  return respond(response, tag, CMD_SET_REGULATORY_CONFIG_RESPONSE, MD_COMMISSIONING_OK, "");
}

static MatterDmInvokeResult
commissioning_complete(MdGeneralCommissioning *gc, const MatterDmRequest *request,
                       MatterTlvWriter *response, MatterTlvTag tag)
{
  MdFailSafe *fs = &gc->fail_safe;
  guint8 fabric = accessing_fabric(request);

  if (!fs->armed)
    return respond(response, tag, CMD_COMMISSIONING_COMPLETE_RESPONSE, MD_COMMISSIONING_NO_FAIL_SAFE,
                   "No fail-safe is armed");
  if (request->session->kind != MATTER_SESSION_KIND_CASE)
    return respond(response, tag, CMD_COMMISSIONING_COMPLETE_RESPONSE,
                   MD_COMMISSIONING_INVALID_AUTHENTICATION, "CommissioningComplete needs CASE");
  /* 11.10.7.6: from the fabric the fail-safe is for, or not at all. */
  if (fs->fabric_index != fabric)
    return respond(response, tag, CMD_COMMISSIONING_COMPLETE_RESPONSE,
                   MD_COMMISSIONING_INVALID_AUTHENTICATION,
                   "The fail-safe is armed for another fabric");
  if (!gc->ops->complete(gc->user_data, fabric, request->now_ms))
    return status_result(MATTER_IM_STATUS_FAILURE);
  md_fail_safe_disarm(fs);
  set_breadcrumb(gc, 0);
  g_message("Commissioning complete on fabric %u", fabric);
  return respond(response, tag, CMD_COMMISSIONING_COMPLETE_RESPONSE, MD_COMMISSIONING_OK, "");
}

static MatterDmInvokeResult
invoke(MatterDmCluster *cluster, const MatterDmRequest *request, uint32_t command,
       MatterTlvReader *fields, MatterTlvWriter *response, MatterTlvTag tag)
{
  MdGeneralCommissioning *gc = cluster->state;

  switch (command) {
  case CMD_ARM_FAIL_SAFE:
    return arm_fail_safe(gc, request, fields, response, tag);
  case CMD_SET_REGULATORY_CONFIG:
    return set_regulatory_config(gc, request, fields, response, tag);
  case CMD_COMMISSIONING_COMPLETE:
    return commissioning_complete(gc, request, response, tag);
  default:
    return status_result(MATTER_IM_STATUS_UNSUPPORTED_COMMAND);
  }
}

const MatterDmClass md_general_commissioning_class = {
  .id = 0x0030,
  .revision = 2,
  .name = "General Commissioning",
  .attributes = attributes,
  .attribute_count = G_N_ELEMENTS(attributes),
  .commands = commands,
  .command_count = G_N_ELEMENTS(commands),
  .read = read_attribute,
  .write = write_attribute,
  .invoke = invoke,
};
