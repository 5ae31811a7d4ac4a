#!/bin/bash
# tests/system/swap_vm.sh -- the product end to end: a thin client (Debian
# 12's kernel in QEMU, a busybox initramfs with nfswapd and a memory hog)
# swaps over NFS onto an export that nfswap provisioned and NFS-Ganesha
# serves, all inside one private network namespace.  The guest is on a TAP
# device of that namespace (tests/lib/vm.sh), not behind QEMU's NAT: the
# server sees the guest's own address (10.0.2.15, as which pc1 is
# registered) and its kernel's reserved source port, which every nfswap
# export requires (PrivilegedPort).
#
# nfswapd starts with no swap at all; the hog writes a pattern over more
# memory than the guest has and verifies every byte.  From the serial log
# and the server's side: swap grew through the agent (files in /proc/swaps,
# state transitions), the data verified, nothing was OOM-killed, the kernel
# logged no swap I/O error, and after the hog the agent shrank the swap and
# removed its files.  Boot 2 kills the server while the guest swaps: the
# data still verifies, no page is lost, the agent runs on.  Boot 3
# reinstates the files boot 2 left, then switches root (switch_root, as an
# initramfs hands over to the real root): the same agent runs on there,
# and shrinks the swap through the new root.  Boot 4 gives the agent only
# the address of "nfswap serve": it finds its export with LOOKUP and grows
# through ALLOCATE, the server writing the files.
#
#   SWAP_VM_WSIZE=N    mount with this rsize/wsize floor (experiments)
#   SWAP_VM_APPEND=..  more kernel arguments (hograte=N: the hog's MiB/s)
#   SWAP_VM_ONLY=N     only boot N (1, 2 or 4; 3 runs 2 first)
#   SWAP_VM_BACKEND=cephfs
#                      the export on CephFS (a single-node cluster started
#                      here, nfswap's backend = "cephfs", Ganesha's Ceph
#                      FSAL): tests/system/swap_vm_ceph.sh runs boot 1 so
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/vm.sh"
. "$(dirname "$0")/../lib/ganesha.sh"
. "$(dirname "$0")/../lib/ceph.sh"
B=${NFSWAP_BUILD:-build}
case $B in /*) ;; *) B=$PWD/$B ;; esac
NFSWAP=$B/nfswap
WHAT="thin client swapping over NFS in a VM"
CEPHFS=
[ "${SWAP_VM_BACKEND:-}" = cephfs ] && CEPHFS=1 WHAT="thin client swapping onto CephFS through Ganesha, in a VM"
HERE=$(cd "$(dirname "$0")/.." && pwd)

if [ "${NFSWAP_IN_NS:-}" != 1 ]; then
	[ -n "$CEPHFS" ] && ceph_need "$WHAT"
	if [ -n "$CEPHFS" ] && [ ! -x "$B/tests/cephdir" ]; then
		skip "$WHAT" "nfswap was built without libcephfs (CEPHFS=0)"; tap_done; exit 0
	fi
	case $B in */san)
		skip "$WHAT" "runs the static build only: a sanitizer build is not a static binary for the guest, and the host tests run it"
		tap_done; exit ;;
	esac
	vm_need "$WHAT"
	vm_need_net "$WHAT"
	for c in losetup mkfs.ext4 jq; do
		command -v $c >/dev/null || { skip "$WHAT" "$c is not installed (make deps)"; tap_done; exit; }
	done
	[ -x "$B/nfswapd" ] || { ok "$B/nfswapd is built" false; tap_done; exit 1; }
	vm_fetch "$WHAT"		# the archive is not reachable from inside
fi
ganesha_enter "$@"

# --- inside the namespace: the server ----------------------------------------
if [ -n "$CEPHFS" ]; then
	ok "a single-node Ceph cluster with CephFS comes up" ceph_start || { tap_done; exit 1; }
	"$B/tests/cephdir" "$CEPH_CONF" mkdir /nfswap 755 &&
	c fs authorize cephfs client.nfswap /nfswap rwp >"$CEPH_DIR/etc/ceph.client.nfswap.keyring" &&
	c fs authorize cephfs client.ganesha /nfswap rw >"$CEPH_DIR/etc/ceph.client.ganesha.keyring"
	ok "cephx users for nfswap and Ganesha, limited to /nfswap" \
	    grep -q '^\[client.ganesha\]' "$CEPH_DIR/etc/ceph.client.ganesha.keyring"
	cat >"$T/nfswap.conf" <<CONF
export_root = "$T/unused";
state_dir = "$T/state";
backend = "cephfs";
cephfs = { conf = "$CEPH_CONF"; user = "nfswap"; root = "/nfswap"; };
ganesha = { exports_file = "$T/nfswap.ganesha"; pid_file = "/run/ganesha.pid"; };
CONF
	GANESHA_EXTRA="CEPH { Ceph_Conf = \"$CEPH_CONF\"; }
MDCACHE { Dir_Chunk = 0; }"
	EXPORT=/nfswap/pc1
	server_files() { "$B/tests/cephdir" "$CEPH_CONF" ls /nfswap/pc1 | grep -c nfswap; }
else
	ganesha_export_root 768M || { ok "an ext4 export root" false; tap_done; exit 1; }
	EXPORT=$T/export/pc1
	server_files() { ls "$T/export/pc1" | grep -c nfswap; }
fi
ok "the guest's network: $VM_TAPDEV, the guest $VM_GUEST, this side $VM_HOST" vm_net
ok "nfswap add pc1 --host $VM_GUEST (the guest's own address)" n add pc1 --host $VM_GUEST --quota 1G
ok "nfswap exports --format ganesha" n exports --format ganesha
ok "... pc1's export takes only reserved source ports" \
    sh -c "sed -n '/^# client pc1\$/,/^}/p' '$T/nfswap.ganesha' | grep -qx '	PrivilegedPort = true;'"
ok "ganesha.nfsd serves the export" ganesha_start "$T/nfswap.ganesha"

# --- the thin client ----------------------------------------------------------
vm_kernel "$WHAT"
r=$T/root
vm_root "$r"
vm_modules "$r" virtio_pci virtio_net nfsv3 nfs sunrpc
cp "$B/nfswapd" "$r/bin/nfswapd"
cc -static -O2 -o "$r/bin/hog" "$HERE/system/guest/hog.c"
mkdir -p "$r/etc/nfswap"
floor=${SWAP_VM_WSIZE:-}
# With the default configuration, Linux >= 5.19 gets the safe floor.
[ -z "$floor" ] && echo 65536 >"$r/etc/expect-floor"
cat >"$r/etc/nfswap/nfswapd.conf" <<CONF
server = "10.0.2.2";
export = "$EXPORT";
nfs = { port = $NFS_PORT; mountport = $MNT_PORT;${floor:+ min_swap_wsize = $floor;} };
# Short timers for the test; the rest of the policy is the default.
policy = { cooldown = 15; drain_interval = 2; peak_hold = 15;
  max_swapsize = "128M"; };
CONF
# Boot 4: no server or export, only the provisioning service's address.
# libtirpc finds rpcbind through /etc/netconfig, as the initramfs hooks
# install it.
cp /etc/netconfig "$r/etc/netconfig"
cat >"$r/etc/nfswap/prov.conf" <<CONF
provisioner = "10.0.2.2";
nfs = { port = $NFS_PORT; mountport = $MNT_PORT;${floor:+ min_swap_wsize = $floor;} };
policy = { cooldown = 15; drain_interval = 2; peak_hold = 15;
  max_swapsize = "128M"; };
CONF
cat >"$r/init" <<'INIT'
#!/bin/sh
# scenario=1: grow under pressure, verify, shrink to nothing.
# scenario=2: the same while the server is killed and restarted; the agent
#             is stopped with its swap active, so files stay on the export.
# scenario=3: a new boot finds those files and reinstates them at once.
# scenario=4: as 1, knowing only the provisioner (LOOKUP, ALLOCATE).
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
mkdir -p /run /tmp
mount -t tmpfs -o size=8m,mode=0755 run /run	# as initramfs-tools does
sc=$(sed 's/.*scenario=\([0-9]\).*/\1/' /proc/cmdline)
rate=$(sed -n 's/.*hograte=\([0-9.]*\).*/\1/p' /proc/cmdline)
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
	for i in $(seq 150); do grep -q nfswap /proc/swaps || break; sleep 1; done
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
nfswapd -d -v -c $conf -p /run/nfswapd.pid 2>/run/nfswapd.log &
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
	for a in sh cat grep ls kill sleep seq sed sync poweroff tail head wc tr; do ln -s busybox /newroot/bin/$a; done
	mkdir -p /newroot/lib
	cp /init2 /newroot/init2; cp /lib/t.sh /newroot/lib/t.sh
	echo "$(cat /run/nfswapd.pid) $n" >/newroot/carry
	for m in proc sys dev run; do mount --move /$m /newroot/$m; done
	exec switch_root /newroot /init2
else
	D="it mounted with the agent's options" t sh -c 'grep " /run/nfswap nfs" /proc/mounts'
	[ "$sc" = 1 ] && D="its NFS connection is from a reserved port, as the export requires" t resvport
	if [ -s /etc/expect-floor ]; then
		D="it raised rsize/wsize to $(cat /etc/expect-floor) for swap, and said why" t sh -c "grep -q 'raising rsize/wsize from 2048/2048 to $(cat /etc/expect-floor)' /run/nfswapd.log && grep ' /run/nfswap nfs' /proc/mounts | grep -q 'wsize=$(cat /etc/expect-floor)'"
	fi
	# Each second: files in use, and the memory figures an OOM kill is
	# explained by (printed if a check of this boot fails).
	( while :; do
		grep -c nfswap /proc/swaps >>/tmp/files
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
	if [ "$sc" = 2 ]; then
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
	D="swap grew through the agent (files in /proc/swaps)" t sh -c '[ "$(sort -n /tmp/files | tail -1)" -ge 1 ]'
	D="the agent went hungry after growing" t grep -q -- '-> hungry' /run/nfswapd.log
	D="no process was OOM-killed" t sh -c '! dmesg | grep -qi "out of memory\|oom-kill" || { dmesg | grep -iE "invoked oom-killer|Free swap|Total swap|Out of memory|Node 0 active_anon" | head -8; false; }'
	if [ "$sc" = 2 ]; then
		# A failed swap write keeps the page (it is written again); the
		# outage may cause some.  A failed read loses one: never.
		D="no swap read error in the kernel log (no page lost)" t sh -c '! dmesg | grep -q "Read error .*dio swapfile\|Read-error on swap-device"'
		w=$(dmesg | grep -c "Write error .*dio swapfile")
		D="the agent saw each of the kernel's $w swap write errors, and no page as lost" t sh -c "grep -q '\"io_errors\":false,\"swap_write_errors\":$w,\"swap_read_errors\":0,' /run/nfswapd/status.json"
		echo "# swap write errors in the kernel log (pages kept, written again): $w"
	else
		D="no swap I/O error in the kernel log" t sh -c '! dmesg | grep -q "dio swapfile\|rror on swap-device"'
	fi
	if [ "$sc" = 4 ]; then
		D="it learnt its export from nfswap serve (LOOKUP)" t grep -q "provisioner 10.0.2.2: this is client pc1" /run/nfswapd.log
		D="every file was written by the server (ALLOCATE), none over NFS" t sh -c 'grep -q "added nfswap" /run/nfswapd.log && ! grep -q "over NFS instead" /run/nfswapd.log'
	fi
	echo "# files in /proc/swaps each second: $(tr '\n' ' ' </tmp/files)"
	tail -1 /tmp/hog.out | sed 's/^/# /'
	if [ "$failed" ]; then
		echo "# memory each second (MiB), uptime first:"
		sed 's/^/# tl /' /tmp/tl
		grep -E "added|removed|->|error" /run/nfswapd.log | sed 's/^/# nfswapd: /'
		dmesg | grep -iE "invoked oom-killer|Free swap|Total swap|active_anon|Out of memory" | head -12 | sed 's/^/# dmesg: /'
	fi
fi
if [ "$sc" = 2 ]; then
	D="nfswapd is still running after the server came back" t kill -0 $(cat /run/nfswapd.pid)
	kill $(cat /run/nfswapd.pid)
	for i in $(seq 20); do kill -0 $(cat /run/nfswapd.pid) 2>/dev/null || break; sleep 1; done
	D="stopped, it left its swap active" t grep -q nfswap /proc/swaps
else
	shrunk
fi
finish
INIT
chmod +x "$r/init"
cat >"$r/lib/t.sh" <<'TSH'
# The guest's TAP helpers, for /init and, after switch_root, /init2.
failed=
t() { n=$((n+1)); if "$@" >/tmp/o 2>&1; then echo "ok $n - boot $sc: $D"; else failed=1; echo "not ok $n - boot $sc: $D"; sed 's/^/# /' /tmp/o | tail -20; fi; }
# The local port of the kernel's connection to the NFS server (port 2049,
# 0801 in /proc/net/tcp), below 1024.
resvport() {
	p=$(awk '$3 ~ /:0801$/ && $4 == "01" { split($2, a, ":"); print a[2]; exit }' /proc/net/tcp)
	echo "local port: ${p:+$((0x$p))}"
	[ -n "$p" ] && [ $((0x$p)) -lt 1024 ]
}
shrunk() {
	for i in $(seq 120); do grep -q nfswap /proc/swaps || break; sleep 1; done
	D="then the agent shrank the swap to nothing" t sh -c '! grep -q nfswap /proc/swaps'
	D="and removed its files" t sh -c '! ls /run/nfswap | grep -q nfswap'
	D="nfswapd is still running" t kill -0 $(cat /run/nfswapd.pid)
	kill $(cat /run/nfswapd.pid); sleep 1
}
finish() {
	grep -E "added|removed|reinstated|->|mounted|raising|error|following|provisioner" /run/nfswapd.log | head -30 | sed 's/^/# nfswapd: /'
	echo "guest-done $n"
	sync
	poweroff -f
}
TSH
cat >"$r/init2" <<'INIT2'
#!/bin/sh
# Boot 3, in the new root: the agent from the initramfs runs on.
. /lib/t.sh
read pid n </carry
sc=3
D="after switch_root, the nfswapd started in the initramfs (pid $pid) runs on" t sh -c "[ \"\$(cat /run/nfswapd.pid)\" = $pid ] && kill -0 $pid"
D="... named @nfswapd, which systemd leaves running at switch-root and shutdown" t sh -c "head -c 1 /proc/$pid/cmdline | grep -q @"
for i in $(seq 10); do grep -q "following it" /run/nfswapd.log && break; sleep 1; done
D="it followed the system into its new root" t grep -q "switched to its real root; following it" /run/nfswapd.log
shrunk
finish
INIT2
chmod +x "$r/init2"
vm_pack "$r" "$T/initrd.gz"

boot() {	# SCENARIO SECONDS: in the background; $qpid
	vm_boot "$2" "$T/serial$1.log" -m 256 -smp 1 -initrd "$T/initrd.gz" \
	    -append "console=ttyS0 quiet panic=-1 rdinit=/init scenario=$1 ${SWAP_VM_APPEND:-}" \
	    "${VM_NIC[@]}" &
	qpid=$!
}
finish() {	# SCENARIO CHECKS
	wait $qpid
	local rc=$?
	vm_tap "$T/serial$1.log"
	grep -q "guest-done $2" "$T/serial$1.log.txt"
	is "boot $1: the guest ran its $2 checks and powered off (qemu exit $rc)" $? 0
	[ $tap_failed -gt 0 ] && tail -40 "$T/serial$1.log.txt" | sed "s/^/# serial $1: /"
}

if [ -n "${SWAP_VM_DEMO:-}" ]; then
	. "$HERE/../scripts/demo-render.sh"
	demo_run
	exit $?
fi

# Boot 4 (after boot 3): the agent knows only the provisioning service; it
# finds its export with LOOKUP and grows through ALLOCATE.
# The service is started as nfswap-serve.service starts it (its capability
# bounding set, no new privileges), and splits itself as it does there.
run_boot4() {
	local net
	setpriv --bounding-set=-all,+setuid,+setgid,+sys_chroot,+setpcap,+net_bind_service \
	    --no-new-privs "$NFSWAP" -c "$T/nfswap.conf" serve -d 2>"$T/serve.log" &
	spid=$!
	at_exit 'kill $spid 2>/dev/null; wait $spid 2>/dev/null'
	for _ in $(seq 50); do grep -q "serving program" "$T/serve.log" && break; sleep 0.1; done
	ok "boot 4: nfswap serve runs next to Ganesha" grep -q "registered with rpcbind" "$T/serve.log"
	net=$(sed -n 's/.*network side: pid \([0-9]*\) .*/\1/p' "$T/serve.log" | head -1)
	is "boot 4: ... privilege-separated: its network side as serve.user, no capabilities, chrooted" \
	    "$(awk '$1 == "Uid:" { print $2 } $1 == "CapEff:" || $1 == "CapBnd:" { print $2 }' "/proc/${net:-0}/status" 2>/dev/null | tr '\n' ' ')$(readlink "/proc/${net:-0}/root")" \
	    "$SERVE_UID 0000000000000000 0000000000000000 $T/serve-root"
	is "boot 4: ... its monitor keeps CAP_SETUID and CAP_SETGID only" \
	    "$(awk '$1 == "CapEff:" { print $2 }' "/proc/$spid/status")" "00000000000000c0"
	boot 4 600
	finish 4 $([ -z "$floor" ] && echo 14 || echo 13)
	ok "boot 4: the service wrote the files it was asked for" grep -q "pc1: allocated nfswap" "$T/serve.log"
	is "boot 4: on the server, no swap file left in the export" "$(server_files)" 0
	kill $spid; wait $spid
}

run_boot1() {
	boot 1 600
	finish 1 $([ -z "$floor" ] && echo 13 || echo 12)
	is "boot 1: on the server, no swap file left in the export" "$(server_files)" 0
	is "boot 1: Ganesha refused no request for its source port" \
	    "$(grep -c 'Non-reserved Port' "$T/ganesha.log")" 0
}

# Boot 2: the server crashes while the guest is swapping, and comes back.
run_boot2() {
	local used files
	boot 2 600
	for _ in $(seq 3000); do
		grep -q "MARK swapping" "$T/serial2.log" 2>/dev/null && break
		kill -0 $qpid 2>/dev/null || break
		sleep 0.1
	done
	used=$(tr -d '\r' <"$T/serial2.log" | sed -n 's/.*MARK swapping used_kb=\([0-9]*\).*/\1/p' | head -1)
	ok "boot 2: the server is killed as the hog, ${used:-?} KiB of it in swap, starts to read it back" \
	    test "${used:-0}" -gt 0
	ganesha_kill
	sleep 5
	ok "boot 2: the server restarts 5 s later" ganesha_run
	finish 2 $([ -z "$floor" ] && echo 12 || echo 11)
	files=$(server_files)
	ok "boot 2: its swap files stay on the export ($files)" test "$files" -ge 1
}

# Boot 3: a fresh boot reinstates them before any memory pressure, then
# switches root as a distribution's initramfs does; the agent follows.
run_boot3() {
	boot 3 300
	finish 3 9
	is "boot 3: on the server, no swap file left in the export" "$(server_files)" 0
}

case ${SWAP_VM_ONLY:-} in	# one boot alone, for experiments (3 needs 2)
"") run_boot1; run_boot2; run_boot3; run_boot4 ;;
1|2|4) run_boot${SWAP_VM_ONLY} ;;
3) run_boot2; run_boot3 ;;
*) ok "SWAP_VM_ONLY is 1, 2, 3 or 4" false ;;
esac
tap_done
