/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The Matter UDP transport: one dual-stack socket (IPv6, with IPv4 as
 * v4-mapped addresses) on the Matter port. Every datagram is delivered with
 * the address it came from and the local address and interface it was sent
 * to, and replies leave from that same local address, so a multi-homed
 * host answers from the address the peer talked to. */

#include <glib.h>
#include <netinet/in.h>

typedef struct {
  struct sockaddr_in6 remote; /* IPv4 peers as ::ffff:a.b.c.d; scope id set for link-local */
  struct in6_addr local;      /* the address the datagram was sent to */
  unsigned ifindex;           /* the interface it arrived on, 0 if unknown */
} MdUdpPeer;

typedef struct _MdUdp MdUdp;

typedef void (*MdUdpReceiveFunc)(MdUdp *udp, const guint8 *data, gsize len,
                                 const MdUdpPeer *peer, gpointer user_data);

/* Binds [::]:@port (0 picks a free port) and starts receiving from the
 * default main context. */
MdUdp *md_udp_new(guint16 port, MdUdpReceiveFunc func, gpointer user_data, GError **error);
void md_udp_free(MdUdp *udp);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MdUdp, md_udp_free)

guint16 md_udp_get_port(MdUdp *udp);
gboolean md_udp_send(MdUdp *udp, const MdUdpPeer *peer, const guint8 *data, gsize len,
                     GError **error);

/* "[addr%if]:port" for logs. */
char *md_udp_peer_to_string(const MdUdpPeer *peer);
/* Datagrams dropped as oversize or unreadable since start. */
guint64 md_udp_get_dropped(MdUdp *udp);
