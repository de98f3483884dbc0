/* SPDX-License-Identifier: Apache-2.0 */
/* The operational CSR and the NOCSR elements.
 *
 * Vector: the CSR, nonce and NOCSR elements of project-chip/connectedhomeip
 * src/credentials/tests/TestDeviceAttestationConstruction.cpp
 * (TestNocsrElements_Construction); the DAC key signing the response is
 * the Core spec's example (6.2.2.3). */
#include <string.h>

#include <glib.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "matter/attestation.h"
#include "md-test-core.h"
#include "md-test.h"

/* Subject O=CSA, an empty extension request; csr [1], CSRNonce [2],
 * vendor_reserved1 [3] "sample_vendor_reserved1", vendor_reserved3 [5]
 * "vendor_reserved3_example". */
static const char sdk_nocsr_hex[] =
    "153001dd3081da308181020100300e310c300a060355040a0c034353413059301306072a8648ce3d020106082a86"
    "48ce3d030107034200045ca279e36682c2d46ce7d4cf8967846708b5b9f85b9cdafd8ca8852612cb0f0c7a71314e"
    "c8dc9c9634ddeefee9f63f0e8bd7dacfc3b6a4532aadd89a9651cd6ea011300f06092a864886f70d01090e310230"
    "00300a06082a8648ce3d040302034800304502200e675ee1b3bbfe152a174af535e22d55ce10c150cac01b3118de"
    "05e8fd9f1048022100d88c57cc6e74f0e5488a26167a07fd6dbef1aaad721c580b6eae21be5e6d0c72300220814a"
    "4d4c1c4a8ebbeadb0ae282f991eb13ac5f9fce94309319aa94096c8cd4b830031773616d706c655f76656e646f72"
    "5f72657365727665643130051876656e646f725f7265736572766564335f6578616d706c6518";
#define SDK_CSR_OFFSET 4
#define SDK_CSR_LEN 221
#define SDK_NONCE_OFFSET (SDK_CSR_OFFSET + SDK_CSR_LEN + 3)
static const char sdk_csr_public_hex[] =
    "045ca279e36682c2d46ce7d4cf8967846708b5b9f85b9cdafd8ca8852612cb0f0c7a71314ec8dc9c9634ddeefee9"
    "f63f0e8bd7dacfc3b6a4532aadd89a9651cd6e";

static const char spec_dac_key_pem[] =
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MHcCAQEEIHtcWp+0aVVH+DAQ38iXpphqmT7LfMnMD4V/kIqszwfuoAoGCCqGSM49\n"
    "AwEHoUQDQgAEwiWDIsfccnN8M77tcHM3qiSFvEZ5Pk1ayada10NSZskKAo7sryZQ\n"
    "/nAJ7/yuy+rR8sPRJDXewurT2ZKVv87Www==\n"
    "-----END EC PRIVATE KEY-----\n";

/* ---- PKCS #10 --------------------------------------------------------------- */

static void
test_create_verify(void)
{
  MatterP256Key *key = NULL;
  guint8 csr[MATTER_CSR_MAX], pub[MATTER_P256_PUBLIC_KEY_LEN], got[MATTER_P256_PUBLIC_KEY_LEN];
  size_t len;
  const unsigned char *p;
  X509_REQ *req;
  char subject[64];

  md_test_assert_error(matter_p256_generate(&key), MATTER_OK);
  md_test_assert_error(matter_p256_export_public(key, pub), MATTER_OK);
  md_test_assert_error(matter_csr_create(key, csr, sizeof(csr), &len), MATTER_OK);
  md_test_assert_error(matter_csr_verify(csr, len, got), MATTER_OK);
  g_assert_cmpmem(got, sizeof(got), pub, sizeof(pub));

  /* What OpenSSL makes of it: v1, O=CSA, an empty extension request. */
  p = csr;
  req = d2i_X509_REQ(NULL, &p, (long) len);
  g_assert_nonnull(req);
  g_assert_cmpint(X509_REQ_get_version(req), ==, X509_REQ_VERSION_1);
  X509_NAME_oneline(X509_REQ_get_subject_name(req), subject, sizeof(subject));
  g_assert_cmpstr(subject, ==, "/O=CSA");
  g_assert_cmpint(X509_REQ_get_attr_count(req), ==, 1);
  g_assert_cmpint(X509_REQ_get_attr_by_NID(req, NID_ext_req, -1), ==, 0);
  g_assert_cmpint(X509_REQ_verify(req, X509_REQ_get0_pubkey(req)), ==, 1);
  X509_REQ_free(req);

  md_test_assert_error(matter_csr_create(key, csr, 50, &len), MATTER_ERROR_BUFFER_TOO_SMALL);
  /* Nothing to sign with. */
  {
    MatterP256Key *public_only = NULL;

    md_test_assert_error(matter_p256_import_public(pub, &public_only), MATTER_OK);
    md_test_assert_error(matter_csr_create(public_only, csr, sizeof(csr), &len),
                         MATTER_ERROR_INVALID_KEY);
    matter_p256_free(public_only);
  }
  matter_p256_free(key);
  md_test_assert_no_openssl_error();
}

static void
test_sdk_csr(void)
{
  gsize len;
  g_autofree guint8 *nocsr = md_test_unhex(sdk_nocsr_hex, &len);
  const guint8 *csr = nocsr + SDK_CSR_OFFSET;
  guint8 got[MATTER_P256_PUBLIC_KEY_LEN], tampered[SDK_CSR_LEN];
  gsize pub_len;
  g_autofree guint8 *pub = md_test_unhex(sdk_csr_public_hex, &pub_len);

  md_test_assert_error(matter_csr_verify(csr, SDK_CSR_LEN, got), MATTER_OK);
  g_assert_cmpmem(got, sizeof(got), pub, pub_len);

  /* "O=CSA" -> "O=CSB": the self-signature no longer verifies. */
  memcpy(tampered, csr, sizeof(tampered));
  g_assert_cmpmem(tampered + 22, 3, "CSA", 3);
  tampered[24] = 'B';
  md_test_assert_error(matter_csr_verify(tampered, sizeof(tampered), got),
                       MATTER_ERROR_INVALID_SIGNATURE);
  /* A bit of the signature. */
  memcpy(tampered, csr, sizeof(tampered));
  tampered[sizeof(tampered) - 1] ^= 1;
  md_test_assert_error(matter_csr_verify(tampered, sizeof(tampered), NULL),
                       MATTER_ERROR_INVALID_SIGNATURE);
  /* A point of the key. */
  memcpy(tampered, csr, sizeof(tampered));
  tampered[60] ^= 1;
  md_test_assert_error(matter_csr_verify(tampered, sizeof(tampered), NULL),
                       MATTER_ERROR_INVALID_KEY);
  /* Cut short, or with a byte after it. */
  md_test_assert_error(matter_csr_verify(csr, SDK_CSR_LEN - 1, NULL), MATTER_ERROR_CSR_FORMAT);
  md_test_assert_error(matter_csr_verify(nocsr, SDK_CSR_LEN + 4, NULL), MATTER_ERROR_CSR_FORMAT);
  md_test_assert_error(matter_csr_verify(csr, 0, NULL), MATTER_ERROR_CSR_FORMAT);
  md_test_assert_no_openssl_error();
}

/* PEM in; other curves and hashes out. */
static void
test_openssl_csrs(void)
{
  const struct {
    const char *curve;
    gboolean sha384;
    MatterError error;
  } cases[] = {
    { "P-256", FALSE, MATTER_OK },
    { "P-384", FALSE, MATTER_ERROR_INVALID_KEY },
    { "P-256", TRUE, MATTER_ERROR_INVALID_SIGNATURE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    EVP_PKEY *pkey = EVP_EC_gen(cases[i].curve);
    X509_REQ *req = X509_REQ_new();
    BIO *bio = BIO_new(BIO_s_mem());
    char *pem;
    long pem_len;
    unsigned char *der = NULL;
    int der_len;

    g_assert_nonnull(pkey);
    X509_REQ_set_pubkey(req, pkey);
    g_assert_cmpint(X509_REQ_sign(req, pkey, cases[i].sha384 ? EVP_sha384() : EVP_sha256()), >, 0);
    g_assert_cmpint(PEM_write_bio_X509_REQ(bio, req), ==, 1);
    pem_len = BIO_get_mem_data(bio, &pem);
    md_test_assert_error(matter_csr_verify((const guint8 *) pem, (size_t) pem_len, NULL),
                         cases[i].error);
    der_len = i2d_X509_REQ(req, &der);
    md_test_assert_error(matter_csr_verify(der, (size_t) der_len, NULL), cases[i].error);
    OPENSSL_free(der);
    BIO_free(bio);
    X509_REQ_free(req);
    EVP_PKEY_free(pkey);
  }
  md_test_assert_no_openssl_error();
}

/* ---- NOCSR elements ------------------------------------------------------------ */

static void
test_nocsr_vector(void)
{
  gsize len;
  g_autofree guint8 *vector = md_test_unhex(sdk_nocsr_hex, &len);
  MatterNocsrElements elements = {
    vector + SDK_CSR_OFFSET,
    SDK_CSR_LEN,
    vector + SDK_NONCE_OFFSET,
    { (const guint8 *) "sample_vendor_reserved1", NULL,
      (const guint8 *) "vendor_reserved3_example" },
    { 23, 0, 24 },
  };
  MatterNocsrElements decoded;
  guint8 out[MATTER_NOCSR_ELEMENTS_MAX];
  size_t out_len;

  g_assert_cmpuint(len, ==, 314);
  md_test_assert_error(matter_nocsr_elements_encode(&elements, out, sizeof(out), &out_len),
                       MATTER_OK);
  g_assert_cmpmem(out, out_len, vector, len);
  md_test_assert_error(matter_nocsr_elements_decode(vector, len, &decoded), MATTER_OK);
  g_assert_true(decoded.csr == vector + SDK_CSR_OFFSET);
  g_assert_cmpuint(decoded.csr_len, ==, SDK_CSR_LEN);
  g_assert_true(decoded.csr_nonce == vector + SDK_NONCE_OFFSET);
  g_assert_cmpmem(decoded.vendor_reserved[0], decoded.vendor_reserved_len[0],
                  "sample_vendor_reserved1", 23);
  g_assert_null(decoded.vendor_reserved[1]);
  g_assert_cmpmem(decoded.vendor_reserved[2], decoded.vendor_reserved_len[2],
                  "vendor_reserved3_example", 24);

  md_test_assert_error(matter_nocsr_elements_encode(&elements, out, 100, &out_len),
                       MATTER_ERROR_BUFFER_TOO_SMALL);
  elements.csr_nonce = NULL;
  md_test_assert_error(matter_nocsr_elements_encode(&elements, out, sizeof(out), &out_len),
                       MATTER_ERROR_INVALID_ARGUMENT);
}

static void
test_nocsr_decode_errors(void)
{
  gsize len;
  g_autofree guint8 *vector = md_test_unhex(sdk_nocsr_hex, &len);
  g_autofree guint8 *buf = g_malloc(len + 8);
  MatterNocsrElements decoded;

  /* The nonce one byte short. */
  memcpy(buf, vector, len);
  buf[SDK_NONCE_OFFSET - 1] = 31;
  memmove(buf + SDK_NONCE_OFFSET + 31, buf + SDK_NONCE_OFFSET + 32, len - SDK_NONCE_OFFSET - 32);
  md_test_assert_error(matter_nocsr_elements_decode(buf, len - 1, &decoded),
                       MATTER_ERROR_ATTESTATION_ELEMENTS);
  /* No nonce: the CSR, then the end. */
  memcpy(buf, vector, SDK_NONCE_OFFSET - 3);
  buf[SDK_NONCE_OFFSET - 3] = 0x18;
  md_test_assert_error(matter_nocsr_elements_decode(buf, SDK_NONCE_OFFSET - 2, &decoded),
                       MATTER_ERROR_ATTESTATION_ELEMENTS);
  /* Nonce before CSR. */
  buf[0] = 0x15;
  memcpy(buf + 1, vector + SDK_NONCE_OFFSET - 3, 35);
  memcpy(buf + 36, vector + 1, SDK_NONCE_OFFSET - 4);
  buf[SDK_NONCE_OFFSET + 32] = 0x18;
  md_test_assert_error(matter_nocsr_elements_decode(buf, SDK_NONCE_OFFSET + 33, &decoded),
                       MATTER_ERROR_ATTESTATION_ELEMENTS);
  /* An unknown tag (9) is skipped; a fully-qualified one is not allowed. */
  memcpy(buf, vector, len - 1);
  memcpy(buf + len - 1, "\x24\x09\x01\x18", 4);
  md_test_assert_error(matter_nocsr_elements_decode(buf, len + 3, &decoded), MATTER_OK);
  memcpy(buf + len - 1, "\xc4\xf1\xff\x3e\x00\x01\x00\x01\x18", 9);
  md_test_assert_error(matter_nocsr_elements_decode(buf, len + 8, &decoded),
                       MATTER_ERROR_ATTESTATION_ELEMENTS);
  md_test_assert_error(matter_nocsr_elements_decode(vector, len - 1, &decoded),
                       MATTER_ERROR_TRUNCATED);
}

static void
test_nocsr_response(void)
{
  gsize key_len = strlen(spec_dac_key_pem);
  MatterP256Key *dac = NULL, *op = NULL;
  guint8 dac_pub[MATTER_P256_PUBLIC_KEY_LEN], op_pub[MATTER_P256_PUBLIC_KEY_LEN];
  guint8 csr_pub[MATTER_P256_PUBLIC_KEY_LEN];
  guint8 csr[MATTER_CSR_MAX], nonce[MATTER_CSR_NONCE_LEN];
  guint8 challenge[MATTER_ATTESTATION_CHALLENGE_LEN], sig[MATTER_P256_SIGNATURE_LEN];
  guint8 elements[MATTER_NOCSR_ELEMENTS_MAX];
  size_t csr_len, len;
  MatterNocsrElements nocsr = { 0 }, decoded;

  md_test_assert_error(
      matter_attestation_key_parse((const guint8 *) spec_dac_key_pem, key_len, &dac), MATTER_OK);
  md_test_assert_error(matter_p256_export_public(dac, dac_pub), MATTER_OK);
  md_test_assert_error(matter_p256_generate(&op), MATTER_OK);
  md_test_assert_error(matter_p256_export_public(op, op_pub), MATTER_OK);
  md_test_assert_error(matter_random(nonce, sizeof(nonce)), MATTER_OK);
  md_test_assert_error(matter_random(challenge, sizeof(challenge)), MATTER_OK);

  /* What a node does for CSRRequest. */
  md_test_assert_error(matter_csr_create(op, csr, sizeof(csr), &csr_len), MATTER_OK);
  nocsr.csr = csr;
  nocsr.csr_len = csr_len;
  nocsr.csr_nonce = nonce;
  md_test_assert_error(matter_nocsr_elements_encode(&nocsr, elements, sizeof(elements), &len),
                       MATTER_OK);
  md_test_assert_error(matter_attestation_sign(dac, elements, len, challenge, sig), MATTER_OK);

  /* What a commissioner checks. */
  md_test_assert_error(matter_nocsr_response_verify(dac_pub, elements, len, challenge, sig, nonce,
                                                    &decoded, csr_pub),
                       MATTER_OK);
  g_assert_cmpmem(csr_pub, sizeof(csr_pub), op_pub, sizeof(op_pub));
  g_assert_cmpmem(decoded.csr, decoded.csr_len, csr, csr_len);
  nonce[3] ^= 1;
  md_test_assert_error(
      matter_nocsr_response_verify(dac_pub, elements, len, challenge, sig, nonce, NULL, NULL),
      MATTER_ERROR_ATTESTATION_NONCE);
  nonce[3] ^= 1;
  challenge[0] ^= 1;
  md_test_assert_error(
      matter_nocsr_response_verify(dac_pub, elements, len, challenge, sig, nonce, NULL, NULL),
      MATTER_ERROR_INVALID_SIGNATURE);
  challenge[0] ^= 1;
  /* The operational key's signature: a CSR tampered before the DAC signed
   * the elements. */
  csr[csr_len - 1] ^= 1;
  md_test_assert_error(matter_nocsr_elements_encode(&nocsr, elements, sizeof(elements), &len),
                       MATTER_OK);
  md_test_assert_error(matter_attestation_sign(dac, elements, len, challenge, sig), MATTER_OK);
  md_test_assert_error(
      matter_nocsr_response_verify(dac_pub, elements, len, challenge, sig, nonce, NULL, csr_pub),
      MATTER_ERROR_INVALID_SIGNATURE);
  matter_p256_free(dac);
  matter_p256_free(op);
  md_test_assert_no_openssl_error();
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  g_test_add_func("/csr/create-verify", test_create_verify);
  g_test_add_func("/csr/sdk-vector", test_sdk_csr);
  g_test_add_func("/csr/openssl", test_openssl_csrs);
  g_test_add_func("/csr/nocsr/vector", test_nocsr_vector);
  g_test_add_func("/csr/nocsr/decode-errors", test_nocsr_decode_errors);
  g_test_add_func("/csr/nocsr/response", test_nocsr_response);
  return g_test_run();
}
