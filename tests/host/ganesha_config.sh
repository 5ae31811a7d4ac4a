#!/bin/bash
# tests/host/ganesha_config.sh -- the exports "nfswap exports" writes, as the
# servers take them.
#
# Without a server: the kernel format keeps its reserved-port default --
# "insecure" in kernel.options is refused (exit 2, file:line, the exports
# file untouched) unless kernel.allow_insecure forces it, and then every
# rendering of the kernel exports (and nfswap -n) warns on stderr what it
# exposes; "sec" is rendered into both formats and checked.
#
# With a real ganesha.nfsd (root): the EXPORT blocks load -- every client's
# export is created with its Export_Id, path, anonymous uid, exactly its
# own host and PrivilegedPort set, and the config raises no error; blocks
# with each Kerberos flavor (SecType = krb5, krb5i, krb5p, and a list)
# load too.  Ganesha runs NFSv4-only (no rpcbind needed) in a private
# network and mount namespace, and is stopped by pid.  The NFS traffic
# itself is tests/host/nfs_ganesha.sh.
set -u
. "$(dirname "$0")/../lib/tap.sh"
NFSWAP=${NFSWAP:-build/nfswap}

conf() {	# FILE [EXTRA...]: an nfswap.conf under $T
	local f=$1; shift
	{
		echo "export_root = \"$T/export\";"
		echo "state_dir = \"$T/state\";"
		echo "quota_enforce = \"none\";"
		echo "ganesha: { exports_file = \"$T/nfswap.ganesha\"; pseudo_root = \"/swap\"; };"
		printf '%s\n' "$@"
	} >"$f"
}
conf "$T/nfswap.conf" "kernel: { exports_file = \"$T/nfswap.exports\"; };"
n() { "$NFSWAP" -c "$T/nfswap.conf" "$@"; }
n add alice --host 10.0.0.5 >/dev/null
n add lab --host 10.0.1.0/24 >/dev/null
n add six --host 2001:db8::6 >/dev/null
n add sixnet --host 2001:db8:1::/48 >/dev/null

# --- the kernel format: "insecure" and "sec" --------------------------------------
ok "nfswap exports (kernel)" n exports
cp "$T/nfswap.exports" "$T/before.exports"
is "every line: sec=sys first, no \"insecure\"" \
    "$(grep -v '^#' "$T/nfswap.exports" | grep -c '(sec=sys,rw,sync,no_subtree_check,all_squash,anonuid=[0-9]*,anongid=[0-9]*)$')" 4

conf "$T/insecure.conf" "kernel: { exports_file = \"$T/nfswap.exports\";" \
    "  options = \"no_wdelay,insecure\"; };"
"$NFSWAP" -c "$T/insecure.conf" exports >"$T/o" 2>"$T/e"
is "kernel.options = \"insecure\": refused, exit 2" $? 2
ok "... at its file:line, saying what it opens and how to force it" \
    says "$T/e" "nfswap: $T/insecure.conf:6:" "kernel.options" '"insecure"' "port above 1023" "kernel.allow_insecure = true"
ok "... and the exports file is untouched" cmp "$T/before.exports" "$T/nfswap.exports"
"$NFSWAP" -c "$T/insecure.conf" -n >"$T/o" 2>"$T/e"
is "... nfswap -n refuses it too (exit 2)" $? 2

conf "$T/forced.conf" "kernel: { exports_file = \"$T/nfswap.exports\";" \
    "  options = \"no_wdelay,insecure\"; allow_insecure = true; };"
f() { "$NFSWAP" -c "$T/forced.conf" "$@"; }
# The warning, by its stable parts: one line, naming the option, what
# forced it and where, and what it exposes.
warned() {	# FILE: that warning, and nothing else
	[ "$(wc -l <"$1")" = 1 ] && says "$1" "nfswap: warning:" "kernel.options" '"insecure"' \
	    "kernel.allow_insecure, $T/forced.conf:6" "any source port" "read and write its swap"
}
f exports >"$T/o" 2>"$T/e"
is "forced with kernel.allow_insecure: written (exit 0)" $? 0
ok "... with a warning on stderr that says what it exposes" warned "$T/e"
is "... and \"insecure\" on every line" "$(grep -c ',anongid=[0-9]*,no_wdelay,insecure)$' "$T/nfswap.exports")" 4
f exports --output - >"$T/o" 2>"$T/e"
ok "... the warning at every rendering (to standard output too)" warned "$T/e"
f -n >"$T/o" 2>"$T/e"
ok "... and from nfswap -n" eval 'says "$T/o" "configuration OK" "$T/forced.conf" && warned "$T/e"'
f exports --format ganesha --output - >"$T/o" 2>"$T/e"
is "... but not for Ganesha, whose blocks still require a reserved port" \
    "$(wc -c <"$T/e") $(grep -c '^	PrivilegedPort = true;$' "$T/o")" "0 4"

for sec in krb5 krb5i krb5p krb5p:krb5i; do
	sf=$T/sec-${sec/:/-}
	conf "$sf.conf" "sec = \"$sec\";" "kernel: { exports_file = \"$sf.exports\"; };"
	"$NFSWAP" -c "$sf.conf" exports >/dev/null &&
	    "$NFSWAP" -c "$sf.conf" exports --format ganesha --output "$sf.ganesha" >/dev/null
	is "sec = \"$sec\": sec=$sec first on every kernel line, SecType = ${sec/:/, } in every block" \
	    "$(grep -c "(sec=$sec,rw," "$sf.exports") $(grep -c "^	SecType = ${sec/:/, };\$" "$sf.ganesha")" "4 4"
done
for sec in none krb5p,krb5i krb5:krb5 ""; do
	conf "$T/bad.conf" "" "sec = \"$sec\";"
	"$NFSWAP" -c "$T/bad.conf" exports --output - >"$T/o" 2>"$T/e"
	rc=$?
	is "sec = \"$sec\": refused (exit 2, nothing written) at nfswap.conf:6" \
	    "$rc $(wc -c <"$T/o") $(grep -c "^nfswap: $T/bad.conf:6: sec: " "$T/e")" "2 0 1"
done

# --- a real ganesha.nfsd loads the blocks ------------------------------------------
if [ "$(id -u)" != 0 ]; then skip "ganesha config" "needs root for unshare"; tap_done; exit; fi
for cmd in ganesha.nfsd unshare ip jq; do
	command -v $cmd >/dev/null || { skip "ganesha config" "$cmd is not installed (make deps)"; tap_done; exit; }
done

# load EXPORTS LOG: ganesha.nfsd with those blocks, inside a namespace
# (loopback up, a private /run), in the foreground; stopped once it says
# it is initialised (or after 20 s).  The site's defaults turn
# PrivilegedPort off: each block's own setting must win over them.
load() {
	local dir=$T/g.$RANDOM
	mkdir -p "$dir/run" "$dir/recovery"
	cat >"$dir/ganesha.conf" <<CONF
NFS_CORE_PARAM { Protocols = 4; NFS_Port = 2049; Enable_NLM = false;
    Enable_RQUOTA = false; Enable_UDP = false; }
NFSv4 { Graceless = true; RecoveryBackend = fs; RecoveryRoot = "$dir/recovery";
    Lease_Lifetime = 10; }
NFS_KRB5 { Active_krb5 = false; }
LOG { Default_Log_Level = EVENT; COMPONENTS { CONFIG = INFO; EXPORT = INFO; } }
EXPORT_DEFAULTS { PrivilegedPort = false; }
%include "$1"
CONF
	unshare --net --mount --pid --fork --kill-child bash -c '
		ip link set lo up
		mount --bind "$1/run" /run
		ganesha.nfsd -F -f "$1/ganesha.conf" -L "$2" -p "$1/run/ganesha.pid" &
		pid=$!
		for _ in $(seq 200); do
			grep -q "NFS SERVER INITIALIZED" "$2" 2>/dev/null && break
			kill -0 $pid 2>/dev/null || break
			sleep 0.1
		done
		kill -TERM $pid 2>/dev/null
		wait $pid
	' _ "$dir" "$2" >"$dir/ns.out" 2>&1
}

# The options of export ID as Ganesha's log prints them, "options=X/Y":
# X the flags in force, Y those the block set.  0x200 is PrivilegedPort
# (EXPORT_OPTION_PRIVILEGED_PORT in Ganesha 4's export_mgr.h).
privileged() {	# LOG ID
	local o
	o=$(sed -n "s/.*Export $2 created at pseudo .* perms (options=\([0-9a-f]*\/[0-9a-f]*\) .*/\1/p" "$1" | head -1)
	[ -n "$o" ] && (( (0x${o%/*} & 0x200) && (0x${o#*/} & 0x200) ))
}

ok "nfswap exports --format ganesha" n exports --format ganesha
log="$T/ganesha.log"
load "$T/nfswap.ganesha" "$log"
grep -q "NFS SERVER INITIALIZED" "$log"
is "ganesha.nfsd started with the generated exports" $? 0
is "no config errors" "$(grep -cE 'config_errs_to_log|errors found|Config File' "$log")" 0

for name in alice lab six sixnet; do
	id=$(n show $name --json | jq .export_id)
	uid=$(n show $name --json | jq .uid)
	host=$(n show $name --json | jq -r .host)
	case $host in */*) cidr=$host ;; *:*) cidr=$host/128 ;; *) cidr=$host/32 ;; esac
	grep -q "Export $id created at pseudo (/swap/$name) with path ($T/export/$name).*all_squash.*anon_uid=$uid, anon_gid=$uid.*, sys)\$" "$log"
	is "export $id for $name: path, pseudo, all_squash, anon uid, sys" $? 0
	ok "export $id for $name: PrivilegedPort set, in force (over EXPORT_DEFAULTS' false)" privileged "$log" "$id"
	is "export $id for $name: exactly one client, its own" \
	    "$(grep -A1 "ReadExports :EXPORT :INFO :Export  $id " "$log" | grep -o 'NETWORK_CLIENT: [^ ]*' | tr '\n' ' ')" \
	    "NETWORK_CLIENT: $cidr "
done
[ $tap_failed -gt 0 ] && sed 's/^/# /' "$log" | grep -v DBUS | tail -40

# Kerberos: the blocks load with each flavor, no keytab needed to load
# them (serving krb5 needs a KDC and keytabs: a later issue).
id=$(n show alice --json | jq .export_id)
for sec in krb5 krb5i krb5p krb5p:krb5i; do
	sf=$T/sec-${sec/:/-}
	load "$sf.ganesha" "$sf.log"
	ok "SecType = ${sec/:/, }: Ganesha loads the blocks, no config error" \
	    sh -c "grep -q 'NFS SERVER INITIALIZED' '$sf.log' && ! grep -qE 'config_errs_to_log|errors found|Config File' '$sf.log'"
	is "... alice's export takes ${sec/:/ and } only, from a reserved port" \
	    "$(sed -n "s/.*Export $id created at pseudo .*anon_gid=[0-9]*, *, \(.*\))\$/\1/p" "$sf.log" | head -1) $(privileged "$sf.log" "$id" && echo privileged)" \
	    "$(echo "${sec/:/ }" | tr ' ' '\n' | sort | paste -sd, | sed 's/,/, /g') privileged"
done
[ $tap_failed -gt 0 ] && sed 's/^/# /' "$T/sec-krb5p.log" | grep -v DBUS | tail -20
tap_done
