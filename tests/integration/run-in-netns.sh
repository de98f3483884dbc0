#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# run-in-netns.sh TEST [ARGS...]
# Runs a test that opens Matter sockets in a network namespace of its own,
# so no test traffic can leave the machine and no host service sees it.
# The namespace has loopback and one Ethernet interface up: md-eth0, one
# end of a veth pair whose other end (md-peer0) stays in the namespace,
# named to the tests in MD_TEST_INTERFACE. md-eth0, made second, gets the
# lower interface index, so it is matterd's primary interface. Needs root
# (CI and the dev machines are); without it the test runs in the host's
# namespace on loopback and free ports.
#
# The namespace has a mount namespace of its own too, with a private tmpfs
# on /run/avahi-daemon (avahi-daemon's fixed pid file and socket), and
# IPv4 multicast routed over loopback: a test may start an avahi-daemon of
# its own there (allow-interfaces=lo). MD_TEST_MDNS=1 tells it that it can.
set -eu
if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null 2>&1 && unshare -n -m true 2>/dev/null; then
  exec unshare -n -m sh -c 'ip link set lo up &&
    if ip link add md-peer0 type veth peer name md-eth0 2>/dev/null &&
       ip link set md-peer0 up && ip link set md-eth0 up; then
      export MD_TEST_INTERFACE=md-eth0
    fi
    if ip link set lo multicast on && ip route add 224.0.0.0/4 dev lo &&
       mkdir -p /run/avahi-daemon && mount -t tmpfs -o mode=0755 tmpfs /run/avahi-daemon; then
      export MD_TEST_MDNS=1
    fi
    exec "$@"' run-in-netns "$@"
fi
echo "# run-in-netns: not root or no unshare; running in the host namespace" >&2
exec "$@"
