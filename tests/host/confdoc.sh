#!/bin/bash
# tests/host/confdoc.sh -- the man pages and example configs against the
# settings tables, so that they cannot drift.
#
# The tables (agent/conf.c's agent_conf_rows with the policy's
# policy_settings, provisioner/config.c's conf_rows and conf_head_rows)
# are printed by tests/integration/cfgdump: FILE GROUP NAME DEFAULT FLAGS.
# For nfswap.conf and nfswapd.conf each:
#   - every row is documented in SETTINGS of its page (docs/FILE.5), in its
#     group, with the same default where the row has one ("-": none, or
#     computed; the page then states none, or says how it is computed);
#   - every row appears in docs/FILE.example (commented or not), and a
#     setting the example sets (not commented) is set to its default;
#   - no page and no example names a setting the tables do not have.
# - what SIGHUP applies (the rows marked reload) is what nfswapd.conf(5)
#   and the example say it applies.
# Then the check itself is shown to fail on drift, on temporary copies: a
# row added without documentation, a setting removed from a page, a
# default changed in a page, a stray setting or another value in an
# example, a row newly applied on SIGHUP.
set -u
. "$(dirname "$0")/../lib/tap.sh"
NFSWAP=${NFSWAP:-build/nfswap}
top=$(cd "$(dirname "$0")/../.." && pwd)
dump=$(dirname "$NFSWAP")/tests/cfgdump

# The page's settings: GROUP NAME DEFAULT, GROUP "-" at the top level.
# Items (.It Cm NAME [, NAME] No (what, default ...)) of the SETTINGS
# list are the top level; items of a list nested in a group's item
# ("(group)", "(list of groups ...)") are that group's; any other nested
# list (the values of an enum, the rules a group must satisfy) is not.
page_settings() {	# PAGE
	awk '
	/^\.Sh / { in_s = ($2 == "SETTINGS"); depth = 0; next }
	!in_s { next }
	/^\.Bl / { depth++; owner[depth] = (depth == 1 ? "-" : cur[depth - 1]); next }
	/^\.El/ { depth--; next }
	/^\.It Cm / {
		line = $0; sub(/^\.It Cm /, "", line)
		names = line; desc = ""
		if ((i = index(line, " No (")) > 0) {
			names = substr(line, 1, i - 1)
			desc = substr(line, i + 5); sub(/\)[ \t]*$/, "", desc)
		}
		isgroup = (desc ~ /^group/ || desc ~ /^list of groups/)
		n = split(names, nm, / , /)
		cur[depth] = isgroup ? nm[1] : ""
		if (depth > 1 && owner[depth] == "") next
		if (depth > 2) next
		g = depth == 1 ? "-" : owner[depth]
		d1 = d2 = "-"
		if (desc ~ /^group/) d1 = d2 = "group"
		else if (desc ~ /^list of groups/) d1 = d2 = "list"
		else if (match(desc, /defaults [^ ]+ and [^ ]+/)) {
			split(substr(desc, RSTART, RLENGTH), w, " ")
			d1 = w[2]; d2 = w[4]
		} else if (match(desc, /default Qq .*$/)) {
			d1 = substr(desc, RSTART + 11); sub(/[ ,]*$/, "", d1)
			if (d1 == "\\&") d1 = "'\'\''"
			d2 = d1
		} else if (match(desc, /default Cm [^ ]+/)) {
			d1 = d2 = substr(desc, RSTART + 11, RLENGTH - 11)
		} else if (match(desc, /default [^ :,)]+/)) {
			d1 = substr(desc, RSTART + 8, RLENGTH - 8)
			gsub(/\\-/, "-", d1)
			if (d1 == "none") d1 = "-"
			d2 = d1
		}
		for (k = 1; k <= n; k++)
			print g, nm[k], (k == 1 ? d1 : d2)
	}' "$1"
}

# The example's settings: GROUP NAME VALUE, VALUE "#" when commented out.
# A setting starts a line (after a "#"), or follows "{ " or "; " (a head
# written on one line); "NAME = {" and "NAME = (" open a group.
example_settings() {	# EXAMPLE
	awk '
	BEGIN { depth = 0; grp[0] = "-" }
	{
		line = $0; commented = 0
		if (match(line, /^[ \t]*#[ \t]*/)) { commented = 1; line = substr(line, RLENGTH + 1) }
		sub(/^[ \t]+/, "", line)
		if (line ~ /^[a-z_]+ = [{(][ \t]*$/) {
			name = line; sub(/ .*/, "", name)
			print grp[depth], name, (commented ? "#" : (line ~ /\($/ ? "list" : "group"))
			grp[++depth] = name; next
		}
		if (line ~ /^[})];/ || line ~ /^\);?$/) { if (depth > 0) depth--; next }
		rest = line
		while (match(rest, /(^|\{ |; )[a-z_]+ = /)) {
			s = substr(rest, RSTART, RLENGTH); sub(/^(\{ |; )/, "", s)
			name = s; sub(/ = $/, "", name)
			rest = substr(rest, RSTART + RLENGTH)
			v = rest; sub(/;.*/, "", v); gsub(/"/, "", v)
			if (v == "") v = "'\'\''"
			print grp[depth], name, (commented ? "#" : v)
		}
	}' "$1"
}

# Compare the rows of FILE in DUMP with PAGE and EXAMPLE; one line per
# finding, nothing when they agree.
compare() {	# DUMP FILE PAGE EXAMPLE
	local dumpf=$1 file=$2 page=$3 example=$4
	page_settings "$page" >"$T/page.txt"
	example_settings "$example" >"$T/example.txt"
	awk -v file="$file" '
	FILENAME == ARGV[1] { if ($1 == file) { row[$2 " " $3] = $4; order[++n] = $2 " " $3 } ; next }
	FILENAME == ARGV[2] { pg[$1 " " $2] = $3; next }
	FILENAME == ARGV[3] { k = $1 " " $2; ex[k] = 1; if ($3 != "#") exv[k] = $3; next }
	END {
		for (i = 1; i <= n; i++) {
			k = order[i]; split(k, p, " ")
			nm = (p[1] == "-" ? "" : p[1] ".") p[2]
			if (!(k in pg)) print file ": " nm " is not in the page"
			else if (pg[k] != row[k]) print file ": " nm ": the page says default " pg[k] ", the table " row[k]
			if (!(k in ex)) print file ": " nm " is not in the example"
			else if ((k in exv) && exv[k] != row[k] && row[k] != "-") print file ": " nm ": the example sets " exv[k] ", the default is " row[k]
		}
		for (k in pg) if (!(k in row)) { split(k, p, " "); print file ": the page names " (p[1] == "-" ? "" : p[1] ".") p[2] ", which is not a setting" }
		for (k in ex) if (!(k in row)) { split(k, p, " "); print file ": the example names " (p[1] == "-" ? "" : p[1] ".") p[2] ", which is not a setting" }
	}' "$dumpf" "$T/page.txt" "$T/example.txt"
}

# What SIGHUP applies: the rows marked reload (the policy's rows by their
# group), as the page's DESCRIPTION lists them (".Dv SIGHUP , when only
# the .Cm ... take effect") and as the example's "kill -HUP applies ..."
# does; one name a line, sorted.
reload_rows() {	# DUMP
	awk '$1 == "nfswapd.conf" && $5 == "reload" && $2 != "policy" {
		print ($2 == "-" ? "" : $2 ".") $3 }' "$1" | sort
}
reload_page() {	# PAGE
	awk '/^\.Dv SIGHUP/ { on = 1; next }
	    on && /^\.Cm / { print $2 }
	    on && /take effect/ { exit }' "$1" | sort
}
reload_example() {	# EXAMPLE
	awk '/kill -HUP/ { on = 1 } on { t = t " " $0 } on && /;/ { exit }
	    END { sub(/.*applies/, "", t); sub(/;.*/, "", t)
		gsub(/the policy group/, "policy", t); gsub(/#|,/, " ", t)
		n = split(t, w, /[ \t]+/)
		for (i = 1; i <= n; i++) if (w[i] != "" && w[i] != "and") print w[i] }' \
	    "$1" | sort
}

if [ ! -x "$dump" ]; then
	skip "the pages against the tables" "$dump not built (make tests)"
	tap_done
	exit
fi
"$dump" >"$T/dump.txt"
ok "cfgdump prints the tables" test -s "$T/dump.txt"

for f in nfswapd.conf nfswap.conf; do
	is "$f: rows in the table" \
	    "$(awk -v f=$f '$1 == f' "$T/dump.txt" | wc -l | awk '$1 > 20 { print "many" }')" many
	compare "$T/dump.txt" $f "$top/docs/$f.5" "$top/docs/$f.example" >"$T/$f.drift"
	is "$f: docs/$f.5 and docs/$f.example match the table" \
	    "$(cat "$T/$f.drift")" ""
done

is "nfswapd.conf(5): what SIGHUP applies, as the rows say" \
    "$(reload_page "$top/docs/nfswapd.conf.5" | tr '\n' ' ')" \
    "$(reload_rows "$T/dump.txt" | tr '\n' ' ')"
is "nfswapd.conf.example: what SIGHUP applies, as the rows say" \
    "$(reload_example "$top/docs/nfswapd.conf.example" | tr '\n' ' ')" \
    "$(reload_rows "$T/dump.txt" | tr '\n' ' ')"

# --- the check fails on drift (temporary copies) ---------------------------
cp "$T/dump.txt" "$T/dump+.txt"
echo "nfswapd.conf swap new_setting 7 -" >>"$T/dump+.txt"
compare "$T/dump+.txt" nfswapd.conf "$top/docs/nfswapd.conf.5" \
    "$top/docs/nfswapd.conf.example" >"$T/out"
ok "a row added without documentation: not in the page" \
    says "$T/out" "swap.new_setting is not in the page"
ok "... nor in the example" says "$T/out" "swap.new_setting is not in the example"

sed '/^\.It Cm timeo /s/default 600/default 60/' "$top/docs/nfswapd.conf.5" \
    >"$T/changed.5"
compare "$T/dump.txt" nfswapd.conf "$T/changed.5" \
    "$top/docs/nfswapd.conf.example" >"$T/out"
ok "a default changed in the page" says "$T/out" "nfs.timeo: the page says default 60, the table 600"

grep -v '^\.It Cm idle_timeout ' "$top/docs/nfswap.conf.5" >"$T/less.5"
compare "$T/dump.txt" nfswap.conf "$T/less.5" \
    "$top/docs/nfswap.conf.example" >"$T/out"
ok "a setting missing from the page" says "$T/out" "serve.idle_timeout is not in the page"

sed 's/^\tidle_timeout = 30;/\tidle_timeout = 30;\n\tidle_timout = 30;/' \
    "$top/docs/nfswap.conf.example" >"$T/stray.example"
compare "$T/dump.txt" nfswap.conf "$top/docs/nfswap.conf.5" \
    "$T/stray.example" >"$T/out"
ok "a setting the table does not have, in the example" \
    says "$T/out" "the example names serve.idle_timout, which is not a setting"

sed 's/^\tidle_timeout = 30;/\tidle_timeout = 31;/' \
    "$top/docs/nfswap.conf.example" >"$T/value.example"
compare "$T/dump.txt" nfswap.conf "$top/docs/nfswap.conf.5" \
    "$T/value.example" >"$T/out"
ok "the example setting something other than the default" \
    says "$T/out" "serve.idle_timeout: the example sets 31, the default is 30"

sed 's/^\(nfswapd.conf nfs timeo 600\) -$/\1 reload/' "$T/dump.txt" \
    >"$T/dump-hup.txt"
ok "a row newly applied on SIGHUP without the page saying so" test \
    "$(reload_page "$top/docs/nfswapd.conf.5")" != \
    "$(reload_rows "$T/dump-hup.txt")"

tap_done
