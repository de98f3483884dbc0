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


#include "ec-bench.h"
#include "matter/pase.h"
#include "matter/payload.h"
#include "pase-initiator.h"

#define N_SCALARS 64
#define PASSCODE 20202021u
#define ITERATIONS 1000u

typedef struct {
  uint8_t salt[16];
  uint8_t w0[MATTER_SPAKE2P_W_LEN];
  uint8_t w1[MATTER_SPAKE2P_W_LEN];
  uint8_t L[MATTER_SPAKE2P_POINT_LEN];
} PaseBench;

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

int
main(int argc, char **argv)
{
  PaseBench pb;
  EcBench mb = { 0 };
  EcBenchRates ec;
  double budget, handshakes;
  int status;

  if (!bench_parse_budget(argc, argv, &budget, &status))
    return status;
  if (!pase_setup(&pb) || !ec_bench_setup(&mb)) {
    fprintf(stderr, "%s: setup failed\n", argv[0]);
    ec_bench_clear(&mb);
    return EXIT_FAILURE;
  }

  handshakes = bench_measure("pase handshake (initiator + responder)", budget, pase_step, &pb);
  ec = ec_bench_run(&mb, budget);
  /* One handshake against the time of the 8 (P) + 2 (G) multiplications
   * it cannot avoid. */
  ec_bench_print_ratio("handshake", handshakes, &ec, 8, 2);
  matter_secure_zero(&pb, sizeof(pb));
  ec_bench_clear(&mb);
  return EXIT_SUCCESS;
}
