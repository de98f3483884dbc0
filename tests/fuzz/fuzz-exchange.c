/* SPDX-License-Identifier: Apache-2.0 */
/* The whole receive path a datagram takes in matterd: session lookup,
 * privacy, decryption, replay window, protocol header, exchange matching,
 * MRP and unsolicited dispatch, on a node with one active PASE session
 * (local id 0x0101, keys known to the corpus) and a handler registered for
 * the Secure Channel protocol. The input is up to four datagrams separated
 * by the byte sequence "MTR|", so duplicates, acks and exchanges that span
 * messages are reached too. Nothing may crash or read out of bounds. */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "matter/exchange.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The Matter SDK's PASE test key, as in fuzz-message. */
static const uint8_t fuzz_key[MATTER_AES128_KEY_LEN] = {
  0x5e, 0xde, 0xd2, 0x44, 0xe5, 0x53, 0x2b, 0x3c, 0xdc, 0x23, 0x40, 0x9d, 0xba, 0xd0, 0x52, 0xd2,
};

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
on_message(void *user_data, MatterExchange *exchange, const MatterProtocolHeader *header,
           const uint8_t *payload, size_t len, uint64_t now_ms)
{
  static const uint8_t reply[] = { 0x15, 0x18 };

  /* Answer reliably, then close: exercises piggy-backed acks and MRP. */
  matter_exchange_send(exchange, header->protocol_id, header->opcode, reply, sizeof(reply),
                       MATTER_EXCHANGE_SEND_RELIABLE, now_ms);
  matter_exchange_close(exchange, now_ms);
}

static const MatterExchangeHandler handler = { .on_message = on_message };

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
  MatterSession secure[2], unsecured[2];
  MatterSessionTable sessions;
  MatterExchange slots[4];
  MatterExchangeManager manager;
  MatterPeerAddress peer = { .transport = MATTER_TRANSPORT_UDP, .len = 1 };
  uint8_t msg[MATTER_MESSAGE_MAX];
  uint64_t now = 1000;

  if (matter_session_table_init(&sessions, secure, 2, unsecured, 2, &rng) != MATTER_OK ||
      matter_exchange_manager_init(&manager, &sessions, slots, 4, &callbacks, NULL, &rng) !=
        MATTER_OK ||
      matter_exchange_manager_register(&manager, 0x0000, &handler, NULL) != MATTER_OK)
    return 0;
  add_pase_session(&sessions, &peer);

  for (int i = 0; i < 4 && size > 0; i++) {
    const uint8_t *sep = memmem(data, size, "MTR|", 4);
    size_t len = sep != NULL ? (size_t) (sep - data) : size;

    if (len <= sizeof(msg)) {
      memcpy(msg, data, len);
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
  matter_session_table_clear(&sessions);
  return 0;
}
