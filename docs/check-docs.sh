#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Checks that the documentation keeps up with the code:
#   check-docs.sh SOURCE_ROOT GROFF MAN_PAGE...
# - every man page formats without a single groff warning (-ww);
# - every key src/daemon/config.c reads is described in matterd.conf(5),
#   under its group, and shown in data/matterd.conf;
# - every method and property of dbus/org.matterd.*.xml has its own
#   heading in docs/dbus-api.md, under its interface.
set -euo pipefail

if [ $# -lt 3 ]; then
  echo "usage: $0 SOURCE_ROOT GROFF MAN_PAGE..." >&2
  exit 2
fi
root=$1
groff=$2
shift 2

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

for page in "$@"; do
  out=$("$groff" -man -Tutf8 -ww -z "$page" 2>&1) || fail "groff failed on $page"
  [ -z "$out" ] || fail "groff warns about $page: $out"
done

# [Group] section of a man page: from ".SH [Group]" to the next ".SH".
man_section() {
  awk -v head=".SH [$2]" '$0 == head { on = 1; next } /^\.SH / { on = 0 } on' "$1"
}

conf5=$root/docs/matterd.conf.5
conf=$root/data/matterd.conf
keys=$(sed -n 's/^ *[A-Z]*_KEY("\([A-Za-z]*\)", *"\([A-Za-z]*\)".*/\1 \2/p' \
  "$root/src/daemon/config.c")
[ -n "$keys" ] || fail "no keys found in src/daemon/config.c"
while read -r group key; do
  man_section "$conf5" "$group" | grep -q "^\.BI $key= " ||
    fail "matterd.conf(5) does not describe [$group] $key"
  grep -q "^#\?$key=" "$conf" || fail "data/matterd.conf does not show $key"
done <<<"$keys"

# Section of dbus-api.md: from "## INTERFACE" to the next "## ".
api_section() {
  awk -v head="## $1" '$0 == head { on = 1; next } /^## / { on = 0 } on' \
    "$root/docs/dbus-api.md"
}

# A D-Bus signature as the headings spell it, as BlueZ's documents do.
dbus_type() {
  case $1 in
  y) echo byte ;;
  b) echo boolean ;;
  q) echo uint16 ;;
  u) echo uint32 ;;
  t) echo uint64 ;;
  s) echo string ;;
  o) echo object ;;
  ay) echo 'array{byte}' ;;
  as) echo 'array{string}' ;;
  *) echo "$1" ;;
  esac
}

for xml in "$root"/dbus/org.matterd.*.xml; do
  iface=$(sed -n 's/.*<interface name="\([^"]*\)".*/\1/p' "$xml")
  [ -n "$iface" ] || { fail "no interface in $xml"; continue; }
  section=$(api_section "$iface")
  [ -n "$section" ] || { fail "dbus-api.md has no section for $iface"; continue; }
  for m in $(sed -n 's/.*<method name="\([^"]*\)".*/\1/p' "$xml"); do
    grep -q "^#### .*[ )]$m(" <<<"$section" ||
      fail "dbus-api.md does not describe method $iface.$m"
  done
  while read -r name type access; do
    [ -n "$name" ] || continue
    if [ "$access" = readwrite ]; then want=readwrite; else want=readonly; fi
    t=$(dbus_type "$type")
    grep -qF "#### $t $name [$want]" <<<"$section" ||
      fail "dbus-api.md does not describe property $iface.$name as $t [$want]"
  done < <(sed -n 's/.*<property name="\([^"]*\)" type="\([^"]*\)" access="\([^"]*\)".*/\1 \2 \3/p' \
    "$xml")
done

if [ "$failures" -ne 0 ]; then
  echo "$failures documentation check(s) failed" >&2
  exit 1
fi
echo "documentation checks passed"
