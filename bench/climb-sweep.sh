#!/bin/bash
# bench/climb-sweep.sh -- issue 19's climb sweep: bench/climb-vm.sh for
# every climb rate and every kind of swap, BOOTS boots a cell, and the
# tables that say whether nfswapd survives what a pre-made file survives
# while holding less of it.
#
#   bench/climb-sweep.sh [BOOTS]        (as root; NFSWAP_BUILD=build;
#                                        NFSWAP_VM_KERNEL passed on)
#   bench/climb-sweep.sh --table FILE   the tables of "climb ..." lines
#                                        saved from earlier runs
#   CLIMB_RATES    the rates, MiB/s or full (default "16 32 full")
#   CLIMB_VARIANTS default "nfs alloc static" (bench/climb-vm.sh)
#   CLIMB_FULL_MIBPS  what "full" counts as in the rate ratio (default
#                  315: how fast the hog touches memory before the guest
#                  swaps, measured in issue 19)
#
# Prints every boot's line (as "# climb ...", with what climb-vm.sh said
# of it as "#   ..."), then three markdown tables
# -- survival (verified/boots, OOM kills, swap write errors, stalls), the
# swap held (medians, MiB), the ratios against the static file -- and
# "key value" lines for bench/run.sh.  The ratios:
#   fastest survived: the highest rate whose every boot verified with no
#     OOM kill and no stall (full is the highest), as a rate over the
#     static file's (1.0 when both survived full speed);
#   held at rest: per boot the larger of the swap held before the climb
#     and after the shrink, its median per cell, the largest cell's, over
#     the static file's;
#   held at the peak: the largest cell median of the peak, over the
#     static file's.
# "SKIP why" (exit 0) when the guest cannot boot here; exit 1 when a cell
# could not be run (its table is printed all the same).
set -u
HERE=$(cd "$(dirname "$0")/.." && pwd)
cd "$HERE" || exit 1
RATES=${CLIMB_RATES:-16 32 full}
VARIANTS=${CLIMB_VARIANTS:-nfs alloc static}
FULL=${CLIMB_FULL_MIBPS:-315}
W=$(mktemp -d "${TMPDIR:-/tmp}/nfswap-climb.XXXXXX")
trap 'rm -rf "$W"' EXIT
failed=0

if [ "${1:-}" = --table ]; then
	grep -h '^#* *climb variant=' "$2" | sed 's/^# *//' >"$W/lines"
	# The rates and variants as the lines have them, in the usual order.
	RATES=$(sed -n 's/.* rate=\([^ ]*\).*/\1/p' "$W/lines" | sort -u |
	    sort -n | awk '$1 == "full" { f = 1; next } { print } END { if (f) print "full" }' | tr '\n' ' ')
	VARIANTS=$(for v in nfs alloc static; do grep -q " variant=$v " "$W/lines" && echo $v; done | tr '\n' ' ')
else
	BOOTS=${1:-2}
	for r in $RATES; do
		for v in $VARIANTS; do
			echo "== climb $v $r x$BOOTS" >&2
			bench/climb-vm.sh "$v" "$r" "$BOOTS" >"$W/cell" 2>"$W/err" || {
				echo "bench: climb $v $r could not be run:" >&2
				tail -5 "$W/err" >&2
				failed=1
			}
			if grep -q '^SKIP' "$W/cell"; then grep '^SKIP' "$W/cell" | head -1; exit 0; fi
			grep '^climb ' "$W/cell" >>"$W/lines"
			sed -n -e '/^climb /{s/^/# /p;d}' -e 's/^# /#   /p' "$W/cell" >>"$W/raw"
		done
	done
	cat "$W/raw"
fi
[ -s "$W/lines" ] || { echo "bench: no climb was measured" >&2; exit 1; }

awk -v rates="$RATES" -v variants="$VARIANTS" -v full="$FULL" -v hogmib="${CLIMB_HOG_MIB:-320}" '
function med(list,   a, n, i, j, t) {	# the median of "x y z", or ""
	n = split(list, a, " ")
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	if (n == 0) return ""
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function num(x) { return x == "" || x == "-" ? "" : x }
function rate(r) { return r == "full" ? full : r }
function show(x) { return x == "" ? "-" : sprintf("%.0f", x) }
{
	delete f
	for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
	c = f["variant"] SUBSEP f["rate"]
	kern[f["kernel"]] = 1
	boots[c]++
	ver[c] += f["verified"]; oom[c] += f["oom"]; werr[c] += f["werr"]
	stall[c] += f["stall"]
	if (f["verified"] != 1 || f["oom"] != 0 || f["stall"] != 0) bad[c] = 1
	rb = num(f["rest_before"]); ra = num(f["rest_after"])
	if (rb != "" || ra != "") rest[c] = rest[c] " " (rb + 0 > ra + 0 ? rb : ra)
	if (num(f["rest_before"]) != "") restb[c] = restb[c] " " rb
	if (num(f["rest_after"]) != "") resta[c] = resta[c] " " ra
	if (num(f["peak"]) != "") peak[c] = peak[c] " " f["peak"]
	if (num(f["avg"]) != "") avg[c] = avg[c] " " f["avg"]
}
END {
	nr = split(rates, R, " "); nv = split(variants, V, " ")
	name["nfs"] = "nfswapd, files over NFS"
	name["alloc"] = "nfswapd, ALLOCATE"
	name["static"] = "static 512 MiB file"
	for (k in kern) kernels = kernels (kernels == "" ? "" : ", ") k
	printf "The thin client: Linux %s in QEMU (TCG), 256 MiB, one vCPU; a hog touching %s MiB at R MiB/s, then verifying every page.  A cell is verified/boots; OOM kills, swap write errors, stalls (all boots):\n\n", kernels, hogmib
	printf "| R (MiB/s) |"; for (v = 1; v <= nv; v++) printf " %s |", name[V[v]]; print ""
	printf "| ---: |"; for (v = 1; v <= nv; v++) printf " --- |"; print ""
	for (r = 1; r <= nr; r++) {
		printf "| %s |", R[r] == "full" ? "full speed" : R[r]
		for (v = 1; v <= nv; v++) {
			c = V[v] SUBSEP R[r]
			if (!boots[c]) { printf " -- |"; continue }
			printf " %d/%d; OOM %d, werr %d, stall %d |", ver[c], boots[c], oom[c], werr[c], stall[c]
		}
		print ""
	}
	print ""
	print "Swap held (MiB, median of the boots): at rest before the climb / after the shrink; at the peak; on average during the climb:"
	print ""
	printf "| R (MiB/s) |"; for (v = 1; v <= nv; v++) printf " %s |", name[V[v]]; print ""
	printf "| ---: |"; for (v = 1; v <= nv; v++) printf " --- |"; print ""
	for (r = 1; r <= nr; r++) {
		printf "| %s |", R[r] == "full" ? "full speed" : R[r]
		for (v = 1; v <= nv; v++) {
			c = V[v] SUBSEP R[r]
			if (!boots[c]) { printf " -- |"; continue }
			printf " rest %s / %s; peak %s; avg %s |", show(med(restb[c])), show(med(resta[c])), show(med(peak[c])), show(med(avg[c]))
		}
		print ""
	}
	# Per variant: the fastest rate survived, the largest cell medians.
	for (v = 1; v <= nv; v++) {
		fast[V[v]] = ""
		for (r = 1; r <= nr; r++) {
			c = V[v] SUBSEP R[r]
			if (boots[c] && !bad[c]) fast[V[v]] = R[r]
			m = med(rest[c]); if (m != "" && (restmax[V[v]] == "" || m + 0 > restmax[V[v]] + 0)) restmax[V[v]] = m
			m = med(peak[c]); if (m != "" && (peakmax[V[v]] == "" || m + 0 > peakmax[V[v]] + 0)) peakmax[V[v]] = m
		}
	}
	print ""
	print "Against the static file (goals: 1.0, <= 0.5, <= 1.0):"
	print ""
	print "| nfswapd | fastest survived / static'"'"'s | held at rest / static'"'"'s | held at the peak / static'"'"'s |"
	print "| --- | --- | --- | --- |"
	s = "static"
	for (v = 1; v <= nv; v++) {
		x = V[v]
		if (x == "static") continue
		fr = fast[x] == "" ? 0 : rate(fast[x])
		fs = fast[s] == "" ? "" : rate(fast[s])
		q1 = fs == "" ? "" : sprintf("%.2f", fr / fs)
		q2 = restmax[s] + 0 > 0 && restmax[x] != "" ? sprintf("%.2f", restmax[x] / restmax[s]) : ""
		q3 = peakmax[s] + 0 > 0 && peakmax[x] != "" ? sprintf("%.2f", peakmax[x] / peakmax[s]) : ""
		printf "| %s | %s / %s = %s | %s / %s MiB = %s | %s / %s MiB = %s |\n", name[x],
		    fast[x] == "" ? "none" : fast[x], fast[s] == "" ? "none" : fast[s], q1 == "" ? "-" : q1,
		    show(restmax[x]), show(restmax[s]), q2 == "" ? "-" : q2,
		    show(peakmax[x]), show(peakmax[s]), q3 == "" ? "-" : q3
		out = out sprintf("%s_fastest %s\n%s_fastest_ratio %s\n%s_rest_ratio %s\n%s_peak_ratio %s\n%s_rest %s\n%s_peak %s\n",
		    x, fast[x] == "" ? "none" : fast[x], x, q1, x, q2, x, q3, x, show(restmax[x]), x, show(peakmax[x]))
	}
	printf "climb_kernel %s\nstatic_fastest %s\nstatic_rest %s\nstatic_peak %s\n%s", kernels,
	    fast[s] == "" ? "none" : fast[s], show(restmax[s]), show(peakmax[s]), out
}' "$W/lines" >"$W/tables" || exit 1
# The tables for people, then the figures for bench/run.sh.
grep -v '^[a-z_]* ' "$W/tables"
grep '^[a-z_]* ' "$W/tables"
exit $failed
