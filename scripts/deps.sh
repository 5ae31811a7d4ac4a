#!/bin/sh
# scripts/deps.sh -- the Debian packages nfswap's build, tests and demo need.
#
#   scripts/deps.sh check      exit 0 if every package is installed
#   scripts/deps.sh install    apt-get install the missing ones (as root)
#   scripts/deps.sh list       print the list
#
# The Ceph packages are the CephFS back end's (libcephfs-dev) and its
# tests' (a single-node cluster in the tests' namespace: tests/lib/ceph.sh;
# nfs-ganesha-ceph for the heads).  None of their daemons is started.
set -eu

PACKAGES="
	make gcc libc6-dev pkg-config
	libconfig-dev libtirpc-dev libnfs-dev rpcsvc-proto
	libcmocka-dev valgrind mandoc jq
	nfs-ganesha nfs-ganesha-vfs rpcbind iproute2 util-linux
	qemu-system-x86 busybox-static e2fsprogs gnuplot-nox debootstrap xz-utils
	clang libclang-rt-14-dev strace systemd
	ceph-mon ceph-mgr ceph-osd ceph-mds ceph-common nfs-ganesha-ceph
	libcephfs-dev
	debhelper lintian bash-completion
	prometheus-node-exporter prometheus
"

missing() {
	for p in $PACKAGES; do
		s=$(dpkg-query -W -f '${Status}' "$p" 2>/dev/null || true)
		[ "$s" = "install ok installed" ] || echo "$p"
	done
}

case ${1:-check} in
list)
	echo $PACKAGES ;;
check)
	m=$(missing)
	[ -z "$m" ] && exit 0
	echo "missing packages:" $m >&2
	exit 1 ;;
install)
	m=$(missing)
	if [ -z "$m" ]; then
		echo "all packages installed"
		exit 0
	fi
	if [ "$(id -u)" != 0 ]; then
		echo "deps: run as root to install:" $m >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	# Installing nfs-ganesha or rpcbind must not start their services on
	# this machine: the tests start their own, in private namespaces.
	guard=
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		guard=/usr/sbin/policy-rc.d
	fi
	trap '[ -z "$guard" ] || rm -f "$guard"' EXIT
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $m
	m=$(missing)
	[ -z "$m" ] || { echo "deps: still missing:" $m >&2; exit 1; } ;;
*)
	echo "usage: $0 check|install|list" >&2
	exit 2 ;;
esac
