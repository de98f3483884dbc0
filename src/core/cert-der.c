/* SPDX-License-Identifier: Apache-2.0 */
/* A strict DER element reader over OpenSSL's ASN.1 header parser, for the
 * certificate codecs and chain checks. */
#include "cert-der.h"

#include <openssl/asn1.h>
#include <openssl/err.h>

#define ASN1_HEADER_ERROR 0x80
#define ASN1_HEADER_INDEFINITE 0x01

/* ---- DER reading ----------------------------------------------------- */

bool
matter_cert_der_read(const uint8_t **p, const uint8_t *end, int *tag, int *cls, bool *constructed,
                     const uint8_t **content, size_t *len)
{
  const unsigned char *q = *p;
  long length;
  int ret;

  if (*p >= end || end - *p > INT32_MAX)
    return false;
  ret = ASN1_get_object(&q, &length, tag, cls, (long) (end - *p));
  if ((ret & ASN1_HEADER_ERROR) != 0) {
    ERR_clear_error();
    return false;
  }
  *constructed = (ret & V_ASN1_CONSTRUCTED) != 0;
  /* DER: definite lengths in their shortest form. */
  if ((ret & ASN1_HEADER_INDEFINITE) != 0 ||
      ASN1_object_size(*constructed, (int) length, *tag) != (q - *p) + length)
    return false;
  *content = q;
  *len = (size_t) length;
  *p = q + length;
  return true;
}

bool
matter_cert_der_expect(const uint8_t **p, const uint8_t *end, int want_tag, bool want_constructed,
           const uint8_t **content, size_t *len)
{
  int tag, cls;
  bool constructed;

  return matter_cert_der_read(p, end, &tag, &cls, &constructed, content, len) && tag == want_tag &&
         cls == V_ASN1_UNIVERSAL && constructed == want_constructed;
}

bool
matter_cert_ext_parse(const uint8_t *der, size_t len, const uint8_t **oid, size_t *oid_len,
                      bool *critical)
{
  const uint8_t *p = der, *end = der + len, *body, *value;
  size_t body_len, value_len;
  int tag, cls;
  bool constructed;

  if (!matter_cert_der_expect(&p, end, V_ASN1_SEQUENCE, true, &body, &body_len) || p != end)
    return false;
  p = body;
  end = body + body_len;
  if (!matter_cert_der_expect(&p, end, V_ASN1_OBJECT, false, oid, oid_len) || *oid_len == 0)
    return false;
  *critical = false;
  if (!matter_cert_der_read(&p, end, &tag, &cls, &constructed, &value, &value_len) ||
      cls != V_ASN1_UNIVERSAL || constructed)
    return false;
  if (tag == V_ASN1_BOOLEAN) {
    /* DER leaves out the default FALSE and writes TRUE as 0xff. */
    if (value_len != 1 || value[0] != 0xff)
      return false;
    *critical = true;
    if (!matter_cert_der_expect(&p, end, V_ASN1_OCTET_STRING, false, &value, &value_len))
      return false;
  } else if (tag != V_ASN1_OCTET_STRING) {
    return false;
  }
  return p == end;
}

