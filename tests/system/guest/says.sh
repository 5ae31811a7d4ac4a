# tests/system/guest/says.sh -- sourced by the guests' test scripts (the
# guests have busybox or Debian's sh and awk, not tests/lib/tap.sh).
# says FILE KEY...: a line of FILE holds every KEY, in that order -- the
# stable parts of a message (names, numbers, the words that carry its
# meaning), as tap.sh's says matches them on the host.
says() {
	f=$1; shift
	awk -v k="$(printf '%s\001' "$@")" 'BEGIN { n = split(k, K, "\001") - 1 }
	    { s = $0; for (i = 1; i <= n; i++) { j = index(s, K[i]); if (!j) next; s = substr(s, j + length(K[i])) }; found = 1; exit }
	    END { exit !found }' "$f"
}
