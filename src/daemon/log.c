/* SPDX-License-Identifier: Apache-2.0 */
#define G_LOG_DOMAIN "matterd"

#include "log.h"

#include <stdio.h>
#include <unistd.h>

static gboolean log_verbose;
static gboolean log_to_journal;

static const char *
log_domain(const GLogField *fields, gsize n_fields)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal(fields[i].key, "GLIB_DOMAIN"))
      return fields[i].value;
  return NULL;
}

/* --verbose shows matterd's own debug messages; G_MESSAGES_DEBUG still
 * selects other domains (GLib's, say) the usual way. */
static gboolean
wants_debug(const GLogField *fields, gsize n_fields)
{
  const char *domain = log_domain(fields, n_fields);

  if (log_verbose && g_strcmp0(domain, G_LOG_DOMAIN) == 0)
    return TRUE;
  return !g_log_writer_default_would_drop(G_LOG_LEVEL_DEBUG, domain);
}

static GLogWriterOutput
write_log(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  if ((level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO)) && !wants_debug(fields, n_fields))
    return G_LOG_WRITER_HANDLED;

  if (log_to_journal && g_log_writer_journald(level, fields, n_fields, user_data) ==
                          G_LOG_WRITER_HANDLED)
    return G_LOG_WRITER_HANDLED;

  return g_log_writer_standard_streams(level, fields, n_fields, user_data);
}

void
md_log_init(gboolean verbose)
{
  log_verbose = verbose;
  log_to_journal = g_log_writer_is_journald(fileno(stderr));
  /* A daemon's stdout is nobody's business: every level goes to stderr. */
  g_log_writer_default_set_use_stderr(TRUE);
  g_log_set_writer_func(write_log, NULL, NULL);
}
