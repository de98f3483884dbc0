/* SPDX-License-Identifier: Apache-2.0 */
#include "host-network.h"

#include <errno.h>
#include <ifaddrs.h>
#include <net/if_arp.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <string.h>

#include "md-error.h"

#define SYSFS_NET "/sys/class/net"

static gboolean
list_interfaces(struct ifaddrs **list, GError **error)
{
  int saved;

  /* getifaddrs() asks the kernel over netlink; its AF_PACKET entries are
   * the interfaces themselves, with their flags. */
  if (getifaddrs(list) == 0)
    return TRUE;
  saved = errno;
  g_set_error(error, MD_ERROR, MD_ERROR_FAILED, "Cannot list network interfaces: %s",
              g_strerror(saved));
  return FALSE;
}

gboolean
md_host_network_primary(MdHostInterface *out, GError **error)
{
  struct ifaddrs *list = NULL;
  unsigned best_index = 0;

  *out = (MdHostInterface) { 0 };
  if (!list_interfaces(&list, error))
    return FALSE;
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

/* ---- Every interface, for General Diagnostics ---- */

/* A sysfs entry of the interface: names come from the kernel, which never
 * makes one with a slash or a dot-only one, but a path is built only from
 * a name that is safe to build it from. */
static char *
sysfs_path(const char *sysfs_net, const char *name, const char *entry)
{
  if (name[0] == '\0' || strchr(name, '/') != NULL || strcmp(name, ".") == 0 ||
      strcmp(name, "..") == 0)
    return NULL;
  return g_build_filename(sysfs_net, name, entry, NULL);
}

static gboolean
sysfs_exists(const char *sysfs_net, const char *name, const char *entry)
{
  g_autofree char *path = sysfs_path(sysfs_net, name, entry);

  return path != NULL && g_file_test(path, G_FILE_TEST_EXISTS);
}

/* The DEVTYPE line of the interface's uevent ("wlan", "wwan", "bridge"),
 * NULL when it has none. */
static char *
sysfs_devtype(const char *sysfs_net, const char *name)
{
  g_autofree char *path = sysfs_path(sysfs_net, name, "uevent");
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;

  if (path == NULL || !g_file_get_contents(path, &contents, NULL, NULL))
    return NULL;
  lines = g_strsplit(contents, "\n", -1);
  for (char **line = lines; *line != NULL; line++)
    if (g_str_has_prefix(*line, "DEVTYPE="))
      return g_strdup(*line + strlen("DEVTYPE="));
  return NULL;
}

MdInterfaceType
md_host_network_interface_type(const char *sysfs_net, const char *name, guint16 hatype)
{
  g_autofree char *devtype = NULL;

  switch (hatype) {
  case ARPHRD_IEEE80211:
  case ARPHRD_IEEE80211_PRISM:
  case ARPHRD_IEEE80211_RADIOTAP:
    return MD_INTERFACE_TYPE_WIFI;
  case ARPHRD_ETHER:
    break;
  default:
    return MD_INTERFACE_TYPE_UNSPECIFIED;
  }
  /* Wi-Fi drivers register a wireless/ (wireless extensions) or phy80211
   * (cfg80211) entry; modems with Ethernet framing say wwan. */
  if (sysfs_exists(sysfs_net, name, "wireless") || sysfs_exists(sysfs_net, name, "phy80211"))
    return MD_INTERFACE_TYPE_WIFI;
  devtype = sysfs_devtype(sysfs_net, name);
  if (g_strcmp0(devtype, "wlan") == 0)
    return MD_INTERFACE_TYPE_WIFI;
  if (g_strcmp0(devtype, "wwan") == 0)
    return MD_INTERFACE_TYPE_CELLULAR;
  return MD_INTERFACE_TYPE_ETHERNET;
}

typedef struct {
  int index;
  MdNetworkInterfaceSnapshot snapshot;
} Link;

/* An interface from its AF_PACKET entry; FALSE for those not reported. */
static gboolean
link_from_packet(const struct ifaddrs *ifa, Link *out)
{
  const struct sockaddr_ll *ll = (const struct sockaddr_ll *) ifa->ifa_addr;

  if ((ifa->ifa_flags & IFF_LOOPBACK) || (ll->sll_halen != 6 && ll->sll_halen != 8) ||
      strlen(ifa->ifa_name) > MD_INTERFACE_NAME_MAX)
    return FALSE;
  *out = (Link) { .index = ll->sll_ifindex };
  g_strlcpy(out->snapshot.name, ifa->ifa_name, sizeof(out->snapshot.name));
  out->snapshot.is_operational = (ifa->ifa_flags & IFF_UP) && (ifa->ifa_flags & IFF_RUNNING);
  memcpy(out->snapshot.hardware_address, ll->sll_addr, ll->sll_halen);
  out->snapshot.hardware_address_len = ll->sll_halen;
  out->snapshot.type =
      md_host_network_interface_type(SYSFS_NET, ifa->ifa_name, (guint16) ll->sll_hatype);
  return TRUE;
}

/* The interface an address entry belongs to: its name, or for an IPv4
 * address with a label ("eth0:1") the part before the colon. */
static Link *
find_link(GArray *links, const char *name)
{
  gsize len = strcspn(name, ":");

  for (guint i = 0; i < links->len; i++) {
    Link *link = &g_array_index(links, Link, i);

    if (strcmp(link->snapshot.name, name) == 0 ||
        (strlen(link->snapshot.name) == len && strncmp(link->snapshot.name, name, len) == 0))
      return link;
  }
  return NULL;
}

static void
add_address(Link *link, const struct sockaddr *addr)
{
  MdNetworkInterfaceSnapshot *s = &link->snapshot;

  if (addr->sa_family == AF_INET && s->ipv4_count < MD_INTERFACE_IPV4_MAX) {
    const struct sockaddr_in *in = (const struct sockaddr_in *) addr;

    memcpy(s->ipv4[s->ipv4_count++], &in->sin_addr, sizeof(s->ipv4[0]));
  } else if (addr->sa_family == AF_INET6 && s->ipv6_count < MD_INTERFACE_IPV6_MAX) {
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *) addr;

    memcpy(s->ipv6[s->ipv6_count++], &in6->sin6_addr, sizeof(s->ipv6[0]));
  }
}

static gint
compare_index(gconstpointer a, gconstpointer b)
{
  const Link *la = a, *lb = b;

  return (la->index > lb->index) - (la->index < lb->index);
}

GArray *
md_host_network_interfaces(GError **error)
{
  g_autoptr(GArray) links = g_array_new(FALSE, FALSE, sizeof(Link));
  GArray *out;
  struct ifaddrs *list = NULL;

  if (!list_interfaces(&list, error))
    return NULL;
  for (struct ifaddrs *ifa = list; ifa != NULL; ifa = ifa->ifa_next) {
    Link link;

    if (ifa->ifa_addr != NULL && ifa->ifa_addr->sa_family == AF_PACKET &&
        link_from_packet(ifa, &link))
      g_array_append_val(links, link);
  }
  for (struct ifaddrs *ifa = list; ifa != NULL; ifa = ifa->ifa_next) {
    Link *link;

    if (ifa->ifa_addr == NULL || ifa->ifa_addr->sa_family == AF_PACKET)
      continue;
    link = find_link(links, ifa->ifa_name);
    if (link != NULL)
      add_address(link, ifa->ifa_addr);
  }
  freeifaddrs(list);

  g_array_sort(links, compare_index);
  out = g_array_sized_new(FALSE, TRUE, sizeof(MdNetworkInterfaceSnapshot), links->len);
  for (guint i = 0; i < links->len; i++)
    g_array_append_val(out, g_array_index(links, Link, i).snapshot);
  return out;
}
