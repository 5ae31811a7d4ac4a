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
NFSWAP=${NFSWAP:-build/nfswap}
cache=${NFSWAP_CACHE:-/var/cache/nfswap-tests}

need() { for c in "$@"; do command -v "$c" >/dev/null || { skip "quota in a VM" "$c is not installed (make deps)"; tap_done; exit; }; done; }
need qemu-system-x86_64 mkfs.ext4 dpkg apt-get cc
[ -x /bin/busybox ] && /bin/busybox --list | grep -qx depmod || { skip "quota in a VM" "busybox-static is not installed"; tap_done; exit; }
[ "$(id -u)" = 0 ] || { skip "quota in a VM" "needs root"; tap_done; exit; }

# ---- the kernel: Debian's, fetched once ------------------------------------
mkdir -p "$cache"
pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
[ -n "$pkg" ] || { skip "quota in a VM" "apt cannot resolve linux-image-amd64 (apt-get update?)"; tap_done; exit; }
deb=$(ls "$cache/${pkg}_"*.deb 2>/dev/null | head -1)
if [ -z "$deb" ]; then
	(cd "$cache" && apt-get download -q "$pkg") >"$T/download.log" 2>&1
	deb=$(ls "$cache/${pkg}_"*.deb 2>/dev/null | head -1)
	[ -n "$deb" ] || { skip "quota in a VM" "apt-get download $pkg failed: $(tail -1 "$T/download.log")"; tap_done; exit; }
fi
mkdir -p "$T/k"
dpkg -x "$deb" "$T/k"
kver=$(ls "$T/k/lib/modules")
kernel="$T/k/boot/vmlinuz-$kver"

# ---- the initramfs ---------------------------------------------------------
r="$T/root"
mkdir -p "$r"/{bin,sbin,proc,sys,dev,mnt,etc,lib/modules/$kver,tmp}
cp /bin/busybox "$r/bin/busybox"
for a in $(/bin/busybox --list); do [ -e "$r/bin/$a" ] || ln -s busybox "$r/bin/$a"; done
cc -static -O2 -o "$r/bin/asuid" "$(dirname "$0")/../vm/asuid.c"
cp "$NFSWAP" "$r/bin/nfswap"
for lib in $(ldd "$NFSWAP" | grep -o '/[^ ]*'); do
	mkdir -p "$r$(dirname "$lib")"; cp -L "$lib" "$r$lib"
done
for m in virtio_pci virtio_blk ext4 quota_v2 crc32c_generic; do
	f=$(find "$T/k/lib/modules/$kver" -name "$m.ko*" | head -1)
	[ -n "$f" ] && mkdir -p "$r/lib/modules/$kver/$(dirname "${f#$T/k/lib/modules/$kver/}")" && cp "$f" "$r/lib/modules/$kver/${f#$T/k/lib/modules/$kver/}"
done
# dependencies of those modules, from the kernel's own module tree
/bin/busybox depmod -b "$T/k" "$kver" 2>/dev/null
for m in $(cd "$r/lib/modules/$kver" && find . -name '*.ko*' | sed 's|^\./||'); do
	for dep in $(grep "^$m:" "$T/k/lib/modules/$kver/modules.dep" | cut -d: -f2); do
		mkdir -p "$r/lib/modules/$kver/$(dirname "$dep")"; cp "$T/k/lib/modules/$kver/$dep" "$r/lib/modules/$kver/$dep"
	done
done
/bin/busybox depmod -b "$r" "$kver"
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
(cd "$r" && find . | /bin/busybox cpio -o -H newc 2>/dev/null | gzip -1) >"$T/initrd.gz"

truncate -s 64M "$T/disk.img"
mkfs.ext4 -q -F -O quota,project "$T/disk.img"

timeout 240 qemu-system-x86_64 -accel tcg -m 256 -smp 1 -nographic -no-reboot \
    -kernel "$kernel" -initrd "$T/initrd.gz" \
    -append "console=ttyS0 quiet panic=-1 rdinit=/init" \
    -drive file="$T/disk.img",format=raw,if=virtio \
    -nic none >"$T/serial.log" 2>&1
rc=$?
tr -d '\r' <"$T/serial.log" >"$T/serial.txt"
# renumber the guest's TAP lines into ours
while IFS= read -r line; do
	case $line in
	"ok "[0-9]*) tap_n=$((tap_n + 1)); echo "ok $tap_n - ${line#* - }" ;;
	"not ok "[0-9]*) tap_n=$((tap_n + 1)); tap_failed=$((tap_failed + 1)); echo "not ok $tap_n - ${line#* - }" ;;
	"# "*) echo "$line" ;;
	esac
done <"$T/serial.txt"
grep -q "guest-done 9" "$T/serial.txt"
is "guest ran all 9 checks and powered off (qemu exit $rc)" $? 0
[ $tap_failed -gt 0 ] && tail -30 "$T/serial.txt" | sed 's/^/# serial: /'
tap_done
