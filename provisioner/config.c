/*
 * config.c -- nfswap.conf, read with libconfig as the tables conf_rows[]
 * and conf_head_rows[] (common/cfg.c's engine: a setting is a row, its
 * special handling a callback beside it; what no one row can check, after).
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

#define XSTR(x)	STR(x)
#define STR(x)	#x
#define F(f)	CFG_FIELD(struct nfswap_conf, f)
#define H(f)	CFG_FIELD(struct head, f)
#define CONF(p)	((struct nfswap_conf *)(p))

static cfg_parse_fn check_quota, set_kernel_options, set_sec, load_heads,
    set_head_name, set_head_address, set_serve_user, check_serve;

static const char *const quota_names[] = { [QUOTA_AUTO] = "auto",
    [QUOTA_PROJECT] = "project", [QUOTA_NONE] = "none", NULL };
static const char *const backend_names[] = { [BACKEND_LOCAL] = "local",
    [BACKEND_CEPHFS] = "cephfs", NULL };

/*
 * nfswap.conf, one row per setting (cfg.h): group, name, kind, libconfig
 * type, field, limits, the default as nfswap.conf(5) gives it.  A head's
 * rows (conf_head_rows) are read into each struct head of the list.
 * tests/host/confdoc.sh checks docs/nfswap.conf.5 and the example against
 * these rows.
 */
const struct cfg_row conf_rows[] = {
	{ "", "export_root", CFG_PATH, CONFIG_TYPE_STRING, F(export_root), 0, 0,
	    "/srv/nfswap", NULL, NULL, 0 },
	{ "", "state_dir", CFG_PATH, CONFIG_TYPE_STRING, F(state_dir), 0, 0,
	    "/var/lib/nfswap", NULL, NULL, 0 },
	{ "", "uid_min", CFG_UINT, CONFIG_TYPE_INT, F(uid_min), 1, 4294967294LL,
	    "3000000", NULL, NULL, 0 },
	{ "", "uid_max", CFG_UINT, CONFIG_TYPE_INT, F(uid_max), 1, 4294967294LL,
	    "3999999", NULL, NULL, 0 },
	{ "", "export_id_min", CFG_UINT, CONFIG_TYPE_INT, F(export_id_min), 1,
	    65535, "1000", NULL, NULL, 0 },
	{ "", "export_id_max", CFG_UINT, CONFIG_TYPE_INT, F(export_id_max), 1,
	    65535, "65535", NULL, NULL, 0 },
	{ "", "default_quota", CFG_BYTES, CFG_SIZE, F(default_quota), 0, 0,
	    "4G", NULL, check_quota, 0 },
	{ "", "default_inodes", CFG_UINT, CONFIG_TYPE_INT, F(default_inodes), 1,
	    (long long)INODES_MAX, XSTR(DEFAULT_INODES), NULL, NULL, 0 },
	{ "", "quota_enforce", CFG_ENUM, CONFIG_TYPE_STRING, F(quota_enforce),
	    0, 0, "auto", quota_names, NULL, 0 },
	{ "", "kernel", CFG_GROUP, CONFIG_TYPE_GROUP, 0, 0, 0, 0, NULL, NULL,
	    NULL, 0 },
	{ "", "sec", CFG_CALL, CONFIG_TYPE_STRING, F(sec), 0, 0, "sys", NULL,
	    set_sec, 0 },
	{ "", "ganesha", CFG_GROUP, CONFIG_TYPE_GROUP, 0, 0, 0, 0, NULL, NULL,
	    NULL, 0 },
	{ "", "backend", CFG_ENUM, CONFIG_TYPE_STRING, F(backend), 0, 0,
	    "local", backend_names, NULL, 0 },
	{ "", "cephfs", CFG_GROUP, CONFIG_TYPE_GROUP, 0, 0, 0, 0, NULL, NULL,
	    NULL, 0 },
	{ "", "heads", CFG_CALL, CONFIG_TYPE_LIST, F(heads), 0, 0, NULL, NULL,
	    load_heads, 0 },
	{ "", "serve", CFG_GROUP, CONFIG_TYPE_GROUP, 0, 0, 0, 0, NULL, NULL,
	    check_serve, 0 },

	{ "kernel", "exports_file", CFG_PATH, CONFIG_TYPE_STRING,
	    F(kernel_file), 0, 0, "/etc/exports.d/nfswap.exports", NULL, NULL,
	    0 },
	/* before options, whose check it changes */
	{ "kernel", "allow_insecure", CFG_BOOL, CONFIG_TYPE_BOOL,
	    F(kernel_allow_insecure), 0, 0, "false", NULL, NULL, 0 },
	{ "kernel", "options", CFG_CALL, CONFIG_TYPE_STRING, F(kernel_options),
	    0, 0, "", NULL, set_kernel_options, 0 },

	{ "ganesha", "exports_file", CFG_PATH, CONFIG_TYPE_STRING,
	    F(ganesha_file), 0, 0, "/etc/ganesha/nfswap.conf", NULL, NULL, 0 },
	/* no default: export_root or cephfs.root (default_pseudo_root) */
	{ "ganesha", "pseudo_root", CFG_PATH, CONFIG_TYPE_STRING,
	    F(ganesha_pseudo_root), 0, 0, NULL, NULL, NULL, 0 },
	{ "ganesha", "pid_file", CFG_PATH, CONFIG_TYPE_STRING,
	    F(ganesha_pid_file), 0, 0, "/run/ganesha/ganesha.pid", NULL, NULL,
	    0 },

	{ "cephfs", "conf", CFG_PATH, CONFIG_TYPE_STRING, F(cephfs.conf), 0, 0,
	    "/etc/ceph/ceph.conf", NULL, NULL, 0 },
	{ "cephfs", "user", CFG_NAME, CONFIG_TYPE_STRING, F(cephfs.user), 0, 0,
	    "nfswap", NULL, NULL, 0 },
	{ "cephfs", "filesystem", CFG_NAME, CONFIG_TYPE_STRING,
	    F(cephfs.filesystem), 0, 0, "cephfs", NULL, NULL, 0 },
	{ "cephfs", "root", CFG_PATH, CONFIG_TYPE_STRING, F(cephfs.root), 0, 0,
	    "/nfswap", NULL, NULL, 0 },
	{ "cephfs", "ganesha_user", CFG_NAME, CONFIG_TYPE_STRING,
	    F(cephfs.ganesha_user), 0, 0, "ganesha", NULL, NULL, 0 },

	{ "serve", "user", CFG_CALL, CONFIG_TYPE_STRING, F(serve.user), 0, 0,
	    "_nfswap", NULL, set_serve_user, 0 },
	{ "serve", "chroot", CFG_PATH, CONFIG_TYPE_STRING, F(serve.chroot), 0,
	    0, "/run/nfswap/empty", NULL, NULL, 0 },
	{ "serve", "max_connections", CFG_UINT, CONFIG_TYPE_INT,
	    F(serve.max_connections), 8, 65536, "256", NULL, NULL, 0 },
	{ "serve", "connections_per_address", CFG_UINT, CONFIG_TYPE_INT,
	    F(serve.connections_per_address), 1, 65536, "8", NULL, NULL, 0 },
	{ "serve", "idle_timeout", CFG_UINT, CONFIG_TYPE_INT,
	    F(serve.idle_timeout), 1, 3600, "30", NULL, NULL, 0 },
	{ "serve", "stats_file", CFG_PATH, CONFIG_TYPE_STRING,
	    F(serve.stats_file), 0, 0, "/run/nfswap/serve.prom", NULL, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, 0, 0, 0, NULL, NULL, NULL, 0 }
};

/*
 * Each head's, into its struct head (load_heads); exports_file and
 * pid_file default to the ganesha group's.
 */
const struct cfg_row conf_head_rows[] = {
	{ "heads", "name", CFG_CALL, CONFIG_TYPE_STRING, H(name), 0, 0, NULL,
	    NULL, set_head_name, 0 },
	{ "heads", "address", CFG_CALL, CONFIG_TYPE_STRING, H(address), 0, 0,
	    NULL, NULL, set_head_address, 0 },
	{ "heads", "nfs_port", CFG_UINT, CONFIG_TYPE_INT, H(nfs_port), 0, 65535,
	    "0", NULL, NULL, 0 },
	{ "heads", "mount_port", CFG_UINT, CONFIG_TYPE_INT, H(mount_port), 0,
	    65535, "0", NULL, NULL, 0 },
	{ "heads", "exports_file", CFG_PATH, CONFIG_TYPE_STRING,
	    H(exports_file), 0, 0, NULL, NULL, NULL, 0 },
	{ "heads", "pid_file", CFG_PATH, CONFIG_TYPE_STRING, H(pid_file), 0, 0,
	    NULL, NULL, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, 0, 0, 0, NULL, NULL, NULL, 0 }
};

void
conf_defaults(struct nfswap_conf *c)
{
	memset(c, 0, sizeof(*c));
	cfg_defaults(conf_rows, c);
}

static int
check_quota(void *conf, const struct cfg_row *row, const char *text,
    const config_setting_t *s, const char *file, struct diag *d)
{
	(void)row, (void)text;
	if (CONF(conf)->default_quota == 0)
		return cfg_at(d, file, s, "default_quota must be positive");
	return 0;
}

/*
 * "insecure" opens every client's swap to the users of its host: refused
 * unless forced (allow_insecure, read before), and then warned about at
 * each rendering (main.c).
 */
static int
set_kernel_options(void *conf, const struct cfg_row *row, const char *v,
    const config_setting_t *s, const char *file, struct diag *d)
{
	struct nfswap_conf *c = conf;
	struct diag why;

	if (exports_check_kernel_options(v, c->kernel_allow_insecure,
	    &why) < 0)
		return cfg_at(d, file, s, "kernel.options: %s", why.msg);
	if (strlen(v) >= row->len)
		return cfg_at(d, file, s, "kernel.options: too long");
	snprintf(c->kernel_options, row->len, "%s", v);
	c->kernel_options_line = s ? config_setting_source_line(s) : 0;
	return 0;
}

static int
set_sec(void *conf, const struct cfg_row *row, const char *v,
    const config_setting_t *s, const char *file, struct diag *d)
{
	struct diag why;

	if (exports_check_sec(v, &why) < 0)
		return cfg_at(d, file, s, "sec: %s", why.msg);
	if (*v == '\0' || strlen(v) >= row->len)
		return cfg_at(d, file, s, "sec: one flavor or more (sys, "
		    "krb5, krb5i, krb5p) separated by ':'");
	snprintf(CONF(conf)->sec, row->len, "%s", v);
	return 0;
}

/*
 * serve { user = "_nfswap"; chroot = "/run/nfswap/empty"; ... }: the
 * unprivileged side of "nfswap serve" (serve_main.c).  user is a name from
 * the password database or a number (uid, and the same gid); either way not
 * root, which serve_main checks again when it looks the name up.
 */
static int
set_serve_user(void *conf, const struct cfg_row *row, const char *v,
    const config_setting_t *s, const char *file, struct diag *d)
{
	size_t i, n = strlen(v);

	if (n == 0 || n >= row->len)
		return cfg_at(d, file, s, "serve.user: a user name or uid of at "
		    "most %zu characters", row->len - 1);
	for (i = 0; i < n; i++)
		if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' &&
		    v[i] <= 'Z') || (v[i] >= '0' && v[i] <= '9') ||
		    v[i] == '_' || (i > 0 && (v[i] == '-' || v[i] == '.'))))
			return cfg_at(d, file, s, "serve.user: \"%s\" is not a "
			    "user name or uid", v);
	if (strcmp(v, "root") == 0 || strspn(v, "0") == n)
		return cfg_at(d, file, s, "serve.user: the network side must "
		    "not run as root");
	snprintf(CONF(conf)->serve.user, row->len, "%s", v);
	return 0;
}

static int
check_serve(void *conf, const struct cfg_row *row, const char *text,
    const config_setting_t *g, const char *file, struct diag *d)
{
	const struct serve_conf *sc = &CONF(conf)->serve;

	(void)row, (void)text;
	if (sc->connections_per_address > sc->max_connections)
		return cfg_at(d, file, config_setting_get_member(g,
		    "connections_per_address"), "serve.connections_per_address "
		    "is above serve.max_connections");
	return 0;
}

static int
set_head_name(void *conf, const struct cfg_row *row, const char *v,
    const config_setting_t *s, const char *file, struct diag *d)
{
	struct diag why;

	if (valid_name(v, &why) < 0)
		return cfg_at(d, file, s, "head name: %s", why.msg);
	snprintf(((struct head *)conf)->name, row->len, "%s", v);
	return 0;
}

static int
set_head_address(void *conf, const struct cfg_row *row, const char *v,
    const config_setting_t *s, const char *file, struct diag *d)
{
	struct head *hd = conf;
	struct diag why;
	struct host h;

	if (valid_host(v, &h, &why) < 0)
		return cfg_at(d, file, s, "head %s: address: %s", hd->name,
		    why.msg);
	if (h.kind == HOST_NET4 || h.kind == HOST_NET6)
		return cfg_at(d, file, s, "head %s: address must be one "
		    "address or DNS name, not a network", hd->name);
	snprintf(hd->address, row->len, "%s", h.canon);
	return 0;
}

/*
 * heads = ( { name = "h1"; address = "10.0.0.11"; ... }, ... ): each by
 * the "heads" rows, a name and an address required, no name or address
 * twice.  A head's exports_file and pid_file default to the ganesha
 * group's, which the table reads before.
 */
static int
load_heads(void *conf, const struct cfg_row *row, const char *text,
    const config_setting_t *list, const char *file, struct diag *d)
{
	struct nfswap_conf *c = conf;
	const config_setting_t *e;
	unsigned i, k, n = (unsigned)config_setting_length(list);
	int r;

	(void)row, (void)text;
	if (n > HEADS_MAX)
		return cfg_at(d, file, list, "heads: at most %d heads", HEADS_MAX);
	for (i = 0; i < n; i++) {
		struct head *hd = &c->heads[i];

		e = config_setting_get_elem(list, i);
		if (config_setting_type(e) != CONFIG_TYPE_GROUP)
			return cfg_at(d, file, e, "heads: each head is a group "
			    "{ name = ...; address = ...; }");
		if (config_setting_get_member(e, "name") == NULL)
			return cfg_at(d, file, e, "heads: a head needs a name");
		cfg_defaults(conf_head_rows, hd);
		snprintf(hd->exports_file, sizeof(hd->exports_file), "%s",
		    c->ganesha_file);
		snprintf(hd->pid_file, sizeof(hd->pid_file), "%s",
		    c->ganesha_pid_file);
		if ((r = cfg_load(conf_head_rows, "heads", hd, e, file, d)) < 0)
			return r;
		if (config_setting_get_member(e, "address") == NULL)
			return cfg_at(d, file, e, "head %s needs an address",
			    hd->name);
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

/* The table, then what no one row can check. */
static int
load_settings(struct nfswap_conf *c, config_t *cf, const char *file,
    struct diag *d)
{
	const config_setting_t *root = config_root_setting(cf), *s;
	int r;

	if ((r = cfg_load(conf_rows, "", c, root, file, d)) < 0)
		return r;
	if (c->uid_min > c->uid_max)
		return cfg_at(d, file, (s = config_setting_get_member(root,
		    "uid_max")) ? s : config_setting_get_member(root, "uid_min"),
		    "uid_min is above uid_max");
	if (c->export_id_min > c->export_id_max)
		return cfg_at(d, file, (s = config_setting_get_member(root,
		    "export_id_max")) ? s : config_setting_get_member(root,
		    "export_id_min"), "export_id_min is above export_id_max");
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
