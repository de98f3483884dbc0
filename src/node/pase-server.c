/* SPDX-License-Identifier: Apache-2.0 */
#define G_LOG_DOMAIN "matterd"

#include "pase-server.h"

#include <string.h>

#include "case-server.h"
#include "commissioning.h"
#include "matter/pase.h"
#include "matter/securechannel.h"
#include "md-error.h"
#include "md-log.h"
#include "secure-channel-util.h"

/* A commissioner on the local network takes each step within a round trip
 * and its PBKDF2 (1000 iterations here): tens of milliseconds, or about
 * 0.4 s more when MRP has to resend a lost message. */

/* A step not taken within this time ends the handshake. */
#define PASE_STEP_TIMEOUT_MS (10 * 1000)
/* A handshake that has not moved on for this long gives its slot to a new
 * commissioner when every slot is taken... */
#define PASE_STALE_MS (3 * 1000)
/* ...or after this long when its peer has not even acknowledged our
 * PBKDFParamResponse: a request sent blind, from a spoofed address or by a
 * flooder that reads nothing. */
#define PASE_BLIND_STALE_MS 1000
/* The least a BUSY asks a commissioner to wait. */
#define PASE_BUSY_WAIT_MIN_MS 100
/* Handshakes given up and BUSY answers are logged at most this often. */
#define PASE_PRESSURE_REPORT_MS (60 * 1000)

typedef struct _Handshake Handshake;

/* One PASE attempt in progress. A slot is free while responder is NULL. */
struct _Handshake {
  MdPaseServer *server;
  MatterPaseResponder *responder;
  MatterExchange *exchange;
  MatterSession *session; /* pending, holds the local session id offered */
  MatterPeerAddress peer;
  guint64 progress_ms; /* when the handshake last moved on */
  gboolean counted;    /* Pake2 went out: an attempt is counted */
};

struct _MdPaseServer {
  MdNode *node;                     /* not owned */
  MdCommissioning *commissioning;   /* not owned */
  MatterExchangeManager *exchanges; /* not owned */
  MatterSessionTable *sessions;     /* not owned */
  Handshake handshakes[MD_PASE_HANDSHAKES_MAX];

  /* Since the last report: what a flood cost commissioners. */
  guint given_up;
  guint busy;
  guint64 reported_ms;
  gboolean reported;
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

/* Ends @hs and frees its slot. An attempt it counted stays counted unless
 * @verified. Its exchange closes, sending what is still owed, or with
 * @abandon is freed at once (the peer is given up for another). */
static void
handshake_finish(Handshake *hs, gboolean verified, gboolean abandon, guint64 now)
{
  MdPaseServer *self = hs->server;
  gboolean counted = hs->counted;

  if (hs->exchange != NULL) {
    if (abandon)
      matter_exchange_abort(hs->exchange);
    else
      matter_exchange_close(hs->exchange, now);
  }
  if (!verified && hs->session != NULL)
    matter_session_table_remove(self->sessions, hs->session);
  g_clear_pointer(&hs->responder, matter_pase_responder_free);
  memset(hs, 0, sizeof(*hs));
  hs->server = self;
  /* Last: ending the attempt may close the window, which others hear of. */
  if (counted)
    md_commissioning_attempt_end(self->commissioning, verified);
}

/* Mid-handshake refusal (FAILURE, INVALID_PARAMETER), sent reliably: an
 * honest commissioner learns why; the exchange manager may abandon it
 * should the tables fill up. */
static void
handshake_refuse(Handshake *hs, const char *why, guint64 now)
{
  g_message("PASE failed: %s", why);
  md_sc_send_status(hs->exchange, MATTER_STATUS_FAILURE, MATTER_SC_STATUS_INVALID_PARAMETER,
              MATTER_EXCHANGE_SEND_RELIABLE, now);
  handshake_finish(hs, FALSE, FALSE, now);
}

static void
establish_session(Handshake *hs, guint64 now)
{
  MdPaseServer *self = hs->server;
  MatterSessionSetup setup = { 0 };
  MatterPaseResult result;
  MatterSession *session = hs->session;
  g_autofree char *peer = NULL;
  MatterError err = matter_pase_responder_get_result(hs->responder, &result);

  if (err == MATTER_OK) {
    setup.kind = MATTER_SESSION_KIND_PASE;
    setup.role = MATTER_SESSION_ROLE_RESPONDER;
    setup.peer_session_id = result.peer_session_id;
    memcpy(setup.i2r_key, result.i2r_key, sizeof(setup.i2r_key));
    memcpy(setup.r2i_key, result.r2i_key, sizeof(setup.r2i_key));
    memcpy(setup.attestation_challenge, result.attestation_challenge,
           sizeof(setup.attestation_challenge));
    if (result.has_peer_params)
      setup.peer_params = result.peer_params;
    setup.peer_address = hs->exchange->session->peer_address;
    md_sc_make_room(self->node, self->exchanges, self->sessions, now);
    err = matter_session_activate(self->sessions, session, &setup, now);
  }
  matter_secure_zero(&result, sizeof(result));
  matter_secure_zero(&setup, sizeof(setup));
  if (err != MATTER_OK) {
    g_warning("Cannot set up the PASE session: %s", matter_error_str(err));
    /* The passcode was right: the attempt does not count. */
    handshake_finish(hs, TRUE, FALSE, now);
    matter_session_table_remove(self->sessions, session);
    md_node_changed(self->node, MD_NODE_CHANGE_SESSIONS);
    return;
  }
  peer = md_node_peer_to_string(self->node, &session->peer_address);
  md_log_matter(G_LOG_LEVEL_MESSAGE, MD_LOG_NONE, MD_LOG_NONE, session->local_session_id,
                "PASE session %u established with %s", session->local_session_id, peer);
  handshake_finish(hs, TRUE, FALSE, now);
  md_node_changed(self->node, MD_NODE_CHANGE_SESSIONS);
}

static void
handshake_failed(Handshake *hs, guint64 now)
{
  MatterError detail = MATTER_OK;
  MatterError reason = matter_pase_responder_get_failure(hs->responder, &detail);

  if (reason == detail)
    g_message("PASE failed: %s", matter_error_str(reason));
  else
    g_message("PASE failed: %s (%s)", matter_error_str(reason), matter_error_str(detail));
  handshake_finish(hs, FALSE, FALSE, now);
}

/* The responder produced Pake2: the passcode is about to be put to the
 * test, so the attempt is counted, and stored, before Pake2 leaves. */
static gboolean
count_attempt(Handshake *hs, guint64 now)
{
  g_autoptr(GError) error = NULL;

  if (!md_commissioning_attempt_begin(hs->server->commissioning, &error)) {
    g_autofree char *why = g_strdup_printf("not answering Pake1: %s", error->message);

    handshake_refuse(hs, why, now);
    return FALSE;
  }
  hs->counted = TRUE;
  return TRUE;
}

static void
step_handshake(Handshake *hs, uint8_t opcode, const uint8_t *payload, size_t len, guint64 now)
{
  guint8 out[MATTER_PASE_MESSAGE_MAX];
  size_t out_len = 0;
  uint8_t out_opcode = 0;
  MatterError err = matter_pase_responder_handle(hs->responder, opcode, payload, len, &out_opcode,
                                                 out, sizeof(out), &out_len);
  MatterPaseState state = matter_pase_responder_get_state(hs->responder);
  unsigned flags = MATTER_EXCHANGE_SEND_RELIABLE;

  if (out_opcode == MATTER_SC_OPCODE_PASE_PAKE2 && out_len > 0 && !count_attempt(hs, now))
    return;
  /* A refused request is answered like one refused at the door. */
  if (state == MATTER_PASE_STATE_IDLE)
    flags = 0;
  if (out_len > 0)
    md_sc_send(hs->exchange, out_opcode, out, out_len, flags, now);
  matter_secure_zero(out, sizeof(out));
  switch (state) {
  case MATTER_PASE_STATE_ESTABLISHED:
    establish_session(hs, now);
    break;
  case MATTER_PASE_STATE_FAILED:
    handshake_failed(hs, now);
    break;
  case MATTER_PASE_STATE_IDLE:
    /* A request the responder refused (and answered): nothing started. */
    if (err != MATTER_OK)
      handshake_failed(hs, now);
    break;
  case MATTER_PASE_STATE_IN_PROGRESS:
  default:
    hs->progress_ms = now;
    matter_exchange_set_timeout(hs->exchange, now + PASE_STEP_TIMEOUT_MS);
    break;
  }
}

/* Waiting for Pake1 while our PBKDFParamResponse is still unacknowledged. */
static gboolean
is_blind(const Handshake *hs)
{
  return !hs->counted && hs->exchange != NULL && hs->exchange->retrans.active;
}

/* When @hs may give its slot to a newcomer. */
static guint64
replaceable_at(const Handshake *hs)
{
  return hs->progress_ms + (is_blind(hs) ? PASE_BLIND_STALE_MS : PASE_STALE_MS);
}

/* Tells the operator, rate-limited, that handshakes are being given up
 * or refused: one request is not news, a flood is. */
static void
note_pressure(MdPaseServer *self, guint64 now)
{
  if (self->reported && now - self->reported_ms < PASE_PRESSURE_REPORT_MS)
    return;
  g_message("PASE under load: %u stalled handshakes gave way to new requests and %u requests got "
            "BUSY since the last report",
            self->given_up, self->busy);
  self->given_up = self->busy = 0;
  self->reported_ms = now;
  self->reported = TRUE;
}

/* The handshake to give up for a new request when every slot is taken:
 * a blind one first, then any other, the longest idle first; NULL when
 * all are moving on, with *@wait_ms until the first may be replaced. */
static Handshake *
stalled_handshake(MdPaseServer *self, guint64 now, guint64 *wait_ms)
{
  Handshake *victim = NULL;
  guint64 first = G_MAXUINT64;

  for (gsize i = 0; i < G_N_ELEMENTS(self->handshakes); i++) {
    Handshake *hs = &self->handshakes[i];
    guint64 at = replaceable_at(hs);

    first = MIN(first, at);
    if (at > now)
      continue;
    if (victim == NULL || (is_blind(hs) && !is_blind(victim)) ||
        (is_blind(hs) == is_blind(victim) && hs->progress_ms < victim->progress_ms))
      victim = hs;
  }
  *wait_ms = first > now ? first - now : 0;
  return victim;
}

/* A slot for a new request from @peer: its own earlier handshake (one per
 * peer address: a commissioner that asks again has given up the old one),
 * a free slot, or a stalled handshake. NULL when none, with *@wait_ms for
 * the BUSY. */
static Handshake *
handshake_slot(MdPaseServer *self, const MatterPeerAddress *peer, guint64 now, guint64 *wait_ms)
{
  Handshake *hs = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS(self->handshakes); i++)
    if (self->handshakes[i].responder != NULL && md_peer_address_equal(&self->handshakes[i].peer, peer)) {
      hs = &self->handshakes[i];
      g_debug("A new PASE request from the same peer replaces its handshake");
      handshake_finish(hs, FALSE, TRUE, now);
      return hs;
    }
  for (gsize i = 0; i < G_N_ELEMENTS(self->handshakes); i++)
    if (self->handshakes[i].responder == NULL)
      return &self->handshakes[i];
  hs = stalled_handshake(self, now, wait_ms);
  if (hs != NULL) {
    g_debug("Giving up a stalled PASE handshake for a new commissioner");
    handshake_finish(hs, FALSE, TRUE, now);
    self->given_up++;
    note_pressure(self, now);
  }
  return hs;
}

/* The request's own checks, before it may take a slot: a malformed one
 * must not displace anyone. */
static MatterError
check_request(const uint8_t *payload, size_t len)
{
  MatterPbkdfParamRequest req;
  MatterError err = matter_pase_pbkdf_request_decode(payload, len, &req);

  if (err != MATTER_OK)
    return err;
  if (req.passcode_id != MATTER_PASE_PASSCODE_ID || req.initiator_session_id == 0)
    return MATTER_ERROR_PASE_INVALID_MESSAGE;
  return MATTER_OK;
}

static void
start_handshake(MdPaseServer *self, MatterExchange *exchange, const uint8_t *payload, size_t len,
                guint64 now)
{
  const MdPaseVerifier *verifier = md_commissioning_get_verifier(self->commissioning);
  MatterSessionParams params = { 0 };
  MatterSession *session = NULL;
  guint64 wait_ms = 0;
  Handshake *hs;
  MatterError err;

  if (verifier == NULL) {
    g_debug("PBKDFParamRequest while no commissioning window is open");
    md_sc_refuse(exchange, MATTER_STATUS_FAILURE, MATTER_SC_STATUS_INVALID_PARAMETER, now);
    return;
  }
  err = check_request(payload, len);
  if (err != MATTER_OK) {
    g_debug("Refusing a malformed PBKDFParamRequest: %s", matter_error_str(err));
    md_sc_refuse(exchange, MATTER_STATUS_FAILURE, MATTER_SC_STATUS_INVALID_PARAMETER, now);
    return;
  }
  hs = handshake_slot(self, &exchange->session->peer_address, now, &wait_ms);
  if (hs == NULL) {
    g_debug("All %d PASE handshakes are moving on: BUSY for %" G_GUINT64_FORMAT " ms",
            MD_PASE_HANDSHAKES_MAX, wait_ms);
    md_sc_reply_busy(exchange, CLAMP(wait_ms, PASE_BUSY_WAIT_MIN_MS, PASE_STALE_MS), now);
    self->busy++;
    note_pressure(self, now);
    return;
  }
  /* The handshake given up may have spent the window's last attempt. */
  verifier = md_commissioning_get_verifier(self->commissioning);
  if (verifier == NULL) {
    md_sc_refuse(exchange, MATTER_STATUS_FAILURE, MATTER_SC_STATUS_INVALID_PARAMETER, now);
    return;
  }

  err = matter_session_table_allocate(self->sessions, now, &session);
  if (err == MATTER_OK)
    err = matter_pase_responder_new(verifier->w0, verifier->L, verifier->salt,
                                    verifier->salt_len, verifier->iterations,
                                    session->local_session_id, &params, &hs->responder);
  if (err != MATTER_OK) {
    g_warning("Cannot start PASE: %s", matter_error_str(err));
    if (session != NULL)
      matter_session_table_remove(self->sessions, session);
    md_sc_reply_busy(exchange, PASE_STALE_MS, now);
    return;
  }
  hs->session = session;
  hs->exchange = exchange;
  hs->peer = exchange->session->peer_address;
  hs->progress_ms = now;
  matter_exchange_set_handler(exchange, &handshake_handler, hs);
  step_handshake(hs, MATTER_SC_OPCODE_PBKDF_PARAM_REQUEST, payload, len, now);
}

static void
on_handshake_message(void *user_data, MatterExchange *exchange, const MatterProtocolHeader *header,
                     const uint8_t *payload, size_t len, uint64_t now_ms)
{
  Handshake *hs = user_data;

  if (exchange != hs->exchange)
    return;
  if (header->protocol_id != MATTER_PROTOCOL_SECURE_CHANNEL || header->vendor_id != 0) {
    handshake_refuse(hs, "a message of another protocol in the handshake", now_ms);
    return;
  }
  /* A window that closed (its time ran out) ends what it had let begin. */
  if (md_commissioning_get_verifier(hs->server->commissioning) == NULL &&
      header->opcode != MATTER_SC_OPCODE_STATUS_REPORT) {
    handshake_refuse(hs, "the commissioning window closed", now_ms);
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
  g_message("PASE abandoned: %s", matter_error_str(err));
  if (err == MATTER_ERROR_SESSION_CLOSED)
    hs->exchange = NULL; /* going away with its session */
  handshake_finish(hs, FALSE, FALSE, now_ms);
}

/* A secure session the peer closes (StatusReport CloseSession, 4.10.1.4). */
static void
close_session(MdPaseServer *self, MatterExchange *exchange, guint64 now)
{
  MatterSession *session = exchange->session;

  md_log_matter(G_LOG_LEVEL_MESSAGE, session->fabric_index ? session->fabric_index : MD_LOG_NONE,
                MD_LOG_NONE, session->local_session_id, "Peer closed session %u",
                session->local_session_id);
  md_node_session_closing(self->node, session, now);
  matter_exchange_manager_remove_session(self->exchanges, session, now);
  md_node_changed(self->node, MD_NODE_CHANGE_SESSIONS);
}

static void
on_unsolicited(void *user_data, MatterExchange *exchange, const MatterProtocolHeader *header,
               const uint8_t *payload, size_t len, uint64_t now_ms)
{
  MdPaseServer *self = user_data;
  MatterStatusReport report;

  switch (header->opcode) {
  case MATTER_SC_OPCODE_PBKDF_PARAM_REQUEST:
    if (exchange->session->kind == MATTER_SESSION_KIND_UNSECURED) {
      start_handshake(self, exchange, payload, len, now_ms);
      return;
    }
    break;
  case MATTER_SC_OPCODE_CASE_SIGMA1:
    /* One handler serves the protocol: CASE has its own server. */
    if (exchange->session->kind == MATTER_SESSION_KIND_UNSECURED) {
      md_case_server_handle_sigma1(md_node_get_case_server(self->node), exchange, payload, len,
                                   now_ms);
      return;
    }
    break;
  case MATTER_SC_OPCODE_STATUS_REPORT:
    if (exchange->session->kind != MATTER_SESSION_KIND_UNSECURED &&
        matter_status_report_decode(payload, len, &report) == MATTER_OK &&
        matter_status_report_is_sc(&report, MATTER_STATUS_SUCCESS,
                                   MATTER_SC_STATUS_CLOSE_SESSION)) {
      close_session(self, exchange, now_ms);
      return;
    }
    break;
  default:
    break;
  }
  g_debug("Ignoring unsolicited Secure Channel opcode 0x%02x", header->opcode);
  matter_exchange_close(exchange, now_ms);
}

static const MatterExchangeHandler unsolicited_handler = {
  .on_message = on_unsolicited,
};

MdPaseServer *
md_pase_server_new(MdNode *node, MatterExchangeManager *exchanges, MatterSessionTable *sessions,
                   GError **error)
{
  g_autoptr(MdPaseServer) self = g_new0(MdPaseServer, 1);
  MatterError err;

  self->node = node;
  self->commissioning = md_node_get_commissioning(node);
  self->exchanges = exchanges;
  self->sessions = sessions;
  for (gsize i = 0; i < G_N_ELEMENTS(self->handshakes); i++)
    self->handshakes[i].server = self;
  /* Established sessions never take the handshakes' slots, PASE's or
   * CASE's. */
  err = matter_session_table_reserve_pending(self->sessions, MD_NODE_HANDSHAKES_MAX);
  if (err != MATTER_OK) {
    md_error_set_core(error, err, "The session table has no room for the PASE handshakes");
    return NULL;
  }
  err = matter_exchange_manager_register(self->exchanges, MATTER_PROTOCOL_SECURE_CHANNEL,
                                         &unsolicited_handler, self);
  if (err != MATTER_OK) {
    md_error_set_core(error, err, "Cannot handle the Secure Channel protocol");
    return NULL;
  }
  return g_steal_pointer(&self);
}

void
md_pase_server_free(MdPaseServer *self)
{
  if (self == NULL)
    return;
  if (self->exchanges != NULL)
    matter_exchange_manager_unregister(self->exchanges, MATTER_PROTOCOL_SECURE_CHANNEL);
  /* Attempts in flight stay counted in the store, as after a crash. */
  for (gsize i = 0; i < G_N_ELEMENTS(self->handshakes); i++)
    g_clear_pointer(&self->handshakes[i].responder, matter_pase_responder_free);
  g_free(self);
}
