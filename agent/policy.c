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
#include <stddef.h>
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

/* Each outcome for people (the log) and as a Prometheus label value
 * (metrics.c), side by side so that a new outcome gets both. */
static const struct {
	const char	*name, *label;
} outcomes[POLICY_NOUTCOMES] = {
	[POLICY_OK] = { "ok", "ok" },
	[POLICY_ENOSPC] = { "ENOSPC", "nospace" },
	[POLICY_EDQUOT] = { "EDQUOT", "quota" },
	[POLICY_EIO] = { "EIO", "io" },
	[POLICY_SWAP_WRITE] = { "swap write errors", "swap_write" },
	[POLICY_SWAPON_REFUSED] = { "swapon refused", "swapon_refused" },
	[POLICY_SWAPOFF_REFUSED] = { "swapoff refused", "swapoff_refused" },
	[POLICY_FAILED] = { "failed", "failed" },
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
	return (unsigned)o < POLICY_NOUTCOMES ? outcomes[o].name : "?";
}

const char *
policy_outcome_label(enum policy_outcome o)
{
	return (unsigned)o < POLICY_NOUTCOMES ? outcomes[o].label : "unknown";
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

/*
 * The settings, one row each, as nfswapd.conf's policy group and
 * nfswap-sim --set spell them: percentages, sizes ("4M", "1G"), durations
 * in seconds, counts.  def is the default as nfswapd.conf(5) gives it
 * (peak_hold's is twice cooldown's).  The agent's table (agent/conf.c)
 * includes these rows.
 */
#define P(f)	offsetof(struct policy_config, f)
const struct policy_setting policy_settings[POLICY_NSETTINGS + 1] = {
	{ "lower_freelimit",	POLICY_PCT,	P(lower_freelimit),	"20" },
	{ "upper_freelimit",	POLICY_PCT,	P(upper_freelimit),	"60" },
	{ "freetarget",		POLICY_PCT,	P(freetarget),		"30" },
	{ "cooldown",		POLICY_SECS,	P(cooldown_ms),		"600" },
	{ "min_swapsize",	POLICY_SIZE,	P(min_swapsize),	"4M" },
	{ "max_swapsize",	POLICY_SIZE,	P(max_swapsize),	"1G" },
	{ "max_files",		POLICY_COUNT,	P(max_files),		"16" },
	{ "quota",		POLICY_SIZE,	P(quota),		"0" },
	{ "alloc_rate",		POLICY_SIZE,	P(alloc_rate),		"4M" },
	{ "drain_interval",	POLICY_SECS,	P(drain_interval_ms),	"30" },
	{ "peak_hold",		POLICY_SECS,	P(peak_hold_ms),	"1200" },
	{ "min_grow_pct",	POLICY_PCT,	P(min_grow_pct),	"25" },
	{ "min_free",		POLICY_SIZE,	P(min_free),		"128M" },
	{ "error_hold",		POLICY_SECS,	P(error_hold_ms),	"1800" },
	{ "reserve",		POLICY_PCT,	P(reserve_pct),		"120" },
	{ "max_total",		POLICY_PCT,	P(max_total_pct),	"200" },
	{ NULL, 0, 0, NULL }
};
#undef P

void
policy_config_defaults(struct policy_config *c)
{
	const struct policy_setting *k;
	struct diag d;

	memset(c, 0, sizeof(*c));
	for (k = policy_settings; k->name != NULL; k++)
		policy_config_set(c, k->name, k->def, &d);
	c->poll_ms = 1000;
}

int
policy_config_check(const struct policy_config *c, struct diag *d)
{
	const char *why;

	if (c->lower_freelimit >= c->freetarget)
		why = "lower_freelimit must be below freetarget";
	else if (c->freetarget >= c->upper_freelimit)
		why = "freetarget must be below upper_freelimit";
	else if (c->upper_freelimit > 100)
		why = "upper_freelimit is a percentage (at most 100)";
	else if (c->min_swapsize < 64 * 1024)
		why = "min_swapsize must be at least 64K";
	else if (c->min_swapsize % 4096 != 0 || c->max_swapsize % 4096 != 0)
		why = "min_swapsize and max_swapsize must be multiples of 4K";
	else if (c->max_swapsize < c->min_swapsize)
		why = "max_swapsize must not be below min_swapsize";
	else if (c->max_files < 1 || c->max_files > POLICY_FILES_MAX)
		why = "max_files must be between 1 and 32";
	else if (c->quota != 0 && c->quota < c->min_swapsize)
		why = "quota is smaller than min_swapsize";
	else if (c->alloc_rate < 64 * 1024)
		why = "alloc_rate must be at least 64K (per second)";
	else if (c->poll_ms < 250 || c->poll_ms > 60 * 1000)
		why = "poll interval must be between 250ms and 60s";
	else if (c->max_swapsize > MAX_SIZE)
		why = "max_swapsize must be at most 1P";
	else if (c->min_grow_pct > 400)
		why = "min_grow_pct must be at most 400";
	else if (c->reserve_pct > 400)
		why = "reserve must be at most 400 (% of RAM)";
	else if (c->max_total_pct != 0 && c->max_total_pct < c->reserve_pct)
		why = "max_total must not be below reserve (or 0: no cap)";
	else
		return 0;
	return diag_input(d, EINVAL, "%s", why);
}

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

/*
 * One setting by its row: the value checked by its unit, and stored where
 * the row says.  Returns 0, or -EINVAL with d saying why (the caller adds
 * the key and where it came from).
 */
int
policy_config_set(struct policy_config *c, const char *key, const char *value,
    struct diag *d)
{
	static const uint64_t max[] = { [POLICY_PCT] = 400,
	    [POLICY_SECS] = 30 * 86400, [POLICY_COUNT] = 32 };
	static const char *const bad[] = { [POLICY_PCT] = "not a percentage",
	    [POLICY_SECS] = "not a number of seconds (at most 30 days)",
	    [POLICY_SIZE] = "not a size (like 4M or 1G)",
	    [POLICY_COUNT] = "not a count from 0 to 32" };
	const struct policy_setting *k;
	char *field;
	unsigned u;
	uint64_t v;

	for (k = policy_settings; k->name != NULL; k++)
		if (strcmp(k->name, key) == 0)
			break;
	if (k->name == NULL)
		return diag_input(d, EINVAL, "unknown setting");
	if ((k->unit == POLICY_SIZE ? size_parse(value, &v) :
	    parse_uint(value, max[k->unit], &v)) != 0)
		return diag_input(d, EINVAL, "%s", bad[k->unit]);
	field = (char *)c + k->off;
	if (k->unit == POLICY_PCT || k->unit == POLICY_COUNT) {
		u = (unsigned)v;
		memcpy(field, &u, sizeof(u));
	} else {
		if (k->unit == POLICY_SECS)
			v *= 1000;
		memcpy(field, &v, sizeof(v));
	}
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
