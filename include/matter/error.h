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
