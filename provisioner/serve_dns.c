/*
 * serve_dns.c -- the resolver of "nfswap serve": a process of its own
 * (the serve user, no capabilities, not chrooted, since the system's
 * resolver needs its files), so that a slow or hostile DNS server holds up
 * nothing but the callers whose names are being looked up.
 *
 * It answers one question: the DNS name of an address, as an NFS server's
 * mountd checks it -- the address resolved to a name, and that name back
 * to the address (so that whoever controls the reverse zone alone cannot
 * claim a name), without a final dot -- or "" when there is none.  A few
 * threads answer at once; each question and answer is one message.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "serve.h"

#define DNS_THREADS	4

static int
addr_matches(const struct addrinfo *ai, const struct sockaddr_storage *ss)
{
	if (ai->ai_family != ss->ss_family)
		return 0;
	if (ai->ai_family == AF_INET)
		return memcmp(&((const struct sockaddr_in *)(const void *)
		    ai->ai_addr)->sin_addr, &((const struct sockaddr_in *)
		    (const void *)ss)->sin_addr, 4) == 0;
	return memcmp(&((const struct sockaddr_in6 *)(const void *)
	    ai->ai_addr)->sin6_addr, &((const struct sockaddr_in6 *)
	    (const void *)ss)->sin6_addr, 16) == 0;
}

static void
resolve(struct serve_dns *a)
{
	struct sockaddr_storage ss;
	struct addrinfo hints, *res, *ai;
	char host[HOST_MAXLEN + 2];	/* longer: no name of ours */
	socklen_t sl;
	size_t n;
	int found = 0;

	a->name[0] = '\0';
	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, a->addr,
	    &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		ss.ss_family = AF_INET;
		sl = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, a->addr,
	    &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		ss.ss_family = AF_INET6;
		sl = sizeof(struct sockaddr_in6);
	} else
		return;
	if (getnameinfo((struct sockaddr *)&ss, sl, host, sizeof(host), NULL,
	    0, NI_NAMEREQD) != 0)
		return;
	n = strlen(host);
	if (n > 0 && host[n - 1] == '.')
		host[--n] = '\0';
	if (n == 0 || n > HOST_MAXLEN)
		return;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = ss.ss_family;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, NULL, &hints, &res) != 0)
		return;
	for (ai = res; ai != NULL && !found; ai = ai->ai_next)
		found = addr_matches(ai, &ss);
	freeaddrinfo(res);
	if (found)
		snprintf(a->name, sizeof(a->name), "%s", host);
}

static void *
answer(void *arg)
{
	int fd = *(int *)arg;
	struct serve_dns a;
	ssize_t n;

	while ((n = recv(fd, &a, sizeof(a), 0)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (n != (ssize_t)sizeof(a) ||
		    memchr(a.addr, '\0', sizeof(a.addr)) == NULL)
			continue;
		resolve(&a);
		if (send(fd, &a, sizeof(a), MSG_NOSIGNAL) < 0 && errno == EPIPE)
			break;
	}
	return NULL;
}

/* Answer until the network side goes away. */
int
dns_run(int fd)
{
	pthread_t t[DNS_THREADS];
	int i, n = 0;

	for (i = 0; i < DNS_THREADS; i++)
		if (pthread_create(&t[n], NULL, answer, &fd) == 0)
			n++;
	if (n == 0)
		return -EAGAIN;
	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	return 0;
}
