/*
 * policy.c -- the steady/hungry/overfed/diet state machine.
 *
 * swapspace's states, and its numbers as defaults: "free" is MemAvailable +
 * SwapFree as a share of MemTotal + SwapTotal; below lower_freelimit it
 * grows, above upper_freelimit it has a surplus, new files are sized to
 * bring free back to freetarget, and nothing is dropped until a cooldown has
 * passed.  What differs, because growing over NFS is slow:
 *
 *   - It acts ahead of need.  It measures how fast memory in use is rising
 *     and how fast it can create files, and grows when free memory *at the
 *     time a new file would be ready* falls below the lower limit.  A file is
 *     sized for what will be used while it is being written.
 *   - It drops what it no longer needs without holding idle swap for hours:
 *     once a surplus has lasted the cooldown (and the last growth is a
 *     cooldown old), it drains files one per drain_interval down to the
 *     target, not one per cooldown.  It never drops a file whose pages would
 *     not fit in what remains, nor one it would have to rebuild within the
 *     time a rebuild takes at the highest recent rate of growth.
 *   - It knows its limits: a file-count cap, the client's quota (configured,
 *     or learned from an EDQUOT), and failures drive diet -- each failure
 *     kind as data in the next sample, never a callback.
 *
 * This file must stay pure: no clock, no /proc, no logging, no globals
 * other than constant tables.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common.h"
#include "policy.h"

#define FAST_WIN_MS	10000	/* the rate of rise: a line fitted over 10 s */
#define SLOW_WIN_MS	60000	/* ...and over 60 s; the policy takes the higher */
#define WIN_SAMPLES	6	/* ...or over this many polls, if that is longer */
#define BURST_TAU_S	1800.0	/* how long a burst is remembered */
#define MAX_SIZE	(1ULL << 50)	/* 1 PiB: sizes stay exact in a double */

static const char *const state_names[POLICY_NSTATES] = {
	[POLICY_STEADY] = "steady",
	[POLICY_HUNGRY] = "hungry",
	[POLICY_OVERFED] = "overfed",
	[POLICY_DIET] = "diet",
};

static const char *const outcome_names[POLICY_NOUTCOMES] = {
	[POLICY_OK] = "ok",
	[POLICY_ENOSPC] = "ENOSPC",
	[POLICY_EDQUOT] = "EDQUOT",
	[POLICY_EIO] = "EIO",
	[POLICY_SWAP_WRITE] = "swap write errors",
	[POLICY_SWAPON_REFUSED] = "swapon refused",
	[POLICY_SWAPOFF_REFUSED] = "swapoff refused",
	[POLICY_FAILED] = "failed",
};

/*
 * Every transition policy_step() can make.  docs/fsm.dot is rendered from
 * this table (policy_dot), and the unit tests check that the transitions
 * they observe are exactly these.
 */
const struct policy_edge policy_edges[] = {
	{ POLICY_STEADY,  POLICY_HUNGRY,  "grow ok" },
	{ POLICY_STEADY,  POLICY_OVERFED, "free > upper_freelimit, a file may go" },
	{ POLICY_STEADY,  POLICY_DIET,    "failure" },
	{ POLICY_HUNGRY,  POLICY_HUNGRY,  "grow ok (timer reset)" },
	{ POLICY_HUNGRY,  POLICY_STEADY,  "cooldown over" },
	{ POLICY_HUNGRY,  POLICY_OVERFED, "cooldown over, surplus" },
	{ POLICY_HUNGRY,  POLICY_DIET,    "failure" },
	{ POLICY_OVERFED, POLICY_STEADY,  "nothing left to drop" },
	{ POLICY_OVERFED, POLICY_HUNGRY,  "grow ok / swapoff refused" },
	{ POLICY_OVERFED, POLICY_DIET,    "failure" },
	{ POLICY_DIET,    POLICY_STEADY,  "cooldown over" },
	{ POLICY_DIET,    POLICY_OVERFED, "cooldown over, surplus" },
	{ POLICY_DIET,    POLICY_DIET,    "failure (timer reset)" },
};
const size_t policy_nedges = sizeof(policy_edges) / sizeof(policy_edges[0]);

const char *
policy_state_name(enum policy_state s)
{
	return (unsigned)s < POLICY_NSTATES ? state_names[s] : "?";
}

const char *
policy_outcome_name(enum policy_outcome o)
{
	return (unsigned)o < POLICY_NOUTCOMES ? outcome_names[o] : "?";
}

int
policy_dot(char *buf, size_t len)
{
	size_t off = 0, i;
	int n;

#define EMIT(...) do {							\
		n = snprintf(buf && off < len ? buf + off : NULL,	\
		    off < len ? len - off : 0, __VA_ARGS__);		\
		if (n < 0)						\
			return -EINVAL;					\
		off += (size_t)n;					\
	} while (0)

	EMIT("/* generated from policy_edges[] in agent/policy.c;"
	    " do not edit */\n");
	EMIT("digraph nfswapd_policy {\n\trankdir=LR;\n");
	for (i = 0; i < POLICY_NSTATES; i++)
		EMIT("\t%s;\n", state_names[i]);
	for (i = 0; i < policy_nedges; i++)
		EMIT("\t%s -> %s [label=\"%s\"];\n",
		    state_names[policy_edges[i].from],
		    state_names[policy_edges[i].to], policy_edges[i].when);
	EMIT("}\n");
#undef EMIT
	return off > (size_t)INT32_MAX ? -EOVERFLOW : (int)off;
}

void
policy_config_defaults(struct policy_config *c)
{
	memset(c, 0, sizeof(*c));
	c->lower_freelimit = 20;
	c->upper_freelimit = 60;
	c->freetarget = 30;
	c->cooldown_ms = 600 * 1000;
	c->min_swapsize = 4 * POLICY_MIB;
	c->max_swapsize = 1024 * POLICY_MIB;
	c->max_files = 16;
	c->quota = 0;
	c->alloc_rate = 4 * POLICY_MIB;
	c->drain_interval_ms = 30 * 1000;
	c->peak_hold_ms = 2 * c->cooldown_ms;
	c->min_grow_pct = 25;
	c->min_free = 128 * POLICY_MIB;
	c->error_hold_ms = 1800 * 1000;
	c->poll_ms = 1000;
}

int
policy_config_check(const struct policy_config *c, const char **why)
{
	if (c->lower_freelimit >= c->freetarget)
		*why = "lower_freelimit must be below freetarget";
	else if (c->freetarget >= c->upper_freelimit)
		*why = "freetarget must be below upper_freelimit";
	else if (c->upper_freelimit > 100)
		*why = "upper_freelimit is a percentage (at most 100)";
	else if (c->min_swapsize < 64 * 1024)
		*why = "min_swapsize must be at least 64K";
	else if (c->min_swapsize % 4096 != 0 || c->max_swapsize % 4096 != 0)
		*why = "min_swapsize and max_swapsize must be multiples of 4K";
	else if (c->max_swapsize < c->min_swapsize)
		*why = "max_swapsize must not be below min_swapsize";
	else if (c->max_files < 1 || c->max_files > POLICY_FILES_MAX)
		*why = "max_files must be between 1 and 32";
	else if (c->quota != 0 && c->quota < c->min_swapsize)
		*why = "quota is smaller than min_swapsize";
	else if (c->alloc_rate < 64 * 1024)
		*why = "alloc_rate must be at least 64K (per second)";
	else if (c->poll_ms < 250 || c->poll_ms > 60 * 1000)
		*why = "poll interval must be between 250ms and 60s";
	else if (c->max_swapsize > MAX_SIZE)
		*why = "max_swapsize must be at most 1P";
	else if (c->min_grow_pct > 400)
		*why = "min_grow_pct must be at most 400";
	else
		return 0;
	return -EINVAL;
}

/*
 * The settings by name, as nfswapd.conf and nfswap-sim --set spell them:
 * percentages, sizes ("4M", "1G"), durations in seconds, counts.
 */
const char *const policy_config_keys[] = {
	"lower_freelimit", "upper_freelimit", "freetarget", "cooldown",
	"min_swapsize", "max_swapsize", "max_files", "quota", "alloc_rate",
	"drain_interval", "peak_hold", "min_grow_pct", "min_free", "error_hold", NULL
};

static int
parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == '\0')
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (max - (uint64_t)(*s - '0')) / 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

int
policy_config_set(struct policy_config *c, const char *key, const char *value,
    const char **why)
{
	uint64_t v;
	int pct = 0, secs = 0, size = 0;

	if (strcmp(key, "lower_freelimit") == 0 ||
	    strcmp(key, "upper_freelimit") == 0 ||
	    strcmp(key, "freetarget") == 0 || strcmp(key, "min_grow_pct") == 0)
		pct = 1;
	else if (strcmp(key, "cooldown") == 0 ||
	    strcmp(key, "drain_interval") == 0 || strcmp(key, "peak_hold") == 0 ||
	    strcmp(key, "error_hold") == 0)
		secs = 1;
	else if (strcmp(key, "min_swapsize") == 0 ||
	    strcmp(key, "max_swapsize") == 0 || strcmp(key, "quota") == 0 ||
	    strcmp(key, "alloc_rate") == 0 || strcmp(key, "min_free") == 0)
		size = 1;
	else if (strcmp(key, "max_files") != 0) {
		*why = "unknown setting";
		return -EINVAL;
	}
	if (size) {
		if (size_parse(value, &v) != 0) {
			*why = "not a size (like 4M or 1G)";
			return -EINVAL;
		}
	} else if (parse_uint(value, pct ? 400 : secs ? 30 * 86400 : 32,
	    &v) != 0) {
		*why = pct ? "not a percentage" : secs ?
		    "not a number of seconds (at most 30 days)" :
		    "not a count from 0 to 32";
		return -EINVAL;
	}
	if (strcmp(key, "lower_freelimit") == 0) c->lower_freelimit = (unsigned)v;
	else if (strcmp(key, "upper_freelimit") == 0) c->upper_freelimit = (unsigned)v;
	else if (strcmp(key, "freetarget") == 0) c->freetarget = (unsigned)v;
	else if (strcmp(key, "min_grow_pct") == 0) c->min_grow_pct = (unsigned)v;
	else if (strcmp(key, "cooldown") == 0) c->cooldown_ms = v * 1000;
	else if (strcmp(key, "drain_interval") == 0) c->drain_interval_ms = v * 1000;
	else if (strcmp(key, "peak_hold") == 0) c->peak_hold_ms = v * 1000;
	else if (strcmp(key, "error_hold") == 0) c->error_hold_ms = v * 1000;
	else if (strcmp(key, "min_swapsize") == 0) c->min_swapsize = v;
	else if (strcmp(key, "max_swapsize") == 0) c->max_swapsize = v;
	else if (strcmp(key, "quota") == 0) c->quota = v;
	else if (strcmp(key, "alloc_rate") == 0) c->alloc_rate = v;
	else if (strcmp(key, "min_free") == 0) c->min_free = v;
	else c->max_files = (unsigned)v;
	return 0;
}

void
policy_init(struct policy *p, const struct policy_config *c)
{
	memset(p, 0, sizeof(*p));
	p->cfg = *c;
	p->state = POLICY_STEADY;
	p->alloc_rate = (double)c->alloc_rate;
	p->diet_cause = POLICY_OK;
}

/* Memory as the policy sees it in one step, in bytes. */
struct view {
	double	total;		/* MemTotal + SwapTotal */
	double	free;		/* MemAvailable + SwapFree */
	double	used;		/* total - free */
	double	ours;		/* bytes of our active files */
	double	rise;		/* bytes/s in use is rising now (>= 0) */
	double	burst;		/* the highest recent rate */
	double	peak;		/* the highest recent use */
	double	rate;		/* bytes/s we create files at */
	double	poll;		/* seconds between steps */
};

static double
pct(double free, double total)
{
	return total > 0 ? 100.0 * free / total : 100.0;
}

static void
to_state(struct policy *p, enum policy_state s, uint64_t now)
{
	p->state = s;
	p->entered_ms = now;
}

static int
expired(uint64_t now, uint64_t since, uint64_t span)
{
	return now >= since && now - since >= span;
}

static uint64_t
sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

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
 * The size of the next file.  It should bring free back to freetarget once
 * it is ready, counting what the present rise will use while it is written;
 * it should be big enough to be worth a round of NFS writes (a quarter of
 * RAM); and, above all, it must be ready before free memory runs out at the
 * present rate -- so under a steep rise it is smaller, and the next one,
 * made from more free memory, is bigger.  *lead is the time a file of the
 * plain size (before the rise is counted) takes to be ready: the trigger.
 */
static double
grow_size(const struct policy *p, const struct view *v, double memtotal,
    int last_slot, double *lead)
{
	double ft = p->cfg.freetarget / 100.0;
	double want = ft * v->total, short_of, base, g, safe;

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
	/* At least what we hold already, so that a growing load needs a number
	 * of files that grows like a logarithm, not linearly. */
	if (g < v->ours)
		g = v->ours;
	if (v->rise > 0) {
		safe = v->rate * (0.75 * v->free / v->rise - v->poll);
		if (g > safe)
			g = safe;
	}
	/* The last file the cap allows cannot be followed by another: it has
	 * to cover the rest of the climb, ready in time or not. */
	if (last_slot && g < 2 * v->ours + memtotal / 2)
		g = 2 * v->ours + memtotal / 2;
	return g;
}

/*
 * Whether dropping a file of `size` bytes leaves free at or above the
 * target, with room for what the highest recent rate of growth would use
 * while the file was rebuilt.  This also guarantees the pages fit.
 */
static int
droppable(const struct policy *p, const struct view *v, uint64_t size)
{
	double s = (double)size;
	double ft = p->cfg.freetarget / 100.0;
	double rebuild = s / v->rate + v->poll;

	if (s > v->free)
		return 0;
	/* The recent peak must still fit above the lower limit. */
	if (v->peak > (1.0 - p->cfg.lower_freelimit / 100.0) * (v->total - s))
		return 0;
	return v->free - s - v->burst * rebuild >= ft * (v->total - s);
}

/* The largest droppable file; among equals the least used, then the last. */
static int
pick_drop(const struct policy *p, const struct view *v,
    const struct policy_sample *smp, uint64_t now)
{
	int best = -1;
	unsigned i;

	if (p->hold && !expired(now, p->hold_ms, p->cfg.cooldown_ms))
		return -1;
	for (i = 0; i < smp->nfiles && i < POLICY_FILES_MAX; i++) {
		const struct policy_file *f = &smp->files[i];

		if (!droppable(p, v, f->size))
			continue;
		if (best < 0 || f->size > smp->files[best].size ||
		    (f->size == smp->files[best].size &&
		    f->used <= smp->files[best].used))
			best = (int)i;
	}
	return best;
}

/*
 * The rate memory in use rises at, in bytes/s: the slope of a line fitted
 * to the samples of the last `win` ms (noise in single samples cancels out).
 * Falling memory counts as 0.
 */
static double
slope(const struct policy *p, uint64_t now, uint64_t win)
{
	double st = 0, su = 0, stt = 0, stu = 0, n = 0, t, d;
	unsigned i;

	for (i = 0; i < p->nhist; i++) {
		if (now - p->hist[i].t_ms > win)
			continue;
		t = (double)(now - p->hist[i].t_ms) / -1000.0;
		st += t;
		su += p->hist[i].used;
		stt += t * t;
		stu += t * p->hist[i].used;
		n++;
	}
	if (n < 5)
		return 0;
	d = n * stt - st * st;
	if (d <= 0)
		return 0;
	t = (n * stu - st * su) / d;
	return t > 0 ? t : 0;
}

static void
observe(struct policy *p, const struct policy_sample *smp, uint64_t now,
    struct view *v)
{
	uint64_t mt = smp->mem_total, ma = smp->mem_available;
	uint64_t st = smp->swap_total, sf = smp->swap_free;
	double used, slow;
	struct peak_bucket *b;
	uint64_t width, ours;
	unsigned i;

	/* A sample is never trusted to be consistent: a free figure larger
	 * than its total is garbage, and garbage is read as "nothing free" --
	 * the side on which no swap is ever dropped. */
	if (ma > mt)
		ma = 0;
	if (sf > st)
		sf = 0;
	/* Swap that the inactive anonymous pages still in RAM will claim is
	 * not free for new demand: once memory runs short, reclaim gives
	 * them swap slots at once and holds their RAM as well until the
	 * writes end -- which over NFS takes seconds (102 MiB of a 113 MiB
	 * file taken in under 3 s, then an OOM kill, in swap_vm boot 1:
	 * docs/nfs-swap-sizes.md). */
	sf -= smp->anon_inactive < sf ? smp->anon_inactive : sf;
	v->total = (double)mt + (double)st;
	v->free = (double)ma + (double)sf;
	used = v->total - v->free;
	v->used = used;
	ours = 0;
	for (i = 0; i < smp->nfiles && i < POLICY_FILES_MAX; i++)
		ours = sat_add(ours, smp->files[i].size);
	v->ours = (double)ours;
	p->ours = ours;

	if (p->started && now > p->last_ms)
		p->burst *= BURST_TAU_S / (BURST_TAU_S +
		    (double)(now - p->last_ms) / 1000.0);
	if (!p->started || now > p->last_ms) {
		p->hist[p->hist_next].t_ms = now;
		p->hist[p->hist_next].used = used;
		p->hist_next = (p->hist_next + 1) % POLICY_HIST;
		if (p->nhist < POLICY_HIST)
			p->nhist++;
	}
	p->rise = slope(p, now, FAST_WIN_MS > WIN_SAMPLES * p->cfg.poll_ms ?
	    FAST_WIN_MS : WIN_SAMPLES * p->cfg.poll_ms);
	slow = slope(p, now, SLOW_WIN_MS > 2 * WIN_SAMPLES * p->cfg.poll_ms ?
	    SLOW_WIN_MS : 2 * WIN_SAMPLES * p->cfg.poll_ms);
	if (slow > p->rise)
		p->rise = slow;
	/* Bursts are remembered from the steadier, 60 s measure. */
	if (slow > p->burst)
		p->burst = slow;
	/* The peak of memory in use over the last peak_hold: a load that comes
	 * back within that time finds its swap still there.  A sliding maximum
	 * over POLICY_PEAKS buckets, each peak_hold / POLICY_PEAKS long. */
	width = p->cfg.peak_hold_ms / POLICY_PEAKS;
	if (width == 0)
		width = 1;
	b = &p->peaks[(now / width) % POLICY_PEAKS];
	if (b->start_ms != now / width * width || !p->started) {
		b->start_ms = now / width * width;
		b->max = used;
	} else if (used > b->max)
		b->max = used;
	p->peak_used = used;
	for (i = 0; i < POLICY_PEAKS; i++)
		if (p->peaks[i].start_ms + p->cfg.peak_hold_ms > now &&
		    p->peaks[i].start_ms <= now && p->peaks[i].max > p->peak_used)
			p->peak_used = p->peaks[i].max;
	p->started = 1;
	p->last_ms = now;

	v->rise = p->rise > 0 ? p->rise : 0;
	v->burst = p->burst;
	v->peak = p->peak_used;
	v->rate = p->alloc_rate;
	v->poll = (double)p->cfg.poll_ms / 1000.0;
}

/* The last action's outcome moves the machine before anything is decided. */
static void
digest(struct policy *p, const struct policy_sample *smp, uint64_t now)
{
	enum policy_outcome o = smp->last.outcome;

	if (smp->last.act == POLICY_NONE) {
		/* A failure with no action: swap I/O errors seen in the log. */
		if (o != POLICY_OK) {
			p->io_failed |= (o == POLICY_EIO);
			if (o == POLICY_SWAP_WRITE) {
				p->write_failed = 1;
				p->write_failed_ms = now;
			}
			p->diet_cause = o;
			to_state(p, POLICY_DIET, now);
		}
		return;
	}
	if (smp->last.act == POLICY_SHRINK) {
		p->last_shrink_ms = now;
		p->shrunk = 1;
		if (o == POLICY_EIO)
			p->io_failed = 1;
		if (o == POLICY_OK)
			return;
		/* The pages are needed (or swapoff is stuck): drop nothing for a
		 * cooldown.  In diet that is all; diet still adds nothing. */
		p->hold = 1;
		p->hold_ms = now;
		if (p->state != POLICY_DIET)
			to_state(p, POLICY_HUNGRY, now);
		return;
	}
	if (o == POLICY_OK) {
		if (smp->last.elapsed_ms > 0 && smp->last.bytes > 0) {
			double r = (double)smp->last.bytes * 1000.0 /
			    (double)smp->last.elapsed_ms;
			/* The first measurement replaces the configured guess. */
			p->alloc_rate = !p->grown ? r : (p->alloc_rate + r) / 2;
		}
		p->last_grow_ms = now;
		p->grown = 1;
		to_state(p, POLICY_HUNGRY, now);
		return;
	}
	switch (o) {
	case POLICY_EDQUOT:
		/* The quota is what we hold plus what the failed file got. */
		p->quota_seen = sat_add(p->ours, smp->last.bytes);
		if (p->quota_seen == 0)
			p->quota_seen = 1;
		break;
	case POLICY_EIO:
		p->io_failed = 1;
		break;
	default:
		break;
	}
	p->diet_cause = o;
	to_state(p, POLICY_DIET, now);
}

static struct policy_action
act(struct policy *p, enum policy_act a, const char *why)
{
	struct policy_action r;

	memset(&r, 0, sizeof(r));
	r.act = a;
	r.state = p->state;
	r.why = why;
	return r;
}

static struct policy_action
shrink(struct policy *p, const struct policy_sample *smp, int i,
    uint64_t now, const char *why)
{
	struct policy_action r = act(p, POLICY_SHRINK, why);

	memcpy(r.name, smp->files[i].name, POLICY_NAME_MAX);
	r.name[POLICY_NAME_MAX - 1] = '\0';
	r.bytes = smp->files[i].size;
	p->last_shrink_ms = now;
	p->shrunk = 1;
	return r;
}

/*
 * Grow if free, projected to when a new file would be ready, is below the
 * lower limit.  Returns 1 with *out set when it decided something.
 */
static int
consider_grow(struct policy *p, const struct policy_sample *smp, uint64_t now,
    const struct view *v, struct policy_action *out)
{
	const struct policy_config *c = &p->cfg;
	double lead, low, g = grow_size(p, v, (double)smp->mem_total,
	    smp->nfiles + 1 == c->max_files, &lead);
	uint64_t q, size, up, lim = c->max_swapsize;

	if (g < (double)c->min_swapsize)
		g = (double)c->min_swapsize;
	if (g > (double)c->max_swapsize)
		g = (double)c->max_swapsize;
	/* A percentage of a small machine is only a few MiB, and the kernel
	 * starts killing well before free memory reaches zero: never let free
	 * fall below min_free either. */
	low = c->lower_freelimit / 100.0 * v->total;
	if (low < (double)c->min_free)
		low = (double)c->min_free;
	if (v->free - v->rise * lead >= low)
		return 0;

	if (p->io_failed) {
		*out = act(p, POLICY_NONE, "short of memory, but NFS swap had I/O errors: not growing");
		return 1;
	}
	if (p->write_failed && now - p->write_failed_ms < c->error_hold_ms) {
		*out = act(p, POLICY_NONE, "short of memory, but swap writes failed within error_hold: not growing");
		return 1;
	}
	if (smp->nfiles >= c->max_files) {
		*out = act(p, POLICY_NONE, "short of memory, but at the file cap");
		return 1;
	}
	q = quota_limit(p);
	if (q != 0 && lim > (q > p->ours ? q - p->ours : 0))
		lim = q > p->ours ? q - p->ours : 0;
	/* g is at most max_swapsize (<= 1 PiB): the conversion is exact. */
	size = g >= (double)lim ? lim : (uint64_t)g;
	/* Whole MiB when it is that big -- up if the limits allow -- else
	 * whole pages; min_swapsize is a whole number of pages. */
	up = size + (POLICY_MIB - size % POLICY_MIB) % POLICY_MIB;
	if (size >= POLICY_MIB && up <= lim)
		size = up;
	else if (size >= POLICY_MIB && size - size % POLICY_MIB >= c->min_swapsize)
		size -= size % POLICY_MIB;
	else
		size -= size % 4096;
	if (size < c->min_swapsize) {
		*out = act(p, POLICY_NONE, "short of memory, but the quota is used up");
		return 1;
	}
	*out = act(p, POLICY_GROW, v->rise > 0 ?
	    "free memory will fall below the lower limit before a file is ready" :
	    "free memory is below the lower limit");
	out->bytes = size;
	(void)now;
	return 1;
}

struct policy_action
policy_step(struct policy *p, const struct policy_sample *smp, uint64_t now)
{
	const struct policy_config *c = &p->cfg;
	struct policy_action r;
	struct view v;
	double fp;
	int drop, overfed;

	/* Time only moves forward here: a clock stepped back must not freeze
	 * every timer for as long as the step (the daemon uses a monotonic
	 * clock; this keeps the policy safe with any caller). */
	if (!p->started)
		p->mono = now;
	else if (now > p->wall_ms)
		p->mono += now - p->wall_ms;
	p->wall_ms = now;
	now = p->mono;

	observe(p, smp, now, &v);
	digest(p, smp, now);
	fp = pct(v.free, v.total);
	/* A surplus we can act on: free above the upper limit and a file that
	 * may go.  (Without the second, overfed would flap back and forth.) */
	drop = pick_drop(p, &v, smp, now);	/* the file that may go, or -1 */
	overfed = fp > c->upper_freelimit && drop >= 0;

	/* The surplus clock runs while free stays above the upper limit (or, in
	 * overfed, while something can still be dropped). */
	if (fp > c->upper_freelimit ||
	    (p->state == POLICY_OVERFED && drop >= 0)) {
		if (!p->surplus) {
			p->surplus = 1;
			p->surplus_since_ms = now;
		}
	} else
		p->surplus = 0;

	if (p->state == POLICY_DIET) {
		if (!expired(now, p->entered_ms, c->cooldown_ms)) {
			if (drop >= 0 && (!p->shrunk || expired(now,
			    p->last_shrink_ms, c->drain_interval_ms)))
				return shrink(p, smp, drop, now,
				    "diet: dropping surplus");
			return act(p, POLICY_NONE, "diet: adding nothing");
		}
		to_state(p, POLICY_STEADY, now);
	}

	if (consider_grow(p, smp, now, &v, &r)) {
		if (r.act == POLICY_GROW) {
			/* hungry is entered when the outcome says ok */
			r.state = p->state;
		}
		return r;
	}

	switch (p->state) {
	case POLICY_HUNGRY:
		if (!expired(now, p->entered_ms, c->cooldown_ms))
			return act(p, POLICY_NONE, "hungry: holding new swap");
		to_state(p, overfed ? POLICY_OVERFED : POLICY_STEADY, now);
		return act(p, POLICY_NONE, "cooldown over");
	case POLICY_STEADY:
		if (overfed) {
			to_state(p, POLICY_OVERFED, now);
			return act(p, POLICY_NONE, "free memory above the upper limit");
		}
		return act(p, POLICY_NONE, "steady");
	case POLICY_OVERFED:
		if (drop < 0) {
			to_state(p, POLICY_STEADY, now);
			return act(p, POLICY_NONE, "no file can be dropped");
		}
		if (expired(now, p->surplus_since_ms, c->cooldown_ms) &&
		    (!p->grown ||
		    expired(now, p->last_grow_ms, c->cooldown_ms)) &&
		    (!p->shrunk ||
		    expired(now, p->last_shrink_ms, c->drain_interval_ms)))
			return shrink(p, smp, drop, now,
			    "overfed for the cooldown: dropping a file");
		return act(p, POLICY_NONE, "overfed: waiting");
	default:
		break;
	}
	return act(p, POLICY_NONE, "?");
}
