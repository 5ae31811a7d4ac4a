/*
 * serve_main.c -- "nfswap serve": the provisioning service (ONC RPC over
 * TCP, libtirpc; the protocol is common/nfswap_prot.x).  A thin client
 * asks which export is its own (LOOKUP) and has swap files written on the
 * server's own disk (ALLOCATE), instead of pushing zeros over NFS.
 *
 * Privilege separation, the OpenBSD way (serve.h): this file starts as
 * root, opens the listening socket, registers with rpcbind, and splits
 * into
 *   - the network side (serve_net.c): serve.user, chrooted into the empty
 *     directory serve.chroot, every capability gone, no new privileges;
 *   - the resolver (serve_dns.c): serve.user, every capability gone;
 *   - the monitor (serve_monitor.c, this process): root, keeping only
 *     CAP_SETUID and CAP_SETGID, which setfsuid(2)/setfsgid(2) need to
 *     act in a client's directory as that client.  CAP_SYS_RESOURCE is
 *     gone, so the project quota holds the monitor's writes too.
 * Any of them ending ends the others: the monitor closes its socket, the
 * children see the end of it (and the kernel signals them if the monitor
 * dies).  SIGTERM to the monitor stops the service: allocations under way
 * remove their partial files, rpcbind forgets the program.
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rpc/rpc.h>

#include "serve.h"
#include "nfswap_prot.h"

#define LISTEN_BACKLOG	128
#define SNDBUF		(256 * 1024)	/* each connection's; see OUTQ_MAX */
#define CHILD_WAIT_MS	5000

static volatile sig_atomic_t serve_stop, stop_asked, child_exited;
static pid_t monitor_pid;

static void
on_stop(int sig)
{
	(void)sig;
	stop_asked = 1;
	serve_stop = 1;
}

static void
on_child(int sig)
{
	(void)sig;
	child_exited = 1;
	serve_stop = 1;
}

static int
listen_tcp(unsigned port, int *v6)
{
	struct sockaddr_in6 s6;
	struct sockaddr_in s4;
	int fd, on = 1, off = 0, sndbuf = SNDBUF;

	*v6 = 1;
	fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		memset(&s6, 0, sizeof(s6));
		s6.sin6_family = AF_INET6;
		s6.sin6_addr = in6addr_any;
		s6.sin6_port = htons((uint16_t)port);
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf,
		    sizeof(sndbuf));
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off,
		    sizeof(off));
		if (bind(fd, (struct sockaddr *)&s6, sizeof(s6)) == 0 &&
		    listen(fd, LISTEN_BACKLOG) == 0)
			return fd;
		close(fd);
	}
	*v6 = 0;
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	memset(&s4, 0, sizeof(s4));
	s4.sin_family = AF_INET;
	s4.sin_addr.s_addr = htonl(INADDR_ANY);
	s4.sin_port = htons((uint16_t)port);
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	if (bind(fd, (struct sockaddr *)&s4, sizeof(s4)) < 0 ||
	    listen(fd, LISTEN_BACKLOG) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

/* serve.user: a name from the password database, or a number. */
static int
serve_user(const char *user, uint32_t *uid, uint32_t *gid)
{
	struct passwd *pw;
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(user, &end, 10);
	if (*user != '\0' && *end == '\0' && errno == 0) {
		if (v == 0 || v >= UINT32_MAX)
			return -EINVAL;
		*uid = *gid = (uint32_t)v;
		if ((pw = getpwuid((uid_t)v)) != NULL)
			*gid = (uint32_t)pw->pw_gid;
		return 0;
	}
	if ((pw = getpwnam(user)) == NULL)
		return -ENOENT;
	if (pw->pw_uid == 0 || pw->pw_gid == 0)
		return -EINVAL;
	*uid = (uint32_t)pw->pw_uid;
	*gid = (uint32_t)pw->pw_gid;
	return 0;
}

/* The chroot of the network side: made if missing; root's, open to no
 * one else, and empty -- or refused. */
static int
prepare_chroot(const char *dir)
{
	struct dirent *e;
	struct stat st;
	DIR *d;
	int r = 0;

	if ((r = mkdir_p(dir, 0755)) < 0)
		return r;
	if (lstat(dir, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022) != 0)
		return -EPERM;
	if ((d = opendir(dir)) == NULL)
		return -errno;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			r = -ENOTEMPTY;
	closedir(d);
	return r;
}

static int
caps_set(uint64_t keep)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct c[2];

	memset(c, 0, sizeof(c));
	c[0].effective = c[0].permitted = (uint32_t)keep;
	c[1].effective = c[1].permitted = (uint32_t)(keep >> 32);
	return syscall(SYS_capset, &h, c) < 0 ? -errno : 0;
}

static int
caps_get(uint64_t *eff, uint64_t *perm)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct c[2];

	if (syscall(SYS_capget, &h, c) < 0)
		return -errno;
	*eff = (uint64_t)c[0].effective | (uint64_t)c[1].effective << 32;
	*perm = (uint64_t)c[0].permitted | (uint64_t)c[1].permitted << 32;
	return 0;
}

/* Every capability but those in keep out of the bounding set. */
static int
bounding_drop(uint64_t keep)
{
	int cap;

	for (cap = 0; cap < 64; cap++) {
		if (keep & (1ULL << cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
			if (errno == EINVAL)
				break;		/* past the kernel's last */
			return -errno;
		}
	}
	return 0;
}

/*
 * A child's descent: fewer descriptors, an optional chroot, no
 * capabilities (bounding set too), the serve user's ids, no way back
 * (checked), no new privileges, not dumpable, and the end when the
 * monitor ends.  Any failure is fatal to the child: it must not serve
 * half-dropped.
 */
int
serve_drop(const char *what, uint32_t uid, uint32_t gid,
    const char *chroot_dir, unsigned nofile)
{
	struct rlimit rl = { nofile, nofile };
	uint64_t eff, perm;
	uid_t ru, eu, su;
	const char *step;
	int r;

	step = "RLIMIT_NOFILE";
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		goto sys;
	step = "chroot";
	if (chroot_dir != NULL && (chroot(chroot_dir) < 0 || chdir("/") < 0))
		goto sys;
	if ((r = bounding_drop(0)) < 0) {
		log_warnx("%s: bounding set: %s", what, strerror(-r));
		return r;
	}
	step = "setgroups/setresgid/setresuid";
	if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 ||
	    setresuid(uid, uid, uid) < 0)
		goto sys;
	if (getresuid(&ru, &eu, &su) < 0 || ru != uid || eu != uid ||
	    su != uid || setuid(0) == 0 || caps_set(0) < 0 ||
	    caps_get(&eff, &perm) < 0 || eff != 0 || perm != 0) {
		log_warnx("%s: privileges not dropped", what);
		return -EPERM;
	}
	/* after the change of ids, which resets dumpable and the signal */
	step = "prctl";
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 ||
	    prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0) < 0)
		goto sys;
	if (getppid() != monitor_pid)
		return -EPIPE;		/* the monitor is already gone */
	return 0;
sys:
	r = -errno;
	log_warnx("%s: %s: %s", what, step, strerror(-r));
	return r;
}

/* The monitor's own: CAP_SETUID and CAP_SETGID, nothing else, for good. */
static int
monitor_drop(void)
{
	uint64_t keep = 1ULL << CAP_SETUID | 1ULL << CAP_SETGID, eff, perm;
	int r;

	if (setgroups(0, NULL) < 0)
		return -errno;
	if ((r = bounding_drop(keep)) < 0 || (r = caps_set(keep)) < 0)
		return r;
	if (caps_get(&eff, &perm) < 0 || eff != keep || perm != keep)
		return -EPERM;
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ? -errno : 0;
}

/* rpcbind: the listening socket's address under each version. */
static int
rpcb_register(int fd, int v6)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct netconfig *nc, *n4 = NULL;
	struct netbuf nb;
	rpcvers_t vers;
	int ok = 1;

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		return -errno;
	nb.buf = &ss;
	nb.len = nb.maxlen = sl;
	if ((nc = getnetconfigent(v6 ? "tcp6" : "tcp")) == NULL)
		return -ENOENT;
	if (v6)		/* IPv4 callers ask rpcbind for "tcp" */
		n4 = getnetconfigent("tcp");
	for (vers = NFSWAP_V1; vers <= NFSWAP_V2 && ok; vers++) {
		(void)rpcb_unset(NFSWAP_PROG, vers, NULL);
		ok = rpcb_set(NFSWAP_PROG, vers, nc, &nb);
		if (ok && n4 != NULL)
			(void)rpcb_set(NFSWAP_PROG, vers, n4, &nb);
	}
	freenetconfigent(nc);
	if (n4 != NULL)
		freenetconfigent(n4);
	return ok ? 0 : -ECONNREFUSED;
}

static void
rpcb_unregister(void)
{
	rpcvers_t vers;

	for (vers = NFSWAP_V1; vers <= NFSWAP_V2; vers++)
		(void)rpcb_unset(NFSWAP_PROG, vers, NULL);
}

static unsigned
listen_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		return 0;
	return ntohs(ss.ss_family == AF_INET6 ?
	    ((struct sockaddr_in6 *)&ss)->sin6_port :
	    ((struct sockaddr_in *)&ss)->sin_port);
}

/* Wait for the children to see the end of their sockets, a while. */
static int
reap_children(pid_t net, pid_t dns)
{
	uint64_t t0 = mono_ms();
	int st, bad = 0, left = (net > 0) + (dns > 0);
	pid_t p;

	while (left > 0 && mono_ms() - t0 < CHILD_WAIT_MS) {
		if ((p = waitpid(-1, &st, WNOHANG)) > 0) {
			if (p == net || p == dns) {
				left--;
				/* killed by the same SIGTERM as we were:
				 * fine; ended on its own: not */
				if (!stop_asked && (!WIFEXITED(st) ||
				    WEXITSTATUS(st) != 0))
					bad = 1;
			}
			continue;
		}
		if (p < 0 && errno == ECHILD)
			break;
		usleep(20 * 1000);
	}
	if (left > 0)
		log_warnx("serve: %d child process(es) did not stop", left);
	return bad;
}

static int
usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "nfswap: serve: %s%s%s%s\n"
	    "usage: nfswap serve [-d] [--port N] [--no-rpcbind]\n", what,
	    arg ? " \"" : "", arg ? arg : "", arg ? "\"" : "");
	return EXIT_USAGE;
}

/* What the command line asks, and what was set up for it as root. */
struct start {
	unsigned long	port;		/* 0: any */
	int		rpcbind, fg;
	uint32_t	uid, gid;	/* serve.user's */
	int		fd, v6;		/* the listening socket */
	unsigned	lport;		/* ... and its port */
	int		registered;	/* with rpcbind */
};

/* The options: 0, or EXIT_USAGE (said). */
static int
options(int argc, char **argv, struct start *o)
{
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "no-rpcbind", no_argument, NULL, 'R' },
		{ "foreground", no_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 }
	};
	char *end;
	int ch;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":dp:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd': o->fg = 1; break;
		case 'R': o->rpcbind = 0; break;
		case 'p':
			errno = 0;
			o->port = strtoul(optarg, &end, 10);
			if (errno || *end || end == optarg || o->port > 65535)
				return usage_error("bad port", optarg);
			break;
		default:
			return usage_error("bad option", argv[optind - 1]);
		}
	}
	if (optind != argc)
		return usage_error("unexpected argument", argv[optind]);
	if (!o->rpcbind && o->port == 0)
		return usage_error("--no-rpcbind needs --port", NULL);
	return 0;
}

/*
 * What only root can set up, before anything is given up: the serve
 * user, its chroot, the listening socket, rpcbind.  0, or EXIT_RUNTIME
 * (said; nothing left open).
 */
static int
prepare(const struct serve_conf *sc, struct start *o)
{
	int r;

	if (geteuid() != 0) {
		log_warnx("serve: must be started as root (it acts in each "
		    "client's directory as that client, and runs its network "
		    "side as %s)", sc->user);
		return EXIT_RUNTIME;
	}
	if ((r = serve_user(sc->user, &o->uid, &o->gid)) < 0) {
		log_warnx("serve: serve.user \"%s\": %s", sc->user, r == -ENOENT ?
		    "no such user (create it: adduser --system --group "
		    "--no-create-home _nfswap; or name another)" :
		    "must not be root");
		return EXIT_RUNTIME;
	}
	if ((r = prepare_chroot(sc->chroot)) < 0) {
		log_warnx("serve: serve.chroot %s: %s", sc->chroot, r == -EPERM ?
		    "must be a directory of root's that no one else may write" :
		    r == -ENOTEMPTY ? "must be empty" : strerror(-r));
		return EXIT_RUNTIME;
	}
	if ((o->fd = listen_tcp((unsigned)o->port, &o->v6)) < 0) {
		log_warnx("serve: listening on TCP port %lu: %s", o->port,
		    strerror(-o->fd));
		return EXIT_RUNTIME;
	}
	o->lport = listen_port(o->fd);
	if (o->rpcbind) {
		if ((r = rpcb_register(o->fd, o->v6)) < 0) {
			log_warnx("serve: cannot register with rpcbind (is it "
			    "running? --no-rpcbind --port N runs without)");
			close(o->fd);
			return EXIT_RUNTIME;
		}
		o->registered = 1;
	}
	return 0;
}

static void
on_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_child;
	sa.sa_flags = SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/*
 * The resolver and the network side, each descending to the serve user
 * as it starts; mon gets the monitor's end of the network side's socket.
 * -1 when the socketpairs or a fork failed (said; the listening socket is
 * closed either way: the children have it, or no one needs it).
 */
static int
fork_children(const struct nfswap_conf *conf, const struct start *o,
    int *mon, pid_t *net, pid_t *dns)
{
	const struct serve_conf *sc = &conf->serve;
	int mon_net[2], net_dns[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, mon_net) < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, net_dns) < 0) {
		log_warn("serve: socketpair");
		close(o->fd);
		return -1;
	}
	monitor_pid = getpid();
	if ((*dns = fork()) == 0) {
		close(o->fd);
		close(mon_net[0]);
		close(mon_net[1]);
		close(net_dns[1]);
		/* it ends when the network side does (its socket's end) */
		signal(SIGTERM, SIG_IGN);
		signal(SIGINT, SIG_IGN);
		_exit(serve_drop("serve resolver", o->uid, o->gid, NULL, 64) ==
		    0 && dns_run(net_dns[0]) == 0 ? 0 : 1);
	}
	if (*dns > 0 && (*net = fork()) == 0) {
		close(mon_net[0]);
		close(net_dns[0]);
		_exit(serve_drop("serve network side", o->uid, o->gid,
		    sc->chroot, sc->max_connections + 64) == 0 &&
		    net_run(conf, o->fd, mon_net[1], net_dns[1]) == 0 ? 0 : 1);
	}
	close(o->fd);
	close(mon_net[1]);
	close(net_dns[0]);
	close(net_dns[1]);
	*mon = mon_net[0];
	if (*dns < 0 || *net < 0) {
		log_warn("serve: fork");
		close(mon_net[0]);
		reap_children(*net, *dns);
		return -1;
	}
	return 0;
}

int
serve_main(const struct nfswap_conf *conf, int argc, char **argv)
{
	struct start o = { .rpcbind = 1, .fd = -1 };
	pid_t net = -1, dns = -1;
	int mon, r;

	if ((r = options(argc, argv, &o)) != 0)
		return r;
	log_init("nfswap", o.fg, 0);
	if ((r = prepare(&conf->serve, &o)) != 0)
		return r;
	if (!o.fg && daemon(0, 0) < 0) {
		log_warn("daemon");
		close(o.fd);
		goto fail;
	}
	on_signals();
	if (fork_children(conf, &o, &mon, &net, &dns) < 0)
		goto fail;
	if ((r = monitor_drop()) < 0) {
		log_warnx("serve: dropping the monitor's capabilities: %s",
		    strerror(-r));
		close(mon);
		reap_children(net, dns);
		goto fail;
	}
	log_info("serving program %u versions %u-%u on TCP port %u%s%s "
	    "(network side: pid %ld as uid %u in %s)", (unsigned)NFSWAP_PROG,
	    (unsigned)NFSWAP_V1, (unsigned)NFSWAP_V2, o.lport,
	    o.registered ? " (registered with rpcbind)" : "",
	    conf->backend == BACKEND_CEPHFS ? "; files on CephFS: LOOKUP only" :
	    "", (long)net, o.uid, conf->serve.chroot);
	r = monitor_run(conf, mon, &serve_stop);
	if (!stop_asked)
		log_warnx("serve: %s", child_exited ? "a child process ended" :
		    "the network side went away");
	log_info("serve: stopping");
	close(mon);
	r = reap_children(net, dns) || r < 0 || !stop_asked;
	if (o.registered)
		rpcb_unregister();
	return r ? EXIT_RUNTIME : EXIT_OK;
fail:
	if (o.registered)
		rpcb_unregister();
	return EXIT_RUNTIME;
}
