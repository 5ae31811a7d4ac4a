#!/bin/bash
# tests/system/quota_vm.sh -- project quotas proven on Debian 12's own kernel:
# the host kernel here has no quota formats, so a Debian kernel boots in
# QEMU (TCG) with a tiny busybox initramfs, an ext4 disk made on the host
# with -O quota,project, and the nfswap binary.  In the guest nfswap adds a
# client with quota_enforce = "project" and a 1M quota; a write of 2M as
# the client's uid must fail with EDQUOT, and succeed after "nfswap quota"
# raises the limit.  A third client gets an inode limit of 8 (issue 17,
# finding 5): files past it fail with EDQUOT while the byte limit still
# holds, show reads usage from the quota (O(1), no walk) and audit finds
# the limits on disk as recorded.  Then nfswapd (held to quotas: it drops
# CAP_SYS_RESOURCE) swaps into a second client's directory with a 3M quota:
# when the quota leaves too little for a file, the agent begins none, goes
# on a diet and runs on; when "nfswap quota" gives it room it grows again.  The guest prints TAP lines on its serial console.
# The kernel package is cached in $NFSWAP_CACHE (default
# /var/cache/nfswap-tests), outside the work tree.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/vm.sh"
NFSWAP=${NFSWAP:-build/nfswap}
G=$(cd "$(dirname "$0")" && pwd)/guest	# what runs in the guest

vm_need "quota in a VM"
command -v mkfs.ext4 >/dev/null || { skip "quota in a VM" "mkfs.ext4 is not installed"; tap_done; exit; }
vm_kernel "quota in a VM"

# ---- the initramfs ---------------------------------------------------------
r="$T/root"
vm_root "$r"
cc -static -O2 -o "$r/bin/asuid" "$G/asuid.c"
vm_binary "$r" "$NFSWAP" nfswap
vm_binary "$r" "$(dirname "$NFSWAP")/nfswapd" nfswapd
vm_modules "$r" virtio_pci virtio_blk ext4 quota_v2 crc32c_generic
cat >"$r/etc/nfswap.conf" <<'CONF'
export_root = "/mnt/export";
state_dir = "/mnt/state";
quota_enforce = "project";
CONF
install -m 0755 "$G/quota_vm-init.sh" "$r/init"
mkdir -p "$r/lib" && install -m 0644 "$G/says.sh" "$r/lib/says.sh"
vm_pack "$r" "$T/initrd.gz"

truncate -s 64M "$T/disk.img"
mkfs.ext4 -q -F -O quota,project "$T/disk.img"

vm_boot 240 "$T/serial.log" -m 256 -smp 1 -initrd "$T/initrd.gz" \
    -append "console=ttyS0 quiet panic=-1 rdinit=/init" \
    -drive file="$T/disk.img",format=raw,if=virtio -nic none
rc=$?
vm_tap "$T/serial.log"
grep -q "guest-done 31" "$T/serial.log.txt"
is "guest ran all 31 checks and powered off (qemu exit $rc)" $? 0
[ $tap_failed -gt 0 ] && tail -30 "$T/serial.log.txt" | sed 's/^/# serial: /'
tap_done
