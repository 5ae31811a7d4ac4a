#!/bin/bash
# tests/run.sh -- run the test suites and count their TAP results.
#
#   tests/run.sh --build DIR [--build-san DIR] [--valgrind] [--jobs N]
#                [--vm-lanes M] [--times] SUITE...
#
# A SUITE is a unit test (DIR/tests/SUITE, cmocka in TAP mode) or a shell
# test (tests/host/SUITE.sh, run on this host, or tests/system/SUITE.sh,
# a real kernel in QEMU; given the nfswap binary in $NFSWAP).  With
# --build-san every suite runs a second time against the ASan+UBSan build,
# and the unit tests a third time under valgrind.  Each suite prints one
# line when it ends (its log too if it failed); the last line is
# "N passed, N failed, N skipped"; the exit status is 0 only if nothing
# failed and every suite ran to its plan.
#
# --jobs N runs N suites at once: the QEMU suites in M lanes of their own
# (--vm-lanes, 1 by default; each guest keeps a core while it runs),
# everything else -- unit tests, host tests, the valgrind and ASan passes
# -- taken in turn by the N-M lanes beside them (and by the QEMU lanes once
# the QEMU suites are done), never two suites of one group at once
# (lane_of and group_of below say which).
# Each suite is told (NFSWAP_TEST_CPUS=1) that it shares the machine.
# Suites then end in the order they end; alone (N = 1, the default) in
# the order given, pass after pass.  --times adds each suite's seconds
# (wall clock and CPU) and each lane's, before the totals.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build= san= valgrind=0 jobs=1 vmlanes=1 times=0
suites=()
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift 2 ;;
	--build-san) san=$2; shift 2 ;;
	--valgrind) valgrind=1; shift ;;
	--jobs) jobs=$2; shift 2 ;;
	--vm-lanes) vmlanes=$2; shift 2 ;;
	--times) times=1; shift ;;
	*) suites+=("$1"); shift ;;
	esac
done
usage="usage: $0 --build DIR [--build-san DIR] [--valgrind] [--jobs N] [--vm-lanes M] [--times] SUITE..."
[ -n "$build" ] || { echo "$usage" >&2; exit 2; }
case $jobs in [1-9]|[1-9][0-9]) ;; *) echo "$usage" >&2; exit 2 ;; esac
case $vmlanes in [1-9]) ;; *) echo "$usage" >&2; exit 2 ;; esac
[ "$jobs" -gt "$vmlanes" ] || [ "$jobs" -eq 1 ] ||
    { echo "$0: --jobs $jobs leaves no lane beside --vm-lanes $vmlanes" >&2; exit 2; }

R=$(mktemp -d "${TMPDIR:-/tmp}/nfswap-tests.XXXXXX")
trap 'rm -rf "$R"' EXIT

vg=(valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect --track-fds=no)
if [ -n "$san" ]; then
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fi
[ "$jobs" -gt 1 ] && export NFSWAP_TEST_CPUS=1

# ---- where a suite runs beside others ---------------------------------------
# Its lane: "vm" for every suite that boots QEMU (the system tests, and the
# bench's smoke run, which grows swap in a guest): their guests are timed
# against real time, and a VM starved of its core falls behind its memory
# hog; so each runs with a core of its own (--vm-lanes of them at once,
# the hog group below one at a time), and the other lanes run niced (10).
# "host" for the rest.
lane_of() {	# SUITE SCRIPT
	case $2 in */tests/system/*) echo vm; return ;; esac
	case $1 in bench) echo vm ;; *) echo host ;; esac
}
# Its group, whose suites never run at once: "kmsg" -- the kernel log is
# one for the whole machine, agent_host makes real swap errors in it, and
# every nfswapd on this host counts every swap error it reads there.
# "hog" -- the QEMU suites whose guests race a memory hog against the
# agent's growth over NFS (swap_vm, swap_vm_ceph, whose Ceph daemons also
# want a core): one at a time, beside the lighter guests only.
group_of() {	# SUITE
	case $1 in
	agent_host|agent_long|serve) echo kmsg ;;
	swap_vm|swap_vm_ceph|swap_vm_612) echo hog ;;
	esac
}

# ---- the jobs: one per suite and pass, in the order they are printed alone
labels=() lanes=() groups=() cmds=()	# cmds: a command line, quoted for
add_job() {	# SUITE TAG LANE CMD...	# eval, or "nosuch" or "novalgrind"
	labels+=("$1$2") lanes+=("$3") groups+=("$(group_of "$1")")
	cmds+=("$(printf '%q ' "${@:4}")")
}
add_pass() {	# BUILD TAG [WRAP...]: every suite of one pass
	local b=$1 tag=$2 wrap=("${@:3}") t sh lane
	for t in "${suites[@]}"; do
		if [ -x "$b/tests/$t" ]; then
			add_job "$t" "$tag" host "${wrap[@]}" "$b/tests/$t"
		elif [ -f "$top/tests/host/$t.sh" ] || [ -f "$top/tests/system/$t.sh" ]; then
			[ ${#wrap[@]} -gt 0 ] && continue	# valgrind: unit tests only
			sh=$top/tests/host/$t.sh
			[ -f "$sh" ] || sh=$top/tests/system/$t.sh
			add_job "$t" "$tag" "$(lane_of "$t" "$sh")" \
			    env NFSWAP="$b/nfswap" NFSWAP_BUILD="$b" bash "$sh"
		else
			labels+=("$t$tag") lanes+=(host) groups+=("") cmds+=(nosuch)
		fi
	done
}
add_pass "$build" ""
if [ $valgrind -eq 1 ] || [ -n "$san" ]; then
	if command -v valgrind >/dev/null; then
		add_pass "$build" " [valgrind]" env NFSWAP_UNDER_VALGRIND=1 "${vg[@]}"
	else
		labels+=(valgrind) lanes+=(host) groups+=("") cmds+=(novalgrind)
	fi
fi
[ -n "$san" ] && add_pass "$san" " [asan+ubsan]"

# ---- one job: run it, parse its TAP, print its lines at once ----------------
TIMEFORMAT='%R %U %S'	# bash's time: wall clock, user and system CPU
# Its result goes to $R/N.res ("passed failed skipped wall cpu ok|bad"; a
# suite that did not run to its plan counts one failure more than its
# "not ok" lines); its lines are printed whole under a lock, so that lanes
# never interleave them.
run_job() {	# N
	local i=$1 label=${labels[$1]} log=$R/$1.log out=$R/$1.out
	local p=0 f=0 s=0 plan=-1 rc status=ok bad=0 line wall cpu rest
	case ${cmds[i]} in
	nosuch)
		echo "$label: no such test" >&2
		echo "0 1 0 0 0 bad" >"$R/$i.res"
		return ;;
	novalgrind)
		echo "0 0 1 0 0 ok" >"$R/$i.res"
		flock "$R/print.lock" echo "valgrind: SKIP (valgrind is not installed)"
		return ;;
	esac
	local nice=
	[ "$jobs" -gt 1 ] && [ "${lanes[i]}" = host ] && nice="nice -n 10"
	{ time { (cd "$top" && eval "CMOCKA_MESSAGE_OUTPUT=TAP $nice ${cmds[i]}") >"$log" 2>&1; }; } 2>"$R/$i.time"
	rc=$?
	read -r wall cpu rest <"$R/$i.time"
	wall=${wall%.*} cpu=$(awk -v u="$cpu" -v s="$rest" 'BEGIN { printf "%.0f", u + s }')
	while IFS= read -r line; do
		case $line in
		1..*) plan=${line#1..} ;;
		"ok "*"# SKIP"*|"not ok "*"# SKIP"*) s=$((s + 1)) ;;
		"ok "*) p=$((p + 1)) ;;
		"not ok "[0-9]*) f=$((f + 1)) ;;
		esac
	done <"$log"
	if [ "$f" -gt 0 ]; then
		status=FAILED
	elif [ "$plan" != $((p + s)) ] || { [ $rc -ne 0 ] && [ $f -eq 0 ]; }; then
		status="BROKEN (exit $rc, plan $plan, ran $((p + s)))"
		bad=1
	fi
	{
		printf '%-34s %3d passed %3d failed %3d skipped  %s\n' "$label" "$p" "$f" "$s" "$status"
		grep -E '^ok .*# SKIP|^not ok .*# SKIP' "$log" | sed 's/^/    /'
		[ "$status" = ok ] || sed 's/^/    | /' "$log"
	} >"$out"
	echo "$p $((f + bad)) $s $wall $cpu $([ "$status" = ok ] && echo ok || echo bad)" >"$R/$i.res"
	flock "$R/print.lock" cat "$out"
}

# A lane takes the first job of its kind not yet taken whose group is not
# running (or waits while only such jobs are left), until none is left.
# $R/N.taken marks a job taken, $R/group.G a group running.
take() {	# LANE: the next job's number, or nothing
	local lane=$1 n g waiting fd
	while :; do
		exec {fd}>>"$R/queue.lock"
		flock "$fd"
		waiting=0
		for ((n = 0; n < ${#labels[@]}; n++)); do
			[ -e "$R/$n.taken" ] && continue
			[ "$lane" = any ] || [ "${lanes[n]}" = "$lane" ] || continue
			g=${groups[n]}
			if [ -n "$g" ] && [ -e "$R/group.$g" ]; then waiting=1; continue; fi
			: >"$R/$n.taken"
			[ -z "$g" ] || : >"$R/group.$g"
			exec {fd}>&-
			echo "$n"
			return 0
		done
		exec {fd}>&-
		[ $waiting = 1 ] || return 1
		sleep 1
	done
}
lane() {	# NAME KIND [KIND]: its jobs of the first kind, then of the second
	local name=$1 i t0=$SECONDS
	shift
	while i=$(take "$1") || { [ $# -gt 1 ] && i=$(take "$2"); }; do
		run_job "$i"
		[ -z "${groups[i]}" ] || rm -f "$R/group.${groups[i]}"
	done
	echo "$name $((SECONDS - t0))" >"$R/lane.$name"
}

t0=$SECONDS
if [ "$jobs" -eq 1 ]; then
	lane all any
else
	# the QEMU suites; once they are done, these lanes help the others
	for ((l = 1; l <= vmlanes; l++)); do lane "vm$l" vm host & done
	for ((l = 1; l <= jobs - vmlanes; l++)); do lane "host$l" host & done
	wait
fi

# ---- the totals ----------------------------------------------------------------
passed=0 failed=0 skipped=0 broken=()
for ((i = 0; i < ${#labels[@]}; i++)); do
	read -r p f s wall cpu st <"$R/$i.res" || { p=0 f=1 s=0 st=bad; }
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	[ "$st" = ok ] || broken+=("${labels[i]}")
done
if [ $times -eq 1 ]; then
	echo
	printf '%-34s %7s %7s  %s\n' "seconds per suite" wall cpu lane
	for ((i = 0; i < ${#labels[@]}; i++)); do
		read -r p f s wall cpu st <"$R/$i.res" 2>/dev/null
		printf '%-34s %7d %7d  %s\n' "${labels[i]}" "${wall:-0}" "${cpu:-0}" "${lanes[i]}"
	done
	for l in "$R"/lane.*; do
		read -r name wall <"$l"
		printf '%-34s %7d\n' "lane $name" "$wall"
	done
	printf '%-34s %7d\n' "all, wall clock" $((SECONDS - t0))
fi
echo
[ ${#broken[@]} -gt 0 ] && echo "failing suites: ${broken[*]}"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
