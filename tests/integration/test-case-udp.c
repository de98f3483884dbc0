/* SPDX-License-Identifier: Apache-2.0 */
/* CASE with the built matterd over UDP: a commissioner (udp-commissioner.h)
 * takes the node up to AddNOC over PASE, then reaches it over CASE as the
 * administrator AddNOC named, with a NOC of its own from the same test
 * CA, and completes commissioning there. What CommissioningComplete
 * commits survives a kill -9, resumption records too; what it did not
 * commit is gone after one; and CASE is refused to anyone the node shares
 * no fabric with. */

#include <gio/gio.h>
#include <string.h>

#include "matter/attestation.h"
#include "matter/case.h"
#include "matter/im.h"
#include "md-test-ca.h"
#include "md-test-core.h"
#include "md-test-node.h"

#define PASSCODE 20202021
#define CONFIG "[Node]\nDiscriminator=3840\n[Commissioning]\nPasscode=20202021\n"

#define ROOT_ENDPOINT 0

/* General Commissioning (0x0030): data_model/1.4.2/clusters/
 * GeneralCommissioningCluster.xml for ids and CommissioningErrorEnum. */
#define CLUSTER_GENERAL_COMMISSIONING 0x0030
enum {
  CMD_ARM_FAIL_SAFE = 0x00,
  CMD_ARM_FAIL_SAFE_RESPONSE = 0x01,
  CMD_COMMISSIONING_COMPLETE = 0x04,
  CMD_COMMISSIONING_COMPLETE_RESPONSE = 0x05,
};
#define COMMISSIONING_OK 0

/* Operational Credentials (0x003E): data_model/1.4.2/clusters/
 * OperationalCredentialCluster.xml for ids, fields and
 * NodeOperationalCertStatusEnum. */
#define CLUSTER_OPCREDS 0x003E
enum {
  CMD_CSR_REQUEST = 0x04,
  CMD_CSR_RESPONSE = 0x05,
  CMD_ADD_NOC = 0x06,
  CMD_NOC_RESPONSE = 0x08,
  CMD_UPDATE_FABRIC_LABEL = 0x09,
  CMD_REMOVE_FABRIC = 0x0A,
  CMD_ADD_TRUSTED_ROOT = 0x0B,
};
enum {
  ATTR_NOCS = 0x0000,
  ATTR_FABRICS = 0x0001,
  ATTR_COMMISSIONED_FABRICS = 0x0003,
  ATTR_CURRENT_FABRIC_INDEX = 0x0005,
};
#define NOC_STATUS_OK 0
/* FabricDescriptorStruct and NOCStruct fields; FabricIndex is 0xFE in
 * every fabric-scoped struct. */
enum {
  FABRIC_ROOT_PUBLIC_KEY = 1,
  FABRIC_VENDOR_ID = 2,
  FABRIC_FABRIC_ID = 3,
  FABRIC_NODE_ID = 4,
  FABRIC_LABEL = 5,
  NOC_NOC = 1,
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
};
#define PRIVILEGE_ADMINISTER 5
#define AUTH_MODE_CASE 2

#define FABRIC_ID G_GUINT64_CONSTANT(0xFAB000000000001D)
#define NODE_ID G_GUINT64_CONSTANT(0x00000000DEDEDEDE)
#define ADMIN_NODE_ID G_GUINT64_CONSTANT(0x000000000001B669)
/* A node of the fabric that no ACL entry names. */
#define STRANGER_NODE_ID G_GUINT64_CONSTANT(0x0000000000C0FFEE)
#define ADMIN_VENDOR_ID 0xFFF2
#define IPK "\x4a\x71\xcd\xd7\xb2\xa3\xca\x90\x24\xf9\x6f\x3c\x96\xa1\x9d\xee"
#define IPK_HEX "4A71CDD7B2A3CA9024F96F3C96A19DEE"
#define LABEL "kitchen"
/* The commissioner's own index for the fabric: its fabric table's, not
 * the node's. */
#define COMMISSIONER_FABRIC_INDEX 1

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

/* ---- The commissioner's identity on a fabric ---- */

/* A node of @ca's fabric as CASE sees it: a key, a NOC for it, and the
 * operational IPK from the epoch key AddNOC gave the device. */
typedef struct {
  MatterP256Key *key;
  GBytes *noc;
  GBytes *rcac;
  MatterCaseFabric fabric;
} Identity;

static void
identity_init(Identity *id, MdTestCa *ca, guint64 node_id, const guint8 *epoch_key)
{
  guint8 public_key[MATTER_P256_PUBLIC_KEY_LEN];
  guint8 compressed[MATTER_CASE_COMPRESSED_FABRIC_ID_LEN];

  memset(id, 0, sizeof(*id));
  g_assert_cmpint(matter_p256_generate(&id->key), ==, MATTER_OK);
  g_assert_cmpint(matter_p256_export_public(id->key, public_key), ==, MATTER_OK);
  id->noc = md_test_ca_issue_noc(ca, public_key, node_id, 0, NULL, 0);
  id->rcac = g_bytes_ref(ca->rcac);
  id->fabric = (MatterCaseFabric) {
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

static void
identity_clear(Identity *id)
{
  g_clear_pointer(&id->key, matter_p256_free);
  g_clear_pointer(&id->noc, g_bytes_unref);
  g_clear_pointer(&id->rcac, g_bytes_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Identity, identity_clear)

static void
admin_init(Identity *id, MdTestCa *ca)
{
  identity_init(id, ca, ADMIN_NODE_ID, (const guint8 *) IPK);
}

/* CASE that must succeed: the session, and the outcome in @outcome (may
 * be NULL). */
static MatterSession *
case_session(MdTestNode *node, const Identity *id, const MatterCaseResumption *resumption,
             MdTestCaseOutcome *outcome)
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
static void
assert_case_refused(MdTestNode *node, const Identity *id)
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
static void
resumption_from(const MdTestCaseOutcome *outcome, MatterCaseResumption *record)
{
  g_assert_true(outcome->result.setup.has_resumption);
  *record = (MatterCaseResumption) {
    .fabric_index = COMMISSIONER_FABRIC_INDEX,
    .peer_node_id = NODE_ID,
  };
  memcpy(record->resumption_id, outcome->result.setup.resumption_id, sizeof(record->resumption_id));
  memcpy(record->shared_secret, outcome->result.setup.shared_secret, sizeof(record->shared_secret));
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

/* ---- Invokes ---- */

static void
invoke(MdTestNode *node, MatterSession *session, guint32 cluster, guint32 command,
       const Fields *fields, MdTestInvokeAnswer *answer)
{
  md_test_commissioner_invoke(node->commissioner, session, ROOT_ENDPOINT, cluster, command,
                              fields != NULL ? fields->buf : NULL, fields != NULL ? fields->len : 0,
                              FALSE, answer);
}

/* The first field (tag 0, an unsigned integer) of the response
 * @response to @command. */
static guint8
invoke_code(MdTestNode *node, MatterSession *session, guint32 cluster, guint32 command,
            const Fields *fields, guint32 response)
{
  g_auto(MdTestInvokeAnswer) answer = { 0 };
  MatterTlvReader r;
  guint8 code;

  invoke(node, session, cluster, command, fields, &answer);
  g_assert_false(answer.is_status);
  g_assert_cmpuint(answer.response, ==, response);
  md_test_invoke_answer_fields(&answer, &r);
  g_assert_cmpint(matter_tlv_get_context_u8(&r, 0, &code), ==, MATTER_OK);
  return code;
}

static void
arm_fail_safe(MdTestNode *node, MatterSession *session, guint16 seconds)
{
  Fields f;

  f.len = md_test_arm_fail_safe_fields(f.buf, seconds, 1);
  g_assert_cmpuint(invoke_code(node, session, CLUSTER_GENERAL_COMMISSIONING, CMD_ARM_FAIL_SAFE, &f,
                               CMD_ARM_FAIL_SAFE_RESPONSE),
                   ==, COMMISSIONING_OK);
}

static guint8
commissioning_complete(MdTestNode *node, MatterSession *session)
{
  return invoke_code(node, session, CLUSTER_GENERAL_COMMISSIONING, CMD_COMMISSIONING_COMPLETE, NULL,
                     CMD_COMMISSIONING_COMPLETE_RESPONSE);
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

/* CSRRequest: the key the CSR is for in @public_key, the response checked
 * against the installed DAC (test-commissioning-udp checks the chain). */
static void
csr_request(MdTestNode *node, MatterSession *session, guint8 public_key[MATTER_P256_PUBLIC_KEY_LEN])
{
  g_auto(MdTestInvokeAnswer) answer = { 0 };
  g_autoptr(GBytes) dac = read_dev_file("dac-cert.der");
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
  invoke(node, session, CLUSTER_OPCREDS, CMD_CSR_REQUEST, &f, &answer);
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
static guint8
commission_to_add_noc(MdTestNode *node, MatterSession *session, MdTestCa *ca, GBytes **noc)
{
  g_auto(MdTestInvokeAnswer) root = { 0 };
  g_auto(MdTestInvokeAnswer) answer = { 0 };
  guint8 operational_key[MATTER_P256_PUBLIC_KEY_LEN];
  guint8 code, index;
  MatterTlvWriter *w;
  MatterTlvReader r;
  Fields f;

  arm_fail_safe(node, session, 60);
  csr_request(node, session, operational_key);
  put_bytes(fields_begin(&f), 0, ca->rcac);
  fields_end(&f);
  invoke(node, session, CLUSTER_OPCREDS, CMD_ADD_TRUSTED_ROOT, &f, &root);
  g_assert_true(root.is_status);
  g_assert_cmpuint(root.status.status, ==, MATTER_IM_STATUS_SUCCESS);

  *noc = md_test_ca_issue_noc(ca, operational_key, NODE_ID, 0, NULL, 0);
  w = fields_begin(&f);
  put_bytes(w, 0, *noc);
  matter_tlv_put_bytes(w, matter_tlv_tag_context(2), (const guint8 *) IPK, 16);
  matter_tlv_put_uint(w, matter_tlv_tag_context(3), ADMIN_NODE_ID);
  matter_tlv_put_uint(w, matter_tlv_tag_context(4), ADMIN_VENDOR_ID);
  fields_end(&f);
  invoke(node, session, CLUSTER_OPCREDS, CMD_ADD_NOC, &f, &answer);
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
static guint8
update_fabric_label(MdTestNode *node, MatterSession *session, const char *label)
{
  Fields f;

  matter_tlv_put_utf8(fields_begin(&f), matter_tlv_tag_context(0), label, strlen(label));
  fields_end(&f);
  return invoke_code(node, session, CLUSTER_OPCREDS, CMD_UPDATE_FABRIC_LABEL, &f, CMD_NOC_RESPONSE);
}

static guint8
remove_fabric(MdTestNode *node, MatterSession *session, guint8 index)
{
  Fields f;

  matter_tlv_put_uint(fields_begin(&f), matter_tlv_tag_context(0), index);
  fields_end(&f);
  return invoke_code(node, session, CLUSTER_OPCREDS, CMD_REMOVE_FABRIC, &f, CMD_NOC_RESPONSE);
}

/* The whole commissioning: PASE up to AddNOC, CASE as the administrator,
 * CommissioningComplete over it. The CASE session returned, with its
 * outcome in @outcome (may be NULL). */
static MatterSession *
commission(MdTestNode *node, MdTestCa *ca, const Identity *admin, guint8 *index,
           MdTestCaseOutcome *outcome)
{
  MatterSession *session = pase(node);
  g_autoptr(GBytes) noc = NULL;

  *index = commission_to_add_noc(node, session, ca, &noc);
  session = case_session(node, admin, NULL, outcome);
  g_assert_cmpuint(session->fabric_index, ==, COMMISSIONER_FABRIC_INDEX);
  g_assert_cmpuint(commissioning_complete(node, session), ==, COMMISSIONING_OK);
  return session;
}

/* ---- Reads ---- */

/* The one answer to a fabric-filtered read of @attribute, data or
 * status. */
static GArray *
read_one(MdTestNode *node, MatterSession *session, guint32 cluster, guint32 attribute)
{
  MatterImAttributePath at = md_test_attribute_path(ROOT_ENDPOINT, cluster, attribute);
  GArray *answers = md_test_commissioner_read(node->commissioner, session, &at, 1, TRUE);

  g_assert_cmpuint(answers->len, ==, 1);
  return answers;
}

static const MdTestAttributeAnswer *
data_of(GArray *answers, MatterTlvReader *r)
{
  const MdTestAttributeAnswer *answer = &g_array_index(answers, MdTestAttributeAnswer, 0);

  g_assert_false(answer->is_status);
  md_test_attribute_answer_reader(answer, r);
  return answer;
}

static guint64
read_uint(MdTestNode *node, MatterSession *session, guint32 cluster, guint32 attribute)
{
  g_autoptr(GArray) answers = read_one(node, session, cluster, attribute);
  MatterTlvReader r;
  guint64 value;

  data_of(answers, &r);
  g_assert_cmpint(matter_tlv_get_u64(&r, &value), ==, MATTER_OK);
  return value;
}

/* A reader on the first item of a list attribute that has exactly one. */
static void
enter_only_item(GArray *answers, MatterTlvReader *r)
{
  MatterTlvReader end;

  data_of(answers, r);
  g_assert_cmpint(matter_tlv_get_type(r), ==, MATTER_TLV_TYPE_ARRAY);
  g_assert_cmpint(matter_tlv_enter(r), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_next(r), ==, MATTER_OK);
  end = *r;
  g_assert_cmpint(matter_tlv_next(&end), ==, MATTER_ERROR_TLV_END);
  g_assert_cmpint(matter_tlv_enter(r), ==, MATTER_OK);
}

/* What a session of the committed fabric @index reads of it: one
 * fabric with @label, one NOC (@noc), one ACL entry (the administrator's,
 * Administer over CASE), and CurrentFabricIndex. */
static void
assert_committed_fabric(MdTestNode *node, MatterSession *session, MdTestCa *ca, guint8 index,
                        const char *label)
{
  g_autoptr(GArray) fabrics = read_one(node, session, CLUSTER_OPCREDS, ATTR_FABRICS);
  g_autoptr(GArray) acl = read_one(node, session, CLUSTER_ACCESS_CONTROL, ATTR_ACL);
  const uint8_t *value;
  size_t len;
  const char *text;
  guint64 u64;
  guint16 vendor_id;
  guint8 u8;
  MatterTlvReader r, subjects;

  enter_only_item(fabrics, &r);
  g_assert_cmpint(matter_tlv_get_context_bytes(&r, FABRIC_ROOT_PUBLIC_KEY, &value, &len), ==,
                  MATTER_OK);
  g_assert_cmpmem(value, len, ca->public_key, sizeof(ca->public_key));
  g_assert_cmpint(matter_tlv_get_context_u16(&r, FABRIC_VENDOR_ID, &vendor_id), ==, MATTER_OK);
  g_assert_cmpuint(vendor_id, ==, ADMIN_VENDOR_ID);
  g_assert_cmpint(matter_tlv_get_context_u64(&r, FABRIC_FABRIC_ID, &u64), ==, MATTER_OK);
  g_assert_cmpuint(u64, ==, FABRIC_ID);
  g_assert_cmpint(matter_tlv_get_context_u64(&r, FABRIC_NODE_ID, &u64), ==, MATTER_OK);
  g_assert_cmpuint(u64, ==, NODE_ID);
  g_assert_cmpint(matter_tlv_get_context_utf8(&r, FABRIC_LABEL, &text, &len), ==, MATTER_OK);
  g_assert_cmpmem(text, len, label, strlen(label));
  g_assert_cmpint(matter_tlv_get_context_u8(&r, FIELD_FABRIC_INDEX, &u8), ==, MATTER_OK);
  g_assert_cmpuint(u8, ==, index);

  enter_only_item(acl, &r);
  g_assert_cmpint(matter_tlv_get_context_u8(&r, ACL_PRIVILEGE, &u8), ==, MATTER_OK);
  g_assert_cmpuint(u8, ==, PRIVILEGE_ADMINISTER);
  g_assert_cmpint(matter_tlv_get_context_u8(&r, ACL_AUTH_MODE, &u8), ==, MATTER_OK);
  g_assert_cmpuint(u8, ==, AUTH_MODE_CASE);
  g_assert_cmpint(matter_tlv_find_context(&r, ACL_SUBJECTS), ==, MATTER_OK);
  subjects = r;
  g_assert_cmpint(matter_tlv_enter(&subjects), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_next(&subjects), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_get_u64(&subjects, &u64), ==, MATTER_OK);
  g_assert_cmpuint(u64, ==, ADMIN_NODE_ID);
  g_assert_cmpint(matter_tlv_next(&subjects), ==, MATTER_ERROR_TLV_END);
  g_assert_cmpint(matter_tlv_get_context_u8(&r, FIELD_FABRIC_INDEX, &u8), ==, MATTER_OK);
  g_assert_cmpuint(u8, ==, index);

  g_assert_cmpuint(read_uint(node, session, CLUSTER_OPCREDS, ATTR_CURRENT_FABRIC_INDEX), ==, index);
  g_assert_cmpuint(read_uint(node, session, CLUSTER_OPCREDS, ATTR_COMMISSIONED_FABRICS), ==, 1);
}

static void
assert_nocs(MdTestNode *node, MatterSession *session, GBytes *noc)
{
  g_autoptr(GArray) nocs = read_one(node, session, CLUSTER_OPCREDS, ATTR_NOCS);
  const uint8_t *value;
  size_t len;
  MatterTlvReader r;

  enter_only_item(nocs, &r);
  g_assert_cmpint(matter_tlv_get_context_bytes(&r, NOC_NOC, &value, &len), ==, MATTER_OK);
  g_assert_cmpmem(value, len, g_bytes_get_data(noc, NULL), g_bytes_get_size(noc));
}

/* ---- The database, as the sqlite3 tool reads it ---- */

static guint64
count_rows(MdTestNode *node, const char *query)
{
  g_autofree char *db = g_build_filename(node->state_dir, "matterd.db", NULL);
  const char *argv[] = { "sqlite3", "-readonly", db, query, NULL };
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_assert_true(g_file_test(db, G_FILE_TEST_IS_REGULAR));
  g_spawn_sync(NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status,
               &error);
  g_assert_no_error(error);
  if (!g_spawn_check_wait_status(status, NULL))
    g_error("sqlite3 %s: %s", query, err);
  return g_ascii_strtoull(out, NULL, 10);
}

/* The committed fabric's rows: the fabric with its IPK epoch key and
 * @label, the administrator's ACL entry. */
static void
assert_store_has_fabric(MdTestNode *node, guint8 index, const char *label)
{
  g_autofree char *fabric = g_strdup_printf(
      "SELECT count(*) FROM fabric WHERE fabric_index = %u AND fabric_id = %" G_GINT64_FORMAT
      " AND node_id = %" G_GUINT64_FORMAT " AND ipk_epoch_key = x'" IPK_HEX "' AND label = '%s'",
      index, (gint64) FABRIC_ID, NODE_ID, label);
  g_autofree char *acl = g_strdup_printf("SELECT count(*) FROM acl_entry WHERE fabric_index = %u"
                                         " AND privilege = %u AND auth_mode = %u",
                                         index, PRIVILEGE_ADMINISTER, AUTH_MODE_CASE);

  g_assert_cmpuint(count_rows(node, "SELECT count(*) FROM fabric"), ==, 1);
  g_assert_cmpuint(count_rows(node, fabric), ==, 1);
  g_assert_cmpuint(count_rows(node, "SELECT count(*) FROM acl_entry"), ==, 1);
  g_assert_cmpuint(count_rows(node, acl), ==, 1);
}

/* ---- The tests ---- */

/* CommissioningComplete over CASE commits the fabric: the window closes,
 * the PASE session goes, the rows are stored; CASE works again, the
 * administrator reads the fabric and the ACL, and a node of the fabric
 * that no entry names may not read the ACL. */
static void
test_commission_complete(MdTestNode *node, gconstpointer data)
{
  g_autoptr(MdTestCa) ca = md_test_ca_new(FABRIC_ID);
  g_auto(Identity) admin = { 0 };
  g_auto(Identity) stranger = { 0 };
  MatterSession *session = pase(node);
  guint16 pase_id = session->local_session_id;
  g_autoptr(GBytes) noc = NULL;
  g_autoptr(GArray) answers = NULL;
  g_autofree char *window = NULL;
  guint8 index;

  admin_init(&admin, ca);
  index = commission_to_add_noc(node, session, ca, &noc);
  window = md_test_node_window(node);
  g_assert_cmpstr(window, ==, "basic");
  g_clear_pointer(&window, g_free);

  session = case_session(node, &admin, NULL, NULL);
  g_assert_cmpuint(commissioning_complete(node, session), ==, COMMISSIONING_OK);
  g_assert_true(md_test_node_wait_for_log(node, "Commissioning complete on fabric"));
  window = md_test_node_window(node);
  g_assert_cmpstr(window, ==, "closed");
  g_assert_true(md_test_commissioner_wait_closed(node->commissioner, pase_id, 2000));
  assert_store_has_fabric(node, index, "");

  assert_committed_fabric(node, session, ca, index, "");
  assert_nocs(node, session, noc);
  /* A second CASE, on the committed fabric now, sees the same. */
  session = case_session(node, &admin, NULL, NULL);
  assert_committed_fabric(node, session, ca, index, "");

  /* Same fabric and IPK, but no ACL entry names this node. */
  identity_init(&stranger, ca, STRANGER_NODE_ID, (const guint8 *) IPK);
  session = case_session(node, &stranger, NULL, NULL);
  answers = read_one(node, session, CLUSTER_ACCESS_CONTROL, ATTR_ACL);
  g_assert_true(g_array_index(answers, MdTestAttributeAnswer, 0).is_status);
  g_assert_cmpuint(g_array_index(answers, MdTestAttributeAnswer, 0).status, ==,
                   MATTER_IM_STATUS_UNSUPPORTED_ACCESS);
}

/* kill -9 right after CommissioningComplete: the restarted daemon has the
 * whole fabric (CASE itself proves root, NOC, key and IPK), its ACL and
 * the label given before the commit. A record of a session after the
 * commit survives a kill -9 too, and resumes; an id the node does not know
 * gets a full handshake. */
static void
test_restart_keeps_fabric(MdTestNode *node, gconstpointer data)
{
  g_autoptr(MdTestCa) ca = md_test_ca_new(FABRIC_ID);
  g_auto(Identity) admin = { 0 };
  MatterSession *session = pase(node);
  g_autoptr(GBytes) noc = NULL;
  MdTestCaseOutcome outcome;
  MatterCaseResumption record, next, bogus;
  guint resumed;
  guint8 index;

  admin_init(&admin, ca);
  index = commission_to_add_noc(node, session, ca, &noc);
  session = case_session(node, &admin, NULL, NULL);
  g_assert_cmpuint(update_fabric_label(node, session, LABEL), ==, NOC_STATUS_OK);
  g_assert_cmpuint(commissioning_complete(node, session), ==, COMMISSIONING_OK);
  md_test_node_crash_and_restart(node);

  session = case_session(node, &admin, NULL, &outcome);
  g_assert_false(outcome.result.resumed);
  assert_committed_fabric(node, session, ca, index, LABEL);
  assert_nocs(node, session, noc);
  assert_store_has_fabric(node, index, LABEL);
  resumption_from(&outcome, &record);
  matter_secure_zero(&outcome, sizeof(outcome));

  md_test_node_crash_and_restart(node);
  resumed = md_test_node_count_log(node, " resumed with node");
  session = case_session(node, &admin, &record, &outcome);
  g_assert_true(outcome.result.resumed);
  /* The resumed session is of the fabric, with the administrator's
   * rights; the daemon logged it as resumed. */
  assert_committed_fabric(node, session, ca, index, LABEL);
  g_assert_cmpuint(md_test_node_count_log(node, " resumed with node"), ==, resumed + 1);
  resumption_from(&outcome, &next);
  matter_secure_zero(&outcome, sizeof(outcome));

  /* The record a resumption used was replaced: its id is stale now. */
  session = case_session(node, &admin, &record, &outcome);
  g_assert_false(outcome.result.resumed);
  matter_secure_zero(&outcome, sizeof(outcome));
  /* So is the record of the session resumed: the full handshake since
   * replaced it. */
  session = case_session(node, &admin, &next, &outcome);
  g_assert_false(outcome.result.resumed);
  resumption_from(&outcome, &next);
  matter_secure_zero(&outcome, sizeof(outcome));
  /* An id the node never gave falls back to a full Sigma2. */
  bogus = next;
  for (gsize i = 0; i < sizeof(bogus.resumption_id); i++)
    bogus.resumption_id[i] = (guint8) g_random_int();
  session = case_session(node, &admin, &bogus, &outcome);
  g_assert_false(outcome.result.resumed);
  g_assert_cmpuint(read_uint(node, session, CLUSTER_OPCREDS, ATTR_CURRENT_FABRIC_INDEX), ==, index);
  g_assert_cmpuint(md_test_node_count_log(node, " resumed with node"), ==, resumed + 1);
  resumption_from(&outcome, &next);
  matter_secure_zero(&outcome, sizeof(outcome));
  /* The record of the latest session resumes, once. */
  session = case_session(node, &admin, &next, &outcome);
  g_assert_true(outcome.result.resumed);
  /* An answer over the session: the daemon has taken SigmaFinished. */
  g_assert_cmpuint(read_uint(node, session, CLUSTER_OPCREDS, ATTR_CURRENT_FABRIC_INDEX), ==, index);
  g_assert_cmpuint(md_test_node_count_log(node, " resumed with node"), ==, resumed + 2);
  matter_secure_zero(&outcome, sizeof(outcome));
  matter_secure_zero(&next, sizeof(next));
  matter_secure_zero(&bogus, sizeof(bogus));
  matter_secure_zero(&record, sizeof(record));
}

/* kill -9 after AddNOC and CASE, before CommissioningComplete: nothing
 * was committed, so the restarted daemon shares no root with the
 * administrator and waits to be commissioned again. */
static void
test_crash_before_complete(MdTestNode *node, gconstpointer data)
{
  g_autoptr(MdTestCa) ca = md_test_ca_new(FABRIC_ID);
  g_auto(Identity) admin = { 0 };
  MatterSession *session = pase(node);
  g_autoptr(GBytes) noc = NULL;
  g_autofree char *window = NULL;

  admin_init(&admin, ca);
  commission_to_add_noc(node, session, ca, &noc);
  case_session(node, &admin, NULL, NULL);
  md_test_node_crash_and_restart(node);

  assert_case_refused(node, &admin);
  window = md_test_node_window(node);
  g_assert_cmpstr(window, ==, "basic");
  g_assert_cmpuint(count_rows(node, "SELECT count(*) FROM fabric"), ==, 0);
  g_assert_cmpuint(count_rows(node, "SELECT count(*) FROM resumption"), ==, 0);
  session = pase(node);
  g_assert_cmpuint(read_uint(node, session, CLUSTER_OPCREDS, ATTR_COMMISSIONED_FABRICS), ==, 0);
}

/* CASE is refused with NoSharedTrustRoots when the node is on no fabric,
 * to another root, to the right root with another IPK, and after the
 * fabric was removed. */
static void
test_case_refusals(MdTestNode *node, gconstpointer data)
{
  g_autoptr(MdTestCa) ca = md_test_ca_new(FABRIC_ID);
  g_autoptr(MdTestCa) other_ca = md_test_ca_new(FABRIC_ID);
  g_auto(Identity) admin = { 0 };
  g_auto(Identity) other_root = { 0 };
  g_auto(Identity) other_ipk = { 0 };
  static const guint8 wrong_ipk[16] = { 0x01 };
  g_autofree char *window = NULL;
  MatterSession *session;
  guint16 id;
  guint8 index;

  admin_init(&admin, ca);
  identity_init(&other_root, other_ca, ADMIN_NODE_ID, (const guint8 *) IPK);
  identity_init(&other_ipk, ca, ADMIN_NODE_ID, wrong_ipk);
  assert_case_refused(node, &admin);

  session = commission(node, ca, &admin, &index, NULL);
  id = session->local_session_id;
  assert_case_refused(node, &other_root);
  assert_case_refused(node, &other_ipk);
  /* Refusals leave the fabric as it was. */
  assert_committed_fabric(node, session, ca, index, "");

  /* The session answers, then goes with its fabric. */
  g_assert_cmpuint(remove_fabric(node, session, index), ==, NOC_STATUS_OK);
  g_assert_true(md_test_commissioner_wait_closed(node->commissioner, id, 2000));
  assert_case_refused(node, &admin);
  /* On no fabric any more, the node waits to be commissioned again. */
  window = md_test_node_window(node);
  g_assert_cmpstr(window, ==, "basic");
  g_assert_cmpuint(count_rows(node, "SELECT count(*) FROM fabric"), ==, 0);
  g_assert_cmpuint(count_rows(node, "SELECT count(*) FROM acl_entry"), ==, 0);
  g_assert_cmpuint(count_rows(node, "SELECT count(*) FROM resumption"), ==, 0);
}

/* ---- The fabric on D-Bus ---- */

/* The objects below /org/matterd, from the daemon's ObjectManager: path ->
 * a{sa{sv}} of its interfaces. */
static GVariant *
managed_objects(MdTestNode *node)
{
  g_autoptr(GError) error = NULL;
  GVariant *reply = g_dbus_connection_call_sync(
      node->connection, "org.matterd", "/org/matterd", "org.freedesktop.DBus.ObjectManager",
      "GetManagedObjects", NULL, G_VARIANT_TYPE("(a{oa{sa{sv}}})"), G_DBUS_CALL_FLAGS_NONE, 5000,
      NULL, &error);

  g_assert_no_error(error);
  return reply;
}

/* The properties of org.matterd.Fabric1 at @path, or NULL when there is
 * no such object. */
static GVariant *
fabric_properties(MdTestNode *node, const char *path)
{
  g_autoptr(GVariant) reply = managed_objects(node);
  g_autoptr(GVariant) objects = g_variant_get_child_value(reply, 0);
  g_autoptr(GVariant) interfaces = g_variant_lookup_value(objects, path, NULL);

  if (interfaces == NULL)
    return NULL;
  return g_variant_lookup_value(interfaces, "org.matterd.Fabric1", NULL);
}

/* What the D-Bus fabric object shows is the committed fabric: ids, vendor,
 * label and the root key the test's CA signs with; after RemoveFabric the
 * object is gone. */
static void
test_dbus_fabric(MdTestNode *node, gconstpointer data)
{
  g_autoptr(MdTestCa) ca = md_test_ca_new(FABRIC_ID);
  g_auto(Identity) admin = { 0 };
  g_autofree char *path = NULL;
  g_autoptr(GVariant) props = NULL, key = NULL, gone = NULL, fabric_count = NULL;
  MatterSession *session;
  guint8 cfid[MATTER_CASE_COMPRESSED_FABRIC_ID_LEN];
  guint64 fabric_id, node_id, compressed, want_cfid = 0;
  guint16 vendor_id;
  const char *label;
  guint8 fabric_index;
  gsize key_len;
  guint8 index;

  admin_init(&admin, ca);
  session = commission(node, ca, &admin, &index, NULL);
  path = g_strdup_printf("/org/matterd/fabric%u", index);
  props = fabric_properties(node, path);
  g_assert_nonnull(props);
  g_assert_true(g_variant_lookup(props, "FabricIndex", "y", &fabric_index));
  g_assert_true(g_variant_lookup(props, "FabricId", "t", &fabric_id));
  g_assert_true(g_variant_lookup(props, "NodeId", "t", &node_id));
  g_assert_true(g_variant_lookup(props, "VendorId", "q", &vendor_id));
  g_assert_true(g_variant_lookup(props, "Label", "&s", &label));
  g_assert_true(g_variant_lookup(props, "CompressedFabricId", "t", &compressed));
  key = g_variant_lookup_value(props, "RootPublicKey", G_VARIANT_TYPE_BYTESTRING);
  g_assert_nonnull(key);
  g_assert_cmpuint(fabric_index, ==, index);
  g_assert_cmpuint(fabric_id, ==, FABRIC_ID);
  g_assert_cmpuint(node_id, ==, NODE_ID);
  g_assert_cmpuint(vendor_id, ==, ADMIN_VENDOR_ID);
  g_assert_cmpstr(label, ==, "");
  g_assert_cmpmem(g_variant_get_fixed_array(key, &key_len, 1), key_len, ca->public_key,
                  MATTER_P256_PUBLIC_KEY_LEN);
  g_assert_cmpint(matter_case_compressed_fabric_id(ca->public_key, FABRIC_ID, cfid), ==, MATTER_OK);
  for (gsize i = 0; i < sizeof(cfid); i++)
    want_cfid = want_cfid << 8 | cfid[i];
  g_assert_cmpuint(compressed, ==, want_cfid);
  fabric_count = md_test_node_property(node, "FabricCount");
  g_assert_cmpuint(g_variant_get_byte(fabric_count), ==, 1);

  g_assert_cmpuint(remove_fabric(node, session, index), ==, NOC_STATUS_OK);
  md_test_commissioner_run_for(node->commissioner, 200);
  gone = fabric_properties(node, path);
  g_assert_null(gone);
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

  add_test("/case-udp/commission-complete", test_commission_complete);
  add_test("/case-udp/restart-keeps-fabric", test_restart_keeps_fabric);
  add_test("/case-udp/crash-before-complete", test_crash_before_complete);
  add_test("/case-udp/case-refusals", test_case_refusals);
  add_test("/case-udp/dbus-fabric", test_dbus_fabric);
  return g_test_run();
}
