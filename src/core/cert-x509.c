/* SPDX-License-Identifier: Apache-2.0 */
/* Matter certificates in X.509 DER (Core spec 6.5): rebuilding the exact
 * certificate an issuer signed from its Matter form, and mapping DER back.
 * OpenSSL encodes and parses every ASN.1 value; this file only assembles
 * the SEQUENCEs of TBSCertificate and Certificate around what it encoded,
 * because OpenSSL has no setter for a raw TBS signature algorithm or
 * signature value. */
#include "matter/cert.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cert-der.h"
#include "cert-model.h"

/* Room for any certificate up to the 600-byte limit and the TLV limit's
 * worst expansion, so overflowing means "too large". */
#define DER_SCRATCH 1024
#define SHA1_LEN 20
#define UNCOMPRESSED_POINT 0x04
#define SECONDS_PER_DAY 86400
/* 99991231235959Z, "no well-defined expiration" (RFC 5280 4.1.2.5). */
#define NO_EXPIRY_TIME "99991231235959Z"
#define NO_EXPIRY_UNIX INT64_C(253402300799)

/* OpenSSL queues a reason for most failures; drop it so that it does not
 * show up later under another call. */
static MatterError
fail(MatterError err)
{
  ERR_clear_error();
  return err;
}

/* ---- DER writing ----------------------------------------------------- */

typedef struct {
  uint8_t data[DER_SCRATCH];
  size_t len;
  bool overflow;
} DerBuf;

static void
put_bytes(DerBuf *b, const void *data, size_t len)
{
  if (b->overflow || len > sizeof(b->data) - b->len) {
    b->overflow = true;
    return;
  }
  memcpy(b->data + b->len, data, len);
  b->len += len;
}

/* Identifier and length octets, encoded by OpenSSL. */
static void
put_header(DerBuf *b, bool constructed, size_t len, int tag, int cls)
{
  unsigned char header[8], *p = header;

  if (len > DER_SCRATCH) {
    b->overflow = true;
    return;
  }
  ASN1_put_object(&p, constructed, (int) len, tag, cls);
  put_bytes(b, header, (size_t) (p - header));
}

/* Appends (and frees) what an i2d function returned. Call the i2d function
 * in a statement of its own: as a sibling argument it could run after @der
 * was read, since the order of argument evaluation is unspecified. */
static MatterError
put_i2d(DerBuf *b, int len, unsigned char *der)
{
  if (len <= 0 || der == NULL) {
    OPENSSL_free(der);
    return fail(MATTER_ERROR_NO_MEMORY);
  }
  put_bytes(b, der, (size_t) len);
  OPENSSL_free(der);
  return MATTER_OK;
}

/* ---- Distinguished names --------------------------------------------- */

typedef struct {
  MatterCertDnType type;
  int nid;         /* standard attributes */
  const char *oid; /* Matter ones */
  int digits;      /* Matter ones: hex digits of the value (6.1.1) */
} DnOid;

static const DnOid dn_oids[] = {
  { MATTER_CERT_DN_COMMON_NAME, NID_commonName, NULL, 0 },
  { MATTER_CERT_DN_SURNAME, NID_surname, NULL, 0 },
  { MATTER_CERT_DN_SERIAL_NUMBER, NID_serialNumber, NULL, 0 },
  { MATTER_CERT_DN_COUNTRY_NAME, NID_countryName, NULL, 0 },
  { MATTER_CERT_DN_LOCALITY_NAME, NID_localityName, NULL, 0 },
  { MATTER_CERT_DN_STATE_OR_PROVINCE_NAME, NID_stateOrProvinceName, NULL, 0 },
  { MATTER_CERT_DN_ORG_NAME, NID_organizationName, NULL, 0 },
  { MATTER_CERT_DN_ORG_UNIT_NAME, NID_organizationalUnitName, NULL, 0 },
  { MATTER_CERT_DN_TITLE, NID_title, NULL, 0 },
  { MATTER_CERT_DN_NAME, NID_name, NULL, 0 },
  { MATTER_CERT_DN_GIVEN_NAME, NID_givenName, NULL, 0 },
  { MATTER_CERT_DN_INITIALS, NID_initials, NULL, 0 },
  { MATTER_CERT_DN_GEN_QUALIFIER, NID_generationQualifier, NULL, 0 },
  { MATTER_CERT_DN_DN_QUALIFIER, NID_dnQualifier, NULL, 0 },
  { MATTER_CERT_DN_PSEUDONYM, NID_pseudonym, NULL, 0 },
  { MATTER_CERT_DN_DOMAIN_COMPONENT, NID_domainComponent, NULL, 0 },
  { MATTER_CERT_DN_NODE_ID, NID_undef, "1.3.6.1.4.1.37244.1.1", 16 },
  { MATTER_CERT_DN_FIRMWARE_SIGNING_ID, NID_undef, "1.3.6.1.4.1.37244.1.2", 16 },
  { MATTER_CERT_DN_ICAC_ID, NID_undef, "1.3.6.1.4.1.37244.1.3", 16 },
  { MATTER_CERT_DN_RCAC_ID, NID_undef, "1.3.6.1.4.1.37244.1.4", 16 },
  { MATTER_CERT_DN_FABRIC_ID, NID_undef, "1.3.6.1.4.1.37244.1.5", 16 },
  { MATTER_CERT_DN_NOC_CAT, NID_undef, "1.3.6.1.4.1.37244.1.6", 8 },
  { MATTER_CERT_DN_VENDOR_ID, NID_undef, "1.3.6.1.4.1.37244.2.1", 4 },
  { MATTER_CERT_DN_PRODUCT_ID, NID_undef, "1.3.6.1.4.1.37244.2.2", 4 },
};

static const DnOid *
dn_oid_by_type(MatterCertDnType type)
{
  for (size_t i = 0; i < sizeof(dn_oids) / sizeof(dn_oids[0]); i++) {
    if (dn_oids[i].type == type)
      return &dn_oids[i];
  }
  return NULL;
}

static const DnOid *
dn_oid_by_object(const ASN1_OBJECT *obj)
{
  int nid = OBJ_obj2nid(obj);
  char text[64];

  if (nid == NID_undef) {
    int n = OBJ_obj2txt(text, sizeof(text), obj, 1);

    if (n <= 0 || (size_t) n >= sizeof(text))
      return NULL;
  }
  for (size_t i = 0; i < sizeof(dn_oids) / sizeof(dn_oids[0]); i++) {
    if (nid != NID_undef ? dn_oids[i].nid == nid
                         : dn_oids[i].oid != NULL && strcmp(dn_oids[i].oid, text) == 0)
      return &dn_oids[i];
  }
  return NULL;
}

/* Exactly @digits upper-case hex digits, no prefix (6.1.1). */
static bool
parse_hex(const uint8_t *s, size_t len, int digits, uint64_t *value)
{
  uint64_t v = 0;

  if (len != (size_t) digits)
    return false;
  for (size_t i = 0; i < len; i++) {
    uint8_t c = s[i];

    if (c >= '0' && c <= '9')
      v = v << 4 | (uint64_t) (c - '0');
    else if (c >= 'A' && c <= 'F')
      v = v << 4 | (uint64_t) (c - 'A' + 10);
    else
      return false;
  }
  *value = v;
  return true;
}

static MatterError
decode_dn_value(const DnOid *oid, int tag, const uint8_t *value, size_t len, MatterCertDnAttr *attr)
{
  bool vid_pid = oid->type == MATTER_CERT_DN_VENDOR_ID || oid->type == MATTER_CERT_DN_PRODUCT_ID;

  attr->type = oid->type;
  attr->printable = tag == V_ASN1_PRINTABLESTRING;
  if (oid->digits > 0) {
    if (tag != V_ASN1_UTF8STRING && !(vid_pid && tag == V_ASN1_PRINTABLESTRING))
      return MATTER_ERROR_CERT_DN_ATTRIBUTE;
    if (!parse_hex(value, len, oid->digits, &attr->value))
      return MATTER_ERROR_CERT_DN_ATTRIBUTE;
  } else {
    if (oid->type == MATTER_CERT_DN_DOMAIN_COMPONENT
            ? tag != V_ASN1_IA5STRING
            : tag != V_ASN1_UTF8STRING && tag != V_ASN1_PRINTABLESTRING)
      return MATTER_ERROR_CERT_DN_ATTRIBUTE;
    attr->str = (const char *) value;
    attr->len = len;
  }
  return matter_cert_dn_attr_check(attr);
}

/* AttributeTypeAndValue ::= SEQUENCE { type OID, value ANY } */
static MatterError
decode_atv(const uint8_t *atv, size_t len, MatterCertDnAttr *attr)
{
  const uint8_t *p = atv, *end = atv + len, *oid_der = atv, *oid, *value;
  size_t oid_len, value_len;
  const DnOid *entry;
  ASN1_OBJECT *obj;
  int tag, cls;
  bool constructed;

  if (!matter_cert_der_expect(&p, end, V_ASN1_OBJECT, false, &oid, &oid_len))
    return MATTER_ERROR_CERT_FORMAT;
  obj = d2i_ASN1_OBJECT(NULL, &oid_der, (long) (p - atv));
  if (obj == NULL)
    return fail(MATTER_ERROR_CERT_FORMAT);
  entry = dn_oid_by_object(obj);
  ASN1_OBJECT_free(obj);
  if (entry == NULL)
    return MATTER_ERROR_CERT_DN_ATTRIBUTE;
  if (!matter_cert_der_read(&p, end, &tag, &cls, &constructed, &value, &value_len) || p != end)
    return MATTER_ERROR_CERT_FORMAT;
  if (cls != V_ASN1_UNIVERSAL || constructed)
    return MATTER_ERROR_CERT_DN_ATTRIBUTE;
  return decode_dn_value(entry, tag, value, value_len, attr);
}

MatterError
matter_cert_dn_decode_der(const uint8_t *der, size_t len, MatterCertDn *dn)
{
  const uint8_t *p, *end, *rdns;
  size_t rdns_len;

  if (dn == NULL || der == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  memset(dn, 0, sizeof(*dn));
  p = der;
  end = der + len;
  /* Name ::= SEQUENCE OF RelativeDistinguishedName */
  if (!matter_cert_der_expect(&p, end, V_ASN1_SEQUENCE, true, &rdns, &rdns_len) || p != end)
    return MATTER_ERROR_CERT_FORMAT;
  p = rdns;
  end = rdns + rdns_len;
  while (p < end) {
    const uint8_t *set, *q, *atv;
    size_t set_len, atv_len;
    MatterError err;

    if (!matter_cert_der_expect(&p, end, V_ASN1_SET, true, &set, &set_len))
      return MATTER_ERROR_CERT_FORMAT;
    q = set;
    if (!matter_cert_der_expect(&q, set + set_len, V_ASN1_SEQUENCE, true, &atv, &atv_len))
      return MATTER_ERROR_CERT_FORMAT;
    /* A Matter RDN is a single attribute (6.5.6.1). */
    if (q != set + set_len || dn->count == MATTER_CERT_DN_CAPACITY)
      return MATTER_ERROR_CERT_DN_ATTRIBUTE;
    err = decode_atv(atv, atv_len, &dn->attrs[dn->count++]);
    if (err != MATTER_OK) {
      memset(dn, 0, sizeof(*dn));
      return err;
    }
  }
  return MATTER_OK;
}

static MatterError
add_name_entry(X509_NAME *name, const MatterCertDnAttr *attr)
{
  const DnOid *oid = dn_oid_by_type(attr->type);
  char hex[17];
  const unsigned char *bytes;
  int len, type, ok;
  MatterError err = matter_cert_dn_attr_check(attr);

  if (err != MATTER_OK)
    return err;
  if (oid == NULL || attr->len > INT32_MAX)
    return MATTER_ERROR_CERT_DN_ATTRIBUTE;
  if (oid->digits > 0) {
    snprintf(hex, sizeof(hex), "%0*" PRIX64, oid->digits, attr->value);
    bytes = (const unsigned char *) hex;
    len = oid->digits;
  } else {
    bytes = (const unsigned char *) attr->str;
    len = (int) attr->len;
  }
  if (attr->type == MATTER_CERT_DN_DOMAIN_COMPONENT)
    type = V_ASN1_IA5STRING;
  else
    type = attr->printable ? V_ASN1_PRINTABLESTRING : V_ASN1_UTF8STRING;
  /* Not MBSTRING_*: the value is stored as given, with this string type,
   * each attribute in an RDN of its own (set 0 at the end). */
  if (oid->nid != NID_undef)
    ok = X509_NAME_add_entry_by_NID(name, oid->nid, type, bytes, len, -1, 0);
  else
    ok = X509_NAME_add_entry_by_txt(name, oid->oid, type, bytes, len, -1, 0);
  return ok == 1 ? MATTER_OK : fail(MATTER_ERROR_NO_MEMORY);
}

static MatterError
put_dn(DerBuf *b, const MatterCertDn *dn)
{
  X509_NAME *name = X509_NAME_new();
  unsigned char *der = NULL;
  MatterError err = MATTER_OK;
  int len;

  if (name == NULL)
    return fail(MATTER_ERROR_NO_MEMORY);
  if (dn->count > MATTER_CERT_DN_CAPACITY)
    err = MATTER_ERROR_CERT_DN_ATTRIBUTE;
  for (size_t i = 0; err == MATTER_OK && i < dn->count; i++)
    err = add_name_entry(name, &dn->attrs[i]);
  if (err == MATTER_OK) {
    len = i2d_X509_NAME(name, &der);
    err = put_i2d(b, len, der);
  }
  X509_NAME_free(name);
  return err;
}

MatterError
matter_cert_dn_encode_der(const MatterCertDn *dn, uint8_t *buf, size_t size, size_t *len)
{
  DerBuf b = { .len = 0 };
  MatterError err;

  if (dn == NULL || len == NULL || (buf == NULL && size > 0))
    return MATTER_ERROR_INVALID_ARGUMENT;
  err = put_dn(&b, dn);
  if (err != MATTER_OK)
    return err;
  if (b.overflow || b.len > size)
    return MATTER_ERROR_BUFFER_TOO_SMALL;
  memcpy(buf, b.data, b.len);
  *len = b.len;
  return MATTER_OK;
}

/* ---- Validity -------------------------------------------------------- */

/* RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050, both
 * in seconds with Z. ASN1_TIME_adj() picks the type that way and counts
 * days itself, so a 32-bit time_t does not matter. */
static ASN1_TIME *
time_encode(uint32_t epoch_s, bool not_after)
{
  ASN1_TIME *t;

  if (not_after && epoch_s == MATTER_CERT_NO_EXPIRY) {
    t = ASN1_TIME_new();
    if (t != NULL && ASN1_TIME_set_string_X509(t, NO_EXPIRY_TIME) != 1) {
      ASN1_TIME_free(t);
      t = NULL;
    }
    return t;
  }
  return ASN1_TIME_adj(NULL, (time_t) MATTER_CERT_EPOCH_UNIX_OFFSET,
                       (int) (epoch_s / SECONDS_PER_DAY), (long) (epoch_s % SECONDS_PER_DAY));
}

static MatterError
time_decode(const ASN1_TIME *t, bool not_after, uint32_t *epoch_s)
{
  ASN1_TIME *epoch = ASN1_TIME_adj(NULL, (time_t) MATTER_CERT_EPOCH_UNIX_OFFSET, 0, 0);
  ASN1_TIME *again = NULL;
  int days, secs;
  int64_t total;
  MatterError err = MATTER_ERROR_CERT_VALIDITY;

  if (epoch == NULL)
    return fail(MATTER_ERROR_NO_MEMORY);
  if (ASN1_TIME_diff(&days, &secs, epoch, t) != 1)
    goto out;
  total = (int64_t) days * SECONDS_PER_DAY + secs;
  if (not_after && total == NO_EXPIRY_UNIX - (int64_t) MATTER_CERT_EPOCH_UNIX_OFFSET)
    *epoch_s = MATTER_CERT_NO_EXPIRY;
  else if (total < 0 || total > UINT32_MAX || (not_after && total == MATTER_CERT_NO_EXPIRY))
    goto out; /* outside the Matter epoch, or the reserved 0 */
  else
    *epoch_s = (uint32_t) total;
  /* The type and the exact string must be what the TLV form gives back. */
  again = time_encode(*epoch_s, not_after);
  if (again != NULL && ASN1_STRING_cmp(again, t) == 0)
    err = MATTER_OK;
out:
  ASN1_TIME_free(epoch);
  ASN1_TIME_free(again);
  return err == MATTER_OK ? MATTER_OK : fail(err);
}

static MatterError
put_validity(DerBuf *b, const MatterCert *cert)
{
  X509_VAL *val = X509_VAL_new();
  unsigned char *der = NULL;
  MatterError err = MATTER_ERROR_NO_MEMORY;
  int len;

  if (val == NULL)
    return fail(err);
  ASN1_TIME_free(val->notBefore);
  ASN1_TIME_free(val->notAfter);
  val->notBefore = time_encode(cert->not_before, false);
  val->notAfter = time_encode(cert->not_after, true);
  if (val->notBefore != NULL && val->notAfter != NULL) {
    len = i2d_X509_VAL(val, &der);
    err = put_i2d(b, len, der);
  }
  X509_VAL_free(val);
  return err == MATTER_OK ? MATTER_OK : fail(err);
}

/* ---- Algorithms and keys --------------------------------------------- */

static MatterError
put_signature_algorithm(DerBuf *b)
{
  X509_ALGOR *alg = X509_ALGOR_new();
  unsigned char *der = NULL;
  MatterError err = MATTER_ERROR_NO_MEMORY;
  int len;

  /* ecdsa-with-SHA256 has no parameters (RFC 5758 3.2). */
  if (alg != NULL && X509_ALGOR_set0(alg, OBJ_nid2obj(NID_ecdsa_with_SHA256), V_ASN1_UNDEF, NULL)) {
    len = i2d_X509_ALGOR(alg, &der);
    err = put_i2d(b, len, der);
  }
  X509_ALGOR_free(alg);
  return err == MATTER_OK ? MATTER_OK : fail(err);
}

static bool
is_ecdsa_sha256(const X509_ALGOR *alg)
{
  const ASN1_OBJECT *obj;
  int ptype;

  X509_ALGOR_get0(&obj, &ptype, NULL, alg);
  return OBJ_obj2nid(obj) == NID_ecdsa_with_SHA256 && ptype == V_ASN1_UNDEF;
}

static MatterError
put_public_key(DerBuf *b, const uint8_t *key)
{
  X509_PUBKEY *pub = X509_PUBKEY_new();
  unsigned char *point = OPENSSL_memdup(key, MATTER_P256_PUBLIC_KEY_LEN);
  unsigned char *der = NULL;
  MatterError err = MATTER_ERROR_NO_MEMORY;
  int len;

  /* id-ecPublicKey with the prime256v1 named curve (RFC 5480), the point
   * as it is: the bytes go into the BIT STRING unchanged. */
  if (pub != NULL && point != NULL &&
      X509_PUBKEY_set0_param(pub, OBJ_nid2obj(NID_X9_62_id_ecPublicKey), V_ASN1_OBJECT,
                             OBJ_nid2obj(NID_X9_62_prime256v1), point,
                             MATTER_P256_PUBLIC_KEY_LEN)) {
    point = NULL;
    len = i2d_X509_PUBKEY(pub, &der);
    err = put_i2d(b, len, der);
  }
  OPENSSL_free(point);
  X509_PUBKEY_free(pub);
  return err == MATTER_OK ? MATTER_OK : fail(err);
}

/* ---- Extensions ------------------------------------------------------ */

static const int key_purpose_nids[] = {
  [MATTER_CERT_KEY_PURPOSE_SERVER_AUTH] = NID_server_auth,
  [MATTER_CERT_KEY_PURPOSE_CLIENT_AUTH] = NID_client_auth,
  [MATTER_CERT_KEY_PURPOSE_CODE_SIGNING] = NID_code_sign,
  [MATTER_CERT_KEY_PURPOSE_EMAIL_PROTECTION] = NID_email_protect,
  [MATTER_CERT_KEY_PURPOSE_TIME_STAMPING] = NID_time_stamp,
  [MATTER_CERT_KEY_PURPOSE_OCSP_SIGNING] = NID_OCSP_sign,
};

#define KEY_USAGE_BITS 9

static MatterCertExtKind
ext_kind_by_nid(int nid)
{
  switch (nid) {
  case NID_basic_constraints:
    return MATTER_CERT_EXT_BASIC_CONSTRAINTS;
  case NID_key_usage:
    return MATTER_CERT_EXT_KEY_USAGE;
  case NID_ext_key_usage:
    return MATTER_CERT_EXT_EXTENDED_KEY_USAGE;
  case NID_subject_key_identifier:
    return MATTER_CERT_EXT_SUBJECT_KEY_ID;
  case NID_authority_key_identifier:
    return MATTER_CERT_EXT_AUTHORITY_KEY_ID;
  default:
    return MATTER_CERT_EXT_FUTURE;
  }
}

/* Basic constraints, key usage and extended key usage are critical, the
 * key identifiers not (6.5.11.1-5). */
static bool
ext_kind_critical(MatterCertExtKind kind)
{
  return kind == MATTER_CERT_EXT_BASIC_CONSTRAINTS || kind == MATTER_CERT_EXT_KEY_USAGE ||
         kind == MATTER_CERT_EXT_EXTENDED_KEY_USAGE;
}

static X509_EXTENSION *
make_basic_constraints(const MatterCert *cert)
{
  BASIC_CONSTRAINTS *bc = BASIC_CONSTRAINTS_new();
  X509_EXTENSION *ext = NULL;

  if (bc == NULL)
    return NULL;
  bc->ca = cert->is_ca ? 0xff : 0;
  if (cert->has_path_len) {
    bc->pathlen = ASN1_INTEGER_new();
    if (bc->pathlen == NULL || !ASN1_INTEGER_set(bc->pathlen, cert->path_len))
      goto out;
  }
  ext = X509V3_EXT_i2d(NID_basic_constraints, 1, bc);
out:
  BASIC_CONSTRAINTS_free(bc);
  return ext;
}

static X509_EXTENSION *
make_key_usage(const MatterCert *cert)
{
  ASN1_BIT_STRING *bits = ASN1_BIT_STRING_new();
  X509_EXTENSION *ext = NULL;

  if (bits == NULL)
    return NULL;
  /* Flag 1 << n is KeyUsage bit n; OpenSSL trims the trailing zero bits
   * as DER requires for a named bit list. */
  for (int i = 0; i < KEY_USAGE_BITS; i++) {
    if ((cert->key_usage & (1u << i)) != 0 && !ASN1_BIT_STRING_set_bit(bits, i, 1))
      goto out;
  }
  ext = X509V3_EXT_i2d(NID_key_usage, 1, bits);
out:
  ASN1_BIT_STRING_free(bits);
  return ext;
}

static X509_EXTENSION *
make_extended_key_usage(const MatterCert *cert)
{
  EXTENDED_KEY_USAGE *eku = sk_ASN1_OBJECT_new_null();
  X509_EXTENSION *ext = NULL;

  if (eku == NULL)
    return NULL;
  for (size_t i = 0; i < cert->key_purpose_count; i++) {
    if (!sk_ASN1_OBJECT_push(eku, OBJ_nid2obj(key_purpose_nids[cert->key_purposes[i]])))
      goto out;
  }
  ext = X509V3_EXT_i2d(NID_ext_key_usage, 1, eku);
out:
  /* The objects are OpenSSL's static ones. */
  sk_ASN1_OBJECT_free(eku);
  return ext;
}

static X509_EXTENSION *
make_key_id(int nid, const uint8_t *id)
{
  ASN1_OCTET_STRING *octets = ASN1_OCTET_STRING_new();
  AUTHORITY_KEYID *akid = NULL;
  X509_EXTENSION *ext = NULL;

  if (octets == NULL || !ASN1_OCTET_STRING_set(octets, id, MATTER_CERT_KEY_ID_LEN))
    goto out;
  if (nid == NID_subject_key_identifier) {
    ext = X509V3_EXT_i2d(nid, 0, octets);
    goto out;
  }
  /* Key identifier only: Matter has no issuer and serial here (6.5.11.5). */
  akid = AUTHORITY_KEYID_new();
  if (akid == NULL)
    goto out;
  akid->keyid = octets;
  octets = NULL;
  ext = X509V3_EXT_i2d(nid, 0, akid);
out:
  ASN1_OCTET_STRING_free(octets);
  AUTHORITY_KEYID_free(akid);
  return ext;
}

/* A future extension is the DER of an Extension to take as it is: it must
 * parse, come back unchanged, and not be one of the kinds Matter maps. */
static MatterError
parse_future(const MatterCertExt *e, X509_EXTENSION **out)
{
  const unsigned char *p = e->der;
  X509_EXTENSION *ext;
  unsigned char *again = NULL;
  int len;

  if (e->der == NULL || e->der_len > DER_SCRATCH)
    return MATTER_ERROR_CERT_EXTENSION;
  ext = d2i_X509_EXTENSION(NULL, &p, (long) e->der_len);
  if (ext == NULL)
    return fail(MATTER_ERROR_CERT_EXTENSION);
  len = i2d_X509_EXTENSION(ext, &again);
  if (p != e->der + e->der_len || len != (int) e->der_len ||
      memcmp(again, e->der, e->der_len) != 0 ||
      ext_kind_by_nid(OBJ_obj2nid(X509_EXTENSION_get_object(ext))) != MATTER_CERT_EXT_FUTURE) {
    OPENSSL_free(again);
    X509_EXTENSION_free(ext);
    return fail(MATTER_ERROR_CERT_EXTENSION);
  }
  OPENSSL_free(again);
  *out = ext;
  return MATTER_OK;
}

static MatterError
make_ext(const MatterCert *cert, const MatterCertExt *e, X509_EXTENSION **out)
{
  switch (e->kind) {
  case MATTER_CERT_EXT_BASIC_CONSTRAINTS:
    *out = make_basic_constraints(cert);
    break;
  case MATTER_CERT_EXT_KEY_USAGE:
    *out = make_key_usage(cert);
    break;
  case MATTER_CERT_EXT_EXTENDED_KEY_USAGE:
    *out = make_extended_key_usage(cert);
    break;
  case MATTER_CERT_EXT_SUBJECT_KEY_ID:
    *out = make_key_id(NID_subject_key_identifier, cert->subject_key_id);
    break;
  case MATTER_CERT_EXT_AUTHORITY_KEY_ID:
    *out = make_key_id(NID_authority_key_identifier, cert->authority_key_id);
    break;
  case MATTER_CERT_EXT_FUTURE:
    return parse_future(e, out);
  default:
    return MATTER_ERROR_CERT_EXTENSION;
  }
  return *out != NULL ? MATTER_OK : fail(MATTER_ERROR_NO_MEMORY);
}

/* RFC 5280 4.2: no extension appears twice. */
static bool
exts_unique(const STACK_OF(X509_EXTENSION) * exts)
{
  int n = sk_X509_EXTENSION_num(exts);

  for (int i = 0; i < n; i++) {
    for (int j = i + 1; j < n; j++) {
      if (OBJ_cmp(X509_EXTENSION_get_object(sk_X509_EXTENSION_value(exts, i)),
                  X509_EXTENSION_get_object(sk_X509_EXTENSION_value(exts, j))) == 0)
        return false;
    }
  }
  return true;
}

/* [3] EXPLICIT Extensions */
static MatterError
put_extensions(DerBuf *b, const MatterCert *cert)
{
  STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
  unsigned char *der = NULL;
  MatterError err = MATTER_OK;
  int len;

  if (exts == NULL)
    return fail(MATTER_ERROR_NO_MEMORY);
  for (size_t i = 0; err == MATTER_OK && i < cert->ext_count; i++) {
    X509_EXTENSION *ext = NULL;

    err = make_ext(cert, &cert->exts[i], &ext);
    if (err == MATTER_OK && !sk_X509_EXTENSION_push(exts, ext)) {
      X509_EXTENSION_free(ext);
      err = fail(MATTER_ERROR_NO_MEMORY);
    }
  }
  if (err == MATTER_OK && !exts_unique(exts))
    err = MATTER_ERROR_CERT_EXTENSION;
  if (err == MATTER_OK) {
    len = i2d_X509_EXTENSIONS(exts, &der);
    if (len > 0)
      put_header(b, true, (size_t) len, 3, V_ASN1_CONTEXT_SPECIFIC);
    err = put_i2d(b, len, der);
  }
  sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
  return err;
}

/* ---- Certificate ----------------------------------------------------- */

static MatterError
put_version(DerBuf *b)
{
  ASN1_INTEGER *v3 = ASN1_INTEGER_new();
  unsigned char *der = NULL;
  MatterError err = MATTER_ERROR_NO_MEMORY;
  int len;

  /* [0] EXPLICIT Version: v3 is 2. */
  if (v3 != NULL && ASN1_INTEGER_set(v3, X509_VERSION_3)) {
    len = i2d_ASN1_INTEGER(v3, &der);
    if (len > 0)
      put_header(b, true, (size_t) len, 0, V_ASN1_CONTEXT_SPECIFIC);
    err = put_i2d(b, len, der);
  }
  ASN1_INTEGER_free(v3);
  return err == MATTER_OK ? MATTER_OK : fail(err);
}

static MatterError
encode_tbs(const MatterCert *cert, DerBuf *tbs)
{
  DerBuf body = { .len = 0 };
  MatterError err = matter_cert_check_format(cert);

  if (err == MATTER_OK)
    err = put_version(&body);
  if (err == MATTER_OK) {
    /* The TLV serial is the INTEGER's contents, minimal as DER wants. */
    put_header(&body, false, cert->serial_len, V_ASN1_INTEGER, V_ASN1_UNIVERSAL);
    put_bytes(&body, cert->serial, cert->serial_len);
    err = put_signature_algorithm(&body);
  }
  if (err == MATTER_OK)
    err = put_dn(&body, &cert->issuer);
  if (err == MATTER_OK)
    err = put_validity(&body, cert);
  if (err == MATTER_OK)
    err = put_dn(&body, &cert->subject);
  if (err == MATTER_OK)
    err = put_public_key(&body, cert->public_key);
  if (err == MATTER_OK)
    err = put_extensions(&body, cert);
  if (err != MATTER_OK)
    return err;
  put_header(tbs, true, body.len, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL);
  put_bytes(tbs, body.data, body.len);
  if (body.overflow || tbs->overflow || tbs->len > MATTER_CERT_MAX_DER_LEN)
    return MATTER_ERROR_CERT_TOO_LARGE;
  return MATTER_OK;
}

/* Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm,
 * signatureValue BIT STRING }. Where the TBS lies in @out, for verifying. */
static MatterError
encode_cert(const MatterCert *cert, DerBuf *out, size_t *tbs_off, size_t *tbs_len)
{
  DerBuf tbs = { .len = 0 }, body = { .len = 0 };
  uint8_t sig[MATTER_P256_DER_SIGNATURE_MAX];
  static const uint8_t no_unused_bits = 0;
  size_t sig_len;
  MatterError err;

  if (cert == NULL || cert->signature == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  err = encode_tbs(cert, &tbs);
  if (err == MATTER_OK)
    err = matter_ecdsa_raw_to_der(cert->signature, sig, sizeof(sig), &sig_len);
  if (err == MATTER_OK) {
    put_bytes(&body, tbs.data, tbs.len);
    err = put_signature_algorithm(&body);
  }
  if (err != MATTER_OK)
    return err;
  put_header(&body, false, sig_len + 1, V_ASN1_BIT_STRING, V_ASN1_UNIVERSAL);
  put_bytes(&body, &no_unused_bits, 1);
  put_bytes(&body, sig, sig_len);
  put_header(out, true, body.len, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL);
  *tbs_off = out->len;
  *tbs_len = tbs.len;
  put_bytes(out, body.data, body.len);
  if (body.overflow || out->overflow || out->len > MATTER_CERT_MAX_DER_LEN)
    return MATTER_ERROR_CERT_TOO_LARGE;
  return MATTER_OK;
}

static MatterError
copy_out(const DerBuf *b, uint8_t *buf, size_t size, size_t *len)
{
  if (b->len > size)
    return MATTER_ERROR_BUFFER_TOO_SMALL;
  memcpy(buf, b->data, b->len);
  *len = b->len;
  return MATTER_OK;
}

MatterError
matter_cert_encode_tbs(const MatterCert *cert, uint8_t *buf, size_t size, size_t *len)
{
  DerBuf tbs = { .len = 0 };
  MatterError err;

  if (cert == NULL || len == NULL || (buf == NULL && size > 0))
    return MATTER_ERROR_INVALID_ARGUMENT;
  err = encode_tbs(cert, &tbs);
  return err == MATTER_OK ? copy_out(&tbs, buf, size, len) : err;
}

MatterError
matter_cert_encode_der(const MatterCert *cert, uint8_t *buf, size_t size, size_t *len)
{
  DerBuf der = { .len = 0 };
  size_t tbs_off, tbs_len;
  MatterError err;

  if (cert == NULL || len == NULL || (buf == NULL && size > 0))
    return MATTER_ERROR_INVALID_ARGUMENT;
  err = encode_cert(cert, &der, &tbs_off, &tbs_len);
  return err == MATTER_OK ? copy_out(&der, buf, size, len) : err;
}

MatterError
matter_cert_tlv_to_der(const uint8_t *tlv, size_t tlv_len, uint8_t *der, size_t size,
                       size_t *der_len)
{
  MatterCert cert;
  MatterError err = matter_cert_decode(tlv, tlv_len, &cert);

  if (err != MATTER_OK)
    return err;
  return matter_cert_encode_der(&cert, der, size, der_len);
}

MatterError
matter_cert_verify(const MatterCert *cert, const uint8_t issuer_key[MATTER_P256_PUBLIC_KEY_LEN])
{
  DerBuf der = { .len = 0 };
  size_t tbs_off, tbs_len;
  MatterError err;

  if (cert == NULL || issuer_key == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  /* The whole certificate, so that the 600-byte limit applies too. */
  err = encode_cert(cert, &der, &tbs_off, &tbs_len);
  if (err != MATTER_OK)
    return err;
  return matter_ecdsa_verify_raw(issuer_key, der.data + tbs_off, tbs_len, cert->signature);
}

MatterError
matter_cert_key_id(const uint8_t key[MATTER_P256_PUBLIC_KEY_LEN],
                   uint8_t id[MATTER_CERT_KEY_ID_LEN])
{
  if (key == NULL || id == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  /* SHA-1 of the subjectPublicKey BIT STRING's bits (RFC 5280 4.2.1.2). */
  if (EVP_Digest(key, MATTER_P256_PUBLIC_KEY_LEN, id, NULL, EVP_sha1(), NULL) != 1)
    return fail(MATTER_ERROR_CRYPTO);
  return MATTER_OK;
}

/* ---- From DER -------------------------------------------------------- */

/* A certificate decoded from DER: MatterCert points into the X509 and the
 * buffers here. */
typedef struct {
  X509 *x509;
  MatterCert cert;
  uint8_t serial[MATTER_CERT_MAX_SERIAL_LEN + 2]; /* the INTEGER, header included */
  uint8_t subject_key_id[MATTER_CERT_KEY_ID_LEN];
  uint8_t authority_key_id[MATTER_CERT_KEY_ID_LEN];
  uint8_t signature[MATTER_P256_SIGNATURE_LEN];
  unsigned char *future[MATTER_CERT_MAX_EXTENSIONS];
} FromDer;

static void
from_der_clear(FromDer *d)
{
  X509_free(d->x509);
  for (size_t i = 0; i < MATTER_CERT_MAX_EXTENSIONS; i++)
    OPENSSL_free(d->future[i]);
}

static MatterError
map_basic_constraints(const uint8_t *data, size_t len, MatterCert *cert)
{
  BASIC_CONSTRAINTS *bc;
  MatterError err = MATTER_OK;
  const unsigned char *p = data;
  int64_t path_len;

  bc = d2i_BASIC_CONSTRAINTS(NULL, &p, (long) len);
  if (bc == NULL || p != data + len) {
    BASIC_CONSTRAINTS_free(bc);
    return fail(MATTER_ERROR_CERT_EXTENSION);
  }
  cert->is_ca = bc->ca != 0;
  if (bc->pathlen != NULL) {
    if (ASN1_INTEGER_get_int64(&path_len, bc->pathlen) && path_len >= 0 && path_len <= UINT8_MAX) {
      cert->has_path_len = true;
      cert->path_len = (uint8_t) path_len;
    } else {
      err = MATTER_ERROR_CERT_EXTENSION;
    }
  }
  BASIC_CONSTRAINTS_free(bc);
  return err == MATTER_OK ? MATTER_OK : fail(err);
}

static MatterError
map_key_usage(const uint8_t *data, size_t len, MatterCert *cert)
{
  const unsigned char *p = data;
  ASN1_BIT_STRING *bits = d2i_ASN1_BIT_STRING(NULL, &p, (long) len);
  MatterError err = MATTER_OK;

  if (bits == NULL || p != data + len) {
    ASN1_BIT_STRING_free(bits);
    return fail(MATTER_ERROR_CERT_EXTENSION);
  }
  cert->key_usage = 0;
  for (int i = 0; i < ASN1_STRING_length(bits) * 8; i++) {
    if (!ASN1_BIT_STRING_get_bit(bits, i))
      continue;
    if (i >= KEY_USAGE_BITS) {
      err = MATTER_ERROR_CERT_EXTENSION;
      break;
    }
    cert->key_usage |= (uint16_t) (1u << i);
  }
  ASN1_BIT_STRING_free(bits);
  return err;
}

static MatterError
map_extended_key_usage(const uint8_t *data, size_t len, MatterCert *cert)
{
  const unsigned char *p = data;
  EXTENDED_KEY_USAGE *eku = d2i_EXTENDED_KEY_USAGE(NULL, &p, (long) len);
  MatterError err = MATTER_OK;
  int n;

  if (eku == NULL || p != data + len) {
    sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
    return fail(MATTER_ERROR_CERT_EXTENSION);
  }
  n = sk_ASN1_OBJECT_num(eku);
  if (n > MATTER_CERT_MAX_KEY_PURPOSES)
    err = MATTER_ERROR_CERT_EXTENSION;
  for (int i = 0; err == MATTER_OK && i < n; i++) {
    int nid = OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, i));
    uint8_t purpose = 0;

    for (uint8_t k = MATTER_CERT_KEY_PURPOSE_SERVER_AUTH; k <= MATTER_CERT_KEY_PURPOSE_OCSP_SIGNING;
         k++) {
      if (key_purpose_nids[k] == nid)
        purpose = k;
    }
    if (purpose == 0)
      err = MATTER_ERROR_CERT_EXTENSION;
    else
      cert->key_purposes[cert->key_purpose_count++] = purpose;
  }
  sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
  return err;
}

static MatterError
map_subject_key_id(const uint8_t *data, size_t len, FromDer *d)
{
  const unsigned char *p = data;
  ASN1_OCTET_STRING *id = d2i_ASN1_OCTET_STRING(NULL, &p, (long) len);
  MatterError err = MATTER_ERROR_CERT_EXTENSION;

  if (id != NULL && p == data + len && ASN1_STRING_length(id) == MATTER_CERT_KEY_ID_LEN) {
    memcpy(d->subject_key_id, ASN1_STRING_get0_data(id), MATTER_CERT_KEY_ID_LEN);
    d->cert.subject_key_id = d->subject_key_id;
    err = MATTER_OK;
  }
  ASN1_OCTET_STRING_free(id);
  return err == MATTER_OK ? MATTER_OK : fail(err);
}

static MatterError
map_authority_key_id(const uint8_t *data, size_t len, FromDer *d)
{
  const unsigned char *p = data;
  AUTHORITY_KEYID *akid = d2i_AUTHORITY_KEYID(NULL, &p, (long) len);
  MatterError err = MATTER_ERROR_CERT_EXTENSION;

  /* A key identifier and nothing else (6.5.11.5). */
  if (akid != NULL && p == data + len && akid->keyid != NULL && akid->issuer == NULL &&
      akid->serial == NULL && ASN1_STRING_length(akid->keyid) == MATTER_CERT_KEY_ID_LEN) {
    memcpy(d->authority_key_id, ASN1_STRING_get0_data(akid->keyid), MATTER_CERT_KEY_ID_LEN);
    d->cert.authority_key_id = d->authority_key_id;
    err = MATTER_OK;
  }
  AUTHORITY_KEYID_free(akid);
  return err == MATTER_OK ? MATTER_OK : fail(err);
}

static MatterError
map_ext(FromDer *d, X509_EXTENSION *ext)
{
  MatterCert *cert = &d->cert;
  MatterCertExtKind kind = ext_kind_by_nid(OBJ_obj2nid(X509_EXTENSION_get_object(ext)));
  const ASN1_OCTET_STRING *value = X509_EXTENSION_get_data(ext);
  const uint8_t *data = ASN1_STRING_get0_data(value);
  size_t len = (size_t) ASN1_STRING_length(value);
  MatterCertExt *e;
  int der_len;

  if (cert->ext_count == MATTER_CERT_MAX_EXTENSIONS)
    return MATTER_ERROR_CERT_EXTENSION;
  for (size_t i = 0; kind != MATTER_CERT_EXT_FUTURE && i < cert->ext_count; i++) {
    if (cert->exts[i].kind == kind)
      return MATTER_ERROR_CERT_EXTENSION;
  }
  if (kind != MATTER_CERT_EXT_FUTURE &&
      (X509_EXTENSION_get_critical(ext) != 0) != ext_kind_critical(kind))
    return MATTER_ERROR_CERT_EXTENSION_CRITICAL;
  e = &cert->exts[cert->ext_count];
  e->kind = kind;
  cert->ext_count++;
  switch (kind) {
  case MATTER_CERT_EXT_BASIC_CONSTRAINTS:
    return map_basic_constraints(data, len, cert);
  case MATTER_CERT_EXT_KEY_USAGE:
    return map_key_usage(data, len, cert);
  case MATTER_CERT_EXT_EXTENDED_KEY_USAGE:
    return map_extended_key_usage(data, len, cert);
  case MATTER_CERT_EXT_SUBJECT_KEY_ID:
    return map_subject_key_id(data, len, d);
  case MATTER_CERT_EXT_AUTHORITY_KEY_ID:
    return map_authority_key_id(data, len, d);
  default:
    /* Carried whole; the round trip checks it was DER. */
    der_len = i2d_X509_EXTENSION(ext, &d->future[cert->ext_count - 1]);
    if (der_len <= 0)
      return fail(MATTER_ERROR_NO_MEMORY);
    e->der = d->future[cert->ext_count - 1];
    e->der_len = (size_t) der_len;
    return MATTER_OK;
  }
}

static MatterError
map_name(const X509_NAME *name, MatterCertDn *dn)
{
  const unsigned char *der;
  size_t len;

  /* The encoding as received, so that strings point into it. */
  if (X509_NAME_get0_der(name, &der, &len) != 1)
    return fail(MATTER_ERROR_CERT_FORMAT);
  return matter_cert_dn_decode_der(der, len, dn);
}

static MatterError
map_public_key(FromDer *d)
{
  X509_PUBKEY *pub = X509_get_X509_PUBKEY(d->x509);
  ASN1_OBJECT *alg;
  X509_ALGOR *params;
  const unsigned char *point;
  const void *curve;
  int point_len, ptype;

  if (pub == NULL || !X509_PUBKEY_get0_param(&alg, &point, &point_len, &params, pub))
    return fail(MATTER_ERROR_CERT_FORMAT);
  X509_ALGOR_get0(NULL, &ptype, &curve, params);
  if (OBJ_obj2nid(alg) != NID_X9_62_id_ecPublicKey || ptype != V_ASN1_OBJECT ||
      OBJ_obj2nid(curve) != NID_X9_62_prime256v1 || point_len != MATTER_P256_PUBLIC_KEY_LEN ||
      point[0] != UNCOMPRESSED_POINT)
    return MATTER_ERROR_CERT_KEY_TYPE;
  d->cert.public_key = point;
  return MATTER_OK;
}

static MatterError
map_serial(FromDer *d)
{
  const ASN1_INTEGER *serial = X509_get0_serialNumber(d->x509);
  unsigned char *p = d->serial;
  int len = i2d_ASN1_INTEGER(serial, NULL);

  /* RFC 5280 4.1.2.2 and 6.5.4: at most 20 octets. */
  if (len <= 2 || (size_t) len > sizeof(d->serial))
    return fail(MATTER_ERROR_CERT_UNSUPPORTED);
  if (i2d_ASN1_INTEGER(serial, &p) != len)
    return fail(MATTER_ERROR_NO_MEMORY);
  d->cert.serial = d->serial + 2;
  d->cert.serial_len = (size_t) len - 2;
  return MATTER_OK;
}

static MatterError
map_extensions(FromDer *d)
{
  const STACK_OF(X509_EXTENSION) *exts = X509_get0_extensions(d->x509);
  int n = sk_X509_EXTENSION_num(exts);
  MatterError err = MATTER_OK;

  /* The TLV form has at least one extension. */
  if (n <= 0)
    return MATTER_ERROR_CERT_UNSUPPORTED;
  for (int i = 0; err == MATTER_OK && i < n; i++)
    err = map_ext(d, sk_X509_EXTENSION_value(exts, i));
  return err;
}

static MatterError
map_signature(FromDer *d)
{
  const ASN1_BIT_STRING *sig;
  const X509_ALGOR *alg;

  X509_get0_signature(&sig, &alg, d->x509);
  if (!is_ecdsa_sha256(alg) || !is_ecdsa_sha256(X509_get0_tbs_sigalg(d->x509)))
    return MATTER_ERROR_CERT_SIGNATURE_ALGORITHM;
  if (matter_ecdsa_der_to_raw(ASN1_STRING_get0_data(sig), (size_t) ASN1_STRING_length(sig),
                              d->signature) != MATTER_OK)
    return fail(MATTER_ERROR_CERT_FORMAT);
  d->cert.signature = d->signature;
  return MATTER_OK;
}

static MatterError
from_der(FromDer *d, const uint8_t *der, size_t len)
{
  const unsigned char *p = der;
  const ASN1_BIT_STRING *issuer_uid, *subject_uid;
  MatterError err;

  d->x509 = d2i_X509(NULL, &p, (long) len);
  if (d->x509 == NULL || p != der + len)
    return fail(MATTER_ERROR_CERT_FORMAT);
  if (X509_get_version(d->x509) != X509_VERSION_3)
    return MATTER_ERROR_CERT_UNSUPPORTED;
  X509_get0_uids(d->x509, &issuer_uid, &subject_uid);
  if (issuer_uid != NULL || subject_uid != NULL)
    return MATTER_ERROR_CERT_UNSUPPORTED;
  err = map_signature(d);
  if (err == MATTER_OK)
    err = map_serial(d);
  if (err == MATTER_OK)
    err = map_name(X509_get_issuer_name(d->x509), &d->cert.issuer);
  if (err == MATTER_OK)
    err = time_decode(X509_get0_notBefore(d->x509), false, &d->cert.not_before);
  if (err == MATTER_OK)
    err = time_decode(X509_get0_notAfter(d->x509), true, &d->cert.not_after);
  if (err == MATTER_OK)
    err = map_name(X509_get_subject_name(d->x509), &d->cert.subject);
  if (err == MATTER_OK)
    err = map_public_key(d);
  if (err == MATTER_OK)
    err = map_extensions(d);
  return err;
}

MatterError
matter_cert_der_to_tlv(const uint8_t *der, size_t der_len, uint8_t *tlv, size_t size,
                       size_t *tlv_len)
{
  FromDer *d;
  MatterCert back;
  DerBuf again = { .len = 0 };
  size_t n, tbs_off, tbs_len;
  MatterError err;

  if (der == NULL || tlv_len == NULL || (tlv == NULL && size > 0))
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (der_len > MATTER_CERT_MAX_DER_LEN)
    return MATTER_ERROR_CERT_TOO_LARGE;
  d = OPENSSL_zalloc(sizeof(*d));
  if (d == NULL)
    return fail(MATTER_ERROR_NO_MEMORY);
  err = from_der(d, der, der_len);
  if (err == MATTER_OK)
    err = matter_cert_encode(&d->cert, tlv, size, &n);
  from_der_clear(d);
  OPENSSL_free(d);
  if (err != MATTER_OK)
    return fail(err);

  /* Only a certificate that the TLV form gives back byte for byte has a
   * TLV form: anything else would not verify after conversion. */
  err = matter_cert_decode(tlv, n, &back);
  if (err == MATTER_OK)
    err = encode_cert(&back, &again, &tbs_off, &tbs_len);
  if (err != MATTER_OK)
    return fail(err);
  if (again.len != der_len || memcmp(again.data, der, der_len) != 0)
    return MATTER_ERROR_CERT_UNSUPPORTED;
  *tlv_len = n;
  return MATTER_OK;
}
