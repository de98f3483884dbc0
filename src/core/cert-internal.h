/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Shared by cert-tlv.c, cert-x509.c and cert-chain.c; not part of the API. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "matter/cert.h"

/* Reads the DER element at *@p, which must end by @end, with a definite
 * length: its tag number and class (OpenSSL's V_ASN1_* values), whether it
 * is constructed, and its contents. Moves *@p past it. */
bool matter_cert_der_read(const uint8_t **p, const uint8_t *end, int *tag, int *cls,
                          bool *constructed, const uint8_t **content, size_t *len);

/* Checks that @der is exactly one DER Extension (OID, optional critical
 * TRUE, OCTET STRING) and returns the OID's contents and the flag. */
bool matter_cert_ext_parse(const uint8_t *der, size_t len, const uint8_t **oid, size_t *oid_len,
                           bool *critical);

/* The value rules of one DN attribute of any type, vendor and product id
 * included: MATTER_ERROR_CERT_DN_ATTRIBUTE when it breaks one. */
MatterError matter_cert_dn_attr_check(const MatterCertDnAttr *attr);
