/*
 * provision.c -- nfswapd's side of "nfswap serve" (common/nfswap_prot.x,
 * through the client stubs rpcgen writes): which export is this client's
 * (LOOKUP), and a swap file written on the server's own disk (ALLOCATE)
 * rather than pushed over NFS.  The server knows the client by the source
 * address of the connection; nothing is claimed.
 *
 * Errors are negative errnos: -EHOSTUNREACH when the service cannot be
 * reached or does not answer, -ENOENT for an address that is no client's,
 * and the server's refusals as EDQUOT, ENOSPC, EEXIST, EINVAL, EBUSY, EIO.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rpc/rpc.h>

#include "agent.h"
#include "nfswap_prot.h"

static CLIENT *
connect_vers(const char *addr, unsigned port, rpcvers_t vers)
{
	struct sockaddr_in sa;
	struct timeval tv = { 10, 0 };
	int sock = RPC_ANYSOCK;
	CLIENT *cl;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
		return NULL;
	/* port 0: clnttcp_create asks the server's portmapper */
	if ((cl = clnttcp_create(&sa, NFSWAP_PROG, vers, &sock, 0, 0)) ==
	    NULL)
		return NULL;
	clnt_control(cl, CLSET_TIMEOUT, (char *)&tv);
	return cl;
}

static CLIENT *
connect_to(const char *addr, unsigned port)
{
	return connect_vers(addr, port, NFSWAP_V1);
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

static int
copy(char *dst, size_t len, const char *src)
{
	return snprintf(dst, len, "%s", src) >= (int)len ? -EINVAL : 0;
}

/*
 * Version 2 first: it also says which server (head) to mount from and
 * whether ALLOCATE is offered.  A service that has only version 1 answers
 * PROGVERSMISMATCH (or rpcbind knows no version 2): ask that one.
 */
int
prov_lookup(const char *addr, unsigned port, struct prov_export *x)
{
	nfswap_lookup2_res *r2 = NULL;
	nfswap_lookup_res *r;
	struct rpc_err err;
	CLIENT *cl;
	int e;

	memset(x, 0, sizeof(*x));
	if ((cl = connect_vers(addr, port, NFSWAP_V2)) != NULL) {
		if ((r2 = nfswap2proc_lookup_2(NULL, cl)) != NULL) {
			struct nfswap_lookup2_ok *ok = &r2->nfswap_lookup2_res_u.ok;

			e = stat_errno(r2->status);
			if (e == 0 && (copy(x->client, sizeof(x->client),
			    ok->client) < 0 || copy(x->path, sizeof(x->path),
			    ok->export_path) < 0 || copy(x->server,
			    sizeof(x->server), ok->server) < 0 ||
			    x->path[0] != '/' || ok->nfs_port > 65535 ||
			    ok->mount_port > 65535))
				e = -EINVAL;
			x->nfs_port = ok->nfs_port;
			x->mount_port = ok->mount_port;
			x->allocate = ok->allocate;
			xdr_free((xdrproc_t)xdr_nfswap_lookup2_res, (char *)r2);
			clnt_destroy(cl);
			return e;
		}
		clnt_geterr(cl, &err);
		clnt_destroy(cl);
		if (err.re_status != RPC_PROGVERSMISMATCH)
			return -EHOSTUNREACH;
	}
	if ((cl = connect_to(addr, port)) == NULL)
		return -EHOSTUNREACH;
	if ((r = nfswapproc_lookup_1(NULL, cl)) == NULL) {
		clnt_destroy(cl);
		return -EHOSTUNREACH;
	}
	e = stat_errno(r->status);
	if (e == 0 && (copy(x->client, sizeof(x->client),
	    r->nfswap_lookup_res_u.ok.client) < 0 || copy(x->path,
	    sizeof(x->path), r->nfswap_lookup_res_u.ok.export_path) < 0 ||
	    x->path[0] != '/'))
		e = -EINVAL;
	x->allocate = 1;
	xdr_free((xdrproc_t)xdr_nfswap_lookup_res, (char *)r);
	clnt_destroy(cl);
	return e;
}

/*
 * Ask for NAME of SIZE bytes and wait until the server has written it
 * (it answers INPROGRESS meanwhile); *stop set abandons the wait.
 */
int
prov_allocate(const char *addr, unsigned port, const char *name,
    uint64_t size, volatile int *stop)
{
	struct timespec pause = { 0, 25 * 1000 * 1000 };
	nfswap_alloc_args a;
	nfswap_stat *s;
	CLIENT *cl = connect_to(addr, port);
	int e;

	if (cl == NULL)
		return -EHOSTUNREACH;
	a.name = (char *)(uintptr_t)name;
	a.size = size;
	for (;;) {
		if ((s = nfswapproc_allocate_1(&a, cl)) == NULL) {
			e = -EHOSTUNREACH;
			break;
		}
		e = stat_errno(*s);
		if ((e != -EINPROGRESS && e != -EBUSY) || (stop && *stop))
			break;
		/* asked again after 25, 50, then every 100 ms: the file is
		 * seen within a tenth of a second of being ready, at half
		 * the service's rate limit */
		nanosleep(&pause, NULL);
		if (pause.tv_nsec < 100 * 1000 * 1000)
			pause.tv_nsec *= 2;
	}
	if (e == -EINPROGRESS || e == -EBUSY)
		e = -EINTR;
	clnt_destroy(cl);
	return e;
}

int
prov_release(const char *addr, unsigned port, const char *name)
{
	nfswap_release_args a;
	nfswap_stat *s;
	CLIENT *cl = connect_to(addr, port);
	int e;

	if (cl == NULL)
		return -EHOSTUNREACH;
	a.name = (char *)(uintptr_t)name;
	e = (s = nfswapproc_release_1(&a, cl)) == NULL ? -EHOSTUNREACH :
	    stat_errno(*s);
	clnt_destroy(cl);
	return e;
}
