/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Commissioning matterd as a controller does, for integration tests: PASE
 * with the test passcode, the Operational Credentials steps up to AddNOC
 * with a fabric of a test CA, CASE as that fabric's administrator, and
 * CommissioningComplete; plus the invokes around them. Every step asserts
 * that it succeeded. The constants are the fabric's and the node's. */

#include "matter/case.h"
#include "matter/im.h"
#include "md-test-ca.h"
#include "md-test-node.h"

#define PASSCODE 20202021
#define MD_TEST_COMMISSION_CONFIG "[Node]\nDiscriminator=3840\n[Commissioning]\nPasscode=20202021\n"

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
  CMD_ATTESTATION_REQUEST = 0x00,
  CMD_ATTESTATION_RESPONSE = 0x01,
  CMD_CERTIFICATE_CHAIN_REQUEST = 0x02,
  CMD_CERTIFICATE_CHAIN_RESPONSE = 0x03,
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

/* A node of @ca's fabric as CASE sees it: a key, a NOC for it, and the
 * operational IPK from the epoch key AddNOC gave the device. */
typedef struct {
  MatterP256Key *key;
  GBytes *noc;
  GBytes *rcac;
  MatterCaseFabric fabric;
} MdTestIdentity;

void md_test_identity_clear(MdTestIdentity *id);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(MdTestIdentity, md_test_identity_clear)

/* Command fields being written: md_test_fields_begin() opens the
 * anonymous structure, md_test_fields_end() closes it. */
typedef struct {
  guint8 buf[1024];
  gsize len;
  MatterTlvWriter w;
} MdTestFields;

/* PASE with PASSCODE, which must succeed: the session. */
MatterSession *md_test_pase(MdTestNode *node);
/* The same over @transport: MATTER_TRANSPORT_BLE goes over the
 * commissioner's BLE link (md_test_commissioner_set_ble()). */
MatterSession *md_test_pase_over(MdTestNode *node, MatterTransport transport);
void md_test_identity_init(MdTestIdentity *id, MdTestCa *ca, guint64 node_id,
                           const guint8 *epoch_key);
/* The administrator AddNOC names: ADMIN_NODE_ID, with IPK. */
void md_test_admin_init(MdTestIdentity *id, MdTestCa *ca);
/* CASE that must succeed: the session, and the outcome in @outcome (may
 * be NULL). */
MatterSession *md_test_case_session(MdTestNode *node, const MdTestIdentity *id,
                                    const MatterCaseResumption *resumption,
                                    MdTestCaseOutcome *outcome);
/* CASE that the daemon must refuse with NoSharedTrustRoots. */
void md_test_assert_case_refused(MdTestNode *node, const MdTestIdentity *id);
/* The record a peer keeps of an established session to resume it. */
void md_test_resumption_from(const MdTestCaseOutcome *outcome, MatterCaseResumption *record);
MatterTlvWriter *md_test_fields_begin(MdTestFields *f);
void md_test_fields_end(MdTestFields *f);
void md_test_put_bytes(MatterTlvWriter *w, guint8 tag, GBytes *bytes);
void md_test_invoke(MdTestNode *node, MatterSession *session, guint32 cluster, guint32 command,
                    const MdTestFields *fields, MdTestInvokeAnswer *answer);
/* The first field (tag 0, an unsigned integer) of the response
 * @response to @command. */
guint8 md_test_invoke_code(MdTestNode *node, MatterSession *session, guint32 cluster,
                           guint32 command, const MdTestFields *fields, guint32 response);
void md_test_arm_fail_safe(MdTestNode *node, MatterSession *session, guint16 seconds);
guint8 md_test_commissioning_complete(MdTestNode *node, MatterSession *session);
/* A file of data/dev-attestation (from a test in tests/integration). */
GBytes *md_test_read_dev_file(const char *name);
/* Device attestation as a commissioner starts it: the DAC from
 * CertificateChainRequest is the installed one, and AttestationRequest's
 * response is signed with its key over this session's challenge and the
 * nonce sent, with the installed certification declaration
 * (test-commissioning-udp checks the chain to the PAA). */
void md_test_attestation(MdTestNode *node, MatterSession *session);
/* CSRRequest: the key the CSR is for in @public_key, the response checked
 * against the installed DAC (test-commissioning-udp checks the chain). */
void md_test_csr_request(MdTestNode *node, MatterSession *session,
                         guint8 public_key[MATTER_P256_PUBLIC_KEY_LEN]);
/* ArmFailSafe, CSRRequest, AddTrustedRootCertificate and AddNOC (with
 * IPK, ADMIN_NODE_ID as CaseAdminSubject) over the PASE @session: the
 * NOC in *@noc, the new fabric's index returned. */
guint8 md_test_commission_to_add_noc(MdTestNode *node, MatterSession *session, MdTestCa *ca,
                                     GBytes **noc);
/* An NOCResponse's StatusCode to UpdateFabricLabel or RemoveFabric. */
guint8 md_test_update_fabric_label(MdTestNode *node, MatterSession *session, const char *label);
guint8 md_test_remove_fabric(MdTestNode *node, MatterSession *session, guint8 index);
/* The whole commissioning: PASE up to AddNOC, CASE as the administrator,
 * CommissioningComplete over it. The CASE session returned, with its
 * outcome in @outcome (may be NULL). */
MatterSession *md_test_commission(MdTestNode *node, MdTestCa *ca, const MdTestIdentity *admin,
                                  guint8 *index, MdTestCaseOutcome *outcome);
/* The same with @passcode (the node's own, or an enhanced window's). */
MatterSession *md_test_commission_with(MdTestNode *node, guint32 passcode, MdTestCa *ca,
                                       const MdTestIdentity *admin, guint8 *index,
                                       MdTestCaseOutcome *outcome);
