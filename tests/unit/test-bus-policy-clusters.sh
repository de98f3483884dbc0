#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# The bus policy lets root and the matterd user call exactly the cluster
# interfaces matterd knows:
#   test-bus-policy-clusters.sh POLICY INTERFACE_LIST
# POLICY is dbus/org.matterd.conf; INTERFACE_LIST the build's
# clusters/cluster-interfaces.list (one org.matterd.cluster.* per line, from
# the cluster descriptions). A cluster added to clusters/ needs its line in
# both <policy user="..."> blocks, between the BEGIN and END comments.
set -euo pipefail

policy=$1
list=$2
failures=0

want=$(sort -u "$list")
[ -n "$want" ] || { echo "FAIL: $list is empty" >&2; exit 1; }

for user in root matterd; do
  got=$(awk -v head="<policy user=\"$user\">" '
      index($0, head) { on = 1; next }
      on && /<\/policy>/ { on = 0 }
      on' "$policy" |
    sed -n 's/.*send_interface="\(org\.matterd\.cluster\.[^"]*\)".*/\1/p' | sort -u)
  if [ "$got" != "$want" ]; then
    echo "FAIL: the policy of user $user lists other cluster interfaces than $list:" >&2
    diff <(echo "$want") <(echo "$got") >&2 || true
    failures=$((failures + 1))
  fi
done
# Nobody else may call into applications.
if awk '/<policy context="default">/ { on = 1 } on' "$policy" | grep -q 'org\.matterd\.cluster\.'; then
  echo "FAIL: the default policy names cluster interfaces" >&2
  failures=$((failures + 1))
fi
[ "$failures" -eq 0 ] || exit 1
echo "bus policy lists the $(wc -l <<<"$want") cluster interfaces"
