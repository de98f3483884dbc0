/* SPDX-License-Identifier: Apache-2.0 */
/* Both onboarding payload decoders on arbitrary text. Whatever decodes must
 * encode back to the same text: base-38 chunks and manual code digits have
 * one spelling each, so a decoder that accepts anything else is lenient
 * where it should not be. */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "matter/payload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_PAYLOADS 8

static void
check_qr(const char *text)
{
  MatterSetupPayload payloads[MAX_PAYLOADS];
  char encoded[MATTER_PAYLOAD_QR_ALL_MAX_LEN + 1];
  size_t count;

  if (matter_payload_qr_decode_all(text, payloads, MAX_PAYLOADS, &count) != MATTER_OK)
    return;
  for (size_t i = 0; i < count; i++)
    if ((payloads[i].rendezvous & ~MATTER_PAYLOAD_RENDEZVOUS_KNOWN) != 0)
      return; /* accepted from others, never produced */
  if (matter_payload_qr_encode_all(payloads, count, encoded, sizeof(encoded)) != MATTER_OK ||
      strcmp(encoded, text) != 0)
    abort();
}

static void
check_manual(const char *text)
{
  MatterSetupPayload payload;
  char encoded[MATTER_PAYLOAD_MANUAL_SIZE], digits[MATTER_PAYLOAD_MANUAL_SIZE];
  size_t n = 0;

  if (matter_payload_manual_decode(text, &payload) != MATTER_OK)
    return;
  for (const char *c = text; *c != '\0'; c++)
    if (*c >= '0' && *c <= '9') {
      if (n + 1 >= sizeof(digits))
        abort();
      digits[n++] = *c;
    }
  digits[n] = '\0';
  if (matter_payload_manual_encode(&payload, encoded) != MATTER_OK || strcmp(encoded, digits) != 0)
    abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  MatterSetupPayload payload;
  char *text = malloc(size + 1);

  if (text == NULL)
    return 0;
  memcpy(text, data, size);
  text[size] = '\0';

  check_qr(text);
  check_manual(text);
  (void) matter_payload_decode(text, &payload);

  free(text);
  return 0;
}
