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
shrunk() {
	for i in $(seq 120); do grep -q nfswap /proc/swaps || break; sleep 1; done
	D="then the agent shrank the swap to nothing" t sh -c '! grep -q nfswap /proc/swaps'
	D="and removed its files" t sh -c '! ls /run/nfswap | grep -q nfswap'
	D="nfswapd is still running" t kill -0 $(cat /run/nfswapd.pid)
	kill $(cat /run/nfswapd.pid); sleep 1
}
finish() {
	grep -E "added|removed|reinstated|->|mounted|raising|error|following|provisioner" /run/nfswapd.log | head -30 | sed 's/^/# nfswapd: /'
	echo "guest-done $n"
	sync
	poweroff -f
}
