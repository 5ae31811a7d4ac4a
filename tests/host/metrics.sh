#!/bin/bash
# tests/host/metrics.sh -- the Prometheus textfiles, read by a real
# node_exporter (Debian's prometheus-node-exporter, its textfile collector
# only, on the loopback of a network namespace of the test's own) and
# checked by promtool: "nfswap metrics --output" on a registry of two
# clients, one of which has written into its directory; nfswapd's
# swap.metrics_file while it grows on a loop-mounted ext4 with a fake
# meminfo.  The values scraped over HTTP are the ones the registry, the
# directory and /proc/swaps say.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/fixture.sh"
B=${NFSWAP_BUILD:-build}
NFSWAP=$B/nfswap D=$B/nfswapd
WHAT="the Prometheus textfiles"
[ "$(id -u)" = 0 ] || { skip "$WHAT" "needs root (swapon, namespaces)"; tap_done; exit 0; }
for c in promtool prometheus-node-exporter curl setpriv unshare mkfs.ext4; do
	command -v $c >/dev/null || { skip "$WHAT" "$c is not installed (make deps)"; tap_done; exit 0; }
done
TF=$T/textfile
mkdir -p "$TF" "$T/proc"
# The client's uid and node_exporter's (nobody) pass through the scratch
# directory to their own.
chmod 0711 "$T"

# --- the server's -----------------------------------------------------------
cat >"$T/nfswap.conf" <<CONF
export_root = "$T/export";
state_dir = "$T/state";
quota_enforce = "none";
serve = { stats_file = "$T/serve.prom"; };
CONF
n() { "$NFSWAP" -c "$T/nfswap.conf" "$@"; }
ok "nfswap add pc-1 --quota 1G" n add pc-1 --host 192.0.2.1 --quota 1G
ok "nfswap add pc-2 --quota 512M --inodes 100" n add pc-2 --host 192.0.2.2 --quota 512M --inodes 100
uid=$(stat -c %u "$T/export/pc-1")
ok "pc-1 writes 3 files, 5 MiB in all, as itself" setpriv --reuid="$uid" --regid="$uid" --clear-groups sh -c \
    "dd if=/dev/zero of='$T/export/pc-1/a' bs=1M count=3 status=none && dd if=/dev/zero of='$T/export/pc-1/b' bs=1M count=2 status=none && : >'$T/export/pc-1/c'"
ok "nfswap metrics --output $TF/nfswap.prom" n metrics --output "$TF/nfswap.prom"
ok "... promtool check metrics passes" sh -c "promtool check metrics <'$TF/nfswap.prom'"
n metrics >"$T/stdout.prom"
ok "... standard output says the same" cmp -s "$T/stdout.prom" "$TF/nfswap.prom"
ok "... no service: nfswap_serve_up 0" grep -qx "nfswap_serve_up 0" "$T/stdout.prom"
# The service's file (serve.stats_file) is taken only as the service
# leaves it: root's, written by no one else, not a link.
printf '# TYPE nfswap_serve_marker gauge\nnfswap_serve_marker 1\n' >"$T/marker.prom"
install -m 0644 "$T/marker.prom" "$T/serve.prom"
ok "the service's figures are appended" sh -c "'$NFSWAP' -c '$T/nfswap.conf' metrics | grep -qx 'nfswap_serve_marker 1'"
ok "... and it is up (written just now)" sh -c "'$NFSWAP' -c '$T/nfswap.conf' metrics | grep -qx 'nfswap_serve_up 1'"
rm -f "$T/serve.prom"; ln -s "$T/marker.prom" "$T/serve.prom"
ok "... not through a symbolic link" sh -c "! '$NFSWAP' -c '$T/nfswap.conf' metrics | grep -q marker"
rm -f "$T/serve.prom"; install -m 0644 -o 65534 "$T/marker.prom" "$T/serve.prom"
ok "... not from a file another user owns" sh -c "! '$NFSWAP' -c '$T/nfswap.conf' metrics | grep -q marker"
rm -f "$T/serve.prom"; install -m 0666 "$T/marker.prom" "$T/serve.prom"
ok "... nor one anyone may write" sh -c "! '$NFSWAP' -c '$T/nfswap.conf' metrics | grep -q marker"
rm -f "$T/serve.prom"

# --- the agent's ------------------------------------------------------------
if agent_swapdir swap 64M; then
	agent_conf "$T/nfswapd.conf" 4 1M 8M 3
	sed -i "s|^swap = { |swap = { metrics_file = \"$TF/nfswapd.prom\"; |" "$T/nfswapd.conf"
	fake_meminfo 512 40			# short: it grows
	agent_start "$T/nfswapd.conf" "$T/swap" "$T/agent.log"
	ok "nfswapd grows" wait_for 20 '[ "$(fx_active "$T/swap")" -ge 1 ]'
	ok "... its metrics file says so" wait_for 20 "grep -q '^nfswapd_actions_total{action=\"grow\",outcome=\"ok\"} [1-9]' '$TF/nfswapd.prom'"
	ok "... promtool check metrics passes" sh -c "promtool check metrics <'$TF/nfswapd.prom'"
	have_agent=1
else
	skip "nfswapd's metrics file" "cannot make a loop-mounted ext4 image here"
	have_agent=0
fi

# --- scraped by node_exporter -------------------------------------------------
cat >"$T/scrape.sh" <<SCRAPE
ip link set lo up
setpriv --reuid=65534 --regid=65534 --clear-groups \
    prometheus-node-exporter --web.listen-address=127.0.0.1:9100 \
    --collector.disable-defaults --collector.textfile \
    --collector.textfile.directory='$TF' >'$T/node_exporter.log' 2>&1 &
ne=\$!
for i in \$(seq 50); do curl -sf http://127.0.0.1:9100/metrics >'$T/scraped' && break; sleep 0.2; done
kill \$ne; wait \$ne 2>/dev/null
SCRAPE
unshare --net --fork bash "$T/scrape.sh"
ok "node_exporter served the textfiles over HTTP" test -s "$T/scraped"
sed -n '1,3p' "$T/node_exporter.log" | sed 's/^/# /'
# A sample's value as an integer (node_exporter writes 1.073741824e+09).
value() { awk -v k="$1" '$1 == k { printf "%.0f\n", $2 }' "$T/scraped"; }
is "... read them without error" "$(value 'node_textfile_scrape_error')" 0
is "pc-1's quota" "$(value 'nfswap_client_quota_bytes{client="pc-1",host="192.0.2.1"}')" 1073741824
is "pc-2's inode limit" "$(value 'nfswap_client_inodes_limit{client="pc-2",host="192.0.2.2"}')" 100
used=$(value 'nfswap_client_used_bytes{client="pc-1",host="192.0.2.1"}')
ok "pc-1's usage: at least the 5 MiB it wrote, less than 6 (${used:-none})" \
    sh -c "[ '${used:-0}' -ge 5242880 ] && [ '${used:-0}' -lt 6291456 ]"
is "pc-1's files" "$(value 'nfswap_client_files{client="pc-1",host="192.0.2.1"}')" 3
is "pc-1's inodes (the directory's own too)" "$(value 'nfswap_client_inodes_used{client="pc-1",host="192.0.2.1"}')" 4
is "pc-2 holds nothing" "$(value 'nfswap_client_used_bytes{client="pc-2",host="192.0.2.2"}')" 4096
is "the registry's clients" "$(value nfswap_clients)" 2
if [ $have_agent = 1 ]; then
	is "nfswapd's files are /proc/swaps's" "$(value nfswapd_swap_files)" "$(fx_active "$T/swap")"
	size=$(awk -v t="$T/swap/" 'index($1, t) == 1 { s += $3 } END { print s * 1024 }' /proc/swaps)
	ok "... and their size (nfswapd_swap_size_bytes $(value nfswapd_swap_size_bytes), /proc/swaps $size)" \
	    sh -c "[ '$(value nfswapd_swap_size_bytes)' -gt 0 ] && [ '$(value nfswapd_swap_size_bytes)' -le '$size' ]"
	is "... its state is one of the four, and one only" "$(grep -c '^nfswapd_state{state="[a-z]*"} 1$' "$T/scraped")" 1
	ok "... grows counted" sh -c "[ '$(value 'nfswapd_actions_total{action="grow",outcome="ok"}')' -ge 1 ]"
	is "... no kernel swap write error" "$(value 'nfswapd_kernel_swap_errors_total{kind="write"}')" 0
	agent_stop
	fx_swapoff "$T/swap"
fi
# The PromQL of docs/metrics.md parses (promtool, as alerting rules):
# One query a line; a line that begins with blanks continues the last.
awk '/^```promql/ { q = 1; next }
    q && /^```/ { q = 0; if (e != "") print e; e = ""; next }
    q && /^ / { sub(/^ +/, ""); e = e " " $0; next }
    q { if (e != "") print e; e = $0 }' "$(dirname "$0")/../../docs/metrics.md" >"$T/queries"
{
	printf 'groups:\n- name: docs\n  rules:\n'
	i=0
	while read -r q; do
		i=$((i + 1))
		printf "  - alert: q%d\n    expr: '%s'\n" $i "$q"
	done <"$T/queries"
} >"$T/rules.yml"
ok "docs/metrics.md: its $(wc -l <"$T/queries") queries are valid PromQL (promtool check rules)" \
    sh -c "[ \$(wc -l <'$T/queries') -ge 8 ] && promtool check rules '$T/rules.yml'"
tap_done
