#!/bin/bash
# tests/host/sim.sh -- nfswap-sim and its trace suite: the traces in the tree
# are what the generator makes; on every trace nfswapd's policy never runs
# out of memory at 512 MiB RAM and 8 MiB/s creation; its standby reserve is
# modelled (held to the end at defaults; with reserve=0 nfswapd holds no
# more idle swap than swapspace over the suite), and so is its reaction
# time (a step past RAM); quota and file cap are never exceeded;
# docs/policy-sim.md and docs/fsm.dot are what the code produces; bad input
# is refused with file:line and exit status 2.
set -u
. "$(dirname "$0")/../lib/tap.sh"
B=${NFSWAP_BUILD:-build}
SIM=$B/nfswap-sim
GEN=$B/nfswap-tracegen

command -v jq >/dev/null || { skip "simulator" "jq is not installed (make deps)"; tap_done; exit; }

# --- the suite is what the generator writes ------------------------------
names=$("$GEN" --list)
is "seven traces" "$(echo "$names" | wc -l)" 7
for n in $names; do
	"$GEN" "$n" >"$T/$n.csv"
	ok "tests/traces/$n.csv is nfswap-tracegen $n" cmp "$T/$n.csv" "tests/traces/$n.csv"
done
is "no stray trace files" "$(ls tests/traces/*.csv | wc -l)" 7

# --- the bar: zero exhaustion for nfswapd on every trace -----------------
for t in tests/traces/*.csv; do
	"$SIM" --trace "$t" --ram-mib 512 --alloc-mibps 8 --json >"$T/run.json"
	n=$(basename "$t" .csv)
	is "$n: two JSON objects, one per policy" \
	    "$(jq -r .policy "$T/run.json" | tr '\n' ' ')" "nfswapd swapspace "
	is "$n: nfswapd has zero exhaustion seconds" \
	    "$(jq -r 'select(.policy=="nfswapd") | .exhaustion_s' "$T/run.json")" 0
	is "$n: nfswapd never had a swapoff refused" \
	    "$(jq -r 'select(.policy=="nfswapd") | .refused_shrinks + .failed_ops' "$T/run.json")" 0
	cat "$T/run.json" >>"$T/all.json"
done
# The model is not toothless, and growth past RAM is as the docs say.
for t in tests/traces/*.csv; do
	awk -F, '!/^#/ && NF == 2 { if (pd > 512 && $2 > pd && ($2 - pd) / ($1 - pt) > 6.01) bad++;
	    pt = $1; pd = $2 } END { exit bad > 0 }' "$t" ||
	    echo "$t rises faster than 6 MiB/s past RAM" >>"$T/fast"
done
ok "no trace rises faster than 6 MiB/s past RAM" test ! -e "$T/fast"
is "every field is there" "$(jq -s 'map(has("exhaustion_s") and has("grow_ops")
    and has("shrink_ops") and has("peak_files") and has("idle_swap_mib_s")
    and has("peak_swap_mib") and has("final_swap_mib") and has("reserve_mib")
    and has("react_ms")) | all' "$T/all.json")" true
ex=$(jq -s 'map(select(.policy=="swapspace") | .exhaustion_s) | add' "$T/all.json")
ok "swapspace runs out somewhere in the suite ($ex s): the model is not toothless" \
    test "$ex" -gt 0

# --- the standby reserve ---------------------------------------------------
# A reserve is idle swap bought for readiness: at defaults nfswapd holds
# more idle swap than swapspace, by design.  Without it, it holds no more,
# the bar the policy was tuned to.
for t in tests/traces/*.csv; do
	"$SIM" --trace "$t" --ram-mib 512 --alloc-mibps 8 --policy nfswapd \
	    --set reserve=0 --json >>"$T/r0.json"
done
res=$(jq -s 'map(select(.policy=="nfswapd") | .reserve_mib) | unique |
    if length == 1 then .[0] else "differs: \(.)" end' "$T/all.json")
ok "defaults: a standby reserve ($res MiB of 512)" test "$res" -gt 0 2>/dev/null
is "defaults: every trace ends holding at least the reserve" \
    "$(jq -s 'map(select(.policy=="nfswapd") | .final_swap_mib >= .reserve_mib) | all' "$T/all.json")" true
is "--set reserve=0: no reserve" "$(jq -s 'map(.reserve_mib) | max' "$T/r0.json")" 0
ok "--set reserve=0: some trace ends holding less than $res MiB" \
    test "$(jq -s --argjson r "$res" 'map(select(.final_swap_mib < $r)) | length' "$T/r0.json")" -gt 0
sum_idle() { jq -s "map(select(.policy==\"$2\") | .idle_swap_mib_s) | add" "$1"; }
ni=$(sum_idle "$T/all.json" nfswapd) si=$(sum_idle "$T/all.json" swapspace)
n0=$(sum_idle "$T/r0.json" nfswapd)
ok "over the suite the reserve is idle swap: nfswapd $ni MiB x s at defaults, $n0 with reserve=0" \
    test "$ni" -gt "$n0"
ok "with --set reserve=0 nfswapd holds no more idle swap than swapspace ($n0 against $si MiB x s; $ni at defaults)" \
    test "$n0" -le "$si"

# --- a step past RAM -------------------------------------------------------
# 400 MiB for two minutes, 750 MiB a second later (238 past RAM) for ten:
# faster than any trace of the suite climbs past RAM.  The reserve takes
# it; without one the agent runs out whether it samples every 100 ms or
# every second.  The reaction time is modelled: sampling fast, the first
# grow comes within the second of the jump.
awk 'BEGIN { for (t = 0; t <= 1800; t++) print t "," (t > 120 && t <= 720 ? 750 : 400) }' \
    >"$T/step.csv"
step() { "$SIM" --trace "$T/step.csv" --ram-mib 512 --policy nfswapd "$@"; }
is "step: no exhaustion at defaults (the jump lands on the reserve)" \
    "$(step --json | jq .exhaustion_s)" 0
ef=$(step --json --set reserve=0 | jq .exhaustion_s)
es=$(step --json --set reserve=0 --react-ms 1000 | jq .exhaustion_s)
ok "step, --set reserve=0: out of memory at --react-ms 100 ($ef s) and at 1000 ($es s)" \
    test "$ef" -gt 0 -a "$es" -gt 0
first_grow() { step --steps --set reserve=0 "$@" |
    awk '/ grow / && substr($2, 3) + 0 > 120 { print substr($2, 3); exit }'; }
gf=$(first_grow) gs=$(first_grow --react-ms 1000)
ok "step: the first grow after the jump at t=${gf:-?} s with --react-ms 100, t=${gs:-?} s with 1000" \
    awk -v f="$gf" -v s="$gs" 'BEGIN { exit !(f != "" && s != "" && f < 121 && f + 0.5 <= s) }'

# --- the published table is this build's --------------------------------
bench/sim-table.sh "$SIM" >"$T/table.md"
sed -n '/^<!-- sim-table begin -->$/,/^<!-- sim-table end -->$/p' docs/policy-sim.md |
    sed '1d;$d' >"$T/doc-table.md"
ok "docs/policy-sim.md holds exactly bench/sim-table.sh's output" \
    diff -u "$T/table.md" "$T/doc-table.md"
"$SIM" --dot >"$T/fsm.dot"
ok "docs/fsm.dot is nfswap-sim --dot" diff -u "$T/fsm.dot" docs/fsm.dot

# --- limits ----------------------------------------------------------------
for t in tests/traces/*.csv; do
	"$SIM" --trace "$t" --ram-mib 512 --quota-mib 600 --max-files 3 \
	    --policy nfswapd --json >>"$T/lim.json"
done
is "quota 600: nfswapd never asks past it (no EDQUOT)" \
    "$(jq -s 'map(.failed_ops) | add' "$T/lim.json")" 0
is "max-files 3: never more than 3 files" \
    "$(jq -s 'map(.peak_files <= 3) | all' "$T/lim.json")" true
is "--policy nfswapd: one object per trace" "$(wc -l <"$T/lim.json")" 7

"$SIM" --trace tests/traces/tail.csv --ram-mib 512 --quota-mib 300 --policy swapspace --json >"$T/ss.json"
is "swapspace model: refused by statvfs, never a failed write" \
    "$(jq '.failed_ops' "$T/ss.json")" 0

# --- output forms ----------------------------------------------------------
"$SIM" --trace tests/traces/compile.csv --ram-mib 512 >"$T/a.txt"
"$SIM" --trace tests/traces/compile.csv --ram-mib 512 >"$T/b.txt"
ok "deterministic" cmp "$T/a.txt" "$T/b.txt"
ok "text output has a header and both policies" \
    sh -c "grep -q '^policy  *exhaustion_s' '$T/a.txt' && grep -q '^nfswapd ' '$T/a.txt' && grep -q '^swapspace ' '$T/a.txt'"
"$SIM" --trace tests/traces/compile.csv --ram-mib 512 --policy nfswapd --steps >"$T/steps.txt"
ok "--steps shows each action with its state and reason" \
    grep -q '^nfswapd t=[0-9]* .* grow .*-> .* (.*)$' "$T/steps.txt"
grows=$(grep -c ' grow ' "$T/steps.txt")
is "--steps and the counters agree" "$grows" \
    "$("$SIM" --trace tests/traces/compile.csv --ram-mib 512 --policy nfswapd --json | jq .grow_ops)"
printf '# a comment\r\n\r\n0,100\r\n  1.5 , 200\r\n3,0\n' >"$T/crlf.csv"
ok "comments, blank lines, CRLF and spaces are accepted" \
    "$SIM" --trace "$T/crlf.csv" --ram-mib 64
a=$("$SIM" --trace tests/traces/tail.csv --ram-mib 512 --policy nfswapd --json)
b=$("$SIM" --trace tests/traces/tail.csv --ram-mib 512 --policy nfswapd --json --set max_swapsize=64M)
is "--set max_swapsize=64M: more, smaller files" \
    "$(jq -n --argjson a "$a" --argjson b "$b" '$b.grow_ops > $a.grow_ops and $b.peak_files > $a.peak_files')" true
c=$("$SIM" --trace tests/traces/tail.csv --ram-mib 512 --policy nfswapd --json --set cooldown=60 --set peak_hold=60)
is "--set cooldown=60 peak_hold=60: swap given back sooner" \
    "$(jq -n --argjson a "$a" --argjson c "$c" '$c.idle_swap_mib_s < $a.idle_swap_mib_s')" true

# --- bad input: exit 2, file:line, one line -------------------------------
bad() {	# bad DESC WANT-IN-STDERR [ARGS...]
	local desc=$1 want=$2; shift 2
	"$SIM" "$@" >"$T/out" 2>"$T/err"
	local st=$?
	is "$desc: exit 2" "$st" 2
	ok "$desc: says \"$want\"" grep -qF -- "$want" "$T/err"
	is "$desc: nothing on stdout" "$(wc -c <"$T/out")" 0
}
mk() { printf "$2" >"$T/$1.csv"; }
mk nocomma '0,1\n5 10\n';		bad "no comma" "nocomma.csv:2:" --trace "$T/nocomma.csv" --ram-mib 512
mk back '0,1\n5,1\n5,2\n';		bad "time not increasing" "back.csv:3: time 5 is not after 5" --trace "$T/back.csv" --ram-mib 512
mk neg '0,-1\n';			bad "negative demand" "neg.csv:1: bad demand" --trace "$T/neg.csv" --ram-mib 512
mk nan '0,nan\n';			bad "NaN demand" "nan.csv:1: bad demand" --trace "$T/nan.csv" --ram-mib 512
mk inf '0,1\ninf,1\n';			bad "infinite time" "inf.csv:2: bad time" --trace "$T/inf.csv" --ram-mib 512
mk hex '0,0x10\n';			bad "hex" "hex.csv:1: bad demand" --trace "$T/hex.csv" --ram-mib 512
mk junk '0,1 MiB\n';			bad "units" "junk.csv:1: bad demand" --trace "$T/junk.csv" --ram-mib 512
mk huge '0,1e300\n';			bad "huge demand" "huge.csv:1: bad demand" --trace "$T/huge.csv" --ram-mib 512
mk empty '# nothing\n';			bad "no samples" "empty.csv: no samples" --trace "$T/empty.csv" --ram-mib 512
printf '0,1\n1,\0002\n' >"$T/nul.csv";	bad "NUL byte" "nul.csv:2: NUL byte" --trace "$T/nul.csv" --ram-mib 512
bad "ram not a number" "--ram-mib" --trace tests/traces/tail.csv --ram-mib lots
bad "ram too small" "--ram-mib" --trace tests/traces/tail.csv --ram-mib 1
bad "unknown policy" "--policy" --trace tests/traces/tail.csv --ram-mib 512 --policy zram
bad "unknown setting" "--set frobnicate=1: unknown setting" --trace tests/traces/tail.csv --ram-mib 512 --set frobnicate=1
bad "setting without =" "expected KEY=VALUE" --trace tests/traces/tail.csv --ram-mib 512 --set cooldown
bad "inconsistent settings" "lower_freelimit must be below freetarget" --trace tests/traces/tail.csv --ram-mib 512 --set freetarget=15
bad "bad size" "not a size" --trace tests/traces/tail.csv --ram-mib 512 --set max_swapsize=lots
bad "quota below the smallest file" "quota is smaller than min_swapsize" --trace tests/traces/tail.csv --ram-mib 512 --quota-mib 2
bad "--set max_files" "use --max-files" --trace tests/traces/tail.csv --ram-mib 512 --set max_files=3
bad "--set quota" "use --quota-mib" --trace tests/traces/tail.csv --ram-mib 512 --set quota=1G
bad "react-ms too small" "--react-ms" --trace tests/traces/tail.csv --ram-mib 512 --react-ms 5
bad "odd page size" "multiples of 4K" --trace tests/traces/tail.csv --ram-mib 512 --set min_swapsize=65537
bad "no trace" "usage" --ram-mib 512
"$SIM" --trace "$T/does-not-exist.csv" --ram-mib 512 >/dev/null 2>"$T/err"
is "missing trace file: exit 1" "$?" 1
ok "missing trace file: says which and why" grep -q "does-not-exist.csv: No such file" "$T/err"

tap_done
