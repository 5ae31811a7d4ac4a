#!/bin/bash
# bench/cephfs.sh -- nfswap past one server, measured in one run, in a
# private namespace with a real single-node Ceph cluster (tests/lib/ceph.sh):
#
#  - provisioning: N clients added one by one with backend = "cephfs" (each
#    add connects to the cluster, makes the directory, chowns it and sets
#    ceph.quota.max_bytes), against the same N adds on the local back end;
#    then one head's exports at N clients;
#  - 2 KiB writes through NFS-Ganesha's Ceph FSAL (libnfs, NFSv3, the
#    agent's block size, one WRITE at a time): one client through one head;
#    two clients through one head at once; two clients through two heads
#    at once.  Aggregate MiB/s.
#
#   bench/cephfs.sh [N] [MIB]        (as root; NFSWAP_BUILD=build)
#
# Prints "NAME VALUE" lines (for bench/run.sh), or "SKIP why".
set -u
HERE=$(cd "$(dirname "$0")/.." && pwd)
cd "$HERE"
. bench/lib.sh
. tests/lib/ganesha.sh
. tests/lib/ceph.sh
N=${1:-1000}
MIB=${2:-64}
if [ "${NFSWAP_IN_NS:-}" != 1 ]; then
	ceph_need "CephFS"
	for f in "$NFSWAP" "$B/tests/nfsc" "$B/tests/cephdir"; do
		[ -x "$f" ] || { echo "SKIP $f is not built (make tests; libcephfs-dev)"; exit 0; }
	done
fi
ganesha_enter "$@"

ceph_start || { echo "bench: the Ceph cluster did not come up" >&2; exit 1; }
K=$CEPH_DIR/etc
"$B/tests/cephdir" "$CEPH_CONF" mkdir /nfswap 755 >/dev/null &&
c fs authorize cephfs client.nfswap /nfswap rwp >"$K/ceph.client.nfswap.keyring" &&
c fs authorize cephfs client.ganesha /nfswap rw >"$K/ceph.client.ganesha.keyring" ||
    { echo "bench: cephx users" >&2; exit 1; }
ip addr add 10.9.0.11/32 dev lo && ip addr add 10.9.0.12/32 dev lo
for i in 1 2 3; do
	ganesha_client "c$i" $i && in_client "c$i" ip route add default via "10.9.$i.1" ||
	    { echo "bench: client namespaces" >&2; exit 1; }
done

conf() {	# FILE STATE BACKEND
	cat >"$1" <<CONF
export_root = "$T/export";
state_dir = "$2";
quota_enforce = "none";
backend = "$3";
cephfs = { conf = "$CEPH_CONF"; user = "nfswap"; root = "/nfswap"; };
ganesha = { pseudo_root = "/swap"; };
heads = (
  { name = "h1"; address = "10.9.0.11"; nfs_port = 2049; mount_port = 20048;
    exports_file = "$T/h1.exports"; pid_file = "/run/h1.pid"; },
  { name = "h2"; address = "10.9.0.12"; nfs_port = 2050; mount_port = 20049;
    exports_file = "$T/h2.exports"; pid_file = "/run/h2.pid"; }
);
CONF
}
mkdir -p "$T/export"
conf "$T/local.conf" "$T/state-local" local
conf "$T/ceph.conf" "$T/state-ceph" cephfs
conf "$T/writes.conf" "$T/state-writes" cephfs
seconds() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }'; }

# --- provisioning ---------------------------------------------------------
for be in local ceph; do
	t0=$EPOCHREALTIME
	for ((i = 1; i <= N; i++)); do
		"$NFSWAP" -c "$T/$be.conf" add "p$i" --host "10.100.$((i / 250)).$((i % 250 + 1))" \
		    --quota 1G >/dev/null || { echo "bench: $be add p$i failed" >&2; exit 1; }
	done
	echo "add_${be}_s $(seconds "$t0")"
done
t0=$EPOCHREALTIME
"$NFSWAP" -c "$T/ceph.conf" exports --format ganesha --head h1 --output "$T/big.exports" >/dev/null ||
    { echo "bench: exports failed" >&2; exit 1; }
echo "exports_head_s $(seconds "$t0")"
echo "clients $N"
echo "exports_head_clients $(grep -c '^EXPORT' "$T/big.exports")"
t0=$EPOCHREALTIME
"$NFSWAP" -c "$T/ceph.conf" audit --json >"$T/audit.json" || true
echo "audit_s $(seconds "$t0")"

# --- 2 KiB writes through one head and two ------------------------------------
w() { "$NFSWAP" -c "$T/writes.conf" "$@" >/dev/null || { echo "bench: nfswap $*" >&2; exit 1; }; }
w add w1 --host 10.9.1.2 --head h1 --quota 4G
w add w2 --host 10.9.2.2 --head h2 --quota 4G
w add w3 --host 10.9.3.2 --head h1 --quota 4G
w exports --format ganesha --head h1
w exports --format ganesha --head h2
GANESHA_EXTRA="CEPH { Ceph_Conf = \"$CEPH_CONF\"; }
MDCACHE { Dir_Chunk = 0; }"
ganesha_head h1 2049 20048 "$T/h1.exports" && ganesha_head h2 2050 20049 "$T/h2.exports" ||
    { echo "bench: the heads did not come up" >&2; exit 1; }
url() {	# CLIENT HEAD
	case $2 in h1) echo "nfs://10.9.0.11/nfswap/$1?version=3&nfsport=2049&mountport=20048" ;;
	h2) echo "nfs://10.9.0.12/nfswap/$1?version=3&nfsport=2050&mountport=20049" ;; esac
}
bytes=$((MIB << 20))
writers=()
write() {	# NS CLIENT HEAD FILE: one 2 KiB stream, in the background
	in_client "$1" "$B/tests/nfsc" "$(url "$2" "$3")" write "$4" $bytes 2048 >"$T/$4.out" 2>&1 &
	writers+=($!)
}
join() { wait "${writers[@]}"; writers=(); }
done_ok() { for f in "$@"; do grep -q "^written $bytes" "$T/$f.out" || { echo "bench: $f: $(cat "$T/$f.out")" >&2; exit 1; }; done; }
rate() { awk -v s="$1" -v m="$2" 'BEGIN { printf "%.2f", m / s }'; }

t0=$EPOCHREALTIME; write c1 w1 h1 one; join; s=$(seconds "$t0"); done_ok one
echo "one_head_one_client_mibps $(rate "$s" "$MIB")"
t0=$EPOCHREALTIME; write c1 w1 h1 a1; write c3 w3 h1 a3; join; s=$(seconds "$t0"); done_ok a1 a3
echo "one_head_two_clients_mibps $(rate "$s" $((2 * MIB)))"
t0=$EPOCHREALTIME; write c1 w1 h1 b1; write c2 w2 h2 b2; join; s=$(seconds "$t0"); done_ok b1 b2
echo "two_heads_two_clients_mibps $(rate "$s" $((2 * MIB)))"
echo "write_mib $MIB"
echo "cores $(nproc)"
