/* SPDX-License-Identifier: Apache-2.0 */
#define G_LOG_DOMAIN "matterd"

#include "node.h"

#include "matter/crypto.h"
#include "md-error.h"

#define DISCRIMINATOR_KEY "discriminator"
#define DISCRIMINATOR_MAX 0x0FFF

struct _MdNode {
  MdStore *store; /* not owned */
  MdAttestationCreds *attestation;
  guint16 vendor_id;
  guint16 product_id;
  guint16 discriminator;
  guint8 supported_fabrics;
};

static gboolean
load_or_create_discriminator(MdStore *store, guint16 *discriminator, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  guint8 bytes[2];
  guint64 stored;

  if (md_store_get_uint64(store, DISCRIMINATOR_KEY, &stored, &local_error)) {
    if (stored > DISCRIMINATOR_MAX) {
      g_set_error(error, MD_ERROR, MD_ERROR_STORE_CORRUPT,
                  "Stored discriminator %" G_GUINT64_FORMAT " is out of range", stored);
      return FALSE;
    }
    *discriminator = (guint16) stored;
    return TRUE;
  }
  if (!g_error_matches(local_error, MD_ERROR, MD_ERROR_NOT_FOUND)) {
    g_propagate_error(error, g_steal_pointer(&local_error));
    return FALSE;
  }

  /* From the DRBG like everything else the node picks: the discriminator
   * is no secret, but nothing should be able to predict it either. */
  if (matter_random(bytes, sizeof(bytes)) != MATTER_OK) {
    g_set_error(error, MD_ERROR, MD_ERROR_FAILED, "Cannot choose a discriminator: no randomness");
    return FALSE;
  }
  *discriminator = (guint16) ((bytes[0] | bytes[1] << 8) & DISCRIMINATOR_MAX);
  if (!md_store_put_uint64(store, DISCRIMINATOR_KEY, *discriminator, error))
    return FALSE;
  g_message("Chose discriminator %u for this node", *discriminator);
  return TRUE;
}

MdNode *
md_node_new(const MdConfig *config, MdStore *store, MdAttestationCreds *attestation,
            GError **error)
{
  g_autoptr(MdNode) node = g_new0(MdNode, 1);

  node->store = store;
  node->attestation = attestation;
  node->vendor_id = (guint16) config->vendor_id;
  node->product_id = (guint16) config->product_id;
  node->supported_fabrics = (guint8) config->supported_fabrics;

  if (config->has_discriminator)
    node->discriminator = (guint16) config->discriminator;
  else if (!load_or_create_discriminator(store, &node->discriminator, error))
    return NULL;

  return g_steal_pointer(&node);
}

void
md_node_free(MdNode *node)
{
  if (node == NULL)
    return;
  md_attestation_creds_free(node->attestation);
  g_free(node);
}

guint16
md_node_get_vendor_id(MdNode *node)
{
  return node->vendor_id;
}

guint16
md_node_get_product_id(MdNode *node)
{
  return node->product_id;
}

guint16
md_node_get_discriminator(MdNode *node)
{
  return node->discriminator;
}

guint8
md_node_get_supported_fabrics(MdNode *node)
{
  return node->supported_fabrics;
}

MdAttestationCreds *
md_node_get_attestation(MdNode *node)
{
  return node->attestation;
}

int
md_node_count_fabrics(MdNode *node, GError **error)
{
  return md_store_count_fabrics(node->store, error);
}
