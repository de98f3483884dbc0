/* SPDX-License-Identifier: Apache-2.0 */
/* The Certification Declaration (Core spec 6.3): its TLV content, the CMS
 * SignedData around it, and the checks a commissioner makes with it
 * (6.2.3.1). */
#include "matter/attestation.h"

#include <string.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "attestation-private.h"
#include "matter/tlv.h"

/* certification-elements tags (Core spec 6.3.1). */
enum {
  TAG_FORMAT_VERSION = 0,
  TAG_VENDOR_ID = 1,
  TAG_PRODUCT_IDS = 2,
  TAG_DEVICE_TYPE_ID = 3,
  TAG_CERTIFICATE_ID = 4,
  TAG_SECURITY_LEVEL = 5,
  TAG_SECURITY_INFORMATION = 6,
  TAG_VERSION_NUMBER = 7,
  TAG_CERTIFICATION_TYPE = 8,
  TAG_DAC_ORIGIN_VENDOR_ID = 9,
  TAG_DAC_ORIGIN_PRODUCT_ID = 10,
  TAG_AUTHORIZED_PAAS = 11,
};

#define BIT(tag) (1u << (tag))
#define MANDATORY_TAGS (BIT(TAG_CERTIFICATION_TYPE + 1) - 1) /* 0..8 */
#define DAC_ORIGIN_TAGS (BIT(TAG_DAC_ORIGIN_VENDOR_ID) | BIT(TAG_DAC_ORIGIN_PRODUCT_ID))

/* The spec's CMS: the content embedded and bound by the signature alone
 * (no signed attributes), no certificates, the signer named by key id. */
#define CMS_SIGN_FLAGS (CMS_BINARY | CMS_NOCERTS | CMS_NOATTR | CMS_USE_KEYID)

/* ---- Content --------------------------------------------------------- */

static bool
cd_valid(const MatterCd *cd)
{
  return cd->format_version == MATTER_CD_FORMAT_VERSION && cd->product_id_count >= 1 &&
         cd->product_id_count <= MATTER_CD_PRODUCT_IDS_MAX &&
         strnlen(cd->certificate_id, sizeof(cd->certificate_id)) == MATTER_CD_CERTIFICATE_ID_LEN &&
         cd->authorized_paa_count <= MATTER_CD_AUTHORIZED_PAAS_MAX;
}

MatterError
matter_cd_encode(const MatterCd *cd, uint8_t *out, size_t size, size_t *len)
{
  MatterTlvWriter writer;
  size_t n;
  MatterError err;

  if (cd == NULL || out == NULL || len == NULL || !cd_valid(cd))
    return MATTER_ERROR_INVALID_ARGUMENT;
  matter_tlv_writer_init(&writer, out, size);
  matter_tlv_start_structure(&writer, matter_tlv_tag_anonymous());
  matter_tlv_put_uint(&writer, matter_tlv_tag_context(TAG_FORMAT_VERSION), cd->format_version);
  matter_tlv_put_uint(&writer, matter_tlv_tag_context(TAG_VENDOR_ID), cd->vendor_id);
  matter_tlv_start_array(&writer, matter_tlv_tag_context(TAG_PRODUCT_IDS));
  for (size_t i = 0; i < cd->product_id_count; i++)
    matter_tlv_put_uint(&writer, matter_tlv_tag_anonymous(), cd->product_ids[i]);
  matter_tlv_end_container(&writer);
  matter_tlv_put_uint(&writer, matter_tlv_tag_context(TAG_DEVICE_TYPE_ID), cd->device_type_id);
  matter_tlv_put_utf8(&writer, matter_tlv_tag_context(TAG_CERTIFICATE_ID), cd->certificate_id,
                      MATTER_CD_CERTIFICATE_ID_LEN);
  matter_tlv_put_uint(&writer, matter_tlv_tag_context(TAG_SECURITY_LEVEL), cd->security_level);
  matter_tlv_put_uint(&writer, matter_tlv_tag_context(TAG_SECURITY_INFORMATION),
                      cd->security_information);
  matter_tlv_put_uint(&writer, matter_tlv_tag_context(TAG_VERSION_NUMBER), cd->version_number);
  matter_tlv_put_uint(&writer, matter_tlv_tag_context(TAG_CERTIFICATION_TYPE),
                      cd->certification_type);
  if (cd->has_dac_origin) {
    matter_tlv_put_uint(&writer, matter_tlv_tag_context(TAG_DAC_ORIGIN_VENDOR_ID),
                        cd->dac_origin_vendor_id);
    matter_tlv_put_uint(&writer, matter_tlv_tag_context(TAG_DAC_ORIGIN_PRODUCT_ID),
                        cd->dac_origin_product_id);
  }
  if (cd->authorized_paa_count > 0) {
    matter_tlv_start_array(&writer, matter_tlv_tag_context(TAG_AUTHORIZED_PAAS));
    for (size_t i = 0; i < cd->authorized_paa_count; i++)
      matter_tlv_put_bytes(&writer, matter_tlv_tag_anonymous(), cd->authorized_paas[i],
                           MATTER_KEY_ID_LEN);
    matter_tlv_end_container(&writer);
  }
  matter_tlv_end_container(&writer);
  err = matter_tlv_writer_finish(&writer, &n);
  if (err == MATTER_ERROR_TLV_BAD_UTF8)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (err != MATTER_OK)
    return err;
  *len = n;
  return MATTER_OK;
}

/* One element of an array field, taken into @cd; false if it does not fit
 * or is not what the field holds. */
typedef bool (*ReadItem)(const MatterTlvReader *reader, MatterCd *cd);

static bool
read_product_id(const MatterTlvReader *reader, MatterCd *cd)
{
  if (cd->product_id_count == MATTER_CD_PRODUCT_IDS_MAX ||
      matter_tlv_get_u16(reader, &cd->product_ids[cd->product_id_count]) != MATTER_OK)
    return false;
  cd->product_id_count++;
  return true;
}

static bool
read_authorized_paa(const MatterTlvReader *reader, MatterCd *cd)
{
  const uint8_t *key_id;
  size_t len;

  if (cd->authorized_paa_count == MATTER_CD_AUTHORIZED_PAAS_MAX ||
      matter_tlv_get_bytes(reader, &key_id, &len) != MATTER_OK || len != MATTER_KEY_ID_LEN)
    return false;
  memcpy(cd->authorized_paas[cd->authorized_paa_count++], key_id, MATTER_KEY_ID_LEN);
  return true;
}

/* A non-empty array, every element of which @read_item takes. Tags come
 * in increasing order, so each array field is read once. */
static MatterError
read_array(MatterTlvReader *reader, MatterCd *cd, ReadItem read_item)
{
  size_t count = 0;
  MatterError err;

  if (matter_tlv_get_type(reader) != MATTER_TLV_TYPE_ARRAY || matter_tlv_enter(reader) != MATTER_OK)
    return MATTER_ERROR_CD_CONTENT;
  while ((err = matter_tlv_next(reader)) == MATTER_OK) {
    if (!read_item(reader, cd))
      return MATTER_ERROR_CD_CONTENT;
    count++;
  }
  if (err != MATTER_ERROR_TLV_END || count == 0 || matter_tlv_exit(reader) != MATTER_OK)
    return MATTER_ERROR_CD_CONTENT;
  return MATTER_OK;
}

static MatterError
read_certificate_id(const MatterTlvReader *reader, MatterCd *cd)
{
  const char *id;
  size_t len;

  if (matter_tlv_get_utf8(reader, &id, &len) != MATTER_OK || len != MATTER_CD_CERTIFICATE_ID_LEN)
    return MATTER_ERROR_CD_CONTENT;
  memcpy(cd->certificate_id, id, len);
  cd->certificate_id[len] = '\0';
  return MATTER_OK;
}

static MatterError
read_field(MatterTlvReader *reader, unsigned tag, MatterCd *cd)
{
  MatterError err;

  switch (tag) {
  case TAG_FORMAT_VERSION:
    err = matter_tlv_get_u16(reader, &cd->format_version);
    if (err == MATTER_OK && cd->format_version != MATTER_CD_FORMAT_VERSION)
      err = MATTER_ERROR_CD_CONTENT;
    return err;
  case TAG_VENDOR_ID:
    return matter_tlv_get_u16(reader, &cd->vendor_id);
  case TAG_PRODUCT_IDS:
    return read_array(reader, cd, read_product_id);
  case TAG_DEVICE_TYPE_ID:
    return matter_tlv_get_u32(reader, &cd->device_type_id);
  case TAG_CERTIFICATE_ID:
    return read_certificate_id(reader, cd);
  case TAG_SECURITY_LEVEL:
    return matter_tlv_get_u8(reader, &cd->security_level);
  case TAG_SECURITY_INFORMATION:
    return matter_tlv_get_u16(reader, &cd->security_information);
  case TAG_VERSION_NUMBER:
    return matter_tlv_get_u16(reader, &cd->version_number);
  case TAG_CERTIFICATION_TYPE:
    return matter_tlv_get_u8(reader, &cd->certification_type);
  case TAG_DAC_ORIGIN_VENDOR_ID:
    return matter_tlv_get_u16(reader, &cd->dac_origin_vendor_id);
  case TAG_DAC_ORIGIN_PRODUCT_ID:
    return matter_tlv_get_u16(reader, &cd->dac_origin_product_id);
  case TAG_AUTHORIZED_PAAS:
    return read_array(reader, cd, read_authorized_paa);
  default:
    return MATTER_OK; /* reserved: ignored, as the spec says */
  }
}

static MatterError
decode_fields(const uint8_t *buf, size_t len, MatterCd *cd)
{
  MatterTlvReader reader;
  uint32_t seen = 0;
  int last_tag = -1;
  MatterError err;

  if (matter_tlv_enter_top_structure(&reader, buf, len, MATTER_ERROR_CD_CONTENT,
                                     MATTER_ERROR_CD_CONTENT) != MATTER_OK)
    return MATTER_ERROR_CD_CONTENT;
  while ((err = matter_tlv_next(&reader)) == MATTER_OK) {
    MatterTlvTag tag = matter_tlv_get_tag(&reader);

    /* STRUCTURE [tag-order]: context tags only, increasing. */
    if (tag.kind != MATTER_TLV_TAG_CONTEXT || (int) tag.number <= last_tag)
      return MATTER_ERROR_CD_CONTENT;
    last_tag = (int) tag.number;
    if (read_field(&reader, tag.number, cd) != MATTER_OK)
      return MATTER_ERROR_CD_CONTENT;
    if (tag.number <= TAG_AUTHORIZED_PAAS)
      seen |= BIT(tag.number);
  }
  if (err != MATTER_ERROR_TLV_END || (seen & MANDATORY_TAGS) != MANDATORY_TAGS)
    return MATTER_ERROR_CD_CONTENT;
  /* Both DAC origin fields, or neither. */
  if ((seen & DAC_ORIGIN_TAGS) != 0 && (seen & DAC_ORIGIN_TAGS) != DAC_ORIGIN_TAGS)
    return MATTER_ERROR_CD_CONTENT;
  cd->has_dac_origin = (seen & DAC_ORIGIN_TAGS) != 0;
  return MATTER_OK;
}

MatterError
matter_cd_decode(const uint8_t *buf, size_t len, MatterCd *cd)
{
  MatterError err;

  if (buf == NULL || cd == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  memset(cd, 0, sizeof(*cd));
  err = decode_fields(buf, len, cd);
  if (err != MATTER_OK)
    memset(cd, 0, sizeof(*cd));
  return err;
}

/* ---- CMS ------------------------------------------------------------- */

MatterError
matter_cd_sign(const uint8_t *content, size_t content_len, const uint8_t *signer_cert,
               size_t signer_cert_len, const MatterP256Key *signer_key, uint8_t *out, size_t size,
               size_t *len)
{
  X509 *cert = NULL;
  EVP_PKEY *pkey = NULL;
  BIO *in = NULL;
  CMS_ContentInfo *cms = NULL;
  const ASN1_OCTET_STRING *key_id;
  unsigned char *p = out;
  int n = 0;
  MatterError err = MATTER_OK;

  if (content == NULL || content_len == 0 || signer_cert == NULL || signer_key == NULL ||
      out == NULL || len == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  cert = matter_attestation_x509_parse(signer_cert, signer_cert_len);
  if (cert == NULL)
    return matter_attestation_fail(MATTER_ERROR_ATTESTATION_FORMAT);
  key_id = X509_get0_subject_key_id(cert);
  pkey = matter_attestation_pkey_new(signer_key);
  in = matter_attestation_bio_new(content, content_len);
  if (key_id == NULL || ASN1_STRING_length(key_id) != MATTER_KEY_ID_LEN)
    err = MATTER_ERROR_ATTESTATION_KEY_ID;
  else if (pkey == NULL || in == NULL)
    err = MATTER_ERROR_CRYPTO;
  else if (X509_check_private_key(cert, pkey) != 1)
    err = MATTER_ERROR_INVALID_KEY;
  if (err == MATTER_OK) {
    cms = CMS_sign(NULL, NULL, NULL, NULL, CMS_PARTIAL | CMS_SIGN_FLAGS);
    if (cms == NULL || CMS_add1_signer(cms, cert, pkey, EVP_sha256(), CMS_SIGN_FLAGS) == NULL ||
        CMS_final(cms, in, NULL, CMS_SIGN_FLAGS) != 1 || (n = i2d_CMS_ContentInfo(cms, NULL)) <= 0)
      err = MATTER_ERROR_CRYPTO;
    else if ((size_t) n > size)
      err = MATTER_ERROR_BUFFER_TOO_SMALL;
    else if (i2d_CMS_ContentInfo(cms, &p) != n)
      err = MATTER_ERROR_CRYPTO;
  }
  if (err == MATTER_OK)
    *len = (size_t) n;
  CMS_ContentInfo_free(cms);
  BIO_free(in);
  EVP_PKEY_free(pkey);
  X509_free(cert);
  return matter_attestation_fail(err);
}

static bool
algorithm_is(const X509_ALGOR *algorithm, int nid)
{
  const ASN1_OBJECT *object = NULL;

  if (algorithm == NULL)
    return false;
  X509_ALGOR_get0(&object, NULL, NULL, algorithm);
  return OBJ_obj2nid(object) == nid;
}

static bool
stack_empty(STACK_OF(X509) * certs)
{
  bool empty = sk_X509_num(certs) <= 0;

  sk_X509_pop_free(certs, X509_free);
  return empty;
}

/* Parses @der and checks the rules of 6.3.1 that the structure can break;
 * the signer's key id goes to @key_id. */
static CMS_ContentInfo *
parse_cms(const uint8_t *der, size_t len, const ASN1_OCTET_STRING **key_id)
{
  const unsigned char *p = der;
  CMS_ContentInfo *cms;
  STACK_OF(CMS_SignerInfo) * signers;
  CMS_SignerInfo *signer;
  ASN1_OCTET_STRING **content;
  X509_ALGOR *digest = NULL, *signature = NULL;
  STACK_OF(X509_CRL) * crls;
  bool ok;

  if (der == NULL || len == 0 || len > MATTER_CD_MAX)
    return NULL;
  cms = d2i_CMS_ContentInfo(NULL, &p, (long) len);
  if (cms == NULL)
    return NULL;
  ok = p == der + len && OBJ_obj2nid(CMS_get0_type(cms)) == NID_pkcs7_signed &&
       OBJ_obj2nid(CMS_get0_eContentType(cms)) == NID_pkcs7_data;
  content = ok ? CMS_get0_content(cms) : NULL;
  ok = ok && content != NULL && *content != NULL; /* embedded, not detached */
  signers = ok ? CMS_get0_SignerInfos(cms) : NULL;
  ok = ok && sk_CMS_SignerInfo_num(signers) == 1;
  signer = ok ? sk_CMS_SignerInfo_value(signers, 0) : NULL;
  /* A key id (SignerInfo v3), not issuer and serial. */
  ok = ok &&
       CMS_SignerInfo_get0_signer_id(signer, (ASN1_OCTET_STRING **) key_id, NULL, NULL) == 1 &&
       *key_id != NULL && ASN1_STRING_length(*key_id) == MATTER_KEY_ID_LEN;
  if (ok)
    CMS_SignerInfo_get0_algs(signer, NULL, NULL, &digest, &signature);
  ok = ok && algorithm_is(digest, NID_sha256) && algorithm_is(signature, NID_ecdsa_with_SHA256);
  ok = ok && stack_empty(CMS_get1_certs(cms));
  crls = ok ? CMS_get1_crls(cms) : NULL;
  ok = ok && sk_X509_CRL_num(crls) <= 0;
  sk_X509_CRL_pop_free(crls, X509_CRL_free);
  if (!ok) {
    CMS_ContentInfo_free(cms);
    return NULL;
  }
  return cms;
}

MatterError
matter_cd_signer_key_id(const uint8_t *cd, size_t len, uint8_t key_id[MATTER_KEY_ID_LEN])
{
  const ASN1_OCTET_STRING *id = NULL;
  CMS_ContentInfo *cms;

  if (cd == NULL || key_id == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  cms = parse_cms(cd, len, &id);
  if (cms == NULL)
    return matter_attestation_fail(MATTER_ERROR_CD_FORMAT);
  memcpy(key_id, ASN1_STRING_get0_data(id), MATTER_KEY_ID_LEN);
  CMS_ContentInfo_free(cms);
  return MATTER_OK;
}

MatterError
matter_cd_read_unverified(const uint8_t *cd, size_t len, MatterCd *decoded)
{
  const ASN1_OCTET_STRING *id = NULL;
  ASN1_OCTET_STRING **content;
  CMS_ContentInfo *cms;
  MatterError err;

  if (cd == NULL || decoded == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  cms = parse_cms(cd, len, &id);
  if (cms == NULL)
    return matter_attestation_fail(MATTER_ERROR_CD_FORMAT);
  content = CMS_get0_content(cms);
  err = matter_cd_decode(ASN1_STRING_get0_data(*content), (size_t) ASN1_STRING_length(*content),
                         decoded);
  CMS_ContentInfo_free(cms);
  return matter_attestation_fail(err);
}

/* The signer among @signers whose subject key id is @key_id, or NULL with
 * the reason in @err. */
static X509 *
find_signer(const ASN1_OCTET_STRING *key_id, const MatterCdSigner *signers, size_t count,
            MatterError *err)
{
  *err = MATTER_ERROR_CD_UNKNOWN_SIGNER;
  for (size_t i = 0; i < count; i++) {
    X509 *cert = matter_attestation_x509_parse(signers[i].cert, signers[i].len);
    const ASN1_OCTET_STRING *id;

    if (cert == NULL) {
      *err = MATTER_ERROR_ATTESTATION_FORMAT;
      return NULL;
    }
    id = X509_get0_subject_key_id(cert);
    if (id != NULL && ASN1_OCTET_STRING_cmp(id, key_id) == 0)
      return cert;
    X509_free(cert);
  }
  return NULL;
}

/* CMS_verify() with @signer alone, the content into @out. */
static MatterError
verify_with(CMS_ContentInfo *cms, X509 *signer, BIO *out)
{
  uint8_t pub[MATTER_P256_PUBLIC_KEY_LEN];
  STACK_OF(X509) *certs = sk_X509_new_null();
  MatterError err = MATTER_OK;

  if (matter_attestation_pkey_public(X509_get0_pubkey(signer), pub) != MATTER_OK)
    err = MATTER_ERROR_INVALID_KEY;
  else if (certs == NULL || sk_X509_push(certs, signer) <= 0)
    err = MATTER_ERROR_NO_MEMORY;
  /* The signer is trusted as given: no path to build, and no certificate
   * from inside the message. */
  else if (CMS_verify(cms, certs, NULL, NULL, out,
                      CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY | CMS_NOINTERN) != 1)
    err = MATTER_ERROR_INVALID_SIGNATURE;
  sk_X509_free(certs);
  return err;
}

MatterError
matter_cd_verify(const uint8_t *cd, size_t len, const MatterCdSigner *signers, size_t signer_count,
                 MatterCd *decoded)
{
  const ASN1_OCTET_STRING *key_id = NULL;
  CMS_ContentInfo *cms;
  X509 *signer = NULL;
  BIO *out = NULL;
  uint8_t content[MATTER_CD_MAX];
  size_t content_len = 0;
  MatterCd scratch;
  MatterError err;

  if (cd == NULL || (signers == NULL && signer_count > 0))
    return MATTER_ERROR_INVALID_ARGUMENT;
  cms = parse_cms(cd, len, &key_id);
  if (cms == NULL)
    return matter_attestation_fail(MATTER_ERROR_CD_FORMAT);
  signer = find_signer(key_id, signers, signer_count, &err);
  if (signer != NULL) {
    out = BIO_new(BIO_s_mem());
    err = out != NULL ? verify_with(cms, signer, out) : MATTER_ERROR_NO_MEMORY;
  }
  if (err == MATTER_OK)
    err = matter_attestation_bio_copy(out, content, sizeof(content), &content_len);
  if (err == MATTER_OK)
    err = matter_cd_decode(content, content_len, decoded != NULL ? decoded : &scratch);
  BIO_free(out);
  X509_free(signer);
  CMS_ContentInfo_free(cms);
  return matter_attestation_fail(err);
}

/* ---- Checks against the device and its chain (Core spec 6.2.3.1) ----- */

static bool
has_product_id(const MatterCd *cd, uint16_t product_id)
{
  for (size_t i = 0; i < cd->product_id_count; i++)
    if (cd->product_ids[i] == product_id)
      return true;
  return false;
}

MatterError
matter_cd_check_device(const MatterCd *cd, uint16_t vendor_id, uint16_t product_id)
{
  if (cd == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (cd->vendor_id != vendor_id)
    return MATTER_ERROR_CD_VENDOR_ID;
  if (!has_product_id(cd, product_id))
    return MATTER_ERROR_CD_PRODUCT_ID;
  return MATTER_OK;
}

static MatterError
check_dac_origin(const MatterCd *cd, const MatterAttestationChain *chain)
{
  if (chain->dac.vendor_id != cd->dac_origin_vendor_id ||
      chain->pai.vendor_id != cd->dac_origin_vendor_id ||
      chain->dac.product_id != cd->dac_origin_product_id ||
      (chain->pai.has_product_id && chain->pai.product_id != cd->dac_origin_product_id))
    return MATTER_ERROR_CD_DAC_ORIGIN;
  return MATTER_OK;
}

static MatterError
check_vendor_and_products(const MatterCd *cd, const MatterAttestationChain *chain)
{
  if (chain->dac.vendor_id != cd->vendor_id || chain->pai.vendor_id != cd->vendor_id)
    return MATTER_ERROR_CD_VENDOR_ID;
  if (!has_product_id(cd, chain->dac.product_id) ||
      (chain->pai.has_product_id && !has_product_id(cd, chain->pai.product_id)))
    return MATTER_ERROR_CD_PRODUCT_ID;
  return MATTER_OK;
}

static MatterError
check_authorized_paa(const MatterCd *cd, const MatterAttestationChain *chain)
{
  if (cd->authorized_paa_count == 0)
    return MATTER_OK;
  for (size_t i = 0; i < cd->authorized_paa_count; i++)
    if (memcmp(cd->authorized_paas[i], chain->paa.subject_key_id, MATTER_KEY_ID_LEN) == 0)
      return MATTER_OK;
  return MATTER_ERROR_CD_PAA_NOT_AUTHORIZED;
}

MatterError
matter_cd_check_chain(const MatterCd *cd, const MatterAttestationChain *chain)
{
  MatterError err;

  if (cd == NULL || chain == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  err = cd->has_dac_origin ? check_dac_origin(cd, chain) : check_vendor_and_products(cd, chain);
  if (err == MATTER_OK)
    err = check_authorized_paa(cd, chain);
  return err;
}
