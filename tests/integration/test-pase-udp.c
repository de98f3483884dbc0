/* SPDX-License-Identifier: Apache-2.0 */
/* PASE against the built matterd over UDP. The commissioner side is the
 * protocol core run as an initiator (udp-commissioner.h), talking to
 * matterd's socket on loopback, in the test's own network namespace. */

#include <gio/gio.h>
#include <string.h>

#include "md-test-node.h"

#define PASSCODE 20202021
#define WRONG_PASSCODE 20202022
#define CONFIG "[Node]\nDiscriminator=3840\n[Commissioning]\nPasscode=20202021\n"

static void
node_setup(MdTestNode *node, gconstpointer data)
{
  md_test_node_start(node, CONFIG);
}

static void
node_teardown(MdTestNode *node, gconstpointer data)
{
  md_test_node_stop(node);
}

static MatterPaseState
pase(MdTestNode *node, guint32 passcode, MdTestPaseOutcome *outcome)
{
  const MdTestPaseOptions options = { .passcode = passcode };

  md_test_commissioner_pase(node->commissioner, &options, outcome);
  return outcome->state;
}

static void
test_pase_then_encrypted_message(MdTestNode *node, gconstpointer data)
{
  MdTestPaseOutcome outcome;
  g_autoptr(GVariant) count = NULL;

  g_assert_cmpint(pase(node, PASSCODE, &outcome), ==, MATTER_PASE_STATE_ESTABLISHED);
  g_assert_nonnull(outcome.session);
  g_assert_true(md_test_commissioner_send_acked(node->commissioner, outcome.session));
  count = md_test_node_property(node, "SessionCount");
  g_assert_cmpuint(g_variant_get_uint32(count), ==, 1);
}

/* Garbage on the socket is dropped; the session keeps working. */
static void
test_garbage_dropped(MdTestNode *node, gconstpointer data)
{
  MdTestCommissioner *c = node->commissioner;
  MdTestPaseOutcome outcome;
  MatterSession *session;
  guint8 junk[MATTER_MESSAGE_MAX + 100];

  g_assert_cmpint(pase(node, PASSCODE, &outcome), ==, MATTER_PASE_STATE_ESTABLISHED);
  session = outcome.session;
  for (int i = 0; i < 200; i++) {
    gsize len = (gsize) g_random_int_range(0, (gint32) sizeof(junk));
    g_autoptr(GBytes) datagram = NULL;

    for (gsize j = 0; j < len; j++)
      junk[j] = (guint8) g_random_int_range(0, 256);
    /* Some look like secured messages for the live session id. */
    if (i % 2 == 0 && len >= 8) {
      junk[0] = 0;
      junk[1] = (guint8) (session->peer_session_id & 0xff);
      junk[2] = (guint8) (session->peer_session_id >> 8);
      junk[3] = 0;
    }
    datagram = g_bytes_new(junk, len);
    md_test_send_datagram(c->socket, c->daemon_address, datagram);
  }
  g_assert_true(md_test_commissioner_send_acked(c, session));
  g_assert_true(md_test_commissioner_send_acked(c, session));
}

/* 20 wrong passcodes close the window; a right one is refused then. */
static void
test_wrong_passcode_closes_window(MdTestNode *node, gconstpointer data)
{
  MdTestPaseOutcome outcome;
  g_autofree char *before = md_test_node_window(node);
  g_autofree char *after = NULL;
  g_autofree char *log = NULL;

  g_assert_cmpstr(before, ==, "basic");
  for (int i = 0; i < 20; i++) {
    g_assert_cmpint(pase(node, WRONG_PASSCODE, &outcome), ==, MATTER_PASE_STATE_FAILED);
    g_assert_null(outcome.session);
  }
  g_assert_true(md_test_node_wait_for_log(node, "Commissioning window closed"));
  after = md_test_node_window(node);
  g_assert_cmpstr(after, ==, "closed");

  g_assert_cmpint(pase(node, PASSCODE, &outcome), ==, MATTER_PASE_STATE_FAILED);
  g_assert_true(outcome.got_report);
  g_assert_true(matter_status_report_is_sc(&outcome.report, MATTER_STATUS_FAILURE,
                                           MATTER_SC_STATUS_INVALID_PARAMETER));
  log = md_test_daemon_stderr(node->daemon);
  g_assert_nonnull(strstr(log, "PASE attempt failed (20 of 20 allowed)"));
  g_assert_nonnull(strstr(log, "Commissioning window closed: too many failed PASE attempts"));
}

/* The attempts are counted across a restart: the window stays closed. */
static void
test_attempts_survive_restart(MdTestNode *node, gconstpointer data)
{
  MdTestPaseOutcome outcome;
  g_autofree char *state = NULL;

  for (int i = 0; i < 20; i++)
    g_assert_cmpint(pase(node, WRONG_PASSCODE, &outcome), ==, MATTER_PASE_STATE_FAILED);
  /* The last failure reaches the daemon as the client's StatusReport. */
  g_assert_true(md_test_node_wait_for_log(node, "Commissioning window closed: too many failed"));
  md_test_node_crash_and_restart(node);
  state = md_test_node_window(node);
  g_assert_cmpstr(state, ==, "closed");
}

static void
add_test(const char *path, void (*func)(MdTestNode *, gconstpointer))
{
  g_test_add(path, MdTestNode, NULL, node_setup, func, node_teardown);
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
