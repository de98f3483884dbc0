/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The node's device attestation credentials: DAC, its private key, the PAI
 * and the Certification Declaration, loaded once at start and checked to
 * belong together and to the configured vendor and product. */

#include <glib.h>

#include "config.h"
#include "matter/crypto.h"

typedef struct _MdAttestationCreds MdAttestationCreds;

/* From the files [Attestation] names, else the development set in
 * <@state_dir>/attestation/, else the development set installed with
 * matterd. Errors: MD_ERROR_INVALID_CONFIG when the credentials are for
 * another vendor or product than @config's, MD_ERROR_ATTESTATION when they
 * cannot be read or do not belong together, MD_ERROR_NOT_FOUND when there
 * are none. */
MdAttestationCreds *md_attestation_creds_load(const MdConfig *config, const char *state_dir,
                                              GError **error);
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
