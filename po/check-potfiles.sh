#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# check-potfiles.sh SRCDIR
# Fails when a C file under SRCDIR/src marks strings for translation
# (_(), N_(), C_(), NC_(), Q_(), ngettext()) but is missing from
# po/POTFILES.in, or when POTFILES.in names a file that does not exist:
# either way xgettext would leave strings out of the catalog.
set -eu
srcdir=$1
potfiles=$srcdir/po/POTFILES.in
status=0

listed() {
  grep -v '^#' "$potfiles" | sed 's/[[:space:]]*$//' | grep -qxF "$1"
}

for file in $(cd "$srcdir" && find src -name '*.c' | LC_ALL=C sort); do
  if grep -Eq '(^|[^A-Za-z0-9_])(N|C|NC|Q)?_\(|(^|[^A-Za-z0-9_])n?gettext\(' "$srcdir/$file" &&
     ! listed "$file"; then
    echo "po/POTFILES.in: $file has translatable strings but is not listed" >&2
    status=1
  fi
done

for file in $(grep -v '^#' "$potfiles" | sed 's/[[:space:]]*$//' | grep -v '^$'); do
  if [ ! -f "$srcdir/$file" ]; then
    echo "po/POTFILES.in: $file does not exist" >&2
    status=1
  fi
done

[ "$status" -eq 0 ] && echo "po/POTFILES.in lists every file with translatable strings"
exit "$status"
