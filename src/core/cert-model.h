/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The certificate model's rules for cert-tlv.c and cert-x509.c; not part
 * of the API (matter_cert_check_format() and the DN helpers are in
 * matter/cert.h). */

#include "matter/cert.h"

/* The value rules of one DN attribute of any type, vendor and product id
 * included: MATTER_ERROR_CERT_DN_ATTRIBUTE when it breaks one. */
MatterError matter_cert_dn_attr_check(const MatterCertDnAttr *attr);
