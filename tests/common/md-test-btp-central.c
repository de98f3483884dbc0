/* SPDX-License-Identifier: Apache-2.0 */
#include "md-test-btp-central.h"

#include <string.h>

/* How long the handshake response may take. */
#define HANDSHAKE_WAIT_MS 15000

MdTestBtpCentral *
md_test_btp_central_connect(MdTestBluez *bluez, const char *address, guint16 mtu, const char *mode)
{
  g_autoptr(GVariant) reply =
      md_test_bluez_control(bluez, "Connect", g_variant_new("(sqs)", address, mtu, mode));
  MdTestBtpCentral *c = g_new0(MdTestBtpCentral, 1);

  c->bluez = bluez;
  g_variant_get(reply, "(o)", &c->path);
  c->mtu = mtu;
  c->tx_acked = 255;
  c->rx = g_byte_array_new();
  g_queue_init(&c->tx);
  g_queue_init(&c->received);
  return c;
}

void
md_test_btp_central_free(MdTestBtpCentral *c)
{
  if (c == NULL)
    return;
  g_free(c->path);
  g_byte_array_unref(c->rx);
  g_queue_clear_full(&c->tx, (GDestroyNotify) g_bytes_unref);
  g_queue_clear_full(&c->received, (GDestroyNotify) g_bytes_unref);
  g_free(c);
}

GVariant *
md_test_btp_central_write_args(MdTestBtpCentral *c, const guint8 *data, gsize len)
{
  return g_variant_new("(o@ay)", c->path,
                       g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, data, len, 1));
}

void
md_test_btp_central_write(MdTestBtpCentral *c, const guint8 *packet, gsize len)
{
  g_variant_unref(
      md_test_bluez_control(c->bluez, "Write", md_test_btp_central_write_args(c, packet, len)));
}

void
md_test_btp_central_call(MdTestBtpCentral *c, const char *method)
{
  g_variant_unref(md_test_bluez_control(c->bluez, method, g_variant_new("(o)", c->path)));
}

GVariant *
md_test_btp_central_connection(MdTestBtpCentral *c)
{
  g_autoptr(GVariant) reply =
      md_test_bluez_control(c->bluez, "GetConnection", g_variant_new("(o)", c->path));

  return g_variant_get_child_value(reply, 0);
}

/* 4.17.3.7: packets of ours the peripheral has not acknowledged. */
static guint
in_flight(MdTestBtpCentral *c)
{
  return (guint8) (c->tx_seq - 1 - c->tx_acked);
}

/* 4.17.3.7: the window is closed at zero free slots, and at one unless
 * that packet carries an acknowledgement. */
static gboolean
can_send(MdTestBtpCentral *c)
{
  guint free = c->window - in_flight(c);

  return free > 1 || (free == 1 && c->ack_pending);
}

gboolean
md_test_btp_central_sending(MdTestBtpCentral *c)
{
  return !g_queue_is_empty(&c->tx);
}

/* The next segment of the SDU in transmission into @packet after @n
 * header bytes; the packet's length. */
static gsize
put_segment(MdTestBtpCentral *c, guint8 *packet, gsize n)
{
  GBytes *sdu = g_queue_peek_head(&c->tx);
  gsize len;
  const guint8 *data = g_bytes_get_data(sdu, &len);
  gsize take;

  if (c->tx_done == 0) {
    packet[0] |= MD_TEST_BTP_BEGIN;
    packet[n++] = len & 0xFF;
    packet[n++] = len >> 8;
  }
  take = MIN(c->segment - n, len - c->tx_done);
  memcpy(packet + n, data + c->tx_done, take);
  n += take;
  c->tx_done += take;
  if (c->tx_done == len) {
    packet[0] |= MD_TEST_BTP_END;
    g_bytes_unref(g_queue_pop_head(&c->tx));
    c->tx_done = 0;
  } else if (!(packet[0] & MD_TEST_BTP_BEGIN)) {
    packet[0] |= MD_TEST_BTP_CONTINUE; /* as the phones in the field send them */
  }
  return n;
}

/* Our next packet: the next segment of the SDU in transmission, or a
 * stand-alone acknowledgement (4.17.3.5, 4.17.3.8). */
static void
send_packet(MdTestBtpCentral *c)
{
  guint8 packet[MD_TEST_BTP_SEGMENT_MAX];
  gsize n = 1;

  packet[0] = 0;
  if (c->ack_pending) {
    packet[0] |= MD_TEST_BTP_ACK;
    packet[n++] = c->rx_seq;
    c->ack_pending = FALSE;
  }
  packet[n++] = c->tx_seq++;
  if (md_test_btp_central_sending(c))
    n = put_segment(c, packet, n);
  g_assert_cmpuint(n, <=, c->segment);
  md_test_btp_central_write(c, packet, n);
}

/* Keeps max_blocked_ms: how long data waited for the window. */
static void
note_blocked(MdTestBtpCentral *c)
{
  gboolean blocked = c->open && md_test_btp_central_sending(c) && !can_send(c);
  gint64 now = g_get_monotonic_time();

  if (blocked && c->blocked_since_us == 0) {
    c->blocked_since_us = now;
  } else if (!blocked && c->blocked_since_us != 0) {
    c->max_blocked_ms = MAX(c->max_blocked_ms, (guint) ((now - c->blocked_since_us) / 1000));
    c->blocked_since_us = 0;
  }
}

static void
pump(MdTestBtpCentral *c)
{
  note_blocked(c);
  while (c->open && can_send(c) && (md_test_btp_central_sending(c) || c->ack_pending))
    send_packet(c);
  note_blocked(c);
}

void
md_test_btp_central_send(MdTestBtpCentral *c, const guint8 *data, gsize len)
{
  g_assert_true(c->open);
  g_assert_cmpuint(len, >, 0);
  g_assert_cmpuint(len, <=, G_MAXUINT16);
  g_queue_push_tail(&c->tx, g_bytes_new(data, len));
  pump(c);
}

GBytes *
md_test_btp_central_pop(MdTestBtpCentral *c)
{
  return g_queue_pop_head(&c->received);
}

static void
handshake_response(MdTestBtpCentral *c, const guint8 *p, gsize len)
{
  guint16 expected_segment = MIN(c->mtu - 3, MD_TEST_BTP_SEGMENT_MAX);

  g_assert_cmpuint(len, ==, 6);
  g_assert_cmphex(p[0], ==, MD_TEST_BTP_HANDSHAKE_FLAGS);
  g_assert_cmphex(p[1], ==, MD_TEST_BTP_HANDSHAKE_OPCODE);
  g_assert_cmpuint(p[2] & 0x0F, ==, MD_TEST_BTP_VERSION);
  c->segment = (guint16) (p[3] | p[4] << 8);
  c->window = p[5];
  g_assert_cmpuint(c->segment, ==, expected_segment);
  g_assert_cmpuint(c->window, ==, MIN(MD_TEST_BTP_CENTRAL_WINDOW, MD_TEST_BTP_SERVER_WINDOW));
  /* The response is the peripheral's packet 0, to acknowledge (4.17.3.6). */
  c->open = TRUE;
  c->rx_seq = 0;
  c->ack_pending = TRUE;
}

static void
data_packet(MdTestBtpCentral *c, const guint8 *p, gsize len)
{
  gsize n = 1;
  guint8 flags;

  g_assert_cmpuint(len, >=, 2);
  flags = p[0];
  g_assert_cmphex(
      flags & ~(MD_TEST_BTP_BEGIN | MD_TEST_BTP_CONTINUE | MD_TEST_BTP_END | MD_TEST_BTP_ACK), ==,
      0);
  if (flags & MD_TEST_BTP_ACK) {
    guint8 ack = p[n++];

    /* Only packets that are out may be acknowledged (4.17.3.8). */
    g_assert_cmpuint((guint8) (ack - c->tx_acked), <=, in_flight(c));
    c->tx_acked = ack;
  }
  g_assert_cmpuint(n, <, len);
  g_assert_cmpuint(p[n], ==, (guint8) (c->rx_seq + 1));
  c->rx_seq = p[n++];
  c->ack_pending = TRUE;
  if (flags & MD_TEST_BTP_BEGIN) {
    g_assert_false(c->rx_active);
    g_assert_cmpuint(n + 2, <=, len);
    c->rx_len = p[n] | p[n + 1] << 8;
    n += 2;
    c->rx_active = TRUE;
    g_byte_array_set_size(c->rx, 0);
  }
  if (len > n) {
    g_assert_true(c->rx_active);
    g_byte_array_append(c->rx, p + n, (guint) (len - n));
    /* Segments other than the last are full (4.17.3.5). */
    if (!(flags & MD_TEST_BTP_END))
      g_assert_cmpuint(len, ==, c->segment);
  }
  if (flags & MD_TEST_BTP_END) {
    g_assert_true(c->rx_active);
    g_assert_cmpuint(c->rx->len, ==, c->rx_len);
    g_queue_push_tail(&c->received, g_bytes_new(c->rx->data, c->rx->len));
    c->rx_active = FALSE;
  }
}

gboolean
md_test_btp_central_take(MdTestBtpCentral *c, guint timeout_ms)
{
  g_autoptr(GVariant) signal = md_test_bluez_wait_signal(c->bluez, "Indication", timeout_ms);
  g_autoptr(GVariant) value = NULL;
  const char *path;
  const guint8 *p;
  gsize len;

  if (signal == NULL)
    return FALSE;
  g_variant_get(signal, "(&o@ay)", &path, &value);
  g_assert_cmpstr(path, ==, c->path);
  p = g_variant_get_fixed_array(value, &len, 1);
  c->indications++;
  /* Never longer than ATT MTU - 3, so never cut. */
  g_assert_cmpuint(len, <=, (gsize) c->mtu - 3);
  if (c->open)
    data_packet(c, p, len);
  else
    handshake_response(c, p, len);
  pump(c);
  return TRUE;
}

void
md_test_btp_central_handshake(MdTestBtpCentral *c)
{
  guint16 segment = c->mtu - 3;
  const guint8 request[9] = {
    MD_TEST_BTP_HANDSHAKE_FLAGS,
    MD_TEST_BTP_HANDSHAKE_OPCODE,
    MD_TEST_BTP_VERSION,
    0,
    0,
    0,
    segment & 0xFF,
    segment >> 8,
    MD_TEST_BTP_CENTRAL_WINDOW,
  };

  md_test_btp_central_write(c, request, sizeof(request));
  md_test_btp_central_call(c, "Subscribe");
  g_assert_true(md_test_btp_central_take(c, HANDSHAKE_WAIT_MS));
  g_assert_true(c->open);
}

static gboolean
link_send(gpointer link, const guint8 *msg, gsize len)
{
  MdTestBtpCentral *c = link;

  if (!c->open)
    return FALSE;
  md_test_btp_central_send(c, msg, len);
  return TRUE;
}

static GBytes *
link_receive(gpointer link)
{
  MdTestBtpCentral *c = link;

  while (md_test_btp_central_take(c, 0))
    ;
  return md_test_btp_central_pop(c);
}

const MdTestLinkFuncs md_test_btp_central_link = {
  .send = link_send,
  .receive = link_receive,
};
