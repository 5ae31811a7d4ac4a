#!/bin/bash
# tests/host/cephfs.sh -- nfswap past one server: client directories on
# CephFS behind two NFS-Ganesha heads (Ceph FSAL), with CephFS quotas.
#
# A real single-node Ceph cluster with CephFS (tests/lib/ceph.sh) and two
# ganesha.nfsd heads on addresses and ports of their own, all in the test's
# private namespace; three thin clients, each in a namespace of its own
# with its own address, speak NFSv3 through libnfs.  nfswap runs with
# backend = "cephfs" exactly as an operator would: add (placed by load or
# by --head), exports --head, serve's LOOKUP, audit, quota, move, remove.
# What CephFS holds is read back independently (tests/integration/cephdir.c,
# as client.admin).
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/ganesha.sh"
. "$(dirname "$0")/../lib/ceph.sh"
B=${NFSWAP_BUILD:-build}
case $B in /*) ;; *) B=$PWD/$B ;; esac
NFSWAP=${NFSWAP:-$B/nfswap}
WHAT="CephFS behind two NFS-Ganesha heads"
if [ "${NFSWAP_IN_NS:-}" != 1 ]; then
	ceph_need "$WHAT"
	for f in tests/cephdir tests/nfsc tests/nfswapc; do
		[ -x "$B/$f" ] || { ok "$B/$f is built" false; tap_done; exit 1; }
	done
	printf 'backend = "cephfs";\nstate_dir = "%s/probe";\n' "$T" >"$T/probe.conf"
	if "$NFSWAP" -c "$T/probe.conf" audit 2>&1 | grep -q "built without libcephfs"; then
		skip "$WHAT" "this nfswap was built without libcephfs (CEPHFS=0)"
		tap_done; exit 0
	fi
fi
ganesha_enter "$@"

# --- the cluster ---------------------------------------------------------
t0=$(date +%s.%N)
ok "a single-node Ceph cluster with CephFS comes up" ceph_start || { tap_done; exit 1; }
awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "# cluster up in %.1f s\n", b - a }'
K=$CEPH_DIR/etc
# The directories' root, made once by the cluster's administrator; then
# nfswap's own key is limited to it (rwp: 'p' sets quotas), and the heads'
# key too.
ok "the administrator makes /nfswap" "$B/tests/cephdir" "$CEPH_CONF" mkdir /nfswap 755
c fs authorize cephfs client.nfswap /nfswap rwp >"$K/ceph.client.nfswap.keyring" &&
c fs authorize cephfs client.ganesha /nfswap rw >"$K/ceph.client.ganesha.keyring"
ok "cephx users for nfswap and the heads, limited to /nfswap" \
    grep -q '^\[client.nfswap\]' "$K/ceph.client.nfswap.keyring"

# --- the heads' addresses and the clients ----------------------------------
ip addr add 10.9.0.11/32 dev lo && ip addr add 10.9.0.12/32 dev lo
for i in 1 2 3; do
	ganesha_client "c$i" $i && in_client "c$i" ip route add default via "10.9.$i.1"
done
ok "three client namespaces, routed to the heads' addresses" in_client c3 ip route get 10.9.0.12
H1_NFS=2049 H1_MNT=20048 H2_NFS=2050 H2_MNT=20049
cat >"$T/nfswap.conf" <<CONF
export_root = "$T/unused";
state_dir = "$T/state";
backend = "cephfs";
cephfs = { conf = "$CEPH_CONF"; user = "nfswap"; filesystem = "cephfs";
    root = "/nfswap"; ganesha_user = "ganesha"; };
ganesha = { pseudo_root = "/swap"; };
heads = (
  { name = "h1"; address = "10.9.0.11"; nfs_port = $H1_NFS; mount_port = $H1_MNT;
    exports_file = "$T/h1.exports"; pid_file = "/run/h1.pid"; },
  { name = "h2"; address = "10.9.0.12"; nfs_port = $H2_NFS; mount_port = $H2_MNT;
    exports_file = "$T/h2.exports"; pid_file = "/run/h2.pid"; }
);
serve = { user = "$SERVE_UID"; chroot = "$T/serve-root"; stats_file = "$T/serve.prom"; };
CONF
n() { "$NFSWAP" -c "$T/nfswap.conf" "$@"; }
ok "nfswap -n accepts the CephFS configuration" n -n
# url CLIENT HEAD: the client's own export through that head
url() {
	local np mp a
	case $2 in h1) a=10.9.0.11 np=$H1_NFS mp=$H1_MNT ;; h2) a=10.9.0.12 np=$H2_NFS mp=$H2_MNT ;; esac
	echo "nfs://$a/nfswap/$1?version=3&nfsport=$np&mountport=$mp"
}
nfsc() { local who=$1; shift; in_client "$who" "$B/tests/nfsc" "$@"; }
refused() { ! in_client "$1" "$B/tests/nfsc" "$2" mount >"$T/refused.out" 2>&1; }
gone() { ! "$B/tests/cephdir" "$CEPH_CONF" usage "$1" >/dev/null 2>&1; }

# --- provisioning on CephFS -------------------------------------------------
t1=$(date +%s.%N)
ok "add c1 (placed by load)" n add c1 --host 10.9.1.2 --quota 8M
ok "add c2 (placed by load)" n add c2 --host 10.9.2.2 --quota 8M
ok "add c3 --head h1 (the admin's choice)" n add c3 --host 10.9.3.2 --quota 8M --head h1
awk -v a="$t1" -v b="$(date +%s.%N)" 'BEGIN { printf "# three adds on CephFS in %.2f s\n", b - a }'
is "placement: c1 on h1, c2 on h2 (the head with fewer clients), c3 on h1 as asked" \
    "$(n list --json | jq -r '.[] | "\(.name)=\(.head)"' | tr '\n' ' ')" "c1=h1 c2=h2 c3=h1 "
is "nfswap heads counts them" "$(n heads --json | jq -r '.[] | "\(.name):\(.clients)"' | tr '\n' ' ')" "h1:2 h2:1 "
"$B/tests/cephdir" "$CEPH_CONF" usage /nfswap/c1 >"$T/c1.usage"
uid1=$(n show c1 --json | jq -r .uid)
is "on CephFS (read as client.admin): /nfswap/c1 is 0700, c1's uid, its quota 8 MiB" \
    "$(awk '{ print $6, $8, $4 }' "$T/c1.usage")" "700 $uid1 8388608"
ok "a head that is not configured is refused (exit 2)" sh -c \
    "'$NFSWAP' -c '$T/nfswap.conf' add c4 --host 10.9.4.2 --head h9 2>'$T/e'; test \$? -eq 2 && grep -q 'no head named \"h9\"' '$T/e'"
ok "... and nothing was made for it" gone /nfswap/c4
ok "exports without --head are refused when heads are configured (exit 2)" sh -c \
    "'$NFSWAP' -c '$T/nfswap.conf' exports --format ganesha 2>'$T/e'; test \$? -eq 2 && grep -q 'with --head' '$T/e'"
ok "the kernel format is refused for CephFS (exit 2)" sh -c \
    "'$NFSWAP' -c '$T/nfswap.conf' exports --head h1 2>'$T/e'; test \$? -eq 2 && grep -q 'cannot serve CephFS' '$T/e'"
ok "exports --head h1 --format ganesha" n exports --head h1 --format ganesha
ok "exports --head h2 --format ganesha" n exports --head h2 --format ganesha
is "h1's file holds c1 and c3, h2's c2" "$(grep -ho '^# client .*' "$T/h1.exports" "$T/h2.exports" | tr '\n' ' ')" \
    "# client c1 # client c3 # client c2 "
ok "each EXPORT uses the Ceph FSAL as the heads' cephx user" sh -c \
    "grep -q 'Name = CEPH;' '$T/h1.exports' && grep -q 'User_Id = \"ganesha\";' '$T/h2.exports' && grep -q 'Path = \"/nfswap/c2\";' '$T/h2.exports'"

# --- two heads ------------------------------------------------------------
GANESHA_EXTRA="CEPH { Ceph_Conf = \"$CEPH_CONF\"; }
MDCACHE { Dir_Chunk = 0; }"
# A head that does not come up says why (its log's errors).
head_up() {
	ganesha_head "$@" && return 0
	{ tail -5 "$T/$1.out"; grep -E "CRIT|MAJ|FATAL" "$T/$1.log" | grep -v DBUS | tail -5; } >&2
	return 1
}
ok "head h1 (ganesha.nfsd, Ceph FSAL) serves" head_up h1 $H1_NFS $H1_MNT "$T/h1.exports"
ok "head h2 serves, on its own ports" head_up h2 $H2_NFS $H2_MNT "$T/h2.exports"

is "c1 writes 2 MiB in 2 KiB writes through its head h1" \
    "$(nfsc c1 "$(url c1 h1)" write nfswap.0 2097152 2048)" "written 2097152"
is "c2 writes 2 MiB through its head h2" "$(nfsc c2 "$(url c2 h2)" write nfswap.0 2097152 2048)" "written 2097152"
is "... the file is c1's anonymous uid (Squash = All)" \
    "$(nfsc c1 "$(url c1 h1)" stat nfswap.0 | awk '$1 == "uid" { print $2 }')" "$uid1"
ok "c1 cannot mount its export through h2 (not its head)" refused c1 "$(url c1 h2)"
ok "c1 cannot mount c2's export through h2" refused c1 "$(url c2 h2)"
ok "c1 cannot mount c3's export through h1 (same head, another client)" refused c1 "$(url c3 h1)"
ok "c3 reaches its own through h1" nfsc c3 "$(url c3 h1)" mount
nfsc c1 "$(url c1 h1)" write big $((32 << 20)) 65536 >"$T/big.out" 2>&1
got=$(sed -n 's/^written //p' "$T/big.out")
# (libnfs 4.0 reports the server's NFS3ERR_DQUOT as a failed write call.)
ok "c1's 32 MiB more stops part way: the quota holds (${got:-?} bytes written first)" \
    sh -c "grep -q '^ERR ' '$T/big.out' && test '${got:-0}' -lt $((8 << 20))"

# CephFS's statistics move up the tree lazily; wait until they settle.
for _ in $(seq 50); do
	b=$("$B/tests/cephdir" "$CEPH_CONF" usage /nfswap/c2 | awk '{ print $2 }')
	[ "$b" = 2097152 ] && break
	sleep 0.2
done
n audit --json >"$T/audit.json"
is "audit reads c2's usage from CephFS: exactly the 2 MiB written" \
    "$(jq -r '.clients[] | select(.name == "c2") | "\(.used) \(.files)"' "$T/audit.json")" "2097152 1"
is "audit's c1 usage is what CephFS counts (ceph.dir.rbytes)" \
    "$(jq -r '.clients[] | select(.name == "c1") | .used' "$T/audit.json")" \
    "$("$B/tests/cephdir" "$CEPH_CONF" usage /nfswap/c1 | awk '{ print $2 }')"
used1=$(jq -r '.clients[] | select(.name == "c1") | .used' "$T/audit.json")
# CephFS enforces quotas in its clients, a little late (the MDS hands out
# room in steps): c1 may stand a little over its 8 MiB, and audit says so.
ok "c1 ends within its quota and CephFS's slack (${used1:-?} bytes: 8 MiB + at most 4)" \
    test "${used1:-0}" -ge $((2 << 20)) -a "${used1:-0}" -le $((12 << 20))
is "audit finds no other problem: owners, modes, heads, no foreign entries, no orphans" \
    "$(jq -r '[.clients[].problems[] | select(test("^client c1: uses .* over its quota of 8M$") | not)] + .other_problems | length' "$T/audit.json")" 0
jq -r '.clients[].problems[]' "$T/audit.json" | sed 's/^/# audit: /' 
ok "quota c2 16M sets ceph.quota.max_bytes" sh -c \
    "'$NFSWAP' -c '$T/nfswap.conf' quota c2 16M >/dev/null && '$B/tests/cephdir' '$CEPH_CONF' usage /nfswap/c2 | grep -q 'quota 16777216 '"

# --- inode limits: ceph.quota.max_files (issue 17, finding 5) ---------------
is "add set c1's inode limit (the default, 256) as ceph.quota.max_files" \
    "$("$B/tests/cephdir" "$CEPH_CONF" usage /nfswap/c1 | awk '{ print $10 }')" 256
ok "quota c2 --inodes 4 sets it to 4, the byte quota kept" sh -c \
    "'$NFSWAP' -c '$T/nfswap.conf' quota c2 --inodes 4 >/dev/null && '$B/tests/cephdir' '$CEPH_CONF' usage /nfswap/c2 | grep -q 'quota 16777216 .* max_files 4 '"
made=0
for i in $(seq 12); do
	nfsc c2 "$(url c2 h2)" write "f$i" 2048 2048 >"$T/mf.out" 2>&1 || break
	made=$((made + 1))
done
# (CephFS enforces max_files in its clients -- here the head's -- from the
# counts they know, so a file or two past the limit may get through.)
ok "c2, holding 1 file, cannot make 12 more through its head: max_files holds ($made made, then: $(head -1 "$T/mf.out"))" \
    test "$made" -ge 2 -a "$made" -lt 12
for _ in $(seq 50); do
	e=$("$B/tests/cephdir" "$CEPH_CONF" usage /nfswap/c2 | awk '{ print $12 }')
	[ "$e" = $((made + 1)) ] && break
	sleep 0.2
done
is "audit's inodes for c2: what CephFS counts below it, and its directory" \
    "$(n audit --json | jq -r '.clients[] | select(.name == "c2") | "\(.inodes_used) \(.inodes)"')" "$((e + 1)) 4"
is "show says the same" "$(n show c2 --json | jq -r '"\(.inodes_used) \(.inodes) \(.usage_from)"')" "$((e + 1)) 4 quota"
ok "quota c2 --inodes 64 gives it room again" sh -c \
    "'$NFSWAP' -c '$T/nfswap.conf' quota c2 --inodes 64 >/dev/null && '$B/tests/cephdir' '$CEPH_CONF' usage /nfswap/c2 | grep -q 'max_files 64 '"

# --- nfswap serve: LOOKUP names the client's head --------------------------
for p in 4001 4002; do
	"$NFSWAP" -c "$T/nfswap.conf" serve -d --port $p --no-rpcbind 2>"$T/serve$p.log" &
	fx_pid $!
done
for _ in $(seq 50); do grep -q "serving program" "$T/serve4002.log" && break; sleep 0.1; done
is "LOOKUP (v2) from c1, asked of the service on h2: export, head h1's address and ports, no ALLOCATE on CephFS" \
    "$(in_client c1 "$B/tests/nfswapc" 10.9.1.1 4002 lookup2)" \
    "OK c1 /nfswap/c1 10.9.0.11 $H1_NFS $H1_MNT no-allocate"
is "LOOKUP (v2) from c2: head h2" "$(in_client c2 "$B/tests/nfswapc" 10.9.2.1 4001 lookup2 | cut -d' ' -f4-6)" \
    "10.9.0.12 $H2_NFS $H2_MNT"
is "ALLOCATE on CephFS: NOTSUPP (the agent writes over NFS instead)" \
    "$(in_client c1 "$B/tests/nfswapc" 10.9.1.1 4001 allocate nfswap.1 1048576)" "NOTSUPP"

# --- moving a client is one command ----------------------------------------
r1=$(grep -c "Reread exports" "$T/h1.log") r2=$(grep -c "Reread exports" "$T/h2.log")
ok "move c3 h2 --reload" n move c3 h2 --reload
ok "both heads re-read their exports" ganesha_head_reread h2 $r2
ok "... h1 too" ganesha_head_reread h1 $r1
ok "c3 now mounts through h2" nfsc c3 "$(url c3 h2)" mount
ok "... and still through h1, where its swap may be in use" nfsc c3 "$(url c3 h1)" mount
is "LOOKUP now names h2 for c3" "$(in_client c3 "$B/tests/nfswapc" 10.9.3.1 4001 lookup2 | cut -d' ' -f4)" "10.9.0.12"
is "nfswap heads: h1 1, h2 2" "$(n heads --json | jq -r '.[] | "\(.name):\(.clients)"' | tr '\n' ' ')" "h1:1 h2:2 "
r1=$(grep -c "Reread exports" "$T/h1.log")
ok "move c3 h2 --now --reload: the move is finished" n move c3 h2 --now --reload
ok "... h1 re-read its exports" ganesha_head_reread h1 $r1
ok "... and no longer lets c3 in" refused c3 "$(url c3 h1)"
ok "moving it to the head it is on is refused (exit 2)" sh -c \
    "'$NFSWAP' -c '$T/nfswap.conf' move c3 h2 --now 2>/dev/null; test \$? -eq 2"

# --- removal: export and data --------------------------------------------------
# A chain 400 levels deep in c1's directory, c1's own: audit's walk stops
# at its bound and says so (finding 4); the purge deletes it whole, with no
# recursion.  And a directory of root's, with something in it, put there:
# the purge, which acts with c1's credentials, cannot touch it and says so.
ok "a 400-level chain made in c1's directory, as c1" "$B/tests/cephdir" "$CEPH_CONF" chain /nfswap/c1 400 "$uid1"
ok "a directory of root's, not empty, put in c1's" "$B/tests/cephdir" "$CEPH_CONF" mkdir /nfswap/c1/rootdir/inner 700
n audit >"$T/audit.out" 2>&1
is "audit: exit 3" $? 3
ok "... c1's directory was not looked at whole: deeper than 32 levels" \
    says "$T/audit.out" "problem: client c1:" "not looked at whole" "deeper than 32 levels"
ok "... and the entries not c1's are named" says "$T/audit.out" "problem: client c1:" "2 entries" "not owned by uid"
r1=$(grep -c "Reread exports" "$T/h1.log")
"$NFSWAP" -c "$T/nfswap.conf" remove c1 --purge >"$T/rm.out" 2>&1
is "remove c1 --purge: the record goes, but root's directory stays (exit 1)" $? 1
ok "... saying so" says "$T/rm.out" "cannot empty" "/.nfswap-purge.c1." "on CephFS as its client"
ok "... root's directory and what is in it are still there" \
    sh -c "'$B/tests/cephdir' '$CEPH_CONF' ls /nfswap/.nfswap-purge.c1.$uid1/rootdir | grep -qx inner"
ok "... and nothing of c1's own is (the 400 levels went)" \
    sh -c "'$B/tests/cephdir' '$CEPH_CONF' ls /nfswap/.nfswap-purge.c1.$uid1 | grep -vx rootdir | wc -l | grep -qx 0"
n audit >"$T/audit.out" 2>&1
ok "audit reports the purge that did not finish" grep -q '^problem: purge of removed client c1 ' "$T/audit.out"
"$B/tests/cephdir" "$CEPH_CONF" rmdir /nfswap/.nfswap-purge.c1.$uid1/rootdir/inner &&
    "$B/tests/cephdir" "$CEPH_CONF" rmdir /nfswap/.nfswap-purge.c1.$uid1/rootdir
is "once the admin has removed it, remove c1 --purge again finishes" "$(n remove c1 --purge)" "removed the data of c1"
ok "... nothing of c1 is left on CephFS" sh -c \
    "! '$B/tests/cephdir' '$CEPH_CONF' ls /nfswap | grep -q c1"
ok "exports --head h1 --format ganesha --reload" n exports --head h1 --format ganesha --reload
ok "... h1 re-read them" ganesha_head_reread h1 $r1
ok "c1's export is gone from h1" refused c1 "$(url c1 h1)"
ok "c1's directory is gone from CephFS" gone /nfswap/c1
ok "c2 still writes through h2" nfsc c2 "$(url c2 h2)" write nfswap.1 1048576 2048
ok "audit is clean after it all" n audit

# --- a cluster that does not answer --------------------------------------------
sed 's|^mon host = .*|mon host = 127.0.0.1:1|' "$CEPH_CONF" >"$T/dead.conf"
sed "s|conf = \"$CEPH_CONF\"|conf = \"$T/dead.conf\"|" "$T/nfswap.conf" >"$T/dead.nfswap.conf"
ok "a cluster that does not answer: add fails with exit 1, saying so, and writes nothing" sh -c \
    "timeout 60 '$NFSWAP' -c '$T/dead.nfswap.conf' add c9 --host 10.9.9.2 2>'$T/e'; test \$? -eq 1 && grep -q 'CephFS cephfs:/nfswap as client.nfswap' '$T/e' && ! '$NFSWAP' -c '$T/nfswap.conf' show c9 2>/dev/null"
sed 's/^/# /' "$T/e"
timeout 60 "$NFSWAP" -c "$T/dead.nfswap.conf" show c2 >"$T/show.out" 2>&1
is "... while show still shows a client's record (exit 0), its usage unknown" \
    "$? $(grep -c '^head: *h2$' "$T/show.out") $(sed -n 's/^used: *\(unknown\) (.*)$/\1/p' "$T/show.out")" "0 1 unknown"
tap_done
