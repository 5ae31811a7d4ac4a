/*
 * agent.h -- nfswapd's library: its configuration, the NFS mount, swap
 * files, the kernel log watch, and the client of "nfswap serve".
 * Prototypes are listed by source file.  The policy itself is policy.h;
 * the daemon that uses all of these (its state, its loop) is nfswapd.h.
 */
#ifndef NFSWAP_AGENT_H
#define NFSWAP_AGENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common.h"
#include "policy.h"

#define AGENT_CONF	SYSCONFDIR "/nfswap/nfswapd.conf"
#define SWAPFILE_PREFIX	"nfswap."	/* our files: nfswap.0, nfswap.1, ... */
#define WSIZE_AUTO	UINT32_MAX	/* min_swap_wsize unset: decided by kernel */
#define WSIZE_SAFE	65536		/* measured: swap over NFS passes (docs/nfs-swap-sizes.md) */
#define PROV_CALL_S	10		/* provisioner_timeout's default: one call */
#define PROV_SLACK_MS	10000		/* ALLOCATE's deadline by size: this, plus
					   the file at the policy's alloc_rate */
#define SERVERS_MAX	32		/* entries in servers */

struct agent_conf {
	char		file[PATH_MAXLEN + 1];	/* read from; "" = defaults only */
	char		server[HOST_MAXLEN + 1];
	char		export_path[PATH_MAXLEN + 1];	/* may hold %h, %i */
	char		mount_point[PATH_MAXLEN + 1];
	char		provisioner[HOST_MAXLEN + 1];	/* "nfswap serve" host */
	uint32_t	provisioner_port;	/* 0: ask its rpcbind */
	uint32_t	provisioner_timeout;	/* s: one call, connect to answer */
	uint32_t	allocate_timeout;	/* s: one ALLOCATE; 0: by size */
	struct host	servers[SERVERS_MAX];	/* LOOKUP may name these */
	unsigned	nservers;
	unsigned	vers_major, vers_minor;	/* 3.0, or 4.0 / 4.1 / 4.2 */
	uint32_t	port, mountport;	/* 0: ask rpcbind */
	uint32_t	rsize, wsize;
	uint32_t	min_swap_wsize;		/* 0: no floor; AUTO: by kernel */
	int		literal_wsize;		/* never raise rsize/wsize */
	uint32_t	timeo;			/* tenths of a second */
	int		hard, nolock;
	char		proto[8];
	char		options[512];		/* appended as given */
	uint32_t	block_size;		/* bytes per write when filling */
	uint64_t	min_free;		/* vm.min_free_kbytes at least (bytes) */
	int		priority;		/* swapon priority; -1: the kernel's */
	uint32_t	poll_ms;
	char		status_file[PATH_MAXLEN + 1];
	char		metrics_file[PATH_MAXLEN + 1];	/* "": none */
	struct policy_config policy;
};

/* conf.c */
void	agent_conf_defaults(struct agent_conf *);
void	agent_conf_reload(struct agent_conf *, const struct agent_conf *new);
int	agent_conf_load(struct agent_conf *, const char *path, int must_exist,
	    struct diag *);
int	agent_conf_parse(struct agent_conf *, const char *text,
	    const char *name, struct diag *);
int	agent_cmdline(const char *cmdline, char *server, size_t slen,
	    char *path, size_t plen);
int	agent_expand(const char *tmpl, const char *host, const char *ipv4,
	    char *out, size_t len, struct diag *);
struct prov_export;
int	agent_lookup_check(const struct agent_conf *, const struct prov_export *,
	    char *server, size_t slen, struct diag *);
uint64_t agent_alloc_limit_ms(const struct agent_conf *, uint64_t size);

/* swapfile.c */
struct swapfile_check {
	int		ok;			/* reinstatable */
	int		needs_mkswap;		/* zeros where the header was */
	const char	*why;			/* when not ok */
};
int	swapfile_name(const char *base, unsigned *seq);
int	swapfile_partial(const char *base, unsigned *seq);
int	swapfile_allocating(const char *base, unsigned *seq);
int	swapfile_partials(int dirfd, uid_t owner, int allocating,
	    void (*said)(void *ctx, const char *name, int err, int refused),
	    void *ctx);
int	swapfile_create(int dirfd, const char *name, uint64_t size,
	    uint32_t block, uint64_t *written, volatile int *stop);
int	swapfile_mkswap(int dirfd, const char *name, uint64_t size);
int	swapfile_check(int dirfd, const char *name, uid_t owner,
	    struct swapfile_check *);
int	swapfile_on(int dirfd, const char *name, uid_t owner, int priority);
int	swapfile_off(int dirfd, const char *name, uid_t owner);
int	swapfile_unlink(int dirfd, const char *name, uid_t owner);
int	swapfile_allocated(int dirfd, const char *name, uint64_t size,
	    uid_t owner);

/* kmsg.c */
#define KMSG_WRITE	1	/* a swap write failed: the page stays dirty */
#define KMSG_READ	2	/* a swap read failed: the page is lost */

struct kmsg_seen {		/* swap errors since the counts were cleared */
	unsigned	writes, reads;
	char		write_line[200], read_line[200];	/* the first */
};

int	kmsg_swap_error(const char *line, size_t len);
int	kmsg_open(const char *path);
int	kmsg_poll(int fd, struct kmsg_seen *seen);

/* provision.c -- the client of "nfswap serve" (common/nfswap_prot.x) */
struct prov {
	char		addr[HOST_MAXLEN + 1];	/* IPv4 */
	unsigned	port;			/* 0: ask its rpcbind */
	unsigned	call_ms;		/* one call: connect, ask, answer */
	volatile int	*stop;			/* set: give up at once (-EINTR) */
};
/* LOOKUP's answer as it came, checked by agent_lookup_check() before use;
 * its quota, anon_uid and mount_options are not used by the agent. */
struct prov_export {
	char		client[NAME_MAXLEN + 1];
	char		path[PATH_MAXLEN + 1];
	char		server[HOST_MAXLEN + 1];	/* "": the provisioner */
	uint32_t	nfs_port, mount_port;		/* 0: not said */
	int		allocate;			/* ALLOCATE offered */
};
void	prov_init(struct prov *, const struct agent_conf *, volatile int *stop);
int	prov_lookup(const struct prov *, struct prov_export *);
int	prov_allocate(const struct prov *, const char *name, uint64_t size,
	    uint64_t limit_ms, int *last);
int	prov_release(const struct prov *, const char *name);

/* mount.c */
struct mount_opts {		/* computed once; the configuration is not written */
	char		server[HOST_MAXLEN + 1];	/* configured, or LOOKUP's */
	uint32_t	port, mountport;	/* configured, or LOOKUP's; 0: rpcbind */
	uint32_t	rsize, wsize;		/* configured, raised to floor */
	uint32_t	floor;			/* swap's on this kernel; 0: none */
};
uint32_t agent_swap_wsize_floor(const struct agent_conf *, const char *release);
void	agent_mount_opts_init(struct mount_opts *, const struct agent_conf *,
	    const char *release);
int	agent_mount_opts(const struct agent_conf *, const struct mount_opts *,
	    const char *addr, const char *clientaddr, char *buf, size_t len);
int	agent_resolve(const char *server, char *addr, size_t len);
int	agent_primary_ipv4(char *addr, size_t len);
int	agent_is_nfs_mounted(const char *mount_point);
int	agent_mount(const struct agent_conf *, const struct mount_opts *,
	    const char *path, char *opts, size_t olen, char *source,
	    size_t slen);

#endif
