/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The Secure Channel protocol's common pieces (Core spec 4.10): its
 * opcodes, the StatusReport message (Appendix D, with the Secure Channel
 * codes of 4.10.1.3) and the session parameters that PASE and CASE carry
 * (session-parameter-struct, 4.12.8 in Matter 1.3 and later).
 *
 * A StatusReport payload is, little-endian:
 *   GeneralCode (16 bits) | ProtocolId (32 bits: vendor id << 16 | protocol
 *   number) | ProtocolCode (16 bits) | ProtocolData (the rest, may be empty) */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "matter/error.h"
#include "matter/tlv.h"

/* Table 17, "Secure Channel Protocol Opcodes". */
typedef enum {
  MATTER_SC_OPCODE_MSG_COUNTER_SYNC_REQ = 0x00,
  MATTER_SC_OPCODE_MSG_COUNTER_SYNC_RSP = 0x01,
  MATTER_SC_OPCODE_STANDALONE_ACK = 0x10,
  MATTER_SC_OPCODE_PBKDF_PARAM_REQUEST = 0x20,
  MATTER_SC_OPCODE_PBKDF_PARAM_RESPONSE = 0x21,
  MATTER_SC_OPCODE_PASE_PAKE1 = 0x22,
  MATTER_SC_OPCODE_PASE_PAKE2 = 0x23,
  MATTER_SC_OPCODE_PASE_PAKE3 = 0x24,
  MATTER_SC_OPCODE_CASE_SIGMA1 = 0x30,
  MATTER_SC_OPCODE_CASE_SIGMA2 = 0x31,
  MATTER_SC_OPCODE_CASE_SIGMA3 = 0x32,
  MATTER_SC_OPCODE_CASE_SIGMA2_RESUME = 0x33,
  MATTER_SC_OPCODE_STATUS_REPORT = 0x40,
} MatterScOpcode;

/* The table's name for @opcode ("PBKDFParamRequest", "StatusReport"...),
 * or NULL for an opcode it does not list. */
const char *matter_sc_opcode_name(uint8_t opcode);

/* The Secure Channel protocol's id as a StatusReport carries it (vendor 0,
 * protocol 0x0000). */
#define MATTER_SC_PROTOCOL_ID UINT32_C(0x00000000)

/* General codes (Appendix D.3), common to every protocol. */
typedef enum {
  MATTER_STATUS_SUCCESS = 0,
  MATTER_STATUS_FAILURE = 1,
  MATTER_STATUS_BAD_PRECONDITION = 2,
  MATTER_STATUS_OUT_OF_RANGE = 3,
  MATTER_STATUS_BAD_REQUEST = 4,
  MATTER_STATUS_UNSUPPORTED = 5,
  MATTER_STATUS_UNEXPECTED = 6,
  MATTER_STATUS_RESOURCE_EXHAUSTED = 7,
  MATTER_STATUS_BUSY = 8,
  MATTER_STATUS_TIMEOUT = 9,
  MATTER_STATUS_CONTINUE = 10,
  MATTER_STATUS_ABORTED = 11,
  MATTER_STATUS_INVALID_ARGUMENT = 12,
  MATTER_STATUS_NOT_FOUND = 13,
  MATTER_STATUS_ALREADY_EXISTS = 14,
  MATTER_STATUS_PERMISSION_DENIED = 15,
  MATTER_STATUS_DATA_LOSS = 16,
  MATTER_STATUS_MESSAGE_TOO_LARGE = 17,
} MatterStatusGeneralCode;

/* Table 18, "Secure Channel Protocol Codes", with the general code each
 * goes with. */
typedef enum {
  MATTER_SC_STATUS_SESSION_ESTABLISHMENT_SUCCESS = 0x0000, /* SUCCESS, unencrypted */
  MATTER_SC_STATUS_NO_SHARED_TRUST_ROOTS = 0x0001,         /* FAILURE, unencrypted */
  MATTER_SC_STATUS_INVALID_PARAMETER = 0x0002,             /* FAILURE, unencrypted */
  MATTER_SC_STATUS_CLOSE_SESSION = 0x0003,                 /* SUCCESS, encrypted only */
  MATTER_SC_STATUS_BUSY = 0x0004,                          /* BUSY, unencrypted, 2 bytes of data */
} MatterScStatusCode;

/* GeneralCode, ProtocolId and ProtocolCode. */
#define MATTER_STATUS_REPORT_MIN_LEN 8
/* A Secure Channel BUSY report: the fixed part and the 16-bit wait. */
#define MATTER_STATUS_REPORT_BUSY_LEN (MATTER_STATUS_REPORT_MIN_LEN + 2)

typedef struct {
  uint16_t general_code; /* MatterStatusGeneralCode */
  uint32_t protocol_id;  /* vendor id << 16 | protocol number */
  uint16_t protocol_code;
  /* ProtocolData: decoding points it into the input; NULL when empty. */
  const uint8_t *data;
  size_t data_len;
} MatterStatusReport;

/* MATTER_ERROR_BUFFER_TOO_SMALL when it does not fit @size. */
MatterError matter_status_report_encode(const MatterStatusReport *report, uint8_t *out, size_t size,
                                        size_t *len);
/* MATTER_ERROR_TRUNCATED when @len is below MATTER_STATUS_REPORT_MIN_LEN;
 * everything after the fixed part is ProtocolData. */
MatterError matter_status_report_decode(const uint8_t *buf, size_t len, MatterStatusReport *report);

/* A Secure Channel report without data, e.g. (FAILURE, INVALID_PARAMETER)
 * or (SUCCESS, SESSION_ESTABLISHMENT_SUCCESS). */
MatterError matter_status_report_encode_sc(uint16_t general_code, uint16_t protocol_code,
                                           uint8_t *out, size_t size, size_t *len);
/* True when @report is the Secure Channel report (@general_code,
 * @protocol_code), whatever its data. */
bool matter_status_report_is_sc(const MatterStatusReport *report, uint16_t general_code,
                                uint16_t protocol_code);

/* StatusReport(BUSY, SECURE_CHANNEL, BUSY) with the minimum time to wait
 * before retrying, in milliseconds, as ProtocolData (4.10.1.5). It answers
 * only a Sigma1 or PBKDFParamRequest; the caller sends it with the R and S
 * flags clear, in the request's exchange. */
MatterError matter_status_report_encode_busy(uint16_t wait_ms, uint8_t *out, size_t size,
                                             size_t *len);
/* The wait a BUSY report asks for; MATTER_ERROR_INVALID_ARGUMENT when
 * @report is not a Secure Channel BUSY report with 2 bytes of data. */
MatterError matter_status_report_get_busy_wait(const MatterStatusReport *report, uint16_t *wait_ms);

/* ---- Session parameters ---------------------------------------------- */

/* The fields of session-parameter-struct and their context tags. Every
 * field is optional on the wire (peers before Matter 1.3 send only the
 * first three, or nothing); `present` says which were there. The defaults
 * that apply to a missing field are the MRP and Interaction Model layers'
 * business. */
#define MATTER_SESSION_PARAM_IDLE_INTERVAL (1u << 1)         /* [1] uint32, ms */
#define MATTER_SESSION_PARAM_ACTIVE_INTERVAL (1u << 2)       /* [2] uint32, ms */
#define MATTER_SESSION_PARAM_ACTIVE_THRESHOLD (1u << 3)      /* [3] uint16, ms */
#define MATTER_SESSION_PARAM_DATA_MODEL_REVISION (1u << 4)   /* [4] uint16 */
#define MATTER_SESSION_PARAM_INTERACTION_MODEL_REV (1u << 5) /* [5] uint16 */
#define MATTER_SESSION_PARAM_SPECIFICATION_VERSION (1u << 6) /* [6] uint32 */
#define MATTER_SESSION_PARAM_MAX_PATHS_PER_INVOKE (1u << 7)  /* [7] uint16 */
#define MATTER_SESSION_PARAM_SUPPORTED_TRANSPORTS (1u << 8)  /* [8] bitmap16 */
#define MATTER_SESSION_PARAM_MAX_TCP_MESSAGE_SIZE (1u << 9)  /* [9] uint32 */
#define MATTER_SESSION_PARAM_ALL 0x3FEu

/* SUPPORTED_TRANSPORTS bits (Matter 1.4). */
#define MATTER_SESSION_TRANSPORT_TCP_CLIENT 0x0001u
#define MATTER_SESSION_TRANSPORT_TCP_SERVER 0x0002u

/* The most an encoded session-parameter-struct takes, with a one-byte
 * context tag: control and tag, the nine fields at their widest, end. */
#define MATTER_SESSION_PARAMS_MAX_LEN 47

typedef struct {
  uint16_t present; /* MATTER_SESSION_PARAM_* */
  uint32_t idle_interval_ms;
  uint32_t active_interval_ms;
  uint16_t active_threshold_ms;
  uint16_t data_model_revision;
  uint16_t interaction_model_revision;
  uint32_t specification_version;
  uint16_t max_paths_per_invoke;
  uint16_t supported_transports;
  uint32_t max_tcp_message_size;
} MatterSessionParams;

/* Writes the present fields, in tag order, as a structure with @tag. */
MatterError matter_session_params_encode(MatterTlvWriter *writer, MatterTlvTag tag,
                                         const MatterSessionParams *params);
/* Reads the structure that is @reader's current element; the reader stays
 * on it. Unknown tags are skipped (the spec reserves them for later
 * revisions); a known field of the wrong type or width, or given twice,
 * fails with the reader's error (MATTER_ERROR_TLV_WRONG_TYPE,
 * MATTER_ERROR_TLV_OUT_OF_RANGE, MATTER_ERROR_TLV_BAD_TAG). */
MatterError matter_session_params_decode(const MatterTlvReader *reader,
                                         MatterSessionParams *params);
