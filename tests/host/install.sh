#!/bin/bash
# tests/host/install.sh -- make install / uninstall into a DESTDIR: both
# programs, their man pages, example configs and the systemd unit land where
# PREFIX/SYSCONFDIR/UNITDIR say; an administrator's config is never
# overwritten, and uninstall keeps it.  Also the initramfs-tools hook and
# boot script and the dracut module, with their paths filled in.
set -u
. "$(dirname "$0")/../lib/tap.sh"
R=$T/root
make -s install DESTDIR="$R" PREFIX=/usr >"$T/out" 2>&1
is "make install: exit 0" "$?" 0
for f in usr/sbin/nfswap usr/sbin/nfswapd usr/share/man/man8/nfswap.8 \
    usr/share/man/man8/nfswapd.8 usr/share/man/man5/nfswap.conf.5 \
    usr/share/man/man5/nfswapd.conf.5 usr/share/nfswap/nfswap.conf.example \
    usr/share/nfswap/nfswapd.conf.example etc/nfswap/nfswap.conf \
    etc/nfswap/nfswapd.conf lib/systemd/system/nfswapd.service \
    lib/systemd/system/nfswap-serve.service \
    usr/share/initramfs-tools/hooks/nfswap \
    usr/share/initramfs-tools/scripts/init-premount/nfswap \
    usr/lib/dracut/modules.d/90nfswap/module-setup.sh \
    usr/lib/dracut/modules.d/90nfswap/nfswap-cmdline.sh \
    usr/lib/dracut/modules.d/90nfswap/nfswap-start.sh \
    usr/share/bash-completion/completions/nfswap \
    lib/systemd/system/nfswap-metrics.service lib/systemd/system/nfswap-metrics.timer \
    usr/share/bash-completion/completions/nfswapd; do
	ok "installed: /$f" test -s "$R/$f"
done
ok "the programs are executable" test -x "$R/usr/sbin/nfswap" -a -x "$R/usr/sbin/nfswapd"
is "the service's unit runs the installed nfswap" \
    "$(grep '^ExecStart=' "$R/lib/systemd/system/nfswap-serve.service")" "ExecStart=/usr/sbin/nfswap serve -d"
# The service's unit, read by systemd itself: valid, and confined (the
# exposure systemd-analyze computes from its sandboxing settings; 4.0 for
# the unit before privilege separation, 2.4 with it).
if command -v systemd-analyze >/dev/null; then
	sed "s|^ExecStart=/usr/sbin/nfswap|ExecStart=$R/usr/sbin/nfswap|" \
	    "$R/lib/systemd/system/nfswap-serve.service" >"$T/nfswap-serve.service"
	ok "systemd-analyze verify nfswap-serve.service" \
	    systemd-analyze verify --man=no "$T/nfswap-serve.service"
	exposure=$(systemd-analyze security --offline=true "$T/nfswap-serve.service" 2>/dev/null |
	    sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
	ok "... its exposure, by systemd-analyze security: ${exposure:-?} (at most 2.5)" \
	    awk -v e="${exposure:-99}" 'BEGIN { exit !(e <= 2.5) }'
	for d in "CapabilityBoundingSet=CAP_SETUID CAP_SETGID CAP_SYS_CHROOT CAP_SETPCAP CAP_NET_BIND_SERVICE" \
	    "NoNewPrivileges=yes" "SystemCallFilter=@system-service chroot quotactl quotactl_fd" \
	    "LimitNOFILE=1024" "IPAddressDeny=any" "ProtectSystem=strict" "RuntimeDirectory=nfswap"; do
		ok "... $d" grep -qx "$d" "$T/nfswap-serve.service"
	done
	sed "s|^ExecStart=/usr/sbin/nfswap|ExecStart=$R/usr/sbin/nfswap|" \
	    "$R/lib/systemd/system/nfswap-metrics.service" >"$T/nfswap-metrics.service"
	cp "$R/lib/systemd/system/nfswap-metrics.timer" "$T/"
	ok "systemd-analyze verify nfswap-metrics.service and .timer" \
	    systemd-analyze verify --man=no "$T/nfswap-metrics.service" "$T/nfswap-metrics.timer"
	ok "... the timer runs \"nfswap metrics --output\" into node_exporter's textfile directory" \
	    grep -qx "ExecStart=$R/usr/sbin/nfswap metrics --output /var/lib/prometheus/node-exporter/nfswap.prom" "$T/nfswap-metrics.service"
	ok "... no capability that overrides file permissions" sh -c "! grep -v '^#' '$T/nfswap-serve.service' | grep -q 'CAP_DAC_OVERRIDE\|CAP_FOWNER\|CAP_CHOWN\|CAP_SYS_RESOURCE'"
else
	skip "systemd-analyze verify nfswap-serve.service" "systemd-analyze is not installed"
fi
is "the unit runs the installed daemon" \
    "$(grep '^ExecStart=' "$R/lib/systemd/system/nfswapd.service")" "ExecStart=/usr/sbin/nfswapd -d"
ok "the initramfs scripts are executable" test -x "$R/usr/share/initramfs-tools/hooks/nfswap" -a -x "$R/usr/share/initramfs-tools/scripts/init-premount/nfswap" -a -x "$R/usr/lib/dracut/modules.d/90nfswap/module-setup.sh" -a -x "$R/usr/lib/dracut/modules.d/90nfswap/nfswap-start.sh"
is "the initramfs-tools hook copies the installed daemon" \
    "$(grep '^NFSWAPD=' "$R/usr/share/initramfs-tools/hooks/nfswap")" "NFSWAPD=/usr/sbin/nfswapd"
ok "... and every placeholder was filled in" sh -c "! grep -rq '@[A-Z]*@' '$R/usr/share/initramfs-tools' '$R/usr/lib/dracut' '$R/lib/systemd'"
for f in usr/share/initramfs-tools/hooks/nfswap usr/share/initramfs-tools/scripts/init-premount/nfswap \
    usr/lib/dracut/modules.d/90nfswap/nfswap-start.sh usr/lib/dracut/modules.d/90nfswap/nfswap-cmdline.sh; do
	ok "sh -n /$f" sh -n "$R/$f"
done
ok "bash -n module-setup.sh" bash -n "$R/usr/lib/dracut/modules.d/90nfswap/module-setup.sh"
ok "the installed example config is valid" sh -c "'$R/usr/sbin/nfswapd' -n -c '$R/etc/nfswap/nfswapd.conf' --swapdir /tmp | grep -qx 'configuration OK'"
echo "# mine" >"$R/etc/nfswap/nfswapd.conf"
echo "# mine" >"$R/etc/nfswap/nfswap.conf"
make -s install DESTDIR="$R" PREFIX=/usr >"$T/out" 2>&1
is "a second install keeps the administrator's nfswapd.conf" "$(cat "$R/etc/nfswap/nfswapd.conf")" "# mine"
is "... and nfswap.conf" "$(cat "$R/etc/nfswap/nfswap.conf")" "# mine"
make -s uninstall DESTDIR="$R" PREFIX=/usr >"$T/out" 2>&1
is "make uninstall: exit 0" "$?" 0
is "uninstall leaves only the configs" "$(cd "$R" && find . -type f | sort | tr '\n' ' ')" \
    "./etc/nfswap/nfswap.conf ./etc/nfswap/nfswapd.conf "
tap_done
