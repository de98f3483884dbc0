/* SPDX-License-Identifier: Apache-2.0 */
#include "md-test-commission.h"

#include <string.h>

#include "matter/attestation.h"
#include "md-test-core.h"

MatterSession *
md_test_pase(MdTestNode *node)
{
  return md_test_pase_over(node, MATTER_TRANSPORT_UDP);
}

MatterSession *
md_test_pase_over(MdTestNode *node, MatterTransport transport)
{
  const MdTestPaseOptions options = { .passcode = PASSCODE, .transport = transport };
  MdTestPaseOutcome outcome;

  md_test_commissioner_pase(node->commissioner, &options, &outcome);
  if (outcome.state != MATTER_PASE_STATE_ESTABLISHED)
    g_test_message("PASE failed (%s); the daemon's log:\n%s", matter_error_str(outcome.error),
                   md_test_daemon_stderr(node->daemon));
  g_assert_cmpint(outcome.state, ==, MATTER_PASE_STATE_ESTABLISHED);
  g_assert_cmpint(outcome.session->peer_address.transport, ==, transport);
  return outcome.session;
}

/* ---- The commissioner's identity on a fabric ---- */

void
md_test_identity_init(MdTestIdentity *id, MdTestCa *ca, guint64 node_id, const guint8 *epoch_key)
{
  guint8 public_key[MATTER_P256_PUBLIC_KEY_LEN];
  guint8 compressed[MATTER_CASE_COMPRESSED_FABRIC_ID_LEN];

  memset(id, 0, sizeof(*id));
  g_assert_cmpint(matter_p256_generate(&id->key), ==, MATTER_OK);
  g_assert_cmpint(matter_p256_export_public(id->key, public_key), ==, MATTER_OK);
  id->noc = md_test_ca_issue_noc(ca, public_key, node_id, 0, NULL, 0);
  id->rcac = g_bytes_ref(ca->rcac);
  id->fabric = (MatterCaseFabric){
    .fabric_index = COMMISSIONER_FABRIC_INDEX,
    .fabric_id = ca->fabric_id,
    .node_id = node_id,
    .operational_key = id->key,
  };
  memcpy(id->fabric.root_public_key, ca->public_key, sizeof(id->fabric.root_public_key));
  id->fabric.rcac = g_bytes_get_data(id->rcac, &id->fabric.rcac_len);
  id->fabric.noc = g_bytes_get_data(id->noc, &id->fabric.noc_len);
  g_assert_cmpint(matter_case_compressed_fabric_id(ca->public_key, ca->fabric_id, compressed), ==,
                  MATTER_OK);
  g_assert_cmpint(matter_case_operational_ipk(epoch_key, compressed, id->fabric.ipk), ==,
                  MATTER_OK);
}

void
md_test_identity_clear(MdTestIdentity *id)
{
  g_clear_pointer(&id->key, matter_p256_free);
  g_clear_pointer(&id->noc, g_bytes_unref);
  g_clear_pointer(&id->rcac, g_bytes_unref);
}

void
md_test_admin_init(MdTestIdentity *id, MdTestCa *ca)
{
  md_test_identity_init(id, ca, ADMIN_NODE_ID, (const guint8 *) IPK);
}

/* CASE that must succeed: the session, and the outcome in @outcome (may
 * be NULL). */
MatterSession *
md_test_case_session(MdTestNode *node, const MdTestIdentity *id,
                     const MatterCaseResumption *resumption, MdTestCaseOutcome *outcome)
{
  MdTestCaseOutcome mine;
  MatterSession *session;

  if (outcome == NULL)
    outcome = &mine;
  md_test_commissioner_case(node->commissioner, &id->fabric, NODE_ID, resumption, outcome);
  if (outcome->got_report)
    g_test_message("CASE refused: StatusReport %u/%u", outcome->general_code,
                   outcome->protocol_code);
  if (outcome->error != MATTER_OK)
    g_test_message("CASE failed (%s); the daemon's log:\n%s", matter_error_str(outcome->detail),
                   md_test_daemon_stderr(node->daemon));
  md_test_assert_error(outcome->error, MATTER_OK);
  g_assert_cmpint(outcome->state, ==, MATTER_CASE_STATE_ESTABLISHED);
  g_assert_nonnull(outcome->session);
  g_assert_cmpint(outcome->session->kind, ==, MATTER_SESSION_KIND_CASE);
  g_assert_cmpuint(outcome->session->peer_node_id, ==, NODE_ID);
  session = outcome->session;
  if (outcome == &mine)
    matter_secure_zero(&mine, sizeof(mine));
  return session;
}

/* CASE that the daemon must refuse with NoSharedTrustRoots. */
void
md_test_assert_case_refused(MdTestNode *node, const MdTestIdentity *id)
{
  MdTestCaseOutcome outcome;

  md_test_commissioner_case(node->commissioner, &id->fabric, NODE_ID, NULL, &outcome);
  md_test_assert_error(outcome.error, MATTER_ERROR_SC_PEER_STATUS);
  g_assert_cmpint(outcome.state, ==, MATTER_CASE_STATE_FAILED);
  g_assert_null(outcome.session);
  g_assert_true(outcome.got_report);
  g_assert_cmpuint(outcome.general_code, ==, MATTER_STATUS_FAILURE);
  g_assert_cmpuint(outcome.protocol_code, ==, MATTER_SC_STATUS_NO_SHARED_TRUST_ROOTS);
}

/* The record a peer keeps of an established session to resume it. */
void
md_test_resumption_from(const MdTestCaseOutcome *outcome, MatterCaseResumption *record)
{
  g_assert_true(outcome->result.setup.has_resumption);
  *record = (MatterCaseResumption){
    .fabric_index = COMMISSIONER_FABRIC_INDEX,
    .peer_node_id = NODE_ID,
  };
  memcpy(record->resumption_id, outcome->result.setup.resumption_id, sizeof(record->resumption_id));
  memcpy(record->shared_secret, outcome->result.setup.shared_secret, sizeof(record->shared_secret));
}

/* ---- Command fields ---- */

MatterTlvWriter *
md_test_fields_begin(MdTestFields *f)
{
  matter_tlv_writer_init(&f->w, f->buf, sizeof(f->buf));
  matter_tlv_start_structure(&f->w, matter_tlv_tag_anonymous());
  return &f->w;
}

void
md_test_fields_end(MdTestFields *f)
{
  matter_tlv_end_container(&f->w);
  g_assert_cmpint(matter_tlv_writer_finish(&f->w, &f->len), ==, MATTER_OK);
}

void
md_test_put_bytes(MatterTlvWriter *w, guint8 tag, GBytes *bytes)
{
  matter_tlv_put_bytes(w, matter_tlv_tag_context(tag), g_bytes_get_data(bytes, NULL),
                       g_bytes_get_size(bytes));
}

/* ---- Invokes ---- */

void
md_test_invoke(MdTestNode *node, MatterSession *session, guint32 cluster, guint32 command,
               const MdTestFields *fields, MdTestInvokeAnswer *answer)
{
  md_test_commissioner_invoke(node->commissioner, session, ROOT_ENDPOINT, cluster, command,
                              fields != NULL ? fields->buf : NULL, fields != NULL ? fields->len : 0,
                              FALSE, answer);
}

/* The first field (tag 0, an unsigned integer) of the response
 * @response to @command. */
guint8
md_test_invoke_code(MdTestNode *node, MatterSession *session, guint32 cluster, guint32 command,
                    const MdTestFields *fields, guint32 response)
{
  g_auto(MdTestInvokeAnswer) answer = { 0 };
  MatterTlvReader r;
  guint8 code;

  md_test_invoke(node, session, cluster, command, fields, &answer);
  if (answer.is_status)
    g_test_message("Command 0x%X of cluster 0x%X answered status 0x%02X; the daemon's log:\n%s",
                   command, cluster, answer.status.status, md_test_daemon_stderr(node->daemon));
  g_assert_false(answer.is_status);
  g_assert_cmpuint(answer.response, ==, response);
  md_test_invoke_answer_fields(&answer, &r);
  g_assert_cmpint(matter_tlv_get_context_u8(&r, 0, &code), ==, MATTER_OK);
  return code;
}

void
md_test_arm_fail_safe(MdTestNode *node, MatterSession *session, guint16 seconds)
{
  MdTestFields f;

  f.len = md_test_arm_fail_safe_fields(f.buf, seconds, 1);
  g_assert_cmpuint(md_test_invoke_code(node, session, CLUSTER_GENERAL_COMMISSIONING,
                                       CMD_ARM_FAIL_SAFE, &f, CMD_ARM_FAIL_SAFE_RESPONSE),
                   ==, COMMISSIONING_OK);
}

guint8
md_test_commissioning_complete(MdTestNode *node, MatterSession *session)
{
  return md_test_invoke_code(node, session, CLUSTER_GENERAL_COMMISSIONING,
                             CMD_COMMISSIONING_COMPLETE, NULL, CMD_COMMISSIONING_COMPLETE_RESPONSE);
}

GBytes *
md_test_read_dev_file(const char *name)
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

/* The DAC CertificateChainRequest (CertificateChainTypeEnum 1) gives. */
static GBytes *
device_dac(MdTestNode *node, MatterSession *session)
{
  g_auto(MdTestInvokeAnswer) answer = { 0 };
  const uint8_t *cert;
  size_t len;
  MatterTlvReader r;
  MdTestFields f;

  matter_tlv_put_uint(md_test_fields_begin(&f), matter_tlv_tag_context(0), 1);
  md_test_fields_end(&f);
  md_test_invoke(node, session, CLUSTER_OPCREDS, CMD_CERTIFICATE_CHAIN_REQUEST, &f, &answer);
  g_assert_false(answer.is_status);
  g_assert_cmpuint(answer.response, ==, CMD_CERTIFICATE_CHAIN_RESPONSE);
  md_test_invoke_answer_fields(&answer, &r);
  g_assert_cmpint(matter_tlv_get_context_bytes(&r, 0, &cert, &len), ==, MATTER_OK);
  return g_bytes_new(cert, len);
}

void
md_test_attestation(MdTestNode *node, MatterSession *session)
{
  g_auto(MdTestInvokeAnswer) answer = { 0 };
  g_autoptr(GBytes) installed = md_test_read_dev_file("dac-cert.der");
  g_autoptr(GBytes) cd = md_test_read_dev_file("cd.der");
  g_autoptr(GBytes) dac = device_dac(node, session);
  guint8 nonce[MATTER_ATTESTATION_NONCE_LEN];
  MatterAttestationCertInfo info;
  MatterAttestationElements decoded;
  const uint8_t *elements, *signature;
  size_t elements_len, signature_len;
  MatterTlvReader r;
  MdTestFields f;

  g_assert_true(g_bytes_equal(dac, installed));
  g_assert_cmpint(matter_attestation_cert_check(g_bytes_get_data(dac, NULL), g_bytes_get_size(dac),
                                                MATTER_ATTESTATION_DAC, &info),
                  ==, MATTER_OK);
  for (gsize i = 0; i < sizeof(nonce); i++)
    nonce[i] = (guint8) g_random_int();
  matter_tlv_put_bytes(md_test_fields_begin(&f), matter_tlv_tag_context(0), nonce, sizeof(nonce));
  md_test_fields_end(&f);
  md_test_invoke(node, session, CLUSTER_OPCREDS, CMD_ATTESTATION_REQUEST, &f, &answer);
  g_assert_false(answer.is_status);
  g_assert_cmpuint(answer.response, ==, CMD_ATTESTATION_RESPONSE);
  md_test_invoke_answer_fields(&answer, &r);
  g_assert_cmpint(matter_tlv_get_context_bytes(&r, 0, &elements, &elements_len), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_get_context_bytes(&r, 1, &signature, &signature_len), ==, MATTER_OK);
  g_assert_cmpuint(signature_len, ==, MATTER_P256_SIGNATURE_LEN);
  g_assert_cmpint(matter_attestation_response_verify(info.public_key, elements, elements_len,
                                                     session->attestation_challenge, signature,
                                                     nonce, &decoded),
                  ==, MATTER_OK);
  g_assert_cmpmem(decoded.certification_declaration, decoded.certification_declaration_len,
                  g_bytes_get_data(cd, NULL), g_bytes_get_size(cd));
}

/* CSRRequest: the key the CSR is for in @public_key, the response checked
 * against the installed DAC (test-commissioning-udp checks the chain). */
void
md_test_csr_request(MdTestNode *node, MatterSession *session,
                    guint8 public_key[MATTER_P256_PUBLIC_KEY_LEN])
{
  g_auto(MdTestInvokeAnswer) answer = { 0 };
  g_autoptr(GBytes) dac = md_test_read_dev_file("dac-cert.der");
  guint8 nonce[MATTER_CSR_NONCE_LEN];
  MatterAttestationCertInfo info;
  MatterNocsrElements decoded;
  const uint8_t *elements, *signature;
  size_t elements_len, signature_len;
  MatterTlvReader r;
  MdTestFields f;

  g_assert_cmpint(matter_attestation_cert_check(g_bytes_get_data(dac, NULL), g_bytes_get_size(dac),
                                                MATTER_ATTESTATION_DAC, &info),
                  ==, MATTER_OK);
  for (gsize i = 0; i < sizeof(nonce); i++)
    nonce[i] = (guint8) g_random_int();
  matter_tlv_put_bytes(md_test_fields_begin(&f), matter_tlv_tag_context(0), nonce, sizeof(nonce));
  md_test_fields_end(&f);
  md_test_invoke(node, session, CLUSTER_OPCREDS, CMD_CSR_REQUEST, &f, &answer);
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

/* ArmFailSafe, CSRRequest, AddTrustedRootCertificate and AddNOC (with
 * IPK, ADMIN_NODE_ID as CaseAdminSubject) over the PASE @session: the
 * NOC in *@noc, the new fabric's index returned. */
guint8
md_test_commission_to_add_noc(MdTestNode *node, MatterSession *session, MdTestCa *ca, GBytes **noc)
{
  g_auto(MdTestInvokeAnswer) root = { 0 };
  g_auto(MdTestInvokeAnswer) answer = { 0 };
  guint8 operational_key[MATTER_P256_PUBLIC_KEY_LEN];
  guint8 code, index;
  MatterTlvWriter *w;
  MatterTlvReader r;
  MdTestFields f;

  md_test_arm_fail_safe(node, session, 60);
  md_test_csr_request(node, session, operational_key);
  md_test_put_bytes(md_test_fields_begin(&f), 0, ca->rcac);
  md_test_fields_end(&f);
  md_test_invoke(node, session, CLUSTER_OPCREDS, CMD_ADD_TRUSTED_ROOT, &f, &root);
  g_assert_true(root.is_status);
  g_assert_cmpuint(root.status.status, ==, MATTER_IM_STATUS_SUCCESS);

  *noc = md_test_ca_issue_noc(ca, operational_key, NODE_ID, 0, NULL, 0);
  w = md_test_fields_begin(&f);
  md_test_put_bytes(w, 0, *noc);
  matter_tlv_put_bytes(w, matter_tlv_tag_context(2), (const guint8 *) IPK, 16);
  matter_tlv_put_uint(w, matter_tlv_tag_context(3), ADMIN_NODE_ID);
  matter_tlv_put_uint(w, matter_tlv_tag_context(4), ADMIN_VENDOR_ID);
  md_test_fields_end(&f);
  md_test_invoke(node, session, CLUSTER_OPCREDS, CMD_ADD_NOC, &f, &answer);
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

/* An NOCResponse's StatusCode to UpdateFabricLabel or RemoveFabric. */
guint8
md_test_update_fabric_label(MdTestNode *node, MatterSession *session, const char *label)
{
  MdTestFields f;

  matter_tlv_put_utf8(md_test_fields_begin(&f), matter_tlv_tag_context(0), label, strlen(label));
  md_test_fields_end(&f);
  return md_test_invoke_code(node, session, CLUSTER_OPCREDS, CMD_UPDATE_FABRIC_LABEL, &f,
                             CMD_NOC_RESPONSE);
}

guint8
md_test_remove_fabric(MdTestNode *node, MatterSession *session, guint8 index)
{
  MdTestFields f;

  matter_tlv_put_uint(md_test_fields_begin(&f), matter_tlv_tag_context(0), index);
  md_test_fields_end(&f);
  return md_test_invoke_code(node, session, CLUSTER_OPCREDS, CMD_REMOVE_FABRIC, &f,
                             CMD_NOC_RESPONSE);
}

/* The whole commissioning: PASE up to AddNOC, CASE as the administrator,
 * CommissioningComplete over it. The CASE session returned, with its
 * outcome in @outcome (may be NULL). */
MatterSession *
md_test_commission_with(MdTestNode *node, guint32 passcode, MdTestCa *ca,
                        const MdTestIdentity *admin, guint8 *index, MdTestCaseOutcome *outcome)
{
  const MdTestPaseOptions options = { .passcode = passcode };
  g_autoptr(GBytes) noc = NULL;
  MdTestPaseOutcome pase;
  MatterSession *session;

  md_test_commissioner_pase(node->commissioner, &options, &pase);
  g_assert_cmpint(pase.state, ==, MATTER_PASE_STATE_ESTABLISHED);
  *index = md_test_commission_to_add_noc(node, pase.session, ca, &noc);
  session = md_test_case_session(node, admin, NULL, outcome);
  g_assert_cmpuint(session->fabric_index, ==, COMMISSIONER_FABRIC_INDEX);
  g_assert_cmpuint(md_test_commissioning_complete(node, session), ==, COMMISSIONING_OK);
  return session;
}

MatterSession *
md_test_commission(MdTestNode *node, MdTestCa *ca, const MdTestIdentity *admin, guint8 *index,
                   MdTestCaseOutcome *outcome)
{
  return md_test_commission_with(node, PASSCODE, ca, admin, index, outcome);
}
