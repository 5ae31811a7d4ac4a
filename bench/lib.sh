# bench/lib.sh -- sourced (from the top of the tree) by the benchmarks that
# use the tests' harness (tests/lib): $T, at_exit, and its SKIPs turned
# into the "SKIP why" line bench/run.sh reads.  Sets B and NFSWAP.
. tests/lib/tap.sh
B=${NFSWAP_BUILD:-build}
case $B in /*) ;; *) B=$PWD/$B ;; esac
NFSWAP=$B/nfswap
skip() { echo "SKIP $2"; }
tap_done() { :; }
