#!/bin/bash
# bench/alloc-vs-nfs.sh -- time to grow swap by 256 MiB: asked of "nfswap
# serve" (ALLOCATE: the server writes the file on its own disk) against
# written by the client over NFS in 2 KiB WRITEs (the deployment spec's
# wsize), both in one run, against the same NFS-Ganesha, from a client in
# its own network namespace.  Prints the two times and their ratio.
#
#   bench/alloc-vs-nfs.sh [SIZE_MIB]        (as root; NFSWAP_BUILD=build)
#
# The NFS side is libnfs (tests/integration/nfsc.c) sending one 2 KiB
# WRITE at a time, as a kernel client with wsize=2048 sends them (this
# machine's kernel has no NFS client); the kernel pipelines its writes, so
# in a thin client the NFS time is shorter than here, and the VM test's
# measure of files written at 2 KiB (docs/nfs-swap-sizes.md) is the
# thin client's own.
set -u
HERE=$(cd "$(dirname "$0")/.." && pwd)
cd "$HERE"
. tests/lib/tap.sh
. tests/lib/ganesha.sh
B=${NFSWAP_BUILD:-build}
case $B in /*) ;; *) B=$PWD/$B ;; esac
NFSWAP=$B/nfswap
SIZE_MIB=${1:-256}
for f in "$NFSWAP" "$B/tests/nfsc" "$B/tests/nfswapc"; do
	[ -x "$f" ] || { echo "bench: $f is not built (make tests)" >&2; exit 1; }
done
ganesha_enter "$@"

ganesha_export_root $((SIZE_MIB * 2 + 64))M >/dev/null || exit 1
ganesha_client a 1 || exit 1
n add bench --host 10.9.1.2 --quota $((SIZE_MIB * 2 + 16))M >/dev/null
n exports --format ganesha >/dev/null
ganesha_start "$T/nfswap.ganesha" || { echo "bench: ganesha did not start" >&2; exit 1; }
"$NFSWAP" -c "$T/nfswap.conf" serve -d 2>"$T/serve.log" &
spid=$!
at_exit 'kill $spid 2>/dev/null; wait $spid 2>/dev/null'
for _ in $(seq 50); do grep -q "serving program" "$T/serve.log" && break; sleep 0.1; done

bytes=$((SIZE_MIB << 20))
t0=$(date +%s.%N)
r=$(in_client a "$B/tests/nfswapc" 10.9.1.1 0 wait alloc.0 $bytes)
t1=$(date +%s.%N)
[ "$r" = OK ] || { echo "bench: ALLOCATE answered $r" >&2; exit 1; }
w=$(in_client a "$B/tests/nfsc" "$(nfs_url 1 "$T/export/bench")" write nfs.0 $bytes 2048)
t2=$(date +%s.%N)
[ "$w" = "written $bytes" ] || { echo "bench: NFS write: $w" >&2; exit 1; }
awk -v t0="$t0" -v t1="$t1" -v t2="$t2" -v m=$SIZE_MIB 'BEGIN {
	a = t1 - t0; n = t2 - t1
	printf "time to grow swap by %d MiB, one run:\n", m
	printf "  ALLOCATE (nfswap serve writes it on the server)  %7.2f s\n", a
	printf "  written over NFS in 2 KiB WRITEs (libnfs)        %7.2f s\n", n
	printf "  ratio NFS / ALLOCATE                             %7.1f x\n", n / a
}'
