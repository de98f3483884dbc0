/* SPDX-License-Identifier: Apache-2.0 */
/* Operational Credentials (0x003E), revision 2: Matter SDK
 * data_model/1.4.2/clusters/OperationalCredentialCluster.xml for the ids,
 * fields, constraints and privileges; Core spec 11.18.6 (in
 * ../shared/spec/addnoc-semantics.txt for AddNOC) for what each command
 * does. What a command installs under the fail-safe (trusted root,
 * operational key, the new or updated fabric) stays pending in memory
 * until CommissioningComplete commits it, and goes when the fail-safe
 * ends otherwise. */
#define G_LOG_DOMAIN "matterd"

#include "clusters.h"

#include <string.h>

#include "attestation-creds.h"
#include "fabric-table.h"
#include "matter/attestation.h"
#include "matter/cert.h"
#include "matter/im-engine.h"
#include "md-error.h"

enum {
  ATTR_NOCS = 0x0000,
  ATTR_FABRICS = 0x0001,
  ATTR_SUPPORTED_FABRICS = 0x0002,
  ATTR_COMMISSIONED_FABRICS = 0x0003,
  ATTR_TRUSTED_ROOT_CERTIFICATES = 0x0004,
  ATTR_CURRENT_FABRIC_INDEX = 0x0005,
};

enum {
  CMD_ATTESTATION_REQUEST = 0x00,
  CMD_ATTESTATION_RESPONSE = 0x01,
  CMD_CERTIFICATE_CHAIN_REQUEST = 0x02,
  CMD_CERTIFICATE_CHAIN_RESPONSE = 0x03,
  CMD_CSR_REQUEST = 0x04,
  CMD_CSR_RESPONSE = 0x05,
  CMD_ADD_NOC = 0x06,
  CMD_UPDATE_NOC = 0x07,
  CMD_NOC_RESPONSE = 0x08,
  CMD_UPDATE_FABRIC_LABEL = 0x09,
  CMD_REMOVE_FABRIC = 0x0A,
  CMD_ADD_TRUSTED_ROOT_CERTIFICATE = 0x0B,
  CMD_SET_VID_VERIFICATION_STATEMENT = 0x0C,
  CMD_SIGN_VID_VERIFICATION_REQUEST = 0x0D,
  CMD_SIGN_VID_VERIFICATION_RESPONSE = 0x0E,
};

/* CertificateChainTypeEnum. */
enum {
  CERT_TYPE_DAC = 1,
  CERT_TYPE_PAI = 2,
};

/* FabricDescriptorStruct and NOCStruct field ids; FabricIndex is 0xFE in
 * every fabric-scoped struct. */
#define FIELD_FABRIC_INDEX 0xFE
#define VID_VERIFICATION_STATEMENT_LEN 85
#define VVSC_MAX 400
#define DEBUG_TEXT_MAX 128
#define CLIENT_CHALLENGE_LEN 32
/* FabricBindingVersion 1 (Core spec 6.4.10: Fabric Table Vendor ID
 * Verification). */
#define FABRIC_BINDING_VERSION 1

static const MatterDmAttribute attributes[] = {
  { ATTR_NOCS, MATTER_DM_LIST | MATTER_DM_FABRIC_SCOPED | MATTER_DM_FABRIC_SENSITIVE |
                   MATTER_DM_CHANGES_OMITTED,
    MATTER_ACL_PRIVILEGE_ADMINISTER, 0, 0 },
  { ATTR_FABRICS, MATTER_DM_LIST | MATTER_DM_FABRIC_SCOPED, MATTER_ACL_PRIVILEGE_VIEW, 0, 0 },
  { ATTR_SUPPORTED_FABRICS, MATTER_DM_FIXED, MATTER_ACL_PRIVILEGE_VIEW, 0, 0 },
  { ATTR_COMMISSIONED_FABRICS, 0, MATTER_ACL_PRIVILEGE_VIEW, 0, 0 },
  { ATTR_TRUSTED_ROOT_CERTIFICATES, MATTER_DM_LIST | MATTER_DM_CHANGES_OMITTED,
    MATTER_ACL_PRIVILEGE_VIEW, 0, 0 },
  { ATTR_CURRENT_FABRIC_INDEX, 0, MATTER_ACL_PRIVILEGE_VIEW, 0, 0 },
};

static const MatterDmCommand commands[] = {
  { CMD_ATTESTATION_REQUEST, CMD_ATTESTATION_RESPONSE, MATTER_ACL_PRIVILEGE_ADMINISTER, 0, 0 },
  { CMD_CERTIFICATE_CHAIN_REQUEST, CMD_CERTIFICATE_CHAIN_RESPONSE, MATTER_ACL_PRIVILEGE_ADMINISTER,
    0, 0 },
  { CMD_CSR_REQUEST, CMD_CSR_RESPONSE, MATTER_ACL_PRIVILEGE_ADMINISTER, 0, 0 },
  { CMD_ADD_NOC, CMD_NOC_RESPONSE, MATTER_ACL_PRIVILEGE_ADMINISTER, 0, 0 },
  { CMD_UPDATE_NOC, CMD_NOC_RESPONSE, MATTER_ACL_PRIVILEGE_ADMINISTER, MATTER_DM_FABRIC_SCOPED, 0 },
  { CMD_UPDATE_FABRIC_LABEL, CMD_NOC_RESPONSE, MATTER_ACL_PRIVILEGE_ADMINISTER,
    MATTER_DM_FABRIC_SCOPED, 0 },
  { CMD_REMOVE_FABRIC, CMD_NOC_RESPONSE, MATTER_ACL_PRIVILEGE_ADMINISTER, 0, 0 },
  { CMD_ADD_TRUSTED_ROOT_CERTIFICATE, MATTER_DM_NO_RESPONSE, MATTER_ACL_PRIVILEGE_ADMINISTER, 0,
    0 },
  { CMD_SET_VID_VERIFICATION_STATEMENT, MATTER_DM_NO_RESPONSE, MATTER_ACL_PRIVILEGE_ADMINISTER,
    MATTER_DM_FABRIC_SCOPED, 0 },
  { CMD_SIGN_VID_VERIFICATION_REQUEST, CMD_SIGN_VID_VERIFICATION_RESPONSE,
    MATTER_ACL_PRIVILEGE_ADMINISTER, 0, 0 },
};

void
md_operational_credentials_init(MdOperationalCredentials *oc, MdFabricTable *fabrics,
                                MdAttestationCreds *attestation, MdGeneralCommissioning *general,
                                const MdOperationalCredentialsOps *ops, gpointer user_data)
{
  *oc = (MdOperationalCredentials) {
    .fabrics = fabrics,
    .attestation = attestation,
    .general = general,
    .ops = ops,
    .user_data = user_data,
  };
}

void
md_operational_credentials_bind(MdOperationalCredentials *oc, MatterDmNode *dm,
                                MatterDmCluster *cluster)
{
  oc->dm = dm;
  oc->cluster = cluster;
}

void
md_operational_credentials_fabrics_changed(MdOperationalCredentials *oc)
{
  if (oc->dm == NULL)
    return;
  matter_dm_mark(oc->dm, oc->cluster, ATTR_NOCS);
  matter_dm_mark(oc->dm, oc->cluster, ATTR_FABRICS);
  matter_dm_mark(oc->dm, oc->cluster, ATTR_COMMISSIONED_FABRICS);
  matter_dm_mark(oc->dm, oc->cluster, ATTR_TRUSTED_ROOT_CERTIFICATES);
}

void
md_operational_credentials_free_pending(MdOperationalCredentials *oc)
{
  g_clear_pointer(&oc->pending_root, g_bytes_unref);
  g_clear_pointer(&oc->csr_key, matter_p256_free);
  g_clear_pointer(&oc->csr_key_bytes, g_bytes_unref);
  oc->csr_for_update = FALSE;
  oc->noc_installed = FALSE;
}

void
md_operational_credentials_fail_safe_ended(MdOperationalCredentials *oc, gboolean committed)
{
  gboolean had_fabric = md_fabric_table_get_pending(oc->fabrics) != NULL;
  gboolean had_root = oc->pending_root != NULL;

  if (!committed && had_fabric)
    g_message("Dropping the fabric the fail-safe held (index %u)",
              md_fabric_table_get_pending(oc->fabrics)->index);
  md_fabric_table_drop_pending(oc->fabrics);
  md_operational_credentials_free_pending(oc);
  /* Data versions move on whether the change was kept or undone. */
  if (had_fabric || had_root)
    md_operational_credentials_fabrics_changed(oc);
}

/* ---- Attributes ---- */

static guint8
accessing_fabric(const MatterDmRequest *request)
{
  return request->subject->fabric_index;
}

static void
put_bytes(MatterTlvWriter *w, MatterTlvTag tag, GBytes *bytes)
{
  gsize len;
  const guint8 *data = g_bytes_get_data(bytes, &len);

  matter_tlv_put_bytes(w, tag, data, len);
}

static void
read_nocs(MdOperationalCredentials *oc, const MatterDmRequest *request, MatterTlvWriter *w,
          MatterTlvTag tag)
{
  matter_tlv_start_array(w, tag);
  for (guint n = 0;; n++) {
    const MdFabric *fabric = md_fabric_table_nth(oc->fabrics, n);

    if (fabric == NULL)
      break;
    if (request->fabric_filtered && fabric->index != accessing_fabric(request))
      continue;
    matter_tlv_start_structure(w, matter_tlv_tag_anonymous());
    /* NOC and ICAC are fabric-sensitive: other fabrics see the index. */
    if (fabric->index == accessing_fabric(request)) {
      put_bytes(w, matter_tlv_tag_context(1), fabric->noc);
      if (fabric->icac != NULL)
        put_bytes(w, matter_tlv_tag_context(2), fabric->icac);
      else
        matter_tlv_put_null(w, matter_tlv_tag_context(2));
      if (fabric->vvsc != NULL)
        put_bytes(w, matter_tlv_tag_context(3), fabric->vvsc);
    }
    matter_tlv_put_uint(w, matter_tlv_tag_context(FIELD_FABRIC_INDEX), fabric->index);
    matter_tlv_end_container(w);
  }
  matter_tlv_end_container(w);
}

static void
read_fabrics(MdOperationalCredentials *oc, const MatterDmRequest *request, MatterTlvWriter *w,
             MatterTlvTag tag)
{
  matter_tlv_start_array(w, tag);
  for (guint n = 0;; n++) {
    const MdFabric *fabric = md_fabric_table_nth(oc->fabrics, n);

    if (fabric == NULL)
      break;
    if (request->fabric_filtered && fabric->index != accessing_fabric(request))
      continue;
    matter_tlv_start_structure(w, matter_tlv_tag_anonymous());
    matter_tlv_put_bytes(w, matter_tlv_tag_context(1), fabric->root_public_key,
                         sizeof(fabric->root_public_key));
    matter_tlv_put_uint(w, matter_tlv_tag_context(2), fabric->vendor_id);
    matter_tlv_put_uint(w, matter_tlv_tag_context(3), fabric->fabric_id);
    matter_tlv_put_uint(w, matter_tlv_tag_context(4), fabric->node_id);
    matter_tlv_put_string(w, matter_tlv_tag_context(5), fabric->label);
    if (fabric->vid_verification_statement != NULL)
      put_bytes(w, matter_tlv_tag_context(6), fabric->vid_verification_statement);
    matter_tlv_put_uint(w, matter_tlv_tag_context(FIELD_FABRIC_INDEX), fabric->index);
    matter_tlv_end_container(w);
  }
  matter_tlv_end_container(w);
}

static gboolean
root_listed(MdOperationalCredentials *oc, guint upto, GBytes *rcac)
{
  for (guint n = 0; n < upto; n++)
    if (g_bytes_equal(md_fabric_table_nth(oc->fabrics, n)->rcac, rcac))
      return TRUE;
  return FALSE;
}

/* Each root once, though several fabrics may share it; the root added in
 * this fail-safe too (11.18.5.4). */
static void
read_trusted_roots(MdOperationalCredentials *oc, MatterTlvWriter *w, MatterTlvTag tag)
{
  guint count = md_fabric_table_count(oc->fabrics);

  matter_tlv_start_array(w, tag);
  for (guint n = 0; n < count; n++) {
    GBytes *rcac = md_fabric_table_nth(oc->fabrics, n)->rcac;

    if (!root_listed(oc, n, rcac))
      put_bytes(w, matter_tlv_tag_anonymous(), rcac);
  }
  if (oc->pending_root != NULL && !root_listed(oc, count, oc->pending_root))
    put_bytes(w, matter_tlv_tag_anonymous(), oc->pending_root);
  matter_tlv_end_container(w);
}

static uint8_t
read_attribute(MatterDmCluster *cluster, const MatterDmRequest *request, uint32_t attribute,
               MatterTlvWriter *w, MatterTlvTag tag)
{
  MdOperationalCredentials *oc = cluster->state;

  switch (attribute) {
  case ATTR_NOCS:
    read_nocs(oc, request, w, tag);
    break;
  case ATTR_FABRICS:
    read_fabrics(oc, request, w, tag);
    break;
  case ATTR_SUPPORTED_FABRICS:
    matter_tlv_put_uint(w, tag, md_fabric_table_supported(oc->fabrics));
    break;
  case ATTR_COMMISSIONED_FABRICS:
    matter_tlv_put_uint(w, tag, md_fabric_table_count(oc->fabrics));
    break;
  case ATTR_TRUSTED_ROOT_CERTIFICATES:
    read_trusted_roots(oc, w, tag);
    break;
  case ATTR_CURRENT_FABRIC_INDEX:
    matter_tlv_put_uint(w, tag, accessing_fabric(request));
    break;
  default:
    return MATTER_IM_STATUS_UNSUPPORTED_ATTRIBUTE;
  }
  return MATTER_IM_STATUS_SUCCESS;
}

/* ---- Responses ---- */

static MatterDmInvokeResult
status_result(uint8_t status)
{
  return (MatterDmInvokeResult) { .status = status };
}

static MatterDmInvokeResult
response_result(uint32_t response_id)
{
  return (MatterDmInvokeResult) {
    .status = MATTER_IM_STATUS_SUCCESS,
    .has_response = true,
    .response_id = response_id,
  };
}

/* NOCResponse (11.18.6.10): FabricIndex when there is one to name. */
static MatterDmInvokeResult
noc_response(MatterTlvWriter *response, MatterTlvTag tag, MdNocStatus status, guint8 fabric_index,
             const char *debug_text)
{
  if (status != MD_NOC_STATUS_OK)
    g_message("Operational Credentials: %s", debug_text);
  matter_tlv_start_structure(response, tag);
  matter_tlv_put_uint(response, matter_tlv_tag_context(0), status);
  if (fabric_index != 0)
    matter_tlv_put_uint(response, matter_tlv_tag_context(1), fabric_index);
  matter_tlv_put_utf8(response, matter_tlv_tag_context(2), debug_text,
                      MIN(strlen(debug_text), DEBUG_TEXT_MAX));
  matter_tlv_end_container(response);
  return response_result(CMD_NOC_RESPONSE);
}

static gboolean
fail_safe_armed(MdOperationalCredentials *oc)
{
  return md_general_commissioning_fail_safe_armed(oc->general, NULL);
}

/* ---- Attestation, certificates and CSR ---- */

static MatterDmInvokeResult
attestation_request(MdOperationalCredentials *oc, const MatterDmRequest *request,
                    MatterTlvReader *fields, MatterTlvWriter *response, MatterTlvTag tag)
{
  GBytes *cd = md_attestation_creds_get_cd(oc->attestation);
  guint8 elements[MATTER_ATTESTATION_ELEMENTS_MAX];
  guint8 signature[MATTER_P256_SIGNATURE_LEN];
  const uint8_t *nonce;
  size_t nonce_len, len;
  MatterAttestationElements content = { 0 };

  if (fields == NULL || matter_tlv_get_context_bytes(fields, 0, &nonce, &nonce_len) != MATTER_OK ||
      nonce_len != MATTER_ATTESTATION_NONCE_LEN)
    return status_result(MATTER_IM_STATUS_INVALID_COMMAND);

  content.certification_declaration = g_bytes_get_data(cd, &content.certification_declaration_len);
  content.attestation_nonce = nonce;
  /* No trusted time source: timestamp 0, as 11.18.4.7 allows. */
  content.timestamp = 0;
  if (matter_attestation_elements_encode(&content, elements, sizeof(elements), &len) != MATTER_OK ||
      matter_attestation_sign(md_attestation_creds_get_dac_key(oc->attestation), elements, len,
                              request->session->attestation_challenge, signature) != MATTER_OK) {
    g_warning("Cannot build the attestation response");
    return status_result(MATTER_IM_STATUS_FAILURE);
  }
  matter_tlv_start_structure(response, tag);
  matter_tlv_put_bytes(response, matter_tlv_tag_context(0), elements, len);
  matter_tlv_put_bytes(response, matter_tlv_tag_context(1), signature, sizeof(signature));
  matter_tlv_end_container(response);
  return response_result(CMD_ATTESTATION_RESPONSE);
}

static MatterDmInvokeResult
certificate_chain_request(MdOperationalCredentials *oc, MatterTlvReader *fields,
                          MatterTlvWriter *response, MatterTlvTag tag)
{
  uint8_t type;
  GBytes *cert;

  if (fields == NULL || matter_tlv_get_context_u8(fields, 0, &type) != MATTER_OK)
    return status_result(MATTER_IM_STATUS_INVALID_COMMAND);
  if (type == CERT_TYPE_DAC)
    cert = md_attestation_creds_get_dac(oc->attestation);
  else if (type == CERT_TYPE_PAI)
    cert = md_attestation_creds_get_pai(oc->attestation);
  else
    return status_result(MATTER_IM_STATUS_INVALID_COMMAND);
  matter_tlv_start_structure(response, tag);
  put_bytes(response, matter_tlv_tag_context(0), cert);
  matter_tlv_end_container(response);
  return response_result(CMD_CERTIFICATE_CHAIN_RESPONSE);
}

/* A fresh operational key pair for this fail-safe; a second CSRRequest
 * replaces the first (11.18.6.5). */
static gboolean
new_csr_key(MdOperationalCredentials *oc)
{
  guint8 priv[MATTER_P256_PRIVATE_KEY_LEN];
  MatterP256Key *key = NULL;

  if (matter_p256_generate(&key) != MATTER_OK ||
      matter_p256_export_private(key, priv) != MATTER_OK) {
    matter_p256_free(key);
    return FALSE;
  }
  g_clear_pointer(&oc->csr_key, matter_p256_free);
  g_clear_pointer(&oc->csr_key_bytes, g_bytes_unref);
  oc->csr_key = key;
  oc->csr_key_bytes = md_secret_bytes_new(priv, sizeof(priv));
  matter_secure_zero(priv, sizeof(priv));
  return TRUE;
}

static MatterDmInvokeResult
csr_request(MdOperationalCredentials *oc, const MatterDmRequest *request, MatterTlvReader *fields,
            MatterTlvWriter *response, MatterTlvTag tag)
{
  guint8 csr[MATTER_CSR_MAX], elements[MATTER_NOCSR_ELEMENTS_MAX];
  guint8 signature[MATTER_P256_SIGNATURE_LEN];
  MatterNocsrElements content = { 0 };
  const uint8_t *nonce;
  size_t nonce_len, csr_len, len;
  bool for_update = false;
  MatterError err;

  if (fields == NULL || matter_tlv_get_context_bytes(fields, 0, &nonce, &nonce_len) != MATTER_OK)
    return status_result(MATTER_IM_STATUS_INVALID_COMMAND);
  err = matter_tlv_get_context_bool(fields, 1, &for_update);
  if (err != MATTER_OK && err != MATTER_ERROR_TLV_NOT_FOUND)
    return status_result(MATTER_IM_STATUS_INVALID_COMMAND);
  if (nonce_len != MATTER_CSR_NONCE_LEN)
    return status_result(MATTER_IM_STATUS_INVALID_COMMAND);
  if (!fail_safe_armed(oc))
    return status_result(MATTER_IM_STATUS_FAILSAFE_REQUIRED);
  if (oc->noc_installed)
    return status_result(MATTER_IM_STATUS_CONSTRAINT_ERROR);
  /* UpdateNOC is for a fabric's own administrator, over CASE. */
  if (for_update && accessing_fabric(request) == 0)
    return status_result(MATTER_IM_STATUS_INVALID_COMMAND);

  if (!new_csr_key(oc) ||
      matter_csr_create(oc->csr_key, csr, sizeof(csr), &csr_len) != MATTER_OK) {
    g_warning("Cannot create an operational key pair and its CSR");
    return status_result(MATTER_IM_STATUS_FAILURE);
  }
  oc->csr_for_update = for_update;
  content.csr = csr;
  content.csr_len = csr_len;
  content.csr_nonce = nonce;
  if (matter_nocsr_elements_encode(&content, elements, sizeof(elements), &len) != MATTER_OK ||
      matter_attestation_sign(md_attestation_creds_get_dac_key(oc->attestation), elements, len,
                              request->session->attestation_challenge, signature) != MATTER_OK) {
    g_warning("Cannot sign the CSR response");
    return status_result(MATTER_IM_STATUS_FAILURE);
  }
  matter_tlv_start_structure(response, tag);
  matter_tlv_put_bytes(response, matter_tlv_tag_context(0), elements, len);
  matter_tlv_put_bytes(response, matter_tlv_tag_context(1), signature, sizeof(signature));
  matter_tlv_end_container(response);
  return response_result(CMD_CSR_RESPONSE);
}

static MatterDmInvokeResult
add_trusted_root(MdOperationalCredentials *oc, MatterTlvReader *fields)
{
  const uint8_t *rcac;
  size_t len;
  MatterCert cert;
  MatterError err;

  if (fields == NULL || matter_tlv_get_context_bytes(fields, 0, &rcac, &len) != MATTER_OK)
    return status_result(MATTER_IM_STATUS_INVALID_COMMAND);
  if (len > MATTER_CERT_MAX_TLV_LEN)
    return status_result(MATTER_IM_STATUS_CONSTRAINT_ERROR);
  if (!fail_safe_armed(oc))
    return status_result(MATTER_IM_STATUS_FAILSAFE_REQUIRED);
  /* One root per fail-safe, and none once the NOC is in (11.18.6.13). */
  if (oc->pending_root != NULL || oc->noc_installed)
    return status_result(MATTER_IM_STATUS_CONSTRAINT_ERROR);
  err = matter_cert_decode(rcac, len, &cert);
  if (err == MATTER_OK)
    err = matter_cert_check_role(&cert, MATTER_CERT_ROLE_RCAC);
  if (err == MATTER_OK)
    err = matter_cert_verify(&cert, cert.public_key);
  if (err == MATTER_OK)
    err = matter_cert_check_validity(&cert, MATTER_CERT_TIME_UNKNOWN, 0);
  if (err != MATTER_OK) {
    g_message("AddTrustedRootCertificate: not a valid root certificate: %s",
              matter_error_str(err));
    return status_result(MATTER_IM_STATUS_INVALID_COMMAND);
  }
  oc->pending_root = g_bytes_new(rcac, len);
  md_operational_credentials_fabrics_changed(oc);
  return status_result(MATTER_IM_STATUS_SUCCESS);
}

/* ---- AddNOC and UpdateNOC ---- */

typedef struct {
  const uint8_t *noc;
  size_t noc_len;
  const uint8_t *icac; /* NULL when absent */
  size_t icac_len;
} NocFields;

static uint8_t
read_noc_fields(MatterTlvReader *fields, NocFields *f)
{
  MatterError err;

  *f = (NocFields) { 0 };
  if (fields == NULL || matter_tlv_get_context_bytes(fields, 0, &f->noc, &f->noc_len) != MATTER_OK)
    return MATTER_IM_STATUS_INVALID_COMMAND;
  err = matter_tlv_get_context_bytes(fields, 1, &f->icac, &f->icac_len);
  if (err == MATTER_ERROR_TLV_NOT_FOUND)
    f->icac = NULL;
  else if (err != MATTER_OK)
    return MATTER_IM_STATUS_INVALID_COMMAND;
  if (f->noc_len > MATTER_CERT_MAX_TLV_LEN || f->icac_len > MATTER_CERT_MAX_TLV_LEN)
    return MATTER_IM_STATUS_CONSTRAINT_ERROR;
  /* An empty ICAC is no ICAC. */
  if (f->icac != NULL && f->icac_len == 0)
    f->icac = NULL;
  return MATTER_IM_STATUS_SUCCESS;
}

/* The chain against @rcac, and the NOC's key against the CSR's: the
 * NOCResponse status for what is wrong, or OK with @info filled. */
static MdNocStatus
check_chain(MdOperationalCredentials *oc, GBytes *rcac, const NocFields *f,
            MatterCertChainInfo *info, const char **why)
{
  guint8 csr_public_key[MATTER_P256_PUBLIC_KEY_LEN];
  MatterError err;

  err = matter_cert_chain_validate(g_bytes_get_data(rcac, NULL), g_bytes_get_size(rcac), f->icac,
                                   f->icac_len, f->noc, f->noc_len, MATTER_CERT_TIME_UNKNOWN, 0,
                                   info);
  if (err == MATTER_ERROR_CERT_NODE_ID) {
    *why = "The NOC's node id is not an operational node id";
    return MD_NOC_STATUS_INVALID_NODE_OP_ID;
  }
  if (err != MATTER_OK) {
    *why = matter_error_str(err);
    return MD_NOC_STATUS_INVALID_NOC;
  }
  if (matter_p256_export_public(oc->csr_key, csr_public_key) != MATTER_OK ||
      memcmp(csr_public_key, info->noc_public_key, sizeof(csr_public_key)) != 0) {
    *why = "The NOC is not for the key of the CSR";
    return MD_NOC_STATUS_INVALID_PUBLIC_KEY;
  }
  return MD_NOC_STATUS_OK;
}

/* Vendor ids an administrator may give (Core spec 2.5.2, Table 1): not
 * the Matter standard's 0 and not the reserved range above the test
 * vendor ids. */
static gboolean
vendor_id_valid(guint16 vendor_id)
{
  return vendor_id != 0 && vendor_id <= 0xFFF4;
}

static gboolean
case_admin_subject_valid(guint64 subject)
{
  MatterAclEntry entry = {
    .privilege = MATTER_ACL_PRIVILEGE_ADMINISTER,
    .auth_mode = MATTER_ACL_AUTH_CASE,
    .subject_count = 1,
    .subjects = { subject },
  };

  return matter_acl_entry_check(&entry, NULL) == MATTER_OK;
}

static MatterDmInvokeResult
add_noc(MdOperationalCredentials *oc, const MatterDmRequest *request, MatterTlvReader *fields,
        MatterTlvWriter *response, MatterTlvTag tag)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) ipk = NULL, noc = NULL, icac = NULL;
  MatterCertChainInfo info;
  NocFields f;
  const uint8_t *ipk_value;
  size_t ipk_len;
  uint64_t admin_subject;
  uint16_t admin_vendor_id;
  const char *why = NULL;
  MdNocStatus status;
  MdFabric *fabric;
  MatterAclEntry admin;
  guint8 index;
  uint8_t im_status;

  im_status = read_noc_fields(fields, &f);
  if (im_status != MATTER_IM_STATUS_SUCCESS)
    return status_result(im_status);
  if (matter_tlv_get_context_bytes(fields, 2, &ipk_value, &ipk_len) != MATTER_OK ||
      matter_tlv_get_context_u64(fields, 3, &admin_subject) != MATTER_OK ||
      matter_tlv_get_context_u16(fields, 4, &admin_vendor_id) != MATTER_OK)
    return status_result(MATTER_IM_STATUS_INVALID_COMMAND);
  if (ipk_len != MATTER_AES128_KEY_LEN || !vendor_id_valid(admin_vendor_id))
    return status_result(MATTER_IM_STATUS_CONSTRAINT_ERROR);

  /* The checks in the order of 11.18.6.8. */
  if (!fail_safe_armed(oc))
    return status_result(MATTER_IM_STATUS_FAILSAFE_REQUIRED);
  if (oc->noc_installed || oc->csr_for_update)
    return status_result(MATTER_IM_STATUS_CONSTRAINT_ERROR);
  if (oc->pending_root == NULL)
    return noc_response(response, tag, MD_NOC_STATUS_INVALID_NOC, 0,
                        "AddNOC needs AddTrustedRootCertificate first");
  if (oc->csr_key == NULL)
    return noc_response(response, tag, MD_NOC_STATUS_MISSING_CSR, 0,
                        "AddNOC needs CSRRequest first");
  status = check_chain(oc, oc->pending_root, &f, &info, &why);
  if (status != MD_NOC_STATUS_OK)
    return noc_response(response, tag, status, 0, why);
  if (md_fabric_table_find(oc->fabrics, info.root_public_key, info.fabric_id) != NULL)
    return noc_response(response, tag, MD_NOC_STATUS_FABRIC_CONFLICT, 0,
                        "This node is already on that fabric");
  index = md_fabric_table_next_index(oc->fabrics);
  if (md_fabric_table_count(oc->fabrics) >= md_fabric_table_supported(oc->fabrics) || index == 0)
    return noc_response(response, tag, MD_NOC_STATUS_TABLE_FULL, 0, "The fabric table is full");
  if (!case_admin_subject_valid(admin_subject))
    return noc_response(response, tag, MD_NOC_STATUS_INVALID_ADMIN_SUBJECT, 0,
                        "CaseAdminSubject is neither a node id nor a CAT");

  noc = g_bytes_new(f.noc, f.noc_len);
  icac = f.icac != NULL ? g_bytes_new(f.icac, f.icac_len) : NULL;
  ipk = md_secret_bytes_new(ipk_value, ipk_len);
  fabric = md_fabric_new(index, oc->pending_root, icac, noc, &info, oc->csr_key_bytes, ipk,
                         admin_vendor_id, &error);
  if (fabric == NULL) {
    g_warning("Cannot install the new fabric: %s", error->message);
    return status_result(MATTER_IM_STATUS_FAILURE);
  }
  /* The administrator named in the command may administer the node. */
  admin = (MatterAclEntry) {
    .fabric_index = index,
    .privilege = MATTER_ACL_PRIVILEGE_ADMINISTER,
    .auth_mode = MATTER_ACL_AUTH_CASE,
    .subject_count = 1,
    .subjects = { admin_subject },
  };
  g_array_append_val(fabric->acl, admin);
  md_fabric_table_set_pending(oc->fabrics, fabric);
  oc->ops->admin_entry_added(oc->user_data, &admin, request);
  oc->noc_installed = TRUE;
  md_general_commissioning_move_fail_safe(oc->general, index);
  /* A PASE session goes on with the new fabric as its accessing fabric. */
  if (request->session->kind == MATTER_SESSION_KIND_PASE)
    oc->ops->bind_session(oc->user_data, request->session, index);
  md_operational_credentials_fabrics_changed(oc);
  oc->ops->fabrics_changed(oc->user_data);
  g_message("AddNOC: fabric %u pending (fabric id 0x%016" G_GINT64_MODIFIER "X, node id "
            "0x%016" G_GINT64_MODIFIER "X)",
            index, info.fabric_id, info.node_id);
  return noc_response(response, tag, MD_NOC_STATUS_OK, index, "");
}

static MatterDmInvokeResult
update_noc(MdOperationalCredentials *oc, const MatterDmRequest *request, MatterTlvReader *fields,
           MatterTlvWriter *response, MatterTlvTag tag)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) noc = NULL, icac = NULL;
  const MdFabric *current;
  MatterCertChainInfo info;
  MdFabric *updated;
  const char *why = NULL;
  MdNocStatus status;
  NocFields f;
  uint8_t im_status;
  guint8 armed_by;

  im_status = read_noc_fields(fields, &f);
  if (im_status != MATTER_IM_STATUS_SUCCESS)
    return status_result(im_status);
  if (!md_general_commissioning_fail_safe_armed(oc->general, &armed_by) ||
      armed_by != accessing_fabric(request))
    return status_result(MATTER_IM_STATUS_FAILSAFE_REQUIRED);
  if (oc->noc_installed || oc->pending_root != NULL)
    return status_result(MATTER_IM_STATUS_CONSTRAINT_ERROR);
  if (oc->csr_key == NULL)
    return noc_response(response, tag, MD_NOC_STATUS_MISSING_CSR, 0,
                        "UpdateNOC needs CSRRequest first");
  if (!oc->csr_for_update)
    return status_result(MATTER_IM_STATUS_CONSTRAINT_ERROR);
  current = md_fabric_table_get(oc->fabrics, accessing_fabric(request));
  if (current == NULL)
    return noc_response(response, tag, MD_NOC_STATUS_INVALID_FABRIC_INDEX, 0,
                        "The accessing fabric is not on this node");
  status = check_chain(oc, current->rcac, &f, &info, &why);
  if (status != MD_NOC_STATUS_OK)
    return noc_response(response, tag, status, 0, why);
  if (info.fabric_id != current->fabric_id)
    return noc_response(response, tag, MD_NOC_STATUS_INVALID_NOC, 0,
                        "UpdateNOC cannot move the node to another fabric");

  noc = g_bytes_new(f.noc, f.noc_len);
  icac = f.icac != NULL ? g_bytes_new(f.icac, f.icac_len) : NULL;
  updated = md_fabric_new(current->index, current->rcac, icac, noc, &info, oc->csr_key_bytes,
                          current->ipk_epoch_key, current->vendor_id, &error);
  if (updated == NULL) {
    g_warning("Cannot update the fabric: %s", error->message);
    return status_result(MATTER_IM_STATUS_FAILURE);
  }
  g_strlcpy(updated->label, current->label, sizeof(updated->label));
  updated->vid_verification_statement =
      current->vid_verification_statement != NULL ? g_bytes_ref(current->vid_verification_statement)
                                                  : NULL;
  /* A VVSC only ever goes with a chain without ICAC (11.18.6.14). */
  if (current->vvsc != NULL && icac == NULL)
    updated->vvsc = g_bytes_ref(current->vvsc);
  g_array_append_vals(updated->acl, current->acl->data, current->acl->len);
  md_fabric_table_set_pending(oc->fabrics, updated);
  oc->noc_installed = TRUE;
  md_operational_credentials_fabrics_changed(oc);
  oc->ops->fabrics_changed(oc->user_data);
  g_message("UpdateNOC: new credentials for fabric %u pending", accessing_fabric(request));
  return noc_response(response, tag, MD_NOC_STATUS_OK, accessing_fabric(request), "");
}

/* ---- Labels, removal, vendor id verification ---- */

static MatterDmInvokeResult
update_fabric_label(MdOperationalCredentials *oc, const MatterDmRequest *request,
                    MatterTlvReader *fields, MatterTlvWriter *response, MatterTlvTag tag)
{
  g_autoptr(GError) error = NULL;
  char label[MD_FABRIC_LABEL_MAX + 1];
  const char *value;
  size_t len;
  guint8 index = accessing_fabric(request);

  if (fields == NULL || matter_tlv_get_context_utf8(fields, 0, &value, &len) != MATTER_OK)
    return status_result(MATTER_IM_STATUS_INVALID_COMMAND);
  if (len > MD_FABRIC_LABEL_MAX)
    return status_result(MATTER_IM_STATUS_CONSTRAINT_ERROR);
  memcpy(label, value, len);
  label[len] = '\0';
  if (md_fabric_table_get(oc->fabrics, index) == NULL)
    return noc_response(response, tag, MD_NOC_STATUS_INVALID_FABRIC_INDEX, 0,
                        "The accessing fabric is not on this node");
  for (guint n = 0; len > 0; n++) {
    const MdFabric *other = md_fabric_table_nth(oc->fabrics, n);

    if (other == NULL)
      break;
    if (other->index != index && strcmp(other->label, label) == 0)
      return noc_response(response, tag, MD_NOC_STATUS_LABEL_CONFLICT, 0,
                          "Another fabric has that label");
  }
  if (!md_fabric_table_set_label(oc->fabrics, index, label, &error)) {
    g_warning("Cannot store the label of fabric %u: %s", index, error->message);
    return status_result(MATTER_IM_STATUS_FAILURE);
  }
  matter_dm_mark(oc->dm, oc->cluster, ATTR_FABRICS);
  oc->ops->fabrics_changed(oc->user_data);
  return noc_response(response, tag, MD_NOC_STATUS_OK, index, "");
}

static MatterDmInvokeResult
remove_fabric(MdOperationalCredentials *oc, const MatterDmRequest *request,
              MatterTlvReader *fields, MatterTlvWriter *response, MatterTlvTag tag)
{
  g_autoptr(GError) error = NULL;
  uint8_t index;

  if (fields == NULL || matter_tlv_get_context_u8(fields, 0, &index) != MATTER_OK)
    return status_result(MATTER_IM_STATUS_INVALID_COMMAND);
  if (index < MD_FABRIC_INDEX_MIN || index > MD_FABRIC_INDEX_MAX)
    return status_result(MATTER_IM_STATUS_CONSTRAINT_ERROR);
  if (md_fabric_table_get(oc->fabrics, index) == NULL)
    return noc_response(response, tag, MD_NOC_STATUS_INVALID_FABRIC_INDEX, 0,
                        "No fabric has that index");
  if (!oc->ops->remove_fabric(oc->user_data, index, request, &error)) {
    g_warning("Cannot remove fabric %u: %s", index, error->message);
    return status_result(MATTER_IM_STATUS_FAILURE);
  }
  md_operational_credentials_fabrics_changed(oc);
  g_message("Removed fabric %u", index);
  return noc_response(response, tag, MD_NOC_STATUS_OK, index, "");
}

static MatterDmInvokeResult
set_vid_verification_statement(MdOperationalCredentials *oc, const MatterDmRequest *request,
                               MatterTlvReader *fields)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) statement = NULL, vvsc = NULL;
  guint8 index = accessing_fabric(request);
  const MdFabric *fabric = md_fabric_table_get(oc->fabrics, index);
  const uint8_t *data;
  size_t len;
  uint16_t vendor_id;
  gboolean has_vendor_id = FALSE;
  MatterError err;

  if (fields == NULL)
    return status_result(MATTER_IM_STATUS_INVALID_COMMAND);
  err = matter_tlv_get_context_u16(fields, 0, &vendor_id);
  if (err == MATTER_OK)
    has_vendor_id = TRUE;
  else if (err != MATTER_ERROR_TLV_NOT_FOUND)
    return status_result(MATTER_IM_STATUS_INVALID_COMMAND);
  err = matter_tlv_get_context_bytes(fields, 1, &data, &len);
  if (err == MATTER_OK) {
    if (len != 0 && len != VID_VERIFICATION_STATEMENT_LEN)
      return status_result(MATTER_IM_STATUS_CONSTRAINT_ERROR);
    statement = g_bytes_new(data, len);
  } else if (err != MATTER_ERROR_TLV_NOT_FOUND) {
    return status_result(MATTER_IM_STATUS_INVALID_COMMAND);
  }
  err = matter_tlv_get_context_bytes(fields, 2, &data, &len);
  if (err == MATTER_OK) {
    if (len > VVSC_MAX)
      return status_result(MATTER_IM_STATUS_CONSTRAINT_ERROR);
    vvsc = g_bytes_new(data, len);
  } else if (err != MATTER_ERROR_TLV_NOT_FOUND) {
    return status_result(MATTER_IM_STATUS_INVALID_COMMAND);
  }
  /* At least one of the three (the XML's choice "a", min 1). */
  if (!has_vendor_id && statement == NULL && vvsc == NULL)
    return status_result(MATTER_IM_STATUS_INVALID_COMMAND);
  if (has_vendor_id && !vendor_id_valid(vendor_id))
    return status_result(MATTER_IM_STATUS_CONSTRAINT_ERROR);
  if (fabric == NULL)
    return status_result(MATTER_IM_STATUS_UNSUPPORTED_ACCESS);
  /* A VVSC stands in for an ICAC, so a chain with one takes none. */
  if (vvsc != NULL && g_bytes_get_size(vvsc) > 0 && fabric->icac != NULL)
    return status_result(MATTER_IM_STATUS_INVALID_COMMAND);

  if (!md_fabric_table_set_vid_verification(oc->fabrics, index,
                                            has_vendor_id ? vendor_id : fabric->vendor_id,
                                            statement, vvsc, &error)) {
    g_warning("Cannot store the vendor id verification of fabric %u: %s", index, error->message);
    return status_result(MATTER_IM_STATUS_FAILURE);
  }
  matter_dm_mark(oc->dm, oc->cluster, ATTR_FABRICS);
  if (vvsc != NULL)
    matter_dm_mark(oc->dm, oc->cluster, ATTR_NOCS);
  oc->ops->fabrics_changed(oc->user_data);
  return status_result(MATTER_IM_STATUS_SUCCESS);
}

/* vendor_id_verification_tbs (Core spec 6.4.10): version || client
 * challenge || attestation challenge || fabric index || the vendor fabric
 * binding message (version || root public key || fabric id || vendor id,
 * both big-endian) || the VID verification statement when there is one. */
static gsize
vid_verification_tbs(const MdFabric *fabric, const uint8_t *client_challenge,
                     const uint8_t *attestation_challenge, guint8 *out)
{
  gsize len = 0;

  out[len++] = FABRIC_BINDING_VERSION;
  memcpy(out + len, client_challenge, CLIENT_CHALLENGE_LEN);
  len += CLIENT_CHALLENGE_LEN;
  memcpy(out + len, attestation_challenge, MATTER_SESSION_ATTESTATION_CHALLENGE_LEN);
  len += MATTER_SESSION_ATTESTATION_CHALLENGE_LEN;
  out[len++] = fabric->index;
  out[len++] = FABRIC_BINDING_VERSION;
  memcpy(out + len, fabric->root_public_key, MATTER_P256_PUBLIC_KEY_LEN);
  len += MATTER_P256_PUBLIC_KEY_LEN;
  for (int i = 7; i >= 0; i--)
    out[len++] = (guint8) (fabric->fabric_id >> (8 * i));
  out[len++] = (guint8) (fabric->vendor_id >> 8);
  out[len++] = (guint8) fabric->vendor_id;
  if (fabric->vid_verification_statement != NULL) {
    gsize statement_len;
    const guint8 *statement = g_bytes_get_data(fabric->vid_verification_statement, &statement_len);

    memcpy(out + len, statement, statement_len);
    len += statement_len;
  }
  return len;
}

static MatterDmInvokeResult
sign_vid_verification_request(MdOperationalCredentials *oc, const MatterDmRequest *request,
                              MatterTlvReader *fields, MatterTlvWriter *response, MatterTlvTag tag)
{
  guint8 tbs[1 + CLIENT_CHALLENGE_LEN + MATTER_SESSION_ATTESTATION_CHALLENGE_LEN + 1 + 1 +
             MATTER_P256_PUBLIC_KEY_LEN + 8 + 2 + VID_VERIFICATION_STATEMENT_LEN];
  guint8 signature[MATTER_P256_SIGNATURE_LEN];
  const MdFabric *fabric;
  const uint8_t *challenge;
  size_t challenge_len;
  uint8_t index;
  gsize len;

  if (fields == NULL || matter_tlv_get_context_u8(fields, 0, &index) != MATTER_OK ||
      matter_tlv_get_context_bytes(fields, 1, &challenge, &challenge_len) != MATTER_OK)
    return status_result(MATTER_IM_STATUS_INVALID_COMMAND);
  if (challenge_len != CLIENT_CHALLENGE_LEN || index < MD_FABRIC_INDEX_MIN ||
      index > MD_FABRIC_INDEX_MAX)
    return status_result(MATTER_IM_STATUS_CONSTRAINT_ERROR);
  fabric = md_fabric_table_get(oc->fabrics, index);
  if (fabric == NULL)
    return status_result(MATTER_IM_STATUS_CONSTRAINT_ERROR);
  len = vid_verification_tbs(fabric, challenge, request->session->attestation_challenge, tbs);
  if (matter_ecdsa_sign(fabric->key, tbs, len, signature) != MATTER_OK) {
    g_warning("Cannot sign the vendor id verification of fabric %u", index);
    return status_result(MATTER_IM_STATUS_FAILURE);
  }
  matter_tlv_start_structure(response, tag);
  matter_tlv_put_uint(response, matter_tlv_tag_context(0), index);
  matter_tlv_put_uint(response, matter_tlv_tag_context(1), FABRIC_BINDING_VERSION);
  matter_tlv_put_bytes(response, matter_tlv_tag_context(2), signature, sizeof(signature));
  matter_tlv_end_container(response);
  return response_result(CMD_SIGN_VID_VERIFICATION_RESPONSE);
}

static MatterDmInvokeResult
invoke(MatterDmCluster *cluster, const MatterDmRequest *request, uint32_t command,
       MatterTlvReader *fields, MatterTlvWriter *response, MatterTlvTag tag)
{
  MdOperationalCredentials *oc = cluster->state;

  switch (command) {
  case CMD_ATTESTATION_REQUEST:
    return attestation_request(oc, request, fields, response, tag);
  case CMD_CERTIFICATE_CHAIN_REQUEST:
    return certificate_chain_request(oc, fields, response, tag);
  case CMD_CSR_REQUEST:
    return csr_request(oc, request, fields, response, tag);
  case CMD_ADD_NOC:
    return add_noc(oc, request, fields, response, tag);
  case CMD_UPDATE_NOC:
    return update_noc(oc, request, fields, response, tag);
  case CMD_UPDATE_FABRIC_LABEL:
    return update_fabric_label(oc, request, fields, response, tag);
  case CMD_REMOVE_FABRIC:
    return remove_fabric(oc, request, fields, response, tag);
  case CMD_ADD_TRUSTED_ROOT_CERTIFICATE:
    return add_trusted_root(oc, fields);
  case CMD_SET_VID_VERIFICATION_STATEMENT:
    return set_vid_verification_statement(oc, request, fields);
  case CMD_SIGN_VID_VERIFICATION_REQUEST:
    return sign_vid_verification_request(oc, request, fields, response, tag);
  default:
    return status_result(MATTER_IM_STATUS_UNSUPPORTED_COMMAND);
  }
}

const MatterDmClass md_operational_credentials_class = {
  .id = 0x003E,
  .revision = 2,
  .name = "Operational Credentials",
  .attributes = attributes,
  .attribute_count = G_N_ELEMENTS(attributes),
  .commands = commands,
  .command_count = G_N_ELEMENTS(commands),
  .read = read_attribute,
  .invoke = invoke,
};
