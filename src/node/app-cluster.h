/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The proxy of one cluster object of an application (app-endpoints.h):
 * a MatterDmClass built at run time from the cluster's description
 * (app-model.h). Reads come from the cached property values; writes and
 * invokes are decoded and checked here, then handed to the owner, which
 * forwards them to the application and answers through the engine's
 * pending token. Presence follows the conformance under the instance's
 * FeatureMap and what the application offers: an optional attribute only
 * when it has the property, a command only when its introspection lists
 * the method (every allowed one when that is not known). */

#include <glib.h>

#include "app-endpoints.h"
#include "matter/dm.h"

typedef struct _MdAppProxy MdAppProxy;

typedef struct {
  /* A write of the attribute at @index of the cluster's tables with
   * @value (decoded and checked): MATTER_DM_STATUS_PENDING or a status. */
  guint8 (*write)(gpointer user_data, MdAppProxy *proxy, const MatterDmRequest *request,
                  gsize index, GVariant *value);
  /* An invoke of the command at @index with @fields, the tuple of its
   * fields; the result's status MATTER_DM_STATUS_PENDING when it will be
   * answered later, or a response's fields written to @response with
   * @tag, as MatterDmClass.invoke() does. */
  MatterDmInvokeResult (*invoke)(gpointer user_data, MdAppProxy *proxy,
                                 const MatterDmRequest *request, gsize index, GVariant *fields,
                                 MatterTlvWriter *response, MatterTlvTag tag);
} MdAppProxyOps;

/* A proxy for @spec (borrowed: it must outlive the proxy) on @endpoint. */
MdAppProxy *md_app_proxy_new(MdAppClusterSpec *spec, guint16 endpoint, const MdAppProxyOps *ops,
                             gpointer user_data);
void md_app_proxy_free(MdAppProxy *proxy);
MatterDmCluster *md_app_proxy_get_cluster(MdAppProxy *proxy);
MdAppClusterSpec *md_app_proxy_get_spec(MdAppProxy *proxy);
/* Whether the attribute at @index is present now. */
gboolean md_app_proxy_attribute_present(MdAppProxy *proxy, gsize index);
