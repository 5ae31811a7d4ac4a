#!/bin/bash
# bench/run.sh -- "make bench": every benchmark of bench/ in one run, a
# table of the figures, the ratios against their baselines and the goals,
# written to docs/benchmarks.md with the machine, the date and the command.
#
#   bench/run.sh [--smoke] [--out FILE]     (as root; NFSWAP_BUILD=build)
#
# --smoke runs each benchmark with tiny sizes (tests/host/bench.sh, in make
# check, so that none of them rots); its figures mean nothing and it writes
# FILE only (default: docs/benchmarks.md without --smoke, nothing with).
# Exit 0 when every benchmark ran (or said SKIP and why), 1 otherwise;
# a missed goal is reported, not an error.
set -u
HERE=$(cd "$(dirname "$0")/.." && pwd)
cd "$HERE"
export NFSWAP_BUILD=${NFSWAP_BUILD:-build}
SMOKE=0 OUT=
while [ $# -gt 0 ]; do
	case $1 in
	--smoke) SMOKE=1 ;;
	--out) OUT=$2; shift ;;
	*) echo "usage: bench/run.sh [--smoke] [--out FILE]" >&2; exit 2 ;;
	esac
	shift
done
[ $SMOKE = 0 ] && [ -z "$OUT" ] && OUT=docs/benchmarks.md
if [ $SMOKE = 1 ]; then
	CREATE_MIB=4 GROW_MIB=4 POLLS=2000 CLIENTS=30 LOOKUPS=300 LOOKUP_S=3
	CEPH_CLIENTS=20 CEPH_MIB=4 HOSTILE_LOOKUPS=40 HOSTILE_IDLE=40
	# One boot of each kind of swap, a hog that fits in RAM.
	CLIMB_BOOTS=1 CLIMB=(CLIMB_RATES=full CLIMB_HOG_MIB=32 CLIMB_REST_S=2 CLIMB_AFTER_S=5
	    CLIMB_QUIET_WAIT=0)
else
	CREATE_MIB=256 GROW_MIB=256 POLLS=200000 CLIENTS=10000 LOOKUPS=50000 LOOKUP_S=10
	CEPH_CLIENTS=1000 CEPH_MIB=64 HOSTILE_LOOKUPS=1200 HOSTILE_IDLE=300
	CLIMB_BOOTS=2 CLIMB=(CLIMB_RATES="16 32 full")
fi
W=$(mktemp -d "${TMPDIR:-/tmp}/nfswap-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT
declare -A V
failed=0 skipped=()

part() {	# NAME SCRIPT ARGS...: its "key value" lines into V[NAME.key]
	local name=$1 t0=$EPOCHREALTIME k v
	shift
	echo "== $name: $*" >&2
	if ! "$@" >"$W/$name.out" 2>"$W/$name.err"; then
		echo "bench: $name FAILED:" >&2
		tail -20 "$W/$name.err" "$W/$name.out" >&2
		failed=1
		return
	fi
	if grep -q '^SKIP' "$W/$name.out"; then
		skipped+=("$name: $(sed -n 's/^SKIP //p' "$W/$name.out" | head -1)")
		return
	fi
	while read -r k v; do
		case $k in '#'*|'|'*|[A-Z]*|'') continue ;; esac	# and tables
		V[$name.$k]=$v
	done <"$W/$name.out"
	V[$name.took]=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.0f", b - a}')
}

part create bench/nfs-create.sh $CREATE_MIB
part grow bench/grow-vm.sh $GROW_MIB
part policy bench/policy.sh
part footprint bench/footprint.sh $POLLS
part scale bench/scale.sh $CLIENTS $LOOKUPS $LOOKUP_S
part hostile bench/hostile.sh $HOSTILE_LOOKUPS $HOSTILE_IDLE 40
part cephfs bench/cephfs.sh $CEPH_CLIENTS $CEPH_MIB
part climb env "${CLIMB[@]}" bench/climb-sweep.sh $CLIMB_BOOTS
# The same sweep on Debian 12's 6.12 kernel (the goal is both kernels);
# the smoke run boots the default kernel only.
[ $SMOKE = 1 ] || part climb612 env NFSWAP_VM_KERNEL=6.12 "${CLIMB[@]}" bench/climb-sweep.sh $CLIMB_BOOTS

# ---- the table ---------------------------------------------------------
g() { echo "${V[$1]:-}"; }
calc() { awk "BEGIN { $1 }"; }
rows=()
row() { rows+=("| $1 | $2 | $3 | $4 |"); }	# what | figure | goal | verdict
verdict() {	# GOT OP WANT: met, or missed and by how much
	if [ -z "$1" ]; then echo "not measured"; return; fi
	if calc "exit !($1 $2 $3)"; then echo "met"; return; fi
	case $2 in
	'>='|'>') echo "**missed**: $(calc "printf \"%.0f\", 100 * $1 / $3") % of the goal" ;;
	*) echo "**missed**: $(calc "printf \"%.0f\", 100 * ($1 / $3 - 1)") % over" ;;
	esac
}

if [ -n "$(g create.agent2k)" ]; then
	rate() { set -- $1; calc "print $2 / $1"; }	# "SECONDS MIB" -> MiB/s
	shown() { set -- $1; calc "printf \"%.1f MiB/s (%d MiB in %.2f s)\", $2 / $1, $2, $1"; }
	row "create over NFS: 2 KiB FILE_SYNC WRITEs one at a time (dd bs=2048 oflag=sync)" "$(shown "$(g create.fsync2k)")" "baseline" ""
	row "... 2 KiB UNSTABLE WRITEs one at a time, COMMIT at the end" "$(shown "$(g create.sync2k)")" "" ""
	row "... the agent's writer, 2 KiB WRITEs pipelined (16 in flight)" "$(shown "$(g create.agent2k)")" "" ""
	row "... the agent's writer, 64 KiB WRITEs (its swap mount floor)" "$(shown "$(g create.agent64k)")" "" ""
	row "... 1 MiB WRITEs, 8 in flight (the loopback's ceiling)" "$(shown "$(g create.ceiling)")" "" ""
	a=$(rate "$(g create.agent2k)")
	r=$(calc "printf \"%.2f\", $a / $(rate "$(g create.fsync2k)")")
	row "pipelined 2 KiB / the synchronous stream" "${r}x" ">= 1.5x" "$(verdict $r '>=' 1.5)"
	r=$(calc "printf \"%.2f\", $a / $(rate "$(g create.sync2k)")")
	row "pipelined 2 KiB / UNSTABLE one at a time" "${r}x" "" ""
	r=$(calc "printf \"%.2f\", $(rate "$(g create.ceiling)") / $(rate "$(g create.agent64k)")")
	row "the ceiling / the agent at 64 KiB" "${r}x" "<= 2x" "$(verdict $r '<=' 2)"
fi
if [ -n "$(g grow.grow_nfs)" ]; then
	n=$(g grow.grow_nfs) a=$(g grow.grow_alloc)
	row "grow swap by $GROW_MIB MiB in the VM: written over the wsize=2048 mount" "$(calc "printf \"%.2f s\", $n")" "baseline" ""
	row "... ALLOCATE (nfswap serve writes it on the server)" "$(calc "printf \"%.3f s\", $a")" "" ""
	r=$(calc "printf \"%.1f\", $n / $a")
	row "over NFS / ALLOCATE" "${r}x" ">= 20x" "$(verdict $r '>=' 20)"
fi
if [ -n "$(g policy.nfswapd_ops)" ]; then
	row "policy, $(g policy.traces) traces: exhaustion seconds (nfswapd / swapspace)" "$(g policy.nfswapd_exhaustion_s) / $(g policy.swapspace_exhaustion_s)" "no worse" \
	    "$(verdict "$(g policy.nfswapd_exhaustion_s)" '<=' "$(g policy.swapspace_exhaustion_s)")"
	row "... grow+shrink operations" "$(g policy.nfswapd_ops) / $(g policy.swapspace_ops) ($(calc "printf \"%.0f %%\", 100 * $(g policy.nfswapd_ops) / $(g policy.swapspace_ops)"))" "" ""
	row "... idle swap, MiB x s" "$(g policy.nfswapd_idle_swap_mib_s) / $(g policy.swapspace_idle_swap_mib_s) ($(calc "printf \"%.1f %%\", 100 * $(g policy.nfswapd_idle_swap_mib_s) / $(g policy.swapspace_idle_swap_mib_s)"))" "" ""
fi
if [ -n "$(g footprint.rss_kb)" ]; then
	k=$(g footprint.rss_kb)
	row "agent resident (all of it locked: $(g footprint.locked_kb) KiB)" "$k KiB" "< 2048 KiB" "$(verdict $k '<' 2048)"
	c=$(g footprint.cpu_s_per_poll)
	if [ -n "$(g footprint.instr_per_poll)" ]; then
		i=$(g footprint.instr_per_poll)
		row "instructions per poll (callgrind, steady state)" "$i" "" ""
		row "... a 1 s poll on a 1 GHz core doing 1 instruction a cycle" "$(calc "printf \"%.4f %%\", $i / 1e9 * 100")" "< 0.1 %" "$(verdict "$(calc "print $i / 1e9 * 100")" '<' 0.1)"
	fi
	row "CPU per poll here (user+sys over $(g footprint.polls) polls)" "$(calc "printf \"%.1f us = %.4f %% of a core at 1 poll/s\", $c * 1e6, $c * 100")" "< 0.1 %" "$(verdict "$(calc "print $c * 100")" '<' 0.1)"
fi
if [ -n "$(g scale.add_10th_s)" ]; then
	e=$(g scale.add_10th_s) l=$(g scale.add_last_s) N=$(g scale.clients)
	row "nfswap add: the 10th client (mean of adds 10-19)" "$(calc "printf \"%.1f ms\", $e * 1000")" "baseline" ""
	r=$(calc "printf \"%.2f\", $l / $e")
	row "... the ${N}th (mean of the last 10) / the 10th" "$(calc "printf \"%.1f ms\", $l * 1000") = ${r}x" "<= 2x" "$(verdict $r '<=' 2)"
	row "nfswap list at $N clients" "$(calc "printf \"%.3f s\", $(g scale.list_s)")" "" ""
	x=$(g scale.exports_ganesha_s)
	row "nfswap exports --format ganesha at $N clients" "$(calc "printf \"%.3f s\", $x")" "< 1 s" "$(verdict $x '<' 1)"
	x=$(g scale.exports_kernel_s)
	row "nfswap exports --format kernel at $N clients" "$(calc "printf \"%.3f s\", $x")" "< 1 s" "$(verdict $x '<' 1)"
	p=$(g scale.lookup_per_s)
	row "LOOKUP, 4 threads from $N addresses ($(g scale.lookup_lookups) calls, $(g scale.lookup_ok) answered OK)" "$p per s" ">= 5000/s" "$(verdict $p '>=' 5000)"
	row "... latency p50 / p90 / p99 / max" "$(g scale.lookup_p50_us) / $(g scale.lookup_p90_us) / $(g scale.lookup_p99_us) / $(g scale.lookup_max_us) us" "" ""
fi
if [ -n "$(g hostile.quiet_p99_us)" ]; then
	q=$(g hostile.quiet_p99_us) a=$(g hostile.attack_p99_us)
	row "LOOKUP from a client, one call per connection at 40/s: quiet, p50 / p99 / max" "$(g hostile.quiet_p50_us) / $q / $(g hostile.quiet_max_us) us ($(g hostile.quiet_ok) OK)" "baseline" ""
	row "... under attack: $(g hostile.idle_asked) idle connections asked (at most $(g hostile.idle_held) kept at once by the service), a peer that never reads ($(g hostile.noread_dropped) times dropped), half a call ($(g hostile.half_dropped) dropped): p50 / p99 / max" "$(g hostile.attack_p50_us) / $a / $(g hostile.attack_max_us) us ($(g hostile.attack_ok) OK)" "p99 < 100 ms" "$(verdict $a '<' 100000)"
	r=$(calc "printf \"%.1f\", $a / $q")
	row "... p99 under attack / quiet" "${r}x" "<= 10x" "$(verdict $r '<=' 10)"
fi
if [ -n "$(g cephfs.add_ceph_s)" ]; then
	N=$(g cephfs.clients) c=$(g cephfs.add_ceph_s) l=$(g cephfs.add_local_s)
	row "nfswap add, $N clients one by one, local back end" "$(calc "printf \"%.1f s (%.1f ms each)\", $l, $l * 1000 / $N")" "baseline" ""
	row "... on CephFS (connect, mkdir, chown, ceph.quota.max_bytes)" "$(calc "printf \"%.1f s (%.1f ms each)\", $c, $c * 1000 / $N")" "" ""
	r=$(calc "printf \"%.2f\", $c / $l")
	row "... CephFS / local" "${r}x" "" ""
	row "nfswap exports --head at $N clients on CephFS ($(g cephfs.exports_head_clients) on that head); audit of all" "$(calc "printf \"%.3f s; %.2f s\", $(g cephfs.exports_head_s), $(g cephfs.audit_s)")" "" ""
	o=$(g cephfs.one_head_one_client_mibps)
	row "2 KiB writes through the Ceph FSAL ($(g cephfs.write_mib) MiB each): one client, one head" "$o MiB/s" "baseline" ""
	row "... two clients through one head at once (aggregate)" "$(g cephfs.one_head_two_clients_mibps) MiB/s" "" ""
	t=$(g cephfs.two_heads_two_clients_mibps)
	row "... two clients through two heads at once (aggregate)" "$t MiB/s" "" ""
	r=$(calc "printf \"%.2f\", $t / $(g cephfs.one_head_two_clients_mibps)")
	row "two heads / one head, two clients ($(g cephfs.cores) cores for the cluster, both heads and both clients)" "${r}x" "> 1x" "$(verdict $r '>' 1)"
fi
for c in climb climb612; do
	[ -n "$(g $c.static_fastest)" ] || continue
	for x in nfs alloc; do
		[ -n "$(g $c.${x}_fastest)" ] || continue
		w=$([ $x = nfs ] && echo "nfswapd, files over NFS" || echo "nfswapd with ALLOCATE")
		q=$(g $c.${x}_fastest_ratio)
		row "climb sweep in the VM (Linux $(g $c.climb_kernel); the tables below), $w: fastest climb survived / the static file's" \
		    "$(g $c.${x}_fastest) / $(g $c.static_fastest) = ${q:--}" ">= 1.0" "$(verdict "$q" '>=' 1.0)"
		q=$(g $c.${x}_rest_ratio)
		row "... held at rest / the static file's" "$(g $c.${x}_rest) / $(g $c.static_rest) MiB = ${q:--}" "<= 0.5" "$(verdict "$q" '<=' 0.5)"
		q=$(g $c.${x}_peak_ratio)
		row "... held at the peak / the static file's" "$(g $c.${x}_peak) / $(g $c.static_peak) MiB = ${q:--}" "<= 1.0" "$(verdict "$q" '<=' 1.0)"
	done
done

# The climb sweep's own tables (survival and swap held per cell).
climb_tables() {
	local c
	for c in climb climb612; do
		[ -s "$W/$c.out" ] && grep -q '^| ' "$W/$c.out" || continue
		echo
		echo "## The climb sweep on Linux ${V[$c.climb_kernel]:-?}"
		echo
		grep -v -e '^# ' -e '^[a-z_]* ' "$W/$c.out"
		grep -q '^# ' "$W/$c.out" || continue
		echo
		echo "Each boot, and what a boot that failed said:"
		echo
		echo '```'
		sed -n 's/^# //p' "$W/$c.out"
		echo '```'
	done
}

table() {
	echo "| measured | figure | goal | verdict |"
	echo "| --- | ---: | --- | --- |"
	printf '%s\n' "${rows[@]}"
	for s in "${skipped[@]}"; do echo "| $s | skipped | | |"; done
}
table
climb_tables

if [ -n "$OUT" ]; then
	cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)
	mem=$(awk '/^MemTotal:/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)
	ganesha=$(dpkg-query -W -f '${Version}' nfs-ganesha 2>/dev/null)
	qemu=$(dpkg-query -W -f '${Version}' qemu-system-x86 2>/dev/null)
	{
		echo "# Benchmarks"
		echo
		echo "Written by \`make bench\` (\`bench/run.sh$([ $SMOKE = 1 ] && echo " --smoke")\`) on $(date -u '+%Y-%m-%d %H:%M UTC');"
		echo "every ratio is of two figures measured in this one run."
		echo
		echo "Machine: $(uname -sr), ${cpu:-unknown CPU}, $(nproc) cores, $mem;"
		echo "Debian $(cat /etc/debian_version 2>/dev/null), NFS-Ganesha ${ganesha:-?}, QEMU ${qemu:-?} (TCG: no KVM);"
		echo "the thin client: Linux ${V[grow.guest_kernel]:-?} (Debian 12's kernel package), 512 MiB, one vCPU."
		echo "Time per part (s): create ${V[create.took]:--}, grow ${V[grow.took]:--}, policy ${V[policy.took]:--}, footprint ${V[footprint.took]:--}, scale ${V[scale.took]:--}, hostile ${V[hostile.took]:--}, cephfs ${V[cephfs.took]:--}, climb ${V[climb.took]:--}, climb on 6.12 ${V[climb612.took]:--}."
		echo
		table
		climb_tables
		echo
		sed -n '/^<!-- notes -->$/,$p' bench/README.md | tail -n +2
	} >"$OUT.new" && mv "$OUT.new" "$OUT"
	echo "bench: written to $OUT" >&2
fi
[ ${#skipped[@]} -gt 0 ] && printf 'bench: skipped %s\n' "${skipped[@]}" >&2
exit $failed
