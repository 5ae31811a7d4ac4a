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
 * This file is the machine: the states, their edges (the diagram), the
 * settings, and one step.  What memory is doing is measured in
 * policy_trend.c; how big a new file is and which file may go are
 * policy_size.c's (policy_int.h).  All three must stay pure: no clock, no
 * /proc, no logging, no globals other than constant tables.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common.h"
#include "policy_int.h"

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

struct policy_action
policy_step(struct policy *p, const struct policy_sample *smp, uint64_t now)
{
	const struct policy_config *c = &p->cfg;
	struct policy_action r;
	struct policy_view v;
	const char *why;
	uint64_t bytes;
	double fp;
	int drop, overfed;

	now = forward(p, now);
	policy_observe(p, smp, now, &v);
	digest(p, smp, now);
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
	if (policy_grow(p, smp, now, &v, &bytes, &why)) {
		r = act(p, bytes != 0 ? POLICY_GROW : POLICY_NONE, why);
		r.bytes = bytes;
		return r;
	}
	return settle(p, smp, now, drop, overfed);
}
