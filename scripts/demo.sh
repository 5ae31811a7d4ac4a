#!/bin/sh
# scripts/demo.sh -- "make demo": provision a few example thin clients into
# a scratch directory and show what an administrator gets: the registry,
# the per-client directories, and the exports for the kernel NFS server
# and for NFS-Ganesha.  Nothing outside the scratch directory is touched.
# Then (as root) a thin client in QEMU swaps over NFS through nfswapd, shown
# as it happens and drawn in build/demo/timeline.svg.
set -eu
NFSWAP=${1:-build/nfswap}
top=$(cd "$(dirname "$0")/.." && pwd)
demo="$top/build/demo"
rm -rf "$demo"
mkdir -p "$demo/etc"
cat >"$demo/etc/nfswap.conf" <<CONF
# A demo configuration: everything lives under $demo.
export_root = "$demo/srv/nfswap";
state_dir = "$demo/var/lib/nfswap";
default_quota = "2G";
kernel: { exports_file = "$demo/etc/exports.d/nfswap.exports"; };
ganesha: { exports_file = "$demo/etc/ganesha/nfswap.conf"; };
CONF
mkdir -p "$demo/etc/exports.d" "$demo/etc/ganesha"

if [ -t 1 ]; then b=$(printf '\033[1m') o=$(printf '\033[0m'); else b= o=; fi
say() { printf '\n%s$ %s%s\n' "$b" "$*" "$o"; }
run() { say "nfswap $*"; "$NFSWAP" -c "$demo/etc/nfswap.conf" "$@"; }

run add pc-101 --host 192.168.10.101 --quota 1G
run add pc-102 --host 192.168.10.102
run add lab-b --host 192.168.20.0/26 --quota 4G
run add kiosk --host 2001:db8:10::42 --quota 512M
say "nfswap add intruder --host '192.168.10.101(rw,no_root_squash)'   # refused"
"$NFSWAP" -c "$demo/etc/nfswap.conf" add intruder --host '192.168.10.101(rw,no_root_squash)' || echo "(exit status $?)"
say "nfswap add pc-103 --host 192.168.20.7   # inside lab-b's network: refused"
"$NFSWAP" -c "$demo/etc/nfswap.conf" add pc-103 --host 192.168.20.7 || echo "(exit status $?)"
run list
run show pc-101 --json
say "ls -ln $demo/srv/nfswap"
ls -ln "$demo/srv/nfswap"
run exports --format kernel
say "cat $demo/etc/exports.d/nfswap.exports"
cat "$demo/etc/exports.d/nfswap.exports"
run exports --format ganesha
say "cat $demo/etc/ganesha/nfswap.conf   # first block"
sed -n '1,/^}/p' "$demo/etc/ganesha/nfswap.conf"
run audit
printf '\nThe provisioning state is in %s; "make clean" removes it.\n' "$demo"

# Part two: a thin client.  Debian's kernel boots in QEMU with 256 MiB of
# RAM and no swap; nfswapd mounts an export that nfswap provisioned and
# NFS-Ganesha serves (all inside a private network namespace); a program
# then needs 320 MiB.  What the agent does is shown as it happens, and drawn
# in build/demo/timeline.svg at the end.
if [ "$(id -u)" != 0 ]; then
	printf '\nThe thin-client part needs root (namespaces, QEMU, loop devices).\n'
	exit 0
fi
printf '\n== part two: a thin client swapping over NFS (about three minutes) ==\n'
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$(dirname "$NFSWAP")" && pwd)
cd "$top" && SWAP_VM_DEMO=1 DEMO_OUT="$build/demo" NFSWAP_BUILD="$build" \
    bash tests/system/swap_vm.sh
