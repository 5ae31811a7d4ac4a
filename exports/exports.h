/*
 * exports.h -- the registry's clients and the pure renderers that turn
 * them into server export configuration.
 */
#ifndef NFSWAP_EXPORTS_H
#define NFSWAP_EXPORTS_H

#include <stdint.h>

#include "common.h"

#define CLIENT_ADDRS_MAX	8
#define CLIENT_ADDR_LEN		48	/* an address's canonical text */

/* One provisioned thin client, as the registry records it. */
struct client {
	char		name[NAME_MAXLEN + 1];
	char		host[HOST_MAXLEN + 1];	/* canonical (valid_host) */
	uint64_t	quota;			/* bytes, > 0 */
	uint32_t	uid, gid;		/* anonymous ids of its export */
	uint32_t	export_id;		/* Ganesha Export_Id, 1..65535 */
	int64_t		created;		/* seconds since the epoch */
	char		head[NAME_MAXLEN + 1];	/* its NFS head; "": none */
	char		leaving[NAME_MAXLEN + 1]; /* the head it moves from,
						   * which exports it too
						   * until the move is done */
	uint64_t	inodes;			/* inode limit, > 0 */
	/* A DNS-named client's addresses when it was added (canonical), so
	 * that later clients' addresses are checked against them. */
	char		addrs[CLIENT_ADDRS_MAX][CLIENT_ADDR_LEN];
	unsigned	naddrs;
};

enum exports_format { EXPORTS_KERNEL, EXPORTS_GANESHA };

struct exports_opts {
	const char	*export_root;	/* client directories live below it */
	const char	*pseudo_root;	/* Ganesha NFSv4 pseudo path prefix */
	const char	*kernel_options; /* extra exports(5) options, validated */
	const char	*ceph_fs;	/* Ganesha's Ceph FSAL on this CephFS, */
	const char	*ceph_user;	/* ... as this cephx id; NULL: VFS */
	const char	*sec;		/* flavors, ':' between, preferred
					 * first (exports_check_sec); NULL
					 * or "": sys */
	int		 allow_insecure; /* kernel_options may hold "insecure"
					 * (the admin forced it) */
};

/* exports.c */
int	exports_format_parse(const char *, enum exports_format *);
const char *exports_format_name(enum exports_format);
int	exports_check_kernel_options(const char *, int allow_insecure,
	    const char **why);
int	exports_kernel_insecure(const char *);
int	exports_check_sec(const char *, const char **why);
int	exports_check_client(const struct client *, const char **why);
int	exports_render(enum exports_format, const struct client *, size_t,
	    const struct exports_opts *, struct strbuf *, char *err, size_t);

#endif
