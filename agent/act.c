/*
 * act.c -- what nfswapd does with swap files: grow (name a new file, fit
 * it to the room there is, have the provisioner write it or write it over
 * NFS, mkswap, swapon), shrink (swapoff, unlink), reinstate at start what
 * the last boot left, and sweep away partial files.
 *
 * The outcome of an action goes into the next sample (a->smp.last) for
 * the policy to read: failure is data, never a call into the policy.  An
 * action that fails says so once in the log and in a->err (the status
 * file's last_error); nothing here gives up the daemon.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "nfswapd.h"

#define SEQ_MAX		(64 * 32)	/* nfswap.0 to nfswap.2047 are named */

/* The swap directory's path as /proc/swaps writes it, plus a name. */
static int
path_of(const struct agent *a, const char *name, char *out, size_t len)
{
	return snprintf(out, len, "%s/%s", a->swapdir, name) >= (int)len ?
	    -ENAMETOOLONG : 0;
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

/* An action failed: its outcome for the policy, and why, said once. */
static void PRINTF_LIKE(3, 4)
failed(struct agent *a, enum policy_outcome o, const char *fmt, ...)
{
	va_list ap;

	a->smp.last.outcome = o;
	va_start(ap, fmt);
	vsnprintf(a->err, sizeof(a->err), fmt, ap);
	va_end(ap);
	log_warnx("%s", a->err);
}

/* The lowest N for which nfswap.N is not in the directory. */
static int
next_name(struct agent *a, char *name, size_t len)
{
	unsigned seq, used[SEQ_MAX / 32] = { 0 }, i;
	struct dirent *de;
	DIR *d;
	int fd = openat(a->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	while ((de = readdir(d)) != NULL)
		if ((swapfile_name(de->d_name, &seq) ||
		    swapfile_partial(de->d_name, &seq) ||
		    swapfile_allocating(de->d_name, &seq)) && seq < SEQ_MAX)
			used[seq / 32] |= 1u << (seq % 32);
	closedir(d);
	/* From the one after the last made, round: a name this client
	 * removed a moment ago may still be cached as absent by its NFS
	 * client, and a file the provisioner makes under it would not be
	 * seen at once. */
	for (i = 0; i < SEQ_MAX; i++) {
		seq = (a->next_seq + i) % SEQ_MAX;
		if (!(used[seq / 32] & (1u << (seq % 32)))) {
			a->next_seq = seq + 1;
			return snprintf(name, len, SWAPFILE_PREFIX "%u", seq) >=
			    (int)len ? -ENAMETOOLONG : 0;
		}
	}
	return -ENFILE;
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
allocate(struct agent *a, const char *name, uint64_t bytes)
{
	uint64_t limit = agent_alloc_limit_ms(&a->conf, bytes);
	struct prov p;
	int last, r;

	prov_init(&p, &a->conf, a->stop);
	r = prov_allocate(&p, name, bytes, limit, &last);
	if (r == 0) {
		/* next_name does not reuse a name just removed, which the
		 * NFS client may still hold as absent */
		r = swapfile_allocated(a->dirfd, name, bytes, a->owner);
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
		    a->conf.provisioner);
		a->prov_noalloc = 1;
		return -EIO;
	}
	if (r == -ETIMEDOUT) {
		/* Given up: it may be slow, or saying so for ever.  What it
		 * may still write under the name is asked back. */
		log_warnx("provisioner %s: %s still %s after %llu s; giving it "
		    "up (RELEASE asked) and writing a file over NFS instead "
		    "(asking it again in 10 minutes)", a->conf.provisioner,
		    name, last == -EBUSY ? "busy" : "in progress",
		    (unsigned long long)(limit / 1000));
		(void)prov_release(&p, name);
		a->prov_down_ms = mono_ms();
		return -EHOSTUNREACH;
	}
	if (r == -EHOSTUNREACH || r == -EPROTO || r == -ENOENT ||
	    r == -EBUSY || r == -EIO || r == -EINVAL) {
		log_warnx("provisioner %s: %s for %s; writing a file over NFS "
		    "instead%s", a->conf.provisioner, r == -EHOSTUNREACH ?
		    "no answer" : r == -EPROTO ? "an answer that is not the "
		    "protocol's" : r == -ENOENT ? "this address is no client's" :
		    r == -EBUSY ? "busy" : "refused", name,
		    r == -EHOSTUNREACH || r == -EPROTO ? " (asking it again in 10 "
		    "minutes)" : "");
		a->prov_down_ms = r == -EHOSTUNREACH || r == -EPROTO ?
		    mono_ms() : 0;
		return r == -EINVAL ? -EIO : r == -EPROTO ? -EHOSTUNREACH : r;
	}
	return r;
}

/*
 * The new file, whole: by the provisioner (ALLOCATE) when there is one
 * that offers it and was not found away within PROV_AWAY_MS, else -- or
 * when it could not -- written over NFS here under a name of its own (the
 * service may still be writing the name it was given: an answer lost, not
 * the work).  *name may change; *written is what was written.
 */
static int
make_file(struct agent *a, char *name, size_t len, uint64_t bytes,
    uint64_t *written)
{
	int r = -EHOSTUNREACH, asked = 0;

	if (a->conf.provisioner[0] != '\0' && !a->prov_noalloc &&
	    (a->prov_down_ms == 0 || mono_ms() - a->prov_down_ms >=
	    PROV_AWAY_MS)) {
		r = allocate(a, name, bytes);
		asked = 1;
		if (r == 0)
			*written = bytes;
	}
	if (r == -EHOSTUNREACH || r == -ENOENT || r == -EBUSY || r == -EIO) {
		r = asked ? next_name(a, name, len) : 0;
		if (r == 0) {
			snprintf(a->last.name, sizeof(a->last.name), "%s", name);
			r = swapfile_create(a->dirfd, name, bytes,
			    a->conf.block_size, written, a->stop);
		}
	}
	return r;
}

static void
partial_said(void *ctx, const char *name, int r, int refused)
{
	const struct agent *a = ctx;

	if (r == 0)
		log_info("removed %s, left by a creation that did not finish",
		    name);
	else if (refused && !a->partials_swept)	/* at start, once */
		log_warnx("%s/%s: not ours, left alone", a->swapdir, name);
	else if (!refused && a->partials_left == 0) /* once, then quietly */
		log_warnx("cannot remove %s, left by a creation that did not "
		    "finish: %s; trying again", name, strerror(-r));
}

/*
 * Partial files -- of a creation cut short by a crash, a reset or a
 * server that went away -- are removed at start (with those of an
 * allocation "nfswap serve" did not finish: no agent waits for it then)
 * and, if the directory did not answer, on every tick until it does.
 */
void
agent_remove_partials(struct agent *a)
{
	int r = swapfile_partials(a->dirfd, a->owner, !a->allocating_swept,
	    partial_said, a);

	if (r < 0 && a->partials_left == 0)
		log_warnx("%s: %s; partial files are removed later", a->swapdir,
		    strerror(-r));
	a->partials_left = r < 0 ? 1 : r;
	a->partials_swept = 1;
	if (r == 0)
		a->allocating_swept = 1; /* from now on, the service's are live */
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
fit(const struct agent *a, uint64_t bytes, uint64_t *room)
{
	struct statvfs v;
	uint64_t usable;

	*room = UINT64_MAX;
	if (fstatvfs(a->dirfd, &v) < 0 || v.f_frsize == 0 || v.f_blocks == 0)
		return bytes;		/* not known: the write will tell */
	*room = (uint64_t)v.f_bavail * v.f_frsize;
	usable = *room - *room / 32;
	if (bytes <= usable)
		return bytes;
	usable &= ~(uint64_t)(POLICY_MIB - 1);
	return usable >= a->conf.policy.min_swapsize ? usable : 0;
}

/*
 * swapon, given the file as /proc/self/fd/N.  At boot the system may
 * switch to its real root while a file is written (seconds): /proc is
 * then gone from the root this process was left in, and swapon says
 * ENOENT.  The daemon follows the system into its new root before (it
 * would at its next step anyway) and, if the switch came in between,
 * once more.
 */
static int
activate(struct agent *a, const char *name)
{
	int r;

	agent_follow_root(a);
	if ((r = swapfile_on(a->dirfd, name, a->owner, a->conf.priority)) ==
	    -ENOENT) {
		agent_follow_root(a);
		r = swapfile_on(a->dirfd, name, a->owner, a->conf.priority);
	}
	return r;
}

static void
grow(struct agent *a, uint64_t bytes)
{
	char name[POLICY_NAME_MAX], path[PATH_MAXLEN + POLICY_NAME_MAX + 2];
	uint64_t t0 = mono_ms(), t1, t2, written = 0, room, fitting;
	int r;

	a->smp.last.act = POLICY_GROW;
	if ((r = next_name(a, name, sizeof(name))) < 0 ||
	    (r = path_of(a, name, path, sizeof(path))) < 0) {
		failed(a, POLICY_FAILED, "cannot name a new file: %s",
		    strerror(-r));
		return;
	}
	snprintf(a->last.name, sizeof(a->last.name), "%s", name);
	if ((fitting = fit(a, bytes, &room)) == 0) {
		failed(a, POLICY_ENOSPC, "%.400s has %llu KiB free, less than "
		    "min_swapsize: no file begun", a->swapdir,
		    (unsigned long long)(room >> 10));
		return;
	}
	if (fitting < bytes) {
		log_info("%s has %llu MiB free: making %s %llu MiB, not %llu",
		    a->swapdir, (unsigned long long)(room >> 20), name,
		    (unsigned long long)(fitting >> 20),
		    (unsigned long long)(bytes >> 20));
		bytes = fitting;
	}
	r = make_file(a, name, sizeof(name), bytes, &written);
	t1 = mono_ms();
	a->smp.last.bytes = written;
	a->smp.last.elapsed_ms = t1 - t0;
	if (r < 0) {
		failed(a, outcome_of(r), "creating %s (%llu of %llu bytes): %s; "
		    "partial file removed", name, (unsigned long long)written,
		    (unsigned long long)bytes, r == -EFAULT ?
		    "the server left holes in it" : strerror(-r));
		agent_remove_partials(a);	/* if it could not be removed then */
		return;
	}
	if ((r = swapfile_mkswap(a->dirfd, name, bytes)) < 0 ||
	    (r = activate(a, name)) < 0) {
		failed(a, r == -EIO ? POLICY_EIO : POLICY_SWAPON_REFUSED,
		    "activating %s: %s; file removed", name, strerror(-r));
		(void)swapfile_unlink(a->dirfd, name, a->owner);
		return;
	}
	t2 = mono_ms();
	a->smp.last.outcome = POLICY_OK;
	a->err[0] = '\0';
	/* Where the time went: a file is written on the server's side of the
	 * link, but swapon needs memory in this kernel, at the worst time. */
	log_info("added %s: %llu MiB in %.1f s (made in %.1f s, mkswap and "
	    "swapon %.1f s)", name, (unsigned long long)(bytes >> 20),
	    (double)(t2 - t0) / 1000.0, (double)(t1 - t0) / 1000.0,
	    (double)(t2 - t1) / 1000.0);
}

static void
shrink(struct agent *a, const char *name)
{
	int r;

	a->smp.last.act = POLICY_SHRINK;
	a->smp.last.bytes = 0;
	a->smp.last.elapsed_ms = 0;
	if ((r = swapfile_off(a->dirfd, name, a->owner)) < 0) {
		failed(a, r == -ENOMEM ? POLICY_SWAPOFF_REFUSED : outcome_of(r),
		    "swapoff %s: %s", name, strerror(-r));
		return;
	}
	if ((r = swapfile_unlink(a->dirfd, name, a->owner)) < 0)
		log_warnx("unlink %s (it is off): %s", name, strerror(-r));
	a->smp.last.outcome = POLICY_OK;
	a->err[0] = '\0';
	log_info("removed %s", name);
}

/* One file of ours, not active, from the last boot: checked, switched on. */
static void
reinstate_one(struct agent *a, const char *name, const char *path)
{
	struct swapfile_check c;
	struct stat st;
	int r;

	if ((r = swapfile_check(a->dirfd, name, a->owner, &c)) < 0) {
		log_warnx("%s: %s; left alone", path, strerror(-r));
		return;
	}
	if (!c.ok) {
		log_warnx("%s: %s; left alone", path, c.why);
		return;
	}
	if (c.needs_mkswap && (fstatat(a->dirfd, name, &st,
	    AT_SYMLINK_NOFOLLOW) < 0 || swapfile_mkswap(a->dirfd, name,
	    (uint64_t)st.st_size) < 0)) {
		log_warnx("%s: cannot write its swap header; left alone", path);
		return;
	}
	if ((r = activate(a, name)) < 0)
		log_warnx("%s: swapon: %s; left alone", path, strerror(-r));
	else
		log_info("reinstated %s%s", name,
		    c.needs_mkswap ? " (new swap header)" : "");
}

/*
 * At start: files already active are adopted (they are in the sample);
 * files of ours left from the last boot are checked and switched on;
 * anything else is reported and left alone.
 */
void
agent_reinstate(struct agent *a)
{
	char path[PATH_MAXLEN + 300];
	struct dirent *de;
	unsigned i, active;
	DIR *d;
	int fd = openat(a->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		log_warn("%s", a->swapdir);
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (path_of(a, de->d_name, path, sizeof(path)) < 0)
			continue;
		for (i = 0, active = 0; i < a->swaps.n; i++)
			if (strcmp(a->swaps.e[i].path, path) == 0)
				active = 1;
		if (swapfile_partial(de->d_name, NULL) ||
		    swapfile_allocating(de->d_name, NULL))
			continue;	/* agent_remove_partials() had its say */
		if (!swapfile_name(de->d_name, NULL))
			log_warnx("%s: not ours, left alone%s", path,
			    active ? " (it is active swap)" : "");
		else if (active)
			log_info("adopted %s (already active)", de->d_name);
		else
			reinstate_one(a, de->d_name, path);
	}
	closedir(d);
}

/* What the policy decided, done; its outcome is in the next sample. */
void
agent_act(struct agent *a)
{
	if (a->last.act == POLICY_GROW) {
		if (a->verbose)
			log_info("grow by %llu MiB: %s",
			    (unsigned long long)(a->last.bytes >> 20),
			    a->last.why);
		grow(a, a->last.bytes);
		agent_count_action(a);
		(void)agent_sample(a);
	} else if (a->last.act == POLICY_SHRINK) {
		if (a->verbose)
			log_info("shrink %s: %s", a->last.name, a->last.why);
		shrink(a, a->last.name);
		agent_count_action(a);
		(void)agent_sample(a);
	}
}

/* At exit, with --swapoff-on-exit: every active file of ours dropped. */
void
agent_retire(struct agent *a)
{
	unsigned i;

	if (agent_sample(a) < 0)
		return;
	for (i = 0; i < a->smp.nfiles; i++)
		shrink(a, a->smp.files[i].name);
}
