/*
 * serve_jobs.c -- ALLOCATE in nfswap serve's monitor: the jobs under way.
 *
 * Allocations run in worker threads (a slow disk never holds up another
 * client's LOOKUP), at most WRITERS_MAX writing at once, JOBS_PER_CLIENT
 * per client, and within a byte budget per client (ALLOCATE and RELEASE
 * in a loop cannot keep the disk busy for ever).  A file appears under its
 * name only when it is whole: written as .NAME.allocating, fsynced,
 * renamed with RENAME_NOREPLACE (serve_write.c).  Each allocation under
 * way is noted in a journal (export_root/.nfswap-serve/job.N) so that what
 * a crash leaves half-written is removed at the next start, not held
 * against the quota until the client's agent restarts.  Everything done in
 * a client's directory is done as that client, in the directory the store
 * opened as the client (store_enter), through openat with O_NOFOLLOW and
 * O_EXCL.
 */
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "registry.h"
#include "serve.h"

#define JOBS_MAX	64		/* allocations under way, in all */
#define JOBS_PER_CLIENT	2
#define WRITERS_MAX	4		/* ... of which writing at once */
#define SIZE_MIN	(64 * 1024)
#define BUDGETS		1024		/* clients whose budget is kept */
#define BUDGET_REFILL_S	600		/* a quota's worth per 10 minutes */
#define BUDGET_BURST	2		/* ... up to twice the quota at once */
#define FAILED_KEEP_MS	60000		/* a failure is told for this long */

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
	char		journal[PATH_MAXLEN + 32];
	volatile sig_atomic_t quit;	/* the request loop has ended */
} M = { .lock = PTHREAD_MUTEX_INITIALIZER, .writers = PTHREAD_COND_INITIALIZER };

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
		    valid_name(client, NULL) < 0 ||
		    valid_name(name, NULL) < 0 ||
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

/* Become the client and open its directory (store_enter); client_leave()
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

static void *
worker(void *arg)
{
	struct job *j = arg;
	char partial[NAME_MAXLEN + 16];
	uint64_t t0;
	int dfd = -1, r;

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
		r = write_as_client(dfd, j->uid, partial, j->name, j->size,
		    stopping);
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


/*
 * What the job table says to an ALLOCATE of name (M.lock held): a failure
 * not yet told (told now, once), or that file under way (INPROGRESS, or
 * EXIST at another size) -- 1 with *s set; else 0, with a free slot in
 * *slot (JOBS_MAX: none) and the client's jobs under way in *mine.
 */
static int
job_scan(const struct client *c, const char *name, uint64_t size,
    unsigned *slot, unsigned *mine, nfswap_stat *s)
{
	unsigned i;

	for (i = 0; i < JOBS_MAX; i++) {
		if (!M.jobs[i].used) {
			if (*slot == JOBS_MAX)
				*slot = i;
			continue;
		}
		if (strcmp(M.jobs[i].client, c->name) != 0)
			continue;
		if (M.jobs[i].done) {
			/* a failure not yet told: told now, once */
			if (M.jobs[i].joined && M.jobs[i].failed &&
			    strcmp(M.jobs[i].name, name) == 0) {
				*s = msg_stat(-M.jobs[i].failed);
				M.jobs[i].used = 0;
				return 1;
			}
			continue;
		}
		(*mine)++;
		if (strcmp(M.jobs[i].name, name) == 0) {
			*s = M.jobs[i].size == size ? NFSWAP_INPROGRESS :
			    NFSWAP_EXIST;
			return 1;
		}
	}
	return 0;
}

/* Done already (an ALLOCATE asked again): fine if it is the same file.
 * 1 with *s set when the name is taken, or the directory cannot be
 * entered; 0 when it is free. */
static int
job_done(const struct client *c, const char *name, uint64_t size,
    nfswap_stat *s)
{
	struct stat st;
	int dfd, r;

	if ((dfd = client_enter(c->uid, c->gid, c->name)) < 0) {
		*s = msg_stat(-dfd);
		return 1;
	}
	r = fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : -errno;
	client_leave(dfd);
	if (r < 0)
		return 0;
	*s = S_ISREG(st.st_mode) && (uint64_t)st.st_size == size &&
	    st.st_uid == c->uid ? NFSWAP_OK : NFSWAP_EXIST;
	return 1;
}

/* Whether size more bytes fit c's quota (with what is under way) and its
 * budget now: OK, or the answer that refuses.  M.lock held. */
static nfswap_stat
job_fits(const struct client *c, uint64_t size)
{
	uint64_t used;
	int r;

	if ((r = usage_get(c, 1, &used)) < 0) {
		/* being measured: asked again, it will be known; measured
		 * to a bound: no one can tell what fits */
		if (r == -EFBIG)
			log_warnx("%s: ALLOCATE refused: its directory holds "
			    "more than can be measured (see nfswap audit)",
			    c->name);
		return r == -EAGAIN ? NFSWAP_BUSY : r == -EFBIG ? NFSWAP_QUOTA :
		    NFSWAP_IO;
	}
	used += reserved(c);
	if (used > c->quota || size > c->quota - used)
		return NFSWAP_QUOTA;
	if (!budget_take(c, size))
		return NFSWAP_BUSY;
	return NFSWAP_OK;
}

/* A worker for c's file name of size, in slot.  M.lock held. */
static nfswap_stat
job_start(const struct client *c, unsigned slot, const char *name,
    uint64_t size)
{
	struct job *j = &M.jobs[slot];

	memset(j, 0, sizeof(*j));
	j->used = 1;
	j->slot = slot;
	snprintf(j->client, sizeof(j->client), "%s", c->name);
	snprintf(j->name, sizeof(j->name), "%s", name);
	j->size = size;
	j->uid = c->uid;
	j->gid = c->gid;
	/* From now its partial file is there, counted by reserved() as far
	 * as it got: a walk from before it must not be taken for what the
	 * directory holds, or that part would be counted by neither. */
	usage_dirty(c->name);
	if (pthread_create(&j->thread, NULL, worker, j) != 0) {
		j->used = 0;
		return NFSWAP_IO;
	}
	return NFSWAP_INPROGRESS;
}

/* ---- the monitor's questions ------------------------------------------- */

/* ALLOCATE name of size for client c: the answer, at once (the file is
 * written by a worker; asked again, the client hears how it went). */
nfswap_stat
jobs_allocate(const struct client *c, const char *name, uint64_t size)
{
	unsigned mine = 0, slot = JOBS_MAX;
	nfswap_stat s;

	if (!msg_name_ok(name) || size < SIZE_MIN || size % 4096 != 0)
		return NFSWAP_INVAL;
	if (size > c->quota)
		return NFSWAP_QUOTA;
	pthread_mutex_lock(&M.lock);
	if (job_scan(c, name, size, &slot, &mine, &s) ||
	    job_done(c, name, size, &s))
		;	/* answered */
	else if (mine >= JOBS_PER_CLIENT || slot == JOBS_MAX)
		s = NFSWAP_BUSY;
	else if ((s = job_fits(c, size)) == NFSWAP_OK)
		s = job_start(c, slot, name, size);
	pthread_mutex_unlock(&M.lock);
	return s;
}

/* Whether c's file name is being allocated now. */
int
jobs_busy(const struct client *c, const char *name)
{
	unsigned i;
	int busy = 0;

	pthread_mutex_lock(&M.lock);
	for (i = 0; i < JOBS_MAX && !busy; i++)
		busy = M.jobs[i].used && !M.jobs[i].done &&
		    strcmp(M.jobs[i].client, c->name) == 0 &&
		    strcmp(M.jobs[i].name, name) == 0;
	pthread_mutex_unlock(&M.lock);
	return busy;
}

/* c's allocations under way: how many, and the bytes they still have to
 * write (returned). */
uint64_t
jobs_pending(const struct client *c, uint32_t *in_progress)
{
	uint64_t left;
	unsigned i;

	pthread_mutex_lock(&M.lock);
	left = reserved(c);
	for (i = 0; i < JOBS_MAX; i++)
		if (M.jobs[i].used && !M.jobs[i].done &&
		    strcmp(M.jobs[i].client, c->name) == 0)
			(*in_progress)++;
	pthread_mutex_unlock(&M.lock);
	return left;
}

/* Before the first request: on this server's disk, the journal is made
 * ready and what an earlier run left half-written removed. */
int
jobs_start(const struct nfswap_conf *conf, volatile sig_atomic_t *stop)
{
	M.conf = conf;
	M.stop = stop;
	return conf->backend == BACKEND_LOCAL ? journal_init() : 0;
}

/* Join finished workers (each pass of the request loop). */
void
jobs_reap(void)
{
	reap();
}

/* After the last request: workers see the stop, remove their partial
 * files, and are waited for. */
void
jobs_stop(void)
{
	unsigned i, busy;

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
}
