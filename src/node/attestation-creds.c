/* SPDX-License-Identifier: Apache-2.0 */
#define G_LOG_DOMAIN "matterd"

#include "build-config.h"

#include "attestation-creds.h"

#include <openssl/x509.h>
#include <string.h>

#include "matter/attestation.h"
#include "md-error.h"

/* File names in a development set, as `matterctl creds generate` writes them. */
#define DEV_DAC "dac-cert.der"
#define DEV_PAI "pai-cert.der"
#define DEV_DAC_KEY "dac-key.pem"
#define DEV_CD "cd.der"

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

typedef struct {
  const char *dac;
  const char *pai;
  const char *dac_key;
  const char *cd;
} CredPaths;

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

static GBytes *
read_file(const char *path, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  char *data = NULL;
  gsize len = 0;

  if (!g_file_get_contents(path, &data, &len, &local_error)) {
    g_set_error(error, MD_ERROR, MD_ERROR_ATTESTATION, "%s", local_error->message);
    return NULL;
  }
  return g_bytes_new_take(data, len);
}

/* A certificate file, PEM or DER, as DER. */
static GBytes *
read_certificate(const char *path, GError **error)
{
  g_autoptr(GBytes) raw = read_file(path, error);
  guint8 der[MATTER_ATTESTATION_CERT_MAX];
  size_t der_len = 0;
  MatterError err;

  if (raw == NULL)
    return NULL;
  err = matter_attestation_cert_to_der(g_bytes_get_data(raw, NULL), g_bytes_get_size(raw), der,
                                       sizeof(der), &der_len);
  if (err != MATTER_OK) {
    fail_core(error, err, "Cannot read the certificate", path);
    return NULL;
  }
  return g_bytes_new(der, der_len);
}

static gboolean
read_key(const char *path, MatterP256Key **key, GError **error)
{
  g_autoptr(GBytes) raw = read_file(path, error);
  gsize len;
  const guint8 *data;
  MatterError err;

  if (raw == NULL)
    return FALSE;
  data = g_bytes_get_data(raw, &len);
  err = matter_attestation_key_parse(data, len, key);
  /* The file held a private key: wipe our copy of it. */
  matter_secure_zero((void *) data, len);
  if (err != MATTER_OK)
    return fail_core(error, err, "Cannot read the private key", path);
  return TRUE;
}

/* The DAC must be the PAI's: named by it, of its vendor (and product, when
 * the PAI has one), and signed with its key. */
static gboolean
check_dac_issued_by_pai(GBytes *dac, GBytes *pai, const CredPaths *paths,
                        MatterAttestationCertInfo *dac_info, GError **error)
{
  MatterAttestationCertInfo pai_info;
  const unsigned char *p;
  X509 *dac_x509 = NULL, *pai_x509 = NULL;
  gboolean signed_by_pai;
  MatterError err;

  err = matter_attestation_cert_check(g_bytes_get_data(dac, NULL), g_bytes_get_size(dac),
                                      MATTER_ATTESTATION_DAC, dac_info);
  if (err != MATTER_OK)
    return fail_core(error, err, "Unusable DAC", paths->dac);
  err = matter_attestation_cert_check(g_bytes_get_data(pai, NULL), g_bytes_get_size(pai),
                                      MATTER_ATTESTATION_PAI, &pai_info);
  if (err != MATTER_OK)
    return fail_core(error, err, "Unusable PAI", paths->pai);

  if (memcmp(dac_info->authority_key_id, pai_info.subject_key_id, MATTER_KEY_ID_LEN) != 0 ||
      dac_info->vendor_id != pai_info.vendor_id ||
      (pai_info.has_product_id && pai_info.product_id != dac_info->product_id)) {
    g_set_error(error, MD_ERROR, MD_ERROR_ATTESTATION, "The DAC %s was not issued by the PAI %s",
                paths->dac, paths->pai);
    return FALSE;
  }

  p = g_bytes_get_data(dac, NULL);
  dac_x509 = d2i_X509(NULL, &p, (long) g_bytes_get_size(dac));
  p = g_bytes_get_data(pai, NULL);
  pai_x509 = d2i_X509(NULL, &p, (long) g_bytes_get_size(pai));
  signed_by_pai = dac_x509 != NULL && pai_x509 != NULL &&
                  X509_verify(dac_x509, X509_get0_pubkey(pai_x509)) == 1;
  X509_free(dac_x509);
  X509_free(pai_x509);
  if (!signed_by_pai) {
    g_set_error(error, MD_ERROR, MD_ERROR_ATTESTATION,
                "The DAC %s does not carry a valid signature of the PAI %s", paths->dac,
                paths->pai);
    return FALSE;
  }
  return TRUE;
}

static gboolean
check_key_is_dacs(const MatterP256Key *key, const MatterAttestationCertInfo *dac_info,
                  const CredPaths *paths, GError **error)
{
  guint8 public_key[MATTER_P256_PUBLIC_KEY_LEN];

  if (matter_p256_export_public(key, public_key) != MATTER_OK ||
      memcmp(public_key, dac_info->public_key, sizeof(public_key)) != 0) {
    g_set_error(error, MD_ERROR, MD_ERROR_ATTESTATION, "The key %s is not the DAC's (%s)",
                paths->dac_key, paths->dac);
    return FALSE;
  }
  return TRUE;
}

/* The node announces the configured vendor and product: its DAC and CD
 * must attest exactly those. */
static gboolean
check_identity(const MatterAttestationCertInfo *dac_info, GBytes *cd, const MdConfig *config,
               const CredPaths *paths, GError **error)
{
  MatterCd content;
  MatterError err;

  if (dac_info->vendor_id != config->vendor_id || dac_info->product_id != config->product_id) {
    g_set_error(error, MD_ERROR, MD_ERROR_INVALID_CONFIG,
                "The DAC %s is for vendor 0x%04X product 0x%04X, but [Node] configures vendor "
                "0x%04X product 0x%04X",
                paths->dac, dac_info->vendor_id, dac_info->product_id, config->vendor_id,
                config->product_id);
    return FALSE;
  }
  err = matter_cd_read_unverified(g_bytes_get_data(cd, NULL), g_bytes_get_size(cd), &content);
  if (err != MATTER_OK)
    return fail_core(error, err, "Unusable Certification Declaration", paths->cd);
  err = matter_cd_check_device(&content, (guint16) config->vendor_id,
                               (guint16) config->product_id);
  if (err != MATTER_OK) {
    g_set_error(error, MD_ERROR, MD_ERROR_INVALID_CONFIG,
                "The Certification Declaration %s does not certify vendor 0x%04X product 0x%04X: "
                "%s",
                paths->cd, config->vendor_id, config->product_id, matter_error_str(err));
    return FALSE;
  }
  return TRUE;
}

static MdAttestationCreds *
load_set(const MdConfig *config, const CredPaths *paths, const char *origin, GError **error)
{
  g_autoptr(MdAttestationCreds) creds = g_new0(MdAttestationCreds, 1);
  MatterAttestationCertInfo dac_info;

  creds->origin = g_strdup(origin);
  creds->dac = read_certificate(paths->dac, error);
  if (creds->dac == NULL)
    return NULL;
  creds->pai = read_certificate(paths->pai, error);
  if (creds->pai == NULL)
    return NULL;
  creds->cd = read_file(paths->cd, error);
  if (creds->cd == NULL || !read_key(paths->dac_key, &creds->dac_key, error))
    return NULL;

  if (!check_dac_issued_by_pai(creds->dac, creds->pai, paths, &dac_info, error) ||
      !check_key_is_dacs(creds->dac_key, &dac_info, paths, error) ||
      !check_identity(&dac_info, creds->cd, config, paths, error))
    return NULL;

  creds->development = dac_info.vendor_id >= TEST_VENDOR_ID_MIN &&
                       dac_info.vendor_id <= TEST_VENDOR_ID_MAX;
  return g_steal_pointer(&creds);
}

static MdAttestationCreds *
load_development_set(const MdConfig *config, const char *dir, GError **error)
{
  g_autofree char *dac = g_build_filename(dir, DEV_DAC, NULL);
  g_autofree char *pai = g_build_filename(dir, DEV_PAI, NULL);
  g_autofree char *dac_key = g_build_filename(dir, DEV_DAC_KEY, NULL);
  g_autofree char *cd = g_build_filename(dir, DEV_CD, NULL);
  const CredPaths paths = { dac, pai, dac_key, cd };
  MdAttestationCreds *creds = load_set(config, &paths, dir, error);

  if (creds != NULL)
    creds->development = TRUE;
  return creds;
}

MdAttestationCreds *
md_attestation_creds_load(const MdConfig *config, const char *state_dir, GError **error)
{
  g_autofree char *state_set = NULL;

  if (md_config_has_attestation(config)) {
    const CredPaths paths = { config->dac_certificate, config->pai_certificate,
                              config->dac_private_key, config->certification_declaration };

    return load_set(config, &paths, "the configuration", error);
  }

  state_set = g_build_filename(state_dir, "attestation", NULL);
  if (g_file_test(state_set, G_FILE_TEST_IS_DIR))
    return load_development_set(config, state_set, error);
  if (g_file_test(MATTERD_DEV_ATTESTATION_DIR, G_FILE_TEST_IS_DIR))
    return load_development_set(config, MATTERD_DEV_ATTESTATION_DIR, error);

  g_set_error(error, MD_ERROR, MD_ERROR_NOT_FOUND,
              "No attestation credentials: name them in [Attestation] of matterd.conf, or put a "
              "development set (matterctl creds generate) in %s or " MATTERD_DEV_ATTESTATION_DIR,
              state_set);
  return NULL;
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
