/* SPDX-License-Identifier: Apache-2.0 */
/* CASE handshakes per second through the core, initiator and responder in
 * one process exchanging the messages in memory, against the raw OpenSSL
 * operations a responder's handshake is made of, measured in the same run.
 *
 *   bench-case [SECONDS]   time budget per measurement, default 2
 *
 * A full handshake costs the responder one P-256 key generation, one
 * ECDH, one ECDSA signature (Sigma2) and the ECDSA verifications of the
 * initiator's NOC and Sigma3 signature; the chain validation around the
 * NOC's verification (which also checks the RCAC's self-signature, and
 * re-encodes each certificate as X.509 to verify it) is measured on its
 * own. The responder's share is timed apart from the initiator's within
 * the same handshakes. A resumed handshake needs no public-key operation
 * at all: HKDF and AES-CCM only. Numbers from sanitizer builds are not
 * representative. */
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ec-bench.h"
#include "fuzz-case.h"
#include "matter/case.h"

typedef struct {
  FuzzCase *creds;
  MatterCaseResumption record; /* the responder's, from a first handshake */
  MatterCaseResumption initiator_record;
  double responder_seconds; /* the responder's share of what was measured */
  /* raw OpenSSL */
  EVP_PKEY *key, *peer;
  uint8_t msg[300];
  uint8_t sig[MATTER_P256_DER_SIGNATURE_MAX];
  size_t sig_len;
} CaseBench;

static double
now(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static size_t
owner_fabric_count(void *user_data)
{
  (void) user_data;
  return 1;
}

static MatterError
owner_get_fabric(void *user_data, size_t index, MatterCaseFabric *fabric)
{
  (void) index;
  *fabric = ((CaseBench *) user_data)->creds->responder_fabric;
  return MATTER_OK;
}

static MatterError
owner_find_resumption(void *user_data, const uint8_t id[MATTER_CASE_RESUMPTION_ID_LEN],
                      MatterCaseResumption *record)
{
  const CaseBench *b = user_data;

  if (memcmp(id, b->record.resumption_id, MATTER_CASE_RESUMPTION_ID_LEN) != 0)
    return MATTER_ERROR_SESSION_NOT_FOUND;
  *record = b->record;
  return MATTER_OK;
}

/* Passes @msg to @resp (its time counted apart) or @init and puts the
 * answer in its place. */
static bool
relay(CaseBench *b, MatterCaseResponder *resp, MatterCaseInitiator *init, uint8_t *opcode,
      uint8_t *msg, size_t *len)
{
  uint8_t out[MATTER_CASE_MESSAGE_MAX];
  double start;
  MatterError err;

  if (resp != NULL) {
    start = now();
    err = matter_case_responder_handle(resp, *opcode, msg, *len, opcode, out, sizeof(out), len);
    b->responder_seconds += now() - start;
  } else {
    err = matter_case_initiator_handle(init, *opcode, msg, *len, opcode, out, sizeof(out), len);
  }
  if (err != MATTER_OK)
    return false;
  memcpy(msg, out, *len);
  return true;
}

/* One whole handshake, both sides created and freed, keys compared; the
 * result of the initiator in @out when not NULL. */
static bool
handshake(CaseBench *b, const MatterCaseResumption *resumption, MatterCaseResult *out)
{
  const MatterCaseResponderCallbacks cb = {
    .fabric_count = owner_fabric_count,
    .get_fabric = owner_get_fabric,
    .find_resumption = owner_find_resumption,
    .user_data = b,
  };
  MatterCaseResponder *resp = NULL;
  MatterCaseInitiator *init = NULL;
  MatterCaseResult r, s;
  uint8_t msg[MATTER_CASE_MESSAGE_MAX], opcode;
  size_t len;
  double start = now();
  bool ok;

  ok = matter_case_responder_new(&cb, 1, NULL, NULL, MATTER_CERT_TIME_UNKNOWN, 0, &resp) ==
       MATTER_OK;
  b->responder_seconds += now() - start;
  ok = ok &&
       matter_case_initiator_new(&b->creds->initiator_fabric, FUZZ_RESPONDER_NODE, resumption, 2,
                                 NULL, NULL, MATTER_CERT_TIME_UNKNOWN, 0, &init) == MATTER_OK &&
       matter_case_initiator_start(init, &opcode, msg, sizeof(msg), &len) == MATTER_OK &&
       relay(b, resp, NULL, &opcode, msg, &len) && /* Sigma2 or Sigma2_Resume */
       relay(b, NULL, init, &opcode, msg, &len);   /* Sigma3 or SigmaFinished */
  if (ok && resumption == NULL)
    ok = relay(b, resp, NULL, &opcode, msg, &len) && /* SigmaFinished */
         relay(b, NULL, init, &opcode, msg, &len);
  else if (ok)
    ok = relay(b, resp, NULL, &opcode, msg, &len);
  ok = ok && matter_case_responder_get_result(resp, &r) == MATTER_OK &&
       matter_case_initiator_get_result(init, &s) == MATTER_OK &&
       r.resumed == (resumption != NULL) &&
       memcmp(r.setup.i2r_key, s.setup.i2r_key, sizeof(r.setup.i2r_key)) == 0 &&
       memcmp(r.setup.r2i_key, s.setup.r2i_key, sizeof(r.setup.r2i_key)) == 0;
  if (ok && out != NULL) {
    *out = r;
    out[1] = s;
  }
  matter_secure_zero(&r, sizeof(r));
  matter_secure_zero(&s, sizeof(s));
  matter_case_initiator_free(init);
  start = now();
  matter_case_responder_free(resp);
  b->responder_seconds += now() - start;
  return ok;
}

static bool
full_step(void *data, unsigned long i)
{
  (void) i;
  return handshake(data, NULL, NULL);
}

static bool
resumed_step(void *data, unsigned long i)
{
  CaseBench *b = data;

  (void) i;
  return handshake(b, &b->initiator_record, NULL);
}

/* The handshake's rate, and the responder's alone. */
static void
measure_handshake(CaseBench *b, const char *name, double budget, BenchStep step, double *rate,
                  double *responder_rate)
{
  char label[128];
  double start = now(), elapsed;

  b->responder_seconds = 0;
  snprintf(label, sizeof(label), "%s (initiator + responder)", name);
  *rate = bench_measure(label, budget, step, b);
  elapsed = now() - start;
  /* handshakes done = rate * elapsed, give or take the last one */
  *responder_rate = *rate * elapsed / b->responder_seconds;
  printf("%s, responder's share: %.0f ops/s\n", name, *responder_rate);
}

/* ---- Raw OpenSSL ------------------------------------------------------ */

static bool
keygen_step(void *data, unsigned long i)
{
  EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");

  (void) data;
  (void) i;
  EVP_PKEY_free(key);
  return key != NULL;
}

static bool
ecdh_step(void *data, unsigned long i)
{
  CaseBench *b = data;
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(b->key, NULL);
  uint8_t secret[32];
  size_t len = sizeof(secret);
  bool ok;

  (void) i;
  ok = ctx != NULL && EVP_PKEY_derive_init(ctx) == 1 &&
       EVP_PKEY_derive_set_peer(ctx, b->peer) == 1 && EVP_PKEY_derive(ctx, secret, &len) == 1;
  EVP_PKEY_CTX_free(ctx);
  return ok;
}

static bool
sign_step(void *data, unsigned long i)
{
  CaseBench *b = data;
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  size_t len = sizeof(b->sig);
  bool ok;

  (void) i;
  ok = ctx != NULL && EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, b->key) == 1 &&
       EVP_DigestSign(ctx, b->sig, &len, b->msg, sizeof(b->msg)) == 1;
  b->sig_len = len;
  EVP_MD_CTX_free(ctx);
  return ok;
}

static bool
verify_step(void *data, unsigned long i)
{
  CaseBench *b = data;
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  bool ok;

  (void) i;
  ok = ctx != NULL && EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, b->key) == 1 &&
       EVP_DigestVerify(ctx, b->sig, b->sig_len, b->msg, sizeof(b->msg)) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

static bool
chain_step(void *data, unsigned long i)
{
  const FuzzCase *f = ((CaseBench *) data)->creds;
  MatterCertChainInfo info;

  (void) i;
  return matter_cert_chain_validate(f->rcac, f->rcac_len, NULL, 0, f->initiator_noc,
                                    f->initiator_noc_len, MATTER_CERT_TIME_UNKNOWN, 0,
                                    &info) == MATTER_OK;
}

static bool
setup(CaseBench *b)
{
  MatterCaseResult results[2];

  memset(b, 0, sizeof(*b));
  b->creds = fuzz_case_setup();
  b->key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
  b->peer = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
  memset(b->msg, 0x5a, sizeof(b->msg));
  if (b->key == NULL || b->peer == NULL || !sign_step(b, 0) || !handshake(b, NULL, results))
    return false;
  /* What each side keeps to resume. */
  for (int side = 0; side < 2; side++) {
    MatterCaseResumption *rec = side == 0 ? &b->record : &b->initiator_record;

    memcpy(rec->resumption_id, results[side].setup.resumption_id, sizeof(rec->resumption_id));
    memcpy(rec->shared_secret, results[side].setup.shared_secret, sizeof(rec->shared_secret));
    rec->fabric_index = results[side].setup.fabric_index;
    rec->peer_node_id = results[side].setup.peer_node_id;
  }
  matter_secure_zero(results, sizeof(results));
  return true;
}

int
main(int argc, char **argv)
{
  CaseBench b;
  double budget, full, full_resp, resumed, resumed_resp, keygen, ecdh, sign, verify, chain;
  double floor_time;
  int status;

  if (!bench_parse_budget(argc, argv, &budget, &status))
    return status;
  if (!setup(&b)) {
    fprintf(stderr, "%s: setup failed\n", argv[0]);
    return EXIT_FAILURE;
  }

  measure_handshake(&b, "case handshake", budget, full_step, &full, &full_resp);
  measure_handshake(&b, "case resumed handshake", budget, resumed_step, &resumed, &resumed_resp);
  keygen = bench_measure("P-256 key generation", budget, keygen_step, &b);
  ecdh = bench_measure("ECDH P-256", budget, ecdh_step, &b);
  sign = bench_measure("ECDSA P-256 sign (300 bytes)", budget, sign_step, &b);
  verify = bench_measure("ECDSA P-256 verify (300 bytes)", budget, verify_step, &b);
  chain = bench_measure("chain validation RCAC -> NOC", budget, chain_step, &b);

  /* The public-key operations a responder cannot avoid: key generation,
   * ECDH, one signature, two verifications (NOC and Sigma3). */
  floor_time = 1 / keygen + 1 / ecdh + 1 / sign + 2 / verify;
  printf("raw floor for one responder handshake (keygen + ECDH + sign + 2 verify): %.0f ops/s\n",
         1 / floor_time);
  printf("ratio: one responder handshake = %.2fx its raw OpenSSL operations\n",
         (1 / full_resp) / floor_time);
  printf("ratio: chain validation = %.2f ECDSA verifications\n", verify / chain);
  printf("ratio: one full handshake (both sides) = %.2f resumed ones\n", resumed / full);

  EVP_PKEY_free(b.key);
  EVP_PKEY_free(b.peer);
  matter_secure_zero(&b.record, sizeof(b.record));
  matter_secure_zero(&b.initiator_record, sizeof(b.initiator_record));
  return EXIT_SUCCESS;
}
