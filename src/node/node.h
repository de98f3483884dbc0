/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The node model: who this node is (vendor, product, discriminator) and
 * what it holds (fabrics), read by the D-Bus service and, later, by the
 * clusters. It owns no I/O but the store it is given. */

#include <glib.h>

#include "attestation-creds.h"
#include "config.h"
#include "store.h"

typedef struct _MdNode MdNode;

/* Resolves the node's identity from @config and @store: a discriminator
 * not set in the configuration is chosen at random at first start and kept
 * in the store, so the node announces the same one across restarts. The
 * node takes @attestation. */
MdNode *md_node_new(const MdConfig *config, MdStore *store, MdAttestationCreds *attestation,
                    GError **error);
void md_node_free(MdNode *node);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdNode, md_node_free)

guint16 md_node_get_vendor_id(MdNode *node);
guint16 md_node_get_product_id(MdNode *node);
guint16 md_node_get_discriminator(MdNode *node);
guint8 md_node_get_supported_fabrics(MdNode *node);
MdAttestationCreds *md_node_get_attestation(MdNode *node);

/* Fabrics committed to the store; -1 with @error set when it cannot be read. */
int md_node_count_fabrics(MdNode *node, GError **error);
