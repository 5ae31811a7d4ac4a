/*
 * provision.c -- nfswapd's side of "nfswap serve" (common/nfswap_prot.x,
 * through the XDR routines rpcgen writes): which export is this client's
 * (LOOKUP), and a swap file written on the server's own disk (ALLOCATE)
 * rather than pushed over NFS.  The server knows the client by the source
 * address of the connection; nothing is claimed.  As root, calls come
 * from a reserved port, as the kernel's NFS client's do, so that the
 * service can tell the agent from a user's program on the same address.
 *
 * The service is not trusted to behave: a broken or hostile one must not
 * be able to hang the agent, which is in the swap path.  So the calls are
 * made here rather than through libtirpc's client, whose connect(2) has
 * no deadline and whose reply wait restarts with every byte: each call --
 * connecting (rpcbind's GETPORT too), sending, reading the answer -- has
 * one deadline (struct prov's call_ms), SIGTERM (*stop) ends it at once,
 * an answer is read into a fixed buffer and refused if larger than any
 * answer of this protocol, and its strings decode into fixed buffers
 * (nothing is allocated).  ALLOCATE's asking again while the service
 * answers INPROGRESS or BUSY has a deadline of its own.  What an answer
 * says is checked by the caller (agent_lookup_check) before any use.
 *
 * Errors are negative errnos: -EHOSTUNREACH when the service cannot be
 * reached or does not answer in time, -EPROTO for an answer that is not
 * this protocol's, -ETIMEDOUT when ALLOCATE's deadline passed while the
 * service still said INPROGRESS or BUSY, -EINTR when *stop was set,
 * -ENOENT for an address that is no client's, and the server's refusals
 * as EDQUOT, ENOSPC, EEXIST, EINVAL, EBUSY, EIO, EOPNOTSUPP.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <rpc/rpc.h>
#include <rpc/pmap_prot.h>

#include "agent.h"
#include "nfswap_prot.h"

#define REPLY_MAX	8192	/* bytes: LOOKUP's answer is under 2 KiB */
#define SLICE_MS	250	/* waits are cut so that *stop is seen */

struct conn {
	int		fd;
	uint32_t	xid;
};

/* Wait for fd to be ready for ev until deadline (mono_ms). */
static int
wait_fd(int fd, short ev, uint64_t deadline, volatile int *stop)
{
	struct pollfd p;
	uint64_t now;
	int r;

	for (;;) {
		if (stop != NULL && *stop)
			return -EINTR;
		if ((now = mono_ms()) >= deadline)
			return -ETIMEDOUT;
		p.fd = fd;
		p.events = ev;
		p.revents = 0;
		r = poll(&p, 1, deadline - now > SLICE_MS ? SLICE_MS :
		    (int)(uint32_t)(deadline - now));
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r > 0)
			return 0;	/* or an error, which the I/O says */
	}
}

static int
conn_open(struct conn *c, const char *addr, unsigned port, uint64_t deadline,
    volatile int *stop)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(int);
	int err = 0, r;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (port == 0 || port > 65535 || inet_pton(AF_INET, addr,
	    &sa.sin_addr) != 1)
		return -EINVAL;
	if ((c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	c->xid = (uint32_t)mono_ms() ^ (uint32_t)getpid() << 16;
	/* a reserved port as root; if none is free, any */
	if (geteuid() == 0)
		(void)bindresvport(c->fd, NULL);
	if (fcntl(c->fd, F_SETFL, O_NONBLOCK) < 0) {
		r = -errno;
		goto fail;
	}
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return 0;
	if (errno != EINPROGRESS) {
		r = -errno;
		goto fail;
	}
	if ((r = wait_fd(c->fd, POLLOUT, deadline, stop)) < 0)
		goto fail;
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err == 0)
		return 0;
	r = -err;
fail:
	close(c->fd);
	c->fd = -1;
	return r;
}

static void
conn_close(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

static int
send_all(struct conn *c, const char *p, size_t n, uint64_t deadline,
    volatile int *stop)
{
	ssize_t k;
	int r;

	while (n > 0) {
		if ((k = send(c->fd, p, n, MSG_NOSIGNAL)) > 0) {
			p += k;
			n -= (size_t)k;
			continue;
		}
		if (k < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		if ((r = wait_fd(c->fd, POLLOUT, deadline, stop)) < 0)
			return r;
	}
	return 0;
}

static int
recv_all(struct conn *c, void *buf, size_t n, uint64_t deadline,
    volatile int *stop)
{
	char *p = buf;
	ssize_t k;
	int r;

	while (n > 0) {
		if ((k = recv(c->fd, p, n, 0)) > 0) {
			p += k;
			n -= (size_t)k;
			continue;
		}
		if (k == 0)
			return -ECONNRESET;
		if (errno != EAGAIN && errno != EINTR)
			return -errno;
		if ((r = wait_fd(c->fd, POLLIN, deadline, stop)) < 0)
			return r;
	}
	return 0;
}

/*
 * One call on c: the call sent as one record, the answer read (every
 * fragment, REPLY_MAX in all) and decoded into *res by xres.  Returns 0,
 * -EPROTONOSUPPORT when the service has not that program or version, -EPROTO
 * for anything else that is not an accepted answer to this call, or the
 * transport's error.
 */
static int
exchange(struct conn *c, uint32_t prog, uint32_t vers, uint32_t proc,
    xdrproc_t xargs, void *args, xdrproc_t xres, void *res, uint64_t deadline,
    volatile int *stop)
{
	static char buf[REPLY_MAX];	/* one call at a time; not on the stack */
	char verf[MAX_AUTH_BYTES];
	struct rpc_msg m;
	uint32_t mark, xid = ++c->xid;
	size_t len, got;
	bool_t ok;
	XDR x;
	int r, last;

	memset(&m, 0, sizeof(m));
	m.rm_xid = xid;
	m.rm_direction = CALL;
	m.rm_call.cb_rpcvers = RPC_MSG_VERSION;
	m.rm_call.cb_prog = prog;
	m.rm_call.cb_vers = vers;
	m.rm_call.cb_proc = proc;
	m.rm_call.cb_cred = _null_auth;
	m.rm_call.cb_verf = _null_auth;
	xdrmem_create(&x, buf + 4, sizeof(buf) - 4, XDR_ENCODE);
	ok = xdr_callmsg(&x, &m) && xargs(&x, args);
	len = xdr_getpos(&x);
	xdr_destroy(&x);
	if (!ok)
		return -EMSGSIZE;
	mark = htonl(0x80000000u | (uint32_t)len);
	memcpy(buf, &mark, 4);
	if ((r = send_all(c, buf, len + 4, deadline, stop)) < 0)
		return r;
	for (got = 0, last = 0; !last; got += len) {
		if ((r = recv_all(c, &mark, 4, deadline, stop)) < 0)
			return r;
		mark = ntohl(mark);
		last = (mark & 0x80000000u) != 0;
		len = mark & 0x7fffffffu;
		if (len > sizeof(buf) - got)
			return -EPROTO;
		if ((r = recv_all(c, buf + got, len, deadline, stop)) < 0)
			return r;
	}
	memset(&m, 0, sizeof(m));
	m.acpted_rply.ar_verf.oa_base = verf;	/* no allocation */
	m.acpted_rply.ar_results.where = res;
	m.acpted_rply.ar_results.proc = xres;
	xdrmem_create(&x, buf, (u_int)got, XDR_DECODE);
	ok = xdr_replymsg(&x, &m);
	xdr_destroy(&x);
	if (!ok || m.rm_xid != xid || m.rm_direction != REPLY ||
	    m.rm_reply.rp_stat != MSG_ACCEPTED)
		return -EPROTO;
	switch (m.acpted_rply.ar_stat) {
	case SUCCESS:
		return 0;
	case PROG_UNAVAIL:
	case PROG_MISMATCH:
		return -EPROTONOSUPPORT;
	default:
		return -EPROTO;
	}
}

/* Transport failures all mean the same to the caller: no answer. */
static int
no_answer(int r)
{
	return r >= 0 || r == -EINTR || r == -EPROTO || r == -EPROTONOSUPPORT ?
	    r : -EHOSTUNREACH;
}

/*
 * A connection to the service for program version vers: its port, or
 * the one its rpcbind gives (GETPORT, version 2 of the portmapper, over
 * TCP; -EPROTONOSUPPORT when that version is not registered).
 */
static int
connect_to(const struct prov *p, uint32_t vers, struct conn *c)
{
	struct pmap pm = { NFSWAP_PROG, vers, IPPROTO_TCP, 0 };
	unsigned long port = p->port;
	int r;

	c->fd = -1;
	if (port == 0) {
		if ((r = conn_open(c, p->addr, PMAPPORT, mono_ms() +
		    p->call_ms, p->stop)) < 0)
			return no_answer(r);
		r = exchange(c, PMAPPROG, PMAPVERS, PMAPPROC_GETPORT,
		    (xdrproc_t)xdr_pmap, &pm, (xdrproc_t)xdr_u_long, &port,
		    mono_ms() + p->call_ms, p->stop);
		conn_close(c);
		if (r < 0)
			return no_answer(r);
		if (port == 0)
			return -EPROTONOSUPPORT;
		if (port > 65535)
			return -EPROTO;
	}
	r = conn_open(c, p->addr, (unsigned)port, mono_ms() + p->call_ms,
	    p->stop);
	return r < 0 ? no_answer(r) : 0;
}

static int
stat_errno(nfswap_stat s)
{
	switch (s) {
	case NFSWAP_OK: return 0;
	case NFSWAP_UNKNOWN: return -ENOENT;
	case NFSWAP_INVAL: return -EINVAL;
	case NFSWAP_QUOTA: return -EDQUOT;
	case NFSWAP_NOSPC: return -ENOSPC;
	case NFSWAP_EXIST: return -EEXIST;
	case NFSWAP_NOENT: return -ENOENT;
	case NFSWAP_INPROGRESS: return -EINPROGRESS;
	case NFSWAP_BUSY: return -EBUSY;
	case NFSWAP_NOTSUPP: return -EOPNOTSUPP;
	default: return -EIO;
	}
}

/* One call of version vers on a connection of its own. */
static int
call_once(const struct prov *p, uint32_t vers, uint32_t proc,
    xdrproc_t xargs, void *args, xdrproc_t xres, void *res)
{
	struct conn c;
	int r;

	if ((r = connect_to(p, vers, &c)) < 0)
		return r;
	r = exchange(&c, NFSWAP_PROG, vers, proc, xargs, args, xres, res,
	    mono_ms() + p->call_ms, p->stop);
	conn_close(&c);
	return no_answer(r);
}

/* How the provisioner in c is called; *stop (or NULL) ends a call at once. */
void
prov_init(struct prov *p, const struct agent_conf *c, volatile int *stop)
{
	snprintf(p->addr, sizeof(p->addr), "%s", c->provisioner);
	p->port = c->provisioner_port;
	p->call_ms = c->provisioner_timeout * 1000;
	p->stop = stop;
}

/*
 * Version 2 first: it also says which server (head) to mount from and
 * whether ALLOCATE is offered.  A service that has only version 1 says
 * so (or its rpcbind knows no version 2): ask that one.  *x holds the
 * answer as given; its strings are bounded by the protocol and by the
 * buffers they decode into.
 */
int
prov_lookup(const struct prov *p, struct prov_export *x)
{
	char opts[NFSWAP_OPTS_MAX + 1];
	nfswap_lookup2_res r2;
	nfswap_lookup_res r1;
	int r;

	memset(x, 0, sizeof(*x));
	memset(&r2, 0, sizeof(r2));
	r2.nfswap_lookup2_res_u.ok.client = x->client;
	r2.nfswap_lookup2_res_u.ok.export_path = x->path;
	r2.nfswap_lookup2_res_u.ok.server = x->server;
	r2.nfswap_lookup2_res_u.ok.mount_options = opts;	/* not used */
	r = call_once(p, NFSWAP_V2, NFSWAP2PROC_LOOKUP, (xdrproc_t)xdr_void,
	    NULL, (xdrproc_t)xdr_nfswap_lookup2_res, &r2);
	if (r == 0) {
		if ((r = stat_errno(r2.status)) == 0) {
			x->nfs_port = r2.nfswap_lookup2_res_u.ok.nfs_port;
			x->mount_port = r2.nfswap_lookup2_res_u.ok.mount_port;
			x->allocate = r2.nfswap_lookup2_res_u.ok.allocate != 0;
		}
		return r;
	}
	if (r != -EPROTONOSUPPORT)
		return r;
	memset(x, 0, sizeof(*x));
	memset(&r1, 0, sizeof(r1));
	r1.nfswap_lookup_res_u.ok.client = x->client;
	r1.nfswap_lookup_res_u.ok.export_path = x->path;
	r1.nfswap_lookup_res_u.ok.mount_options = opts;
	r = call_once(p, NFSWAP_V1, NFSWAPPROC_LOOKUP, (xdrproc_t)xdr_void,
	    NULL, (xdrproc_t)xdr_nfswap_lookup_res, &r1);
	if (r == -EPROTONOSUPPORT)
		r = -EHOSTUNREACH;	/* not registered, or not the service */
	if (r == 0 && (r = stat_errno(r1.status)) == 0) {
		x->nfs_port = r1.nfswap_lookup_res_u.ok.nfs_port;
		x->mount_port = r1.nfswap_lookup_res_u.ok.mount_port;
		x->allocate = 1;
	}
	return r;
}

/* Sleep ms, or less if *stop is set meanwhile. */
static void
pause_ms(unsigned ms, volatile int *stop)
{
	struct timespec ts;
	unsigned step;

	while (ms > 0 && (stop == NULL || !*stop)) {
		step = ms > SLICE_MS ? SLICE_MS : ms;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)step * 1000000L;
		nanosleep(&ts, NULL);
		ms -= step;
	}
}

/*
 * Ask for NAME of SIZE bytes and wait until the server has written it (it
 * answers INPROGRESS meanwhile, or BUSY when it cannot start yet), for
 * limit_ms at most: then -ETIMEDOUT, with what it said last in *last
 * (-EINPROGRESS or -EBUSY).  Every call has its own deadline too, and
 * none goes past limit_ms.
 */
int
prov_allocate(const struct prov *p, const char *name, uint64_t size,
    uint64_t limit_ms, int *last)
{
	uint64_t end = mono_ms() + limit_ms, t;
	unsigned pause = 25;
	nfswap_alloc_args a;
	nfswap_stat s;
	struct conn c;
	int r;

	*last = 0;
	a.name = (char *)(uintptr_t)name;
	a.size = size;
	if ((r = connect_to(p, NFSWAP_V1, &c)) < 0)
		return r == -EPROTONOSUPPORT ? -EHOSTUNREACH : r;
	for (;;) {
		t = mono_ms() + p->call_ms;
		r = exchange(&c, NFSWAP_PROG, NFSWAP_V1, NFSWAPPROC_ALLOCATE,
		    (xdrproc_t)xdr_nfswap_alloc_args, &a,
		    (xdrproc_t)xdr_nfswap_stat, &s, t < end ? t : end, p->stop);
		if (r < 0) {
			r = no_answer(r);
			if (r == -EPROTONOSUPPORT)
				r = -EHOSTUNREACH;
			if (r == -EHOSTUNREACH && *last != 0 && mono_ms() >= end)
				r = -ETIMEDOUT;	/* its deadline, not the call's */
			break;
		}
		r = stat_errno(s);
		if (r != -EINPROGRESS && r != -EBUSY)
			break;
		*last = r;
		/* asked again after 25, 50, then every 100 ms: the file is
		 * seen within a tenth of a second of being ready, at half
		 * the service's rate limit */
		if (mono_ms() + pause >= end) {
			r = -ETIMEDOUT;
			break;
		}
		pause_ms(pause, p->stop);
		if (p->stop != NULL && *p->stop) {
			r = -EINTR;
			break;
		}
		if (pause < 100)
			pause *= 2;
	}
	conn_close(&c);
	return r;
}

int
prov_release(const struct prov *p, const char *name)
{
	nfswap_release_args a;
	nfswap_stat s;
	int r;

	a.name = (char *)(uintptr_t)name;
	r = call_once(p, NFSWAP_V1, NFSWAPPROC_RELEASE,
	    (xdrproc_t)xdr_nfswap_release_args, &a, (xdrproc_t)xdr_nfswap_stat,
	    &s);
	if (r == -EPROTONOSUPPORT)
		r = -EHOSTUNREACH;
	return r < 0 ? r : stat_errno(s);
}
