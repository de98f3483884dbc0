/* SPDX-License-Identifier: Apache-2.0 */
/* The node's event log: see event-log.h. */
#include "matter/event-log.h"

#include <string.h>

#include "matter/im.h"

/* ---- Record headers -----------------------------------------------------------
 * Little-endian: length 2, fabric 1, priority 1, endpoint 2, cluster 4,
 * event 4, number 8. */

static void
put_le(uint8_t *p, uint64_t v, size_t n)
{
  for (size_t i = 0; i < n; i++)
    p[i] = (uint8_t) (v >> (8 * i));
}

static uint64_t
get_le(const uint8_t *p, size_t n)
{
  uint64_t v = 0;

  for (size_t i = 0; i < n; i++)
    v |= (uint64_t) p[i] << (8 * i);
  return v;
}

static void
encode_header(uint8_t *h, const MatterEventInfo *info)
{
  put_le(h, info->len, 2);
  h[2] = info->fabric_index;
  h[3] = info->priority;
  put_le(h + 4, info->endpoint, 2);
  put_le(h + 6, info->cluster, 4);
  put_le(h + 10, info->event, 4);
  put_le(h + 14, info->number, 8);
}

static void
decode_header(const uint8_t *h, MatterEventInfo *info)
{
  info->len = (size_t) get_le(h, 2);
  info->fabric_index = h[2];
  info->priority = h[3];
  info->endpoint = (uint16_t) get_le(h + 4, 2);
  info->cluster = (uint32_t) get_le(h + 6, 4);
  info->event = (uint32_t) get_le(h + 10, 4);
  info->number = get_le(h + 14, 8);
}

/* ---- Rings ---------------------------------------------------------------------- */

static size_t
ring_pos(const MatterEventRing *r, size_t pos)
{
  return pos % r->size;
}

static void
ring_write(MatterEventRing *r, size_t pos, const uint8_t *src, size_t n)
{
  for (size_t i = 0; i < n; i++)
    r->buf[ring_pos(r, pos + i)] = src[i];
}

static void
ring_read(const MatterEventRing *r, size_t pos, uint8_t *dst, size_t n)
{
  for (size_t i = 0; i < n; i++)
    dst[i] = r->buf[ring_pos(r, pos + i)];
}

/* The record at @pos: its header, and where the next one starts. */
static size_t
ring_record(const MatterEventRing *r, size_t pos, MatterEventInfo *info)
{
  uint8_t h[MATTER_EVENT_RECORD_HEADER];

  ring_read(r, pos, h, sizeof(h));
  decode_header(h, info);
  info->offset = ring_pos(r, pos + MATTER_EVENT_RECORD_HEADER);
  return ring_pos(r, pos + MATTER_EVENT_RECORD_HEADER + info->len);
}

static void
ring_drop_oldest(MatterEventRing *r)
{
  MatterEventInfo info;
  size_t next = ring_record(r, r->head, &info);

  r->used -= MATTER_EVENT_RECORD_HEADER + info.len;
  r->count--;
  r->head = r->count > 0 ? next : 0;
}

/* Appends one record of @len bytes, dropping the oldest ones to make
 * room. */
static void
ring_push(MatterEventRing *r, const uint8_t *record, size_t len)
{
  while (r->size - r->used < len)
    ring_drop_oldest(r);
  ring_write(r, r->head + r->used, record, len);
  r->used += len;
  r->count++;
}

/* ---- The log -------------------------------------------------------------------- */

MatterError
matter_event_log_init(MatterEventLog *log, const MatterEventBuffer buffers[MATTER_EVENT_PRIORITIES],
                      uint64_t stored_limit, uint64_t step, const MatterEventLogOwner *owner,
                      void *owner_data)
{
  if (log == NULL || buffers == NULL || step == 0)
    return MATTER_ERROR_INVALID_ARGUMENT;
  for (size_t i = 0; i < MATTER_EVENT_PRIORITIES; i++)
    if (buffers[i].buffer == NULL || buffers[i].size <= MATTER_EVENT_RECORD_HEADER)
      return MATTER_ERROR_INVALID_ARGUMENT;
  memset(log, 0, sizeof(*log));
  for (size_t i = 0; i < MATTER_EVENT_PRIORITIES; i++) {
    log->rings[i].buf = buffers[i].buffer;
    log->rings[i].size = buffers[i].size;
  }
  if (owner != NULL)
    log->owner = *owner;
  log->owner_data = owner_data;
  log->step = step;
  /* Nothing is reserved until a new limit is stored; without a store the
   * whole range is this run's. */
  log->next_number = stored_limit;
  log->limit = log->owner.reserve != NULL ? stored_limit : UINT64_MAX;
  return MATTER_OK;
}

/* The next event number, after storing a new limit when the reserved
 * ones are used up. */
static MatterError
take_number(MatterEventLog *log, uint64_t *number)
{
  if (log->next_number == UINT64_MAX)
    return MATTER_ERROR_COUNTER_EXHAUSTED;
  if (log->next_number == log->limit) {
    uint64_t wanted = log->limit > UINT64_MAX - log->step ? UINT64_MAX : log->limit + log->step;

    if (!log->owner.reserve(log->owner_data, wanted))
      return MATTER_ERROR_COUNTER_PERSIST;
    log->limit = wanted;
  }
  *number = log->next_number++;
  return MATTER_OK;
}

/* The event's fields with tag [7]. */
static MatterError
put_fields(MatterTlvWriter *w, const MatterEvent *event)
{
  MatterTlvReader r;

  if (event->encode != NULL)
    return event->encode(event->encode_data, w, matter_tlv_tag_context(7));
  if (event->fields == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  matter_tlv_reader_init(&r, event->fields, event->fields_len);
  if (matter_tlv_next(&r) != MATTER_OK || matter_tlv_get_type(&r) != MATTER_TLV_TYPE_STRUCTURE)
    return MATTER_ERROR_INVALID_ARGUMENT;
  return matter_tlv_put_element(w, matter_tlv_tag_context(7), event->fields, event->fields_len);
}

/* The EventDataIB (an anonymous structure) into @out; its length, or 0
 * with *@err when it cannot be encoded. */
static size_t
encode_event_data(const MatterEventLog *log, const MatterEvent *event, uint64_t number,
                  uint64_t now_ms, uint8_t *out, size_t size, MatterError *err)
{
  MatterImEventData data = {
    .path = { .has_endpoint = true, .endpoint = event->endpoint, .has_cluster = true,
              .cluster = event->cluster, .has_event = true, .event = event->event },
    .event_number = number,
    .priority = event->priority,
  };
  MatterTlvWriter w;
  size_t len = 0;
  uint64_t utc_ms;

  if (log->owner.utc_ms != NULL && log->owner.utc_ms(log->owner_data, &utc_ms)) {
    data.has_epoch_timestamp = true;
    data.epoch_timestamp = utc_ms;
  } else {
    data.has_system_timestamp = true;
    data.system_timestamp = now_ms;
  }
  matter_tlv_writer_init(&w, out, size);
  matter_tlv_start_structure(&w, matter_tlv_tag_anonymous());
  matter_im_put_event_path(&w, matter_tlv_tag_context(0), &data.path);
  matter_tlv_put_uint(&w, matter_tlv_tag_context(1), data.event_number);
  matter_tlv_put_uint(&w, matter_tlv_tag_context(2), data.priority);
  if (data.has_epoch_timestamp)
    matter_tlv_put_uint(&w, matter_tlv_tag_context(3), data.epoch_timestamp);
  else
    matter_tlv_put_uint(&w, matter_tlv_tag_context(4), data.system_timestamp);
  *err = put_fields(&w, event);
  if (*err != MATTER_OK)
    return 0;
  matter_tlv_end_container(&w);
  if (matter_tlv_writer_finish(&w, &len) != MATTER_OK) {
    *err = MATTER_ERROR_BUFFER_TOO_SMALL;
    return 0;
  }
  return len;
}

MatterError
matter_event_log_emit(MatterEventLog *log, const MatterEvent *event, uint64_t now_ms,
                      uint64_t *number)
{
  MatterEventInfo info;
  MatterEventRing *ring;
  MatterError err = MATTER_OK;
  size_t len;

  if (log == NULL || event == NULL || event->priority >= MATTER_EVENT_PRIORITIES)
    return MATTER_ERROR_INVALID_ARGUMENT;
  ring = &log->rings[event->priority];
  /* Encoded with the number it would get, which is taken only once the
   * event is known to fit. */
  len = encode_event_data(log, event, log->next_number, now_ms,
                          log->scratch + MATTER_EVENT_RECORD_HEADER, MATTER_EVENT_DATA_MAX, &err);
  if (len == 0)
    return err == MATTER_ERROR_INVALID_ARGUMENT ? err : MATTER_ERROR_BUFFER_TOO_SMALL;
  if (MATTER_EVENT_RECORD_HEADER + len > ring->size)
    return MATTER_ERROR_BUFFER_TOO_SMALL;
  info = (MatterEventInfo) {
    .endpoint = event->endpoint,
    .cluster = event->cluster,
    .event = event->event,
    .priority = event->priority,
    .fabric_index = event->fabric_index,
    .len = len,
  };
  err = take_number(log, &info.number);
  if (err != MATTER_OK)
    return err;
  encode_header(log->scratch, &info);
  ring_push(ring, log->scratch, MATTER_EVENT_RECORD_HEADER + len);
  if (number != NULL)
    *number = info.number;
  return MATTER_OK;
}

static bool
visible_to(const MatterEventInfo *info, uint8_t fabric_index)
{
  return info->fabric_index == 0 || (info->fabric_index == fabric_index &&
                                     info->fabric_index != MATTER_EVENT_FABRIC_FORGOTTEN);
}

/* In @ring, the first event at or above @min_number that @fabric_index
 * sees: records are in number order within a ring. */
static bool
ring_find(const MatterEventRing *ring, uint64_t min_number, uint8_t fabric_index,
          MatterEventInfo *found)
{
  size_t pos = ring->head;

  for (size_t i = 0; i < ring->count; i++) {
    MatterEventInfo info;

    pos = ring_record(ring, pos, &info);
    if (info.number >= min_number && visible_to(&info, fabric_index)) {
      *found = info;
      return true;
    }
  }
  return false;
}

MatterError
matter_event_log_next(const MatterEventLog *log, uint64_t min_number, uint8_t fabric_index,
                      MatterEventInfo *info)
{
  bool any = false;

  if (log == NULL || info == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  for (size_t i = 0; i < MATTER_EVENT_PRIORITIES; i++) {
    MatterEventInfo candidate;

    if (ring_find(&log->rings[i], min_number, fabric_index, &candidate) &&
        (!any || candidate.number < info->number)) {
      *info = candidate;
      any = true;
    }
  }
  return any ? MATTER_OK : MATTER_ERROR_TLV_END;
}

void
matter_event_log_forget_fabric(MatterEventLog *log, uint8_t fabric_index)
{
  if (log == NULL || fabric_index == 0)
    return;
  for (size_t i = 0; i < MATTER_EVENT_PRIORITIES; i++) {
    MatterEventRing *ring = &log->rings[i];
    size_t pos = ring->head;

    for (size_t n = 0; n < ring->count; n++) {
      MatterEventInfo info;
      size_t next = ring_record(ring, pos, &info);

      /* The header's fabric byte (encode_header()): no fabric is 0xFF. */
      if (info.fabric_index == fabric_index)
        ring->buf[ring_pos(ring, pos + 2)] = MATTER_EVENT_FABRIC_FORGOTTEN;
      pos = next;
    }
  }
}

MatterError
matter_event_log_copy(const MatterEventLog *log, const MatterEventInfo *info, uint8_t *out,
                      size_t size)
{
  if (log == NULL || info == NULL || out == NULL || info->priority >= MATTER_EVENT_PRIORITIES)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (size < info->len)
    return MATTER_ERROR_BUFFER_TOO_SMALL;
  ring_read(&log->rings[info->priority], info->offset, out, info->len);
  return MATTER_OK;
}

uint64_t
matter_event_log_next_number(const MatterEventLog *log)
{
  return log->next_number;
}
