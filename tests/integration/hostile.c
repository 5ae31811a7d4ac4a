/*
 * hostile.c -- peers of "nfswap serve" that misbehave, and a timed client,
 * for tests/host/serve_hostile.sh and bench/hostile.sh.
 *
 *   nfswap-hostile ADDR PORT idle N SECONDS [SRC...]
 *       open N connections (source addresses SRC... in turn, else any)
 *       and send nothing; every second print "open K" (how many the
 *       service has not closed); stop after SECONDS or when none is left
 *   nfswap-hostile ADDR PORT half SECONDS [SRC]
 *       send the first half of a LOOKUP call and wait; print "closed
 *       after S" when the service closes the connection, "open" if it
 *       has not after SECONDS
 *   nfswap-hostile ADDR PORT trickle SECONDS [SRC]
 *       the same, one byte a second for as long as it is let
 *   nfswap-hostile ADDR PORT noread SECONDS [SRC]
 *       pipeline LOOKUP calls as fast as the socket takes them and never
 *       read a reply; print "closed after S sent B" or "open sent B"
 *   nfswap-hostile ADDR PORT lookups N PER_S SRC...
 *       N LOOKUPs at PER_S a second, each on a new connection from a
 *       reserved port as nfswapd makes them, from SRC... in turn; print
 *       "lookups N ok K p50_us ..
 *       p90_us .. p99_us .. max_us .."
 *   nfswap-hostile ADDR PORT names SRC...
 *       one LOOKUP from each SRC (callers rotating through addresses);
 *       print "asked N"
 *
 * Exit 0 when it could do what it was asked (whatever the service did).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
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

static struct sockaddr_in server;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A connection from src (any address if NULL); from a reserved port
 * with resv (root's, as a client's agent calls), else any port. */
static int
connect_from(const char *src, int nonblock, int resv)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	if (src != NULL && inet_pton(AF_INET, src, &sa.sin_addr) != 1) {
		close(fd);
		return -1;
	}
	if ((resv && bindresvport(fd, &sa) < 0) || (!resv && src != NULL &&
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)) {
		close(fd);
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&server, sizeof(server)) < 0) {
		close(fd);
		return -1;
	}
	if (nonblock) {
		int one = 1;

		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	return fd;
}

/* A whole LOOKUP call (version 1, AUTH_NONE) with its record mark. */
static size_t
lookup_call(unsigned char *buf, uint32_t xid)
{
	uint32_t w[11] = {
		htonl(0x80000000u | 40), htonl(xid), htonl(0), htonl(2),
		htonl(NFSWAP_PROG), htonl(NFSWAP_V1), htonl(NFSWAPPROC_LOOKUP),
		htonl(0), htonl(0), htonl(0), htonl(0)
	};

	memcpy(buf, w, sizeof(w));
	return sizeof(w);
}

/* Whether the service has closed fd (end of stream or reset). */
static int
closed(int fd)
{
	char c[4096];
	struct pollfd p = { fd, POLLIN | POLLRDHUP, 0 };
	ssize_t n;

	if (poll(&p, 1, 0) <= 0)
		return 0;
	if (p.revents & (POLLHUP | POLLERR | POLLRDHUP))
		return 1;
	n = recv(fd, c, sizeof(c), MSG_DONTWAIT | MSG_PEEK);
	return n == 0 || (n < 0 && errno != EAGAIN);
}

static int
idle(int n, double secs, char **src, int nsrc)
{
	int *fd = calloc((size_t)n, sizeof(*fd)), i, open_n = 0;
	double t0 = now(), next = t0 + 1;

	if (fd == NULL)
		return 1;
	for (i = 0; i < n; i++) {
		fd[i] = connect_from(nsrc ? src[i % nsrc] : NULL, 0, 0);
		if (fd[i] >= 0)
			open_n++;
	}
	printf("connected %d\n", open_n);
	fflush(stdout);
	while (now() - t0 < secs && open_n > 0) {
		usleep(50 * 1000);
		if (now() < next)
			continue;
		next += 1;
		for (i = open_n = 0; i < n; i++) {
			if (fd[i] >= 0 && closed(fd[i])) {
				close(fd[i]);
				fd[i] = -1;
			}
			open_n += fd[i] >= 0;
		}
		printf("open %d\n", open_n);
		fflush(stdout);
	}
	for (i = 0; i < n; i++)
		if (fd[i] >= 0)
			close(fd[i]);
	free(fd);
	return 0;
}

/* Half a call, or a call a byte a second: either way never a whole one. */
static int
partial(double secs, const char *src, int trickle)
{
	unsigned char call[64];
	size_t len = lookup_call(call, 1), sent;
	double t0 = now(), last = 0;
	int fd = connect_from(src, 0, 0);

	if (fd < 0)
		return 1;
	sent = trickle ? 0 : len / 2;
	if (!trickle && send(fd, call, sent, MSG_NOSIGNAL) != (ssize_t)sent)
		return 1;
	while (now() - t0 < secs) {
		if (closed(fd)) {
			printf("closed after %.1f\n", now() - t0);
			close(fd);
			return 0;
		}
		if (trickle && sent < len - 1 && now() - last >= 1) {
			if (send(fd, call + sent, 1, MSG_NOSIGNAL) != 1) {
				printf("closed after %.1f\n", now() - t0);
				close(fd);
				return 0;
			}
			sent++;
			last = now();
		}
		usleep(50 * 1000);
	}
	printf("open\n");
	close(fd);
	return 0;
}

static int
noread(double secs, const char *src)
{
	unsigned char call[64];
	uint32_t xid = 1;
	double t0 = now();
	unsigned long long bytes = 0;
	int fd = connect_from(src, 1, 0), rcv = 4096;

	if (fd < 0)
		return 1;
	/* a small receive window: its replies back up at the service */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	while (now() - t0 < secs) {
		size_t len = lookup_call(call, xid++);
		ssize_t w = send(fd, call, len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w > 0)
			bytes += (unsigned long long)w;
		if (w < 0 && errno != EAGAIN) {
			printf("closed after %.1f sent %llu\n", now() - t0, bytes);
			close(fd);
			return 0;
		}
		if (w < 0) {
			struct pollfd p = { fd, POLLOUT | POLLRDHUP, 0 };

			(void)poll(&p, 1, 100);
			if (p.revents & (POLLHUP | POLLERR | POLLRDHUP)) {
				printf("closed after %.1f sent %llu\n",
				    now() - t0, bytes);
				close(fd);
				return 0;
			}
		}
	}
	printf("open sent %llu\n", bytes);
	close(fd);
	return 0;
}

static int
cmp(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

/* One LOOKUP on a new connection from src: its status, or -1. */
static int
lookup_once(const char *src)
{
	struct timeval tv = { 10, 0 };
	nfswap_lookup_res res;
	struct netbuf nb;
	enum clnt_stat st;
	CLIENT *cl;
	int fd = connect_from(src, 0, 1), s;

	if (fd < 0)
		return -1;
	nb.buf = &server;
	nb.len = nb.maxlen = sizeof(server);
	if ((cl = clnt_vc_create(fd, &nb, NFSWAP_PROG, NFSWAP_V1, 0, 0)) ==
	    NULL) {
		close(fd);
		return -1;
	}
	clnt_control(cl, CLSET_FD_CLOSE, NULL);
	memset(&res, 0, sizeof(res));
	st = clnt_call(cl, NFSWAPPROC_LOOKUP, (xdrproc_t)xdr_void, NULL,
	    (xdrproc_t)xdr_nfswap_lookup_res, (char *)&res, tv);
	s = st == RPC_SUCCESS ? (int)res.status : -1;
	if (st == RPC_SUCCESS)
		xdr_free((xdrproc_t)xdr_nfswap_lookup_res, (char *)&res);
	clnt_destroy(cl);
	return s;
}

static int
lookups(unsigned long n, double per_s, char **src, int nsrc)
{
	unsigned *lat = calloc(n, sizeof(*lat));
	unsigned long i, ok = 0;
	double t0 = now();

	if (lat == NULL || nsrc == 0 || per_s <= 0)
		return 1;
	for (i = 0; i < n; i++) {
		double due = t0 + (double)i / per_s, t;

		while ((t = now()) < due)
			usleep((useconds_t)((due - t) * 1e6));
		t = now();
		if (lookup_once(src[i % (unsigned long)nsrc]) == NFSWAP_OK)
			ok++;
		lat[i] = (unsigned)((now() - t) * 1e6);
	}
	qsort(lat, n, sizeof(*lat), cmp);
	printf("lookups %lu ok %lu p50_us %u p90_us %u p99_us %u max_us %u\n",
	    n, ok, lat[n / 2], lat[n * 9 / 10], lat[n * 99 / 100], lat[n - 1]);
	free(lat);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *mode;

	if (argc < 4) {
		fprintf(stderr, "usage: nfswap-hostile ADDR PORT MODE ARGS...\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	memset(&server, 0, sizeof(server));
	server.sin_family = AF_INET;
	server.sin_port = htons((uint16_t)atoi(argv[2]));
	if (inet_pton(AF_INET, argv[1], &server.sin_addr) != 1)
		return 2;
	mode = argv[3];
	if (strcmp(mode, "idle") == 0 && argc >= 6)
		return idle(atoi(argv[4]), atof(argv[5]), argv + 6, argc - 6);
	if ((strcmp(mode, "half") == 0 || strcmp(mode, "trickle") == 0) &&
	    argc >= 5)
		return partial(atof(argv[4]), argc > 5 ? argv[5] : NULL,
		    mode[0] == 't');
	if (strcmp(mode, "noread") == 0 && argc >= 5)
		return noread(atof(argv[4]), argc > 5 ? argv[5] : NULL);
	if (strcmp(mode, "lookups") == 0 && argc >= 7)
		return lookups(strtoul(argv[4], NULL, 10), atof(argv[5]),
		    argv + 6, argc - 6);
	if (strcmp(mode, "names") == 0 && argc >= 5) {
		int i, asked = 0;

		for (i = 4; i < argc; i++)
			asked += lookup_once(argv[i]) >= 0;
		printf("asked %d\n", asked);
		return 0;
	}
	fprintf(stderr, "nfswap-hostile: bad mode or arguments\n");
	return 2;
}
