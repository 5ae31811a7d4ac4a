#!/bin/bash
# tests/system/swap_vm_612.sh -- swap_vm.sh's boot 5 (the default
# configuration: the standby reserve made at rest, then a hog at full
# speed, verified within a stated bound, no OOM kill, no swap I/O error)
# on Debian 12's other kernel, 6.12 (linux-image-6.12-amd64), where the
# page cache and the NFS client's swap path differ from 6.1's.
export NFSWAP_VM_KERNEL=6.12 SWAP_VM_ONLY=5
exec bash "$(dirname "$0")/swap_vm.sh" "$@"
