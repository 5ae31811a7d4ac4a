/*
 * exports.h -- the pure renderers that turn clients into server export
 * configuration.  A lower layer than the registry: they take what they
 * render (struct exports_client, filled by the caller) and know nothing
 * of where it is kept.
 */
#ifndef NFSWAP_EXPORTS_H
#define NFSWAP_EXPORTS_H

#include <stdint.h>

#include "common.h"

/* What one client's export is made of: its name, its host and the
 * anonymous ids every user of that host is squashed to. */
struct exports_client {
	char		name[NAME_MAXLEN + 1];
	char		host[HOST_MAXLEN + 1];	/* canonical (valid_host) */
	uint32_t	uid, gid;		/* anonymous ids of its export */
	uint32_t	export_id;		/* Ganesha Export_Id, 1..65535 */
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
	    struct diag *);
int	exports_kernel_insecure(const char *);
int	exports_check_sec(const char *, struct diag *);
int	exports_check_client(const struct exports_client *, struct diag *);
int	exports_render(enum exports_format, const struct exports_client *,
	    size_t, const struct exports_opts *, struct strbuf *,
	    struct diag *);

#endif
