/* SPDX-License-Identifier: Apache-2.0 */
#include "pase-initiator.h"

#include <openssl/crypto.h>
#include <string.h>

#include "matter/crypto.h"
#include "matter/payload.h"
#include "matter/spake2p.h"

typedef enum {
  STEP_INIT,
  STEP_WAIT_RESPONSE,
  STEP_WAIT_PAKE2,
  STEP_WAIT_FINISHED,
  STEP_ESTABLISHED,
  STEP_FAILED,
} Step;

struct MdTestPaseInitiator {
  Step step;
  MdTestPaseConfig config;
  bool have_w;
  uint8_t w0[MATTER_SPAKE2P_W_LEN];
  uint8_t w1[MATTER_SPAKE2P_W_LEN];
  uint8_t salt[MATTER_PASE_SALT_MAX];
  bool has_params;
  MatterSessionParams params;
  uint8_t random[MATTER_PASE_RANDOM_LEN];
  uint8_t request[MATTER_PASE_MESSAGE_MAX];
  size_t request_len;
  uint16_t peer_session_id;
  bool has_peer_params;
  MatterSessionParams peer_params;
  MatterSpake2p *spake;
  uint8_t keys[3 * MATTER_PASE_KEY_LEN];
  bool have_status;
  MatterStatusReport status;
};

MatterError
md_test_pase_initiator_new(const MdTestPaseConfig *config, MdTestPaseInitiator **init)
{
  MdTestPaseInitiator *i;

  if (init == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  *init = NULL;
  if (config == NULL || (config->w0 == NULL) != (config->w1 == NULL) ||
      (config->has_pbkdf_params &&
       (config->salt == NULL || config->salt_len > MATTER_PASE_SALT_MAX)))
    return MATTER_ERROR_INVALID_ARGUMENT;
  i = OPENSSL_zalloc(sizeof(*i));
  if (i == NULL)
    return MATTER_ERROR_NO_MEMORY;
  i->step = STEP_INIT;
  i->config = *config;
  if (config->w0 != NULL) {
    memcpy(i->w0, config->w0, sizeof(i->w0));
    memcpy(i->w1, config->w1, sizeof(i->w1));
    i->have_w = true;
  }
  if (config->has_pbkdf_params) {
    memcpy(i->salt, config->salt, config->salt_len);
    i->config.salt = i->salt;
  }
  if (config->params != NULL) {
    i->has_params = true;
    i->params = *config->params;
  }
  i->config.w0 = i->config.w1 = NULL;
  i->config.params = NULL;
  *init = i;
  return MATTER_OK;
}

void
md_test_pase_initiator_free(MdTestPaseInitiator *init)
{
  if (init == NULL)
    return;
  matter_spake2p_free(init->spake);
  OPENSSL_clear_free(init, sizeof(*init));
}

static MatterError
reply_status(uint8_t *out_opcode, uint8_t *out, size_t out_size, size_t *out_len)
{
  *out_opcode = MATTER_SC_OPCODE_STATUS_REPORT;
  return matter_status_report_encode_sc(MATTER_STATUS_FAILURE, MATTER_SC_STATUS_INVALID_PARAMETER,
                                        out, out_size, out_len);
}

MatterError
md_test_pase_initiator_start(MdTestPaseInitiator *init, uint8_t *out_opcode, uint8_t *out,
                             size_t out_size, size_t *out_len)
{
  MatterPbkdfParamRequest req = { 0 };
  MatterError err;

  if (init == NULL || out_opcode == NULL || out == NULL || out_len == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (init->step != STEP_INIT)
    return MATTER_ERROR_BAD_STATE;
  if ((err = matter_random(init->random, sizeof(init->random))) != MATTER_OK)
    return err;
  memcpy(req.initiator_random, init->random, sizeof(req.initiator_random));
  req.initiator_session_id = init->config.session_id;
  req.passcode_id = init->config.passcode_id;
  req.has_pbkdf_params = init->config.has_pbkdf_params;
  req.has_session_params = init->has_params;
  req.session_params = init->params;
  if ((err = matter_pase_pbkdf_request_encode(&req, init->request, sizeof(init->request),
                                              &init->request_len)) != MATTER_OK)
    return err;
  if (out_size < init->request_len)
    return MATTER_ERROR_BUFFER_TOO_SMALL;
  memcpy(out, init->request, init->request_len);
  *out_len = init->request_len;
  *out_opcode = MATTER_SC_OPCODE_PBKDF_PARAM_REQUEST;
  init->step = STEP_WAIT_RESPONSE;
  return MATTER_OK;
}

/* w0 and w1 from the passcode and the PBKDF parameters in force. */
static MatterError
derive_w(MdTestPaseInitiator *init, const MatterPbkdfParamResponse *rsp)
{
  const uint8_t *salt = init->config.salt;
  size_t salt_len = init->config.salt_len;
  uint32_t iterations = init->config.iterations;
  uint8_t ws[2 * MATTER_SPAKE2P_WS_LEN];
  MatterError err;

  if (init->have_w)
    return MATTER_OK;
  if (!init->config.has_pbkdf_params) {
    if (!rsp->has_pbkdf_params)
      return MATTER_ERROR_PASE_INVALID_MESSAGE;
    salt = rsp->salt;
    salt_len = rsp->salt_len;
    iterations = rsp->iterations;
  }
  if ((err = matter_payload_compute_ws(init->config.passcode, salt, salt_len, iterations, ws)) ==
      MATTER_OK)
    err = matter_spake2p_compute_w0w1(ws, init->w0, init->w1);
  OPENSSL_cleanse(ws, sizeof(ws));
  /* Out-of-range parameters are the responder's fault. */
  if (err == MATTER_ERROR_INVALID_ARGUMENT)
    return MATTER_ERROR_PASE_INVALID_MESSAGE;
  return err;
}

static MatterError
handle_response(MdTestPaseInitiator *init, const uint8_t *payload, size_t len, uint8_t *out,
                size_t out_size, size_t *out_len)
{
  MatterPbkdfParamResponse rsp;
  MatterPake1 pake1;
  uint8_t context[MATTER_SHA256_LEN];
  MatterError err;

  if ((err = matter_pase_pbkdf_response_decode(payload, len, &rsp)) != MATTER_OK)
    return MATTER_ERROR_PASE_INVALID_MESSAGE;
  if (memcmp(rsp.initiator_random, init->random, sizeof(init->random)) != 0 ||
      rsp.responder_session_id == 0)
    return MATTER_ERROR_PASE_INVALID_MESSAGE;
  if ((err = derive_w(init, &rsp)) != MATTER_OK)
    return err;
  init->peer_session_id = rsp.responder_session_id;
  init->has_peer_params = rsp.has_session_params;
  init->peer_params = rsp.session_params;

  if ((err = matter_pase_context(init->request, init->request_len, payload, len, context)) !=
      MATTER_OK)
    return err;
  init->spake =
      matter_spake2p_new_prover(context, sizeof(context), NULL, 0, NULL, 0, init->w0, init->w1);
  if (init->spake == NULL)
    return MATTER_ERROR_NO_MEMORY;
  if ((err = matter_spake2p_start(init->spake, pake1.pA)) != MATTER_OK)
    return err;
  return matter_pase_pake1_encode(&pake1, out, out_size, out_len);
}

static MatterError
handle_pake2(MdTestPaseInitiator *init, const uint8_t *payload, size_t len, uint8_t *out,
             size_t out_size, size_t *out_len)
{
  MatterPake2 pake2;
  MatterPake3 pake3;
  uint8_t Ke[MATTER_SPAKE2P_KE_LEN];
  MatterError err;

  if (matter_pase_pake2_decode(payload, len, &pake2) != MATTER_OK)
    return MATTER_ERROR_PASE_INVALID_MESSAGE;
  err = matter_spake2p_finish(init->spake, pake2.pB, pake2.cB, pake3.cA);
  if (err == MATTER_ERROR_AUTH_FAILED)
    return MATTER_ERROR_PASE_VERIFICATION_FAILED;
  if (err == MATTER_ERROR_INVALID_KEY)
    return MATTER_ERROR_PASE_INVALID_MESSAGE;
  if (err != MATTER_OK)
    return err;
  if ((err = matter_spake2p_shared_key(init->spake, Ke)) == MATTER_OK)
    err = matter_pase_session_keys(Ke, init->keys);
  OPENSSL_cleanse(Ke, sizeof(Ke));
  if (err != MATTER_OK)
    return err;
  return matter_pase_pake3_encode(&pake3, out, out_size, out_len);
}

static MatterError
handle_status(MdTestPaseInitiator *init, const uint8_t *payload, size_t len)
{
  if (matter_status_report_decode(payload, len, &init->status) != MATTER_OK)
    return MATTER_ERROR_PASE_INVALID_MESSAGE;
  init->status.data = NULL;
  init->status.data_len = 0;
  init->have_status = true;
  if (init->step == STEP_WAIT_FINISHED &&
      matter_status_report_is_sc(&init->status, MATTER_STATUS_SUCCESS,
                                 MATTER_SC_STATUS_SESSION_ESTABLISHMENT_SUCCESS))
    return MATTER_OK;
  return MATTER_ERROR_SC_PEER_STATUS;
}

MatterError
md_test_pase_initiator_handle(MdTestPaseInitiator *init, uint8_t opcode, const uint8_t *payload,
                              size_t len, uint8_t *out_opcode, uint8_t *out, size_t out_size,
                              size_t *out_len)
{
  static const uint8_t expected[] = {
    [STEP_WAIT_RESPONSE] = MATTER_SC_OPCODE_PBKDF_PARAM_RESPONSE,
    [STEP_WAIT_PAKE2] = MATTER_SC_OPCODE_PASE_PAKE2,
    [STEP_WAIT_FINISHED] = MATTER_SC_OPCODE_STATUS_REPORT,
  };
  MatterError err;

  if (init == NULL || (payload == NULL && len > 0) || out_opcode == NULL || out == NULL ||
      out_len == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (out_size < MATTER_PASE_MESSAGE_MAX)
    return MATTER_ERROR_BUFFER_TOO_SMALL;
  *out_len = 0;
  *out_opcode = 0;
  if (init->step != STEP_WAIT_RESPONSE && init->step != STEP_WAIT_PAKE2 &&
      init->step != STEP_WAIT_FINISHED)
    return MATTER_ERROR_BAD_STATE;

  if (opcode == MATTER_SC_OPCODE_STATUS_REPORT) {
    err = handle_status(init, payload, len);
  } else if (opcode != expected[init->step]) {
    err = MATTER_ERROR_BAD_STATE;
  } else if (init->step == STEP_WAIT_RESPONSE) {
    err = handle_response(init, payload, len, out, out_size, out_len);
    *out_opcode = MATTER_SC_OPCODE_PASE_PAKE1;
  } else {
    err = handle_pake2(init, payload, len, out, out_size, out_len);
    *out_opcode = MATTER_SC_OPCODE_PASE_PAKE3;
  }

  if (err == MATTER_OK) {
    init->step = init->step == STEP_WAIT_FINISHED ? STEP_ESTABLISHED : init->step + 1;
    return MATTER_OK;
  }
  init->step = STEP_FAILED;
  OPENSSL_cleanse(init->keys, sizeof(init->keys));
  *out_len = 0;
  /* A StatusReport is never answered; anything else gets INVALID_PARAMETER. */
  if (opcode != MATTER_SC_OPCODE_STATUS_REPORT)
    reply_status(out_opcode, out, out_size, out_len);
  else
    *out_opcode = 0;
  return err;
}

MatterPaseState
md_test_pase_initiator_get_state(const MdTestPaseInitiator *init)
{
  switch (init->step) {
  case STEP_INIT:
    return MATTER_PASE_STATE_IDLE;
  case STEP_WAIT_RESPONSE:
  case STEP_WAIT_PAKE2:
  case STEP_WAIT_FINISHED:
    return MATTER_PASE_STATE_IN_PROGRESS;
  case STEP_ESTABLISHED:
    return MATTER_PASE_STATE_ESTABLISHED;
  case STEP_FAILED:
  default:
    return MATTER_PASE_STATE_FAILED;
  }
}

bool
md_test_pase_initiator_get_peer_status(const MdTestPaseInitiator *init, MatterStatusReport *report)
{
  if (!init->have_status)
    return false;
  *report = init->status;
  return true;
}

MatterError
md_test_pase_initiator_get_result(const MdTestPaseInitiator *init, MatterPaseResult *result)
{
  if (init == NULL || result == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (init->step != STEP_ESTABLISHED)
    return MATTER_ERROR_BAD_STATE;
  memset(result, 0, sizeof(*result));
  memcpy(result->i2r_key, init->keys, MATTER_PASE_KEY_LEN);
  memcpy(result->r2i_key, init->keys + MATTER_PASE_KEY_LEN, MATTER_PASE_KEY_LEN);
  memcpy(result->attestation_challenge, init->keys + 2 * MATTER_PASE_KEY_LEN, MATTER_PASE_KEY_LEN);
  result->local_session_id = init->config.session_id;
  result->peer_session_id = init->peer_session_id;
  result->has_peer_params = init->has_peer_params;
  result->peer_params = init->peer_params;
  return MATTER_OK;
}
