/* SPDX-License-Identifier: Apache-2.0 */
#include "matter/securechannel.h"

#include <string.h>

static void
put_le16(uint8_t *p, uint16_t v)
{
  p[0] = (uint8_t) v;
  p[1] = (uint8_t) (v >> 8);
}

static void
put_le32(uint8_t *p, uint32_t v)
{
  put_le16(p, (uint16_t) v);
  put_le16(p + 2, (uint16_t) (v >> 16));
}

static uint16_t
get_le16(const uint8_t *p)
{
  return (uint16_t) (p[0] | p[1] << 8);
}

static uint32_t
get_le32(const uint8_t *p)
{
  return (uint32_t) get_le16(p) | (uint32_t) get_le16(p + 2) << 16;
}

const char *
matter_sc_opcode_name(uint8_t opcode)
{
  switch (opcode) {
  case MATTER_SC_OPCODE_MSG_COUNTER_SYNC_REQ:
    return "MsgCounterSyncReq";
  case MATTER_SC_OPCODE_MSG_COUNTER_SYNC_RSP:
    return "MsgCounterSyncRsp";
  case MATTER_SC_OPCODE_STANDALONE_ACK:
    return "MRP Standalone Acknowledgement";
  case MATTER_SC_OPCODE_PBKDF_PARAM_REQUEST:
    return "PBKDFParamRequest";
  case MATTER_SC_OPCODE_PBKDF_PARAM_RESPONSE:
    return "PBKDFParamResponse";
  case MATTER_SC_OPCODE_PASE_PAKE1:
    return "PASE Pake1";
  case MATTER_SC_OPCODE_PASE_PAKE2:
    return "PASE Pake2";
  case MATTER_SC_OPCODE_PASE_PAKE3:
    return "PASE Pake3";
  case MATTER_SC_OPCODE_CASE_SIGMA1:
    return "CASE Sigma1";
  case MATTER_SC_OPCODE_CASE_SIGMA2:
    return "CASE Sigma2";
  case MATTER_SC_OPCODE_CASE_SIGMA3:
    return "CASE Sigma3";
  case MATTER_SC_OPCODE_CASE_SIGMA2_RESUME:
    return "CASE Sigma2_Resume";
  case MATTER_SC_OPCODE_STATUS_REPORT:
    return "StatusReport";
  default:
    return NULL;
  }
}

/* ---- StatusReport (Appendix D) ------------------------------------- */

MatterError
matter_status_report_encode(const MatterStatusReport *report, uint8_t *out, size_t size,
                            size_t *len)
{
  if (report == NULL || out == NULL || len == NULL ||
      (report->data == NULL && report->data_len > 0))
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (size < MATTER_STATUS_REPORT_MIN_LEN || size - MATTER_STATUS_REPORT_MIN_LEN < report->data_len)
    return MATTER_ERROR_BUFFER_TOO_SMALL;
  put_le16(out, report->general_code);
  put_le32(out + 2, report->protocol_id);
  put_le16(out + 6, report->protocol_code);
  if (report->data_len > 0)
    memmove(out + MATTER_STATUS_REPORT_MIN_LEN, report->data, report->data_len);
  *len = MATTER_STATUS_REPORT_MIN_LEN + report->data_len;
  return MATTER_OK;
}

MatterError
matter_status_report_decode(const uint8_t *buf, size_t len, MatterStatusReport *report)
{
  if ((buf == NULL && len > 0) || report == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (len < MATTER_STATUS_REPORT_MIN_LEN)
    return MATTER_ERROR_TRUNCATED;
  report->general_code = get_le16(buf);
  report->protocol_id = get_le32(buf + 2);
  report->protocol_code = get_le16(buf + 6);
  report->data_len = len - MATTER_STATUS_REPORT_MIN_LEN;
  report->data = report->data_len > 0 ? buf + MATTER_STATUS_REPORT_MIN_LEN : NULL;
  return MATTER_OK;
}

MatterError
matter_status_report_encode_sc(uint16_t general_code, uint16_t protocol_code, uint8_t *out,
                               size_t size, size_t *len)
{
  MatterStatusReport report = {
    .general_code = general_code,
    .protocol_id = MATTER_SC_PROTOCOL_ID,
    .protocol_code = protocol_code,
  };

  return matter_status_report_encode(&report, out, size, len);
}

bool
matter_status_report_is_sc(const MatterStatusReport *report, uint16_t general_code,
                           uint16_t protocol_code)
{
  return report != NULL && report->protocol_id == MATTER_SC_PROTOCOL_ID &&
         report->general_code == general_code && report->protocol_code == protocol_code;
}

MatterError
matter_status_report_encode_busy(uint16_t wait_ms, uint8_t *out, size_t size, size_t *len)
{
  uint8_t wait[2];
  MatterStatusReport report = {
    .general_code = MATTER_STATUS_BUSY,
    .protocol_id = MATTER_SC_PROTOCOL_ID,
    .protocol_code = MATTER_SC_STATUS_BUSY,
    .data = wait,
    .data_len = sizeof(wait),
  };

  /* 4.10.1.5: ProtocolData is the wait as a 16-bit little-endian value. */
  put_le16(wait, wait_ms);
  return matter_status_report_encode(&report, out, size, len);
}

MatterError
matter_status_report_get_busy_wait(const MatterStatusReport *report, uint16_t *wait_ms)
{
  if (report == NULL || wait_ms == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (!matter_status_report_is_sc(report, MATTER_STATUS_BUSY, MATTER_SC_STATUS_BUSY) ||
      report->data == NULL || report->data_len != 2)
    return MATTER_ERROR_INVALID_ARGUMENT;
  *wait_ms = get_le16(report->data);
  return MATTER_OK;
}

/* ---- Session parameters -------------------------------------------- */

/* Context tag and width of each field; the `present` bit is 1 << tag. */
typedef struct {
  uint8_t tag;
  uint8_t width; /* 2 or 4 bytes */
  size_t offset;
} ParamField;

static const ParamField param_fields[] = {
  { 1, 4, offsetof(MatterSessionParams, idle_interval_ms) },
  { 2, 4, offsetof(MatterSessionParams, active_interval_ms) },
  { 3, 2, offsetof(MatterSessionParams, active_threshold_ms) },
  { 4, 2, offsetof(MatterSessionParams, data_model_revision) },
  { 5, 2, offsetof(MatterSessionParams, interaction_model_revision) },
  { 6, 4, offsetof(MatterSessionParams, specification_version) },
  { 7, 2, offsetof(MatterSessionParams, max_paths_per_invoke) },
  { 8, 2, offsetof(MatterSessionParams, supported_transports) },
  { 9, 4, offsetof(MatterSessionParams, max_tcp_message_size) },
};

#define N_PARAM_FIELDS (sizeof(param_fields) / sizeof(param_fields[0]))

static uint32_t
field_get(const MatterSessionParams *params, const ParamField *f)
{
  const uint8_t *p = (const uint8_t *) params + f->offset;
  uint16_t v16;
  uint32_t v32;

  if (f->width == 2) {
    memcpy(&v16, p, sizeof(v16));
    return v16;
  }
  memcpy(&v32, p, sizeof(v32));
  return v32;
}

static void
field_set(MatterSessionParams *params, const ParamField *f, uint32_t value)
{
  uint8_t *p = (uint8_t *) params + f->offset;
  uint16_t v16 = (uint16_t) value;

  if (f->width == 2)
    memcpy(p, &v16, sizeof(v16));
  else
    memcpy(p, &value, sizeof(value));
}

static const ParamField *
field_by_tag(uint32_t tag)
{
  for (size_t i = 0; i < N_PARAM_FIELDS; i++)
    if (param_fields[i].tag == tag)
      return &param_fields[i];
  return NULL;
}

MatterError
matter_session_params_encode(MatterTlvWriter *writer, MatterTlvTag tag,
                             const MatterSessionParams *params)
{
  if (writer == NULL || params == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  matter_tlv_start_structure(writer, tag);
  for (size_t i = 0; i < N_PARAM_FIELDS; i++) {
    const ParamField *f = &param_fields[i];

    if (params->present & (1u << f->tag))
      matter_tlv_put_uint(writer, matter_tlv_tag_context(f->tag), field_get(params, f));
  }
  /* The writer's error sticks: this returns the first one. */
  return matter_tlv_end_container(writer);
}

static MatterError
read_field(const MatterTlvReader *r, const ParamField *f, uint32_t *value)
{
  uint16_t v16;
  MatterError err;

  if (f->width == 4)
    return matter_tlv_get_u32(r, value);
  err = matter_tlv_get_u16(r, &v16);
  *value = v16;
  return err;
}

MatterError
matter_session_params_decode(const MatterTlvReader *reader, MatterSessionParams *params)
{
  MatterTlvReader r;
  MatterSessionParams out = { 0 };
  MatterError err;

  if (reader == NULL || params == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (matter_tlv_get_type(reader) != MATTER_TLV_TYPE_STRUCTURE)
    return MATTER_ERROR_TLV_WRONG_TYPE;
  r = *reader;
  if ((err = matter_tlv_enter(&r)) != MATTER_OK)
    return err;
  while ((err = matter_tlv_next(&r)) == MATTER_OK) {
    MatterTlvTag tag = matter_tlv_get_tag(&r);
    const ParamField *f;
    uint32_t value;

    if (tag.kind != MATTER_TLV_TAG_CONTEXT || (f = field_by_tag(tag.number)) == NULL)
      continue;
    if (out.present & (1u << f->tag))
      return MATTER_ERROR_TLV_BAD_TAG;
    if ((err = read_field(&r, f, &value)) != MATTER_OK)
      return err;
    field_set(&out, f, value);
    out.present |= (uint16_t) (1u << f->tag);
  }
  if (err != MATTER_ERROR_TLV_END)
    return err;
  *params = out;
  return MATTER_OK;
}
