#!/bin/sh
# tests/system/guest/boot_nfsroot-test.sh -- /usr/local/sbin/nfswap-boottest
# in boot_nfsroot.sh's diskless Debian client, run by a systemd unit of the
# test's (boot_nfsroot-test.service) once the system is up: TAP lines on
# the serial console, "guest-done N", power off.
n=0
t() { n=$((n+1)); if "$@" >/tmp/o 2>&1; then echo "ok $n - $D"; else echo "not ok $n - $D"; sed 's/^/# /' /tmp/o | tail -20; fi; }
. /usr/local/lib/nfswap-says.sh
echo
kpid=$(dmesg | sed -n 's/.*nfswap: nfswapd started from the initramfs, pid \([0-9]*\).*/\1/p' | tail -1)
pid=$(cat /run/nfswapd.pid 2>/dev/null)
D="the initramfs started nfswapd (pid ${kpid:-?} in the kernel log)" t test -n "$kpid"
D="the same nfswapd runs under systemd, after switch-root (pid ${pid:-?})" t sh -c "[ '$pid' = '$kpid' ] && kill -0 '$pid'"
D="it is named @nfswapd, which systemd leaves alone" t sh -c "head -c 1 /proc/$pid/cmdline | grep -q @"
followed() { dmesg >/tmp/dmesg; says /tmp/dmesg "real root" "following it" && [ "$(stat -L -c %d:%i /proc/$pid/root)" = "$(stat -L -c %d:%i /)" ]; }
D="it followed PID 1 into the real root" t followed
D="the installed nfswapd.service stepped aside for it" t sh -c "journalctl -b -u nfswapd.service --no-pager | grep -q 'another nfswapd holds'"
D="its swap export is mounted (moved with /run)" t sh -c "grep ' /run/nfswap nfs' /proc/mounts"
# A file being made when the system switched root (its standby reserve, at
# boot) is switched on all the same: no failed grow, no diet.
D="no grow failed across switch-root (no diet, no file removed)" t sh -c '! dmesg | grep "nfswapd:" | grep -E "> diet|file removed"'
D="its standby reserve is active" t sh -c '[ "$(grep -c nfswap /proc/swaps)" -ge 1 ]'
# The kernel's connection to the NFS server (2049, 0801 in /proc/net/tcp)
# is from a reserved port, which the swap export requires.
resvport() {
	p=$(awk '$3 ~ /:0801$/ && $4 == "01" { split($2, a, ":"); print a[2]; exit }' /proc/net/tcp)
	echo "local port: ${p:+$((0x$p))}"
	[ -n "$p" ] && [ $((0x$p)) -lt 1024 ]
}
D="the kernel's NFS connection is from a reserved port" t resvport
( while :; do grep -c nfswap /proc/swaps >>/tmp/files; sleep 1; done ) &
watch=$!
D="a 320 MiB hog (RAM is 256) verified every byte" t /usr/local/bin/hog 320 3 5
tail -1 /tmp/o | sed 's/^/# /'
kill $watch
D="swap grew through the agent (files in /proc/swaps)" t sh -c '[ "$(sort -n /tmp/files | tail -1)" -ge 1 ]'
D="no process was OOM-killed" t sh -c '! dmesg | grep -qi "out of memory\|oom-kill" || { dmesg | grep -iE "invoked oom-killer|Free swap|Total swap|Out of memory" | head -8; false; }'
# (the agent logs to the kernel log too, and quotes the kernel's errors)
D="no swap I/O error in the kernel log" t sh -c '! dmesg | grep -v nfswapd | grep -q "dio swapfile\|rror on swap-device"'
echo "# files in /proc/swaps each second: $(tr '\n' ' ' </tmp/files)"
dmesg | grep -E "nfswap" | grep -E "started|added|removed|->|mounted|raising|following|error" | head -30 | sed 's/^/# /'
echo "guest-done $n"
sync
echo o >/proc/sysrq-trigger
