/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* org.matterd.EndpointManager1 (docs/dbus-api.md): host applications
 * register the endpoints they export on the bus; matterd reads their
 * trees (app-tree.c), registers them with the node, follows their objects,
 * properties and signals, notices them leaving the bus, and carries the
 * node's writes and invokes to them (MdAppHost). */

#include <gio/gio.h>

#include "bouncer.h"
#include "matter/im-engine.h"
#include "messaging.h"
#include "node.h"

/* How long a write or invoke waits for the application: a little less
 * than the engine waits for the answer, so that a late application gets
 * TIMEOUT from matterd rather than from the engine's own give-up. */
#define MD_ENDPOINT_MANAGER_CALL_TIMEOUT_MS (MATTER_IM_PENDING_TIMEOUT_MS - 1000)
/* How long reading an application's tree may take, call by call. */
#define MD_ENDPOINT_MANAGER_READ_TIMEOUT_MS 5000

typedef struct _MdEndpointManager MdEndpointManager;

/* An application changed what NodeEndpoint1 shows of its endpoints
 * beyond what the node reports (MD_NODE_CHANGE_ENDPOINTS): their Label. */
typedef void (*MdEndpointManagerChanged)(gpointer user_data);

/* Serves applications of @connection; @node, @messaging (whose timer
 * drives the node) and @bouncer must outlive it. */
MdEndpointManager *md_endpoint_manager_new(GDBusConnection *connection, MdNode *node,
                                           MdMessaging *messaging, MdBouncer *bouncer,
                                           MdEndpointManagerChanged changed, gpointer user_data);
/* Registrations in flight are answered org.matterd.Error.Failed; calls to
 * applications are cancelled (the engine times their tokens out). */
void md_endpoint_manager_free(MdEndpointManager *manager);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdEndpointManager, md_endpoint_manager_free)

/* EndpointManager1.RegisterApplication and UnregisterApplication: each
 * answers @invocation. */
void md_endpoint_manager_register(MdEndpointManager *manager, GDBusMethodInvocation *invocation,
                                  const char *root, GVariant *options);
void md_endpoint_manager_unregister(MdEndpointManager *manager, GDBusMethodInvocation *invocation,
                                    const char *root);
/* Forgets @number (NodeEndpoint1.Forget): md_node_app_forget(), and the
 * application's object stops being followed. */
gboolean md_endpoint_manager_forget(MdEndpointManager *manager, guint16 number, GError **error);

/* MdAppHost's requests, completed with md_node_app_complete(). */
void md_endpoint_manager_write(MdEndpointManager *manager, guint16 endpoint,
                               const MdAppClusterInfo *cluster, const char *property,
                               GVariant *value, guint32 token);
void md_endpoint_manager_invoke(MdEndpointManager *manager, guint16 endpoint,
                                const MdAppClusterInfo *cluster, const MdAppCommand *command,
                                GVariant *args, guint32 token);
