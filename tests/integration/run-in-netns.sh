#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# run-in-netns.sh TEST [ARGS...]
# Runs a test that opens Matter sockets in a network namespace of its own,
# with only loopback up, so no test traffic can leave the machine and no
# host service sees it. Needs root (CI and the dev machines are); without
# it the test runs in the host's namespace on loopback and free ports.
set -eu
if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null 2>&1 && unshare -n true 2>/dev/null; then
  exec unshare -n sh -c 'ip link set lo up && exec "$@"' run-in-netns "$@"
fi
echo "# run-in-netns: not root or no unshare; running in the host namespace" >&2
exec "$@"
