/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Subscriptions that survive a restart (Core spec 8.5, subscription
 * resumption): the node keeps what the engine announces of each
 * established CASE subscription (im-engine.h, MatterImSubscriptionRecord)
 * and, after a restart, establishes CASE to each subscriber as the
 * initiator and has the engine resume its subscriptions on that session
 * with their old ids, so that a controller goes on getting reports.
 *
 * Storage: one record a key, "subscriptions/<slot>" for slots 0 to
 * MD_SUBSCRIPTIONS_MAX - 1 (the engine's own bound), holding the record's
 * TLV form; an empty value is a free slot (the key/value storage has no
 * delete). A record is written when the subscription is established and
 * emptied when it ends or its fabric goes; memory follows storage only
 * once the write went through. A slot that does not decode is freed at
 * load, with a message.
 *
 * Reaching the subscriber: the node has no DNS-SD browser, so it goes to
 * the address the subscriber had when it subscribed (kept in the record).
 * One handshake per subscriber (fabric and peer node) resumes all its
 * subscriptions. A handshake that fails is tried again after
 * MD_SUBSCRIPTIONS_RETRY_MS, doubling each time, MD_SUBSCRIPTIONS_ATTEMPTS
 * times in all; then the subscriber's records are dropped. Each step of a
 * handshake must come within MD_SUBSCRIPTIONS_STEP_TIMEOUT_MS. */

#include <glib.h>

#include "fabric-table.h"
#include "matter/exchange.h"
#include "matter/im-engine.h"
#include "node-storage.h"

#define MD_SUBSCRIPTIONS_MAX MATTER_IM_ENGINE_SUBSCRIPTIONS
#define MD_SUBSCRIPTIONS_ATTEMPTS 5
#define MD_SUBSCRIPTIONS_RETRY_MS (5 * 1000)
#define MD_SUBSCRIPTIONS_STEP_TIMEOUT_MS (10 * 1000)

typedef struct _MdSubscriptions MdSubscriptions;

/* What the store tells its owner; the callback may be NULL. */
typedef struct {
  /* A CASE session the node initiated to resume subscriptions was set
   * up (for the owner to announce it). */
  void (*session_established)(gpointer user_data, MatterSession *session);
} MdSubscriptionsOwner;

/* Loads the kept records from @storage. CASE goes through @exchanges and
 * @sessions with the credentials of @fabrics; @engine resumes. All must
 * outlive the store. NULL with @error when storage cannot be read. */
MdSubscriptions *md_subscriptions_new(const MdNodeStorage *storage, MdFabricTable *fabrics,
                                      MatterExchangeManager *exchanges,
                                      MatterSessionTable *sessions, MatterImEngine *engine,
                                      const MdSubscriptionsOwner *owner, gpointer owner_data,
                                      GError **error);
void md_subscriptions_free(MdSubscriptions *subs);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdSubscriptions, md_subscriptions_free)

/* The engine's subscription_added, subscription_removed and
 * subscription_lost (im-engine.h). A record that cannot be kept is
 * logged; the subscription goes on, it only will not survive a restart.
 * A lost subscription is kept and its subscriber is due for a handshake
 * after MD_SUBSCRIPTIONS_RETRY_MS, as after a restart; one lost more than
 * MD_SUBSCRIPTIONS_ATTEMPTS times since it was announced is dropped, so
 * that a subscriber that takes CASE but never a report is not tried
 * forever. Not inside a storage transaction. */
void md_subscriptions_added(MdSubscriptions *subs, const MatterImSubscriptionRecord *record);
void md_subscriptions_removed(MdSubscriptions *subs, const MatterImSubscriptionRecord *record);
void md_subscriptions_lost(MdSubscriptions *subs, const MatterImSubscriptionRecord *record,
                           guint64 now_ms);
/* The fabric was removed: its records and handshakes go. */
void md_subscriptions_forget_fabric(MdSubscriptions *subs, guint8 fabric_index);

/* After a restart: every kept subscriber is due for a handshake. */
void md_subscriptions_start(MdSubscriptions *subs, guint64 now_ms);
/* G_MAXUINT64 for never. */
guint64 md_subscriptions_next_deadline(MdSubscriptions *subs);
void md_subscriptions_process(MdSubscriptions *subs, guint64 now_ms);

/* Records kept for the fabric (0: all), and a copy of the @n-th of them
 * in slot order; for tests and status. */
guint md_subscriptions_count(MdSubscriptions *subs, guint8 fabric_index);
gboolean md_subscriptions_nth(MdSubscriptions *subs, guint n, MatterImSubscriptionRecord *record);
/* Subscribers a handshake is under way or due for. */
guint md_subscriptions_count_pending(MdSubscriptions *subs);
