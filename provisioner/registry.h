/*
 * registry.h -- the provisioned clients, kept under state_dir: what a
 * client is (struct client), and every way to read or change the list.
 *
 * The registry is sealed: its files (records, host indexes, placements,
 * counters, purges) are read and written by registry*.c alone.  Callers
 * ask it by name (registry_get), by the caller's address
 * (registry_find_caller) or for its own consistency (registry_check_*),
 * and reach client directories through the store it opens
 * (registry_store, store.c).  Prototypes by source file; the last group
 * is for the registry's own files only.
 */
#ifndef NFSWAP_REGISTRY_H
#define NFSWAP_REGISTRY_H

#include <stdint.h>
#include <time.h>

#include "nfswap.h"

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

struct registry {
	const struct nfswap_conf *conf;
	int	lockfd;
	int	exclusive;
	char	clients[PATH_MAXLEN + 16];
	char	hosts[PATH_MAXLEN + 16];
	char	nets[PATH_MAXLEN + 16];
	char	counters[PATH_MAXLEN + 16];
	char	heads[PATH_MAXLEN + 16];
	char	resolved[PATH_MAXLEN + 16];
	char	purging[PATH_MAXLEN + 16];
	struct store	store;		/* opened on first use */
	int	store_open;
	char	warning[2048];	/* non-fatal news for the user, or "" */
};

/*
 * A removed client's data on its way out (remove --purge): under the
 * registry's lock the directory is renamed aside, to PURGE_PREFIX NAME.UID
 * beside the others (a name no export has); the deletion runs with the
 * lock released, as the client.  purging/NAME.UID in state_dir says what
 * is to be deleted until it is; flock(2) on it marks the one deleting.
 */
#define PURGE_PREFIX	".nfswap-purge."
struct purge {
	char		name[NAME_MAXLEN + 1];
	uint32_t	uid, gid;
	char		aside[NAME_MAXLEN + 32];
	int		fd;		/* its purging/ entry, locked; or -1 */
	int		busy;		/* (listed) another process deletes it */
};

/* whether any client has a DNS name, remembered while hosts/ is unchanged */
struct registry_names {
	struct timespec	mtime;
	int		scanned, any;
};

/* registry.c -- opening, the lock, records */
int	registry_open(struct registry *, const struct nfswap_conf *,
	    int exclusive, struct diag *);
void	registry_unlock(struct registry *);
void	registry_close(struct registry *);
int	registry_store(struct registry *, struct store **, struct diag *);
int	registry_parse_record(const char *text, const char *name,
	    struct client *, struct diag *);
int	registry_get(struct registry *, const char *name, struct client *,
	    struct diag *);
int	registry_list(struct registry *, struct client **, size_t *,
	    struct diag *);
void	registry_export(const struct client *, struct exports_client *);

/* registry_ops.c -- adding, removing, limits */
int	registry_add(struct registry *, const char *name, const char *host,
	    uint64_t quota, uint64_t inodes, const char *head, struct client *,
	    struct diag *);
int	registry_remove(struct registry *, const char *name, int purge,
	    struct purge *, struct diag *);
int	registry_set_quota(struct registry *, const char *name, uint64_t bytes,
	    uint64_t inodes, struct diag *);

/* registry_hosts.c -- the host indexes: overlaps, DNS, callers */
int	registry_resolve(const char *name, struct host *, size_t max);
int	registry_host_clash(struct registry *, const struct host *,
	    const char *except, char *owner, size_t, char *what, size_t,
	    struct diag *);
int	registry_find_caller(struct registry *, const struct host *addr,
	    const char *dns, struct registry_names *, struct client *,
	    struct diag *);
int	registry_indexed(struct registry *, const struct client *);
void	registry_check_hosts(struct registry *,
	    void (*problem)(void *, const char *), void *);

/* registry_heads.c -- placement on NFS heads */
int	registry_move(struct registry *, const char *name, const char *head,
	    int now, char *from, size_t, struct diag *);
long	registry_head_load(struct registry *, const char *head);
void	registry_check_heads(struct registry *,
	    void (*problem)(void *, const char *), void *);

/* registry_purge.c -- removed clients' data still to be deleted */
int	registry_purges_pending(struct registry *, struct purge **, size_t *,
	    struct diag *);
int	registry_purge(struct registry *, struct purge *, struct diag *);
void	registry_purge_release(struct purge *);
int	registry_purges_list(struct registry *, struct purge **, size_t *,
	    struct diag *);

/* ---- for the registry's own files only ------------------------------ */

struct config_t;		/* libconfig's */
struct config_setting_t;

/* registry.c */
int	registry_read(struct registry *, const char *name, struct client *,
	    struct diag *);
int	registry_write(struct registry *, const struct client *);
int	registry_write_config(struct config_t *, const char *path,
	    const char *header);
int	registry_put_int(struct config_setting_t *, const char *key,
	    long long);
int	registry_put_str(struct config_setting_t *, const char *key,
	    const char *);
int	registry_link(const char *dir, const char *key, const char *name);
void	registry_unlink(const char *dir, const char *key, const char *name);

/* registry_hosts.c */
int	registry_host_free(struct registry *, const struct host *,
	    const char *via, struct diag *);
int	registry_index_host(struct registry *, const struct client *, int set);
int	registry_index_addrs(struct registry *, const struct client *,
	    int set);

/* registry_heads.c */
int	registry_pick_head(struct registry *, const char *want, char *,
	    size_t, struct diag *);
int	registry_place(struct registry *, const char *head, const char *name);
void	registry_unplace(struct registry *, const char *head,
	    const char *name);
void	registry_unplace_others(struct registry *, const char *keep,
	    const char *name);

/* registry_purge.c */
void	registry_purge_fill(struct purge *, const char *name, uint32_t uid,
	    uint32_t gid);
int	registry_purge_intent(struct registry *, struct purge *,
	    struct diag *);
void	registry_purge_done(struct registry *, struct purge *);

#endif
