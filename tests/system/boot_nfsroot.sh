#!/bin/bash
# tests/system/boot_nfsroot.sh -- nfswap in a distribution's initramfs, on a
# diskless Debian client made the way sites make them:
#
#   - debootstrap --variant=minbase (cached), Debian's kernel unpacked into
#     it and its initrd made by update-initramfs (BOOT=nfs, MODULES=netboot);
#     then the project's packages (make deb) installed into it with dpkg,
#     whose trigger rebuilds that initrd with nfswapd in it -- and again by
#     update-initramfs -u after the site's nfswapd.conf, as an admin would;
#   - the root exported read-only by NFS-Ganesha, the client's swap export
#     provisioned with nfswap add / nfswap exports, as an admin would;
#   - QEMU boots it: the initramfs mounts the root over NFS, its nfswap
#     script brings the network up and starts nfswapd, run-init switches to
#     the real root, systemd comes up, and a memory hog run by a systemd
#     unit forces swap to grow.  The guest is on a TAP device of the test's
#     namespace and gets its address (10.0.2.15, as which pc1 is
#     registered) from a DHCP server there: the swap export takes only
#     reserved source ports, which QEMU's NAT would not keep.
#
# Asserted from the guest: the nfswapd started in the initramfs (its pid in
# the kernel log) is the one running under systemd, named @nfswapd, in the
# real root; the installed nfswapd.service stepped aside; swap grew; the
# hog verified every byte; nothing was OOM-killed; no swap I/O error; the
# kernel's NFS connection is from a reserved port.  And
# the dracut module: built into an initrd by the real dracut in the same
# root, its contents checked with lsinitrd.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/vm.sh"
. "$(dirname "$0")/../lib/ganesha.sh"
B=${NFSWAP_BUILD:-build}
case $B in /*) ;; *) B=$PWD/$B ;; esac
NFSWAP=$B/nfswap
WHAT="a diskless Debian client with nfswap in its initramfs"
HERE=$(cd "$(dirname "$0")/.." && pwd)
TOP=$(cd "$HERE/.." && pwd)
G=$HERE/system/guest	# what runs in the guest

if [ "${NFSWAP_IN_NS:-}" != 1 ]; then
	case $B in */san|*-san)
		skip "$WHAT" "runs the static build only: a sanitizer build is not a static binary for the guest, and the host tests run it"
		tap_done; exit ;;
	esac
	vm_need "$WHAT"
	vm_need_net "$WHAT"
	for c in losetup mkfs.ext4 chroot tar; do
		command -v $c >/dev/null || { skip "$WHAT" "$c is not installed (make deps)"; tap_done; exit; }
	done
	for c in dpkg-buildpackage dh; do
		command -v $c >/dev/null || { skip "$WHAT" "$c is not installed (make deps)"; tap_done; exit; }
	done
	# The archive is not reachable from inside the namespace.
	vm_fetch "$WHAT"
	vm_debroot "$WHAT"
	export VM_DEBROOT
fi
ganesha_enter "$@"

# --- the server: the client's swap export, as an admin provisions it ----------
ganesha_export_root 768M || { ok "an ext4 export root" false; tap_done; exit 1; }
ok "nfswap add pc1 --host $VM_GUEST (the guest's own address)" n add pc1 --host $VM_GUEST --quota 1G
ok "nfswap exports --format ganesha" n exports --format ganesha

# --- the client's root file system -------------------------------------------
R=$T/nfsroot
ok "an ext4 file system for the client's root" fx_image nfsroot 1500M
ok "the cached debootstrap root unpacked ($(basename "$VM_DEBROOT"))" tar -C "$R" -xf "$VM_DEBROOT"
ch() { chroot "$R" /usr/bin/env PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"; }

# The kernel package's files, as installing it would put them (the root
# is usr-merged: modules go to /usr/lib/modules).
vm_kernel "$WHAT"
cp -a "$KDIR/boot/." "$R/boot/"
mkdir -p "$R/usr/lib/modules"
cp -a "$KDIR/lib/modules/$KVER" "$R/usr/lib/modules/"
ok "depmod $KVER in the client's root" ch depmod "$KVER"

# Diskless, as Debian documents it: the initramfs mounts the root over NFS.
sed -i 's/^MODULES=.*/MODULES=netboot/' "$R/etc/initramfs-tools/initramfs.conf"
echo "BOOT=nfs" >>"$R/etc/initramfs-tools/initramfs.conf"
mount -t proc proc "$R/proc"
at_exit "umount '$R/proc' 2>/dev/null"
# The kernel's initrd, as installing its package would make it.
ch update-initramfs -c -k "$KVER" >"$T/update-initramfs.log" 2>&1
ok "update-initramfs -c -k $KVER in the client's root" test -s "$R/boot/initrd.img-$KVER"
ok "... without nfswapd yet" sh -c "! chroot '$R' lsinitramfs '/boot/initrd.img-$KVER' | grep -qx usr/sbin/nfswapd"

# The packages, built from this tree (make deb) and installed with dpkg.
version=$(sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' "$TOP/debian/changelog")
make -s -C "$TOP" deb DEB_DIR="$T/deb" >"$T/deb.log" 2>&1
ok "make deb ($version)" test -s "$T/deb/nfswapd_${version}_amd64.deb"
cp "$T/deb/nfswapd_${version}_amd64.deb" "$T/deb/nfswapd-dracut_${version}_all.deb" "$R/tmp/"
ch dpkg -i "/tmp/nfswapd_${version}_amd64.deb" "/tmp/nfswapd-dracut_${version}_all.deb" >"$T/dpkg.log" 2>&1
is "dpkg -i nfswapd nfswapd-dracut in the client's root: exit 0" $? 0
[ $tap_failed -gt 0 ] && tail -20 "$T/dpkg.log" | sed 's/^/# dpkg: /'
ok "... its trigger ran update-initramfs" grep -q "update-initramfs: Generating /boot/initrd.img-$KVER" "$T/dpkg.log"
ok "... and the initrd holds nfswapd now" sh -c "chroot '$R' lsinitramfs '/boot/initrd.img-$KVER' | grep -qx usr/sbin/nfswapd"
is "dpkg says both are installed" "$(ch dpkg-query -W -f '${Status} ' nfswapd nfswapd-dracut)" "install ok installed install ok installed "
rm -f "$R/tmp/"*.deb
# The site's agent settings (no server: the kernel command line names the
# export); short timers for the test.  Then the initrd again, as an admin
# does after changing what goes into it.
cat >"$R/etc/nfswap/nfswapd.conf" <<'CONF'
policy = { cooldown = 15; drain_interval = 2; peak_hold = 15;
  max_swapsize = "128M"; };
CONF
echo pc1 >"$R/etc/hostname"
: >"$R/etc/machine-id"
printf 'tmpfs /tmp tmpfs nosuid,nodev 0 0\ntmpfs /var/tmp tmpfs nosuid,nodev 0 0\n' >"$R/etc/fstab"
ln -sf /lib/systemd/system/nfswapd.service "$R/etc/systemd/system/multi-user.target.wants/nfswapd.service"
ln -sf /dev/null "$R/etc/systemd/system/serial-getty@ttyS0.service"
cc -static -O2 -o "$R/usr/local/bin/hog" "$G/hog.c"

# What runs in the booted system: a systemd unit of the test's (not the
# product's), writing TAP to the serial console.
install -m 0644 "$G/boot_nfsroot-test.service" "$R/etc/systemd/system/nfswap-boottest.service"
ln -sf /etc/systemd/system/nfswap-boottest.service "$R/etc/systemd/system/multi-user.target.wants/"
install -m 0755 "$G/boot_nfsroot-test.sh" "$R/usr/local/sbin/nfswap-boottest"
install -D -m 0644 "$G/says.sh" "$R/usr/local/lib/nfswap-says.sh"

# The initrd with the site's settings, by the root's own update-initramfs.
ch update-initramfs -u -k "$KVER" >"$T/mkinitramfs.log" 2>&1
ok "update-initramfs -u with the site's nfswapd.conf" test -s "$R/boot/initrd.img-$KVER"
ch lsinitramfs "/boot/initrd.img-$KVER" >"$T/initrd.list" 2>/dev/null
ok "... the initrd's nfswapd.conf is the site's" sh -c "chroot '$R' unmkinitramfs '/boot/initrd.img-$KVER' /tmp/unmk >/dev/null 2>&1; cmp -s '$R/tmp/unmk/main/etc/nfswap/nfswapd.conf' '$R/etc/nfswap/nfswapd.conf' || cmp -s '$R/tmp/unmk/etc/nfswap/nfswapd.conf' '$R/etc/nfswap/nfswapd.conf'"
rm -rf "$R/tmp/unmk"
for f in usr/sbin/nfswapd etc/nfswap/nfswapd.conf etc/netconfig scripts/init-premount/nfswap \
    'usr/lib/modules/.*/nfsv3.ko' 'usr/lib/modules/.*/virtio_net.ko'; do
	ok "... the initrd holds $f" grep -qx "$f" "$T/initrd.list"
done

# The dracut module, built by the real dracut in the same root.
ch dracut --no-hostonly --force --kver "$KVER" -m "base network-legacy network nfswap" \
    "/tmp/dracut.img" >"$T/dracut.log" 2>&1
ok "dracut builds an initrd with the nfswap module" test -s "$R/tmp/dracut.img"
[ $tap_failed -gt 0 ] && tail -20 "$T/dracut.log" | sed 's/^/# dracut: /'
ch lsinitrd "/tmp/dracut.img" >"$T/dracut.list" 2>/dev/null
for f in 'nfswapd$' 'etc/nfswap/nfswapd.conf$' 'etc/netconfig$' 'nfsv3.ko' 'online/95-nfswap-start.sh$' \
    'cmdline/10-nfswap-cmdline.sh$'; do
	ok "... lsinitrd shows $f" grep -q "$f" "$T/dracut.list"
done
# dracut runs initqueue/online hooks when an interface is online, which
# its network module brings up: the hook comes after networking.
ok "... with dracut's network module, which runs the online hooks" \
    sh -c "grep -qE 'lib/net-lib.sh|sbin/ifup' '$T/dracut.list'"
rm -f "$R/tmp/dracut.img"
umount "$R/proc"

# --- serve the root (read-only, root not squashed) and the swap export ----------
cat >"$T/all.ganesha" <<CONF
EXPORT { Export_Id = 900; Path = "$R"; Pseudo = "/nfsroot";
    Access_Type = RO; Squash = No_Root_Squash; Protocols = 3;
    Transports = TCP; SecType = sys; FSAL { Name = VFS; } }
%include "$T/nfswap.ganesha"
CONF
ok "ganesha.nfsd serves the root and the swap export" ganesha_start "$T/all.ganesha"
ok "the guest's network: $VM_TAPDEV, this side $VM_HOST" vm_net
ok "... and a DHCP server that leases it $VM_GUEST" vm_dhcp

# --- boot ----------------------------------------------------------------------
KERNEL=$R/boot/vmlinuz-$KVER
vm_boot 600 "$T/serial.log" -m 256 -smp 1 -initrd "$R/boot/initrd.img-$KVER" \
    -append "console=ttyS0 panic=-1 ip=dhcp root=/dev/nfs nfsroot=10.0.2.2:$R,nfsvers=3 ro nfswap=10.0.2.2:$T/export/pc1 systemd.show_status=0" \
    "${VM_NIC[@]}"
rc=$?
vm_tap "$T/serial.log"
grep -q "guest-done 13" "$T/serial.log.txt"
is "the guest booted, ran its 13 checks and powered off (qemu exit $rc)" $? 0
is "Ganesha refused no request for its source port" "$(grep -c 'Non-reserved Port' "$T/ganesha.log")" 0
[ $tap_failed -gt 0 ] && tail -60 "$T/serial.log.txt" | sed 's/^/# serial: /'
tap_done
