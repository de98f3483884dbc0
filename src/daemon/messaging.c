/* SPDX-License-Identifier: Apache-2.0 */
#define G_LOG_DOMAIN "matterd"

#include "messaging.h"

#include <string.h>

#include "md-error.h"
#include "udp.h"

#define KEY_COUNTER_BOUND "counters/unencrypted-bound"

G_STATIC_ASSERT(sizeof(MdUdpPeer) <= MATTER_PEER_ADDRESS_MAX);

struct _MdMessaging {
  MdStore *store; /* not owned */
  MdUdp *udp;
  MatterSession *secure;
  gsize secure_capacity;
  MatterSession *unsecured;
  gsize unsecured_capacity;
  MatterSessionTable sessions;
  MatterExchange *exchange_slots;
  gsize exchange_capacity;
  MatterExchangeManager exchanges;
  guint timer_id;

  /* The BLE link (ble.c through main.c), when there is one. */
  MdMessagingBleSendFunc ble_send;
  gpointer ble_send_data;

  MdMessagingSessionsChangedFunc sessions_changed;
  gpointer sessions_changed_data;
  const MdMessagingTimerClient *timer_client;
  gpointer timer_client_data;
};

guint64
md_messaging_now_ms(void)
{
  return (guint64) (g_get_monotonic_time() / 1000);
}

static void
peer_from_udp(const MdUdpPeer *udp_peer, MatterPeerAddress *peer)
{
  memset(peer, 0, sizeof(*peer));
  peer->transport = MATTER_TRANSPORT_UDP;
  peer->len = sizeof(*udp_peer);
  memcpy(peer->bytes, udp_peer, sizeof(*udp_peer));
}

static gboolean
peer_to_udp(const MatterPeerAddress *peer, MdUdpPeer *udp_peer)
{
  if (peer->transport != MATTER_TRANSPORT_UDP || peer->len != sizeof(*udp_peer))
    return FALSE;
  memcpy(udp_peer, peer->bytes, sizeof(*udp_peer));
  return TRUE;
}

void
md_messaging_ble_peer(guint32 connection, MatterPeerAddress *peer)
{
  memset(peer, 0, sizeof(*peer));
  peer->transport = MATTER_TRANSPORT_BLE;
  peer->len = sizeof(connection);
  memcpy(peer->bytes, &connection, sizeof(connection));
}

static gboolean
peer_to_ble(const MatterPeerAddress *peer, guint32 *connection)
{
  if (peer->transport != MATTER_TRANSPORT_BLE || peer->len != sizeof(*connection))
    return FALSE;
  memcpy(connection, peer->bytes, sizeof(*connection));
  return TRUE;
}

char *
md_messaging_peer_to_string(const MatterPeerAddress *peer)
{
  MdUdpPeer udp_peer;
  guint32 connection;

  if (peer_to_ble(peer, &connection))
    return g_strdup_printf("BLE connection %u", connection);
  if (!peer_to_udp(peer, &udp_peer))
    return g_strdup("?");
  return md_udp_peer_to_string(&udp_peer);
}

static gboolean on_timer(gpointer user_data);

void
md_messaging_reschedule(MdMessaging *self)
{
  guint64 deadline = matter_exchange_manager_next_deadline(&self->exchanges);
  guint64 now = md_messaging_now_ms();

  if (self->timer_client != NULL)
    deadline = MIN(deadline, self->timer_client->next_deadline(self->timer_client_data));

  g_clear_handle_id(&self->timer_id, g_source_remove);
  if (deadline == MATTER_MRP_NEVER)
    return;
  self->timer_id = g_timeout_add((guint) MIN(deadline > now ? deadline - now : 0, G_MAXUINT),
                                 on_timer, self);
}

static gboolean
on_timer(gpointer user_data)
{
  MdMessaging *self = user_data;

  self->timer_id = 0;
  matter_exchange_manager_process(&self->exchanges, md_messaging_now_ms());
  if (self->timer_client != NULL)
    self->timer_client->process(self->timer_client_data, md_messaging_now_ms());
  md_messaging_reschedule(self);
  return G_SOURCE_REMOVE;
}

/* One message from @peer, whatever carried it. */
static void
receive(MdMessaging *self, const MatterPeerAddress *peer, const guint8 *data, gsize len)
{
  guint8 msg[MATTER_MESSAGE_MAX];
  MatterError err;

  if (len > sizeof(msg)) {
    g_debug("Dropped a message of %zu bytes: over the %zu a Matter message may have", len,
            sizeof(msg));
    return;
  }
  /* The core decrypts in place; the buffer is the transport's. */
  memcpy(msg, data, len);
  err = matter_exchange_manager_receive_raw(&self->exchanges, peer, msg, len,
                                            md_messaging_now_ms());
  if (err != MATTER_OK) {
    g_autofree char *from = md_messaging_peer_to_string(peer);

    /* Malformed, replayed or undecryptable messages are dropped without a
     * reply (4.6.2); say why at debug level, since anyone can send them. */
    g_debug("Dropped a message from %s: %s", from, matter_error_str(err));
  }
  matter_secure_zero(msg, len);
  md_messaging_reschedule(self);
}

static void
on_datagram(MdUdp *udp, const guint8 *data, gsize len, const MdUdpPeer *udp_peer,
            gpointer user_data)
{
  MatterPeerAddress peer;

  peer_from_udp(udp_peer, &peer);
  receive(user_data, &peer, data, len);
}

void
md_messaging_receive_ble(MdMessaging *self, guint32 connection, const guint8 *data, gsize len)
{
  MatterPeerAddress peer;

  md_messaging_ble_peer(connection, &peer);
  receive(self, &peer, data, len);
}

void
md_messaging_set_ble_send_func(MdMessaging *self, MdMessagingBleSendFunc func,
                               gpointer user_data)
{
  self->ble_send = func;
  self->ble_send_data = user_data;
}

static MatterError
send_message(void *user_data, const MatterSession *session, const uint8_t *msg, size_t len)
{
  MdMessaging *self = user_data;
  g_autoptr(GError) error = NULL;
  MdUdpPeer udp_peer;
  guint32 connection;

  if (peer_to_ble(&session->peer_address, &connection)) {
    if (self->ble_send == NULL || !self->ble_send(connection, msg, len, self->ble_send_data,
                                                  &error)) {
      g_debug("Cannot send over BLE: %s", error != NULL ? error->message : "no link");
      return MATTER_ERROR_INVALID_ARGUMENT;
    }
    return MATTER_OK;
  }
  if (!peer_to_udp(&session->peer_address, &udp_peer))
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (!md_udp_send(self->udp, &udp_peer, msg, len, &error)) {
    g_debug("%s", error->message);
    return MATTER_ERROR_INVALID_ARGUMENT;
  }
  return MATTER_OK;
}

static MatterError
store_counter(void *user_data, uint32_t bound)
{
  MdMessaging *self = user_data;
  g_autoptr(GError) error = NULL;

  if (!md_store_put_uint64(self->store, KEY_COUNTER_BOUND, bound, &error)) {
    g_warning("Cannot store the message counter reservation: %s", error->message);
    return MATTER_ERROR_COUNTER_PERSIST;
  }
  return MATTER_OK;
}

static void
session_closed(void *user_data, MatterSession *session)
{
  MdMessaging *self = user_data;

  g_message("Session %u ended: its message counter ran out", session->local_session_id);
  /* Called before the session is wiped: announce after this returns. */
  g_idle_add_once((GSourceOnceFunc) md_messaging_sessions_changed, self);
}

static gboolean
resume_counter(MdMessaging *self, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  guint64 bound;
  MatterError err;

  if (!md_store_get_uint64(self->store, KEY_COUNTER_BOUND, &bound, &local_error)) {
    if (g_error_matches(local_error, MD_ERROR, MD_ERROR_NOT_FOUND))
      return TRUE;
    g_propagate_error(error, g_steal_pointer(&local_error));
    return FALSE;
  }
  err = matter_exchange_manager_resume_counter(&self->exchanges, (guint32) MIN(bound, G_MAXUINT32));
  if (err != MATTER_OK) {
    md_error_set_core(error, err, "Cannot resume the message counter");
    return FALSE;
  }
  return TRUE;
}

static void
allocate_tables(MdMessaging *self, guint supported_fabrics, guint handshakes)
{
  self->secure_capacity = supported_fabrics * MD_MESSAGING_CASE_SESSIONS_PER_FABRIC +
                          MD_MESSAGING_PASE_SESSIONS + handshakes;
  self->unsecured_capacity = 2 * (gsize) handshakes;
  self->exchange_capacity = self->secure_capacity * MD_MESSAGING_EXCHANGES_PER_SESSION +
                            2 * self->unsecured_capacity;
  self->secure = g_new0(MatterSession, self->secure_capacity);
  self->unsecured = g_new0(MatterSession, self->unsecured_capacity);
  self->exchange_slots = g_new0(MatterExchange, self->exchange_capacity);
  g_debug("Message layer: %zu secure sessions, %zu unsecured contexts, %zu exchanges",
          self->secure_capacity, self->unsecured_capacity, self->exchange_capacity);
}

MdMessaging *
md_messaging_new(MdStore *store, guint16 port, guint supported_fabrics, guint handshakes,
                 GError **error)
{
  static const MatterExchangeCallbacks callbacks = {
    .send = send_message,
    .store_counter = store_counter,
    .session_closed = session_closed,
  };
  g_autoptr(MdMessaging) self = g_new0(MdMessaging, 1);
  MatterError err;

  self->store = store;
  allocate_tables(self, supported_fabrics, handshakes);
  err = matter_session_table_init(&self->sessions, self->secure, self->secure_capacity,
                                  self->unsecured, self->unsecured_capacity, NULL);
  if (err == MATTER_OK)
    err = matter_exchange_manager_init(&self->exchanges, &self->sessions, self->exchange_slots,
                                       self->exchange_capacity, &callbacks, self, NULL);
  if (err != MATTER_OK) {
    md_error_set_core(error, err, "Cannot set up the message layer");
    return NULL;
  }
  if (!resume_counter(self, error))
    return NULL;
  self->udp = md_udp_new(port, on_datagram, self, error);
  if (self->udp == NULL)
    return NULL;
  return g_steal_pointer(&self);
}

void
md_messaging_free(MdMessaging *self)
{
  if (self == NULL)
    return;
  g_clear_handle_id(&self->timer_id, g_source_remove);
  g_clear_pointer(&self->udp, md_udp_free);
  if (self->secure != NULL)
    matter_session_table_clear(&self->sessions);
  /* Retransmission buffers hold ciphertext only, but wipe them too. */
  if (self->exchange_slots != NULL)
    matter_secure_zero(self->exchange_slots, self->exchange_capacity * sizeof(MatterExchange));
  g_free(self->exchange_slots);
  g_free(self->unsecured);
  g_free(self->secure);
  g_free(self);
}

guint16
md_messaging_get_port(MdMessaging *self)
{
  return md_udp_get_port(self->udp);
}

MatterExchangeManager *
md_messaging_get_exchanges(MdMessaging *self)
{
  return &self->exchanges;
}

MatterSessionTable *
md_messaging_get_sessions(MdMessaging *self)
{
  return &self->sessions;
}

guint
md_messaging_count_sessions(MdMessaging *self)
{
  guint count = 0;

  for (gsize i = 0; i < self->secure_capacity; i++)
    count += self->secure[i].state == MATTER_SESSION_ACTIVE;
  return count;
}

void
md_messaging_set_sessions_changed_func(MdMessaging *self, MdMessagingSessionsChangedFunc func,
                                       gpointer user_data)
{
  self->sessions_changed = func;
  self->sessions_changed_data = user_data;
}

void
md_messaging_sessions_changed(MdMessaging *self)
{
  if (self->sessions_changed != NULL)
    self->sessions_changed(self, self->sessions_changed_data);
}

void
md_messaging_set_timer_client(MdMessaging *self, const MdMessagingTimerClient *client,
                              gpointer user_data)
{
  self->timer_client = client;
  self->timer_client_data = user_data;
  md_messaging_reschedule(self);
}
