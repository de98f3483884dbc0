/* SPDX-License-Identifier: Apache-2.0 */
/* The host's interfaces as General Diagnostics gets them: the real list
 * of this machine (whatever it holds, its entries keep the struct's
 * rules), and the interface type from a made-up sysfs tree. */

#include <glib.h>
#include <glib/gstdio.h>
#include <net/if_arp.h>
#include <net/if.h>

#include "host-network.h"
#include "md-test.h"

/* Every entry has a name the kernel knows, a 6- or 8-byte hardware
 * address, lists within the struct's maximum counts; loopback is not
 * among them; they come in interface index order. */
static void
test_interfaces(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ifs = md_host_network_interfaces(&error);
  unsigned last_index = 0;

  g_assert_no_error(error);
  g_assert_nonnull(ifs);
  g_test_message("%u interfaces besides loopback", ifs->len);
  for (guint i = 0; i < ifs->len; i++) {
    const MdNetworkInterfaceSnapshot *nif = &g_array_index(ifs, MdNetworkInterfaceSnapshot, i);
    unsigned index = if_nametoindex(nif->name);

    g_test_message("%s: type %d, %s, %" G_GSIZE_FORMAT " IPv4, %" G_GSIZE_FORMAT " IPv6",
                   nif->name, nif->type, nif->is_operational ? "operational" : "down",
                   nif->ipv4_count, nif->ipv6_count);
    g_assert_cmpuint(strlen(nif->name), >, 0);
    g_assert_cmpstr(nif->name, !=, "lo");
    g_assert_cmpuint(index, >, last_index);
    last_index = index;
    g_assert_true(nif->hardware_address_len == 6 || nif->hardware_address_len == 8);
    g_assert_cmpuint(nif->ipv4_count, <=, MD_INTERFACE_IPV4_MAX);
    g_assert_cmpuint(nif->ipv6_count, <=, MD_INTERFACE_IPV6_MAX);
    g_assert_cmpint(nif->type, >=, MD_INTERFACE_TYPE_UNSPECIFIED);
    g_assert_cmpint(nif->type, <=, MD_INTERFACE_TYPE_THREAD);
  }
}

static void
make_entry(const char *root, const char *name, const char *entry, const char *contents)
{
  g_autofree char *dir = g_build_filename(root, name, NULL);
  g_autofree char *path = g_build_filename(dir, entry, NULL);

  g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
  if (contents == NULL)
    g_assert_cmpint(g_mkdir(path, 0700), ==, 0);
  else
    g_assert_true(g_file_set_contents(path, contents, -1, NULL));
}

/* Wi-Fi by its wireless/ or phy80211 entry or its uevent, a modem by its
 * uevent, Ethernet otherwise for the Ethernet link type; other link types
 * have no type of the enum but Wi-Fi's own. */
static void
test_interface_type(void)
{
  g_autofree char *root = md_test_mkdtemp();

  make_entry(root, "wlan0", "wireless", NULL);
  make_entry(root, "wlp2s0", "phy80211", "");
  make_entry(root, "wlx0", "uevent", "DEVTYPE=wlan\nINTERFACE=wlx0\n");
  make_entry(root, "wwan0", "uevent", "INTERFACE=wwan0\nIFINDEX=5\nDEVTYPE=wwan\n");
  make_entry(root, "eth0", "uevent", "INTERFACE=eth0\nIFINDEX=2\n");
  make_entry(root, "br0", "uevent", "DEVTYPE=bridge\nINTERFACE=br0\n");

  g_assert_cmpint(md_host_network_interface_type(root, "wlan0", ARPHRD_ETHER), ==,
                  MD_INTERFACE_TYPE_WIFI);
  g_assert_cmpint(md_host_network_interface_type(root, "wlp2s0", ARPHRD_ETHER), ==,
                  MD_INTERFACE_TYPE_WIFI);
  g_assert_cmpint(md_host_network_interface_type(root, "wlx0", ARPHRD_ETHER), ==,
                  MD_INTERFACE_TYPE_WIFI);
  g_assert_cmpint(md_host_network_interface_type(root, "wwan0", ARPHRD_ETHER), ==,
                  MD_INTERFACE_TYPE_CELLULAR);
  g_assert_cmpint(md_host_network_interface_type(root, "eth0", ARPHRD_ETHER), ==,
                  MD_INTERFACE_TYPE_ETHERNET);
  g_assert_cmpint(md_host_network_interface_type(root, "br0", ARPHRD_ETHER), ==,
                  MD_INTERFACE_TYPE_ETHERNET);
  /* Gone from sysfs meanwhile: still what its link type says. */
  g_assert_cmpint(md_host_network_interface_type(root, "eth9", ARPHRD_ETHER), ==,
                  MD_INTERFACE_TYPE_ETHERNET);
  g_assert_cmpint(md_host_network_interface_type(root, "mon0", ARPHRD_IEEE80211_RADIOTAP), ==,
                  MD_INTERFACE_TYPE_WIFI);
  g_assert_cmpint(md_host_network_interface_type(root, "wpan0", ARPHRD_IEEE802154), ==,
                  MD_INTERFACE_TYPE_UNSPECIFIED);
  g_assert_cmpint(md_host_network_interface_type(root, "ib0", ARPHRD_INFINIBAND), ==,
                  MD_INTERFACE_TYPE_UNSPECIFIED);
  /* No path is built from a name that leaves the tree. */
  g_assert_cmpint(md_host_network_interface_type(root, "..", ARPHRD_ETHER), ==,
                  MD_INTERFACE_TYPE_ETHERNET);
  g_assert_cmpint(md_host_network_interface_type(root, "eth0/../wlan0", ARPHRD_ETHER), ==,
                  MD_INTERFACE_TYPE_ETHERNET);
  md_test_rmtree(root);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  g_test_add_func("/host-network/interfaces", test_interfaces);
  g_test_add_func("/host-network/interface-type", test_interface_type);
  return g_test_run();
}
