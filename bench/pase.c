/* SPDX-License-Identifier: Apache-2.0 */
/* PASE handshakes per second through the core, initiator and responder in
 * one process exchanging the five messages in memory, against the raw
 * OpenSSL P-256 scalar multiplications a handshake is made of, measured in
 * the same run.
 *
 *   bench-pase [SECONDS]   time budget per measurement, default 2
 *
 * Each side of SPAKE2+ multiplies G once (x*G, y*G) and other points four
 * times (w0*M, w0*N, and Z and V), so a handshake needs 2 (G) + 8 (P); the
 * ratio says what the rest adds (TLV codecs, transcript hash, HKDF, HMAC,
 * point checks, allocation). The initiator starts from cached w0 and w1,
 * as a commissioner may, so PBKDF2 (the commissioner's cost, not the
 * node's) is not counted. Numbers from sanitizer builds are not
 * representative. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>

#include "matter/pase.h"
#include "matter/payload.h"
#include "pase-initiator.h"

#define N_SCALARS 64
#define PASSCODE 20202021u
#define ITERATIONS 1000u

typedef bool (*BenchStep)(void *data, unsigned long i);

typedef struct {
  uint8_t salt[16];
  uint8_t w0[MATTER_SPAKE2P_W_LEN];
  uint8_t w1[MATTER_SPAKE2P_W_LEN];
  uint8_t L[MATTER_SPAKE2P_POINT_LEN];
} PaseBench;

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
pase_setup(PaseBench *b)
{
  uint8_t ws[2 * MATTER_SPAKE2P_WS_LEN];

  memcpy(b->salt, "SPAKE2P Key Salt", sizeof(b->salt));
  return matter_payload_compute_ws(PASSCODE, b->salt, sizeof(b->salt), ITERATIONS, ws) ==
             MATTER_OK &&
         matter_spake2p_compute_w0w1(ws, b->w0, b->w1) == MATTER_OK &&
         matter_spake2p_compute_L(b->w1, b->L) == MATTER_OK;
}

/* Passes @msg to @resp or @init and puts the answer in its place. */
static bool
relay(MatterPaseResponder *resp, MdTestPaseInitiator *init, uint8_t *opcode, uint8_t *msg,
      size_t *len)
{
  uint8_t out[MATTER_PASE_MESSAGE_MAX];
  MatterError err;

  if (resp != NULL)
    err = matter_pase_responder_handle(resp, *opcode, msg, *len, opcode, out, sizeof(out), len);
  else
    err = md_test_pase_initiator_handle(init, *opcode, msg, *len, opcode, out, sizeof(out), len);
  if (err != MATTER_OK)
    return false;
  memcpy(msg, out, *len);
  return true;
}

/* One whole handshake, both sides created and freed, keys compared. */
static bool
pase_step(void *data, unsigned long i)
{
  const PaseBench *b = data;
  MdTestPaseConfig config = {
    .w0 = b->w0,
    .w1 = b->w1,
    .session_id = (uint16_t) (1 + i % 0xfffe),
    .has_pbkdf_params = true,
    .salt = b->salt,
    .salt_len = sizeof(b->salt),
    .iterations = ITERATIONS,
  };
  MatterPaseResponder *resp = NULL;
  MdTestPaseInitiator *init = NULL;
  MatterPaseResult r, s;
  uint8_t msg[MATTER_PASE_MESSAGE_MAX], opcode;
  size_t len;
  bool ok;

  ok = matter_pase_responder_new(b->w0, b->L, b->salt, sizeof(b->salt), ITERATIONS, 1, NULL,
                                 &resp) == MATTER_OK &&
       md_test_pase_initiator_new(&config, &init) == MATTER_OK &&
       md_test_pase_initiator_start(init, &opcode, msg, sizeof(msg), &len) == MATTER_OK &&
       relay(resp, NULL, &opcode, msg, &len) && /* PBKDFParamResponse */
       relay(NULL, init, &opcode, msg, &len) && /* Pake1 */
       relay(resp, NULL, &opcode, msg, &len) && /* Pake2 */
       relay(NULL, init, &opcode, msg, &len) && /* Pake3 */
       relay(resp, NULL, &opcode, msg, &len) && /* PakeFinished */
       relay(NULL, init, &opcode, msg, &len) &&
       matter_pase_responder_get_result(resp, &r) == MATTER_OK &&
       md_test_pase_initiator_get_result(init, &s) == MATTER_OK &&
       memcmp(r.i2r_key, s.i2r_key, sizeof(r.i2r_key)) == 0 &&
       memcmp(r.r2i_key, s.r2i_key, sizeof(r.r2i_key)) == 0;
  matter_secure_zero(&r, sizeof(r));
  matter_secure_zero(&s, sizeof(s));
  md_test_pase_initiator_free(init);
  matter_pase_responder_free(resp);
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
  PaseBench pb;
  MulBench mb = { 0 };
  double budget = 2.0, handshakes, mul_g, mul_p, floor_time;

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
  if (!pase_setup(&pb) || !mul_setup(&mb)) {
    fprintf(stderr, "%s: setup failed\n", argv[0]);
    mul_clear(&mb);
    return EXIT_FAILURE;
  }

  handshakes = measure("pase handshake (initiator + responder)", budget, pase_step, &pb);
  mul_g = measure("EC_POINT_mul (G)", budget, mul_g_step, &mb);
  mul_p = measure("EC_POINT_mul (P)", budget, mul_p_step, &mb);
  /* One handshake against the time of the 8 (P) + 2 (G) multiplications
   * it cannot avoid. */
  floor_time = 8.0 / mul_p + 2.0 / mul_g;
  printf("ratio: one handshake = %.2f EC_POINT_mul (P) = %.2fx its 8 (P) + 2 (G)\n",
         mul_p / handshakes, (1.0 / handshakes) / floor_time);
  matter_secure_zero(&pb, sizeof(pb));
  mul_clear(&mb);
  return EXIT_SUCCESS;
}
