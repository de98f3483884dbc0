/* SPDX-License-Identifier: Apache-2.0 */
#define G_LOG_DOMAIN "matterd"

#include "attestation-creds.h"

#include <string.h>

#include "matter/attestation.h"
#include "md-error.h"

/* Vendor ids reserved for testing (Core spec: 0xFFF1..0xFFF4). */
#define TEST_VENDOR_ID_MIN 0xFFF1
#define TEST_VENDOR_ID_MAX 0xFFF4

struct _MdAttestationCreds {
  GBytes *dac;
  GBytes *pai;
  GBytes *cd;
  MatterP256Key *dac_key;
  char *origin;
  gboolean development;
};

void
md_attestation_creds_free(MdAttestationCreds *creds)
{
  if (creds == NULL)
    return;
  g_clear_pointer(&creds->dac, g_bytes_unref);
  g_clear_pointer(&creds->pai, g_bytes_unref);
  g_clear_pointer(&creds->cd, g_bytes_unref);
  g_clear_pointer(&creds->dac_key, matter_p256_free);
  g_free(creds->origin);
  g_free(creds);
}

static gboolean
fail_core(GError **error, MatterError err, const char *what, const char *path)
{
  g_set_error(error, MD_ERROR, MD_ERROR_ATTESTATION, "%s %s: %s", what, path,
              matter_error_str(err));
  return FALSE;
}

/* A certificate, PEM or DER, as DER. */
static GBytes *
certificate_der(GBytes *raw, const char *name, GError **error)
{
  guint8 der[MATTER_ATTESTATION_CERT_MAX];
  size_t der_len = 0;
  MatterError err;

  err = matter_attestation_cert_to_der(g_bytes_get_data(raw, NULL), g_bytes_get_size(raw), der,
                                       sizeof(der), &der_len);
  if (err != MATTER_OK) {
    fail_core(error, err, "Cannot read the certificate", name);
    return NULL;
  }
  return g_bytes_new(der, der_len);
}

/* The DAC must be the PAI's: named by it, of its vendor (and product, when
 * the PAI has one), and signed with its key. */
static gboolean
check_dac_issued_by_pai(GBytes *dac, GBytes *pai, const MdAttestationFiles *files,
                        MatterAttestationCertInfo *dac_info, GError **error)
{
  MatterAttestationCertInfo pai_info;
  MatterError err;

  err = matter_attestation_cert_check(g_bytes_get_data(dac, NULL), g_bytes_get_size(dac),
                                      MATTER_ATTESTATION_DAC, dac_info);
  if (err != MATTER_OK)
    return fail_core(error, err, "Unusable DAC", files->dac_name);
  err = matter_attestation_cert_check(g_bytes_get_data(pai, NULL), g_bytes_get_size(pai),
                                      MATTER_ATTESTATION_PAI, &pai_info);
  if (err != MATTER_OK)
    return fail_core(error, err, "Unusable PAI", files->pai_name);

  if (memcmp(dac_info->authority_key_id, pai_info.subject_key_id, MATTER_KEY_ID_LEN) != 0 ||
      dac_info->vendor_id != pai_info.vendor_id ||
      (pai_info.has_product_id && pai_info.product_id != dac_info->product_id)) {
    g_set_error(error, MD_ERROR, MD_ERROR_ATTESTATION, "The DAC %s was not issued by the PAI %s",
                files->dac_name, files->pai_name);
    return FALSE;
  }

  err = matter_attestation_cert_signed_by(g_bytes_get_data(dac, NULL), g_bytes_get_size(dac),
                                          g_bytes_get_data(pai, NULL), g_bytes_get_size(pai));
  if (err != MATTER_OK) {
    g_set_error(error, MD_ERROR, MD_ERROR_ATTESTATION,
                "The DAC %s does not carry a valid signature of the PAI %s", files->dac_name,
                files->pai_name);
    return FALSE;
  }
  return TRUE;
}

static gboolean
check_key_is_dacs(const MatterP256Key *key, const MatterAttestationCertInfo *dac_info,
                  const MdAttestationFiles *files, GError **error)
{
  guint8 public_key[MATTER_P256_PUBLIC_KEY_LEN];

  if (matter_p256_export_public(key, public_key) != MATTER_OK ||
      memcmp(public_key, dac_info->public_key, sizeof(public_key)) != 0) {
    g_set_error(error, MD_ERROR, MD_ERROR_ATTESTATION, "The key %s is not the DAC's (%s)",
                files->dac_key_name, files->dac_name);
    return FALSE;
  }
  return TRUE;
}

/* The node announces the configured vendor and product: its DAC and CD
 * must attest exactly those. */
static gboolean
check_identity(const MatterAttestationCertInfo *dac_info, GBytes *cd, guint16 vendor_id,
               guint16 product_id, const MdAttestationFiles *files, GError **error)
{
  MatterCd content;
  MatterError err;

  if (dac_info->vendor_id != vendor_id || dac_info->product_id != product_id) {
    g_set_error(error, MD_ERROR, MD_ERROR_INVALID_CONFIG,
                "The DAC %s is for vendor 0x%04X product 0x%04X, but [Node] configures vendor "
                "0x%04X product 0x%04X",
                files->dac_name, dac_info->vendor_id, dac_info->product_id, vendor_id,
                product_id);
    return FALSE;
  }
  err = matter_cd_read_unverified(g_bytes_get_data(cd, NULL), g_bytes_get_size(cd), &content);
  if (err != MATTER_OK)
    return fail_core(error, err, "Unusable Certification Declaration", files->cd_name);
  err = matter_cd_check_device(&content, vendor_id, product_id);
  if (err != MATTER_OK) {
    g_set_error(error, MD_ERROR, MD_ERROR_INVALID_CONFIG,
                "The Certification Declaration %s does not certify vendor 0x%04X product 0x%04X: "
                "%s",
                files->cd_name, vendor_id, product_id, matter_error_str(err));
    return FALSE;
  }
  return TRUE;
}

MdAttestationCreds *
md_attestation_creds_new(const MdAttestationFiles *files, guint16 vendor_id, guint16 product_id,
                         GError **error)
{
  g_autoptr(MdAttestationCreds) creds = g_new0(MdAttestationCreds, 1);
  MatterAttestationCertInfo dac_info;
  MatterError err;

  creds->origin = g_strdup(files->origin);
  creds->dac = certificate_der(files->dac, files->dac_name, error);
  if (creds->dac == NULL)
    return NULL;
  creds->pai = certificate_der(files->pai, files->pai_name, error);
  if (creds->pai == NULL)
    return NULL;
  creds->cd = g_bytes_ref(files->cd);
  err = matter_attestation_key_parse(g_bytes_get_data(files->dac_key, NULL),
                                     g_bytes_get_size(files->dac_key), &creds->dac_key);
  if (err != MATTER_OK) {
    fail_core(error, err, "Cannot read the private key", files->dac_key_name);
    return NULL;
  }

  if (!check_dac_issued_by_pai(creds->dac, creds->pai, files, &dac_info, error) ||
      !check_key_is_dacs(creds->dac_key, &dac_info, files, error) ||
      !check_identity(&dac_info, creds->cd, vendor_id, product_id, files, error))
    return NULL;

  creds->development = files->development || (dac_info.vendor_id >= TEST_VENDOR_ID_MIN &&
                                              dac_info.vendor_id <= TEST_VENDOR_ID_MAX);
  return g_steal_pointer(&creds);
}

gboolean
md_attestation_creds_is_development(MdAttestationCreds *creds)
{
  return creds->development;
}

const char *
md_attestation_creds_origin(MdAttestationCreds *creds)
{
  return creds->origin;
}

GBytes *
md_attestation_creds_get_dac(MdAttestationCreds *creds)
{
  return creds->dac;
}

GBytes *
md_attestation_creds_get_pai(MdAttestationCreds *creds)
{
  return creds->pai;
}

GBytes *
md_attestation_creds_get_cd(MdAttestationCreds *creds)
{
  return creds->cd;
}

const MatterP256Key *
md_attestation_creds_get_dac_key(MdAttestationCreds *creds)
{
  return creds->dac_key;
}
