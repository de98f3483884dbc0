/* SPDX-License-Identifier: Apache-2.0 */
/* Converts the input from X.509 DER to a Matter TLV certificate. When that
 * works, the TLV must decode and convert back to exactly the input. The
 * input also goes through the DN decoder, whose result must re-encode to
 * the same bytes. */
#include <stdlib.h>
#include <string.h>

#include "matter/cert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define require(cond) \
  do {                \
    if (!(cond))      \
      abort();        \
  } while (0)

static void
fuzz_dn(const uint8_t *data, size_t size)
{
  MatterCertDn dn;
  uint8_t der[1024];
  size_t len;

  if (matter_cert_dn_decode_der(data, size, &dn) != MATTER_OK)
    return;
  require(matter_cert_dn_encode_der(&dn, der, sizeof(der), &len) == MATTER_OK);
  require(len == size && memcmp(der, data, size) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  MatterCert cert;
  uint8_t tlv[MATTER_CERT_MAX_TLV_LEN];
  uint8_t der[MATTER_CERT_MAX_DER_LEN];
  size_t tlv_len, der_len;

  fuzz_dn(data, size);
  if (matter_cert_der_to_tlv(data, size, tlv, sizeof(tlv), &tlv_len) != MATTER_OK)
    return 0;
  require(matter_cert_decode(tlv, tlv_len, &cert) == MATTER_OK);
  require(matter_cert_encode_der(&cert, der, sizeof(der), &der_len) == MATTER_OK);
  require(der_len == size && memcmp(der, data, size) == 0);
  (void) matter_cert_get_role(&cert);
  (void) matter_cert_verify(&cert, cert.public_key);
  return 0;
}
