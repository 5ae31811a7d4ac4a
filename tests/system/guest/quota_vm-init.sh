#!/bin/sh
# tests/system/guest/quota_vm-init.sh -- /init of quota_vm.sh's guest (a
# busybox initramfs, an ext4 disk with project quotas on /dev/vda, nfswap
# and nfswapd): TAP lines on the serial console, "guest-done N", power off.
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in virtio_pci virtio_blk crc32c_generic ext4 quota_v2; do modprobe $m; done
n=0
echo	# the console's escape sequences end the line before the first result
t() { n=$((n+1)); if "$@" >/tmp/o 2>&1; then echo "ok $n - $D"; else echo "not ok $n - $D"; sed 's/^/# /' /tmp/o; fi; }
. /lib/says.sh
f() { n=$((n+1)); if "$@" >/tmp/o 2>&1; then echo "not ok $n - $D"; else echo "ok $n - $D"; fi; sed 's/^/# /' /tmp/o; }
D="guest: mount ext4 with prjquota" t mount -o prjquota /dev/vda /mnt
N="nfswap -c /etc/nfswap.conf"
D="guest: nfswap add c1 --quota 1M (quota_enforce=project)" t $N add c1 --host 10.0.2.15 --quota 1M
uid=$($N show c1 --json | sed 's/.*"uid": \([0-9]*\).*/\1/')
D="guest: the client's uid is known" t test -n "$uid"
D="guest: 2M written as the client's uid is refused" f asuid $uid /bin/dd if=/dev/zero of=/mnt/export/c1/big bs=64k count=32 conv=fsync
cp /tmp/o /tmp/dd.out
D="guest: refused with EDQUOT" t grep -q "quota exceeded" /tmp/dd.out
rm -f /mnt/export/c1/big
D="guest: nfswap quota c1 4M" t $N quota c1 4M
D="guest: 2M as the client's uid now fits" t asuid $uid /bin/dd if=/dev/zero of=/mnt/export/c1/big bs=64k count=32 conv=fsync
D="guest: another uid is not the client" f asuid 12345 /bin/dd if=/dev/zero of=/mnt/export/c1/x bs=1k count=1
D="guest: remove --purge" t $N remove c1 --purge

# Inode limits: the project quota's inode hard limit, set with the bytes.
D="guest: nfswap add c3 --quota 1M --inodes 8" t $N add c3 --host 10.0.2.17 --quota 1M --inodes 8
u3=$($N show c3 --json | sed 's/.*"uid": \([0-9]*\).*/\1/')
D="guest: 7 files as the client fit (its directory is the 8th inode)" t asuid $u3 /bin/sh -c 'for i in 1 2 3 4 5 6 7; do : >/mnt/export/c3/f$i || exit 1; done'
D="guest: show: 8 of 8 inodes, from the project quota" t sh -c "$N show c3 | tee /dev/stderr | grep -q 'used: .*, 8 of 8 inodes (from the quota)'"
D="guest: the 9th inode is refused" f asuid $u3 /bin/sh -c ': >/mnt/export/c3/f8'
cp /tmp/o /tmp/i.out
D="guest: ... with EDQUOT" t grep -q "quota exceeded" /tmp/i.out
rm -f /mnt/export/c3/f7
D="guest: the byte limit still holds: 2M into a 1M quota refused" f asuid $u3 /bin/dd if=/dev/zero of=/mnt/export/c3/big bs=64k count=32 conv=fsync
cp /tmp/o /tmp/b.out
D="guest: ... with EDQUOT" t grep -q "quota exceeded" /tmp/b.out
rm -f /mnt/export/c3/big
D="guest: audit is clean: limits on disk as recorded, usage within them" t $N audit
D="guest: nfswap quota c3 --inodes 16 (the byte limit kept)" t $N quota c3 --inodes 16
D="guest: ... and 9 more files fit" t asuid $u3 /bin/sh -c 'for i in 7 8 9 10 11 12 13 14 15; do : >/mnt/export/c3/f$i || exit 1; done'
D="guest: ... but not a 17th inode" f asuid $u3 /bin/sh -c ': >/mnt/export/c3/f16'
D="guest: remove c3 --purge" t $N remove c3 --purge

# The agent against a quota: short timers, files of 1-2 MiB, memory short.
D="guest: nfswap add c2 --quota 3M" t $N add c2 --host 10.0.2.16 --quota 3M
mkdir -p /run /fake
printf 'MemTotal: 262144 kB\nMemFree: 8192 kB\nMemAvailable: 8192 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n' >/fake/meminfo
cat >/etc/nfswapd.conf <<'C'
swap = { block_size = 65536; status_file = "/run/st.json"; };
policy = { cooldown = 4; drain_interval = 1; peak_hold = 3;
  min_swapsize = "1M"; max_swapsize = "2M"; min_grow_pct = 1;
  alloc_rate = "64M"; max_files = 6; reserve = 0; };
C
nfswapd -d -v -c /etc/nfswapd.conf --proc /fake --swapdir /mnt/export/c2 \
    -p /run/nfswapd.pid --swapoff-on-exit 2>/run/agent.log &
for i in $(seq 120); do grep -q '"state":"diet"' /run/st.json 2>/dev/null && break; sleep 0.5; done
D="guest: nfswapd: the quota runs out: diet" t grep -q '"state":"diet"' /run/st.json
# statvfs on a directory with a project quota gives what the quota leaves,
# so the agent begins no file that cannot fit (a write failing part way,
# EDQUOT or ENOSPC, is proven on the host: tests/host/agent_host.sh).
D="guest: ... it began no file the quota could not take, and says so" t says /run/agent.log "less than min_swapsize" "no file begun"
D="guest: ... no partial file is left" t sh -c '! ls -a /mnt/export/c2 | grep -q partial'
D="guest: ... every file it kept is active swap" t sh -c 'for f in /mnt/export/c2/nfswap.*; do grep -q "^$f " /proc/swaps || exit 1; done'
D="guest: ... and it runs on" t kill -0 $(cat /run/nfswapd.pid)
added=$(grep -c "added nfswap" /run/agent.log)
D="guest: nfswap quota c2 16M" t $N quota c2 16M
for i in $(seq 120); do [ "$(grep -c "added nfswap" /run/agent.log)" -gt "$added" ] && break; sleep 0.5; done
D="guest: ... with room again it grows ($added files before)" t sh -c "[ \$(grep -c 'added nfswap' /run/agent.log) -gt $added ]"
kill $(cat /run/nfswapd.pid)
for i in $(seq 40); do kill -0 $(cat /run/nfswapd.pid) 2>/dev/null || break; sleep 0.5; done
D="guest: nfswapd stops, its swap off (--swapoff-on-exit)" t sh -c '! grep -q /mnt/export/c2 /proc/swaps'
grep -E "added|removed|->|rror|exceeded|free" /run/agent.log | head -20 | sed 's/^/# nfswapd: /'
D="guest: remove c2 --purge" t $N remove c2 --purge
echo "guest-done $n"
umount /mnt; sync
poweroff -f
