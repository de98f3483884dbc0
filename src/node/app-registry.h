/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The node's registry of application endpoints (app-endpoints.h), for
 * node.c: the Aggregator and the application endpoints it serves after
 * the root endpoint in the data model, their numbers and what the store
 * keeps of them, and the pending writes and invokes of the applications. */

#include <glib.h>

#include "app-endpoints.h"
#include "clusters/clusters.h"
#include "matter/event-log.h"
#include "matter/im-engine.h"
#include "node-storage.h"

typedef struct _MdAppRegistry MdAppRegistry;

typedef struct {
  const MdNodeStorage *storage;
  MatterDmNode *dm;       /* whose endpoint list the registry keeps */
  MatterDmEndpoint *root; /* endpoint 0, first in that list */
  MatterDmCluster *root_descriptor;
  MatterEventLog *events;
  MatterImEngine *engine;
  MdGroups *groups; /* the Group Table of the endpoints' Groups clusters */
  const MdAppHost *host; /* NULL: no application can be asked */
  gpointer host_data;
} MdAppRegistryParams;

/* Loads the stored endpoints and serves them (unreachable until their
 * application registers again); MD_ERROR_STORE when the store cannot be
 * read, MD_ERROR_STORE_CORRUPT for what it cannot have written. */
MdAppRegistry *md_app_registry_new(const MdAppRegistryParams *params, GError **error);
void md_app_registry_free(MdAppRegistry *registry);

/* The node's registry. */
MdAppRegistry *md_node_get_app_registry(MdNode *node);
