/*
 * mount.c -- mount the client's export with mount(2), as mount.nfs would,
 * so that an initramfs needs neither mount.nfs nor rpcbind: the server's
 * name is resolved here (the kernel wants addr=), the options come from
 * agent_mount_opts().  Retries are the caller's business; this makes one
 * attempt and returns 0 or -errno.
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
 * One attempt to mount server:path on the mount point with c's options.
 * *source and *opts (for the log) are what was tried.
 */
int
agent_mount(const struct agent_conf *c, const char *path, char *opts,
    size_t olen, char *source, size_t slen)
{
	char addr[INET6_ADDRSTRLEN + 1], me[INET_ADDRSTRLEN + 1];
	int r, v6;

	if ((r = agent_resolve(c->server, addr, sizeof(addr))) < 0)
		return r;
	v6 = strchr(addr, ':') != NULL;
	if (agent_primary_ipv4(me, sizeof(me)) < 0 || v6)
		me[0] = '\0';
	if ((r = agent_mount_opts(c, addr, me[0] ? me : NULL, opts, olen)) < 0)
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
