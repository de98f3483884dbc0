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
#include "md-test-commission.h"
#include "md-test-node.h"

#define CONFIG MD_TEST_COMMISSION_CONFIG

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

  g_assert_cmpuint(md_test_node_query(node, "SELECT count(*) FROM fabric"), ==, 1);
  g_assert_cmpuint(md_test_node_query(node, fabric), ==, 1);
  g_assert_cmpuint(md_test_node_query(node, "SELECT count(*) FROM acl_entry"), ==, 1);
  g_assert_cmpuint(md_test_node_query(node, acl), ==, 1);
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
  g_auto(MdTestIdentity) admin = { 0 };
  g_auto(MdTestIdentity) stranger = { 0 };
  MatterSession *session = md_test_pase(node);
  guint16 pase_id = session->local_session_id;
  g_autoptr(GBytes) noc = NULL;
  g_autoptr(GArray) answers = NULL;
  g_autofree char *window = NULL;
  guint8 index;

  md_test_admin_init(&admin, ca);
  index = md_test_commission_to_add_noc(node, session, ca, &noc);
  window = md_test_node_window(node);
  g_assert_cmpstr(window, ==, "basic");
  g_clear_pointer(&window, g_free);

  session = md_test_case_session(node, &admin, NULL, NULL);
  g_assert_cmpuint(md_test_commissioning_complete(node, session), ==, COMMISSIONING_OK);
  g_assert_true(md_test_node_wait_for_log(node, "Commissioning complete on fabric"));
  window = md_test_node_window(node);
  g_assert_cmpstr(window, ==, "closed");
  g_assert_true(md_test_commissioner_wait_closed(node->commissioner, pase_id, 2000));
  assert_store_has_fabric(node, index, "");

  assert_committed_fabric(node, session, ca, index, "");
  assert_nocs(node, session, noc);
  /* A second CASE, on the committed fabric now, sees the same. */
  session = md_test_case_session(node, &admin, NULL, NULL);
  assert_committed_fabric(node, session, ca, index, "");

  /* Same fabric and IPK, but no ACL entry names this node. */
  md_test_identity_init(&stranger, ca, STRANGER_NODE_ID, (const guint8 *) IPK);
  session = md_test_case_session(node, &stranger, NULL, NULL);
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
  g_auto(MdTestIdentity) admin = { 0 };
  MatterSession *session = md_test_pase(node);
  g_autoptr(GBytes) noc = NULL;
  MdTestCaseOutcome outcome;
  MatterCaseResumption record, next, bogus;
  guint resumed;
  guint8 index;

  md_test_admin_init(&admin, ca);
  index = md_test_commission_to_add_noc(node, session, ca, &noc);
  session = md_test_case_session(node, &admin, NULL, NULL);
  g_assert_cmpuint(md_test_update_fabric_label(node, session, LABEL), ==, NOC_STATUS_OK);
  g_assert_cmpuint(md_test_commissioning_complete(node, session), ==, COMMISSIONING_OK);
  md_test_node_crash_and_restart(node);

  session = md_test_case_session(node, &admin, NULL, &outcome);
  g_assert_false(outcome.result.resumed);
  assert_committed_fabric(node, session, ca, index, LABEL);
  assert_nocs(node, session, noc);
  assert_store_has_fabric(node, index, LABEL);
  md_test_resumption_from(&outcome, &record);
  matter_secure_zero(&outcome, sizeof(outcome));

  md_test_node_crash_and_restart(node);
  resumed = md_test_node_count_log(node, " resumed with node");
  session = md_test_case_session(node, &admin, &record, &outcome);
  g_assert_true(outcome.result.resumed);
  /* The resumed session is of the fabric, with the administrator's
   * rights; the daemon logged it as resumed. */
  assert_committed_fabric(node, session, ca, index, LABEL);
  g_assert_cmpuint(md_test_node_count_log(node, " resumed with node"), ==, resumed + 1);
  md_test_resumption_from(&outcome, &next);
  matter_secure_zero(&outcome, sizeof(outcome));

  /* The record a resumption used was replaced: its id is stale now. */
  session = md_test_case_session(node, &admin, &record, &outcome);
  g_assert_false(outcome.result.resumed);
  matter_secure_zero(&outcome, sizeof(outcome));
  /* So is the record of the session resumed: the full handshake since
   * replaced it. */
  session = md_test_case_session(node, &admin, &next, &outcome);
  g_assert_false(outcome.result.resumed);
  md_test_resumption_from(&outcome, &next);
  matter_secure_zero(&outcome, sizeof(outcome));
  /* An id the node never gave falls back to a full Sigma2. */
  bogus = next;
  for (gsize i = 0; i < sizeof(bogus.resumption_id); i++)
    bogus.resumption_id[i] = (guint8) g_random_int();
  session = md_test_case_session(node, &admin, &bogus, &outcome);
  g_assert_false(outcome.result.resumed);
  g_assert_cmpuint(read_uint(node, session, CLUSTER_OPCREDS, ATTR_CURRENT_FABRIC_INDEX), ==, index);
  g_assert_cmpuint(md_test_node_count_log(node, " resumed with node"), ==, resumed + 1);
  md_test_resumption_from(&outcome, &next);
  matter_secure_zero(&outcome, sizeof(outcome));
  /* The record of the latest session resumes, once. */
  session = md_test_case_session(node, &admin, &next, &outcome);
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
  g_auto(MdTestIdentity) admin = { 0 };
  MatterSession *session = md_test_pase(node);
  g_autoptr(GBytes) noc = NULL;
  g_autofree char *window = NULL;

  md_test_admin_init(&admin, ca);
  md_test_commission_to_add_noc(node, session, ca, &noc);
  md_test_case_session(node, &admin, NULL, NULL);
  md_test_node_crash_and_restart(node);

  md_test_assert_case_refused(node, &admin);
  window = md_test_node_window(node);
  g_assert_cmpstr(window, ==, "basic");
  g_assert_cmpuint(md_test_node_query(node, "SELECT count(*) FROM fabric"), ==, 0);
  g_assert_cmpuint(md_test_node_query(node, "SELECT count(*) FROM resumption"), ==, 0);
  session = md_test_pase(node);
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
  g_auto(MdTestIdentity) admin = { 0 };
  g_auto(MdTestIdentity) other_root = { 0 };
  g_auto(MdTestIdentity) other_ipk = { 0 };
  static const guint8 wrong_ipk[16] = { 0x01 };
  g_autofree char *window = NULL;
  MatterSession *session;
  guint16 id;
  guint8 index;

  md_test_admin_init(&admin, ca);
  md_test_identity_init(&other_root, other_ca, ADMIN_NODE_ID, (const guint8 *) IPK);
  md_test_identity_init(&other_ipk, ca, ADMIN_NODE_ID, wrong_ipk);
  md_test_assert_case_refused(node, &admin);

  session = md_test_commission(node, ca, &admin, &index, NULL);
  id = session->local_session_id;
  md_test_assert_case_refused(node, &other_root);
  md_test_assert_case_refused(node, &other_ipk);
  /* Refusals leave the fabric as it was. */
  assert_committed_fabric(node, session, ca, index, "");

  /* The session answers, then goes with its fabric. */
  g_assert_cmpuint(md_test_remove_fabric(node, session, index), ==, NOC_STATUS_OK);
  g_assert_true(md_test_commissioner_wait_closed(node->commissioner, id, 2000));
  md_test_assert_case_refused(node, &admin);
  /* On no fabric any more, the node waits to be commissioned again. */
  window = md_test_node_window(node);
  g_assert_cmpstr(window, ==, "basic");
  g_assert_cmpuint(md_test_node_query(node, "SELECT count(*) FROM fabric"), ==, 0);
  g_assert_cmpuint(md_test_node_query(node, "SELECT count(*) FROM acl_entry"), ==, 0);
  g_assert_cmpuint(md_test_node_query(node, "SELECT count(*) FROM resumption"), ==, 0);
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
  return g_test_run();
}
