/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The node model: who this node is (vendor, product, discriminator), what
 * it holds (fabrics), its commissioning window and the PASE responder on
 * the message layer. It does no I/O: its state goes through the storage
 * it is given (node-storage.h), time comes in as monotonic milliseconds,
 * and what it needs from the daemon beside that comes through MdNodeHost.
 * The daemon calls md_node_process() at md_node_next_deadline(), from the
 * same timer that drives the exchange manager. */

#include <glib.h>

#include "app-endpoints.h"
#include "attestation-creds.h"
#include "clusters/clusters.h"
#include "matter/event-log.h"
#include "matter/exchange.h"
#include "matter/im-engine.h"
#include "matter/payload.h"
#include "matter/session.h"
#include "node-storage.h"

/* No deadline. */
#define MD_NODE_NEVER G_MAXUINT64
/* PASE and CASE handshakes served at once (MD_PASE_HANDSHAKES_MAX +
 * MD_CASE_HANDSHAKES_MAX): the session slots the node keeps for pending
 * sessions, which the daemon's session table must leave room for. */
#define MD_NODE_HANDSHAKES_MAX 24

typedef struct _MdNode MdNode;
typedef struct _MdCommissioning MdCommissioning;
typedef struct _MdCaseServer MdCaseServer;

/* What the node is configured with (the daemon takes it from
 * matterd.conf). */
typedef struct {
  guint16 vendor_id;
  guint16 product_id;
  gboolean has_discriminator; /* else chosen at first start and kept */
  guint16 discriminator;
  guint8 supported_fabrics;
  guint window_timeout; /* seconds, 180..900 */
  gboolean has_passcode; /* else chosen at first start and kept */
  guint32 passcode;
  MdBasicInformationParams basic; /* vendor and product ids are set from the above */
  MdBootReason boot_reason;       /* what the host knows of why it started */
} MdNodeParams;

/* What changed, for the daemon to announce (D-Bus, sd_notify status). */
typedef enum {
  MD_NODE_CHANGE_WINDOW,   /* the commissioning window opened or closed */
  MD_NODE_CHANGE_SESSIONS, /* a secure session was established or ended */
  MD_NODE_CHANGE_FABRICS,  /* the fabric table's view changed (pending included) */
  MD_NODE_CHANGE_IDENTITY, /* NodeLabel, Location or UniqueID may have changed */
  MD_NODE_CHANGE_ENDPOINTS, /* an application endpoint came, went or changed reachability */
} MdNodeChange;

typedef struct {
  void (*changed)(MdNodeChange change, gpointer user_data);
  /* A peer address for log lines, e.g. "[fe80::1%eth0]:5540". */
  char *(*peer_to_string)(const MatterPeerAddress *peer, gpointer user_data);
  /* Forwards to application endpoints (app-endpoints.h), with @host_data;
   * NULL: none can be registered. */
  const MdAppHost *apps;
} MdNodeHost;

/* Resolves the node's identity from @params and @storage: a discriminator
 * not configured is chosen at random at first start and kept, so the node
 * announces the same one across restarts. The node takes @attestation,
 * serves PASE on @exchanges (keeping slots of @sessions for its
 * handshakes) and tells @host (with @host_data) what changes. @storage,
 * @exchanges, @sessions and @host must outlive it. */
MdNode *md_node_new(const MdNodeParams *params, const MdNodeStorage *storage,
                    MdAttestationCreds *attestation, MatterExchangeManager *exchanges,
                    MatterSessionTable *sessions, const MdNodeHost *host, gpointer host_data,
                    GError **error);
void md_node_free(MdNode *node);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdNode, md_node_free)

/* Opens the commissioning window when the node belongs to no fabric. */
void md_node_start(MdNode *node, guint64 now_ms);
/* Before a clean exit: stores what is kept across runs only now and then
 * (the operational hours). */
gboolean md_node_stop(MdNode *node, guint64 now_ms, GError **error);
/* When md_node_process() is next due; MD_NODE_NEVER for never. */
guint64 md_node_next_deadline(MdNode *node);
void md_node_process(MdNode *node, guint64 now_ms);

guint16 md_node_get_vendor_id(MdNode *node);
guint16 md_node_get_product_id(MdNode *node);
guint16 md_node_get_discriminator(MdNode *node);
guint8 md_node_get_supported_fabrics(MdNode *node);
MdAttestationCreds *md_node_get_attestation(MdNode *node);
MdCommissioning *md_node_get_commissioning(MdNode *node);
/* The host's network interface the node is reachable on (NULL: none but
 * loopback) and whether it has carrier, as the daemon last found it. TRUE
 * when that changed what the node reports (reports may then be due). */
gboolean md_node_set_network_interface(MdNode *node, const char *name, gboolean connected);

/* The event log (Basic Information StartUp, ShutDown and Leave, General
 * Diagnostics BootReason, Access Control AccessControlEntryChanged). */
const MatterEventLog *md_node_get_events(MdNode *node);

/* The data model and the Interaction Model engine serving it. */
MatterDmNode *md_node_get_dm(MdNode *node);
/* The host's network interfaces for General Diagnostics; TRUE when that
 * changed what the node reports. */
gboolean md_node_set_network_interfaces(MdNode *node, const MdNetworkInterfaceSnapshot *interfaces,
                                        gsize count);
MatterImEngine *md_node_get_engine(MdNode *node);
/* The Group Table that application endpoints' Groups clusters share
 * (md_groups_cluster_init()). */
MdGroups *md_node_get_groups(MdNode *node);

/* Fabrics committed to the store; -1 with @error set when it cannot be read. */
int md_node_count_fabrics(MdNode *node, GError **error);
/* The fabric table (committed fabrics, and the one the fail-safe holds). */
MdFabricTable *md_node_get_fabrics(MdNode *node);

/* For the node's parts: report a change, name a peer. */
void md_node_changed(MdNode *node, MdNodeChange change);
/* A secure session is about to go because its peer closed it or the
 * table evicted it: what lived only as long as it (a fail-safe armed over
 * PASE) ends too. */
void md_node_session_closing(MdNode *node, const MatterSession *session, guint64 now_ms);
/* The link to @peer went (a BLE connection dropped): its sessions and
 * handshakes end at once, without CloseSession, and a fail-safe armed over
 * one of its PASE sessions expires with it. */
void md_node_link_lost(MdNode *node, const MatterPeerAddress *peer, guint64 now_ms);
/* The CASE server, for the Secure Channel protocol's handler. */
MdCaseServer *md_node_get_case_server(MdNode *node);
char *md_node_peer_to_string(MdNode *node, const MatterPeerAddress *peer);

/* ---- What the host (D-Bus) asks of the node ----
 * Errors are the public MdErrors the D-Bus API documents: INVALID_ARGUMENT,
 * BUSY, NOT_FOUND, and others for the store's failures. */

/* Basic Information's UniqueID, NodeLabel and Location. */
const char *md_node_get_unique_id(MdNode *node);
const char *md_node_get_node_label(MdNode *node);
const char *md_node_get_location(MdNode *node);
/* Stores and reports a new NodeLabel (UTF-8, at most 32 bytes). */
gboolean md_node_set_node_label(MdNode *node, const char *label, GError **error);

/* Opens a window for @timeout seconds (MD_WINDOW_TIMEOUT_MIN..MAX): an
 * enhanced one with a fresh passcode when the node is on a fabric, the
 * basic one otherwise. BUSY when a window is open or a fail-safe armed. */
gboolean md_node_open_window(MdNode *node, guint timeout, guint64 now_ms, GError **error);
/* Closes the window and ends a commissioning through it; NOT_FOUND when
 * none is open. */
gboolean md_node_close_window(MdNode *node, guint64 now_ms, GError **error);
/* When the open window closes (MD_NODE_NEVER: closed). */
guint64 md_node_get_window_closes_at(MdNode *node);
/* The codes of the open window (md_commissioning_get_window_codes()). */
gboolean md_node_get_window_codes(MdNode *node, char qr_code[MATTER_PAYLOAD_QR_SIZE],
                                  char manual_code[MATTER_PAYLOAD_MANUAL_SIZE], GError **error);

/* Leaves the fabric as RemoveFabric does. NOT_FOUND for no such fabric,
 * BUSY for the one a fail-safe is still commissioning. */
gboolean md_node_remove_fabric(MdNode *node, guint8 fabric_index, guint64 now_ms,
                               GError **error);

/* An established secure session, as the host sees it. */
typedef struct {
  guint16 id; /* the node's local session id */
  MatterSessionKind kind;
  guint8 fabric_index; /* 0: none */
  guint64 peer_node_id; /* 0: PASE */
  MatterPeerAddress peer_address;
  guint64 established_ms;   /* monotonic, as now_ms */
  guint64 last_activity_ms; /* when a message of it last arrived */
} MdSessionInfo;

/* The established secure sessions, an array of MdSessionInfo. */
GArray *md_node_list_sessions(MdNode *node);
/* Sends CloseSession to the peer and removes the session; NOT_FOUND. */
gboolean md_node_close_session(MdNode *node, guint16 id, guint64 now_ms, GError **error);

/* Leaves every fabric and forgets every key, ACL entry, group key,
 * resumption record and subscription, chooses a new UniqueID and
 * passcode (the configured one if any), all in one storage transaction,
 * then opens the basic window. Counters keep counting up. */
gboolean md_node_factory_reset(MdNode *node, guint64 now_ms, GError **error);
