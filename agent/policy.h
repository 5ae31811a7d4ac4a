/*
 * policy.h -- nfswapd's decisions: when to add NFS swap, how much, and when
 * to give it back.  The state machine is swapspace's (steady, hungry,
 * overfed, diet) made fit for a network where growing takes tens of seconds.
 *
 * Everything here is pure: policy_step() takes a sample and the time and
 * returns one action.  No clock, no /proc, no logging, no globals.  The
 * parsers that turn /proc/meminfo and /proc/swaps into a sample are pure on
 * text, too (meminfo.c).
 */
#ifndef NFSWAP_POLICY_H
#define NFSWAP_POLICY_H

#include <stddef.h>
#include <stdint.h>

#define POLICY_NAME_MAX		64	/* a swap file's base name, with NUL */
#define POLICY_FILES_MAX	32	/* the kernel's MAX_SWAPFILES */
#define POLICY_MIB		(1024ULL * 1024)
#define POLICY_HIST		256	/* samples kept to measure the rise */
#define POLICY_HIST_MS		250	/* ...at most one per this many ms */
#define POLICY_PRESS_MS		5000	/* pressed: sample fast this long */
#define POLICY_PEAKS		16	/* buckets of the recent peak of use */

enum policy_state {
	POLICY_STEADY,		/* nothing to do, ready to move at once */
	POLICY_HUNGRY,		/* swap was just added: may add, will not drop */
	POLICY_OVERFED,		/* a surplus: drop files once it has lasted */
	POLICY_DIET,		/* an allocation hit a limit: add nothing */
	POLICY_NSTATES
};

enum policy_act {
	POLICY_NONE,
	POLICY_GROW,		/* create and activate a file of N bytes */
	POLICY_SHRINK,		/* swapoff and unlink the named file */
};

/* What became of the last action; failures drive diet. */
enum policy_outcome {
	POLICY_OK,
	POLICY_ENOSPC,		/* the server's filesystem is full */
	POLICY_EDQUOT,		/* the client's quota is reached */
	POLICY_EIO,		/* write error, or swap read errors in the log */
	POLICY_SWAP_WRITE,	/* swap write errors in the log (pages kept) */
	POLICY_SWAPON_REFUSED,	/* mkswap/swapon refused the file */
	POLICY_SWAPOFF_REFUSED,	/* swapoff failed: the pages did not fit */
	POLICY_FAILED,		/* anything else */
	POLICY_NOUTCOMES
};

/* Settings; names and defaults follow swapspace where it has them. */
struct policy_config {
	unsigned	lower_freelimit;	/* %: grow below this much free */
	unsigned	upper_freelimit;	/* %: above this is a surplus (swapspace) */
	unsigned	freetarget;		/* %: size new files to land here */
	uint64_t	cooldown_ms;		/* hold after growing / before dropping */
	uint64_t	min_swapsize;		/* bytes: smallest file made */
	uint64_t	max_swapsize;		/* bytes: largest file made */
	unsigned	max_files;		/* cap on active files (<= 32) */
	uint64_t	quota;			/* bytes the server allows; 0 = unknown */
	uint64_t	alloc_rate;		/* bytes/s: creation speed until measured */
	uint64_t	drain_interval_ms;	/* between drops once a surplus is due */
	uint64_t	peak_hold_ms;		/* how long a peak of use keeps swap */
	unsigned	min_grow_pct;		/* % of RAM: the smallest worthwhile grow */
	uint64_t	min_free;		/* bytes: grow before free falls below */
	uint64_t	error_hold_ms;		/* no growth this long after swap
						 * write errors */
	unsigned	reserve_pct;		/* % of RAM: swap always active */
	unsigned	max_total_pct;		/* % of RAM: all files at most (0: any) */
	uint64_t	poll_ms;		/* the agent's sampling interval */
};

struct policy_file {
	char		name[POLICY_NAME_MAX];
	uint64_t	size;			/* bytes */
	uint64_t	used;			/* bytes in use */
};

struct policy_sample {
	uint64_t	mem_total;		/* bytes, /proc/meminfo */
	uint64_t	mem_available;
	uint64_t	swap_total;		/* all swap, ours or not */
	uint64_t	swap_free;
	uint64_t	anon_inactive;		/* Inactive(anon) - SwapCached: what
						 * reclaim takes swap for first (0:
						 * not known) */
	unsigned	nfiles;			/* the agent's own active files */
	struct policy_file files[POLICY_FILES_MAX];
	struct {				/* the action since the last step */
		enum policy_act		act;	/* POLICY_NONE: nothing happened */
		enum policy_outcome	outcome;
		uint64_t		bytes;	/* grow: bytes written (all or part) */
		uint64_t		elapsed_ms;
	} last;
};

struct policy_action {
	enum policy_act		act;
	uint64_t		bytes;		/* grow */
	char			name[POLICY_NAME_MAX];	/* shrink */
	enum policy_state	state;		/* the state after this step */
	const char		*why;		/* a static phrase for the log */
};

struct policy {
	struct policy_config	cfg;
	enum policy_state	state;
	int			started;
	uint64_t		entered_ms;	/* when the state was entered */
	uint64_t		last_ms;	/* the previous step */
	uint64_t		wall_ms, mono;	/* the caller's time, and ours */
	int			hold;		/* a swapoff failed at hold_ms: */
	uint64_t		hold_ms;	/* drop nothing for a cooldown */
	int			grown, shrunk, surplus;	/* the times below are set */
	uint64_t		last_grow_ms;
	uint64_t		last_shrink_ms;
	uint64_t		surplus_since_ms; /* a surplus began */
	struct {				/* recent memory in use */
		uint64_t	t_ms;
		double		used;
	}			hist[POLICY_HIST];
	unsigned		nhist, hist_next;
	double			rise;		/* bytes/s, >= 0 */
	double			last_used;	/* bytes in use at the last step */
	uint64_t		pressed_ms;	/* memory last moved or ran low */
	int			pressed;	/* ...ever */
	struct peak_bucket {			/* maxima of use over time */
		uint64_t	start_ms;
		double		max;
	}			peaks[POLICY_PEAKS];
	double			peak_used;	/* bytes, over the last peak_hold */
	double			burst;		/* bytes/s, slowly decaying peak */
	double			alloc_rate;	/* bytes/s, measured */
	double			climb_rate;	/* bytes/s, files made in a steep
						 * climb; 0: none yet */
	int			last_steep;	/* the last grow was one */
	uint64_t		quota_seen;	/* bytes, learned from EDQUOT; 0 = none */
	uint64_t		ours;		/* bytes of our files, this step */
	int			io_failed;	/* EIO: never grow again */
	int			write_failed;	/* swap write errors at */
	uint64_t		write_failed_ms; /* this time: hold growth */
	enum policy_outcome	diet_cause;
};

/* One edge of the state diagram; the table is the diagram (docs/fsm.dot). */
struct policy_edge {
	enum policy_state	from, to;
	const char		*when;
};

/* The settings as rows: nfswapd.conf's policy group, nfswap-sim --set. */
enum policy_unit {
	POLICY_PCT,		/* unsigned: a percentage, 0 to 400 */
	POLICY_SECS,		/* uint64_t ms: seconds, at most 30 days */
	POLICY_SIZE,		/* uint64_t: "4M", "1G" or bytes */
	POLICY_COUNT,		/* unsigned: 0 to 32 */
};
struct policy_setting {
	const char		*name;
	enum policy_unit	unit;
	size_t			off;	/* in struct policy_config */
	const char		*def;	/* as nfswapd.conf(5) gives it */
};
#define POLICY_NSETTINGS	16

/* policy.c */
struct diag;
extern const struct policy_setting policy_settings[POLICY_NSETTINGS + 1];
void	policy_config_defaults(struct policy_config *);
int	policy_config_check(const struct policy_config *, struct diag *);
int	policy_config_set(struct policy_config *, const char *key,
	    const char *value, struct diag *);
void	policy_init(struct policy *, const struct policy_config *);
const char *policy_state_name(enum policy_state);
const char *policy_outcome_name(enum policy_outcome);
const char *policy_outcome_label(enum policy_outcome);
extern const struct policy_edge policy_edges[];
extern const size_t policy_nedges;
int	policy_dot(char *buf, size_t len);

/* policy_step.c (with policy_trend.c and policy_size.c: policy_int.h) */
struct policy_action policy_step(struct policy *, const struct policy_sample *,
	    uint64_t now_ms);
int	policy_pressed(const struct policy *, uint64_t now_ms);
uint64_t policy_reserve(const struct policy *, uint64_t mem_total);

/* meminfo.c -- /proc/meminfo and /proc/swaps, parsed from text */
struct meminfo {
	uint64_t	mem_total, mem_available, swap_total, swap_free; /* bytes */
	uint64_t	anon_inactive, swap_cached;	/* 0 where not given */
};
struct swap_entry {
	char		path[256];		/* unescaped; cut if longer... */
	int		truncated;		/* ...and then never ours */
	int		is_file;		/* "file", not "partition" */
	uint64_t	size, used;		/* bytes */
	int		priority;
};
struct swaps {
	unsigned		n;
	struct swap_entry	e[POLICY_FILES_MAX];
};
int	meminfo_parse(const char *text, size_t len, struct meminfo *);
int	swaps_parse(const char *text, size_t len, struct swaps *);

#endif
