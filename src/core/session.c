/* SPDX-License-Identifier: Apache-2.0 */
#include "matter/session.h"

#include <string.h>

static void
wipe(MatterSession *session)
{
  matter_secure_zero(session, sizeof(*session));
}

MatterError
matter_session_table_init(MatterSessionTable *table, MatterSession *secure, size_t secure_capacity,
                          MatterSession *unsecured, size_t unsecured_capacity,
                          const MatterRandomSource *rng)
{
  if (!table || (!secure && secure_capacity > 0) || (!unsecured && unsecured_capacity > 0) ||
      secure_capacity > UINT16_MAX - 1)
    return MATTER_ERROR_INVALID_ARGUMENT;
  memset(table, 0, sizeof(*table));
  table->secure = secure;
  table->secure_capacity = secure_capacity;
  table->unsecured = unsecured;
  table->unsecured_capacity = unsecured_capacity;
  if (rng)
    table->rng = *rng;
  matter_session_table_clear(table);
  return MATTER_OK;
}

void
matter_session_table_clear(MatterSessionTable *table)
{
  for (size_t i = 0; i < table->secure_capacity; i++)
    wipe(&table->secure[i]);
  for (size_t i = 0; i < table->unsecured_capacity; i++)
    wipe(&table->unsecured[i]);
}

static MatterSession *
free_slot(MatterSession *slots, size_t capacity)
{
  for (size_t i = 0; i < capacity; i++)
    if (slots[i].state == MATTER_SESSION_FREE)
      return &slots[i];
  return NULL;
}

static bool
id_in_use(const MatterSessionTable *table, uint16_t id)
{
  for (size_t i = 0; i < table->secure_capacity; i++)
    if (table->secure[i].state != MATTER_SESSION_FREE && table->secure[i].local_session_id == id)
      return true;
  return false;
}

/* A random start, then the next free id: ends because the table holds
 * fewer sessions than there are ids. */
static MatterError
unique_session_id(const MatterSessionTable *table, uint16_t *id)
{
  uint8_t bytes[2];
  uint16_t candidate;
  MatterError err;

  err = matter_counters_random(&table->rng, bytes, sizeof(bytes));
  if (err != MATTER_OK)
    return err;
  candidate = (uint16_t) (bytes[0] | bytes[1] << 8);
  while (candidate == 0 || id_in_use(table, candidate))
    candidate++;
  *id = candidate;
  return MATTER_OK;
}

MatterError
matter_session_table_reserve_pending(MatterSessionTable *table, size_t count)
{
  if (!table || count >= table->secure_capacity)
    return MATTER_ERROR_INVALID_ARGUMENT;
  table->pending_reserve = count;
  return MATTER_OK;
}

bool
matter_session_table_needs_eviction(const MatterSessionTable *table)
{
  return table->pending_reserve > 0 &&
         matter_session_table_count(table) >= table->secure_capacity - table->pending_reserve;
}

MatterError
matter_session_table_allocate(MatterSessionTable *table, uint64_t now_ms, MatterSession **session)
{
  MatterSession *slot;
  uint16_t id;
  MatterError err;

  if (!table || !session)
    return MATTER_ERROR_INVALID_ARGUMENT;
  slot = free_slot(table->secure, table->secure_capacity);
  if (!slot)
    return MATTER_ERROR_SESSION_TABLE_FULL;
  err = unique_session_id(table, &id);
  if (err != MATTER_OK)
    return err;
  wipe(slot);
  slot->state = MATTER_SESSION_PENDING;
  slot->local_session_id = id;
  slot->created_ms = now_ms;
  slot->last_activity_ms = now_ms;
  slot->last_receive_ms = now_ms;
  *session = slot;
  return MATTER_OK;
}

static void
copy_setup(MatterSession *session, const MatterSessionSetup *setup)
{
  session->kind = setup->kind;
  session->role = setup->role;
  session->peer_session_id = setup->peer_session_id;
  session->fabric_index = setup->fabric_index;
  session->local_node_id = setup->local_node_id;
  session->peer_node_id = setup->peer_node_id;
  memcpy(session->peer_cats, setup->peer_cats, sizeof(session->peer_cats));
  memcpy(session->i2r_key, setup->i2r_key, sizeof(session->i2r_key));
  memcpy(session->r2i_key, setup->r2i_key, sizeof(session->r2i_key));
  memcpy(session->attestation_challenge, setup->attestation_challenge,
         sizeof(session->attestation_challenge));
  session->has_resumption = setup->has_resumption;
  memcpy(session->resumption_id, setup->resumption_id, sizeof(session->resumption_id));
  memcpy(session->shared_secret, setup->shared_secret, sizeof(session->shared_secret));
  session->peer_params = setup->peer_params;
  session->peer_address = setup->peer_address;
}

MatterError
matter_session_activate(MatterSessionTable *table, MatterSession *session,
                        const MatterSessionSetup *setup, uint64_t now_ms)
{
  MatterError err;

  if (!table || !session || !setup || session->state != MATTER_SESSION_PENDING ||
      (setup->kind != MATTER_SESSION_KIND_PASE && setup->kind != MATTER_SESSION_KIND_CASE) ||
      setup->peer_session_id == 0)
    return MATTER_ERROR_INVALID_ARGUMENT;
  err = matter_message_counter_init(&session->send_counter, false, &table->rng);
  if (err != MATTER_OK)
    return err;
  copy_setup(session, setup);
  /* Secure unicast peers start their counters at 1 or above. */
  matter_replay_window_init(&session->peer_window, 0);
  session->created_ms = now_ms;
  session->last_activity_ms = now_ms;
  session->last_receive_ms = now_ms;
  session->state = MATTER_SESSION_ACTIVE;
  return MATTER_OK;
}

MatterSession *
matter_session_table_find(MatterSessionTable *table, uint16_t local_session_id)
{
  if (local_session_id == 0)
    return NULL;
  for (size_t i = 0; i < table->secure_capacity; i++) {
    MatterSession *session = &table->secure[i];

    if (session->state == MATTER_SESSION_ACTIVE && session->local_session_id == local_session_id)
      return session;
  }
  return NULL;
}

/* The least recently used active session, among those without exchanges
 * when @idle_only. */
static MatterSession *
least_recently_used(MatterSession *slots, size_t capacity, bool idle_only)
{
  MatterSession *oldest = NULL;

  for (size_t i = 0; i < capacity; i++) {
    MatterSession *session = &slots[i];

    if (session->state != MATTER_SESSION_ACTIVE || (idle_only && session->exchanges > 0))
      continue;
    if (!oldest || session->last_activity_ms < oldest->last_activity_ms)
      oldest = session;
  }
  return oldest;
}

MatterSession *
matter_session_table_eviction_candidate(MatterSessionTable *table)
{
  MatterSession *session = least_recently_used(table->secure, table->secure_capacity, true);

  if (!session)
    session = least_recently_used(table->secure, table->secure_capacity, false);
  return session;
}

void
matter_session_table_remove(MatterSessionTable *table, MatterSession *session)
{
  (void) table;
  if (session)
    wipe(session);
}

size_t
matter_session_table_count(const MatterSessionTable *table)
{
  size_t count = 0;

  for (size_t i = 0; i < table->secure_capacity; i++)
    if (table->secure[i].state == MATTER_SESSION_ACTIVE)
      count++;
  return count;
}

static MatterSession *
find_unsecured(MatterSessionTable *table, MatterSessionRole role, uint64_t ephemeral_node_id)
{
  for (size_t i = 0; i < table->unsecured_capacity; i++) {
    MatterSession *session = &table->unsecured[i];

    if (session->state == MATTER_SESSION_ACTIVE && session->role == role &&
        session->ephemeral_node_id == ephemeral_node_id)
      return session;
  }
  return NULL;
}

/* A free unsecured slot, else the least recently used one no exchange
 * holds. */
static MatterSession *
unsecured_slot(MatterSessionTable *table)
{
  MatterSession *slot = free_slot(table->unsecured, table->unsecured_capacity);

  if (!slot)
    slot = least_recently_used(table->unsecured, table->unsecured_capacity, true);
  return slot;
}

static MatterError
open_unsecured(MatterSessionTable *table, MatterSessionRole role, uint64_t ephemeral_node_id,
               const MatterPeerAddress *peer, uint64_t now_ms, MatterSession **session)
{
  MatterSession *slot = unsecured_slot(table);

  if (!slot)
    return MATTER_ERROR_SESSION_TABLE_FULL;
  wipe(slot);
  slot->state = MATTER_SESSION_ACTIVE;
  slot->kind = MATTER_SESSION_KIND_UNSECURED;
  slot->role = role;
  slot->ephemeral_node_id = ephemeral_node_id;
  if (peer)
    slot->peer_address = *peer;
  slot->created_ms = now_ms;
  slot->last_activity_ms = now_ms;
  slot->last_receive_ms = now_ms;
  /* The window synchronizes on the peer's first message. */
  *session = slot;
  return MATTER_OK;
}

MatterError
matter_session_table_unsecured_for_message(MatterSessionTable *table,
                                           const MatterMessageHeader *header,
                                           const MatterPeerAddress *peer, uint64_t now_ms,
                                           MatterSession **session)
{
  MatterSession *found;

  if (!table || !header || !session)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (header->has_source) {
    /* From an initiator: we are (or become) the responder. */
    found = find_unsecured(table, MATTER_SESSION_ROLE_RESPONDER, header->source_node_id);
    if (found) {
      *session = found;
      return MATTER_OK;
    }
    return open_unsecured(table, MATTER_SESSION_ROLE_RESPONDER, header->source_node_id, peer,
                          now_ms, session);
  }
  if (header->dest_kind == MATTER_DEST_NODE_ID) {
    found = find_unsecured(table, MATTER_SESSION_ROLE_INITIATOR, header->dest_node_id);
    if (found) {
      *session = found;
      return MATTER_OK;
    }
  }
  return MATTER_ERROR_SESSION_NOT_FOUND;
}

static MatterError
random_node_id(const MatterRandomSource *rng, uint64_t *node_id)
{
  uint8_t bytes[8];
  uint64_t value = 0;
  MatterError err;

  err = matter_counters_random(rng, bytes, sizeof(bytes));
  if (err != MATTER_OK)
    return err;
  for (size_t i = 0; i < sizeof(bytes); i++)
    value = value << 8 | bytes[i];
  /* Into 1..MATTER_NODE_ID_OPERATIONAL_MAX; the slight bias is harmless. */
  *node_id = value % MATTER_NODE_ID_OPERATIONAL_MAX + 1;
  return MATTER_OK;
}

MatterError
matter_session_table_new_unsecured(MatterSessionTable *table, const MatterPeerAddress *peer,
                                   uint64_t now_ms, MatterSession **session)
{
  uint64_t node_id;
  MatterError err;

  if (!table || !session)
    return MATTER_ERROR_INVALID_ARGUMENT;
  do {
    err = random_node_id(&table->rng, &node_id);
    if (err != MATTER_OK)
      return err;
  } while (find_unsecured(table, MATTER_SESSION_ROLE_INITIATOR, node_id));
  return open_unsecured(table, MATTER_SESSION_ROLE_INITIATOR, node_id, peer, now_ms, session);
}

static uint32_t
announced_or(const MatterSession *session, uint16_t field, uint32_t value, uint32_t fallback)
{
  if (!(session->peer_params.present & field))
    return fallback;
  return value < MATTER_SESSION_INTERVAL_MAX_MS ? value : MATTER_SESSION_INTERVAL_MAX_MS;
}

uint32_t
matter_session_peer_idle_interval(const MatterSession *session)
{
  return announced_or(session, MATTER_SESSION_PARAM_IDLE_INTERVAL,
                      session->peer_params.idle_interval_ms,
                      MATTER_SESSION_IDLE_INTERVAL_DEFAULT_MS);
}

uint32_t
matter_session_peer_active_interval(const MatterSession *session)
{
  return announced_or(session, MATTER_SESSION_PARAM_ACTIVE_INTERVAL,
                      session->peer_params.active_interval_ms,
                      MATTER_SESSION_ACTIVE_INTERVAL_DEFAULT_MS);
}

uint32_t
matter_session_peer_active_threshold(const MatterSession *session)
{
  return announced_or(session, MATTER_SESSION_PARAM_ACTIVE_THRESHOLD,
                      session->peer_params.active_threshold_ms,
                      MATTER_SESSION_ACTIVE_THRESHOLD_DEFAULT_MS);
}

bool
matter_session_peer_active(const MatterSession *session, uint64_t now_ms)
{
  return now_ms - session->last_receive_ms < matter_session_peer_active_threshold(session);
}

uint32_t
matter_session_peer_interval(const MatterSession *session, uint64_t now_ms)
{
  if (matter_session_peer_active(session, now_ms))
    return matter_session_peer_active_interval(session);
  return matter_session_peer_idle_interval(session);
}

void
matter_session_touch(MatterSession *session, uint64_t now_ms, bool received)
{
  session->last_activity_ms = now_ms;
  if (received)
    session->last_receive_ms = now_ms;
}

const uint8_t *
matter_session_send_key(const MatterSession *session)
{
  return session->role == MATTER_SESSION_ROLE_INITIATOR ? session->i2r_key : session->r2i_key;
}

const uint8_t *
matter_session_receive_key(const MatterSession *session)
{
  return session->role == MATTER_SESSION_ROLE_INITIATOR ? session->r2i_key : session->i2r_key;
}

uint64_t
matter_session_send_nonce_node(const MatterSession *session)
{
  return session->kind == MATTER_SESSION_KIND_CASE ? session->local_node_id
                                                   : MATTER_NODE_ID_UNSPECIFIED;
}

uint64_t
matter_session_receive_nonce_node(const MatterSession *session)
{
  return session->kind == MATTER_SESSION_KIND_CASE ? session->peer_node_id
                                                   : MATTER_NODE_ID_UNSPECIFIED;
}
