#!/bin/bash
# tests/fuzz/run.sh -- run libFuzzer targets built by "make fuzz-build".
#
#   tests/fuzz/run.sh [--seconds N] [--jobs J] TARGET...
#
# Each target starts from its seeds in tests/fuzz/corpus/TARGET (never
# written to) and the corpus it grew before in build/fuzz/corpus/TARGET;
# a crash, leak or broken property is saved in build/fuzz/artifacts/.
# Prints one line per target: executions, corpus size, findings; exits 1
# if any target found something.  J targets run at once (default 1).
set -u
cd "$(dirname "$0")/../.."
SECS=600 JOBS=1
while [ $# -gt 0 ]; do
	case $1 in
	--seconds) SECS=$2; shift 2 ;;
	--jobs) JOBS=$2; shift 2 ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || { echo "usage: tests/fuzz/run.sh [--seconds N] [--jobs J] TARGET..." >&2; exit 2; }
F=build/fuzz
export LSAN_OPTIONS=suppressions=$PWD/tests/fuzz/lsan.supp:print_suppressions=0
mkdir -p "$F/artifacts" "$F/logs"

one() {	# TARGET
	local t=$1
	mkdir -p "$F/corpus/$t" "tests/fuzz/corpus/$t"
	"$F/fuzz_$t" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix="$F/artifacts/$t-" \
	    "$F/corpus/$t" "tests/fuzz/corpus/$t" >"$F/logs/$t.log" 2>&1
}
pids=() names=()
for t in "$@"; do
	[ -x "$F/fuzz_$t" ] || { echo "fuzz: $F/fuzz_$t is not built (make fuzz-build)" >&2; exit 2; }
	one "$t" &
	pids+=($!) names+=("$t")
	while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n; done
done
wait
found=0
printf '%-12s %12s %8s %8s  %s\n' target executions per_s corpus findings
for t in "${names[@]}"; do
	log=$F/logs/$t.log
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	corpus=$(ls "$F/corpus/$t" | wc -l)
	if grep -qE '^==[0-9]+==ERROR|^SUMMARY: |property failed|deadly signal' "$log"; then
		finding=$(grep -m1 -E 'ERROR: |property failed|deadly signal' "$log" | cut -c1-100)
		found=1
	else
		finding=none
	fi
	printf '%-12s %12s %8s %8s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "$corpus" "$finding"
done
exit $found
