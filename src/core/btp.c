/* SPDX-License-Identifier: Apache-2.0 */
/* BTP, the peripheral's side (Core spec 4.17). Section numbers below are
 * the specification's; the header says what the engine does and how it
 * deals with the centrals in the field. */
#include "matter/btp.h"

#include <string.h>

#define ATT_MTU_MIN 23
#define ATT_HEADER 3
#define HANDSHAKE_REQUEST_LEN 9
#define HANDSHAKE_RESPONSE_LEN 6
#define HANDSHAKE_FLAGS                                                           \
  (MATTER_BTP_FLAG_HANDSHAKE | MATTER_BTP_FLAG_MANAGEMENT | MATTER_BTP_FLAG_END | \
   MATTER_BTP_FLAG_BEGIN)
/* The flags a handshake packet is judged by; the unused bits are not. */
#define HANDSHAKE_FLAGS_MASK (HANDSHAKE_FLAGS | MATTER_BTP_FLAG_ACK)
#define SEGMENT_FLAGS (MATTER_BTP_FLAG_BEGIN | MATTER_BTP_FLAG_CONTINUE | MATTER_BTP_FLAG_END)
/* 4.17.3.8: an acknowledgement goes at once when our receive window has
 * this many free slots or fewer. */
#define IMMEDIATE_ACK_FREE_SLOTS 2

/* A received data packet, parsed (Table 26). */
typedef struct {
  uint8_t flags;
  bool has_ack;
  uint8_t ack;
  uint8_t seq;
  uint16_t message_len; /* with MATTER_BTP_FLAG_BEGIN */
  const uint8_t *payload;
  size_t payload_len;
} Packet;

static uint8_t
seq_add(uint8_t seq, unsigned n)
{
  return (uint8_t) (seq + n);
}

static uint8_t
seq_diff(uint8_t newer, uint8_t older)
{
  return (uint8_t) (newer - older);
}

static uint64_t
deadline_after(uint64_t now_ms, uint64_t delay_ms)
{
  return now_ms > MATTER_BTP_NEVER - delay_ms ? MATTER_BTP_NEVER - 1 : now_ms + delay_ms;
}

static uint16_t
get_le16(const uint8_t *p)
{
  return (uint16_t) (p[0] | (p[1] << 8));
}

static void
put_le16(uint8_t *p, uint16_t v)
{
  p[0] = (uint8_t) (v & 0xFF);
  p[1] = (uint8_t) (v >> 8);
}

/* Packets of ours the central has not acknowledged, the handshake
 * response included. */
static unsigned
unacked_sent(const MatterBtp *btp)
{
  return seq_diff(seq_add(btp->next_send_seq, 255), btp->last_acked_by_peer);
}

/* The free slots of the central's receive window as we count them
 * (4.17.3.7). */
static unsigned
remote_window(const MatterBtp *btp)
{
  unsigned used = unacked_sent(btp);

  return used >= btp->window ? 0 : btp->window - used;
}

/* The central's packets we have not acknowledged. */
static unsigned
unacked_received(const MatterBtp *btp)
{
  return seq_diff(btp->last_received_seq, btp->last_ack_sent);
}

static void
stop_timers(MatterBtp *btp)
{
  btp->ack_received_deadline = MATTER_BTP_NEVER;
  btp->send_ack_deadline = MATTER_BTP_NEVER;
  btp->idle_deadline = MATTER_BTP_NEVER;
}

/* Ends the session and tells the caller why, once. Nothing may touch
 * @btp after this: closed() may have reset or reused it. */
static MatterError
fail(MatterBtp *btp, MatterError reason)
{
  btp->state = MATTER_BTP_STATE_CLOSED;
  stop_timers(btp);
  btp->indication_in_flight = false;
  if (btp->callbacks != NULL && btp->callbacks->closed != NULL)
    btp->callbacks->closed(btp->user_data, reason);
  return reason;
}

void
matter_btp_init(MatterBtp *btp, const MatterBtpCallbacks *callbacks, void *user_data)
{
  memset(btp, 0, sizeof(*btp));
  btp->callbacks = callbacks;
  btp->user_data = user_data;
  matter_btp_reset(btp);
}

void
matter_btp_reset(MatterBtp *btp)
{
  const MatterBtpCallbacks *callbacks = btp->callbacks;
  void *user_data = btp->user_data;

  /* The buffers need no wiping (Matter messages are encrypted or public
   * handshakes); clearing the bookkeeping is enough. */
  btp->state = MATTER_BTP_STATE_IDLE;
  btp->callbacks = callbacks;
  btp->user_data = user_data;
  btp->att_mtu = ATT_MTU_MIN;
  btp->have_request = false;
  btp->subscribed = false;
  btp->client_segment_size = 0;
  btp->client_window = 0;
  btp->segment_size = MATTER_BTP_SEGMENT_MIN;
  btp->version = 0;
  btp->window = 0;
  btp->next_send_seq = 0;
  btp->last_acked_by_peer = 0;
  btp->last_received_seq = 0;
  btp->last_ack_sent = 0;
  btp->ack_pending = false;
  btp->ack_for_segment = false;
  btp->ack_due = false;
  btp->indication_in_flight = false;
  btp->pumping = false;
  stop_timers(btp);
  btp->rx.len = 0;
  btp->rx.done = 0;
  btp->rx_active = false;
  btp->tx_head = 0;
  btp->tx_count = 0;
}

void
matter_btp_close(MatterBtp *btp)
{
  if (btp->state == MATTER_BTP_STATE_IDLE)
    return;
  btp->state = MATTER_BTP_STATE_CLOSED;
  btp->indication_in_flight = false;
  btp->tx_count = 0;
  btp->rx_active = false;
  stop_timers(btp);
}

void
matter_btp_connect(MatterBtp *btp, uint16_t att_mtu, uint64_t now_ms)
{
  matter_btp_reset(btp);
  btp->state = MATTER_BTP_STATE_HANDSHAKE;
  matter_btp_set_att_mtu(btp, att_mtu);
  btp->idle_deadline = deadline_after(now_ms, MATTER_BTP_IDLE_TIMEOUT_MS);
}

void
matter_btp_set_att_mtu(MatterBtp *btp, uint16_t att_mtu)
{
  if (btp->state != MATTER_BTP_STATE_HANDSHAKE)
    return;
  btp->att_mtu = att_mtu < ATT_MTU_MIN ? ATT_MTU_MIN : att_mtu;
}

/* Handshake */

static bool
version_supported(uint8_t version)
{
  return version == MATTER_BTP_VERSION;
}

/* 4.17.2.3: up to eight versions, one a nibble, Ver[0] in the low nibble
 * of the first byte. The newest both support wins (4.17.3.3), wherever
 * the client put it; 0 when there is none. */
static uint8_t
select_version(const uint8_t versions[4])
{
  uint8_t best = 0;

  for (unsigned i = 0; i < 8; i++) {
    uint8_t v = (uint8_t) ((versions[i / 2] >> (i % 2 ? 4 : 0)) & 0x0F);

    if (version_supported(v) && v > best)
      best = v;
  }
  return best;
}

/* 4.17.3.3: the smallest of 244, our ATT_MTU - 3 and the client's. */
static uint16_t
select_segment_size(uint16_t att_mtu, uint16_t client_segment_size)
{
  uint16_t size = (uint16_t) (att_mtu - ATT_HEADER);

  if (client_segment_size != 0 && client_segment_size < size)
    size = client_segment_size;
  if (size > MATTER_BTP_SEGMENT_MAX)
    size = MATTER_BTP_SEGMENT_MAX;
  if (size < MATTER_BTP_SEGMENT_MIN)
    size = MATTER_BTP_SEGMENT_MIN;
  return size;
}

static MatterError
send_handshake_response(MatterBtp *btp, uint64_t now_ms)
{
  uint8_t *p = btp->packet;
  MatterError err;

  btp->segment_size = select_segment_size(btp->att_mtu, btp->client_segment_size);
  btp->window = btp->client_window < MATTER_BTP_WINDOW ? btp->client_window : MATTER_BTP_WINDOW;

  p[0] = HANDSHAKE_FLAGS;
  p[1] = MATTER_BTP_OPCODE_HANDSHAKE;
  p[2] = btp->version; /* the high nibble is reserved */
  put_le16(&p[3], btp->segment_size);
  p[5] = btp->window;

  /* The response bears the implicit sequence number 0 (4.17.3.6): it
   * takes a slot of the central's window and starts the
   * acknowledgement-received timer (4.17.3.8). The central's first packet
   * is its number 0. */
  btp->state = MATTER_BTP_STATE_OPEN;
  btp->next_send_seq = 1;
  btp->last_acked_by_peer = 255;
  btp->last_received_seq = 255;
  btp->last_ack_sent = 255;
  btp->ack_received_deadline = deadline_after(now_ms, MATTER_BTP_ACK_TIMEOUT_MS);
  btp->idle_deadline = deadline_after(now_ms, MATTER_BTP_IDLE_TIMEOUT_MS);
  btp->indication_in_flight = true;

  err = btp->callbacks->send(btp->user_data, p, HANDSHAKE_RESPONSE_LEN);
  if (err != MATTER_OK)
    return fail(btp, err);
  return MATTER_OK;
}

static MatterError
handle_handshake_request(MatterBtp *btp, const uint8_t *packet, size_t len, uint64_t now_ms)
{
  uint64_t deadline;

  if (btp->have_request || len != HANDSHAKE_REQUEST_LEN ||
      (packet[0] & HANDSHAKE_FLAGS_MASK) != HANDSHAKE_FLAGS ||
      packet[1] != MATTER_BTP_OPCODE_HANDSHAKE)
    return fail(btp, MATTER_ERROR_BTP_MALFORMED);

  btp->version = select_version(&packet[2]);
  if (btp->version == 0)
    return fail(btp, MATTER_ERROR_BTP_VERSION);
  btp->client_segment_size = get_le16(&packet[6]);
  btp->client_window = packet[8];
  if (btp->client_window == 0)
    return fail(btp, MATTER_ERROR_BTP_WINDOW);
  btp->have_request = true;

  if (btp->subscribed)
    return send_handshake_response(btp, now_ms);
  /* 4.17.3.3: the subscription is due within BTP_CONN_RSP_TIMEOUT. */
  deadline = deadline_after(now_ms, MATTER_BTP_CONN_RSP_TIMEOUT_MS);
  if (deadline < btp->idle_deadline)
    btp->idle_deadline = deadline;
  return MATTER_OK;
}

void
matter_btp_subscribed(MatterBtp *btp, bool subscribed, uint64_t now_ms)
{
  if (btp->state != MATTER_BTP_STATE_HANDSHAKE && btp->state != MATTER_BTP_STATE_OPEN)
    return;
  if (!subscribed) {
    if (btp->subscribed)
      fail(btp, MATTER_ERROR_BTP_UNSUBSCRIBED);
    return;
  }
  if (btp->subscribed)
    return;
  btp->subscribed = true;
  if (btp->state == MATTER_BTP_STATE_HANDSHAKE && btp->have_request)
    send_handshake_response(btp, now_ms);
}

/* Sending */

/* Hands btp->packet to the link, with what every packet we send does to
 * our counters and timers (4.17.3.6 to 4.17.3.8) done first, since the
 * callback may re-enter. */
static MatterError
transmit(MatterBtp *btp, size_t len, bool carries_ack, bool carries_segment, uint64_t now_ms)
{
  MatterError err;

  btp->next_send_seq = seq_add(btp->next_send_seq, 1);
  if (carries_ack) {
    btp->last_ack_sent = btp->last_received_seq;
    btp->ack_pending = false;
    btp->ack_for_segment = false;
    btp->ack_due = false;
    btp->send_ack_deadline = MATTER_BTP_NEVER;
  }
  if (btp->ack_received_deadline == MATTER_BTP_NEVER)
    btp->ack_received_deadline = deadline_after(now_ms, MATTER_BTP_ACK_TIMEOUT_MS);
  if (carries_segment)
    btp->idle_deadline = deadline_after(now_ms, MATTER_BTP_IDLE_TIMEOUT_MS);
  btp->indication_in_flight = true;

  err = btp->callbacks->send(btp->user_data, btp->packet, len);
  if (err != MATTER_OK)
    return fail(btp, err);
  return MATTER_OK;
}

/* The next segment of the SDU in transmission (4.17.3.5): the beginning
 * one with the message length, the middle ones full and with the
 * continuation flag, the ending one with the rest. */
static MatterError
send_segment(MatterBtp *btp, uint64_t now_ms)
{
  MatterBtpSdu *sdu = &btp->tx[btp->tx_head];
  uint8_t *p = btp->packet;
  uint8_t flags = 0;
  size_t off = 1, room, n;
  bool carries_ack = btp->ack_pending;

  if (carries_ack) {
    flags |= MATTER_BTP_FLAG_ACK;
    p[off++] = btp->last_received_seq;
  }
  p[off++] = btp->next_send_seq;
  if (sdu->done == 0) {
    flags |= MATTER_BTP_FLAG_BEGIN;
    put_le16(&p[off], (uint16_t) sdu->len);
    off += 2;
  }
  room = btp->segment_size - off;
  n = sdu->len - sdu->done;
  if (n <= room)
    flags |= MATTER_BTP_FLAG_END;
  else if (sdu->done != 0)
    flags |= MATTER_BTP_FLAG_CONTINUE;
  if (n > room)
    n = room;
  p[0] = flags;
  memcpy(&p[off], &sdu->data[sdu->done], n);
  sdu->done += n;
  if (flags & MATTER_BTP_FLAG_END) {
    /* Done with it: the next SDU may follow in the next packet. */
    btp->tx_head = (btp->tx_head + 1) % (MATTER_BTP_SEND_QUEUE + 1);
    btp->tx_count--;
  }
  return transmit(btp, off + n, carries_ack, true, now_ms);
}

static MatterError
send_standalone_ack(MatterBtp *btp, uint64_t now_ms)
{
  btp->packet[0] = MATTER_BTP_FLAG_ACK;
  btp->packet[1] = btp->last_received_seq;
  btp->packet[2] = btp->next_send_seq;
  return transmit(btp, 3, true, false, now_ms);
}

/* Whether the pending acknowledgement should go now rather than on the
 * send-acknowledgement timer: when it ran out, or when received segments
 * shrank our window to two or fewer free slots (4.17.3.8). Received
 * stand-alone acknowledgements hurry ours only when they leave the central
 * one free slot, which it may not send data into (4.17.3.7): a central
 * acknowledging each of our packets at once would otherwise wait for our
 * timer before each of its messages. Not in windows of two, where one
 * stand-alone ack does that, or two peers would answer each other's at
 * full speed. */
static bool
ack_urgent(const MatterBtp *btp)
{
  unsigned free;

  if (!btp->ack_pending)
    return false;
  if (btp->ack_due)
    return true;
  free = btp->window - unacked_received(btp);
  if (btp->ack_for_segment)
    return free <= IMMEDIATE_ACK_FREE_SLOTS;
  return btp->window > 2 && free <= 1;
}

/* Sends one packet if one may go (4.17.3.7): never into a closed window,
 * nor into its last slot without an acknowledgement to send with it.
 * Returns false when nothing went. */
static bool
send_one(MatterBtp *btp, uint64_t now_ms, MatterError *err)
{
  unsigned window = remote_window(btp);

  if (window == 0 || (window == 1 && !btp->ack_pending))
    return false;
  if (btp->tx_count > 0)
    *err = send_segment(btp, now_ms);
  else if (ack_urgent(btp))
    *err = send_standalone_ack(btp, now_ms);
  else
    return false;
  return true;
}

/* Sends while the link, the window and what there is to send allow. A
 * call from inside send() (through matter_btp_send_done() or
 * matter_btp_send()) leaves the work to the loop already running. */
static MatterError
pump(MatterBtp *btp, uint64_t now_ms)
{
  MatterError err = MATTER_OK;

  if (btp->pumping)
    return MATTER_OK;
  btp->pumping = true;
  while (btp->state == MATTER_BTP_STATE_OPEN && !btp->indication_in_flight &&
         send_one(btp, now_ms, &err) && err == MATTER_OK)
    ;
  /* After a failure closed() may have reset @btp: clearing the flag
   * again is harmless. */
  btp->pumping = false;
  return err;
}

MatterError
matter_btp_send(MatterBtp *btp, const uint8_t *sdu, size_t len, uint64_t now_ms)
{
  MatterBtpSdu *slot;

  if (btp->state != MATTER_BTP_STATE_OPEN)
    return MATTER_ERROR_BAD_STATE;
  if (sdu == NULL || len == 0 || len > MATTER_BTP_SDU_MAX)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (btp->tx_count == MATTER_BTP_SEND_QUEUE + 1)
    return MATTER_ERROR_BTP_QUEUE_FULL;
  slot = &btp->tx[(btp->tx_head + btp->tx_count) % (MATTER_BTP_SEND_QUEUE + 1)];
  memcpy(slot->data, sdu, len);
  slot->len = len;
  slot->done = 0;
  btp->tx_count++;
  pump(btp, now_ms);
  return MATTER_OK;
}

void
matter_btp_send_done(MatterBtp *btp, uint64_t now_ms)
{
  if (btp->state != MATTER_BTP_STATE_OPEN || !btp->indication_in_flight)
    return;
  btp->indication_in_flight = false;
  pump(btp, now_ms);
}

/* Receiving */

static MatterError
parse_packet(const uint8_t *packet, size_t len, Packet *out)
{
  size_t off = 1;

  memset(out, 0, sizeof(*out));
  if (len < 2)
    return MATTER_ERROR_BTP_MALFORMED;
  out->flags = packet[0];
  /* Only the handshake is a management message (Table 27). */
  if (out->flags & (MATTER_BTP_FLAG_HANDSHAKE | MATTER_BTP_FLAG_MANAGEMENT))
    return MATTER_ERROR_BTP_MALFORMED;
  if (out->flags & MATTER_BTP_FLAG_ACK) {
    out->has_ack = true;
    out->ack = packet[off++];
    if (off == len)
      return MATTER_ERROR_BTP_MALFORMED;
  }
  out->seq = packet[off++];
  if (out->flags & MATTER_BTP_FLAG_BEGIN) {
    if (len - off < 2)
      return MATTER_ERROR_BTP_MALFORMED;
    out->message_len = get_le16(&packet[off]);
    off += 2;
  }
  out->payload = &packet[off];
  out->payload_len = len - off;
  return MATTER_OK;
}

/* 4.17.3.8: an acknowledgement must name one of our outstanding packets;
 * it opens the central's window up to it. The acknowledgement-received
 * timer stops when it names the newest, and restarts otherwise. */
static MatterError
handle_ack(MatterBtp *btp, uint8_t ack, uint64_t now_ms)
{
  unsigned acked = seq_diff(ack, btp->last_acked_by_peer);

  if (acked == 0 || acked > unacked_sent(btp))
    return MATTER_ERROR_BTP_ACK;
  btp->last_acked_by_peer = ack;
  if (unacked_sent(btp) == 0)
    btp->ack_received_deadline = MATTER_BTP_NEVER;
  else
    btp->ack_received_deadline = deadline_after(now_ms, MATTER_BTP_ACK_TIMEOUT_MS);
  return MATTER_OK;
}

/* 4.17.3.5: one SDU at a time, the beginning segment with its length,
 * then segments (with or without the continuation flag) up to the ending
 * one, which must complete it exactly. Sets *complete when it did. */
static MatterError
handle_segment(MatterBtp *btp, const Packet *pkt, bool *complete)
{
  MatterBtpSdu *rx = &btp->rx;

  if (pkt->flags & MATTER_BTP_FLAG_BEGIN) {
    if (btp->rx_active)
      return MATTER_ERROR_BTP_MALFORMED;
    if (pkt->message_len > MATTER_BTP_SDU_MAX)
      return MATTER_ERROR_BTP_SDU_TOO_LONG;
    if (pkt->message_len == 0)
      return MATTER_ERROR_BTP_LENGTH;
    rx->len = pkt->message_len;
    rx->done = 0;
    btp->rx_active = true;
  } else if (!btp->rx_active) {
    return MATTER_ERROR_BTP_MALFORMED;
  }
  if (pkt->payload_len > rx->len - rx->done)
    return MATTER_ERROR_BTP_LENGTH;
  memcpy(&rx->data[rx->done], pkt->payload, pkt->payload_len);
  rx->done += pkt->payload_len;
  if (pkt->flags & MATTER_BTP_FLAG_END) {
    if (rx->done != rx->len)
      return MATTER_ERROR_BTP_LENGTH;
    btp->rx_active = false;
    *complete = true;
  }
  return MATTER_OK;
}

/* A packet without segment flags and without payload is a stand-alone
 * acknowledgement (or a bare keep-alive); one with payload continues the
 * SDU in reception, its continuation flag missing. */
static bool
carries_segment(const Packet *pkt)
{
  return (pkt->flags & SEGMENT_FLAGS) != 0 || pkt->payload_len > 0;
}

static MatterError
handle_data_packet(MatterBtp *btp, const uint8_t *packet, size_t len, uint64_t now_ms)
{
  Packet pkt;
  MatterError err;
  bool complete = false;

  if (len > btp->segment_size)
    return fail(btp, MATTER_ERROR_BTP_SEGMENT_SIZE);
  err = parse_packet(packet, len, &pkt);
  if (err != MATTER_OK)
    return fail(btp, err);
  /* 4.17.3.6: each packet increments the previous number by one. */
  if (pkt.seq != seq_add(btp->last_received_seq, 1))
    return fail(btp, MATTER_ERROR_BTP_SEQUENCE);
  /* 4.17.3.7: the central may not send into our closed window. */
  if (seq_diff(pkt.seq, btp->last_ack_sent) > btp->window)
    return fail(btp, MATTER_ERROR_BTP_WINDOW);
  if (pkt.has_ack) {
    err = handle_ack(btp, pkt.ack, now_ms);
    if (err != MATTER_OK)
      return fail(btp, err);
  }
  btp->last_received_seq = pkt.seq;
  if (!btp->ack_pending)
    btp->send_ack_deadline = deadline_after(now_ms, MATTER_BTP_SEND_ACK_MS);
  btp->ack_pending = true;

  if (carries_segment(&pkt)) {
    err = handle_segment(btp, &pkt, &complete);
    if (err != MATTER_OK)
      return fail(btp, err);
    btp->ack_for_segment = true;
    btp->idle_deadline = deadline_after(now_ms, MATTER_BTP_IDLE_TIMEOUT_MS);
  }
  if (complete) {
    /* The receiver may answer (its reply then carries our
     * acknowledgement) or end the session. */
    btp->callbacks->received(btp->user_data, btp->rx.data, btp->rx.len);
    if (btp->state != MATTER_BTP_STATE_OPEN)
      return MATTER_OK;
  }
  return pump(btp, now_ms);
}

MatterError
matter_btp_receive(MatterBtp *btp, const uint8_t *packet, size_t len, uint64_t now_ms)
{
  switch (btp->state) {
  case MATTER_BTP_STATE_HANDSHAKE:
    if (packet == NULL || len == 0)
      return fail(btp, MATTER_ERROR_BTP_MALFORMED);
    return handle_handshake_request(btp, packet, len, now_ms);
  case MATTER_BTP_STATE_OPEN:
    if (packet == NULL || len == 0)
      return fail(btp, MATTER_ERROR_BTP_MALFORMED);
    return handle_data_packet(btp, packet, len, now_ms);
  case MATTER_BTP_STATE_IDLE:
  case MATTER_BTP_STATE_CLOSED:
  default:
    return MATTER_ERROR_BAD_STATE;
  }
}

/* Timers */

uint64_t
matter_btp_next_deadline(const MatterBtp *btp)
{
  uint64_t next = MATTER_BTP_NEVER;

  if (btp->state != MATTER_BTP_STATE_HANDSHAKE && btp->state != MATTER_BTP_STATE_OPEN)
    return MATTER_BTP_NEVER;
  if (btp->ack_received_deadline < next)
    next = btp->ack_received_deadline;
  if (btp->send_ack_deadline < next)
    next = btp->send_ack_deadline;
  if (btp->idle_deadline < next)
    next = btp->idle_deadline;
  return next;
}

void
matter_btp_process(MatterBtp *btp, uint64_t now_ms)
{
  if (btp->state == MATTER_BTP_STATE_HANDSHAKE) {
    if (now_ms >= btp->idle_deadline)
      fail(btp, MATTER_ERROR_BTP_HANDSHAKE_TIMEOUT);
    return;
  }
  if (btp->state != MATTER_BTP_STATE_OPEN)
    return;
  if (now_ms >= btp->ack_received_deadline) {
    fail(btp, MATTER_ERROR_BTP_ACK_TIMEOUT);
    return;
  }
  if (now_ms >= btp->idle_deadline) {
    fail(btp, MATTER_ERROR_BTP_IDLE_TIMEOUT);
    return;
  }
  if (now_ms >= btp->send_ack_deadline) {
    btp->send_ack_deadline = MATTER_BTP_NEVER;
    btp->ack_due = btp->ack_pending;
  }
  pump(btp, now_ms);
}
