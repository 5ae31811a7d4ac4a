/*
 * policy_trend.c -- what memory is doing, measured from the samples the
 * policy is given: how fast memory in use rises (a line fitted over the
 * last 10 s and the last 60 s, the higher taken), the highest recent rate
 * (a burst, remembered for half an hour), and the peak of use over the last
 * peak_hold.  The state machine (policy.c) decides from these figures; this
 * file decides nothing.
 *
 * Pure: no clock (the time is the caller's), no /proc, no logging, no
 * globals.
 */
#include "policy_int.h"

#define FAST_WIN_MS	10000	/* the rate of rise: a line fitted over 10 s */
#define SLOW_WIN_MS	60000	/* ...and over 60 s; the policy takes the higher */
#define WIN_SAMPLES	6	/* ...or over this many polls, if that is longer */
#define BURST_TAU_S	1800.0	/* how long a burst is remembered */

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

/*
 * The peak of memory in use over the last peak_hold: a load that comes
 * back within that time finds its swap still there.  A sliding maximum
 * over POLICY_PEAKS buckets, each peak_hold / POLICY_PEAKS long.
 */
static void
remember_peak(struct policy *p, uint64_t now, double used)
{
	struct peak_bucket *b;
	uint64_t width = p->cfg.peak_hold_ms / POLICY_PEAKS;
	unsigned i;

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
}

/* This step's sample into *v, and into the history the rates come from. */
void
policy_observe(struct policy *p, const struct policy_sample *smp, uint64_t now,
    struct policy_view *v)
{
	uint64_t mt = smp->mem_total, ma = smp->mem_available;
	uint64_t st = smp->swap_total, sf = smp->swap_free;
	double used, slow;
	uint64_t ours;
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
		ours = policy_sat_add(ours, smp->files[i].size);
	v->ours = (double)ours;
	p->ours = ours;

	if (p->started && now > p->last_ms)
		p->burst *= BURST_TAU_S / (BURST_TAU_S +
		    (double)(now - p->last_ms) / 1000.0);
	/* At most one sample per POLICY_HIST_MS is kept (a later one in the
	 * same slot replaces it), so that fast sampling under pressure does
	 * not shorten the minute the history spans. */
	if (p->started && now > p->last_ms &&
	    now / POLICY_HIST_MS == p->last_ms / POLICY_HIST_MS) {
		i = (p->hist_next + POLICY_HIST - 1) % POLICY_HIST;
		p->hist[i].t_ms = now;
		p->hist[i].used = used;
	} else if (!p->started || now > p->last_ms) {
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
	remember_peak(p, now, used);
	p->started = 1;
	p->last_ms = now;

	v->rise = p->rise > 0 ? p->rise : 0;
	v->burst = p->burst;
	v->peak = p->peak_used;
	v->rate = p->alloc_rate;
	v->poll = (double)p->cfg.poll_ms / 1000.0;
}
