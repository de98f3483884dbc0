/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* SPAKE2+ on P-256 with SHA-256, HKDF and HMAC, as Matter's PASE uses it
 * (Core spec 3.10; the protocol is RFC 9383's, Matter fixes the M and N
 * points and derives its keys from the transcript as its own key schedule
 * says).
 *
 * The prover (the commissioner) knows w0 and w1; the verifier (the node)
 * stores only w0 and L = w1 * G. The flow:
 *   prover   matter_spake2p_start()           -> X  (Pake1 pA)
 *   verifier matter_spake2p_respond(X)        -> Y, cB (Pake2 pB, cB)
 *   prover   matter_spake2p_finish(Y, cB)     -> cA (Pake3 cA), checks cB
 *   verifier matter_spake2p_confirm(cA)          checks cA
 * then both read the shared key Ke with matter_spake2p_shared_key(). */

#include <stddef.h>
#include <stdint.h>

#include "matter/error.h"

#define MATTER_SPAKE2P_WS_LEN 40      /* w0s and w1s: 320 bits each from PBKDF2 */
#define MATTER_SPAKE2P_W_LEN 32       /* w0, w1: scalars mod n */
#define MATTER_SPAKE2P_POINT_LEN 65   /* X, Y, L: uncompressed points */
#define MATTER_SPAKE2P_CONFIRM_LEN 32 /* cA, cB: HMAC-SHA256 */
#define MATTER_SPAKE2P_KE_LEN 16      /* the shared secret Ke */

/* w0 = w0s mod n, w1 = w1s mod n from the 80 bytes PBKDF2 yields. */
MatterError matter_spake2p_compute_w0w1(const uint8_t ws[2 * MATTER_SPAKE2P_WS_LEN],
                                        uint8_t w0[MATTER_SPAKE2P_W_LEN],
                                        uint8_t w1[MATTER_SPAKE2P_W_LEN]);
/* L = w1 * G. */
MatterError matter_spake2p_compute_L(const uint8_t w1[MATTER_SPAKE2P_W_LEN],
                                     uint8_t L[MATTER_SPAKE2P_POINT_LEN]);

typedef struct MatterSpake2p MatterSpake2p;

/* @context is hashed into the transcript as is (Matter passes
 * SHA-256("CHIP PAKE V1 Commissioning" || PBKDFParamRequest ||
 * PBKDFParamResponse)); identities may be empty (Matter's are). NULL when
 * w0 or w1 is not below the group order, L is not an uncompressed point on
 * the curve, or memory runs out. */
MatterSpake2p *matter_spake2p_new_prover(const uint8_t *context, size_t context_len,
                                         const uint8_t *id_prover, size_t id_prover_len,
                                         const uint8_t *id_verifier, size_t id_verifier_len,
                                         const uint8_t w0[MATTER_SPAKE2P_W_LEN],
                                         const uint8_t w1[MATTER_SPAKE2P_W_LEN]);
MatterSpake2p *matter_spake2p_new_verifier(const uint8_t *context, size_t context_len,
                                           const uint8_t *id_prover, size_t id_prover_len,
                                           const uint8_t *id_verifier, size_t id_verifier_len,
                                           const uint8_t w0[MATTER_SPAKE2P_W_LEN],
                                           const uint8_t L[MATTER_SPAKE2P_POINT_LEN]);
/* Wipes every secret. */
void matter_spake2p_free(MatterSpake2p *ctx);

/* For known-answer tests: use this scalar (x for the prover, y for the
 * verifier) instead of a random one. Must be called before start/respond. */
MatterError matter_spake2p_set_scalar(MatterSpake2p *ctx,
                                      const uint8_t scalar[MATTER_SPAKE2P_W_LEN]);

/* A peer point that is not an uncompressed point on the curve, or that
 * leaves the identity once w0*M (w0*N) is taken off, fails with
 * MATTER_ERROR_INVALID_KEY. Any failure ends the run: further calls return
 * MATTER_ERROR_BAD_STATE. */
MatterError matter_spake2p_start(MatterSpake2p *ctx, uint8_t X[MATTER_SPAKE2P_POINT_LEN]);
MatterError matter_spake2p_respond(MatterSpake2p *ctx, const uint8_t X[MATTER_SPAKE2P_POINT_LEN],
                                   uint8_t Y[MATTER_SPAKE2P_POINT_LEN],
                                   uint8_t cB[MATTER_SPAKE2P_CONFIRM_LEN]);
/* MATTER_ERROR_AUTH_FAILED when cB is wrong (a wrong passcode). */
MatterError matter_spake2p_finish(MatterSpake2p *ctx, const uint8_t Y[MATTER_SPAKE2P_POINT_LEN],
                                  const uint8_t cB[MATTER_SPAKE2P_CONFIRM_LEN],
                                  uint8_t cA[MATTER_SPAKE2P_CONFIRM_LEN]);
/* MATTER_ERROR_AUTH_FAILED when cA is wrong. */
MatterError matter_spake2p_confirm(MatterSpake2p *ctx,
                                   const uint8_t cA[MATTER_SPAKE2P_CONFIRM_LEN]);
/* Available once finish (prover) or confirm (verifier) succeeded. */
MatterError matter_spake2p_shared_key(const MatterSpake2p *ctx, uint8_t Ke[MATTER_SPAKE2P_KE_LEN]);

/* For known-answer tests only; the product never calls what follows.
 *
 * Matter's schedule (draft-bar-cfrg-spake2plus-01, as the Matter SDK runs it):
 *   Ka || Ke = Hash(TT), 16 bytes each
 *   KcA || KcB = HKDF(salt = nil, Ka, "ConfirmationKeys"), 16 bytes each
 *   cA = HMAC(KcA, Y), cB = HMAC(KcB, X)
 * RFC 9383 (section 3.4) derives instead
 *   K_main = Hash(TT)
 *   K_confirmP || K_confirmV = HKDF(nil, K_main, "ConfirmationKeys"), 32 bytes each
 *   K_shared = HKDF(nil, K_main, "SharedKey"), 32 bytes
 *   confirmP = HMAC(K_confirmP, Y), confirmV = HMAC(K_confirmV, X)
 * This switches @ctx, before start/respond, to the RFC's schedule so its
 * Appendix C vectors can be checked: cA and cB are then confirmP and
 * confirmV, and K_shared is read from the trace (shared_key() refuses). */
MatterError matter_spake2p_set_rfc9383_schedule(MatterSpake2p *ctx);

typedef struct {
  const uint8_t *tt; /* the transcript TT; points into the context */
  size_t tt_len;
  uint8_t Z[MATTER_SPAKE2P_POINT_LEN];
  uint8_t V[MATTER_SPAKE2P_POINT_LEN];
  uint8_t hash_tt[32]; /* Ka || Ke, or K_main */
  uint8_t kc[64];      /* KcA || KcB, or K_confirmP || K_confirmV */
  size_t kc_len;       /* 32, or 64 */
  uint8_t shared[32];  /* Ke, or K_shared */
  size_t shared_len;   /* 16, or 32 */
} MatterSpake2pTrace;

/* The intermediate values of a run whose scalar was fixed with
 * matter_spake2p_set_scalar(), once respond (verifier) or finish (prover)
 * succeeded; other runs wipe them as soon as they have served and return
 * MATTER_ERROR_BAD_STATE here. */
MatterError matter_spake2p_get_trace(const MatterSpake2p *ctx, MatterSpake2pTrace *trace);
