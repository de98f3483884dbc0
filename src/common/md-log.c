/* SPDX-License-Identifier: Apache-2.0 */
#include "md-log.h"

#include "md-names.h"

static void
add_field(GLogField *fields, gsize *n, const char *key, guint64 value, gboolean hex, char *buf,
          gsize buf_len)
{
  if (value == MD_LOG_NONE)
    return;
  if (hex)
    g_snprintf(buf, buf_len, "%016" G_GINT64_MODIFIER "X", value);
  else
    g_snprintf(buf, buf_len, "%" G_GUINT64_FORMAT, value);
  fields[*n] = (GLogField) { key, buf, -1 };
  (*n)++;
}

void
md_log_matter(GLogLevelFlags level, guint64 fabric_index, guint64 node_id, guint64 session_id,
              const char *format, ...)
{
  g_autofree char *message = NULL;
  char fabric_buf[24], node_buf[24], session_buf[24];
  GLogField fields[6];
  gsize n = 0;
  va_list args;

  va_start(args, format);
  message = g_strdup_vprintf(format, args);
  va_end(args);

  fields[n++] = (GLogField) { "MESSAGE", message, -1 };
  fields[n++] = (GLogField) { "GLIB_DOMAIN", MD_LOG_DOMAIN, -1 };
  add_field(fields, &n, MD_LOG_FIELD_FABRIC_INDEX, fabric_index, FALSE, fabric_buf,
            sizeof(fabric_buf));
  add_field(fields, &n, MD_LOG_FIELD_NODE_ID, node_id, TRUE, node_buf, sizeof(node_buf));
  add_field(fields, &n, MD_LOG_FIELD_SESSION_ID, session_id, FALSE, session_buf,
            sizeof(session_buf));
  g_log_structured_array(level, fields, n);
}
