/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <glib.h>
#include <net/if.h>

/* The host's network as the node reports it: the interface the node is
 * reachable on. */
typedef struct {
  gboolean found;
  char name[IF_NAMESIZE];
  gboolean connected; /* up, with carrier */
} MdHostInterface;

/* The primary interface: the lowest-index interface that is up, is not
 * loopback and has a link-layer address. FALSE with @error set when the
 * interfaces cannot be listed. */
gboolean md_host_network_primary(MdHostInterface *out, GError **error);
