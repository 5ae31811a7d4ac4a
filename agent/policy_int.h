/*
 * policy_int.h -- what the parts of the policy share, and nothing outside
 * them sees: memory as one step views it, and the measuring
 * (policy_trend.c) and sizing (policy_size.c) that the state machine
 * (policy.c) calls on.  Neither part calls back into policy.c.
 *
 * Pure like the rest of the policy: no clock, no I/O, no logging, no
 * globals.
 */
#ifndef NFSWAP_POLICY_INT_H
#define NFSWAP_POLICY_INT_H

#include <stdint.h>

#include "policy.h"

/* Memory as the policy sees it in one step, in bytes. */
struct policy_view {
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

static inline int
policy_expired(uint64_t now, uint64_t since, uint64_t span)
{
	return now >= since && now - since >= span;
}

/* The lower limit on free memory, in bytes: lower_freelimit of all
 * memory, and never below min_free (a small machine's percentage is a few
 * MiB, and the kernel kills well before zero). */
static inline double
policy_low(const struct policy *p, const struct policy_view *v)
{
	double low = p->cfg.lower_freelimit / 100.0 * v->total;

	return low < (double)p->cfg.min_free ? (double)p->cfg.min_free : low;
}

static inline uint64_t
policy_sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* policy_trend.c -- what memory is doing: the rise, bursts, the peak */
void	policy_observe(struct policy *, const struct policy_sample *,
	    uint64_t now, struct policy_view *);

/* policy_size.c -- how big the next file is, and which file may go */
int	policy_grow(const struct policy *, const struct policy_sample *,
	    uint64_t now, const struct policy_view *, uint64_t *bytes,
	    const char **why, int *steep);
int	policy_pick_drop(const struct policy *, const struct policy_view *,
	    const struct policy_sample *, uint64_t now);

#endif
