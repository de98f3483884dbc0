/* SPDX-License-Identifier: Apache-2.0 */
/* The fail-safe context's timer, on a clock the test moves. */
#include "fail-safe.h"
#include "md-test.h"

static void
test_arm_and_expire(void)
{
  MdFailSafe fs = { 0 };

  g_assert_cmpuint(md_fail_safe_next_deadline(&fs), ==, G_MAXUINT64);
  g_assert_false(md_fail_safe_process(&fs, 1000));
  md_fail_safe_arm(&fs, 0, 60, 1000);
  g_assert_true(fs.armed);
  g_assert_cmpuint(md_fail_safe_next_deadline(&fs), ==, 61000);
  g_assert_false(md_fail_safe_process(&fs, 60999));
  g_assert_true(md_fail_safe_process(&fs, 61000));
  /* Once: the context is disarmed. */
  g_assert_false(fs.armed);
  g_assert_false(md_fail_safe_process(&fs, 62000));
  g_assert_cmpuint(md_fail_safe_next_deadline(&fs), ==, G_MAXUINT64);
}

/* Re-arming extends the timer, never past the cumulative limit counted
 * from the first arming, and keeps the fabric it was armed for. */
static void
test_cumulative_limit(void)
{
  MdFailSafe fs = { 0 };
  guint64 now = 5000;

  md_fail_safe_arm(&fs, 3, 60, now);
  for (int i = 0; i < 17; i++) {
    now += 50 * 1000;
    md_fail_safe_arm(&fs, 3, 60, now);
    g_assert_false(md_fail_safe_process(&fs, now));
  }
  g_assert_cmpuint(fs.fabric_index, ==, 3);
  g_assert_cmpuint(md_fail_safe_next_deadline(&fs), ==, 5000 + MD_FAIL_SAFE_MAX_CUMULATIVE_S * 1000);
  g_assert_true(md_fail_safe_process(&fs, 5000 + MD_FAIL_SAFE_MAX_CUMULATIVE_S * 1000));
  /* A new arming starts a new cumulative period. */
  now = 905000;
  md_fail_safe_arm(&fs, 0, 10, now);
  g_assert_cmpuint(md_fail_safe_next_deadline(&fs), ==, now + 10000);
  g_assert_cmpuint(fs.fabric_index, ==, 0);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  g_test_add_func("/fail-safe/arm-and-expire", test_arm_and_expire);
  g_test_add_func("/fail-safe/cumulative-limit", test_cumulative_limit);
  return g_test_run();
}
