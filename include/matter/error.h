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
  X(MATTER_ERROR_CRYPTO, "cryptographic operation failed")

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
