/*
 * main.c -- nfswapd: options, configuration, signals and the loop.
 *
 * Once a second: sample (meminfo from the proc directory, /proc/swaps),
 * decide (policy_step), act (create + mkswap + swapon, or swapoff + unlink),
 * and feed the outcome into the next sample.  The daemon is in the swap
 * path: it locks itself in memory, asks the OOM killer to spare it, does
 * not allocate in the loop, and never pulls swap from under its users --
 * on exit its files stay active unless told otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <linux/capability.h>

#include "agent.h"

static volatile sig_atomic_t sig_stop, sig_hup, sig_usr1, sig_usr2;
static volatile int stop_flag;		/* sig_stop, as swapfile_create reads it */

static struct {
	struct agent_conf	conf;
	const char		*conf_path;
	int			conf_must_exist;
	char			proc_dir[PATH_MAXLEN + 1];
	char			swapdir[PATH_MAXLEN + 1];
	int			dirfd;
	uid_t			owner;
	const char		*pid_file;
	int			verbose, foreground, swapoff_on_exit;
	unsigned long		polls;		/* --polls: stop after so many */
	int			check_only;	/* -n */
	int			kmsg_fd;
	int			proc_fd;	/* /proc, kept across switch-root */
	int			shared_root;	/* PID 1's root was ours at start */
	struct policy		pol;
	struct policy_sample	smp;
	struct policy_action	last;		/* this step's decision */
	struct policy_action	acted;		/* the last action taken */
	int			running;
	struct swaps		swaps;
	char			buf[16384];
	char			err[512];	/* the last error, for status */
	struct kmsg_seen	kmsg;		/* swap errors not yet fed in */
	unsigned long		write_errors, read_errors;	/* in all */
	uint64_t		write_warned_ms;
	uint64_t		prov_down_ms;	/* provisioner unreachable at */
	int			prov_noalloc;	/* it offers no ALLOCATE */
	unsigned		next_seq;	/* where next_name starts */
	int			partials_left;	/* .partial files to remove */
	int			partials_swept;	/* the sweep at start is done */
	int			allocating_swept; /* and left none */
	uint64_t		started_ms;
} g;

static void
on_signal(int sig)
{
	switch (sig) {
	case SIGTERM:
	case SIGINT:
		sig_stop = 1;
		stop_flag = 1;
		break;
	case SIGHUP:
		sig_hup = 1;
		break;
	case SIGUSR1:
		sig_usr1 = 1;
		break;
	case SIGUSR2:
		sig_usr2 = 1;
		break;
	}
}

static void
usage(int status)
{
	fprintf(status == EXIT_OK ? stdout : stderr,
	    "usage: nfswapd [-dnv] [-c file] [-p pidfile] [--proc dir]\n"
	    "               [--swapdir dir] [--swapoff-on-exit] [--polls n]\n"
	    "       nfswapd -h | -V\n");
	exit(status);
}

/* Read a whole small file into g.buf; its length, or -errno. */
static ssize_t
slurp(const char *path)
{
	ssize_t n, len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while ((size_t)len < sizeof(g.buf) &&
	    (n = read(fd, g.buf + len, sizeof(g.buf) - (size_t)len)) != 0) {
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
	return (size_t)len == sizeof(g.buf) ? -EFBIG : len;
}

/* The swap directory's path as /proc/swaps writes it, plus a name. */
static int
path_of(const char *name, char *out, size_t len)
{
	return snprintf(out, len, "%s/%s", g.swapdir, name) >= (int)len ?
	    -ENAMETOOLONG : 0;
}

/* Our entry in /proc/swaps: in the swap directory, named like ours. */
static const char *
ours(const struct swap_entry *e)
{
	size_t n = strlen(g.swapdir);

	if (!e->is_file || e->truncated || strncmp(e->path, g.swapdir, n) != 0 ||
	    e->path[n] != '/' || strchr(e->path + n + 1, '/') != NULL ||
	    !swapfile_name(e->path + n + 1, NULL))
		return NULL;
	return e->path + n + 1;
}

/* Fill g.smp from the proc directory and /proc/swaps. */
static int
sample(void)
{
	struct meminfo mi;
	char path[PATH_MAXLEN + 16];
	ssize_t n;
	unsigned i;
	int r;

	snprintf(path, sizeof(path), "%s/meminfo", g.proc_dir);
	if ((n = slurp(path)) < 0)
		return (int)n;
	if ((r = meminfo_parse(g.buf, (size_t)n, &mi)) < 0)
		return r;
	if ((n = slurp("/proc/swaps")) < 0)
		return (int)n;
	if ((r = swaps_parse(g.buf, (size_t)n, &g.swaps)) < 0)
		return r;
	g.smp.mem_total = mi.mem_total;
	g.smp.mem_available = mi.mem_available;
	g.smp.swap_total = mi.swap_total;
	g.smp.swap_free = mi.swap_free;
	g.smp.anon_inactive = mi.anon_inactive > mi.swap_cached ?
	    mi.anon_inactive - mi.swap_cached : 0;
	g.smp.nfiles = 0;
	for (i = 0; i < g.swaps.n; i++) {
		const char *name = ours(&g.swaps.e[i]);
		struct policy_file *f;

		if (name == NULL || strlen(name) >= POLICY_NAME_MAX)
			continue;
		f = &g.smp.files[g.smp.nfiles++];
		memcpy(f->name, name, strlen(name) + 1);
		f->size = g.swaps.e[i].size;
		f->used = g.swaps.e[i].used;
	}
	/* With a fake meminfo (--proc, for tests) the swap figures come from
	 * /proc/swaps, so that they agree with the files really active. */
	if (strcmp(g.proc_dir, "/proc") != 0) {
		g.smp.swap_total = g.smp.swap_free = 0;
		for (i = 0; i < g.swaps.n; i++) {
			g.smp.swap_total += g.swaps.e[i].size;
			g.smp.swap_free += g.swaps.e[i].size - g.swaps.e[i].used;
		}
	}
	return 0;
}

static enum policy_outcome
outcome_of(int err)
{
	switch (-err) {
	case 0:
		return POLICY_OK;
	case ENOSPC:
		return POLICY_ENOSPC;
	case EDQUOT:
		return POLICY_EDQUOT;
	case EIO:
		return POLICY_EIO;
	default:
		return POLICY_FAILED;
	}
}

/* s as the inside of a JSON string, without allocating: quotes,
 * backslashes and control characters escaped, other bytes above 0x7e
 * replaced (the kernel log and paths are not promised to be UTF-8). */
static const char *
json(const char *s, char *out, size_t len)
{
	size_t o = 0;

	for (; *s && o + 7 < len; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20)
			o += (size_t)snprintf(out + o, len - o, "\\u%04x", c);
		else
			out[o++] = c > 0x7e ? '?' : (char)c;
	}
	out[o] = '\0';
	return out;
}

/*
 * Swap errors from the kernel log become the outcome of a step with no
 * action.  A lost page (a failed read) stops growth for good; failed
 * writes (the kernel keeps those pages and writes them again) hold growth
 * for error_hold.  While a hold is on, repeats are logged once a minute.
 */
static void
feed_kmsg(void)
{
	struct kmsg_seen *k = &g.kmsg;
	uint64_t hold = g.pol.cfg.error_hold_ms / 1000;

	if (k->reads > 0) {
		g.smp.last.outcome = POLICY_EIO;
		snprintf(g.err, sizeof(g.err), "swap read error in the kernel "
		    "log: %s", k->read_line);
		if (!g.pol.io_failed)
			log_warnx("%s -- a page was lost; no more NFS swap "
			    "will be added", g.err);
	} else if (k->writes > 0) {
		g.smp.last.outcome = POLICY_SWAP_WRITE;
		snprintf(g.err, sizeof(g.err), "%u swap write error%s in the "
		    "kernel log: %s", k->writes, k->writes == 1 ? "" : "s",
		    k->write_line);
		if (!g.pol.write_failed ||
		    mono_ms() - g.write_warned_ms >= 60000) {
			log_warnx("%s -- the kernel keeps those pages and "
			    "writes them again; no swap is added for %llu s",
			    g.err, (unsigned long long)hold);
			g.write_warned_ms = mono_ms();
		}
	} else
		return;
	g.write_errors += k->writes;
	g.read_errors += k->reads;
	memset(k, 0, sizeof(*k));
}

static void
write_status(void)
{
	static char out[8192], e1[PATH_MAXLEN * 2], e2[1024];
	const struct policy_action *a = &g.acted;
	size_t off = 0;
	unsigned i;
	int n;

	n = snprintf(out, sizeof(out), "{\"pid\":%d,\"running\":%s,"
	    "\"state\":\"%s\","
	    "\"swapdir\":\"%s\",\"uptime_s\":%llu,\"last_action\":\"%s\","
	    "\"last_file\":\"%s\",\"last_bytes\":%llu,\"last_error\":\"%s\","
	    "\"io_errors\":%s,\"swap_write_errors\":%lu,"
	    "\"swap_read_errors\":%lu,\"files\":[", (int)getpid(),
	    g.running ? "true" : "false", policy_state_name(g.pol.state), json(g.swapdir, e1, sizeof(e1)),
	    (unsigned long long)((mono_ms() - g.started_ms) / 1000),
	    a->act == POLICY_GROW ? "grow" : a->act == POLICY_SHRINK ?
	    "shrink" : "none", a->name, (unsigned long long)a->bytes,
	    json(g.err, e2, sizeof(e2)), g.pol.io_failed ? "true" : "false",
	    g.write_errors, g.read_errors);
	if (n < 0 || (size_t)n >= sizeof(out))
		return;
	off = (size_t)n;
	for (i = 0; i < g.smp.nfiles && off < sizeof(out); i++) {
		n = snprintf(out + off, sizeof(out) - off,
		    "%s{\"name\":\"%s\",\"size\":%llu,\"used\":%llu}",
		    i ? "," : "", g.smp.files[i].name,
		    (unsigned long long)g.smp.files[i].size,
		    (unsigned long long)g.smp.files[i].used);
		if (n < 0)
			return;
		off += (size_t)n;
	}
	if (off + 3 >= sizeof(out))
		return;
	memcpy(out + off, "]}\n", 3);
	off += 3;
	if (file_replace(g.conf.status_file, out, off, 0644) < 0 && g.verbose)
		log_warn("%s", g.conf.status_file);
}

/* The lowest N for which nfswap.N is not in the directory. */
static int
next_name(char *name, size_t len)
{
	unsigned seq, used[64] = { 0 }, i;
	struct dirent *de;
	DIR *d;
	int fd = openat(g.dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	while ((de = readdir(d)) != NULL)
		if ((swapfile_name(de->d_name, &seq) ||
		    swapfile_partial(de->d_name, &seq) ||
		    swapfile_allocating(de->d_name, &seq)) && seq < 64 * 32)
			used[seq / 32] |= 1u << (seq % 32);
	closedir(d);
	/* From the one after the last made, round: a name this client
	 * removed a moment ago may still be cached as absent by its NFS
	 * client, and a file the provisioner makes under it would not be
	 * seen at once. */
	for (i = 0; i < 64 * 32; i++) {
		seq = (g.next_seq + i) % (64 * 32);
		if (!(used[seq / 32] & (1u << (seq % 32)))) {
			g.next_seq = seq + 1;
			return snprintf(name, len, SWAPFILE_PREFIX "%u", seq) >=
			    (int)len ? -ENAMETOOLONG : 0;
		}
	}
	return -ENFILE;
}

/* How the provisioner is called, from the configuration. */
static void
prov_of(struct prov *p)
{
	snprintf(p->addr, sizeof(p->addr), "%s", g.conf.provisioner);
	p->port = g.conf.provisioner_port;
	p->call_ms = g.conf.provisioner_timeout * 1000;
	p->stop = &stop_flag;
}

/*
 * The file written by the provisioning service on the server's disk, then
 * checked here as a file of our own would be: ours, that size, no holes.
 * A service that cannot be reached, answers nonsense, refuses for its own
 * reasons or is still at it when ALLOCATE's deadline passes gives way to
 * writing the file over NFS (said once); quota and space are the
 * policy's business.
 */
static int
allocate(const char *name, uint64_t bytes)
{
	uint64_t limit = agent_alloc_limit_ms(&g.conf, bytes);
	struct prov p;
	int last, r;

	prov_of(&p);
	r = prov_allocate(&p, name, bytes, limit, &last);
	if (r == 0) {
		/* next_name does not reuse a name just removed, which the
		 * NFS client may still hold as absent */
		r = swapfile_allocated(g.dirfd, name, bytes, g.owner);
		if (r < 0) {
			log_warnx("%s from the provisioner is not what was asked "
			    "for (%s); removing it", name, r == -EFAULT ?
			    "owner, size or holes" : strerror(-r));
			(void)prov_release(&p, name);
			r = -EIO;
		}
	}
	if (r == -EOPNOTSUPP) {
		log_info("provisioner %s offers no ALLOCATE (its files are not "
		    "on its own disk): writing swap files over NFS",
		    g.conf.provisioner);
		g.prov_noalloc = 1;
		return -EIO;
	}
	if (r == -ETIMEDOUT) {
		/* Given up: it may be slow, or saying so for ever.  What it
		 * may still write under the name is asked back. */
		log_warnx("provisioner %s: %s still %s after %llu s; giving it "
		    "up (RELEASE asked) and writing a file over NFS instead "
		    "(asking it again in 10 minutes)", g.conf.provisioner,
		    name, last == -EBUSY ? "busy" : "in progress",
		    (unsigned long long)(limit / 1000));
		(void)prov_release(&p, name);
		g.prov_down_ms = mono_ms();
		return -EHOSTUNREACH;
	}
	if (r == -EHOSTUNREACH || r == -EPROTO || r == -ENOENT ||
	    r == -EBUSY || r == -EIO || r == -EINVAL) {
		log_warnx("provisioner %s: %s for %s; writing a file over NFS "
		    "instead%s", g.conf.provisioner, r == -EHOSTUNREACH ?
		    "no answer" : r == -EPROTO ? "an answer that is not the "
		    "protocol's" : r == -ENOENT ? "this address is no client's" :
		    r == -EBUSY ? "busy" : "refused", name,
		    r == -EHOSTUNREACH || r == -EPROTO ? " (asking it again in 10 "
		    "minutes)" : "");
		g.prov_down_ms = r == -EHOSTUNREACH || r == -EPROTO ?
		    mono_ms() : 0;
		return r == -EINVAL ? -EIO : r == -EPROTO ? -EHOSTUNREACH : r;
	}
	return r;
}

static void
partial_said(const char *name, int r, int refused)
{
	if (r == 0)
		log_info("removed %s, left by a creation that did not finish",
		    name);
	else if (refused && !g.partials_swept)	/* at start, once */
		log_warnx("%s/%s: not ours, left alone", g.swapdir, name);
	else if (!refused && g.partials_left == 0) /* once, then quietly */
		log_warnx("cannot remove %s, left by a creation that did not "
		    "finish: %s; trying again", name, strerror(-r));
}

/*
 * Partial files -- of a creation cut short by a crash, a reset or a
 * server that went away -- are removed at start (with those of an
 * allocation "nfswap serve" did not finish: no agent waits for it then)
 * and, if the directory did not answer, on every tick until it does.
 */
static void
remove_partials(void)
{
	int r = swapfile_partials(g.dirfd, g.owner, !g.allocating_swept,
	    partial_said);

	if (r < 0 && g.partials_left == 0)
		log_warnx("%s: %s; partial files are removed later", g.swapdir,
		    strerror(-r));
	g.partials_left = r < 0 ? 1 : r;
	g.partials_swept = 1;
	if (r == 0)
		g.allocating_swept = 1;	/* from now on, the service's are live */
}

/*
 * A file that cannot fit is not begun: the size asked for, or what the
 * directory has room for (less 1/32 of it, for the file system's own
 * needs) in whole MiB if that is less; 0 if that is below min_swapsize.
 * Over NFS the server says what is free -- for a directory with a project
 * quota, what the quota leaves.  *room is the free space (UINT64_MAX if
 * the file system does not say).
 */
static uint64_t
fit(uint64_t bytes, uint64_t *room)
{
	struct statvfs v;
	uint64_t usable;

	*room = UINT64_MAX;
	if (fstatvfs(g.dirfd, &v) < 0 || v.f_frsize == 0 || v.f_blocks == 0)
		return bytes;		/* not known: the write will tell */
	*room = (uint64_t)v.f_bavail * v.f_frsize;
	usable = *room - *room / 32;
	if (bytes <= usable)
		return bytes;
	usable &= ~(uint64_t)(POLICY_MIB - 1);
	return usable >= g.conf.policy.min_swapsize ? usable : 0;
}

static void
grow(uint64_t bytes)
{
	char name[POLICY_NAME_MAX], path[PATH_MAXLEN + POLICY_NAME_MAX + 2];
	uint64_t t0 = mono_ms(), written = 0, room, fitting;
	int r, asked;

	g.smp.last.act = POLICY_GROW;
	if ((r = next_name(name, sizeof(name))) < 0 ||
	    (r = path_of(name, path, sizeof(path))) < 0) {
		g.smp.last.outcome = POLICY_FAILED;
		snprintf(g.err, sizeof(g.err), "cannot name a new file: %s",
		    strerror(-r));
		log_warnx("%s", g.err);
		return;
	}
	snprintf(g.last.name, sizeof(g.last.name), "%s", name);
	if ((fitting = fit(bytes, &room)) == 0) {
		g.smp.last.outcome = POLICY_ENOSPC;
		snprintf(g.err, sizeof(g.err), "%.400s has %llu KiB free, less than "
		    "min_swapsize: no file begun", g.swapdir,
		    (unsigned long long)(room >> 10));
		log_warnx("%s", g.err);
		return;
	}
	if (fitting < bytes) {
		log_info("%s has %llu MiB free: making %s %llu MiB, not %llu",
		    g.swapdir, (unsigned long long)(room >> 20), name,
		    (unsigned long long)(fitting >> 20),
		    (unsigned long long)(bytes >> 20));
		bytes = fitting;
	}
	r = -EHOSTUNREACH;
	asked = 0;
	if (g.conf.provisioner[0] != '\0' && !g.prov_noalloc &&
	    (g.prov_down_ms == 0 || mono_ms() - g.prov_down_ms >= 600000)) {
		r = allocate(name, bytes);
		asked = 1;
		if (r == 0)
			written = bytes;
	}
	if (r == -EHOSTUNREACH || r == -ENOENT || r == -EBUSY || r == -EIO) {
		/* The service may still be writing the name it was given (an
		 * answer lost, not the work): ours is another. */
		r = asked ? next_name(name, sizeof(name)) : 0;
		if (r == 0) {
			snprintf(g.last.name, sizeof(g.last.name), "%s", name);
			r = swapfile_create(g.dirfd, name, bytes,
			    g.conf.block_size, &written, &stop_flag);
		}
	}
	g.smp.last.bytes = written;
	g.smp.last.elapsed_ms = mono_ms() - t0;
	if (r < 0) {
		g.smp.last.outcome = outcome_of(r);
		snprintf(g.err, sizeof(g.err), "creating %s (%llu of %llu "
		    "bytes): %s; partial file removed", name,
		    (unsigned long long)written, (unsigned long long)bytes,
		    r == -EFAULT ? "the server left holes in it" : strerror(-r));
		log_warnx("%s", g.err);
		remove_partials();	/* if it could not be removed then */
		return;
	}
	if ((r = swapfile_mkswap(g.dirfd, name, bytes)) < 0 ||
	    (r = swapfile_on(g.dirfd, name, g.owner, g.conf.priority)) < 0) {
		g.smp.last.outcome = r == -EIO ? POLICY_EIO :
		    POLICY_SWAPON_REFUSED;
		snprintf(g.err, sizeof(g.err), "activating %s: %s; file removed",
		    name, strerror(-r));
		log_warnx("%s", g.err);
		(void)swapfile_unlink(g.dirfd, name, g.owner);
		return;
	}
	g.smp.last.outcome = POLICY_OK;
	g.err[0] = '\0';
	log_info("added %s: %llu MiB in %.1f s", name,
	    (unsigned long long)(bytes >> 20),
	    (double)g.smp.last.elapsed_ms / 1000.0);
}

static void
shrink(const char *name)
{
	int r;

	g.smp.last.act = POLICY_SHRINK;
	g.smp.last.bytes = 0;
	g.smp.last.elapsed_ms = 0;
	if ((r = swapfile_off(g.dirfd, name, g.owner)) < 0) {
		g.smp.last.outcome = r == -ENOMEM ? POLICY_SWAPOFF_REFUSED :
		    outcome_of(r);
		snprintf(g.err, sizeof(g.err), "swapoff %s: %s", name,
		    strerror(-r));
		log_warnx("%s", g.err);
		return;
	}
	if ((r = swapfile_unlink(g.dirfd, name, g.owner)) < 0)
		log_warnx("unlink %s (it is off): %s", name, strerror(-r));
	g.smp.last.outcome = POLICY_OK;
	g.err[0] = '\0';
	log_info("removed %s", name);
}

/*
 * At start: files already active are adopted (they are in the sample);
 * files of ours left from the last boot are checked and switched on;
 * anything else is reported and left alone.
 */
static void
reinstate(void)
{
	char path[PATH_MAXLEN + 300];
	struct swapfile_check c;
	struct dirent *de;
	unsigned i, active;
	DIR *d;
	int fd = openat(g.dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), r;

	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		log_warn("%s", g.swapdir);
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (path_of(de->d_name, path, sizeof(path)) < 0)
			continue;
		for (i = 0, active = 0; i < g.swaps.n; i++)
			if (strcmp(g.swaps.e[i].path, path) == 0)
				active = 1;
		if (swapfile_partial(de->d_name, NULL) ||
		    swapfile_allocating(de->d_name, NULL))
			continue;	/* remove_partials() had its say */
		if (!swapfile_name(de->d_name, NULL)) {
			log_warnx("%s: not ours, left alone%s", path,
			    active ? " (it is active swap)" : "");
			continue;
		}
		if (active) {
			log_info("adopted %s (already active)", de->d_name);
			continue;
		}
		if ((r = swapfile_check(g.dirfd, de->d_name, g.owner, &c)) < 0) {
			log_warnx("%s: %s; left alone", path, strerror(-r));
			continue;
		}
		if (!c.ok) {
			log_warnx("%s: %s; left alone", path, c.why);
			continue;
		}
		if (c.needs_mkswap) {
			struct stat st;

			if (fstatat(g.dirfd, de->d_name, &st,
			    AT_SYMLINK_NOFOLLOW) < 0 || (r = swapfile_mkswap(
			    g.dirfd, de->d_name, (uint64_t)st.st_size)) < 0) {
				log_warnx("%s: cannot write its swap header; "
				    "left alone", path);
				continue;
			}
		}
		if ((r = swapfile_on(g.dirfd, de->d_name, g.owner,
		    g.conf.priority)) < 0)
			log_warnx("%s: swapon: %s; left alone", path,
			    strerror(-r));
		else
			log_info("reinstated %s%s", de->d_name,
			    c.needs_mkswap ? " (new swap header)" : "");
	}
	closedir(d);
}

static void
report(void)
{
	unsigned i;

	log_info("state %s for %llu s; memory %llu/%llu MiB available, swap "
	    "%llu/%llu MiB free; %u files%s%s",
	    policy_state_name(g.pol.state),
	    (unsigned long long)((g.pol.mono - g.pol.entered_ms) / 1000),
	    (unsigned long long)(g.smp.mem_available >> 20),
	    (unsigned long long)(g.smp.mem_total >> 20),
	    (unsigned long long)(g.smp.swap_free >> 20),
	    (unsigned long long)(g.smp.swap_total >> 20), g.smp.nfiles,
	    g.err[0] ? "; last error: " : "", g.err);
	for (i = 0; i < g.smp.nfiles; i++)
		log_info("  %s %llu MiB, %llu MiB used", g.smp.files[i].name,
		    (unsigned long long)(g.smp.files[i].size >> 20),
		    (unsigned long long)(g.smp.files[i].used >> 20));
}

/*
 * Ask the provisioning service which export is ours (by the address we
 * call from), retrying while it is away, does not know us yet, or gives
 * an answer that agent_lookup_check() refuses (a server that is neither
 * the provisioner nor listed in servers, a path that is not a plain one):
 * such an answer is logged with what it offered and never used.  The
 * configured server (*server0) is one it may name; it names its own.
 * Returns 0, or -EINTR when stopped.
 */
static int
lookup_export(const char *server0)
{
	struct prov_export x;
	struct prov p;
	char server[HOST_MAXLEN + 1], why[512];
	uint64_t last_log = 0, t;
	unsigned backoff = 1;
	int r;

	prov_of(&p);
	while (!sig_stop) {
		snprintf(g.conf.server, sizeof(g.conf.server), "%s", server0);
		r = prov_lookup(&p, &x);
		if (r == 0 && (r = agent_lookup_check(&g.conf, &x, server,
		    sizeof(server), why, sizeof(why))) == 0) {
			/* A site with several NFS heads names this client's;
			 * its ports are the head's, whatever ours say. */
			snprintf(g.conf.server, sizeof(g.conf.server), "%s",
			    server);
			snprintf(g.conf.export_path, sizeof(g.conf.export_path),
			    "%s", x.path);
			if (x.nfs_port != 0)
				g.conf.port = x.nfs_port;
			if (x.mount_port != 0)
				g.conf.mountport = x.mount_port;
			g.prov_noalloc = !x.allocate;
			log_info("provisioner %s: this is client %s, export %s "
			    "on %s%s", g.conf.provisioner, x.client, x.path,
			    g.conf.server, x.allocate ? "" : " (no ALLOCATE "
			    "there: files are written over NFS)");
			return 0;
		}
		t = mono_ms();
		if (r == -EINTR)
			break;
		if (last_log == 0 || t - last_log >= 60000) {
			if (r == -EINVAL)
				log_warnx("provisioner %s: LOOKUP's answer not "
				    "used: %s (asking again)",
				    g.conf.provisioner, why);
			else
				log_warnx("provisioner %s: %s (retrying)",
				    g.conf.provisioner, r == -ENOENT ?
				    "this address is no client's (nfswap add?)" :
				    r == -EPROTO ? "an answer that is not the "
				    "protocol's" : "no answer from nfswap serve");
			last_log = t;
		}
		sleep(backoff);
		if (backoff < 30)
			backoff *= 2;
	}
	return -EINTR;
}

/*
 * Mount the export (retrying while the server is away), or use swapdir.
 * An export path that cannot be expanded here (%i on a host without an
 * address yet) or a LOOKUP answer that is refused is logged and tried
 * again, never a reason to exit.
 */
static void
find_swapdir(void)
{
	char host[HOST_MAXLEN + 1], ip[64], path[PATH_MAXLEN + 1];
	char opts[1024], source[PATH_MAXLEN + 80], server0[HOST_MAXLEN + 1];
	char tmpl[PATH_MAXLEN + 1];
	const char *why;
	uint64_t last_log = 0, t;
	unsigned backoff = 1;
	int r, asks;

	if (g.swapdir[0] != '\0')
		return;
	asks = (g.conf.server[0] == '\0' || g.conf.export_path[0] == '\0') &&
	    g.conf.provisioner[0] != '\0';
	if (!asks && (g.conf.server[0] == '\0' ||
	    g.conf.export_path[0] == '\0')) {
		log_warnx("no server and export: set them in %s, or boot with "
		    "nfswap=SERVER:/PATH, or set provisioner, or use --swapdir",
		    g.conf_path);
		exit(EXIT_USAGE);
	}
	snprintf(server0, sizeof(server0), "%s", g.conf.server);
	snprintf(tmpl, sizeof(tmpl), "%s", g.conf.export_path);
	while (!sig_stop) {
		if (asks) {
			/* LOOKUP's path is checked there and used as given */
			if (lookup_export(server0) < 0)
				exit(EXIT_OK);
			snprintf(path, sizeof(path), "%s", g.conf.export_path);
			break;
		}
		host[0] = ip[0] = '\0';
		(void)gethostname(host, sizeof(host) - 1);
		host[strcspn(host, ".")] = '\0';
		(void)agent_primary_ipv4(ip, sizeof(ip));
		if (agent_expand(tmpl, host, ip, path, sizeof(path), &why) == 0)
			break;
		t = mono_ms();
		if (last_log == 0 || t - last_log >= 60000) {
			log_warnx("export %s: %s (trying again)", tmpl, why);
			last_log = t;
		}
		sleep(backoff);
		if (backoff < 30)
			backoff *= 2;
	}
	if (sig_stop)
		exit(EXIT_OK);
	last_log = 0;
	backoff = 1;
	snprintf(g.swapdir, sizeof(g.swapdir), "%s", g.conf.mount_point);
	{
		struct utsname u;
		uint32_t floor = agent_swap_wsize_floor(&g.conf,
		    uname(&u) == 0 ? u.release : NULL);

		if (floor > g.conf.wsize || floor > g.conf.rsize)
			log_info("raising rsize/wsize from %u/%u to %u for the swap "
			    "mount: on Linux %s, swap through smaller NFS writes "
			    "fails (Write error -12 on dio swapfile); set "
			    "nfs.literal_wsize = true to keep them", g.conf.rsize,
			    g.conf.wsize, floor, uname(&u) == 0 ? u.release : "?");
		g.conf.min_swap_wsize = floor;
	}
	if (agent_is_nfs_mounted(g.conf.mount_point)) {
		log_info("%s is already mounted; using it", g.conf.mount_point);
		return;
	}
	while (!sig_stop) {
		r = agent_mount(&g.conf, path, opts, sizeof(opts), source,
		    sizeof(source));
		if (r == 0) {
			log_info("mounted %s on %s (%s)", source,
			    g.conf.mount_point, opts);
			return;
		}
		t = mono_ms();
		if (last_log == 0 || t - last_log >= 60000) {
			errno = -r;
			log_warn("mount %s:%s on %s (retrying)", g.conf.server,
			    path, g.conf.mount_point);
			last_log = t;
		}
		sleep(backoff);
		if (backoff < 30)
			backoff *= 2;
	}
	exit(EXIT_OK);
}

static void
load_conf(int first)
{
	struct agent_conf c;
	struct diag d;
	char server[HOST_MAXLEN + 1], path[PATH_MAXLEN + 1];
	ssize_t n;

	diag_clear(&d);
	if (agent_conf_load(&c, g.conf_path, g.conf_must_exist, &d) < 0) {
		if (first) {
			/* file:line: text, and bad input is exit 2 */
			log_warnx("%s", d.msg);
			exit(d.status);
		}
		log_warnx("reload: %s (keeping the old configuration)", d.msg);
		return;
	}
	/* nfswap= on the kernel command line overrides server and export. */
	if ((n = slurp("/proc/cmdline")) > 0) {
		g.buf[n < (ssize_t)sizeof(g.buf) ? n : n - 1] = '\0';
		switch (agent_cmdline(g.buf, server, sizeof(server), path,
		    sizeof(path))) {
		case 1:
			snprintf(c.server, sizeof(c.server), "%s", server);
			snprintf(c.export_path, sizeof(c.export_path), "%s", path);
			break;
		case 2:
			if (first && !g.check_only) {
				log_info("nfswap=off on the kernel command line: "
				    "not starting");
				exit(EXIT_OK);
			}
			break;
		case 0:
			break;
		default:
			log_warnx("ignoring a malformed nfswap= on the kernel "
			    "command line (want nfswap=SERVER:/PATH)");
		}
	}
	if (first)
		g.conf = c;
	else {
		/* The policy's new settings apply; its state is kept. */
		g.conf.policy = c.policy;
		g.conf.priority = c.priority;
		g.conf.block_size = c.block_size;
		g.conf.poll_ms = c.poll_ms;
		g.pol.cfg = c.policy;
		log_info("configuration reloaded");
	}
}

/*
 * Without CAP_SYS_RESOURCE the agent is held to the quotas and the
 * root-reserved blocks of a local swap directory, as the server holds it
 * to them over NFS.  It goes from the bounding set too (a helper it runs
 * gets no more).
 */
static int
drop_sys_resource(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	uint32_t bit = 1u << (CAP_SYS_RESOURCE % 32);

	if (prctl(PR_CAPBSET_DROP, CAP_SYS_RESOURCE, 0, 0, 0) < 0 &&
	    errno != EPERM)		/* EPERM: not ours to drop from there */
		return -errno;
	if (syscall(SYS_capget, &h, d) < 0)
		return -errno;
	d[CAP_SYS_RESOURCE / 32].effective &= ~bit;
	d[CAP_SYS_RESOURCE / 32].permitted &= ~bit;
	d[CAP_SYS_RESOURCE / 32].inheritable &= ~bit;
	return syscall(SYS_capset, &h, d) < 0 ? -errno : 0;
}

static void
harden(void)
{
	int fd, r;

	if (mlockall(MCL_CURRENT | MCL_FUTURE) < 0)
		log_warn("mlockall (continuing unlocked)");
	fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "-1000", 5) != 5)
		log_warn("oom_score_adj");
	if (fd >= 0)
		close(fd);
	/* after oom_score_adj, which needs it */
	if ((r = drop_sys_resource()) < 0)
		log_warnx("dropping CAP_SYS_RESOURCE: %s (quotas may not hold "
		    "for local swap files)", strerror(-r));
}

/*
 * In an initramfs: an initrd-release file (dracut, systemd) or, for
 * initramfs-tools, a root file system in memory with an /init on it.
 */
static int
in_initramfs(void)
{
	struct statfs sf;

	if (access("/etc/initrd-release", F_OK) == 0 ||
	    access("/usr/lib/initrd-release", F_OK) == 0)
		return 1;
	return statfs("/", &sf) == 0 && (sf.f_type == 0x858458f6 /* ramfs */ ||
	    sf.f_type == 0x01021994 /* tmpfs */) && access("/init", X_OK) == 0;
}

static int
same_root_as_init(int *same)
{
	struct stat a, b;

	if (fstatat(g.proc_fd, "1/root", &a, 0) < 0 || stat("/", &b) < 0)
		return -1;
	*same = a.st_dev == b.st_dev && a.st_ino == b.st_ino;
	return 0;
}

/*
 * Started from an initramfs, the daemon runs on when the system switches to
 * its real root: run-init or switch_root moves /proc, /run and /dev into
 * the new root and PID 1 chroots there, while this process is left behind
 * in the emptied initramfs, where /proc/meminfo and /run/nfswap no longer
 * resolve.  /proc stays open (an fd survives the move); when PID 1's root
 * is no longer ours, though it was at start, the daemon follows it there.
 */
static void
follow_root(void)
{
	int same, fd;

	if (!g.shared_root || same_root_as_init(&same) < 0 || same)
		return;
	fd = openat(g.proc_fd, "1/root", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fchdir(fd) < 0 || chroot(".") < 0 || chdir("/") < 0) {
		log_warn("following the system into its new root");
		g.shared_root = 0;
	} else
		log_info("the system switched to its real root; following it "
		    "(swap in %s)", g.swapdir);
	if (fd >= 0)
		close(fd);
}

static void
retire_all(void)
{
	unsigned i;

	if (sample() < 0)
		return;
	for (i = 0; i < g.smp.nfiles; i++)
		shrink(g.smp.files[i].name);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "proc", required_argument, NULL, 'P' },
		{ "swapdir", required_argument, NULL, 'S' },
		{ "swapoff-on-exit", no_argument, NULL, 'X' },
		{ "polls", required_argument, NULL, 'N' },
		{ NULL, 0, NULL, 0 }
	};
	struct sigaction sa;
	struct stat st;
	struct pollfd pfd;
	int ch, r;
	enum policy_state prev;
	uint64_t next, t;
	const char *why = NULL;
	int fed;
	uint64_t sample_warned = 0;

	g.conf_path = AGENT_CONF;
	g.kmsg_fd = -1;
	snprintf(g.proc_dir, sizeof(g.proc_dir), "/proc");
	while ((ch = getopt_long(argc, argv, "c:dhnp:vV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': g.conf_path = optarg; g.conf_must_exist = 1; break;
		case 'd': g.foreground = 1; break;
		case 'n': g.check_only = 1; g.foreground = 1; break;
		case 'p': g.pid_file = optarg; break;
		case 'v': g.verbose = 1; break;
		case 'V': printf("nfswapd %s\n", NFSWAP_VERSION); return EXIT_OK;
		case 'h': usage(EXIT_OK); break;
		case 'P':
			if (snprintf(g.proc_dir, sizeof(g.proc_dir), "%s",
			    optarg) >= (int)sizeof(g.proc_dir))
				usage(EXIT_USAGE);
			break;
		case 'S':
			if (optarg[0] != '/' || snprintf(g.swapdir,
			    sizeof(g.swapdir), "%s", optarg) >=
			    (int)sizeof(g.swapdir))
				usage(EXIT_USAGE);
			break;
		case 'X': g.swapoff_on_exit = 1; break;
		case 'N': {
			char *end;

			errno = 0;
			g.polls = strtoul(optarg, &end, 10);
			if (errno || *end || end == optarg || g.polls == 0 ||
			    optarg[0] == '-')
				usage(EXIT_USAGE);
			break;
		}
		default: usage(EXIT_USAGE);
		}
	}
	if (optind != argc)
		usage(EXIT_USAGE);
	log_init("nfswapd", g.foreground, g.verbose);
	load_conf(1);
	if (g.check_only) {
		if (g.swapdir[0] == '\0' && g.conf.provisioner[0] == '\0' &&
		    (g.conf.server[0] == '\0' ||
		    g.conf.export_path[0] == '\0')) {
			fprintf(stderr, "nfswapd: %s: no server and export, nor a "
			    "provisioner (and no nfswap= on the kernel command "
			    "line)\n",
			    g.conf.file[0] ? g.conf.file : g.conf_path);
			return EXIT_USAGE;
		}
		printf("configuration OK\n");
		return EXIT_OK;
	}
	if (geteuid() != 0)
		fatalx("must run as root (swapon, mount)");

	/* Started from the initrd, it must outlive switch-root and shutdown's
	 * killing spree, as systemd documents for root-storage daemons (swap
	 * lives here): argv[0][0] = '@'.  Only there -- from the real root it
	 * is an ordinary service. */
	if (in_initramfs())
		argv[0][0] = '@';

	/* Without -d it goes to the background at once, so that a boot script
	 * is not held up while the server is still out of reach. */
	if (!g.foreground && daemon(0, 0) < 0)
		fatal("daemon");

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	{
		char dir[PATH_MAXLEN + 1], lock[PATH_MAXLEN + 32];
		int lfd;

		snprintf(dir, sizeof(dir), "%s", g.conf.status_file);
		*strrchr(dir, '/') = '\0';
		if (dir[0] != '\0' && mkdir_p(dir, 0755) < 0)
			log_warn("%s", dir);
		/* One agent per status file: the one from the initramfs keeps
		 * running, and a later start (the systemd unit) steps aside. */
		snprintf(lock, sizeof(lock), "%s/nfswapd.lock", dir[0] ? dir : "");
		lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		if (lfd < 0)
			log_warn("%s (running without the one-agent lock)", lock);
		else if (flock(lfd, LOCK_EX | LOCK_NB) < 0 &&
		    errno == EWOULDBLOCK) {
			log_info("another nfswapd holds %s; nothing to do", lock);
			exit(EXIT_OK);
		}
	}
	find_swapdir();
	g.dirfd = open(g.swapdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (g.dirfd < 0 || fstat(g.dirfd, &st) < 0)
		fatal("%s", g.swapdir);
	/* Whoever else may write there could put a link or a file of theirs
	 * under one of our names between a check and its use. */
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		fatalx("%s is writable by others than its owner (mode %04o); "
		    "no swap goes there", g.swapdir, (unsigned)(st.st_mode & 07777));
	g.owner = st.st_uid;
	if (g.pid_file) {
		char pid[32];
		int n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());

		if (file_replace(g.pid_file, pid, (size_t)n, 0644) < 0)
			fatal("%s", g.pid_file);
	}
	harden();
	g.proc_fd = -1;
	if (strcmp(g.proc_dir, "/proc") == 0 && (g.proc_fd = open("/proc",
	    O_PATH | O_DIRECTORY | O_CLOEXEC)) >= 0 &&
	    same_root_as_init(&g.shared_root) < 0)
		g.shared_root = 0;
	if ((g.kmsg_fd = kmsg_open("/dev/kmsg")) < 0)
		log_warnx("/dev/kmsg: %s; swap I/O errors will not be seen",
		    strerror(-g.kmsg_fd));
	if ((r = sample()) < 0)
		fatalx("%s/meminfo or /proc/swaps: %s", g.proc_dir, strerror(-r));
	remove_partials();
	reinstate();

	g.conf.policy.poll_ms = g.conf.poll_ms;
	if (policy_config_check(&g.conf.policy, &why) < 0)
		fatalx("policy settings: %s", why);
	policy_init(&g.pol, &g.conf.policy);
	g.started_ms = mono_ms();
	g.running = 1;
	write_status();
	log_info("started: swap in %s, state %s", g.swapdir,
	    policy_state_name(g.pol.state));
	memset(&g.smp.last, 0, sizeof(g.smp.last));
	next = mono_ms();
	while (!sig_stop) {
		follow_root();
		if (sig_hup) {
			sig_hup = 0;
			load_conf(0);
		}
		if (sig_usr1) {
			sig_usr1 = 0;
			report();
		}
		if ((r = sample()) < 0) {
			/* once a minute, not every tick */
			if (mono_ms() - sample_warned >= 60000 || sample_warned == 0) {
				log_warnx("reading memory figures: %s",
				    strerror(-r));
				sample_warned = mono_ms();
			}
			goto wait;
		}
		if (g.kmsg_fd >= 0)
			(void)kmsg_poll(g.kmsg_fd, &g.kmsg);
		if (g.partials_left > 0)
			remove_partials();
		if (g.smp.last.act == POLICY_NONE)
			feed_kmsg();
		/* A diet request is fed in as a failure with no action; it
		 * waits a tick if an outcome is already on its way in. */
		if (sig_usr2 && g.smp.last.act == POLICY_NONE &&
		    g.smp.last.outcome == POLICY_OK) {
			sig_usr2 = 0;
			g.smp.last.outcome = POLICY_FAILED;
			log_info("diet requested (SIGUSR2)");
		}
		prev = g.pol.state;
		fed = g.smp.last.act == POLICY_NONE &&
		    g.smp.last.outcome != POLICY_OK;
		g.last = policy_step(&g.pol, &g.smp, mono_ms());
		if (g.last.act != POLICY_NONE)
			g.acted = g.last;
		memset(&g.smp.last, 0, sizeof(g.smp.last));
		if (g.last.state != prev)
			log_info("%s -> %s (%s)", policy_state_name(prev),
			    policy_state_name(g.last.state), g.last.why);
		if (g.last.act == POLICY_GROW) {
			if (g.verbose)
				log_info("grow by %llu MiB: %s",
				    (unsigned long long)(g.last.bytes >> 20),
				    g.last.why);
			grow(g.last.bytes);
			(void)sample();
		} else if (g.last.act == POLICY_SHRINK) {
			if (g.verbose)
				log_info("shrink %s: %s", g.last.name,
				    g.last.why);
			shrink(g.last.name);
			(void)sample();
		}
		if (g.last.act != POLICY_NONE || g.last.state != prev || fed)
			write_status();
		/* --polls: a measured number of ticks, back to back */
		if (g.polls != 0 && --g.polls == 0)
			break;
		if (g.polls != 0)
			continue;
wait:
		/* Sleep to the next tick; kernel log records that arrive
		 * meanwhile are read (and counted) without cutting it short. */
		next += g.conf.poll_ms;
		if (next < mono_ms())
			next = mono_ms();
		while (!sig_stop && !sig_hup && !sig_usr1 &&
		    (t = mono_ms()) < next) {
			pfd.fd = g.kmsg_fd;
			pfd.events = POLLIN;
			pfd.revents = 0;
			if (poll(g.kmsg_fd >= 0 ? &pfd : NULL,
			    g.kmsg_fd >= 0 ? 1 : 0, (int)(next - t)) > 0 &&
			    (pfd.revents & POLLIN))
				(void)kmsg_poll(g.kmsg_fd, &g.kmsg);
		}
	}
	if (g.swapoff_on_exit) {
		log_info("stopping: retiring the swap files");
		stop_flag = 0;
		retire_all();
	} else
		log_info("stopping; %u swap files stay active", g.smp.nfiles);
	g.running = 0;
	(void)sample();
	write_status();
	if (g.pid_file)
		(void)unlink(g.pid_file);
	return EXIT_OK;
}
