/*
 * config.c -- nfswap.conf, read with libconfig.
 *
 * Every error names its place as "file:line: text".  Unknown settings are
 * errors, not silently ignored, so a typo cannot turn a quota or an export
 * root back to its default.  No I/O beyond reading the one file.
 */
#include <errno.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "nfswap.h"

void
conf_defaults(struct nfswap_conf *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->export_root, sizeof(c->export_root), "/srv/nfswap");
	snprintf(c->state_dir, sizeof(c->state_dir), "/var/lib/nfswap");
	c->default_quota = 4ULL << 30;
	c->default_inodes = DEFAULT_INODES;
	c->uid_min = 3000000;
	c->uid_max = 3999999;
	c->export_id_min = 1000;
	c->export_id_max = 65535;
	c->quota_enforce = QUOTA_AUTO;
	snprintf(c->kernel_file, sizeof(c->kernel_file),
	    "/etc/exports.d/nfswap.exports");
	snprintf(c->sec, sizeof(c->sec), "sys");
	snprintf(c->ganesha_file, sizeof(c->ganesha_file),
	    "/etc/ganesha/nfswap.conf");
	snprintf(c->ganesha_pid_file, sizeof(c->ganesha_pid_file),
	    "/run/ganesha/ganesha.pid");
	c->backend = BACKEND_LOCAL;
	snprintf(c->cephfs.conf, sizeof(c->cephfs.conf), "/etc/ceph/ceph.conf");
	snprintf(c->cephfs.user, sizeof(c->cephfs.user), "nfswap");
	snprintf(c->cephfs.filesystem, sizeof(c->cephfs.filesystem), "cephfs");
	snprintf(c->cephfs.root, sizeof(c->cephfs.root), "/nfswap");
	snprintf(c->cephfs.ganesha_user, sizeof(c->cephfs.ganesha_user),
	    "ganesha");
	snprintf(c->serve.user, sizeof(c->serve.user), "_nfswap");
	snprintf(c->serve.chroot, sizeof(c->serve.chroot), "/run/nfswap/empty");
	c->serve.max_connections = 256;
	c->serve.connections_per_address = 8;
	c->serve.idle_timeout = 30;
}

static const struct cfg_key top_keys[] = {
	{ "export_root", CONFIG_TYPE_STRING },
	{ "state_dir", CONFIG_TYPE_STRING },
	{ "default_quota", CFG_SIZE },
	{ "default_inodes", CONFIG_TYPE_INT },
	{ "uid_min", CONFIG_TYPE_INT },
	{ "uid_max", CONFIG_TYPE_INT },
	{ "export_id_min", CONFIG_TYPE_INT },
	{ "export_id_max", CONFIG_TYPE_INT },
	{ "quota_enforce", CONFIG_TYPE_STRING },
	{ "sec", CONFIG_TYPE_STRING },
	{ "kernel", CONFIG_TYPE_GROUP },
	{ "ganesha", CONFIG_TYPE_GROUP },
	{ "backend", CONFIG_TYPE_STRING },
	{ "cephfs", CONFIG_TYPE_GROUP },
	{ "heads", CONFIG_TYPE_LIST },
	{ "serve", CONFIG_TYPE_GROUP },
	{ NULL, 0 }
};
static const struct cfg_key serve_keys[] = {
	{ "user", CONFIG_TYPE_STRING },
	{ "chroot", CONFIG_TYPE_STRING },
	{ "max_connections", CONFIG_TYPE_INT },
	{ "connections_per_address", CONFIG_TYPE_INT },
	{ "idle_timeout", CONFIG_TYPE_INT },
	{ NULL, 0 }
};
static const struct cfg_key cephfs_keys[] = {
	{ "conf", CONFIG_TYPE_STRING },
	{ "user", CONFIG_TYPE_STRING },
	{ "filesystem", CONFIG_TYPE_STRING },
	{ "root", CONFIG_TYPE_STRING },
	{ "ganesha_user", CONFIG_TYPE_STRING },
	{ NULL, 0 }
};
static const struct cfg_key head_keys[] = {
	{ "name", CONFIG_TYPE_STRING },
	{ "address", CONFIG_TYPE_STRING },
	{ "nfs_port", CONFIG_TYPE_INT },
	{ "mount_port", CONFIG_TYPE_INT },
	{ "exports_file", CONFIG_TYPE_STRING },
	{ "pid_file", CONFIG_TYPE_STRING },
	{ NULL, 0 }
};
static const struct cfg_key kernel_keys[] = {
	{ "exports_file", CONFIG_TYPE_STRING },
	{ "options", CONFIG_TYPE_STRING },
	{ "allow_insecure", CONFIG_TYPE_BOOL },
	{ NULL, 0 }
};
static const struct cfg_key ganesha_keys[] = {
	{ "exports_file", CONFIG_TYPE_STRING },
	{ "pseudo_root", CONFIG_TYPE_STRING },
	{ "pid_file", CONFIG_TYPE_STRING },
	{ NULL, 0 }
};

static int
load_cephfs(struct nfswap_conf *c, const config_setting_t *root,
    const char *file, struct diag *d)
{
	const config_setting_t *s, *g;
	const char *v;
	int r;

	if ((s = config_setting_get_member(root, "backend")) != NULL) {
		v = config_setting_get_string(s);
		if (strcmp(v, "local") == 0)
			c->backend = BACKEND_LOCAL;
		else if (strcmp(v, "cephfs") == 0)
			c->backend = BACKEND_CEPHFS;
		else
			return cfg_at(d, file, s, "backend must be \"local\" or "
			    "\"cephfs\", not \"%s\"", v);
	}
	if ((g = config_setting_get_member(root, "cephfs")) == NULL)
		return 0;
	if ((r = cfg_check_keys(g, cephfs_keys, file, d)) < 0 ||
	    (r = cfg_get_path(g, "conf", c->cephfs.conf,
	    sizeof(c->cephfs.conf), file, d)) < 0 ||
	    (r = cfg_get_name(g, "user", c->cephfs.user, sizeof(c->cephfs.user),
	    file, d)) < 0 ||
	    (r = cfg_get_name(g, "filesystem", c->cephfs.filesystem,
	    sizeof(c->cephfs.filesystem), file, d)) < 0 ||
	    (r = cfg_get_path(g, "root", c->cephfs.root,
	    sizeof(c->cephfs.root), file, d)) < 0 ||
	    (r = cfg_get_name(g, "ganesha_user", c->cephfs.ganesha_user,
	    sizeof(c->cephfs.ganesha_user), file, d)) < 0)
		return r;
	return 0;
}

/*
 * serve { user = "_nfswap"; chroot = "/run/nfswap/empty"; ... }: the
 * unprivileged side of "nfswap serve" (serve.c).  user is a name from the
 * password database or a number (uid, and the same gid); either way not
 * root, which serve_main checks again when it looks the name up.
 */
static int
load_serve(struct nfswap_conf *c, const config_setting_t *root,
    const char *file, struct diag *d)
{
	const config_setting_t *g = config_setting_get_member(root, "serve");
	const config_setting_t *s;
	const char *v;
	size_t i, n;
	int r;

	if (g == NULL)
		return 0;
	if ((r = cfg_check_keys(g, serve_keys, file, d)) < 0 ||
	    (r = cfg_get_path(g, "chroot", c->serve.chroot,
	    sizeof(c->serve.chroot), file, d)) < 0 ||
	    (r = cfg_get_u32(g, "max_connections", &c->serve.max_connections,
	    8, 65536, file, d)) < 0 ||
	    (r = cfg_get_u32(g, "connections_per_address",
	    &c->serve.connections_per_address, 1, 65536, file, d)) < 0 ||
	    (r = cfg_get_u32(g, "idle_timeout", &c->serve.idle_timeout, 1,
	    3600, file, d)) < 0)
		return r;
	if (c->serve.connections_per_address > c->serve.max_connections)
		return cfg_at(d, file, config_setting_get_member(g,
		    "connections_per_address"), "serve.connections_per_address "
		    "is above serve.max_connections");
	if ((s = config_setting_get_member(g, "user")) == NULL)
		return 0;
	v = config_setting_get_string(s);
	n = strlen(v);
	if (n == 0 || n >= sizeof(c->serve.user))
		return cfg_at(d, file, s, "serve.user: a user name or uid of at "
		    "most %zu characters", sizeof(c->serve.user) - 1);
	for (i = 0; i < n; i++)
		if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' &&
		    v[i] <= 'Z') || (v[i] >= '0' && v[i] <= '9') ||
		    v[i] == '_' || (i > 0 && (v[i] == '-' || v[i] == '.'))))
			return cfg_at(d, file, s, "serve.user: \"%s\" is not a "
			    "user name or uid", v);
	if (strcmp(v, "root") == 0 || strspn(v, "0") == n)
		return cfg_at(d, file, s, "serve.user: the network side must "
		    "not run as root");
	snprintf(c->serve.user, sizeof(c->serve.user), "%s", v);
	return 0;
}

/*
 * heads = ( { name = "h1"; address = "10.0.0.11"; ... }, ... ): each a
 * valid name, an address or DNS name clients can mount from, no name or
 * address twice.  A head's exports_file and pid_file default to the
 * ganesha group's, so they are read after it.
 */
static int
load_heads(struct nfswap_conf *c, const config_setting_t *root,
    const char *file, struct diag *d)
{
	const config_setting_t *list = config_setting_get_member(root, "heads");
	const config_setting_t *e, *s;
	unsigned i, k, n;
	const char *why;
	struct host h;
	int r;

	if (list == NULL)
		return 0;
	n = (unsigned)config_setting_length(list);
	if (n > HEADS_MAX)
		return cfg_at(d, file, list, "heads: at most %d heads", HEADS_MAX);
	for (i = 0; i < n; i++) {
		struct head *hd = &c->heads[i];

		e = config_setting_get_elem(list, i);
		if (config_setting_type(e) != CONFIG_TYPE_GROUP)
			return cfg_at(d, file, e, "heads: each head is a group "
			    "{ name = ...; address = ...; }");
		if ((r = cfg_check_keys(e, head_keys, file, d)) < 0)
			return r;
		if ((s = config_setting_get_member(e, "name")) == NULL)
			return cfg_at(d, file, e, "heads: a head needs a name");
		if (valid_name(config_setting_get_string(s), &why) < 0)
			return cfg_at(d, file, s, "head name: %s", why);
		snprintf(hd->name, sizeof(hd->name), "%s",
		    config_setting_get_string(s));
		if ((s = config_setting_get_member(e, "address")) == NULL)
			return cfg_at(d, file, e, "head %s needs an address",
			    hd->name);
		if (valid_host(config_setting_get_string(s), &h, &why) < 0)
			return cfg_at(d, file, s, "head %s: address: %s",
			    hd->name, why);
		if (h.kind == HOST_NET4 || h.kind == HOST_NET6)
			return cfg_at(d, file, s, "head %s: address must be one "
			    "address or DNS name, not a network", hd->name);
		snprintf(hd->address, sizeof(hd->address), "%s", h.canon);
		snprintf(hd->exports_file, sizeof(hd->exports_file), "%s",
		    c->ganesha_file);
		snprintf(hd->pid_file, sizeof(hd->pid_file), "%s",
		    c->ganesha_pid_file);
		if ((r = cfg_get_u32(e, "nfs_port", &hd->nfs_port, 0, 65535,
		    file, d)) < 0 ||
		    (r = cfg_get_u32(e, "mount_port", &hd->mount_port, 0, 65535,
		    file, d)) < 0 ||
		    (r = cfg_get_path(e, "exports_file", hd->exports_file,
		    sizeof(hd->exports_file), file, d)) < 0 ||
		    (r = cfg_get_path(e, "pid_file", hd->pid_file,
		    sizeof(hd->pid_file), file, d)) < 0)
			return r;
		for (k = 0; k < i; k++) {
			if (strcmp(c->heads[k].name, hd->name) == 0)
				return cfg_at(d, file, e, "head %s is listed "
				    "twice", hd->name);
			if (strcmp(c->heads[k].address, hd->address) == 0 &&
			    c->heads[k].nfs_port == hd->nfs_port)
				return cfg_at(d, file, e, "heads %s and %s have "
				    "the same address and port", c->heads[k].name,
				    hd->name);
		}
		c->nheads = i + 1;
	}
	return 0;
}

static int
load_settings(struct nfswap_conf *c, config_t *cf, const char *file,
    struct diag *d)
{
	const config_setting_t *root = config_root_setting(cf), *s, *g;
	const char *v, *why;
	int r;

	if ((r = cfg_check_keys(root, top_keys, file, d)) < 0 ||
	    (r = cfg_get_path(root, "export_root", c->export_root,
	    sizeof(c->export_root), file, d)) < 0 ||
	    (r = cfg_get_path(root, "state_dir", c->state_dir,
	    sizeof(c->state_dir), file, d)) < 0 ||
	    (r = cfg_get_u32(root, "uid_min", &c->uid_min, 1, 4294967294LL,
	    file, d)) < 0 ||
	    (r = cfg_get_u32(root, "uid_max", &c->uid_max, 1, 4294967294LL,
	    file, d)) < 0 ||
	    (r = cfg_get_u32(root, "export_id_min", &c->export_id_min, 1, 65535,
	    file, d)) < 0 ||
	    (r = cfg_get_u32(root, "export_id_max", &c->export_id_max, 1, 65535,
	    file, d)) < 0)
		return r;
	if ((r = cfg_get_size(root, "default_quota", &c->default_quota, file,
	    d)) < 0)
		return r;
	if ((s = config_setting_get_member(root, "default_quota")) != NULL &&
	    c->default_quota == 0)
		return cfg_at(d, file, s, "default_quota must be positive");
	{
		uint32_t inodes = (uint32_t)c->default_inodes;

		if ((r = cfg_get_u32(root, "default_inodes", &inodes, 1,
		    (long long)INODES_MAX, file, d)) < 0)
			return r;
		c->default_inodes = inodes;
	}
	if ((s = config_setting_get_member(root, "quota_enforce")) != NULL) {
		v = config_setting_get_string(s);
		if (strcmp(v, "auto") == 0)
			c->quota_enforce = QUOTA_AUTO;
		else if (strcmp(v, "project") == 0)
			c->quota_enforce = QUOTA_PROJECT;
		else if (strcmp(v, "none") == 0)
			c->quota_enforce = QUOTA_NONE;
		else
			return cfg_at(d, file, s, "quota_enforce must be \"auto\", "
			    "\"project\" or \"none\", not \"%s\"", v);
	}
	if (c->uid_min > c->uid_max)
		return cfg_at(d, file, (s = config_setting_get_member(root,
		    "uid_max")) ? s : config_setting_get_member(root, "uid_min"),
		    "uid_min is above uid_max");
	if (c->export_id_min > c->export_id_max)
		return cfg_at(d, file, (s = config_setting_get_member(root,
		    "export_id_max")) ? s : config_setting_get_member(root,
		    "export_id_min"), "export_id_min is above export_id_max");

	if ((g = config_setting_get_member(root, "kernel")) != NULL) {
		if ((r = cfg_check_keys(g, kernel_keys, file, d)) < 0 ||
		    (r = cfg_get_path(g, "exports_file", c->kernel_file,
		    sizeof(c->kernel_file), file, d)) < 0)
			return r;
		/* "insecure" opens every client's swap to the users of its
		 * host: refused unless forced, and then warned about at each
		 * rendering (main.c). */
		cfg_get_bool(g, "allow_insecure", &c->kernel_allow_insecure);
		if ((s = config_setting_get_member(g, "options")) != NULL) {
			v = config_setting_get_string(s);
			if (exports_check_kernel_options(v,
			    c->kernel_allow_insecure, &why) < 0)
				return cfg_at(d, file, s, "kernel.options: %s", why);
			if (strlen(v) >= sizeof(c->kernel_options))
				return cfg_at(d, file, s, "kernel.options: too long");
			snprintf(c->kernel_options, sizeof(c->kernel_options),
			    "%s", v);
			c->kernel_options_line = config_setting_source_line(s);
		}
	}
	if ((s = config_setting_get_member(root, "sec")) != NULL) {
		v = config_setting_get_string(s);
		if (exports_check_sec(v, &why) < 0)
			return cfg_at(d, file, s, "sec: %s", why);
		if (*v == '\0' || strlen(v) >= sizeof(c->sec))
			return cfg_at(d, file, s, "sec: one flavor or more (sys, "
			    "krb5, krb5i, krb5p) separated by ':'");
		snprintf(c->sec, sizeof(c->sec), "%s", v);
	}
	if ((g = config_setting_get_member(root, "ganesha")) != NULL) {
		if ((r = cfg_check_keys(g, ganesha_keys, file, d)) < 0 ||
		    (r = cfg_get_path(g, "exports_file", c->ganesha_file,
		    sizeof(c->ganesha_file), file, d)) < 0 ||
		    (r = cfg_get_path(g, "pseudo_root", c->ganesha_pseudo_root,
		    sizeof(c->ganesha_pseudo_root), file, d)) < 0 ||
		    (r = cfg_get_path(g, "pid_file", c->ganesha_pid_file,
		    sizeof(c->ganesha_pid_file), file, d)) < 0)
			return r;
	}
	if ((r = load_cephfs(c, root, file, d)) < 0 ||
	    (r = load_heads(c, root, file, d)) < 0 ||
	    (r = load_serve(c, root, file, d)) < 0)
		return r;
	return 0;
}

const struct head *
conf_head(const struct nfswap_conf *c, const char *name)
{
	unsigned i;

	for (i = 0; i < c->nheads; i++)
		if (strcmp(c->heads[i].name, name) == 0)
			return &c->heads[i];
	return NULL;
}

/* Where client directories are, as the NFS server's exports name them. */
const char *
conf_dir_root(const struct nfswap_conf *c)
{
	return c->backend == BACKEND_CEPHFS ? c->cephfs.root : c->export_root;
}

/* Ganesha's pseudo root follows the directories' root unless set. */
static void
default_pseudo_root(struct nfswap_conf *c)
{
	if (c->ganesha_pseudo_root[0] == '\0')
		snprintf(c->ganesha_pseudo_root, sizeof(c->ganesha_pseudo_root),
		    "%s", conf_dir_root(c));
}

/* Settings from text over the defaults, named name in messages (fuzzers). */
int
conf_parse(struct nfswap_conf *c, const char *text, const char *name,
    struct diag *d)
{
	config_t cf;
	int r;

	conf_defaults(c);
	config_init(&cf);
	if ((r = cfg_read_text(&cf, text, name, d)) == 0)
		r = load_settings(c, &cf, name, d);
	default_pseudo_root(c);
	config_destroy(&cf);
	return r;
}

/*
 * Load path over the built-in defaults.  A missing file is an error only
 * when must_exist (the user named it); the default path may be absent.
 */
int
conf_load(struct nfswap_conf *c, const char *path, int must_exist,
    struct diag *d)
{
	config_t cf;
	int r = 0;

	conf_defaults(c);
	config_init(&cf);
	if ((r = cfg_read(&cf, path, must_exist, d)) != 0) {
		if (r > 0)
			r = 0;		/* the default file is absent: defaults */
		goto done;
	}
	snprintf(c->file, sizeof(c->file), "%s", path);
	r = load_settings(c, &cf, path, d);
done:
	default_pseudo_root(c);
	config_destroy(&cf);
	return r;
}
