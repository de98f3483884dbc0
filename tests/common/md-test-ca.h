/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* A fabric's certificate authority for tests: a root key and its RCAC,
 * issuing NOCs (Matter TLV) for any public key, as a commissioner does
 * after CSRRequest. Certificates never expire. */

#include <glib.h>

#include "matter/crypto.h"

typedef struct {
  MatterP256Key *key;
  guint8 public_key[MATTER_P256_PUBLIC_KEY_LEN];
  guint8 key_id[20];
  guint64 rcac_id;
  guint64 fabric_id;
  GBytes *rcac;
} MdTestCa;

MdTestCa *md_test_ca_new(guint64 fabric_id);
void md_test_ca_free(MdTestCa *ca);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdTestCa, md_test_ca_free)

/* A NOC for @public_key with @node_id (and @cat_count CATs), signed by the
 * root, for the CA's fabric id, or @fabric_id when not 0. */
GBytes *md_test_ca_issue_noc(MdTestCa *ca, const guint8 public_key[MATTER_P256_PUBLIC_KEY_LEN],
                             guint64 node_id, guint64 fabric_id, const guint32 *cats,
                             gsize cat_count);
