#!/bin/bash
# bench/footprint.sh -- what nfswapd itself costs the thin client, on a
# fake proc directory whose meminfo shows plenty of memory (the steady
# state: a poll that decides nothing, which is nearly every poll):
#
#   rss_kb, locked_kb   VmRSS and VmLck of a running agent (it locks itself
#                       in memory, so all of it is resident)
#   instr_per_poll      instructions per poll, counted by callgrind:
#                       (a run of N2 polls - a run of N1 polls) / (N2 - N1),
#                       so start-up is left out and the figure repeats
#   cpu_s_per_poll      user+system seconds per poll, natively, over POLLS
#                       back-to-back polls (nfswapd --polls)
#
#   bench/footprint.sh [POLLS]   (as root, for mlockall; NFSWAP_BUILD=build)
#
# Prints "NAME VALUE" lines (for bench/run.sh), or "SKIP why".
set -u
HERE=$(cd "$(dirname "$0")/.." && pwd)
B=${NFSWAP_BUILD:-build}
case $B in /*) ;; *) B=$HERE/$B ;; esac
D=$B/nfswapd
POLLS=${1:-200000}
[ -x "$D" ] || { echo "bench: $D is not built" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "SKIP needs root (the agent locks itself in memory)"; exit 0; }
T=$(mktemp -d "${TMPDIR:-/tmp}/nfswap-fp.XXXXXX")
pid=
# Whatever swap of ours is on goes off before the directory goes (an
# active swap file cannot be removed).
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; wait 2>/dev/null
    for f in "$T"/swap/nfswap.*; do [ -f "$f" ] && swapoff "$f" 2>/dev/null; done
    rm -rf "$T"' EXIT
mkdir -p "$T/proc" "$T/swap"
printf 'MemTotal: %d kB\nMemFree: %d kB\nMemAvailable: %d kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n' \
    $((1024 * 1024)) $((900 * 1024)) $((900 * 1024)) >"$T/proc/meminfo"
# No standby reserve: a poll that decides nothing, without a file on /tmp.
echo "swap = { status_file = \"$T/status.json\"; }; policy = { reserve = 0; };" >"$T/nfswapd.conf"
# Resident and locked, a few seconds into a steady run.
"$D" -d -c "$T/nfswapd.conf" --proc "$T/proc" --swapdir "$T/swap" 2>"$T/agent.log" &
pid=$!
for _ in $(seq 50); do [ -s "$T/status.json" ] && break; sleep 0.1; done
sleep 2
awk '/^VmRSS:/ {print "rss_kb", $2} /^VmLck:/ {print "locked_kb", $2}' /proc/$pid/status
kill $pid; wait $pid 2>/dev/null; pid=
grep -q "another nfswapd" "$T/agent.log" && { echo "bench: $(cat "$T/agent.log")" >&2; exit 1; }

# CPU per poll, natively.
/usr/bin/time -f "%U %S" -o "$T/time" "$D" -d -c "$T/nfswapd.conf" \
    --proc "$T/proc" --swapdir "$T/swap" --polls "$POLLS" 2>/dev/null ||
    { echo "bench: nfswapd --polls $POLLS failed" >&2; exit 1; }
awk -v n="$POLLS" '{printf "cpu_s_per_poll %.9f\n", ($1 + $2) / n}' "$T/time"
echo "polls $POLLS"

# Instructions per poll, by difference.
if ! command -v valgrind >/dev/null; then
	echo "# valgrind is not installed: no instruction count"
	exit 0
fi
count() {
	valgrind --tool=callgrind --callgrind-out-file=/dev/null \
	    "$D" -d -c "$T/nfswapd.conf" --proc "$T/proc" --swapdir "$T/swap" \
	    --polls "$1" 2>&1 | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
i1=$(count 10); i2=$(count 1010)
[ -n "$i1" ] && [ -n "$i2" ] || { echo "bench: callgrind gave no count" >&2; exit 1; }
echo "instr_per_poll $(((i2 - i1) / 1000))"
