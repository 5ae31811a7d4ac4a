/*
 * policy_size.c -- the policy's two choices of size: whether memory is
 * short enough to add a file, and how big that file is (ready before free
 * memory runs out, big enough to be worth a round of NFS writes, within
 * the cap and the quota); and which file, if any, may go (one whose pages
 * fit in what remains and that would not have to be rebuilt soon).  The
 * state machine (policy.c) asks; the states are its business, not this
 * file's.
 *
 * Pure: no clock (the time is the caller's), no /proc, no logging, no
 * globals.
 */
#include "policy_int.h"

/* The quota we must stay within: configured, or learned; 0 = none. */
static uint64_t
quota_limit(const struct policy *p)
{
	uint64_t q = p->cfg.quota;

	if (p->quota_seen != 0 && (q == 0 || p->quota_seen < q))
		q = p->quota_seen;
	return q;
}

/*
 * The standby reserve: reserve_pct of RAM kept active at all times, so
 * that the first seconds of any climb -- RAM can fill in under a second --
 * land on swap that is already there while the next file is made.  Whole
 * MiB, within max_swapsize; the quota is fit_limits()'s business.
 */
uint64_t
policy_reserve(const struct policy *p, uint64_t mem_total)
{
	double r = (double)mem_total * p->cfg.reserve_pct / 100.0;
	uint64_t b;

	if (r > (double)p->cfg.max_swapsize * POLICY_FILES_MAX)
		r = (double)p->cfg.max_swapsize * POLICY_FILES_MAX;
	b = (uint64_t)r;
	return b - b % POLICY_MIB;
}

/* All our files together at most max_total % of RAM, in bytes; 0 = any. */
static uint64_t
total_cap(const struct policy *p, uint64_t mem_total)
{
	double t = (double)mem_total * p->cfg.max_total_pct / 100.0;

	return p->cfg.max_total_pct == 0 ? 0 :
	    t > (double)UINT64_MAX / 2 ? UINT64_MAX / 2 : (uint64_t)t;
}

/*
 * The size of the next file.  It should bring free back to freetarget once
 * it is ready, counting what the present rise will use while it is written;
 * it should be big enough to be worth a round of NFS writes (a quarter of
 * RAM); and, above all, it must be ready before free memory runs out at the
 * present rate -- so under a steep rise it is smaller, and the next one,
 * made from more free memory, is bigger.  *lead is the time a file of the
 * plain size (before the rise is counted) takes to be ready: the trigger.
 *
 * While memory climbs, a file is written while the kernel swaps out over
 * the link the file is written on, three to seven times slower than at
 * rest (docs/policy.md): so the bound is reckoned at the speed files were
 * made in earlier climbs that were steep -- before the first, CLIMB_GUESS
 * of the speed at rest.  A climb too steep for the plain file at that
 * speed (*steep set) gets a file that can be written in CLIMB_STEP_S, and
 * the next one is sized by what this one took: one big file sized by the
 * speed at rest was active only after 4-14 s, after the reserve had run
 * out in some boots; files of ~32 MiB were each active within 0.5-2 s, a
 * step of swap every second or so.  Before any file has been made the
 * speed is a guess (alloc_rate), and the bound is the plain one.
 */
#define CLIMB_STEP_S	1.0	/* s: one file of a steep climb is written in */
#define CLIMB_GUESS	0.25	/* its speed, of the speed at rest, until seen */

static double
grow_size(const struct policy *p, const struct policy_view *v, double memtotal,
    int last_slot, double *lead, int *steep)
{
	double ft = p->cfg.freetarget / 100.0;
	double want = ft * v->total, short_of, base, g, left, load, least;
	double reserve = (double)policy_reserve(p, (uint64_t)memtotal);

	/* land at freetarget, and well clear of min_free */
	if (want < 1.5 * (double)p->cfg.min_free)
		want = 1.5 * (double)p->cfg.min_free;
	short_of = want - v->free;

	if (short_of < 0)
		short_of = 0;
	base = short_of / (1.0 - ft);
	if (base < memtotal * p->cfg.min_grow_pct / 100.0)
		base = memtotal * p->cfg.min_grow_pct / 100.0;
	*lead = base / v->rate + v->poll;
	g = base + v->rise * *lead / (1.0 - ft);
	/* At least what we hold already beyond the reserve, so that a
	 * growing load needs a number of files that grows like a logarithm,
	 * not linearly.  (The reserve is not doubled: it is there for any
	 * climb, and a climb that needs more than it is measured by its own
	 * rise.) */
	if (g < v->ours - reserve)
		g = v->ours - reserve;
	*steep = 0;
	if (v->rise > 0) {
		left = 0.75 * v->free / v->rise - v->poll;	/* s to write in */
		/* Once a file has shown how fast files are made: at the speed
		 * they are made while the kernel swaps out. */
		load = !p->grown ? v->rate : p->climb_rate > 0 ?
		    p->climb_rate : CLIMB_GUESS * v->rate;
		if (g > load * left) {
			*steep = p->grown;
			g = p->grown ? load * CLIMB_STEP_S : load * left;
		}
	}
	/* ...but never below the smallest grow worth a round of NFS writes:
	 * when no file can be ready in time, files a few MiB each, one per
	 * step, fall ever further behind the climb (a 20 MiB/s climb met by
	 * 4 MiB files, one a second, in the sweep of docs/policy.md).  In a
	 * steep climb the file is what one step can write, and the steps
	 * follow each other as fast as files are made. */
	least = memtotal * p->cfg.min_grow_pct / (*steep ? 200.0 : 100.0);
	if (g < least)
		g = least;
	/* The last file the cap allows cannot be followed by another: it has
	 * to cover the rest of the climb, ready in time or not. */
	if (last_slot && g < 2 * v->ours + memtotal / 2)
		g = 2 * v->ours + memtotal / 2;
	return g;
}

/* What a cap of total bytes (0: none) leaves beside what we hold. */
static uint64_t
room(uint64_t cap, uint64_t ours)
{
	return cap == 0 ? UINT64_MAX : cap > ours ? cap - ours : 0;
}

/*
 * Why growth is held back whatever memory says (a lost page, recent swap
 * write errors, the file cap), or NULL.
 */
static const char *
held_back(const struct policy *p, const struct policy_sample *smp,
    uint64_t now)
{
	const struct policy_config *c = &p->cfg;

	if (p->io_failed)
		return "short of memory, but NFS swap had I/O errors: not growing";
	if (p->write_failed && now - p->write_failed_ms < c->error_hold_ms)
		return "short of memory, but swap writes failed within error_hold: not growing";
	if (smp->nfiles >= c->max_files)
		return "short of memory, but at the file cap";
	return NULL;
}

/*
 * g, within the limits, made a size a file can have: whole MiB when it is
 * that big -- up if the limits allow -- else whole pages; min_swapsize is
 * a whole number of pages.  0 (below min_swapsize) when the quota or
 * max_total is used up.
 */
static uint64_t
fit_limits(const struct policy *p, double g, uint64_t mem_total)
{
	const struct policy_config *c = &p->cfg;
	uint64_t q, size, up, lim = c->max_swapsize;

	if ((q = room(quota_limit(p), p->ours)) < lim)
		lim = q;
	if ((q = room(total_cap(p, mem_total), p->ours)) < lim)
		lim = q;
	/* g is at most max_swapsize (<= 1 PiB): the conversion is exact. */
	size = g >= (double)lim ? lim : (uint64_t)g;
	up = size + (POLICY_MIB - size % POLICY_MIB) % POLICY_MIB;
	if (size >= POLICY_MIB && up <= lim)
		size = up;
	else if (size >= POLICY_MIB && size - size % POLICY_MIB >= c->min_swapsize)
		size -= size % POLICY_MIB;
	else
		size -= size % 4096;
	return size;
}

/*
 * Memory is not short: grow only if the standby reserve is not all there
 * (at start, or after a file was given back) and may be made.  Returns as
 * policy_grow() does; 0 when there is nothing to do.
 */
static int
grow_reserve(const struct policy *p, const struct policy_sample *smp,
    uint64_t now, uint64_t *bytes, const char **why)
{
	const struct policy_config *c = &p->cfg;
	uint64_t want = policy_reserve(p, smp->mem_total), size;

	if (p->ours >= want || want - p->ours < c->min_swapsize ||
	    held_back(p, smp, now) != NULL)
		return 0;
	if ((size = fit_limits(p, (double)(want - p->ours), smp->mem_total)) <
	    c->min_swapsize)
		return 0;
	*bytes = size;
	*why = "making the standby reserve";
	return 1;
}

/*
 * Grow if free, projected to when a new file would be ready, is below the
 * lower limit.  Returns 0 when there is no need; else 1, with *bytes the
 * size to grow by (0: needed, but held back) and *why a static phrase
 * saying which.
 */
int
policy_grow(const struct policy *p, const struct policy_sample *smp,
    uint64_t now, const struct policy_view *v, uint64_t *bytes,
    const char **why, int *steep)
{
	const struct policy_config *c = &p->cfg;
	double lead, low, g = grow_size(p, v, (double)smp->mem_total,
	    smp->nfiles + 1 == c->max_files, &lead, steep);
	uint64_t size;

	if (g < (double)c->min_swapsize)
		g = (double)c->min_swapsize;
	if (g > (double)c->max_swapsize)
		g = (double)c->max_swapsize;
	low = policy_low(p, v);
	if (v->free - v->rise * lead >= low) {
		*steep = 0;
		return grow_reserve(p, smp, now, bytes, why);
	}

	*bytes = 0;
	if ((*why = held_back(p, smp, now)) != NULL)
		return 1;
	if ((size = fit_limits(p, g, smp->mem_total)) < c->min_swapsize) {
		*why = room(total_cap(p, smp->mem_total), p->ours) <
		    c->min_swapsize ? "short of memory, but at max_total" :
		    "short of memory, but the quota is used up";
		return 1;
	}
	*bytes = size;
	*why = *steep ? "a steep climb: a file that can be ready in a second" :
	    v->rise > 0 ?
	    "free memory will fall below the lower limit before a file is ready" :
	    "free memory is below the lower limit";
	return 1;
}

/*
 * Whether dropping a file of `size` bytes leaves free at or above the
 * target, with room for what the highest recent rate of growth would use
 * while the file was rebuilt.  This also guarantees the pages fit.
 */
static int
droppable(const struct policy *p, const struct policy_view *v, uint64_t size,
    uint64_t reserve)
{
	double s = (double)size;
	double ft = p->cfg.freetarget / 100.0;
	double rebuild = s / v->rate + v->poll;

	if (s > v->free)
		return 0;
	/* The reserve stays.  A file that would take part of it with it may
	 * go only if what it gives back net of the refill (ours - reserve)
	 * is worth the writes: a quarter of the reserve, and a whole file. */
	if (p->ours - size < reserve && (p->ours < reserve ||
	    p->ours - reserve < reserve / 4 ||
	    p->ours - reserve < p->cfg.min_swapsize))
		return 0;
	/* The recent peak must still fit above the lower limit. */
	if (v->peak > (1.0 - p->cfg.lower_freelimit / 100.0) * (v->total - s))
		return 0;
	return v->free - s - v->burst * rebuild >= ft * (v->total - s);
}

/*
 * The file that may go, as an index into smp->files, or -1: the largest
 * droppable file; among equals the least used, then the last.  None while
 * a failed swapoff holds dropping for a cooldown.
 */
int
policy_pick_drop(const struct policy *p, const struct policy_view *v,
    const struct policy_sample *smp, uint64_t now)
{
	uint64_t reserve = policy_reserve(p, smp->mem_total);
	int best = -1;
	unsigned i;

	if (p->hold && !policy_expired(now, p->hold_ms, p->cfg.cooldown_ms))
		return -1;
	for (i = 0; i < smp->nfiles && i < POLICY_FILES_MAX; i++) {
		const struct policy_file *f = &smp->files[i];

		if (!droppable(p, v, f->size, reserve))
			continue;
		if (best < 0 || f->size > smp->files[best].size ||
		    (f->size == smp->files[best].size &&
		    f->used <= smp->files[best].used))
			best = (int)i;
	}
	return best;
}
