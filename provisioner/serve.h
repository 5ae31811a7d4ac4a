/*
 * serve.h -- "nfswap serve" inside: three processes, and the messages
 * they pass.  Not part of the nfswap program's other modules.
 *
 *   monitor   root, keeping only CAP_SETUID and CAP_SETGID: reads the
 *             registry and acts in a client's directory as that client
 *             (serve_monitor.c, its requests; serve_jobs.c, ALLOCATE's
 *             workers, which write as the client with serve_write.c;
 *             serve_usage.c, what a directory holds).  It never
 *             reads from the network.
 *   network   the serve user, chrooted into an empty directory, no
 *             capabilities: accepts connections, reads records with
 *             deadlines, decodes XDR, rate-limits, and asks the monitor
 *             (serve_net.c; its connections and their limits,
 *             serve_peers.c).
 *   resolver  the serve user, no capabilities, not chrooted (it needs
 *             the resolver's files): turns a caller's address into a DNS
 *             name confirmed both ways, for the network side
 *             (serve_dns.c).
 *
 * Messages are fixed-size structs over SOCK_SEQPACKET socketpairs: one
 * message, one struct, never a partial one.  The monitor trusts nothing
 * in a request: it identifies the client again from the address, checks
 * every name and size, and does the work as that client.
 */
#ifndef NFSWAP_SERVE_H
#define NFSWAP_SERVE_H

#include <sys/socket.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>

#include "nfswap.h"
#include "nfswap_prot.h"

#define SERVE_FILES_MAX		64	/* NFSWAP_FILES_MAX of the protocol */
#define SERVE_ADDR_MAX		46	/* INET6_ADDRSTRLEN */
#define SERVE_MONITOR_WAIT_MS	2000	/* network side: an answer, or BUSY */

enum serve_op {
	SERVE_LOOKUP = 1,
	SERVE_ALLOCATE,
	SERVE_RELEASE,
	SERVE_STATUS,
	SERVE_COUNTERS,		/* the network side's counters; no answer */
};

/*
 * The network side's counters, for "nfswap metrics" (serve_stats.c).
 * Calls by procedure (NULL to STATUS, then any other) and by answer: the
 * protocol's nfswap_stat, then the RPC-level refusals.  Connections closed
 * by the service, by reason.  Only ever reported, never acted upon: a
 * network side that lied about them could only lie in the metrics.
 */
#define SERVE_NPROCS		6	/* NULL..STATUS, other */
enum {
	SERVE_ST_WEAKAUTH = NFSWAP_NOTSUPP + 1,	/* not from a reserved port */
	SERVE_ST_GARBAGE,			/* arguments that did not decode */
	SERVE_ST_NOPROC,			/* no such procedure */
	SERVE_NSTATUS
};
enum serve_close {
	SERVE_CLOSE_PER_ADDRESS,	/* refused: connections_per_address */
	SERVE_CLOSE_NO_ADDRESS,		/* refused: no peer address */
	SERVE_CLOSE_EVICTED,		/* the least active, for a newcomer */
	SERVE_CLOSE_IDLE,		/* no whole call within idle_timeout */
	SERVE_CLOSE_UNREAD,		/* it does not read its replies */
	SERVE_NCLOSE
};
struct serve_counters {
	uint64_t	calls[SERVE_NPROCS][SERVE_NSTATUS];
	uint64_t	accepted;		/* connections */
	uint64_t	closed[SERVE_NCLOSE];
};

/* network -> monitor */
struct serve_req {
	uint32_t	seq;
	uint32_t	op;			/* enum serve_op */
	char		addr[SERVE_ADDR_MAX];	/* the caller, as valid_host spells it */
	char		dns[HOST_MAXLEN + 1];	/* its confirmed DNS name, or "" */
	char		name[NAME_MAXLEN + 1];	/* ALLOCATE, RELEASE */
	uint64_t	size;			/* ALLOCATE */
	struct serve_counters net;		/* COUNTERS */
};

struct serve_file {
	char		name[NAME_MAXLEN + 1];
	uint64_t	size, allocated;
};

/* monitor -> network */
struct serve_rep {
	uint32_t	seq;
	int32_t		status;			/* an nfswap_stat */
	uint32_t	dns_clients;		/* some client has a DNS name */
	/* LOOKUP */
	char		client[NAME_MAXLEN + 1];
	char		export_path[PATH_MAXLEN + 1];
	uint64_t	quota;
	uint32_t	anon_uid;
	char		server[HOST_MAXLEN + 1];	/* its head, or "" */
	uint32_t	nfs_port, mount_port;
	uint32_t	allocate;		/* ALLOCATE is offered */
	/* STATUS */
	uint64_t	used;
	uint32_t	in_progress;
	uint32_t	nfiles;
	struct serve_file files[SERVE_FILES_MAX];
};

/* network -> resolver, and back */
struct serve_dns {
	char		addr[SERVE_ADDR_MAX];
	char		name[HOST_MAXLEN + 1];	/* answer: "" when none */
};

struct client;

/* serve_main.c */
int	serve_drop(const char *what, uint32_t uid, uint32_t gid,
	    const char *chroot_dir, unsigned nofile);

/* serve_monitor.c */
int	monitor_run(const struct nfswap_conf *, int net_fd,
	    volatile sig_atomic_t *stop);

/* serve_stats.c -- the service's counters and its clients' calls, as a
 * Prometheus textfile (the monitor) */
void	stats_start(const struct nfswap_conf *);
void	stats_call(const struct client *, uint32_t op, int32_t status);
void	stats_net(const struct serve_counters *);
void	stats_flush(int force);
void	stats_stop(void);

/* serve_msg.c -- a request's checks, an error's answer (the monitor) */
int	msg_request_ok(const struct serve_req *);
int	msg_name_ok(const char *);
nfswap_stat msg_stat(int err);

/* serve_jobs.c -- ALLOCATE: the jobs under way, their journal, budgets */
int	jobs_start(const struct nfswap_conf *, volatile sig_atomic_t *stop);
void	jobs_reap(void);
void	jobs_stop(void);
nfswap_stat jobs_allocate(const struct client *, const char *name,
	    uint64_t size);
int	jobs_busy(const struct client *, const char *name);
uint64_t jobs_pending(const struct client *, uint32_t *in_progress);

/* serve_write.c -- ALLOCATE's file, whole, as the client (a worker) */
int	write_as_client(int dfd, uint32_t uid, const char *partial,
	    const char *name, uint64_t size, int (*stopping)(void));

/* serve_usage.c -- what a client's directory holds (the monitor) */
void	usage_start(const struct nfswap_conf *, volatile sig_atomic_t *stop);
void	usage_stop(void);
int	usage_get(const struct client *, int fresh, uint64_t *bytes);
void	usage_dirty(const char *client);

/* serve_net.c */
int	net_run(const struct nfswap_conf *, int listen_fd, int mon_fd,
	    int dns_fd);

/* serve_peers.c -- the network side's peers: connections, their limits */
int	peers_init(const struct serve_conf *, struct serve_counters *);
void	peers_free(void);
void	peer_new(int fd, uint64_t now);
void	peer_touch(int fd, uint64_t now);
int	peer_known(int fd);
int	peer_outq_full(int fd);
void	peer_close(int fd, enum serve_close why);
void	peer_gone(int fd);
void	peers_expire(uint64_t now);
int	peer_addr(const struct sockaddr *, socklen_t, char *, size_t);

/* serve_dns.c */
int	dns_run(int fd);

#endif
