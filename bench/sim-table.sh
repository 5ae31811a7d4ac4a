#!/bin/bash
# bench/sim-table.sh -- the simulator's results table for docs/policy-sim.md:
# every trace of tests/traces/ through nfswapd's policy and the swapspace
# model at 512 MiB of RAM and 8 MiB/s file creation, plus the totals.
#
#   bench/sim-table.sh [SIM] > table.md      (SIM defaults to build/nfswap-sim)
#
# tests/cli/sim.sh checks that docs/policy-sim.md holds exactly this output.
set -eu
SIM=${1:-build/nfswap-sim}
cd "$(dirname "$0")/.."
command -v jq >/dev/null || { echo "sim-table: jq is needed (make deps)" >&2; exit 1; }

for t in tests/traces/*.csv; do
	"$SIM" --trace "$t" --ram-mib 512 --alloc-mibps 8 --json
done | jq -rs '
  def row: "| \(.trace | sub("\\.csv$"; "")) | \(.policy) | \(.exhaustion_s) | \(.grow_ops) | \(.shrink_ops) | \(.peak_files) | \(.idle_swap_mib_s) | \(.peak_swap_mib) |";
  def sum(f): map(f) | add;
  "| trace | policy | exhaustion_s | grow_ops | shrink_ops | peak_files | idle_swap_mib_s | peak_swap_mib |",
  "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
  (.[] | row),
  (group_by(.policy) | sort_by(.[0].policy) | .[] |
    "| **all** | \(.[0].policy) | \(sum(.exhaustion_s)) | \(sum(.grow_ops)) | \(sum(.shrink_ops)) | \(map(.peak_files) | max) | \(sum(.idle_swap_mib_s)) | \(map(.peak_swap_mib) | max) |")
'
