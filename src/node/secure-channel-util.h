/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* What the PASE and CASE servers share on the message layer: sending on a
 * Secure Channel exchange, refusing a request at the door, BUSY, making
 * room in the session table once a handshake succeeded (4.10.1.1), and
 * telling peers apart by address. */

#include <glib.h>

#include "matter/exchange.h"
#include "node.h"

/* Sends on @exchange, logging a failure. */
void md_sc_send(MatterExchange *exchange, uint8_t opcode, const guint8 *payload, gsize len,
                unsigned flags, guint64 now);
/* A StatusReport of the Secure Channel protocol. */
void md_sc_send_status(MatterExchange *exchange, uint16_t general, uint16_t code, unsigned flags,
                       guint64 now);
/* Refuses a request before any state exists for it: the StatusReport goes
 * without R, like BUSY (4.10.1.5), so a peer that never completed anything
 * pins no exchange while MRP retries; the exchange closes. */
void md_sc_refuse(MatterExchange *exchange, uint16_t general, uint16_t code, guint64 now);
/* BUSY asking to wait @wait_ms (the caller bounds it), without R, in the
 * request's exchange, which closes. */
void md_sc_reply_busy(MatterExchange *exchange, guint64 wait_ms, guint64 now);
/* Before activating a session: when only the slots kept for handshakes
 * are left, the least recently used session is closed with CloseSession. */
void md_sc_make_room(MdNode *node, MatterExchangeManager *exchanges, MatterSessionTable *sessions,
                     guint64 now);
gboolean md_peer_address_equal(const MatterPeerAddress *a, const MatterPeerAddress *b);
