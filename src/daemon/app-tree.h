/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* What a host application's objects say (docs/dbus-api.md, "Application
 * objects"), read into the node's MdAppEndpointSpec: the reply of
 * GetManagedObjects on its ObjectManager, the introspection of each
 * cluster object, and the org.matterd.Status.<Name> errors it answers
 * with. Pure functions: the endpoint manager makes the calls. */

#include <gio/gio.h>

#include "app-endpoints.h"

/* The endpoints in @objects (a{oa{sa{sv}}}, as GetManagedObjects
 * returns) at or below @root, sorted by path: objects with
 * org.matterd.Endpoint1 are endpoints, the objects below one with one
 * org.matterd.cluster.* interface each its clusters (methods unknown
 * yet). Other objects and interfaces are ignored. NULL with
 * MD_ERROR_INVALID_ARGUMENT naming the object and the rule broken for a
 * malformed tree (the node's md_app_endpoint_spec_check() goes further);
 * else a GPtrArray of MdAppEndpointSpec that frees them. */
GPtrArray *md_app_tree_parse(GVariant *objects, const char *root, GError **error);

/* Sets @cluster's methods to those its interface lists in @xml, the
 * object's introspection. FALSE with MD_ERROR_INVALID_ARGUMENT when @xml
 * does not parse or does not have the interface. */
gboolean md_app_tree_set_methods(MdAppClusterSpec *cluster, const char *xml, GError **error);

/* The IM status an application's D-Bus error @name stands for:
 * MD_APP_STATUS_ERROR_PREFIX and the status's name in CamelCase
 * ("org.matterd.Status.ConstraintError"). FALSE for any other name, and
 * for Success, which is no error. */
gboolean md_app_status_from_error_name(const char *name, guint8 *status);
/* "ConstraintError" for MATTER_IM_STATUS_CONSTRAINT_ERROR; NULL for a
 * status not in the list. Free with g_free(). */
char *md_app_status_camel_name(guint8 status);
