/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The commissionee's side of PASE (Core spec 4.14.1) on the message
 * layer: answers PBKDFParamRequest while a commissioning window is open,
 * turns an established handshake into a PASE session, and counts attempts
 * with the commissioning window (commissioning.h). As the Secure Channel
 * protocol's one handler it also hands Sigma1 to the CASE server
 * (case-server.h) and ends secure sessions the peer closes (CloseSession).
 *
 * Up to MD_PASE_HANDSHAKES_MAX handshakes run at once, each with its own
 * responder, exchange, pending session and counted attempt, so that one
 * unauthenticated request cannot hold commissioning up:
 * - one handshake per peer address: a new request from an address
 *   replaces that address's earlier handshake;
 * - a step must come within PASE_STEP_TIMEOUT_MS;
 * - when every slot is taken, a new request takes the slot of a handshake
 *   that has not moved on for PASE_STALE_MS (PASE_BLIND_STALE_MS when its
 *   peer never acknowledged our PBKDFParamResponse), blind ones first;
 * - only when all are moving on does the request get BUSY, with the time
 *   until the first may be replaced.
 * Malformed requests, and requests while no window is open, are refused
 * without taking a slot, and without R. The session table keeps
 * MD_NODE_HANDSHAKES_MAX slots for pending sessions, so a handshake never
 * evicts anyone before it has succeeded; then the least recently used
 * session is closed with CloseSession if the table is full (4.10.1.1). */

#include <glib.h>

#include "matter/exchange.h"
#include "node.h"

/* Handshakes served at once. */
#define MD_PASE_HANDSHAKES_MAX 16

typedef struct _MdPaseServer MdPaseServer;

/* Serves PASE for @node's commissioning window on @exchanges, keeping
 * MD_PASE_HANDSHAKES_MAX slots of @sessions for its handshakes. */
MdPaseServer *md_pase_server_new(MdNode *node, MatterExchangeManager *exchanges,
                                 MatterSessionTable *sessions, GError **error);
void md_pase_server_free(MdPaseServer *server);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdPaseServer, md_pase_server_free)
