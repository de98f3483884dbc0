/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The node's device attestation credentials: DAC, its private key, the PAI
 * and the Certification Declaration, loaded once at start and checked to
 * belong together and to the configured vendor and product. */

#include <glib.h>

#include "matter/crypto.h"

typedef struct _MdAttestationCreds MdAttestationCreds;

/* One set of credentials as read from its files (PEM or DER certificates,
 * the key in PEM or DER), with the names to give in messages. */
typedef struct {
  GBytes *dac;
  GBytes *pai;
  GBytes *dac_key;
  GBytes *cd;
  const char *dac_name;
  const char *pai_name;
  const char *dac_key_name;
  const char *cd_name;
  const char *origin;    /* a directory, or "the configuration" */
  gboolean development;  /* a development set, whatever its vendor */
} MdAttestationFiles;

/* Checks that the set belongs together and attests @vendor_id and
 * @product_id. Errors: MD_ERROR_INVALID_CONFIG when it is for another
 * vendor or product, MD_ERROR_ATTESTATION when it cannot be parsed or
 * does not belong together. Reading the files is the daemon's job
 * (attestation-files.h). */
MdAttestationCreds *md_attestation_creds_new(const MdAttestationFiles *files, guint16 vendor_id,
                                             guint16 product_id, GError **error);
void md_attestation_creds_free(MdAttestationCreds *creds);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdAttestationCreds, md_attestation_creds_free)

/* True for a development set, or credentials of a test vendor id. */
gboolean md_attestation_creds_is_development(MdAttestationCreds *creds);
/* Where they came from: a directory, or the configuration file. */
const char *md_attestation_creds_origin(MdAttestationCreds *creds);

GBytes *md_attestation_creds_get_dac(MdAttestationCreds *creds);
GBytes *md_attestation_creds_get_pai(MdAttestationCreds *creds);
GBytes *md_attestation_creds_get_cd(MdAttestationCreds *creds);
const MatterP256Key *md_attestation_creds_get_dac_key(MdAttestationCreds *creds);
