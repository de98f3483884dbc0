/* SPDX-License-Identifier: Apache-2.0 */
/* CASE resumption between the core's initiator and responder, in memory:
 * a full handshake gives both ends the same resumption id and shared
 * secret, and a Sigma1 with them is answered with a Sigma2_Resume that
 * carries the new id both ends derive the resumed session's keys from. */

#include <glib.h>
#include <string.h>

#include "matter/case.h"
#include "md-test-ca.h"
#include "md-test-core.h"

#define FABRIC_ID G_GUINT64_CONSTANT(0xFAB000000000001D)
#define NODE_ID G_GUINT64_CONSTANT(0x00000000DEDEDEDE)
#define ADMIN_NODE_ID G_GUINT64_CONSTANT(0x000000000001B669)
#define RESPONDER_FABRIC_INDEX 3
#define INITIATOR_FABRIC_INDEX 1
#define RESPONDER_SESSION_ID 0x2001
#define INITIATOR_SESSION_ID 0x1001

static const guint8 epoch_key[MATTER_CASE_IPK_LEN] = { 0x4a, 0x71, 0xcd, 0xd7, 0xb2, 0xa3,
                                                       0xca, 0x90, 0x24, 0xf9, 0x6f, 0x3c,
                                                       0x96, 0xa1, 0x9d, 0xee };

/* One end's identity on the CA's fabric. */
typedef struct {
  MatterP256Key *key;
  GBytes *noc;
  MatterCaseFabric fabric;
} Identity;

typedef struct {
  MdTestCa *ca;
  Identity responder;
  Identity initiator;
  gboolean have_record;
  MatterCaseResumption record; /* the responder's store of one */
} Fixture;

static void
identity_init(Identity *id, MdTestCa *ca, guint8 fabric_index, guint64 node_id)
{
  guint8 public_key[MATTER_P256_PUBLIC_KEY_LEN];
  guint8 compressed[MATTER_CASE_COMPRESSED_FABRIC_ID_LEN];

  g_assert_cmpint(matter_p256_generate(&id->key), ==, MATTER_OK);
  g_assert_cmpint(matter_p256_export_public(id->key, public_key), ==, MATTER_OK);
  id->noc = md_test_ca_issue_noc(ca, public_key, node_id, 0, NULL, 0);
  id->fabric = (MatterCaseFabric) {
    .fabric_index = fabric_index,
    .fabric_id = ca->fabric_id,
    .node_id = node_id,
    .operational_key = id->key,
  };
  memcpy(id->fabric.root_public_key, ca->public_key, sizeof(id->fabric.root_public_key));
  id->fabric.rcac = g_bytes_get_data(ca->rcac, &id->fabric.rcac_len);
  id->fabric.noc = g_bytes_get_data(id->noc, &id->fabric.noc_len);
  g_assert_cmpint(matter_case_compressed_fabric_id(ca->public_key, ca->fabric_id, compressed), ==,
                  MATTER_OK);
  g_assert_cmpint(matter_case_operational_ipk(epoch_key, compressed, id->fabric.ipk), ==,
                  MATTER_OK);
}

static void
identity_clear(Identity *id)
{
  matter_p256_free(id->key);
  g_bytes_unref(id->noc);
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
  f->ca = md_test_ca_new(FABRIC_ID);
  identity_init(&f->responder, f->ca, RESPONDER_FABRIC_INDEX, NODE_ID);
  identity_init(&f->initiator, f->ca, INITIATOR_FABRIC_INDEX, ADMIN_NODE_ID);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
  identity_clear(&f->responder);
  identity_clear(&f->initiator);
  md_test_ca_free(f->ca);
}

static size_t
fabric_count(void *user_data)
{
  return 1;
}

static MatterError
get_fabric(void *user_data, size_t index, MatterCaseFabric *fabric)
{
  Fixture *f = user_data;

  *fabric = f->responder.fabric;
  return MATTER_OK;
}

static MatterError
find_resumption(void *user_data, const uint8_t resumption_id[MATTER_CASE_RESUMPTION_ID_LEN],
                MatterCaseResumption *record)
{
  Fixture *f = user_data;

  if (!f->have_record ||
      memcmp(f->record.resumption_id, resumption_id, MATTER_CASE_RESUMPTION_ID_LEN) != 0)
    return MATTER_ERROR_SESSION_NOT_FOUND;
  *record = f->record;
  return MATTER_OK;
}

static MatterCaseResponder *
responder_new(Fixture *f)
{
  const MatterCaseResponderCallbacks callbacks = {
    .fabric_count = fabric_count,
    .get_fabric = get_fabric,
    .find_resumption = find_resumption,
    .user_data = f,
  };
  MatterCaseResponder *resp = NULL;

  g_assert_cmpint(matter_case_responder_new(&callbacks, RESPONDER_SESSION_ID, NULL, NULL,
                                            MATTER_CERT_TIME_UNKNOWN, 0, &resp),
                  ==, MATTER_OK);
  return resp;
}

typedef struct {
  guint8 buf[MATTER_CASE_MESSAGE_MAX];
  size_t len;
  uint8_t opcode;
} Message;

static void
to_responder(MatterCaseResponder *resp, const Message *in, Message *out)
{
  md_test_assert_error(matter_case_responder_handle(resp, in->opcode, in->buf, in->len,
                                                    &out->opcode, out->buf, sizeof(out->buf),
                                                    &out->len),
                       MATTER_OK);
}

static void
to_initiator(MatterCaseInitiator *init, const Message *in, Message *out)
{
  md_test_assert_error(matter_case_initiator_handle(init, in->opcode, in->buf, in->len,
                                                    &out->opcode, out->buf, sizeof(out->buf),
                                                    &out->len),
                       MATTER_OK);
}

/* A full handshake; the responder keeps its record as a node stores it,
 * and the initiator's in @record. */
static void
full_handshake(Fixture *f, MatterCaseResumption *record)
{
  MatterCaseResponder *resp = responder_new(f);
  MatterCaseInitiator *init = NULL;
  MatterCaseResult ir, rr;
  Message sigma1, sigma2, sigma3, finished, none;

  g_assert_cmpint(matter_case_initiator_new(&f->initiator.fabric, NODE_ID, NULL,
                                            INITIATOR_SESSION_ID, NULL, NULL,
                                            MATTER_CERT_TIME_UNKNOWN, 0, &init),
                  ==, MATTER_OK);
  g_assert_cmpint(matter_case_initiator_start(init, &sigma1.opcode, sigma1.buf, sizeof(sigma1.buf),
                                              &sigma1.len),
                  ==, MATTER_OK);
  to_responder(resp, &sigma1, &sigma2);
  g_assert_cmpuint(sigma2.opcode, ==, MATTER_SC_OPCODE_CASE_SIGMA2);
  to_initiator(init, &sigma2, &sigma3);
  g_assert_cmpuint(sigma3.opcode, ==, MATTER_SC_OPCODE_CASE_SIGMA3);
  to_responder(resp, &sigma3, &finished);
  to_initiator(init, &finished, &none);
  g_assert_cmpuint(none.len, ==, 0);
  g_assert_cmpint(matter_case_initiator_get_result(init, &ir), ==, MATTER_OK);
  g_assert_cmpint(matter_case_responder_get_result(resp, &rr), ==, MATTER_OK);
  g_assert_false(ir.resumed);
  g_assert_true(ir.setup.has_resumption);
  g_assert_true(rr.setup.has_resumption);
  g_assert_cmpmem(ir.setup.resumption_id, sizeof(ir.setup.resumption_id), rr.setup.resumption_id,
                  sizeof(rr.setup.resumption_id));

  *record = (MatterCaseResumption) { .fabric_index = INITIATOR_FABRIC_INDEX,
                                     .peer_node_id = NODE_ID };
  memcpy(record->resumption_id, ir.setup.resumption_id, sizeof(record->resumption_id));
  memcpy(record->shared_secret, ir.setup.shared_secret, sizeof(record->shared_secret));
  f->record = (MatterCaseResumption) { .fabric_index = RESPONDER_FABRIC_INDEX,
                                       .peer_node_id = ADMIN_NODE_ID };
  memcpy(f->record.resumption_id, rr.setup.resumption_id, sizeof(f->record.resumption_id));
  memcpy(f->record.shared_secret, rr.setup.shared_secret, sizeof(f->record.shared_secret));
  f->have_record = TRUE;
  matter_secure_zero(&ir, sizeof(ir));
  matter_secure_zero(&rr, sizeof(rr));
  matter_case_initiator_free(init);
  matter_case_responder_free(resp);
}

/* Sigma2_Resume carries the new resumption id, the one both ends hand
 * their owners, and both derive the same keys from it. */
static void
test_resume(Fixture *f, gconstpointer data)
{
  static const guint8 zeros[MATTER_CASE_RESUMPTION_ID_LEN] = { 0 };
  MatterCaseResponder *resp = responder_new(f);
  MatterCaseInitiator *init = NULL;
  MatterCaseResumption record;
  MatterCaseSigma2Resume s2r;
  MatterCaseResult ir, rr;
  Message sigma1, resume, finished, none;

  full_handshake(f, &record);
  g_assert_cmpint(matter_case_initiator_new(&f->initiator.fabric, NODE_ID, &record,
                                            INITIATOR_SESSION_ID, NULL, NULL,
                                            MATTER_CERT_TIME_UNKNOWN, 0, &init),
                  ==, MATTER_OK);
  g_assert_cmpint(matter_case_initiator_start(init, &sigma1.opcode, sigma1.buf, sizeof(sigma1.buf),
                                              &sigma1.len),
                  ==, MATTER_OK);
  to_responder(resp, &sigma1, &resume);
  g_assert_cmpuint(resume.opcode, ==, MATTER_SC_OPCODE_CASE_SIGMA2_RESUME);
  g_assert_cmpint(matter_case_sigma2_resume_decode(resume.buf, resume.len, &s2r), ==, MATTER_OK);
  g_assert_false(memcmp(s2r.resumption_id, zeros, sizeof(zeros)) == 0);
  g_assert_false(memcmp(s2r.resumption_id, record.resumption_id, sizeof(zeros)) == 0);

  to_initiator(init, &resume, &finished);
  g_assert_cmpuint(finished.opcode, ==, MATTER_SC_OPCODE_STATUS_REPORT);
  g_assert_cmpint(matter_case_initiator_get_state(init), ==, MATTER_CASE_STATE_ESTABLISHED);
  to_responder(resp, &finished, &none);
  g_assert_cmpuint(none.len, ==, 0);
  g_assert_cmpint(matter_case_responder_get_state(resp), ==, MATTER_CASE_STATE_ESTABLISHED);

  g_assert_cmpint(matter_case_initiator_get_result(init, &ir), ==, MATTER_OK);
  g_assert_cmpint(matter_case_responder_get_result(resp, &rr), ==, MATTER_OK);
  g_assert_true(ir.resumed);
  g_assert_true(rr.resumed);
  g_assert_cmpmem(ir.setup.resumption_id, sizeof(ir.setup.resumption_id), s2r.resumption_id,
                  sizeof(s2r.resumption_id));
  g_assert_cmpmem(rr.setup.resumption_id, sizeof(rr.setup.resumption_id), s2r.resumption_id,
                  sizeof(s2r.resumption_id));
  g_assert_cmpmem(ir.setup.i2r_key, sizeof(ir.setup.i2r_key), rr.setup.i2r_key,
                  sizeof(rr.setup.i2r_key));
  g_assert_cmpmem(ir.setup.r2i_key, sizeof(ir.setup.r2i_key), rr.setup.r2i_key,
                  sizeof(rr.setup.r2i_key));
  g_assert_cmpuint(ir.setup.peer_node_id, ==, NODE_ID);
  g_assert_cmpuint(rr.setup.peer_node_id, ==, ADMIN_NODE_ID);
  matter_secure_zero(&ir, sizeof(ir));
  matter_secure_zero(&rr, sizeof(rr));
  matter_secure_zero(&record, sizeof(record));
  matter_case_initiator_free(init);
  matter_case_responder_free(resp);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  g_test_add("/case-resumption/resume", Fixture, NULL, fixture_setup, test_resume,
             fixture_teardown);
  return g_test_run();
}
