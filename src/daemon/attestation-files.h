/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Where the node's attestation credentials come from: the files
 * [Attestation] names, else the development set in
 * <state-dir>/attestation/, else the development set installed with
 * matterd. They are read here and checked by the node
 * (attestation-creds.h). */

#include <glib.h>

#include "attestation-creds.h"
#include "config.h"

/* Errors: those of md_attestation_creds_new(), MD_ERROR_ATTESTATION when a
 * file cannot be read, MD_ERROR_NOT_FOUND when there are none. */
MdAttestationCreds *md_attestation_files_load(const MdConfig *config, const char *state_dir,
                                              GError **error);
