/* SPDX-License-Identifier: Apache-2.0 */
/* The certificate model both codecs share (Core spec 6.5): distinguished
 * names, their attribute rules, and the format rules a decoded or
 * to-be-encoded MatterCert must meet. */
#include "cert-model.h"

#include <string.h>

#include "cert-der.h"
#include "matter/tlv.h"

#define KEY_USAGE_DEFINED 0x01ff
#define UNCOMPRESSED_POINT 0x04

/* ---- DN -------------------------------------------------------------- */

bool
matter_cert_dn_type_is_scalar(MatterCertDnType type)
{
  return (type >= MATTER_CERT_DN_NODE_ID && type <= MATTER_CERT_DN_NOC_CAT) ||
         type == MATTER_CERT_DN_VENDOR_ID || type == MATTER_CERT_DN_PRODUCT_ID;
}

static bool
is_string_type(MatterCertDnType type)
{
  return type >= MATTER_CERT_DN_COMMON_NAME && type <= MATTER_CERT_DN_DOMAIN_COMPONENT;
}

static bool
attr_equal(const MatterCertDnAttr *a, const MatterCertDnAttr *b)
{
  if (a->type != b->type || a->printable != b->printable)
    return false;
  if (matter_cert_dn_type_is_scalar(a->type))
    return a->value == b->value;
  return a->len == b->len && (a->len == 0 || memcmp(a->str, b->str, a->len) == 0);
}

bool
matter_cert_dn_equal(const MatterCertDn *a, const MatterCertDn *b)
{
  if (a->count != b->count || a->count > MATTER_CERT_DN_CAPACITY)
    return false;
  for (size_t i = 0; i < a->count; i++) {
    if (!attr_equal(&a->attrs[i], &b->attrs[i]))
      return false;
  }
  return true;
}

size_t
matter_cert_dn_count(const MatterCertDn *dn, MatterCertDnType type, const MatterCertDnAttr **first)
{
  size_t n = 0;

  if (first != NULL)
    *first = NULL;
  for (size_t i = 0; i < dn->count && i < MATTER_CERT_DN_CAPACITY; i++) {
    if (dn->attrs[i].type != type)
      continue;
    if (n == 0 && first != NULL)
      *first = &dn->attrs[i];
    n++;
  }
  return n;
}

/* X.680 PrintableString: letters, digits, space and '()+,-./:=? */
static bool
printable_valid(const char *s, size_t len)
{
  for (size_t i = 0; i < len; i++) {
    char c = s[i];

    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
      continue;
    if (c == '\0' || strchr(" '()+,-./:=?", c) == NULL)
      return false;
  }
  return true;
}

static bool
ascii_valid(const char *s, size_t len)
{
  for (size_t i = 0; i < len; i++) {
    if ((unsigned char) s[i] >= 0x80)
      return false;
  }
  return true;
}

MatterError
matter_cert_dn_attr_check(const MatterCertDnAttr *attr)
{
  switch (attr->type) {
  case MATTER_CERT_DN_NODE_ID:
  case MATTER_CERT_DN_FIRMWARE_SIGNING_ID:
  case MATTER_CERT_DN_ICAC_ID:
  case MATTER_CERT_DN_RCAC_ID:
  case MATTER_CERT_DN_FABRIC_ID:
    return attr->printable ? MATTER_ERROR_CERT_DN_ATTRIBUTE : MATTER_OK;
  case MATTER_CERT_DN_NOC_CAT:
    return attr->printable || attr->value > UINT32_MAX ? MATTER_ERROR_CERT_DN_ATTRIBUTE : MATTER_OK;
  case MATTER_CERT_DN_VENDOR_ID:
  case MATTER_CERT_DN_PRODUCT_ID:
    return attr->value > UINT16_MAX ? MATTER_ERROR_CERT_DN_ATTRIBUTE : MATTER_OK;
  default:
    break;
  }
  if (!is_string_type(attr->type))
    return MATTER_ERROR_CERT_DN_ATTRIBUTE;
  if (attr->str == NULL && attr->len > 0)
    return MATTER_ERROR_INVALID_ARGUMENT;
  /* Values end up as C strings for callers: valid UTF-8 without NUL. */
  if (!matter_tlv_utf8_valid((const uint8_t *) attr->str, attr->len))
    return MATTER_ERROR_CERT_DN_ATTRIBUTE;
  if (attr->type == MATTER_CERT_DN_DOMAIN_COMPONENT) {
    /* IA5String only; there is no PrintableString variant (6.5.6.1). */
    if (attr->printable || !ascii_valid(attr->str, attr->len))
      return MATTER_ERROR_CERT_DN_ATTRIBUTE;
    return MATTER_OK;
  }
  if (attr->printable && !printable_valid(attr->str, attr->len))
    return MATTER_ERROR_CERT_DN_ATTRIBUTE;
  return MATTER_OK;
}

static MatterError
check_dn(const MatterCertDn *dn)
{
  if (dn->count == 0)
    return MATTER_ERROR_CERT_FORMAT;
  if (dn->count > MATTER_CERT_MAX_RDNS)
    return MATTER_ERROR_CERT_DN_ATTRIBUTE;
  for (size_t i = 0; i < dn->count; i++) {
    const MatterCertDnAttr *attr = &dn->attrs[i];
    MatterError err;

    /* Vendor and product id have no TLV tag. */
    if (attr->type == MATTER_CERT_DN_VENDOR_ID || attr->type == MATTER_CERT_DN_PRODUCT_ID)
      return MATTER_ERROR_CERT_DN_ATTRIBUTE;
    err = matter_cert_dn_attr_check(attr);
    if (err != MATTER_OK)
      return err;
  }
  return MATTER_OK;
}

/* ---- Format rules ---------------------------------------------------- */

/* DER INTEGER contents: 1..20 bytes without a redundant leading byte. */
static bool
serial_valid(const uint8_t *serial, size_t len)
{
  if (serial == NULL || len == 0 || len > MATTER_CERT_MAX_SERIAL_LEN)
    return false;
  if (len > 1 && serial[0] == 0x00 && (serial[1] & 0x80) == 0)
    return false;
  if (len > 1 && serial[0] == 0xff && (serial[1] & 0x80) != 0)
    return false;
  return true;
}

static MatterError
check_ext(const MatterCert *cert, const MatterCertExt *ext)
{
  const uint8_t *oid;
  size_t oid_len;
  bool critical;

  switch (ext->kind) {
  case MATTER_CERT_EXT_BASIC_CONSTRAINTS:
    /* A path length only constrains a CA (6.5.11.1). */
    return cert->has_path_len && !cert->is_ca ? MATTER_ERROR_CERT_EXTENSION : MATTER_OK;
  case MATTER_CERT_EXT_KEY_USAGE:
    return (cert->key_usage & ~KEY_USAGE_DEFINED) != 0 ? MATTER_ERROR_CERT_EXTENSION : MATTER_OK;
  case MATTER_CERT_EXT_EXTENDED_KEY_USAGE:
    if (cert->key_purpose_count == 0 || cert->key_purpose_count > MATTER_CERT_MAX_KEY_PURPOSES)
      return MATTER_ERROR_CERT_EXTENSION;
    for (size_t i = 0; i < cert->key_purpose_count; i++) {
      if (cert->key_purposes[i] < MATTER_CERT_KEY_PURPOSE_SERVER_AUTH ||
          cert->key_purposes[i] > MATTER_CERT_KEY_PURPOSE_OCSP_SIGNING)
        return MATTER_ERROR_CERT_EXTENSION;
    }
    return MATTER_OK;
  case MATTER_CERT_EXT_SUBJECT_KEY_ID:
    return cert->subject_key_id == NULL ? MATTER_ERROR_CERT_EXTENSION : MATTER_OK;
  case MATTER_CERT_EXT_AUTHORITY_KEY_ID:
    return cert->authority_key_id == NULL ? MATTER_ERROR_CERT_EXTENSION : MATTER_OK;
  case MATTER_CERT_EXT_FUTURE:
    if (ext->der == NULL ||
        !matter_cert_ext_parse(ext->der, ext->der_len, &oid, &oid_len, &critical))
      return MATTER_ERROR_CERT_EXTENSION;
    return MATTER_OK;
  default:
    return MATTER_ERROR_CERT_EXTENSION;
  }
}

static MatterError
check_exts(const MatterCert *cert)
{
  unsigned seen = 0;

  if (cert->ext_count == 0)
    return MATTER_ERROR_CERT_FORMAT;
  if (cert->ext_count > MATTER_CERT_MAX_EXTENSIONS)
    return MATTER_ERROR_CERT_EXTENSION;
  for (size_t i = 0; i < cert->ext_count; i++) {
    const MatterCertExt *ext = &cert->exts[i];
    MatterError err;

    /* One of each known kind (6.5.11); future ones may repeat. */
    if (ext->kind >= MATTER_CERT_EXT_BASIC_CONSTRAINTS && ext->kind < MATTER_CERT_EXT_FUTURE) {
      if (seen & (1u << ext->kind))
        return MATTER_ERROR_CERT_EXTENSION;
      seen |= 1u << ext->kind;
    }
    err = check_ext(cert, ext);
    if (err != MATTER_OK)
      return err;
  }
  return MATTER_OK;
}

MatterError
matter_cert_check_format(const MatterCert *cert)
{
  MatterError err;

  if (cert == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (!serial_valid(cert->serial, cert->serial_len))
    return MATTER_ERROR_CERT_FORMAT;
  err = check_dn(&cert->issuer);
  if (err != MATTER_OK)
    return err;
  err = check_dn(&cert->subject);
  if (err != MATTER_OK)
    return err;
  if (cert->public_key == NULL || cert->public_key[0] != UNCOMPRESSED_POINT)
    return MATTER_ERROR_CERT_KEY_TYPE;
  return check_exts(cert);
}

