/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Endpoints that host applications implement (org.matterd.Endpoint1 and
 * org.matterd.cluster.* objects on D-Bus): what the daemon read of an
 * application's tree, checked against the descriptions (app-model.h),
 * and the node's side of serving them.
 *
 * Shape: endpoint 1 is an Aggregator (device type 0x000E) with a
 * Descriptor; an application's endpoint is a Bridged Node (0x0013 beside
 * its own device types, with Bridged Device Basic Information from the
 * Endpoint1 properties) whose parent is the Aggregator, or, registered
 * with Bridged false, an endpoint directly on the root. Every endpoint
 * gets a Descriptor, and Groups where its device types list it, served by
 * the node; the application's clusters are proxies (app-cluster.c) that
 * read from cached property values and forward writes and invokes to the
 * host (MdAppHost), completed through the engine's pending tokens.
 *
 * Numbers: an endpoint's number is chosen once per UniqueId (from 2 up,
 * never reused for another UniqueId) and kept in the store with what the
 * application registered, so that after a restart the endpoint is served
 * with Reachable false (and its registered values) until the application
 * registers again. md_node_app_forget() removes it; its number stays
 * taken. */

#include <glib.h>

#include "app-model.h"
#include "matter/dm.h"

typedef struct _MdNode MdNode;

/* The Aggregator's endpoint, and the first an application gets. */
#define MD_APP_AGGREGATOR_ENDPOINT 1
#define MD_APP_FIRST_ENDPOINT 2
/* Endpoints applications may have at once. */
#define MD_APP_ENDPOINTS_MAX 128

/* One cluster object of an application's endpoint. */
typedef struct {
  char *path; /* its object path, for messages */
  const MdAppClusterInfo *info;
  guint32 feature_map; /* its FeatureMap property (0 when absent) */
  /* Its properties other than FeatureMap: name -> GVariant, as the
   * application has them. */
  GHashTable *properties;
  /* The methods its introspection lists; NULL when not known (every
   * command the conformance allows is then taken as implemented). */
  GStrv methods;
} MdAppClusterSpec;

/* One endpoint object (org.matterd.Endpoint1) and its clusters. */
typedef struct {
  char *path;
  char *unique_id;
  GArray *device_types; /* of MatterDmDeviceType, as listed */
  char *label;          /* NULL when absent, as the three below */
  char *vendor_name;
  char *product_name;
  char *serial_number;
  gboolean reachable; /* TRUE when absent */
  GPtrArray *clusters; /* of MdAppClusterSpec, owned */
} MdAppEndpointSpec;

MdAppClusterSpec *md_app_cluster_spec_new(const char *path, const MdAppClusterInfo *info);
void md_app_cluster_spec_free(MdAppClusterSpec *spec);
MdAppEndpointSpec *md_app_endpoint_spec_new(const char *path);
void md_app_endpoint_spec_free(MdAppEndpointSpec *spec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdAppEndpointSpec, md_app_endpoint_spec_free)

/* What the node asks of the daemon for application endpoints. Each
 * request carries the engine's pending token; the daemon answers it with
 * md_node_app_complete() (at most once, later or before the call returns;
 * a token the engine gave up on is ignored there). @cluster NULL: the Endpoint1 object itself (a write of
 * Bridged Device Basic Information's NodeLabel sets its Label). */
typedef struct {
  /* Properties.Set of @property to @value. */
  void (*write)(gpointer user_data, guint16 endpoint, const MdAppClusterInfo *cluster,
                const char *property, GVariant *value, guint32 token);
  /* The method of @command with @args (a tuple of its fields, and the
   * context dictionary last when the application asked for it:
   * "FabricIndex" y, "SubjectNodeId" t, "Timed" b). */
  void (*invoke)(gpointer user_data, guint16 endpoint, const MdAppClusterInfo *cluster,
                 const MdAppCommand *command, GVariant *args, guint32 token);
} MdAppHost;

/* Checks @spec against the descriptions: its UniqueId (1..32 bytes), its
 * device types (described ones), every cluster a device type needs (the
 * ones the node serves aside: Descriptor, Bridged Device Basic
 * Information, Groups; and Scenes Management, which no endpoint has yet,
 * waived) with the features, attributes and commands
 * it needs, every property's D-Bus type and value. FALSE with
 * MD_ERROR_INVALID_ARGUMENT naming the object and the rule broken. */
gboolean md_app_endpoint_spec_check(const MdAppEndpointSpec *spec, GError **error);

/* Registers an application's endpoints, all or none: each checked, its
 * number found or chosen and stored with what it registered (one storage
 * transaction), then served. An endpoint of the same UniqueId still
 * served (the application registering again, or another one taking the
 * device over) is replaced in place, keeping its number and data
 * versions moving on. @owner names the application in listings (its bus
 * name); @context: its commands get the context dictionary. The numbers
 * go to @numbers, in @specs' order. Reports MD_NODE_CHANGE_ENDPOINTS. */
gboolean md_node_app_register(MdNode *node, GPtrArray *specs, gboolean bridged, gboolean context,
                              const char *owner, guint16 *numbers, guint64 now_ms,
                              GError **error);
/* The application of @endpoint left the bus (@reachable FALSE) or came
 * back: Bridged Device Basic Information Reachable and its
 * ReachableChanged event follow, combined with Endpoint1's Reachable. */
void md_node_app_set_connected(MdNode *node, guint16 endpoint, gboolean connected,
                               guint64 now_ms);
/* Removes @endpoint (UnregisterApplication, the object gone, or matterctl
 * endpoint forget): from the data model, and from the store; its number
 * stays taken by its UniqueId. NOT_FOUND for no such application
 * endpoint. */
gboolean md_node_app_forget(MdNode *node, guint16 endpoint, guint64 now_ms, GError **error);

/* The application changed a property of a cluster object (@cluster) or of
 * the Endpoint1 object (@cluster NULL): checked, cached and marked, so
 * subscribers get it. A bad value leaves the cached one as it was:
 * MD_ERROR_INVALID_ARGUMENT for the daemon to log. */
gboolean md_node_app_set_property(MdNode *node, guint16 endpoint, const MdAppClusterInfo *cluster,
                                  const char *property, GVariant *value, guint64 now_ms,
                                  GError **error);
/* The application emitted @event's signal with @args: checked and logged
 * as the cluster's event. */
gboolean md_node_app_emit_event(MdNode *node, guint16 endpoint, const MdAppClusterInfo *cluster,
                                const MdAppEvent *event, GVariant *args, guint64 now_ms,
                                GError **error);

/* Completes a request of MdAppHost: @status (IM status, SUCCESS included)
 * or, for an invoke of a command with a response, @response, a tuple of
 * the response fields (checked: a bad one is answered FAILURE). */
void md_node_app_complete(MdNode *node, guint32 token, guint8 status, GVariant *response,
                          guint64 now_ms);

/* An application endpoint, as the host sees it. */
typedef struct {
  guint16 number;
  char *unique_id;
  GArray *device_types; /* of MatterDmDeviceType, the application's (Bridged Node aside) */
  char *label;
  char *owner; /* the registering application's bus name; NULL: none now */
  gboolean reachable;
  gboolean bridged;
} MdAppEndpointInfo;

void md_app_endpoint_info_free(MdAppEndpointInfo *info);
/* Every application endpoint served (ascending number): a GPtrArray of
 * MdAppEndpointInfo that frees them. */
GPtrArray *md_node_app_list(MdNode *node);
