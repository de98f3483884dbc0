/* SPDX-License-Identifier: Apache-2.0 */
/* Decodes the input as a Matter TLV certificate. When it decodes, checks
 * that the canonical re-encoding decodes to the same fields and is a fixed
 * point, that the X.509 form (when there is one) converts back to exactly
 * that TLV, and runs the role, validity and signature checks on it. */
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
exercise(const MatterCert *cert)
{
  MatterCertRole role = matter_cert_get_role(cert);

  for (int r = MATTER_CERT_ROLE_RCAC; r <= MATTER_CERT_ROLE_FIRMWARE_SIGNING; r++)
    (void) matter_cert_check_role(cert, (MatterCertRole) r);
  if (role != MATTER_CERT_ROLE_NONE)
    require(matter_cert_check_role(cert, role) != MATTER_ERROR_INVALID_ARGUMENT);
  (void) matter_cert_check_validity(cert, MATTER_CERT_TIME_CURRENT, 0x30000000);
  (void) matter_cert_check_validity(cert, MATTER_CERT_TIME_LAST_KNOWN_GOOD, 0x30000000);
  require(matter_cert_get_role(cert) == role);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  MatterCert cert, again;
  uint8_t tlv[MATTER_CERT_MAX_TLV_LEN], tlv2[MATTER_CERT_MAX_TLV_LEN];
  uint8_t der[MATTER_CERT_MAX_DER_LEN];
  size_t tlv_len, tlv2_len, der_len;
  MatterError err;

  if (matter_cert_decode(data, size, &cert) != MATTER_OK)
    return 0;
  exercise(&cert);

  /* Canonical integers are never wider than the input's. */
  require(matter_cert_encode(&cert, tlv, sizeof(tlv), &tlv_len) == MATTER_OK);
  require(tlv_len <= size);
  require(matter_cert_decode(tlv, tlv_len, &again) == MATTER_OK);
  require(matter_cert_encode(&again, tlv2, sizeof(tlv2), &tlv2_len) == MATTER_OK);
  require(tlv2_len == tlv_len && memcmp(tlv, tlv2, tlv_len) == 0);
  require(again.not_before == cert.not_before && again.not_after == cert.not_after);
  require(matter_cert_dn_equal(&again.issuer, &cert.issuer));
  require(matter_cert_dn_equal(&again.subject, &cert.subject));
  require(again.ext_count == cert.ext_count && again.key_usage == cert.key_usage);

  err = matter_cert_tlv_to_der(data, size, der, sizeof(der), &der_len);
  if (err != MATTER_OK) {
    /* Only the X.509-side rules can still fail. */
    require(err == MATTER_ERROR_CERT_EXTENSION || err == MATTER_ERROR_CERT_TOO_LARGE);
    return 0;
  }
  require(matter_cert_der_to_tlv(der, der_len, tlv2, sizeof(tlv2), &tlv2_len) == MATTER_OK);
  require(tlv2_len == tlv_len && memcmp(tlv, tlv2, tlv_len) == 0);
  err = matter_cert_verify(&cert, cert.public_key);
  require(err == MATTER_OK || err == MATTER_ERROR_INVALID_SIGNATURE ||
          err == MATTER_ERROR_INVALID_KEY);
  return 0;
}
