#!/bin/bash
# tests/host/deb.sh -- the Debian packages: "make deb" builds nfswap,
# nfswapd and nfswapd-dracut from the tree; lintian finds no error and no
# warning in them (debian/*.lintian-overrides say why for each tag they
# silence); they say the version debian/changelog says, as do the
# programs' -V; and the server package, installed with dpkg into a
# debootstrapped Debian 12 root (vm_debroot's, in a chroot), works as an
# administrator would use it -- nfswap -n, add, exports -- starts and
# enables nothing, and "dpkg --purge" leaves nothing behind but the
# administrator's data: with a client registered, its registry and
# directory stay; with none, the root is file for file what it was.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/vm.sh"
WHAT="the Debian packages"
HERE=$(cd "$(dirname "$0")/../.." && pwd)
cd "$HERE" || exit 1

[ "$(id -u)" = 0 ] || { skip "$WHAT" "needs root (chroot)"; tap_done; exit 0; }
for c in dpkg-buildpackage dh lintian chroot debootstrap; do
	command -v $c >/dev/null || { skip "$WHAT" "$c is not installed (make deps)"; tap_done; exit 0; }
done
version=$(sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' debian/changelog)

# --- the build ------------------------------------------------------------
D=$T/deb
make -s deb DEB_DIR="$D" >"$T/build.log" 2>&1
st=$?
is "make deb: exit 0" $st 0
[ $st = 0 ] || { tail -30 "$T/build.log" | sed 's/^/# /'; tap_done; exit 1; }
for p in nfswap nfswapd; do
	ok "built $p ${version}" test -s "$D/${p}_${version}_amd64.deb"
done
ok "built nfswapd-dracut ${version}" test -s "$D/nfswapd-dracut_${version}_all.deb"
changes=$(ls "$D"/*.changes 2>/dev/null | head -1)
ok "... and a .changes" test -s "$changes"

# lintian: errors and warnings fail; what it printed is shown either way.
lintian --fail-on error,warning --display-info "$changes" >"$T/lintian" 2>&1
st=$?
sed 's/^/# lintian: /' "$T/lintian"
is "lintian --fail-on error,warning: exit 0" $st 0
# ... and it did look: without the overrides it reports the one tag that
# debian/nfswapd.lintian-overrides silences (and why).
ok "... lintian --no-override finds nfswapd static (the one override)" sh -c "lintian --no-override '$D/nfswapd_${version}_amd64.deb' 2>&1 | grep -q 'E: nfswapd: statically-linked-binary'"

deb() { echo "$D/${1}_${version}_$([ "$1" = nfswapd-dracut ] && echo all || echo amd64).deb"; }
for p in nfswap nfswapd nfswapd-dracut; do
	is "$p: Version is debian/changelog's" "$(dpkg-deb -f "$(deb $p)" Version)" "$version"
done
dpkg-deb -x "$(deb nfswap)" "$T/x"
dpkg-deb -x "$(deb nfswapd)" "$T/x"
is "nfswap -V says it" "$("$T/x/usr/sbin/nfswap" -V)" "nfswap $version"
is "nfswapd --version says it" "$("$T/x/usr/sbin/nfswapd" --version)" "nfswapd $version"
dpkg-deb -c "$(deb nfswap)" | awk '{ print $6 }' | sed 's|^\./|/|' >"$T/nfswap.list"
dpkg-deb -c "$(deb nfswapd)" | awk '{ print $6 }' | sed 's|^\./|/|' >"$T/nfswapd.list"
dpkg-deb -c "$(deb nfswapd-dracut)" | awk '{ print $6 }' | sed 's|^\./|/|' >"$T/dracut.list"
for f in /usr/sbin/nfswap /usr/share/man/man8/nfswap.8.gz /usr/share/man/man5/nfswap.conf.5.gz \
    /lib/systemd/system/nfswap-serve.service /etc/nfswap/nfswap.conf \
    /usr/share/bash-completion/completions/nfswap /usr/share/doc/nfswap/README.Debian \
    /var/lib/nfswap/; do
	ok "nfswap holds $f" grep -qx -- "$f" "$T/nfswap.list"
done
for f in /usr/sbin/nfswapd /usr/share/man/man8/nfswapd.8.gz /usr/share/man/man5/nfswapd.conf.5.gz \
    /lib/systemd/system/nfswapd.service /etc/nfswap/nfswapd.conf \
    /usr/share/initramfs-tools/hooks/nfswap /usr/share/initramfs-tools/scripts/init-premount/nfswap \
    /usr/share/bash-completion/completions/nfswapd; do
	ok "nfswapd holds $f" grep -qx -- "$f" "$T/nfswapd.list"
done
ok "nfswapd-dracut holds the dracut module" grep -qx /usr/lib/dracut/modules.d/90nfswap/module-setup.sh "$T/dracut.list"
ok "no file is in two packages" sh -c "cat '$T/nfswap.list' '$T/nfswapd.list' '$T/dracut.list' | grep -v '/\$' | sort | uniq -d | grep -q . && exit 1 || exit 0"
is "nfswap's conffiles" "$(dpkg-deb -I "$(deb nfswap)" conffiles)" "/etc/nfswap/nfswap.conf"
is "nfswapd's conffiles" "$(dpkg-deb -I "$(deb nfswapd)" conffiles)" "/etc/nfswap/nfswapd.conf"
ok "nfswapd activates initramfs-tools' trigger" sh -c "dpkg-deb -I '$(deb nfswapd)' triggers | grep -qx 'activate-noawait update-initramfs'"
ok "nfswapd is static (no program interpreter)" sh -c "! readelf -l '$T/x/usr/sbin/nfswapd' | grep -q INTERP"
ok "... and names the sources of what it carries (Built-Using)" sh -c "dpkg-deb -f '$(deb nfswapd)' Built-Using | grep -q '^glibc (= .*libconfig (= .*libtirpc (= '"

# --- installed into a Debian 12 root ------------------------------------------
vm_debroot "$WHAT"
R=$T/root
mkdir "$R" && tar -C "$R" -xf "$VM_DEBROOT" || { ok "unpack $VM_DEBROOT" false; tap_done; exit 1; }
# What a purge must give back: every path and its type, owner and mode,
# but dpkg's and the logs' own records.
snapshot() {
	(cd "$R" && find . -xdev \( -path ./var/lib/dpkg -o -path ./var/log -o -path ./var/cache/debconf \
	    -o -path ./tmp -o -path ./var/lib/systemd/deb-systemd-helper-enabled \
	    -o -path ./var/lib/systemd/deb-systemd-helper-masked \) -prune -o \
	    -printf '%p %y %u:%g %m\n' | sort)
}
snapshot >"$T/before"
cp "$(deb nfswap)" "$R/tmp/"
in_root() { chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"; }
ok "dpkg -i nfswap_${version}_amd64.deb" in_root dpkg -i "/tmp/nfswap_${version}_amd64.deb"
ok "... its user for serve's unprivileged side exists" in_root getent passwd _nfswap
is "... /var/lib/nfswap: root's, 0700" "$(stat -c '%U %a' "$R/var/lib/nfswap")" "root 700"
ok "... no service enabled" sh -c "! find '$R/etc/systemd/system' -name 'nfswap*' | grep -q ."
ok "nfswap -n" in_root nfswap -n
ok "nfswap --help" sh -c "chroot '$R' nfswap --help | grep -q '^usage: nfswap'"
ok "nfswap add pc1 --host 10.0.2.15" in_root nfswap add pc1 --host 10.0.2.15 --quota 1G
ok "... its directory" test -d "$R/srv/nfswap/pc1"
ok "nfswap exports, with no /etc/exports.d yet" sh -c "chroot '$R' nfswap exports >'$T/exports.out' 2>&1"
sed 's/^/# /' "$T/exports.out"
ok "... made /etc/exports.d and said so" grep -q 'made /etc/exports.d' "$T/exports.out"
ok "... and wrote pc1's line there" grep -q '^/srv/nfswap/pc1 10.0.2.15(' "$R/etc/exports.d/nfswap.exports"
ok "dpkg -r nfswap" in_root dpkg -r nfswap
ok "... the program is gone" test ! -e "$R/usr/sbin/nfswap"
ok "... the configuration stays" test -s "$R/etc/nfswap/nfswap.conf"
ok "dpkg -P nfswap, a client still registered" sh -c "chroot '$R' dpkg -P nfswap >'$T/purge1' 2>&1"
sed 's/^/# /' "$T/purge1"
ok "... the configuration is gone" test ! -e "$R/etc/nfswap/nfswap.conf"
ok "... the registry stays, and purge said why" sh -c "test -e '$R/var/lib/nfswap/clients/pc1' && grep -q 'keeping the registry' '$T/purge1'"
ok "... the client's directory stays" test -d "$R/srv/nfswap/pc1"
ok "... the exports written from it stay" test -s "$R/etc/exports.d/nfswap.exports"

# Again, the client removed first: then nothing at all may be left but
# what the administrator made (/srv/nfswap; /etc/exports.d, as
# nfs-kernel-server's own directory).
ok "dpkg -i again" in_root dpkg -i "/tmp/nfswap_${version}_amd64.deb"
ok "nfswap remove pc1 --purge" in_root nfswap remove pc1 --purge
ok "nfswap exports (no client)" in_root nfswap exports
ok "dpkg -P nfswap, no client registered" in_root dpkg -P nfswap
rm -f "$R/tmp/nfswap_${version}_amd64.deb"
snapshot | grep -v -e '^\./srv/nfswap ' -e '^\./etc/exports.d ' >"$T/after"
diff "$T/before" "$T/after" >"$T/left"
sed 's/^/# /' "$T/left"
ok "... the root is as it was (registry, exports file and user gone)" test ! -s "$T/left"
tap_done
