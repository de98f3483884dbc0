/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* A PASE initiator (the commissioner's side of Core spec 4.13.1) for tests
 * and benchmarks, built on the core's PASE codecs and SPAKE2+ prover. It
 * is not part of the product: matterd is only ever the responder.
 *
 *   md_test_pase_initiator_start()    -> PBKDFParamRequest
 *   handle(PBKDFParamResponse)        -> Pake1
 *   handle(Pake2)                     -> Pake3, or StatusReport(FAILURE,
 *                                        INVALID_PARAMETER) when cB is wrong
 *   handle(StatusReport)              -> nothing; ESTABLISHED on
 *                                        SESSION_ESTABLISHMENT_SUCCESS */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "matter/pase.h"

typedef struct {
  uint32_t passcode; /* used when w0 and w1 are NULL */
  /* Precomputed w0 and w1 (both or neither): skips PBKDF2, as a
   * commissioner that caches them would. */
  const uint8_t *w0;
  const uint8_t *w1;
  uint16_t session_id; /* initiatorSessionId */
  uint16_t passcode_id;
  /* Tell the responder the salt and iterations are known (from the QR
   * code); they are then taken from here. */
  bool has_pbkdf_params;
  const uint8_t *salt;
  size_t salt_len;
  uint32_t iterations;
  const MatterSessionParams *params; /* initiatorSessionParams, or NULL */
} MdTestPaseConfig;

typedef struct MdTestPaseInitiator MdTestPaseInitiator;

MatterError md_test_pase_initiator_new(const MdTestPaseConfig *config, MdTestPaseInitiator **init);
void md_test_pase_initiator_free(MdTestPaseInitiator *init);

/* The PBKDFParamRequest to send (@out_size at least MATTER_PASE_MESSAGE_MAX). */
MatterError md_test_pase_initiator_start(MdTestPaseInitiator *init, uint8_t *out_opcode,
                                         uint8_t *out, size_t out_size, size_t *out_len);
/* Takes the responder's next message; writes the answer (*@out_len 0 for
 * none). Errors as the responder's: MATTER_ERROR_PASE_VERIFICATION_FAILED
 * when cB is wrong, MATTER_ERROR_PASE_INVALID_MESSAGE for a malformed or
 * unacceptable message (both answered with INVALID_PARAMETER),
 * MATTER_ERROR_SC_PEER_STATUS for a failure StatusReport,
 * MATTER_ERROR_BAD_STATE out of order. Any error ends the run. */
MatterError md_test_pase_initiator_handle(MdTestPaseInitiator *init, uint8_t opcode,
                                          const uint8_t *payload, size_t len, uint8_t *out_opcode,
                                          uint8_t *out, size_t out_size, size_t *out_len);

MatterPaseState md_test_pase_initiator_get_state(const MdTestPaseInitiator *init);
/* The last StatusReport received (its data not kept); false if none. */
bool md_test_pase_initiator_get_peer_status(const MdTestPaseInitiator *init,
                                            MatterStatusReport *report);
/* Once ESTABLISHED: local_session_id is the initiator's, peer_session_id
 * the responder's; i2r_key and r2i_key mean what they mean on both sides. */
MatterError md_test_pase_initiator_get_result(const MdTestPaseInitiator *init,
                                              MatterPaseResult *result);
