#!/bin/bash
# bench/scale.sh -- the provisioner with a whole site of clients: N
# clients added one by one with "nfswap add" (client i at 127.1.A.B), the
# time of adds 10-19 against adds N-9..N, then "nfswap list" and both
# "nfswap exports" formats at N clients, then "nfswap serve" answering
# LOOKUP to a concurrent client (bench/lookupload.c) connecting from the
# clients' own addresses -- in a private network namespace, on its
# loopback.
#
#   bench/scale.sh [N] [LOOKUPS] [SECONDS]   (as root; NFSWAP_BUILD=build)
#
# Prints "NAME VALUE" lines (for bench/run.sh), or "SKIP why".
set -u
HERE=$(cd "$(dirname "$0")/.." && pwd)
cd "$HERE"
. bench/lib.sh
N=${1:-10000}
LOOKUPS=${2:-50000}
SECS=${3:-10}
PORT=20999
for f in "$NFSWAP" "$B/nfswap-lookupload"; do
	[ -x "$f" ] || { echo "bench: $f is not built (make tests)" >&2; exit 1; }
done
[ "$N" -ge 30 ] || { echo "bench: N must be at least 30" >&2; exit 2; }
bench_netns "$@"

mkdir -p "$T/export" "$T/etc"
cat >"$T/nfswap.conf" <<CONF
export_root = "$T/export";
state_dir = "$T/state";
quota_enforce = "none";
kernel = { exports_file = "$T/etc/nfswap.exports"; };
ganesha = { exports_file = "$T/etc/nfswap.ganesha"; };
serve = { user = "${NFSWAP_TEST_SERVE_UID:-64999}"; chroot = "$T/serve-root"; stats_file = "$T/serve.prom"; };
CONF
n() { "$NFSWAP" -c "$T/nfswap.conf" "$@"; }
addr() { echo "127.1.$((($1 - 1) / 250)).$((($1 - 1) % 250 + 1))"; }
timed() {	# CMD...: runs it, adds its seconds to $took
	local t0=$EPOCHREALTIME
	"$@" >/dev/null || { echo "bench: $* failed" >&2; exit 1; }
	took=$(awk -v a="$t0" -v b="$EPOCHREALTIME" -v s="$took" 'BEGIN {print s + b - a}')
}

early=0 late=0
for ((i = 1; i <= N; i++)); do
	took=0
	if [ $i -ge 10 ] && [ $i -le 19 ] || [ $i -gt $((N - 10)) ]; then
		timed n add "c$i" --host "$(addr $i)" --quota 1G
		if [ $i -le 19 ]; then early=$(awk -v a=$early -v b=$took 'BEGIN {print a + b}')
		else late=$(awk -v a=$late -v b=$took 'BEGIN {print a + b}'); fi
	else
		n add "c$i" --host "$(addr $i)" --quota 1G >/dev/null ||
		    { echo "bench: add c$i failed" >&2; exit 1; }
	fi
done
echo "clients $N"
echo "add_10th_s $(awk -v a=$early 'BEGIN {printf "%.4f", a / 10}')"
echo "add_last_s $(awk -v a=$late 'BEGIN {printf "%.4f", a / 10}')"
took=0; timed n list; echo "list_s $took"
took=0; timed n exports --format ganesha; echo "exports_ganesha_s $took"
took=0; timed n exports --format kernel; echo "exports_kernel_s $took"
[ "$(grep -c '^EXPORT' "$T/etc/nfswap.ganesha")" = "$N" ] ||
    { echo "bench: the Ganesha file does not hold $N exports" >&2; exit 1; }

"$NFSWAP" -c "$T/nfswap.conf" serve -d --no-rpcbind --port $PORT 2>"$T/serve.log" &
spid=$!
at_exit 'kill $spid 2>/dev/null; wait $spid 2>/dev/null'
for _ in $(seq 50); do grep -q "serving program" "$T/serve.log" && break; sleep 0.1; done
out=$("$B/nfswap-lookupload" 127.0.0.1 $PORT 4 "$LOOKUPS" "$SECS" "$N") ||
    { echo "bench: lookupload: $out" >&2; tail -20 "$T/serve.log" >&2; exit 1; }
kill -0 $spid 2>/dev/null || { echo "bench: nfswap serve died:" >&2; tail -40 "$T/serve.log" >&2; exit 1; }
echo "$out" | awk '{for (i = 1; i < NF; i += 2) print "lookup_" $i, $(i + 1)}'
