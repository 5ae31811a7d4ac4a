/*
 * nfswap.h -- the server-side admin program: configuration, client
 * directories (the store), audit and serve.  The registry has its own
 * header (registry.h), above this one.  Prototypes by source file.
 */
#ifndef NFSWAP_NFSWAP_H
#define NFSWAP_NFSWAP_H

#include <stdint.h>
#include <time.h>

#include "common.h"
#include "exports.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define NFSWAP_CONF_DEFAULT SYSCONFDIR "/nfswap/nfswap.conf"

enum quota_mode { QUOTA_AUTO, QUOTA_PROJECT, QUOTA_NONE };
enum backend { BACKEND_LOCAL, BACKEND_CEPHFS };

#define HEADS_MAX 64

/* An NFS head: one of several NFS-Ganesha servers over the same storage. */
struct head {
	char		name[NAME_MAXLEN + 1];
	char		address[HOST_MAXLEN + 1];	/* clients mount from it */
	uint32_t	nfs_port, mount_port;		/* 0: ask rpcbind */
	char		exports_file[PATH_MAXLEN + 1];	/* its EXPORT blocks */
	char		pid_file[PATH_MAXLEN + 1];	/* its ganesha.nfsd */
};

/* CephFS, reached through libcephfs (backend = "cephfs"). */
struct cephfs_conf {
	char		conf[PATH_MAXLEN + 1];		/* ceph.conf */
	char		user[NAME_MAXLEN + 1];		/* nfswap's cephx id */
	char		filesystem[NAME_MAXLEN + 1];
	char		root[PATH_MAXLEN + 1];		/* client dirs below */
	char		ganesha_user[NAME_MAXLEN + 1];	/* the heads' cephx id */
};

/* nfswap serve's unprivileged side and its limits (serve_main.c). */
struct serve_conf {
	char		user[33];		/* a name, or a uid */
	char		chroot[PATH_MAXLEN + 1];	/* empty, root's */
	uint32_t	max_connections;
	uint32_t	connections_per_address;
	uint32_t	idle_timeout;		/* seconds without a whole call */
	char		stats_file[PATH_MAXLEN + 1];	/* counters, for metrics */
};

struct nfswap_conf {
	char		file[PATH_MAXLEN + 1];	/* "" when built-in defaults */
	char		export_root[PATH_MAXLEN + 1];
	char		state_dir[PATH_MAXLEN + 1];
	uint64_t	default_quota;
	uint64_t	default_inodes;	/* inode limit of a new client */
	uint32_t	uid_min, uid_max;
	uint32_t	export_id_min, export_id_max;
	enum quota_mode	quota_enforce;
	char		kernel_file[PATH_MAXLEN + 1];
	char		kernel_options[256];
	int		kernel_allow_insecure;	/* "insecure" forced */
	unsigned	kernel_options_line;	/* where they were set */
	char		sec[64];		/* exports_check_sec's */
	char		ganesha_file[PATH_MAXLEN + 1];
	char		ganesha_pseudo_root[PATH_MAXLEN + 1];
	char		ganesha_pid_file[PATH_MAXLEN + 1];
	enum backend	backend;
	struct cephfs_conf cephfs;
	struct head	heads[HEADS_MAX];
	unsigned	nheads;
	struct serve_conf serve;
};

/* config.c */
void	conf_defaults(struct nfswap_conf *);
int	conf_load(struct nfswap_conf *, const char *path, int must_exist,
	    struct diag *);
int	conf_parse(struct nfswap_conf *, const char *text, const char *name,
	    struct diag *);
const struct head *conf_head(const struct nfswap_conf *, const char *name);
const char *conf_dir_root(const struct nfswap_conf *);

/*
 * A client's inode limit when nfswap.conf sets none, and for records
 * written before there were inode limits.  A client holds at most
 * nfswapd's max_files swap files (32 at most: the kernel's swap areas),
 * one or two partial ones (.NAME.partial, .NAME.allocating) and its
 * directory: about 35 inodes.  256 leaves room for seven times that, and
 * a thousand clients at the limit take 256,000 inodes, a small share of
 * any file system that holds their swap.
 */
#define DEFAULT_INODES		256
#define INODES_MAX		4294967295ULL

/*
 * Walks of a client's tree (usage, audit) are bounded: the client controls
 * the tree.  nfswapd makes a flat directory of a few dozen files, so a
 * walk that reaches either bound has found something no agent made; the
 * figures are then lower bounds, and the walk says so (incomplete, why).
 */
#define WALK_MAX_DEPTH		32	/* levels below the client's directory */
#define WALK_MAX_ENTRIES	65536	/* entries looked at in one walk */
#define WALK_WHY_MAX		(PATH_MAXLEN + 160)

/* Shared by the registry, the store and audit */
struct dir_usage {
	uint64_t	bytes;		/* allocated (CephFS: rbytes) */
	uint64_t	files;		/* entries that are not directories */
	uint64_t	inodes;		/* every inode, the directory's own too */
	uint64_t	foreign;	/* entries not owned by the client */
	uint64_t	bytes_limit;	/* the quota's own limits, where read */
	uint64_t	inodes_limit;	/* from it (0: none set) */
	int		from_quota;	/* bytes, inodes (and limits) from the
					 * project quota or CephFS's counts */
	int		walked;		/* the tree was walked (foreign counted) */
	int		incomplete;	/* a bound or an error cut the walk */
	char		why[WALK_WHY_MAX];	/* ... and why */
	char		first_foreign[PATH_MAXLEN + 1];
};

struct store {
	const struct nfswap_conf *conf;
	void		*ceph;		/* struct ceph_mount_info *, or NULL */
};
struct store_stat {
	int		is_dir;
	uint32_t	uid, gid, mode;
	unsigned long	entries;	/* of a directory, when counted */
};

/* clientdir.c -- the per-client directory under export_root */
int	clientdir_path(const struct nfswap_conf *, const char *name, char *,
	    size_t);
int	clientdir_create(const struct nfswap_conf *, const char *name,
	    uint32_t uid, uint32_t gid, int *created, struct diag *);
int	clientdir_set_quota(const char *dir, uint32_t projid, uint64_t bytes,
	    uint64_t inodes);
int	clientdir_purge(const char *dir, uint32_t uid, uint32_t gid,
	    struct diag *);
int	clientdir_usage(const char *dir, uint32_t uid, struct dir_usage *);
int	clientdir_usage_fd(int dfd, uint32_t uid, struct dir_usage *);
int	clientdir_usage_fd_max(int dfd, uint32_t uid, unsigned long max,
	    struct dir_usage *);
int	clientdir_quota_usage(const char *dir, uint32_t projid,
	    struct dir_usage *);

/* store.c -- client directories wherever the backend keeps them */
int	store_open(struct store *, const struct nfswap_conf *, struct diag *);
void	store_close(struct store *);
int	store_create(struct store *, const char *name, uint32_t uid,
	    uint32_t gid, int *created, struct diag *);
int	store_set_quota(struct store *, const char *name, uint32_t projid,
	    uint64_t bytes, uint64_t inodes);
int	store_rename(struct store *, const char *from, const char *to);
int	store_purge(struct store *, const char *name, uint32_t uid,
	    uint32_t gid, struct diag *);
int	store_usage(struct store *, const char *name, uint32_t uid,
	    uint32_t gid, int walk, struct dir_usage *);
int	store_lstat(struct store *, const char *name, struct store_stat *,
	    int count);
int	store_list(struct store *, void (*)(void *, const char *), void *);
const char *store_where(const struct nfswap_conf *, const char *name,
	    char *, size_t);
int	store_path(const struct nfswap_conf *, const char *name, char *,
	    size_t);
/* ... on this server's own file system, as the client (nfswap serve) */
int	store_enter(const struct nfswap_conf *, const char *name, uint32_t uid,
	    uint32_t gid);
void	store_leave(int dfd);
int	store_usage_fd(int dfd, uint32_t uid, unsigned long max,
	    struct dir_usage *);
int	store_quota_fd(int dfd, uint32_t projid, struct dir_usage *);

/* cephfs.c -- the same on CephFS, through libcephfs (store.c calls it) */
int	cephfs_open(struct store *, struct diag *);
void	cephfs_close(struct store *);
int	cephfs_create(struct store *, const char *name, uint32_t uid,
	    uint32_t gid, int *created, struct diag *);
int	cephfs_set_quota(struct store *, const char *name, uint64_t bytes,
	    uint64_t inodes);
int	cephfs_rename(struct store *, const char *from, const char *to);
int	cephfs_purge(struct store *, const char *name, uint32_t uid,
	    uint32_t gid, struct diag *);
int	cephfs_usage(struct store *, const char *name, uint32_t uid,
	    uint32_t gid, int walk, struct dir_usage *);
int	cephfs_lstat(struct store *, const char *name, struct store_stat *,
	    int count);
int	cephfs_list(struct store *, void (*)(void *, const char *), void *);

/* asclient.c -- a client's work done with its uid and gid (per thread) */
int	asclient_enter(uint32_t uid, uint32_t gid);
int	asclient_leave(void);

/* serve_main.c -- "nfswap serve", the provisioning service.  Its journal
 * of allocations under way is export_root/SERVE_JOURNAL_DIR (root's,
 * 0700). */
#define SERVE_JOURNAL_DIR	".nfswap-serve"
int	serve_main(const struct nfswap_conf *, int argc, char **argv);

/* audit.c (above the registry) */
struct registry;
int	audit_run(struct registry *, int json, struct strbuf *, int *problems,
	    struct diag *);

#endif
