/*
 * serve_peers.c -- the network side's peers, their connections held to
 * their limits: at most connections_per_address per address and
 * max_connections in all (past the total, the least recently active is
 * closed for the newcomer); a connection that has not completed a call
 * within idle_timeout seconds is closed, whatever it sent meanwhile; a
 * peer that does not read its replies is dropped before a reply could
 * block.  The table is indexed by file descriptor; libtirpc owns the
 * descriptors, and closing one here only asks libtirpc to let go of it.
 */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <errno.h>
#include <linux/sockios.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve.h"

#define OUTQ_MAX	(16 * 1024)	/* unread replies before a drop */

struct peer {
	int		used, closing;
	char		addr[SERVE_ADDR_MAX];
	uint64_t	last_ms;	/* accepted, or its last whole call */
};

static struct {
	const struct serve_conf *sc;
	struct peer	*conn;		/* by file descriptor */
	int		nconn_max;	/* its size */
	unsigned	nconns;
	uint64_t	said_full_ms;
	struct serve_counters *ctr;	/* the network side's */
} C;

static const char *const close_why[SERVE_NCLOSE] = {
	"too many connections from this address",
	"no address",
	"the least active, for a newcomer",
	"no whole call within idle_timeout",
	"it does not read its replies",
};

/* The caller's address as valid_host spells it; v4-mapped v6 as v4. */
int
peer_addr(const struct sockaddr *sa, socklen_t len, char *buf, size_t n)
{
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in))
		return inet_ntop(AF_INET, &((const struct sockaddr_in *)
		    (const void *)sa)->sin_addr, buf, (socklen_t)n) ? 0 : -EINVAL;
	if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
			return inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12],
			    buf, (socklen_t)n) ? 0 : -EINVAL;
		return inet_ntop(AF_INET6, &s6->sin6_addr, buf,
		    (socklen_t)n) ? 0 : -EINVAL;
	}
	return -EAFNOSUPPORT;
}

/* ---- connections ------------------------------------------------------- */

/*
 * Ask libtirpc to let go of fd: its next read sees the end, and the
 * transport is destroyed there (and the descriptor closed).  Replies the
 * peer never read are thrown away with the connection (a reset, not a
 * FIN that would wait behind them, and no orphaned socket holding them).
 */
void
peer_close(int fd, enum serve_close why)
{
	struct peer *c = &C.conn[fd];
	struct linger lg = { 1, 0 };
	int unsent = 0;

	if (!c->used || c->closing)
		return;
	c->closing = 1;
	if (ioctl(fd, SIOCOUTQ, &unsent) == 0 && unsent > 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	(void)shutdown(fd, SHUT_RDWR);
	C.ctr->closed[why]++;
	log_debug("serve: closing a connection from %s: %s", c->addr,
	    close_why[why]);
}

void
peer_gone(int fd)
{
	if (fd >= 0 && fd < C.nconn_max && C.conn[fd].used) {
		C.conn[fd].used = 0;
		C.nconns--;
	}
}

/* A connection libtirpc has just accepted: count it, and hold it to the
 * limits per address and in all. */
void
peer_new(int fd, uint64_t now)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct peer *c;
	unsigned same = 0;
	int i, oldest = -1;

	if (fd < 0 || fd >= C.nconn_max) {	/* cannot happen: RLIMIT_NOFILE */
		(void)shutdown(fd, SHUT_RDWR);
		return;
	}
	c = &C.conn[fd];
	memset(c, 0, sizeof(*c));
	c->used = 1;
	c->last_ms = now;
	C.nconns++;
	C.ctr->accepted++;
	if (getpeername(fd, (struct sockaddr *)&ss, &sl) < 0 ||
	    peer_addr((struct sockaddr *)&ss, sl, c->addr,
	    sizeof(c->addr)) < 0) {
		snprintf(c->addr, sizeof(c->addr), "?");
		peer_close(fd, SERVE_CLOSE_NO_ADDRESS);
		return;
	}
	for (i = 0; i < C.nconn_max; i++) {
		if (!C.conn[i].used || C.conn[i].closing || i == fd)
			continue;
		if (strcmp(C.conn[i].addr, c->addr) == 0)
			same++;
		if (oldest < 0 || C.conn[i].last_ms < C.conn[oldest].last_ms)
			oldest = i;
	}
	if (same >= C.sc->connections_per_address) {
		peer_close(fd, SERVE_CLOSE_PER_ADDRESS);
		return;
	}
	if (C.nconns > C.sc->max_connections && oldest >= 0) {
		if (C.said_full_ms == 0 || now - C.said_full_ms > 60000) {
			log_warnx("serve: %u connections, the most allowed "
			    "(max_connections); closing the least active",
			    C.sc->max_connections);
			C.said_full_ms = now;
		}
		peer_close(oldest, SERVE_CLOSE_EVICTED);
	}
}

/* Connections that have not completed a call for idle_timeout. */
void
peers_expire(uint64_t now)
{
	uint64_t idle = (uint64_t)C.sc->idle_timeout * 1000;
	int i;

	for (i = 0; i < C.nconn_max; i++)
		if (C.conn[i].used && !C.conn[i].closing &&
		    now > C.conn[i].last_ms && now - C.conn[i].last_ms > idle)
			peer_close(i, SERVE_CLOSE_IDLE);
}

/*
 * Replies waiting unread: a peer that pipelines calls and never reads.
 * Its next call is not read while a reply might not be written at once
 * (libtirpc would retry a blocked write for two seconds, holding up
 * everyone): more than OUTQ_MAX bytes unacknowledged, or a socket the
 * kernel does not call writable, and the peer is dropped.  A client that
 * reads each reply before its next call never comes near either.
 */
int
peer_outq_full(int fd)
{
	struct pollfd p = { fd, POLLOUT, 0 };
	int n = 0;

	if (fd < 0 || fd >= C.nconn_max)
		return 0;	/* not one of ours */
	if (ioctl(fd, SIOCOUTQ, &n) == 0 && n > OUTQ_MAX)
		return 1;
	return poll(&p, 1, 0) == 1 && !(p.revents & POLLOUT);
}

/* A call completed on fd now. */
void
peer_touch(int fd, uint64_t now)
{
	if (fd >= 0 && fd < C.nconn_max)
		C.conn[fd].last_ms = now;
}

/* Whether fd is a connection counted here. */
int
peer_known(int fd)
{
	return fd >= 0 && fd < C.nconn_max && C.conn[fd].used;
}

/* A table for every descriptor the network side may have (its
 * RLIMIT_NOFILE: max_connections + 64); connections are counted in
 * *ctr. */
int
peers_init(const struct serve_conf *sc, struct serve_counters *ctr)
{
	memset(&C, 0, sizeof(C));
	C.sc = sc;
	C.ctr = ctr;
	C.nconn_max = (int)sc->max_connections + 64;
	if ((C.conn = calloc((size_t)C.nconn_max, sizeof(*C.conn))) == NULL)
		return -ENOMEM;
	return 0;
}

void
peers_free(void)
{
	free(C.conn);
	C.conn = NULL;
	C.nconn_max = 0;
}
