/* SPDX-License-Identifier: Apache-2.0 */
#include "matter/pase.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "matter/crypto.h"
#include "matter/payload.h"
#include "matter/tlv.h"

_Static_assert(MATTER_PASE_SALT_MIN == MATTER_PAYLOAD_SALT_MIN &&
                   MATTER_PASE_SALT_MAX == MATTER_PAYLOAD_SALT_MAX &&
                   MATTER_PASE_ITERATIONS_MIN == MATTER_PAYLOAD_ITERATIONS_MIN &&
                   MATTER_PASE_ITERATIONS_MAX == MATTER_PAYLOAD_ITERATIONS_MAX,
               "PASE and the onboarding payload share the PBKDF bounds");

/* 4.13.1.2: the context hashed ahead of the two PBKDF messages, and the
 * info of the session key derivation. */
static const char context_prefix[] = "CHIP PAKE V1 Commissioning";
static const char session_keys_info[] = "SessionKeys";

/* Context tags of the message structures (4.13.1.2). */
enum {
  TAG_REQ_INITIATOR_RANDOM = 1,
  TAG_REQ_INITIATOR_SESSION_ID = 2,
  TAG_REQ_PASSCODE_ID = 3,
  TAG_REQ_HAS_PBKDF_PARAMS = 4,
  TAG_REQ_SESSION_PARAMS = 5,
};
enum {
  TAG_RESP_INITIATOR_RANDOM = 1,
  TAG_RESP_RESPONDER_RANDOM = 2,
  TAG_RESP_RESPONDER_SESSION_ID = 3,
  TAG_RESP_PBKDF_PARAMS = 4,
  TAG_RESP_SESSION_PARAMS = 5,
};
enum {
  TAG_PBKDF_ITERATIONS = 1, /* Crypto_PBKDFParameterSet */
  TAG_PBKDF_SALT = 2,
};
enum {
  TAG_PAKE1_PA = 1,
  TAG_PAKE2_PB = 1,
  TAG_PAKE2_CB = 2,
  TAG_PAKE3_CA = 1,
};

/* ---- Codec helpers ------------------------------------------------- */

/* Opens the outer structure; false for missing output arguments. */
static bool
writer_open(MatterTlvWriter *w, uint8_t *out, size_t size, size_t *len)
{
  if (out == NULL || len == NULL)
    return false;
  matter_tlv_writer_init(w, out, size);
  matter_tlv_start_structure(w, matter_tlv_tag_anonymous());
  return true;
}

/* Closes the outer structure; the writer's first error, if any, sticks. */
static MatterError
writer_close(MatterTlvWriter *w, size_t *len)
{
  matter_tlv_end_container(w);
  return matter_tlv_writer_finish(w, len);
}

/* Exactly one anonymous structure, entered. */
static MatterError
reader_open(const uint8_t *buf, size_t len, MatterTlvReader *r)
{
  if (buf == NULL && len > 0)
    return MATTER_ERROR_INVALID_ARGUMENT;
  return matter_tlv_enter_top_structure(r, buf, len, MATTER_ERROR_TLV_WRONG_TYPE,
                                        MATTER_ERROR_PASE_INVALID_MESSAGE);
}

static MatterError
get_fixed_bytes(MatterTlvReader *r, uint8_t tag, uint8_t *out, size_t want)
{
  const uint8_t *data;
  size_t len;
  MatterError err;

  if ((err = matter_tlv_get_context_bytes(r, tag, &data, &len)) != MATTER_OK)
    return err;
  if (len != want)
    return MATTER_ERROR_PASE_INVALID_MESSAGE;
  memcpy(out, data, want);
  return MATTER_OK;
}

/* An optional session-parameter-struct: absent is fine. */
static MatterError
get_session_params(MatterTlvReader *r, uint8_t tag, bool *has, MatterSessionParams *params)
{
  MatterError err = matter_tlv_find_context(r, tag);

  *has = false;
  memset(params, 0, sizeof(*params));
  if (err == MATTER_ERROR_TLV_NOT_FOUND)
    return MATTER_OK;
  if (err != MATTER_OK || (err = matter_session_params_decode(r, params)) != MATTER_OK)
    return err;
  *has = true;
  return MATTER_OK;
}

/* ---- PBKDFParamRequest --------------------------------------------- */

MatterError
matter_pase_pbkdf_request_encode(const MatterPbkdfParamRequest *msg, uint8_t *out, size_t size,
                                 size_t *len)
{
  MatterTlvWriter w;

  if (msg == NULL || !writer_open(&w, out, size, len))
    return MATTER_ERROR_INVALID_ARGUMENT;
  matter_tlv_put_bytes(&w, matter_tlv_tag_context(TAG_REQ_INITIATOR_RANDOM), msg->initiator_random,
                       sizeof(msg->initiator_random));
  matter_tlv_put_uint(&w, matter_tlv_tag_context(TAG_REQ_INITIATOR_SESSION_ID),
                      msg->initiator_session_id);
  matter_tlv_put_uint(&w, matter_tlv_tag_context(TAG_REQ_PASSCODE_ID), msg->passcode_id);
  matter_tlv_put_bool(&w, matter_tlv_tag_context(TAG_REQ_HAS_PBKDF_PARAMS), msg->has_pbkdf_params);
  if (msg->has_session_params)
    matter_session_params_encode(&w, matter_tlv_tag_context(TAG_REQ_SESSION_PARAMS),
                                 &msg->session_params);
  return writer_close(&w, len);
}

MatterError
matter_pase_pbkdf_request_decode(const uint8_t *buf, size_t len, MatterPbkdfParamRequest *msg)
{
  MatterTlvReader r;
  MatterPbkdfParamRequest m = { 0 };
  MatterError err;

  if (msg == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if ((err = reader_open(buf, len, &r)) != MATTER_OK ||
      (err = get_fixed_bytes(&r, TAG_REQ_INITIATOR_RANDOM, m.initiator_random,
                             sizeof(m.initiator_random))) != MATTER_OK ||
      (err = matter_tlv_get_context_u16(&r, TAG_REQ_INITIATOR_SESSION_ID,
                                        &m.initiator_session_id)) != MATTER_OK ||
      (err = matter_tlv_get_context_u16(&r, TAG_REQ_PASSCODE_ID, &m.passcode_id)) != MATTER_OK ||
      (err = matter_tlv_get_context_bool(&r, TAG_REQ_HAS_PBKDF_PARAMS, &m.has_pbkdf_params)) !=
          MATTER_OK ||
      (err = get_session_params(&r, TAG_REQ_SESSION_PARAMS, &m.has_session_params,
                                &m.session_params)) != MATTER_OK)
    return err;
  *msg = m;
  return MATTER_OK;
}

/* ---- PBKDFParamResponse -------------------------------------------- */

MatterError
matter_pase_pbkdf_response_encode(const MatterPbkdfParamResponse *msg, uint8_t *out, size_t size,
                                  size_t *len)
{
  MatterTlvWriter w;

  if (msg == NULL ||
      (msg->has_pbkdf_params &&
       (msg->salt_len < MATTER_PASE_SALT_MIN || msg->salt_len > MATTER_PASE_SALT_MAX)) ||
      !writer_open(&w, out, size, len))
    return MATTER_ERROR_INVALID_ARGUMENT;
  matter_tlv_put_bytes(&w, matter_tlv_tag_context(TAG_RESP_INITIATOR_RANDOM), msg->initiator_random,
                       sizeof(msg->initiator_random));
  matter_tlv_put_bytes(&w, matter_tlv_tag_context(TAG_RESP_RESPONDER_RANDOM), msg->responder_random,
                       sizeof(msg->responder_random));
  matter_tlv_put_uint(&w, matter_tlv_tag_context(TAG_RESP_RESPONDER_SESSION_ID),
                      msg->responder_session_id);
  if (msg->has_pbkdf_params) {
    matter_tlv_start_structure(&w, matter_tlv_tag_context(TAG_RESP_PBKDF_PARAMS));
    matter_tlv_put_uint(&w, matter_tlv_tag_context(TAG_PBKDF_ITERATIONS), msg->iterations);
    matter_tlv_put_bytes(&w, matter_tlv_tag_context(TAG_PBKDF_SALT), msg->salt, msg->salt_len);
    matter_tlv_end_container(&w);
  }
  if (msg->has_session_params)
    matter_session_params_encode(&w, matter_tlv_tag_context(TAG_RESP_SESSION_PARAMS),
                                 &msg->session_params);
  return writer_close(&w, len);
}

static MatterError
get_pbkdf_params(MatterTlvReader *r, MatterPbkdfParamResponse *m)
{
  const uint8_t *salt;
  MatterError err = matter_tlv_enter_context(r, TAG_RESP_PBKDF_PARAMS, MATTER_TLV_TYPE_STRUCTURE);

  if (err == MATTER_ERROR_TLV_NOT_FOUND)
    return MATTER_OK;
  if (err != MATTER_OK ||
      (err = matter_tlv_get_context_u32(r, TAG_PBKDF_ITERATIONS, &m->iterations)) != MATTER_OK ||
      (err = matter_tlv_get_context_bytes(r, TAG_PBKDF_SALT, &salt, &m->salt_len)) != MATTER_OK)
    return err;
  if (m->salt_len < MATTER_PASE_SALT_MIN || m->salt_len > MATTER_PASE_SALT_MAX)
    return MATTER_ERROR_PASE_INVALID_MESSAGE;
  memcpy(m->salt, salt, m->salt_len);
  m->has_pbkdf_params = true;
  return matter_tlv_exit(r);
}

MatterError
matter_pase_pbkdf_response_decode(const uint8_t *buf, size_t len, MatterPbkdfParamResponse *msg)
{
  MatterTlvReader r;
  MatterPbkdfParamResponse m = { 0 };
  MatterError err;

  if (msg == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if ((err = reader_open(buf, len, &r)) != MATTER_OK ||
      (err = get_fixed_bytes(&r, TAG_RESP_INITIATOR_RANDOM, m.initiator_random,
                             sizeof(m.initiator_random))) != MATTER_OK ||
      (err = get_fixed_bytes(&r, TAG_RESP_RESPONDER_RANDOM, m.responder_random,
                             sizeof(m.responder_random))) != MATTER_OK ||
      (err = matter_tlv_get_context_u16(&r, TAG_RESP_RESPONDER_SESSION_ID,
                                        &m.responder_session_id)) != MATTER_OK ||
      (err = get_session_params(&r, TAG_RESP_SESSION_PARAMS, &m.has_session_params,
                                &m.session_params)) != MATTER_OK ||
      (err = get_pbkdf_params(&r, &m)) != MATTER_OK)
    return err;
  *msg = m;
  return MATTER_OK;
}

/* ---- Pake1, Pake2, Pake3 ------------------------------------------- */

/* A structure of octet strings with context tags 1, 2...: the three
 * Pake messages. */
static MatterError
encode_strings(const uint8_t *const *fields, const size_t *lens, size_t n, uint8_t *out,
               size_t size, size_t *len)
{
  MatterTlvWriter w;

  if (!writer_open(&w, out, size, len))
    return MATTER_ERROR_INVALID_ARGUMENT;
  for (size_t i = 0; i < n; i++)
    matter_tlv_put_bytes(&w, matter_tlv_tag_context((uint8_t) (i + 1)), fields[i], lens[i]);
  return writer_close(&w, len);
}

static MatterError
decode_strings(const uint8_t *buf, size_t len, uint8_t *const *fields, const size_t *lens, size_t n)
{
  MatterTlvReader r;
  MatterError err;

  if ((err = reader_open(buf, len, &r)) != MATTER_OK)
    return err;
  for (size_t i = 0; i < n; i++)
    if ((err = get_fixed_bytes(&r, (uint8_t) (i + 1), fields[i], lens[i])) != MATTER_OK)
      return err;
  return MATTER_OK;
}

MatterError
matter_pase_pake1_encode(const MatterPake1 *msg, uint8_t *out, size_t size, size_t *len)
{
  const uint8_t *fields[] = { msg != NULL ? msg->pA : NULL };
  const size_t lens[] = { MATTER_SPAKE2P_POINT_LEN };

  if (msg == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  return encode_strings(fields, lens, 1, out, size, len);
}

MatterError
matter_pase_pake1_decode(const uint8_t *buf, size_t len, MatterPake1 *msg)
{
  MatterPake1 m;
  uint8_t *fields[] = { m.pA };
  const size_t lens[] = { sizeof(m.pA) };
  MatterError err;

  if (msg == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if ((err = decode_strings(buf, len, fields, lens, 1)) == MATTER_OK)
    *msg = m;
  return err;
}

MatterError
matter_pase_pake2_encode(const MatterPake2 *msg, uint8_t *out, size_t size, size_t *len)
{
  const uint8_t *fields[] = { msg != NULL ? msg->pB : NULL, msg != NULL ? msg->cB : NULL };
  const size_t lens[] = { MATTER_SPAKE2P_POINT_LEN, MATTER_SPAKE2P_CONFIRM_LEN };

  if (msg == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  return encode_strings(fields, lens, 2, out, size, len);
}

MatterError
matter_pase_pake2_decode(const uint8_t *buf, size_t len, MatterPake2 *msg)
{
  MatterPake2 m;
  uint8_t *fields[] = { m.pB, m.cB };
  const size_t lens[] = { sizeof(m.pB), sizeof(m.cB) };
  MatterError err;

  if (msg == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if ((err = decode_strings(buf, len, fields, lens, 2)) == MATTER_OK)
    *msg = m;
  return err;
}

MatterError
matter_pase_pake3_encode(const MatterPake3 *msg, uint8_t *out, size_t size, size_t *len)
{
  const uint8_t *fields[] = { msg != NULL ? msg->cA : NULL };
  const size_t lens[] = { MATTER_SPAKE2P_CONFIRM_LEN };

  if (msg == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  return encode_strings(fields, lens, 1, out, size, len);
}

MatterError
matter_pase_pake3_decode(const uint8_t *buf, size_t len, MatterPake3 *msg)
{
  MatterPake3 m;
  uint8_t *fields[] = { m.cA };
  const size_t lens[] = { sizeof(m.cA) };
  MatterError err;

  if (msg == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if ((err = decode_strings(buf, len, fields, lens, 1)) == MATTER_OK)
    *msg = m;
  return err;
}

/* ---- Context and keys ---------------------------------------------- */

static MatterSha256 *
transcript_new(void)
{
  MatterSha256 *hash = matter_sha256_new();

  if (hash != NULL && matter_sha256_update(hash, (const uint8_t *) context_prefix,
                                           strlen(context_prefix)) != MATTER_OK) {
    matter_sha256_free(hash);
    return NULL;
  }
  return hash;
}

MatterError
matter_pase_context(const uint8_t *request, size_t request_len, const uint8_t *response,
                    size_t response_len, uint8_t context[MATTER_SHA256_LEN])
{
  MatterSha256 *hash;
  MatterError err;

  if ((request == NULL && request_len > 0) || (response == NULL && response_len > 0) ||
      context == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if ((hash = transcript_new()) == NULL)
    return MATTER_ERROR_NO_MEMORY;
  if ((err = matter_sha256_update(hash, request, request_len)) == MATTER_OK &&
      (err = matter_sha256_update(hash, response, response_len)) == MATTER_OK)
    err = matter_sha256_peek(hash, context);
  matter_sha256_free(hash);
  return err;
}

MatterError
matter_pase_session_keys(const uint8_t Ke[MATTER_SPAKE2P_KE_LEN],
                         uint8_t keys[3 * MATTER_PASE_KEY_LEN])
{
  if (Ke == NULL || keys == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  return matter_hkdf_sha256(Ke, MATTER_SPAKE2P_KE_LEN, NULL, 0, (const uint8_t *) session_keys_info,
                            strlen(session_keys_info), keys, 3 * MATTER_PASE_KEY_LEN);
}

/* ---- Responder ----------------------------------------------------- */

typedef enum {
  STEP_IDLE,
  STEP_WAIT_PAKE1,
  STEP_WAIT_PAKE3,
  STEP_ESTABLISHED,
  STEP_FAILED,
} Step;

struct MatterPaseResponder {
  Step step;
  /* The commissioning window's verifier and PBKDF parameters. */
  uint8_t w0[MATTER_SPAKE2P_W_LEN];
  uint8_t L[MATTER_SPAKE2P_POINT_LEN];
  uint8_t salt[MATTER_PASE_SALT_MAX];
  size_t salt_len;
  uint32_t iterations;
  uint16_t local_session_id;
  bool has_local_params;
  MatterSessionParams local_params;
  /* What the request said. */
  bool have_peer;
  uint16_t peer_session_id;
  bool has_peer_params;
  MatterSessionParams peer_params;
  /* "CHIP PAKE V1 Commissioning" || request || response, until Pake1. */
  MatterSha256 *transcript;
  MatterSpake2p *spake;
  bool test_values;
  uint8_t test_random[MATTER_PASE_RANDOM_LEN];
  uint8_t test_y[MATTER_SPAKE2P_W_LEN];
  uint8_t keys[3 * MATTER_PASE_KEY_LEN];
  MatterError refusal;
  MatterError refusal_detail;
};

/* Where handle() writes its answer. */
typedef struct {
  uint8_t *opcode;
  uint8_t *buf;
  size_t size;
  size_t *len;
} Reply;

MatterError
matter_pase_responder_new(const uint8_t w0[MATTER_SPAKE2P_W_LEN],
                          const uint8_t L[MATTER_SPAKE2P_POINT_LEN], const uint8_t *salt,
                          size_t salt_len, uint32_t iterations, uint16_t local_session_id,
                          const MatterSessionParams *local_params, MatterPaseResponder **resp)
{
  static const uint8_t probe_context[1];
  MatterSpake2p *probe;
  MatterPaseResponder *r;

  if (resp == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  *resp = NULL;
  if (w0 == NULL || L == NULL || salt == NULL || salt_len < MATTER_PASE_SALT_MIN ||
      salt_len > MATTER_PASE_SALT_MAX || iterations < MATTER_PASE_ITERATIONS_MIN ||
      iterations > MATTER_PASE_ITERATIONS_MAX || local_session_id == 0)
    return MATTER_ERROR_INVALID_ARGUMENT;
  /* Check w0 and L now rather than fail a commissioner's Pake1 later. */
  probe =
      matter_spake2p_new_verifier(probe_context, sizeof(probe_context), NULL, 0, NULL, 0, w0, L);
  if (probe == NULL)
    return MATTER_ERROR_INVALID_KEY;
  matter_spake2p_free(probe);

  r = OPENSSL_zalloc(sizeof(*r));
  if (r == NULL)
    return MATTER_ERROR_NO_MEMORY;
  r->step = STEP_IDLE;
  memcpy(r->w0, w0, sizeof(r->w0));
  memcpy(r->L, L, sizeof(r->L));
  memcpy(r->salt, salt, salt_len);
  r->salt_len = salt_len;
  r->iterations = iterations;
  r->local_session_id = local_session_id;
  if (local_params != NULL) {
    r->has_local_params = true;
    r->local_params = *local_params;
  }
  r->refusal = MATTER_OK;
  r->refusal_detail = MATTER_OK;
  *resp = r;
  return MATTER_OK;
}

/* Everything the attempt no longer needs once it is over: the verifier,
 * the transcript and the SPAKE2+ state. The keys stay for get_result(). */
static void
end_attempt(MatterPaseResponder *r)
{
  matter_sha256_free(r->transcript);
  r->transcript = NULL;
  matter_spake2p_free(r->spake);
  r->spake = NULL;
  OPENSSL_cleanse(r->w0, sizeof(r->w0));
  OPENSSL_cleanse(r->L, sizeof(r->L));
  OPENSSL_cleanse(r->test_y, sizeof(r->test_y));
}

void
matter_pase_responder_free(MatterPaseResponder *resp)
{
  if (resp == NULL)
    return;
  end_attempt(resp);
  OPENSSL_clear_free(resp, sizeof(*resp));
}

static MatterError
reply_status(const Reply *reply, uint16_t general_code, uint16_t protocol_code)
{
  *reply->opcode = MATTER_SC_OPCODE_STATUS_REPORT;
  return matter_status_report_encode_sc(general_code, protocol_code, reply->buf, reply->size,
                                        reply->len);
}

/* Refuses the message with (FAILURE, INVALID_PARAMETER), the Secure
 * Channel's generic session establishment failure (Table 18), which
 * 4.13.1.2 names for each failed check. Mid-handshake this ends the
 * attempt ("perform no further processing"); a refused request leaves the
 * responder IDLE. */
static MatterError
refuse(MatterPaseResponder *r, const Reply *reply, MatterError err, MatterError detail)
{
  r->refusal = err;
  r->refusal_detail = detail;
  if (r->step != STEP_IDLE) {
    r->step = STEP_FAILED;
    end_attempt(r);
    OPENSSL_cleanse(r->keys, sizeof(r->keys));
  }
  if (reply_status(reply, MATTER_STATUS_FAILURE, MATTER_SC_STATUS_INVALID_PARAMETER) != MATTER_OK)
    *reply->len = 0; /* cannot happen: the caller's buffer was checked */
  return err;
}

/* Refuses a malformed or unacceptable message; @detail says what is wrong
 * with it. */
static MatterError
refuse_malformed(MatterPaseResponder *r, const Reply *reply, MatterError detail)
{
  return refuse(r, reply, MATTER_ERROR_PASE_INVALID_MESSAGE, detail);
}

static MatterError
handle_request(MatterPaseResponder *r, const uint8_t *payload, size_t len, const Reply *reply)
{
  MatterPbkdfParamRequest req;
  MatterPbkdfParamResponse rsp = { 0 };
  MatterError err;

  if ((err = matter_pase_pbkdf_request_decode(payload, len, &req)) != MATTER_OK)
    return refuse_malformed(r, reply, err);
  /* Step 1: only the open window's verifier (passcode id 0) exists. */
  if (req.passcode_id != MATTER_PASE_PASSCODE_ID)
    return refuse_malformed(r, reply, MATTER_ERROR_PASE_INVALID_MESSAGE);
  /* Session id 0 with session type 0 is the Unsecured Session (4.4,
   * Security Flags): a secure session addressed with it could not be told
   * from that one. */
  if (req.initiator_session_id == 0)
    return refuse_malformed(r, reply, MATTER_ERROR_PASE_INVALID_MESSAGE);

  memcpy(rsp.initiator_random, req.initiator_random, sizeof(rsp.initiator_random));
  if (r->test_values)
    memcpy(rsp.responder_random, r->test_random, sizeof(rsp.responder_random));
  else if ((err = matter_random(rsp.responder_random, sizeof(rsp.responder_random))) != MATTER_OK)
    return refuse(r, reply, err, err);
  rsp.responder_session_id = r->local_session_id;
  /* Step 5: the salt and iterations only to an initiator that lacks them. */
  if (!req.has_pbkdf_params) {
    rsp.has_pbkdf_params = true;
    rsp.iterations = r->iterations;
    memcpy(rsp.salt, r->salt, r->salt_len);
    rsp.salt_len = r->salt_len;
  }
  rsp.has_session_params = r->has_local_params;
  rsp.session_params = r->local_params;
  if ((err = matter_pase_pbkdf_response_encode(&rsp, reply->buf, reply->size, reply->len)) !=
      MATTER_OK)
    return refuse(r, reply, err, err);

  r->transcript = transcript_new();
  if (r->transcript == NULL)
    return refuse(r, reply, MATTER_ERROR_NO_MEMORY, MATTER_ERROR_NO_MEMORY);
  if ((err = matter_sha256_update(r->transcript, payload, len)) != MATTER_OK ||
      (err = matter_sha256_update(r->transcript, reply->buf, *reply->len)) != MATTER_OK) {
    matter_sha256_free(r->transcript);
    r->transcript = NULL;
    return refuse(r, reply, err, err);
  }
  r->have_peer = true;
  r->peer_session_id = req.initiator_session_id;
  r->has_peer_params = req.has_session_params;
  r->peer_params = req.session_params;
  r->step = STEP_WAIT_PAKE1;
  *reply->opcode = MATTER_SC_OPCODE_PBKDF_PARAM_RESPONSE;
  return MATTER_OK;
}

static MatterError
handle_pake1(MatterPaseResponder *r, const uint8_t *payload, size_t len, const Reply *reply)
{
  MatterPake1 pake1;
  MatterPake2 pake2;
  uint8_t context[MATTER_SHA256_LEN];
  MatterError err;

  if ((err = matter_pase_pake1_decode(payload, len, &pake1)) != MATTER_OK)
    return refuse_malformed(r, reply, err);
  err = matter_sha256_peek(r->transcript, context);
  matter_sha256_free(r->transcript);
  r->transcript = NULL;
  if (err != MATTER_OK)
    return refuse(r, reply, err, err);

  r->spake = matter_spake2p_new_verifier(context, sizeof(context), NULL, 0, NULL, 0, r->w0, r->L);
  if (r->spake == NULL)
    return refuse(r, reply, MATTER_ERROR_NO_MEMORY, MATTER_ERROR_NO_MEMORY);
  if (r->test_values && (err = matter_spake2p_set_scalar(r->spake, r->test_y)) != MATTER_OK)
    return refuse(r, reply, err, err);
  /* pB, and (cA, cB, Ke) from the transcript; a pA that is not a point
   * on the curve, or that cancels w0*M, is the initiator's fault. */
  err = matter_spake2p_respond(r->spake, pake1.pA, pake2.pB, pake2.cB);
  if (err == MATTER_ERROR_INVALID_KEY)
    return refuse_malformed(r, reply, err);
  if (err != MATTER_OK)
    return refuse(r, reply, err, err);
  if ((err = matter_pase_pake2_encode(&pake2, reply->buf, reply->size, reply->len)) != MATTER_OK)
    return refuse(r, reply, err, err);
  r->step = STEP_WAIT_PAKE3;
  *reply->opcode = MATTER_SC_OPCODE_PASE_PAKE2;
  return MATTER_OK;
}

static MatterError
handle_pake3(MatterPaseResponder *r, const uint8_t *payload, size_t len, const Reply *reply)
{
  MatterPake3 pake3;
  uint8_t Ke[MATTER_SPAKE2P_KE_LEN];
  MatterError err;

  if ((err = matter_pase_pake3_decode(payload, len, &pake3)) != MATTER_OK)
    return refuse_malformed(r, reply, err);
  err = matter_spake2p_confirm(r->spake, pake3.cA);
  if (err == MATTER_ERROR_AUTH_FAILED)
    return refuse(r, reply, MATTER_ERROR_PASE_VERIFICATION_FAILED, err);
  if (err != MATTER_OK)
    return refuse(r, reply, err, err);
  if ((err = matter_spake2p_shared_key(r->spake, Ke)) == MATTER_OK)
    err = matter_pase_session_keys(Ke, r->keys);
  OPENSSL_cleanse(Ke, sizeof(Ke));
  if (err != MATTER_OK)
    return refuse(r, reply, err, err);
  /* PakeFinished. */
  if ((err = reply_status(reply, MATTER_STATUS_SUCCESS,
                          MATTER_SC_STATUS_SESSION_ESTABLISHMENT_SUCCESS)) != MATTER_OK)
    return refuse(r, reply, err, err);
  r->step = STEP_ESTABLISHED;
  end_attempt(r);
  return MATTER_OK;
}

/* The initiator gave up, e.g. after its cB check failed: the attempt is
 * over and nothing answers it. */
static MatterError
handle_peer_status(MatterPaseResponder *r, const uint8_t *payload, size_t len)
{
  MatterStatusReport report;
  MatterError err = matter_status_report_decode(payload, len, &report);

  r->refusal = err == MATTER_OK ? MATTER_ERROR_SC_PEER_STATUS : MATTER_ERROR_PASE_INVALID_MESSAGE;
  r->refusal_detail = err == MATTER_OK ? MATTER_ERROR_SC_PEER_STATUS : err;
  r->step = STEP_FAILED;
  end_attempt(r);
  return r->refusal;
}

MatterError
matter_pase_responder_handle(MatterPaseResponder *resp, uint8_t opcode, const uint8_t *payload,
                             size_t len, uint8_t *out_opcode, uint8_t *out, size_t out_size,
                             size_t *out_len)
{
  const Reply reply = { out_opcode, out, out_size, out_len };
  uint8_t expected;

  if (resp == NULL || (payload == NULL && len > 0) || out_opcode == NULL || out == NULL ||
      out_len == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (out_size < MATTER_PASE_MESSAGE_MAX)
    return MATTER_ERROR_BUFFER_TOO_SMALL;
  *out_len = 0;
  *out_opcode = 0;

  switch (resp->step) {
  case STEP_IDLE:
    if (opcode == MATTER_SC_OPCODE_PBKDF_PARAM_REQUEST)
      return handle_request(resp, payload, len, &reply);
    /* No handshake to end, no peer to answer. */
    resp->refusal = resp->refusal_detail = MATTER_ERROR_BAD_STATE;
    return MATTER_ERROR_BAD_STATE;
  case STEP_WAIT_PAKE1:
    expected = MATTER_SC_OPCODE_PASE_PAKE1;
    break;
  case STEP_WAIT_PAKE3:
    expected = MATTER_SC_OPCODE_PASE_PAKE3;
    break;
  case STEP_ESTABLISHED:
  case STEP_FAILED:
  default:
    return MATTER_ERROR_BAD_STATE;
  }

  if (opcode == MATTER_SC_OPCODE_STATUS_REPORT)
    return handle_peer_status(resp, payload, len);
  if (opcode != expected)
    return refuse(resp, &reply, MATTER_ERROR_BAD_STATE, MATTER_ERROR_BAD_STATE);
  if (resp->step == STEP_WAIT_PAKE1)
    return handle_pake1(resp, payload, len, &reply);
  return handle_pake3(resp, payload, len, &reply);
}

MatterPaseState
matter_pase_responder_get_state(const MatterPaseResponder *resp)
{
  if (resp == NULL)
    return MATTER_PASE_STATE_FAILED;
  switch (resp->step) {
  case STEP_IDLE:
    return MATTER_PASE_STATE_IDLE;
  case STEP_WAIT_PAKE1:
  case STEP_WAIT_PAKE3:
    return MATTER_PASE_STATE_IN_PROGRESS;
  case STEP_ESTABLISHED:
    return MATTER_PASE_STATE_ESTABLISHED;
  case STEP_FAILED:
  default:
    return MATTER_PASE_STATE_FAILED;
  }
}

MatterError
matter_pase_responder_get_failure(const MatterPaseResponder *resp, MatterError *detail)
{
  if (resp == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (detail != NULL)
    *detail = resp->refusal_detail;
  return resp->refusal;
}

MatterError
matter_pase_responder_get_peer(const MatterPaseResponder *resp, uint16_t *peer_session_id,
                               bool *has_params, MatterSessionParams *params)
{
  if (resp == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (!resp->have_peer)
    return MATTER_ERROR_BAD_STATE;
  if (peer_session_id != NULL)
    *peer_session_id = resp->peer_session_id;
  if (has_params != NULL)
    *has_params = resp->has_peer_params;
  if (params != NULL)
    *params = resp->peer_params;
  return MATTER_OK;
}

MatterError
matter_pase_responder_get_result(const MatterPaseResponder *resp, MatterPaseResult *result)
{
  if (resp == NULL || result == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (resp->step != STEP_ESTABLISHED)
    return MATTER_ERROR_BAD_STATE;
  memcpy(result->i2r_key, resp->keys, MATTER_PASE_KEY_LEN);
  memcpy(result->r2i_key, resp->keys + MATTER_PASE_KEY_LEN, MATTER_PASE_KEY_LEN);
  memcpy(result->attestation_challenge, resp->keys + 2 * MATTER_PASE_KEY_LEN, MATTER_PASE_KEY_LEN);
  result->local_session_id = resp->local_session_id;
  result->peer_session_id = resp->peer_session_id;
  result->has_peer_params = resp->has_peer_params;
  result->peer_params = resp->peer_params;
  return MATTER_OK;
}

MatterError
matter_pase_responder_set_test_values(MatterPaseResponder *resp,
                                      const uint8_t random[MATTER_PASE_RANDOM_LEN],
                                      const uint8_t y[MATTER_SPAKE2P_W_LEN])
{
  if (resp == NULL || random == NULL || y == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (resp->step != STEP_IDLE)
    return MATTER_ERROR_BAD_STATE;
  memcpy(resp->test_random, random, sizeof(resp->test_random));
  memcpy(resp->test_y, y, sizeof(resp->test_y));
  resp->test_values = true;
  return MATTER_OK;
}
