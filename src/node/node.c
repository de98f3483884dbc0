/* SPDX-License-Identifier: Apache-2.0 */
#define G_LOG_DOMAIN "matterd"

#include "node.h"

#include "commissioning.h"
#include "matter/crypto.h"
#include "md-error.h"
#include "pase-server.h"

#define DISCRIMINATOR_KEY "discriminator"
#define DISCRIMINATOR_MAX 0x0FFF

struct _MdNode {
  const MdNodeStorage *storage; /* not owned */
  const MdNodeHost *host;       /* not owned */
  gpointer host_data;
  MdAttestationCreds *attestation;
  guint16 vendor_id;
  guint16 product_id;
  guint16 discriminator;
  guint8 supported_fabrics;
  MdCommissioning *commissioning;
  MdPaseServer *pase_server;
};

static gboolean
load_or_create_discriminator(const MdNodeStorage *storage, guint16 *discriminator, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  guint8 bytes[2];
  guint64 stored;

  if (md_node_storage_get_uint64(storage, DISCRIMINATOR_KEY, &stored, &local_error)) {
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
  if (!md_node_storage_put_uint64(storage, DISCRIMINATOR_KEY, *discriminator, error))
    return FALSE;
  g_message("Chose discriminator %u for this node", *discriminator);
  return TRUE;
}

MdNode *
md_node_new(const MdNodeParams *params, const MdNodeStorage *storage,
            MdAttestationCreds *attestation, MatterExchangeManager *exchanges,
            MatterSessionTable *sessions, const MdNodeHost *host, gpointer host_data,
            GError **error)
{
  g_autoptr(MdNode) node = g_new0(MdNode, 1);

  node->storage = storage;
  node->host = host;
  node->host_data = host_data;
  node->attestation = attestation;
  node->vendor_id = params->vendor_id;
  node->product_id = params->product_id;
  node->supported_fabrics = params->supported_fabrics;

  if (params->has_discriminator)
    node->discriminator = params->discriminator;
  else if (!load_or_create_discriminator(storage, &node->discriminator, error))
    return NULL;
  node->commissioning = md_commissioning_new(node, storage, params, error);
  if (node->commissioning == NULL)
    return NULL;
  node->pase_server = md_pase_server_new(node, exchanges, sessions, error);
  if (node->pase_server == NULL)
    return NULL;
  return g_steal_pointer(&node);
}

void
md_node_free(MdNode *node)
{
  if (node == NULL)
    return;
  g_clear_pointer(&node->pase_server, md_pase_server_free);
  g_clear_pointer(&node->commissioning, md_commissioning_free);
  md_attestation_creds_free(node->attestation);
  g_free(node);
}

void
md_node_start(MdNode *node, guint64 now_ms)
{
  md_commissioning_start(node->commissioning, now_ms);
}

guint64
md_node_next_deadline(MdNode *node)
{
  return md_commissioning_next_deadline(node->commissioning);
}

void
md_node_process(MdNode *node, guint64 now_ms)
{
  md_commissioning_process(node->commissioning, now_ms);
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

MdCommissioning *
md_node_get_commissioning(MdNode *node)
{
  return node->commissioning;
}

int
md_node_count_fabrics(MdNode *node, GError **error)
{
  return md_node_storage_count_fabrics(node->storage, error);
}

void
md_node_changed(MdNode *node, MdNodeChange change)
{
  if (node->host != NULL && node->host->changed != NULL)
    node->host->changed(change, node->host_data);
}

char *
md_node_peer_to_string(MdNode *node, const MatterPeerAddress *peer)
{
  if (node->host != NULL && node->host->peer_to_string != NULL)
    return node->host->peer_to_string(peer, node->host_data);
  return g_strdup("?");
}
