/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Log records with the Matter context as journal fields (md-names.h), for
 * the node and the daemon alike; where records go is the daemon's
 * business (src/daemon/log.h). */

#include <glib.h>

/* A field whose value is MD_LOG_NONE is left out. */
#define MD_LOG_NONE G_MAXUINT64

/* Node ids are written as Matter writes them (16 upper-case hex digits),
 * fabric indices and session ids in decimal. */
void md_log_matter(GLogLevelFlags level, guint64 fabric_index, guint64 node_id, guint64 session_id,
                   const char *format, ...) G_GNUC_PRINTF(5, 6);
