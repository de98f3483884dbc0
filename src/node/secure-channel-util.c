/* SPDX-License-Identifier: Apache-2.0 */
#define G_LOG_DOMAIN "matterd"

#include "secure-channel-util.h"

#include <string.h>

#include "matter/securechannel.h"
#include "md-log.h"

void
md_sc_send(MatterExchange *exchange, uint8_t opcode, const guint8 *payload, gsize len,
           unsigned flags, guint64 now)
{
  MatterError err =
      matter_exchange_send(exchange, MATTER_PROTOCOL_SECURE_CHANNEL, opcode, payload, len, flags, now);

  if (err != MATTER_OK)
    g_warning("Cannot send %s: %s", matter_sc_opcode_name(opcode), matter_error_str(err));
}

void
md_sc_send_status(MatterExchange *exchange, uint16_t general, uint16_t code, unsigned flags,
                  guint64 now)
{
  guint8 buf[MATTER_STATUS_REPORT_MIN_LEN];
  size_t len;

  if (matter_status_report_encode_sc(general, code, buf, sizeof(buf), &len) == MATTER_OK)
    md_sc_send(exchange, MATTER_SC_OPCODE_STATUS_REPORT, buf, len, flags, now);
}

void
md_sc_refuse(MatterExchange *exchange, uint16_t general, uint16_t code, guint64 now)
{
  md_sc_send_status(exchange, general, code, 0, now);
  matter_exchange_close(exchange, now);
}

void
md_sc_reply_busy(MatterExchange *exchange, guint64 wait_ms, guint64 now)
{
  guint8 busy[MATTER_STATUS_REPORT_BUSY_LEN];
  size_t busy_len;

  if (matter_status_report_encode_busy((uint16_t) MIN(wait_ms, G_MAXUINT16), busy, sizeof(busy),
                                       &busy_len) == MATTER_OK)
    md_sc_send(exchange, MATTER_SC_OPCODE_STATUS_REPORT, busy, busy_len, 0, now);
  matter_exchange_close(exchange, now);
}

void
md_sc_make_room(MdNode *node, MatterExchangeManager *exchanges, MatterSessionTable *sessions,
                guint64 now)
{
  MatterSession *victim;

  if (!matter_session_table_needs_eviction(sessions))
    return;
  victim = matter_session_table_eviction_candidate(sessions);
  if (victim == NULL)
    return;
  md_log_matter(G_LOG_LEVEL_MESSAGE, victim->fabric_index ? victim->fabric_index : MD_LOG_NONE,
                MD_LOG_NONE, victim->local_session_id,
                "Session table full: closing the least recently used session %u",
                victim->local_session_id);
  md_node_session_closing(node, victim, now);
  matter_exchange_manager_close_session(exchanges, victim, now);
}

gboolean
md_peer_address_equal(const MatterPeerAddress *a, const MatterPeerAddress *b)
{
  return a->transport == b->transport && a->len == b->len &&
         memcmp(a->bytes, b->bytes, a->len) == 0;
}
