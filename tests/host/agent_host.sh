#!/bin/bash
# tests/host/agent_host.sh -- the real nfswapd on this host, with --swapdir
# on a loop-mounted ext4 image and --proc on a fake proc directory whose
# meminfo the test rewrites: it grows (files written in full, swapon seen in
# /proc/swaps), sits in hungry, shrinks after a short cooldown, goes to diet
# when the filesystem is full and grows again when space returns, leaves
# swap on at exit, reinstates its files after a restart (rewriting a wiped
# header), removes the partial file of a creation cut short (killed, or
# the file system filling under it), and leaves foreign files alone.
# The kernel log: a user's program named after a swap error message (run
# as uid 65534, faulting, so that the kernel reports it) and root's writes
# to /dev/kmsg do not count; the kernel's own write and read errors, made
# for real on a loop device that fails, do.  A hostile provisioner
# (tests/integration/fakeprov.c): ALLOCATE in progress or busy for ever,
# no answer, no connection, an answer dribbled or malformed -- the agent
# writes the file itself within its deadlines; LOOKUP naming a server not
# listed, a path that is not plain, hostile mount options -- nothing of it
# is mounted or used, the agent says why and asks again, never exits.
# Everything it switched on is switched off and removed, the daemons
# stopped by pid, the images unmounted and the memory cgroup removed,
# even when a check fails (tests/lib/fixture.sh).
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/fixture.sh"
B=${NFSWAP_BUILD:-build}
D=$B/nfswapd

if [ ! -x "$D" ]; then ok "$D is built" false; tap_done; exit 1; fi
if [ "$(id -u)" != 0 ]; then skip "nfswapd on the host" "needs root (swapon, mount)"; tap_done; exit; fi
for cmd in losetup mkfs.ext4 jq; do
	command -v $cmd >/dev/null || { skip "nfswapd on the host" "$cmd is not installed (make deps)"; tap_done; exit; }
done

# The memory cgroup of the kernel-log checks goes once its processes have.
CG=
fx_at_stop '[ -z "$CG" ] || rmdir "$CG" 2>/dev/null'
state() { jq -r .state "$T/status.json" 2>/dev/null; }
start() { agent_start "$T/nfswapd.conf" "$@"; }	# SWAPDIR LOG [ARG...]
stop() { agent_stop "$PID"; }
offdir() {	# every swap file of ours in $1 off and gone
	fx_swapoff "$1"
	rm -f "$1"/nfswap.* "$1"/.nfswap.*
}

mkdir -p "$T/proc"
if ! agent_swapdir swap 96M; then skip "nfswapd on the host" "cannot make a loop-mounted ext4 image here"; tap_done; exit; fi
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
ok "... says what is missing" says "$T/err" "no server and export"
printf 'provisioner = "127.0.0.1";\nservers = [ "127.0.0.0/29" ];\n' >"$T/prov.conf"
ok "nfswapd -n with only a provisioner (and servers): configuration OK" sh -c "'$D' -n -c '$T/prov.conf' | grep -qx 'configuration OK'"
printf 'provisioner = "127.0.0.1";\nservers = [ "127.0.0.1,rw" ];\n' >"$T/prov.conf"
"$D" -n -c "$T/prov.conf" >/dev/null 2>"$T/err"
is "nfswapd -n, a server list with an option in it: exit 2" "$?" 2
ok "... with file:line" says "$T/err" "prov.conf:2:" "servers" "127.0.0.1,rw"
echo 'policy = { cooldown = "soon"; };' >"$T/bad.conf"
"$D" -n -c "$T/bad.conf" >/dev/null 2>"$T/err"
is "nfswapd -n on a bad file: exit 2" "$?" 2
ok "... with file:line" says "$T/err" "bad.conf:1:" "cooldown" "not a number"

# A swap directory others may write to: refused before anything is done.
mkdir -p "$T/open" && chmod 0777 "$T/open"
timeout 10 "$D" -d -c "$T/nfswapd.conf" --proc "$T/proc" --swapdir "$T/open" >"$T/open.log" 2>&1
is "a swap directory writable by others (0777): nfswapd exits 1" "$?" 1
ok "... saying why" says "$T/open.log" "$T/open" "writable by others" "0777"

# A foreign file and a file of ours that is not fit to be used.
echo "an administrator's notes" >"$T/swap/notes.txt"
dd if=/dev/zero of="$T/swap/nfswap.7" bs=64K count=16 status=none && chmod 644 "$T/swap/nfswap.7"
# A link under one of our names, to a valid swap file elsewhere.
dd if=/dev/zero of="$T/decoy" bs=1M count=1 status=none && chmod 600 "$T/decoy" &&
    mkswap "$T/decoy" >/dev/null 2>&1 && ln -s "$T/decoy" "$T/swap/nfswap.42"

# --- grow -----------------------------------------------------------------
fake_meminfo 512 40			# 8 % available: short
mkdir -p "$T/proc/sys/vm" && echo 2048 >"$T/proc/sys/vm/min_free_kbytes"
start "$T/swap" "$T/run1.log"
ok "the status file is written at start" wait_for 10 'jq -e ".running == true and .pid == $PID" "$T/status.json" >/dev/null'
is "it raised vm.min_free_kbytes from 2048 to swap.min_free's 16M" "$(cat "$T/proc/sys/vm/min_free_kbytes")" 16384
ok "... and said so" says "$T/run1.log" "vm.min_free_kbytes from 2048 to 16384"
# CAP_SYS_RESOURCE (bit 24) is gone from every set: quotas and root's
# reserve hold for it.
cap() { local v; v=$(awk -v k="$1:" '$1 == k { print $2 }' "/proc/$PID/status"); echo $(( 0x${v:-0} >> $2 & 1 )); }
is "it gave up CAP_SYS_RESOURCE (effective, permitted, bounding sets)" "$(cap CapEff 24)$(cap CapPrm 24)$(cap CapBnd 24)" 000
is "... and kept CAP_SYS_ADMIN (swapon)" "$(cap CapEff 21)" 1
ok "no pressure/memory in its proc directory: it says it samples fast while memory moves instead" \
    says "$T/run1.log" "$T/proc/pressure/memory" "sampling every 100 ms while memory moves"
ok "it grows: a file of ours appears in /proc/swaps" wait_for 20 '[ "$(fx_active "$T/swap")" -ge 1 ]'
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
ok "foreign file reported and left alone" eval 'says "$T/run1.log" notes.txt "not ours" "left alone" && test -e "$T/swap/notes.txt"'
ok "unfit file of ours reported and left alone" eval 'says "$T/run1.log" nfswap.7 0600 "left alone" && test -e "$T/swap/nfswap.7"'
ok "it never used the unfit file" sh -c "! grep -q '$T/swap/nfswap.7 ' /proc/swaps"
ok "a symbolic link under one of our names is reported and left alone" eval 'says "$T/run1.log" nfswap.42 "left alone" && test -L "$T/swap/nfswap.42"'
ok "... and the file it points to is never swapped on" sh -c "! grep -q '^$T/decoy ' /proc/swaps"

# --- cap, then shrink --------------------------------------------------------
ok "it grows to its file cap (3) and stops there" wait_for 20 '[ "$(fx_active "$T/swap")" -eq 3 ]'
sleep 2
is "... no fourth file" "$(fx_active "$T/swap")" 3
kill -USR1 "$PID"
ok "SIGUSR1 logs the state and the file table" wait_for 5 'says "$T/run1.log" "nfswap.0 " " MiB, " " MiB used"'
fake_meminfo 512 500			# plenty again
ok "after the cooldown it shrinks: files go from /proc/swaps" wait_for 30 '[ "$(fx_active "$T/swap")" -eq 0 ]'
ok "... and from the directory" sh -c "! ls '$T/swap' | grep -qx 'nfswap.[0-6]'"
ok "... passing through overfed" says "$T/run1.log" "-> overfed"
ok "SIGTERM stops it" stop

# --- a full filesystem: diet, and back when space returns --------------------
# Room for one small file: the agent makes what fits, begins no file it
# cannot finish (diet, said in the log and the status file), and grows
# again once space is freed.
agent_swapdir small 6M || true
dd if=/dev/zero of="$T/small/filler" bs=1M count=3 status=none
fake_meminfo 512 40
start "$T/small" "$T/run2.log"
ok "a full filesystem: diet" wait_for 20 '[ "$(state)" = diet ]'
ok "... no file begun that cannot fit: it says so" says "$T/run2.log" "less than min_swapsize" "no file begun"
ok "... the error is in the status file" sh -c "jq -r .last_error '$T/status.json' | grep -q 'no file begun'"
ok "... nothing partial, and every file of ours is active" sh -c "! ls -A '$T/small' | grep -q partial && for f in '$T'/small/nfswap.*; do [ -e \"\$f\" ] || continue; grep -q \"^\$f \" /proc/swaps || exit 1; done"
added=$(says_n "$T/run2.log" "added nfswap")
rm -f "$T/small/filler"
ok "space returns: it grows again ($added file(s) before)" wait_for 30 '[ "$(says_n "$T/run2.log" "added nfswap")" -gt "$added" ]'
kill -USR2 "$PID"
ok "SIGUSR2 is logged as a diet request" wait_for 5 'says "$T/run2.log" "diet requested" SIGUSR2'
ok "stopped" stop
offdir "$T/small"

# --- exit leaves swap on; restart reinstates --------------------------------------
fake_meminfo 512 40
echo 65536 >"$T/proc/sys/vm/min_free_kbytes"	# an administrator's larger reserve
start "$T/swap" "$T/run3.log"
ok "growing again" wait_for 20 '[ "$(fx_active "$T/swap")" -ge 2 ]'
is "... a larger vm.min_free_kbytes is never lowered" "$(cat "$T/proc/sys/vm/min_free_kbytes")" 65536
timeout 10 "$D" -d -c "$T/nfswapd.conf" --proc "$T/proc" --swapdir "$T/swap" >"$T/second.log" 2>&1
is "a second nfswapd steps aside (exit 0)" "$?" 0
ok "... saying why" says "$T/second.log" "another nfswapd holds"
fake_meminfo 512 200			# steady: neither short nor in surplus
ok "steady" wait_for 20 '[ "$(state)" = steady ] || [ "$(state)" = hungry ]'
sleep 1
ok "stopped" stop
# Counted after the stop: a file finished as the signal came is on too.
n=$(fx_active "$T/swap")
is "by default its swap stays on at exit: every file of ours is active" "$(ls "$T/swap" | grep -cx 'nfswap.[0-6]')" "$n"
# As after a reboot: the files are there, nothing is active.
fx_swapoff "$T/swap"
is "all off" "$(fx_active "$T/swap")" 0
dd if=/dev/zero of="$T/swap/nfswap.1" bs=4096 count=1 conv=notrunc status=none	# header wiped
start "$T/swap" "$T/run4.log"
ok "restart: every file of ours is reinstated" wait_for 10 '[ "$(fx_active "$T/swap")" -eq "$n" ]'
ok "... the wiped header rewritten" says "$T/run4.log" "reinstated nfswap.1" "new swap header"
ok "... the others switched on as they were" grep -q 'reinstated nfswap.0$' "$T/run4.log"
ok "... foreign files still left alone" sh -c "test -e '$T/swap/notes.txt' && test -e '$T/swap/nfswap.7'"
ok "stopped" stop
start "$T/swap" "$T/run5.log" --swapoff-on-exit
ok "files already active are adopted" wait_for 10 'says "$T/run5.log" "adopted nfswap.0" "already active"'
ok "stopped" stop
is "--swapoff-on-exit: nothing of ours stays on" "$(fx_active "$T/swap")" 0
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
	agent_swapdir mid 64M || true
	agent_conf "$T/big.conf" 4 16M 16M 2
	held() {	# LOG: nfswapd under strace, each flush held 3 s
		strace -f -qq -o /dev/null -e trace=sync_file_range \
		    -e inject=sync_file_range:delay_enter=3000000 \
		    "$D" -d -v -c "$T/big.conf" --proc "$T/proc" --swapdir "$T/mid" \
		    -p "$T/pid" >"$1" 2>&1 &
		SPID=$!
		fx_pid $SPID
		wait_for 10 'test -s "$T/pid" && kill -0 "$(cat "$T/pid")" 2>/dev/null' &&
		    PID=$(cat "$T/pid") && fx_pid "$PID"
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
	ok "the next start cannot remove it yet (read-only), and says it will try again" wait_for 10 'says "$T/after.log" "cannot remove .nfswap." ".partial" "did not finish" "Read-only file system" "trying again"'
	sleep 2
	mount -o remount,rw "$T/mid"
	ok "once it can, it removes it, saying why" wait_for 10 'says "$T/after.log" "removed .nfswap." ".partial" "did not finish"'
	is "... said once while it could not" "$(says_n "$T/after.log" "cannot remove .nfswap." ".partial")" 1
	ok "... the service's unfinished file too" eval 'says "$T/after.log" "removed .nfswap.9.allocating" "did not finish" && test ! -e "$T/mid/.nfswap.9.allocating"'
	is "... and the link under a partial name is reported once, not every poll" "$(says_n "$T/after.log" nfswap.6.partial "not ours")" 1
	ok "... it is gone" sh -c "! find '$T/mid' -type f -name '*.partial' | grep -q ."
	ok "... a link under a partial name is left alone, its target untouched" eval 'says "$T/after.log" nfswap.6.partial "not ours" "left alone" && test -L "$T/mid/.nfswap.6.partial" && test "$(stat -c %s "$T/decoy")" = 1048576'
	ok "... and it grows with whole files" wait_for 20 '[ "$(fx_active "$T/mid")" -ge 1 ]'
	ok "stopped" stop
	offdir "$T/mid"

	rm -f "$T/pid"
	held "$T/fill.log"
	ok "held again half way through a file" wait_for 20 half
	# The rest of the file system goes, as other writers take it.
	dd if=/dev/zero of="$T/mid/filler" bs=1M status=none 2>/dev/null
	ok "the file system filling under it: the write fails, the partial file removed" wait_for 20 'says "$T/fill.log" "creating nfswap." " of 16777216 bytes" "No space left on device" "partial file removed"'
	ok "... diet" wait_for 5 '[ "$(state)" = diet ]'
	ok "... no partial file left" sh -c "! find '$T/mid' -type f -name '*.partial' | grep -q ."
	ok "... it runs on" kill -0 "$PID"
	rm -f "$T/mid/filler"
	ok "space returns: it grows again" wait_for 40 '[ "$(fx_active "$T/mid")" -ge 1 ]'
	ok "stopped" stop
	wait "$SPID" 2>/dev/null
else
	skip "a creation cut short" "strace is not installed (make deps)"
fi

# --- the kernel log: only the kernel's own swap errors count ------------------
# Any local user can make the kernel log text of their choosing: a program
# that faults is reported by its name and its file's name.  Those reports,
# and text that user space writes to /dev/kmsg (root's too: the kernel
# gives it facility 1), must not count as swap errors -- a "Read-error on
# swap-device" would stop growth for good.  The kernel's own records must:
# they are made here for real, with swap on a loop device whose file
# cannot be written (its file system full), then cannot be read (its file
# system shut down), and a memory cgroup that pushes a program to swap.
SF=$B/tests/swapfault
kmsg_all() {	# every record in the kernel's buffer, one per line
	dd if=/dev/kmsg iflag=nonblock bs=8192 status=none 2>/dev/null
}
tag=$(( (RANDOM << 15 | RANDOM) + 100000 ))	# our records' numbers
agent_swapdir klog 64M || true
agent_conf "$T/klog.conf" 4 1M 4M 4
fake_meminfo 512 500			# nothing to do yet
# This kernel's PSI for the rest of the suite: the agent sets a trigger
# (the half-second window needs CAP_SYS_RESOURCE, which a container may
# not grant: then the 2 s one that Linux >= 6.5 allows without it).
psi=
if [ -r /proc/pressure/memory ]; then
	ln -s /proc/pressure "$T/proc/pressure" && psi=1
fi
agent_start "$T/klog.conf" "$T/klog" "$T/klog.log"
ok "kernel log: the agent runs, its swap steady" wait_for 10 'jq -e ".running == true and .pid == $PID" "$T/status.json" >/dev/null'
if [ -n "$psi" ]; then
	ok "it set a PSI trigger on pressure/memory (tasks stalled 20 ms in a window)" \
	    says "$T/klog.log" "pressure/memory" 'trigger "some 20000 ' '" set'
	ok "... and polls it: the descriptor is open in the agent" \
	    sh -c "ls -l /proc/$PID/fd | grep -q '/proc/pressure/memory'"
else
	skip "the PSI trigger" "this kernel has no /proc/pressure/memory (CONFIG_PSI off, or psi=0)"
fi
if [ -w /dev/kmsg ] && [ -x "$SF" ]; then
	# Root writing the kernel's exact text, even asking for facility 0
	printf '<1>Read-error on swap-device (7:0:%d)\n' $tag >/dev/kmsg
	printf '<3>Write error -12 on dio swapfile (%d)\n' $tag >/dev/kmsg
	printf '<0>Read-error on swap-device\n' >/dev/kmsg
	kmsg_all >"$T/kmsg1.txt"
	ok "root's <1> into /dev/kmsg is logged with facility 1 (user): prio 9, not 1" \
	    grep -q "^9,[0-9]*,[0-9]*,-[^;]*;Read-error on swap-device (7:0:$tag)\$" "$T/kmsg1.txt"
	if command -v setpriv >/dev/null; then
		ok "uid 65534 cannot write to /dev/kmsg at all" sh -c \
		    "! setpriv --reuid=65534 --regid=65534 --clear-groups sh -c 'echo x >/dev/kmsg' 2>/dev/null"
		# A user's programs named after the kernel's messages, faulting
		BAIT=$(mktemp -d /tmp/nfswap-bait.XXXXXX)
		at_exit "rm -rf '$BAIT'"
		chmod 755 "$BAIT"
		for n in "Read-error on swap-device (7:0:$tag)" "Read-error on swap-device" \
		    "Write error -12 on dio swapfile ($tag)"; do
			cp "$SF" "$BAIT/$n" && chmod 755 "$BAIT/$n"
			(setpriv --reuid=65534 --regid=65534 --clear-groups "$BAIT/$n" segv) 2>/dev/null
		done
		kmsg_all >"$T/kmsg2.txt"
		if grep -q "segfault at 0 .* in Read-error on swap-device (7:0:$tag)\[" "$T/kmsg2.txt"; then
			ok "a user's program named \"Read-error on swap-device (7:0:$tag)\" put the words in the kernel log (facility 0)" \
			    grep -q "^[0-7],[0-9]*,[0-9]*,-[^;]*;Read-error on s\[[0-9]*\]: segfault at 0 .* in Read-error on swap-device (7:0:$tag)\[" "$T/kmsg2.txt"
			bait=1
		else
			skip "a user's program in the kernel log" "this kernel does not report segfaults (debug.exception-trace = 0?)"
			bait=0
		fi
	else
		skip "a user's program in the kernel log" "setpriv is not installed"
		bait=0
	fi
	sleep 1
	fake_meminfo 512 40
	ok "none of it counts: the agent still grows" wait_for 20 'says "$T/klog.log" "added nfswap"'
	ok "... no swap error counted (status file)" jq -e '.swap_write_errors == 0 and .swap_read_errors == 0 and .io_errors == false' "$T/status.json"
	ok "... none logged" eval '! says "$T/klog.log" "in the kernel log"'
	# The kernel's own, for real.  A swap device that fails could take
	# other processes' pages if the host were short of memory: not then.
	avail=$(awk '$1 == "MemAvailable:" { print int($2 / 1024) }' /proc/meminfo)
	CG= cgv=
	if [ -d /sys/fs/cgroup/memory ] && [ -w /sys/fs/cgroup/memory ]; then
		cgv=1
	elif grep -qw memory /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null; then
		cgv=2
	fi
	if [ -z "$cgv" ]; then
		skip "real swap errors from the kernel" "no memory cgroup here to push a program to swap"
	elif [ "${avail:-0}" -lt 2048 ]; then
		skip "real swap errors from the kernel" "the host has ${avail} MiB available: a failing swap device could take others' pages"
	else
		if [ $cgv = 1 ]; then
			CG=/sys/fs/cgroup/memory/nfswap-agent-host.$$
			mkdir "$CG" && echo 32M >"$CG/memory.limit_in_bytes"
		else
			CG=/sys/fs/cgroup/nfswap-agent-host.$$
			mkdir "$CG" && echo 32M >"$CG/memory.max"
		fi
		incg='echo $$ >"$0/cgroup.procs" && exec "$@"'	# sh -c "$incg" "$CG" CMD...
		# Writes fail: a sparse file on a full file system.
		agent_swapdir kfull 32M || true
		truncate -s 64M "$T/kfull/swap.img"
		fx_loop "$T/kfull/swap.img" && L=$FX_LOOP && mkswap -q "$L"
		dd if=/dev/zero of="$T/kfull/fill" bs=64k status=none 2>/dev/null
		dd if=/dev/zero of="$T/kfull/fill2" bs=4k status=none 2>/dev/null
		sync
		swapon -p 32767 "$L"
		dev=$(cat "/sys/block/${L#/dev/}/dev")
		sh -c "$incg" "$CG" timeout 60 "$SF" hog 64 "$T/r1" "$T/g1" >/dev/null 2>&1 &
		hog=$!; fx_pid $hog
		ok "a real swap write error ($L, $dev) is counted: growth held" \
		    wait_for 40 'says "$T/klog.log" "in the kernel log" "Write-error on swap-device ($dev:" "the kernel keeps those pages" "no swap is added"'
		ok "... in the status file, not as a lost page" jq -e '.swap_write_errors >= 1 and .io_errors == false' "$T/status.json"
		kill $hog 2>/dev/null; wait $hog 2>/dev/null
		swapoff "$L" && losetup -d "$L"
		# Reads fail: pages swapped out, then the file system shut down.
		agent_swapdir kread 96M || true
		dd if=/dev/zero of="$T/kread/swap.img" bs=1M count=64 status=none
		fx_loop "$T/kread/swap.img" && L=$FX_LOOP && mkswap -q "$L"
		swapon -p 32767 "$L"
		dev=$(cat "/sys/block/${L#/dev/}/dev")
		sh -c "$incg" "$CG" timeout 60 "$SF" hog 48 "$T/r2" "$T/g2" >/dev/null 2>&1 &
		hog=$!; fx_pid $hog
		wait_for 30 'test -e "$T/r2"'
		used=$(awk -v d="$L" '$1 == d { print $4 }' /proc/swaps)
		ok "... then a program's pages in swap on $L ($used KiB)" test "${used:-0}" -gt 0
		"$SF" shutdown "$T/kread"
		touch "$T/g2"
		ok "a real swap read error ($dev) is counted: a page was lost, growth stops for good" \
		    wait_for 30 'says "$T/klog.log" "swap read error" "Read-error on swap-device ($dev:" "a page was lost" "no more NFS swap"'
		ok "... io_errors in the status file" wait_for 5 'jq -e ".io_errors == true and .swap_read_errors >= 1" "$T/status.json" >/dev/null'
		wait $hog 2>/dev/null
		swapoff "$L" && losetup -d "$L"
	fi
else
	skip "kernel log watch" "/dev/kmsg is not writable here, or $SF is not built"
fi
ok "stopped" stop

# --- a hostile or broken provisioner ------------------------------------------
# tests/integration/fakeprov.c answers as it is told.  ALLOCATE that says
# INPROGRESS or BUSY for ever, never answers, never accepts the connection,
# dribbles its answer, or sends nonsense: the agent gives up within its
# deadlines (provisioner_timeout 2 s a call, allocate_timeout 3 s), asks
# RELEASE where the service answered, and writes the file itself.  LOOKUP
# naming a server that is not the provisioner or listed in servers, or a
# path that is not plain: never mounted, said, asked again -- the agent
# does not exit.  The options a LOOKUP answer carries are never used.
FP=$B/tests/fakeprov
prov_start() {	# prov_start LOG ARGS...: a fake provisioner, port in $PPORT
	local log=$1; shift
	rm -f "$T/fp.port"
	"$FP" -l "$log" "$@" >"$T/fp.port" 2>>"$T/fp.err" &
	FPID=$!; fx_pid $FPID
	wait_for 5 'test -s "$T/fp.port"' && PPORT=$(awk '{ print $2 }' "$T/fp.port")
}
prov_stop() { kill "$FPID" 2>/dev/null; wait "$FPID" 2>/dev/null; }
if [ -x "$FP" ]; then
	agent_swapdir hp 64M || true
	# hostile_alloc NAME "FAKEPROV ARGS" "WHAT|THE AGENT|SAYS" SECONDS
	hostile_alloc() {
		local name=$1 args=$2 keys within=$4 t0 t1
		IFS='|' read -ra keys <<<"$3"
		prov_start "$T/fp-$name.log" $args
		agent_conf "$T/hp.conf" 30 1M 4M 2
		cat >>"$T/hp.conf" <<CONF
provisioner = "127.0.0.1"; provisioner_port = $PPORT;
provisioner_timeout = 2; allocate_timeout = 3;
CONF
		fake_meminfo 512 40
		t0=$(date +%s)
		agent_start "$T/hp.conf" "$T/hp" "$T/hp-$name.log"
		ok "ALLOCATE $name: the agent does not hang: it writes the file itself" \
		    wait_for "$within" 'says "$T/hp-$name.log" "added nfswap"'
		t1=$(date +%s)
		ok "... saying why (within $((t1 - t0)) s of its start)" says "$T/hp-$name.log" "${keys[@]}"
		kill -USR1 $PID
		ok "... and it still answers (SIGUSR1 logs its state)" wait_for 10 'grep -q "^nfswapd: state " "$T/hp-$name.log"'
		ok "... stopped" stop
		offdir "$T/hp"
		prov_stop
	}
	hostile_alloc inprogress "--allocate INPROGRESS" \
	    "provisioner 127.0.0.1|nfswap.0|still in progress|after 3 s|RELEASE asked|over NFS instead|again in 10 minutes" 20
	n=$(grep -c '^ALLOCATE nfswap.0 [0-9]* INPROGRESS$' "$T/fp-inprogress.log")
	ok "... it asked again while waiting ($n ALLOCATEs in 3 s), then RELEASE for the name" \
	    sh -c "[ $n -ge 5 ] && [ $n -le 60 ] && grep -qx 'RELEASE nfswap.0' '$T/fp-inprogress.log'"
	ok "... from a reserved port (root), every connection" sh -c \
	    "grep -q '^CONNECT' '$T/fp-inprogress.log' && ! awk -F= '/^CONNECT/ && \$2 >= 1024 { bad = 1 } END { exit !bad }' '$T/fp-inprogress.log'"
	hostile_alloc busy "--allocate BUSY" \
	    "provisioner 127.0.0.1|nfswap.0|still busy|after 3 s|RELEASE asked" 20
	ok "... RELEASE asked" grep -qx 'RELEASE nfswap.0' "$T/fp-busy.log"
	hostile_alloc hang "--hang" \
	    "provisioner 127.0.0.1|no answer|nfswap.0|over NFS instead|again in 10 minutes" 15
	ok "... the call was made, never answered" grep -q '^ALLOCATE nfswap.0 [0-9]* (no answer)' "$T/fp-hang.log"
	hostile_alloc noaccept "--noaccept" \
	    "provisioner 127.0.0.1|no answer|nfswap.0|over NFS instead" 15
	ok "... its connection was never accepted" sh -c "! grep -q CONNECT '$T/fp-noaccept.log'"
	hostile_alloc trickle "--allocate OK --trickle 500" \
	    "provisioner 127.0.0.1|no answer|nfswap.0|over NFS instead" 15
	hostile_alloc huge "--reply huge" \
	    "provisioner 127.0.0.1|not the protocol's|nfswap.0|over NFS instead|again in 10 minutes" 15
	hostile_alloc claims-ok "--allocate OK" \
	    "nfswap.0|from the provisioner|not what was asked for|No such file or directory|removing it" 15
	ok "... RELEASE asked for the file it claimed" grep -qx 'RELEASE nfswap.0' "$T/fp-claims-ok.log"

	# LOOKUP at start: the agent mounts (or tries: this host has no NFS
	# client, so mount(2) fails; strace shows what it asked for).
	# hostile_lookup NAME "FAKEPROV ARGS" "CONF LINES"
	hostile_lookup() {
		local name=$1 args=$2 extra=${3:-}
		prov_start "$T/fl-$name.log" $args
		cat >"$T/lk.conf" <<CONF
provisioner = "127.0.0.1"; provisioner_port = $PPORT; provisioner_timeout = 2;
mount_point = "$T/mnt-$name";
swap = { status_file = "$T/lk-status.json"; };
$extra
CONF
		if command -v strace >/dev/null; then
			strace -f -qq -s 4096 -e trace=mount -o "$T/lk-$name.trace" \
			    "$D" -d -v -c "$T/lk.conf" --proc "$T/proc" -p "$T/lk.pid" \
			    >"$T/lk-$name.log" 2>&1 &
		else
			"$D" -d -v -c "$T/lk.conf" --proc "$T/proc" -p "$T/lk.pid" \
			    >"$T/lk-$name.log" 2>&1 &
			: >"$T/lk-$name.trace"
		fi
		LPID=$!; fx_pid $LPID
		APID=$LPID
		if command -v strace >/dev/null; then	# the agent is strace's child
			wait_for 5 'pgrep -P $LPID >/dev/null' && APID=$(pgrep -P $LPID | head -1)
			fx_pid $APID
		fi
	}
	lookup_stop() {	# SIGTERM to the agent: gone within 3 s
		kill "$APID" 2>/dev/null
		for _ in $(seq 30); do kill -0 "$APID" 2>/dev/null || break; sleep 0.1; done
		! kill -0 "$APID" 2>/dev/null
	}
	mounts_tried() { grep -c 'mount(' "$T/lk-$1.trace"; }

	hostile_lookup foreign "--server 127.6.6.6"
	ok "LOOKUP naming a server not listed: refused, saying what was offered and why" \
	    wait_for 10 'says "$T/lk-foreign.log" "provisioner 127.0.0.1" "LOOKUP" "answer not used" "127.6.6.6" "refused" "not the provisioner (127.0.0.1)" "not listed in servers" "asking again"'
	ok "... it asks again" wait_for 10 '[ "$(grep -c "^LOOKUP v2" "$T/fl-foreign.log")" -ge 2 ]'
	is "... nothing is mounted, not even tried" "$(mounts_tried foreign)" 0
	ok "... it runs on" kill -0 "$APID"
	ok "... and stops on SIGTERM" lookup_stop
	prov_stop

	hostile_lookup listed "--server 127.0.0.2 --nfs-port 2049 --mount-port 20048 --options vers=4.2,addr=127.6.6.6,port=1,sec=none,nolock" \
	    'servers = [ "127.0.0.0/29" ];'
	ok "LOOKUP naming a server listed in servers (a network holding it): used" \
	    wait_for 10 'says "$T/lk-listed.log" "provisioner 127.0.0.1" "client pc1" "/srv/nfswap/pc1" " on 127.0.0.2"'
	if command -v strace >/dev/null; then
		ok "... mount(2) of 127.0.0.2:/srv/nfswap/pc1 with its ports, and no option from the answer" \
		    wait_for 10 'grep -q "mount(\"127.0.0.2:/srv/nfswap/pc1\", \"$T/mnt-listed\", \"nfs\", MS_NOSUID|MS_NODEV|MS_NOEXEC, \"vers=3,addr=127.0.0.2,proto=tcp,port=2049,mountaddr=127.0.0.2,mountvers=3,mountproto=tcp,mountport=20048,hard," "$T/lk-listed.trace"'
		ok "... nothing of the answer's mount_options (127.6.6.6, sec=none) in any mount(2)" \
		    sh -c "grep -q 'mount(' '$T/lk-listed.trace' && ! grep 'mount(' '$T/lk-listed.trace' | grep -q '127.6.6.6\|sec=none'"
	else
		skip "mount(2) arguments" "strace is not installed (make deps)"
	fi
	ok "... stops on SIGTERM" lookup_stop
	prov_stop

	for bad in "/srv/../etc" "/srv/nfswap/%q" "/srv/pc1,addr=127.6.6.6" "relative/pc1"; do
		hostile_lookup badpath "--path $bad"
		ok "LOOKUP's export path \"$bad\": refused, saying why" \
		    wait_for 10 'says "$T/lk-badpath.log" "answer not used" "export path \"$bad\"" "refused" "asking again"'
		sleep 2
		ok "... the agent does not exit" kill -0 "$APID"
		is "... nothing is mounted" "$(mounts_tried badpath)" 0
		ok "... stops on SIGTERM" lookup_stop
		prov_stop
	done

	hostile_lookup v1 "--v1-only --server 127.6.6.6"
	ok "a version 1 service: LOOKUP v1, the provisioner is the server" \
	    wait_for 10 'says "$T/lk-v1.log" "client pc1" "/srv/nfswap/pc1" " on 127.0.0.1"'
	ok "... (it refused version 2)" grep -qx 'v2 refused' "$T/fl-v1.log"
	ok "... stops on SIGTERM" lookup_stop
	prov_stop

	for mode in "--hang" "--noaccept" "--reply junk" "--trickle 500"; do
		hostile_lookup lk "$mode"
		ok "LOOKUP, $mode: the agent says so and retries" \
		    wait_for 15 'says "$T/lk-lk.log" "provisioner 127.0.0.1" "no answer from nfswap serve" "retrying" || says "$T/lk-lk.log" "provisioner 127.0.0.1" "not the protocol" "retrying"'
		ok "... SIGTERM stops it while it waits" lookup_stop
		prov_stop
	done
else
	skip "a hostile provisioner" "$FP is not built"
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
PID=$!; fx_pid $PID
ok "no server: it says it is retrying" wait_for 10 'says "$T/mount.log" "mount 127.0.0.1:/srv/nfswap/pc1" "$T/mnt" "retrying"'
# Attempts at 0, 1, 3, 7 s and on: strace sees those after the first.
if command -v strace >/dev/null; then
	strace -qq -ttt -e trace=mount -o "$T/mount.trace" -p "$PID" &
	tpid=$!
	fx_pid $tpid
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
is "... it says so once, not once per attempt" "$(says_n "$T/mount.log" retrying)" 1
ok "... and it made the mount point" test -d "$T/mnt"
ok "SIGTERM while waiting for the server" stop
is "... nothing was mounted" "$(awk -v m="$T/mnt" '$2 == m' /proc/mounts | wc -l)" 0
ok "nfswapd -h: usage on stdout, exit 0" sh -c "'$D' -h | grep -q '^usage: nfswapd'"

tap_done
