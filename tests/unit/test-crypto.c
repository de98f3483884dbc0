/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include <glib.h>

#include "matter/crypto.h"
#include "md-test-core.h"
#include "md-test.h"

static void
fill_sequence(guint8 *buf, gsize len, guint8 first)
{
  for (gsize i = 0; i < len; i++)
    buf[i] = (guint8) (first + i);
}

/* SHA-256 */

/* FIPS 180-2, Appendix B.1 ("abc") and B.2 (the 448-bit message). */
#define SHA256_ABC "abc"
#define SHA256_ABC_DIGEST "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define SHA256_448 "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
#define SHA256_448_DIGEST "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"

static void
test_sha256_fips180(void)
{
  guint8 out[MATTER_SHA256_LEN];

  g_assert_cmpint(matter_sha256((const guint8 *) SHA256_ABC, 3, out), ==, MATTER_OK);
  md_test_assert_hex(out, sizeof(out), SHA256_ABC_DIGEST);
  g_assert_cmpint(matter_sha256((const guint8 *) SHA256_448, 56, out), ==, MATTER_OK);
  md_test_assert_hex(out, sizeof(out), SHA256_448_DIGEST);

  /* NIST CAVS SHA256ShortMsg.rsp, Len = 0. */
  g_assert_cmpint(matter_sha256(NULL, 0, out), ==, MATTER_OK);
  md_test_assert_hex(out, sizeof(out),
                     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

  g_assert_cmpint(matter_sha256(NULL, 1, out), ==, MATTER_ERROR_INVALID_ARGUMENT);
}

static void
test_sha256_incremental(void)
{
  const guint8 *msg = (const guint8 *) SHA256_448;
  gsize len = strlen(SHA256_448);
  guint8 want[MATTER_SHA256_LEN];
  guint8 got[MATTER_SHA256_LEN];

  g_assert_cmpint(matter_sha256(msg, len, want), ==, MATTER_OK);

  /* Every split into two parts, with empty parts at the ends. */
  for (gsize split = 0; split <= len; split++) {
    MatterSha256 *hash = matter_sha256_new();

    g_assert_nonnull(hash);
    g_assert_cmpint(matter_sha256_update(hash, msg, split), ==, MATTER_OK);
    g_assert_cmpint(matter_sha256_update(hash, msg + split, len - split), ==, MATTER_OK);
    g_assert_cmpint(matter_sha256_peek(hash, got), ==, MATTER_OK);
    g_assert_cmpmem(got, sizeof(got), want, sizeof(want));
    matter_sha256_free(hash);
  }

  /* Byte by byte. */
  MatterSha256 *hash = matter_sha256_new();
  for (gsize i = 0; i < len; i++)
    g_assert_cmpint(matter_sha256_update(hash, msg + i, 1), ==, MATTER_OK);
  g_assert_cmpint(matter_sha256_update(hash, NULL, 0), ==, MATTER_OK);
  g_assert_cmpint(matter_sha256_peek(hash, got), ==, MATTER_OK);
  g_assert_cmpmem(got, sizeof(got), want, sizeof(want));
  g_assert_cmpint(matter_sha256_update(hash, NULL, 1), ==, MATTER_ERROR_INVALID_ARGUMENT);
  matter_sha256_free(hash);

  matter_sha256_free(NULL);
}

static void
test_sha256_peek_continue(void)
{
  MatterSha256 *hash = matter_sha256_new();
  guint8 out[MATTER_SHA256_LEN];

  /* The 448-bit message starts with "abc": peek at that prefix, then go on. */
  g_assert_cmpint(matter_sha256_update(hash, (const guint8 *) SHA256_448, 3), ==, MATTER_OK);
  g_assert_cmpint(matter_sha256_peek(hash, out), ==, MATTER_OK);
  md_test_assert_hex(out, sizeof(out), SHA256_ABC_DIGEST);
  /* Peeking twice gives the same digest: the state is untouched. */
  g_assert_cmpint(matter_sha256_peek(hash, out), ==, MATTER_OK);
  md_test_assert_hex(out, sizeof(out), SHA256_ABC_DIGEST);

  g_assert_cmpint(matter_sha256_update(hash, (const guint8 *) SHA256_448 + 3, 53), ==, MATTER_OK);
  g_assert_cmpint(matter_sha256_peek(hash, out), ==, MATTER_OK);
  md_test_assert_hex(out, sizeof(out), SHA256_448_DIGEST);
  matter_sha256_free(hash);
}

/* HMAC-SHA256 */

static void
check_hmac(const guint8 *key, gsize key_len, const guint8 *data, gsize data_len, const char *mac)
{
  guint8 out[MATTER_SHA256_LEN];

  g_assert_cmpint(matter_hmac_sha256(key, key_len, data, data_len, out), ==, MATTER_OK);
  md_test_assert_hex(out, sizeof(out), mac);
}

static void
test_hmac_rfc4231(void)
{
  static const char tc6_data[] = "Test Using Larger Than Block-Size Key - Hash Key First";
  static const char tc7_data[] = "This is a test using a larger than block-size key and a larger "
                                 "than block-size data. The key needs to be hashed before being "
                                 "used by the HMAC algorithm.";
  guint8 key[131];
  guint8 data[50];

  /* RFC 4231 section 4.2, test case 1. */
  memset(key, 0x0b, 20);
  check_hmac(key, 20, (const guint8 *) "Hi There", 8,
             "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");

  /* Section 4.3, test case 2: a key shorter than the output. */
  check_hmac((const guint8 *) "Jefe", 4, (const guint8 *) "what do ya want for nothing?", 28,
             "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");

  /* Section 4.4, test case 3. */
  memset(key, 0xaa, 20);
  memset(data, 0xdd, 50);
  check_hmac(key, 20, data, 50, "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");

  /* Section 4.5, test case 4. */
  fill_sequence(key, 25, 0x01);
  memset(data, 0xcd, 50);
  check_hmac(key, 25, data, 50, "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");

  /* Section 4.7, test case 6: a key longer than the block is hashed first. */
  memset(key, 0xaa, 131);
  check_hmac(key, 131, (const guint8 *) tc6_data, strlen(tc6_data),
             "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");

  /* Section 4.8, test case 7: long key and data longer than a block. */
  check_hmac(key, 131, (const guint8 *) tc7_data, strlen(tc7_data),
             "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

static void
test_hmac_empty(void)
{
  guint8 zero_key[MATTER_SHA256_LEN] = { 0 };
  guint8 a[MATTER_SHA256_LEN];
  guint8 b[MATTER_SHA256_LEN];

  /* HMAC-SHA256 with empty key and message, as the "HMAC" article of
   * Wikipedia lists it among its examples. */
  check_hmac(NULL, 0, NULL, 0, "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");

  /* RFC 2104 pads the key with zeros, so an empty key and a zero key agree. */
  g_assert_cmpint(matter_hmac_sha256(NULL, 0, (const guint8 *) "x", 1, a), ==, MATTER_OK);
  g_assert_cmpint(matter_hmac_sha256(zero_key, sizeof(zero_key), (const guint8 *) "x", 1, b), ==,
                  MATTER_OK);
  g_assert_cmpmem(a, sizeof(a), b, sizeof(b));

  g_assert_cmpint(matter_hmac_sha256(NULL, 1, NULL, 0, a), ==, MATTER_ERROR_INVALID_ARGUMENT);
  g_assert_cmpint(matter_hmac_sha256(zero_key, 1, NULL, 1, a), ==, MATTER_ERROR_INVALID_ARGUMENT);
}

/* HKDF-SHA256 */

static void
test_hkdf_rfc5869(void)
{
  guint8 ikm[80];
  guint8 salt[80];
  guint8 info[80];
  guint8 okm[82];

  /* RFC 5869, A.1: basic test case with SHA-256. */
  memset(ikm, 0x0b, 22);
  fill_sequence(salt, 13, 0x00);
  fill_sequence(info, 10, 0xf0);
  g_assert_cmpint(matter_hkdf_sha256(ikm, 22, salt, 13, info, 10, okm, 42), ==, MATTER_OK);
  md_test_assert_hex(okm, 42,
                     "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
                     "34007208d5b887185865");

  /* RFC 5869, A.2: longer inputs and outputs. */
  fill_sequence(ikm, 80, 0x00);
  fill_sequence(salt, 80, 0x60);
  fill_sequence(info, 80, 0xb0);
  g_assert_cmpint(matter_hkdf_sha256(ikm, 80, salt, 80, info, 80, okm, 82), ==, MATTER_OK);
  md_test_assert_hex(okm, 82,
                     "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
                     "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
                     "cc30c58179ec3e87c14c01d5c1f3434f1d87");

  /* RFC 5869, A.3: zero-length salt and info. */
  memset(ikm, 0x0b, 22);
  g_assert_cmpint(matter_hkdf_sha256(ikm, 22, NULL, 0, NULL, 0, okm, 42), ==, MATTER_OK);
  md_test_assert_hex(okm, 42,
                     "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
                     "9d201395faa4b61a96c8");
  /* An empty but non-NULL salt is the same thing. */
  memset(okm, 0, sizeof(okm));
  g_assert_cmpint(matter_hkdf_sha256(ikm, 22, salt, 0, info, 0, okm, 42), ==, MATTER_OK);
  md_test_assert_hex(okm, 42,
                     "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
                     "9d201395faa4b61a96c8");
}

static void
test_hkdf_lengths(void)
{
  guint8 ikm[16] = { 1 };
  g_autofree guint8 *okm = g_malloc(255 * MATTER_SHA256_LEN + 1);

  /* RFC 5869 2.3: L <= 255 * HashLen. */
  g_assert_cmpint(
      matter_hkdf_sha256(ikm, sizeof(ikm), NULL, 0, NULL, 0, okm, 255 * MATTER_SHA256_LEN), ==,
      MATTER_OK);
  g_assert_cmpint(
      matter_hkdf_sha256(ikm, sizeof(ikm), NULL, 0, NULL, 0, okm, 255 * MATTER_SHA256_LEN + 1), ==,
      MATTER_ERROR_INVALID_ARGUMENT);
  g_assert_cmpint(matter_hkdf_sha256(ikm, sizeof(ikm), NULL, 0, NULL, 0, okm, 0), ==,
                  MATTER_ERROR_INVALID_ARGUMENT);
  g_assert_cmpint(matter_hkdf_sha256(ikm, sizeof(ikm), NULL, 1, NULL, 0, okm, 16), ==,
                  MATTER_ERROR_INVALID_ARGUMENT);
  g_assert_cmpint(matter_hkdf_sha256(ikm, sizeof(ikm), NULL, 0, NULL, 0, NULL, 16), ==,
                  MATTER_ERROR_INVALID_ARGUMENT);
}

/* PBKDF2-HMAC-SHA256 */

static void
check_pbkdf2(const char *password, const char *salt, guint32 iterations, const char *dk)
{
  gsize len;
  g_autofree guint8 *want = md_test_unhex(dk, &len);
  g_autofree guint8 *got = g_malloc(len);

  g_assert_cmpint(matter_pbkdf2_sha256((const guint8 *) password, strlen(password),
                                       (const guint8 *) salt, strlen(salt), iterations, got, len),
                  ==, MATTER_OK);
  g_assert_cmpmem(got, len, want, len);
}

static void
test_pbkdf2_rfc7914(void)
{
  /* RFC 7914 section 11, the two PBKDF2-HMAC-SHA256 vectors. */
  check_pbkdf2("passwd", "salt", 1,
               "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
               "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783");
  check_pbkdf2("Password", "NaCl", 80000,
               "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
               "a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d");
}

static void
test_pbkdf2_more(void)
{
  /* RFC 6070's inputs with SHA-256, as published in the answer at
   * https://stackoverflow.com/a/5136918 (dkLen 32). */
  check_pbkdf2("password", "salt", 1,
               "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b");
  check_pbkdf2("password", "salt", 2,
               "ae4d0c95af6b46d32d0adff928f06dd02a303f8ef3c251dfd6e2d85a95474c43");
  check_pbkdf2("password", "salt", 4096,
               "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a");

  /* Matter SDK, src/crypto/tests/PBKDF2_SHA256_test_vectors.h, tcId 1 and 5:
   * output lengths that are not a whole number of blocks. */
  check_pbkdf2("password", "saltSALT", 1, "9a87d25e37408fd72f423d2285c7086d3a642a26");
  check_pbkdf2("passwordPASSWORDpassword", "saltSALTsaltSALT", 10,
               "281aef26fa2ddf5b768201ff3addfc680ada0787c9b4765542");
}

static void
test_pbkdf2_arguments(void)
{
  guint8 out[32];

  g_assert_cmpint(
      matter_pbkdf2_sha256((const guint8 *) "p", 1, (const guint8 *) "s", 1, 0, out, sizeof(out)),
      ==, MATTER_ERROR_INVALID_ARGUMENT);
  g_assert_cmpint(matter_pbkdf2_sha256((const guint8 *) "p", 1, (const guint8 *) "s", 1, 1, out, 0),
                  ==, MATTER_ERROR_INVALID_ARGUMENT);
  g_assert_cmpint(matter_pbkdf2_sha256(NULL, 1, (const guint8 *) "s", 1, 1, out, sizeof(out)), ==,
                  MATTER_ERROR_INVALID_ARGUMENT);
  g_assert_cmpint(matter_pbkdf2_sha256((const guint8 *) "p", 1, NULL, 1, 1, out, sizeof(out)), ==,
                  MATTER_ERROR_INVALID_ARGUMENT);
}

/* AES-CCM */

typedef struct {
  const char *name;
  const char *key;
  const char *nonce;
  const char *aad;
  const char *pt;
  const char *ct;
  const char *tag;
} CcmVector;

static const CcmVector ccm_vectors[] = {
  /* RFC 3610 section 8, packet vectors #1 to #3: the first 8 bytes of each
   * packet are the AAD, M = 8, L = 2 (13-byte nonce). */
  { "RFC 3610 #1", "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf", "00000003020100a0a1a2a3a4a5",
    "0001020304050607", "08090a0b0c0d0e0f101112131415161718191a1b1c1d1e",
    "588c979a61c663d2f066d0c2c0f989806d5f6b61dac384", "17e8d12cfdf926e0" },
  { "RFC 3610 #2", "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf", "00000004030201a0a1a2a3a4a5",
    "0001020304050607", "08090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
    "72c91a36e135f8cf291ca894085c87e3cc15c439c9e43a3b", "a091d56e10400916" },
  { "RFC 3610 #3", "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf", "00000005040302a0a1a2a3a4a5",
    "0001020304050607", "08090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20",
    "51b1e5f44a197d1da46b0f8e2d282ae871e838bb64da859657", "4adaa76fbd9fb0c5" },
  /* NIST SP 800-38C Appendix C, examples 1 to 3 (example 4 is below). */
  { "SP 800-38C C.1", "404142434445464748494a4b4c4d4e4f", "10111213141516", "0001020304050607",
    "20212223", "7162015b", "4dac255d" },
  { "SP 800-38C C.2", "404142434445464748494a4b4c4d4e4f", "1011121314151617",
    "000102030405060708090a0b0c0d0e0f", "202122232425262728292a2b2c2d2e2f",
    "d2a1f0e051ea5f62081a7792073d593d", "1fc64fbfaccd" },
  { "SP 800-38C C.3", "404142434445464748494a4b4c4d4e4f", "101112131415161718191a1b",
    "000102030405060708090a0b0c0d0e0f10111213", "202122232425262728292a2b2c2d2e2f3031323334353637",
    "e3b201a9f5b71a7a9b1ceaeccd97e70b6176aad9a4428aa5", "484392fbc1b09951" },
  /* NIST CAVS 11.0 CCM, VADT128.rsp: Nlen = 13, Tlen = 16 as Matter uses
   * it; [Alen = 0] Count = 0 and [Alen = 32] Count = 0. */
  { "CAVS VADT128 Alen=0", "d24a3d3dde8c84830280cb87abad0bb3", "f1100035bb24a8d26004e0e24b", "",
    "7c86135ed9c2a515aaae0e9a208133897269220f30870006",
    "1faeb0ee2ca2cd52f0aa3966578344f24e69b742c4ab37ab", "1123301219c70599b7c373ad4b3ad67b" },
  { "CAVS VADT128 Alen=32", "5a33980e71e7d67fd6cf171454dc96e5", "33ae68ebb8010c6b3da6b9cb29",
    "eca622a37570df619e10ebb18bebadb2f2b49c4d2b2ff715873bb672e30fc0ff",
    "a34dfa24847c365291ce1b54bcf8d9a75d861e5133cc3a74",
    "7a60fa7ee8859e283cce378fb6b95522ab8b70efcdb0265f", "7c4b4fa597666b86dd1353e400f28864" },
};

static void
check_ccm(const guint8 *key, const guint8 *nonce, gsize nonce_len, const guint8 *aad, gsize aad_len,
          const guint8 *pt, const guint8 *ct, gsize len, const guint8 *tag, gsize tag_len)
{
  g_autofree guint8 *out = g_malloc(len + 1);
  guint8 got_tag[MATTER_AES_CCM_TAG_LEN];

  g_assert_cmpint(
      matter_aes_ccm_encrypt(key, nonce, nonce_len, aad, aad_len, pt, len, out, got_tag, tag_len),
      ==, MATTER_OK);
  g_assert_cmpmem(out, len, ct, len);
  g_assert_cmpmem(got_tag, tag_len, tag, tag_len);

  memset(out, 0, len + 1);
  g_assert_cmpint(
      matter_aes_ccm_decrypt(key, nonce, nonce_len, aad, aad_len, ct, len, tag, tag_len, out), ==,
      MATTER_OK);
  g_assert_cmpmem(out, len, pt, len);
}

static void
test_ccm_vectors(void)
{
  for (gsize i = 0; i < G_N_ELEMENTS(ccm_vectors); i++) {
    const CcmVector *v = &ccm_vectors[i];
    gsize key_len, nonce_len, aad_len, pt_len, ct_len, tag_len;
    g_autofree guint8 *key = md_test_unhex(v->key, &key_len);
    g_autofree guint8 *nonce = md_test_unhex(v->nonce, &nonce_len);
    g_autofree guint8 *aad = md_test_unhex(v->aad, &aad_len);
    g_autofree guint8 *pt = md_test_unhex(v->pt, &pt_len);
    g_autofree guint8 *ct = md_test_unhex(v->ct, &ct_len);
    g_autofree guint8 *tag = md_test_unhex(v->tag, &tag_len);

    g_test_message("%s", v->name);
    g_assert_cmpuint(key_len, ==, MATTER_AES128_KEY_LEN);
    g_assert_cmpuint(pt_len, ==, ct_len);
    check_ccm(key, nonce, nonce_len, aad, aad_len, pt, ct, pt_len, tag, tag_len);
  }
}

static void
test_ccm_long_aad(void)
{
  /* NIST SP 800-38C Appendix C, example 4: 2^16 bytes of AAD (byte i is
   * i mod 256), which takes the 6-byte AAD length encoding. */
  gsize aad_len = 65536;
  g_autofree guint8 *aad = g_malloc(aad_len);
  guint8 key[16], nonce[13], pt[32], ct[32], tag[14];

  for (gsize i = 0; i < aad_len; i++)
    aad[i] = (guint8) i;
  fill_sequence(key, sizeof(key), 0x40);
  fill_sequence(nonce, sizeof(nonce), 0x10);
  fill_sequence(pt, sizeof(pt), 0x20);
  md_test_unhex_into("69915dad1e84c6376a68c2967e4dab615ae0fd1faec44cc484828529463ccf72", ct,
                     sizeof(ct));
  md_test_unhex_into("b4ac6bec93e8598e7f0dadbcea5b", tag, sizeof(tag));
  check_ccm(key, nonce, sizeof(nonce), aad, aad_len, pt, ct, sizeof(pt), tag, sizeof(tag));
}

typedef struct {
  guint8 key[MATTER_AES128_KEY_LEN];
  guint8 nonce[MATTER_AES_CCM_NONCE_LEN];
  guint8 aad[16];
  guint8 pt[24];
  guint8 ct[24];
  guint8 tag[MATTER_AES_CCM_TAG_LEN];
} CcmMessage;

/* A Matter-shaped message: the CAVS VADT128 [Alen = 32] key and nonce. */
static void
ccm_message_init(CcmMessage *m)
{
  md_test_unhex_into("5a33980e71e7d67fd6cf171454dc96e5", m->key, sizeof(m->key));
  md_test_unhex_into("33ae68ebb8010c6b3da6b9cb29", m->nonce, sizeof(m->nonce));
  fill_sequence(m->aad, sizeof(m->aad), 0x80);
  fill_sequence(m->pt, sizeof(m->pt), 0x00);
  g_assert_cmpint(matter_aes_ccm_encrypt(m->key, m->nonce, sizeof(m->nonce), m->aad, sizeof(m->aad),
                                         m->pt, sizeof(m->pt), m->ct, m->tag, sizeof(m->tag)),
                  ==, MATTER_OK);
}

static MatterError
ccm_open(const CcmMessage *m, guint8 *out)
{
  return matter_aes_ccm_decrypt(m->key, m->nonce, sizeof(m->nonce), m->aad, sizeof(m->aad), m->ct,
                                sizeof(m->ct), m->tag, sizeof(m->tag), out);
}

static void
assert_zero(const guint8 *buf, gsize len)
{
  for (gsize i = 0; i < len; i++)
    g_assert_cmpuint(buf[i], ==, 0);
}

static void
test_ccm_tamper(void)
{
  CcmMessage m;
  guint8 out[24];

  ccm_message_init(&m);
  g_assert_cmpint(ccm_open(&m, out), ==, MATTER_OK);
  g_assert_cmpmem(out, sizeof(out), m.pt, sizeof(m.pt));

  /* One bit anywhere: ciphertext, tag, AAD, nonce, key. Nothing of the
   * plaintext comes back. */
  guint8 *fields[] = { m.ct, m.tag, m.aad, m.nonce, m.key };
  gsize sizes[] = { sizeof(m.ct), sizeof(m.tag), sizeof(m.aad), sizeof(m.nonce), sizeof(m.key) };
  for (gsize f = 0; f < G_N_ELEMENTS(fields); f++) {
    for (gsize byte = 0; byte < sizes[f]; byte += sizes[f] - 1) {
      fields[f][byte] ^= 0x01;
      memset(out, 0xa5, sizeof(out));
      g_assert_cmpint(ccm_open(&m, out), ==, MATTER_ERROR_AUTH_FAILED);
      assert_zero(out, sizeof(out));
      md_test_assert_no_openssl_error();
      fields[f][byte] ^= 0x01;
    }
  }

  /* A shorter AAD or a truncated tag is a different message. */
  g_assert_cmpint(matter_aes_ccm_decrypt(m.key, m.nonce, sizeof(m.nonce), m.aad, sizeof(m.aad) - 1,
                                         m.ct, sizeof(m.ct), m.tag, sizeof(m.tag), out),
                  ==, MATTER_ERROR_AUTH_FAILED);
  g_assert_cmpint(matter_aes_ccm_decrypt(m.key, m.nonce, sizeof(m.nonce), m.aad, sizeof(m.aad),
                                         m.ct, sizeof(m.ct), m.tag, 8, out),
                  ==, MATTER_ERROR_AUTH_FAILED);
  g_assert_cmpint(ccm_open(&m, out), ==, MATTER_OK);
}

static void
test_ccm_in_place(void)
{
  CcmMessage m;
  guint8 buf[24];
  guint8 tag[MATTER_AES_CCM_TAG_LEN];

  ccm_message_init(&m);
  memcpy(buf, m.pt, sizeof(buf));
  g_assert_cmpint(matter_aes_ccm_encrypt(m.key, m.nonce, sizeof(m.nonce), m.aad, sizeof(m.aad), buf,
                                         sizeof(buf), buf, tag, sizeof(tag)),
                  ==, MATTER_OK);
  g_assert_cmpmem(buf, sizeof(buf), m.ct, sizeof(m.ct));
  g_assert_cmpmem(tag, sizeof(tag), m.tag, sizeof(m.tag));
  g_assert_cmpint(matter_aes_ccm_decrypt(m.key, m.nonce, sizeof(m.nonce), m.aad, sizeof(m.aad), buf,
                                         sizeof(buf), tag, sizeof(tag), buf),
                  ==, MATTER_OK);
  g_assert_cmpmem(buf, sizeof(buf), m.pt, sizeof(m.pt));

  /* In place with a bad tag: the buffer is wiped. */
  memcpy(buf, m.ct, sizeof(buf));
  tag[0] ^= 0x80;
  g_assert_cmpint(matter_aes_ccm_decrypt(m.key, m.nonce, sizeof(m.nonce), m.aad, sizeof(m.aad), buf,
                                         sizeof(buf), tag, sizeof(tag), buf),
                  ==, MATTER_ERROR_AUTH_FAILED);
  assert_zero(buf, sizeof(buf));
}

static void
test_ccm_empty_payload(void)
{
  CcmMessage m;
  guint8 tag[MATTER_AES_CCM_TAG_LEN];
  guint8 other[MATTER_AES_CCM_TAG_LEN];

  /* Authentication only: the tag still depends on the AAD. */
  ccm_message_init(&m);
  g_assert_cmpint(matter_aes_ccm_encrypt(m.key, m.nonce, sizeof(m.nonce), m.aad, sizeof(m.aad),
                                         NULL, 0, NULL, tag, sizeof(tag)),
                  ==, MATTER_OK);
  g_assert_cmpint(matter_aes_ccm_decrypt(m.key, m.nonce, sizeof(m.nonce), m.aad, sizeof(m.aad),
                                         NULL, 0, tag, sizeof(tag), NULL),
                  ==, MATTER_OK);
  m.aad[3] ^= 0x10;
  g_assert_cmpint(matter_aes_ccm_decrypt(m.key, m.nonce, sizeof(m.nonce), m.aad, sizeof(m.aad),
                                         NULL, 0, tag, sizeof(tag), NULL),
                  ==, MATTER_ERROR_AUTH_FAILED);
  g_assert_cmpint(matter_aes_ccm_encrypt(m.key, m.nonce, sizeof(m.nonce), m.aad, sizeof(m.aad),
                                         NULL, 0, NULL, other, sizeof(other)),
                  ==, MATTER_OK);
  g_assert_true(memcmp(tag, other, sizeof(tag)) != 0);

  /* Nothing at all: no AAD, no payload. */
  g_assert_cmpint(matter_aes_ccm_encrypt(m.key, m.nonce, sizeof(m.nonce), NULL, 0, NULL, 0, NULL,
                                         tag, sizeof(tag)),
                  ==, MATTER_OK);
  g_assert_cmpint(matter_aes_ccm_decrypt(m.key, m.nonce, sizeof(m.nonce), NULL, 0, NULL, 0, tag,
                                         sizeof(tag), NULL),
                  ==, MATTER_OK);
}

static void
test_ccm_arguments(void)
{
  guint8 key[16] = { 0 }, nonce[14] = { 0 }, tag[18] = { 0 };
  g_autofree guint8 *big = g_malloc0(65536);

  /* Nonce 7..13 bytes. */
  g_assert_cmpint(matter_aes_ccm_encrypt(key, nonce, 6, NULL, 0, big, 16, big, tag, 16), ==,
                  MATTER_ERROR_INVALID_ARGUMENT);
  g_assert_cmpint(matter_aes_ccm_encrypt(key, nonce, 14, NULL, 0, big, 16, big, tag, 16), ==,
                  MATTER_ERROR_INVALID_ARGUMENT);
  g_assert_cmpint(matter_aes_ccm_decrypt(key, nonce, 14, NULL, 0, big, 16, tag, 16, big), ==,
                  MATTER_ERROR_INVALID_ARGUMENT);
  /* Tag 4..16 bytes, even. */
  for (gsize tag_len = 0; tag_len <= 18; tag_len++) {
    MatterError want = tag_len >= 4 && tag_len <= 16 && tag_len % 2 == 0
                           ? MATTER_OK
                           : MATTER_ERROR_INVALID_ARGUMENT;
    g_assert_cmpint(matter_aes_ccm_encrypt(key, nonce, 13, NULL, 0, big, 16, big, tag, tag_len), ==,
                    want);
  }
  /* A 13-byte nonce leaves a 2-byte length field: at most 65535 bytes. */
  g_assert_cmpint(matter_aes_ccm_encrypt(key, nonce, 13, NULL, 0, big, 65535, big, tag, 16), ==,
                  MATTER_OK);
  g_assert_cmpint(matter_aes_ccm_encrypt(key, nonce, 13, NULL, 0, big, 65536, big, tag, 16), ==,
                  MATTER_ERROR_INVALID_ARGUMENT);
  g_assert_cmpint(matter_aes_ccm_encrypt(key, nonce, 12, NULL, 0, big, 65536, big, tag, 16), ==,
                  MATTER_OK);
  /* Missing buffers. */
  g_assert_cmpint(matter_aes_ccm_encrypt(key, nonce, 13, NULL, 1, big, 16, big, tag, 16), ==,
                  MATTER_ERROR_INVALID_ARGUMENT);
  g_assert_cmpint(matter_aes_ccm_encrypt(key, nonce, 13, NULL, 0, NULL, 16, big, tag, 16), ==,
                  MATTER_ERROR_INVALID_ARGUMENT);
  g_assert_cmpint(matter_aes_ccm_decrypt(key, nonce, 13, NULL, 0, big, 16, NULL, 16, big), ==,
                  MATTER_ERROR_INVALID_ARGUMENT);
  md_test_assert_no_openssl_error();
}

/* AES-CTR */

/* NIST SP 800-38A, F.5.1 CTR-AES128.Encrypt (F.5.2 decrypts the same). */
#define CTR_KEY "2b7e151628aed2a6abf7158809cf4f3c"
#define CTR_IV "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"
#define CTR_PT                                                       \
  "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51" \
  "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710"
#define CTR_CT                                                       \
  "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff" \
  "5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee"

static void
test_ctr_sp800_38a(void)
{
  guint8 key[16], iv[16], pt[64], ct[64], out[64];

  md_test_unhex_into(CTR_KEY, key, sizeof(key));
  md_test_unhex_into(CTR_IV, iv, sizeof(iv));
  md_test_unhex_into(CTR_PT, pt, sizeof(pt));
  md_test_unhex_into(CTR_CT, ct, sizeof(ct));

  g_assert_cmpint(matter_aes_ctr(key, iv, pt, sizeof(pt), out), ==, MATTER_OK);
  g_assert_cmpmem(out, sizeof(out), ct, sizeof(ct));
  g_assert_cmpint(matter_aes_ctr(key, iv, ct, sizeof(ct), out), ==, MATTER_OK);
  g_assert_cmpmem(out, sizeof(out), pt, sizeof(pt));

  /* In place, and a length that is not a whole number of blocks. */
  memcpy(out, pt, sizeof(out));
  g_assert_cmpint(matter_aes_ctr(key, iv, out, 21, out), ==, MATTER_OK);
  g_assert_cmpmem(out, 21, ct, 21);
  g_assert_cmpmem(out + 21, sizeof(out) - 21, pt + 21, sizeof(pt) - 21);

  g_assert_cmpint(matter_aes_ctr(key, iv, NULL, 0, NULL), ==, MATTER_OK);
  g_assert_cmpint(matter_aes_ctr(key, iv, NULL, 1, out), ==, MATTER_ERROR_INVALID_ARGUMENT);
}

/* P-256 */

/* RFC 6979 A.2.5: the P-256 key pair. */
#define RFC6979_X "c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721"
#define RFC6979_U                                                    \
  "04"                                                               \
  "60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6" \
  "7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299"

/* SEC 2 2.4.2: the base point G, and the order n. */
#define P256_G                                                       \
  "04"                                                               \
  "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296" \
  "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5"
#define P256_N "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"
#define P256_P "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff"

static MatterP256Key *
import_public_hex(const char *hex)
{
  guint8 pub[MATTER_P256_PUBLIC_KEY_LEN];
  MatterP256Key *key = NULL;

  md_test_unhex_into(hex, pub, sizeof(pub));
  g_assert_cmpint(matter_p256_import_public(pub, &key), ==, MATTER_OK);
  g_assert_nonnull(key);
  return key;
}

static MatterP256Key *
import_private_hex(const char *hex)
{
  guint8 priv[MATTER_P256_PRIVATE_KEY_LEN];
  MatterP256Key *key = NULL;

  md_test_unhex_into(hex, priv, sizeof(priv));
  g_assert_cmpint(matter_p256_import_private(priv, &key), ==, MATTER_OK);
  g_assert_nonnull(key);
  return key;
}

static void
test_ecdsa_rfc6979(void)
{
  /* RFC 6979 A.2.5, "With SHA-256, message = ..." for both messages. */
  static const struct {
    const char *msg;
    const char *sig;
  } sigs[] = {
    { "sample", "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716"
                "f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8" },
    { "test", "f1abb023518351cd71d881567b1ea663ed3efcf6c5132b354f28d3b0b7d38367"
              "019f4113742a2b14bd25926b49c649155f267e60d3814b4c0cc84250e46f0083" },
  };
  MatterP256Key *pub_key = import_public_hex(RFC6979_U);
  MatterP256Key *pair = import_private_hex(RFC6979_X);
  guint8 pub[MATTER_P256_PUBLIC_KEY_LEN];
  guint8 sig[MATTER_P256_SIGNATURE_LEN];

  /* The private key x gives the public key U. */
  g_assert_cmpint(matter_p256_export_public(pair, pub), ==, MATTER_OK);
  md_test_assert_hex(pub, sizeof(pub), RFC6979_U);

  for (gsize i = 0; i < G_N_ELEMENTS(sigs); i++) {
    const guint8 *msg = (const guint8 *) sigs[i].msg;
    gsize len = strlen(sigs[i].msg);

    md_test_unhex_into(sigs[i].sig, sig, sizeof(sig));
    g_assert_cmpint(matter_ecdsa_verify(pub_key, msg, len, sig), ==, MATTER_OK);
    g_assert_cmpint(matter_ecdsa_verify(pair, msg, len, sig), ==, MATTER_OK);
    g_assert_cmpint(matter_ecdsa_verify_raw(pub, msg, len, sig), ==, MATTER_OK);
    /* The other message's signature does not fit. */
    g_assert_cmpint(matter_ecdsa_verify(pub_key, (const guint8 *) sigs[1 - i].msg,
                                        strlen(sigs[1 - i].msg), sig),
                    ==, MATTER_ERROR_INVALID_SIGNATURE);
    md_test_assert_no_openssl_error();
  }
  matter_p256_free(pub_key);
  matter_p256_free(pair);
}

static void
test_ecdsa_round_trip(void)
{
  static const guint8 msg[] = "a message to be signed";
  MatterP256Key *key = NULL;
  MatterP256Key *pub_key = NULL;
  guint8 pub[MATTER_P256_PUBLIC_KEY_LEN];
  guint8 sig[MATTER_P256_SIGNATURE_LEN];
  guint8 bad[MATTER_P256_SIGNATURE_LEN];
  guint8 msg_copy[sizeof(msg)];

  g_assert_cmpint(matter_p256_generate(&key), ==, MATTER_OK);
  g_assert_cmpint(matter_ecdsa_sign(key, msg, sizeof(msg), sig), ==, MATTER_OK);
  g_assert_cmpint(matter_ecdsa_verify(key, msg, sizeof(msg), sig), ==, MATTER_OK);
  g_assert_cmpint(matter_p256_export_public(key, pub), ==, MATTER_OK);
  g_assert_cmpint(matter_ecdsa_verify_raw(pub, msg, sizeof(msg), sig), ==, MATTER_OK);

  /* Every bit of the signature matters. */
  for (gsize bit = 0; bit < 8 * sizeof(sig); bit += 7) {
    memcpy(bad, sig, sizeof(bad));
    bad[bit / 8] ^= (guint8) (1u << (bit % 8));
    g_assert_cmpint(matter_ecdsa_verify(key, msg, sizeof(msg), bad), ==,
                    MATTER_ERROR_INVALID_SIGNATURE);
  }
  /* And of the message. */
  memcpy(msg_copy, msg, sizeof(msg));
  msg_copy[0] ^= 0x01;
  g_assert_cmpint(matter_ecdsa_verify(key, msg_copy, sizeof(msg_copy), sig), ==,
                  MATTER_ERROR_INVALID_SIGNATURE);
  /* r = 0, s = 0, r = n are out of range. */
  memset(bad, 0, sizeof(bad));
  g_assert_cmpint(matter_ecdsa_verify(key, msg, sizeof(msg), bad), ==,
                  MATTER_ERROR_INVALID_SIGNATURE);
  memcpy(bad, sig, sizeof(bad));
  md_test_unhex_into(P256_N, bad, 32);
  g_assert_cmpint(matter_ecdsa_verify(key, msg, sizeof(msg), bad), ==,
                  MATTER_ERROR_INVALID_SIGNATURE);
  md_test_assert_no_openssl_error();

  /* A public key verifies but does not sign. */
  g_assert_cmpint(matter_p256_import_public(pub, &pub_key), ==, MATTER_OK);
  g_assert_cmpint(matter_ecdsa_verify(pub_key, msg, sizeof(msg), sig), ==, MATTER_OK);
  g_assert_cmpint(matter_ecdsa_sign(pub_key, msg, sizeof(msg), bad), ==, MATTER_ERROR_INVALID_KEY);

  /* Randomised signatures differ but both verify; an empty message signs. */
  g_assert_cmpint(matter_ecdsa_sign(key, msg, sizeof(msg), bad), ==, MATTER_OK);
  g_assert_true(memcmp(bad, sig, sizeof(sig)) != 0);
  g_assert_cmpint(matter_ecdsa_verify(pub_key, msg, sizeof(msg), bad), ==, MATTER_OK);
  g_assert_cmpint(matter_ecdsa_sign(key, NULL, 0, sig), ==, MATTER_OK);
  g_assert_cmpint(matter_ecdsa_verify(pub_key, NULL, 0, sig), ==, MATTER_OK);

  matter_p256_free(pub_key);
  matter_p256_free(key);
}

static void
test_ecdsa_der(void)
{
  /* Matter SDK, src/crypto/tests/DerSigConversion_test_vectors.h, cases 1
   * to 3: plain, leading zeros dropped, and a 0x00 sign byte added. */
  static const struct {
    const char *raw;
    const char *der;
  } cases[] = {
    { "7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e"
      "7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f",
      "3044"
      "0220"
      "7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e"
      "0220"
      "7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f" },
    { "0000000000000000000000000000000080808080808080808080808080808080"
      "0000000000000000000000000000000081818181818181818181818181818181",
      "3026"
      "021100"
      "80808080808080808080808080808080"
      "021100"
      "81818181818181818181818181818181" },
    { "8000000000000000000000000000000000000000000000000000000000000001"
      "8100000000000000000000000000000000000000000000000000000000000002",
      "3046"
      "022100"
      "8000000000000000000000000000000000000000000000000000000000000001"
      "022100"
      "8100000000000000000000000000000000000000000000000000000000000002" },
  };
  guint8 raw[MATTER_P256_SIGNATURE_LEN];
  guint8 der[MATTER_P256_DER_SIGNATURE_MAX];
  guint8 back[MATTER_P256_SIGNATURE_LEN];
  gsize der_len = 0;

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    gsize want_len;
    g_autofree guint8 *want = md_test_unhex(cases[i].der, &want_len);

    md_test_unhex_into(cases[i].raw, raw, sizeof(raw));
    g_assert_cmpint(matter_ecdsa_raw_to_der(raw, der, sizeof(der), &der_len), ==, MATTER_OK);
    g_assert_cmpmem(der, der_len, want, want_len);
    g_assert_cmpint(matter_ecdsa_der_to_raw(want, want_len, back), ==, MATTER_OK);
    g_assert_cmpmem(back, sizeof(back), raw, sizeof(raw));
    /* The output has to fit. */
    g_assert_cmpint(matter_ecdsa_raw_to_der(raw, der, want_len - 1, &der_len), ==,
                    MATTER_ERROR_BUFFER_TOO_SMALL);
  }

  /* r = s = 0 encode as one-byte integers. */
  memset(raw, 0, sizeof(raw));
  g_assert_cmpint(matter_ecdsa_raw_to_der(raw, der, sizeof(der), &der_len), ==, MATTER_OK);
  md_test_assert_hex(der, der_len, "3006020100020100");
  md_test_assert_no_openssl_error();
}

static void
test_ecdsa_der_malformed(void)
{
  static const char *const bad[] = {
    "",
    /* Truncated, and one byte of trailing data. */
    "30060201010201",
    "300602010102010100",
    /* Not a SEQUENCE, or not INTEGERs inside. */
    "3106020101020101",
    "3006040101020101",
    /* SEQUENCE length disagrees with the content. */
    "3007020101020101",
    "3005020101020101",
    /* Long-form length where the short form fits: not DER. */
    "308106020101020101",
    /* Non-minimal and negative integers. */
    "30070202000102010101",
    "3006020180020101",
    "30060201ff020101",
    /* r with 33 significant bytes. */
    ("3045022101abababababababababababababababababababababababababababababababab"
     "02200101010101010101010101010101010101010101010101010101010101010101"),
    /* Only r. */
    "3003020101",
  };
  guint8 sig[MATTER_P256_SIGNATURE_LEN];
  g_autofree guint8 *long_der = g_malloc0(MATTER_P256_DER_SIGNATURE_MAX + 1);

  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    gsize len;
    g_autofree guint8 *der = md_test_unhex(bad[i], &len);

    g_test_message("malformed DER #%zu", i);
    g_assert_cmpint(matter_ecdsa_der_to_raw(der, len, sig), ==, MATTER_ERROR_INVALID_SIGNATURE);
    md_test_assert_no_openssl_error();
  }
  g_assert_cmpint(matter_ecdsa_der_to_raw(long_der, MATTER_P256_DER_SIGNATURE_MAX + 1, sig), ==,
                  MATTER_ERROR_INVALID_SIGNATURE);
  g_assert_cmpint(matter_ecdsa_der_to_raw(NULL, 8, sig), ==, MATTER_ERROR_INVALID_ARGUMENT);
}

static void
test_ecdsa_der_real(void)
{
  MatterP256Key *key = NULL;
  guint8 sig[MATTER_P256_SIGNATURE_LEN];
  guint8 back[MATTER_P256_SIGNATURE_LEN];
  guint8 der[MATTER_P256_DER_SIGNATURE_MAX];
  gsize der_len;

  g_assert_cmpint(matter_p256_generate(&key), ==, MATTER_OK);
  for (int i = 0; i < 32; i++) {
    g_assert_cmpint(matter_ecdsa_sign(key, (const guint8 *) &i, sizeof(i), sig), ==, MATTER_OK);
    g_assert_cmpint(matter_ecdsa_raw_to_der(sig, der, sizeof(der), &der_len), ==, MATTER_OK);
    g_assert_cmpuint(der_len, <=, MATTER_P256_DER_SIGNATURE_MAX);
    g_assert_cmpint(matter_ecdsa_der_to_raw(der, der_len, back), ==, MATTER_OK);
    g_assert_cmpmem(back, sizeof(back), sig, sizeof(sig));
  }
  matter_p256_free(key);
}

/* ECDH */

static void
test_ecdh_rfc5903(void)
{
  /* RFC 5903 section 8.1, 256-bit random ECP group. */
  static const char i_priv[] = "c88f01f510d9ac3f70a292daa2316de544e9aab8afe84049c62a9c57862d1433";
  static const char gi[] = "04"
                           "dad0b65394221cf9b051e1feca5787d098dfe637fc90b9ef945d0c3772581180"
                           "5271a0461cdb8252d61f1c456fa3e59ab1f45b33accf5f58389e0577b8990bb3";
  static const char r_priv[] = "c6ef9c5d78ae012a011164acb397ce2088685d8f06bf9be0b283ab46476bee53";
  static const char gr[] = "04"
                           "d12dfb5289c8d4f81208b70270398c342296970a0bccb74c736fc7554494bf63"
                           "56fbf3ca366cc23e8157854c13c58d6aac23f046ada30f8353e74f33039872ab";
  static const char girx[] = "d6840f6b42f6edafd13116e0e12565202fef8e9ece7dce03812464d04b9442de";
  MatterP256Key *initiator = import_private_hex(i_priv);
  MatterP256Key *responder = import_private_hex(r_priv);
  guint8 pub_i[MATTER_P256_PUBLIC_KEY_LEN];
  guint8 pub_r[MATTER_P256_PUBLIC_KEY_LEN];
  guint8 secret[MATTER_P256_SHARED_SECRET_LEN];

  g_assert_cmpint(matter_p256_export_public(initiator, pub_i), ==, MATTER_OK);
  md_test_assert_hex(pub_i, sizeof(pub_i), gi);
  g_assert_cmpint(matter_p256_export_public(responder, pub_r), ==, MATTER_OK);
  md_test_assert_hex(pub_r, sizeof(pub_r), gr);

  g_assert_cmpint(matter_ecdh(initiator, pub_r, secret), ==, MATTER_OK);
  md_test_assert_hex(secret, sizeof(secret), girx);
  memset(secret, 0, sizeof(secret));
  g_assert_cmpint(matter_ecdh(responder, pub_i, secret), ==, MATTER_OK);
  md_test_assert_hex(secret, sizeof(secret), girx);

  matter_p256_free(initiator);
  matter_p256_free(responder);
}

static void
test_ecdh_generated(void)
{
  MatterP256Key *a = NULL, *b = NULL, *a_pub = NULL;
  guint8 pub_a[MATTER_P256_PUBLIC_KEY_LEN], pub_b[MATTER_P256_PUBLIC_KEY_LEN];
  guint8 s1[MATTER_P256_SHARED_SECRET_LEN], s2[MATTER_P256_SHARED_SECRET_LEN];

  g_assert_cmpint(matter_p256_generate(&a), ==, MATTER_OK);
  g_assert_cmpint(matter_p256_generate(&b), ==, MATTER_OK);
  g_assert_cmpint(matter_p256_export_public(a, pub_a), ==, MATTER_OK);
  g_assert_cmpint(matter_p256_export_public(b, pub_b), ==, MATTER_OK);
  g_assert_true(memcmp(pub_a, pub_b, sizeof(pub_a)) != 0);
  g_assert_cmpint(matter_ecdh(a, pub_b, s1), ==, MATTER_OK);
  g_assert_cmpint(matter_ecdh(b, pub_a, s2), ==, MATTER_OK);
  g_assert_cmpmem(s1, sizeof(s1), s2, sizeof(s2));

  /* A public key alone cannot agree; a bad peer point is refused. */
  g_assert_cmpint(matter_p256_import_public(pub_a, &a_pub), ==, MATTER_OK);
  g_assert_cmpint(matter_ecdh(a_pub, pub_b, s1), ==, MATTER_ERROR_INVALID_KEY);
  pub_b[64] ^= 0x01;
  g_assert_cmpint(matter_ecdh(a, pub_b, s1), ==, MATTER_ERROR_INVALID_KEY);
  pub_b[64] ^= 0x01;
  pub_b[0] = 0x02;
  g_assert_cmpint(matter_ecdh(a, pub_b, s1), ==, MATTER_ERROR_INVALID_KEY);
  md_test_assert_no_openssl_error();

  matter_p256_free(a_pub);
  matter_p256_free(a);
  matter_p256_free(b);
}

/* Keys */

static void
test_keys_round_trip(void)
{
  MatterP256Key *key = NULL, *again = NULL, *pub_key = NULL;
  guint8 priv[MATTER_P256_PRIVATE_KEY_LEN], priv2[MATTER_P256_PRIVATE_KEY_LEN];
  guint8 pub[MATTER_P256_PUBLIC_KEY_LEN], pub2[MATTER_P256_PUBLIC_KEY_LEN];

  g_assert_cmpint(matter_p256_generate(&key), ==, MATTER_OK);
  g_assert_cmpint(matter_p256_export_private(key, priv), ==, MATTER_OK);
  g_assert_cmpint(matter_p256_export_public(key, pub), ==, MATTER_OK);
  g_assert_cmpuint(pub[0], ==, 0x04);

  g_assert_cmpint(matter_p256_import_private(priv, &again), ==, MATTER_OK);
  g_assert_cmpint(matter_p256_export_public(again, pub2), ==, MATTER_OK);
  g_assert_cmpmem(pub2, sizeof(pub2), pub, sizeof(pub));
  g_assert_cmpint(matter_p256_export_private(again, priv2), ==, MATTER_OK);
  g_assert_cmpmem(priv2, sizeof(priv2), priv, sizeof(priv));

  g_assert_cmpint(matter_p256_import_public(pub, &pub_key), ==, MATTER_OK);
  g_assert_cmpint(matter_p256_export_public(pub_key, pub2), ==, MATTER_OK);
  g_assert_cmpmem(pub2, sizeof(pub2), pub, sizeof(pub));
  g_assert_cmpint(matter_p256_export_private(pub_key, priv2), ==, MATTER_ERROR_INVALID_KEY);

  /* The RFC 6979 scalar comes back as it went in. */
  matter_p256_free(again);
  again = import_private_hex(RFC6979_X);
  g_assert_cmpint(matter_p256_export_private(again, priv2), ==, MATTER_OK);
  md_test_assert_hex(priv2, sizeof(priv2), RFC6979_X);

  matter_p256_free(pub_key);
  matter_p256_free(again);
  matter_p256_free(key);
  matter_p256_free(NULL);
  matter_secure_zero(priv, sizeof(priv));
}

static void
check_bad_public(const guint8 pub[MATTER_P256_PUBLIC_KEY_LEN])
{
  MatterP256Key *key = GINT_TO_POINTER(1); /* must be reset */
  guint8 sig[MATTER_P256_SIGNATURE_LEN] = { 1 };

  g_assert_cmpint(matter_p256_import_public(pub, &key), ==, MATTER_ERROR_INVALID_KEY);
  g_assert_null(key);
  g_assert_cmpint(matter_ecdsa_verify_raw(pub, NULL, 0, sig), ==, MATTER_ERROR_INVALID_KEY);
  md_test_assert_no_openssl_error();
}

static void
test_keys_bad_public(void)
{
  guint8 good[MATTER_P256_PUBLIC_KEY_LEN];
  guint8 pub[MATTER_P256_PUBLIC_KEY_LEN];
  static const guint8 prefixes[] = { 0x00, 0x02, 0x03, 0x05, 0x06, 0x07, 0xff };

  md_test_unhex_into(RFC6979_U, good, sizeof(good));

  /* Compressed, hybrid and unknown forms: only 0x04 is accepted. */
  for (gsize i = 0; i < G_N_ELEMENTS(prefixes); i++) {
    memcpy(pub, good, sizeof(pub));
    pub[0] = prefixes[i];
    check_bad_public(pub);
  }

  /* Off the curve: y changed in its last bit, or x changed. */
  memcpy(pub, good, sizeof(pub));
  pub[64] ^= 0x01;
  check_bad_public(pub);
  memcpy(pub, good, sizeof(pub));
  pub[1] ^= 0x80;
  check_bad_public(pub);

  /* The point at infinity: SEC 1's 0x00 encoding padded out, and (0, 0). */
  memset(pub, 0, sizeof(pub));
  check_bad_public(pub);
  pub[0] = 0x04;
  check_bad_public(pub);

  /* A coordinate equal to the field prime p. */
  memcpy(pub, good, sizeof(pub));
  md_test_unhex_into(P256_P, pub + 1, 32);
  check_bad_public(pub);
  memcpy(pub, good, sizeof(pub));
  md_test_unhex_into(P256_P, pub + 33, 32);
  check_bad_public(pub);

  /* The generator itself is fine. */
  matter_p256_free(import_public_hex(P256_G));
}

static void
check_bad_private(const char *hex)
{
  guint8 priv[MATTER_P256_PRIVATE_KEY_LEN];
  MatterP256Key *key = GINT_TO_POINTER(1); /* must be reset */

  md_test_unhex_into(hex, priv, sizeof(priv));
  g_assert_cmpint(matter_p256_import_private(priv, &key), ==, MATTER_ERROR_INVALID_KEY);
  g_assert_null(key);
  md_test_assert_no_openssl_error();
}

static void
test_keys_bad_private(void)
{
  MatterP256Key *key;
  guint8 pub[MATTER_P256_PUBLIC_KEY_LEN];

  /* The scalar has to be in 1..n-1. */
  check_bad_private("0000000000000000000000000000000000000000000000000000000000000000");
  check_bad_private(P256_N);
  check_bad_private("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632552");
  check_bad_private("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");

  /* 1 gives G, n - 1 gives -G = (Gx, p - Gy). */
  key = import_private_hex("0000000000000000000000000000000000000000000000000000000000000001");
  g_assert_cmpint(matter_p256_export_public(key, pub), ==, MATTER_OK);
  md_test_assert_hex(pub, sizeof(pub), P256_G);
  matter_p256_free(key);
  key = import_private_hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632550");
  g_assert_cmpint(matter_p256_export_public(key, pub), ==, MATTER_OK);
  md_test_assert_hex(pub, sizeof(pub),
                     "04"
                     "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
                     "b01cbd1c01e58065711814b583f061e9d431cca994cea1313449bf97c840ae0a");
  matter_p256_free(key);
}

/* Helpers */

static void
test_ct_equal(void)
{
  static const guint8 a[] = { 1, 2, 3, 4 };
  static const guint8 b[] = { 1, 2, 3, 5 };

  g_assert_cmpint(matter_ct_equal(a, a, sizeof(a)), ==, 1);
  g_assert_cmpint(matter_ct_equal(a, b, sizeof(a)), ==, 0);
  g_assert_cmpint(matter_ct_equal(a, b, 3), ==, 1);
  g_assert_cmpint(matter_ct_equal(a, b, 0), ==, 1);
}

static void
test_secure_zero(void)
{
  guint8 buf[37];

  memset(buf, 0xa5, sizeof(buf));
  matter_secure_zero(buf, 36);
  assert_zero(buf, 36);
  g_assert_cmpuint(buf[36], ==, 0xa5);
  matter_secure_zero(NULL, 0);
}

static void
test_random(void)
{
  guint8 a[32] = { 0 }, b[32] = { 0 }, zero[32] = { 0 };

  g_assert_cmpint(matter_random(a, sizeof(a)), ==, MATTER_OK);
  g_assert_cmpint(matter_random(b, sizeof(b)), ==, MATTER_OK);
  g_assert_true(memcmp(a, b, sizeof(a)) != 0);
  g_assert_true(memcmp(a, zero, sizeof(a)) != 0);
  g_assert_cmpint(matter_random(NULL, 0), ==, MATTER_OK);
  g_assert_cmpint(matter_random(NULL, 1), ==, MATTER_ERROR_INVALID_ARGUMENT);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  g_test_add_func("/crypto/sha256/fips180-2", test_sha256_fips180);
  g_test_add_func("/crypto/sha256/incremental", test_sha256_incremental);
  g_test_add_func("/crypto/sha256/peek-continue", test_sha256_peek_continue);
  g_test_add_func("/crypto/hmac/rfc4231", test_hmac_rfc4231);
  g_test_add_func("/crypto/hmac/empty", test_hmac_empty);
  g_test_add_func("/crypto/hkdf/rfc5869", test_hkdf_rfc5869);
  g_test_add_func("/crypto/hkdf/lengths", test_hkdf_lengths);
  g_test_add_func("/crypto/pbkdf2/rfc7914", test_pbkdf2_rfc7914);
  g_test_add_func("/crypto/pbkdf2/more", test_pbkdf2_more);
  g_test_add_func("/crypto/pbkdf2/arguments", test_pbkdf2_arguments);
  g_test_add_func("/crypto/aes-ccm/vectors", test_ccm_vectors);
  g_test_add_func("/crypto/aes-ccm/long-aad", test_ccm_long_aad);
  g_test_add_func("/crypto/aes-ccm/tamper", test_ccm_tamper);
  g_test_add_func("/crypto/aes-ccm/in-place", test_ccm_in_place);
  g_test_add_func("/crypto/aes-ccm/empty-payload", test_ccm_empty_payload);
  g_test_add_func("/crypto/aes-ccm/arguments", test_ccm_arguments);
  g_test_add_func("/crypto/aes-ctr/sp800-38a", test_ctr_sp800_38a);
  g_test_add_func("/crypto/ecdsa/rfc6979", test_ecdsa_rfc6979);
  g_test_add_func("/crypto/ecdsa/round-trip", test_ecdsa_round_trip);
  g_test_add_func("/crypto/ecdsa/der", test_ecdsa_der);
  g_test_add_func("/crypto/ecdsa/der-malformed", test_ecdsa_der_malformed);
  g_test_add_func("/crypto/ecdsa/der-real", test_ecdsa_der_real);
  g_test_add_func("/crypto/ecdh/rfc5903", test_ecdh_rfc5903);
  g_test_add_func("/crypto/ecdh/generated", test_ecdh_generated);
  g_test_add_func("/crypto/keys/round-trip", test_keys_round_trip);
  g_test_add_func("/crypto/keys/bad-public", test_keys_bad_public);
  g_test_add_func("/crypto/keys/bad-private", test_keys_bad_private);
  g_test_add_func("/crypto/ct-equal", test_ct_equal);
  g_test_add_func("/crypto/secure-zero", test_secure_zero);
  g_test_add_func("/crypto/random", test_random);

  return g_test_run();
}
