/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* A fabric's certificate authority for tests: a root key and its RCAC,
 * issuing NOCs (Matter TLV) for any public key, as a commissioner does
 * after CSRRequest; or an intermediate CA under such a root
 * (md_test_ca_new_icac()), whose NOCs chain RCAC -> ICAC -> NOC.
 * Certificates never expire. */

#include <glib.h>

#include "matter/crypto.h"

typedef struct {
  MatterP256Key *key;
  guint8 public_key[MATTER_P256_PUBLIC_KEY_LEN];
  guint8 key_id[20];
  guint64 rcac_id;
  guint64 fabric_id;
  GBytes *rcac; /* the root's, also for an intermediate CA */
  /* An intermediate CA: its ICAC id (0 for a root) and certificate. key,
   * public_key and key_id are then the ICAC's. */
  guint64 icac_id;
  gboolean icac_names_fabric; /* the ICAC's subject has the fabric id */
  GBytes *icac;
} MdTestCa;

MdTestCa *md_test_ca_new(guint64 fabric_id);
/* An intermediate CA signed by @root (itself a root) for the root's
 * fabric, whose subject names the fabric id when @with_fabric_id (the
 * spec allows either). */
MdTestCa *md_test_ca_new_icac(MdTestCa *root, gboolean with_fabric_id);
void md_test_ca_free(MdTestCa *ca);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdTestCa, md_test_ca_free)

/* A NOC for @public_key with @node_id (and @cat_count CATs), signed by the
 * CA (the root, or the intermediate), for the CA's fabric id, or
 * @fabric_id when not 0. */
GBytes *md_test_ca_issue_noc(MdTestCa *ca, const guint8 public_key[MATTER_P256_PUBLIC_KEY_LEN],
                             guint64 node_id, guint64 fabric_id, const guint32 *cats,
                             gsize cat_count);
