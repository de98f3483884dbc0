/* SPDX-License-Identifier: Apache-2.0 */
#define G_LOG_DOMAIN "matterd"

#include "subscriptions.h"

#include <string.h>

#include "matter/case.h"
#include "matter/securechannel.h"
#include "md-error.h"
#include "md-log.h"
#include "secure-channel-util.h"

#define KEY_FORMAT "subscriptions/%u"

typedef struct {
  gboolean used;
  guint losses; /* since it was announced; memory only */
  MatterImSubscriptionRecord record;
} Slot;

/* The handshake that brings one subscriber's subscriptions back. A slot
 * is free while used is FALSE; a handshake runs while initiator is set. */
typedef struct {
  MdSubscriptions *subs;
  gboolean used;
  guint8 fabric_index;
  guint64 peer_node_id;
  MatterPeerAddress address;
  guint attempts; /* made so far */
  guint64 due_ms; /* the next attempt, while none runs */
  MatterCaseInitiator *initiator;
  MatterExchange *exchange;
  MatterSession *session; /* pending, holds the local session id offered */
} Resume;

struct _MdSubscriptions {
  const MdNodeStorage *storage;     /* not owned */
  MdFabricTable *fabrics;           /* not owned */
  MatterExchangeManager *exchanges; /* not owned */
  MatterSessionTable *sessions;     /* not owned */
  MatterImEngine *engine;           /* not owned */
  MdSubscriptionsOwner owner;
  gpointer owner_data;
  Slot slots[MD_SUBSCRIPTIONS_MAX];
  Resume resumes[MD_SUBSCRIPTIONS_MAX];
};

/* ---- Storage ---- */

static gboolean
write_slot(MdSubscriptions *subs, guint slot, const MatterImSubscriptionRecord *record,
           GError **error)
{
  g_autofree char *key = g_strdup_printf(KEY_FORMAT, slot);
  g_autoptr(GBytes) value = NULL;

  if (record != NULL) {
    guint8 buf[MATTER_IM_SUBSCRIPTION_RECORD_MAX];
    size_t len;
    MatterError err = matter_im_subscription_record_encode(record, buf, sizeof(buf), &len);

    if (err != MATTER_OK) {
      md_error_set_core(error, err, "Cannot encode the subscription");
      return FALSE;
    }
    value = g_bytes_new(buf, len);
  } else {
    value = g_bytes_new(NULL, 0);
  }
  return md_node_storage_put_bytes(subs->storage, key, value, error);
}

/* FALSE with @error only when storage fails; a slot that is free or does
 * not decode is left unused. */
static gboolean
load_slot(MdSubscriptions *subs, guint slot, GError **error)
{
  g_autofree char *key = g_strdup_printf(KEY_FORMAT, slot);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GBytes) value = md_node_storage_get_bytes(subs->storage, key, &local_error);
  MatterError err;
  const guint8 *data;
  gsize len;

  if (value == NULL) {
    if (g_error_matches(local_error, MD_ERROR, MD_ERROR_NOT_FOUND))
      return TRUE;
    g_propagate_error(error, g_steal_pointer(&local_error));
    return FALSE;
  }
  data = g_bytes_get_data(value, &len);
  if (len == 0)
    return TRUE;
  err = matter_im_subscription_record_decode(data, len, &subs->slots[slot].record);
  if (err != MATTER_OK) {
    g_message("Dropping the kept subscription in %s: %s", key, matter_error_str(err));
    memset(&subs->slots[slot], 0, sizeof(subs->slots[slot]));
    return TRUE;
  }
  subs->slots[slot].used = TRUE;
  return TRUE;
}

/* Subscription ids are unique only among the subscriptions the engine
 * holds, so a record is known by its subscriber too. */
static int
find_slot(MdSubscriptions *subs, const MatterImSubscriptionRecord *record)
{
  for (guint i = 0; i < MD_SUBSCRIPTIONS_MAX; i++) {
    const MatterImSubscriptionRecord *kept = &subs->slots[i].record;

    if (subs->slots[i].used && kept->fabric_index == record->fabric_index &&
        kept->peer_node_id == record->peer_node_id &&
        kept->subscription_id == record->subscription_id)
      return (int) i;
  }
  return -1;
}

static int
free_slot(MdSubscriptions *subs)
{
  for (guint i = 0; i < MD_SUBSCRIPTIONS_MAX; i++)
    if (!subs->slots[i].used)
      return (int) i;
  return -1;
}

/* Storage first; memory forgets the record once it is gone from there. */
static void
clear_slot(MdSubscriptions *subs, guint slot)
{
  g_autoptr(GError) error = NULL;
  const MatterImSubscriptionRecord *record = &subs->slots[slot].record;

  if (!write_slot(subs, slot, NULL, &error)) {
    g_warning("Cannot forget subscription 0x%08X of fabric %u: %s", record->subscription_id,
              record->fabric_index, error->message);
    return;
  }
  memset(&subs->slots[slot], 0, sizeof(subs->slots[slot]));
}

/* One handshake resumes all of a subscriber's subscriptions, at one
 * address: the one its newest subscription came from. A controller that
 * restarted listens elsewhere, and its older records would otherwise send
 * the handshake to where nobody listens any more. */
static void
follow_subscriber(MdSubscriptions *subs, const MatterImSubscriptionRecord *newest)
{
  for (guint i = 0; i < MD_SUBSCRIPTIONS_MAX; i++) {
    MatterImSubscriptionRecord *kept = &subs->slots[i].record;
    MatterImSubscriptionRecord moved;
    g_autoptr(GError) error = NULL;

    if (!subs->slots[i].used || kept->fabric_index != newest->fabric_index ||
        kept->peer_node_id != newest->peer_node_id ||
        md_peer_address_equal(&kept->peer_address, &newest->peer_address))
      continue;
    moved = *kept;
    moved.peer_address = newest->peer_address;
    if (!write_slot(subs, i, &moved, &error)) {
      g_warning("Cannot move subscription 0x%08X of fabric %u to its subscriber's address: %s",
                kept->subscription_id, kept->fabric_index, error->message);
      continue;
    }
    *kept = moved;
  }
}

void
md_subscriptions_added(MdSubscriptions *subs, const MatterImSubscriptionRecord *record)
{
  g_autoptr(GError) error = NULL;
  int slot;

  g_return_if_fail(subs != NULL && record != NULL);

  slot = find_slot(subs, record);
  if (slot < 0)
    slot = free_slot(subs);
  if (slot < 0) {
    g_warning("No room to keep subscription 0x%08X of fabric %u across restarts",
              record->subscription_id, record->fabric_index);
    return;
  }
  if (!write_slot(subs, (guint) slot, record, &error)) {
    g_warning("Cannot keep subscription 0x%08X of fabric %u across restarts: %s",
              record->subscription_id, record->fabric_index, error->message);
    return;
  }
  subs->slots[slot].used = TRUE;
  subs->slots[slot].losses = 0;
  subs->slots[slot].record = *record;
  follow_subscriber(subs, record);
}

void
md_subscriptions_removed(MdSubscriptions *subs, const MatterImSubscriptionRecord *record)
{
  int slot;

  g_return_if_fail(subs != NULL && record != NULL);

  slot = find_slot(subs, record);
  if (slot >= 0)
    clear_slot(subs, (guint) slot);
}

/* ---- Handshakes ---- */

static void on_resume_message(void *user_data, MatterExchange *exchange,
                              const MatterProtocolHeader *header, const uint8_t *payload,
                              size_t len, uint64_t now_ms);
static void on_resume_error(void *user_data, MatterExchange *exchange, MatterError err,
                            uint64_t now_ms);

static const MatterExchangeHandler resume_handler = {
  .on_message = on_resume_message,
  .on_error = on_resume_error,
};

/* Ends the handshake in progress, if any; @abandon drops what the
 * exchange still has to send. */
static void
handshake_end(Resume *r, gboolean established, gboolean abandon, guint64 now)
{
  if (r->exchange != NULL) {
    if (abandon)
      matter_exchange_abort(r->exchange);
    else
      matter_exchange_close(r->exchange, now);
    r->exchange = NULL;
  }
  if (!established && r->session != NULL)
    matter_session_table_remove(r->subs->sessions, r->session);
  r->session = NULL;
  g_clear_pointer(&r->initiator, matter_case_initiator_free);
}

static void
resume_free(Resume *r, guint64 now)
{
  MdSubscriptions *subs = r->subs;

  handshake_end(r, FALSE, TRUE, now);
  memset(r, 0, sizeof(*r));
  r->subs = subs;
}

/* The subscriber could not be reached: its subscriptions are over. */
static void
drop_subscriber(Resume *r, guint64 now)
{
  MdSubscriptions *subs = r->subs;

  for (guint i = 0; i < MD_SUBSCRIPTIONS_MAX; i++)
    if (subs->slots[i].used && subs->slots[i].record.fabric_index == r->fabric_index &&
        subs->slots[i].record.peer_node_id == r->peer_node_id)
      clear_slot(subs, i);
  resume_free(r, now);
}

static void
attempt_failed(Resume *r, const char *why, guint64 now)
{
  handshake_end(r, FALSE, FALSE, now);
  if (r->attempts >= MD_SUBSCRIPTIONS_ATTEMPTS) {
    md_log_matter(G_LOG_LEVEL_MESSAGE, r->fabric_index, r->peer_node_id, MD_LOG_NONE,
                  "Cannot reach node 0x%016" G_GINT64_MODIFIER
                  "X to resume its subscriptions (%s); dropping them after %u attempts",
                  r->peer_node_id, why, r->attempts);
    drop_subscriber(r, now);
    return;
  }
  r->due_ms = now + ((guint64) MD_SUBSCRIPTIONS_RETRY_MS << (r->attempts - 1));
  md_log_matter(G_LOG_LEVEL_MESSAGE, r->fabric_index, r->peer_node_id, MD_LOG_NONE,
                "Cannot reach node 0x%016" G_GINT64_MODIFIER
                "X to resume its subscriptions (%s); trying again in %" G_GUINT64_FORMAT " ms",
                r->peer_node_id, why, r->due_ms - now);
}

/* The fabric as CASE sees it: valid while the fabric table does not
 * change (the initiator copies what it keeps). */
static MatterError
case_fabric_of(const MdFabric *fabric, MatterCaseFabric *out)
{
  uint8_t compressed[MATTER_CASE_COMPRESSED_FABRIC_ID_LEN];

  if (fabric->ipk_epoch_key == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  *out = (MatterCaseFabric) {
    .fabric_index = fabric->index,
    .fabric_id = fabric->fabric_id,
    .node_id = fabric->node_id,
    .operational_key = fabric->key,
  };
  out->rcac = g_bytes_get_data(fabric->rcac, &out->rcac_len);
  out->noc = g_bytes_get_data(fabric->noc, &out->noc_len);
  if (fabric->icac != NULL)
    out->icac = g_bytes_get_data(fabric->icac, &out->icac_len);
  memcpy(out->root_public_key, fabric->root_public_key, sizeof(out->root_public_key));
  for (int i = 0; i < 8; i++)
    compressed[i] = (uint8_t) (fabric->compressed_fabric_id >> (56 - 8 * i));
  return matter_case_operational_ipk(g_bytes_get_data(fabric->ipk_epoch_key, NULL), compressed,
                                     out->ipk);
}

static void
send_sc(Resume *r, uint8_t opcode, const guint8 *payload, gsize len, guint64 now)
{
  MatterError err = matter_exchange_send(r->exchange, MATTER_PROTOCOL_SECURE_CHANNEL, opcode,
                                         payload, len, MATTER_EXCHANGE_SEND_RELIABLE, now);

  if (err != MATTER_OK)
    g_message("Cannot send %s: %s", matter_sc_opcode_name(opcode), matter_error_str(err));
}

/* Sigma1 to the subscriber's last known address, on an unsecured
 * session of the node's. */
static MatterError
open_handshake(Resume *r, const MdFabric *fabric, guint64 now)
{
  MdSubscriptions *subs = r->subs;
  MatterSession *unsecured = NULL;
  MatterCaseFabric case_fabric;
  guint8 out[MATTER_CASE_MESSAGE_MAX];
  size_t out_len = 0;
  uint8_t opcode = 0;
  MatterError err = case_fabric_of(fabric, &case_fabric);

  if (err == MATTER_OK)
    err = matter_session_table_allocate(subs->sessions, now, &r->session);
  if (err == MATTER_OK)
    err = matter_case_initiator_new(&case_fabric, r->peer_node_id, NULL,
                                    r->session->local_session_id, NULL, NULL,
                                    MATTER_CERT_TIME_UNKNOWN, 0, &r->initiator);
  matter_secure_zero(&case_fabric, sizeof(case_fabric));
  if (err == MATTER_OK)
    err = matter_session_table_new_unsecured(subs->sessions, &r->address, now, &unsecured);
  if (err == MATTER_OK)
    err = matter_exchange_new(subs->exchanges, unsecured, &resume_handler, r, &r->exchange);
  if (err == MATTER_OK)
    err = matter_case_initiator_start(r->initiator, &opcode, out, sizeof(out), &out_len);
  if (err != MATTER_OK)
    return err;
  send_sc(r, opcode, out, out_len, now);
  matter_secure_zero(out, sizeof(out));
  matter_exchange_set_timeout(r->exchange, now + MD_SUBSCRIPTIONS_STEP_TIMEOUT_MS);
  return MATTER_OK;
}

static gboolean
has_records(MdSubscriptions *subs, guint8 fabric_index, guint64 peer_node_id)
{
  for (guint i = 0; i < MD_SUBSCRIPTIONS_MAX; i++)
    if (subs->slots[i].used && subs->slots[i].record.fabric_index == fabric_index &&
        subs->slots[i].record.peer_node_id == peer_node_id)
      return TRUE;
  return FALSE;
}

static void
attempt(Resume *r, guint64 now)
{
  const MdFabric *fabric = md_fabric_table_get(r->subs->fabrics, r->fabric_index);
  MatterError err;

  /* Its subscriptions ended or were dropped meanwhile. */
  if (!has_records(r->subs, r->fabric_index, r->peer_node_id)) {
    resume_free(r, now);
    return;
  }
  if (fabric == NULL) {
    md_log_matter(G_LOG_LEVEL_MESSAGE, r->fabric_index, r->peer_node_id, MD_LOG_NONE,
                  "Dropping the subscriptions of node 0x%016" G_GINT64_MODIFIER
                  "X: the node left fabric %u",
                  r->peer_node_id, r->fabric_index);
    drop_subscriber(r, now);
    return;
  }
  r->attempts++;
  err = open_handshake(r, fabric, now);
  if (err != MATTER_OK)
    attempt_failed(r, matter_error_str(err), now);
}

/* The subscriber's kept subscriptions, on the session just set up. */
static void
resume_all(Resume *r, MatterSession *session, guint64 now)
{
  MdSubscriptions *subs = r->subs;

  for (guint i = 0; i < MD_SUBSCRIPTIONS_MAX; i++) {
    const MatterImSubscriptionRecord *record = &subs->slots[i].record;
    MatterError err;

    if (!subs->slots[i].used || record->fabric_index != r->fabric_index ||
        record->peer_node_id != r->peer_node_id)
      continue;
    err = matter_im_engine_resume_subscription(subs->engine, session, record, now);
    if (err == MATTER_OK) {
      md_log_matter(G_LOG_LEVEL_MESSAGE, record->fabric_index, record->peer_node_id,
                    session->local_session_id, "Resuming subscription 0x%08X on session %u",
                    record->subscription_id, session->local_session_id);
      continue;
    }
    md_log_matter(G_LOG_LEVEL_MESSAGE, record->fabric_index, record->peer_node_id,
                  session->local_session_id, "Cannot resume subscription 0x%08X: %s",
                  record->subscription_id, matter_error_str(err));
    clear_slot(subs, i);
  }
}

static void
establish(Resume *r, guint64 now)
{
  MdSubscriptions *subs = r->subs;
  MatterSession *session = r->session;
  MatterCaseResult result;
  MatterError err = matter_case_initiator_get_result(r->initiator, &result);

  if (err == MATTER_OK) {
    result.setup.peer_address = r->exchange->session->peer_address;
    err = matter_session_activate(subs->sessions, session, &result.setup, now);
  }
  matter_secure_zero(&result, sizeof(result));
  if (err != MATTER_OK) {
    attempt_failed(r, matter_error_str(err), now);
    return;
  }
  md_log_matter(G_LOG_LEVEL_MESSAGE, session->fabric_index, session->peer_node_id,
                session->local_session_id,
                "CASE session %u established with node 0x%016" G_GINT64_MODIFIER
                "X of fabric %u to resume its subscriptions",
                session->local_session_id, session->peer_node_id, session->fabric_index);
  handshake_end(r, TRUE, FALSE, now);
  if (subs->owner.session_established != NULL)
    subs->owner.session_established(subs->owner_data, session);
  resume_all(r, session, now);
  resume_free(r, now);
}

static void
on_resume_message(void *user_data, MatterExchange *exchange, const MatterProtocolHeader *header,
                  const uint8_t *payload, size_t len, uint64_t now_ms)
{
  Resume *r = user_data;
  guint8 out[MATTER_CASE_MESSAGE_MAX];
  size_t out_len = 0;
  uint8_t out_opcode = 0;
  MatterError err;

  if (exchange != r->exchange)
    return;
  if (header->protocol_id != MATTER_PROTOCOL_SECURE_CHANNEL || header->vendor_id != 0) {
    attempt_failed(r, "a message of another protocol in the handshake", now_ms);
    return;
  }
  err = matter_case_initiator_handle(r->initiator, header->opcode, payload, len, &out_opcode, out,
                                     sizeof(out), &out_len);
  if (out_len > 0)
    send_sc(r, out_opcode, out, out_len, now_ms);
  matter_secure_zero(out, sizeof(out));
  switch (matter_case_initiator_get_state(r->initiator)) {
  case MATTER_CASE_STATE_ESTABLISHED:
    establish(r, now_ms);
    break;
  case MATTER_CASE_STATE_IN_PROGRESS:
    if (err == MATTER_OK) {
      matter_exchange_set_timeout(exchange, now_ms + MD_SUBSCRIPTIONS_STEP_TIMEOUT_MS);
      break;
    }
    /* fall through */
  default:
    attempt_failed(r, matter_error_str(err != MATTER_OK ? err : MATTER_ERROR_CASE_INVALID_MESSAGE),
                   now_ms);
    break;
  }
}

static void
on_resume_error(void *user_data, MatterExchange *exchange, MatterError err, uint64_t now_ms)
{
  Resume *r = user_data;

  if (exchange != r->exchange)
    return;
  if (err == MATTER_ERROR_SESSION_CLOSED)
    r->exchange = NULL; /* going away with its session */
  attempt_failed(r, matter_error_str(err), now_ms);
}

static Resume *
find_resume(MdSubscriptions *subs, guint8 fabric_index, guint64 peer_node_id)
{
  for (guint i = 0; i < MD_SUBSCRIPTIONS_MAX; i++) {
    Resume *r = &subs->resumes[i];

    if (r->used && r->fabric_index == fabric_index && r->peer_node_id == peer_node_id)
      return r;
  }
  return NULL;
}

static Resume *
new_resume(MdSubscriptions *subs, const MatterImSubscriptionRecord *record, guint64 due)
{
  for (guint i = 0; i < MD_SUBSCRIPTIONS_MAX; i++) {
    Resume *r = &subs->resumes[i];

    if (r->used)
      continue;
    r->used = TRUE;
    r->fabric_index = record->fabric_index;
    r->peer_node_id = record->peer_node_id;
    r->address = record->peer_address;
    r->due_ms = due;
    return r;
  }
  return NULL; /* there are as many as records */
}

void
md_subscriptions_start(MdSubscriptions *subs, guint64 now_ms)
{
  g_return_if_fail(subs != NULL);

  for (guint i = 0; i < MD_SUBSCRIPTIONS_MAX; i++) {
    const MatterImSubscriptionRecord *record = &subs->slots[i].record;

    if (subs->slots[i].used && find_resume(subs, record->fabric_index, record->peer_node_id) == NULL)
      new_resume(subs, record, now_ms);
  }
}

void
md_subscriptions_lost(MdSubscriptions *subs, const MatterImSubscriptionRecord *record,
                      guint64 now_ms)
{
  Slot *slot;
  int n;

  g_return_if_fail(subs != NULL && record != NULL);

  n = find_slot(subs, record);
  if (n < 0)
    return;
  slot = &subs->slots[n];
  if (++slot->losses > MD_SUBSCRIPTIONS_ATTEMPTS) {
    md_log_matter(G_LOG_LEVEL_MESSAGE, record->fabric_index, record->peer_node_id, MD_LOG_NONE,
                  "Subscription 0x%08X was lost %u times: not resuming it any more",
                  record->subscription_id, slot->losses - 1);
    clear_slot(subs, (guint) n);
    return;
  }
  /* A handshake under way or due brings this one back too. */
  if (find_resume(subs, record->fabric_index, record->peer_node_id) == NULL)
    new_resume(subs, &slot->record, now_ms + MD_SUBSCRIPTIONS_RETRY_MS);
}

guint64
md_subscriptions_next_deadline(MdSubscriptions *subs)
{
  guint64 deadline = G_MAXUINT64;

  g_return_val_if_fail(subs != NULL, G_MAXUINT64);

  for (guint i = 0; i < MD_SUBSCRIPTIONS_MAX; i++)
    if (subs->resumes[i].used && subs->resumes[i].initiator == NULL)
      deadline = MIN(deadline, subs->resumes[i].due_ms);
  return deadline;
}

void
md_subscriptions_process(MdSubscriptions *subs, guint64 now_ms)
{
  g_return_if_fail(subs != NULL);

  for (guint i = 0; i < MD_SUBSCRIPTIONS_MAX; i++) {
    Resume *r = &subs->resumes[i];

    if (r->used && r->initiator == NULL && r->due_ms <= now_ms)
      attempt(r, now_ms);
  }
}

void
md_subscriptions_forget_fabric(MdSubscriptions *subs, guint8 fabric_index)
{
  g_return_if_fail(subs != NULL);

  for (guint i = 0; i < MD_SUBSCRIPTIONS_MAX; i++)
    if (subs->resumes[i].used && subs->resumes[i].fabric_index == fabric_index)
      resume_free(&subs->resumes[i], 0);
  for (guint i = 0; i < MD_SUBSCRIPTIONS_MAX; i++)
    if (subs->slots[i].used && subs->slots[i].record.fabric_index == fabric_index)
      clear_slot(subs, i);
}

/* ---- Life ---- */

MdSubscriptions *
md_subscriptions_new(const MdNodeStorage *storage, MdFabricTable *fabrics,
                     MatterExchangeManager *exchanges, MatterSessionTable *sessions,
                     MatterImEngine *engine, const MdSubscriptionsOwner *owner,
                     gpointer owner_data, GError **error)
{
  g_autoptr(MdSubscriptions) subs = NULL;

  g_return_val_if_fail(storage != NULL && fabrics != NULL && exchanges != NULL &&
                           sessions != NULL && engine != NULL,
                       NULL);

  subs = g_new0(MdSubscriptions, 1);
  subs->storage = storage;
  subs->fabrics = fabrics;
  subs->exchanges = exchanges;
  subs->sessions = sessions;
  subs->engine = engine;
  if (owner != NULL)
    subs->owner = *owner;
  subs->owner_data = owner_data;
  for (guint i = 0; i < MD_SUBSCRIPTIONS_MAX; i++)
    subs->resumes[i].subs = subs;
  for (guint i = 0; i < MD_SUBSCRIPTIONS_MAX; i++)
    if (!load_slot(subs, i, error)) {
      g_prefix_error(error, "Cannot load the kept subscriptions: ");
      return NULL;
    }
  return g_steal_pointer(&subs);
}

void
md_subscriptions_free(MdSubscriptions *subs)
{
  if (subs == NULL)
    return;
  for (guint i = 0; i < MD_SUBSCRIPTIONS_MAX; i++)
    if (subs->resumes[i].used)
      resume_free(&subs->resumes[i], 0);
  g_free(subs);
}

guint
md_subscriptions_count(MdSubscriptions *subs, guint8 fabric_index)
{
  guint n = 0;

  g_return_val_if_fail(subs != NULL, 0);

  for (guint i = 0; i < MD_SUBSCRIPTIONS_MAX; i++)
    n += subs->slots[i].used &&
         (fabric_index == 0 || subs->slots[i].record.fabric_index == fabric_index);
  return n;
}

gboolean
md_subscriptions_nth(MdSubscriptions *subs, guint n, MatterImSubscriptionRecord *record)
{
  g_return_val_if_fail(subs != NULL && record != NULL, FALSE);

  for (guint i = 0; i < MD_SUBSCRIPTIONS_MAX; i++)
    if (subs->slots[i].used && n-- == 0) {
      *record = subs->slots[i].record;
      return TRUE;
    }
  return FALSE;
}

guint
md_subscriptions_count_pending(MdSubscriptions *subs)
{
  guint n = 0;

  g_return_val_if_fail(subs != NULL, 0);

  for (guint i = 0; i < MD_SUBSCRIPTIONS_MAX; i++)
    n += subs->resumes[i].used;
  return n;
}
