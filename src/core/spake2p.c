/* SPDX-License-Identifier: Apache-2.0 */
#include "matter/spake2p.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/obj_mac.h>
#include <openssl/params.h>

#define HASH_LEN 32
#define LEN_PREFIX 8

/* M and N for P-256 from RFC 9383 section 4 (the same points as
 * draft-bar-cfrg-spake2plus-01, which Matter's Core spec 3.10 names),
 * uncompressed, as they enter the transcript. */
static const uint8_t point_M[MATTER_SPAKE2P_POINT_LEN] = {
  0x04, 0x88, 0x6e, 0x2f, 0x97, 0xac, 0xe4, 0x6e, 0x55, 0xba, 0x9d, 0xd7, 0x24,
  0x25, 0x79, 0xf2, 0x99, 0x3b, 0x64, 0xe1, 0x6e, 0xf3, 0xdc, 0xab, 0x95, 0xaf,
  0xd4, 0x97, 0x33, 0x3d, 0x8f, 0xa1, 0x2f, 0x5f, 0xf3, 0x55, 0x16, 0x3e, 0x43,
  0xce, 0x22, 0x4e, 0x0b, 0x0e, 0x65, 0xff, 0x02, 0xac, 0x8e, 0x5c, 0x7b, 0xe0,
  0x94, 0x19, 0xc7, 0x85, 0xe0, 0xca, 0x54, 0x7d, 0x55, 0xa1, 0x2e, 0x2d, 0x20,
};
static const uint8_t point_N[MATTER_SPAKE2P_POINT_LEN] = {
  0x04, 0xd8, 0xbb, 0xd6, 0xc6, 0x39, 0xc6, 0x29, 0x37, 0xb0, 0x4d, 0x99, 0x7f,
  0x38, 0xc3, 0x77, 0x07, 0x19, 0xc6, 0x29, 0xd7, 0x01, 0x4d, 0x49, 0xa2, 0x4b,
  0x4f, 0x98, 0xba, 0xa1, 0x29, 0x2b, 0x49, 0x07, 0xd6, 0x0a, 0xa6, 0xbf, 0xad,
  0xe4, 0x50, 0x08, 0xa6, 0x36, 0x33, 0x7f, 0x51, 0x68, 0xc6, 0x4d, 0x9b, 0xd3,
  0x60, 0x34, 0x80, 0x8c, 0xd5, 0x64, 0x49, 0x0b, 0x1e, 0x65, 0x6e, 0xdb, 0xe7,
};

static const char confirmation_info[] = "ConfirmationKeys";
static const char shared_key_info[] = "SharedKey";

typedef enum { ROLE_PROVER, ROLE_VERIFIER } Role;

typedef enum {
  STATE_INIT,      /* nothing sent yet */
  STATE_STARTED,   /* prover: X sent */
  STATE_RESPONDED, /* verifier: Y and cB sent */
  STATE_DONE,      /* peer's confirmation checked, Ke readable */
  STATE_FAILED,
} State;

struct MatterSpake2p {
  Role role;
  State state;
  bool rfc9383;      /* test vectors only */
  bool fixed_scalar; /* known-answer run: keep the trace */
  bool have_keys;

  EC_GROUP *group;
  BN_CTX *bn;
  BIGNUM *w0;
  BIGNUM *w1;     /* prover only */
  BIGNUM *scalar; /* x or y */
  EC_POINT *L;    /* verifier only */

  uint8_t X[MATTER_SPAKE2P_POINT_LEN];
  uint8_t Y[MATTER_SPAKE2P_POINT_LEN];

  /* TT: Context, idProver, idVerifier, M and N are written at creation, the
   * rest once the peer's share arrives. */
  uint8_t *tt;
  size_t tt_len;
  size_t tt_size;
  size_t tt_z; /* offset of Z's value in tt */

  uint8_t hash_tt[HASH_LEN];
  uint8_t kc[2 * HASH_LEN];
  size_t kc_len;
  uint8_t shared[HASH_LEN];
  size_t shared_len;
  uint8_t peer_confirm[MATTER_SPAKE2P_CONFIRM_LEN]; /* the MAC the peer must send */
};

static bool
add_size(size_t *total, size_t n)
{
  if (n > SIZE_MAX - *total)
    return false;
  *total += n;
  return true;
}

static void
tt_append(MatterSpake2p *ctx, const uint8_t *data, size_t len)
{
  uint64_t n = len;

  for (size_t i = 0; i < LEN_PREFIX; i++)
    ctx->tt[ctx->tt_len++] = (uint8_t) (n >> (8 * i));
  if (len > 0)
    memcpy(ctx->tt + ctx->tt_len, data, len);
  ctx->tt_len += len;
}

static BIGNUM *
scalar_new(void)
{
  BIGNUM *k = BN_secure_new();

  if (k != NULL)
    BN_set_flags(k, BN_FLG_CONSTTIME);
  return k;
}

/* @k = @in when 0 <= in < n (and in != 0 if @nonzero). */
static MatterError
scalar_load(const EC_GROUP *group, const uint8_t in[MATTER_SPAKE2P_W_LEN], bool nonzero, BIGNUM *k)
{
  if (BN_bin2bn(in, MATTER_SPAKE2P_W_LEN, k) == NULL)
    return MATTER_ERROR_NO_MEMORY;
  if (BN_cmp(k, EC_GROUP_get0_order(group)) >= 0 || (nonzero && BN_is_zero(k))) {
    BN_clear(k);
    return MATTER_ERROR_INVALID_KEY;
  }
  return MATTER_OK;
}

/* SEC1 uncompressed only: the wire never carries another form, and the
 * identity has no 65-byte encoding. For P-256 (cofactor 1) a point on the
 * curve is in the prime-order group. */
static MatterError
point_load(const EC_GROUP *group, const uint8_t in[MATTER_SPAKE2P_POINT_LEN], EC_POINT *p,
           BN_CTX *bn)
{
  if (in[0] != POINT_CONVERSION_UNCOMPRESSED)
    return MATTER_ERROR_INVALID_KEY;
  if (!EC_POINT_oct2point(group, p, in, MATTER_SPAKE2P_POINT_LEN, bn)) {
    ERR_clear_error();
    return MATTER_ERROR_INVALID_KEY;
  }
  if (EC_POINT_is_at_infinity(group, p) || EC_POINT_is_on_curve(group, p, bn) != 1)
    return MATTER_ERROR_INVALID_KEY;
  return MATTER_OK;
}

static MatterError
point_store(const EC_GROUP *group, const EC_POINT *p, uint8_t out[MATTER_SPAKE2P_POINT_LEN],
            BN_CTX *bn)
{
  if (EC_POINT_point2oct(group, p, POINT_CONVERSION_UNCOMPRESSED, out, MATTER_SPAKE2P_POINT_LEN,
                         bn) != MATTER_SPAKE2P_POINT_LEN)
    return MATTER_ERROR_CRYPTO;
  return MATTER_OK;
}

/* @r = @k * @p, or @k * G when @p is NULL. One scalar per call: OpenSSL
 * multiplies a single secret scalar in constant time, a pair it may not. */
static bool
point_mul(const EC_GROUP *group, EC_POINT *r, const EC_POINT *p, const BIGNUM *k, BN_CTX *bn)
{
  if (p == NULL)
    return EC_POINT_mul(group, r, k, NULL, NULL, bn) == 1;
  return EC_POINT_mul(group, r, NULL, p, k, bn) == 1;
}

static EC_GROUP *
p256_new(void)
{
  return EC_GROUP_new_by_curve_name_ex(NULL, NULL, NID_X9_62_prime256v1);
}

MatterError
matter_spake2p_compute_w0w1(const uint8_t ws[2 * MATTER_SPAKE2P_WS_LEN],
                            uint8_t w0[MATTER_SPAKE2P_W_LEN], uint8_t w1[MATTER_SPAKE2P_W_LEN])
{
  MatterError err = MATTER_ERROR_NO_MEMORY;
  EC_GROUP *group = p256_new();
  BN_CTX *bn = BN_CTX_secure_new();
  BIGNUM *s = scalar_new();
  BIGNUM *w = scalar_new();
  uint8_t *const out[2] = { w0, w1 };

  if (ws == NULL || w0 == NULL || w1 == NULL) {
    err = MATTER_ERROR_INVALID_ARGUMENT;
    goto out;
  }
  if (group == NULL || bn == NULL || s == NULL || w == NULL)
    goto out;
  for (size_t i = 0; i < 2; i++) {
    if (BN_bin2bn(ws + i * MATTER_SPAKE2P_WS_LEN, MATTER_SPAKE2P_WS_LEN, s) == NULL ||
        !BN_nnmod(w, s, EC_GROUP_get0_order(group), bn) ||
        BN_bn2binpad(w, out[i], MATTER_SPAKE2P_W_LEN) != MATTER_SPAKE2P_W_LEN) {
      err = MATTER_ERROR_CRYPTO;
      goto out;
    }
  }
  err = MATTER_OK;
out:
  if (err != MATTER_OK && w0 != NULL && w1 != NULL) {
    OPENSSL_cleanse(w0, MATTER_SPAKE2P_W_LEN);
    OPENSSL_cleanse(w1, MATTER_SPAKE2P_W_LEN);
  }
  BN_clear_free(s);
  BN_clear_free(w);
  BN_CTX_free(bn);
  EC_GROUP_free(group);
  return err;
}

MatterError
matter_spake2p_compute_L(const uint8_t w1[MATTER_SPAKE2P_W_LEN],
                         uint8_t L[MATTER_SPAKE2P_POINT_LEN])
{
  MatterError err = MATTER_ERROR_NO_MEMORY;
  EC_GROUP *group = p256_new();
  BN_CTX *bn = BN_CTX_secure_new();
  BIGNUM *w = scalar_new();
  EC_POINT *p = NULL;

  if (w1 == NULL || L == NULL) {
    err = MATTER_ERROR_INVALID_ARGUMENT;
    goto out;
  }
  if (group == NULL || bn == NULL || w == NULL || (p = EC_POINT_new(group)) == NULL)
    goto out;
  /* w1 = 0 would make L the identity, which has no encoding. */
  if ((err = scalar_load(group, w1, true, w)) != MATTER_OK)
    goto out;
  err = point_mul(group, p, NULL, w, bn) ? point_store(group, p, L, bn) : MATTER_ERROR_CRYPTO;
out:
  EC_POINT_free(p);
  BN_clear_free(w);
  BN_CTX_free(bn);
  EC_GROUP_free(group);
  return err;
}

static MatterSpake2p *
spake2p_new(Role role, const uint8_t *context, size_t context_len, const uint8_t *id_prover,
            size_t id_prover_len, const uint8_t *id_verifier, size_t id_verifier_len,
            const uint8_t w0[MATTER_SPAKE2P_W_LEN])
{
  MatterSpake2p *ctx;
  size_t size = 0;

  if ((context == NULL && context_len > 0) || (id_prover == NULL && id_prover_len > 0) ||
      (id_verifier == NULL && id_verifier_len > 0) || w0 == NULL)
    return NULL;
  /* Ten length prefixes, six points (M, N, X, Y, Z, V) and w0. */
  if (!add_size(&size, context_len) || !add_size(&size, id_prover_len) ||
      !add_size(&size, id_verifier_len) ||
      !add_size(&size, 10 * LEN_PREFIX + 6 * MATTER_SPAKE2P_POINT_LEN + MATTER_SPAKE2P_W_LEN))
    return NULL;

  ctx = OPENSSL_zalloc(sizeof(*ctx));
  if (ctx == NULL)
    return NULL;
  ctx->role = role;
  ctx->state = STATE_INIT;
  ctx->tt_size = size;
  ctx->tt = OPENSSL_malloc(size);
  ctx->group = p256_new();
  ctx->bn = BN_CTX_secure_new();
  ctx->w0 = scalar_new();
  ctx->scalar = scalar_new();
  if (ctx->tt == NULL || ctx->group == NULL || ctx->bn == NULL || ctx->w0 == NULL ||
      ctx->scalar == NULL || scalar_load(ctx->group, w0, false, ctx->w0) != MATTER_OK) {
    matter_spake2p_free(ctx);
    return NULL;
  }
  tt_append(ctx, context, context_len);
  tt_append(ctx, id_prover, id_prover_len);
  tt_append(ctx, id_verifier, id_verifier_len);
  tt_append(ctx, point_M, sizeof(point_M));
  tt_append(ctx, point_N, sizeof(point_N));
  return ctx;
}

MatterSpake2p *
matter_spake2p_new_prover(const uint8_t *context, size_t context_len, const uint8_t *id_prover,
                          size_t id_prover_len, const uint8_t *id_verifier, size_t id_verifier_len,
                          const uint8_t w0[MATTER_SPAKE2P_W_LEN],
                          const uint8_t w1[MATTER_SPAKE2P_W_LEN])
{
  MatterSpake2p *ctx;

  if (w1 == NULL)
    return NULL;
  ctx = spake2p_new(ROLE_PROVER, context, context_len, id_prover, id_prover_len, id_verifier,
                    id_verifier_len, w0);
  if (ctx == NULL)
    return NULL;
  ctx->w1 = scalar_new();
  if (ctx->w1 == NULL || scalar_load(ctx->group, w1, false, ctx->w1) != MATTER_OK) {
    matter_spake2p_free(ctx);
    return NULL;
  }
  return ctx;
}

MatterSpake2p *
matter_spake2p_new_verifier(const uint8_t *context, size_t context_len, const uint8_t *id_prover,
                            size_t id_prover_len, const uint8_t *id_verifier,
                            size_t id_verifier_len, const uint8_t w0[MATTER_SPAKE2P_W_LEN],
                            const uint8_t L[MATTER_SPAKE2P_POINT_LEN])
{
  MatterSpake2p *ctx;

  if (L == NULL)
    return NULL;
  ctx = spake2p_new(ROLE_VERIFIER, context, context_len, id_prover, id_prover_len, id_verifier,
                    id_verifier_len, w0);
  if (ctx == NULL)
    return NULL;
  ctx->L = EC_POINT_new(ctx->group);
  if (ctx->L == NULL || point_load(ctx->group, L, ctx->L, ctx->bn) != MATTER_OK) {
    matter_spake2p_free(ctx);
    return NULL;
  }
  return ctx;
}

/* Everything derived from the passcode and the ephemeral scalar, once it
 * has served; the keys a caller still needs stay. */
static void
wipe_transients(MatterSpake2p *ctx)
{
  if (ctx->tt != NULL)
    OPENSSL_cleanse(ctx->tt, ctx->tt_size);
  OPENSSL_cleanse(ctx->hash_tt, sizeof(ctx->hash_tt));
  OPENSSL_cleanse(ctx->kc, sizeof(ctx->kc));
}

void
matter_spake2p_free(MatterSpake2p *ctx)
{
  if (ctx == NULL)
    return;
  wipe_transients(ctx);
  OPENSSL_free(ctx->tt);
  BN_clear_free(ctx->w0);
  BN_clear_free(ctx->w1);
  BN_clear_free(ctx->scalar);
  EC_POINT_free(ctx->L);
  BN_CTX_free(ctx->bn);
  EC_GROUP_free(ctx->group);
  OPENSSL_clear_free(ctx, sizeof(*ctx));
}

MatterError
matter_spake2p_set_scalar(MatterSpake2p *ctx, const uint8_t scalar[MATTER_SPAKE2P_W_LEN])
{
  MatterError err;

  if (ctx == NULL || scalar == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (ctx->state != STATE_INIT)
    return MATTER_ERROR_BAD_STATE;
  err = scalar_load(ctx->group, scalar, true, ctx->scalar);
  if (err == MATTER_OK)
    ctx->fixed_scalar = true;
  return err;
}

MatterError
matter_spake2p_set_rfc9383_schedule(MatterSpake2p *ctx)
{
  if (ctx == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (ctx->state != STATE_INIT)
    return MATTER_ERROR_BAD_STATE;
  ctx->rfc9383 = true;
  return MATTER_OK;
}

/* x or y uniformly in [1, n-1] unless a test fixed it. */
static MatterError
ensure_scalar(MatterSpake2p *ctx)
{
  if (ctx->fixed_scalar)
    return MATTER_OK;
  do {
    if (!BN_priv_rand_range_ex(ctx->scalar, EC_GROUP_get0_order(ctx->group), 0, ctx->bn))
      return MATTER_ERROR_CRYPTO;
  } while (BN_is_zero(ctx->scalar));
  return MATTER_OK;
}

/* X = x*G + w0*M (prover) or Y = y*G + w0*N (verifier). */
static MatterError
compute_share(MatterSpake2p *ctx, const uint8_t mn_bytes[MATTER_SPAKE2P_POINT_LEN],
              uint8_t share[MATTER_SPAKE2P_POINT_LEN])
{
  MatterError err = MATTER_ERROR_NO_MEMORY;
  EC_POINT *mn = EC_POINT_new(ctx->group);
  EC_POINT *a = EC_POINT_new(ctx->group);
  EC_POINT *b = EC_POINT_new(ctx->group);

  if (mn == NULL || a == NULL || b == NULL)
    goto out;
  if ((err = ensure_scalar(ctx)) != MATTER_OK ||
      (err = point_load(ctx->group, mn_bytes, mn, ctx->bn)) != MATTER_OK)
    goto out;
  err = MATTER_ERROR_CRYPTO;
  if (!point_mul(ctx->group, a, NULL, ctx->scalar, ctx->bn) ||
      !point_mul(ctx->group, b, mn, ctx->w0, ctx->bn) ||
      !EC_POINT_add(ctx->group, a, a, b, ctx->bn))
    goto out;
  err = point_store(ctx->group, a, share, ctx->bn);
out:
  EC_POINT_free(mn);
  EC_POINT_clear_free(a);
  EC_POINT_clear_free(b);
  return err;
}

static MatterError
hkdf(const uint8_t *ikm, size_t ikm_len, const char *info, uint8_t *out, size_t out_len)
{
  MatterError err = MATTER_ERROR_CRYPTO;
  EVP_KDF *kdf = EVP_KDF_fetch(NULL, OSSL_KDF_NAME_HKDF, NULL);
  EVP_KDF_CTX *kctx = kdf != NULL ? EVP_KDF_CTX_new(kdf) : NULL;
  /* No salt: HKDF then uses HashLen zero bytes (RFC 5869 2.2). */
  OSSL_PARAM params[] = {
    OSSL_PARAM_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *) "SHA256", 0),
    OSSL_PARAM_octet_string(OSSL_KDF_PARAM_KEY, (void *) ikm, ikm_len),
    OSSL_PARAM_octet_string(OSSL_KDF_PARAM_INFO, (void *) info, strlen(info)),
    OSSL_PARAM_END,
  };

  if (kctx != NULL && EVP_KDF_derive(kctx, out, out_len, params) == 1)
    err = MATTER_OK;
  EVP_KDF_CTX_free(kctx);
  EVP_KDF_free(kdf);
  return err;
}

static MatterError
hmac(const uint8_t *key, size_t key_len, const uint8_t *data, size_t len,
     uint8_t out[MATTER_SPAKE2P_CONFIRM_LEN])
{
  size_t out_len = 0;

  if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, key_len, data, len, out,
                MATTER_SPAKE2P_CONFIRM_LEN, &out_len) == NULL ||
      out_len != MATTER_SPAKE2P_CONFIRM_LEN)
    return MATTER_ERROR_CRYPTO;
  return MATTER_OK;
}

/* Hash(TT), then the confirmation keys and the shared key by Matter's
 * schedule (or RFC 9383's, for its vectors; see spake2p.h). The own
 * confirmation goes to @confirm, the one expected from the peer is kept. */
static MatterError
derive_keys(MatterSpake2p *ctx, uint8_t confirm[MATTER_SPAKE2P_CONFIRM_LEN])
{
  MatterError err;
  const uint8_t *ikm;
  size_t ikm_len, half;
  uint8_t mac_a[MATTER_SPAKE2P_CONFIRM_LEN], mac_b[MATTER_SPAKE2P_CONFIRM_LEN];

  if (EVP_Digest(ctx->tt, ctx->tt_len, ctx->hash_tt, NULL, EVP_sha256(), NULL) != 1)
    return MATTER_ERROR_CRYPTO;
  if (ctx->rfc9383) {
    ikm = ctx->hash_tt;
    ikm_len = HASH_LEN;
    ctx->kc_len = 2 * HASH_LEN;
    ctx->shared_len = HASH_LEN;
    err = hkdf(ikm, ikm_len, shared_key_info, ctx->shared, ctx->shared_len);
  } else {
    /* Ka || Ke: Ka feeds the confirmation keys, Ke is the session secret. */
    ikm = ctx->hash_tt;
    ikm_len = HASH_LEN / 2;
    ctx->kc_len = HASH_LEN;
    ctx->shared_len = MATTER_SPAKE2P_KE_LEN;
    memcpy(ctx->shared, ctx->hash_tt + HASH_LEN / 2, MATTER_SPAKE2P_KE_LEN);
    err = MATTER_OK;
  }
  if (err != MATTER_OK ||
      (err = hkdf(ikm, ikm_len, confirmation_info, ctx->kc, ctx->kc_len)) != MATTER_OK)
    return err;

  /* cA = MAC(KcA, Y) comes from the prover, cB = MAC(KcB, X) from the verifier. */
  half = ctx->kc_len / 2;
  if ((err = hmac(ctx->kc, half, ctx->Y, sizeof(ctx->Y), mac_a)) != MATTER_OK ||
      (err = hmac(ctx->kc + half, half, ctx->X, sizeof(ctx->X), mac_b)) != MATTER_OK)
    goto out;
  memcpy(confirm, ctx->role == ROLE_PROVER ? mac_a : mac_b, MATTER_SPAKE2P_CONFIRM_LEN);
  memcpy(ctx->peer_confirm, ctx->role == ROLE_PROVER ? mac_b : mac_a, MATTER_SPAKE2P_CONFIRM_LEN);
  ctx->have_keys = true;
out:
  OPENSSL_cleanse(mac_a, sizeof(mac_a));
  OPENSSL_cleanse(mac_b, sizeof(mac_b));
  return err;
}

/* Takes the peer's share (already validated), computes Z and V and
 * finishes TT:
 *   prover:   Z = x*(Y - w0*N), V = w1*(Y - w0*N)
 *   verifier: Z = y*(X - w0*M), V = y*L
 * (times the cofactor h, which is 1 for P-256). */
static MatterError
process_peer_share(MatterSpake2p *ctx, const EC_POINT *peer,
                   const uint8_t peer_bytes[MATTER_SPAKE2P_POINT_LEN],
                   uint8_t confirm[MATTER_SPAKE2P_CONFIRM_LEN])
{
  MatterError err = MATTER_ERROR_NO_MEMORY;
  const bool prover = ctx->role == ROLE_PROVER;
  EC_POINT *mn = EC_POINT_new(ctx->group);
  EC_POINT *t = EC_POINT_new(ctx->group);
  EC_POINT *z = EC_POINT_new(ctx->group);
  EC_POINT *v = EC_POINT_new(ctx->group);
  uint8_t zv[2][MATTER_SPAKE2P_POINT_LEN];
  uint8_t w0[MATTER_SPAKE2P_W_LEN];

  if (mn == NULL || t == NULL || z == NULL || v == NULL)
    goto out;
  if ((err = point_load(ctx->group, prover ? point_N : point_M, mn, ctx->bn)) != MATTER_OK)
    goto out;
  err = MATTER_ERROR_CRYPTO;
  if (!point_mul(ctx->group, t, mn, ctx->w0, ctx->bn) || !EC_POINT_invert(ctx->group, t, ctx->bn) ||
      !EC_POINT_add(ctx->group, t, peer, t, ctx->bn))
    goto out;
  /* A peer who sent w0*M (w0*N) would force Z and V to the identity. */
  if (EC_POINT_is_at_infinity(ctx->group, t)) {
    err = MATTER_ERROR_INVALID_KEY;
    goto out;
  }
  if (!point_mul(ctx->group, z, t, ctx->scalar, ctx->bn) ||
      !(prover ? point_mul(ctx->group, v, t, ctx->w1, ctx->bn)
               : point_mul(ctx->group, v, ctx->L, ctx->scalar, ctx->bn)))
    goto out;
  if ((err = point_store(ctx->group, z, zv[0], ctx->bn)) != MATTER_OK ||
      (err = point_store(ctx->group, v, zv[1], ctx->bn)) != MATTER_OK)
    goto out;
  if (BN_bn2binpad(ctx->w0, w0, sizeof(w0)) != sizeof(w0)) {
    err = MATTER_ERROR_CRYPTO;
    goto out;
  }

  memcpy(prover ? ctx->Y : ctx->X, peer_bytes, MATTER_SPAKE2P_POINT_LEN);
  tt_append(ctx, ctx->X, sizeof(ctx->X));
  tt_append(ctx, ctx->Y, sizeof(ctx->Y));
  ctx->tt_z = ctx->tt_len + LEN_PREFIX;
  tt_append(ctx, zv[0], sizeof(zv[0]));
  tt_append(ctx, zv[1], sizeof(zv[1]));
  tt_append(ctx, w0, sizeof(w0));
  err = derive_keys(ctx, confirm);
out:
  OPENSSL_cleanse(zv, sizeof(zv));
  OPENSSL_cleanse(w0, sizeof(w0));
  EC_POINT_free(mn);
  EC_POINT_clear_free(t);
  EC_POINT_clear_free(z);
  EC_POINT_clear_free(v);
  return err;
}

static MatterError
peer_load(MatterSpake2p *ctx, const uint8_t in[MATTER_SPAKE2P_POINT_LEN], EC_POINT **peer)
{
  *peer = EC_POINT_new(ctx->group);
  if (*peer == NULL)
    return MATTER_ERROR_NO_MEMORY;
  return point_load(ctx->group, in, *peer, ctx->bn);
}

/* Ends the run on failure; keeps the trace of a known-answer run. */
static MatterError
settle(MatterSpake2p *ctx, MatterError err, State next)
{
  if (err != MATTER_OK) {
    ctx->state = STATE_FAILED;
    ctx->have_keys = false;
    wipe_transients(ctx);
    OPENSSL_cleanse(ctx->shared, sizeof(ctx->shared));
    OPENSSL_cleanse(ctx->peer_confirm, sizeof(ctx->peer_confirm));
    BN_clear(ctx->scalar);
    return err;
  }
  ctx->state = next;
  if (!ctx->fixed_scalar && ctx->have_keys)
    wipe_transients(ctx);
  return MATTER_OK;
}

MatterError
matter_spake2p_start(MatterSpake2p *ctx, uint8_t X[MATTER_SPAKE2P_POINT_LEN])
{
  MatterError err;

  if (ctx == NULL || X == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (ctx->role != ROLE_PROVER || ctx->state != STATE_INIT)
    return MATTER_ERROR_BAD_STATE;
  err = settle(ctx, compute_share(ctx, point_M, ctx->X), STATE_STARTED);
  if (err != MATTER_OK)
    return err;
  memcpy(X, ctx->X, MATTER_SPAKE2P_POINT_LEN);
  return MATTER_OK;
}

MatterError
matter_spake2p_respond(MatterSpake2p *ctx, const uint8_t X[MATTER_SPAKE2P_POINT_LEN],
                       uint8_t Y[MATTER_SPAKE2P_POINT_LEN], uint8_t cB[MATTER_SPAKE2P_CONFIRM_LEN])
{
  MatterError err;
  EC_POINT *peer = NULL;

  if (ctx == NULL || X == NULL || Y == NULL || cB == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (ctx->role != ROLE_VERIFIER || ctx->state != STATE_INIT)
    return MATTER_ERROR_BAD_STATE;
  /* X is checked before any multiplication is spent on Y. */
  err = peer_load(ctx, X, &peer);
  if (err == MATTER_OK)
    err = compute_share(ctx, point_N, ctx->Y);
  if (err == MATTER_OK)
    err = process_peer_share(ctx, peer, X, cB);
  EC_POINT_free(peer);
  if ((err = settle(ctx, err, STATE_RESPONDED)) != MATTER_OK) {
    OPENSSL_cleanse(cB, MATTER_SPAKE2P_CONFIRM_LEN);
    return err;
  }
  memcpy(Y, ctx->Y, MATTER_SPAKE2P_POINT_LEN);
  return MATTER_OK;
}

MatterError
matter_spake2p_finish(MatterSpake2p *ctx, const uint8_t Y[MATTER_SPAKE2P_POINT_LEN],
                      const uint8_t cB[MATTER_SPAKE2P_CONFIRM_LEN],
                      uint8_t cA[MATTER_SPAKE2P_CONFIRM_LEN])
{
  MatterError err;
  EC_POINT *peer = NULL;

  if (ctx == NULL || Y == NULL || cB == NULL || cA == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (ctx->role != ROLE_PROVER || ctx->state != STATE_STARTED)
    return MATTER_ERROR_BAD_STATE;
  err = peer_load(ctx, Y, &peer);
  if (err == MATTER_OK)
    err = process_peer_share(ctx, peer, Y, cA);
  EC_POINT_free(peer);
  if (err == MATTER_OK && CRYPTO_memcmp(cB, ctx->peer_confirm, MATTER_SPAKE2P_CONFIRM_LEN) != 0)
    err = MATTER_ERROR_AUTH_FAILED;
  /* cA only goes out once the verifier proved it knows L. */
  if ((err = settle(ctx, err, STATE_DONE)) != MATTER_OK) {
    OPENSSL_cleanse(cA, MATTER_SPAKE2P_CONFIRM_LEN);
    return err;
  }
  return MATTER_OK;
}

MatterError
matter_spake2p_confirm(MatterSpake2p *ctx, const uint8_t cA[MATTER_SPAKE2P_CONFIRM_LEN])
{
  MatterError err = MATTER_OK;

  if (ctx == NULL || cA == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (ctx->role != ROLE_VERIFIER || ctx->state != STATE_RESPONDED)
    return MATTER_ERROR_BAD_STATE;
  if (CRYPTO_memcmp(cA, ctx->peer_confirm, MATTER_SPAKE2P_CONFIRM_LEN) != 0)
    err = MATTER_ERROR_AUTH_FAILED;
  return settle(ctx, err, STATE_DONE);
}

MatterError
matter_spake2p_shared_key(const MatterSpake2p *ctx, uint8_t Ke[MATTER_SPAKE2P_KE_LEN])
{
  if (ctx == NULL || Ke == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (ctx->state != STATE_DONE || ctx->rfc9383)
    return MATTER_ERROR_BAD_STATE;
  memcpy(Ke, ctx->shared, MATTER_SPAKE2P_KE_LEN);
  return MATTER_OK;
}

MatterError
matter_spake2p_get_trace(const MatterSpake2p *ctx, MatterSpake2pTrace *trace)
{
  if (ctx == NULL || trace == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (!ctx->fixed_scalar || !ctx->have_keys)
    return MATTER_ERROR_BAD_STATE;
  memset(trace, 0, sizeof(*trace));
  trace->tt = ctx->tt;
  trace->tt_len = ctx->tt_len;
  memcpy(trace->Z, ctx->tt + ctx->tt_z, MATTER_SPAKE2P_POINT_LEN);
  memcpy(trace->V, ctx->tt + ctx->tt_z + MATTER_SPAKE2P_POINT_LEN + LEN_PREFIX,
         MATTER_SPAKE2P_POINT_LEN);
  memcpy(trace->hash_tt, ctx->hash_tt, sizeof(trace->hash_tt));
  memcpy(trace->kc, ctx->kc, ctx->kc_len);
  trace->kc_len = ctx->kc_len;
  memcpy(trace->shared, ctx->shared, ctx->shared_len);
  trace->shared_len = ctx->shared_len;
  return MATTER_OK;
}
