#!/bin/bash
# bench/climb-vm.sh -- does swap come fast enough?  A thin client (Debian
# 12's kernel in QEMU, TCG, 256 MiB, one vCPU, vm.overcommit_memory=1)
# runs a memory hog that touches 320 MiB at RATE MiB/s and then verifies
# every page (tests/system/guest/hog.c), against one kind of swap on an
# NFS export that nfswap provisioned and NFS-Ganesha serves (NFSv3, in a
# private network namespace, the guest on a TAP device there: see
# tests/lib/vm.sh and tests/system/swap_vm.sh):
#
#   nfs     nfswapd, its default configuration but for the server, the
#           export and the ports; its files written over the NFS mount
#   alloc   the same, knowing only provisioner = "10.0.2.2": LOOKUP, and
#           files made by ALLOCATE ("nfswap serve", started as the swap_vm
#           test starts it)
#   static  no agent: one 512 MiB swap file, written in full on the server
#           (owned by the export's uid, mkswap'd there), mounted in the
#           guest by busybox mount with the agent's options (agent/mount.c:
#           NFSv3, TCP, hard, timeo=600, rsize=wsize=65536, nolock) and
#           swapped on
#
# The agent's policy is the default but for three timers that only say
# how soon swap is given back: cooldown 20 s, peak_hold 20 s,
# drain_interval 2 s (defaults 600, 1200 and 30 s), so that a boot ends in
# minutes; they do not touch how or when swap grows.
#
# A boot: start (the agent, or the static swapon), 15 s at rest, the hog
# (hog 320 RATE 5: five seconds held before the check), then up to 90 s
# for the swap to fall back to what it was at rest.  A sampler in the
# guest prints SwapTotal, SwapFree and MemAvailable every 0.5 s on the
# console, and this side lists the export beside it.  A hog that
# has not finished 240 s after it started is a stall: the guest dumps
# /proc/meminfo and the agent's log and powers off (QEMU itself is given
# 600 s).  Each boot has a fresh export, Ganesha and service (a namespace
# of its own); the kernel and the initramfs are made once.
#
# "Held" is the swap the variant holds, in MiB: SwapTotal, plus (nfs and
# alloc) every file of the agent's on the export that is not active swap
# -- being written, made and not yet swapped on, swapped off and not yet
# removed.  Measured as the larger of the guest's SwapTotal and the size
# of every file in the client's directory on the server, which this side
# lists every 0.5 s (not the guest: its NFS client caches the directory,
# and would not see ALLOCATE's files for up to a minute).  Each listing
# is paired with the guest's sample it follows (the last on the console
# when it was made, at most 0.5 s before): one listing counts a file once
# as it is swapped on, and SwapTotal covers a listing that lags.
#
#   bench/climb-vm.sh VARIANT RATE [BOOTS]    (as root; NFSWAP_BUILD=build;
#                                              NFSWAP_VM_KERNEL=6.12: that
#                                              kernel; RATE: MiB/s or full)
#   CLIMB_APPEND: more for the guest kernel's command line (experiments:
#   sysctl.vm.min_free_kbytes=16384, say);
#   CLIMB_HOG_MIB, CLIMB_REST_S, CLIMB_AFTER_S, CLIMB_BOUND_S: the figures
#   above (a smoke run makes them small); CLIMB_QUIET_WAIT: how long a
#   boot waits for other QEMU guests to end (3600 s); CLIMB_LOGS=DIR
#   keeps each boot's serial log there, and the listings of the export
#   after it.
#
# Prints, per boot (for bench/climb-sweep.sh and for people):
#   climb variant=V rate=R kernel=KVER boot=N verified=0|1 oom=N werr=N
#     stall=0|1 hog_s=S rest_before=MiB peak=MiB avg=MiB rest_after=MiB
# (avg: the mean held from the hog's start to its end; peak: the most
# held from its start to the last sample), and "# ..." lines with the
# agent's log lines that matter when a boot did not verify cleanly.  Or
# "SKIP why" and exits 0 when the machine cannot boot a guest; exits 1
# when a boot could not be run (not when a hog failed).
set -u
HERE=$(cd "$(dirname "$0")/.." && pwd)
cd "$HERE"
. bench/lib.sh
. tests/lib/vm.sh
. tests/lib/ganesha.sh
usage="usage: bench/climb-vm.sh nfs|alloc|static MIB_PER_S|full [BOOTS]"
V=${1:-} RATE=${2:-} BOOTS=${3:-1}
case $V in nfs|alloc|static) ;; *) echo "$usage" >&2; exit 2 ;; esac
case $RATE in full) HOGRATE=0 ;; [1-9]|[1-9][0-9]|[1-9][0-9][0-9]) HOGRATE=$RATE ;;
*) echo "$usage" >&2; exit 2 ;; esac
case $BOOTS in [1-9]|[1-9][0-9]) ;; *) echo "$usage" >&2; exit 2 ;; esac
HOG_MIB=${CLIMB_HOG_MIB:-320} REST_S=${CLIMB_REST_S:-15}
AFTER_S=${CLIMB_AFTER_S:-90} BOUND_S=${CLIMB_BOUND_S:-240}
WHAT="the climb sweep in a VM"

# ---- once: checks, the kernel and the initramfs; then a boot at a time ----
if [ "${NFSWAP_IN_NS:-}" != 1 ] && [ -z "${CLIMB_INITRD:-}" ]; then
	for f in "$NFSWAP" "$B/nfswapd"; do
		[ -x "$f" ] || { echo "bench: $f is not built" >&2; exit 1; }
	done
	vm_need "$WHAT"
	vm_need_net "$WHAT"
	vm_fetch "$WHAT"
	vm_kernel "$WHAT" >/dev/null
	r=$T/root
	vm_root "$r"
	vm_modules "$r" virtio_pci virtio_net nfsv3 nfs sunrpc >/dev/null
	cp "$B/nfswapd" "$r/bin/nfswapd"
	cp /etc/netconfig "$r/etc/netconfig"	# libtirpc finds rpcbind by it
	cc -static -O2 -o "$r/bin/hog" tests/system/guest/hog.c ||
	    { echo "bench: cannot build the hog" >&2; exit 1; }
	install -m 0755 bench/climb-guest.sh "$r/init"
	vm_pack "$r" "$T/initrd.gz"
	# Guests timed against real time: one at a time on this machine.
	# Climbs take turns by a lock in the kernel cache (two sweeps that
	# both saw the machine quiet started together); each boot then waits
	# (CLIMB_QUIET_WAIT s, an hour) for other guests to end, and says if
	# one ran beside it all the same.  CLIMB_QUIET_WAIT=0: neither.
	quiet=${CLIMB_QUIET_WAIT:-3600}
	guests() { pgrep -c -x qemu-system-x86 || true; }
	exec {turn}>"$VM_CACHE/.climb-lock"
	failed=0
	for n in $(seq "$BOOTS"); do
		[ "$quiet" = 0 ] || flock "$turn"
		for _ in $(seq $((quiet / 5))); do
			[ "$(guests)" = 0 ] && break
			sleep 5
		done
		rm -f "$T/beside"
		( while :; do [ "$(guests)" -gt 1 ] && : >"$T/beside"; sleep 5; done ) &
		watcher=$!
		CLIMB_INITRD=$T/initrd.gz CLIMB_KERNEL=$KERNEL CLIMB_KVER=$KVER \
		    CLIMB_BOOT=$n "$BASH" "$0" "$V" "$RATE" >"$T/boot.out"
		rc=$?
		kill $watcher; wait $watcher 2>/dev/null
		flock -u "$turn"
		cat "$T/boot.out"
		[ -e "$T/beside" ] && echo "# boot $n ($V $RATE): another QEMU guest ran beside it on this machine"
		grep -q '^SKIP' "$T/boot.out" && exit 0
		[ $rc = 0 ] || failed=1
	done
	exit $failed
fi
ganesha_enter "$@"

# ---- one boot, in a namespace of its own ------------------------------------
KERNEL=$CLIMB_KERNEL KVER=$CLIMB_KVER
# Room for the agent's largest (max_swapsize, 1 GiB) beside what it holds.
ganesha_export_root 1536M >/dev/null || { echo "bench: no export root" >&2; exit 1; }
vm_net || { echo "bench: cannot make the guest's TAP device" >&2; exit 1; }
n add pc1 --host $VM_GUEST --quota 1280M >/dev/null || exit 1
n exports --format ganesha >/dev/null || exit 1
EXPORT=$T/export/pc1
if [ "$V" = static ]; then
	f=$EXPORT/swapfile
	if ! { dd if=/dev/zero of="$f" bs=1M count=512 conv=fsync status=none &&
	    chmod 600 "$f" && mkswap "$f" >/dev/null &&
	    chown "$(stat -c %u:%g "$EXPORT")" "$f"; }; then
		echo "bench: cannot make $f" >&2; exit 1
	fi
fi
ganesha_start "$T/nfswap.ganesha" || { echo "bench: ganesha did not start" >&2; exit 1; }
if [ "$V" = alloc ]; then
	setpriv --bounding-set=-all,+setuid,+setgid,+sys_chroot,+setpcap,+net_bind_service \
	    --no-new-privs "$NFSWAP" -c "$T/nfswap.conf" serve -d 2>"$T/serve.log" &
	spid=$!
	fx_pid $spid
	for _ in $(seq 50); do grep -q "serving program" "$T/serve.log" && break; sleep 0.1; done
	grep -q "serving program" "$T/serve.log" ||
	    { echo "bench: nfswap serve did not start:" >&2; tail -5 "$T/serve.log" >&2; exit 1; }
fi

# The export, listed beside the guest: "F UP KIB", UP the guest's last
# sample when the listing was made.
( while :; do
	u=$(tail -c 4096 "$T/serial.log" 2>/dev/null | tr -d '\r' | grep -a '^S ' | tail -1 | cut -d' ' -f2)
	find "$EXPORT" -type f -printf '%s\n' | awk -v u="${u:-0}" '{ s += $1 }
	    END { printf "F %s %d\n", u, s / 1024 }'
	sleep 0.5
  done >"$T/files.log" ) &
lister=$!
fx_pid $lister
vm_boot 600 "$T/serial.log" -m 256 -smp 1 -initrd "$CLIMB_INITRD" \
    -append "console=ttyS0 quiet panic=-1 rdinit=/init climb=$V rate=$HOGRATE export=$EXPORT hogmib=$HOG_MIB rest=$REST_S bound=$BOUND_S after=$AFTER_S nfsport=$NFS_PORT mntport=$MNT_PORT${CLIMB_APPEND:+ $CLIMB_APPEND}" \
    "${VM_NIC[@]}"
qrc=$?
kill $lister
tr -d '\r' <"$T/serial.log" >"$T/serial.txt"
[ -n "${CLIMB_LOGS:-}" ] && mkdir -p "$CLIMB_LOGS" &&
    cat "$T/serial.txt" "$T/files.log" >"$CLIMB_LOGS/$V-$RATE-${KVER}-$CLIMB_BOOT.log"

# ---- what the guest measured -------------------------------------------------
mark() { sed -n "s/^MARK $1 //p" "$T/serial.txt" | head -1; }
done_line=$(sed -n 's/^CLIMB-DONE //p' "$T/serial.txt" | head -1)
if [ -z "$done_line" ] && [ -z "$(mark hog-start)" ]; then
	echo "bench: boot $CLIMB_BOOT ($V $RATE) never reached the climb (qemu exit $qrc):" >&2
	grep -E "^(M|A) |rror|Oops|panic" "$T/serial.txt" | tail -20 >&2
	exit 1
fi
read -r oom werr rerr <<<"$done_line"
# A guest that never ended told the console what the kernel said there:
# the OOM killer's and the swap I/O errors' own lines are errors.
[ -n "$oom" ] || oom=$(grep -c "Out of memory: Killed process" "$T/serial.txt")
[ -n "$werr" ] || werr=$(grep -c "Write error .*dio swapfile\|Write-error on swap-device" "$T/serial.txt")
[ -n "$rerr" ] || rerr=$(grep -c "Read error .*dio swapfile\|Read-error on swap-device" "$T/serial.txt")
stall=0
# No end from the guest at all: QEMU's own timeout ended a hung guest.
[ -n "$(mark stall)" ] || [ -z "$done_line" ] && stall=1
read -r hog_end hog_rc <<<"$(mark hog-end)"
verified=0
[ "$hog_rc" = 0 ] && grep -q "^HOG hog: verified $HOG_MIB MiB, 0 bad words" "$T/serial.txt" && verified=1
# Held at each sample: its SwapTotal, or the first listing made after it
# when that is more.
awk -v F="$T/files.log" -v s="$(mark hog-start)" -v e="$hog_end" \
    -v rb="$(mark rest-before)" -v ra="$(mark rest-after)" '
	function mib(k) { return k == "" ? "-" : sprintf("%.0f", k / 1024) }
	FILENAME == F { ft[nf] = $2; fk[nf++] = $3; next }
	$1 == "S" { while (j < nf && ft[j] < $2) j++
		h = j < nf && fk[j] > $3 ? fk[j] : $3 }
	$1 == "S" && $2 <= rb { before = h }
	$1 == "S" && ra != "" && $2 <= ra { after = h }
	$1 == "S" && $2 >= s { if (np++ == 0 || h > peak) peak = h
		if (e == "" || $2 <= e) { sum += h; n++ } }
	END { printf "hog_s=%s rest_before=%s peak=%s avg=%s rest_after=%s\n",
	    e == "" ? "-" : sprintf("%.1f", e - s), mib(before), mib(peak),
	    n ? mib(sum / n) : "-", mib(after) }' "$T/files.log" "$T/serial.txt" >"$T/figures"
echo "climb variant=$V rate=$RATE kernel=$KVER boot=$CLIMB_BOOT verified=$verified oom=$oom werr=$werr stall=$stall $(cat "$T/figures")"
if [ $verified = 0 ] || [ "$oom" != 0 ] || [ "$werr" != 0 ] || [ $stall = 1 ]; then
	[ "$rerr" = 0 ] || echo "# swap read errors: $rerr"
	grep "^HOG " "$T/serial.txt" | tail -2 | sed 's/^HOG /# /'
	grep "^A " "$T/serial.txt" | sed 's/^A /# nfswapd: /'
	grep -E "^(M|D) " "$T/serial.txt" | sed 's/^/# /'
fi
exit 0
