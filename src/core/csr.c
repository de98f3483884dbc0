/* SPDX-License-Identifier: Apache-2.0 */
/* The operational CSR (Core spec 6.4.6.1, 6.4.7) and the NOCSR elements
 * of CSRResponse (11.18.5.7). */
#include "matter/attestation.h"

#include <string.h>

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "attestation-private.h"
#include "matter/tlv.h"

/* Any subject will do; a fixed organization keeps CSRs from different
 * nodes alike and says nothing about the node. */
#define CSR_ORGANIZATION "CSA"
/* PEM of a CSR of MATTER_CSR_MAX bytes fits in this. */
#define CSR_PEM_MAX (2 * MATTER_CSR_MAX)

/* NOCSR elements tags (Core spec 11.18.5.7). */
enum {
  TAG_CSR = 1,
  TAG_CSR_NONCE = 2,
  TAG_VENDOR_RESERVED1 = 3,
  TAG_VENDOR_RESERVED3 = 5,
};

/* ---- PKCS #10 ----------------------------------------------------------- */

static bool
set_subject(X509_REQ *req)
{
  X509_NAME *name = X509_NAME_new();
  bool ok = name != NULL &&
            X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                                       (const unsigned char *) CSR_ORGANIZATION, -1, -1, 0) == 1 &&
            X509_REQ_set_subject_name(req, name) == 1;

  X509_NAME_free(name);
  return ok;
}

/* An empty extension request, as in the spec's example CSR. */
static bool
add_extension_request(X509_REQ *req)
{
  STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
  bool ok = exts != NULL && X509_REQ_add_extensions(req, exts) == 1;

  sk_X509_EXTENSION_free(exts);
  return ok;
}

MatterError
matter_csr_create(const MatterP256Key *key, uint8_t *der, size_t size, size_t *len)
{
  uint8_t priv[MATTER_P256_PRIVATE_KEY_LEN];
  X509_REQ *req = NULL;
  EVP_PKEY *pkey = NULL;
  unsigned char *p = der;
  int n = 0;
  MatterError err;

  if (key == NULL || der == NULL || len == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  err = matter_p256_export_private(key, priv);
  OPENSSL_cleanse(priv, sizeof(priv));
  if (err != MATTER_OK)
    return err; /* nothing to sign with */
  pkey = matter_attestation_pkey_new(key);
  req = X509_REQ_new();
  if (pkey == NULL || req == NULL || X509_REQ_set_version(req, X509_REQ_VERSION_1) != 1 ||
      !set_subject(req) || X509_REQ_set_pubkey(req, pkey) != 1 || !add_extension_request(req) ||
      X509_REQ_sign(req, pkey, EVP_sha256()) <= 0 || (n = i2d_X509_REQ(req, NULL)) <= 0)
    err = MATTER_ERROR_CRYPTO;
  else if ((size_t) n > size)
    err = MATTER_ERROR_BUFFER_TOO_SMALL;
  else if (i2d_X509_REQ(req, &p) != n)
    err = MATTER_ERROR_CRYPTO;
  else
    *len = (size_t) n;
  X509_REQ_free(req);
  EVP_PKEY_free(pkey);
  return matter_attestation_fail(err);
}

static X509_REQ *
parse_csr(const uint8_t *data, size_t len)
{
  X509_REQ *req = NULL;

  if (data == NULL || len == 0)
    return NULL;
  if (matter_attestation_is_pem(data, len)) {
    BIO *bio = len <= CSR_PEM_MAX ? matter_attestation_bio_new(data, len) : NULL;

    if (bio != NULL)
      req = PEM_read_bio_X509_REQ(bio, NULL, NULL, NULL);
    BIO_free(bio);
  } else if (len <= MATTER_CSR_MAX) {
    const unsigned char *p = data;

    req = d2i_X509_REQ(NULL, &p, (long) len);
    if (req != NULL && p != data + len) {
      X509_REQ_free(req);
      req = NULL;
    }
  }
  return req;
}

static MatterError
check_csr(X509_REQ *req, uint8_t public_key[MATTER_P256_PUBLIC_KEY_LEN])
{
  const X509_ALGOR *algorithm = NULL;
  const ASN1_OBJECT *object = NULL;
  EVP_PKEY *pkey;

  if (X509_REQ_get_version(req) != X509_REQ_VERSION_1)
    return MATTER_ERROR_CSR_FORMAT;
  pkey = X509_REQ_get0_pubkey(req);
  if (matter_attestation_pkey_public(pkey, public_key) != MATTER_OK)
    return MATTER_ERROR_INVALID_KEY;
  X509_REQ_get0_signature(req, NULL, &algorithm);
  X509_ALGOR_get0(&object, NULL, NULL, algorithm);
  if (OBJ_obj2nid(object) != NID_ecdsa_with_SHA256 || X509_REQ_verify(req, pkey) != 1)
    return MATTER_ERROR_INVALID_SIGNATURE;
  return MATTER_OK;
}

MatterError
matter_csr_verify(const uint8_t *csr, size_t len, uint8_t public_key[MATTER_P256_PUBLIC_KEY_LEN])
{
  uint8_t pub[MATTER_P256_PUBLIC_KEY_LEN];
  X509_REQ *req;
  MatterError err;

  if (csr == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  req = parse_csr(csr, len);
  if (req == NULL)
    return matter_attestation_fail(MATTER_ERROR_CSR_FORMAT);
  err = check_csr(req, pub);
  X509_REQ_free(req);
  if (err == MATTER_OK && public_key != NULL)
    memcpy(public_key, pub, sizeof(pub));
  return matter_attestation_fail(err);
}

/* ---- NOCSR elements ------------------------------------------------------ */

MatterError
matter_nocsr_elements_encode(const MatterNocsrElements *elements, uint8_t *out, size_t size,
                             size_t *len)
{
  MatterTlvWriter writer;
  size_t n;
  MatterError err;

  if (elements == NULL || out == NULL || len == NULL || elements->csr == NULL ||
      elements->csr_len == 0 || elements->csr_nonce == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  for (int i = 0; i < 3; i++)
    if (elements->vendor_reserved[i] == NULL && elements->vendor_reserved_len[i] > 0)
      return MATTER_ERROR_INVALID_ARGUMENT;
  matter_tlv_writer_init(&writer, out, size);
  matter_tlv_start_structure(&writer, matter_tlv_tag_anonymous());
  matter_tlv_put_bytes(&writer, matter_tlv_tag_context(TAG_CSR), elements->csr, elements->csr_len);
  matter_tlv_put_bytes(&writer, matter_tlv_tag_context(TAG_CSR_NONCE), elements->csr_nonce,
                       MATTER_CSR_NONCE_LEN);
  for (int i = 0; i < 3; i++)
    if (elements->vendor_reserved[i] != NULL)
      matter_tlv_put_bytes(&writer, matter_tlv_tag_context((uint8_t) (TAG_VENDOR_RESERVED1 + i)),
                           elements->vendor_reserved[i], elements->vendor_reserved_len[i]);
  matter_tlv_end_container(&writer);
  err = matter_tlv_writer_finish(&writer, &n);
  if (err != MATTER_OK)
    return err;
  if (n > MATTER_NOCSR_ELEMENTS_MAX)
    return MATTER_ERROR_BUFFER_TOO_SMALL;
  *len = n;
  return MATTER_OK;
}

static MatterError
read_nocsr_field(const MatterTlvReader *reader, unsigned tag, MatterNocsrElements *elements)
{
  const uint8_t *data;
  size_t len;

  if (tag > TAG_VENDOR_RESERVED3)
    return MATTER_OK; /* reserved for later revisions */
  if (matter_tlv_get_bytes(reader, &data, &len) != MATTER_OK)
    return MATTER_ERROR_ATTESTATION_ELEMENTS;
  switch (tag) {
  case TAG_CSR:
    elements->csr = data;
    elements->csr_len = len;
    return len > 0 ? MATTER_OK : MATTER_ERROR_ATTESTATION_ELEMENTS;
  case TAG_CSR_NONCE:
    elements->csr_nonce = data;
    return len == MATTER_CSR_NONCE_LEN ? MATTER_OK : MATTER_ERROR_ATTESTATION_ELEMENTS;
  default:
    elements->vendor_reserved[tag - TAG_VENDOR_RESERVED1] = data;
    elements->vendor_reserved_len[tag - TAG_VENDOR_RESERVED1] = len;
    return MATTER_OK;
  }
}

MatterError
matter_nocsr_elements_decode(const uint8_t *buf, size_t len, MatterNocsrElements *elements)
{
  MatterTlvReader reader;
  unsigned last_tag = 0;
  MatterError err;

  if (buf == NULL || elements == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  memset(elements, 0, sizeof(*elements));
  err = matter_tlv_enter_top_structure(&reader, buf, len, MATTER_ERROR_ATTESTATION_ELEMENTS,
                                       MATTER_ERROR_ATTESTATION_ELEMENTS);
  while (err == MATTER_OK && (err = matter_tlv_next(&reader)) == MATTER_OK) {
    MatterTlvTag tag = matter_tlv_get_tag(&reader);

    /* STRUCTURE [tag-order]: context tags only, increasing. */
    if (tag.kind != MATTER_TLV_TAG_CONTEXT || tag.number <= last_tag)
      return MATTER_ERROR_ATTESTATION_ELEMENTS;
    last_tag = tag.number;
    err = read_nocsr_field(&reader, tag.number, elements);
  }
  if (err != MATTER_ERROR_TLV_END)
    return err;
  if (elements->csr == NULL || elements->csr_nonce == NULL)
    return MATTER_ERROR_ATTESTATION_ELEMENTS;
  return MATTER_OK;
}

MatterError
matter_nocsr_response_verify(const uint8_t dac_public_key[MATTER_P256_PUBLIC_KEY_LEN],
                             const uint8_t *elements, size_t len,
                             const uint8_t challenge[MATTER_ATTESTATION_CHALLENGE_LEN],
                             const uint8_t signature[MATTER_P256_SIGNATURE_LEN],
                             const uint8_t nonce[MATTER_CSR_NONCE_LEN],
                             MatterNocsrElements *decoded,
                             uint8_t csr_public_key[MATTER_P256_PUBLIC_KEY_LEN])
{
  MatterNocsrElements scratch;
  MatterNocsrElements *out = decoded != NULL ? decoded : &scratch;
  MatterError err;

  if (nonce == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  err = matter_attestation_signature_verify(dac_public_key, elements, len, challenge, signature);
  if (err == MATTER_OK)
    err = matter_nocsr_elements_decode(elements, len, out);
  if (err == MATTER_OK && memcmp(out->csr_nonce, nonce, MATTER_CSR_NONCE_LEN) != 0)
    err = MATTER_ERROR_ATTESTATION_NONCE;
  if (err == MATTER_OK)
    err = matter_csr_verify(out->csr, out->csr_len, csr_public_key);
  return err;
}
