/*
 * fakeprov.c -- a hostile or broken "nfswap serve" for the agent's tests:
 * it speaks the provisioning protocol (common/nfswap_prot.x, through the
 * XDR routines rpcgen writes; the RPC framing is done here) and answers
 * the way it is told to, so that tests/host/agent_host.sh can show what
 * nfswapd does with each.
 *
 *   fakeprov [-a ADDR] [-p PORT] [-l LOG] [option...]
 *
 *   --client NAME, --path PATH, --server HOST, --options TEXT,
 *   --nfs-port N, --mount-port N
 *                     what LOOKUP answers (defaults: pc1, /srv/nfswap/pc1,
 *                     "", "vers=3", 0, 0); quota 1 GiB, uid 1000
 *   --v1-only         version 2 calls get PROG_MISMATCH
 *   --lookup STAT     LOOKUP answers with that status (UNKNOWN, ...)
 *   --allocate STAT   ALLOCATE answers STAT every time (INPROGRESS, BUSY,
 *                     OK, QUOTA, ...; default INPROGRESS)
 *   --hang            read every call, answer none (the connection stays)
 *   --noaccept        never accept: the listen queue is kept full, so a
 *                     new connection's SYN is dropped and connect(2) hangs
 *   --trickle MS      send each answer one byte every MS milliseconds
 *   --reply huge|xid|junk
 *                     instead of answers: a record mark claiming 2 GiB, an
 *                     answer to another call (wrong xid), or random bytes
 *
 * It listens on ADDR (127.0.0.1) port PORT (any), prints "port N" on
 * stdout once ready, and writes one line per connection and per call to
 * LOG (stdout): "CONNECT port=876" (the caller's source port), "LOOKUP
 * v2", "ALLOCATE nfswap.0 16777216 INPROGRESS", "RELEASE nfswap.0".
 * SIGTERM stops it.  Test code: it never touches a file but LOG.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <rpc/rpc.h>

#include "nfswap_prot.h"

#define CONNS	64
#define RECMAX	65536

static const char *const stat_names[] = {
	"OK", "UNKNOWN", "INVAL", "QUOTA", "NOSPC", "EXIST", "NOENT",
	"INPROGRESS", "BUSY", "IO", "NOTSUPP"
};

static struct {
	const char	*client, *path, *server, *options, *reply;
	unsigned	nfs_port, mount_port, trickle_ms;
	int		v1_only, hang, noaccept;
	nfswap_stat	lookup, allocate;
	FILE		*log;
} o;

struct conn {
	int		fd;
	char		in[RECMAX + 4];
	size_t		inlen;
	char		out[8192];
	size_t		outlen, outoff;
	uint64_t	next_ms;		/* --trickle: the next byte */
};

static volatile sig_atomic_t stop;

static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int
stat_of(const char *s, nfswap_stat *st)
{
	unsigned i;

	for (i = 0; i < sizeof(stat_names) / sizeof(stat_names[0]); i++)
		if (strcmp(s, stat_names[i]) == 0) {
			*st = (nfswap_stat)i;
			return 0;
		}
	return -1;
}

/* An accepted answer (or PROG_MISMATCH) to xid, framed, into c->out. */
static void
answer(struct conn *c, uint32_t xid, enum accept_stat as, xdrproc_t xres,
    void *res)
{
	struct rpc_msg m;
	uint32_t mark;
	XDR x;
	size_t len;
	unsigned i;

	memset(&m, 0, sizeof(m));
	m.rm_xid = strcmp(o.reply ? o.reply : "", "xid") == 0 ? xid + 7 : xid;
	m.rm_direction = REPLY;
	m.rm_reply.rp_stat = MSG_ACCEPTED;
	m.acpted_rply.ar_verf = _null_auth;
	m.acpted_rply.ar_stat = as;
	if (as == PROG_MISMATCH) {
		m.acpted_rply.ar_vers.low = NFSWAP_V1;
		m.acpted_rply.ar_vers.high = NFSWAP_V1;
	} else {
		m.acpted_rply.ar_results.where = res;
		m.acpted_rply.ar_results.proc = xres;
	}
	xdrmem_create(&x, c->out + 4, sizeof(c->out) - 4, XDR_ENCODE);
	if (!xdr_replymsg(&x, &m)) {
		fprintf(stderr, "fakeprov: cannot encode an answer\n");
		exit(1);
	}
	len = xdr_getpos(&x);
	xdr_destroy(&x);
	mark = htonl(0x80000000u | (uint32_t)len);
	memcpy(c->out, &mark, 4);
	c->outlen = len + 4;
	if (o.reply && strcmp(o.reply, "huge") == 0) {
		mark = htonl(0xffffffffu);
		memcpy(c->out, &mark, 4);
	} else if (o.reply && strcmp(o.reply, "junk") == 0)
		for (i = 0; i < c->outlen; i++)
			c->out[i] = (char)rand();
	c->outoff = 0;
	c->next_ms = now_ms();
}

/* One whole call in c->in (after its record mark): decode, log, answer. */
static void
call(struct conn *c, size_t len)
{
	char cred[MAX_AUTH_BYTES], verf[MAX_AUTH_BYTES], name[NFSWAP_NAME_MAX + 1];
	struct rpc_msg m;
	nfswap_lookup2_res r2;
	nfswap_lookup_res r1;
	nfswap_alloc_args aa;
	nfswap_release_args ra;
	nfswap_stat st;
	uint32_t vers, proc;
	XDR x;

	memset(&m, 0, sizeof(m));
	m.rm_call.cb_cred.oa_base = cred;
	m.rm_call.cb_verf.oa_base = verf;
	xdrmem_create(&x, c->in + 4, (u_int)len, XDR_DECODE);
	if (!xdr_callmsg(&x, &m) || m.rm_direction != CALL ||
	    m.rm_call.cb_prog != NFSWAP_PROG) {
		fprintf(o.log, "GARBAGE\n");
		xdr_destroy(&x);
		return;
	}
	vers = (uint32_t)m.rm_call.cb_vers;
	proc = (uint32_t)m.rm_call.cb_proc;
	if (o.v1_only && vers != NFSWAP_V1) {
		fprintf(o.log, "v%u refused\n", vers);
		answer(c, m.rm_xid, PROG_MISMATCH, NULL, NULL);
		xdr_destroy(&x);
		return;
	}
	switch (proc) {
	case NFSWAPPROC_NULL:
		fprintf(o.log, "NULL v%u\n", vers);
		answer(c, m.rm_xid, SUCCESS, (xdrproc_t)xdr_void, NULL);
		break;
	case NFSWAPPROC_LOOKUP:
		fprintf(o.log, "LOOKUP v%u\n", vers);
		if (vers == NFSWAP_V2) {
			memset(&r2, 0, sizeof(r2));
			r2.status = o.lookup;
			r2.nfswap_lookup2_res_u.ok.client = (char *)(uintptr_t)o.client;
			r2.nfswap_lookup2_res_u.ok.export_path = (char *)(uintptr_t)o.path;
			r2.nfswap_lookup2_res_u.ok.server = (char *)(uintptr_t)o.server;
			r2.nfswap_lookup2_res_u.ok.nfs_port = o.nfs_port;
			r2.nfswap_lookup2_res_u.ok.mount_port = o.mount_port;
			r2.nfswap_lookup2_res_u.ok.quota = 1ull << 30;
			r2.nfswap_lookup2_res_u.ok.anon_uid = 1000;
			r2.nfswap_lookup2_res_u.ok.mount_options = (char *)(uintptr_t)o.options;
			r2.nfswap_lookup2_res_u.ok.allocate = 1;
			if (!o.hang)
				answer(c, m.rm_xid, SUCCESS,
				    (xdrproc_t)xdr_nfswap_lookup2_res, &r2);
		} else {
			memset(&r1, 0, sizeof(r1));
			r1.status = o.lookup;
			r1.nfswap_lookup_res_u.ok.client = (char *)(uintptr_t)o.client;
			r1.nfswap_lookup_res_u.ok.export_path = (char *)(uintptr_t)o.path;
			r1.nfswap_lookup_res_u.ok.nfs_port = o.nfs_port;
			r1.nfswap_lookup_res_u.ok.mount_port = o.mount_port;
			r1.nfswap_lookup_res_u.ok.quota = 1ull << 30;
			r1.nfswap_lookup_res_u.ok.anon_uid = 1000;
			r1.nfswap_lookup_res_u.ok.mount_options = (char *)(uintptr_t)o.options;
			if (!o.hang)
				answer(c, m.rm_xid, SUCCESS,
				    (xdrproc_t)xdr_nfswap_lookup_res, &r1);
		}
		break;
	case NFSWAPPROC_ALLOCATE:
		memset(&aa, 0, sizeof(aa));
		aa.name = name;
		if (!xdr_nfswap_alloc_args(&x, &aa)) {
			fprintf(o.log, "ALLOCATE garbage\n");
			break;
		}
		st = o.allocate;
		fprintf(o.log, "ALLOCATE %s %llu %s\n", name,
		    (unsigned long long)aa.size, o.hang ? "(no answer)" :
		    stat_names[st]);
		if (!o.hang)
			answer(c, m.rm_xid, SUCCESS, (xdrproc_t)xdr_nfswap_stat,
			    &st);
		break;
	case NFSWAPPROC_RELEASE:
		memset(&ra, 0, sizeof(ra));
		ra.name = name;
		if (!xdr_nfswap_release_args(&x, &ra)) {
			fprintf(o.log, "RELEASE garbage\n");
			break;
		}
		st = NFSWAP_OK;
		fprintf(o.log, "RELEASE %s\n", name);
		if (!o.hang)
			answer(c, m.rm_xid, SUCCESS, (xdrproc_t)xdr_nfswap_stat,
			    &st);
		break;
	default:
		fprintf(o.log, "PROC %u v%u\n", proc, vers);
		answer(c, m.rm_xid, PROC_UNAVAIL, (xdrproc_t)xdr_void, NULL);
	}
	xdr_destroy(&x);
}

/* Read what came; each whole single-fragment record is a call. */
static int
readable(struct conn *c)
{
	ssize_t n = read(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen);
	uint32_t mark;
	size_t len;

	if (n <= 0)
		return -1;
	c->inlen += (size_t)n;
	while (c->inlen >= 4) {
		memcpy(&mark, c->in, 4);
		len = ntohl(mark) & 0x7fffffffu;
		if (len > RECMAX)
			return -1;
		if (c->inlen < len + 4)
			break;
		if (c->outlen == c->outoff)	/* one answer at a time */
			call(c, len);
		memmove(c->in, c->in + len + 4, c->inlen - len - 4);
		c->inlen -= len + 4;
	}
	return 0;
}

static int
writable(struct conn *c)
{
	size_t n = c->outlen - c->outoff;
	ssize_t k;

	if (o.trickle_ms) {
		if (now_ms() < c->next_ms)
			return 0;
		n = 1;
		c->next_ms = now_ms() + o.trickle_ms;
	}
	k = send(c->fd, c->out + c->outoff, n, MSG_NOSIGNAL);
	if (k < 0)
		return errno == EAGAIN ? 0 : -1;
	c->outoff += (size_t)k;
	if (c->outoff == c->outlen)
		c->outoff = c->outlen = 0;
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: fakeprov [-a addr] [-p port] [-l log] "
	    "[--client name] [--path path] [--server host] [--options text]\n"
	    "       [--nfs-port n] [--mount-port n] [--v1-only] [--lookup stat]\n"
	    "       [--allocate stat] [--hang] [--noaccept] [--trickle ms]\n"
	    "       [--reply huge|xid|junk]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static struct conn conns[CONNS];
	struct pollfd pfd[CONNS + 1];
	struct sockaddr_in sa;
	socklen_t slen = sizeof(sa);
	const char *addr = "127.0.0.1";
	unsigned port = 0, i;
	int lfd, one = 1, self = -1, k;

	o.client = "pc1";
	o.path = "/srv/nfswap/pc1";
	o.server = "";
	o.options = "vers=3";
	o.lookup = NFSWAP_OK;
	o.allocate = NFSWAP_INPROGRESS;
	o.log = stdout;
	for (k = 1; k < argc; k++) {
		const char *a = argv[k], *v = k + 1 < argc ? argv[k + 1] : NULL;

		if (strcmp(a, "--v1-only") == 0)
			o.v1_only = 1;
		else if (strcmp(a, "--hang") == 0)
			o.hang = 1;
		else if (strcmp(a, "--noaccept") == 0)
			o.noaccept = 1;
		else if (v == NULL)
			usage();
		else if (strcmp(a, "-a") == 0)
			addr = v, k++;
		else if (strcmp(a, "-p") == 0)
			port = (unsigned)atoi(v), k++;
		else if (strcmp(a, "-l") == 0) {
			if ((o.log = fopen(v, "a")) == NULL) {
				perror(v);
				return 1;
			}
			k++;
		} else if (strcmp(a, "--client") == 0)
			o.client = v, k++;
		else if (strcmp(a, "--path") == 0)
			o.path = v, k++;
		else if (strcmp(a, "--server") == 0)
			o.server = v, k++;
		else if (strcmp(a, "--options") == 0)
			o.options = v, k++;
		else if (strcmp(a, "--nfs-port") == 0)
			o.nfs_port = (unsigned)strtoul(v, NULL, 10), k++;
		else if (strcmp(a, "--mount-port") == 0)
			o.mount_port = (unsigned)strtoul(v, NULL, 10), k++;
		else if (strcmp(a, "--trickle") == 0)
			o.trickle_ms = (unsigned)atoi(v), k++;
		else if (strcmp(a, "--reply") == 0)
			o.reply = v, k++;
		else if (strcmp(a, "--lookup") == 0 && stat_of(v, &o.lookup) == 0)
			k++;
		else if (strcmp(a, "--allocate") == 0 &&
		    stat_of(v, &o.allocate) == 0)
			k++;
		else
			usage();
	}
	setvbuf(o.log, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
		usage();
	if ((lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(lfd, o.noaccept ? 0 : 16) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &slen) < 0) {
		perror("fakeprov: listen");
		return 1;
	}
	if (o.noaccept) {
		/* one connection of its own, never accepted, fills the queue
		 * of a backlog of 0: the kernel drops later SYNs */
		if ((self = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
		    connect(self, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			perror("fakeprov: filling the listen queue");
			return 1;
		}
	}
	printf("port %u\n", ntohs(sa.sin_port));
	fflush(stdout);
	for (i = 0; i < CONNS; i++)
		conns[i].fd = -1;
	while (!stop) {
		pfd[0].fd = o.noaccept ? -1 : lfd;
		pfd[0].events = POLLIN;
		for (i = 0; i < CONNS; i++) {
			pfd[i + 1].fd = conns[i].fd;
			pfd[i + 1].events = POLLIN | (conns[i].outlen >
			    conns[i].outoff && now_ms() >= conns[i].next_ms ?
			    POLLOUT : 0);
		}
		if (poll(pfd, CONNS + 1, o.trickle_ms ? 10 : 1000) < 0)
			continue;
		if (pfd[0].revents & POLLIN) {
			struct sockaddr_in peer;
			socklen_t plen = sizeof(peer);
			int fd = accept4(lfd, (struct sockaddr *)&peer, &plen,
			    SOCK_NONBLOCK | SOCK_CLOEXEC);

			if (fd >= 0)
				fprintf(o.log, "CONNECT port=%u\n",
				    ntohs(peer.sin_port));
			for (i = 0; fd >= 0 && i < CONNS; i++)
				if (conns[i].fd < 0) {
					memset(&conns[i], 0, sizeof(conns[i]));
					conns[i].fd = fd;
					fd = -1;
				}
			if (fd >= 0)
				close(fd);
		}
		for (i = 0; i < CONNS; i++) {
			struct conn *c = &conns[i];

			if (c->fd < 0)
				continue;
			if (((pfd[i + 1].revents & (POLLIN | POLLHUP | POLLERR)) &&
			    readable(c) < 0) || ((pfd[i + 1].revents & POLLOUT) &&
			    writable(c) < 0)) {
				close(c->fd);
				c->fd = -1;
			}
		}
	}
	if (self >= 0)
		close(self);
	close(lfd);
	return 0;
}
