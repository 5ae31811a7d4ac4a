#!/bin/bash
# tests/host/fuzz.sh -- every libFuzzer target of tests/fuzz for a short
# while (FUZZ_CHECK_SECONDS, default 10 each, two at a time, or one when
# the suites share the machine: NFSWAP_TEST_CPUS), from its seeds, so that
# none of them rots: each runs, executes inputs, and finds nothing.
# "make fuzz" gives each ten minutes (docs/reliability.md).
set -u
. "$(dirname "$0")/../lib/tap.sh"
HERE=$(cd "$(dirname "$0")/../.." && pwd)
B=${NFSWAP_BUILD:-build}
case $B in */san|*-san)
	skip "fuzzing, short run" "runs once, with the plain pass (the fuzzers carry ASan+UBSan themselves)"
	tap_done; exit ;;
esac
command -v clang >/dev/null || { skip "fuzzing, short run" "clang is not installed (make deps)"; tap_done; exit; }
cd "$HERE"
targets=$(sed -n 's/^FUZZ_TARGETS *= *//p' Makefile)
cpus=${NFSWAP_TEST_CPUS:-2}
ok "the fuzzers build (make fuzz-build)" make -s -j"$cpus" fuzz-build
tests/fuzz/run.sh --seconds "${FUZZ_CHECK_SECONDS:-10}" --jobs "$cpus" $targets >"$T/out" 2>&1
is "tests/fuzz/run.sh: no target found anything (exit 0)" "$?" 0
sed 's/^/# /' "$T/out"
for t in $targets; do
	ok "fuzz_$t ran inputs and found nothing" \
	    awk -v t="$t" '$1 == t && $2 > 100 && $NF == "none" { f = 1 } END { exit !f }' "$T/out"
done
tap_done
