/* SPDX-License-Identifier: Apache-2.0 */
/* Network Commissioning (0x0031), revision 2, with the Ethernet feature
 * only: Matter SDK data_model/1.4.2/clusters/NetworkCommissioningCluster.xml.
 * The host manages its own network, so the node commissions none: it
 * reports the interface its daemon found (md_network_commissioning_set_
 * interface()) as the one network, connected while that interface is up
 * with carrier. No commands exist for Ethernet; the Last* attributes stay
 * null because no network operation is ever attempted. */
#define G_LOG_DOMAIN "matterd"

#include "clusters.h"

#include <string.h>

#include "matter/acl.h"
#include "matter/im-engine.h"

#define FEATURE_ETHERNET (1u << 2)

enum {
  ATTR_MAX_NETWORKS = 0x0000,
  ATTR_NETWORKS = 0x0001,
  ATTR_INTERFACE_ENABLED = 0x0004,
  ATTR_LAST_NETWORKING_STATUS = 0x0005,
  ATTR_LAST_NETWORK_ID = 0x0006,
  ATTR_LAST_CONNECT_ERROR_VALUE = 0x0007,
};

static const MatterDmAttribute attributes[] = {
  { ATTR_MAX_NETWORKS, MATTER_DM_FIXED, MATTER_ACL_PRIVILEGE_ADMINISTER, 0, 0 },
  { ATTR_NETWORKS, MATTER_DM_LIST, MATTER_ACL_PRIVILEGE_ADMINISTER, 0, 0 },
  { ATTR_INTERFACE_ENABLED, 0, MATTER_ACL_PRIVILEGE_VIEW, MATTER_ACL_PRIVILEGE_ADMINISTER, 0 },
  { ATTR_LAST_NETWORKING_STATUS, 0, MATTER_ACL_PRIVILEGE_ADMINISTER, 0, 0 },
  { ATTR_LAST_NETWORK_ID, 0, MATTER_ACL_PRIVILEGE_ADMINISTER, 0, 0 },
  { ATTR_LAST_CONNECT_ERROR_VALUE, 0, MATTER_ACL_PRIVILEGE_ADMINISTER, 0, 0 },
};

void
md_network_commissioning_init(MdNetworkCommissioning *nc)
{
  *nc = (MdNetworkCommissioning) { 0 };
}

void
md_network_commissioning_bind(MdNetworkCommissioning *nc, MatterDmNode *dm,
                              MatterDmCluster *cluster)
{
  nc->dm = dm;
  nc->cluster = cluster;
  cluster->feature_map = FEATURE_ETHERNET;
}

gboolean
md_network_commissioning_set_interface(MdNetworkCommissioning *nc, const char *name,
                                       gboolean connected)
{
  if (name != NULL && strlen(name) > MD_NETWORK_ID_MAX) {
    g_warning("Interface name %s is too long for a NetworkID", name);
    name = NULL;
  }
  if (name == NULL)
    name = "";
  connected = name[0] != '\0' && connected;
  if (strcmp(name, nc->interface) == 0 && connected == nc->connected)
    return FALSE;
  g_strlcpy(nc->interface, name, sizeof(nc->interface));
  nc->connected = connected;
  if (name[0] != '\0')
    g_message("Network interface %s (%s)", name, connected ? "connected" : "no carrier");
  else
    g_message("No network interface besides loopback");
  if (nc->dm != NULL)
    matter_dm_mark(nc->dm, nc->cluster, ATTR_NETWORKS);
  return TRUE;
}

static uint8_t
read_attribute(MatterDmCluster *cluster, const MatterDmRequest *request, uint32_t attribute,
               MatterTlvWriter *w, MatterTlvTag tag)
{
  MdNetworkCommissioning *nc = cluster->state;

  switch (attribute) {
  case ATTR_MAX_NETWORKS:
    matter_tlv_put_uint(w, tag, 1);
    break;
  case ATTR_NETWORKS:
    /* NetworkInfoStruct: the NetworkID of an Ethernet network is the
     * interface's name. */
    matter_tlv_start_array(w, tag);
    if (nc->interface[0] != '\0') {
      matter_tlv_start_structure(w, matter_tlv_tag_anonymous());
      matter_tlv_put_bytes(w, matter_tlv_tag_context(0), (const uint8_t *) nc->interface,
                           strlen(nc->interface));
      matter_tlv_put_bool(w, matter_tlv_tag_context(1), nc->connected);
      matter_tlv_end_container(w);
    }
    matter_tlv_end_container(w);
    break;
  case ATTR_INTERFACE_ENABLED:
    matter_tlv_put_bool(w, tag, true);
    break;
  case ATTR_LAST_NETWORKING_STATUS:
  case ATTR_LAST_NETWORK_ID:
  case ATTR_LAST_CONNECT_ERROR_VALUE:
    matter_tlv_put_null(w, tag);
    break;
  default:
    return MATTER_IM_STATUS_UNSUPPORTED_ATTRIBUTE;
  }
  return MATTER_IM_STATUS_SUCCESS;
}

static uint8_t
write_attribute(MatterDmCluster *cluster, const MatterDmRequest *request,
                const MatterImAttributePath *path, MatterTlvReader *value)
{
  bool enabled;

  if (path->attribute != ATTR_INTERFACE_ENABLED)
    return MATTER_IM_STATUS_UNSUPPORTED_WRITE;
  if (path->list_index_kind != MATTER_IM_LIST_INDEX_NONE)
    return MATTER_IM_STATUS_INVALID_ACTION;
  if (matter_tlv_get_bool(value, &enabled) != MATTER_OK)
    return MATTER_IM_STATUS_CONSTRAINT_ERROR;
  if (!enabled) {
    /* Taking the host's network down is the host's decision, not a
     * controller's: the write is refused rather than pretended. */
    g_message("Refused InterfaceEnabled=false: the host manages its network interfaces");
    return MATTER_IM_STATUS_INVALID_IN_STATE;
  }
  return MATTER_IM_STATUS_SUCCESS;
}

const MatterDmClass md_network_commissioning_class = {
  .id = 0x0031,
  .revision = 2,
  .name = "Network Commissioning",
  .attributes = attributes,
  .attribute_count = G_N_ELEMENTS(attributes),
  .read = read_attribute,
  .write = write_attribute,
};
