# scripts/demo-render.sh -- the thin client of `make demo`, shown as it
# happens and drawn afterwards.  Sourced by tests/system/swap_vm.sh in its
# demo mode (SWAP_VM_DEMO=1), which has built the server, the client and the
# boot() function.  The guest prints, on its console:
#   TL t MemTotal MemAvailable SwapTotal SwapFree state   (kB, once a second)
#   AGENT <nfswapd's log line>
#   HOG <the memory hog's progress>
# and this turns them into a readable running account and, at the end, a
# plot: DEMO_OUT/timeline.svg (gnuplot), with the data beside it.

demo_line() {	# one console line -> what a person wants to read
	local l=$1 t mt ma s sf st
	case $l in
	TL\ *)
		read -r _ t mt ma s sf st <<<"$l"
		echo "$t $mt $ma $s $sf $st" >>"$DEMO_OUT/timeline.dat"
		[ $((t % 5)) -eq 0 ] && printf '  %4ss  used %4d MiB of %d RAM  swap %4d MiB (%3d in use)  %s\n' \
		    "$t" $(( (mt - ma + s - sf) / 1024 )) $((mt / 1024)) $((s / 1024)) $(( (s - sf) / 1024 )) "$st"
		;;
	AGENT\ *)
		case $l in *added*|*removed*|*"->"*|*mounted*|*raising*|*error*)
			echo "  nfswapd: ${l#AGENT nfswapd: }" ;;
		esac ;;
	HOG\ *)
		case $l in *"64 MiB"*|*"128 MiB"*|*"192 MiB"*|*"256 MiB"*|*all*|*verified*)
			echo "  hog:     ${l#HOG hog: }" ;;
		esac ;;
	esac
}

demo_plot() {
	local dat=$DEMO_OUT/timeline.dat svg=$DEMO_OUT/timeline.svg objs=$DEMO_OUT/states.gp
	# One shaded band per stretch of the same state.
	awk 'BEGIN { c["steady"]="#9e9e9e"; c["hungry"]="#e6550d"; c["overfed"]="#3182bd"; c["diet"]="#756bb1" }
	    { if ($6 != st) { if (st != "") printf "set object rect from %d, graph 0 to %d, graph 1 behind fc rgb \"%s\" fs transparent solid 0.15 noborder\n", t0, $1, c[st]; st = $6; t0 = $1 } last = $1 }
	    END { if (st != "") printf "set object rect from %d, graph 0 to %d, graph 1 behind fc rgb \"%s\" fs transparent solid 0.15 noborder\n", t0, last, c[st] }' \
	    "$dat" >"$objs"
	local term
	for term in "svg size 900,420 font 'sans,11' background 'white'|$svg" \
	    "pngcairo size 900,420 font 'sans,10'|${svg%.svg}.png"; do
	gnuplot <<GP
set terminal ${term%%|*}
set output "${term#*|}"
set title "A thin client with 256 MiB of RAM swapping over NFS through nfswapd"
set xlabel "seconds"
set ylabel "MiB"
set key top left
set grid ytics
load "$objs"
set label 1 "bands: grey steady, orange hungry, blue overfed, purple diet" at graph 0.99, graph 0.04 right font "sans,9"
plot "$dat" using 1:((\$2-\$3+\$4-\$5)/1024) with lines lw 2 lc rgb "#d62728" title "memory in use", \
     "" using 1:(\$2/1024) with lines lw 1 dt 2 lc rgb "black" title "RAM", \
     "" using 1:((\$2+\$4)/1024) with lines lw 2 lc rgb "#2ca02c" title "RAM + active NFS swap", \
     "" using 1:(\$4/1024) with steps lw 1 lc rgb "#1f77b4" title "NFS swap active"
GP
	done
}

demo_run() {
	DEMO_OUT=${DEMO_OUT:-$HERE/../build/demo}
	mkdir -p "$DEMO_OUT"
	: >"$DEMO_OUT/timeline.dat"
	echo "== booting the thin client (Debian's kernel in QEMU, 256 MiB of RAM, no swap) =="
	boot 9 600
	local seen=0 line
	# Follow the console as it grows, until the guest is done.
	while kill -0 "$qpid" 2>/dev/null || [ "$(wc -l <"$T/serial9.log")" -gt "$seen" ]; do
		while IFS= read -r line; do
			demo_line "${line%$'\r'}"
		done < <(tail -n +$((seen + 1)) "$T/serial9.log" 2>/dev/null | head -n 1000)
		seen=$(( $(wc -l <"$T/serial9.log") ))
		kill -0 "$qpid" 2>/dev/null && sleep 1
	done
	wait "$qpid"
	if ! grep -q DEMO-DONE "$T/serial9.log"; then
		echo "the demo did not finish; the end of the console:"
		tail -30 "$T/serial9.log"
		return 1
	fi
	# The verdict, in one line.
	local ok=1 log
	# (the agent's own lines quote the kernel's error text: not those)
	log=$(tr -d '\r' <"$T/serial9.log" | grep -v '^AGENT ')
	if grep -q "verified 320 MiB, 0 bad words" <<<"$log"; then
		echo "== the program's 320 MiB, in 205 MiB of usable RAM: every byte verified =="
	else
		echo "== the program did NOT verify its memory =="; ok=0
	fi
	grep -qi "out of memory" <<<"$log" && { echo "== a process was OOM-killed =="; ok=0; }
	grep -q "dio swapfile\|rror on swap-device" <<<"$log" && { echo "== the kernel logged swap I/O errors =="; ok=0; }
	if command -v gnuplot >/dev/null; then
		demo_plot && echo "== the timeline: $DEMO_OUT/timeline.svg (data: $DEMO_OUT/timeline.dat) =="
	else
		echo "== gnuplot is not installed (make deps): data in $DEMO_OUT/timeline.dat =="
	fi
	[ $ok = 1 ]
}
