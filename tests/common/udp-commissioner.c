/* SPDX-License-Identifier: Apache-2.0 */
#include "udp-commissioner.h"

#include <string.h>

#include "matter/im.h"
#include "matter/securechannel.h"

/* How long one PASE step may take before the attempt counts as hung. */
#define STEP_TIMEOUT_MS 20000
/* The longest the loop sleeps on its socket while a BLE link (whose
 * packets come through the default main context) is there. */
#define BLE_POLL_MS 2

guint64
md_test_now_ms(void)
{
  return (guint64) (g_get_monotonic_time() / 1000);
}

GSocket *
md_test_udp_socket(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV6);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new(loopback, 0);
  GSocket *socket =
      g_socket_new(G_SOCKET_FAMILY_IPV6, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &error);

  g_assert_no_error(error);
  g_socket_bind(socket, any, FALSE, &error);
  g_assert_no_error(error);
  return socket;
}

void
md_test_send_datagram(GSocket *socket, GSocketAddress *to, GBytes *datagram)
{
  g_autoptr(GError) error = NULL;
  gsize len;
  const char *data = g_bytes_get_data(datagram, &len);

  g_socket_send_to(socket, to, data, len, NULL, &error);
  g_assert_no_error(error);
}

static MatterError
commissioner_send(void *user_data, const MatterSession *session, const uint8_t *msg, size_t len)
{
  MdTestCommissioner *c = user_data;
  g_autoptr(GError) error = NULL;

  g_clear_pointer(&c->last_sent, g_bytes_unref);
  c->last_sent = g_bytes_new(msg, len);
  if (session->peer_address.transport == MATTER_TRANSPORT_BLE) {
    if (c->ble == NULL || !c->ble->send(c->ble_link, msg, len)) {
      g_test_message("send: no BLE link");
      return MATTER_ERROR_INVALID_ARGUMENT;
    }
    return MATTER_OK;
  }
  if (g_socket_send_to(c->socket, c->daemon_address, (const char *) msg, len, NULL, &error) < 0) {
    g_test_message("send: %s", error->message);
    return MATTER_ERROR_INVALID_ARGUMENT;
  }
  return MATTER_OK;
}

/* Unsolicited Secure Channel messages from the daemon: CloseSession. */
static void
on_unsolicited(void *user_data, MatterExchange *exchange, const MatterProtocolHeader *header,
               const uint8_t *payload, size_t len, uint64_t now)
{
  MdTestCommissioner *c = user_data;
  MatterStatusReport report;
  MatterSession *session = exchange->session;

  if (header->opcode == MATTER_SC_OPCODE_STATUS_REPORT &&
      matter_status_report_decode(payload, len, &report) == MATTER_OK &&
      matter_status_report_is_sc(&report, MATTER_STATUS_SUCCESS, MATTER_SC_STATUS_CLOSE_SESSION) &&
      session->kind != MATTER_SESSION_KIND_UNSECURED) {
    guint16 id = session->local_session_id;

    g_array_append_val(c->closed, id);
    matter_exchange_manager_remove_session(&c->exchanges, session, now);
    return;
  }
  matter_exchange_close(exchange, now);
}

static const MatterExchangeHandler unsolicited_handler = { .on_message = on_unsolicited };

/* Reports of subscriptions: each chunk is kept and answered with a
 * StatusResponse unless it asked for none; the exchange ends with the
 * last chunk. */
static void
on_report(void *user_data, MatterExchange *exchange, const MatterProtocolHeader *header,
          const uint8_t *payload, size_t len, uint64_t now)
{
  static const MatterExchangeHandler report_handler = { .on_message = on_report };
  MdTestCommissioner *c = user_data;
  MatterImReportData report;
  guint8 buf[16];
  size_t out_len;

  if (header->protocol_id != MATTER_PROTOCOL_INTERACTION_MODEL ||
      header->opcode != MATTER_IM_OPCODE_REPORT_DATA ||
      matter_im_report_data_decode(payload, len, &report) != MATTER_OK) {
    matter_exchange_close(exchange, now);
    return;
  }
  g_ptr_array_add(c->reports, g_bytes_new(payload, len));
  if (!report.suppress_response &&
      matter_im_status_response_encode(MATTER_IM_STATUS_SUCCESS, buf, sizeof(buf), &out_len) ==
          MATTER_OK)
    (void) matter_exchange_send(exchange, MATTER_PROTOCOL_INTERACTION_MODEL,
                                MATTER_IM_OPCODE_STATUS_RESPONSE, buf, out_len,
                                MATTER_EXCHANGE_SEND_RELIABLE, now);
  if (report.more_chunked_messages)
    matter_exchange_set_handler(exchange, &report_handler, c);
  else
    matter_exchange_close(exchange, now);
}

static const MatterExchangeHandler unsolicited_im_handler = { .on_message = on_report };

MdTestCommissioner *
md_test_commissioner_new(guint16 port)
{
  static const MatterExchangeCallbacks callbacks = { .send = commissioner_send };
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV6);
  MdTestCommissioner *c = g_new0(MdTestCommissioner, 1);

  c->socket = md_test_udp_socket();
  c->daemon_address = g_inet_socket_address_new(loopback, port);
  c->closed = g_array_new(FALSE, FALSE, sizeof(guint16));
  g_assert_cmpint(matter_session_table_init(&c->sessions, c->secure, G_N_ELEMENTS(c->secure),
                                            c->unsecured, G_N_ELEMENTS(c->unsecured), NULL),
                  ==, MATTER_OK);
  g_assert_cmpint(matter_exchange_manager_init(&c->exchanges, &c->sessions, c->slots,
                                               G_N_ELEMENTS(c->slots), &callbacks, c, NULL),
                  ==, MATTER_OK);
  g_assert_cmpint(matter_exchange_manager_register(&c->exchanges, MATTER_PROTOCOL_SECURE_CHANNEL,
                                                   &unsolicited_handler, c),
                  ==, MATTER_OK);
  g_assert_cmpint(matter_exchange_manager_register(&c->exchanges, MATTER_PROTOCOL_INTERACTION_MODEL,
                                                   &unsolicited_im_handler, c),
                  ==, MATTER_OK);
  c->reports = g_ptr_array_new_with_free_func((GDestroyNotify) g_bytes_unref);
  c->peer.transport = MATTER_TRANSPORT_UDP;
  c->peer.len = 1;
  c->ble_peer.transport = MATTER_TRANSPORT_BLE;
  c->ble_peer.len = 1;
  return c;
}

void
md_test_commissioner_free(MdTestCommissioner *c)
{
  if (c == NULL)
    return;
  g_clear_pointer(&c->initiator, md_test_pase_initiator_free);
  g_clear_pointer(&c->case_initiator, matter_case_initiator_free);
  matter_session_table_clear(&c->sessions);
  g_clear_pointer(&c->last_sent, g_bytes_unref);
  g_array_unref(c->closed);
  g_ptr_array_unref(c->reports);
  g_clear_object(&c->daemon_address);
  g_clear_object(&c->socket);
  g_free(c);
}

void
md_test_commissioner_set_ble(MdTestCommissioner *c, const MdTestLinkFuncs *funcs, gpointer link)
{
  c->ble = funcs;
  c->ble_link = funcs != NULL ? link : NULL;
}

/* What the BLE link brought: the default main context first, where the
 * link's packets arrive. */
static void
receive_ble(MdTestCommissioner *c)
{
  GBytes *sdu;

  while (g_main_context_iteration(NULL, FALSE))
    ;
  while (c->ble != NULL && (sdu = c->ble->receive(c->ble_link)) != NULL) {
    guint8 buf[MATTER_MESSAGE_MAX + 1];
    gsize n = MIN(g_bytes_get_size(sdu), sizeof(buf));

    /* The core decrypts in place. */
    memcpy(buf, g_bytes_get_data(sdu, NULL), n);
    g_bytes_unref(sdu);
    c->received++;
    matter_exchange_manager_receive_raw(&c->exchanges, &c->ble_peer, buf, n, md_test_now_ms());
  }
}

gboolean
md_test_commissioner_run_until(MdTestCommissioner *c, gboolean *done, guint timeout_ms)
{
  guint64 end = md_test_now_ms() + timeout_ms;

  while (!*done) {
    guint64 now = md_test_now_ms();
    /* Wake at least every 10 ms for the tick, more often for BLE. */
    guint64 deadline = MIN(MIN(matter_exchange_manager_next_deadline(&c->exchanges), end),
                           now + (c->ble != NULL ? BLE_POLL_MS : 10));
    guint8 buf[MATTER_MESSAGE_MAX + 1];
    gssize n;

    if (now >= end)
      return FALSE;
    if (c->tick != NULL)
      c->tick(c, now, c->tick_data);
    if (g_socket_condition_timed_wait(c->socket, G_IO_IN,
                                      (gint64) (deadline > now ? deadline - now : 0) * 1000, NULL,
                                      NULL)) {
      n = g_socket_receive(c->socket, (char *) buf, sizeof(buf), NULL, NULL);
      if (n > 0)
        c->received++;
      if (n > 0)
        matter_exchange_manager_receive_raw(&c->exchanges, &c->peer, buf, (size_t) n,
                                            md_test_now_ms());
    }
    if (c->ble != NULL)
      receive_ble(c);
    matter_exchange_manager_process(&c->exchanges, md_test_now_ms());
  }
  return TRUE;
}

void
md_test_commissioner_run_for(MdTestCommissioner *c, guint ms)
{
  gboolean never = FALSE;

  md_test_commissioner_run_until(c, &never, ms);
}

static void
attempt_over(MdTestCommissioner *c, MatterError err)
{
  c->outcome->error = err;
  c->done = TRUE;
}

static void
send_on_attempt(MdTestCommissioner *c, uint8_t opcode, const guint8 *payload, gsize len,
                guint64 now)
{
  g_assert_cmpint(matter_exchange_send(c->exchange, MATTER_PROTOCOL_SECURE_CHANNEL, opcode, payload,
                                       len, MATTER_EXCHANGE_SEND_RELIABLE, now),
                  ==, MATTER_OK);
}

/* The attacker's ways out once Pake2 told it whether its guess was right;
 * TRUE when the attempt is over for the commissioner. */
static gboolean
abort_after_pake2(MdTestCommissioner *c, guint64 now)
{
  static const guint8 junk[] = { 0x15, 0x30, 0x01, 0x03, 0xAA, 0xBB, 0xCC, 0x18 };

  switch (c->options.style) {
  case MD_TEST_PASE_MALFORMED_PAKE3:
    send_on_attempt(c, MATTER_SC_OPCODE_PASE_PAKE3, junk, sizeof(junk), now);
    return TRUE;
  case MD_TEST_PASE_WRONG_OPCODE:
    send_on_attempt(c, MATTER_SC_OPCODE_PASE_PAKE1, junk, sizeof(junk), now);
    return TRUE;
  case MD_TEST_PASE_SILENCE:
    /* Acknowledge Pake2 now, then say nothing more. */
    matter_exchange_close(c->exchange, now);
    c->exchange = NULL;
    return TRUE;
  case MD_TEST_PASE_NO_ACK:
    matter_exchange_abort(c->exchange);
    c->exchange = NULL;
    return TRUE;
  case MD_TEST_PASE_COMPLETE:
  case MD_TEST_PASE_STATUS_BEFORE_PAKE1:
  default:
    return FALSE;
  }
}

static void
keep_report(MdTestCommissioner *c, const uint8_t *payload, size_t len)
{
  MatterStatusReport report;
  uint16_t wait;

  if (matter_status_report_decode(payload, len, &report) != MATTER_OK)
    return;
  c->outcome->got_report = TRUE;
  c->outcome->report = report;
  c->outcome->report.data = NULL;
  if (matter_status_report_get_busy_wait(&report, &wait) == MATTER_OK)
    c->outcome->busy_wait_ms = MAX(wait, 1);
}

static void
on_attempt_message(void *user_data, MatterExchange *exchange, const MatterProtocolHeader *header,
                   const uint8_t *payload, size_t len, uint64_t now)
{
  MdTestCommissioner *c = user_data;
  guint8 out[MATTER_PASE_MESSAGE_MAX];
  uint8_t opcode = 0;
  size_t out_len = 0;
  MatterError err;

  if (header->opcode == MATTER_SC_OPCODE_STATUS_REPORT)
    keep_report(c, payload, len);
  if (header->opcode == MATTER_SC_OPCODE_PBKDF_PARAM_RESPONSE &&
      c->options.style == MD_TEST_PASE_STATUS_BEFORE_PAKE1) {
    guint8 report[MATTER_STATUS_REPORT_MIN_LEN];
    size_t report_len;

    g_assert_cmpint(matter_status_report_encode_sc(MATTER_STATUS_FAILURE,
                                                   MATTER_SC_STATUS_INVALID_PARAMETER, report,
                                                   sizeof(report), &report_len),
                    ==, MATTER_OK);
    send_on_attempt(c, MATTER_SC_OPCODE_STATUS_REPORT, report, report_len, now);
    attempt_over(c, MATTER_ERROR_SC_PEER_STATUS);
    return;
  }
  if (header->opcode == MATTER_SC_OPCODE_PASE_PAKE2) {
    c->outcome->got_pake2 = TRUE;
    if (abort_after_pake2(c, now)) {
      attempt_over(c, MATTER_ERROR_PASE_VERIFICATION_FAILED);
      return;
    }
  }
  err = md_test_pase_initiator_handle(c->initiator, header->opcode, payload, len, &opcode, out,
                                      sizeof(out), &out_len);
  if (header->opcode == MATTER_SC_OPCODE_PBKDF_PARAM_RESPONSE && c->options.lose_response_ack)
    memset(&exchange->ack, 0, sizeof(exchange->ack));
  if (out_len > 0)
    send_on_attempt(c, opcode, out, out_len, now);
  if (err != MATTER_OK ||
      md_test_pase_initiator_get_state(c->initiator) != MATTER_PASE_STATE_IN_PROGRESS)
    attempt_over(c, err);
}

static void
on_attempt_error(void *user_data, MatterExchange *exchange, MatterError err, uint64_t now)
{
  attempt_over(user_data, err);
}

static const MatterExchangeHandler attempt_handler = {
  .on_message = on_attempt_message,
  .on_error = on_attempt_error,
};

static void
activate_session(MdTestCommissioner *c, MatterSession *pending)
{
  MatterPaseResult result;
  MatterSessionSetup setup = { .kind = MATTER_SESSION_KIND_PASE,
                               .role = MATTER_SESSION_ROLE_INITIATOR };

  g_assert_cmpint(md_test_pase_initiator_get_result(c->initiator, &result), ==, MATTER_OK);
  setup.peer_session_id = result.peer_session_id;
  memcpy(setup.i2r_key, result.i2r_key, sizeof(setup.i2r_key));
  memcpy(setup.r2i_key, result.r2i_key, sizeof(setup.r2i_key));
  memcpy(setup.attestation_challenge, result.attestation_challenge,
         sizeof(setup.attestation_challenge));
  setup.peer_address = *c->attempt_peer;
  g_assert_cmpint(matter_session_activate(&c->sessions, pending, &setup, md_test_now_ms()), ==,
                  MATTER_OK);
}

void
md_test_commissioner_pase(MdTestCommissioner *c, const MdTestPaseOptions *options,
                          MdTestPaseOutcome *outcome)
{
  MdTestPaseConfig config = { .passcode = options->passcode };
  MatterSession *unsecured = NULL, *pending = NULL;
  guint8 out[MATTER_PASE_MESSAGE_MAX];
  uint8_t opcode = 0;
  size_t out_len = 0;

  memset(outcome, 0, sizeof(*outcome));
  c->options = *options;
  c->attempt_peer = options->transport == MATTER_TRANSPORT_BLE ? &c->ble_peer : &c->peer;
  if (options->transport == MATTER_TRANSPORT_BLE)
    g_assert_nonnull(c->ble);
  c->outcome = outcome;
  c->done = FALSE;
  g_assert_cmpint(matter_session_table_allocate(&c->sessions, md_test_now_ms(), &pending), ==,
                  MATTER_OK);
  config.session_id = pending->local_session_id;
  g_clear_pointer(&c->initiator, md_test_pase_initiator_free);
  g_assert_cmpint(md_test_pase_initiator_new(&config, &c->initiator), ==, MATTER_OK);
  g_assert_cmpint(matter_session_table_new_unsecured(&c->sessions, c->attempt_peer,
                                                     md_test_now_ms(), &unsecured),
                  ==, MATTER_OK);
  g_assert_cmpint(matter_exchange_new(&c->exchanges, unsecured, &attempt_handler, c, &c->exchange),
                  ==, MATTER_OK);
  g_assert_cmpint(md_test_pase_initiator_start(c->initiator, &opcode, out, sizeof(out), &out_len),
                  ==, MATTER_OK);
  send_on_attempt(c, opcode, out, out_len, md_test_now_ms());
  if (!md_test_commissioner_run_until(c, &c->done, STEP_TIMEOUT_MS))
    outcome->error = MATTER_ERROR_EXCHANGE_TIMEOUT;
  if (c->exchange != NULL)
    matter_exchange_close(c->exchange, md_test_now_ms());
  c->exchange = NULL;
  c->outcome = NULL;

  outcome->state = md_test_pase_initiator_get_state(c->initiator);
  if (outcome->state == MATTER_PASE_STATE_ESTABLISHED) {
    activate_session(c, pending);
    outcome->session = pending;
  } else {
    matter_session_table_remove(&c->sessions, pending);
  }
}

MatterSession *
md_test_commissioner_pase_retrying(MdTestCommissioner *c, guint32 passcode, guint tries,
                                   guint *busy)
{
  const MdTestPaseOptions options = { .passcode = passcode };
  MdTestPaseOutcome outcome;

  *busy = 0;
  for (guint i = 0; i < tries; i++) {
    md_test_commissioner_pase(c, &options, &outcome);
    if (outcome.session != NULL)
      return outcome.session;
    if (outcome.busy_wait_ms == 0)
      return NULL;
    /* 4.10.1.5: wait at least as long as asked, then ask anew. */
    (*busy)++;
    md_test_commissioner_run_for(c, outcome.busy_wait_ms);
  }
  return NULL;
}

/* ---- CASE ---- */

static void
case_attempt_over(MdTestCommissioner *c, MatterError err)
{
  c->case_outcome->error = err;
  c->done = TRUE;
}

static void
on_case_message(void *user_data, MatterExchange *exchange, const MatterProtocolHeader *header,
                const uint8_t *payload, size_t len, uint64_t now)
{
  MdTestCommissioner *c = user_data;
  MdTestCaseOutcome *outcome = c->case_outcome;
  guint8 out[MATTER_CASE_MESSAGE_MAX];
  uint8_t opcode = 0;
  size_t out_len = 0;
  MatterError err;

  if (header->protocol_id != MATTER_PROTOCOL_SECURE_CHANNEL) {
    case_attempt_over(c, MATTER_ERROR_CASE_INVALID_MESSAGE);
    return;
  }
  err = matter_case_initiator_handle(c->case_initiator, header->opcode, payload, len, &opcode, out,
                                     sizeof(out), &out_len);
  if (out_len > 0)
    send_on_attempt(c, opcode, out, out_len, now);
  matter_secure_zero(out, sizeof(out));
  if (err == MATTER_ERROR_SC_PEER_STATUS)
    outcome->got_report =
        matter_case_initiator_get_peer_status(c->case_initiator, &outcome->general_code,
                                              &outcome->protocol_code) == MATTER_OK;
  if (err != MATTER_OK ||
      matter_case_initiator_get_state(c->case_initiator) != MATTER_CASE_STATE_IN_PROGRESS)
    case_attempt_over(c, err);
}

static void
on_case_error(void *user_data, MatterExchange *exchange, MatterError err, uint64_t now)
{
  case_attempt_over(user_data, err);
}

static const MatterExchangeHandler case_handler = {
  .on_message = on_case_message,
  .on_error = on_case_error,
};

void
md_test_commissioner_case(MdTestCommissioner *c, const MatterCaseFabric *fabric,
                          guint64 peer_node_id, const MatterCaseResumption *resumption,
                          MdTestCaseOutcome *outcome)
{
  MatterSession *unsecured = NULL, *pending = NULL;
  guint8 out[MATTER_CASE_MESSAGE_MAX];
  uint8_t opcode = 0;
  size_t out_len = 0;

  memset(outcome, 0, sizeof(*outcome));
  c->case_outcome = outcome;
  c->done = FALSE;
  g_assert_cmpint(matter_session_table_allocate(&c->sessions, md_test_now_ms(), &pending), ==,
                  MATTER_OK);
  g_assert_cmpint(matter_case_initiator_new(fabric, peer_node_id, resumption,
                                            pending->local_session_id, NULL, NULL,
                                            MATTER_CERT_TIME_UNKNOWN, 0, &c->case_initiator),
                  ==, MATTER_OK);
  g_assert_cmpint(
      matter_session_table_new_unsecured(&c->sessions, &c->peer, md_test_now_ms(), &unsecured), ==,
      MATTER_OK);
  g_assert_cmpint(matter_exchange_new(&c->exchanges, unsecured, &case_handler, c, &c->exchange), ==,
                  MATTER_OK);
  g_assert_cmpint(
      matter_case_initiator_start(c->case_initiator, &opcode, out, sizeof(out), &out_len), ==,
      MATTER_OK);
  send_on_attempt(c, opcode, out, out_len, md_test_now_ms());
  if (!md_test_commissioner_run_until(c, &c->done, STEP_TIMEOUT_MS))
    outcome->error = MATTER_ERROR_EXCHANGE_TIMEOUT;
  /* Closing acknowledges SigmaFinished, or resends ours until it is. */
  matter_exchange_close(c->exchange, md_test_now_ms());
  c->exchange = NULL;
  c->case_outcome = NULL;

  outcome->state = matter_case_initiator_get_state(c->case_initiator);
  matter_case_initiator_get_failure(c->case_initiator, &outcome->detail);
  if (outcome->state == MATTER_CASE_STATE_ESTABLISHED) {
    g_assert_cmpint(matter_case_initiator_get_result(c->case_initiator, &outcome->result), ==,
                    MATTER_OK);
    outcome->result.setup.peer_address = c->peer;
    g_assert_cmpint(
        matter_session_activate(&c->sessions, pending, &outcome->result.setup, md_test_now_ms()),
        ==, MATTER_OK);
    outcome->session = pending;
  } else {
    matter_session_table_remove(&c->sessions, pending);
  }
  g_clear_pointer(&c->case_initiator, matter_case_initiator_free);
}

static void
on_reply(void *user_data, MatterExchange *exchange, const MatterProtocolHeader *header,
         const uint8_t *payload, size_t len, uint64_t now)
{
}

static void
on_reply_error(void *user_data, MatterExchange *exchange, MatterError err, uint64_t now)
{
  *(MatterError *) user_data = err;
}

static const MatterExchangeHandler request_handler = {
  .on_message = on_reply,
  .on_error = on_reply_error,
};

gboolean
md_test_commissioner_send_acked(MdTestCommissioner *c, MatterSession *session)
{
  /* An Interaction Model ReadRequest-shaped payload: an empty structure. */
  static const guint8 payload[] = { 0x15, 0x18 };
  MatterExchange *exchange = NULL;
  MatterError error = MATTER_OK;
  guint64 end = md_test_now_ms() + STEP_TIMEOUT_MS;
  gboolean acked;

  g_assert_cmpint(matter_exchange_new(&c->exchanges, session, &request_handler, &error, &exchange),
                  ==, MATTER_OK);
  g_assert_cmpint(matter_exchange_send(exchange, MATTER_PROTOCOL_INTERACTION_MODEL, 0x02, payload,
                                       sizeof(payload), MATTER_EXCHANGE_SEND_RELIABLE,
                                       md_test_now_ms()),
                  ==, MATTER_OK);
  while (md_test_now_ms() < end && error == MATTER_OK && exchange->retrans.active)
    md_test_commissioner_run_for(c, 20);
  acked = !exchange->retrans.active && error == MATTER_OK;
  matter_exchange_close(exchange, md_test_now_ms());
  return acked;
}

typedef struct {
  MatterError error;
  GBytes *reply;
  guint8 opcode;
  gboolean done; /* a reply or an error came */
} ImReply;

static void
on_im_reply(void *user_data, MatterExchange *exchange, const MatterProtocolHeader *header,
            const uint8_t *payload, size_t len, uint64_t now)
{
  ImReply *reply = user_data;

  if (reply->reply == NULL && header->protocol_id == MATTER_PROTOCOL_INTERACTION_MODEL) {
    reply->reply = g_bytes_new(payload, len);
    reply->opcode = header->opcode;
    reply->done = TRUE;
  }
}

static void
on_im_error(void *user_data, MatterExchange *exchange, MatterError err, uint64_t now)
{
  ((ImReply *) user_data)->error = err;
  ((ImReply *) user_data)->done = TRUE;
}

static const MatterExchangeHandler im_reply_handler = {
  .on_message = on_im_reply,
  .on_error = on_im_error,
};

/* Sends one IM message on @exchange and waits for the reply. */
static void
im_send_and_wait(MdTestCommissioner *c, MatterExchange *exchange, ImReply *reply, guint8 opcode,
                 const guint8 *payload, gsize len)
{
  reply->done = reply->error != MATTER_OK || reply->reply != NULL;
  g_assert_cmpint(matter_exchange_send(exchange, MATTER_PROTOCOL_INTERACTION_MODEL, opcode, payload,
                                       len, MATTER_EXCHANGE_SEND_RELIABLE, md_test_now_ms()),
                  ==, MATTER_OK);
  /* Back as soon as the reply is in, not on a polling period. */
  (void) md_test_commissioner_run_until(c, &reply->done, STEP_TIMEOUT_MS);
}

static GBytes *
im_interaction(MdTestCommissioner *c, MatterSession *session, guint16 timeout_ms, guint8 opcode,
               const guint8 *payload, gsize len, guint8 *reply_opcode)
{
  ImReply reply = { MATTER_OK, NULL, 0, FALSE };
  MatterExchange *exchange = NULL;

  *reply_opcode = 0;
  g_assert_cmpint(matter_exchange_new(&c->exchanges, session, &im_reply_handler, &reply, &exchange),
                  ==, MATTER_OK);
  if (timeout_ms > 0) {
    guint8 timed[16], status = 0xFF;
    size_t timed_len;

    g_assert_cmpint(matter_im_timed_request_encode(timeout_ms, timed, sizeof(timed), &timed_len),
                    ==, MATTER_OK);
    im_send_and_wait(c, exchange, &reply, MATTER_IM_OPCODE_TIMED_REQUEST, timed, timed_len);
    if (reply.reply == NULL || reply.opcode != MATTER_IM_OPCODE_STATUS_RESPONSE ||
        matter_im_status_response_decode(g_bytes_get_data(reply.reply, NULL),
                                         g_bytes_get_size(reply.reply), &status) != MATTER_OK ||
        status != MATTER_IM_STATUS_SUCCESS) {
      g_clear_pointer(&reply.reply, g_bytes_unref);
      matter_exchange_close(exchange, md_test_now_ms());
      return NULL;
    }
    g_clear_pointer(&reply.reply, g_bytes_unref);
  }
  im_send_and_wait(c, exchange, &reply, opcode, payload, len);
  /* Closing acknowledges the reply (at once), as a client ending its
   * exchange does. */
  matter_exchange_close(exchange, md_test_now_ms());
  matter_exchange_manager_process(&c->exchanges, md_test_now_ms());
  *reply_opcode = reply.opcode;
  return reply.reply;
}

GBytes *
md_test_commissioner_im_request(MdTestCommissioner *c, MatterSession *session, guint8 opcode,
                                const guint8 *payload, gsize len, guint8 *reply_opcode)
{
  return im_interaction(c, session, 0, opcode, payload, len, reply_opcode);
}

GBytes *
md_test_commissioner_im_timed_request(MdTestCommissioner *c, MatterSession *session,
                                      guint16 timeout_ms, guint8 opcode, const guint8 *payload,
                                      gsize len, guint8 *reply_opcode)
{
  g_return_val_if_fail(timeout_ms > 0, NULL);
  return im_interaction(c, session, timeout_ms, opcode, payload, len, reply_opcode);
}

GBytes *
md_test_pbkdf_request_datagram(guint64 node_id, guint16 exchange_id, guint32 counter,
                               gboolean malformed)
{
  static const guint8 junk[] = { 0x15, 0x30, 0x01, 0x02, 0xDE, 0xAD, 0x18 };
  MatterMessageHeader header = {
    .security_flags = MATTER_SESSION_TYPE_UNICAST,
    .counter = counter,
    .has_source = true,
    .source_node_id = node_id,
  };
  MatterProtocolHeader protocol = {
    .exchange_flags = MATTER_EXCHANGE_FLAG_I | MATTER_EXCHANGE_FLAG_R,
    .opcode = MATTER_SC_OPCODE_PBKDF_PARAM_REQUEST,
    .exchange_id = exchange_id,
    .protocol_id = MATTER_PROTOCOL_SECURE_CHANNEL,
  };
  MatterPbkdfParamRequest request = { .initiator_session_id = (guint16) (counter | 1) };
  guint8 buf[MATTER_MESSAGE_MAX];
  size_t header_len, protocol_len, payload_len;

  memset(request.initiator_random, (int) (counter & 0xff), sizeof(request.initiator_random));
  g_assert_cmpint(matter_message_header_encode(&header, buf, sizeof(buf), &header_len), ==,
                  MATTER_OK);
  g_assert_cmpint(matter_protocol_header_encode(&protocol, buf + header_len,
                                                sizeof(buf) - header_len, &protocol_len),
                  ==, MATTER_OK);
  if (malformed) {
    memcpy(buf + header_len + protocol_len, junk, sizeof(junk));
    payload_len = sizeof(junk);
  } else {
    g_assert_cmpint(matter_pase_pbkdf_request_encode(&request, buf + header_len + protocol_len,
                                                     sizeof(buf) - header_len - protocol_len,
                                                     &payload_len),
                    ==, MATTER_OK);
  }
  return g_bytes_new(buf, header_len + protocol_len + payload_len);
}

static gboolean
was_closed(MdTestCommissioner *c, guint16 local_session_id)
{
  for (guint i = 0; i < c->closed->len; i++)
    if (g_array_index(c->closed, guint16, i) == local_session_id)
      return TRUE;
  return FALSE;
}

gboolean
md_test_commissioner_wait_closed(MdTestCommissioner *c, guint16 local_session_id, guint timeout_ms)
{
  guint64 end = md_test_now_ms() + timeout_ms;

  while (!was_closed(c, local_session_id) && md_test_now_ms() < end)
    md_test_commissioner_run_for(c, 20);
  return was_closed(c, local_session_id);
}

/* ---- Interactions as a controller has them ---- */

/* The timeout of the timed interactions below: ample on a loaded machine,
 * short beside any fail-safe. */
#define TIMED_INTERACTION_MS 1000

/* The one reply of an interaction; asserts it came with @want_opcode. */
static GBytes *
interaction(MdTestCommissioner *c, MatterSession *session, gboolean timed, guint8 opcode,
            const guint8 *payload, gsize len, guint8 want_opcode)
{
  GBytes *reply;
  guint8 reply_opcode = 0;

  if (timed)
    reply = md_test_commissioner_im_timed_request(c, session, TIMED_INTERACTION_MS, opcode, payload,
                                                  len, &reply_opcode);
  else
    reply = md_test_commissioner_im_request(c, session, opcode, payload, len, &reply_opcode);
  g_assert_nonnull(reply);
  g_assert_cmpuint(reply_opcode, ==, want_opcode);
  return reply;
}

void
md_test_invoke_answer_clear(MdTestInvokeAnswer *answer)
{
  g_clear_pointer(&answer->fields, g_bytes_unref);
}

void
md_test_invoke_answer_fields(const MdTestInvokeAnswer *answer, MatterTlvReader *reader)
{
  g_assert_false(answer->is_status);
  g_assert_nonnull(answer->fields);
  matter_tlv_reader_init(reader, g_bytes_get_data(answer->fields, NULL),
                         g_bytes_get_size(answer->fields));
  g_assert_cmpint(matter_tlv_next(reader), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_enter(reader), ==, MATTER_OK);
}

void
md_test_commissioner_invoke(MdTestCommissioner *c, MatterSession *session, guint16 endpoint,
                            guint32 cluster, guint32 command, const guint8 *fields,
                            gsize fields_len, gboolean timed, MdTestInvokeAnswer *answer)
{
  MatterImCommandData cmd = {
    .path = { TRUE, endpoint, cluster, command },
    .has_fields = fields != NULL,
    .fields = { fields, fields_len },
  };
  g_autoptr(GBytes) reply = NULL;
  MatterImInvokeResponseMessage response;
  MatterImInvokeResponse item;
  guint8 buf[MATTER_MESSAGE_MAX];
  gsize len;

  memset(answer, 0, sizeof(*answer));
  g_assert_cmpint(matter_im_invoke_request_encode(FALSE, timed, &cmd, 1, buf, sizeof(buf), &len),
                  ==, MATTER_OK);
  reply = interaction(c, session, timed, MATTER_IM_OPCODE_INVOKE_REQUEST, buf, len,
                      MATTER_IM_OPCODE_INVOKE_RESPONSE);
  g_assert_cmpint(matter_im_invoke_response_decode(g_bytes_get_data(reply, NULL),
                                                   g_bytes_get_size(reply), &response),
                  ==, MATTER_OK);
  g_assert_false(response.more_chunked_messages);
  g_assert_cmpint(matter_im_next_invoke_response(&response.responses, &item), ==, MATTER_OK);
  answer->is_status = item.is_status;
  if (item.is_status) {
    g_assert_cmpuint(item.status_path.command, ==, command);
    answer->status = item.status;
  } else {
    g_assert_cmpuint(item.command.path.cluster, ==, cluster);
    answer->response = item.command.path.command;
    if (item.command.has_fields)
      answer->fields = g_bytes_new(item.command.fields.tlv, item.command.fields.len);
  }
  g_assert_cmpint(matter_im_next_invoke_response(&response.responses, &item), ==,
                  MATTER_ERROR_TLV_END);
}

MatterImAttributePath
md_test_attribute_path(guint16 endpoint, guint32 cluster, guint32 attribute)
{
  return (MatterImAttributePath){
    .has_endpoint = TRUE,
    .endpoint = endpoint,
    .has_cluster = TRUE,
    .cluster = cluster,
    .has_attribute = TRUE,
    .attribute = attribute,
  };
}

static void
attribute_answer_clear(gpointer data)
{
  g_clear_pointer(&((MdTestAttributeAnswer *) data)->value, g_bytes_unref);
}

GArray *
md_test_report_attributes(GBytes *reply)
{
  GArray *answers = g_array_new(FALSE, TRUE, sizeof(MdTestAttributeAnswer));
  MatterImReportData report;
  MatterImAttributeReport item;

  g_array_set_clear_func(answers, attribute_answer_clear);
  g_assert_cmpint(
      matter_im_report_data_decode(g_bytes_get_data(reply, NULL), g_bytes_get_size(reply), &report),
      ==, MATTER_OK);
  while (matter_im_next_attribute_report(&report.attribute_reports, &item) == MATTER_OK) {
    MdTestAttributeAnswer answer = { .is_status = item.is_status };

    if (item.is_status) {
      answer.path = item.status.path;
      answer.status = item.status.status.status;
    } else {
      answer.path = item.data.path;
      answer.value = g_bytes_new(item.data.data.tlv, item.data.data.len);
    }
    g_array_append_val(answers, answer);
  }
  return answers;
}

static void
event_answer_clear(gpointer data)
{
  g_clear_pointer(&((MdTestEventAnswer *) data)->data, g_bytes_unref);
}

GArray *
md_test_report_events(GBytes *reply)
{
  GArray *events = g_array_new(FALSE, TRUE, sizeof(MdTestEventAnswer));
  MatterImReportData report;
  MatterImEventReport item;

  g_array_set_clear_func(events, event_answer_clear);
  g_assert_cmpint(
      matter_im_report_data_decode(g_bytes_get_data(reply, NULL), g_bytes_get_size(reply), &report),
      ==, MATTER_OK);
  while (matter_im_next_event_report(&report.event_reports, &item) == MATTER_OK) {
    MdTestEventAnswer answer = { 0 };

    if (item.is_status)
      continue;
    answer.path = item.data.path;
    answer.number = item.data.event_number;
    answer.priority = item.data.priority;
    answer.data = g_bytes_new(item.data.data.tlv, item.data.data.len);
    g_array_append_val(events, answer);
  }
  return events;
}

GArray *
md_test_commissioner_read(MdTestCommissioner *c, MatterSession *session,
                          const MatterImAttributePath *paths, gsize count, gboolean fabric_filtered)
{
  MatterImReadRequest request = { .has_attribute_requests = TRUE,
                                  .fabric_filtered = fabric_filtered };
  g_autoptr(GBytes) reply = NULL;
  MatterImReportData report;
  guint8 buf[MATTER_MESSAGE_MAX];
  gsize len;

  g_assert_cmpuint(count, <=, MATTER_IM_REQUEST_PATHS_MAX);
  memcpy(request.attribute_paths, paths, count * sizeof(*paths));
  request.attribute_path_count = count;
  g_assert_cmpint(matter_im_read_request_encode(&request, buf, sizeof(buf), &len), ==, MATTER_OK);
  reply = interaction(c, session, FALSE, MATTER_IM_OPCODE_READ_REQUEST, buf, len,
                      MATTER_IM_OPCODE_REPORT_DATA);
  g_assert_cmpint(
      matter_im_report_data_decode(g_bytes_get_data(reply, NULL), g_bytes_get_size(reply), &report),
      ==, MATTER_OK);
  /* One message: a chunked report would need the rest asked for. */
  g_assert_false(report.more_chunked_messages);
  return md_test_report_attributes(reply);
}

guint32
md_test_commissioner_subscribe(MdTestCommissioner *c, MatterSession *session,
                               const MatterImAttributePath *paths, gsize count,
                               const MatterImEventPath *events, gsize event_count,
                               guint16 min_interval_s, guint16 max_interval_s, GBytes **priming)
{
  MatterImSubscribeRequest request = {
    .min_interval_floor_s = min_interval_s,
    .max_interval_ceiling_s = max_interval_s,
    .paths = { .has_attribute_requests = count > 0,
               .has_event_requests = event_count > 0,
               .fabric_filtered = TRUE },
  };
  ImReply reply = { MATTER_OK, NULL, 0, FALSE };
  MatterImSubscribeResponse response;
  MatterImReportData report;
  MatterExchange *exchange = NULL;
  guint8 buf[MATTER_MESSAGE_MAX];
  gsize len;

  g_assert_cmpuint(count, <=, MATTER_IM_REQUEST_PATHS_MAX);
  g_assert_cmpuint(event_count, <=, MATTER_IM_REQUEST_PATHS_MAX);
  if (count > 0)
    memcpy(request.paths.attribute_paths, paths, count * sizeof(*paths));
  request.paths.attribute_path_count = count;
  if (event_count > 0)
    memcpy(request.paths.event_paths, events, event_count * sizeof(*events));
  request.paths.event_path_count = event_count;
  g_assert_cmpint(matter_im_subscribe_request_encode(&request, buf, sizeof(buf), &len), ==,
                  MATTER_OK);
  g_assert_cmpint(matter_exchange_new(&c->exchanges, session, &im_reply_handler, &reply, &exchange),
                  ==, MATTER_OK);
  im_send_and_wait(c, exchange, &reply, MATTER_IM_OPCODE_SUBSCRIBE_REQUEST, buf, len);
  g_assert_nonnull(reply.reply);
  g_assert_cmpuint(reply.opcode, ==, MATTER_IM_OPCODE_REPORT_DATA);
  g_assert_cmpint(matter_im_report_data_decode(g_bytes_get_data(reply.reply, NULL),
                                               g_bytes_get_size(reply.reply), &report),
                  ==, MATTER_OK);
  g_assert_false(report.more_chunked_messages);
  if (priming != NULL)
    *priming = g_bytes_ref(reply.reply);
  g_clear_pointer(&reply.reply, g_bytes_unref);

  g_assert_cmpint(
      matter_im_status_response_encode(MATTER_IM_STATUS_SUCCESS, buf, sizeof(buf), &len), ==,
      MATTER_OK);
  im_send_and_wait(c, exchange, &reply, MATTER_IM_OPCODE_STATUS_RESPONSE, buf, len);
  g_assert_nonnull(reply.reply);
  g_assert_cmpuint(reply.opcode, ==, MATTER_IM_OPCODE_SUBSCRIBE_RESPONSE);
  g_assert_cmpint(matter_im_subscribe_response_decode(g_bytes_get_data(reply.reply, NULL),
                                                      g_bytes_get_size(reply.reply), &response),
                  ==, MATTER_OK);
  g_bytes_unref(reply.reply);
  matter_exchange_close(exchange, md_test_now_ms());
  md_test_commissioner_run_for(c, 20);
  return response.subscription_id;
}

/* The first kept report of @subscription_id, taken out of the queue. */
static GBytes *
take_report(MdTestCommissioner *c, guint32 subscription_id)
{
  for (guint i = 0; i < c->reports->len; i++) {
    GBytes *payload = g_ptr_array_index(c->reports, i);
    MatterImReportData report;

    if (matter_im_report_data_decode(g_bytes_get_data(payload, NULL), g_bytes_get_size(payload),
                                     &report) == MATTER_OK &&
        report.has_subscription_id && report.subscription_id == subscription_id)
      return g_ptr_array_steal_index(c->reports, i);
  }
  return NULL;
}

GBytes *
md_test_commissioner_wait_report(MdTestCommissioner *c, guint32 subscription_id, guint timeout_ms)
{
  guint64 end = md_test_now_ms() + timeout_ms;
  GBytes *report;

  while ((report = take_report(c, subscription_id)) == NULL && md_test_now_ms() < end)
    md_test_commissioner_run_for(c, 20);
  return report;
}

void
md_test_attribute_answer_reader(const MdTestAttributeAnswer *answer, MatterTlvReader *reader)
{
  g_assert_false(answer->is_status);
  matter_tlv_reader_init(reader, g_bytes_get_data(answer->value, NULL),
                         g_bytes_get_size(answer->value));
  g_assert_cmpint(matter_tlv_next(reader), ==, MATTER_OK);
}

guint8
md_test_commissioner_write(MdTestCommissioner *c, MatterSession *session,
                           const MatterImAttributePath *path, const guint8 *value, gsize len,
                           gboolean timed)
{
  MatterImAttributeData write = { .path = *path, .data = { value, len } };
  g_autoptr(GBytes) reply = NULL;
  MatterImWriteResponse response;
  MatterImAttributeStatus status;
  guint8 buf[MATTER_MESSAGE_MAX];
  gsize request_len;

  g_assert_cmpint(matter_im_write_request_encode(FALSE, timed, &write, 1, FALSE, buf, sizeof(buf),
                                                 &request_len),
                  ==, MATTER_OK);
  reply = interaction(c, session, timed, MATTER_IM_OPCODE_WRITE_REQUEST, buf, request_len,
                      MATTER_IM_OPCODE_WRITE_RESPONSE);
  g_assert_cmpint(matter_im_write_response_decode(g_bytes_get_data(reply, NULL),
                                                  g_bytes_get_size(reply), &response),
                  ==, MATTER_OK);
  g_assert_cmpint(matter_im_next_attribute_status(&response.responses, &status), ==, MATTER_OK);
  g_assert_cmpuint(status.path.cluster, ==, path->cluster);
  g_assert_cmpuint(status.path.attribute, ==, path->attribute);
  return status.status.status;
}
