/*
 * swapfile.c -- the agent's swap files: named nfswap.N, mode 0600, written
 * with zeros in full (never sparse: the kernel refuses swap files with
 * holes, and a sparse file on NFS would allocate on the server while the
 * client is short of memory), given a swap header written here, and
 * switched on and off with swapon(2)/swapoff(2).
 *
 * A file is written as .nfswap.N.partial and renamed to nfswap.N only when
 * it is whole (synced, no holes) by wholefile_write (common/wholefile.c),
 * the routine "nfswap serve" writes its files with too: a
 * creation cut short -- the agent killed, the machine reset, the server
 * gone -- leaves a name that can never be taken for a swap file, and that
 * swapfile_partials() removes once the directory answers again.
 *
 * Creation must not take memory from a client that is short of it: the
 * file is opened with O_DIRECT where the file system takes it (NFS does),
 * so the zeros go from one static buffer to the wire without a page of
 * cache -- buffered, every page written had to be allocated first, by
 * reclaim, i.e. by swapping over the very link the file was written on,
 * and a file made during a climb took 3.4-4.3 s for 54 MiB (Linux 6.12).
 * Direct writes go DIRECT_CHUNK at a time (one writev of the same zero
 * buffer; the NFS client sends it as wsize WRITEs in flight and one
 * COMMIT).  Where O_DIRECT is refused (tmpfs, an odd alignment), the file
 * is written through the cache, block bytes a call, and every few MiB the
 * written range is pushed out and dropped from it.  A failed creation
 * removes its partial file.  Nothing here logs; every function returns 0
 * or -errno.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/uio.h>
#include <unistd.h>

#include "agent.h"

#define ZERO_MAX	(64 * 1024)	/* the largest block size */
#define DIRECT_CHUNK	(1024 * 1024)	/* bytes per direct write */
#define SWAP_SIG	"SWAPSPACE2"
#define SWAP_MIN_PAGES	10

static const char zeros[ZERO_MAX] __attribute__((aligned(4096)));
static char page[65536];		/* one page, for the header */

static int	not_ours(const struct stat *, uid_t);

/* Whether base is one of ours, "nfswap.N" with N a plain decimal. */
int
swapfile_name(const char *base, unsigned *seq)
{
	const char *p = base + strlen(SWAPFILE_PREFIX);
	unsigned long v = 0;

	if (strncmp(base, SWAPFILE_PREFIX, strlen(SWAPFILE_PREFIX)) != 0 ||
	    *p == '\0' || (p[0] == '0' && p[1] != '\0') || strlen(p) > 6)
		return 0;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return 0;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (seq)
		*seq = (unsigned)v;
	return 1;
}

/* Whether base is "." SWAPFILE_PREFIX "N" suffix. */
static int
dotted(const char *base, const char *suffix, unsigned *seq)
{
	char mid[32];
	size_t n = strlen(base), suf = strlen(suffix);

	if (n < 1 + suf || n - 1 - suf >= sizeof(mid) || base[0] != '.' ||
	    strcmp(base + n - suf, suffix) != 0)
		return 0;
	memcpy(mid, base + 1, n - 1 - suf);
	mid[n - 1 - suf] = '\0';
	return swapfile_name(mid, seq);
}

/* Whether base is ".nfswap.N.partial", a file of ours not yet whole. */
int
swapfile_partial(const char *base, unsigned *seq)
{
	return dotted(base, PARTIAL_SUFFIX, seq);
}

/* Whether base is ".nfswap.N.allocating", one "nfswap serve" is writing
 * for us (or was, if it stopped half way). */
int
swapfile_allocating(const char *base, unsigned *seq)
{
	return dotted(base, ALLOCATING_SUFFIX, seq);
}

/* The local file system (a mounted export): the daemon's writer. */
struct posix {
	int		dirfd;
	volatile int	*stop;		/* set by a signal; or NULL */
	uint32_t	block;		/* bytes per buffered write */
	int		direct;		/* opened with O_DIRECT */
};

static int
posix_create(void *ctx, const char *name, void **h)
{
	struct posix *px = ctx;
	int dirfd = px->dirfd, flags = O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC;
	struct stat d, f;
	int fd = openat(dirfd, name, flags | O_DIRECT, 0600);

	px->direct = fd >= 0;
	if (fd < 0 && errno == EINVAL)
		fd = openat(dirfd, name, flags, 0600);
	if (fd < 0)
		return -errno;
	/* Ours means owned by the swap directory's owner: over NFS the
	 * server squashes us to it; on a local directory of another owner,
	 * hand the file over (or give it up). */
	if (fchmod(fd, 0600) < 0 || fstat(dirfd, &d) < 0 ||
	    fstat(fd, &f) < 0 || (f.st_uid != d.st_uid &&
	    fchown(fd, d.st_uid, d.st_gid) < 0)) {
		int r = -errno;

		close(fd);
		(void)unlinkat(dirfd, name, 0);
		return r;
	}
	*h = (void *)(intptr_t)(fd + 1);
	return 0;
}

#define FD(h)	((int)(intptr_t)(h) - 1)

/* iov for n (at most DIRECT_CHUNK) bytes of zeros, the zero buffer
 * repeated; returns how many entries. */
static int
zero_iov(struct iovec *iov, size_t n)
{
	int cnt;

	for (cnt = 0; n > 0; cnt++) {
		iov[cnt].iov_base = (void *)(uintptr_t)zeros;
		iov[cnt].iov_len = n < ZERO_MAX ? n : ZERO_MAX;
		n -= iov[cnt].iov_len;
	}
	return cnt;
}

/*
 * n (at most DIRECT_CHUNK) bytes of zeros.  buf is the caller's zero
 * buffer, which may be shorter than n: every write here is of zeros, so
 * this writer uses its own.  Direct, the rest in one writev at a time;
 * through the cache, block bytes a call.  A direct write refused after
 * all (EINVAL: an alignment) goes on through the cache from where it is.
 */
static int
posix_write(void *ctx, void *h, const void *buf, size_t n)
{
	struct posix *px = ctx;
	struct iovec iov[DIRECT_CHUNK / ZERO_MAX];
	ssize_t r;
	int fl;

	(void)buf;
	if (n > DIRECT_CHUNK)
		return -EINVAL;
	while (n > 0) {
		r = writev(FD(h), iov, zero_iov(iov,
		    px->direct || n < px->block ? n : px->block));
		if (r > 0) {
			n -= (size_t)r;
			continue;
		}
		if (r == 0)
			return -EIO;
		if (errno == EINTR)
			continue;
		if (errno != EINVAL || !px->direct)
			return -errno;
		if ((fl = fcntl(FD(h), F_GETFL)) < 0 ||
		    fcntl(FD(h), F_SETFL, fl & ~O_DIRECT) < 0)
			return -errno;
		px->direct = 0;
	}
	return 0;
}

/* Start writeback of what is dirty and drop what went before it from the
 * page cache: a client short of memory must not fill it with zeros. */
static void
posix_flush(void *ctx, void *h, uint64_t from, uint64_t to)
{
	(void)ctx;
	(void)sync_file_range(FD(h), (off_t)from, (off_t)(to - from),
	    SYNC_FILE_RANGE_WRITE);
	if (from > 0)
		(void)posix_fadvise(FD(h), 0, (off_t)from, POSIX_FADV_DONTNEED);
}

static int
posix_sync(void *ctx, void *h)
{
	(void)ctx;
	if (fsync(FD(h)) < 0)
		return -errno;
	(void)posix_fadvise(FD(h), 0, 0, POSIX_FADV_DONTNEED);
	return 0;
}

static int
posix_stat(void *ctx, void *h, uint64_t *size, uint64_t *alloc)
{
	struct stat st;

	(void)ctx;
	if (fstat(FD(h), &st) < 0)
		return -errno;
	*size = (uint64_t)st.st_size;
	*alloc = (uint64_t)st.st_blocks * 512;
	return 0;
}

static int
posix_close(void *ctx, void *h)
{
	(void)ctx;
	return close(FD(h)) < 0 ? -errno : 0;
}

/* The name was free when swapfile_create() looked (the agent picks names
 * no file, partial or the service's, holds; after an unanswered ALLOCATE
 * it takes a new one).  Over NFS the rename is stable when it returns;
 * locally the directory is synced for it. */
static int
posix_rename(void *ctx, const char *from, const char *to)
{
	int dirfd = ((struct posix *)ctx)->dirfd, fd;

	if (renameat(dirfd, from, dirfd, to) < 0)
		return -errno;
	if ((fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	return 0;
}

static int
posix_unlink(void *ctx, const char *name)
{
	return unlinkat(((struct posix *)ctx)->dirfd, name, 0) < 0 ?
	    -errno : 0;
}

static int
posix_stopped(void *ctx)
{
	volatile int *stop = ((struct posix *)ctx)->stop;

	return stop != NULL && *stop;
}

static const struct wholefile_ops posix_ops = {
	.create = posix_create, .write = posix_write, .flush = posix_flush,
	.sync = posix_sync, .stat = posix_stat, .close = posix_close,
	.rename = posix_rename, .unlink = posix_unlink,
	.stopped = posix_stopped,
};

/*
 * dirfd/name, size bytes of zeros written block bytes at a time, synced
 * and checked for holes, as .name.partial and then renamed
 * (wholefile_write); *stop set (by a signal) abandons it.  *written is how
 * far it got (for the policy's measure of speed, or of the quota).
 * -EEXIST if name is taken (nothing is ever replaced).  On failure the
 * partial file is gone.
 */
int
swapfile_create(int dirfd, const char *name, uint64_t size, uint32_t block,
    uint64_t *written, volatile int *stop)
{
	struct posix ctx = { dirfd, stop, block, 0 };
	char partial[PATH_MAX];
	struct wholefile w = { partial, name, size, zeros, DIRECT_CHUNK, 0 };
	struct stat st;
	int r;

	*written = 0;
	if (block == 0 || block > ZERO_MAX || size == 0)
		return -EINVAL;
	if (snprintf(partial, sizeof(partial), "." "%s" PARTIAL_SUFFIX,
	    name) >= (int)sizeof(partial))
		return -ENAMETOOLONG;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return -EEXIST;
	r = wholefile_write(&posix_ops, &ctx, &w);
	*written = w.written;
	return r;
}

/*
 * Remove every .nfswap.N.partial of owner's in dirfd -- and with
 * allocating, every .nfswap.N.allocating, which only a service that
 * stopped half way leaves when no agent waits for it.  A symbolic link or
 * another's file is refused (never followed, never removed).  said(ctx,
 * name, 0 or -errno, refused) hears of each one.  Returns how many are left that
 * could not be removed (to try again), or -errno if the directory cannot
 * be read.
 */
int
swapfile_partials(int dirfd, uid_t owner, int allocating,
    void (*said)(void *, const char *, int, int), void *ctx)
{
	struct dirent *de;
	struct stat st;
	int left = 0, r, refused, fd;
	DIR *d;

	if ((fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -errno;
	if ((d = fdopendir(fd)) == NULL) {
		r = -errno;
		close(fd);
		return r;
	}
	for (;;) {
		errno = 0;
		if ((de = readdir(d)) == NULL)
			break;
		if (!swapfile_partial(de->d_name, NULL) && !(allocating &&
		    swapfile_allocating(de->d_name, NULL)))
			continue;
		refused = 0;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			r = -errno;
		else if ((r = not_ours(&st, owner)) < 0)
			refused = 1;
		else if (unlinkat(dirfd, de->d_name, 0) < 0)
			r = -errno;
		if (r == -ENOENT)
			continue;	/* gone meanwhile */
		if (r < 0 && !refused)
			left++;
		if (said != NULL)
			said(ctx, de->d_name, r, refused);
	}
	r = errno;
	closedir(d);
	return r != 0 ? -r : left;
}

/*
 * The swap header (version 1), as mkswap writes it: at the end of the
 * first page the signature, after the boot block the version, the last
 * page, no bad pages, a random UUID and a label.
 */
struct swap_header_v1 {
	char		bootbits[1024];
	uint32_t	version;
	uint32_t	last_page;
	uint32_t	nr_badpages;
	unsigned char	uuid[16];
	char		volume_name[16];
};

static long
page_size(void)
{
	long ps = sysconf(_SC_PAGESIZE);

	return ps > 0 ? ps : 4096;
}

int
swapfile_mkswap(int dirfd, const char *name, uint64_t size)
{
	struct swap_header_v1 h;
	long ps = page_size();
	uint64_t pages = size / (uint64_t)ps;
	int fd, r = 0;

	if ((size_t)ps > sizeof(page) || pages < SWAP_MIN_PAGES ||
	    pages - 1 > UINT32_MAX)
		return -EINVAL;
	memset(page, 0, (size_t)ps);
	memset(&h, 0, sizeof(h));
	h.version = 1;
	h.last_page = (uint32_t)(pages - 1);
	if (getrandom(h.uuid, sizeof(h.uuid), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(h.uuid))
		memset(h.uuid, 0x5a, sizeof(h.uuid));
	h.uuid[6] = (unsigned char)((h.uuid[6] & 0x0f) | 0x40);	/* v4 */
	h.uuid[8] = (unsigned char)((h.uuid[8] & 0x3f) | 0x80);
	snprintf(h.volume_name, sizeof(h.volume_name), "nfswap");
	memcpy(page, &h, sizeof(h));
	memcpy(page + ps - 10, SWAP_SIG, 10);
	fd = openat(dirfd, name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (pwrite(fd, page, (size_t)ps, 0) != ps)
		r = errno ? -errno : -EIO;
	else if (fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}

/*
 * Whether a file left in the directory may be switched on again: ours by
 * name, a regular file owned by owner, mode 0600, a whole number of pages
 * and at least ten, no holes, and either our swap header for its size or
 * (a header wiped) zeros, which needs mkswap first.  0 with c filled, or
 * -errno when it cannot be looked at.
 */
int
swapfile_check(int dirfd, const char *name, uid_t owner,
    struct swapfile_check *c)
{
	const struct swap_header_v1 *h = (const void *)page;
	long ps = page_size();
	struct stat st;
	int fd;
	ssize_t n;
	long i;

	memset(c, 0, sizeof(*c));
	if (!swapfile_name(name, NULL)) {
		c->why = "not named nfswap.N";
		return 0;
	}
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ELOOP) {
			c->why = "a symbolic link";
			return 0;
		}
		return -errno;
	}
	if (fstat(fd, &st) < 0) {
		i = -errno;
		close(fd);
		return (int)i;
	}
	if (!S_ISREG(st.st_mode))
		c->why = "not a regular file";
	else if (st.st_uid != owner)
		c->why = "not owned by the swap directory's owner";
	else if ((st.st_mode & 07777) != 0600)
		c->why = "mode is not 0600";
	else if (st.st_size % ps != 0 || st.st_size / ps < SWAP_MIN_PAGES ||
	    (size_t)ps > sizeof(page))
		c->why = "size is not a whole number of pages (ten or more)";
	else if ((uint64_t)st.st_blocks * 512 < (uint64_t)st.st_size)
		c->why = "has holes";
	else if ((n = pread(fd, page, (size_t)ps, 0)) != ps)
		c->why = "cannot read its first page";
	else if (memcmp(page + ps - 10, SWAP_SIG, 10) == 0) {
		if (h->version != 1 ||
		    h->last_page != (uint64_t)st.st_size / (uint64_t)ps - 1)
			c->why = "swap header does not match its size";
		else
			c->ok = 1;
	} else {
		for (i = 0; i < ps && page[i] == 0; i++)
			;
		if (i == ps) {
			c->ok = 1;
			c->needs_mkswap = 1;
		} else
			c->why = "no swap signature, and not blank";
	}
	close(fd);
	return 0;
}

/* 0 if st is a regular file of owner's; -ELOOP for a symbolic link,
 * -EPERM for anything else. */
static int
not_ours(const struct stat *st, uid_t owner)
{
	if (S_ISREG(st->st_mode) && st->st_uid == owner)
		return 0;
	return S_ISLNK(st->st_mode) ? -ELOOP : -EPERM;
}

/*
 * dirfd/name, if it is a regular file owned by owner, opened O_PATH and
 * never through a symbolic link; *path becomes /proc/self/fd/N, which the
 * kernel resolves to that very file.  So swapon and swapoff act on the
 * file just checked, even if the name is replaced in between.  -ELOOP for
 * a symbolic link, -EPERM for anything else that is not ours.
 */
static int
ours_by_fd(int dirfd, const char *name, uid_t owner, char *path, size_t len)
{
	struct stat st;
	int fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC), e;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		e = -errno;
		close(fd);
		return e;
	}
	if ((e = not_ours(&st, owner)) < 0) {
		close(fd);
		return e;
	}
	snprintf(path, len, "/proc/self/fd/%d", fd);
	return fd;
}

int
swapfile_on(int dirfd, const char *name, uid_t owner, int priority)
{
	char path[64];
	int flags = 0, fd, r;

	if ((fd = ours_by_fd(dirfd, name, owner, path, sizeof(path))) < 0)
		return fd;
	if (priority >= 0)
		flags = SWAP_FLAG_PREFER |
		    ((priority << SWAP_FLAG_PRIO_SHIFT) & SWAP_FLAG_PRIO_MASK);
	r = swapon(path, flags) < 0 ? -errno : 0;
	close(fd);
	return r;
}

int
swapfile_off(int dirfd, const char *name, uid_t owner)
{
	char path[64];
	int fd, r;

	if ((fd = ours_by_fd(dirfd, name, owner, path, sizeof(path))) < 0)
		return fd;
	r = swapoff(path) < 0 ? -errno : 0;
	close(fd);
	return r;
}

/* Unlink dirfd/name only if it is still a regular file of owner's. */
int
swapfile_unlink(int dirfd, const char *name, uid_t owner)
{
	struct stat st;

	int r;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if ((r = not_ours(&st, owner)) < 0)
		return r;
	return unlinkat(dirfd, name, 0) < 0 ? -errno : 0;
}

/*
 * A file "nfswap serve" wrote into dirfd behind the NFS client's back:
 * the client may not see it at once (it may hold the name as absent), so
 * look again for a few seconds.  Then check it as a file of our own:
 * regular, owner's, size bytes, no holes (-EFAULT if not).
 */
int
swapfile_allocated(int dirfd, const char *name, uint64_t size, uid_t owner)
{
	struct stat st;
	int tries, dfd;

	for (tries = 0; ; tries++) {
		/* reopening the directory makes the client look it up again */
		if ((dfd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC)) >= 0)
			close(dfd);
		if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
			break;
		if (errno != ENOENT || tries == 4)
			return -errno;
		sleep(1);
	}
	if (not_ours(&st, owner) < 0 || (uint64_t)st.st_size != size ||
	    (uint64_t)st.st_blocks * 512 < size)
		return -EFAULT;
	return 0;
}
