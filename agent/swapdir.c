/*
 * swapdir.c -- where nfswapd's swap goes: the directory given with
 * --swapdir, or the client's export mounted on mount_point.  The export is
 * the configured one (or nfswap= on the kernel command line), its path
 * expanded (%h, %i), or the one the provisioner's LOOKUP names for this
 * client's address.  Every step is retried while it cannot be done yet --
 * the network not up, the server away, the client not registered -- with
 * one helper: pauses doubling from a second, a repeated failure logged once
 * a minute.  A LOOKUP answer that is refused is logged and asked again,
 * never used and never a reason to exit.
 *
 * The mount options are computed once (agent_mount_opts_init, from the
 * configuration and the running kernel) and LOOKUP's answer lands in them;
 * the configuration is never written.  Nothing here exits: stopped, it
 * returns -EINTR.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "nfswapd.h"

#define RETRY_FIRST_S	1	/* the first pause between attempts */
#define RETRY_DOUBLE_S	30	/* pauses double while shorter (so: 32 s) */

/* What the steps of finding the directory hand on. */
struct find {
	struct mount_opts	m;
	struct prov		prov;
	char			path[PATH_MAXLEN + 1];	/* the export's */
	struct diag		why;		/* LOOKUP's answer refused: why */
	struct diag		expand_why;	/* the path cannot be expanded */
	char			opts[1024], source[PATH_MAXLEN + 80];
};

/*
 * attempt() until it succeeds (0) or the agent is stopped (-EINTR): after
 * a failure, say() tells of it -- the first time, then at most once every
 * LOG_EVERY_MS -- and the next attempt waits RETRY_FIRST_S, twice that the
 * time after, and so on while under RETRY_DOUBLE_S.
 */
static int
retry(struct agent *a, int (*attempt)(struct agent *, struct find *),
    void (*say)(struct agent *, struct find *, int err), struct find *f)
{
	uint64_t last_log = 0, t;
	unsigned backoff = RETRY_FIRST_S;
	int r;

	while (!*a->stop) {
		if ((r = attempt(a, f)) == 0)
			return 0;
		if (r == -EINTR && *a->stop)
			break;
		t = mono_ms();
		if (last_log == 0 || t - last_log >= LOG_EVERY_MS) {
			say(a, f, r);
			last_log = t;
		}
		sleep(backoff);
		if (backoff < RETRY_DOUBLE_S)
			backoff *= 2;
	}
	return -EINTR;
}

/*
 * Ask the provisioning service which export is ours (by the address we
 * call from).  An answer that agent_lookup_check() refuses (a server that
 * is neither the provisioner nor listed in servers, nor the configured
 * one; a path that is not a plain one) is -EINVAL, with what it offered
 * and why in f->why.  A site with several NFS heads names this client's;
 * its ports are the head's, whatever ours say.
 */
static int
try_lookup(struct agent *a, struct find *f)
{
	char server[HOST_MAXLEN + 1];
	struct prov_export x;
	int r;

	if ((r = prov_lookup(&f->prov, &x)) < 0 ||
	    (r = agent_lookup_check(&a->conf, &x, server, sizeof(server),
	    &f->why)) < 0)
		return r;
	snprintf(f->m.server, sizeof(f->m.server), "%s", server);
	snprintf(f->path, sizeof(f->path), "%s", x.path);
	if (x.nfs_port != 0)
		f->m.port = x.nfs_port;
	if (x.mount_port != 0)
		f->m.mountport = x.mount_port;
	a->prov_noalloc = !x.allocate;
	log_info("provisioner %s: this is client %s, export %s on %s%s",
	    a->conf.provisioner, x.client, x.path, f->m.server, x.allocate ?
	    "" : " (no ALLOCATE there: files are written over NFS)");
	return 0;
}

static void
say_lookup(struct agent *a, struct find *f, int r)
{
	if (r == -EINVAL)
		log_warnx("provisioner %s: LOOKUP's answer not used: %s "
		    "(asking again)", a->conf.provisioner, f->why.msg);
	else
		log_warnx("provisioner %s: %s (retrying)", a->conf.provisioner,
		    r == -ENOENT ? "this address is no client's (nfswap add?)" :
		    r == -EPROTO ? "an answer that is not the protocol's" :
		    "no answer from nfswap serve");
}

/* The configured export path, %h and %i expanded (%i may have no address
 * yet: the network is still coming up). */
static int
try_expand(struct agent *a, struct find *f)
{
	char host[HOST_MAXLEN + 1], ip[64];

	host[0] = ip[0] = '\0';
	(void)gethostname(host, sizeof(host) - 1);
	host[strcspn(host, ".")] = '\0';
	(void)agent_primary_ipv4(ip, sizeof(ip));
	return agent_expand(a->conf.export_path, host, ip, f->path,
	    sizeof(f->path), &f->expand_why) < 0 ? -EINVAL : 0;
}

static void
say_expand(struct agent *a, struct find *f, int r)
{
	(void)r;
	log_warnx("export %s: %s (trying again)", a->conf.export_path,
	    f->expand_why.msg);
}

static int
try_mount(struct agent *a, struct find *f)
{
	int r = agent_mount(&a->conf, &f->m, f->path, f->opts, sizeof(f->opts),
	    f->source, sizeof(f->source));

	if (r == 0)
		log_info("mounted %s on %s (%s)", f->source, a->conf.mount_point,
		    f->opts);
	return r;
}

static void
say_mount(struct agent *a, struct find *f, int r)
{
	errno = -r;
	log_warn("mount %s:%s on %s (retrying)", f->m.server, f->path,
	    a->conf.mount_point);
}

/*
 * Mount the export (retrying while the server is away), or use swapdir.
 * 0 with a->swapdir set; -EINVAL (said here) when there is no export to
 * find; -EINTR when stopped.
 */
int
agent_find_swapdir(struct agent *a)
{
	struct find f;
	const struct agent_conf *c = &a->conf;
	const char *release;
	struct utsname u;
	int asks;

	if (a->swapdir[0] != '\0')
		return 0;
	asks = (c->server[0] == '\0' || c->export_path[0] == '\0') &&
	    c->provisioner[0] != '\0';
	if (!asks && (c->server[0] == '\0' || c->export_path[0] == '\0')) {
		log_warnx("no server and export: set them in %s, or boot with "
		    "nfswap=SERVER:/PATH, or set provisioner, or use --swapdir",
		    a->conf_path);
		return -EINVAL;
	}
	memset(&f, 0, sizeof(f));
	release = uname(&u) == 0 ? u.release : NULL;
	agent_mount_opts_init(&f.m, c, release);
	prov_init(&f.prov, c, a->stop);
	/* LOOKUP's path is checked there and used as given */
	if (retry(a, asks ? try_lookup : try_expand, asks ? say_lookup :
	    say_expand, &f) < 0 || *a->stop)
		return -EINTR;
	snprintf(a->swapdir, sizeof(a->swapdir), "%s", c->mount_point);
	if (f.m.floor > c->wsize || f.m.floor > c->rsize)
		log_info("raising rsize/wsize from %u/%u to %u for the swap "
		    "mount: on Linux %s, swap through smaller NFS writes "
		    "fails (Write error -12 on dio swapfile); set "
		    "nfs.literal_wsize = true to keep them", c->rsize,
		    c->wsize, f.m.floor, release ? release : "?");
	if (agent_is_nfs_mounted(c->mount_point)) {
		log_info("%s is already mounted; using it", c->mount_point);
		return 0;
	}
	return retry(a, try_mount, say_mount, &f);
}
