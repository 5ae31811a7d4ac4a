#!/bin/bash
# tests/cli/nfs_ganesha.sh -- the provisioner's exports, served by a real
# NFS-Ganesha, used as thin clients use them: two clients, each in its own
# network namespace with its own address, talk NFSv3 through libnfs.
# Client A writes a swap-sized file in 2 KiB writes (and with the agent's own
# creation code) in its export; the files are A's anonymous uid's, 0600, with
# no holes; A cannot reach B's export nor get out of its own; B's export is
# refused from A's address; audit sees what A wrote; remove --purge and a
# reload take A's export away.
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
    "this kernel has no project-quota support ($(uname -r)); the quota itself is proven in QEMU by tests/cli/quota_vm.sh"

# --- remove --purge and a reload: the export is gone --------------------------------
ok "nfswap remove alice --purge" n remove alice --purge
ok "nfswap exports --format ganesha" n exports --format ganesha
ok "Ganesha re-reads its exports (SIGHUP)" ganesha_reload
nfsc a 1 "$ALICE" mount >"$T/x.out" 2>&1
ok "A's export is gone for A" grep -q "^ERR" "$T/x.out"
ok "B's export is still served" nfsc b 2 "$BOB" mount

[ $tap_failed -gt 0 ] && { echo "# ganesha.log:"; grep -v DBUS "$T/ganesha.log" | tail -30 | sed 's/^/# /'; }
tap_done
