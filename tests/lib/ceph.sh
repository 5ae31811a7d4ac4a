# tests/lib/ceph.sh -- a real single-node Ceph cluster with CephFS for the
# tests: one mon, one mgr, one OSD (bluestore on a sparse file), one MDS,
# all on 127.0.0.1 inside the namespace ganesha_enter made (sourced after
# tap.sh and ganesha.sh, called inside it).  Private directories are bound
# over /etc/ceph, /var/lib/ceph and /var/log/ceph, so nothing of the host's
# is read or written.
#
#   ceph_need WHAT      SKIP (and exit) unless the Ceph packages are here
#   ceph_start          the cluster, up to an active MDS and a file system
#                       "cephfs"; 1 if it does not come up in time
#   c ARGS...           the ceph CLI as client.admin, never hanging
#   CEPH_CONF           the cluster's ceph.conf
#
# Every daemon is stopped by pid at exit (SIGKILL: nothing of the cluster
# outlives the test, and its files go with $T).
CEPH_DIR=
CEPH_CONF=
ceph_pids=()

ceph_need() {	# WHAT
	local c
	for c in ceph-mon ceph-mgr ceph-osd ceph-mds ceph ceph-authtool monmaptool; do
		command -v $c >/dev/null || {
			skip "$1" "$c is not installed (make deps)"
			tap_done; exit 0; }
	done
}

c() { ceph --connect-timeout 10 -c "$CEPH_CONF" "$@"; }

ceph_stop_all() {
	local p m
	for p in "${ceph_pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
	for p in "${ceph_pids[@]}"; do wait "$p" 2>/dev/null; done
	ceph_pids=()
	for m in /etc/ceph /var/lib/ceph /var/log/ceph /var/run/ceph; do
		umount "$m" 2>/dev/null
	done
}

# ceph_daemon NAME CMD...: in the foreground of a background job, logged.
ceph_daemon() {
	local name=$1; shift
	"$@" >"$CEPH_DIR/log/$name.out" 2>&1 &
	ceph_pids+=($!)
}

ceph_start() {
	local fsid key osd_uuid osd_key i
	CEPH_DIR=$T/ceph
	CEPH_CONF=$CEPH_DIR/etc/ceph.conf
	mkdir -p "$CEPH_DIR"/{etc,lib,log,run} "$CEPH_DIR"/lib/{mon/ceph-a,mgr/ceph-a,osd/ceph-0,mds/ceph-a}
	for d in etc:/etc/ceph lib:/var/lib/ceph log:/var/log/ceph run:/var/run/ceph; do
		mkdir -p "${d#*:}" && mount --bind "$CEPH_DIR/${d%%:*}" "${d#*:}" || return 1
	done
	at_exit ceph_stop_all
	fsid=$(cat /proc/sys/kernel/random/uuid)
	cat >"$CEPH_CONF" <<CONF
[global]
fsid = $fsid
mon host = [v2:127.0.0.1:3300,v1:127.0.0.1:6789]
mon initial members = a
public network = 127.0.0.0/8
ms bind ipv6 = false
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
keyring = $CEPH_DIR/etc/\$cluster.\$name.keyring
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
log file = $CEPH_DIR/log/\$name.log
run dir = $CEPH_DIR/run
admin socket = $CEPH_DIR/run/\$name.asok
[mon]
mon data = $CEPH_DIR/lib/mon/ceph-\$id
[mgr]
mgr data = $CEPH_DIR/lib/mgr/ceph-\$id
[osd]
osd data = $CEPH_DIR/lib/osd/ceph-\$id
osd objectstore = bluestore
bluestore block create = true
bluestore block size = 10G
bluestore fsck on mkfs = false
bluestore cache autotune = false
bluestore cache size = 128M
osd memory target = 939524096
osd op num shards = 1
[mds]
mds data = $CEPH_DIR/lib/mds/ceph-\$id
mds cache memory limit = 134217728
CONF
	local K=$CEPH_DIR/etc
	ceph-authtool --create-keyring "$K/ceph.mon.keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null &&
	ceph-authtool --create-keyring "$K/ceph.client.admin.keyring" --gen-key -n client.admin \
	    --cap mon 'allow *' --cap osd 'allow *' --cap mds 'allow *' --cap mgr 'allow *' >/dev/null &&
	ceph-authtool "$K/ceph.mon.keyring" --import-keyring "$K/ceph.client.admin.keyring" >/dev/null &&
	monmaptool --create --fsid "$fsid" --addv a '[v2:127.0.0.1:3300,v1:127.0.0.1:6789]' \
	    "$K/monmap" >/dev/null &&
	ceph-mon -c "$CEPH_CONF" --mkfs -i a --monmap "$K/monmap" --keyring "$K/ceph.mon.keyring" \
	    >"$CEPH_DIR/log/mkfs-mon.out" 2>&1 || return 1
	ceph_daemon mon ceph-mon -c "$CEPH_CONF" -f -i a
	for i in $(seq 100); do c -s >/dev/null 2>&1 && break; sleep 0.2; done
	# mgr
	c auth get-or-create mgr.a mon 'allow profile mgr' osd 'allow *' mds 'allow *' \
	    >"$CEPH_DIR/lib/mgr/ceph-a/keyring" || return 1
	ceph_daemon mgr ceph-mgr -c "$CEPH_CONF" -f -i a --keyring "$CEPH_DIR/lib/mgr/ceph-a/keyring"
	# osd
	osd_uuid=$(cat /proc/sys/kernel/random/uuid)
	osd_key=$(ceph-authtool --gen-print-key)
	echo "{\"cephx_secret\": \"$osd_key\"}" >"$CEPH_DIR/osd.json"
	c osd new "$osd_uuid" -i "$CEPH_DIR/osd.json" >/dev/null || return 1
	ceph-authtool --create-keyring "$CEPH_DIR/lib/osd/ceph-0/keyring" --name osd.0 \
	    --add-key "$osd_key" >/dev/null &&
	ceph-osd -c "$CEPH_CONF" -i 0 --mkfs --osd-uuid "$osd_uuid" \
	    --keyring "$CEPH_DIR/lib/osd/ceph-0/keyring" >"$CEPH_DIR/log/mkfs-osd.out" 2>&1 || return 1
	ceph_daemon osd ceph-osd -c "$CEPH_CONF" -f -i 0 --keyring "$CEPH_DIR/lib/osd/ceph-0/keyring"
	# mds and the file system
	c auth get-or-create mds.a mon 'allow profile mds' osd 'allow rwx' mds 'allow' mgr 'allow profile mds' \
	    >"$CEPH_DIR/lib/mds/ceph-a/keyring" || return 1
	ceph_daemon mds ceph-mds -c "$CEPH_CONF" -f -i a --keyring "$CEPH_DIR/lib/mds/ceph-a/keyring"
	c osd pool create cephfs_data 8 >/dev/null 2>&1 &&
	c osd pool create cephfs_metadata 8 >/dev/null 2>&1 &&
	c fs new cephfs cephfs_metadata cephfs_data >/dev/null 2>&1 || return 1
	for i in $(seq 300); do
		c mds stat 2>/dev/null | grep -q 'up:active' && return 0
		sleep 0.2
	done
	return 1
}
