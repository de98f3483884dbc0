/* SPDX-License-Identifier: Apache-2.0 */
/* Pake3 into a PASE responder that has answered a fixed request and a
 * fixed Pake1, and through the codec. Only the one right cA establishes
 * the session; anything else is refused with INVALID_PARAMETER and fails
 * the responder for good. */
#include "fuzz-pase.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const FuzzPase *f = fuzz_pase_setup();
  MatterPaseResponder *resp = fuzz_pase_responder_new(f);
  uint8_t out[MATTER_PASE_MESSAGE_MAX], opcode;
  MatterPaseResult result;
  MatterStatusReport report;
  MatterPake3 pake3;
  bool decodes;
  size_t len;
  MatterError err;

  decodes = matter_pase_pake3_decode(data, size, &pake3) == MATTER_OK;
  if (decodes) {
    require(matter_pase_pake3_encode(&pake3, out, sizeof(out), &len) == MATTER_OK);
    require(len <= size);
  }
  fuzz_pase_feed(resp, MATTER_SC_OPCODE_PBKDF_PARAM_REQUEST, f->request, f->request_len);
  fuzz_pase_feed(resp, MATTER_SC_OPCODE_PASE_PAKE1, f->pake1, f->pake1_len);
  err = matter_pase_responder_handle(resp, MATTER_SC_OPCODE_PASE_PAKE3, data, size, &opcode, out,
                                     sizeof(out), &len);
  if (err == MATTER_OK) {
    require(decodes);
    require(opcode == MATTER_SC_OPCODE_STATUS_REPORT);
    require(matter_status_report_decode(out, len, &report) == MATTER_OK);
    require(matter_status_report_is_sc(&report, MATTER_STATUS_SUCCESS,
                                       MATTER_SC_STATUS_SESSION_ESTABLISHMENT_SUCCESS));
    require(matter_pase_responder_get_result(resp, &result) == MATTER_OK);
  } else {
    /* A well-formed Pake3 can only be wrong, never malformed. */
    require(decodes == (err == MATTER_ERROR_PASE_VERIFICATION_FAILED));
    fuzz_pase_check_refused(resp, err, opcode, out, len, false);
  }
  matter_pase_responder_free(resp);
  return 0;
}
