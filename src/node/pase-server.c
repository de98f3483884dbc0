/* SPDX-License-Identifier: Apache-2.0 */
#define G_LOG_DOMAIN "matterd"

#include "pase-server.h"

#include <string.h>

#include "log.h"
#include "matter/pase.h"
#include "matter/securechannel.h"
#include "md-error.h"

/* A handshake that stalls this long is abandoned (the commissioner's own
 * MRP gives up well before). */
#define PASE_TIMEOUT_MS (60 * 1000)
/* What a second commissioner is asked to wait (4.10.1.5 leaves it to us). */
#define PASE_BUSY_WAIT_MS 500

struct _MdPaseServer {
  MdMessaging *messaging;           /* not owned */
  MdCommissioning *commissioning;   /* not owned */
  MatterExchangeManager *exchanges; /* not owned */

  /* The handshake in progress, if any. */
  MatterPaseResponder *responder;
  MatterExchange *exchange;
  MatterSession *session; /* pending, holds the local session id offered */
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

static void
send_sc(MatterExchange *exchange, uint8_t opcode, const guint8 *payload, gsize len,
        unsigned flags, guint64 now)
{
  MatterError err =
    matter_exchange_send(exchange, MATTER_PROTOCOL_SECURE_CHANNEL, opcode, payload, len, flags, now);

  if (err != MATTER_OK)
    g_debug("Cannot send %s: %s", matter_sc_opcode_name(opcode), matter_error_str(err));
}

static void
reply_status(MatterExchange *exchange, uint16_t general, uint16_t code, guint64 now)
{
  guint8 buf[MATTER_STATUS_REPORT_MIN_LEN];
  size_t len;

  if (matter_status_report_encode_sc(general, code, buf, sizeof(buf), &len) == MATTER_OK)
    send_sc(exchange, MATTER_SC_OPCODE_STATUS_REPORT, buf, len, MATTER_EXCHANGE_SEND_RELIABLE,
            now);
}

/* Ends the handshake in progress; @remove_session drops the pending
 * session it reserved. */
static void
finish_handshake(MdPaseServer *self, gboolean remove_session, guint64 now)
{
  if (self->exchange != NULL)
    matter_exchange_close(self->exchange, now);
  if (remove_session && self->session != NULL)
    matter_session_table_remove(md_messaging_get_sessions(self->messaging), self->session);
  g_clear_pointer(&self->responder, matter_pase_responder_free);
  self->exchange = NULL;
  self->session = NULL;
}

/* A pending session for the local session id to offer, evicting the least
 * recently used one when the table is full (4.10.1.1). */
static MatterError
reserve_session(MdPaseServer *self, guint64 now, MatterSession **session)
{
  MatterSessionTable *sessions = md_messaging_get_sessions(self->messaging);
  MatterError err = matter_session_table_allocate(sessions, now, session);
  MatterSession *victim;

  if (err != MATTER_ERROR_SESSION_TABLE_FULL)
    return err;
  victim = matter_session_table_eviction_candidate(sessions);
  if (victim == NULL)
    return err;
  g_message("Session table full: evicting session %u", victim->local_session_id);
  matter_exchange_manager_remove_session(self->exchanges, victim, now);
  md_messaging_sessions_changed(self->messaging);
  return matter_session_table_allocate(sessions, now, session);
}

static void
establish_session(MdPaseServer *self, guint64 now)
{
  MatterSessionTable *sessions = md_messaging_get_sessions(self->messaging);
  MatterSessionSetup setup = { 0 };
  MatterPaseResult result;
  g_autofree char *peer = NULL;
  MatterError err = matter_pase_responder_get_result(self->responder, &result);

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
    setup.peer_address = self->exchange->session->peer_address;
    err = matter_session_activate(sessions, self->session, &setup, now);
  }
  matter_secure_zero(&result, sizeof(result));
  matter_secure_zero(&setup, sizeof(setup));
  if (err != MATTER_OK) {
    g_warning("Cannot set up the PASE session: %s", matter_error_str(err));
    finish_handshake(self, TRUE, now);
    return;
  }
  peer = md_messaging_peer_to_string(&self->session->peer_address);
  md_log_matter(G_LOG_LEVEL_MESSAGE, MD_LOG_NONE, MD_LOG_NONE, self->session->local_session_id,
                "PASE session %u established with %s", self->session->local_session_id, peer);
  finish_handshake(self, FALSE, now);
  md_messaging_sessions_changed(self->messaging);
}

/* A failed handshake: a wrong passcode counts against the window. */
static void
handshake_failed(MdPaseServer *self, guint64 now)
{
  MatterError detail = MATTER_OK;
  MatterError reason = matter_pase_responder_get_failure(self->responder, &detail);

  /* The commissioner reports a wrong passcode itself when our cB does not
   * verify (SC_PEER_STATUS); we see it when its cA does not. */
  if (reason == MATTER_ERROR_PASE_VERIFICATION_FAILED || reason == MATTER_ERROR_SC_PEER_STATUS) {
    g_message("PASE failed: %s", matter_error_str(reason));
    md_commissioning_pase_failed(self->commissioning);
  } else {
    g_message("PASE failed: %s (%s)", matter_error_str(reason), matter_error_str(detail));
  }
  finish_handshake(self, TRUE, now);
}

static void
step_handshake(MdPaseServer *self, uint8_t opcode, const uint8_t *payload, size_t len, guint64 now)
{
  guint8 out[MATTER_PASE_MESSAGE_MAX];
  size_t out_len = 0;
  uint8_t out_opcode = 0;
  MatterError err = matter_pase_responder_handle(self->responder, opcode, payload, len,
                                                 &out_opcode, out, sizeof(out), &out_len);

  if (out_len > 0)
    send_sc(self->exchange, out_opcode, out, out_len, MATTER_EXCHANGE_SEND_RELIABLE, now);
  switch (matter_pase_responder_get_state(self->responder)) {
  case MATTER_PASE_STATE_ESTABLISHED:
    establish_session(self, now);
    break;
  case MATTER_PASE_STATE_FAILED:
    handshake_failed(self, now);
    break;
  case MATTER_PASE_STATE_IDLE:
    /* A request the responder refused (and answered): nothing started. */
    if (err != MATTER_OK)
      finish_handshake(self, TRUE, now);
    break;
  case MATTER_PASE_STATE_IN_PROGRESS:
  default:
    break;
  }
}

static void
start_handshake(MdPaseServer *self, MatterExchange *exchange, const uint8_t *payload, size_t len,
                guint64 now)
{
  const MdPaseVerifier *verifier = md_commissioning_get_verifier(self->commissioning);
  MatterSessionParams params = { 0 };
  MatterSession *session = NULL;
  MatterError err;

  if (verifier == NULL) {
    g_debug("PBKDFParamRequest while no commissioning window is open");
    reply_status(exchange, MATTER_STATUS_FAILURE, MATTER_SC_STATUS_INVALID_PARAMETER, now);
    matter_exchange_close(exchange, now);
    return;
  }
  if (self->responder != NULL) {
    guint8 busy[MATTER_STATUS_REPORT_BUSY_LEN];
    size_t busy_len;

    /* 4.10.1.5: BUSY goes without R, in the request's exchange. */
    if (matter_status_report_encode_busy(PASE_BUSY_WAIT_MS, busy, sizeof(busy), &busy_len) ==
        MATTER_OK)
      send_sc(exchange, MATTER_SC_OPCODE_STATUS_REPORT, busy, busy_len, 0, now);
    matter_exchange_close(exchange, now);
    return;
  }

  err = reserve_session(self, now, &session);
  if (err == MATTER_OK)
    err = matter_pase_responder_new(verifier->w0, verifier->L, verifier->salt,
                                    sizeof(verifier->salt), verifier->iterations,
                                    session->local_session_id, &params, &self->responder);
  if (err != MATTER_OK) {
    g_warning("Cannot start PASE: %s", matter_error_str(err));
    if (session != NULL)
      matter_session_table_remove(md_messaging_get_sessions(self->messaging), session);
    reply_status(exchange, MATTER_STATUS_BUSY, MATTER_SC_STATUS_BUSY, now);
    matter_exchange_close(exchange, now);
    return;
  }
  self->session = session;
  self->exchange = exchange;
  matter_exchange_set_handler(exchange, &handshake_handler, self);
  matter_exchange_set_timeout(exchange, now + PASE_TIMEOUT_MS);
  step_handshake(self, MATTER_SC_OPCODE_PBKDF_PARAM_REQUEST, payload, len, now);
}

static void
on_handshake_message(void *user_data, MatterExchange *exchange, const MatterProtocolHeader *header,
                     const uint8_t *payload, size_t len, uint64_t now_ms)
{
  MdPaseServer *self = user_data;

  if (header->protocol_id != MATTER_PROTOCOL_SECURE_CHANNEL || exchange != self->exchange)
    return;
  step_handshake(self, header->opcode, payload, len, now_ms);
}

static void
on_handshake_error(void *user_data, MatterExchange *exchange, MatterError err, uint64_t now_ms)
{
  MdPaseServer *self = user_data;

  if (exchange != self->exchange)
    return;
  g_message("PASE abandoned: %s", matter_error_str(err));
  if (err == MATTER_ERROR_SESSION_CLOSED)
    self->exchange = NULL; /* going away with its session */
  finish_handshake(self, TRUE, now_ms);
}

/* A secure session the peer closes (StatusReport CloseSession, 4.10.1.4). */
static void
close_session(MdPaseServer *self, MatterExchange *exchange, guint64 now)
{
  MatterSession *session = exchange->session;

  md_log_matter(G_LOG_LEVEL_MESSAGE, session->fabric_index ? session->fabric_index : MD_LOG_NONE,
                MD_LOG_NONE, session->local_session_id, "Peer closed session %u",
                session->local_session_id);
  matter_exchange_manager_remove_session(self->exchanges, session, now);
  md_messaging_sessions_changed(self->messaging);
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
md_pase_server_new(MdMessaging *messaging, MdCommissioning *commissioning, GError **error)
{
  g_autoptr(MdPaseServer) self = g_new0(MdPaseServer, 1);
  MatterError err;

  self->messaging = messaging;
  self->commissioning = commissioning;
  self->exchanges = md_messaging_get_exchanges(messaging);
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
  g_clear_pointer(&self->responder, matter_pase_responder_free);
  g_free(self);
}
