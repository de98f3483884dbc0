/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Errors returned by the protocol core. Each has a stable name and a
 * one-line reason; the daemon wraps them in GError or turns them into
 * Matter status codes at the layer that has the context. */

#define MATTER_ERROR_LIST(X)                                                   \
  X(MATTER_OK, "success")                                                      \
  X(MATTER_ERROR_INVALID_ARGUMENT, "invalid argument")                         \
  X(MATTER_ERROR_NO_MEMORY, "out of memory")                                   \
  X(MATTER_ERROR_BUFFER_TOO_SMALL, "output buffer too small")                  \
  X(MATTER_ERROR_TRUNCATED, "input ends before the element does")             \
  X(MATTER_ERROR_CRYPTO, "cryptographic operation failed")                     \
  /* TLV (tlv.h) */                                                            \
  X(MATTER_ERROR_TLV_END, "no more elements in this container")                \
  X(MATTER_ERROR_TLV_BAD_ELEMENT_TYPE, "reserved or invalid TLV element type") \
  X(MATTER_ERROR_TLV_BAD_TAG, "invalid TLV tag form for this position")        \
  X(MATTER_ERROR_TLV_LENGTH, "TLV length runs past the end of the input")      \
  X(MATTER_ERROR_TLV_TOO_DEEP, "TLV containers nested too deeply")             \
  X(MATTER_ERROR_TLV_BAD_UTF8, "TLV UTF-8 string is not valid UTF-8")          \
  X(MATTER_ERROR_TLV_WRONG_TYPE, "TLV element has another type")               \
  X(MATTER_ERROR_TLV_OUT_OF_RANGE, "TLV integer out of range for its field")   \
  X(MATTER_ERROR_TLV_NOT_FOUND, "TLV element with that tag not found")         \
  X(MATTER_ERROR_TLV_UNBALANCED, "TLV container not closed or closed twice")   \
  X(MATTER_ERROR_TLV_TRAILING, "TLV data after the end of the element")        \
  /* Crypto (crypto.h, spake2p.h) */                                           \
  X(MATTER_ERROR_INVALID_KEY, "invalid key or point")                          \
  X(MATTER_ERROR_INVALID_SIGNATURE, "signature does not verify")               \
  X(MATTER_ERROR_AUTH_FAILED, "message authentication failed")                 \
  X(MATTER_ERROR_BAD_STATE, "call out of order for this state machine")        \
  /* Certificates (cert.h) */                                                  \
  X(MATTER_ERROR_CERT_TOO_LARGE, "certificate over the size limit")            \
  X(MATTER_ERROR_CERT_FORMAT, "certificate field missing, misplaced or bad")   \
  X(MATTER_ERROR_CERT_UNSUPPORTED, "X.509 certificate has no Matter form")     \
  X(MATTER_ERROR_CERT_SIGNATURE_ALGORITHM, "not ECDSA with SHA-256")           \
  X(MATTER_ERROR_CERT_KEY_TYPE, "certificate key is not P-256")                \
  X(MATTER_ERROR_CERT_VALIDITY, "validity time unencodable or reversed")       \
  X(MATTER_ERROR_CERT_DN_ATTRIBUTE, "DN attribute bad, unknown or over 5")     \
  X(MATTER_ERROR_CERT_DN_MISSING, "DN lacks a required attribute")             \
  X(MATTER_ERROR_CERT_DN_DUPLICATE, "DN attribute repeated")                   \
  X(MATTER_ERROR_CERT_DN_FORBIDDEN, "DN attribute not allowed here")           \
  X(MATTER_ERROR_CERT_CAT_COUNT, "more than 3 CASE Authenticated Tags")        \
  X(MATTER_ERROR_CERT_CAT_DUPLICATE, "CASE Authenticated Tag repeated")        \
  X(MATTER_ERROR_CERT_CAT_VERSION, "CASE Authenticated Tag version 0")         \
  X(MATTER_ERROR_CERT_EXTENSION, "extension unsupported or malformed")         \
  X(MATTER_ERROR_CERT_EXTENSION_MISSING, "required extension missing")         \
  X(MATTER_ERROR_CERT_EXTENSION_CRITICAL, "extension criticality wrong")       \
  X(MATTER_ERROR_CERT_BASIC_CONSTRAINTS, "basic constraints forbid this")      \
  X(MATTER_ERROR_CERT_KEY_USAGE, "key usage wrong for the role")               \
  X(MATTER_ERROR_CERT_EXTENDED_KEY_USAGE, "extended key usage wrong")          \
  X(MATTER_ERROR_CERT_KEY_ID, "key identifier does not match")                 \
  X(MATTER_ERROR_CERT_ISSUER, "issuer is not the signer's subject")            \
  X(MATTER_ERROR_CERT_NODE_ID, "node id not operational")                      \
  X(MATTER_ERROR_CERT_FABRIC_ID, "fabric id zero or not the chain's")          \
  X(MATTER_ERROR_CERT_NOT_YET_VALID, "certificate not yet valid")              \
  X(MATTER_ERROR_CERT_EXPIRED, "certificate expired")                          \
  /* Attestation (attestation.h) */                                            \
  X(MATTER_ERROR_ATTESTATION_FORMAT,                                           \
    "malformed attestation certificate or key")                                \
  X(MATTER_ERROR_ATTESTATION_SIZE, "attestation certificate over 600 bytes")   \
  X(MATTER_ERROR_ATTESTATION_VERSION,                                          \
    "attestation certificate is not X.509 v3")                                 \
  X(MATTER_ERROR_ATTESTATION_SIGNATURE_ALGORITHM,                              \
    "certificate not signed with ecdsa-with-SHA256")                           \
  X(MATTER_ERROR_ATTESTATION_PUBLIC_KEY,                                       \
    "certificate key is not an uncompressed P-256 key")                        \
  X(MATTER_ERROR_ATTESTATION_BASIC_CONSTRAINTS,                                \
    "basic constraints missing, not critical or wrong for the role")           \
  X(MATTER_ERROR_ATTESTATION_KEY_USAGE,                                        \
    "key usage missing, not critical or wrong for the role")                   \
  X(MATTER_ERROR_ATTESTATION_KEY_ID,                                           \
    "subject or authority key id missing or not 20 bytes")                     \
  X(MATTER_ERROR_ATTESTATION_VENDOR_ID,                                        \
    "vendor id missing, repeated or malformed in a name")                      \
  X(MATTER_ERROR_ATTESTATION_PRODUCT_ID,                                       \
    "product id missing, repeated, malformed or not allowed in a name")        \
  X(MATTER_ERROR_ATTESTATION_VENDOR_ID_MISMATCH,                               \
    "vendor ids differ along the attestation chain")                           \
  X(MATTER_ERROR_ATTESTATION_PRODUCT_ID_MISMATCH,                              \
    "product ids differ along the attestation chain")                          \
  X(MATTER_ERROR_ATTESTATION_ISSUER,                                           \
    "issuer name or key id does not match the issuing certificate")            \
  X(MATTER_ERROR_ATTESTATION_VALIDITY,                                         \
    "an issuer was not valid when the DAC was issued")                         \
  X(MATTER_ERROR_ATTESTATION_CHAIN_SIGNATURE,                                  \
    "certificate signature does not verify with its issuer's key")             \
  X(MATTER_ERROR_ATTESTATION_ELEMENTS,                                         \
    "malformed attestation or NOCSR elements")                                 \
  X(MATTER_ERROR_ATTESTATION_NONCE, "nonce differs from the one sent")         \
  X(MATTER_ERROR_CD_FORMAT,                                                    \
    "Certification Declaration is not CMS as the spec requires")               \
  X(MATTER_ERROR_CD_CONTENT, "malformed Certification Declaration content")    \
  X(MATTER_ERROR_CD_UNKNOWN_SIGNER,                                            \
    "Certification Declaration signer is not trusted")                         \
  X(MATTER_ERROR_CD_VENDOR_ID,                                                 \
    "Certification Declaration is for another vendor id")                      \
  X(MATTER_ERROR_CD_PRODUCT_ID,                                                \
    "product id not in the Certification Declaration")                         \
  X(MATTER_ERROR_CD_DAC_ORIGIN,                                                \
    "DAC origin in the Certification Declaration does not match")              \
  X(MATTER_ERROR_CD_PAA_NOT_AUTHORIZED,                                        \
    "PAA not authorized by the Certification Declaration")                     \
  X(MATTER_ERROR_CSR_FORMAT, "malformed PKCS#10 certificate signing request")  \
  /* Message layer (message.h) */                                              \
  X(MATTER_ERROR_MESSAGE_VERSION, "unsupported message format version")        \
  X(MATTER_ERROR_MESSAGE_DSIZ, "reserved destination size (DSIZ 3)")           \
  X(MATTER_ERROR_MESSAGE_SESSION_TYPE, "reserved session type")                \
  X(MATTER_ERROR_MESSAGE_NO_SOURCE, "group message without a source node id")  \
  X(MATTER_ERROR_MESSAGE_DESTINATION,                                          \
    "destination not allowed for the session type")                            \
  X(MATTER_ERROR_MESSAGE_EXTENSIONS, "extensions block runs past the message") \
  /* Sessions and exchanges (counters.h, session.h, exchange.h, mrp.h) */     \
  X(MATTER_ERROR_DUPLICATE_MESSAGE,                                            \
    "message counter already received or outside the window")                  \
  X(MATTER_ERROR_COUNTER_EXHAUSTED, "session message counter exhausted")       \
  X(MATTER_ERROR_COUNTER_PERSIST, "a new counter bound must be stored first")  \
  X(MATTER_ERROR_SESSION_TABLE_FULL, "no free session slot")                   \
  X(MATTER_ERROR_SESSION_NOT_FOUND, "no session for the message")              \
  X(MATTER_ERROR_SESSION_CLOSED, "session closed")                             \
  X(MATTER_ERROR_EXCHANGE_TABLE_FULL, "no free exchange slot")                 \
  X(MATTER_ERROR_EXCHANGE_BUSY,                                                \
    "a reliable message on the exchange is not yet acknowledged")              \
  X(MATTER_ERROR_UNSOLICITED, "message matches no exchange and no handler")    \
  X(MATTER_ERROR_PROTOCOL_NOT_ALLOWED, "protocol not allowed on this session") \
  X(MATTER_ERROR_MRP_GIVE_UP, "no acknowledgement of the last transmission")  \
  X(MATTER_ERROR_EXCHANGE_TIMEOUT, "exchange timed out")                      \
  /* Secure channel (securechannel.h, pase.h, case.h) */                       \
  X(MATTER_ERROR_SC_PEER_STATUS,                                               \
    "peer ended the exchange with a failure StatusReport")                     \
  X(MATTER_ERROR_PASE_INVALID_MESSAGE, "malformed or refused PASE message")    \
  X(MATTER_ERROR_PASE_VERIFICATION_FAILED,                                     \
    "PASE confirmation did not verify (wrong passcode)")                       \
  X(MATTER_ERROR_CASE_INVALID_MESSAGE, "malformed or refused CASE message")    \
  X(MATTER_ERROR_CASE_NO_SHARED_ROOT,                                          \
    "no fabric matches the CASE destination identifier")                       \
  X(MATTER_ERROR_CASE_VERIFICATION_FAILED,                                     \
    "CASE peer's credentials, signature or MIC did not verify")                \
  /* Interaction Model (im.h) */                                              \
  X(MATTER_ERROR_IM_MALFORMED, "malformed Interaction Model message")         \
  X(MATTER_ERROR_IM_TOO_MANY_PATHS, "more paths than the request can hold")   \
  /* Access control (acl.h) */                                               \
  X(MATTER_ERROR_ACL_ENTRY, "access control entry breaks a rule")             \
  /* Bluetooth Transport Protocol (btp.h) */                                   \
  X(MATTER_ERROR_BTP_MALFORMED,                                                \
    "malformed BTP packet, or segment out of place")                           \
  X(MATTER_ERROR_BTP_VERSION, "no BTP version in common with the central")     \
  X(MATTER_ERROR_BTP_SEQUENCE, "BTP sequence number out of order")             \
  X(MATTER_ERROR_BTP_ACK, "BTP acknowledgement of no outstanding packet")      \
  X(MATTER_ERROR_BTP_WINDOW, "BTP receive window zero or overrun")             \
  X(MATTER_ERROR_BTP_SEGMENT_SIZE, "BTP packet longer than the segment size")  \
  X(MATTER_ERROR_BTP_LENGTH,                                                   \
    "BTP segments do not add up to the message length")                        \
  X(MATTER_ERROR_BTP_SDU_TOO_LONG, "BTP message longer than a Matter message") \
  X(MATTER_ERROR_BTP_HANDSHAKE_TIMEOUT,                                        \
    "BTP handshake request or subscription did not come in time")              \
  X(MATTER_ERROR_BTP_ACK_TIMEOUT,                                              \
    "no BTP acknowledgement within BTP_ACK_TIMEOUT")                           \
  X(MATTER_ERROR_BTP_IDLE_TIMEOUT,                                             \
    "BTP session idle for BTP_CONN_IDLE_TIMEOUT")                              \
  X(MATTER_ERROR_BTP_UNSUBSCRIBED, "central unsubscribed from C2")             \
  X(MATTER_ERROR_BTP_QUEUE_FULL, "BTP send queue full")                        \
  /* Onboarding payload (payload.h) */                                         \
  X(MATTER_ERROR_PAYLOAD_FORMAT, "malformed onboarding payload")               \
  X(MATTER_ERROR_PAYLOAD_CHECK_DIGIT, "wrong check digit")                     \
  X(MATTER_ERROR_PAYLOAD_VERSION, "unsupported onboarding payload version")    \
  X(MATTER_ERROR_INVALID_PASSCODE, "passcode not allowed")                     \
  X(MATTER_ERROR_INVALID_DISCRIMINATOR, "discriminator out of range")

typedef enum {
#define MATTER_ERROR_ENUM(name, text) name,
  MATTER_ERROR_LIST(MATTER_ERROR_ENUM)
#undef MATTER_ERROR_ENUM
  MATTER_ERROR_COUNT_
} MatterError;

/* A short lower-case reason, e.g. "output buffer too small". */
const char *matter_error_str(MatterError err);

/* The enumerator's name, e.g. "MATTER_ERROR_BUFFER_TOO_SMALL", for logs and tests. */
const char *matter_error_name(MatterError err);
