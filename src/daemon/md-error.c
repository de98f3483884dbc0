/* SPDX-License-Identifier: Apache-2.0 */
#include "md-error.h"

static const GDBusErrorEntry md_error_entries[] = {
  { MD_ERROR_FAILED, "org.matterd.Error.Failed" },
  { MD_ERROR_INVALID_CONFIG, "org.matterd.Error.InvalidConfig" },
  { MD_ERROR_STORE, "org.matterd.Error.Store" },
  { MD_ERROR_STORE_CORRUPT, "org.matterd.Error.StoreCorrupt" },
  { MD_ERROR_STORE_VERSION, "org.matterd.Error.StoreVersion" },
  { MD_ERROR_NOT_FOUND, "org.matterd.Error.NotFound" },
  { MD_ERROR_WRONG_TYPE, "org.matterd.Error.WrongType" },
  { MD_ERROR_NOT_SUPPORTED, "org.matterd.Error.NotSupported" },
  { MD_ERROR_CORE, "org.matterd.Error.Core" },
  { MD_ERROR_ATTESTATION, "org.matterd.Error.Attestation" },
};

GQuark
md_error_quark(void)
{
  static gsize quark;

  g_dbus_error_register_error_domain("md-error-quark", &quark, md_error_entries,
                                     G_N_ELEMENTS(md_error_entries));
  return (GQuark) quark;
}

void
md_error_set_core(GError **error, MatterError err, const char *what)
{
  g_set_error(error, MD_ERROR, MD_ERROR_CORE, "%s: %s", what, matter_error_str(err));
}
