/* SPDX-License-Identifier: Apache-2.0 */
/* Commissioning of the built matterd over UDP, up to where CASE takes
 * over: a commissioner (udp-commissioner.h) establishes PASE and runs the
 * sequence a controller runs (ArmFailSafe, SetRegulatoryConfig, device
 * attestation checked against the development PAA, CSRRequest,
 * AddTrustedRootCertificate, AddNOC with a NOC its own test CA signs for
 * the CSR's key), reads the pending fabric back and writes the ACL. What
 * the fail-safe holds lives in memory only: an expiry or a kill -9 leaves
 * no fabric in the daemon or in its database. */

#include <gio/gio.h>
#include <string.h>

#include "matter/attestation.h"
#include "matter/im.h"
#include "md-test-ca.h"
#include "md-test-core.h"
#include "md-test-node.h"

#define PASSCODE 20202021
#define CONFIG "[Node]\nDiscriminator=3840\n[Commissioning]\nPasscode=20202021\n"

#define ROOT_ENDPOINT 0
/* The development attestation credentials' vendor (data/dev-attestation). */
#define DEV_VENDOR_ID 0xFFF1

/* General Commissioning (0x0030): data_model/1.4.2/clusters/
 * GeneralCommissioningCluster.xml for ids and CommissioningErrorEnum. */
#define CLUSTER_GENERAL_COMMISSIONING 0x0030
enum {
  CMD_ARM_FAIL_SAFE = 0x00,
  CMD_ARM_FAIL_SAFE_RESPONSE = 0x01,
  CMD_SET_REGULATORY_CONFIG = 0x02,
  CMD_SET_REGULATORY_CONFIG_RESPONSE = 0x03,
  CMD_COMMISSIONING_COMPLETE = 0x04,
  CMD_COMMISSIONING_COMPLETE_RESPONSE = 0x05,
};
enum {
  COMMISSIONING_OK = 0,
  COMMISSIONING_INVALID_AUTHENTICATION = 2,
};

/* Operational Credentials (0x003E): data_model/1.4.2/clusters/
 * OperationalCredentialCluster.xml for ids, fields and
 * NodeOperationalCertStatusEnum. */
#define CLUSTER_OPCREDS 0x003E
enum {
  CMD_ATTESTATION_REQUEST = 0x00,
  CMD_ATTESTATION_RESPONSE = 0x01,
  CMD_CERTIFICATE_CHAIN_REQUEST = 0x02,
  CMD_CERTIFICATE_CHAIN_RESPONSE = 0x03,
  CMD_CSR_REQUEST = 0x04,
  CMD_CSR_RESPONSE = 0x05,
  CMD_ADD_NOC = 0x06,
  CMD_NOC_RESPONSE = 0x08,
  CMD_ADD_TRUSTED_ROOT = 0x0B,
};
enum {
  ATTR_NOCS = 0x0000,
  ATTR_FABRICS = 0x0001,
  ATTR_COMMISSIONED_FABRICS = 0x0003,
  ATTR_TRUSTED_ROOTS = 0x0004,
  ATTR_CURRENT_FABRIC_INDEX = 0x0005,
};
enum {
  CERT_TYPE_DAC = 1,
  CERT_TYPE_PAI = 2,
};
enum {
  NOC_STATUS_OK = 0,
  NOC_STATUS_INVALID_PUBLIC_KEY = 1,
};
/* FabricDescriptorStruct and NOCStruct fields; FabricIndex is 0xFE in
 * every fabric-scoped struct. */
enum {
  FABRIC_ROOT_PUBLIC_KEY = 1,
  FABRIC_VENDOR_ID = 2,
  FABRIC_FABRIC_ID = 3,
  FABRIC_NODE_ID = 4,
  FABRIC_LABEL = 5,
  NOC_NOC = 1,
  NOC_ICAC = 2,
  FIELD_FABRIC_INDEX = 0xFE,
};

/* Access Control (0x001F): data_model/1.4.2/clusters/ACL-Cluster.xml for
 * the ACL attribute, AccessControlEntryStruct and its enums. */
#define CLUSTER_ACCESS_CONTROL 0x001F
#define ATTR_ACL 0x0000
enum {
  ACL_PRIVILEGE = 1,
  ACL_AUTH_MODE = 2,
  ACL_SUBJECTS = 3,
  ACL_TARGETS = 4,
  ACL_TARGET_CLUSTER = 0,
  ACL_TARGET_ENDPOINT = 1,
  ACL_TARGET_DEVICE_TYPE = 2,
};
enum {
  PRIVILEGE_OPERATE = 3,
  PRIVILEGE_ADMINISTER = 5,
};
enum {
  AUTH_MODE_PASE = 1,
  AUTH_MODE_CASE = 2,
};

#define FABRIC_ID G_GUINT64_CONSTANT(0xFAB000000000001D)
#define NODE_ID G_GUINT64_CONSTANT(0x00000000DEDEDEDE)
#define ADMIN_NODE_ID G_GUINT64_CONSTANT(0x000000000001B669)
#define OPERATOR_NODE_ID G_GUINT64_CONSTANT(0x0000000000C0FFEE)
#define ADMIN_VENDOR_ID 0xFFF2
#define IPK "\x4a\x71\xcd\xd7\xb2\xa3\xca\x90\x24\xf9\x6f\x3c\x96\xa1\x9d\xee"

/* How long the daemon may take to act on a fail-safe that expired. */
#define EXPIRY_SLACK_MS 5000

static void
node_setup(MdTestNode *node, gconstpointer data)
{
  md_test_node_start(node, CONFIG);
}

static void
node_teardown(MdTestNode *node, gconstpointer data)
{
  md_test_node_stop(node);
}

static MatterSession *
pase(MdTestNode *node)
{
  const MdTestPaseOptions options = { .passcode = PASSCODE };
  MdTestPaseOutcome outcome;

  md_test_commissioner_pase(node->commissioner, &options, &outcome);
  g_assert_cmpint(outcome.state, ==, MATTER_PASE_STATE_ESTABLISHED);
  return outcome.session;
}

static GBytes *
read_dev_file(const char *name)
{
  g_autofree char *path =
      g_test_build_filename(G_TEST_DIST, "..", "data", "dev-attestation", name, NULL);
  g_autoptr(GError) error = NULL;
  char *data;
  gsize len;

  g_file_get_contents(path, &data, &len, &error);
  g_assert_no_error(error);
  return g_bytes_new_take(data, len);
}

/* ---- Command fields ---- */

typedef struct {
  guint8 buf[1024];
  gsize len;
  MatterTlvWriter w;
} Fields;

static MatterTlvWriter *
fields_begin(Fields *f)
{
  matter_tlv_writer_init(&f->w, f->buf, sizeof(f->buf));
  matter_tlv_start_structure(&f->w, matter_tlv_tag_anonymous());
  return &f->w;
}

static void
fields_end(Fields *f)
{
  matter_tlv_end_container(&f->w);
  g_assert_cmpint(matter_tlv_writer_finish(&f->w, &f->len), ==, MATTER_OK);
}

static void
put_bytes(MatterTlvWriter *w, guint8 tag, GBytes *bytes)
{
  matter_tlv_put_bytes(w, matter_tlv_tag_context(tag), g_bytes_get_data(bytes, NULL),
                       g_bytes_get_size(bytes));
}

static void
random_bytes(guint8 *out, gsize len)
{
  for (gsize i = 0; i < len; i++)
    out[i] = (guint8) g_random_int();
}

/* ---- Invokes ---- */

static void
invoke(MdTestNode *node, MatterSession *session, guint32 cluster, guint32 command,
       const Fields *fields, MdTestInvokeAnswer *answer)
{
  md_test_commissioner_invoke(node->commissioner, session, ROOT_ENDPOINT, cluster, command,
                              fields != NULL ? fields->buf : NULL, fields != NULL ? fields->len : 0,
                              FALSE, answer);
}

/* A command answered with a status alone: that status. */
static guint8
invoke_status(MdTestNode *node, MatterSession *session, guint32 cluster, guint32 command,
              const Fields *fields)
{
  g_auto(MdTestInvokeAnswer) answer = { 0 };

  invoke(node, session, cluster, command, fields, &answer);
  g_assert_true(answer.is_status);
  return answer.status.status;
}

/* The ErrorCode of a General Commissioning response to @command. */
static guint8
general_commissioning(MdTestNode *node, MatterSession *session, guint32 command, guint32 response,
                      const guint8 *fields, gsize len)
{
  g_auto(MdTestInvokeAnswer) answer = { 0 };
  MatterTlvReader r;
  guint8 code;

  md_test_commissioner_invoke(node->commissioner, session, ROOT_ENDPOINT,
                              CLUSTER_GENERAL_COMMISSIONING, command, fields, len, FALSE, &answer);
  g_assert_false(answer.is_status);
  g_assert_cmpuint(answer.response, ==, response);
  md_test_invoke_answer_fields(&answer, &r);
  g_assert_cmpint(matter_tlv_get_context_u8(&r, 0, &code), ==, MATTER_OK);
  return code;
}

static void
arm_fail_safe(MdTestNode *node, MatterSession *session, guint16 seconds, guint64 breadcrumb)
{
  guint8 fields[MD_TEST_FIELDS_MAX];
  gsize len = md_test_arm_fail_safe_fields(fields, seconds, breadcrumb);

  g_assert_cmpuint(general_commissioning(node, session, CMD_ARM_FAIL_SAFE,
                                         CMD_ARM_FAIL_SAFE_RESPONSE, fields, len),
                   ==, COMMISSIONING_OK);
}

static void
set_regulatory_config(MdTestNode *node, MatterSession *session, guint64 breadcrumb)
{
  guint8 fields[MD_TEST_FIELDS_MAX];
  gsize len = md_test_set_regulatory_config_fields(fields, 0 /* Indoor */, "DE", breadcrumb);

  g_assert_cmpuint(general_commissioning(node, session, CMD_SET_REGULATORY_CONFIG,
                                         CMD_SET_REGULATORY_CONFIG_RESPONSE, fields, len),
                   ==, COMMISSIONING_OK);
}

static guint8
commissioning_complete(MdTestNode *node, MatterSession *session)
{
  return general_commissioning(node, session, CMD_COMMISSIONING_COMPLETE,
                               CMD_COMMISSIONING_COMPLETE_RESPONSE, NULL, 0);
}

/* ---- Device attestation, as a commissioner checks it ---- */

static GBytes *
certificate_chain(MdTestNode *node, MatterSession *session, guint8 type)
{
  g_auto(MdTestInvokeAnswer) answer = { 0 };
  const uint8_t *cert;
  size_t len;
  MatterTlvReader r;
  Fields f;

  matter_tlv_put_uint(fields_begin(&f), matter_tlv_tag_context(0), type);
  fields_end(&f);
  invoke(node, session, CLUSTER_OPCREDS, CMD_CERTIFICATE_CHAIN_REQUEST, &f, &answer);
  g_assert_false(answer.is_status);
  g_assert_cmpuint(answer.response, ==, CMD_CERTIFICATE_CHAIN_RESPONSE);
  md_test_invoke_answer_fields(&answer, &r);
  g_assert_cmpint(matter_tlv_get_context_bytes(&r, 0, &cert, &len), ==, MATTER_OK);
  return g_bytes_new(cert, len);
}

/* DAC and PAI from the device, chained to the development PAA; the DAC's
 * public key in @dac_public_key. */
static void
check_attestation_chain(MdTestNode *node, MatterSession *session,
                        guint8 dac_public_key[MATTER_P256_PUBLIC_KEY_LEN])
{
  g_autoptr(GBytes) dac = certificate_chain(node, session, CERT_TYPE_DAC);
  g_autoptr(GBytes) pai = certificate_chain(node, session, CERT_TYPE_PAI);
  g_autoptr(GBytes) paa = read_dev_file("paa-cert.der");
  g_autoptr(GBytes) installed = read_dev_file("dac-cert.der");
  MatterAttestationCertInfo info;
  MatterAttestationChain chain;
  MatterAttestationRole failed;

  g_assert_true(g_bytes_equal(dac, installed));
  g_assert_cmpint(matter_attestation_cert_check(g_bytes_get_data(dac, NULL), g_bytes_get_size(dac),
                                                MATTER_ATTESTATION_DAC, &info),
                  ==, MATTER_OK);
  memcpy(dac_public_key, info.public_key, MATTER_P256_PUBLIC_KEY_LEN);
  g_assert_cmpint(matter_attestation_chain_verify(
                      g_bytes_get_data(dac, NULL), g_bytes_get_size(dac),
                      g_bytes_get_data(pai, NULL), g_bytes_get_size(pai),
                      g_bytes_get_data(paa, NULL), g_bytes_get_size(paa), &chain, &failed),
                  ==, MATTER_OK);
  g_assert_true(chain.dac.has_vendor_id);
  g_assert_cmpuint(chain.dac.vendor_id, ==, DEV_VENDOR_ID);
}

/* AttestationRequest: signed with the DAC key over this session's
 * challenge, with the nonce sent and the installed declaration. */
static void
check_attestation_response(MdTestNode *node, MatterSession *session,
                           const guint8 dac_public_key[MATTER_P256_PUBLIC_KEY_LEN])
{
  g_auto(MdTestInvokeAnswer) answer = { 0 };
  g_autoptr(GBytes) cd = read_dev_file("cd.der");
  guint8 nonce[MATTER_ATTESTATION_NONCE_LEN];
  MatterAttestationElements decoded;
  const uint8_t *elements, *signature;
  size_t elements_len, signature_len;
  MatterTlvReader r;
  Fields f;

  random_bytes(nonce, sizeof(nonce));
  matter_tlv_put_bytes(fields_begin(&f), matter_tlv_tag_context(0), nonce, sizeof(nonce));
  fields_end(&f);
  invoke(node, session, CLUSTER_OPCREDS, CMD_ATTESTATION_REQUEST, &f, &answer);
  g_assert_false(answer.is_status);
  g_assert_cmpuint(answer.response, ==, CMD_ATTESTATION_RESPONSE);
  md_test_invoke_answer_fields(&answer, &r);
  g_assert_cmpint(matter_tlv_get_context_bytes(&r, 0, &elements, &elements_len), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_get_context_bytes(&r, 1, &signature, &signature_len), ==, MATTER_OK);
  g_assert_cmpuint(signature_len, ==, MATTER_P256_SIGNATURE_LEN);
  g_assert_cmpint(matter_attestation_response_verify(dac_public_key, elements, elements_len,
                                                     session->attestation_challenge, signature,
                                                     nonce, &decoded),
                  ==, MATTER_OK);
  g_assert_cmpmem(decoded.certification_declaration, decoded.certification_declaration_len,
                  g_bytes_get_data(cd, NULL), g_bytes_get_size(cd));
}

/* CSRRequest, checked as a commissioner checks it: the key the CSR is for
 * in @public_key. */
static void
csr_request(MdTestNode *node, MatterSession *session,
            const guint8 dac_public_key[MATTER_P256_PUBLIC_KEY_LEN],
            guint8 public_key[MATTER_P256_PUBLIC_KEY_LEN])
{
  g_auto(MdTestInvokeAnswer) answer = { 0 };
  guint8 nonce[MATTER_CSR_NONCE_LEN];
  MatterNocsrElements decoded;
  const uint8_t *elements, *signature;
  size_t elements_len, signature_len;
  MatterTlvReader r;
  Fields f;

  random_bytes(nonce, sizeof(nonce));
  matter_tlv_put_bytes(fields_begin(&f), matter_tlv_tag_context(0), nonce, sizeof(nonce));
  fields_end(&f);
  invoke(node, session, CLUSTER_OPCREDS, CMD_CSR_REQUEST, &f, &answer);
  g_assert_false(answer.is_status);
  g_assert_cmpuint(answer.response, ==, CMD_CSR_RESPONSE);
  md_test_invoke_answer_fields(&answer, &r);
  g_assert_cmpint(matter_tlv_get_context_bytes(&r, 0, &elements, &elements_len), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_get_context_bytes(&r, 1, &signature, &signature_len), ==, MATTER_OK);
  g_assert_cmpuint(signature_len, ==, MATTER_P256_SIGNATURE_LEN);
  g_assert_cmpint(matter_nocsr_response_verify(dac_public_key, elements, elements_len,
                                               session->attestation_challenge, signature, nonce,
                                               &decoded, public_key),
                  ==, MATTER_OK);
}

static guint8
add_trusted_root(MdTestNode *node, MatterSession *session, GBytes *rcac)
{
  Fields f;

  put_bytes(fields_begin(&f), 0, rcac);
  fields_end(&f);
  return invoke_status(node, session, CLUSTER_OPCREDS, CMD_ADD_TRUSTED_ROOT, &f);
}

/* An NOCResponse's StatusCode and FabricIndex (0 when absent). */
typedef struct {
  guint8 code;
  guint8 fabric_index;
} NocAnswer;

static NocAnswer
add_noc(MdTestNode *node, MatterSession *session, GBytes *noc)
{
  g_auto(MdTestInvokeAnswer) answer = { 0 };
  NocAnswer n = { 0 };
  MatterTlvWriter *w;
  MatterTlvReader r;
  Fields f;

  w = fields_begin(&f);
  put_bytes(w, 0, noc);
  matter_tlv_put_bytes(w, matter_tlv_tag_context(2), (const guint8 *) IPK, 16);
  matter_tlv_put_uint(w, matter_tlv_tag_context(3), ADMIN_NODE_ID);
  matter_tlv_put_uint(w, matter_tlv_tag_context(4), ADMIN_VENDOR_ID);
  fields_end(&f);
  invoke(node, session, CLUSTER_OPCREDS, CMD_ADD_NOC, &f, &answer);
  g_assert_false(answer.is_status);
  g_assert_cmpuint(answer.response, ==, CMD_NOC_RESPONSE);
  md_test_invoke_answer_fields(&answer, &r);
  g_assert_cmpint(matter_tlv_get_context_u8(&r, 0, &n.code), ==, MATTER_OK);
  if (matter_tlv_get_context_u8(&r, 1, &n.fabric_index) != MATTER_OK)
    n.fabric_index = 0;
  return n;
}

/* Everything up to AddNOC, as a controller runs it over one PASE
 * session, with a fail-safe of @seconds: the NOC the CA signed for the
 * CSR's key in *@noc, the new fabric's index returned. */
static guint8
commission_to_add_noc(MdTestNode *node, MatterSession *session, MdTestCa *ca, guint16 seconds,
                      GBytes **noc)
{
  guint8 dac_public_key[MATTER_P256_PUBLIC_KEY_LEN];
  guint8 operational_key[MATTER_P256_PUBLIC_KEY_LEN];
  NocAnswer n;

  arm_fail_safe(node, session, seconds, 1);
  set_regulatory_config(node, session, 2);
  check_attestation_chain(node, session, dac_public_key);
  check_attestation_response(node, session, dac_public_key);
  csr_request(node, session, dac_public_key, operational_key);
  g_assert_cmpuint(add_trusted_root(node, session, ca->rcac), ==, MATTER_IM_STATUS_SUCCESS);
  *noc = md_test_ca_issue_noc(ca, operational_key, NODE_ID, 0, NULL, 0);
  n = add_noc(node, session, *noc);
  g_assert_cmpuint(n.code, ==, NOC_STATUS_OK);
  g_assert_cmpuint(n.fabric_index, >=, 1);
  g_assert_cmpuint(n.fabric_index, <=, 254);
  return n.fabric_index;
}

/* ---- Reading the fabric table ---- */

static GArray *
read_one(MdTestNode *node, MatterSession *session, guint32 cluster, guint32 attribute,
         gboolean fabric_filtered)
{
  MatterImAttributePath at = md_test_attribute_path(ROOT_ENDPOINT, cluster, attribute);
  GArray *answers = md_test_commissioner_read(node->commissioner, session, &at, 1, fabric_filtered);

  g_assert_cmpuint(answers->len, ==, 1);
  g_assert_false(g_array_index(answers, MdTestAttributeAnswer, 0).is_status);
  return answers;
}

static guint64
read_uint(MdTestNode *node, MatterSession *session, guint32 cluster, guint32 attribute)
{
  g_autoptr(GArray) answers = read_one(node, session, cluster, attribute, TRUE);
  MatterTlvReader r;
  guint64 value;

  md_test_attribute_answer_reader(&g_array_index(answers, MdTestAttributeAnswer, 0), &r);
  g_assert_cmpint(matter_tlv_get_u64(&r, &value), ==, MATTER_OK);
  return value;
}

/* A reader inside a list attribute's array; its items follow. */
static void
enter_list(const GArray *answers, MatterTlvReader *r)
{
  md_test_attribute_answer_reader(&g_array_index(answers, MdTestAttributeAnswer, 0), r);
  g_assert_cmpint(matter_tlv_get_type(r), ==, MATTER_TLV_TYPE_ARRAY);
  g_assert_cmpint(matter_tlv_enter(r), ==, MATTER_OK);
}

static guint
list_length(MdTestNode *node, MatterSession *session, guint32 cluster, guint32 attribute,
            gboolean fabric_filtered)
{
  g_autoptr(GArray) answers = read_one(node, session, cluster, attribute, fabric_filtered);
  MatterTlvReader r;
  guint n = 0;

  enter_list(answers, &r);
  while (matter_tlv_next(&r) == MATTER_OK)
    n++;
  return n;
}

/* The one FabricDescriptorStruct a fabric-filtered read of Fabrics shows. */
static void
assert_fabric_descriptor(MdTestNode *node, MatterSession *session, MdTestCa *ca, guint8 index)
{
  g_autoptr(GArray) answers = read_one(node, session, CLUSTER_OPCREDS, ATTR_FABRICS, TRUE);
  const uint8_t *root_key;
  size_t root_key_len;
  const char *label;
  size_t label_len;
  guint64 fabric_id, node_id;
  guint16 vendor_id;
  guint8 fabric_index;
  MatterTlvReader r;

  enter_list(answers, &r);
  g_assert_cmpint(matter_tlv_next(&r), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_enter(&r), ==, MATTER_OK);
  g_assert_cmpint(
      matter_tlv_get_context_bytes(&r, FABRIC_ROOT_PUBLIC_KEY, &root_key, &root_key_len), ==,
      MATTER_OK);
  g_assert_cmpmem(root_key, root_key_len, ca->public_key, sizeof(ca->public_key));
  g_assert_cmpint(matter_tlv_get_context_u16(&r, FABRIC_VENDOR_ID, &vendor_id), ==, MATTER_OK);
  g_assert_cmpuint(vendor_id, ==, ADMIN_VENDOR_ID);
  g_assert_cmpint(matter_tlv_get_context_u64(&r, FABRIC_FABRIC_ID, &fabric_id), ==, MATTER_OK);
  g_assert_cmpuint(fabric_id, ==, FABRIC_ID);
  g_assert_cmpint(matter_tlv_get_context_u64(&r, FABRIC_NODE_ID, &node_id), ==, MATTER_OK);
  g_assert_cmpuint(node_id, ==, NODE_ID);
  g_assert_cmpint(matter_tlv_get_context_utf8(&r, FABRIC_LABEL, &label, &label_len), ==, MATTER_OK);
  g_assert_cmpuint(label_len, ==, 0);
  g_assert_cmpint(matter_tlv_get_context_u8(&r, FIELD_FABRIC_INDEX, &fabric_index), ==, MATTER_OK);
  g_assert_cmpuint(fabric_index, ==, index);
  g_assert_cmpint(matter_tlv_exit(&r), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_next(&r), ==, MATTER_ERROR_TLV_END);
}

/* NOCs shows the NOC sent, without ICAC, on the fabric's index. */
static void
assert_nocs(MdTestNode *node, MatterSession *session, GBytes *noc, guint8 index)
{
  g_autoptr(GArray) answers = read_one(node, session, CLUSTER_OPCREDS, ATTR_NOCS, TRUE);
  const uint8_t *value;
  size_t len;
  guint8 fabric_index;
  MatterTlvReader r;

  enter_list(answers, &r);
  g_assert_cmpint(matter_tlv_next(&r), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_enter(&r), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_get_context_bytes(&r, NOC_NOC, &value, &len), ==, MATTER_OK);
  g_assert_cmpmem(value, len, g_bytes_get_data(noc, NULL), g_bytes_get_size(noc));
  g_assert_cmpint(matter_tlv_find_context(&r, NOC_ICAC), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_get_type(&r), ==, MATTER_TLV_TYPE_NULL);
  g_assert_cmpint(matter_tlv_get_context_u8(&r, FIELD_FABRIC_INDEX, &fabric_index), ==, MATTER_OK);
  g_assert_cmpuint(fabric_index, ==, index);
  g_assert_cmpint(matter_tlv_exit(&r), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_next(&r), ==, MATTER_ERROR_TLV_END);
}

static void
assert_trusted_roots(MdTestNode *node, MatterSession *session, GBytes *rcac)
{
  g_autoptr(GArray) answers = read_one(node, session, CLUSTER_OPCREDS, ATTR_TRUSTED_ROOTS, TRUE);
  const uint8_t *value;
  size_t len;
  MatterTlvReader r;

  enter_list(answers, &r);
  g_assert_cmpint(matter_tlv_next(&r), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_get_bytes(&r, &value, &len), ==, MATTER_OK);
  g_assert_cmpmem(value, len, g_bytes_get_data(rcac, NULL), g_bytes_get_size(rcac));
  g_assert_cmpint(matter_tlv_next(&r), ==, MATTER_ERROR_TLV_END);
}

/* What a session of no fabric sees when the node is on none: reads that
 * are not fabric-filtered, so another fabric's rows would show. */
static void
assert_no_fabric(MdTestNode *node, MatterSession *session)
{
  g_assert_cmpuint(list_length(node, session, CLUSTER_OPCREDS, ATTR_FABRICS, FALSE), ==, 0);
  g_assert_cmpuint(list_length(node, session, CLUSTER_OPCREDS, ATTR_NOCS, FALSE), ==, 0);
  g_assert_cmpuint(list_length(node, session, CLUSTER_OPCREDS, ATTR_TRUSTED_ROOTS, FALSE), ==, 0);
  g_assert_cmpuint(list_length(node, session, CLUSTER_ACCESS_CONTROL, ATTR_ACL, FALSE), ==, 0);
  g_assert_cmpuint(read_uint(node, session, CLUSTER_OPCREDS, ATTR_COMMISSIONED_FABRICS), ==, 0);
}

/* ---- The database, as the sqlite3 tool reads it ---- */

/* No row of any fabric-scoped table, and no fabric index handed out (the
 * next one is stored with a commit). */
static void
assert_store_has_no_fabric(MdTestNode *node)
{
  /* The right database: the node's own rows are there. */
  g_assert_cmpuint(md_test_node_query(node, "SELECT count(*) FROM node WHERE key LIKE 'commissioning/%'"),
                   >, 0);
  g_assert_cmpuint(md_test_node_query(node, "SELECT count(*) FROM fabric"), ==, 0);
  g_assert_cmpuint(md_test_node_query(node, "SELECT count(*) FROM acl_entry"), ==, 0);
  g_assert_cmpuint(md_test_node_query(node, "SELECT count(*) FROM group_key_set"), ==, 0);
  g_assert_cmpuint(md_test_node_query(node, "SELECT count(*) FROM group_map"), ==, 0);
  g_assert_cmpuint(md_test_node_query(node, "SELECT count(*) FROM node WHERE key LIKE 'fabric%'"), ==, 0);
}

/* ---- Access control entries ---- */

typedef struct {
  guint8 privilege;
  guint8 auth_mode;
  guint64 subject; /* the first, 0 for none */
  gsize subject_count;
  gsize target_count;
  guint8 fabric_index;
} AclEntry;

static void
put_acl_entry(MatterTlvWriter *w, guint8 privilege, guint8 auth_mode, guint64 subject,
              gboolean with_target)
{
  matter_tlv_start_structure(w, matter_tlv_tag_anonymous());
  matter_tlv_put_uint(w, matter_tlv_tag_context(ACL_PRIVILEGE), privilege);
  matter_tlv_put_uint(w, matter_tlv_tag_context(ACL_AUTH_MODE), auth_mode);
  matter_tlv_start_array(w, matter_tlv_tag_context(ACL_SUBJECTS));
  matter_tlv_put_uint(w, matter_tlv_tag_anonymous(), subject);
  matter_tlv_end_container(w);
  if (with_target) {
    /* Basic Information on the root endpoint. */
    matter_tlv_start_array(w, matter_tlv_tag_context(ACL_TARGETS));
    matter_tlv_start_structure(w, matter_tlv_tag_anonymous());
    matter_tlv_put_uint(w, matter_tlv_tag_context(ACL_TARGET_CLUSTER), 0x0028);
    matter_tlv_put_uint(w, matter_tlv_tag_context(ACL_TARGET_ENDPOINT), ROOT_ENDPOINT);
    matter_tlv_put_null(w, matter_tlv_tag_context(ACL_TARGET_DEVICE_TYPE));
    matter_tlv_end_container(w);
    matter_tlv_end_container(w);
  } else {
    matter_tlv_put_null(w, matter_tlv_tag_context(ACL_TARGETS));
  }
  matter_tlv_end_container(w);
}

/* The entry AddNOC made for CaseAdminSubject. */
static void
put_admin_entry(MatterTlvWriter *w)
{
  put_acl_entry(w, PRIVILEGE_ADMINISTER, AUTH_MODE_CASE, ADMIN_NODE_ID, FALSE);
}

static gsize
count_items(MatterTlvReader *r)
{
  gsize n = 0;

  if (matter_tlv_get_type(r) == MATTER_TLV_TYPE_NULL)
    return 0;
  g_assert_cmpint(matter_tlv_enter(r), ==, MATTER_OK);
  while (matter_tlv_next(r) == MATTER_OK)
    n++;
  g_assert_cmpint(matter_tlv_exit(r), ==, MATTER_OK);
  return n;
}

static void
read_acl_entry(MatterTlvReader *r, AclEntry *entry)
{
  *entry = (AclEntry) { 0 };
  g_assert_cmpint(matter_tlv_enter(r), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_get_context_u8(r, ACL_PRIVILEGE, &entry->privilege), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_get_context_u8(r, ACL_AUTH_MODE, &entry->auth_mode), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_find_context(r, ACL_SUBJECTS), ==, MATTER_OK);
  if (matter_tlv_get_type(r) == MATTER_TLV_TYPE_ARRAY) {
    MatterTlvReader first = *r;

    g_assert_cmpint(matter_tlv_enter(&first), ==, MATTER_OK);
    g_assert_cmpint(matter_tlv_next(&first), ==, MATTER_OK);
    g_assert_cmpint(matter_tlv_get_u64(&first, &entry->subject), ==, MATTER_OK);
  }
  entry->subject_count = count_items(r);
  g_assert_cmpint(matter_tlv_find_context(r, ACL_TARGETS), ==, MATTER_OK);
  entry->target_count = count_items(r);
  g_assert_cmpint(matter_tlv_get_context_u8(r, FIELD_FABRIC_INDEX, &entry->fabric_index), ==,
                  MATTER_OK);
  g_assert_cmpint(matter_tlv_exit(r), ==, MATTER_OK);
}

/* The ACL, fabric-filtered: the accessing fabric's entries in order. */
static GArray *
read_acl(MdTestNode *node, MatterSession *session)
{
  g_autoptr(GArray) answers = read_one(node, session, CLUSTER_ACCESS_CONTROL, ATTR_ACL, TRUE);
  GArray *entries = g_array_new(FALSE, TRUE, sizeof(AclEntry));
  MatterTlvReader r;

  enter_list(answers, &r);
  while (matter_tlv_next(&r) == MATTER_OK) {
    AclEntry entry;

    read_acl_entry(&r, &entry);
    g_array_append_val(entries, entry);
  }
  return entries;
}

static const AclEntry *
acl_at(GArray *entries, guint i)
{
  g_assert_cmpuint(i, <, entries->len);
  return &g_array_index(entries, AclEntry, i);
}

static void
assert_admin_entry(const AclEntry *entry, guint8 index)
{
  g_assert_cmpuint(entry->privilege, ==, PRIVILEGE_ADMINISTER);
  g_assert_cmpuint(entry->auth_mode, ==, AUTH_MODE_CASE);
  g_assert_cmpuint(entry->subject_count, ==, 1);
  g_assert_cmpuint(entry->subject, ==, ADMIN_NODE_ID);
  g_assert_cmpuint(entry->target_count, ==, 0);
  g_assert_cmpuint(entry->fabric_index, ==, index);
}

static guint8
write_acl(MdTestNode *node, MatterSession *session, const Fields *value, gboolean append)
{
  MatterImAttributePath at =
      md_test_attribute_path(ROOT_ENDPOINT, CLUSTER_ACCESS_CONTROL, ATTR_ACL);

  if (append)
    at.list_index_kind = MATTER_IM_LIST_INDEX_APPEND;
  return md_test_commissioner_write(node->commissioner, session, &at, value->buf, value->len,
                                    FALSE);
}

/* A whole ACL being written, starting with the administrator's entry:
 * the caller adds the others and ends it with fields_end(). */
static void
acl_list_begin(Fields *f)
{
  matter_tlv_writer_init(&f->w, f->buf, sizeof(f->buf));
  matter_tlv_start_array(&f->w, matter_tlv_tag_anonymous());
  put_admin_entry(&f->w);
}

/* Writes the whole ACL: the administrator's entry and an operator's. */
static guint8
write_operator_entry(MdTestNode *node, MatterSession *session, gboolean with_target)
{
  Fields f;

  acl_list_begin(&f);
  put_acl_entry(&f.w, PRIVILEGE_OPERATE, AUTH_MODE_CASE, OPERATOR_NODE_ID, with_target);
  fields_end(&f);
  return write_acl(node, session, &f, FALSE);
}

/* ---- The tests ---- */

/* The whole sequence over one PASE session up to AddNOC; the pending
 * fabric in every view of that session; an ACL written with a second
 * entry; and CommissioningComplete refused, for it must come over CASE. */
static void
test_commission_over_pase(MdTestNode *node, gconstpointer data)
{
  g_autoptr(MdTestCa) ca = md_test_ca_new(FABRIC_ID);
  MatterSession *session = pase(node);
  g_autoptr(GBytes) noc = NULL;
  g_autoptr(GArray) acl = NULL;
  guint8 index;

  g_assert_cmpuint(read_uint(node, session, CLUSTER_OPCREDS, ATTR_CURRENT_FABRIC_INDEX), ==, 0);
  index = commission_to_add_noc(node, session, ca, 60, &noc);
  g_assert_cmpuint(index, ==, 1);

  assert_fabric_descriptor(node, session, ca, index);
  assert_nocs(node, session, noc, index);
  assert_trusted_roots(node, session, ca->rcac);
  g_assert_cmpuint(read_uint(node, session, CLUSTER_OPCREDS, ATTR_CURRENT_FABRIC_INDEX), ==, index);
  g_assert_cmpuint(read_uint(node, session, CLUSTER_OPCREDS, ATTR_COMMISSIONED_FABRICS), ==, 1);
  acl = read_acl(node, session);
  g_assert_cmpuint(acl->len, ==, 1);
  assert_admin_entry(acl_at(acl, 0), index);
  g_clear_pointer(&acl, g_array_unref);

  /* The pending fabric's ACL is the commissioner's to extend. */
  g_assert_cmpuint(write_operator_entry(node, session, TRUE), ==, MATTER_IM_STATUS_SUCCESS);
  acl = read_acl(node, session);
  g_assert_cmpuint(acl->len, ==, 2);
  assert_admin_entry(acl_at(acl, 0), index);
  g_assert_cmpuint(acl_at(acl, 1)->privilege, ==, PRIVILEGE_OPERATE);
  g_assert_cmpuint(acl_at(acl, 1)->auth_mode, ==, AUTH_MODE_CASE);
  g_assert_cmpuint(acl_at(acl, 1)->subject, ==, OPERATOR_NODE_ID);
  g_assert_cmpuint(acl_at(acl, 1)->target_count, ==, 1);
  g_assert_cmpuint(acl_at(acl, 1)->fabric_index, ==, index);

  /* CommissioningComplete must come over CASE: over PASE it is
   * InvalidAuthentication, and the fabric stays pending. */
  g_assert_cmpuint(commissioning_complete(node, session), ==, COMMISSIONING_INVALID_AUTHENTICATION);
  g_assert_cmpuint(read_uint(node, session, CLUSTER_OPCREDS, ATTR_COMMISSIONED_FABRICS), ==, 1);
  assert_store_has_no_fabric(node);
}

/* A fail-safe left to expire after AddNOC ends the PASE session and
 * takes the fabric, its root and its ACL with it; nothing of it was ever
 * stored, so a restart finds nothing either. */
static void
test_fail_safe_expiry(MdTestNode *node, gconstpointer data)
{
  g_autoptr(MdTestCa) ca = md_test_ca_new(FABRIC_ID);
  MatterSession *session = pase(node);
  guint16 id = session->local_session_id;
  g_autoptr(GBytes) noc = NULL;

  commission_to_add_noc(node, session, ca, 60, &noc);
  g_assert_cmpuint(write_operator_entry(node, session, FALSE), ==, MATTER_IM_STATUS_SUCCESS);
  /* Re-armed short once AddNOC is in, so that the expiry comes after it
   * however slow the machine. */
  arm_fail_safe(node, session, 2, 3);
  g_assert_true(md_test_commissioner_wait_closed(node->commissioner, id, 2000 + EXPIRY_SLACK_MS));
  g_assert_true(md_test_node_wait_for_log(node, "Dropping the fabric the fail-safe held"));

  session = pase(node);
  assert_no_fabric(node, session);
  assert_store_has_no_fabric(node);
  md_test_node_restart(node);
  session = pase(node);
  assert_no_fabric(node, session);
  assert_store_has_no_fabric(node);
}

/* The commissioner closing its PASE session after AddNOC (CloseSession)
 * ends the fail-safe it armed: the fabric goes at once, not at expiry. */
static void
test_close_session(MdTestNode *node, gconstpointer data)
{
  g_autoptr(MdTestCa) ca = md_test_ca_new(FABRIC_ID);
  MatterSession *session = pase(node);
  g_autoptr(GBytes) noc = NULL;

  commission_to_add_noc(node, session, ca, 60, &noc);
  matter_exchange_manager_close_session(&node->commissioner->exchanges, session, md_test_now_ms());
  /* Long enough for CloseSession to go out and be acknowledged. */
  md_test_commissioner_run_for(node->commissioner, 300);
  g_assert_true(md_test_node_wait_for_log(node, "The PASE session that armed the fail-safe"));
  g_assert_true(md_test_node_wait_for_log(node, "Dropping the fabric the fail-safe held"));
  session = pase(node);
  assert_no_fabric(node, session);
  assert_store_has_no_fabric(node);
}

/* kill -9 while the fail-safe holds the fabric: the restarted daemon is
 * on no fabric and waits to be commissioned, with the same passcode. */
static void
test_crash_before_expiry(MdTestNode *node, gconstpointer data)
{
  g_autoptr(MdTestCa) ca = md_test_ca_new(FABRIC_ID);
  MatterSession *session = pase(node);
  g_autoptr(GBytes) noc = NULL;
  g_autofree char *window = NULL;

  commission_to_add_noc(node, session, ca, 60, &noc);
  g_assert_cmpuint(write_operator_entry(node, session, TRUE), ==, MATTER_IM_STATUS_SUCCESS);
  md_test_node_crash_and_restart(node);
  window = md_test_node_window(node);
  g_assert_cmpstr(window, ==, "basic");
  session = pase(node);
  assert_no_fabric(node, session);
  assert_store_has_no_fabric(node);
}

/* Refusals over the wire change nothing: a root outside a fail-safe, a
 * NOC for a key other than the CSR's, ACL entries that break the rules. */
static void
test_bad_input(MdTestNode *node, gconstpointer data)
{
  g_autoptr(MdTestCa) ca = md_test_ca_new(FABRIC_ID);
  MatterSession *session = pase(node);
  guint8 dac_public_key[MATTER_P256_PUBLIC_KEY_LEN], key[MATTER_P256_PUBLIC_KEY_LEN];
  g_autoptr(GBytes) wrong = NULL, noc = NULL;
  g_autoptr(GArray) acl = NULL;
  NocAnswer n;
  Fields f;

  g_assert_cmpuint(add_trusted_root(node, session, ca->rcac), ==,
                   MATTER_IM_STATUS_FAILSAFE_REQUIRED);
  assert_no_fabric(node, session);

  arm_fail_safe(node, session, 60, 1);
  check_attestation_chain(node, session, dac_public_key);
  csr_request(node, session, dac_public_key, key);
  g_assert_cmpuint(add_trusted_root(node, session, ca->rcac), ==, MATTER_IM_STATUS_SUCCESS);
  wrong = md_test_ca_issue_noc(ca, ca->public_key, NODE_ID, 0, NULL, 0);
  n = add_noc(node, session, wrong);
  g_assert_cmpuint(n.code, ==, NOC_STATUS_INVALID_PUBLIC_KEY);
  g_assert_cmpuint(n.fabric_index, ==, 0);
  g_assert_cmpuint(list_length(node, session, CLUSTER_OPCREDS, ATTR_FABRICS, FALSE), ==, 0);
  g_assert_cmpuint(read_uint(node, session, CLUSTER_OPCREDS, ATTR_CURRENT_FABRIC_INDEX), ==, 0);

  /* The CSR still stands: the right NOC goes in. */
  noc = md_test_ca_issue_noc(ca, key, NODE_ID, 0, NULL, 0);
  n = add_noc(node, session, noc);
  g_assert_cmpuint(n.code, ==, NOC_STATUS_OK);

  /* A list whose second entry has no AuthMode: all of it refused. */
  acl_list_begin(&f);
  matter_tlv_start_structure(&f.w, matter_tlv_tag_anonymous());
  matter_tlv_put_uint(&f.w, matter_tlv_tag_context(ACL_PRIVILEGE), PRIVILEGE_OPERATE);
  matter_tlv_put_null(&f.w, matter_tlv_tag_context(ACL_SUBJECTS));
  matter_tlv_put_null(&f.w, matter_tlv_tag_context(ACL_TARGETS));
  matter_tlv_end_container(&f.w);
  fields_end(&f);
  g_assert_cmpuint(write_acl(node, session, &f, FALSE), ==, MATTER_IM_STATUS_CONSTRAINT_ERROR);
  /* An entry for PASE: that privilege is only ever implicit. */
  matter_tlv_writer_init(&f.w, f.buf, sizeof(f.buf));
  put_acl_entry(&f.w, PRIVILEGE_OPERATE, AUTH_MODE_PASE, 1, FALSE);
  g_assert_cmpint(matter_tlv_writer_finish(&f.w, &f.len), ==, MATTER_OK);
  g_assert_cmpuint(write_acl(node, session, &f, TRUE), ==, MATTER_IM_STATUS_CONSTRAINT_ERROR);
  acl = read_acl(node, session);
  g_assert_cmpuint(acl->len, ==, 1);
  assert_admin_entry(acl_at(acl, 0), n.fabric_index);
}

static void
add_test(const char *path, void (*func)(MdTestNode *, gconstpointer))
{
  g_test_add(path, MdTestNode, NULL, node_setup, func, node_teardown);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  add_test("/commissioning-udp/commission-over-pase", test_commission_over_pase);
  add_test("/commissioning-udp/fail-safe-expiry", test_fail_safe_expiry);
  add_test("/commissioning-udp/close-session", test_close_session);
  add_test("/commissioning-udp/crash-before-expiry", test_crash_before_expiry);
  add_test("/commissioning-udp/bad-input", test_bad_input);
  return g_test_run();
}
