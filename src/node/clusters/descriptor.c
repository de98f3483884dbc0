/* SPDX-License-Identifier: Apache-2.0 */
/* Descriptor (0x001D), revision 2: Matter SDK
 * data_model/1.4.2/clusters/Descriptor-Cluster.xml. Every list comes from
 * the node's registry: an endpoint's device types and server clusters; no
 * client clusters; the root endpoint's parts are every other endpoint, an
 * Aggregator's the endpoints whose parent it is (dm.h). The
 * TagList feature is not offered. */
#define G_LOG_DOMAIN "matterd"

#include "clusters.h"

#include "matter/acl.h"

enum {
  ATTR_DEVICE_TYPE_LIST = 0x0000,
  ATTR_SERVER_LIST = 0x0001,
  ATTR_CLIENT_LIST = 0x0002,
  ATTR_PARTS_LIST = 0x0003,
};

static const MatterDmAttribute attributes[] = {
  { ATTR_DEVICE_TYPE_LIST, MATTER_DM_LIST | MATTER_DM_FIXED, MATTER_ACL_PRIVILEGE_VIEW, 0, 0 },
  { ATTR_SERVER_LIST, MATTER_DM_LIST | MATTER_DM_FIXED, MATTER_ACL_PRIVILEGE_VIEW, 0, 0 },
  { ATTR_CLIENT_LIST, MATTER_DM_LIST | MATTER_DM_FIXED, MATTER_ACL_PRIVILEGE_VIEW, 0, 0 },
  { ATTR_PARTS_LIST, MATTER_DM_LIST, MATTER_ACL_PRIVILEGE_VIEW, 0, 0 },
};

static uint8_t
descriptor_read(MatterDmCluster *cluster, const MatterDmRequest *request, uint32_t attribute,
                MatterTlvWriter *w, MatterTlvTag tag)
{
  const MatterDmNode *dm = cluster->state;
  const MatterDmEndpoint *ep = matter_dm_find_endpoint(dm, cluster->endpoint);

  if (ep == NULL)
    return MATTER_IM_STATUS_FAILURE;
  matter_tlv_start_array(w, tag);
  switch (attribute) {
  case ATTR_DEVICE_TYPE_LIST:
    for (gsize i = 0; i < ep->device_type_count; i++) {
      matter_tlv_start_structure(w, matter_tlv_tag_anonymous());
      matter_tlv_put_uint(w, matter_tlv_tag_context(0), ep->device_types[i].device_type);
      matter_tlv_put_uint(w, matter_tlv_tag_context(1), ep->device_types[i].revision);
      matter_tlv_end_container(w);
    }
    break;
  case ATTR_SERVER_LIST:
    for (gsize i = 0; i < ep->cluster_count; i++)
      matter_tlv_put_uint(w, matter_tlv_tag_anonymous(), ep->clusters[i]->cls->id);
    break;
  case ATTR_CLIENT_LIST:
    break;
  case ATTR_PARTS_LIST:
    /* The root's parts are every other endpoint (full-family); an
     * Aggregator's are the bridged nodes whose parent it is. */
    for (gsize i = 0; i < dm->endpoint_count; i++) {
      const MatterDmEndpoint *part = dm->endpoints[i];

      if (part->id != ep->id && (ep->id == 0 || (part->id != 0 && part->parent == ep->id)))
        matter_tlv_put_uint(w, matter_tlv_tag_anonymous(), part->id);
    }
    break;
  default:
    return MATTER_IM_STATUS_UNSUPPORTED_ATTRIBUTE;
  }
  matter_tlv_end_container(w);
  return MATTER_IM_STATUS_SUCCESS;
}

const MatterDmClass md_descriptor_class = {
  .id = 0x001D,
  .revision = 2,
  .name = "Descriptor",
  .attributes = attributes,
  .attribute_count = G_N_ELEMENTS(attributes),
  .read = descriptor_read,
};
