/* SPDX-License-Identifier: Apache-2.0 */
/* The CSRResponse parsers: the PKCS #10 request and the NOCSR elements.
 * Beyond "no crash": elements that decode re-encode to elements that
 * decode to the same fields. */
#include <stdlib.h>
#include <string.h>

#include "matter/attestation.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define require(cond) \
  do {                \
    if (!(cond))      \
      abort();        \
  } while (0)

static bool
same_bytes(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len)
{
  return a_len == b_len && (a_len == 0 || memcmp(a, b, a_len) == 0);
}

static void
check_elements(const uint8_t *data, size_t size)
{
  MatterNocsrElements elements, again;
  uint8_t out[MATTER_NOCSR_ELEMENTS_MAX];
  size_t len;

  if (matter_nocsr_elements_decode(data, size, &elements) != MATTER_OK)
    return;
  /* Decoded input was at most what it is; unknown tags only shrink it. */
  if (matter_nocsr_elements_encode(&elements, out, sizeof(out), &len) != MATTER_OK) {
    require(size > MATTER_NOCSR_ELEMENTS_MAX);
    return;
  }
  require(matter_nocsr_elements_decode(out, len, &again) == MATTER_OK);
  require(same_bytes(elements.csr, elements.csr_len, again.csr, again.csr_len));
  require(memcmp(elements.csr_nonce, again.csr_nonce, MATTER_CSR_NONCE_LEN) == 0);
  for (int i = 0; i < 3; i++) {
    require((elements.vendor_reserved[i] == NULL) == (again.vendor_reserved[i] == NULL));
    if (elements.vendor_reserved[i] != NULL)
      require(same_bytes(elements.vendor_reserved[i], elements.vendor_reserved_len[i],
                         again.vendor_reserved[i], again.vendor_reserved_len[i]));
  }
  (void) matter_csr_verify(elements.csr, elements.csr_len, NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  uint8_t pub[MATTER_P256_PUBLIC_KEY_LEN];

  if (matter_csr_verify(data, size, pub) == MATTER_OK)
    require(pub[0] == 0x04);
  check_elements(data, size);
  return 0;
}
