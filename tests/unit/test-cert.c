/* SPDX-License-Identifier: Apache-2.0 */
/* Vectors: the RCAC, ICAC and NOC worked examples of Matter Core spec
 * 6.5.15 (X.509 PEM, Matter TLV and the EC private keys). Broken
 * certificates are derived from them one rule at a time and re-signed with
 * the spec's keys; X.509 variants are built with OpenSSL's own encoder. */
#include <string.h>

#include <glib.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "matter/cert.h"
#include "matter/crypto.h"
#include "md-test-core.h"
#include "md-test.h"

/* ---- Spec 6.5.15 ----------------------------------------------------- */

static const char rcac_tlv_hex[] =
    "1530010859eaa632947f541c2402013703271401000000cacacaca182604ef171b2726056eb5b94c370627"
    "1401000000cacacaca18240701240801300941041353a3b3ef1da708c4908048014e407d5990ce22bc4eb3"
    "3e9a5acb25a85603eba6dcd8213666a4e44f5aca13eb767fafa7dcdddc33411f82a30b543dd1d24ba8370a"
    "350129011824026030041413af81ab37374b2ed2a9649b12b7a3a4287e151d30051413af81ab37374b2ed2"
    "a9649b12b7a3a4287e151d18300b40458164466c8f195abc0abb7c6cb5a27a83f41d37f8d53beec520abd2"
    "a0da0509b8a7c25c042e30cf64dc30fe334e120019664e515049134f5781238444fc753118";

static const char rcac_der_hex[] =
    "3082019d30820143a003020102020859eaa632947f541c300a06082a8648ce3d04030230223120301e060a"
    "2b0601040182a27c01040c1043414341434143413030303030303031301e170d3230313031353134323334"
    "335a170d3430313031353134323334325a30223120301e060a2b0601040182a27c01040c10434143414341"
    "434130303030303030313059301306072a8648ce3d020106082a8648ce3d030107034200041353a3b3ef1d"
    "a708c4908048014e407d5990ce22bc4eb33e9a5acb25a85603eba6dcd8213666a4e44f5aca13eb767fafa7"
    "dcdddc33411f82a30b543dd1d24ba8a3633061300f0603551d130101ff040530030101ff300e0603551d0f"
    "0101ff040403020106301d0603551d0e0416041413af81ab37374b2ed2a9649b12b7a3a4287e151d301f06"
    "03551d2304183016801413af81ab37374b2ed2a9649b12b7a3a4287e151d300a06082a8648ce3d04030203"
    "480030450220458164466c8f195abc0abb7c6cb5a27a83f41d37f8d53beec520abd2a0da0509022100b8a7"
    "c25c042e30cf64dc30fe334e120019664e515049134f5781238444fc7531";

/* SEC1 ECPrivateKey DER of the "EC PRIVATE KEY" PEM blocks. */
static const char rcac_key_hex[] =
    "307702010104207d735befe916a1c0ca02f8ca9881e42663aaaf9ab9c433b289be26701075741aa00a0608"
    "2a8648ce3d030107a144034200041353a3b3ef1da708c4908048014e407d5990ce22bc4eb33e9a5acb25a8"
    "5603eba6dcd8213666a4e44f5aca13eb767fafa7dcdddc33411f82a30b543dd1d24ba8";

static const char icac_tlv_hex[] =
    "153001082db444855641aedf2402013703271401000000cacacaca182604ef171b2726056eb5b94c370627"
    "1303000000cacacaca1824070124080130094104c5d0861bb8f90c405c12314e4c5ebeea939f72774bcc33"
    "239e2f59f6f46af8dc7d4682a0e3ccc646e6df29ea86bf562ae720a898337d383f32c0a09e416019ea370a"
    "35012901182402603004145352d7059e9c15a508906862864801a29f1f41d330051413af81ab37374b2ed2"
    "a9649b12b7a3a4287e151d18300b40841a06d43b5e9fecd24e87b1244eb51c6a2cf20d9b5e6ba07f11e600"
    "2f7e0ca34e32a602c3609d0092d348bdbd198a114646bd41cf103783641ae25e3f23fd2618";

static const char icac_der_hex[] =
    "3082019d30820143a00302010202082db444855641aedf300a06082a8648ce3d04030230223120301e060a"
    "2b0601040182a27c01040c1043414341434143413030303030303031301e170d3230313031353134323334"
    "335a170d3430313031353134323334325a30223120301e060a2b0601040182a27c01030c10434143414341"
    "434130303030303030333059301306072a8648ce3d020106082a8648ce3d03010703420004c5d0861bb8f9"
    "0c405c12314e4c5ebeea939f72774bcc33239e2f59f6f46af8dc7d4682a0e3ccc646e6df29ea86bf562ae7"
    "20a898337d383f32c0a09e416019eaa3633061300f0603551d130101ff040530030101ff300e0603551d0f"
    "0101ff040403020106301d0603551d0e041604145352d7059e9c15a508906862864801a29f1f41d3301f06"
    "03551d2304183016801413af81ab37374b2ed2a9649b12b7a3a4287e151d300a06082a8648ce3d04030203"
    "48003045022100841a06d43b5e9fecd24e87b1244eb51c6a2cf20d9b5e6ba07f11e6002f7e0ca302204e32"
    "a602c3609d0092d348bdbd198a114646bd41cf103783641ae25e3f23fd26";

static const char icac_key_hex[] =
    "3077020101042011843bdcf0ad206db10251a54dac581d75f992fcb522752a216cd79c717546a9a00a0608"
    "2a8648ce3d030107a14403420004c5d0861bb8f90c405c12314e4c5ebeea939f72774bcc33239e2f59f6f4"
    "6af8dc7d4682a0e3ccc646e6df29ea86bf562ae720a898337d383f32c0a09e416019ea";

static const char noc_tlv_hex[] =
    "153001083efcff1702b9a17a2402013703271303000000cacacaca182604ef171b2726056eb5b94c370627"
    "1101000100dededede27151d0000000000b0fa18240701240801300941049a2a216fb39dd6b6fa211b835c"
    "89e3e6afb66c14f75831954f9ff4f7a3f0112c8a0d8eaf29c653294d48eee0708a032cca39393c3a7b46f1"
    "81aea078fead8383370a3501280118240201360304020401183004149f55a26b7e4303e60883e913bf94f4"
    "fb5e2a61613005145352d7059e9c15a508906862864801a29f1f41d318300b407955c202630b4ba4d59125"
    "26322fdf28f89edfe5af9c0e572bd8a14aaabb4d12b83ca17c7b05fb164b77d79c529613316bcfd17895e4"
    "b2a4f2404b981732715918";

static const char noc_der_hex[] =
    "308201e030820186a00302010202083efcff1702b9a17a300a06082a8648ce3d04030230223120301e060a"
    "2b0601040182a27c01030c1043414341434143413030303030303033301e170d3230313031353134323334"
    "335a170d3430313031353134323334325a30443120301e060a2b0601040182a27c01010c10444544454445"
    "444530303031303030313120301e060a2b0601040182a27c01050c10464142303030303030303030303031"
    "443059301306072a8648ce3d020106082a8648ce3d030107034200049a2a216fb39dd6b6fa211b835c89e3"
    "e6afb66c14f75831954f9ff4f7a3f0112c8a0d8eaf29c653294d48eee0708a032cca39393c3a7b46f181ae"
    "a078fead8383a38183308180300c0603551d130101ff04023000300e0603551d0f0101ff04040302078030"
    "200603551d250101ff0416301406082b0601050507030206082b06010505070301301d0603551d0e041604"
    "149f55a26b7e4303e60883e913bf94f4fb5e2a6161301f0603551d230418301680145352d7059e9c15a508"
    "906862864801a29f1f41d3300a06082a8648ce3d040302034800304502207955c202630b4ba4d591252632"
    "2fdf28f89edfe5af9c0e572bd8a14aaabb4d12022100b83ca17c7b05fb164b77d79c529613316bcfd17895"
    "e4b2a4f2404b9817327159";

static const char noc_key_hex[] =
    "30770201010420a565b3fa28a8ed6a74fb6f0ff8a4d340d9e1ae98f21dfa1f0a59a4ea021a1627a00a0608"
    "2a8648ce3d030107a144034200049a2a216fb39dd6b6fa211b835c89e3e6afb66c14f75831954f9ff4f7a3"
    "f0112c8a0d8eaf29c653294d48eee0708a032cca39393c3a7b46f181aea078fead8383";

#define RCAC_SKID "13af81ab37374b2ed2a9649b12b7a3a4287e151d"
#define ICAC_SKID "5352d7059e9c15a508906862864801a29f1f41d3"
#define NOC_SKID "9f55a26b7e4303e60883e913bf94f4fb5e2a6161"
#define SPEC_NOT_BEFORE 0x271B17EFu /* 2020-10-15 14:23:43 */
#define SPEC_NOT_AFTER 0x4CB9B56Eu  /* 2040-10-15 14:23:42 */
#define SPEC_FABRIC_ID G_GUINT64_CONSTANT(0xFAB000000000001D)
#define SPEC_NODE_ID G_GUINT64_CONSTANT(0xDEDEDEDE00010001)
#define SEC1_SCALAR_OFFSET 7 /* 30 77 02 01 01 04 20 */

/* ---- Helpers --------------------------------------------------------- */

/* Where @needle first occurs in @hay, or NULL. */
static const guint8 *
find_bytes(const void *hay, gsize hay_len, const void *needle, gsize needle_len)
{
  const guint8 *h = hay;

  for (gsize i = 0; needle_len <= hay_len && i <= hay_len - needle_len; i++) {
    if (memcmp(h + i, needle, needle_len) == 0)
      return h + i;
  }
  return NULL;
}

/* @hex with the single occurrence of @old replaced by @new. */
static char *
patch(const char *hex, const char *old, const char *new)
{
  const char *at = strstr(hex, old);

  g_assert_nonnull(at);
  g_assert_null(strstr(at + 1, old));
  g_assert_true((at - hex) % 2 == 0);
  return g_strdup_printf("%.*s%s%s", (int) (at - hex), hex, new, at + strlen(old));
}

static MatterError
decode_hex(const char *hex, MatterCert *cert, GBytes **keep)
{
  *keep = md_test_bytes_hex(hex);
  return matter_cert_decode(g_bytes_get_data(*keep, NULL), g_bytes_get_size(*keep), cert);
}

/* The spec key's scalar, as matter_ecdsa_sign() wants it. */
static MatterP256Key *
spec_key(const char *sec1_hex)
{
  gsize len;
  g_autofree guint8 *sec1 = md_test_unhex(sec1_hex, &len);
  MatterP256Key *key = NULL;

  g_assert_cmpuint(len, >, SEC1_SCALAR_OFFSET + MATTER_P256_PRIVATE_KEY_LEN);
  g_assert_cmpint(matter_p256_import_private(sec1 + SEC1_SCALAR_OFFSET, &key), ==, MATTER_OK);
  return key;
}

/* A certificate with its own storage, for editing and re-signing. */
typedef struct {
  MatterCert cert;
  GBytes *source;
  guint8 signature[MATTER_P256_SIGNATURE_LEN];
  guint8 skid[MATTER_CERT_KEY_ID_LEN];
  guint8 akid[MATTER_CERT_KEY_ID_LEN];
  guint8 public_key[MATTER_P256_PUBLIC_KEY_LEN];
  guint8 tlv[MATTER_CERT_MAX_TLV_LEN];
  gsize tlv_len;
} Cert;

static Cert *
cert_new(const char *tlv_hex)
{
  Cert *c = g_new0(Cert, 1);

  g_assert_cmpint(decode_hex(tlv_hex, &c->cert, &c->source), ==, MATTER_OK);
  /* Copies of what tests change, so that the source stays intact. */
  memcpy(c->skid, c->cert.subject_key_id, sizeof(c->skid));
  memcpy(c->akid, c->cert.authority_key_id, sizeof(c->akid));
  memcpy(c->public_key, c->cert.public_key, sizeof(c->public_key));
  memcpy(c->signature, c->cert.signature, sizeof(c->signature));
  c->cert.subject_key_id = c->skid;
  c->cert.authority_key_id = c->akid;
  c->cert.public_key = c->public_key;
  c->cert.signature = c->signature;
  return c;
}

static void
cert_free(Cert *c)
{
  g_bytes_unref(c->source);
  g_free(c);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Cert, cert_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MatterP256Key, matter_p256_free)

/* Signs the TBS with @issuer and encodes the TLV form. */
static void
cert_sign(Cert *c, const MatterP256Key *issuer)
{
  guint8 tbs[MATTER_CERT_MAX_DER_LEN];
  gsize tbs_len;

  g_assert_cmpint(matter_cert_encode_tbs(&c->cert, tbs, sizeof(tbs), &tbs_len), ==, MATTER_OK);
  g_assert_cmpint(matter_ecdsa_sign(issuer, tbs, tbs_len, c->signature), ==, MATTER_OK);
  g_assert_cmpint(matter_cert_encode(&c->cert, c->tlv, sizeof(c->tlv), &c->tlv_len), ==, MATTER_OK);
}

static void
cert_set_key(Cert *c, const MatterP256Key *key)
{
  g_assert_cmpint(matter_p256_export_public(key, c->public_key), ==, MATTER_OK);
  g_assert_cmpint(matter_cert_key_id(c->public_key, c->skid), ==, MATTER_OK);
}

static MatterCertDnAttr *
find_attr(MatterCertDn *dn, MatterCertDnType type)
{
  for (gsize i = 0; i < dn->count; i++) {
    if (dn->attrs[i].type == type)
      return &dn->attrs[i];
  }
  g_assert_not_reached();
}

static void
add_attr(MatterCertDn *dn, MatterCertDnType type, guint64 value)
{
  g_assert_cmpuint(dn->count, <, MATTER_CERT_DN_CAPACITY);
  dn->attrs[dn->count++] = (MatterCertDnAttr){ .type = type, .value = value };
}

static void
add_string_attr(MatterCertDn *dn, MatterCertDnType type, const char *str, gboolean printable)
{
  g_assert_cmpuint(dn->count, <, MATTER_CERT_DN_CAPACITY);
  dn->attrs[dn->count++] =
      (MatterCertDnAttr){ .type = type, .printable = printable, .str = str, .len = strlen(str) };
}

static void
remove_ext(MatterCert *cert, MatterCertExtKind kind)
{
  for (gsize i = 0; i < cert->ext_count; i++) {
    if (cert->exts[i].kind == kind) {
      memmove(&cert->exts[i], &cert->exts[i + 1],
              (cert->ext_count - i - 1) * sizeof(cert->exts[0]));
      cert->ext_count--;
      return;
    }
  }
  g_assert_not_reached();
}

static void
add_ext(MatterCert *cert, MatterCertExtKind kind, const guint8 *der, gsize der_len)
{
  g_assert_cmpuint(cert->ext_count, <, MATTER_CERT_MAX_EXTENSIONS);
  cert->exts[cert->ext_count++] = (MatterCertExt){ .kind = kind, .der = der, .der_len = der_len };
}

/* The spec's three certificates with their issuers' keys. */
typedef struct {
  Cert *rcac, *icac, *noc;
  MatterP256Key *rcac_key, *icac_key, *noc_key;
} Chain;

static void
chain_init(Chain *chain)
{
  chain->rcac = cert_new(rcac_tlv_hex);
  chain->icac = cert_new(icac_tlv_hex);
  chain->noc = cert_new(noc_tlv_hex);
  chain->rcac_key = spec_key(rcac_key_hex);
  chain->icac_key = spec_key(icac_key_hex);
  chain->noc_key = spec_key(noc_key_hex);
  memcpy(chain->rcac->tlv, g_bytes_get_data(chain->rcac->source, &chain->rcac->tlv_len),
         g_bytes_get_size(chain->rcac->source));
  memcpy(chain->icac->tlv, g_bytes_get_data(chain->icac->source, &chain->icac->tlv_len),
         g_bytes_get_size(chain->icac->source));
  memcpy(chain->noc->tlv, g_bytes_get_data(chain->noc->source, &chain->noc->tlv_len),
         g_bytes_get_size(chain->noc->source));
}

static void
chain_clear(Chain *chain)
{
  cert_free(chain->rcac);
  cert_free(chain->icac);
  cert_free(chain->noc);
  matter_p256_free(chain->rcac_key);
  matter_p256_free(chain->icac_key);
  matter_p256_free(chain->noc_key);
}

static MatterError
chain_validate(const Chain *chain, MatterCertChainInfo *info)
{
  return matter_cert_chain_validate(chain->rcac->tlv, chain->rcac->tlv_len, chain->icac->tlv,
                                    chain->icac->tlv_len, chain->noc->tlv, chain->noc->tlv_len,
                                    MATTER_CERT_TIME_UNKNOWN, 0, info);
}

/* ---- The spec's examples --------------------------------------------- */

typedef struct {
  const char *name;
  const char *tlv;
  const char *der;
  const char *key;
  const char *skid;
  const char *akid;
} SpecVector;

static const SpecVector spec_vectors[] = {
  { "rcac", rcac_tlv_hex, rcac_der_hex, rcac_key_hex, RCAC_SKID, RCAC_SKID },
  { "icac", icac_tlv_hex, icac_der_hex, icac_key_hex, ICAC_SKID, RCAC_SKID },
  { "noc", noc_tlv_hex, noc_der_hex, noc_key_hex, NOC_SKID, ICAC_SKID },
};

static void
test_spec_conversions(void)
{
  for (gsize i = 0; i < G_N_ELEMENTS(spec_vectors); i++) {
    const SpecVector *v = &spec_vectors[i];
    g_autoptr(GBytes) tlv = md_test_bytes_hex(v->tlv);
    g_autoptr(GBytes) der = md_test_bytes_hex(v->der);
    guint8 out[MATTER_CERT_MAX_DER_LEN], back[MATTER_CERT_MAX_TLV_LEN];
    guint8 der_again[MATTER_CERT_MAX_DER_LEN];
    gsize out_len, back_len, der_again_len;
    MatterCert cert;

    g_test_message("%s", v->name);
    /* TLV -> DER -> TLV */
    g_assert_cmpint(matter_cert_tlv_to_der(g_bytes_get_data(tlv, NULL), g_bytes_get_size(tlv), out,
                                           sizeof(out), &out_len),
                    ==, MATTER_OK);
    md_test_assert_hex(out, out_len, v->der);
    g_assert_cmpint(matter_cert_der_to_tlv(out, out_len, back, sizeof(back), &back_len), ==,
                    MATTER_OK);
    md_test_assert_hex(back, back_len, v->tlv);
    /* DER -> TLV -> DER */
    g_assert_cmpint(matter_cert_der_to_tlv(g_bytes_get_data(der, NULL), g_bytes_get_size(der), out,
                                           sizeof(out), &out_len),
                    ==, MATTER_OK);
    md_test_assert_hex(out, out_len, v->tlv);
    g_assert_cmpint(matter_cert_decode(out, out_len, &cert), ==, MATTER_OK);
    g_assert_cmpint(matter_cert_encode_der(&cert, der_again, sizeof(der_again), &der_again_len), ==,
                    MATTER_OK);
    md_test_assert_hex(der_again, der_again_len, v->der);
    /* TLV -> fields -> TLV */
    g_assert_cmpint(matter_cert_decode(g_bytes_get_data(tlv, NULL), g_bytes_get_size(tlv), &cert),
                    ==, MATTER_OK);
    g_assert_cmpint(matter_cert_encode(&cert, out, sizeof(out), &out_len), ==, MATTER_OK);
    md_test_assert_hex(out, out_len, v->tlv);
  }
  md_test_assert_no_openssl_error();
}

static void
test_spec_keys(void)
{
  for (gsize i = 0; i < G_N_ELEMENTS(spec_vectors); i++) {
    const SpecVector *v = &spec_vectors[i];
    g_autoptr(GBytes) keep = NULL;
    g_autoptr(MatterP256Key) key = spec_key(v->key);
    guint8 pub[MATTER_P256_PUBLIC_KEY_LEN], id[MATTER_CERT_KEY_ID_LEN];
    MatterCert cert;

    g_assert_cmpint(decode_hex(v->tlv, &cert, &keep), ==, MATTER_OK);
    g_assert_cmpint(matter_p256_export_public(key, pub), ==, MATTER_OK);
    g_assert_cmpmem(cert.public_key, MATTER_P256_PUBLIC_KEY_LEN, pub, sizeof(pub));
    g_assert_cmpint(matter_cert_key_id(cert.public_key, id), ==, MATTER_OK);
    md_test_assert_hex(id, sizeof(id), v->skid);
    md_test_assert_hex(cert.subject_key_id, MATTER_CERT_KEY_ID_LEN, v->skid);
    md_test_assert_hex(cert.authority_key_id, MATTER_CERT_KEY_ID_LEN, v->akid);
  }
}

static void
test_spec_signatures(void)
{
  Chain chain;
  g_autoptr(GBytes) k1 = NULL, k2 = NULL, k3 = NULL;
  MatterCert rcac, icac, noc;

  g_assert_cmpint(decode_hex(rcac_tlv_hex, &rcac, &k1), ==, MATTER_OK);
  g_assert_cmpint(decode_hex(icac_tlv_hex, &icac, &k2), ==, MATTER_OK);
  g_assert_cmpint(decode_hex(noc_tlv_hex, &noc, &k3), ==, MATTER_OK);
  g_assert_cmpint(matter_cert_verify(&rcac, rcac.public_key), ==, MATTER_OK);
  g_assert_cmpint(matter_cert_verify(&icac, rcac.public_key), ==, MATTER_OK);
  g_assert_cmpint(matter_cert_verify(&noc, icac.public_key), ==, MATTER_OK);
  g_assert_cmpint(matter_cert_verify(&noc, rcac.public_key), ==, MATTER_ERROR_INVALID_SIGNATURE);
  g_assert_cmpint(matter_cert_verify(&icac, icac.public_key), ==, MATTER_ERROR_INVALID_SIGNATURE);

  /* Re-signing the unchanged TBS with the spec's key verifies too. */
  chain_init(&chain);
  cert_sign(chain.noc, chain.icac_key);
  g_assert_cmpint(matter_cert_verify(&chain.noc->cert, icac.public_key), ==, MATTER_OK);
  chain_clear(&chain);
  md_test_assert_no_openssl_error();
}

static void
test_spec_fields(void)
{
  g_autoptr(GBytes) k1 = NULL, k2 = NULL;
  MatterCert rcac, noc;
  const MatterCertDnAttr *attr;

  g_assert_cmpint(decode_hex(rcac_tlv_hex, &rcac, &k1), ==, MATTER_OK);
  md_test_assert_hex(rcac.serial, rcac.serial_len, "59eaa632947f541c");
  g_assert_cmpuint(rcac.issuer.count, ==, 1);
  g_assert_cmpint(rcac.issuer.attrs[0].type, ==, MATTER_CERT_DN_RCAC_ID);
  g_assert_cmpuint(rcac.issuer.attrs[0].value, ==, G_GUINT64_CONSTANT(0xCACACACA00000001));
  g_assert_true(matter_cert_dn_equal(&rcac.issuer, &rcac.subject));
  g_assert_cmpuint(rcac.not_before, ==, SPEC_NOT_BEFORE);
  g_assert_cmpuint(rcac.not_after, ==, SPEC_NOT_AFTER);
  g_assert_cmpuint(rcac.ext_count, ==, 4);
  g_assert_cmpint(rcac.exts[0].kind, ==, MATTER_CERT_EXT_BASIC_CONSTRAINTS);
  g_assert_cmpint(rcac.exts[1].kind, ==, MATTER_CERT_EXT_KEY_USAGE);
  g_assert_cmpint(rcac.exts[2].kind, ==, MATTER_CERT_EXT_SUBJECT_KEY_ID);
  g_assert_cmpint(rcac.exts[3].kind, ==, MATTER_CERT_EXT_AUTHORITY_KEY_ID);
  g_assert_true(rcac.is_ca);
  g_assert_false(rcac.has_path_len);
  g_assert_cmphex(rcac.key_usage, ==,
                  MATTER_CERT_KEY_USAGE_KEY_CERT_SIGN | MATTER_CERT_KEY_USAGE_CRL_SIGN);
  g_assert_cmpint(matter_cert_get_role(&rcac), ==, MATTER_CERT_ROLE_RCAC);

  g_assert_cmpint(decode_hex(noc_tlv_hex, &noc, &k2), ==, MATTER_OK);
  g_assert_cmpuint(noc.subject.count, ==, 2);
  g_assert_cmpuint(matter_cert_dn_count(&noc.subject, MATTER_CERT_DN_NODE_ID, &attr), ==, 1);
  g_assert_cmpuint(attr->value, ==, SPEC_NODE_ID);
  g_assert_cmpuint(matter_cert_dn_count(&noc.subject, MATTER_CERT_DN_FABRIC_ID, &attr), ==, 1);
  g_assert_cmpuint(attr->value, ==, SPEC_FABRIC_ID);
  g_assert_cmpuint(matter_cert_dn_count(&noc.subject, MATTER_CERT_DN_NOC_CAT, &attr), ==, 0);
  g_assert_null(attr);
  g_assert_false(noc.is_ca);
  g_assert_cmphex(noc.key_usage, ==, MATTER_CERT_KEY_USAGE_DIGITAL_SIGNATURE);
  /* In X.509 order: clientAuth, serverAuth. */
  g_assert_cmpuint(noc.key_purpose_count, ==, 2);
  g_assert_cmpuint(noc.key_purposes[0], ==, MATTER_CERT_KEY_PURPOSE_CLIENT_AUTH);
  g_assert_cmpuint(noc.key_purposes[1], ==, MATTER_CERT_KEY_PURPOSE_SERVER_AUTH);
  md_test_assert_hex(noc.signature, MATTER_P256_SIGNATURE_LEN,
                     "7955c202630b4ba4d5912526322fdf28f89edfe5af9c0e572bd8a14aaabb4d12"
                     "b83ca17c7b05fb164b77d79c529613316bcfd17895e4b2a4f2404b9817327159");
  g_assert_cmpint(matter_cert_get_role(&noc), ==, MATTER_CERT_ROLE_NOC);
  g_assert_cmpint(matter_cert_check_role(&noc, MATTER_CERT_ROLE_NOC), ==, MATTER_OK);
  g_assert_cmpint(matter_cert_check_role(&rcac, MATTER_CERT_ROLE_RCAC), ==, MATTER_OK);
}

static void
test_chain_spec(void)
{
  Chain chain;
  MatterCertChainInfo info;

  chain_init(&chain);
  g_assert_cmpint(chain_validate(&chain, &info), ==, MATTER_OK);
  g_assert_cmpuint(info.fabric_id, ==, SPEC_FABRIC_ID);
  g_assert_cmpuint(info.node_id, ==, SPEC_NODE_ID);
  g_assert_cmpuint(info.cat_count, ==, 0);
  g_assert_cmpmem(info.root_public_key, sizeof(info.root_public_key), chain.rcac->public_key,
                  MATTER_P256_PUBLIC_KEY_LEN);
  g_assert_cmpmem(info.noc_public_key, sizeof(info.noc_public_key), chain.noc->public_key,
                  MATTER_P256_PUBLIC_KEY_LEN);
  /* Within the validity period, by either kind of clock. */
  g_assert_cmpint(matter_cert_chain_validate(chain.rcac->tlv, chain.rcac->tlv_len, chain.icac->tlv,
                                             chain.icac->tlv_len, chain.noc->tlv,
                                             chain.noc->tlv_len, MATTER_CERT_TIME_CURRENT,
                                             SPEC_NOT_BEFORE + 1000, &info),
                  ==, MATTER_OK);
  g_assert_cmpint(matter_cert_chain_validate(chain.rcac->tlv, chain.rcac->tlv_len, chain.icac->tlv,
                                             chain.icac->tlv_len, chain.noc->tlv,
                                             chain.noc->tlv_len, MATTER_CERT_TIME_CURRENT,
                                             SPEC_NOT_AFTER + 1, &info),
                  ==, MATTER_ERROR_CERT_EXPIRED);
  chain_clear(&chain);
  md_test_assert_no_openssl_error();
}

/* ---- Malformed Matter TLV -------------------------------------------- */

typedef struct {
  const char *name;
  const char *old; /* in the spec NOC's hex */
  const char *new;
  MatterError err;
} TlvPatch;

static const TlvPatch tlv_patches[] = {
  { "sig-algo 2", "7a2402013703", "7a2402023703", MATTER_ERROR_CERT_SIGNATURE_ALGORITHM },
  { "sig-algo 256", "7a2402013703", "7a250200013703", MATTER_ERROR_CERT_SIGNATURE_ALGORITHM },
  { "pub-key-algo 2", "240701", "240702", MATTER_ERROR_CERT_KEY_TYPE },
  { "curve 2", "240801", "240802", MATTER_ERROR_CERT_KEY_TYPE },
  { "compressed point prefix", "300941049a", "300941029a", MATTER_ERROR_CERT_KEY_TYPE },
  { "key of 64 bytes", "300941049a", "3009409a", MATTER_ERROR_CERT_KEY_TYPE },
  { "not-before of 33 bits", "2604ef171b27", "2704ef171b2701000000", MATTER_ERROR_CERT_VALIDITY },
  { "not-after of 64 bits", "26056eb5b94c", "27056eb5b94c00000080", MATTER_ERROR_CERT_VALIDITY },
  { "serial of 21 bytes", "3001083efcff1702b9a17a",
    "300115010203040506070809101112131415161718192021", MATTER_ERROR_CERT_FORMAT },
  { "serial with padding", "3001083efcff1702b9a17a", "300109003efcff1702b9a17a",
    MATTER_ERROR_CERT_FORMAT },
  { "empty serial", "3001083efcff1702b9a17a", "300100", MATTER_ERROR_CERT_FORMAT },
  { "serial as integer", "3001083efcff1702b9a17a", "27013efcff1702b9a17a",
    MATTER_ERROR_TLV_WRONG_TYPE },
  { "missing curve", "240701240801", "240701", MATTER_ERROR_CERT_FORMAT },
  { "validity swapped", "2604ef171b2726056eb5b94c", "26056eb5b94c2604ef171b27",
    MATTER_ERROR_CERT_FORMAT },
  { "unknown field", "715918", "7159240c0118", MATTER_ERROR_CERT_FORMAT },
  { "issuer as structure", "3703271303", "3503271303", MATTER_ERROR_TLV_WRONG_TYPE },
  { "empty issuer", "3703271303000000cacacaca18", "370318", MATTER_ERROR_CERT_FORMAT },
  { "DN tag 23", "271303000000cacacaca", "271703000000cacacaca", MATTER_ERROR_CERT_DN_ATTRIBUTE },
  { "DN anonymous element", "3703271303", "37030700000000cacacaca271303",
    MATTER_ERROR_CERT_DN_ATTRIBUTE },
  { "domain-component-ps", "3703271303", "37032c900141271303", MATTER_ERROR_CERT_DN_ATTRIBUTE },
  { "common-name-ps with '@'", "3703271303", "37032c810140271303", MATTER_ERROR_CERT_DN_ATTRIBUTE },
  { "node id as string", "271101000100dededede", "2c110141", MATTER_ERROR_TLV_WRONG_TYPE },
  { "CAT of 33 bits", "b0fa18",
    "b0fa27160100000001000000"
    "18",
    MATTER_ERROR_CERT_DN_ATTRIBUTE },
  { "six RDNs", "b0fa18", "b0fa2c0101412c0101422c0101432c01014418",
    MATTER_ERROR_CERT_DN_ATTRIBUTE },
  { "bad UTF-8", "b0fa18", "b0fa2c0102c3ff18", MATTER_ERROR_TLV_BAD_UTF8 },
  { "no extensions",
    "370a3501280118240201360304020401183004149f55a26b7e4303e60883e913bf94f4fb5e2a61613005145352d7"
    "059e9c15a508906862864801a29f1f41d318",
    "370a18", MATTER_ERROR_CERT_FORMAT },
  { "key usage twice", "280118240201", "280118240201240201", MATTER_ERROR_CERT_EXTENSION },
  { "key usage 0x200", "18240201360304", "1825020002360304", MATTER_ERROR_CERT_EXTENSION },
  { "key purpose 7", "3603040204011830", "3603040704011830", MATTER_ERROR_CERT_EXTENSION },
  { "empty key purposes", "3603040204011830", "36031830", MATTER_ERROR_CERT_EXTENSION },
  { "subject key id of 19 bytes", "3004149f55a2", "3004139f55", MATTER_ERROR_CERT_EXTENSION },
  { "path length without CA", "3501280118", "3501280124020018", MATTER_ERROR_CERT_EXTENSION },
  { "is-ca missing", "3501280118", "350124020018", MATTER_ERROR_CERT_EXTENSION },
  { "extension tag 7", "280118240201", "280118240701", MATTER_ERROR_CERT_EXTENSION },
  { "future extension not DER", "41d318300b",
    "41d33006030102031830"
    "0b",
    MATTER_ERROR_CERT_EXTENSION },
  { "future extension with explicit FALSE", "41d318300b",
    "41d330060e300c06032a030401010004020500"
    "18300b",
    MATTER_ERROR_CERT_EXTENSION },
  { "signature of 63 bytes", "300b407955", "300b3f55", MATTER_ERROR_CERT_FORMAT },
};

static void
test_tlv_malformed(void)
{
  for (gsize i = 0; i < G_N_ELEMENTS(tlv_patches); i++) {
    const TlvPatch *p = &tlv_patches[i];
    g_autofree char *hex = NULL;
    g_autoptr(GBytes) keep = NULL;
    MatterCert cert;

    g_test_message("%s", p->name);
    hex = patch(noc_tlv_hex, p->old, p->new);
    g_assert_cmpint(decode_hex(hex, &cert, &keep), ==, p->err);
  }
}

static void
test_tlv_framing(void)
{
  g_autoptr(GBytes) noc = md_test_bytes_hex(noc_tlv_hex);
  const guint8 *data = g_bytes_get_data(noc, NULL);
  gsize len = g_bytes_get_size(noc);
  g_autofree guint8 *longer = g_malloc(len + 1);
  g_autofree char *hex = NULL;
  g_autoptr(GBytes) keep = NULL;
  GString *big = g_string_new(noc_tlv_hex);
  MatterCert cert;
  guint8 out[MATTER_CERT_MAX_TLV_LEN];
  gsize out_len;

  /* The reader's own errors pass through. */
  g_assert_cmpint(matter_cert_decode(data, 0, &cert), ==, MATTER_ERROR_TRUNCATED);
  g_assert_cmpint(matter_cert_decode(data, len - 1, &cert), ==, MATTER_ERROR_TRUNCATED);
  memcpy(longer, data, len);
  longer[len] = 0x18;
  g_assert_cmpint(matter_cert_decode(longer, len + 1, &cert), ==, MATTER_ERROR_TLV_TRAILING);
  /* An anonymous structure only. */
  hex = patch(noc_tlv_hex, "153001083e", "35013001083e");
  g_assert_cmpint(decode_hex(hex, &cert, &keep), ==, MATTER_ERROR_CERT_FORMAT);

  /* Over 400 bytes: a 258-byte common name in the subject. */
  g_string_truncate(big, 0);
  g_string_append(big, "b0fa2c01ff");
  for (int i = 0; i < 255; i++)
    g_string_append(big, "41");
  g_string_append(big, "18");
  g_clear_pointer(&hex, g_free);
  g_clear_pointer(&keep, g_bytes_unref);
  hex = patch(noc_tlv_hex, "b0fa18", big->str);
  g_assert_cmpint(decode_hex(hex, &cert, &keep), ==, MATTER_ERROR_CERT_TOO_LARGE);
  g_string_free(big, TRUE);

  /* Wider integers than needed are accepted, and re-encoded narrowest. */
  g_clear_pointer(&hex, g_free);
  g_clear_pointer(&keep, g_bytes_unref);
  hex = patch(noc_tlv_hex, "2604ef171b27", "2704ef171b2700000000");
  g_assert_cmpint(decode_hex(hex, &cert, &keep), ==, MATTER_OK);
  g_assert_cmpint(matter_cert_encode(&cert, out, sizeof(out), &out_len), ==, MATTER_OK);
  md_test_assert_hex(out, out_len, noc_tlv_hex);
  g_assert_cmpint(matter_cert_encode(&cert, out, out_len - 1, &out_len), ==,
                  MATTER_ERROR_BUFFER_TOO_SMALL);
}

/* ---- Role and chain rules, one at a time ----------------------------- */

typedef enum {
  WHICH_RCAC,
  WHICH_ICAC,
  WHICH_NOC,
} Which;

typedef struct {
  const char *name;
  Which which;
  void (*edit)(Chain *chain, Cert *cert);
  MatterError err;
} Breakage;

static void
edit_node_id_zero(Chain *chain, Cert *c)
{
  find_attr(&c->cert.subject, MATTER_CERT_DN_NODE_ID)->value = 0;
}

static void
edit_node_id_group(Chain *chain, Cert *c)
{
  find_attr(&c->cert.subject, MATTER_CERT_DN_NODE_ID)->value =
      G_GUINT64_CONSTANT(0xFFFFFFF000000001);
}

static void
edit_fabric_id_zero(Chain *chain, Cert *c)
{
  find_attr(&c->cert.subject, MATTER_CERT_DN_FABRIC_ID)->value = 0;
}

static void
edit_no_node_id(Chain *chain, Cert *c)
{
  MatterCertDnAttr *attr = find_attr(&c->cert.subject, MATTER_CERT_DN_NODE_ID);

  *attr = (MatterCertDnAttr){ .type = MATTER_CERT_DN_COMMON_NAME, .str = "node", .len = 4 };
}

static void
edit_two_node_ids(Chain *chain, Cert *c)
{
  add_attr(&c->cert.subject, MATTER_CERT_DN_NODE_ID, 2);
}

static void
edit_add_rcac_id(Chain *chain, Cert *c)
{
  add_attr(&c->cert.subject, MATTER_CERT_DN_RCAC_ID, 1);
}

static void
edit_add_icac_id(Chain *chain, Cert *c)
{
  add_attr(&c->cert.subject, MATTER_CERT_DN_ICAC_ID, 1);
}

static void
edit_cat_version_zero(Chain *chain, Cert *c)
{
  add_attr(&c->cert.subject, MATTER_CERT_DN_NOC_CAT, 0xABCD0000);
}

static void
edit_cat_duplicate(Chain *chain, Cert *c)
{
  add_attr(&c->cert.subject, MATTER_CERT_DN_NOC_CAT, 0xABCD0004);
  add_attr(&c->cert.subject, MATTER_CERT_DN_NOC_CAT, 0xABCD0002);
}

static void
edit_add_cat(Chain *chain, Cert *c)
{
  add_attr(&c->cert.subject, MATTER_CERT_DN_NOC_CAT, 0xABCD0001);
}

static void
edit_ca_true(Chain *chain, Cert *c)
{
  c->cert.is_ca = true;
}

static void
edit_ca_false(Chain *chain, Cert *c)
{
  c->cert.is_ca = false;
}

static void
edit_key_usage_extra(Chain *chain, Cert *c)
{
  c->cert.key_usage |= MATTER_CERT_KEY_USAGE_KEY_ENCIPHERMENT;
}

static void
edit_key_usage_cert_sign_only(Chain *chain, Cert *c)
{
  c->cert.key_usage = MATTER_CERT_KEY_USAGE_KEY_CERT_SIGN;
}

static void
edit_server_auth_only(Chain *chain, Cert *c)
{
  c->cert.key_purpose_count = 1;
  c->cert.key_purposes[0] = MATTER_CERT_KEY_PURPOSE_SERVER_AUTH;
}

static void
edit_no_eku(Chain *chain, Cert *c)
{
  remove_ext(&c->cert, MATTER_CERT_EXT_EXTENDED_KEY_USAGE);
}

static void
edit_add_eku(Chain *chain, Cert *c)
{
  c->cert.key_purpose_count = 1;
  c->cert.key_purposes[0] = MATTER_CERT_KEY_PURPOSE_CLIENT_AUTH;
  add_ext(&c->cert, MATTER_CERT_EXT_EXTENDED_KEY_USAGE, NULL, 0);
}

static void
edit_no_skid(Chain *chain, Cert *c)
{
  remove_ext(&c->cert, MATTER_CERT_EXT_SUBJECT_KEY_ID);
}

static void
edit_no_akid(Chain *chain, Cert *c)
{
  remove_ext(&c->cert, MATTER_CERT_EXT_AUTHORITY_KEY_ID);
}

static void
edit_no_basic_constraints(Chain *chain, Cert *c)
{
  remove_ext(&c->cert, MATTER_CERT_EXT_BASIC_CONSTRAINTS);
}

static void
edit_no_key_usage(Chain *chain, Cert *c)
{
  remove_ext(&c->cert, MATTER_CERT_EXT_KEY_USAGE);
}

/* OID 1.2.3.4, critical, value NULL. */
static const guint8 critical_future[] = { 0x30, 0x0c, 0x06, 0x03, 0x2a, 0x03, 0x04,
                                          0x01, 0x01, 0xff, 0x04, 0x02, 0x05, 0x00 };
static const guint8 plain_future[] = { 0x30, 0x09, 0x06, 0x03, 0x2a, 0x03,
                                       0x04, 0x04, 0x02, 0x05, 0x00 };

static void
edit_critical_future(Chain *chain, Cert *c)
{
  add_ext(&c->cert, MATTER_CERT_EXT_FUTURE, critical_future, sizeof(critical_future));
}

static void
edit_akid_not_skid(Chain *chain, Cert *c)
{
  c->akid[0] ^= 1;
}

static void
edit_rcac_id_twice(Chain *chain, Cert *c)
{
  add_attr(&c->cert.subject, MATTER_CERT_DN_RCAC_ID, 2);
  add_attr(&c->cert.issuer, MATTER_CERT_DN_RCAC_ID, 2);
}

static void
edit_fabric_zero_in_ca(Chain *chain, Cert *c)
{
  add_attr(&c->cert.subject, MATTER_CERT_DN_FABRIC_ID, 0);
}

/* The ICAC in another fabric, and the NOC naming it as its issuer. */
static void
edit_other_fabric(Chain *chain, Cert *c)
{
  add_attr(&c->cert.subject, MATTER_CERT_DN_FABRIC_ID, SPEC_FABRIC_ID + 1);
  add_attr(&chain->noc->cert.issuer, MATTER_CERT_DN_FABRIC_ID, SPEC_FABRIC_ID + 1);
  cert_sign(chain->noc, chain->icac_key);
}

static void
edit_other_fabric_rcac(Chain *chain, Cert *c)
{
  add_attr(&c->cert.subject, MATTER_CERT_DN_FABRIC_ID, SPEC_FABRIC_ID + 1);
  add_attr(&c->cert.issuer, MATTER_CERT_DN_FABRIC_ID, SPEC_FABRIC_ID + 1);
  add_attr(&chain->icac->cert.issuer, MATTER_CERT_DN_FABRIC_ID, SPEC_FABRIC_ID + 1);
  cert_sign(chain->icac, chain->rcac_key);
}

static void
edit_path_len_zero(Chain *chain, Cert *c)
{
  c->cert.has_path_len = true;
  c->cert.path_len = 0;
}

static void
edit_akid_other(Chain *chain, Cert *c)
{
  c->akid[19] ^= 0x80;
}

static void
edit_issuer_other(Chain *chain, Cert *c)
{
  c->cert.issuer.attrs[0].value++;
}

static void
edit_rcac_not_self_issued(Chain *chain, Cert *c)
{
  c->cert.issuer.attrs[0].value++;
}

static void
edit_reversed_validity(Chain *chain, Cert *c)
{
  c->cert.not_before = c->cert.not_after + 1;
}

static const Breakage breakages[] = {
  { "NOC node id 0", WHICH_NOC, edit_node_id_zero, MATTER_ERROR_CERT_NODE_ID },
  { "NOC group node id", WHICH_NOC, edit_node_id_group, MATTER_ERROR_CERT_NODE_ID },
  { "NOC fabric id 0", WHICH_NOC, edit_fabric_id_zero, MATTER_ERROR_CERT_FABRIC_ID },
  { "NOC without node id", WHICH_NOC, edit_no_node_id, MATTER_ERROR_CERT_DN_MISSING },
  { "NOC with two node ids", WHICH_NOC, edit_two_node_ids, MATTER_ERROR_CERT_DN_DUPLICATE },
  { "NOC with RCAC id", WHICH_NOC, edit_add_rcac_id, MATTER_ERROR_CERT_DN_FORBIDDEN },
  { "NOC with ICAC id", WHICH_NOC, edit_add_icac_id, MATTER_ERROR_CERT_DN_FORBIDDEN },
  { "NOC CAT version 0", WHICH_NOC, edit_cat_version_zero, MATTER_ERROR_CERT_CAT_VERSION },
  { "NOC CAT identifier twice", WHICH_NOC, edit_cat_duplicate, MATTER_ERROR_CERT_CAT_DUPLICATE },
  { "NOC is a CA", WHICH_NOC, edit_ca_true, MATTER_ERROR_CERT_BASIC_CONSTRAINTS },
  { "NOC key usage extra", WHICH_NOC, edit_key_usage_extra, MATTER_ERROR_CERT_KEY_USAGE },
  { "NOC serverAuth only", WHICH_NOC, edit_server_auth_only, MATTER_ERROR_CERT_EXTENDED_KEY_USAGE },
  { "NOC without EKU", WHICH_NOC, edit_no_eku, MATTER_ERROR_CERT_EXTENSION_MISSING },
  { "NOC without SKID", WHICH_NOC, edit_no_skid, MATTER_ERROR_CERT_EXTENSION_MISSING },
  { "NOC without AKID", WHICH_NOC, edit_no_akid, MATTER_ERROR_CERT_EXTENSION_MISSING },
  { "NOC without basic constraints", WHICH_NOC, edit_no_basic_constraints,
    MATTER_ERROR_CERT_EXTENSION_MISSING },
  { "NOC without key usage", WHICH_NOC, edit_no_key_usage, MATTER_ERROR_CERT_EXTENSION_MISSING },
  { "NOC critical future extension", WHICH_NOC, edit_critical_future,
    MATTER_ERROR_CERT_EXTENSION_CRITICAL },
  { "NOC AKID not the ICAC's", WHICH_NOC, edit_akid_other, MATTER_ERROR_CERT_KEY_ID },
  { "NOC issuer not the ICAC", WHICH_NOC, edit_issuer_other, MATTER_ERROR_CERT_ISSUER },
  { "NOC validity reversed", WHICH_NOC, edit_reversed_validity, MATTER_ERROR_CERT_VALIDITY },
  { "ICAC not a CA", WHICH_ICAC, edit_ca_false, MATTER_ERROR_CERT_BASIC_CONSTRAINTS },
  { "ICAC with EKU", WHICH_ICAC, edit_add_eku, MATTER_ERROR_CERT_EXTENDED_KEY_USAGE },
  { "ICAC keyCertSign only", WHICH_ICAC, edit_key_usage_cert_sign_only,
    MATTER_ERROR_CERT_KEY_USAGE },
  { "ICAC with CAT", WHICH_ICAC, edit_add_cat, MATTER_ERROR_CERT_DN_FORBIDDEN },
  { "ICAC with RCAC id", WHICH_ICAC, edit_add_rcac_id, MATTER_ERROR_CERT_DN_FORBIDDEN },
  { "ICAC fabric id 0", WHICH_ICAC, edit_fabric_zero_in_ca, MATTER_ERROR_CERT_FABRIC_ID },
  { "ICAC other fabric", WHICH_ICAC, edit_other_fabric, MATTER_ERROR_CERT_FABRIC_ID },
  { "ICAC without basic constraints", WHICH_ICAC, edit_no_basic_constraints,
    MATTER_ERROR_CERT_EXTENSION_MISSING },
  { "ICAC AKID not the RCAC's", WHICH_ICAC, edit_akid_other, MATTER_ERROR_CERT_KEY_ID },
  { "RCAC AKID not its SKID", WHICH_RCAC, edit_akid_not_skid, MATTER_ERROR_CERT_KEY_ID },
  { "RCAC with two RCAC ids", WHICH_RCAC, edit_rcac_id_twice, MATTER_ERROR_CERT_DN_DUPLICATE },
  { "RCAC with node id", WHICH_RCAC, edit_two_node_ids, MATTER_ERROR_CERT_DN_FORBIDDEN },
  { "RCAC path length 0 above an ICAC", WHICH_RCAC, edit_path_len_zero,
    MATTER_ERROR_CERT_BASIC_CONSTRAINTS },
  { "RCAC other fabric", WHICH_RCAC, edit_other_fabric_rcac, MATTER_ERROR_CERT_FABRIC_ID },
  { "RCAC not self-issued", WHICH_RCAC, edit_rcac_not_self_issued, MATTER_ERROR_CERT_ISSUER },
  { "RCAC not a CA", WHICH_RCAC, edit_ca_false, MATTER_ERROR_CERT_BASIC_CONSTRAINTS },
};

static void
test_chain_breakages(void)
{
  for (gsize i = 0; i < G_N_ELEMENTS(breakages); i++) {
    const Breakage *b = &breakages[i];
    Chain chain;
    Cert *c;
    const MatterP256Key *signer;
    MatterCertChainInfo info;

    g_test_message("%s", b->name);
    chain_init(&chain);
    switch (b->which) {
    case WHICH_RCAC:
      c = chain.rcac;
      signer = chain.rcac_key;
      break;
    case WHICH_ICAC:
      c = chain.icac;
      signer = chain.rcac_key;
      break;
    default:
      c = chain.noc;
      signer = chain.icac_key;
      break;
    }
    b->edit(&chain, c);
    /* Still a well-formed certificate, properly signed, and convertible. */
    cert_sign(c, signer);
    g_assert_cmpint(matter_cert_verify(&c->cert, chain.rcac->public_key), ==,
                    signer == chain.rcac_key ? MATTER_OK : MATTER_ERROR_INVALID_SIGNATURE);
    g_assert_cmpint(chain_validate(&chain, &info), ==, b->err);
    chain_clear(&chain);
  }
  md_test_assert_no_openssl_error();
}

static void
test_role_cat_count(void)
{
  g_autoptr(Cert) noc = cert_new(noc_tlv_hex);
  guint8 out[MATTER_CERT_MAX_TLV_LEN];
  gsize out_len;

  /* Node id, fabric id and four CATs: six RDNs, so no certificate can
   * carry them; the role check still says why. */
  for (guint32 i = 1; i <= 4; i++)
    add_attr(&noc->cert.subject, MATTER_CERT_DN_NOC_CAT, 0x10000 * i + 1);
  g_assert_cmpint(matter_cert_check_role(&noc->cert, MATTER_CERT_ROLE_NOC), ==,
                  MATTER_ERROR_CERT_CAT_COUNT);
  g_assert_cmpint(matter_cert_encode(&noc->cert, out, sizeof(out), &out_len), ==,
                  MATTER_ERROR_CERT_DN_ATTRIBUTE);
  g_assert_cmpint(matter_cert_get_role(&noc->cert), ==, MATTER_CERT_ROLE_NOC);
  add_attr(&noc->cert.subject, MATTER_CERT_DN_RCAC_ID, 1);
  g_assert_cmpint(matter_cert_get_role(&noc->cert), ==, MATTER_CERT_ROLE_NONE);
}

static void
test_chain_cats_and_future(void)
{
  Chain chain;
  MatterCertChainInfo info;
  guint8 der[MATTER_CERT_MAX_DER_LEN], tlv[MATTER_CERT_MAX_TLV_LEN];
  gsize der_len, tlv_len;

  chain_init(&chain);
  add_attr(&chain.noc->cert.subject, MATTER_CERT_DN_NOC_CAT, 0xABCD0002);
  add_attr(&chain.noc->cert.subject, MATTER_CERT_DN_NOC_CAT, 0xABCE0018);
  add_string_attr(&chain.noc->cert.subject, MATTER_CERT_DN_COMMON_NAME, "NOC Example", FALSE);
  add_ext(&chain.noc->cert, MATTER_CERT_EXT_FUTURE, plain_future, sizeof(plain_future));
  cert_sign(chain.noc, chain.icac_key);
  g_assert_cmpint(chain_validate(&chain, &info), ==, MATTER_OK);
  g_assert_cmpuint(info.cat_count, ==, 2);
  g_assert_cmphex(info.cats[0], ==, 0xABCD0002);
  g_assert_cmphex(info.cats[1], ==, 0xABCE0018);

  /* The future extension is copied verbatim both ways. */
  g_assert_cmpint(
      matter_cert_tlv_to_der(chain.noc->tlv, chain.noc->tlv_len, der, sizeof(der), &der_len), ==,
      MATTER_OK);
  g_assert_nonnull(find_bytes(der, der_len, plain_future, sizeof(plain_future)));
  g_assert_cmpint(matter_cert_der_to_tlv(der, der_len, tlv, sizeof(tlv), &tlv_len), ==, MATTER_OK);
  g_assert_cmpmem(tlv, tlv_len, chain.noc->tlv, chain.noc->tlv_len);
  chain_clear(&chain);
}

static void
test_chain_links(void)
{
  Chain chain;
  MatterCertChainInfo info;
  g_autoptr(MatterP256Key) other = NULL;
  g_autoptr(Cert) direct = NULL;

  /* Certificates in the wrong places. */
  chain_init(&chain);
  g_assert_cmpint(matter_cert_chain_validate(
                      chain.rcac->tlv, chain.rcac->tlv_len, chain.noc->tlv, chain.noc->tlv_len,
                      chain.icac->tlv, chain.icac->tlv_len, MATTER_CERT_TIME_UNKNOWN, 0, &info),
                  ==, MATTER_ERROR_CERT_DN_FORBIDDEN);
  g_assert_cmpint(matter_cert_chain_validate(
                      chain.icac->tlv, chain.icac->tlv_len, chain.rcac->tlv, chain.rcac->tlv_len,
                      chain.noc->tlv, chain.noc->tlv_len, MATTER_CERT_TIME_UNKNOWN, 0, &info),
                  ==, MATTER_ERROR_CERT_DN_FORBIDDEN);
  /* The ICAC left out: the NOC names it as its issuer. */
  g_assert_cmpint(matter_cert_chain_validate(chain.rcac->tlv, chain.rcac->tlv_len, NULL, 0,
                                             chain.noc->tlv, chain.noc->tlv_len,
                                             MATTER_CERT_TIME_UNKNOWN, 0, &info),
                  ==, MATTER_ERROR_CERT_ISSUER);
  g_assert_cmpint(matter_cert_chain_validate(chain.rcac->tlv, chain.rcac->tlv_len, NULL, 1,
                                             chain.noc->tlv, chain.noc->tlv_len,
                                             MATTER_CERT_TIME_UNKNOWN, 0, &info),
                  ==, MATTER_ERROR_INVALID_ARGUMENT);

  /* A broken signature. */
  chain.noc->tlv[chain.noc->tlv_len - 2] ^= 1;
  g_assert_cmpint(chain_validate(&chain, &info), ==, MATTER_ERROR_INVALID_SIGNATURE);
  chain.noc->tlv[chain.noc->tlv_len - 2] ^= 1;

  /* Another root with the same name: its key id differs, and with the
   * same key id its signature does not verify. */
  g_assert_cmpint(matter_p256_generate(&other), ==, MATTER_OK);
  cert_set_key(chain.rcac, other);
  memcpy(chain.rcac->akid, chain.rcac->skid, MATTER_CERT_KEY_ID_LEN);
  cert_sign(chain.rcac, other);
  g_assert_cmpint(chain_validate(&chain, &info), ==, MATTER_ERROR_CERT_KEY_ID);
  memcpy(chain.rcac->skid, chain.icac->akid, MATTER_CERT_KEY_ID_LEN);
  memcpy(chain.rcac->akid, chain.icac->akid, MATTER_CERT_KEY_ID_LEN);
  cert_sign(chain.rcac, other);
  g_assert_cmpint(chain_validate(&chain, &info), ==, MATTER_ERROR_INVALID_SIGNATURE);
  chain_clear(&chain);

  /* A NOC the root signs directly; an RCAC path length of 0 allows it. */
  chain_init(&chain);
  direct = cert_new(noc_tlv_hex);
  direct->cert.issuer = chain.rcac->cert.subject;
  memcpy(direct->akid, chain.rcac->skid, MATTER_CERT_KEY_ID_LEN);
  cert_sign(direct, chain.rcac_key);
  edit_path_len_zero(&chain, chain.rcac);
  cert_sign(chain.rcac, chain.rcac_key);
  g_assert_cmpint(matter_cert_chain_validate(chain.rcac->tlv, chain.rcac->tlv_len, NULL, 0,
                                             direct->tlv, direct->tlv_len, MATTER_CERT_TIME_UNKNOWN,
                                             0, &info),
                  ==, MATTER_OK);
  g_assert_cmpuint(info.node_id, ==, SPEC_NODE_ID);
  g_assert_cmpint(matter_cert_chain_validate(chain.rcac->tlv, chain.rcac->tlv_len, chain.icac->tlv,
                                             chain.icac->tlv_len, direct->tlv, direct->tlv_len,
                                             MATTER_CERT_TIME_UNKNOWN, 0, &info),
                  ==, MATTER_ERROR_CERT_BASIC_CONSTRAINTS);
  /* Path length 1 admits the ICAC. */
  chain.rcac->cert.path_len = 1;
  cert_sign(chain.rcac, chain.rcac_key);
  g_assert_cmpint(chain_validate(&chain, &info), ==, MATTER_OK);
  chain_clear(&chain);
  md_test_assert_no_openssl_error();
}

static void
test_validity(void)
{
  g_autoptr(Cert) c = cert_new(noc_tlv_hex);
  MatterCert *cert = &c->cert;

  g_assert_cmpint(matter_cert_check_validity(cert, (MatterCertTimeSource) 7, 0), ==,
                  MATTER_ERROR_INVALID_ARGUMENT);
  g_assert_cmpint(matter_cert_check_validity(cert, MATTER_CERT_TIME_UNKNOWN, 0), ==, MATTER_OK);
  g_assert_cmpint(matter_cert_check_validity(cert, MATTER_CERT_TIME_CURRENT, SPEC_NOT_BEFORE), ==,
                  MATTER_OK);
  g_assert_cmpint(matter_cert_check_validity(cert, MATTER_CERT_TIME_CURRENT, SPEC_NOT_AFTER), ==,
                  MATTER_OK);
  g_assert_cmpint(matter_cert_check_validity(cert, MATTER_CERT_TIME_CURRENT, SPEC_NOT_BEFORE - 1),
                  ==, MATTER_ERROR_CERT_NOT_YET_VALID);
  g_assert_cmpint(matter_cert_check_validity(cert, MATTER_CERT_TIME_CURRENT, SPEC_NOT_AFTER + 1),
                  ==, MATTER_ERROR_CERT_EXPIRED);
  /* A last known good time only bounds the present from below. */
  g_assert_cmpint(matter_cert_check_validity(cert, MATTER_CERT_TIME_LAST_KNOWN_GOOD, 0), ==,
                  MATTER_OK);
  g_assert_cmpint(
      matter_cert_check_validity(cert, MATTER_CERT_TIME_LAST_KNOWN_GOOD, SPEC_NOT_AFTER + 1), ==,
      MATTER_ERROR_CERT_EXPIRED);
  cert->not_after = MATTER_CERT_NO_EXPIRY;
  g_assert_cmpint(matter_cert_check_validity(cert, MATTER_CERT_TIME_CURRENT, G_MAXUINT32), ==,
                  MATTER_OK);
  cert->not_after = SPEC_NOT_BEFORE - 1;
  g_assert_cmpint(matter_cert_check_validity(cert, MATTER_CERT_TIME_UNKNOWN, 0), ==,
                  MATTER_ERROR_CERT_VALIDITY);
}

/* ---- Issuing and time encoding --------------------------------------- */

/* A self-signed RCAC made from scratch with @key. */
static void
make_rcac(MatterCert *cert, guint8 *pub, guint8 *skid, const MatterP256Key *key)
{
  static const guint8 serial[] = { 0x01 };

  memset(cert, 0, sizeof(*cert));
  cert->serial = serial;
  cert->serial_len = sizeof(serial);
  add_attr(&cert->issuer, MATTER_CERT_DN_RCAC_ID, 1);
  add_string_attr(&cert->issuer, MATTER_CERT_DN_COMMON_NAME, "ROOT CA HOME 3", TRUE);
  add_string_attr(&cert->issuer, MATTER_CERT_DN_DOMAIN_COMPONENT, "example", FALSE);
  add_string_attr(&cert->issuer, MATTER_CERT_DN_ORG_NAME, "Bücher", FALSE);
  cert->subject = cert->issuer;
  g_assert_cmpint(matter_p256_export_public(key, pub), ==, MATTER_OK);
  g_assert_cmpint(matter_cert_key_id(pub, skid), ==, MATTER_OK);
  cert->public_key = pub;
  cert->is_ca = true;
  cert->key_usage = MATTER_CERT_KEY_USAGE_KEY_CERT_SIGN | MATTER_CERT_KEY_USAGE_CRL_SIGN;
  cert->subject_key_id = skid;
  cert->authority_key_id = skid;
  add_ext(cert, MATTER_CERT_EXT_BASIC_CONSTRAINTS, NULL, 0);
  add_ext(cert, MATTER_CERT_EXT_KEY_USAGE, NULL, 0);
  add_ext(cert, MATTER_CERT_EXT_SUBJECT_KEY_ID, NULL, 0);
  add_ext(cert, MATTER_CERT_EXT_AUTHORITY_KEY_ID, NULL, 0);
}

typedef struct {
  guint32 not_before;
  guint32 not_after;
  const char *before_der; /* the Time's encoding */
  const char *after_der;
} TimeCase;

static const TimeCase time_cases[] = {
  /* 2000-01-01T00:00:00Z, 2049-12-31T23:59:59Z: UTCTime */
  { 0, 1577923199, "170d3030303130313030303030305a", "170d3439313233313233353935395a" },
  /* 2050-01-01T00:00:00Z: GeneralizedTime; 0: 99991231235959Z */
  { 1577923200, 0, "180f32303530303130313030303030305a", "180f39393939313233313233353935395a" },
  /* The last second of the Matter epoch: 2136-02-07T06:28:15Z */
  { 1, G_MAXUINT32, "170d3030303130313030303030315a", "180f32313336303230373036323831355a" },
};

static void
test_issue_and_times(void)
{
  g_autoptr(MatterP256Key) key = NULL;
  guint8 pub[MATTER_P256_PUBLIC_KEY_LEN], skid[MATTER_CERT_KEY_ID_LEN];
  guint8 sig[MATTER_P256_SIGNATURE_LEN];
  guint8 tbs[MATTER_CERT_MAX_DER_LEN], der[MATTER_CERT_MAX_DER_LEN];
  guint8 tlv[MATTER_CERT_MAX_TLV_LEN], tlv2[MATTER_CERT_MAX_TLV_LEN];
  gsize tbs_len, der_len, tlv_len, tlv2_len;
  MatterCert cert, back;

  g_assert_cmpint(matter_p256_generate(&key), ==, MATTER_OK);
  for (gsize i = 0; i < G_N_ELEMENTS(time_cases); i++) {
    const TimeCase *t = &time_cases[i];
    gsize len;
    g_autofree guint8 *before = md_test_unhex(t->before_der, &len);
    g_autofree guint8 *after = NULL;
    g_autofree guint8 *both = NULL;
    gsize after_len;

    make_rcac(&cert, pub, skid, key);
    cert.not_before = t->not_before;
    cert.not_after = t->not_after;
    g_assert_cmpint(matter_cert_encode_tbs(&cert, tbs, sizeof(tbs), &tbs_len), ==, MATTER_OK);
    g_assert_cmpint(matter_ecdsa_sign(key, tbs, tbs_len, sig), ==, MATTER_OK);
    cert.signature = sig;
    g_assert_cmpint(matter_cert_encode(&cert, tlv, sizeof(tlv), &tlv_len), ==, MATTER_OK);
    g_assert_cmpint(matter_cert_tlv_to_der(tlv, tlv_len, der, sizeof(der), &der_len), ==,
                    MATTER_OK);
    /* Validity ::= SEQUENCE { notBefore, notAfter } */
    after = md_test_unhex(t->after_der, &after_len);
    both = g_malloc(2 + len + after_len);
    both[0] = 0x30;
    both[1] = (guint8) (len + after_len);
    memcpy(both + 2, before, len);
    memcpy(both + 2 + len, after, after_len);
    g_assert_nonnull(find_bytes(der, der_len, both, 2 + len + after_len));
    g_assert_cmpint(matter_cert_der_to_tlv(der, der_len, tlv2, sizeof(tlv2), &tlv2_len), ==,
                    MATTER_OK);
    g_assert_cmpmem(tlv2, tlv2_len, tlv, tlv_len);
    g_assert_cmpint(matter_cert_decode(tlv2, tlv2_len, &back), ==, MATTER_OK);
    g_assert_cmpuint(back.not_before, ==, t->not_before);
    g_assert_cmpuint(back.not_after, ==, t->not_after);
    g_assert_true(matter_cert_dn_equal(&back.subject, &cert.subject));
    g_assert_cmpint(matter_cert_check_role(&back, MATTER_CERT_ROLE_RCAC), ==, MATTER_OK);
    g_assert_cmpint(matter_cert_verify(&back, pub), ==, MATTER_OK);
  }

  /* Callers' mistakes. */
  make_rcac(&cert, pub, skid, key);
  g_assert_cmpint(matter_cert_encode(&cert, tlv, sizeof(tlv), &tlv_len), ==,
                  MATTER_ERROR_INVALID_ARGUMENT);
  g_assert_cmpint(matter_cert_encode_der(&cert, der, sizeof(der), &der_len), ==,
                  MATTER_ERROR_INVALID_ARGUMENT);
  cert.signature = sig;
  g_assert_cmpint(matter_cert_encode_der(&cert, der, 10, &der_len), ==,
                  MATTER_ERROR_BUFFER_TOO_SMALL);
  add_string_attr(&cert.subject, MATTER_CERT_DN_COMMON_NAME, "a@b", TRUE);
  g_assert_cmpint(matter_cert_encode_tbs(&cert, tbs, sizeof(tbs), &tbs_len), ==,
                  MATTER_ERROR_CERT_DN_ATTRIBUTE);
  cert.subject.count--;
  add_attr(&cert.subject, MATTER_CERT_DN_VENDOR_ID, 0xFFF1);
  g_assert_cmpint(matter_cert_encode_tbs(&cert, tbs, sizeof(tbs), &tbs_len), ==,
                  MATTER_ERROR_CERT_DN_ATTRIBUTE);
  cert.subject.count--;
  /* A known extension in the future-extension slot has no single form. */
  {
    static const guint8 bc_as_future[] = { 0x30, 0x0c, 0x06, 0x03, 0x55, 0x1d, 0x13,
                                           0x01, 0x01, 0xff, 0x04, 0x02, 0x30, 0x00 };

    add_ext(&cert, MATTER_CERT_EXT_FUTURE, bc_as_future, sizeof(bc_as_future));
    g_assert_cmpint(matter_cert_encode(&cert, tlv, sizeof(tlv), &tlv_len), ==, MATTER_OK);
    g_assert_cmpint(matter_cert_encode_tbs(&cert, tbs, sizeof(tbs), &tbs_len), ==,
                    MATTER_ERROR_CERT_EXTENSION);
    /* Two extensions with one OID neither. */
    cert.ext_count--;
    add_ext(&cert, MATTER_CERT_EXT_FUTURE, plain_future, sizeof(plain_future));
    add_ext(&cert, MATTER_CERT_EXT_FUTURE, plain_future, sizeof(plain_future));
    g_assert_cmpint(matter_cert_encode_tbs(&cert, tbs, sizeof(tbs), &tbs_len), ==,
                    MATTER_ERROR_CERT_EXTENSION);
  }
  md_test_assert_no_openssl_error();
}

/* ---- X.509 built by OpenSSL ------------------------------------------ */

typedef struct {
  gboolean v1;
  const char *serial_hex;
  const char *not_before;
  const char *not_after;
  gboolean basic_constraints_noncritical;
  gboolean akid_with_issuer;
  gboolean node_id_lowercase;
  gboolean node_id_printable;
  gboolean multi_valued_rdn;
  gboolean sha384;
  gboolean p384;
  gboolean unknown_attribute;
  gboolean eku_any;
  int extra_nid; /* one more extension, as X509V3_EXT_conf_nid() makes it */
  const char *extra_ext;
} X509Opts;

static EVP_PKEY *
evp_key(const char *sec1_hex)
{
  gsize len;
  g_autofree guint8 *sec1 = md_test_unhex(sec1_hex, &len);
  const unsigned char *p = sec1;
  EVP_PKEY *pkey = d2i_AutoPrivateKey(NULL, &p, (long) len);

  g_assert_nonnull(pkey);
  return pkey;
}

static void
name_add(X509_NAME *name, const char *oid, int type, const char *value)
{
  g_assert_cmpint(
      X509_NAME_add_entry_by_txt(name, oid, type, (const unsigned char *) value, -1, -1, 0), ==, 1);
}

static void
add_conf_ext(X509 *x, int nid, const char *value)
{
  X509V3_CTX ctx;
  X509_EXTENSION *ext;

  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, NULL, x, NULL, NULL, 0);
  ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
  g_assert_nonnull(ext);
  g_assert_cmpint(X509_add_ext(x, ext, -1), ==, 1);
  X509_EXTENSION_free(ext);
}

/* The ICAC's key id, and @issuer as a directory name when not NULL. */
static void
add_authority_key_id(X509 *x, const X509_NAME *issuer)
{
  AUTHORITY_KEYID *akid = AUTHORITY_KEYID_new();
  X509_EXTENSION *ext;
  gsize id_len;
  g_autofree guint8 *id = md_test_unhex(ICAC_SKID, &id_len);

  akid->keyid = ASN1_OCTET_STRING_new();
  g_assert_cmpint(ASN1_OCTET_STRING_set(akid->keyid, id, (int) id_len), ==, 1);
  if (issuer != NULL) {
    GENERAL_NAME *gn = GENERAL_NAME_new();

    gn->type = GEN_DIRNAME;
    gn->d.directoryName = X509_NAME_dup(issuer);
    akid->issuer = GENERAL_NAMES_new();
    g_assert_cmpint(sk_GENERAL_NAME_push(akid->issuer, gn), >, 0);
  }
  ext = X509V3_EXT_i2d(NID_authority_key_identifier, 0, akid);
  g_assert_nonnull(ext);
  g_assert_cmpint(X509_add_ext(x, ext, -1), ==, 1);
  X509_EXTENSION_free(ext);
  AUTHORITY_KEYID_free(akid);
}

/* The spec NOC rebuilt with OpenSSL, signed by the spec ICAC's key, with
 * the changes @o asks for. */
static GBytes *
build_x509(const X509Opts *o)
{
  X509 *x = X509_new();
  X509_NAME *issuer = X509_NAME_new(), *subject = X509_NAME_new();
  EVP_PKEY *icac = evp_key(icac_key_hex);
  EVP_PKEY *subject_key = NULL;
  gsize serial_len;
  g_autofree guint8 *serial =
      md_test_unhex(o->serial_hex ? o->serial_hex : "3efcff1702b9a17a", &serial_len);
  ASN1_INTEGER *sn;
  const unsigned char *p;
  unsigned char *der = NULL;
  guint8 sn_der[32];
  GBytes *out;
  int len;

  g_assert_nonnull(x);
  g_assert_cmpint(X509_set_version(x, o->v1 ? X509_VERSION_1 : X509_VERSION_3), ==, 1);
  g_assert_cmpuint(serial_len, <=, sizeof(sn_der) - 2);
  sn_der[0] = 0x02;
  sn_der[1] = (guint8) serial_len;
  memcpy(sn_der + 2, serial, serial_len);
  p = sn_der;
  sn = d2i_ASN1_INTEGER(NULL, &p, (long) serial_len + 2);
  g_assert_nonnull(sn);
  g_assert_cmpint(X509_set_serialNumber(x, sn), ==, 1);
  ASN1_INTEGER_free(sn);

  name_add(issuer, "1.3.6.1.4.1.37244.1.3", V_ASN1_UTF8STRING, "CACACACA00000003");
  g_assert_cmpint(X509_set_issuer_name(x, issuer), ==, 1);
  name_add(subject, "1.3.6.1.4.1.37244.1.1",
           o->node_id_printable ? V_ASN1_PRINTABLESTRING : V_ASN1_UTF8STRING,
           o->node_id_lowercase ? "dededede00010001" : "DEDEDEDE00010001");
  if (o->multi_valued_rdn)
    g_assert_cmpint(X509_NAME_add_entry_by_txt(subject, "1.3.6.1.4.1.37244.1.5", V_ASN1_UTF8STRING,
                                               (const unsigned char *) "FAB000000000001D", -1, -1,
                                               -1),
                    ==, 1);
  else
    name_add(subject, "1.3.6.1.4.1.37244.1.5", V_ASN1_UTF8STRING, "FAB000000000001D");
  if (o->unknown_attribute)
    name_add(subject, "2.5.4.9", V_ASN1_UTF8STRING, "Street");
  g_assert_cmpint(X509_set_subject_name(x, subject), ==, 1);

  {
    ASN1_TIME *t = ASN1_TIME_new();

    g_assert_cmpint(ASN1_TIME_set_string(t, o->not_before ? o->not_before : "201015142343Z"), ==,
                    1);
    g_assert_cmpint(X509_set1_notBefore(x, t), ==, 1);
    g_assert_cmpint(ASN1_TIME_set_string(t, o->not_after ? o->not_after : "401015142342Z"), ==, 1);
    g_assert_cmpint(X509_set1_notAfter(x, t), ==, 1);
    ASN1_TIME_free(t);
  }

  subject_key = o->p384 ? EVP_EC_gen("P-384") : evp_key(noc_key_hex);
  g_assert_nonnull(subject_key);
  g_assert_cmpint(X509_set_pubkey(x, subject_key), ==, 1);

  add_conf_ext(x, NID_basic_constraints,
               o->basic_constraints_noncritical ? "CA:FALSE" : "critical,CA:FALSE");
  add_conf_ext(x, NID_key_usage, "critical,digitalSignature");
  add_conf_ext(x, NID_ext_key_usage,
               o->eku_any ? "critical,clientAuth,serverAuth,anyExtendedKeyUsage"
                          : "critical,clientAuth,serverAuth");
  add_conf_ext(x, NID_subject_key_identifier, NOC_SKID);
  add_authority_key_id(x, o->akid_with_issuer ? issuer : NULL);
  if (o->extra_ext != NULL)
    add_conf_ext(x, o->extra_nid, o->extra_ext);

  g_assert_cmpint(X509_sign(x, icac, o->sha384 ? EVP_sha384() : EVP_sha256()), >, 0);
  len = i2d_X509(x, &der);
  g_assert_cmpint(len, >, 0);

  X509_free(x);
  X509_NAME_free(issuer);
  X509_NAME_free(subject);
  EVP_PKEY_free(icac);
  EVP_PKEY_free(subject_key);
  out = g_bytes_new(der, (gsize) len);
  OPENSSL_free(der);
  return out;
}

typedef struct {
  const char *name;
  X509Opts opts;
  MatterError err;
} X509Case;

static const X509Case x509_cases[] = {
  { "version 1", { .v1 = TRUE }, MATTER_ERROR_CERT_UNSUPPORTED },
  { "serial of 21 bytes",
    { .serial_hex = "0102030405060708091011121314151617181920ff" },
    MATTER_ERROR_CERT_UNSUPPORTED },
  { "basic constraints not critical",
    { .basic_constraints_noncritical = TRUE },
    MATTER_ERROR_CERT_EXTENSION_CRITICAL },
  { "authority key id with issuer", { .akid_with_issuer = TRUE }, MATTER_ERROR_CERT_EXTENSION },
  { "node id in lower case", { .node_id_lowercase = TRUE }, MATTER_ERROR_CERT_DN_ATTRIBUTE },
  { "node id as PrintableString", { .node_id_printable = TRUE }, MATTER_ERROR_CERT_DN_ATTRIBUTE },
  { "multi-valued RDN", { .multi_valued_rdn = TRUE }, MATTER_ERROR_CERT_DN_ATTRIBUTE },
  { "unknown DN attribute", { .unknown_attribute = TRUE }, MATTER_ERROR_CERT_DN_ATTRIBUTE },
  { "ecdsa-with-SHA384", { .sha384 = TRUE }, MATTER_ERROR_CERT_SIGNATURE_ALGORITHM },
  { "P-384 key", { .p384 = TRUE }, MATTER_ERROR_CERT_KEY_TYPE },
  { "anyExtendedKeyUsage", { .eku_any = TRUE }, MATTER_ERROR_CERT_EXTENSION },
  { "GeneralizedTime before 2050",
    { .not_before = "20201015142343Z" },
    MATTER_ERROR_CERT_VALIDITY },
  { "before the Matter epoch", { .not_before = "991231235959Z" }, MATTER_ERROR_CERT_VALIDITY },
  { "after the Matter epoch", { .not_after = "21360207062816Z" }, MATTER_ERROR_CERT_VALIDITY },
  { "not-after at the epoch",
    { .not_before = "000101000000Z", .not_after = "000101000000Z" },
    MATTER_ERROR_CERT_VALIDITY },
  { "fractional seconds", { .not_after = "20501015142342.5Z" }, MATTER_ERROR_CERT_VALIDITY },
  { "key usage twice",
    { .extra_ext = "digitalSignature", .extra_nid = NID_key_usage },
    MATTER_ERROR_CERT_EXTENSION },
};

static void
test_x509_openssl(void)
{
  guint8 tlv[MATTER_CERT_MAX_TLV_LEN], der[MATTER_CERT_MAX_DER_LEN];
  gsize tlv_len, der_len;
  Chain chain;
  MatterCertChainInfo info;

  /* OpenSSL's encoding of the spec NOC is ours, and its signature checks. */
  {
    X509Opts plain = { 0 };
    g_autoptr(GBytes) x = build_x509(&plain);
    gsize len;
    const guint8 *data = g_bytes_get_data(x, &len);

    g_assert_cmpint(matter_cert_der_to_tlv(data, len, tlv, sizeof(tlv), &tlv_len), ==, MATTER_OK);
    g_assert_cmpint(matter_cert_tlv_to_der(tlv, tlv_len, der, sizeof(der), &der_len), ==,
                    MATTER_OK);
    g_assert_cmpmem(der, der_len, data, len);
    chain_init(&chain);
    memcpy(chain.noc->tlv, tlv, tlv_len);
    chain.noc->tlv_len = tlv_len;
    g_assert_cmpint(chain_validate(&chain, &info), ==, MATTER_OK);
    chain_clear(&chain);
  }

  for (gsize i = 0; i < G_N_ELEMENTS(x509_cases); i++) {
    const X509Case *c = &x509_cases[i];
    g_autoptr(GBytes) x = NULL;
    gsize len;
    const guint8 *data;

    g_test_message("%s", c->name);
    x = build_x509(&c->opts);
    data = g_bytes_get_data(x, &len);
    g_assert_cmpint(matter_cert_der_to_tlv(data, len, tlv, sizeof(tlv), &tlv_len), ==, c->err);
    md_test_assert_no_openssl_error();
  }
}

static void
test_x509_malformed(void)
{
  g_autoptr(GBytes) noc = md_test_bytes_hex(noc_der_hex);
  gsize len;
  const guint8 *data = g_bytes_get_data(noc, &len);
  g_autofree guint8 *copy = g_memdup2(data, len);
  g_autofree guint8 *big = g_malloc0(MATTER_CERT_MAX_DER_LEN + 1);
  guint8 tlv[MATTER_CERT_MAX_TLV_LEN];
  gsize tlv_len;

  g_assert_cmpint(matter_cert_der_to_tlv(data, len - 1, tlv, sizeof(tlv), &tlv_len), ==,
                  MATTER_ERROR_CERT_FORMAT);
  g_assert_cmpint(matter_cert_der_to_tlv(data, 0, tlv, sizeof(tlv), &tlv_len), ==,
                  MATTER_ERROR_CERT_FORMAT);
  g_assert_cmpint(
      matter_cert_der_to_tlv(big, MATTER_CERT_MAX_DER_LEN + 1, tlv, sizeof(tlv), &tlv_len), ==,
      MATTER_ERROR_CERT_TOO_LARGE);
  g_assert_cmpint(matter_cert_der_to_tlv(data, len, tlv, 100, &tlv_len), ==,
                  MATTER_ERROR_BUFFER_TOO_SMALL);
  /* A signature BIT STRING with unused bits does not come back the same. */
  g_assert_cmphex(copy[len - 0x48], ==, 0x00);
  copy[len - 0x48] = 0x01;
  g_assert_cmpint(matter_cert_der_to_tlv(copy, len, tlv, sizeof(tlv), &tlv_len), ==,
                  MATTER_ERROR_CERT_UNSUPPORTED);
  md_test_assert_no_openssl_error();
}

/* ---- DN in X.509 ------------------------------------------------------ */

static void
test_dn_der(void)
{
  MatterCertDn dn = { 0 }, back;
  guint8 der[256];
  gsize der_len;

  /* A DAC-like subject: vendor and product ids have X.509 forms only. */
  add_string_attr(&dn, MATTER_CERT_DN_COMMON_NAME, "Matter Test DAC", FALSE);
  add_attr(&dn, MATTER_CERT_DN_VENDOR_ID, 0xFFF1);
  add_attr(&dn, MATTER_CERT_DN_PRODUCT_ID, 0x8000);
  dn.attrs[2].printable = TRUE;
  add_attr(&dn, MATTER_CERT_DN_NOC_CAT, 0xAA33CC);
  add_string_attr(&dn, MATTER_CERT_DN_COUNTRY_NAME, "US", TRUE);
  g_assert_cmpint(matter_cert_dn_encode_der(&dn, der, sizeof(der), &der_len), ==, MATTER_OK);
  /* 1.3.6.1.4.1.37244.2.1 = UTF8String "FFF1"; .2.2 = PrintableString
   * "8000"; .1.6 = "00AA33CC" (spec 6.1.1's example). */
  g_assert_nonnull(find_bytes(der, der_len,
                              "\x06\x0a\x2b\x06\x01\x04\x01\x82\xa2\x7c\x02\x01\x0c\x04"
                              "FFF1",
                              18));
  g_assert_nonnull(find_bytes(der, der_len,
                              "\x06\x0a\x2b\x06\x01\x04\x01\x82\xa2\x7c\x02\x02\x13\x04"
                              "8000",
                              18));
  g_assert_nonnull(find_bytes(der, der_len,
                              "\x0c\x08"
                              "00AA33CC",
                              10));
  g_assert_nonnull(find_bytes(der, der_len, "\x06\x03\x55\x04\x06\x13\x02US", 9));
  g_assert_cmpint(matter_cert_dn_decode_der(der, der_len, &back), ==, MATTER_OK);
  g_assert_true(matter_cert_dn_equal(&dn, &back));
  g_assert_true(back.attrs[0].str >= (const char *) der &&
                back.attrs[0].str < (const char *) der + der_len);

  /* A non-Matter name fails cleanly. */
  g_assert_cmpint(matter_cert_dn_decode_der(der, der_len - 1, &back), ==, MATTER_ERROR_CERT_FORMAT);
  dn.attrs[1].value = 0x10000;
  g_assert_cmpint(matter_cert_dn_encode_der(&dn, der, sizeof(der), &der_len), ==,
                  MATTER_ERROR_CERT_DN_ATTRIBUTE);
  md_test_assert_no_openssl_error();
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  g_test_add_func("/cert/spec/conversions", test_spec_conversions);
  g_test_add_func("/cert/spec/keys", test_spec_keys);
  g_test_add_func("/cert/spec/signatures", test_spec_signatures);
  g_test_add_func("/cert/spec/fields", test_spec_fields);
  g_test_add_func("/cert/tlv/malformed", test_tlv_malformed);
  g_test_add_func("/cert/tlv/framing", test_tlv_framing);
  g_test_add_func("/cert/role/cat-count", test_role_cat_count);
  g_test_add_func("/cert/chain/spec", test_chain_spec);
  g_test_add_func("/cert/chain/breakages", test_chain_breakages);
  g_test_add_func("/cert/chain/cats-and-future", test_chain_cats_and_future);
  g_test_add_func("/cert/chain/links", test_chain_links);
  g_test_add_func("/cert/validity", test_validity);
  g_test_add_func("/cert/issue/times", test_issue_and_times);
  g_test_add_func("/cert/x509/openssl", test_x509_openssl);
  g_test_add_func("/cert/x509/malformed", test_x509_malformed);
  g_test_add_func("/cert/dn/der", test_dn_der);

  return g_test_run();
}
