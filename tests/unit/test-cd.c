/* SPDX-License-Identifier: Apache-2.0 */
/* The Certification Declaration: content TLV, CMS signing and verifying,
 * and the checks against a device and its attestation chain.
 *
 * Vectors, from project-chip/connectedhomeip:
 * - src/credentials/tests/TestCertificationDeclaration.cpp: the test CD
 *   signing certificate and key (also
 *   credentials/test/certification-declaration/Chip-Test-CD-Signing-Cert.pem),
 *   two CD contents and their signed CMS, and two malformed contents;
 * - src/credentials/examples/DeviceAttestationCredsExample.cpp: the test CD
 *   for vendor 0xFFF1, products 0x8000..0x8063.
 * The CMS rules are broken once each on declarations built here. */
#include <string.h>

#include <glib.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "matter/attestation.h"
#include "md-test-core.h"
#include "md-test.h"

static const char signer_cert_hex[] =
    "308201b33082015aa003020102020845daf39de47aa08f300a06082a8648ce3d040302302b312930270603550403"
    "0c204d61747465722054657374204344205369676e696e6720417574686f726974793020170d3231303632383134"
    "323334335a180f39393939313233313233353935395a302b3129302706035504030c204d61747465722054657374"
    "204344205369676e696e6720417574686f726974793059301306072a8648ce3d020106082a8648ce3d0301070342"
    "00043c398922452b55caf389c25bd1bca4656952ccb90e8869249ad8474653014cbf95d687965e036b521c51037e"
    "6b8cedefca1eb44046694fa08882eed6519decbaa366306430120603551d130101ff040830060101ff020101300e"
    "0603551d0f0101ff040403020106301d0603551d0e0416041462fa823359acfaa9963e1cfa140addf504f3716030"
    "1f0603551d2304183016801462fa823359acfaa9963e1cfa140addf504f37160300a06082a8648ce3d0403020347"
    "00304402202c545ce4e457d8a6f0d9d9bbebd6ece1ddfe7f8c6d9a6cf375321fc6fac713840220540778e8743972"
    "527eedebaf58686220b54078f2cd4e62a76ae7cbb92ff54c8b";
static const char signer_key_hex[] =
    "aef3484116e9481ec57be0472df41bf499064e5024ad869eca5e889802d48075";
static const char signer_key_id_hex[] = "62fa823359acfaa9963e1cfa140addf504f37160";

/* vendor 0xFFF1, products [0x8000], device type 0x1234, "ZIG20141ZB330001-24",
 * version 0x2694, development. */
static const char content01_hex[] =
    "152400012501f1ff360205008018250334122c04135a494732303134315a423333303030312d3234240500240600"
    "2507942624080018";
static const char signed01_hex[] =
    "3081e806092a864886f70d010702a081da3081d7020103310d300b0609608648016503040201304506092a864886"
    "f70d010701a0380436152400012501f1ff360205008018250334122c04135a494732303134315a42333330303031"
    "2d32342405002406002507942624080018317c307a020103801462fa823359acfaa9963e1cfa140addf504f37160"
    "300b0609608648016503040201300a06082a8648ce3d04030204463044022043a63f2b943df33c38b3e02fcaa75f"
    "e3532aebbf5e63f5bbdbc0b1f01d3c4f6002204c1abf5f1807b81894b1576c47e4724e4d966c612ed3fa25c118c3"
    "f2b3f90369";
/* The signature's DER is the last 70 bytes. */
#define SIGNED01_SIGNATURE_LEN 70

/* vendor 0xFFF2, products [0x8001, 0x8002], "ZIG20142ZB330002-24", DAC
 * origin 0xFFF1/0x8000. */
static const char content02_hex[] =
    "152400012501f2ff360205018005028018250334122c04135a494732303134325a423333303030322d3234240500"
    "240600250794262408002509f1ff250a008018";
static const char signed02_hex[] =
    "3081f506092a864886f70d010702a081e73081e4020103310d300b0609608648016503040201305006092a864886"
    "f70d010701a0430441152400012501f2ff360205018005028018250334122c04135a494732303134325a42333330"
    "3030322d3234240500240600250794262408002509f1ff250a008018317e307c020103801462fa823359acfaa996"
    "3e1cfa140addf504f37160300b0609608648016503040201300a06082a8648ce3d04030204483046022100926296"
    "f7578158be7c459388336ca7383766c9eedd9855cbda6f4cf6bdf43211022100e0dbf4a2bcec4ea274baf0dea208"
    "b3365c6ed544086d101afdaf079a2c23e0de";

/* DeviceAttestationCredsExample.cpp: vendor 0xFFF1, products
 * 0x8000..0x8063, device type 0x0016, "ZIG20142ZB330003-24". */
static const char cd_fff1_hex[] =
    "3082021906092a864886f70d010702a082020a30820206020103310d300b06096086480165030402013082017106"
    "092a864886f70d010701a08201620482015e152400012501f1ff3602050080050180050280050380050480050580"
    "050680050780050880050980050a80050b80050c80050d80050e80050f8005108005118005128005138005148005"
    "1580051680051780051880051980051a80051b80051c80051d80051e80051f800520800521800522800523800524"
    "80052580052680052780052880052980052a80052b80052c80052d80052e80052f80053080053180053280053380"
    "053480053580053680053780053880053980053a80053b80053c80053d80053e80053f8005408005418005428005"
    "4380054480054580054680054780054880054980054a80054b80054c80054d80054e80054f800550800551800552"
    "80055380055480055580055680055780055880055980055a80055b80055c80055d80055e80055f80056080056180"
    "056280056380182403162c04135a494732303134325a423333303030332d32342405002406002507942624080018"
    "317d307b020103801462fa823359acfaa9963e1cfa140addf504f37160300b0609608648016503040201300a0608"
    "2a8648ce3d04030204473045022024e5d1f47a7d7b0d206a26ef699b7c9757b72d469089de3192e678c745e7f60c"
    "022100f8aa2fa711fcb79b97e397ceda667bae464e2bd3ffdfc3cced7aa8ca5f4c1a7c";

/* ---- Helpers ------------------------------------------------------------ */

static MatterP256Key *
signer_key(void)
{
  gsize len;
  g_autofree guint8 *priv = md_test_unhex(signer_key_hex, &len);
  MatterP256Key *key = NULL;

  md_test_assert_error(matter_p256_import_private(priv, &key), MATTER_OK);
  return key;
}

/* The fields of content01. */
static void
cd01(MatterCd *cd)
{
  memset(cd, 0, sizeof(*cd));
  cd->format_version = 1;
  cd->vendor_id = 0xFFF1;
  cd->product_id_count = 1;
  cd->product_ids[0] = 0x8000;
  cd->device_type_id = 0x1234;
  strcpy(cd->certificate_id, "ZIG20141ZB330001-24");
  cd->version_number = 0x2694;
  cd->certification_type = MATTER_CD_CERTIFICATION_DEVELOPMENT;
}

static void
cd02(MatterCd *cd)
{
  cd01(cd);
  cd->vendor_id = 0xFFF2;
  cd->product_id_count = 2;
  cd->product_ids[0] = 0x8001;
  cd->product_ids[1] = 0x8002;
  strcpy(cd->certificate_id, "ZIG20142ZB330002-24");
  cd->has_dac_origin = TRUE;
  cd->dac_origin_vendor_id = 0xFFF1;
  cd->dac_origin_product_id = 0x8000;
}

static void
assert_cd_equal(const MatterCd *a, const MatterCd *b)
{
  g_assert_cmpuint(a->format_version, ==, b->format_version);
  g_assert_cmpuint(a->vendor_id, ==, b->vendor_id);
  g_assert_cmpmem(a->product_ids, a->product_id_count * 2, b->product_ids, b->product_id_count * 2);
  g_assert_cmpuint(a->device_type_id, ==, b->device_type_id);
  g_assert_cmpstr(a->certificate_id, ==, b->certificate_id);
  g_assert_cmpuint(a->security_level, ==, b->security_level);
  g_assert_cmpuint(a->security_information, ==, b->security_information);
  g_assert_cmpuint(a->version_number, ==, b->version_number);
  g_assert_cmpuint(a->certification_type, ==, b->certification_type);
  g_assert_cmpint(a->has_dac_origin, ==, b->has_dac_origin);
  g_assert_cmpuint(a->dac_origin_vendor_id, ==, b->dac_origin_vendor_id);
  g_assert_cmpuint(a->dac_origin_product_id, ==, b->dac_origin_product_id);
  g_assert_cmpmem(a->authorized_paas, a->authorized_paa_count * MATTER_KEY_ID_LEN,
                  b->authorized_paas, b->authorized_paa_count * MATTER_KEY_ID_LEN);
}

/* ---- Content --------------------------------------------------------------- */

static void
test_content_vectors(void)
{
  const struct {
    void (*fill)(MatterCd *cd);
    const char *hex;
  } cases[] = { { cd01, content01_hex }, { cd02, content02_hex } };

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    MatterCd cd, decoded;
    gsize len;
    g_autofree guint8 *want = md_test_unhex(cases[i].hex, &len);
    guint8 out[MATTER_CD_CONTENT_MAX];
    size_t out_len;

    cases[i].fill(&cd);
    md_test_assert_error(matter_cd_encode(&cd, out, sizeof(out), &out_len), MATTER_OK);
    g_assert_cmpmem(out, out_len, want, len);
    md_test_assert_error(matter_cd_decode(want, len, &decoded), MATTER_OK);
    assert_cd_equal(&decoded, &cd);
    md_test_assert_error(matter_cd_encode(&cd, out, len - 1, &out_len),
                         MATTER_ERROR_BUFFER_TOO_SMALL);
  }
}

static void
test_content_round_trip(void)
{
  MatterCd cd, decoded;
  guint8 out[MATTER_CD_CONTENT_MAX];
  size_t len;

  /* Every field at its largest. */
  cd02(&cd);
  cd.product_id_count = MATTER_CD_PRODUCT_IDS_MAX;
  for (guint i = 0; i < MATTER_CD_PRODUCT_IDS_MAX; i++)
    cd.product_ids[i] = (guint16) (0xFF00 + i);
  cd.device_type_id = 0xFFFFFFFF;
  cd.security_level = 0xFF;
  cd.security_information = 0xFFFF;
  cd.certification_type = MATTER_CD_CERTIFICATION_OFFICIAL;
  cd.authorized_paa_count = MATTER_CD_AUTHORIZED_PAAS_MAX;
  for (guint i = 0; i < MATTER_CD_AUTHORIZED_PAAS_MAX; i++)
    memset(cd.authorized_paas[i], (int) i + 1, MATTER_KEY_ID_LEN);
  md_test_assert_error(matter_cd_encode(&cd, out, sizeof(out), &len), MATTER_OK);
  md_test_assert_error(matter_cd_decode(out, len, &decoded), MATTER_OK);
  assert_cd_equal(&decoded, &cd);
  /* Signed, it still fits. */
  {
    MatterAttestationCertParams params = {
      MATTER_ATTESTATION_PAA,      "Signer", FALSE, FALSE, 0, 0, 0, 1704067200,
      MATTER_ATTESTATION_NO_EXPIRY
    };
    MatterP256Key *key = NULL;
    guint8 cert[MATTER_ATTESTATION_CERT_MAX], cms[MATTER_CD_MAX];
    size_t cert_len, cms_len;
    MatterCdSigner signer;

    md_test_assert_error(matter_p256_generate(&key), MATTER_OK);
    md_test_assert_error(
        matter_attestation_cert_create(&params, key, NULL, 0, key, cert, sizeof(cert), &cert_len),
        MATTER_OK);
    md_test_assert_error(matter_cd_sign(out, len, cert, cert_len, key, cms, sizeof(cms), &cms_len),
                         MATTER_OK);
    signer = (MatterCdSigner){ cert, cert_len };
    md_test_assert_error(matter_cd_verify(cms, cms_len, &signer, 1, &decoded), MATTER_OK);
    assert_cd_equal(&decoded, &cd);
    matter_p256_free(key);
  }

  /* What the decoder would refuse, the encoder refuses. */
  cd.product_id_count = MATTER_CD_PRODUCT_IDS_MAX + 1;
  md_test_assert_error(matter_cd_encode(&cd, out, sizeof(out), &len),
                       MATTER_ERROR_INVALID_ARGUMENT);
  cd.product_id_count = 0;
  md_test_assert_error(matter_cd_encode(&cd, out, sizeof(out), &len),
                       MATTER_ERROR_INVALID_ARGUMENT);
  cd02(&cd);
  strcpy(cd.certificate_id, "ZIG20142ZB330002-2");
  md_test_assert_error(matter_cd_encode(&cd, out, sizeof(out), &len),
                       MATTER_ERROR_INVALID_ARGUMENT);
  cd02(&cd);
  cd.format_version = 2;
  md_test_assert_error(matter_cd_encode(&cd, out, sizeof(out), &len),
                       MATTER_ERROR_INVALID_ARGUMENT);
  cd02(&cd);
  cd.authorized_paa_count = MATTER_CD_AUTHORIZED_PAAS_MAX + 1;
  md_test_assert_error(matter_cd_encode(&cd, out, sizeof(out), &len),
                       MATTER_ERROR_INVALID_ARGUMENT);
}

static void
assert_decode_fails(const char *hex)
{
  gsize len;
  g_autofree guint8 *buf = md_test_unhex(hex, &len);
  MatterCd cd;

  md_test_assert_error(matter_cd_decode(buf, len, &cd), MATTER_ERROR_CD_CONTENT);
  g_assert_cmpuint(cd.vendor_id, ==, 0);
}

/* Content01 with one thing changed. */
static void
test_content_errors(void)
{
  static const char *const broken[] = {
    /* The SDK's two: a 4-byte vendor id (0xFFFFFFF1), then product ids and
     * device type swapped (out of tag order). */
    "152400012601f1ffffff360205008018250334122c04135a494732303134315a423333303030312d32342405"
    "002406002507942624080018",
    "152400012501f1ff360305008018250234122c04135a494732303134315a423333303030312d323424050024"
    "06002507942624080018",
    /* format_version 2 */
    "152400022501f1ff360205008018250334122c04135a494732303134315a423333303030312d323424050024"
    "06002507942624080018",
    /* no certification_type */
    "152400012501f1ff360205008018250334122c04135a494732303134315a423333303030312d323424050024"
    "06002507942618",
    /* a certificate id of 18 characters */
    "152400012501f1ff360205008018250334122c04125a494732303134315a423333303030312d322405002406"
    "002507942624080018",
    /* no product ids */
    "152400012501f1ff360218250334122c04135a494732303134315a423333303030312d323424050024060025"
    "07942624080018",
    /* a product id that is a string */
    "152400012501f1ff36020c014118250334122c04135a494732303134315a423333303030312d323424050024"
    "06002507942624080018",
    /* dac_origin_vendor_id alone */
    "152400012501f1ff360205008018250334122c04135a494732303134315a423333303030312d323424050024"
    "06002507942624080025"
    "09f1ff18",
    /* an authorized PAA key id of 19 bytes */
    "152400012501f1ff360205008018250334122c04135a494732303134315a423333303030312d323424050024"
    "060025079426240800"
    "360b1013"
    "00000000000000000000000000000000000000"
    "1818",
    /* format_version twice */
    "152400012400012501f1ff360205008018250334122c04135a494732303134315a423333303030312d323424"
    "05002406002507942624080018",
    /* not a whole element; a byte after it */
    "15",
    "152400012501f1ff360205008018250334122c04135a494732303134315a423333303030312d323424050024"
    "0600250794262408001800",
  };
  gsize len;
  g_autofree guint8 *buf = NULL;
  MatterCd cd;

  for (gsize i = 0; i < G_N_ELEMENTS(broken); i++)
    assert_decode_fails(broken[i]);

  /* Context tag 12, unknown, is skipped. */
  buf = md_test_unhex(
      "152400012501f1ff360205008018250334122c04135a494732303134315a423333303030312d3234"
      "24050024060025079426240800"
      "240c07"
      "18",
      &len);
  md_test_assert_error(matter_cd_decode(buf, len, &cd), MATTER_OK);
  g_assert_cmpuint(cd.vendor_id, ==, 0xFFF1);
}

/* ---- CMS ----------------------------------------------------------------- */

static void
test_verify_vectors(void)
{
  gsize cert_len, len;
  g_autofree guint8 *cert = md_test_unhex(signer_cert_hex, &cert_len);
  MatterCdSigner signer = { cert, cert_len };
  const struct {
    void (*fill)(MatterCd *cd);
    const char *hex;
  } cases[] = { { cd01, signed01_hex }, { cd02, signed02_hex } };
  guint8 key_id[MATTER_KEY_ID_LEN];
  gsize key_id_len;
  g_autofree guint8 *want_key_id = md_test_unhex(signer_key_id_hex, &key_id_len);

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree guint8 *cms = md_test_unhex(cases[i].hex, &len);
    MatterCd want, got;

    cases[i].fill(&want);
    md_test_assert_error(matter_cd_verify(cms, len, &signer, 1, &got), MATTER_OK);
    assert_cd_equal(&got, &want);
    /* The node's own reading, without the signer, sees the same content. */
    memset(&got, 0, sizeof(got));
    md_test_assert_error(matter_cd_read_unverified(cms, len, &got), MATTER_OK);
    assert_cd_equal(&got, &want);
    md_test_assert_error(matter_cd_read_unverified(cms, len - 1, &got), MATTER_ERROR_CD_FORMAT);
    md_test_assert_error(matter_cd_signer_key_id(cms, len, key_id), MATTER_OK);
    g_assert_cmpmem(key_id, sizeof(key_id), want_key_id, key_id_len);
  }
  md_test_assert_no_openssl_error();
}

static void
test_verify_fff1(void)
{
  gsize cert_len, len;
  g_autofree guint8 *cert = md_test_unhex(signer_cert_hex, &cert_len);
  g_autofree guint8 *cms = md_test_unhex(cd_fff1_hex, &len);
  MatterCdSigner signer = { cert, cert_len };
  MatterCd cd;

  md_test_assert_error(matter_cd_verify(cms, len, &signer, 1, &cd), MATTER_OK);
  g_assert_cmpuint(cd.vendor_id, ==, 0xFFF1);
  g_assert_cmpuint(cd.product_id_count, ==, 100);
  g_assert_cmpuint(cd.product_ids[0], ==, 0x8000);
  g_assert_cmpuint(cd.product_ids[99], ==, 0x8063);
  g_assert_cmpuint(cd.device_type_id, ==, 0x0016);
  g_assert_cmpstr(cd.certificate_id, ==, "ZIG20142ZB330003-24");
  g_assert_false(cd.has_dac_origin);
  g_assert_cmpuint(cd.authorized_paa_count, ==, 0);
  md_test_assert_error(matter_cd_check_device(&cd, 0xFFF1, 0x8000), MATTER_OK);
  md_test_assert_error(matter_cd_check_device(&cd, 0xFFF1, 0x8063), MATTER_OK);
  md_test_assert_error(matter_cd_check_device(&cd, 0xFFF1, 0x8064), MATTER_ERROR_CD_PRODUCT_ID);
  md_test_assert_error(matter_cd_check_device(&cd, 0xFFF2, 0x8000), MATTER_ERROR_CD_VENDOR_ID);
  md_test_assert_no_openssl_error();
}

/* Our CMS is the SDK's byte for byte, but for the (random) signature. */
static void
test_sign_matches_vector(void)
{
  gsize cert_len, content_len, want_len;
  g_autofree guint8 *cert = md_test_unhex(signer_cert_hex, &cert_len);
  g_autofree guint8 *content = md_test_unhex(content01_hex, &content_len);
  g_autofree guint8 *want = md_test_unhex(signed01_hex, &want_len);
  MatterCdSigner signer = { cert, cert_len };
  MatterP256Key *key = signer_key();
  guint8 out[MATTER_CD_MAX];
  size_t len = 0;
  MatterCd cd;
  int tries = 0;

  /* DER signatures vary in length; wait for one as long as the vector's. */
  do {
    md_test_assert_error(
        matter_cd_sign(content, content_len, cert, cert_len, key, out, sizeof(out), &len),
        MATTER_OK);
    md_test_assert_error(matter_cd_verify(out, len, &signer, 1, &cd), MATTER_OK);
    g_assert_cmpint(++tries, <, 200);
  } while (len != want_len);
  g_assert_cmpmem(out, len - SIGNED01_SIGNATURE_LEN, want, want_len - SIGNED01_SIGNATURE_LEN);
  g_assert_cmpuint(cd.vendor_id, ==, 0xFFF1);

  md_test_assert_error(matter_cd_sign(content, content_len, cert, cert_len, key, out, 100, &len),
                       MATTER_ERROR_BUFFER_TOO_SMALL);
  matter_p256_free(key);
  md_test_assert_no_openssl_error();
}

/* ---- A signer of our own ---------------------------------------------------- */

typedef struct {
  MatterP256Key *key;
  guint8 cert[MATTER_ATTESTATION_CERT_MAX];
  size_t cert_len;
} Signer;

static void
signer_make(Signer *s)
{
  MatterAttestationCertParams params = {
    MATTER_ATTESTATION_PAA,      "Test CD Signer", FALSE, FALSE, 0, 0, 0, 1704067200,
    MATTER_ATTESTATION_NO_EXPIRY
  };

  md_test_assert_error(matter_p256_generate(&s->key), MATTER_OK);
  md_test_assert_error(matter_attestation_cert_create(&params, s->key, NULL, 0, s->key, s->cert,
                                                      sizeof(s->cert), &s->cert_len),
                       MATTER_OK);
}

static void
test_sign_verify(void)
{
  gsize vector_cert_len;
  g_autofree guint8 *vector_cert = md_test_unhex(signer_cert_hex, &vector_cert_len);
  Signer s, t;
  MatterCd cd, got;
  guint8 content[MATTER_CD_CONTENT_MAX], cms[MATTER_CD_MAX];
  size_t content_len, cms_len;
  MatterCdSigner signers[2];

  signer_make(&s);
  signer_make(&t);
  cd02(&cd);
  cd.authorized_paa_count = 1;
  memset(cd.authorized_paas[0], 0xAB, MATTER_KEY_ID_LEN);
  md_test_assert_error(matter_cd_encode(&cd, content, sizeof(content), &content_len), MATTER_OK);
  md_test_assert_error(
      matter_cd_sign(content, content_len, s.cert, s.cert_len, s.key, cms, sizeof(cms), &cms_len),
      MATTER_OK);

  /* Found among several trusted signers. */
  signers[0] = (MatterCdSigner){ vector_cert, vector_cert_len };
  signers[1] = (MatterCdSigner){ s.cert, s.cert_len };
  md_test_assert_error(matter_cd_verify(cms, cms_len, signers, 2, &got), MATTER_OK);
  assert_cd_equal(&got, &cd);
  md_test_assert_error(matter_cd_verify(cms, cms_len, &signers[1], 1, NULL), MATTER_OK);

  /* A wrong signer: not trusted, or none at all. */
  signers[1] = (MatterCdSigner){ t.cert, t.cert_len };
  md_test_assert_error(matter_cd_verify(cms, cms_len, signers, 2, &got),
                       MATTER_ERROR_CD_UNKNOWN_SIGNER);
  md_test_assert_error(matter_cd_verify(cms, cms_len, NULL, 0, &got),
                       MATTER_ERROR_CD_UNKNOWN_SIGNER);
  signers[1] = (MatterCdSigner){ (const guint8 *) "junk", 4 };
  md_test_assert_error(matter_cd_verify(cms, cms_len, &signers[1], 1, &got),
                       MATTER_ERROR_ATTESTATION_FORMAT);

  /* A changed byte of the content: the signature fails. */
  {
    gsize at = 0;

    while (at + 8 <= cms_len && memcmp(cms + at, "ZIG20142", 8) != 0)
      at++;
    g_assert_cmpuint(at + 8, <=, cms_len);
    cms[at] = 'X';
    signers[1] = (MatterCdSigner){ s.cert, s.cert_len };
    md_test_assert_error(matter_cd_verify(cms, cms_len, &signers[1], 1, &got),
                         MATTER_ERROR_INVALID_SIGNATURE);
  }

  /* Signing refuses a key that is not the certificate's. */
  md_test_assert_error(
      matter_cd_sign(content, content_len, s.cert, s.cert_len, t.key, cms, sizeof(cms), &cms_len),
      MATTER_ERROR_INVALID_KEY);
  matter_p256_free(s.key);
  matter_p256_free(t.key);
  md_test_assert_no_openssl_error();
}

/* A certificate with the vector signer's key id but another key. */
static void
test_impostor(void)
{
  gsize len;
  g_autofree guint8 *cms = md_test_unhex(signed01_hex, &len);
  EVP_PKEY *key = EVP_EC_gen("P-256");
  X509 *x509 = X509_new();
  X509V3_CTX ctx;
  X509_EXTENSION *ext;
  unsigned char *der = NULL;
  int der_len;
  MatterCdSigner signer;

  X509_set_version(x509, X509_VERSION_3);
  X509_set_pubkey(x509, key);
  X509_gmtime_adj(X509_getm_notBefore(x509), 0);
  X509_gmtime_adj(X509_getm_notAfter(x509), 60);
  X509V3_set_ctx(&ctx, x509, x509, NULL, NULL, 0);
  ext = X509V3_EXT_nconf(NULL, &ctx, "subjectKeyIdentifier",
                         "62:FA:82:33:59:AC:FA:A9:96:3E:1C:FA:14:0A:DD:F5:04:F3:71:60");
  g_assert_nonnull(ext);
  X509_add_ext(x509, ext, -1);
  X509_EXTENSION_free(ext);
  g_assert_cmpint(X509_sign(x509, key, EVP_sha256()), >, 0);
  der_len = i2d_X509(x509, &der);
  g_assert_cmpint(der_len, >, 0);
  signer = (MatterCdSigner){ der, (size_t) der_len };
  md_test_assert_error(matter_cd_verify(cms, len, &signer, 1, NULL),
                       MATTER_ERROR_INVALID_SIGNATURE);
  OPENSSL_free(der);
  X509_free(x509);
  EVP_PKEY_free(key);
  md_test_assert_no_openssl_error();
}

/* ---- The CMS rules, broken one at a time ---------------------------------- */

typedef struct {
  const char *name;
  unsigned flags; /* for CMS_sign() and CMS_add1_signer() */
  gboolean sha384;
  const char *econtent_type; /* NULL: pkcs7-data */
  gboolean two_signers;
  MatterError error;
} CmsCase;

#define SPEC_FLAGS (CMS_BINARY | CMS_NOCERTS | CMS_NOATTR | CMS_USE_KEYID)

static const CmsCase cms_cases[] = {
  { "as-the-spec-says", SPEC_FLAGS, FALSE, NULL, FALSE, MATTER_OK },
  { "signed-attributes", CMS_BINARY | CMS_NOCERTS | CMS_USE_KEYID, FALSE, NULL, FALSE, MATTER_OK },
  { "certificates", CMS_BINARY | CMS_NOATTR | CMS_USE_KEYID, FALSE, NULL, FALSE,
    MATTER_ERROR_CD_FORMAT },
  { "issuer-and-serial", CMS_BINARY | CMS_NOCERTS | CMS_NOATTR, FALSE, NULL, FALSE,
    MATTER_ERROR_CD_FORMAT },
  { "sha384", SPEC_FLAGS, TRUE, NULL, FALSE, MATTER_ERROR_CD_FORMAT },
  { "detached", SPEC_FLAGS | CMS_DETACHED, FALSE, NULL, FALSE, MATTER_ERROR_CD_FORMAT },
  { "other-content-type", SPEC_FLAGS, FALSE, "1.2.840.113549.1.9.16.1.4", FALSE,
    MATTER_ERROR_CD_FORMAT },
  { "two-signers", SPEC_FLAGS, FALSE, NULL, TRUE, MATTER_ERROR_CD_FORMAT },
};

/* The vector signer's key as OpenSSL's, through its PEM. */
static EVP_PKEY *
signer_pkey(void)
{
  MatterP256Key *key = signer_key();
  char pem[MATTER_ATTESTATION_KEY_PEM_MAX];
  size_t len;
  BIO *bio;
  EVP_PKEY *pkey;

  md_test_assert_error(matter_attestation_key_to_pem(key, pem, sizeof(pem), &len), MATTER_OK);
  bio = BIO_new_mem_buf(pem, (int) len);
  pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
  g_assert_nonnull(pkey);
  BIO_free(bio);
  OPENSSL_cleanse(pem, sizeof(pem));
  matter_p256_free(key);
  return pkey;
}

/* Signs content01 with OpenSSL as @c says and checks the verdict. Signed
 * attributes are no rule of the spec's: they are accepted. */
static void
test_cms_rule(gconstpointer data)
{
  const CmsCase *c = data;
  gsize cert_len, content_len;
  g_autofree guint8 *cert_der = md_test_unhex(signer_cert_hex, &cert_len);
  g_autofree guint8 *content = md_test_unhex(content01_hex, &content_len);
  const unsigned char *p = cert_der;
  X509 *cert = d2i_X509(NULL, &p, (long) cert_len);
  EVP_PKEY *pkey = signer_pkey();
  const EVP_MD *md = c->sha384 ? EVP_sha384() : EVP_sha256();
  BIO *in = BIO_new_mem_buf(content, (int) content_len);
  MatterCdSigner signer = { cert_der, cert_len };
  guint8 key_id[MATTER_KEY_ID_LEN];
  CMS_ContentInfo *cms;
  unsigned char *der = NULL;
  int der_len;

  cms = CMS_sign(NULL, NULL, NULL, NULL, CMS_PARTIAL | c->flags);
  g_assert_nonnull(cms);
  if (c->econtent_type != NULL) {
    ASN1_OBJECT *type = OBJ_txt2obj(c->econtent_type, 1);

    g_assert_cmpint(CMS_set1_eContentType(cms, type), ==, 1);
    ASN1_OBJECT_free(type);
  }
  g_assert_nonnull(CMS_add1_signer(cms, cert, pkey, md, c->flags));
  if (c->two_signers)
    g_assert_nonnull(CMS_add1_signer(cms, cert, pkey, md, c->flags));
  g_assert_cmpint(CMS_final(cms, in, NULL, c->flags), ==, 1);
  der_len = i2d_CMS_ContentInfo(cms, &der);
  g_assert_cmpint(der_len, >, 0);

  md_test_assert_error(matter_cd_verify(der, (size_t) der_len, &signer, 1, NULL), c->error);
  md_test_assert_error(matter_cd_signer_key_id(der, (size_t) der_len, key_id), c->error);
  OPENSSL_free(der);
  CMS_ContentInfo_free(cms);
  BIO_free(in);
  EVP_PKEY_free(pkey);
  X509_free(cert);
  md_test_assert_no_openssl_error();
}

static void
test_cms_malformed(void)
{
  gsize cert_len, len;
  g_autofree guint8 *cert = md_test_unhex(signer_cert_hex, &cert_len);
  g_autofree guint8 *cms = md_test_unhex(signed01_hex, &len);
  g_autofree guint8 *longer = g_malloc(len + 1);
  MatterCdSigner signer = { cert, cert_len };

  md_test_assert_error(matter_cd_verify(cms, len - 1, &signer, 1, NULL), MATTER_ERROR_CD_FORMAT);
  memcpy(longer, cms, len);
  longer[len] = 0;
  md_test_assert_error(matter_cd_verify(longer, len + 1, &signer, 1, NULL), MATTER_ERROR_CD_FORMAT);
  md_test_assert_error(matter_cd_verify(cert, cert_len, &signer, 1, NULL), MATTER_ERROR_CD_FORMAT);
  md_test_assert_error(matter_cd_verify(cms, 0, &signer, 1, NULL), MATTER_ERROR_CD_FORMAT);
  md_test_assert_no_openssl_error();
}

/* ---- Against a device and a chain ------------------------------------------- */

static void
chain_of(MatterAttestationChain *chain, guint16 dac_vid, guint16 dac_pid, guint16 pai_vid,
         gboolean pai_pid, guint8 paa_skid_byte)
{
  memset(chain, 0, sizeof(*chain));
  chain->dac.has_vendor_id = chain->dac.has_product_id = TRUE;
  chain->dac.vendor_id = dac_vid;
  chain->dac.product_id = dac_pid;
  chain->pai.has_vendor_id = TRUE;
  chain->pai.vendor_id = pai_vid;
  chain->pai.has_product_id = pai_pid;
  chain->pai.product_id = dac_pid;
  memset(chain->paa.subject_key_id, paa_skid_byte, MATTER_KEY_ID_LEN);
}

static void
test_check_chain(void)
{
  MatterAttestationChain chain;
  MatterCd cd;

  /* Without DAC origin: the CD's vendor and products. */
  cd01(&cd);
  chain_of(&chain, 0xFFF1, 0x8000, 0xFFF1, TRUE, 1);
  md_test_assert_error(matter_cd_check_chain(&cd, &chain), MATTER_OK);
  chain_of(&chain, 0xFFF1, 0x8000, 0xFFF1, FALSE, 1);
  md_test_assert_error(matter_cd_check_chain(&cd, &chain), MATTER_OK);
  chain_of(&chain, 0xFFF1, 0x8001, 0xFFF1, FALSE, 1);
  md_test_assert_error(matter_cd_check_chain(&cd, &chain), MATTER_ERROR_CD_PRODUCT_ID);
  chain_of(&chain, 0xFFF1, 0x8000, 0xFFF1, TRUE, 1);
  chain.pai.product_id = 0x8001;
  md_test_assert_error(matter_cd_check_chain(&cd, &chain), MATTER_ERROR_CD_PRODUCT_ID);
  chain_of(&chain, 0xFFF2, 0x8000, 0xFFF2, TRUE, 1);
  md_test_assert_error(matter_cd_check_chain(&cd, &chain), MATTER_ERROR_CD_VENDOR_ID);
  chain_of(&chain, 0xFFF1, 0x8000, 0xFFF2, TRUE, 1);
  md_test_assert_error(matter_cd_check_chain(&cd, &chain), MATTER_ERROR_CD_VENDOR_ID);

  /* With DAC origin 0xFFF1/0x8000 (CD for 0xFFF2): the origin counts. */
  cd02(&cd);
  chain_of(&chain, 0xFFF1, 0x8000, 0xFFF1, TRUE, 1);
  md_test_assert_error(matter_cd_check_chain(&cd, &chain), MATTER_OK);
  md_test_assert_error(matter_cd_check_device(&cd, 0xFFF2, 0x8001), MATTER_OK);
  chain_of(&chain, 0xFFF2, 0x8001, 0xFFF2, FALSE, 1);
  md_test_assert_error(matter_cd_check_chain(&cd, &chain), MATTER_ERROR_CD_DAC_ORIGIN);
  chain_of(&chain, 0xFFF1, 0x8001, 0xFFF1, FALSE, 1);
  md_test_assert_error(matter_cd_check_chain(&cd, &chain), MATTER_ERROR_CD_DAC_ORIGIN);
  chain_of(&chain, 0xFFF1, 0x8000, 0xFFF3, FALSE, 1);
  md_test_assert_error(matter_cd_check_chain(&cd, &chain), MATTER_ERROR_CD_DAC_ORIGIN);

  /* The authorized PAA list. */
  cd01(&cd);
  cd.authorized_paa_count = 2;
  memset(cd.authorized_paas[0], 7, MATTER_KEY_ID_LEN);
  memset(cd.authorized_paas[1], 1, MATTER_KEY_ID_LEN);
  chain_of(&chain, 0xFFF1, 0x8000, 0xFFF1, TRUE, 1);
  md_test_assert_error(matter_cd_check_chain(&cd, &chain), MATTER_OK);
  chain_of(&chain, 0xFFF1, 0x8000, 0xFFF1, TRUE, 2);
  md_test_assert_error(matter_cd_check_chain(&cd, &chain), MATTER_ERROR_CD_PAA_NOT_AUTHORIZED);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  g_test_add_func("/cd/content/vectors", test_content_vectors);
  g_test_add_func("/cd/content/round-trip", test_content_round_trip);
  g_test_add_func("/cd/content/errors", test_content_errors);
  g_test_add_func("/cd/cms/verify-vectors", test_verify_vectors);
  g_test_add_func("/cd/cms/verify-fff1", test_verify_fff1);
  g_test_add_func("/cd/cms/sign-matches-vector", test_sign_matches_vector);
  g_test_add_func("/cd/cms/sign-verify", test_sign_verify);
  g_test_add_func("/cd/cms/impostor", test_impostor);
  g_test_add_func("/cd/cms/malformed", test_cms_malformed);
  for (gsize i = 0; i < G_N_ELEMENTS(cms_cases); i++) {
    g_autofree char *path = g_strdup_printf("/cd/cms/rules/%s", cms_cases[i].name);

    g_test_add_data_func(path, &cms_cases[i], test_cms_rule);
  }
  g_test_add_func("/cd/check-chain", test_check_chain);
  return g_test_run();
}
