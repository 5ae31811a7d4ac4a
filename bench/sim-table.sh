#!/bin/bash
# bench/sim-table.sh -- the simulator's results for docs/policy-sim.md:
# every trace of tests/traces/ through nfswapd's policy and the swapspace
# model at 512 MiB of RAM and 8 MiB/s file creation, the totals and ratios,
# and what nfswapd's settings (the standby reserve among them) and its
# reaction time trade against each other over the suite.
#
#   bench/sim-table.sh [SIM] > results.md    (SIM defaults to build/nfswap-sim)
#
# tests/host/sim.sh checks that docs/policy-sim.md holds exactly this output
# between its "sim-table" markers.
set -eu
SIM=${1:-build/nfswap-sim}
cd "$(dirname "$0")/.."
command -v jq >/dev/null || { echo "sim-table: jq is needed (make deps)" >&2; exit 1; }

suite() {
	local t
	for t in tests/traces/*.csv; do
		"$SIM" --trace "$t" --ram-mib 512 --alloc-mibps 8 --json "$@"
	done
}

suite | jq -rs '
  def row: "| \(.trace | sub("\\.csv$"; "")) | \(.policy) | \(.exhaustion_s) | \(.grow_ops) | \(.shrink_ops) | \(.peak_files) | \(.idle_swap_mib_s) | \(.peak_swap_mib) |";
  def sum(f): map(f) | add;
  def pct(a; b): if b == 0 then "-" else "\(((1000 * a / b) | round) / 10) %" end;
  (group_by(.policy) | map({key: .[0].policy, value: .}) | from_entries) as $p |
  ($p.nfswapd | sum(.grow_ops + .shrink_ops)) as $no |
  ($p.swapspace | sum(.grow_ops + .shrink_ops)) as $so |
  ($p.nfswapd | sum(.idle_swap_mib_s)) as $ni |
  ($p.swapspace | sum(.idle_swap_mib_s)) as $si |
  "| trace | policy | exhaustion_s | grow_ops | shrink_ops | peak_files | idle_swap_mib_s | peak_swap_mib |",
  "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
  (.[] | row),
  ($p | to_entries[] | .key as $k | .value |
    "| **all** | \($k) | \(sum(.exhaustion_s)) | \(sum(.grow_ops)) | \(sum(.shrink_ops)) | \(map(.peak_files) | max) | \(sum(.idle_swap_mib_s)) | \(map(.peak_swap_mib) | max) |"),
  "",
  "Over the suite, nfswapd against swapspace: exhaustion \($p.nfswapd | sum(.exhaustion_s)) s against \($p.swapspace | sum(.exhaustion_s)) s; grow+shrink \($no) against \($so) (\(pct($no; $so))); idle swap \($ni) against \($si) MiB x s (\(pct($ni; $si)))."
'

echo
echo "What nfswapd's settings trade over the suite (\`--policy nfswapd\` plus):"
echo
echo "| settings | exhaustion_s | grow+shrink | idle_swap_mib_s |"
echo "| --- | ---: | ---: | ---: |"
for args in "" "--set reserve=0" "--set reserve=25" "--set max_total=0" \
    "--react-ms 1000" "--set reserve=0 --set max_total=0 --react-ms 1000" \
    "--set peak_hold=3600" "--set peak_hold=7200" "--set min_grow_pct=50" \
    "--max-files 4" "--max-files 3" "--set peak_hold=7200 --max-files 4"; do
	# shellcheck disable=SC2086
	suite --policy nfswapd $args | jq -rs --arg a "${args:-(defaults)}" '
	  "| `\($a)` | \(map(.exhaustion_s) | add) | \(map(.grow_ops + .shrink_ops) | add) | \(map(.idle_swap_mib_s) | add) |"'
done
