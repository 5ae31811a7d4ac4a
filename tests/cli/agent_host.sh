#!/bin/bash
# tests/cli/agent_host.sh -- the real nfswapd on this host, with --swapdir
# on a loop-mounted ext4 image and --proc on a fake proc directory whose
# meminfo the test rewrites: it grows (files written in full, swapon seen in
# /proc/swaps), sits in hungry, shrinks after a short cooldown, goes to diet
# when the filesystem is full and grows again when space returns, leaves
# swap on at exit, reinstates its files after a restart (rewriting a wiped
# header), removes the partial file of a creation cut short (killed, or
# the file system filling under it), and leaves foreign files alone.  Everything it switched on is switched off and removed, the daemon
# stopped by pid and the images unmounted, even when a check fails.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/agent.sh"
B=${NFSWAP_BUILD:-build}
D=$B/nfswapd

if [ ! -x "$D" ]; then ok "$D is built" false; tap_done; exit 1; fi
if [ "$(id -u)" != 0 ]; then skip "nfswapd on the host" "needs root (swapon, mount)"; tap_done; exit; fi
for cmd in losetup mkfs.ext4 jq; do
	command -v $cmd >/dev/null || { skip "nfswapd on the host" "$cmd is not installed (make deps)"; tap_done; exit; }
done

pids=()
loops=()
mounts=()
cleanup() {
	local p l m
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null
	done
	# Every swap area under our scratch directory goes off.
	awk -v t="$T/" 'NR > 1 && index($1, t) == 1 { print $1 }' /proc/swaps |
	    while read -r f; do swapoff "$f"; done
	for m in "${mounts[@]}"; do umount "$m" 2>/dev/null || umount -l "$m"; done
	for l in "${loops[@]}"; do losetup -d "$l" 2>/dev/null; done
}
at_exit cleanup

# image NAME SIZE -> mounted at $T/NAME
image() {
	truncate -s "$2" "$T/$1.img" && mkfs.ext4 -q -F -m 0 "$T/$1.img" || return 1
	local l
	l=$(losetup -f --show "$T/$1.img") || return 1
	loops+=("$l")
	mkdir -p "$T/$1" && mount "$l" "$T/$1" || return 1
	mounts+=("$T/$1")
	rmdir "$T/$1/lost+found"
}
ours_active() { awk -v t="$1/" 'NR > 1 && index($1, t) == 1' /proc/swaps | wc -l; }
state() { jq -r .state "$T/status.json" 2>/dev/null; }
wait_for() {	# wait_for SECONDS 'SHELL TEST': until it holds (evaluated each time)
	local n=$(($1 * 10)); shift
	while [ $n -gt 0 ]; do eval "$*" && return 0; sleep 0.1; n=$((n - 1)); done
	return 1
}
start() {	# start SWAPDIR LOG [args]
	local dir=$1 log=$2; shift 2
	"$D" -d -v -c "$T/nfswapd.conf" --proc "$T/proc" --swapdir "$dir" \
	    -p "$T/pid" "$@" >"$log" 2>&1 &
	pids+=($!)
	PID=$!
}
stop() {
	kill "$PID" && for _ in $(seq 100); do kill -0 "$PID" 2>/dev/null || return 0; sleep 0.1; done
	return 1
}

mkdir -p "$T/proc"
if ! image swap 96M; then skip "nfswapd on the host" "cannot make a loop-mounted ext4 image here"; tap_done; exit; fi
# Can this kernel swap on a file here at all?
dd if=/dev/zero of="$T/swap/probe" bs=1M count=1 status=none && chmod 600 "$T/swap/probe"
if ! mkswap -q "$T/swap/probe" 2>/dev/null || ! swapon "$T/swap/probe" 2>/dev/null; then
	rm -f "$T/swap/probe"
	skip "nfswapd on the host" "swapon of a file on ext4 is refused here"
	tap_done; exit
fi
swapoff "$T/swap/probe"; rm -f "$T/swap/probe"

agent_conf "$T/nfswapd.conf" 4 1M 16M 3
ok "nfswapd -n: configuration OK" sh -c "'$D' -n -c '$T/nfswapd.conf' --swapdir '$T/swap' | grep -qx 'configuration OK'"
"$D" -n -c "$T/nfswapd.conf" >/dev/null 2>"$T/err"
is "nfswapd -n without server, export or --swapdir: exit 2" "$?" 2
ok "... says what is missing" grep -q "no server and export" "$T/err"
echo 'policy = { cooldown = "soon"; };' >"$T/bad.conf"
"$D" -n -c "$T/bad.conf" >/dev/null 2>"$T/err"
is "nfswapd -n on a bad file: exit 2" "$?" 2
ok "... with file:line" grep -q "bad.conf:1: cooldown: not a number of seconds" "$T/err"

# A swap directory others may write to: refused before anything is done.
mkdir -p "$T/open" && chmod 0777 "$T/open"
timeout 10 "$D" -d -c "$T/nfswapd.conf" --proc "$T/proc" --swapdir "$T/open" >"$T/open.log" 2>&1
is "a swap directory writable by others (0777): nfswapd exits 1" "$?" 1
ok "... saying why" grep -q "open is writable by others than its owner (mode 0777); no swap goes there" "$T/open.log"

# A foreign file and a file of ours that is not fit to be used.
echo "an administrator's notes" >"$T/swap/notes.txt"
dd if=/dev/zero of="$T/swap/nfswap.7" bs=64K count=16 status=none && chmod 644 "$T/swap/nfswap.7"
# A link under one of our names, to a valid swap file elsewhere.
dd if=/dev/zero of="$T/decoy" bs=1M count=1 status=none && chmod 600 "$T/decoy" &&
    mkswap "$T/decoy" >/dev/null 2>&1 && ln -s "$T/decoy" "$T/swap/nfswap.42"

# --- grow -----------------------------------------------------------------
fake_meminfo 512 40			# 8 % available: short
start "$T/swap" "$T/run1.log"
ok "the status file is written at start" wait_for 10 'jq -e ".running == true and .pid == $PID" "$T/status.json" >/dev/null'
# CAP_SYS_RESOURCE (bit 24) is gone from every set: quotas and root's
# reserve hold for it.
cap() { local v; v=$(awk -v k="$1:" '$1 == k { print $2 }' "/proc/$PID/status"); echo $(( 0x${v:-0} >> $2 & 1 )); }
is "it gave up CAP_SYS_RESOURCE (effective, permitted, bounding sets)" "$(cap CapEff 24)$(cap CapPrm 24)$(cap CapBnd 24)" 000
is "... and kept CAP_SYS_ADMIN (swapon)" "$(cap CapEff 21)" 1
ok "it grows: a file of ours appears in /proc/swaps" wait_for 20 '[ "$(ours_active "$T/swap")" -ge 1 ]'
ok "... and holds it in hungry" wait_for 5 '[ "$(state)" = hungry ]'
f0="$T/swap/nfswap.0"
is "nfswap.0: mode 0600, owned by root" "$(stat -c '%a %u' "$f0")" "600 0"
size=$(stat -c %s "$f0"); blocks=$(stat -c %b "$f0")
ok "nfswap.0: written in full (no holes)" test $((blocks * 512)) -ge "$size"
ok "nfswap.0: 16 MiB at most, whole MiB" test "$size" -le $((16 << 20)) -a $((size % (1 << 20))) -eq 0
ok "nfswap.0: a swap signature" sh -c "dd if='$f0' bs=1 skip=4086 count=10 status=none | grep -q SWAPSPACE2"
# Creation must not leave the file in the page cache of a client that is
# short of memory: fincore shows how much of it is resident.
if command -v fincore >/dev/null; then
	res=$(fincore -b -n -o RES "$f0" | tr -d ' ')
	ok "nfswap.0: written without filling the page cache ($res of $size bytes resident)" \
	    test "$res" -le $((size / 4))
else
	skip "page cache after creation" "fincore (util-linux) is not installed"
fi
ok "the status file names the files" wait_for 5 'jq -e ".files | length >= 1" "$T/status.json" >/dev/null'
ok "foreign file reported and left alone" sh -c "grep -q 'notes.txt: not ours, left alone' '$T/run1.log' && test -e '$T/swap/notes.txt'"
ok "unfit file of ours reported and left alone" sh -c "grep -q 'nfswap.7: mode is not 0600; left alone' '$T/run1.log' && test -e '$T/swap/nfswap.7'"
ok "it never used the unfit file" sh -c "! grep -q '$T/swap/nfswap.7 ' /proc/swaps"
ok "a symbolic link under one of our names is reported and left alone" sh -c "grep -q 'nfswap.42: .*left alone' '$T/run1.log' && test -L '$T/swap/nfswap.42'"
ok "... and the file it points to is never swapped on" sh -c "! grep -q '^$T/decoy ' /proc/swaps"

# --- cap, then shrink --------------------------------------------------------
ok "it grows to its file cap (3) and stops there" wait_for 20 '[ "$(ours_active "$T/swap")" -eq 3 ]'
sleep 2
is "... no fourth file" "$(ours_active "$T/swap")" 3
kill -USR1 "$PID"
ok "SIGUSR1 logs the state and the file table" wait_for 5 'grep -q "nfswap.0 [0-9]* MiB, [0-9]* MiB used" "$T/run1.log"'
fake_meminfo 512 500			# plenty again
ok "after the cooldown it shrinks: files go from /proc/swaps" wait_for 30 '[ "$(ours_active "$T/swap")" -eq 0 ]'
ok "... and from the directory" sh -c "! ls '$T/swap' | grep -qx 'nfswap.[0-6]'"
ok "... passing through overfed" grep -q -- '-> overfed' "$T/run1.log"
ok "SIGTERM stops it" stop

# --- a full filesystem: diet, and back when space returns --------------------
# Room for one small file: the agent makes what fits, begins no file it
# cannot finish (diet, said in the log and the status file), and grows
# again once space is freed.
image small 6M || true
dd if=/dev/zero of="$T/small/filler" bs=1M count=3 status=none
fake_meminfo 512 40
start "$T/small" "$T/run2.log"
ok "a full filesystem: diet" wait_for 20 '[ "$(state)" = diet ]'
ok "... no file begun that cannot fit: it says so" grep -q "KiB free, less than min_swapsize: no file begun" "$T/run2.log"
ok "... the error is in the status file" sh -c "jq -r .last_error '$T/status.json' | grep -q 'no file begun'"
ok "... nothing partial, and every file of ours is active" sh -c "! ls -A '$T/small' | grep -q partial && for f in '$T'/small/nfswap.*; do [ -e \"\$f\" ] || continue; grep -q \"^\$f \" /proc/swaps || exit 1; done"
added=$(grep -c "^.*added nfswap" "$T/run2.log")
rm -f "$T/small/filler"
ok "space returns: it grows again ($added file(s) before)" wait_for 30 '[ "$(grep -c "added nfswap" "$T/run2.log")" -gt "$added" ]'
kill -USR2 "$PID"
ok "SIGUSR2 is logged as a diet request" wait_for 5 'grep -q "diet requested (SIGUSR2)" "$T/run2.log"'
# Swap errors in the kernel log (written there by the test, as the kernel
# writes them): a failed write holds growth for error_hold, a lost page
# (a failed read) stops it for good.
if [ -w /dev/kmsg ]; then
	echo "nfswap-test: Write error -12 on dio swapfile (4242)" >/dev/kmsg
	ok "a swap write error in the kernel log is seen" wait_for 10 'grep -q "1 swap write error in the kernel log: .*dio swapfile (4242) -- the kernel keeps those pages.*no swap is added for 1800 s" "$T/run2.log"'
	ok "... counted in the status file, not as a lost page" wait_for 5 'jq -e ".swap_write_errors == 1 and .io_errors == false" "$T/status.json" >/dev/null'
	echo "nfswap-test: Read-error on swap-device (4243)" >/dev/kmsg
	ok "a swap read error in the kernel log is seen" wait_for 10 'grep -q "swap read error in the kernel log: .*(4243) -- a page was lost; no more NFS swap" "$T/run2.log"'
	ok "... and growth stops for good (io_errors in the status file)" wait_for 5 'jq -e ".io_errors == true and .swap_read_errors == 1" "$T/status.json" >/dev/null'
else
	skip "kernel log watch" "/dev/kmsg is not writable here"
fi
ok "stopped" stop
awk -v t="$T/small/" 'NR > 1 && index($1, t) == 1 { print $1 }' /proc/swaps | while read -r f; do swapoff "$f"; rm -f "$f"; done

# --- exit leaves swap on; restart reinstates --------------------------------------
fake_meminfo 512 40
start "$T/swap" "$T/run3.log"
ok "growing again" wait_for 20 '[ "$(ours_active "$T/swap")" -ge 2 ]'
timeout 10 "$D" -d -c "$T/nfswapd.conf" --proc "$T/proc" --swapdir "$T/swap" >"$T/second.log" 2>&1
is "a second nfswapd steps aside (exit 0)" "$?" 0
ok "... saying why" grep -q "another nfswapd holds" "$T/second.log"
fake_meminfo 512 200			# steady: neither short nor in surplus
ok "steady" wait_for 20 '[ "$(state)" = steady ] || [ "$(state)" = hungry ]'
sleep 1
ok "stopped" stop
# Counted after the stop: a file finished as the signal came is on too.
n=$(ours_active "$T/swap")
is "by default its swap stays on at exit: every file of ours is active" "$(ls "$T/swap" | grep -cx 'nfswap.[0-6]')" "$n"
# As after a reboot: the files are there, nothing is active.
awk -v t="$T/swap/" 'NR > 1 && index($1, t) == 1 { print $1 }' /proc/swaps | while read -r f; do swapoff "$f"; done
is "all off" "$(ours_active "$T/swap")" 0
dd if=/dev/zero of="$T/swap/nfswap.1" bs=4096 count=1 conv=notrunc status=none	# header wiped
start "$T/swap" "$T/run4.log"
ok "restart: every file of ours is reinstated" wait_for 10 '[ "$(ours_active "$T/swap")" -eq "$n" ]'
ok "... the wiped header rewritten" grep -q 'reinstated nfswap.1 (new swap header)' "$T/run4.log"
ok "... the others switched on as they were" grep -q 'reinstated nfswap.0$' "$T/run4.log"
ok "... foreign files still left alone" sh -c "test -e '$T/swap/notes.txt' && test -e '$T/swap/nfswap.7'"
ok "stopped" stop
start "$T/swap" "$T/run5.log" --swapoff-on-exit
ok "files already active are adopted" wait_for 10 'grep -q "adopted nfswap.0 (already active)" "$T/run5.log"'
ok "stopped" stop
is "--swapoff-on-exit: nothing of ours stays on" "$(ours_active "$T/swap")" 0
ok "... and the files are gone" sh -c "! ls '$T/swap' | grep -qx 'nfswap.[0-6]'"
ok "pid file removed at exit" test ! -e "$T/pid"
is "the status file says it stopped" "$(jq -r .running "$T/status.json")" false

# --- a creation cut short ------------------------------------------------------
# A file is written under a partial name and renamed when whole.  strace
# holds the agent's writer at its first flush (8 MiB into a 16 MiB file):
# killed there (-9, as a crash or reset), it leaves the partial file, which
# the next start removes; a file system that fills there fails the write,
# and the agent removes its partial file, diets, and grows again when space
# returns.  A link under a partial name is never followed or removed.
if command -v strace >/dev/null; then
	image mid 64M || true
	agent_conf "$T/big.conf" 4 16M 16M 2
	held() {	# LOG: nfswapd under strace, each flush held 3 s
		strace -f -qq -o /dev/null -e trace=sync_file_range \
		    -e inject=sync_file_range:delay_enter=3000000 \
		    "$D" -d -v -c "$T/big.conf" --proc "$T/proc" --swapdir "$T/mid" \
		    -p "$T/pid" >"$1" 2>&1 &
		pids+=($!)
		SPID=$!
		wait_for 10 'test -s "$T/pid" && kill -0 "$(cat "$T/pid")" 2>/dev/null' &&
		    PID=$(cat "$T/pid") && pids+=("$PID")
	}
	half() {	# a regular partial file of ours, 8 MiB written or more
		find "$T/mid" -maxdepth 1 -type f -name '.nfswap.*.partial' -size +8191k | grep -q .
	}
	ln -s "$T/decoy" "$T/mid/.nfswap.6.partial"
	fake_meminfo 512 40
	rm -f "$T/pid"
	held "$T/crash.log"
	ok "held at its first flush, the file is half written under a partial name" wait_for 20 half
	ok "... no nfswap.N yet" sh -c "! ls '$T/mid' | grep -q '^nfswap'"
	kill -9 "$PID"; wait "$SPID" 2>/dev/null
	ok "killed (-9) there, it leaves the partial file" half
	# and one that "nfswap serve" did not finish, as a stopped service
	# leaves it
	dd if=/dev/zero of="$T/mid/.nfswap.9.allocating" bs=1M count=1 status=none
	# The next start, with the directory not answering for writes (as a
	# server that is away): it says so once, and tries on each poll.
	mount -o remount,ro "$T/mid"
	start "$T/mid" "$T/after.log"
	ok "the next start cannot remove it yet (read-only), and says it will try again" wait_for 10 'grep -q "cannot remove .nfswap.[0-9]*.partial, left by a creation that did not finish: Read-only file system; trying again" "$T/after.log"'
	sleep 2
	mount -o remount,rw "$T/mid"
	ok "once it can, it removes it, saying why" wait_for 10 'grep -q "removed .nfswap.[0-9]*.partial, left by a creation that did not finish" "$T/after.log"'
	is "... said once while it could not" "$(grep -c "cannot remove .nfswap.[0-9]*.partial" "$T/after.log")" 1
	ok "... the service's unfinished file too" sh -c "grep -q 'removed .nfswap.9.allocating, left by a creation that did not finish' '$T/after.log' && test ! -e '$T/mid/.nfswap.9.allocating'"
	is "... and the link under a partial name is reported once, not every poll" "$(grep -c 'nfswap.6.partial: not ours' "$T/after.log")" 1
	ok "... it is gone" sh -c "! find '$T/mid' -type f -name '*.partial' | grep -q ."
	ok "... a link under a partial name is left alone, its target untouched" sh -c "grep -q 'nfswap.6.partial: not ours, left alone' '$T/after.log' && test -L '$T/mid/.nfswap.6.partial' && test \$(stat -c %s '$T/decoy') = 1048576"
	ok "... and it grows with whole files" wait_for 20 '[ "$(ours_active "$T/mid")" -ge 1 ]'
	ok "stopped" stop
	awk -v t="$T/mid/" 'NR > 1 && index($1, t) == 1 { print $1 }' /proc/swaps | while read -r f; do swapoff "$f"; rm -f "$f"; done

	rm -f "$T/pid"
	held "$T/fill.log"
	ok "held again half way through a file" wait_for 20 half
	# The rest of the file system goes, as other writers take it.
	dd if=/dev/zero of="$T/mid/filler" bs=1M status=none 2>/dev/null
	ok "the file system filling under it: the write fails, the partial file removed" wait_for 20 'grep -q "creating nfswap.[0-9]* ([0-9]* of 16777216 bytes): No space left on device; partial file removed" "$T/fill.log"'
	ok "... diet" wait_for 5 '[ "$(state)" = diet ]'
	ok "... no partial file left" sh -c "! find '$T/mid' -type f -name '*.partial' | grep -q ."
	ok "... it runs on" kill -0 "$PID"
	rm -f "$T/mid/filler"
	ok "space returns: it grows again" wait_for 40 '[ "$(ours_active "$T/mid")" -ge 1 ]'
	ok "stopped" stop
	wait "$SPID" 2>/dev/null
else
	skip "a creation cut short" "strace is not installed (make deps)"
fi

# --- mounting: this host has no NFS client (or nothing answers on 127.0.0.1),
# so every mount(2) fails; the agent retries with backoff, says so once a
# minute, not once per attempt, and stops cleanly while it waits.
cat >"$T/mount.conf" <<CONF
server = "127.0.0.1";
export = "/srv/nfswap/pc1";
mount_point = "$T/mnt";
nfs = { port = 9; mountport = 9; timeo = 10; };
swap = { status_file = "$T/mstatus.json"; };
CONF
"$D" -d -c "$T/mount.conf" --proc "$T/proc" -p "$T/mpid" >"$T/mount.log" 2>&1 &
pids+=($!); PID=$!
ok "no server: it says it is retrying" wait_for 10 'grep -q "mount 127.0.0.1:/srv/nfswap/pc1 on $T/mnt (retrying)" "$T/mount.log"'
# Attempts at 0, 1, 3, 7 s and on: strace sees those after the first.
if command -v strace >/dev/null; then
	strace -qq -ttt -e trace=mount -o "$T/mount.trace" -p "$PID" &
	tpid=$!
	pids+=($tpid)
	sleep 9
	kill $tpid; wait $tpid 2>/dev/null
	tries=$(grep -c 'mount(' "$T/mount.trace")
	gaps=$(awk '/mount\(/ { if (p) printf "%.1f ", $1 - p; p = $1 }' "$T/mount.trace" | sed 's/ $//')
	ok "it retries with backoff, no busy loop: $tries attempts in 9 s, ${gaps:-no} gaps (s)" \
	    sh -c "[ $tries -ge 2 ] && [ $tries -le 5 ] && echo '$gaps' | awk '{ for (i = 2; i <= NF; i++) if (\$i < \$(i - 1) * 1.5) exit 1 }'"
else
	sleep 4
	skip "retry backoff" "strace is not installed (make deps)"
fi
is "... it says so once, not once per attempt" "$(grep -c retrying "$T/mount.log")" 1
ok "... and it made the mount point" test -d "$T/mnt"
ok "SIGTERM while waiting for the server" stop
is "... nothing was mounted" "$(awk -v m="$T/mnt" '$2 == m' /proc/mounts | wc -l)" 0
ok "nfswapd -h: usage on stdout, exit 0" sh -c "'$D' -h | grep -q '^usage: nfswapd'"

tap_done
