/* SPDX-License-Identifier: Apache-2.0 */
#define G_LOG_DOMAIN "matterd"

#include "ble-transport.h"

#include "ble.h"
#include "commissioning.h"
#include "md-error.h"

struct _MdBleTransport {
  MdNode *node;           /* not owned */
  MdMessaging *messaging; /* not owned */
  MdBleTransportStateFunc state_func;
  gpointer user_data;
  gboolean insist; /* [Bluetooth] Enable=yes: say so when BLE cannot be used */
  MdBle *ble;
  /* The current connection's number, and whether one is open: messages
   * of a connection that went never reach a later one's sessions. */
  guint32 connection;
  gboolean connected;
  MdBleState last_state;
  guint start_check_id;
};

static void
on_connected(gpointer user_data)
{
  MdBleTransport *self = user_data;

  self->connection++;
  self->connected = TRUE;
  g_message("A commissioner connected over BLE (connection %u)", self->connection);
  /* One connection at a time: no one else needs to find the node now. */
  md_ble_transport_sync(self);
}

static void
on_received(const guint8 *message, gsize len, gpointer user_data)
{
  MdBleTransport *self = user_data;

  if (self->connected)
    md_messaging_receive_ble(self->messaging, self->connection, message, len);
}

static void
on_disconnected(gpointer user_data)
{
  MdBleTransport *self = user_data;
  MatterPeerAddress peer;

  if (!self->connected)
    return;
  self->connected = FALSE;
  g_message("BLE connection %u ended", self->connection);
  md_messaging_ble_peer(self->connection, &peer);
  md_node_link_lost(self->node, &peer, md_messaging_now_ms());
  md_messaging_reschedule(self->messaging);
  md_ble_transport_sync(self);
}

/* [Bluetooth] Enable=yes: the operator wants to hear that BLE cannot be
 * used. */
static void
warn_unusable(MdBleTransport *self, MdBleState state)
{
  if (state == MD_BLE_STATE_OFF || state == MD_BLE_STATE_NO_ADAPTER)
    g_warning("Bluetooth: %s; commissioning over BLE waits for it ([Bluetooth] Enable=yes)",
              state == MD_BLE_STATE_OFF ? "BlueZ is not running" : "no adapter to use");
}

/* BlueZ is looked for asynchronously: whether it was found is known a
 * moment after start. */
#define START_GRACE_S 5

static gboolean
check_at_start(gpointer user_data)
{
  MdBleTransport *self = user_data;

  self->start_check_id = 0;
  warn_unusable(self, md_ble_get_state(self->ble));
  return G_SOURCE_REMOVE;
}

static void
on_state_changed(gpointer user_data)
{
  MdBleTransport *self = user_data;
  MdBleState state = md_ble_get_state(self->ble);

  md_commissioning_set_ble(md_node_get_commissioning(self->node), md_ble_in_use(self->ble));
  if (self->insist && state != self->last_state)
    warn_unusable(self, state);
  self->last_state = state;
  if (self->state_func != NULL)
    self->state_func(md_ble_state_to_string(state), self->user_data);
}

static gboolean
send_message(guint32 connection, const guint8 *msg, gsize len, gpointer user_data,
             GError **error)
{
  MdBleTransport *self = user_data;

  if (!self->connected || connection != self->connection) {
    g_set_error(error, MD_ERROR, MD_ERROR_NOT_FOUND, "BLE connection %u is gone", connection);
    return FALSE;
  }
  return md_ble_send(self->ble, msg, len, error);
}

void
md_ble_transport_sync(MdBleTransport *self)
{
  MdCommissioning *commissioning;
  MdBleAdvertisement advertisement;

  if (self == NULL)
    return;
  commissioning = md_node_get_commissioning(self->node);
  if (md_commissioning_get_window(commissioning) == MD_WINDOW_CLOSED || self->connected) {
    md_ble_set_advertisement(self->ble, NULL);
    return;
  }
  advertisement = (MdBleAdvertisement) {
    .discriminator = md_commissioning_get_discriminator(commissioning),
    .vendor_id = md_node_get_vendor_id(self->node),
    .product_id = md_node_get_product_id(self->node),
    .additional_data = FALSE,
  };
  md_ble_set_advertisement(self->ble, &advertisement);
}

MdBleTransport *
md_ble_transport_new(const MdConfig *config, MdNode *node, MdMessaging *messaging,
                     MdBleTransportStateFunc state_func, gpointer user_data)
{
  static const MdBleCallbacks callbacks = {
    .connected = on_connected,
    .received = on_received,
    .disconnected = on_disconnected,
    .state_changed = on_state_changed,
  };
  MdBleConfig ble_config = {
    .enable = config->bluetooth != MD_CONFIG_NO,
    .adapter = config->bluetooth_adapter,
  };
  MdBleTransport *self;

  if (config->bluetooth == MD_CONFIG_NO)
    return NULL;
  self = g_new0(MdBleTransport, 1);
  self->node = node;
  self->messaging = messaging;
  self->state_func = state_func;
  self->user_data = user_data;
  self->insist = config->bluetooth == MD_CONFIG_YES;
  self->last_state = MD_BLE_STATE_OFF;
  md_messaging_set_ble_send_func(messaging, send_message, self);
  self->ble = md_ble_new(&ble_config, NULL, &callbacks, self);
  on_state_changed(self);
  md_ble_transport_sync(self);
  if (self->insist)
    self->start_check_id = g_timeout_add_seconds(START_GRACE_S, check_at_start, self);
  return self;
}

void
md_ble_transport_free(MdBleTransport *self)
{
  if (self == NULL)
    return;
  g_clear_handle_id(&self->start_check_id, g_source_remove);
  md_messaging_set_ble_send_func(self->messaging, NULL, NULL);
  g_clear_pointer(&self->ble, md_ble_free);
  g_free(self);
}
