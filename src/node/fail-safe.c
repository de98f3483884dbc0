/* SPDX-License-Identifier: Apache-2.0 */
#include "fail-safe.h"

void
md_fail_safe_arm(MdFailSafe *fs, guint8 fabric_index, guint16 seconds, guint64 now_ms)
{
  g_return_if_fail(seconds > 0);

  if (!fs->armed) {
    fs->armed = TRUE;
    fs->fabric_index = fabric_index;
    fs->limit_ms = now_ms + MD_FAIL_SAFE_MAX_CUMULATIVE_S * 1000ull;
  }
  /* Re-arming extends up to the cumulative limit and no further, so a
   * commissioner cannot hold the node's fail-safe open forever. */
  fs->deadline_ms = MIN(now_ms + seconds * 1000ull, fs->limit_ms);
}

void
md_fail_safe_disarm(MdFailSafe *fs)
{
  *fs = (MdFailSafe) { 0 };
}

guint64
md_fail_safe_next_deadline(const MdFailSafe *fs)
{
  return fs->armed ? fs->deadline_ms : G_MAXUINT64;
}

gboolean
md_fail_safe_process(MdFailSafe *fs, guint64 now_ms)
{
  if (!fs->armed || now_ms < fs->deadline_ms)
    return FALSE;
  md_fail_safe_disarm(fs);
  return TRUE;
}
