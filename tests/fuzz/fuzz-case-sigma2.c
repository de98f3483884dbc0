/* SPDX-License-Identifier: Apache-2.0 */
/* What a CASE initiator that sent the fixed Sigma1 with resumption gets
 * back. The first input byte chooses what the rest is (byte % 3):
 *   0  a Sigma2 payload as it comes
 *   1  a Sigma2_Resume payload as it comes
 *   2  a TBEData2 plaintext, sealed here into a Sigma2 with the S2K of a
 *      made-up responder ephemeral key, so that certificates, chain
 *      validation and the signature check are reached
 * The initiator answers with Sigma3 or SigmaFinished, or refuses with
 * INVALID_PARAMETER and fails for good. */
#include "fuzz-case.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t made_up_random[MATTER_CASE_RANDOM_LEN] = { 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9,
                                                                9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9,
                                                                9, 9, 9, 9, 9, 9, 9, 9, 9, 9 };

static size_t
seal_sigma2(const FuzzCase *f, const uint8_t *plain, size_t plain_len, uint8_t *out)
{
  uint8_t hash[MATTER_SHA256_LEN], secret[32], s2k[16], encrypted[MATTER_CASE_MESSAGE_MAX];
  MatterCaseSigma2 s2 = { .responder_session_id = FUZZ_RESPONDER_SESSION, .encrypted2 = encrypted };
  uint8_t initiator_pub[MATTER_P256_PUBLIC_KEY_LEN];
  size_t len;

  memcpy(s2.responder_random, made_up_random, sizeof(made_up_random));
  require(matter_p256_export_public(f->made_up_eph, s2.responder_eph_pub) == MATTER_OK);
  require(matter_p256_export_public(f->initiator_eph, initiator_pub) == MATTER_OK);
  require(matter_ecdh(f->made_up_eph, initiator_pub, secret) == MATTER_OK);
  require(matter_sha256(f->sigma1_resume, f->sigma1_resume_len, hash) == MATTER_OK);
  require(matter_case_sigma2_key(secret, f->initiator_fabric.ipk, s2.responder_random,
                                 s2.responder_eph_pub, hash, s2k) == MATTER_OK);
  s2.encrypted2_len = fuzz_case_seal(s2k, "NCASE_Sigma2N", plain, plain_len, encrypted);
  require(matter_case_sigma2_encode(&s2, out, MATTER_CASE_MESSAGE_MAX, &len) == MATTER_OK);
  return len;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  FuzzCase *f = fuzz_case_setup();
  uint8_t sigma1[MATTER_CASE_MESSAGE_MAX], sigma2[MATTER_CASE_MESSAGE_MAX];
  uint8_t out[MATTER_CASE_MESSAGE_MAX], opcode, counter, mode;
  MatterCaseInitiator *init;
  MatterCaseResult result;
  const uint8_t *msg = data + 1;
  size_t len, msg_len = size - 1;
  MatterError err;

  if (size == 0 || size > 960)
    return 0;
  mode = data[0] % 3;
  init = fuzz_case_initiator_new(f, true, &counter);
  require(matter_case_initiator_start(init, &opcode, sigma1, sizeof(sigma1), &len) == MATTER_OK);
  require(len == f->sigma1_resume_len && memcmp(sigma1, f->sigma1_resume, len) == 0);
  if (mode == 2) {
    msg_len = seal_sigma2(f, data + 1, size - 1, sigma2);
    msg = sigma2;
  }
  err = matter_case_initiator_handle(
      init, mode == 1 ? MATTER_SC_OPCODE_CASE_SIGMA2_RESUME : MATTER_SC_OPCODE_CASE_SIGMA2, msg,
      msg_len, &opcode, out, sizeof(out), &len);
  if (err == MATTER_OK && mode == 1) {
    fuzz_case_check_status(opcode, out, len, MATTER_STATUS_SUCCESS,
                           MATTER_SC_STATUS_SESSION_ESTABLISHMENT_SUCCESS);
    require(matter_case_initiator_get_state(init) == MATTER_CASE_STATE_ESTABLISHED);
    require(matter_case_initiator_get_result(init, &result) == MATTER_OK && result.resumed);
  } else if (err == MATTER_OK) {
    MatterCaseSigma3 s3;

    require(opcode == MATTER_SC_OPCODE_CASE_SIGMA3);
    require(matter_case_sigma3_decode(out, len, &s3) == MATTER_OK);
    require(matter_case_initiator_get_state(init) == MATTER_CASE_STATE_IN_PROGRESS);
  } else {
    require(err == MATTER_ERROR_CASE_INVALID_MESSAGE ||
            err == MATTER_ERROR_CASE_VERIFICATION_FAILED);
    fuzz_case_check_status(opcode, out, len, MATTER_STATUS_FAILURE,
                           MATTER_SC_STATUS_INVALID_PARAMETER);
    require(matter_case_initiator_get_state(init) == MATTER_CASE_STATE_FAILED);
    require(matter_case_initiator_get_result(init, &result) == MATTER_ERROR_BAD_STATE);
  }
  matter_case_initiator_free(init);
  return 0;
}
