/*
 * serve_monitor.c -- the privileged side of "nfswap serve".
 *
 * It takes fixed-size requests from the network side (serve.h) over a
 * socketpair and never reads from the network itself.  It trusts nothing
 * in a request: the caller's address is looked up in the registry again,
 * every name and size is checked again, and everything done in a
 * client's directory is done as that client (asclient.c), through openat
 * with O_NOFOLLOW and O_EXCL, so that the kernel itself refuses a link a
 * client planted to anything that is not its own.
 *
 * Allocations run in worker threads (a slow disk never holds up another
 * client's LOOKUP), at most WRITERS_MAX writing at once, JOBS_PER_CLIENT
 * per client, and within a byte budget per client (ALLOCATE and RELEASE
 * in a loop cannot keep the disk busy for ever).  A file appears under its
 * name only when it is whole: written as .NAME.allocating, fsynced,
 * renamed with RENAME_NOREPLACE.  Each allocation under way is noted in a
 * journal (export_root/.nfswap-serve/job.N) so that what a crash leaves
 * half-written is removed at the next start, not held against the quota
 * until the client's agent restarts.
 *
 * Every request is answered in bounded time: the work the request loop
 * does itself is a registry read, a project-quota query or a bounded
 * walk, one unlink, or a directory read of at most STATUS_SCAN_MAX
 * entries.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "registry.h"
#include "serve.h"
#include "nfswap_prot.h"

#define JOBS_MAX	64		/* allocations under way, in all */
#define JOBS_PER_CLIENT	2
#define WRITERS_MAX	4		/* ... of which writing at once */
#define SIZE_MIN	(64 * 1024)
#define CHUNK		(4 * 1024 * 1024)	/* bytes per write */
#define STATUS_SCAN_MAX	4096		/* entries STATUS reads, at most */
#define BUDGETS		1024		/* clients whose budget is kept */
#define BUDGET_REFILL_S	600		/* a quota's worth per 10 minutes */
#define BUDGET_BURST	2		/* ... up to twice the quota at once */
#define FAILED_KEEP_MS	60000		/* a failure is told for this long */
#define USAGE_SLOTS	256		/* clients whose usage is remembered */
#define USAGE_FRESH_MS	2000		/* ... and trusted for this long */
#define USAGE_INLINE	4096		/* inodes a walk may see in the loop */

struct job {
	int		used;
	int		done;		/* the worker finished (ok or not) */
	int		joined;		/* ... and was joined */
	int		failed;		/* ... with this -errno, still to be
					 * told to the client */
	uint64_t	done_ms;
	unsigned	slot;		/* its journal entry: job.<slot> */
	char		client[NAME_MAXLEN + 1];
	char		name[NAME_MAXLEN + 1];
	uint64_t	size;
	uint32_t	uid, gid;
	pthread_t	thread;
};

/* What a client's directory was last measured to hold (walks only: the
 * project quota is asked each time). */
struct usage {
	char		client[NAME_MAXLEN + 1];
	uint32_t	uid, gid;
	uint64_t	bytes, inodes;
	int		incomplete;	/* the walk stopped at a bound */
	uint64_t	at_ms;		/* measured then (0: never) */
	uint64_t	dirty_ms;	/* changed by us then */
	int		queued;		/* for the measurer */
};

struct budget {
	char		client[NAME_MAXLEN + 1];
	double		bytes;		/* what may be written now */
	uint64_t	at_ms;		/* when last refilled */
	uint64_t	said_ms;	/* when a refusal was last logged */
};

static struct {
	const struct nfswap_conf *conf;
	volatile sig_atomic_t *stop;
	pthread_mutex_t	lock;
	pthread_cond_t	writers;
	unsigned	writing;
	struct job	jobs[JOBS_MAX];
	struct budget	budget[BUDGETS];
	unsigned	budget_next;
	struct registry_names names;
	char		journal[PATH_MAXLEN + 32];
	pthread_mutex_t	ulock;		/* usage[] and the measurer */
	pthread_cond_t	measure;
	struct usage	usage[USAGE_SLOTS];
	unsigned	usage_next;
	pthread_t	measurer;
	int		measurer_up;
	volatile sig_atomic_t quit;	/* the request loop has ended */
} M = { .lock = PTHREAD_MUTEX_INITIALIZER, .writers = PTHREAD_COND_INITIALIZER,
	.ulock = PTHREAD_MUTEX_INITIALIZER, .measure = PTHREAD_COND_INITIALIZER };

static int	client_enter(uint32_t uid, uint32_t gid, const char *name);
static void	client_leave(int dfd);

static int
stopping(void)
{
	return *M.stop || M.quit;
}

/* ---- the journal of allocations under way ------------------------------ */

static void
journal_path(unsigned slot, char *buf, size_t len)
{
	snprintf(buf, len, "%s/job.%u", M.journal, slot);
}

/* Note (as root, in export_root/.nfswap-serve) that slot writes name for
 * client; written and synced before the file is begun. */
static int
journal_add(const struct job *j)
{
	char path[PATH_MAXLEN + 64], text[2 * NAME_MAXLEN + 4];
	int n = snprintf(text, sizeof(text), "%s %s\n", j->client, j->name);

	journal_path(j->slot, path, sizeof(path));
	return file_replace(path, text, (size_t)n, 0600);
}

static void
journal_drop(unsigned slot)
{
	char path[PATH_MAXLEN + 64];

	journal_path(slot, path, sizeof(path));
	if (unlink(path) < 0 && errno != ENOENT)
		log_warn("serve: %s", path);
}

/*
 * What an earlier run left half-written: for each journal entry, the
 * client's .NAME.allocating, removed as the client if it is a regular
 * file of its own.  Bounded by JOBS_MAX entries, whatever the clients'
 * directories hold.
 */
static void
journal_replay(void)
{
	char path[PATH_MAXLEN + 64], text[2 * NAME_MAXLEN + 8];
	char client[NAME_MAXLEN + 1], name[NAME_MAXLEN + 1];
	char partial[NAME_MAXLEN + 16];
	struct registry reg;
	struct client c;
	struct diag d;
	struct stat st;
	unsigned slot;
	const char *why;
	ssize_t n;
	int fd, dfd;

	for (slot = 0; slot < JOBS_MAX; slot++) {
		journal_path(slot, path, sizeof(path));
		if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
			continue;
		n = read(fd, text, sizeof(text) - 1);
		close(fd);
		text[n > 0 ? n : 0] = '\0';
		if (sscanf(text, "%63s %63s", client, name) != 2 ||
		    valid_name(client, &why) < 0 || valid_name(name, &why) < 0 ||
		    registry_open(&reg, M.conf, 0, &d) < 0) {
			journal_drop(slot);
			continue;
		}
		if (registry_get(&reg, client, &c, &d) == 0 &&
		    (dfd = client_enter(c.uid, c.gid, client)) >= 0) {
			snprintf(partial, sizeof(partial), ".%s" ALLOCATING_SUFFIX,
			    name);
			if (fstatat(dfd, partial, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISREG(st.st_mode) && st.st_uid == c.uid &&
			    unlinkat(dfd, partial, 0) == 0)
				log_info("%s: removed %s, left unfinished by an "
				    "earlier run", client, partial);
			client_leave(dfd);
		}
		registry_close(&reg);
		journal_drop(slot);
	}
}

static int
journal_init(void)
{
	struct stat st;
	int r;

	snprintf(M.journal, sizeof(M.journal), "%s/" SERVE_JOURNAL_DIR,
	    conf_dir_root(M.conf));
	if ((r = mkdir_p(M.journal, 0700)) < 0)
		return r;
	if (lstat(M.journal, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 077) != 0)
		return -EPERM;		/* not root's own, or open to others */
	journal_replay();
	return 0;
}

/* ---- the byte budget --------------------------------------------------- */

/* Whether client c may have size more bytes written now; takes them. */
static int
budget_take(const struct client *c, uint64_t size)
{
	uint64_t now = mono_ms();
	double cap = (double)c->quota * BUDGET_BURST;
	struct budget *b = NULL;
	unsigned i;

	for (i = 0; i < BUDGETS && b == NULL; i++)
		if (strcmp(M.budget[i].client, c->name) == 0)
			b = &M.budget[i];
	if (b == NULL) {	/* a client not seen lately starts full */
		b = &M.budget[M.budget_next++ % BUDGETS];
		snprintf(b->client, sizeof(b->client), "%s", c->name);
		b->bytes = cap;
		b->at_ms = now;
		b->said_ms = 0;
	}
	b->bytes += (double)c->quota * (double)(now - b->at_ms) /
	    (BUDGET_REFILL_S * 1000.0);
	if (b->bytes > cap)
		b->bytes = cap;
	b->at_ms = now;
	if (b->bytes < (double)size) {
		if (b->said_ms == 0 || now - b->said_ms > 60000) {
			log_warnx("%s: ALLOCATE refused for a while: it had %.0f "
			    "MiB written in the last minutes (twice its quota, "
			    "refilled by one quota each %d minutes)", c->name,
			    (cap - b->bytes) / 1048576.0, BUDGET_REFILL_S / 60);
			b->said_ms = now;
		}
		return 0;
	}
	b->bytes -= (double)size;
	return 1;
}

/* ---- work in a client's directory, as the client ----------------------- */

static nfswap_stat
errno_stat(int e)
{
	switch (e) {
	case ENOSPC: return NFSWAP_NOSPC;
	case EDQUOT: return NFSWAP_QUOTA;
	case EEXIST: return NFSWAP_EXIST;
	case ENOENT: return NFSWAP_NOENT;
	case EINVAL: return NFSWAP_INVAL;
	default: return NFSWAP_IO;
	}
}

/* A swap file's name: a client name's rules, and not hidden. */
static int
file_name_ok(const char *name)
{
	const char *why;

	return name[0] != '.' && valid_name(name, &why) == 0;
}

/* Become the client and open its directory (store.c); client_leave()
 * closes it and gives back our own ids. */
static int
client_enter(uint32_t uid, uint32_t gid, const char *name)
{
	return store_enter(M.conf, name, uid, gid);
}

static void
client_leave(int dfd)
{
	store_leave(dfd);
}

/* A walk of the client's directory, as the client. */
static int
walk(uint32_t uid, uint32_t gid, const char *name, struct dir_usage *u)
{
	int dfd, r;

	if ((dfd = client_enter(uid, gid, name)) < 0)
		return dfd;
	r = store_usage_fd(dfd, (uint32_t)-1, u);
	client_leave(dfd);
	return r;
}

/* The project quota's figures for the client's directory: O(1). */
static int
quota_usage(const struct client *c, struct dir_usage *u)
{
	int dfd, r;

	if ((dfd = client_enter(c->uid, c->gid, c->name)) < 0)
		return dfd;
	r = store_quota_fd(dfd, c->uid, u);
	client_leave(dfd);
	return r;
}

static void
usage_store(struct usage *e, const struct dir_usage *u, uint64_t t0)
{
	e->bytes = u->bytes;
	e->inodes = u->inodes;
	e->incomplete = u->incomplete;
	e->at_ms = t0;
}

/* The measurer: walks queued by usage_get, one at a time, off the loop. */
static void *
measurer(void *arg)
{
	struct dir_usage u;
	struct usage *e;
	char name[NAME_MAXLEN + 1];
	uint32_t uid, gid;
	uint64_t t0;
	unsigned i;
	int ok;

	(void)arg;
	pthread_mutex_lock(&M.ulock);
	while (!stopping()) {
		for (i = 0, e = NULL; i < USAGE_SLOTS && e == NULL; i++)
			if (M.usage[i].queued)
				e = &M.usage[i];
		if (e == NULL) {
			pthread_cond_wait(&M.measure, &M.ulock);
			continue;
		}
		memcpy(name, e->client, sizeof(name));
		uid = e->uid;
		gid = e->gid;
		pthread_mutex_unlock(&M.ulock);
		t0 = mono_ms();
		memset(&u, 0, sizeof(u));
		ok = walk(uid, gid, name, &u) == 0;
		pthread_mutex_lock(&M.ulock);
		if (strcmp(e->client, name) == 0) {	/* still that client's */
			e->queued = 0;
			if (ok)
				usage_store(e, &u, t0);
		}
	}
	pthread_mutex_unlock(&M.ulock);
	return NULL;
}

static struct usage *
usage_slot(const struct client *c)
{
	struct usage *e;
	unsigned i;

	for (i = 0; i < USAGE_SLOTS; i++)
		if (strcmp(M.usage[i].client, c->name) == 0)
			return &M.usage[i];
	e = &M.usage[M.usage_next++ % USAGE_SLOTS];
	if (e->queued)		/* being walked: take the next one */
		e = &M.usage[M.usage_next++ % USAGE_SLOTS];
	memset(e, 0, sizeof(*e));
	snprintf(e->client, sizeof(e->client), "%s", c->name);
	return e;
}

/* Something of the client's changed by us: its last walk is out of date. */
static void
usage_dirty(const char *client)
{
	unsigned i;

	pthread_mutex_lock(&M.ulock);
	for (i = 0; i < USAGE_SLOTS; i++)
		if (strcmp(M.usage[i].client, client) == 0)
			M.usage[i].dirty_ms = mono_ms();
	pthread_mutex_unlock(&M.ulock);
}

/*
 * What the client's directory holds.  From its project quota where there
 * is one (no walk); else from a walk done at most every USAGE_FRESH_MS:
 * in the request loop while the directory is small (what nfswapd makes),
 * by the measurer thread once it is not, so that no client's tree can
 * hold up another's LOOKUP.  Where the measurer must walk, fresh asks for
 * a measurement newer than our own last change, else the last known will
 * do.  -EAGAIN while a walk is under way (answer BUSY: asked again, it is
 * there), -EFBIG when the walk stopped at a bound (then no one can tell
 * what the directory holds).
 */
static int
usage_get(const struct client *c, int fresh, uint64_t *bytes)
{
	struct dir_usage u;
	struct usage *e;
	uint64_t now = mono_ms();
	int r;

	if ((r = quota_usage(c, &u)) == 0) {
		*bytes = u.bytes;
		return 0;
	}
	if (r != -EOPNOTSUPP)
		return r;
	pthread_mutex_lock(&M.ulock);
	e = usage_slot(c);
	e->uid = c->uid;
	e->gid = c->gid;
	if (e->at_ms != 0 && e->at_ms > e->dirty_ms &&
	    now - e->at_ms < USAGE_FRESH_MS) {
		*bytes = e->bytes;
		r = e->incomplete ? -EFBIG : 0;
		pthread_mutex_unlock(&M.ulock);
		return r;
	}
	if (e->queued || (e->at_ms != 0 && e->inodes > USAGE_INLINE)) {
		/* too big to walk here: the measurer's job */
		e->queued = 1;
		pthread_cond_signal(&M.measure);
		*bytes = e->bytes;
		r = fresh || e->at_ms == 0 ? -EAGAIN : e->incomplete ? -EFBIG : 0;
		pthread_mutex_unlock(&M.ulock);
		return r;
	}
	pthread_mutex_unlock(&M.ulock);
	memset(&u, 0, sizeof(u));
	if ((r = walk(c->uid, c->gid, c->name, &u)) < 0)
		return r;
	pthread_mutex_lock(&M.ulock);
	if (strcmp(e->client, c->name) == 0)
		usage_store(e, &u, now);
	pthread_mutex_unlock(&M.ulock);
	*bytes = u.bytes;
	return u.incomplete ? -EFBIG : 0;
}

/* Bytes that allocations under way for client still have to write (their
 * partial files, looked at as the client, count as far as they got).
 * M.lock held. */
static uint64_t
reserved(const struct client *c)
{
	char partial[NAME_MAXLEN + 16];
	struct stat st;
	uint64_t left = 0, got;
	unsigned i;
	int dfd = -EBADF, entered = 0;

	for (i = 0; i < JOBS_MAX; i++) {
		if (!M.jobs[i].used || M.jobs[i].done ||
		    strcmp(M.jobs[i].client, c->name) != 0)
			continue;
		if (!entered++)
			dfd = client_enter(c->uid, c->gid, c->name);
		snprintf(partial, sizeof(partial), ".%s" ALLOCATING_SUFFIX,
		    M.jobs[i].name);
		got = dfd >= 0 && fstatat(dfd, partial, &st,
		    AT_SYMLINK_NOFOLLOW) == 0 ? (uint64_t)st.st_blocks * 512 : 0;
		left += M.jobs[i].size > got ? M.jobs[i].size - got : 0;
	}
	if (dfd >= 0)
		client_leave(dfd);
	return left;
}

/*
 * Make .NAME.allocating with O_EXCL: whatever stands under that name (a
 * link to someone else's file, a FIFO, a directory) is never opened.  One
 * thing of the client's own is removed (a name in its own directory) and
 * the create tried once more.  O_DIRECT: hundreds of MiB of zeros would
 * otherwise pass through the server's page cache and be copied there
 * first; direct, they go to the disk as they are, 2-3 times faster here.
 */
static int
create_partial(int dfd, const char *partial, uint32_t uid)
{
	int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
	struct stat st;
	int fd, tries;

	for (tries = 0; tries < 2; tries++) {
		fd = openat(dfd, partial, flags | O_DIRECT, 0600);
		if (fd < 0 && errno == EINVAL)
			fd = openat(dfd, partial, flags, 0600);
		if (fd >= 0 || errno != EEXIST || tries > 0)
			break;
		if (unlinkat(dfd, partial, 0) < 0)
			return -errno;
		log_warnx("removed something that stood under %s", partial);
	}
	if (fd < 0)
		return -errno;
	/* made by us, as the client: its own, one link, a regular file */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1 ||
	    st.st_uid != uid || fchmod(fd, 0600) < 0) {
		int e = errno ? errno : EPERM;

		close(fd);
		(void)unlinkat(dfd, partial, 0);
		return -e;
	}
	return fd;
}

/* Zeros to size, every block written (see docs/nfs-swap-sizes.md: swap
 * onto a file whose extents are only reserved failed in the VM test). */
static int
fill(int fd, uint64_t size)
{
	static char zeros[CHUNK] __attribute__((aligned(4096)));
	uint64_t off = 0;

	if (fallocate(fd, 0, 0, (off_t)size) < 0 && errno != EOPNOTSUPP &&
	    errno != EINVAL)
		return -errno;
	while (off < size) {
		size_t n = size - off < CHUNK ? (size_t)(size - off) : CHUNK;
		ssize_t w;

		if (stopping())
			return -EINTR;
		w = pwrite(fd, zeros, n, (off_t)off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EINVAL && (fcntl(fd, F_GETFL) & O_DIRECT)) {
			/* alignment this file system wants otherwise */
			(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_DIRECT);
			continue;
		}
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		off += (uint64_t)w;
	}
	return fsync(fd) < 0 ? -errno : 0;
}

/* renameat2(RENAME_NOREPLACE): a name the client planted meanwhile is
 * not replaced.  File systems without the flag get a checked rename. */
static int
publish(int dfd, const char *partial, const char *name)
{
	struct stat st;

	if (renameat2(dfd, partial, dfd, name, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -errno;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return -EEXIST;
	return renameat(dfd, partial, dfd, name) < 0 ? -errno : 0;
}

static void *
worker(void *arg)
{
	struct job *j = arg;
	char partial[NAME_MAXLEN + 16];
	uint64_t t0;
	int dfd = -1, fd = -1, r;

	pthread_mutex_lock(&M.lock);
	while (M.writing >= WRITERS_MAX && !stopping())
		pthread_cond_wait(&M.writers, &M.lock);
	M.writing++;
	pthread_mutex_unlock(&M.lock);
	t0 = mono_ms();
	snprintf(partial, sizeof(partial), ".%s" ALLOCATING_SUFFIX, j->name);
	if (stopping())
		r = -EINTR;
	else if ((r = journal_add(j)) < 0)
		log_warnx("serve: journal %s: %s", M.journal, strerror(-r));
	else if ((dfd = client_enter(j->uid, j->gid, j->client)) < 0)
		r = dfd;
	else {
		if ((fd = create_partial(dfd, partial, j->uid)) < 0)
			r = fd;
		else if ((r = fill(fd, j->size)) == 0 &&
		    (r = publish(dfd, partial, j->name)) == 0 && fsync(dfd) < 0)
			r = -errno;
		if (fd >= 0) {
			close(fd);
			if (r < 0)
				(void)unlinkat(dfd, partial, 0);
		}
		client_leave(dfd);
	}
	journal_drop(j->slot);		/* the partial file is whole or gone */
	if (r < 0)
		log_warnx("%s: allocating %s (%llu bytes): %s", j->client,
		    j->name, (unsigned long long)j->size, strerror(-r));
	else
		log_info("%s: allocated %s (%llu bytes in %.2f s)", j->client,
		    j->name, (unsigned long long)j->size,
		    (double)(mono_ms() - t0) / 1000.0);
	usage_dirty(j->client);
	pthread_mutex_lock(&M.lock);
	M.writing--;
	pthread_cond_broadcast(&M.writers);
	j->failed = r < 0 && r != -EINTR ? r : 0;
	j->done_ms = mono_ms();
	j->done = 1;
	pthread_mutex_unlock(&M.lock);
	return NULL;
}

/* Join finished workers; free their slots, but keep a failure a while
 * for the client's next ALLOCATE of that name to hear. */
static void
reap(void)
{
	uint64_t now = mono_ms();
	unsigned i;

	for (i = 0; i < JOBS_MAX; i++) {
		struct job *j = &M.jobs[i];
		int join;

		pthread_mutex_lock(&M.lock);
		join = j->used && j->done && !j->joined;
		if (j->used && j->joined && (!j->failed ||
		    now - j->done_ms > FAILED_KEEP_MS))
			j->used = 0;
		pthread_mutex_unlock(&M.lock);
		if (!join)
			continue;
		pthread_join(j->thread, NULL);
		pthread_mutex_lock(&M.lock);
		j->joined = 1;
		if (!j->failed)
			j->used = 0;
		pthread_mutex_unlock(&M.lock);
	}
}

static nfswap_stat
do_allocate(const struct client *c, const char *name, uint64_t size)
{
	struct stat st;
	unsigned i, mine = 0, slot = JOBS_MAX;
	uint64_t used;
	nfswap_stat s;
	int dfd, r;

	if (!file_name_ok(name) || size < SIZE_MIN || size % 4096 != 0)
		return NFSWAP_INVAL;
	if (size > c->quota)
		return NFSWAP_QUOTA;
	pthread_mutex_lock(&M.lock);
	for (i = 0; i < JOBS_MAX; i++) {
		if (!M.jobs[i].used) {
			if (slot == JOBS_MAX)
				slot = i;
			continue;
		}
		if (strcmp(M.jobs[i].client, c->name) != 0)
			continue;
		if (M.jobs[i].done) {
			/* a failure not yet told: told now, once */
			if (M.jobs[i].joined && M.jobs[i].failed &&
			    strcmp(M.jobs[i].name, name) == 0) {
				s = errno_stat(-M.jobs[i].failed);
				M.jobs[i].used = 0;
				goto unlock;
			}
			continue;
		}
		mine++;
		if (strcmp(M.jobs[i].name, name) == 0) {
			s = M.jobs[i].size == size ? NFSWAP_INPROGRESS :
			    NFSWAP_EXIST;
			goto unlock;
		}
	}
	if ((dfd = client_enter(c->uid, c->gid, c->name)) < 0) {
		s = errno_stat(-dfd);
		goto unlock;
	}
	r = fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : -errno;
	client_leave(dfd);
	if (r == 0) {
		/* Done already (an ALLOCATE asked again): fine if it is the
		 * same file. */
		s = S_ISREG(st.st_mode) && (uint64_t)st.st_size == size &&
		    st.st_uid == c->uid ? NFSWAP_OK : NFSWAP_EXIST;
		goto unlock;
	}
	if (mine >= JOBS_PER_CLIENT || slot == JOBS_MAX) {
		s = NFSWAP_BUSY;
		goto unlock;
	}
	if ((r = usage_get(c, 1, &used)) < 0) {
		/* being measured: asked again, it will be known; measured
		 * to a bound: no one can tell what fits */
		s = r == -EAGAIN ? NFSWAP_BUSY : r == -EFBIG ? NFSWAP_QUOTA :
		    NFSWAP_IO;
		if (r == -EFBIG)
			log_warnx("%s: ALLOCATE refused: its directory holds "
			    "more than can be measured (see nfswap audit)",
			    c->name);
		goto unlock;
	}
	used += reserved(c);
	if (used > c->quota || size > c->quota - used) {
		s = NFSWAP_QUOTA;
		goto unlock;
	}
	if (!budget_take(c, size)) {
		s = NFSWAP_BUSY;
		goto unlock;
	}
	memset(&M.jobs[slot], 0, sizeof(M.jobs[slot]));
	M.jobs[slot].used = 1;
	M.jobs[slot].slot = slot;
	snprintf(M.jobs[slot].client, sizeof(M.jobs[slot].client), "%s",
	    c->name);
	snprintf(M.jobs[slot].name, sizeof(M.jobs[slot].name), "%s", name);
	M.jobs[slot].size = size;
	M.jobs[slot].uid = c->uid;
	M.jobs[slot].gid = c->gid;
	if (pthread_create(&M.jobs[slot].thread, NULL, worker,
	    &M.jobs[slot]) != 0) {
		M.jobs[slot].used = 0;
		s = NFSWAP_IO;
		goto unlock;
	}
	s = NFSWAP_INPROGRESS;
unlock:
	pthread_mutex_unlock(&M.lock);
	return s;
}

static nfswap_stat
do_release(const struct client *c, const char *name)
{
	struct stat st;
	unsigned i;
	int dfd, r;

	if (!file_name_ok(name))
		return NFSWAP_INVAL;
	pthread_mutex_lock(&M.lock);
	for (i = 0; i < JOBS_MAX; i++)
		if (M.jobs[i].used && !M.jobs[i].done &&
		    strcmp(M.jobs[i].client, c->name) == 0 &&
		    strcmp(M.jobs[i].name, name) == 0) {
			pthread_mutex_unlock(&M.lock);
			return NFSWAP_BUSY;
		}
	pthread_mutex_unlock(&M.lock);
	if ((dfd = client_enter(c->uid, c->gid, c->name)) < 0)
		return errno_stat(-dfd);
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		r = errno;
	else if (!S_ISREG(st.st_mode) || st.st_uid != c->uid)
		r = EINVAL;
	else
		r = unlinkat(dfd, name, 0) < 0 ? errno : 0;
	client_leave(dfd);
	if (r == 0) {
		usage_dirty(c->name);
		log_info("%s: released %s", c->name, name);
	}
	return r == 0 ? NFSWAP_OK : errno_stat(r);
}

/* The files of the client's directory (at most SERVE_FILES_MAX, from the
 * first STATUS_SCAN_MAX entries), what it uses, what is under way. */
static void
do_status(const struct client *c, struct serve_rep *rep)
{
	struct dirent *e;
	struct stat st;
	unsigned seen = 0, i;
	uint64_t used = 0;
	DIR *d;
	int dfd, fd;

	rep->status = NFSWAP_OK;
	rep->quota = c->quota;
	if ((dfd = client_enter(c->uid, c->gid, c->name)) < 0) {
		rep->status = errno_stat(-dfd);
		return;
	}
	if ((fd = dup(dfd)) < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		client_leave(dfd);
		rep->status = NFSWAP_IO;
		return;
	}
	while (rep->nfiles < SERVE_FILES_MAX && seen++ < STATUS_SCAN_MAX &&
	    (e = readdir(d)) != NULL) {
		struct serve_file *f = &rep->files[rep->nfiles];

		if (e->d_name[0] == '.' || strlen(e->d_name) > NAME_MAXLEN ||
		    fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		snprintf(f->name, sizeof(f->name), "%s", e->d_name);
		f->size = (uint64_t)st.st_size;
		f->allocated = (uint64_t)st.st_blocks * 512;
		rep->nfiles++;
	}
	closedir(d);
	client_leave(dfd);
	(void)usage_get(c, 0, &used);	/* the last known will do */
	pthread_mutex_lock(&M.lock);
	rep->used = used + reserved(c);
	for (i = 0; i < JOBS_MAX; i++)
		if (M.jobs[i].used && !M.jobs[i].done &&
		    strcmp(M.jobs[i].client, c->name) == 0)
			rep->in_progress++;
	pthread_mutex_unlock(&M.lock);
}

static void
do_lookup(const struct client *c, struct serve_rep *rep)
{
	const struct head *h = c->head[0] != '\0' ?
	    conf_head(M.conf, c->head) : NULL;

	rep->status = NFSWAP_OK;
	snprintf(rep->client, sizeof(rep->client), "%s", c->name);
	store_path(M.conf, c->name, rep->export_path,
	    sizeof(rep->export_path));
	rep->quota = c->quota;
	rep->anon_uid = c->uid;
	if (h != NULL) {
		snprintf(rep->server, sizeof(rep->server), "%s", h->address);
		rep->nfs_port = h->nfs_port;
		rep->mount_port = h->mount_port;
	}
	rep->allocate = M.conf->backend == BACKEND_LOCAL;
}

/* Strings from the other side end where they must. */
static int
req_ok(const struct serve_req *q)
{
	return memchr(q->addr, '\0', sizeof(q->addr)) != NULL &&
	    memchr(q->dns, '\0', sizeof(q->dns)) != NULL &&
	    memchr(q->name, '\0', sizeof(q->name)) != NULL &&
	    q->op >= SERVE_LOOKUP && q->op <= SERVE_STATUS;
}

static void
handle(const struct serve_req *q, struct serve_rep *rep)
{
	struct registry reg;
	struct client c;
	struct diag d;
	struct host h;
	const char *why;
	int r;

	rep->seq = q->seq;
	if (!req_ok(q) || valid_host(q->addr, &h, &why) < 0) {
		rep->status = NFSWAP_INVAL;
		return;
	}
	if (registry_open(&reg, M.conf, 0, &d) < 0) {
		log_warnx("registry: %s", d.msg);
		rep->status = NFSWAP_IO;
		return;
	}
	r = registry_find_caller(&reg, &h, q->dns, &M.names, &c, &d);
	registry_close(&reg);
	rep->dns_clients = (uint32_t)M.names.any;
	if (r < 0) {
		rep->status = r == -ENOENT ? NFSWAP_UNKNOWN : NFSWAP_IO;
		return;
	}
	/* Files on CephFS are not this server's to write (the heads reach it
	 * through libcephfs; this service does not). */
	if (M.conf->backend != BACKEND_LOCAL && q->op != SERVE_LOOKUP) {
		rep->status = NFSWAP_NOTSUPP;
		return;
	}
	switch (q->op) {
	case SERVE_LOOKUP:
		do_lookup(&c, rep);
		break;
	case SERVE_ALLOCATE:
		rep->status = do_allocate(&c, q->name, q->size);
		break;
	case SERVE_RELEASE:
		rep->status = do_release(&c, q->name);
		break;
	case SERVE_STATUS:
		do_status(&c, rep);
		break;
	}
}

/*
 * The request loop: until *stop, or until the network side goes away.
 * Then the workers see the stop, remove their partial files, and are
 * waited for.  Returns 0, or -errno when the channel broke.
 */
int
monitor_run(const struct nfswap_conf *conf, int net_fd,
    volatile sig_atomic_t *stop)
{
	static struct serve_rep rep;
	struct serve_req q;
	struct pollfd p;
	unsigned i, busy;
	int r = 0;

	M.conf = conf;
	M.stop = stop;
	if (conf->backend == BACKEND_LOCAL && (r = journal_init()) < 0) {
		log_warnx("serve: %s/" SERVE_JOURNAL_DIR ": %s", conf_dir_root(conf),
		    strerror(-r));
		return r;
	}
	if (pthread_create(&M.measurer, NULL, measurer, NULL) == 0)
		M.measurer_up = 1;
	while (!*stop) {
		ssize_t n;

		p.fd = net_fd;
		p.events = POLLIN;
		p.revents = 0;
		n = poll(&p, 1, 1000);
		reap();
		if (n < 0 && errno != EINTR) {
			r = -errno;
			break;
		}
		if (n <= 0)
			continue;
		n = recv(net_fd, &q, sizeof(q), MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0) {		/* the network side is gone */
			r = n < 0 ? -errno : -EPIPE;
			break;
		}
		memset(&rep, 0, sizeof(rep));
		if ((size_t)n != sizeof(q)) {
			rep.status = NFSWAP_INVAL;
			q.seq = 0;
		} else
			handle(&q, &rep);
		rep.seq = q.seq;
		if (send(net_fd, &rep, sizeof(rep), MSG_NOSIGNAL) < 0 &&
		    errno != EAGAIN) {
			r = -errno;
			break;
		}
	}
	/* Workers see the stop and remove their partial files. */
	M.quit = 1;
	pthread_mutex_lock(&M.lock);
	pthread_cond_broadcast(&M.writers);
	pthread_mutex_unlock(&M.lock);
	for (;;) {
		reap();
		pthread_mutex_lock(&M.lock);
		for (i = busy = 0; i < JOBS_MAX; i++)
			busy += M.jobs[i].used && !M.jobs[i].joined ? 1U : 0U;
		pthread_cond_broadcast(&M.writers);
		pthread_mutex_unlock(&M.lock);
		if (!busy)
			break;
		usleep(50 * 1000);
	}
	if (M.measurer_up) {
		pthread_mutex_lock(&M.ulock);
		pthread_cond_broadcast(&M.measure);
		pthread_mutex_unlock(&M.ulock);
		pthread_join(M.measurer, NULL);
	}
	return r;
}
