/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Certificate Authenticated Session Establishment (Core spec 4.14.2): the
 * codecs of the Sigma messages and of the structures they sign and
 * encrypt, the key derivations, and both ends of the handshake as state
 * machines that take a message's opcode and payload and return the
 * payload to send back.
 *
 *   initiator                              responder
 *   Sigma1 (0x30)  random, session id,
 *                  destination id, eph key ->
 *                                 <- Sigma2 (0x31)  random, session id, eph key,
 *                                      encrypted2 = S2K{NOC, ICAC, signature, resumption id}
 *   Sigma3 (0x32)  encrypted3 = S3K{NOC, ICAC, signature} ->
 *                                 <- StatusReport(SUCCESS, SESSION_ESTABLISHMENT_SUCCESS)
 *
 * Resumption, when the initiator kept the shared secret of an earlier
 * session with the responder and the responder still has it:
 *
 *   Sigma1 (0x30)  ... + resumption id, initiatorResumeMIC ->
 *                                 <- Sigma2_Resume (0x33)  new resumption id, MIC, session id
 *   StatusReport(SUCCESS, SESSION_ESTABLISHMENT_SUCCESS) ->
 *
 * A responder that cannot resume (unknown id, stale record, MIC that does
 * not verify) answers the same Sigma1 with a full Sigma2 instead.
 *
 * Keys: the destination id is HMAC(IPK, initiatorRandom || root public
 * key || fabric id LE || node id LE); S2K = KDF(shared secret, IPK ||
 * responderRandom || responder eph key || SHA-256(Sigma1), "Sigma2");
 * S3K = KDF(shared secret, IPK || SHA-256(Sigma1 || Sigma2), "Sigma3");
 * I2RKey || R2IKey || AttestationChallenge = KDF(shared secret, IPK ||
 * SHA-256(Sigma1 || Sigma2 || Sigma3), "SessionKeys", 48 bytes), or for
 * a resumed session KDF(shared secret, initiatorRandom || Sigma1's resumption
 * id, "SessionResumptionKeys", 48 bytes). KDF is HKDF-SHA256; the IPK is
 * the fabric's operational group key of key set 0.
 *
 * This module sees payloads only: the caller owns the unsecured session,
 * the exchange (one state machine per exchange), MRP, timeouts, the
 * session table (it picks the local session id), the fabric table, the
 * resumption store and the count of attempts.
 *
 * Wiring a responder (a node's case server):
 *   1. Fill MatterCaseResponderCallbacks: fabric_count()/get_fabric()
 *      enumerate the committed fabrics (one MatterCaseFabric per fabric
 *      and IPK epoch key: a fabric with two usable epoch keys is listed
 *      twice, once with each operational IPK), find_resumption() looks a
 *      resumption id up in the resumption store (NULL: no resumption).
 *   2. On an unsolicited Sigma1: allocate a pending session (its id is
 *      the responder session id), matter_case_responder_new(), then
 *      matter_case_responder_handle() for this and every later message of
 *      the exchange, sending what it returns (*out_len > 0).
 *   3. State ESTABLISHED: matter_case_responder_get_result(), activate the
 *      session with result.setup (peer address added), store
 *      (setup.resumption_id, setup.shared_secret, fabric index, peer node
 *      id, CATs) as the peer's resumption record (replacing the record a
 *      resumption used), wipe the result, free the responder.
 *   4. State FAILED: free the responder and the pending session; log
 *      matter_case_responder_get_failure() and its detail.
 * The initiator is driven the same way, starting with
 * matter_case_initiator_start() for the Sigma1. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "matter/cert.h"
#include "matter/counters.h"
#include "matter/crypto.h"
#include "matter/error.h"
#include "matter/securechannel.h"
#include "matter/session.h"

#define MATTER_CASE_RANDOM_LEN 32         /* initiatorRandom, responderRandom */
#define MATTER_CASE_DESTINATION_ID_LEN 32 /* destination-identifier: CRYPTO_HASH_LEN_BYTES */
#define MATTER_CASE_RESUMPTION_ID_LEN 16
#define MATTER_CASE_MIC_LEN 16 /* CRYPTO_AEAD_MIC_LENGTH_BYTES */
#define MATTER_CASE_IPK_LEN 16
#define MATTER_CASE_KEY_LEN 16 /* S2K, S3K, S1RK, S2RK and each session key */
#define MATTER_CASE_SESSION_KEYS_LEN (3 * MATTER_CASE_KEY_LEN)
#define MATTER_CASE_COMPRESSED_FABRIC_ID_LEN 8
/* A buffer that holds any CASE message or StatusReport this module writes:
 * a Sigma2 with a NOC and an ICAC of 400 bytes each (the TLV limit) and
 * every session parameter takes 1072 bytes. */
#define MATTER_CASE_MESSAGE_MAX 1152

_Static_assert(MATTER_CASE_RESUMPTION_ID_LEN == MATTER_SESSION_RESUMPTION_ID_LEN &&
                   MATTER_P256_SHARED_SECRET_LEN == MATTER_SESSION_SHARED_SECRET_LEN &&
                   MATTER_CASE_KEY_LEN == MATTER_AES128_KEY_LEN,
               "CASE hands its keys to the session table as they are");

/* ---- Messages ------------------------------------------------------ */

/* sigma-1-struct. The resumption fields come together or not at all. */
typedef struct {
  uint8_t initiator_random[MATTER_CASE_RANDOM_LEN];       /* [1] */
  uint16_t initiator_session_id;                          /* [2] */
  uint8_t destination_id[MATTER_CASE_DESTINATION_ID_LEN]; /* [3] */
  uint8_t initiator_eph_pub[MATTER_P256_PUBLIC_KEY_LEN];  /* [4] */
  bool has_session_params;                                /* [5], optional */
  MatterSessionParams session_params;
  bool has_resumption;                                  /* [6] and [7], optional */
  uint8_t resumption_id[MATTER_CASE_RESUMPTION_ID_LEN]; /* [6] */
  uint8_t initiator_resume_mic[MATTER_CASE_MIC_LEN];    /* [7] */
} MatterCaseSigma1;

/* sigma-2-struct. Decoding points encrypted2 into the input. */
typedef struct {
  uint8_t responder_random[MATTER_CASE_RANDOM_LEN];      /* [1] */
  uint16_t responder_session_id;                         /* [2] */
  uint8_t responder_eph_pub[MATTER_P256_PUBLIC_KEY_LEN]; /* [3] */
  const uint8_t *encrypted2;                             /* [4]: TBEData2 || MIC */
  size_t encrypted2_len;
  bool has_session_params; /* [5], optional */
  MatterSessionParams session_params;
} MatterCaseSigma2;

/* sigma-3-struct. Decoding points encrypted3 into the input. */
typedef struct {
  const uint8_t *encrypted3; /* [1]: TBEData3 || MIC */
  size_t encrypted3_len;
} MatterCaseSigma3;

/* sigma-2-resume-struct. */
typedef struct {
  uint8_t resumption_id[MATTER_CASE_RESUMPTION_ID_LEN]; /* [1] */
  uint8_t sigma2_resume_mic[MATTER_CASE_MIC_LEN];       /* [2] */
  uint16_t responder_session_id;                        /* [3] */
  bool has_session_params;                              /* [4], optional */
  MatterSessionParams session_params;
} MatterCaseSigma2Resume;

/* sigma-2-tbedata (with the resumption id) and sigma-3-tbedata (without):
 * the plaintext of encrypted2 and encrypted3. Decoding points the
 * certificates into the input. */
typedef struct {
  const uint8_t *noc; /* [1] Matter TLV */
  size_t noc_len;
  const uint8_t *icac; /* [2], optional: NULL with icac_len 0 when absent */
  size_t icac_len;
  uint8_t signature[MATTER_P256_SIGNATURE_LEN];         /* [3] */
  uint8_t resumption_id[MATTER_CASE_RESUMPTION_ID_LEN]; /* [4], TBEData2 only */
} MatterCaseTbeData;

/* Each message is one anonymous structure. Encoders write the fields in
 * tag order with the narrowest integers; they fail with
 * MATTER_ERROR_BUFFER_TOO_SMALL, or MATTER_ERROR_INVALID_ARGUMENT for a
 * certificate of 0 or more than MATTER_CERT_MAX_TLV_LEN bytes or an
 * encrypted field shorter than its MIC.
 *
 * Decoders accept exactly one anonymous structure and nothing after it,
 * fields in any order, and skip context tags they do not know (4.14.2.3:
 * reserved for later revisions). They fail with the TLV reader's errors
 * (malformed TLV, a field of the wrong type, an integer too wide for its
 * field, a field given twice), MATTER_ERROR_TLV_NOT_FOUND for a missing
 * field, and MATTER_ERROR_CASE_INVALID_MESSAGE for a tagged outer
 * element, an octet string of the wrong length (a certificate of 0 or
 * over 400 bytes, an encrypted field shorter than its MIC) or a Sigma1
 * with one of resumptionID and initiatorResumeMIC but not the other.
 * Values are not judged here (session id 0, keys, certificates): the
 * state machines do that. */
MatterError matter_case_sigma1_encode(const MatterCaseSigma1 *msg, uint8_t *out, size_t size,
                                      size_t *len);
MatterError matter_case_sigma1_decode(const uint8_t *buf, size_t len, MatterCaseSigma1 *msg);
MatterError matter_case_sigma2_encode(const MatterCaseSigma2 *msg, uint8_t *out, size_t size,
                                      size_t *len);
MatterError matter_case_sigma2_decode(const uint8_t *buf, size_t len, MatterCaseSigma2 *msg);
MatterError matter_case_sigma3_encode(const MatterCaseSigma3 *msg, uint8_t *out, size_t size,
                                      size_t *len);
MatterError matter_case_sigma3_decode(const uint8_t *buf, size_t len, MatterCaseSigma3 *msg);
MatterError matter_case_sigma2_resume_encode(const MatterCaseSigma2Resume *msg, uint8_t *out,
                                             size_t size, size_t *len);
MatterError matter_case_sigma2_resume_decode(const uint8_t *buf, size_t len,
                                             MatterCaseSigma2Resume *msg);
/* TBEData2 when @with_resumption_id, TBEData3 otherwise (a TBEData3
 * decoder skips a tag 4 as any unknown tag). */
MatterError matter_case_tbe_encode(const MatterCaseTbeData *tbe, bool with_resumption_id,
                                   uint8_t *out, size_t size, size_t *len);
MatterError matter_case_tbe_decode(const uint8_t *buf, size_t len, bool with_resumption_id,
                                   MatterCaseTbeData *tbe);
/* sigma-2-tbsdata and sigma-3-tbsdata, the bytes a signature covers; they
 * are never sent. {sender's NOC [1], its ICAC [2] (optional), the
 * sender's ephemeral key [3], the receiver's [4]}. */
MatterError matter_case_tbs_encode(const uint8_t *noc, size_t noc_len, const uint8_t *icac,
                                   size_t icac_len,
                                   const uint8_t sender_eph_pub[MATTER_P256_PUBLIC_KEY_LEN],
                                   const uint8_t receiver_eph_pub[MATTER_P256_PUBLIC_KEY_LEN],
                                   uint8_t *out, size_t size, size_t *len);

/* ---- Keys ---------------------------------------------------------- */

/* CompressedFabricIdentifier (4.3.2.2): KDF(root public key without its
 * 0x04 prefix, salt = fabric id big-endian, "CompressedFabric", 8 bytes). */
MatterError
matter_case_compressed_fabric_id(const uint8_t root_public_key[MATTER_P256_PUBLIC_KEY_LEN],
                                 uint64_t fabric_id,
                                 uint8_t out[MATTER_CASE_COMPRESSED_FABRIC_ID_LEN]);
/* The operational IPK from an epoch key of key set 0 (4.15.2):
 * KDF(epoch key, salt = compressed fabric id, "GroupKey v1.0", 16 bytes). */
MatterError matter_case_operational_ipk(
    const uint8_t epoch_key[MATTER_CASE_IPK_LEN],
    const uint8_t compressed_fabric_id[MATTER_CASE_COMPRESSED_FABRIC_ID_LEN],
    uint8_t ipk[MATTER_CASE_IPK_LEN]);
/* Destination Identifier (4.14.2.4). */
MatterError matter_case_destination_id(const uint8_t ipk[MATTER_CASE_IPK_LEN],
                                       const uint8_t initiator_random[MATTER_CASE_RANDOM_LEN],
                                       const uint8_t root_public_key[MATTER_P256_PUBLIC_KEY_LEN],
                                       uint64_t fabric_id, uint64_t node_id,
                                       uint8_t out[MATTER_CASE_DESTINATION_ID_LEN]);
/* S2K over @sigma1_hash = SHA-256(Sigma1). */
MatterError matter_case_sigma2_key(const uint8_t shared_secret[MATTER_P256_SHARED_SECRET_LEN],
                                   const uint8_t ipk[MATTER_CASE_IPK_LEN],
                                   const uint8_t responder_random[MATTER_CASE_RANDOM_LEN],
                                   const uint8_t responder_eph_pub[MATTER_P256_PUBLIC_KEY_LEN],
                                   const uint8_t sigma1_hash[MATTER_SHA256_LEN],
                                   uint8_t s2k[MATTER_CASE_KEY_LEN]);
/* S3K over @transcript_hash = SHA-256(Sigma1 || Sigma2). */
MatterError matter_case_sigma3_key(const uint8_t shared_secret[MATTER_P256_SHARED_SECRET_LEN],
                                   const uint8_t ipk[MATTER_CASE_IPK_LEN],
                                   const uint8_t transcript_hash[MATTER_SHA256_LEN],
                                   uint8_t s3k[MATTER_CASE_KEY_LEN]);
/* I2RKey || R2IKey || AttestationChallenge over @transcript_hash =
 * SHA-256(Sigma1 || Sigma2 || Sigma3). */
MatterError matter_case_session_keys(const uint8_t shared_secret[MATTER_P256_SHARED_SECRET_LEN],
                                     const uint8_t ipk[MATTER_CASE_IPK_LEN],
                                     const uint8_t transcript_hash[MATTER_SHA256_LEN],
                                     uint8_t keys[MATTER_CASE_SESSION_KEYS_LEN]);
/* The keys of a resumed session, with the resumption id Sigma1 offered
 * (which independent implementations use on both ends). */
MatterError
matter_case_resumption_session_keys(const uint8_t shared_secret[MATTER_P256_SHARED_SECRET_LEN],
                                    const uint8_t initiator_random[MATTER_CASE_RANDOM_LEN],
                                    const uint8_t resumption_id[MATTER_CASE_RESUMPTION_ID_LEN],
                                    uint8_t keys[MATTER_CASE_SESSION_KEYS_LEN]);
/* initiatorResumeMIC: the AES-CCM tag of an empty message under S1RK =
 * KDF(shared secret, initiatorRandom || the earlier session's resumption
 * id, "Sigma1_Resume") with the nonce "NCASE_SigmaS1". */
MatterError
matter_case_sigma1_resume_mic(const uint8_t shared_secret[MATTER_P256_SHARED_SECRET_LEN],
                              const uint8_t initiator_random[MATTER_CASE_RANDOM_LEN],
                              const uint8_t resumption_id[MATTER_CASE_RESUMPTION_ID_LEN],
                              uint8_t mic[MATTER_CASE_MIC_LEN]);
/* sigma2ResumeMIC: likewise under S2RK (info "Sigma2_Resume", the new
 * resumption id) with the nonce "NCASE_SigmaS2". */
MatterError
matter_case_sigma2_resume_mic(const uint8_t shared_secret[MATTER_P256_SHARED_SECRET_LEN],
                              const uint8_t initiator_random[MATTER_CASE_RANDOM_LEN],
                              const uint8_t resumption_id[MATTER_CASE_RESUMPTION_ID_LEN],
                              uint8_t mic[MATTER_CASE_MIC_LEN]);

/* ---- What the state machines are given ----------------------------- */

/* Signs @msg (ECDSA P-256 with SHA-256, raw r || s) with the fabric's
 * operational key, for a key the caller does not hand over. */
typedef MatterError (*MatterCaseSignFunc)(void *user_data, const uint8_t *msg, size_t len,
                                          uint8_t sig[MATTER_P256_SIGNATURE_LEN]);

/* One fabric of the node, with one operational IPK. The state machines
 * copy what they keep (ids, IPK, certificates); the signing key or
 * function is used while the message that needs the signature is handled
 * (the responder's Sigma1, the initiator's Sigma2), so it must stay valid
 * while the state machine lives. A record is usable with a nonzero
 * fabric index, an RCAC and a NOC of 1..MATTER_CERT_MAX_TLV_LEN bytes, an
 * ICAC of that size or none, and a key or sign function; the responder
 * skips any other. */
typedef struct {
  uint8_t fabric_index;
  uint64_t fabric_id;
  uint64_t node_id;
  uint8_t root_public_key[MATTER_P256_PUBLIC_KEY_LEN];
  uint8_t ipk[MATTER_CASE_IPK_LEN]; /* operational, matter_case_operational_ipk() */
  const uint8_t *rcac;              /* Matter TLV, each up to MATTER_CERT_MAX_TLV_LEN */
  size_t rcac_len;
  const uint8_t *icac; /* NULL with 0 when the RCAC signs the NOC */
  size_t icac_len;
  const uint8_t *noc;
  size_t noc_len;
  /* The operational key pair, or NULL and a sign function. */
  const MatterP256Key *operational_key;
  MatterCaseSignFunc sign;
  void *sign_data;
} MatterCaseFabric;

/* A resumption record (4.14.2.2): what the owner stores from a result and
 * gives back to resume. */
typedef struct {
  uint8_t resumption_id[MATTER_CASE_RESUMPTION_ID_LEN];
  uint8_t shared_secret[MATTER_P256_SHARED_SECRET_LEN];
  uint8_t fabric_index;
  uint64_t peer_node_id;
  uint32_t peer_cats[MATTER_SESSION_CAT_MAX]; /* 0 when absent */
} MatterCaseResumption;

typedef enum {
  MATTER_CASE_STATE_IDLE,        /* waiting for Sigma1 (responder) or start() (initiator) */
  MATTER_CASE_STATE_IN_PROGRESS, /* waiting for the peer's next message */
  MATTER_CASE_STATE_ESTABLISHED, /* the keys are ready */
  MATTER_CASE_STATE_FAILED,      /* the attempt is over; free the state machine */
} MatterCaseState;

/* What an established handshake gives its owner. setup is ready for
 * matter_session_activate() once the peer address is added: kind CASE,
 * role, peer session id, fabric index, local and peer node ids, the
 * peer's CATs, the keys, the peer's session parameters (present 0 when it
 * sent none), and has_resumption with the new resumption id and the
 * shared secret to store as the peer's resumption record. The caller
 * wipes the whole result (matter_secure_zero) after copying it. */
typedef struct {
  MatterSessionSetup setup;
  uint16_t local_session_id;
  bool has_peer_params;
  bool resumed; /* a Sigma2_Resume exchange, not a full handshake */
} MatterCaseResult;

/* ---- Responder ----------------------------------------------------- */

typedef struct {
  /* How many fabric records there are, and the @index-th of them (each
   * fabric once per usable IPK epoch key). get_fabric() may fail (the
   * record is then skipped). Called while a Sigma1 is handled. */
  size_t (*fabric_count)(void *user_data);
  MatterError (*get_fabric)(void *user_data, size_t index, MatterCaseFabric *fabric);
  /* The record with @resumption_id, or an error when there is none; NULL
   * when the node keeps no records (Sigma1 with resumption then always
   * gets a full Sigma2). The responder wipes its copy. */
  MatterError (*find_resumption)(void *user_data,
                                 const uint8_t resumption_id[MATTER_CASE_RESUMPTION_ID_LEN],
                                 MatterCaseResumption *record);
  void *user_data;
} MatterCaseResponderCallbacks;

typedef struct MatterCaseResponder MatterCaseResponder;

/* A responder for one exchange, offering @local_session_id (nonzero, from
 * the caller's session table) and the local session parameters
 * @local_params (NULL for none). @callbacks is copied; @rng may be NULL
 * for the DRBG (a test source also draws the ephemeral key). Chains are
 * judged with @time_source and @time (matter_cert_chain_validate()).
 * MATTER_ERROR_INVALID_ARGUMENT, MATTER_ERROR_NO_MEMORY. */
MatterError matter_case_responder_new(const MatterCaseResponderCallbacks *callbacks,
                                      uint16_t local_session_id,
                                      const MatterSessionParams *local_params,
                                      const MatterRandomSource *rng,
                                      MatterCertTimeSource time_source, uint32_t time,
                                      MatterCaseResponder **resp);
/* Wipes every secret: ephemeral key, shared secret, IPK, keys. */
void matter_case_responder_free(MatterCaseResponder *resp);

/* Takes one Secure Channel message of the exchange (@opcode and its
 * payload) and writes what to send back in the same exchange to @out
 * (@out_size at least MATTER_CASE_MESSAGE_MAX), with its opcode;
 * *@out_len is 0 when there is nothing to send.
 *
 *   MATTER_OK  the message moved the handshake on: Sigma2 or
 *     Sigma2_Resume to send (IN_PROGRESS); SigmaFinished to send after a
 *     good Sigma3 (ESTABLISHED); nothing to send after the initiator's
 *     SigmaFinished of a resumption (ESTABLISHED).
 *   MATTER_ERROR_CASE_INVALID_MESSAGE  malformed or refused (initiator
 *     session id 0, an unusable ephemeral key, a TBEData3 that does not
 *     decode): StatusReport (FAILURE, INVALID_PARAMETER) to send.
 *   MATTER_ERROR_CASE_NO_SHARED_ROOT  no fabric matches Sigma1's
 *     destination id: StatusReport (FAILURE, NO_SHARED_TRUST_ROOTS).
 *   MATTER_ERROR_CASE_VERIFICATION_FAILED  Sigma3 does not authenticate:
 *     encrypted3 does not decrypt, the chain does not validate against
 *     the matched fabric's RCAC or is of another fabric, the signature is
 *     wrong. StatusReport (FAILURE, INVALID_PARAMETER); the detail says
 *     which (MATTER_ERROR_AUTH_FAILED, a MATTER_ERROR_CERT_* code,
 *     MATTER_ERROR_INVALID_SIGNATURE).
 *   MATTER_ERROR_SC_PEER_STATUS  the initiator sent a failure StatusReport
 *     (a StatusReport too short to decode is MATTER_ERROR_CASE_INVALID_
 *     MESSAGE); nothing to send.
 *   MATTER_ERROR_BAD_STATE  not the message this state expects. Mid-
 *     handshake: StatusReport (FAILURE, INVALID_PARAMETER); when IDLE,
 *     ESTABLISHED or FAILED, and for a SigmaFinished out of order (which
 *     4.14.2.3.13 says to ignore): nothing to send, the state stays.
 *   MATTER_ERROR_NO_MEMORY, MATTER_ERROR_CRYPTO, or the sign function's
 *     error: a local failure; StatusReport (FAILURE, INVALID_PARAMETER).
 *   MATTER_ERROR_INVALID_ARGUMENT, MATTER_ERROR_BUFFER_TOO_SMALL  the
 *     caller's mistake; nothing changes.
 * A refused Sigma1 leaves the responder IDLE (nothing had begun); any
 * other refusal fails it. A StatusReport never answers a StatusReport. */
MatterError matter_case_responder_handle(MatterCaseResponder *resp, uint8_t opcode,
                                         const uint8_t *payload, size_t len, uint8_t *out_opcode,
                                         uint8_t *out, size_t out_size, size_t *out_len);

MatterCaseState matter_case_responder_get_state(const MatterCaseResponder *resp);
/* Why the last refused message was refused (what handle() returned for
 * it), and in @detail (may be NULL) the cause beneath, for logs. MATTER_OK
 * when no message was refused. */
MatterError matter_case_responder_get_failure(const MatterCaseResponder *resp, MatterError *detail);
/* The initiator's session id and parameters, known once Sigma1 is taken;
 * MATTER_ERROR_BAD_STATE while IDLE. */
MatterError matter_case_responder_get_peer(const MatterCaseResponder *resp,
                                           uint16_t *peer_session_id, bool *has_params,
                                           MatterSessionParams *params);
/* The result once ESTABLISHED (MATTER_ERROR_BAD_STATE otherwise). */
MatterError matter_case_responder_get_result(const MatterCaseResponder *resp,
                                             MatterCaseResult *result);

/* ---- Initiator ----------------------------------------------------- */

typedef struct MatterCaseInitiator MatterCaseInitiator;

/* An initiator towards @peer_node_id on @fabric, offering
 * @local_session_id (nonzero) and @local_params (NULL for none), resuming
 * @resumption when not NULL (copied; its fabric index must be @fabric's).
 * The other arguments are the responder's. */
MatterError matter_case_initiator_new(const MatterCaseFabric *fabric, uint64_t peer_node_id,
                                      const MatterCaseResumption *resumption,
                                      uint16_t local_session_id,
                                      const MatterSessionParams *local_params,
                                      const MatterRandomSource *rng,
                                      MatterCertTimeSource time_source, uint32_t time,
                                      MatterCaseInitiator **init);
void matter_case_initiator_free(MatterCaseInitiator *init);

/* The Sigma1 to send: opcode and payload (@out_size at least
 * MATTER_CASE_MESSAGE_MAX). Once, while IDLE. */
MatterError matter_case_initiator_start(MatterCaseInitiator *init, uint8_t *out_opcode,
                                        uint8_t *out, size_t out_size, size_t *out_len);
/* As the responder's handle():
 *   MATTER_OK  Sigma2 taken, Sigma3 to send (IN_PROGRESS); SigmaFinished
 *     taken, nothing to send (ESTABLISHED); Sigma2_Resume taken,
 *     SigmaFinished to send (ESTABLISHED).
 *   MATTER_ERROR_CASE_INVALID_MESSAGE  malformed, an unusable ephemeral
 *     key, a Sigma2_Resume to a Sigma1 without resumption, or a TBEData2
 *     that does not decode: (FAILURE, INVALID_PARAMETER) to send.
 *   MATTER_ERROR_CASE_VERIFICATION_FAILED  encrypted2 does not decrypt,
 *     the responder's chain does not validate against the fabric's RCAC,
 *     is of another fabric or another node, the signature is wrong, or
 *     the Sigma2_Resume MIC is wrong: (FAILURE, INVALID_PARAMETER).
 *   MATTER_ERROR_SC_PEER_STATUS  the responder sent a failure StatusReport
 *     (e.g. NO_SHARED_TRUST_ROOTS, see get_peer_status()); nothing to send.
 *   Others as for the responder. Every refusal fails the initiator; a
 *   SigmaFinished out of order is ignored (MATTER_ERROR_BAD_STATE). */
MatterError matter_case_initiator_handle(MatterCaseInitiator *init, uint8_t opcode,
                                         const uint8_t *payload, size_t len, uint8_t *out_opcode,
                                         uint8_t *out, size_t out_size, size_t *out_len);
MatterCaseState matter_case_initiator_get_state(const MatterCaseInitiator *init);
MatterError matter_case_initiator_get_failure(const MatterCaseInitiator *init, MatterError *detail);
/* The last StatusReport the responder sent, once handle() returned
 * MATTER_ERROR_SC_PEER_STATUS for it (its data pointer is not kept). */
MatterError matter_case_initiator_get_peer_status(const MatterCaseInitiator *init,
                                                  uint16_t *general_code, uint16_t *protocol_code);
MatterError matter_case_initiator_get_result(const MatterCaseInitiator *init,
                                             MatterCaseResult *result);
