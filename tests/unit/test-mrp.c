/* SPDX-License-Identifier: Apache-2.0 */
/* MRP records and timing: the backoff formula of Core spec 4.11.2.1 with
 * the parameters of 4.11.8 (MRP_BACKOFF_BASE 1.6, _JITTER 0.25, _MARGIN
 * 1.1, _THRESHOLD 1, MRP_MAX_TRANSMISSIONS 5 as in Matter 1.4), and the
 * retransmission and acknowledgement records on a fake clock. The same
 * timelines through the exchange manager, with real messages, are in
 * test-exchange.c.
 *
 * Expected times are the formula evaluated exactly and rounded down, e.g.
 * with i = 300 ms and no jitter: 330, 330, 528, 844.8, 1351.68 ms. */

#include <glib.h>
#include <string.h>

#include "matter/mrp.h"
#include "matter/session.h"

#define assert_error(expr, expected) \
  g_assert_cmpstr(matter_error_name(expr), ==, matter_error_name(expected))

typedef struct {
  uint32_t interval;
  uint16_t jitter;
  uint64_t expected[6];
} BackoffCase;

static const BackoffCase backoff_cases[] = {
  /* Default active interval: the spec's minimum and maximum columns. */
  { 300, 0x0000, { 330, 330, 528, 844, 1351, 2162 } },
  { 300, 0x4040, { 350, 350, 561, 897, 1436, 2298 } },
  { 300, 0x8000, { 371, 371, 594, 950, 1520, 2433 } },
  { 300, 0xFFFF, { 412, 412, 659, 1055, 1689, 2703 } },
  /* Default idle interval. */
  { 500, 0x0000, { 550, 550, 880, 1408, 2252, 3604 } },
  { 500, 0x4040, { 584, 584, 935, 1496, 2394, 3830 } },
  { 500, 0x8000, { 618, 618, 990, 1584, 2534, 4055 } },
  { 500, 0xFFFF, { 687, 687, 1099, 1759, 2815, 4505 } },
};

static void
test_backoff_formula(void)
{
  for (size_t c = 0; c < G_N_ELEMENTS(backoff_cases); c++) {
    const BackoffCase *bc = &backoff_cases[c];

    for (unsigned n = 0; n < G_N_ELEMENTS(bc->expected); n++)
      g_assert_cmpuint(matter_mrp_backoff_ms(bc->interval, n, bc->jitter), ==, bc->expected[n]);
  }
}

static void
test_backoff_bounds(void)
{
  /* Jitter stays within [t, 1.25 t) and the threshold keeps the first
   * retry linear. */
  for (uint32_t interval = 1; interval < 20000; interval += 997) {
    uint64_t low = matter_mrp_backoff_ms(interval, 0, 0);
    uint64_t high = matter_mrp_backoff_ms(interval, 0, 0xFFFF);

    g_assert_cmpuint(low, ==, interval * 11 / 10);
    g_assert_cmpuint(high, >=, low);
    g_assert_cmpuint(high * 8, <, (uint64_t) interval * 11); /* 1.1 * 1.25 = 11/8 */
    g_assert_cmpuint(matter_mrp_backoff_ms(interval, 1, 1234), ==,
                     matter_mrp_backoff_ms(interval, 0, 1234));
  }
  /* The longest interval a peer may announce does not overflow, and
   * longer ones are capped to it. */
  g_assert_cmpuint(matter_mrp_backoff_ms(MATTER_SESSION_INTERVAL_MAX_MS, 4, 0xFFFF), ==,
                   matter_mrp_backoff_ms(UINT32_MAX, 4, 0xFFFF));
  g_assert_cmpuint(matter_mrp_backoff_ms(MATTER_SESSION_INTERVAL_MAX_MS, 0, 0), ==, 3960000);
  g_assert_cmpuint(matter_mrp_backoff_ms(MATTER_SESSION_INTERVAL_MAX_MS, 100, 0xFFFF), >,
                   matter_mrp_backoff_ms(MATTER_SESSION_INTERVAL_MAX_MS, 4, 0xFFFF));
}

static void
test_retransmission_schedule(void)
{
  MatterMrpRetransmission retrans;
  const uint8_t msg[] = { 1, 2, 3, 4 };
  uint64_t now = 1000;
  unsigned resends = 0;

  memset(&retrans, 0, sizeof(retrans));
  assert_error(matter_mrp_retransmission_start(&retrans, 77, msg, sizeof(msg)), MATTER_OK);
  matter_mrp_retransmission_sent(&retrans, now, matter_mrp_backoff_ms(300, 0, 0));
  g_assert_cmpuint(matter_mrp_retransmission_deadline(&retrans), ==, 1330);
  for (;;) {
    MatterMrpAction action;

    g_assert_cmpint(matter_mrp_retransmission_poll(&retrans, retrans.next_ms - 1), ==,
                    MATTER_MRP_WAIT);
    now = retrans.next_ms;
    action = matter_mrp_retransmission_poll(&retrans, now);
    if (action == MATTER_MRP_GIVE_UP)
      break;
    g_assert_cmpint(action, ==, MATTER_MRP_RESEND);
    g_assert_cmpmem(retrans.msg, retrans.len, msg, sizeof(msg));
    resends++;
    matter_mrp_retransmission_sent(&retrans, now,
                                   matter_mrp_backoff_ms(300, retrans.send_count, 0));
  }
  /* 1 + 4 transmissions, the last timer running out at
   * 1000 + 330 + 330 + 528 + 844 + 1351. */
  g_assert_cmpuint(resends, ==, MATTER_MRP_MAX_TRANSMISSIONS - 1);
  g_assert_cmpuint(now, ==, 1000 + 330 + 330 + 528 + 844 + 1351);
  g_assert_false(retrans.active);
  g_assert_cmpuint(matter_mrp_retransmission_deadline(&retrans), ==, MATTER_MRP_NEVER);
}

static void
test_retransmission_ack(void)
{
  MatterMrpRetransmission retrans;
  const uint8_t msg[] = { 9 };

  memset(&retrans, 0, sizeof(retrans));
  g_assert_false(matter_mrp_retransmission_ack(&retrans, 5));
  assert_error(matter_mrp_retransmission_start(&retrans, 5, msg, sizeof(msg)), MATTER_OK);
  matter_mrp_retransmission_sent(&retrans, 0, 330);
  g_assert_false(matter_mrp_retransmission_ack(&retrans, 4));
  g_assert_true(retrans.active);
  g_assert_true(matter_mrp_retransmission_ack(&retrans, 5));
  g_assert_false(retrans.active);
  g_assert_cmpint(matter_mrp_retransmission_poll(&retrans, 10000), ==, MATTER_MRP_WAIT);
  /* A second acknowledgement of the same counter matches nothing. */
  g_assert_false(matter_mrp_retransmission_ack(&retrans, 5));
}

static void
test_retransmission_arguments(void)
{
  MatterMrpRetransmission retrans;
  static uint8_t big[MATTER_MESSAGE_MAX + 1];

  memset(&retrans, 0, sizeof(retrans));
  assert_error(matter_mrp_retransmission_start(&retrans, 1, big, sizeof(big)),
               MATTER_ERROR_BUFFER_TOO_SMALL);
  assert_error(matter_mrp_retransmission_start(&retrans, 1, NULL, 0),
               MATTER_ERROR_INVALID_ARGUMENT);
  assert_error(matter_mrp_retransmission_start(&retrans, 1, big, MATTER_MESSAGE_MAX), MATTER_OK);
}

static void
test_ack_standalone_timeout(void)
{
  MatterMrpAck ack = { 0 };
  uint32_t counter, flush;

  g_assert_cmpuint(matter_mrp_ack_deadline(&ack), ==, MATTER_MRP_NEVER);
  g_assert_false(matter_mrp_ack_track(&ack, 40, 1000, &flush));
  g_assert_cmpuint(matter_mrp_ack_deadline(&ack), ==, 1000 + MATTER_MRP_STANDALONE_ACK_TIMEOUT_MS);
  g_assert_false(matter_mrp_ack_due(&ack, 1199, &counter));
  g_assert_true(matter_mrp_ack_due(&ack, 1200, &counter));
  g_assert_cmpuint(counter, ==, 40);
  matter_mrp_ack_standalone_sent(&ack, 40);
  /* Sent once; the record stays for a piggy-back. */
  g_assert_false(matter_mrp_ack_due(&ack, 5000, &counter));
  g_assert_false(matter_mrp_ack_unsent(&ack, &counter));
  g_assert_cmpuint(matter_mrp_ack_deadline(&ack), ==, MATTER_MRP_NEVER);
  g_assert_true(matter_mrp_ack_piggyback(&ack, &counter));
  g_assert_cmpuint(counter, ==, 40);
  g_assert_false(matter_mrp_ack_piggyback(&ack, &counter));
}

static void
test_ack_piggyback_cancels(void)
{
  MatterMrpAck ack = { 0 };
  uint32_t counter, flush;

  matter_mrp_ack_track(&ack, 41, 0, &flush);
  g_assert_true(matter_mrp_ack_piggyback(&ack, &counter));
  g_assert_cmpuint(counter, ==, 41);
  g_assert_false(matter_mrp_ack_due(&ack, 1000, &counter));
  g_assert_cmpuint(matter_mrp_ack_deadline(&ack), ==, MATTER_MRP_NEVER);
}

static void
test_ack_replaced(void)
{
  MatterMrpAck ack = { 0 };
  uint32_t flush = 0, counter;

  /* A new reliable message displaces an unsent acknowledgement, which
   * must go out at once. */
  g_assert_false(matter_mrp_ack_track(&ack, 50, 0, &flush));
  g_assert_true(matter_mrp_ack_track(&ack, 51, 100, &flush));
  g_assert_cmpuint(flush, ==, 50);
  g_assert_cmpuint(matter_mrp_ack_deadline(&ack), ==, 300);
  /* Once a standalone acknowledgement went out, nothing is flushed. */
  matter_mrp_ack_standalone_sent(&ack, 51);
  g_assert_false(matter_mrp_ack_track(&ack, 52, 400, &flush));
  g_assert_true(matter_mrp_ack_unsent(&ack, &counter));
  g_assert_cmpuint(counter, ==, 52);
  /* A standalone acknowledgement of another counter leaves the record. */
  matter_mrp_ack_standalone_sent(&ack, 51);
  g_assert_true(matter_mrp_ack_unsent(&ack, &counter));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  g_test_add_func("/mrp/backoff/formula", test_backoff_formula);
  g_test_add_func("/mrp/backoff/bounds", test_backoff_bounds);
  g_test_add_func("/mrp/retransmission/schedule", test_retransmission_schedule);
  g_test_add_func("/mrp/retransmission/ack", test_retransmission_ack);
  g_test_add_func("/mrp/retransmission/arguments", test_retransmission_arguments);
  g_test_add_func("/mrp/ack/standalone-timeout", test_ack_standalone_timeout);
  g_test_add_func("/mrp/ack/piggyback-cancels", test_ack_piggyback_cancels);
  g_test_add_func("/mrp/ack/replaced", test_ack_replaced);
  return g_test_run();
}
