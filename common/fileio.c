/*
 * fileio.c -- durable replacement of small files (registry records, exports
 * files): write a temporary file beside the target, fsync it, rename it over
 * the target, fsync the directory.  A crash at any moment leaves either the
 * old or the new file, never a torn one.
 *
 * The temporary name is fixed (".NAME.tmp"), so callers must hold the
 * registry lock; a temporary left by a killed writer is simply overwritten
 * by the next one.
 */
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

int
fsync_dirfd(int dfd)
{
	/* Some filesystems refuse fsync on directories; that is not a failure. */
	if (fsync(dfd) < 0 && errno != EINVAL && errno != EROFS)
		return -errno;
	return 0;
}

int
fsync_dir_of(const char *path)
{
	char buf[PATH_MAXLEN + 1];
	int dfd, r;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	if ((dfd = open(dirname(buf), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -errno;
	r = fsync_dirfd(dfd);
	close(dfd);
	return r;
}

static int
write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
file_replace(const char *path, const void *data, size_t len, unsigned mode)
{
	char tmp[PATH_MAXLEN + 16], copy[PATH_MAXLEN + 1];
	const char *base;
	int fd, r;

	if (snprintf(copy, sizeof(copy), "%s", path) >= (int)sizeof(copy))
		return -ENAMETOOLONG;
	base = strrchr(copy, '/');
	if (base == NULL)
		snprintf(tmp, sizeof(tmp), ".%s.tmp", copy);
	else
		snprintf(tmp, sizeof(tmp), "%.*s/.%s.tmp",
		    (int)(base - copy), copy, base + 1);

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    (mode_t)mode);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, (mode_t)mode) < 0 ||
	    (r = write_all(fd, data, len)) < 0 ||
	    (crashpoint("file_replace:written"), fsync(fd) < 0)) {
		r = -errno;
		goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		r = -errno;
		goto fail;
	}
	fd = -1;
	crashpoint("file_replace:before-rename");
	if (rename(tmp, path) < 0) {
		r = -errno;
		goto fail;
	}
	crashpoint("file_replace:renamed");
	return fsync_dir_of(path);
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return r;
}

/* mkdir -p: create path and its missing parents with mode. */
int
mkdir_p(const char *path, unsigned mode)
{
	char buf[PATH_MAXLEN + 1];
	char *p;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (p = buf + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(buf, (mode_t)mode) < 0 && errno != EEXIST)
			return -errno;
		*p = c;
		if (c == '\0')
			return 0;
	}
}

/*
 * Fault injection for the crash tests: if NFSWAP_CRASHPOINT names this
 * point (optionally "point@N" for its N-th passage), the process kills
 * itself with SIGKILL right here, as a power cut or an OOM kill would.
 */
void
crashpoint(const char *where)
{
	static int passes;
	const char *want = getenv("NFSWAP_CRASHPOINT");
	size_t len;

	if (want == NULL)
		return;
	len = strlen(where);
	if (strncmp(want, where, len) != 0)
		return;
	if (want[len] == '\0' ||
	    (want[len] == '@' && atoi(want + len + 1) == ++passes))
		kill(getpid(), SIGKILL);
}
