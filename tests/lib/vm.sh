# tests/lib/vm.sh -- Debian 12's kernel in QEMU (TCG) with a small busybox
# initramfs, for the tests that need a real kernel: project quotas, swap
# over NFS.  Sourced after tap.sh.  The kernel package is fetched once with
# apt-get download into $NFSWAP_CACHE (default /var/cache/nfswap-tests),
# outside the work tree.  NFSWAP_VM_KERNEL=6.12 boots Debian 12's 6.12
# kernel (linux-image-6.12-amd64) instead of its default (linux-image-amd64,
# 6.1); both may be in the cache side by side.
#
#   vm_need WHAT                SKIP (and exit) unless root, QEMU, busybox...
#   vm_fetch WHAT               download the kernel package (once, cached)
#   vm_kernel WHAT              unpack the kernel: sets KDIR, KVER, KERNEL
#   vm_root DIR                 busybox and its applets in DIR
#   vm_modules DIR MOD...       the modules and what they depend on
#   vm_binary DIR FILE [NAME]   a program and its shared libraries
#   vm_pack DIR OUT             the cpio.gz
#   vm_boot SECONDS LOG ARGS... qemu-system-x86_64 with a timeout
#   vm_tap SERIAL               the guest's "ok/not ok" lines into our TAP
#   vm_debroot WHAT             a minimal Debian root (debootstrap, cached
#                               as a tarball): sets VM_DEBROOT
#
# The guest's network, for guests that mount NFS (inside the network
# namespace ganesha_enter made):
#   vm_need_net WHAT            SKIP (and exit) unless a TAP device can be made
#   vm_net                      the TAP device: the guest is $VM_GUEST/24,
#                               this namespace $VM_HOST; QEMU takes
#                               "${VM_NIC[@]}"
#   vm_dhcp                     a DHCP server on it that leases $VM_GUEST
#                               (for a guest booted with ip=dhcp)
. "$(dirname "${BASH_SOURCE[0]}")/fixture.sh"	# what it starts goes at exit
VM_CACHE=${NFSWAP_CACHE:-/var/cache/nfswap-tests}

vm_need() {	# WHAT
	local c
	[ "$(id -u)" = 0 ] || { skip "$1" "needs root"; tap_done; exit 0; }
	for c in qemu-system-x86_64 dpkg apt-get cc gzip; do
		command -v $c >/dev/null || { skip "$1" "$c is not installed (make deps)"; tap_done; exit 0; }
	done
	[ -x /bin/busybox ] && /bin/busybox --list | grep -qx depmod ||
	    { skip "$1" "busybox-static is not installed"; tap_done; exit 0; }
}

# The metapackage that NFSWAP_VM_KERNEL names (unset: Debian 12's default
# kernel, 6.1), and the versioned package it depends on now.
vm_meta() {
	echo "linux-image${NFSWAP_VM_KERNEL:+-$NFSWAP_VM_KERNEL}-amd64"
}
vm_pkg() {
	apt-cache depends "$(vm_meta)" 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}'
}

vm_deb() {	# the cached kernel package, or nothing
	local pkg
	pkg=$(vm_pkg)
	[ -n "$pkg" ] && ls "$VM_CACHE/${pkg}_"*.deb 2>/dev/null | sort -V | tail -1
}

# The cache is shared by QEMU suites that may run side by side
# (tests/run.sh --vm-lanes): whoever fills it holds its lock, and the
# others wait and find it filled.
vm_cache_lock() {
	mkdir -p "$VM_CACHE"
	exec {vm_cache_fd}>"$VM_CACHE/.lock"
	flock "$vm_cache_fd"
}
vm_cache_unlock() {
	exec {vm_cache_fd}>&-
}

vm_fetch() {	# WHAT: download the kernel package once (needs the archive)
	vm_cache_lock
	vm_fetch_locked "$1"
	vm_cache_unlock
}
vm_fetch_locked() {	# WHAT
	local pkg
	[ -n "$(vm_deb)" ] && return 0
	pkg=$(vm_pkg)
	[ -n "$pkg" ] || { skip "$1" "apt cannot resolve $(vm_meta) (apt-get update?)"; tap_done; exit 0; }
	(cd "$VM_CACHE" && apt-get download -q "$pkg") >"$T/download.log" 2>&1
	[ -n "$(vm_deb)" ] || { skip "$1" "apt-get download $pkg failed: $(tail -1 "$T/download.log")"; tap_done; exit 0; }
}

vm_kernel() {	# WHAT: unpack the cached kernel (works offline)
	local deb
	deb=$(vm_deb)
	[ -n "$deb" ] || vm_fetch "$1"
	deb=$(vm_deb)
	KDIR=$T/k
	mkdir -p "$KDIR"
	dpkg -x "$deb" "$KDIR"
	KVER=$(ls "$KDIR/lib/modules")
	KERNEL=$KDIR/boot/vmlinuz-$KVER
	/bin/busybox depmod -b "$KDIR" "$KVER" 2>/dev/null
}

vm_root() {	# DIR
	local r=$1 a
	mkdir -p "$r"/{bin,sbin,proc,sys,dev,mnt,etc,run,tmp,lib/modules/$KVER}
	cp /bin/busybox "$r/bin/busybox"
	for a in $(/bin/busybox --list); do [ -e "$r/bin/$a" ] || ln -s busybox "$r/bin/$a"; done
}

vm_modules() {	# DIR MOD...
	local r=$1 m f rel dep
	shift
	for m in "$@"; do
		f=$(find "$KDIR/lib/modules/$KVER" -name "$m.ko*" | head -1)
		[ -n "$f" ] || continue
		rel=${f#$KDIR/lib/modules/$KVER/}
		mkdir -p "$r/lib/modules/$KVER/$(dirname "$rel")"
		cp "$f" "$r/lib/modules/$KVER/$rel"
		for dep in $(grep "^$rel:" "$KDIR/lib/modules/$KVER/modules.dep" | cut -d: -f2); do
			mkdir -p "$r/lib/modules/$KVER/$(dirname "$dep")"
			cp "$KDIR/lib/modules/$KVER/$dep" "$r/lib/modules/$KVER/$dep"
		done
	done
	# 6.12's modules are xz-packed: busybox first hands the packed file
	# to the kernel ("Invalid ELF header magic" on the console), then
	# unpacks it itself.  Unpacked here, they load at the first try.
	command -v xz >/dev/null &&
	    find "$r/lib/modules/$KVER" -name '*.ko.xz' -exec xz -d -f {} +
	/bin/busybox depmod -b "$r" "$KVER"
}

vm_binary() {	# DIR FILE [NAME]
	local r=$1 f=$2 name=${3:-$(basename "$2")} lib
	cp "$f" "$r/bin/$name"
	for lib in $(ldd "$f" 2>/dev/null | grep -o '/[^ ]*'); do
		mkdir -p "$r$(dirname "$lib")"
		cp -L "$lib" "$r$lib"
	done
}

vm_pack() {	# DIR OUT
	(cd "$1" && find . | /bin/busybox cpio -o -H newc 2>/dev/null | gzip -1) >"$2"
}

vm_boot() {	# SECONDS LOG QEMU-ARGS...
	local secs=$1 log=$2
	shift 2
	timeout "$secs" qemu-system-x86_64 -accel tcg -nographic -no-reboot \
	    -kernel "$KERNEL" "$@" >"$log" 2>&1
}

vm_tap() {	# SERIAL: renumber the guest's TAP lines into ours
	local line
	tr -d '\r' <"$1" >"$1.txt"
	while IFS= read -r line; do
		case $line in
		"ok "[0-9]*) tap_n=$((tap_n + 1)); echo "ok $tap_n - ${line#* - }" ;;
		"not ok "[0-9]*) tap_n=$((tap_n + 1)); tap_failed=$((tap_failed + 1)); echo "not ok $tap_n - ${line#* - }" ;;
		"# "*) echo "$line" ;;
		esac
	done <"$1.txt"
}

# --- the guest's network: a TAP device in the test's namespace ------------
# QEMU's user network (slirp) NATs the guest: its connections reach the
# server from the namespace's 127.0.0.1 and from a port of QEMU's choosing
# (measured: a guest connection from port 700 arrived from 127.0.0.1:42508),
# so exports that take only reserved source ports -- every nfswap export --
# refuse the guest's kernel.  A TAP device carries the guest's packets
# unchanged: the server sees the guest's own address and its kernel's
# reserved port.  The addresses are the ones QEMU's user network gave
# (guest 10.0.2.15/24, server and gateway 10.0.2.2), so the guests' scripts
# need no change; a client is registered by the guest's address.  The
# device lives in the namespace ganesha_enter made, and goes with it.
VM_HOST=10.0.2.2
VM_GUEST=10.0.2.15
VM_TAPDEV=vmtap0
VM_NIC=(-netdev "tap,id=vmnet,ifname=$VM_TAPDEV,script=no,downscript=no"
    -device virtio-net-pci,netdev=vmnet)

vm_need_net() {	# WHAT
	[ -c /dev/net/tun ] || { skip "$1" "/dev/net/tun is missing (no TAP devices for the guest's network)"; tap_done; exit 0; }
}

vm_net() {	# inside the test's own network namespace only
	[ "${NFSWAP_IN_NS:-}" = 1 ] || { echo "vm_net: not in the test's namespace" >&2; return 1; }
	ip link show "$VM_TAPDEV" >/dev/null 2>&1 && return 0
	ip tuntap add dev "$VM_TAPDEV" mode tap &&
	ip addr add "$VM_HOST/24" dev "$VM_TAPDEV" &&
	ip link set "$VM_TAPDEV" up
}

# busybox udhcpd on the TAP device, leasing $VM_GUEST alone (gateway and
# server $VM_HOST), as a site's DHCP server would; stopped by pid at exit.
vm_dhcp() {
	cat >"$T/udhcpd.conf" <<CONF
interface $VM_TAPDEV
start $VM_GUEST
end $VM_GUEST
max_leases 1
lease_file $T/udhcpd.leases
pidfile $T/udhcpd.pid
option subnet 255.255.255.0
option router $VM_HOST
option lease 86400
CONF
	: >"$T/udhcpd.leases"
	/bin/busybox udhcpd -f "$T/udhcpd.conf" >"$T/udhcpd.log" 2>&1 &
	vm_dhcp_pid=$!
	fx_pid $vm_dhcp_pid
	sleep 0.2
	kill -0 $vm_dhcp_pid
}

# --- a diskless Debian client's root ---------------------------------------
# libconfig9 and adduser: what the nfswap package needs installed in it
# (tests/host/deb.sh).
VM_DEBROOT_PKGS=systemd-sysv,initramfs-tools,dracut-core,dracut-network,kmod,udev,klibc-utils,procps,libconfig9,adduser

vm_mirror() {	# the Debian archive apt uses here
	local u
	u=$(grep -hs -E '^(URIs:|deb )' /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
	    /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -o 'https\?://[^ ]*' |
	    grep -v -- '-security' | head -1)
	echo "${u:-http://deb.debian.org/debian}"
}

# debootstrap --variant=minbase, as sites make diskless roots, once; the
# result is kept in the cache as a tarball (rebuilt when missing, or when
# the package list changes).  Needs the archive the first time.
vm_debroot() {	# WHAT
	vm_cache_lock
	vm_debroot_locked "$1"
	vm_cache_unlock
}
vm_debroot_locked() {	# WHAT
	local suite tag dir
	suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
	tag=$(echo "$suite $VM_DEBROOT_PKGS" | md5sum | cut -c1-8)
	VM_DEBROOT=$VM_CACHE/debroot-$suite-$tag.tar
	[ -s "$VM_DEBROOT" ] && return 0
	command -v debootstrap >/dev/null || { skip "$1" "debootstrap is not installed (make deps)"; tap_done; exit 0; }
	mkdir -p "$VM_CACHE"
	dir=$T/debroot
	if ! debootstrap --variant=minbase --include="$VM_DEBROOT_PKGS" "$suite" \
	    "$dir" "$(vm_mirror)" >"$T/debootstrap.log" 2>&1; then
		skip "$1" "debootstrap $suite from $(vm_mirror) failed: $(tail -1 "$T/debootstrap.log")"
		rm -rf "$dir"; tap_done; exit 0
	fi
	tar -C "$dir" -cf "$VM_DEBROOT.tmp" . && mv "$VM_DEBROOT.tmp" "$VM_DEBROOT"
	rm -rf "$dir"
	[ -s "$VM_DEBROOT" ] || { ok "cache the Debian root in $VM_DEBROOT" false; tap_done; exit 1; }
}
