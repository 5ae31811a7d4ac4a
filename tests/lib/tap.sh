# tests/lib/tap.sh -- TAP output for the shell tests, sourced by each.
#
#   ok "description" CMD...      pass if CMD succeeds
#   is "description" GOT WANT    pass if the strings are equal
#   skip "description" "why"     counted as skipped, with the reason
#   tap_done                     prints the plan; call once at the end
#   says FILE KEY...             a line of FILE holds every KEY, in that
#                                order (fixed strings)
#   says_n FILE KEY...           how many lines of FILE do
# A check that reads a log matches the stable parts of a message with
# says -- the names and numbers, the words that carry its meaning -- not
# its whole prose, so that rewording a sentence breaks no test; what can
# be checked as an exit status, a file or the status file is checked so.
# Every test runs in its own scratch directory ($T), removed on exit.

tap_n=0
tap_failed=0
T=$(mktemp -d "${TMPDIR:-/tmp}/nfswap-sh.XXXXXX")
tap_cleanups=()
tap_cleanup() {
	local i
	for ((i = ${#tap_cleanups[@]} - 1; i >= 0; i--)); do
		eval "${tap_cleanups[i]}" || true
	done
	[ -n "${NFSWAP_KEEP:-}" ] || rm -rf "$T"
}
trap tap_cleanup EXIT
at_exit() { tap_cleanups+=("$1"); }
# The uid "nfswap serve" runs its unprivileged side as in the tests (no
# account of that number need exist; serve.user takes a number).
SERVE_UID=${NFSWAP_TEST_SERVE_UID:-64999}

ok() {
	local desc=$1; shift
	tap_n=$((tap_n + 1))
	if "$@" >"$T/.out" 2>&1; then
		echo "ok $tap_n - $desc"
	else
		echo "not ok $tap_n - $desc"
		sed 's/^/# /' "$T/.out"
		tap_failed=$((tap_failed + 1))
	fi
}

is() {
	tap_n=$((tap_n + 1))
	if [ "$2" = "$3" ]; then
		echo "ok $tap_n - $1"
	else
		echo "not ok $tap_n - $1"
		printf '# got:  %s\n# want: %s\n' "$2" "$3" | head -40
		tap_failed=$((tap_failed + 1))
	fi
}

skip() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n # SKIP $1: $2"
}

says_n() {	# FILE KEY...
	local f=$1
	shift
	[ -r "$f" ] || { echo 0; return; }
	awk 'BEGIN { for (i = 2; i < ARGC; i++) { k[i - 1] = ARGV[i]; ARGV[i] = "" }; n = ARGC - 2 }
	    { s = $0; for (i = 1; i <= n; i++) { j = index(s, k[i]); if (!j) next; s = substr(s, j + length(k[i])) }; c++ }
	    END { print c + 0 }' "$f" "$@"
}
says() { [ "$(says_n "$@")" -gt 0 ]; }

tap_done() {
	echo "1..$tap_n"
	[ $tap_failed -eq 0 ]
}
