/* SPDX-License-Identifier: Apache-2.0 */
/* The message frame codec on arbitrary bytes: the message header, then the
 * protocol header from what follows it. Whatever decodes must encode back
 * to the same bytes (when no reserved bit is set, which encoding clears)
 * and decode again to the same fields. Privacy deobfuscation either leaves
 * the input as it was or is undone by obfuscation, and decryption with a
 * fixed key must stay within bounds. */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "matter/message.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MSG_RESERVED 0x08
#define SEC_RESERVED 0x1C
#define EXCHANGE_RESERVED 0xE0

/* The Matter SDK's PASE test key, so that its messages in the corpus
 * decrypt. */
static const uint8_t fuzz_key[MATTER_AES128_KEY_LEN] = {
  0x5e, 0xde, 0xd2, 0x44, 0xe5, 0x53, 0x2b, 0x3c, 0xdc, 0x23, 0x40, 0x9d, 0xba, 0xd0, 0x52, 0xd2,
};

static void
check_message_header(const uint8_t *data, size_t size, const MatterMessageHeader *h,
                     size_t header_len)
{
  MatterMessageHeader again;
  uint8_t *encoded = malloc(header_len);
  size_t len, again_len;

  if (encoded == NULL)
    return;
  if (header_len < MATTER_MESSAGE_PREFIX_LEN + 4 || header_len > size ||
      matter_message_header_encode(h, encoded, header_len, &len) != MATTER_OK || len != header_len)
    abort();
  if ((data[0] & MSG_RESERVED) == 0 && (data[3] & SEC_RESERVED) == 0 &&
      memcmp(encoded, data, len) != 0)
    abort();
  if (matter_message_header_decode(encoded, len, &again, &again_len) != MATTER_OK ||
      again_len != len || again.session_id != h->session_id || again.counter != h->counter ||
      again.has_source != h->has_source || again.source_node_id != h->source_node_id ||
      again.dest_kind != h->dest_kind || again.dest_node_id != h->dest_node_id ||
      again.extensions_len != h->extensions_len ||
      (again.security_flags & ~SEC_RESERVED) != (h->security_flags & ~SEC_RESERVED))
    abort();
  free(encoded);
}

static void
check_protocol_header(const uint8_t *data, size_t size)
{
  MatterProtocolHeader h, again;
  uint8_t *big;
  size_t header_len, len, again_len;

  if (matter_protocol_header_decode(data, size, &h, &header_len) != MATTER_OK)
    return;
  if (header_len > size)
    abort();
  big = malloc(header_len);
  if (big == NULL)
    return;
  if (matter_protocol_header_encode(&h, big, header_len, &len) != MATTER_OK || len != header_len)
    abort();
  if ((data[0] & EXCHANGE_RESERVED) == 0 && memcmp(big, data, len) != 0)
    abort();
  if (matter_protocol_header_decode(big, len, &again, &again_len) != MATTER_OK ||
      again_len != len || again.opcode != h.opcode || again.exchange_id != h.exchange_id ||
      again.protocol_id != h.protocol_id || again.vendor_id != h.vendor_id ||
      again.ack_counter != h.ack_counter ||
      again.secured_extensions_len != h.secured_extensions_len)
    abort();
  free(big);
}

static void
check_security(const uint8_t *data, size_t size)
{
  uint8_t privacy_key[MATTER_AES128_KEY_LEN], nonce[MATTER_AES_CCM_NONCE_LEN];
  MatterMessageHeader h;
  size_t header_len, payload_len;
  uint8_t *msg = malloc(size > 0 ? size : 1);

  if (msg == NULL)
    return;
  memcpy(msg, data, size);
  if (matter_message_privacy_key(fuzz_key, privacy_key) != MATTER_OK)
    abort();
  if (matter_message_privacy_deobfuscate(privacy_key, msg, size) != MATTER_OK) {
    if (memcmp(msg, data, size) != 0)
      abort();
  } else {
    uint8_t *copy = malloc(size);

    if (copy == NULL) {
      free(msg);
      return;
    }
    memcpy(copy, msg, size);
    if (matter_message_privacy_obfuscate(privacy_key, copy, size) != MATTER_OK ||
        memcmp(copy, data, size) != 0)
      abort();
    free(copy);
  }

  if (matter_message_header_decode(msg, size, &h, &header_len) == MATTER_OK) {
    matter_message_nonce(h.security_flags, h.counter, h.source_node_id, nonce);
    if (matter_message_decrypt(fuzz_key, nonce, msg, size, header_len, &payload_len) == MATTER_OK) {
      if (payload_len > size - header_len)
        abort();
      check_protocol_header(msg + header_len, payload_len);
    }
  }
  free(msg);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  MatterMessageHeader h;
  size_t header_len;

  if (matter_message_header_decode(data, size, &h, &header_len) == MATTER_OK) {
    check_message_header(data, size, &h, header_len);
    /* An unsecured message's payload is the protocol header in clear. */
    check_protocol_header(data + header_len, size - header_len);
  }
  check_protocol_header(data, size);
  check_security(data, size);
  return 0;
}
