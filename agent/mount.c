/*
 * mount.c -- mount the client's export with mount(2), as mount.nfs would,
 * so that an initramfs needs neither mount.nfs nor rpcbind: the server's
 * name is resolved here (the kernel wants addr=), and the option string is
 * built here.
 *
 * The options are computed in one place, once: agent_mount_opts_init()
 * takes the configuration and the running kernel (the rsize/wsize floor
 * swap over NFS needs there) into a struct mount_opts, which LOOKUP's
 * answer may then point at another server and ports; the mount and its log
 * lines use that struct, and the configuration is never written.  The
 * options "nfswap serve" recommends are NFSWAP_MOUNT_BASE (common.h), which
 * the defaults here carry.  Retries are the caller's business; this makes
 * one attempt and returns 0 or -errno.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"

/* The server's numeric address (v4 preferred, as the export names it). */
int
agent_resolve(const char *server, char *addr, size_t len)
{
	struct addrinfo hints, *res, *ai;
	struct in6_addr a6;
	int r;

	/* A numeric address needs no resolver (an initramfs may have none). */
	if (inet_pton(AF_INET, server, &a6) == 1 ||
	    inet_pton(AF_INET6, server, &a6) == 1)
		return snprintf(addr, len, "%s", server) >= (int)len ?
		    -ENAMETOOLONG : 0;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if ((r = getaddrinfo(server, NULL, &hints, &res)) != 0)
		return r == EAI_SYSTEM ? -errno : -EHOSTUNREACH;
	r = -EHOSTUNREACH;
	for (ai = res; ai != NULL && r != 0; ai = ai->ai_next)
		if (getnameinfo(ai->ai_addr, ai->ai_addrlen, addr, (socklen_t)len,
		    NULL, 0, NI_NUMERICHOST) == 0)
			r = 0;
	freeaddrinfo(res);
	return r;
}

/* This host's first IPv4 address on an interface that is up, not lo. */
int
agent_primary_ipv4(char *addr, size_t len)
{
	struct ifaddrs *ifa, *i;
	int r = -ENOENT;

	if (getifaddrs(&ifa) < 0)
		return -errno;
	for (i = ifa; i != NULL && r != 0; i = i->ifa_next) {
		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET ||
		    !(i->ifa_flags & IFF_UP) || (i->ifa_flags & IFF_LOOPBACK))
			continue;
		if (inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)
		    i->ifa_addr)->sin_addr, addr, (socklen_t)len) != NULL)
			r = 0;
	}
	freeifaddrs(ifa);
	return r;
}

/* Whether mount_point is already an NFS mount (of a previous run). */
int
agent_is_nfs_mounted(const char *mount_point)
{
	char line[4096], mp[PATH_MAXLEN + 1], fstype[64];
	FILE *f = fopen("/proc/self/mountinfo", "r");
	int found = 0;

	if (f == NULL)
		return 0;
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		const char *sep = strstr(line, " - ");

		/* id parent maj:min root mount-point ... - fstype source */
		if (sep == NULL || sscanf(line, "%*s %*s %*s %*s %1024s", mp) != 1 ||
		    sscanf(sep + 3, "%63s", fstype) != 1)
			continue;
		if (strcmp(mp, mount_point) == 0 && strncmp(fstype, "nfs", 3) == 0)
			found = 1;
	}
	fclose(f);
	return found;
}

/*
 * The rsize/wsize floor for the swap mount.  Since Linux 5.19 swap over NFS
 * goes through direct I/O (swap_rw), each page split into wsize-sized
 * requests; with 2 KiB the kernel runs out of memory doing it ("Write error
 * -12 on dio swapfile", OOM kills, hangs), measured on Debian 12's 6.1 and
 * 6.12 (docs/nfs-swap-sizes.md).  So: the configured floor if there is one;
 * none when literal_wsize insists; otherwise WSIZE_SAFE on kernels from 5.19
 * on, and none before (their swap-over-NFS path is the one 2 KiB was chosen
 * for).  release is uname's, e.g. "6.1.0-27-amd64".
 */
uint32_t
agent_swap_wsize_floor(const struct agent_conf *c, const char *release)
{
	unsigned major = 0, minor = 0;

	if (c->literal_wsize)
		return 0;
	if (c->min_swap_wsize != WSIZE_AUTO)
		return c->min_swap_wsize;
	if (release == NULL || sscanf(release, "%u.%u", &major, &minor) != 2)
		return WSIZE_SAFE;	/* unknown: the safe side */
	return major > 5 || (major == 5 && minor >= 19) ? WSIZE_SAFE : 0;
}

/*
 * The swap mount's options from the configuration and the kernel (release
 * as uname gives it, or NULL): the configured server and ports, and rsize
 * and wsize raised to the floor (see docs/nfswapd.8, BUGS).
 */
void
agent_mount_opts_init(struct mount_opts *m, const struct agent_conf *c,
    const char *release)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->server, sizeof(m->server), "%s", c->server);
	m->port = c->port;
	m->mountport = c->mountport;
	m->floor = agent_swap_wsize_floor(c, release);
	m->rsize = c->rsize > m->floor ? c->rsize : m->floor;
	m->wsize = c->wsize > m->floor ? c->wsize : m->floor;
}

/*
 * The option string for mount(2) of an NFS export: what mount.nfs would
 * pass, built here so that an initramfs needs no mount.nfs.  addr is the
 * server's numeric address; clientaddr ours (NFSv4.0 callbacks), or NULL.
 * Its length, or -ENAMETOOLONG.
 */
int
agent_mount_opts(const struct agent_conf *c, const struct mount_opts *m,
    const char *addr, const char *clientaddr, char *buf, size_t len)
{
	int n;

	if (c->vers_major == 3)
		n = snprintf(buf, len, "vers=3,addr=%s,proto=%s%s%.0u,"
		    "mountaddr=%s,mountvers=3,mountproto=%s%s%.0u,%s,timeo=%u,"
		    "rsize=%u,wsize=%u%s%s%s", addr, c->proto,
		    m->port ? ",port=" : "", m->port, addr, "tcp",
		    m->mountport ? ",mountport=" : "", m->mountport,
		    c->hard ? "hard" : "soft", c->timeo, m->rsize, m->wsize,
		    c->nolock ? ",nolock" : "", c->options[0] ? "," : "",
		    c->options);
	else
		n = snprintf(buf, len, "vers=%u.%u,addr=%s%s%s,proto=%s%s%.0u,"
		    "%s,timeo=%u,rsize=%u,wsize=%u%s%s", c->vers_major,
		    c->vers_minor, addr, clientaddr ? ",clientaddr=" : "",
		    clientaddr ? clientaddr : "", c->proto,
		    m->port ? ",port=" : "", m->port, c->hard ? "hard" : "soft",
		    c->timeo, m->rsize, m->wsize, c->options[0] ? "," : "",
		    c->options);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return n;
}

/*
 * One attempt to mount m's server:path on c's mount point with m's
 * options.  *source and *opts (for the log) are what was tried.
 */
int
agent_mount(const struct agent_conf *c, const struct mount_opts *m,
    const char *path, char *opts, size_t olen, char *source, size_t slen)
{
	char addr[INET6_ADDRSTRLEN + 1], me[INET_ADDRSTRLEN + 1];
	int r, v6;

	if ((r = agent_resolve(m->server, addr, sizeof(addr))) < 0)
		return r;
	v6 = strchr(addr, ':') != NULL;
	if (agent_primary_ipv4(me, sizeof(me)) < 0 || v6)
		me[0] = '\0';
	if ((r = agent_mount_opts(c, m, addr, me[0] ? me : NULL, opts,
	    olen)) < 0)
		return r;
	if (snprintf(source, slen, v6 ? "[%s]:%s" : "%s:%s", addr, path) >=
	    (int)slen)
		return -ENAMETOOLONG;
	if ((r = mkdir_p(c->mount_point, 0755)) < 0)
		return r;
	if (mount(source, c->mount_point, c->vers_major == 3 ? "nfs" : "nfs4",
	    MS_NOSUID | MS_NODEV | MS_NOEXEC, opts) < 0)
		return -errno;
	return 0;
}
