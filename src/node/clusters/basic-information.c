/* SPDX-License-Identifier: Apache-2.0 */
/* Basic Information (0x0028), revision 5: Matter SDK
 * data_model/1.4.2/clusters/BasicInformationCluster.xml. The optional
 * attributes a Linux host can fill truthfully are present when
 * configured (ManufacturingDate, PartNumber, ProductURL, ProductLabel,
 * SerialNumber); LocalConfigDisabled, Reachable and ProductAppearance are
 * not offered. NodeLabel and Location are writable and kept in the store;
 * UniqueID is random per installation. The node logs the StartUp,
 * ShutDown and Leave events (node.c); ReachableChanged goes with
 * Reachable, which a root node does not have. */
#define G_LOG_DOMAIN "matterd"

#include "clusters.h"

#include "matter/event-log.h"

#include <string.h>

#include "matter/acl.h"
#include "matter/crypto.h"
#include "matter/im-engine.h"
#include "md-error.h"

#define KEY_NODE_LABEL "basic-information/node-label"
#define KEY_LOCATION "basic-information/location"
#define KEY_UNIQUE_ID "basic-information/unique-id"

#define NODE_LABEL_MAX 32
#define LOCATION_LEN 2
#define UNIQUE_ID_BYTES 16 /* written as 32 hex digits, the attribute's maximum */

/* What this build claims (the SDK's SpecificationDefinedRevisions.h for
 * Matter 1.4.x: DataModelRevision 18; SpecificationVersion of 1.4.2). */
#define DATA_MODEL_REVISION 18
#define SPECIFICATION_VERSION 0x01040200
/* CapabilityMinima: what the message layer and the engine provide. */
#define CASE_SESSIONS_PER_FABRIC 3
#define SUBSCRIPTIONS_PER_FABRIC 3

enum {
  ATTR_DATA_MODEL_REVISION = 0x0000,
  ATTR_VENDOR_NAME = 0x0001,
  ATTR_VENDOR_ID = 0x0002,
  ATTR_PRODUCT_NAME = 0x0003,
  ATTR_PRODUCT_ID = 0x0004,
  ATTR_NODE_LABEL = 0x0005,
  ATTR_LOCATION = 0x0006,
  ATTR_HARDWARE_VERSION = 0x0007,
  ATTR_HARDWARE_VERSION_STRING = 0x0008,
  ATTR_SOFTWARE_VERSION = 0x0009,
  ATTR_SOFTWARE_VERSION_STRING = 0x000A,
  ATTR_MANUFACTURING_DATE = 0x000B,
  ATTR_PART_NUMBER = 0x000C,
  ATTR_PRODUCT_URL = 0x000D,
  ATTR_PRODUCT_LABEL = 0x000E,
  ATTR_SERIAL_NUMBER = 0x000F,
  ATTR_UNIQUE_ID = 0x0012,
  ATTR_CAPABILITY_MINIMA = 0x0013,
  ATTR_SPECIFICATION_VERSION = 0x0015,
  ATTR_MAX_PATHS_PER_INVOKE = 0x0016,
  ATTR_CONFIGURATION_VERSION = 0x0018,
};

#define FIXED(id) { id, MATTER_DM_FIXED, MATTER_ACL_PRIVILEGE_VIEW, 0, 0 }

static const MatterDmAttribute attributes[] = {
  FIXED(ATTR_DATA_MODEL_REVISION),
  FIXED(ATTR_VENDOR_NAME),
  FIXED(ATTR_VENDOR_ID),
  FIXED(ATTR_PRODUCT_NAME),
  FIXED(ATTR_PRODUCT_ID),
  { ATTR_NODE_LABEL, 0, MATTER_ACL_PRIVILEGE_VIEW, MATTER_ACL_PRIVILEGE_MANAGE, 0 },
  { ATTR_LOCATION, 0, MATTER_ACL_PRIVILEGE_VIEW, MATTER_ACL_PRIVILEGE_ADMINISTER, 0 },
  FIXED(ATTR_HARDWARE_VERSION),
  FIXED(ATTR_HARDWARE_VERSION_STRING),
  FIXED(ATTR_SOFTWARE_VERSION),
  FIXED(ATTR_SOFTWARE_VERSION_STRING),
  FIXED(ATTR_MANUFACTURING_DATE),
  FIXED(ATTR_PART_NUMBER),
  FIXED(ATTR_PRODUCT_URL),
  FIXED(ATTR_PRODUCT_LABEL),
  FIXED(ATTR_SERIAL_NUMBER),
  FIXED(ATTR_UNIQUE_ID),
  FIXED(ATTR_CAPABILITY_MINIMA),
  FIXED(ATTR_SPECIFICATION_VERSION),
  FIXED(ATTR_MAX_PATHS_PER_INVOKE),
  { ATTR_CONFIGURATION_VERSION, 0, MATTER_ACL_PRIVILEGE_VIEW, 0, 0 },
};

struct _MdBasicInformation {
  MdBasicInformationParams params;
  const MdNodeStorage *storage; /* not owned */
  char node_label[NODE_LABEL_MAX + 1];
  char location[LOCATION_LEN + 1];
  char unique_id[2 * UNIQUE_ID_BYTES + 1];
  /* A write interaction's values, until it commits. */
  gboolean has_staged_label;
  char staged_label[NODE_LABEL_MAX + 1];
  gboolean has_staged_location;
  char staged_location[LOCATION_LEN + 1];
  gboolean has_staged_unique_id; /* a factory reset's */
  char staged_unique_id[2 * UNIQUE_ID_BYTES + 1];
};

static gboolean
load_string(const MdNodeStorage *storage, const char *key, char *out, gsize size,
            const char *fallback, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GBytes) bytes = md_node_storage_get_bytes(storage, key, &local_error);
  gsize len;
  const char *data;

  if (bytes == NULL) {
    if (!g_error_matches(local_error, MD_ERROR, MD_ERROR_NOT_FOUND)) {
      g_propagate_error(error, g_steal_pointer(&local_error));
      return FALSE;
    }
    g_strlcpy(out, fallback, size);
    return TRUE;
  }
  data = g_bytes_get_data(bytes, &len);
  if (len >= size || !g_utf8_validate(data, (gssize) len, NULL)) {
    g_set_error(error, MD_ERROR, MD_ERROR_STORE_CORRUPT, "Stored %s is not valid", key);
    return FALSE;
  }
  /* An empty value may come without data. */
  if (len > 0)
    memcpy(out, data, len);
  out[len] = '\0';
  return TRUE;
}

static gboolean
put_string(const MdNodeStorage *storage, const char *key, const char *value, GError **error)
{
  g_autoptr(GBytes) bytes = g_bytes_new(value, strlen(value));

  return md_node_storage_put_bytes(storage, key, bytes, error);
}

static gboolean
load_unique_id(MdBasicInformation *self, GError **error)
{
  guint8 bytes[UNIQUE_ID_BYTES];

  if (!load_string(self->storage, KEY_UNIQUE_ID, self->unique_id, sizeof(self->unique_id), "",
                   error))
    return FALSE;
  if (self->unique_id[0] != '\0')
    return TRUE;
  if (matter_random(bytes, sizeof(bytes)) != MATTER_OK) {
    g_set_error(error, MD_ERROR, MD_ERROR_FAILED, "Cannot choose a UniqueID: no randomness");
    return FALSE;
  }
  for (gsize i = 0; i < sizeof(bytes); i++)
    g_snprintf(self->unique_id + 2 * i, 3, "%02X", bytes[i]);
  return put_string(self->storage, KEY_UNIQUE_ID, self->unique_id, error);
}

MdBasicInformation *
md_basic_information_new(const MdBasicInformationParams *params, const MdNodeStorage *storage,
                         GError **error)
{
  MdBasicInformation *self = g_new0(MdBasicInformation, 1);

  self->params = *params;
  self->storage = storage;
  if (!load_string(storage, KEY_NODE_LABEL, self->node_label, sizeof(self->node_label), "",
                   error) ||
      !load_string(storage, KEY_LOCATION, self->location, sizeof(self->location), "XX", error) ||
      !load_unique_id(self, error)) {
    g_free(self);
    return NULL;
  }
  return self;
}

void
md_basic_information_free(MdBasicInformation *self)
{
  g_free(self);
}

/* The optional attributes are there when configured. */
static bool
basic_present(const MatterDmCluster *cluster, uint32_t attribute)
{
  const MdBasicInformationParams *p = &((const MdBasicInformation *) cluster->state)->params;

  switch (attribute) {
  case ATTR_MANUFACTURING_DATE:
    return p->manufacturing_date != NULL;
  case ATTR_PART_NUMBER:
    return p->part_number != NULL;
  case ATTR_PRODUCT_URL:
    return p->product_url != NULL;
  case ATTR_PRODUCT_LABEL:
    return p->product_label != NULL;
  case ATTR_SERIAL_NUMBER:
    return p->serial_number != NULL;
  default:
    return true;
  }
}

static void
put_optional(MatterTlvWriter *w, MatterTlvTag tag, const char *value)
{
  matter_tlv_put_string(w, tag, value != NULL ? value : "");
}

static uint8_t
basic_read(MatterDmCluster *cluster, const MatterDmRequest *request, uint32_t attribute,
           MatterTlvWriter *w, MatterTlvTag tag)
{
  MdBasicInformation *self = cluster->state;
  const MdBasicInformationParams *p = &self->params;

  switch (attribute) {
  case ATTR_DATA_MODEL_REVISION:
    matter_tlv_put_uint(w, tag, DATA_MODEL_REVISION);
    break;
  case ATTR_VENDOR_NAME:
    matter_tlv_put_string(w, tag, p->vendor_name);
    break;
  case ATTR_VENDOR_ID:
    matter_tlv_put_uint(w, tag, p->vendor_id);
    break;
  case ATTR_PRODUCT_NAME:
    matter_tlv_put_string(w, tag, p->product_name);
    break;
  case ATTR_PRODUCT_ID:
    matter_tlv_put_uint(w, tag, p->product_id);
    break;
  case ATTR_NODE_LABEL:
    matter_tlv_put_string(w, tag, self->node_label);
    break;
  case ATTR_LOCATION:
    matter_tlv_put_string(w, tag, self->location);
    break;
  case ATTR_HARDWARE_VERSION:
    matter_tlv_put_uint(w, tag, p->hardware_version);
    break;
  case ATTR_HARDWARE_VERSION_STRING:
    matter_tlv_put_string(w, tag, p->hardware_version_string);
    break;
  case ATTR_SOFTWARE_VERSION:
    matter_tlv_put_uint(w, tag, p->software_version);
    break;
  case ATTR_SOFTWARE_VERSION_STRING:
    matter_tlv_put_string(w, tag, p->software_version_string);
    break;
  case ATTR_MANUFACTURING_DATE:
    put_optional(w, tag, p->manufacturing_date);
    break;
  case ATTR_PART_NUMBER:
    put_optional(w, tag, p->part_number);
    break;
  case ATTR_PRODUCT_URL:
    put_optional(w, tag, p->product_url);
    break;
  case ATTR_PRODUCT_LABEL:
    put_optional(w, tag, p->product_label);
    break;
  case ATTR_SERIAL_NUMBER:
    put_optional(w, tag, p->serial_number);
    break;
  case ATTR_UNIQUE_ID:
    matter_tlv_put_string(w, tag, self->unique_id);
    break;
  case ATTR_CAPABILITY_MINIMA:
    matter_tlv_start_structure(w, tag);
    matter_tlv_put_uint(w, matter_tlv_tag_context(0), CASE_SESSIONS_PER_FABRIC);
    matter_tlv_put_uint(w, matter_tlv_tag_context(1), SUBSCRIPTIONS_PER_FABRIC);
    matter_tlv_end_container(w);
    break;
  case ATTR_SPECIFICATION_VERSION:
    matter_tlv_put_uint(w, tag, SPECIFICATION_VERSION);
    break;
  case ATTR_MAX_PATHS_PER_INVOKE:
    matter_tlv_put_uint(w, tag, MATTER_IM_MAX_PATHS_PER_INVOKE);
    break;
  case ATTR_CONFIGURATION_VERSION:
    matter_tlv_put_uint(w, tag, 1);
    break;
  default:
    return MATTER_IM_STATUS_UNSUPPORTED_ATTRIBUTE;
  }
  return MATTER_IM_STATUS_SUCCESS;
}

/* A UTF-8 string value of at most @max bytes (exactly @max with @exact). */
static uint8_t
get_string(MatterTlvReader *value, char *out, gsize max, gboolean exact)
{
  const char *s;
  size_t len;

  if (matter_tlv_get_utf8(value, &s, &len) != MATTER_OK)
    return MATTER_IM_STATUS_INVALID_DATA_TYPE;
  if (len > max || (exact && len != max))
    return MATTER_IM_STATUS_CONSTRAINT_ERROR;
  memcpy(out, s, len);
  out[len] = '\0';
  return MATTER_IM_STATUS_SUCCESS;
}

static uint8_t
basic_write(MatterDmCluster *cluster, const MatterDmRequest *request,
            const MatterImAttributePath *path, MatterTlvReader *value)
{
  MdBasicInformation *self = cluster->state;
  uint8_t status;

  switch (path->attribute) {
  case ATTR_NODE_LABEL:
    status = get_string(value, self->staged_label, NODE_LABEL_MAX, FALSE);
    self->has_staged_label = status == MATTER_IM_STATUS_SUCCESS;
    return status;
  case ATTR_LOCATION:
    status = get_string(value, self->staged_location, LOCATION_LEN, TRUE);
    self->has_staged_location = status == MATTER_IM_STATUS_SUCCESS;
    return status;
  default:
    return MATTER_IM_STATUS_UNSUPPORTED_WRITE;
  }
}

gboolean
md_basic_information_stage(MdBasicInformation *self, GError **error)
{
  if (self->has_staged_label &&
      !put_string(self->storage, KEY_NODE_LABEL, self->staged_label, error))
    return FALSE;
  if (self->has_staged_unique_id &&
      !put_string(self->storage, KEY_UNIQUE_ID, self->staged_unique_id, error))
    return FALSE;
  return !self->has_staged_location ||
         put_string(self->storage, KEY_LOCATION, self->staged_location, error);
}

void
md_basic_information_apply(MdBasicInformation *self, MatterDmNode *dm, MatterDmCluster *cluster)
{
  if (self->has_staged_label) {
    g_strlcpy(self->node_label, self->staged_label, sizeof(self->node_label));
    matter_dm_mark(dm, cluster, ATTR_NODE_LABEL);
  }
  if (self->has_staged_location) {
    g_strlcpy(self->location, self->staged_location, sizeof(self->location));
    matter_dm_mark(dm, cluster, ATTR_LOCATION);
  }
  if (self->has_staged_unique_id) {
    g_strlcpy(self->unique_id, self->staged_unique_id, sizeof(self->unique_id));
    matter_dm_mark(dm, cluster, ATTR_UNIQUE_ID);
  }
  md_basic_information_drop(self);
}

void
md_basic_information_drop(MdBasicInformation *self)
{
  self->has_staged_label = FALSE;
  self->has_staged_location = FALSE;
  self->has_staged_unique_id = FALSE;
}

const char *
md_basic_information_get_node_label(MdBasicInformation *self)
{
  return self->node_label;
}

const char *
md_basic_information_get_location(MdBasicInformation *self)
{
  return self->location;
}

const char *
md_basic_information_get_unique_id(MdBasicInformation *self)
{
  return self->unique_id;
}

gboolean
md_basic_information_set_node_label(MdBasicInformation *self, const char *label,
                                    MatterDmNode *dm, MatterDmCluster *cluster, GError **error)
{
  if (strlen(label) > NODE_LABEL_MAX || !g_utf8_validate(label, -1, NULL)) {
    g_set_error(error, MD_ERROR, MD_ERROR_INVALID_ARGUMENT,
                "A node label is UTF-8 of at most %d bytes", NODE_LABEL_MAX);
    return FALSE;
  }
  if (strcmp(label, self->node_label) == 0)
    return TRUE;
  if (!put_string(self->storage, KEY_NODE_LABEL, label, error))
    return FALSE;
  g_strlcpy(self->node_label, label, sizeof(self->node_label));
  matter_dm_mark(dm, cluster, ATTR_NODE_LABEL);
  return TRUE;
}

gboolean
md_basic_information_stage_reset(MdBasicInformation *self, GError **error)
{
  guint8 bytes[UNIQUE_ID_BYTES];

  if (matter_random(bytes, sizeof(bytes)) != MATTER_OK) {
    g_set_error(error, MD_ERROR, MD_ERROR_FAILED, "Cannot choose a UniqueID: no randomness");
    return FALSE;
  }
  for (gsize i = 0; i < sizeof(bytes); i++)
    g_snprintf(self->staged_unique_id + 2 * i, 3, "%02X", bytes[i]);
  self->staged_label[0] = '\0';
  g_strlcpy(self->staged_location, "XX", sizeof(self->staged_location));
  self->has_staged_label = self->has_staged_location = self->has_staged_unique_id = TRUE;
  return md_basic_information_stage(self, error);
}

/* StartUp, ShutDown, Leave. */
static const MatterDmEvent event_table[] = {
  { 0x00, MATTER_ACL_PRIVILEGE_VIEW, MATTER_EVENT_PRIORITY_CRITICAL, 0, 0 },
  { 0x01, MATTER_ACL_PRIVILEGE_VIEW, MATTER_EVENT_PRIORITY_CRITICAL, 0, 0 },
  { 0x02, MATTER_ACL_PRIVILEGE_VIEW, MATTER_EVENT_PRIORITY_INFO, 0, 0 },
};

const MatterDmClass md_basic_information_class = {
  .id = 0x0028,
  .revision = 5,
  .name = "BasicInformation",
  .attributes = attributes,
  .attribute_count = G_N_ELEMENTS(attributes),
  .events = event_table,
  .event_count = G_N_ELEMENTS(event_table),
  .present = basic_present,
  .read = basic_read,
  .write = basic_write,
};
