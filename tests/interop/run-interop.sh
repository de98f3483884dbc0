#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# run-interop.sh TEST [ARGS...]
# Runs an interop test in network and mount namespaces of its own: matter.js
# joins mDNS multicast groups on whatever interfaces it finds and
# avahi-daemon keeps fixed paths in /run/avahi-daemon, so neither may touch
# the host. The namespace has loopback alone, with IPv4 multicast routed to
# it (Avahi answers on lo over IPv4 only), and a tmpfs on /run/avahi-daemon.
# Exit status 77 (skipped), with the reason, when the matter.js peer is not
# installed or there is no way to make the namespaces: outside them the test
# would send mDNS traffic off the machine.
set -eu
here=$(dirname "$0")

if [ ! -f "$here/node_modules/@project-chip/matter.js/package.json" ]; then
  echo "SKIP: the matter.js interop peer is not installed ($here/node_modules is missing):" \
    "run 'scripts/dev test', or 'npm ci' in tests/interop" >&2
  exit 77
fi
if ! command -v "${MATTERD_INTEROP_NODE:-node}" >/dev/null 2>&1; then
  echo "SKIP: no Node.js (node) to run the matter.js interop peer" >&2
  exit 77
fi
if [ "$(id -u)" -ne 0 ] || ! unshare -n -m true 2>/dev/null; then
  echo "SKIP: the interop test needs root for its own network namespace" >&2
  exit 77
fi

exec unshare -n -m sh -c 'set -e
  ip link set lo up
  ip link set lo multicast on
  ip route add 224.0.0.0/4 dev lo
  mount --make-rprivate /
  mkdir -p /run/avahi-daemon
  mount -t tmpfs -o mode=0755 tmpfs /run/avahi-daemon
  export MD_INTEROP_PRIVATE_AVAHI_RUN=1
  exec "$@"' run-interop "$@"
