/* SPDX-License-Identifier: Apache-2.0 */
/* Sigma3 into a CASE responder that has answered the fixed Sigma1 with a
 * Sigma2. The first input byte chooses what the rest is:
 *   even  the Sigma3 payload as it comes
 *   odd   a TBEData3 plaintext, sealed here with the S3K the initiator
 *         would derive, so that certificates, chain validation and the
 *         signature check are reached
 * The responder either establishes the session or refuses with
 * INVALID_PARAMETER and fails for good. */
#include "fuzz-case.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Sigma3 = { encrypted3 = S3K{@plain} } for the exchange so far. */
static size_t
seal_sigma3(const FuzzCase *f, const uint8_t *sigma2, size_t sigma2_len, const uint8_t *plain,
            size_t plain_len, uint8_t *out)
{
  uint8_t both[2 * MATTER_CASE_MESSAGE_MAX], hash[MATTER_SHA256_LEN], secret[32], s3k[16];
  uint8_t encrypted[MATTER_CASE_MESSAGE_MAX];
  MatterCaseSigma2 s2;
  MatterCaseSigma3 s3 = { .encrypted3 = encrypted };
  size_t len;

  require(matter_case_sigma2_decode(sigma2, sigma2_len, &s2) == MATTER_OK);
  require(matter_ecdh(f->initiator_eph, s2.responder_eph_pub, secret) == MATTER_OK);
  memcpy(both, f->sigma1, f->sigma1_len);
  memcpy(both + f->sigma1_len, sigma2, sigma2_len);
  require(matter_sha256(both, f->sigma1_len + sigma2_len, hash) == MATTER_OK);
  require(matter_case_sigma3_key(secret, f->initiator_fabric.ipk, hash, s3k) == MATTER_OK);
  s3.encrypted3_len = fuzz_case_seal(s3k, "NCASE_Sigma3N", plain, plain_len, encrypted);
  require(matter_case_sigma3_encode(&s3, out, MATTER_CASE_MESSAGE_MAX, &len) == MATTER_OK);
  return len;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  FuzzCase *f = fuzz_case_setup();
  uint8_t sigma2[MATTER_CASE_MESSAGE_MAX], sigma3[MATTER_CASE_MESSAGE_MAX];
  uint8_t out[MATTER_CASE_MESSAGE_MAX], opcode, counter;
  MatterCaseResponder *resp;
  MatterCaseResult result;
  const uint8_t *msg;
  size_t sigma2_len, len, msg_len;
  MatterError err;

  /* A TBEData larger than this never decodes: keep the sealing bounded. */
  if (size == 0 || size > 960)
    return 0;
  resp = fuzz_case_responder_new(f, &counter);
  require(matter_case_responder_handle(resp, MATTER_SC_OPCODE_CASE_SIGMA1, f->sigma1, f->sigma1_len,
                                       &opcode, sigma2, sizeof(sigma2), &sigma2_len) == MATTER_OK &&
          opcode == MATTER_SC_OPCODE_CASE_SIGMA2);
  msg = data + 1;
  msg_len = size - 1;
  if (data[0] & 1) {
    msg_len = seal_sigma3(f, sigma2, sigma2_len, data + 1, size - 1, sigma3);
    msg = sigma3;
  }
  err = matter_case_responder_handle(resp, MATTER_SC_OPCODE_CASE_SIGMA3, msg, msg_len, &opcode, out,
                                     sizeof(out), &len);
  if (err == MATTER_OK) {
    fuzz_case_check_status(opcode, out, len, MATTER_STATUS_SUCCESS,
                           MATTER_SC_STATUS_SESSION_ESTABLISHMENT_SUCCESS);
    require(matter_case_responder_get_state(resp) == MATTER_CASE_STATE_ESTABLISHED);
    require(matter_case_responder_get_result(resp, &result) == MATTER_OK);
    require(result.setup.peer_node_id == FUZZ_INITIATOR_NODE);
  } else {
    require(err == MATTER_ERROR_CASE_INVALID_MESSAGE ||
            err == MATTER_ERROR_CASE_VERIFICATION_FAILED);
    fuzz_case_check_status(opcode, out, len, MATTER_STATUS_FAILURE,
                           MATTER_SC_STATUS_INVALID_PARAMETER);
    require(matter_case_responder_get_state(resp) == MATTER_CASE_STATE_FAILED);
    require(matter_case_responder_get_result(resp, &result) == MATTER_ERROR_BAD_STATE);
  }
  matter_case_responder_free(resp);
  return 0;
}
