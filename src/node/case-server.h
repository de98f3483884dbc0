/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The responder's side of CASE (Core spec 4.14.2) on the message layer:
 * answers Sigma1 for every fabric in the fabric table's view (the pending
 * one too, so that a commissioner can reach the node over CASE for
 * CommissioningComplete), turns an established handshake into a CASE
 * session bound to its fabric and peer, and keeps a resumption record per
 * peer (resumption-store.h) so that the peer can resume later, also after
 * a restart.
 *
 * Up to MD_CASE_HANDSHAKES_MAX handshakes run at once, each with its own
 * responder, exchange and pending session:
 * - one handshake per peer address: a new Sigma1 from an address replaces
 *   that address's earlier handshake;
 * - a step must come within CASE_STEP_TIMEOUT_MS;
 * - when every slot is taken, a new Sigma1 takes the slot of a handshake
 *   that has not moved on for CASE_STALE_MS; only when all are moving on
 *   does it get BUSY, with the time until the first may be replaced.
 * The session table keeps slots for pending sessions (the node reserves
 * them for PASE and CASE together), and an established handshake evicts
 * the least recently used session when the table is full (4.10.1.1). */

#include <glib.h>

#include "fabric-table.h"
#include "matter/exchange.h"
#include "node.h"
#include "resumption-store.h"

/* Handshakes served at once. */
#define MD_CASE_HANDSHAKES_MAX 8
/* Resumption records kept per fabric (one per peer). */
#define MD_CASE_RESUMPTIONS_PER_FABRIC 8

typedef struct _MdCaseServer MdCaseServer;

/* Serves CASE for @fabrics on @exchanges, keeping resumption records in
 * @resumptions; all must outlive it. */
MdCaseServer *md_case_server_new(MdNode *node, MdFabricTable *fabrics,
                                 MdResumptionStore *resumptions, MatterExchangeManager *exchanges,
                                 MatterSessionTable *sessions);
void md_case_server_free(MdCaseServer *server);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdCaseServer, md_case_server_free)

/* An unsolicited Sigma1 on @exchange (of an unsecured session): the
 * server takes the exchange. */
void md_case_server_handle_sigma1(MdCaseServer *server, MatterExchange *exchange,
                                  const uint8_t *payload, size_t len, guint64 now_ms);
