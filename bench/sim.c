/*
 * sim.c -- nfswap-sim: replay a memory trace through nfswapd's policy and
 * through a model of swapspace's, on a simple model of a thin client, and
 * print what each would have cost.
 *
 * The machine model (also in docs/nfswap-sim.1):
 *   - RAM of --ram-mib; the trace gives the anonymous-memory demand D(t),
 *     linear between its samples.
 *   - Memory in RAM is min(D, RAM); the rest is in swap, filling the files
 *     in the order they were activated (the kernel's default priorities).
 *     MemAvailable = RAM - min(D, RAM); SwapFree = active swap - swap used.
 *   - nfswapd's policy is asked as the daemon asks it: every poll_ms (1 s),
 *     or every --react-ms (FAST_POLL_MS, 100 ms) while policy_pressed()
 *     says memory is moving; swapspace's once a second.  A file of N bytes
 *     takes N / alloc-mibps seconds to write, during which the agent is
 *     busy (it is not asked) and the file does not count; it counts once it
 *     is ready, and nfswapd is asked again at once (swapspace at the next
 *     whole second).  Past the quota, writing fails with EDQUOT after the
 *     bytes that fit; past 32 files the kernel refuses swapon.
 *   - Dropping a file is immediate; it is refused (swapoff fails) when the
 *     demand would no longer fit in RAM and the remaining swap.
 *   - The figures are per second.  A second in which the highest demand
 *     (its value at the second's start and every sample within it) exceeds
 *     RAM + the least swap active in that second is an exhaustion second:
 *     on a real client the OOM killer runs.  Idle swap is what is active
 *     and not in use at the second's start.
 *
 * Exit status: 0, 1 on a read error, 2 on bad input (with file:line).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "nfswapd.h"		/* FAST_POLL_MS, --react-ms's default */
#include "policy.h"
#include "swapspace.h"

#define MIB		(1024.0 * 1024.0)
#define KERNEL_SLOTS	32
#define TRACE_MAX_S	(30 * 24 * 3600)	/* a month of seconds */

struct trace {
	const char	*path;
	size_t		 n;
	double		*t, *d;		/* seconds, MiB */
};

struct opts {
	const char	*trace;
	int		 which;		/* bit 0 nfswapd, bit 1 swapspace */
	double		 ram_mib, alloc_mibps, quota_mib;
	unsigned	 max_files;
	unsigned	 react_ms;	/* nfswapd's fast sampling interval */
	int		 json, steps;
	struct policy_config pc;	/* nfswapd's settings (--set) */
};

struct result {
	const char	*policy;
	long		 exhaustion_s;
	long		 grow_ops, shrink_ops, failed_ops, refused_shrinks;
	unsigned	 peak_files;
	double		 idle_swap_mib_s, peak_swap_mib, final_swap_mib;
	double		 reserve_mib;	/* nfswapd's standby reserve */
};

struct file {
	char		name[POLICY_NAME_MAX];
	uint64_t	size;
};

static void
usage(void)
{
	fprintf(stderr,
	    "usage: nfswap-sim --trace FILE [--policy nfswapd|swapspace|both]\n"
	    "                  --ram-mib N [--alloc-mibps R] [--quota-mib Q]\n"
	    "                  [--max-files F] [--react-ms N] [--set KEY=VALUE]...\n"
	    "                  [--json] [--steps]\n"
	    "       nfswap-sim --dot\n");
	exit(EXIT_USAGE);
}

static __attribute__((noreturn)) PRINTF_LIKE(2, 3) void
bad_input(int status, const char *fmt, ...)
{
	va_list ap;

	fputs("nfswap-sim: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

/* A finite, non-negative decimal number and nothing else. */
static int
parse_num(const char *s, double *out)
{
	char *end;
	double v;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0' || *s == '+' || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || !isfinite(v) || v < 0)
		return -EINVAL;
	while (*end == ' ' || *end == '\t' || *end == '\r')
		end++;
	if (*end != '\0')
		return -EINVAL;
	/* strtod also takes hex, inf, nan: only plain decimals here. */
	for (; s < end; s++)
		if (!strchr("0123456789.eE-+ \t\r", *s))
			return -EINVAL;
	*out = v;
	return 0;
}

static void
trace_load(struct trace *tr, const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, alloc = 0, lineno = 0;
	ssize_t len;

	if (f == NULL)
		bad_input(EXIT_RUNTIME, "%s: %s", path, strerror(errno));
	memset(tr, 0, sizeof(*tr));
	tr->path = path;
	while ((len = getline(&line, &cap, f)) != -1) {
		char *comma, *p = line;
		double t, d;

		lineno++;
		if ((size_t)len != strlen(line))
			bad_input(EXIT_USAGE, "%s:%zu: NUL byte in line", path, lineno);
		line[strcspn(line, "\n")] = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '#' || *p == '\0' || strcmp(p, "\r") == 0)
			continue;
		comma = strchr(p, ',');
		if (comma == NULL)
			bad_input(EXIT_USAGE, "%s:%zu: expected t_seconds,demand_mib",
			    path, lineno);
		*comma = '\0';
		if (parse_num(p, &t) != 0 || t > TRACE_MAX_S)
			bad_input(EXIT_USAGE, "%s:%zu: bad time \"%s\"", path,
			    lineno, p);
		if (parse_num(comma + 1, &d) != 0 || d > 16.0 * 1024 * 1024)
			bad_input(EXIT_USAGE, "%s:%zu: bad demand \"%s\" (MiB, "
			    "0 to 16T)", path, lineno, comma + 1);
		if (tr->n > 0 && t <= tr->t[tr->n - 1])
			bad_input(EXIT_USAGE, "%s:%zu: time %g is not after %g",
			    path, lineno, t, tr->t[tr->n - 1]);
		if (tr->n == alloc) {
			alloc = alloc ? alloc * 2 : 1024;
			tr->t = realloc(tr->t, alloc * sizeof(double));
			tr->d = realloc(tr->d, alloc * sizeof(double));
			if (tr->t == NULL || tr->d == NULL)
				bad_input(EXIT_RUNTIME, "out of memory");
		}
		tr->t[tr->n] = t;
		tr->d[tr->n] = d;
		tr->n++;
	}
	if (ferror(f))
		bad_input(EXIT_RUNTIME, "%s: %s", path, strerror(errno));
	free(line);
	fclose(f);
	if (tr->n == 0)
		bad_input(EXIT_USAGE, "%s: no samples", path);
}

static void
trace_free(struct trace *tr)
{
	free(tr->t);
	free(tr->d);
}

/* A cursor into the trace: the first sample after the time last asked. */
static size_t
seek(const struct trace *tr, size_t i, double t)
{
	while (i < tr->n && tr->t[i] <= t)
		i++;
	return i;
}

/* The demand at t seconds: linear between samples, 0 before the first and
 * the last one's after it.  Times asked never go back (the cursor). */
static double
demand_at(const struct trace *tr, size_t *cursor, double t)
{
	size_t i = *cursor = seek(tr, *cursor, t);

	if (i == 0)
		return 0;
	if (i == tr->n || tr->t[i - 1] == t)
		return tr->d[i - 1];
	return tr->d[i - 1] + (tr->d[i] - tr->d[i - 1]) *
	    (t - tr->t[i - 1]) / (tr->t[i] - tr->t[i - 1]);
}

/* The highest demand of second s: its value at s and every sample within
 * [s, s+1) (between samples the demand is on a line, never above both). */
static double
demand_peak(const struct trace *tr, size_t *cursor, long s)
{
	double peak = demand_at(tr, cursor, (double)s);
	size_t i;

	for (i = *cursor; i < tr->n && tr->t[i] < (double)s + 1; i++)
		if (tr->d[i] > peak)
			peak = tr->d[i];
	return peak;
}

struct machine {
	const struct opts *o;
	const struct trace *tr;
	int		which;			/* 0 nfswapd, 1 swapspace */
	uint64_t	ram, quota;
	double		rate;			/* bytes/s */
	struct file	files[KERNEL_SLOTS];
	unsigned	nfiles, seq;
	size_t		cursor;			/* into the trace, for the ticks */
	uint64_t	tick_ms;		/* when the policy is asked next */
	uint64_t	done_ms;		/* when the running action ends */
	struct {				/* what the running action will do */
		enum policy_act act;
		enum policy_outcome outcome;
		uint64_t bytes, elapsed_ms;
		struct file f;
	} pending;
	struct policy_sample last;		/* the outcome, not yet told */
	int		have_done;
	uint64_t	swap_min;		/* the least swap this second */
	struct policy	pol;
	struct sspace	ss;
};

static uint64_t
active_swap(const struct machine *m)
{
	uint64_t s = 0;
	unsigned i;

	for (i = 0; i < m->nfiles; i++)
		s += m->files[i].size;
	return s;
}

static void
make_sample(const struct machine *m, double demand_mib,
    struct policy_sample *smp)
{
	uint64_t d = (uint64_t)(demand_mib * MIB), swap = active_swap(m);
	uint64_t inram = d < m->ram ? d : m->ram;
	uint64_t out = d - inram, used;
	unsigned i;

	memset(smp, 0, sizeof(*smp));
	smp->mem_total = m->ram;
	smp->mem_available = m->ram - inram;
	smp->swap_total = swap;
	used = out < swap ? out : swap;
	smp->swap_free = swap - used;
	smp->nfiles = m->nfiles;
	for (i = 0; i < m->nfiles; i++) {
		struct policy_file *f = &smp->files[i];
		uint64_t u = used < m->files[i].size ? used : m->files[i].size;

		memcpy(f->name, m->files[i].name, POLICY_NAME_MAX);
		f->size = m->files[i].size;
		f->used = u;
		used -= u;
	}
}

/* Start an action at time t (ms); it ends at m->done_ms, and its outcome is
 * told at the next tick. */
static void
start(struct machine *m, const struct policy_action *a, double demand_mib,
    uint64_t t, struct result *res)
{
	uint64_t held = active_swap(m), d = (uint64_t)(demand_mib * MIB);
	unsigned i;

	memset(&m->pending, 0, sizeof(m->pending));
	m->pending.act = a->act;
	m->done_ms = t;
	if (a->act == POLICY_GROW) {
		uint64_t n = a->bytes;

		if (m->nfiles >= KERNEL_SLOTS) {
			m->pending.outcome = POLICY_SWAPON_REFUSED;
			res->failed_ops++;
			return;
		}
		if (m->quota != 0 && held + n > m->quota) {
			n = m->quota > held ? m->quota - held : 0;
			m->pending.outcome = POLICY_EDQUOT;
			res->failed_ops++;
		} else {
			m->pending.outcome = POLICY_OK;
			res->grow_ops++;
			snprintf(m->pending.f.name, POLICY_NAME_MAX, "nfswap.%u",
			    m->seq++);
			m->pending.f.size = n;
		}
		m->pending.bytes = n;
		m->pending.elapsed_ms = (uint64_t)((double)n / m->rate * 1000.0);
		m->done_ms = t + (uint64_t)ceil((double)n / m->rate * 1000.0);
		return;
	}
	if (a->act != POLICY_SHRINK)
		return;
	for (i = 0; i < m->nfiles; i++)
		if (strcmp(m->files[i].name, a->name) == 0)
			break;
	if (i == m->nfiles) {
		m->pending.outcome = POLICY_FAILED;
		res->failed_ops++;
		return;
	}
	if (d > m->ram + held - m->files[i].size) {
		m->pending.outcome = POLICY_SWAPOFF_REFUSED;
		res->refused_shrinks++;
		return;
	}
	/* keep activation order: shift rather than swap */
	memmove(&m->files[i], &m->files[i + 1],
	    (m->nfiles - i - 1) * sizeof(m->files[0]));
	m->nfiles--;
	res->shrink_ops++;
	m->pending.outcome = POLICY_OK;
}

/* The running action ends: a new file is active from now on. */
static void
finish(struct machine *m)
{
	if (m->pending.act == POLICY_GROW && m->pending.outcome == POLICY_OK)
		m->files[m->nfiles++] = m->pending.f;
	m->last.last.act = m->pending.act;
	m->last.last.outcome = m->pending.outcome;
	m->last.last.bytes = m->pending.bytes;
	m->last.last.elapsed_ms = m->pending.elapsed_ms;
	m->have_done = 1;
	memset(&m->pending, 0, sizeof(m->pending));
}

/* Seconds for --steps: whole, or to the millisecond. */
static const char *
secs(uint64_t ms, char buf[32])
{
	if (ms % 1000 == 0)
		snprintf(buf, 32, "%llu", (unsigned long long)(ms / 1000));
	else
		snprintf(buf, 32, "%llu.%03llu", (unsigned long long)(ms / 1000),
		    (unsigned long long)(ms % 1000));
	return buf;
}

/* The policy's (or swapspace's) decision at t ms, printed with --steps. */
static struct policy_action
decide(struct machine *m, const struct policy_sample *smp, uint64_t t,
    double now_mib, const struct result *res)
{
	struct policy_action a;
	char buf[32];

	if (m->which == 0) {
		a = policy_step(&m->pol, smp, t);
	} else {
		uint64_t held = active_swap(m);
		uint64_t fs_free = m->quota == 0 ? UINT64_MAX :
		    (m->quota > held ? m->quota - held : 0);
		a = sspace_step(&m->ss, smp, fs_free);
	}
	if (m->o->steps && (a.act != POLICY_NONE || t == 0))
		printf("%s t=%s demand=%.0f swap=%.0f files=%u "
		    "%s %s %.0fMiB -> %s (%s)\n", res->policy, secs(t, buf),
		    now_mib, (double)active_swap(m) / MIB,
		    m->nfiles, a.act == POLICY_GROW ? "grow" :
		    a.act == POLICY_SHRINK ? "shrink" : "none",
		    a.name, (double)a.bytes / MIB,
		    policy_state_name(a.state), a.why ? a.why : "");
	return a;
}

/*
 * The policy is asked at m->tick_ms.  The next tick is as the daemon's loop
 * makes it (agent/main.c): poll_ms after this one, or --react-ms while the
 * policy says memory is moving (policy_pressed, asked when the action is
 * done), but never before the action is done.  swapspace sleeps a second
 * between passes: its next pass is at the next whole second.
 */
static void
tick(struct machine *m, struct result *res)
{
	uint64_t t = m->tick_ms, every;
	struct policy_sample smp;
	struct policy_action a;
	double now_mib = demand_at(m->tr, &m->cursor, (double)t / 1000.0);

	make_sample(m, now_mib, &smp);
	if (m->have_done)
		smp.last = m->last.last;
	m->have_done = 0;
	a = decide(m, &smp, t, now_mib, res);
	m->done_ms = t;
	if (a.act != POLICY_NONE) {
		start(m, &a, now_mib, t, res);
		if (m->done_ms == t)	/* a drop, or refused at once */
			finish(m);
	}
	if (m->which != 0) {
		m->tick_ms = m->done_ms > t ? (m->done_ms + 999) / 1000 * 1000 :
		    t + 1000;
		return;
	}
	every = policy_pressed(&m->pol, m->done_ms) ? m->o->react_ms :
	    m->pol.cfg.poll_ms;
	m->tick_ms = t + every > m->done_ms ? t + every : m->done_ms;
}

/* Every end of an action and every tick before `until` (ms), in order; the
 * least swap and the peaks are kept up to date. */
static void
advance(struct machine *m, uint64_t until, struct result *res)
{
	for (;;) {
		uint64_t swap;

		if (m->pending.act != POLICY_NONE && m->done_ms < until &&
		    m->done_ms <= m->tick_ms)
			finish(m);
		else if (m->tick_ms < until)
			tick(m, res);
		else
			break;
		swap = active_swap(m);
		if (swap < m->swap_min)
			m->swap_min = swap;
		if ((double)swap / MIB > res->peak_swap_mib)
			res->peak_swap_mib = (double)swap / MIB;
		if (m->nfiles > res->peak_files)
			res->peak_files = m->nfiles;
	}
}

static void
run(const struct opts *o, const struct trace *tr, int which,
    struct result *res)
{
	struct machine *m;
	struct policy_config pc;
	struct sspace_config sc;
	size_t cursor = 0;
	long s, end = (long)ceil(tr->t[tr->n - 1]);

	memset(res, 0, sizeof(*res));
	if ((m = calloc(1, sizeof(*m))) == NULL)
		bad_input(EXIT_RUNTIME, "out of memory");
	m->o = o;
	m->tr = tr;
	m->which = which;
	m->ram = (uint64_t)(o->ram_mib * MIB);
	m->quota = (uint64_t)(o->quota_mib * MIB);
	m->rate = o->alloc_mibps * MIB;
	res->policy = which == 0 ? "nfswapd" : "swapspace";

	pc = o->pc;
	pc.max_files = o->max_files;
	pc.quota = m->quota;
	policy_init(&m->pol, &pc);
	sspace_config_defaults(&sc);
	sspace_init(&m->ss, &sc);

	for (s = 0; s <= end; s++) {
		uint64_t s0 = (uint64_t)s * 1000, swap, out;
		double now_mib = demand_at(tr, &cursor, (double)s);
		double peak_mib = demand_peak(tr, &cursor, s);

		/* What happens at the second's start is its start. */
		advance(m, s0 + 1, res);
		swap = m->swap_min = active_swap(m);
		advance(m, s0 + 1000, res);

		if ((uint64_t)(peak_mib * MIB) > m->ram + m->swap_min) {
			res->exhaustion_s++;
			if (o->steps)
				printf("%s t=%ld demand=%.0f swap=%.0f "
				    "out of memory\n", res->policy, s, peak_mib,
				    (double)m->swap_min / MIB);
		}
		out = (uint64_t)(now_mib * MIB);
		out = out > m->ram ? out - m->ram : 0;
		if (out > swap)
			out = swap;
		res->idle_swap_mib_s += (double)(swap - out) / MIB;
	}
	res->final_swap_mib = (double)active_swap(m) / MIB;
	if (which == 0)
		res->reserve_mib = (double)policy_reserve(&m->pol, m->ram) / MIB;
	free(m);
}

static const char *
base(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

static void
print_json(const struct opts *o, const struct result *r)
{
	struct strbuf sb;

	sb_init(&sb);
	sb_printf(&sb, "{\"trace\":");
	sb_putjson(&sb, base(o->trace));
	sb_printf(&sb, ",\"policy\":\"%s\",\"ram_mib\":%g,\"alloc_mibps\":%g,"
	    "\"quota_mib\":%g,\"max_files\":%u,\"react_ms\":%u,"
	    "\"exhaustion_s\":%ld,\"grow_ops\":%ld,\"shrink_ops\":%ld,"
	    "\"failed_ops\":%ld,\"refused_shrinks\":%ld,\"peak_files\":%u,"
	    "\"idle_swap_mib_s\":%.0f,\"peak_swap_mib\":%.1f,"
	    "\"final_swap_mib\":%.1f,\"reserve_mib\":%.0f}\n", r->policy,
	    o->ram_mib, o->alloc_mibps, o->quota_mib, o->max_files, o->react_ms,
	    r->exhaustion_s, r->grow_ops, r->shrink_ops, r->failed_ops,
	    r->refused_shrinks, r->peak_files, r->idle_swap_mib_s,
	    r->peak_swap_mib, r->final_swap_mib, r->reserve_mib);
	if (sb.oom)
		bad_input(EXIT_RUNTIME, "out of memory");
	fputs(sb.s, stdout);
	sb_free(&sb);
}

static double
num_opt(const char *name, const char *arg, double min, double max)
{
	double v;

	if (parse_num(arg, &v) != 0 || v < min || v > max)
		bad_input(EXIT_USAGE, "--%s: \"%s\" is not a number from %g to %g",
		    name, arg, min, max);
	return v;
}

/* --policy NAME: which policies run (bit 0 nfswapd, bit 1 swapspace). */
static int
which_policy(const char *arg)
{
	if (strcmp(arg, "nfswapd") == 0)
		return 1;
	if (strcmp(arg, "swapspace") == 0)
		return 2;
	if (strcmp(arg, "both") == 0)
		return 3;
	bad_input(EXIT_USAGE, "--policy: \"%s\": expected nfswapd, swapspace "
	    "or both", arg);
}

/* --set KEY=VALUE: one of nfswapd's policy settings. */
static void
set_opt(struct opts *o, char *arg)
{
	char *eq = strchr(arg, '=');
	struct diag why;

	if (eq == NULL)
		bad_input(EXIT_USAGE, "--set: \"%s\": expected KEY=VALUE", arg);
	*eq = '\0';
	if (strcmp(arg, "max_files") == 0 || strcmp(arg, "quota") == 0)
		bad_input(EXIT_USAGE, "--set %s: use --%s", arg,
		    arg[0] == 'q' ? "quota-mib" : "max-files");
	if (policy_config_set(&o->pc, arg, eq + 1, &why) != 0)
		bad_input(EXIT_USAGE, "--set %s=%s: %s", arg, eq + 1, why.msg);
}

/* --dot: the policy's transitions as a graphviz digraph (docs/fsm.dot). */
static int
print_dot(void)
{
	char buf[8192];
	int n = policy_dot(buf, sizeof(buf));

	if (n < 0 || (size_t)n >= sizeof(buf))
		bad_input(EXIT_RUNTIME, "state diagram too large");
	fputs(buf, stdout);
	return EXIT_OK;
}

/* nfswapd's settings as they will run, with --quota-mib and --max-files. */
static void
check_settings(const struct opts *o)
{
	struct policy_config chk = o->pc;
	struct diag why;

	chk.max_files = o->max_files;
	chk.quota = (uint64_t)(o->quota_mib * MIB);
	if (policy_config_check(&chk, &why) != 0)
		bad_input(EXIT_USAGE, "nfswapd's settings: %s", why.msg);
}

static void
print_table(const struct opts *o, const struct trace *tr,
    const struct result res[2])
{
	int i;

	if (!o->json)
		printf("%s: ram %g MiB, creation %g MiB/s, quota %s, max %u "
		    "files, react %u ms, %ld s\n"
		    "%-10s %12s %8s %10s %10s %15s %13s\n",
		    base(o->trace), o->ram_mib, o->alloc_mibps,
		    o->quota_mib != 0 ? "set" : "none", o->max_files, o->react_ms,
		    (long)ceil(tr->t[tr->n - 1]) + 1, "policy", "exhaustion_s",
		    "grow_ops", "shrink_ops", "peak_files", "idle_swap_mib_s",
		    "peak_swap_mib");
	for (i = 0; i < 2; i++) {
		if (!(o->which & (1 << i)))
			continue;
		if (o->json)
			print_json(o, &res[i]);
		else
			printf("%-10s %12ld %8ld %10ld %10u %15.0f %13.0f\n",
			    res[i].policy, res[i].exhaustion_s, res[i].grow_ops,
			    res[i].shrink_ops, res[i].peak_files,
			    res[i].idle_swap_mib_s, res[i].peak_swap_mib);
	}
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "trace", required_argument, NULL, 't' },
		{ "policy", required_argument, NULL, 'p' },
		{ "ram-mib", required_argument, NULL, 'r' },
		{ "alloc-mibps", required_argument, NULL, 'a' },
		{ "quota-mib", required_argument, NULL, 'q' },
		{ "max-files", required_argument, NULL, 'f' },
		{ "react-ms", required_argument, NULL, 'R' },
		{ "json", no_argument, NULL, 'j' },
		{ "steps", no_argument, NULL, 's' },
		{ "dot", no_argument, NULL, 'D' },
		{ "set", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct opts o;
	struct trace tr;
	struct result res[2];
	int ch, i, dot = 0;

	memset(&o, 0, sizeof(o));
	policy_config_defaults(&o.pc);
	o.which = 3;
	o.alloc_mibps = 8;
	o.max_files = 16;
	o.react_ms = FAST_POLL_MS;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 't': o.trace = optarg; break;
		case 'p': o.which = which_policy(optarg); break;
		case 'r': o.ram_mib = num_opt("ram-mib", optarg, 16, 16 << 20); break;
		case 'a': o.alloc_mibps = num_opt("alloc-mibps", optarg, 0.01, 1e6); break;
		case 'q': o.quota_mib = num_opt("quota-mib", optarg, 0, 16 << 20); break;
		case 'f': o.max_files = (unsigned)num_opt("max-files", optarg, 1, 32); break;
		case 'R': o.react_ms = (unsigned)num_opt("react-ms", optarg, 10, 60000); break;
		case 'j': o.json = 1; break;
		case 's': o.steps = 1; break;
		case 'D': dot = 1; break;
		case 'S': set_opt(&o, optarg); break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	if (dot)
		return print_dot();
	if (o.trace == NULL || o.ram_mib == 0)
		usage();
	check_settings(&o);
	trace_load(&tr, o.trace);
	for (i = 0; i < 2; i++)
		if (o.which & (1 << i))
			run(&o, &tr, i, &res[i]);
	print_table(&o, &tr, res);
	trace_free(&tr);
	return EXIT_OK;
}
