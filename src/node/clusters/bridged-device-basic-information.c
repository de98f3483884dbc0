/* SPDX-License-Identifier: Apache-2.0 */
/* Bridged Device Basic Information (0x0039), revision 5: Matter SDK
 * data_model/1.4.2/clusters/BridgedDeviceBasicInformationCluster.xml.
 * Served on each bridged application endpoint from its Endpoint1 object:
 * VendorName, ProductName and SerialNumber when the application has them,
 * NodeLabel (its Label, writable: the write goes to the application),
 * Reachable, UniqueID, and the ReachableChanged event. VendorID and
 * ProductID (described conformance) are not offered, nor the
 * BridgedICDSupport feature, nor the optional StartUp, ShutDown and Leave
 * events; ConfigurationVersion is provisional in 1.4.2. */
#define G_LOG_DOMAIN "matterd"

#include "clusters.h"

#include <string.h>

#include "matter/acl.h"

enum {
  ATTR_VENDOR_NAME = 0x0001,
  ATTR_PRODUCT_NAME = 0x0003,
  ATTR_NODE_LABEL = MD_BRIDGED_BASIC_ATTR_NODE_LABEL,
  ATTR_SERIAL_NUMBER = 0x000F,
  ATTR_REACHABLE = MD_BRIDGED_BASIC_ATTR_REACHABLE,
  ATTR_UNIQUE_ID = 0x0012,
};

static const MatterDmAttribute attributes[] = {
  { ATTR_VENDOR_NAME, MATTER_DM_FIXED, MATTER_ACL_PRIVILEGE_VIEW, 0, 0 },
  { ATTR_PRODUCT_NAME, MATTER_DM_FIXED, MATTER_ACL_PRIVILEGE_VIEW, 0, 0 },
  { ATTR_NODE_LABEL, 0, MATTER_ACL_PRIVILEGE_VIEW, MATTER_ACL_PRIVILEGE_MANAGE, 0 },
  { ATTR_SERIAL_NUMBER, MATTER_DM_FIXED, MATTER_ACL_PRIVILEGE_VIEW, 0, 0 },
  { ATTR_REACHABLE, 0, MATTER_ACL_PRIVILEGE_VIEW, 0, 0 },
  { ATTR_UNIQUE_ID, MATTER_DM_FIXED, MATTER_ACL_PRIVILEGE_VIEW, 0, 0 },
};

static const MatterDmEvent events[] = {
  { MD_BRIDGED_BASIC_EVENT_REACHABLE_CHANGED, MATTER_ACL_PRIVILEGE_VIEW, MATTER_EVENT_PRIORITY_INFO,
    0, 0 },
};

static bool
bridged_basic_present(const MatterDmCluster *cluster, uint32_t attribute)
{
  const MdBridgedBasic *self = cluster->state;

  switch (attribute) {
  case ATTR_VENDOR_NAME:
    return self->vendor_name != NULL;
  case ATTR_PRODUCT_NAME:
    return self->product_name != NULL;
  case ATTR_SERIAL_NUMBER:
    return self->serial_number != NULL;
  default:
    return true;
  }
}

static uint8_t
bridged_basic_read(MatterDmCluster *cluster, const MatterDmRequest *request, uint32_t attribute,
                   MatterTlvWriter *w, MatterTlvTag tag)
{
  const MdBridgedBasic *self = cluster->state;
  const char *value;

  switch (attribute) {
  case ATTR_VENDOR_NAME:
    value = self->vendor_name;
    break;
  case ATTR_PRODUCT_NAME:
    value = self->product_name;
    break;
  case ATTR_NODE_LABEL:
    value = self->node_label != NULL ? self->node_label : "";
    break;
  case ATTR_SERIAL_NUMBER:
    value = self->serial_number;
    break;
  case ATTR_UNIQUE_ID:
    value = self->unique_id;
    break;
  case ATTR_REACHABLE:
    matter_tlv_put_bool(w, tag, self->reachable);
    return MATTER_IM_STATUS_SUCCESS;
  default:
    return MATTER_IM_STATUS_UNSUPPORTED_ATTRIBUTE;
  }
  if (value == NULL)
    return MATTER_IM_STATUS_UNSUPPORTED_ATTRIBUTE;
  matter_tlv_put_string(w, tag, value);
  return MATTER_IM_STATUS_SUCCESS;
}

static uint8_t
bridged_basic_write(MatterDmCluster *cluster, const MatterDmRequest *request,
                    const MatterImAttributePath *path, MatterTlvReader *value)
{
  const MdBridgedBasic *self = cluster->state;
  char label[MD_BRIDGED_BASIC_STRING_MAX + 1];
  const char *str;
  size_t len;

  if (path->attribute != ATTR_NODE_LABEL)
    return MATTER_IM_STATUS_UNSUPPORTED_WRITE;
  if (matter_tlv_get_utf8(value, &str, &len) != MATTER_OK)
    return MATTER_IM_STATUS_INVALID_DATA_TYPE;
  if (len > MD_BRIDGED_BASIC_STRING_MAX || memchr(str, '\0', len) != NULL)
    return MATTER_IM_STATUS_CONSTRAINT_ERROR;
  memcpy(label, str, len);
  label[len] = '\0';
  if (self->ops == NULL || self->ops->write_label == NULL)
    return MATTER_IM_STATUS_UNSUPPORTED_WRITE;
  return self->ops->write_label(self->user_data, request, label);
}

MatterError
md_bridged_basic_encode_reachable_changed(gboolean reachable, MatterTlvWriter *w, MatterTlvTag tag)
{
  matter_tlv_start_structure(w, tag);
  matter_tlv_put_bool(w, matter_tlv_tag_context(0), reachable);
  return matter_tlv_end_container(w);
}

const MatterDmClass md_bridged_basic_class = {
  .id = 0x0039,
  .revision = 5,
  .name = "BridgedDeviceBasicInformation",
  .attributes = attributes,
  .attribute_count = G_N_ELEMENTS(attributes),
  .events = events,
  .event_count = G_N_ELEMENTS(events),
  .present = bridged_basic_present,
  .read = bridged_basic_read,
  .write = bridged_basic_write,
};
