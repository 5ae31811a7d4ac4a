/*
 * nfswapd.h -- the daemon itself: its state, one struct agent that main()
 * owns and passes down, and its parts, listed by source file.  What they
 * use from below (the configuration, swap files, the kernel log, the
 * mount, the provisioner's client, the policy) is agent.h's and policy.h's
 * and is linked into the tests too; these files are the daemon's alone.
 *
 * Nothing here exits the process: functions return 0 or -errno, log what
 * only they can say, and main() decides what becomes of the daemon.
 */
#ifndef NFSWAP_NFSWAPD_H
#define NFSWAP_NFSWAPD_H

#include <stdint.h>
#include <time.h>
#include <sys/types.h>

#include "agent.h"

#define LOG_EVERY_MS	(60 * 1000)	/* a failure that repeats: once a minute */
#define FAST_POLL_MS	100		/* sampling while memory moves */
#define PSI_TRIGGER	"some 20000 500000" /* a tick at once when tasks
					   stall 20 ms of 500 on memory */
#define PSI_TRIGGER_2S	"some 20000 2000000" /* without CAP_SYS_RESOURCE
					   (Linux >= 6.5): windows of 2 s */
#define PROV_AWAY_MS	(10 * 60 * 1000) /* an unreachable provisioner: asked
					   again after this ("10 minutes") */

struct agent {
	/* From the command line. */
	const char		*conf_path;
	int			conf_must_exist;	/* -c: the file must be there */
	const char		*pid_file;
	char			proc_dir[PATH_MAXLEN + 1];	/* --proc */
	int			verbose, foreground, check_only, swapoff_on_exit;
	unsigned long		polls;		/* --polls: stop after so many */
	volatile int		*stop;		/* SIGTERM: give up a call, a write */

	struct agent_conf	conf;		/* as read; HUP renews the policy's */

	/* The swap directory: --swapdir, or the export mounted there. */
	char			swapdir[PATH_MAXLEN + 1];
	int			dirfd;
	uid_t			owner;
	unsigned		next_seq;	/* where the next name is looked for */
	int			partials_left;	/* .partial files to remove */
	int			partials_swept;	/* the sweep at start is done */
	int			allocating_swept; /* and left none */
	uint64_t		prov_down_ms;	/* provisioner unreachable at */
	int			prov_noalloc;	/* it offers no ALLOCATE */

	/* Each tick: sample, decide, act. */
	char			buf[16384];	/* a file of the proc directory */
	struct swaps		swaps;
	struct policy_sample	smp;
	struct policy		pol;
	struct policy_action	last;		/* this step's decision */
	struct policy_action	acted;		/* the last action taken */

	/* Memory pressure from the kernel (PSI): a tick at once. */
	int			psi_fd;		/* -1: not offered; polled alone */

	/* Swap errors in the kernel log. */
	int			kmsg_fd;
	struct kmsg_seen	kmsg;		/* not yet fed in */
	unsigned long		write_errors, read_errors;	/* in all */
	uint64_t		write_warned_ms;

	/* The status file, SIGUSR1's report, the metrics (metrics.c). */
	struct {
		unsigned long	actions[2][POLICY_NOUTCOMES];	/* grow, shrink */
		uint64_t	grow_bytes, create_ms;
	}			counts;
	uint64_t		metrics_ms;	/* written then (monotonic) */
	int			metrics_warned;
	time_t			started_at;	/* the epoch's seconds */
	int			running;
	char			err[512];	/* the last error */
	uint64_t		started_ms;

	/* The root: /proc kept open, to follow PID 1 past switch-root. */
	int			proc_fd;
	int			shared_root;	/* PID 1's root was ours at start */
};

/* act.c -- making, dropping and reinstating swap files */
void	agent_act(struct agent *);
void	agent_retire(struct agent *);
void	agent_reinstate(struct agent *);
void	agent_remove_partials(struct agent *);

/* sample.c -- memory, the active swap files, the kernel log's errors */
ssize_t	agent_slurp(struct agent *, const char *path);
int	agent_sample(struct agent *);
int	agent_psi_open(const char *proc_dir, const char **trigger);
void	agent_feed_kmsg(struct agent *);

/* status.c -- the status file, and the report SIGUSR1 asks for */
void	agent_write_status(struct agent *);

/* metrics.c -- the Prometheus textfile (swap.metrics_file) */
#define METRICS_EVERY_MS	15000
void	agent_count_action(struct agent *);
void	agent_write_metrics(struct agent *);
void	agent_report(const struct agent *);

/* swapdir.c -- where the swap goes: the export found, mounted (retrying) */
int	agent_find_swapdir(struct agent *);

/* boot.c -- the daemon's place in a booting system */
int	agent_in_initramfs(void);
int	agent_lock(const struct agent *);
void	agent_harden(void);
void	agent_min_free(const struct agent *);
void	agent_root_init(struct agent *);
void	agent_follow_root(struct agent *);

#endif
