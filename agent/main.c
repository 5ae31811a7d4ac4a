/*
 * main.c -- nfswapd: options, configuration, signals and the loop.
 *
 * Once a second: sample (meminfo from the proc directory, /proc/swaps),
 * decide (policy_step), act (create + mkswap + swapon, or swapoff + unlink),
 * and feed the outcome into the next sample.  The daemon is in the swap
 * path: it locks itself in memory, asks the OOM killer to spare it, does
 * not allocate in the loop, and never pulls swap from under its users --
 * on exit its files stay active unless told otherwise.
 *
 * Its state is one struct agent (nfswapd.h), made here and passed down.
 * Signal handlers only set the flags below.  Only main() ends the process:
 * everything under it returns, and main decides the exit status.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nfswapd.h"

static volatile sig_atomic_t sig_stop, sig_hup, sig_usr1, sig_usr2;
static volatile int stop_flag;		/* sig_stop, as swapfile_create reads it */

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
signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int
usage(int status)
{
	fprintf(status == EXIT_OK ? stdout : stderr,
	    "usage: nfswapd [-dnv] [-c file] [-p pidfile] [--proc dir]\n"
	    "               [--swapdir dir] [--swapoff-on-exit] [--polls n]\n"
	    "       nfswapd -h | --help | -V | --version\n"
	    "See nfswapd(8) and nfswapd.conf(5).\n");
	return status;
}

/* The command line into a; -1 to go on, or the exit status. */
static int
options(struct agent *a, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "proc", required_argument, NULL, 'P' },
		{ "swapdir", required_argument, NULL, 'S' },
		{ "swapoff-on-exit", no_argument, NULL, 'X' },
		{ "polls", required_argument, NULL, 'N' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	char *end;
	int ch;

	while ((ch = getopt_long(argc, argv, "c:dhnp:vV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': a->conf_path = optarg; a->conf_must_exist = 1; break;
		case 'd': a->foreground = 1; break;
		case 'n': a->check_only = 1; a->foreground = 1; break;
		case 'p': a->pid_file = optarg; break;
		case 'v': a->verbose = 1; break;
		case 'V': printf("nfswapd %s\n", NFSWAP_VERSION); return EXIT_OK;
		case 'h': return usage(EXIT_OK);
		case 'P':
			if (snprintf(a->proc_dir, sizeof(a->proc_dir), "%s",
			    optarg) >= (int)sizeof(a->proc_dir))
				return usage(EXIT_USAGE);
			break;
		case 'S':
			if (optarg[0] != '/' || snprintf(a->swapdir,
			    sizeof(a->swapdir), "%s", optarg) >=
			    (int)sizeof(a->swapdir))
				return usage(EXIT_USAGE);
			break;
		case 'X': a->swapoff_on_exit = 1; break;
		case 'N':
			errno = 0;
			a->polls = strtoul(optarg, &end, 10);
			if (errno || *end || end == optarg || a->polls == 0 ||
			    optarg[0] == '-')
				return usage(EXIT_USAGE);
			break;
		default: return usage(EXIT_USAGE);
		}
	}
	return optind != argc ? usage(EXIT_USAGE) : -1;
}

/*
 * nfswapd.conf into *c, and nfswap= on the kernel command line over its
 * server and export.  0; 1 when the command line says nfswap=off; -errno
 * with *d saying what is wrong (file:line: text).
 */
static int
read_conf(struct agent *a, struct agent_conf *c, struct diag *d)
{
	char server[HOST_MAXLEN + 1], path[PATH_MAXLEN + 1];
	ssize_t n;
	int r;

	diag_clear(d);
	if ((r = agent_conf_load(c, a->conf_path, a->conf_must_exist, d)) < 0)
		return r;
	if ((n = agent_slurp(a, "/proc/cmdline")) <= 0)
		return 0;
	a->buf[n < (ssize_t)sizeof(a->buf) ? n : n - 1] = '\0';
	switch (agent_cmdline(a->buf, server, sizeof(server), path,
	    sizeof(path))) {
	case 1:
		snprintf(c->server, sizeof(c->server), "%s", server);
		snprintf(c->export_path, sizeof(c->export_path), "%s", path);
		return 0;
	case 2:
		return 1;
	case 0:
		return 0;
	default:
		log_warnx("ignoring a malformed nfswap= on the kernel "
		    "command line (want nfswap=SERVER:/PATH)");
		return 0;
	}
}

/* The configuration at start; -1 to go on, or the exit status. */
static int
start_conf(struct agent *a)
{
	struct diag d;
	int r = read_conf(a, &a->conf, &d);

	if (r < 0) {
		/* file:line: text, and bad input is exit 2 */
		log_warnx("%s", d.msg);
		return d.status;
	}
	if (r == 1 && !a->check_only) {
		log_info("nfswap=off on the kernel command line: not starting");
		return EXIT_OK;
	}
	return -1;
}

/* SIGHUP: the policy's new settings apply; its state is kept. */
static void
reload(struct agent *a)
{
	struct agent_conf c;
	struct diag d;

	if (read_conf(a, &c, &d) < 0) {
		log_warnx("reload: %s (keeping the old configuration)", d.msg);
		return;
	}
	agent_conf_reload(&a->conf, &c);	/* the rows marked CFG_RELOAD */
	a->pol.cfg = a->conf.policy;
	log_info("configuration reloaded");
}

/* -n: whether the configuration names somewhere to put swap. */
static int
check_only(const struct agent *a)
{
	if (a->swapdir[0] == '\0' && a->conf.provisioner[0] == '\0' &&
	    (a->conf.server[0] == '\0' || a->conf.export_path[0] == '\0')) {
		fprintf(stderr, "nfswapd: %s: no server and export, nor a "
		    "provisioner (and no nfswap= on the kernel command line)\n",
		    a->conf.file[0] ? a->conf.file : a->conf_path);
		return EXIT_USAGE;
	}
	printf("configuration OK\n");
	return EXIT_OK;
}

static int
write_pid(const char *path)
{
	char pid[32];
	int n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());

	return file_replace(path, pid, (size_t)n, 0644);
}

/*
 * One tick: sample, feed in what happened since the last (an action's
 * outcome, swap errors in the kernel log, a diet asked for), decide, act.
 * -errno, and nothing done, if the memory figures could not be read.
 */
static int
tick(struct agent *a)
{
	enum policy_state prev;
	int fed, r;

	if ((r = agent_sample(a)) < 0)
		return r;
	if (a->kmsg_fd >= 0)
		(void)kmsg_poll(a->kmsg_fd, &a->kmsg);
	if (a->partials_left > 0)
		agent_remove_partials(a);
	if (a->smp.last.act == POLICY_NONE)
		agent_feed_kmsg(a);
	/* A diet request is fed in as a failure with no action; it waits a
	 * tick if an outcome is already on its way in. */
	if (sig_usr2 && a->smp.last.act == POLICY_NONE &&
	    a->smp.last.outcome == POLICY_OK) {
		sig_usr2 = 0;
		a->smp.last.outcome = POLICY_FAILED;
		log_info("diet requested (SIGUSR2)");
	}
	prev = a->pol.state;
	fed = a->smp.last.act == POLICY_NONE && a->smp.last.outcome != POLICY_OK;
	a->last = policy_step(&a->pol, &a->smp, mono_ms());
	if (a->last.act != POLICY_NONE)
		a->acted = a->last;
	memset(&a->smp.last, 0, sizeof(a->smp.last));
	if (a->last.state != prev)
		log_info("%s -> %s (%s)", policy_state_name(prev),
		    policy_state_name(a->last.state), a->last.why);
	agent_act(a);
	if (a->last.act != POLICY_NONE || a->last.state != prev || fed)
		agent_write_status(a);	/* and the metrics */
	else if (a->conf.metrics_file[0] &&
	    mono_ms() - a->metrics_ms >= METRICS_EVERY_MS)
		agent_write_metrics(a);
	return 0;
}

/*
 * Sleep to the next tick (next, the last one's time, moved on: poll_ms, or
 * FAST_POLL_MS while the policy says memory is moving); kernel log records
 * that arrive meanwhile are read (and counted) without cutting it short.
 * A signal to act on, or the PSI trigger firing, ends it.
 */
static uint64_t
wait_tick(struct agent *a, uint64_t next)
{
	struct pollfd pfd[2];
	uint64_t t;
	nfds_t n;

	next += policy_pressed(&a->pol, mono_ms()) ? FAST_POLL_MS :
	    a->conf.poll_ms;
	if (next < mono_ms())
		next = mono_ms();
	while (!sig_stop && !sig_hup && !sig_usr1 && (t = mono_ms()) < next) {
		n = 0;
		if (a->kmsg_fd >= 0)
			pfd[n++] = (struct pollfd){ a->kmsg_fd, POLLIN, 0 };
		if (a->psi_fd >= 0)
			pfd[n++] = (struct pollfd){ a->psi_fd, POLLPRI, 0 };
		if (poll(n > 0 ? pfd : NULL, n, (int)(next - t)) <= 0)
			continue;
		if (a->kmsg_fd >= 0 && (pfd[0].revents & POLLIN))
			(void)kmsg_poll(a->kmsg_fd, &a->kmsg);
		if (a->psi_fd >= 0 && (pfd[n - 1].revents & (POLLPRI | POLLERR))) {
			if (pfd[n - 1].revents & POLLERR) {
				close(a->psi_fd);	/* gone: sample instead */
				a->psi_fd = -1;
			}
			return mono_ms();
		}
	}
	return next;
}

static void
run(struct agent *a)
{
	uint64_t next = mono_ms(), warned = 0;
	int r;

	while (!sig_stop) {
		agent_follow_root(a);
		if (sig_hup) {
			sig_hup = 0;
			reload(a);
		}
		if (sig_usr1) {
			sig_usr1 = 0;
			agent_report(a);
		}
		if ((r = tick(a)) < 0) {
			/* once a minute, not every tick */
			if (mono_ms() - warned >= LOG_EVERY_MS || warned == 0) {
				log_warnx("reading memory figures: %s",
				    strerror(-r));
				warned = mono_ms();
			}
		} else if (a->polls != 0) {
			/* --polls: a measured number of ticks, back to back */
			if (--a->polls == 0)
				break;
			continue;
		}
		next = wait_tick(a, next);
	}
}

/*
 * The PSI trigger, set before agent_harden() drops CAP_SYS_RESOURCE: a
 * trigger with a window under 2 s is the privileged kind (6.1 refuses the
 * open without it, 6.12 the write: EINVAL).
 */
static void
watch_pressure(struct agent *a)
{
	const char *trigger = NULL;

	if ((a->psi_fd = agent_psi_open(a->proc_dir, &trigger)) < 0)
		log_debug("%s/pressure/memory: %s; sampling every %u ms while "
		    "memory moves instead", a->proc_dir, strerror(-a->psi_fd),
		    FAST_POLL_MS);
	else
		log_debug("%s/pressure/memory: trigger \"%s\" set",
		    a->proc_dir, trigger);
}

/* At exit the files stay active, unless --swapoff-on-exit. */
static void
finish(struct agent *a)
{
	if (a->swapoff_on_exit) {
		log_info("stopping: retiring the swap files");
		stop_flag = 0;
		agent_retire(a);
	} else
		log_info("stopping; %u swap files stay active", a->smp.nfiles);
	a->running = 0;
	(void)agent_sample(a);
	agent_write_status(a);
	if (a->pid_file)
		(void)unlink(a->pid_file);
}

int
main(int argc, char **argv)
{
	struct agent a;
	struct stat st;
	struct diag d;
	int r;

	memset(&a, 0, sizeof(a));
	a.conf_path = AGENT_CONF;
	a.stop = &stop_flag;
	a.kmsg_fd = -1;
	a.psi_fd = -1;
	snprintf(a.proc_dir, sizeof(a.proc_dir), "/proc");
	if ((r = options(&a, argc, argv)) >= 0)
		return r;
	log_init("nfswapd", a.foreground, a.verbose);
	if ((r = start_conf(&a)) >= 0)
		return r;
	if (a.check_only)
		return check_only(&a);
	if (geteuid() != 0)
		fatalx("must run as root (swapon, mount)");

	/* Started from the initrd, it must outlive switch-root and shutdown's
	 * killing spree, as systemd documents for root-storage daemons (swap
	 * lives here): argv[0][0] = '@'.  Only there -- from the real root it
	 * is an ordinary service. */
	if (agent_in_initramfs())
		argv[0][0] = '@';
	/* Without -d it goes to the background at once, so that a boot script
	 * is not held up while the server is still out of reach. */
	if (!a.foreground && daemon(0, 0) < 0)
		fatal("daemon");
	signals();
	/* One agent per status file: the one from the initramfs keeps
	 * running, and a later start (the systemd unit) steps aside. */
	if (agent_lock(&a) < 0)
		return EXIT_OK;
	if ((r = agent_find_swapdir(&a)) < 0)
		return r == -EINTR ? EXIT_OK : EXIT_USAGE;
	a.dirfd = open(a.swapdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (a.dirfd < 0 || fstat(a.dirfd, &st) < 0)
		fatal("%s", a.swapdir);
	/* Whoever else may write there could put a link or a file of theirs
	 * under one of our names between a check and its use. */
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		fatalx("%s is writable by others than its owner (mode %04o); "
		    "no swap goes there", a.swapdir, (unsigned)(st.st_mode & 07777));
	a.owner = st.st_uid;
	if (a.pid_file && write_pid(a.pid_file) < 0)
		fatal("%s", a.pid_file);
	watch_pressure(&a);	/* before agent_harden(): see there */
	agent_harden();
	agent_root_init(&a);
	if ((a.kmsg_fd = kmsg_open("/dev/kmsg")) < 0)
		log_warnx("/dev/kmsg: %s; swap I/O errors will not be seen",
		    strerror(-a.kmsg_fd));
	if ((r = agent_sample(&a)) < 0)
		fatalx("%s/meminfo or /proc/swaps: %s", a.proc_dir, strerror(-r));
	agent_min_free(&a);	/* after the sample: RAM's size caps it */
	agent_remove_partials(&a);
	agent_reinstate(&a);

	a.conf.policy.poll_ms = a.conf.poll_ms;
	if (policy_config_check(&a.conf.policy, &d) < 0)
		fatalx("policy settings: %s", d.msg);
	policy_init(&a.pol, &a.conf.policy);
	a.started_ms = mono_ms();
	a.started_at = time(NULL);
	a.running = 1;
	agent_write_status(&a);
	log_info("started: swap in %s, state %s", a.swapdir,
	    policy_state_name(a.pol.state));
	memset(&a.smp.last, 0, sizeof(a.smp.last));
	run(&a);
	finish(&a);
	return EXIT_OK;
}
