/* SPDX-License-Identifier: Apache-2.0 */
/* Pake1 into a PASE responder that has answered a fixed request, and
 * through the codec. The responder either answers with a Pake2 or refuses
 * with INVALID_PARAMETER and fails for good. */
#include "fuzz-pase.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_codec(const uint8_t *data, size_t size)
{
  MatterPake1 pake1;
  uint8_t out[MATTER_PASE_MESSAGE_MAX];
  size_t len;

  if (matter_pase_pake1_decode(data, size, &pake1) != MATTER_OK)
    return;
  require(matter_pase_pake1_encode(&pake1, out, sizeof(out), &len) == MATTER_OK);
  require(len <= size);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const FuzzPase *f = fuzz_pase_setup();
  MatterPaseResponder *resp = fuzz_pase_responder_new(f);
  uint8_t out[MATTER_PASE_MESSAGE_MAX], opcode;
  MatterPake2 pake2;
  size_t len;
  MatterError err;

  check_codec(data, size);
  fuzz_pase_feed(resp, MATTER_SC_OPCODE_PBKDF_PARAM_REQUEST, f->request, f->request_len);
  err = matter_pase_responder_handle(resp, MATTER_SC_OPCODE_PASE_PAKE1, data, size, &opcode, out,
                                     sizeof(out), &len);
  if (err == MATTER_OK) {
    require(opcode == MATTER_SC_OPCODE_PASE_PAKE2);
    require(matter_pase_pake2_decode(out, len, &pake2) == MATTER_OK);
    require(matter_pase_responder_get_state(resp) == MATTER_PASE_STATE_IN_PROGRESS);
  } else {
    require(err != MATTER_ERROR_PASE_VERIFICATION_FAILED);
    fuzz_pase_check_refused(resp, err, opcode, out, len, false);
  }
  matter_pase_responder_free(resp);
  return 0;
}
