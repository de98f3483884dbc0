/* SPDX-License-Identifier: Apache-2.0 */
/* Administrator Commissioning (0x003C), revision 1, with the Basic
 * feature: Matter SDK data_model/1.4/clusters/AdminCommissioningCluster.xml
 * (the 1.4.2 set holds no newer revision). Opening a window is refused
 * while one is open or a fail-safe is armed; RevokeCommissioning expires
 * the fail-safe and closes the window. */
#define G_LOG_DOMAIN "matterd"

#include "clusters.h"

#include <string.h>

#include "commissioning.h"
#include "matter/acl.h"
#include "matter/crypto.h"
#include "matter/im-engine.h"

#define FEATURE_BASIC (1u << 0)
#define DISCRIMINATOR_MAX 0x0FFF
#define TIMEOUT_MIN_S 180
#define TIMEOUT_MAX_S 900

enum {
  ATTR_WINDOW_STATUS = 0x0000,
  ATTR_ADMIN_FABRIC_INDEX = 0x0001,
  ATTR_ADMIN_VENDOR_ID = 0x0002,
};

enum {
  CMD_OPEN_COMMISSIONING_WINDOW = 0x00,
  CMD_OPEN_BASIC_COMMISSIONING_WINDOW = 0x01,
  CMD_REVOKE_COMMISSIONING = 0x02,
};

/* The cluster's status codes. */
enum {
  STATUS_BUSY = 2,
  STATUS_PAKE_PARAMETER_ERROR = 3,
  STATUS_WINDOW_NOT_OPEN = 4,
};

/* CommissioningWindowStatusEnum. */
enum {
  WINDOW_NOT_OPEN = 0,
  WINDOW_ENHANCED_OPEN = 1,
  WINDOW_BASIC_OPEN = 2,
};

static const MatterDmAttribute attributes[] = {
  { ATTR_WINDOW_STATUS, 0, MATTER_ACL_PRIVILEGE_VIEW, 0, 0 },
  { ATTR_ADMIN_FABRIC_INDEX, 0, MATTER_ACL_PRIVILEGE_VIEW, 0, 0 },
  { ATTR_ADMIN_VENDOR_ID, 0, MATTER_ACL_PRIVILEGE_VIEW, 0, 0 },
};

static const MatterDmCommand commands[] = {
  { CMD_OPEN_COMMISSIONING_WINDOW, MATTER_DM_NO_RESPONSE, MATTER_ACL_PRIVILEGE_ADMINISTER,
    MATTER_DM_TIMED, 0 },
  { CMD_OPEN_BASIC_COMMISSIONING_WINDOW, MATTER_DM_NO_RESPONSE, MATTER_ACL_PRIVILEGE_ADMINISTER,
    MATTER_DM_TIMED, 0 },
  { CMD_REVOKE_COMMISSIONING, MATTER_DM_NO_RESPONSE, MATTER_ACL_PRIVILEGE_ADMINISTER,
    MATTER_DM_TIMED, 0 },
};

void
md_admin_commissioning_bind(MdAdminCommissioning *ac, MdCommissioning *commissioning,
                            MdGeneralCommissioning *general, MdFabricTable *fabrics,
                            MatterDmNode *dm, MatterDmCluster *cluster)
{
  *ac = (MdAdminCommissioning) { dm, cluster, commissioning, general, fabrics };
  cluster->feature_map = FEATURE_BASIC;
}

void
md_admin_commissioning_window_changed(MdAdminCommissioning *ac)
{
  if (ac->dm == NULL)
    return;
  matter_dm_mark(ac->dm, ac->cluster, ATTR_WINDOW_STATUS);
  matter_dm_mark(ac->dm, ac->cluster, ATTR_ADMIN_FABRIC_INDEX);
  matter_dm_mark(ac->dm, ac->cluster, ATTR_ADMIN_VENDOR_ID);
}

static uint8_t
read_attribute(MatterDmCluster *cluster, const MatterDmRequest *request, uint32_t attribute,
               MatterTlvWriter *w, MatterTlvTag tag)
{
  MdAdminCommissioning *ac = cluster->state;
  guint8 opener = md_commissioning_get_opener(ac->commissioning);
  /* Null once the opener's fabric is gone, too. */
  const MdFabric *fabric = opener != 0 ? md_fabric_table_get(ac->fabrics, opener) : NULL;

  switch (attribute) {
  case ATTR_WINDOW_STATUS:
    switch (md_commissioning_get_window(ac->commissioning)) {
    case MD_WINDOW_CLOSED:
      matter_tlv_put_uint(w, tag, WINDOW_NOT_OPEN);
      break;
    case MD_WINDOW_ENHANCED:
      matter_tlv_put_uint(w, tag, WINDOW_ENHANCED_OPEN);
      break;
    case MD_WINDOW_BASIC:
      matter_tlv_put_uint(w, tag, WINDOW_BASIC_OPEN);
      break;
    }
    break;
  case ATTR_ADMIN_FABRIC_INDEX:
    if (fabric != NULL)
      matter_tlv_put_uint(w, tag, fabric->index);
    else
      matter_tlv_put_null(w, tag);
    break;
  case ATTR_ADMIN_VENDOR_ID:
    /* The VendorID of the opener's entry in Fabrics. */
    if (fabric != NULL)
      matter_tlv_put_uint(w, tag, fabric->vendor_id);
    else
      matter_tlv_put_null(w, tag);
    break;
  default:
    return MATTER_IM_STATUS_UNSUPPORTED_ATTRIBUTE;
  }
  return MATTER_IM_STATUS_SUCCESS;
}

static MatterDmInvokeResult
status_result(uint8_t status)
{
  return (MatterDmInvokeResult) { .status = status };
}

static MatterDmInvokeResult
cluster_status(uint8_t code)
{
  return (MatterDmInvokeResult) {
    .status = MATTER_IM_STATUS_FAILURE,
    .has_cluster_status = true,
    .cluster_status = code,
  };
}

/* Another window, or a commissioning in progress, comes first. */
static bool
busy(MdAdminCommissioning *ac)
{
  return md_commissioning_get_window(ac->commissioning) != MD_WINDOW_CLOSED ||
         ac->general->fail_safe.armed;
}

static bool
timeout_valid(uint16_t timeout)
{
  return timeout >= TIMEOUT_MIN_S && timeout <= TIMEOUT_MAX_S;
}

/* A verifier is w0 (a scalar) then L (a point on P-256). */
static bool
parse_verifier(const uint8_t *data, size_t len, MdPaseVerifier *out)
{
  MatterP256Key *key = NULL;

  if (len != MATTER_SPAKE2P_W_LEN + MATTER_SPAKE2P_POINT_LEN)
    return false;
  if (matter_p256_import_public(data + MATTER_SPAKE2P_W_LEN, &key) != MATTER_OK)
    return false;
  matter_p256_free(key);
  memcpy(out->w0, data, MATTER_SPAKE2P_W_LEN);
  memcpy(out->L, data + MATTER_SPAKE2P_W_LEN, MATTER_SPAKE2P_POINT_LEN);
  return true;
}

static MatterDmInvokeResult
open_commissioning_window(MdAdminCommissioning *ac, const MatterDmRequest *request,
                          MatterTlvReader *fields)
{
  g_autoptr(GError) error = NULL;
  MdPaseVerifier verifier = { 0 };
  const uint8_t *pake, *salt;
  size_t pake_len, salt_len;
  uint16_t timeout, discriminator;
  uint32_t iterations;
  MatterDmInvokeResult result;

  if (fields == NULL || matter_tlv_get_context_u16(fields, 0, &timeout) != MATTER_OK ||
      matter_tlv_get_context_bytes(fields, 1, &pake, &pake_len) != MATTER_OK ||
      matter_tlv_get_context_u16(fields, 2, &discriminator) != MATTER_OK ||
      matter_tlv_get_context_u32(fields, 3, &iterations) != MATTER_OK ||
      matter_tlv_get_context_bytes(fields, 4, &salt, &salt_len) != MATTER_OK)
    return status_result(MATTER_IM_STATUS_INVALID_COMMAND);
  if (busy(ac))
    return cluster_status(STATUS_BUSY);
  if (iterations < MATTER_PAYLOAD_ITERATIONS_MIN || iterations > MATTER_PAYLOAD_ITERATIONS_MAX ||
      salt_len < MD_PASE_SALT_MIN || salt_len > MD_PASE_SALT_LEN ||
      !parse_verifier(pake, pake_len, &verifier)) {
    g_message("Refused OpenCommissioningWindow: PAKE parameters out of range");
    return cluster_status(STATUS_PAKE_PARAMETER_ERROR);
  }
  if (discriminator > DISCRIMINATOR_MAX || !timeout_valid(timeout)) {
    matter_secure_zero(&verifier, sizeof(verifier));
    return status_result(MATTER_IM_STATUS_INVALID_COMMAND);
  }
  memcpy(verifier.salt, salt, salt_len);
  verifier.salt_len = salt_len;
  verifier.iterations = iterations;
  result = status_result(MATTER_IM_STATUS_SUCCESS);
  if (!md_commissioning_open_enhanced(ac->commissioning, &verifier, discriminator, timeout,
                                      request->subject->fabric_index, request->now_ms, &error)) {
    g_warning("Cannot open an enhanced commissioning window: %s", error->message);
    result = status_result(MATTER_IM_STATUS_FAILURE);
  }
  matter_secure_zero(&verifier, sizeof(verifier));
  return result;
}

static MatterDmInvokeResult
open_basic_commissioning_window(MdAdminCommissioning *ac, const MatterDmRequest *request,
                                MatterTlvReader *fields)
{
  g_autoptr(GError) error = NULL;
  uint16_t timeout;

  if (fields == NULL || matter_tlv_get_context_u16(fields, 0, &timeout) != MATTER_OK)
    return status_result(MATTER_IM_STATUS_INVALID_COMMAND);
  if (busy(ac))
    return cluster_status(STATUS_BUSY);
  if (!timeout_valid(timeout))
    return status_result(MATTER_IM_STATUS_INVALID_COMMAND);
  if (!md_commissioning_open_basic(ac->commissioning, timeout, request->subject->fabric_index,
                                   request->now_ms, &error)) {
    g_warning("Cannot open a basic commissioning window: %s", error->message);
    return status_result(MATTER_IM_STATUS_FAILURE);
  }
  return status_result(MATTER_IM_STATUS_SUCCESS);
}

static MatterDmInvokeResult
revoke_commissioning(MdAdminCommissioning *ac, const MatterDmRequest *request)
{
  /* The commissioning in progress ends as its fail-safe's expiry would
   * end it, once this answer is out. */
  md_general_commissioning_expire_soon(ac->general, request->now_ms);
  if (md_commissioning_get_window(ac->commissioning) == MD_WINDOW_CLOSED)
    return cluster_status(STATUS_WINDOW_NOT_OPEN);
  md_commissioning_close(ac->commissioning, "revoked by an administrator");
  return status_result(MATTER_IM_STATUS_SUCCESS);
}

static MatterDmInvokeResult
invoke(MatterDmCluster *cluster, const MatterDmRequest *request, uint32_t command,
       MatterTlvReader *fields, MatterTlvWriter *response, MatterTlvTag tag)
{
  MdAdminCommissioning *ac = cluster->state;

  switch (command) {
  case CMD_OPEN_COMMISSIONING_WINDOW:
    return open_commissioning_window(ac, request, fields);
  case CMD_OPEN_BASIC_COMMISSIONING_WINDOW:
    return open_basic_commissioning_window(ac, request, fields);
  case CMD_REVOKE_COMMISSIONING:
    return revoke_commissioning(ac, request);
  default:
    return status_result(MATTER_IM_STATUS_UNSUPPORTED_COMMAND);
  }
}

const MatterDmClass md_admin_commissioning_class = {
  .id = 0x003C,
  .revision = 1,
  .name = "Administrator Commissioning",
  .attributes = attributes,
  .attribute_count = G_N_ELEMENTS(attributes),
  .commands = commands,
  .command_count = G_N_ELEMENTS(commands),
  .read = read_attribute,
  .invoke = invoke,
};
