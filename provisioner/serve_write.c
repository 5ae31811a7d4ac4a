/*
 * serve_write.c -- ALLOCATE's file, written in a client's directory as the
 * client: wholefile_write (common/wholefile.c) with nfswap serve's
 * operations.  The file is made .NAME.allocating with O_EXCL and
 * O_NOFOLLOW and checked to be a regular file of the client's own with one
 * link; it is reserved (fallocate) and then written in full with zeros,
 * O_DIRECT where the file system takes it; fsynced; and renamed with
 * RENAME_NOREPLACE, never over a name the client planted meanwhile.  On
 * any failure, or a stop, the partial file is removed.  The caller has
 * entered the client's directory (store_enter): every call here is made
 * with the client's file-system ids, so the kernel refuses whatever is
 * not the client's.
 */
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "registry.h"
#include "serve.h"

#define CHUNK		(4 * 1024 * 1024)	/* bytes per write */

struct as_client {
	int		dfd;		/* the client's directory, entered */
	uint32_t	uid;
	int		(*stopping)(void);
};

#define FD(h)	((int)(intptr_t)(h) - 1)

/*
 * Make .NAME.allocating with O_EXCL: whatever stands under that name (a
 * link to someone else's file, a FIFO, a directory) is never opened.  One
 * thing of the client's own is removed (a name in its own directory) and
 * the create tried once more.  O_DIRECT: hundreds of MiB of zeros would
 * otherwise pass through the server's page cache and be copied there
 * first; direct, they go to the disk as they are, 2-3 times faster here.
 */
static int
create_partial(void *ctx, const char *partial, void **h)
{
	const struct as_client *a = ctx;
	int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
	struct stat st;
	int fd, tries;

	for (tries = 0; tries < 2; tries++) {
		fd = openat(a->dfd, partial, flags | O_DIRECT, 0600);
		if (fd < 0 && errno == EINVAL)
			fd = openat(a->dfd, partial, flags, 0600);
		if (fd >= 0 || errno != EEXIST || tries > 0)
			break;
		if (unlinkat(a->dfd, partial, 0) < 0)
			return -errno;
		log_warnx("removed something that stood under %s", partial);
	}
	if (fd < 0)
		return -errno;
	/* made by us, as the client: its own, one link, a regular file (a
	 * failed check is a refusal, whatever errno an earlier call left) */
	errno = 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1 ||
	    st.st_uid != a->uid || fchmod(fd, 0600) < 0) {
		int e = errno ? errno : EPERM;

		close(fd);
		(void)unlinkat(a->dfd, partial, 0);
		return -e;
	}
	*h = (void *)(intptr_t)(fd + 1);
	return 0;
}

/* Every block is written too (see docs/nfs-swap-sizes.md: swap onto a
 * file whose extents are only reserved failed in the VM test). */
static int
reserve(void *ctx, void *h, uint64_t size)
{
	(void)ctx;
	if (fallocate(FD(h), 0, 0, (off_t)size) < 0 && errno != EOPNOTSUPP &&
	    errno != EINVAL)
		return -errno;
	return 0;
}

static int
write_zeros(void *ctx, void *h, const void *buf, size_t n)
{
	int fd = FD(h);
	ssize_t w;

	(void)ctx;
	while (n > 0) {
		w = write(fd, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EINVAL && (fcntl(fd, F_GETFL) & O_DIRECT)) {
			/* alignment this file system wants otherwise */
			(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_DIRECT);
			continue;
		}
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		buf = (const char *)buf + w;
		n -= (size_t)w;
	}
	return 0;
}

static int
sync_fd(void *ctx, void *h)
{
	(void)ctx;
	return fsync(FD(h)) < 0 ? -errno : 0;
}

static int
close_fd(void *ctx, void *h)
{
	(void)ctx;
	return close(FD(h)) < 0 ? -errno : 0;
}

/* renameat2(RENAME_NOREPLACE): a name the client planted meanwhile is
 * not replaced.  File systems without the flag get a checked rename.
 * Then the directory is synced. */
static int
publish(void *ctx, const char *partial, const char *name)
{
	int dfd = ((const struct as_client *)ctx)->dfd;
	struct stat st;

	if (renameat2(dfd, partial, dfd, name, RENAME_NOREPLACE) < 0) {
		if (errno != EINVAL && errno != ENOSYS)
			return -errno;
		if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
			return -EEXIST;
		if (renameat(dfd, partial, dfd, name) < 0)
			return -errno;
	}
	return fsync(dfd) < 0 ? -errno : 0;
}

static int
unlink_partial(void *ctx, const char *partial)
{
	int dfd = ((const struct as_client *)ctx)->dfd;

	return unlinkat(dfd, partial, 0) < 0 ? -errno : 0;
}

static int
stopped(void *ctx)
{
	return ((const struct as_client *)ctx)->stopping();
}

static const struct wholefile_ops as_client_ops = {
	.create = create_partial, .reserve = reserve, .write = write_zeros,
	.sync = sync_fd, .close = close_fd, .rename = publish,
	.unlink = unlink_partial, .stopped = stopped,
};

/* size bytes of zeros as name in dfd, the client's directory (entered as
 * uid), written as partial; stopping() says when to give up (-EINTR). */
int
write_as_client(int dfd, uint32_t uid, const char *partial,
    const char *name, uint64_t size, int (*stopping)(void))
{
	static char zeros[CHUNK] __attribute__((aligned(4096)));
	struct as_client a = { dfd, uid, stopping };
	struct wholefile w = { partial, name, size, zeros, CHUNK, 0 };

	return wholefile_write(&as_client_ops, &a, &w);
}
