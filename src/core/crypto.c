/* SPDX-License-Identifier: Apache-2.0 */
#include "matter/crypto.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>

#define P256_GROUP_NAME "prime256v1"
#define P256_SCALAR_LEN 32
#define UNCOMPRESSED_POINT 0x04
#define HKDF_MAX_OUT (255 * MATTER_SHA256_LEN)

struct MatterSha256 {
  EVP_MD_CTX *ctx;
};

struct MatterP256Key {
  EVP_PKEY *pkey;
  uint8_t pub[MATTER_P256_PUBLIC_KEY_LEN];
  int has_private;
};

/* OpenSSL wants a valid pointer even for zero-length input in places. */
static const uint8_t empty[1];

static const uint8_t *
nonnull(const uint8_t *buf)
{
  return buf != NULL ? buf : empty;
}

/* OpenSSL queues a reason for most failures; drop it so that errors do not
 * pile up on the thread's queue and show up later under another call. */
static MatterError
fail(MatterError err)
{
  ERR_clear_error();
  return err;
}

/* SHA-256 */

MatterError
matter_sha256(const uint8_t *data, size_t len, uint8_t out[MATTER_SHA256_LEN])
{
  if ((data == NULL && len > 0) || out == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (EVP_Digest(nonnull(data), len, out, NULL, EVP_sha256(), NULL) != 1)
    return fail(MATTER_ERROR_CRYPTO);
  return MATTER_OK;
}

MatterSha256 *
matter_sha256_new(void)
{
  MatterSha256 *hash = calloc(1, sizeof(*hash));

  if (hash == NULL)
    return NULL;
  hash->ctx = EVP_MD_CTX_new();
  if (hash->ctx == NULL || EVP_DigestInit_ex(hash->ctx, EVP_sha256(), NULL) != 1) {
    matter_sha256_free(hash);
    ERR_clear_error();
    return NULL;
  }
  return hash;
}

MatterError
matter_sha256_update(MatterSha256 *hash, const uint8_t *data, size_t len)
{
  if (hash == NULL || (data == NULL && len > 0))
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (EVP_DigestUpdate(hash->ctx, nonnull(data), len) != 1)
    return fail(MATTER_ERROR_CRYPTO);
  return MATTER_OK;
}

MatterError
matter_sha256_peek(const MatterSha256 *hash, uint8_t out[MATTER_SHA256_LEN])
{
  EVP_MD_CTX *copy;
  int ok;

  if (hash == NULL || out == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  /* Finalising consumes a context, so finalise a copy. */
  copy = EVP_MD_CTX_new();
  ok = copy != NULL && EVP_MD_CTX_copy_ex(copy, hash->ctx) == 1 &&
       EVP_DigestFinal_ex(copy, out, NULL) == 1;
  EVP_MD_CTX_free(copy);
  return ok ? MATTER_OK : fail(MATTER_ERROR_CRYPTO);
}

void
matter_sha256_free(MatterSha256 *hash)
{
  if (hash == NULL)
    return;
  EVP_MD_CTX_free(hash->ctx);
  free(hash);
}

/* HMAC, HKDF, PBKDF2 */

MatterError
matter_hmac_sha256(const uint8_t *key, size_t key_len, const uint8_t *data, size_t data_len,
                   uint8_t out[MATTER_SHA256_LEN])
{
  size_t out_len = 0;

  if ((key == NULL && key_len > 0) || (data == NULL && data_len > 0) || out == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  /* A NULL key would mean "keep the previous key"; an empty key is a key. */
  if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, nonnull(key), key_len, nonnull(data), data_len,
                out, MATTER_SHA256_LEN, &out_len) == NULL ||
      out_len != MATTER_SHA256_LEN) {
    OPENSSL_cleanse(out, MATTER_SHA256_LEN);
    return fail(MATTER_ERROR_CRYPTO);
  }
  return MATTER_OK;
}

static MatterError
kdf_derive(const char *name, const OSSL_PARAM *params, uint8_t *out, size_t out_len)
{
  EVP_KDF *kdf = EVP_KDF_fetch(NULL, name, NULL);
  EVP_KDF_CTX *ctx = kdf != NULL ? EVP_KDF_CTX_new(kdf) : NULL;
  int ok = ctx != NULL && EVP_KDF_derive(ctx, out, out_len, params) == 1;

  /* Freeing the context wipes the key material it copied. */
  EVP_KDF_CTX_free(ctx);
  EVP_KDF_free(kdf);
  if (!ok) {
    OPENSSL_cleanse(out, out_len);
    return fail(MATTER_ERROR_CRYPTO);
  }
  return MATTER_OK;
}

MatterError
matter_hkdf_sha256(const uint8_t *ikm, size_t ikm_len, const uint8_t *salt, size_t salt_len,
                   const uint8_t *info, size_t info_len, uint8_t *out, size_t out_len)
{
  /* RFC 5869 2.2: no salt means HashLen zero bytes. */
  static const uint8_t zero_salt[MATTER_SHA256_LEN];
  char digest[] = "SHA256";
  OSSL_PARAM params[5];
  OSSL_PARAM *p = params;

  if ((ikm == NULL && ikm_len > 0) || (salt == NULL && salt_len > 0) ||
      (info == NULL && info_len > 0) || out == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (out_len == 0 || out_len > HKDF_MAX_OUT)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (salt_len == 0) {
    salt = zero_salt;
    salt_len = sizeof(zero_salt);
  }

  *p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
  *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *) nonnull(ikm), ikm_len);
  *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *) salt, salt_len);
  if (info_len > 0)
    *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *) info, info_len);
  *p = OSSL_PARAM_construct_end();
  return kdf_derive("HKDF", params, out, out_len);
}

MatterError
matter_pbkdf2_sha256(const uint8_t *password, size_t password_len, const uint8_t *salt,
                     size_t salt_len, uint32_t iterations, uint8_t *out, size_t out_len)
{
  char digest[] = "SHA256";
  unsigned int iter = iterations;
  /* Matter fixes its own bounds (salt 16..32 bytes, 1000..100000
   * iterations); the SP 800-132 floors would refuse published vectors. */
  int pkcs5 = 1;
  OSSL_PARAM params[6];

  if ((password == NULL && password_len > 0) || (salt == NULL && salt_len > 0) || out == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (iterations == 0 || out_len == 0)
    return MATTER_ERROR_INVALID_ARGUMENT;

  params[0] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, (void *) nonnull(password),
                                                password_len);
  params[1] =
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *) nonnull(salt), salt_len);
  params[2] = OSSL_PARAM_construct_uint(OSSL_KDF_PARAM_ITER, &iter);
  params[3] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
  params[4] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_PKCS5, &pkcs5);
  params[5] = OSSL_PARAM_construct_end();
  return kdf_derive("PBKDF2", params, out, out_len);
}

/* AES-CCM, AES-CTR */

static int
ccm_lengths_valid(size_t nonce_len, size_t aad_len, size_t len, size_t tag_len)
{
  size_t length_field = 15 - nonce_len;

  if (nonce_len < 7 || nonce_len > 13)
    return 0;
  if (tag_len < 4 || tag_len > 16 || tag_len % 2 != 0)
    return 0;
  if (len > INT_MAX || aad_len > INT_MAX)
    return 0;
  /* The payload length has to fit the length field the nonce leaves. */
  if (length_field < sizeof(size_t) && (len >> (8 * length_field)) != 0)
    return 0;
  return 1;
}

/* Sets up @ctx for one CCM message and feeds it the payload length and the
 * AAD, in the order OpenSSL's CCM requires. For decryption @tag is the
 * expected tag, for encryption NULL (only its length is set). */
static int
ccm_start(EVP_CIPHER_CTX *ctx, int enc, const uint8_t *key, const uint8_t *nonce, size_t nonce_len,
          const uint8_t *aad, size_t aad_len, size_t len, uint8_t *tag, size_t tag_len)
{
  int outl;

  if (EVP_CipherInit_ex(ctx, EVP_aes_128_ccm(), NULL, NULL, NULL, enc) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, (int) nonce_len, NULL) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, (int) tag_len, tag) != 1 ||
      EVP_CipherInit_ex(ctx, NULL, NULL, key, nonce, enc) != 1 ||
      EVP_CipherUpdate(ctx, NULL, &outl, NULL, (int) len) != 1)
    return 0;
  if (aad_len > 0 && EVP_CipherUpdate(ctx, NULL, &outl, aad, (int) aad_len) != 1)
    return 0;
  return 1;
}

/* The payload step. An empty payload still has to run it (that is where
 * CCM computes or checks the tag), and OpenSSL takes a NULL input there to
 * mean "finish", so point at a dummy byte. */
static int
ccm_payload(EVP_CIPHER_CTX *ctx, const uint8_t *in, size_t len, uint8_t *out)
{
  uint8_t dummy = 0;
  int outl = 0;

  if (len == 0) {
    in = &dummy;
    out = &dummy;
  }
  return EVP_CipherUpdate(ctx, out, &outl, in, (int) len) == 1 && (size_t) outl == len;
}

MatterError
matter_aes_ccm_encrypt(const uint8_t key[MATTER_AES128_KEY_LEN], const uint8_t *nonce,
                       size_t nonce_len, const uint8_t *aad, size_t aad_len, const uint8_t *in,
                       size_t len, uint8_t *out, uint8_t *tag, size_t tag_len)
{
  EVP_CIPHER_CTX *ctx;
  uint8_t final[MATTER_AES_BLOCK_LEN];
  int outl;
  int ok;

  if (key == NULL || nonce == NULL || tag == NULL || (aad == NULL && aad_len > 0) ||
      ((in == NULL || out == NULL) && len > 0))
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (!ccm_lengths_valid(nonce_len, aad_len, len, tag_len))
    return MATTER_ERROR_INVALID_ARGUMENT;

  ctx = EVP_CIPHER_CTX_new();
  ok = ctx != NULL && ccm_start(ctx, 1, key, nonce, nonce_len, aad, aad_len, len, NULL, tag_len) &&
       ccm_payload(ctx, in, len, out) && EVP_EncryptFinal_ex(ctx, final, &outl) == 1 &&
       EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, (int) tag_len, tag) == 1;
  EVP_CIPHER_CTX_free(ctx);
  if (!ok) {
    if (len > 0)
      OPENSSL_cleanse(out, len);
    OPENSSL_cleanse(tag, tag_len);
    return fail(MATTER_ERROR_CRYPTO);
  }
  return MATTER_OK;
}

MatterError
matter_aes_ccm_decrypt(const uint8_t key[MATTER_AES128_KEY_LEN], const uint8_t *nonce,
                       size_t nonce_len, const uint8_t *aad, size_t aad_len, const uint8_t *in,
                       size_t len, const uint8_t *tag, size_t tag_len, uint8_t *out)
{
  EVP_CIPHER_CTX *ctx;
  uint8_t expected_tag[MATTER_AES_CCM_TAG_LEN];
  MatterError err = MATTER_OK;

  if (key == NULL || nonce == NULL || tag == NULL || (aad == NULL && aad_len > 0) ||
      ((in == NULL || out == NULL) && len > 0))
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (!ccm_lengths_valid(nonce_len, aad_len, len, tag_len))
    return MATTER_ERROR_INVALID_ARGUMENT;

  /* The control call takes a mutable pointer; hand it a copy. */
  memcpy(expected_tag, tag, tag_len);
  ctx = EVP_CIPHER_CTX_new();
  if (ctx == NULL ||
      !ccm_start(ctx, 0, key, nonce, nonce_len, aad, aad_len, len, expected_tag, tag_len))
    err = MATTER_ERROR_CRYPTO;
  else if (!ccm_payload(ctx, in, len, out))
    err = MATTER_ERROR_AUTH_FAILED;
  EVP_CIPHER_CTX_free(ctx);
  if (err != MATTER_OK) {
    if (len > 0)
      OPENSSL_cleanse(out, len);
    return fail(err);
  }
  return MATTER_OK;
}

MatterError
matter_aes_ctr(const uint8_t key[MATTER_AES128_KEY_LEN], const uint8_t iv[MATTER_AES_BLOCK_LEN],
               const uint8_t *in, size_t len, uint8_t *out)
{
  EVP_CIPHER_CTX *ctx;
  uint8_t final[MATTER_AES_BLOCK_LEN];
  int outl = 0;
  int finl = 0;
  int ok;

  if (key == NULL || iv == NULL || ((in == NULL || out == NULL) && len > 0))
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (len > INT_MAX)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (len == 0)
    return MATTER_OK;

  ctx = EVP_CIPHER_CTX_new();
  ok = ctx != NULL && EVP_EncryptInit_ex(ctx, EVP_aes_128_ctr(), NULL, key, iv) == 1 &&
       EVP_EncryptUpdate(ctx, out, &outl, in, (int) len) == 1 && (size_t) outl == len &&
       EVP_EncryptFinal_ex(ctx, final, &finl) == 1 && finl == 0;
  EVP_CIPHER_CTX_free(ctx);
  if (!ok) {
    OPENSSL_cleanse(out, len);
    return fail(MATTER_ERROR_CRYPTO);
  }
  return MATTER_OK;
}

/* P-256 keys */

static EC_GROUP *
p256_group(void)
{
  return EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
}

static MatterP256Key *
key_wrap(EVP_PKEY *pkey, const uint8_t pub[MATTER_P256_PUBLIC_KEY_LEN], int has_private)
{
  MatterP256Key *key = calloc(1, sizeof(*key));

  if (key == NULL)
    return NULL;
  key->pkey = pkey;
  memcpy(key->pub, pub, MATTER_P256_PUBLIC_KEY_LEN);
  key->has_private = has_private;
  return key;
}

/* Builds the EVP_PKEY from an already validated public point and, for a key
 * pair, the private scalar that point belongs to. */
static MatterError
key_from_data(const uint8_t pub[MATTER_P256_PUBLIC_KEY_LEN], const BIGNUM *priv,
              MatterP256Key **key)
{
  OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM *params = NULL;
  EVP_PKEY_CTX *ctx = NULL;
  EVP_PKEY *pkey = NULL;
  int selection = priv != NULL ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY;
  MatterError err = MATTER_ERROR_CRYPTO;

  if (bld == NULL ||
      OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, P256_GROUP_NAME, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub,
                                       MATTER_P256_PUBLIC_KEY_LEN) != 1 ||
      (priv != NULL && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv) != 1))
    goto out;
  /* A secure BIGNUM lands in a block that OSSL_PARAM_free() wipes. */
  params = OSSL_PARAM_BLD_to_param(bld);
  ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
  if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
      EVP_PKEY_fromdata(ctx, &pkey, selection, params) != 1)
    goto out;
  *key = key_wrap(pkey, pub, priv != NULL);
  if (*key == NULL) {
    err = MATTER_ERROR_NO_MEMORY;
    EVP_PKEY_free(pkey);
    goto out;
  }
  err = MATTER_OK;
out:
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  return err;
}

MatterError
matter_p256_generate(MatterP256Key **key)
{
  EVP_PKEY_CTX *ctx;
  EVP_PKEY *pkey = NULL;
  uint8_t pub[MATTER_P256_PUBLIC_KEY_LEN];
  size_t pub_len = 0;
  int ok;

  if (key == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  *key = NULL;
  ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
  ok = ctx != NULL && EVP_PKEY_keygen_init(ctx) == 1 &&
       EVP_PKEY_CTX_set_group_name(ctx, P256_GROUP_NAME) == 1 &&
       EVP_PKEY_generate(ctx, &pkey) == 1 &&
       EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof(pub), &pub_len) ==
           1 &&
       pub_len == sizeof(pub) && pub[0] == UNCOMPRESSED_POINT;
  EVP_PKEY_CTX_free(ctx);
  if (!ok) {
    EVP_PKEY_free(pkey);
    return fail(MATTER_ERROR_CRYPTO);
  }
  *key = key_wrap(pkey, pub, 1);
  if (*key == NULL) {
    EVP_PKEY_free(pkey);
    return MATTER_ERROR_NO_MEMORY;
  }
  return MATTER_OK;
}

/* pub = priv * G, uncompressed. */
static int
public_from_private(const EC_GROUP *group, const BIGNUM *priv,
                    uint8_t pub[MATTER_P256_PUBLIC_KEY_LEN])
{
  EC_POINT *point = EC_POINT_new(group);
  BN_CTX *bnctx = BN_CTX_secure_new();
  int ok = point != NULL && bnctx != NULL &&
           EC_POINT_mul(group, point, priv, NULL, NULL, bnctx) == 1 &&
           EC_POINT_point2oct(group, point, POINT_CONVERSION_UNCOMPRESSED, pub,
                              MATTER_P256_PUBLIC_KEY_LEN, bnctx) == MATTER_P256_PUBLIC_KEY_LEN;

  BN_CTX_free(bnctx);
  EC_POINT_free(point);
  return ok;
}

MatterError
matter_p256_import_private(const uint8_t priv[MATTER_P256_PRIVATE_KEY_LEN], MatterP256Key **key)
{
  EC_GROUP *group = NULL;
  BIGNUM *d = NULL;
  uint8_t pub[MATTER_P256_PUBLIC_KEY_LEN];
  MatterError err = MATTER_ERROR_CRYPTO;

  if (priv == NULL || key == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  *key = NULL;
  group = p256_group();
  d = BN_secure_new();
  if (group == NULL || d == NULL || BN_bin2bn(priv, MATTER_P256_PRIVATE_KEY_LEN, d) == NULL)
    goto out;
  BN_set_flags(d, BN_FLG_CONSTTIME);
  if (BN_is_zero(d) || BN_cmp(d, EC_GROUP_get0_order(group)) >= 0) {
    err = MATTER_ERROR_INVALID_KEY;
    goto out;
  }
  if (!public_from_private(group, d, pub))
    goto out;
  err = key_from_data(pub, d, key);
out:
  BN_clear_free(d);
  EC_GROUP_free(group);
  return err == MATTER_OK ? MATTER_OK : fail(err);
}

/* The point is an uncompressed encoding of a finite point on P-256.
 * EC_POINT_oct2point() also refuses coordinates outside the field. */
static MatterError
check_public(const uint8_t pub[MATTER_P256_PUBLIC_KEY_LEN])
{
  EC_GROUP *group;
  EC_POINT *point = NULL;
  BN_CTX *bnctx = NULL;
  MatterError err = MATTER_ERROR_CRYPTO;

  if (pub[0] != UNCOMPRESSED_POINT)
    return MATTER_ERROR_INVALID_KEY;
  group = p256_group();
  if (group == NULL || (point = EC_POINT_new(group)) == NULL || (bnctx = BN_CTX_new()) == NULL)
    goto out;
  if (EC_POINT_oct2point(group, point, pub, MATTER_P256_PUBLIC_KEY_LEN, bnctx) != 1 ||
      EC_POINT_is_at_infinity(group, point) || EC_POINT_is_on_curve(group, point, bnctx) != 1)
    err = MATTER_ERROR_INVALID_KEY;
  else
    err = MATTER_OK;
out:
  BN_CTX_free(bnctx);
  EC_POINT_free(point);
  EC_GROUP_free(group);
  return err;
}

MatterError
matter_p256_import_public(const uint8_t pub[MATTER_P256_PUBLIC_KEY_LEN], MatterP256Key **key)
{
  MatterError err;

  if (pub == NULL || key == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  *key = NULL;
  err = check_public(pub);
  if (err == MATTER_OK)
    err = key_from_data(pub, NULL, key);
  return err == MATTER_OK ? MATTER_OK : fail(err);
}

MatterError
matter_p256_export_public(const MatterP256Key *key, uint8_t pub[MATTER_P256_PUBLIC_KEY_LEN])
{
  if (key == NULL || pub == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  memcpy(pub, key->pub, MATTER_P256_PUBLIC_KEY_LEN);
  return MATTER_OK;
}

MatterError
matter_p256_export_private(const MatterP256Key *key, uint8_t priv[MATTER_P256_PRIVATE_KEY_LEN])
{
  BIGNUM *d = NULL;
  int ok;

  if (key == NULL || priv == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (!key->has_private)
    return MATTER_ERROR_INVALID_KEY;
  ok = EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_PRIV_KEY, &d) == 1 &&
       BN_bn2binpad(d, priv, MATTER_P256_PRIVATE_KEY_LEN) == MATTER_P256_PRIVATE_KEY_LEN;
  BN_clear_free(d);
  if (!ok) {
    OPENSSL_cleanse(priv, MATTER_P256_PRIVATE_KEY_LEN);
    return fail(MATTER_ERROR_CRYPTO);
  }
  return MATTER_OK;
}

void
matter_p256_free(MatterP256Key *key)
{
  if (key == NULL)
    return;
  /* EVP_PKEY_free() wipes the private scalar. */
  EVP_PKEY_free(key->pkey);
  free(key);
}

/* ECDSA */

MatterError
matter_ecdsa_raw_to_der(const uint8_t sig[MATTER_P256_SIGNATURE_LEN], uint8_t *der, size_t der_size,
                        size_t *der_len)
{
  ECDSA_SIG *ecsig = NULL;
  BIGNUM *r = NULL;
  BIGNUM *s = NULL;
  uint8_t *p = der;
  int len;
  MatterError err = MATTER_ERROR_CRYPTO;

  if (sig == NULL || der == NULL || der_len == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  ecsig = ECDSA_SIG_new();
  r = BN_bin2bn(sig, P256_SCALAR_LEN, NULL);
  s = BN_bin2bn(sig + P256_SCALAR_LEN, P256_SCALAR_LEN, NULL);
  if (ecsig == NULL || r == NULL || s == NULL || ECDSA_SIG_set0(ecsig, r, s) != 1) {
    BN_free(r);
    BN_free(s);
    goto out;
  }
  /* r and s belong to ecsig now. */
  len = i2d_ECDSA_SIG(ecsig, NULL);
  if (len <= 0)
    goto out;
  if ((size_t) len > der_size) {
    err = MATTER_ERROR_BUFFER_TOO_SMALL;
    goto out;
  }
  if (i2d_ECDSA_SIG(ecsig, &p) != len)
    goto out;
  *der_len = (size_t) len;
  err = MATTER_OK;
out:
  ECDSA_SIG_free(ecsig);
  return err == MATTER_OK ? MATTER_OK : fail(err);
}

/* Only the canonical DER encoding is accepted: re-encoding what was parsed
 * must give back the input, which rules out trailing bytes, long-form or
 * padded lengths, non-minimal and negative integers. */
static int
der_is_canonical(const ECDSA_SIG *ecsig, const uint8_t *der, size_t der_len)
{
  uint8_t again[MATTER_P256_DER_SIGNATURE_MAX];
  uint8_t *p = again;
  int len = i2d_ECDSA_SIG(ecsig, NULL);

  if (len <= 0 || (size_t) len != der_len || der_len > sizeof(again))
    return 0;
  return i2d_ECDSA_SIG(ecsig, &p) == len && memcmp(again, der, der_len) == 0;
}

MatterError
matter_ecdsa_der_to_raw(const uint8_t *der, size_t der_len, uint8_t sig[MATTER_P256_SIGNATURE_LEN])
{
  const uint8_t *p = der;
  ECDSA_SIG *ecsig;
  const BIGNUM *r;
  const BIGNUM *s;
  MatterError err = MATTER_ERROR_INVALID_SIGNATURE;

  if ((der == NULL && der_len > 0) || sig == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (der_len == 0 || der_len > MATTER_P256_DER_SIGNATURE_MAX)
    return MATTER_ERROR_INVALID_SIGNATURE;
  ecsig = d2i_ECDSA_SIG(NULL, &p, (long) der_len);
  if (ecsig == NULL || p != der + der_len || !der_is_canonical(ecsig, der, der_len))
    goto out;
  ECDSA_SIG_get0(ecsig, &r, &s);
  if (BN_is_negative(r) || BN_is_negative(s) || BN_num_bytes(r) > P256_SCALAR_LEN ||
      BN_num_bytes(s) > P256_SCALAR_LEN)
    goto out;
  if (BN_bn2binpad(r, sig, P256_SCALAR_LEN) != P256_SCALAR_LEN ||
      BN_bn2binpad(s, sig + P256_SCALAR_LEN, P256_SCALAR_LEN) != P256_SCALAR_LEN) {
    err = MATTER_ERROR_CRYPTO;
    goto out;
  }
  err = MATTER_OK;
out:
  ECDSA_SIG_free(ecsig);
  return err == MATTER_OK ? MATTER_OK : fail(err);
}

MatterError
matter_ecdsa_sign(const MatterP256Key *key, const uint8_t *msg, size_t msg_len,
                  uint8_t sig[MATTER_P256_SIGNATURE_LEN])
{
  EVP_MD_CTX *ctx;
  uint8_t der[MATTER_P256_DER_SIGNATURE_MAX];
  size_t der_len = sizeof(der);
  int ok;

  if (key == NULL || (msg == NULL && msg_len > 0) || sig == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (!key->has_private)
    return MATTER_ERROR_INVALID_KEY;
  ctx = EVP_MD_CTX_new();
  ok = ctx != NULL &&
       EVP_DigestSignInit_ex(ctx, NULL, "SHA256", NULL, NULL, key->pkey, NULL) == 1 &&
       EVP_DigestSign(ctx, der, &der_len, nonnull(msg), msg_len) == 1 &&
       matter_ecdsa_der_to_raw(der, der_len, sig) == MATTER_OK;
  EVP_MD_CTX_free(ctx);
  return ok ? MATTER_OK : fail(MATTER_ERROR_CRYPTO);
}

MatterError
matter_ecdsa_verify(const MatterP256Key *key, const uint8_t *msg, size_t msg_len,
                    const uint8_t sig[MATTER_P256_SIGNATURE_LEN])
{
  EVP_MD_CTX *ctx;
  uint8_t der[MATTER_P256_DER_SIGNATURE_MAX];
  size_t der_len;
  MatterError err;

  if (key == NULL || (msg == NULL && msg_len > 0) || sig == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  err = matter_ecdsa_raw_to_der(sig, der, sizeof(der), &der_len);
  if (err != MATTER_OK)
    return err;
  ctx = EVP_MD_CTX_new();
  if (ctx == NULL || EVP_DigestVerifyInit_ex(ctx, NULL, "SHA256", NULL, NULL, key->pkey, NULL) != 1)
    err = MATTER_ERROR_CRYPTO;
  /* Anything but 1 is a refusal, including r or s out of range. */
  else if (EVP_DigestVerify(ctx, der, der_len, nonnull(msg), msg_len) != 1)
    err = MATTER_ERROR_INVALID_SIGNATURE;
  EVP_MD_CTX_free(ctx);
  return err == MATTER_OK ? MATTER_OK : fail(err);
}

MatterError
matter_ecdsa_verify_raw(const uint8_t pub[MATTER_P256_PUBLIC_KEY_LEN], const uint8_t *msg,
                        size_t msg_len, const uint8_t sig[MATTER_P256_SIGNATURE_LEN])
{
  MatterP256Key *key;
  MatterError err;

  if (pub == NULL || (msg == NULL && msg_len > 0) || sig == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  err = matter_p256_import_public(pub, &key);
  if (err != MATTER_OK)
    return err;
  err = matter_ecdsa_verify(key, msg, msg_len, sig);
  matter_p256_free(key);
  return err;
}

/* ECDH */

MatterError
matter_ecdh(const MatterP256Key *key, const uint8_t peer[MATTER_P256_PUBLIC_KEY_LEN],
            uint8_t secret[MATTER_P256_SHARED_SECRET_LEN])
{
  MatterP256Key *peer_key;
  EVP_PKEY_CTX *ctx;
  size_t len = MATTER_P256_SHARED_SECRET_LEN;
  MatterError err;
  int ok;

  if (key == NULL || peer == NULL || secret == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (!key->has_private)
    return MATTER_ERROR_INVALID_KEY;
  err = matter_p256_import_public(peer, &peer_key);
  if (err != MATTER_OK)
    return err;
  ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL);
  ok = ctx != NULL && EVP_PKEY_derive_init(ctx) == 1 &&
       EVP_PKEY_derive_set_peer(ctx, peer_key->pkey) == 1 &&
       EVP_PKEY_derive(ctx, secret, &len) == 1 && len == MATTER_P256_SHARED_SECRET_LEN;
  EVP_PKEY_CTX_free(ctx);
  matter_p256_free(peer_key);
  if (!ok) {
    OPENSSL_cleanse(secret, MATTER_P256_SHARED_SECRET_LEN);
    return fail(MATTER_ERROR_CRYPTO);
  }
  return MATTER_OK;
}

/* Random numbers and constant-time helpers */

MatterError
matter_random(uint8_t *buf, size_t len)
{
  if (buf == NULL && len > 0)
    return MATTER_ERROR_INVALID_ARGUMENT;
  while (len > 0) {
    int chunk = len > INT_MAX ? INT_MAX : (int) len;

    if (RAND_bytes(buf, chunk) != 1)
      return fail(MATTER_ERROR_CRYPTO);
    buf += chunk;
    len -= (size_t) chunk;
  }
  return MATTER_OK;
}

int
matter_ct_equal(const void *a, const void *b, size_t len)
{
  if (len == 0)
    return 1;
  return CRYPTO_memcmp(a, b, len) == 0;
}

void
matter_secure_zero(void *buf, size_t len)
{
  if (buf != NULL)
    OPENSSL_cleanse(buf, len);
}
