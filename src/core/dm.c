/* SPDX-License-Identifier: Apache-2.0 */
/* The data model's shape (Core spec chapter 7): see dm.h. */
#include "matter/dm.h"

#include <string.h>

#include "matter/acl.h"

/* The global attributes in ascending id order. Wildcard expansion and
 * AttributeList put them after the class's own attributes, vendor ones
 * included. */
static const uint32_t globals[MATTER_DM_GLOBAL_COUNT] = {
  MATTER_DM_ATTR_GENERATED_COMMAND_LIST, MATTER_DM_ATTR_ACCEPTED_COMMAND_LIST,
  MATTER_DM_ATTR_ATTRIBUTE_LIST,         MATTER_DM_ATTR_FEATURE_MAP,
  MATTER_DM_ATTR_CLUSTER_REVISION,
};

size_t
matter_dm_tick_slots(const MatterDmClass *cls)
{
  return cls->attribute_count + MATTER_DM_GLOBAL_COUNT;
}

bool
matter_dm_is_global(uint32_t attribute)
{
  for (size_t i = 0; i < MATTER_DM_GLOBAL_COUNT; i++)
    if (globals[i] == attribute)
      return true;
  return false;
}

static bool
has_features(const MatterDmCluster *cluster, uint32_t features)
{
  return features == 0 || (cluster->feature_map & features) != 0;
}

static bool
attribute_present(const MatterDmCluster *cluster, const MatterDmAttribute *a)
{
  return has_features(cluster, a->features) &&
         (cluster->cls->present == NULL || cluster->cls->present(cluster, a->id));
}

static bool
command_present(const MatterDmCluster *cluster, const MatterDmCommand *c)
{
  return has_features(cluster, c->features) &&
         (cluster->cls->command_present == NULL || cluster->cls->command_present(cluster, c->id));
}

static bool
event_present(const MatterDmCluster *cluster, const MatterDmEvent *ev)
{
  return has_features(cluster, ev->features) &&
         (cluster->cls->event_present == NULL || cluster->cls->event_present(cluster, ev->id));
}

/* ---- Look-ups ------------------------------------------------------------ */

MatterDmEndpoint *
matter_dm_find_endpoint(const MatterDmNode *node, uint16_t endpoint)
{
  for (size_t i = 0; node != NULL && i < node->endpoint_count; i++)
    if (node->endpoints[i]->id == endpoint)
      return node->endpoints[i];
  return NULL;
}

static MatterDmCluster *
endpoint_cluster(const MatterDmEndpoint *ep, uint32_t cluster)
{
  for (size_t i = 0; ep != NULL && i < ep->cluster_count; i++)
    if (ep->clusters[i]->cls->id == cluster)
      return ep->clusters[i];
  return NULL;
}

MatterDmCluster *
matter_dm_find_cluster(const MatterDmNode *node, uint16_t endpoint, uint32_t cluster)
{
  return endpoint_cluster(matter_dm_find_endpoint(node, endpoint), cluster);
}

/* The index of @attribute in the class table, or -1. */
static long
table_index(const MatterDmCluster *cluster, uint32_t attribute)
{
  const MatterDmClass *cls = cluster->cls;

  for (size_t i = 0; i < cls->attribute_count; i++)
    if (cls->attributes[i].id == attribute)
      return attribute_present(cluster, &cls->attributes[i]) ? (long) i : -1;
  return -1;
}

static void
global_entry(uint32_t attribute, MatterDmAttribute *entry)
{
  memset(entry, 0, sizeof(*entry));
  entry->id = attribute;
  entry->read_privilege = MATTER_ACL_PRIVILEGE_VIEW;
  entry->qualities = MATTER_DM_FIXED;
  if (attribute != MATTER_DM_ATTR_FEATURE_MAP && attribute != MATTER_DM_ATTR_CLUSTER_REVISION)
    entry->qualities |= MATTER_DM_LIST;
}

bool
matter_dm_find_attribute(const MatterDmCluster *cluster, uint32_t attribute,
                         MatterDmAttribute *entry)
{
  long i;

  if (cluster == NULL)
    return false;
  if (matter_dm_is_global(attribute)) {
    if (entry != NULL)
      global_entry(attribute, entry);
    return true;
  }
  i = table_index(cluster, attribute);
  if (i < 0)
    return false;
  if (entry != NULL)
    *entry = cluster->cls->attributes[i];
  return true;
}

const MatterDmCommand *
matter_dm_find_command(const MatterDmCluster *cluster, uint32_t command)
{
  const MatterDmClass *cls;

  if (cluster == NULL)
    return NULL;
  cls = cluster->cls;
  for (size_t i = 0; i < cls->command_count; i++)
    if (cls->commands[i].id == command)
      return command_present(cluster, &cls->commands[i]) ? &cls->commands[i] : NULL;
  return NULL;
}

const MatterDmEvent *
matter_dm_find_event(const MatterDmCluster *cluster, uint32_t event)
{
  const MatterDmClass *cls;

  if (cluster == NULL)
    return NULL;
  cls = cluster->cls;
  for (size_t i = 0; i < cls->event_count; i++)
    if (cls->events[i].id == event)
      return event_present(cluster, &cls->events[i]) ? &cls->events[i] : NULL;
  return NULL;
}

bool
matter_dm_endpoint_has_device_type(const MatterDmNode *node, uint16_t endpoint,
                                   uint32_t device_type)
{
  const MatterDmEndpoint *ep = matter_dm_find_endpoint(node, endpoint);

  for (size_t i = 0; ep != NULL && i < ep->device_type_count; i++)
    if (ep->device_types[i].device_type == device_type)
      return true;
  return false;
}

/* Endpoint, then cluster: the first two steps of every path check. */
static MatterImStatus
cluster_status(const MatterDmNode *node, uint16_t endpoint, uint32_t cluster,
               MatterDmCluster **found)
{
  MatterDmEndpoint *ep = matter_dm_find_endpoint(node, endpoint);

  *found = NULL;
  if (ep == NULL)
    return MATTER_IM_STATUS_UNSUPPORTED_ENDPOINT;
  *found = endpoint_cluster(ep, cluster);
  return *found == NULL ? MATTER_IM_STATUS_UNSUPPORTED_CLUSTER : MATTER_IM_STATUS_SUCCESS;
}

MatterImStatus
matter_dm_attribute_status(const MatterDmNode *node, uint16_t endpoint, uint32_t cluster,
                           uint32_t attribute)
{
  MatterDmCluster *c;
  MatterImStatus status = cluster_status(node, endpoint, cluster, &c);

  if (status != MATTER_IM_STATUS_SUCCESS)
    return status;
  return matter_dm_find_attribute(c, attribute, NULL) ? MATTER_IM_STATUS_SUCCESS
                                                      : MATTER_IM_STATUS_UNSUPPORTED_ATTRIBUTE;
}

MatterImStatus
matter_dm_command_status(const MatterDmNode *node, uint16_t endpoint, uint32_t cluster,
                         uint32_t command)
{
  MatterDmCluster *c;
  MatterImStatus status = cluster_status(node, endpoint, cluster, &c);

  if (status != MATTER_IM_STATUS_SUCCESS)
    return status;
  return matter_dm_find_command(c, command) != NULL ? MATTER_IM_STATUS_SUCCESS
                                                    : MATTER_IM_STATUS_UNSUPPORTED_COMMAND;
}

MatterImStatus
matter_dm_event_status(const MatterDmNode *node, uint16_t endpoint, uint32_t cluster,
                       uint32_t event)
{
  MatterDmCluster *c;
  MatterImStatus status = cluster_status(node, endpoint, cluster, &c);

  if (status != MATTER_IM_STATUS_SUCCESS)
    return status;
  return matter_dm_find_event(c, event) != NULL ? MATTER_IM_STATUS_SUCCESS
                                                : MATTER_IM_STATUS_UNSUPPORTED_EVENT;
}

/* ---- Global attribute values --------------------------------------------- */

static bool
response_listed(const MatterDmCluster *cluster, size_t before, uint32_t id)
{
  const MatterDmClass *cls = cluster->cls;

  for (size_t i = 0; i < before; i++)
    if (command_present(cluster, &cls->commands[i]) && cls->commands[i].response_id == id)
      return true;
  return false;
}

static void
put_generated_commands(const MatterDmCluster *cluster, MatterTlvWriter *w)
{
  const MatterDmClass *cls = cluster->cls;

  for (size_t i = 0; i < cls->command_count; i++) {
    uint32_t id = cls->commands[i].response_id;

    if (command_present(cluster, &cls->commands[i]) && id != MATTER_DM_NO_RESPONSE &&
        !response_listed(cluster, i, id))
      matter_tlv_put_uint(w, matter_tlv_tag_anonymous(), id);
  }
}

static void
put_accepted_commands(const MatterDmCluster *cluster, MatterTlvWriter *w)
{
  const MatterDmClass *cls = cluster->cls;

  for (size_t i = 0; i < cls->command_count; i++)
    if (command_present(cluster, &cls->commands[i]))
      matter_tlv_put_uint(w, matter_tlv_tag_anonymous(), cls->commands[i].id);
}

static void
put_attributes(const MatterDmCluster *cluster, MatterTlvWriter *w)
{
  const MatterDmClass *cls = cluster->cls;

  for (size_t i = 0; i < cls->attribute_count; i++)
    if (attribute_present(cluster, &cls->attributes[i]))
      matter_tlv_put_uint(w, matter_tlv_tag_anonymous(), cls->attributes[i].id);
  for (size_t i = 0; i < MATTER_DM_GLOBAL_COUNT; i++)
    matter_tlv_put_uint(w, matter_tlv_tag_anonymous(), globals[i]);
}

MatterError
matter_dm_read_global(const MatterDmCluster *cluster, uint32_t attribute, MatterTlvWriter *w,
                      MatterTlvTag tag)
{
  if (cluster == NULL || w == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  switch (attribute) {
  case MATTER_DM_ATTR_FEATURE_MAP:
    return matter_tlv_put_uint(w, tag, cluster->feature_map);
  case MATTER_DM_ATTR_CLUSTER_REVISION:
    return matter_tlv_put_uint(w, tag, cluster->cls->revision);
  case MATTER_DM_ATTR_GENERATED_COMMAND_LIST:
    matter_tlv_start_array(w, tag);
    put_generated_commands(cluster, w);
    return matter_tlv_end_container(w);
  case MATTER_DM_ATTR_ACCEPTED_COMMAND_LIST:
    matter_tlv_start_array(w, tag);
    put_accepted_commands(cluster, w);
    return matter_tlv_end_container(w);
  case MATTER_DM_ATTR_ATTRIBUTE_LIST:
    matter_tlv_start_array(w, tag);
    put_attributes(cluster, w);
    return matter_tlv_end_container(w);
  default:
    return MATTER_ERROR_INVALID_ARGUMENT;
  }
}

/* ---- Wildcard expansion -------------------------------------------------- */

bool
matter_dm_path_is_wildcard(const MatterImAttributePath *path)
{
  return !path->has_endpoint || !path->has_cluster || !path->has_attribute;
}

void
matter_dm_attribute_iter_init(MatterDmAttributeIter *iter, const MatterImAttributePath *request)
{
  memset(iter, 0, sizeof(*iter));
  iter->request = *request;
}

static bool
is_vendor(uint32_t id)
{
  return (id >> 16) != 0;
}

static uint32_t
flags(const MatterDmAttributeIter *iter)
{
  return iter->request.has_wildcard_flags ? iter->request.wildcard_flags : 0;
}

/* Whether a wildcard endpoint or cluster expansion takes this one. */
static bool
takes_endpoint(const MatterDmAttributeIter *iter, const MatterDmEndpoint *ep)
{
  if (iter->request.has_endpoint)
    return ep->id == iter->request.endpoint;
  return !(ep->id == 0 && (flags(iter) & MATTER_IM_WILDCARD_SKIP_ROOT_NODE));
}

static bool
takes_cluster(const MatterDmAttributeIter *iter, const MatterDmCluster *c)
{
  if (iter->request.has_cluster)
    return c->cls->id == iter->request.cluster;
  if ((flags(iter) & MATTER_IM_WILDCARD_SKIP_CUSTOM_ELEMENTS) && is_vendor(c->cls->id))
    return false;
  return !((flags(iter) & MATTER_IM_WILDCARD_SKIP_DIAGNOSTICS_CLUSTERS) &&
           (c->cls->flags & MATTER_DM_DIAGNOSTICS));
}

static bool
takes_attribute(const MatterDmAttributeIter *iter, const MatterDmAttribute *a)
{
  uint32_t f = flags(iter);
  bool big_global = a->id == MATTER_DM_ATTR_ATTRIBUTE_LIST ||
                    a->id == MATTER_DM_ATTR_ACCEPTED_COMMAND_LIST ||
                    a->id == MATTER_DM_ATTR_GENERATED_COMMAND_LIST;

  if (iter->request.has_attribute)
    return a->id == iter->request.attribute;
  if ((f & MATTER_IM_WILDCARD_SKIP_GLOBAL_ATTRIBUTES) && big_global)
    return false;
  if ((f & MATTER_IM_WILDCARD_SKIP_ATTRIBUTE_LIST) && a->id == MATTER_DM_ATTR_ATTRIBUTE_LIST)
    return false;
  if ((f & MATTER_IM_WILDCARD_SKIP_COMMAND_LISTS) &&
      (a->id == MATTER_DM_ATTR_ACCEPTED_COMMAND_LIST ||
       a->id == MATTER_DM_ATTR_GENERATED_COMMAND_LIST))
    return false;
  if ((f & MATTER_IM_WILDCARD_SKIP_CUSTOM_ELEMENTS) && is_vendor(a->id))
    return false;
  if ((f & MATTER_IM_WILDCARD_SKIP_FIXED_ATTRIBUTES) && (a->qualities & MATTER_DM_FIXED))
    return false;
  return !((f & MATTER_IM_WILDCARD_SKIP_CHANGES_OMITTED_ATTRIBUTES) &&
           (a->qualities & MATTER_DM_CHANGES_OMITTED));
}

/* The @index-th attribute slot of @c: table entries, then the globals;
 * false past the end; *@present false for a feature-gated one. */
static bool
attribute_slot(const MatterDmCluster *c, size_t index, MatterDmAttribute *a, bool *present)
{
  const MatterDmClass *cls = c->cls;

  if (index < cls->attribute_count) {
    *a = cls->attributes[index];
    *present = attribute_present(c, a);
    return true;
  }
  index -= cls->attribute_count;
  if (index >= MATTER_DM_GLOBAL_COUNT)
    return false;
  global_entry(globals[index], a);
  *present = true;
  return true;
}

MatterError
matter_dm_attribute_iter_next(MatterDmAttributeIter *iter, const MatterDmNode *node,
                              uint16_t *endpoint, uint32_t *cluster, uint32_t *attribute)
{
  if (iter->done)
    return MATTER_ERROR_TLV_END;
  if (!matter_dm_path_is_wildcard(&iter->request)) {
    iter->done = true;
    *endpoint = iter->request.endpoint;
    *cluster = iter->request.cluster;
    *attribute = iter->request.attribute;
    return MATTER_OK;
  }
  for (; node != NULL && iter->endpoint_index < node->endpoint_count;
       iter->endpoint_index++, iter->cluster_index = 0, iter->attribute_index = 0) {
    const MatterDmEndpoint *ep = node->endpoints[iter->endpoint_index];

    if (!takes_endpoint(iter, ep))
      continue;
    for (; iter->cluster_index < ep->cluster_count; iter->cluster_index++,
                                                    iter->attribute_index = 0) {
      const MatterDmCluster *c = ep->clusters[iter->cluster_index];
      MatterDmAttribute a;
      bool present;

      if (!takes_cluster(iter, c))
        continue;
      while (attribute_slot(c, iter->attribute_index, &a, &present)) {
        iter->attribute_index++;
        if (!present || !takes_attribute(iter, &a))
          continue;
        *endpoint = ep->id;
        *cluster = c->cls->id;
        *attribute = a.id;
        return MATTER_OK;
      }
    }
  }
  iter->done = true;
  return MATTER_ERROR_TLV_END;
}

/* ---- Versions and changes ------------------------------------------------- */

static long
tick_slot(const MatterDmCluster *cluster, uint32_t attribute)
{
  for (size_t i = 0; i < MATTER_DM_GLOBAL_COUNT; i++)
    if (globals[i] == attribute)
      return (long) (cluster->cls->attribute_count + i);
  for (size_t i = 0; i < cluster->cls->attribute_count; i++)
    if (cluster->cls->attributes[i].id == attribute)
      return (long) i;
  return -1;
}

void
matter_dm_mark(MatterDmNode *node, MatterDmCluster *cluster, uint32_t attribute)
{
  MatterDmAttribute entry;
  long slot;

  if (node == NULL || cluster == NULL)
    return;
  cluster->data_version++;
  if (!matter_dm_find_attribute(cluster, attribute, &entry) ||
      (entry.qualities & MATTER_DM_CHANGES_OMITTED))
    return;
  slot = tick_slot(cluster, attribute);
  if (slot >= 0 && cluster->ticks != NULL)
    cluster->ticks[slot] = ++node->tick;
}

uint64_t
matter_dm_attribute_tick(const MatterDmCluster *cluster, uint32_t attribute)
{
  long slot = cluster != NULL ? tick_slot(cluster, attribute) : -1;

  return slot >= 0 && cluster->ticks != NULL ? cluster->ticks[slot] : 0;
}
