/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <glib.h>
#include <gio/gio.h>

#include "matter/error.h"

#define MD_ERROR (md_error_quark())

/* Daemon errors. Each maps to a D-Bus error org.matterd.Error.<Name>
 * (see md_error_quark() and docs/dbus-api.md). */
typedef enum {
  MD_ERROR_FAILED,         /* org.matterd.Error.Failed */
  MD_ERROR_INVALID_CONFIG, /* org.matterd.Error.InvalidConfig */
  MD_ERROR_STORE,          /* org.matterd.Error.Store: I/O or SQL failure */
  MD_ERROR_STORE_CORRUPT,  /* org.matterd.Error.StoreCorrupt */
  MD_ERROR_STORE_VERSION,  /* org.matterd.Error.StoreVersion: schema newer than this build */
  MD_ERROR_NOT_FOUND,      /* org.matterd.Error.NotFound */
  MD_ERROR_WRONG_TYPE,     /* org.matterd.Error.WrongType: stored value has another type */
  MD_ERROR_NOT_SUPPORTED,  /* org.matterd.Error.NotSupported */
  MD_ERROR_CORE,           /* org.matterd.Error.Core: a MatterError from the protocol core */
  MD_ERROR_ATTESTATION,    /* org.matterd.Error.Attestation: unusable attestation credentials */
} MdError;

GQuark md_error_quark(void);

/* Sets @error to MD_ERROR_CORE with the core's reason, prefixed by @what. */
void md_error_set_core(GError **error, MatterError err, const char *what);
