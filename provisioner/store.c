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
store_set_quota(struct store *st, const struct client *c, uint64_t bytes)
{
	char dir[PATH_MAXLEN + 96];

	if (st->ceph != NULL)
		return cephfs_set_quota(st, c->name, bytes);
	clientdir_path(st->conf, c->name, dir, sizeof(dir));
	return clientdir_set_quota(dir, c->uid, bytes);
}

int
store_purge(struct store *st, const char *name, struct diag *d)
{
	char dir[PATH_MAXLEN + 96];

	if (st->ceph != NULL)
		return cephfs_purge(st, name, d);
	clientdir_path(st->conf, name, dir, sizeof(dir));
	return clientdir_purge(dir, d);
}

int
store_usage(struct store *st, const struct client *c, struct dir_usage *u)
{
	char dir[PATH_MAXLEN + 96];

	if (st->ceph != NULL)
		return cephfs_usage(st, c->name, c->uid, u);
	clientdir_path(st->conf, c->name, dir, sizeof(dir));
	return clientdir_usage(dir, c->uid, u);
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
