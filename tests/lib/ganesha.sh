# tests/lib/ganesha.sh -- a real NFS server for the tests: rpcbind and
# NFS-Ganesha in a private network, mount and pid namespace, with client
# namespaces behind veth pairs so that each client really has its own
# address.  Sourced by a test after tap.sh.
#
#   ganesha_enter "$@"          re-run the calling script inside a fresh
#                               namespace (or SKIP if that is impossible);
#                               returns only inside it
#   ganesha_export_root SIZE    an ext4 export root and an nfswap.conf; n
#                               runs nfswap with it
#   ganesha_client NAME N       netns NAME at 10.9.N.2, the server at 10.9.N.1
#   ganesha_start EXPORTS_FILE  rpcbind + ganesha.nfsd with those EXPORT
#                               blocks; waits until it serves
#   ganesha_head NAME NFS MNT EXPORTS_FILE
#                               one more server (an NFS head) on its own
#                               ports; $GANESHA_EXTRA adds config blocks
#   ganesha_reload              SIGHUP: re-read the exports
#   ganesha_kill, ganesha_run   a crash (SIGKILL), and the server back
#   in_client NAME CMD...       run CMD from client NAME's address
#   nfs_url N PATH              the libnfs URL of PATH on the server, from
#                               client N's side (NFSv3)
#   nfs4_url N PSEUDO           the same over NFSv4, by pseudo path
#
# Everything started here is stopped by pid at exit; the namespace takes
# the rest with it (its first process is the test itself).  Nothing listens
# outside it, and the host's own rpcbind is never touched.  The export
# root is a fixture (tests/lib/fixture.sh), unmounted after the servers.
. "$(dirname "${BASH_SOURCE[0]}")/fixture.sh"
NFS_PORT=2049
MNT_PORT=20048

ganesha_enter() {
	[ "${NFSWAP_IN_NS:-}" = 1 ] && { ganesha_inside; return 0; }
	local why=""
	if [ "$(id -u)" != 0 ]; then why="needs root for namespaces"
	else
		for cmd in unshare ip ganesha.nfsd rpcbind; do
			command -v $cmd >/dev/null || { why="$cmd is not installed (make deps)"; break; }
		done
	fi
	if [ -z "$why" ] && ! unshare --net --mount --pid --fork true 2>/dev/null; then
		why="cannot create network/mount/pid namespaces here"
	fi
	if [ -n "$why" ]; then
		skip "NFS-Ganesha integration" "$why"
		tap_done
		exit 0
	fi
	# The outer shell prints nothing: the inner run is the TAP stream.
	trap - EXIT
	rm -rf "$T"
	NFSWAP_IN_NS=1 exec unshare --net --mount --pid --fork --kill-child --mount-proc \
	    "$BASH" "$0" "$@"
}

ganesha_pids=()
ganesha_inside() {
	ip link set lo up
	mkdir -p "$T/run" "$T/recovery"
	mount --bind "$T/run" /run
	mount --make-private /run 2>/dev/null
	at_exit ganesha_stop_all
}

ganesha_stop_all() {
	local p
	for p in "${ganesha_pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${ganesha_pids[@]}"; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null
	done
	ganesha_pids=()
	for p in "${ganesha_clients[@]}"; do ip netns del "$p" 2>/dev/null; done
	[ ${#ganesha_clients[@]} -gt 0 ] && umount /run/netns 2>/dev/null
	ganesha_clients=()
}

# An ext4 export root of SIZE on a loop device at $T/export, and an
# nfswap.conf ($T/nfswap.conf) whose Ganesha exports go to $T/nfswap.ganesha;
# n runs nfswap with it.  Unmounted and detached at exit, after Ganesha.
ganesha_export_root() {	# SIZE
	fx_image export "$1" ${GANESHA_MKFS_OPTS:-} || return 1
	cat >"$T/nfswap.conf" <<CONF
export_root = "$T/export";
state_dir = "$T/state";
quota_enforce = "none";
ganesha: { exports_file = "$T/nfswap.ganesha"; pseudo_root = "/swap";
    pid_file = "/run/ganesha.pid"; };
serve: { user = "$SERVE_UID"; chroot = "$T/serve-root"; stats_file = "$T/serve.prom"; };
CONF
}
n() { "$NFSWAP" -c "$T/nfswap.conf" "$@"; }

ganesha_clients=()
ganesha_client() {	# NAME N
	local name=$1 n=$2
	ganesha_clients+=("$name")
	ip netns add "$name" &&
	ip link add "s$n" type veth peer name "c$n" &&
	ip link set "c$n" netns "$name" &&
	ip addr add "10.9.$n.1/24" dev "s$n" &&
	ip link set "s$n" up &&
	ip netns exec "$name" ip addr add "10.9.$n.2/24" dev "c$n" &&
	ip netns exec "$name" ip link set "c$n" up &&
	ip netns exec "$name" ip link set lo up
}

in_client() {	# NAME CMD...
	local name=$1; shift
	ip netns exec "$name" "$@"
}

nfs_url() {	# N PATH
	echo "nfs://10.9.$1.1$2?version=3&nfsport=$NFS_PORT&mountport=$MNT_PORT"
}

nfs4_url() {	# N PSEUDO
	echo "nfs://10.9.$1.1$2?version=4&nfsport=$NFS_PORT"
}

# ganesha_conf FILE NFS_PORT MNT_PORT RECOVERY EXPORTS_FILE: a server's
# configuration; $GANESHA_EXTRA (blocks such as CEPH { }) goes in too.
ganesha_conf() {
	mkdir -p "$4"
	cat >"$1" <<CONF
NFS_CORE_PARAM { Protocols = 3, 4; NFS_Port = $2; MNT_Port = $3;
    Enable_NLM = false; Enable_RQUOTA = false; Enable_UDP = false; }
NFSv4 { Graceless = true; RecoveryBackend = fs; RecoveryRoot = "$4";
    Lease_Lifetime = 10; }
NFS_KRB5 { Active_krb5 = false; }
LOG { Default_Log_Level = EVENT; COMPONENTS { CONFIG = INFO; EXPORT = INFO; } }
${GANESHA_EXTRA:-}
%include "$5"
CONF
}

ganesha_rpcbind() {
	[ -S /run/rpcbind.sock ] && return 0
	mkdir -p /run/rpcbind
	rpcbind -f -w >"$T/rpcbind.log" 2>&1 &
	ganesha_pids+=($!)
	for _ in $(seq 50); do [ -S /run/rpcbind.sock ] && return 0; sleep 0.1; done
	return 1
}

ganesha_start() {	# EXPORTS_FILE
	ganesha_conf "$T/ganesha.conf" $NFS_PORT $MNT_PORT "$T/recovery" "$1"
	ganesha_rpcbind
	ganesha_run
}

# ganesha_wait LOG PID: until the server serves (0) or dies (1).
ganesha_wait() {
	for _ in $(seq 150); do
		grep -q "NFS SERVER INITIALIZED" "$1" 2>/dev/null && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# More servers side by side, each on ports of its own, as several NFS heads
# are: head NAME's configuration, log and recovery directory are
# $T/NAME.*, its pid file /run/NAME.pid.  (The last to start holds the
# rpcbind registration; the tests name every port.)
declare -A ganesha_head_pid
ganesha_head() {	# NAME NFS_PORT MNT_PORT EXPORTS_FILE
	ganesha_conf "$T/$1.conf" "$2" "$3" "$T/$1.recovery" "$4"
	ganesha_rpcbind || return 1
	: >"$T/$1.log"
	ganesha.nfsd -F -f "$T/$1.conf" -L "$T/$1.log" -p "/run/$1.pid" \
	    >>"$T/$1.out" 2>&1 &
	ganesha_head_pid[$1]=$!
	ganesha_pids+=($!)
	ganesha_wait "$T/$1.log" $!
}

# Until head NAME has re-read its exports after a SIGHUP sent by someone
# else (nfswap exports --reload, nfswap move --reload); COUNT is how many
# re-reads its log held before.
ganesha_head_reread() {	# NAME COUNT
	for _ in $(seq 50); do
		[ "$(grep -c "Reread exports" "$T/$1.log")" -gt "$2" ] && { sleep 0.5; return 0; }
		sleep 0.1
	done
	return 1
}

# ganesha.nfsd with $T/ganesha.conf, in the background; waits until it
# serves (a fresh log each time, so an old "initialized" does not count).
ganesha_run() {
	: >"$T/ganesha.log"
	ganesha.nfsd -F -f "$T/ganesha.conf" -L "$T/ganesha.log" \
	    -p /run/ganesha.pid >>"$T/ganesha.out" 2>&1 &
	GANESHA_PID=$!
	ganesha_pids+=($GANESHA_PID)
	ganesha_wait "$T/ganesha.log" $GANESHA_PID
}

# A crash: SIGKILL, nothing flushed.  ganesha_run brings it back with the
# same configuration (rpcbind kept running).
ganesha_kill() {
	kill -KILL "$GANESHA_PID" 2>/dev/null
	wait "$GANESHA_PID" 2>/dev/null
	return 0
}

ganesha_reload() {
	local before
	before=$(grep -c "Reread exports" "$T/ganesha.log")
	kill -HUP "$GANESHA_PID" || return 1
	for _ in $(seq 50); do
		[ "$(grep -c "Reread exports" "$T/ganesha.log")" -gt "$before" ] && { sleep 0.5; return 0; }
		sleep 0.1
	done
	return 1
}
