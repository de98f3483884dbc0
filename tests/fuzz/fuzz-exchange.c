/* SPDX-License-Identifier: Apache-2.0 */
/* The whole receive path a datagram takes in matterd: session lookup,
 * privacy, decryption, replay window, protocol header, exchange matching,
 * MRP (with the message kept behind an unacknowledged one), unsolicited
 * dispatch, and the reclaiming of exchanges and unsecured contexts, on a
 * node with one active PASE session (local id 0x0101, keys known to the
 * corpus).
 *
 * Secure Channel requests on unsecured sessions start PASE responders,
 * up to FUZZ_HANDSHAKES at once, each on its own exchange as matterd's
 * PASE server runs them (the oldest is abandoned for a new one when all
 * are taken); other messages get a reliable reply and their exchange is
 * closed. The input is up to eight datagrams separated by "MTR|", so
 * several handshakes, duplicates and acknowledgements interleave. Nothing
 * may crash, leak or read out of bounds. */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz-pase.h"
#include "matter/exchange.h"

#define FUZZ_HANDSHAKES 3
#define FUZZ_DATAGRAMS 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The Matter SDK's PASE test key, as in fuzz-message. */
static const uint8_t fuzz_key[MATTER_AES128_KEY_LEN] = {
  0x5e, 0xde, 0xd2, 0x44, 0xe5, 0x53, 0x2b, 0x3c, 0xdc, 0x23, 0x40, 0x9d, 0xba, 0xd0, 0x52, 0xd2,
};

typedef struct {
  MatterPaseResponder *responder;
  MatterExchange *exchange;
  unsigned age;
} Handshake;

typedef struct {
  Handshake handshakes[FUZZ_HANDSHAKES];
  unsigned clock;
} Node;

/* Deterministic "randomness": session ids, counters and jitter repeat, so
 * a crash reproduces. */
static MatterError
fill_fixed(void *user_data, uint8_t *buf, size_t len)
{
  memset(buf, 0x01, len);
  return MATTER_OK;
}

static MatterError
discard(void *user_data, const MatterSession *session, const uint8_t *msg, size_t len)
{
  return MATTER_OK;
}

static void
handshake_end(Handshake *hs, bool abandon, uint64_t now_ms)
{
  if (hs->exchange != NULL) {
    if (abandon)
      matter_exchange_abort(hs->exchange);
    else
      matter_exchange_close(hs->exchange, now_ms);
  }
  matter_pase_responder_free(hs->responder);
  memset(hs, 0, sizeof(*hs));
}

static void
on_handshake_message(void *user_data, MatterExchange *exchange, const MatterProtocolHeader *header,
                     const uint8_t *payload, size_t len, uint64_t now_ms)
{
  Handshake *hs = user_data;
  uint8_t out[MATTER_PASE_MESSAGE_MAX], opcode = 0;
  size_t out_len = 0;
  MatterPaseState state;

  matter_pase_responder_handle(hs->responder, header->opcode, payload, len, &opcode, out,
                               sizeof(out), &out_len);
  if (out_len > 0)
    matter_exchange_send(exchange, MATTER_PROTOCOL_SECURE_CHANNEL, opcode, out, out_len,
                         MATTER_EXCHANGE_SEND_RELIABLE, now_ms);
  state = matter_pase_responder_get_state(hs->responder);
  if (state != MATTER_PASE_STATE_IN_PROGRESS)
    handshake_end(hs, false, now_ms);
}

static void
on_handshake_error(void *user_data, MatterExchange *exchange, MatterError err, uint64_t now_ms)
{
  Handshake *hs = user_data;

  if (err == MATTER_ERROR_SESSION_CLOSED)
    hs->exchange = NULL;
  handshake_end(hs, false, now_ms);
}

static const MatterExchangeHandler handshake_handler = {
  .on_message = on_handshake_message,
  .on_error = on_handshake_error,
};

/* A free slot, else the oldest handshake, abandoned. */
static Handshake *
handshake_slot(Node *node, uint64_t now_ms)
{
  Handshake *oldest = &node->handshakes[0];

  for (size_t i = 0; i < FUZZ_HANDSHAKES; i++) {
    if (node->handshakes[i].responder == NULL)
      return &node->handshakes[i];
    if (node->handshakes[i].age < oldest->age)
      oldest = &node->handshakes[i];
  }
  handshake_end(oldest, true, now_ms);
  return oldest;
}

static void
reply_and_close(MatterExchange *exchange, const MatterProtocolHeader *header, uint64_t now_ms)
{
  static const uint8_t reply[] = { 0x15, 0x18 };

  /* Answer reliably, then close: exercises piggy-backed acks and MRP. */
  matter_exchange_send(exchange, header->protocol_id, header->opcode, reply, sizeof(reply),
                       MATTER_EXCHANGE_SEND_RELIABLE, now_ms);
  matter_exchange_close(exchange, now_ms);
}

static void
on_unsolicited(void *user_data, MatterExchange *exchange, const MatterProtocolHeader *header,
               const uint8_t *payload, size_t len, uint64_t now_ms)
{
  Node *node = user_data;
  Handshake *hs;

  if (header->protocol_id != MATTER_PROTOCOL_SECURE_CHANNEL ||
      header->opcode != MATTER_SC_OPCODE_PBKDF_PARAM_REQUEST ||
      exchange->session->kind != MATTER_SESSION_KIND_UNSECURED) {
    reply_and_close(exchange, header, now_ms);
    return;
  }
  hs = handshake_slot(node, now_ms);
  hs->responder = fuzz_pase_responder_new(fuzz_pase_setup());
  hs->exchange = exchange;
  hs->age = node->clock++;
  matter_exchange_set_handler(exchange, &handshake_handler, hs);
  on_handshake_message(hs, exchange, header, payload, len, now_ms);
}

static const MatterExchangeHandler unsolicited = { .on_message = on_unsolicited };

static void
add_pase_session(MatterSessionTable *table, const MatterPeerAddress *peer)
{
  MatterSessionSetup setup = { .kind = MATTER_SESSION_KIND_PASE,
                               .role = MATTER_SESSION_ROLE_RESPONDER,
                               .peer_session_id = 0x0202,
                               .peer_address = *peer };
  MatterSession *session = NULL;

  memcpy(setup.i2r_key, fuzz_key, sizeof(fuzz_key));
  memcpy(setup.r2i_key, fuzz_key, sizeof(fuzz_key));
  if (matter_session_table_allocate(table, 0, &session) == MATTER_OK)
    matter_session_activate(table, session, &setup, 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const MatterExchangeCallbacks callbacks = { .send = discard };
  const MatterRandomSource rng = { .fill = fill_fixed };
  MatterSession secure[2], unsecured[3];
  MatterSessionTable sessions;
  MatterExchange slots[6];
  MatterExchangeManager manager;
  MatterPeerAddress peer = { .transport = MATTER_TRANSPORT_UDP, .len = 1 };
  uint8_t msg[MATTER_MESSAGE_MAX];
  uint64_t now = 1000;
  Node node = { 0 };

  if (matter_session_table_init(&sessions, secure, 2, unsecured, 3, &rng) != MATTER_OK ||
      matter_exchange_manager_init(&manager, &sessions, slots, 6, &callbacks, NULL, &rng) !=
        MATTER_OK ||
      matter_exchange_manager_register(&manager, MATTER_PROTOCOL_SECURE_CHANNEL, &unsolicited,
                                       &node) != MATTER_OK ||
      matter_exchange_manager_register(&manager, MATTER_PROTOCOL_INTERACTION_MODEL, &unsolicited,
                                       &node) != MATTER_OK)
    return 0;
  add_pase_session(&sessions, &peer);

  for (int i = 0; i < FUZZ_DATAGRAMS && size > 0; i++) {
    const uint8_t *sep = memmem(data, size, "MTR|", 4);
    size_t len = sep != NULL ? (size_t) (sep - data) : size;

    if (len <= sizeof(msg)) {
      memcpy(msg, data, len);
      /* Datagrams come from one of two addresses. */
      peer.bytes[0] = (uint8_t) (i & 1);
      matter_exchange_manager_receive_raw(&manager, &peer, msg, len, now);
    }
    now += 250;
    matter_exchange_manager_process(&manager, now);
    if (sep == NULL)
      break;
    data = sep + 4;
    size -= len + 4;
  }
  /* Let every retransmission and ack timer run out. */
  for (int i = 0; i < 16 && matter_exchange_manager_next_deadline(&manager) != MATTER_MRP_NEVER;
       i++) {
    now = matter_exchange_manager_next_deadline(&manager) + 1;
    matter_exchange_manager_process(&manager, now);
  }
  for (size_t i = 0; i < FUZZ_HANDSHAKES; i++)
    matter_pase_responder_free(node.handshakes[i].responder);
  matter_session_table_clear(&sessions);
  return 0;
}
