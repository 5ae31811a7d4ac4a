#!/bin/bash
# tests/host/serve.sh -- "nfswap serve", the provisioning service, in the
# Ganesha harness's private namespace: registered with rpcbind, asked by
# clients in their own network namespaces (their own source addresses)
# through the rpcgen client stubs (tests/integration/nfswapc.c).
#
# LOOKUP answers per source address, and sees an "nfswap add" made after
# it started (a network too); an unknown address gets nothing; ALLOCATE
# writes a file with no holes, the client's uid, 0600, within the quota
# (also for two allocations at once); names and sizes are checked as the
# CLI checks them; RELEASE only ever touches the caller's directory; a
# burst is rate-limited; a flood of malformed XDR does not crash or wedge
# it; nfswapd (provisioner = ...) grows through ALLOCATE, finds its export
# with LOOKUP, and falls back to writing files itself when the service is
# gone; SIGTERM stops the service and takes it out of rpcbind.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/ganesha.sh"
B=${NFSWAP_BUILD:-build}
NFSWAP=${NFSWAP:-$B/nfswap}
C=$B/tests/nfswapc
case $NFSWAP in /*) ;; *) NFSWAP=$PWD/$NFSWAP ;; esac
case $C in /*) ;; *) C=$PWD/$C ;; esac

for cmd in losetup mkfs.ext4 jq rpcinfo; do
	command -v $cmd >/dev/null || { skip "nfswap serve" "$cmd is not installed (make deps)"; tap_done; exit; }
done
[ -x "$C" ] || { ok "$C is built" false; tap_done; exit 1; }
ganesha_enter "$@"

# --- inside the namespace -----------------------------------------------------
ganesha_export_root 256M
ok "client network A (10.9.1.2)" ganesha_client a 1
ok "client network B (10.9.2.2)" ganesha_client b 2
ok "client network C (10.9.3.2)" ganesha_client c 3
ok "nfswap add alice --host 10.9.1.2 --quota 64M" n add alice --host 10.9.1.2 --quota 64M
ok "nfswap add bob --host 10.9.2.2" n add bob --host 10.9.2.2 --quota 1G
ok "nfswap exports --format ganesha" n exports --format ganesha
ok "rpcbind and ganesha.nfsd run" ganesha_start "$T/nfswap.ganesha"
auid=$(n show alice --json | jq .uid)

"$NFSWAP" -c "$T/nfswap.conf" serve -d 2>"$T/serve.log" &
SPID=$!
fx_pid $SPID
for _ in $(seq 50); do grep -q "serving program" "$T/serve.log" && break; sleep 0.1; done
ok "nfswap serve starts, registered with rpcbind" grep -q "registered with rpcbind" "$T/serve.log"
ok "rpcinfo lists program 778990455 over TCP" sh -c "rpcinfo -p 127.0.0.1 | grep -q '778990455 *1 *tcp'"

# Each client asks the server's address on its own link; port 0: rpcbind.
q() {	# q CLIENT N OP ARGS...
	local c=$1 k=$2; shift 2
	in_client "$c" "$C" "10.9.$k.1" 0 "$@" 2>>"$T/client.err"
}
# The same, asked again while the answer is BUSY (as nfswapd does): the
# first call from an address the service must look up in DNS is answered
# BUSY while its resolver asks.
qb() {	# qb CLIENT N OP ARGS...
	local out i
	for i in $(seq 50); do
		out=$(q "$@")
		[ "$out" != BUSY ] && break
		sleep 0.1
	done
	echo "$out"
}
is "NULL answers" "$(q a 1 null)" "OK"
is "LOOKUP from A's address: alice's export, quota, uid" "$(q a 1 lookup)" \
    "OK alice $T/export/alice 67108864 $auid vers=3,proto=tcp,hard,nolock"
is "LOOKUP from B's address: bob's" "$(q b 2 lookup | cut -d' ' -f1-3)" "OK bob $T/export/bob"
is "LOOKUP from an address no client has: UNKNOWN" "$(q c 3 lookup)" "UNKNOWN"
is "... and it may not ALLOCATE" "$(q c 3 allocate nfswap.0 1048576)" "UNKNOWN"
ok "nfswap add carol --host 10.9.3.0/24 while it runs" n add carol --host 10.9.3.0/24
is "LOOKUP from 10.9.3.2 now: carol, by her network (no restart)" "$(q c 3 lookup | cut -d' ' -f1-2)" "OK carol"
# Clients by DNS name: this namespace's /etc/hosts names D and E.
ok "client network D (10.9.4.2)" ganesha_client d 4
ok "client network E (10.9.5.2)" ganesha_client e 5
printf '127.0.0.1 localhost\n10.9.4.2 pc4.lab.example pc4\n10.9.5.2 pc5.lab.example\n' >"$T/hosts"
mount --bind "$T/hosts" /etc/hosts && at_exit 'umount /etc/hosts'
is "LOOKUP from D before any client has a DNS name: UNKNOWN" "$(q d 4 lookup)" "UNKNOWN"
ok "nfswap add dave --host PC4.Lab.Example (a DNS name)" n add dave --host PC4.Lab.Example
is "LOOKUP from 10.9.4.2 (pc4.lab.example, and back to 10.9.4.2): dave" "$(qb d 4 lookup | cut -d' ' -f1-2)" "OK dave"
is "LOOKUP from 10.9.5.2, whose name is no client's: UNKNOWN" "$(qb e 5 lookup)" "UNKNOWN"
ok "nfswap remove dave" n remove dave
is "LOOKUP from D after the remove: UNKNOWN at once (names are cached, clients are not)" "$(q d 4 lookup)" "UNKNOWN"

# --- ALLOCATE -----------------------------------------------------------------
is "ALLOCATE 16 MiB for alice: under way at once" "$(q a 1 allocate nfswap.0 16777216)" "INPROGRESS"
is "... asked again until done: OK" "$(q a 1 wait nfswap.0 16777216)" "OK"
F=$T/export/alice/nfswap.0
is "on the server: 16 MiB, alice's uid, 0600" "$(stat -c '%s %u %a' "$F")" "16777216 $auid 600"
ok "... with no holes" test $(($(stat -c %b "$F") * 512)) -ge 16777216
is "... all zeros" "$(cmp -n 16777216 "$F" /dev/zero && echo zeros)" "zeros"
ok "... no partial file left" sh -c "! ls -A '$T/export/alice' | grep -q 'allocating\|partial'"
is "ALLOCATE of the same file again: OK (idempotent)" "$(q a 1 allocate nfswap.0 16777216)" "OK"
is "... of that name with another size: EXIST" "$(q a 1 allocate nfswap.0 8388608)" "EXIST"
# "used" counts what the quota counts: the file, and the directory's own
# block (up to 64 KiB here).
used_is() { awk -v lo="$1" '{ $3 = ($3 >= lo && $3 < lo + 65536) ? "~" lo : $3 " (not ~" lo ")"; print }'; }
is "STATUS for alice lists it" "$(q a 1 status | used_is 16777216)" "OK 67108864 ~16777216 0: nfswap.0:16777216:16777216"
is "STATUS for bob does not" "$(q b 2 status | used_is 0)" "OK 1073741824 ~0 0:"

# Quota: 48 MiB left.  Two 32 MiB allocations at once: one fits, one not.
q a 1 wait nfswap.1 33554432 >"$T/p1" &
p1=$!
q a 1 wait nfswap.2 33554432 >"$T/p2" &
p2=$!
wait $p1 $p2
is "two 32 MiB allocations at once with 48 MiB left: one OK, one QUOTA" \
    "$(cat "$T/p1" "$T/p2" | sort | tr '\n' ' ')" "OK QUOTA "
used=$(du -B1 -s "$T/export/alice" | cut -f1)
ok "... alice's directory stays within 64 MiB ($used bytes)" test "$used" -le 67108864
is "a file larger than the quota: QUOTA" "$(q b 2 allocate big 2147483648)" "QUOTA"

# Names and sizes, as the CLI checks them.
for bad in ../x .hidden a/b "" "sp ace" "-x"; do
	is "ALLOCATE name \"$bad\": INVAL" "$(q b 2 allocate "$bad" 1048576)" "INVAL"
done
long=$(printf 'n%.0s' $(seq 64))
ok "a 64-character name cannot even be sent (the protocol bounds it)" sh -c "! ip netns exec b '$C' 10.9.2.1 0 allocate $long 1048576 2>/dev/null"
is "a 63-character one is a name like any" "$(q b 2 allocate "${long:1}" 1048576)" "INPROGRESS"
is "a size not a multiple of 4 KiB: INVAL" "$(q b 2 allocate odd 1048577)" "INVAL"
is "a size below 64 KiB: INVAL" "$(q b 2 allocate tiny 4096)" "INVAL"
is "size 0: INVAL" "$(q b 2 allocate zero 0)" "INVAL"
q b 2 wait "${long:1}" 1048576 >/dev/null
ok "nothing else was created" sh -c "[ \"\$(ls -A '$T/export/bob')\" = '${long:1}' ] && [ ! -e '$T/export/x' ]"

# --- RELEASE --------------------------------------------------------------------
is "bob cannot RELEASE alice's file (it is not in his directory)" "$(q b 2 release nfswap.0)" "NOENT"
ok "... it is still there" test -f "$F"
is "RELEASE ../alice/nfswap.0 from bob: INVAL" "$(q b 2 release ../alice/nfswap.0)" "INVAL"
is "alice RELEASEs it: OK" "$(q a 1 release nfswap.0)" "OK"
ok "... gone on the server" test ! -e "$F"
is "... a second time: NOENT" "$(q a 1 release nfswap.0)" "NOENT"

# --- abuse ----------------------------------------------------------------------
burst=$(q b 2 burst 100)
ok "a burst of 100 LOOKUPs from one client is rate-limited ($burst)" \
    sh -c "echo '$burst' | awk '{ exit !(\$2 >= 1 && \$4 >= 1) }'"
sleep 1.1
port=$(rpcinfo -p 127.0.0.1 | awk '$1 == 778990455 && $3 == "tcp" { print $4; exit }')
ok "a flood of malformed XDR over 300 connections (port $port)" q c 3 garbage 300 "$port"
sleep 0.5
ok "... the service is still running" kill -0 $SPID
is "... and still answers" "$(q c 3 lookup | cut -d' ' -f1-2)" "OK carol"
ok "... with nothing written by it" sh -c "[ -z \"\$(ls -A '$T/export/carol')\" ]"

# --- what it counted: nfswap metrics (serve.stats_file: tests/lib/ganesha.sh) ---
metric() { awk -v k="$1" '$1 == k { printf "%.0f\n", $2 }' "$2"; }
bobl='client="bob",host="10.9.2.2"'
# The network side sends its counters at most once a second, the monitor
# writes them at most once a second: 2.5 s after the last call they are
# all in the file.
sleep 2.5
n metrics >"$T/m0.prom"
t0=$(date +%s)
is "bob ALLOCATEs 1 MiB: OK" "$(q b 2 wait m1 1048576)" "OK"
is "... and 2 GiB: QUOTA" "$(q b 2 allocate m2 2147483648)" "QUOTA"
new_figures() {	# the service's figures show both answers
	n metrics >"$T/m1.prom" &&
	[ "$(metric "nfswap_client_allocate_refusals_total{$bobl,reason=\"quota\"}" "$T/m1.prom")" != \
	  "$(metric "nfswap_client_allocate_refusals_total{$bobl,reason=\"quota\"}" "$T/m0.prom")" ] &&
	[ "$(metric 'nfswap_serve_requests_total{procedure="ALLOCATE",status="quota"}' "$T/m1.prom")" != \
	  "$(metric 'nfswap_serve_requests_total{procedure="ALLOCATE",status="quota"}' "$T/m0.prom")" ]
}
ok "nfswap metrics shows them within 5 s (serve.stats_file)" wait_for 5 new_figures
delta() {
	local a b
	a=$(metric "$1" "$T/m1.prom") b=$(metric "$1" "$T/m0.prom")
	echo $((${a:-0} - ${b:-0}))
}
is "... bob's allocations: one more" "$(delta "nfswap_client_allocations_total{$bobl}")" 1
is "... bob's refusals for his quota: one more" "$(delta "nfswap_client_allocate_refusals_total{$bobl,reason=\"quota\"}")" 1
is "... the service's ALLOCATEs answered QUOTA: one more" "$(delta 'nfswap_serve_requests_total{procedure="ALLOCATE",status="quota"}')" 1
ok "... bob's last ALLOCATE is now" test "$(metric "nfswap_client_last_allocate_timestamp_seconds{$bobl}" "$T/m1.prom")" -ge "$t0"
ok "... his last LOOKUP is there" test "$(metric "nfswap_client_last_lookup_timestamp_seconds{$bobl}" "$T/m1.prom")" -gt 0
ok "... the flood's undecodable ALLOCATE counted as garbage" test "$(metric 'nfswap_serve_requests_total{procedure="ALLOCATE",status="garbage"}' "$T/m1.prom")" -ge 1
is "... the service is up" "$(metric nfswap_serve_up "$T/m1.prom")" 1
if command -v promtool >/dev/null && command -v prometheus-node-exporter >/dev/null; then
	ok "... promtool check metrics passes" sh -c "promtool check metrics <'$T/m1.prom'"
	# Scraped by node_exporter (as nobody) on this namespace's loopback.
	mkdir -p "$T/tf" && chmod 0755 "$T/tf"
	cp "$T/m1.prom" "$T/tf/nfswap.prom" && chmod 0644 "$T/tf/nfswap.prom"
	chmod o+x "$T"
	setpriv --reuid=65534 --regid=65534 --clear-groups prometheus-node-exporter \
	    --web.listen-address=127.0.0.1:9100 --collector.disable-defaults \
	    --collector.textfile --collector.textfile.directory="$T/tf" >"$T/ne.log" 2>&1 &
	NEPID=$!; fx_pid $NEPID
	for _ in $(seq 50); do curl -sf http://127.0.0.1:9100/metrics >"$T/scraped" && break; sleep 0.2; done
	kill $NEPID; wait $NEPID 2>/dev/null
	is "node_exporter serves bob's refusals for his quota" \
	    "$(metric "nfswap_client_allocate_refusals_total{$bobl,reason=\"quota\"}" "$T/scraped")" \
	    "$(metric "nfswap_client_allocate_refusals_total{$bobl,reason=\"quota\"}" "$T/m1.prom")"
	is "... and his allocations" \
	    "$(metric "nfswap_client_allocations_total{$bobl}" "$T/scraped")" \
	    "$(metric "nfswap_client_allocations_total{$bobl}" "$T/m1.prom")"
	is "... and the service's ALLOCATEs answered QUOTA" \
	    "$(metric 'nfswap_serve_requests_total{procedure="ALLOCATE",status="quota"}' "$T/scraped")" \
	    "$(metric 'nfswap_serve_requests_total{procedure="ALLOCATE",status="quota"}' "$T/m1.prom")"
	ok "... which are not nothing" test "$(metric "nfswap_client_allocations_total{$bobl}" "$T/scraped")" -ge 1
	is "... and read the file without error" "$(metric node_textfile_scrape_error "$T/scraped")" 0
else
	skip "the service's figures through node_exporter" "promtool or prometheus-node-exporter is not installed (make deps)"
fi

# --- nfswapd through the service --------------------------------------------------
# The agent runs from A's network namespace, so the service knows it as
# alice; --swapdir is alice's directory as this host sees it (standing in
# for the NFS mount this host cannot make), --proc a fake meminfo.
D=$B/nfswapd
case $D in /*) ;; *) D=$PWD/$D ;; esac
mkdir -p "$T/proc"
printf 'MemTotal: 524288 kB\nMemFree: 20480 kB\nMemAvailable: 20480 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n' >"$T/proc/meminfo"
cat >"$T/nfswapd.conf" <<CONF
provisioner = "10.9.1.1";
swap = { block_size = 65536; status_file = "$T/status.json"; };
policy = { cooldown = 60; min_swapsize = "1M"; max_swapsize = "8M";
  min_grow_pct = 1; max_files = 2; reserve = 0; };
CONF
swapoff_ours() {	# by file: /proc/swaps names them from the agent's mount namespace
	local f
	for f in "$T"/export/*/nfswap.*; do
		[ -f "$f" ] && swapoff "$f" 2>/dev/null
	done
	return 0
}
fx_at_stop swapoff_ours
ip netns exec a "$D" -d -v -c "$T/nfswapd.conf" --proc "$T/proc" \
    --swapdir "$T/export/alice" -p "$T/agent.pid" >"$T/agent.log" 2>&1 &
APID=$!; fx_pid $APID
for _ in $(seq 100); do grep -q "added nfswap" "$T/agent.log" && break; sleep 0.1; done
ok "nfswapd, short of memory, grows through ALLOCATE" grep -q "alice: allocated nfswap.0" "$T/serve.log"
ok "... checks the file and switches it on" grep -q "added nfswap.0" "$T/agent.log"
ok "... it is in /proc/swaps" grep -q "/alice/nfswap.0 " /proc/swaps
is "... written on the server as alice's, 0600" "$(stat -c '%u %a' "$T/export/alice/nfswap.0")" "$auid 600"
ok "... and the agent wrote nothing itself (no fallback)" sh -c "! grep -q 'over NFS instead' '$T/agent.log'"
kill $APID; wait $APID
swapoff_ours
rm -f "$T/export/alice"/nfswap.*

# Without server and export, the agent asks LOOKUP which export is its own
# (then tries to mount it, which this host cannot: stopped there).
ip netns exec a "$D" -d -v -c "$T/nfswapd.conf" -p "$T/agent.pid" >"$T/agent2.log" 2>&1 &
APID=$!; fx_pid $APID
for _ in $(seq 100); do grep -q "this is client" "$T/agent2.log" && break; sleep 0.1; done
ok "nfswapd with only provisioner set: LOOKUP names its client and export" \
    says "$T/agent2.log" "provisioner 10.9.1.1" "client alice" "$T/export/alice" ||
    sed 's/^/# agent: /' "$T/agent2.log" | head -5
kill $APID; wait $APID

# --- stop -------------------------------------------------------------------------
kill -TERM $SPID
wait $SPID
is "SIGTERM: it exits 0" "$?" 0
ok "... and leaves rpcbind" sh -c "! rpcinfo -p 127.0.0.1 | grep -q 778990455"
# The service is gone: the agent writes its file itself, and says so once.
swapoff_ours
rm -f "$T/export/alice"/nfswap.*
ip netns exec a "$D" -d -v -c "$T/nfswapd.conf" --proc "$T/proc" \
    --swapdir "$T/export/alice" -p "$T/agent.pid" >"$T/agent3.log" 2>&1 &
APID=$!; fx_pid $APID
for _ in $(seq 150); do grep -q "added nfswap" "$T/agent3.log" && break; sleep 0.1; done
ok "with the service stopped, nfswapd falls back to writing the file itself" \
    eval 'says "$T/agent3.log" "provisioner 10.9.1.1" "no answer" "nfswap.0" "over NFS instead" "again in 10 minutes" && says "$T/agent3.log" "added nfswap."' ||
    sed 's/^/# agent: /' "$T/agent3.log" | head -5
kill $APID; wait $APID
swapoff_ours
# Without rpcbind, on a fixed port.
"$NFSWAP" -c "$T/nfswap.conf" serve -d --no-rpcbind --port 20999 2>"$T/serve2.log" &
SPID=$!; fx_pid $SPID
for _ in $(seq 50); do grep -q "serving program" "$T/serve2.log" && break; sleep 0.1; done
is "--no-rpcbind --port 20999: LOOKUP on that port" "$(in_client a "$C" 10.9.1.1 20999 lookup | cut -d' ' -f1-2)" "OK alice"
ok "... and rpcbind knows nothing of it" sh -c "! rpcinfo -p 127.0.0.1 | grep -q 778990455"
kill -TERM $SPID; wait $SPID
ok "bad options exit 2" sh -c "'$NFSWAP' -c '$T/nfswap.conf' serve --no-rpcbind; [ \$? = 2 ]"
tap_done
