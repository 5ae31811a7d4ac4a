/*
 * serve_net.c -- the network side of "nfswap serve": runs as the serve
 * user, chrooted into an empty directory, with no capabilities.  It
 * accepts connections, decodes XDR with the generated routines, limits
 * callers, and asks the monitor (serve_monitor.c) for everything that
 * touches the registry or a disk.  It must never block on a peer.
 *
 * Against hostile peers (docs/security.md):
 * - libtirpc's non-blocking mode (rpc_control RPC_SVC_CONNMAXREC_SET, as
 *   nfs-utils' mountd and statd set it): a record is gathered as its
 *   bytes arrive, never waited for, and none may exceed MAXREC;
 * - a connection that has not completed a call within idle_timeout
 *   seconds is closed, whatever it sent meanwhile (half a record, one byte
 *   at a time, or nothing); a peer that does not read its replies is
 *   dropped as soon as OUTQ_MAX bytes of them wait unread, before a reply
 *   could block; at most connections_per_address connections per address
 *   and max_connections in all; past the total, the least recently active
 *   is closed for the newcomer (serve_peers.c);
 * - every call but NULL must come from a reserved port (below 1024: root
 *   on the client), as the client's NFS export requires, else it gets
 *   AUTH_TOOWEAK -- any user of a thin client could otherwise release or
 *   fill its swap;
 * - RATE_PER_S calls per second and address, answered BUSY beyond;
 * - DNS names are resolved by the resolver process, never here: a caller
 *   whose name is not known yet is answered BUSY and asked to retry.
 *   Names that were confirmed are kept apart from addresses that have
 *   none, so that callers rotating through addresses cannot push a
 *   client's name out of the cache.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rpc/rpc.h>
#include <rpc/rpc_com.h>

#include "serve.h"
#include "nfswap_prot.h"

#define MAXREC		8192		/* bytes in one call, at most */
#define RATE_PER_S	20		/* calls per second and address */
#define RATE_SLOTS	1024
#define DNS_POS		1024		/* confirmed names kept */
#define DNS_NEG		256		/* addresses without one, kept */
#define DNS_PENDING	64		/* questions to the resolver */
#define DNS_TTL_MS	60000
#define DNS_ASK_MS	30000		/* a question unanswered this long is dropped */
#define MOUNT_OPTIONS	NFSWAP_MOUNT_BASE	/* LOOKUP's recommended options */
#define COUNTERS_MS	1000		/* counters sent at most this often */

#if SERVE_FILES_MAX != NFSWAP_FILES_MAX
#error "serve.h's SERVE_FILES_MAX must be the protocol's NFSWAP_FILES_MAX"
#endif

struct name {
	char		addr[SERVE_ADDR_MAX];
	char		name[HOST_MAXLEN + 1];
	uint64_t	at_ms;		/* 0: free */
};

static struct {
	const struct serve_conf *sc;
	int		lfd, mon, dns;
	uint32_t	seq;
	struct {
		char		addr[SERVE_ADDR_MAX];
		uint64_t	sec;
		unsigned	n;
	}		rate[RATE_SLOTS];
	unsigned	rate_next;
	struct name	pos[DNS_POS], neg[DNS_NEG], pending[DNS_PENDING];
	unsigned	neg_next;
	uint64_t	said_slow_ms;
	struct serve_counters ctr;	/* for the monitor's stats file */
	struct serve_counters sent;	/* ...as last sent */
	uint64_t	ctr_sent_ms;
} N;

static volatile sig_atomic_t net_stop;

static void
on_stop(int sig)
{
	(void)sig;
	net_stop = 1;
}

/* The caller's port: below 1024 only root on its host can have it. */
static unsigned
sockaddr_port(const struct sockaddr *sa, socklen_t len)
{
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in))
		return ntohs(((const struct sockaddr_in *)(const void *)sa)->
		    sin_port);
	if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6))
		return ntohs(((const struct sockaddr_in6 *)(const void *)sa)->
		    sin6_port);
	return 65535;
}

/* ---- callers: rate, DNS ------------------------------------------------ */

static int
rate_ok(const char *addr, uint64_t now)
{
	uint64_t sec = now / 1000;
	unsigned i;

	for (i = 0; i < RATE_SLOTS; i++)
		if (strcmp(N.rate[i].addr, addr) == 0)
			break;
	if (i == RATE_SLOTS) {
		i = N.rate_next++ % RATE_SLOTS;
		snprintf(N.rate[i].addr, sizeof(N.rate[i].addr), "%s", addr);
		N.rate[i].sec = sec;
		N.rate[i].n = 0;
	}
	if (N.rate[i].sec != sec) {
		N.rate[i].sec = sec;
		N.rate[i].n = 0;
	}
	return ++N.rate[i].n <= RATE_PER_S;
}

static struct name *
name_find(struct name *v, unsigned n, const char *addr, uint64_t now,
    uint64_t ttl)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (v[i].at_ms != 0 && strcmp(v[i].addr, addr) == 0)
			return now - v[i].at_ms < ttl ? &v[i] : NULL;
	return NULL;
}

/* A free slot, else the oldest. */
static struct name *
name_slot(struct name *v, unsigned n, const char *addr)
{
	struct name *old = &v[0];
	unsigned i;

	for (i = 0; i < n; i++) {
		if (v[i].at_ms == 0 || strcmp(v[i].addr, addr) == 0)
			return &v[i];
		if (v[i].at_ms < old->at_ms)
			old = &v[i];
	}
	return old;
}

/* The resolver's answers: confirmed names apart from the rest. */
static void
dns_read(uint64_t now)
{
	struct serve_dns a;
	struct name *e;
	unsigned i;
	ssize_t n;

	while ((n = recv(N.dns, &a, sizeof(a), MSG_DONTWAIT)) ==
	    (ssize_t)sizeof(a)) {
		a.addr[sizeof(a.addr) - 1] = '\0';
		a.name[sizeof(a.name) - 1] = '\0';
		for (i = 0; i < DNS_PENDING; i++)
			if (strcmp(N.pending[i].addr, a.addr) == 0)
				N.pending[i].at_ms = 0;
		if (a.name[0] != '\0') {
			e = name_slot(N.pos, DNS_POS, a.addr);
		} else {
			e = &N.neg[N.neg_next++ % DNS_NEG];
			for (i = 0; i < DNS_NEG; i++)
				if (strcmp(N.neg[i].addr, a.addr) == 0)
					e = &N.neg[i];
		}
		memcpy(e->addr, a.addr, sizeof(e->addr));
		memcpy(e->name, a.name, sizeof(e->name));
		e->at_ms = now;
	}
	if (n == 0)
		net_stop = 1;	/* the resolver is gone: stop, the monitor
				 * sees us go and stops too */
}

/* Ask the resolver about addr, once: 0 asked (or being asked), -EBUSY
 * when too many questions are open. */
static int
dns_ask(const char *addr, uint64_t now)
{
	struct serve_dns q;
	struct name *free_slot = NULL;
	unsigned i;

	for (i = 0; i < DNS_PENDING; i++) {
		if (N.pending[i].at_ms != 0 && now - N.pending[i].at_ms >
		    DNS_ASK_MS)
			N.pending[i].at_ms = 0;
		if (N.pending[i].at_ms != 0 &&
		    strcmp(N.pending[i].addr, addr) == 0)
			return 0;
		if (N.pending[i].at_ms == 0 && free_slot == NULL)
			free_slot = &N.pending[i];
	}
	if (free_slot == NULL)
		return -EBUSY;
	memset(&q, 0, sizeof(q));
	snprintf(q.addr, sizeof(q.addr), "%s", addr);
	if (send(N.dns, &q, sizeof(q), MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		return -errno;
	snprintf(free_slot->addr, sizeof(free_slot->addr), "%s", addr);
	free_slot->at_ms = now;
	return 0;
}

/* ---- the monitor ------------------------------------------------------- */

/*
 * One question to the monitor and its answer, within
 * SERVE_MONITOR_WAIT_MS; answers to questions given up on are skipped by
 * their sequence number.  -errno when none came.
 */
static int
ask_monitor(struct serve_req *q, struct serve_rep *rep)
{
	uint64_t t0 = mono_ms(), now;
	struct pollfd p;
	ssize_t n;

	q->seq = ++N.seq;
	if (send(N.mon, q, sizeof(*q), MSG_NOSIGNAL) != (ssize_t)sizeof(*q)) {
		net_stop = 1;
		return -EPIPE;
	}
	for (;;) {
		now = mono_ms();
		if (now - t0 >= SERVE_MONITOR_WAIT_MS)
			break;
		p.fd = N.mon;
		p.events = POLLIN;
		p.revents = 0;
		if (poll(&p, 1, (int)(SERVE_MONITOR_WAIT_MS - (now - t0))) <= 0)
			continue;
		n = recv(N.mon, rep, sizeof(*rep), MSG_DONTWAIT);
		if (n == 0) {
			net_stop = 1;
			return -EPIPE;
		}
		if (n == (ssize_t)sizeof(*rep) && rep->seq == q->seq)
			return 0;
	}
	if (N.said_slow_ms == 0 || now - N.said_slow_ms > 60000) {
		log_warnx("serve: the privileged side took more than %d ms to "
		    "answer; answering BUSY", SERVE_MONITOR_WAIT_MS);
		N.said_slow_ms = now;
	}
	return -ETIMEDOUT;
}

/*
 * Who the caller is and what the monitor says to its request.  A caller
 * unknown by its address, while some client is registered by DNS name,
 * is looked up by name: from the cache, or else asked of the resolver
 * and answered BUSY meanwhile.
 */
static void
ask(struct serve_req *q, struct serve_rep *rep, uint64_t now)
{
	const struct name *e = name_find(N.pos, DNS_POS, q->addr, now,
	    DNS_TTL_MS);

	if (e != NULL)
		snprintf(q->dns, sizeof(q->dns), "%s", e->name);
	memset(rep, 0, sizeof(*rep));
	if (ask_monitor(q, rep) < 0) {
		rep->status = NFSWAP_BUSY;
		return;
	}
	if (rep->status != NFSWAP_UNKNOWN || !rep->dns_clients || e != NULL ||
	    name_find(N.neg, DNS_NEG, q->addr, now, DNS_TTL_MS) != NULL)
		return;
	memset(rep, 0, sizeof(*rep));
	rep->status = NFSWAP_BUSY;
	(void)dns_ask(q->addr, now);
}

/* ---- the dispatcher ---------------------------------------------------- */

/* An empty reply (NULL), typed as libtirpc wants its XDR procedures. */
static bool_t
xdr_nothing(XDR *xdrs, ...)
{
	(void)xdrs;
	return TRUE;
}

static void
reply_lookup(SVCXPRT *x, rpcvers_t vers, const struct serve_rep *r)
{
	nfswap_lookup_res lr;
	nfswap_lookup2_res lr2;
	int ok = r->status == NFSWAP_OK;

	if (vers == NFSWAP_V1) {
		memset(&lr, 0, sizeof(lr));
		lr.status = (nfswap_stat)r->status;
		if (ok) {
			struct nfswap_lookup_ok *o = &lr.nfswap_lookup_res_u.ok;

			o->client = (char *)(uintptr_t)r->client;
			o->export_path = (char *)(uintptr_t)r->export_path;
			o->quota = r->quota;
			o->anon_uid = r->anon_uid;
			o->mount_options = (char *)(uintptr_t)MOUNT_OPTIONS;
		}
		(void)svc_sendreply(x, (xdrproc_t)xdr_nfswap_lookup_res,
		    (char *)&lr);
		return;
	}
	memset(&lr2, 0, sizeof(lr2));
	lr2.status = (nfswap_stat)r->status;
	if (ok) {
		struct nfswap_lookup2_ok *o = &lr2.nfswap_lookup2_res_u.ok;

		o->client = (char *)(uintptr_t)r->client;
		o->export_path = (char *)(uintptr_t)r->export_path;
		o->quota = r->quota;
		o->anon_uid = r->anon_uid;
		o->mount_options = (char *)(uintptr_t)MOUNT_OPTIONS;
		o->server = (char *)(uintptr_t)r->server;
		o->nfs_port = r->nfs_port;
		o->mount_port = r->mount_port;
		o->allocate = r->allocate != 0;
	}
	(void)svc_sendreply(x, (xdrproc_t)xdr_nfswap_lookup2_res, (char *)&lr2);
}

static void
reply_status(SVCXPRT *x, const struct serve_rep *r)
{
	static nfswap_file files[SERVE_FILES_MAX];
	nfswap_status_res sr;
	unsigned i, n = r->nfiles < SERVE_FILES_MAX ? r->nfiles :
	    SERVE_FILES_MAX;

	memset(&sr, 0, sizeof(sr));
	sr.status = (nfswap_stat)r->status;
	if (r->status == NFSWAP_OK) {
		for (i = 0; i < n; i++) {
			files[i].name = (char *)(uintptr_t)r->files[i].name;
			files[i].size = r->files[i].size;
			files[i].allocated = r->files[i].allocated;
		}
		sr.nfswap_status_res_u.ok.quota = r->quota;
		sr.nfswap_status_res_u.ok.used = r->used;
		sr.nfswap_status_res_u.ok.in_progress = r->in_progress;
		sr.nfswap_status_res_u.ok.files.files_len = n;
		sr.nfswap_status_res_u.ok.files.files_val = files;
	}
	(void)svc_sendreply(x, (xdrproc_t)xdr_nfswap_status_res, (char *)&sr);
}

/* The request for the monitor, from a call's arguments: OK, or INVAL
 * when they cannot make one. */
static nfswap_stat
request(rpcproc_t proc, const nfswap_alloc_args *aa,
    const nfswap_release_args *ra, struct serve_req *q)
{
	switch (proc) {
	case NFSWAPPROC_LOOKUP:
		q->op = SERVE_LOOKUP;
		break;
	case NFSWAPPROC_ALLOCATE:
		q->op = SERVE_ALLOCATE;
		if (aa->name == NULL || strlen(aa->name) >= sizeof(q->name))
			return NFSWAP_INVAL;
		snprintf(q->name, sizeof(q->name), "%s", aa->name);
		q->size = aa->size;
		break;
	case NFSWAPPROC_RELEASE:
		q->op = SERVE_RELEASE;
		if (ra->name == NULL || strlen(ra->name) >= sizeof(q->name))
			return NFSWAP_INVAL;
		snprintf(q->name, sizeof(q->name), "%s", ra->name);
		break;
	default:
		q->op = SERVE_STATUS;
		break;
	}
	return NFSWAP_OK;
}

static void
reply(SVCXPRT *x, const struct svc_req *rq, const struct serve_rep *rep)
{
	nfswap_stat st;

	switch (rq->rq_proc) {
	case NFSWAPPROC_LOOKUP:
		reply_lookup(x, rq->rq_vers, rep);
		break;
	case NFSWAPPROC_STATUS:
		reply_status(x, rep);
		break;
	default:
		st = (nfswap_stat)rep->status;
		(void)svc_sendreply(x, (xdrproc_t)xdr_nfswap_stat, (char *)&st);
		break;
	}
}

/* A call answered: by procedure, and by answer (an nfswap_stat, or one of
 * the RPC-level refusals). */
static void
count(rpcproc_t proc, int32_t status)
{
	if (proc >= SERVE_NPROCS)
		proc = SERVE_NPROCS - 1;
	if (status < 0 || status >= SERVE_NSTATUS)
		status = NFSWAP_IO;
	N.ctr.calls[proc][status]++;
}

/* The counters to the monitor, when they changed (at most once every
 * COUNTERS_MS; force: at the end).  No answer comes back. */
static void
send_counters(uint64_t now, int force)
{
	static struct serve_req q;

	if (!force && (now - N.ctr_sent_ms < COUNTERS_MS ||
	    memcmp(&N.sent, &N.ctr, sizeof(N.ctr)) == 0))
		return;
	memset(&q, 0, sizeof(q));
	q.op = SERVE_COUNTERS;
	q.net = N.ctr;
	if (send(N.mon, &q, sizeof(q), MSG_NOSIGNAL | MSG_DONTWAIT) ==
	    (ssize_t)sizeof(q))
		N.sent = N.ctr;
	N.ctr_sent_ms = now;
}

/*
 * Arguments are decoded with the generated XDR routines (bounded by the
 * protocol's limits); a request that does not decode gets GARBAGE_ARGS,
 * an unknown procedure PROC_UNAVAIL.  Every answer that needs the
 * registry or a disk comes from the monitor.
 */
static void
dispatch(struct svc_req *rq, SVCXPRT *x)
{
	static struct serve_rep rep;
	nfswap_alloc_args aa;
	nfswap_release_args ra;
	struct serve_req q;
	const struct netbuf *nb;
	uint64_t now = mono_ms();

	peer_touch(x->xp_fd, now);		/* a whole call */
	if (rq->rq_proc == NFSWAPPROC_NULL) {
		(void)svc_sendreply(x, xdr_nothing, NULL);
		count(rq->rq_proc, NFSWAP_OK);
		return;
	}
	if (rq->rq_proc > NFSWAPPROC_STATUS) {
		svcerr_noproc(x);
		count(rq->rq_proc, SERVE_ST_NOPROC);
		return;
	}
	/* A client is its address and, as for its NFS export, root on it: a
	 * call from a port any user of the host may take is refused. */
	nb = svc_getrpccaller(x);
	if (nb == NULL || nb->buf == NULL ||
	    sockaddr_port(nb->buf, nb->len) >= IPPORT_RESERVED) {
		svcerr_weakauth(x);
		count(rq->rq_proc, SERVE_ST_WEAKAUTH);
		return;
	}
	memset(&q, 0, sizeof(q));
	memset(&aa, 0, sizeof(aa));
	memset(&ra, 0, sizeof(ra));
	if ((rq->rq_proc == NFSWAPPROC_ALLOCATE &&
	    !svc_getargs(x, (xdrproc_t)xdr_nfswap_alloc_args, (char *)&aa)) ||
	    (rq->rq_proc == NFSWAPPROC_RELEASE &&
	    !svc_getargs(x, (xdrproc_t)xdr_nfswap_release_args, (char *)&ra))) {
		svcerr_decode(x);
		count(rq->rq_proc, SERVE_ST_GARBAGE);
		goto free;
	}
	memset(&rep, 0, sizeof(rep));
	if (peer_addr(nb->buf, nb->len, q.addr, sizeof(q.addr)) < 0)
		rep.status = NFSWAP_UNKNOWN;
	else if (!rate_ok(q.addr, now))
		rep.status = NFSWAP_BUSY;	/* who asks decides everything */
	else if ((rep.status = request(rq->rq_proc, &aa, &ra, &q)) ==
	    NFSWAP_OK)
		ask(&q, &rep, now);
	reply(x, rq, &rep);
	count(rq->rq_proc, rep.status);
free:
	if (rq->rq_proc == NFSWAPPROC_ALLOCATE)
		(void)svc_freeargs(x, (xdrproc_t)xdr_nfswap_alloc_args,
		    (char *)&aa);
	else if (rq->rq_proc == NFSWAPPROC_RELEASE)
		(void)svc_freeargs(x, (xdrproc_t)xdr_nfswap_release_args,
		    (char *)&ra);
}

/* ---- the loop ---------------------------------------------------------- */

/* After an accept: the descriptor libtirpc registered that we do not know. */
static void
find_new(uint64_t now)
{
	int i;

	for (i = 0; i < svc_max_pollfd; i++) {
		int fd = svc_pollfd[i].fd;

		if (fd >= 0 && fd != N.lfd && !peer_known(fd))
			peer_new(fd, now);
	}
}

/* The service registered with libtirpc on the listening socket, and the
 * network side's state made ready.  -errno. */
static int
net_setup(const struct nfswap_conf *conf, int listen_fd, int mon_fd,
    int dns_fd)
{
	struct sigaction sa;
	int maxrec = MAXREC;
	rpcvers_t vers;
	SVCXPRT *x;

	memset(&N, 0, sizeof(N));
	N.sc = &conf->serve;
	N.lfd = listen_fd;
	N.mon = mon_fd;
	N.dns = dns_fd;
	if (peers_init(&conf->serve, &N.ctr) < 0)
		return -ENOMEM;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (!rpc_control(RPC_SVC_CONNMAXREC_SET, &maxrec) ||
	    (x = svc_vc_create(listen_fd, 0, 0)) == NULL) {
		log_warnx("serve: svc_vc_create failed");
		peers_free();
		return -EIO;
	}
	for (vers = NFSWAP_V1; vers <= NFSWAP_V2; vers++)
		if (!svc_reg(x, NFSWAP_PROG, vers, dispatch, NULL)) {
			log_warnx("serve: svc_reg failed");
			peers_free();
			return -EIO;
		}
	return 0;
}

/*
 * One round's events: the resolver's answers, the monitor gone, then the
 * connections, and the listener last, so that a descriptor closed in this
 * round is known closed before accept can hand its number out again.
 * pfd holds libtirpc's nfd descriptors, then the resolver's and the
 * monitor's sockets.
 */
static void
net_round(const struct pollfd *pfd, int nfd, uint64_t now)
{
	int i, lidx = -1;

	if (pfd[nfd].revents)
		dns_read(now);
	if (pfd[nfd + 1].revents) {
		/* nothing is asked between calls: a late answer, or the
		 * monitor gone */
		struct serve_rep late;

		if (recv(N.mon, &late, sizeof(late), MSG_DONTWAIT) == 0)
			net_stop = 1;
	}
	for (i = 0; i < nfd; i++) {
		int fd = pfd[i].fd;

		if (fd < 0 || pfd[i].revents == 0)
			continue;
		if (fd == N.lfd) {
			lidx = i;
			continue;
		}
		if (peer_outq_full(fd))
			peer_close(fd, SERVE_CLOSE_UNREAD);
		svc_getreq_common(fd);
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF)
			peer_gone(fd);
	}
	if (lidx >= 0) {
		svc_getreq_common(N.lfd);
		find_new(now);
	}
}

/*
 * Serve until stopped or until the monitor or the resolver goes away.
 * The poll set is libtirpc's (a copy: an accept may reallocate it) plus
 * the resolver's and the monitor's sockets.
 */
int
net_run(const struct nfswap_conf *conf, int listen_fd, int mon_fd,
    int dns_fd)
{
	struct pollfd *pfd = NULL;
	int cap = 0, n, r;

	if ((r = net_setup(conf, listen_fd, mon_fd, dns_fd)) < 0)
		return r;
	while (!net_stop) {
		int nfd = svc_max_pollfd;

		if (nfd + 2 > cap) {
			struct pollfd *p = realloc(pfd, (size_t)(nfd + 2) *
			    sizeof(*p));

			if (p == NULL) {
				log_warnx("serve: out of memory");
				break;
			}
			pfd = p;
			cap = nfd + 2;
		}
		memcpy(pfd, svc_pollfd, (size_t)nfd * sizeof(*pfd));
		pfd[nfd].fd = N.dns;
		pfd[nfd].events = POLLIN;
		pfd[nfd + 1].fd = N.mon;
		pfd[nfd + 1].events = POLLIN;
		pfd[nfd].revents = pfd[nfd + 1].revents = 0;
		n = poll(pfd, (nfds_t)nfd + 2, 1000);
		if (n < 0 && errno != EINTR)
			break;
		if (n > 0)
			net_round(pfd, nfd, mono_ms());
		peers_expire(mono_ms());	/* calls served since set last_ms */
		send_counters(mono_ms(), 0);
	}
	send_counters(mono_ms(), 1);
	free(pfd);
	peers_free();
	return 0;
}
