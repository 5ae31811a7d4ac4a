/*
 * swapspace.c -- swapspace's decision procedure, modelled from its written
 * rules (docs/swapspace.md) so that the simulator can run it on the same
 * traces as nfswapd.  It only has to decide the same way; it is not
 * swapspace's code.  Its timer counts calls (one a second), as swapspace
 * counts loop passes.
 */
#include <string.h>

#include "swapspace.h"

void
sspace_config_defaults(struct sspace_config *c)
{
	memset(c, 0, sizeof(*c));
	c->lower_freelimit = 20;
	c->upper_freelimit = 60;
	c->freetarget = 30;
	c->cooldown = 600;
	c->min_swapsize = 4 * 1024 * 1024;
	c->max_swapsize = 2LL * 1024 * 1024 * 1024 * 1024;	/* 2t */
	c->pagesize = 4096;
	c->slots = 32;
}

void
sspace_init(struct sspace *s, const struct sspace_config *c)
{
	memset(s, 0, sizeof(*s));
	s->cfg = *c;
	s->state = POLICY_HUNGRY;	/* swapspace starts hungry */
	s->timer = c->cooldown;
}

/* memory_target(): bytes to add (> 0) or the surplus (< 0); 0 in the band. */
int64_t
sspace_request(const struct sspace_config *c, const struct policy_sample *smp)
{
	int64_t free = (int64_t)(smp->mem_available + smp->swap_free);
	int64_t total = (int64_t)(smp->mem_total + smp->swap_total);
	int64_t freepct;

	if (total < 100)
		return 0;
	freepct = free / (total / 100);
	if (freepct >= c->lower_freelimit && freepct <= c->upper_freelimit)
		return 0;
	return 100 * ((free - c->freetarget * ((total + 50) / 100)) /
	    (c->freetarget - 100));
}

static void
to_state(struct sspace *s, enum policy_state st)
{
	s->state = st;
	s->timer = s->cfg.cooldown;
}

static struct policy_action
result(const struct sspace *s, enum policy_act a, const char *why)
{
	struct policy_action r;

	memset(&r, 0, sizeof(r));
	r.act = a;
	r.state = s->state;
	r.why = why;
	return r;
}

/* Free the largest file that fits in the surplus (the last of equals, as
 * swapspace's scan does); none fits: nothing. */
static struct policy_action
free_one(const struct sspace *s, const struct policy_sample *smp,
    int64_t surplus)
{
	struct policy_action r = result(s, POLICY_NONE, "no file fits the surplus");
	int best = -1;
	unsigned i;

	for (i = 0; i < smp->nfiles; i++)
		if ((int64_t)smp->files[i].size <= surplus && (best < 0 ||
		    smp->files[i].size >= smp->files[best].size))
			best = (int)i;
	if (best >= 0) {
		r = result(s, POLICY_SHRINK, "freeing a file");
		memcpy(r.name, smp->files[best].name, POLICY_NAME_MAX);
		r.bytes = smp->files[best].size;
	}
	return r;
}

struct policy_action
sspace_step(struct sspace *s, const struct policy_sample *smp, uint64_t fs_free)
{
	const struct sspace_config *c = &s->cfg;
	int64_t req = sspace_request(c, smp), size;

	/* A write that failed with ENOSPC or EIO, or a swapon that failed,
	 * asks for diet; other write errors (EDQUOT, EFBIG...) are logged and
	 * the next pass simply tries again. */
	if (smp->last.act == POLICY_GROW &&
	    (smp->last.outcome == POLICY_ENOSPC ||
	    smp->last.outcome == POLICY_EIO ||
	    smp->last.outcome == POLICY_SWAPON_REFUSED))
		s->diet_requested = 1;
	/* swapspace allocates synchronously: success lands it in hungry (timer
	 * reset) with no pass in between, which is this call. */
	if (smp->last.act == POLICY_GROW && smp->last.outcome == POLICY_OK)
		to_state(s, POLICY_HUNGRY);

	/* The diet request is taken before the timer ticks. */
	if (s->diet_requested) {
		s->diet_requested = 0;
		to_state(s, POLICY_DIET);
		return result(s, POLICY_NONE, "diet requested");
	}
	s->timer--;
	if (req > 0 && s->state != POLICY_DIET) {
		size = req / c->pagesize * c->pagesize + 2 * c->pagesize;
		if (size > c->max_swapsize)
			size = c->max_swapsize;
		/* Refusals are not failures: no diet, try again next pass. */
		if (size < c->min_swapsize || (uint64_t)size > fs_free ||
		    smp->nfiles >= c->slots)
			return result(s, POLICY_NONE, "cannot allocate");
		struct policy_action r = result(s, POLICY_GROW, "below the lower limit");
		r.bytes = (uint64_t)size;
		return r;
	}
	if (s->timer <= 0) {
		struct policy_action r = result(s, POLICY_NONE, "timer ran out");

		if (s->state == POLICY_OVERFED)
			r = free_one(s, smp, -req);
		to_state(s, POLICY_STEADY);
		r.state = s->state;
		return r;
	}
	switch (s->state) {
	case POLICY_DIET:
		if (req < 0)
			return free_one(s, smp, -req);
		break;
	case POLICY_STEADY:
		if (req < 0)
			to_state(s, POLICY_OVERFED);
		break;
	case POLICY_OVERFED:
		if (req >= 0)
			to_state(s, POLICY_STEADY);
		break;
	default:
		break;
	}
	return result(s, POLICY_NONE, "");
}
