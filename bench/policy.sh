#!/bin/bash
# bench/policy.sh -- policy quality: nfswapd's policy and the swapspace
# model over the trace suite (tests/traces, the conditions of
# docs/policy-sim.md: 512 MiB of RAM, 8 MiB/s file creation), as totals.
#
#   bench/policy.sh [TRACE...]   (NFSWAP_BUILD=build)
#
# Prints "POLICY_FIGURE VALUE" lines (for bench/run.sh).
set -eu
HERE=$(cd "$(dirname "$0")/.." && pwd)
B=${NFSWAP_BUILD:-build}
case $B in /*) ;; *) B=$HERE/$B ;; esac
[ -x "$B/nfswap-sim" ] || { echo "bench: $B/nfswap-sim is not built" >&2; exit 1; }
command -v jq >/dev/null || { echo "bench: jq is needed (make deps)" >&2; exit 1; }
[ $# -gt 0 ] || set -- "$HERE"/tests/traces/*.csv
echo "traces $#"
for t in "$@"; do
	"$B/nfswap-sim" --trace "$t" --ram-mib 512 --alloc-mibps 8 --json
done | jq -rs 'group_by(.policy)[] | .[0].policy as $p |
    "\($p)_exhaustion_s \(map(.exhaustion_s) | add)",
    "\($p)_ops \(map(.grow_ops + .shrink_ops) | add)",
    "\($p)_idle_swap_mib_s \(map(.idle_swap_mib_s) | add)"'
