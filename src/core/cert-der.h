/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* DER reading for cert-x509.c, cert-tlv.c and cert-chain.c; not part of
 * the API. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Reads the DER element at *@p, which must end by @end, with a definite
 * length: its tag number and class (OpenSSL's V_ASN1_* values), whether it
 * is constructed, and its contents. Moves *@p past it. */
bool matter_cert_der_read(const uint8_t **p, const uint8_t *end, int *tag, int *cls,
                          bool *constructed, const uint8_t **content, size_t *len);

/* Reads an element that must be universal @want_tag, constructed or
 * primitive as @want_constructed says. */
bool matter_cert_der_expect(const uint8_t **p, const uint8_t *end, int want_tag,
                            bool want_constructed, const uint8_t **content, size_t *len);

/* Checks that @der is exactly one DER Extension (OID, optional critical
 * TRUE, OCTET STRING) and returns the OID's contents and the flag. */
bool matter_cert_ext_parse(const uint8_t *der, size_t len, const uint8_t **oid, size_t *oid_len,
                           bool *critical);
