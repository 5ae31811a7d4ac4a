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
# through ALLOCATE, the server writing the files.  Boot 5 has the default
# configuration: the standby reserve made at rest, then a hog at full
# speed, which must verify within a bound the guest states (else a stall).
#
#   SWAP_VM_WSIZE=N    mount with this rsize/wsize floor (experiments)
#   SWAP_VM_APPEND=..  more kernel arguments (hograte=N: the hog's MiB/s)
#   SWAP_VM_ONLY=N     only boot N (1, 2, 4 or 5; 3 runs 2 first)
#   SWAP_VM_POLICY5="reserve = 120;"
#                      boot 5 with these policy settings (experiments)
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
G=$HERE/system/guest	# what runs in the guest

if [ "${NFSWAP_IN_NS:-}" != 1 ]; then
	[ -n "$CEPHFS" ] && ceph_need "$WHAT"
	if [ -n "$CEPHFS" ] && [ ! -x "$B/tests/cephdir" ]; then
		skip "$WHAT" "nfswap was built without libcephfs (CEPHFS=0)"; tap_done; exit 0
	fi
	case $B in */san|*-san)
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
cc -static -O2 -o "$r/bin/hog" "$G/hog.c"
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
# Boot 5: the defaults, only where the export is (SWAP_VM_POLICY5, for
# experiments only: policy settings to try instead).
pol5=
[ -n "${SWAP_VM_POLICY5:-}" ] && pol5="policy = { $SWAP_VM_POLICY5 };"
cat >"$r/etc/nfswap/default.conf" <<CONF
server = "10.0.2.2";
export = "$EXPORT";
nfs = { port = $NFS_PORT; mountport = $MNT_PORT;${floor:+ min_swap_wsize = $floor;} };
$pol5
CONF
install -m 0755 "$G/swap_vm-init.sh" "$r/init"
install -m 0644 "$G/swap_vm-lib.sh" "$r/lib/t.sh"
install -m 0644 "$G/says.sh" "$r/lib/says.sh"
install -m 0755 "$G/swap_vm-init2.sh" "$r/init2"
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
	fx_pid $spid
	for _ in $(seq 50); do grep -q "serving program" "$T/serve.log" && break; sleep 0.1; done
	ok "boot 4: nfswap serve runs next to Ganesha" grep -q "registered with rpcbind" "$T/serve.log"
	net=$(sed -n 's/.*network side: pid \([0-9]*\) .*/\1/p' "$T/serve.log" | head -1)
	is "boot 4: ... privilege-separated: its network side as serve.user, no capabilities, chrooted" \
	    "$(awk '$1 == "Uid:" { print $2 } $1 == "CapEff:" || $1 == "CapBnd:" { print $2 }' "/proc/${net:-0}/status" 2>/dev/null | tr '\n' ' ')$(readlink "/proc/${net:-0}/root")" \
	    "$SERVE_UID 0000000000000000 0000000000000000 $T/serve-root"
	is "boot 4: ... its monitor keeps CAP_SETUID and CAP_SETGID only" \
	    "$(awk '$1 == "CapEff:" { print $2 }' "/proc/$spid/status")" "00000000000000c0"
	boot 4 600
	finish 4 $([ -z "$floor" ] && echo 15 || echo 14)
	ok "boot 4: the service wrote the files it was asked for" grep -q "pc1: allocated nfswap" "$T/serve.log"
	is "boot 4: on the server, no swap file left in the export" "$(server_files)" 0
	kill $spid; wait $spid
}

run_boot1() {
	boot 1 600
	finish 1 $([ -z "$floor" ] && echo 14 || echo 13)
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
	finish 3 10
	is "boot 3: on the server, no swap file left in the export" "$(server_files)" 0
}

# Boot 5: the default configuration; the standby reserve made at rest, then
# a hog at full speed (as fast as the guest can touch memory): verified,
# no OOM kill, no swap I/O error, within the bound the guest states.
run_boot5() {
	boot 5 600
	finish 5 $([ -z "$floor" ] && echo 14 || echo 13)
	is "boot 5: on the server, no swap file left in the export" "$(server_files)" 0
}

case ${SWAP_VM_ONLY:-} in	# one boot alone, for experiments (3 needs 2)
"") run_boot1; run_boot2; run_boot3; run_boot4; run_boot5 ;;
1|2|4|5) run_boot${SWAP_VM_ONLY} ;;
3) run_boot2; run_boot3 ;;
*) ok "SWAP_VM_ONLY is 1, 2, 3, 4 or 5" false ;;
esac
tap_done
