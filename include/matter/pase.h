/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Passcode-Authenticated Session Establishment (Core spec 4.13.1): the
 * codecs of its five TLV messages and the responder (the commissionee's
 * side) as a state machine that takes a message's opcode and payload and
 * returns the payload to send back.
 *
 *   initiator                          responder
 *   PBKDFParamRequest  (0x20)  ->
 *                              <-  PBKDFParamResponse (0x21)
 *   Pake1 (0x22)  pA           ->
 *                              <-  Pake2 (0x23)  pB, cB
 *   Pake3 (0x24)  cA           ->
 *                              <-  StatusReport(SUCCESS, SESSION_ESTABLISHMENT_SUCCESS)
 *
 * The SPAKE2+ context is SHA-256("CHIP PAKE V1 Commissioning" ||
 * PBKDFParamRequest || PBKDFParamResponse), both payloads as sent, and the
 * session keys are I2RKey || R2IKey || AttestationChallenge =
 * HKDF-SHA256(Ke, salt = [], info = "SessionKeys", 48 bytes).
 *
 * This module sees payloads only: the caller owns the unsecured session,
 * the exchange (one responder per exchange), MRP, timeouts, the session
 * table, the commissioning window and the count of failed attempts. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "matter/crypto.h"
#include "matter/error.h"
#include "matter/securechannel.h"
#include "matter/spake2p.h"

#define MATTER_PASE_RANDOM_LEN 32 /* initiatorRandom, responderRandom */
#define MATTER_PASE_PASSCODE_ID 0 /* the open commissioning window's verifier */
/* Crypto_PBKDFParameterSet bounds (Core spec 3.9). */
#define MATTER_PASE_SALT_MIN 16
#define MATTER_PASE_SALT_MAX 32
#define MATTER_PASE_ITERATIONS_MIN 1000u
#define MATTER_PASE_ITERATIONS_MAX 100000u
#define MATTER_PASE_KEY_LEN 16 /* each of I2RKey, R2IKey, AttestationChallenge */
/* A buffer that holds any PASE message or StatusReport this module
 * writes (the largest, a PBKDFParamResponse with salt and every session
 * parameter, takes 167 bytes). */
#define MATTER_PASE_MESSAGE_MAX 256

/* ---- Messages ------------------------------------------------------ */

/* pbkdfparamreq-struct. */
typedef struct {
  uint8_t initiator_random[MATTER_PASE_RANDOM_LEN]; /* [1] */
  uint16_t initiator_session_id;                    /* [2] */
  uint16_t passcode_id;                             /* [3] */
  bool has_pbkdf_params;                            /* [4] */
  bool has_session_params;                          /* [5], optional */
  MatterSessionParams session_params;
} MatterPbkdfParamRequest;

/* pbkdfparamresp-struct. pbkdf_parameters [4] is there when the request's
 * hasPBKDFParameters was false: { iterations [1], salt [2] }. */
typedef struct {
  uint8_t initiator_random[MATTER_PASE_RANDOM_LEN]; /* [1] */
  uint8_t responder_random[MATTER_PASE_RANDOM_LEN]; /* [2] */
  uint16_t responder_session_id;                    /* [3] */
  bool has_pbkdf_params;                            /* [4] */
  uint32_t iterations;
  uint8_t salt[MATTER_PASE_SALT_MAX];
  size_t salt_len;
  bool has_session_params; /* [5], optional */
  MatterSessionParams session_params;
} MatterPbkdfParamResponse;

typedef struct {
  uint8_t pA[MATTER_SPAKE2P_POINT_LEN]; /* [1] */
} MatterPake1;

typedef struct {
  uint8_t pB[MATTER_SPAKE2P_POINT_LEN];   /* [1] */
  uint8_t cB[MATTER_SPAKE2P_CONFIRM_LEN]; /* [2] */
} MatterPake2;

typedef struct {
  uint8_t cA[MATTER_SPAKE2P_CONFIRM_LEN]; /* [1] */
} MatterPake3;

/* Each message is one anonymous structure. Encoders write the fields in
 * tag order with the narrowest integers; they fail with
 * MATTER_ERROR_BUFFER_TOO_SMALL, or MATTER_ERROR_INVALID_ARGUMENT for a
 * salt length outside 16..32.
 *
 * Decoders accept exactly one anonymous structure and nothing after it,
 * fields in any order, and skip context tags they do not know (4.13.1.2:
 * reserved for later revisions). They fail with the TLV reader's errors
 * (malformed TLV, a field of the wrong type, an integer too wide for its
 * field, a field given twice), MATTER_ERROR_TLV_NOT_FOUND for a missing
 * field, and MATTER_ERROR_PASE_INVALID_MESSAGE for a tagged outer element
 * or an octet string of the wrong length. Values are not judged here
 * (passcode id, session id 0, iteration count, points): the state
 * machines do that. */
MatterError matter_pase_pbkdf_request_encode(const MatterPbkdfParamRequest *msg, uint8_t *out,
                                             size_t size, size_t *len);
MatterError matter_pase_pbkdf_request_decode(const uint8_t *buf, size_t len,
                                             MatterPbkdfParamRequest *msg);
MatterError matter_pase_pbkdf_response_encode(const MatterPbkdfParamResponse *msg, uint8_t *out,
                                              size_t size, size_t *len);
MatterError matter_pase_pbkdf_response_decode(const uint8_t *buf, size_t len,
                                              MatterPbkdfParamResponse *msg);
MatterError matter_pase_pake1_encode(const MatterPake1 *msg, uint8_t *out, size_t size,
                                     size_t *len);
MatterError matter_pase_pake1_decode(const uint8_t *buf, size_t len, MatterPake1 *msg);
MatterError matter_pase_pake2_encode(const MatterPake2 *msg, uint8_t *out, size_t size,
                                     size_t *len);
MatterError matter_pase_pake2_decode(const uint8_t *buf, size_t len, MatterPake2 *msg);
MatterError matter_pase_pake3_encode(const MatterPake3 *msg, uint8_t *out, size_t size,
                                     size_t *len);
MatterError matter_pase_pake3_decode(const uint8_t *buf, size_t len, MatterPake3 *msg);

/* The SPAKE2+ context both sides hash the exchange into (4.13.1.2):
 * SHA-256("CHIP PAKE V1 Commissioning" || request || response). */
MatterError matter_pase_context(const uint8_t *request, size_t request_len, const uint8_t *response,
                                size_t response_len, uint8_t context[MATTER_SHA256_LEN]);

/* I2RKey || R2IKey || AttestationChallenge from Ke ("Session Encryption
 * Keys", 4.13.1.2). */
MatterError matter_pase_session_keys(const uint8_t Ke[MATTER_SPAKE2P_KE_LEN],
                                     uint8_t keys[3 * MATTER_PASE_KEY_LEN]);

/* ---- Responder ----------------------------------------------------- */

typedef enum {
  MATTER_PASE_STATE_IDLE,        /* waiting for PBKDFParamRequest */
  MATTER_PASE_STATE_IN_PROGRESS, /* waiting for Pake1, then Pake3 */
  MATTER_PASE_STATE_ESTABLISHED, /* the keys are ready */
  MATTER_PASE_STATE_FAILED,      /* the attempt is over; free the responder */
} MatterPaseState;

typedef struct {
  uint8_t i2r_key[MATTER_PASE_KEY_LEN]; /* the responder decrypts with it */
  uint8_t r2i_key[MATTER_PASE_KEY_LEN]; /* the responder encrypts with it */
  uint8_t attestation_challenge[MATTER_PASE_KEY_LEN];
  uint16_t local_session_id;
  uint16_t peer_session_id;
  bool has_peer_params; /* the initiator sent session parameters */
  MatterSessionParams peer_params;
} MatterPaseResult;

typedef struct MatterPaseResponder MatterPaseResponder;

/* A responder for one PASE attempt with the verifier (w0, L) of the open
 * commissioning window, the salt (16..32 bytes) and iteration count
 * (1000..100000) it was made with, the session id to offer (nonzero, from
 * the caller's session table) and the local session parameters to send
 * (NULL for none). MATTER_ERROR_INVALID_ARGUMENT for out-of-range values,
 * MATTER_ERROR_INVALID_KEY when w0 is not below the group order or L is
 * not an uncompressed point on P-256, MATTER_ERROR_NO_MEMORY. */
MatterError matter_pase_responder_new(const uint8_t w0[MATTER_SPAKE2P_W_LEN],
                                      const uint8_t L[MATTER_SPAKE2P_POINT_LEN],
                                      const uint8_t *salt, size_t salt_len, uint32_t iterations,
                                      uint16_t local_session_id,
                                      const MatterSessionParams *local_params,
                                      MatterPaseResponder **resp);
/* Wipes every secret, keys included. */
void matter_pase_responder_free(MatterPaseResponder *resp);

/* Takes one Secure Channel message of the exchange (@opcode and its
 * payload) and writes what to send back in the same exchange to @out
 * (@out_size at least MATTER_PASE_MESSAGE_MAX), with its opcode;
 * *@out_len is 0 when there is nothing to send.
 *
 *   MATTER_OK  the message moved the handshake on: PBKDFParamResponse or
 *     Pake2 to send (state IN_PROGRESS), or PakeFinished, the StatusReport
 *     SESSION_ESTABLISHMENT_SUCCESS (state ESTABLISHED: read the result).
 *   MATTER_ERROR_PASE_INVALID_MESSAGE  malformed or refused (passcode id
 *     not 0, initiator session id 0, pA not a usable point): StatusReport
 *     (FAILURE, INVALID_PARAMETER) to send. A bad PBKDFParamRequest leaves
 *     the responder IDLE (nothing had begun); a bad Pake1 or Pake3 fails it.
 *   MATTER_ERROR_PASE_VERIFICATION_FAILED  Pake3's cA is wrong: the peer
 *     does not know the passcode. StatusReport (FAILURE, INVALID_PARAMETER)
 *     to send; state FAILED.
 *   MATTER_ERROR_SC_PEER_STATUS  the initiator sent a StatusReport
 *     mid-handshake (after Pake2 this is how an initiator with a wrong
 *     passcode stops, 4.13.1.2); nothing to send; state FAILED.
 *   MATTER_ERROR_BAD_STATE  not the message this state expects. Mid-
 *     handshake: StatusReport (FAILURE, INVALID_PARAMETER) to send and
 *     state FAILED; when IDLE, ESTABLISHED or FAILED: nothing to send, the
 *     state stays.
 *   MATTER_ERROR_NO_MEMORY, MATTER_ERROR_CRYPTO  a local failure mid-
 *     handshake: StatusReport (FAILURE, INVALID_PARAMETER); state FAILED
 *     (IDLE when it happened on the request).
 *   MATTER_ERROR_INVALID_ARGUMENT, MATTER_ERROR_BUFFER_TOO_SMALL  the
 *     caller's mistake; nothing changes.
 *
 * The caller counts failed commissioning attempts (Core spec chapter 5)
 * from these results. A StatusReport never answers a StatusReport. */
MatterError matter_pase_responder_handle(MatterPaseResponder *resp, uint8_t opcode,
                                         const uint8_t *payload, size_t len, uint8_t *out_opcode,
                                         uint8_t *out, size_t out_size, size_t *out_len);

MatterPaseState matter_pase_responder_get_state(const MatterPaseResponder *resp);
/* Why the last refused message was refused (what handle() returned for
 * it), and in @detail (may be NULL) the cause beneath, for logs: e.g.
 * MATTER_ERROR_TLV_WRONG_TYPE under MATTER_ERROR_PASE_INVALID_MESSAGE.
 * MATTER_OK when no message was refused. */
MatterError matter_pase_responder_get_failure(const MatterPaseResponder *resp, MatterError *detail);
/* The initiator's session id and session parameters, known once the
 * request is taken (e.g. for the MRP timing of the rest of the exchange);
 * MATTER_ERROR_BAD_STATE while IDLE. */
MatterError matter_pase_responder_get_peer(const MatterPaseResponder *resp,
                                           uint16_t *peer_session_id, bool *has_params,
                                           MatterSessionParams *params);
/* The keys and ids once ESTABLISHED (MATTER_ERROR_BAD_STATE otherwise).
 * The caller wipes @result (matter_secure_zero) when it has copied the
 * keys into its session. */
MatterError matter_pase_responder_get_result(const MatterPaseResponder *resp,
                                             MatterPaseResult *result);

/* For known-answer tests only: use this responderRandom and this SPAKE2+
 * scalar y (1..n-1) instead of random ones. Only while IDLE. */
MatterError matter_pase_responder_set_test_values(MatterPaseResponder *resp,
                                                  const uint8_t random[MATTER_PASE_RANDOM_LEN],
                                                  const uint8_t y[MATTER_SPAKE2P_W_LEN]);
