#!/bin/sh
# bench/climb-trace.sh -- what a traced climb boot spent its time on.
# Reads one serial log that bench/climb-vm.sh kept (CLIMB_LOGS=DIR) of a
# boot with trace=1 on the guest's command line (CLIMB_APPEND=trace=1),
# and prints, for the climb (from the hog's start to its end, or to the
# end of the log):
#   reclaim TASK n=N total=S max=S   direct reclaim, per task (seconds)
#   agent STATE FUNCTION n=N total=S
#                                    the agent's sleeps, by state (D: not
#                                    to be woken, S: waiting) and the first
#                                    kernel function below the scheduler's
#   agent running S                  the time it was on the CPU
#   agent slice T blocked=S direct_writes=N
#                                    per half second of the climb
#
#   bench/climb-trace.sh LOG
set -eu
[ $# -eq 1 ] || { echo "usage: bench/climb-trace.sh LOG" >&2; exit 2; }
[ -r "$1" ] || { echo "bench/climb-trace.sh: cannot read $1" >&2; exit 1; }
grep -q '^T .*sched_switch:' "$1" ||
    { echo "bench/climb-trace.sh: $1: no trace (boot with trace=1)" >&2; exit 1; }
awk '
$1 == "MARK" && $2 == "hog-start" { lo = $3 }
$1 == "MARK" && $2 == "hog-end" { hi = $3 }
$1 == "MARK" && $2 == "stall" { hi = $3 }
$1 != "T" { next }
{ t = $5; sub(":", "", t) }
lo == "" || (hi != "" && t > hi) { next }
/mm_vmscan_direct_reclaim_begin/ { rb[$2] = t; next }
/mm_vmscan_direct_reclaim_end/ {
	if ($2 in rb) {
		d = t - rb[$2]; rs[$2] += d; rn[$2]++
		if (d > rm[$2]) rm[$2] = d
		delete rb[$2]
	}
	next
}
/sched_switch:/ {
	if ($0 ~ /prev_comm=nfswapd /) {
		if (lastin != "") run += t - lastin
		out = t; st = $0; sub(/.*prev_state=/, "", st); sub(/ .*/, "", st)
		want = 1; frame = ""
	} else if ($0 ~ /next_comm=nfswapd /) {
		lastin = t
		if (out != "") {
			d = t - out; k = st " " (frame == "" ? "-" : frame)
			bs[k] += d; bn[k]++
			b = int((out - lo) * 2); bw[b] += d
			if (frame == "nfs_file_direct_write") bc[b]++
			if (b > bmax) bmax = b
			out = ""
		}
	}
	next
}
/=> / {
	f = $3
	if (want && f !~ /trace|schedule|__wait|wait_for|io_schedule|bit_wait|out_of_line|rpc_wait_bit/) {
		frame = f; want = 0
	}
}
END {
	for (k in rs) printf "reclaim %s n=%d total=%.3f max=%.3f\n", k, rn[k], rs[k], rm[k]
	for (k in bs) printf "agent %s n=%d total=%.3f\n", k, bn[k], bs[k]
	printf "agent running %.3f\n", run
	for (b = 0; b <= bmax; b++)
		if (b in bw) printf "agent slice %.1f blocked=%.2f direct_writes=%d\n", b / 2, bw[b], bc[b]
}' "$1" | sort -s -k1,1
