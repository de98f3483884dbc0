/* SPDX-License-Identifier: Apache-2.0 */
/* Interaction Model messages and IBs (Core spec chapter 8): see im.h. */
#include "matter/im.h"

#include <string.h>

#define MALFORMED MATTER_ERROR_IM_MALFORMED

/* ---- Names ------------------------------------------------------------ */

const char *
matter_im_status_name(uint8_t status)
{
  switch (status) {
#define MATTER_IM_STATUS_CASE(name, value) \
  case value:                              \
    return #name;
    MATTER_IM_STATUS_LIST(MATTER_IM_STATUS_CASE)
#undef MATTER_IM_STATUS_CASE
  default:
    return "UNKNOWN";
  }
}

const char *
matter_im_opcode_name(uint8_t opcode)
{
  static const char *const names[] = {
    [MATTER_IM_OPCODE_STATUS_RESPONSE] = "StatusResponse",
    [MATTER_IM_OPCODE_READ_REQUEST] = "ReadRequest",
    [MATTER_IM_OPCODE_SUBSCRIBE_REQUEST] = "SubscribeRequest",
    [MATTER_IM_OPCODE_SUBSCRIBE_RESPONSE] = "SubscribeResponse",
    [MATTER_IM_OPCODE_REPORT_DATA] = "ReportData",
    [MATTER_IM_OPCODE_WRITE_REQUEST] = "WriteRequest",
    [MATTER_IM_OPCODE_WRITE_RESPONSE] = "WriteResponse",
    [MATTER_IM_OPCODE_INVOKE_REQUEST] = "InvokeRequest",
    [MATTER_IM_OPCODE_INVOKE_RESPONSE] = "InvokeResponse",
    [MATTER_IM_OPCODE_TIMED_REQUEST] = "TimedRequest",
  };

  if (opcode < sizeof(names) / sizeof(names[0]) && names[opcode] != NULL)
    return names[opcode];
  return "unknown";
}

/* ---- Reading members ---------------------------------------------------
 * A structure or list is read member by member: each must carry a context
 * tag, none twice; unknown ones are skipped by the caller's switch. */

typedef struct {
  MatterTlvReader *r;
  uint64_t seen; /* tags 0..63 */
  bool seen_high[4];
} Members;

/* Enters the current element, which must be of @type. */
static MatterError
enter(MatterTlvReader *r, MatterTlvType type, Members *m)
{
  if (matter_tlv_get_type(r) != type || matter_tlv_enter(r) != MATTER_OK)
    return MALFORMED;
  memset(m, 0, sizeof(*m));
  m->r = r;
  return MATTER_OK;
}

/* The next member's tag number; MATTER_ERROR_TLV_END at the end, having
 * stepped out of the container. */
static MatterError
next_member(Members *m, unsigned *tag)
{
  MatterError err = matter_tlv_next(m->r);
  MatterTlvTag t;

  if (err == MATTER_ERROR_TLV_END)
    return matter_tlv_exit(m->r) == MATTER_OK ? MATTER_ERROR_TLV_END : MALFORMED;
  if (err != MATTER_OK)
    return MALFORMED;
  t = matter_tlv_get_tag(m->r);
  if (t.kind != MATTER_TLV_TAG_CONTEXT)
    return MALFORMED;
  if (t.number < 64) {
    if (m->seen & (UINT64_C(1) << t.number))
      return MALFORMED;
    m->seen |= UINT64_C(1) << t.number;
  } else if (t.number >= 0xFC) {
    if (m->seen_high[t.number - 0xFC])
      return MALFORMED;
    m->seen_high[t.number - 0xFC] = true;
  }
  *tag = t.number;
  return MATTER_OK;
}

static bool
has(const Members *m, unsigned tag)
{
  return (m->seen & (UINT64_C(1) << tag)) != 0;
}

static MatterError
done(MatterError err)
{
  return err == MATTER_ERROR_TLV_END ? MATTER_OK : err;
}

static MatterError
ok_or_malformed(MatterError err)
{
  return err == MATTER_OK ? MATTER_OK : MALFORMED;
}

static MatterError
get_u8(MatterTlvReader *r, uint8_t *v)
{
  return ok_or_malformed(matter_tlv_get_u8(r, v));
}

static MatterError
get_u16(MatterTlvReader *r, uint16_t *v)
{
  return ok_or_malformed(matter_tlv_get_u16(r, v));
}

static MatterError
get_u32(MatterTlvReader *r, uint32_t *v)
{
  return ok_or_malformed(matter_tlv_get_u32(r, v));
}

static MatterError
get_u64(MatterTlvReader *r, uint64_t *v)
{
  return ok_or_malformed(matter_tlv_get_u64(r, v));
}

static MatterError
get_bool(MatterTlvReader *r, bool *v)
{
  return ok_or_malformed(matter_tlv_get_bool(r, v));
}

/* The current element, whatever it is, as data. */
static MatterError
get_data(MatterTlvReader *r, MatterImData *data)
{
  return ok_or_malformed(matter_tlv_get_element(r, &data->tlv, &data->len));
}

/* InteractionModelRevision is any unsigned value. */
static MatterError
check_revision(MatterTlvReader *r)
{
  uint8_t revision;

  return get_u8(r, &revision);
}

MatterError
matter_im_data_reader(const MatterImData *data, MatterTlvReader *reader)
{
  if (data == NULL || reader == NULL || data->tlv == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  matter_tlv_reader_init(reader, data->tlv, data->len);
  return matter_tlv_next(reader);
}

/* ---- IB decoders: each starts on the IB's element ---------------------- */

static MatterError
decode_status_ib(MatterTlvReader *r, MatterImStatusIB *out)
{
  Members m;
  unsigned tag;
  MatterError err = enter(r, MATTER_TLV_TYPE_STRUCTURE, &m);

  memset(out, 0, sizeof(*out));
  while (err == MATTER_OK && (err = next_member(&m, &tag)) == MATTER_OK) {
    if (tag == 0)
      err = get_u8(r, &out->status);
    else if (tag == 1) {
      out->has_cluster_status = true;
      err = get_u8(r, &out->cluster_status);
    }
  }
  err = done(err);
  return err == MATTER_OK && !has(&m, 0) ? MALFORMED : err;
}

static MatterError
decode_attribute_path(MatterTlvReader *r, MatterImAttributePath *out)
{
  Members m;
  unsigned tag;
  MatterError err = enter(r, MATTER_TLV_TYPE_LIST, &m);

  memset(out, 0, sizeof(*out));
  while (err == MATTER_OK && (err = next_member(&m, &tag)) == MATTER_OK) {
    switch (tag) {
    case 0:
      err = get_bool(r, &out->enable_tag_compression);
      break;
    case 1:
      out->has_node = true;
      err = get_u64(r, &out->node);
      break;
    case 2:
      out->has_endpoint = true;
      err = get_u16(r, &out->endpoint);
      break;
    case 3:
      out->has_cluster = true;
      err = get_u32(r, &out->cluster);
      break;
    case 4:
      out->has_attribute = true;
      err = get_u32(r, &out->attribute);
      break;
    case 5:
      if (matter_tlv_get_type(r) == MATTER_TLV_TYPE_NULL) {
        out->list_index_kind = MATTER_IM_LIST_INDEX_APPEND;
      } else {
        out->list_index_kind = MATTER_IM_LIST_INDEX_ITEM;
        err = get_u16(r, &out->list_index);
      }
      break;
    case 6:
      out->has_wildcard_flags = true;
      err = get_u32(r, &out->wildcard_flags);
      break;
    default:
      break;
    }
  }
  return done(err);
}

static MatterError
decode_event_path(MatterTlvReader *r, MatterImEventPath *out)
{
  Members m;
  unsigned tag;
  MatterError err = enter(r, MATTER_TLV_TYPE_LIST, &m);

  memset(out, 0, sizeof(*out));
  while (err == MATTER_OK && (err = next_member(&m, &tag)) == MATTER_OK) {
    switch (tag) {
    case 0:
      out->has_node = true;
      err = get_u64(r, &out->node);
      break;
    case 1:
      out->has_endpoint = true;
      err = get_u16(r, &out->endpoint);
      break;
    case 2:
      out->has_cluster = true;
      err = get_u32(r, &out->cluster);
      break;
    case 3:
      out->has_event = true;
      err = get_u32(r, &out->event);
      break;
    case 4:
      err = get_bool(r, &out->is_urgent);
      break;
    default:
      break;
    }
  }
  return done(err);
}

static MatterError
decode_cluster_path(MatterTlvReader *r, MatterImClusterPath *out)
{
  Members m;
  unsigned tag;
  MatterError err = enter(r, MATTER_TLV_TYPE_LIST, &m);

  memset(out, 0, sizeof(*out));
  while (err == MATTER_OK && (err = next_member(&m, &tag)) == MATTER_OK) {
    switch (tag) {
    case 0:
      out->has_node = true;
      err = get_u64(r, &out->node);
      break;
    case 1:
      out->has_endpoint = true;
      err = get_u16(r, &out->endpoint);
      break;
    case 2:
      out->has_cluster = true;
      err = get_u32(r, &out->cluster);
      break;
    default:
      break;
    }
  }
  return done(err);
}

static MatterError
decode_command_path(MatterTlvReader *r, MatterImCommandPath *out)
{
  Members m;
  unsigned tag;
  MatterError err = enter(r, MATTER_TLV_TYPE_LIST, &m);

  memset(out, 0, sizeof(*out));
  while (err == MATTER_OK && (err = next_member(&m, &tag)) == MATTER_OK) {
    switch (tag) {
    case 0:
      out->has_endpoint = true;
      err = get_u16(r, &out->endpoint);
      break;
    case 1:
      err = get_u32(r, &out->cluster);
      break;
    case 2:
      err = get_u32(r, &out->command);
      break;
    default:
      break;
    }
  }
  err = done(err);
  return err == MATTER_OK && (!has(&m, 1) || !has(&m, 2)) ? MALFORMED : err;
}

static MatterError
decode_data_version_filter(MatterTlvReader *r, MatterImDataVersionFilter *out)
{
  Members m;
  unsigned tag;
  MatterError err = enter(r, MATTER_TLV_TYPE_STRUCTURE, &m);

  memset(out, 0, sizeof(*out));
  while (err == MATTER_OK && (err = next_member(&m, &tag)) == MATTER_OK) {
    if (tag == 0)
      err = decode_cluster_path(r, &out->path);
    else if (tag == 1)
      err = get_u32(r, &out->data_version);
  }
  err = done(err);
  if (err == MATTER_OK &&
      (!has(&m, 0) || !has(&m, 1) || !out->path.has_endpoint || !out->path.has_cluster))
    return MALFORMED;
  return err;
}

static MatterError
decode_event_filter(MatterTlvReader *r, MatterImEventFilter *out)
{
  Members m;
  unsigned tag;
  MatterError err = enter(r, MATTER_TLV_TYPE_STRUCTURE, &m);

  memset(out, 0, sizeof(*out));
  while (err == MATTER_OK && (err = next_member(&m, &tag)) == MATTER_OK) {
    if (tag == 0) {
      out->has_node = true;
      err = get_u64(r, &out->node);
    } else if (tag == 1) {
      err = get_u64(r, &out->event_min);
    }
  }
  err = done(err);
  return err == MATTER_OK && !has(&m, 1) ? MALFORMED : err;
}

static MatterError
decode_attribute_data(MatterTlvReader *r, MatterImAttributeData *out)
{
  Members m;
  unsigned tag;
  MatterError err = enter(r, MATTER_TLV_TYPE_STRUCTURE, &m);

  memset(out, 0, sizeof(*out));
  while (err == MATTER_OK && (err = next_member(&m, &tag)) == MATTER_OK) {
    switch (tag) {
    case 0:
      out->has_data_version = true;
      err = get_u32(r, &out->data_version);
      break;
    case 1:
      err = decode_attribute_path(r, &out->path);
      break;
    case 2:
      err = get_data(r, &out->data);
      break;
    default:
      break;
    }
  }
  err = done(err);
  return err == MATTER_OK && (!has(&m, 1) || !has(&m, 2)) ? MALFORMED : err;
}

static MatterError
decode_attribute_status(MatterTlvReader *r, MatterImAttributeStatus *out)
{
  Members m;
  unsigned tag;
  MatterError err = enter(r, MATTER_TLV_TYPE_STRUCTURE, &m);

  memset(out, 0, sizeof(*out));
  while (err == MATTER_OK && (err = next_member(&m, &tag)) == MATTER_OK) {
    if (tag == 0)
      err = decode_attribute_path(r, &out->path);
    else if (tag == 1)
      err = decode_status_ib(r, &out->status);
  }
  err = done(err);
  return err == MATTER_OK && (!has(&m, 0) || !has(&m, 1)) ? MALFORMED : err;
}

static MatterError
decode_attribute_report(MatterTlvReader *r, MatterImAttributeReport *out)
{
  Members m;
  unsigned tag;
  MatterError err = enter(r, MATTER_TLV_TYPE_STRUCTURE, &m);

  memset(out, 0, sizeof(*out));
  while (err == MATTER_OK && (err = next_member(&m, &tag)) == MATTER_OK) {
    if (tag == 0) {
      out->is_status = true;
      err = decode_attribute_status(r, &out->status);
    } else if (tag == 1) {
      err = decode_attribute_data(r, &out->data);
    }
  }
  err = done(err);
  return err == MATTER_OK && has(&m, 0) == has(&m, 1) ? MALFORMED : err;
}

static MatterError
decode_event_data(MatterTlvReader *r, MatterImEventData *out)
{
  Members m;
  unsigned tag;
  MatterError err = enter(r, MATTER_TLV_TYPE_STRUCTURE, &m);

  memset(out, 0, sizeof(*out));
  while (err == MATTER_OK && (err = next_member(&m, &tag)) == MATTER_OK) {
    switch (tag) {
    case 0:
      err = decode_event_path(r, &out->path);
      break;
    case 1:
      err = get_u64(r, &out->event_number);
      break;
    case 2:
      err = get_u8(r, &out->priority);
      break;
    case 3:
      out->has_epoch_timestamp = true;
      err = get_u64(r, &out->epoch_timestamp);
      break;
    case 4:
      out->has_system_timestamp = true;
      err = get_u64(r, &out->system_timestamp);
      break;
    case 5:
      out->has_delta_epoch_timestamp = true;
      err = get_u64(r, &out->delta_epoch_timestamp);
      break;
    case 6:
      out->has_delta_system_timestamp = true;
      err = get_u64(r, &out->delta_system_timestamp);
      break;
    case 7:
      err = get_data(r, &out->data);
      break;
    default:
      break;
    }
  }
  err = done(err);
  return err == MATTER_OK && (!has(&m, 0) || !has(&m, 1) || !has(&m, 2) || !has(&m, 7))
           ? MALFORMED
           : err;
}

static MatterError
decode_event_status(MatterTlvReader *r, MatterImEventReport *out)
{
  Members m;
  unsigned tag;
  MatterError err = enter(r, MATTER_TLV_TYPE_STRUCTURE, &m);

  while (err == MATTER_OK && (err = next_member(&m, &tag)) == MATTER_OK) {
    if (tag == 0)
      err = decode_event_path(r, &out->status_path);
    else if (tag == 1)
      err = decode_status_ib(r, &out->status);
  }
  err = done(err);
  return err == MATTER_OK && (!has(&m, 0) || !has(&m, 1)) ? MALFORMED : err;
}

static MatterError
decode_event_report(MatterTlvReader *r, MatterImEventReport *out)
{
  Members m;
  unsigned tag;
  MatterError err = enter(r, MATTER_TLV_TYPE_STRUCTURE, &m);

  memset(out, 0, sizeof(*out));
  while (err == MATTER_OK && (err = next_member(&m, &tag)) == MATTER_OK) {
    if (tag == 0) {
      out->is_status = true;
      err = decode_event_status(r, out);
    } else if (tag == 1) {
      err = decode_event_data(r, &out->data);
    }
  }
  err = done(err);
  return err == MATTER_OK && has(&m, 0) == has(&m, 1) ? MALFORMED : err;
}

static MatterError
decode_command_data(MatterTlvReader *r, MatterImCommandData *out)
{
  Members m;
  unsigned tag;
  MatterError err = enter(r, MATTER_TLV_TYPE_STRUCTURE, &m);

  memset(out, 0, sizeof(*out));
  while (err == MATTER_OK && (err = next_member(&m, &tag)) == MATTER_OK) {
    switch (tag) {
    case 0:
      err = decode_command_path(r, &out->path);
      break;
    case 1:
      out->has_fields = true;
      err = matter_tlv_get_type(r) == MATTER_TLV_TYPE_STRUCTURE ? get_data(r, &out->fields)
                                                                : MALFORMED;
      break;
    case 2:
      out->has_ref = true;
      err = get_u16(r, &out->ref);
      break;
    default:
      break;
    }
  }
  err = done(err);
  return err == MATTER_OK && !has(&m, 0) ? MALFORMED : err;
}

static MatterError
decode_command_status(MatterTlvReader *r, MatterImInvokeResponse *out)
{
  Members m;
  unsigned tag;
  MatterError err = enter(r, MATTER_TLV_TYPE_STRUCTURE, &m);

  while (err == MATTER_OK && (err = next_member(&m, &tag)) == MATTER_OK) {
    switch (tag) {
    case 0:
      err = decode_command_path(r, &out->status_path);
      break;
    case 1:
      err = decode_status_ib(r, &out->status);
      break;
    case 2:
      out->has_ref = true;
      err = get_u16(r, &out->ref);
      break;
    default:
      break;
    }
  }
  err = done(err);
  return err == MATTER_OK && (!has(&m, 0) || !has(&m, 1)) ? MALFORMED : err;
}

static MatterError
decode_invoke_response(MatterTlvReader *r, MatterImInvokeResponse *out)
{
  Members m;
  unsigned tag;
  MatterError err = enter(r, MATTER_TLV_TYPE_STRUCTURE, &m);

  memset(out, 0, sizeof(*out));
  while (err == MATTER_OK && (err = next_member(&m, &tag)) == MATTER_OK) {
    if (tag == 0) {
      err = decode_command_data(r, &out->command);
    } else if (tag == 1) {
      out->is_status = true;
      err = decode_command_status(r, out);
    }
  }
  err = done(err);
  return err == MATTER_OK && has(&m, 0) == has(&m, 1) ? MALFORMED : err;
}

/* ---- Arrays -------------------------------------------------------------- */

typedef MatterError (*DecodeItem)(MatterTlvReader *r, void *item);

/* The IB decoders as array item decoders. */
#define ITEM_DECODER(name, type)                                 \
  static MatterError name##_item(MatterTlvReader *r, void *item) \
  {                                                              \
    return name(r, (type *) item);                               \
  }
ITEM_DECODER(decode_attribute_path, MatterImAttributePath)
ITEM_DECODER(decode_event_path, MatterImEventPath)
ITEM_DECODER(decode_event_filter, MatterImEventFilter)
ITEM_DECODER(decode_data_version_filter, MatterImDataVersionFilter)
ITEM_DECODER(decode_attribute_data, MatterImAttributeData)
ITEM_DECODER(decode_attribute_status, MatterImAttributeStatus)
ITEM_DECODER(decode_attribute_report, MatterImAttributeReport)
ITEM_DECODER(decode_event_report, MatterImEventReport)
ITEM_DECODER(decode_command_data, MatterImCommandData)
ITEM_DECODER(decode_invoke_response, MatterImInvokeResponse)
#undef ITEM_DECODER

/* Checks every item of the array the reader is on with @decode, keeping
 * an iterator at its start in @iter; *@count (may be NULL) items. */
static MatterError
check_array(MatterTlvReader *r, DecodeItem decode, void *scratch, MatterImIter *iter,
            size_t *count)
{
  MatterError err;
  size_t n = 0;

  if (matter_tlv_get_type(r) != MATTER_TLV_TYPE_ARRAY || matter_tlv_enter(r) != MATTER_OK)
    return MALFORMED;
  iter->reader = *r;
  iter->present = true;
  while ((err = matter_tlv_next(r)) == MATTER_OK) {
    err = decode(r, scratch);
    if (err != MATTER_OK)
      return err;
    n++;
  }
  if (err != MATTER_ERROR_TLV_END || matter_tlv_exit(r) != MATTER_OK)
    return MALFORMED;
  if (count != NULL)
    *count = n;
  return MATTER_OK;
}

static MatterError
iter_next(MatterImIter *iter, DecodeItem decode, void *item)
{
  MatterError err;

  if (iter == NULL || item == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (!iter->present)
    return MATTER_ERROR_TLV_END;
  err = matter_tlv_next(&iter->reader);
  if (err != MATTER_OK)
    return err == MATTER_ERROR_TLV_END ? err : MALFORMED;
  return decode(&iter->reader, item);
}

MatterError
matter_im_next_attribute_data(MatterImIter *iter, MatterImAttributeData *item)
{
  return iter_next(iter, decode_attribute_data_item, item);
}

MatterError
matter_im_next_attribute_report(MatterImIter *iter, MatterImAttributeReport *item)
{
  return iter_next(iter, decode_attribute_report_item, item);
}

MatterError
matter_im_next_attribute_status(MatterImIter *iter, MatterImAttributeStatus *item)
{
  return iter_next(iter, decode_attribute_status_item, item);
}

MatterError
matter_im_next_event_report(MatterImIter *iter, MatterImEventReport *item)
{
  return iter_next(iter, decode_event_report_item, item);
}

MatterError
matter_im_next_command_data(MatterImIter *iter, MatterImCommandData *item)
{
  return iter_next(iter, decode_command_data_item, item);
}

MatterError
matter_im_next_invoke_response(MatterImIter *iter, MatterImInvokeResponse *item)
{
  return iter_next(iter, decode_invoke_response_item, item);
}

/* Decodes an array into @items (@size bytes each) up to @capacity; past
 * it, MATTER_ERROR_IM_TOO_MANY_PATHS, or with @drop the rest are checked
 * and dropped (*@dropped set). */
static MatterError
decode_array_into(MatterTlvReader *r, DecodeItem decode, void *items, size_t size,
                  size_t capacity, size_t *count, bool drop, bool *dropped)
{
  uint8_t scratch[sizeof(MatterImAttributePath) > sizeof(MatterImDataVersionFilter)
                    ? sizeof(MatterImAttributePath)
                    : sizeof(MatterImDataVersionFilter)];
  MatterError err;

  if (matter_tlv_get_type(r) != MATTER_TLV_TYPE_ARRAY || matter_tlv_enter(r) != MATTER_OK)
    return MALFORMED;
  *count = 0;
  while ((err = matter_tlv_next(r)) == MATTER_OK) {
    bool room = *count < capacity;

    if (!room && !drop)
      return MATTER_ERROR_IM_TOO_MANY_PATHS;
    err = decode(r, room ? (uint8_t *) items + *count * size : scratch);
    if (err != MATTER_OK)
      return err;
    if (room)
      (*count)++;
    else
      *dropped = true;
  }
  if (err != MATTER_ERROR_TLV_END || matter_tlv_exit(r) != MATTER_OK)
    return MALFORMED;
  return MATTER_OK;
}

/* ---- Messages ------------------------------------------------------------ */

static MatterError
enter_message(MatterTlvReader *r, const uint8_t *buf, size_t len, Members *m)
{
  if (buf == NULL || m == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (matter_tlv_enter_top_structure(r, buf, len, MALFORMED, MALFORMED) != MATTER_OK)
    return MALFORMED;
  memset(m, 0, sizeof(*m));
  m->r = r;
  return MATTER_OK;
}

/* After the message's members: the top-level structure must be all. */
static MatterError
message_done(MatterTlvReader *r, MatterError err)
{
  if (err != MATTER_ERROR_TLV_END)
    return err;
  return matter_tlv_next(r) == MATTER_ERROR_TLV_END ? MATTER_OK : MALFORMED;
}

/* The path lists shared by Read [0] [1] [2] [3] [4] and Subscribe
 * [3] [4] [5] [7] [8] requests; @base is the first of the five tags, and
 * FabricFiltered sits at @fabric_tag. */
static MatterError
path_request_member(MatterTlvReader *r, unsigned tag, unsigned base, unsigned fabric_tag,
                    MatterImPathRequest *out)
{
  if (tag == base) {
    out->has_attribute_requests = true;
    return decode_array_into(r, decode_attribute_path_item, out->attribute_paths,
                             sizeof(out->attribute_paths[0]), MATTER_IM_REQUEST_PATHS_MAX,
                             &out->attribute_path_count, false, NULL);
  }
  if (tag == base + 1) {
    out->has_event_requests = true;
    return decode_array_into(r, decode_event_path_item, out->event_paths,
                             sizeof(out->event_paths[0]), MATTER_IM_REQUEST_PATHS_MAX,
                             &out->event_path_count, false, NULL);
  }
  if (tag == base + 2)
    return decode_array_into(r, decode_event_filter_item, out->event_filters,
                             sizeof(out->event_filters[0]), MATTER_IM_EVENT_FILTERS_MAX,
                             &out->event_filter_count, false, NULL);
  if (tag == fabric_tag)
    return get_bool(r, &out->fabric_filtered);
  if (tag == fabric_tag + 1)
    return decode_array_into(r, decode_data_version_filter_item,
                             out->data_version_filters, sizeof(out->data_version_filters[0]),
                             MATTER_IM_DATA_VERSION_FILTERS_MAX, &out->data_version_filter_count,
                             true, &out->data_version_filters_dropped);
  return MATTER_OK;
}

MatterError
matter_im_read_request_decode(const uint8_t *buf, size_t len, MatterImReadRequest *msg)
{
  MatterTlvReader r;
  Members m;
  unsigned tag;
  MatterError err;

  if (msg == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  memset(msg, 0, sizeof(*msg));
  err = enter_message(&r, buf, len, &m);
  while (err == MATTER_OK && (err = next_member(&m, &tag)) == MATTER_OK)
    err = tag == MATTER_IM_TAG_REVISION ? check_revision(&r)
                                        : path_request_member(&r, tag, 0, 3, msg);
  err = message_done(&r, err);
  return err == MATTER_OK && !has(&m, 3) ? MALFORMED : err;
}

MatterError
matter_im_subscribe_request_decode(const uint8_t *buf, size_t len, MatterImSubscribeRequest *msg)
{
  MatterTlvReader r;
  Members m;
  unsigned tag;
  MatterError err;

  if (msg == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  memset(msg, 0, sizeof(*msg));
  err = enter_message(&r, buf, len, &m);
  while (err == MATTER_OK && (err = next_member(&m, &tag)) == MATTER_OK) {
    switch (tag) {
    case 0:
      err = get_bool(&r, &msg->keep_subscriptions);
      break;
    case 1:
      err = get_u16(&r, &msg->min_interval_floor_s);
      break;
    case 2:
      err = get_u16(&r, &msg->max_interval_ceiling_s);
      break;
    case MATTER_IM_TAG_REVISION:
      err = check_revision(&r);
      break;
    default:
      err = path_request_member(&r, tag, 3, 7, &msg->paths);
      break;
    }
  }
  err = message_done(&r, err);
  if (err == MATTER_OK && (!has(&m, 0) || !has(&m, 1) || !has(&m, 2) || !has(&m, 7)))
    return MALFORMED;
  return err;
}

MatterError
matter_im_subscribe_response_decode(const uint8_t *buf, size_t len, MatterImSubscribeResponse *msg)
{
  MatterTlvReader r;
  Members m;
  unsigned tag;
  MatterError err;

  if (msg == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  memset(msg, 0, sizeof(*msg));
  err = enter_message(&r, buf, len, &m);
  while (err == MATTER_OK && (err = next_member(&m, &tag)) == MATTER_OK) {
    if (tag == 0)
      err = get_u32(&r, &msg->subscription_id);
    else if (tag == 2)
      err = get_u16(&r, &msg->max_interval_s);
    else if (tag == MATTER_IM_TAG_REVISION)
      err = check_revision(&r);
  }
  err = message_done(&r, err);
  return err == MATTER_OK && (!has(&m, 0) || !has(&m, 2)) ? MALFORMED : err;
}

/* ---- Subscription records ------------------------------------------------ */

#define RECORD_PATHS_BASE 10
#define RECORD_FABRIC_FILTERED 13

static MatterError
get_peer_address_bytes(MatterTlvReader *r, MatterPeerAddress *address)
{
  const uint8_t *bytes;
  size_t n;

  if (matter_tlv_get_bytes(r, &bytes, &n) != MATTER_OK || n > sizeof(address->bytes))
    return MALFORMED;
  memcpy(address->bytes, bytes, n);
  address->len = (uint8_t) n;
  return MATTER_OK;
}

static MatterError
get_transport(MatterTlvReader *r, MatterTransport *transport)
{
  uint8_t v;
  MatterError err = get_u8(r, &v);

  if (err != MATTER_OK || v > MATTER_TRANSPORT_BLE)
    return MALFORMED;
  *transport = (MatterTransport) v;
  return MATTER_OK;
}

static MatterError
record_member(MatterTlvReader *r, unsigned tag, MatterImSubscriptionRecord *record)
{
  switch (tag) {
  case 0:
    return get_u8(r, &record->fabric_index);
  case 1:
    return get_u64(r, &record->peer_node_id);
  case 2:
    return get_u32(r, &record->subscription_id);
  case 3:
    return get_u16(r, &record->min_interval_s);
  case 4:
    return get_u16(r, &record->max_interval_s);
  case 5:
    return get_transport(r, &record->peer_address.transport);
  case 6:
    return get_peer_address_bytes(r, &record->peer_address);
  case MATTER_IM_TAG_REVISION:
    return check_revision(r);
  default:
    return path_request_member(r, tag, RECORD_PATHS_BASE, RECORD_FABRIC_FILTERED,
                               &record->paths);
  }
}

MatterError
matter_im_subscription_record_decode(const uint8_t *buf, size_t len,
                                     MatterImSubscriptionRecord *record)
{
  MatterTlvReader r;
  Members m;
  unsigned tag;
  MatterError err;

  if (record == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  memset(record, 0, sizeof(*record));
  err = enter_message(&r, buf, len, &m);
  while (err == MATTER_OK && (err = next_member(&m, &tag)) == MATTER_OK)
    err = record_member(&r, tag, record);
  err = message_done(&r, err);
  if (err != MATTER_OK)
    return err;
  for (unsigned t = 0; t <= 6; t++)
    if (!has(&m, t))
      return MALFORMED;
  if (record->fabric_index == 0 || record->subscription_id == 0 ||
      record->min_interval_s > record->max_interval_s ||
      (record->paths.attribute_path_count == 0 && record->paths.event_path_count == 0))
    return MALFORMED;
  return MATTER_OK;
}

MatterError
matter_im_report_data_decode(const uint8_t *buf, size_t len, MatterImReportData *msg)
{
  MatterImAttributeReport attribute;
  MatterImEventReport event;
  MatterTlvReader r;
  Members m;
  unsigned tag;
  MatterError err;

  if (msg == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  memset(msg, 0, sizeof(*msg));
  err = enter_message(&r, buf, len, &m);
  while (err == MATTER_OK && (err = next_member(&m, &tag)) == MATTER_OK) {
    switch (tag) {
    case 0:
      msg->has_subscription_id = true;
      err = get_u32(&r, &msg->subscription_id);
      break;
    case 1:
      err = check_array(&r, decode_attribute_report_item, &attribute,
                        &msg->attribute_reports, NULL);
      break;
    case 2:
      err = check_array(&r, decode_event_report_item, &event, &msg->event_reports, NULL);
      break;
    case 3:
      err = get_bool(&r, &msg->more_chunked_messages);
      break;
    case 4:
      err = get_bool(&r, &msg->suppress_response);
      break;
    case MATTER_IM_TAG_REVISION:
      err = check_revision(&r);
      break;
    default:
      break;
    }
  }
  return message_done(&r, err);
}

MatterError
matter_im_write_request_decode(const uint8_t *buf, size_t len, MatterImWriteRequest *msg)
{
  MatterImAttributeData item;
  MatterTlvReader r;
  Members m;
  unsigned tag;
  MatterError err;

  if (msg == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  memset(msg, 0, sizeof(*msg));
  err = enter_message(&r, buf, len, &m);
  while (err == MATTER_OK && (err = next_member(&m, &tag)) == MATTER_OK) {
    switch (tag) {
    case 0:
      err = get_bool(&r, &msg->suppress_response);
      break;
    case 1:
      err = get_bool(&r, &msg->timed_request);
      break;
    case 2:
      err = check_array(&r, decode_attribute_data_item, &item, &msg->writes, NULL);
      break;
    case 3:
      err = get_bool(&r, &msg->more_chunked_messages);
      break;
    case MATTER_IM_TAG_REVISION:
      err = check_revision(&r);
      break;
    default:
      break;
    }
  }
  err = message_done(&r, err);
  return err == MATTER_OK && !has(&m, 2) ? MALFORMED : err;
}

MatterError
matter_im_write_response_decode(const uint8_t *buf, size_t len, MatterImWriteResponse *msg)
{
  MatterImAttributeStatus item;
  MatterTlvReader r;
  Members m;
  unsigned tag;
  MatterError err;

  if (msg == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  memset(msg, 0, sizeof(*msg));
  err = enter_message(&r, buf, len, &m);
  while (err == MATTER_OK && (err = next_member(&m, &tag)) == MATTER_OK) {
    if (tag == 0)
      err = check_array(&r, decode_attribute_status_item, &item, &msg->responses, NULL);
    else if (tag == MATTER_IM_TAG_REVISION)
      err = check_revision(&r);
  }
  err = message_done(&r, err);
  return err == MATTER_OK && !has(&m, 0) ? MALFORMED : err;
}

MatterError
matter_im_invoke_request_decode(const uint8_t *buf, size_t len, MatterImInvokeRequest *msg)
{
  MatterImCommandData item;
  MatterTlvReader r;
  Members m;
  unsigned tag;
  MatterError err;

  if (msg == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  memset(msg, 0, sizeof(*msg));
  err = enter_message(&r, buf, len, &m);
  while (err == MATTER_OK && (err = next_member(&m, &tag)) == MATTER_OK) {
    switch (tag) {
    case 0:
      err = get_bool(&r, &msg->suppress_response);
      break;
    case 1:
      err = get_bool(&r, &msg->timed_request);
      break;
    case 2:
      err = check_array(&r, decode_command_data_item, &item, &msg->invokes,
                        &msg->invoke_count);
      break;
    case MATTER_IM_TAG_REVISION:
      err = check_revision(&r);
      break;
    default:
      break;
    }
  }
  err = message_done(&r, err);
  return err == MATTER_OK && (!has(&m, 0) || !has(&m, 1) || !has(&m, 2)) ? MALFORMED : err;
}

MatterError
matter_im_invoke_response_decode(const uint8_t *buf, size_t len,
                                 MatterImInvokeResponseMessage *msg)
{
  MatterImInvokeResponse item;
  MatterTlvReader r;
  Members m;
  unsigned tag;
  MatterError err;

  if (msg == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  memset(msg, 0, sizeof(*msg));
  err = enter_message(&r, buf, len, &m);
  while (err == MATTER_OK && (err = next_member(&m, &tag)) == MATTER_OK) {
    switch (tag) {
    case 0:
      err = get_bool(&r, &msg->suppress_response);
      break;
    case 1:
      err = check_array(&r, decode_invoke_response_item, &item, &msg->responses, NULL);
      break;
    case 2:
      err = get_bool(&r, &msg->more_chunked_messages);
      break;
    case MATTER_IM_TAG_REVISION:
      err = check_revision(&r);
      break;
    default:
      break;
    }
  }
  err = message_done(&r, err);
  return err == MATTER_OK && !has(&m, 1) ? MALFORMED : err;
}

/* A message of one required unsigned field [0]. */
static MatterError
decode_single(const uint8_t *buf, size_t len, uint64_t max, uint64_t *value)
{
  MatterTlvReader r;
  Members m;
  unsigned tag;
  MatterError err = enter_message(&r, buf, len, &m);

  while (err == MATTER_OK && (err = next_member(&m, &tag)) == MATTER_OK) {
    if (tag == 0)
      err = get_u64(&r, value);
    else if (tag == MATTER_IM_TAG_REVISION)
      err = check_revision(&r);
  }
  err = message_done(&r, err);
  if (err == MATTER_OK && (!has(&m, 0) || *value > max))
    return MALFORMED;
  return err;
}

MatterError
matter_im_timed_request_decode(const uint8_t *buf, size_t len, uint16_t *timeout_ms)
{
  uint64_t value = 0;
  MatterError err;

  if (timeout_ms == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  err = decode_single(buf, len, UINT16_MAX, &value);
  *timeout_ms = (uint16_t) value;
  return err;
}

MatterError
matter_im_status_response_decode(const uint8_t *buf, size_t len, uint8_t *status)
{
  uint64_t value = 0;
  MatterError err;

  if (status == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  err = decode_single(buf, len, UINT8_MAX, &value);
  *status = (uint8_t) value;
  return err;
}

/* ---- Encoding ------------------------------------------------------------ */

static MatterTlvTag
ctx(uint8_t number)
{
  return matter_tlv_tag_context(number);
}

MatterError
matter_im_put_status_ib(MatterTlvWriter *w, MatterTlvTag tag, const MatterImStatusIB *status)
{
  matter_tlv_start_structure(w, tag);
  matter_tlv_put_uint(w, ctx(0), status->status);
  if (status->has_cluster_status)
    matter_tlv_put_uint(w, ctx(1), status->cluster_status);
  return matter_tlv_end_container(w);
}

MatterError
matter_im_put_attribute_path(MatterTlvWriter *w, MatterTlvTag tag, const MatterImAttributePath *p)
{
  matter_tlv_start_list(w, tag);
  if (p->enable_tag_compression)
    matter_tlv_put_bool(w, ctx(0), true);
  if (p->has_node)
    matter_tlv_put_uint(w, ctx(1), p->node);
  if (p->has_endpoint)
    matter_tlv_put_uint(w, ctx(2), p->endpoint);
  if (p->has_cluster)
    matter_tlv_put_uint(w, ctx(3), p->cluster);
  if (p->has_attribute)
    matter_tlv_put_uint(w, ctx(4), p->attribute);
  if (p->list_index_kind == MATTER_IM_LIST_INDEX_APPEND)
    matter_tlv_put_null(w, ctx(5));
  else if (p->list_index_kind == MATTER_IM_LIST_INDEX_ITEM)
    matter_tlv_put_uint(w, ctx(5), p->list_index);
  if (p->has_wildcard_flags)
    matter_tlv_put_uint(w, ctx(6), p->wildcard_flags);
  return matter_tlv_end_container(w);
}

MatterError
matter_im_put_event_path(MatterTlvWriter *w, MatterTlvTag tag, const MatterImEventPath *p)
{
  matter_tlv_start_list(w, tag);
  if (p->has_node)
    matter_tlv_put_uint(w, ctx(0), p->node);
  if (p->has_endpoint)
    matter_tlv_put_uint(w, ctx(1), p->endpoint);
  if (p->has_cluster)
    matter_tlv_put_uint(w, ctx(2), p->cluster);
  if (p->has_event)
    matter_tlv_put_uint(w, ctx(3), p->event);
  if (p->is_urgent)
    matter_tlv_put_bool(w, ctx(4), true);
  return matter_tlv_end_container(w);
}

MatterError
matter_im_put_cluster_path(MatterTlvWriter *w, MatterTlvTag tag, const MatterImClusterPath *p)
{
  matter_tlv_start_list(w, tag);
  if (p->has_node)
    matter_tlv_put_uint(w, ctx(0), p->node);
  if (p->has_endpoint)
    matter_tlv_put_uint(w, ctx(1), p->endpoint);
  if (p->has_cluster)
    matter_tlv_put_uint(w, ctx(2), p->cluster);
  return matter_tlv_end_container(w);
}

MatterError
matter_im_put_command_path(MatterTlvWriter *w, MatterTlvTag tag, const MatterImCommandPath *p)
{
  matter_tlv_start_list(w, tag);
  if (p->has_endpoint)
    matter_tlv_put_uint(w, ctx(0), p->endpoint);
  matter_tlv_put_uint(w, ctx(1), p->cluster);
  matter_tlv_put_uint(w, ctx(2), p->command);
  return matter_tlv_end_container(w);
}

MatterError
matter_im_put_attribute_status(MatterTlvWriter *w, MatterTlvTag tag,
                               const MatterImAttributeStatus *status)
{
  matter_tlv_start_structure(w, tag);
  matter_im_put_attribute_path(w, ctx(0), &status->path);
  matter_im_put_status_ib(w, ctx(1), &status->status);
  return matter_tlv_end_container(w);
}

MatterError
matter_im_begin_attribute_data(MatterTlvWriter *w, MatterTlvTag tag, bool has_data_version,
                               uint32_t data_version, const MatterImAttributePath *path)
{
  matter_tlv_start_structure(w, tag);
  if (has_data_version)
    matter_tlv_put_uint(w, ctx(0), data_version);
  return matter_im_put_attribute_path(w, ctx(1), path);
}

MatterError
matter_im_end_attribute_data(MatterTlvWriter *w)
{
  return matter_tlv_end_container(w);
}

MatterError
matter_im_put_attribute_data(MatterTlvWriter *w, MatterTlvTag tag,
                             const MatterImAttributeData *item)
{
  matter_im_begin_attribute_data(w, tag, item->has_data_version, item->data_version, &item->path);
  matter_tlv_put_element(w, ctx(MATTER_IM_TAG_DATA), item->data.tlv, item->data.len);
  return matter_im_end_attribute_data(w);
}

MatterError
matter_im_put_event_data(MatterTlvWriter *w, MatterTlvTag tag, const MatterImEventData *item)
{
  matter_tlv_start_structure(w, tag);
  matter_im_put_event_path(w, ctx(0), &item->path);
  matter_tlv_put_uint(w, ctx(1), item->event_number);
  matter_tlv_put_uint(w, ctx(2), item->priority);
  if (item->has_epoch_timestamp)
    matter_tlv_put_uint(w, ctx(3), item->epoch_timestamp);
  if (item->has_system_timestamp)
    matter_tlv_put_uint(w, ctx(4), item->system_timestamp);
  if (item->has_delta_epoch_timestamp)
    matter_tlv_put_uint(w, ctx(5), item->delta_epoch_timestamp);
  if (item->has_delta_system_timestamp)
    matter_tlv_put_uint(w, ctx(6), item->delta_system_timestamp);
  matter_tlv_put_element(w, ctx(7), item->data.tlv, item->data.len);
  return matter_tlv_end_container(w);
}

MatterError
matter_im_put_event_status(MatterTlvWriter *w, MatterTlvTag tag, const MatterImEventPath *path,
                           const MatterImStatusIB *status)
{
  matter_tlv_start_structure(w, tag);
  matter_im_put_event_path(w, ctx(0), path);
  matter_im_put_status_ib(w, ctx(1), status);
  return matter_tlv_end_container(w);
}

MatterError
matter_im_put_command_data(MatterTlvWriter *w, MatterTlvTag tag, const MatterImCommandData *item)
{
  matter_tlv_start_structure(w, tag);
  matter_im_put_command_path(w, ctx(0), &item->path);
  if (item->has_fields)
    matter_tlv_put_element(w, ctx(1), item->fields.tlv, item->fields.len);
  if (item->has_ref)
    matter_tlv_put_uint(w, ctx(2), item->ref);
  return matter_tlv_end_container(w);
}

MatterError
matter_im_put_invoke_response(MatterTlvWriter *w, MatterTlvTag tag,
                              const MatterImInvokeResponse *item)
{
  matter_tlv_start_structure(w, tag);
  if (!item->is_status) {
    matter_im_put_command_data(w, ctx(0), &item->command);
  } else {
    matter_tlv_start_structure(w, ctx(1));
    matter_im_put_command_path(w, ctx(0), &item->status_path);
    matter_im_put_status_ib(w, ctx(1), &item->status);
    if (item->has_ref)
      matter_tlv_put_uint(w, ctx(2), item->ref);
    matter_tlv_end_container(w);
  }
  return matter_tlv_end_container(w);
}

MatterError
matter_im_put_revision(MatterTlvWriter *w)
{
  return matter_tlv_put_uint(w, ctx(MATTER_IM_TAG_REVISION), MATTER_IM_REVISION);
}

/* ---- Whole messages ------------------------------------------------------ */

static void
begin_message(MatterTlvWriter *w, uint8_t *out, size_t size)
{
  matter_tlv_writer_init(w, out, size);
  matter_tlv_start_structure(w, matter_tlv_tag_anonymous());
}

static MatterError
end_message(MatterTlvWriter *w, size_t *len)
{
  matter_im_put_revision(w);
  matter_tlv_end_container(w);
  return matter_tlv_writer_finish(w, len);
}

static void
put_path_request(MatterTlvWriter *w, const MatterImPathRequest *msg, uint8_t base,
                 uint8_t fabric_tag)
{
  if (msg->has_attribute_requests) {
    matter_tlv_start_array(w, ctx(base));
    for (size_t i = 0; i < msg->attribute_path_count; i++)
      matter_im_put_attribute_path(w, matter_tlv_tag_anonymous(), &msg->attribute_paths[i]);
    matter_tlv_end_container(w);
  }
  if (msg->has_event_requests) {
    matter_tlv_start_array(w, ctx(base + 1));
    for (size_t i = 0; i < msg->event_path_count; i++)
      matter_im_put_event_path(w, matter_tlv_tag_anonymous(), &msg->event_paths[i]);
    matter_tlv_end_container(w);
  }
  if (msg->event_filter_count > 0) {
    matter_tlv_start_array(w, ctx(base + 2));
    for (size_t i = 0; i < msg->event_filter_count; i++) {
      matter_tlv_start_structure(w, matter_tlv_tag_anonymous());
      if (msg->event_filters[i].has_node)
        matter_tlv_put_uint(w, ctx(0), msg->event_filters[i].node);
      matter_tlv_put_uint(w, ctx(1), msg->event_filters[i].event_min);
      matter_tlv_end_container(w);
    }
    matter_tlv_end_container(w);
  }
  matter_tlv_put_bool(w, ctx(fabric_tag), msg->fabric_filtered);
  if (msg->data_version_filter_count > 0) {
    matter_tlv_start_array(w, ctx(fabric_tag + 1));
    for (size_t i = 0; i < msg->data_version_filter_count; i++) {
      matter_tlv_start_structure(w, matter_tlv_tag_anonymous());
      matter_im_put_cluster_path(w, ctx(0), &msg->data_version_filters[i].path);
      matter_tlv_put_uint(w, ctx(1), msg->data_version_filters[i].data_version);
      matter_tlv_end_container(w);
    }
    matter_tlv_end_container(w);
  }
}

static bool
path_request_fits(const MatterImPathRequest *msg)
{
  return msg->attribute_path_count <= MATTER_IM_REQUEST_PATHS_MAX &&
         msg->event_path_count <= MATTER_IM_REQUEST_PATHS_MAX &&
         msg->event_filter_count <= MATTER_IM_EVENT_FILTERS_MAX &&
         msg->data_version_filter_count <= MATTER_IM_DATA_VERSION_FILTERS_MAX;
}

MatterError
matter_im_read_request_encode(const MatterImReadRequest *msg, uint8_t *out, size_t size,
                              size_t *len)
{
  MatterTlvWriter w;

  if (msg == NULL || out == NULL || len == NULL || !path_request_fits(msg))
    return MATTER_ERROR_INVALID_ARGUMENT;
  begin_message(&w, out, size);
  put_path_request(&w, msg, 0, 3);
  return end_message(&w, len);
}

MatterError
matter_im_subscribe_request_encode(const MatterImSubscribeRequest *msg, uint8_t *out, size_t size,
                                   size_t *len)
{
  MatterTlvWriter w;

  if (msg == NULL || out == NULL || len == NULL || !path_request_fits(&msg->paths))
    return MATTER_ERROR_INVALID_ARGUMENT;
  begin_message(&w, out, size);
  matter_tlv_put_bool(&w, ctx(0), msg->keep_subscriptions);
  matter_tlv_put_uint(&w, ctx(1), msg->min_interval_floor_s);
  matter_tlv_put_uint(&w, ctx(2), msg->max_interval_ceiling_s);
  put_path_request(&w, &msg->paths, 3, 7);
  return end_message(&w, len);
}

MatterError
matter_im_subscription_record_encode(const MatterImSubscriptionRecord *record, uint8_t *out,
                                     size_t size, size_t *len)
{
  MatterImPathRequest paths;
  MatterTlvWriter w;

  if (record == NULL || out == NULL || len == NULL || !path_request_fits(&record->paths) ||
      record->peer_address.len > sizeof(record->peer_address.bytes))
    return MATTER_ERROR_INVALID_ARGUMENT;
  /* The filters were for the first priming report only. */
  paths = record->paths;
  paths.event_filter_count = 0;
  paths.data_version_filter_count = 0;
  begin_message(&w, out, size);
  matter_tlv_put_uint(&w, ctx(0), record->fabric_index);
  matter_tlv_put_uint(&w, ctx(1), record->peer_node_id);
  matter_tlv_put_uint(&w, ctx(2), record->subscription_id);
  matter_tlv_put_uint(&w, ctx(3), record->min_interval_s);
  matter_tlv_put_uint(&w, ctx(4), record->max_interval_s);
  matter_tlv_put_uint(&w, ctx(5), (uint64_t) record->peer_address.transport);
  matter_tlv_put_bytes(&w, ctx(6), record->peer_address.bytes, record->peer_address.len);
  put_path_request(&w, &paths, RECORD_PATHS_BASE, RECORD_FABRIC_FILTERED);
  return end_message(&w, len);
}

MatterError
matter_im_subscribe_response_encode(const MatterImSubscribeResponse *msg, uint8_t *out,
                                    size_t size, size_t *len)
{
  MatterTlvWriter w;

  if (msg == NULL || out == NULL || len == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  begin_message(&w, out, size);
  matter_tlv_put_uint(&w, ctx(0), msg->subscription_id);
  matter_tlv_put_uint(&w, ctx(2), msg->max_interval_s);
  return end_message(&w, len);
}

MatterError
matter_im_write_request_encode(bool suppress_response, bool timed_request,
                               const MatterImAttributeData *writes, size_t count,
                               bool more_chunked_messages, uint8_t *out, size_t size, size_t *len)
{
  MatterTlvWriter w;

  if ((writes == NULL && count > 0) || out == NULL || len == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  begin_message(&w, out, size);
  if (suppress_response)
    matter_tlv_put_bool(&w, ctx(0), true);
  matter_tlv_put_bool(&w, ctx(1), timed_request);
  matter_tlv_start_array(&w, ctx(2));
  for (size_t i = 0; i < count; i++)
    matter_im_put_attribute_data(&w, matter_tlv_tag_anonymous(), &writes[i]);
  matter_tlv_end_container(&w);
  if (more_chunked_messages)
    matter_tlv_put_bool(&w, ctx(3), true);
  return end_message(&w, len);
}

MatterError
matter_im_invoke_request_encode(bool suppress_response, bool timed_request,
                                const MatterImCommandData *invokes, size_t count, uint8_t *out,
                                size_t size, size_t *len)
{
  MatterTlvWriter w;

  if ((invokes == NULL && count > 0) || out == NULL || len == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  begin_message(&w, out, size);
  matter_tlv_put_bool(&w, ctx(0), suppress_response);
  matter_tlv_put_bool(&w, ctx(1), timed_request);
  matter_tlv_start_array(&w, ctx(2));
  for (size_t i = 0; i < count; i++)
    matter_im_put_command_data(&w, matter_tlv_tag_anonymous(), &invokes[i]);
  matter_tlv_end_container(&w);
  return end_message(&w, len);
}

static MatterError
encode_single(uint64_t value, uint8_t *out, size_t size, size_t *len)
{
  MatterTlvWriter w;

  if (out == NULL || len == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  begin_message(&w, out, size);
  matter_tlv_put_uint(&w, ctx(0), value);
  return end_message(&w, len);
}

MatterError
matter_im_timed_request_encode(uint16_t timeout_ms, uint8_t *out, size_t size, size_t *len)
{
  return encode_single(timeout_ms, out, size, len);
}

MatterError
matter_im_status_response_encode(uint8_t status, uint8_t *out, size_t size, size_t *len)
{
  return encode_single(status, out, size, len);
}
