/* SPDX-License-Identifier: Apache-2.0 */
#define G_LOG_DOMAIN "matterd"

#include "build-config.h"

#include "attestation-files.h"

#include "matter/crypto.h"
#include "md-error.h"

/* File names in a development set, as `matterctl creds generate` writes them. */
#define DEV_DAC "dac-cert.der"
#define DEV_PAI "pai-cert.der"
#define DEV_DAC_KEY "dac-key.pem"
#define DEV_CD "cd.der"

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

/* The private key's bytes are wiped before they are freed. */
static void
wipe_bytes(GBytes *bytes)
{
  gsize len;
  const void *data;

  if (bytes == NULL)
    return;
  data = g_bytes_get_data(bytes, &len);
  matter_secure_zero((void *) data, len);
  g_bytes_unref(bytes);
}

static MdAttestationCreds *
load_set(const MdConfig *config, const char *dac, const char *pai, const char *dac_key,
         const char *cd, const char *origin, gboolean development, GError **error)
{
  MdAttestationFiles files = {
    .dac_name = dac,
    .pai_name = pai,
    .dac_key_name = dac_key,
    .cd_name = cd,
    .origin = origin,
    .development = development,
  };
  MdAttestationCreds *creds = NULL;

  if ((files.dac = read_file(dac, error)) != NULL && (files.pai = read_file(pai, error)) != NULL &&
      (files.dac_key = read_file(dac_key, error)) != NULL &&
      (files.cd = read_file(cd, error)) != NULL)
    creds = md_attestation_creds_new(&files, (guint16) config->vendor_id,
                                     (guint16) config->product_id, error);
  g_clear_pointer(&files.dac, g_bytes_unref);
  g_clear_pointer(&files.pai, g_bytes_unref);
  g_clear_pointer(&files.cd, g_bytes_unref);
  wipe_bytes(files.dac_key);
  return creds;
}

static MdAttestationCreds *
load_development_set(const MdConfig *config, const char *dir, GError **error)
{
  g_autofree char *dac = g_build_filename(dir, DEV_DAC, NULL);
  g_autofree char *pai = g_build_filename(dir, DEV_PAI, NULL);
  g_autofree char *dac_key = g_build_filename(dir, DEV_DAC_KEY, NULL);
  g_autofree char *cd = g_build_filename(dir, DEV_CD, NULL);

  return load_set(config, dac, pai, dac_key, cd, dir, TRUE, error);
}

MdAttestationCreds *
md_attestation_files_load(const MdConfig *config, const char *state_dir, GError **error)
{
  g_autofree char *state_set = NULL;

  if (md_config_has_attestation(config))
    return load_set(config, config->dac_certificate, config->pai_certificate,
                    config->dac_private_key, config->certification_declaration,
                    "the configuration", FALSE, error);

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
