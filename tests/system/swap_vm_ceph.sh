#!/bin/bash
# tests/system/swap_vm_ceph.sh -- the thin client of swap_vm.sh, boot 1
# (no swap at start, a hog past RAM, every byte verified, grow and shrink),
# with its export on CephFS: a single-node Ceph cluster, nfswap with
# backend = "cephfs", and NFS-Ganesha serving it through the Ceph FSAL.
# The hog climbs at 2 MiB/s: every page it swaps goes through Ganesha and
# libcephfs to the OSD, on the same two cores as the emulated guest.
export SWAP_VM_BACKEND=cephfs SWAP_VM_ONLY=1
export SWAP_VM_APPEND="${SWAP_VM_APPEND:-hograte=2}"
exec bash "$(dirname "$0")/swap_vm.sh" "$@"
