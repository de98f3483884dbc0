/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* OpenSSL helpers that attestation.c, cd.c and csr.c share. Not part of
 * the core's API. */

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "matter/attestation.h"

/* Drops OpenSSL's queued reasons (the caller says why) and returns @err. */
MatterError matter_attestation_fail(MatterError err);

/* A read-only memory BIO over @data; NULL when @len does not fit an int. */
BIO *matter_attestation_bio_new(const uint8_t *data, size_t len);

/* True when @data starts with a PEM header, after optional white space. */
bool matter_attestation_is_pem(const uint8_t *data, size_t len);

/* One certificate from PEM, or from DER that it spans exactly; NULL
 * otherwise. */
X509 *matter_attestation_x509_parse(const uint8_t *data, size_t len);

/* @key as an EVP_PKEY, with its private half when it has one. */
EVP_PKEY *matter_attestation_pkey_new(const MatterP256Key *key);

/* The uncompressed point of a P-256 key; MATTER_ERROR_INVALID_KEY for any
 * other key. */
MatterError matter_attestation_pkey_public(const EVP_PKEY *pkey,
                                           uint8_t pub[MATTER_P256_PUBLIC_KEY_LEN]);

/* Copies what was written to the memory BIO @bio into @out. */
MatterError matter_attestation_bio_copy(BIO *bio, uint8_t *out, size_t size, size_t *len);
