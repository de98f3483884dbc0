#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Checks matterd's systemd unit with systemd-analyze:
#   test-systemd-unit.sh UNIT_FILE MATTERD_BINARY
# `systemd-analyze verify` must exit 0 and print nothing about the unit
# (an unknown key or a bad value is only a warning with exit 0), and
# `systemd-analyze security --offline=yes` must succeed; its exposure score is
# printed, not judged.
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 UNIT_FILE MATTERD_BINARY" >&2
  exit 2
fi
unit_in=$1
matterd=$2

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

[ -r "$unit_in" ] || fail "unit file $unit_in not readable"
[ -x "$matterd" ] || fail "matterd binary $matterd not executable"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
unit=$tmp/matterd.service
cp "$unit_in" "$unit"

# The unit must start the binary under test.
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
[ "$exec_start" = "$matterd" ] ||
  fail "ExecStart=$exec_start, expected ExecStart=$matterd"

# --man=no: the man pages are not installed in the build tree.
rc=0
out=$(cd "$tmp" && SYSTEMD_LOG_COLOR=0 systemd-analyze verify --man=no "$unit" 2>&1) || rc=$?
[ -z "$out" ] || printf '%s\n' "$out"
[ "$rc" -eq 0 ] || fail "systemd-analyze verify exited with $rc"
# Any line about our unit is a warning (unknown lvalue, bad value, missing
# executable...): verify passes only when it says nothing about it.
if printf '%s\n' "$out" | grep -E 'matterd\.service|Unknown (key|lvalue|section)|[Ww]arning|[Ii]gnoring' >/dev/null; then
  fail "systemd-analyze verify reported problems with the unit"
fi
echo "ok - systemd-analyze verify"

rc=0
out=$(cd "$tmp" && SYSTEMD_LOG_COLOR=0 SYSTEMD_COLORS=0 \
  systemd-analyze security --offline=yes --no-pager "$unit" 2>&1) || rc=$?
[ "$rc" -eq 0 ] || { printf '%s\n' "$out"; fail "systemd-analyze security exited with $rc"; }
score=$(printf '%s\n' "$out" | grep -E 'Overall exposure level' || true)
[ -n "$score" ] || { printf '%s\n' "$out"; fail "no exposure score in systemd-analyze security output"; }
# systemd-analyze also warns about unknown settings here.
if printf '%s\n' "$out" | grep -E 'Unknown (key|lvalue|section)|[Ii]gnoring' >/dev/null; then
  printf '%s\n' "$out"
  fail "systemd-analyze security reported problems with the unit"
fi
echo "ok - systemd-analyze security: ${score#*→ }"
