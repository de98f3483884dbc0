/* SPDX-License-Identifier: Apache-2.0 */
#include "md-test-admin.h"

#include <string.h>

#include "matter/attestation.h"
#include "matter/im.h"
#include "md-test-core.h"

#define ROOT_ENDPOINT 0
#define FAIL_SAFE_SECONDS 60

/* General Commissioning (0x0030) and Operational Credentials (0x003E):
 * data_model/1.4.2/clusters/GeneralCommissioningCluster.xml and
 * OperationalCredentialCluster.xml for ids, fields and status enums. */
#define CLUSTER_GENERAL_COMMISSIONING 0x0030
#define CLUSTER_OPCREDS 0x003E
enum {
  CMD_ARM_FAIL_SAFE = 0x00,
  CMD_ARM_FAIL_SAFE_RESPONSE = 0x01,
  CMD_COMMISSIONING_COMPLETE = 0x04,
  CMD_COMMISSIONING_COMPLETE_RESPONSE = 0x05,
};
enum {
  CMD_CSR_REQUEST = 0x04,
  CMD_CSR_RESPONSE = 0x05,
  CMD_ADD_NOC = 0x06,
  CMD_NOC_RESPONSE = 0x08,
  CMD_ADD_TRUSTED_ROOT = 0x0B,
};
#define COMMISSIONING_OK 0
#define NOC_STATUS_OK 0
/* The administrator's own index of the fabric: its table's, not the
 * node's. */
#define ADMIN_FABRIC_INDEX 1

MdTestAdmin *
md_test_admin_new(guint64 fabric_id, guint64 admin_node_id, guint64 device_node_id,
                  guint16 vendor_id)
{
  MdTestAdmin *admin = g_new0(MdTestAdmin, 1);
  guint8 public_key[MATTER_P256_PUBLIC_KEY_LEN];
  guint8 compressed[MATTER_CASE_COMPRESSED_FABRIC_ID_LEN];

  admin->ca = md_test_ca_new(fabric_id);
  admin->device_node_id = device_node_id;
  admin->vendor_id = vendor_id;
  g_assert_cmpint(matter_p256_generate(&admin->key), ==, MATTER_OK);
  g_assert_cmpint(matter_p256_export_public(admin->key, public_key), ==, MATTER_OK);
  admin->noc = md_test_ca_issue_noc(admin->ca, public_key, admin_node_id, 0, NULL, 0);
  admin->fabric = (MatterCaseFabric){
    .fabric_index = ADMIN_FABRIC_INDEX,
    .fabric_id = fabric_id,
    .node_id = admin_node_id,
    .operational_key = admin->key,
  };
  memcpy(admin->fabric.root_public_key, admin->ca->public_key,
         sizeof(admin->fabric.root_public_key));
  admin->fabric.rcac = g_bytes_get_data(admin->ca->rcac, &admin->fabric.rcac_len);
  admin->fabric.noc = g_bytes_get_data(admin->noc, &admin->fabric.noc_len);
  g_assert_cmpint(matter_case_compressed_fabric_id(admin->ca->public_key, fabric_id, compressed),
                  ==, MATTER_OK);
  g_assert_cmpint(matter_case_operational_ipk((const guint8 *) MD_TEST_ADMIN_IPK, compressed,
                                              admin->fabric.ipk),
                  ==, MATTER_OK);
  return admin;
}

void
md_test_admin_free(MdTestAdmin *admin)
{
  if (admin == NULL)
    return;
  matter_secure_zero(&admin->fabric, sizeof(admin->fabric));
  g_clear_pointer(&admin->key, matter_p256_free);
  g_clear_pointer(&admin->noc, g_bytes_unref);
  g_clear_pointer(&admin->ca, md_test_ca_free);
  g_free(admin);
}

/* ---- Command fields ---------------------------------------------------- */

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
invoke(MdTestCommissioner *commissioner, MatterSession *session, guint32 cluster, guint32 command,
       const Fields *fields, MdTestInvokeAnswer *answer)
{
  md_test_commissioner_invoke(commissioner, session, ROOT_ENDPOINT, cluster, command,
                              fields != NULL ? fields->buf : NULL, fields != NULL ? fields->len : 0,
                              FALSE, answer);
}

/* The first field (tag 0) of the response @response to @command. */
static guint8
invoke_code(MdTestCommissioner *commissioner, MatterSession *session, guint32 cluster,
            guint32 command, const Fields *fields, guint32 response)
{
  g_auto(MdTestInvokeAnswer) answer = { 0 };
  MatterTlvReader r;
  guint8 code;

  invoke(commissioner, session, cluster, command, fields, &answer);
  g_assert_false(answer.is_status);
  g_assert_cmpuint(answer.response, ==, response);
  md_test_invoke_answer_fields(&answer, &r);
  g_assert_cmpint(matter_tlv_get_context_u8(&r, 0, &code), ==, MATTER_OK);
  return code;
}

static GBytes *
read_dev_dac(void)
{
  g_autofree char *path =
      g_test_build_filename(G_TEST_DIST, "..", "data", "dev-attestation", "dac-cert.der", NULL);
  g_autoptr(GError) error = NULL;
  char *data;
  gsize len;

  g_file_get_contents(path, &data, &len, &error);
  g_assert_no_error(error);
  return g_bytes_new_take(data, len);
}

/* CSRRequest: the public key of the CSR in @public_key, the answer
 * verified with the development DAC. */
static void
csr_request(MdTestCommissioner *commissioner, MatterSession *session,
            guint8 public_key[MATTER_P256_PUBLIC_KEY_LEN])
{
  g_auto(MdTestInvokeAnswer) answer = { 0 };
  g_autoptr(GBytes) dac = read_dev_dac();
  guint8 nonce[MATTER_CSR_NONCE_LEN];
  MatterAttestationCertInfo info;
  MatterNocsrElements decoded;
  const uint8_t *elements, *signature;
  size_t elements_len, signature_len;
  MatterTlvReader r;
  Fields f;

  g_assert_cmpint(matter_attestation_cert_check(g_bytes_get_data(dac, NULL), g_bytes_get_size(dac),
                                                MATTER_ATTESTATION_DAC, &info),
                  ==, MATTER_OK);
  for (gsize i = 0; i < sizeof(nonce); i++)
    nonce[i] = (guint8) g_random_int();
  matter_tlv_put_bytes(fields_begin(&f), matter_tlv_tag_context(0), nonce, sizeof(nonce));
  fields_end(&f);
  invoke(commissioner, session, CLUSTER_OPCREDS, CMD_CSR_REQUEST, &f, &answer);
  g_assert_false(answer.is_status);
  g_assert_cmpuint(answer.response, ==, CMD_CSR_RESPONSE);
  md_test_invoke_answer_fields(&answer, &r);
  g_assert_cmpint(matter_tlv_get_context_bytes(&r, 0, &elements, &elements_len), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_get_context_bytes(&r, 1, &signature, &signature_len), ==, MATTER_OK);
  g_assert_cmpuint(signature_len, ==, MATTER_P256_SIGNATURE_LEN);
  g_assert_cmpint(matter_nocsr_response_verify(info.public_key, elements, elements_len,
                                               session->attestation_challenge, signature, nonce,
                                               &decoded, public_key),
                  ==, MATTER_OK);
}

guint8
md_test_admin_add_noc(MdTestAdmin *admin, MdTestCommissioner *commissioner, MatterSession *pase)
{
  g_auto(MdTestInvokeAnswer) root = { 0 };
  g_auto(MdTestInvokeAnswer) answer = { 0 };
  g_autoptr(GBytes) noc = NULL;
  guint8 operational_key[MATTER_P256_PUBLIC_KEY_LEN];
  guint8 code, index;
  MatterTlvWriter *w;
  MatterTlvReader r;
  Fields f;

  f.len = md_test_arm_fail_safe_fields(f.buf, FAIL_SAFE_SECONDS, 1);
  g_assert_cmpuint(invoke_code(commissioner, pase, CLUSTER_GENERAL_COMMISSIONING, CMD_ARM_FAIL_SAFE,
                               &f, CMD_ARM_FAIL_SAFE_RESPONSE),
                   ==, COMMISSIONING_OK);
  csr_request(commissioner, pase, operational_key);

  matter_tlv_put_bytes(fields_begin(&f), matter_tlv_tag_context(0),
                       g_bytes_get_data(admin->ca->rcac, NULL), g_bytes_get_size(admin->ca->rcac));
  fields_end(&f);
  invoke(commissioner, pase, CLUSTER_OPCREDS, CMD_ADD_TRUSTED_ROOT, &f, &root);
  g_assert_true(root.is_status);
  g_assert_cmpuint(root.status.status, ==, MATTER_IM_STATUS_SUCCESS);

  noc = md_test_ca_issue_noc(admin->ca, operational_key, admin->device_node_id, 0, NULL, 0);
  w = fields_begin(&f);
  matter_tlv_put_bytes(w, matter_tlv_tag_context(0), g_bytes_get_data(noc, NULL),
                       g_bytes_get_size(noc));
  matter_tlv_put_bytes(w, matter_tlv_tag_context(2), (const guint8 *) MD_TEST_ADMIN_IPK, 16);
  matter_tlv_put_uint(w, matter_tlv_tag_context(3), admin->fabric.node_id);
  matter_tlv_put_uint(w, matter_tlv_tag_context(4), admin->vendor_id);
  fields_end(&f);
  invoke(commissioner, pase, CLUSTER_OPCREDS, CMD_ADD_NOC, &f, &answer);
  g_assert_false(answer.is_status);
  g_assert_cmpuint(answer.response, ==, CMD_NOC_RESPONSE);
  md_test_invoke_answer_fields(&answer, &r);
  g_assert_cmpint(matter_tlv_get_context_u8(&r, 0, &code), ==, MATTER_OK);
  g_assert_cmpuint(code, ==, NOC_STATUS_OK);
  g_assert_cmpint(matter_tlv_get_context_u8(&r, 1, &index), ==, MATTER_OK);
  g_assert_cmpuint(index, >=, 1);
  g_assert_cmpuint(index, <=, 254);
  return index;
}

MatterSession *
md_test_admin_case(MdTestAdmin *admin, MdTestCommissioner *commissioner)
{
  MdTestCaseOutcome outcome;
  MatterSession *session;

  md_test_commissioner_case(commissioner, &admin->fabric, admin->device_node_id, NULL, &outcome);
  if (outcome.got_report)
    g_test_message("CASE refused: StatusReport %u/%u", outcome.general_code, outcome.protocol_code);
  md_test_assert_error(outcome.error, MATTER_OK);
  g_assert_cmpint(outcome.state, ==, MATTER_CASE_STATE_ESTABLISHED);
  g_assert_nonnull(outcome.session);
  session = outcome.session;
  matter_secure_zero(&outcome, sizeof(outcome));
  return session;
}

void
md_test_admin_complete(MdTestAdmin *admin, MdTestCommissioner *commissioner, MatterSession *session)
{
  g_assert_cmpuint(invoke_code(commissioner, session, CLUSTER_GENERAL_COMMISSIONING,
                               CMD_COMMISSIONING_COMPLETE, NULL,
                               CMD_COMMISSIONING_COMPLETE_RESPONSE),
                   ==, COMMISSIONING_OK);
}

MatterSession *
md_test_admin_commission(MdTestAdmin *admin, MdTestCommissioner *commissioner, guint32 passcode,
                         guint8 *index, guint16 *pase_id)
{
  const MdTestPaseOptions options = { .passcode = passcode };
  MdTestPaseOutcome outcome;
  MatterSession *session;

  md_test_commissioner_pase(commissioner, &options, &outcome);
  g_assert_cmpint(outcome.state, ==, MATTER_PASE_STATE_ESTABLISHED);
  if (pase_id != NULL)
    *pase_id = outcome.session->local_session_id;
  *index = md_test_admin_add_noc(admin, commissioner, outcome.session);
  session = md_test_admin_case(admin, commissioner);
  md_test_admin_complete(admin, commissioner, session);
  return session;
}
