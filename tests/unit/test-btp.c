/* SPDX-License-Identifier: Apache-2.0 */
/* The BTP engine (Core spec 4.17) against a scripted central. The central
 * is written here from the specification's formats (Tables 26, 28 and 29)
 * and rules, not from btp.c: it builds handshake requests and data
 * packets byte by byte, parses what the engine indicates, and checks on
 * every indication the rules a central can see: no packet longer than the
 * segment size, one indication at a time, consecutive sequence numbers
 * starting at 1 after the handshake response (4.17.3.6), never more
 * unacknowledged packets than the window, and the last slot taken only
 * with an acknowledgement (4.17.3.7), a pending acknowledgement always
 * piggybacked (4.17.3.8).
 *
 * Times are on a fake clock the tests advance; the constants are those of
 * btp.h: BTP_CONN_RSP_TIMEOUT 5 s, BTP_ACK_TIMEOUT 15 s,
 * BTP_CONN_IDLE_TIMEOUT 30 s (Table 32) and a send-acknowledgement timer
 * of 2.5 s (under half of BTP_ACK_TIMEOUT). */

#include <glib.h>
#include <string.h>

#include "matter/btp.h"

#define assert_error(expr, expected) \
  g_assert_cmpstr(matter_error_name(expr), ==, matter_error_name(expected))

#define NO_ACK (-1)
/* Table 26 bits, spelled out here rather than taken from btp.h. */
#define F_B 0x01
#define F_C 0x02
#define F_E 0x04
#define F_A 0x08
#define F_M 0x20
#define F_H 0x40
#define HANDSHAKE_FLAGS 0x65 /* H, M, E, B (Tables 28 and 29) */
#define HANDSHAKE_OPCODE 0x6C

/* One indication as the central parsed it (Table 26). */
typedef struct {
  GBytes *bytes;
  uint64_t at;
  uint8_t flags;
  gboolean has_ack;
  uint8_t ack;
  uint8_t seq;
  uint16_t message_len;
  const uint8_t *payload;
  size_t payload_len;
  /* What the central had sent unacknowledged when this went. */
  gboolean central_unacked;
  uint8_t central_newest;
} Indication;

typedef struct {
  MatterBtp btp;
  uint64_t now;

  GPtrArray *indications; /* Indication */
  GPtrArray *sdus;        /* GBytes */
  unsigned closed_count;
  MatterError closed_reason;
  uint64_t closed_at;
  gboolean in_flight;
  gboolean auto_done; /* confirm each indication before send() returns */
  MatterError send_result;
  GBytes *reply; /* queued from received() */
  gboolean close_in_received;

  /* The scripted central. */
  gboolean open;         /* it has the handshake response */
  uint16_t segment_size; /* from the response */
  uint8_t window;
  uint8_t seq;           /* its next sequence number */
  uint8_t newest_sent;   /* its newest sequence number */
  uint8_t engine_acked;  /* its newest the engine acknowledged */
  gboolean unacked;      /* it sent packets the engine has not acknowledged */
  uint8_t engine_newest; /* the engine's newest sequence number */
  uint8_t acked;         /* the newest of the engine's the central acknowledged */
  gboolean ack_owed;     /* the engine sent packets not yet acknowledged */
} Fx;

static void
indication_free(gpointer data)
{
  Indication *ind = data;

  g_bytes_unref(ind->bytes);
  g_free(ind);
}

/* Parses a data packet as Table 26 lays it out. */
static void
parse_indication(Indication *ind)
{
  gsize len;
  const uint8_t *p = g_bytes_get_data(ind->bytes, &len);
  size_t off = 1;

  g_assert_cmpuint(len, >=, 2);
  ind->flags = p[0];
  g_assert_cmpuint(ind->flags & 0xF0, ==, 0); /* no H, no M, unused bits 0 */
  if (ind->flags & F_A) {
    ind->has_ack = TRUE;
    ind->ack = p[off++];
  }
  ind->seq = p[off++];
  if (ind->flags & F_B) {
    g_assert_cmpuint(len, >=, off + 2);
    ind->message_len = (uint16_t) (p[off] | (p[off + 1] << 8));
    off += 2;
  }
  g_assert_cmpuint(len, >=, off);
  ind->payload = p + off;
  ind->payload_len = len - off;
}

static void
check_indication_rules(Fx *fx, Indication *ind)
{
  unsigned used;

  g_assert_cmpuint(g_bytes_get_size(ind->bytes), <=, fx->segment_size);
  parse_indication(ind);
  /* 4.17.3.6: 1 after the handshake response's implicit 0, then +1. */
  g_assert_cmpuint(ind->seq, ==, (uint8_t) (fx->engine_newest + 1));
  fx->engine_newest = ind->seq;
  fx->ack_owed = TRUE;
  /* 4.17.3.8: a pending acknowledgement rides on every packet. */
  g_assert_cmpint(ind->has_ack, ==, fx->unacked);
  if (ind->has_ack) {
    g_assert_cmpuint(ind->ack, ==, fx->newest_sent);
    fx->engine_acked = ind->ack;
    fx->unacked = FALSE;
  }
  /* 4.17.3.7: within the window, and its last slot only with an ack. */
  used = (uint8_t) (ind->seq - fx->acked);
  g_assert_cmpuint(used, <=, fx->window);
  if (used == fx->window)
    g_assert_true(ind->has_ack);
}

static MatterError
on_send(void *user_data, const uint8_t *packet, size_t len)
{
  Fx *fx = user_data;
  Indication *ind = g_new0(Indication, 1);

  g_assert_false(fx->in_flight);
  g_assert_cmpuint(len, <=, 244);
  ind->bytes = g_bytes_new(packet, len);
  ind->at = fx->now;
  ind->central_unacked = fx->unacked;
  ind->central_newest = fx->newest_sent;
  if (fx->open) {
    check_indication_rules(fx, ind);
  } else {
    /* The handshake response (Table 29). */
    g_assert_cmpuint(len, ==, 6);
    g_assert_cmpuint(packet[0], ==, HANDSHAKE_FLAGS);
    g_assert_cmpuint(packet[1], ==, HANDSHAKE_OPCODE);
    fx->segment_size = (uint16_t) (packet[3] | (packet[4] << 8));
    fx->window = packet[5];
    fx->open = TRUE;
    fx->engine_newest = 0;
    fx->acked = 255;
    fx->ack_owed = TRUE;
    fx->engine_acked = 255;
  }
  g_ptr_array_add(fx->indications, ind);
  if (fx->send_result != MATTER_OK)
    return fx->send_result;
  fx->in_flight = TRUE;
  if (fx->auto_done) {
    fx->in_flight = FALSE;
    matter_btp_send_done(&fx->btp, fx->now);
  }
  return MATTER_OK;
}

static void
on_received(void *user_data, const uint8_t *sdu, size_t len)
{
  Fx *fx = user_data;

  g_ptr_array_add(fx->sdus, g_bytes_new(sdu, len));
  if (fx->reply != NULL)
    assert_error(matter_btp_send(&fx->btp, g_bytes_get_data(fx->reply, NULL),
                                 g_bytes_get_size(fx->reply), fx->now),
                 MATTER_OK);
  if (fx->close_in_received)
    matter_btp_close(&fx->btp);
}

static void
on_closed(void *user_data, MatterError reason)
{
  Fx *fx = user_data;

  fx->closed_count++;
  fx->closed_reason = reason;
  fx->closed_at = fx->now;
  g_assert_cmpint(fx->btp.state, ==, MATTER_BTP_STATE_CLOSED);
}

static const MatterBtpCallbacks callbacks = {
  .send = on_send,
  .received = on_received,
  .closed = on_closed,
};

static void
fx_init(Fx *fx)
{
  memset(fx, 0, sizeof(*fx));
  fx->now = 1000;
  fx->indications = g_ptr_array_new_with_free_func(indication_free);
  fx->sdus = g_ptr_array_new_with_free_func((GDestroyNotify) g_bytes_unref);
  fx->segment_size = 244;
  matter_btp_init(&fx->btp, &callbacks, fx);
}

static void
fx_clear(Fx *fx)
{
  g_ptr_array_unref(fx->indications);
  g_ptr_array_unref(fx->sdus);
  g_clear_pointer(&fx->reply, g_bytes_unref);
}

static Indication *
fx_indication(Fx *fx, guint i)
{
  g_assert_cmpuint(i, <, fx->indications->len);
  return g_ptr_array_index(fx->indications, i);
}

static Indication *
fx_last(Fx *fx)
{
  return fx_indication(fx, fx->indications->len - 1);
}

static void
fx_done(Fx *fx)
{
  g_assert_true(fx->in_flight);
  fx->in_flight = FALSE;
  matter_btp_send_done(&fx->btp, fx->now);
}

static void
fx_assert_closed(Fx *fx, MatterError reason)
{
  g_assert_cmpint(fx->btp.state, ==, MATTER_BTP_STATE_CLOSED);
  g_assert_cmpuint(fx->closed_count, ==, 1);
  assert_error(fx->closed_reason, reason);
  g_assert_cmpuint(matter_btp_next_deadline(&fx->btp), ==, MATTER_BTP_NEVER);
}

static void
fx_assert_open(Fx *fx)
{
  g_assert_cmpint(fx->btp.state, ==, MATTER_BTP_STATE_OPEN);
  g_assert_cmpuint(fx->closed_count, ==, 0);
}

/* Advances the clock to @t, running the engine's timers on the way. */
static void
fx_advance_to(Fx *fx, uint64_t t)
{
  for (;;) {
    uint64_t next = matter_btp_next_deadline(&fx->btp);

    if (next > t)
      break;
    g_assert_cmpuint(next, >=, fx->now);
    fx->now = next;
    matter_btp_process(&fx->btp, fx->now);
  }
  fx->now = t;
  matter_btp_process(&fx->btp, fx->now);
}

/* The central's side: packets from Table 26 and 28. */

static void
handshake_request(uint8_t out[9], const uint8_t versions[4], uint16_t segment_size, uint8_t window)
{
  out[0] = HANDSHAKE_FLAGS;
  out[1] = HANDSHAKE_OPCODE;
  memcpy(&out[2], versions, 4);
  out[6] = (uint8_t) (segment_size & 0xFF);
  out[7] = (uint8_t) (segment_size >> 8);
  out[8] = window;
}

static const uint8_t versions_4[4] = { 0x04, 0x00, 0x00, 0x00 };

static MatterError
central_request(Fx *fx, const uint8_t versions[4], uint16_t segment_size, uint8_t window)
{
  uint8_t req[9];

  handshake_request(req, versions, segment_size, window);
  return matter_btp_receive(&fx->btp, req, sizeof(req), fx->now);
}

/* Connects, handshakes and confirms the response. */
static void
fx_open(Fx *fx, uint16_t att_mtu, uint16_t segment_size, uint8_t window)
{
  matter_btp_connect(&fx->btp, att_mtu, fx->now);
  assert_error(central_request(fx, versions_4, segment_size, window), MATTER_OK);
  matter_btp_subscribed(&fx->btp, true, fx->now);
  g_assert_cmpuint(fx->indications->len, ==, 1);
  g_assert_true(fx->open);
  fx_assert_open(fx);
  fx_done(fx);
}

/* Writes flags, [ack], seq, then @rest to C1 (Table 26). @ack is NO_ACK
 * or the number to acknowledge. */
static MatterError
central_write(Fx *fx, uint8_t flags, int ack, const uint8_t *rest, size_t rest_len)
{
  uint8_t pkt[600];
  size_t n = 0;

  g_assert_cmpuint(rest_len, <=, sizeof(pkt) - 3);
  pkt[n++] = (uint8_t) (flags | (ack != NO_ACK ? F_A : 0));
  if (ack != NO_ACK)
    pkt[n++] = (uint8_t) ack;
  pkt[n++] = fx->seq;
  if (rest_len > 0)
    memcpy(pkt + n, rest, rest_len);
  n += rest_len;
  fx->newest_sent = fx->seq++;
  fx->unacked = TRUE;
  if (ack != NO_ACK)
    fx->acked = (uint8_t) ack;
  if (ack != NO_ACK && (uint8_t) ack == fx->engine_newest)
    fx->ack_owed = FALSE;
  return matter_btp_receive(&fx->btp, pkt, n, fx->now);
}

/* A stand-alone acknowledgement of the engine's newest packet. */
static MatterError
central_ack(Fx *fx)
{
  return central_write(fx, 0, fx->engine_newest, NULL, 0);
}

/* A whole SDU in one segment: B and E with the message length. */
static MatterError
central_sdu_one(Fx *fx, int ack, const uint8_t *sdu, uint16_t len)
{
  uint8_t rest[600];

  rest[0] = (uint8_t) (len & 0xFF);
  rest[1] = (uint8_t) (len >> 8);
  memcpy(rest + 2, sdu, len);
  return central_write(fx, F_B | F_E, ack, rest, (size_t) len + 2);
}

static void
fill_pattern(uint8_t *buf, size_t len, uint8_t seed)
{
  for (size_t i = 0; i < len; i++)
    buf[i] = (uint8_t) (seed + i * 7 + (i >> 8));
}

static void
assert_sdu(Fx *fx, guint i, const uint8_t *expected, size_t len)
{
  GBytes *sdu;

  g_assert_cmpuint(i, <, fx->sdus->len);
  sdu = g_ptr_array_index(fx->sdus, i);
  g_assert_cmpmem(g_bytes_get_data(sdu, NULL), g_bytes_get_size(sdu), expected, len);
}

/* Handshake */

typedef struct {
  uint16_t att_mtu;
  uint16_t client_segment_size;
  uint8_t client_window;
  uint16_t segment_size;
  uint8_t window;
} HandshakeCase;

static const HandshakeCase handshake_cases[] = {
  /* The minimum ATT_MTU on both sides. */
  { 23, 20, 6, 20, 6 },
  /* Our ATT_MTU unknown: 23. */
  { 0, 244, 6, 20, 6 },
  /* The largest C1/C2 value. */
  { 247, 244, 6, 244, 6 },
  /* A client that puts its ATT_MTU in the field: our ATT_MTU - 3 caps it. */
  { 247, 247, 6, 244, 6 },
  { 185, 185, 4, 182, 4 },
  /* The client's segment smaller than ours; its window larger. */
  { 247, 100, 10, 100, 6 },
  /* Ours smaller than the client's. */
  { 100, 244, 3, 97, 3 },
  /* A link over 247 still gets 244; the largest window a peer may have. */
  { 517, 512, 255, 244, 6 },
  /* The client does not know (0): ours. */
  { 247, 0, 1, 244, 1 },
  /* Below the GATT minimum: 20. */
  { 247, 5, 2, 20, 2 },
};

static void
test_handshake_variants(void)
{
  for (size_t c = 0; c < G_N_ELEMENTS(handshake_cases); c++) {
    const HandshakeCase *hc = &handshake_cases[c];
    uint8_t expected[6] = { HANDSHAKE_FLAGS,
                            HANDSHAKE_OPCODE,
                            0x04,
                            (uint8_t) (hc->segment_size & 0xFF),
                            (uint8_t) (hc->segment_size >> 8),
                            hc->window };
    Fx fx;

    g_test_message("ATT_MTU %u, client segment %u, window %u", hc->att_mtu, hc->client_segment_size,
                   hc->client_window);
    fx_init(&fx);
    fx_open(&fx, hc->att_mtu, hc->client_segment_size, hc->client_window);
    g_assert_cmpmem(g_bytes_get_data(fx_indication(&fx, 0)->bytes, NULL),
                    g_bytes_get_size(fx_indication(&fx, 0)->bytes), expected, sizeof(expected));
    g_assert_cmpuint(fx.btp.segment_size, ==, hc->segment_size);
    g_assert_cmpuint(fx.btp.window, ==, hc->window);
    fx_clear(&fx);
  }
}

static void
test_handshake_att_mtu_later(void)
{
  Fx fx;

  /* The link's MTU became known after the connection, before the
   * response: the response uses it. Once open it no longer changes. */
  fx_init(&fx);
  matter_btp_connect(&fx.btp, 0, fx.now);
  assert_error(central_request(&fx, versions_4, 244, 6), MATTER_OK);
  matter_btp_set_att_mtu(&fx.btp, 247);
  matter_btp_subscribed(&fx.btp, true, fx.now);
  g_assert_cmpuint(fx.segment_size, ==, 244);
  matter_btp_set_att_mtu(&fx.btp, 23);
  g_assert_cmpuint(fx.btp.segment_size, ==, 244);
  fx_clear(&fx);
}

typedef struct {
  const char *what;
  uint8_t versions[4];
  uint8_t selected; /* 0: none in common */
} VersionCase;

static const VersionCase version_cases[] = {
  { "4 alone", { 0x04, 0x00, 0x00, 0x00 }, 4 },
  /* Ver[0] in the low nibble, newest first: 7, 6, 5, 4. */
  { "7 6 5 4", { 0x67, 0x45, 0x00, 0x00 }, 4 },
  { "5 4", { 0x45, 0x00, 0x00, 0x00 }, 4 },
  { "4 in the last nibble", { 0xED, 0xBC, 0x9A, 0x48 }, 4 },
  { "15 to 8 only", { 0xEF, 0xCD, 0xAB, 0x89 }, 0 },
  { "3 2 1", { 0x23, 0x01, 0x00, 0x00 }, 0 },
  { "6 5", { 0x56, 0x00, 0x00, 0x00 }, 0 },
  { "none", { 0x00, 0x00, 0x00, 0x00 }, 0 },
};

static void
test_handshake_version(void)
{
  for (size_t c = 0; c < G_N_ELEMENTS(version_cases); c++) {
    const VersionCase *vc = &version_cases[c];
    Fx fx;

    g_test_message("versions %s", vc->what);
    fx_init(&fx);
    matter_btp_connect(&fx.btp, 247, fx.now);
    matter_btp_subscribed(&fx.btp, true, fx.now);
    if (vc->selected != 0) {
      assert_error(central_request(&fx, vc->versions, 244, 6), MATTER_OK);
      g_assert_cmpuint(fx.indications->len, ==, 1);
      g_assert_cmpuint(((const uint8_t *) g_bytes_get_data(fx_indication(&fx, 0)->bytes, NULL))[2],
                       ==, vc->selected);
      fx_assert_open(&fx);
    } else {
      /* 4.17.3.3: no common version closes the connection. */
      assert_error(central_request(&fx, vc->versions, 244, 6), MATTER_ERROR_BTP_VERSION);
      g_assert_cmpuint(fx.indications->len, ==, 0);
      fx_assert_closed(&fx, MATTER_ERROR_BTP_VERSION);
    }
    fx_clear(&fx);
  }
}

static void
test_handshake_order(void)
{
  Fx fx;

  /* Request, then subscription: the response waits for the latter. */
  fx_init(&fx);
  matter_btp_connect(&fx.btp, 247, fx.now);
  assert_error(central_request(&fx, versions_4, 244, 6), MATTER_OK);
  g_assert_cmpuint(fx.indications->len, ==, 0);
  g_assert_cmpint(fx.btp.state, ==, MATTER_BTP_STATE_HANDSHAKE);
  fx.now += 4000;
  matter_btp_process(&fx.btp, fx.now);
  matter_btp_subscribed(&fx.btp, true, fx.now);
  g_assert_cmpuint(fx.indications->len, ==, 1);
  fx_assert_open(&fx);
  /* A second subscription changes nothing. */
  matter_btp_subscribed(&fx.btp, true, fx.now);
  g_assert_cmpuint(fx.indications->len, ==, 1);
  fx_clear(&fx);

  /* Subscription, then request: the response answers the request. */
  fx_init(&fx);
  matter_btp_connect(&fx.btp, 247, fx.now);
  matter_btp_subscribed(&fx.btp, true, fx.now);
  g_assert_cmpuint(fx.indications->len, ==, 0);
  assert_error(central_request(&fx, versions_4, 244, 6), MATTER_OK);
  g_assert_cmpuint(fx.indications->len, ==, 1);
  fx_assert_open(&fx);
  fx_clear(&fx);
}

static void
test_handshake_timeouts(void)
{
  Fx fx;

  /* 4.17.3.3: the subscription is due BTP_CONN_RSP_TIMEOUT after the
   * request. */
  fx_init(&fx);
  matter_btp_connect(&fx.btp, 247, fx.now);
  assert_error(central_request(&fx, versions_4, 244, 6), MATTER_OK);
  g_assert_cmpuint(matter_btp_next_deadline(&fx.btp), ==, 1000 + 5000);
  fx_advance_to(&fx, 5999);
  g_assert_cmpint(fx.btp.state, ==, MATTER_BTP_STATE_HANDSHAKE);
  fx_advance_to(&fx, 6000);
  fx_assert_closed(&fx, MATTER_ERROR_BTP_HANDSHAKE_TIMEOUT);
  /* A late subscription finds nothing to answer. */
  matter_btp_subscribed(&fx.btp, true, fx.now);
  g_assert_cmpuint(fx.indications->len, ==, 0);
  g_assert_cmpuint(fx.closed_count, ==, 1);
  fx_clear(&fx);

  /* A central that connects, subscribes and never asks: closed after
   * BTP_CONN_IDLE_TIMEOUT. */
  fx_init(&fx);
  matter_btp_connect(&fx.btp, 247, fx.now);
  matter_btp_subscribed(&fx.btp, true, fx.now);
  fx_advance_to(&fx, 30999);
  g_assert_cmpint(fx.btp.state, ==, MATTER_BTP_STATE_HANDSHAKE);
  fx_advance_to(&fx, 31000);
  fx_assert_closed(&fx, MATTER_ERROR_BTP_HANDSHAKE_TIMEOUT);
  fx_clear(&fx);
}

typedef struct {
  const char *what;
  uint8_t bytes[12];
  size_t len;
  MatterError err;
} BadRequestCase;

static const BadRequestCase bad_request_cases[] = {
  { "wrong opcode", { 0x65, 0x6D, 0x04, 0, 0, 0, 244, 0, 6 }, 9, MATTER_ERROR_BTP_MALFORMED },
  { "one byte short", { 0x65, 0x6C, 0x04, 0, 0, 0, 244, 0 }, 8, MATTER_ERROR_BTP_MALFORMED },
  { "one byte over", { 0x65, 0x6C, 0x04, 0, 0, 0, 244, 0, 6, 0 }, 10, MATTER_ERROR_BTP_MALFORMED },
  { "A set", { 0x6D, 0x6C, 0x04, 0, 0, 0, 244, 0, 6 }, 9, MATTER_ERROR_BTP_MALFORMED },
  { "M missing", { 0x45, 0x6C, 0x04, 0, 0, 0, 244, 0, 6 }, 9, MATTER_ERROR_BTP_MALFORMED },
  { "H missing", { 0x25, 0x6C, 0x04, 0, 0, 0, 244, 0, 6 }, 9, MATTER_ERROR_BTP_MALFORMED },
  { "E missing", { 0x61, 0x6C, 0x04, 0, 0, 0, 244, 0, 6 }, 9, MATTER_ERROR_BTP_MALFORMED },
  { "a data packet", { 0x05, 0x00, 0x01, 0x00, 0xAA }, 5, MATTER_ERROR_BTP_MALFORMED },
  { "window 0", { 0x65, 0x6C, 0x04, 0, 0, 0, 244, 0, 0 }, 9, MATTER_ERROR_BTP_WINDOW },
};

static void
test_handshake_malformed(void)
{
  static const uint8_t empty[1] = { 0 };
  Fx fx;

  for (size_t c = 0; c < G_N_ELEMENTS(bad_request_cases); c++) {
    const BadRequestCase *bc = &bad_request_cases[c];

    g_test_message("request: %s", bc->what);
    fx_init(&fx);
    matter_btp_connect(&fx.btp, 247, fx.now);
    matter_btp_subscribed(&fx.btp, true, fx.now);
    assert_error(matter_btp_receive(&fx.btp, bc->bytes, bc->len, fx.now), bc->err);
    g_assert_cmpuint(fx.indications->len, ==, 0);
    fx_assert_closed(&fx, bc->err);
    fx_clear(&fx);
  }

  /* An empty write. */
  fx_init(&fx);
  matter_btp_connect(&fx.btp, 247, fx.now);
  assert_error(matter_btp_receive(&fx.btp, empty, 0, fx.now), MATTER_ERROR_BTP_MALFORMED);
  fx_assert_closed(&fx, MATTER_ERROR_BTP_MALFORMED);
  fx_clear(&fx);

  /* A second request before the subscription. */
  fx_init(&fx);
  matter_btp_connect(&fx.btp, 247, fx.now);
  assert_error(central_request(&fx, versions_4, 244, 6), MATTER_OK);
  assert_error(central_request(&fx, versions_4, 244, 6), MATTER_ERROR_BTP_MALFORMED);
  fx_assert_closed(&fx, MATTER_ERROR_BTP_MALFORMED);
  fx_clear(&fx);

  /* A request once the session is open. */
  fx_init(&fx);
  fx_open(&fx, 247, 244, 6);
  assert_error(central_request(&fx, versions_4, 244, 6), MATTER_ERROR_BTP_MALFORMED);
  fx_assert_closed(&fx, MATTER_ERROR_BTP_MALFORMED);
  fx_clear(&fx);
}

static void
test_handshake_not_connected(void)
{
  uint8_t req[9];
  Fx fx;

  /* No session: nothing happens, and closed() is not called. */
  fx_init(&fx);
  handshake_request(req, versions_4, 244, 6);
  assert_error(matter_btp_receive(&fx.btp, req, sizeof(req), fx.now), MATTER_ERROR_BAD_STATE);
  matter_btp_close(&fx.btp);
  g_assert_cmpint(fx.btp.state, ==, MATTER_BTP_STATE_IDLE);
  matter_btp_subscribed(&fx.btp, true, fx.now);
  matter_btp_process(&fx.btp, fx.now + 100000);
  g_assert_cmpint(fx.btp.state, ==, MATTER_BTP_STATE_IDLE);
  g_assert_cmpuint(matter_btp_next_deadline(&fx.btp), ==, MATTER_BTP_NEVER);
  g_assert_cmpuint(fx.indications->len, ==, 0);
  g_assert_cmpuint(fx.closed_count, ==, 0);
  fx_clear(&fx);
}

/* Sequence numbers and acknowledgements */

static void
test_first_packets(void)
{
  static const uint8_t sdu[] = { 0x10, 0x20, 0x30 };
  static const uint8_t reply[] = { 0xA1, 0xA2 };
  Fx fx;

  /* The central's first packet is its 0 and acknowledges the response's
   * implicit 0; our first data packet is 1 (4.17.3.6). */
  fx_init(&fx);
  fx_open(&fx, 247, 244, 6);
  fx.reply = g_bytes_new_static(reply, sizeof(reply));
  assert_error(central_sdu_one(&fx, 0, sdu, sizeof(sdu)), MATTER_OK);
  assert_sdu(&fx, 0, sdu, sizeof(sdu));
  /* The reply carries the acknowledgement: A, ack 0, seq 1, length 2. */
  {
    static const uint8_t expected[] = { F_A | F_B | F_E, 0x00, 0x01, 0x02, 0x00, 0xA1, 0xA2 };
    g_assert_cmpuint(fx.indications->len, ==, 2);
    g_assert_cmpmem(g_bytes_get_data(fx_last(&fx)->bytes, NULL),
                    g_bytes_get_size(fx_last(&fx)->bytes), expected, sizeof(expected));
  }
  fx_done(&fx);
  fx_assert_open(&fx);
  /* No acknowledgement owed by us: no timer but the central's ack. */
  g_assert_cmpuint(fx.btp.send_ack_deadline, ==, MATTER_BTP_NEVER);
  fx_clear(&fx);

  /* The central may also send before acknowledging the response, and
   * even before the response's indication was confirmed. */
  fx_init(&fx);
  matter_btp_connect(&fx.btp, 247, fx.now);
  assert_error(central_request(&fx, versions_4, 244, 6), MATTER_OK);
  matter_btp_subscribed(&fx.btp, true, fx.now);
  assert_error(central_sdu_one(&fx, NO_ACK, sdu, sizeof(sdu)), MATTER_OK);
  assert_sdu(&fx, 0, sdu, sizeof(sdu));
  fx_assert_open(&fx);
  fx_clear(&fx);
}

static void
test_sequence_errors(void)
{
  static const uint8_t sdu[] = { 0x01 };
  Fx fx;

  /* The first packet numbered 1. */
  fx_init(&fx);
  fx_open(&fx, 247, 244, 6);
  fx.seq = 1;
  assert_error(central_sdu_one(&fx, 0, sdu, 1), MATTER_ERROR_BTP_SEQUENCE);
  fx_assert_closed(&fx, MATTER_ERROR_BTP_SEQUENCE);
  g_assert_cmpuint(fx.sdus->len, ==, 0);
  fx_clear(&fx);

  /* A duplicate. */
  fx_init(&fx);
  fx_open(&fx, 247, 244, 6);
  assert_error(central_sdu_one(&fx, 0, sdu, 1), MATTER_OK);
  fx.seq = 0;
  assert_error(central_sdu_one(&fx, NO_ACK, sdu, 1), MATTER_ERROR_BTP_SEQUENCE);
  fx_assert_closed(&fx, MATTER_ERROR_BTP_SEQUENCE);
  g_assert_cmpuint(fx.sdus->len, ==, 1);
  fx_clear(&fx);

  /* One skipped. */
  fx_init(&fx);
  fx_open(&fx, 247, 244, 6);
  assert_error(central_sdu_one(&fx, 0, sdu, 1), MATTER_OK);
  fx.seq = 2;
  assert_error(central_ack(&fx), MATTER_ERROR_BTP_SEQUENCE);
  fx_assert_closed(&fx, MATTER_ERROR_BTP_SEQUENCE);
  /* Closed once: what follows is refused without another closed(). */
  assert_error(central_ack(&fx), MATTER_ERROR_BAD_STATE);
  matter_btp_subscribed(&fx.btp, false, fx.now);
  matter_btp_process(&fx.btp, fx.now + 100000);
  g_assert_cmpuint(fx.closed_count, ==, 1);
  fx_clear(&fx);
}

static void
test_sequence_wrap(void)
{
  static const uint8_t reply[] = { 0x55 };
  uint8_t sdu[8];
  Fx fx;

  /* 300 request/reply rounds: both directions' numbers wrap past 255. */
  fx_init(&fx);
  fx_open(&fx, 23, 20, 4);
  fx.reply = g_bytes_new_static(reply, sizeof(reply));
  for (unsigned i = 0; i < 300; i++) {
    fill_pattern(sdu, sizeof(sdu), (uint8_t) i);
    assert_error(central_sdu_one(&fx, fx.ack_owed ? fx.engine_newest : NO_ACK, sdu, sizeof(sdu)),
                 MATTER_OK);
    assert_sdu(&fx, i, sdu, sizeof(sdu));
    fx_done(&fx);
    fx.now += 10;
  }
  fx_assert_open(&fx);
  g_assert_cmpuint(fx.indications->len, ==, 301);
  fx_clear(&fx);
}

static void
test_ack_errors(void)
{
  static const uint8_t sdu[] = { 0x01 };
  Fx fx;

  /* An acknowledgement of a packet never sent. */
  fx_init(&fx);
  fx_open(&fx, 247, 244, 6);
  assert_error(central_sdu_one(&fx, 5, sdu, 1), MATTER_ERROR_BTP_ACK);
  fx_assert_closed(&fx, MATTER_ERROR_BTP_ACK);
  fx_clear(&fx);

  /* The same acknowledgement twice. */
  fx_init(&fx);
  fx_open(&fx, 247, 244, 6);
  assert_error(central_ack(&fx), MATTER_OK);
  assert_error(central_write(&fx, 0, 0, NULL, 0), MATTER_ERROR_BTP_ACK);
  fx_assert_closed(&fx, MATTER_ERROR_BTP_ACK);
  fx_clear(&fx);
}

/* Receive windows */

static void
test_window_full(void)
{
  uint8_t sdu[200];
  Fx fx;

  /* Window 3: the response takes a slot, so one segment may go, and
   * then the last slot stays free for want of an ack to send with it. */
  fx_init(&fx);
  fx_open(&fx, 23, 20, 3);
  fill_pattern(sdu, sizeof(sdu), 3);
  assert_error(matter_btp_send(&fx.btp, sdu, sizeof(sdu), fx.now), MATTER_OK);
  g_assert_cmpuint(fx.indications->len, ==, 2);
  fx_done(&fx);
  g_assert_cmpuint(fx.indications->len, ==, 2);
  g_assert_false(fx_last(&fx)->has_ack);

  /* The central acknowledges 1 (and so 0): three slots, and an ack to
   * send. Two segments go, the first with the ack. */
  assert_error(central_ack(&fx), MATTER_OK);
  g_assert_cmpuint(fx.indications->len, ==, 3);
  g_assert_true(fx_last(&fx)->has_ack);
  fx_done(&fx);
  g_assert_cmpuint(fx.indications->len, ==, 4);
  g_assert_false(fx_last(&fx)->has_ack);
  fx_done(&fx);
  g_assert_cmpuint(fx.indications->len, ==, 4);

  /* An acknowledgement of the older one only opens one slot: it and its
   * own number to acknowledge let one more go. */
  assert_error(central_write(&fx, 0, 2, NULL, 0), MATTER_OK);
  g_assert_cmpuint(fx.indications->len, ==, 5);
  g_assert_true(fx_last(&fx)->has_ack);
  fx_done(&fx);
  g_assert_cmpuint(fx.indications->len, ==, 5);

  /* The send-acknowledgement timer has nothing to do: no packet of the
   * central's awaits one. The window stays as it is for good, and the
   * acknowledgement-received timer closes the session. */
  fx_advance_to(&fx, fx.now + 14999);
  g_assert_cmpuint(fx.indications->len, ==, 5);
  fx_advance_to(&fx, fx.now + 1);
  fx_assert_closed(&fx, MATTER_ERROR_BTP_ACK_TIMEOUT);
  fx_clear(&fx);
}

static void
test_window_resumes(void)
{
  uint8_t sdu[MATTER_BTP_SDU_MAX];
  GByteArray *got = g_byte_array_new();
  Fx fx;

  /* Window 2, a 1280-byte SDU: the engine stops at every window and the
   * central's acknowledgement resumes it, until all went. */
  fx_init(&fx);
  fx_open(&fx, 23, 20, 2);
  fill_pattern(sdu, sizeof(sdu), 9);
  assert_error(matter_btp_send(&fx.btp, sdu, sizeof(sdu), fx.now), MATTER_OK);
  for (unsigned rounds = 0; rounds < 1000 && fx.indications->len > 0; rounds++) {
    Indication *last = fx_last(&fx);

    if (fx.in_flight) {
      fx_done(&fx);
      continue;
    }
    if (last->flags & F_E)
      break;
    /* Stalled: the window is full. */
    g_assert_true(fx.ack_owed);
    assert_error(central_ack(&fx), MATTER_OK);
  }
  for (guint i = 1; i < fx.indications->len; i++) {
    Indication *ind = fx_indication(&fx, i);

    if (i > 1 && (ind->flags & F_B) == 0)
      g_assert_true(ind->flags & (F_C | F_E));
    g_byte_array_append(got, ind->payload, (guint) ind->payload_len);
  }
  g_assert_cmpmem(got->data, got->len, sdu, sizeof(sdu));
  fx_assert_open(&fx);
  g_byte_array_unref(got);
  fx_clear(&fx);
}

static void
test_window_closed(void)
{
  static const uint8_t sdu[] = { 0x42 };
  Fx fx;

  /* Window 1: the response fills the central's window. Nothing may go,
   * not even with an ack to send, until the central acknowledges it. */
  fx_init(&fx);
  fx_open(&fx, 247, 244, 1);
  assert_error(matter_btp_send(&fx.btp, sdu, sizeof(sdu), fx.now), MATTER_OK);
  g_assert_cmpuint(fx.indications->len, ==, 1);
  assert_error(central_sdu_one(&fx, NO_ACK, sdu, sizeof(sdu)), MATTER_OK);
  g_assert_cmpuint(fx.indications->len, ==, 1);
  fx_advance_to(&fx, fx.now + MATTER_BTP_SEND_ACK_MS);
  g_assert_cmpuint(fx.indications->len, ==, 1);
  fx_clear(&fx);

  /* Acknowledged with the central's first packet: the one slot and the
   * ack to send let the queued SDU go, carrying the ack. */
  fx_init(&fx);
  fx_open(&fx, 247, 244, 1);
  assert_error(matter_btp_send(&fx.btp, sdu, sizeof(sdu), fx.now), MATTER_OK);
  assert_error(central_sdu_one(&fx, 0, sdu, sizeof(sdu)), MATTER_OK);
  g_assert_cmpuint(fx.indications->len, ==, 2);
  g_assert_true(fx_last(&fx)->has_ack);
  fx_done(&fx);
  fx_assert_open(&fx);
  fx_clear(&fx);
}

static void
test_window_overrun(void)
{
  uint8_t rest[20];
  Fx fx;

  /* Our window is 6; while our acknowledgement cannot go (an indication
   * is not confirmed), a seventh packet overruns it. */
  fx_init(&fx);
  matter_btp_connect(&fx.btp, 247, fx.now);
  assert_error(central_request(&fx, versions_4, 244, 6), MATTER_OK);
  matter_btp_subscribed(&fx.btp, true, fx.now);
  rest[0] = 200;
  rest[1] = 0;
  memset(rest + 2, 0xEE, sizeof(rest) - 2);
  assert_error(central_write(&fx, F_B, NO_ACK, rest, sizeof(rest)), MATTER_OK);
  for (int i = 0; i < 5; i++)
    assert_error(central_write(&fx, F_C, NO_ACK, rest, sizeof(rest)), MATTER_OK);
  g_assert_cmpuint(fx.indications->len, ==, 1);
  assert_error(central_write(&fx, F_C, NO_ACK, rest, sizeof(rest)), MATTER_ERROR_BTP_WINDOW);
  fx_assert_closed(&fx, MATTER_ERROR_BTP_WINDOW);
  fx_clear(&fx);
}

/* Segments */

static void
test_oversize_segment(void)
{
  uint8_t rest[300];
  Fx fx;

  /* Segment size 20: a 21-byte write closes the session. */
  fx_init(&fx);
  fx_open(&fx, 23, 20, 6);
  rest[0] = 100;
  rest[1] = 0;
  memset(rest + 2, 0x11, sizeof(rest) - 2);
  assert_error(central_write(&fx, F_B, 0, rest, 16), MATTER_OK);
  assert_error(central_write(&fx, F_C, NO_ACK, rest, 19), MATTER_ERROR_BTP_SEGMENT_SIZE);
  fx_assert_closed(&fx, MATTER_ERROR_BTP_SEGMENT_SIZE);
  fx_clear(&fx);

  /* Segment size 244: a 245-byte write. */
  fx_init(&fx);
  fx_open(&fx, 247, 244, 6);
  assert_error(central_write(&fx, F_B, NO_ACK, rest, 243), MATTER_ERROR_BTP_SEGMENT_SIZE);
  fx_assert_closed(&fx, MATTER_ERROR_BTP_SEGMENT_SIZE);
  g_assert_cmpuint(fx.sdus->len, ==, 0);
  fx_clear(&fx);
}

typedef struct {
  const char *what;
  /* Up to three writes: flags, then what follows the sequence number. */
  struct {
    uint8_t flags;
    uint8_t rest[24];
    size_t len;
  } writes[3];
  unsigned count;
  MatterError err; /* of the last write; those before pass */
} SegmentCase;

static const SegmentCase segment_cases[] = {
  { "length 10, 5 bytes",
    { { F_B | F_E, { 10, 0, 1, 2, 3, 4, 5 }, 7 } },
    1,
    MATTER_ERROR_BTP_LENGTH },
  { "length 5, 10 bytes",
    { { F_B | F_E, { 5, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, 12 } },
    1,
    MATTER_ERROR_BTP_LENGTH },
  { "length 0", { { F_B | F_E, { 0, 0 }, 2 } }, 1, MATTER_ERROR_BTP_LENGTH },
  { "ending short",
    { { F_B, { 12, 0, 1, 2, 3, 4, 5, 6, 7, 8 }, 10 }, { F_E, { 9, 10 }, 2 } },
    2,
    MATTER_ERROR_BTP_LENGTH },
  { "ending long",
    { { F_B, { 12, 0, 1, 2, 3, 4, 5, 6, 7, 8 }, 10 }, { F_E, { 9, 10, 11, 12, 13 }, 5 } },
    2,
    MATTER_ERROR_BTP_LENGTH },
  { "middle past the length",
    { { F_B, { 12, 0, 1, 2, 3, 4, 5, 6, 7, 8 }, 10 }, { F_C, { 9, 10, 11, 12, 13 }, 5 } },
    2,
    MATTER_ERROR_BTP_LENGTH },
  { "over MATTER_BTP_SDU_MAX",
    { { F_B, { 0x01, 0x05, 1, 2, 3 }, 5 } },
    1,
    MATTER_ERROR_BTP_SDU_TOO_LONG },
  { "length 65535", { { F_B, { 0xFF, 0xFF, 1, 2, 3 }, 5 } }, 1, MATTER_ERROR_BTP_SDU_TOO_LONG },
  { "ending without beginning", { { F_E, { 1, 2, 3 }, 3 } }, 1, MATTER_ERROR_BTP_MALFORMED },
  { "continuation without beginning", { { F_C, { 1, 2, 3 }, 3 } }, 1, MATTER_ERROR_BTP_MALFORMED },
  { "payload without flags or beginning",
    { { 0, { 1, 2, 3 }, 3 } },
    1,
    MATTER_ERROR_BTP_MALFORMED },
  { "beginning during another",
    { { F_B, { 12, 0, 1, 2, 3, 4, 5, 6, 7, 8 }, 10 }, { F_B | F_E, { 1, 0, 1 }, 3 } },
    2,
    MATTER_ERROR_BTP_MALFORMED },
  { "beginning without its length", { { F_B | F_E, { 1 }, 1 } }, 1, MATTER_ERROR_BTP_MALFORMED },
  { "a management message",
    { { F_M | F_B | F_E, { 0x6C, 1, 0, 1 }, 4 } },
    1,
    MATTER_ERROR_BTP_MALFORMED },
  { "a handshake flag", { { F_H | F_B | F_E, { 1, 0, 1 }, 3 } }, 1, MATTER_ERROR_BTP_MALFORMED },
};

static void
test_segment_errors(void)
{
  for (size_t c = 0; c < G_N_ELEMENTS(segment_cases); c++) {
    const SegmentCase *sc = &segment_cases[c];
    Fx fx;

    g_test_message("segments: %s", sc->what);
    fx_init(&fx);
    fx_open(&fx, 247, 244, 6);
    for (unsigned i = 0; i < sc->count; i++)
      assert_error(central_write(&fx, sc->writes[i].flags, i == 0 ? 0 : NO_ACK, sc->writes[i].rest,
                                 sc->writes[i].len),
                   i + 1 == sc->count ? sc->err : MATTER_OK);
    fx_assert_closed(&fx, sc->err);
    g_assert_cmpuint(fx.sdus->len, ==, 0);
    fx_clear(&fx);
  }
}

static void
test_header_errors(void)
{
  static const struct {
    const char *what;
    uint8_t bytes[4];
    size_t len;
  } cases[] = {
    { "empty", { 0x00 }, 0 },
    { "flags alone", { 0x00 }, 1 },
    { "ack without a sequence number", { F_A, 0x00 }, 2 },
  };

  for (size_t c = 0; c < G_N_ELEMENTS(cases); c++) {
    Fx fx;

    g_test_message("header: %s", cases[c].what);
    fx_init(&fx);
    fx_open(&fx, 247, 244, 6);
    assert_error(matter_btp_receive(&fx.btp, cases[c].bytes, cases[c].len, fx.now),
                 MATTER_ERROR_BTP_MALFORMED);
    fx_assert_closed(&fx, MATTER_ERROR_BTP_MALFORMED);
    fx_clear(&fx);
  }
}

/* A 40-byte SDU at segment size 20, as the central sends it with the
 * middle and ending segments' flags given: B (16 bytes, or 15 with an
 * ack), middle (18), E (the rest). */
static void
send_three_segments(Fx *fx, uint8_t middle_flags, uint8_t end_flags, const uint8_t sdu[40])
{
  int ack = fx->ack_owed ? fx->engine_newest : NO_ACK;
  size_t first = ack != NO_ACK ? 15 : 16;
  uint8_t rest[20];

  rest[0] = 40;
  rest[1] = 0;
  memcpy(rest + 2, sdu, first);
  if (fx->in_flight)
    fx_done(fx);
  assert_error(central_write(fx, F_B, ack, rest, first + 2), MATTER_OK);
  assert_error(central_write(fx, middle_flags, NO_ACK, sdu + first, 18), MATTER_OK);
  assert_error(central_write(fx, end_flags, NO_ACK, sdu + first + 18, 40 - first - 18), MATTER_OK);
}

static void
test_continuation_flag(void)
{
  uint8_t sdu[40];
  Fx fx;

  fx_init(&fx);
  fx_open(&fx, 23, 20, 6);
  /* As the specification has it: the middle segment without flags. */
  fill_pattern(sdu, sizeof(sdu), 1);
  send_three_segments(&fx, 0, F_E, sdu);
  g_assert_cmpuint(fx.sdus->len, ==, 1);
  assert_sdu(&fx, 0, sdu, sizeof(sdu));
  /* As the field's SDK sends it: 0x02 on the middle and ending ones. */
  fill_pattern(sdu, sizeof(sdu), 2);
  send_three_segments(&fx, F_C, F_C | F_E, sdu);
  g_assert_cmpuint(fx.sdus->len, ==, 2);
  assert_sdu(&fx, 1, sdu, sizeof(sdu));
  /* And mixed. */
  fill_pattern(sdu, sizeof(sdu), 3);
  send_three_segments(&fx, F_C, F_E, sdu);
  g_assert_cmpuint(fx.sdus->len, ==, 3);
  assert_sdu(&fx, 2, sdu, sizeof(sdu));
  fx_assert_open(&fx);
  fx_clear(&fx);
}

/* Checks the engine's segments of @sdu byte by byte, as 4.17.3.5 and
 * Table 26 define them: the first with B and the length, the middle ones
 * full and with the field's continuation flag, the last with E and the
 * rest; each with the ack it carried (if any) and consecutive numbers. */
static void
assert_segments(Fx *fx, guint first, const uint8_t *sdu, size_t len)
{
  size_t done = 0;
  guint i = first;
  uint8_t seq = fx_indication(fx, first)->seq;

  while (done < len) {
    Indication *ind = fx_indication(fx, i);
    uint8_t expected[244];
    size_t n = 0, header, chunk;
    gboolean begin = done == 0, end;

    expected[n++] = 0;
    if (ind->central_unacked)
      expected[n++] = ind->central_newest;
    expected[n++] = seq;
    if (begin) {
      expected[n++] = (uint8_t) (len & 0xFF);
      expected[n++] = (uint8_t) (len >> 8);
    }
    header = n;
    chunk = MIN(len - done, (size_t) fx->segment_size - header);
    end = done + chunk == len;
    expected[0] = (uint8_t) ((begin ? F_B : 0) | (end ? F_E : 0) | (!begin && !end ? F_C : 0) |
                             (ind->central_unacked ? F_A : 0));
    memcpy(expected + n, sdu + done, chunk);
    n += chunk;
    g_assert_cmpmem(g_bytes_get_data(ind->bytes, NULL), g_bytes_get_size(ind->bytes), expected, n);
    if (!end)
      g_assert_cmpuint(n, ==, fx->segment_size);
    done += chunk;
    seq++;
    i++;
  }
}

/* Sends @sdu and plays a central that acknowledges whenever the engine
 * stalls, until the last segment went; returns the first segment's
 * index. */
static guint
send_and_drain(Fx *fx, const uint8_t *sdu, size_t len)
{
  guint first = fx->indications->len;

  assert_error(matter_btp_send(&fx->btp, sdu, len, fx->now), MATTER_OK);
  for (unsigned rounds = 0; rounds < 2000; rounds++) {
    if (fx->in_flight) {
      fx_done(fx);
      continue;
    }
    if (fx->indications->len > first && (fx_last(fx)->flags & F_E))
      return first;
    assert_error(central_ack(fx), MATTER_OK);
  }
  g_assert_not_reached();
}

static void
test_segmentation_1280(void)
{
  static const uint16_t mtus[] = { 23, 247 };
  uint8_t sdu[MATTER_BTP_SDU_MAX];

  for (size_t m = 0; m < G_N_ELEMENTS(mtus); m++) {
    Fx fx;
    guint first;

    g_test_message("ATT_MTU %u", mtus[m]);
    fx_init(&fx);
    fx_open(&fx, mtus[m], 244, 6);
    fill_pattern(sdu, sizeof(sdu), (uint8_t) m);
    first = send_and_drain(&fx, sdu, sizeof(sdu));
    assert_segments(&fx, first, sdu, sizeof(sdu));
    /* At least 16 + 18 * 70 + 4 at 20 bytes, 240 + 242 * 4 + 72 at 244. */
    g_assert_cmpuint(fx.indications->len - first, >=, mtus[m] == 23 ? 72 : 6);
    /* A second SDU behind the first. */
    fill_pattern(sdu, 300, 0x80);
    first = send_and_drain(&fx, sdu, 300);
    assert_segments(&fx, first, sdu, 300);
    fx_assert_open(&fx);
    fx_clear(&fx);
  }
}

static void
test_reassembly_1280(void)
{
  static const uint16_t mtus[] = { 23, 247 };
  uint8_t sdu[MATTER_BTP_SDU_MAX];

  /* The central sends a 1280-byte SDU in full segments with 0x02 on the
   * middle ones; it waits for our ack when our window is about to close,
   * which the engine sends at once (4.17.3.8). */
  for (size_t m = 0; m < G_N_ELEMENTS(mtus); m++) {
    Fx fx;
    size_t done = 0;
    uint16_t seg;

    fx_init(&fx);
    fx_open(&fx, mtus[m], 244, 6);
    seg = fx.segment_size;
    fill_pattern(sdu, sizeof(sdu), (uint8_t) (m + 5));
    while (done < sizeof(sdu)) {
      uint8_t rest[244];
      size_t n = 0, chunk;
      int ack = fx.ack_owed ? fx.engine_newest : NO_ACK;
      size_t header = 2 + (ack != NO_ACK ? 1 : 0);
      uint8_t flags;

      if (fx.in_flight)
        fx_done(&fx);
      /* Our window as the central counts it has room: the engine
       * acknowledged in time. */
      g_assert_cmpuint((uint8_t) (fx.seq - fx.engine_acked - 1), <, fx.window);
      if (done == 0) {
        rest[n++] = (uint8_t) (sizeof(sdu) & 0xFF);
        rest[n++] = (uint8_t) (sizeof(sdu) >> 8);
        header += 2;
      }
      chunk = MIN(sizeof(sdu) - done, seg - header);
      memcpy(rest + n, sdu + done, chunk);
      flags = done == 0 ? F_B : F_C;
      if (done + chunk == sizeof(sdu))
        flags |= F_E;
      assert_error(central_write(&fx, flags, ack, rest, n + chunk), MATTER_OK);
      done += chunk;
    }
    g_assert_cmpuint(fx.sdus->len, ==, 1);
    assert_sdu(&fx, 0, sdu, sizeof(sdu));
    fx_assert_open(&fx);
    fx_clear(&fx);
  }
}

/* Acknowledgement timers */

static void
test_send_ack_timer(void)
{
  static const uint8_t sdu[] = { 0x01, 0x02 };
  Fx fx;

  fx_init(&fx);
  fx_open(&fx, 247, 244, 6);
  /* One packet received, nothing to answer with: the stand-alone ack
   * goes when the send-acknowledgement timer runs out, not before. */
  assert_error(central_sdu_one(&fx, 0, sdu, sizeof(sdu)), MATTER_OK);
  g_assert_cmpuint(fx.indications->len, ==, 1);
  g_assert_cmpuint(matter_btp_next_deadline(&fx.btp), ==, 1000 + MATTER_BTP_SEND_ACK_MS);
  fx_advance_to(&fx, 1000 + MATTER_BTP_SEND_ACK_MS - 1);
  g_assert_cmpuint(fx.indications->len, ==, 1);
  fx_advance_to(&fx, 1000 + MATTER_BTP_SEND_ACK_MS);
  g_assert_cmpuint(fx.indications->len, ==, 2);
  {
    static const uint8_t expected[] = { F_A, 0x00, 0x01 };
    g_assert_cmpmem(g_bytes_get_data(fx_last(&fx)->bytes, NULL),
                    g_bytes_get_size(fx_last(&fx)->bytes), expected, sizeof(expected));
  }
  fx_done(&fx);

  /* The central's stand-alone ack of it is not answered at once either,
   * but on the timer. */
  fx.now += 500;
  assert_error(central_ack(&fx), MATTER_OK);
  g_assert_cmpuint(fx.indications->len, ==, 2);
  fx_advance_to(&fx, fx.now + MATTER_BTP_SEND_ACK_MS - 1);
  g_assert_cmpuint(fx.indications->len, ==, 2);
  fx_advance_to(&fx, fx.now + 1);
  g_assert_cmpuint(fx.indications->len, ==, 3);
  {
    static const uint8_t expected[] = { F_A, 0x01, 0x02 };
    g_assert_cmpmem(g_bytes_get_data(fx_last(&fx)->bytes, NULL),
                    g_bytes_get_size(fx_last(&fx)->bytes), expected, sizeof(expected));
  }
  fx_done(&fx);

  /* The timer starts with the first unacknowledged packet and is not
   * restarted by the next ones (4.17.3.8). */
  fx.now += 100;
  assert_error(central_sdu_one(&fx, 2, sdu, sizeof(sdu)), MATTER_OK);
  fx_advance_to(&fx, fx.now + 1000);
  assert_error(central_sdu_one(&fx, NO_ACK, sdu, sizeof(sdu)), MATTER_OK);
  fx_advance_to(&fx, fx.now + MATTER_BTP_SEND_ACK_MS - 1000 - 1);
  g_assert_cmpuint(fx.indications->len, ==, 3);
  fx_advance_to(&fx, fx.now + 1);
  g_assert_cmpuint(fx.indications->len, ==, 4);
  {
    static const uint8_t expected[] = { F_A, 0x03, 0x03 };
    g_assert_cmpmem(g_bytes_get_data(fx_last(&fx)->bytes, NULL),
                    g_bytes_get_size(fx_last(&fx)->bytes), expected, sizeof(expected));
  }
  fx_done(&fx);
  fx_assert_open(&fx);
  fx_clear(&fx);
}

static void
test_standalone_ack_small_window(void)
{
  Fx fx;

  /* Window 2: a stand-alone ack leaves one free slot, two or fewer, but
   * answering it at once would make the peers trade acks at full speed.
   * It is answered on the timer. */
  fx_init(&fx);
  fx_open(&fx, 247, 244, 2);
  for (int round = 0; round < 3; round++) {
    guint before = fx.indications->len;

    fx.now += 100;
    assert_error(central_ack(&fx), MATTER_OK);
    g_assert_cmpuint(fx.indications->len, ==, before);
    fx_advance_to(&fx, fx.now + MATTER_BTP_SEND_ACK_MS - 1);
    g_assert_cmpuint(fx.indications->len, ==, before);
    fx_advance_to(&fx, fx.now + 1);
    g_assert_cmpuint(fx.indications->len, ==, before + 1);
    g_assert_cmpuint(fx_last(&fx)->flags, ==, F_A);
    fx_done(&fx);
  }
  fx_assert_open(&fx);
  fx_clear(&fx);
}

static void
test_standalone_acks_fill_window(void)
{
  Fx fx;

  /* Window 6: a central acknowledging at once what it gets piles up
   * stand-alone packets in our window. Four leave two free slots, and
   * ours waits for its timer; the fifth leaves the one slot the central
   * may not send data into, and ours goes at once. */
  fx_init(&fx);
  fx_open(&fx, 247, 244, 6);
  assert_error(central_ack(&fx), MATTER_OK);
  for (int i = 0; i < 3; i++)
    assert_error(central_write(&fx, 0, NO_ACK, NULL, 0), MATTER_OK);
  g_assert_cmpuint(fx.indications->len, ==, 1);
  assert_error(central_write(&fx, 0, NO_ACK, NULL, 0), MATTER_OK);
  g_assert_cmpuint(fx.indications->len, ==, 2);
  {
    static const uint8_t expected[] = { F_A, 0x04, 0x01 };
    g_assert_cmpmem(g_bytes_get_data(fx_last(&fx)->bytes, NULL),
                    g_bytes_get_size(fx_last(&fx)->bytes), expected, sizeof(expected));
  }
  fx_done(&fx);
  /* The central's ack of that is one packet in an empty window: our
   * answer waits for the timer again. */
  fx.now += 10;
  assert_error(central_ack(&fx), MATTER_OK);
  g_assert_cmpuint(fx.indications->len, ==, 2);
  fx_advance_to(&fx, fx.now + MATTER_BTP_SEND_ACK_MS);
  g_assert_cmpuint(fx.indications->len, ==, 3);
  fx_done(&fx);
  fx_assert_open(&fx);
  fx_clear(&fx);
}

static void
test_immediate_ack(void)
{
  uint8_t rest[20];
  Fx fx;

  /* Window 6: after the fourth received segment two slots are left, and
   * the ack goes at once. */
  fx_init(&fx);
  fx_open(&fx, 23, 20, 6);
  rest[0] = 200;
  rest[1] = 0;
  memset(rest + 2, 0x3C, sizeof(rest) - 2);
  assert_error(central_write(&fx, F_B, 0, rest, 17), MATTER_OK);
  assert_error(central_write(&fx, F_C, NO_ACK, rest, 18), MATTER_OK);
  assert_error(central_write(&fx, F_C, NO_ACK, rest, 18), MATTER_OK);
  g_assert_cmpuint(fx.indications->len, ==, 1);
  assert_error(central_write(&fx, F_C, NO_ACK, rest, 18), MATTER_OK);
  g_assert_cmpuint(fx.indications->len, ==, 2);
  {
    static const uint8_t expected[] = { F_A, 0x03, 0x01 };
    g_assert_cmpmem(g_bytes_get_data(fx_last(&fx)->bytes, NULL),
                    g_bytes_get_size(fx_last(&fx)->bytes), expected, sizeof(expected));
  }
  /* With the indication unconfirmed, the next ack waits for it. */
  assert_error(central_write(&fx, F_C, NO_ACK, rest, 18), MATTER_OK);
  assert_error(central_write(&fx, F_C, NO_ACK, rest, 18), MATTER_OK);
  assert_error(central_write(&fx, F_C, NO_ACK, rest, 18), MATTER_OK);
  assert_error(central_write(&fx, F_C, NO_ACK, rest, 18), MATTER_OK);
  g_assert_cmpuint(fx.indications->len, ==, 2);
  fx_done(&fx);
  g_assert_cmpuint(fx.indications->len, ==, 3);
  {
    static const uint8_t expected[] = { F_A, 0x07, 0x02 };
    g_assert_cmpmem(g_bytes_get_data(fx_last(&fx)->bytes, NULL),
                    g_bytes_get_size(fx_last(&fx)->bytes), expected, sizeof(expected));
  }
  fx_done(&fx);
  fx_assert_open(&fx);
  fx_clear(&fx);

  /* Window 3: the first received segment leaves two. */
  fx_init(&fx);
  fx_open(&fx, 23, 20, 3);
  assert_error(central_write(&fx, F_B, 0, rest, 17), MATTER_OK);
  g_assert_cmpuint(fx.indications->len, ==, 2);
  g_assert_cmpuint(fx_last(&fx)->flags, ==, F_A);
  fx_clear(&fx);
}

static void
test_ack_received_timeout(void)
{
  uint8_t sdu[30];
  Fx fx;

  /* The handshake response is never acknowledged: BTP_ACK_TIMEOUT after
   * it the session closes (4.17.3.8). */
  fx_init(&fx);
  fx_open(&fx, 247, 244, 6);
  g_assert_cmpuint(matter_btp_next_deadline(&fx.btp), ==, 1000 + MATTER_BTP_ACK_TIMEOUT_MS);
  fx_advance_to(&fx, 1000 + MATTER_BTP_ACK_TIMEOUT_MS - 1);
  fx_assert_open(&fx);
  fx_advance_to(&fx, 1000 + MATTER_BTP_ACK_TIMEOUT_MS);
  fx_assert_closed(&fx, MATTER_ERROR_BTP_ACK_TIMEOUT);
  fx_clear(&fx);

  /* Acknowledging the newest stops the timer; acknowledging an older one
   * restarts it. */
  fx_init(&fx);
  fx_open(&fx, 23, 20, 6);
  fx.now = 11000;
  assert_error(central_ack(&fx), MATTER_OK);
  g_assert_cmpuint(fx.btp.ack_received_deadline, ==, MATTER_BTP_NEVER);
  fill_pattern(sdu, sizeof(sdu), 4);
  assert_error(matter_btp_send(&fx.btp, sdu, sizeof(sdu), fx.now), MATTER_OK);
  fx_done(&fx);
  fx_done(&fx);
  g_assert_cmpuint(fx.indications->len, ==, 3);
  g_assert_cmpuint(fx.btp.ack_received_deadline, ==, 11000 + MATTER_BTP_ACK_TIMEOUT_MS);
  fx_advance_to(&fx, 21000);
  assert_error(central_write(&fx, 0, 1, NULL, 0), MATTER_OK);
  g_assert_cmpuint(fx.btp.ack_received_deadline, ==, 21000 + MATTER_BTP_ACK_TIMEOUT_MS);
  /* Our stand-alone ack of that goes on its timer, and does not move the
   * running acknowledgement-received timer. */
  fx_advance_to(&fx, 21000 + MATTER_BTP_SEND_ACK_MS);
  g_assert_cmpuint(fx.indications->len, ==, 4);
  fx_done(&fx);
  fx_advance_to(&fx, 21000 + MATTER_BTP_ACK_TIMEOUT_MS - 1);
  fx_assert_open(&fx);
  fx_advance_to(&fx, 21000 + MATTER_BTP_ACK_TIMEOUT_MS);
  fx_assert_closed(&fx, MATTER_ERROR_BTP_ACK_TIMEOUT);
  fx_clear(&fx);
}

/* A central that keeps the session alive with stand-alone acks, each
 * 1 s after the engine's packet, and sends no data. */
static void
keep_alive_until(Fx *fx, uint64_t until)
{
  while (fx->btp.state == MATTER_BTP_STATE_OPEN) {
    uint64_t next;

    if (fx->in_flight) {
      fx_done(fx);
      continue;
    }
    if (fx->ack_owed && fx->now >= fx_last(fx)->at + 1000) {
      assert_error(central_ack(fx), MATTER_OK);
      continue;
    }
    next = matter_btp_next_deadline(&fx->btp);
    if (fx->ack_owed)
      next = MIN(next, fx_last(fx)->at + 1000);
    if (next >= until) {
      fx_advance_to(fx, until);
      break;
    }
    fx_advance_to(fx, next);
  }
}

static void
test_idle_timeout(void)
{
  static const uint8_t sdu[] = { 0x99 };
  Fx fx;

  /* Acknowledgements keep the link alive but are not unique data: 30 s
   * after the last segment the session closes. */
  fx_init(&fx);
  fx_open(&fx, 247, 244, 6);
  keep_alive_until(&fx, 1000 + 20000);
  fx_assert_open(&fx);
  g_assert_cmpuint(fx.indications->len, >, 4); /* acks went both ways */
  /* A segment from the central restarts the idle time. */
  assert_error(central_sdu_one(&fx, fx.ack_owed ? fx.engine_newest : NO_ACK, sdu, sizeof(sdu)),
               MATTER_OK);
  keep_alive_until(&fx, 21000 + MATTER_BTP_IDLE_TIMEOUT_MS - 1);
  fx_assert_open(&fx);
  keep_alive_until(&fx, 21000 + MATTER_BTP_IDLE_TIMEOUT_MS + 1);
  fx_assert_closed(&fx, MATTER_ERROR_BTP_IDLE_TIMEOUT);
  g_assert_cmpuint(fx.closed_at, ==, 21000 + MATTER_BTP_IDLE_TIMEOUT_MS);
  fx_clear(&fx);

  /* So does one from us. */
  fx_init(&fx);
  fx_open(&fx, 247, 244, 6);
  keep_alive_until(&fx, 11000);
  assert_error(matter_btp_send(&fx.btp, sdu, sizeof(sdu), fx.now), MATTER_OK);
  keep_alive_until(&fx, 11000 + MATTER_BTP_IDLE_TIMEOUT_MS - 1);
  fx_assert_open(&fx);
  keep_alive_until(&fx, 11000 + MATTER_BTP_IDLE_TIMEOUT_MS + 1);
  fx_assert_closed(&fx, MATTER_ERROR_BTP_IDLE_TIMEOUT);
  g_assert_cmpuint(fx.closed_at, ==, 11000 + MATTER_BTP_IDLE_TIMEOUT_MS);
  fx_clear(&fx);
}

/* Session end and the caller's side */

static void
test_unsubscribe(void)
{
  Fx fx;

  fx_init(&fx);
  fx_open(&fx, 247, 244, 6);
  matter_btp_subscribed(&fx.btp, false, fx.now);
  fx_assert_closed(&fx, MATTER_ERROR_BTP_UNSUBSCRIBED);
  matter_btp_subscribed(&fx.btp, false, fx.now);
  g_assert_cmpuint(fx.closed_count, ==, 1);
  assert_error(central_ack(&fx), MATTER_ERROR_BAD_STATE);
  fx_clear(&fx);

  /* Before the handshake completed, too. */
  fx_init(&fx);
  matter_btp_connect(&fx.btp, 247, fx.now);
  matter_btp_subscribed(&fx.btp, true, fx.now);
  matter_btp_subscribed(&fx.btp, false, fx.now);
  fx_assert_closed(&fx, MATTER_ERROR_BTP_UNSUBSCRIBED);
  fx_clear(&fx);
}

static void
test_send_queue(void)
{
  uint8_t sdu[MATTER_BTP_SDU_MAX + 1];
  Fx fx;

  memset(sdu, 0x5A, sizeof(sdu));
  fx_init(&fx);
  matter_btp_connect(&fx.btp, 247, fx.now);
  assert_error(matter_btp_send(&fx.btp, sdu, 10, fx.now), MATTER_ERROR_BAD_STATE);
  assert_error(central_request(&fx, versions_4, 244, 6), MATTER_OK);
  matter_btp_subscribed(&fx.btp, true, fx.now);
  /* The response is not confirmed: nothing more goes, SDUs queue. */
  assert_error(matter_btp_send(&fx.btp, sdu, 0, fx.now), MATTER_ERROR_INVALID_ARGUMENT);
  assert_error(matter_btp_send(&fx.btp, NULL, 10, fx.now), MATTER_ERROR_INVALID_ARGUMENT);
  assert_error(matter_btp_send(&fx.btp, sdu, MATTER_BTP_SDU_MAX + 1, fx.now),
               MATTER_ERROR_INVALID_ARGUMENT);
  for (int i = 0; i < MATTER_BTP_SEND_QUEUE + 1; i++) {
    sdu[0] = (uint8_t) i;
    assert_error(matter_btp_send(&fx.btp, sdu, 100, fx.now), MATTER_OK);
  }
  assert_error(matter_btp_send(&fx.btp, sdu, 100, fx.now), MATTER_ERROR_BTP_QUEUE_FULL);
  g_assert_cmpuint(fx.indications->len, ==, 1);
  /* They go in order, and a slot frees when one has gone. */
  fx_done(&fx);
  g_assert_cmpuint(fx.indications->len, ==, 2);
  g_assert_cmpuint(fx_last(&fx)->payload[0], ==, 0);
  sdu[0] = 0xFF;
  assert_error(matter_btp_send(&fx.btp, sdu, 100, fx.now), MATTER_OK);
  assert_error(matter_btp_send(&fx.btp, sdu, 100, fx.now), MATTER_ERROR_BTP_QUEUE_FULL);
  for (int i = 1; i <= MATTER_BTP_SEND_QUEUE + 1; i++) {
    fx_done(&fx);
    if (fx.indications->len < (guint) i + 2)
      assert_error(central_ack(&fx), MATTER_OK);
    g_assert_cmpuint(fx_last(&fx)->payload[0], ==, i == MATTER_BTP_SEND_QUEUE + 1 ? 0xFF : i);
  }
  fx_assert_open(&fx);
  fx_clear(&fx);
}

static void
test_send_failure(void)
{
  static const uint8_t sdu[] = { 1, 2, 3 };
  Fx fx;

  /* The link refuses an indication: the session closes with its error. */
  fx_init(&fx);
  fx_open(&fx, 247, 244, 6);
  fx.send_result = MATTER_ERROR_NO_MEMORY;
  assert_error(matter_btp_send(&fx.btp, sdu, sizeof(sdu), fx.now), MATTER_OK);
  fx_assert_closed(&fx, MATTER_ERROR_NO_MEMORY);
  fx_clear(&fx);

  /* Also the handshake response. */
  fx_init(&fx);
  fx.send_result = MATTER_ERROR_NO_MEMORY;
  matter_btp_connect(&fx.btp, 247, fx.now);
  matter_btp_subscribed(&fx.btp, true, fx.now);
  assert_error(central_request(&fx, versions_4, 244, 6), MATTER_ERROR_NO_MEMORY);
  fx_assert_closed(&fx, MATTER_ERROR_NO_MEMORY);
  fx_clear(&fx);
}

static void
test_reentrant_callbacks(void)
{
  uint8_t sdu[MATTER_BTP_SDU_MAX];
  GByteArray *got = g_byte_array_new();
  Fx fx;

  /* send_done() from inside send(), and a reply queued from inside
   * received(): a 1280-byte reply at MTU 23 in window 6, with the central
   * acknowledging whenever the engine stalls. */
  fx_init(&fx);
  fx.auto_done = TRUE;
  matter_btp_connect(&fx.btp, 23, fx.now);
  assert_error(central_request(&fx, versions_4, 20, 6), MATTER_OK);
  matter_btp_subscribed(&fx.btp, true, fx.now);
  fill_pattern(sdu, sizeof(sdu), 0x21);
  fx.reply = g_bytes_new(sdu, sizeof(sdu));
  {
    static const uint8_t request[] = { 0x01 };
    assert_error(central_sdu_one(&fx, 0, request, sizeof(request)), MATTER_OK);
  }
  for (unsigned rounds = 0; rounds < 200 && !(fx_last(&fx)->flags & F_E); rounds++)
    assert_error(central_ack(&fx), MATTER_OK);
  g_assert_true(fx_last(&fx)->flags & F_E);
  for (guint i = 1; i < fx.indications->len; i++)
    g_byte_array_append(got, fx_indication(&fx, i)->payload,
                        (guint) fx_indication(&fx, i)->payload_len);
  g_assert_cmpmem(got->data, got->len, sdu, sizeof(sdu));
  fx_assert_open(&fx);
  g_byte_array_unref(got);
  fx_clear(&fx);

  /* The receiver closes the session from received(): no closed(), and
   * nothing more is sent. */
  fx_init(&fx);
  fx_open(&fx, 247, 244, 6);
  fx.close_in_received = TRUE;
  {
    static const uint8_t request[] = { 0x02 };
    assert_error(central_sdu_one(&fx, 0, request, sizeof(request)), MATTER_OK);
  }
  g_assert_cmpint(fx.btp.state, ==, MATTER_BTP_STATE_CLOSED);
  g_assert_cmpuint(fx.closed_count, ==, 0);
  g_assert_cmpuint(fx.indications->len, ==, 1);
  fx_clear(&fx);
}

static void
test_close_and_reset(void)
{
  static const uint8_t sdu[] = { 0xAB, 0xCD };
  Fx fx;

  fx_init(&fx);
  fx_open(&fx, 247, 244, 6);
  assert_error(central_sdu_one(&fx, 0, sdu, sizeof(sdu)), MATTER_OK);
  assert_error(matter_btp_send(&fx.btp, sdu, sizeof(sdu), fx.now), MATTER_OK);
  /* A local close: no closed(), no timers, nothing accepted. */
  matter_btp_close(&fx.btp);
  g_assert_cmpint(fx.btp.state, ==, MATTER_BTP_STATE_CLOSED);
  g_assert_cmpuint(fx.closed_count, ==, 0);
  g_assert_cmpuint(matter_btp_next_deadline(&fx.btp), ==, MATTER_BTP_NEVER);
  assert_error(central_ack(&fx), MATTER_ERROR_BAD_STATE);
  assert_error(matter_btp_send(&fx.btp, sdu, sizeof(sdu), fx.now), MATTER_ERROR_BAD_STATE);
  fx.in_flight = FALSE;
  matter_btp_send_done(&fx.btp, fx.now);
  matter_btp_process(&fx.btp, fx.now + 100000);
  g_assert_cmpuint(fx.closed_count, ==, 0);
  matter_btp_reset(&fx.btp);
  g_assert_cmpint(fx.btp.state, ==, MATTER_BTP_STATE_IDLE);

  /* A second connection starts afresh: the response, then our 1 and the
   * central's 0, with a smaller MTU this time. */
  fx.open = FALSE;
  fx.seq = 0;
  fx.unacked = FALSE;
  fx.now += 1000;
  matter_btp_connect(&fx.btp, 23, fx.now);
  assert_error(central_request(&fx, versions_4, 20, 3), MATTER_OK);
  matter_btp_subscribed(&fx.btp, true, fx.now);
  g_assert_cmpuint(fx.indications->len, ==, 3);
  g_assert_cmpuint(fx.segment_size, ==, 20);
  fx_done(&fx);
  assert_error(matter_btp_send(&fx.btp, sdu, sizeof(sdu), fx.now), MATTER_OK);
  g_assert_cmpuint(fx_last(&fx)->seq, ==, 1);
  fx_done(&fx);
  assert_error(central_sdu_one(&fx, 1, sdu, sizeof(sdu)), MATTER_OK);
  g_assert_cmpuint(fx.sdus->len, ==, 2);
  fx_assert_open(&fx);

  /* Connecting again over an open session drops it without closed(). */
  fx.open = FALSE;
  fx.seq = 0;
  fx.unacked = FALSE;
  fx.in_flight = FALSE;
  matter_btp_connect(&fx.btp, 247, fx.now);
  g_assert_cmpint(fx.btp.state, ==, MATTER_BTP_STATE_HANDSHAKE);
  g_assert_cmpuint(fx.closed_count, ==, 0);
  fx_clear(&fx);
}

static void
test_error_strings(void)
{
  static const MatterError errors[] = {
    MATTER_ERROR_BTP_MALFORMED,   MATTER_ERROR_BTP_VERSION,      MATTER_ERROR_BTP_SEQUENCE,
    MATTER_ERROR_BTP_ACK,         MATTER_ERROR_BTP_WINDOW,       MATTER_ERROR_BTP_SEGMENT_SIZE,
    MATTER_ERROR_BTP_LENGTH,      MATTER_ERROR_BTP_SDU_TOO_LONG, MATTER_ERROR_BTP_HANDSHAKE_TIMEOUT,
    MATTER_ERROR_BTP_ACK_TIMEOUT, MATTER_ERROR_BTP_IDLE_TIMEOUT, MATTER_ERROR_BTP_UNSUBSCRIBED,
    MATTER_ERROR_BTP_QUEUE_FULL,
  };

  /* Each has its name and its own reason (error.c builds both from
   * error.h's list). */
  for (size_t i = 0; i < G_N_ELEMENTS(errors); i++) {
    g_assert_true(g_str_has_prefix(matter_error_name(errors[i]), "MATTER_ERROR_BTP_"));
    g_assert_cmpstr(matter_error_str(errors[i]), !=, "unknown error");
    g_assert_cmpuint(strlen(matter_error_str(errors[i])), >, 10);
    for (size_t j = 0; j < i; j++)
      g_assert_cmpstr(matter_error_str(errors[i]), !=, matter_error_str(errors[j]));
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  g_test_add_func("/btp/handshake/variants", test_handshake_variants);
  g_test_add_func("/btp/handshake/att-mtu-later", test_handshake_att_mtu_later);
  g_test_add_func("/btp/handshake/version", test_handshake_version);
  g_test_add_func("/btp/handshake/order", test_handshake_order);
  g_test_add_func("/btp/handshake/timeouts", test_handshake_timeouts);
  g_test_add_func("/btp/handshake/malformed", test_handshake_malformed);
  g_test_add_func("/btp/handshake/not-connected", test_handshake_not_connected);
  g_test_add_func("/btp/sequence/first-packets", test_first_packets);
  g_test_add_func("/btp/sequence/errors", test_sequence_errors);
  g_test_add_func("/btp/sequence/wrap", test_sequence_wrap);
  g_test_add_func("/btp/ack/errors", test_ack_errors);
  g_test_add_func("/btp/window/full", test_window_full);
  g_test_add_func("/btp/window/resumes", test_window_resumes);
  g_test_add_func("/btp/window/closed", test_window_closed);
  g_test_add_func("/btp/window/overrun", test_window_overrun);
  g_test_add_func("/btp/segment/oversize", test_oversize_segment);
  g_test_add_func("/btp/segment/errors", test_segment_errors);
  g_test_add_func("/btp/segment/header-errors", test_header_errors);
  g_test_add_func("/btp/segment/continuation-flag", test_continuation_flag);
  g_test_add_func("/btp/segment/send-1280", test_segmentation_1280);
  g_test_add_func("/btp/segment/receive-1280", test_reassembly_1280);
  g_test_add_func("/btp/timer/send-ack", test_send_ack_timer);
  g_test_add_func("/btp/timer/standalone-ack-small-window", test_standalone_ack_small_window);
  g_test_add_func("/btp/timer/standalone-acks-fill-window", test_standalone_acks_fill_window);
  g_test_add_func("/btp/timer/immediate-ack", test_immediate_ack);
  g_test_add_func("/btp/timer/ack-received-timeout", test_ack_received_timeout);
  g_test_add_func("/btp/timer/idle", test_idle_timeout);
  g_test_add_func("/btp/session/unsubscribe", test_unsubscribe);
  g_test_add_func("/btp/session/send-queue", test_send_queue);
  g_test_add_func("/btp/session/send-failure", test_send_failure);
  g_test_add_func("/btp/session/reentrant-callbacks", test_reentrant_callbacks);
  g_test_add_func("/btp/session/close-and-reset", test_close_and_reset);
  g_test_add_func("/btp/errors/strings", test_error_strings);

  return g_test_run();
}
