/* SPDX-License-Identifier: Apache-2.0 */
/* The Interaction Model engine (Core spec chapter 8): see im-engine.h. */
#include "matter/im-engine.h"

#include <string.h>

#include "matter/crypto.h"

/* Bytes kept back in a report for what closes it: the ends of the
 * attribute and event reports, MoreChunkedMessages or SuppressResponse,
 * the revision, the end. */
#define REPORT_CLOSING 16

static MatterTlvTag
ctx(uint8_t number)
{
  return matter_tlv_tag_context(number);
}

static MatterTlvTag
anon(void)
{
  return matter_tlv_tag_anonymous();
}

/* ---- Who asks, and may they ------------------------------------------------ */

static bool
device_type_of(void *dm, uint16_t endpoint, uint32_t device_type)
{
  return matter_dm_endpoint_has_device_type(dm, endpoint, device_type);
}

static void
subject_of(MatterImEngine *e, const MatterSession *session, MatterAclSubject *subject)
{
  bool commissioning = e->owner.commissioning != NULL &&
                       e->owner.commissioning(e->owner_data, session);

  matter_acl_subject_for_session(session, commissioning, subject);
}

static bool
has_privilege(MatterImEngine *e, const MatterAclSubject *subject, uint16_t endpoint,
              uint32_t cluster, uint8_t privilege)
{
  size_t count = 0;
  const MatterAclEntry *acl = e->owner.acl != NULL ? e->owner.acl(e->owner_data, &count) : NULL;
  MatterAclPrivileges granted =
    matter_acl_granted(acl, count, subject, endpoint, cluster, device_type_of, e->dm);

  return matter_acl_privileges_include(granted, (MatterAclPrivilege) privilege);
}

static void
request_for(MatterImEngine *e, const MatterSession *session, const MatterAclSubject *subject,
            bool fabric_filtered, bool timed, MatterDmRequest *request)
{
  *request = (MatterDmRequest) {
    .session = session,
    .subject = subject,
    .fabric_filtered = fabric_filtered,
    .timed = timed,
    .now_ms = e->now_ms,
    .owner = e->owner_data,
  };
}

/* ---- Sending ---------------------------------------------------------------- */

static MatterError
send_im(MatterImEngine *e, MatterExchange *exchange, uint8_t opcode, const uint8_t *payload,
        size_t len)
{
  return matter_exchange_send(exchange, MATTER_PROTOCOL_INTERACTION_MODEL, opcode, payload, len,
                              MATTER_EXCHANGE_SEND_RELIABLE, e->now_ms);
}

/* A StatusResponse ends the interaction (8.x: errors on the whole
 * request). */
static void
note_refusal(MatterImEngine *e, const MatterSession *session, MatterImAction action,
             uint16_t endpoint, uint32_t cluster, uint32_t id, uint8_t status)
{
  if (status != MATTER_IM_STATUS_SUCCESS && e->owner.refused != NULL)
    e->owner.refused(e->owner_data, session, action, endpoint, cluster, id, status);
}

static void
reply_status(MatterImEngine *e, MatterExchange *exchange, uint8_t status)
{
  uint8_t buf[16];
  size_t len;

  note_refusal(e, exchange->session, MATTER_IM_ACTION_REQUEST, 0, 0, 0, status);
  if (matter_im_status_response_encode(status, buf, sizeof(buf), &len) == MATTER_OK)
    send_im(e, exchange, MATTER_IM_OPCODE_STATUS_RESPONSE, buf, len);
  matter_exchange_close(exchange, e->now_ms);
}

/* ---- Reads ------------------------------------------------------------------ */

typedef enum {
  EMIT_DONE, /* written, or nothing to write */
  EMIT_FULL, /* did not fit: the chunk ends before it */
} Emit;

static void
concrete_path(uint16_t endpoint, uint32_t cluster, uint32_t attribute, MatterImAttributePath *p)
{
  *p = (MatterImAttributePath) {
    .has_endpoint = true,
    .endpoint = endpoint,
    .has_cluster = true,
    .cluster = cluster,
    .has_attribute = true,
    .attribute = attribute,
  };
}

/* One AttributeReportIB holding a status, or EMIT_FULL. */
static Emit
emit_status(MatterTlvWriter *w, const MatterImAttributePath *path, uint8_t status)
{
  MatterImAttributeStatus ib = { .path = *path, .status = { .status = status } };
  MatterTlvWriter checkpoint = *w;

  matter_tlv_start_structure(w, anon());
  matter_im_put_attribute_status(w, ctx(0), &ib);
  if (matter_tlv_end_container(w) != MATTER_OK) {
    *w = checkpoint;
    return EMIT_FULL;
  }
  return EMIT_DONE;
}

/* One AttributeReportIB holding data (an encoded element), or false. */
static bool
put_data_report(MatterTlvWriter *w, const MatterImAttributePath *path, uint32_t data_version,
                const uint8_t *data, size_t len)
{
  MatterTlvWriter checkpoint = *w;

  matter_tlv_start_structure(w, anon());
  matter_im_begin_attribute_data(w, ctx(1), true, data_version, path);
  matter_tlv_put_element(w, ctx(MATTER_IM_TAG_DATA), data, len);
  matter_im_end_attribute_data(w);
  if (matter_tlv_end_container(w) != MATTER_OK) {
    *w = checkpoint;
    return false;
  }
  return true;
}

/* A list replaced by an empty one: the first report of a split list. */
static bool
put_empty_list_report(MatterTlvWriter *w, const MatterImAttributePath *path,
                      uint32_t data_version)
{
  static const uint8_t empty_array[] = { 0x16, 0x18 };

  return put_data_report(w, path, data_version, empty_array, sizeof(empty_array));
}

/* Data version filters (8.4.3.1): a cluster at the version the client
 * already has sends no data. */
static bool
filtered_out(const MatterImReadRequest *req, const MatterDmCluster *c)
{
  for (size_t i = 0; i < req->data_version_filter_count; i++) {
    const MatterImDataVersionFilter *f = &req->data_version_filters[i];

    if (f->path.endpoint == c->endpoint && f->path.cluster == c->cls->id &&
        f->data_version == c->data_version)
      return true;
  }
  return false;
}

/* Encodes the value into the engine's value buffer: SUCCESS with its
 * element, or why not. */
static uint8_t
encode_value(MatterImEngine *e, MatterDmCluster *c, const MatterDmRequest *request,
             uint32_t attribute, size_t *len)
{
  MatterTlvWriter v;
  uint8_t status = MATTER_IM_STATUS_SUCCESS;

  matter_tlv_writer_init(&v, e->value, sizeof(e->value));
  if (matter_dm_is_global(attribute))
    matter_dm_read_global(c, attribute, &v, ctx(MATTER_IM_TAG_DATA));
  else if (c->cls->read != NULL)
    status = c->cls->read(c, request, attribute, &v, ctx(MATTER_IM_TAG_DATA));
  else
    status = MATTER_IM_STATUS_UNSUPPORTED_READ;
  if (status != MATTER_IM_STATUS_SUCCESS)
    return status;
  if (matter_tlv_writer_finish(&v, len) != MATTER_OK)
    return MATTER_IM_STATUS_RESOURCE_EXHAUSTED;
  return MATTER_IM_STATUS_SUCCESS;
}

/* Sends the items of a list one by one as appends after an empty
 * replace, as far as they fit; resumes where the last chunk stopped. */
static Emit
emit_list(MatterImReadHandler *rh, MatterTlvWriter *w, const MatterImAttributePath *path,
          const MatterDmCluster *c, size_t len)
{
  MatterImAttributePath append = *path;
  MatterTlvReader r;
  size_t index = 0;

  if (!rh->list_started || rh->list_data_version != c->data_version) {
    rh->list_started = true;
    rh->list_items_sent = 0;
    rh->list_data_version = c->data_version;
    if (!put_empty_list_report(w, path, c->data_version))
      return EMIT_FULL;
  }
  append.list_index_kind = MATTER_IM_LIST_INDEX_APPEND;
  matter_tlv_reader_init(&r, rh->engine->value, len);
  if (matter_tlv_next(&r) != MATTER_OK || matter_tlv_enter(&r) != MATTER_OK)
    return EMIT_DONE;
  while (matter_tlv_next(&r) == MATTER_OK) {
    const uint8_t *item;
    size_t item_len;

    if (index++ < rh->list_items_sent)
      continue;
    if (matter_tlv_get_element(&r, &item, &item_len) != MATTER_OK)
      break;
    if (!put_data_report(w, &append, c->data_version, item, item_len))
      return EMIT_FULL;
    rh->list_items_sent++;
  }
  rh->list_started = false;
  return EMIT_DONE;
}

/* One concrete path of a read (8.4.3.2): the checks in order, then the
 * value; a wildcard expansion leaves out what fails a check. */
static Emit
emit_attribute(MatterImReadHandler *rh, MatterTlvWriter *w, size_t reports, uint16_t endpoint,
               uint32_t cluster, uint32_t attribute, bool wildcard)
{
  MatterImEngine *e = rh->engine;
  const MatterSession *session = rh->exchange->session;
  MatterImAttributePath path;
  MatterAclSubject subject;
  MatterDmRequest request;
  MatterDmAttribute entry;
  MatterDmCluster *c;
  uint8_t status;
  size_t len = 0;

  /* A subscription's later reports carry changed data only; statuses
   * went with its priming report. */
  bool update = rh->is_subscription && !rh->priming;

  concrete_path(endpoint, cluster, attribute, &path);
  status = matter_dm_attribute_status(e->dm, endpoint, cluster, attribute);
  if (status != MATTER_IM_STATUS_SUCCESS)
    return wildcard || update ? EMIT_DONE : emit_status(w, &path, status);
  c = matter_dm_find_cluster(e->dm, endpoint, cluster);
  matter_dm_find_attribute(c, attribute, &entry);
  if (update && matter_dm_attribute_tick(c, attribute) <= rh->reported_tick)
    return EMIT_DONE;
  subject_of(e, session, &subject);
  if (!has_privilege(e, &subject, endpoint, cluster, entry.read_privilege))
    return wildcard || update ? EMIT_DONE
                              : emit_status(w, &path, MATTER_IM_STATUS_UNSUPPORTED_ACCESS);
  if (!update && filtered_out(&rh->request, c))
    return EMIT_DONE;
  request_for(e, session, &subject, rh->request.fabric_filtered, false, &request);
  status = encode_value(e, c, &request, attribute, &len);
  if (status != MATTER_IM_STATUS_SUCCESS)
    return wildcard || update ? EMIT_DONE : emit_status(w, &path, status);
  if (!rh->list_started && put_data_report(w, &path, c->data_version, e->value, len))
    return EMIT_DONE;
  /* Not in what is left of this message: in the next one, unless it is
   * the first report, which means it fits no message whole. */
  if (reports > 0 && !rh->list_started)
    return EMIT_FULL;
  if (entry.qualities & MATTER_DM_LIST)
    return emit_list(rh, w, &path, c, len);
  return emit_status(w, &path, MATTER_IM_STATUS_RESOURCE_EXHAUSTED);
}

/* The next path of the request to report: concrete or from a wildcard,
 * the pending one first; false when all are done. */
static bool
next_read_path(MatterImReadHandler *rh, uint16_t *endpoint, uint32_t *cluster,
               uint32_t *attribute, bool *wildcard)
{
  while (rh->path_index < rh->request.attribute_path_count) {
    const MatterImAttributePath *req = &rh->request.attribute_paths[rh->path_index];

    if (!rh->iter_started) {
      matter_dm_attribute_iter_init(&rh->iter, req);
      rh->iter_started = true;
    }
    if (matter_dm_attribute_iter_next(&rh->iter, rh->engine->dm, endpoint, cluster, attribute) ==
        MATTER_OK) {
      *wildcard = matter_dm_path_is_wildcard(req);
      return true;
    }
    rh->path_index++;
    rh->iter_started = false;
  }
  return false;
}

/* ---- Events (8.9, 7.14) ------------------------------------------------------- */

static const MatterEventLog *
event_log_of(const MatterImEngine *e)
{
  return e->owner.event_log != NULL ? e->owner.event_log(e->owner_data) : NULL;
}

static bool
event_path_matches(const MatterImEventPath *p, const MatterEventInfo *info)
{
  return (!p->has_endpoint || p->endpoint == info->endpoint) &&
         (!p->has_cluster || p->cluster == info->cluster) &&
         (!p->has_event || p->event == info->event);
}

static bool
event_path_concrete(const MatterImEventPath *p)
{
  return p->has_endpoint && p->has_cluster && p->has_event;
}

/* Whether @session may see @info under one of the request's paths (only
 * urgent ones when @urgent): the path matches, the event is in its
 * cluster's table, and the subject holds the event's read privilege. The
 * log already left out other fabrics' events. */
static bool
event_wanted(MatterImEngine *e, const MatterImReadRequest *req, const MatterSession *session,
             const MatterEventInfo *info, bool urgent)
{
  const MatterDmCluster *c = matter_dm_find_cluster(e->dm, info->endpoint, info->cluster);
  const MatterDmEvent *entry = c != NULL ? matter_dm_find_event(c, info->event) : NULL;
  MatterAclSubject subject;
  bool matched = false;

  for (size_t i = 0; i < req->event_path_count && !matched; i++)
    matched = (!urgent || req->event_paths[i].is_urgent) &&
              event_path_matches(&req->event_paths[i], info);
  if (!matched || entry == NULL)
    return false;
  subject_of(e, session, &subject);
  return has_privilege(e, &subject, info->endpoint, info->cluster, entry->privilege);
}

/* For a concrete event path: SUCCESS, or why it reports nothing. */
static uint8_t
event_path_status(MatterImEngine *e, const MatterSession *session, const MatterImEventPath *p)
{
  uint8_t status = matter_dm_event_status(e->dm, p->endpoint, p->cluster, p->event);
  MatterAclSubject subject;
  const MatterDmEvent *entry;

  if (status != MATTER_IM_STATUS_SUCCESS)
    return status;
  entry = matter_dm_find_event(matter_dm_find_cluster(e->dm, p->endpoint, p->cluster), p->event);
  subject_of(e, session, &subject);
  if (!has_privilege(e, &subject, p->endpoint, p->cluster, entry->privilege))
    return MATTER_IM_STATUS_UNSUPPORTED_ACCESS;
  return MATTER_IM_STATUS_SUCCESS;
}

/* One EventReportIB with an EventStatusIB, or EMIT_FULL. */
static Emit
emit_event_status(MatterTlvWriter *w, const MatterImEventPath *path, uint8_t status)
{
  MatterImEventPath p = *path;
  MatterImStatusIB ib = { .status = status };
  MatterTlvWriter checkpoint = *w;

  p.is_urgent = false;
  matter_tlv_start_structure(w, anon());
  matter_im_put_event_status(w, ctx(MATTER_IM_TAG_EVENT_STATUS), &p, &ib);
  if (matter_tlv_end_container(w) != MATTER_OK) {
    *w = checkpoint;
    return EMIT_FULL;
  }
  return EMIT_DONE;
}

/* One EventReportIB with the EventDataIB in the value buffer, or false. */
static bool
put_event_report(MatterImEngine *e, MatterTlvWriter *w, size_t len)
{
  MatterTlvWriter checkpoint = *w;

  matter_tlv_start_structure(w, anon());
  matter_tlv_put_element(w, ctx(MATTER_IM_TAG_EVENT_DATA), e->value, len);
  if (matter_tlv_end_container(w) != MATTER_OK) {
    *w = checkpoint;
    return false;
  }
  return true;
}

/* The statuses of the concrete event paths that report nothing; a
 * subscription gives them with its priming report only. */
static Emit
emit_event_statuses(MatterImReadHandler *rh, MatterTlvWriter *w, size_t *reports)
{
  const MatterSession *session = rh->exchange->session;

  for (; rh->event_status_index < rh->request.event_path_count; rh->event_status_index++) {
    const MatterImEventPath *p = &rh->request.event_paths[rh->event_status_index];
    uint8_t status;

    if (!event_path_concrete(p))
      continue;
    status = event_path_status(rh->engine, session, p);
    if (status == MATTER_IM_STATUS_SUCCESS)
      continue;
    if (emit_event_status(w, p, status) == EMIT_FULL)
      return EMIT_FULL;
    (*reports)++;
  }
  return EMIT_DONE;
}

/* The events from event_next on, in number order, as far as they fit.
 * One too big for a message by itself is left out rather than retried. */
static Emit
emit_events(MatterImReadHandler *rh, MatterTlvWriter *w, size_t *reports)
{
  MatterImEngine *e = rh->engine;
  const MatterEventLog *log = event_log_of(e);
  const MatterSession *session = rh->exchange->session;
  MatterEventInfo info;

  if (log == NULL)
    return EMIT_DONE;
  while (matter_event_log_next(log, rh->event_next, session->fabric_index, &info) == MATTER_OK) {
    if (event_wanted(e, &rh->request, session, &info, false) &&
        matter_event_log_copy(log, &info, e->value, sizeof(e->value)) == MATTER_OK) {
      if (put_event_report(e, w, info.len))
        (*reports)++;
      else if (*reports > 0)
        return EMIT_FULL;
    }
    rh->event_next = info.number + 1;
  }
  return EMIT_DONE;
}

/* Gives back @n of the *@held bytes kept for the report's closing. */
static void
give_back(MatterTlvWriter *w, size_t *held, size_t n)
{
  matter_tlv_writer_release(w, n);
  *held -= n;
}

/* The EventReports of one ReportData; EMIT_FULL when some are left for
 * the next. The array is left out when it would be empty. */
static Emit
emit_event_reports(MatterImReadHandler *rh, MatterTlvWriter *w, size_t *reports, size_t *held)
{
  MatterTlvWriter checkpoint = *w;
  size_t before = *reports;
  bool update = rh->is_subscription && !rh->priming;
  Emit emit = EMIT_DONE;

  if (matter_tlv_start_array(w, ctx(2)) != MATTER_OK) {
    *w = checkpoint;
    return EMIT_FULL;
  }
  if (!update)
    emit = emit_event_statuses(rh, w, reports);
  if (emit == EMIT_DONE)
    emit = emit_events(rh, w, reports);
  if (*reports == before) {
    *w = checkpoint;
    return emit;
  }
  give_back(w, held, 1);
  matter_tlv_end_container(w);
  return emit;
}

/* Where a request's events start: its largest EventMin for this node
 * (8.9.x: a filter without a node applies to every node). */
static uint64_t
event_min_of(const MatterImReadRequest *req, const MatterSession *session)
{
  uint64_t min = 0;

  for (size_t i = 0; i < req->event_filter_count; i++) {
    const MatterImEventFilter *f = &req->event_filters[i];

    if ((!f->has_node || f->node == session->local_node_id) && f->event_min > min)
      min = f->event_min;
  }
  return min;
}

/* Whether a subscription has an urgent event to report: one logged since
 * its last report under a path that asked for urgency. The others wait
 * for the next report a change or the max interval brings. */
static bool
urgent_event_pending(const MatterImReadHandler *rh)
{
  MatterImEngine *e = rh->engine;
  const MatterEventLog *log = event_log_of(e);
  uint64_t next = rh->event_next;
  MatterEventInfo info;

  if (log == NULL || matter_event_log_next_number(log) <= next)
    return false;
  while (matter_event_log_next(log, next, rh->session->fabric_index, &info) == MATTER_OK) {
    if (event_wanted(e, &rh->request, rh->session, &info, true))
      return true;
    next = info.number + 1;
  }
  return false;
}

/* Fills one ReportData; *@more when paths are left for another. */
static MatterError
build_report(MatterImReadHandler *rh, size_t *len, bool *more)
{
  MatterImEngine *e = rh->engine;
  MatterTlvWriter w;
  size_t reports = 0, held = REPORT_CLOSING;

  *more = false;
  matter_tlv_writer_init(&w, e->message, sizeof(e->message));
  matter_tlv_writer_reserve(&w, REPORT_CLOSING);
  matter_tlv_start_structure(&w, anon());
  if (rh->is_subscription)
    matter_tlv_put_uint(&w, ctx(0), rh->subscription_id);
  if (rh->request.has_attribute_requests) {
    matter_tlv_start_array(&w, ctx(1));
    for (;;) {
      uint16_t endpoint;
      uint32_t cluster, attribute;
      bool wildcard;

      if (rh->has_pending) {
        endpoint = rh->pending_endpoint;
        cluster = rh->pending_cluster;
        attribute = rh->pending_attribute;
        wildcard = rh->pending_wildcard;
        rh->has_pending = false;
      } else if (!next_read_path(rh, &endpoint, &cluster, &attribute, &wildcard)) {
        break;
      }
      size_t before = w.len;

      if (emit_attribute(rh, &w, reports, endpoint, cluster, attribute, wildcard) == EMIT_FULL) {
        rh->has_pending = true;
        rh->pending_endpoint = endpoint;
        rh->pending_cluster = cluster;
        rh->pending_attribute = attribute;
        rh->pending_wildcard = wildcard;
        *more = true;
        break;
      }
      /* Count what went into the message, not what was left out. */
      if (w.len != before)
        reports++;
    }
    give_back(&w, &held, 1);
    matter_tlv_end_container(&w);
  }
  /* Events once the attributes are all in. */
  if (!*more && rh->request.has_event_requests &&
      emit_event_reports(rh, &w, &reports, &held) == EMIT_FULL)
    *more = true;
  give_back(&w, &held, held);
  /* 8.4.x: the last report of a read, and a subscription's report with
   * nothing in it (a keep-alive), ask for no StatusResponse. */
  if (*more)
    matter_tlv_put_bool(&w, ctx(3), true);
  else if (!rh->is_subscription || (!rh->priming && reports == 0))
    matter_tlv_put_bool(&w, ctx(4), true);
  rh->suppressed = !*more && (!rh->is_subscription || (!rh->priming && reports == 0));
  matter_im_put_revision(&w);
  matter_tlv_end_container(&w);
  return matter_tlv_writer_finish(&w, len);
}

static void read_end(MatterImReadHandler *rh);
static void subscription_reported(MatterImReadHandler *rh);

/* Whether an attribute in the subscription's paths changed after what it
 * reported last. */
static bool
attributes_dirty(const MatterImReadHandler *rh)
{
  const MatterDmNode *dm = rh->engine->dm;

  if (dm->tick <= rh->reported_tick)
    return false;
  for (size_t i = 0; i < rh->request.attribute_path_count; i++) {
    MatterDmAttributeIter iter;
    uint16_t endpoint;
    uint32_t cluster, attribute;

    matter_dm_attribute_iter_init(&iter, &rh->request.attribute_paths[i]);
    while (matter_dm_attribute_iter_next(&iter, dm, &endpoint, &cluster, &attribute) == MATTER_OK)
      if (matter_dm_attribute_tick(matter_dm_find_cluster(dm, endpoint, cluster), attribute) >
          rh->reported_tick)
        return true;
  }
  return false;
}

/* Whether the subscription has something to report before its max
 * interval: a change in its attribute paths, or an urgent event. */
static bool
subscription_dirty(const MatterImReadHandler *rh)
{
  return attributes_dirty(rh) || urgent_event_pending(rh);
}

/* Sends the next chunk of the report in progress. A read ends with its
 * last chunk; a subscription's report ends when the last chunk is
 * answered, or at once when it asked for no answer. */
static void
send_report(MatterImReadHandler *rh)
{
  size_t len;
  MatterError err = build_report(rh, &len, &rh->more);

  if (err != MATTER_OK) {
    reply_status(rh->engine, rh->exchange, MATTER_IM_STATUS_FAILURE);
    rh->exchange = NULL;
    read_end(rh);
    return;
  }
  send_im(rh->engine, rh->exchange, MATTER_IM_OPCODE_REPORT_DATA, rh->engine->message, len);
  if (rh->more || !rh->suppressed)
    return;
  matter_exchange_close(rh->exchange, rh->engine->now_ms);
  rh->exchange = NULL;
  if (rh->is_subscription)
    subscription_reported(rh);
  else
    read_end(rh);
}

static void record_of(const MatterImReadHandler *rh, MatterImSubscriptionRecord *record);

/* Ends the read or subscription; the owner hears of an announced
 * subscription's end, @lost when the subscriber stopped answering rather
 * than ended it. */
static void
handler_end(MatterImReadHandler *rh, bool lost)
{
  MatterImEngine *e = rh->engine;
  bool announced = rh->is_subscription && rh->announced;
  MatterImSubscriptionRecord record;

  if (announced)
    record_of(rh, &record);
  if (rh->exchange != NULL)
    matter_exchange_close(rh->exchange, e->now_ms);
  memset(rh, 0, sizeof(*rh));
  rh->engine = e;
  if (!announced)
    return;
  if (lost && e->owner.subscription_lost != NULL)
    e->owner.subscription_lost(e->owner_data, &record, e->now_ms);
  else if (!lost && e->owner.subscription_removed != NULL)
    e->owner.subscription_removed(e->owner_data, &record);
}

static void
read_end(MatterImReadHandler *rh)
{
  handler_end(rh, false);
}

static void
subscription_lost(MatterImReadHandler *rh)
{
  handler_end(rh, true);
}

/* A subscription's report went through: what it covered is reported. */
static void
subscription_reported(MatterImReadHandler *rh)
{
  rh->reported_tick = rh->report_tick;
  rh->last_report_ms = rh->engine->now_ms;
  rh->dirty = subscription_dirty(rh);
  rh->path_index = 0;
  rh->iter_started = false;
  rh->has_pending = false;
  rh->list_started = false;
  rh->event_status_index = 0;
}

/* What the owner keeps of an established subscription to resume it. */
static void
record_of(const MatterImReadHandler *rh, MatterImSubscriptionRecord *record)
{
  *record = (MatterImSubscriptionRecord) {
    .fabric_index = rh->fabric_index,
    .peer_node_id = rh->peer_node_id,
    .subscription_id = rh->subscription_id,
    .min_interval_s = rh->min_interval_s,
    .max_interval_s = rh->max_interval_s,
    .peer_address = rh->peer_address,
    .paths = rh->request,
  };
  record->paths.event_filter_count = 0;
  record->paths.data_version_filter_count = 0;
  record->paths.data_version_filters_dropped = false;
}

/* Only CASE subscriptions can be resumed: the node can reach the peer
 * again by its node id on the fabric, never a PASE peer. */
static void
announce_subscription(MatterImReadHandler *rh)
{
  MatterImEngine *e = rh->engine;
  MatterImSubscriptionRecord record;

  if (rh->session->kind != MATTER_SESSION_KIND_CASE || e->owner.subscription_added == NULL)
    return;
  record_of(rh, &record);
  rh->announced = true;
  e->owner.subscription_added(e->owner_data, &record);
}

/* A resumed subscription's priming report was acknowledged: there is no
 * SubscribeRequest to answer, the exchange the node opened ends here. */
static void
resumed_primed(MatterImReadHandler *rh)
{
  matter_exchange_close(rh->exchange, rh->engine->now_ms);
  rh->exchange = NULL;
  rh->priming = false;
  rh->resumed = false;
  subscription_reported(rh);
}

/* The priming report was answered: SubscribeResponse ends the exchange
 * and the subscription is established (8.5.x). */
static void
send_subscribe_response(MatterImReadHandler *rh)
{
  MatterImSubscribeResponse rsp = { .subscription_id = rh->subscription_id,
                                    .max_interval_s = rh->max_interval_s };
  uint8_t buf[32];
  size_t len;

  if (matter_im_subscribe_response_encode(&rsp, buf, sizeof(buf), &len) == MATTER_OK)
    send_im(rh->engine, rh->exchange, MATTER_IM_OPCODE_SUBSCRIBE_RESPONSE, buf, len);
  matter_exchange_close(rh->exchange, rh->engine->now_ms);
  rh->exchange = NULL;
  rh->priming = false;
  subscription_reported(rh);
  announce_subscription(rh);
}

/* The client's StatusResponse between chunks, or after a subscription's
 * last one. */
static void
on_read_message(void *user_data, MatterExchange *exchange, const MatterProtocolHeader *header,
                const uint8_t *payload, size_t len, uint64_t now_ms)
{
  MatterImReadHandler *rh = user_data;
  uint8_t status;

  rh->engine->now_ms = now_ms;
  if (header->protocol_id != MATTER_PROTOCOL_INTERACTION_MODEL ||
      header->opcode != MATTER_IM_OPCODE_STATUS_RESPONSE ||
      matter_im_status_response_decode(payload, len, &status) != MATTER_OK) {
    reply_status(rh->engine, exchange, MATTER_IM_STATUS_INVALID_ACTION);
    rh->exchange = NULL;
    read_end(rh);
    return;
  }
  /* A subscriber that answers otherwise ends its subscription (8.5.x). */
  if (status != MATTER_IM_STATUS_SUCCESS) {
    read_end(rh);
    return;
  }
  if (rh->more) {
    send_report(rh);
  } else if (rh->priming && rh->resumed) {
    resumed_primed(rh);
  } else if (rh->priming) {
    send_subscribe_response(rh);
  } else {
    matter_exchange_close(exchange, now_ms);
    rh->exchange = NULL;
    subscription_reported(rh);
  }
}

static void
on_read_error(void *user_data, MatterExchange *exchange, MatterError err, uint64_t now_ms)
{
  MatterImReadHandler *rh = user_data;

  rh->engine->now_ms = now_ms;
  if (err == MATTER_ERROR_SESSION_CLOSED)
    rh->exchange = NULL;
  /* A report the subscriber did not take (MRP gave up, no answer) ends
   * the subscription too; the subscriber did not end it, so the owner
   * may bring it back. */
  subscription_lost(rh);
}

static const MatterExchangeHandler read_handler = {
  .on_message = on_read_message,
  .on_error = on_read_error,
};

/* 8.9.2.x: paths a read may not ask for at all: a list index, an
 * attribute other than a global one or an event without a cluster. */
static bool
read_paths_valid(const MatterImReadRequest *req)
{
  for (size_t i = 0; i < req->event_path_count; i++)
    if (!req->event_paths[i].has_cluster && req->event_paths[i].has_event)
      return false;
  for (size_t i = 0; i < req->attribute_path_count; i++) {
    const MatterImAttributePath *p = &req->attribute_paths[i];

    if (p->list_index_kind != MATTER_IM_LIST_INDEX_NONE)
      return false;
    if (!p->has_cluster && p->has_attribute && !matter_dm_is_global(p->attribute))
      return false;
  }
  return true;
}

static void
start_read(MatterImEngine *e, MatterExchange *exchange, const uint8_t *payload, size_t len)
{
  MatterImReadHandler *rh = NULL;
  MatterError err;

  for (size_t i = 0; i < MATTER_IM_ENGINE_READS; i++)
    if (!e->reads[i].used) {
      rh = &e->reads[i];
      break;
    }
  if (rh == NULL) {
    reply_status(e, exchange, MATTER_IM_STATUS_RESOURCE_EXHAUSTED);
    return;
  }
  err = matter_im_read_request_decode(payload, len, &rh->request);
  if (err != MATTER_OK || !read_paths_valid(&rh->request)) {
    reply_status(e, exchange, err == MATTER_ERROR_IM_TOO_MANY_PATHS
                                ? MATTER_IM_STATUS_RESOURCE_EXHAUSTED
                                : MATTER_IM_STATUS_INVALID_ACTION);
    memset(&rh->request, 0, sizeof(rh->request));
    return;
  }
  rh->used = true;
  rh->exchange = exchange;
  rh->event_next = event_min_of(&rh->request, exchange->session);
  matter_exchange_set_handler(exchange, &read_handler, rh);
  send_report(rh);
}

/* ---- Subscriptions (8.5) ---------------------------------------------------- */

/* The same subscriber: the same peer node of the same fabric, or for
 * PASE (no node id) the same session. */
static bool
same_subscriber(const MatterImReadHandler *rh, const MatterSession *session)
{
  if (session->kind == MATTER_SESSION_KIND_CASE)
    return rh->fabric_index == session->fabric_index && rh->peer_node_id == session->peer_node_id;
  return rh->session == session && rh->session_id == session->local_session_id;
}

static size_t
fabric_subscriptions(const MatterImEngine *e, uint8_t fabric_index)
{
  size_t n = 0;

  for (size_t i = 0; i < MATTER_IM_ENGINE_SUBSCRIPTIONS; i++)
    n += e->subscriptions[i].used && e->subscriptions[i].fabric_index == fabric_index;
  return n;
}

/* A free slot; else, for a fabric below its minimum, the slot of the
 * oldest subscription of a fabric above it. */
static MatterImReadHandler *
subscription_slot(MatterImEngine *e, uint8_t fabric_index)
{
  MatterImReadHandler *victim = NULL;

  for (size_t i = 0; i < MATTER_IM_ENGINE_SUBSCRIPTIONS; i++)
    if (!e->subscriptions[i].used)
      return &e->subscriptions[i];
  if (fabric_subscriptions(e, fabric_index) >= MATTER_IM_SUBSCRIPTIONS_PER_FABRIC)
    return NULL;
  for (size_t i = 0; i < MATTER_IM_ENGINE_SUBSCRIPTIONS; i++) {
    MatterImReadHandler *rh = &e->subscriptions[i];

    if (rh->exchange == NULL &&
        fabric_subscriptions(e, rh->fabric_index) > MATTER_IM_SUBSCRIPTIONS_PER_FABRIC &&
        (victim == NULL || rh->last_report_ms < victim->last_report_ms))
      victim = rh;
  }
  if (victim != NULL)
    read_end(victim);
  return victim;
}

static uint32_t
new_subscription_id(const MatterImEngine *e)
{
  uint32_t id = 0;
  bool taken = true;

  while (id == 0 || taken) {
    if (matter_random((uint8_t *) &id, sizeof(id)) != MATTER_OK)
      id++;
    taken = false;
    for (size_t i = 0; i < MATTER_IM_ENGINE_SUBSCRIPTIONS; i++)
      taken |= e->subscriptions[i].used && e->subscriptions[i].subscription_id == id;
  }
  return id;
}

static void
start_subscribe(MatterImEngine *e, MatterExchange *exchange, const uint8_t *payload, size_t len)
{
  MatterImSubscribeRequest req;
  const MatterSession *session = exchange->session;
  MatterImReadHandler *rh;
  MatterError err = matter_im_subscribe_request_decode(payload, len, &req);

  if (err != MATTER_OK || !read_paths_valid(&req.paths) ||
      (req.paths.attribute_path_count == 0 && req.paths.event_path_count == 0) ||
      req.min_interval_floor_s > req.max_interval_ceiling_s) {
    reply_status(e, exchange, err == MATTER_ERROR_IM_TOO_MANY_PATHS
                                ? MATTER_IM_STATUS_PATHS_EXHAUSTED
                                : MATTER_IM_STATUS_INVALID_ACTION);
    return;
  }
  /* 8.5.x: without KeepSubscriptions the subscriber's others go. */
  if (!req.keep_subscriptions)
    for (size_t i = 0; i < MATTER_IM_ENGINE_SUBSCRIPTIONS; i++)
      if (e->subscriptions[i].used && same_subscriber(&e->subscriptions[i], session))
        read_end(&e->subscriptions[i]);
  rh = subscription_slot(e, session->fabric_index);
  if (rh == NULL) {
    reply_status(e, exchange, MATTER_IM_STATUS_RESOURCE_EXHAUSTED);
    return;
  }
  rh->request = req.paths;
  rh->used = true;
  rh->is_subscription = true;
  rh->priming = true;
  rh->subscription_id = new_subscription_id(e);
  rh->min_interval_s = req.min_interval_floor_s;
  rh->max_interval_s = req.max_interval_ceiling_s;
  if (rh->max_interval_s > MATTER_IM_SUBSCRIPTION_MAX_INTERVAL_S)
    rh->max_interval_s = rh->min_interval_s > MATTER_IM_SUBSCRIPTION_MAX_INTERVAL_S
                           ? rh->min_interval_s
                           : MATTER_IM_SUBSCRIPTION_MAX_INTERVAL_S;
  rh->session = session;
  rh->session_id = session->local_session_id;
  rh->fabric_index = session->fabric_index;
  rh->peer_node_id = session->peer_node_id;
  rh->peer_address = session->peer_address;
  rh->report_tick = e->dm->tick;
  rh->event_next = event_min_of(&rh->request, session);
  rh->exchange = exchange;
  matter_exchange_set_handler(exchange, &read_handler, rh);
  send_report(rh);
}

static bool
record_fits_session(const MatterImSubscriptionRecord *record, const MatterSession *session)
{
  return session->kind == MATTER_SESSION_KIND_CASE && session->state == MATTER_SESSION_ACTIVE &&
         session->fabric_index == record->fabric_index &&
         session->peer_node_id == record->peer_node_id && record->subscription_id != 0 &&
         record->min_interval_s <= record->max_interval_s &&
         record->paths.attribute_path_count <= MATTER_IM_REQUEST_PATHS_MAX &&
         record->paths.event_path_count <= MATTER_IM_REQUEST_PATHS_MAX &&
         (record->paths.attribute_path_count > 0 || record->paths.event_path_count > 0) &&
         read_paths_valid(&record->paths);
}

/* The subscription as it was, on the new session, priming from the
 * start: the subscriber knows nothing of what changed meanwhile. */
static void
resume_into(MatterImReadHandler *rh, MatterSession *session,
            const MatterImSubscriptionRecord *record)
{
  rh->request = record->paths;
  rh->request.event_filter_count = 0;
  rh->request.data_version_filter_count = 0;
  rh->used = true;
  rh->is_subscription = true;
  rh->priming = true;
  rh->resumed = true;
  rh->announced = true;
  rh->subscription_id = record->subscription_id;
  rh->min_interval_s = record->min_interval_s;
  rh->max_interval_s = record->max_interval_s;
  rh->session = session;
  rh->session_id = session->local_session_id;
  rh->fabric_index = session->fabric_index;
  rh->peer_node_id = session->peer_node_id;
  rh->peer_address = record->peer_address;
  rh->report_tick = rh->engine->dm->tick;
  rh->event_next = event_min_of(&rh->request, session);
}

MatterError
matter_im_engine_resume_subscription(MatterImEngine *engine, MatterSession *session,
                                     const MatterImSubscriptionRecord *record, uint64_t now_ms)
{
  MatterImReadHandler *rh;
  MatterExchange *exchange = NULL;
  MatterError err;

  if (engine == NULL || session == NULL || record == NULL ||
      !record_fits_session(record, session))
    return MATTER_ERROR_INVALID_ARGUMENT;
  engine->now_ms = now_ms;
  for (size_t i = 0; i < MATTER_IM_ENGINE_SUBSCRIPTIONS; i++) {
    MatterImReadHandler *other = &engine->subscriptions[i];

    /* The same subscription resumed twice lives once; its removal is no
     * news to the owner, who keeps the record. Ids are only unique among
     * the subscriptions held in memory, so the subscriber must match too. */
    if (other->used && other->subscription_id == record->subscription_id &&
        other->fabric_index == record->fabric_index &&
        other->peer_node_id == record->peer_node_id) {
      other->announced = false;
      read_end(other);
    }
  }
  rh = subscription_slot(engine, session->fabric_index);
  if (rh == NULL)
    return MATTER_ERROR_NO_MEMORY;
  err = matter_exchange_new(engine->exchanges, session, &read_handler, rh, &exchange);
  if (err != MATTER_OK)
    return err;
  resume_into(rh, session, record);
  rh->exchange = exchange;
  send_report(rh);
  return MATTER_OK;
}

static bool
session_alive(const MatterImReadHandler *rh)
{
  return rh->session->state == MATTER_SESSION_ACTIVE &&
         rh->session->local_session_id == rh->session_id;
}

/* When an established subscription next reports: its changes no sooner
 * than the min interval, else a keep-alive at the max interval. */
static uint64_t
subscription_deadline(const MatterImReadHandler *rh)
{
  if (!rh->used || rh->priming || rh->exchange != NULL)
    return MATTER_MRP_NEVER;
  if (rh->dirty)
    return rh->last_report_ms + (uint64_t) rh->min_interval_s * 1000;
  return rh->last_report_ms + (uint64_t) rh->max_interval_s * 1000;
}

static void
start_report(MatterImReadHandler *rh)
{
  MatterImEngine *e = rh->engine;
  MatterExchange *exchange = NULL;

  if (!session_alive(rh) ||
      matter_exchange_new(e->exchanges, (MatterSession *) rh->session, &read_handler, rh,
                          &exchange) != MATTER_OK) {
    subscription_lost(rh);
    return;
  }
  rh->exchange = exchange;
  rh->report_tick = e->dm->tick;
  rh->path_index = 0;
  rh->iter_started = false;
  send_report(rh);
}

void
matter_im_engine_changed(MatterImEngine *engine)
{
  for (size_t i = 0; i < MATTER_IM_ENGINE_SUBSCRIPTIONS; i++) {
    MatterImReadHandler *rh = &engine->subscriptions[i];

    if (rh->used && !rh->priming)
      rh->dirty = subscription_dirty(rh);
  }
}

static uint64_t pending_deadline(const MatterImEngine *e);
static void pending_expire(MatterImEngine *e, uint64_t now_ms);

uint64_t
matter_im_engine_next_deadline(const MatterImEngine *engine)
{
  uint64_t deadline = pending_deadline(engine);

  for (size_t i = 0; i < MATTER_IM_ENGINE_SUBSCRIPTIONS; i++) {
    uint64_t at = subscription_deadline(&engine->subscriptions[i]);

    if (at < deadline)
      deadline = at;
  }
  return deadline;
}

void
matter_im_engine_process(MatterImEngine *engine, uint64_t now_ms)
{
  engine->now_ms = now_ms;
  pending_expire(engine, now_ms);
  for (size_t i = 0; i < MATTER_IM_ENGINE_SUBSCRIPTIONS; i++) {
    MatterImReadHandler *rh = &engine->subscriptions[i];

    if (subscription_deadline(rh) <= now_ms)
      start_report(rh);
  }
}

size_t
matter_im_engine_count_subscriptions(const MatterImEngine *engine)
{
  size_t n = 0;

  for (size_t i = 0; i < MATTER_IM_ENGINE_SUBSCRIPTIONS; i++)
    n += engine->subscriptions[i].used;
  return n;
}

/* ---- Pending slots ------------------------------------------------------------ */

/* The token's low byte is the slot's index + 1, so never 0. */
_Static_assert(MATTER_IM_ENGINE_PENDING < 0xFF, "a slot index fits a token's low byte");

/* A slot whose token goes to a cluster's write() or invoke(); NULL when
 * all wait. The generation moves on with every reservation, so a token
 * kept past its slot's use (timed out, answered) matches nothing. */
static MatterImPending *
pending_reserve(MatterImEngine *e)
{
  for (size_t i = 0; i < MATTER_IM_ENGINE_PENDING; i++) {
    MatterImPending *p = &e->pending[i];

    if (p->kind != MATTER_IM_PENDING_FREE)
      continue;
    e->pending_generation = (e->pending_generation + 1) & 0xFFFFFF;
    p->kind = MATTER_IM_PENDING_RESERVED;
    p->token = e->pending_generation << 8 | (uint32_t) (i + 1);
    return p;
  }
  return NULL;
}

static void
pending_release(MatterImPending *p)
{
  MatterImEngine *e = p->engine;

  memset(p, 0, sizeof(*p));
  p->engine = e;
}

/* The waiting slot of @token, of @kind; NULL for a token that is not
 * (any more) one. */
static MatterImPending *
pending_find(MatterImEngine *e, uint32_t token, MatterImPendingKind kind)
{
  uint32_t index = token & 0xFF;
  MatterImPending *p;

  if (index == 0 || index > MATTER_IM_ENGINE_PENDING)
    return NULL;
  p = &e->pending[index - 1];
  return p->kind == kind && p->token == token ? p : NULL;
}

/* When a write or an invoke that goes pending now stops waiting. */
static uint64_t
pending_deadline_from_now(const MatterImEngine *e)
{
  if (e->pending_timeout_ms >= MATTER_MRP_NEVER - e->now_ms)
    return MATTER_MRP_NEVER - 1;
  return e->now_ms + e->pending_timeout_ms;
}

static bool
pending_waits(const MatterImPending *p)
{
  return p->kind == MATTER_IM_PENDING_WRITE || p->kind == MATTER_IM_PENDING_INVOKE;
}

/* ---- Writes (8.7) ------------------------------------------------------------ */

/* What the checks and the cluster made of one AttributeDataIB. */
typedef struct {
  uint8_t status;
  bool list;    /* the path is an existing list attribute */
  bool reached; /* the cluster's write() was called */
} WriteOutcome;

/* The cluster's write(), with a token when the message can hold its
 * WriteResponse. A pending write keeps its slot, bound to the status the
 * message adds next. A list's parts cannot wait: the cluster judges the
 * list at once in list_write_done (dm.h), so PENDING there is a bug. */
static uint8_t
write_to_cluster(MatterImEngine *e, MatterDmCluster *c, const MatterDmRequest *request,
                 const MatterImAttributePath *path, MatterTlvReader *value, bool list)
{
  MatterImPending *p = e->holding != NULL ? pending_reserve(e) : NULL;
  MatterDmRequest with_token = *request;
  uint8_t status;

  with_token.pending_token = p != NULL ? p->token : 0;
  status = c->cls->write(c, &with_token, path, value);
  if (status != MATTER_DM_STATUS_PENDING || p == NULL || list) {
    if (p != NULL)
      pending_release(p);
    return status == MATTER_DM_STATUS_PENDING ? MATTER_IM_STATUS_FAILURE : status;
  }
  p->kind = MATTER_IM_PENDING_WRITE;
  p->deadline_ms = pending_deadline_from_now(e);
  p->held = e->holding;
  p->status_index = e->write_status_count;
  e->holding->open++;
  return status;
}

static WriteOutcome
write_one(MatterImEngine *e, const MatterDmRequest *request, const MatterImAttributeData *item,
          bool check_version)
{
  const MatterImAttributePath *p = &item->path;
  WriteOutcome out = { .status = matter_dm_attribute_status(e->dm, p->endpoint, p->cluster,
                                                            p->attribute) };
  MatterDmAttribute entry;
  MatterDmCluster *c;
  MatterTlvReader value;

  if (out.status != MATTER_IM_STATUS_SUCCESS)
    return out;
  c = matter_dm_find_cluster(e->dm, p->endpoint, p->cluster);
  matter_dm_find_attribute(c, p->attribute, &entry);
  out.list = (entry.qualities & MATTER_DM_LIST) != 0;
  if (!has_privilege(e, request->subject, p->endpoint, p->cluster,
                     entry.write_privilege != 0 ? entry.write_privilege : entry.read_privilege))
    out.status = MATTER_IM_STATUS_UNSUPPORTED_ACCESS;
  else if (entry.write_privilege == 0 || c->cls->write == NULL)
    out.status = MATTER_IM_STATUS_UNSUPPORTED_WRITE;
  else if ((entry.qualities & MATTER_DM_TIMED) && !request->timed)
    out.status = MATTER_IM_STATUS_NEEDS_TIMED_INTERACTION;
  else if ((entry.qualities & MATTER_DM_FABRIC_SCOPED) && request->subject->fabric_index == 0)
    out.status = MATTER_IM_STATUS_UNSUPPORTED_ACCESS;
  else if (p->list_index_kind == MATTER_IM_LIST_INDEX_ITEM ||
           (p->list_index_kind == MATTER_IM_LIST_INDEX_APPEND && !out.list))
    out.status = MATTER_IM_STATUS_INVALID_ACTION;
  else if (check_version && item->has_data_version && item->data_version != c->data_version)
    out.status = MATTER_IM_STATUS_DATA_VERSION_MISMATCH;
  else if (matter_im_data_reader(&item->data, &value) != MATTER_OK)
    out.status = MATTER_IM_STATUS_INVALID_ACTION;
  else {
    out.reached = true;
    out.status = write_to_cluster(e, c, request, p, &value, out.list);
  }
  return out;
}

static bool
write_paths_concrete(MatterImWriteRequest req)
{
  MatterImAttributeData item;

  while (matter_im_next_attribute_data(&req.writes, &item) == MATTER_OK)
    if (matter_dm_path_is_wildcard(&item.path))
      return false;
  return true;
}

static bool
same_attribute(const MatterImAttributePath *a, const MatterImAttributePath *b)
{
  return a->endpoint == b->endpoint && a->cluster == b->cluster && a->attribute == b->attribute;
}

static void
add_write_status(MatterImEngine *e, const MatterImAttributePath *path, uint8_t status)
{
  MatterImAttributeStatus *s;

  if (e->write_status_count == MATTER_IM_WRITE_STATUSES_MAX)
    return;
  s = &e->write_statuses[e->write_status_count++];
  *s = (MatterImAttributeStatus) { .path = *path, .status = { .status = status } };
  s->path.list_index_kind = MATTER_IM_LIST_INDEX_NONE;
}

/* The list in progress is over: the cluster judges it whole. A refusal
 * goes into the WriteResponse being built, as one more status under the
 * list's path: each write of a list has its status, and a client that
 * joins them takes a failure among them as the list's. */
static void
end_list(MatterImEngine *e, MatterImWriteHandler *wh, const MatterDmRequest *request,
         bool record)
{
  MatterDmCluster *c;
  bool successful = wh->list_status == MATTER_IM_STATUS_SUCCESS;
  uint8_t status;

  if (!wh->list_active)
    return;
  wh->list_active = false;
  c = matter_dm_find_cluster(e->dm, wh->list_path.endpoint, wh->list_path.cluster);
  if (!wh->list_reached || c == NULL || c->cls->list_write_done == NULL)
    return;
  status = c->cls->list_write_done(c, request, &wh->list_path, successful);
  /* A list is judged here and now: nothing could answer it later. */
  if (status == MATTER_DM_STATUS_PENDING)
    status = MATTER_IM_STATUS_FAILURE;
  if (record && successful && status != MATTER_IM_STATUS_SUCCESS)
    add_write_status(e, &wh->list_path, status);
}

/* Whether another chunked write has a list of @path in progress: two
 * writers of one list would mix their items. */
static bool
list_busy(const MatterImEngine *e, const MatterImWriteHandler *wh,
          const MatterImAttributePath *path)
{
  for (size_t i = 0; i < MATTER_IM_ENGINE_WRITES; i++) {
    const MatterImWriteHandler *other = &e->writes[i];

    if (other != wh && other->used && other->list_active && same_attribute(&other->list_path, path))
      return true;
  }
  return false;
}

/* One AttributeDataIB of a message, in order: it continues the list in
 * progress (an append to its path), or ends it and is a write of its
 * own, which may begin a list. Data version filters apply to a list's
 * first write only: its appends follow commits of their own. */
static uint8_t
write_item(MatterImEngine *e, MatterImWriteHandler *wh, const MatterDmRequest *request,
           const MatterImAttributeData *item, bool over_limit)
{
  bool continues = wh->list_active && item->path.list_index_kind == MATTER_IM_LIST_INDEX_APPEND &&
                   same_attribute(&wh->list_path, &item->path);
  WriteOutcome out = { .status = MATTER_IM_STATUS_RESOURCE_EXHAUSTED };

  if (!continues)
    end_list(e, wh, request, true);
  if (continues && wh->list_status != MATTER_IM_STATUS_SUCCESS)
    return wh->list_status;
  if (!over_limit && !continues && list_busy(e, wh, &item->path))
    out.status = MATTER_IM_STATUS_BUSY;
  else if (!over_limit)
    out = write_one(e, request, item, !continues);
  if (continues) {
    wh->list_reached |= out.reached;
    wh->list_status = out.status;
  } else if (out.list) {
    wh->list_active = true;
    wh->list_reached = out.reached;
    wh->list_status = out.status;
    wh->list_path = item->path;
    wh->list_path.list_index_kind = MATTER_IM_LIST_INDEX_NONE;
  }
  return out.status;
}

/* The WriteResponse of @statuses; false when it does not fit a
 * message. */
static bool
build_write_response(MatterImEngine *e, const MatterImAttributeStatus *statuses, size_t count,
                     size_t *len)
{
  MatterTlvWriter w;

  matter_tlv_writer_init(&w, e->message, sizeof(e->message));
  matter_tlv_start_structure(&w, anon());
  matter_tlv_start_array(&w, ctx(0));
  for (size_t i = 0; i < count; i++)
    matter_im_put_attribute_status(&w, anon(), &statuses[i]);
  matter_tlv_end_container(&w);
  matter_im_put_revision(&w);
  matter_tlv_end_container(&w);
  return matter_tlv_writer_finish(&w, len) == MATTER_OK;
}

static MatterImHeldWrite *
held_write_slot(MatterImEngine *e)
{
  for (size_t i = 0; i < MATTER_IM_ENGINE_HELD_WRITES; i++)
    if (!e->held_writes[i].used)
      return &e->held_writes[i];
  return NULL;
}

/* One WriteRequest message, one owner transaction: its writes, the end
 * of a list that ends with it, then the commit. A failed commit fails
 * every write the clusters took, and the list in progress with them;
 * pending writes are not in the transaction (the cluster answers them on
 * its own), and keep waiting. Their writes get tokens only when a held
 * WriteResponse is free to wait with them. */
static void
write_message(MatterImEngine *e, MatterImWriteHandler *wh, MatterExchange *exchange,
              const MatterImWriteRequest *req)
{
  MatterImIter walk = req->writes;
  MatterImAttributeData item;
  MatterAclSubject subject;
  MatterDmRequest request;
  size_t count = 0;
  bool committed;

  subject_of(e, exchange->session, &subject);
  request_for(e, exchange->session, &subject, true, wh->timed, &request);
  e->write_status_count = 0;
  e->holding = held_write_slot(e);
  if (e->owner.writes_begin != NULL)
    e->owner.writes_begin(e->owner_data, &request);
  while (matter_im_next_attribute_data(&walk, &item) == MATTER_OK) {
    uint8_t status = write_item(e, wh, &request, &item, count >= MATTER_IM_WRITES_MAX);

    add_write_status(e, &item.path, status);
    count++;
  }
  if (!req->more_chunked_messages)
    end_list(e, wh, &request, true);
  committed = e->owner.writes_end == NULL || e->owner.writes_end(e->owner_data, &request);
  if (!committed) {
    for (size_t i = 0; i < e->write_status_count; i++)
      if (e->write_statuses[i].status.status == MATTER_IM_STATUS_SUCCESS)
        e->write_statuses[i].status.status = MATTER_IM_STATUS_FAILURE;
    if (wh->list_active && wh->list_status == MATTER_IM_STATUS_SUCCESS)
      wh->list_status = MATTER_IM_STATUS_FAILURE;
  }
  for (size_t i = 0; i < e->write_status_count; i++) {
    const MatterImAttributeStatus *st = &e->write_statuses[i];

    if (st->status.status != MATTER_DM_STATUS_PENDING)
      note_refusal(e, exchange->session, MATTER_IM_ACTION_WRITE, st->path.endpoint,
                   st->path.cluster, st->path.attribute, st->status.status);
  }
}

static void
write_end(MatterImWriteHandler *wh)
{
  MatterImEngine *e = wh->engine;

  memset(wh, 0, sizeof(*wh));
  wh->engine = e;
}

/* A chunked write that will not go on (timeout, session gone, a bad
 * next message): the cluster drops the list it kept, nothing else. */
static void
write_abandon(MatterImWriteHandler *wh, const MatterSession *session)
{
  MatterImEngine *e = wh->engine;
  MatterAclSubject subject;
  MatterDmRequest request;

  subject_of(e, session, &subject);
  request_for(e, session, &subject, true, wh->timed, &request);
  wh->list_status = MATTER_IM_STATUS_FAILURE;
  end_list(e, wh, &request, false);
  write_end(wh);
}

static const MatterExchangeHandler write_handler;
static const MatterExchangeHandler held_write_handler;

/* A message's WriteResponse, and for a chunk with more to come, the wait
 * for the next on the same exchange. Every chunk but the last is
 * answered whatever SuppressResponse says: the client waits for that
 * answer before it sends on. @wh is NULL for a held single message. */
static void
write_answer(MatterImEngine *e, MatterImWriteHandler *wh, MatterExchange *exchange, bool more,
             bool suppress, const MatterImAttributeStatus *statuses, size_t count)
{
  size_t len;

  if (!more && suppress) {
    matter_exchange_close(exchange, e->now_ms);
  } else if (!build_write_response(e, statuses, count, &len)) {
    reply_status(e, exchange, MATTER_IM_STATUS_RESOURCE_EXHAUSTED);
  } else {
    send_im(e, exchange, MATTER_IM_OPCODE_WRITE_RESPONSE, e->message, len);
    if (more) {
      wh->exchange = exchange;
      matter_exchange_set_handler(exchange, &write_handler, wh);
      matter_exchange_set_timeout(exchange, e->now_ms + MATTER_IM_WRITE_CHUNK_TIMEOUT_MS);
      return;
    }
    matter_exchange_close(exchange, e->now_ms);
  }
  if (wh != NULL && wh->used) {
    if (wh->list_active)
      write_abandon(wh, exchange->session);
    else
      write_end(wh);
  }
}

/* The message's statuses wait on its exchange with its pending writes,
 * since the engine's own buffer serves the next message. No exchange
 * timeout: the pending writes' deadlines end the wait (and a timed
 * write's TimedRequest deadline no longer matters once it came in time).
 * A chunked write's next chunk only comes after this answer. */
static void
write_hold(MatterImHeldWrite *held, MatterImWriteHandler *wh, MatterExchange *exchange,
           const MatterImWriteRequest *req)
{
  MatterImEngine *e = held->engine;

  held->used = true;
  held->exchange = exchange;
  held->write = wh->used ? wh : NULL;
  held->more_chunked_messages = req->more_chunked_messages;
  held->suppress_response = req->suppress_response;
  held->status_count = e->write_status_count;
  memcpy(held->statuses, e->write_statuses, e->write_status_count * sizeof(e->write_statuses[0]));
  matter_exchange_set_handler(exchange, &held_write_handler, held);
  matter_exchange_set_timeout(exchange, MATTER_MRP_NEVER);
}

/* After a message's writes: its answer, now or once its pending writes
 * are answered. */
static void
write_respond(MatterImEngine *e, MatterImWriteHandler *wh, MatterExchange *exchange,
              const MatterImWriteRequest *req)
{
  MatterImHeldWrite *held = e->holding;

  e->holding = NULL;
  if (held != NULL && held->open > 0) {
    write_hold(held, wh, exchange, req);
    return;
  }
  write_answer(e, wh, exchange, req->more_chunked_messages, req->suppress_response,
               e->write_statuses, e->write_status_count);
}

static void
held_write_end(MatterImHeldWrite *held)
{
  MatterImEngine *e = held->engine;

  memset(held, 0, sizeof(*held));
  held->engine = e;
}

/* The answer of one pending write; the last one sends the message's
 * WriteResponse. */
static void
held_write_status(MatterImHeldWrite *held, size_t index, uint8_t status)
{
  MatterImEngine *e = held->engine;

  if (index < held->status_count) {
    MatterImAttributeStatus *st = &held->statuses[index];

    st->status = (MatterImStatusIB) { .status = status };
    note_refusal(e, held->exchange->session, MATTER_IM_ACTION_WRITE, st->path.endpoint,
                 st->path.cluster, st->path.attribute, status);
  }
  if (--held->open > 0)
    return;
  write_answer(e, held->write, held->exchange, held->more_chunked_messages,
               held->suppress_response, held->statuses, held->status_count);
  held_write_end(held);
}

static void
write_finish(MatterImPending *p, uint8_t status)
{
  MatterImHeldWrite *held = p->held;
  size_t index = p->status_index;

  pending_release(p);
  held_write_status(held, index, status);
}

/* The held WriteResponse will not go out (session gone, a message out of
 * turn): its pending writes' tokens stop working, a chunked write ends. */
static void
held_write_drop(MatterImHeldWrite *held, const MatterSession *session)
{
  MatterImEngine *e = held->engine;

  for (size_t i = 0; i < MATTER_IM_ENGINE_PENDING; i++)
    if (e->pending[i].kind == MATTER_IM_PENDING_WRITE && e->pending[i].held == held)
      pending_release(&e->pending[i]);
  if (held->write != NULL)
    write_abandon(held->write, session);
  held_write_end(held);
}

/* The client waits for the WriteResponse: anything else it sends on the
 * exchange ends the write. */
static void
on_held_write_message(void *user_data, MatterExchange *exchange,
                      const MatterProtocolHeader *header, const uint8_t *payload, size_t len,
                      uint64_t now_ms)
{
  MatterImHeldWrite *held = user_data;
  MatterImEngine *e = held->engine;

  e->now_ms = now_ms;
  held_write_drop(held, exchange->session);
  reply_status(e, exchange, MATTER_IM_STATUS_INVALID_ACTION);
}

static void
on_held_write_error(void *user_data, MatterExchange *exchange, MatterError err, uint64_t now_ms)
{
  MatterImHeldWrite *held = user_data;

  held->engine->now_ms = now_ms;
  held_write_drop(held, exchange->session);
  if (err != MATTER_ERROR_SESSION_CLOSED)
    matter_exchange_close(exchange, now_ms);
}

static const MatterExchangeHandler held_write_handler = {
  .on_message = on_held_write_message,
  .on_error = on_held_write_error,
};

bool
matter_im_engine_complete_write(MatterImEngine *engine, uint32_t token, uint8_t status,
                                uint64_t now_ms)
{
  MatterImPending *p =
    engine != NULL ? pending_find(engine, token, MATTER_IM_PENDING_WRITE) : NULL;

  if (p == NULL)
    return false;
  engine->now_ms = now_ms;
  write_finish(p, status == MATTER_DM_STATUS_PENDING ? MATTER_IM_STATUS_FAILURE : status);
  return true;
}

/* A WriteRequest that is a chunk after the first, on the exchange of the
 * chunked write. */
static void
on_write_message(void *user_data, MatterExchange *exchange, const MatterProtocolHeader *header,
                 const uint8_t *payload, size_t len, uint64_t now_ms)
{
  MatterImWriteHandler *wh = user_data;
  MatterImEngine *e = wh->engine;
  MatterImWriteRequest req;

  e->now_ms = now_ms;
  matter_exchange_set_timeout(exchange, MATTER_MRP_NEVER);
  if (header->protocol_id != MATTER_PROTOCOL_INTERACTION_MODEL ||
      header->opcode != MATTER_IM_OPCODE_WRITE_REQUEST ||
      matter_im_write_request_decode(payload, len, &req) != MATTER_OK ||
      !write_paths_concrete(req)) {
    write_abandon(wh, exchange->session);
    reply_status(e, exchange, MATTER_IM_STATUS_INVALID_ACTION);
    return;
  }
  if (req.timed_request != wh->timed) {
    write_abandon(wh, exchange->session);
    reply_status(e, exchange, MATTER_IM_STATUS_TIMED_REQUEST_MISMATCH);
    return;
  }
  write_message(e, wh, exchange, &req);
  write_respond(e, wh, exchange, &req);
}

static void
on_write_error(void *user_data, MatterExchange *exchange, MatterError err, uint64_t now_ms)
{
  MatterImWriteHandler *wh = user_data;

  wh->engine->now_ms = now_ms;
  write_abandon(wh, exchange->session);
  if (err != MATTER_ERROR_SESSION_CLOSED)
    matter_exchange_close(exchange, now_ms);
}

static const MatterExchangeHandler write_handler = {
  .on_message = on_write_message,
  .on_error = on_write_error,
};

static MatterImWriteHandler *
write_slot(MatterImEngine *e)
{
  for (size_t i = 0; i < MATTER_IM_ENGINE_WRITES; i++)
    if (!e->writes[i].used)
      return &e->writes[i];
  return NULL;
}

/* A WriteRequest that starts a write: a single message is handled at
 * once; the first chunk of a chunked one takes a slot to wait in. */
static void
handle_write(MatterImEngine *e, MatterExchange *exchange, const uint8_t *payload, size_t len,
             bool timed)
{
  MatterImWriteHandler single = { .engine = e, .timed = timed };
  MatterImWriteHandler *wh = &single;
  MatterImWriteRequest req;

  if (matter_im_write_request_decode(payload, len, &req) != MATTER_OK ||
      !write_paths_concrete(req)) {
    reply_status(e, exchange, MATTER_IM_STATUS_INVALID_ACTION);
    return;
  }
  if (req.timed_request != timed) {
    reply_status(e, exchange, MATTER_IM_STATUS_TIMED_REQUEST_MISMATCH);
    return;
  }
  if (req.more_chunked_messages) {
    wh = write_slot(e);
    if (wh == NULL) {
      reply_status(e, exchange, MATTER_IM_STATUS_RESOURCE_EXHAUSTED);
      return;
    }
    wh->used = true;
    wh->timed = timed;
  }
  write_message(e, wh, exchange, &req);
  write_respond(e, wh, exchange, &req);
}

/* ---- Invokes ---------------------------------------------------------------- */

static uint8_t
invoke_checks(MatterImEngine *e, const MatterDmRequest *request, const MatterImCommandData *cmd,
              MatterDmCluster **cluster, const MatterDmCommand **command)
{
  const MatterImCommandPath *p = &cmd->path;
  uint8_t status = matter_dm_command_status(e->dm, p->endpoint, p->cluster, p->command);

  if (status != MATTER_IM_STATUS_SUCCESS)
    return status;
  *cluster = matter_dm_find_cluster(e->dm, p->endpoint, p->cluster);
  *command = matter_dm_find_command(*cluster, p->command);
  if (!has_privilege(e, request->subject, p->endpoint, p->cluster, (*command)->privilege))
    return MATTER_IM_STATUS_UNSUPPORTED_ACCESS;
  if (((*command)->qualities & MATTER_DM_TIMED) && !request->timed)
    return MATTER_IM_STATUS_NEEDS_TIMED_INTERACTION;
  if (((*command)->qualities & MATTER_DM_FABRIC_SCOPED) && request->subject->fabric_index == 0)
    return MATTER_IM_STATUS_UNSUPPORTED_ACCESS;
  if ((*cluster)->cls->invoke == NULL)
    return MATTER_IM_STATUS_UNSUPPORTED_COMMAND;
  return MATTER_IM_STATUS_SUCCESS;
}

/* Runs the command; its response fields go to the value buffer. A
 * command the cluster answers later keeps the slot whose token it had:
 * *@pending, with the status PENDING. */
static MatterDmInvokeResult
invoke_one(MatterImEngine *e, const MatterDmRequest *request, const MatterImCommandData *cmd,
           size_t *fields_len, MatterImPending **pending)
{
  MatterDmInvokeResult result = { 0 };
  const MatterDmCommand *command = NULL;
  MatterDmCluster *cluster = NULL;
  MatterDmRequest with_token = *request;
  MatterTlvReader fields;
  MatterTlvWriter response;

  *pending = NULL;
  result.status = invoke_checks(e, request, cmd, &cluster, &command);
  if (result.status != MATTER_IM_STATUS_SUCCESS)
    return result;
  if (cmd->has_fields && (matter_im_data_reader(&cmd->fields, &fields) != MATTER_OK ||
                          matter_tlv_enter(&fields) != MATTER_OK)) {
    result.status = MATTER_IM_STATUS_INVALID_COMMAND;
    return result;
  }
  *pending = pending_reserve(e);
  with_token.pending_token = *pending != NULL ? (*pending)->token : 0;
  matter_tlv_writer_init(&response, e->value, sizeof(e->value));
  result = cluster->cls->invoke(cluster, &with_token, cmd->path.command,
                                cmd->has_fields ? &fields : NULL, &response, ctx(1));
  if (result.status == MATTER_DM_STATUS_PENDING && *pending != NULL)
    return (MatterDmInvokeResult) { .status = MATTER_DM_STATUS_PENDING };
  if (*pending != NULL)
    pending_release(*pending);
  *pending = NULL;
  /* Pending without a token to answer by: nothing would ever answer. */
  if (result.status == MATTER_DM_STATUS_PENDING)
    result = (MatterDmInvokeResult) { .status = MATTER_IM_STATUS_FAILURE };
  if (result.has_response && matter_tlv_writer_finish(&response, fields_len) != MATTER_OK) {
    result = (MatterDmInvokeResult) { .status = MATTER_IM_STATUS_RESOURCE_EXHAUSTED };
  }
  return result;
}

/* The InvokeResponse of one command: @result's status, or its response
 * command with @fields, an encoded structure; it ends the exchange. */
static void
invoke_answer(MatterImEngine *e, MatterExchange *exchange, const MatterImCommandPath *path,
              bool has_ref, uint16_t ref, const MatterDmInvokeResult *result,
              const uint8_t *fields, size_t fields_len)
{
  MatterImInvokeResponse response = { 0 };
  MatterTlvWriter w;
  size_t out_len;

  if (result->has_response) {
    response.command.path = *path;
    response.command.path.command = result->response_id;
    response.command.has_fields = true;
    response.command.fields = (MatterImData) { fields, fields_len };
  } else {
    response.is_status = true;
    response.status_path = *path;
    response.status.status = result->status;
    response.status.has_cluster_status = result->has_cluster_status;
    response.status.cluster_status = result->cluster_status;
  }
  response.has_ref = has_ref;
  response.ref = ref;
  response.command.has_ref = has_ref;
  response.command.ref = ref;
  matter_tlv_writer_init(&w, e->message, sizeof(e->message));
  matter_tlv_start_structure(&w, anon());
  matter_tlv_put_bool(&w, ctx(0), false);
  matter_tlv_start_array(&w, ctx(1));
  matter_im_put_invoke_response(&w, anon(), &response);
  matter_tlv_end_container(&w);
  matter_im_put_revision(&w);
  matter_tlv_end_container(&w);
  if (matter_tlv_writer_finish(&w, &out_len) != MATTER_OK) {
    reply_status(e, exchange, MATTER_IM_STATUS_RESOURCE_EXHAUSTED);
    return;
  }
  send_im(e, exchange, MATTER_IM_OPCODE_INVOKE_RESPONSE, e->message, out_len);
  matter_exchange_close(exchange, e->now_ms);
}

static const MatterExchangeHandler pending_invoke_handler;

/* The command waits on its exchange for the cluster's answer. The
 * exchange layer acknowledges the request on its own meanwhile (a
 * standalone acknowledgement once nothing rides on an answer in time),
 * so the client does not retransmit; no exchange timeout (a timed
 * invoke's TimedRequest deadline no longer matters once it came in
 * time): the slot's deadline ends the wait. */
static void
invoke_wait(MatterImEngine *e, MatterImPending *p, MatterExchange *exchange,
            const MatterImCommandData *cmd, bool suppress_response)
{
  p->kind = MATTER_IM_PENDING_INVOKE;
  p->deadline_ms = pending_deadline_from_now(e);
  p->exchange = exchange;
  p->path = cmd->path;
  p->has_ref = cmd->has_ref;
  p->ref = cmd->ref;
  p->suppress_response = suppress_response;
  matter_exchange_set_handler(exchange, &pending_invoke_handler, p);
  matter_exchange_set_timeout(exchange, MATTER_MRP_NEVER);
}

/* A pending command's answer, its own or TIMEOUT; a SuppressResponse
 * one ends without a word. */
static void
invoke_finish(MatterImPending *p, const MatterDmInvokeResult *result, const uint8_t *fields,
              size_t fields_len)
{
  MatterImEngine *e = p->engine;
  MatterExchange *exchange = p->exchange;
  MatterImCommandPath path = p->path;
  bool has_ref = p->has_ref, suppress = p->suppress_response;
  uint16_t ref = p->ref;

  pending_release(p);
  if (!result->has_response)
    note_refusal(e, exchange->session, MATTER_IM_ACTION_INVOKE, path.endpoint, path.cluster,
                 path.command, result->status);
  if (suppress)
    matter_exchange_close(exchange, e->now_ms);
  else
    invoke_answer(e, exchange, &path, has_ref, ref, result, fields, fields_len);
}

static void
on_pending_invoke_message(void *user_data, MatterExchange *exchange,
                          const MatterProtocolHeader *header, const uint8_t *payload,
                          size_t len, uint64_t now_ms)
{
  MatterImPending *p = user_data;
  MatterImEngine *e = p->engine;

  e->now_ms = now_ms;
  pending_release(p);
  reply_status(e, exchange, MATTER_IM_STATUS_INVALID_ACTION);
}

static void
on_pending_invoke_error(void *user_data, MatterExchange *exchange, MatterError err,
                        uint64_t now_ms)
{
  MatterImPending *p = user_data;

  p->engine->now_ms = now_ms;
  pending_release(p);
  if (err != MATTER_ERROR_SESSION_CLOSED)
    matter_exchange_close(exchange, now_ms);
}

static const MatterExchangeHandler pending_invoke_handler = {
  .on_message = on_pending_invoke_message,
  .on_error = on_pending_invoke_error,
};

/* What a cluster's late answer may hold: a response's fields must be one
 * structure, as invoke() writes them. */
static bool
response_fields_valid(const uint8_t *fields, size_t len)
{
  MatterTlvReader r;

  if (fields == NULL || matter_tlv_check(fields, len) != MATTER_OK)
    return false;
  matter_tlv_reader_init(&r, fields, len);
  return matter_tlv_next(&r) == MATTER_OK &&
         matter_tlv_get_type(&r) == MATTER_TLV_TYPE_STRUCTURE;
}

bool
matter_im_engine_complete_invoke(MatterImEngine *engine, uint32_t token,
                                 const MatterDmInvokeResult *result, const uint8_t *fields,
                                 size_t fields_len, uint64_t now_ms)
{
  MatterImPending *p =
    engine != NULL ? pending_find(engine, token, MATTER_IM_PENDING_INVOKE) : NULL;
  MatterDmInvokeResult answer;

  if (p == NULL || result == NULL)
    return false;
  engine->now_ms = now_ms;
  answer = *result;
  if (answer.has_response ? !response_fields_valid(fields, fields_len)
                          : answer.status == MATTER_DM_STATUS_PENDING)
    answer = (MatterDmInvokeResult) { .status = MATTER_IM_STATUS_FAILURE };
  invoke_finish(p, &answer, fields, fields_len);
  return true;
}

static void
handle_invoke(MatterImEngine *e, MatterExchange *exchange, const uint8_t *payload, size_t len,
              bool timed)
{
  MatterImInvokeRequest req;
  MatterImCommandData cmd;
  MatterDmInvokeResult result;
  MatterAclSubject subject;
  MatterDmRequest request;
  MatterImPending *pending;
  size_t fields_len = 0;

  if (matter_im_invoke_request_decode(payload, len, &req) != MATTER_OK ||
      req.invoke_count == 0 || req.invoke_count > MATTER_IM_MAX_PATHS_PER_INVOKE ||
      matter_im_next_command_data(&req.invokes, &cmd) != MATTER_OK || !cmd.path.has_endpoint) {
    reply_status(e, exchange, MATTER_IM_STATUS_INVALID_ACTION);
    return;
  }
  if (req.timed_request != timed) {
    reply_status(e, exchange, MATTER_IM_STATUS_TIMED_REQUEST_MISMATCH);
    return;
  }
  subject_of(e, exchange->session, &subject);
  request_for(e, exchange->session, &subject, true, timed, &request);
  result = invoke_one(e, &request, &cmd, &fields_len, &pending);
  /* A SuppressResponse command may wait too: its answer is taken and
   * dropped. */
  if (pending != NULL) {
    invoke_wait(e, pending, exchange, &cmd, req.suppress_response);
    return;
  }
  if (!result.has_response)
    note_refusal(e, exchange->session, MATTER_IM_ACTION_INVOKE, cmd.path.endpoint,
                 cmd.path.cluster, cmd.path.command, result.status);
  if (req.suppress_response) {
    matter_exchange_close(exchange, e->now_ms);
    return;
  }
  invoke_answer(e, exchange, &cmd.path, cmd.has_ref, cmd.ref, &result, e->value, fields_len);
}

/* ---- Pending deadlines ---------------------------------------------------------- */

static uint64_t
pending_deadline(const MatterImEngine *e)
{
  uint64_t deadline = MATTER_MRP_NEVER;

  for (size_t i = 0; i < MATTER_IM_ENGINE_PENDING; i++)
    if (pending_waits(&e->pending[i]) && e->pending[i].deadline_ms < deadline)
      deadline = e->pending[i].deadline_ms;
  return deadline;
}

/* A cluster that did not answer in time: TIMEOUT for its path. */
static void
pending_expire(MatterImEngine *e, uint64_t now_ms)
{
  static const MatterDmInvokeResult timeout = { .status = MATTER_IM_STATUS_TIMEOUT };

  for (size_t i = 0; i < MATTER_IM_ENGINE_PENDING; i++) {
    MatterImPending *p = &e->pending[i];

    if (!pending_waits(p) || p->deadline_ms > now_ms)
      continue;
    if (p->kind == MATTER_IM_PENDING_WRITE)
      write_finish(p, MATTER_IM_STATUS_TIMEOUT);
    else
      invoke_finish(p, &timeout, NULL, 0);
  }
}

void
matter_im_engine_set_pending_timeout(MatterImEngine *engine, uint64_t timeout_ms)
{
  if (engine != NULL)
    engine->pending_timeout_ms = timeout_ms;
}

/* ---- Timed interactions (8.6) ----------------------------------------------- */

static void
timed_end(MatterImTimed *t)
{
  MatterImEngine *e = t->engine;

  memset(t, 0, sizeof(*t));
  t->engine = e;
}

/* What follows a TimedRequest on its exchange: a timed Write or Invoke in
 * time, else TIMED_REQUEST_MISMATCH or TIMEOUT. */
static void
on_timed_message(void *user_data, MatterExchange *exchange, const MatterProtocolHeader *header,
                 const uint8_t *payload, size_t len, uint64_t now_ms)
{
  MatterImTimed *t = user_data;
  MatterImEngine *e = t->engine;
  bool late = now_ms > t->deadline_ms;

  e->now_ms = now_ms;
  timed_end(t);
  if (header->protocol_id != MATTER_PROTOCOL_INTERACTION_MODEL) {
    matter_exchange_close(exchange, now_ms);
    return;
  }
  if (header->opcode != MATTER_IM_OPCODE_WRITE_REQUEST &&
      header->opcode != MATTER_IM_OPCODE_INVOKE_REQUEST) {
    reply_status(e, exchange, MATTER_IM_STATUS_TIMED_REQUEST_MISMATCH);
    return;
  }
  if (late) {
    reply_status(e, exchange, MATTER_IM_STATUS_TIMEOUT);
    return;
  }
  if (header->opcode == MATTER_IM_OPCODE_WRITE_REQUEST)
    handle_write(e, exchange, payload, len, true);
  else
    handle_invoke(e, exchange, payload, len, true);
}

static void
on_timed_error(void *user_data, MatterExchange *exchange, MatterError err, uint64_t now_ms)
{
  MatterImTimed *t = user_data;

  t->engine->now_ms = now_ms;
  timed_end(t);
  if (err != MATTER_ERROR_SESSION_CLOSED)
    matter_exchange_close(exchange, now_ms);
}

static const MatterExchangeHandler timed_handler = {
  .on_message = on_timed_message,
  .on_error = on_timed_error,
};

static void
start_timed(MatterImEngine *e, MatterExchange *exchange, const uint8_t *payload, size_t len)
{
  MatterImTimed *t = NULL;
  uint16_t timeout_ms;
  uint8_t buf[16];
  size_t out_len;

  if (matter_im_timed_request_decode(payload, len, &timeout_ms) != MATTER_OK) {
    reply_status(e, exchange, MATTER_IM_STATUS_INVALID_ACTION);
    return;
  }
  for (size_t i = 0; i < MATTER_IM_ENGINE_TIMED; i++)
    if (!e->timed[i].used) {
      t = &e->timed[i];
      break;
    }
  if (t == NULL) {
    reply_status(e, exchange, MATTER_IM_STATUS_RESOURCE_EXHAUSTED);
    return;
  }
  t->used = true;
  t->exchange = exchange;
  t->deadline_ms = e->now_ms + timeout_ms;
  matter_exchange_set_handler(exchange, &timed_handler, t);
  /* The exchange ends if nothing comes well after the deadline. */
  matter_exchange_set_timeout(exchange, t->deadline_ms + MATTER_IM_TIMED_GRACE_MS);
  if (matter_im_status_response_encode(MATTER_IM_STATUS_SUCCESS, buf, sizeof(buf), &out_len) ==
      MATTER_OK)
    send_im(e, exchange, MATTER_IM_OPCODE_STATUS_RESPONSE, buf, out_len);
}

/* ---- Dispatch ----------------------------------------------------------------- */

static void
on_unsolicited(void *user_data, MatterExchange *exchange, const MatterProtocolHeader *header,
               const uint8_t *payload, size_t len, uint64_t now_ms)
{
  MatterImEngine *e = user_data;

  e->now_ms = now_ms;
  switch (header->opcode) {
  case MATTER_IM_OPCODE_READ_REQUEST:
    start_read(e, exchange, payload, len);
    break;
  case MATTER_IM_OPCODE_WRITE_REQUEST:
    handle_write(e, exchange, payload, len, false);
    break;
  case MATTER_IM_OPCODE_INVOKE_REQUEST:
    handle_invoke(e, exchange, payload, len, false);
    break;
  case MATTER_IM_OPCODE_TIMED_REQUEST:
    start_timed(e, exchange, payload, len);
    break;
  case MATTER_IM_OPCODE_SUBSCRIBE_REQUEST:
    start_subscribe(e, exchange, payload, len);
    break;
  case MATTER_IM_OPCODE_STATUS_RESPONSE:
    /* Nothing to answer: a status for an interaction that is over. */
    matter_exchange_close(exchange, now_ms);
    break;
  default:
    reply_status(e, exchange, MATTER_IM_STATUS_INVALID_ACTION);
    break;
  }
}

static const MatterExchangeHandler unsolicited_handler = { .on_message = on_unsolicited };

MatterError
matter_im_engine_init(MatterImEngine *engine, MatterExchangeManager *exchanges, MatterDmNode *dm,
                      const MatterImEngineOwner *owner, void *owner_data)
{
  if (engine == NULL || exchanges == NULL || dm == NULL || owner == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  memset(engine, 0, sizeof(*engine));
  engine->exchanges = exchanges;
  engine->dm = dm;
  engine->owner = *owner;
  engine->owner_data = owner_data;
  for (size_t i = 0; i < MATTER_IM_ENGINE_READS; i++)
    engine->reads[i].engine = engine;
  for (size_t i = 0; i < MATTER_IM_ENGINE_SUBSCRIPTIONS; i++)
    engine->subscriptions[i].engine = engine;
  for (size_t i = 0; i < MATTER_IM_ENGINE_TIMED; i++)
    engine->timed[i].engine = engine;
  for (size_t i = 0; i < MATTER_IM_ENGINE_WRITES; i++)
    engine->writes[i].engine = engine;
  for (size_t i = 0; i < MATTER_IM_ENGINE_PENDING; i++)
    engine->pending[i].engine = engine;
  for (size_t i = 0; i < MATTER_IM_ENGINE_HELD_WRITES; i++)
    engine->held_writes[i].engine = engine;
  engine->pending_timeout_ms = MATTER_IM_PENDING_TIMEOUT_MS;
  return matter_exchange_manager_register(exchanges, MATTER_PROTOCOL_INTERACTION_MODEL,
                                          &unsolicited_handler, engine);
}

void
matter_im_engine_deinit(MatterImEngine *engine)
{
  if (engine == NULL || engine->exchanges == NULL)
    return;
  matter_exchange_manager_unregister(engine->exchanges, MATTER_PROTOCOL_INTERACTION_MODEL);
}
