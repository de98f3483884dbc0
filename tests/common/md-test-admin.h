/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* An administrator of a test fabric, for integration tests that need the
 * node on a fabric: the fabric's CA (md-test-ca.h), the administrator's
 * own CASE identity on it, and the commissioning a controller does over
 * a commissioner (udp-commissioner.h): PASE, ArmFailSafe, CSRRequest,
 * AddTrustedRootCertificate, AddNOC (naming the administrator as
 * CaseAdminSubject), CASE, CommissioningComplete. */

#include <glib.h>

#include "matter/case.h"
#include "md-test-ca.h"
#include "udp-commissioner.h"

/* The IPK epoch key AddNOC gives the node. */
#define MD_TEST_ADMIN_IPK "\x4a\x71\xcd\xd7\xb2\xa3\xca\x90\x24\xf9\x6f\x3c\x96\xa1\x9d\xee"

typedef struct {
  MdTestCa *ca;
  guint64 device_node_id; /* the node id AddNOC gives the node */
  guint16 vendor_id;      /* AddNOC's AdminVendorId */
  /* The administrator's identity for CASE: a key and a NOC of the CA. */
  MatterP256Key *key;
  GBytes *noc;
  MatterCaseFabric fabric;
} MdTestAdmin;

/* The administrator @admin_node_id of a new fabric @fabric_id, which
 * gives the node @device_node_id and names itself with @vendor_id. */
MdTestAdmin *md_test_admin_new(guint64 fabric_id, guint64 admin_node_id, guint64 device_node_id,
                               guint16 vendor_id);
void md_test_admin_free(MdTestAdmin *admin);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdTestAdmin, md_test_admin_free)

/* Over the PASE session @pase: ArmFailSafe (60 s), CSRRequest (the answer
 * checked against the development DAC in data/dev-attestation),
 * AddTrustedRootCertificate and AddNOC. Returns the fabric index the
 * node gave the fabric. */
guint8 md_test_admin_add_noc(MdTestAdmin *admin, MdTestCommissioner *commissioner,
                             MatterSession *pase);
/* A CASE session to the node as the administrator; asserts that it was
 * established. */
MatterSession *md_test_admin_case(MdTestAdmin *admin, MdTestCommissioner *commissioner);
/* CommissioningComplete over @session; asserts that the node took it. */
void md_test_admin_complete(MdTestAdmin *admin, MdTestCommissioner *commissioner,
                            MatterSession *session);
/* The whole commissioning: PASE with @passcode, md_test_admin_add_noc(),
 * md_test_admin_case() and md_test_admin_complete(). Returns the CASE
 * session, the fabric index in *@index and, when @pase_id is not NULL,
 * the commissioner's id of the PASE session (which the node closes) in
 * *@pase_id. */
MatterSession *md_test_admin_commission(MdTestAdmin *admin, MdTestCommissioner *commissioner,
                                        guint32 passcode, guint8 *index, guint16 *pase_id);
