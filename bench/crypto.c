/* SPDX-License-Identifier: Apache-2.0 */
/* SPAKE2+ verifier runs per second against the raw OpenSSL P-256 scalar
 * multiplications they are made of, measured in the same process.
 *
 *   bench-crypto [SECONDS]   time budget per measurement, default 2
 *
 * A verifier run (new_verifier, respond, confirm) costs one multiplication
 * of G (y*G) and four of other points (w0*N, w0*M, y*(X - w0*M), y*L); the
 * ratio says how far the rest (hashing, HKDF, HMAC, encoding, checks) adds
 * to that. Numbers from sanitizer builds are not representative. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "ec-bench.h"
#include "matter/spake2p.h"

typedef struct {
  uint8_t context[32];
  uint8_t w0[MATTER_SPAKE2P_W_LEN];
  uint8_t L[MATTER_SPAKE2P_POINT_LEN];
  uint8_t y[MATTER_SPAKE2P_W_LEN];
  uint8_t X[MATTER_SPAKE2P_POINT_LEN];
  uint8_t cA[MATTER_SPAKE2P_CONFIRM_LEN];
} VerifierBench;

static bool
verifier_step(void *data, unsigned long i)
{
  VerifierBench *b = data;
  uint8_t Y[MATTER_SPAKE2P_POINT_LEN], cB[MATTER_SPAKE2P_CONFIRM_LEN];
  MatterSpake2p *v;
  bool ok;

  (void) i;
  v = matter_spake2p_new_verifier(b->context, sizeof(b->context), NULL, 0, NULL, 0, b->w0, b->L);
  ok = v != NULL && matter_spake2p_set_scalar(v, b->y) == MATTER_OK &&
       matter_spake2p_respond(v, b->X, Y, cB) == MATTER_OK &&
       matter_spake2p_confirm(v, b->cA) == MATTER_OK;
  matter_spake2p_free(v);
  return ok;
}

/* The prover's Pake1 and Pake3 for a verifier whose y is fixed, so every
 * timed run checks a genuine cA. (Drawing y at random instead costs one
 * BN_priv_rand_range, well under a percent of a run.) */
static bool
verifier_setup(VerifierBench *b)
{
  uint8_t ws[2 * MATTER_SPAKE2P_WS_LEN], w1[MATTER_SPAKE2P_W_LEN];
  uint8_t Y[MATTER_SPAKE2P_POINT_LEN], cB[MATTER_SPAKE2P_CONFIRM_LEN];
  MatterSpake2p *prover = NULL, *verifier = NULL;
  bool ok = false;

  if (RAND_bytes(ws, sizeof(ws)) != 1 || RAND_bytes(b->context, sizeof(b->context)) != 1 ||
      matter_spake2p_compute_w0w1(ws, b->w0, w1) != MATTER_OK ||
      matter_spake2p_compute_L(w1, b->L) != MATTER_OK)
    return false;
  /* Any nonzero scalar below n does for y; w1 is one. */
  memcpy(b->y, w1, sizeof(b->y));
  prover = matter_spake2p_new_prover(b->context, sizeof(b->context), NULL, 0, NULL, 0, b->w0, w1);
  verifier =
      matter_spake2p_new_verifier(b->context, sizeof(b->context), NULL, 0, NULL, 0, b->w0, b->L);
  if (prover != NULL && verifier != NULL &&
      matter_spake2p_set_scalar(verifier, b->y) == MATTER_OK &&
      matter_spake2p_start(prover, b->X) == MATTER_OK &&
      matter_spake2p_respond(verifier, b->X, Y, cB) == MATTER_OK &&
      matter_spake2p_finish(prover, Y, cB, b->cA) == MATTER_OK)
    ok = true;
  matter_spake2p_free(prover);
  matter_spake2p_free(verifier);
  return ok;
}

int
main(int argc, char **argv)
{
  VerifierBench vb;
  EcBench mb = { 0 };
  EcBenchRates ec;
  double budget, verifier;
  int status;

  if (!bench_parse_budget(argc, argv, &budget, &status))
    return status;
  if (!verifier_setup(&vb) || !ec_bench_setup(&mb)) {
    fprintf(stderr, "%s: setup failed\n", argv[0]);
    ec_bench_clear(&mb);
    return EXIT_FAILURE;
  }

  verifier = bench_measure("spake2p verifier", budget, verifier_step, &vb);
  ec = ec_bench_run(&mb, budget);
  /* One verifier run in units of one multiplication of P, and against the
   * time of the 4 (P) + 1 (G) multiplications it cannot avoid. */
  ec_bench_print_ratio("verifier run", verifier, &ec, 4, 1);
  ec_bench_clear(&mb);
  return EXIT_SUCCESS;
}
