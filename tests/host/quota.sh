#!/bin/bash
# tests/host/quota.sh -- quotas enforced by the filesystem: an ext4 image
# with project quotas, loop-mounted with prjquota; a client's uid cannot
# write past its quota, and "nfswap quota" moves the limit.  Where the
# running kernel cannot mount such a filesystem the enforcement part says
# SKIP and why; the refusal of quota_enforce="project" on a filesystem
# without project quotas is tested everywhere.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/fixture.sh"
NFSWAP=${NFSWAP:-build/nfswap}

conf() {	# conf FILE EXPORT_ROOT MODE
	cat >"$1" <<CONF
export_root = "$2";
state_dir = "$T/state-$(basename "$1")";
quota_enforce = "$3";
CONF
}
fingerprint() { (cd "$T" && find . -path ./mnt -prune -o -printf '%p %m %s\n' | sort) | md5sum; }

# ---- everywhere: no project quota on the scratch filesystem -----------------
mkdir -p "$T/plain"
if (cd "$T/plain" && mkdir probe && chattr -p 1 probe 2>/dev/null); then
	skip "quota_enforce=project refused without project quotas" "$T supports project ids"
else
	conf "$T/project.conf" "$T/plain/export" project
	before=$(fingerprint)
	"$NFSWAP" -c "$T/project.conf" add c1 --host 10.0.0.1 >"$T/out" 2>"$T/err"
	is "quota_enforce=project without project quotas: exit 1" $? 1
	grep -q "cannot set a project quota" "$T/err"
	is "... and says why" $? 0
	is "... and leaves no client behind" "$("$NFSWAP" -c "$T/project.conf" list --json)" "[]"
	conf "$T/auto.conf" "$T/plain/export2" auto
	"$NFSWAP" -c "$T/auto.conf" add c1 --host 10.0.0.1 >"$T/out" 2>"$T/err"
	is "quota_enforce=auto without project quotas: exit 0" $? 0
	grep -q "recorded but not enforced" "$T/err"
	is "... with a warning that the quota is not enforced" $? 0
fi

# ---- where the kernel allows: real enforcement -----------------------------
why=
[ "$(id -u)" = 0 ] || why="needs root to loop-mount"
for c in mkfs.ext4 setpriv mount umount; do
	[ -n "$why" ] || command -v $c >/dev/null || why="$c is not installed"
done
if [ -z "$why" ]; then
	truncate -s 64M "$T/fs.img"
	mkfs.ext4 -q -F -O quota,project "$T/fs.img" >/dev/null 2>&1 || why="mkfs.ext4 -O quota,project failed"
fi
if [ -z "$why" ]; then
	if ! fx_loop "$T/fs.img" || ! fx_mount "$FX_LOOP" "$T/mnt" -o prjquota 2>"$T/mount.err"; then
		why="this kernel cannot mount ext4 with prjquota ($(dmesg 2>/dev/null | grep -o 'EXT4-fs.*QUOTA[^.]*' | tail -1))"
	fi
fi
if [ -n "$why" ]; then
	skip "project quota enforcement" "$why"
else
	conf "$T/q.conf" "$T/mnt/export" project
	n() { "$NFSWAP" -c "$T/q.conf" "$@"; }
	ok "add c1 with a 1M quota" n add c1 --host 10.0.0.1 --quota 1M
	uid=$(n show c1 --json | jq .uid)
	is "directory tagged with project id = uid" "$(lsattr -pd "$T/mnt/export/c1" | awk '{print $1}')" "$uid"
	as_client() { setpriv --reuid="$uid" --regid="$uid" --clear-groups "$@"; }
	as_client dd if=/dev/zero of="$T/mnt/export/c1/big" bs=64K count=32 conv=fsync 2>"$T/dd.err"
	is "writing 2M into a 1M quota fails" $? 1
	grep -q "quota exceeded" "$T/dd.err"
	is "... with EDQUOT" $? 0
	rm -f "$T/mnt/export/c1/big"
	ok "quota c1 4M" n quota c1 4M
	ok "writing 2M into a 4M quota works" as_client dd if=/dev/zero of="$T/mnt/export/c1/big" bs=64K count=32 conv=fsync
	ok "remove --purge lifts the limit and deletes" n remove c1 --purge
fi
tap_done
