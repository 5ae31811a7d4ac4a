#!/bin/bash
# bench/nfs-create.sh -- creating a swap file over NFS, on this host
# (NFS-Ganesha on the loopback of a private network namespace, libnfs as
# the client, NFSv3), SIZE MiB each, one after the other in one run:
#
#   fsync2k   the baseline: dd bs=2048 oflag=sync over NFS -- 2 KiB
#             FILE_SYNC WRITEs, each answered (on the server's disk) before
#             the next is sent (about two minutes for 256 MiB here)
#   sync2k    one 2 KiB WRITE at a time, UNSTABLE, COMMIT at the end: the
#             server's disk is out of the way, only the round trips remain
#   agent2k   the agent's creation code (wholefile_write: its 2 KiB
#             writes, fsync, the hole check) with 2 KiB WRITEs pipelined,
#             16 in flight, as a kernel client with wsize=2048 sends them
#   agent64k  the same with 64 KiB WRITEs: the agent's swap mount floor on
#             Linux >= 5.19 (docs/nfs-swap-sizes.md)
#   ceiling   what this loopback and server take: 1 MiB WRITEs, 8 in flight
#
#   bench/nfs-create.sh [SIZE_MIB]   (as root; NFSWAP_BUILD=build)
#
# Prints "NAME SECONDS MIB" lines (for bench/run.sh), or "SKIP why".
set -u
HERE=$(cd "$(dirname "$0")/.." && pwd)
cd "$HERE"
. bench/lib.sh
. tests/lib/ganesha.sh
SIZE_MIB=${1:-256}
for f in "$NFSWAP" "$B/tests/nfsc"; do
	[ -x "$f" ] || { echo "bench: $f is not built (make tests)" >&2; exit 1; }
done
ganesha_enter "$@"

ganesha_export_root $((SIZE_MIB + 64))M >/dev/null || exit 1
n add pc1 --host 127.0.0.1 --quota $((SIZE_MIB + 16))M >/dev/null || exit 1
n exports --format ganesha >/dev/null || exit 1
ganesha_start "$T/nfswap.ganesha" || { echo "bench: ganesha did not start" >&2; exit 1; }
url="nfs://127.0.0.1$T/export/pc1?version=3&nfsport=$NFS_PORT&mountport=$MNT_PORT"
bytes=$((SIZE_MIB << 20))

one() {	# NAME NFSC-ARGS...
	local name=$1 out
	shift
	out=$(NFSC_TIME=1 "$B/tests/nfsc" "$url" "$@" 2>&1)
	if ! grep -qx "written $bytes" <<<"$out"; then
		echo "bench: $name: $out" >&2
		exit 1
	fi
	echo "$name $(sed -n 's/^elapsed //p' <<<"$out") $((bytes >> 20))"
	"$B/tests/nfsc" "$url" rm f >/dev/null
}
one fsync2k syncwrite f $bytes 2048
one sync2k write f $bytes 2048
one agent2k pipewrite f $bytes 2048 2048 16
one agent64k pipewrite f $bytes 65536 65536 16
one ceiling pipewrite f $bytes 65536 1048576 8
