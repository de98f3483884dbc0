/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <glib.h>
#include <net/if.h>

#include "clusters/clusters.h"

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

/* Every interface but loopback, in interface index order, as General
 * Diagnostics reports them (an array of MdNetworkInterfaceSnapshot):
 * flags and link-layer address from getifaddrs()'s AF_PACKET entries, its
 * IPv4 and IPv6 addresses (the first MD_INTERFACE_IPV4_MAX and
 * MD_INTERFACE_IPV6_MAX), the type from the link type and sysfs.
 * Interfaces without a 6- or 8-byte link-layer address (tunnels, PPP)
 * cannot fill HardwareAddress and are left out. NULL with @error set when
 * the interfaces cannot be listed. */
GArray *md_host_network_interfaces(GError **error);

/* The type of interface @name with link type @hatype (ARPHRD_*): what
 * @sysfs_net (/sys/class/net) says of it tells Wi-Fi and cellular modems
 * from Ethernet, which all show the Ethernet link type. */
MdInterfaceType md_host_network_interface_type(const char *sysfs_net, const char *name,
                                               guint16 hatype);
