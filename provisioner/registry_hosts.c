/*
 * registry_hosts.c -- the host indexes: which client holds an address, a
 * network or a DNS name.
 *
 *   hosts/KEY     -> NAME   each single address or DNS name
 *   nets/KEY      -> NAME   each CIDR network
 *   resolved/KEY  -> NAME   each address a DNS-named client's name had
 *                           when it was added
 *
 * KEY is the host's canonical text with '/' as '_'.  An entry is only a
 * hint: its owner is the client it names if that client's record still
 * holds the host (host_owner), so a crash between index and record
 * leaves nothing that matters.  Lookups by address -- overlaps at an add,
 * and who a caller of nfswap serve is -- live here and nowhere else.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "registry.h"

/* ---- keys and owners ----------------------------------------------- */

static int
index_key(const struct host *h, char *key, size_t len)
{
	char *p;

	if (snprintf(key, len, "%s", h->canon) >= (int)len)
		return -ENAMETOOLONG;
	for (p = key; *p; p++)
		if (*p == '/')
			*p = '_';
	return 0;
}

/* Networks are indexed in nets/, single addresses and names in hosts/. */
static const char *
index_dir(const struct registry *reg, const struct host *h)
{
	return h->kind == HOST_NET4 || h->kind == HOST_NET6 ? reg->nets :
	    reg->hosts;
}

/* Where a client's host is indexed: its key and its index directory. */
static const char *
client_index(const struct registry *reg, const struct client *c,
    char *key, size_t len)
{
	struct host h;

	if (valid_host(c->host, &h, NULL) < 0 ||
	    index_key(&h, key, len) < 0)
		return NULL;
	return index_dir(reg, &h);
}

static int
key_to_host(const char *key, struct host *h)
{
	char buf[HOST_MAXLEN + 1], *p;

	if (strlen(key) >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, key, strlen(key) + 1);
	for (p = buf; *p; p++)
		if (*p == '_')
			*p = '/';
	return valid_host(buf, h, NULL);
}

/*
 * The live owner of an index entry: the client it names, provided that
 * client's record still exists and still holds this host.  -ENOENT for a
 * missing or stale entry.  A record that exists but cannot be read keeps
 * its host (a corrupt record must not free it): -EINVAL with d filled.
 */
static int
host_owner(struct registry *reg, const char *dir, const char *key,
    char *name, size_t len, struct diag *d)
{
	char path[PATH_MAXLEN + 300], ikey[HOST_MAXLEN + 1];
	struct client c;
	struct host h;
	ssize_t n;
	int r;

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	if ((n = readlink(path, name, len - 1)) < 0)
		return -errno;
	name[n] = '\0';
	if (valid_name(name, NULL) < 0)
		return -ENOENT;
	if ((r = registry_read(reg, name, &c, d)) == -ENOENT)
		return -ENOENT;
	if (r < 0)
		return r;
	if (strcmp(dir, reg->resolved) == 0) {
		unsigned i;

		for (i = 0; i < c.naddrs; i++)
			if (valid_host(c.addrs[i], &h, NULL) == 0 &&
			    index_key(&h, ikey, sizeof(ikey)) == 0 &&
			    strcmp(ikey, key) == 0)
				return 0;
		return -ENOENT;
	}
	if (client_index(reg, &c, ikey, sizeof(ikey)) == NULL ||
	    strcmp(ikey, key) != 0)
		return -ENOENT;
	return 0;
}

/* Index (set) or unindex (drop) client c's own host. */
int
registry_index_host(struct registry *reg, const struct client *c, int set)
{
	char key[HOST_MAXLEN + 1];
	const char *dir = client_index(reg, c, key, sizeof(key));

	if (dir == NULL)
		return -EINVAL;
	if (set)
		return registry_link(dir, key, c->name);
	registry_unlink(dir, key, c->name);
	return 0;
}

/* Index (set) or unindex (drop) the addresses a DNS-named client's name
 * had at its add. */
int
registry_index_addrs(struct registry *reg, const struct client *c, int set)
{
	char key[HOST_MAXLEN + 1];
	struct host h;
	unsigned i;
	int r;

	for (i = 0; i < c->naddrs; i++) {
		if (valid_host(c->addrs[i], &h, NULL) < 0 ||
		    index_key(&h, key, sizeof(key)) < 0)
			continue;
		if (!set)
			registry_unlink(reg->resolved, key, c->name);
		else if ((r = registry_link(reg->resolved, key, c->name)) < 0) {
			while (i-- > 0)
				if (valid_host(c->addrs[i], &h, NULL) == 0 &&
				    index_key(&h, key, sizeof(key)) == 0)
					registry_unlink(reg->resolved, key,
					    c->name);
			return r;
		}
	}
	return 0;
}

/* ---- overlaps ------------------------------------------------------ */

/*
 * Whether the address or network h equals or overlaps a host of a client
 * other than except ("": any): 1 with that client's name in owner and the
 * host it clashes with in what; 0 when none; -errno (d) when a record
 * cannot be read (a corrupt record keeps its hosts).  The addresses that
 * DNS-named clients' names had when they were added (resolved/) count as
 * theirs.
 */
static int
host_clash(struct registry *reg, const struct host *h, const char *except,
    char *owner, size_t olen, char *what, size_t wlen, struct diag *d)
{
	int net = h->kind == HOST_NET4 || h->kind == HOST_NET6;
	const char *exact[2] = { index_dir(reg, h),
	    net ? NULL : reg->resolved };
	const char *scan[3] = { reg->nets, net ? reg->hosts : NULL,
	    net ? reg->resolved : NULL };
	char key[HOST_MAXLEN + 1];
	struct dirent *e;
	struct host o;
	DIR *dir;
	int i, r;

	index_key(h, key, sizeof(key));
	for (i = 0; i < 2; i++) {
		if (exact[i] == NULL)
			continue;
		r = host_owner(reg, exact[i], key, owner, olen, d);
		if (r == 0 && strcmp(owner, except) != 0) {
			snprintf(what, wlen, "%s%s", h->canon, exact[i] ==
			    reg->resolved ? " (its DNS name's address when it "
			    "was added)" : "");
			return 1;
		}
		if (r < 0 && r != -ENOENT)
			return r;
	}
	if (h->kind == HOST_DNS)
		return 0;
	/*
	 * Addresses are checked against every network (few); a new network
	 * against every address too, which costs one readdir of hosts/.
	 */
	for (i = 0; i < 3; i++) {
		if (scan[i] == NULL)
			continue;
		if ((dir = opendir(scan[i])) == NULL) {
			if (errno == ENOENT)
				continue;
			return diag_sys(d, errno, "%s", scan[i]);
		}
		while ((e = readdir(dir)) != NULL) {
			if (e->d_name[0] == '.' || key_to_host(e->d_name, &o) < 0 ||
			    o.kind == HOST_DNS || !host_overlap(h, &o))
				continue;
			r = host_owner(reg, scan[i], e->d_name, owner,
			    olen, d);
			if (r == -ENOENT || (r == 0 && strcmp(owner, except) == 0))
				continue;
			closedir(dir);
			if (r < 0)
				return r;
			snprintf(what, wlen, "%s%s", o.canon, scan[i] ==
			    reg->resolved ? " (its DNS name's address when it "
			    "was added)" : "");
			return 1;
		}
		closedir(dir);
	}
	return 0;
}

/* Refuse a host that equals or overlaps another client's host; via, when
 * not NULL, is the DNS name h is an address of. */
int
registry_host_free(struct registry *reg, const struct host *h,
    const char *via, struct diag *d)
{
	char owner[NAME_MAXLEN + 2], what[HOST_MAXLEN + 64], who[2 * HOST_MAXLEN];
	int r;

	if ((r = host_clash(reg, h, "", owner, sizeof(owner), what,
	    sizeof(what), d)) <= 0)
		return r;
	if (via != NULL)
		snprintf(who, sizeof(who), "%s (resolving to %s)", via, h->canon);
	else
		snprintf(who, sizeof(who), "%s", h->canon);
	if (via == NULL && strcmp(what, h->canon) == 0)
		return diag_input(d, EEXIST, "host %s is already client \"%s\"'s",
		    who, owner);
	return diag_input(d, EEXIST, "host %s overlaps %s, which belongs to "
	    "client \"%s\"", who, what, owner);
}

/*
 * The addresses name resolves to now (getaddrinfo: /etc/hosts, DNS, as
 * nsswitch.conf says), canonical and without repeats: how many, at most
 * max; -ENOENT when it has none, -EAGAIN when the resolver could not say.
 */
int
registry_resolve(const char *name, struct host *out, size_t max)
{
	struct addrinfo hints, *res, *ai;
	char buf[INET6_ADDRSTRLEN];
	size_t n = 0, i;
	int r;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((r = getaddrinfo(name, NULL, &hints, &res)) != 0)
		return r == EAI_NONAME || r == EAI_NODATA ? -ENOENT :
		    r == EAI_AGAIN ? -EAGAIN : -EIO;
	for (ai = res; ai != NULL && n < max; ai = ai->ai_next) {
		const void *a = ai->ai_family == AF_INET ?
		    (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr :
		    (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;

		if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
		    inet_ntop(ai->ai_family, a, buf, sizeof(buf)) == NULL ||
		    valid_host(buf, &out[n], NULL) < 0 ||
		    (out[n].kind != HOST_IPV4 && out[n].kind != HOST_IPV6))
			continue;
		for (i = 0; i < n; i++)
			if (strcmp(out[i].canon, out[n].canon) == 0)
				break;
		if (i == n)
			n++;
	}
	freeaddrinfo(res);
	return n == 0 ? -ENOENT : (int)n;
}

/* Whether some other client holds or overlaps the address or network h
 * (audit's check of what a DNS name resolves to now). */
int
registry_host_clash(struct registry *reg, const struct host *h,
    const char *except, char *owner, size_t olen, char *what, size_t wlen,
    struct diag *d)
{
	return host_clash(reg, h, except, owner, olen, what, wlen, d);
}

/* ---- finding a caller ---------------------------------------------- */

/* Whether addr (a single address) lies in net. */
static int
in_net(const struct host *addr, const struct host *net)
{
	unsigned bits = net->prefix, i;
	int v4 = net->kind == HOST_NET4;

	if ((v4 && addr->kind != HOST_IPV4) || (!v4 && addr->kind != HOST_IPV6))
		return 0;
	for (i = 0; bits > 0; i++, bits = bits > 8 ? bits - 8 : 0) {
		uint8_t mask = (uint8_t)(bits >= 8 ? 0xff : 0xff << (8 - bits));

		if ((addr->addr[i] & mask) != (net->addr[i] & mask))
			return 0;
	}
	return 1;
}

/*
 * Whether some client is registered by DNS name (a key of hosts/ that is
 * no address), looked at again only when hosts/ has changed since names
 * last did.
 */
static int
names_any(const struct registry *reg, struct registry_names *names)
{
	struct dirent *e;
	struct stat st;
	struct host h;
	DIR *dir;

	if (stat(reg->hosts, &st) < 0)
		return 0;
	if (names->scanned && st.st_mtim.tv_sec == names->mtime.tv_sec &&
	    st.st_mtim.tv_nsec == names->mtime.tv_nsec)
		return names->any;
	names->any = 0;
	if ((dir = opendir(reg->hosts)) != NULL) {
		while (!names->any && (e = readdir(dir)) != NULL)
			if (e->d_name[0] != '.' &&
			    key_to_host(e->d_name, &h) == 0 &&
			    h.kind == HOST_DNS)
				names->any = 1;
		closedir(dir);
	}
	names->mtime = st.st_mtim;
	names->scanned = 1;
	return names->any;
}

/*
 * The client a caller is, as an NFS server finds it: the client whose
 * host is the address addr, or whose network holds it, or -- given dns,
 * the caller's name already confirmed both ways -- whose host is that
 * name.  -ENOENT when none; names->any tells the caller whether asking
 * DNS could find one.  An "nfswap add" is seen at the next call.
 */
int
registry_find_caller(struct registry *reg, const struct host *addr,
    const char *dns, struct registry_names *names, struct client *c,
    struct diag *d)
{
	char key[HOST_MAXLEN + 1], name[NAME_MAXLEN + 2];
	struct dirent *e;
	struct host n;
	DIR *dir;
	int r = -ENOENT;

	names_any(reg, names);
	if ((addr->kind != HOST_IPV4 && addr->kind != HOST_IPV6) ||
	    index_key(addr, key, sizeof(key)) < 0)
		return -ENOENT;
	if (host_owner(reg, reg->hosts, key, name, sizeof(name),
	    d) == 0)
		r = 0;
	else if ((dir = opendir(reg->nets)) != NULL) {
		while (r != 0 && (e = readdir(dir)) != NULL)
			if (e->d_name[0] != '.' &&
			    key_to_host(e->d_name, &n) == 0 && in_net(addr, &n) &&
			    host_owner(reg, reg->nets, e->d_name, name,
			    sizeof(name), d) == 0)
				r = 0;
		closedir(dir);
	}
	if (r != 0 && dns != NULL && dns[0] != '\0' && names->any) {
		struct host dh;

		if (valid_host(dns, &dh, NULL) == 0 && dh.kind == HOST_DNS &&
		    index_key(&dh, key, sizeof(key)) == 0 &&
		    host_owner(reg, reg->hosts, key, name,
		    sizeof(name), d) == 0)
			r = 0;
	}
	if (r == 0 && registry_get(reg, name, c, d) < 0)
		r = -ENOENT;
	return r;
}

/* ---- consistency (audit) ------------------------------------------- */

/* Whether the index entry of c's host is live: without it, a duplicate of
 * that host could not be refused. */
int
registry_indexed(struct registry *reg, const struct client *c)
{
	char key[HOST_MAXLEN + 1], owner[NAME_MAXLEN + 2];
	const char *dir = client_index(reg, c, key, sizeof(key));
	struct diag d;

	return dir == NULL || host_owner(reg, dir, key, owner, sizeof(owner),
	    &d) == 0;
}

/* Entries of hosts/ and nets/ that no record matches, or whose record
 * cannot be read: each told to problem. */
void
registry_check_hosts(struct registry *reg,
    void (*problem)(void *, const char *), void *arg)
{
	const char *idx[2] = { reg->hosts, reg->nets };
	char owner[NAME_MAXLEN + 2], msg[PATH_MAXLEN + 1400];
	struct dirent *e;
	struct diag d;
	DIR *dir;
	int i, r;

	if (reg->lockfd < 0)
		return;
	for (i = 0; i < 2; i++) {
		if ((dir = opendir(idx[i])) == NULL)
			continue;
		while ((e = readdir(dir)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			r = host_owner(reg, idx[i], e->d_name, owner,
			    sizeof(owner), &d);
			if (r == -ENOENT)
				snprintf(msg, sizeof(msg), "stale index "
				    "entry %s/%s (no client holds that host; "
				    "the next add replaces it)", idx[i],
				    e->d_name);
			else if (r < 0)
				snprintf(msg, sizeof(msg), "index entry "
				    "%s/%s: %s", idx[i], e->d_name, d.msg);
			else
				continue;
			problem(arg, msg);
		}
		closedir(dir);
	}
}
