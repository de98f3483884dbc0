/* SPDX-License-Identifier: Apache-2.0 */
#define G_LOG_DOMAIN "matterd"

#include "udp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib-unix.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "matter/message.h"
#include "md-error.h"

/* One log line about dropped datagrams per this many microseconds at most:
 * a flood must not become a flood of log lines. */
#define DROP_LOG_INTERVAL_US (10 * G_USEC_PER_SEC)

struct _MdUdp {
  int fd;
  guint watch_id;
  guint16 port;
  MdUdpReceiveFunc func;
  gpointer user_data;

  guint64 dropped;
  guint64 dropped_unlogged;
  gint64 last_drop_log;
};

static gboolean
fail_errno(GError **error, const char *what)
{
  int saved = errno;

  g_set_error(error, MD_ERROR, MD_ERROR_FAILED, "%s: %s", what, g_strerror(saved));
  return FALSE;
}

static gboolean
set_option(int fd, int level, int name, int value, const char *what, GError **error)
{
  if (setsockopt(fd, level, name, &value, sizeof(value)) < 0)
    return fail_errno(error, what);
  return TRUE;
}

static void
note_drop(MdUdp *udp, const char *reason)
{
  gint64 now = g_get_monotonic_time();

  udp->dropped++;
  udp->dropped_unlogged++;
  if (udp->last_drop_log != 0 && now - udp->last_drop_log < DROP_LOG_INTERVAL_US)
    return;
  g_message("Dropped %" G_GUINT64_FORMAT " datagram(s) (latest: %s)", udp->dropped_unlogged,
            reason);
  udp->dropped_unlogged = 0;
  udp->last_drop_log = now;
}

static void
read_pktinfo(struct msghdr *msg, MdUdpPeer *peer)
{
  for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c != NULL; c = CMSG_NXTHDR(msg, c)) {
    if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
      struct in6_pktinfo info;

      memcpy(&info, CMSG_DATA(c), sizeof(info));
      peer->local = info.ipi6_addr;
      peer->ifindex = info.ipi6_ifindex;
    } else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
      struct in_pktinfo info;

      /* An IPv4 datagram: the local address as v4-mapped. */
      memcpy(&info, CMSG_DATA(c), sizeof(info));
      memset(&peer->local, 0, sizeof(peer->local));
      peer->local.s6_addr[10] = 0xff;
      peer->local.s6_addr[11] = 0xff;
      memcpy(&peer->local.s6_addr[12], &info.ipi_addr, 4);
      peer->ifindex = (unsigned) info.ipi_ifindex;
    }
  }
}

/* Reads one datagram; FALSE when there is none left. */
static gboolean
receive_one(MdUdp *udp)
{
  /* One byte more than the largest message, so an oversize one shows. */
  guint8 buf[MATTER_MESSAGE_MAX + 1];
  union {
    struct cmsghdr align;
    char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(struct in_pktinfo))];
  } control;
  struct iovec iov = { buf, sizeof(buf) };
  MdUdpPeer peer = { 0 };
  struct msghdr msg = {
    .msg_name = &peer.remote,
    .msg_namelen = sizeof(peer.remote),
    .msg_iov = &iov,
    .msg_iovlen = 1,
    .msg_control = control.buf,
    .msg_controllen = sizeof(control.buf),
  };
  ssize_t n = recvmsg(udp->fd, &msg, MSG_DONTWAIT);

  if (n < 0) {
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
      note_drop(udp, g_strerror(errno));
    return errno == EINTR;
  }
  if ((msg.msg_flags & MSG_TRUNC) || (size_t) n > MATTER_MESSAGE_MAX) {
    note_drop(udp, "larger than a Matter message");
    return TRUE;
  }
  if (msg.msg_namelen != sizeof(peer.remote) || peer.remote.sin6_family != AF_INET6) {
    note_drop(udp, "unexpected address family");
    return TRUE;
  }
  read_pktinfo(&msg, &peer);
  udp->func(udp, buf, (gsize) n, &peer, udp->user_data);
  return TRUE;
}

static gboolean
on_readable(int fd, GIOCondition condition, gpointer user_data)
{
  MdUdp *udp = user_data;

  /* Bounded: a busy socket must not starve the rest of the main loop. */
  for (int i = 0; i < 64 && receive_one(udp); i++)
    ;
  return G_SOURCE_CONTINUE;
}

static gboolean
bind_socket(MdUdp *udp, guint16 port, GError **error)
{
  struct sockaddr_in6 addr = { .sin6_family = AF_INET6, .sin6_port = htons(port),
                               .sin6_addr = IN6ADDR_ANY_INIT };
  socklen_t len = sizeof(addr);

  udp->fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (udp->fd < 0)
    return fail_errno(error, "Cannot create the UDP socket");
  if (!set_option(udp->fd, IPPROTO_IPV6, IPV6_V6ONLY, 0, "Cannot accept IPv4 on IPv6", error) ||
      !set_option(udp->fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1, "IPV6_RECVPKTINFO", error) ||
      !set_option(udp->fd, IPPROTO_IP, IP_PKTINFO, 1, "IP_PKTINFO", error))
    return FALSE;
  if (bind(udp->fd, (struct sockaddr *) &addr, sizeof(addr)) < 0) {
    g_autofree char *what = g_strdup_printf("Cannot bind UDP port %u", port);
    return fail_errno(error, what);
  }
  if (getsockname(udp->fd, (struct sockaddr *) &addr, &len) < 0)
    return fail_errno(error, "getsockname");
  udp->port = ntohs(addr.sin6_port);
  return TRUE;
}

MdUdp *
md_udp_new(guint16 port, MdUdpReceiveFunc func, gpointer user_data, GError **error)
{
  g_autoptr(MdUdp) udp = g_new0(MdUdp, 1);

  udp->fd = -1;
  udp->func = func;
  udp->user_data = user_data;
  if (!bind_socket(udp, port, error))
    return NULL;
  udp->watch_id = g_unix_fd_add(udp->fd, G_IO_IN, on_readable, udp);
  g_message("Listening for Matter messages on UDP port %u (IPv6 and IPv4)", udp->port);
  return g_steal_pointer(&udp);
}

void
md_udp_free(MdUdp *udp)
{
  if (udp == NULL)
    return;
  g_clear_handle_id(&udp->watch_id, g_source_remove);
  if (udp->fd >= 0)
    close(udp->fd);
  g_free(udp);
}

guint16
md_udp_get_port(MdUdp *udp)
{
  return udp->port;
}

guint64
md_udp_get_dropped(MdUdp *udp)
{
  return udp->dropped;
}

static gboolean
is_v4_mapped(const struct in6_addr *addr)
{
  return IN6_IS_ADDR_V4MAPPED(addr);
}

/* The source address for the reply: the one the peer sent to. */
static void
add_source(struct msghdr *msg, char *control, gsize control_len, const MdUdpPeer *peer)
{
  struct cmsghdr *c;

  if (IN6_IS_ADDR_UNSPECIFIED(&peer->local))
    return;
  msg->msg_control = control;
  msg->msg_controllen = control_len;
  c = CMSG_FIRSTHDR(msg);
  if (is_v4_mapped(&peer->local)) {
    struct in_pktinfo info = { 0 };

    memcpy(&info.ipi_spec_dst, &peer->local.s6_addr[12], 4);
    c->cmsg_level = IPPROTO_IP;
    c->cmsg_type = IP_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof(info));
    memcpy(CMSG_DATA(c), &info, sizeof(info));
    msg->msg_controllen = CMSG_SPACE(sizeof(info));
  } else {
    struct in6_pktinfo info = { .ipi6_addr = peer->local, .ipi6_ifindex = peer->ifindex };

    c->cmsg_level = IPPROTO_IPV6;
    c->cmsg_type = IPV6_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof(info));
    memcpy(CMSG_DATA(c), &info, sizeof(info));
    msg->msg_controllen = CMSG_SPACE(sizeof(info));
  }
}

gboolean
md_udp_send(MdUdp *udp, const MdUdpPeer *peer, const guint8 *data, gsize len, GError **error)
{
  union {
    struct cmsghdr align;
    char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
  } control;
  struct iovec iov = { (void *) data, len };
  struct sockaddr_in6 remote = peer->remote;
  struct msghdr msg = {
    .msg_name = &remote,
    .msg_namelen = sizeof(remote),
    .msg_iov = &iov,
    .msg_iovlen = 1,
  };

  memset(&control, 0, sizeof(control));
  add_source(&msg, control.buf, sizeof(control.buf), peer);
  if (sendmsg(udp->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
    g_autofree char *to = md_udp_peer_to_string(peer);
    g_autofree char *what = g_strdup_printf("Cannot send to %s", to);
    return fail_errno(error, what);
  }
  return TRUE;
}

char *
md_udp_peer_to_string(const MdUdpPeer *peer)
{
  char addr[INET6_ADDRSTRLEN] = "?";
  char ifname[IF_NAMESIZE] = "";

  if (is_v4_mapped(&peer->remote.sin6_addr)) {
    inet_ntop(AF_INET, &peer->remote.sin6_addr.s6_addr[12], addr, sizeof(addr));
    return g_strdup_printf("%s:%u", addr, ntohs(peer->remote.sin6_port));
  }
  inet_ntop(AF_INET6, &peer->remote.sin6_addr, addr, sizeof(addr));
  if (peer->remote.sin6_scope_id != 0 && if_indextoname(peer->remote.sin6_scope_id, ifname))
    return g_strdup_printf("[%s%%%s]:%u", addr, ifname, ntohs(peer->remote.sin6_port));
  return g_strdup_printf("[%s]:%u", addr, ntohs(peer->remote.sin6_port));
}
