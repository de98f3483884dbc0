/* SPDX-License-Identifier: Apache-2.0 */
#include "host-network.h"

#include <errno.h>
#include <ifaddrs.h>
#include <linux/if_packet.h>
#include <string.h>

#include "md-error.h"

gboolean
md_host_network_primary(MdHostInterface *out, GError **error)
{
  struct ifaddrs *list = NULL;
  unsigned best_index = 0;

  *out = (MdHostInterface) { 0 };
  /* getifaddrs() asks the kernel over netlink; its AF_PACKET entries are
   * the interfaces themselves, with their flags. */
  if (getifaddrs(&list) != 0) {
    int saved = errno;

    g_set_error(error, MD_ERROR, MD_ERROR_FAILED, "Cannot list network interfaces: %s",
                g_strerror(saved));
    return FALSE;
  }
  for (struct ifaddrs *ifa = list; ifa != NULL; ifa = ifa->ifa_next) {
    const struct sockaddr_ll *ll = (const struct sockaddr_ll *) ifa->ifa_addr;
    unsigned index;

    if (ifa->ifa_addr == NULL || ifa->ifa_addr->sa_family != AF_PACKET)
      continue;
    if ((ifa->ifa_flags & IFF_LOOPBACK) || !(ifa->ifa_flags & IFF_UP) || ll->sll_halen == 0)
      continue;
    index = (unsigned) ll->sll_ifindex;
    if (out->found && index >= best_index)
      continue;
    out->found = TRUE;
    best_index = index;
    g_strlcpy(out->name, ifa->ifa_name, sizeof(out->name));
    out->connected = (ifa->ifa_flags & IFF_RUNNING) != 0;
  }
  freeifaddrs(list);
  return TRUE;
}
