/*
 * serve.c -- "nfswap serve": the provisioning service (ONC RPC over TCP,
 * libtirpc; the protocol is common/nfswap_prot.x).  A thin client asks
 * which export is its own (LOOKUP) and has swap files written on the
 * server's own disk (ALLOCATE), instead of pushing zeros over NFS.
 *
 * The caller is its source address, matched against the registry's hosts
 * (exact addresses in hosts/, networks in nets/) on every request, so an
 * "nfswap add" is seen at once; clients registered by DNS name are found
 * as an NFS server finds them: the address resolved to a name and that
 * name back to the address.  Allocations run in worker threads: a slow
 * disk never holds up another client's LOOKUP.  A file appears under its
 * name only when it is complete (written as .NAME.allocating, fsynced,
 * renamed); what is reserved by allocations under way counts against the
 * quota, so concurrent ALLOCATEs cannot exceed it.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rpc/rpc.h>

#include "nfswap.h"
#include "nfswap_prot.h"

#define JOBS_MAX	64		/* allocations under way, in all */
#define JOBS_PER_CLIENT	2
#define RATE_PER_S	20		/* requests per client and second */
#define RATE_CLIENTS	256		/* rate buckets kept */
#define DNS_CACHE	64		/* callers' names kept */
#define DNS_TTL_S	60		/* ... for this long, found or not */
#define SIZE_MIN	(64 * 1024)
#define CHUNK		(4 * 1024 * 1024)	/* bytes per write */

struct job {
	int		used;
	char		client[NAME_MAXLEN + 1];
	char		name[NAME_MAXLEN + 1];
	uint64_t	size;
	char		dir[PATH_MAXLEN + 1];
	uint32_t	uid, gid;
	pthread_t	thread;
	int		done;		/* the worker finished (ok or not) */
};

static struct {
	const struct nfswap_conf *conf;
	pthread_mutex_t	lock;
	struct job	jobs[JOBS_MAX];
	struct {
		char		key[48];	/* caller's address */
		time_t		sec;
		unsigned	n;
	}		rate[RATE_CLIENTS];
	unsigned	rate_next;
	struct {
		uint8_t		addr[16];
		int		kind;
		char		name[HOST_MAXLEN + 1];	/* "": none */
		time_t		at;
	}		dns[DNS_CACHE];
	unsigned	dns_next;
	struct timespec	dns_mtime;	/* of hosts/ when looked at */
	int		dns_scanned, dns_clients; /* ... whether it had names */
} S = { .lock = PTHREAD_MUTEX_INITIALIZER };

static volatile sig_atomic_t serve_stop;

static void
on_stop(int sig)
{
	(void)sig;
	serve_stop = 1;
}

/* The caller's address as valid_host spells it; v4-mapped v6 as v4. */
static int
caller_addr(struct svc_req *rq, char *buf, size_t len)
{
	const struct netbuf *nb = svc_getrpccaller(rq->rq_xprt);
	const struct sockaddr *sa;

	if (nb == NULL || nb->buf == NULL)
		return -EINVAL;
	sa = nb->buf;
	if (sa->sa_family == AF_INET && nb->len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *s4 = nb->buf;

		return inet_ntop(AF_INET, &s4->sin_addr, buf,
		    (socklen_t)len) ? 0 : -EINVAL;
	}
	if (sa->sa_family == AF_INET6 &&
	    nb->len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *s6 = nb->buf;

		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
			return inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12],
			    buf, (socklen_t)len) ? 0 : -EINVAL;
		return inet_ntop(AF_INET6, &s6->sin6_addr, buf,
		    (socklen_t)len) ? 0 : -EINVAL;
	}
	return -EAFNOSUPPORT;
}

static time_t
mono_s(void)
{
	return (time_t)(mono_ms() / 1000);
}

/*
 * Whether the registry has clients registered by DNS name (a key of
 * hosts/ that is no address), looked at again whenever hosts/ changes:
 * without any, the resolver is never asked.
 */
static int
has_dns_clients(const struct registry *reg)
{
	struct dirent *e;
	struct stat st;
	struct host h;
	const char *why;
	DIR *dir;

	if (stat(reg->hosts, &st) < 0)
		return 0;
	if (S.dns_scanned && st.st_mtim.tv_sec == S.dns_mtime.tv_sec &&
	    st.st_mtim.tv_nsec == S.dns_mtime.tv_nsec)
		return S.dns_clients;
	S.dns_clients = 0;
	if ((dir = opendir(reg->hosts)) != NULL) {
		while (!S.dns_clients && (e = readdir(dir)) != NULL)
			if (e->d_name[0] != '.' &&
			    valid_host(e->d_name, &h, &why) == 0 &&
			    h.kind == HOST_DNS)
				S.dns_clients = 1;
		closedir(dir);
	}
	S.dns_mtime = st.st_mtim;
	S.dns_scanned = 1;
	return S.dns_clients;
}

/*
 * The caller's DNS name, as mountd checks it: its address resolved to a
 * name, and that name resolving back to the address (so that whoever
 * controls the reverse zone alone cannot claim a name), without a final
 * dot.  Answers, found or not, are kept a minute.
 */
static int
caller_name(const struct host *h, char *name, size_t len)
{
	struct sockaddr_storage ss;
	struct addrinfo hints, *res, *ai;
	char host[HOST_MAXLEN + 1];	/* longer: no DNS name of ours */
	socklen_t sl;
	unsigned i, slot;
	int found = 0;
	size_t n;
	time_t now = mono_s();

	for (i = 0; i < DNS_CACHE; i++)
		if (S.dns[i].at != 0 && (int)h->kind == S.dns[i].kind &&
		    memcmp(S.dns[i].addr, h->addr, sizeof(h->addr)) == 0 &&
		    now - S.dns[i].at < DNS_TTL_S) {
			snprintf(name, len, "%s", S.dns[i].name);
			return name[0] ? 0 : -ENOENT;
		}
	memset(&ss, 0, sizeof(ss));
	if (h->kind == HOST_IPV4) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, h->addr, 4);
		sl = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, h->addr, 16);
		sl = sizeof(*s6);
	}
	if (getnameinfo((struct sockaddr *)&ss, sl, host, sizeof(host), NULL,
	    0, NI_NAMEREQD) == 0) {
		/* the caller puts it in canonical form (valid_host) */
		n = strlen(host);
		if (n > 0 && host[n - 1] == '.')
			host[n - 1] = '\0';
		memset(&hints, 0, sizeof(hints));
		hints.ai_family = ss.ss_family;
		hints.ai_socktype = SOCK_STREAM;
		if (getaddrinfo(host, NULL, &hints, &res) == 0) {
			for (ai = res; ai != NULL && !found; ai = ai->ai_next)
				found = ai->ai_family == AF_INET ?
				    memcmp(&((struct sockaddr_in *)ai->ai_addr)->
				    sin_addr, h->addr, 4) == 0 :
				    memcmp(&((struct sockaddr_in6 *)ai->ai_addr)->
				    sin6_addr, h->addr, 16) == 0;
			freeaddrinfo(res);
		}
	}
	slot = S.dns_next++ % DNS_CACHE;
	memcpy(S.dns[slot].addr, h->addr, sizeof(h->addr));
	S.dns[slot].kind = (int)h->kind;
	snprintf(S.dns[slot].name, sizeof(S.dns[slot].name), "%s",
	    found ? host : "");
	S.dns[slot].at = now;
	if (!found)
		return -ENOENT;
	snprintf(name, len, "%s", host);
	return 0;
}

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
 * The client whose host is the caller's address, or whose network holds
 * it.  -ENOENT when none: the caller gets NFSWAP_UNKNOWN.
 */
static int
identify(struct svc_req *rq, struct client *c)
{
	struct registry reg;
	struct diag d;
	struct host h, n;
	char addr[INET6_ADDRSTRLEN], key[HOST_MAXLEN + 1], name[NAME_MAXLEN + 2];
	const char *why;
	struct dirent *e;
	DIR *dir;
	int r = -ENOENT;

	if (caller_addr(rq, addr, sizeof(addr)) < 0 ||
	    valid_host(addr, &h, &why) < 0 ||
	    registry_index_key(&h, key, sizeof(key)) < 0)
		return -ENOENT;
	if (registry_open(&reg, S.conf, 0, &d) < 0) {
		log_warnx("registry: %s", d.msg);
		return -EIO;
	}
	if (registry_host_owner(&reg, reg.hosts, key, name, sizeof(name),
	    &d) == 0)
		r = 0;
	else if ((dir = opendir(reg.nets)) != NULL) {
		while (r != 0 && (e = readdir(dir)) != NULL) {
			char nk[HOST_MAXLEN + 1], *p;

			if (e->d_name[0] == '.' ||
			    strlen(e->d_name) >= sizeof(nk))
				continue;
			memcpy(nk, e->d_name, strlen(e->d_name) + 1);
			for (p = nk; *p; p++)
				if (*p == '_')
					*p = '/';
			if (valid_host(nk, &n, &why) < 0 || !in_net(&h, &n))
				continue;
			if (registry_host_owner(&reg, reg.nets, e->d_name,
			    name, sizeof(name), &d) == 0)
				r = 0;
		}
		closedir(dir);
	}
	if (r != 0 && has_dns_clients(&reg)) {
		char dns[HOST_MAXLEN + 1];
		struct host dh;

		if (caller_name(&h, dns, sizeof(dns)) == 0 &&
		    valid_host(dns, &dh, &why) == 0 && dh.kind == HOST_DNS &&
		    registry_index_key(&dh, key, sizeof(key)) == 0 &&
		    registry_host_owner(&reg, reg.hosts, key, name,
		    sizeof(name), &d) == 0)
			r = 0;
	}
	if (r == 0 && registry_get(&reg, name, c, &d) < 0)
		r = -ENOENT;
	registry_close(&reg);
	return r;
}

/* At most RATE_PER_S requests per second from one address. */
static int
rate_ok(struct svc_req *rq)
{
	char addr[INET6_ADDRSTRLEN];
	time_t now = time(NULL);
	unsigned i;
	int ok = 1;

	if (caller_addr(rq, addr, sizeof(addr)) < 0)
		return 0;
	pthread_mutex_lock(&S.lock);
	for (i = 0; i < RATE_CLIENTS; i++)
		if (strcmp(S.rate[i].key, addr) == 0)
			break;
	if (i == RATE_CLIENTS) {
		i = S.rate_next++ % RATE_CLIENTS;
		snprintf(S.rate[i].key, sizeof(S.rate[i].key), "%s", addr);
		S.rate[i].sec = now;
		S.rate[i].n = 0;
	}
	if (S.rate[i].sec != now) {
		S.rate[i].sec = now;
		S.rate[i].n = 0;
	}
	if (++S.rate[i].n > RATE_PER_S)
		ok = 0;
	pthread_mutex_unlock(&S.lock);
	return ok;
}

static nfswap_stat
errno_stat(int e)
{
	switch (e) {
	case ENOSPC: return NFSWAP_NOSPC;
	case EDQUOT: return NFSWAP_QUOTA;
	case EEXIST: return NFSWAP_EXIST;
	case ENOENT: return NFSWAP_NOENT;
	case EINVAL: return NFSWAP_INVAL;
	default: return NFSWAP_IO;
	}
}

/* A swap file's name: a client name's rules, and not hidden. */
static int
file_name_ok(const char *name)
{
	const char *why;

	return name != NULL && name[0] != '.' && valid_name(name, &why) == 0;
}

/*
 * What the client's directory holds, plus the rest of what allocations
 * under way have reserved (their partial files count as far as they got).
 * Called with S.lock held.
 */
static uint64_t
dir_used(const char *client, const char *dir)
{
	char partial[NAME_MAXLEN + 16];
	struct dir_usage u;
	struct stat st;
	uint64_t used = 0, got;
	unsigned i;
	int dfd;

	if (clientdir_usage(dir, (uint32_t)-1, &u) == 0)
		used = u.bytes;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	for (i = 0; i < JOBS_MAX; i++) {
		if (!S.jobs[i].used || S.jobs[i].done ||
		    strcmp(S.jobs[i].client, client) != 0)
			continue;
		snprintf(partial, sizeof(partial), "." "%s" ALLOCATING_SUFFIX,
		    S.jobs[i].name);
		got = dfd >= 0 && fstatat(dfd, partial, &st,
		    AT_SYMLINK_NOFOLLOW) == 0 ? (uint64_t)st.st_blocks * 512 : 0;
		used += S.jobs[i].size > got ? S.jobs[i].size - got : 0;
	}
	if (dfd >= 0)
		close(dfd);
	return used;
}

static void *
worker(void *arg)
{
	struct job *j = arg;
	static char zeros[CHUNK] __attribute__((aligned(4096)));
	char partial[NAME_MAXLEN + 16];
	uint64_t off, t0 = mono_ms();
	int dfd, fd = -1, r = 0;

	snprintf(partial, sizeof(partial), "." "%s" ALLOCATING_SUFFIX, j->name);
	dfd = open(j->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0) {
		r = errno;
		goto out;
	}
	/* O_DIRECT: hundreds of MiB of zeros would otherwise pass through
	 * the server's page cache (pushing out what its NFS clients read)
	 * and be copied there first; direct, they go to the disk as they
	 * are, 2-3 times faster here.  Where the file system refuses it,
	 * the zeros go through the cache. */
	fd = openat(dfd, partial, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
	    O_CLOEXEC | O_DIRECT, 0600);
	if (fd < 0 && errno == EINVAL)
		fd = openat(dfd, partial, O_WRONLY | O_CREAT | O_TRUNC |
		    O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || fchown(fd, j->uid, j->gid) < 0 || fchmod(fd, 0600) < 0) {
		r = errno;
		goto out;
	}
	/* fallocate(2) reserves every block first (ENOSPC or EDQUOT now, not
	 * halfway), then the zeros are written, so that no extent is left
	 * unwritten: swap onto a reserved-only file failed in the VM test
	 * (boot 4, twice in two runs: "Write error 73728 on dio swapfile",
	 * the server converting extents as the client swaps out; with the
	 * zeros written it passes) -- docs/nfs-swap-sizes.md. */
	if (fallocate(fd, 0, 0, (off_t)j->size) < 0 && errno != EOPNOTSUPP &&
	    errno != EINVAL) {
		r = errno;
		goto out;
	}
	off = 0;
	while (off < j->size && !serve_stop) {
		size_t n = j->size - off < CHUNK ? (size_t)(j->size - off) : CHUNK;
		ssize_t w = pwrite(fd, zeros, n, (off_t)off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EINVAL && (fcntl(fd, F_GETFL) & O_DIRECT)) {
			/* alignment this file system wants otherwise */
			(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_DIRECT);
			continue;
		}
		if (w <= 0) {
			r = w < 0 ? errno : EIO;
			goto out;
		}
		off += (uint64_t)w;
	}
	if (serve_stop)
		r = EINTR;
	else if (fsync(fd) < 0 || renameat(dfd, partial, dfd, j->name) < 0 ||
	    fsync(dfd) < 0)
		r = errno;
out:
	if (fd >= 0)
		close(fd);
	if (r != 0 && dfd >= 0)
		(void)unlinkat(dfd, partial, 0);
	if (dfd >= 0)
		close(dfd);
	if (r != 0)
		log_warnx("%s: allocating %s (%llu bytes): %s", j->client,
		    j->name, (unsigned long long)j->size, strerror(r));
	else
		log_info("%s: allocated %s (%llu bytes in %.2f s)", j->client,
		    j->name, (unsigned long long)j->size,
		    (double)(mono_ms() - t0) / 1000.0);
	pthread_mutex_lock(&S.lock);
	j->done = 1;
	pthread_mutex_unlock(&S.lock);
	return NULL;
}

/* Join finished workers and free their slots. */
static void
reap(void)
{
	unsigned i;

	for (i = 0; i < JOBS_MAX; i++) {
		int done;

		pthread_mutex_lock(&S.lock);
		done = S.jobs[i].used && S.jobs[i].done;
		pthread_mutex_unlock(&S.lock);
		if (!done)
			continue;
		pthread_join(S.jobs[i].thread, NULL);
		pthread_mutex_lock(&S.lock);
		S.jobs[i].used = 0;
		pthread_mutex_unlock(&S.lock);
	}
}

static nfswap_stat
do_allocate(const struct client *c, const nfswap_alloc_args *a)
{
	char dir[PATH_MAXLEN + 1];
	struct stat st;
	unsigned i, mine = 0, slot = JOBS_MAX;
	uint64_t used;
	nfswap_stat s = NFSWAP_OK;
	int dfd;

	if (!file_name_ok(a->name) || a->size < SIZE_MIN ||
	    a->size % 4096 != 0 || a->size > c->quota)
		return a->size > c->quota ? NFSWAP_QUOTA : NFSWAP_INVAL;
	if (clientdir_path(S.conf, c->name, dir, sizeof(dir)) < 0)
		return NFSWAP_IO;
	pthread_mutex_lock(&S.lock);
	for (i = 0; i < JOBS_MAX; i++) {
		if (!S.jobs[i].used) {
			if (slot == JOBS_MAX)
				slot = i;
			continue;
		}
		if (strcmp(S.jobs[i].client, c->name) != 0)
			continue;
		if (!S.jobs[i].done)
			mine++;
		if (strcmp(S.jobs[i].name, a->name) == 0 && !S.jobs[i].done) {
			s = S.jobs[i].size == a->size ? NFSWAP_INPROGRESS :
			    NFSWAP_EXIST;
			goto unlock;
		}
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0) {
		s = errno_stat(errno);
		goto unlock;
	}
	if (fstatat(dfd, a->name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		close(dfd);
		/* Done already (an ALLOCATE asked again): fine if it is the
		 * same file. */
		s = S_ISREG(st.st_mode) && (uint64_t)st.st_size == a->size &&
		    st.st_uid == c->uid ? NFSWAP_OK : NFSWAP_EXIST;
		goto unlock;
	}
	close(dfd);
	if (mine >= JOBS_PER_CLIENT || slot == JOBS_MAX) {
		s = NFSWAP_BUSY;
		goto unlock;
	}
	used = dir_used(c->name, dir);
	if (used > c->quota || a->size > c->quota - used) {
		s = NFSWAP_QUOTA;
		goto unlock;
	}
	memset(&S.jobs[slot], 0, sizeof(S.jobs[slot]));
	S.jobs[slot].used = 1;
	snprintf(S.jobs[slot].client, sizeof(S.jobs[slot].client), "%s",
	    c->name);
	snprintf(S.jobs[slot].name, sizeof(S.jobs[slot].name), "%s", a->name);
	snprintf(S.jobs[slot].dir, sizeof(S.jobs[slot].dir), "%s", dir);
	S.jobs[slot].size = a->size;
	S.jobs[slot].uid = c->uid;
	S.jobs[slot].gid = c->gid;
	if (pthread_create(&S.jobs[slot].thread, NULL, worker,
	    &S.jobs[slot]) != 0) {
		S.jobs[slot].used = 0;
		s = NFSWAP_IO;
		goto unlock;
	}
	s = NFSWAP_INPROGRESS;
unlock:
	pthread_mutex_unlock(&S.lock);
	return s;
}

static nfswap_stat
do_release(const struct client *c, const char *name)
{
	char dir[PATH_MAXLEN + 1];
	struct stat st;
	unsigned i;
	int dfd, r;

	if (!file_name_ok(name))
		return NFSWAP_INVAL;
	pthread_mutex_lock(&S.lock);
	for (i = 0; i < JOBS_MAX; i++)
		if (S.jobs[i].used && !S.jobs[i].done &&
		    strcmp(S.jobs[i].client, c->name) == 0 &&
		    strcmp(S.jobs[i].name, name) == 0) {
			pthread_mutex_unlock(&S.lock);
			return NFSWAP_BUSY;
		}
	pthread_mutex_unlock(&S.lock);
	if (clientdir_path(S.conf, c->name, dir, sizeof(dir)) < 0)
		return NFSWAP_IO;
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0)
		return errno_stat(errno);
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		r = errno;
	else if (!S_ISREG(st.st_mode))
		r = EINVAL;
	else
		r = unlinkat(dfd, name, 0) < 0 ? errno : 0;
	close(dfd);
	if (r == 0)
		log_info("%s: released %s", c->name, name);
	return r == 0 ? NFSWAP_OK : errno_stat(r);
}

static void
do_status(const struct client *c, nfswap_status_res *res,
    nfswap_file *files, char names[][NAME_MAXLEN + 1])
{
	char dir[PATH_MAXLEN + 1];
	struct dirent *e;
	struct stat st;
	unsigned n = 0, i;
	DIR *d;
	int dfd;

	res->status = NFSWAP_OK;
	res->nfswap_status_res_u.ok.quota = c->quota;
	res->nfswap_status_res_u.ok.files.files_val = files;
	if (clientdir_path(S.conf, c->name, dir, sizeof(dir)) < 0 ||
	    (dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0 || (d = fdopendir(dfd)) == NULL) {
		res->status = NFSWAP_IO;
		return;
	}
	while ((e = readdir(d)) != NULL && n < NFSWAP_FILES_MAX) {
		if (e->d_name[0] == '.' || strlen(e->d_name) > NAME_MAXLEN ||
		    fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		snprintf(names[n], NAME_MAXLEN + 1, "%s", e->d_name);
		files[n].name = names[n];
		files[n].size = (uint64_t)st.st_size;
		files[n].allocated = (uint64_t)st.st_blocks * 512;
		n++;
	}
	closedir(d);
	res->nfswap_status_res_u.ok.files.files_len = n;
	pthread_mutex_lock(&S.lock);
	res->nfswap_status_res_u.ok.used = dir_used(c->name, dir);
	for (i = 0; i < JOBS_MAX; i++)
		if (S.jobs[i].used && !S.jobs[i].done &&
		    strcmp(S.jobs[i].client, c->name) == 0)
			res->nfswap_status_res_u.ok.in_progress++;
	pthread_mutex_unlock(&S.lock);
}

/* An empty reply (NULL), typed as libtirpc wants its XDR procedures. */
static bool_t
xdr_nothing(XDR *xdrs, ...)
{
	(void)xdrs;
	return TRUE;
}

/*
 * The dispatcher.  Arguments are decoded with the generated XDR routines
 * (bounded by the protocol's limits); a request that does not decode gets
 * GARBAGE_ARGS, an unknown procedure PROC_UNAVAIL.
 */
static void
dispatch(struct svc_req *rq, SVCXPRT *x)
{
	static nfswap_file files[NFSWAP_FILES_MAX];
	static char names[NFSWAP_FILES_MAX][NAME_MAXLEN + 1];
	nfswap_alloc_args aa;
	nfswap_release_args ra;
	nfswap_lookup_res lr;
	nfswap_lookup2_res lr2;
	nfswap_status_res sr;
	nfswap_stat st, deny;
	struct client c;
	char path[PATH_MAXLEN + 1];
	int known, r, local = S.conf->backend == BACKEND_LOCAL;

	reap();
	if (rq->rq_proc == NFSWAPPROC_NULL) {
		(void)svc_sendreply(x, xdr_nothing, NULL);
		return;
	}
	if (rq->rq_proc > NFSWAPPROC_STATUS) {
		svcerr_noproc(x);
		return;
	}
	memset(&aa, 0, sizeof(aa));
	memset(&ra, 0, sizeof(ra));
	if ((rq->rq_proc == NFSWAPPROC_ALLOCATE &&
	    !svc_getargs(x, (xdrproc_t)xdr_nfswap_alloc_args, (char *)&aa)) ||
	    (rq->rq_proc == NFSWAPPROC_RELEASE &&
	    !svc_getargs(x, (xdrproc_t)xdr_nfswap_release_args, (char *)&ra))) {
		svcerr_decode(x);
		goto free;
	}
	/* Who asks decides everything; a caller over its rate is BUSY. */
	if (!rate_ok(rq))
		deny = NFSWAP_BUSY;
	else if ((r = identify(rq, &c)) == 0)
		deny = NFSWAP_OK;
	else
		deny = r == -ENOENT ? NFSWAP_UNKNOWN : NFSWAP_IO;
	known = deny == NFSWAP_OK;
	/* Files on CephFS are not this server's to write (the heads reach
	 * it through libcephfs; this service does not). */
	if (known && !local && rq->rq_proc != NFSWAPPROC_LOOKUP)
		deny = NFSWAP_NOTSUPP, known = 0;
	switch (rq->rq_proc) {
	case NFSWAPPROC_LOOKUP:
		memset(&lr, 0, sizeof(lr));
		lr.status = deny;
		if (known) {
			clientdir_path(S.conf, c.name, path, sizeof(path));
			lr.nfswap_lookup_res_u.ok.client = c.name;
			lr.nfswap_lookup_res_u.ok.export_path = path;
			lr.nfswap_lookup_res_u.ok.quota = c.quota;
			lr.nfswap_lookup_res_u.ok.anon_uid = c.uid;
			lr.nfswap_lookup_res_u.ok.mount_options =
			    (char *)(uintptr_t)"vers=3,proto=tcp,hard,nolock";
		}
		if (rq->rq_vers == NFSWAP_V1) {
			(void)svc_sendreply(x, (xdrproc_t)xdr_nfswap_lookup_res,
			    (char *)&lr);
			break;
		}
		/* Version 2: the same, and the client's head. */
		memset(&lr2, 0, sizeof(lr2));
		lr2.status = lr.status;
		if (known) {
			const struct nfswap_lookup_ok *v1 = &lr.nfswap_lookup_res_u.ok;
			struct nfswap_lookup2_ok *ok = &lr2.nfswap_lookup2_res_u.ok;
			const struct head *h = c.head[0] != '\0' ?
			    conf_head(S.conf, c.head) : NULL;

			ok->client = v1->client;
			ok->export_path = v1->export_path;
			ok->quota = v1->quota;
			ok->anon_uid = v1->anon_uid;
			ok->mount_options = v1->mount_options;
			ok->server = h ? (char *)(uintptr_t)h->address :
			    (char *)(uintptr_t)"";
			ok->nfs_port = h ? h->nfs_port : 0;
			ok->mount_port = h ? h->mount_port : 0;
			ok->allocate = local;
		}
		(void)svc_sendreply(x, (xdrproc_t)xdr_nfswap_lookup2_res,
		    (char *)&lr2);
		break;
	case NFSWAPPROC_ALLOCATE:
		st = known ? do_allocate(&c, &aa) : deny;
		(void)svc_sendreply(x, (xdrproc_t)xdr_nfswap_stat, (char *)&st);
		break;
	case NFSWAPPROC_RELEASE:
		st = known ? do_release(&c, ra.name) : deny;
		(void)svc_sendreply(x, (xdrproc_t)xdr_nfswap_stat, (char *)&st);
		break;
	case NFSWAPPROC_STATUS:
		memset(&sr, 0, sizeof(sr));
		if (known)
			do_status(&c, &sr, files, names);
		else
			sr.status = deny;
		(void)svc_sendreply(x, (xdrproc_t)xdr_nfswap_status_res,
		    (char *)&sr);
		break;
	}
free:
	if (rq->rq_proc == NFSWAPPROC_ALLOCATE)
		(void)svc_freeargs(x, (xdrproc_t)xdr_nfswap_alloc_args,
		    (char *)&aa);
	else if (rq->rq_proc == NFSWAPPROC_RELEASE)
		(void)svc_freeargs(x, (xdrproc_t)xdr_nfswap_release_args,
		    (char *)&ra);
}

static int
listen_tcp(unsigned port, int *v6)
{
	struct sockaddr_in6 s6;
	struct sockaddr_in s4;
	int fd, on = 1, off = 0;

	*v6 = 1;
	fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		memset(&s6, 0, sizeof(s6));
		s6.sin6_family = AF_INET6;
		s6.sin6_addr = in6addr_any;
		s6.sin6_port = htons((uint16_t)port);
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off,
		    sizeof(off));
		if (bind(fd, (struct sockaddr *)&s6, sizeof(s6)) == 0 &&
		    listen(fd, 64) == 0)
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
	if (bind(fd, (struct sockaddr *)&s4, sizeof(s4)) < 0 ||
	    listen(fd, 64) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

int
serve_main(const struct nfswap_conf *conf, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "no-rpcbind", no_argument, NULL, 'R' },
		{ "foreground", no_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 }
	};
	struct netconfig *nc = NULL;
	struct sigaction sa;
	unsigned long port = 0;
	int ch, fd, v6, rpcbind = 1, fg = 0, registered = 0, pfd_cap = 0;
	rpcvers_t vers;
	struct pollfd *pfd = NULL;
	SVCXPRT *x;
	char *end;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":dp:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd': fg = 1; break;
		case 'R': rpcbind = 0; break;
		case 'p':
			errno = 0;
			port = strtoul(optarg, &end, 10);
			if (errno || *end || end == optarg || port > 65535) {
				fprintf(stderr, "nfswap: serve: bad port \"%s\"\n",
				    optarg);
				return EXIT_USAGE;
			}
			break;
		default:
			fprintf(stderr, "nfswap: serve: bad option \"%s\"\n"
			    "usage: nfswap serve [-d] [--port N] [--no-rpcbind]\n",
			    argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "nfswap: serve: unexpected argument \"%s\"\n",
		    argv[optind]);
		return EXIT_USAGE;
	}
	if (!rpcbind && port == 0) {
		fprintf(stderr, "nfswap: serve: --no-rpcbind needs --port\n");
		return EXIT_USAGE;
	}
	S.conf = conf;
	log_init("nfswap", fg, 0);
	if ((fd = listen_tcp((unsigned)port, &v6)) < 0) {
		log_warnx("serve: listening on TCP port %lu: %s", port,
		    strerror(-fd));
		return EXIT_RUNTIME;
	}
	x = svc_vc_create(fd, 0, 0);
	if (x == NULL) {
		log_warnx("serve: svc_vc_create failed");
		close(fd);
		return EXIT_RUNTIME;
	}
	for (vers = NFSWAP_V1; vers <= NFSWAP_V2; vers++) {
		if (!rpcbind) {
			if (!svc_reg(x, NFSWAP_PROG, vers, dispatch, NULL)) {
				log_warnx("serve: svc_reg failed");
				return EXIT_RUNTIME;
			}
			continue;
		}
		(void)rpcb_unset(NFSWAP_PROG, vers, NULL);
		if (nc == NULL)
			nc = getnetconfigent(v6 ? "tcp6" : "tcp");
		if (nc == NULL || !svc_reg(x, NFSWAP_PROG, vers, dispatch, nc)) {
			log_warnx("serve: cannot register with rpcbind (is it "
			    "running? --no-rpcbind --port N runs without)");
			return EXIT_RUNTIME;
		}
		if (v6) {	/* IPv4 callers ask rpcbind for "tcp" */
			struct netconfig *n4 = getnetconfigent("tcp");

			if (n4 != NULL) {
				(void)rpcb_set(NFSWAP_PROG, vers, n4,
				    &x->xp_ltaddr);
				freenetconfigent(n4);
			}
		}
		registered = 1;
	}
	if (!fg && daemon(0, 0) < 0) {
		log_warn("daemon");
		return EXIT_RUNTIME;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	{
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		unsigned p = 0;

		if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
			p = ntohs(ss.ss_family == AF_INET6 ?
			    ((struct sockaddr_in6 *)&ss)->sin6_port :
			    ((struct sockaddr_in *)&ss)->sin_port);
		log_info("serving program %u versions %u-%u on TCP port %u%s%s",
		    (unsigned)NFSWAP_PROG, (unsigned)NFSWAP_V1,
		    (unsigned)NFSWAP_V2, p,
		    registered ? " (registered with rpcbind)" : "",
		    conf->backend == BACKEND_CEPHFS ? "; files on CephFS: "
		    "LOOKUP only" : "");
	}
	/* Poll a copy of libtirpc's descriptor table, as its svc_run does:
	 * accepting a connection inside svc_getreq_poll may reallocate
	 * svc_pollfd under the loop that walks it (found by bench/scale.sh:
	 * a crash after a few dozen connections). */
	while (!serve_stop) {
		int n, nfd = svc_max_pollfd;

		if (nfd > pfd_cap) {
			struct pollfd *p = realloc(pfd, (size_t)nfd * sizeof(*p));

			if (p == NULL) {
				log_warnx("serve: out of memory");
				break;
			}
			pfd = p;
			pfd_cap = nfd;
		}
		if (nfd > 0)
			memcpy(pfd, svc_pollfd, (size_t)nfd * sizeof(*pfd));
		n = poll(pfd, (nfds_t)nfd, 1000);
		if (n > 0)
			svc_getreq_poll(pfd, n);
		else if (n < 0 && errno != EINTR)
			break;
		reap();
	}
	free(pfd);
	log_info("serve: stopping");
	/* Workers see serve_stop and remove their partial files. */
	for (;;) {
		unsigned i, busy = 0;

		reap();
		pthread_mutex_lock(&S.lock);
		for (i = 0; i < JOBS_MAX; i++)
			busy += S.jobs[i].used ? 1U : 0U;
		pthread_mutex_unlock(&S.lock);
		if (!busy)
			break;
		usleep(100 * 1000);
	}
	if (registered)
		for (vers = NFSWAP_V1; vers <= NFSWAP_V2; vers++) {
			svc_unreg(NFSWAP_PROG, vers);
			(void)rpcb_unset(NFSWAP_PROG, vers, NULL);
		}
	if (nc != NULL)
		freenetconfigent(nc);
	svc_destroy(x);
	return EXIT_OK;
}
