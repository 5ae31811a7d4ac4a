/*
 * clientdir.c -- export_root/NAME, the one directory a client may touch.
 *
 * Created owned by the client's anonymous uid/gid, mode 0700.  The quota is
 * enforced, where the filesystem can, as an ext4/XFS project quota whose
 * project id is the client's uid, inherited by everything created below.
 * Removal never follows a symlink and never leaves the filesystem.
 */
#include <sys/ioctl.h>
#include <sys/quota.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
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
 * Make the directory.  An existing empty directory is taken over (an add
 * killed before its record was written leaves one); one holding data is
 * refused, since it may be a removed client's kept swap.
 */
int
clientdir_create(const struct nfswap_conf *conf, const struct client *c,
    int *created, struct diag *d)
{
	char path[PATH_MAXLEN + 96];
	struct stat st;
	int fd, r;

	*created = 0;
	if ((r = mkdir_p(conf->export_root, 0755)) < 0)
		return diag_sys(d, -r, "cannot create %s", conf->export_root);
	clientdir_path(conf, c->name, path, sizeof(path));
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
	if (fchown(fd, c->uid, c->gid) < 0 || fchmod(fd, 0700) < 0 ||
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

/*
 * Tag the directory with project id projid (inherited by new files) and
 * set that project's hard block limit; bytes == 0 lifts the limit.
 * Returns -EOPNOTSUPP when the filesystem has no project quota.
 */
int
clientdir_set_quota(const char *dir, uint32_t projid, uint64_t bytes)
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
	q.dqb_bsoftlimit = 0;
	q.dqb_valid = QIF_BLIMITS;
	/* QCMD() shifts a signed int past its range (UB): build it unsigned. */
	if (syscall(SYS_quotactl_fd, fd, (int)(((unsigned)Q_SETQUOTA <<
	    SUBCMDSHIFT) | (PRJQUOTA & SUBCMDMASK)), projid, &q) < 0)
		r = (errno == ENOSYS || errno == ESRCH || errno == ENOTTY) ?
		    -EOPNOTSUPP : -errno;
out:
	close(fd);
	return r;
}

/* Remove everything below dfd, staying on device dev and never following links. */
static int
purge_at(int dfd, dev_t dev, char *path, size_t plen, struct diag *d)
{
	struct dirent *e;
	struct stat st;
	DIR *dir;
	int fd, r = 0;

	if ((fd = dup(dfd)) < 0 || (dir = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return diag_sys(d, errno, "%s", path);
	}
	while (r == 0 && (e = readdir(dir)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = diag_sys(d, errno, "%s/%s", path, e->d_name);
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			size_t len = strlen(path);
			int sub;

			if (st.st_dev != dev) {
				r = diag_sys(d, EXDEV, "%s/%s is another filesystem; "
				    "not removing it", path, e->d_name);
				break;
			}
			sub = openat(dfd, e->d_name, O_RDONLY | O_DIRECTORY |
			    O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0) {
				r = diag_sys(d, errno, "%s/%s", path, e->d_name);
				break;
			}
			snprintf(path + len, plen - len, "/%s", e->d_name);
			r = purge_at(sub, dev, path, plen, d);
			path[len] = '\0';
			close(sub);
			if (r == 0 && unlinkat(dfd, e->d_name, AT_REMOVEDIR) < 0)
				r = diag_sys(d, errno, "%s/%s", path, e->d_name);
		} else if (unlinkat(dfd, e->d_name, 0) < 0)
			r = diag_sys(d, errno, "%s/%s", path, e->d_name);
	}
	closedir(dir);
	return r;
}

int
clientdir_purge(const char *dir, struct diag *d)
{
	char path[PATH_MAXLEN + 512];
	struct stat st;
	int fd, r;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : diag_sys(d, errno, "%s", dir);
	if (fstat(fd, &st) < 0) {
		r = diag_sys(d, errno, "%s", dir);
		close(fd);
		return r;
	}
	snprintf(path, sizeof(path), "%s", dir);
	r = purge_at(fd, st.st_dev, path, sizeof(path), d);
	close(fd);
	if (r == 0 && rmdir(dir) < 0)
		r = diag_sys(d, errno, "cannot remove %s", dir);
	if (r == 0)
		fsync_dir_of(dir);
	return r;
}

static int
usage_at(int dfd, dev_t dev, uint32_t uid, const char *rel,
    struct dir_usage *u)
{
	struct dirent *e;
	struct stat st;
	DIR *dir;
	int fd;

	if ((fd = dup(dfd)) < 0 || (dir = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	while ((e = readdir(dir)) != NULL) {
		char sub[PATH_MAXLEN + 1];

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;	/* removed while we looked */
		snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "",
		    e->d_name);
		u->bytes += (uint64_t)st.st_blocks * 512;
		if (!S_ISDIR(st.st_mode))
			u->files++;
		if (st.st_uid != uid) {
			if (u->foreign++ == 0)
				snprintf(u->first_foreign, sizeof(u->first_foreign),
				    "%s", sub);
		}
		if (S_ISDIR(st.st_mode) && st.st_dev == dev) {
			int cfd = openat(dfd, e->d_name, O_RDONLY | O_DIRECTORY |
			    O_NOFOLLOW | O_CLOEXEC);
			if (cfd >= 0) {
				usage_at(cfd, dev, uid, sub, u);
				close(cfd);
			}
		}
	}
	closedir(dir);
	return 0;
}

/* Allocated bytes and files below dir, and entries not owned by uid. */
int
clientdir_usage(const char *dir, uint32_t uid, struct dir_usage *u)
{
	struct stat st;
	int fd, r;

	memset(u, 0, sizeof(*u));
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	r = usage_at(fd, st.st_dev, uid, "", u);
	close(fd);
	return r;
}
