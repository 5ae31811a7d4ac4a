/*
 * metrics.c -- nfswapd's figures for Prometheus, in the text format that
 * node_exporter's textfile collector reads: swap.metrics_file (off by
 * default; a name ending in .prom in the collector's directory), replaced
 * whole when the status file is written and at least every
 * METRICS_EVERY_MS besides, so that what is in use is never older than
 * that.  Like the status file it only tells: a file that cannot be
 * written is said once and never a reason to stop.  Nothing allocates.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "nfswapd.h"

/* The action just taken, counted (agent_act, after grow or shrink). */
void
agent_count_action(struct agent *a)
{
	unsigned k, o = a->smp.last.outcome;

	if (a->smp.last.act != POLICY_GROW && a->smp.last.act != POLICY_SHRINK)
		return;
	k = a->smp.last.act == POLICY_GROW ? 0 : 1;
	if (o < POLICY_NOUTCOMES)
		a->counts.actions[k][o]++;
	if (k == 0) {
		a->counts.grow_bytes += a->smp.last.bytes;
		a->counts.create_ms += a->smp.last.elapsed_ms;
	}
}

#define EMIT(...) do {							\
		int n_ = snprintf(out + off, sizeof(out) - off, __VA_ARGS__); \
		if (n_ < 0 || (size_t)n_ >= sizeof(out) - off)		\
			return;						\
		off += (size_t)n_;					\
	} while (0)
#define HEAD(name, type, help)						\
	EMIT("# HELP " name " " help "\n# TYPE " name " " type "\n")

void
agent_write_metrics(struct agent *a)
{
	static char out[6144];
	uint64_t size = 0, used = 0;
	size_t off = 0;
	unsigned i, k, o;
	int r;

	if (a->conf.metrics_file[0] == '\0')
		return;
	a->metrics_ms = mono_ms();
	for (i = 0; i < a->smp.nfiles; i++) {
		size += a->smp.files[i].size;
		used += a->smp.files[i].used;
	}
	HEAD("nfswapd_info", "gauge", "The agent's version.");
	EMIT("nfswapd_info{version=\"%s\"} 1\n", NFSWAP_VERSION);
	HEAD("nfswapd_start_time_seconds", "gauge",
	    "When the agent started, seconds since the epoch.");
	EMIT("nfswapd_start_time_seconds %lld\n", (long long)a->started_at);
	HEAD("nfswapd_state", "gauge",
	    "The policy's state: 1 for the one it is in.");
	for (k = 0; k < POLICY_NSTATES; k++)
		EMIT("nfswapd_state{state=\"%s\"} %d\n",
		    policy_state_name((enum policy_state)k),
		    a->pol.state == (enum policy_state)k);
	HEAD("nfswapd_swap_files", "gauge", "The agent's active swap files.");
	EMIT("nfswapd_swap_files %u\n", a->smp.nfiles);
	HEAD("nfswapd_swap_size_bytes", "gauge",
	    "Swap active in the agent's files.");
	EMIT("nfswapd_swap_size_bytes %llu\n", (unsigned long long)size);
	HEAD("nfswapd_swap_used_bytes", "gauge",
	    "Swap in use in the agent's files.");
	EMIT("nfswapd_swap_used_bytes %llu\n", (unsigned long long)used);
	HEAD("nfswapd_reserve_bytes", "gauge",
	    "The standby reserve the policy keeps active.");
	EMIT("nfswapd_reserve_bytes %llu\n", (unsigned long long)
	    policy_reserve(&a->pol, a->smp.mem_total));
	HEAD("nfswapd_actions_total", "counter",
	    "Files added (grow) and removed (shrink), by outcome.");
	for (k = 0; k < 2; k++)
		for (o = 0; o < POLICY_NOUTCOMES; o++)
			EMIT("nfswapd_actions_total{action=\"%s\",outcome=\"%s\"} "
			    "%lu\n", k ? "shrink" : "grow",
			    policy_outcome_label((enum policy_outcome)o),
			    a->counts.actions[k][o]);
	HEAD("nfswapd_grow_bytes_total", "counter",
	    "Bytes written into new swap files, whole or not.");
	EMIT("nfswapd_grow_bytes_total %llu\n",
	    (unsigned long long)a->counts.grow_bytes);
	HEAD("nfswapd_file_create_seconds_total", "counter",
	    "Time spent making swap files.");
	EMIT("nfswapd_file_create_seconds_total %.3f\n",
	    (double)a->counts.create_ms / 1000.0);
	HEAD("nfswapd_kernel_swap_errors_total", "counter",
	    "Swap I/O errors the kernel logged.");
	EMIT("nfswapd_kernel_swap_errors_total{kind=\"write\"} %lu\n",
	    a->write_errors);
	EMIT("nfswapd_kernel_swap_errors_total{kind=\"read\"} %lu\n",
	    a->read_errors);
	if ((r = file_replace(a->conf.metrics_file, out, off, 0644)) < 0) {
		if (!a->metrics_warned)
			log_warnx("%s: %s (said once)", a->conf.metrics_file,
			    strerror(-r));
		a->metrics_warned = 1;
	} else
		a->metrics_warned = 0;
}
