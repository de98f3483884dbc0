/* SPDX-License-Identifier: Apache-2.0 */
/* The Interaction Model engine behind one live CASE session, as
 * fuzz-exchange drives the message layer: the input is up to four IM
 * payloads separated by "MTR|", each prefixed with its opcode byte,
 * delivered on one exchange (so a TimedRequest can be followed by its
 * action, a chunked report by StatusResponses, a chunked write by its
 * next chunks) after the message layer took them; then time runs out, so
 * a chunked write left waiting is abandoned. The node has a cluster with
 * a plain, a long list (writable, staged until list_write_done), a timed
 * and a read-only attribute, commands with and without a response, and
 * events (one fabric-sensitive, one for administrators) of which the log
 * holds a few, enough to chunk; the ACL lets the peer operate. Writes of
 * odd values to the plain attribute and invokes of command 0 go pending;
 * after each message the oldest pending one is answered, and those left
 * time out or lose their session at the end. Nothing may crash, leak or
 * read out of bounds. */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "matter/im-engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define require(cond) \
  do {                \
    if (!(cond))      \
      abort();        \
  } while (0)

static const MatterDmAttribute attributes[] = {
  { 0, 0, MATTER_ACL_PRIVILEGE_VIEW, MATTER_ACL_PRIVILEGE_OPERATE, 0 },
  { 1, MATTER_DM_LIST, MATTER_ACL_PRIVILEGE_VIEW, MATTER_ACL_PRIVILEGE_OPERATE, 0 },
  { 2, MATTER_DM_TIMED, MATTER_ACL_PRIVILEGE_VIEW, MATTER_ACL_PRIVILEGE_OPERATE, 0 },
  { 3, 0, MATTER_ACL_PRIVILEGE_VIEW, 0, 0 },
};
static const MatterDmCommand commands[] = {
  { 0, MATTER_DM_NO_RESPONSE, MATTER_ACL_PRIVILEGE_OPERATE, 0, 0 },
  { 1, 2, MATTER_ACL_PRIVILEGE_OPERATE, 0, 0 },
  { 3, MATTER_DM_NO_RESPONSE, MATTER_ACL_PRIVILEGE_OPERATE, MATTER_DM_TIMED, 0 },
};

static uint8_t
cluster_read(MatterDmCluster *cluster, const MatterDmRequest *request, uint32_t attribute,
             MatterTlvWriter *w, MatterTlvTag tag)
{
  static const uint8_t item[80];

  if (attribute == 1) {
    matter_tlv_start_array(w, tag);
    for (int i = 0; i < 30; i++)
      matter_tlv_put_bytes(w, matter_tlv_tag_anonymous(), item, sizeof(item));
    matter_tlv_end_container(w);
    return MATTER_IM_STATUS_SUCCESS;
  }
  matter_tlv_put_uint(w, tag, attribute);
  return MATTER_IM_STATUS_SUCCESS;
}

/* The tokens of pending writes and invokes, oldest first. */
static uint32_t tokens[2 * MATTER_IM_ENGINE_PENDING];
static size_t token_count;

static bool
pend(const MatterDmRequest *request)
{
  if (request->pending_token == 0 || token_count == sizeof(tokens) / sizeof(tokens[0]))
    return false;
  tokens[token_count++] = request->pending_token;
  return true;
}

/* Answers the oldest pending write or invoke, as whichever it is. */
static void
answer_oldest(MatterImEngine *engine, uint64_t now)
{
  static const uint8_t fields[] = { 0x15, 0x18 };
  const MatterDmInvokeResult result = { .status = MATTER_IM_STATUS_SUCCESS, .has_response = true,
                                        .response_id = 2 };

  if (token_count == 0)
    return;
  if (!matter_im_engine_complete_write(engine, tokens[0], MATTER_IM_STATUS_SUCCESS, now))
    matter_im_engine_complete_invoke(engine, tokens[0], &result, fields, sizeof(fields), now);
  memmove(tokens, tokens + 1, --token_count * sizeof(tokens[0]));
}

static uint8_t
cluster_write(MatterDmCluster *cluster, const MatterDmRequest *request,
              const MatterImAttributePath *path, MatterTlvReader *value)
{
  uint8_t v;

  if (matter_tlv_get_u8(value, &v) != MATTER_OK)
    return MATTER_IM_STATUS_CONSTRAINT_ERROR;
  if (path->attribute == 0 && (v & 1) && pend(request))
    return MATTER_DM_STATUS_PENDING;
  return MATTER_IM_STATUS_SUCCESS;
}

/* Refuses the lists of timed writes, to take the refusal path too. */
static uint8_t
cluster_list_write_done(MatterDmCluster *cluster, const MatterDmRequest *request,
                        const MatterImAttributePath *path, bool successful)
{
  return successful && request->timed ? MATTER_IM_STATUS_CONSTRAINT_ERROR
                                      : MATTER_IM_STATUS_SUCCESS;
}

static MatterDmInvokeResult
cluster_invoke(MatterDmCluster *cluster, const MatterDmRequest *request, uint32_t command,
               MatterTlvReader *fields, MatterTlvWriter *response, MatterTlvTag tag)
{
  MatterDmInvokeResult result = { .status = MATTER_IM_STATUS_SUCCESS };

  if (command == 0 && pend(request))
    result.status = MATTER_DM_STATUS_PENDING;
  if (command == 1) {
    matter_tlv_start_structure(response, tag);
    matter_tlv_end_container(response);
    result.has_response = true;
    result.response_id = 2;
  }
  return result;
}

static const MatterDmEvent events[] = {
  { 0, MATTER_ACL_PRIVILEGE_VIEW, 1, 0, 0 },
  { 1, MATTER_ACL_PRIVILEGE_VIEW, 2, MATTER_DM_FABRIC_SENSITIVE, 0 },
  { 2, MATTER_ACL_PRIVILEGE_ADMINISTER, 0, 0, 0 },
};

static const MatterDmClass cls = {
  .id = 0xFFF1FC01, .revision = 1, .name = "Fuzz",
  .attributes = attributes, .attribute_count = 4,
  .commands = commands, .command_count = 3,
  .events = events, .event_count = 3,
  .read = cluster_read, .write = cluster_write, .list_write_done = cluster_list_write_done,
  .invoke = cluster_invoke,
};

static const MatterAclEntry acl[] = {
  { .fabric_index = 1, .privilege = MATTER_ACL_PRIVILEGE_OPERATE,
    .auth_mode = MATTER_ACL_AUTH_CASE },
};

static const MatterAclEntry *
owner_acl(void *user_data, size_t *count)
{
  *count = 1;
  return acl;
}

static MatterEventLog event_log;

static const MatterEventLog *
owner_event_log(void *user_data)
{
  return &event_log;
}

/* Events of each kind, with fields large enough that they take several
 * reports; the fabric-sensitive ones of the peer's fabric and another. */
static void
log_events(void)
{
  static uint8_t memory[MATTER_EVENT_PRIORITIES][2048];
  static uint8_t fields[200] = { 0x15, 0x30, 0x00, 195 };
  MatterEventBuffer buffers[MATTER_EVENT_PRIORITIES];

  fields[sizeof(fields) - 1] = 0x18;
  for (int i = 0; i < MATTER_EVENT_PRIORITIES; i++)
    buffers[i] = (MatterEventBuffer) { memory[i], sizeof(memory[i]) };
  require(matter_event_log_init(&event_log, buffers, 0, MATTER_EVENT_NUMBER_STEP, NULL, NULL) ==
          MATTER_OK);
  for (uint32_t i = 0; i < 12; i++) {
    MatterEvent e = { .endpoint = 1, .cluster = cls.id, .event = i % 3,
                      .priority = events[i % 3].priority,
                      .fabric_index = i % 3 == 1 ? i % 2 + 1 : 0,
                      .fields = fields, .fields_len = sizeof(fields) };

    require(matter_event_log_emit(&event_log, &e, i, NULL) == MATTER_OK);
  }
}

static MatterError
fill_fixed(void *user_data, uint8_t *buf, size_t len)
{
  memset(buf, 0x01, len);
  return MATTER_OK;
}

/* The node's answers go nowhere. */
static MatterError
discard(void *user_data, const MatterSession *session, const uint8_t *msg, size_t len)
{
  return MATTER_OK;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const MatterExchangeCallbacks callbacks = { .send = discard };
  static const MatterImEngineOwner owner = { .acl = owner_acl, .event_log = owner_event_log };
  static MatterImEngine engine;
  const MatterRandomSource rng = { .fill = fill_fixed };
  MatterSession secure[1], unsecured[1];
  MatterSessionTable sessions;
  MatterExchange slots[8];
  MatterExchangeManager manager;
  MatterSessionSetup setup = { .kind = MATTER_SESSION_KIND_CASE,
                               .role = MATTER_SESSION_ROLE_RESPONDER,
                               .peer_session_id = 7, .fabric_index = 1, .peer_node_id = 9,
                               .peer_address = { .transport = MATTER_TRANSPORT_UDP, .len = 1 } };
  MatterSession *session = NULL;
  uint64_t ticks[16] = { 0 };
  MatterDmCluster cluster = { &cls, 1, 0, 5, ticks, NULL };
  MatterDmCluster *clusters[] = { &cluster };
  MatterDmEndpoint endpoint = { 1, NULL, 0, clusters, 1 };
  MatterDmEndpoint *endpoints[] = { &endpoint };
  MatterDmNode dm = { endpoints, 1, 0 };
  MatterMessageHeader header = { .security_flags = MATTER_SESSION_TYPE_UNICAST };
  uint8_t payload[MATTER_MESSAGE_MAX];
  uint64_t now = 1000;
  bool timeout = size % 2 == 0;

  token_count = 0;
  log_events();
  if (matter_session_table_init(&sessions, secure, 1, unsecured, 1, &rng) != MATTER_OK ||
      matter_exchange_manager_init(&manager, &sessions, slots, 8, &callbacks, NULL, &rng) !=
        MATTER_OK ||
      matter_im_engine_init(&engine, &manager, &dm, &owner, NULL) != MATTER_OK ||
      matter_session_table_allocate(&sessions, 0, &session) != MATTER_OK ||
      matter_session_activate(&sessions, session, &setup, 0) != MATTER_OK)
    return 0;

  for (uint32_t i = 0; i < 4 && size > 0; i++) {
    const uint8_t *sep = memmem(data, size, "MTR|", 4);
    size_t len = sep != NULL ? (size_t) (sep - data) : size;
    MatterProtocolHeader protocol = {
      .exchange_flags = MATTER_EXCHANGE_FLAG_I,
      .exchange_id = 0x1234,
      .protocol_id = MATTER_PROTOCOL_INTERACTION_MODEL,
    };
    size_t protocol_len;

    if (len >= 1 && len - 1 <= sizeof(payload) - MATTER_PROTOCOL_HEADER_MAX) {
      protocol.opcode = data[0];
      header.counter = 100 + i;
      require(matter_protocol_header_encode(&protocol, payload, sizeof(payload), &protocol_len) ==
              MATTER_OK);
      memcpy(payload + protocol_len, data + 1, len - 1);
      matter_exchange_manager_receive(&manager, session, &header, payload, protocol_len + len - 1,
                                      now);
    }
    now += 300;
    matter_exchange_manager_process(&manager, now);
    answer_oldest(&engine, now);
    if (sep == NULL)
      break;
    data = sep + 4;
    size -= len + 4;
  }
  if (timeout) {
    now += MATTER_IM_PENDING_TIMEOUT_MS;
    matter_im_engine_process(&engine, now);
  } else {
    matter_exchange_manager_remove_session(&manager, session, now);
  }
  /* Nothing is left waiting, and late answers touch nothing. */
  for (size_t i = 0; i < MATTER_IM_ENGINE_PENDING; i++)
    require(engine.pending[i].kind == MATTER_IM_PENDING_FREE);
  for (size_t i = 0; i < MATTER_IM_ENGINE_HELD_WRITES; i++)
    require(!engine.held_writes[i].used);
  while (token_count > 0)
    answer_oldest(&engine, now);
  for (int i = 0; i < 16 && matter_exchange_manager_next_deadline(&manager) != MATTER_MRP_NEVER;
       i++) {
    now = matter_exchange_manager_next_deadline(&manager) + 1;
    matter_exchange_manager_process(&manager, now);
  }
  matter_im_engine_deinit(&engine);
  matter_session_table_clear(&sessions);
  return 0;
}
