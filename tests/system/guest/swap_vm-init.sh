#!/bin/sh
# tests/system/guest/swap_vm-init.sh -- /init of swap_vm.sh's thin client
# (a busybox initramfs in QEMU): prints TAP lines on the serial console,
# "guest-done N" at the end, and powers off.  The boot is on the kernel
# command line:
# scenario=1: grow under pressure, verify, shrink to nothing.
# scenario=2: the same while the server is killed and restarted; the agent
#             is stopped with its swap active, so files stay on the export.
# scenario=3: a new boot finds those files and reinstates them at once.
# scenario=4: as 1, knowing only the provisioner (LOOKUP, ALLOCATE).
# scenario=5: the default configuration at rest (its standby reserve made),
#             then a hog at full speed, bounded in time; the agent retires
#             its files when stopped.
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
mkdir -p /run /tmp
mount -t tmpfs -o size=8m,mode=0755 run /run	# as initramfs-tools does
sc=$(sed 's/.*scenario=\([0-9]\).*/\1/' /proc/cmdline)
rate=$(sed -n 's/.*hograte=\([0-9.]*\).*/\1/p' /proc/cmdline)
CLIMB_BOUND=180		# seconds: boot 5's hog, longer is a stall
for m in virtio_pci virtio_net nfsv3; do modprobe $m; done
ip link set lo up; ip link set eth0 up
ip addr add 10.0.2.15/24 dev eth0; ip route add default via 10.0.2.2
if [ "$sc" = 9 ]; then		# make demo: one episode, shown as it happens
	echo
	nfswapd -d -v -p /run/nfswapd.pid 2>/run/nfswapd.log &
	for i in $(seq 60); do [ -s /run/nfswapd/status.json ] && break; sleep 1; done
	( tail -f /run/nfswapd.log | while read -r l; do echo "AGENT $l"; done >/dev/console ) &
	t0=$(cut -d. -f1 /proc/uptime)
	( while :; do
		st=$(sed 's/.*"state":"\([a-z]*\)".*/\1/' /run/nfswapd/status.json 2>/dev/null)
		awk -v t=$(($(cut -d. -f1 /proc/uptime) - t0)) -v st="$st" '
		    /^MemTotal:/ {mt=$2} /^MemAvailable:/ {ma=$2}
		    /^SwapTotal:/ {s=$2} /^SwapFree:/ {sf=$2}
		    END {printf "TL %d %d %d %d %d %s\n", t, mt, ma, s, sf, st}' /proc/meminfo
		sleep 1
	  done >/dev/console ) &
	sleep 10
	hog 320 ${rate:-4} 20 | while read -r l; do echo "HOG $l"; done >/dev/console
	. /lib/t.sh	# at_reserve: back to the standby reserve
	for i in $(seq 150); do at_reserve >/dev/null && break; sleep 1; done
	sleep 10
	echo "DEMO-DONE"
	kill $(cat /run/nfswapd.pid); sleep 1
	poweroff -f
fi
n=0
echo
. /lib/t.sh
D="no swap at start" t sh -c '[ "$(wc -l </proc/swaps)" -eq 1 ]'
conf=/etc/nfswap/nfswapd.conf
[ "$sc" = 4 ] && conf=/etc/nfswap/prov.conf
[ "$sc" = 5 ] && conf=/etc/nfswap/default.conf
# Boot 2 stops the agent with its swap active (its files stay for boot 3);
# the others retire every file at the end.
retire=--swapoff-on-exit
[ "$sc" = 2 ] && retire=
nfswapd -d -v -c $conf -p /run/nfswapd.pid $retire 2>/run/nfswapd.log &
# How the agent opens the file it is writing (.nfswap.N.partial): the
# flags of its descriptor, from fdinfo, the first time one is seen.
( for i in $(seq 1200); do
	p=$(cat /run/nfswapd.pid 2>/dev/null)
	for f in /proc/${p:-none}/fd/*; do
		case $(readlink "$f" 2>/dev/null) in
		*.partial) awk '/^flags:/ { print $2 }' "/proc/$p/fdinfo/${f##*/}" >/tmp/pflags
			[ -s /tmp/pflags ] && exit 0 ;;
		esac
	done
	sleep 0.05
  done ) &
for i in $(seq 60); do [ -s /run/nfswapd/status.json ] && break; sleep 1; done
D="nfswapd mounted its export and runs" t grep -q '"running":true' /run/nfswapd/status.json
if [ "$sc" = 3 ]; then
	D="the files left by the last boot are reinstated at once, before any memory pressure" t sh -c 'grep -q nfswap /proc/swaps && grep -q "reinstated nfswap" /run/nfswapd.log'
	echo "# reinstated: $(grep -c nfswap /proc/swaps) files"
	# Hand over to a "real root", as a distribution's initramfs does
	# (run-init, switch_root): /proc, /sys, /dev and /run move into it,
	# the initramfs is emptied, PID 1 chroots.  The agent must follow.
	mkdir /newroot
	mount -t tmpfs -o size=16m newroot /newroot
	mkdir -p /newroot/bin /newroot/proc /newroot/sys /newroot/dev /newroot/run /newroot/tmp
	cp /bin/busybox /newroot/bin/
	for a in sh cat grep ls kill sleep seq sed sync poweroff tail head wc tr awk; do ln -s busybox /newroot/bin/$a; done
	mkdir -p /newroot/lib
	cp /init2 /newroot/init2; cp /lib/t.sh /lib/says.sh /newroot/lib/
	echo "$(cat /run/nfswapd.pid) $n" >/newroot/carry
	for m in proc sys dev run; do mount --move /$m /newroot/$m; done
	exec switch_root /newroot /init2
else
	D="it mounted with the agent's options" t sh -c 'grep " /run/nfswap nfs" /proc/mounts'
	[ "$sc" = 1 ] && D="its NFS connection is from a reserved port, as the export requires" t resvport
	if [ -s /etc/expect-floor ]; then
		floor=$(cat /etc/expect-floor)
		raised() { says /run/nfswapd.log rsize/wsize 2048/2048 "$floor" && grep ' /run/nfswap nfs' /proc/mounts | grep -q "wsize=$floor"; }
		D="it raised rsize/wsize to $floor for swap, and said why" t raised
	fi
	# Each second: files in use, and the memory figures an OOM kill is
	# explained by (printed if a check of this boot fails).
	( while :; do
		grep -c nfswap /proc/swaps >>/tmp/files
		held_kb >>/tmp/held
		st=$(sed 's/.*"state":"\([a-z]*\)".*/\1/' /run/nfswapd/status.json 2>/dev/null)
		awk -v st="$st" -v up="$(cut -d' ' -f1 /proc/uptime)" '
		    { v[$1] = $2 }
		    END { printf "%s avail=%d free=%d anon=%d swapcached=%d dirty=%d wb=%d swaptotal=%d swapfree=%d %s\n",
			up, v["MemAvailable:"] / 1024, v["MemFree:"] / 1024, v["AnonPages:"] / 1024,
			v["SwapCached:"] / 1024, v["Dirty:"] / 1024, v["Writeback:"] / 1024,
			v["SwapTotal:"] / 1024, v["SwapFree:"] / 1024, st }' /proc/meminfo >>/tmp/tl
		sleep 1
	  done ) &
	watch=$!
	if [ "$sc" = 5 ]; then
		for i in $(seq 90); do at_reserve >/dev/null && break; sleep 1; done
		D="at rest it holds its standby reserve and nothing more" t at_reserve
		D="it set a PSI trigger on /proc/pressure/memory, to look the moment tasks stall" t says /run/nfswapd.log "/proc/pressure/memory" "trigger" "set"
		D="it writes its files with O_DIRECT, past the page cache (flags $(cat /tmp/pflags 2>/dev/null))" t sh -c 'f=$(cat /tmp/pflags) && [ $(($f & 040000)) -ne 0 ]'
		D="it runs at nice -20: making a file during a climb needs the CPU that reclaim takes" t sh -c '[ "$(awk "{ print \$19 }" /proc/$(cat /run/nfswapd.pid)/stat)" = -20 ]'
		D="it raised vm.min_free_kbytes to 16384 (swap.min_free), room to receive swap-ins ($(cat /proc/sys/vm/min_free_kbytes))" t sh -c '[ "$(cat /proc/sys/vm/min_free_kbytes)" = 16384 ]'
		r=$(reserve_kb)
		echo "# standby reserve: $((r / 1024)) MiB; MemTotal $(($(awk '/^MemTotal/ { print $2 }' /proc/meminfo) / 1024)) MiB"
		t0=$(cut -d' ' -f1 /proc/uptime)
		D="the hog's 320 MiB at full speed (RAM is 256) all verified within $CLIMB_BOUND s (more is a stall)" t timeout $CLIMB_BOUND hog 320 0 5
		echo "# the hog took $(awk -v t0=$t0 '{ printf "%.1f", $1 - t0 }' /proc/uptime) s; at most $(($(sort -n /tmp/held | tail -1) / 1024)) MiB of swap held"
		mt=$(awk '/^MemTotal/ { print $2 }' /proc/meminfo)
		D="it never held more than max_total, twice MemTotal ($((2 * mt / 1024)) MiB)" t sh -c "[ \$(sort -n /tmp/held | tail -1) -le $((2 * mt + 1024)) ]"
	elif [ "$sc" = 2 ]; then
		# Tell the host, live, when the hog has all its memory (a third
		# of it in swap) and is about to read it back: the server dies
		# while the pages it holds are needed.
		( while ! grep -q "holding" /tmp/o 2>/dev/null; do sleep 0.5; done
		  echo "MARK swapping used_kb=$(awk 'NR > 1 { u += $4 } END { print u + 0 }' /proc/swaps)" >/dev/console ) &
		# Its climb is gentler (2 MiB/s): this boot is about the
		# outage, and at 3 MiB/s the climb itself ran out of swap in
		# one run of several (docs/nfs-swap-sizes.md, "the link is
		# shared").
		D="the hog's 320 MiB all verified, across a server crash" t hog 320 ${rate:-2} 3
	else
		D="the hog's 320 MiB (RAM is 256) all verified" t hog 320 ${rate:-3} 5
	fi
	cp /tmp/o /tmp/hog.out
	kill $watch
	r=$(reserve_kb)
	[ "$sc" = 5 ] || D="the agent made its standby reserve ($((r / 1024)) MiB) and swap grew beyond it under the climb" t sh -c "grep -q 'making the standby reserve' /run/nfswapd.log && [ \$(sort -n /tmp/held | tail -1) -gt $((r + 1024)) ]"
	[ "$sc" = 5 ] || D="it grew for the climb (grow by ...: free memory ...), and went hungry" t sh -c "grep -q 'grow by [0-9]* MiB: free memory' /run/nfswapd.log && grep -q -- '-> hungry' /run/nfswapd.log"
	D="no process was OOM-killed" t sh -c '! dmesg | grep -qi "out of memory\|oom-kill" || { dmesg | grep -iE "invoked oom-killer|Free swap|Total swap|Out of memory|Node 0 active_anon" | head -8; false; }'
	if [ "$sc" = 2 ]; then
		# A failed swap write keeps the page (it is written again); the
		# outage may cause some.  A failed read loses one: never.
		D="no swap read error in the kernel log (no page lost)" t sh -c '! dmesg | grep -q "Read error .*dio swapfile\|Read-error on swap-device"'
		w=$(dmesg | grep -c "Write error .*dio swapfile")
		D="the agent saw each of the kernel's $w swap write errors, and no page as lost" t sh -c "grep -q '\"io_errors\":false,\"swap_write_errors\":$w,\"swap_read_errors\":0,' /run/nfswapd/status.json"
		echo "# swap write errors in the kernel log (pages kept, written again): $w"
	elif [ "$sc" = 5 ]; then
		D="no swap I/O error in the kernel log, and none seen by the agent" t sh -c "! dmesg | grep -q 'rror .*dio swapfile\|rror on swap-device' && grep -q '\"io_errors\":false,\"swap_write_errors\":0,\"swap_read_errors\":0,' /run/nfswapd/status.json"
	else
		# No read error and no ENOMEM write (what the rsize/wsize floor
		# prevents) ever; a rare other write error under a loaded host
		# keeps its pages (written again), and the agent must have seen it.
		w=$(dmesg | grep -c "Write error .*dio swapfile")
		D="no swap read error and no ENOMEM swap write in the kernel log; the agent saw each of its $w other write errors" t sh -c "! dmesg | grep -q 'Read error .*dio swapfile\|Read-error on swap-device\|Write error -12 on dio swapfile\|rror on swap-device' && grep -q '\"io_errors\":false,\"swap_write_errors\":$w,\"swap_read_errors\":0,' /run/nfswapd/status.json"
		[ "$w" = 0 ] || echo "# swap write errors in the kernel log (pages kept, written again): $w"
	fi
	if [ "$sc" = 4 ]; then
		D="it learnt its export from nfswap serve (LOOKUP)" t says /run/nfswapd.log "provisioner 10.0.2.2" "client pc1"
		D="every file was written by the server (ALLOCATE), none over NFS" t sh -c 'grep -q "added nfswap" /run/nfswapd.log && ! grep -q "over NFS instead" /run/nfswapd.log'
	fi
	echo "# files in /proc/swaps each second: $(tr '\n' ' ' </tmp/files)"
	tail -1 /tmp/hog.out | sed 's/^/# /'
	if [ "$failed" ] || [ "$sc" = 5 ]; then
		echo "# memory each second (MiB), uptime first:"
		sed 's/^/# tl /' /tmp/tl
		grep -E "added|removed|->|error|grow by" /run/nfswapd.log | sed 's/^/# nfswapd: /'
		dmesg | grep -iE "invoked oom-killer|Free swap|Total swap|active_anon|Out of memory" | head -12 | sed 's/^/# dmesg: /'
	fi
fi
if [ "$sc" = 2 ]; then
	D="nfswapd is still running after the server came back" t kill -0 $(cat /run/nfswapd.pid)
	kill $(cat /run/nfswapd.pid)
	for i in $(seq 20); do kill -0 $(cat /run/nfswapd.pid) 2>/dev/null || break; sleep 1; done
	D="stopped, it left its swap active" t grep -q nfswap /proc/swaps
elif [ "$sc" = 5 ]; then
	retired
else
	shrunk
fi
finish
