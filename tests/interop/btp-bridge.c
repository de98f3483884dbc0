/* SPDX-License-Identifier: Apache-2.0 */
/* The BTP client side of the bridge follows Core spec 4.17: the handshake
 * (4.17.2.3, 4.17.2.4, 4.17.3.3), segmentation and reassembly (4.17.3.5),
 * sequence numbers (4.17.3.6), receive windows (4.17.3.7) and the two
 * acknowledgement timers (4.17.3.8). What the node sends is checked as the
 * specification states it; a violation ends the session and is reported. */
#include "btp-bridge.h"

#include <string.h>

/* Header flags (Table 26). 0x02 is unused in the specification, but the
 * widely deployed SDK sets it on middle segments: accepted, never sent. */
#define BTP_BEGIN 0x01
#define BTP_CONTINUE 0x02
#define BTP_END 0x04
#define BTP_ACK 0x08
#define BTP_MANAGEMENT 0x20
#define BTP_HANDSHAKE 0x40
#define BTP_HANDSHAKE_FLAGS (BTP_HANDSHAKE | BTP_MANAGEMENT | BTP_END | BTP_BEGIN)
#define BTP_HANDSHAKE_OPCODE 0x6C
#define BTP_VERSION 4
#define BTP_SEGMENT_MAX 244
/* ATT MTU 23 less the ATT header. */
#define BTP_SEGMENT_MIN 20
#define BTP_HANDSHAKE_RESPONSE_LEN 6

/* Table 32, in milliseconds; the send-acknowledgement timer is less than
 * half the acknowledgement timeout (4.17.3.8). */
#define BTP_CONN_RSP_TIMEOUT_MS 5000
#define BTP_ACK_TIMEOUT_MS 15000
#define BTP_SEND_ACK_MS 2500

/* A Matter message over UDP is at most 1280 bytes; room for more. */
#define DATAGRAM_MAX 2048

typedef enum {
  STATE_HANDSHAKE,
  STATE_OPEN,
  STATE_CLOSED,
} State;

struct _MdTestBtpBridge {
  MdTestBluez *bluez; /* not owned */
  GDBusConnection *connection;
  GCancellable *cancellable;
  guint signal_id;
  char *device;
  guint16 mtu;
  guint8 offered_window;
  State state;
  char *end;
  gboolean failed;

  /* Selected in the handshake. */
  guint16 segment;
  guint8 window;

  /* Sending (4.17.3.6, 4.17.3.7): the sequence number of our next packet
   * and the newest one the node acknowledged. */
  guint8 tx_seq;
  guint8 tx_acked;
  gboolean write_in_flight;
  GQueue queue; /* GBytes: SDUs behind the one in transmission */
  GBytes *tx;
  gsize tx_done;
  guint ack_received_id; /* the acknowledgement-received timer */

  /* Receiving: the node's newest sequence number and the newest we
   * acknowledged; an acknowledgement is pending while they differ. */
  guint8 rx_seq;
  guint8 rx_acked;
  gboolean ack_due; /* the send-acknowledgement timer fired */
  guint send_ack_id;
  GByteArray *rx;
  gsize rx_len;
  gboolean rx_active;

  guint handshake_id; /* BTP_CONN_RSP_TIMEOUT */

  GSocket *socket;
  GSource *socket_source;
  GSocketAddress *peer; /* where the last datagram came from */
  guint16 port;

  MdTestBtpBridgeStats stats;
};

static void pump(MdTestBtpBridge *bridge);

static void
clear_timer(guint *id)
{
  if (*id != 0) {
    g_source_remove(*id);
    *id = 0;
  }
}

static void close_session(MdTestBtpBridge *bridge, gboolean failed, const char *format, ...)
    G_GNUC_PRINTF(3, 4);

/* Ends the session once; a failure also drops the link, as a BTP client
 * does when it closes a session it cannot go on with. */
static void
close_session(MdTestBtpBridge *bridge, gboolean failed, const char *format, ...)
{
  va_list args;

  if (bridge->state == STATE_CLOSED)
    return;
  bridge->state = STATE_CLOSED;
  bridge->failed = failed;
  va_start(args, format);
  bridge->end = g_strdup_vprintf(format, args);
  va_end(args);
  g_test_message("BTP bridge: session ended: %s", bridge->end);
  clear_timer(&bridge->ack_received_id);
  clear_timer(&bridge->send_ack_id);
  clear_timer(&bridge->handshake_id);
  if (failed)
    g_dbus_connection_call(
        bridge->connection, "org.bluez", "/org/bluez/test", MD_TEST_BLUEZ_CONTROL, "Disconnect",
        g_variant_new("(o)", bridge->device), NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL, NULL);
}

/* ---- Timers ---- */

static gboolean
on_handshake_timeout(gpointer user_data)
{
  MdTestBtpBridge *bridge = user_data;

  bridge->handshake_id = 0;
  close_session(bridge, TRUE, "no handshake response within %u ms", BTP_CONN_RSP_TIMEOUT_MS);
  return G_SOURCE_REMOVE;
}

static gboolean
on_ack_received_timeout(gpointer user_data)
{
  MdTestBtpBridge *bridge = user_data;

  bridge->ack_received_id = 0;
  close_session(bridge, TRUE, "packet %u not acknowledged within %u ms",
                (guint8) (bridge->tx_acked + 1), BTP_ACK_TIMEOUT_MS);
  return G_SOURCE_REMOVE;
}

static gboolean
on_send_ack(gpointer user_data)
{
  MdTestBtpBridge *bridge = user_data;

  bridge->send_ack_id = 0;
  bridge->ack_due = TRUE;
  pump(bridge);
  return G_SOURCE_REMOVE;
}

/* ---- Windows (4.17.3.7) ---- */

/* Our packets the node has not acknowledged. */
static guint
in_flight(MdTestBtpBridge *bridge)
{
  return (guint8) (bridge->tx_seq - 1 - bridge->tx_acked);
}

static gboolean
ack_pending(MdTestBtpBridge *bridge)
{
  return bridge->rx_seq != bridge->rx_acked;
}

/* Free slots of our own receive window. */
static guint
own_free(MdTestBtpBridge *bridge)
{
  return bridge->window - (guint8) (bridge->rx_seq - bridge->rx_acked);
}

/* ---- Sending ---- */

/* Takes the reply of a Control1 call made for @user_data: the bridge, or
 * NULL when the call was cancelled (the bridge may be gone). */
static MdTestBtpBridge *
finish_call(GObject *source, GAsyncResult *result, gpointer user_data, GError **error)
{
  GVariant *reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, error);

  if (reply != NULL)
    g_variant_unref(reply);
  if (error != NULL && g_error_matches(*error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return NULL;
  return user_data;
}

static void
on_write_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  MdTestBtpBridge *bridge = finish_call(source, result, user_data, &error);

  if (bridge == NULL)
    return;
  bridge->write_in_flight = FALSE;
  if (error != NULL) {
    g_dbus_error_strip_remote_error(error);
    close_session(bridge, TRUE, "a write to C1 failed: %s", error->message);
    return;
  }
  pump(bridge);
}

static void
write_packet(MdTestBtpBridge *bridge, const guint8 *packet, gsize len)
{
  bridge->write_in_flight = TRUE;
  bridge->stats.writes++;
  g_dbus_connection_call(
      bridge->connection, "org.bluez", "/org/bluez/test", MD_TEST_BLUEZ_CONTROL, "Write",
      g_variant_new("(o@ay)", bridge->device,
                    g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, packet, len, 1)),
      NULL, G_DBUS_CALL_FLAGS_NONE, MD_TEST_TIMEOUT_MS, bridge->cancellable, on_write_done, bridge);
}

/* The next packet: a segment of the SDU in transmission when there is
 * one, else a stand-alone acknowledgement; the pending acknowledgement
 * rides on it either way (4.17.3.8). */
static void
send_packet(MdTestBtpBridge *bridge)
{
  guint8 packet[BTP_SEGMENT_MAX];
  gsize n = 1;

  packet[0] = 0;
  if (ack_pending(bridge)) {
    packet[0] |= BTP_ACK;
    packet[n++] = bridge->rx_seq;
    bridge->rx_acked = bridge->rx_seq;
    bridge->ack_due = FALSE;
    clear_timer(&bridge->send_ack_id);
  }
  packet[n++] = bridge->tx_seq++;
  if (bridge->tx != NULL) {
    gsize len = g_bytes_get_size(bridge->tx);
    const guint8 *data = g_bytes_get_data(bridge->tx, NULL);
    gsize take;

    if (bridge->tx_done == 0) {
      packet[0] |= BTP_BEGIN;
      packet[n++] = len & 0xFF;
      packet[n++] = len >> 8;
    }
    /* Every segment but the last fills the packet (4.17.3.5). */
    take = MIN(bridge->segment - n, len - bridge->tx_done);
    memcpy(packet + n, data + bridge->tx_done, take);
    n += take;
    bridge->tx_done += take;
    if (bridge->tx_done == len) {
      packet[0] |= BTP_END;
      g_clear_pointer(&bridge->tx, g_bytes_unref);
    }
  } else {
    bridge->stats.standalone_acks++;
  }
  if (bridge->ack_received_id == 0)
    bridge->ack_received_id = g_timeout_add(BTP_ACK_TIMEOUT_MS, on_ack_received_timeout, bridge);
  write_packet(bridge, packet, n);
}

/* Sends what may go now: one write at a time (an ATT request and its
 * response), within the node's window, which is closed at one free slot
 * unless the packet carries an acknowledgement. */
static void
pump(MdTestBtpBridge *bridge)
{
  guint free_slots;

  if (bridge->state != STATE_OPEN || bridge->write_in_flight)
    return;
  if (bridge->tx == NULL && !g_queue_is_empty(&bridge->queue)) {
    bridge->tx = g_queue_pop_head(&bridge->queue);
    bridge->tx_done = 0;
  }
  free_slots = bridge->window - in_flight(bridge);
  if (bridge->tx != NULL) {
    if (free_slots > 1 || (free_slots == 1 && ack_pending(bridge)))
      send_packet(bridge);
    else
      bridge->stats.window_waits++;
    return;
  }
  /* A stand-alone acknowledgement when the timer says so, or at once when
   * our window is about to close (4.17.3.8). */
  if (ack_pending(bridge) && free_slots >= 1 && (bridge->ack_due || own_free(bridge) <= 2))
    send_packet(bridge);
}

/* ---- Receiving ---- */

static void
deliver(MdTestBtpBridge *bridge)
{
  g_autoptr(GError) error = NULL;

  bridge->stats.sdus_in++;
  bridge->stats.largest_sdu_in = MAX(bridge->stats.largest_sdu_in, bridge->rx->len);
  if (bridge->peer == NULL) {
    g_test_message("BTP bridge: an SDU of %u bytes before any datagram: dropped", bridge->rx->len);
    return;
  }
  if (g_socket_send_to(bridge->socket, bridge->peer, (const char *) bridge->rx->data,
                       bridge->rx->len, NULL, &error) < 0)
    g_test_message("BTP bridge: sending a datagram: %s", error->message);
}

/* 4.17.3.8: an acknowledgement must name an outstanding packet; the
 * acknowledgement-received timer stops with the newest and restarts
 * with an older one. */
static gboolean
take_ack(MdTestBtpBridge *bridge, guint8 ack)
{
  guint8 advance = (guint8) (ack - bridge->tx_acked);

  if (advance == 0 || advance > in_flight(bridge)) {
    close_session(bridge, TRUE,
                  "acknowledgement %u of no outstanding packet (%u acknowledged, %u out)", ack,
                  bridge->tx_acked, in_flight(bridge));
    return FALSE;
  }
  bridge->tx_acked = ack;
  clear_timer(&bridge->ack_received_id);
  if (in_flight(bridge) > 0)
    bridge->ack_received_id = g_timeout_add(BTP_ACK_TIMEOUT_MS, on_ack_received_timeout, bridge);
  return TRUE;
}

/* The payload of a data packet, after its header: 4.17.3.5. */
static gboolean
take_segment(MdTestBtpBridge *bridge, guint8 flags, const guint8 *p, gsize len, gsize n)
{
  if (flags & BTP_BEGIN) {
    if (bridge->rx_active) {
      close_session(bridge, TRUE, "a beginning segment inside another SDU");
      return FALSE;
    }
    if (n + 2 > len) {
      close_session(bridge, TRUE, "a beginning segment without its message length");
      return FALSE;
    }
    bridge->rx_len = p[n] | p[n + 1] << 8;
    n += 2;
    bridge->rx_active = TRUE;
    g_byte_array_set_size(bridge->rx, 0);
  }
  if (len > n) {
    if (!bridge->rx_active) {
      close_session(bridge, TRUE, "a segment outside any SDU");
      return FALSE;
    }
    if (!(flags & BTP_END) && len != bridge->segment) {
      close_session(bridge, TRUE, "a middle segment of %zu bytes, not %u", len, bridge->segment);
      return FALSE;
    }
    g_byte_array_append(bridge->rx, p + n, (guint) (len - n));
    if (bridge->rx->len > bridge->rx_len) {
      close_session(bridge, TRUE, "an SDU longer than its message length %zu", bridge->rx_len);
      return FALSE;
    }
  }
  if (flags & BTP_END) {
    if (!bridge->rx_active) {
      close_session(bridge, TRUE, "an ending segment without a beginning");
      return FALSE;
    }
    if (bridge->rx->len != bridge->rx_len) {
      close_session(bridge, TRUE, "an SDU of %u bytes where its length said %zu", bridge->rx->len,
                    bridge->rx_len);
      return FALSE;
    }
    bridge->rx_active = FALSE;
    deliver(bridge);
  }
  return TRUE;
}

static void
take_data(MdTestBtpBridge *bridge, const guint8 *p, gsize len)
{
  guint8 flags;
  gsize n = 1;

  if (len < 2) {
    close_session(bridge, TRUE, "an indication of %zu bytes", len);
    return;
  }
  flags = p[0];
  if (flags & ~(BTP_BEGIN | BTP_CONTINUE | BTP_END | BTP_ACK)) {
    close_session(bridge, TRUE, "header flags 0x%02x in an open session", flags);
    return;
  }
  if (flags & BTP_ACK) {
    if (!take_ack(bridge, p[n++]))
      return;
    if (n >= len) {
      close_session(bridge, TRUE, "a packet without a sequence number");
      return;
    }
  }
  /* 4.17.3.6: each packet the sender's previous number plus one. */
  if (p[n] != (guint8) (bridge->rx_seq + 1)) {
    close_session(bridge, TRUE, "sequence number %u where %u was due", p[n],
                  (guint8) (bridge->rx_seq + 1));
    return;
  }
  bridge->rx_seq = p[n++];
  if ((guint8) (bridge->rx_seq - bridge->rx_acked) > bridge->window) {
    close_session(bridge, TRUE, "packet %u beyond our window of %u", bridge->rx_seq,
                  bridge->window);
    return;
  }
  if (bridge->send_ack_id == 0)
    bridge->send_ack_id = g_timeout_add(BTP_SEND_ACK_MS, on_send_ack, bridge);
  take_segment(bridge, flags, p, len, n);
}

/* 4.17.2.4: version 4, the segment size and window the node selected,
 * no larger than what we offered (4.17.3.3). */
static void
take_handshake_response(MdTestBtpBridge *bridge, const guint8 *p, gsize len)
{
  guint16 offered_segment = MIN(bridge->mtu - 3, BTP_SEGMENT_MAX);

  clear_timer(&bridge->handshake_id);
  if (len != BTP_HANDSHAKE_RESPONSE_LEN || p[0] != BTP_HANDSHAKE_FLAGS ||
      p[1] != BTP_HANDSHAKE_OPCODE || (p[2] & 0x0F) != BTP_VERSION) {
    g_autoptr(GString) hex = g_string_new(NULL);

    for (gsize i = 0; i < len; i++)
      g_string_append_printf(hex, "%02x", p[i]);
    close_session(bridge, TRUE, "not a handshake response for version %u: %s", BTP_VERSION,
                  hex->str);
    return;
  }
  bridge->segment = (guint16) (p[3] | p[4] << 8);
  bridge->window = p[5];
  if (bridge->segment < BTP_SEGMENT_MIN || bridge->segment > offered_segment ||
      bridge->window == 0 || bridge->window > bridge->offered_window) {
    close_session(bridge, TRUE, "segment size %u and window %u, offered %u and %u", bridge->segment,
                  bridge->window, offered_segment, bridge->offered_window);
    return;
  }
  /* The response is the node's packet 0, to be acknowledged; our own
   * numbers start at 0 with the node's whole window free (4.17.3.6,
   * 4.17.3.7, 4.17.3.8). */
  bridge->state = STATE_OPEN;
  bridge->rx_seq = 0;
  bridge->rx_acked = 255;
  bridge->tx_seq = 0;
  bridge->tx_acked = 255;
  bridge->send_ack_id = g_timeout_add(BTP_SEND_ACK_MS, on_send_ack, bridge);
  pump(bridge);
}

static void
on_signal(GDBusConnection *connection, const char *sender, const char *path, const char *interface,
          const char *name, GVariant *parameters, gpointer user_data)
{
  MdTestBtpBridge *bridge = user_data;

  if (bridge->state == STATE_CLOSED)
    return;
  if (g_str_equal(name, "Indication")) {
    g_autoptr(GVariant) value = NULL;
    const char *device;
    const guint8 *p;
    gsize len;

    g_variant_get(parameters, "(&o@ay)", &device, &value);
    if (!g_str_equal(device, bridge->device))
      return;
    p = g_variant_get_fixed_array(value, &len, 1);
    bridge->stats.indications++;
    /* Never longer than ATT MTU - 3, so never cut (4.17.2.3). */
    if (len > (gsize) bridge->mtu - 3)
      close_session(bridge, TRUE, "an indication of %zu bytes over ATT MTU %u", len, bridge->mtu);
    else if (bridge->state == STATE_HANDSHAKE)
      take_handshake_response(bridge, p, len);
    else
      take_data(bridge, p, len);
    pump(bridge);
  } else if (g_str_equal(name, "Disconnected")) {
    const char *device, *reason;

    g_variant_get(parameters, "(&o&s)", &device, &reason);
    if (g_str_equal(device, bridge->device))
      close_session(bridge, FALSE, "link dropped (%s)", reason);
  }
}

/* ---- The handshake (4.17.3.3) ---- */

static void
on_subscribed(GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  MdTestBtpBridge *bridge = finish_call(source, result, user_data, &error);

  if (bridge != NULL && error != NULL) {
    g_dbus_error_strip_remote_error(error);
    close_session(bridge, TRUE, "subscribing to C2 failed: %s", error->message);
  }
}

/* The request written, the client subscribes to C2; the response comes
 * as the first indication. */
static void
on_request_written(GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  MdTestBtpBridge *bridge = finish_call(source, result, user_data, &error);

  if (bridge == NULL)
    return;
  bridge->write_in_flight = FALSE;
  if (error != NULL) {
    g_dbus_error_strip_remote_error(error);
    close_session(bridge, TRUE, "writing the handshake request failed: %s", error->message);
    return;
  }
  g_dbus_connection_call(bridge->connection, "org.bluez", "/org/bluez/test", MD_TEST_BLUEZ_CONTROL,
                         "Subscribe", g_variant_new("(o)", bridge->device), NULL,
                         G_DBUS_CALL_FLAGS_NONE, MD_TEST_TIMEOUT_MS, bridge->cancellable,
                         on_subscribed, bridge);
}

/* 4.17.2.3: version 4 alone, the segment size ATT MTU - 3 allows, our
 * window. */
static void
send_handshake_request(MdTestBtpBridge *bridge)
{
  guint16 segment = bridge->mtu - 3;
  const guint8 request[9] = {
    BTP_HANDSHAKE_FLAGS, BTP_HANDSHAKE_OPCODE,   BTP_VERSION, 0, 0, 0, segment & 0xFF,
    segment >> 8,        bridge->offered_window,
  };

  bridge->handshake_id = g_timeout_add(BTP_CONN_RSP_TIMEOUT_MS, on_handshake_timeout, bridge);
  bridge->write_in_flight = TRUE;
  g_dbus_connection_call(
      bridge->connection, "org.bluez", "/org/bluez/test", MD_TEST_BLUEZ_CONTROL, "Write",
      g_variant_new("(o@ay)", bridge->device,
                    g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, request, sizeof(request), 1)),
      NULL, G_DBUS_CALL_FLAGS_NONE, MD_TEST_TIMEOUT_MS, bridge->cancellable, on_request_written,
      bridge);
}

/* ---- The UDP side ---- */

static gboolean
on_datagram(GSocket *socket, GIOCondition condition, gpointer user_data)
{
  MdTestBtpBridge *bridge = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) from = NULL;
  char buffer[DATAGRAM_MAX];
  gssize len = g_socket_receive_from(socket, &from, buffer, sizeof(buffer), NULL, &error);

  if (len < 0) {
    if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
      g_test_message("BTP bridge: reading a datagram: %s", error->message);
    return G_SOURCE_CONTINUE;
  }
  g_set_object(&bridge->peer, from);
  if (bridge->state != STATE_OPEN) {
    g_test_message("BTP bridge: a datagram of %zd bytes after the session ended: dropped", len);
    return G_SOURCE_CONTINUE;
  }
  bridge->stats.datagrams_in++;
  bridge->stats.largest_sdu_out = MAX(bridge->stats.largest_sdu_out, (guint) len);
  g_queue_push_tail(&bridge->queue, g_bytes_new(buffer, (gsize) len));
  pump(bridge);
  return G_SOURCE_CONTINUE;
}

static void
open_socket(MdTestBtpBridge *bridge)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new(loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  bridge->socket =
      g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &error);
  g_assert_no_error(error);
  g_socket_set_blocking(bridge->socket, FALSE);
  g_socket_bind(bridge->socket, any_port, FALSE, &error);
  g_assert_no_error(error);
  bound = g_socket_get_local_address(bridge->socket, &error);
  g_assert_no_error(error);
  bridge->port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
  bridge->socket_source = g_socket_create_source(bridge->socket, G_IO_IN, NULL);
  g_source_set_callback(bridge->socket_source, G_SOURCE_FUNC(on_datagram), bridge, NULL);
  g_source_attach(bridge->socket_source, NULL);
}

/* ---- The bridge ---- */

MdTestBtpBridge *
md_test_btp_bridge_new(MdTestBluez *bluez, const char *address, guint16 mtu, const char *mode,
                       guint8 window)
{
  MdTestBtpBridge *bridge = g_new0(MdTestBtpBridge, 1);
  g_autoptr(GVariant) reply = NULL;

  bridge->bluez = bluez;
  bridge->connection = g_object_ref(bluez->connection);
  bridge->cancellable = g_cancellable_new();
  bridge->mtu = mtu;
  bridge->offered_window = window;
  bridge->rx = g_byte_array_new();
  g_queue_init(&bridge->queue);
  bridge->signal_id = g_dbus_connection_signal_subscribe(
      bridge->connection, "org.bluez", MD_TEST_BLUEZ_CONTROL, NULL, "/org/bluez/test", NULL,
      G_DBUS_SIGNAL_FLAGS_NONE, on_signal, bridge, NULL);

  reply = md_test_bluez_control(bluez, "Connect", g_variant_new("(sqs)", address, mtu, mode));
  g_variant_get(reply, "(o)", &bridge->device);
  send_handshake_request(bridge);
  while (bridge->state == STATE_HANDSHAKE)
    g_main_context_iteration(NULL, TRUE);
  if (bridge->state != STATE_OPEN)
    g_error("BTP bridge: no session with the node: %s", bridge->end);
  g_test_message("BTP bridge: session open over the %s path, ATT MTU %u: segment size %u, "
                 "window %u",
                 mode, mtu, bridge->segment, bridge->window);
  open_socket(bridge);
  return bridge;
}

void
md_test_btp_bridge_free(MdTestBtpBridge *bridge)
{
  gboolean was_open = bridge->state != STATE_CLOSED;

  if (bridge->socket_source != NULL) {
    g_source_destroy(bridge->socket_source);
    g_source_unref(bridge->socket_source);
  }
  g_clear_object(&bridge->socket);
  g_cancellable_cancel(bridge->cancellable);
  close_session(bridge, FALSE, "the bridge closed it");
  g_dbus_connection_signal_unsubscribe(bridge->connection, bridge->signal_id);
  if (was_open) {
    g_autoptr(GError) error = NULL;
    GVariant *reply =
        md_test_bluez_call_full(bridge->connection, "/org/bluez/test", MD_TEST_BLUEZ_CONTROL,
                                "Disconnect", g_variant_new("(o)", bridge->device), NULL, &error);

    /* The node may have dropped the link meanwhile. */
    if (reply != NULL)
      g_variant_unref(reply);
    else
      g_test_message("BTP bridge: Disconnect: %s", error->message);
  }
  g_queue_clear_full(&bridge->queue, (GDestroyNotify) g_bytes_unref);
  g_clear_pointer(&bridge->tx, g_bytes_unref);
  g_byte_array_unref(bridge->rx);
  g_clear_object(&bridge->peer);
  g_clear_object(&bridge->cancellable);
  g_object_unref(bridge->connection);
  g_free(bridge->device);
  g_free(bridge->end);
  g_free(bridge);
}

guint16
md_test_btp_bridge_get_port(MdTestBtpBridge *bridge)
{
  return bridge->port;
}

guint16
md_test_btp_bridge_get_segment_size(MdTestBtpBridge *bridge)
{
  return bridge->segment;
}

guint8
md_test_btp_bridge_get_window(MdTestBtpBridge *bridge)
{
  return bridge->window;
}

gboolean
md_test_btp_bridge_is_open(MdTestBtpBridge *bridge)
{
  return bridge->state == STATE_OPEN;
}

const char *
md_test_btp_bridge_get_end(MdTestBtpBridge *bridge)
{
  return bridge->end;
}

gboolean
md_test_btp_bridge_failed(MdTestBtpBridge *bridge)
{
  return bridge->failed;
}

const MdTestBtpBridgeStats *
md_test_btp_bridge_get_stats(MdTestBtpBridge *bridge)
{
  return &bridge->stats;
}
