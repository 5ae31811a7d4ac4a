#!/bin/sh
# nfswap -- dracut initqueue/online hook: start nfswapd once, when the first
# interface is online.  It keeps running through switch-root (it names
# itself @nfswapd and follows PID 1 into the real root).
#
# Kernel command line:  nfswap=SERVER:/PATH  this client's export (%h, %i)
#                       nfswap=off           do not start it
type getarg >/dev/null 2>&1 || . /lib/dracut-lib.sh

[ -e /tmp/nfswap.started ] && exit 0
want=$(getarg nfswap=)
case "$want" in
off|no|0)
	exit 0 ;;
"")
	grep -qs '^[[:space:]]*server[[:space:]]*=' /etc/nfswap/nfswapd.conf ||
	    exit 0 ;;
esac
: >/tmp/nfswap.started
info "nfswap: starting nfswapd"
/sbin/nfswapd -d -p /run/nfswapd.pid </dev/null 2>/dev/kmsg &
echo "nfswap: nfswapd started from the initramfs, pid $!" >/dev/kmsg
exit 0
