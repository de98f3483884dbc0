/* SPDX-License-Identifier: Apache-2.0 */
#include "md-test-ca.h"

#include <string.h>

#include "matter/cert.h"

static void
add_attr(MatterCertDn *dn, MatterCertDnType type, guint64 value)
{
  g_assert_cmpuint(dn->count, <, MATTER_CERT_DN_CAPACITY);
  dn->attrs[dn->count++] = (MatterCertDnAttr){ .type = type, .value = value };
}

static void
add_ext(MatterCert *cert, MatterCertExtKind kind)
{
  cert->exts[cert->ext_count++] = (MatterCertExt){ .kind = kind };
}

/* Signs @cert's TBS with @issuer and returns its TLV encoding. */
static GBytes *
sign(MatterCert *cert, const MatterP256Key *issuer)
{
  guint8 tbs[MATTER_CERT_MAX_DER_LEN], signature[MATTER_P256_SIGNATURE_LEN];
  guint8 tlv[MATTER_CERT_MAX_TLV_LEN];
  gsize tbs_len, tlv_len;

  g_assert_cmpint(matter_cert_encode_tbs(cert, tbs, sizeof(tbs), &tbs_len), ==, MATTER_OK);
  g_assert_cmpint(matter_ecdsa_sign(issuer, tbs, tbs_len, signature), ==, MATTER_OK);
  cert->signature = signature;
  g_assert_cmpint(matter_cert_encode(cert, tlv, sizeof(tlv), &tlv_len), ==, MATTER_OK);
  cert->signature = NULL;
  return g_bytes_new(tlv, tlv_len);
}

static void
root_dn(const MdTestCa *ca, MatterCertDn *dn)
{
  memset(dn, 0, sizeof(*dn));
  add_attr(dn, MATTER_CERT_DN_RCAC_ID, ca->rcac_id);
  add_attr(dn, MATTER_CERT_DN_FABRIC_ID, ca->fabric_id);
}

/* The issuer DN of what the CA signs. */
static void
issuer_dn(const MdTestCa *ca, MatterCertDn *dn)
{
  memset(dn, 0, sizeof(*dn));
  if (ca->icac_id == 0) {
    root_dn(ca, dn);
    return;
  }
  add_attr(dn, MATTER_CERT_DN_ICAC_ID, ca->icac_id);
  if (ca->icac_names_fabric)
    add_attr(dn, MATTER_CERT_DN_FABRIC_ID, ca->fabric_id);
}

MdTestCa *
md_test_ca_new(guint64 fabric_id)
{
  static const guint8 serial[] = { 0x01 };
  MdTestCa *ca = g_new0(MdTestCa, 1);
  MatterCert cert = { 0 };

  ca->fabric_id = fabric_id;
  ca->rcac_id = g_random_int() | 1;
  g_assert_cmpint(matter_p256_generate(&ca->key), ==, MATTER_OK);
  g_assert_cmpint(matter_p256_export_public(ca->key, ca->public_key), ==, MATTER_OK);
  g_assert_cmpint(matter_cert_key_id(ca->public_key, ca->key_id), ==, MATTER_OK);
  cert.serial = serial;
  cert.serial_len = sizeof(serial);
  root_dn(ca, &cert.issuer);
  cert.subject = cert.issuer;
  cert.not_after = MATTER_CERT_NO_EXPIRY;
  cert.public_key = ca->public_key;
  cert.is_ca = true;
  cert.key_usage = MATTER_CERT_KEY_USAGE_KEY_CERT_SIGN | MATTER_CERT_KEY_USAGE_CRL_SIGN;
  cert.subject_key_id = ca->key_id;
  cert.authority_key_id = ca->key_id;
  add_ext(&cert, MATTER_CERT_EXT_BASIC_CONSTRAINTS);
  add_ext(&cert, MATTER_CERT_EXT_KEY_USAGE);
  add_ext(&cert, MATTER_CERT_EXT_SUBJECT_KEY_ID);
  add_ext(&cert, MATTER_CERT_EXT_AUTHORITY_KEY_ID);
  ca->rcac = sign(&cert, ca->key);
  return ca;
}

MdTestCa *
md_test_ca_new_icac(MdTestCa *root, gboolean with_fabric_id)
{
  static const guint8 serial[] = { 0x03 };
  MdTestCa *ca = g_new0(MdTestCa, 1);
  MatterCert cert = { 0 };

  g_assert_cmpuint(root->icac_id, ==, 0);
  ca->fabric_id = root->fabric_id;
  ca->rcac_id = root->rcac_id;
  ca->icac_id = g_random_int() | 1;
  ca->icac_names_fabric = with_fabric_id;
  ca->rcac = g_bytes_ref(root->rcac);
  g_assert_cmpint(matter_p256_generate(&ca->key), ==, MATTER_OK);
  g_assert_cmpint(matter_p256_export_public(ca->key, ca->public_key), ==, MATTER_OK);
  g_assert_cmpint(matter_cert_key_id(ca->public_key, ca->key_id), ==, MATTER_OK);
  cert.serial = serial;
  cert.serial_len = sizeof(serial);
  root_dn(root, &cert.issuer);
  issuer_dn(ca, &cert.subject);
  cert.not_after = MATTER_CERT_NO_EXPIRY;
  cert.public_key = ca->public_key;
  cert.is_ca = true;
  cert.key_usage = MATTER_CERT_KEY_USAGE_KEY_CERT_SIGN | MATTER_CERT_KEY_USAGE_CRL_SIGN;
  cert.subject_key_id = ca->key_id;
  cert.authority_key_id = root->key_id;
  add_ext(&cert, MATTER_CERT_EXT_BASIC_CONSTRAINTS);
  add_ext(&cert, MATTER_CERT_EXT_KEY_USAGE);
  add_ext(&cert, MATTER_CERT_EXT_SUBJECT_KEY_ID);
  add_ext(&cert, MATTER_CERT_EXT_AUTHORITY_KEY_ID);
  ca->icac = sign(&cert, root->key);
  return ca;
}

void
md_test_ca_free(MdTestCa *ca)
{
  if (ca == NULL)
    return;
  matter_p256_free(ca->key);
  g_bytes_unref(ca->rcac);
  if (ca->icac != NULL)
    g_bytes_unref(ca->icac);
  g_free(ca);
}

GBytes *
md_test_ca_issue_noc(MdTestCa *ca, const guint8 public_key[MATTER_P256_PUBLIC_KEY_LEN],
                     guint64 node_id, guint64 fabric_id, const guint32 *cats, gsize cat_count)
{
  static const guint8 serial[] = { 0x02 };
  guint8 key_id[MATTER_CERT_KEY_ID_LEN];
  MatterCert cert = { 0 };

  cert.serial = serial;
  cert.serial_len = sizeof(serial);
  issuer_dn(ca, &cert.issuer);
  add_attr(&cert.subject, MATTER_CERT_DN_NODE_ID, node_id);
  add_attr(&cert.subject, MATTER_CERT_DN_FABRIC_ID, fabric_id != 0 ? fabric_id : ca->fabric_id);
  for (gsize i = 0; i < cat_count; i++)
    add_attr(&cert.subject, MATTER_CERT_DN_NOC_CAT, cats[i]);
  cert.not_after = MATTER_CERT_NO_EXPIRY;
  cert.public_key = public_key;
  cert.key_usage = MATTER_CERT_KEY_USAGE_DIGITAL_SIGNATURE;
  cert.key_purpose_count = 2;
  cert.key_purposes[0] = MATTER_CERT_KEY_PURPOSE_CLIENT_AUTH;
  cert.key_purposes[1] = MATTER_CERT_KEY_PURPOSE_SERVER_AUTH;
  g_assert_cmpint(matter_cert_key_id(public_key, key_id), ==, MATTER_OK);
  cert.subject_key_id = key_id;
  cert.authority_key_id = ca->key_id;
  add_ext(&cert, MATTER_CERT_EXT_BASIC_CONSTRAINTS);
  add_ext(&cert, MATTER_CERT_EXT_KEY_USAGE);
  add_ext(&cert, MATTER_CERT_EXT_EXTENDED_KEY_USAGE);
  add_ext(&cert, MATTER_CERT_EXT_SUBJECT_KEY_ID);
  add_ext(&cert, MATTER_CERT_EXT_AUTHORITY_KEY_ID);
  return sign(&cert, ca->key);
}
