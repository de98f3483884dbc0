/* SPDX-License-Identifier: Apache-2.0 */
#define G_LOG_DOMAIN "matterd"

#include "case-server.h"

#include <string.h>

#include "matter/case.h"
#include "matter/securechannel.h"
#include "md-log.h"
#include "secure-channel-util.h"

/* A controller on the local network takes each step within a round trip
 * and one signature: milliseconds, or about 0.4 s more when MRP resends. */
#define CASE_STEP_TIMEOUT_MS (10 * 1000)
/* A handshake that has not moved on for this long gives its slot to a
 * new Sigma1 when every slot is taken. */
#define CASE_STALE_MS (3 * 1000)
#define CASE_BUSY_WAIT_MIN_MS 100

typedef struct _Handshake Handshake;

/* One CASE handshake in progress. A slot is free while responder is NULL. */
struct _Handshake {
  MdCaseServer *server;
  MatterCaseResponder *responder;
  MatterExchange *exchange;
  MatterSession *session; /* pending, holds the local session id offered */
  MatterPeerAddress peer;
  guint64 progress_ms;
};

struct _MdCaseServer {
  MdNode *node;                     /* not owned */
  MdFabricTable *fabrics;           /* not owned */
  MdResumptionStore *resumptions;   /* not owned */
  MatterExchangeManager *exchanges; /* not owned */
  MatterSessionTable *sessions;     /* not owned */
  Handshake handshakes[MD_CASE_HANDSHAKES_MAX];
};

static void on_handshake_message(void *user_data, MatterExchange *exchange,
                                 const MatterProtocolHeader *header, const uint8_t *payload,
                                 size_t len, uint64_t now_ms);
static void on_handshake_error(void *user_data, MatterExchange *exchange, MatterError err,
                               uint64_t now_ms);

static const MatterExchangeHandler handshake_handler = {
  .on_message = on_handshake_message,
  .on_error = on_handshake_error,
};

/* ---- What the responder asks of its owner ---- */

static size_t
fabric_count(void *user_data)
{
  MdCaseServer *self = user_data;

  return md_fabric_table_count(self->fabrics);
}

/* The fabric as CASE sees it, pending ones included: valid while the
 * fabric table does not change (the responder copies what it keeps). */
static MatterError
get_fabric(void *user_data, size_t index, MatterCaseFabric *out)
{
  MdCaseServer *self = user_data;
  const MdFabric *fabric = md_fabric_table_nth(self->fabrics, (guint) index);
  uint8_t compressed[MATTER_CASE_COMPRESSED_FABRIC_ID_LEN];
  MatterError err;

  if (fabric == NULL || fabric->ipk_epoch_key == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  *out = (MatterCaseFabric) {
    .fabric_index = fabric->index,
    .fabric_id = fabric->fabric_id,
    .node_id = fabric->node_id,
    .operational_key = fabric->key,
  };
  out->rcac = g_bytes_get_data(fabric->rcac, &out->rcac_len);
  out->noc = g_bytes_get_data(fabric->noc, &out->noc_len);
  if (fabric->icac != NULL)
    out->icac = g_bytes_get_data(fabric->icac, &out->icac_len);
  memcpy(out->root_public_key, fabric->root_public_key, sizeof(out->root_public_key));
  for (int i = 0; i < 8; i++)
    compressed[i] = (uint8_t) (fabric->compressed_fabric_id >> (56 - 8 * i));
  err = matter_case_operational_ipk(g_bytes_get_data(fabric->ipk_epoch_key, NULL), compressed,
                                    out->ipk);
  return err;
}

static MatterError
find_resumption(void *user_data, const uint8_t resumption_id[MATTER_CASE_RESUMPTION_ID_LEN],
                MatterCaseResumption *out)
{
  MdCaseServer *self = user_data;
  MdResumptionRecord record;

  if (!md_resumption_store_find(self->resumptions, resumption_id, &record))
    return MATTER_ERROR_SESSION_NOT_FOUND;
  *out = (MatterCaseResumption) {
    .fabric_index = record.fabric_index,
    .peer_node_id = record.peer_node_id,
  };
  memcpy(out->resumption_id, record.resumption_id, sizeof(out->resumption_id));
  memcpy(out->shared_secret, record.shared_secret, sizeof(out->shared_secret));
  memcpy(out->peer_cats, record.peer_cats, sizeof(out->peer_cats));
  matter_secure_zero(&record, sizeof(record));
  return MATTER_OK;
}

/* ---- Handshakes ---- */

static void
handshake_finish(Handshake *hs, gboolean established, gboolean abandon, guint64 now)
{
  MdCaseServer *self = hs->server;

  if (hs->exchange != NULL) {
    if (abandon)
      matter_exchange_abort(hs->exchange);
    else
      matter_exchange_close(hs->exchange, now);
  }
  if (!established && hs->session != NULL)
    matter_session_table_remove(self->sessions, hs->session);
  g_clear_pointer(&hs->responder, matter_case_responder_free);
  memset(hs, 0, sizeof(*hs));
  hs->server = self;
}

static void
handshake_failed(Handshake *hs, guint64 now)
{
  MatterError detail = MATTER_OK;
  MatterError reason = matter_case_responder_get_failure(hs->responder, &detail);

  if (reason == detail || detail == MATTER_OK)
    g_message("CASE failed: %s", matter_error_str(reason));
  else
    g_message("CASE failed: %s (%s)", matter_error_str(reason), matter_error_str(detail));
  handshake_finish(hs, FALSE, FALSE, now);
}

/* The peer may resume this session later: its record replaces the one it
 * had. A pending fabric has no row yet for the record to belong to; its
 * peers resume once it is committed. */
static void
keep_resumption(MdCaseServer *self, const MatterSessionSetup *setup)
{
  g_autoptr(GError) error = NULL;
  MdResumptionRecord record = {
    .fabric_index = setup->fabric_index,
    .peer_node_id = setup->peer_node_id,
  };
  MdFabric *pending = md_fabric_table_get_pending(self->fabrics);

  if (!setup->has_resumption)
    return;
  if (pending != NULL && pending->index == setup->fabric_index &&
      !md_fabric_table_pending_is_update(self->fabrics))
    return;
  memcpy(record.resumption_id, setup->resumption_id, sizeof(record.resumption_id));
  memcpy(record.shared_secret, setup->shared_secret, sizeof(record.shared_secret));
  memcpy(record.peer_cats, setup->peer_cats, sizeof(record.peer_cats));
  if (!md_resumption_store_put(self->resumptions, &record, &error))
    g_warning("Cannot keep the resumption record of node 0x%016" G_GINT64_MODIFIER "X: %s",
              setup->peer_node_id, error->message);
  matter_secure_zero(&record, sizeof(record));
}

static void
establish_session(Handshake *hs, guint64 now)
{
  MdCaseServer *self = hs->server;
  MatterSession *session = hs->session;
  MatterCaseResult result;
  g_autofree char *peer = NULL;
  MatterError err = matter_case_responder_get_result(hs->responder, &result);

  if (err == MATTER_OK) {
    result.setup.peer_address = hs->exchange->session->peer_address;
    md_sc_make_room(self->node, self->exchanges, self->sessions, now);
    err = matter_session_activate(self->sessions, session, &result.setup, now);
  }
  if (err != MATTER_OK) {
    g_warning("Cannot set up the CASE session: %s", matter_error_str(err));
    matter_secure_zero(&result, sizeof(result));
    handshake_finish(hs, FALSE, FALSE, now);
    return;
  }
  keep_resumption(self, &result.setup);
  peer = md_node_peer_to_string(self->node, &session->peer_address);
  md_log_matter(G_LOG_LEVEL_MESSAGE, session->fabric_index, session->peer_node_id,
                session->local_session_id,
                "CASE session %u %s with node 0x%016" G_GINT64_MODIFIER "X of fabric %u at %s",
                session->local_session_id, result.resumed ? "resumed" : "established",
                session->peer_node_id, session->fabric_index, peer);
  matter_secure_zero(&result, sizeof(result));
  handshake_finish(hs, TRUE, FALSE, now);
  md_node_changed(self->node, MD_NODE_CHANGE_SESSIONS);
}

static void
step_handshake(Handshake *hs, uint8_t opcode, const uint8_t *payload, size_t len, guint64 now)
{
  guint8 out[MATTER_CASE_MESSAGE_MAX];
  size_t out_len = 0;
  uint8_t out_opcode = 0;
  MatterError err = matter_case_responder_handle(hs->responder, opcode, payload, len,
                                                 &out_opcode, out, sizeof(out), &out_len);
  MatterCaseState state = matter_case_responder_get_state(hs->responder);
  /* A refused Sigma1 is answered without R, like BUSY (4.10.1.5). */
  unsigned flags = state == MATTER_CASE_STATE_IDLE ? 0 : MATTER_EXCHANGE_SEND_RELIABLE;

  if (out_len > 0)
    md_sc_send(hs->exchange, out_opcode, out, out_len, flags, now);
  matter_secure_zero(out, sizeof(out));
  switch (state) {
  case MATTER_CASE_STATE_ESTABLISHED:
    establish_session(hs, now);
    break;
  case MATTER_CASE_STATE_FAILED:
    handshake_failed(hs, now);
    break;
  case MATTER_CASE_STATE_IDLE:
    if (err != MATTER_OK)
      handshake_failed(hs, now);
    break;
  case MATTER_CASE_STATE_IN_PROGRESS:
  default:
    hs->progress_ms = now;
    matter_exchange_set_timeout(hs->exchange, now + CASE_STEP_TIMEOUT_MS);
    break;
  }
}

/* A slot for a Sigma1 from @peer: its own earlier handshake, a free slot,
 * or the longest stalled one. NULL when all are moving on, with
 * *@wait_ms until the first may be replaced. */
static Handshake *
handshake_slot(MdCaseServer *self, const MatterPeerAddress *peer, guint64 now, guint64 *wait_ms)
{
  Handshake *victim = NULL;
  guint64 first = G_MAXUINT64;

  for (gsize i = 0; i < G_N_ELEMENTS(self->handshakes); i++) {
    Handshake *hs = &self->handshakes[i];

    if (hs->responder != NULL && md_peer_address_equal(&hs->peer, peer)) {
      g_debug("A new Sigma1 from the same peer replaces its handshake");
      handshake_finish(hs, FALSE, TRUE, now);
      return hs;
    }
  }
  for (gsize i = 0; i < G_N_ELEMENTS(self->handshakes); i++)
    if (self->handshakes[i].responder == NULL)
      return &self->handshakes[i];
  for (gsize i = 0; i < G_N_ELEMENTS(self->handshakes); i++) {
    Handshake *hs = &self->handshakes[i];
    guint64 at = hs->progress_ms + CASE_STALE_MS;

    first = MIN(first, at);
    if (at <= now && (victim == NULL || hs->progress_ms < victim->progress_ms))
      victim = hs;
  }
  if (victim != NULL) {
    g_debug("Giving up a stalled CASE handshake for a new Sigma1");
    handshake_finish(victim, FALSE, TRUE, now);
    return victim;
  }
  *wait_ms = first > now ? first - now : 0;
  return NULL;
}

void
md_case_server_handle_sigma1(MdCaseServer *self, MatterExchange *exchange, const uint8_t *payload,
                             size_t len, guint64 now)
{
  const MatterCaseResponderCallbacks callbacks = {
    .fabric_count = fabric_count,
    .get_fabric = get_fabric,
    .find_resumption = find_resumption,
    .user_data = self,
  };
  MatterCaseSigma1 sigma1;
  MatterSession *session = NULL;
  guint64 wait_ms = 0;
  Handshake *hs;
  MatterError err;

  /* A malformed Sigma1 must not displace anyone: the responder would
   * refuse it anyway, without a slot. */
  err = matter_case_sigma1_decode(payload, len, &sigma1);
  matter_secure_zero(&sigma1, sizeof(sigma1));
  if (err != MATTER_OK || md_fabric_table_count(self->fabrics) == 0) {
    g_debug("Refusing a Sigma1: %s",
            err != MATTER_OK ? matter_error_str(err) : "the node is on no fabric");
    md_sc_refuse(exchange, MATTER_STATUS_FAILURE,
                 err != MATTER_OK ? MATTER_SC_STATUS_INVALID_PARAMETER
                                  : MATTER_SC_STATUS_NO_SHARED_TRUST_ROOTS,
                 now);
    return;
  }
  hs = handshake_slot(self, &exchange->session->peer_address, now, &wait_ms);
  if (hs == NULL) {
    g_debug("All %d CASE handshakes are moving on: BUSY for %" G_GUINT64_FORMAT " ms",
            MD_CASE_HANDSHAKES_MAX, wait_ms);
    md_sc_reply_busy(exchange, CLAMP(wait_ms, CASE_BUSY_WAIT_MIN_MS, CASE_STALE_MS), now);
    return;
  }
  err = matter_session_table_allocate(self->sessions, now, &session);
  if (err == MATTER_OK)
    err = matter_case_responder_new(&callbacks, session->local_session_id, NULL, NULL,
                                    MATTER_CERT_TIME_UNKNOWN, 0, &hs->responder);
  if (err != MATTER_OK) {
    g_warning("Cannot start CASE: %s", matter_error_str(err));
    if (session != NULL)
      matter_session_table_remove(self->sessions, session);
    md_sc_reply_busy(exchange, CASE_STALE_MS, now);
    return;
  }
  hs->session = session;
  hs->exchange = exchange;
  hs->peer = exchange->session->peer_address;
  hs->progress_ms = now;
  matter_exchange_set_handler(exchange, &handshake_handler, hs);
  step_handshake(hs, MATTER_SC_OPCODE_CASE_SIGMA1, payload, len, now);
}

static void
on_handshake_message(void *user_data, MatterExchange *exchange, const MatterProtocolHeader *header,
                     const uint8_t *payload, size_t len, uint64_t now_ms)
{
  Handshake *hs = user_data;

  if (exchange != hs->exchange)
    return;
  if (header->protocol_id != MATTER_PROTOCOL_SECURE_CHANNEL || header->vendor_id != 0) {
    g_message("CASE failed: a message of another protocol in the handshake");
    handshake_finish(hs, FALSE, FALSE, now_ms);
    return;
  }
  step_handshake(hs, header->opcode, payload, len, now_ms);
}

static void
on_handshake_error(void *user_data, MatterExchange *exchange, MatterError err, uint64_t now_ms)
{
  Handshake *hs = user_data;

  if (exchange != hs->exchange)
    return;
  g_message("CASE abandoned: %s", matter_error_str(err));
  if (err == MATTER_ERROR_SESSION_CLOSED)
    hs->exchange = NULL; /* going away with its session */
  handshake_finish(hs, FALSE, FALSE, now_ms);
}

MdCaseServer *
md_case_server_new(MdNode *node, MdFabricTable *fabrics, MdResumptionStore *resumptions,
                   MatterExchangeManager *exchanges, MatterSessionTable *sessions)
{
  MdCaseServer *self = g_new0(MdCaseServer, 1);

  self->node = node;
  self->fabrics = fabrics;
  self->resumptions = resumptions;
  self->exchanges = exchanges;
  self->sessions = sessions;
  for (gsize i = 0; i < G_N_ELEMENTS(self->handshakes); i++)
    self->handshakes[i].server = self;
  return self;
}

void
md_case_server_free(MdCaseServer *self)
{
  if (self == NULL)
    return;
  for (gsize i = 0; i < G_N_ELEMENTS(self->handshakes); i++)
    g_clear_pointer(&self->handshakes[i].responder, matter_case_responder_free);
  g_free(self);
}
