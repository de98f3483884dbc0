/* SPDX-License-Identifier: Apache-2.0 */
#include "matter/message.h"

#include <openssl/crypto.h>
#include <string.h>

#define DSIZ_RESERVED 3
#define SESSION_TYPE_MAX MATTER_SESSION_TYPE_GROUP
#define COUNTER_LEN 4
#define NODE_ID_LEN 8
#define GROUP_ID_LEN 2
#define EXTENSIONS_LENGTH_LEN 2
/* Counter, source and destination: what privacy hides before any extensions. */
#define PRIVATE_FIXED_MAX (COUNTER_LEN + NODE_ID_LEN + NODE_ID_LEN + EXTENSIONS_LENGTH_LEN)
#define PRIVACY_MIC_OFFSET 5

static const char privacy_key_info[] = "PrivacyKey";

/* A bounded little-endian reader: every read checks what is left. */
typedef struct {
  const uint8_t *p;
  size_t left;
} Reader;

static bool
read_bytes(Reader *r, size_t n, const uint8_t **out)
{
  if (r->left < n)
    return false;
  *out = r->p;
  r->p += n;
  r->left -= n;
  return true;
}

static bool
read_le(Reader *r, size_t n, uint64_t *value)
{
  const uint8_t *p;

  if (!read_bytes(r, n, &p))
    return false;
  *value = 0;
  for (size_t i = n; i > 0; i--)
    *value = (*value << 8) | p[i - 1];
  return true;
}

static bool
read_u8(Reader *r, uint8_t *value)
{
  uint64_t v;

  if (!read_le(r, 1, &v))
    return false;
  *value = (uint8_t) v;
  return true;
}

static bool
read_le16(Reader *r, uint16_t *value)
{
  uint64_t v;

  if (!read_le(r, 2, &v))
    return false;
  *value = (uint16_t) v;
  return true;
}

static bool
read_le32(Reader *r, uint32_t *value)
{
  uint64_t v;

  if (!read_le(r, 4, &v))
    return false;
  *value = (uint32_t) v;
  return true;
}

/* Reads a 2-byte length and the block it announces. */
static MatterError
read_extensions(Reader *r, const uint8_t **data, size_t *len)
{
  uint16_t n;

  if (!read_le16(r, &n))
    return MATTER_ERROR_TRUNCATED;
  if (!read_bytes(r, n, data))
    return MATTER_ERROR_MESSAGE_EXTENSIONS;
  *len = n;
  return MATTER_OK;
}

/* Encoding computes the length first, so writes need no checks. */
static uint8_t *
put_le(uint8_t *p, uint64_t value, size_t n)
{
  for (size_t i = 0; i < n; i++, value >>= 8)
    p[i] = (uint8_t) value;
  return p + n;
}

static uint8_t *
put_bytes(uint8_t *p, const uint8_t *data, size_t n)
{
  if (n > 0)
    memcpy(p, data, n);
  return p + n;
}

static size_t
dest_len(unsigned dsiz)
{
  switch (dsiz) {
  case MATTER_DEST_NODE_ID:
    return NODE_ID_LEN;
  case MATTER_DEST_GROUP_ID:
    return GROUP_ID_LEN;
  default:
    return 0;
  }
}

/* The checks of 4.4.1 and 4.6.2 that the clear prefix alone decides. */
static MatterError
check_prefix(uint8_t message_flags, uint16_t session_id, uint8_t security_flags)
{
  unsigned dsiz = message_flags & MATTER_MSG_FLAG_DSIZ_MASK;
  unsigned session_type = security_flags & MATTER_SEC_FLAG_SESSION_TYPE_MASK;

  if ((message_flags & MATTER_MSG_FLAG_VERSION_MASK) != 0)
    return MATTER_ERROR_MESSAGE_VERSION;
  if (dsiz == DSIZ_RESERVED)
    return MATTER_ERROR_MESSAGE_DSIZ;
  if (session_type > SESSION_TYPE_MAX)
    return MATTER_ERROR_MESSAGE_SESSION_TYPE;
  if (session_type == MATTER_SESSION_TYPE_GROUP) {
    /* The group nonce needs the source (4.7.1.1). */
    if ((message_flags & MATTER_MSG_FLAG_S) == 0)
      return MATTER_ERROR_MESSAGE_NO_SOURCE;
    if (dsiz == MATTER_DEST_NONE)
      return MATTER_ERROR_MESSAGE_DESTINATION;
  } else if (session_id != 0 && dsiz == MATTER_DEST_GROUP_ID) {
    return MATTER_ERROR_MESSAGE_DESTINATION;
  }
  return MATTER_OK;
}

bool
matter_message_is_unsecured(const MatterMessageHeader *header)
{
  return matter_message_session_type(header) == MATTER_SESSION_TYPE_UNICAST &&
         header->session_id == 0;
}

MatterSessionType
matter_message_session_type(const MatterMessageHeader *header)
{
  return (MatterSessionType) (header->security_flags & MATTER_SEC_FLAG_SESSION_TYPE_MASK);
}

MatterError
matter_message_header_peek(const uint8_t *buf, size_t len, MatterMessageHeader *header)
{
  if ((buf == NULL && len > 0) || header == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  memset(header, 0, sizeof(*header));
  if (len < MATTER_MESSAGE_PREFIX_LEN)
    return MATTER_ERROR_TRUNCATED;

  header->message_flags = buf[0];
  header->session_id = (uint16_t) (buf[1] | buf[2] << 8);
  header->security_flags = buf[3];
  header->has_source = (buf[0] & MATTER_MSG_FLAG_S) != 0;
  header->dest_kind = (MatterDestKind) (buf[0] & MATTER_MSG_FLAG_DSIZ_MASK);
  return check_prefix(header->message_flags, header->session_id, header->security_flags);
}

MatterError
matter_message_header_decode(const uint8_t *buf, size_t len, MatterMessageHeader *header,
                             size_t *header_len)
{
  Reader r;
  uint64_t value;
  MatterError err;

  if (header_len == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  err = matter_message_header_peek(buf, len, header);
  if (err != MATTER_OK)
    return err;

  r.p = buf + MATTER_MESSAGE_PREFIX_LEN;
  r.left = len - MATTER_MESSAGE_PREFIX_LEN;
  if (!read_le32(&r, &header->counter))
    return MATTER_ERROR_TRUNCATED;
  if (header->has_source && !read_le(&r, NODE_ID_LEN, &header->source_node_id))
    return MATTER_ERROR_TRUNCATED;
  if (header->dest_kind != MATTER_DEST_NONE) {
    if (!read_le(&r, dest_len(header->dest_kind), &value))
      return MATTER_ERROR_TRUNCATED;
    header->dest_node_id = value;
  }
  if (header->security_flags & MATTER_SEC_FLAG_MX) {
    err = read_extensions(&r, &header->extensions, &header->extensions_len);
    if (err != MATTER_OK)
      return err;
  }
  *header_len = len - r.left;
  return MATTER_OK;
}

MatterError
matter_message_header_encode(const MatterMessageHeader *header, uint8_t *buf, size_t size,
                             size_t *len)
{
  uint8_t message_flags, security_flags;
  bool has_mx;
  size_t total;
  uint8_t *p;

  if (header == NULL || len == NULL || (buf == NULL && size > 0))
    return MATTER_ERROR_INVALID_ARGUMENT;
  if ((unsigned) header->dest_kind > MATTER_DEST_GROUP_ID ||
      (header->dest_kind == MATTER_DEST_GROUP_ID && header->dest_node_id > UINT16_MAX))
    return MATTER_ERROR_INVALID_ARGUMENT;
  if ((header->extensions == NULL && header->extensions_len > 0) ||
      header->extensions_len > UINT16_MAX)
    return MATTER_ERROR_INVALID_ARGUMENT;

  has_mx = (header->security_flags & MATTER_SEC_FLAG_MX) != 0 || header->extensions_len > 0;
  message_flags = (uint8_t) ((header->has_source ? MATTER_MSG_FLAG_S : 0) | header->dest_kind);
  security_flags = (uint8_t) ((header->security_flags & (MATTER_SEC_FLAG_P | MATTER_SEC_FLAG_C |
                                                         MATTER_SEC_FLAG_SESSION_TYPE_MASK)) |
                              (has_mx ? MATTER_SEC_FLAG_MX : 0));
  /* Emit nothing that decoding would refuse. */
  if (check_prefix(message_flags, header->session_id, security_flags) != MATTER_OK)
    return MATTER_ERROR_INVALID_ARGUMENT;

  total = MATTER_MESSAGE_PREFIX_LEN + COUNTER_LEN + (header->has_source ? NODE_ID_LEN : 0) +
          dest_len(header->dest_kind) +
          (has_mx ? EXTENSIONS_LENGTH_LEN + header->extensions_len : 0);
  if (total > size)
    return MATTER_ERROR_BUFFER_TOO_SMALL;

  p = buf;
  *p++ = message_flags;
  p = put_le(p, header->session_id, 2);
  *p++ = security_flags;
  p = put_le(p, header->counter, COUNTER_LEN);
  if (header->has_source)
    p = put_le(p, header->source_node_id, NODE_ID_LEN);
  p = put_le(p, header->dest_node_id, dest_len(header->dest_kind));
  if (has_mx) {
    p = put_le(p, header->extensions_len, EXTENSIONS_LENGTH_LEN);
    p = put_bytes(p, header->extensions, header->extensions_len);
  }
  *len = (size_t) (p - buf);
  return MATTER_OK;
}

MatterError
matter_protocol_header_decode(const uint8_t *buf, size_t len, MatterProtocolHeader *header,
                              size_t *header_len)
{
  Reader r;
  MatterError err;

  if ((buf == NULL && len > 0) || header == NULL || header_len == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  memset(header, 0, sizeof(*header));
  r.p = buf;
  r.left = len;

  if (!read_u8(&r, &header->exchange_flags) || !read_u8(&r, &header->opcode) ||
      !read_le16(&r, &header->exchange_id) || !read_le16(&r, &header->protocol_id))
    return MATTER_ERROR_TRUNCATED;
  if ((header->exchange_flags & MATTER_EXCHANGE_FLAG_V) && !read_le16(&r, &header->vendor_id))
    return MATTER_ERROR_TRUNCATED;
  if ((header->exchange_flags & MATTER_EXCHANGE_FLAG_A) && !read_le32(&r, &header->ack_counter))
    return MATTER_ERROR_TRUNCATED;
  if (header->exchange_flags & MATTER_EXCHANGE_FLAG_SX) {
    err = read_extensions(&r, &header->secured_extensions, &header->secured_extensions_len);
    if (err != MATTER_OK)
      return err;
  }
  *header_len = len - r.left;
  return MATTER_OK;
}

MatterError
matter_protocol_header_encode(const MatterProtocolHeader *header, uint8_t *buf, size_t size,
                              size_t *len)
{
  uint8_t flags;
  size_t total;
  uint8_t *p;

  if (header == NULL || len == NULL || (buf == NULL && size > 0))
    return MATTER_ERROR_INVALID_ARGUMENT;
  if ((header->secured_extensions == NULL && header->secured_extensions_len > 0) ||
      header->secured_extensions_len > UINT16_MAX)
    return MATTER_ERROR_INVALID_ARGUMENT;

  flags = header->exchange_flags &
          (MATTER_EXCHANGE_FLAG_I | MATTER_EXCHANGE_FLAG_A | MATTER_EXCHANGE_FLAG_R |
           MATTER_EXCHANGE_FLAG_SX | MATTER_EXCHANGE_FLAG_V);
  if (header->vendor_id != 0)
    flags |= MATTER_EXCHANGE_FLAG_V;
  if (header->secured_extensions_len > 0)
    flags |= MATTER_EXCHANGE_FLAG_SX;

  total =
      6 + ((flags & MATTER_EXCHANGE_FLAG_V) ? 2 : 0) + ((flags & MATTER_EXCHANGE_FLAG_A) ? 4 : 0) +
      ((flags & MATTER_EXCHANGE_FLAG_SX) ? EXTENSIONS_LENGTH_LEN + header->secured_extensions_len
                                         : 0);
  if (total > size)
    return MATTER_ERROR_BUFFER_TOO_SMALL;

  p = buf;
  *p++ = flags;
  *p++ = header->opcode;
  p = put_le(p, header->exchange_id, 2);
  p = put_le(p, header->protocol_id, 2);
  if (flags & MATTER_EXCHANGE_FLAG_V)
    p = put_le(p, header->vendor_id, 2);
  if (flags & MATTER_EXCHANGE_FLAG_A)
    p = put_le(p, header->ack_counter, 4);
  if (flags & MATTER_EXCHANGE_FLAG_SX) {
    p = put_le(p, header->secured_extensions_len, EXTENSIONS_LENGTH_LEN);
    p = put_bytes(p, header->secured_extensions, header->secured_extensions_len);
  }
  *len = (size_t) (p - buf);
  return MATTER_OK;
}

void
matter_message_nonce(uint8_t security_flags, uint32_t counter, uint64_t source_node_id,
                     uint8_t nonce[MATTER_AES_CCM_NONCE_LEN])
{
  uint8_t *p = nonce;

  *p++ = security_flags;
  p = put_le(p, counter, COUNTER_LEN);
  put_le(p, source_node_id, NODE_ID_LEN);
}

/* The smallest header: prefix and counter. */
#define HEADER_MIN (MATTER_MESSAGE_PREFIX_LEN + COUNTER_LEN)

MatterError
matter_message_encrypt(const uint8_t key[MATTER_AES128_KEY_LEN],
                       const uint8_t nonce[MATTER_AES_CCM_NONCE_LEN], uint8_t *msg, size_t size,
                       size_t header_len, size_t payload_len, size_t *msg_len)
{
  uint8_t *payload;
  MatterError err;

  if (key == NULL || nonce == NULL || msg == NULL || msg_len == NULL || header_len < HEADER_MIN ||
      header_len > size || payload_len > size - header_len)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (size - header_len - payload_len < MATTER_MESSAGE_MIC_LEN)
    return MATTER_ERROR_BUFFER_TOO_SMALL;

  payload = msg + header_len;
  err = matter_aes_ccm_encrypt(key, nonce, MATTER_AES_CCM_NONCE_LEN, msg, header_len, payload,
                               payload_len, payload, payload + payload_len, MATTER_MESSAGE_MIC_LEN);
  if (err != MATTER_OK)
    return err;
  *msg_len = header_len + payload_len + MATTER_MESSAGE_MIC_LEN;
  return MATTER_OK;
}

MatterError
matter_message_decrypt(const uint8_t key[MATTER_AES128_KEY_LEN],
                       const uint8_t nonce[MATTER_AES_CCM_NONCE_LEN], uint8_t *msg, size_t msg_len,
                       size_t header_len, size_t *payload_len)
{
  uint8_t *payload;
  size_t len;
  MatterError err;

  if (key == NULL || nonce == NULL || msg == NULL || payload_len == NULL || header_len < HEADER_MIN)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (header_len > msg_len || msg_len - header_len < MATTER_MESSAGE_MIC_LEN)
    return MATTER_ERROR_TRUNCATED;

  payload = msg + header_len;
  len = msg_len - header_len - MATTER_MESSAGE_MIC_LEN;
  err = matter_aes_ccm_decrypt(key, nonce, MATTER_AES_CCM_NONCE_LEN, msg, header_len, payload, len,
                               payload + len, MATTER_MESSAGE_MIC_LEN, payload);
  if (err != MATTER_OK)
    return err;
  *payload_len = len;
  return MATTER_OK;
}

MatterError
matter_message_privacy_key(const uint8_t key[MATTER_AES128_KEY_LEN],
                           uint8_t privacy_key[MATTER_AES128_KEY_LEN])
{
  if (key == NULL || privacy_key == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  return matter_hkdf_sha256(key, MATTER_AES128_KEY_LEN, NULL, 0, (const uint8_t *) privacy_key_info,
                            sizeof(privacy_key_info) - 1, privacy_key, MATTER_AES128_KEY_LEN);
}

void
matter_message_privacy_nonce(uint16_t session_id, const uint8_t mic[MATTER_MESSAGE_MIC_LEN],
                             uint8_t nonce[MATTER_AES_CCM_NONCE_LEN])
{
  nonce[0] = (uint8_t) (session_id >> 8);
  nonce[1] = (uint8_t) session_id;
  memcpy(nonce + 2, mic + PRIVACY_MIC_OFFSET, MATTER_AES_CCM_NONCE_LEN - 2);
}

/* AES-CTR over @len header bytes with counter blocks formed as CCM forms
 * them (RFC 3610 2.3: flags L - 1 = 1, the 13-byte nonce, a 2-byte block
 * counter) from block 1 on, as the Matter SDK's privacy vectors show. */
static MatterError
privacy_xor(const uint8_t privacy_key[MATTER_AES128_KEY_LEN], const uint8_t *msg, size_t msg_len,
            const uint8_t *in, size_t len, uint8_t *out)
{
  uint8_t iv[MATTER_AES_BLOCK_LEN];
  uint16_t session_id = (uint16_t) (msg[1] | msg[2] << 8);

  iv[0] = 15 - MATTER_AES_CCM_NONCE_LEN - 1;
  matter_message_privacy_nonce(session_id, msg + msg_len - MATTER_MESSAGE_MIC_LEN, iv + 1);
  iv[MATTER_AES_BLOCK_LEN - 2] = 0;
  iv[MATTER_AES_BLOCK_LEN - 1] = 1;
  return matter_aes_ctr(privacy_key, iv, in, len, out);
}

/* Checks that apply to both directions; *@active is false when P is clear. */
static MatterError
privacy_start(const uint8_t *privacy_key, const uint8_t *msg, size_t msg_len,
              MatterMessageHeader *header, bool *active)
{
  MatterError err;

  if (privacy_key == NULL || msg == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  err = matter_message_header_peek(msg, msg_len, header);
  if (err != MATTER_OK)
    return err;
  *active = (header->security_flags & MATTER_SEC_FLAG_P) != 0;
  if (*active && matter_message_is_unsecured(header))
    return MATTER_ERROR_INVALID_ARGUMENT; /* no MIC to derive the nonce from */
  return MATTER_OK;
}

MatterError
matter_message_privacy_obfuscate(const uint8_t privacy_key[MATTER_AES128_KEY_LEN], uint8_t *msg,
                                 size_t msg_len)
{
  MatterMessageHeader header;
  size_t header_len;
  bool active;
  MatterError err;

  err = privacy_start(privacy_key, msg, msg_len, &header, &active);
  if (err != MATTER_OK || !active)
    return err;
  err = matter_message_header_decode(msg, msg_len, &header, &header_len);
  if (err != MATTER_OK)
    return err;
  if (msg_len - header_len < MATTER_MESSAGE_MIC_LEN)
    return MATTER_ERROR_TRUNCATED;
  return privacy_xor(privacy_key, msg, msg_len, msg + MATTER_MESSAGE_PREFIX_LEN,
                     header_len - MATTER_MESSAGE_PREFIX_LEN, msg + MATTER_MESSAGE_PREFIX_LEN);
}

MatterError
matter_message_privacy_deobfuscate(const uint8_t privacy_key[MATTER_AES128_KEY_LEN], uint8_t *msg,
                                   size_t msg_len)
{
  MatterMessageHeader header;
  uint8_t fixed[PRIVATE_FIXED_MAX];
  size_t fixed_len, header_len;
  bool active;
  MatterError err;

  err = privacy_start(privacy_key, msg, msg_len, &header, &active);
  if (err != MATTER_OK || !active)
    return err;
  /* What the prefix announces; with MX the extensions length comes last. */
  fixed_len = COUNTER_LEN + (header.has_source ? NODE_ID_LEN : 0) + dest_len(header.dest_kind) +
              ((header.security_flags & MATTER_SEC_FLAG_MX) ? EXTENSIONS_LENGTH_LEN : 0);
  if (msg_len < MATTER_MESSAGE_PREFIX_LEN + fixed_len + MATTER_MESSAGE_MIC_LEN)
    return MATTER_ERROR_TRUNCATED;

  /* Deobfuscate a copy first: nothing changes in @msg until the header's
   * length is known to fit. */
  err = privacy_xor(privacy_key, msg, msg_len, msg + MATTER_MESSAGE_PREFIX_LEN, fixed_len, fixed);
  if (err != MATTER_OK)
    return err;
  header_len = MATTER_MESSAGE_PREFIX_LEN + fixed_len;
  if (header.security_flags & MATTER_SEC_FLAG_MX) {
    header_len += (size_t) (fixed[fixed_len - 2] | fixed[fixed_len - 1] << 8);
    if (msg_len - MATTER_MESSAGE_MIC_LEN < header_len) {
      OPENSSL_cleanse(fixed, sizeof(fixed));
      return MATTER_ERROR_MESSAGE_EXTENSIONS;
    }
  }
  OPENSSL_cleanse(fixed, sizeof(fixed));
  return privacy_xor(privacy_key, msg, msg_len, msg + MATTER_MESSAGE_PREFIX_LEN,
                     header_len - MATTER_MESSAGE_PREFIX_LEN, msg + MATTER_MESSAGE_PREFIX_LEN);
}
