/* SPDX-License-Identifier: Apache-2.0 */
/* Message counters: initial values, the send counter's end, the three
 * replay window policies at their edges, and counter reservations across
 * simulated restarts.
 *
 * Rules from Core spec 4.5.1.1 (initial value Crypto_DRBG(len = 28) + 1),
 * 4.5.4 (reception state, its three policies, initialization with every
 * bit set) and 4.5.5 (the unicast counter's last message). */

#include <glib.h>
#include <string.h>

#include "matter/counters.h"

#define assert_error(expr, expected) \
  g_assert_cmpstr(matter_error_name(expr), ==, matter_error_name(expected))

/* Returns the same byte over and over. */
static MatterError
fill_byte(void *user_data, uint8_t *buf, size_t len)
{
  memset(buf, GPOINTER_TO_INT(user_data), len);
  return MATTER_OK;
}

static MatterRandomSource
fixed_rng(uint8_t byte)
{
  MatterRandomSource rng = { fill_byte, GINT_TO_POINTER(byte) };

  return rng;
}

static void
test_initial_value_range(void)
{
  MatterRandomSource zeros = fixed_rng(0x00), ones = fixed_rng(0xFF);
  uint32_t value;

  assert_error(matter_counters_initial_value(&zeros, &value), MATTER_OK);
  g_assert_cmpuint(value, ==, 1);
  assert_error(matter_counters_initial_value(&ones, &value), MATTER_OK);
  g_assert_cmpuint(value, ==, MATTER_MSG_COUNTER_INIT_MAX);
  /* The real DRBG stays in range too. */
  for (int i = 0; i < 200; i++) {
    assert_error(matter_counters_initial_value(NULL, &value), MATTER_OK);
    g_assert_cmpuint(value, >=, 1);
    g_assert_cmpuint(value, <=, MATTER_MSG_COUNTER_INIT_MAX);
  }
}

static void
test_send_counter_sequence(void)
{
  MatterRandomSource rng = fixed_rng(0x00);
  MatterMessageCounter counter;
  uint32_t value;

  assert_error(matter_message_counter_init(&counter, false, &rng), MATTER_OK);
  for (uint32_t expected = 1; expected <= 5; expected++) {
    assert_error(matter_message_counter_next(&counter, &value), MATTER_OK);
    g_assert_cmpuint(value, ==, expected);
  }
}

static void
test_send_counter_exhaustion(void)
{
  MatterMessageCounter counter = { .value = UINT32_MAX - 1 };
  uint32_t value;

  assert_error(matter_message_counter_next(&counter, &value), MATTER_OK);
  g_assert_cmpuint(value, ==, UINT32_MAX - 1);
  /* 0xFFFFFFFF is still sent, as the session's last message. */
  assert_error(matter_message_counter_next(&counter, &value), MATTER_OK);
  g_assert_cmpuint(value, ==, UINT32_MAX);
  g_assert_true(counter.exhausted);
  assert_error(matter_message_counter_next(&counter, &value), MATTER_ERROR_COUNTER_EXHAUSTED);
  assert_error(matter_message_counter_next(&counter, &value), MATTER_ERROR_COUNTER_EXHAUSTED);
}

static void
test_send_counter_rollover(void)
{
  MatterMessageCounter counter = { .value = UINT32_MAX, .rollover = true };
  uint32_t value;

  assert_error(matter_message_counter_next(&counter, &value), MATTER_OK);
  g_assert_cmpuint(value, ==, UINT32_MAX);
  assert_error(matter_message_counter_next(&counter, &value), MATTER_OK);
  g_assert_cmpuint(value, ==, 0);
  g_assert_false(counter.exhausted);
}

static gboolean
is_new(const MatterReplayWindow *window, MatterReplayPolicy policy, uint32_t counter)
{
  return matter_replay_window_check(window, policy, counter) == MATTER_OK;
}

/* Checks, and records when new, like the message layer does. */
static gboolean
receive(MatterReplayWindow *window, MatterReplayPolicy policy, uint32_t counter)
{
  if (!is_new(window, policy, counter))
    return FALSE;
  matter_replay_window_commit(window, policy, counter);
  return TRUE;
}

static void
test_unicast_initial_state(void)
{
  MatterReplayWindow window;

  matter_replay_window_init(&window, 0);
  g_assert_false(is_new(&window, MATTER_REPLAY_UNICAST, 0));
  g_assert_true(is_new(&window, MATTER_REPLAY_UNICAST, 1));
  g_assert_true(is_new(&window, MATTER_REPLAY_UNICAST, UINT32_MAX));

  /* Synchronized at 1000: every bit set, only counters after it are new. */
  matter_replay_window_init(&window, 1000);
  for (uint32_t c = 1000 - MATTER_MSG_COUNTER_WINDOW_SIZE; c <= 1000; c++)
    g_assert_false(is_new(&window, MATTER_REPLAY_UNICAST, c));
  g_assert_true(is_new(&window, MATTER_REPLAY_UNICAST, 1001));
}

static void
test_unicast_duplicate_and_window(void)
{
  MatterReplayWindow window;

  matter_replay_window_init(&window, 0);
  g_assert_true(receive(&window, MATTER_REPLAY_UNICAST, 100));
  g_assert_false(receive(&window, MATTER_REPLAY_UNICAST, 100));
  /* Gaps just behind the maximum arrive late and are accepted once. */
  g_assert_true(receive(&window, MATTER_REPLAY_UNICAST, 110));
  g_assert_true(receive(&window, MATTER_REPLAY_UNICAST, 105));
  g_assert_false(receive(&window, MATTER_REPLAY_UNICAST, 105));
  g_assert_false(receive(&window, MATTER_REPLAY_UNICAST, 110));
  g_assert_false(receive(&window, MATTER_REPLAY_UNICAST, 100));
  g_assert_cmpuint(window.max_counter, ==, 110);

  /* Just inside the window: max - 32; just outside: max - 33. */
  g_assert_true(receive(&window, MATTER_REPLAY_UNICAST, 200));
  g_assert_true(is_new(&window, MATTER_REPLAY_UNICAST, 200 - MATTER_MSG_COUNTER_WINDOW_SIZE));
  g_assert_false(is_new(&window, MATTER_REPLAY_UNICAST, 200 - MATTER_MSG_COUNTER_WINDOW_SIZE - 1));
  g_assert_true(receive(&window, MATTER_REPLAY_UNICAST, 200 - MATTER_MSG_COUNTER_WINDOW_SIZE));
  g_assert_false(receive(&window, MATTER_REPLAY_UNICAST, 200 - MATTER_MSG_COUNTER_WINDOW_SIZE));
  g_assert_true(receive(&window, MATTER_REPLAY_UNICAST, 199));
  /* Far behind. */
  g_assert_false(is_new(&window, MATTER_REPLAY_UNICAST, 1));
}

static void
test_unicast_shift_keeps_history(void)
{
  MatterReplayWindow window;

  matter_replay_window_init(&window, 0);
  for (uint32_t c = 1; c <= 40; c += 2)
    g_assert_true(receive(&window, MATTER_REPLAY_UNICAST, c));
  /* Odd counters seen, even ones missing, within the last 32. */
  for (uint32_t c = 39 - MATTER_MSG_COUNTER_WINDOW_SIZE; c < 39; c++)
    g_assert_cmpint(is_new(&window, MATTER_REPLAY_UNICAST, c), ==, c % 2 == 0);
  /* A jump of exactly 32 keeps the old maximum at the window's far end. */
  g_assert_true(receive(&window, MATTER_REPLAY_UNICAST, 39 + 32));
  g_assert_false(is_new(&window, MATTER_REPLAY_UNICAST, 39));
  g_assert_true(is_new(&window, MATTER_REPLAY_UNICAST, 40));
  /* A jump past the window forgets everything behind it. */
  g_assert_true(receive(&window, MATTER_REPLAY_UNICAST, 1000));
  g_assert_true(is_new(&window, MATTER_REPLAY_UNICAST, 999));
  g_assert_true(is_new(&window, MATTER_REPLAY_UNICAST, 1000 - MATTER_MSG_COUNTER_WINDOW_SIZE));
  g_assert_false(is_new(&window, MATTER_REPLAY_UNICAST, 71));
}

static void
test_unicast_far_ahead_no_rollover(void)
{
  MatterReplayWindow window;

  matter_replay_window_init(&window, 0);
  g_assert_true(receive(&window, MATTER_REPLAY_UNICAST, 5));
  /* Anything above the maximum is new, however far. */
  g_assert_true(receive(&window, MATTER_REPLAY_UNICAST, UINT32_MAX - 1));
  g_assert_true(receive(&window, MATTER_REPLAY_UNICAST, UINT32_MAX));
  /* and nothing wraps around past the top. */
  g_assert_false(is_new(&window, MATTER_REPLAY_UNICAST, 0));
  g_assert_false(is_new(&window, MATTER_REPLAY_UNICAST, 1));
  g_assert_false(is_new(&window, MATTER_REPLAY_UNICAST, 6));
  g_assert_true(is_new(&window, MATTER_REPLAY_UNICAST, UINT32_MAX - 2));
}

static void
test_unicast_small_max(void)
{
  MatterReplayWindow window;

  /* A window below 32 does not reach around to the top of the range. */
  matter_replay_window_init(&window, 0);
  g_assert_true(receive(&window, MATTER_REPLAY_UNICAST, 3));
  g_assert_true(receive(&window, MATTER_REPLAY_UNICAST, 2));
  g_assert_false(receive(&window, MATTER_REPLAY_UNICAST, 0));
  g_assert_true(is_new(&window, MATTER_REPLAY_UNICAST, 1));
  g_assert_true(is_new(&window, MATTER_REPLAY_UNICAST, UINT32_MAX));
}

static void
test_group_rollover(void)
{
  MatterReplayWindow window;

  matter_replay_window_init(&window, UINT32_MAX - 2);
  /* Forward across the top: new. */
  g_assert_true(receive(&window, MATTER_REPLAY_GROUP, UINT32_MAX));
  g_assert_true(receive(&window, MATTER_REPLAY_GROUP, 1));
  g_assert_cmpuint(window.max_counter, ==, 1);
  /* The window reaches back over the wrap. */
  g_assert_true(is_new(&window, MATTER_REPLAY_GROUP, 0));
  g_assert_false(is_new(&window, MATTER_REPLAY_GROUP, UINT32_MAX));
  g_assert_true(is_new(&window, MATTER_REPLAY_GROUP, UINT32_MAX - 1));
  g_assert_false(is_new(&window, MATTER_REPLAY_GROUP, UINT32_MAX - 2));
  g_assert_true(receive(&window, MATTER_REPLAY_GROUP, 0));
  g_assert_false(receive(&window, MATTER_REPLAY_GROUP, 0));
  /* Half the space ahead is new, the other half duplicate. */
  g_assert_true(is_new(&window, MATTER_REPLAY_GROUP, 1 + (UINT32_C(1) << 31) - 1));
  g_assert_false(is_new(&window, MATTER_REPLAY_GROUP, 1 + (UINT32_C(1) << 31)));
  g_assert_false(is_new(&window, MATTER_REPLAY_GROUP, 1 - MATTER_MSG_COUNTER_WINDOW_SIZE - 1));
  g_assert_false(is_new(&window, MATTER_REPLAY_GROUP, 1));
}

static void
test_unencrypted_restart(void)
{
  MatterReplayWindow window = { 0 };

  /* The first message synchronizes the window. */
  g_assert_true(receive(&window, MATTER_REPLAY_UNENCRYPTED, 5000));
  g_assert_false(receive(&window, MATTER_REPLAY_UNENCRYPTED, 5000));
  g_assert_false(receive(&window, MATTER_REPLAY_UNENCRYPTED, 4999));
  g_assert_true(receive(&window, MATTER_REPLAY_UNENCRYPTED, 5003));
  g_assert_true(receive(&window, MATTER_REPLAY_UNENCRYPTED, 5002));
  g_assert_false(receive(&window, MATTER_REPLAY_UNENCRYPTED, 5002));
  /* Behind the window: the peer restarted; the window moves back. */
  g_assert_true(receive(&window, MATTER_REPLAY_UNENCRYPTED, 17));
  g_assert_cmpuint(window.max_counter, ==, 17);
  g_assert_false(receive(&window, MATTER_REPLAY_UNENCRYPTED, 17));
  g_assert_true(receive(&window, MATTER_REPLAY_UNENCRYPTED, 18));
  g_assert_true(receive(&window, MATTER_REPLAY_UNENCRYPTED, 16));
  /* Near zero the window covers the top of the range. */
  g_assert_true(receive(&window, MATTER_REPLAY_UNENCRYPTED, UINT32_MAX));
  g_assert_true(receive(&window, MATTER_REPLAY_UNENCRYPTED, 1));
  g_assert_false(receive(&window, MATTER_REPLAY_UNENCRYPTED, UINT32_MAX));
}

/* A store that survives "restarts": the bound written last. */
typedef struct {
  gboolean has_bound;
  uint32_t bound;
  unsigned writes;
} Store;

static MatterError
reservation_take(MatterCounterReservation *reservation, Store *store, uint32_t *value)
{
  MatterError err;

  while ((err = matter_counter_reservation_next(reservation, value)) ==
         MATTER_ERROR_COUNTER_PERSIST) {
    store->bound = matter_counter_reservation_wanted(reservation);
    store->has_bound = TRUE;
    store->writes++;
    matter_counter_reservation_confirm(reservation, store->bound);
  }
  return err;
}

static void
run_and_restart(Store *store, MatterCounterReservation *reservation, GHashTable *seen,
                unsigned messages, uint32_t *last)
{
  for (unsigned i = 0; i < messages; i++) {
    uint32_t value;

    assert_error(reservation_take(reservation, store, &value), MATTER_OK);
    g_assert_false(g_hash_table_contains(seen, GUINT_TO_POINTER(value)));
    g_hash_table_add(seen, GUINT_TO_POINTER(value));
    *last = value;
  }
}

static void
test_reservation_restarts(void)
{
  MatterRandomSource rng = fixed_rng(0x10);
  MatterCounterReservation reservation;
  g_autoptr(GHashTable) seen = g_hash_table_new(NULL, NULL);
  Store store = { 0 };
  uint32_t last = 0, start;
  unsigned runs[] = { 1, 999, 1000, 1001, 2500, 0, 3, 7000 };

  assert_error(matter_counter_reservation_init(&reservation, 1000, &rng), MATTER_OK);
  start = reservation.next;
  g_assert_cmpuint(start, ==, 0x00101010 + 1);
  for (size_t r = 0; r < G_N_ELEMENTS(runs); r++) {
    uint32_t before = last;

    run_and_restart(&store, &reservation, seen, runs[r], &last);
    if (runs[r] > 0 && r > 0)
      g_assert_cmpuint(last, >, before);
    /* Restart: everything in memory is lost but the stored bound. */
    memset(&reservation, 0xA5, sizeof(reservation));
    g_assert_true(store.has_bound || runs[r] == 0);
    assert_error(matter_counter_reservation_resume(&reservation, 1000, store.bound), MATTER_OK);
  }
  /* Far fewer writes than messages: one per 1000, plus one per start. */
  g_assert_cmpuint(store.writes, <=, 1 + G_N_ELEMENTS(runs) + g_hash_table_size(seen) / 1000);
}

static void
test_reservation_failed_store(void)
{
  MatterCounterReservation reservation;
  uint32_t value;

  assert_error(matter_counter_reservation_resume(&reservation, 10, 500), MATTER_OK);
  /* Nothing is handed out until a bound is stored. */
  assert_error(matter_counter_reservation_next(&reservation, &value), MATTER_ERROR_COUNTER_PERSIST);
  assert_error(matter_counter_reservation_next(&reservation, &value), MATTER_ERROR_COUNTER_PERSIST);
  g_assert_cmpuint(matter_counter_reservation_wanted(&reservation), ==, 510);
  matter_counter_reservation_confirm(&reservation, 510);
  for (uint32_t expected = 500; expected < 510; expected++) {
    assert_error(matter_counter_reservation_next(&reservation, &value), MATTER_OK);
    g_assert_cmpuint(value, ==, expected);
  }
  assert_error(matter_counter_reservation_next(&reservation, &value), MATTER_ERROR_COUNTER_PERSIST);
  /* A stale bound does not shrink the reservation. */
  matter_counter_reservation_confirm(&reservation, 505);
  assert_error(matter_counter_reservation_next(&reservation, &value), MATTER_ERROR_COUNTER_PERSIST);
}

static void
test_reservation_rollover(void)
{
  MatterCounterReservation reservation;
  uint32_t value;

  assert_error(matter_counter_reservation_resume(&reservation, 4, UINT32_MAX - 1), MATTER_OK);
  matter_counter_reservation_confirm(&reservation, matter_counter_reservation_wanted(&reservation));
  g_assert_cmpuint(reservation.bound, ==, 2);
  assert_error(matter_counter_reservation_next(&reservation, &value), MATTER_OK);
  g_assert_cmpuint(value, ==, UINT32_MAX - 1);
  assert_error(matter_counter_reservation_next(&reservation, &value), MATTER_OK);
  g_assert_cmpuint(value, ==, UINT32_MAX);
  assert_error(matter_counter_reservation_next(&reservation, &value), MATTER_OK);
  g_assert_cmpuint(value, ==, 0);
  assert_error(matter_counter_reservation_next(&reservation, &value), MATTER_OK);
  g_assert_cmpuint(value, ==, 1);
  assert_error(matter_counter_reservation_next(&reservation, &value), MATTER_ERROR_COUNTER_PERSIST);
}

static void
test_reservation_arguments(void)
{
  MatterCounterReservation reservation;

  assert_error(matter_counter_reservation_resume(&reservation, 0, 1),
               MATTER_ERROR_INVALID_ARGUMENT);
  assert_error(matter_counter_reservation_resume(&reservation, UINT32_C(1) << 31, 1),
               MATTER_ERROR_INVALID_ARGUMENT);
  assert_error(matter_counter_reservation_init(NULL, 10, NULL), MATTER_ERROR_INVALID_ARGUMENT);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  g_test_add_func("/counters/initial-value-range", test_initial_value_range);
  g_test_add_func("/counters/send/sequence", test_send_counter_sequence);
  g_test_add_func("/counters/send/exhaustion", test_send_counter_exhaustion);
  g_test_add_func("/counters/send/rollover", test_send_counter_rollover);
  g_test_add_func("/counters/window/unicast-initial", test_unicast_initial_state);
  g_test_add_func("/counters/window/unicast-duplicates", test_unicast_duplicate_and_window);
  g_test_add_func("/counters/window/unicast-shift", test_unicast_shift_keeps_history);
  g_test_add_func("/counters/window/unicast-far-ahead", test_unicast_far_ahead_no_rollover);
  g_test_add_func("/counters/window/unicast-small-max", test_unicast_small_max);
  g_test_add_func("/counters/window/group-rollover", test_group_rollover);
  g_test_add_func("/counters/window/unencrypted-restart", test_unencrypted_restart);
  g_test_add_func("/counters/reservation/restarts", test_reservation_restarts);
  g_test_add_func("/counters/reservation/failed-store", test_reservation_failed_store);
  g_test_add_func("/counters/reservation/rollover", test_reservation_rollover);
  g_test_add_func("/counters/reservation/arguments", test_reservation_arguments);
  return g_test_run();
}
