/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The message layer in the daemon: the UDP transport, the session table
 * and the exchange manager of the protocol core, driven from the GLib main
 * loop. Datagrams go to the exchange manager (decrypt, dedupe, MRP,
 * dispatch), its deadlines become one timeout source, its outgoing
 * messages go back out of the socket, and the global unencrypted counter's
 * reservations go to the store. Protocol handlers (secure channel, later
 * the Interaction Model) register with the exchange manager. */

#include <glib.h>

#include "matter/exchange.h"
#include "store.h"

/* The tables are sized at start from what the node supports:
 * - secure sessions: 3 CASE sessions per supported fabric (the minimum of
 *   Core spec 4.13.2.8), MD_MESSAGING_PASE_SESSIONS established PASE
 *   sessions, and the slots kept for handshakes in progress;
 * - unsecured contexts: two per handshake slot, one for the handshake and
 *   one for a peer being refused or acknowledged;
 * - exchanges: MD_MESSAGING_EXCHANGES_PER_SESSION per secure session, and
 *   two per unsecured context. */
#define MD_MESSAGING_CASE_SESSIONS_PER_FABRIC 3
#define MD_MESSAGING_PASE_SESSIONS 2
#define MD_MESSAGING_EXCHANGES_PER_SESSION 2

typedef struct _MdMessaging MdMessaging;

typedef void (*MdMessagingSessionsChangedFunc)(MdMessaging *messaging, gpointer user_data);

/* Tables for @supported_fabrics fabrics and @handshakes session
 * establishments at once. */
MdMessaging *md_messaging_new(MdStore *store, guint16 port, guint supported_fabrics,
                              guint handshakes, GError **error);
void md_messaging_free(MdMessaging *messaging);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdMessaging, md_messaging_free)

guint16 md_messaging_get_port(MdMessaging *messaging);
MatterExchangeManager *md_messaging_get_exchanges(MdMessaging *messaging);
MatterSessionTable *md_messaging_get_sessions(MdMessaging *messaging);

/* Active secure sessions. */
guint md_messaging_count_sessions(MdMessaging *messaging);
void md_messaging_set_sessions_changed_func(MdMessaging *messaging,
                                            MdMessagingSessionsChangedFunc func, gpointer user_data);
/* Handlers call this after they added or removed a session. */
void md_messaging_sessions_changed(MdMessaging *messaging);

/* Others driven by the same timer as the exchange manager (the node):
 * @process runs when @next_deadline (MATTER_MRP_NEVER for never) comes. */
typedef struct {
  guint64 (*next_deadline)(gpointer user_data);
  void (*process)(gpointer user_data, guint64 now_ms);
} MdMessagingTimerClient;

void md_messaging_set_timer_client(MdMessaging *messaging, const MdMessagingTimerClient *client,
                                   gpointer user_data);

/* The clock the core runs on: monotonic milliseconds. */
guint64 md_messaging_now_ms(void);
/* Re-arms the timer after something called into the exchange manager or
 * the timer client outside of a receive (a receive re-arms it itself). */
void md_messaging_reschedule(MdMessaging *messaging);

/* "[addr]:port" of a session's peer, or "BLE connection N", for logs and
 * D-Bus. */
char *md_messaging_peer_to_string(const MatterPeerAddress *peer);

/* ---- BTP over BLE, beside UDP ----
 * Each BLE connection gets a number of its own, so that a session of an
 * earlier connection never matches a later one. MRP stays off over it
 * (the core's exchange manager knows BLE is reliable). */

/* Sends one message over BLE connection @connection. */
typedef gboolean (*MdMessagingBleSendFunc)(guint32 connection, const guint8 *msg, gsize len,
                                           gpointer user_data, GError **error);

void md_messaging_set_ble_send_func(MdMessaging *messaging, MdMessagingBleSendFunc func,
                                    gpointer user_data);
/* A message that arrived over BLE connection @connection. */
void md_messaging_receive_ble(MdMessaging *messaging, guint32 connection, const guint8 *msg,
                              gsize len);
/* The peer address of BLE connection @connection, as sessions carry it. */
void md_messaging_ble_peer(guint32 connection, MatterPeerAddress *peer);
