# tests/system/guest/swap_vm-lib.sh -- /lib/t.sh in swap_vm.sh's guest:
# its TAP helpers, for /init and, after switch_root, /init2.
failed=
. /lib/says.sh
t() { n=$((n+1)); if "$@" >/tmp/o 2>&1; then echo "ok $n - boot $sc: $D"; else failed=1; echo "not ok $n - boot $sc: $D"; sed 's/^/# /' /tmp/o | tail -20; fi; }
# The local port of the kernel's connection to the NFS server (port 2049,
# 0801 in /proc/net/tcp), below 1024.
resvport() {
	p=$(awk '$3 ~ /:0801$/ && $4 == "01" { split($2, a, ":"); print a[2]; exit }' /proc/net/tcp)
	echo "local port: ${p:+$((0x$p))}"
	[ -n "$p" ] && [ $((0x$p)) -lt 1024 ]
}
# The agent's standby reserve (status.json) and what it holds (/proc/swaps),
# in KiB.
reserve_kb() { echo $(($(sed -n 's/.*"reserve":\([0-9]*\).*/\1/p' /run/nfswapd/status.json) / 1024)); }
held_kb() { awk '/nfswap/ { s += $3 } END { print s + 0 }' /proc/swaps; }
# The reserve, and no more than the quarter of it that a drop would not be
# worth (nfswapd.conf(5), reserve); a MiB either way for the files' header
# pages.
at_reserve() { r=$(reserve_kb); h=$(held_kb); echo "held $h KiB, reserve $r KiB"; [ "$r" -gt 0 ] && [ "$h" -ge $((r - 1024)) ] && [ "$h" -le $((r + r / 4 + 1024)) ]; }
shrunk() {
	for i in $(seq 120); do at_reserve >/dev/null && break; sleep 1; done
	D="then the agent shrank its swap back to the standby reserve" t at_reserve
	# (The guest's NFS client caches the directory for up to a minute;
	# in boot 4 the server made the files, so the listing may lag.)
	same() { [ "$(ls /run/nfswap | grep -c "^nfswap")" = "$(grep -c nfswap /proc/swaps)" ]; }
	for i in $(seq 70); do same && break; sleep 1; done
	D="and removed the files beyond it" t same
	D="nfswapd is still running" t kill -0 $(cat /run/nfswapd.pid)
	retired
}
retired() {
	pid=$(cat /run/nfswapd.pid)
	kill $pid
	for i in $(seq 30); do kill -0 $pid 2>/dev/null || break; sleep 1; done
	D="stopped with --swapoff-on-exit, it retired the reserve too: no swap, no file" t sh -c '! grep -q nfswap /proc/swaps && ! ls /run/nfswap | grep -q nfswap'
}
finish() {
	grep -E "added|removed|reinstated|->|mounted|raising|error|following|provisioner" /run/nfswapd.log | head -30 | sed 's/^/# nfswapd: /'
	echo "guest-done $n"
	sync
	poweroff -f
}
