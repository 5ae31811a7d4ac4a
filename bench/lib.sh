# bench/lib.sh -- sourced (from the top of the tree) by the benchmarks that
# use the tests' harness (tests/lib): $T, at_exit, and its SKIPs turned
# into the "SKIP why" line bench/run.sh reads.  Sets B and NFSWAP.
. tests/lib/tap.sh
B=${NFSWAP_BUILD:-build}
case $B in /*) ;; *) B=$PWD/$B ;; esac
NFSWAP=$B/nfswap
skip() { echo "SKIP $2"; }
tap_done() { :; }

# bench_netns "$@": the calling script again, inside a private network
# namespace with its loopback up (returns only there), or SKIP and why.
bench_netns() {
	if [ "${NFSWAP_IN_NS:-}" != 1 ]; then
		[ "$(id -u)" = 0 ] || { echo "SKIP needs root (a network namespace)"; exit 0; }
		unshare --net true 2>/dev/null || { echo "SKIP cannot create a network namespace here"; exit 0; }
		trap - EXIT
		rm -rf "$T"
		NFSWAP_IN_NS=1 exec unshare --net --fork --kill-child "$BASH" "$0" "$@"
	fi
	ip link set lo up
}
