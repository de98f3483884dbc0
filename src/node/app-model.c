/* SPDX-License-Identifier: Apache-2.0 */
/* Look-ups in the generated cluster and device type tables
 * (app-model-tables.c, from clusters/ by scripts/gen-app-model.py). */

#include "app-model.h"

#include <string.h>

const MdAppClusterInfo *
md_app_cluster_by_id(guint32 id)
{
  gsize lo = 0, hi = md_app_cluster_count;

  while (lo < hi) {
    gsize mid = lo + (hi - lo) / 2;
    guint32 at = md_app_clusters[mid]->id;

    if (at == id)
      return md_app_clusters[mid];
    if (at < id)
      lo = mid + 1;
    else
      hi = mid;
  }
  return NULL;
}

const MdAppClusterInfo *
md_app_cluster_by_interface(const char *interface)
{
  g_return_val_if_fail(interface != NULL, NULL);
  for (gsize i = 0; i < md_app_cluster_count; i++)
    if (strcmp(md_app_clusters[i]->interface, interface) == 0)
      return md_app_clusters[i];
  return NULL;
}

const MdAppDeviceTypeInfo *
md_app_device_type_by_id(guint32 id)
{
  gsize lo = 0, hi = md_app_device_type_count;

  while (lo < hi) {
    gsize mid = lo + (hi - lo) / 2;
    guint32 at = md_app_device_types[mid]->id;

    if (at == id)
      return md_app_device_types[mid];
    if (at < id)
      lo = mid + 1;
    else
      hi = mid;
  }
  return NULL;
}

int
md_app_cluster_find_attribute(const MdAppClusterInfo *info, const char *name)
{
  g_return_val_if_fail(info != NULL && name != NULL, -1);
  for (gsize i = 0; i < info->attribute_count; i++)
    if (strcmp(info->attributes[i].name, name) == 0)
      return (int) i;
  return -1;
}

int
md_app_cluster_find_command(const MdAppClusterInfo *info, const char *name)
{
  g_return_val_if_fail(info != NULL && name != NULL, -1);
  for (gsize i = 0; i < info->command_count; i++)
    if (strcmp(info->commands[i].name, name) == 0)
      return (int) i;
  return -1;
}

int
md_app_cluster_find_event(const MdAppClusterInfo *info, const char *name)
{
  g_return_val_if_fail(info != NULL && name != NULL, -1);
  for (gsize i = 0; i < info->event_count; i++)
    if (strcmp(info->events[i].name, name) == 0)
      return (int) i;
  return -1;
}

gboolean
md_app_conformance_allows(const MdAppConformance *conformance, guint32 feature_map)
{
  g_return_val_if_fail(conformance != NULL, FALSE);
  if (conformance->any_features != 0 && (feature_map & conformance->any_features) == 0)
    return FALSE;
  return (feature_map & conformance->none_features) == 0;
}

gboolean
md_app_conformance_requires(const MdAppConformance *conformance, guint32 feature_map)
{
  return conformance->mandatory && md_app_conformance_allows(conformance, feature_map);
}
