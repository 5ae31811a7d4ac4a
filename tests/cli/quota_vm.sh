#!/bin/bash
# tests/cli/quota_vm.sh -- project quotas proven on Debian 12's own kernel:
# the host kernel here has no quota formats, so a Debian kernel boots in
# QEMU (TCG) with a tiny busybox initramfs, an ext4 disk made on the host
# with -O quota,project, and the nfswap binary.  In the guest nfswap adds a
# client with quota_enforce = "project" and a 1M quota; a write of 2M as
# the client's uid must fail with EDQUOT, and succeed after "nfswap quota"
# raises the limit.  The guest prints TAP lines on its serial console.
# The kernel package is cached in $NFSWAP_CACHE (default
# /var/cache/nfswap-tests), outside the work tree.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/vm.sh"
NFSWAP=${NFSWAP:-build/nfswap}

vm_need "quota in a VM"
command -v mkfs.ext4 >/dev/null || { skip "quota in a VM" "mkfs.ext4 is not installed"; tap_done; exit; }
vm_kernel "quota in a VM"

# ---- the initramfs ---------------------------------------------------------
r="$T/root"
vm_root "$r"
cc -static -O2 -o "$r/bin/asuid" "$(dirname "$0")/../vm/asuid.c"
vm_binary "$r" "$NFSWAP" nfswap
vm_modules "$r" virtio_pci virtio_blk ext4 quota_v2 crc32c_generic
cat >"$r/etc/nfswap.conf" <<'CONF'
export_root = "/mnt/export";
state_dir = "/mnt/state";
quota_enforce = "project";
CONF
cat >"$r/init" <<'INIT'
#!/bin/sh
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in virtio_pci virtio_blk crc32c_generic ext4 quota_v2; do modprobe $m; done
n=0
echo	# the console's escape sequences end the line before the first result
t() { n=$((n+1)); if "$@" >/tmp/o 2>&1; then echo "ok $n - $D"; else echo "not ok $n - $D"; sed 's/^/# /' /tmp/o; fi; }
f() { n=$((n+1)); if "$@" >/tmp/o 2>&1; then echo "not ok $n - $D"; else echo "ok $n - $D"; fi; sed 's/^/# /' /tmp/o; }
D="guest: mount ext4 with prjquota" t mount -o prjquota /dev/vda /mnt
N="nfswap -c /etc/nfswap.conf"
D="guest: nfswap add c1 --quota 1M (quota_enforce=project)" t $N add c1 --host 10.0.2.15 --quota 1M
uid=$($N show c1 --json | sed 's/.*"uid": \([0-9]*\).*/\1/')
D="guest: the client's uid is known" t test -n "$uid"
D="guest: 2M written as the client's uid is refused" f asuid $uid /bin/dd if=/dev/zero of=/mnt/export/c1/big bs=64k count=32 conv=fsync
cp /tmp/o /tmp/dd.out
D="guest: refused with EDQUOT" t grep -q "quota exceeded" /tmp/dd.out
rm -f /mnt/export/c1/big
D="guest: nfswap quota c1 4M" t $N quota c1 4M
D="guest: 2M as the client's uid now fits" t asuid $uid /bin/dd if=/dev/zero of=/mnt/export/c1/big bs=64k count=32 conv=fsync
D="guest: another uid is not the client" f asuid 12345 /bin/dd if=/dev/zero of=/mnt/export/c1/x bs=1k count=1
D="guest: remove --purge" t $N remove c1 --purge
echo "guest-done $n"
umount /mnt; sync
poweroff -f
INIT
chmod +x "$r/init"
vm_pack "$r" "$T/initrd.gz"

truncate -s 64M "$T/disk.img"
mkfs.ext4 -q -F -O quota,project "$T/disk.img"

vm_boot 240 "$T/serial.log" -m 256 -smp 1 -initrd "$T/initrd.gz" \
    -append "console=ttyS0 quiet panic=-1 rdinit=/init" \
    -drive file="$T/disk.img",format=raw,if=virtio -nic none
rc=$?
vm_tap "$T/serial.log"
grep -q "guest-done 9" "$T/serial.log.txt"
is "guest ran all 9 checks and powered off (qemu exit $rc)" $? 0
[ $tap_failed -gt 0 ] && tail -30 "$T/serial.log.txt" | sed 's/^/# serial: /'
tap_done
