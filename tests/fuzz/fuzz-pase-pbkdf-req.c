/* SPDX-License-Identifier: Apache-2.0 */
/* PBKDFParamRequest into an idle PASE responder, and through the codec.
 * The responder either answers with a PBKDFParamResponse that echoes the
 * request's random, or refuses with INVALID_PARAMETER and stays idle. A
 * request that decodes encodes again to one that decodes the same. */
#include "fuzz-pase.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_codec(const uint8_t *data, size_t size)
{
  MatterPbkdfParamRequest req, again;
  uint8_t out[MATTER_PASE_MESSAGE_MAX];
  size_t len;

  if (matter_pase_pbkdf_request_decode(data, size, &req) != MATTER_OK)
    return;
  require(matter_pase_pbkdf_request_encode(&req, out, sizeof(out), &len) == MATTER_OK);
  require(matter_pase_pbkdf_request_decode(out, len, &again) == MATTER_OK);
  require(memcmp(&req, &again, sizeof(req)) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const FuzzPase *f = fuzz_pase_setup();
  MatterPaseResponder *resp = fuzz_pase_responder_new(f);
  uint8_t out[MATTER_PASE_MESSAGE_MAX], opcode;
  MatterPbkdfParamRequest req;
  MatterPbkdfParamResponse rsp;
  size_t len;
  MatterError err;

  check_codec(data, size);
  err = matter_pase_responder_handle(resp, MATTER_SC_OPCODE_PBKDF_PARAM_REQUEST, data, size,
                                     &opcode, out, sizeof(out), &len);
  if (err == MATTER_OK) {
    require(matter_pase_pbkdf_request_decode(data, size, &req) == MATTER_OK);
    require(req.passcode_id == 0 && req.initiator_session_id != 0);
    require(opcode == MATTER_SC_OPCODE_PBKDF_PARAM_RESPONSE);
    require(matter_pase_pbkdf_response_decode(out, len, &rsp) == MATTER_OK);
    require(memcmp(rsp.initiator_random, req.initiator_random, sizeof(rsp.initiator_random)) == 0);
    require(rsp.has_pbkdf_params == !req.has_pbkdf_params);
    require(matter_pase_responder_get_state(resp) == MATTER_PASE_STATE_IN_PROGRESS);
  } else {
    fuzz_pase_check_refused(resp, err, opcode, out, len, true);
  }
  matter_pase_responder_free(resp);
  return 0;
}
