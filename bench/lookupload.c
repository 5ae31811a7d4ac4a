/*
 * lookupload.c -- LOOKUP throughput and latency of "nfswap serve", from
 * many client addresses at once (bench/scale.sh).
 *
 *   nfswap-lookupload ADDR PORT THREADS COUNT SECONDS NADDR
 *
 * THREADS threads connect to ADDR:PORT over TCP, each connection bound
 * to the next source address of 127.1.A.B (client i = 1..NADDR is
 * 127.1.(i-1)/250.(i-1)%250+1, as the bench registers them), and send
 * PER_CONN LOOKUPs on it, one after the other, each timed.  A source
 * address is used again only after all NADDR have been, so no client goes
 * over the service's rate limit unless the run is that fast.  It stops
 * after COUNT calls or SECONDS, whichever comes first, and prints:
 *
 *   lookups N  seconds S  per_s R  ok K  p50_us  p90_us  p99_us  max_us
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <rpc/rpc.h>

#include "nfswap_prot.h"

#define PER_CONN	10

static struct sockaddr_in server;
static unsigned long count_max, naddr;
static double t_end;
static atomic_ulong next_addr, calls, oks;
static unsigned *lat_us;		/* count_max of them */

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static CLIENT *
connect_from(unsigned long i)
{
	struct sockaddr_in src;
	struct netbuf nb;
	CLIENT *cl;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return NULL;
	memset(&src, 0, sizeof(src));
	src.sin_family = AF_INET;
	src.sin_addr.s_addr = htonl((127u << 24) | (1u << 16) |
	    (unsigned)((i / 250) << 8) | (unsigned)(i % 250 + 1));
	/* from a reserved port, as a client's agent (root) calls */
	if (bindresvport(fd, &src) < 0 ||
	    connect(fd, (struct sockaddr *)&server, sizeof(server)) < 0) {
		close(fd);
		return NULL;
	}
	nb.buf = &server;
	nb.len = nb.maxlen = sizeof(server);
	if ((cl = clnt_vc_create(fd, &nb, NFSWAP_PROG, NFSWAP_V1, 0, 0)) ==
	    NULL) {
		close(fd);
		return NULL;
	}
	clnt_control(cl, CLSET_FD_CLOSE, NULL);
	return cl;
}

static void *
worker(void *arg)
{
	(void)arg;
	while (now() < t_end) {
		unsigned long a = atomic_fetch_add(&next_addr, 1) % naddr;
		CLIENT *cl = connect_from(a);
		int k;

		if (cl == NULL)
			continue;
		for (k = 0; k < PER_CONN; k++) {
			unsigned long n = atomic_fetch_add(&calls, 1);
			struct timeval tv = { 10, 0 };
			double t0;
			nfswap_lookup_res res;
			enum clnt_stat st;

			if (n >= count_max) {
				clnt_destroy(cl);
				return NULL;
			}
			/* clnt_call with a result of our own: the stubs
			 * rpcgen writes share a static one between threads */
			memset(&res, 0, sizeof(res));
			t0 = now();
			st = clnt_call(cl, NFSWAPPROC_LOOKUP, (xdrproc_t)xdr_void,
			    NULL, (xdrproc_t)xdr_nfswap_lookup_res, (char *)&res,
			    tv);
			lat_us[n] = (unsigned)((now() - t0) * 1e6);
			if (st != RPC_SUCCESS)
				break;
			if (res.status == NFSWAP_OK)
				atomic_fetch_add(&oks, 1);
			xdr_free((xdrproc_t)xdr_nfswap_lookup_res, (char *)&res);
		}
		clnt_destroy(cl);
	}
	return NULL;
}

static int
cmp(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	pthread_t *th;
	unsigned long n, i, nthreads;
	double t0, secs;

	if (argc != 7) {
		fprintf(stderr, "usage: nfswap-lookupload ADDR PORT THREADS "
		    "COUNT SECONDS NADDR\n");
		return 2;
	}
	memset(&server, 0, sizeof(server));
	server.sin_family = AF_INET;
	server.sin_port = htons((uint16_t)atoi(argv[2]));
	if (inet_pton(AF_INET, argv[1], &server.sin_addr) != 1)
		return 2;
	nthreads = strtoul(argv[3], NULL, 10);
	count_max = strtoul(argv[4], NULL, 10);
	naddr = strtoul(argv[6], NULL, 10);
	if (nthreads == 0 || count_max == 0 || naddr == 0 || naddr > 250 * 256)
		return 2;
	if ((lat_us = calloc(count_max, sizeof(*lat_us))) == NULL ||
	    (th = calloc(nthreads, sizeof(*th))) == NULL)
		return 1;
	t0 = now();
	t_end = t0 + atof(argv[5]);
	for (i = 0; i < nthreads; i++)
		if (pthread_create(&th[i], NULL, worker, NULL) != 0)
			return 1;
	for (i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);
	secs = now() - t0;
	free(th);
	n = atomic_load(&calls);
	if (n > count_max)
		n = count_max;
	if (n == 0) {
		printf("lookups 0\n");
		free(lat_us);
		return 1;
	}
	qsort(lat_us, n, sizeof(*lat_us), cmp);
	printf("lookups %lu seconds %.3f per_s %.0f ok %lu p50_us %u p90_us %u "
	    "p99_us %u max_us %u\n", n, secs, (double)n / secs,
	    atomic_load(&oks), lat_us[n / 2], lat_us[n * 9 / 10],
	    lat_us[n * 99 / 100], lat_us[n - 1]);
	free(lat_us);
	return 0;
}
