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
. "$(dirname "$0")/../lib/fixture.sh"
B=${NFSWAP_BUILD:-build}
WHAT="nfswapd, a long run"
SECS=${AGENT_LONG_SECONDS:-75}

case $B in
*/san|*-san)	D=$B/nfswapd; how="ASan+UBSan" ;;
*)	D=$B/tests/nfswapd-dyn; how="valgrind --leak-check=full"
	command -v valgrind >/dev/null || { skip "$WHAT" "valgrind is not installed (make deps)"; tap_done; exit; }
	AGENT_RUN=(valgrind -q --error-exitcode=99 --leak-check=full
	    --show-leak-kinds=definite,indirect,possible
	    --errors-for-leak-kinds=definite,indirect,possible
	    --log-file="$T/valgrind.log") ;;
esac
[ -x "$D" ] || { ok "$D is built" false; tap_done; exit 1; }
[ "$(id -u)" = 0 ] || { skip "$WHAT" "needs root (swapon, mount)"; tap_done; exit; }
for c in losetup mkfs.ext4 jq; do
	command -v $c >/dev/null || { skip "$WHAT" "$c is not installed (make deps)"; tap_done; exit; }
done

agent_swapdir swap 128M ||
    { skip "$WHAT" "cannot make a loop-mounted ext4 image here"; tap_done; exit; }
dd if=/dev/zero of="$T/swap/probe" bs=1M count=1 status=none && chmod 600 "$T/swap/probe"
if ! mkswap -q "$T/swap/probe" 2>/dev/null || ! swapon "$T/swap/probe" 2>/dev/null; then
	skip "$WHAT" "swapon of a file on ext4 is refused here"; tap_done; exit
fi
swapoff "$T/swap/probe"; rm -f "$T/swap/probe"

agent_conf "$T/nfswapd.conf" 1 1M 8M 4
fake_meminfo 512 40
agent_start "$T/nfswapd.conf" "$T/swap" "$T/agent.log" --swapoff-on-exit
# Short for 4 s, plenty for 5, and again: each swing a grow and a shrink.
( while :; do fake_meminfo 512 40; sleep 4; fake_meminfo 512 500; sleep 5; done ) &
swinger=$!
fx_pid $swinger
sleep "$SECS"
fx_stop $swinger
# (valgrind's leak check at exit takes its time on a busy machine)
agent_stop "$AGENT_PID" 120
rc=${AGENT_RC:-timeout}
added=$(says_n "$T/agent.log" "added nfswap")
removed=$(says_n "$T/agent.log" "removed nfswap")
cycles=$(says_n "$T/agent.log" "-> overfed")
refused=$(says_n "$T/agent.log" "activating nfswap." "Function not implemented" "file removed")
if [ ${#AGENT_RUN[@]} -gt 0 ]; then
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
