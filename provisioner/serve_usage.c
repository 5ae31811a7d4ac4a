/*
 * serve_usage.c -- what a client's directory holds, for the monitor's
 * quota checks (ALLOCATE, STATUS).
 *
 * From the project quota where there is one: O(1), nothing the client
 * can make slow.  Elsewhere the directory is walked, as the client and
 * within the store's bounds, and the figures are kept USAGE_FRESH_MS: in
 * the request loop while the directory is small (what nfswapd makes), by
 * the measurer thread once it is not, so that no client's tree can hold
 * up another's LOOKUP.  The monitor's own changes mark a client's
 * figures out of date (usage_dirty).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "registry.h"
#include "serve.h"

#define USAGE_SLOTS	256		/* clients whose usage is remembered */
#define USAGE_FRESH_MS	2000		/* ... and trusted for this long */
#define USAGE_INLINE	4096		/* inodes a walk may see in the loop */

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

static struct {
	const struct nfswap_conf *conf;
	volatile sig_atomic_t *stop;
	volatile sig_atomic_t quit;	/* the request loop has ended */
	pthread_mutex_t	lock;		/* slots[] and the measurer */
	pthread_cond_t	measure;
	struct usage	slots[USAGE_SLOTS];
	unsigned	next;
	pthread_t	measurer;
	int		measurer_up;
} U = { .lock = PTHREAD_MUTEX_INITIALIZER,
	.measure = PTHREAD_COND_INITIALIZER };

static int
stopping(void)
{
	return *U.stop || U.quit;
}


/* A walk of the client's directory, as the client, looking at no more
 * than max entries. */
static int
walk(uint32_t uid, uint32_t gid, const char *name, unsigned long max,
    struct dir_usage *u)
{
	int dfd, r;

	if ((dfd = store_enter(U.conf, name, uid, gid)) < 0)
		return dfd;
	r = store_usage_fd(dfd, (uint32_t)-1, max, u);
	store_leave(dfd);
	return r;
}

/* The project quota's figures for the client's directory: O(1). */
static int
quota_usage(const struct client *c, struct dir_usage *u)
{
	int dfd, r;

	if ((dfd = store_enter(U.conf, c->name, c->uid, c->gid)) < 0)
		return dfd;
	r = store_quota_fd(dfd, c->uid, u);
	store_leave(dfd);
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
	pthread_mutex_lock(&U.lock);
	while (!stopping()) {
		for (i = 0, e = NULL; i < USAGE_SLOTS && e == NULL; i++)
			if (U.slots[i].queued)
				e = &U.slots[i];
		if (e == NULL) {
			pthread_cond_wait(&U.measure, &U.lock);
			continue;
		}
		memcpy(name, e->client, sizeof(name));
		uid = e->uid;
		gid = e->gid;
		pthread_mutex_unlock(&U.lock);
		t0 = mono_ms();
		memset(&u, 0, sizeof(u));
		ok = walk(uid, gid, name, WALK_MAX_ENTRIES, &u) == 0;
		pthread_mutex_lock(&U.lock);
		if (strcmp(e->client, name) == 0) {	/* still that client's */
			e->queued = 0;
			if (ok)
				usage_store(e, &u, t0);
		}
	}
	pthread_mutex_unlock(&U.lock);
	return NULL;
}

static struct usage *
usage_slot(const struct client *c)
{
	struct usage *e;
	unsigned i;

	for (i = 0; i < USAGE_SLOTS; i++)
		if (strcmp(U.slots[i].client, c->name) == 0)
			return &U.slots[i];
	e = &U.slots[U.next++ % USAGE_SLOTS];
	if (e->queued)		/* being walked: take the next one */
		e = &U.slots[U.next++ % USAGE_SLOTS];
	memset(e, 0, sizeof(*e));
	snprintf(e->client, sizeof(e->client), "%s", c->name);
	return e;
}

/* Something of the client's changed by us: its last walk is out of date. */
void
usage_dirty(const char *client)
{
	unsigned i;

	pthread_mutex_lock(&U.lock);
	for (i = 0; i < USAGE_SLOTS; i++)
		if (strcmp(U.slots[i].client, client) == 0)
			U.slots[i].dirty_ms = mono_ms();
	pthread_mutex_unlock(&U.lock);
}

/* Hand e to the measurer (U.lock held; released): the last known figures,
 * or -EAGAIN where they will not do (fresh, or none yet). */
static int
to_measurer(struct usage *e, int fresh, uint64_t *bytes)
{
	int r;

	e->queued = 1;
	pthread_cond_signal(&U.measure);
	*bytes = e->bytes;
	r = fresh || e->at_ms == 0 ? -EAGAIN : e->incomplete ? -EFBIG : 0;
	pthread_mutex_unlock(&U.lock);
	return r;
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
int
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
	pthread_mutex_lock(&U.lock);
	e = usage_slot(c);
	e->uid = c->uid;
	e->gid = c->gid;
	if (e->at_ms != 0 && e->at_ms > e->dirty_ms &&
	    now - e->at_ms < USAGE_FRESH_MS) {
		*bytes = e->bytes;
		r = e->incomplete ? -EFBIG : 0;
		pthread_mutex_unlock(&U.lock);
		return r;
	}
	if (e->queued || (e->at_ms != 0 && e->inodes > USAGE_INLINE))
		return to_measurer(e, fresh, bytes);	/* too big for here */
	pthread_mutex_unlock(&U.lock);
	/* here, no further than USAGE_INLINE entries: a tree that has
	 * grown since it was last measured is the measurer's */
	memset(&u, 0, sizeof(u));
	if ((r = walk(c->uid, c->gid, c->name, USAGE_INLINE, &u)) < 0)
		return r;
	pthread_mutex_lock(&U.lock);
	if (strcmp(e->client, c->name) != 0) {
		pthread_mutex_unlock(&U.lock);	/* its slot was taken */
		*bytes = u.bytes;
		return u.incomplete ? -EFBIG : 0;
	}
	if (u.incomplete && u.inodes >= USAGE_INLINE)
		return to_measurer(e, fresh, bytes);
	usage_store(e, &u, now);
	pthread_mutex_unlock(&U.lock);
	*bytes = u.bytes;
	return u.incomplete ? -EFBIG : 0;
}

/* The measurer's thread: from now until usage_stop. */
void
usage_start(const struct nfswap_conf *conf, volatile sig_atomic_t *stop)
{
	U.conf = conf;
	U.stop = stop;
	if (pthread_create(&U.measurer, NULL, measurer, NULL) == 0)
		U.measurer_up = 1;
}

void
usage_stop(void)
{
	if (!U.measurer_up)
		return;
	pthread_mutex_lock(&U.lock);
	U.quit = 1;
	pthread_cond_broadcast(&U.measure);
	pthread_mutex_unlock(&U.lock);
	pthread_join(U.measurer, NULL);
	U.measurer_up = 0;
}
