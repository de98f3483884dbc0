/* SPDX-License-Identifier: Apache-2.0 */
/* matterd's PASE responder and message layer under attack, over UDP on
 * loopback in the test's own network namespace. Each test performs one
 * attack on the local network as an attacker would (udp-commissioner.h
 * misbehaving, raw datagrams from other sockets) and checks that it
 * fails: every passcode tested is counted, floods do not lock an honest
 * commissioner out, a replay moves nothing, eviction is announced.
 *
 * Floods are bounded: a fixed rate (10 or 80 datagrams a second) for a
 * few seconds, to ::1 only. */

#include <gio/gio.h>
#include <string.h>

#include "md-test-node.h"

#define PASSCODE 20202021
#define WRONG_PASSCODE 20202022
#define MAX_ATTEMPTS 20
#define CONFIG "[Node]\nDiscriminator=3840\n[Commissioning]\nPasscode=20202021\n"
/* Tries an honest commissioner makes, waiting out each BUSY. */
#define HONEST_TRIES 10

/* A bounded flood: @per_second PBKDFParamRequests from @sockets sockets
 * round robin, for @lead_ms before the honest commissioner starts and on
 * while it tries. */
typedef struct {
  guint sockets;
  guint per_second;
  guint lead_ms;
  gboolean malformed;
  gboolean one_node_id; /* every request from one ephemeral node id */
} FloodCase;

/* What a test runs with. */
typedef struct {
  const char *config; /* matterd.conf; NULL: CONFIG */
  MdTestPaseStyle style;
  FloodCase flood;
} Case;

static void
node_setup(MdTestNode *node, gconstpointer data)
{
  const Case *test_case = data;

  md_test_node_start(node, test_case->config != NULL ? test_case->config : CONFIG);
}

static void
node_teardown(MdTestNode *node, gconstpointer data)
{
  md_test_node_stop(node);
}

static void
pase(MdTestNode *node, guint32 passcode, MdTestPaseStyle style, MdTestPaseOutcome *outcome)
{
  const MdTestPaseOptions options = { .passcode = passcode, .style = style };

  md_test_commissioner_pase(node->commissioner, &options, outcome);
}

static void
assert_counted(MdTestNode *node, guint n)
{
  g_autofree char *line = g_strdup_printf("PASE attempt counted (%u of %u allowed)", n,
                                          MAX_ATTEMPTS);

  g_assert_true(md_test_node_wait_for_log(node, line));
}

static void
assert_refused_at_the_door(const MdTestPaseOutcome *outcome)
{
  g_assert_cmpint(outcome->state, !=, MATTER_PASE_STATE_ESTABLISHED);
  g_assert_false(outcome->got_pake2);
  g_assert_true(outcome->got_report);
  g_assert_true(matter_status_report_is_sc(&outcome->report, MATTER_STATUS_FAILURE,
                                           MATTER_SC_STATUS_INVALID_PARAMETER));
}

/* ---- every passcode tested is counted ---- */

/* A brute-forcer that learns from Pake2 whether its guess was right and
 * then ends the attempt in its style: each attempt counts, the window
 * closes after 20, and the right passcode is refused after that. */
static void
test_brute_force(MdTestNode *node, gconstpointer data)
{
  const Case *test_case = data;
  MdTestPaseOutcome outcome;
  g_autofree char *window = NULL;
  guint tested = 0;
  gboolean right_refused;

  for (guint i = 1; i <= MAX_ATTEMPTS; i++) {
    pase(node, WRONG_PASSCODE, test_case->style, &outcome);
    tested += outcome.got_pake2;
  }
  md_test_commissioner_run_for(node->commissioner, 200);
  pase(node, PASSCODE, MD_TEST_PASE_COMPLETE, &outcome);
  right_refused = outcome.state != MATTER_PASE_STATE_ESTABLISHED;
  g_test_message("passcodes tested: %u; the daemon counted %u (and logged %u failures); the "
                 "right passcode was then %s",
                 tested, md_test_node_count_log(node, "PASE attempt counted"),
                 md_test_node_count_log(node, "PASE attempt failed"),
                 right_refused ? "refused" : "ACCEPTED");

  g_assert_cmpuint(tested, ==, MAX_ATTEMPTS);
  for (guint i = 1; i <= MAX_ATTEMPTS; i++) {
    g_autofree char *line = g_strdup_printf("PASE attempt counted (%u of %u allowed)", i,
                                            MAX_ATTEMPTS);

    g_assert_cmpuint(md_test_node_count_log(node, line), ==, 1);
  }
  assert_refused_at_the_door(&outcome);
  g_assert_true(md_test_node_wait_for_log(node, "too many failed PASE attempts"));
  window = md_test_node_window(node);
  g_assert_cmpstr(window, ==, "closed");
}

/* Ending an attempt before Pake2 tested no passcode: not counted, however
 * often, and the right passcode still works. */
static void
test_status_before_pake1_not_counted(MdTestNode *node, gconstpointer data)
{
  MdTestPaseOutcome outcome;

  for (guint i = 0; i < MAX_ATTEMPTS + 5; i++) {
    pase(node, WRONG_PASSCODE, MD_TEST_PASE_STATUS_BEFORE_PAKE1, &outcome);
    g_assert_false(outcome.got_pake2);
  }
  pase(node, PASSCODE, MD_TEST_PASE_COMPLETE, &outcome);
  g_assert_cmpint(outcome.state, ==, MATTER_PASE_STATE_ESTABLISHED);
  /* Only the attempt that succeeded was ever counted (and taken back). */
  g_assert_cmpuint(md_test_node_count_log(node, "PASE attempt counted (1 of 20 allowed)"), ==, 1);
  g_assert_cmpuint(md_test_node_count_log(node, "PASE attempt counted"), ==, 1);
  g_assert_cmpuint(md_test_node_count_log(node, "PASE attempt failed"), ==, 0);
}

/* An attempt in flight when matterd dies stays counted after the restart. */
static void
test_restart_keeps_attempt_in_flight(MdTestNode *node, gconstpointer data)
{
  MdTestPaseOutcome outcome;
  g_autofree char *window = NULL;

  for (guint i = 1; i < MAX_ATTEMPTS; i++)
    pase(node, WRONG_PASSCODE, MD_TEST_PASE_COMPLETE, &outcome);
  pase(node, WRONG_PASSCODE, MD_TEST_PASE_SILENCE, &outcome);
  assert_counted(node, MAX_ATTEMPTS);
  md_test_node_crash_and_restart(node);
  window = md_test_node_window(node);
  g_assert_cmpstr(window, ==, "closed");
  md_test_commissioner_free(node->commissioner);
  node->commissioner = md_test_commissioner_new(node->port);
  pase(node, PASSCODE, MD_TEST_PASE_COMPLETE, &outcome);
  assert_refused_at_the_door(&outcome);
}

/* ---- floods do not lock an honest commissioner out ---- */

typedef struct {
  GSocket *sockets[32];
  guint n_sockets;
  guint per_second;
  gboolean malformed;
  gboolean one_node_id; /* every request from one ephemeral node id */
  guint limit;          /* requests in all, 0 for no limit */
  guint64 start_ms;
  guint sent;
  guint64 next_node_id;
} Flood;

static void
flood_init(Flood *flood, guint n_sockets, guint per_second, gboolean malformed)
{
  memset(flood, 0, sizeof(*flood));
  g_assert_cmpuint(n_sockets, <=, G_N_ELEMENTS(flood->sockets));
  for (guint i = 0; i < n_sockets; i++)
    flood->sockets[i] = md_test_udp_socket();
  flood->n_sockets = n_sockets;
  flood->per_second = per_second;
  flood->malformed = malformed;
  flood->next_node_id = 0x1000;
  flood->start_ms = md_test_now_ms();
}

static void
flood_clear(Flood *flood)
{
  for (guint i = 0; i < flood->n_sockets; i++)
    g_clear_object(&flood->sockets[i]);
}

/* Sends what the rate allows by @now: each request a new exchange, from a
 * new ephemeral node id unless one_node_id, never acknowledging anything. */
static void
flood_tick(MdTestCommissioner *c, guint64 now, gpointer user_data)
{
  Flood *flood = user_data;

  while (flood->sent < (now - flood->start_ms) * flood->per_second / 1000 + 1 &&
         (flood->limit == 0 || flood->sent < flood->limit)) {
    guint64 node_id = flood->one_node_id ? 0x0F100D : flood->next_node_id++;
    g_autoptr(GBytes) datagram = md_test_pbkdf_request_datagram(
      node_id, (guint16) (0x4000 + flood->sent), 0x100 + flood->sent, flood->malformed);

    md_test_send_datagram(flood->sockets[flood->sent % flood->n_sockets], c->daemon_address,
                          datagram);
    flood->sent++;
  }
}

/* An honest commissioner, during the test's flood, must get a PASE
 * session within its retries. */
static void
test_flood(MdTestNode *node, gconstpointer data)
{
  const FloodCase *spec = &((const Case *) data)->flood;
  MdTestCommissioner *c = node->commissioner;
  MatterSession *session;
  guint busy = 0;
  guint64 start;
  Flood flood;

  flood_init(&flood, spec->sockets, spec->per_second, spec->malformed);
  flood.one_node_id = spec->one_node_id;
  c->tick = flood_tick;
  c->tick_data = &flood;
  md_test_commissioner_run_for(c, spec->lead_ms);
  start = md_test_now_ms();
  session = md_test_commissioner_pase_retrying(c, PASSCODE, HONEST_TRIES, &busy);
  g_test_message("flood: %u requests at %u/s from %u socket(s)%s; honest commissioner: %s after "
                 "%u BUSY, %" G_GUINT64_FORMAT " ms",
                 flood.sent, flood.per_second, flood.n_sockets,
                 flood.malformed ? ", malformed" : "", session ? "served" : "NOT served", busy,
                 md_test_now_ms() - start);
  g_assert_nonnull(session);
  c->tick = NULL;
  g_assert_true(md_test_commissioner_send_acked(c, session));
  flood_clear(&flood);
}

/* Every slot taken by handshakes that are still fresh: a new request gets
 * BUSY, with the time until the first may be replaced, and is served when
 * it asks again after that. */
static void
test_busy_when_all_slots_move_on(MdTestNode *node, gconstpointer data)
{
  MdTestCommissioner *c = node->commissioner;
  MdTestPaseOutcome outcome;
  Flood flood;

  flood_init(&flood, 16, 1000, FALSE);
  flood.limit = 16;
  c->tick = flood_tick;
  c->tick_data = &flood;
  while (flood.sent < flood.limit)
    md_test_commissioner_run_for(c, 10);
  c->tick = NULL;
  md_test_commissioner_run_for(c, 50);
  pase(node, PASSCODE, MD_TEST_PASE_COMPLETE, &outcome);
  g_test_message("16 blind requests, then BUSY asking for %u ms", outcome.busy_wait_ms);
  g_assert_null(outcome.session);
  g_assert_true(outcome.got_report);
  g_assert_true(
    matter_status_report_is_sc(&outcome.report, MATTER_STATUS_BUSY, MATTER_SC_STATUS_BUSY));
  /* Blind handshakes give way a second after they last moved. */
  g_assert_cmpuint(outcome.busy_wait_ms, >=, 100);
  g_assert_cmpuint(outcome.busy_wait_ms, <=, 1000);
  md_test_commissioner_run_for(c, outcome.busy_wait_ms);
  pase(node, PASSCODE, MD_TEST_PASE_COMPLETE, &outcome);
  g_assert_cmpint(outcome.state, ==, MATTER_PASE_STATE_ESTABLISHED);
  g_assert_true(md_test_node_wait_for_log(node, "PASE under load"));
  flood_clear(&flood);
}

/* ---- message layer ---- */

/* A captured datagram of the session, replayed from another address, is
 * a duplicate: its acknowledgement goes to the real peer, and the session
 * keeps its address. */
static void
test_replay_keeps_peer_address(MdTestNode *node, gconstpointer data)
{
  MdTestCommissioner *c = node->commissioner;
  g_autoptr(GSocket) replayer = md_test_udp_socket();
  g_autoptr(GBytes) captured = NULL;
  MdTestPaseOutcome outcome;
  guint before;

  pase(node, PASSCODE, MD_TEST_PASE_COMPLETE, &outcome);
  g_assert_nonnull(outcome.session);
  /* A reliable request of the session, captured as it leaves. */
  {
    static const guint8 status[] = { 0x15, 0x24, 0x00, 0x00, 0x18 };
    MatterExchange *exchange = NULL;

    g_assert_cmpint(matter_exchange_new(&c->exchanges, outcome.session, NULL, NULL, &exchange), ==,
                    MATTER_OK);
    g_assert_cmpint(matter_exchange_send(exchange, MATTER_PROTOCOL_INTERACTION_MODEL, 0x01, status,
                                         sizeof(status), MATTER_EXCHANGE_SEND_RELIABLE,
                                         md_test_now_ms()),
                    ==, MATTER_OK);
    captured = g_bytes_ref(c->last_sent);
    for (guint i = 0; i < 100 && exchange->retrans.active; i++)
      md_test_commissioner_run_for(c, 20);
    g_assert_false(exchange->retrans.active);
    matter_exchange_close(exchange, md_test_now_ms());
  }
  md_test_commissioner_run_for(c, 300);
  before = c->received;
  md_test_send_datagram(replayer, c->daemon_address, captured);
  /* The duplicate's acknowledgement comes to the commissioner... */
  for (guint i = 0; i < 100 && c->received == before; i++)
    md_test_commissioner_run_for(c, 20);
  g_assert_cmpuint(c->received, >, before);
  /* ...and none to the replayer, then or later. */
  g_assert_false(g_socket_condition_timed_wait(replayer, G_IO_IN, 500 * 1000, NULL, NULL));
  g_assert_true(md_test_commissioner_send_acked(c, outcome.session));
  g_assert_false(g_socket_condition_timed_wait(replayer, G_IO_IN, 0, NULL, NULL));
}

/* The commissioner's acknowledgement of PBKDFParamResponse is lost and its
 * Pake1 does not carry it: matterd still sends Pake2, once MRP has resent
 * the response and had it acknowledged. */
static void
test_lost_response_ack(MdTestNode *node, gconstpointer data)
{
  const MdTestPaseOptions options = { .passcode = PASSCODE, .lose_response_ack = TRUE };
  MdTestPaseOutcome outcome;

  md_test_commissioner_pase(node->commissioner, &options, &outcome);
  g_assert_cmpint(outcome.state, ==, MATTER_PASE_STATE_ESTABLISHED);
  g_assert_cmpuint(md_test_node_count_log(node, "Cannot send"), ==, 0);
}

/* With SupportedFabrics=5 matterd keeps 17 established sessions beside
 * its 16 handshake slots. A full table: handshakes that have not
 * succeeded evict nobody; one that succeeds evicts the least recently
 * used session, which hears CloseSession. */
#define EVICTION_CONFIG \
  "[Node]\nDiscriminator=3840\nSupportedFabrics=5\n[Commissioning]\nPasscode=20202021\n"
#define EVICTION_ESTABLISHED 17

static void
test_eviction_close_session(MdTestNode *node, gconstpointer data)
{
  MdTestCommissioner *c = node->commissioner;
  MatterSession *sessions[EVICTION_ESTABLISHED];
  MdTestPaseOutcome outcome;
  g_autoptr(GVariant) count = NULL;
  Flood flood;
  guint16 oldest;

  for (guint i = 0; i < EVICTION_ESTABLISHED; i++) {
    pase(node, PASSCODE, MD_TEST_PASE_COMPLETE, &outcome);
    g_assert_nonnull(outcome.session);
    sessions[i] = outcome.session;
  }
  for (guint i = 0; i < EVICTION_ESTABLISHED; i++)
    g_assert_true(md_test_commissioner_send_acked(c, sessions[i]));
  oldest = sessions[0]->local_session_id;

  /* Sixteen requests that never get further take every handshake slot. */
  flood_init(&flood, 16, 50, FALSE);
  flood.limit = 16;
  c->tick = flood_tick;
  c->tick_data = &flood;
  while (flood.sent < 16)
    md_test_commissioner_run_for(c, 20);
  c->tick = NULL;
  md_test_commissioner_run_for(c, 200);
  g_assert_cmpuint(c->closed->len, ==, 0);
  for (guint i = 0; i < EVICTION_ESTABLISHED; i++)
    g_assert_true(md_test_commissioner_send_acked(c, sessions[i]));
  oldest = sessions[0]->local_session_id;
  flood_clear(&flood);

  /* Once the blind handshakes may be replaced, one more PASE succeeds and
   * evicts the least recently used session. */
  md_test_commissioner_run_for(c, 1100);
  pase(node, PASSCODE, MD_TEST_PASE_COMPLETE, &outcome);
  g_assert_nonnull(outcome.session);
  for (guint i = 0; i < 100 && c->closed->len == 0; i++)
    md_test_commissioner_run_for(c, 20);
  g_assert_cmpuint(c->closed->len, ==, 1);
  g_assert_cmpuint(g_array_index(c->closed, guint16, 0), ==, oldest);
  g_assert_true(md_test_commissioner_send_acked(c, outcome.session));
  g_assert_true(md_test_node_wait_for_log(node, "closing the least recently used session"));
  count = md_test_node_property(node, "SessionCount");
  g_assert_cmpuint(g_variant_get_uint32(count), ==, EVICTION_ESTABLISHED);
}

static void
add_test(const char *path, void (*func)(MdTestNode *, gconstpointer), const Case *test_case)
{
  g_test_add(path, MdTestNode, test_case, node_setup, func, node_teardown);
}

int
main(int argc, char **argv)
{
  static const Case plain = { 0 };
  static const Case malformed_pake3 = { .style = MD_TEST_PASE_MALFORMED_PAKE3 };
  static const Case wrong_opcode = { .style = MD_TEST_PASE_WRONG_OPCODE };
  static const Case silence = { .style = MD_TEST_PASE_SILENCE };
  static const Case no_ack = { .style = MD_TEST_PASE_NO_ACK };
  static const Case eviction = { .config = EVICTION_CONFIG };
  /* Ten blind requests a second, each from a new ephemeral node id, for
   * longer than a handshake may stall: more than there are slots. From one
   * socket, then from 32 so that one handshake per address does not help. */
  static const Case flood_one_source = { .flood = { 1, 10, 3000 } };
  static const Case flood_many_sources = { .flood = { 32, 10, 3000 } };
  /* Malformed requests, 80 a second, each refused: from fresh ephemeral
   * node ids the refusals must not pin unsecured contexts; from one, with
   * a new exchange each time, they must not pin exchanges. */
  static const Case flood_contexts = { .flood = { 4, 80, 1000, .malformed = TRUE } };
  static const Case flood_exchanges = {
    .flood = { 1, 80, 1000, .malformed = TRUE, .one_node_id = TRUE },
  };

  g_test_init(&argc, &argv, NULL);

  add_test("/pase-attacks/brute-force/malformed-pake3", test_brute_force, &malformed_pake3);
  add_test("/pase-attacks/brute-force/wrong-opcode", test_brute_force, &wrong_opcode);
  add_test("/pase-attacks/brute-force/silence", test_brute_force, &silence);
  add_test("/pase-attacks/brute-force/no-ack", test_brute_force, &no_ack);
  add_test("/pase-attacks/status-before-pake1-not-counted", test_status_before_pake1_not_counted,
           &plain);
  add_test("/pase-attacks/restart-keeps-attempt-in-flight", test_restart_keeps_attempt_in_flight,
           &plain);
  add_test("/pase-attacks/flood/one-source", test_flood, &flood_one_source);
  add_test("/pase-attacks/flood/many-sources", test_flood, &flood_many_sources);
  add_test("/pase-attacks/flood/unsecured-contexts", test_flood, &flood_contexts);
  add_test("/pase-attacks/flood/exchanges", test_flood, &flood_exchanges);
  add_test("/pase-attacks/busy-when-all-slots-move-on", test_busy_when_all_slots_move_on, &plain);
  add_test("/pase-attacks/replay-keeps-peer-address", test_replay_keeps_peer_address, &plain);
  add_test("/pase-attacks/lost-response-ack", test_lost_response_ack, &plain);
  add_test("/pase-attacks/eviction-close-session", test_eviction_close_session, &eviction);
  return g_test_run();
}
