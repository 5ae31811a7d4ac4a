#!/bin/bash
# tests/cli/ganesha_config.sh -- the EXPORT blocks "nfswap exports --format
# ganesha" writes are loaded by a real ganesha.nfsd: every client's export
# is created with its Export_Id, path, anonymous uid and exactly its own
# host, and the config raises no error.  Ganesha runs NFSv4-only (no
# rpcbind needed) in a private network and mount namespace, and is stopped
# by pid.  The full NFS traffic tests are tests/integration (a later issue).
set -u
. "$(dirname "$0")/../lib/tap.sh"
NFSWAP=${NFSWAP:-build/nfswap}

if [ "$(id -u)" != 0 ]; then skip "ganesha config" "needs root for unshare"; tap_done; exit; fi
for cmd in ganesha.nfsd unshare ip; do
	command -v $cmd >/dev/null || { skip "ganesha config" "$cmd is not installed (make deps)"; tap_done; exit; }
done

mkdir -p "$T/run" "$T/recovery"
cat >"$T/nfswap.conf" <<CONF
export_root = "$T/export";
state_dir = "$T/state";
quota_enforce = "none";
ganesha: { exports_file = "$T/nfswap.ganesha"; pseudo_root = "/swap"; };
CONF
n() { "$NFSWAP" -c "$T/nfswap.conf" "$@"; }
n add alice --host 10.0.0.5 >/dev/null
n add lab --host 10.0.1.0/24 >/dev/null
n add six --host 2001:db8::6 >/dev/null
n add sixnet --host 2001:db8:1::/48 >/dev/null
ok "nfswap exports --format ganesha" n exports --format ganesha

cat >"$T/ganesha.conf" <<CONF
NFS_CORE_PARAM { Protocols = 4; NFS_Port = 2049; Enable_NLM = false;
    Enable_RQUOTA = false; Enable_UDP = false; }
NFSv4 { Graceless = true; RecoveryBackend = fs; RecoveryRoot = "$T/recovery";
    Lease_Lifetime = 10; }
NFS_KRB5 { Active_krb5 = false; }
LOG { Default_Log_Level = EVENT; COMPONENTS { CONFIG = INFO; EXPORT = INFO; } }
%include "$T/nfswap.ganesha"
CONF

# Inside the namespace: loopback up, a private /run, Ganesha in the
# foreground; stop it once it says it is initialised (or after 20 s).
unshare --net --mount --pid --fork --kill-child bash -c '
	ip link set lo up
	mount --bind "$1/run" /run
	ganesha.nfsd -F -f "$1/ganesha.conf" -L "$1/ganesha.log" -p "$1/run/ganesha.pid" &
	pid=$!
	for _ in $(seq 200); do
		grep -q "NFS SERVER INITIALIZED" "$1/ganesha.log" 2>/dev/null && break
		kill -0 $pid 2>/dev/null || break
		sleep 0.1
	done
	kill -TERM $pid 2>/dev/null
	wait $pid
' _ "$T" >"$T/ns.out" 2>&1
log="$T/ganesha.log"
grep -q "NFS SERVER INITIALIZED" "$log"
is "ganesha.nfsd started with the generated exports" $? 0
is "no config errors" "$(grep -cE 'config_errs_to_log|errors found|Config File' "$log")" 0

for name in alice lab six sixnet; do
	id=$(n show $name --json | jq .export_id)
	uid=$(n show $name --json | jq .uid)
	host=$(n show $name --json | jq -r .host)
	case $host in */*) cidr=$host ;; *:*) cidr=$host/128 ;; *) cidr=$host/32 ;; esac
	grep -q "Export $id created at pseudo (/swap/$name) with path ($T/export/$name).*all_squash.*anon_uid=$uid, anon_gid=$uid" "$log"
	is "export $id for $name: path, pseudo, all_squash, anon uid" $? 0
	is "export $id for $name: exactly one client, its own" \
	    "$(grep -A1 "ReadExports :EXPORT :INFO :Export  $id " "$log" | grep -o 'NETWORK_CLIENT: [^ ]*' | tr '\n' ' ')" \
	    "NETWORK_CLIENT: $cidr "
done
[ $tap_failed -gt 0 ] && sed 's/^/# /' "$log" | grep -v DBUS | tail -40
tap_done
