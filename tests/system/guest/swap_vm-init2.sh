#!/bin/sh
# tests/system/guest/swap_vm-init2.sh -- /init2 of swap_vm.sh's guest:
# boot 3, in the new root after switch_root; the agent from the initramfs
# runs on.
. /lib/t.sh
read pid n </carry
sc=3
D="after switch_root, the nfswapd started in the initramfs (pid $pid) runs on" t sh -c "[ \"\$(cat /run/nfswapd.pid)\" = $pid ] && kill -0 $pid"
D="... named @nfswapd, which systemd leaves running at switch-root and shutdown" t sh -c "head -c 1 /proc/$pid/cmdline | grep -q @"
for i in $(seq 10); do grep -q "following it" /run/nfswapd.log && break; sleep 1; done
D="it followed the system into its new root" t says /run/nfswapd.log "real root" "following it"
shrunk
finish
