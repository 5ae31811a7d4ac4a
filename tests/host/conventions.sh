#!/bin/bash
# tests/host/conventions.sh -- what a Debian administrator tries first:
# --help and --version on both programs (standard output, exit 0, no
# configuration needed), "nfswap help COMMAND" and "COMMAND --help";
# "nfswap exports" on a server with no /etc/exports.d yet (made, and said
# so) or no NFS-Ganesha (an error naming the package, nothing written);
# and bash completion: commands, a command's options, client names from
# the registry, kept in step with the usage text.
set -u
. "$(dirname "$0")/../lib/tap.sh"
B=${NFSWAP_BUILD:-build}
NFSWAP=$B/nfswap NFSWAPD=$B/nfswapd
version=$(head -n 1 debian/changelog | cut -d'(' -f2 | cut -d')' -f1)

# --- --help, --version ---------------------------------------------------
for p in "$NFSWAP" "$NFSWAPD"; do
	name=$(basename "$p")
	is "$name --version: exit 0" "$(status() { "$@" >"$T/out" 2>"$T/err"; echo $?; }; status "$p" --version)" 0
	is "... prints \"$name $version\" (debian/changelog's)" "$(cat "$T/out")" "$name $version"
	"$p" --help >"$T/out" 2>"$T/err"
	is "$name --help: exit 0" $? 0
	ok "... a usage summary on standard output" grep -q "^usage: $name" "$T/out"
	ok "... nothing on standard error" test ! -s "$T/err"
	"$p" --no-such-option >"$T/out" 2>"$T/err"
	is "$name --no-such-option: exit 2 (usage)" $? 2
done
# Help reads no configuration: a missing file is no obstacle.
"$NFSWAP" -c "$T/missing.conf" add --help >"$T/out" 2>"$T/err"
is "nfswap add --help (configuration missing): exit 0" $? 0
is "... add's line of the usage" "$(head -1 "$T/out")" "usage: nfswap [-c CONFIG] add NAME --host HOST [--quota SIZE] [--inodes N] [--head HEAD]"
"$NFSWAP" help exports >"$T/out" 2>"$T/err"
is "nfswap help exports: exit 0" $? 0
ok "... exports' line" grep -q '^usage: nfswap \[-c CONFIG\] exports \[--format kernel|ganesha\]' "$T/out"
"$NFSWAP" help >"$T/out" 2>&1
is "nfswap help: the whole usage" "$(head -1 "$T/out")" "usage: nfswap [-hV] [-c CONFIG] [-n] COMMAND [ARGS]"
"$NFSWAP" -c "$T/missing.conf" frobnicate >"$T/out" 2>"$T/err"
is "nfswap frobnicate: exit 2" $? 2
for how in "help frobnicate" "frobnicate --help"; do
	"$NFSWAP" $how >"$T/out" 2>"$T/err"
	is "nfswap $how: exit 2 (usage)" $? 2
	ok "... says which command is unknown" grep -q 'unknown command "frobnicate"' "$T/err"
	is "... nothing on stdout" "$(cat "$T/out")" ""
done

# --- exports without the servers' directories ----------------------------
mkdir -p "$T/etc"
cat >"$T/nfswap.conf" <<CONF
export_root = "$T/export";
state_dir = "$T/state";
quota_enforce = "none";
kernel: { exports_file = "$T/etc/exports.d/nfswap.exports"; };
ganesha: { exports_file = "$T/etc/ganesha/nfswap.conf"; pid_file = "$T/ganesha.pid"; };
CONF
n() { "$NFSWAP" -c "$T/nfswap.conf" "$@"; }
ok "nfswap add pc-101" n add pc-101 --host 192.0.2.101
ok "nfswap add pc-102" n add pc-102 --host 192.0.2.102
n exports >"$T/out" 2>"$T/err"
is "nfswap exports, no exports.d yet: exit 0" $? 0
ok "... made it and said so, with what reads it" says "$T/err" "made $T/etc/exports.d" "nfs-kernel-server"
is "... mode 0755" "$(stat -c %a "$T/etc/exports.d")" 755
ok "... and wrote both clients there" sh -c "grep -c '^$T/export/pc-10[12] ' '$T/etc/exports.d/nfswap.exports' | grep -qx 2"
n exports --format ganesha >"$T/out" 2>"$T/err"
is "nfswap exports --format ganesha, no /etc/ganesha: exit 1" $? 1
ok "... says the directory is missing and what to install" says "$T/err" "$T/etc/ganesha/nfswap.conf" "does not exist" "apt install nfs-ganesha"
ok "... and made nothing" test ! -e "$T/etc/ganesha"
n exports --output "$T/none/deeper/x.exports" >"$T/out" 2>"$T/err"
is "nfswap exports into a missing tree: exit 1 (only one level is made)" $? 1
ok "... nothing made" test ! -e "$T/none"

# --- bash completion -------------------------------------------------------
if ! command -v bash >/dev/null; then
	skip "bash completion" "bash is not installed"
	tap_done; exit
fi
# complete WORDS...: what completing the last word offers (COMPREPLY).
complete_words() {
	bash -c '
		source completion/nfswap
		source completion/nfswapd
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		PATH='"'$(cd "$B" && pwd)'"':$PATH
		f=$(complete -p "$1" | awk "{ print \$(NF - 1) }")
		$f
		printf "%s\n" "${COMPREPLY[@]}" | sort' _ "$@"
}
is "nfswap <TAB>: the commands of the usage text" "$(complete_words nfswap '' | tr '\n' ' ')" \
    "$(sed -n 's/^  \([a-z][a-z]*\).*/\1/p' <("$NFSWAP" --help) | sort | sed '$a help' | sort | tr '\n' ' ')"
is "nfswap re<TAB>" "$(complete_words nfswap re)" "remove"
is "nfswap add --q<TAB>" "$(complete_words nfswap add --q)" "--quota"
is "nfswap exports --format <TAB>" "$(complete_words nfswap exports --format '' | tr '\n' ' ')" "ganesha kernel "
is "nfswap -c CONF show <TAB>: the registry's clients" "$(complete_words nfswap -c "$T/nfswap.conf" show '' | tr '\n' ' ')" "pc-101 pc-102 "
is "nfswap -c CONF quota pc-1<TAB>" "$(complete_words nfswap -c "$T/nfswap.conf" quota pc-1 | tr '\n' ' ')" "pc-101 pc-102 "
is "nfswap -c CONF quota pc-101 <TAB>: no second name" "$(complete_words nfswap -c "$T/nfswap.conf" quota pc-101 '')" ""
is "nfswapd --v<TAB>" "$(complete_words nfswapd --v)" "--version"
# Every option the usage text names for a command is offered for it.
missing=
while read -r cmd rest; do
	offered=$(complete_words nfswap "$cmd" -- | tr '\n' ' ')
	for o in $(echo "$rest" | grep -o -- '--[a-z-]*'); do
		case " $offered " in *" $o "*) ;; *) missing="$missing $cmd:$o" ;; esac
	done
done < <("$NFSWAP" --help | sed -n 's/^  \([a-z]\)/\1/p')
is "every option of the usage text is completed" "$missing" ""
tap_done
