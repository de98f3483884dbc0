/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <glib.h>
#include <gio/gio.h>

#include "matter/error.h"

#define MD_ERROR (md_error_quark())

/* Daemon errors. Each has a D-Bus name org.matterd.Error.<Name>
 * (md_error_quark()), but only the public ones (FAILED, NOT_FOUND,
 * NOT_SUPPORTED, NOT_AUTHORIZED, INVALID_ARGUMENT, BUSY) ever reach the
 * bus: md_error_to_public() folds the others into FAILED, keeping their
 * message. docs/dbus-api.md lists the public ones. */
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
  MD_ERROR_NOT_AUTHORIZED,   /* org.matterd.Error.NotAuthorized: polkit said no */
  MD_ERROR_INVALID_ARGUMENT, /* org.matterd.Error.InvalidArgument */
  MD_ERROR_BUSY,             /* org.matterd.Error.Busy: try again later */
} MdError;

GQuark md_error_quark(void);

/* @error as a caller on the bus may see it: a public MdError is returned
 * as it is, any other error as MD_ERROR_FAILED with the same message. */
GError *md_error_to_public(const GError *error);

/* Sets @error to MD_ERROR_CORE with the core's reason, prefixed by @what. */
void md_error_set_core(GError **error, MatterError err, const char *what);
