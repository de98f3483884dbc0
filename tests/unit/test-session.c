/* SPDX-License-Identifier: Apache-2.0 */
/* The session table: local session id allocation (non-zero, unique,
 * 4.12.1.4), activation with the keys an establishment protocol derived
 * (4.12.2.1), lookup, eviction of the least recently used session when
 * full (4.10.1.1), wiping on removal, the unsecured contexts of 4.12.1.1
 * and PeerActiveMode. */

#include <glib.h>
#include <string.h>

#include "matter/session.h"

#define assert_error(expr, expected) \
  g_assert_cmpstr(matter_error_name(expr), ==, matter_error_name(expected))

#define SECURE_SLOTS 6
#define UNSECURED_SLOTS 3

typedef struct {
  MatterSession secure[SECURE_SLOTS];
  MatterSession unsecured[UNSECURED_SLOTS];
  MatterSessionTable table;
} Fixture;

/* Always the same bytes: forces id collisions the table must resolve. */
static MatterError
fill_constant(void *user_data, uint8_t *buf, size_t len)
{
  memset(buf, GPOINTER_TO_INT(user_data), len);
  return MATTER_OK;
}

static void
fixture_init(Fixture *f, const MatterRandomSource *rng)
{
  assert_error(matter_session_table_init(&f->table, f->secure, SECURE_SLOTS, f->unsecured,
                                         UNSECURED_SLOTS, rng),
               MATTER_OK);
}

static MatterSessionSetup
setup_new(MatterSessionKind kind, MatterSessionRole role, uint16_t peer_session_id)
{
  MatterSessionSetup setup;

  memset(&setup, 0, sizeof(setup));
  setup.kind = kind;
  setup.role = role;
  setup.peer_session_id = peer_session_id;
  memset(setup.i2r_key, 0x11, sizeof(setup.i2r_key));
  memset(setup.r2i_key, 0x22, sizeof(setup.r2i_key));
  memset(setup.attestation_challenge, 0x33, sizeof(setup.attestation_challenge));
  return setup;
}

static MatterSession *
open_session(Fixture *f, uint64_t now)
{
  MatterSessionSetup setup =
      setup_new(MATTER_SESSION_KIND_CASE, MATTER_SESSION_ROLE_RESPONDER, 0x4000);
  MatterSession *session;

  assert_error(matter_session_table_allocate(&f->table, now, &session), MATTER_OK);
  assert_error(matter_session_activate(&f->table, session, &setup, now), MATTER_OK);
  return session;
}

static gboolean
all_zero(const void *buf, size_t len)
{
  const uint8_t *bytes = buf;

  for (size_t i = 0; i < len; i++)
    if (bytes[i] != 0)
      return FALSE;
  return TRUE;
}

static void
test_ids_unique_with_colliding_random(void)
{
  Fixture f;
  MatterRandomSource zeros = { fill_constant, GINT_TO_POINTER(0x00) };
  MatterRandomSource ffs = { fill_constant, GINT_TO_POINTER(0xFF) };
  MatterSession *sessions[SECURE_SLOTS];

  /* Random 0 is never an id; equal draws move on to the next free id. */
  fixture_init(&f, &zeros);
  for (int i = 0; i < SECURE_SLOTS; i++) {
    assert_error(matter_session_table_allocate(&f.table, 0, &sessions[i]), MATTER_OK);
    g_assert_cmpuint(sessions[i]->local_session_id, ==, i + 1);
    g_assert_cmpint(sessions[i]->state, ==, MATTER_SESSION_PENDING);
  }
  assert_error(matter_session_table_allocate(&f.table, 0, &sessions[0]),
               MATTER_ERROR_SESSION_TABLE_FULL);

  /* Drawing 0xFFFF wraps past 0 to 1. */
  fixture_init(&f, &ffs);
  assert_error(matter_session_table_allocate(&f.table, 0, &sessions[0]), MATTER_OK);
  assert_error(matter_session_table_allocate(&f.table, 0, &sessions[1]), MATTER_OK);
  g_assert_cmpuint(sessions[0]->local_session_id, ==, 0xFFFF);
  g_assert_cmpuint(sessions[1]->local_session_id, ==, 1);
}

static void
test_ids_unique_random(void)
{
  for (int round = 0; round < 50; round++) {
    Fixture f;
    MatterSession *sessions[SECURE_SLOTS];

    fixture_init(&f, NULL);
    for (int i = 0; i < SECURE_SLOTS; i++) {
      assert_error(matter_session_table_allocate(&f.table, 0, &sessions[i]), MATTER_OK);
      g_assert_cmpuint(sessions[i]->local_session_id, !=, 0);
      for (int j = 0; j < i; j++)
        g_assert_cmpuint(sessions[i]->local_session_id, !=, sessions[j]->local_session_id);
    }
  }
}

static void
test_activate_and_find(void)
{
  Fixture f;
  MatterSession *session;
  MatterSessionSetup setup =
      setup_new(MATTER_SESSION_KIND_PASE, MATTER_SESSION_ROLE_RESPONDER, 0x1234);

  fixture_init(&f, NULL);
  assert_error(matter_session_table_allocate(&f.table, 10, &session), MATTER_OK);
  /* Pending sessions take no traffic. */
  g_assert_null(matter_session_table_find(&f.table, session->local_session_id));
  g_assert_cmpuint(matter_session_table_count(&f.table), ==, 0);

  setup.peer_session_id = 0;
  assert_error(matter_session_activate(&f.table, session, &setup, 20),
               MATTER_ERROR_INVALID_ARGUMENT);
  setup.peer_session_id = 0x1234;
  setup.kind = MATTER_SESSION_KIND_UNSECURED;
  assert_error(matter_session_activate(&f.table, session, &setup, 20),
               MATTER_ERROR_INVALID_ARGUMENT);
  setup.kind = MATTER_SESSION_KIND_PASE;
  assert_error(matter_session_activate(&f.table, session, &setup, 20), MATTER_OK);
  assert_error(matter_session_activate(&f.table, session, &setup, 20),
               MATTER_ERROR_INVALID_ARGUMENT);

  g_assert_true(matter_session_table_find(&f.table, session->local_session_id) == session);
  g_assert_null(matter_session_table_find(&f.table, 0));
  g_assert_null(matter_session_table_find(&f.table, (uint16_t) (session->local_session_id + 1)));
  g_assert_cmpuint(matter_session_table_count(&f.table), ==, 1);
  g_assert_cmpuint(session->peer_session_id, ==, 0x1234);
  g_assert_cmpuint(session->created_ms, ==, 20);
  /* Send counter in 1..2^28, reception window synchronized at 0. */
  g_assert_cmpuint(session->send_counter.value, >=, 1);
  g_assert_cmpuint(session->send_counter.value, <=, MATTER_MSG_COUNTER_INIT_MAX);
  g_assert_false(session->send_counter.rollover);
  g_assert_true(session->peer_window.initialized);
  g_assert_cmpuint(session->peer_window.max_counter, ==, 0);
  g_assert_cmpmem(session->attestation_challenge, 16, setup.attestation_challenge, 16);
}

static void
test_keys_by_role(void)
{
  Fixture f;
  MatterSession *initiator, *responder;
  MatterSessionSetup setup = setup_new(MATTER_SESSION_KIND_CASE, MATTER_SESSION_ROLE_INITIATOR, 7);

  fixture_init(&f, NULL);
  setup.local_node_id = 0x1111;
  setup.peer_node_id = 0x2222;
  assert_error(matter_session_table_allocate(&f.table, 0, &initiator), MATTER_OK);
  assert_error(matter_session_activate(&f.table, initiator, &setup, 0), MATTER_OK);
  setup.role = MATTER_SESSION_ROLE_RESPONDER;
  assert_error(matter_session_table_allocate(&f.table, 0, &responder), MATTER_OK);
  assert_error(matter_session_activate(&f.table, responder, &setup, 0), MATTER_OK);

  g_assert_true(matter_session_send_key(initiator) == initiator->i2r_key);
  g_assert_true(matter_session_receive_key(initiator) == initiator->r2i_key);
  g_assert_true(matter_session_send_key(responder) == responder->r2i_key);
  g_assert_true(matter_session_receive_key(responder) == responder->i2r_key);
  g_assert_cmpuint(matter_session_send_nonce_node(initiator), ==, 0x1111);
  g_assert_cmpuint(matter_session_receive_nonce_node(initiator), ==, 0x2222);

  /* PASE nonces use the unspecified node id. */
  initiator->kind = MATTER_SESSION_KIND_PASE;
  g_assert_cmpuint(matter_session_send_nonce_node(initiator), ==, 0);
  g_assert_cmpuint(matter_session_receive_nonce_node(initiator), ==, 0);
}

static void
test_eviction_order(void)
{
  Fixture f;
  MatterSession *sessions[SECURE_SLOTS], *pending, *victim;

  fixture_init(&f, NULL);
  g_assert_null(matter_session_table_eviction_candidate(&f.table));
  for (int i = 0; i < SECURE_SLOTS - 1; i++)
    sessions[i] = open_session(&f, 100 + i);
  assert_error(matter_session_table_allocate(&f.table, 50, &pending), MATTER_OK);

  /* Least recently used first, by the last message sent or received. */
  g_assert_true(matter_session_table_eviction_candidate(&f.table) == sessions[0]);
  matter_session_touch(sessions[0], 200, false);
  g_assert_true(matter_session_table_eviction_candidate(&f.table) == sessions[1]);
  matter_session_touch(sessions[1], 201, true);
  g_assert_true(matter_session_table_eviction_candidate(&f.table) == sessions[2]);

  /* Sessions with open exchanges are kept while others can go. */
  sessions[2]->exchanges = 1;
  sessions[3]->exchanges = 2;
  g_assert_true(matter_session_table_eviction_candidate(&f.table) == sessions[4]);
  sessions[4]->exchanges = 1;
  g_assert_true(matter_session_table_eviction_candidate(&f.table) == sessions[0]);
  sessions[0]->exchanges = 1;
  sessions[1]->exchanges = 1;
  /* All busy: the least recently used all the same. */
  g_assert_true(matter_session_table_eviction_candidate(&f.table) == sessions[2]);

  /* Full table: evict, then allocate into the freed slot. */
  assert_error(matter_session_table_allocate(&f.table, 300, &victim),
               MATTER_ERROR_SESSION_TABLE_FULL);
  victim = matter_session_table_eviction_candidate(&f.table);
  matter_session_table_remove(&f.table, victim);
  assert_error(matter_session_table_allocate(&f.table, 300, &pending), MATTER_OK);
  g_assert_true(pending == victim);
}

/* Slots kept for handshakes: established sessions stop short of them, so
 * a handshake always finds one, and eviction waits until one succeeds. */
static void
test_pending_reserve(void)
{
  Fixture f;
  MatterSession *pending[2], *extra;

  fixture_init(&f, NULL);
  assert_error(matter_session_table_reserve_pending(&f.table, SECURE_SLOTS),
               MATTER_ERROR_INVALID_ARGUMENT);
  assert_error(matter_session_table_reserve_pending(&f.table, 2), MATTER_OK);
  for (int i = 0; i < SECURE_SLOTS - 2; i++) {
    g_assert_false(matter_session_table_needs_eviction(&f.table));
    open_session(&f, 100 + i);
  }
  /* As many established sessions as may be: the next one to succeed has
   * to evict first, but handshakes still get their slots. */
  g_assert_true(matter_session_table_needs_eviction(&f.table));
  assert_error(matter_session_table_allocate(&f.table, 200, &pending[0]), MATTER_OK);
  assert_error(matter_session_table_allocate(&f.table, 200, &pending[1]), MATTER_OK);
  assert_error(matter_session_table_allocate(&f.table, 200, &extra),
               MATTER_ERROR_SESSION_TABLE_FULL);
  matter_session_table_remove(&f.table, matter_session_table_eviction_candidate(&f.table));
  g_assert_false(matter_session_table_needs_eviction(&f.table));
  assert_error(matter_session_activate(&f.table, pending[0], &(MatterSessionSetup){
                                         .kind = MATTER_SESSION_KIND_PASE,
                                         .peer_session_id = 7,
                                       },
                                       300),
               MATTER_OK);
  g_assert_true(matter_session_table_needs_eviction(&f.table));
  /* Without a reserve nothing ever needs eviction before allocation. */
  assert_error(matter_session_table_reserve_pending(&f.table, 0), MATTER_OK);
  g_assert_false(matter_session_table_needs_eviction(&f.table));
}

static void
test_pending_never_evicted(void)
{
  Fixture f;
  MatterSession *session;

  fixture_init(&f, NULL);
  for (int i = 0; i < SECURE_SLOTS; i++)
    assert_error(matter_session_table_allocate(&f.table, i, &session), MATTER_OK);
  g_assert_null(matter_session_table_eviction_candidate(&f.table));
}

static void
test_remove_wipes(void)
{
  Fixture f;
  MatterSession *session;
  uint16_t id;

  fixture_init(&f, NULL);
  session = open_session(&f, 0);
  id = session->local_session_id;
  g_assert_false(all_zero(session->i2r_key, sizeof(session->i2r_key)));
  matter_session_table_remove(&f.table, session);
  g_assert_true(all_zero(session, sizeof(*session)));
  g_assert_null(matter_session_table_find(&f.table, id));
  g_assert_cmpuint(matter_session_table_count(&f.table), ==, 0);

  /* Clearing the table wipes every context. */
  session = open_session(&f, 0);
  matter_session_table_clear(&f.table);
  g_assert_true(all_zero(f.secure, sizeof(f.secure)));
}

static MatterMessageHeader
unsecured_header(bool has_source, uint64_t source, MatterDestKind dest_kind, uint64_t dest)
{
  MatterMessageHeader header;

  memset(&header, 0, sizeof(header));
  header.has_source = has_source;
  header.source_node_id = source;
  header.dest_kind = dest_kind;
  header.dest_node_id = dest;
  return header;
}

static void
test_unsecured_responder(void)
{
  Fixture f;
  MatterPeerAddress peer = { MATTER_TRANSPORT_UDP, 4, { 10, 0, 0, 1 } };
  MatterMessageHeader from_a = unsecured_header(true, 0xAAAA, MATTER_DEST_NONE, 0);
  MatterMessageHeader from_b = unsecured_header(true, 0xBBBB, MATTER_DEST_NONE, 0);
  MatterMessageHeader anonymous = unsecured_header(false, 0, MATTER_DEST_NONE, 0);
  MatterSession *a, *again, *b;

  fixture_init(&f, NULL);
  assert_error(matter_session_table_unsecured_for_message(&f.table, &from_a, &peer, 5, &a),
               MATTER_OK);
  g_assert_cmpint(a->kind, ==, MATTER_SESSION_KIND_UNSECURED);
  g_assert_cmpint(a->role, ==, MATTER_SESSION_ROLE_RESPONDER);
  g_assert_cmpuint(a->ephemeral_node_id, ==, 0xAAAA);
  g_assert_cmpmem(a->peer_address.bytes, 4, peer.bytes, 4);
  g_assert_false(a->peer_window.initialized);
  g_assert_cmpuint(matter_session_peer_idle_interval(a), ==,
                   MATTER_SESSION_IDLE_INTERVAL_DEFAULT_MS);
  assert_error(matter_session_table_unsecured_for_message(&f.table, &from_a, &peer, 6, &again),
               MATTER_OK);
  g_assert_true(again == a);
  assert_error(matter_session_table_unsecured_for_message(&f.table, &from_b, &peer, 7, &b),
               MATTER_OK);
  g_assert_true(b != a);
  /* Neither source nor a known destination: dropped. */
  assert_error(matter_session_table_unsecured_for_message(&f.table, &anonymous, &peer, 8, &b),
               MATTER_ERROR_SESSION_NOT_FOUND);
  /* Secure lookups never see unsecured contexts. */
  g_assert_cmpuint(matter_session_table_count(&f.table), ==, 0);
}

static void
test_unsecured_full_reuses_idle(void)
{
  Fixture f;
  MatterSession *contexts[UNSECURED_SLOTS], *extra;

  fixture_init(&f, NULL);
  for (int i = 0; i < UNSECURED_SLOTS; i++) {
    MatterMessageHeader header = unsecured_header(true, 100 + i, MATTER_DEST_NONE, 0);

    assert_error(
        matter_session_table_unsecured_for_message(&f.table, &header, NULL, 10 + i, &contexts[i]),
        MATTER_OK);
  }
  /* The oldest one in use by an exchange stays; the next oldest goes. */
  contexts[0]->exchanges = 1;
  {
    MatterMessageHeader header = unsecured_header(true, 200, MATTER_DEST_NONE, 0);

    assert_error(matter_session_table_unsecured_for_message(&f.table, &header, NULL, 20, &extra),
                 MATTER_OK);
    g_assert_true(extra == contexts[1]);
    g_assert_cmpuint(extra->ephemeral_node_id, ==, 200);
  }
  contexts[1]->exchanges = 1;
  contexts[2]->exchanges = 1;
  {
    MatterMessageHeader header = unsecured_header(true, 300, MATTER_DEST_NONE, 0);

    assert_error(matter_session_table_unsecured_for_message(&f.table, &header, NULL, 30, &extra),
                 MATTER_ERROR_SESSION_TABLE_FULL);
  }
}

static void
test_unsecured_initiator(void)
{
  Fixture f;
  MatterRandomSource zeros = { fill_constant, GINT_TO_POINTER(0x00) };
  MatterRandomSource ffs = { fill_constant, GINT_TO_POINTER(0xFF) };
  MatterSession *mine, *found, *other;
  MatterMessageHeader reply;

  fixture_init(&f, NULL);
  assert_error(matter_session_table_new_unsecured(&f.table, NULL, 0, &mine), MATTER_OK);
  g_assert_cmpint(mine->role, ==, MATTER_SESSION_ROLE_INITIATOR);
  g_assert_cmpuint(mine->ephemeral_node_id, >=, 1);
  g_assert_cmpuint(mine->ephemeral_node_id, <=, MATTER_NODE_ID_OPERATIONAL_MAX);
  /* The responder's reply names the initiator as destination. */
  reply = unsecured_header(false, 0, MATTER_DEST_NODE_ID, mine->ephemeral_node_id);
  assert_error(matter_session_table_unsecured_for_message(&f.table, &reply, NULL, 1, &found),
               MATTER_OK);
  g_assert_true(found == mine);
  reply.dest_node_id++;
  assert_error(matter_session_table_unsecured_for_message(&f.table, &reply, NULL, 1, &found),
               MATTER_ERROR_SESSION_NOT_FOUND);

  /* The ephemeral id is in the operational range, even for extreme
   * random draws, and never one already in use. */
  fixture_init(&f, &ffs);
  assert_error(matter_session_table_new_unsecured(&f.table, NULL, 0, &mine), MATTER_OK);
  g_assert_cmpuint(mine->ephemeral_node_id, <=, MATTER_NODE_ID_OPERATIONAL_MAX);
  g_assert_cmpuint(mine->ephemeral_node_id, >=, 1);
  fixture_init(&f, &zeros);
  assert_error(matter_session_table_new_unsecured(&f.table, NULL, 0, &mine), MATTER_OK);
  g_assert_cmpuint(mine->ephemeral_node_id, ==, 1);
  f.table.rng.fill = NULL; /* the DRBG from now on */
  assert_error(matter_session_table_new_unsecured(&f.table, NULL, 0, &other), MATTER_OK);
  g_assert_cmpuint(other->ephemeral_node_id, !=, mine->ephemeral_node_id);
}

static void
test_peer_active_mode(void)
{
  Fixture f;
  MatterSession *session;

  fixture_init(&f, NULL);
  session = open_session(&f, 1000);
  /* Active for SESSION_ACTIVE_THRESHOLD after the last message received. */
  g_assert_true(matter_session_peer_active(session, 1000));
  g_assert_true(matter_session_peer_active(session, 4999));
  g_assert_false(matter_session_peer_active(session, 5000));
  g_assert_cmpuint(matter_session_peer_interval(session, 4999), ==, 300);
  g_assert_cmpuint(matter_session_peer_interval(session, 5000), ==, 500);
  /* Sending does not make the peer active; receiving does. */
  matter_session_touch(session, 6000, false);
  g_assert_false(matter_session_peer_active(session, 6000));
  g_assert_cmpuint(session->last_activity_ms, ==, 6000);
  matter_session_touch(session, 7000, true);
  g_assert_true(matter_session_peer_active(session, 7000));
  session->peer_params.present = MATTER_SESSION_PARAM_ACTIVE_INTERVAL;
  session->peer_params.active_interval_ms = 1250;
  g_assert_cmpuint(matter_session_peer_interval(session, 7100), ==, 1250);
}

static void
test_peer_params(void)
{
  Fixture f;
  MatterSession *session;
  MatterSessionParams *params;

  fixture_init(&f, NULL);
  session = open_session(&f, 0);
  params = &session->peer_params;
  /* Fields the peer did not send take the defaults. */
  params->idle_interval_ms = 1;
  params->active_interval_ms = 2;
  params->active_threshold_ms = 3;
  g_assert_cmpuint(matter_session_peer_idle_interval(session), ==, 500);
  g_assert_cmpuint(matter_session_peer_active_interval(session), ==, 300);
  g_assert_cmpuint(matter_session_peer_active_threshold(session), ==, 4000);
  /* Announced ones are used, intervals capped at an hour. */
  params->present = MATTER_SESSION_PARAM_IDLE_INTERVAL | MATTER_SESSION_PARAM_ACTIVE_INTERVAL |
                    MATTER_SESSION_PARAM_ACTIVE_THRESHOLD;
  g_assert_cmpuint(matter_session_peer_idle_interval(session), ==, 1);
  g_assert_cmpuint(matter_session_peer_active_interval(session), ==, 2);
  g_assert_cmpuint(matter_session_peer_active_threshold(session), ==, 3);
  params->idle_interval_ms = MATTER_SESSION_INTERVAL_MAX_MS + 1;
  params->active_interval_ms = UINT32_MAX;
  g_assert_cmpuint(matter_session_peer_idle_interval(session), ==, MATTER_SESSION_INTERVAL_MAX_MS);
  g_assert_cmpuint(matter_session_peer_active_interval(session), ==,
                   MATTER_SESSION_INTERVAL_MAX_MS);
  g_assert_false(matter_session_peer_active(session, 3));
  g_assert_true(matter_session_peer_active(session, 2));
}

static void
test_init_arguments(void)
{
  MatterSessionTable table;
  MatterSession slot;

  assert_error(matter_session_table_init(&table, NULL, 1, &slot, 1, NULL),
               MATTER_ERROR_INVALID_ARGUMENT);
  assert_error(matter_session_table_init(&table, &slot, 65535, NULL, 0, NULL),
               MATTER_ERROR_INVALID_ARGUMENT);
  assert_error(matter_session_table_init(&table, &slot, 1, NULL, 0, NULL), MATTER_OK);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  g_test_add_func("/session/ids/colliding-random", test_ids_unique_with_colliding_random);
  g_test_add_func("/session/ids/random", test_ids_unique_random);
  g_test_add_func("/session/activate-and-find", test_activate_and_find);
  g_test_add_func("/session/keys-by-role", test_keys_by_role);
  g_test_add_func("/session/eviction/order", test_eviction_order);
  g_test_add_func("/session/eviction/pending", test_pending_never_evicted);
  g_test_add_func("/session/eviction/pending-reserve", test_pending_reserve);
  g_test_add_func("/session/remove-wipes", test_remove_wipes);
  g_test_add_func("/session/unsecured/responder", test_unsecured_responder);
  g_test_add_func("/session/unsecured/full", test_unsecured_full_reuses_idle);
  g_test_add_func("/session/unsecured/initiator", test_unsecured_initiator);
  g_test_add_func("/session/peer-active-mode", test_peer_active_mode);
  g_test_add_func("/session/peer-params", test_peer_params);
  g_test_add_func("/session/init-arguments", test_init_arguments);
  return g_test_run();
}
