/* SPDX-License-Identifier: Apache-2.0 */
/* Operational Credentials on a real node (in-memory storage, no sockets),
 * invoked as the engine would once access was granted: attestation, CSR,
 * the trusted root, every AddNOC error of 11.18.6.8 as its own test,
 * UpdateNOC, labels, RemoveFabric and vendor id verification, and what the
 * fail-safe does with it all: kept only in memory until
 * CommissioningComplete commits it in one transaction, dropped completely
 * on expiry. The CASE sessions are made up: CASE itself comes later. */

#include <glib.h>
#include <string.h>

#include "clusters/clusters.h"
#include "commissioning.h"
#include "fabric-table.h"
#include "matter/attestation.h"
#include "matter/cert.h"
#include "matter/event-log.h"
#include "matter/im.h"
#include "matter/payload.h"
#include "md-test-ca.h"
#include "md-test-core.h"
#include "md-error.h"
#include "md-test-storage.h"
#include "node.h"
#include "pase-server.h"

#define CLUSTER_ACCESS_CONTROL 0x001F
#define CLUSTER_GENERAL_COMMISSIONING 0x0030
#define CLUSTER_OPCREDS 0x003E
#define CMD_ARM_FAIL_SAFE 0x00
#define CMD_COMMISSIONING_COMPLETE 0x04
enum {
  CMD_ATTESTATION_REQUEST = 0x00,
  CMD_CERTIFICATE_CHAIN_REQUEST = 0x02,
  CMD_CSR_REQUEST = 0x04,
  CMD_ADD_NOC = 0x06,
  CMD_UPDATE_NOC = 0x07,
  CMD_UPDATE_FABRIC_LABEL = 0x09,
  CMD_REMOVE_FABRIC = 0x0A,
  CMD_ADD_TRUSTED_ROOT = 0x0B,
  CMD_SET_VID_VERIFICATION_STATEMENT = 0x0C,
  CMD_SIGN_VID_VERIFICATION_REQUEST = 0x0D,
};
enum {
  ATTR_NOCS = 0x0000,
  ATTR_FABRICS = 0x0001,
  ATTR_COMMISSIONED_FABRICS = 0x0003,
  ATTR_TRUSTED_ROOTS = 0x0004,
  ATTR_CURRENT_FABRIC_INDEX = 0x0005,
};

#define ADMIN_NODE_ID G_GUINT64_CONSTANT(0x0000000000001B669)
#define FABRIC_ID G_GUINT64_CONSTANT(0xFAB000000000001D)
#define NODE_ID G_GUINT64_CONSTANT(0x00000000DEDEDEDE)
#define IPK "\x4a\x71\xcd\xd7\xb2\xa3\xca\x90\x24\xf9\x6f\x3c\x96\xa1\x9d\xee"

typedef struct {
  guint64 now;
  MdTestStorage *storage;
  MatterSession secure[MD_NODE_HANDSHAKES_MAX + 8];
  MatterSession unsecured[2];
  MatterSessionTable sessions;
  MatterExchange slots[8];
  MatterExchangeManager exchanges;
  MdNode *node;
  guint8 supported;
  MatterSession *pase;
  guint8 dac_public_key[MATTER_P256_PUBLIC_KEY_LEN];
  GBytes *dac, *pai;
} Test;

static MatterError
discard(void *user_data, const MatterSession *session, const uint8_t *msg, size_t len)
{
  return MATTER_OK;
}

static MatterSession *
make_session(Test *t, MatterSessionKind kind, guint8 fabric_index, guint64 peer_node_id)
{
  MatterSessionSetup setup = {
    .kind = kind,
    .role = MATTER_SESSION_ROLE_RESPONDER,
    .peer_session_id = 100,
    .fabric_index = fabric_index,
    .peer_node_id = peer_node_id,
    .peer_address = { .transport = MATTER_TRANSPORT_UDP, .len = 1 },
  };
  MatterSession *session = NULL;

  g_assert_cmpint(matter_session_table_allocate(&t->sessions, t->now, &session), ==, MATTER_OK);
  g_assert_cmpint(matter_session_activate(&t->sessions, session, &setup, t->now), ==, MATTER_OK);
  for (gsize i = 0; i < sizeof(session->attestation_challenge); i++)
    session->attestation_challenge[i] = (guint8) g_random_int();
  return session;
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

static MdAttestationCreds *
dev_attestation(Test *t)
{
  g_autoptr(GBytes) key = read_dev_file("dac-key.pem");
  g_autoptr(GBytes) cd = read_dev_file("cd.der");
  g_autoptr(GError) error = NULL;
  MatterAttestationCertInfo info;
  MdAttestationFiles files = {
    .dac = t->dac,
    .pai = t->pai,
    .dac_key = key,
    .cd = cd,
    .dac_name = "dac",
    .pai_name = "pai",
    .dac_key_name = "key",
    .cd_name = "cd",
    .origin = "test",
    .development = TRUE,
  };
  MdAttestationCreds *creds = md_attestation_creds_new(&files, 0xFFF1, 0x8000, &error);

  g_assert_no_error(error);
  g_assert_cmpint(matter_attestation_cert_check(g_bytes_get_data(t->dac, NULL),
                                                g_bytes_get_size(t->dac), MATTER_ATTESTATION_DAC,
                                                &info),
                  ==, MATTER_OK);
  memcpy(t->dac_public_key, info.public_key, sizeof(t->dac_public_key));
  return creds;
}

static void
start_node(Test *t)
{
  MdNodeParams params = {
    .vendor_id = 0xFFF1,
    .product_id = 0x8000,
    .supported_fabrics = t->supported,
    .window_timeout = 900,
    .has_passcode = TRUE,
    .passcode = 20202021,
  };
  g_autoptr(GError) error = NULL;

  t->node = md_node_new(&params, md_test_storage_get(t->storage), dev_attestation(t),
                        &t->exchanges, &t->sessions, NULL, NULL, &error);
  g_assert_no_error(error);
  md_node_start(t->node, t->now);
}

static Test *
test_new_with(guint8 supported)
{
  static const MatterExchangeCallbacks callbacks = { .send = discard };
  Test *t = g_new0(Test, 1);

  t->now = 1000;
  t->supported = supported;
  t->storage = md_test_storage_new();
  t->dac = read_dev_file("dac-cert.der");
  t->pai = read_dev_file("pai-cert.der");
  g_assert_cmpint(matter_session_table_init(&t->sessions, t->secure, G_N_ELEMENTS(t->secure),
                                            t->unsecured, G_N_ELEMENTS(t->unsecured), NULL),
                  ==, MATTER_OK);
  g_assert_cmpint(matter_exchange_manager_init(&t->exchanges, &t->sessions, t->slots,
                                               G_N_ELEMENTS(t->slots), &callbacks, t, NULL),
                  ==, MATTER_OK);
  start_node(t);
  t->pase = make_session(t, MATTER_SESSION_KIND_PASE, 0, 0);
  return t;
}

static Test *
test_new(void)
{
  return test_new_with(5);
}

/* A restart on the same storage: what was committed is all there is. */
static void
restart(Test *t)
{
  md_node_free(t->node);
  matter_session_table_clear(&t->sessions);
  start_node(t);
}

static void
test_free(Test *t)
{
  md_node_free(t->node);
  matter_session_table_clear(&t->sessions);
  md_test_storage_free(t->storage);
  g_bytes_unref(t->dac);
  g_bytes_unref(t->pai);
  g_free(t);
}

/* ---- Invoking and reading ---- */

typedef struct {
  guint8 status;
  gboolean has_response;
  guint8 response[1024];
  gsize response_len;
} Answer;

static MatterAclSubject
subject_of(const MatterSession *session)
{
  return (MatterAclSubject) {
    .auth_mode = session->kind == MATTER_SESSION_KIND_CASE ? MATTER_ACL_AUTH_CASE
                                                            : MATTER_ACL_AUTH_PASE,
    .fabric_index = session->fabric_index,
  };
}

static Answer
invoke(Test *t, MatterSession *session, guint32 cluster_id, guint32 command, GBytes *fields)
{
  MatterDmCluster *cluster = matter_dm_find_cluster(md_node_get_dm(t->node), 0, cluster_id);
  MatterAclSubject subject = subject_of(session);
  MatterDmRequest request = {
    .session = session,
    .subject = &subject,
    .timed = TRUE,
    .now_ms = t->now,
  };
  MatterTlvWriter w;
  MatterTlvReader reader, *fields_reader = NULL;
  MatterDmInvokeResult result;
  Answer answer = { 0 };

  g_assert_nonnull(cluster);
  if (fields != NULL) {
    matter_tlv_reader_init(&reader, g_bytes_get_data(fields, NULL), g_bytes_get_size(fields));
    g_assert_cmpint(matter_tlv_next(&reader), ==, MATTER_OK);
    g_assert_cmpint(matter_tlv_enter(&reader), ==, MATTER_OK);
    fields_reader = &reader;
  }
  matter_tlv_writer_init(&w, answer.response, sizeof(answer.response));
  result = cluster->cls->invoke(cluster, &request, command, fields_reader, &w,
                                matter_tlv_tag_anonymous());
  answer.status = result.status;
  answer.has_response = result.has_response;
  if (result.has_response)
    g_assert_cmpint(matter_tlv_writer_finish(&w, &answer.response_len), ==, MATTER_OK);
  return answer;
}

/* A reader inside the response's fields. */
static void
response_reader(const Answer *answer, MatterTlvReader *r)
{
  g_assert_true(answer->has_response);
  matter_tlv_reader_init(r, answer->response, answer->response_len);
  g_assert_cmpint(matter_tlv_next(r), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_enter(r), ==, MATTER_OK);
}

/* The value of an attribute, as TLV with an anonymous tag. */
static GBytes *
read_attribute(Test *t, MatterSession *session, guint32 cluster_id, guint32 attribute,
               gboolean fabric_filtered)
{
  MatterDmCluster *cluster = matter_dm_find_cluster(md_node_get_dm(t->node), 0, cluster_id);
  MatterAclSubject subject = subject_of(session);
  MatterDmRequest request = {
    .session = session,
    .subject = &subject,
    .fabric_filtered = fabric_filtered,
    .now_ms = t->now,
  };
  guint8 out[4096];
  MatterTlvWriter w;
  gsize len;

  matter_tlv_writer_init(&w, out, sizeof(out));
  g_assert_cmpuint(cluster->cls->read(cluster, &request, attribute, &w, matter_tlv_tag_anonymous()),
                   ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpint(matter_tlv_writer_finish(&w, &len), ==, MATTER_OK);
  return g_bytes_new(out, len);
}

static guint
list_length(GBytes *value)
{
  MatterTlvReader r;
  guint n = 0;

  matter_tlv_reader_init(&r, g_bytes_get_data(value, NULL), g_bytes_get_size(value));
  g_assert_cmpint(matter_tlv_next(&r), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_enter(&r), ==, MATTER_OK);
  while (matter_tlv_next(&r) == MATTER_OK)
    n++;
  return n;
}

static guint64
read_uint(Test *t, MatterSession *session, guint32 cluster, guint32 attribute)
{
  g_autoptr(GBytes) value = read_attribute(t, session, cluster, attribute, FALSE);
  MatterTlvReader r;
  guint64 n;

  matter_tlv_reader_init(&r, g_bytes_get_data(value, NULL), g_bytes_get_size(value));
  g_assert_cmpint(matter_tlv_next(&r), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_get_u64(&r, &n), ==, MATTER_OK);
  return n;
}

static guint32
data_version(Test *t, guint32 cluster_id)
{
  return matter_dm_find_cluster(md_node_get_dm(t->node), 0, cluster_id)->data_version;
}

/* ---- Command fields ---- */

typedef struct {
  guint8 buf[1024];
  MatterTlvWriter w;
} Fields;

static void
fields_begin(Fields *f)
{
  matter_tlv_writer_init(&f->w, f->buf, sizeof(f->buf));
  matter_tlv_start_structure(&f->w, matter_tlv_tag_anonymous());
}

static GBytes *
fields_end(Fields *f)
{
  gsize len;

  matter_tlv_end_container(&f->w);
  g_assert_cmpint(matter_tlv_writer_finish(&f->w, &len), ==, MATTER_OK);
  return g_bytes_new(f->buf, len);
}

static void
put_bytes(Fields *f, guint8 tag, GBytes *bytes)
{
  matter_tlv_put_bytes(&f->w, matter_tlv_tag_context(tag), g_bytes_get_data(bytes, NULL),
                       g_bytes_get_size(bytes));
}

static Answer
arm(Test *t, MatterSession *session, guint16 seconds)
{
  guint8 buf[MD_TEST_FIELDS_MAX];
  gsize len = md_test_arm_fail_safe_fields(buf, seconds, 0);
  g_autoptr(GBytes) fields = g_bytes_new(buf, len);

  return invoke(t, session, CLUSTER_GENERAL_COMMISSIONING, CMD_ARM_FAIL_SAFE, fields);
}

static guint8
complete(Test *t, MatterSession *session)
{
  Answer a = invoke(t, session, CLUSTER_GENERAL_COMMISSIONING, CMD_COMMISSIONING_COMPLETE, NULL);
  MatterTlvReader r;
  guint8 code;

  if (!a.has_response)
    return 0xFF;
  response_reader(&a, &r);
  g_assert_cmpint(matter_tlv_get_context_u8(&r, 0, &code), ==, MATTER_OK);
  return code;
}

/* CSRRequest, checked as a commissioner checks it; the key the CSR is for
 * in @public_key. */
static Answer
csr_request(Test *t, MatterSession *session, gboolean for_update, guint8 *public_key)
{
  guint8 nonce[MATTER_CSR_NONCE_LEN];
  g_autoptr(GBytes) fields = NULL;
  MatterNocsrElements decoded;
  const uint8_t *elements, *signature;
  size_t elements_len, signature_len;
  MatterTlvReader r;
  Fields f;
  Answer a;

  for (gsize i = 0; i < sizeof(nonce); i++)
    nonce[i] = (guint8) i;
  fields_begin(&f);
  matter_tlv_put_bytes(&f.w, matter_tlv_tag_context(0), nonce, sizeof(nonce));
  if (for_update)
    matter_tlv_put_bool(&f.w, matter_tlv_tag_context(1), true);
  fields = fields_end(&f);
  a = invoke(t, session, CLUSTER_OPCREDS, CMD_CSR_REQUEST, fields);
  if (!a.has_response)
    return a;
  response_reader(&a, &r);
  g_assert_cmpint(matter_tlv_get_context_bytes(&r, 0, &elements, &elements_len), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_get_context_bytes(&r, 1, &signature, &signature_len), ==, MATTER_OK);
  g_assert_cmpuint(signature_len, ==, MATTER_P256_SIGNATURE_LEN);
  g_assert_cmpint(matter_nocsr_response_verify(t->dac_public_key, elements, elements_len,
                                               session->attestation_challenge, signature, nonce,
                                               &decoded, public_key),
                  ==, MATTER_OK);
  return a;
}

static guint8
add_root(Test *t, MatterSession *session, GBytes *rcac)
{
  g_autoptr(GBytes) fields = NULL;
  Fields f;

  fields_begin(&f);
  put_bytes(&f, 0, rcac);
  fields = fields_end(&f);
  return invoke(t, session, CLUSTER_OPCREDS, CMD_ADD_TRUSTED_ROOT, fields).status;
}

/* An NOCResponse's StatusCode and FabricIndex (0 when absent). */
typedef struct {
  guint8 status; /* the IM status when there is no NOCResponse */
  gboolean has_response;
  guint8 code;
  guint8 fabric_index;
} NocAnswer;

static NocAnswer
noc_answer(Answer a)
{
  NocAnswer n = { .status = a.status, .has_response = a.has_response };
  MatterTlvReader r;

  if (!a.has_response)
    return n;
  response_reader(&a, &r);
  g_assert_cmpint(matter_tlv_get_context_u8(&r, 0, &n.code), ==, MATTER_OK);
  if (matter_tlv_get_context_u8(&r, 1, &n.fabric_index) != MATTER_OK)
    n.fabric_index = 0;
  return n;
}

typedef struct {
  GBytes *noc;
  GBytes *icac;
  const char *ipk;
  gsize ipk_len;
  guint64 admin_subject;
  guint16 admin_vendor_id;
} AddNoc;

static NocAnswer
add_noc(Test *t, MatterSession *session, const AddNoc *args)
{
  g_autoptr(GBytes) fields = NULL;
  Fields f;

  fields_begin(&f);
  put_bytes(&f, 0, args->noc);
  if (args->icac != NULL)
    put_bytes(&f, 1, args->icac);
  matter_tlv_put_bytes(&f.w, matter_tlv_tag_context(2), (const guint8 *) args->ipk,
                       args->ipk_len);
  matter_tlv_put_uint(&f.w, matter_tlv_tag_context(3), args->admin_subject);
  matter_tlv_put_uint(&f.w, matter_tlv_tag_context(4), args->admin_vendor_id);
  fields = fields_end(&f);
  return noc_answer(invoke(t, session, CLUSTER_OPCREDS, CMD_ADD_NOC, fields));
}

static AddNoc
add_noc_args(GBytes *noc)
{
  return (AddNoc) { noc, NULL, IPK, 16, ADMIN_NODE_ID, 0xFFF1 };
}

static void
assert_noc(NocAnswer n, guint8 code)
{
  g_assert_cmpuint(n.status, ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_true(n.has_response);
  g_assert_cmpuint(n.code, ==, code);
}

/* Arm, root, CSR: what AddNOC needs; the NOC for the CSR's key. */
static GBytes *
prepare_add_noc(Test *t, MdTestCa *ca, guint64 node_id)
{
  guint8 key[MATTER_P256_PUBLIC_KEY_LEN];

  g_assert_cmpuint(arm(t, t->pase, 60).status, ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(add_root(t, t->pase, ca->rcac), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(csr_request(t, t->pase, FALSE, key).status, ==, MATTER_IM_STATUS_SUCCESS);
  return md_test_ca_issue_noc(ca, key, node_id, 0, NULL, 0);
}

/* A full commissioning over PASE, completed over a CASE session of the
 * new fabric: the fabric index it got. The PASE session is gone after;
 * a new one takes its place for the next commissioning. */
static guint8
commission(Test *t, MdTestCa *ca, guint64 node_id, MatterSession **case_session)
{
  g_autoptr(GBytes) noc = prepare_add_noc(t, ca, node_id);
  AddNoc args = add_noc_args(noc);
  NocAnswer n = add_noc(t, t->pase, &args);
  MatterSession *session;

  assert_noc(n, MD_NOC_STATUS_OK);
  session = make_session(t, MATTER_SESSION_KIND_CASE, n.fabric_index, ADMIN_NODE_ID);
  g_assert_cmpuint(complete(t, session), ==, 0);
  if (case_session != NULL)
    *case_session = session;
  /* Commissioning complete closed the window and the PASE session: open
   * another window for the next. */
  t->pase = make_session(t, MATTER_SESSION_KIND_PASE, 0, 0);
  return n.fabric_index;
}

static void
run_until(Test *t, guint64 when)
{
  while (t->now < when) {
    t->now = MIN(when, MAX(t->now + 1, md_node_next_deadline(t->node)));
    md_node_process(t->node, t->now);
  }
}

static guint
fabric_count(Test *t)
{
  return md_fabric_table_count(md_node_get_fabrics(t->node));
}

/* ---- Attestation ---- */

static void
test_attestation_request(void)
{
  Test *t = test_new();
  guint8 nonce[MATTER_ATTESTATION_NONCE_LEN];
  g_autoptr(GBytes) fields = NULL, short_fields = NULL;
  MatterAttestationElements decoded;
  const uint8_t *elements, *signature;
  size_t elements_len, signature_len;
  MatterTlvReader r;
  Fields f;
  Answer a;

  for (gsize i = 0; i < sizeof(nonce); i++)
    nonce[i] = (guint8) (0xA0 + i);
  fields_begin(&f);
  matter_tlv_put_bytes(&f.w, matter_tlv_tag_context(0), nonce, sizeof(nonce));
  fields = fields_end(&f);
  a = invoke(t, t->pase, CLUSTER_OPCREDS, CMD_ATTESTATION_REQUEST, fields);
  response_reader(&a, &r);
  g_assert_cmpint(matter_tlv_get_context_bytes(&r, 0, &elements, &elements_len), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_get_context_bytes(&r, 1, &signature, &signature_len), ==, MATTER_OK);
  g_assert_cmpuint(signature_len, ==, MATTER_P256_SIGNATURE_LEN);
  g_assert_cmpint(matter_attestation_response_verify(t->dac_public_key, elements, elements_len,
                                                     t->pase->attestation_challenge, signature,
                                                     nonce, &decoded),
                  ==, MATTER_OK);
  g_assert_cmpmem(decoded.attestation_nonce, MATTER_ATTESTATION_NONCE_LEN, nonce, sizeof(nonce));
  /* Signed over this session's challenge: another session's fails. */
  g_assert_cmpint(matter_attestation_signature_verify(t->dac_public_key, elements, elements_len,
                                                      t->secure[0].attestation_challenge[0] ==
                                                              t->pase->attestation_challenge[0]
                                                          ? (const guint8 *) "0123456789abcdef"
                                                          : t->secure[0].attestation_challenge,
                                                      signature),
                  ==, MATTER_ERROR_INVALID_SIGNATURE);

  fields_begin(&f);
  matter_tlv_put_bytes(&f.w, matter_tlv_tag_context(0), nonce, sizeof(nonce) - 1);
  short_fields = fields_end(&f);
  g_assert_cmpuint(invoke(t, t->pase, CLUSTER_OPCREDS, CMD_ATTESTATION_REQUEST, short_fields).status,
                   ==, MATTER_IM_STATUS_INVALID_COMMAND);
  g_assert_cmpuint(invoke(t, t->pase, CLUSTER_OPCREDS, CMD_ATTESTATION_REQUEST, NULL).status, ==,
                   MATTER_IM_STATUS_INVALID_COMMAND);
  test_free(t);
}

static void
test_certificate_chain_request(void)
{
  Test *t = test_new();

  for (guint8 type = 0; type <= 3; type++) {
    g_autoptr(GBytes) fields = NULL;
    const uint8_t *cert;
    size_t len;
    MatterTlvReader r;
    Fields f;
    Answer a;

    fields_begin(&f);
    matter_tlv_put_uint(&f.w, matter_tlv_tag_context(0), type);
    fields = fields_end(&f);
    a = invoke(t, t->pase, CLUSTER_OPCREDS, CMD_CERTIFICATE_CHAIN_REQUEST, fields);
    if (type != 1 && type != 2) {
      g_assert_cmpuint(a.status, ==, MATTER_IM_STATUS_INVALID_COMMAND);
      continue;
    }
    response_reader(&a, &r);
    g_assert_cmpint(matter_tlv_get_context_bytes(&r, 0, &cert, &len), ==, MATTER_OK);
    g_assert_cmpmem(cert, len, g_bytes_get_data(type == 1 ? t->dac : t->pai, NULL),
                    g_bytes_get_size(type == 1 ? t->dac : t->pai));
  }
  test_free(t);
}

static void
test_csr_request(void)
{
  Test *t = test_new();
  guint8 first[MATTER_P256_PUBLIC_KEY_LEN], second[MATTER_P256_PUBLIC_KEY_LEN];

  g_assert_cmpuint(csr_request(t, t->pase, FALSE, first).status, ==,
                   MATTER_IM_STATUS_FAILSAFE_REQUIRED);
  g_assert_cmpuint(arm(t, t->pase, 60).status, ==, MATTER_IM_STATUS_SUCCESS);
  /* IsForUpdateNOC from a session with no fabric: nothing to update. */
  g_assert_cmpuint(csr_request(t, t->pase, TRUE, first).status, ==,
                   MATTER_IM_STATUS_INVALID_COMMAND);
  g_assert_cmpuint(csr_request(t, t->pase, FALSE, first).status, ==, MATTER_IM_STATUS_SUCCESS);
  /* A second request: a new key pair. */
  g_assert_cmpuint(csr_request(t, t->pase, FALSE, second).status, ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpmem(first, 16, first, 16);
  g_assert_true(memcmp(first, second, sizeof(first)) != 0);
  test_free(t);
}

static void
test_add_trusted_root(void)
{
  Test *t = test_new();
  g_autoptr(MdTestCa) ca = md_test_ca_new(FABRIC_ID);
  g_autoptr(GBytes) garbage = g_bytes_new_static("\x15\x18", 2);
  g_autoptr(GBytes) noc = md_test_ca_issue_noc(ca, ca->public_key, NODE_ID, 0, NULL, 0);
  g_autoptr(GBytes) roots = NULL;
  guint32 version;

  g_assert_cmpuint(add_root(t, t->pase, ca->rcac), ==, MATTER_IM_STATUS_FAILSAFE_REQUIRED);
  g_assert_cmpuint(arm(t, t->pase, 60).status, ==, MATTER_IM_STATUS_SUCCESS);
  g_test_expect_message("matterd", G_LOG_LEVEL_MESSAGE, "AddTrustedRootCertificate: *");
  g_assert_cmpuint(add_root(t, t->pase, garbage), ==, MATTER_IM_STATUS_INVALID_COMMAND);
  g_test_expect_message("matterd", G_LOG_LEVEL_MESSAGE, "AddTrustedRootCertificate: *");
  g_assert_cmpuint(add_root(t, t->pase, noc), ==, MATTER_IM_STATUS_INVALID_COMMAND);
  g_test_assert_expected_messages();
  version = data_version(t, CLUSTER_OPCREDS);
  g_assert_cmpuint(add_root(t, t->pase, ca->rcac), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(data_version(t, CLUSTER_OPCREDS), >, version);
  roots = read_attribute(t, t->pase, CLUSTER_OPCREDS, ATTR_TRUSTED_ROOTS, FALSE);
  g_assert_cmpuint(list_length(roots), ==, 1);
  /* One root per fail-safe. */
  g_assert_cmpuint(add_root(t, t->pase, ca->rcac), ==, MATTER_IM_STATUS_CONSTRAINT_ERROR);
  test_free(t);
}

/* ---- AddNOC: each error of 11.18.6.8 ---- */

static void
test_add_noc_failsafe_required(void)
{
  Test *t = test_new();
  g_autoptr(MdTestCa) ca = md_test_ca_new(FABRIC_ID);
  g_autoptr(GBytes) noc = md_test_ca_issue_noc(ca, ca->public_key, NODE_ID, 0, NULL, 0);
  AddNoc args = add_noc_args(noc);

  g_assert_cmpuint(add_noc(t, t->pase, &args).status, ==, MATTER_IM_STATUS_FAILSAFE_REQUIRED);
  test_free(t);
}

static void
test_add_noc_twice(void)
{
  Test *t = test_new();
  g_autoptr(MdTestCa) ca = md_test_ca_new(FABRIC_ID);
  g_autoptr(GBytes) noc = prepare_add_noc(t, ca, NODE_ID);
  AddNoc args = add_noc_args(noc);

  assert_noc(add_noc(t, t->pase, &args), MD_NOC_STATUS_OK);
  g_assert_cmpuint(add_noc(t, t->pase, &args).status, ==, MATTER_IM_STATUS_CONSTRAINT_ERROR);
  g_assert_cmpuint(fabric_count(t), ==, 1);
  test_free(t);
}

static void
test_add_noc_after_update_csr(void)
{
  Test *t = test_new();
  g_autoptr(MdTestCa) ca = md_test_ca_new(FABRIC_ID);
  g_autoptr(MdTestCa) other = md_test_ca_new(FABRIC_ID + 1);
  guint8 key[MATTER_P256_PUBLIC_KEY_LEN];
  g_autoptr(GBytes) noc = NULL;
  MatterSession *admin;
  AddNoc args;

  commission(t, ca, NODE_ID, &admin);
  md_commissioning_close(md_node_get_commissioning(t->node), "test");
  g_assert_cmpuint(arm(t, admin, 60).status, ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(add_root(t, admin, other->rcac), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(csr_request(t, admin, TRUE, key).status, ==, MATTER_IM_STATUS_SUCCESS);
  noc = md_test_ca_issue_noc(other, key, NODE_ID, 0, NULL, 0);
  args = add_noc_args(noc);
  g_assert_cmpuint(add_noc(t, admin, &args).status, ==, MATTER_IM_STATUS_CONSTRAINT_ERROR);
  test_free(t);
}

static void
test_add_noc_without_root(void)
{
  Test *t = test_new();
  g_autoptr(MdTestCa) ca = md_test_ca_new(FABRIC_ID);
  guint8 key[MATTER_P256_PUBLIC_KEY_LEN];
  g_autoptr(GBytes) noc = NULL;
  AddNoc args;

  g_assert_cmpuint(arm(t, t->pase, 60).status, ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(csr_request(t, t->pase, FALSE, key).status, ==, MATTER_IM_STATUS_SUCCESS);
  noc = md_test_ca_issue_noc(ca, key, NODE_ID, 0, NULL, 0);
  args = add_noc_args(noc);
  g_test_expect_message("matterd", G_LOG_LEVEL_MESSAGE, "*AddTrustedRootCertificate first*");
  assert_noc(add_noc(t, t->pase, &args), MD_NOC_STATUS_INVALID_NOC);
  g_test_assert_expected_messages();
  test_free(t);
}

static void
test_add_noc_missing_csr(void)
{
  Test *t = test_new();
  g_autoptr(MdTestCa) ca = md_test_ca_new(FABRIC_ID);
  g_autoptr(GBytes) noc = md_test_ca_issue_noc(ca, ca->public_key, NODE_ID, 0, NULL, 0);
  AddNoc args = add_noc_args(noc);

  g_assert_cmpuint(arm(t, t->pase, 60).status, ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(add_root(t, t->pase, ca->rcac), ==, MATTER_IM_STATUS_SUCCESS);
  g_test_expect_message("matterd", G_LOG_LEVEL_MESSAGE, "*CSRRequest first*");
  assert_noc(add_noc(t, t->pase, &args), MD_NOC_STATUS_MISSING_CSR);
  g_test_assert_expected_messages();
  test_free(t);
}

/* A NOC another root signed. */
static void
test_add_noc_invalid_chain(void)
{
  Test *t = test_new();
  g_autoptr(MdTestCa) ca = md_test_ca_new(FABRIC_ID);
  g_autoptr(MdTestCa) other = md_test_ca_new(FABRIC_ID);
  guint8 key[MATTER_P256_PUBLIC_KEY_LEN];
  g_autoptr(GBytes) noc = NULL;
  AddNoc args;

  g_assert_cmpuint(arm(t, t->pase, 60).status, ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(add_root(t, t->pase, ca->rcac), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(csr_request(t, t->pase, FALSE, key).status, ==, MATTER_IM_STATUS_SUCCESS);
  noc = md_test_ca_issue_noc(other, key, NODE_ID, 0, NULL, 0);
  args = add_noc_args(noc);
  g_test_expect_message("matterd", G_LOG_LEVEL_MESSAGE, "Operational Credentials: *");
  assert_noc(add_noc(t, t->pase, &args), MD_NOC_STATUS_INVALID_NOC);
  g_test_assert_expected_messages();
  g_assert_cmpuint(fabric_count(t), ==, 0);
  test_free(t);
}

static void
test_add_noc_invalid_node_id(void)
{
  Test *t = test_new();
  g_autoptr(MdTestCa) ca = md_test_ca_new(FABRIC_ID);
  /* 0xFFFF_FFFD_...: a CAT, not an operational node id. */
  g_autoptr(GBytes) noc = prepare_add_noc(t, ca, G_GUINT64_CONSTANT(0xFFFFFFFD00010001));
  AddNoc args = add_noc_args(noc);

  g_test_expect_message("matterd", G_LOG_LEVEL_MESSAGE, "*not an operational node id*");
  assert_noc(add_noc(t, t->pase, &args), MD_NOC_STATUS_INVALID_NODE_OP_ID);
  g_test_assert_expected_messages();
  test_free(t);
}

/* A NOC for another key than the CSR's. */
static void
test_add_noc_invalid_public_key(void)
{
  Test *t = test_new();
  g_autoptr(MdTestCa) ca = md_test_ca_new(FABRIC_ID);
  g_autoptr(GBytes) noc = NULL;
  AddNoc args;

  g_clear_pointer(&noc, g_bytes_unref);
  noc = prepare_add_noc(t, ca, NODE_ID);
  g_bytes_unref(noc);
  noc = md_test_ca_issue_noc(ca, ca->public_key, NODE_ID, 0, NULL, 0);
  args = add_noc_args(noc);
  g_test_expect_message("matterd", G_LOG_LEVEL_MESSAGE, "*not for the key of the CSR*");
  assert_noc(add_noc(t, t->pase, &args), MD_NOC_STATUS_INVALID_PUBLIC_KEY);
  g_test_assert_expected_messages();
  test_free(t);
}

static void
test_add_noc_fabric_conflict(void)
{
  Test *t = test_new();
  g_autoptr(MdTestCa) ca = md_test_ca_new(FABRIC_ID);
  g_autoptr(GBytes) noc = NULL;
  AddNoc args;

  commission(t, ca, NODE_ID, NULL);
  md_commissioning_open_basic(md_node_get_commissioning(t->node), 180, 0, t->now, NULL);
  noc = prepare_add_noc(t, ca, NODE_ID + 1);
  args = add_noc_args(noc);
  g_test_expect_message("matterd", G_LOG_LEVEL_MESSAGE, "*already on that fabric*");
  assert_noc(add_noc(t, t->pase, &args), MD_NOC_STATUS_FABRIC_CONFLICT);
  g_test_assert_expected_messages();
  test_free(t);
}

static void
test_add_noc_table_full(void)
{
  Test *t = test_new_with(5);
  g_autoptr(GBytes) noc = NULL;
  g_autoptr(MdTestCa) last = md_test_ca_new(FABRIC_ID + 5);
  AddNoc args;

  for (guint i = 0; i < 5; i++) {
    g_autoptr(MdTestCa) ca = md_test_ca_new(FABRIC_ID + i);

    g_assert_cmpuint(commission(t, ca, NODE_ID, NULL), ==, i + 1);
    md_commissioning_open_basic(md_node_get_commissioning(t->node), 180, 0, t->now, NULL);
  }
  g_assert_cmpuint(read_uint(t, t->pase, CLUSTER_OPCREDS, ATTR_COMMISSIONED_FABRICS), ==, 5);
  noc = prepare_add_noc(t, last, NODE_ID);
  args = add_noc_args(noc);
  g_test_expect_message("matterd", G_LOG_LEVEL_MESSAGE, "*table is full*");
  assert_noc(add_noc(t, t->pase, &args), MD_NOC_STATUS_TABLE_FULL);
  g_test_assert_expected_messages();
  test_free(t);
}

static void
test_add_noc_invalid_admin_subject(void)
{
  static const guint64 invalid[] = {
    0,                                     /* unspecified */
    G_GUINT64_CONSTANT(0xFFFFFFFB00000001), /* a PAKE key id */
    G_GUINT64_CONSTANT(0xFFFFFFFD00010000), /* a CAT of version 0 */
    G_GUINT64_CONSTANT(0xFFFFFFFFFFFF0001), /* a group */
  };
  Test *t = test_new();
  g_autoptr(MdTestCa) ca = md_test_ca_new(FABRIC_ID);
  g_autoptr(GBytes) noc = prepare_add_noc(t, ca, NODE_ID);
  AddNoc args = add_noc_args(noc);

  for (gsize i = 0; i < G_N_ELEMENTS(invalid); i++) {
    args.admin_subject = invalid[i];
    g_test_expect_message("matterd", G_LOG_LEVEL_MESSAGE, "*neither a node id nor a CAT*");
    assert_noc(add_noc(t, t->pase, &args), MD_NOC_STATUS_INVALID_ADMIN_SUBJECT);
    g_test_assert_expected_messages();
  }
  /* A CAT is a valid administrator. */
  args.admin_subject = G_GUINT64_CONSTANT(0xFFFFFFFD00010001);
  assert_noc(add_noc(t, t->pase, &args), MD_NOC_STATUS_OK);
  test_free(t);
}

static void
test_add_noc_field_checks(void)
{
  Test *t = test_new();
  g_autoptr(MdTestCa) ca = md_test_ca_new(FABRIC_ID);
  g_autoptr(GBytes) noc = prepare_add_noc(t, ca, NODE_ID);
  g_autoptr(GBytes) missing = NULL;
  AddNoc args = add_noc_args(noc);
  Fields f;

  args.ipk_len = 15;
  g_assert_cmpuint(add_noc(t, t->pase, &args).status, ==, MATTER_IM_STATUS_CONSTRAINT_ERROR);
  args = add_noc_args(noc);
  args.admin_vendor_id = 0;
  g_assert_cmpuint(add_noc(t, t->pase, &args).status, ==, MATTER_IM_STATUS_CONSTRAINT_ERROR);
  args.admin_vendor_id = 0xFFF5;
  g_assert_cmpuint(add_noc(t, t->pase, &args).status, ==, MATTER_IM_STATUS_CONSTRAINT_ERROR);
  fields_begin(&f);
  put_bytes(&f, 0, noc);
  missing = fields_end(&f);
  g_assert_cmpuint(invoke(t, t->pase, CLUSTER_OPCREDS, CMD_ADD_NOC, missing).status, ==,
                   MATTER_IM_STATUS_INVALID_COMMAND);
  g_assert_cmpuint(fabric_count(t), ==, 0);
  test_free(t);
}

/* Success: a pending fabric in every view, nothing stored, the PASE
 * session and the fail-safe on the new fabric, the administrator's entry
 * in the ACL. */
static void
test_add_noc_pending(void)
{
  Test *t = test_new();
  g_autoptr(MdTestCa) ca = md_test_ca_new(FABRIC_ID);
  g_autoptr(GBytes) noc = prepare_add_noc(t, ca, NODE_ID);
  g_autoptr(GBytes) fabrics = NULL, nocs = NULL, acl = NULL;
  AddNoc args = add_noc_args(noc);
  guint calls = md_test_storage_calls(t->storage);
  const MdFabric *fabric;
  NocAnswer n;
  gsize count;
  const MatterAclEntry *entries;

  n = add_noc(t, t->pase, &args);
  assert_noc(n, MD_NOC_STATUS_OK);
  g_assert_cmpuint(n.fabric_index, ==, 1);
  g_assert_cmpuint(md_test_storage_calls(t->storage), ==, calls);
  g_assert_cmpuint(t->pase->fabric_index, ==, 1);
  g_assert_cmpuint(read_uint(t, t->pase, CLUSTER_OPCREDS, ATTR_CURRENT_FABRIC_INDEX), ==, 1);
  g_assert_cmpuint(read_uint(t, t->pase, CLUSTER_OPCREDS, ATTR_COMMISSIONED_FABRICS), ==, 1);
  fabrics = read_attribute(t, t->pase, CLUSTER_OPCREDS, ATTR_FABRICS, TRUE);
  g_assert_cmpuint(list_length(fabrics), ==, 1);
  nocs = read_attribute(t, t->pase, CLUSTER_OPCREDS, ATTR_NOCS, TRUE);
  g_assert_cmpuint(list_length(nocs), ==, 1);
  fabric = md_fabric_table_get(md_node_get_fabrics(t->node), 1);
  g_assert_nonnull(fabric);
  g_assert_cmpuint(fabric->fabric_id, ==, FABRIC_ID);
  g_assert_cmpuint(fabric->node_id, ==, NODE_ID);
  g_assert_cmpuint(fabric->vendor_id, ==, 0xFFF1);
  g_assert_cmpmem(g_bytes_get_data(fabric->ipk_epoch_key, NULL), 16, IPK, 16);
  entries = md_fabric_table_acl(md_node_get_fabrics(t->node), &count);
  g_assert_cmpuint(count, ==, 1);
  g_assert_cmpuint(entries[0].fabric_index, ==, 1);
  g_assert_cmpuint(entries[0].privilege, ==, MATTER_ACL_PRIVILEGE_ADMINISTER);
  g_assert_cmpuint(entries[0].auth_mode, ==, MATTER_ACL_AUTH_CASE);
  g_assert_cmpuint(entries[0].subject_count, ==, 1);
  g_assert_cmpuint(entries[0].subjects[0], ==, ADMIN_NODE_ID);
  acl = read_attribute(t, t->pase, CLUSTER_ACCESS_CONTROL, 0x0000, TRUE);
  g_assert_cmpuint(list_length(acl), ==, 1);
  /* CommissioningComplete must come over CASE. */
  g_assert_cmpuint(complete(t, t->pase), ==, 2 /* InvalidAuthentication */);
  test_free(t);
}

/* Indexes go up, wrapping from 254 to 1, across restarts. */
static void
test_add_noc_index_wraps(void)
{
  Test *t = test_new();
  MatterSession *admin;
  guint8 first, second;

  g_assert_true(md_node_storage_put_uint64(md_test_storage_get(t->storage),
                                           "fabric-table/next-index", 253, NULL));
  restart(t);
  t->pase = make_session(t, MATTER_SESSION_KIND_PASE, 0, 0);
  {
    g_autoptr(MdTestCa) ca = md_test_ca_new(FABRIC_ID);

    first = commission(t, ca, NODE_ID, &admin);
  }
  g_assert_cmpuint(first, ==, 254);
  restart(t);
  t->pase = make_session(t, MATTER_SESSION_KIND_PASE, 0, 0);
  md_commissioning_open_basic(md_node_get_commissioning(t->node), 180, 0, t->now, NULL);
  {
    g_autoptr(MdTestCa) ca = md_test_ca_new(FABRIC_ID + 1);

    second = commission(t, ca, NODE_ID, NULL);
  }
  g_assert_cmpuint(second, ==, 1);
  test_free(t);
}

/* ---- The fail-safe around it ---- */

static void
test_expiry_rolls_back(void)
{
  Test *t = test_new();
  g_autoptr(MdTestCa) ca = md_test_ca_new(FABRIC_ID);
  g_autoptr(GBytes) noc = prepare_add_noc(t, ca, NODE_ID);
  g_autoptr(GBytes) roots = NULL;
  AddNoc args = add_noc_args(noc);
  guint count_before = md_test_storage_count(t->storage);
  guint32 opcreds_version, acl_version;
  gsize acl_count;

  assert_noc(add_noc(t, t->pase, &args), MD_NOC_STATUS_OK);
  opcreds_version = data_version(t, CLUSTER_OPCREDS);
  acl_version = data_version(t, CLUSTER_ACCESS_CONTROL);
  g_test_expect_message("matterd", G_LOG_LEVEL_MESSAGE, "Fail-safe expired*");
  g_test_expect_message("matterd", G_LOG_LEVEL_MESSAGE, "Dropping the fabric*");
  run_until(t, t->now + 61 * 1000);
  g_test_assert_expected_messages();
  g_assert_cmpuint(fabric_count(t), ==, 0);
  md_fabric_table_acl(md_node_get_fabrics(t->node), &acl_count);
  g_assert_cmpuint(acl_count, ==, 0);
  /* The views changed back: their data versions moved on, not back. */
  g_assert_cmpuint(data_version(t, CLUSTER_OPCREDS), >, opcreds_version);
  g_assert_cmpuint(data_version(t, CLUSTER_ACCESS_CONTROL), >, acl_version);
  /* The PASE session went; nothing was stored. */
  g_assert_cmpuint(matter_session_table_count(&t->sessions), ==, 0);
  g_assert_cmpuint(md_test_storage_count(t->storage), ==, count_before);
  t->pase = make_session(t, MATTER_SESSION_KIND_PASE, 0, 0);
  roots = read_attribute(t, t->pase, CLUSTER_OPCREDS, ATTR_TRUSTED_ROOTS, FALSE);
  g_assert_cmpuint(list_length(roots), ==, 0);
  restart(t);
  g_assert_cmpuint(fabric_count(t), ==, 0);
  test_free(t);
}

/* ArmFailSafe(0) is an expiry too. */
static void
test_disarm_rolls_back(void)
{
  Test *t = test_new();
  g_autoptr(MdTestCa) ca = md_test_ca_new(FABRIC_ID);
  g_autoptr(GBytes) noc = prepare_add_noc(t, ca, NODE_ID);
  AddNoc args = add_noc_args(noc);

  assert_noc(add_noc(t, t->pase, &args), MD_NOC_STATUS_OK);
  g_assert_cmpuint(arm(t, t->pase, 0).status, ==, MATTER_IM_STATUS_SUCCESS);
  g_test_expect_message("matterd", G_LOG_LEVEL_MESSAGE, "Fail-safe expired*");
  g_test_expect_message("matterd", G_LOG_LEVEL_MESSAGE, "Dropping the fabric*");
  md_node_process(t->node, t->now);
  g_test_assert_expected_messages();
  g_assert_cmpuint(fabric_count(t), ==, 0);
  test_free(t);
}

/* The PASE session that armed the fail-safe closing (the peer's
 * CloseSession, an eviction) ends the fail-safe with it; another
 * session's closing does not. */
static void
test_pase_close_rolls_back(void)
{
  Test *t = test_new();
  g_autoptr(MdTestCa) ca = md_test_ca_new(FABRIC_ID);
  g_autoptr(GBytes) noc = prepare_add_noc(t, ca, NODE_ID);
  AddNoc args = add_noc_args(noc);
  MatterSession *other = make_session(t, MATTER_SESSION_KIND_PASE, 0, 0);

  assert_noc(add_noc(t, t->pase, &args), MD_NOC_STATUS_OK);
  md_node_session_closing(t->node, other, t->now);
  md_node_process(t->node, t->now);
  g_assert_cmpuint(fabric_count(t), ==, 1);

  g_test_expect_message("matterd", G_LOG_LEVEL_MESSAGE, "The PASE session that armed*");
  md_node_session_closing(t->node, t->pase, t->now);
  g_test_assert_expected_messages();
  matter_exchange_manager_remove_session(&t->exchanges, t->pase, t->now);
  g_assert_cmpuint(md_node_next_deadline(t->node), <=, t->now);
  g_test_expect_message("matterd", G_LOG_LEVEL_MESSAGE, "Fail-safe expired*");
  g_test_expect_message("matterd", G_LOG_LEVEL_MESSAGE, "Dropping the fabric*");
  md_node_process(t->node, t->now);
  g_test_assert_expected_messages();
  g_assert_cmpuint(fabric_count(t), ==, 0);
  test_free(t);
}

static void
test_complete_commits(void)
{
  Test *t = test_new();
  g_autoptr(MdTestCa) ca = md_test_ca_new(FABRIC_ID);
  MatterSession *admin;
  const MdFabric *fabric;
  const MatterAclEntry *entries;
  gsize count;
  guint8 index = commission(t, ca, NODE_ID, &admin);

  g_assert_cmpuint(index, ==, 1);
  g_assert_cmpint(md_commissioning_get_window(md_node_get_commissioning(t->node)), ==,
                  MD_WINDOW_CLOSED);
  restart(t);
  fabric = md_fabric_table_get(md_node_get_fabrics(t->node), 1);
  g_assert_nonnull(fabric);
  g_assert_cmpuint(fabric->node_id, ==, NODE_ID);
  g_assert_cmpuint(md_fabric_table_count_committed(md_node_get_fabrics(t->node)), ==, 1);
  entries = md_fabric_table_acl(md_node_get_fabrics(t->node), &count);
  g_assert_cmpuint(count, ==, 1);
  g_assert_cmpuint(entries[0].subjects[0], ==, ADMIN_NODE_ID);
  /* Committed: no window at start. */
  g_assert_cmpint(md_commissioning_get_window(md_node_get_commissioning(t->node)), ==,
                  MD_WINDOW_CLOSED);
  test_free(t);
}

/* A commit that fails answers FAILURE, stays armed and stores nothing;
 * the retry then succeeds. */
static void
test_complete_commit_fails(void)
{
  Test *t = test_new();
  g_autoptr(MdTestCa) ca = md_test_ca_new(FABRIC_ID);
  g_autoptr(GBytes) noc = prepare_add_noc(t, ca, NODE_ID);
  AddNoc args = add_noc_args(noc);
  guint count_before = md_test_storage_count(t->storage);
  MatterSession *admin;
  NocAnswer n = add_noc(t, t->pase, &args);

  assert_noc(n, MD_NOC_STATUS_OK);
  admin = make_session(t, MATTER_SESSION_KIND_CASE, n.fabric_index, ADMIN_NODE_ID);
  for (guint call = 1; call <= 5; call++) {
    md_test_storage_fail_at(t->storage, call);
    g_test_expect_message("matterd", G_LOG_LEVEL_WARNING, "Cannot store the commissioned fabric*");
    g_assert_cmpuint(complete(t, admin), ==, 0xFF);
    g_test_assert_expected_messages();
    g_assert_false(md_test_storage_in_transaction(t->storage));
    g_assert_cmpuint(md_test_storage_count(t->storage), ==, count_before);
    g_assert_cmpuint(fabric_count(t), ==, 1);
    g_assert_cmpuint(md_fabric_table_count_committed(md_node_get_fabrics(t->node)), ==, 0);
  }
  md_test_storage_fail_at(t->storage, 0);
  g_assert_cmpuint(complete(t, admin), ==, 0);
  g_assert_cmpuint(md_fabric_table_count_committed(md_node_get_fabrics(t->node)), ==, 1);
  test_free(t);
}

/* ---- Access control entries of the pending fabric ---- */

/* One Write of the ACL attribute, as the engine makes it once access was
 * granted; the value is one TLV element. Each write here is a list of its
 * own (the next is a replace, or the interaction ends), so the engine
 * ends it at once with list_write_done(), successful or not. */
static guint8
write_acl(Test *t, MatterSession *session, MatterImListIndexKind kind, GBytes *value)
{
  MatterDmCluster *cluster =
      matter_dm_find_cluster(md_node_get_dm(t->node), 0, CLUSTER_ACCESS_CONTROL);
  MatterAclSubject subject = subject_of(session);
  MatterDmRequest request = { .session = session, .subject = &subject, .now_ms = t->now };
  MatterImAttributePath path = {
    .has_endpoint = TRUE,
    .has_cluster = TRUE,
    .cluster = CLUSTER_ACCESS_CONTROL,
    .has_attribute = TRUE,
    .attribute = 0x0000,
    .list_index_kind = kind,
  };
  MatterTlvReader r;

  guint8 status;

  matter_tlv_reader_init(&r, g_bytes_get_data(value, NULL), g_bytes_get_size(value));
  g_assert_cmpint(matter_tlv_next(&r), ==, MATTER_OK);
  status = cluster->cls->write(cluster, &request, &path, &r);
  g_assert_cmpuint(cluster->cls->list_write_done(cluster, &request, &path,
                                                 status == MATTER_IM_STATUS_SUCCESS),
                   ==, MATTER_IM_STATUS_SUCCESS);
  return status;
}

/* The end of the write interaction, as the node ends it once its storage
 * transaction committed: whether the ACL changed. */
static gboolean
end_acl_writes(Test *t)
{
  MatterDmCluster *cluster =
      matter_dm_find_cluster(md_node_get_dm(t->node), 0, CLUSTER_ACCESS_CONTROL);
  g_autoptr(GError) error = NULL;

  g_assert_true(md_access_control_stage(cluster->state, &error));
  g_assert_no_error(error);
  return md_access_control_apply(cluster->state, t->now);
}

/* An AccessControlEntryStruct for CASE subject @subject; without
 * AuthMode when @malformed. */
static void
put_acl_entry(MatterTlvWriter *w, guint8 privilege, guint64 subject, gboolean malformed)
{
  matter_tlv_start_structure(w, matter_tlv_tag_anonymous());
  matter_tlv_put_uint(w, matter_tlv_tag_context(1), privilege);
  if (!malformed)
    matter_tlv_put_uint(w, matter_tlv_tag_context(2), MATTER_ACL_AUTH_CASE);
  matter_tlv_start_array(w, matter_tlv_tag_context(3));
  matter_tlv_put_uint(w, matter_tlv_tag_anonymous(), subject);
  matter_tlv_end_container(w);
  matter_tlv_put_null(w, matter_tlv_tag_context(4));
  matter_tlv_end_container(w);
}

static GBytes *
acl_entry(guint8 privilege, guint64 subject, gboolean malformed)
{
  guint8 buf[64];
  MatterTlvWriter w;
  gsize len;

  matter_tlv_writer_init(&w, buf, sizeof(buf));
  put_acl_entry(&w, privilege, subject, malformed);
  g_assert_cmpint(matter_tlv_writer_finish(&w, &len), ==, MATTER_OK);
  return g_bytes_new(buf, len);
}

/* A refused item of a write interaction changes nothing, and leaves what
 * the items before it staged: they were answered SUCCESS. */
static void
test_acl_write_refused_item(void)
{
  Test *t = test_new();
  g_autoptr(MdTestCa) ca = md_test_ca_new(FABRIC_ID);
  g_autoptr(GBytes) noc = prepare_add_noc(t, ca, NODE_ID);
  g_autoptr(GBytes) operate_entry = acl_entry(MATTER_ACL_PRIVILEGE_OPERATE, NODE_ID + 1, FALSE);
  g_autoptr(GBytes) malformed = acl_entry(MATTER_ACL_PRIVILEGE_OPERATE, NODE_ID + 1, TRUE);
  g_autoptr(GBytes) list = NULL;
  AddNoc args = add_noc_args(noc);
  const MatterAclEntry *entries;
  guint8 buf[256];
  MatterTlvWriter w;
  guint32 version;
  gsize count, len;

  assert_noc(add_noc(t, t->pase, &args), MD_NOC_STATUS_OK);
  matter_tlv_writer_init(&w, buf, sizeof(buf));
  matter_tlv_start_array(&w, matter_tlv_tag_anonymous());
  put_acl_entry(&w, MATTER_ACL_PRIVILEGE_ADMINISTER, ADMIN_NODE_ID, FALSE);
  put_acl_entry(&w, MATTER_ACL_PRIVILEGE_OPERATE, NODE_ID + 2, TRUE);
  matter_tlv_end_container(&w);
  g_assert_cmpint(matter_tlv_writer_finish(&w, &len), ==, MATTER_OK);
  list = g_bytes_new(buf, len);

  /* A refused append alone: no change, not even to the data version. */
  version = data_version(t, CLUSTER_ACCESS_CONTROL);
  g_assert_cmpuint(write_acl(t, t->pase, MATTER_IM_LIST_INDEX_APPEND, malformed), ==,
                   MATTER_IM_STATUS_CONSTRAINT_ERROR);
  g_assert_false(end_acl_writes(t));
  g_assert_cmpuint(data_version(t, CLUSTER_ACCESS_CONTROL), ==, version);

  /* An append, then a replace with a malformed entry: the append stays. */
  g_assert_cmpuint(write_acl(t, t->pase, MATTER_IM_LIST_INDEX_APPEND, operate_entry), ==,
                   MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(write_acl(t, t->pase, MATTER_IM_LIST_INDEX_NONE, list), ==,
                   MATTER_IM_STATUS_CONSTRAINT_ERROR);
  g_assert_true(end_acl_writes(t));
  entries = md_fabric_table_acl(md_node_get_fabrics(t->node), &count);
  g_assert_cmpuint(count, ==, 2);
  g_assert_cmpuint(entries[0].subjects[0], ==, ADMIN_NODE_ID);
  g_assert_cmpuint(entries[1].privilege, ==, MATTER_ACL_PRIVILEGE_OPERATE);
  g_assert_cmpuint(entries[1].subjects[0], ==, NODE_ID + 1);
  test_free(t);
}

/* ---- UpdateNOC, labels, removal ---- */

static NocAnswer
update_noc(Test *t, MatterSession *session, GBytes *noc)
{
  g_autoptr(GBytes) fields = NULL;
  Fields f;

  fields_begin(&f);
  put_bytes(&f, 0, noc);
  fields = fields_end(&f);
  return noc_answer(invoke(t, session, CLUSTER_OPCREDS, CMD_UPDATE_NOC, fields));
}

static void
test_update_noc(void)
{
  Test *t = test_new();
  g_autoptr(MdTestCa) ca = md_test_ca_new(FABRIC_ID);
  guint8 key[MATTER_P256_PUBLIC_KEY_LEN];
  g_autoptr(GBytes) noc = NULL, moved = NULL;
  MatterSession *admin;
  const MdFabric *fabric;

  commission(t, ca, NODE_ID, &admin);
  md_commissioning_close(md_node_get_commissioning(t->node), "test");
  g_assert_cmpuint(arm(t, admin, 60).status, ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(csr_request(t, admin, FALSE, key).status, ==, MATTER_IM_STATUS_SUCCESS);
  noc = md_test_ca_issue_noc(ca, key, NODE_ID + 7, 0, NULL, 0);
  /* The CSR was not for an update. */
  g_assert_cmpuint(update_noc(t, admin, noc).status, ==, MATTER_IM_STATUS_CONSTRAINT_ERROR);
  g_assert_cmpuint(csr_request(t, admin, TRUE, key).status, ==, MATTER_IM_STATUS_SUCCESS);
  g_bytes_unref(noc);
  noc = md_test_ca_issue_noc(ca, key, NODE_ID + 7, 0, NULL, 0);
  moved = md_test_ca_issue_noc(ca, key, NODE_ID + 7, FABRIC_ID + 1, NULL, 0);
  g_test_expect_message("matterd", G_LOG_LEVEL_MESSAGE, "Operational Credentials: *");
  assert_noc(update_noc(t, admin, moved), MD_NOC_STATUS_INVALID_NOC);
  g_test_assert_expected_messages();
  assert_noc(update_noc(t, admin, noc), MD_NOC_STATUS_OK);
  fabric = md_fabric_table_get(md_node_get_fabrics(t->node), 1);
  g_assert_cmpuint(fabric->node_id, ==, NODE_ID + 7);
  g_assert_cmpuint(fabric_count(t), ==, 1);
  /* Committed by CommissioningComplete; a restart finds the new NOC. */
  g_assert_cmpuint(complete(t, admin), ==, 0);
  restart(t);
  fabric = md_fabric_table_get(md_node_get_fabrics(t->node), 1);
  g_assert_cmpuint(fabric->node_id, ==, NODE_ID + 7);
  test_free(t);
}

/* UpdateNOC left to expire: the old credentials stay. */
static void
test_update_noc_expires(void)
{
  Test *t = test_new();
  g_autoptr(MdTestCa) ca = md_test_ca_new(FABRIC_ID);
  guint8 key[MATTER_P256_PUBLIC_KEY_LEN];
  g_autoptr(GBytes) noc = NULL;
  MatterSession *admin;

  commission(t, ca, NODE_ID, &admin);
  md_commissioning_close(md_node_get_commissioning(t->node), "test");
  g_assert_cmpuint(arm(t, admin, 60).status, ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(csr_request(t, admin, TRUE, key).status, ==, MATTER_IM_STATUS_SUCCESS);
  noc = md_test_ca_issue_noc(ca, key, NODE_ID + 7, 0, NULL, 0);
  assert_noc(update_noc(t, admin, noc), MD_NOC_STATUS_OK);
  g_test_expect_message("matterd", G_LOG_LEVEL_MESSAGE, "Fail-safe expired*");
  g_test_expect_message("matterd", G_LOG_LEVEL_MESSAGE, "Dropping the fabric*");
  run_until(t, t->now + 61 * 1000);
  g_test_assert_expected_messages();
  g_assert_cmpuint(md_fabric_table_get(md_node_get_fabrics(t->node), 1)->node_id, ==, NODE_ID);
  test_free(t);
}

static NocAnswer
update_label(Test *t, MatterSession *session, const char *label)
{
  g_autoptr(GBytes) fields = NULL;
  Fields f;

  fields_begin(&f);
  matter_tlv_put_string(&f.w, matter_tlv_tag_context(0), label);
  fields = fields_end(&f);
  return noc_answer(invoke(t, session, CLUSTER_OPCREDS, CMD_UPDATE_FABRIC_LABEL, fields));
}

static void
test_update_fabric_label(void)
{
  Test *t = test_new();
  g_autoptr(MdTestCa) ca1 = md_test_ca_new(FABRIC_ID);
  g_autoptr(MdTestCa) ca2 = md_test_ca_new(FABRIC_ID + 1);
  MatterSession *admin1, *admin2;

  commission(t, ca1, NODE_ID, &admin1);
  md_commissioning_open_basic(md_node_get_commissioning(t->node), 180, 0, t->now, NULL);
  commission(t, ca2, NODE_ID, &admin2);
  assert_noc(update_label(t, admin1, "Living room"), MD_NOC_STATUS_OK);
  g_test_expect_message("matterd", G_LOG_LEVEL_MESSAGE, "*has that label*");
  assert_noc(update_label(t, admin2, "Living room"), MD_NOC_STATUS_LABEL_CONFLICT);
  g_test_assert_expected_messages();
  g_assert_cmpuint(update_label(t, admin2, "123456789012345678901234567890123").status, ==,
                   MATTER_IM_STATUS_CONSTRAINT_ERROR);
  /* Empty labels never conflict. */
  assert_noc(update_label(t, admin2, ""), MD_NOC_STATUS_OK);
  restart(t);
  g_assert_cmpstr(md_fabric_table_get(md_node_get_fabrics(t->node), 1)->label, ==, "Living room");
  test_free(t);
}

static NocAnswer
remove_fabric(Test *t, MatterSession *session, guint8 index)
{
  g_autoptr(GBytes) fields = NULL;
  Fields f;

  fields_begin(&f);
  matter_tlv_put_uint(&f.w, matter_tlv_tag_context(0), index);
  fields = fields_end(&f);
  return noc_answer(invoke(t, session, CLUSTER_OPCREDS, CMD_REMOVE_FABRIC, fields));
}

/* The fabric goes with its ACL entries and its sessions: another fabric's
 * administrator's at once, the asking session's after its answer. */
static void
test_remove_fabric(void)
{
  Test *t = test_new();
  g_autoptr(MdTestCa) ca1 = md_test_ca_new(FABRIC_ID);
  g_autoptr(MdTestCa) ca2 = md_test_ca_new(FABRIC_ID + 1);
  MatterSession *admin1, *admin2;
  gsize count;

  commission(t, ca1, NODE_ID, &admin1);
  md_commissioning_open_basic(md_node_get_commissioning(t->node), 180, 0, t->now, NULL);
  commission(t, ca2, NODE_ID, &admin2);
  md_commissioning_close(md_node_get_commissioning(t->node), "test");
  g_test_expect_message("matterd", G_LOG_LEVEL_MESSAGE, "*No fabric has that index*");
  assert_noc(remove_fabric(t, admin1, 9), MD_NOC_STATUS_INVALID_FABRIC_INDEX);
  g_test_assert_expected_messages();
  g_assert_cmpuint(remove_fabric(t, admin1, 0).status, ==, MATTER_IM_STATUS_CONSTRAINT_ERROR);

  g_test_expect_message("matterd", G_LOG_LEVEL_MESSAGE, "Removed fabric 2");
  assert_noc(remove_fabric(t, admin1, 2), MD_NOC_STATUS_OK);
  g_test_assert_expected_messages();
  g_assert_cmpint(admin2->state, !=, MATTER_SESSION_ACTIVE);
  g_assert_cmpint(admin1->state, ==, MATTER_SESSION_ACTIVE);
  md_fabric_table_acl(md_node_get_fabrics(t->node), &count);
  g_assert_cmpuint(count, ==, 1);

  g_test_expect_message("matterd", G_LOG_LEVEL_MESSAGE, "Commissioning window open *");
  g_test_expect_message("matterd", G_LOG_LEVEL_MESSAGE, "Removed fabric 1");
  assert_noc(remove_fabric(t, admin1, 1), MD_NOC_STATUS_OK);
  g_test_assert_expected_messages();
  /* Still there for the answer to go out on; gone at the next step. */
  g_assert_cmpint(admin1->state, ==, MATTER_SESSION_ACTIVE);
  g_assert_cmpuint(md_node_next_deadline(t->node), ==, 0);
  md_node_process(t->node, t->now);
  g_assert_cmpint(admin1->state, !=, MATTER_SESSION_ACTIVE);
  /* A node on no fabric waits to be commissioned again. */
  g_assert_cmpint(md_commissioning_get_window(md_node_get_commissioning(t->node)), ==,
                  MD_WINDOW_BASIC);
  restart(t);
  g_assert_cmpuint(fabric_count(t), ==, 0);
  test_free(t);
}

/* A window a fabric's administrator opened names that fabric and its
 * vendor id; both go null with the fabric. */
static void
test_window_opener(void)
{
  Test *t = test_new();
  g_autoptr(MdTestCa) ca = md_test_ca_new(FABRIC_ID);
  g_autoptr(GBytes) open_basic = NULL;
  MatterSession *admin;
  MatterTlvReader r;
  Fields f;

  commission(t, ca, NODE_ID, &admin);
  fields_begin(&f);
  matter_tlv_put_uint(&f.w, matter_tlv_tag_context(0), 180);
  open_basic = fields_end(&f);
  g_test_expect_message("matterd", G_LOG_LEVEL_MESSAGE, "Commissioning window open *");
  g_assert_cmpuint(invoke(t, admin, 0x003C, 0x01, open_basic).status, ==,
                   MATTER_IM_STATUS_SUCCESS);
  g_test_assert_expected_messages();
  g_assert_cmpuint(read_uint(t, admin, 0x003C, 0x0001), ==, 1);
  g_assert_cmpuint(read_uint(t, admin, 0x003C, 0x0002), ==, 0xFFF1);
  g_test_expect_message("matterd", G_LOG_LEVEL_MESSAGE, "Commissioning window open *");
  g_test_expect_message("matterd", G_LOG_LEVEL_MESSAGE, "Removed fabric 1");
  assert_noc(remove_fabric(t, admin, 1), MD_NOC_STATUS_OK);
  g_test_assert_expected_messages();
  for (guint32 attribute = 1; attribute <= 2; attribute++) {
    g_autoptr(GBytes) value_bytes = read_attribute(t, t->pase, 0x003C, attribute, FALSE);

    matter_tlv_reader_init(&r, g_bytes_get_data(value_bytes, NULL), g_bytes_get_size(value_bytes));
    g_assert_cmpint(matter_tlv_next(&r), ==, MATTER_OK);
    g_assert_cmpint(matter_tlv_get_type(&r), ==, MATTER_TLV_TYPE_NULL);
  }
  test_free(t);
}

/* ---- Vendor id verification ---- */

static void
test_vid_verification(void)
{
  Test *t = test_new();
  g_autoptr(MdTestCa) ca = md_test_ca_new(FABRIC_ID);
  guint8 statement[85], challenge[32];
  guint8 tbs[1 + 32 + 16 + 1 + 1 + 65 + 8 + 2 + 85];
  g_autoptr(GBytes) set = NULL, sign = NULL, bad = NULL;
  const uint8_t *signature;
  size_t signature_len;
  guint8 index, version;
  MatterSession *admin;
  const MdFabric *fabric;
  MatterTlvReader r;
  Fields f;
  Answer a;
  gsize n = 0;

  commission(t, ca, NODE_ID, &admin);
  memset(statement, 0x5A, sizeof(statement));
  fields_begin(&f);
  matter_tlv_put_uint(&f.w, matter_tlv_tag_context(0), 0xFFF2);
  matter_tlv_put_bytes(&f.w, matter_tlv_tag_context(1), statement, sizeof(statement));
  set = fields_end(&f);
  fields_begin(&f);
  matter_tlv_put_bytes(&f.w, matter_tlv_tag_context(1), statement, 84);
  bad = fields_end(&f);
  g_assert_cmpuint(invoke(t, admin, CLUSTER_OPCREDS, CMD_SET_VID_VERIFICATION_STATEMENT, bad).status,
                   ==, MATTER_IM_STATUS_CONSTRAINT_ERROR);
  g_assert_cmpuint(invoke(t, admin, CLUSTER_OPCREDS, CMD_SET_VID_VERIFICATION_STATEMENT, set).status,
                   ==, MATTER_IM_STATUS_SUCCESS);
  fabric = md_fabric_table_get(md_node_get_fabrics(t->node), 1);
  g_assert_cmpuint(fabric->vendor_id, ==, 0xFFF2);

  memset(challenge, 0xC3, sizeof(challenge));
  fields_begin(&f);
  matter_tlv_put_uint(&f.w, matter_tlv_tag_context(0), 1);
  matter_tlv_put_bytes(&f.w, matter_tlv_tag_context(1), challenge, sizeof(challenge));
  sign = fields_end(&f);
  a = invoke(t, admin, CLUSTER_OPCREDS, CMD_SIGN_VID_VERIFICATION_REQUEST, sign);
  response_reader(&a, &r);
  g_assert_cmpint(matter_tlv_get_context_u8(&r, 0, &index), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_get_context_u8(&r, 1, &version), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_get_context_bytes(&r, 2, &signature, &signature_len), ==, MATTER_OK);
  g_assert_cmpuint(index, ==, 1);
  g_assert_cmpuint(version, ==, 1);

  /* The to-be-signed message as Core spec 6.4.10 lays it out. */
  tbs[n++] = 1;
  memcpy(tbs + n, challenge, 32), n += 32;
  memcpy(tbs + n, admin->attestation_challenge, 16), n += 16;
  tbs[n++] = 1;
  tbs[n++] = 1;
  memcpy(tbs + n, ca->public_key, 65), n += 65;
  for (int i = 7; i >= 0; i--)
    tbs[n++] = (guint8) (FABRIC_ID >> (8 * i));
  tbs[n++] = 0xFF;
  tbs[n++] = 0xF2;
  memcpy(tbs + n, statement, 85), n += 85;
  {
    guint8 noc_key[MATTER_P256_PUBLIC_KEY_LEN];

    g_assert_cmpint(matter_p256_export_public(fabric->key, noc_key), ==, MATTER_OK);
    g_assert_cmpint(matter_ecdsa_verify_raw(noc_key, tbs, n, signature), ==, MATTER_OK);
  }
  test_free(t);
}

/* ---- Events ---- */

/* The events the node logged for @fabric_index's eyes, as (cluster,
 * event) pairs, from event number @min. */
static GArray *
logged_events(Test *t, guint64 min, guint8 fabric_index, guint64 *last_number)
{
  const MatterEventLog *log = md_node_get_events(t->node);
  GArray *found = g_array_new(FALSE, FALSE, sizeof(guint64));
  MatterEventInfo info;

  while (matter_event_log_next(log, min, fabric_index, &info) == MATTER_OK) {
    guint64 id = (guint64) info.cluster << 32 | info.event;

    g_array_append_val(found, id);
    if (last_number != NULL)
      *last_number = info.number;
    min = info.number + 1;
  }
  return found;
}

#define EVENT_ID(cluster, event) ((guint64) (cluster) << 32 | (event))

/* StartUp and BootReason at every start, with numbers that go on across
 * restarts; AddNOC's administrator entry as AccessControlEntryChanged for
 * its fabric only; Leave for a removed fabric. */
static void
test_events(void)
{
  Test *t = test_new();
  g_autoptr(MdTestCa) ca = md_test_ca_new(FABRIC_ID);
  g_autoptr(GArray) at_start = NULL, after_restart = NULL, fabric1 = NULL, others = NULL;
  g_autoptr(GArray) after_remove = NULL;
  guint64 first_run_last = 0, second_run_last = 0;
  MatterSession *admin;

  at_start = logged_events(t, 0, 0, &first_run_last);
  g_assert_cmpuint(at_start->len, ==, 2);
  g_assert_cmpuint(g_array_index(at_start, guint64, 0), ==, EVENT_ID(0x0028, 0x00));
  g_assert_cmpuint(g_array_index(at_start, guint64, 1), ==, EVENT_ID(0x0033, 0x03));

  g_assert_cmpuint(commission(t, ca, NODE_ID, &admin), ==, 1);
  fabric1 = logged_events(t, first_run_last + 1, 1, NULL);
  g_assert_cmpuint(fabric1->len, ==, 1);
  g_assert_cmpuint(g_array_index(fabric1, guint64, 0), ==, EVENT_ID(0x001F, 0x00));
  /* Fabric-sensitive: another fabric does not see it. */
  others = logged_events(t, first_run_last + 1, 2, NULL);
  g_assert_cmpuint(others->len, ==, 0);

  restart(t);
  after_restart = logged_events(t, 0, 0, &second_run_last);
  g_assert_cmpuint(after_restart->len, ==, 2);
  g_assert_cmpuint(second_run_last, >, first_run_last + 1);

  admin = make_session(t, MATTER_SESSION_KIND_CASE, 1, ADMIN_NODE_ID);
  g_test_expect_message("matterd", G_LOG_LEVEL_MESSAGE, "Commissioning window open *");
  g_test_expect_message("matterd", G_LOG_LEVEL_MESSAGE, "Removed fabric 1");
  assert_noc(remove_fabric(t, admin, 1), MD_NOC_STATUS_OK);
  g_test_assert_expected_messages();
  after_remove = logged_events(t, second_run_last + 1, 0, NULL);
  g_assert_cmpuint(after_remove->len, ==, 1);
  g_assert_cmpuint(g_array_index(after_remove, guint64, 0), ==, EVENT_ID(0x0028, 0x02));
  test_free(t);
}

/* ---- What the host asks of the node (D-Bus) ---- */

static guint32
window_passcode(Test *t)
{
  char qr_code[MATTER_PAYLOAD_QR_SIZE], manual_code[MATTER_PAYLOAD_MANUAL_SIZE];
  g_autoptr(GError) error = NULL;
  MatterSetupPayload payload;

  g_assert_true(md_node_get_window_codes(t->node, qr_code, manual_code, &error));
  g_assert_no_error(error);
  md_test_assert_error(matter_payload_qr_decode(qr_code, &payload), MATTER_OK);
  return payload.passcode;
}

/* The window the host opens: none while one is open or a fail-safe is
 * armed, the basic one before the first fabric, an enhanced one with a
 * passcode of its own after. */
static void
test_host_window(void)
{
  Test *t = test_new();
  g_autoptr(MdTestCa) ca = md_test_ca_new(FABRIC_ID);
  g_autoptr(GError) error = NULL;
  MdCommissioning *commissioning = md_node_get_commissioning(t->node);
  MatterSession *admin;
  char qr_code[MATTER_PAYLOAD_QR_SIZE], manual_code[MATTER_PAYLOAD_MANUAL_SIZE];

  /* The node opened the basic window at start. */
  g_assert_false(md_node_open_window(t->node, 300, t->now, &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_BUSY);
  g_clear_error(&error);
  g_assert_true(md_node_close_window(t->node, t->now, &error));
  g_assert_false(md_node_close_window(t->node, t->now, &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_NOT_FOUND);
  g_clear_error(&error);
  g_assert_false(md_node_get_window_codes(t->node, qr_code, manual_code, &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_NOT_FOUND);
  g_clear_error(&error);
  for (guint i = 0; i < 2; i++) {
    guint bad[] = { MD_WINDOW_TIMEOUT_MIN - 1, MD_WINDOW_TIMEOUT_MAX + 1 };

    g_assert_false(md_node_open_window(t->node, bad[i], t->now, &error));
    g_assert_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT);
    g_clear_error(&error);
  }
  g_assert_true(md_node_open_window(t->node, 300, t->now, &error));
  g_assert_cmpint(md_commissioning_get_window(commissioning), ==, MD_WINDOW_BASIC);
  g_assert_cmpuint(md_node_get_window_closes_at(t->node), ==, t->now + 300 * 1000);
  g_assert_cmpuint(window_passcode(t), ==, 20202021);

  commission(t, ca, NODE_ID, &admin);
  g_assert_cmpint(md_commissioning_get_window(commissioning), ==, MD_WINDOW_CLOSED);
  g_assert_cmpuint(md_node_get_window_closes_at(t->node), ==, MD_NODE_NEVER);
  g_assert_cmpuint(arm(t, admin, 60).status, ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_false(md_node_open_window(t->node, 300, t->now, &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_BUSY);
  g_clear_error(&error);
  g_assert_cmpuint(arm(t, admin, 0).status, ==, MATTER_IM_STATUS_SUCCESS);
  run_until(t, t->now + 1);

  md_node_open_window(t->node, 180, t->now, &error);
  g_assert_no_error(error);
  g_assert_cmpint(md_commissioning_get_window(commissioning), ==, MD_WINDOW_ENHANCED);
  g_assert_cmpuint(window_passcode(t), !=, 20202021);
  g_assert_true(matter_payload_passcode_valid(window_passcode(t)));
  /* The window's verifier is that of its passcode, not the device's. */
  {
    const MdPaseVerifier *verifier = md_commissioning_get_verifier(commissioning);
    guint8 w0[MATTER_SPAKE2P_W_LEN], L[MATTER_SPAKE2P_POINT_LEN];

    md_test_assert_error(matter_payload_compute_verifier(window_passcode(t), verifier->salt,
                                                         verifier->salt_len,
                                                         verifier->iterations, w0, L),
                         MATTER_OK);
    g_assert_cmpmem(w0, sizeof(w0), verifier->w0, sizeof(verifier->w0));
    g_assert_cmpmem(L, sizeof(L), verifier->L, sizeof(verifier->L));
  }
  /* It closes when its time is up, as any window. */
  run_until(t, t->now + 180 * 1000);
  g_assert_cmpint(md_commissioning_get_window(commissioning), ==, MD_WINDOW_CLOSED);
  test_free(t);
}

/* The host removes a committed fabric; a pending one is busy, a missing
 * one not found. */
static void
test_host_remove_fabric(void)
{
  Test *t = test_new();
  g_autoptr(MdTestCa) ca = md_test_ca_new(FABRIC_ID);
  g_autoptr(MdTestCa) second_ca = md_test_ca_new(FABRIC_ID + 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) noc = NULL;
  MatterSession *admin;
  AddNoc args;
  NocAnswer n;
  guint8 index;

  index = commission(t, ca, NODE_ID, &admin);
  md_commissioning_open_basic(md_node_get_commissioning(t->node), 180, 0, t->now, NULL);
  noc = prepare_add_noc(t, second_ca, NODE_ID);
  args = add_noc_args(noc);
  n = add_noc(t, t->pase, &args);
  assert_noc(n, MD_NOC_STATUS_OK);
  g_assert_false(md_node_remove_fabric(t->node, n.fabric_index, t->now, &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_BUSY);
  g_clear_error(&error);
  g_assert_false(md_node_remove_fabric(t->node, 99, t->now, &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_NOT_FOUND);
  g_clear_error(&error);

  g_assert_true(md_node_remove_fabric(t->node, index, t->now, &error));
  g_assert_no_error(error);
  /* Its CASE session went with it. */
  g_assert_null(matter_session_table_find(&t->sessions, admin->local_session_id));
  g_assert_null(md_fabric_table_get(md_node_get_fabrics(t->node), index));
  restart(t);
  g_assert_cmpuint(fabric_count(t), ==, 0);
  test_free(t);
}

/* A factory reset is one transaction: a storage failure at any of its
 * calls leaves the node as it was, in memory and in the store; the one
 * that succeeds leaves no fabric, a new UniqueID and an open window, and
 * a restart finds the same. */
static void
test_factory_reset_all_or_nothing(void)
{
  Test *t = test_new();
  g_autoptr(MdTestCa) ca = md_test_ca_new(FABRIC_ID);
  g_autoptr(MdTestCa) second_ca = md_test_ca_new(FABRIC_ID + 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *unique_id = NULL, *new_unique_id = NULL;
  guint64 event_limit;
  guint call;

  commission(t, ca, NODE_ID, NULL);
  md_commissioning_open_basic(md_node_get_commissioning(t->node), 180, 0, t->now, NULL);
  commission(t, second_ca, NODE_ID, NULL);
  g_assert_true(md_node_set_node_label(t->node, "before", &error));
  g_assert_no_error(error);
  unique_id = g_strdup(md_node_get_unique_id(t->node));
  event_limit = md_test_storage_uint64(t->storage, "event-number-limit");

  for (call = 1;; call++) {
    md_test_storage_fail_at(t->storage, call);
    if (md_node_factory_reset(t->node, t->now, &error))
      break;
    g_assert_nonnull(error);
    g_clear_error(&error);
    g_assert_false(md_test_storage_in_transaction(t->storage));
    g_assert_cmpuint(fabric_count(t), ==, 2);
    g_assert_cmpstr(md_node_get_unique_id(t->node), ==, unique_id);
    g_assert_cmpstr(md_node_get_node_label(t->node), ==, "before");
    g_assert_cmpint(md_commissioning_get_window(md_node_get_commissioning(t->node)), ==,
                    MD_WINDOW_CLOSED);
    g_assert_cmpuint(call, <, 100);
  }
  md_test_storage_fail_at(t->storage, 0);
  g_assert_cmpuint(call, >, 3);
  g_test_message("a factory reset succeeded after failing at each of its first %u calls",
                 call - 1);

  g_assert_cmpuint(fabric_count(t), ==, 0);
  new_unique_id = g_strdup(md_node_get_unique_id(t->node));
  g_assert_cmpstr(new_unique_id, !=, unique_id);
  g_assert_cmpstr(md_node_get_node_label(t->node), ==, "");
  g_assert_cmpint(md_commissioning_get_window(md_node_get_commissioning(t->node)), ==,
                  MD_WINDOW_BASIC);
  /* The configured passcode stays the device's. */
  g_assert_cmpuint(window_passcode(t), ==, 20202021);
  g_assert_cmpuint(md_test_storage_uint64(t->storage, "event-number-limit"), >=, event_limit);

  restart(t);
  g_assert_cmpuint(fabric_count(t), ==, 0);
  g_assert_cmpstr(md_node_get_unique_id(t->node), ==, new_unique_id);
  g_assert_cmpstr(md_node_get_node_label(t->node), ==, "");
  test_free(t);
}

static void
test_host_node_label(void)
{
  Test *t = test_new();
  g_autoptr(GError) error = NULL;

  g_assert_false(md_node_set_node_label(t->node, "012345678901234567890123456789012", &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT);
  g_clear_error(&error);
  g_assert_false(md_node_set_node_label(t->node, "\xff", &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT);
  g_clear_error(&error);
  md_test_storage_fail_at(t->storage, 1);
  g_assert_false(md_node_set_node_label(t->node, "kitchen", &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_STORE);
  g_clear_error(&error);
  g_assert_cmpstr(md_node_get_node_label(t->node), ==, "");
  g_assert_true(md_node_set_node_label(t->node, "kitchen", &error));
  restart(t);
  g_assert_cmpstr(md_node_get_node_label(t->node), ==, "kitchen");
  test_free(t);
}

/* A dropped BLE link ends the sessions on it at once, and the
 * commissioning its PASE session was doing with them (the fail-safe
 * expires: the pending fabric goes); sessions elsewhere stay. */
static void
test_link_lost(void)
{
  Test *t = test_new();
  g_autoptr(MdTestCa) ca = md_test_ca_new(FABRIC_ID);
  g_autoptr(GBytes) noc = NULL;
  const MatterPeerAddress ble = { .transport = MATTER_TRANSPORT_BLE, .len = 4, .bytes = { 7 } };
  const MatterPeerAddress other = { .transport = MATTER_TRANSPORT_BLE, .len = 4, .bytes = { 8 } };
  MatterSession *udp = make_session(t, MATTER_SESSION_KIND_PASE, 0, 0);
  guint16 pase_id, udp_id = udp->local_session_id;
  AddNoc args;

  t->pase->peer_address = ble;
  pase_id = t->pase->local_session_id;
  noc = prepare_add_noc(t, ca, NODE_ID);
  args = add_noc_args(noc);
  assert_noc(add_noc(t, t->pase, &args), MD_NOC_STATUS_OK);
  g_assert_cmpuint(fabric_count(t), ==, 1);

  md_node_link_lost(t->node, &other, t->now);
  g_assert_nonnull(matter_session_table_find(&t->sessions, pase_id));
  md_node_link_lost(t->node, &ble, t->now);
  g_assert_null(matter_session_table_find(&t->sessions, pase_id));
  g_assert_nonnull(matter_session_table_find(&t->sessions, udp_id));
  /* The fail-safe expires on the next process(). */
  run_until(t, t->now + 1);
  g_assert_cmpuint(fabric_count(t), ==, 0);
  test_free(t);
}

/* The QR code names BLE exactly while the node says BLE can be used. */
static void
test_ble_rendezvous(void)
{
  Test *t = test_new();
  MdCommissioning *commissioning = md_node_get_commissioning(t->node);
  char qr_code[MATTER_PAYLOAD_QR_SIZE], manual_code[MATTER_PAYLOAD_MANUAL_SIZE];
  MatterSetupPayload payload;

  g_assert_true(md_node_get_window_codes(t->node, qr_code, manual_code, NULL));
  md_test_assert_error(matter_payload_qr_decode(qr_code, &payload), MATTER_OK);
  g_assert_cmpuint(payload.rendezvous, ==, MATTER_PAYLOAD_RENDEZVOUS_ON_NETWORK);
  md_commissioning_set_ble(commissioning, TRUE);
  g_assert_true(md_node_get_window_codes(t->node, qr_code, manual_code, NULL));
  md_test_assert_error(matter_payload_qr_decode(qr_code, &payload), MATTER_OK);
  g_assert_cmpuint(payload.rendezvous, ==,
                   MATTER_PAYLOAD_RENDEZVOUS_ON_NETWORK | MATTER_PAYLOAD_RENDEZVOUS_BLE);
  md_commissioning_set_ble(commissioning, FALSE);
  g_assert_true(md_node_get_window_codes(t->node, qr_code, manual_code, NULL));
  md_test_assert_error(matter_payload_qr_decode(qr_code, &payload), MATTER_OK);
  g_assert_cmpuint(payload.rendezvous, ==, MATTER_PAYLOAD_RENDEZVOUS_ON_NETWORK);
  test_free(t);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/opcreds/attestation-request", test_attestation_request);
  g_test_add_func("/opcreds/certificate-chain-request", test_certificate_chain_request);
  g_test_add_func("/opcreds/csr-request", test_csr_request);
  g_test_add_func("/opcreds/add-trusted-root", test_add_trusted_root);
  g_test_add_func("/opcreds/add-noc/failsafe-required", test_add_noc_failsafe_required);
  g_test_add_func("/opcreds/add-noc/twice", test_add_noc_twice);
  g_test_add_func("/opcreds/add-noc/after-update-csr", test_add_noc_after_update_csr);
  g_test_add_func("/opcreds/add-noc/without-root", test_add_noc_without_root);
  g_test_add_func("/opcreds/add-noc/missing-csr", test_add_noc_missing_csr);
  g_test_add_func("/opcreds/add-noc/invalid-chain", test_add_noc_invalid_chain);
  g_test_add_func("/opcreds/add-noc/invalid-node-id", test_add_noc_invalid_node_id);
  g_test_add_func("/opcreds/add-noc/invalid-public-key", test_add_noc_invalid_public_key);
  g_test_add_func("/opcreds/add-noc/fabric-conflict", test_add_noc_fabric_conflict);
  g_test_add_func("/opcreds/add-noc/table-full", test_add_noc_table_full);
  g_test_add_func("/opcreds/add-noc/invalid-admin-subject", test_add_noc_invalid_admin_subject);
  g_test_add_func("/opcreds/add-noc/field-checks", test_add_noc_field_checks);
  g_test_add_func("/opcreds/add-noc/pending", test_add_noc_pending);
  g_test_add_func("/opcreds/add-noc/index-wraps", test_add_noc_index_wraps);
  g_test_add_func("/opcreds/fail-safe/expiry-rolls-back", test_expiry_rolls_back);
  g_test_add_func("/opcreds/fail-safe/disarm-rolls-back", test_disarm_rolls_back);
  g_test_add_func("/opcreds/fail-safe/pase-close-rolls-back", test_pase_close_rolls_back);
  g_test_add_func("/opcreds/fail-safe/complete-commits", test_complete_commits);
  g_test_add_func("/opcreds/fail-safe/complete-commit-fails", test_complete_commit_fails);
  g_test_add_func("/opcreds/acl-write/refused-item", test_acl_write_refused_item);
  g_test_add_func("/opcreds/update-noc", test_update_noc);
  g_test_add_func("/opcreds/update-noc/expires", test_update_noc_expires);
  g_test_add_func("/opcreds/update-fabric-label", test_update_fabric_label);
  g_test_add_func("/opcreds/remove-fabric", test_remove_fabric);
  g_test_add_func("/opcreds/vid-verification", test_vid_verification);
  g_test_add_func("/opcreds/window-opener", test_window_opener);
  g_test_add_func("/opcreds/events", test_events);
  g_test_add_func("/node-host/window", test_host_window);
  g_test_add_func("/node-host/remove-fabric", test_host_remove_fabric);
  g_test_add_func("/node-host/factory-reset-all-or-nothing", test_factory_reset_all_or_nothing);
  g_test_add_func("/node-host/node-label", test_host_node_label);
  g_test_add_func("/node-host/link-lost", test_link_lost);
  g_test_add_func("/node-host/ble-rendezvous", test_ble_rendezvous);
  return g_test_run();
}
