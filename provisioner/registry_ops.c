/*
 * registry_ops.c -- what changes a client: add (ids, directory, limits,
 * indexes, placement, then the record), remove (the record first, then
 * its indexes; with --purge its data set aside for registry_purge.c), and
 * new limits.  Each writes in the order registry.c's opening comment
 * gives, so that a crash at any step leaves nothing that matters.
 */
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <libconfig.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "registry.h"

/* ---- id allocation ------------------------------------------------- */

struct counters {
	long long	next_uid, next_export_id;
};

static int
read_counters(struct registry *reg, struct counters *k, struct diag *d)
{
	config_t cf;
	long long v;
	int r = 0;

	k->next_uid = reg->conf->uid_min;
	k->next_export_id = reg->conf->export_id_min;
	config_init(&cf);
	if (config_read_file(&cf, reg->counters) == CONFIG_FALSE) {
		if (config_error_type(&cf) != CONFIG_ERR_FILE_IO || errno != ENOENT)
			r = diag_sys(d, EINVAL, "%s:%d: corrupt counters: %s",
			    reg->counters, config_error_line(&cf),
			    config_error_text(&cf) ? config_error_text(&cf) :
			    "cannot read");
		config_destroy(&cf);
		return r;
	}
	if (config_lookup_int64(&cf, "next_uid", &v) == CONFIG_TRUE)
		k->next_uid = v;
	if (config_lookup_int64(&cf, "next_export_id", &v) == CONFIG_TRUE)
		k->next_export_id = v;
	config_destroy(&cf);
	return 0;
}

static int
write_counters(struct registry *reg, const struct counters *k)
{
	config_setting_t *root;
	config_t cf;
	int r;

	config_init(&cf);
	root = config_root_setting(&cf);
	if ((r = registry_put_int(root, "next_uid", k->next_uid)) == 0 &&
	    (r = registry_put_int(root, "next_export_id",
	    k->next_export_id)) == 0)
		r = registry_write_config(&cf, reg->counters, "# nfswap: the "
		    "next ids to hand out; ids are never reused while a client "
		    "holds them.\n");
	config_destroy(&cf);
	return r;
}

static int
in_use(const struct client *v, size_t n, long long id, int want_uid)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((want_uid ? (long long)v[i].uid : (long long)v[i].export_id) == id ||
		    (want_uid && (long long)v[i].gid == id))
			return 1;
	return 0;
}

/* The owners (uid and gid) of what is directly under the directories'
 * root: client directories, kept ones, ones being purged. */
struct owners {
	struct store	*st;
	uint32_t	*v;
	size_t		 n, cap;
	int		 err;
};

static void
owner_of(void *arg, const char *name)
{
	struct owners *o = arg;
	struct store_stat ss;
	uint32_t *nv;

	if (o->err || store_lstat(o->st, name, &ss, 0) < 0)
		return;
	if (o->n + 2 > o->cap) {
		o->cap = o->cap ? o->cap * 2 : 64;
		if ((nv = realloc(o->v, o->cap * sizeof(*nv))) == NULL) {
			o->err = ENOMEM;
			return;
		}
		o->v = nv;
	}
	o->v[o->n++] = ss.uid;
	o->v[o->n++] = ss.gid;
}

static int
owns_data(const struct owners *o, long long id)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		if ((long long)o->v[i] == id)
			return 1;
	return 0;
}

/*
 * The next free id in [lo, hi], starting at *next and going up.  Counters
 * only grow, so a removed client's id is not handed out again until the
 * range is exhausted; then the range is searched once more from lo,
 * skipping ids that clients hold (that needs every record: rare) and uids
 * that own anything under the directories' root -- the data of a client
 * removed without --purge, or one still being purged: a new client with
 * that uid could read it (through a guessed file handle, or as its
 * project quota's owner).  Uids that name a local user or group are
 * skipped too.
 */
static int
allocate(struct registry *reg, long long *next, long long lo, long long hi,
    int want_uid, uint32_t *out, struct diag *d)
{
	struct owners own = { NULL, NULL, 0, 0, 0 };
	struct client *v = NULL;
	size_t n = 0;
	long long id = *next < lo ? lo : *next;
	int wrapped = 0, r, kept = 0;

	for (;;) {
		if (id > hi) {
			if (wrapped) {
				free(v);
				free(own.v);
				return diag_sys(d, ENOSPC, "no free %s left in "
				    "%lld-%lld%s", want_uid ? "uid" : "export id",
				    lo, hi, kept ? " (uids that own a removed "
				    "client's kept data are not handed out again: "
				    "delete the kept directories nfswap audit names, "
				    "if they are not needed)" : "");
			}
			if ((r = registry_list(reg, &v, &n, d)) < 0)
				return r;
			if (want_uid) {
				if ((r = registry_store(reg, &own.st, d)) < 0) {
					free(v);
					return r;
				}
				r = store_list(own.st, owner_of, &own);
				if ((r < 0 && r != -ENOENT) || own.err) {
					free(v);
					free(own.v);
					return diag_sys(d, r < 0 ? -r : own.err,
					    "cannot read the owners in %s",
					    conf_dir_root(reg->conf));
				}
			}
			wrapped = 1;
			id = lo;
		}
		if (wrapped && want_uid && owns_data(&own, id) &&
		    !in_use(v, n, id, want_uid)) {
			kept++;
			id++;
			continue;
		}
		if ((!wrapped || !in_use(v, n, id, want_uid)) &&
		    (!want_uid || (getpwuid((uid_t)id) == NULL &&
		    getgrgid((gid_t)id) == NULL)))
			break;
		id++;
	}
	free(v);
	free(own.v);
	*out = (uint32_t)id;
	*next = id + 1;
	return 0;
}

/* ---- operations ---------------------------------------------------- */

/*
 * Set the limits of a client's directory (c->quota bytes, c->inodes
 * inodes) as quota_enforce says: "none" leaves them alone, "project"
 * turns a failure into an error, "auto" into a warning that they are only
 * recorded.
 */
static int
apply_quota(struct registry *reg, const struct client *c, struct diag *d)
{
	char where[PATH_MAXLEN + 160];
	struct store *st;
	int r;

	if (reg->conf->quota_enforce == QUOTA_NONE)
		return 0;
	if ((r = registry_store(reg, &st, d)) < 0)
		return r;
	if ((r = store_set_quota(st, c->name, c->uid, c->quota,
	    c->inodes)) == 0)
		return 0;
	store_where(reg->conf, c->name, where, sizeof(where));
	/* CephFS always has its quotas: failing to set one is an error. */
	if (reg->conf->backend == BACKEND_CEPHFS)
		return diag_sys(d, -r, "cannot set ceph.quota.max_bytes and "
		    "max_files on %s (does client.%s have the 'p' flag in its "
		    "MDS caps?)", where, reg->conf->cephfs.user);
	if (reg->conf->quota_enforce == QUOTA_PROJECT)
		return diag_sys(d, -r, "cannot set a project quota on %s (is the "
		    "filesystem mounted with prjquota?)", where);
	snprintf(reg->warning, sizeof(reg->warning), "quota of \"%s\" "
	    "recorded but not enforced: no project quota on %s (%s)",
	    c->name, reg->conf->export_root, strerror(-r));
	return 0;
}

static int
check_limits(uint64_t quota, uint64_t inodes, struct diag *d)
{
	if (quota > INT64_MAX)
		return diag_input(d, ERANGE, "quota is too large");
	if (inodes > INODES_MAX)
		return diag_input(d, ERANGE, "inode limit is too large (at most "
		    "%llu)", INODES_MAX);
	return 0;
}

/*
 * Whether client name may be added with host hostarg: valid, new, and
 * hosts free.  h gets the host; addrs and *naddrs what a DNS name
 * resolves to now (each must be free as if it were added itself; they
 * are kept, in the record and resolved/, so that later clients'
 * addresses are checked against them).  A name that does not resolve now
 * is added all the same (DNS may come later), with a warning; audit
 * checks it again.
 */
static int
check_new(struct registry *reg, const char *name, const char *hostarg,
    uint64_t quota, uint64_t inodes, struct host *h, struct host *addrs,
    int *naddrs, struct diag *d)
{
	struct diag why;
	struct client c;
	int r, i;

	*naddrs = 0;
	if (valid_name(name, &why) < 0)
		return diag_input(d, EINVAL, "invalid client name \"%s\": %s",
		    name, why.msg);
	if (valid_host(hostarg, h, &why) < 0)
		return diag_input(d, EINVAL, "invalid host \"%s\": %s", hostarg,
		    why.msg);
	if (quota == 0)
		return diag_input(d, EINVAL, "quota must be positive");
	if (inodes == 0)
		return diag_input(d, EINVAL, "the inode limit must be positive");
	if ((r = check_limits(quota, inodes, d)) < 0)
		return r;

	r = registry_read(reg, name, &c, d);
	if (r == 0)
		return diag_input(d, EEXIST, "client \"%s\" already exists", name);
	if (r != -ENOENT)
		return r;
	if ((r = registry_host_free(reg, h, NULL, d)) < 0)
		return r;
	if (h->kind != HOST_DNS)
		return 0;
	*naddrs = registry_resolve(h->canon, addrs, CLIENT_ADDRS_MAX);
	if (*naddrs < 0) {
		snprintf(reg->warning, sizeof(reg->warning), "host %s does not "
		    "resolve now (%s): it could not be checked against other "
		    "clients' addresses; nfswap audit checks it again", h->canon,
		    *naddrs == -ENOENT ? "no such name" :
		    "the resolver did not answer");
		*naddrs = 0;
	}
	for (i = 0; i < *naddrs; i++)
		if ((r = registry_host_free(reg, &addrs[i], h->canon, d)) < 0)
			return r;
	return 0;
}

/*
 * Write what makes client c, in the order that makes a crash harmless:
 * its directory and limits, its host's index entries, its placement, the
 * counters, and last its record (the commit point).  On failure, what was
 * done is undone.
 */
static int
write_new(struct registry *reg, struct store *st, const struct client *c,
    const struct counters *k, struct diag *d)
{
	int created = 0, r;

	crashpoint("add:before-dir");
	if ((r = store_create(st, c->name, c->uid, c->gid, &created, d)) < 0)
		return r;
	if ((r = apply_quota(reg, c, d)) < 0)
		goto undo_dir;

	crashpoint("add:before-index");
	if ((r = registry_index_host(reg, c, 1)) < 0) {
		diag_sys(d, -r, "cannot index host %s", c->host);
		goto undo_dir;
	}
	if ((r = registry_index_addrs(reg, c, 1)) < 0) {
		diag_sys(d, -r, "cannot index the addresses of %s", c->host);
		goto undo_index;
	}
	if (c->head[0] != '\0' && (r = registry_place(reg, c->head,
	    c->name)) < 0) {
		diag_sys(d, -r, "cannot place %s on head %s", c->name, c->head);
		goto undo_addrs;
	}
	crashpoint("add:before-counters");
	if ((r = write_counters(reg, k)) < 0) {
		diag_sys(d, -r, "cannot write %s", reg->counters);
		goto undo_head;
	}
	crashpoint("add:before-record");
	if ((r = registry_write(reg, c)) < 0) {
		diag_sys(d, -r, "cannot write the record of \"%s\"", c->name);
		goto undo_head;
	}
	return 0;

undo_head:
	registry_unplace(reg, c->head, c->name);
undo_addrs:
	registry_index_addrs(reg, c, 0);
undo_index:
	registry_index_host(reg, c, 0);
undo_dir:
	if (created)
		(void)store_purge(st, c->name, c->uid, c->gid,
		    &(struct diag){ 0 });
	return r;
}

int
registry_add(struct registry *reg, const char *name, const char *hostarg,
    uint64_t quota, uint64_t inodes, const char *head, struct client *out,
    struct diag *d)
{
	const struct nfswap_conf *conf = reg->conf;
	struct host h, addrs[CLIENT_ADDRS_MAX];
	struct counters k;
	struct client c;
	struct store *st;
	int r, i, naddrs;

	if ((r = check_new(reg, name, hostarg, quota, inodes, &h, addrs,
	    &naddrs, d)) < 0)
		return r;
	memset(&c, 0, sizeof(c));
	if ((r = registry_pick_head(reg, head, c.head, sizeof(c.head), d)) < 0)
		return r;
	snprintf(c.name, sizeof(c.name), "%s", name);
	snprintf(c.host, sizeof(c.host), "%s", h.canon);
	c.quota = quota;
	c.inodes = inodes;
	for (i = 0; i < naddrs; i++)
		snprintf(c.addrs[c.naddrs++], CLIENT_ADDR_LEN, "%s",
		    addrs[i].canon);
	c.created = (int64_t)time(NULL);
	if ((r = registry_store(reg, &st, d)) < 0)
		return r;
	if ((r = read_counters(reg, &k, d)) < 0 ||
	    (r = allocate(reg, &k.next_uid, conf->uid_min, conf->uid_max, 1,
	    &c.uid, d)) < 0 ||
	    (r = allocate(reg, &k.next_export_id, conf->export_id_min,
	    conf->export_id_max, 0, &c.export_id, d)) < 0)
		return r;
	c.gid = c.uid;
	if ((r = write_new(reg, st, &c, &k, d)) < 0)
		return r;
	registry_unplace_others(reg, c.head, name);
	crashpoint("add:done");
	if (out)
		*out = c;
	return 0;
}

/*
 * Remove client name: the record (the commit point), its index entries
 * and placement.  Without purge its directory is kept, and says so.  With
 * purge, the directory is renamed aside under the lock and p is filled:
 * the caller releases the lock (registry_unlock) and then deletes it with
 * registry_purge.  A SIGKILL anywhere leaves purging/NAME.UID, which
 * audit reports and the next command finishes.
 */
int
registry_remove(struct registry *reg, const char *name, int purge,
    struct purge *p, struct diag *d)
{
	char path[PATH_MAXLEN + 160];
	struct client c;
	struct store *st = NULL;
	int r;

	if (p != NULL)
		registry_purge_fill(p, "", 0, 0);
	if (purge && p == NULL)
		return diag_sys(d, EINVAL, "registry_remove: purge without a "
		    "purge to fill");
	if ((r = registry_get(reg, name, &c, d)) < 0)
		return r;
	/* Reach the storage before anything changes: a cluster that does
	 * not answer must not leave a half-removed client. */
	if (purge && (r = registry_store(reg, &st, d)) < 0)
		return r;
	if (purge) {
		registry_purge_fill(p, name, c.uid, c.gid);
		if ((r = registry_purge_intent(reg, p, d)) < 0)
			return r;
	}
	snprintf(path, sizeof(path), "%s/%s", reg->clients, name);
	crashpoint("remove:before-record");
	if (unlink(path) < 0) {
		r = diag_sys(d, errno, "cannot remove %s", path);
		if (purge)
			registry_purge_done(reg, p);
		return r;
	}
	if ((r = fsync_dir_of(path)) < 0)
		return diag_sys(d, -r, "cannot sync %s", reg->clients);
	crashpoint("remove:before-index");
	registry_index_host(reg, &c, 0);
	registry_index_addrs(reg, &c, 0);
	registry_unplace(reg, c.head, name);
	registry_unplace_others(reg, c.head, name);
	if (!purge) {
		snprintf(reg->warning, sizeof(reg->warning), "kept the data of "
		    "\"%s\" in %s, owned by uid %" PRIu32 " (use --purge to "
		    "delete it; that uid is not handed out again while it owns "
		    "it)", name, store_where(reg->conf, name, path, sizeof(path)),
		    c.uid);
		return 0;
	}
	crashpoint("remove:before-rename");
	r = store_rename(st, name, p->aside);
	if (r < 0 && r != -ENOENT) {
		/* the entry stays: the next command renames and deletes */
		registry_purge_release(p);
		return diag_sys(d, -r, "removed \"%s\", but cannot move %s "
		    "aside to delete it (the next nfswap command tries again)",
		    name, store_where(reg->conf, name, path, sizeof(path)));
	}
	crashpoint("remove:renamed");
	return 0;
}

int
registry_set_quota(struct registry *reg, const char *name, uint64_t quota,
    uint64_t inodes, struct diag *d)
{
	struct client c;
	int r;

	if (quota == 0 && inodes == 0)
		return diag_input(d, EINVAL, "a quota or an inode limit is "
		    "needed");
	if ((r = check_limits(quota, inodes, d)) < 0)
		return r;
	if ((r = registry_get(reg, name, &c, d)) < 0)
		return r;
	if (quota)
		c.quota = quota;
	if (inodes)
		c.inodes = inodes;
	if ((r = apply_quota(reg, &c, d)) < 0)
		return r;
	if ((r = registry_write(reg, &c)) < 0)
		return diag_sys(d, -r, "cannot write the record of \"%s\"", name);
	return 0;
}
