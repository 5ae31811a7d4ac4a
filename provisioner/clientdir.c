/*
 * clientdir.c -- export_root/NAME, the one directory a client may touch.
 *
 * Created owned by the client's anonymous uid/gid, mode 0700.  The quota
 * (bytes and inodes) is enforced, where the filesystem can, as an ext4/XFS
 * project quota whose project id is the client's uid, inherited by
 * everything created below; usage is read back from it in O(1).
 *
 * The tree below is the client's: it can make it as deep, as wide and as
 * tangled as it likes, and rename things while we look.  So no walk here
 * recurses or follows a link or leaves the file system; the usage walk is
 * bounded and says when it stopped; the purge empties any depth with two
 * descriptors open.  Usage and purge are meant to run with the client's
 * file-system ids (asclient.c), so that the kernel refuses whatever is
 * not the client's; nothing here logs or exits, and nothing keeps state
 * between calls (several threads may walk at once).
 */
#include <sys/ioctl.h>
#include <sys/quota.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nfswap.h"

int
clientdir_path(const struct nfswap_conf *conf, const char *name, char *buf,
    size_t len)
{
	if (snprintf(buf, len, "%s/%s", conf_dir_root(conf), name) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

static int
dir_is_empty(int fd)
{
	int dup_fd = dup(fd);
	struct dirent *e;
	DIR *d;
	int empty = 1;

	if (dup_fd < 0 || (d = fdopendir(dup_fd)) == NULL) {
		if (dup_fd >= 0)
			close(dup_fd);
		return -errno;
	}
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
			empty = 0;
			break;
		}
	closedir(d);
	return empty;
}

/*
 * Make the directory, owned by uid:gid.  An existing empty directory is taken over (an add
 * killed before its record was written leaves one); one holding data is
 * refused, since it may be a removed client's kept swap.
 */
int
clientdir_create(const struct nfswap_conf *conf, const char *name,
    uint32_t uid, uint32_t gid, int *created, struct diag *d)
{
	char path[PATH_MAXLEN + 96];
	struct stat st;
	int fd, r;

	*created = 0;
	if ((r = mkdir_p(conf->export_root, 0755)) < 0)
		return diag_sys(d, -r, "cannot create %s", conf->export_root);
	clientdir_path(conf, name, path, sizeof(path));
	if (mkdir(path, 0700) == 0)
		*created = 1;
	else if (errno != EEXIST)
		return diag_sys(d, errno, "cannot create %s", path);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && (errno == ENOTDIR || errno == ELOOP))
		return diag_input(d, EEXIST, "%s exists and is not a directory; "
		    "move it away first", path);
	if (fd < 0) {
		r = diag_sys(d, errno, "cannot open %s", path);
		if (*created)
			rmdir(path);
		return r;
	}
	if (!*created) {
		if ((r = dir_is_empty(fd)) < 0) {
			close(fd);
			return diag_sys(d, -r, "%s", path);
		}
		if (r == 0) {
			close(fd);
			return diag_input(d, EEXIST, "%s already exists and holds "
			    "data (kept by an earlier remove?); move it away or "
			    "delete it first", path);
		}
	}
	if (fchown(fd, uid, gid) < 0 || fchmod(fd, 0700) < 0 ||
	    fstat(fd, &st) < 0 || fsync(fd) < 0) {
		r = diag_sys(d, errno, "cannot set up %s", path);
		close(fd);
		if (*created)
			rmdir(path);
		return r;
	}
	close(fd);
	fsync_dir_of(path);
	return 0;
}

#ifndef SYS_quotactl_fd
#define SYS_quotactl_fd 443
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
#endif

/* QCMD() shifts a signed int past its range (UB): build it unsigned. */
#define PRJ_QCMD(cmd) ((int)(((unsigned)(cmd) << SUBCMDSHIFT) | \
	(PRJQUOTA & SUBCMDMASK)))

static int
quota_errno(int e)
{
	return e == ENOSYS || e == ESRCH || e == ENOTTY || e == EINVAL ?
	    -EOPNOTSUPP : -e;
}

/*
 * Tag the directory with project id projid (inherited by new files) and
 * set that project's hard limits: bytes and inodes (0 lifts a limit).
 * Returns -EOPNOTSUPP when the filesystem has no project quota.
 */
int
clientdir_set_quota(const char *dir, uint32_t projid, uint64_t bytes,
    uint64_t inodes)
{
	struct fsxattr fsx;
	struct dqblk q;
	int fd, r = 0;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return -errno;
	if (ioctl(fd, FS_IOC_FSGETXATTR, &fsx) < 0) {
		r = (errno == ENOTTY || errno == EINVAL) ? -EOPNOTSUPP : -errno;
		goto out;
	}
	fsx.fsx_projid = projid;
	fsx.fsx_xflags |= FS_XFLAG_PROJINHERIT;
	if (ioctl(fd, FS_IOC_FSSETXATTR, &fsx) < 0) {
		r = (errno == ENOTTY || errno == EINVAL) ? -EOPNOTSUPP : -errno;
		goto out;
	}
	memset(&q, 0, sizeof(q));
	/* dqb_bhardlimit counts 1 KiB quota blocks. */
	q.dqb_bhardlimit = (bytes + 1023) / 1024;
	q.dqb_ihardlimit = inodes;
	q.dqb_valid = QIF_BLIMITS | QIF_ILIMITS;
	if (syscall(SYS_quotactl_fd, fd, PRJ_QCMD(Q_SETQUOTA), projid, &q) < 0)
		r = quota_errno(errno);
out:
	close(fd);
	return r;
}

/*
 * Usage from the project quota: bytes and inodes charged to projid, and
 * its hard limits, in O(1) -- no walk.  -EOPNOTSUPP when the file system
 * keeps no project quota, or dir is not tagged with projid (then the
 * quota does not describe it).  Fills only the quota's fields of u.
 */
int
clientdir_quota_usage(const char *dir, uint32_t projid, struct dir_usage *u)
{
	struct fsxattr fsx;
	struct dqblk q;
	int fd, r = 0;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return -errno;
	if (ioctl(fd, FS_IOC_FSGETXATTR, &fsx) < 0) {
		r = (errno == ENOTTY || errno == EINVAL) ? -EOPNOTSUPP : -errno;
		goto out;
	}
	if (fsx.fsx_projid != projid ||
	    !(fsx.fsx_xflags & FS_XFLAG_PROJINHERIT)) {
		r = -EOPNOTSUPP;
		goto out;
	}
	memset(&q, 0, sizeof(q));
	if (syscall(SYS_quotactl_fd, fd, PRJ_QCMD(Q_GETQUOTA), projid, &q) < 0) {
		r = quota_errno(errno);
		goto out;
	}
	if (!(q.dqb_valid & QIF_USAGE)) {
		r = -EOPNOTSUPP;
		goto out;
	}
	u->bytes = q.dqb_curspace;
	u->inodes = q.dqb_curinodes;
	u->bytes_limit = q.dqb_bhardlimit * 1024;
	u->inodes_limit = q.dqb_ihardlimit;
	u->from_quota = 1;
out:
	close(fd);
	return r;
}

/*
 * A subdirectory name of dfd, opened without following a link and
 * without crossing into another mount: openat2's RESOLVE_NO_SYMLINKS and
 * RESOLVE_NO_XDEV (Linux 5.6); elsewhere openat with O_NOFOLLOW and a
 * device check after the open.  -1 with errno set.
 */
static int
open_below(int dfd, const char *name, dev_t dev)
{
	struct open_how how;
	struct stat st;
	long fd;

	memset(&how, 0, sizeof(how));
	how.flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV |
	    RESOLVE_NO_MAGICLINKS;
	fd = syscall(SYS_openat2, dfd, name, &how, sizeof(how));
	if (fd < 0 && errno == ENOSYS)
		fd = openat(dfd, name, (int)how.flags);
	if (fd < 0)
		return -1;
	if (fstat((int)fd, &st) < 0 || st.st_dev != dev) {
		close((int)fd);
		errno = EXDEV;
		return -1;
	}
	return (int)fd;
}

static int
skip_dots(const char *n)
{
	return n[0] == '.' && (n[1] == '\0' || (n[1] == '.' && n[2] == '\0'));
}

/* The first reason a walk stopped short is the one kept. */
static void walk_short(struct dir_usage *, const char *, ...) PRINTF_LIKE(2, 3);

static void
walk_short(struct dir_usage *u, const char *fmt, ...)
{
	va_list ap;

	if (u->incomplete++)
		return;
	va_start(ap, fmt);
	vsnprintf(u->why, sizeof(u->why), fmt, ap);
	va_end(ap);
}

/*
 * Allocated bytes, inodes and files below dir, and entries not owned by
 * uid -- an iterative depth-first walk with one directory open per level,
 * at most WALK_MAX_DEPTH levels and WALK_MAX_ENTRIES entries; symbolic
 * links are counted, never followed; another file system is not entered.
 * Where a bound or an error stops it, u->incomplete is set, u->why says
 * where, and the figures are what was seen.  Entries renamed while it
 * looks may be missed or seen twice: the figures are a measurement, and
 * the bounds keep it finite whatever the client does.  Call it as the
 * client (asclient_enter); it changes no ids itself.  -errno only when
 * dir itself cannot be read.
 */
int
clientdir_usage(const char *dir, uint32_t uid, struct dir_usage *u)
{
	int fd, r;

	memset(u, 0, sizeof(*u));
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = clientdir_usage_fd(fd, uid, u);
	close(fd);
	return r;
}

/*
 * One entry of the walk, name in d at depth: counted (rel, the path of d
 * so far, gets its name), and when it is a directory the walk may enter,
 * opened -- its DIR, else NULL (the caller then cuts rel back).
 */
static DIR *
walk_entry(struct dir_usage *u, DIR *d, const char *name, char *rel,
    size_t size, int depth, dev_t dev, uint32_t uid)
{
	size_t len = strlen(rel);
	struct stat st;
	DIR *sub;
	int fd;

	if (fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return NULL;	/* removed while we looked */
	snprintf(rel + len, size - len, "%s%s", len ? "/" : "", name);
	u->bytes += (uint64_t)st.st_blocks * 512;
	u->inodes++;
	if (!S_ISDIR(st.st_mode))
		u->files++;
	if (st.st_uid != uid && u->foreign++ == 0)
		snprintf(u->first_foreign, sizeof(u->first_foreign), "%s", rel);
	if (!S_ISDIR(st.st_mode))
		return NULL;
	if (depth == WALK_MAX_DEPTH) {
		walk_short(u, "deeper than %d levels (at %s): not all counted",
		    WALK_MAX_DEPTH, rel);
		return NULL;
	}
	if (st.st_dev != dev) {
		walk_short(u, "%s is another file system: not counted", rel);
		return NULL;
	}
	if ((fd = open_below(dirfd(d), name, dev)) < 0) {
		if (errno != ENOENT && errno != ELOOP && errno != ENOTDIR)
			walk_short(u, "cannot open %s: %s", rel, strerror(errno));
		return NULL;
	}
	if ((sub = fdopendir(fd)) == NULL) {
		walk_short(u, "cannot read %s: %s", rel, strerror(errno));
		close(fd);
		return NULL;
	}
	return sub;
}

/*
 * The same from a descriptor of the client's directory (not closed): open
 * it as root (its parents need not be searchable by the client), then
 * become the client and walk.
 */
int
clientdir_usage_fd(int dfd, uint32_t uid, struct dir_usage *u)
{
	return clientdir_usage_fd_max(dfd, uid, WALK_MAX_ENTRIES, u);
}

/* ... looking at no more than max entries (at most WALK_MAX_ENTRIES). */
int
clientdir_usage_fd_max(int dfd, uint32_t uid, unsigned long max,
    struct dir_usage *u)
{
	struct { DIR *d; size_t len; } stack[WALK_MAX_DEPTH + 1];
	char rel[PATH_MAXLEN + 1];
	unsigned long seen = 0;
	struct dirent *e;
	struct stat st;
	dev_t dev;
	DIR *sub;
	int depth = 0, fd;

	memset(u, 0, sizeof(*u));
	u->walked = 1;
	/* a descriptor of its own, read from the start whoever had dirfd */
	if ((fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || (stack[0].d = fdopendir(fd)) == NULL) {
		int r = -errno;

		close(fd);
		return r;
	}
	dev = st.st_dev;
	u->bytes = (uint64_t)st.st_blocks * 512;
	u->inodes = 1;
	stack[0].len = 0;
	rel[0] = '\0';
	while (depth >= 0) {
		DIR *d = stack[depth].d;
		size_t len;

		errno = 0;
		if ((e = readdir(d)) == NULL) {
			if (errno != 0)
				walk_short(u, "cannot read %s: %s", rel[0] ? rel :
				    ".", strerror(errno));
			closedir(d);
			if (--depth >= 0)
				rel[stack[depth + 1].len] = '\0';
			continue;
		}
		if (skip_dots(e->d_name))
			continue;
		if (++seen > max || seen > WALK_MAX_ENTRIES) {
			walk_short(u, "more than %lu entries: not all counted",
			    max < WALK_MAX_ENTRIES ? max : WALK_MAX_ENTRIES);
			break;
		}
		len = strlen(rel);
		if ((sub = walk_entry(u, d, e->d_name, rel, sizeof(rel), depth,
		    dev, uid)) == NULL) {
			rel[len] = '\0';
			continue;
		}
		stack[depth + 1].d = sub;
		stack[++depth].len = len;
	}
	for (; depth >= 0; depth--)
		closedir(stack[depth].d);
	return 0;
}

/* ---- purge ---------------------------------------------------------- */

struct purger {
	int		top;		/* the directory being emptied */
	dev_t		dev;
	unsigned long	serial;		/* for the names of moved directories */
	unsigned long	done;		/* entries removed or moved */
	const char	*dir;		/* for messages */
	struct diag	*d;
	char		stuck[NAME_MAX + 1];	/* an entry it cannot remove */
	int		stuck_err;
};

/* Make a directory of ours writable and searchable again (a client may
 * have chmod-ed it 0); as the client, this can only touch its own. */
static void
unlock_dir(int dfd, const char *name)
{
	if (fchmodat(dfd, name, 0700, 0) < 0)
		return;		/* not ours: the step that needed it says so */
}

/* Move subdirectory name of dfd up into the top directory, under a name
 * of our own that nothing there has. */
static int
move_up(struct purger *p, int dfd, const char *name)
{
	char to[64];
	int tries;

	for (tries = 0; tries < 1000; tries++) {
		snprintf(to, sizeof(to), ".nfswap-moved.%lu", p->serial++);
		if (renameat2(dfd, name, p->top, to, RENAME_NOREPLACE) == 0)
			return 0;
		if (errno == EACCES || errno == EPERM) {
			unlock_dir(dfd, name);
			if (renameat2(dfd, name, p->top, to, RENAME_NOREPLACE) == 0)
				return 0;
		}
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

/*
 * Empty the subdirectory name of the top directory: its files unlinked,
 * its own subdirectories moved up into the top directory (to be emptied
 * in their turn), then it is removed.  So the depth of the tree never
 * matters and two directories are open at most.  0 when name is gone,
 * -errno (p->stuck) when it cannot be.
 */
static int
purge_one_dir(struct purger *p, const char *name)
{
	struct dirent *e;
	struct stat st;
	DIR *dp;
	int fd, r = 0;

	if ((fd = open_below(p->top, name, p->dev)) < 0 &&
	    (errno == EACCES || errno == EPERM)) {
		unlock_dir(p->top, name);
		fd = open_below(p->top, name, p->dev);
	}
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if ((dp = fdopendir(fd)) == NULL) {
		r = -errno;
		close(fd);
		return r;
	}
	if (fstat(fd, &st) == 0 && (st.st_mode & 0700) != 0700 &&
	    fchmod(fd, 0700) < 0)
		r = 0;		/* not ours: unlinking below says so */
	while ((e = readdir(dp)) != NULL) {
		if (skip_dots(e->d_name))
			continue;
		if (fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (st.st_dev != p->dev)
				r = -EXDEV;
			else if ((r = move_up(p, fd, e->d_name)) == 0)
				p->done++;
		} else if (unlinkat(fd, e->d_name, 0) == 0)
			p->done++;
		else if (errno != ENOENT)
			r = -errno;
		if (r < 0 && r != -ENOENT)
			break;
		r = 0;
	}
	closedir(dp);
	if (r < 0)
		return r;
	if (unlinkat(p->top, name, AT_REMOVEDIR) == 0) {
		p->done++;
		return 0;
	}
	return errno == ENOENT ? 0 : -errno;
}

/*
 * Empty the top directory: pass after pass over it until a pass finds it
 * empty.  Each pass removes what it can; one that makes no progress ends
 * it with the entry that would not go (another file system, something not
 * the client's).
 */
static int
purge_top(struct purger *p)
{
	unsigned long before, seen;
	struct dirent *e;
	struct stat st;
	DIR *dp;
	int fd, r;

	if ((fd = dup(p->top)) < 0)
		return -errno;
	if ((dp = fdopendir(fd)) == NULL) {
		r = -errno;
		close(fd);
		return r;
	}
	for (;;) {
		before = p->done;
		seen = 0;
		rewinddir(dp);
		while ((e = readdir(dp)) != NULL) {
			if (skip_dots(e->d_name))
				continue;
			if (fstatat(p->top, e->d_name, &st,
			    AT_SYMLINK_NOFOLLOW) < 0)
				continue;
			seen++;
			if (!S_ISDIR(st.st_mode))
				r = unlinkat(p->top, e->d_name, 0) == 0 ||
				    errno == ENOENT ? 0 : -errno;
			else if (st.st_dev != p->dev)
				r = -EXDEV;
			else
				r = purge_one_dir(p, e->d_name);
			if (r == 0) {
				p->done++;
				crashpoint("purge:entry");
				continue;
			}
			snprintf(p->stuck, sizeof(p->stuck), "%s", e->d_name);
			p->stuck_err = -r;
		}
		/* done when a pass finds it empty; stuck when a pass moved
		 * nothing (what it saw would not go) */
		if (seen == 0 || p->done == before)
			break;
	}
	closedir(dp);
	if (seen == 0)
		return 0;
	return p->stuck_err ? -p->stuck_err : -ENOTEMPTY;
}

/*
 * Remove dir and everything below it.  The contents are deleted with the
 * client's file-system ids (uid, gid): the kernel then refuses to delete
 * or change anything that is not the client's, whatever links or renames
 * the client has made (a planted hard link is unlinked as a link, its
 * file left whole).  dir itself is removed with ours: it lives in root's
 * export_root.  Call as root; a caller that is not root (a test) deletes
 * with its own ids.
 */
int
clientdir_purge(const char *dir, uint32_t uid, uint32_t gid, struct diag *d)
{
	struct purger p;
	struct stat st;
	int as = 0, r;

	memset(&p, 0, sizeof(p));
	p.dir = dir;
	p.d = d;
	p.top = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (p.top < 0)
		return errno == ENOENT ? 0 : diag_sys(d, errno, "%s", dir);
	if (fstat(p.top, &st) < 0) {
		r = diag_sys(d, errno, "%s", dir);
		close(p.top);
		return r;
	}
	p.dev = st.st_dev;
	if (geteuid() == 0) {
		if ((r = asclient_enter(uid, gid)) < 0) {
			close(p.top);
			return diag_sys(d, -r, "cannot take the ids %u:%u of the "
			    "client to delete %s", uid, gid, dir);
		}
		as = 1;
	}
	r = purge_top(&p);
	if (as)
		(void)asclient_leave();
	close(p.top);
	if (r < 0) {
		char what[NAME_MAX + PATH_MAXLEN + 8];
		struct stat sst;

		snprintf(what, sizeof(what), "%s/%s", dir, p.stuck);
		if (r == -EXDEV)
			return diag_sys(d, EXDEV, "%s is another file system; "
			    "not removing it", what);
		if (fstatat(AT_FDCWD, what, &sst, AT_SYMLINK_NOFOLLOW) == 0 &&
		    sst.st_uid != uid)
			return diag_sys(d, -r, "cannot remove %s: owned by uid %u, "
			    "not by the client (%u): left as it is", what,
			    (unsigned)sst.st_uid, uid);
		return diag_sys(d, -r, "cannot remove %s", what);
	}
	if (rmdir(dir) < 0 && errno != ENOENT)
		return diag_sys(d, errno, "cannot remove %s", dir);
	fsync_dir_of(dir);
	return 0;
}
