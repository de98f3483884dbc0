/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The Matter message frame (Core spec 4.4) and its security (4.7, 4.8):
 * the message header, the protocol header inside the payload, AES-CCM
 * encryption with the nonce and additional data the spec defines, and
 * privacy obfuscation of the header. Plain codecs over caller buffers.
 *
 * Sending a secured message:
 *   matter_message_header_encode(&header, buf, size, &header_len);
 *   matter_protocol_header_encode(&proto, buf + header_len, ...) and the
 *   application payload after it;
 *   matter_message_nonce(buf[3], header.counter, source, nonce) (buf[3], the
 *   security flags as encoded: encoding sets MX when there are extensions);
 *   matter_message_encrypt(key, nonce, buf, size, header_len, payload_len, &len);
 *   if P: matter_message_privacy_obfuscate(privacy_key, buf, len).
 * Receiving one:
 *   matter_message_header_peek(buf, len, &header) for the session id and type
 *   (enough to find the keys);
 *   if P: matter_message_privacy_deobfuscate(privacy_key, buf, len);
 *   matter_message_header_decode(buf, len, &header, &header_len);
 *   matter_message_nonce(header.security_flags, header.counter, source, nonce);
 *   matter_message_decrypt(key, nonce, buf, len, header_len, &payload_len);
 *   matter_protocol_header_decode(buf + header_len, payload_len, ...).
 * A receiver that tries several keys (group messages) works on a fresh copy
 * of the received bytes for each key: a failed decryption wipes the payload. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "matter/crypto.h"
#include "matter/error.h"

/* The IPv6 minimum MTU less IPv6 and UDP headers (4.4.4). */
#define MATTER_MESSAGE_MAX 1232
#define MATTER_MESSAGE_MIC_LEN MATTER_AES_CCM_TAG_LEN
/* The clear part of every header: message flags, session id, security flags. */
#define MATTER_MESSAGE_PREFIX_LEN 4
/* Largest message header: flags, session id, security flags, counter,
 * source and destination node ids, and a 2-byte extensions length (the
 * extensions themselves are not counted). */
#define MATTER_MESSAGE_HEADER_MAX (1 + 2 + 1 + 4 + 8 + 8 + 2)
/* Largest protocol header: exchange flags, opcode, exchange id, protocol
 * id, vendor id, acknowledged counter and a 2-byte secured extensions
 * length (the extensions themselves are not counted). */
#define MATTER_PROTOCOL_HEADER_MAX (1 + 1 + 2 + 2 + 2 + 4 + 2)
#define MATTER_NODE_ID_UNSPECIFIED UINT64_C(0)

/* Message flags (4.4.1.2). */
#define MATTER_MSG_FLAG_VERSION_MASK 0xF0
#define MATTER_MSG_FLAG_S 0x04
#define MATTER_MSG_FLAG_DSIZ_MASK 0x03

/* Security flags (4.4.1.4). */
#define MATTER_SEC_FLAG_P 0x80
#define MATTER_SEC_FLAG_C 0x40
#define MATTER_SEC_FLAG_MX 0x20
#define MATTER_SEC_FLAG_SESSION_TYPE_MASK 0x03

/* Exchange flags (4.4.3.1). */
#define MATTER_EXCHANGE_FLAG_I 0x01
#define MATTER_EXCHANGE_FLAG_A 0x02
#define MATTER_EXCHANGE_FLAG_R 0x04
#define MATTER_EXCHANGE_FLAG_SX 0x08
#define MATTER_EXCHANGE_FLAG_V 0x10

/* Protocol ids of the Matter standard vendor (table 13). */
#define MATTER_PROTOCOL_SECURE_CHANNEL 0x0000
#define MATTER_PROTOCOL_INTERACTION_MODEL 0x0001
#define MATTER_PROTOCOL_BDX 0x0002
#define MATTER_PROTOCOL_USER_DIRECTED_COMMISSIONING 0x0003

typedef enum {
  MATTER_SESSION_TYPE_UNICAST = 0,
  MATTER_SESSION_TYPE_GROUP = 1,
} MatterSessionType;

typedef enum {
  MATTER_DEST_NONE = 0,     /* DSIZ 0 */
  MATTER_DEST_NODE_ID = 1,  /* DSIZ 1: 64-bit node id */
  MATTER_DEST_GROUP_ID = 2, /* DSIZ 2: 16-bit group id */
} MatterDestKind;

typedef struct {
  uint8_t message_flags; /* as on the wire; encoding derives it from the fields below */
  uint16_t session_id;
  uint8_t security_flags; /* P, C, MX and session type as on the wire */
  uint32_t counter;
  bool has_source;
  uint64_t source_node_id;
  MatterDestKind dest_kind;
  uint64_t dest_node_id; /* or the group id in the low 16 bits */
  /* Message extensions (MX): the payload of the block, without its length
   * field; authenticated, ignored by version 1.0 nodes. Decoding points
   * into the input buffer, and leaves it NULL when MX is clear. */
  const uint8_t *extensions;
  size_t extensions_len;
} MatterMessageHeader;

typedef struct {
  uint8_t exchange_flags; /* I, A, R, SX, V as on the wire */
  uint8_t opcode;
  uint16_t exchange_id;
  uint16_t protocol_id;
  uint16_t vendor_id;   /* 0 unless V */
  uint32_t ack_counter; /* valid when A */
  /* Secured extensions (SX): the payload of the block, without its length
   * field; ignored by version 1.0 nodes. Decoding points into the input
   * buffer, and leaves it NULL when SX is clear. */
  const uint8_t *secured_extensions;
  size_t secured_extensions_len;
} MatterProtocolHeader;

/* True for the unsecured session (session type unicast, session id 0). */
bool matter_message_is_unsecured(const MatterMessageHeader *header);
MatterSessionType matter_message_session_type(const MatterMessageHeader *header);

/* Decodes the clear prefix every message starts with (message flags,
 * session id, security flags), which privacy leaves readable: enough to
 * find the session and its keys. Fills message_flags, session_id,
 * security_flags, has_source and dest_kind, zeroes the rest, and makes the
 * checks below that depend on these fields alone. */
MatterError matter_message_header_peek(const uint8_t *buf, size_t len, MatterMessageHeader *header);

/* Decodes the message header at the start of @buf; *@header_len is its
 * length (the additional data of a secured message); the payload follows.
 * Refuses, each with its own error: a version other than 0
 * (MATTER_ERROR_MESSAGE_VERSION), DSIZ 3 (MATTER_ERROR_MESSAGE_DSIZ), session
 * types 2-3 (MATTER_ERROR_MESSAGE_SESSION_TYPE), a group message without a
 * source node id (MATTER_ERROR_MESSAGE_NO_SOURCE) or without a destination,
 * and a secure unicast message addressed to a group
 * (MATTER_ERROR_MESSAGE_DESTINATION, the checks of 4.6.2), an extensions
 * block longer than the input (MATTER_ERROR_MESSAGE_EXTENSIONS) and any
 * other field past the end (MATTER_ERROR_TRUNCATED). Node ids on unicast
 * messages are accepted (unsecured session establishment may carry them).
 * Reserved bits are ignored as the spec says. A header with P set must be
 * deobfuscated first. */
MatterError matter_message_header_decode(const uint8_t *buf, size_t len,
                                         MatterMessageHeader *header, size_t *header_len);
/* Encodes @header: version 0, S from has_source, DSIZ from dest_kind, the
 * session type, P and C from security_flags, MX when security_flags has it
 * or @extensions_len is not 0, reserved bits zero. Refuses
 * (MATTER_ERROR_INVALID_ARGUMENT) what decoding would: a reserved session
 * type, a group message without source or destination, a group id on a
 * secure unicast session or over 16 bits, extensions over 65535 bytes.
 * Decoding the output gives @header back. */
MatterError matter_message_header_encode(const MatterMessageHeader *header, uint8_t *buf,
                                         size_t size, size_t *len);

/* Decodes the protocol header at the start of the (decrypted) payload;
 * *@header_len is its length, the application payload follows. The vendor
 * id is read only with V, the acknowledged counter only with A, the secured
 * extensions only with SX (MATTER_ERROR_MESSAGE_EXTENSIONS when their length
 * runs past the input); MATTER_ERROR_TRUNCATED when a field is cut short. */
MatterError matter_protocol_header_decode(const uint8_t *buf, size_t len,
                                          MatterProtocolHeader *header, size_t *header_len);
/* Encodes @header: I, R and A from exchange_flags (the acknowledged counter
 * with A), V when exchange_flags has it or vendor_id is not 0, SX when
 * exchange_flags has it or secured_extensions_len is not 0, reserved bits
 * zero. Decoding the output gives @header back. */
MatterError matter_protocol_header_encode(const MatterProtocolHeader *header, uint8_t *buf,
                                          size_t size, size_t *len);

/* The AES-CCM nonce of 4.7.1.1: the security flags byte as sent (P, C and
 * MX included), the counter and the source node id, both little-endian. The
 * source is the session's peer or own node id for CASE, unspecified for
 * PASE, the message's source for groups. */
void matter_message_nonce(uint8_t security_flags, uint32_t counter, uint64_t source_node_id,
                          uint8_t nonce[MATTER_AES_CCM_NONCE_LEN]);

/* Encrypts in place: @msg holds the encoded message header (@header_len
 * bytes, the additional data) followed by @payload_len plaintext bytes;
 * afterwards the payload is ciphertext and the MIC follows it, so
 * *@msg_len = header_len + payload_len + MATTER_MESSAGE_MIC_LEN (@size must
 * allow it: MATTER_ERROR_BUFFER_TOO_SMALL otherwise). */
MatterError matter_message_encrypt(const uint8_t key[MATTER_AES128_KEY_LEN],
                                   const uint8_t nonce[MATTER_AES_CCM_NONCE_LEN], uint8_t *msg,
                                   size_t size, size_t header_len, size_t payload_len,
                                   size_t *msg_len);
/* Decrypts in place the message of @msg_len bytes whose header is
 * @header_len bytes; *@payload_len is the plaintext's length, which starts
 * at @msg + @header_len. MATTER_ERROR_TRUNCATED when there is no room for
 * the MIC; MATTER_ERROR_AUTH_FAILED on a bad MIC, with the payload bytes
 * zeroed so that no unauthenticated plaintext is left behind. */
MatterError matter_message_decrypt(const uint8_t key[MATTER_AES128_KEY_LEN],
                                   const uint8_t nonce[MATTER_AES_CCM_NONCE_LEN], uint8_t *msg,
                                   size_t msg_len, size_t header_len, size_t *payload_len);

/* Message privacy (4.8). The privacy key is HKDF-SHA256 of the encryption
 * key with an empty salt and the info "PrivacyKey". */
MatterError matter_message_privacy_key(const uint8_t key[MATTER_AES128_KEY_LEN],
                                       uint8_t privacy_key[MATTER_AES128_KEY_LEN]);
/* The privacy nonce: the session id big-endian, then MIC bytes 5..15. */
void matter_message_privacy_nonce(uint16_t session_id, const uint8_t mic[MATTER_MESSAGE_MIC_LEN],
                                  uint8_t nonce[MATTER_AES_CCM_NONCE_LEN]);
/* Obfuscates in place the header of the secured message @msg (@msg_len
 * bytes, ending with the MIC, as matter_message_encrypt left it): the
 * counter, node ids and extensions block (length field included) are
 * encrypted with AES-CTR under @privacy_key, the counter block being 0x01,
 * the privacy nonce and a 16-bit block counter starting at 1. The clear
 * prefix stays readable. Does nothing when the header's P flag is clear;
 * MATTER_ERROR_INVALID_ARGUMENT for an unsecured message, and the decode
 * errors for a header that does not decode or leave room for the MIC. */
MatterError matter_message_privacy_obfuscate(const uint8_t privacy_key[MATTER_AES128_KEY_LEN],
                                             uint8_t *msg, size_t msg_len);
/* Undoes matter_message_privacy_obfuscate() on a received message. The
 * length of what to deobfuscate comes from the clear prefix (S, DSIZ, MX)
 * and, with MX, from the extensions length, deobfuscated first; the MIC is
 * the last MATTER_MESSAGE_MIC_LEN bytes whatever the header's length. On
 * error @msg is unchanged (MATTER_ERROR_MESSAGE_EXTENSIONS or
 * MATTER_ERROR_TRUNCATED when the header would leave no room for the MIC,
 * which a wrong key can cause). Obfuscating with the same key restores the
 * received bytes. Does nothing when P is clear. */
MatterError matter_message_privacy_deobfuscate(const uint8_t privacy_key[MATTER_AES128_KEY_LEN],
                                               uint8_t *msg, size_t msg_len);
