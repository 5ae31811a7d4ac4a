#!/bin/bash
# bench/hostile.sh -- LOOKUP latency of "nfswap serve" from its clients,
# quiet and then while hostile peers attack it: IDLE connections held from
# IDLE/8 addresses (eight each, the most one address may keep), one peer
# that pipelines calls and never reads a reply, and one that sends half a
# call and waits -- each of those two started again as soon as the service
# drops it.  The clients ask as nfswapd does: one LOOKUP per connection,
# RATE a second in all from 20 addresses.  In a private network namespace,
# on its loopback; both series are measured in this one run.
#
#   bench/hostile.sh [LOOKUPS] [IDLE] [RATE]   (as root; NFSWAP_BUILD=build)
#
# Prints "NAME VALUE" lines (for bench/run.sh), or "SKIP why".
set -u
HERE=$(cd "$(dirname "$0")/.." && pwd)
cd "$HERE"
. bench/lib.sh
LOOKUPS=${1:-600}
IDLE=${2:-300}
RATE=${3:-40}
PORT=20999
H=$B/tests/nfswap-hostile
for f in "$NFSWAP" "$H"; do
	[ -x "$f" ] || { echo "bench: $f is not built (make tests)" >&2; exit 1; }
done
bench_netns "$@"

mkdir -p "$T/export"
cat >"$T/nfswap.conf" <<CONF
export_root = "$T/export";
state_dir = "$T/state";
quota_enforce = "none";
serve = { user = "$SERVE_UID"; chroot = "$T/serve-root"; stats_file = "$T/serve.prom"; };
CONF
n() { "$NFSWAP" -c "$T/nfswap.conf" "$@"; }
CLIENTS=()
for i in $(seq 20); do
	n add "c$i" --host "127.1.0.$i" >/dev/null || exit 1
	CLIENTS+=("127.1.0.$i")
done
"$NFSWAP" -c "$T/nfswap.conf" serve -d --no-rpcbind --port $PORT 2>"$T/serve.log" &
spid=$!
at_exit 'kill $spid 2>/dev/null; wait $spid 2>/dev/null'
for _ in $(seq 50); do grep -q "serving program" "$T/serve.log" && break; sleep 0.1; done
kill -0 $spid 2>/dev/null || { echo "bench: nfswap serve did not start:" >&2; cat "$T/serve.log" >&2; exit 1; }

series() {	# PREFIX: LOOKUPS at RATE/s, as "PREFIX_p50_us N" lines
	local out
	out=$("$H" 127.0.0.1 $PORT lookups "$LOOKUPS" "$RATE" "${CLIENTS[@]}") || exit 1
	set -- $out
	echo "$1_ok $4"
	echo "$1_p50_us $6"
	echo "$1_p90_us $8"
	echo "$1_p99_us ${10}"
	echo "$1_max_us ${12}"
}
series quiet | sed 's/^lookups/quiet/'

# The attack.  Addresses 127.2.0.* hold the idle connections.
ATTACKERS=()
for i in $(seq $(( (IDLE + 7) / 8 ))); do ATTACKERS+=("127.2.$((i / 250)).$((i % 250 + 1))"); done
"$H" 127.0.0.1 $PORT idle "$IDLE" 3600 "${ATTACKERS[@]}" >"$T/idle" &
ip=$!
( while :; do "$H" 127.0.0.1 $PORT noread 60 127.3.0.1; done ) >"$T/noread" 2>&1 &
np=$!
( while :; do "$H" 127.0.0.1 $PORT half 60 127.3.0.2; done ) >"$T/half" 2>&1 &
hp=$!
at_exit "kill $ip $np $hp 2>/dev/null; wait $ip $np $hp 2>/dev/null"
sleep 2
series attack | sed 's/^lookups/attack/'
# How many idle connections the service let the attacker keep at once
# (they are closed after idle_timeout, 30 s, whatever the count).
echo "idle_asked $IDLE"
echo "idle_held $(awk '$1 == "open" && $2 > n { n = $2 } END { print n + 0 }' "$T/idle")"
kill $ip $np $hp 2>/dev/null
wait $ip $np $hp 2>/dev/null
echo "noread_dropped $(grep -c '^closed' "$T/noread")"
echo "half_dropped $(grep -c '^closed' "$T/half")"
kill -0 $spid 2>/dev/null || { echo "bench: nfswap serve died:" >&2; tail -20 "$T/serve.log" >&2; exit 1; }
