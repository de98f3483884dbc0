/* SPDX-License-Identifier: Apache-2.0 */
/* PASE against the built matterd over UDP. The commissioner side is the
 * protocol core run as an initiator (its own session table, exchange
 * manager and MRP) plus the test PASE initiator, talking to matterd's
 * socket on loopback, in the test's own network namespace. */

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "matter/exchange.h"
#include "matter/securechannel.h"
#include "md-test.h"
#include "pase-initiator.h"

#define PASSCODE 20202021
#define WRONG_PASSCODE 20202022
#define STEP_TIMEOUT_MS 20000

typedef struct {
  GSocket *socket;
  GSocketAddress *daemon_address;
  MatterSession secure[4];
  MatterSession unsecured[4];
  MatterSessionTable sessions;
  MatterExchange slots[8];
  MatterExchangeManager exchanges;
  MatterPeerAddress peer; /* the daemon, as the core sees it */

  /* The handshake on the current exchange. */
  MdTestPaseInitiator *initiator;
  MatterExchange *exchange;
  gboolean done;
  MatterStatusReport last_report;
  guint8 last_report_bytes[64];
  gboolean got_report;
  MatterError error;
} Client;

typedef struct {
  char *dir;
  char *state_dir;
  char *config_path;
  MdTestBus *bus;
  MdTestNotify *notify;
  GDBusConnection *connection;
  MdTestDaemon *daemon;
  Client client;
} Fixture;

static guint64
now_ms(void)
{
  return (guint64) (g_get_monotonic_time() / 1000);
}

static MatterError
client_send(void *user_data, const MatterSession *session, const uint8_t *msg, size_t len)
{
  Client *client = user_data;
  g_autoptr(GError) error = NULL;

  if (g_socket_send_to(client->socket, client->daemon_address, (const char *) msg, len, NULL,
                       &error) < 0) {
    g_test_message("send: %s", error->message);
    return MATTER_ERROR_INVALID_ARGUMENT;
  }
  return MATTER_OK;
}

static void
client_init(Client *client, guint16 port)
{
  static const MatterExchangeCallbacks callbacks = { .send = client_send };
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV6);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new(loopback, 0);

  client->socket =
    g_socket_new(G_SOCKET_FAMILY_IPV6, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &error);
  g_assert_no_error(error);
  g_socket_bind(client->socket, any, FALSE, &error);
  g_assert_no_error(error);
  client->daemon_address = g_inet_socket_address_new(loopback, port);
  g_assert_cmpint(matter_session_table_init(&client->sessions, client->secure,
                                            G_N_ELEMENTS(client->secure), client->unsecured,
                                            G_N_ELEMENTS(client->unsecured), NULL),
                  ==, MATTER_OK);
  g_assert_cmpint(matter_exchange_manager_init(&client->exchanges, &client->sessions,
                                               client->slots, G_N_ELEMENTS(client->slots),
                                               &callbacks, client, NULL),
                  ==, MATTER_OK);
  client->peer.transport = MATTER_TRANSPORT_UDP;
  client->peer.len = 1;
}

static void
client_clear(Client *client)
{
  g_clear_pointer(&client->initiator, md_test_pase_initiator_free);
  matter_session_table_clear(&client->sessions);
  g_clear_object(&client->daemon_address);
  g_clear_object(&client->socket);
}

/* Runs the client's message layer until @done is set or the time is up. */
static gboolean
client_run_until(Client *client, gboolean *done, guint timeout_ms)
{
  guint64 end = now_ms() + timeout_ms;

  while (!*done) {
    guint64 now = now_ms();
    guint64 deadline = MIN(matter_exchange_manager_next_deadline(&client->exchanges), end);
    guint8 buf[MATTER_MESSAGE_MAX + 1];
    gssize n;

    if (now >= end)
      return FALSE;
    if (g_socket_condition_timed_wait(client->socket, G_IO_IN,
                                      (gint64) (deadline > now ? deadline - now : 0) * 1000, NULL,
                                      NULL)) {
      n = g_socket_receive(client->socket, (char *) buf, sizeof(buf), NULL, NULL);
      if (n > 0)
        matter_exchange_manager_receive_raw(&client->exchanges, &client->peer, buf, (size_t) n,
                                            now_ms());
    }
    matter_exchange_manager_process(&client->exchanges, now_ms());
  }
  return TRUE;
}

static void
on_pase_message(void *user_data, MatterExchange *exchange, const MatterProtocolHeader *header,
                const uint8_t *payload, size_t len, uint64_t now)
{
  Client *client = user_data;
  guint8 out[MATTER_PASE_MESSAGE_MAX];
  uint8_t opcode = 0;
  size_t out_len = 0;

  if (header->opcode == MATTER_SC_OPCODE_STATUS_REPORT && len <= sizeof(client->last_report_bytes)) {
    memcpy(client->last_report_bytes, payload, len);
    client->got_report =
      matter_status_report_decode(client->last_report_bytes, len, &client->last_report) ==
      MATTER_OK;
  }
  client->error = md_test_pase_initiator_handle(client->initiator, header->opcode, payload, len,
                                                &opcode, out, sizeof(out), &out_len);
  if (out_len > 0)
    matter_exchange_send(exchange, MATTER_PROTOCOL_SECURE_CHANNEL, opcode, out, out_len,
                         MATTER_EXCHANGE_SEND_RELIABLE, now);
  if (md_test_pase_initiator_get_state(client->initiator) != MATTER_PASE_STATE_IN_PROGRESS ||
      client->error != MATTER_OK) {
    client->done = TRUE;
  }
}

static void
on_pase_error(void *user_data, MatterExchange *exchange, MatterError err, uint64_t now)
{
  Client *client = user_data;

  client->error = err;
  client->done = TRUE;
}

static const MatterExchangeHandler pase_handler = {
  .on_message = on_pase_message,
  .on_error = on_pase_error,
};

/* Runs one PASE handshake; returns the initiator's final state. */
static MatterPaseState
client_pase(Client *client, guint32 passcode, MatterSession **secure)
{
  MdTestPaseConfig config = { .passcode = passcode, .session_id = 0 };
  MatterSession *unsecured = NULL, *pending = NULL;
  guint8 out[MATTER_PASE_MESSAGE_MAX];
  uint8_t opcode = 0;
  size_t out_len = 0;
  MatterPaseState state;

  g_assert_cmpint(matter_session_table_allocate(&client->sessions, now_ms(), &pending), ==,
                  MATTER_OK);
  config.session_id = pending->local_session_id;
  g_clear_pointer(&client->initiator, md_test_pase_initiator_free);
  g_assert_cmpint(md_test_pase_initiator_new(&config, &client->initiator), ==, MATTER_OK);
  g_assert_cmpint(matter_session_table_new_unsecured(&client->sessions, &client->peer, now_ms(),
                                                     &unsecured),
                  ==, MATTER_OK);
  g_assert_cmpint(matter_exchange_new(&client->exchanges, unsecured, &pase_handler, client,
                                      &client->exchange),
                  ==, MATTER_OK);
  g_assert_cmpint(md_test_pase_initiator_start(client->initiator, &opcode, out, sizeof(out),
                                               &out_len),
                  ==, MATTER_OK);
  client->done = FALSE;
  client->got_report = FALSE;
  client->error = MATTER_OK;
  g_assert_cmpint(matter_exchange_send(client->exchange, MATTER_PROTOCOL_SECURE_CHANNEL, opcode,
                                       out, out_len, MATTER_EXCHANGE_SEND_RELIABLE, now_ms()),
                  ==, MATTER_OK);
  g_assert_true(client_run_until(client, &client->done, STEP_TIMEOUT_MS));
  matter_exchange_close(client->exchange, now_ms());

  state = md_test_pase_initiator_get_state(client->initiator);
  if (state == MATTER_PASE_STATE_ESTABLISHED) {
    MatterPaseResult result;
    MatterSessionSetup setup = { .kind = MATTER_SESSION_KIND_PASE,
                                 .role = MATTER_SESSION_ROLE_INITIATOR };

    g_assert_cmpint(md_test_pase_initiator_get_result(client->initiator, &result), ==, MATTER_OK);
    setup.peer_session_id = result.peer_session_id;
    memcpy(setup.i2r_key, result.i2r_key, sizeof(setup.i2r_key));
    memcpy(setup.r2i_key, result.r2i_key, sizeof(setup.r2i_key));
    memcpy(setup.attestation_challenge, result.attestation_challenge,
           sizeof(setup.attestation_challenge));
    setup.peer_address = client->peer;
    g_assert_cmpint(matter_session_activate(&client->sessions, pending, &setup, now_ms()), ==,
                    MATTER_OK);
    *secure = pending;
  } else {
    matter_session_table_remove(&client->sessions, pending);
    *secure = NULL;
  }
  return state;
}

static void
on_reply(void *user_data, MatterExchange *exchange, const MatterProtocolHeader *header,
         const uint8_t *payload, size_t len, uint64_t now)
{
}

static void
on_reply_error(void *user_data, MatterExchange *exchange, MatterError err, uint64_t now)
{
  Client *client = user_data;

  client->error = err;
}

static const MatterExchangeHandler request_handler = {
  .on_message = on_reply,
  .on_error = on_reply_error,
};

/* Sends an encrypted reliable message on @session and waits until the
 * daemon acknowledges it (MRP): TRUE when acknowledged. */
static gboolean
client_send_acked(Client *client, MatterSession *session)
{
  /* An Interaction Model ReadRequest-shaped payload: an empty structure. */
  static const guint8 payload[] = { 0x15, 0x18 };
  MatterExchange *exchange = NULL;
  gboolean acked = FALSE;
  guint64 end = now_ms() + STEP_TIMEOUT_MS;

  client->error = MATTER_OK;
  g_assert_cmpint(matter_exchange_new(&client->exchanges, session, &request_handler, client,
                                      &exchange),
                  ==, MATTER_OK);
  g_assert_cmpint(matter_exchange_send(exchange, MATTER_PROTOCOL_INTERACTION_MODEL, 0x02, payload,
                                       sizeof(payload), MATTER_EXCHANGE_SEND_RELIABLE, now_ms()),
                  ==, MATTER_OK);
  g_assert_true(exchange->retrans.active);
  while (now_ms() < end && client->error == MATTER_OK && exchange->retrans.active) {
    gboolean never = FALSE;

    client_run_until(client, &never, 50);
  }
  acked = !exchange->retrans.active && client->error == MATTER_OK;
  matter_exchange_close(exchange, now_ms());
  return acked;
}

static gboolean
wait_for_log(MdTestDaemon *daemon, const char *text)
{
  guint64 end = now_ms() + STEP_TIMEOUT_MS;

  while (now_ms() < end) {
    g_autofree char *log = md_test_daemon_stderr(daemon);

    if (strstr(log, text) != NULL)
      return TRUE;
    g_usleep(20 * 1000);
  }
  return FALSE;
}

static guint16
daemon_port(MdTestDaemon *daemon)
{
  g_autofree char *log = md_test_daemon_stderr(daemon);
  g_autoptr(GRegex) regex = g_regex_new("on UDP port ([0-9]+)", 0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  g_autofree char *port = NULL;

  g_assert_true(g_regex_match(regex, log, 0, &match));
  port = g_match_info_fetch(match, 1);
  return (guint16) g_ascii_strtoull(port, NULL, 10);
}

static GVariant *
node_property(Fixture *f, const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_sync(
    f->connection, "org.matterd", "/org/matterd", "org.freedesktop.DBus.Properties", "Get",
    g_variant_new("(ss)", "org.matterd.Node1", name), G_VARIANT_TYPE("(v)"),
    G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  GVariant *value = NULL;

  g_assert_no_error(error);
  g_variant_get(reply, "(v)", &value);
  return value;
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
  const char *const args[] = { "--config", NULL, NULL };
  const char *spawn_args[G_N_ELEMENTS(args)];
  g_autoptr(GError) error = NULL;

  f->dir = md_test_mkdtemp();
  f->state_dir = g_build_filename(f->dir, "state", NULL);
  f->config_path = g_build_filename(f->dir, "matterd.conf", NULL);
  g_file_set_contents(f->config_path,
                      "[Node]\nDiscriminator=3840\n[Commissioning]\nPasscode=20202021\n", -1,
                      &error);
  g_assert_no_error(error);
  memcpy(spawn_args, args, sizeof(args));
  spawn_args[1] = f->config_path;
  f->bus = md_test_bus_start(f->dir);
  f->notify = md_test_notify_new(f->dir);
  f->connection = md_test_bus_connect(f->bus);
  f->daemon = md_test_daemon_spawn(f->bus, f->notify, f->state_dir, spawn_args, NULL);
  g_assert_nonnull(md_test_notify_wait(f->notify, "READY=1", MD_TEST_TIMEOUT_MS));
  client_init(&f->client, daemon_port(f->daemon));
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
  client_clear(&f->client);
  g_assert_cmpint(md_test_daemon_stop(f->daemon, SIGTERM), ==, 0);
  md_test_daemon_free(f->daemon);
  g_clear_object(&f->connection);
  md_test_notify_free(f->notify);
  md_test_bus_stop(f->bus);
  md_test_rmtree(f->dir);
  g_free(f->config_path);
  g_free(f->state_dir);
  g_free(f->dir);
}

static void
test_pase_then_encrypted_message(Fixture *f, gconstpointer data)
{
  MatterSession *session = NULL;
  g_autoptr(GVariant) count = NULL;

  g_assert_cmpint(client_pase(&f->client, PASSCODE, &session), ==, MATTER_PASE_STATE_ESTABLISHED);
  g_assert_nonnull(session);
  g_assert_true(client_send_acked(&f->client, session));
  count = node_property(f, "SessionCount");
  g_assert_cmpuint(g_variant_get_uint32(count), ==, 1);
}

/* Garbage on the socket is dropped; the session keeps working. */
static void
test_garbage_dropped(Fixture *f, gconstpointer data)
{
  MatterSession *session = NULL;
  guint8 junk[MATTER_MESSAGE_MAX + 100];
  g_autoptr(GError) error = NULL;

  g_assert_cmpint(client_pase(&f->client, PASSCODE, &session), ==, MATTER_PASE_STATE_ESTABLISHED);
  for (int i = 0; i < 200; i++) {
    gsize len = (gsize) g_random_int_range(0, (gint32) sizeof(junk));

    for (gsize j = 0; j < len; j++)
      junk[j] = (guint8) g_random_int_range(0, 256);
    /* Some look like secured messages for the live session id. */
    if (i % 2 == 0 && len >= 8) {
      junk[0] = 0;
      junk[1] = (guint8) (session->peer_session_id & 0xff);
      junk[2] = (guint8) (session->peer_session_id >> 8);
      junk[3] = 0;
    }
    g_socket_send_to(f->client.socket, f->client.daemon_address, (const char *) junk, len, NULL,
                     &error);
    g_assert_no_error(error);
  }
  g_assert_true(client_send_acked(&f->client, session));
  g_assert_true(client_send_acked(&f->client, session));
}

static char *
window(Fixture *f)
{
  g_autoptr(GVariant) value = node_property(f, "CommissioningWindow");

  return g_variant_dup_string(value, NULL);
}

/* 20 wrong passcodes close the window; a right one is refused then. */
static void
test_wrong_passcode_closes_window(Fixture *f, gconstpointer data)
{
  MatterSession *session = NULL;
  g_autofree char *before = window(f);
  g_autofree char *after = NULL;
  g_autofree char *log = NULL;

  g_assert_cmpstr(before, ==, "basic");
  for (int i = 0; i < 20; i++) {
    g_assert_cmpint(client_pase(&f->client, WRONG_PASSCODE, &session), ==,
                    MATTER_PASE_STATE_FAILED);
    g_assert_null(session);
  }
  after = window(f);
  g_assert_cmpstr(after, ==, "closed");

  g_assert_cmpint(client_pase(&f->client, PASSCODE, &session), ==, MATTER_PASE_STATE_FAILED);
  g_assert_true(f->client.got_report);
  g_assert_true(matter_status_report_is_sc(&f->client.last_report, MATTER_STATUS_FAILURE,
                                           MATTER_SC_STATUS_INVALID_PARAMETER));
  log = md_test_daemon_stderr(f->daemon);
  g_assert_nonnull(strstr(log, "PASE attempt failed (20 of 20 allowed)"));
  g_assert_nonnull(strstr(log, "Commissioning window closed: too many failed PASE attempts"));
}

/* The attempts are counted across a restart: the window stays closed. */
static void
test_attempts_survive_restart(Fixture *f, gconstpointer data)
{
  const char *const args[] = { "--config", f->config_path, NULL };
  MatterSession *session = NULL;
  g_autofree char *state = NULL;

  for (int i = 0; i < 20; i++)
    g_assert_cmpint(client_pase(&f->client, WRONG_PASSCODE, &session), ==,
                    MATTER_PASE_STATE_FAILED);
  /* The last failure reaches the daemon as the client's StatusReport. */
  g_assert_true(wait_for_log(f->daemon, "Commissioning window closed: too many failed"));
  g_assert_cmpint(md_test_daemon_stop(f->daemon, SIGKILL), ==, -1);
  md_test_daemon_free(f->daemon);
  g_ptr_array_set_size(f->notify->messages, 0);
  f->daemon = md_test_daemon_spawn(f->bus, f->notify, f->state_dir, args, NULL);
  g_assert_nonnull(md_test_notify_wait(f->notify, "READY=1", MD_TEST_TIMEOUT_MS));
  state = window(f);
  g_assert_cmpstr(state, ==, "closed");
}

static void
add_test(const char *path, void (*func)(Fixture *, gconstpointer))
{
  g_test_add(path, Fixture, NULL, fixture_setup, func, fixture_teardown);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  add_test("/pase-udp/pase-then-encrypted-message", test_pase_then_encrypted_message);
  add_test("/pase-udp/garbage-dropped", test_garbage_dropped);
  add_test("/pase-udp/wrong-passcode-closes-window", test_wrong_passcode_closes_window);
  add_test("/pase-udp/attempts-survive-restart", test_attempts_survive_restart);
  return g_test_run();
}
