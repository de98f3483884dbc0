/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Logging goes through GLib's structured logging. Under journald (stderr is
 * the journal stream systemd passed in JOURNAL_STREAM) records carry their
 * fields to the journal, so `journalctl MATTER_FABRIC_INDEX=1` finds them;
 * otherwise they are printed on stderr. */

#include <glib.h>

void md_log_init(gboolean verbose);

/* Logs with the Matter context as journal fields. A field whose value is
 * MD_LOG_NONE is left out. */
#define MD_LOG_NONE G_MAXUINT64

void md_log_matter(GLogLevelFlags level, guint64 fabric_index, guint64 node_id, guint64 session_id,
                   const char *format, ...) G_GNUC_PRINTF(5, 6);
