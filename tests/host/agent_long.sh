#!/bin/bash
# tests/host/agent_long.sh -- nfswapd for a long simulated run: a fake
# meminfo swings between short and plenty every few seconds, so the agent
# grows and shrinks over and over on a loop-mounted ext4 image, with short
# timers; then SIGTERM.  The sanitizer build runs as it is (ASan+UBSan,
# LeakSanitizer at exit): many whole cycles, no report.  The plain build
# runs under valgrind --leak-check=full (linked dynamically for it:
# build/tests/nfswapd-dyn); valgrind 3.19 cannot pass swapon(2) through,
# so there every cycle is a file made, refused and removed: no error, no
# leak.
#
#   AGENT_LONG_SECONDS=N   how long (default 75)
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/agent.sh"
B=${NFSWAP_BUILD:-build}
WHAT="nfswapd, a long run"
SECS=${AGENT_LONG_SECONDS:-75}

case $B in
*/san|*-san)	D=$B/nfswapd; RUN=(); how="ASan+UBSan" ;;
*)	D=$B/tests/nfswapd-dyn; how="valgrind --leak-check=full"
	command -v valgrind >/dev/null || { skip "$WHAT" "valgrind is not installed (make deps)"; tap_done; exit; }
	RUN=(valgrind -q --error-exitcode=99 --leak-check=full
	    --show-leak-kinds=definite,indirect,possible
	    --errors-for-leak-kinds=definite,indirect,possible
	    --log-file="$T/valgrind.log") ;;
esac
[ -x "$D" ] || { ok "$D is built" false; tap_done; exit 1; }
[ "$(id -u)" = 0 ] || { skip "$WHAT" "needs root (swapon, mount)"; tap_done; exit; }
for c in losetup mkfs.ext4 jq; do
	command -v $c >/dev/null || { skip "$WHAT" "$c is not installed (make deps)"; tap_done; exit; }
done

pid= loop= swinger=
cleanup() {
	[ -n "$swinger" ] && kill "$swinger" 2>/dev/null
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null
		for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null
	fi
	awk -v t="$T/" 'NR > 1 && index($1, t) == 1 { print $1 }' /proc/swaps |
	    while read -r f; do swapoff "$f"; done
	mountpoint -q "$T/swap" && { umount "$T/swap" || umount -l "$T/swap"; }
	[ -n "$loop" ] && losetup -d "$loop"
}
at_exit cleanup

truncate -s 128M "$T/swap.img" && mkfs.ext4 -q -F -m 0 "$T/swap.img" &&
    loop=$(losetup -f --show "$T/swap.img") && mkdir -p "$T/swap" &&
    mount "$loop" "$T/swap" && rmdir "$T/swap/lost+found" ||
    { skip "$WHAT" "cannot make a loop-mounted ext4 image here"; tap_done; exit; }
dd if=/dev/zero of="$T/swap/probe" bs=1M count=1 status=none && chmod 600 "$T/swap/probe"
if ! mkswap -q "$T/swap/probe" 2>/dev/null || ! swapon "$T/swap/probe" 2>/dev/null; then
	skip "$WHAT" "swapon of a file on ext4 is refused here"; tap_done; exit
fi
swapoff "$T/swap/probe"; rm -f "$T/swap/probe"

agent_conf "$T/nfswapd.conf" 1 1M 8M 4
fake_meminfo 512 40
"${RUN[@]}" "$D" -d -v -c "$T/nfswapd.conf" --proc "$T/proc" \
    --swapdir "$T/swap" -p "$T/pid" --swapoff-on-exit >"$T/agent.log" 2>&1 &
pid=$!
# Short for 4 s, plenty for 5, and again: each swing a grow and a shrink.
( while :; do fake_meminfo 512 40; sleep 4; fake_meminfo 512 500; sleep 5; done ) &
swinger=$!
sleep "$SECS"
kill "$swinger"; wait "$swinger" 2>/dev/null; swinger=
kill "$pid"
wait "$pid"
rc=$?
pid=
added=$(grep -c "added nfswap" "$T/agent.log")
removed=$(grep -c "removed nfswap" "$T/agent.log")
cycles=$(grep -c -- "-> overfed" "$T/agent.log")
refused=$(grep -c "activating nfswap.[0-9]*: Function not implemented; file removed" "$T/agent.log")
if [ ${#RUN[@]} -gt 0 ]; then
	is "$how: $SECS s, $refused files made, refused by swapon and removed: exit 0" $rc 0
	# valgrind 3.19 has no wrapper for swapon(2) (syscall 167): it
	# fails with ENOSYS, so each cycle is create, header, refused,
	# removed, diet.  Whole cycles with swapon run under ASan.
	ok "... it made and removed a file again and again ($refused times; swapon is not emulated by valgrind)" \
	    test "$refused" -ge 5
	is "... valgrind: no error, no leak" "$(grep -v -e '^==[0-9]*== *$' -e '^--[0-9]*-- ' "$T/valgrind.log" | head -20)" ""
else
	is "$how: $SECS s, $added files added and $removed removed in $cycles cycles: exit 0" $rc 0
	ok "... many whole cycles (at least 5 grow-then-shrink)" test "$cycles" -ge 5 -a "$added" -ge 5 -a "$removed" -ge 5
	ok "... no sanitizer report" sh -c "! grep -q 'ERROR: \(Address\|Leak\)Sanitizer\|runtime error:' '$T/agent.log'"
fi
ok "... its swap is off and its files gone at exit (--swapoff-on-exit)" \
    sh -c "! grep -q '^$T/swap/' /proc/swaps && ! ls -A '$T/swap' | grep -q nfswap"
[ $tap_failed -gt 0 ] && tail -30 "$T/agent.log" | sed 's/^/# agent: /'
[ $tap_failed -gt 0 ] && [ -s "$T/valgrind.log" ] && head -40 "$T/valgrind.log" | sed 's/^/# valgrind: /'
tap_done
