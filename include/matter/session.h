/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Session contexts (Core spec 4.12): the secure unicast sessions PASE and
 * CASE establish, and the unsecured contexts session establishment runs
 * in. The table lives in arrays the caller provides, so nothing is
 * allocated while messages flow.
 *
 * Secure sessions go through two steps. matter_session_table_allocate()
 * takes a free slot and a local session id (random, non-zero, unique among
 * the node's sessions, 4.12.1.4) that the establishing protocol announces
 * to the peer; the slot is PENDING and takes no traffic. Once PASE or CASE
 * has derived the keys, matter_session_activate() fills the context
 * (4.12.2.1) and starts the send counter at a random value and the
 * reception window at 0.
 *
 * Slots for sessions being established can be kept apart
 * (matter_session_table_reserve_pending()): established sessions then
 * never fill them, so a new handshake never has to evict a session, and
 * eviction happens where 4.10.1.1 puts it, once a handshake has succeeded
 * (matter_session_table_needs_eviction() before activating). Without a
 * reserve, allocation fails with MATTER_ERROR_SESSION_TABLE_FULL once the
 * table is full. Either way the caller evicts as 4.10.1.1 says:
 * matter_session_table_eviction_candidate() names the least recently used
 * active session (by SessionTimestamp, the last message sent or received),
 * preferring one without open exchanges; the caller sends it a
 * CloseSession status report, closes it (matter_exchange_manager_remove_session()
 * also ends its exchanges) and allocates again. Pending sessions are never
 * evicted.
 *
 * Unsecured contexts (4.12.1.1) are keyed by the ephemeral initiator node
 * id: an incoming unsecured message with a source node id belongs to the
 * responder context of that id, one without it to the initiator context
 * named by its destination node id. A full unsecured table reuses the
 * least recently used context without open exchanges.
 *
 * Removing a session wipes the whole context, keys included. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "matter/counters.h"
#include "matter/crypto.h"
#include "matter/error.h"
#include "matter/message.h"
#include "matter/securechannel.h"

/* Session parameter defaults and limit (4.13.1; the TXT keys SII, SAI and
 * SAT carry the same values). */
#define MATTER_SESSION_IDLE_INTERVAL_DEFAULT_MS 500
#define MATTER_SESSION_ACTIVE_INTERVAL_DEFAULT_MS 300
#define MATTER_SESSION_ACTIVE_THRESHOLD_DEFAULT_MS 4000
#define MATTER_SESSION_INTERVAL_MAX_MS 3600000

#define MATTER_SESSION_ATTESTATION_CHALLENGE_LEN 16
#define MATTER_SESSION_RESUMPTION_ID_LEN 16
#define MATTER_SESSION_SHARED_SECRET_LEN 32
#define MATTER_SESSION_CAT_MAX 3
/* Operational node ids end here (ephemeral initiator ids are drawn below). */
#define MATTER_NODE_ID_OPERATIONAL_MAX UINT64_C(0xFFFFFFEFFFFFFFFF)
/* Room for any peer address the daemon uses (a UDP peer: sockaddr_in6,
 * the local address it talked to and the interface, 48 bytes). */
#define MATTER_PEER_ADDRESS_MAX 48

typedef enum {
  MATTER_TRANSPORT_UDP,
  MATTER_TRANSPORT_TCP,
  MATTER_TRANSPORT_BLE,
} MatterTransport;

/* Where the peer is. The bytes are the daemon's own (a socket address, a
 * BLE connection handle); the core only copies and compares them. */
typedef struct {
  MatterTransport transport;
  uint8_t len;
  uint8_t bytes[MATTER_PEER_ADDRESS_MAX];
} MatterPeerAddress;

typedef enum {
  MATTER_SESSION_KIND_UNSECURED,
  MATTER_SESSION_KIND_PASE,
  MATTER_SESSION_KIND_CASE,
} MatterSessionKind;

typedef enum {
  MATTER_SESSION_ROLE_INITIATOR,
  MATTER_SESSION_ROLE_RESPONDER,
} MatterSessionRole;

typedef enum {
  MATTER_SESSION_FREE,
  MATTER_SESSION_PENDING, /* secure: id allocated, being established */
  MATTER_SESSION_ACTIVE,
} MatterSessionState;

typedef struct {
  MatterSessionState state;
  MatterSessionKind kind;
  MatterSessionRole role;
  uint16_t local_session_id; /* 0 for unsecured contexts */
  uint16_t peer_session_id;
  uint8_t fabric_index;                       /* 0: no fabric (PASE before AddNOC) */
  uint64_t local_node_id;                     /* 0 unless CASE */
  uint64_t peer_node_id;                      /* 0 unless CASE */
  uint64_t ephemeral_node_id;                 /* unsecured: the ephemeral initiator node id */
  uint32_t peer_cats[MATTER_SESSION_CAT_MAX]; /* CASE Authenticated Tags, 0 when absent */
  uint8_t i2r_key[MATTER_AES128_KEY_LEN];
  uint8_t r2i_key[MATTER_AES128_KEY_LEN];
  uint8_t attestation_challenge[MATTER_SESSION_ATTESTATION_CHALLENGE_LEN];
  bool has_resumption; /* CASE: the two fields below are valid */
  uint8_t resumption_id[MATTER_SESSION_RESUMPTION_ID_LEN];
  uint8_t shared_secret[MATTER_SESSION_SHARED_SECRET_LEN];
  MatterSessionParams peer_params; /* as the peer announced them; absent fields take defaults */
  MatterPeerAddress peer_address;
  uint64_t created_ms;
  uint64_t last_activity_ms;         /* SessionTimestamp: last message sent or received */
  uint64_t last_receive_ms;          /* ActiveTimestamp: last message received */
  MatterMessageCounter send_counter; /* secure only: unsecured messages use the global one */
  MatterReplayWindow peer_window;
  unsigned exchanges; /* open exchanges bound to the session */
  bool expired;       /* to be closed: send counter spent */
} MatterSession;

/* What an establishment protocol hands over when it completes. The caller
 * wipes its copy (matter_secure_zero()) afterwards. */
typedef struct {
  MatterSessionKind kind; /* PASE or CASE */
  MatterSessionRole role;
  uint16_t peer_session_id;
  uint8_t fabric_index;
  uint64_t local_node_id;
  uint64_t peer_node_id;
  uint32_t peer_cats[MATTER_SESSION_CAT_MAX];
  uint8_t i2r_key[MATTER_AES128_KEY_LEN];
  uint8_t r2i_key[MATTER_AES128_KEY_LEN];
  uint8_t attestation_challenge[MATTER_SESSION_ATTESTATION_CHALLENGE_LEN];
  bool has_resumption;
  uint8_t resumption_id[MATTER_SESSION_RESUMPTION_ID_LEN];
  uint8_t shared_secret[MATTER_SESSION_SHARED_SECRET_LEN];
  MatterSessionParams peer_params;
  MatterPeerAddress peer_address;
} MatterSessionSetup;

typedef struct {
  MatterSession *secure;
  size_t secure_capacity;
  MatterSession *unsecured;
  size_t unsecured_capacity;
  size_t pending_reserve; /* secure slots established sessions leave free */
  MatterRandomSource rng;
} MatterSessionTable;

/* Takes the two arrays (@secure_capacity at most 65534) and clears them.
 * @rng may be NULL for the DRBG. */
MatterError matter_session_table_init(MatterSessionTable *table, MatterSession *secure,
                                      size_t secure_capacity, MatterSession *unsecured,
                                      size_t unsecured_capacity, const MatterRandomSource *rng);
/* Wipes every context. */
void matter_session_table_clear(MatterSessionTable *table);

/* Keeps @count secure slots (fewer than the capacity) for pending
 * sessions: at most secure_capacity - @count sessions are active. */
MatterError matter_session_table_reserve_pending(MatterSessionTable *table, size_t count);
MatterError matter_session_table_allocate(MatterSessionTable *table, uint64_t now_ms,
                                          MatterSession **session);
/* True when activating one more session would take a reserved slot: the
 * caller evicts one first (matter_session_table_eviction_candidate()). */
bool matter_session_table_needs_eviction(const MatterSessionTable *table);
MatterError matter_session_activate(MatterSessionTable *table, MatterSession *session,
                                    const MatterSessionSetup *setup, uint64_t now_ms);
/* The active secure session with that local id, or NULL. */
MatterSession *matter_session_table_find(MatterSessionTable *table, uint16_t local_session_id);
/* NULL when no active session can go. */
MatterSession *matter_session_table_eviction_candidate(MatterSessionTable *table);
/* Frees the slot (secure or unsecured) and wipes it. */
void matter_session_table_remove(MatterSessionTable *table, MatterSession *session);
/* Active secure sessions. */
size_t matter_session_table_count(const MatterSessionTable *table);

/* The unsecured context of an incoming unsecured message, created as a
 * responder context when the message carries a source node id and none
 * matches. MATTER_ERROR_SESSION_NOT_FOUND for a message that names no
 * context (to be dropped). */
MatterError matter_session_table_unsecured_for_message(MatterSessionTable *table,
                                                       const MatterMessageHeader *header,
                                                       const MatterPeerAddress *peer,
                                                       uint64_t now_ms, MatterSession **session);
/* A new initiator context with a fresh ephemeral node id, for the first
 * message of a session establishment the node starts. */
MatterError matter_session_table_new_unsecured(MatterSessionTable *table,
                                               const MatterPeerAddress *peer, uint64_t now_ms,
                                               MatterSession **session);

/* The peer's SESSION_IDLE_INTERVAL, SESSION_ACTIVE_INTERVAL and
 * SESSION_ACTIVE_THRESHOLD: what it announced, else the default; the
 * intervals at most MATTER_SESSION_INTERVAL_MAX_MS. */
uint32_t matter_session_peer_idle_interval(const MatterSession *session);
uint32_t matter_session_peer_active_interval(const MatterSession *session);
uint32_t matter_session_peer_active_threshold(const MatterSession *session);
/* PeerActiveMode (4.12.2.1): a message came from the peer within its
 * active threshold. */
bool matter_session_peer_active(const MatterSession *session, uint64_t now_ms);
/* The peer's active or idle interval, as PeerActiveMode selects. */
uint32_t matter_session_peer_interval(const MatterSession *session, uint64_t now_ms);
/* Records traffic: SessionTimestamp always, ActiveTimestamp on receipt. */
void matter_session_touch(MatterSession *session, uint64_t now_ms, bool received);

/* The key for messages this node sends, and for those it receives: I2R
 * for the initiator's direction, R2I for the responder's. */
const uint8_t *matter_session_send_key(const MatterSession *session);
const uint8_t *matter_session_receive_key(const MatterSession *session);
/* The source node id of the nonce (4.7.1.1) for sent and received
 * messages: the sender's operational node id for CASE, unspecified for
 * PASE. */
uint64_t matter_session_send_nonce_node(const MatterSession *session);
uint64_t matter_session_receive_nonce_node(const MatterSession *session);
