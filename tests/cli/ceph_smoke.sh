#!/bin/bash
# tests/cli/ceph_smoke.sh -- groundwork for the CephFS back end (issue 11):
# the single-node cluster of tests/lib/ceph.sh comes up in the test's
# namespace and goes down by pid.  Not in make check yet; run it with
#   make deps-ceph && bash tests/cli/ceph_smoke.sh
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/ganesha.sh
. tests/lib/ceph.sh
ceph_need "ceph smoke"
ganesha_enter "$@"
t0=$(date +%s.%N)
ok "cluster up" ceph_start
t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "# up in %.1f s\n", b - a }'
c -s | sed 's/^/# /'
c fs ls | sed 's/^/# /'
ps -o pid,rss,comm -p "$(IFS=,; echo "${ceph_pids[*]}")" | sed 's/^/# /'
tap_done
