/*
 * boot.c -- nfswapd's place in a booting system.  It may be started from
 * an initramfs, before the real root is there, and must then outlive
 * switch-root and follow the system into its new root; one agent runs per
 * status file (the initramfs's keeps running, the unit's steps aside);
 * and, being in the swap path, it is locked in memory, spared by the OOM
 * killer, and held to quotas like any other writer (no CAP_SYS_RESOURCE).
 *
 * Nothing here exits: what cannot be done is logged and the daemon goes
 * on, or the caller is told (-errno) and decides.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include "nfswapd.h"

#define RAMFS_MAGIC_	0x858458f6
#define TMPFS_MAGIC_	0x01021994

/*
 * In an initramfs: an initrd-release file (dracut, systemd) or, for
 * initramfs-tools, a root file system in memory with an /init on it.
 */
int
agent_in_initramfs(void)
{
	struct statfs sf;

	if (access("/etc/initrd-release", F_OK) == 0 ||
	    access("/usr/lib/initrd-release", F_OK) == 0)
		return 1;
	return statfs("/", &sf) == 0 && (sf.f_type == RAMFS_MAGIC_ ||
	    sf.f_type == TMPFS_MAGIC_) && access("/init", X_OK) == 0;
}

/*
 * One agent per status file: the lock is nfswapd.lock beside it (its
 * directory made if need be).  -EWOULDBLOCK if another agent holds it,
 * said here; without a lock file the agent runs without the lock.
 */
int
agent_lock(const struct agent *a)
{
	char dir[PATH_MAXLEN + 1], lock[PATH_MAXLEN + 32];
	int lfd;

	snprintf(dir, sizeof(dir), "%s", a->conf.status_file);
	*strrchr(dir, '/') = '\0';
	if (dir[0] != '\0' && mkdir_p(dir, 0755) < 0)
		log_warn("%s", dir);
	snprintf(lock, sizeof(lock), "%s/nfswapd.lock", dir[0] ? dir : "");
	lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (lfd < 0)
		log_warn("%s (running without the one-agent lock)", lock);
	else if (flock(lfd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK) {
		log_info("another nfswapd holds %s; nothing to do", lock);
		return -EWOULDBLOCK;
	}
	return 0;	/* lfd stays open: the lock is held until exit */
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

#define AGENT_NICE	(-20)

void
agent_harden(void)
{
	int fd, r;

	if (mlockall(MCL_CURRENT | MCL_FUTURE) < 0)
		log_warn("mlockall (continuing unlocked)");
	fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "-1000", 5) != 5)
		log_warn("oom_score_adj");
	if (fd >= 0)
		close(fd);
	if (setpriority(PRIO_PROCESS, 0, AGENT_NICE) < 0)
		log_warn("setpriority %d", AGENT_NICE);
	/* after oom_score_adj, which needs it */
	if ((r = drop_sys_resource()) < 0)
		log_warnx("dropping CAP_SYS_RESOURCE: %s (quotas may not hold "
		    "for local swap files)", strerror(-r));
}

/*
 * Swap over NFS needs memory at the worst moment: every page swapped in
 * arrives as network packets, and the driver needs free pages to receive
 * them (GFP_ATOMIC: down to the kernel's min watermark and a little
 * below).  With the kernel's default reserve (vm.min_free_kbytes, about
 * 2 MiB on a 256 MiB client) a client swapping in hard while the host is
 * busy was seen to stop receiving for good: no OOM kill (hundreds of MiB
 * of swap free), the server's replies unacknowledged for minutes
 * (docs/policy.md).  So the reserve is raised to swap.min_free, at most
 * 1/8 of RAM, and never lowered: another tool's larger value stays.  It
 * is not put back at exit: the swap stays active, and needs it as much.
 */
void
agent_min_free(const struct agent *a)
{
	char path[PATH_MAXLEN + 32], buf[32];
	unsigned long long cur, want;
	ssize_t n;
	int fd, len;

	if (a->conf.min_free == 0)
		return;
	want = a->conf.min_free / 1024;
	if (a->smp.mem_total > 0 && want > a->smp.mem_total / 1024 / 8)
		want = a->smp.mem_total / 1024 / 8;
	snprintf(path, sizeof(path), "%s/sys/vm/min_free_kbytes", a->proc_dir);
	if ((fd = open(path, O_RDWR | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)	/* a test's proc directory */
			log_debug("%s: not there", path);
		else
			log_warn("%s (the kernel's reserve for receiving swap "
			    "stays as it is)", path);
		return;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	if (n <= 0 || sscanf(buf, "%llu", &cur) != 1) {
		log_warnx("%s: cannot read it", path);
		close(fd);
		return;
	}
	if (cur >= want) {
		log_debug("vm.min_free_kbytes is %llu, at least %llu", cur, want);
		close(fd);
		return;
	}
	len = snprintf(buf, sizeof(buf), "%llu\n", want);
	if (lseek(fd, 0, SEEK_SET) < 0 || write(fd, buf, (size_t)len) != len)
		log_warn("raising vm.min_free_kbytes from %llu to %llu", cur,
		    want);
	else
		log_info("raised vm.min_free_kbytes from %llu to %llu KiB: "
		    "swap over NFS needs free pages to receive (swap.min_free)",
		    cur, want);
	close(fd);
}

static int
same_root_as_init(const struct agent *a, int *same)
{
	struct stat x, y;

	if (fstatat(a->proc_fd, "1/root", &x, 0) < 0 || stat("/", &y) < 0)
		return -1;
	*same = x.st_dev == y.st_dev && x.st_ino == y.st_ino;
	return 0;
}

/* /proc kept open, and whether PID 1's root is ours now (the real /proc
 * only: a test's proc directory has no PID 1 to follow). */
void
agent_root_init(struct agent *a)
{
	a->proc_fd = -1;
	a->shared_root = 0;
	if (strcmp(a->proc_dir, "/proc") == 0 && (a->proc_fd = open("/proc",
	    O_PATH | O_DIRECTORY | O_CLOEXEC)) >= 0 &&
	    same_root_as_init(a, &a->shared_root) < 0)
		a->shared_root = 0;
}

/*
 * Started from an initramfs, the daemon runs on when the system switches to
 * its real root: run-init or switch_root moves /proc, /run and /dev into
 * the new root and PID 1 chroots there, while this process is left behind
 * in the emptied initramfs, where /proc/meminfo and /run/nfswap no longer
 * resolve.  /proc stays open (an fd survives the move); when PID 1's root
 * is no longer ours, though it was at start, the daemon follows it there.
 */
void
agent_follow_root(struct agent *a)
{
	int same, fd;

	if (!a->shared_root || same_root_as_init(a, &same) < 0 || same)
		return;
	fd = openat(a->proc_fd, "1/root", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fchdir(fd) < 0 || chroot(".") < 0 || chdir("/") < 0) {
		log_warn("following the system into its new root");
		a->shared_root = 0;
	} else
		log_info("the system switched to its real root; following it "
		    "(swap in %s)", a->swapdir);
	if (fd >= 0)
		close(fd);
}
