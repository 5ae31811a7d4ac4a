/*
 * policy.c -- the policy's vocabulary and settings: the names of its
 * states and outcomes, every transition the machine can make (the edge
 * table, from which docs/fsm.dot is rendered and against which the tests
 * check what they observe), the settings with their defaults and checks,
 * and a policy's start.  The machine itself is policy_step.c; see there
 * for what the policy does and why.
 *
 * Pure: no clock, no /proc, no logging, no globals other than constant
 * tables.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common.h"
#include "policy.h"

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
