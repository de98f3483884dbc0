#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# run-fuzzer.sh TARGET SEED_DIR WORK_DIR SECONDS
# Runs a libFuzzer TARGET for SECONDS over its seeds. New inputs and crash
# artifacts go to WORK_DIR, so the seed corpus in the source tree stays as
# committed. A crash, leak or sanitizer report fails the test.
set -eu
target=$1 seeds=$2 work=$3 seconds=$4
mkdir -p "$work/corpus"
exec "$target" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
  -print_final_stats=1 -artifact_prefix="$work/" "$work/corpus" "$seeds"
