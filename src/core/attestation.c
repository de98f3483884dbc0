/* SPDX-License-Identifier: Apache-2.0 */
/* Device attestation: the DAC/PAI/PAA rules (Core spec 6.2.2), chain
 * validation (6.2.3.1), development credentials, and the attestation
 * elements with their signature (11.18.5.5). */
#include "matter/attestation.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "attestation-private.h"
#include "matter/tlv.h"

#define P256_GROUP_NAME "prime256v1"
#define OID_VENDOR_ID "1.3.6.1.4.1.37244.2.1"
#define OID_PRODUCT_ID "1.3.6.1.4.1.37244.2.2"
#define FALLBACK_VENDOR_ID "Mvid:"
#define FALLBACK_PRODUCT_ID "Mpid:"
#define FALLBACK_PREFIX_LEN 5
#define ID_HEX_LEN 4
#define NO_EXPIRY_TIME "99991231235959Z"
#define PEM_PREFIX "-----BEGIN "
#define KU_CA (KU_KEY_CERT_SIGN | KU_CRL_SIGN)

/* Attestation elements tags (Core spec 11.18.5.5). */
enum {
  TAG_CERTIFICATION_DECLARATION = 1,
  TAG_ATTESTATION_NONCE = 2,
  TAG_TIMESTAMP = 3,
  TAG_FIRMWARE_INFORMATION = 4,
};

/* ---- Shared OpenSSL helpers ------------------------------------------ */

MatterError
matter_attestation_fail(MatterError err)
{
  ERR_clear_error();
  return err;
}

BIO *
matter_attestation_bio_new(const uint8_t *data, size_t len)
{
  static const uint8_t empty[1];

  if (len > INT_MAX)
    return NULL;
  return BIO_new_mem_buf(data != NULL ? data : empty, (int) len);
}

bool
matter_attestation_is_pem(const uint8_t *data, size_t len)
{
  size_t i = 0;

  while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
    i++;
  return len - i >= strlen(PEM_PREFIX) && memcmp(data + i, PEM_PREFIX, strlen(PEM_PREFIX)) == 0;
}

X509 *
matter_attestation_x509_parse(const uint8_t *data, size_t len)
{
  X509 *x509 = NULL;

  if (data == NULL || len == 0 || len > INT_MAX)
    return NULL;
  if (matter_attestation_is_pem(data, len)) {
    BIO *bio = matter_attestation_bio_new(data, len);

    if (bio != NULL)
      x509 = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    BIO_free(bio);
  } else {
    const unsigned char *p = data;

    x509 = d2i_X509(NULL, &p, (long) len);
    if (x509 != NULL && p != data + len) {
      X509_free(x509);
      x509 = NULL;
    }
  }
  return x509;
}

/* OpenSSL 3.0 has no OSSL_PARAM_clear_free(). */
static void
wipe_params(OSSL_PARAM *params)
{
  OSSL_PARAM *priv = params != NULL ? OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_PRIV_KEY) : NULL;

  if (priv != NULL && priv->data != NULL)
    OPENSSL_cleanse(priv->data, priv->data_size);
}

EVP_PKEY *
matter_attestation_pkey_new(const MatterP256Key *key)
{
  uint8_t pub[MATTER_P256_PUBLIC_KEY_LEN], priv[MATTER_P256_PRIVATE_KEY_LEN];
  OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM *params = NULL;
  EVP_PKEY_CTX *ctx = NULL;
  EVP_PKEY *pkey = NULL;
  BIGNUM *bn = NULL;
  bool has_private;

  if (bld == NULL || key == NULL || matter_p256_export_public(key, pub) != MATTER_OK)
    goto out;
  has_private = matter_p256_export_private(key, priv) == MATTER_OK;
  if (has_private && (bn = BN_secure_new()) != NULL && BN_bin2bn(priv, sizeof(priv), bn) == NULL) {
    BN_clear_free(bn);
    bn = NULL;
  }
  OPENSSL_cleanse(priv, sizeof(priv));
  if (has_private && bn == NULL)
    goto out;
  if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, P256_GROUP_NAME, 0) ||
      !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof(pub)) ||
      (bn != NULL && !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, bn)))
    goto out;
  params = OSSL_PARAM_BLD_to_param(bld);
  ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
  if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
      EVP_PKEY_fromdata(ctx, &pkey, has_private ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params) !=
          1)
    pkey = NULL;
out:
  EVP_PKEY_CTX_free(ctx);
  wipe_params(params);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  BN_clear_free(bn);
  ERR_clear_error();
  return pkey;
}

MatterError
matter_attestation_pkey_public(const EVP_PKEY *pkey, uint8_t pub[MATTER_P256_PUBLIC_KEY_LEN])
{
  char group[32];
  size_t len = 0;

  if (pkey == NULL || !EVP_PKEY_is_a(pkey, "EC") ||
      EVP_PKEY_get_group_name(pkey, group, sizeof(group), NULL) != 1 ||
      strcmp(group, P256_GROUP_NAME) != 0 ||
      EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, pub,
                                      MATTER_P256_PUBLIC_KEY_LEN, &len) != 1 ||
      len != MATTER_P256_PUBLIC_KEY_LEN || pub[0] != 0x04)
    return matter_attestation_fail(MATTER_ERROR_INVALID_KEY);
  return MATTER_OK;
}

MatterError
matter_attestation_bio_copy(BIO *bio, uint8_t *out, size_t size, size_t *len)
{
  char *data = NULL;
  long n = BIO_get_mem_data(bio, &data);

  if (n < 0)
    return matter_attestation_fail(MATTER_ERROR_CRYPTO);
  if ((size_t) n > size)
    return MATTER_ERROR_BUFFER_TOO_SMALL;
  if (n > 0)
    memcpy(out, data, (size_t) n);
  *len = (size_t) n;
  return MATTER_OK;
}

/* ---- Vendor and product ids in names (Core spec 6.2.2.2) ------------- */

typedef struct {
  unsigned vendor_ids, product_ids; /* how many the name has */
  uint16_t vendor_id, product_id;
  bool bad_vendor_id, bad_product_id;
} NameIds;

/* Exactly four upper-case hexadecimal digits. */
static bool
parse_hex4(const uint8_t *s, size_t len, uint16_t *value)
{
  uint16_t v = 0;

  if (len < ID_HEX_LEN)
    return false;
  for (size_t i = 0; i < ID_HEX_LEN; i++) {
    uint8_t c = s[i];

    if (c >= '0' && c <= '9')
      v = (uint16_t) (v << 4 | (c - '0'));
    else if (c >= 'A' && c <= 'F')
      v = (uint16_t) (v << 4 | (c - 'A' + 10));
    else
      return false;
  }
  *value = v;
  return true;
}

static void
count_id(unsigned *count, uint16_t *id, bool *bad, bool ok, uint16_t value)
{
  (*count)++;
  if (ok)
    *id = value;
  else
    *bad = true;
}

/* The preferred method: an attribute holding exactly "FFF1". */
static void
attribute_id(const ASN1_STRING *value, unsigned *count, uint16_t *id, bool *bad)
{
  int type = ASN1_STRING_type(value);
  uint16_t v = 0;
  bool ok = (type == V_ASN1_UTF8STRING || type == V_ASN1_PRINTABLESTRING) &&
            ASN1_STRING_length(value) == ID_HEX_LEN &&
            parse_hex4(ASN1_STRING_get0_data(value), ID_HEX_LEN, &v);

  count_id(count, id, bad, ok, v);
}

/* The fallback method: every "Mvid:" (or "Mpid:") in a common name. */
static void
fallback_ids(const ASN1_STRING *value, const char *prefix, unsigned *count, uint16_t *id, bool *bad)
{
  const uint8_t *s = ASN1_STRING_get0_data(value);
  size_t len = (size_t) ASN1_STRING_length(value);

  for (size_t i = 0; i + FALLBACK_PREFIX_LEN <= len; i++) {
    uint16_t v = 0;
    bool ok;

    if (memcmp(s + i, prefix, FALLBACK_PREFIX_LEN) != 0)
      continue;
    ok = parse_hex4(s + i + FALLBACK_PREFIX_LEN, len - i - FALLBACK_PREFIX_LEN, &v);
    count_id(count, id, bad, ok, v);
  }
}

static bool
object_is(const ASN1_OBJECT *object, const char *oid)
{
  char text[64];

  return OBJ_obj2txt(text, sizeof(text), object, 1) > 0 && strcmp(text, oid) == 0;
}

static void
name_ids(const X509_NAME *name, NameIds *ids)
{
  int n = X509_NAME_entry_count(name);
  bool preferred = false;

  memset(ids, 0, sizeof(*ids));
  for (int i = 0; i < n; i++) {
    const ASN1_OBJECT *object = X509_NAME_ENTRY_get_object(X509_NAME_get_entry(name, i));

    if (object_is(object, OID_VENDOR_ID) || object_is(object, OID_PRODUCT_ID))
      preferred = true;
  }
  /* Either method alone, never both in one name. */
  for (int i = 0; i < n; i++) {
    const X509_NAME_ENTRY *entry = X509_NAME_get_entry(name, i);
    const ASN1_OBJECT *object = X509_NAME_ENTRY_get_object(entry);
    const ASN1_STRING *value = X509_NAME_ENTRY_get_data(entry);

    if (preferred) {
      if (object_is(object, OID_VENDOR_ID))
        attribute_id(value, &ids->vendor_ids, &ids->vendor_id, &ids->bad_vendor_id);
      else if (object_is(object, OID_PRODUCT_ID))
        attribute_id(value, &ids->product_ids, &ids->product_id, &ids->bad_product_id);
    } else if (OBJ_obj2nid(object) == NID_commonName) {
      fallback_ids(value, FALLBACK_VENDOR_ID, &ids->vendor_ids, &ids->vendor_id,
                   &ids->bad_vendor_id);
      fallback_ids(value, FALLBACK_PRODUCT_ID, &ids->product_ids, &ids->product_id,
                   &ids->bad_product_id);
    }
  }
}

/* The vendor id rules of 6.2.2.3-5 for one certificate's names. */
static MatterError
check_vendor_ids(MatterAttestationRole role, const NameIds *subject, const NameIds *issuer)
{
  unsigned subject_min = role == MATTER_ATTESTATION_PAA ? 0 : 1;
  unsigned issuer_min = role == MATTER_ATTESTATION_DAC ? 1 : 0;

  if (subject->bad_vendor_id || issuer->bad_vendor_id || subject->vendor_ids > 1 ||
      issuer->vendor_ids > 1 || subject->vendor_ids < subject_min ||
      issuer->vendor_ids < issuer_min)
    return MATTER_ERROR_ATTESTATION_VENDOR_ID;
  if (subject->vendor_ids == 1 && issuer->vendor_ids == 1 &&
      subject->vendor_id != issuer->vendor_id)
    return MATTER_ERROR_ATTESTATION_VENDOR_ID;
  return MATTER_OK;
}

static MatterError
check_product_ids(MatterAttestationRole role, const NameIds *subject, const NameIds *issuer)
{
  switch (role) {
  case MATTER_ATTESTATION_DAC:
    if (subject->bad_product_id || issuer->bad_product_id || subject->product_ids != 1 ||
        issuer->product_ids > 1)
      return MATTER_ERROR_ATTESTATION_PRODUCT_ID;
    if (issuer->product_ids == 1 && subject->product_id != issuer->product_id)
      return MATTER_ERROR_ATTESTATION_PRODUCT_ID;
    return MATTER_OK;
  case MATTER_ATTESTATION_PAI:
    if (subject->bad_product_id || subject->product_ids > 1)
      return MATTER_ERROR_ATTESTATION_PRODUCT_ID;
    return MATTER_OK;
  case MATTER_ATTESTATION_PAA:
    if (subject->product_ids > 0 || issuer->product_ids > 0 || subject->bad_product_id ||
        issuer->bad_product_id)
      return MATTER_ERROR_ATTESTATION_PRODUCT_ID;
    return MATTER_OK;
  }
  return MATTER_ERROR_INVALID_ARGUMENT;
}

/* ---- One certificate's rules (Core spec 6.2.2.3-5) ------------------- */

static MatterError
check_signature_algorithm(const X509 *x509)
{
  const X509_ALGOR *outer = NULL;
  const ASN1_OBJECT *object = NULL;
  int param_type = 0;

  X509_get0_signature(NULL, &outer, x509);
  X509_ALGOR_get0(&object, &param_type, NULL, outer);
  /* The algorithm has no parameters, and the signed copy names the same. */
  if (OBJ_obj2nid(object) != NID_ecdsa_with_SHA256 || param_type != V_ASN1_UNDEF ||
      X509_ALGOR_cmp(outer, X509_get0_tbs_sigalg(x509)) != 0)
    return MATTER_ERROR_ATTESTATION_SIGNATURE_ALGORITHM;
  return MATTER_OK;
}

static MatterError
check_basic_constraints(const X509 *x509, MatterAttestationRole role)
{
  int critical = -1;
  BASIC_CONSTRAINTS *bc = X509_get_ext_d2i(x509, NID_basic_constraints, &critical, NULL);
  MatterError err = MATTER_ERROR_ATTESTATION_BASIC_CONSTRAINTS;

  if (bc == NULL || critical != 1)
    goto out;
  switch (role) {
  case MATTER_ATTESTATION_DAC:
    if (!bc->ca && bc->pathlen == NULL)
      err = MATTER_OK;
    break;
  case MATTER_ATTESTATION_PAI:
    if (bc->ca && bc->pathlen != NULL && ASN1_INTEGER_get(bc->pathlen) == 0)
      err = MATTER_OK;
    break;
  case MATTER_ATTESTATION_PAA:
    if (bc->ca && (bc->pathlen == NULL || ASN1_INTEGER_get(bc->pathlen) == 1))
      err = MATTER_OK;
    break;
  }
out:
  BASIC_CONSTRAINTS_free(bc);
  return err;
}

static MatterError
check_key_usage(X509 *x509, MatterAttestationRole role)
{
  int critical = -1;
  ASN1_BIT_STRING *bits = X509_get_ext_d2i(x509, NID_key_usage, &critical, NULL);
  uint32_t usage = X509_get_key_usage(x509);
  bool ok;

  ASN1_BIT_STRING_free(bits);
  if (bits == NULL || critical != 1)
    return MATTER_ERROR_ATTESTATION_KEY_USAGE;
  if (role == MATTER_ATTESTATION_DAC)
    ok = usage == KU_DIGITAL_SIGNATURE;
  else
    ok = (usage & KU_CA) == KU_CA && (usage & ~(uint32_t) (KU_CA | KU_DIGITAL_SIGNATURE)) == 0;
  return ok ? MATTER_OK : MATTER_ERROR_ATTESTATION_KEY_USAGE;
}

static MatterError
check_key_ids(const X509 *x509, MatterAttestationRole role, MatterAttestationCertInfo *info)
{
  int critical = -1;
  ASN1_OCTET_STRING *skid = X509_get_ext_d2i(x509, NID_subject_key_identifier, &critical, NULL);
  AUTHORITY_KEYID *akid = X509_get_ext_d2i(x509, NID_authority_key_identifier, &critical, NULL);
  MatterError err = MATTER_ERROR_ATTESTATION_KEY_ID;

  if (skid == NULL || ASN1_STRING_length(skid) != MATTER_KEY_ID_LEN)
    goto out;
  memcpy(info->subject_key_id, ASN1_STRING_get0_data(skid), MATTER_KEY_ID_LEN);
  info->has_authority_key_id = akid != NULL;
  if (akid == NULL) {
    if (role == MATTER_ATTESTATION_PAA)
      err = MATTER_OK;
    goto out;
  }
  if (akid->keyid == NULL || ASN1_STRING_length(akid->keyid) != MATTER_KEY_ID_LEN)
    goto out;
  memcpy(info->authority_key_id, ASN1_STRING_get0_data(akid->keyid), MATTER_KEY_ID_LEN);
  if (role == MATTER_ATTESTATION_PAA &&
      memcmp(info->authority_key_id, info->subject_key_id, MATTER_KEY_ID_LEN) != 0)
    goto out;
  err = MATTER_OK;
out:
  ASN1_OCTET_STRING_free(skid);
  AUTHORITY_KEYID_free(akid);
  return err;
}

static MatterError
check_names(const X509 *x509, MatterAttestationRole role, MatterAttestationCertInfo *info)
{
  NameIds subject, issuer;
  MatterError err;

  name_ids(X509_get_subject_name(x509), &subject);
  name_ids(X509_get_issuer_name(x509), &issuer);
  err = check_vendor_ids(role, &subject, &issuer);
  if (err == MATTER_OK)
    err = check_product_ids(role, &subject, &issuer);
  if (err == MATTER_OK && role == MATTER_ATTESTATION_PAA &&
      X509_NAME_cmp(X509_get_subject_name(x509), X509_get_issuer_name(x509)) != 0)
    err = MATTER_ERROR_ATTESTATION_ISSUER;
  if (err != MATTER_OK)
    return err;
  info->has_vendor_id = subject.vendor_ids == 1;
  info->vendor_id = subject.vendor_id;
  info->has_product_id = subject.product_ids == 1;
  info->product_id = subject.product_id;
  return MATTER_OK;
}

static MatterError
check_cert(X509 *x509, MatterAttestationRole role, MatterAttestationCertInfo *info)
{
  uint32_t flags = X509_get_extension_flags(x509);
  int der_len = i2d_X509(x509, NULL);
  MatterError err;

  memset(info, 0, sizeof(*info));
  /* Extensions that do not parse, or critical ones nobody here knows. */
  if ((flags & (EXFLAG_INVALID | EXFLAG_CRITICAL)) != 0 || der_len <= 0)
    return matter_attestation_fail(MATTER_ERROR_ATTESTATION_FORMAT);
  if (der_len > MATTER_ATTESTATION_CERT_MAX)
    return MATTER_ERROR_ATTESTATION_SIZE;
  if (X509_get_version(x509) != X509_VERSION_3)
    return MATTER_ERROR_ATTESTATION_VERSION;
  err = check_signature_algorithm(x509);
  if (err == MATTER_OK &&
      matter_attestation_pkey_public(X509_get0_pubkey(x509), info->public_key) != MATTER_OK)
    err = MATTER_ERROR_ATTESTATION_PUBLIC_KEY;
  if (err == MATTER_OK)
    err = check_basic_constraints(x509, role);
  if (err == MATTER_OK)
    err = check_key_usage(x509, role);
  if (err == MATTER_OK)
    err = check_key_ids(x509, role, info);
  if (err == MATTER_OK)
    err = check_names(x509, role, info);
  return matter_attestation_fail(err);
}

static bool
role_valid(MatterAttestationRole role)
{
  return role == MATTER_ATTESTATION_DAC || role == MATTER_ATTESTATION_PAI ||
         role == MATTER_ATTESTATION_PAA;
}

MatterError
matter_attestation_cert_check(const uint8_t *cert, size_t len, MatterAttestationRole role,
                              MatterAttestationCertInfo *info)
{
  MatterAttestationCertInfo scratch;
  X509 *x509;
  MatterError err;

  if (cert == NULL || !role_valid(role))
    return MATTER_ERROR_INVALID_ARGUMENT;
  x509 = matter_attestation_x509_parse(cert, len);
  if (x509 == NULL)
    return matter_attestation_fail(MATTER_ERROR_ATTESTATION_FORMAT);
  err = check_cert(x509, role, info != NULL ? info : &scratch);
  X509_free(x509);
  return err;
}

/* ---- The chain (Core spec 6.2.3.1) ------------------------------------ */

typedef struct {
  X509 *x509;
  MatterAttestationCertInfo *info;
  MatterAttestationRole role;
} ChainLink;

/* @cert names @issuer as its issuer, by name and key id. */
static bool
issued_by(const ChainLink *cert, const ChainLink *issuer)
{
  return X509_NAME_cmp(X509_get_issuer_name(cert->x509), X509_get_subject_name(issuer->x509)) ==
             0 &&
         memcmp(cert->info->authority_key_id, issuer->info->subject_key_id, MATTER_KEY_ID_LEN) == 0;
}

/* @issuer was valid when @dac was issued. */
static bool
valid_at_issuance(const X509 *issuer, const X509 *dac)
{
  const ASN1_TIME *issued = X509_get0_notBefore(dac);

  return ASN1_TIME_compare(X509_get0_notBefore(issuer), issued) <= 0 &&
         ASN1_TIME_compare(issued, X509_get0_notAfter(issuer)) <= 0;
}

static bool
signed_by(X509 *cert, X509 *issuer)
{
  return X509_verify(cert, X509_get0_pubkey(issuer)) == 1;
}

/* Runs the chain rules in order, issuers first; *@failed is the link at
 * fault. */
static MatterError
check_chain(ChainLink links[3], MatterAttestationRole *failed)
{
  ChainLink *dac = &links[0], *pai = &links[1], *paa = &links[2];
  MatterError err;

  for (int i = 2; i >= 0; i--) {
    *failed = links[i].role;
    err = check_cert(links[i].x509, links[i].role, links[i].info);
    if (err != MATTER_OK)
      return err;
  }
  /* The ids first: when they differ, the names cannot chain either, and
   * the ids say more. */
  *failed = MATTER_ATTESTATION_PAI;
  if (paa->info->has_vendor_id && paa->info->vendor_id != pai->info->vendor_id)
    return MATTER_ERROR_ATTESTATION_VENDOR_ID_MISMATCH;
  *failed = MATTER_ATTESTATION_DAC;
  if (dac->info->vendor_id != pai->info->vendor_id)
    return MATTER_ERROR_ATTESTATION_VENDOR_ID_MISMATCH;
  if (pai->info->has_product_id && dac->info->product_id != pai->info->product_id)
    return MATTER_ERROR_ATTESTATION_PRODUCT_ID_MISMATCH;
  *failed = MATTER_ATTESTATION_PAI;
  if (!issued_by(pai, paa))
    return MATTER_ERROR_ATTESTATION_ISSUER;
  *failed = MATTER_ATTESTATION_DAC;
  if (!issued_by(dac, pai))
    return MATTER_ERROR_ATTESTATION_ISSUER;
  if (ASN1_TIME_compare(X509_get0_notBefore(dac->x509), X509_get0_notAfter(dac->x509)) > 0)
    return MATTER_ERROR_ATTESTATION_VALIDITY;
  for (int i = 1; i < 3; i++) {
    *failed = links[i].role;
    if (!valid_at_issuance(links[i].x509, dac->x509))
      return MATTER_ERROR_ATTESTATION_VALIDITY;
  }
  for (int i = 2; i >= 0; i--) {
    *failed = links[i].role;
    if (!signed_by(links[i].x509, links[i < 2 ? i + 1 : 2].x509))
      return matter_attestation_fail(MATTER_ERROR_ATTESTATION_CHAIN_SIGNATURE);
  }
  return MATTER_OK;
}

MatterError
matter_attestation_cert_signed_by(const uint8_t *cert, size_t cert_len, const uint8_t *issuer,
                                  size_t issuer_len)
{
  X509 *x509 = matter_attestation_x509_parse(cert, cert_len);
  X509 *issuer_x509 = matter_attestation_x509_parse(issuer, issuer_len);
  MatterError err = MATTER_OK;

  if (x509 == NULL || issuer_x509 == NULL)
    err = MATTER_ERROR_ATTESTATION_FORMAT;
  else if (!signed_by(x509, issuer_x509))
    err = MATTER_ERROR_ATTESTATION_CHAIN_SIGNATURE;
  X509_free(x509);
  X509_free(issuer_x509);
  return err == MATTER_OK ? MATTER_OK : matter_attestation_fail(err);
}

MatterError
matter_attestation_chain_verify(const uint8_t *dac, size_t dac_len, const uint8_t *pai,
                                size_t pai_len, const uint8_t *paa, size_t paa_len,
                                MatterAttestationChain *chain, MatterAttestationRole *failed)
{
  const uint8_t *certs[3] = { dac, pai, paa };
  const size_t lens[3] = { dac_len, pai_len, paa_len };
  MatterAttestationChain scratch;
  MatterAttestationChain *out = chain != NULL ? chain : &scratch;
  MatterAttestationRole at = MATTER_ATTESTATION_DAC;
  ChainLink links[3] = {
    { NULL, &out->dac, MATTER_ATTESTATION_DAC },
    { NULL, &out->pai, MATTER_ATTESTATION_PAI },
    { NULL, &out->paa, MATTER_ATTESTATION_PAA },
  };
  MatterError err = MATTER_OK;

  if (dac == NULL || pai == NULL || paa == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  for (int i = 0; i < 3 && err == MATTER_OK; i++) {
    links[i].x509 = matter_attestation_x509_parse(certs[i], lens[i]);
    if (links[i].x509 == NULL) {
      at = links[i].role;
      err = matter_attestation_fail(MATTER_ERROR_ATTESTATION_FORMAT);
    }
  }
  if (err == MATTER_OK)
    err = check_chain(links, &at);
  for (int i = 0; i < 3; i++)
    X509_free(links[i].x509);
  if (err != MATTER_OK && failed != NULL)
    *failed = at;
  return err;
}

/* ---- Conversions ------------------------------------------------------ */

MatterError
matter_attestation_cert_to_der(const uint8_t *cert, size_t cert_len, uint8_t *der, size_t size,
                               size_t *len)
{
  X509 *x509;
  int n;

  if (cert == NULL || len == NULL || (der == NULL && size > 0))
    return MATTER_ERROR_INVALID_ARGUMENT;
  x509 = matter_attestation_x509_parse(cert, cert_len);
  if (x509 == NULL)
    return matter_attestation_fail(MATTER_ERROR_ATTESTATION_FORMAT);
  n = i2d_X509(x509, NULL);
  if (n > 0 && (size_t) n <= size) {
    unsigned char *p = der;

    n = i2d_X509(x509, &p);
  }
  X509_free(x509);
  if (n <= 0)
    return matter_attestation_fail(MATTER_ERROR_CRYPTO);
  if ((size_t) n > size)
    return MATTER_ERROR_BUFFER_TOO_SMALL;
  *len = (size_t) n;
  return MATTER_OK;
}

/* Copies the text in @bio to @out with a NUL. */
static MatterError
bio_copy_text(BIO *bio, char *out, size_t size, size_t *len)
{
  MatterError err;

  if (size == 0)
    return MATTER_ERROR_BUFFER_TOO_SMALL;
  err = matter_attestation_bio_copy(bio, (uint8_t *) out, size - 1, len);
  if (err == MATTER_OK)
    out[*len] = '\0';
  return err;
}

MatterError
matter_attestation_cert_to_pem(const uint8_t *cert, size_t cert_len, char *pem, size_t size,
                               size_t *len)
{
  X509 *x509;
  BIO *bio;
  MatterError err = MATTER_OK;

  if (cert == NULL || pem == NULL || len == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  x509 = matter_attestation_x509_parse(cert, cert_len);
  if (x509 == NULL)
    return matter_attestation_fail(MATTER_ERROR_ATTESTATION_FORMAT);
  bio = BIO_new(BIO_s_mem());
  if (bio == NULL || PEM_write_bio_X509(bio, x509) != 1)
    err = matter_attestation_fail(MATTER_ERROR_CRYPTO);
  if (err == MATTER_OK)
    err = bio_copy_text(bio, pem, size, len);
  BIO_free(bio);
  X509_free(x509);
  return err;
}

static int
no_passphrase(char *buf, int size, int rwflag, void *user)
{
  return -1;
}

static EVP_PKEY *
parse_private_key(const uint8_t *data, size_t len)
{
  EVP_PKEY *pkey = NULL;

  if (len == 0 || len > INT_MAX)
    return NULL;
  if (matter_attestation_is_pem(data, len)) {
    BIO *bio = matter_attestation_bio_new(data, len);

    /* Encrypted keys are refused rather than asked for on a terminal. */
    if (bio != NULL)
      pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
    BIO_free(bio);
  } else {
    const unsigned char *p = data;

    pkey = d2i_AutoPrivateKey(NULL, &p, (long) len);
    if (pkey != NULL && p != data + len) {
      EVP_PKEY_free(pkey);
      pkey = NULL;
    }
  }
  return pkey;
}

MatterError
matter_attestation_key_parse(const uint8_t *data, size_t len, MatterP256Key **key)
{
  uint8_t pub[MATTER_P256_PUBLIC_KEY_LEN], priv[MATTER_P256_PRIVATE_KEY_LEN];
  EVP_PKEY *pkey;
  BIGNUM *bn = NULL;
  MatterError err;

  if (data == NULL || key == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  pkey = parse_private_key(data, len);
  if (pkey == NULL)
    return matter_attestation_fail(MATTER_ERROR_ATTESTATION_FORMAT);
  err = matter_attestation_pkey_public(pkey, pub);
  if (err == MATTER_OK && (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, &bn) != 1 ||
                           BN_bn2binpad(bn, priv, sizeof(priv)) != (int) sizeof(priv)))
    err = MATTER_ERROR_INVALID_KEY;
  if (err == MATTER_OK)
    err = matter_p256_import_private(priv, key);
  OPENSSL_cleanse(priv, sizeof(priv));
  BN_clear_free(bn);
  EVP_PKEY_free(pkey);
  return matter_attestation_fail(err);
}

MatterError
matter_attestation_key_to_pem(const MatterP256Key *key, char *pem, size_t size, size_t *len)
{
  uint8_t priv[MATTER_P256_PRIVATE_KEY_LEN];
  EVP_PKEY *pkey;
  OSSL_ENCODER_CTX *ctx = NULL;
  unsigned char *data = NULL;
  size_t data_len = 0;
  MatterError err;

  if (key == NULL || pem == NULL || len == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  err = matter_p256_export_private(key, priv);
  OPENSSL_cleanse(priv, sizeof(priv));
  if (err != MATTER_OK)
    return err; /* a public key alone */
  pkey = matter_attestation_pkey_new(key);
  if (pkey == NULL)
    return matter_attestation_fail(MATTER_ERROR_CRYPTO);
  /* "type-specific" is SEC 1's ECPrivateKey, as in the spec's examples. */
  ctx = OSSL_ENCODER_CTX_new_for_pkey(pkey, OSSL_KEYMGMT_SELECT_ALL, "PEM", "type-specific", NULL);
  if (ctx == NULL || OSSL_ENCODER_CTX_get_num_encoders(ctx) == 0 ||
      OSSL_ENCODER_to_data(ctx, &data, &data_len) != 1)
    err = MATTER_ERROR_CRYPTO;
  else if (data_len + 1 > size)
    err = MATTER_ERROR_BUFFER_TOO_SMALL;
  else {
    memcpy(pem, data, data_len);
    pem[data_len] = '\0';
    *len = data_len;
  }
  OPENSSL_clear_free(data, data_len);
  OSSL_ENCODER_CTX_free(ctx);
  EVP_PKEY_free(pkey);
  return matter_attestation_fail(err);
}

/* ---- Development credentials ------------------------------------------ */

static bool
add_name_entry(X509_NAME *name, const char *field, const char *value)
{
  return X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8, (const unsigned char *) value, -1,
                                    -1, 0) == 1;
}

static X509_NAME *
params_name(const MatterAttestationCertParams *params)
{
  X509_NAME *name = X509_NAME_new();
  char hex[ID_HEX_LEN + 1];
  bool ok = name != NULL;

  if (ok && params->common_name != NULL)
    ok = add_name_entry(name, "CN", params->common_name);
  if (ok && params->has_vendor_id) {
    snprintf(hex, sizeof(hex), "%04X", params->vendor_id);
    ok = add_name_entry(name, OID_VENDOR_ID, hex);
  }
  if (ok && params->has_product_id) {
    snprintf(hex, sizeof(hex), "%04X", params->product_id);
    ok = add_name_entry(name, OID_PRODUCT_ID, hex);
  }
  if (!ok) {
    X509_NAME_free(name);
    return NULL;
  }
  return name;
}

static bool
set_validity(X509 *x509, const MatterAttestationCertParams *params)
{
  if (params->not_after != MATTER_ATTESTATION_NO_EXPIRY && params->not_after < params->not_before)
    return false;
  if (ASN1_TIME_set(X509_getm_notBefore(x509), (time_t) params->not_before) == NULL)
    return false;
  if (params->not_after == MATTER_ATTESTATION_NO_EXPIRY)
    return ASN1_TIME_set_string_X509(X509_getm_notAfter(x509), NO_EXPIRY_TIME) == 1;
  return ASN1_TIME_set(X509_getm_notAfter(x509), (time_t) params->not_after) != NULL;
}

static bool
set_serial(X509 *x509, uint64_t serial)
{
  uint8_t random[sizeof(uint64_t)];

  /* A positive 63-bit number, as RFC 5280 wants serials positive. */
  while (serial == 0) {
    if (matter_random(random, sizeof(random)) != MATTER_OK)
      return false;
    for (size_t i = 0; i < sizeof(random); i++)
      serial = serial << 8 | random[i];
    serial &= INT64_MAX;
  }
  return ASN1_INTEGER_set_uint64(X509_get_serialNumber(x509), serial) == 1;
}

static bool
add_extension(X509 *x509, X509V3_CTX *ctx, int nid, const char *value)
{
  X509_EXTENSION *ext = X509V3_EXT_nconf_nid(NULL, ctx, nid, value);
  bool ok = ext != NULL && X509_add_ext(x509, ext, -1) == 1;

  X509_EXTENSION_free(ext);
  return ok;
}

static bool
add_extensions(X509 *x509, X509 *issuer, MatterAttestationRole role)
{
  static const char *const basic_constraints[] = {
    [MATTER_ATTESTATION_DAC] = "critical,CA:FALSE",
    [MATTER_ATTESTATION_PAI] = "critical,CA:TRUE,pathlen:0",
    [MATTER_ATTESTATION_PAA] = "critical,CA:TRUE,pathlen:1",
  };
  X509V3_CTX ctx;

  X509V3_set_ctx(&ctx, issuer, x509, NULL, NULL, 0);
  return add_extension(x509, &ctx, NID_basic_constraints, basic_constraints[role]) &&
         add_extension(x509, &ctx, NID_key_usage,
                       role == MATTER_ATTESTATION_DAC ? "critical,digitalSignature"
                                                      : "critical,keyCertSign,cRLSign") &&
         add_extension(x509, &ctx, NID_subject_key_identifier, "hash") &&
         add_extension(x509, &ctx, NID_authority_key_identifier, "keyid:always");
}

/* Fills everything but the signature. */
static MatterError
build_cert(X509 *x509, const MatterAttestationCertParams *params, EVP_PKEY *subject, X509 *issuer)
{
  X509_NAME *name = params_name(params);
  bool ok =
      name != NULL && X509_set_version(x509, X509_VERSION_3) == 1 &&
      set_serial(x509, params->serial) && X509_set_subject_name(x509, name) == 1 &&
      X509_set_issuer_name(x509, issuer != NULL ? X509_get_subject_name(issuer) : name) == 1 &&
      X509_set_pubkey(x509, subject) == 1;

  X509_NAME_free(name);
  if (!ok)
    return MATTER_ERROR_CRYPTO;
  if (!set_validity(x509, params))
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (!add_extensions(x509, issuer != NULL ? issuer : x509, params->role))
    return MATTER_ERROR_CRYPTO;
  return MATTER_OK;
}

static MatterError
write_der(X509 *x509, uint8_t *der, size_t size, size_t *len)
{
  int n = i2d_X509(x509, NULL);
  unsigned char *p = der;

  if (n <= 0)
    return MATTER_ERROR_CRYPTO;
  if ((size_t) n > size)
    return MATTER_ERROR_BUFFER_TOO_SMALL;
  if (i2d_X509(x509, &p) != n)
    return MATTER_ERROR_CRYPTO;
  *len = (size_t) n;
  return MATTER_OK;
}

MatterError
matter_attestation_cert_create(const MatterAttestationCertParams *params,
                               const MatterP256Key *subject_key, const uint8_t *issuer,
                               size_t issuer_len, const MatterP256Key *issuer_key, uint8_t *der,
                               size_t size, size_t *len)
{
  bool self_signed;
  X509 *x509 = NULL, *issuer_x509 = NULL;
  EVP_PKEY *subject = NULL, *signer = NULL;
  MatterError err = MATTER_OK;

  if (params == NULL || !role_valid(params->role) || subject_key == NULL || issuer_key == NULL ||
      der == NULL || len == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  self_signed = params->role == MATTER_ATTESTATION_PAA;
  if (self_signed != (issuer == NULL))
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (!self_signed) {
    issuer_x509 = matter_attestation_x509_parse(issuer, issuer_len);
    if (issuer_x509 == NULL)
      return matter_attestation_fail(MATTER_ERROR_ATTESTATION_FORMAT);
  }
  subject = matter_attestation_pkey_new(subject_key);
  signer = matter_attestation_pkey_new(issuer_key);
  x509 = X509_new();
  if (subject == NULL || signer == NULL || x509 == NULL)
    err = MATTER_ERROR_CRYPTO;
  else if (!EVP_PKEY_eq(self_signed ? subject : X509_get0_pubkey(issuer_x509), signer))
    err = MATTER_ERROR_INVALID_KEY; /* the issuer key is not the issuer's */
  if (err == MATTER_OK)
    err = build_cert(x509, params, subject, issuer_x509);
  if (err == MATTER_OK && X509_sign(x509, signer, EVP_sha256()) <= 0)
    err = MATTER_ERROR_INVALID_KEY; /* a public-only issuer key */
  if (err == MATTER_OK)
    err = write_der(x509, der, size, len);
  X509_free(x509);
  X509_free(issuer_x509);
  EVP_PKEY_free(subject);
  EVP_PKEY_free(signer);
  return matter_attestation_fail(err);
}

/* ---- Attestation elements (Core spec 11.18.5.5) ------------------------ */

static MatterError
put_vendor_reserved(MatterTlvWriter *writer, const MatterVendorReserved *items, size_t count)
{
  for (size_t i = 0; i < count; i++) {
    const MatterVendorReserved *item = &items[i];

    if (item->data == NULL && item->len > 0)
      return MATTER_ERROR_INVALID_ARGUMENT;
    matter_tlv_put_bytes(writer,
                         matter_tlv_tag_fully_qualified(item->vendor_id, item->profile, item->tag),
                         item->data, item->len);
  }
  return MATTER_OK;
}

/* The encoders' common end: the writer's verdict, capped at @max. */
static MatterError
finish_elements(const MatterTlvWriter *writer, size_t max, size_t *len)
{
  size_t n;
  MatterError err = matter_tlv_writer_finish(writer, &n);

  if (err != MATTER_OK)
    return err;
  if (n > max)
    return MATTER_ERROR_BUFFER_TOO_SMALL;
  *len = n;
  return MATTER_OK;
}

MatterError
matter_attestation_elements_encode(const MatterAttestationElements *elements, uint8_t *out,
                                   size_t size, size_t *len)
{
  MatterTlvWriter writer;
  MatterError err;

  if (elements == NULL || out == NULL || len == NULL ||
      elements->certification_declaration == NULL || elements->certification_declaration_len == 0 ||
      elements->attestation_nonce == NULL ||
      (elements->firmware_information == NULL && elements->firmware_information_len > 0) ||
      (elements->vendor_reserved == NULL && elements->vendor_reserved_count > 0))
    return MATTER_ERROR_INVALID_ARGUMENT;
  matter_tlv_writer_init(&writer, out, size);
  matter_tlv_start_structure(&writer, matter_tlv_tag_anonymous());
  matter_tlv_put_bytes(&writer, matter_tlv_tag_context(TAG_CERTIFICATION_DECLARATION),
                       elements->certification_declaration,
                       elements->certification_declaration_len);
  matter_tlv_put_bytes(&writer, matter_tlv_tag_context(TAG_ATTESTATION_NONCE),
                       elements->attestation_nonce, MATTER_ATTESTATION_NONCE_LEN);
  matter_tlv_put_uint(&writer, matter_tlv_tag_context(TAG_TIMESTAMP), elements->timestamp);
  if (elements->firmware_information != NULL)
    matter_tlv_put_bytes(&writer, matter_tlv_tag_context(TAG_FIRMWARE_INFORMATION),
                         elements->firmware_information, elements->firmware_information_len);
  err = put_vendor_reserved(&writer, elements->vendor_reserved, elements->vendor_reserved_count);
  if (err != MATTER_OK)
    return err;
  matter_tlv_end_container(&writer);
  return finish_elements(&writer, MATTER_ATTESTATION_ELEMENTS_MAX, len);
}

/* Steps into the one anonymous structure @buf must be. */
static MatterError
enter_elements(MatterTlvReader *reader, const uint8_t *buf, size_t len)
{
  return matter_tlv_enter_top_structure(reader, buf, len, MATTER_ERROR_ATTESTATION_ELEMENTS,
                                        MATTER_ERROR_ATTESTATION_ELEMENTS);
}

/* An octet string of @len bytes exactly, or of any length when 0. */
static MatterError
get_bytes(const MatterTlvReader *reader, size_t want, const uint8_t **data, size_t *len)
{
  if (matter_tlv_get_bytes(reader, data, len) != MATTER_OK || (want > 0 && *len != want))
    return MATTER_ERROR_ATTESTATION_ELEMENTS;
  return MATTER_OK;
}

static MatterError
read_attestation_field(const MatterTlvReader *reader, uint8_t tag,
                       MatterAttestationElements *elements)
{
  size_t nonce_len;

  switch (tag) {
  case TAG_CERTIFICATION_DECLARATION:
    return get_bytes(reader, 0, &elements->certification_declaration,
                     &elements->certification_declaration_len);
  case TAG_ATTESTATION_NONCE:
    return get_bytes(reader, MATTER_ATTESTATION_NONCE_LEN, &elements->attestation_nonce,
                     &nonce_len);
  case TAG_TIMESTAMP:
    return matter_tlv_get_u32(reader, &elements->timestamp) == MATTER_OK
               ? MATTER_OK
               : MATTER_ERROR_ATTESTATION_ELEMENTS;
  case TAG_FIRMWARE_INFORMATION:
    return get_bytes(reader, 0, &elements->firmware_information,
                     &elements->firmware_information_len);
  default:
    return MATTER_OK; /* reserved for later revisions */
  }
}

static MatterError
read_vendor_reserved(const MatterTlvReader *reader, MatterAttestationElements *elements,
                     MatterVendorReserved *out, size_t max)
{
  MatterTlvTag tag = matter_tlv_get_tag(reader);
  MatterVendorReserved item = { tag.vendor_id, tag.profile, tag.number, NULL, 0 };

  if (get_bytes(reader, 0, &item.data, &item.len) != MATTER_OK)
    return MATTER_ERROR_ATTESTATION_ELEMENTS;
  if (out != NULL) {
    if (elements->vendor_reserved_count == max)
      return MATTER_ERROR_BUFFER_TOO_SMALL;
    out[elements->vendor_reserved_count] = item;
  }
  elements->vendor_reserved_count++;
  return MATTER_OK;
}

MatterError
matter_attestation_elements_decode(const uint8_t *buf, size_t len,
                                   MatterAttestationElements *elements,
                                   MatterVendorReserved *vendor_reserved,
                                   size_t vendor_reserved_max)
{
  MatterTlvReader reader;
  unsigned last_tag = 0;
  bool vendor_seen = false, has_timestamp = false;
  MatterError err;

  if (buf == NULL || elements == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  memset(elements, 0, sizeof(*elements));
  elements->vendor_reserved = vendor_reserved;
  err = enter_elements(&reader, buf, len);
  while (err == MATTER_OK && (err = matter_tlv_next(&reader)) == MATTER_OK) {
    MatterTlvTag tag = matter_tlv_get_tag(&reader);

    if (tag.kind == MATTER_TLV_TAG_FULLY_QUALIFIED) {
      vendor_seen = true;
      err = read_vendor_reserved(&reader, elements, vendor_reserved, vendor_reserved_max);
    } else if (tag.kind != MATTER_TLV_TAG_CONTEXT || tag.number <= last_tag || vendor_seen) {
      err = MATTER_ERROR_ATTESTATION_ELEMENTS; /* out of order or a stray tag */
    } else {
      last_tag = tag.number;
      has_timestamp |= tag.number == TAG_TIMESTAMP;
      err = read_attestation_field(&reader, (uint8_t) tag.number, elements);
    }
  }
  if (err != MATTER_ERROR_TLV_END)
    return err;
  if (elements->certification_declaration == NULL || elements->attestation_nonce == NULL ||
      !has_timestamp)
    return MATTER_ERROR_ATTESTATION_ELEMENTS;
  if (vendor_reserved == NULL)
    elements->vendor_reserved = NULL;
  return MATTER_OK;
}

/* elements || challenge, the message both signatures cover. */
static MatterError
signed_message(const uint8_t *elements, size_t len,
               const uint8_t challenge[MATTER_ATTESTATION_CHALLENGE_LEN], uint8_t *tbs,
               size_t *tbs_len)
{
  if (elements == NULL || challenge == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (len > MATTER_ATTESTATION_ELEMENTS_MAX)
    return MATTER_ERROR_BUFFER_TOO_SMALL;
  memcpy(tbs, elements, len);
  memcpy(tbs + len, challenge, MATTER_ATTESTATION_CHALLENGE_LEN);
  *tbs_len = len + MATTER_ATTESTATION_CHALLENGE_LEN;
  return MATTER_OK;
}

MatterError
matter_attestation_sign(const MatterP256Key *dac_key, const uint8_t *elements, size_t len,
                        const uint8_t challenge[MATTER_ATTESTATION_CHALLENGE_LEN],
                        uint8_t signature[MATTER_P256_SIGNATURE_LEN])
{
  uint8_t tbs[MATTER_ATTESTATION_ELEMENTS_MAX + MATTER_ATTESTATION_CHALLENGE_LEN];
  size_t tbs_len;
  MatterError err;

  if (dac_key == NULL || signature == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  err = signed_message(elements, len, challenge, tbs, &tbs_len);
  if (err == MATTER_OK)
    err = matter_ecdsa_sign(dac_key, tbs, tbs_len, signature);
  /* The challenge is a session secret. */
  OPENSSL_cleanse(tbs, sizeof(tbs));
  return err;
}

MatterError
matter_attestation_signature_verify(const uint8_t dac_public_key[MATTER_P256_PUBLIC_KEY_LEN],
                                    const uint8_t *elements, size_t len,
                                    const uint8_t challenge[MATTER_ATTESTATION_CHALLENGE_LEN],
                                    const uint8_t signature[MATTER_P256_SIGNATURE_LEN])
{
  uint8_t tbs[MATTER_ATTESTATION_ELEMENTS_MAX + MATTER_ATTESTATION_CHALLENGE_LEN];
  size_t tbs_len;
  MatterError err;

  if (dac_public_key == NULL || signature == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  err = signed_message(elements, len, challenge, tbs, &tbs_len);
  if (err == MATTER_OK)
    err = matter_ecdsa_verify_raw(dac_public_key, tbs, tbs_len, signature);
  OPENSSL_cleanse(tbs, sizeof(tbs));
  return err;
}

MatterError
matter_attestation_response_verify(const uint8_t dac_public_key[MATTER_P256_PUBLIC_KEY_LEN],
                                   const uint8_t *elements, size_t len,
                                   const uint8_t challenge[MATTER_ATTESTATION_CHALLENGE_LEN],
                                   const uint8_t signature[MATTER_P256_SIGNATURE_LEN],
                                   const uint8_t nonce[MATTER_ATTESTATION_NONCE_LEN],
                                   MatterAttestationElements *decoded)
{
  MatterAttestationElements scratch;
  MatterAttestationElements *out = decoded != NULL ? decoded : &scratch;
  MatterError err;

  if (nonce == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  err = matter_attestation_signature_verify(dac_public_key, elements, len, challenge, signature);
  if (err == MATTER_OK)
    err = matter_attestation_elements_decode(elements, len, out, NULL, 0);
  if (err == MATTER_OK && memcmp(out->attestation_nonce, nonce, MATTER_ATTESTATION_NONCE_LEN) != 0)
    err = MATTER_ERROR_ATTESTATION_NONCE;
  return err;
}
