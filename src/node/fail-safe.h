/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The fail-safe context (core spec 11.10.7.2): armed by ArmFailSafe for a
 * number of seconds, re-armable but never past a cumulative limit from
 * its first arming, tied to the fabric of the administrator that armed it
 * (0 over PASE before AddNOC). Time is passed in; the node runs the
 * cleanup when md_fail_safe_process() says it expired. */

#include <glib.h>

/* BasicCommissioningInfo: what a commissioner may rely on. */
#define MD_FAIL_SAFE_EXPIRY_LENGTH_S 60
#define MD_FAIL_SAFE_MAX_CUMULATIVE_S 900

typedef struct {
  gboolean armed;
  guint8 fabric_index;
  guint64 deadline_ms;
  guint64 limit_ms; /* first arming + MD_FAIL_SAFE_MAX_CUMULATIVE_S */
} MdFailSafe;

/* Arms, or re-arms, for @seconds (not 0) on behalf of @fabric_index. */
void md_fail_safe_arm(MdFailSafe *fs, guint8 fabric_index, guint16 seconds, guint64 now_ms);
void md_fail_safe_disarm(MdFailSafe *fs);
/* G_MAXUINT64 when not armed. */
guint64 md_fail_safe_next_deadline(const MdFailSafe *fs);
/* TRUE once, when the timer ran out: the context is then disarmed. */
gboolean md_fail_safe_process(MdFailSafe *fs, guint64 now_ms);
