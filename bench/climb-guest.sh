#!/bin/sh
# bench/climb-guest.sh -- /init of bench/climb-vm.sh's thin client (a
# busybox initramfs in QEMU): one memory climb against one kind of swap,
# what it measured printed on the serial console, then power off.  The kernel's command line says what to run:
#   climb=nfs|alloc|static  rate=MiB/s (0: no pause)  export=PATH
#   hogmib=320  rest=15 (s before the climb)  bound=240 (s the hog may
#   take)  after=90 (s to wait for the shrink)
# and, for experiments (CLIMB_APPEND in climb-vm.sh):
#   pextra=KEY:VALUE,...  more settings in the agent's policy block
#                         (pextra=max_total:120: the reserve alone)
#   trace=1  the kernel's tracer over the boot: direct reclaim of every
#            task, and every time the agent sleeps (with the kernel stack
#            when it cannot be woken); printed as "T ..." lines at the
#            end, for bench/climb-trace.sh
# What it prints for the host (climb-vm.sh reads nothing else), as it
# happens, so that a guest that hangs has told what it could:
#   S UP SWAPTOTAL SWAPFREE MEMAVAIL ACTIVE_FILES WRITEBACK
#       every 0.5 s (KiB; UP: /proc/uptime), and at each MARK
#   MARK rest-before UP, MARK hog-start UP, MARK hog-end UP RC,
#   MARK rest-after UP, MARK stall UP
#   HOG ..., A ... (the agent's log), D ... (the kernel's), M ...
#   CLIMB-DONE OOM WRITE_ERRORS READ_ERRORS
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
mkdir -p /run /tmp
mount -t tmpfs -o size=8m,mode=0755 run /run
echo	# the console's first line is behind the firmware's escapes
arg() { tr ' ' '\n' </proc/cmdline | sed -n "s/^$1=//p"; }
v=$(arg climb) rate=$(arg rate) export=$(arg export)
hogmib=$(arg hogmib) rest=$(arg rest) bound=$(arg bound) after=$(arg after)
nfsport=$(arg nfsport) mntport=$(arg mntport)
for m in virtio_pci virtio_net nfsv3; do modprobe $m 2>/dev/null; done
ip link set lo up; ip link set eth0 up
ip addr add 10.0.2.15/24 dev eth0; ip route add default via 10.0.2.2
# The hog mallocs all of it at once, with no swap yet: the default
# heuristic would refuse that.
echo 1 >/proc/sys/vm/overcommit_memory
up() { cut -d' ' -f1 /proc/uptime; }
# No sync: nothing here needs keeping, and a write of the agent's left
# hanging over NFS (seen after an OOM kill) would hold it until QEMU's
# timeout.
bye() { poweroff -f; }

mkdir -p /etc/nfswap
# The default configuration but for where the server is and (here) its
# ports, and the three timers that only shorten the shrink.
pextra=$(arg pextra | sed 's/:/ = /g; s/,/; /g')
policy="policy = { cooldown = 20; peak_hold = 20; drain_interval = 2;${pextra:+ $pextra;} };"
ports="nfs = { port = $nfsport; mountport = $mntport; };"
case $v in
nfs)
	printf 'server = "10.0.2.2";\nexport = "%s";\n%s\n%s\n' "$export" \
	    "$ports" "$policy" >/etc/nfswap/nfswapd.conf ;;
alloc)
	printf 'provisioner = "10.0.2.2";\n%s\n%s\n' "$ports" "$policy" \
	    >/etc/nfswap/nfswapd.conf ;;
esac
case $v in
nfs|alloc)
	nfswapd -d -v -c /etc/nfswap/nfswapd.conf -p /run/nfswapd.pid 2>/run/nfswapd.log &
	for _ in $(seq 60); do grep -q '"running":true' /run/nfswapd/status.json 2>/dev/null && break; sleep 1; done
	if ! grep -q '"running":true' /run/nfswapd/status.json 2>/dev/null; then
		echo "M the agent did not start"
		sed 's/^/A /' /run/nfswapd.log
		bye
	fi ;;
static)
	# As the agent mounts (agent/mount.c): NFSv3 over TCP, hard, its
	# 64 KiB swap floor for rsize and wsize, nolock, nosuid/nodev/noexec.
	dir=/mnt/swap
	mkdir -p $dir
	if ! mount -t nfs -o nosuid,nodev,noexec,vers=3,addr=10.0.2.2,proto=tcp,port=$nfsport,mountaddr=10.0.2.2,mountvers=3,mountproto=tcp,mountport=$mntport,hard,timeo=600,rsize=65536,wsize=65536,nolock \
	    "10.0.2.2:$export" $dir; then
		echo "M cannot mount $export"; bye
	fi
	swapon $dir/swapfile 2>/dev/null || { mkswap $dir/swapfile && swapon $dir/swapfile; } ||
	    { echo "M cannot swapon $dir/swapfile"; bye; }
	echo "M $(grep ' /mnt/swap ' /proc/mounts)" ;;
esac

# Memory and swap every 0.5 s, on the console as it comes (the host
# lists the export beside it: the files that are not active swap).
sample() {
	awk -v up="$(up)" -v act="$(($(wc -l </proc/swaps) - 1))" '
	    { m[$1] = $2 }
	    END { printf "S %s %d %d %d %d %d\n", up, m["SwapTotal:"],
		m["SwapFree:"], m["MemAvailable:"], act, m["Writeback:"] }' /proc/meminfo
}
swaptotal() { awk '$1 == "SwapTotal:" { print $2 }' /proc/meminfo; }
mark() { echo "MARK $*"; }
( while :; do sample; sleep 0.5; done ) &
sampler=$!

T=/sys/kernel/tracing trace=$(arg trace)
if [ "$trace" = 1 ]; then
	mount -t tracefs none $T
	echo 16384 >$T/buffer_size_kb
	for e in vmscan/mm_vmscan_direct_reclaim_begin vmscan/mm_vmscan_direct_reclaim_end vmscan/mm_vmscan_throttled; do
		echo 1 >$T/events/$e/enable || echo "M no $e"
	done
	echo 'prev_comm == "nfswapd" || next_comm == "nfswapd"' >$T/events/sched/sched_switch/filter
	echo 1 >$T/events/sched/sched_switch/enable
	echo 'stacktrace if prev_comm == "nfswapd" && prev_state & 2' >$T/events/sched/sched_switch/trigger || echo "M no trigger"
	echo 1 >$T/tracing_on
fi
sleep "$rest"
sample; mark rest-before "$(up)"
before=$(swaptotal)
mark hog-start "$(up)"
hog "$hogmib" "$rate" 5 >/tmp/hog.out 2>&1 &
hp=$!
t0=$(up)
stall=
while kill -0 $hp 2>/dev/null; do
	if awk -v a="$t0" -v b="$(up)" -v l="$bound" 'BEGIN { exit !(b - a > l) }'; then
		stall=1; break
	fi
	sleep 0.5
done
if [ "$stall" ]; then
	mark stall "$(up)"
else
	wait $hp
	rc=$?
	mark hog-end "$(up)" $rc
	# The shrink: until the swap is back to what it was at rest, or
	# $after seconds; then a moment for the file last swapped off to go.
	for _ in $(seq $((after * 2))); do
		[ "$(swaptotal)" -le "$before" ] && break
		sleep 0.5
	done
	sleep 1
	sample; mark rest-after "$(up)"
fi
kill $sampler 2>/dev/null
sed 's/^/HOG /' /tmp/hog.out | tail -3
[ -f /run/nfswapd.log ] && grep -E "added|removed|->|error|grow by|shrink|mounted|raising|provisioner|over NFS" \
    /run/nfswapd.log | tail -60 | sed 's/^/A /'
if [ "$stall" ]; then
	sed 's/^/M /' /proc/meminfo
	tail -20 /run/nfswapd.log 2>/dev/null | sed 's/^/A tail: /'
fi
if [ "$trace" = 1 ]; then
	echo 0 >$T/tracing_on
	sed 's/^/T /' $T/trace
fi
dmesg | grep -iE "invoked oom-killer|Free swap|Total swap|Out of memory|rror .*swap" | head -12 | sed 's/^/D /'
echo "CLIMB-DONE $(dmesg | grep -c 'invoked oom-killer') $(dmesg | grep -c 'Write error .*dio swapfile\|Write-error on swap-device') $(dmesg | grep -c 'Read error .*dio swapfile\|Read-error on swap-device')"
bye
