/*
 * store.c -- client directories wherever the backend keeps them: on this
 * server's file system under export_root (clientdir.c), or on CephFS
 * through libcephfs (cephfs.c).  The registry, audit, the CLI and nfswap
 * serve go through here for everything about a client's directory, and
 * only the first three ever ask which backend it is.  A directory is
 * known by its name and its owner (uid, gid): the store knows nothing of
 * the registry.
 *
 * The CephFS connection is made by store_open only for that backend; a
 * build without libcephfs refuses it there, with a message that says so.
 * The store_enter family works on this server's own file system only
 * (nfswap serve writes no files on CephFS), always as the client.
 */
#include <sys/stat.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nfswap.h"

int
store_open(struct store *st, const struct nfswap_conf *conf, struct diag *d)
{
	memset(st, 0, sizeof(*st));
	st->conf = conf;
	if (conf->backend != BACKEND_CEPHFS)
		return 0;
	return cephfs_open(st, d);
}

void
store_close(struct store *st)
{
	if (st->ceph != NULL)
		cephfs_close(st);
	st->ceph = NULL;
}

int
store_create(struct store *st, const char *name, uint32_t uid, uint32_t gid,
    int *created, struct diag *d)
{
	if (st->ceph != NULL)
		return cephfs_create(st, name, uid, gid, created, d);
	return clientdir_create(st->conf, name, uid, gid, created, d);
}

/* The limits of root/name (its project quota's id is projid here). */
int
store_set_quota(struct store *st, const char *name, uint32_t projid,
    uint64_t bytes, uint64_t inodes)
{
	char dir[PATH_MAXLEN + 96];

	if (st->ceph != NULL)
		return cephfs_set_quota(st, name, bytes, inodes);
	clientdir_path(st->conf, name, dir, sizeof(dir));
	return clientdir_set_quota(dir, projid, bytes, inodes);
}

/* Rename root/from to root/to, which must not exist (as root: the root
 * is root's).  -errno; -ENOENT when from does not exist. */
int
store_rename(struct store *st, const char *from, const char *to)
{
	char a[PATH_MAXLEN + 96], b[PATH_MAXLEN + 96];

	if (st->ceph != NULL)
		return cephfs_rename(st, from, to);
	clientdir_path(st->conf, from, a, sizeof(a));
	clientdir_path(st->conf, to, b, sizeof(b));
	if (renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_NOREPLACE) < 0)
		return -errno;
	fsync_dir_of(b);
	return 0;
}

/* Delete root/name and all below it, the contents as the client (uid,
 * gid).  0 when it is gone (or was never there). */
int
store_purge(struct store *st, const char *name, uint32_t uid, uint32_t gid,
    struct diag *d)
{
	char dir[PATH_MAXLEN + 96];

	if (st->ceph != NULL)
		return cephfs_purge(st, name, uid, gid, d);
	clientdir_path(st->conf, name, dir, sizeof(dir));
	return clientdir_purge(dir, uid, gid, d);
}

/*
 * What the client that owns root/name (uid, gid) uses.  Bytes and inodes
 * come from the project quota (or CephFS's own counts) where there is
 * one: O(1), exact, and nothing the client can make slow.  Elsewhere, or
 * when walk is set, the tree is also walked, as the client and within
 * bounds (clientdir_usage): that is the only way to find entries that are
 * not the client's (audit asks for it), and where there is no quota, the
 * only measure there is.  With both, the quota's figures are the ones
 * given; the walk adds foreign entries and whether it saw everything.
 * -errno when neither could be had.
 */
int
store_usage(struct store *st, const char *name, uint32_t uid, uint32_t gid,
    int walk, struct dir_usage *u)
{
	char dir[PATH_MAXLEN + 96];
	struct dir_usage q;
	int qr, r, as = 0, fd;

	memset(u, 0, sizeof(*u));
	if (st->ceph != NULL)
		return cephfs_usage(st, name, uid, gid, walk, u);
	clientdir_path(st->conf, name, dir, sizeof(dir));
	memset(&q, 0, sizeof(q));
	qr = clientdir_quota_usage(dir, uid, &q);
	if (qr == 0 && !walk) {
		*u = q;
		return 0;
	}
	/* Root opens the directory (its parents are root's) and walks it
	 * as the client; anyone else has no ids to misuse. */
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0)
		r = -errno;
	else if (geteuid() == 0 && (r = asclient_enter(uid, gid)) < 0)
		close(fd);
	else {
		as = geteuid() == 0;
		r = clientdir_usage_fd(fd, uid, u);
		if (as)
			(void)asclient_leave();
		close(fd);
	}
	if (r < 0 && qr < 0 && r != -EACCES)
		return r;
	if (r < 0) {
		*u = q;		/* the quota's figures, or none */
		u->incomplete = 1;
		snprintf(u->why, sizeof(u->why), "cannot read the directory as "
		    "the client: %s", strerror(-r));
		return 0;
	}
	if (qr == 0) {
		u->bytes = q.bytes;
		u->inodes = q.inodes;
		u->bytes_limit = q.bytes_limit;
		u->inodes_limit = q.inodes_limit;
		u->from_quota = 1;
	}
	return 0;
}

/* What lstat says of root/name: type, owner, mode, and with count, for a
 * directory, how many entries it holds.  -errno. */
int
store_lstat(struct store *st, const char *name, struct store_stat *s,
    int count)
{
	char dir[PATH_MAXLEN + 96];
	struct dirent *e;
	struct stat sb;
	DIR *dp;
	int fd;

	memset(s, 0, sizeof(*s));
	if (st->ceph != NULL)
		return cephfs_lstat(st, name, s, count);
	clientdir_path(st->conf, name, dir, sizeof(dir));
	if (lstat(dir, &sb) < 0)
		return -errno;
	s->is_dir = S_ISDIR(sb.st_mode);
	s->uid = sb.st_uid;
	s->gid = sb.st_gid;
	s->mode = sb.st_mode & 07777;
	if (!s->is_dir || !count)
		return 0;
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0 || (dp = fdopendir(fd)) == NULL) {
		int r = -errno;

		if (fd >= 0)
			close(fd);
		return r;
	}
	while ((e = readdir(dp)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			s->entries++;
	closedir(dp);
	return 0;
}

/* The names directly under the directories' root, each passed to fn.
 * -ENOENT when the root does not exist yet. */
int
store_list(struct store *st, void (*fn)(void *, const char *), void *arg)
{
	struct dirent *e;
	DIR *dp;

	if (st->ceph != NULL)
		return cephfs_list(st, fn, arg);
	if ((dp = opendir(st->conf->export_root)) == NULL)
		return -errno;
	while ((e = readdir(dp)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			fn(arg, e->d_name);
	closedir(dp);
	return 0;
}

/* Where the directories are, for messages: a path, or CephFS and a path. */
const char *
store_where(const struct nfswap_conf *conf, const char *name, char *buf,
    size_t len)
{
	char dir[PATH_MAXLEN + 96];

	clientdir_path(conf, name, dir, sizeof(dir));
	if (conf->backend == BACKEND_CEPHFS)
		snprintf(buf, len, "%s on CephFS %s", dir,
		    conf->cephfs.filesystem);
	else
		snprintf(buf, len, "%s", dir);
	return buf;
}

/* Where root/name is: the path its export names (LOOKUP, show). */
int
store_path(const struct nfswap_conf *conf, const char *name, char *buf,
    size_t len)
{
	return clientdir_path(conf, name, buf, len);
}

/* ---- as the client, in an opened directory (nfswap serve) ------------- */

/*
 * Become client uid/gid and open its directory name: the export root is
 * opened as ourselves (O_PATH: reaching it is all that is needed, even
 * through directories only root may search), the client's directory below
 * it as the client, and it must be the client's.  Returns the directory's
 * descriptor -- store_leave() closes it and gives back our own ids -- or
 * -errno, with our ids back already.
 */
int
store_enter(const struct nfswap_conf *conf, const char *name, uint32_t uid,
    uint32_t gid)
{
	struct stat st;
	int root, dfd, r;

	if ((root = open(conf_dir_root(conf), O_PATH | O_DIRECTORY |
	    O_CLOEXEC)) < 0)
		return -errno;
	if ((r = asclient_enter(uid, gid)) < 0) {
		close(root);
		return r;
	}
	dfd = openat(root, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	r = dfd < 0 ? -errno : 0;
	close(root);
	if (r == 0 && (fstat(dfd, &st) < 0 || !S_ISDIR(st.st_mode) ||
	    st.st_uid != uid)) {
		close(dfd);
		r = -EPERM;
	}
	if (r < 0) {
		(void)asclient_leave();
		return r;
	}
	return dfd;
}

void
store_leave(int dfd)
{
	close(dfd);
	(void)asclient_leave();
}

/* A walk of the directory dfd (store_enter's), as the client: bounded,
 * as clientdir_usage_fd says; entries not owned by uid are counted. */
int
store_usage_fd(int dfd, uint32_t uid, unsigned long max, struct dir_usage *u)
{
	return clientdir_usage_fd_max(dfd, uid, max, u);
}

/*
 * The project quota's figures for the directory dfd (store_enter's):
 * O(1).  It is named as /proc/self/fd/N/. (our descriptor's magic link,
 * then "." as the client), which needs no right on the directories above
 * it.  -EOPNOTSUPP where no project quota describes it.
 */
int
store_quota_fd(int dfd, uint32_t projid, struct dir_usage *u)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fd/%d/.", dfd);
	memset(u, 0, sizeof(*u));
	return clientdir_quota_usage(path, projid, u);
}
