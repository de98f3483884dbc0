/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* What the PASE fuzz targets share: a fixed commissioning window, a
 * responder whose random draws are fixed, and a fixed initiator, so that
 * each input meets a responder in the same state, and the checks every
 * answer must pass. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "matter/pase.h"
#include "matter/payload.h"
#include "matter/spake2p.h"

#define require(cond) \
  do {                \
    if (!(cond))      \
      abort();        \
  } while (0)

#define FUZZ_PASSCODE 20202021u
#define FUZZ_ITERATIONS 1000u
#define FUZZ_SESSION_ID 1

typedef struct {
  uint8_t w0[MATTER_SPAKE2P_W_LEN];
  uint8_t w1[MATTER_SPAKE2P_W_LEN];
  uint8_t L[MATTER_SPAKE2P_POINT_LEN];
  uint8_t salt[16];
  uint8_t request[MATTER_PASE_MESSAGE_MAX]; /* PBKDFParamRequest */
  size_t request_len;
  uint8_t pake1[MATTER_PASE_MESSAGE_MAX];
  size_t pake1_len;
} FuzzPase;

/* The responder's responderRandom and y, the initiator's random and x. */
static const uint8_t fuzz_responder_random[32] = { 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
                                                   2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2 };
static const uint8_t fuzz_y[32] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
                                    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
static const uint8_t fuzz_x[32] = { 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
                                    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3 };

static inline MatterPaseResponder *
fuzz_pase_responder_new(const FuzzPase *f)
{
  MatterPaseResponder *resp = NULL;

  require(matter_pase_responder_new(f->w0, f->L, f->salt, sizeof(f->salt), FUZZ_ITERATIONS,
                                    FUZZ_SESSION_ID, NULL, &resp) == MATTER_OK);
  require(matter_pase_responder_set_test_values(resp, fuzz_responder_random, fuzz_y) == MATTER_OK);
  return resp;
}

/* The fixed request, and the fixed Pake1 for the response it gets. */
static inline void
fuzz_pase_build(FuzzPase *f)
{
  MatterPbkdfParamRequest req = { .initiator_session_id = 0x4242, .has_pbkdf_params = true };
  uint8_t ws[2 * MATTER_SPAKE2P_WS_LEN], rsp[MATTER_PASE_MESSAGE_MAX], context[MATTER_SHA256_LEN];
  MatterPaseResponder *resp;
  MatterSpake2p *prover;
  MatterPake1 pake1;
  uint8_t opcode;
  size_t rsp_len;

  memcpy(f->salt, "SPAKE2P Key Salt", sizeof(f->salt));
  require(matter_payload_compute_ws(FUZZ_PASSCODE, f->salt, sizeof(f->salt), FUZZ_ITERATIONS, ws) ==
          MATTER_OK);
  require(matter_spake2p_compute_w0w1(ws, f->w0, f->w1) == MATTER_OK);
  require(matter_spake2p_compute_L(f->w1, f->L) == MATTER_OK);

  memset(req.initiator_random, 4, sizeof(req.initiator_random));
  require(matter_pase_pbkdf_request_encode(&req, f->request, sizeof(f->request), &f->request_len) ==
          MATTER_OK);
  resp = fuzz_pase_responder_new(f);
  require(matter_pase_responder_handle(resp, MATTER_SC_OPCODE_PBKDF_PARAM_REQUEST, f->request,
                                       f->request_len, &opcode, rsp, sizeof(rsp),
                                       &rsp_len) == MATTER_OK);
  matter_pase_responder_free(resp);

  require(matter_pase_context(f->request, f->request_len, rsp, rsp_len, context) == MATTER_OK);
  prover = matter_spake2p_new_prover(context, sizeof(context), NULL, 0, NULL, 0, f->w0, f->w1);
  require(prover != NULL && matter_spake2p_set_scalar(prover, fuzz_x) == MATTER_OK &&
          matter_spake2p_start(prover, pake1.pA) == MATTER_OK);
  matter_spake2p_free(prover);
  require(matter_pase_pake1_encode(&pake1, f->pake1, sizeof(f->pake1), &f->pake1_len) == MATTER_OK);
}

static inline const FuzzPase *
fuzz_pase_setup(void)
{
  static FuzzPase f;
  static bool done;

  if (!done) {
    fuzz_pase_build(&f);
    done = true;
  }
  return &f;
}

/* Feeds one message that must be taken. */
static inline void
fuzz_pase_feed(MatterPaseResponder *resp, uint8_t opcode, const uint8_t *payload, size_t len)
{
  uint8_t out[MATTER_PASE_MESSAGE_MAX], out_opcode;
  size_t out_len;

  require(matter_pase_responder_handle(resp, opcode, payload, len, &out_opcode, out, sizeof(out),
                                       &out_len) == MATTER_OK);
}

/* What every refusal must look like: (FAILURE, INVALID_PARAMETER) sent,
 * and the responder IDLE again (@was_idle) or FAILED for good. */
static inline void
fuzz_pase_check_refused(MatterPaseResponder *resp, MatterError err, uint8_t opcode,
                        const uint8_t *out, size_t out_len, bool was_idle)
{
  MatterStatusReport report;
  MatterPaseResult result;

  require(err == MATTER_ERROR_PASE_INVALID_MESSAGE || err == MATTER_ERROR_PASE_VERIFICATION_FAILED);
  require(matter_pase_responder_get_failure(resp, NULL) == err);
  require(opcode == MATTER_SC_OPCODE_STATUS_REPORT);
  require(matter_status_report_decode(out, out_len, &report) == MATTER_OK);
  require(matter_status_report_is_sc(&report, MATTER_STATUS_FAILURE,
                                     MATTER_SC_STATUS_INVALID_PARAMETER));
  require(report.data_len == 0);
  require(matter_pase_responder_get_state(resp) ==
          (was_idle ? MATTER_PASE_STATE_IDLE : MATTER_PASE_STATE_FAILED));
  require(matter_pase_responder_get_result(resp, &result) == MATTER_ERROR_BAD_STATE);
}
