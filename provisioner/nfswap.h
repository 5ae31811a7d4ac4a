/*
 * nfswap.h -- the server-side admin program: configuration, registry,
 * client directories and audit.  Prototypes by source file.
 */
#ifndef NFSWAP_NFSWAP_H
#define NFSWAP_NFSWAP_H

#include <stdint.h>

#include "common.h"
#include "exports.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define NFSWAP_CONF_DEFAULT SYSCONFDIR "/nfswap/nfswap.conf"

enum quota_mode { QUOTA_AUTO, QUOTA_PROJECT, QUOTA_NONE };

struct nfswap_conf {
	char		file[PATH_MAXLEN + 1];	/* "" when built-in defaults */
	char		export_root[PATH_MAXLEN + 1];
	char		state_dir[PATH_MAXLEN + 1];
	uint64_t	default_quota;
	uint32_t	uid_min, uid_max;
	uint32_t	export_id_min, export_id_max;
	enum quota_mode	quota_enforce;
	char		kernel_file[PATH_MAXLEN + 1];
	char		kernel_options[256];
	char		ganesha_file[PATH_MAXLEN + 1];
	char		ganesha_pseudo_root[PATH_MAXLEN + 1];
	char		ganesha_pid_file[PATH_MAXLEN + 1];
};

/* config.c */
void	conf_defaults(struct nfswap_conf *);
int	conf_load(struct nfswap_conf *, const char *path, int must_exist,
	    struct diag *);
int	conf_parse(struct nfswap_conf *, const char *text, const char *name,
	    struct diag *);

/* registry.c */
struct registry {
	const struct nfswap_conf *conf;
	int	lockfd;
	int	exclusive;
	char	clients[PATH_MAXLEN + 16];
	char	hosts[PATH_MAXLEN + 16];
	char	nets[PATH_MAXLEN + 16];
	char	counters[PATH_MAXLEN + 16];
	char	warning[2048];	/* non-fatal news for the user, or "" */
};
int	registry_open(struct registry *, const struct nfswap_conf *,
	    int exclusive, struct diag *);
void	registry_close(struct registry *);
int	registry_parse_record(const char *text, const char *name,
	    struct client *, struct diag *);
int	registry_get(struct registry *, const char *name, struct client *,
	    struct diag *);
int	registry_list(struct registry *, struct client **, size_t *,
	    struct diag *);
int	registry_add(struct registry *, const char *name, const char *host,
	    uint64_t quota, struct client *, struct diag *);
int	registry_remove(struct registry *, const char *name, int purge,
	    struct diag *);
int	registry_set_quota(struct registry *, const char *name, uint64_t,
	    struct diag *);
int	registry_index_key(const struct host *, char *, size_t);
const char *registry_index_dir(const struct registry *, const struct host *);
const char *registry_client_index(const struct registry *,
	    const struct client *, char *key, size_t);
int	registry_host_owner(struct registry *, const char *dir,
	    const char *key, char *name, size_t, struct diag *);

/* clientdir.c -- the per-client directory under export_root */
struct dir_usage {
	uint64_t	bytes;		/* allocated, st_blocks * 512 */
	uint64_t	files;
	uint64_t	foreign;	/* entries not owned by the client */
	char		first_foreign[PATH_MAXLEN + 1];
};
int	clientdir_path(const struct nfswap_conf *, const char *name, char *,
	    size_t);
int	clientdir_create(const struct nfswap_conf *, const struct client *,
	    int *created, struct diag *);
int	clientdir_set_quota(const char *dir, uint32_t projid, uint64_t bytes);
int	clientdir_purge(const char *dir, struct diag *);
int	clientdir_usage(const char *dir, uint32_t uid, struct dir_usage *);

/* serve.c -- "nfswap serve", the provisioning service */
int	serve_main(const struct nfswap_conf *, int argc, char **argv);

/* audit.c */
int	audit_run(struct registry *, int json, struct strbuf *, int *problems,
	    struct diag *);

#endif
