# tests/lib/fixture.sh -- the set-up and clean-up the suites share, once:
# loop-mounted images, loop devices, a fake proc directory, processes a
# test started, and nfswapd itself.  Sourced after tap.sh.  What is made
# here is undone at exit, on every path (a failed check, a SKIP, an error),
# in this order: the processes stopped (by pid, never by name), every swap
# area under $T switched off, the images unmounted, the loop devices
# detached.  Nothing here looks at what another test started.
#
#   fx_pid PID...                  stop PID at exit (SIGTERM, then SIGKILL
#                                  after 5 s)
#   fx_stop PID [SECONDS]          SIGTERM and wait until it is gone
#                                  (default 10 s); 1 if it is still there
#   fx_loop FILE                   a loop device on FILE: its name in
#                                  FX_LOOP (not printed: a $(...) would
#                                  forget it)
#   fx_mount DEV DIR [MOUNT_OPT...]  mount DEV on DIR
#   fx_image NAME SIZE [OPT...]    an ext4 image $T/NAME.img (mkfs.ext4
#                                  options OPT) loop-mounted on $T/NAME
#   fx_swapoff DIR                 every swap area under DIR off
#   fx_active DIR                  how many swap areas under DIR are on
#   wait_for SECONDS 'TEST'        until the shell TEST holds (evaluated
#                                  each 0.1 s); 1 if it never did
#   fx_at_stop CMD                 run CMD at exit once the processes are
#                                  stopped, before swap, mounts and loops
#                                  (a cgroup they were in, swap they made)
#
# A fake proc directory, $T/proc, that nfswapd reads through --proc:
#   fake_meminfo TOTAL_MIB AVAILABLE_MIB
#
# nfswapd on this host (its binary is $D):
#   agent_conf FILE SECONDS MIN MAX FILES
#                                  a configuration with short timers
#   agent_swapdir NAME SIZE        fx_image without lost+found: $T/NAME
#   agent_start CONF SWAPDIR LOG [ARG...]
#                                  nfswapd -d -v in the background, with
#                                  --proc $T/proc and -p $T/pid; its pid in
#                                  AGENT_PID (also PID); run under
#                                  "${AGENT_RUN[@]}" if that is set
#   agent_stop [PID [SECONDS]]     SIGTERM, and wait until it has exited:
#                                  its exit status in AGENT_RC; 1 if it
#                                  had not exited within SECONDS (10)

[ -z "${fx_loaded:-}" ] || return 0	# sourced once (ganesha.sh sources it too)
fx_loaded=1
fx_pids=() fx_loops=() fx_mounts=() fx_stops=()
fx_cleanup() {
	local i p
	for p in "${fx_pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${fx_pids[@]}"; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null
	done
	for p in "${fx_stops[@]}"; do eval "$p" || true; done
	fx_swapoff "$T"
	for p in "${fx_loops[@]}"; do swapoff "$p" 2>/dev/null; done
	for ((i = ${#fx_mounts[@]} - 1; i >= 0; i--)); do
		umount -R "${fx_mounts[i]}" 2>/dev/null || umount -l "${fx_mounts[i]}"
	done
	for p in "${fx_loops[@]}"; do losetup -d "$p" 2>/dev/null; done
	fx_pids=() fx_loops=() fx_mounts=() fx_stops=()
}
at_exit fx_cleanup

fx_pid() { fx_pids+=("$@"); }
fx_at_stop() { fx_stops+=("$1"); }

fx_stop() {	# PID [SECONDS]
	local n=$((${2:-10} * 10))
	kill "$1" 2>/dev/null || return 0
	while [ $n -gt 0 ]; do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1; n=$((n - 1))
	done
	return 1
}

fx_loop() {	# FILE
	FX_LOOP=$(losetup -f --show "$1") || return 1
	fx_loops+=("$FX_LOOP")
}

fx_mount() {	# DEV DIR [MOUNT_OPTION...]
	local dev=$1 dir=$2
	shift 2
	mkdir -p "$dir" && mount "$@" "$dev" "$dir" || return 1
	fx_mounts+=("$dir")
}

fx_image() {	# NAME SIZE [MKFS_OPTION...]
	local name=$1 size=$2
	shift 2
	truncate -s "$size" "$T/$name.img" &&
	    mkfs.ext4 -q -F -m 0 "$@" "$T/$name.img" >/dev/null 2>&1 &&
	    fx_loop "$T/$name.img" &&
	    fx_mount "$FX_LOOP" "$T/$name"
}

fx_swapoff() {	# DIR
	awk -v t="$1/" 'NR > 1 && index($1, t) == 1 { print $1 }' /proc/swaps |
	    while read -r f; do swapoff "$f"; done
}

fx_active() { awk -v t="$1/" 'NR > 1 && index($1, t) == 1' /proc/swaps | wc -l; }

wait_for() {	# SECONDS 'SHELL TEST'
	local n=$(($1 * 10)); shift
	while [ $n -gt 0 ]; do eval "$*" && return 0; sleep 0.1; n=$((n - 1)); done
	return 1
}

# fake_meminfo TOTAL_MIB AVAILABLE_MIB: what the agent reads as memory,
# replaced atomically (the agent may read it at any moment).
fake_meminfo() {
	mkdir -p "$T/proc"
	printf 'MemTotal: %d kB\nMemFree: %d kB\nMemAvailable: %d kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n' \
	    $(($1 * 1024)) $(($2 * 1024)) $(($2 * 1024)) >"$T/proc/meminfo.new" &&
	    mv "$T/proc/meminfo.new" "$T/proc/meminfo"
}

# agent_conf FILE SECONDS MIN MAX FILES: short timers (cooldown SECONDS,
# the rest from it), files of MIN to MAX, at most FILES of them, no
# standby reserve (swap_vm.sh tests it); the status file is $T/status.json.
agent_conf() {
	cat >"$1" <<CONF
swap = { block_size = 65536; status_file = "$T/status.json"; };
policy = { cooldown = $2; drain_interval = 1; peak_hold = $(($2 > 1 ? $2 - 1 : 1));
  min_swapsize = "$3"; max_swapsize = "$4"; min_grow_pct = 1;
  alloc_rate = "64M"; max_files = $5; reserve = 0; };
CONF
}

# A swap directory as the agent wants one: an ext4 image of its own, with
# nothing in it that is not the agent's.
agent_swapdir() {	# NAME SIZE
	fx_image "$1" "$2" && rmdir "$T/$1/lost+found"
}

AGENT_RUN=()
agent_start() {	# CONF SWAPDIR LOG [ARG...]
	local conf=$1 dir=$2 log=$3
	shift 3
	"${AGENT_RUN[@]}" "$D" -d -v -c "$conf" --proc "$T/proc" --swapdir "$dir" \
	    -p "$T/pid" "$@" >"$log" 2>&1 &
	AGENT_PID=$! PID=$!
	fx_pid "$AGENT_PID"
}

agent_stop() {	# [PID [SECONDS]]
	local p=${1:-$AGENT_PID}
	AGENT_RC=
	fx_stop "$p" "${2:-10}" || return 1
	wait "$p" 2>/dev/null
	AGENT_RC=$?
	return 0
}
