#!/bin/bash
# tests/host/nfs_ganesha.sh -- the provisioner's exports, served by a real
# NFS-Ganesha, used as thin clients use them: two clients, each in its own
# network namespace with its own address, talk NFSv3 through libnfs.
# Client A writes a swap-sized file in 2 KiB writes (and with the agent's own
# creation code) in its export; the files are A's anonymous uid's, 0600, with
# no holes; A cannot reach B's export nor get out of its own; B's export is
# refused from A's address; audit sees what A wrote; remove --purge and a
# reload take A's export away.
#
# The unprivileged user (issue 17, finding 1): every user of A's host is
# squashed to A's uid, so only the source port tells A's kernel from any
# other process there.  The same libnfs client run as uid 65534 from A's
# own address (an ephemeral port) can neither mount A's export nor read or
# write A's swap file, over NFSv3 or NFSv4, and Ganesha says why; run as
# root from that address (a reserved port), it still can.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/ganesha.sh"
B=${NFSWAP_BUILD:-build}
NFSWAP=${NFSWAP:-$B/nfswap}
NFSC=$B/tests/nfsc
case $NFSWAP in /*) ;; *) NFSWAP=$PWD/$NFSWAP ;; esac
case $NFSC in /*) ;; *) NFSC=$PWD/$NFSC ;; esac

for cmd in losetup mkfs.ext4 jq; do
	command -v $cmd >/dev/null || { skip "NFS-Ganesha integration" "$cmd is not installed (make deps)"; tap_done; exit; }
done
[ -x "$NFSC" ] || { ok "$NFSC is built" false; tap_done; exit 1; }
ganesha_enter "$@"

# --- inside the namespace -----------------------------------------------------
ganesha_export_root 128M
ok "an ext4 export root" mountpoint -q "$T/export"
ok "client network A (10.9.1.2)" ganesha_client a 1
ok "client network B (10.9.2.2)" ganesha_client b 2
ok "nfswap add alice --host 10.9.1.2" n add alice --host 10.9.1.2 --quota 64M
ok "nfswap add bob --host 10.9.2.2" n add bob --host 10.9.2.2
ok "nfswap exports --format ganesha" n exports --format ganesha
ok "ganesha.nfsd serves them (rpcbind for NFSv3)" ganesha_start "$T/nfswap.ganesha"
ALICE=$T/export/alice
BOB=$T/export/bob
auid=$(n show alice --json | jq .uid)
buid=$(n show bob --json | jq .uid)

nfsc() {	# nfsc CLIENT N PATH CMD...
	local c=$1 k=$2 p=$3; shift 3
	in_client "$c" "$NFSC" "$(nfs_url "$k" "$p")" "$@"
}
# The same, as an unprivileged user of that host: no capabilities, so
# libnfs cannot bind a reserved port.
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
nfsc_nobody() {	# CLIENT URL CMD...
	local c=$1 u=$2; shift 2
	in_client "$c" $NOBODY "$NFSC" "$u" "$@"
}

# --- A in its own export ------------------------------------------------------
ok "A mounts its export over NFSv3" nfsc a 1 "$ALICE" mount
nfsc a 1 "$ALICE" write nfswap.0 $((32 << 20)) 2048 >"$T/w.out"
is "A writes a 32 MiB swap file in 2 KiB writes" "$(cat "$T/w.out")" "written 33554432"
nfsc a 1 "$ALICE" stat nfswap.0 >"$T/st.out"
is "A sees the file: size" "$(awk '$1 == "size" {print $2}' "$T/st.out")" 33554432
is "A sees the file: mode 0600" "$(awk '$1 == "mode" {print $2}' "$T/st.out")" 600
is "A sees the file: A's anonymous uid" "$(awk '$1 == "uid" {print $2}' "$T/st.out")" "$auid"
is "on the server: owner and mode" "$(stat -c '%u %a' "$ALICE/nfswap.0")" "$auid 600"
ok "on the server: no holes" test $(($(stat -c %b "$ALICE/nfswap.0") * 512)) -ge 33554432
nfsc a 1 "$ALICE" read nfswap.0 >"$T/r.out"
is "A reads it back" "$(cat "$T/r.out")" "read 33554432"

# The agent's own creation code, over libnfs, against the real server.
nfsc a 1 "$ALICE" agentwrite nfswap.1 $((16 << 20)) 2048 >"$T/aw.out"
is "the agent's writer: 16 MiB through Ganesha" "$(head -1 "$T/aw.out")" "written 16777216"
ok "... no holes on the server" test $(($(stat -c %b "$ALICE/nfswap.1") * 512)) -ge 16777216
is "... owner and mode on the server" "$(stat -c '%u %a' "$ALICE/nfswap.1")" "$auid 600"

# audit sees what A wrote
usage=$(n audit --json 2>/dev/null | jq '.clients[] | select(.name == "alice") | .used')
ok "nfswap audit: alice's usage is what A wrote (48 MiB, $usage bytes)" \
    test "${usage:-0}" -ge $((48 << 20)) -a "${usage:-0}" -lt $((49 << 20))

ok "A removes a file" nfsc a 1 "$ALICE" rm nfswap.1
ok "... it is gone on the server" test ! -e "$ALICE/nfswap.1"

# --- an unprivileged user on A's own host (finding 1) --------------------------
aid=$(n show alice --json | jq .export_id)
v3=$(nfs_url 1 "$ALICE")
v4=$(nfs4_url 1 /swap/alice)
ok "the export requires a reserved port (PrivilegedPort in alice's block)" \
    sh -c "sed -n '/^# client alice\$/,/^}/p' '$T/nfswap.ganesha' | grep -qx '	PrivilegedPort = true;'"
is "A's host keeps ports below 1024 for root (ip_unprivileged_port_start)" \
    "$(in_client a sysctl -n net.ipv4.ip_unprivileged_port_start)" 1024
is "the attacker is uid 65534 on A's host, with no capabilities" \
    "$(in_client a $NOBODY sh -c 'echo $(id -u) $(id -g) $(id -G) $(sed -n "s/^CapEff:\t//p" /proc/self/status)')" \
    "65534 65534 65534 0000000000000000"
nfsc a 1 "$ALICE" mount >"$T/m.out"
port=$(awk '$1 == "port" {print $2}' "$T/m.out")
ok "root on A mounts from a reserved port (${port:-?})" test "${port:-65535}" -lt 1024
sum0=$(md5sum <"$ALICE/nfswap.0")
stat0=$(stat -c '%s %Y' "$ALICE/nfswap.0")
before=$(grep -c "Non-reserved Port [0-9]* is not allowed on Export_Id $aid " "$T/ganesha.log")
for v in 3 4; do
	eval "u=\$v$v"
	nfsc_nobody a "$u" mount >"$T/x.out" 2>&1
	ok "uid 65534 on A cannot mount A's export (NFSv$v)" grep -q "^ERR" "$T/x.out"
	nfsc_nobody a "$u" read nfswap.0 >"$T/x.out" 2>&1
	ok "... nor read A's swap file (NFSv$v)" sh -c "grep -q '^ERR' '$T/x.out' && ! grep -q '^read' '$T/x.out'"
	nfsc_nobody a "$u" poke nfswap.0 4096 injected >"$T/x.out" 2>&1
	ok "... nor write into it (NFSv$v)" sh -c "grep -q '^ERR' '$T/x.out' && ! grep -q '^poked' '$T/x.out'"
	nfsc_nobody a "$u" write planted.$v 2048 2048 >"$T/x.out" 2>&1
	ok "... nor create a file there (NFSv$v)" \
	    sh -c "grep -q '^ERR' '$T/x.out' && [ ! -e '$ALICE/planted.$v' ]"
done
for v in 3 4; do	# last: had the others got in, the file would be gone
	eval "u=\$v$v"
	nfsc_nobody a "$u" rm nfswap.0 >"$T/x.out" 2>&1
	ok "... nor remove A's swap file (NFSv$v)" sh -c "grep -q '^ERR' '$T/x.out' && [ -e '$ALICE/nfswap.0' ]"
done
is "A's swap file is untouched on the server (size, mtime, content)" \
    "$(stat -c '%s %Y' "$ALICE/nfswap.0") $(md5sum <"$ALICE/nfswap.0")" "$stat0 $sum0"
after=$(grep -c "Non-reserved Port [0-9]* is not allowed on Export_Id $aid " "$T/ganesha.log")
ok "Ganesha refused each for its port ($((after - before)) refusals logged)" test "$after" -gt "$before"
ok "... over NFSv3 and over NFSv4" sh -c "grep 'Non-reserved Port [0-9]* is not allowed on Export_Id $aid ' '$T/ganesha.log' | grep -q nfs_rpc_process_request &&
    grep 'Non-reserved Port [0-9]* is not allowed on Export_Id $aid ' '$T/ganesha.log' | grep -q nfs4_export_check_access"
ok "root on A still mounts (NFSv3)" in_client a "$NFSC" "$v3" mount
ok "... and over NFSv4" in_client a "$NFSC" "$v4" mount
is "... reads A's swap file (NFSv4)" "$(in_client a "$NFSC" "$v4" read nfswap.0)" "read 33554432"
is "... writes into it (NFSv3)" "$(in_client a "$NFSC" "$v3" poke nfswap.0 4096 rootwrote)" "poked 9"
is "... and creates a file (NFSv4), as A's uid" \
    "$(in_client a "$NFSC" "$v4" write v4file 2048 2048; stat -c '%u %s' "$ALICE/v4file" 2>/dev/null)" "written 2048
$auid 2048"
is "... what root wrote is on the server" "$(dd if="$ALICE/nfswap.0" bs=1 skip=4096 count=9 2>/dev/null)" rootwrote
nfsc a 1 "$ALICE" rm v4file >/dev/null

# --- isolation --------------------------------------------------------------------
nfsc a 1 "$BOB" mount >"$T/x.out" 2>&1
ok "A cannot mount B's export" grep -q "^ERR" "$T/x.out"
nfsc a 1 "$BOB" ls >"$T/x.out" 2>&1
ok "A cannot list B's export" grep -q "^ERR" "$T/x.out"
nfsc a 1 "$ALICE" write ../escape 4096 2048 >"$T/x.out" 2>&1
ok "A cannot write outside its directory" test ! -e "$T/export/escape" -a ! -e "$BOB/escape"
nfsc a 1 "$ALICE" write ../bob/intruder 4096 2048 >"$T/x.out" 2>&1
ok "A cannot write into B's directory through .." test ! -e "$BOB/intruder"
nfsc b 2 "$ALICE" mount >"$T/x.out" 2>&1
ok "B cannot mount A's export" grep -q "^ERR" "$T/x.out"
ok "B mounts its own export" nfsc b 2 "$BOB" mount
nfsc b 2 "$BOB" write nfswap.0 65536 2048 >/dev/null
is "B's file is B's uid" "$(stat -c '%u' "$BOB/nfswap.0" 2>/dev/null)" "$buid"

# --- a full server filesystem ---------------------------------------------------
nfsc a 1 "$ALICE" write big $((160 << 20)) 2048 >"$T/full.out" 2>&1
# (libnfs 4.0 reports a failed WRITE as EFAULT, not the server's NOSPC.)
ok "writing past the server's free space fails part way" \
    sh -c "grep -q '^ERR' '$T/full.out' && w=\$(awk '/^written/ {print \$2}' '$T/full.out') && [ \"\$w\" -gt \$((40 << 20)) ] && [ \"\$w\" -lt \$((160 << 20)) ]"
ok "... because the server's file system is full" \
    test "$(df --output=avail -k "$T/export" | tail -1)" -lt 1024
nfsc a 1 "$ALICE" rm big >/dev/null 2>&1
skip "writes beyond the client's quota fail" \
    "this kernel has no project-quota support ($(uname -r)); the quota itself is proven in QEMU by tests/system/quota_vm.sh"

# --- remove --purge and a reload: the export is gone --------------------------------
ok "nfswap remove alice --purge" n remove alice --purge
ok "nfswap exports --format ganesha" n exports --format ganesha
ok "Ganesha re-reads its exports (SIGHUP)" ganesha_reload
nfsc a 1 "$ALICE" mount >"$T/x.out" 2>&1
ok "A's export is gone for A" grep -q "^ERR" "$T/x.out"
ok "B's export is still served" nfsc b 2 "$BOB" mount

[ $tap_failed -gt 0 ] && { echo "# ganesha.log:"; grep -v DBUS "$T/ganesha.log" | tail -30 | sed 's/^/# /'; }
tap_done
