/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The onboarding payload (Core spec 5.1): what a commissioner needs to find
 * a commissionable node and run PASE with it, in the two printed forms.
 *
 * QR code: "MT:" and the base-38 text of a packed little-endian bit string
 * (fields from the least significant bit up): version (3 bits), vendor id
 * (16), product id (16), custom flow (2), discovery capabilities (8),
 * discriminator (12), passcode (27), zero padding (4), then optional TLV
 * bytes. Several payloads may share one QR code, joined by '*' after a
 * single "MT:".
 *
 * Manual pairing code: 11 digits, or 21 with vendor and product id, the
 * last one a Verhoeff check digit. It carries the passcode and only the top
 * 4 bits of the discriminator (the "short discriminator"), and no
 * discovery capabilities.
 *
 * Decoders take NUL-terminated text, never read past its end, and reject
 * anything malformed: MATTER_ERROR_PAYLOAD_FORMAT (syntax, lengths,
 * reserved field values, non-zero padding, extension data that is not one
 * well-formed anonymous TLV structure), MATTER_ERROR_PAYLOAD_CHECK_DIGIT,
 * MATTER_ERROR_PAYLOAD_VERSION (a version other than 0),
 * MATTER_ERROR_INVALID_PASSCODE (see matter_payload_passcode_valid()).
 * Encoders refuse the same, and also a discriminator out of range
 * (MATTER_ERROR_INVALID_DISCRIMINATOR) and rendezvous bits without a
 * meaning yet, which decoders pass on. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "matter/error.h"
#include "matter/spake2p.h"

#define MATTER_PAYLOAD_QR_PREFIX "MT:"
/* Characters of one payload, prefix included, and of a whole QR code
 * (Core spec 5.1.3). */
#define MATTER_PAYLOAD_QR_MAX_LEN 255
#define MATTER_PAYLOAD_QR_ALL_MAX_LEN 4296
/* A buffer that holds any single encoded QR payload and its NUL. */
#define MATTER_PAYLOAD_QR_SIZE (MATTER_PAYLOAD_QR_MAX_LEN + 1)
/* The packed fields before the TLV data. */
#define MATTER_PAYLOAD_PACKED_LEN 11
/* TLV bytes that fit in MATTER_PAYLOAD_QR_MAX_LEN characters. */
#define MATTER_PAYLOAD_EXTENSION_MAX 140

/* 21 digits and a NUL. */
#define MATTER_PAYLOAD_MANUAL_SIZE 22

#define MATTER_PAYLOAD_PASSCODE_MAX 99999998u
#define MATTER_PAYLOAD_DISCRIMINATOR_MAX 4095u
#define MATTER_PAYLOAD_SHORT_DISCRIMINATOR_MAX 15u

/* The PBKDF2 parameters PASE allows (Core spec chapter 3, Crypto_PBKDF). */
#define MATTER_PAYLOAD_SALT_MIN 16
#define MATTER_PAYLOAD_SALT_MAX 32
#define MATTER_PAYLOAD_ITERATIONS_MIN 1000u
#define MATTER_PAYLOAD_ITERATIONS_MAX 100000u

typedef enum {
  MATTER_PAYLOAD_FLOW_STANDARD = 0,    /* commissionable at power-up */
  MATTER_PAYLOAD_FLOW_USER_INTENT = 1, /* a user action opens the window */
  MATTER_PAYLOAD_FLOW_CUSTOM = 2,      /* vendor-specific steps (see the DCL) */
} MatterPayloadFlow;

/* Discovery capabilities ("rendezvous"). Bits 0..3 are those of Matter
 * 1.4; NFC and Thread are the bits later revisions assign. Encoders refuse
 * the bits above; decoders pass them on, for forward compatibility. */
#define MATTER_PAYLOAD_RENDEZVOUS_SOFT_AP 0x01u
#define MATTER_PAYLOAD_RENDEZVOUS_BLE 0x02u
#define MATTER_PAYLOAD_RENDEZVOUS_ON_NETWORK 0x04u
#define MATTER_PAYLOAD_RENDEZVOUS_WIFI_PAF 0x08u /* Wi-Fi Public Action Frame */
#define MATTER_PAYLOAD_RENDEZVOUS_NFC 0x10u
#define MATTER_PAYLOAD_RENDEZVOUS_THREAD 0x20u
#define MATTER_PAYLOAD_RENDEZVOUS_KNOWN 0x3Fu

typedef struct {
  uint8_t version; /* 0 */
  uint16_t vendor_id;
  uint16_t product_id;
  MatterPayloadFlow flow;
  uint8_t rendezvous; /* MATTER_PAYLOAD_RENDEZVOUS_* */
  /* 0..4095, or 0..15 when short_discriminator is set: the top 4 bits
   * alone, which is all a manual code carries. */
  uint16_t discriminator;
  bool short_discriminator;
  uint32_t passcode;
  /* QR code only: the optional TLV data, an anonymous structure whose
   * members (serial number, PBKDF parameters, vendor tags...) are left to
   * the caller; extension_len 0 when there is none. */
  uint8_t extension[MATTER_PAYLOAD_EXTENSION_MAX];
  size_t extension_len;
} MatterSetupPayload;

/* 1..99999998, and none of 11111111, 22222222, ..., 88888888, 12345678,
 * 87654321 (Core spec 5.1.7.1; 00000000 and 99999999 are out of range). */
bool matter_payload_passcode_valid(uint32_t passcode);

/* The short discriminator: the top 4 bits of a 12-bit discriminator. */
uint8_t matter_payload_short_discriminator(uint16_t discriminator);

/* ---- QR code ------------------------------------------------------- */

/* "MT:" and the payload, NUL-terminated. A short discriminator fails with
 * MATTER_ERROR_INVALID_DISCRIMINATOR; unknown rendezvous bits, a flow out
 * of range, or extension data that is too long or not one anonymous TLV
 * structure with MATTER_ERROR_INVALID_ARGUMENT;
 * MATTER_ERROR_BUFFER_TOO_SMALL when @out_size is short. */
MatterError matter_payload_qr_encode(const MatterSetupPayload *payload, char *out, size_t out_size);
/* @count payloads in one QR code, joined by '*'. */
MatterError matter_payload_qr_encode_all(const MatterSetupPayload *payloads, size_t count,
                                         char *out, size_t out_size);

/* Decodes a QR code that holds exactly one payload. A concatenated code
 * fails with MATTER_ERROR_BUFFER_TOO_SMALL: use matter_payload_qr_decode_all(). */
MatterError matter_payload_qr_decode(const char *text, MatterSetupPayload *out);
/* Decodes every payload of a QR code into @out (room for @max) and sets
 * @count to their number; MATTER_ERROR_BUFFER_TOO_SMALL, with @count set,
 * when there are more than @max (so @max 0 counts them). A single bad
 * payload fails the whole code. */
MatterError matter_payload_qr_decode_all(const char *text, MatterSetupPayload *out, size_t max,
                                         size_t *count);

/* ---- Manual pairing code ------------------------------------------- */

/* 11 digits for the standard flow, 21 (with vendor and product id)
 * otherwise; NUL-terminated. A short discriminator is accepted. */
MatterError matter_payload_manual_encode(const MatterSetupPayload *payload,
                                         char out[MATTER_PAYLOAD_MANUAL_SIZE]);

/* Decodes 11 or 21 digits; dashes and spaces between them (as printed,
 * "3497-011-2332") are skipped. The result has a short discriminator, no
 * rendezvous bits and no extension data. A 21-digit code says only that
 * the flow is not the standard one: its flow decodes as
 * MATTER_PAYLOAD_FLOW_CUSTOM (the commissioner looks the rest up in the
 * DCL); an 11-digit one decodes as MATTER_PAYLOAD_FLOW_STANDARD with vendor
 * and product id 0. */
MatterError matter_payload_manual_decode(const char *text, MatterSetupPayload *out);

/* Either form: "MT:..." is a QR code (one payload), anything else a manual
 * code. */
MatterError matter_payload_decode(const char *text, MatterSetupPayload *out);

/* The Verhoeff check digit ('0'..'9') of the @len decimal digits at
 * @digits; MATTER_ERROR_INVALID_ARGUMENT for anything else. */
MatterError matter_payload_verhoeff_digit(const char *digits, size_t len, char *check);

/* ---- Base-38 (Core spec 5.1.3) ------------------------------------- */

/* Each 3 bytes become 5 characters, a final 2 bytes 4, a final byte 2;
 * the output is NUL-terminated. */
MatterError matter_payload_base38_encode(const uint8_t *data, size_t len, char *out,
                                         size_t out_size);
/* The inverse over @text_len characters. MATTER_ERROR_PAYLOAD_FORMAT for a
 * character outside the alphabet, a length that no byte count gives, or a
 * chunk whose value does not fit its bytes. */
MatterError matter_payload_base38_decode(const char *text, size_t text_len, uint8_t *out,
                                         size_t out_size, size_t *out_len);

/* ---- PASE verifier ------------------------------------------------- */

/* w0s || w1s = PBKDF2-HMAC-SHA256(passcode as 4 bytes little-endian, salt,
 * iterations, 80 bytes). Salt 16..32 bytes, iterations 1000..100000
 * (MATTER_ERROR_INVALID_ARGUMENT otherwise); MATTER_ERROR_INVALID_PASSCODE
 * for a passcode matter_payload_passcode_valid() refuses. */
MatterError matter_payload_compute_ws(uint32_t passcode, const uint8_t *salt, size_t salt_len,
                                      uint32_t iterations, uint8_t ws[2 * MATTER_SPAKE2P_WS_LEN]);

/* What a node stores instead of its passcode: w0 = w0s mod n and
 * L = (w1s mod n) * G. Same errors as matter_payload_compute_ws(). */
MatterError matter_payload_compute_verifier(uint32_t passcode, const uint8_t *salt, size_t salt_len,
                                            uint32_t iterations, uint8_t w0[MATTER_SPAKE2P_W_LEN],
                                            uint8_t L[MATTER_SPAKE2P_POINT_LEN]);
