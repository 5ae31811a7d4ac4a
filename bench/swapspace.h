/*
 * swapspace.h -- a model of swapspace 1.18's decisions, for replaying memory
 * traces beside nfswapd's policy (docs/swapspace.md).
 */
#ifndef NFSWAP_SWAPSPACE_H
#define NFSWAP_SWAPSPACE_H

#include "policy.h"

struct sspace_config {
	int64_t		lower_freelimit, upper_freelimit, freetarget; /* % */
	int64_t		cooldown;	/* ticks (calls) */
	int64_t		min_swapsize, max_swapsize;	/* bytes */
	int64_t		pagesize;
	unsigned	slots;		/* swap areas the kernel allows */
};

struct sspace {
	struct sspace_config	cfg;
	enum policy_state	state;
	int64_t			timer;
	int			diet_requested;
};

void	sspace_config_defaults(struct sspace_config *);
void	sspace_init(struct sspace *, const struct sspace_config *);
/* fs_free: what statvfs would report free on the swap directory. */
struct policy_action sspace_step(struct sspace *, const struct policy_sample *,
	    uint64_t fs_free);
int64_t	sspace_request(const struct sspace_config *, const struct policy_sample *);

#endif
