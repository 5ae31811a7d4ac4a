#!/bin/bash
# tests/run.sh -- run the test suites and count their TAP results.
#
#   tests/run.sh --build DIR [--build-san DIR] [--valgrind] SUITE...
#
# A SUITE is a unit test (DIR/tests/SUITE, cmocka in TAP mode) or a shell
# test (tests/host/SUITE.sh, run on this host, or tests/system/SUITE.sh,
# a real kernel in QEMU; given the nfswap binary in $NFSWAP).  With
# --build-san every suite runs a second time against the ASan+UBSan build,
# and the unit tests a third time under valgrind.  The last line is
# "N passed, N failed, N skipped"; the exit status is 0 only if nothing
# failed and every suite ran to its plan.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build= san= valgrind=0
suites=()
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift 2 ;;
	--build-san) san=$2; shift 2 ;;
	--valgrind) valgrind=1; shift ;;
	*) suites+=("$1"); shift ;;
	esac
done
[ -n "$build" ] || { echo "usage: $0 --build DIR [--build-san DIR] [--valgrind] SUITE..." >&2; exit 2; }

passed=0 failed=0 skipped=0 broken=()
logdir=$(mktemp -d "${TMPDIR:-/tmp}/nfswap-tests.XXXXXX")
trap 'rm -rf "$logdir"' EXIT

# run_suite LABEL CMD... : run one suite, parse its TAP, print one line.
run_suite() {
	local label=$1; shift
	local log="$logdir/${label//[^A-Za-z0-9_.-]/_}.log"
	local p=0 f=0 s=0 plan=-1 rc
	(cd "$top" && CMOCKA_MESSAGE_OUTPUT=TAP "$@") >"$log" 2>&1
	rc=$?
	while IFS= read -r line; do
		case $line in
		1..*) plan=${line#1..} ;;
		"ok "*"# SKIP"*|"not ok "*"# SKIP"*) s=$((s + 1)) ;;
		"ok "*) p=$((p + 1)) ;;
		"not ok "[0-9]*) f=$((f + 1)) ;;
		esac
	done <"$log"
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	local status=ok
	if [ "$f" -gt 0 ]; then
		status=FAILED
	elif [ "$plan" != $((p + s)) ] || { [ $rc -ne 0 ] && [ $f -eq 0 ]; }; then
		status="BROKEN (exit $rc, plan $plan, ran $((p + s)))"
		failed=$((failed + 1))
	fi
	printf '%-34s %3d passed %3d failed %3d skipped  %s\n' "$label" "$p" "$f" "$s" "$status"
	grep -E '^ok .*# SKIP|^not ok .*# SKIP' "$log" | sed 's/^/    /'
	if [ "$status" != ok ]; then
		broken+=("$label")
		sed 's/^/    | /' "$log"
	fi
}

run_all() {
	local b=$1 tag=$2 wrap=("${@:3}") t
	for t in "${suites[@]}"; do
		if [ -x "$b/tests/$t" ]; then
			run_suite "$t$tag" "${wrap[@]}" "$b/tests/$t"
		elif [ -f "$top/tests/host/$t.sh" ] || [ -f "$top/tests/system/$t.sh" ]; then
			[ ${#wrap[@]} -gt 0 ] && continue	# valgrind: unit tests only
			local sh=$top/tests/host/$t.sh
			[ -f "$sh" ] || sh=$top/tests/system/$t.sh
			run_suite "$t$tag" env NFSWAP="$b/nfswap" NFSWAP_BUILD="$b" \
			    bash "$sh"
		else
			echo "$t$tag: no such test" >&2
			failed=$((failed + 1)) broken+=("$t$tag")
		fi
	done
}

vg=(valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect --track-fds=no)

if [ -n "$san" ]; then
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fi
run_all "$build" ""
if [ $valgrind -eq 1 ] || [ -n "$san" ]; then
	if command -v valgrind >/dev/null; then
		NFSWAP_UNDER_VALGRIND=1 run_all "$build" " [valgrind]" "${vg[@]}"
	else
		echo "valgrind: SKIP (valgrind is not installed)"
		skipped=$((skipped + 1))
	fi
fi
[ -n "$san" ] && run_all "$san" " [asan+ubsan]"

echo
[ ${#broken[@]} -gt 0 ] && echo "failing suites: ${broken[*]}"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
