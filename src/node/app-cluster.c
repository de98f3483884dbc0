/* SPDX-License-Identifier: Apache-2.0 */
#define G_LOG_DOMAIN "matterd"

#include "app-cluster.h"

#include <string.h>

#include "app-value.h"
#include "matter/crypto.h"

struct _MdAppProxy {
  MatterDmClass cls;
  MatterDmCluster cluster;
  MdAppClusterSpec *spec;
  const MdAppProxyOps *ops;
  gpointer user_data;
};

static const MdAppClusterInfo *
info_of(const MatterDmCluster *cluster)
{
  const MdAppProxy *proxy = cluster->state;

  return proxy->spec->info;
}

static int
attribute_index(const MdAppClusterInfo *info, uint32_t id)
{
  for (gsize i = 0; i < info->attribute_count; i++)
    if (info->dm_attributes[i].id == id)
      return (int) i;
  return -1;
}

static int
command_index(const MdAppClusterInfo *info, uint32_t id)
{
  for (gsize i = 0; i < info->command_count; i++)
    if (info->dm_commands[i].id == id)
      return (int) i;
  return -1;
}

static int
event_index(const MdAppClusterInfo *info, uint32_t id)
{
  for (gsize i = 0; i < info->event_count; i++)
    if (info->dm_events[i].id == id)
      return (int) i;
  return -1;
}

gboolean
md_app_proxy_attribute_present(MdAppProxy *proxy, gsize index)
{
  const MdAppAttribute *attribute = &proxy->spec->info->attributes[index];

  return md_app_conformance_allows(&attribute->conformance, proxy->spec->feature_map) &&
         g_hash_table_contains(proxy->spec->properties, attribute->name);
}

static bool
proxy_present(const MatterDmCluster *cluster, uint32_t attribute)
{
  int index = attribute_index(info_of(cluster), attribute);

  return index >= 0 && md_app_proxy_attribute_present(cluster->state, (gsize) index);
}

static bool
proxy_command_present(const MatterDmCluster *cluster, uint32_t command)
{
  const MdAppProxy *proxy = cluster->state;
  const MdAppClusterInfo *info = proxy->spec->info;
  int index = command_index(info, command);

  if (index < 0 ||
      !md_app_conformance_allows(&info->commands[index].conformance, proxy->spec->feature_map))
    return false;
  return proxy->spec->methods == NULL ||
         g_strv_contains((const char *const *) proxy->spec->methods, info->commands[index].name);
}

static bool
proxy_event_present(const MatterDmCluster *cluster, uint32_t event)
{
  const MdAppProxy *proxy = cluster->state;
  const MdAppClusterInfo *info = proxy->spec->info;
  int index = event_index(info, event);

  return index >= 0 &&
         md_app_conformance_allows(&info->events[index].conformance, proxy->spec->feature_map);
}

static uint8_t
proxy_read(MatterDmCluster *cluster, const MatterDmRequest *request, uint32_t attribute,
           MatterTlvWriter *w, MatterTlvTag tag)
{
  MdAppProxy *proxy = cluster->state;
  const MdAppClusterInfo *info = proxy->spec->info;
  int index = attribute_index(info, attribute);
  GVariant *value;
  MatterError err;

  if (index < 0 || !md_app_proxy_attribute_present(proxy, (gsize) index))
    return MATTER_IM_STATUS_UNSUPPORTED_ATTRIBUTE;
  value = g_hash_table_lookup(proxy->spec->properties, info->attributes[index].name);
  err = md_app_value_to_tlv(info->attributes[index].type, info->attributes[index].flags, value, w,
                            tag);
  /* Running out of room is the writer's to report (the engine chunks);
   * anything else is a value the check should have refused. */
  if (err != MATTER_OK && err != MATTER_ERROR_BUFFER_TOO_SMALL) {
    g_warning("Cannot encode %s.%s of endpoint %u: %s", info->name, info->attributes[index].name,
              cluster->endpoint, matter_error_str(err));
    return MATTER_IM_STATUS_FAILURE;
  }
  return MATTER_IM_STATUS_SUCCESS;
}

static uint8_t
proxy_write(MatterDmCluster *cluster, const MatterDmRequest *request,
            const MatterImAttributePath *path, MatterTlvReader *reader)
{
  MdAppProxy *proxy = cluster->state;
  const MdAppClusterInfo *info = proxy->spec->info;
  int index = attribute_index(info, path->attribute);
  g_autoptr(GVariant) value = NULL;
  MatterImStatus status;

  if (index < 0 || !md_app_proxy_attribute_present(proxy, (gsize) index))
    return MATTER_IM_STATUS_UNSUPPORTED_ATTRIBUTE;
  /* A list is written whole (none of the described writable attributes
   * is one): appends item by item are not taken. */
  if (path->list_index_kind != MATTER_IM_LIST_INDEX_NONE)
    return MATTER_IM_STATUS_INVALID_ACTION;
  status = md_app_value_from_tlv(info->attributes[index].type, info->attributes[index].flags,
                                 reader, &value);
  if (status != MATTER_IM_STATUS_SUCCESS)
    return status;
  return proxy->ops->write(proxy->user_data, proxy, request, (gsize) index, value);
}

static MatterDmInvokeResult
proxy_invoke(MatterDmCluster *cluster, const MatterDmRequest *request, uint32_t command,
             MatterTlvReader *fields, MatterTlvWriter *response, MatterTlvTag tag)
{
  /* An empty CommandFields structure, for a command sent without one. */
  static const uint8_t empty[] = { 0x15, 0x18 };
  MdAppProxy *proxy = cluster->state;
  const MdAppClusterInfo *info = proxy->spec->info;
  int index = command_index(info, command);
  g_autoptr(GVariant) tuple = NULL;
  MatterTlvReader empty_reader;
  MatterImStatus status;

  if (index < 0 || !proxy_command_present(cluster, command))
    return (MatterDmInvokeResult){ .status = MATTER_IM_STATUS_UNSUPPORTED_COMMAND };
  if (fields == NULL) {
    matter_tlv_reader_init(&empty_reader, empty, sizeof(empty));
    if (matter_tlv_next(&empty_reader) != MATTER_OK || matter_tlv_enter(&empty_reader) != MATTER_OK)
      return (MatterDmInvokeResult){ .status = MATTER_IM_STATUS_FAILURE };
    fields = &empty_reader;
  }
  status = md_app_fields_from_tlv(info->commands[index].fields, info->commands[index].field_count,
                                  fields, &tuple);
  /* A field of the wrong type is a malformed command (8.8.x). */
  if (status == MATTER_IM_STATUS_INVALID_DATA_TYPE)
    status = MATTER_IM_STATUS_INVALID_COMMAND;
  if (status != MATTER_IM_STATUS_SUCCESS)
    return (MatterDmInvokeResult){ .status = status };
  return proxy->ops->invoke(proxy->user_data, proxy, request, (gsize) index, tuple, response, tag);
}

MdAppProxy *
md_app_proxy_new(MdAppClusterSpec *spec, guint16 endpoint, const MdAppProxyOps *ops,
                 gpointer user_data)
{
  MdAppProxy *proxy = g_new0(MdAppProxy, 1);
  const MdAppClusterInfo *info = spec->info;

  proxy->spec = spec;
  proxy->ops = ops;
  proxy->user_data = user_data;
  proxy->cls = (MatterDmClass){
    .id = info->id,
    .revision = info->revision,
    .name = info->name,
    .attributes = info->dm_attributes,
    .attribute_count = info->attribute_count,
    .commands = info->dm_commands,
    .command_count = info->command_count,
    .events = info->dm_events,
    .event_count = info->event_count,
    .present = proxy_present,
    .command_present = proxy_command_present,
    .event_present = proxy_event_present,
    .read = proxy_read,
    .write = proxy_write,
    .invoke = proxy_invoke,
  };
  proxy->cluster = (MatterDmCluster){
    .cls = &proxy->cls,
    .endpoint = endpoint,
    .feature_map = spec->feature_map,
    .ticks = g_new0(uint64_t, matter_dm_tick_slots(&proxy->cls)),
    .state = proxy,
  };
  (void) matter_random((uint8_t *) &proxy->cluster.data_version,
                       sizeof(proxy->cluster.data_version));
  return proxy;
}

void
md_app_proxy_free(MdAppProxy *proxy)
{
  if (proxy == NULL)
    return;
  g_free(proxy->cluster.ticks);
  g_free(proxy);
}

MatterDmCluster *
md_app_proxy_get_cluster(MdAppProxy *proxy)
{
  return &proxy->cluster;
}

MdAppClusterSpec *
md_app_proxy_get_spec(MdAppProxy *proxy)
{
  return proxy->spec;
}
