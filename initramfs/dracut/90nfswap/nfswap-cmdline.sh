#!/bin/sh
# nfswap -- dracut cmdline hook: nfswap= asks for the network.
type getarg >/dev/null 2>&1 || . /lib/dracut-lib.sh

case "$(getarg nfswap=)" in
""|off|no|0) ;;
*) echo "rd.neednet=1" >/etc/cmdline.d/90nfswap.conf ;;
esac
