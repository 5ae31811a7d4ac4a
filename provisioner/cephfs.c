/*
 * cephfs.c -- client directories on CephFS, through libcephfs: no kernel
 * CephFS client and no mount on the server are needed.
 *
 * A client's directory is cephfs.root/NAME, owned by its uid/gid, mode
 * 0700; its quota is CephFS's own per-directory quota (the extended
 * attribute ceph.quota.max_bytes), which the cluster enforces on every
 * client that writes there -- the Ganesha heads among them.  Usage is what
 * the MDS keeps of the tree (ceph.dir.rbytes, ceph.dir.rentries); the
 * inode limit is ceph.quota.max_files.  No walk recurses: removal moves
 * subdirectories up instead (any depth, two directories open), by inode
 * and with the client's credentials, and the walk for foreign owners is
 * bounded.  Removal never follows a symlink.  Every call returns 0 or -errno, as libcephfs
 * does; the caller that can say something useful says it.
 *
 * Built only where libcephfs's header is (HAVE_CEPHFS); otherwise
 * cephfs_open refuses the backend and nothing else here is reached.  The
 * library itself is loaded at run time, by cephfs_open.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nfswap.h"

#ifndef HAVE_CEPHFS

int
cephfs_open(struct store *st, struct diag *d)
{
	(void)st;
	return diag_input(d, EOPNOTSUPP, "backend \"cephfs\": this nfswap was "
	    "built without libcephfs (install libcephfs-dev and rebuild)");
}

void cephfs_close(struct store *st) { (void)st; }
int cephfs_create(struct store *st, const char *name, uint32_t uid,
    uint32_t gid, int *created, struct diag *d) { (void)st; (void)name;
    (void)uid; (void)gid; (void)created; (void)d; return -EOPNOTSUPP; }
int cephfs_set_quota(struct store *st, const char *name, uint64_t b,
    uint64_t i) { (void)st; (void)name; (void)b; (void)i; return -EOPNOTSUPP; }
int cephfs_rename(struct store *st, const char *a, const char *b)
    { (void)st; (void)a; (void)b; return -EOPNOTSUPP; }
int cephfs_purge(struct store *st, const char *name, uint32_t uid,
    uint32_t gid, struct diag *d)
    { (void)st; (void)name; (void)uid; (void)gid; (void)d; return -EOPNOTSUPP; }
int cephfs_usage(struct store *st, const char *name, uint32_t uid,
    uint32_t gid, int walk, struct dir_usage *u) { (void)st; (void)name;
    (void)uid; (void)gid; (void)walk; (void)u; return -EOPNOTSUPP; }
int cephfs_lstat(struct store *st, const char *name, struct store_stat *s,
    int count) { (void)st; (void)name; (void)s; (void)count; return -EOPNOTSUPP; }
int cephfs_list(struct store *st, void (*fn)(void *, const char *), void *arg)
    { (void)st; (void)fn; (void)arg; return -EOPNOTSUPP; }

#else

#include <dirent.h>
#include <sys/stat.h>

#include <dlfcn.h>
#include <cephfs/libcephfs.h>

#define CM(st)	((struct ceph_mount_info *)(st)->ceph)

/*
 * libcephfs is loaded when the CephFS back end is used, not linked: with
 * libceph-common it is a large C++ library whose loading cost every nfswap
 * command about 25 ms (an add took 42 ms instead of 16 in bench/scale.sh),
 * and a site without Ceph need not install it.  Each function keeps its
 * name as a member of lib, typed from the header.
 */
#define CEPH_FUNCS(X) \
	X(ceph_chmod) \
	X(ceph_chown) \
	X(ceph_closedir) \
	X(ceph_conf_read_file) \
	X(ceph_conf_set) \
	X(ceph_create) \
	X(ceph_getxattr) \
	X(ceph_init) \
	X(ceph_ll_lookup) \
	X(ceph_ll_lookup_root) \
	X(ceph_ll_opendir) \
	X(ceph_ll_put) \
	X(ceph_ll_releasedir) \
	X(ceph_ll_rename) \
	X(ceph_ll_rmdir) \
	X(ceph_ll_unlink) \
	X(ceph_mount_perms) \
	X(ceph_mkdir) \
	X(ceph_mount) \
	X(ceph_opendir) \
	X(ceph_readdir_r) \
	X(ceph_readdirplus_r) \
	X(ceph_release) \
	X(ceph_rename) \
	X(ceph_rmdir) \
	X(ceph_select_filesystem) \
	X(ceph_setxattr) \
	X(ceph_statx) \
	X(ceph_unlink) \
	X(ceph_unmount) \
	X(ceph_userperm_destroy) \
	X(ceph_userperm_new)

static struct {
#define X(f) __typeof__(f) *f;
	CEPH_FUNCS(X)
#undef X
} lib;

static int
load_lib(struct diag *d)
{
	static void *h;
	const char *missing = NULL;

	if (h != NULL)
		return 0;
	if ((h = dlopen("libcephfs.so.2", RTLD_NOW | RTLD_LOCAL)) == NULL)
		return diag_sys(d, ENOENT, "backend \"cephfs\": cannot load "
		    "libcephfs.so.2 (%s; is libcephfs2 installed?)", dlerror());
#define X(f) if ((*(void **)&lib.f = dlsym(h, #f)) == NULL && \
	    missing == NULL) missing = #f;
	CEPH_FUNCS(X)
#undef X
	if (missing != NULL) {
		dlclose(h);
		h = NULL;
		return diag_sys(d, ENOSYS, "backend \"cephfs\": libcephfs.so.2 "
		    "has no %s", missing);
	}
	return 0;
}
#define ROOT(st)	((st)->conf->cephfs.root)

/* How long a mount may wait for the monitors and the MDS (libcephfs's
 * default is 300 s: an admin command would seem to hang). */
#define MOUNT_TIMEOUT_S	"20"

int
cephfs_open(struct store *st, struct diag *d)
{
	const struct cephfs_conf *cc = &st->conf->cephfs;
	struct ceph_mount_info *cm;
	const char *step;
	int r;

	if ((r = load_lib(d)) < 0)
		return r;
	if ((r = lib.ceph_create(&cm, cc->user)) < 0)
		return diag_sys(d, -r, "cannot set up a CephFS client as "
		    "client.%s", cc->user);
	if ((r = lib.ceph_conf_read_file(cm, cc->conf)) < 0)
		step = cc->conf;
	else if ((r = lib.ceph_conf_set(cm, "client_mount_timeout",
	    MOUNT_TIMEOUT_S)) < 0)
		step = "client_mount_timeout";
	else if ((r = lib.ceph_init(cm)) < 0)
		step = "connecting to the monitors";
	else if ((r = lib.ceph_select_filesystem(cm, cc->filesystem)) < 0)
		step = "selecting the file system";
	else if ((r = lib.ceph_mount(cm, cc->root)) < 0)
		step = r == -ENOENT ? "mounting its root (the administrator "
		    "makes it once)" : "mounting its root";
	else {
		st->ceph = cm;
		return 0;
	}
	lib.ceph_release(cm);
	return diag_sys(d, -r, "CephFS %s:%s as client.%s (%s): %s",
	    cc->filesystem, cc->root, cc->user, cc->conf, step);
}

void
cephfs_close(struct store *st)
{
	lib.ceph_unmount(CM(st));
	lib.ceph_release(CM(st));
	st->ceph = NULL;
}

/* The mount is made at cephfs.root (nfswap's key may reach no further):
 * paths here are below it. */
static int
cpath(const struct store *st, const char *name, char *buf, size_t len)
{
	(void)st;
	if (snprintf(buf, len, "/%s", name) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

/* Entries in directory path (no "." or ".."), or -errno. */
static long
count_entries(struct store *st, const char *path)
{
	struct ceph_dir_result *dr;
	struct dirent de;
	long n = 0;
	int r;

	if ((r = lib.ceph_opendir(CM(st), path, &dr)) < 0)
		return r;
	while ((r = lib.ceph_readdir_r(CM(st), dr, &de)) == 1)
		if (strcmp(de.d_name, ".") != 0 && strcmp(de.d_name, "..") != 0)
			n++;
	lib.ceph_closedir(CM(st), dr);
	return r < 0 ? r : n;
}

static int
lstat_path(struct store *st, const char *path, struct ceph_statx *stx)
{
	return lib.ceph_statx(CM(st), path, stx, CEPH_STATX_MODE | CEPH_STATX_UID |
	    CEPH_STATX_GID | CEPH_STATX_SIZE, AT_SYMLINK_NOFOLLOW);
}

/*
 * As clientdir_create: an existing empty directory is taken over (an add
 * cut short leaves one); one holding data is refused.
 */
int
cephfs_create(struct store *st, const char *name, uint32_t uid, uint32_t gid,
    int *created, struct diag *d)
{
	const char *root = st->conf->cephfs.root;
	char path[PATH_MAXLEN + 96];
	struct ceph_statx stx;
	long n;
	int r;

	*created = 0;
	if ((r = cpath(st, name, path, sizeof(path))) < 0)
		return diag_sys(d, -r, "%s/%s", root, name);
	if ((r = lib.ceph_mkdir(CM(st), path, 0700)) == 0)
		*created = 1;
	else if (r != -EEXIST)
		return diag_sys(d, -r, "cannot create %s%s on CephFS",
		    ROOT(st), path);
	if ((r = lstat_path(st, path, &stx)) < 0) {
		r = diag_sys(d, -r, "%s%s on CephFS", ROOT(st), path);
		goto undo;
	}
	if (!S_ISDIR(stx.stx_mode))
		return diag_input(d, EEXIST, "%s%s on CephFS exists and is not a "
		    "directory; move it away first", ROOT(st), path);
	if (!*created) {
		if ((n = count_entries(st, path)) < 0)
			return diag_sys(d, (int)-n, "%s%s on CephFS",
			    ROOT(st), path);
		if (n > 0)
			return diag_input(d, EEXIST, "%s%s on CephFS already exists "
			    "and holds data (kept by an earlier remove?); move "
			    "it away or delete it first", ROOT(st), path);
	}
	if ((r = lib.ceph_chown(CM(st), path, (int)uid, (int)gid)) < 0 ||
	    (r = lib.ceph_chmod(CM(st), path, 0700)) < 0) {
		r = diag_sys(d, -r, "cannot set up %s%s on CephFS",
		    ROOT(st), path);
		goto undo;
	}
	return 0;
undo:
	if (*created)
		(void)lib.ceph_rmdir(CM(st), path);
	return r;
}

/* Bytes and inodes (CephFS's max_files, which counts files and
 * directories below); 0 lifts a limit (CephFS reads 0 as none). */
int
cephfs_set_quota(struct store *st, const char *name, uint64_t bytes,
    uint64_t inodes)
{
	char path[PATH_MAXLEN + 96], v[32];
	int r;

	if ((r = cpath(st, name, path, sizeof(path))) < 0)
		return r;
	snprintf(v, sizeof(v), "%" PRIu64, bytes);
	if ((r = lib.ceph_setxattr(CM(st), path, "ceph.quota.max_bytes", v,
	    strlen(v), 0)) < 0)
		return r;
	snprintf(v, sizeof(v), "%" PRIu64, inodes);
	return lib.ceph_setxattr(CM(st), path, "ceph.quota.max_files", v,
	    strlen(v), 0);
}

/* root/from to root/to, refused when to exists. */
int
cephfs_rename(struct store *st, const char *from, const char *to)
{
	char a[PATH_MAXLEN + 96], b[PATH_MAXLEN + 96];
	struct ceph_statx stx;
	int r;

	if ((r = cpath(st, from, a, sizeof(a))) < 0 ||
	    (r = cpath(st, to, b, sizeof(b))) < 0)
		return r;
	if ((r = lstat_path(st, b, &stx)) == 0)
		return -EEXIST;
	if (r != -ENOENT)
		return r;
	return lib.ceph_rename(CM(st), a, b);
}

/*
 * Empty the directory top whatever its depth: files and links are
 * unlinked (a link, never what it points to); each subdirectory X is
 * emptied by unlinking its files and moving its own subdirectories up
 * into top, then removed -- so no recursion and no path: every call names
 * an entry of a directory we hold by its inode (libcephfs's low-level
 * calls, as Ganesha makes them), so a rename or a symbolic link made by
 * the client meanwhile cannot steer it anywhere else.  Every call carries
 * the client's credentials (perm): libcephfs checks them as the kernel
 * would, and refuses what is not the client's.  Passes over top until one
 * finds it empty, or one that removes nothing (what is left would not go).
 */
static int
purge_tree(struct store *st, struct Inode *top, const UserPerm *perm,
    const char *where, struct diag *d)
{
	struct ceph_dir_result *dr, *sr;
	struct ceph_statx stx, sstx;
	struct dirent de, sde;
	struct Inode *in, *sin;
	unsigned long serial = 0, done, seen;
	char to[64];
	int r = 0, more, err = 0;

	do {
		done = seen = 0;
		if ((r = lib.ceph_ll_opendir(CM(st), top, &dr, perm)) < 0)
			return diag_sys(d, -r, "%s on CephFS", where);
		while ((more = lib.ceph_readdirplus_r(CM(st), dr, &de, &stx,
		    CEPH_STATX_MODE, AT_SYMLINK_NOFOLLOW, &in)) == 1) {
			if (strcmp(de.d_name, ".") == 0 ||
			    strcmp(de.d_name, "..") == 0) {
				lib.ceph_ll_put(CM(st), in);
				continue;
			}
			seen++;
			if (!S_ISDIR(stx.stx_mode)) {
				if ((r = lib.ceph_ll_unlink(CM(st), top, de.d_name,
				    perm)) == 0 || r == -ENOENT)
					done++;
				else
					err = r;
				lib.ceph_ll_put(CM(st), in);
				continue;
			}
			if ((r = lib.ceph_ll_opendir(CM(st), in, &sr, perm)) == 0) {
				while (lib.ceph_readdirplus_r(CM(st), sr, &sde, &sstx,
				    CEPH_STATX_MODE, AT_SYMLINK_NOFOLLOW,
				    &sin) == 1) {
					lib.ceph_ll_put(CM(st), sin);
					if (strcmp(sde.d_name, ".") == 0 ||
					    strcmp(sde.d_name, "..") == 0)
						continue;
					if (S_ISDIR(sstx.stx_mode)) {
						snprintf(to, sizeof(to),
						    ".nfswap-moved.%lu", serial++);
						r = lib.ceph_ll_rename(CM(st), in,
						    sde.d_name, top, to, perm);
					} else
						r = lib.ceph_ll_unlink(CM(st), in,
						    sde.d_name, perm);
					if (r == 0)
						done++;
					else
						err = r;
				}
				lib.ceph_ll_releasedir(CM(st), sr);
			} else
				err = r;
			if ((r = lib.ceph_ll_rmdir(CM(st), top, de.d_name,
			    perm)) == 0)
				done++;
			else
				err = r;
			lib.ceph_ll_put(CM(st), in);
		}
		lib.ceph_ll_releasedir(CM(st), dr);
		if (more < 0)
			return diag_sys(d, -more, "reading %s on CephFS", where);
	} while (seen > 0 && done > 0);
	if (seen > 0)
		return diag_sys(d, err < 0 ? -err : ENOTEMPTY, "cannot empty %s "
		    "on CephFS as its client", where);
	return 0;
}

/*
 * Remove root/name and all below it: the contents as the client (uid,
 * gid), the directory itself -- in the root, which is nfswap's -- with the
 * mount's own credentials.
 */
int
cephfs_purge(struct store *st, const char *name, uint32_t uid, uint32_t gid,
    struct diag *d)
{
	char path[PATH_MAXLEN + 96], where[2 * PATH_MAXLEN + 200];
	struct Inode *root = NULL, *top = NULL;
	struct ceph_statx stx;
	UserPerm *perm;
	int r;

	if ((r = cpath(st, name, path, sizeof(path))) < 0)
		return diag_sys(d, -r, "%s", name);
	snprintf(where, sizeof(where), "%s%s", ROOT(st), path);
	if ((r = lib.ceph_ll_lookup_root(CM(st), &root)) < 0)
		return diag_sys(d, -r, "%s on CephFS", ROOT(st));
	r = lib.ceph_ll_lookup(CM(st), root, name, &top, &stx, CEPH_STATX_MODE,
	    AT_SYMLINK_NOFOLLOW, lib.ceph_mount_perms(CM(st)));
	lib.ceph_ll_put(CM(st), root);
	if (r < 0)
		return r == -ENOENT ? 0 : diag_sys(d, -r, "%s on CephFS", where);
	if (!S_ISDIR(stx.stx_mode)) {
		lib.ceph_ll_put(CM(st), top);
		return diag_sys(d, ENOTDIR, "%s on CephFS is not a directory; "
		    "not removing it", where);
	}
	if ((perm = lib.ceph_userperm_new((uid_t)uid, (gid_t)gid, 0,
	    NULL)) == NULL) {
		lib.ceph_ll_put(CM(st), top);
		return diag_sys(d, ENOMEM, "%s on CephFS", where);
	}
	r = purge_tree(st, top, perm, where, d);
	lib.ceph_userperm_destroy(perm);
	lib.ceph_ll_put(CM(st), top);
	if (r < 0)
		return r;
	if ((r = lib.ceph_rmdir(CM(st), path)) < 0)
		return diag_sys(d, -r, "cannot remove %s on CephFS", where);
	return 0;
}

static int
xattr_u64(struct store *st, const char *path, const char *name, uint64_t *v)
{
	char buf[32];
	int r = lib.ceph_getxattr(CM(st), path, name, buf, sizeof(buf) - 1);

	if (r < 0)
		return r;
	buf[r] = '\0';
	*v = strtoull(buf, NULL, 10);
	return 0;
}

/*
 * Entries below path not owned by uid, counted into u: depth first with
 * one directory open per level, within the walk's bounds (nfswap.h),
 * links never followed; u->incomplete says where it stopped short.
 */
static void
foreign_below(struct store *st, char *path, size_t cap, size_t rel,
    uint32_t uid, struct dir_usage *u)
{
	struct { struct ceph_dir_result *dr; size_t len; } stack[WALK_MAX_DEPTH + 1];
	unsigned long seen = 0;
	struct ceph_statx stx;
	struct dirent de;
	int depth = 0, r;

	u->walked = 1;
	if ((r = lib.ceph_opendir(CM(st), path, &stack[0].dr)) < 0) {
		u->incomplete = 1;
		snprintf(u->why, sizeof(u->why), "cannot read it: %s",
		    strerror(-r));
		return;
	}
	stack[0].len = strlen(path);
	while (depth >= 0) {
		size_t len = strlen(path);

		r = lib.ceph_readdirplus_r(CM(st), stack[depth].dr, &de, &stx,
		    CEPH_STATX_MODE | CEPH_STATX_UID, AT_SYMLINK_NOFOLLOW, NULL);
		if (r != 1) {
			if (r < 0 && !u->incomplete++)
				snprintf(u->why, sizeof(u->why), "cannot read %s: %s",
				    path + rel, strerror(-r));
			lib.ceph_closedir(CM(st), stack[depth].dr);
			if (--depth >= 0)
				path[stack[depth + 1].len] = '\0';
			continue;
		}
		if (strcmp(de.d_name, ".") == 0 || strcmp(de.d_name, "..") == 0)
			continue;
		if (++seen > WALK_MAX_ENTRIES) {
			if (!u->incomplete++)
				snprintf(u->why, sizeof(u->why), "more than %d "
				    "entries: not all looked at", WALK_MAX_ENTRIES);
			break;
		}
		if (snprintf(path + len, cap - len, "/%s", de.d_name) >=
		    (int)(cap - len)) {
			path[len] = '\0';
			continue;
		}
		if (stx.stx_uid != uid && u->foreign++ == 0)
			snprintf(u->first_foreign, sizeof(u->first_foreign),
			    "%s", path + rel);
		if (!S_ISDIR(stx.stx_mode)) {
			path[len] = '\0';
			continue;
		}
		if (depth == WALK_MAX_DEPTH) {
			if (!u->incomplete++)
				snprintf(u->why, sizeof(u->why), "deeper than %d "
				    "levels (at %s): not all looked at",
				    WALK_MAX_DEPTH, path + rel);
			path[len] = '\0';
			continue;
		}
		if (lib.ceph_opendir(CM(st), path, &stack[depth + 1].dr) < 0) {
			path[len] = '\0';
			continue;
		}
		stack[++depth].len = len;
	}
	for (; depth >= 0; depth--)
		lib.ceph_closedir(CM(st), stack[depth].dr);
}

/*
 * What CephFS counts below the directory (its recursive statistics: O(1))
 * and its quota; with walk, the entries there not owned by uid too.
 */
int
cephfs_usage(struct store *st, const char *name, uint32_t uid, uint32_t gid,
    int walk, struct dir_usage *u)
{
	char path[PATH_MAXLEN + (WALK_MAX_DEPTH + 1) * (NAME_MAX + 2)];
	uint64_t entries;
	int r;

	(void)gid;
	memset(u, 0, sizeof(*u));
	if ((r = cpath(st, name, path, sizeof(path))) < 0 ||
	    (r = xattr_u64(st, path, "ceph.dir.rbytes", &u->bytes)) < 0 ||
	    (r = xattr_u64(st, path, "ceph.dir.rfiles", &u->files)) < 0 ||
	    (r = xattr_u64(st, path, "ceph.dir.rentries", &entries)) < 0)
		return r;
	u->inodes = entries + 1;
	(void)xattr_u64(st, path, "ceph.quota.max_bytes", &u->bytes_limit);
	(void)xattr_u64(st, path, "ceph.quota.max_files", &u->inodes_limit);
	u->from_quota = 1;
	if (walk)
		foreign_below(st, path, sizeof(path), strlen(path) + 1, uid, u);
	return 0;
}

int
cephfs_lstat(struct store *st, const char *name, struct store_stat *s,
    int count)
{
	char path[PATH_MAXLEN + 96];
	struct ceph_statx stx;
	long n;
	int r;

	memset(s, 0, sizeof(*s));
	if ((r = cpath(st, name, path, sizeof(path))) < 0 ||
	    (r = lstat_path(st, path, &stx)) < 0)
		return r;
	s->is_dir = S_ISDIR(stx.stx_mode);
	s->uid = stx.stx_uid;
	s->gid = stx.stx_gid;
	s->mode = stx.stx_mode & 07777;
	if (s->is_dir && count) {
		if ((n = count_entries(st, path)) < 0)
			return (int)n;
		s->entries = (unsigned long)n;
	}
	return 0;
}

int
cephfs_list(struct store *st, void (*fn)(void *, const char *), void *arg)
{
	struct ceph_dir_result *dr;
	struct dirent de;
	int r;

	if ((r = lib.ceph_opendir(CM(st), "/", &dr)) < 0)
		return r;
	while ((r = lib.ceph_readdir_r(CM(st), dr, &de)) == 1)
		if (strcmp(de.d_name, ".") != 0 && strcmp(de.d_name, "..") != 0)
			fn(arg, de.d_name);
	lib.ceph_closedir(CM(st), dr);
	return r < 0 ? r : 0;
}

#endif
