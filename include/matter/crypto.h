/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Thin wrappers over OpenSSL 3 for the primitives Matter uses (Core spec
 * chapter 3): SHA-256, HMAC-SHA256, HKDF-SHA256, PBKDF2-HMAC-SHA256,
 * AES-CCM-128, AES-CTR-128, ECDSA and ECDH on P-256, the DRBG, and the
 * constant-time helpers. Keys are raw bytes on the wire: a public key is the
 * 65-byte uncompressed point, a private key the 32-byte scalar, a signature
 * the 64-byte r || s. */

#include <stddef.h>
#include <stdint.h>

#include "matter/error.h"

#define MATTER_SHA256_LEN 32
#define MATTER_AES128_KEY_LEN 16
#define MATTER_AES_CCM_NONCE_LEN 13
#define MATTER_AES_CCM_TAG_LEN 16
#define MATTER_AES_BLOCK_LEN 16
#define MATTER_P256_PUBLIC_KEY_LEN 65
#define MATTER_P256_PRIVATE_KEY_LEN 32
#define MATTER_P256_SIGNATURE_LEN 64
#define MATTER_P256_SHARED_SECRET_LEN 32
/* A DER ECDSA-Sig-Value on P-256 is at most this long. */
#define MATTER_P256_DER_SIGNATURE_MAX 72

MatterError matter_sha256(const uint8_t *data, size_t len, uint8_t out[MATTER_SHA256_LEN]);

/* Incremental SHA-256, for transcripts hashed as messages arrive. */
typedef struct MatterSha256 MatterSha256;
MatterSha256 *matter_sha256_new(void);
MatterError matter_sha256_update(MatterSha256 *hash, const uint8_t *data, size_t len);
/* The digest of everything so far; the hash may be updated further. */
MatterError matter_sha256_peek(const MatterSha256 *hash, uint8_t out[MATTER_SHA256_LEN]);
void matter_sha256_free(MatterSha256 *hash);

MatterError matter_hmac_sha256(const uint8_t *key, size_t key_len, const uint8_t *data,
                               size_t data_len, uint8_t out[MATTER_SHA256_LEN]);

/* RFC 5869. @salt may be NULL with @salt_len 0 (a zero-filled salt). */
MatterError matter_hkdf_sha256(const uint8_t *ikm, size_t ikm_len, const uint8_t *salt,
                               size_t salt_len, const uint8_t *info, size_t info_len, uint8_t *out,
                               size_t out_len);

MatterError matter_pbkdf2_sha256(const uint8_t *password, size_t password_len,
                                 const uint8_t *salt, size_t salt_len, uint32_t iterations,
                                 uint8_t *out, size_t out_len);

/* AES-CCM with a 128-bit key. Matter uses a 13-byte nonce and a 16-byte
 * tag; other lengths CCM allows (nonce 7..13, tag 4..16 even) are accepted
 * for test vectors. @out may equal @in. Decryption fails with
 * MATTER_ERROR_AUTH_FAILED and writes nothing usable when the tag is wrong. */
MatterError matter_aes_ccm_encrypt(const uint8_t key[MATTER_AES128_KEY_LEN], const uint8_t *nonce,
                                   size_t nonce_len, const uint8_t *aad, size_t aad_len,
                                   const uint8_t *in, size_t len, uint8_t *out, uint8_t *tag,
                                   size_t tag_len);
MatterError matter_aes_ccm_decrypt(const uint8_t key[MATTER_AES128_KEY_LEN], const uint8_t *nonce,
                                   size_t nonce_len, const uint8_t *aad, size_t aad_len,
                                   const uint8_t *in, size_t len, const uint8_t *tag,
                                   size_t tag_len, uint8_t *out);

/* AES-128 in counter mode with a 16-byte initial counter block (message
 * privacy). Encryption and decryption are the same operation. */
MatterError matter_aes_ctr(const uint8_t key[MATTER_AES128_KEY_LEN],
                           const uint8_t iv[MATTER_AES_BLOCK_LEN], const uint8_t *in, size_t len,
                           uint8_t *out);

/* A P-256 key pair, or a public key alone. */
typedef struct MatterP256Key MatterP256Key;

MatterError matter_p256_generate(MatterP256Key **key);
/* Checks the scalar is in 1..n-1 and derives the public key. */
MatterError matter_p256_import_private(const uint8_t priv[MATTER_P256_PRIVATE_KEY_LEN],
                                       MatterP256Key **key);
/* Checks the point is uncompressed and on the curve. */
MatterError matter_p256_import_public(const uint8_t pub[MATTER_P256_PUBLIC_KEY_LEN],
                                      MatterP256Key **key);
MatterError matter_p256_export_public(const MatterP256Key *key,
                                      uint8_t pub[MATTER_P256_PUBLIC_KEY_LEN]);
/* MATTER_ERROR_INVALID_KEY for a public-only key. */
MatterError matter_p256_export_private(const MatterP256Key *key,
                                       uint8_t priv[MATTER_P256_PRIVATE_KEY_LEN]);
void matter_p256_free(MatterP256Key *key);

/* ECDSA with SHA-256 over @msg (the hash is taken here). */
MatterError matter_ecdsa_sign(const MatterP256Key *key, const uint8_t *msg, size_t msg_len,
                              uint8_t sig[MATTER_P256_SIGNATURE_LEN]);
/* MATTER_ERROR_INVALID_SIGNATURE when the signature does not verify. */
MatterError matter_ecdsa_verify(const MatterP256Key *key, const uint8_t *msg, size_t msg_len,
                                const uint8_t sig[MATTER_P256_SIGNATURE_LEN]);
MatterError matter_ecdsa_verify_raw(const uint8_t pub[MATTER_P256_PUBLIC_KEY_LEN],
                                    const uint8_t *msg, size_t msg_len,
                                    const uint8_t sig[MATTER_P256_SIGNATURE_LEN]);

/* r || s <-> DER ECDSA-Sig-Value (X.509 and CSRs carry DER). */
MatterError matter_ecdsa_raw_to_der(const uint8_t sig[MATTER_P256_SIGNATURE_LEN], uint8_t *der,
                                    size_t der_size, size_t *der_len);
MatterError matter_ecdsa_der_to_raw(const uint8_t *der, size_t der_len,
                                    uint8_t sig[MATTER_P256_SIGNATURE_LEN]);

/* The x coordinate of priv * peer. */
MatterError matter_ecdh(const MatterP256Key *key, const uint8_t peer[MATTER_P256_PUBLIC_KEY_LEN],
                        uint8_t secret[MATTER_P256_SHARED_SECRET_LEN]);

/* Fills @buf from OpenSSL's DRBG. */
MatterError matter_random(uint8_t *buf, size_t len);

/* 1 when equal, 0 otherwise, in time that depends only on @len. */
int matter_ct_equal(const void *a, const void *b, size_t len);
/* Zeroes @buf in a way the compiler cannot elide. */
void matter_secure_zero(void *buf, size_t len);
