/* SPDX-License-Identifier: Apache-2.0 */
#define G_LOG_DOMAIN "matterd"

#include "node.h"

#include <string.h>

#include "app-registry.h"
#include "case-server.h"
#include "commissioning.h"
#include "matter/crypto.h"
#include "matter/event-log.h"
#include "md-error.h"
#include "md-log.h"
#include "pase-server.h"
#include "resumption-store.h"
#include "subscriptions.h"

#define DISCRIMINATOR_KEY "discriminator"
/* Event numbers below this are taken (matter/event-log.h). */
#define EVENT_NUMBER_LIMIT_KEY "event-number-limit"
/* Ring sizes: a few hundred Info events (ACL changes, fabric removals)
 * and the Critical ones of several runs' worth of start-ups. */
#define EVENTS_DEBUG_SIZE 4096
#define EVENTS_INFO_SIZE 8192
#define EVENTS_CRITICAL_SIZE 8192
#define CLUSTER_BASIC_INFORMATION 0x0028
#define CLUSTER_GENERAL_DIAGNOSTICS 0x0033
#define EVENT_START_UP 0x00
#define EVENT_SHUT_DOWN 0x01
#define EVENT_LEAVE 0x02
#define DISCRIMINATOR_MAX 0x0FFF
/* The Root Node device type (0x0016), revision 3 in Matter 1.4. */
#define DEVICE_TYPE_ROOT_NODE 0x0016
#define DEVICE_TYPE_ROOT_NODE_REVISION 3

G_STATIC_ASSERT(MD_NODE_HANDSHAKES_MAX == MD_PASE_HANDSHAKES_MAX + MD_CASE_HANDSHAKES_MAX);

/* The root endpoint and its clusters, in ascending cluster id order. */
typedef struct {
  MatterDmCluster descriptor;
  MatterDmCluster access_control;
  MatterDmCluster basic;
  MatterDmCluster general_commissioning;
  MatterDmCluster network_commissioning;
  MatterDmCluster general_diagnostics;
  MatterDmCluster admin_commissioning;
  MatterDmCluster operational_credentials;
  MatterDmCluster group_key_management;
  MatterDmCluster *clusters[9];
  MatterDmDeviceType device_types[1];
  MatterDmEndpoint endpoint;
  uint64_t descriptor_ticks[8 + MATTER_DM_GLOBAL_COUNT];
  uint64_t access_control_ticks[4 + MATTER_DM_GLOBAL_COUNT];
  uint64_t basic_ticks[24 + MATTER_DM_GLOBAL_COUNT];
  uint64_t general_commissioning_ticks[5 + MATTER_DM_GLOBAL_COUNT];
  uint64_t network_commissioning_ticks[6 + MATTER_DM_GLOBAL_COUNT];
  uint64_t general_diagnostics_ticks[6 + MATTER_DM_GLOBAL_COUNT];
  uint64_t admin_commissioning_ticks[3 + MATTER_DM_GLOBAL_COUNT];
  uint64_t operational_credentials_ticks[6 + MATTER_DM_GLOBAL_COUNT];
  uint64_t group_key_management_ticks[4 + MATTER_DM_GLOBAL_COUNT];
} RootEndpoint;

struct _MdNode {
  const MdNodeStorage *storage; /* not owned */
  const MdNodeHost *host;       /* not owned */
  gpointer host_data;
  MdAttestationCreds *attestation;
  guint16 vendor_id;
  guint16 product_id;
  guint16 discriminator;
  guint8 supported_fabrics;
  MdFabricTable *fabrics;
  MdCommissioning *commissioning;
  MdPaseServer *pase_server;
  MdResumptionStore *resumptions;
  MdCaseServer *case_server;
  MdSubscriptions *subscriptions; /* kept across restarts and resumed */
  MdBasicInformation *basic;
  MdGeneralCommissioning general_commissioning;
  MdNetworkCommissioning network_commissioning;
  MdGeneralDiagnostics general_diagnostics;
  MdAdminCommissioning admin_commissioning;
  MdOperationalCredentials operational_credentials;
  MdAccessControl access_control;
  MdGroupKeyManagement *group_keys;
  /* The Group Table of the endpoints' Groups clusters. */
  MdGroups *groups;
  /* RemoveFabric of the fabric whose session asked: its sessions close
   * on the next process(), once the response went out (0: none). */
  guint8 close_fabric_sessions;
  MatterExchangeManager *exchanges; /* not owned */
  MatterSessionTable *sessions;     /* not owned */
  RootEndpoint root;
  MatterDmEndpoint *endpoints[1];
  MatterDmNode dm;
  MatterImEngine *engine;
  /* The Aggregator and the applications' endpoints after the root: it
   * keeps dm's endpoint list from then on. */
  MdAppRegistry *apps;
  MatterEventLog events;
  guint8 events_debug[EVENTS_DEBUG_SIZE];
  guint8 events_info[EVENTS_INFO_SIZE];
  guint8 events_critical[EVENTS_CRITICAL_SIZE];
  gboolean in_write_transaction;
  gboolean write_transaction_begun; /* FALSE: the store could not begin it */
  guint32 software_version;
};

static gboolean
load_or_create_discriminator(const MdNodeStorage *storage, guint16 *discriminator, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  guint8 bytes[2];
  guint64 stored;

  if (md_node_storage_get_uint64(storage, DISCRIMINATOR_KEY, &stored, &local_error)) {
    if (stored > DISCRIMINATOR_MAX) {
      g_set_error(error, MD_ERROR, MD_ERROR_STORE_CORRUPT,
                  "Stored discriminator %" G_GUINT64_FORMAT " is out of range", stored);
      return FALSE;
    }
    *discriminator = (guint16) stored;
    return TRUE;
  }
  if (!g_error_matches(local_error, MD_ERROR, MD_ERROR_NOT_FOUND)) {
    g_propagate_error(error, g_steal_pointer(&local_error));
    return FALSE;
  }

  /* From the DRBG like everything else the node picks: the discriminator
   * is no secret, but nothing should be able to predict it either. */
  if (matter_random(bytes, sizeof(bytes)) != MATTER_OK) {
    g_set_error(error, MD_ERROR, MD_ERROR_FAILED, "Cannot choose a discriminator: no randomness");
    return FALSE;
  }
  *discriminator = (guint16) ((bytes[0] | bytes[1] << 8) & DISCRIMINATOR_MAX);
  if (!md_node_storage_put_uint64(storage, DISCRIMINATOR_KEY, *discriminator, error))
    return FALSE;
  g_message("Chose discriminator %u for this node", *discriminator);
  return TRUE;
}

static uint32_t
random_data_version(void)
{
  uint32_t version = 0;

  (void) matter_random((uint8_t *) &version, sizeof(version));
  return version;
}

static void
cluster_init(MatterDmCluster *c, const MatterDmClass *cls, void *state, uint64_t *ticks)
{
  *c = (MatterDmCluster) {
    .cls = cls,
    .endpoint = 0,
    .data_version = random_data_version(),
    .ticks = ticks,
    .state = state,
  };
}

static void
build_root_endpoint(MdNode *node)
{
  RootEndpoint *root = &node->root;
  MatterDmCluster **c = root->clusters;

  G_STATIC_ASSERT(G_N_ELEMENTS(root->basic_ticks) >= MATTER_DM_GLOBAL_COUNT + 21);
  /* In ascending cluster id order, as the registry wants them. */
  cluster_init(&root->descriptor, &md_descriptor_class, &node->dm, root->descriptor_ticks);
  *c++ = &root->descriptor;
  cluster_init(&root->access_control, &md_access_control_class, &node->access_control,
               root->access_control_ticks);
  *c++ = &root->access_control;
  cluster_init(&root->basic, &md_basic_information_class, node->basic, root->basic_ticks);
  *c++ = &root->basic;
  cluster_init(&root->general_commissioning, &md_general_commissioning_class,
               &node->general_commissioning, root->general_commissioning_ticks);
  *c++ = &root->general_commissioning;
  cluster_init(&root->network_commissioning, &md_network_commissioning_class,
               &node->network_commissioning, root->network_commissioning_ticks);
  *c++ = &root->network_commissioning;
  cluster_init(&root->general_diagnostics, &md_general_diagnostics_class,
               &node->general_diagnostics, root->general_diagnostics_ticks);
  *c++ = &root->general_diagnostics;
  cluster_init(&root->admin_commissioning, &md_admin_commissioning_class,
               &node->admin_commissioning, root->admin_commissioning_ticks);
  *c++ = &root->admin_commissioning;
  cluster_init(&root->operational_credentials, &md_operational_credentials_class,
               &node->operational_credentials, root->operational_credentials_ticks);
  *c++ = &root->operational_credentials;
  cluster_init(&root->group_key_management, &md_group_key_management_class, node->group_keys,
               root->group_key_management_ticks);
  *c++ = &root->group_key_management;
  g_assert(c == root->clusters + G_N_ELEMENTS(root->clusters));

  root->device_types[0] = (MatterDmDeviceType) { DEVICE_TYPE_ROOT_NODE,
                                                 DEVICE_TYPE_ROOT_NODE_REVISION };
  root->endpoint = (MatterDmEndpoint) { 0, root->device_types, 1, root->clusters,
                                        G_N_ELEMENTS(root->clusters) };
  node->endpoints[0] = &root->endpoint;
  node->dm = (MatterDmNode) { node->endpoints, 1, 0 };
  md_access_control_bind(&node->access_control, &node->dm, &root->access_control);
  md_general_commissioning_bind(&node->general_commissioning, &node->dm,
                                &root->general_commissioning);
  md_network_commissioning_bind(&node->network_commissioning, &node->dm,
                                &root->network_commissioning);
  md_general_diagnostics_bind(&node->general_diagnostics, &node->dm, &root->general_diagnostics);
  md_admin_commissioning_bind(&node->admin_commissioning, node->commissioning,
                              &node->general_commissioning, node->fabrics, &node->dm,
                              &root->admin_commissioning);
  md_operational_credentials_bind(&node->operational_credentials, &node->dm,
                                  &root->operational_credentials);
  md_group_key_management_bind(node->group_keys, &node->dm, &root->group_key_management);
}

/* ---- What the engine asks of the node ---- */

static const MatterAclEntry *
engine_acl(void *user_data, size_t *count)
{
  MdNode *node = user_data;
  gsize n;
  const MatterAclEntry *entries = md_fabric_table_acl(node->fabrics, &n);

  *count = n;
  return entries;
}

static bool
engine_commissioning(void *user_data, const MatterSession *session)
{
  MdNode *node = user_data;

  return session->kind == MATTER_SESSION_KIND_PASE &&
         md_commissioning_get_window(node->commissioning) != MD_WINDOW_CLOSED;
}

static void
engine_writes_begin(void *user_data, const MatterDmRequest *request)
{
  MdNode *node = user_data;
  g_autoptr(GError) error = NULL;

  node->write_transaction_begun = md_node_storage_begin(node->storage, &error);
  if (!node->write_transaction_begun)
    g_warning("Cannot start storing the attributes written: %s", error->message);
  node->in_write_transaction = TRUE;
}

static void
drop_writes(MdNode *node)
{
  md_basic_information_drop(node->basic);
  md_access_control_drop(&node->access_control);
  md_group_key_management_drop(node->group_keys);
  md_general_commissioning_drop_writes(&node->general_commissioning);
}

/* One storage transaction for the whole WriteRequest: memory changes, and
 * change marks go out, only once it committed. Without the transaction
 * nothing is staged: the rows would be stored one by one, outside it. */
static bool
engine_writes_end(void *user_data, const MatterDmRequest *request)
{
  MdNode *node = user_data;
  g_autoptr(GError) error = NULL;

  node->in_write_transaction = FALSE;
  if (!node->write_transaction_begun) {
    drop_writes(node);
    return false;
  }
  if (!md_basic_information_stage(node->basic, &error) ||
      !md_access_control_stage(&node->access_control, &error) ||
      !md_group_key_management_stage(node->group_keys, &error) ||
      !md_node_storage_commit(node->storage, &error)) {
    g_warning("Cannot store the attributes written: %s", error->message);
    md_node_storage_rollback(node->storage);
    drop_writes(node);
    return false;
  }
  md_basic_information_apply(node->basic, &node->dm, &node->root.basic);
  md_node_changed(node, MD_NODE_CHANGE_IDENTITY);
  md_access_control_apply(&node->access_control, request->now_ms);
  md_group_key_management_apply(node->group_keys);
  md_general_commissioning_apply_writes(&node->general_commissioning);
  matter_im_engine_changed(node->engine);
  return true;
}

/* ---- What General Commissioning asks of the node ---- */

static gboolean
commissioning_window_open(gpointer user_data)
{
  MdNode *node = user_data;

  return md_commissioning_get_window(node->commissioning) != MD_WINDOW_CLOSED;
}

/* Ends every PASE session: they exist only for the commissioning now
 * over. Their subscriptions and exchanges go with them. */
static void
close_pase_sessions(MdNode *node, guint64 now_ms)
{
  gboolean closed = FALSE;

  for (size_t i = 0; i < node->sessions->secure_capacity; i++) {
    MatterSession *session = &node->sessions->secure[i];

    if (session->state == MATTER_SESSION_ACTIVE && session->kind == MATTER_SESSION_KIND_PASE) {
      matter_exchange_manager_close_session(node->exchanges, session, now_ms);
      closed = TRUE;
    }
  }
  if (closed)
    md_node_changed(node, MD_NODE_CHANGE_SESSIONS);
}

/* Ends the sessions on @fabric_index (CASE, and PASE bound to it). */
static void
close_fabric_sessions(MdNode *node, guint8 fabric_index, guint64 now_ms)
{
  gboolean closed = FALSE;

  for (size_t i = 0; i < node->sessions->secure_capacity; i++) {
    MatterSession *session = &node->sessions->secure[i];

    if (session->state == MATTER_SESSION_ACTIVE && session->fabric_index == fabric_index) {
      matter_exchange_manager_close_session(node->exchanges, session, now_ms);
      closed = TRUE;
    }
  }
  if (closed)
    md_node_changed(node, MD_NODE_CHANGE_SESSIONS);
}

static void
fabrics_changed(MdNode *node)
{
  md_access_control_changed(&node->access_control);
  /* The window's opener may have gone with its fabric. */
  md_admin_commissioning_window_changed(&node->admin_commissioning);
  if (node->engine != NULL)
    matter_im_engine_changed(node->engine);
  md_node_changed(node, MD_NODE_CHANGE_FABRICS);
}

/* 11.10.7.2.2: everything the fail-safe held goes, in memory only (none
 * of it was stored), and the sessions that relied on it with it. */
static void
fail_safe_expired(gpointer user_data, guint64 now_ms)
{
  MdNode *node = user_data;
  const MdFabric *pending = md_fabric_table_get_pending(node->fabrics);
  guint8 added = pending != NULL && !md_fabric_table_pending_is_update(node->fabrics)
                     ? pending->index
                     : 0;

  md_operational_credentials_fail_safe_ended(&node->operational_credentials, FALSE);
  close_pase_sessions(node, now_ms);
  if (added != 0)
    close_fabric_sessions(node, added, now_ms);
  fabrics_changed(node);
}

/* CommissioningComplete: the pending fabric in one storage transaction,
 * and into memory only once that committed. */
static gboolean
commissioning_completed(gpointer user_data, guint8 fabric_index, guint64 now_ms)
{
  MdNode *node = user_data;
  g_autoptr(GError) error = NULL;
  gboolean has_pending = md_fabric_table_get_pending(node->fabrics) != NULL;

  if (has_pending) {
    if (!md_node_storage_begin(node->storage, &error) ||
        !md_fabric_table_stage_pending(node->fabrics, &error) ||
        !md_node_storage_commit(node->storage, &error)) {
      g_warning("Cannot store the commissioned fabric %u: %s; the fail-safe stays armed",
                fabric_index, error->message);
      md_node_storage_rollback(node->storage);
      return FALSE;
    }
    md_fabric_table_commit_pending(node->fabrics);
  }
  md_operational_credentials_fail_safe_ended(&node->operational_credentials, TRUE);
  md_commissioning_close(node->commissioning, "commissioning complete");
  close_pase_sessions(node, now_ms);
  if (has_pending)
    fabrics_changed(node);
  return TRUE;
}

static const MdGeneralCommissioningOps general_commissioning_ops = {
  .window_open = commissioning_window_open,
  .expired = fail_safe_expired,
  .complete = commissioning_completed,
};

/* ---- Events ---- */

/* A new event number limit, in a transaction of its own: it must be on
 * disk before any number below it is used. Inside a write's transaction
 * it could be rolled back with the write, so it is refused there (the
 * event is lost, its number never reused). */
static bool
reserve_event_numbers(void *user_data, uint64_t limit)
{
  MdNode *node = user_data;
  g_autoptr(GError) error = NULL;

  if (node->in_write_transaction) {
    g_warning("An event was emitted inside a write's transaction; dropped");
    return false;
  }
  if (!md_node_storage_put_uint64(node->storage, EVENT_NUMBER_LIMIT_KEY, limit, &error)) {
    g_warning("Cannot reserve event numbers: %s", error->message);
    return false;
  }
  return true;
}

static gboolean
init_events(MdNode *node, GError **error)
{
  static const MatterEventLogOwner owner = { .reserve = reserve_event_numbers };
  const MatterEventBuffer buffers[MATTER_EVENT_PRIORITIES] = {
    { node->events_debug, sizeof(node->events_debug) },
    { node->events_info, sizeof(node->events_info) },
    { node->events_critical, sizeof(node->events_critical) },
  };
  g_autoptr(GError) local_error = NULL;
  guint64 limit = 0;
  MatterError err;

  if (!md_node_storage_get_uint64(node->storage, EVENT_NUMBER_LIMIT_KEY, &limit, &local_error) &&
      !g_error_matches(local_error, MD_ERROR, MD_ERROR_NOT_FOUND)) {
    g_propagate_error(error, g_steal_pointer(&local_error));
    return FALSE;
  }
  err = matter_event_log_init(&node->events, buffers, limit, MATTER_EVENT_NUMBER_STEP, &owner,
                              node);
  if (err != MATTER_OK) {
    md_error_set_core(error, err, "Cannot keep events");
    return FALSE;
  }
  return TRUE;
}

static void
emit_event(MdNode *node, const MatterEvent *event, guint64 now_ms)
{
  MatterError err = matter_event_log_emit(&node->events, event, now_ms, NULL);

  if (err != MATTER_OK) {
    g_warning("Cannot log event 0x%02X of cluster 0x%04X: %s", event->event, event->cluster,
              matter_error_str(err));
    return;
  }
  if (node->engine != NULL)
    matter_im_engine_changed(node->engine);
}

static MatterError
encode_start_up(void *user_data, MatterTlvWriter *w, MatterTlvTag tag)
{
  MdNode *node = user_data;

  matter_tlv_start_structure(w, tag);
  matter_tlv_put_uint(w, matter_tlv_tag_context(0), node->software_version);
  return matter_tlv_end_container(w);
}

static MatterError
encode_boot_reason(void *user_data, MatterTlvWriter *w, MatterTlvTag tag)
{
  MdNode *node = user_data;

  return md_general_diagnostics_encode_boot_reason_event(&node->general_diagnostics, w, tag);
}

static MatterError
encode_no_fields(void *user_data, MatterTlvWriter *w, MatterTlvTag tag)
{
  matter_tlv_start_structure(w, tag);
  return matter_tlv_end_container(w);
}

typedef struct {
  guint8 fabric_index;
} LeaveFields;

static MatterError
encode_leave(void *user_data, MatterTlvWriter *w, MatterTlvTag tag)
{
  const LeaveFields *fields = user_data;

  matter_tlv_start_structure(w, tag);
  matter_tlv_put_uint(w, matter_tlv_tag_context(0), fields->fabric_index);
  return matter_tlv_end_container(w);
}

static const MatterEventLog *
engine_event_log(void *user_data)
{
  MdNode *node = user_data;

  return &node->events;
}

/* ---- What Operational Credentials asks of the node ---- */

static void
bind_session(gpointer user_data, const MatterSession *session, guint8 fabric_index)
{
  MdNode *node = user_data;

  for (size_t i = 0; i < node->sessions->secure_capacity; i++)
    if (&node->sessions->secure[i] == session)
      node->sessions->secure[i].fabric_index = fabric_index;
}

/* The node leaves @fabric_index: what RemoveFabric does, for an
 * administrator's request (@asking: the session it came on, answered
 * before it closes) or for the host's (NULL). */
static gboolean
leave_fabric(MdNode *node, guint8 fabric_index, const MatterSession *asking, guint64 now_ms,
             GError **error)
{
  LeaveFields leave = { fabric_index };
  MatterEvent event = {
    .cluster = CLUSTER_BASIC_INFORMATION,
    .event = EVENT_LEAVE,
    .priority = MATTER_EVENT_PRIORITY_INFO,
    .encode = encode_leave,
    .encode_data = &leave,
  };

  if (!md_fabric_table_remove(node->fabrics, fabric_index, error))
    return FALSE;
  md_group_key_management_remove_fabric(node->group_keys, fabric_index);
  md_groups_remove_fabric(node->groups, fabric_index);
  md_resumption_store_forget_fabric(node->resumptions, fabric_index);
  md_subscriptions_forget_fabric(node->subscriptions, fabric_index);
  matter_event_log_forget_fabric(&node->events, fabric_index);
  /* Basic Information's Leave: the node left that fabric. */
  emit_event(node, &event, now_ms);
  /* The asking session answers first (11.18.6.12), then goes. */
  if (asking != NULL && asking->fabric_index == fabric_index)
    node->close_fabric_sessions = fabric_index;
  else
    close_fabric_sessions(node, fabric_index, now_ms);
  fabrics_changed(node);
  /* A node on no fabric any more waits to be commissioned again. */
  md_commissioning_start(node->commissioning, now_ms);
  return TRUE;
}

static gboolean
remove_fabric(gpointer user_data, guint8 fabric_index, const MatterDmRequest *request,
              GError **error)
{
  return leave_fabric(user_data, fabric_index, request->session, request->now_ms, error);
}

static void
opcreds_fabrics_changed(gpointer user_data)
{
  fabrics_changed(user_data);
}

static void
admin_entry_added(gpointer user_data, const MatterAclEntry *entry, const MatterDmRequest *request)
{
  MdNode *node = user_data;

  md_access_control_entry_added(&node->access_control, entry, request);
}

/* ---- What Group Key Management asks of the node ---- */

/* Key set 0 is the fabric's IPK, held with the fabric (pending included). */
static gboolean
fabric_ipk(gpointer user_data, guint8 fabric_index, guint8 *key)
{
  MdNode *node = user_data;
  const MdFabric *fabric = md_fabric_table_get(node->fabrics, fabric_index);

  if (fabric == NULL || fabric->ipk_epoch_key == NULL)
    return FALSE;
  if (key != NULL)
    memcpy(key, g_bytes_get_data(fabric->ipk_epoch_key, NULL), MATTER_AES128_KEY_LEN);
  return TRUE;
}

static const MdGroupKeyManagementOps group_key_management_ops = {
  .ipk = fabric_ipk,
};

static const MdOperationalCredentialsOps operational_credentials_ops = {
  .bind_session = bind_session,
  .admin_entry_added = admin_entry_added,
  .remove_fabric = remove_fabric,
  .fabrics_changed = opcreds_fabrics_changed,
};

static void
engine_refused(void *user_data, const MatterSession *session, MatterImAction action,
               uint16_t endpoint, uint32_t cluster, uint32_t id, uint8_t status)
{
  static const char *const actions[] = {
    [MATTER_IM_ACTION_REQUEST] = "request",
    [MATTER_IM_ACTION_WRITE] = "write of attribute",
    [MATTER_IM_ACTION_INVOKE] = "command",
  };
  guint64 fabric = session->fabric_index != 0 ? session->fabric_index : MD_LOG_NONE;
  guint64 peer = session->peer_node_id != 0 ? session->peer_node_id : MD_LOG_NONE;

  if (action == MATTER_IM_ACTION_REQUEST)
    md_log_matter(G_LOG_LEVEL_MESSAGE, fabric, peer, session->local_session_id,
                  "Refused a request on session %u: %s", session->local_session_id,
                  matter_im_status_name(status));
  else
    md_log_matter(G_LOG_LEVEL_MESSAGE, fabric, peer, session->local_session_id,
                  "Refused %s 0x%04X/0x%04X on endpoint %u (session %u): %s", actions[action],
                  cluster, id, endpoint, session->local_session_id,
                  matter_im_status_name(status));
}

/* Subscriptions are kept from the moment they exist; the store comes
 * after the engine, so anything announced before has nowhere to go. */
static void
engine_subscription_added(void *user_data, const MatterImSubscriptionRecord *record)
{
  MdNode *node = user_data;

  if (node->subscriptions != NULL)
    md_subscriptions_added(node->subscriptions, record);
}

static void
engine_subscription_removed(void *user_data, const MatterImSubscriptionRecord *record)
{
  MdNode *node = user_data;

  if (node->subscriptions != NULL)
    md_subscriptions_removed(node->subscriptions, record);
}

static void
engine_subscription_lost(void *user_data, const MatterImSubscriptionRecord *record,
                         uint64_t now_ms)
{
  MdNode *node = user_data;

  if (node->subscriptions != NULL)
    md_subscriptions_lost(node->subscriptions, record, now_ms);
}

static void
resumed_session_established(gpointer user_data, MatterSession *session)
{
  md_node_changed(user_data, MD_NODE_CHANGE_SESSIONS);
}

static const MatterImEngineOwner engine_owner = {
  .acl = engine_acl,
  .commissioning = engine_commissioning,
  .writes_begin = engine_writes_begin,
  .writes_end = engine_writes_end,
  .event_log = engine_event_log,
  .refused = engine_refused,
  .subscription_added = engine_subscription_added,
  .subscription_removed = engine_subscription_removed,
  .subscription_lost = engine_subscription_lost,
};

MdNode *
md_node_new(const MdNodeParams *params, const MdNodeStorage *storage,
            MdAttestationCreds *attestation, MatterExchangeManager *exchanges,
            MatterSessionTable *sessions, const MdNodeHost *host, gpointer host_data,
            GError **error)
{
  g_autoptr(MdNode) node = g_new0(MdNode, 1);
  MatterError err;

  node->storage = storage;
  node->host = host;
  node->host_data = host_data;
  node->attestation = attestation;
  node->vendor_id = params->vendor_id;
  node->product_id = params->product_id;
  node->supported_fabrics = params->supported_fabrics;
  node->exchanges = exchanges;
  node->sessions = sessions;
  node->software_version = params->basic.software_version;
  if (!init_events(node, error))
    return NULL;

  node->fabrics = md_fabric_table_new(storage, params->supported_fabrics, error);
  if (node->fabrics == NULL)
    return NULL;
  if (params->has_discriminator)
    node->discriminator = params->discriminator;
  else if (!load_or_create_discriminator(storage, &node->discriminator, error))
    return NULL;
  node->commissioning = md_commissioning_new(node, storage, params, error);
  if (node->commissioning == NULL)
    return NULL;
  node->resumptions = md_resumption_store_new(storage, MD_CASE_RESUMPTIONS_PER_FABRIC, error);
  if (node->resumptions == NULL)
    return NULL;
  node->case_server =
      md_case_server_new(node, node->fabrics, node->resumptions, exchanges, sessions);
  node->pase_server = md_pase_server_new(node, exchanges, sessions, error);
  if (node->pase_server == NULL)
    return NULL;
  {
    MdBasicInformationParams basic = params->basic;

    basic.vendor_id = params->vendor_id;
    basic.product_id = params->product_id;
    node->basic = md_basic_information_new(&basic, storage, error);
    if (node->basic == NULL)
      return NULL;
  }
  if (!md_general_commissioning_init(&node->general_commissioning, storage,
                                     &general_commissioning_ops, node, error))
    return NULL;
  md_network_commissioning_init(&node->network_commissioning);
  if (!md_general_diagnostics_init(&node->general_diagnostics, storage, params->boot_reason,
                                   error))
    return NULL;
  md_operational_credentials_init(&node->operational_credentials, node->fabrics, attestation,
                                  &node->general_commissioning, &operational_credentials_ops,
                                  node);
  md_access_control_init(&node->access_control, node->fabrics, &node->events);
  node->group_keys =
      md_group_key_management_new(storage, &group_key_management_ops, node, error);
  if (node->group_keys == NULL)
    return NULL;
  node->groups = md_groups_new(storage, node->group_keys, NULL, NULL, error);
  if (node->groups == NULL)
    return NULL;
  build_root_endpoint(node);
  node->engine = g_new0(MatterImEngine, 1);
  err = matter_im_engine_init(node->engine, exchanges, &node->dm, &engine_owner, node);
  if (err != MATTER_OK) {
    md_error_set_core(error, err, "Cannot serve the Interaction Model");
    return NULL;
  }
  {
    const MdAppRegistryParams apps = {
      .storage = storage,
      .dm = &node->dm,
      .root = &node->root.endpoint,
      .root_descriptor = &node->root.descriptor,
      .events = &node->events,
      .engine = node->engine,
      .groups = node->groups,
      .host = host != NULL ? host->apps : NULL,
      .host_data = host_data,
    };

    node->apps = md_app_registry_new(&apps, error);
    if (node->apps == NULL)
      return NULL;
  }
  {
    static const MdSubscriptionsOwner subscriptions_owner = {
      .session_established = resumed_session_established,
    };

    node->subscriptions = md_subscriptions_new(storage, node->fabrics, exchanges, sessions,
                                               node->engine, &subscriptions_owner, node, error);
    if (node->subscriptions == NULL)
      return NULL;
  }
  return g_steal_pointer(&node);
}

void
md_node_free(MdNode *node)
{
  if (node == NULL)
    return;
  g_clear_pointer(&node->subscriptions, md_subscriptions_free);
  if (node->engine != NULL)
    matter_im_engine_deinit(node->engine);
  g_clear_pointer(&node->engine, g_free);
  g_clear_pointer(&node->apps, md_app_registry_free);
  g_clear_pointer(&node->basic, md_basic_information_free);
  g_clear_pointer(&node->pase_server, md_pase_server_free);
  g_clear_pointer(&node->case_server, md_case_server_free);
  g_clear_pointer(&node->resumptions, md_resumption_store_free);
  g_clear_pointer(&node->commissioning, md_commissioning_free);
  md_operational_credentials_free_pending(&node->operational_credentials);
  md_access_control_clear(&node->access_control);
  g_clear_pointer(&node->groups, md_groups_free);
  g_clear_pointer(&node->group_keys, md_group_key_management_free);
  g_clear_pointer(&node->fabrics, md_fabric_table_free);
  md_attestation_creds_free(node->attestation);
  g_free(node);
}

void
md_node_start(MdNode *node, guint64 now_ms)
{
  const MatterEvent start_up = {
    .cluster = CLUSTER_BASIC_INFORMATION,
    .event = EVENT_START_UP,
    .priority = MATTER_EVENT_PRIORITY_CRITICAL,
    .encode = encode_start_up,
    .encode_data = node,
  };
  const MatterEvent boot_reason = {
    .cluster = CLUSTER_GENERAL_DIAGNOSTICS,
    .event = MD_GENERAL_DIAGNOSTICS_EVENT_BOOT_REASON,
    .priority = MATTER_EVENT_PRIORITY_CRITICAL,
    .encode = encode_boot_reason,
    .encode_data = node,
  };

  emit_event(node, &start_up, now_ms);
  emit_event(node, &boot_reason, now_ms);
  md_general_diagnostics_start(&node->general_diagnostics, now_ms);
  md_commissioning_start(node->commissioning, now_ms);
  md_subscriptions_start(node->subscriptions, now_ms);
}

gboolean
md_node_stop(MdNode *node, guint64 now_ms, GError **error)
{
  const MatterEvent shut_down = {
    .cluster = CLUSTER_BASIC_INFORMATION,
    .event = EVENT_SHUT_DOWN,
    .priority = MATTER_EVENT_PRIORITY_CRITICAL,
    .encode = encode_no_fields,
  };

  /* For subscribers still there when the next reports go out; the log
   * itself lives in memory only. */
  emit_event(node, &shut_down, now_ms);
  return md_general_diagnostics_stop(&node->general_diagnostics, now_ms, error);
}

const MatterEventLog *
md_node_get_events(MdNode *node)
{
  return &node->events;
}

guint64
md_node_next_deadline(MdNode *node)
{
  guint64 deadline = MIN(md_commissioning_next_deadline(node->commissioning),
                         matter_im_engine_next_deadline(node->engine));

  if (node->close_fabric_sessions != 0)
    return 0;
  deadline = MIN(deadline, md_general_diagnostics_next_deadline(&node->general_diagnostics));
  deadline = MIN(deadline, md_subscriptions_next_deadline(node->subscriptions));
  return MIN(deadline, md_general_commissioning_next_deadline(&node->general_commissioning));
}

void
md_node_process(MdNode *node, guint64 now_ms)
{
  if (node->close_fabric_sessions != 0) {
    close_fabric_sessions(node, node->close_fabric_sessions, now_ms);
    node->close_fabric_sessions = 0;
  }
  md_commissioning_process(node->commissioning, now_ms);
  md_general_commissioning_process(&node->general_commissioning, now_ms);
  md_general_diagnostics_process(&node->general_diagnostics, now_ms);
  md_subscriptions_process(node->subscriptions, now_ms);
  matter_im_engine_process(node->engine, now_ms);
}

gboolean
md_node_set_network_interface(MdNode *node, const char *name, gboolean connected)
{
  if (!md_network_commissioning_set_interface(&node->network_commissioning, name, connected))
    return FALSE;
  matter_im_engine_changed(node->engine);
  return TRUE;
}

gboolean
md_node_set_network_interfaces(MdNode *node, const MdNetworkInterfaceSnapshot *interfaces,
                               gsize count)
{
  if (!md_general_diagnostics_set_interfaces(&node->general_diagnostics, interfaces, count))
    return FALSE;
  matter_im_engine_changed(node->engine);
  return TRUE;
}

MatterDmNode *
md_node_get_dm(MdNode *node)
{
  return &node->dm;
}

MdGroups *
md_node_get_groups(MdNode *node)
{
  return node->groups;
}

MatterImEngine *
md_node_get_engine(MdNode *node)
{
  return node->engine;
}

MdAppRegistry *
md_node_get_app_registry(MdNode *node)
{
  return node->apps;
}

guint16
md_node_get_vendor_id(MdNode *node)
{
  return node->vendor_id;
}

guint16
md_node_get_product_id(MdNode *node)
{
  return node->product_id;
}

guint16
md_node_get_discriminator(MdNode *node)
{
  return node->discriminator;
}

guint8
md_node_get_supported_fabrics(MdNode *node)
{
  return node->supported_fabrics;
}

MdAttestationCreds *
md_node_get_attestation(MdNode *node)
{
  return node->attestation;
}

MdCommissioning *
md_node_get_commissioning(MdNode *node)
{
  return node->commissioning;
}

int
md_node_count_fabrics(MdNode *node, GError **error)
{
  return (int) md_fabric_table_count_committed(node->fabrics);
}

MdFabricTable *
md_node_get_fabrics(MdNode *node)
{
  return node->fabrics;
}

void
md_node_changed(MdNode *node, MdNodeChange change)
{
  /* The window's state is also the Administrator Commissioning cluster's;
   * the engine exists once the node is built. */
  if (change == MD_NODE_CHANGE_WINDOW && node->engine != NULL) {
    md_admin_commissioning_window_changed(&node->admin_commissioning);
    matter_im_engine_changed(node->engine);
  }
  if (node->host != NULL && node->host->changed != NULL)
    node->host->changed(change, node->host_data);
}

void
md_node_session_closing(MdNode *node, const MatterSession *session, guint64 now_ms)
{
  md_general_commissioning_session_closed(&node->general_commissioning, session, now_ms);
}

MdCaseServer *
md_node_get_case_server(MdNode *node)
{
  return node->case_server;
}

char *
md_node_peer_to_string(MdNode *node, const MatterPeerAddress *peer)
{
  if (node->host != NULL && node->host->peer_to_string != NULL)
    return node->host->peer_to_string(peer, node->host_data);
  return g_strdup("?");
}

/* ---- What the host asks of the node ---- */

const char *
md_node_get_unique_id(MdNode *node)
{
  return md_basic_information_get_unique_id(node->basic);
}

const char *
md_node_get_node_label(MdNode *node)
{
  return md_basic_information_get_node_label(node->basic);
}

const char *
md_node_get_location(MdNode *node)
{
  return md_basic_information_get_location(node->basic);
}

gboolean
md_node_set_node_label(MdNode *node, const char *label, GError **error)
{
  if (!md_basic_information_set_node_label(node->basic, label, &node->dm, &node->root.basic,
                                           error))
    return FALSE;
  matter_im_engine_changed(node->engine);
  md_node_changed(node, MD_NODE_CHANGE_IDENTITY);
  return TRUE;
}

gboolean
md_node_open_window(MdNode *node, guint timeout, guint64 now_ms, GError **error)
{
  int fabrics = md_node_count_fabrics(node, error);

  if (fabrics < 0)
    return FALSE;
  if (timeout < MD_WINDOW_TIMEOUT_MIN || timeout > MD_WINDOW_TIMEOUT_MAX) {
    g_set_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT,
                "A commissioning window lasts %u to %u s, not %u", MD_WINDOW_TIMEOUT_MIN,
                MD_WINDOW_TIMEOUT_MAX, timeout);
    return FALSE;
  }
  /* Administrator Commissioning's rule (11.19.8.1): one window at a time,
   * and none while a commissioning holds the fail-safe. */
  if (md_commissioning_get_window(node->commissioning) != MD_WINDOW_CLOSED) {
    g_set_error_literal(error, MD_ERROR, MD_ERROR_BUSY, "A commissioning window is already open");
    return FALSE;
  }
  if (md_general_commissioning_fail_safe_armed(&node->general_commissioning, NULL)) {
    g_set_error_literal(error, MD_ERROR, MD_ERROR_BUSY,
                        "A commissioning is in progress (the fail-safe is armed)");
    return FALSE;
  }
  /* A commissioned node opens an enhanced window: a new administrator
   * gets a passcode of its own, never the one printed on the device. */
  if (fabrics > 0)
    return md_commissioning_open_enhanced_fresh(node->commissioning, timeout, now_ms, error);
  return md_commissioning_open_basic(node->commissioning, timeout, 0, now_ms, error);
}

gboolean
md_node_close_window(MdNode *node, guint64 now_ms, GError **error)
{
  if (md_commissioning_get_window(node->commissioning) == MD_WINDOW_CLOSED) {
    g_set_error_literal(error, MD_ERROR, MD_ERROR_NOT_FOUND, "No commissioning window is open");
    return FALSE;
  }
  /* As RevokeCommissioning: the commissioning in progress ends too. */
  md_general_commissioning_expire_soon(&node->general_commissioning, now_ms);
  md_commissioning_close(node->commissioning, "closed by the host");
  return TRUE;
}

guint64
md_node_get_window_closes_at(MdNode *node)
{
  return md_commissioning_next_deadline(node->commissioning);
}

gboolean
md_node_get_window_codes(MdNode *node, char qr_code[MATTER_PAYLOAD_QR_SIZE],
                         char manual_code[MATTER_PAYLOAD_MANUAL_SIZE], GError **error)
{
  return md_commissioning_get_window_codes(node->commissioning, qr_code, manual_code, error);
}

gboolean
md_node_remove_fabric(MdNode *node, guint8 fabric_index, guint64 now_ms, GError **error)
{
  const MdFabric *pending = md_fabric_table_get_pending(node->fabrics);

  if (pending != NULL && pending->index == fabric_index) {
    g_set_error(error, MD_ERROR, MD_ERROR_BUSY,
                "Fabric %u is being commissioned; close the window or wait for the fail-safe",
                fabric_index);
    return FALSE;
  }
  if (md_fabric_table_get(node->fabrics, fabric_index) == NULL) {
    g_set_error(error, MD_ERROR, MD_ERROR_NOT_FOUND, "The node is on no fabric %u",
                fabric_index);
    return FALSE;
  }
  g_message("The host removes fabric %u", fabric_index);
  return leave_fabric(node, fabric_index, NULL, now_ms, error);
}

GArray *
md_node_list_sessions(MdNode *node)
{
  GArray *list = g_array_new(FALSE, TRUE, sizeof(MdSessionInfo));

  for (size_t i = 0; i < node->sessions->secure_capacity; i++) {
    const MatterSession *session = &node->sessions->secure[i];
    MdSessionInfo info;

    if (session->state != MATTER_SESSION_ACTIVE)
      continue;
    info = (MdSessionInfo) {
      .id = session->local_session_id,
      .kind = session->kind,
      .fabric_index = session->fabric_index,
      .peer_node_id = session->peer_node_id,
      .peer_address = session->peer_address,
      .established_ms = session->created_ms,
      .last_activity_ms = session->last_receive_ms,
    };
    g_array_append_val(list, info);
  }
  return list;
}

gboolean
md_node_close_session(MdNode *node, guint16 id, guint64 now_ms, GError **error)
{
  MatterSession *session = matter_session_table_find(node->sessions, id);

  if (session == NULL) {
    g_set_error(error, MD_ERROR, MD_ERROR_NOT_FOUND, "No session %u", id);
    return FALSE;
  }
  g_message("The host closes session %u", id);
  /* What lived only as long as the session (a fail-safe armed over PASE)
   * ends with it, as when the peer closes it. */
  md_node_session_closing(node, session, now_ms);
  matter_exchange_manager_close_session(node->exchanges, session, now_ms);
  md_node_changed(node, MD_NODE_CHANGE_SESSIONS);
  return TRUE;
}

static void
close_all_sessions(MdNode *node, guint64 now_ms)
{
  for (size_t i = 0; i < node->sessions->secure_capacity; i++) {
    MatterSession *session = &node->sessions->secure[i];

    if (session->state == MATTER_SESSION_ACTIVE)
      matter_exchange_manager_close_session(node->exchanges, session, now_ms);
  }
  md_node_changed(node, MD_NODE_CHANGE_SESSIONS);
}

gboolean
md_node_factory_reset(MdNode *node, guint64 now_ms, GError **error)
{
  g_autoptr(GArray) left = g_array_new(FALSE, FALSE, sizeof(guint8));

  /* A commissioning in progress ends first, as its fail-safe's expiry
   * would end it: the pending fabric was never stored. */
  if (md_general_commissioning_fail_safe_armed(&node->general_commissioning, NULL)) {
    md_general_commissioning_expire_soon(&node->general_commissioning, now_ms);
    md_general_commissioning_process(&node->general_commissioning, now_ms);
  }
  for (guint n = 0;; n++) {
    const MdFabric *fabric = md_fabric_table_nth(node->fabrics, n);

    if (fabric == NULL)
      break;
    g_array_append_val(left, fabric->index);
  }

  /* One transaction: a crash leaves either the old node or the new one.
   * Counters (message, event numbers) are not touched: they must never
   * repeat, reset or not. */
  if (!md_node_storage_begin(node->storage, error))
    return FALSE;
  if (!md_fabric_table_stage_clear(node->fabrics, error) ||
      !md_basic_information_stage_reset(node->basic, error) ||
      !md_commissioning_stage_reset(node->commissioning, error) ||
      !md_node_storage_commit(node->storage, error)) {
    md_node_storage_rollback(node->storage);
    md_basic_information_drop(node->basic);
    md_commissioning_drop_reset(node->commissioning);
    return FALSE;
  }
  g_message("Factory reset: the node left %u fabrics and has a new UniqueID%s", left->len,
            md_commissioning_passcode_configured(node->commissioning)
              ? " (the configured passcode stays)"
              : " and passcode");

  close_all_sessions(node, now_ms);
  for (guint i = 0; i < left->len; i++) {
    guint8 index = g_array_index(left, guint8, i);
    LeaveFields leave = { index };
    MatterEvent event = {
      .cluster = CLUSTER_BASIC_INFORMATION,
      .event = EVENT_LEAVE,
      .priority = MATTER_EVENT_PRIORITY_INFO,
      .encode = encode_leave,
      .encode_data = &leave,
    };

    md_group_key_management_remove_fabric(node->group_keys, index);
    md_groups_remove_fabric(node->groups, index);
    md_resumption_store_forget_fabric(node->resumptions, index);
    md_subscriptions_forget_fabric(node->subscriptions, index);
    matter_event_log_forget_fabric(&node->events, index);
    emit_event(node, &event, now_ms);
  }
  md_fabric_table_clear(node->fabrics);
  md_basic_information_apply(node->basic, &node->dm, &node->root.basic);
  md_commissioning_apply_reset(node->commissioning);
  fabrics_changed(node);
  md_node_changed(node, MD_NODE_CHANGE_IDENTITY);
  md_commissioning_start(node->commissioning, now_ms);
  return TRUE;
}

void
md_node_link_lost(MdNode *node, const MatterPeerAddress *peer, guint64 now_ms)
{
  gboolean closed = FALSE;

  for (size_t i = 0; i < node->sessions->secure_capacity; i++) {
    MatterSession *session = &node->sessions->secure[i];

    if (session->state == MATTER_SESSION_FREE ||
        session->peer_address.transport != peer->transport ||
        session->peer_address.len != peer->len ||
        memcmp(session->peer_address.bytes, peer->bytes, peer->len) != 0)
      continue;
    /* Nothing can reach the peer any more: no CloseSession, and what
     * lived as long as the session (a fail-safe armed over PASE) ends. */
    if (session->state == MATTER_SESSION_ACTIVE) {
      md_node_session_closing(node, session, now_ms);
      closed = TRUE;
    }
    matter_exchange_manager_remove_session(node->exchanges, session, now_ms);
  }
  for (size_t i = 0; i < node->sessions->unsecured_capacity; i++) {
    MatterSession *context = &node->sessions->unsecured[i];

    if (context->state != MATTER_SESSION_FREE &&
        context->peer_address.transport == peer->transport &&
        context->peer_address.len == peer->len &&
        memcmp(context->peer_address.bytes, peer->bytes, peer->len) == 0)
      matter_exchange_manager_remove_session(node->exchanges, context, now_ms);
  }
  if (closed)
    md_node_changed(node, MD_NODE_CHANGE_SESSIONS);
}
