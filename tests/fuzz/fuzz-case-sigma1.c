/* SPDX-License-Identifier: Apache-2.0 */
/* Sigma1 into a CASE responder with one fabric and one resumption record,
 * and through the codec. The responder answers with a Sigma2 or a
 * Sigma2_Resume, or refuses with INVALID_PARAMETER or
 * NO_SHARED_TRUST_ROOTS and stays IDLE. */
#include "fuzz-case.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_codec(const uint8_t *data, size_t size)
{
  MatterCaseSigma1 s1, again;
  uint8_t out[MATTER_CASE_MESSAGE_MAX];
  size_t len;

  if (matter_case_sigma1_decode(data, size, &s1) != MATTER_OK)
    return;
  require(matter_case_sigma1_encode(&s1, out, sizeof(out), &len) == MATTER_OK);
  require(len <= size);
  require(matter_case_sigma1_decode(out, len, &again) == MATTER_OK);
  require(memcmp(again.initiator_random, s1.initiator_random, sizeof(s1.initiator_random)) == 0);
  require(again.has_resumption == s1.has_resumption);
}

static void
check_answer(MatterCaseResponder *resp, uint8_t opcode, const uint8_t *out, size_t len)
{
  MatterCaseSigma2 s2;
  MatterCaseSigma2Resume s2r;
  uint16_t peer;

  if (opcode == MATTER_SC_OPCODE_CASE_SIGMA2)
    require(matter_case_sigma2_decode(out, len, &s2) == MATTER_OK &&
            s2.responder_session_id == FUZZ_RESPONDER_SESSION);
  else
    require(opcode == MATTER_SC_OPCODE_CASE_SIGMA2_RESUME &&
            matter_case_sigma2_resume_decode(out, len, &s2r) == MATTER_OK);
  require(matter_case_responder_get_state(resp) == MATTER_CASE_STATE_IN_PROGRESS);
  require(matter_case_responder_get_peer(resp, &peer, NULL, NULL) == MATTER_OK && peer != 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  FuzzCase *f = fuzz_case_setup();
  uint8_t out[MATTER_CASE_MESSAGE_MAX], opcode, counter;
  MatterCaseResponder *resp = fuzz_case_responder_new(f, &counter);
  MatterCaseResult result;
  size_t len;
  MatterError err;

  check_codec(data, size);
  err = matter_case_responder_handle(resp, MATTER_SC_OPCODE_CASE_SIGMA1, data, size, &opcode, out,
                                     sizeof(out), &len);
  if (err == MATTER_OK) {
    check_answer(resp, opcode, out, len);
  } else {
    require(err == MATTER_ERROR_CASE_INVALID_MESSAGE || err == MATTER_ERROR_CASE_NO_SHARED_ROOT);
    require(matter_case_responder_get_failure(resp, NULL) == err);
    fuzz_case_check_status(opcode, out, len, MATTER_STATUS_FAILURE,
                           err == MATTER_ERROR_CASE_NO_SHARED_ROOT
                               ? MATTER_SC_STATUS_NO_SHARED_TRUST_ROOTS
                               : MATTER_SC_STATUS_INVALID_PARAMETER);
    require(matter_case_responder_get_state(resp) == MATTER_CASE_STATE_IDLE);
  }
  require(matter_case_responder_get_result(resp, &result) == MATTER_ERROR_BAD_STATE);
  matter_case_responder_free(resp);
  return 0;
}
