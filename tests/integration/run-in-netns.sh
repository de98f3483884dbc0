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
set -eu
if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null 2>&1 && unshare -n true 2>/dev/null; then
  exec unshare -n sh -c 'ip link set lo up &&
    if ip link add md-peer0 type veth peer name md-eth0 2>/dev/null &&
       ip link set md-peer0 up && ip link set md-eth0 up; then
      export MD_TEST_INTERFACE=md-eth0
    fi
    exec "$@"' run-in-netns "$@"
fi
echo "# run-in-netns: not root or no unshare; running in the host namespace" >&2
exec "$@"
