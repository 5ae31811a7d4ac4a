/*
 * policy_step.c -- the steady/hungry/overfed/diet state machine: one step.
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
 * This file is the machine's step: the last outcome digested, then grow,
 * drop or wait.  Every transition it makes is an edge of policy_edges[]
 * (policy.c, with the states' names and the settings); what memory is
 * doing is measured in policy_trend.c; how big a new file is and which
 * file may go are policy_size.c's (policy_int.h).  All of them must stay
 * pure: no clock, no /proc, no logging, no globals other than constant
 * tables.
 */
#include <string.h>

#include "policy_int.h"

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
			if (p->last_steep)
				p->climb_rate = p->climb_rate == 0 ? r :
				    (p->climb_rate + r) / 2;
		}
		p->last_grow_ms = now;
		p->grown = 1;
		to_state(p, POLICY_HUNGRY, now);
		return;
	}
	switch (o) {
	case POLICY_EDQUOT:
		/* The quota is what we hold plus what the failed file got. */
		p->quota_seen = policy_sat_add(p->ours, smp->last.bytes);
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
 * Where the state machine goes from hungry, steady or overfed once growing
 * has had its say: drop is the file that may go (or -1), overfed whether
 * the surplus is one to act on.
 */
static struct policy_action
settle(struct policy *p, const struct policy_sample *smp, uint64_t now,
    int drop, int overfed)
{
	const struct policy_config *c = &p->cfg;

	switch (p->state) {
	case POLICY_HUNGRY:
		if (!policy_expired(now, p->entered_ms, c->cooldown_ms))
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
		if (policy_expired(now, p->surplus_since_ms, c->cooldown_ms) &&
		    (!p->grown ||
		    policy_expired(now, p->last_grow_ms, c->cooldown_ms)) &&
		    (!p->shrunk ||
		    policy_expired(now, p->last_shrink_ms, c->drain_interval_ms)))
			return shrink(p, smp, drop, now,
			    "overfed for the cooldown: dropping a file");
		return act(p, POLICY_NONE, "overfed: waiting");
	default:
		break;
	}
	return act(p, POLICY_NONE, "?");
}

/*
 * Time only moves forward here: a clock stepped back must not freeze every
 * timer for as long as the step (the daemon uses a monotonic clock; this
 * keeps the policy safe with any caller).  The policy's own time, from the
 * caller's.
 */
static uint64_t
forward(struct policy *p, uint64_t now)
{
	if (!p->started)
		p->mono = now;
	else if (now > p->wall_ms)
		p->mono += now - p->wall_ms;
	p->wall_ms = now;
	return p->mono;
}

/* Whether the caller should sample fast: memory moved or ran short within
 * the last POLICY_PRESS_MS. */
int
policy_pressed(const struct policy *p, uint64_t now)
{
	uint64_t m = p->mono + (now > p->wall_ms ? now - p->wall_ms : 0);

	return p->pressed && m - p->pressed_ms < POLICY_PRESS_MS;
}

struct policy_action
policy_step(struct policy *p, const struct policy_sample *smp, uint64_t now)
{
	const struct policy_config *c = &p->cfg;
	struct policy_action r;
	struct policy_view v;
	const char *why;
	uint64_t bytes;
	double fp;
	int drop, overfed, steep;

	now = forward(p, now);
	policy_observe(p, smp, now, &v);
	digest(p, smp, now);
	v.rate = p->alloc_rate;		/* as just measured, if a file was made */
	/* Memory moved (4 MiB or more since the last step) or is short: the
	 * caller samples fast for a while (policy_pressed). */
	if (!p->pressed || v.used - p->last_used >= 4.0 * POLICY_MIB ||
	    v.free < 2 * policy_low(p, &v)) {
		p->pressed = 1;
		p->pressed_ms = now;
	}
	p->last_used = v.used;
	fp = pct(v.free, v.total);
	/* A surplus we can act on: free above the upper limit and a file that
	 * may go.  (Without the second, overfed would flap back and forth.) */
	drop = policy_pick_drop(p, &v, smp, now);	/* may go, or -1 */
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
		if (!policy_expired(now, p->entered_ms, c->cooldown_ms)) {
			if (drop >= 0 && (!p->shrunk || policy_expired(now,
			    p->last_shrink_ms, c->drain_interval_ms)))
				return shrink(p, smp, drop, now,
				    "diet: dropping surplus");
			return act(p, POLICY_NONE, "diet: adding nothing");
		}
		to_state(p, POLICY_STEADY, now);
	}

	/* hungry is entered when the outcome of a grow says ok */
	if (policy_grow(p, smp, now, &v, &bytes, &why, &steep)) {
		r = act(p, bytes != 0 ? POLICY_GROW : POLICY_NONE, why);
		r.bytes = bytes;
		if (bytes != 0)
			p->last_steep = steep;
		return r;
	}
	return settle(p, smp, now, drop, overfed);
}
