#!/bin/bash
# tests/host/bench.sh -- every benchmark of "make bench" once, with tiny
# sizes (bench/run.sh --smoke), so that none of them rots: each part runs
# to the end and gives its figures (or says SKIP and why), the table and
# the report are written, docs/benchmarks.md is left alone, and nothing of
# the bench's is left mounted, attached or running.  What is the bench's:
# it runs with its own TMPDIR (under this test's $T), so its files, images
# and mount points are under it; and with a marker in its environment,
# which every process it starts inherits.  What other tests or the machine
# run meanwhile is not looked at.  The figures themselves are not judged
# here: they are make bench's.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/fixture.sh"
HERE=$(cd "$(dirname "$0")/../.." && pwd)
B=${NFSWAP_BUILD:-build}
case $B in /*) ;; *) B=$HERE/$B ;; esac
# bench/climb-trace.sh reads a traced climb boot's console: a small
# made-up one, whose sums are known.
{
	echo "S 9.5 1 1 1 1 0"
	echo "T          nfswapd-7  [000] .....     9.000000: mm_vmscan_direct_reclaim_begin: order=0 gfp_flags=GFP_KERNEL"
	echo "T          nfswapd-7  [000] .....     9.500000: mm_vmscan_direct_reclaim_end: nr_reclaimed=3"
	echo "MARK hog-start 10.0"
	echo "T              hog-5  [000] .....    10.100000: mm_vmscan_direct_reclaim_begin: order=0 gfp_flags=GFP_HIGHUSER_MOVABLE"
	echo "T              hog-5  [000] .....    10.300000: mm_vmscan_direct_reclaim_end: nr_reclaimed=32"
	echo "T              hog-5  [000] .....    10.400000: mm_vmscan_direct_reclaim_begin: order=0 gfp_flags=GFP_HIGHUSER_MOVABLE"
	echo "T              hog-5  [000] .....    10.450000: mm_vmscan_direct_reclaim_end: nr_reclaimed=32"
	echo "T     kworker/u2:0-9  [000] d..2.    10.500000: sched_switch: prev_comm=kworker/u2:0 prev_pid=9 prev_prio=120 prev_state=R+ ==> next_comm=nfswapd next_pid=7 next_prio=100"
	echo "T          nfswapd-7  [000] d..2.    10.600000: sched_switch: prev_comm=nfswapd prev_pid=7 prev_prio=100 prev_state=D ==> next_comm=hog next_pid=5 next_prio=120"
	echo "T          nfswapd-7  [000] d..2.    10.600001: <stack trace>"
	echo "T  => __schedule"
	echo "T  => schedule"
	echo "T  => wait_for_completion_killable"
	echo "T  => nfs_file_direct_write"
	echo "T  => vfs_writev"
	echo "T              hog-5  [000] d..2.    10.900000: sched_switch: prev_comm=hog prev_pid=5 prev_prio=120 prev_state=R+ ==> next_comm=nfswapd next_pid=7 next_prio=100"
	echo "T          nfswapd-7  [000] d..2.    11.000000: sched_switch: prev_comm=nfswapd prev_pid=7 prev_prio=100 prev_state=S ==> next_comm=hog next_pid=5 next_prio=120"
	echo "MARK hog-end 12.0 0"
	echo "T              hog-5  [000] .....    12.100000: mm_vmscan_direct_reclaim_begin: order=0 gfp_flags=GFP_HIGHUSER_MOVABLE"
	echo "T              hog-5  [000] .....    12.900000: mm_vmscan_direct_reclaim_end: nr_reclaimed=32"
} >"$T/climb.log"
"$HERE/bench/climb-trace.sh" "$T/climb.log" >"$T/climb.out" 2>&1
is "climb-trace.sh reads a traced boot" "$?" 0
ok "climb-trace.sh: direct reclaim summed per task, within the climb only" \
    grep -qx "reclaim hog-5 n=2 total=0.250 max=0.200" "$T/climb.out"
ok "climb-trace.sh: nothing of before the climb" \
    sh -c '! grep -q "reclaim nfswapd" "$1"' _ "$T/climb.out"
ok "climb-trace.sh: the agent's sleep, by state and the function it waited in" \
    grep -qx "agent D nfs_file_direct_write n=1 total=0.300" "$T/climb.out"
ok "climb-trace.sh: the time the agent ran" \
    grep -qx "agent running 0.200" "$T/climb.out"
grep -v '^T ' "$T/climb.log" >"$T/untraced.log"
"$HERE/bench/climb-trace.sh" "$T/untraced.log" >/dev/null 2>"$T/untraced.err"
is "climb-trace.sh: a boot without trace=1 is an error (exit 1)" "$?" 1
ok "climb-trace.sh: and says so" grep -q "no trace (boot with trace=1)" "$T/untraced.err"

case $B in */san|*-san)
	# The guest of bench/grow-vm.sh needs the static build; the others
	# run their sanitized programs in the plain pass as well.
	skip "make bench, smoke run" "runs with the plain build (a sanitizer build has no static agent for the VM)"
	tap_done; exit ;;
esac
if [ "$(id -u)" != 0 ]; then skip "make bench, smoke run" "needs root (namespaces, mounts)"; tap_done; exit; fi

docsum=$(sha256sum "$HERE/docs/benchmarks.md" 2>/dev/null)
mkdir -p "$T/tmp"
mark="NFSWAP_BENCH_SMOKE=$T"
(cd "$HERE" && env TMPDIR="$T/tmp" "$mark" NFSWAP_BUILD="$B" bench/run.sh --smoke --out "$T/b.md") \
    >"$T/table" 2>"$T/log"
is "bench/run.sh --smoke exits 0" "$?" 0
sed 's/^/# /' "$T/log" | grep -v '^# ==' | head -20

skipped() { grep -q "^bench: skipped $1:" "$T/log"; }
row() {	# PART DESCRIPTION PATTERN: a row whose figure column is filled
	if skipped "$1"; then
		skip "$2" "$(sed -n "s/^bench: skipped $1: //p" "$T/log")"
		return
	fi
	ok "$2" awk -F'|' -v p="$3" 'index($2, p) && $3 ~ /[0-9]/ { f = 1 } END { exit !f }' "$T/table"
}
row create "creation over NFS: the 2 KiB synchronous baseline" "2 KiB FILE_SYNC WRITEs one at a time"
row create "creation over NFS: 2 KiB one at a time, UNSTABLE" "2 KiB UNSTABLE WRITEs one at a time"
row create "creation over NFS: the agent's writer pipelined at 2 KiB" "2 KiB WRITEs pipelined"
row create "creation over NFS: at 64 KiB, and the ceiling" "1 MiB WRITEs, 8 in flight"
row create "creation over NFS: pipelining against the synchronous stream" "pipelined 2 KiB / the synchronous stream"
row create "creation over NFS: the ceiling against the agent at 64 KiB" "the ceiling / the agent at 64 KiB"
row grow "time to grow in the VM: over the wsize=2048 mount" "written over the wsize=2048 mount"
row grow "time to grow in the VM: ALLOCATE, and the ratio" "over NFS / ALLOCATE"
row policy "policy quality over the trace suite" "exhaustion seconds (nfswapd / swapspace)"
row footprint "agent footprint: resident and locked" "agent resident"
row footprint "agent footprint: CPU per poll" "CPU per poll here"
row scale "provisioner scale: add at the 10th and at N" "/ the 10th"
row scale "provisioner scale: exports at N clients" "exports --format ganesha at"
row scale "provisioner scale: LOOKUP throughput" "LOOKUP, 4 threads"
row hostile "LOOKUP latency, quiet" "one call per connection at 40/s: quiet"
row hostile "LOOKUP latency under attack, and the ratio" "p99 under attack / quiet"
row cephfs "CephFS: adds on CephFS against the local back end" "... CephFS / local"
row cephfs "CephFS: 2 KiB writes through one head and through two" "two heads / one head"
ok "the report is written, with the machine and the command" \
    grep -q "^Machine: .*cores" "$T/b.md"
ok "... and holds the table" grep -q "^| measured | figure | goal | verdict |" "$T/b.md"
is "docs/benchmarks.md is not touched by a smoke run" "$(sha256sum "$HERE/docs/benchmarks.md" 2>/dev/null)" "$docsum"
# The bench's: loop devices on its files, mounts on its directories, and
# processes with its marker (a process of a namespace the bench made may
# take a moment to go once the namespace's first process has).
ours_loops() { losetup -n -l -O NAME,BACK-FILE | awk -v t="$T/" 'index($2, t) == 1'; }
ours_mounts() { awk -v t="$T/" 'index($2, t) == 1' /proc/mounts; }
ours_running() {
	local f
	for f in /proc/[0-9]*/environ; do
		{ tr '\0' '\n' <"$f"; } 2>/dev/null | grep -qxF "$mark" &&
		    echo "${f%/environ}: $({ tr '\0' ' ' <"${f%/environ}/cmdline"; } 2>/dev/null | cut -c1-80)"
	done
}
is "no loop device left attached" "$(ours_loops)" ""
is "no mount left behind" "$(ours_mounts)" ""
wait_for 10 '[ -z "$(ours_running)" ]'
is "no nfswap serve, ganesha.nfsd, Ceph daemon or QEMU of the bench left running" "$(ours_running)" ""
tap_done
