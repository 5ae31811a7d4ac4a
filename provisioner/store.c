/*
 * store.c -- client directories wherever the backend keeps them: on this
 * server's file system under export_root (clientdir.c), or on CephFS
 * through libcephfs (cephfs.c).  The registry and audit go through here
 * and never ask which one it is.
 *
 * The CephFS connection is made by store_open only for that backend; a
 * build without libcephfs refuses it there, with a message that says so.
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
store_create(struct store *st, const struct client *c, int *created,
    struct diag *d)
{
	if (st->ceph != NULL)
		return cephfs_create(st, c, created, d);
	return clientdir_create(st->conf, c, created, d);
}

int
store_set_quota(struct store *st, const struct client *c, uint64_t bytes,
    uint64_t inodes)
{
	char dir[PATH_MAXLEN + 96];

	if (st->ceph != NULL)
		return cephfs_set_quota(st, c->name, bytes, inodes);
	clientdir_path(st->conf, c->name, dir, sizeof(dir));
	return clientdir_set_quota(dir, c->uid, bytes, inodes);
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
 * What client c uses.  Bytes and inodes come from the project quota (or
 * CephFS's own counts) where there is one: O(1), exact, and nothing the
 * client can make slow.  Elsewhere, or when walk is set, the tree is also
 * walked, as the client and within bounds (clientdir_usage): that is the
 * only way to find entries that are not the client's (audit asks for it),
 * and where there is no quota, the only measure there is.  With both, the
 * quota's figures are the ones given; the walk adds foreign entries and
 * whether it saw everything.  -errno when neither could be had.
 */
int
store_usage(struct store *st, const struct client *c, int walk,
    struct dir_usage *u)
{
	char dir[PATH_MAXLEN + 96];
	struct dir_usage q;
	int qr, r, as = 0, fd;

	memset(u, 0, sizeof(*u));
	if (st->ceph != NULL)
		return cephfs_usage(st, c->name, c->uid, c->gid, walk, u);
	clientdir_path(st->conf, c->name, dir, sizeof(dir));
	memset(&q, 0, sizeof(q));
	qr = clientdir_quota_usage(dir, c->uid, &q);
	if (qr == 0 && !walk) {
		*u = q;
		return 0;
	}
	/* Root opens the directory (its parents are root's) and walks it
	 * as the client; anyone else has no ids to misuse. */
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0)
		r = -errno;
	else if (geteuid() == 0 && (r = asclient_enter(c->uid, c->gid)) < 0)
		close(fd);
	else {
		as = geteuid() == 0;
		r = clientdir_usage_fd(fd, c->uid, u);
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
