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

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <openssl/rand.h>

#include "matter/spake2p.h"

#define N_SCALARS 64

typedef bool (*BenchStep)(void *data, unsigned long i);

typedef struct {
  uint8_t context[32];
  uint8_t w0[MATTER_SPAKE2P_W_LEN];
  uint8_t L[MATTER_SPAKE2P_POINT_LEN];
  uint8_t y[MATTER_SPAKE2P_W_LEN];
  uint8_t X[MATTER_SPAKE2P_POINT_LEN];
  uint8_t cA[MATTER_SPAKE2P_CONFIRM_LEN];
} VerifierBench;

typedef struct {
  EC_GROUP *group;
  BN_CTX *bn;
  BIGNUM *k[N_SCALARS];
  EC_POINT *P;
  EC_POINT *r;
} MulBench;

static double
now(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* Operations per second of @step over @budget seconds. */
static double
measure(const char *name, double budget, BenchStep step, void *data)
{
  unsigned long n = 0;
  double start = now(), elapsed;

  do {
    if (!step(data, n)) {
      fprintf(stderr, "%s: operation failed\n", name);
      exit(EXIT_FAILURE);
    }
    n++;
    elapsed = now() - start;
  } while (elapsed < budget);
  printf("%s: %.0f ops/s\n", name, (double) n / elapsed);
  fflush(stdout);
  return (double) n / elapsed;
}

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

static bool
mul_g_step(void *data, unsigned long i)
{
  MulBench *b = data;

  return EC_POINT_mul(b->group, b->r, b->k[i % N_SCALARS], NULL, NULL, b->bn) == 1;
}

static bool
mul_p_step(void *data, unsigned long i)
{
  MulBench *b = data;

  return EC_POINT_mul(b->group, b->r, NULL, b->P, b->k[i % N_SCALARS], b->bn) == 1;
}

/* Random secret scalars (flagged constant-time, as spake2p.c flags its
 * own) and an arbitrary point P = k*G. */
static bool
mul_setup(MulBench *b)
{
  b->group = EC_GROUP_new_by_curve_name_ex(NULL, NULL, NID_X9_62_prime256v1);
  b->bn = BN_CTX_new();
  if (b->group == NULL || b->bn == NULL)
    return false;
  for (size_t i = 0; i < N_SCALARS; i++) {
    b->k[i] = BN_new();
    if (b->k[i] == NULL || !BN_rand_range_ex(b->k[i], EC_GROUP_get0_order(b->group), 0, b->bn))
      return false;
    BN_set_flags(b->k[i], BN_FLG_CONSTTIME);
  }
  b->P = EC_POINT_new(b->group);
  b->r = EC_POINT_new(b->group);
  return b->P != NULL && b->r != NULL &&
         EC_POINT_mul(b->group, b->P, b->k[0], NULL, NULL, b->bn) == 1;
}

static void
mul_clear(MulBench *b)
{
  for (size_t i = 0; i < N_SCALARS; i++)
    BN_free(b->k[i]);
  EC_POINT_free(b->P);
  EC_POINT_free(b->r);
  BN_CTX_free(b->bn);
  EC_GROUP_free(b->group);
}

int
main(int argc, char **argv)
{
  VerifierBench vb;
  MulBench mb = { 0 };
  double budget = 2.0, verifier, mul_g, mul_p, floor_time;

  if (argc > 2 || (argc == 2 && strcmp(argv[1], "--help") == 0)) {
    fprintf(stderr, "usage: %s [SECONDS]\n", argv[0]);
    return argc == 2 ? EXIT_SUCCESS : EXIT_FAILURE;
  }
  if (argc == 2) {
    char *end;

    errno = 0;
    budget = strtod(argv[1], &end);
    if (errno != 0 || end == argv[1] || *end != '\0' || !(budget > 0.0 && budget <= 3600.0)) {
      fprintf(stderr, "%s: SECONDS must be a number in (0, 3600]\n", argv[0]);
      return EXIT_FAILURE;
    }
  }
  if (!verifier_setup(&vb) || !mul_setup(&mb)) {
    fprintf(stderr, "%s: setup failed\n", argv[0]);
    mul_clear(&mb);
    return EXIT_FAILURE;
  }

  verifier = measure("spake2p verifier", budget, verifier_step, &vb);
  mul_g = measure("EC_POINT_mul (G)", budget, mul_g_step, &mb);
  mul_p = measure("EC_POINT_mul (P)", budget, mul_p_step, &mb);
  /* One verifier run in units of one multiplication of P, and against the
   * time of the 4 (P) + 1 (G) multiplications it cannot avoid. */
  floor_time = 4.0 / mul_p + 1.0 / mul_g;
  printf("ratio: one verifier run = %.2f EC_POINT_mul (P) = %.2fx its 4 (P) + 1 (G)\n",
         mul_p / verifier, (1.0 / verifier) / floor_time);
  mul_clear(&mb);
  return EXIT_SUCCESS;
}
