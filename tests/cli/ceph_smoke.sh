#!/bin/bash
# tests/cli/ceph_smoke.sh -- groundwork for the CephFS back end (issue 11),
# run by "make check-ceph" (not by make check yet): a real single-node
# Ceph cluster with CephFS (tests/lib/ceph.sh) in the test's namespace; a
# client's directory made on it through libcephfs as the provisioner will
# (0700, the client's uid, ceph.quota.max_bytes); NFS-Ganesha serving it
# with the Ceph FSAL as a restricted cephx user; a client writing through
# libnfs (NFSv3) within its quota and past it; the usage CephFS keeps.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/ganesha.sh"
. "$(dirname "$0")/../lib/ceph.sh"
B=${NFSWAP_BUILD:-build}
case $B in /*) ;; *) B=$PWD/$B ;; esac
WHAT="CephFS behind NFS-Ganesha"
if [ "${NFSWAP_IN_NS:-}" != 1 ]; then
	ceph_need "$WHAT"
	for f in cephdir nfsc; do
		[ -x "$B/tests/$f" ] || { ok "$B/tests/$f is built (make check-ceph)" false; tap_done; exit 1; }
	done
fi
ganesha_enter "$@"

t0=$(date +%s.%N)
ok "a single-node cluster with CephFS comes up" ceph_start || { tap_done; exit 1; }
awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "# up in %.1f s\n", b - a }'
ok "the client's directory, made through libcephfs: 0700, uid 4242, 4 MiB quota" \
    "$B/tests/cephdir" "$CEPH_CONF" make /clients/c1 4242 4194304
c fs authorize cephfs client.ganesha /clients rw >"$CEPH_DIR/etc/ceph.client.ganesha.keyring"
ok "a cephx user for Ganesha, limited to /clients" grep -q '^\[client.ganesha\]' "$CEPH_DIR/etc/ceph.client.ganesha.keyring"
cat >"$T/ceph.exports" <<CONF
CEPH { Ceph_Conf = "$CEPH_CONF"; }
MDCACHE { Dir_Chunk = 0; }
EXPORT { Export_Id = 10; Path = "/clients/c1"; Pseudo = "/clients/c1";
  Protocols = 3; Transports = TCP; Access_Type = RW; SecType = sys;
  Squash = All; Anonymous_Uid = 4242; Anonymous_Gid = 4242;
  FSAL { Name = CEPH; Filesystem = "cephfs"; User_Id = "ganesha"; } }
CONF
ok "ganesha.nfsd serves it with the Ceph FSAL" ganesha_start "$T/ceph.exports"
U="nfs://127.0.0.1/clients/c1?version=3&nfsport=$NFS_PORT&mountport=$MNT_PORT"
ok "a client mounts it over NFSv3 (libnfs)" "$B/tests/nfsc" "$U" mount
is "... writes 2 MiB in 2 KiB writes" "$("$B/tests/nfsc" "$U" write nfswap.0 2097152 2048)" "written 2097152"
is "... the file is the client's uid on CephFS" "$("$B/tests/nfsc" "$U" stat nfswap.0 | awk '$1 == "uid" { print $2 }')" 4242
"$B/tests/nfsc" "$U" write big $((16 << 20)) 65536 >"$T/big.out" 2>&1
got=$(sed -n 's/^written //p' "$T/big.out")
ok "... 16 MiB more fails part way: the quota holds (${got:-?} bytes written)" \
    sh -c "! grep -q '^written 16777216' '$T/big.out'"
"$B/tests/cephdir" "$CEPH_CONF" usage /clients/c1 >"$T/usage.out"
is "on CephFS the directory is 0700, the client's uid, with its quota" \
    "$(awk '{ print $6, $8, $4 }' "$T/usage.out")" "700 4242 4194304"
used=$(awk '{ print $2 }' "$T/usage.out")
# CephFS enforces quotas in its clients, a little late: allow 4 MiB over.
ok "CephFS's usage (ceph.dir.rbytes, $used bytes) is what was written, within the quota and its slack" \
    test "${used:-0}" -ge 2097152 -a "${used:-0}" -le $((8 << 20))
tap_done
