/* SPDX-License-Identifier: Apache-2.0 */
#include "md-error.h"

#include "md-names.h"

static const GDBusErrorEntry md_error_entries[] = {
  { MD_ERROR_FAILED, MD_DBUS_ERROR_PREFIX "Failed" },
  { MD_ERROR_INVALID_CONFIG, MD_DBUS_ERROR_PREFIX "InvalidConfig" },
  { MD_ERROR_STORE, MD_DBUS_ERROR_PREFIX "Store" },
  { MD_ERROR_STORE_CORRUPT, MD_DBUS_ERROR_PREFIX "StoreCorrupt" },
  { MD_ERROR_STORE_VERSION, MD_DBUS_ERROR_PREFIX "StoreVersion" },
  { MD_ERROR_NOT_FOUND, MD_DBUS_ERROR_PREFIX "NotFound" },
  { MD_ERROR_WRONG_TYPE, MD_DBUS_ERROR_PREFIX "WrongType" },
  { MD_ERROR_NOT_SUPPORTED, MD_DBUS_ERROR_PREFIX "NotSupported" },
  { MD_ERROR_CORE, MD_DBUS_ERROR_PREFIX "Core" },
  { MD_ERROR_ATTESTATION, MD_DBUS_ERROR_PREFIX "Attestation" },
  { MD_ERROR_NOT_AUTHORIZED, MD_DBUS_ERROR_PREFIX "NotAuthorized" },
  { MD_ERROR_INVALID_ARGUMENT, MD_DBUS_ERROR_PREFIX "InvalidArgument" },
  { MD_ERROR_BUSY, MD_DBUS_ERROR_PREFIX "Busy" },
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

GError *
md_error_to_public(const GError *error)
{
  if (error->domain == MD_ERROR) {
    switch ((MdError) error->code) {
    case MD_ERROR_FAILED:
    case MD_ERROR_NOT_FOUND:
    case MD_ERROR_NOT_SUPPORTED:
    case MD_ERROR_NOT_AUTHORIZED:
    case MD_ERROR_INVALID_ARGUMENT:
    case MD_ERROR_BUSY:
      return g_error_copy(error);
    default:
      break;
    }
  }
  return g_error_new_literal(MD_ERROR, MD_ERROR_FAILED, error->message);
}
