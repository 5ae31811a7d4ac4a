#!/bin/bash
# bench/grow-vm.sh -- time to grow swap by SIZE MiB inside a thin client:
# Debian 12's kernel in QEMU (as tests/system/swap_vm.sh boots it), its
# export mounted by the agent's own mount code with rsize/wsize=2048 taken
# literally, against NFS-Ganesha and "nfswap serve" in a private network
# namespace, the guest on a TAP device there (its own address, 10.0.2.15,
# and its kernel's reserved port, which the export requires: see
# tests/lib/vm.sh).  The guest runs nfswap-growvm (bench/growvm.c): the agent
# writes a file over the mount, then asks ALLOCATE for another; each is
# timed until swapon returns.
#
#   bench/grow-vm.sh [SIZE_MIB]   (as root; NFSWAP_BUILD=build)
#
# Prints "grow_nfs SECONDS" and "grow_alloc SECONDS" (for bench/run.sh),
# or "SKIP why" and exits 0 when the machine cannot boot the guest.
set -u
HERE=$(cd "$(dirname "$0")/.." && pwd)
cd "$HERE"
. bench/lib.sh
. tests/lib/vm.sh
. tests/lib/ganesha.sh
SIZE_MIB=${1:-256}

if [ "${NFSWAP_IN_NS:-}" != 1 ]; then
	for f in "$NFSWAP" "$B/nfswap-growvm"; do
		[ -x "$f" ] || { echo "bench: $f is not built" >&2; exit 1; }
	done
	vm_need "time to grow in a VM"
	vm_need_net "time to grow in a VM"
	vm_fetch "time to grow in a VM"
fi
ganesha_enter "$@"

ganesha_export_root $((SIZE_MIB * 2 + 64))M >/dev/null || exit 1
vm_net || { echo "bench: cannot make the guest's TAP device" >&2; exit 1; }
n add pc1 --host $VM_GUEST --quota $((SIZE_MIB * 2 + 16))M >/dev/null || exit 1
n exports --format ganesha >/dev/null || exit 1
ganesha_start "$T/nfswap.ganesha" || { echo "bench: ganesha did not start" >&2; exit 1; }
"$NFSWAP" -c "$T/nfswap.conf" serve -d 2>"$T/serve.log" &
spid=$!
at_exit 'kill $spid 2>/dev/null; wait $spid 2>/dev/null'
for _ in $(seq 50); do grep -q "serving program" "$T/serve.log" && break; sleep 0.1; done

vm_kernel "time to grow in a VM" >/dev/null
r=$T/root
vm_root "$r"
vm_modules "$r" virtio_pci virtio_net nfsv3 nfs sunrpc >/dev/null
cp "$B/nfswap-growvm" "$r/bin/nfswap-growvm"
cp /etc/netconfig "$r/etc/netconfig"
mkdir -p "$r/etc/nfswap"
cat >"$r/etc/nfswap/nfswapd.conf" <<CONF
server = "10.0.2.2";
export = "$T/export/pc1";
provisioner = "10.0.2.2";
nfs = { port = $NFS_PORT; mountport = $MNT_PORT; rsize = 2048; wsize = 2048;
  literal_wsize = true; };
CONF
cat >"$r/init" <<INIT
#!/bin/sh
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in virtio_pci virtio_net nfsv3; do modprobe \$m; done
ip link set lo up; ip link set eth0 up
ip addr add 10.0.2.15/24 dev eth0; ip route add default via 10.0.2.2
nfswap-growvm /etc/nfswap/nfswapd.conf $SIZE_MIB 2>&1 | sed 's/^/GROW /'
echo GROW-DONE
poweroff -f
INIT
chmod +x "$r/init"
vm_pack "$r" "$T/initrd.gz"
vm_boot 900 "$T/serial.log" -m 512 -smp 1 -initrd "$T/initrd.gz" \
    -append "console=ttyS0 quiet panic=-1 rdinit=/init" \
    "${VM_NIC[@]}"
tr -d '\r' <"$T/serial.log" >"$T/serial.txt"
nfs=$(sed -n 's/^GROW nfs \([0-9.]*\)$/\1/p' "$T/serial.txt")
alloc=$(sed -n 's/^GROW alloc \([0-9.]*\)$/\1/p' "$T/serial.txt")
if [ -z "$nfs" ] || [ -z "$alloc" ]; then
	echo "bench: the guest did not grow both ways; its log:" >&2
	grep -E "GROW|error|Error|Oops" "$T/serial.txt" | tail -20 >&2
	exit 1
fi
grep "^GROW" "$T/serial.txt" | grep -v -e "^GROW nfs " -e "^GROW alloc " | sed "s/^GROW /# /"
grep "allocated" "$T/serve.log" | sed "s/^/# /"
echo "guest_kernel $KVER"
echo "grow_nfs $nfs"
echo "grow_alloc $alloc"
