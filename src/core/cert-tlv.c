/* SPDX-License-Identifier: Apache-2.0 */
/* Matter TLV certificates (Core spec 6.5): the decoder and the canonical
 * encoder; the format rules they share are in cert-model.c. */
#include "matter/cert.h"

#include <string.h>

#include "cert-der.h"
#include "cert-model.h"
#include "matter/tlv.h"

/* Context tags of the certificate structure (6.5.2). */
enum {
  TAG_SERIAL = 1,
  TAG_SIG_ALGO = 2,
  TAG_ISSUER = 3,
  TAG_NOT_BEFORE = 4,
  TAG_NOT_AFTER = 5,
  TAG_SUBJECT = 6,
  TAG_PUB_KEY_ALGO = 7,
  TAG_EC_CURVE_ID = 8,
  TAG_EC_PUB_KEY = 9,
  TAG_EXTENSIONS = 10,
  TAG_SIGNATURE = 11,
};

/* Inside basic-constraints. */
enum {
  TAG_IS_CA = 1,
  TAG_PATH_LEN = 2,
};

#define SIG_ALGO_ECDSA_SHA256 1
#define PUB_KEY_ALGO_EC 1
#define EC_CURVE_PRIME256V1 1
#define PRINTABLE_FLAG 0x80

/* ---- Decoding -------------------------------------------------------- */

/* Moves to the next element, which must carry context tag @tag; @missing
 * when it does not or when the container ends. */
static MatterError
next_tagged(MatterTlvReader *r, uint8_t tag, MatterError missing)
{
  MatterError err = matter_tlv_next(r);

  if (err == MATTER_ERROR_TLV_END)
    return missing;
  if (err != MATTER_OK)
    return err;
  if (!matter_tlv_tag_is_context(matter_tlv_get_tag(r), tag))
    return missing;
  return MATTER_OK;
}

static MatterError
enter_tagged(MatterTlvReader *r, uint8_t tag, MatterTlvType type, MatterError missing)
{
  MatterError err = next_tagged(r, tag, missing);

  if (err != MATTER_OK)
    return err;
  if (matter_tlv_get_type(r) != type)
    return MATTER_ERROR_TLV_WRONG_TYPE;
  return matter_tlv_enter(r);
}

/* The container must end here. */
static MatterError
expect_end(MatterTlvReader *r, MatterError extra)
{
  MatterError err = matter_tlv_next(r);

  if (err == MATTER_OK)
    return extra;
  if (err != MATTER_ERROR_TLV_END)
    return err;
  return matter_tlv_exit(r);
}

static MatterError
get_u32(MatterTlvReader *r, uint32_t *value, MatterError range)
{
  uint64_t v;
  MatterError err = matter_tlv_get_u64(r, &v);

  if (err != MATTER_OK)
    return err;
  if (v > UINT32_MAX)
    return range;
  *value = (uint32_t) v;
  return MATTER_OK;
}

/* An algorithm identifier field: @tag holding @want, else @wrong. */
static MatterError
expect_id(MatterTlvReader *r, uint8_t tag, uint64_t want, MatterError wrong)
{
  uint64_t v;
  MatterError err = next_tagged(r, tag, MATTER_ERROR_CERT_FORMAT);

  if (err == MATTER_OK)
    err = matter_tlv_get_u64(r, &v);
  if (err != MATTER_OK)
    return err;
  return v == want ? MATTER_OK : wrong;
}

static MatterError
decode_dn_attr(MatterTlvReader *r, uint32_t tag, MatterCertDnAttr *attr)
{
  uint32_t base = tag & ~(uint32_t) PRINTABLE_FLAG;
  bool printable = (tag & PRINTABLE_FLAG) != 0;

  attr->type = (MatterCertDnType) base;
  attr->printable = printable;
  if (base >= MATTER_CERT_DN_COMMON_NAME && base <= MATTER_CERT_DN_DOMAIN_COMPONENT &&
      !(printable && base == MATTER_CERT_DN_DOMAIN_COMPONENT))
    return matter_tlv_get_utf8(r, &attr->str, &attr->len);
  if (!printable && base >= MATTER_CERT_DN_NODE_ID && base <= MATTER_CERT_DN_NOC_CAT)
    return matter_tlv_get_u64(r, &attr->value);
  return MATTER_ERROR_CERT_DN_ATTRIBUTE;
}

static MatterError
decode_dn(MatterTlvReader *r, uint8_t tag, MatterCertDn *dn)
{
  MatterError err = enter_tagged(r, tag, MATTER_TLV_TYPE_LIST, MATTER_ERROR_CERT_FORMAT);

  if (err != MATTER_OK)
    return err;
  for (;;) {
    MatterTlvTag attr_tag;

    err = matter_tlv_next(r);
    if (err == MATTER_ERROR_TLV_END)
      break;
    if (err != MATTER_OK)
      return err;
    attr_tag = matter_tlv_get_tag(r);
    if (attr_tag.kind != MATTER_TLV_TAG_CONTEXT || dn->count == MATTER_CERT_DN_CAPACITY)
      return MATTER_ERROR_CERT_DN_ATTRIBUTE;
    err = decode_dn_attr(r, attr_tag.number, &dn->attrs[dn->count++]);
    if (err != MATTER_OK)
      return err;
  }
  return matter_tlv_exit(r);
}

static MatterError
decode_basic_constraints(MatterTlvReader *r, MatterCert *cert)
{
  uint64_t path_len;
  MatterError err;

  if (matter_tlv_get_type(r) != MATTER_TLV_TYPE_STRUCTURE)
    return MATTER_ERROR_TLV_WRONG_TYPE;
  err = matter_tlv_enter(r);
  if (err == MATTER_OK)
    err = next_tagged(r, TAG_IS_CA, MATTER_ERROR_CERT_EXTENSION);
  if (err == MATTER_OK)
    err = matter_tlv_get_bool(r, &cert->is_ca);
  if (err != MATTER_OK)
    return err;
  err = matter_tlv_next(r);
  if (err == MATTER_ERROR_TLV_END)
    return matter_tlv_exit(r);
  if (err != MATTER_OK)
    return err;
  if (!matter_tlv_tag_is_context(matter_tlv_get_tag(r), TAG_PATH_LEN))
    return MATTER_ERROR_CERT_EXTENSION;
  err = matter_tlv_get_u64(r, &path_len);
  if (err != MATTER_OK)
    return err;
  if (path_len > UINT8_MAX)
    return MATTER_ERROR_CERT_EXTENSION;
  cert->has_path_len = true;
  cert->path_len = (uint8_t) path_len;
  return expect_end(r, MATTER_ERROR_CERT_EXTENSION);
}

static MatterError
decode_key_purposes(MatterTlvReader *r, MatterCert *cert)
{
  MatterError err;

  if (matter_tlv_get_type(r) != MATTER_TLV_TYPE_ARRAY)
    return MATTER_ERROR_TLV_WRONG_TYPE;
  err = matter_tlv_enter(r);
  if (err != MATTER_OK)
    return err;
  for (;;) {
    uint64_t purpose;

    err = matter_tlv_next(r);
    if (err == MATTER_ERROR_TLV_END)
      break;
    if (err == MATTER_OK)
      err = matter_tlv_get_u64(r, &purpose);
    if (err != MATTER_OK)
      return err;
    if (purpose > UINT8_MAX || cert->key_purpose_count == MATTER_CERT_MAX_KEY_PURPOSES)
      return MATTER_ERROR_CERT_EXTENSION;
    cert->key_purposes[cert->key_purpose_count++] = (uint8_t) purpose;
  }
  return matter_tlv_exit(r);
}

static MatterError
decode_key_id(MatterTlvReader *r, const uint8_t **id)
{
  size_t len;
  MatterError err = matter_tlv_get_bytes(r, id, &len);

  if (err != MATTER_OK)
    return err;
  return len == MATTER_CERT_KEY_ID_LEN ? MATTER_OK : MATTER_ERROR_CERT_EXTENSION;
}

static MatterError
decode_ext(MatterTlvReader *r, MatterCert *cert, MatterCertExt *ext)
{
  uint64_t usage;
  MatterError err;

  switch (ext->kind) {
  case MATTER_CERT_EXT_BASIC_CONSTRAINTS:
    return decode_basic_constraints(r, cert);
  case MATTER_CERT_EXT_KEY_USAGE:
    err = matter_tlv_get_u64(r, &usage);
    if (err != MATTER_OK)
      return err;
    if (usage > UINT16_MAX)
      return MATTER_ERROR_CERT_EXTENSION;
    cert->key_usage = (uint16_t) usage;
    return MATTER_OK;
  case MATTER_CERT_EXT_EXTENDED_KEY_USAGE:
    return decode_key_purposes(r, cert);
  case MATTER_CERT_EXT_SUBJECT_KEY_ID:
    return decode_key_id(r, &cert->subject_key_id);
  case MATTER_CERT_EXT_AUTHORITY_KEY_ID:
    return decode_key_id(r, &cert->authority_key_id);
  case MATTER_CERT_EXT_FUTURE:
    return matter_tlv_get_bytes(r, &ext->der, &ext->der_len);
  default:
    return MATTER_ERROR_CERT_EXTENSION;
  }
}

static MatterError
decode_exts(MatterTlvReader *r, MatterCert *cert)
{
  MatterError err = enter_tagged(r, TAG_EXTENSIONS, MATTER_TLV_TYPE_LIST, MATTER_ERROR_CERT_FORMAT);

  if (err != MATTER_OK)
    return err;
  for (;;) {
    MatterTlvTag tag;
    MatterCertExt *ext;

    err = matter_tlv_next(r);
    if (err == MATTER_ERROR_TLV_END)
      break;
    if (err != MATTER_OK)
      return err;
    tag = matter_tlv_get_tag(r);
    if (tag.kind != MATTER_TLV_TAG_CONTEXT || tag.number < MATTER_CERT_EXT_BASIC_CONSTRAINTS ||
        tag.number > MATTER_CERT_EXT_FUTURE || cert->ext_count == MATTER_CERT_MAX_EXTENSIONS)
      return MATTER_ERROR_CERT_EXTENSION;
    ext = &cert->exts[cert->ext_count++];
    ext->kind = (MatterCertExtKind) tag.number;
    err = decode_ext(r, cert, ext);
    if (err != MATTER_OK)
      return err;
  }
  return matter_tlv_exit(r);
}

static MatterError
decode_fields(MatterTlvReader *r, MatterCert *cert)
{
  size_t len;
  MatterError err;

  err = next_tagged(r, TAG_SERIAL, MATTER_ERROR_CERT_FORMAT);
  if (err == MATTER_OK)
    err = matter_tlv_get_bytes(r, &cert->serial, &cert->serial_len);
  if (err == MATTER_OK)
    err = expect_id(r, TAG_SIG_ALGO, SIG_ALGO_ECDSA_SHA256, MATTER_ERROR_CERT_SIGNATURE_ALGORITHM);
  if (err == MATTER_OK)
    err = decode_dn(r, TAG_ISSUER, &cert->issuer);
  if (err == MATTER_OK)
    err = next_tagged(r, TAG_NOT_BEFORE, MATTER_ERROR_CERT_FORMAT);
  if (err == MATTER_OK)
    err = get_u32(r, &cert->not_before, MATTER_ERROR_CERT_VALIDITY);
  if (err == MATTER_OK)
    err = next_tagged(r, TAG_NOT_AFTER, MATTER_ERROR_CERT_FORMAT);
  if (err == MATTER_OK)
    err = get_u32(r, &cert->not_after, MATTER_ERROR_CERT_VALIDITY);
  if (err == MATTER_OK)
    err = decode_dn(r, TAG_SUBJECT, &cert->subject);
  if (err == MATTER_OK)
    err = expect_id(r, TAG_PUB_KEY_ALGO, PUB_KEY_ALGO_EC, MATTER_ERROR_CERT_KEY_TYPE);
  if (err == MATTER_OK)
    err = expect_id(r, TAG_EC_CURVE_ID, EC_CURVE_PRIME256V1, MATTER_ERROR_CERT_KEY_TYPE);
  if (err == MATTER_OK)
    err = next_tagged(r, TAG_EC_PUB_KEY, MATTER_ERROR_CERT_FORMAT);
  if (err == MATTER_OK)
    err = matter_tlv_get_bytes(r, &cert->public_key, &len);
  if (err != MATTER_OK)
    return err;
  if (len != MATTER_P256_PUBLIC_KEY_LEN)
    return MATTER_ERROR_CERT_KEY_TYPE;
  err = decode_exts(r, cert);
  if (err == MATTER_OK)
    err = next_tagged(r, TAG_SIGNATURE, MATTER_ERROR_CERT_FORMAT);
  if (err == MATTER_OK)
    err = matter_tlv_get_bytes(r, &cert->signature, &len);
  if (err != MATTER_OK)
    return err;
  if (len != MATTER_P256_SIGNATURE_LEN)
    return MATTER_ERROR_CERT_FORMAT;
  return expect_end(r, MATTER_ERROR_CERT_FORMAT);
}

MatterError
matter_cert_decode(const uint8_t *tlv, size_t len, MatterCert *cert)
{
  MatterTlvReader r;
  MatterError err;

  if (cert == NULL || (tlv == NULL && len > 0))
    return MATTER_ERROR_INVALID_ARGUMENT;
  memset(cert, 0, sizeof(*cert));
  if (len > MATTER_CERT_MAX_TLV_LEN)
    return MATTER_ERROR_CERT_TOO_LARGE;
  /* One well-formed element, nothing after it: the reader's errors. */
  err = matter_tlv_enter_top_structure(&r, tlv, len, MATTER_ERROR_CERT_FORMAT,
                                       MATTER_ERROR_CERT_FORMAT);
  if (err == MATTER_OK)
    err = decode_fields(&r, cert);
  if (err == MATTER_OK)
    err = matter_cert_check_format(cert);
  if (err != MATTER_OK)
    memset(cert, 0, sizeof(*cert));
  return err;
}

/* ---- Encoding -------------------------------------------------------- */

static void
encode_dn(MatterTlvWriter *w, uint8_t tag, const MatterCertDn *dn)
{
  matter_tlv_start_list(w, matter_tlv_tag_context(tag));
  for (size_t i = 0; i < dn->count; i++) {
    const MatterCertDnAttr *attr = &dn->attrs[i];
    MatterTlvTag attr_tag =
        matter_tlv_tag_context((uint8_t) (attr->type | (attr->printable ? PRINTABLE_FLAG : 0)));

    if (matter_cert_dn_type_is_scalar(attr->type))
      matter_tlv_put_uint(w, attr_tag, attr->value);
    else
      matter_tlv_put_utf8(w, attr_tag, attr->str, attr->len);
  }
  matter_tlv_end_container(w);
}

static void
encode_ext(MatterTlvWriter *w, const MatterCert *cert, const MatterCertExt *ext)
{
  MatterTlvTag tag = matter_tlv_tag_context((uint8_t) ext->kind);

  switch (ext->kind) {
  case MATTER_CERT_EXT_BASIC_CONSTRAINTS:
    matter_tlv_start_structure(w, tag);
    matter_tlv_put_bool(w, matter_tlv_tag_context(TAG_IS_CA), cert->is_ca);
    if (cert->has_path_len)
      matter_tlv_put_uint(w, matter_tlv_tag_context(TAG_PATH_LEN), cert->path_len);
    matter_tlv_end_container(w);
    break;
  case MATTER_CERT_EXT_KEY_USAGE:
    matter_tlv_put_uint(w, tag, cert->key_usage);
    break;
  case MATTER_CERT_EXT_EXTENDED_KEY_USAGE:
    matter_tlv_start_array(w, tag);
    for (size_t i = 0; i < cert->key_purpose_count; i++)
      matter_tlv_put_uint(w, matter_tlv_tag_anonymous(), cert->key_purposes[i]);
    matter_tlv_end_container(w);
    break;
  case MATTER_CERT_EXT_SUBJECT_KEY_ID:
    matter_tlv_put_bytes(w, tag, cert->subject_key_id, MATTER_CERT_KEY_ID_LEN);
    break;
  case MATTER_CERT_EXT_AUTHORITY_KEY_ID:
    matter_tlv_put_bytes(w, tag, cert->authority_key_id, MATTER_CERT_KEY_ID_LEN);
    break;
  case MATTER_CERT_EXT_FUTURE:
    matter_tlv_put_bytes(w, tag, ext->der, ext->der_len);
    break;
  }
}

MatterError
matter_cert_encode(const MatterCert *cert, uint8_t *buf, size_t size, size_t *len)
{
  MatterTlvWriter w;
  MatterError err;
  size_t n;

  if (cert == NULL || len == NULL || (buf == NULL && size > 0) || cert->signature == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  err = matter_cert_check_format(cert);
  if (err != MATTER_OK)
    return err;

  /* The writer's error sticks, so the puts are checked once at the end. */
  matter_tlv_writer_init(&w, buf, size);
  matter_tlv_start_structure(&w, matter_tlv_tag_anonymous());
  matter_tlv_put_bytes(&w, matter_tlv_tag_context(TAG_SERIAL), cert->serial, cert->serial_len);
  matter_tlv_put_uint(&w, matter_tlv_tag_context(TAG_SIG_ALGO), SIG_ALGO_ECDSA_SHA256);
  encode_dn(&w, TAG_ISSUER, &cert->issuer);
  matter_tlv_put_uint(&w, matter_tlv_tag_context(TAG_NOT_BEFORE), cert->not_before);
  matter_tlv_put_uint(&w, matter_tlv_tag_context(TAG_NOT_AFTER), cert->not_after);
  encode_dn(&w, TAG_SUBJECT, &cert->subject);
  matter_tlv_put_uint(&w, matter_tlv_tag_context(TAG_PUB_KEY_ALGO), PUB_KEY_ALGO_EC);
  matter_tlv_put_uint(&w, matter_tlv_tag_context(TAG_EC_CURVE_ID), EC_CURVE_PRIME256V1);
  matter_tlv_put_bytes(&w, matter_tlv_tag_context(TAG_EC_PUB_KEY), cert->public_key,
                       MATTER_P256_PUBLIC_KEY_LEN);
  matter_tlv_start_list(&w, matter_tlv_tag_context(TAG_EXTENSIONS));
  for (size_t i = 0; i < cert->ext_count; i++)
    encode_ext(&w, cert, &cert->exts[i]);
  matter_tlv_end_container(&w);
  matter_tlv_put_bytes(&w, matter_tlv_tag_context(TAG_SIGNATURE), cert->signature,
                       MATTER_P256_SIGNATURE_LEN);
  matter_tlv_end_container(&w);
  err = matter_tlv_writer_finish(&w, &n);
  if (err == MATTER_ERROR_BUFFER_TOO_SMALL && size >= MATTER_CERT_MAX_TLV_LEN)
    return MATTER_ERROR_CERT_TOO_LARGE;
  if (err != MATTER_OK)
    return err;
  if (n > MATTER_CERT_MAX_TLV_LEN)
    return MATTER_ERROR_CERT_TOO_LARGE;
  *len = n;
  return MATTER_OK;
}
