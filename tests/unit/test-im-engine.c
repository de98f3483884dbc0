/* SPDX-License-Identifier: Apache-2.0 */
/* The Interaction Model engine in memory: a client of the core (its own
 * session table and exchange manager) and a server node with the engine,
 * joined by an in-memory network over a CASE session, on a fake clock.
 * The server has one test cluster on endpoint 1 with a plain attribute, a
 * long list, a timed attribute, a read-only one and a writable list that
 * it stages until list_write_done, and commands with and without a
 * response; it can leave writes and invokes pending, to answer them
 * later by token as a cluster of a host application does. The ACL lets
 * one client node operate and another only view. */

#include <glib.h>
#include <string.h>

#include "matter/im-engine.h"
#include "md-test-core.h"

#define assert_error md_test_assert_error
#define CLUSTER 0xFFF1FC01
#define OPERATOR UINT64_C(0x100)
#define VIEWER UINT64_C(0x200)
#define STRANGER UINT64_C(0x300)
#define LIST_ITEMS 40
#define ITEM_LEN 60
#define WRITABLE_LIST 4
#define STAGED_MAX 16
/* An item the cluster refuses once it sees the whole list. */
#define REFUSED_ITEM 0xFF

/* ---- The server's cluster -------------------------------------------------- */

typedef struct {
  uint8_t value;
  uint8_t timed_value;
  guint writes;
  guint invokes;
  /* The writable list: its committed items, and those being written. */
  uint8_t list[STAGED_MAX];
  size_t list_len;
  gboolean staging;
  uint8_t staged[STAGED_MAX];
  size_t staged_len;
  guint list_done_calls;
  gboolean list_done_successful;
  /* The next pend_writes write() calls and
   * pend_invokes invoke() calls answer PENDING, or BUSY without a token
   * (PENDING all the same when pend_without_token: a buggy cluster); the
   * tokens they had, in order. */
  guint pend_writes;
  guint pend_invokes;
  gboolean pend_without_token;
  uint32_t tokens[2 * MATTER_IM_ENGINE_PENDING];
  guint token_count;
} ClusterState;

static const MatterDmAttribute test_attributes[] = {
  { 0, 0, MATTER_ACL_PRIVILEGE_VIEW, MATTER_ACL_PRIVILEGE_OPERATE, 0 },
  { 1, MATTER_DM_LIST, MATTER_ACL_PRIVILEGE_VIEW, 0, 0 },
  { 2, MATTER_DM_TIMED, MATTER_ACL_PRIVILEGE_VIEW, MATTER_ACL_PRIVILEGE_OPERATE, 0 },
  { 3, 0, MATTER_ACL_PRIVILEGE_VIEW, 0, 0 },
  { WRITABLE_LIST, MATTER_DM_LIST, MATTER_ACL_PRIVILEGE_VIEW, MATTER_ACL_PRIVILEGE_OPERATE, 0 },
};
/* Event 1 is fabric-sensitive, event 2 for administrators only. */
static const MatterDmEvent test_events[] = {
  { 0, MATTER_ACL_PRIVILEGE_VIEW, MATTER_EVENT_PRIORITY_INFO, 0, 0 },
  { 1, MATTER_ACL_PRIVILEGE_VIEW, MATTER_EVENT_PRIORITY_CRITICAL, MATTER_DM_FABRIC_SENSITIVE, 0 },
  { 2, MATTER_ACL_PRIVILEGE_ADMINISTER, MATTER_EVENT_PRIORITY_INFO, 0, 0 },
};
static const MatterDmCommand test_commands[] = {
  { 0, MATTER_DM_NO_RESPONSE, MATTER_ACL_PRIVILEGE_OPERATE, 0, 0 },
  { 1, 2, MATTER_ACL_PRIVILEGE_OPERATE, 0, 0 },
  { 3, MATTER_DM_NO_RESPONSE, MATTER_ACL_PRIVILEGE_OPERATE, MATTER_DM_TIMED, 0 },
};

static uint8_t
cluster_read(MatterDmCluster *cluster, const MatterDmRequest *request, uint32_t attribute,
          MatterTlvWriter *w, MatterTlvTag tag)
{
  ClusterState *state = cluster->state;
  uint8_t item[ITEM_LEN];

  switch (attribute) {
  case 0:
    matter_tlv_put_uint(w, tag, state->value);
    return MATTER_IM_STATUS_SUCCESS;
  case 1:
    matter_tlv_start_array(w, tag);
    for (int i = 0; i < LIST_ITEMS; i++) {
      memset(item, i, sizeof(item));
      matter_tlv_put_bytes(w, matter_tlv_tag_anonymous(), item, sizeof(item));
    }
    matter_tlv_end_container(w);
    return MATTER_IM_STATUS_SUCCESS;
  case 2:
    matter_tlv_put_uint(w, tag, state->timed_value);
    return MATTER_IM_STATUS_SUCCESS;
  case 3:
    matter_tlv_put_bool(w, tag, true);
    return MATTER_IM_STATUS_SUCCESS;
  case WRITABLE_LIST:
    matter_tlv_start_array(w, tag);
    for (size_t i = 0; i < state->list_len; i++)
      matter_tlv_put_uint(w, matter_tlv_tag_anonymous(), state->list[i]);
    matter_tlv_end_container(w);
    return MATTER_IM_STATUS_SUCCESS;
  default:
    return MATTER_IM_STATUS_UNSUPPORTED_ATTRIBUTE;
  }
}

static uint8_t
stage_item(ClusterState *state, MatterTlvReader *value)
{
  uint8_t v;

  if (matter_tlv_get_u8(value, &v) != MATTER_OK)
    return MATTER_IM_STATUS_CONSTRAINT_ERROR;
  if (state->staged_len == STAGED_MAX)
    return MATTER_IM_STATUS_RESOURCE_EXHAUSTED;
  state->staged[state->staged_len++] = v;
  return MATTER_IM_STATUS_SUCCESS;
}

/* A replace starts the staged list afresh, an append continues it (from
 * the committed list when it comes first). */
static uint8_t
write_list(ClusterState *state, const MatterImAttributePath *path, MatterTlvReader *value)
{
  uint8_t status = MATTER_IM_STATUS_SUCCESS;

  state->writes++;
  if (path->list_index_kind == MATTER_IM_LIST_INDEX_APPEND) {
    if (!state->staging) {
      memcpy(state->staged, state->list, state->list_len);
      state->staged_len = state->list_len;
    }
    state->staging = TRUE;
    return stage_item(state, value);
  }
  state->staging = TRUE;
  state->staged_len = 0;
  if (matter_tlv_enter(value) != MATTER_OK)
    return MATTER_IM_STATUS_INVALID_DATA_TYPE;
  while (status == MATTER_IM_STATUS_SUCCESS && matter_tlv_next(value) == MATTER_OK)
    status = stage_item(state, value);
  return status;
}

static uint8_t
cluster_list_write_done(MatterDmCluster *cluster, const MatterDmRequest *request,
                        const MatterImAttributePath *path, bool successful)
{
  ClusterState *state = cluster->state;

  g_assert_cmpuint(path->attribute, ==, WRITABLE_LIST);
  g_assert_cmpint(path->list_index_kind, ==, MATTER_IM_LIST_INDEX_NONE);
  state->list_done_calls++;
  state->list_done_successful = successful;
  state->staging = FALSE;
  if (!successful)
    return MATTER_IM_STATUS_SUCCESS;
  if (memchr(state->staged, REFUSED_ITEM, state->staged_len) != NULL)
    return MATTER_IM_STATUS_CONSTRAINT_ERROR;
  memcpy(state->list, state->staged, state->staged_len);
  state->list_len = state->staged_len;
  return MATTER_IM_STATUS_SUCCESS;
}

/* A write or an invoke the cluster will answer later. */
static uint8_t
go_pending(ClusterState *state, const MatterDmRequest *request)
{
  g_assert_cmpuint(state->token_count, <, G_N_ELEMENTS(state->tokens));
  state->tokens[state->token_count++] = request->pending_token;
  if (request->pending_token == 0 && !state->pend_without_token)
    return MATTER_IM_STATUS_BUSY;
  return MATTER_DM_STATUS_PENDING;
}

static uint8_t
cluster_write(MatterDmCluster *cluster, const MatterDmRequest *request,
           const MatterImAttributePath *path, MatterTlvReader *value)
{
  ClusterState *state = cluster->state;
  uint8_t v;

  if (state->pend_writes > 0) {
    state->pend_writes--;
    return go_pending(state, request);
  }
  if (path->attribute == WRITABLE_LIST)
    return write_list(state, path, value);
  if (matter_tlv_get_u8(value, &v) != MATTER_OK)
    return MATTER_IM_STATUS_CONSTRAINT_ERROR;
  if (path->attribute == 2)
    state->timed_value = v;
  else
    state->value = v;
  state->writes++;
  return MATTER_IM_STATUS_SUCCESS;
}

static MatterDmInvokeResult
cluster_invoke(MatterDmCluster *cluster, const MatterDmRequest *request, uint32_t command,
            MatterTlvReader *fields, MatterTlvWriter *response, MatterTlvTag tag)
{
  ClusterState *state = cluster->state;
  MatterDmInvokeResult result = { .status = MATTER_IM_STATUS_SUCCESS };
  uint8_t arg = 0;

  state->invokes++;
  if (state->pend_invokes > 0) {
    state->pend_invokes--;
    result.status = go_pending(state, request);
    return result;
  }
  if (command == 1) {
    if (fields == NULL || matter_tlv_get_context_u8(fields, 0, &arg) != MATTER_OK) {
      result.status = MATTER_IM_STATUS_INVALID_COMMAND;
      return result;
    }
    matter_tlv_start_structure(response, tag);
    matter_tlv_put_uint(response, matter_tlv_tag_context(0), arg + 1u);
    matter_tlv_end_container(response);
    result.has_response = true;
    result.response_id = 2;
  }
  return result;
}

static const MatterDmClass test_class = {
  .id = CLUSTER,
  .revision = 1,
  .name = "Test",
  .attributes = test_attributes,
  .attribute_count = G_N_ELEMENTS(test_attributes),
  .commands = test_commands,
  .command_count = G_N_ELEMENTS(test_commands),
  .events = test_events,
  .event_count = G_N_ELEMENTS(test_events),
  .read = cluster_read,
  .write = cluster_write,
  .list_write_done = cluster_list_write_done,
  .invoke = cluster_invoke,
};

static const MatterAclEntry acl[] = {
  { .fabric_index = 1, .privilege = MATTER_ACL_PRIVILEGE_OPERATE,
    .auth_mode = MATTER_ACL_AUTH_CASE, .subject_count = 1, .subjects = { OPERATOR } },
  { .fabric_index = 1, .privilege = MATTER_ACL_PRIVILEGE_VIEW,
    .auth_mode = MATTER_ACL_AUTH_CASE, .subject_count = 1, .subjects = { VIEWER } },
};

static const MatterAclEntry *
owner_acl(void *user_data, size_t *count)
{
  *count = G_N_ELEMENTS(acl);
  return acl;
}


/* ---- Two nodes on an in-memory network ----------------------------------------- */

typedef struct {
  uint64_t now;
  GQueue to_server, to_client; /* GBytes */
  /* server */
  MatterSession server_secure[2], server_unsecured[1];
  MatterSessionTable server_sessions;
  MatterExchange server_slots[8];
  MatterExchangeManager server_exchanges;
  MatterImEngine *engine;
  ClusterState state;
  uint64_t ticks[16];
  MatterDmCluster cluster;
  MatterDmCluster *clusters[1];
  MatterDmDeviceType device_types[1];
  MatterDmEndpoint endpoint;
  MatterDmEndpoint *endpoints[1];
  MatterDmNode dm;
  /* client */
  MatterSession client_secure[2], client_unsecured[1];
  MatterSessionTable client_sessions;
  MatterExchange client_slots[8];
  MatterExchangeManager client_exchanges;
  MatterSession *client_session;
  GPtrArray *replies; /* GBytes: opcode byte, then payload */
  gboolean ack_reports; /* answer non-final reports with StatusResponse */
  uint8_t event_memory[MATTER_EVENT_PRIORITIES][8192];
  MatterEventLog events;
  guint transactions;   /* writes_begin calls */
  guint commits;        /* writes_end calls */
  gboolean fail_commit;
  GArray *refusals; /* guint32: action << 24 | id << 8 | status, in order */
  GArray *added;    /* MatterImSubscriptionRecord, from subscription_added */
  GArray *removed;  /* guint32: fabric << 24 ^ subscription id, from subscription_removed */
  GArray *lost;     /* guint32: the same, from subscription_lost */
} Test;

static void
owner_writes_begin(void *user_data, const MatterDmRequest *request)
{
  Test *t = user_data;

  g_assert_cmpuint(t->transactions, ==, t->commits);
  t->transactions++;
}

static bool
owner_writes_end(void *user_data, const MatterDmRequest *request)
{
  Test *t = user_data;

  t->commits++;
  g_assert_cmpuint(t->transactions, ==, t->commits);
  return !t->fail_commit;
}

static const MatterEventLog *
owner_event_log(void *user_data)
{
  return &((Test *) user_data)->events;
}

static void
owner_refused(void *user_data, const MatterSession *session, MatterImAction action,
              uint16_t endpoint, uint32_t cluster, uint32_t id, uint8_t status)
{
  Test *t = user_data;
  guint32 refusal = (guint32) action << 24 | (id & 0xFFFF) << 8 | status;

  g_assert_cmpuint(status, !=, MATTER_IM_STATUS_SUCCESS);
  g_array_append_val(t->refusals, refusal);
}

static void
owner_subscription_added(void *user_data, const MatterImSubscriptionRecord *record)
{
  g_array_append_val(((Test *) user_data)->added, *record);
}

static void
owner_subscription_removed(void *user_data, const MatterImSubscriptionRecord *record)
{
  guint32 removal = (guint32) record->fabric_index << 24 ^ record->subscription_id;

  g_assert_cmphex(record->peer_node_id, ==, VIEWER);

  g_array_append_val(((Test *) user_data)->removed, removal);
}

static void
owner_subscription_lost(void *user_data, const MatterImSubscriptionRecord *record,
                        uint64_t now_ms)
{
  guint32 loss = (guint32) record->fabric_index << 24 ^ record->subscription_id;

  g_array_append_val(((Test *) user_data)->lost, loss);
}

static const MatterImEngineOwner owner = {
  .acl = owner_acl,
  .writes_begin = owner_writes_begin,
  .writes_end = owner_writes_end,
  .event_log = owner_event_log,
  .refused = owner_refused,
  .subscription_added = owner_subscription_added,
  .subscription_removed = owner_subscription_removed,
  .subscription_lost = owner_subscription_lost,
};

static MatterError
server_send(void *user_data, const MatterSession *session, const uint8_t *msg, size_t len)
{
  g_queue_push_tail(&((Test *) user_data)->to_client, g_bytes_new(msg, len));
  return MATTER_OK;
}

static MatterError
client_send(void *user_data, const MatterSession *session, const uint8_t *msg, size_t len)
{
  g_queue_push_tail(&((Test *) user_data)->to_server, g_bytes_new(msg, len));
  return MATTER_OK;
}

static void
pump(Test *t)
{
  const MatterPeerAddress peer = { .transport = MATTER_TRANSPORT_UDP, .len = 1 };
  gboolean moved = TRUE;

  while (moved) {
    GBytes *bytes;

    moved = FALSE;
    while ((bytes = g_queue_pop_head(&t->to_server)) != NULL) {
      gsize len;
      const void *data = g_bytes_get_data(bytes, &len);
      g_autofree uint8_t *copy = g_memdup2(data, len);

      matter_exchange_manager_receive_raw(&t->server_exchanges, &peer, copy, len, t->now);
      g_bytes_unref(bytes);
      moved = TRUE;
    }
    while ((bytes = g_queue_pop_head(&t->to_client)) != NULL) {
      gsize len;
      const void *data = g_bytes_get_data(bytes, &len);
      g_autofree uint8_t *copy = g_memdup2(data, len);

      matter_exchange_manager_receive_raw(&t->client_exchanges, &peer, copy, len, t->now);
      g_bytes_unref(bytes);
      moved = TRUE;
    }
  }
}

static void
on_client_message(void *user_data, MatterExchange *exchange, const MatterProtocolHeader *header,
                  const uint8_t *payload, size_t len, uint64_t now)
{
  Test *t = user_data;
  GByteArray *reply = g_byte_array_new();
  MatterImReportData report;

  g_byte_array_append(reply, &header->opcode, 1);
  g_byte_array_append(reply, payload, (guint) len);
  g_ptr_array_add(t->replies, g_byte_array_free_to_bytes(reply));
  if (t->ack_reports && header->opcode == MATTER_IM_OPCODE_REPORT_DATA &&
      matter_im_report_data_decode(payload, len, &report) == MATTER_OK &&
      !report.suppress_response) {
    uint8_t buf[16];
    size_t out_len;

    matter_im_status_response_encode(MATTER_IM_STATUS_SUCCESS, buf, sizeof(buf), &out_len);
    matter_exchange_send(exchange, MATTER_PROTOCOL_INTERACTION_MODEL,
                         MATTER_IM_OPCODE_STATUS_RESPONSE, buf, out_len,
                         MATTER_EXCHANGE_SEND_RELIABLE, now);
  }
}

static const MatterExchangeHandler client_handler = { .on_message = on_client_message };

static void
secure_pair(Test *t, uint64_t client_node)
{
  MatterSessionSetup setup = { .kind = MATTER_SESSION_KIND_CASE, .fabric_index = 1 };
  MatterSession *server = NULL;

  memset(setup.i2r_key, 0x11, sizeof(setup.i2r_key));
  memset(setup.r2i_key, 0x22, sizeof(setup.r2i_key));
  matter_session_table_clear(&t->server_sessions);
  matter_session_table_clear(&t->client_sessions);
  g_assert_cmpint(matter_session_table_allocate(&t->server_sessions, 0, &server), ==, MATTER_OK);
  g_assert_cmpint(matter_session_table_allocate(&t->client_sessions, 0, &t->client_session), ==,
                  MATTER_OK);
  setup.role = MATTER_SESSION_ROLE_RESPONDER;
  setup.peer_session_id = t->client_session->local_session_id;
  setup.local_node_id = 0x5;
  setup.peer_node_id = client_node;
  setup.peer_address = (MatterPeerAddress) { .transport = MATTER_TRANSPORT_UDP, .len = 1 };
  g_assert_cmpint(matter_session_activate(&t->server_sessions, server, &setup, 0), ==, MATTER_OK);
  setup.role = MATTER_SESSION_ROLE_INITIATOR;
  setup.peer_session_id = server->local_session_id;
  setup.local_node_id = client_node;
  setup.peer_node_id = 0x5;
  g_assert_cmpint(matter_session_activate(&t->client_sessions, t->client_session, &setup, 0), ==,
                  MATTER_OK);
}

static Test *
test_new(uint64_t client_node)
{
  static const MatterExchangeCallbacks server_callbacks = { .send = server_send };
  static const MatterExchangeCallbacks client_callbacks = { .send = client_send };
  Test *t = g_new0(Test, 1);

  g_queue_init(&t->to_server);
  g_queue_init(&t->to_client);
  t->replies = g_ptr_array_new_with_free_func((GDestroyNotify) g_bytes_unref);
  t->refusals = g_array_new(FALSE, FALSE, sizeof(guint32));
  t->added = g_array_new(FALSE, FALSE, sizeof(MatterImSubscriptionRecord));
  t->removed = g_array_new(FALSE, FALSE, sizeof(guint32));
  t->lost = g_array_new(FALSE, FALSE, sizeof(guint32));
  t->ack_reports = TRUE;
  matter_session_table_init(&t->server_sessions, t->server_secure, 2, t->server_unsecured, 1,
                            NULL);
  matter_exchange_manager_init(&t->server_exchanges, &t->server_sessions, t->server_slots, 8,
                               &server_callbacks, t, NULL);
  matter_session_table_init(&t->client_sessions, t->client_secure, 2, t->client_unsecured, 1,
                            NULL);
  matter_exchange_manager_init(&t->client_exchanges, &t->client_sessions, t->client_slots, 8,
                               &client_callbacks, t, NULL);
  t->cluster = (MatterDmCluster) { &test_class, 1, 0, 0x1000, t->ticks, &t->state };
  t->clusters[0] = &t->cluster;
  t->device_types[0] = (MatterDmDeviceType) { 0xFFF10001, 1 };
  t->endpoint = (MatterDmEndpoint) { 1, t->device_types, 1, t->clusters, 1 };
  t->endpoints[0] = &t->endpoint;
  t->dm = (MatterDmNode) { t->endpoints, 1, 0 };
  /* Subscription reports come on exchanges the server starts. */
  matter_exchange_manager_register(&t->client_exchanges, MATTER_PROTOCOL_INTERACTION_MODEL,
                                   &client_handler, t);
  {
    MatterEventBuffer buffers[MATTER_EVENT_PRIORITIES];

    for (int i = 0; i < MATTER_EVENT_PRIORITIES; i++)
      buffers[i] = (MatterEventBuffer) { t->event_memory[i], sizeof(t->event_memory[i]) };
    g_assert_cmpint(matter_event_log_init(&t->events, buffers, 0, MATTER_EVENT_NUMBER_STEP, NULL,
                                          NULL),
                    ==, MATTER_OK);
  }
  t->engine = g_new0(MatterImEngine, 1);
  g_assert_cmpint(matter_im_engine_init(t->engine, &t->server_exchanges, &t->dm, &owner, t), ==,
                  MATTER_OK);
  secure_pair(t, client_node);
  return t;
}

static void
test_free(Test *t)
{
  GBytes *bytes;

  matter_im_engine_deinit(t->engine);
  g_free(t->engine);
  while ((bytes = g_queue_pop_head(&t->to_server)) != NULL)
    g_bytes_unref(bytes);
  while ((bytes = g_queue_pop_head(&t->to_client)) != NULL)
    g_bytes_unref(bytes);
  g_ptr_array_unref(t->replies);
  g_array_unref(t->refusals);
  g_array_unref(t->added);
  g_array_unref(t->removed);
  g_array_unref(t->lost);
  matter_session_table_clear(&t->server_sessions);
  matter_session_table_clear(&t->client_sessions);
  g_free(t);
}

/* Sends @payload as @opcode on a new exchange and runs the network. */
static MatterExchange *
request(Test *t, uint8_t opcode, const uint8_t *payload, size_t len)
{
  MatterExchange *exchange = NULL;

  g_assert_cmpint(matter_exchange_new(&t->client_exchanges, t->client_session, &client_handler, t,
                                      &exchange),
                  ==, MATTER_OK);
  g_assert_cmpint(matter_exchange_send(exchange, MATTER_PROTOCOL_INTERACTION_MODEL, opcode,
                                       payload, len, MATTER_EXCHANGE_SEND_RELIABLE, t->now),
                  ==, MATTER_OK);
  pump(t);
  return exchange;
}

static GBytes *
reply(Test *t, guint index, uint8_t opcode, const uint8_t **payload, size_t *len)
{
  GBytes *bytes;
  const uint8_t *data;
  gsize size;

  g_assert_cmpuint(index, <, t->replies->len);
  bytes = g_ptr_array_index(t->replies, index);
  data = g_bytes_get_data(bytes, &size);
  g_assert_cmphex(data[0], ==, opcode);
  *payload = data + 1;
  *len = size - 1;
  return bytes;
}

static uint8_t
status_reply(Test *t, guint index)
{
  const uint8_t *payload;
  size_t len;
  uint8_t status;

  reply(t, index, MATTER_IM_OPCODE_STATUS_RESPONSE, &payload, &len);
  assert_error(matter_im_status_response_decode(payload, len, &status), MATTER_OK);
  return status;
}

static void
read_paths(Test *t, const MatterImAttributePath *paths, size_t count)
{
  MatterImReadRequest req = { .has_attribute_requests = true, .attribute_path_count = count };
  uint8_t buf[512];
  size_t len;

  memcpy(req.attribute_paths, paths, count * sizeof(paths[0]));
  assert_error(matter_im_read_request_encode(&req, buf, sizeof(buf), &len), MATTER_OK);
  request(t, MATTER_IM_OPCODE_READ_REQUEST, buf, len);
}

static MatterImAttributePath
path_of(int endpoint, uint32_t cluster, int64_t attribute)
{
  MatterImAttributePath p = { .has_endpoint = endpoint >= 0, .endpoint = (uint16_t) endpoint,
                              .has_cluster = true, .cluster = cluster,
                              .has_attribute = attribute >= 0, .attribute = (uint32_t) attribute };

  return p;
}

/* Every AttributeReportIB of every report received, in order. */
static GArray *
all_reports(Test *t, gboolean *last_suppresses)
{
  GArray *reports = g_array_new(FALSE, FALSE, sizeof(MatterImAttributeReport));

  for (guint i = 0; i < t->replies->len; i++) {
    const uint8_t *payload;
    size_t len;
    MatterImReportData data;
    MatterImAttributeReport report;

    reply(t, i, MATTER_IM_OPCODE_REPORT_DATA, &payload, &len);
    assert_error(matter_im_report_data_decode(payload, len, &data), MATTER_OK);
    g_assert_cmpint(data.more_chunked_messages, ==, i + 1 < t->replies->len);
    *last_suppresses = data.suppress_response;
    while (matter_im_next_attribute_report(&data.attribute_reports, &report) == MATTER_OK)
      g_array_append_val(reports, report);
  }
  return reports;
}

/* ---- Reads ---------------------------------------------------------------------- */

static void
test_read_concrete(void)
{
  Test *t = test_new(OPERATOR);
  MatterImAttributePath paths[] = {
    path_of(1, CLUSTER, 0), path_of(2, CLUSTER, 0), path_of(1, 0x6, 0), path_of(1, CLUSTER, 9),
  };
  g_autoptr(GArray) reports = NULL;
  MatterImAttributeReport *r;
  MatterTlvReader value;
  gboolean suppress = FALSE;
  uint8_t v;

  t->state.value = 42;
  read_paths(t, paths, G_N_ELEMENTS(paths));
  reports = all_reports(t, &suppress);
  g_assert_true(suppress);
  g_assert_cmpuint(reports->len, ==, 4);
  r = &g_array_index(reports, MatterImAttributeReport, 0);
  g_assert_false(r->is_status);
  g_assert_cmphex(r->data.data_version, ==, 0x1000);
  assert_error(matter_im_data_reader(&r->data.data, &value), MATTER_OK);
  assert_error(matter_tlv_get_u8(&value, &v), MATTER_OK);
  g_assert_cmpuint(v, ==, 42);
  g_assert_cmphex(g_array_index(reports, MatterImAttributeReport, 1).status.status.status, ==,
                  MATTER_IM_STATUS_UNSUPPORTED_ENDPOINT);
  g_assert_cmphex(g_array_index(reports, MatterImAttributeReport, 2).status.status.status, ==,
                  MATTER_IM_STATUS_UNSUPPORTED_CLUSTER);
  g_assert_cmphex(g_array_index(reports, MatterImAttributeReport, 3).status.status.status, ==,
                  MATTER_IM_STATUS_UNSUPPORTED_ATTRIBUTE);
  test_free(t);
}

/* A node the ACL does not name: concrete paths are refused, a wildcard
 * shows nothing. */
static void
test_read_access(void)
{
  Test *t = test_new(STRANGER);
  MatterImAttributePath concrete = path_of(1, CLUSTER, 0), wildcard = path_of(-1, CLUSTER, -1);
  g_autoptr(GArray) first = NULL, second = NULL;
  gboolean suppress;

  read_paths(t, &concrete, 1);
  first = all_reports(t, &suppress);
  g_assert_cmpuint(first->len, ==, 1);
  g_assert_cmphex(g_array_index(first, MatterImAttributeReport, 0).status.status.status, ==,
                  MATTER_IM_STATUS_UNSUPPORTED_ACCESS);
  g_ptr_array_set_size(t->replies, 0);
  read_paths(t, &wildcard, 1);
  second = all_reports(t, &suppress);
  g_assert_cmpuint(second->len, ==, 0);
  test_free(t);
}

/* A whole-cluster read: every attribute and the globals, the long list
 * split over chunks as an empty replace and appends, in order. */
static void
test_read_chunked(void)
{
  Test *t = test_new(VIEWER);
  MatterImAttributePath path = path_of(1, CLUSTER, -1);
  g_autoptr(GArray) reports = NULL;
  gboolean suppress = FALSE;
  guint items = 0, i;
  uint32_t last_attribute = 0;

  read_paths(t, &path, 1);
  g_assert_cmpuint(t->replies->len, >, 1);
  reports = all_reports(t, &suppress);
  g_assert_true(suppress);
  for (i = 0; i < reports->len; i++) {
    MatterImAttributeReport *r = &g_array_index(reports, MatterImAttributeReport, i);

    g_assert_false(r->is_status);
    g_assert_cmpuint(r->data.path.attribute, >=, last_attribute);
    last_attribute = r->data.path.attribute;
    if (r->data.path.attribute == 1 &&
        r->data.path.list_index_kind == MATTER_IM_LIST_INDEX_APPEND) {
      MatterTlvReader item;
      const uint8_t *bytes;
      size_t len;

      assert_error(matter_im_data_reader(&r->data.data, &item), MATTER_OK);
      assert_error(matter_tlv_get_bytes(&item, &bytes, &len), MATTER_OK);
      g_assert_cmpuint(len, ==, ITEM_LEN);
      g_assert_cmpuint(bytes[0], ==, items);
      items++;
    }
  }
  g_assert_cmpuint(items, ==, LIST_ITEMS);
  /* 5 attributes and 5 globals, the long list as 1 + 40. */
  g_assert_cmpuint(reports->len, ==, 4 + 1 + LIST_ITEMS + 5);
  test_free(t);
}

/* A cluster at the version the client has sends nothing. */
static void
test_read_data_version_filter(void)
{
  Test *t = test_new(VIEWER);
  MatterImReadRequest req = { .has_attribute_requests = true, .attribute_path_count = 1,
                              .data_version_filter_count = 1 };
  g_autoptr(GArray) reports = NULL;
  gboolean suppress;
  uint8_t buf[256];
  size_t len;

  req.attribute_paths[0] = path_of(1, CLUSTER, 0);
  req.data_version_filters[0] = (MatterImDataVersionFilter) {
    .path = { .has_endpoint = true, .endpoint = 1, .has_cluster = true, .cluster = CLUSTER },
    .data_version = 0x1000,
  };
  assert_error(matter_im_read_request_encode(&req, buf, sizeof(buf), &len), MATTER_OK);
  request(t, MATTER_IM_OPCODE_READ_REQUEST, buf, len);
  reports = all_reports(t, &suppress);
  g_assert_cmpuint(reports->len, ==, 0);
  test_free(t);
}

/* More reads than the engine keeps at once: the one too many is refused,
 * the others go on. */
static void
test_read_exhausted(void)
{
  Test *t = test_new(VIEWER);
  MatterImAttributePath path = path_of(1, CLUSTER, -1);

  t->ack_reports = FALSE;
  for (int i = 0; i < MATTER_IM_ENGINE_READS; i++)
    read_paths(t, &path, 1);
  g_assert_cmpuint(t->replies->len, ==, MATTER_IM_ENGINE_READS);
  read_paths(t, &path, 1);
  g_assert_cmphex(status_reply(t, MATTER_IM_ENGINE_READS), ==,
                  MATTER_IM_STATUS_RESOURCE_EXHAUSTED);
  test_free(t);
}

static void
test_read_invalid(void)
{
  Test *t = test_new(VIEWER);
  static const uint8_t junk[] = { 0x15, 0x24, 0x03, 0x01, 0x18 };
  MatterImAttributePath append = path_of(1, CLUSTER, 1);
  MatterImAttributePath nonglobal = path_of(1, CLUSTER, 0);

  request(t, MATTER_IM_OPCODE_READ_REQUEST, junk, sizeof(junk));
  g_assert_cmphex(status_reply(t, 0), ==, MATTER_IM_STATUS_INVALID_ACTION);
  append.list_index_kind = MATTER_IM_LIST_INDEX_APPEND;
  read_paths(t, &append, 1);
  g_assert_cmphex(status_reply(t, 1), ==, MATTER_IM_STATUS_INVALID_ACTION);
  nonglobal.has_cluster = false;
  read_paths(t, &nonglobal, 1);
  g_assert_cmphex(status_reply(t, 2), ==, MATTER_IM_STATUS_INVALID_ACTION);
  request(t, 0x42, junk, sizeof(junk));
  g_assert_cmphex(status_reply(t, 3), ==, MATTER_IM_STATUS_INVALID_ACTION);
  test_free(t);
}

/* ---- Writes and invokes ------------------------------------------------------------ */

static uint8_t
write_u8(Test *t, uint32_t attribute, uint8_t value, gboolean timed, guint reply_index)
{
  uint8_t data[3] = { 0x24, MATTER_IM_TAG_DATA, value };
  MatterImAttributeData item = { .path = path_of(1, CLUSTER, attribute),
                                 .data = { data, sizeof(data) } };
  MatterImWriteResponse rsp;
  MatterImAttributeStatus status;
  const uint8_t *payload;
  size_t len;
  uint8_t buf[128];

  assert_error(matter_im_write_request_encode(false, timed, &item, 1, false, buf, sizeof(buf),
                                              &len),
               MATTER_OK);
  request(t, MATTER_IM_OPCODE_WRITE_REQUEST, buf, len);
  reply(t, reply_index, MATTER_IM_OPCODE_WRITE_RESPONSE, &payload, &len);
  assert_error(matter_im_write_response_decode(payload, len, &rsp), MATTER_OK);
  assert_error(matter_im_next_attribute_status(&rsp.responses, &status), MATTER_OK);
  g_assert_cmphex(status.path.attribute, ==, attribute);
  return status.status.status;
}

static void
test_write(void)
{
  Test *t = test_new(OPERATOR);

  g_assert_cmphex(write_u8(t, 0, 7, FALSE, 0), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(t->state.value, ==, 7);
  g_assert_cmphex(write_u8(t, 3, 1, FALSE, 1), ==, MATTER_IM_STATUS_UNSUPPORTED_WRITE);
  g_assert_cmphex(write_u8(t, 2, 1, FALSE, 2), ==, MATTER_IM_STATUS_NEEDS_TIMED_INTERACTION);
  g_assert_cmphex(write_u8(t, 9, 1, FALSE, 3), ==, MATTER_IM_STATUS_UNSUPPORTED_ATTRIBUTE);
  g_assert_cmpuint(t->state.writes, ==, 1);
  /* Each refusal reached the owner's log, the success did not. */
  {
    const guint32 want[] = {
      MATTER_IM_ACTION_WRITE << 24 | 3 << 8 | MATTER_IM_STATUS_UNSUPPORTED_WRITE,
      MATTER_IM_ACTION_WRITE << 24 | 2 << 8 | MATTER_IM_STATUS_NEEDS_TIMED_INTERACTION,
      MATTER_IM_ACTION_WRITE << 24 | 9 << 8 | MATTER_IM_STATUS_UNSUPPORTED_ATTRIBUTE,
    };

    g_assert_cmpmem(t->refusals->data, t->refusals->len * sizeof(guint32), want, sizeof(want));
  }
  test_free(t);

  t = test_new(VIEWER);
  g_assert_cmphex(write_u8(t, 0, 7, FALSE, 0), ==, MATTER_IM_STATUS_UNSUPPORTED_ACCESS);
  g_assert_cmpuint(t->state.writes, ==, 0);
  test_free(t);
}

/* A TimedRequest of @timeout_ms, then @delay_ms later the timed write of
 * 9 to the timed attribute on the same exchange; the write request is
 * left in @buf (@len). */
static void
timed_write(Test *t, uint16_t timeout_ms, uint64_t delay_ms, uint8_t buf[128], size_t *len)
{
  uint8_t data[3] = { 0x24, MATTER_IM_TAG_DATA, 9 };
  MatterImAttributeData item = { .path = path_of(1, CLUSTER, 2), .data = { data, sizeof(data) } };
  MatterExchange *exchange;

  assert_error(matter_im_timed_request_encode(timeout_ms, buf, 128, len), MATTER_OK);
  exchange = request(t, MATTER_IM_OPCODE_TIMED_REQUEST, buf, *len);
  assert_error(matter_im_write_request_encode(false, true, &item, 1, false, buf, 128, len),
               MATTER_OK);
  t->now += delay_ms;
  assert_error(matter_exchange_send(exchange, MATTER_PROTOCOL_INTERACTION_MODEL,
                                    MATTER_IM_OPCODE_WRITE_REQUEST, buf, *len,
                                    MATTER_EXCHANGE_SEND_RELIABLE, t->now),
               MATTER_OK);
  pump(t);
}

/* TimedRequest, then the timed write on the same exchange. */
static void
test_timed_write(void)
{
  Test *t = test_new(OPERATOR);
  uint8_t buf[128];
  size_t len;

  timed_write(t, 1000, 500, buf, &len);
  g_assert_cmphex(status_reply(t, 0), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(t->state.timed_value, ==, 9);

  /* Timed without a TimedRequest. */
  request(t, MATTER_IM_OPCODE_WRITE_REQUEST, buf, len);
  g_assert_cmphex(status_reply(t, 2), ==, MATTER_IM_STATUS_TIMED_REQUEST_MISMATCH);
  g_assert_cmpuint(t->state.writes, ==, 1);
  test_free(t);
}

static void
test_timed_late(void)
{
  Test *t = test_new(OPERATOR);
  uint8_t buf[128];
  size_t len;

  timed_write(t, 100, 150, buf, &len);
  g_assert_cmphex(status_reply(t, 1), ==, MATTER_IM_STATUS_TIMEOUT);
  g_assert_cmpuint(t->state.writes, ==, 0);
  test_free(t);
}

/* ---- Chunked writes (8.7.2) -------------------------------------------------------- */

static const uint8_t empty_list[] = { 0x36, MATTER_IM_TAG_DATA, 0x18 };

/* A u8 element with the Data tag, in @buf. */
static MatterImAttributeData
u8_write(uint32_t attribute, MatterImListIndexKind kind, uint8_t value, uint8_t buf[3])
{
  MatterImAttributeData item = { .path = path_of(1, CLUSTER, attribute), .data = { buf, 3 } };

  buf[0] = 0x24;
  buf[1] = MATTER_IM_TAG_DATA;
  buf[2] = value;
  item.path.list_index_kind = kind;
  return item;
}

static MatterImAttributeData
list_replace(void)
{
  MatterImAttributeData item = { .path = path_of(1, CLUSTER, WRITABLE_LIST),
                                 .data = { empty_list, sizeof(empty_list) } };

  return item;
}

/* Sends one WriteRequest on @exchange, or on a new one when NULL. */
static MatterExchange *
send_chunk(Test *t, MatterExchange *exchange, const MatterImAttributeData *items, size_t count,
           gboolean more, gboolean timed)
{
  uint8_t buf[512];
  size_t len;

  assert_error(matter_im_write_request_encode(false, timed, items, count, more, buf, sizeof(buf),
                                              &len),
               MATTER_OK);
  if (exchange == NULL)
    return request(t, MATTER_IM_OPCODE_WRITE_REQUEST, buf, len);
  assert_error(matter_exchange_send(exchange, MATTER_PROTOCOL_INTERACTION_MODEL,
                                    MATTER_IM_OPCODE_WRITE_REQUEST, buf, len,
                                    MATTER_EXCHANGE_SEND_RELIABLE, t->now),
               MATTER_OK);
  pump(t);
  return exchange;
}

/* The statuses of the WriteResponse at @index. */
static GArray *
write_statuses(Test *t, guint index)
{
  GArray *statuses = g_array_new(FALSE, FALSE, sizeof(MatterImAttributeStatus));
  MatterImWriteResponse rsp;
  MatterImAttributeStatus status;
  const uint8_t *payload;
  size_t len;

  reply(t, index, MATTER_IM_OPCODE_WRITE_RESPONSE, &payload, &len);
  assert_error(matter_im_write_response_decode(payload, len, &rsp), MATTER_OK);
  while (matter_im_next_attribute_status(&rsp.responses, &status) == MATTER_OK)
    g_array_append_val(statuses, status);
  return statuses;
}

static void
assert_status(GArray *statuses, guint index, uint32_t attribute, uint8_t status)
{
  MatterImAttributeStatus *s;

  g_assert_cmpuint(index, <, statuses->len);
  s = &g_array_index(statuses, MatterImAttributeStatus, index);
  g_assert_cmphex(s->path.attribute, ==, attribute);
  g_assert_cmphex(s->status.status, ==, status);
}

/* Both sides' exchange managers at @now: acknowledgements, timeouts. */
static void
run_exchanges(Test *t, uint64_t now)
{
  t->now = now;
  matter_exchange_manager_process(&t->client_exchanges, now);
  matter_exchange_manager_process(&t->server_exchanges, now);
  pump(t);
}

static MatterSession *
server_session(Test *t)
{
  return t->server_secure[0].state == MATTER_SESSION_ACTIVE ? &t->server_secure[0]
                                                            : &t->server_secure[1];
}

/* The server's engine at @now: reports, keep-alives, pending timeouts. */
static void
run_to(Test *t, uint64_t now)
{
  t->now = now;
  matter_im_engine_process(t->engine, now);
  pump(t);
}

/* A list as an empty replace and four appends over three messages: each
 * is answered and committed on its own, and the cluster sees the list
 * whole once the last message is in. The appends' data versions are not
 * checked (only the first chunk's is). */
static void
test_write_chunked_list(void)
{
  Test *t = test_new(OPERATOR);
  uint8_t b[4][3];
  MatterImAttributeData first[] = { list_replace(),
                                    u8_write(WRITABLE_LIST, MATTER_IM_LIST_INDEX_APPEND, 1, b[0]) };
  MatterImAttributeData second[] = {
    u8_write(WRITABLE_LIST, MATTER_IM_LIST_INDEX_APPEND, 2, b[1]),
    u8_write(WRITABLE_LIST, MATTER_IM_LIST_INDEX_APPEND, 3, b[2]),
  };
  MatterImAttributeData third[] = { u8_write(WRITABLE_LIST, MATTER_IM_LIST_INDEX_APPEND, 4, b[3]) };
  static const uint8_t whole[] = { 1, 2, 3, 4 };
  g_autoptr(GArray) s0 = NULL, s1 = NULL, s2 = NULL;
  MatterExchange *exchange;

  first[0].has_data_version = true;
  first[0].data_version = 0x1000;
  second[0].has_data_version = true;
  second[0].data_version = 0xBAD;
  exchange = send_chunk(t, NULL, first, 2, TRUE, FALSE);
  s0 = write_statuses(t, 0);
  g_assert_cmpuint(s0->len, ==, 2);
  assert_status(s0, 0, WRITABLE_LIST, MATTER_IM_STATUS_SUCCESS);
  assert_status(s0, 1, WRITABLE_LIST, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(t->state.list_done_calls, ==, 0);
  send_chunk(t, exchange, second, 2, TRUE, FALSE);
  s1 = write_statuses(t, 1);
  g_assert_cmpuint(s1->len, ==, 2);
  assert_status(s1, 1, WRITABLE_LIST, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(t->state.list_done_calls, ==, 0);
  g_assert_cmpuint(t->state.list_len, ==, 0);
  send_chunk(t, exchange, third, 1, FALSE, FALSE);
  s2 = write_statuses(t, 2);
  g_assert_cmpuint(s2->len, ==, 1);
  assert_status(s2, 0, WRITABLE_LIST, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(t->state.list_done_calls, ==, 1);
  g_assert_true(t->state.list_done_successful);
  g_assert_cmpmem(t->state.list, t->state.list_len, whole, sizeof(whole));
  /* One transaction per message. */
  g_assert_cmpuint(t->transactions, ==, 3);
  g_assert_cmpuint(t->commits, ==, 3);
  g_assert_cmpuint(t->replies->len, ==, 3);
  test_free(t);
}

/* The cluster refuses the list when the next message writes another
 * path: the refusal comes back under the list's path in that message's
 * answer, and the list stays as it was. */
static void
test_write_chunked_refused(void)
{
  Test *t = test_new(OPERATOR);
  uint8_t b[2][3];
  MatterImAttributeData first[] = {
    list_replace(), u8_write(WRITABLE_LIST, MATTER_IM_LIST_INDEX_APPEND, REFUSED_ITEM, b[0]),
  };
  MatterImAttributeData second[] = { u8_write(0, MATTER_IM_LIST_INDEX_NONE, 5, b[1]) };
  g_autoptr(GArray) s1 = NULL;
  MatterExchange *exchange;

  t->state.list[0] = 7;
  t->state.list_len = 1;
  exchange = send_chunk(t, NULL, first, 2, TRUE, FALSE);
  g_assert_cmpuint(t->state.list_done_calls, ==, 0);
  send_chunk(t, exchange, second, 1, FALSE, FALSE);
  s1 = write_statuses(t, 1);
  g_assert_cmpuint(s1->len, ==, 2);
  assert_status(s1, 0, WRITABLE_LIST, MATTER_IM_STATUS_CONSTRAINT_ERROR);
  assert_status(s1, 1, 0, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(t->state.list_done_calls, ==, 1);
  g_assert_cmpuint(t->state.list_len, ==, 1);
  g_assert_cmpuint(t->state.list[0], ==, 7);
  g_assert_cmpuint(t->state.value, ==, 5);
  test_free(t);
}

/* A chunk on another exchange is a write of its own (and may not touch
 * the list in progress); after the timeout the write in progress is
 * dropped, and its next chunk starts afresh. */
static void
test_write_chunked_not_merged(void)
{
  Test *t = test_new(OPERATOR);
  uint8_t b[3][3];
  MatterImAttributeData first[] = { list_replace(),
                                    u8_write(WRITABLE_LIST, MATTER_IM_LIST_INDEX_APPEND, 1, b[0]) };
  MatterImAttributeData other = u8_write(WRITABLE_LIST, MATTER_IM_LIST_INDEX_APPEND, 2, b[1]);
  MatterImAttributeData late = u8_write(WRITABLE_LIST, MATTER_IM_LIST_INDEX_APPEND, 3, b[2]);
  g_autoptr(GArray) s1 = NULL, s2 = NULL;
  MatterExchange *exchange;

  exchange = send_chunk(t, NULL, first, 2, TRUE, FALSE);
  send_chunk(t, NULL, &other, 1, FALSE, FALSE);
  s1 = write_statuses(t, 1);
  assert_status(s1, 0, WRITABLE_LIST, MATTER_IM_STATUS_BUSY);
  g_assert_cmpuint(t->state.list_done_calls, ==, 0);
  g_assert_cmpuint(t->state.staged_len, ==, 1);

  run_exchanges(t, t->now + 1000);
  g_assert_cmpuint(t->state.list_done_calls, ==, 0);
  run_exchanges(t, t->now + MATTER_IM_WRITE_CHUNK_TIMEOUT_MS);
  g_assert_cmpuint(t->state.list_done_calls, ==, 1);
  g_assert_false(t->state.list_done_successful);
  g_assert_cmpuint(t->state.list_len, ==, 0);

  send_chunk(t, exchange, &late, 1, FALSE, FALSE);
  s2 = write_statuses(t, 2);
  assert_status(s2, 0, WRITABLE_LIST, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(t->state.list_done_calls, ==, 2);
  g_assert_true(t->state.list_done_successful);
  g_assert_cmpuint(t->state.list_len, ==, 1);
  g_assert_cmpuint(t->state.list[0], ==, 3);
  test_free(t);
}

/* Every write slot waits for a next chunk: one more chunked write is
 * refused, and reads go on. */
static void
test_write_chunked_exhausted(void)
{
  Test *t = test_new(OPERATOR);
  MatterImAttributePath path = path_of(1, CLUSTER, 0);
  uint8_t b[3];
  MatterImAttributeData item = u8_write(0, MATTER_IM_LIST_INDEX_NONE, 1, b);
  g_autoptr(GArray) reports = NULL;
  gboolean suppress;

  for (guint i = 0; i < MATTER_IM_ENGINE_WRITES; i++) {
    g_autoptr(GArray) statuses = NULL;

    send_chunk(t, NULL, &item, 1, TRUE, FALSE);
    statuses = write_statuses(t, i);
    assert_status(statuses, 0, 0, MATTER_IM_STATUS_SUCCESS);
  }
  send_chunk(t, NULL, &item, 1, TRUE, FALSE);
  g_assert_cmphex(status_reply(t, MATTER_IM_ENGINE_WRITES), ==,
                  MATTER_IM_STATUS_RESOURCE_EXHAUSTED);
  g_assert_cmpuint(t->state.writes, ==, MATTER_IM_ENGINE_WRITES);
  g_ptr_array_set_size(t->replies, 0);
  read_paths(t, &path, 1);
  reports = all_reports(t, &suppress);
  g_assert_cmpuint(reports->len, ==, 1);
  g_assert_false(g_array_index(reports, MatterImAttributeReport, 0).is_status);
  test_free(t);
}

/* After a TimedRequest, every chunk is timed, also once the TimedRequest's
 * own deadline passed; a chunk that says otherwise ends the write. */
static void
test_write_chunked_timed(void)
{
  Test *t = test_new(OPERATOR);
  uint8_t b[2][3];
  MatterImAttributeData first = u8_write(0, MATTER_IM_LIST_INDEX_NONE, 1, b[0]);
  MatterImAttributeData second = u8_write(2, MATTER_IM_LIST_INDEX_NONE, 9, b[1]);
  g_autoptr(GArray) s1 = NULL, s2 = NULL;
  MatterExchange *exchange;
  uint8_t buf[32];
  size_t len;

  assert_error(matter_im_timed_request_encode(500, buf, sizeof(buf), &len), MATTER_OK);
  exchange = request(t, MATTER_IM_OPCODE_TIMED_REQUEST, buf, len);
  g_assert_cmphex(status_reply(t, 0), ==, MATTER_IM_STATUS_SUCCESS);
  send_chunk(t, exchange, &first, 1, TRUE, TRUE);
  s1 = write_statuses(t, 1);
  assert_status(s1, 0, 0, MATTER_IM_STATUS_SUCCESS);
  t->now += 1000;
  send_chunk(t, exchange, &second, 1, FALSE, TRUE);
  s2 = write_statuses(t, 2);
  assert_status(s2, 0, 2, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(t->state.timed_value, ==, 9);

  exchange = request(t, MATTER_IM_OPCODE_TIMED_REQUEST, buf, len);
  send_chunk(t, exchange, &first, 1, TRUE, TRUE);
  send_chunk(t, exchange, &second, 1, FALSE, FALSE);
  g_assert_cmphex(status_reply(t, 5), ==, MATTER_IM_STATUS_TIMED_REQUEST_MISMATCH);
  g_assert_cmpuint(t->state.writes, ==, 3);
  test_free(t);
}

static MatterImInvokeResponse
invoke(Test *t, uint32_t command, gboolean with_arg, gboolean timed, guint reply_index)
{
  static const uint8_t fields[] = { 0x15, 0x24, 0x00, 0x29, 0x18 };
  MatterImCommandData cmd = { .path = { .has_endpoint = true, .endpoint = 1, .cluster = CLUSTER,
                                        .command = command },
                              .has_fields = with_arg,
                              .fields = { fields, sizeof(fields) } };
  MatterImInvokeResponseMessage rsp;
  MatterImInvokeResponse item;
  const uint8_t *payload;
  uint8_t buf[128];
  size_t len;

  assert_error(matter_im_invoke_request_encode(false, timed, &cmd, 1, buf, sizeof(buf), &len),
               MATTER_OK);
  request(t, MATTER_IM_OPCODE_INVOKE_REQUEST, buf, len);
  reply(t, reply_index, MATTER_IM_OPCODE_INVOKE_RESPONSE, &payload, &len);
  assert_error(matter_im_invoke_response_decode(payload, len, &rsp), MATTER_OK);
  assert_error(matter_im_next_invoke_response(&rsp.responses, &item), MATTER_OK);
  return item;
}

static void
test_invoke(void)
{
  Test *t = test_new(OPERATOR);
  MatterImInvokeResponse r;
  MatterTlvReader fields;
  uint8_t v;

  r = invoke(t, 1, TRUE, FALSE, 0);
  g_assert_false(r.is_status);
  g_assert_cmphex(r.command.path.command, ==, 2);
  assert_error(matter_im_data_reader(&r.command.fields, &fields), MATTER_OK);
  assert_error(matter_tlv_enter(&fields), MATTER_OK);
  assert_error(matter_tlv_get_context_u8(&fields, 0, &v), MATTER_OK);
  g_assert_cmpuint(v, ==, 42);
  r = invoke(t, 0, FALSE, FALSE, 1);
  g_assert_true(r.is_status);
  g_assert_cmphex(r.status.status, ==, MATTER_IM_STATUS_SUCCESS);
  r = invoke(t, 7, FALSE, FALSE, 2);
  g_assert_cmphex(r.status.status, ==, MATTER_IM_STATUS_UNSUPPORTED_COMMAND);
  r = invoke(t, 3, FALSE, FALSE, 3);
  g_assert_cmphex(r.status.status, ==, MATTER_IM_STATUS_NEEDS_TIMED_INTERACTION);
  r = invoke(t, 1, FALSE, FALSE, 4);
  g_assert_cmphex(r.status.status, ==, MATTER_IM_STATUS_INVALID_COMMAND);
  g_assert_cmpuint(t->state.invokes, ==, 3);
  {
    const guint32 want[] = {
      MATTER_IM_ACTION_INVOKE << 24 | 7 << 8 | MATTER_IM_STATUS_UNSUPPORTED_COMMAND,
      MATTER_IM_ACTION_INVOKE << 24 | 3 << 8 | MATTER_IM_STATUS_NEEDS_TIMED_INTERACTION,
      MATTER_IM_ACTION_INVOKE << 24 | 1 << 8 | MATTER_IM_STATUS_INVALID_COMMAND,
    };

    g_assert_cmpmem(t->refusals->data, t->refusals->len * sizeof(guint32), want, sizeof(want));
  }
  test_free(t);

  t = test_new(VIEWER);
  r = invoke(t, 0, FALSE, FALSE, 0);
  g_assert_cmphex(r.status.status, ==, MATTER_IM_STATUS_UNSUPPORTED_ACCESS);
  g_assert_cmpuint(t->state.invokes, ==, 0);
  test_free(t);
}

/* Two commands where one is allowed: the request is refused whole. */
static void
test_invoke_too_many(void)
{
  Test *t = test_new(OPERATOR);
  MatterImCommandData cmds[2] = {
    { .path = { .has_endpoint = true, .endpoint = 1, .cluster = CLUSTER, .command = 0 },
      .has_ref = true, .ref = 1 },
    { .path = { .has_endpoint = true, .endpoint = 1, .cluster = CLUSTER, .command = 0 },
      .has_ref = true, .ref = 2 },
  };
  uint8_t buf[128];
  size_t len;

  assert_error(matter_im_invoke_request_encode(false, false, cmds, 2, buf, sizeof(buf), &len),
               MATTER_OK);
  request(t, MATTER_IM_OPCODE_INVOKE_REQUEST, buf, len);
  g_assert_cmphex(status_reply(t, 0), ==, MATTER_IM_STATUS_INVALID_ACTION);
  g_assert_cmpuint(t->state.invokes, ==, 0);
  test_free(t);
}

/* ---- Pending writes and invokes ------------------------------------------------------ */

static uint32_t
last_token(Test *t)
{
  g_assert_cmpuint(t->state.token_count, >, 0);
  return t->state.tokens[t->state.token_count - 1];
}

/* Sends an InvokeRequest for @command (with a field for command 1) on
 * @exchange, or on a new one when NULL; nothing waits for the answer. */
static MatterExchange *
send_invoke(Test *t, MatterExchange *exchange, uint32_t command, gboolean suppress,
            gboolean timed, uint16_t ref)
{
  static const uint8_t fields[] = { 0x15, 0x24, 0x00, 0x29, 0x18 };
  MatterImCommandData cmd = { .path = { .has_endpoint = true, .endpoint = 1, .cluster = CLUSTER,
                                        .command = command },
                              .has_fields = command == 1,
                              .fields = { fields, sizeof(fields) },
                              .has_ref = ref != 0,
                              .ref = ref };
  uint8_t buf[128];
  size_t len;

  assert_error(matter_im_invoke_request_encode(suppress, timed, &cmd, 1, buf, sizeof(buf), &len),
               MATTER_OK);
  if (exchange == NULL)
    return request(t, MATTER_IM_OPCODE_INVOKE_REQUEST, buf, len);
  assert_error(matter_exchange_send(exchange, MATTER_PROTOCOL_INTERACTION_MODEL,
                                    MATTER_IM_OPCODE_INVOKE_REQUEST, buf, len,
                                    MATTER_EXCHANGE_SEND_RELIABLE, t->now),
               MATTER_OK);
  pump(t);
  return exchange;
}

/* The one InvokeResponseIB of the reply at @index. */
static MatterImInvokeResponse
invoke_reply(Test *t, guint index)
{
  MatterImInvokeResponseMessage rsp;
  MatterImInvokeResponse item;
  const uint8_t *payload;
  size_t len;

  reply(t, index, MATTER_IM_OPCODE_INVOKE_RESPONSE, &payload, &len);
  assert_error(matter_im_invoke_response_decode(payload, len, &rsp), MATTER_OK);
  assert_error(matter_im_next_invoke_response(&rsp.responses, &item), MATTER_OK);
  return item;
}

/* Writes of @count values to attribute 0 in one WriteRequest. */
static MatterExchange *
write_values(Test *t, guint count, gboolean suppress)
{
  uint8_t b[MATTER_IM_ENGINE_PENDING + 1][3];
  MatterImAttributeData items[MATTER_IM_ENGINE_PENDING + 1];
  uint8_t buf[1024];
  size_t len;

  g_assert_cmpuint(count, <=, G_N_ELEMENTS(items));
  for (guint i = 0; i < count; i++)
    items[i] = u8_write(0, MATTER_IM_LIST_INDEX_NONE, (uint8_t) (i + 1), b[i]);
  assert_error(matter_im_write_request_encode(suppress, false, items, count, false, buf,
                                              sizeof(buf), &len),
               MATTER_OK);
  return request(t, MATTER_IM_OPCODE_WRITE_REQUEST, buf, len);
}

/* An invoke the cluster answers later with a status: the exchange stays
 * open without an answer, MRP acknowledges the request meanwhile (a
 * standalone acknowledgement once its timer runs out, after which the
 * client stops retransmitting), and the answer goes out when the cluster
 * gives it, CommandRef echoed. The token then is spent. */
static void
test_pending_invoke_status(void)
{
  Test *t = test_new(OPERATOR);
  MatterDmInvokeResult answer = { .status = MATTER_IM_STATUS_FAILURE, .has_cluster_status = true,
                                  .cluster_status = 3 };
  const guint32 refusal = MATTER_IM_ACTION_INVOKE << 24 | 0 << 8 | MATTER_IM_STATUS_FAILURE;
  MatterImInvokeResponse r;
  MatterExchange *exchange;
  uint32_t token;

  t->now = 1000;
  t->state.pend_invokes = 1;
  exchange = send_invoke(t, NULL, 0, FALSE, FALSE, 7);
  token = last_token(t);
  g_assert_cmphex(token, !=, 0);
  g_assert_cmpuint(t->replies->len, ==, 0);
  g_assert_cmpuint(matter_im_engine_next_deadline(t->engine), ==,
                   1000 + MATTER_IM_PENDING_TIMEOUT_MS);
  run_exchanges(t, 1000 + MATTER_MRP_STANDALONE_ACK_TIMEOUT_MS / 2);
  g_assert_true(exchange->retrans.active);
  run_exchanges(t, 1000 + MATTER_MRP_STANDALONE_ACK_TIMEOUT_MS);
  g_assert_false(exchange->retrans.active);
  /* Long past every retransmission the request could have had. */
  for (uint64_t at = 2000; at < 1000 + MATTER_IM_PENDING_TIMEOUT_MS; at += 1000)
    run_exchanges(t, at);
  g_assert_cmpuint(t->replies->len, ==, 0);
  g_assert_cmpuint(matter_exchange_manager_count(&t->server_exchanges, server_session(t)), ==, 1);
  g_assert_cmpuint(t->refusals->len, ==, 0);

  g_assert_true(matter_im_engine_complete_invoke(t->engine, token, &answer, NULL, 0, t->now));
  pump(t);
  g_assert_cmpuint(t->replies->len, ==, 1);
  r = invoke_reply(t, 0);
  g_assert_true(r.is_status);
  g_assert_cmphex(r.status_path.command, ==, 0);
  g_assert_cmphex(r.status.status, ==, MATTER_IM_STATUS_FAILURE);
  g_assert_true(r.status.has_cluster_status);
  g_assert_cmpuint(r.status.cluster_status, ==, 3);
  g_assert_true(r.has_ref);
  g_assert_cmpuint(r.ref, ==, 7);
  g_assert_cmpmem(t->refusals->data, t->refusals->len * sizeof(guint32), &refusal,
                  sizeof(refusal));
  g_assert_false(matter_im_engine_complete_invoke(t->engine, token, &answer, NULL, 0, t->now));
  g_assert_cmpuint(matter_im_engine_next_deadline(t->engine), ==, MATTER_MRP_NEVER);
  test_free(t);
}

/* A pending invoke answered with a response command, whose fields the
 * engine takes as given; fields that are no structure make FAILURE. */
static void
test_pending_invoke_response(void)
{
  static const uint8_t fields[] = { 0x35, 0x01, 0x24, 0x00, 0x2B, 0x18 };
  static const uint8_t junk[] = { 0x24, 0x01 };
  MatterDmInvokeResult answer = { .status = MATTER_IM_STATUS_SUCCESS, .has_response = true,
                                  .response_id = 2 };
  Test *t = test_new(OPERATOR);
  MatterImInvokeResponse r;
  MatterTlvReader reader;
  uint8_t v;

  t->state.pend_invokes = 2;
  send_invoke(t, NULL, 1, FALSE, FALSE, 9);
  g_assert_true(matter_im_engine_complete_invoke(t->engine, last_token(t), &answer, fields,
                                                 sizeof(fields), t->now));
  pump(t);
  r = invoke_reply(t, 0);
  g_assert_false(r.is_status);
  g_assert_cmphex(r.command.path.command, ==, 2);
  g_assert_cmphex(r.command.path.cluster, ==, CLUSTER);
  g_assert_true(r.command.has_ref);
  g_assert_cmpuint(r.command.ref, ==, 9);
  assert_error(matter_im_data_reader(&r.command.fields, &reader), MATTER_OK);
  assert_error(matter_tlv_enter(&reader), MATTER_OK);
  assert_error(matter_tlv_get_context_u8(&reader, 0, &v), MATTER_OK);
  g_assert_cmpuint(v, ==, 43);

  send_invoke(t, NULL, 1, FALSE, FALSE, 0);
  g_assert_true(matter_im_engine_complete_invoke(t->engine, last_token(t), &answer, junk,
                                                 sizeof(junk), t->now));
  pump(t);
  r = invoke_reply(t, 1);
  g_assert_true(r.is_status);
  g_assert_cmphex(r.status.status, ==, MATTER_IM_STATUS_FAILURE);
  test_free(t);
}

/* A cluster that never answers: TIMEOUT for the command's path once the
 * pending timeout passed, and its token no longer works. */
static void
test_pending_invoke_timeout(void)
{
  Test *t = test_new(OPERATOR);
  MatterDmInvokeResult answer = { .status = MATTER_IM_STATUS_SUCCESS };
  const guint32 refusal = MATTER_IM_ACTION_INVOKE << 24 | 0 << 8 | MATTER_IM_STATUS_TIMEOUT;
  MatterImInvokeResponse r;

  matter_im_engine_set_pending_timeout(t->engine, 1000);
  t->now = 5000;
  t->state.pend_invokes = 1;
  send_invoke(t, NULL, 0, FALSE, FALSE, 0);
  g_assert_cmpuint(matter_im_engine_next_deadline(t->engine), ==, 6000);
  run_to(t, 5999);
  g_assert_cmpuint(t->replies->len, ==, 0);
  run_to(t, 6000);
  r = invoke_reply(t, 0);
  g_assert_true(r.is_status);
  g_assert_cmphex(r.status_path.command, ==, 0);
  g_assert_cmphex(r.status.status, ==, MATTER_IM_STATUS_TIMEOUT);
  g_assert_cmpmem(t->refusals->data, t->refusals->len * sizeof(guint32), &refusal,
                  sizeof(refusal));
  g_assert_false(matter_im_engine_complete_invoke(t->engine, last_token(t), &answer, NULL, 0,
                                                  t->now));
  g_assert_cmpuint(matter_im_engine_next_deadline(t->engine), ==, MATTER_MRP_NEVER);
  test_free(t);
}

/* Tokens are not reused: the token of an answered invoke does not answer
 * the next one in the same slot, nor does one of another kind. */
static void
test_pending_stale_token(void)
{
  Test *t = test_new(OPERATOR);
  MatterDmInvokeResult answer = { .status = MATTER_IM_STATUS_SUCCESS };
  uint32_t first, second;

  t->state.pend_invokes = 2;
  send_invoke(t, NULL, 0, FALSE, FALSE, 0);
  first = last_token(t);
  g_assert_true(matter_im_engine_complete_invoke(t->engine, first, &answer, NULL, 0, t->now));
  pump(t);
  send_invoke(t, NULL, 0, FALSE, FALSE, 0);
  second = last_token(t);
  g_assert_cmphex(second & 0xFF, ==, first & 0xFF);
  g_assert_cmphex(second, !=, first);
  g_assert_false(matter_im_engine_complete_invoke(t->engine, first, &answer, NULL, 0, t->now));
  g_assert_false(matter_im_engine_complete_invoke(t->engine, 0, &answer, NULL, 0, t->now));
  g_assert_false(matter_im_engine_complete_write(t->engine, second, MATTER_IM_STATUS_SUCCESS,
                                                 t->now));
  pump(t);
  g_assert_cmpuint(t->replies->len, ==, 1);
  g_assert_true(matter_im_engine_complete_invoke(t->engine, second, &answer, NULL, 0, t->now));
  pump(t);
  g_assert_cmpuint(t->replies->len, ==, 2);
  test_free(t);
}

/* One write more than there are slots: the last write has no token (the
 * cluster answers BUSY), nor does an invoke meanwhile; a cluster that
 * goes pending without one gets FAILURE. The WriteResponse comes once
 * every pending write is answered. */
static void
test_pending_exhausted(void)
{
  Test *t = test_new(OPERATOR);
  g_autoptr(GArray) statuses = NULL;
  MatterImInvokeResponse r;

  t->state.pend_writes = MATTER_IM_ENGINE_PENDING + 1;
  write_values(t, MATTER_IM_ENGINE_PENDING + 1, FALSE);
  g_assert_cmpuint(t->state.token_count, ==, MATTER_IM_ENGINE_PENDING + 1);
  for (guint i = 0; i < MATTER_IM_ENGINE_PENDING; i++) {
    g_assert_cmphex(t->state.tokens[i], !=, 0);
    for (guint j = 0; j < i; j++)
      g_assert_cmphex(t->state.tokens[i], !=, t->state.tokens[j]);
  }
  g_assert_cmphex(t->state.tokens[MATTER_IM_ENGINE_PENDING], ==, 0);
  g_assert_cmpuint(t->replies->len, ==, 0);

  t->state.pend_invokes = 1;
  send_invoke(t, NULL, 0, FALSE, FALSE, 0);
  g_assert_cmphex(last_token(t), ==, 0);
  r = invoke_reply(t, 0);
  g_assert_cmphex(r.status.status, ==, MATTER_IM_STATUS_BUSY);
  t->state.pend_invokes = 1;
  t->state.pend_without_token = TRUE;
  send_invoke(t, NULL, 0, FALSE, FALSE, 0);
  r = invoke_reply(t, 1);
  g_assert_cmphex(r.status.status, ==, MATTER_IM_STATUS_FAILURE);

  for (guint i = 0; i < MATTER_IM_ENGINE_PENDING; i++) {
    g_assert_cmpuint(t->replies->len, ==, 2);
    g_assert_true(matter_im_engine_complete_write(t->engine, t->state.tokens[i],
                                                  MATTER_IM_STATUS_SUCCESS, t->now));
    pump(t);
  }
  statuses = write_statuses(t, 2);
  g_assert_cmpuint(statuses->len, ==, MATTER_IM_ENGINE_PENDING + 1);
  for (guint i = 0; i < MATTER_IM_ENGINE_PENDING; i++)
    assert_status(statuses, i, 0, MATTER_IM_STATUS_SUCCESS);
  assert_status(statuses, MATTER_IM_ENGINE_PENDING, 0, MATTER_IM_STATUS_BUSY);
  test_free(t);
}

/* The session of a pending invoke and a pending write goes: their slots
 * are free again (a new session can have them all), their tokens dead. */
static void
test_pending_session_closed(void)
{
  Test *t = test_new(OPERATOR);
  MatterDmInvokeResult answer = { .status = MATTER_IM_STATUS_SUCCESS };
  uint32_t invoke_token, write_token;

  t->state.pend_invokes = 1;
  send_invoke(t, NULL, 0, FALSE, FALSE, 0);
  invoke_token = last_token(t);
  t->state.pend_writes = 1;
  write_values(t, 1, FALSE);
  write_token = last_token(t);
  g_assert_cmpuint(matter_im_engine_next_deadline(t->engine), !=, MATTER_MRP_NEVER);

  matter_exchange_manager_remove_session(&t->server_exchanges, server_session(t), t->now);
  g_assert_cmpuint(matter_im_engine_next_deadline(t->engine), ==, MATTER_MRP_NEVER);
  g_assert_false(matter_im_engine_complete_invoke(t->engine, invoke_token, &answer, NULL, 0,
                                                  t->now));
  g_assert_false(matter_im_engine_complete_write(t->engine, write_token, MATTER_IM_STATUS_SUCCESS,
                                                 t->now));
  g_assert_cmpuint(t->replies->len, ==, 0);

  matter_exchange_manager_remove_session(&t->client_exchanges, t->client_session, t->now);
  secure_pair(t, OPERATOR);
  t->state.token_count = 0;
  t->state.pend_writes = MATTER_IM_ENGINE_PENDING;
  write_values(t, MATTER_IM_ENGINE_PENDING, FALSE);
  for (guint i = 0; i < MATTER_IM_ENGINE_PENDING; i++)
    g_assert_cmphex(t->state.tokens[i], !=, 0);
  test_free(t);
}

/* SuppressResponse: the cluster may still go pending; its answer is
 * taken, nothing is sent, and the exchange ends. */
static void
test_pending_suppressed(void)
{
  Test *t = test_new(OPERATOR);
  MatterDmInvokeResult answer = { .status = MATTER_IM_STATUS_SUCCESS };
  MatterExchange *exchange;

  t->state.pend_invokes = 1;
  exchange = send_invoke(t, NULL, 0, TRUE, FALSE, 0);
  g_assert_cmphex(last_token(t), !=, 0);
  g_assert_cmpuint(matter_exchange_manager_count(&t->server_exchanges, server_session(t)), ==, 1);
  g_assert_true(matter_im_engine_complete_invoke(t->engine, last_token(t), &answer, NULL, 0,
                                                 t->now));
  pump(t);
  g_assert_false(exchange->retrans.active);
  g_assert_cmpuint(matter_exchange_manager_count(&t->server_exchanges, server_session(t)), ==, 0);

  t->state.pend_writes = 1;
  write_values(t, 1, TRUE);
  g_assert_cmpuint(matter_exchange_manager_count(&t->server_exchanges, server_session(t)), ==, 1);
  g_assert_true(matter_im_engine_complete_write(t->engine, last_token(t),
                                                MATTER_IM_STATUS_SUCCESS, t->now));
  pump(t);
  g_assert_cmpuint(matter_exchange_manager_count(&t->server_exchanges, server_session(t)), ==, 0);
  g_assert_cmpuint(t->replies->len, ==, 0);
  test_free(t);
}

/* A timed invoke that goes pending outlives its TimedRequest's deadline
 * and grace: only the pending timeout ends it. */
static void
test_pending_timed_invoke(void)
{
  Test *t = test_new(OPERATOR);
  MatterDmInvokeResult answer = { .status = MATTER_IM_STATUS_SUCCESS };
  MatterExchange *exchange;
  MatterImInvokeResponse r;
  uint8_t buf[16];
  size_t len;

  t->now = 1000;
  assert_error(matter_im_timed_request_encode(500, buf, sizeof(buf), &len), MATTER_OK);
  exchange = request(t, MATTER_IM_OPCODE_TIMED_REQUEST, buf, len);
  g_assert_cmphex(status_reply(t, 0), ==, MATTER_IM_STATUS_SUCCESS);
  t->state.pend_invokes = 1;
  send_invoke(t, exchange, 3, FALSE, TRUE, 0);
  g_assert_cmphex(last_token(t), !=, 0);
  run_exchanges(t, 1000 + 500 + MATTER_IM_TIMED_GRACE_MS + 1000);
  g_assert_cmpuint(t->replies->len, ==, 1);
  g_assert_true(matter_im_engine_complete_invoke(t->engine, last_token(t), &answer, NULL, 0,
                                                 t->now));
  pump(t);
  r = invoke_reply(t, 1);
  g_assert_true(r.is_status);
  g_assert_cmphex(r.status_path.command, ==, 3);
  g_assert_cmphex(r.status.status, ==, MATTER_IM_STATUS_SUCCESS);
  test_free(t);
}

/* Two pending writes and one the cluster takes at once, in one message:
 * one WriteResponse with the three statuses in order, once both pending
 * ones are answered. A write on another exchange meanwhile is answered
 * as usual. */
static void
test_pending_writes(void)
{
  Test *t = test_new(OPERATOR);
  const guint32 refusal = MATTER_IM_ACTION_WRITE << 24 | 0 << 8 |
                          MATTER_IM_STATUS_CONSTRAINT_ERROR;
  g_autoptr(GArray) statuses = NULL;

  t->state.pend_writes = 2;
  write_values(t, 3, FALSE);
  g_assert_cmpuint(t->state.token_count, ==, 2);
  g_assert_cmpuint(t->state.value, ==, 3);
  g_assert_cmpuint(t->replies->len, ==, 0);
  g_assert_cmphex(write_u8(t, 0, 7, FALSE, 0), ==, MATTER_IM_STATUS_SUCCESS);

  g_assert_true(matter_im_engine_complete_write(t->engine, t->state.tokens[0],
                                                MATTER_IM_STATUS_SUCCESS, t->now));
  pump(t);
  g_assert_cmpuint(t->replies->len, ==, 1);
  g_assert_true(matter_im_engine_complete_write(t->engine, t->state.tokens[1],
                                                MATTER_IM_STATUS_CONSTRAINT_ERROR, t->now));
  pump(t);
  g_assert_cmpuint(t->replies->len, ==, 2);
  statuses = write_statuses(t, 1);
  g_assert_cmpuint(statuses->len, ==, 3);
  assert_status(statuses, 0, 0, MATTER_IM_STATUS_SUCCESS);
  assert_status(statuses, 1, 0, MATTER_IM_STATUS_CONSTRAINT_ERROR);
  assert_status(statuses, 2, 0, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpmem(t->refusals->data, t->refusals->len * sizeof(guint32), &refusal,
                  sizeof(refusal));
  /* Pending writes are outside the owner's transaction: one per message. */
  g_assert_cmpuint(t->transactions, ==, 2);
  g_assert_cmpuint(t->commits, ==, 2);
  g_assert_false(matter_im_engine_complete_write(t->engine, t->state.tokens[1],
                                                 MATTER_IM_STATUS_SUCCESS, t->now));
  test_free(t);
}

/* One of two pending writes is never answered: TIMEOUT for its path. */
static void
test_pending_write_timeout(void)
{
  Test *t = test_new(OPERATOR);
  g_autoptr(GArray) statuses = NULL;

  matter_im_engine_set_pending_timeout(t->engine, 1000);
  t->state.pend_writes = 2;
  write_values(t, 2, FALSE);
  g_assert_true(matter_im_engine_complete_write(t->engine, t->state.tokens[1],
                                                MATTER_IM_STATUS_SUCCESS, t->now + 500));
  run_to(t, t->now + 999);
  g_assert_cmpuint(t->replies->len, ==, 0);
  run_to(t, t->now + 1);
  statuses = write_statuses(t, 0);
  g_assert_cmpuint(statuses->len, ==, 2);
  assert_status(statuses, 0, 0, MATTER_IM_STATUS_TIMEOUT);
  assert_status(statuses, 1, 0, MATTER_IM_STATUS_SUCCESS);
  g_assert_false(matter_im_engine_complete_write(t->engine, t->state.tokens[0],
                                                 MATTER_IM_STATUS_SUCCESS, t->now));
  test_free(t);
}

/* The write of a list cannot wait (the cluster judges lists whole at
 * once): a cluster that leaves one pending gets FAILURE, and its token
 * answers nothing. */
static void
test_pending_list_write(void)
{
  Test *t = test_new(OPERATOR);
  MatterImAttributeData item = list_replace();
  g_autoptr(GArray) statuses = NULL;

  t->state.pend_writes = 1;
  send_chunk(t, NULL, &item, 1, FALSE, FALSE);
  g_assert_cmphex(last_token(t), !=, 0);
  statuses = write_statuses(t, 0);
  g_assert_cmpuint(statuses->len, ==, 1);
  assert_status(statuses, 0, WRITABLE_LIST, MATTER_IM_STATUS_FAILURE);
  g_assert_false(matter_im_engine_complete_write(t->engine, last_token(t),
                                                 MATTER_IM_STATUS_SUCCESS, t->now));
  g_assert_cmpuint(matter_im_engine_next_deadline(t->engine), ==, MATTER_MRP_NEVER);
  test_free(t);
}

/* A chunk with a pending write is answered once it is, and the chunked
 * write then goes on on its exchange. */
static void
test_pending_chunked_write(void)
{
  Test *t = test_new(OPERATOR);
  uint8_t b[2][3];
  MatterImAttributeData first = u8_write(0, MATTER_IM_LIST_INDEX_NONE, 1, b[0]);
  MatterImAttributeData second = u8_write(0, MATTER_IM_LIST_INDEX_NONE, 2, b[1]);
  g_autoptr(GArray) s0 = NULL, s1 = NULL;
  MatterExchange *exchange;

  t->state.pend_writes = 1;
  exchange = send_chunk(t, NULL, &first, 1, TRUE, FALSE);
  g_assert_cmpuint(t->replies->len, ==, 0);
  /* Past the wait for a next chunk, which only starts with the answer. */
  run_exchanges(t, t->now + MATTER_IM_WRITE_CHUNK_TIMEOUT_MS / 2);
  g_assert_true(matter_im_engine_complete_write(t->engine, last_token(t),
                                                MATTER_IM_STATUS_SUCCESS, t->now));
  pump(t);
  s0 = write_statuses(t, 0);
  assert_status(s0, 0, 0, MATTER_IM_STATUS_SUCCESS);
  send_chunk(t, exchange, &second, 1, FALSE, FALSE);
  s1 = write_statuses(t, 1);
  assert_status(s1, 0, 0, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(t->state.value, ==, 2);
  test_free(t);
}

static bool
hide_command_0(const MatterDmCluster *cluster, uint32_t command)
{
  return command != 0;
}

/* An instance without command 0: not in AcceptedCommandList, and an
 * invoke of it is UNSUPPORTED_COMMAND without reaching the cluster. */
static void
test_invoke_command_present(void)
{
  static MatterDmClass partial;
  static const uint32_t accepted[] = { 1, 3 };
  Test *t = test_new(OPERATOR);
  MatterImAttributePath path = path_of(1, CLUSTER, MATTER_DM_ATTR_ACCEPTED_COMMAND_LIST);
  g_autoptr(GArray) reports = NULL;
  MatterImAttributeReport *report;
  MatterTlvReader list;
  MatterImInvokeResponse r;
  gboolean suppress;
  guint n = 0;

  partial = test_class;
  partial.command_present = hide_command_0;
  t->cluster.cls = &partial;
  read_paths(t, &path, 1);
  reports = all_reports(t, &suppress);
  g_assert_cmpuint(reports->len, ==, 1);
  report = &g_array_index(reports, MatterImAttributeReport, 0);
  g_assert_false(report->is_status);
  assert_error(matter_im_data_reader(&report->data.data, &list), MATTER_OK);
  assert_error(matter_tlv_enter(&list), MATTER_OK);
  while (matter_tlv_next(&list) == MATTER_OK) {
    uint32_t id;

    assert_error(matter_tlv_get_u32(&list, &id), MATTER_OK);
    g_assert_cmpuint(n, <, G_N_ELEMENTS(accepted));
    g_assert_cmphex(id, ==, accepted[n++]);
  }
  g_assert_cmpuint(n, ==, G_N_ELEMENTS(accepted));
  r = invoke(t, 0, FALSE, FALSE, 1);
  g_assert_true(r.is_status);
  g_assert_cmphex(r.status.status, ==, MATTER_IM_STATUS_UNSUPPORTED_COMMAND);
  g_assert_cmpuint(t->state.invokes, ==, 0);
  test_free(t);
}

/* ---- Subscriptions ------------------------------------------------------------------ */

static void
subscribe(Test *t, uint16_t min_s, uint16_t max_s, gboolean keep, uint32_t attribute)
{
  MatterImSubscribeRequest req = { .keep_subscriptions = keep, .min_interval_floor_s = min_s,
                                   .max_interval_ceiling_s = max_s };
  uint8_t buf[256];
  size_t len;

  req.paths.has_attribute_requests = true;
  req.paths.attribute_path_count = 1;
  req.paths.attribute_paths[0] = path_of(1, CLUSTER, attribute);
  assert_error(matter_im_subscribe_request_encode(&req, buf, sizeof(buf), &len), MATTER_OK);
  request(t, MATTER_IM_OPCODE_SUBSCRIBE_REQUEST, buf, len);
}

static MatterImReportData
report_reply(Test *t, guint index, GArray *reports)
{
  MatterImReportData data;
  MatterImAttributeReport report;
  const uint8_t *payload;
  size_t len;

  reply(t, index, MATTER_IM_OPCODE_REPORT_DATA, &payload, &len);
  assert_error(matter_im_report_data_decode(payload, len, &data), MATTER_OK);
  while (reports != NULL && matter_im_next_attribute_report(&data.attribute_reports, &report) ==
                              MATTER_OK)
    g_array_append_val(reports, report);
  assert_error(matter_im_report_data_decode(payload, len, &data), MATTER_OK);
  return data;
}

static void
change_value(Test *t, uint8_t value)
{
  t->state.value = value;
  matter_dm_mark(&t->dm, &t->cluster, 0);
  matter_im_engine_changed(t->engine);
}

/* Priming report, SubscribeResponse, a change reported after the min
 * interval, then a keep-alive at the max interval. */
static void
test_subscribe(void)
{
  Test *t = test_new(VIEWER);
  g_autoptr(GArray) reports = g_array_new(FALSE, FALSE, sizeof(MatterImAttributeReport));
  MatterImSubscribeResponse rsp;
  MatterImReportData data;
  const uint8_t *payload;
  size_t len;
  uint64_t established;

  t->now = 1000;
  subscribe(t, 2, 10, FALSE, 0);
  g_assert_cmpuint(t->replies->len, ==, 2);
  data = report_reply(t, 0, reports);
  g_assert_true(data.has_subscription_id);
  g_assert_false(data.suppress_response);
  g_assert_cmpuint(reports->len, ==, 1);
  reply(t, 1, MATTER_IM_OPCODE_SUBSCRIBE_RESPONSE, &payload, &len);
  assert_error(matter_im_subscribe_response_decode(payload, len, &rsp), MATTER_OK);
  g_assert_cmphex(rsp.subscription_id, ==, data.subscription_id);
  g_assert_cmpuint(rsp.max_interval_s, ==, 10);
  g_assert_cmpuint(matter_im_engine_count_subscriptions(t->engine), ==, 1);
  established = t->now;
  g_assert_cmpuint(matter_im_engine_next_deadline(t->engine), ==, established + 10000);

  /* A change elsewhere is nobody's business; one in the path is reported
   * once the min interval has passed. */
  matter_dm_mark(&t->dm, &t->cluster, 3);
  matter_im_engine_changed(t->engine);
  g_assert_cmpuint(matter_im_engine_next_deadline(t->engine), ==, established + 10000);
  t->now += 500;
  change_value(t, 77);
  g_assert_cmpuint(matter_im_engine_next_deadline(t->engine), ==, established + 2000);
  run_to(t, established + 1999);
  g_assert_cmpuint(t->replies->len, ==, 2);
  run_to(t, established + 2000);
  g_assert_cmpuint(t->replies->len, ==, 3);
  g_array_set_size(reports, 0);
  data = report_reply(t, 2, reports);
  g_assert_cmphex(data.subscription_id, ==, rsp.subscription_id);
  g_assert_cmpuint(reports->len, ==, 1);
  {
    MatterTlvReader value;
    uint8_t v;

    assert_error(matter_im_data_reader(&g_array_index(reports, MatterImAttributeReport, 0).data.data,
                                       &value),
                 MATTER_OK);
    assert_error(matter_tlv_get_u8(&value, &v), MATTER_OK);
    g_assert_cmpuint(v, ==, 77);
  }

  /* Nothing changes: a keep-alive, empty and asking for no answer. */
  g_assert_cmpuint(matter_im_engine_next_deadline(t->engine), ==, established + 2000 + 10000);
  run_to(t, established + 12000);
  g_array_set_size(reports, 0);
  data = report_reply(t, 3, reports);
  g_assert_true(data.suppress_response);
  g_assert_cmpuint(reports->len, ==, 0);
  g_assert_cmpuint(matter_im_engine_count_subscriptions(t->engine), ==, 1);
  test_free(t);
}

/* A new subscription replaces the subscriber's others unless it keeps
 * them; the max interval is capped at an hour. */
static void
test_subscribe_keep(void)
{
  Test *t = test_new(VIEWER);
  MatterImSubscribeResponse rsp;
  const uint8_t *payload;
  size_t len;

  subscribe(t, 0, 60, FALSE, 0);
  subscribe(t, 0, 60, TRUE, 3);
  g_assert_cmpuint(matter_im_engine_count_subscriptions(t->engine), ==, 2);
  subscribe(t, 1, 7200, FALSE, 0);
  g_assert_cmpuint(matter_im_engine_count_subscriptions(t->engine), ==, 1);
  reply(t, t->replies->len - 1, MATTER_IM_OPCODE_SUBSCRIBE_RESPONSE, &payload, &len);
  assert_error(matter_im_subscribe_response_decode(payload, len, &rsp), MATTER_OK);
  g_assert_cmpuint(rsp.max_interval_s, ==, MATTER_IM_SUBSCRIPTION_MAX_INTERVAL_S);
  test_free(t);
}

/* A subscriber that answers a report with an error, or whose session is
 * gone, loses the subscription. */
static void
test_subscribe_ends(void)
{
  Test *t = test_new(VIEWER);

  subscribe(t, 0, 5, FALSE, 0);
  g_assert_cmpuint(matter_im_engine_count_subscriptions(t->engine), ==, 1);
  t->ack_reports = FALSE;
  change_value(t, 1);
  run_to(t, t->now);
  /* The report waits for its answer; the session goes away meanwhile. */
  matter_exchange_manager_remove_session(&t->server_exchanges, t->server_secure[0].state ==
                                                                   MATTER_SESSION_ACTIVE
                                                                 ? &t->server_secure[0]
                                                                 : &t->server_secure[1],
                                         t->now);
  g_assert_cmpuint(matter_im_engine_count_subscriptions(t->engine), ==, 0);
  /* Lost, not ended by the subscriber: the owner may resume it. */
  g_assert_cmpuint(t->removed->len, ==, 0);
  g_assert_cmpuint(t->lost->len, ==, 1);
  g_assert_cmphex(g_array_index(t->lost, guint32, 0), ==,
                  1u << 24 ^ g_array_index(t->added, MatterImSubscriptionRecord, 0).subscription_id);
  test_free(t);
}

static void
test_subscribe_invalid(void)
{
  Test *t = test_new(VIEWER);
  MatterImSubscribeRequest req = { .min_interval_floor_s = 10, .max_interval_ceiling_s = 5 };
  uint8_t buf[128];
  size_t len;

  req.paths.has_attribute_requests = true;
  req.paths.attribute_path_count = 1;
  req.paths.attribute_paths[0] = path_of(1, CLUSTER, 0);
  assert_error(matter_im_subscribe_request_encode(&req, buf, sizeof(buf), &len), MATTER_OK);
  request(t, MATTER_IM_OPCODE_SUBSCRIBE_REQUEST, buf, len);
  g_assert_cmphex(status_reply(t, 0), ==, MATTER_IM_STATUS_INVALID_ACTION);
  req.min_interval_floor_s = 0;
  req.paths.attribute_path_count = 0;
  req.paths.has_attribute_requests = false;
  assert_error(matter_im_subscribe_request_encode(&req, buf, sizeof(buf), &len), MATTER_OK);
  request(t, MATTER_IM_OPCODE_SUBSCRIBE_REQUEST, buf, len);
  g_assert_cmphex(status_reply(t, 1), ==, MATTER_IM_STATUS_INVALID_ACTION);
  g_assert_cmpuint(matter_im_engine_count_subscriptions(t->engine), ==, 0);
  test_free(t);
}

/* ---- Events ---------------------------------------------------------------------- */

/* Logs @event of the test cluster with fields { 0: @value, 1: @pad bytes }. */
static uint64_t
emit_event(Test *t, uint32_t event, uint8_t fabric, uint8_t value, size_t pad)
{
  const MatterDmEvent *entry = &test_events[event];
  uint8_t fields[300];
  MatterEvent e = { .endpoint = 1, .cluster = CLUSTER, .event = event,
                    .priority = entry->priority, .fabric_index = fabric, .fields = fields };
  uint64_t number;

  g_assert_cmpuint(pad, <=, 255);
  fields[e.fields_len++] = 0x15;
  fields[e.fields_len++] = 0x24;
  fields[e.fields_len++] = 0x00;
  fields[e.fields_len++] = value;
  fields[e.fields_len++] = 0x30;
  fields[e.fields_len++] = 0x01;
  fields[e.fields_len++] = (uint8_t) pad;
  memset(fields + e.fields_len, value, pad);
  e.fields_len += pad;
  fields[e.fields_len++] = 0x18;
  g_assert_cmpint(matter_event_log_emit(&t->events, &e, t->now, &number), ==, MATTER_OK);
  return number;
}

static MatterImEventPath
event_path_of(int64_t event, gboolean urgent)
{
  MatterImEventPath p = { .has_endpoint = true, .endpoint = 1, .has_cluster = true,
                          .cluster = CLUSTER, .has_event = event >= 0,
                          .event = (uint32_t) event, .is_urgent = urgent };

  return p;
}

static void
read_events(Test *t, const MatterImEventPath *paths, size_t count, gboolean filter,
            uint64_t event_min)
{
  MatterImReadRequest req = { .has_event_requests = true, .event_path_count = count,
                              .event_filter_count = filter ? 1 : 0 };
  uint8_t buf[512];
  size_t len;

  memcpy(req.event_paths, paths, count * sizeof(paths[0]));
  req.event_filters[0].event_min = event_min;
  assert_error(matter_im_read_request_encode(&req, buf, sizeof(buf), &len), MATTER_OK);
  request(t, MATTER_IM_OPCODE_READ_REQUEST, buf, len);
}

/* Every EventReportIB of the reports from @first up to @end, in order. */
static GArray *
event_reports_in(Test *t, guint first, guint end)
{
  GArray *reports = g_array_new(FALSE, FALSE, sizeof(MatterImEventReport));

  for (guint i = first; i < end && i < t->replies->len; i++) {
    const uint8_t *payload;
    size_t len;
    MatterImReportData data;
    MatterImEventReport report;

    reply(t, i, MATTER_IM_OPCODE_REPORT_DATA, &payload, &len);
    assert_error(matter_im_report_data_decode(payload, len, &data), MATTER_OK);
    while (matter_im_next_event_report(&data.event_reports, &report) == MATTER_OK)
      g_array_append_val(reports, report);
  }
  return reports;
}

static void
assert_event(GArray *reports, guint index, uint64_t number, uint32_t event, uint8_t value)
{
  MatterImEventReport *r;
  MatterTlvReader fields;
  uint8_t v;

  g_assert_cmpuint(index, <, reports->len);
  r = &g_array_index(reports, MatterImEventReport, index);
  g_assert_false(r->is_status);
  g_assert_cmpuint(r->data.event_number, ==, number);
  g_assert_cmpuint(r->data.path.endpoint, ==, 1);
  g_assert_cmphex(r->data.path.cluster, ==, CLUSTER);
  g_assert_cmpuint(r->data.path.event, ==, event);
  g_assert_cmpuint(r->data.priority, ==, test_events[event].priority);
  g_assert_true(r->data.has_system_timestamp);
  assert_error(matter_im_data_reader(&r->data.data, &fields), MATTER_OK);
  assert_error(matter_tlv_enter(&fields), MATTER_OK);
  assert_error(matter_tlv_get_context_u8(&fields, 0, &v), MATTER_OK);
  g_assert_cmpuint(v, ==, value);
}

/* A wildcard shows what the subject may see of its fabric's events and
 * those of no fabric; concrete paths that show nothing say why; EventMin
 * starts later. */
static void
test_event_read(void)
{
  Test *t = test_new(OPERATOR);
  MatterImEventPath paths[] = { event_path_of(-1, FALSE), event_path_of(9, FALSE),
                                event_path_of(2, FALSE) };
  g_autoptr(GArray) reports = NULL, later = NULL;
  MatterImEventReport *r;
  uint64_t n0, n3;

  t->now = 1234;
  n0 = emit_event(t, 0, 0, 10, 0);
  emit_event(t, 2, 0, 11, 0); /* administrators only */
  emit_event(t, 1, 2, 12, 0); /* another fabric's */
  n3 = emit_event(t, 1, 1, 13, 0);
  read_events(t, paths, G_N_ELEMENTS(paths), FALSE, 0);
  g_assert_cmpuint(t->replies->len, ==, 1);
  reports = event_reports_in(t, 0, G_MAXUINT);
  g_assert_cmpuint(reports->len, ==, 4);
  r = &g_array_index(reports, MatterImEventReport, 0);
  g_assert_true(r->is_status);
  g_assert_cmpuint(r->status_path.event, ==, 9);
  g_assert_cmphex(r->status.status, ==, MATTER_IM_STATUS_UNSUPPORTED_EVENT);
  r = &g_array_index(reports, MatterImEventReport, 1);
  g_assert_true(r->is_status);
  g_assert_cmpuint(r->status_path.event, ==, 2);
  g_assert_cmphex(r->status.status, ==, MATTER_IM_STATUS_UNSUPPORTED_ACCESS);
  assert_event(reports, 2, n0, 0, 10);
  g_assert_cmpuint(g_array_index(reports, MatterImEventReport, 2).data.system_timestamp, ==,
                   1234);
  assert_event(reports, 3, n3, 1, 13);

  read_events(t, paths, 1, TRUE, n0 + 1);
  later = event_reports_in(t, 1, G_MAXUINT);
  g_assert_cmpuint(later->len, ==, 1);
  assert_event(later, 0, n3, 1, 13);
  test_free(t);
}

/* Events that fill several messages: each in one of them, in order. */
static void
test_event_read_chunked(void)
{
  Test *t = test_new(VIEWER);
  MatterImEventPath path = event_path_of(0, FALSE);
  g_autoptr(GArray) reports = NULL;
  uint64_t first = 0;
  guint i, count = 12;

  for (i = 0; i < count; i++) {
    uint64_t n = emit_event(t, 0, 0, (uint8_t) i, 200);

    if (i == 0)
      first = n;
  }
  read_events(t, &path, 1, FALSE, 0);
  g_assert_cmpuint(t->replies->len, >, 2);
  for (i = 0; i < t->replies->len; i++) {
    const uint8_t *payload;
    size_t len;
    MatterImReportData data;

    reply(t, i, MATTER_IM_OPCODE_REPORT_DATA, &payload, &len);
    assert_error(matter_im_report_data_decode(payload, len, &data), MATTER_OK);
    g_assert_cmpint(data.more_chunked_messages, ==, i + 1 < t->replies->len);
    g_assert_cmpint(data.suppress_response, ==, i + 1 == t->replies->len);
  }
  reports = event_reports_in(t, 0, G_MAXUINT);
  g_assert_cmpuint(reports->len, ==, count);
  for (i = 0; i < count; i++)
    assert_event(reports, i, first + i, 0, (uint8_t) i);
  test_free(t);
}

static void
subscribe_events(Test *t, uint16_t min_s, uint16_t max_s, const MatterImEventPath *paths,
                 size_t count)
{
  MatterImSubscribeRequest req = { .min_interval_floor_s = min_s, .max_interval_ceiling_s = max_s };
  uint8_t buf[256];
  size_t len;

  req.paths.has_event_requests = true;
  req.paths.event_path_count = count;
  memcpy(req.paths.event_paths, paths, count * sizeof(paths[0]));
  assert_error(matter_im_subscribe_request_encode(&req, buf, sizeof(buf), &len), MATTER_OK);
  request(t, MATTER_IM_OPCODE_SUBSCRIBE_REQUEST, buf, len);
}

/* The priming report has the events logged before; an urgent event
 * brings a report once the min interval passed, with the other events
 * logged meanwhile; the others wait for the keep-alive. */
static void
test_event_subscribe(void)
{
  Test *t = test_new(VIEWER);
  MatterImEventPath paths[] = { event_path_of(0, TRUE), event_path_of(1, FALSE) };
  g_autoptr(GArray) priming = NULL, urgent = NULL, keep_alive = NULL;
  uint64_t before, later, now_urgent, last;
  MatterImReportData data;
  const uint8_t *payload;
  size_t len;
  uint64_t established;

  t->now = 1000;
  before = emit_event(t, 0, 0, 1, 0);
  subscribe_events(t, 2, 10, paths, G_N_ELEMENTS(paths));
  g_assert_cmpuint(t->replies->len, ==, 2);
  reply(t, 1, MATTER_IM_OPCODE_SUBSCRIBE_RESPONSE, &payload, &len);
  priming = event_reports_in(t, 0, 1);
  g_assert_cmpuint(priming->len, ==, 1);
  assert_event(priming, 0, before, 0, 1);
  established = t->now;

  /* Not urgent: no earlier report. */
  t->now += 100;
  later = emit_event(t, 1, 1, 2, 0);
  matter_im_engine_changed(t->engine);
  g_assert_cmpuint(matter_im_engine_next_deadline(t->engine), ==, established + 10000);
  /* Urgent: due at the min interval, with both. */
  now_urgent = emit_event(t, 0, 0, 3, 0);
  matter_im_engine_changed(t->engine);
  g_assert_cmpuint(matter_im_engine_next_deadline(t->engine), ==, established + 2000);
  run_to(t, established + 2000);
  g_assert_cmpuint(t->replies->len, ==, 3);
  data = report_reply(t, 2, NULL);
  g_assert_false(data.suppress_response);
  urgent = event_reports_in(t, 2, G_MAXUINT);
  g_assert_cmpuint(urgent->len, ==, 2);
  assert_event(urgent, 0, later, 1, 2);
  assert_event(urgent, 1, now_urgent, 0, 3);

  /* A non-urgent one goes with the keep-alive. */
  last = emit_event(t, 1, 1, 4, 0);
  matter_im_engine_changed(t->engine);
  g_assert_cmpuint(matter_im_engine_next_deadline(t->engine), ==, established + 2000 + 10000);
  run_to(t, established + 12000);
  g_assert_cmpuint(t->replies->len, ==, 4);
  keep_alive = event_reports_in(t, 3, G_MAXUINT);
  g_assert_cmpuint(keep_alive->len, ==, 1);
  assert_event(keep_alive, 0, last, 1, 4);
  g_assert_cmpuint(matter_im_engine_count_subscriptions(t->engine), ==, 1);
  test_free(t);
}

/* ---- Subscription resumption ------------------------------------------------------ */

/* The server starts again: a new exchange manager and engine, and a new
 * CASE session with the same client (the one the node would establish to
 * resume). The client keeps its exchange manager and what it received. */
static void
restart_server(Test *t)
{
  static const MatterExchangeCallbacks server_callbacks = { .send = server_send };

  matter_im_engine_deinit(t->engine);
  memset(t->engine, 0, sizeof(*t->engine));
  matter_session_table_clear(&t->server_sessions);
  memset(t->server_slots, 0, sizeof(t->server_slots));
  g_assert_cmpint(matter_exchange_manager_init(&t->server_exchanges, &t->server_sessions,
                                               t->server_slots, 8, &server_callbacks, t, NULL),
                  ==, MATTER_OK);
  g_assert_cmpint(matter_im_engine_init(t->engine, &t->server_exchanges, &t->dm, &owner, t), ==,
                  MATTER_OK);
  secure_pair(t, t->added->len > 0 ? g_array_index(t->added, MatterImSubscriptionRecord, 0)
                                       .peer_node_id
                                   : VIEWER);
  g_ptr_array_set_size(t->replies, 0);
}

/* What the node would keep in storage, through its TLV form. */
static MatterImSubscriptionRecord
stored_record(Test *t, guint index)
{
  MatterImSubscriptionRecord record;
  uint8_t buf[MATTER_IM_SUBSCRIPTION_RECORD_MAX];
  size_t len;

  g_assert_cmpuint(index, <, t->added->len);
  assert_error(matter_im_subscription_record_encode(
                 &g_array_index(t->added, MatterImSubscriptionRecord, index), buf, sizeof(buf),
                 &len),
               MATTER_OK);
  assert_error(matter_im_subscription_record_decode(buf, len, &record), MATTER_OK);
  return record;
}

static uint8_t
reported_u8(GArray *reports, guint index)
{
  MatterTlvReader value;
  uint8_t v = 0;

  assert_error(matter_im_data_reader(&g_array_index(reports, MatterImAttributeReport, index)
                                        .data.data,
                                     &value),
               MATTER_OK);
  assert_error(matter_tlv_get_u8(&value, &v), MATTER_OK);
  return v;
}

/* An established CASE subscription is announced with what resuming it
 * takes; one that ends is announced gone. */
static void
test_resume_announced(void)
{
  Test *t = test_new(VIEWER);
  MatterImSubscribeResponse rsp;
  const MatterImSubscriptionRecord *record;
  const uint8_t *payload;
  size_t len;

  subscribe(t, 2, 30, FALSE, 0);
  reply(t, 1, MATTER_IM_OPCODE_SUBSCRIBE_RESPONSE, &payload, &len);
  assert_error(matter_im_subscribe_response_decode(payload, len, &rsp), MATTER_OK);
  g_assert_cmpuint(t->added->len, ==, 1);
  record = &g_array_index(t->added, MatterImSubscriptionRecord, 0);
  g_assert_cmpuint(record->fabric_index, ==, 1);
  g_assert_cmphex(record->peer_node_id, ==, VIEWER);
  g_assert_cmphex(record->subscription_id, ==, rsp.subscription_id);
  g_assert_cmpuint(record->min_interval_s, ==, 2);
  g_assert_cmpuint(record->max_interval_s, ==, 30);
  g_assert_cmpint(record->peer_address.transport, ==, MATTER_TRANSPORT_UDP);
  g_assert_cmpuint(record->peer_address.len, ==, 1);
  g_assert_cmpuint(record->paths.attribute_path_count, ==, 1);
  g_assert_cmphex(record->paths.attribute_paths[0].cluster, ==, CLUSTER);
  g_assert_cmpuint(record->paths.attribute_paths[0].attribute, ==, 0);
  g_assert_cmpuint(t->removed->len, ==, 0);

  /* Replaced by a subscription that does not keep the others. */
  subscribe(t, 0, 30, FALSE, 3);
  g_assert_cmpuint(t->added->len, ==, 2);
  g_assert_cmpuint(t->removed->len, ==, 1);
  g_assert_cmphex(g_array_index(t->removed, guint32, 0), ==, 1u << 24 ^ rsp.subscription_id);
  test_free(t);
}

/* After a restart the subscription resumes on the new session with its
 * old id: a priming report of everything on an exchange the node opens,
 * no SubscribeResponse, then reports and keep-alives as before. */
static void
test_resume(void)
{
  Test *t = test_new(VIEWER);
  g_autoptr(GArray) reports = g_array_new(FALSE, FALSE, sizeof(MatterImAttributeReport));
  MatterImSubscriptionRecord record;
  MatterImReportData data;
  uint32_t id;

  t->now = 1000;
  subscribe(t, 2, 10, FALSE, 0);
  id = g_array_index(t->added, MatterImSubscriptionRecord, 0).subscription_id;
  record = stored_record(t, 0);
  g_assert_cmphex(record.subscription_id, ==, id);
  t->state.value = 42;

  restart_server(t);
  g_assert_cmpuint(matter_im_engine_count_subscriptions(t->engine), ==, 0);
  t->now = 50000;
  assert_error(matter_im_engine_resume_subscription(t->engine, server_session(t), &record, t->now),
               MATTER_OK);
  pump(t);
  g_assert_cmpuint(t->replies->len, ==, 1);
  data = report_reply(t, 0, reports);
  g_assert_true(data.has_subscription_id);
  g_assert_cmphex(data.subscription_id, ==, id);
  g_assert_false(data.suppress_response);
  g_assert_cmpuint(reports->len, ==, 1);
  g_assert_cmpuint(reported_u8(reports, 0), ==, 42);
  g_assert_cmpuint(matter_im_engine_count_subscriptions(t->engine), ==, 1);
  /* Acknowledged: the exchange is over, the keep-alive is due at max. */
  g_assert_cmpuint(matter_exchange_manager_count(&t->server_exchanges, server_session(t)), ==, 0);
  g_assert_cmpuint(matter_im_engine_next_deadline(t->engine), ==, t->now + 10000);
  g_assert_cmpuint(t->added->len, ==, 1);

  t->now += 500;
  change_value(t, 43);
  run_to(t, 50000 + 1999);
  g_assert_cmpuint(t->replies->len, ==, 1);
  run_to(t, 50000 + 2000);
  g_assert_cmpuint(t->replies->len, ==, 2);
  g_array_set_size(reports, 0);
  data = report_reply(t, 1, reports);
  g_assert_cmphex(data.subscription_id, ==, id);
  g_assert_cmpuint(reports->len, ==, 1);
  g_assert_cmpuint(reported_u8(reports, 0), ==, 43);

  run_to(t, 50000 + 2000 + 10000);
  g_assert_cmpuint(t->replies->len, ==, 3);
  data = report_reply(t, 2, NULL);
  g_assert_cmphex(data.subscription_id, ==, id);
  g_assert_true(data.suppress_response);
  g_assert_cmpuint(t->removed->len, ==, 0);
  test_free(t);
}

/* A subscriber that refuses the resumed priming report (it forgot the
 * subscription) ends it, and the owner hears so. */
static void
test_resume_refused(void)
{
  Test *t = test_new(VIEWER);
  MatterImSubscriptionRecord record;

  subscribe(t, 0, 10, FALSE, 0);
  record = stored_record(t, 0);
  restart_server(t);
  t->ack_reports = FALSE;
  assert_error(matter_im_engine_resume_subscription(t->engine, server_session(t), &record, t->now),
               MATTER_OK);
  pump(t);
  g_assert_cmpuint(t->replies->len, ==, 1);
  {
    MatterExchange *exchange = NULL;
    uint8_t buf[16];
    size_t len;

    for (size_t i = 0; i < G_N_ELEMENTS(t->client_slots); i++)
      if (t->client_slots[i].open && !t->client_slots[i].initiator)
        exchange = &t->client_slots[i];
    g_assert_nonnull(exchange);
    matter_im_status_response_encode(MATTER_IM_STATUS_INVALID_SUBSCRIPTION, buf, sizeof(buf),
                                      &len);
    assert_error(matter_exchange_send(exchange, MATTER_PROTOCOL_INTERACTION_MODEL,
                                      MATTER_IM_OPCODE_STATUS_RESPONSE, buf, len,
                                      MATTER_EXCHANGE_SEND_RELIABLE, t->now),
                 MATTER_OK);
    pump(t);
  }
  g_assert_cmpuint(matter_im_engine_count_subscriptions(t->engine), ==, 0);
  g_assert_cmpuint(t->removed->len, ==, 1);
  g_assert_cmphex(g_array_index(t->removed, guint32, 0), ==, 1u << 24 ^ record.subscription_id);
  g_assert_cmpuint(t->lost->len, ==, 0);
  test_free(t);
}

/* A record resumes only on a CASE session with its subscriber; resuming
 * the same id again leaves one subscription. */
static void
test_resume_checks(void)
{
  Test *t = test_new(VIEWER);
  MatterImSubscriptionRecord record, other;

  subscribe(t, 0, 10, FALSE, 0);
  record = stored_record(t, 0);
  restart_server(t);
  other = record;
  other.peer_node_id = OPERATOR;
  assert_error(matter_im_engine_resume_subscription(t->engine, server_session(t), &other, t->now),
               MATTER_ERROR_INVALID_ARGUMENT);
  other = record;
  other.fabric_index = 2;
  assert_error(matter_im_engine_resume_subscription(t->engine, server_session(t), &other, t->now),
               MATTER_ERROR_INVALID_ARGUMENT);
  other = record;
  other.paths.attribute_path_count = 0;
  assert_error(matter_im_engine_resume_subscription(t->engine, server_session(t), &other, t->now),
               MATTER_ERROR_INVALID_ARGUMENT);
  g_assert_cmpuint(t->replies->len, ==, 0);
  assert_error(matter_im_engine_resume_subscription(t->engine, server_session(t), &record, t->now),
               MATTER_OK);
  pump(t);
  assert_error(matter_im_engine_resume_subscription(t->engine, server_session(t), &record, t->now),
               MATTER_OK);
  pump(t);
  g_assert_cmpuint(matter_im_engine_count_subscriptions(t->engine), ==, 1);
  g_assert_cmpuint(t->replies->len, ==, 2);
  g_assert_cmpuint(t->removed->len, ==, 0);
  test_free(t);
}

/* The record's TLV form: every field comes back, and damaged or
 * inconsistent input is refused. */
static void
test_resume_record_codec(void)
{
  MatterImSubscriptionRecord in = { .fabric_index = 3, .peer_node_id = UINT64_C(0x1122334455667788),
                                    .subscription_id = 0xCAFE, .min_interval_s = 1,
                                    .max_interval_s = 60 };
  MatterImSubscriptionRecord out;
  uint8_t buf[MATTER_IM_SUBSCRIPTION_RECORD_MAX];
  size_t len;

  in.peer_address = (MatterPeerAddress) { .transport = MATTER_TRANSPORT_UDP, .len = 3,
                                          .bytes = { 7, 8, 9 } };
  in.paths.has_attribute_requests = true;
  in.paths.attribute_path_count = 2;
  in.paths.attribute_paths[0] = path_of(1, CLUSTER, 0);
  in.paths.attribute_paths[1] = path_of(-1, CLUSTER, -1);
  in.paths.has_event_requests = true;
  in.paths.event_path_count = 1;
  in.paths.event_paths[0] = event_path_of(1, TRUE);
  in.paths.event_filter_count = 1;
  in.paths.event_filters[0].event_min = 99;
  in.paths.fabric_filtered = true;
  assert_error(matter_im_subscription_record_encode(&in, buf, sizeof(buf), &len), MATTER_OK);
  assert_error(matter_im_subscription_record_decode(buf, len, &out), MATTER_OK);
  g_assert_cmpuint(out.fabric_index, ==, 3);
  g_assert_cmphex(out.peer_node_id, ==, in.peer_node_id);
  g_assert_cmphex(out.subscription_id, ==, 0xCAFE);
  g_assert_cmpuint(out.min_interval_s, ==, 1);
  g_assert_cmpuint(out.max_interval_s, ==, 60);
  g_assert_cmpuint(out.peer_address.len, ==, 3);
  g_assert_cmpmem(out.peer_address.bytes, 3, in.peer_address.bytes, 3);
  g_assert_cmpuint(out.paths.attribute_path_count, ==, 2);
  g_assert_false(out.paths.attribute_paths[1].has_endpoint);
  g_assert_cmpuint(out.paths.event_path_count, ==, 1);
  g_assert_true(out.paths.event_paths[0].is_urgent);
  g_assert_cmpuint(out.paths.event_filter_count, ==, 0);
  g_assert_true(out.paths.fabric_filtered);

  /* Every truncation fails cleanly. */
  for (size_t cut = 0; cut < len; cut++)
    g_assert_cmpint(matter_im_subscription_record_decode(buf, cut, &out), !=, MATTER_OK);
  in.min_interval_s = 61;
  assert_error(matter_im_subscription_record_encode(&in, buf, sizeof(buf), &len), MATTER_OK);
  g_assert_cmpint(matter_im_subscription_record_decode(buf, len, &out), !=, MATTER_OK);
  in.min_interval_s = 1;
  in.fabric_index = 0;
  assert_error(matter_im_subscription_record_encode(&in, buf, sizeof(buf), &len), MATTER_OK);
  g_assert_cmpint(matter_im_subscription_record_decode(buf, len, &out), !=, MATTER_OK);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  g_test_add_func("/im-engine/read/concrete", test_read_concrete);
  g_test_add_func("/im-engine/read/access", test_read_access);
  g_test_add_func("/im-engine/read/chunked", test_read_chunked);
  g_test_add_func("/im-engine/read/data-version-filter", test_read_data_version_filter);
  g_test_add_func("/im-engine/read/exhausted", test_read_exhausted);
  g_test_add_func("/im-engine/read/invalid", test_read_invalid);
  g_test_add_func("/im-engine/write", test_write);
  g_test_add_func("/im-engine/write/timed", test_timed_write);
  g_test_add_func("/im-engine/write/timed-late", test_timed_late);
  g_test_add_func("/im-engine/write/chunked-list", test_write_chunked_list);
  g_test_add_func("/im-engine/write/chunked-refused", test_write_chunked_refused);
  g_test_add_func("/im-engine/write/chunked-not-merged", test_write_chunked_not_merged);
  g_test_add_func("/im-engine/write/chunked-exhausted", test_write_chunked_exhausted);
  g_test_add_func("/im-engine/write/chunked-timed", test_write_chunked_timed);
  g_test_add_func("/im-engine/invoke", test_invoke);
  g_test_add_func("/im-engine/invoke/too-many", test_invoke_too_many);
  g_test_add_func("/im-engine/invoke/command-present", test_invoke_command_present);
  g_test_add_func("/im-engine/pending/invoke-status", test_pending_invoke_status);
  g_test_add_func("/im-engine/pending/invoke-response", test_pending_invoke_response);
  g_test_add_func("/im-engine/pending/invoke-timeout", test_pending_invoke_timeout);
  g_test_add_func("/im-engine/pending/stale-token", test_pending_stale_token);
  g_test_add_func("/im-engine/pending/exhausted", test_pending_exhausted);
  g_test_add_func("/im-engine/pending/session-closed", test_pending_session_closed);
  g_test_add_func("/im-engine/pending/suppressed", test_pending_suppressed);
  g_test_add_func("/im-engine/pending/timed-invoke", test_pending_timed_invoke);
  g_test_add_func("/im-engine/pending/writes", test_pending_writes);
  g_test_add_func("/im-engine/pending/write-timeout", test_pending_write_timeout);
  g_test_add_func("/im-engine/pending/chunked-write", test_pending_chunked_write);
  g_test_add_func("/im-engine/pending/list-write", test_pending_list_write);
  g_test_add_func("/im-engine/subscribe", test_subscribe);
  g_test_add_func("/im-engine/subscribe/keep", test_subscribe_keep);
  g_test_add_func("/im-engine/subscribe/ends", test_subscribe_ends);
  g_test_add_func("/im-engine/subscribe/invalid", test_subscribe_invalid);
  g_test_add_func("/im-engine/event/read", test_event_read);
  g_test_add_func("/im-engine/event/read-chunked", test_event_read_chunked);
  g_test_add_func("/im-engine/event/subscribe", test_event_subscribe);
  g_test_add_func("/im-engine/resume/announced", test_resume_announced);
  g_test_add_func("/im-engine/resume", test_resume);
  g_test_add_func("/im-engine/resume/refused", test_resume_refused);
  g_test_add_func("/im-engine/resume/checks", test_resume_checks);
  g_test_add_func("/im-engine/resume/record-codec", test_resume_record_codec);
  return g_test_run();
}
