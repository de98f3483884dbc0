/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Logging goes through GLib's structured logging. Under journald (stderr is
 * the journal stream systemd passed in JOURNAL_STREAM) records carry their
 * fields to the journal, so `journalctl MATTER_FABRIC_INDEX=1` finds them;
 * otherwise they are printed on stderr. */

#include <glib.h>

#include "md-log.h"

void md_log_init(gboolean verbose);
