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
