/*
 * sample.c -- what nfswapd reads each tick, into the policy's sample:
 * memory from the proc directory's meminfo (the real /proc, or a test's),
 * its own active swap files from /proc/swaps, and swap errors seen in the
 * kernel log, which become the outcome of a step with no action.
 *
 * Reading only: nothing here acts or decides, and nothing allocates (the
 * daemon is in the swap path).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "nfswapd.h"

/* Read a whole small file into a->buf; its length, or -errno. */
ssize_t
agent_slurp(struct agent *a, const char *path)
{
	ssize_t n, len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while ((size_t)len < sizeof(a->buf) &&
	    (n = read(fd, a->buf + len, sizeof(a->buf) - (size_t)len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			n = -errno;
			close(fd);
			return n;
		}
		len += n;
	}
	close(fd);
	return (size_t)len == sizeof(a->buf) ? -EFBIG : len;
}

/* Our entry in /proc/swaps: in the swap directory, named like ours. */
static const char *
ours(const struct agent *a, const struct swap_entry *e)
{
	size_t n = strlen(a->swapdir);

	if (!e->is_file || e->truncated || strncmp(e->path, a->swapdir, n) != 0 ||
	    e->path[n] != '/' || strchr(e->path + n + 1, '/') != NULL ||
	    !swapfile_name(e->path + n + 1, NULL))
		return NULL;
	return e->path + n + 1;
}

/* Our active files, from a->swaps into the sample. */
static void
sample_files(struct agent *a)
{
	unsigned i;

	a->smp.nfiles = 0;
	for (i = 0; i < a->swaps.n; i++) {
		const char *name = ours(a, &a->swaps.e[i]);
		struct policy_file *f;

		if (name == NULL || strlen(name) >= POLICY_NAME_MAX)
			continue;
		f = &a->smp.files[a->smp.nfiles++];
		memcpy(f->name, name, strlen(name) + 1);
		f->size = a->swaps.e[i].size;
		f->used = a->swaps.e[i].used;
	}
}

/* Fill a->smp from the proc directory and /proc/swaps. */
int
agent_sample(struct agent *a)
{
	struct meminfo mi;
	char path[PATH_MAXLEN + 16];
	ssize_t n;
	unsigned i;
	int r;

	snprintf(path, sizeof(path), "%s/meminfo", a->proc_dir);
	if ((n = agent_slurp(a, path)) < 0)
		return (int)n;
	if ((r = meminfo_parse(a->buf, (size_t)n, &mi)) < 0)
		return r;
	if ((n = agent_slurp(a, "/proc/swaps")) < 0)
		return (int)n;
	if ((r = swaps_parse(a->buf, (size_t)n, &a->swaps)) < 0)
		return r;
	a->smp.mem_total = mi.mem_total;
	a->smp.mem_available = mi.mem_available;
	a->smp.swap_total = mi.swap_total;
	a->smp.swap_free = mi.swap_free;
	a->smp.anon_inactive = mi.anon_inactive > mi.swap_cached ?
	    mi.anon_inactive - mi.swap_cached : 0;
	sample_files(a);
	/* With a fake meminfo (--proc, for tests) the swap figures are those
	 * of our own files in /proc/swaps: they agree with the files really
	 * active, and the host's other swap is not the fake machine's. */
	if (strcmp(a->proc_dir, "/proc") != 0) {
		a->smp.swap_total = a->smp.swap_free = 0;
		for (i = 0; i < a->smp.nfiles; i++) {
			a->smp.swap_total += a->smp.files[i].size;
			a->smp.swap_free += a->smp.files[i].size -
			    a->smp.files[i].used;
		}
	}
	return 0;
}

/*
 * A PSI trigger on the proc directory's pressure/memory (Linux >= 5.2,
 * CONFIG_PSI, on in Debian's kernels): the descriptor polls POLLPRI when
 * tasks stalled on memory for a share of a window, so that a climb is seen
 * within milliseconds, not at the next tick.  PSI_TRIGGER's half-second
 * window needs CAP_SYS_RESOURCE (taken at open); without it a kernel that
 * allows unprivileged triggers takes PSI_TRIGGER_2S.  The descriptor, with
 * *trigger the one set; or -errno when the kernel offers none (the agent
 * then relies on sampling fast while memory moves).
 */
int
agent_psi_open(const char *proc_dir, const char **trigger)
{
	static const char *const triggers[] = { PSI_TRIGGER, PSI_TRIGGER_2S };
	char path[PATH_MAXLEN + 32];
	unsigned i;
	int fd, r = -ENOENT;

	snprintf(path, sizeof(path), "%s/pressure/memory", proc_dir);
	for (i = 0; i < sizeof(triggers) / sizeof(triggers[0]); i++) {
		if ((fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC)) < 0)
			return r == -ENOENT ? -errno : r;
		if (write(fd, triggers[i], strlen(triggers[i]) + 1) >= 0) {
			*trigger = triggers[i];
			return fd;
		}
		r = -errno;
		close(fd);
	}
	return r;
}

/*
 * Swap errors from the kernel log become the outcome of a step with no
 * action.  A lost page (a failed read) stops growth for good; failed
 * writes (the kernel keeps those pages and writes them again) hold growth
 * for error_hold.  While a hold is on, repeats are logged once a minute.
 */
void
agent_feed_kmsg(struct agent *a)
{
	struct kmsg_seen *k = &a->kmsg;
	uint64_t hold = a->pol.cfg.error_hold_ms / 1000;

	if (k->reads > 0) {
		a->smp.last.outcome = POLICY_EIO;
		snprintf(a->err, sizeof(a->err), "swap read error in the kernel "
		    "log: %s", k->read_line);
		if (!a->pol.io_failed)
			log_warnx("%s -- a page was lost; no more NFS swap "
			    "will be added", a->err);
	} else if (k->writes > 0) {
		a->smp.last.outcome = POLICY_SWAP_WRITE;
		snprintf(a->err, sizeof(a->err), "%u swap write error%s in the "
		    "kernel log: %s", k->writes, k->writes == 1 ? "" : "s",
		    k->write_line);
		if (!a->pol.write_failed ||
		    mono_ms() - a->write_warned_ms >= LOG_EVERY_MS) {
			log_warnx("%s -- the kernel keeps those pages and "
			    "writes them again; no swap is added for %llu s",
			    a->err, (unsigned long long)hold);
			a->write_warned_ms = mono_ms();
		}
	} else
		return;
	a->write_errors += k->writes;
	a->read_errors += k->reads;
	memset(k, 0, sizeof(*k));
}
