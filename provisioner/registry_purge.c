/*
 * registry_purge.c -- a removed client's data on its way out (remove
 * --purge; struct purge in registry.h).  purging/NAME.UID in state_dir
 * names what is still to be deleted until it is; flock(2) on it marks the
 * process deleting it.  The deletion itself runs as the client, through
 * the store, with the registry's lock released; what a killed remove
 * left is finished by the next command that changes the registry.
 */
#include <sys/file.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "registry.h"

static void
purge_entry_path(const struct registry *reg, const struct purge *p,
    char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s.%" PRIu32, reg->purging, p->name, p->uid);
}

void
registry_purge_fill(struct purge *p, const char *name, uint32_t uid,
    uint32_t gid)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->uid = uid;
	p->gid = gid;
	snprintf(p->aside, sizeof(p->aside), PURGE_PREFIX "%s.%" PRIu32, name,
	    uid);
	p->fd = -1;
}

/* purging/NAME.UID: what is to be deleted, written (and locked, so no one
 * else starts on it) before the record goes. */
int
registry_purge_intent(struct registry *reg, struct purge *p, struct diag *d)
{
	char path[PATH_MAXLEN + 128];
	config_setting_t *root;
	config_t cf;
	int r;

	purge_entry_path(reg, p, path, sizeof(path));
	config_init(&cf);
	root = config_root_setting(&cf);
	if ((r = registry_put_str(root, "name", p->name)) == 0 &&
	    (r = registry_put_int(root, "uid", p->uid)) == 0 &&
	    (r = registry_put_int(root, "gid", p->gid)) == 0)
		r = registry_write_config(&cf, path, "# nfswap: a removed "
		    "client's data still to be deleted (remove --purge).\n");
	config_destroy(&cf);
	if (r < 0)
		return diag_sys(d, -r, "cannot write %s", path);
	if ((p->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 ||
	    flock(p->fd, LOCK_EX | LOCK_NB) < 0) {
		r = diag_sys(d, errno, "cannot lock %s", path);
		if (p->fd >= 0)
			close(p->fd);
		p->fd = -1;
		unlink(path);
		return r;
	}
	return 0;
}

/* Read purging/FILE; -EINVAL for anything that is not one of ours. */
static int
purge_read(struct registry *reg, const char *file, struct purge *p)
{
	char path[PATH_MAXLEN + 300], want[NAME_MAXLEN + 16];
	const char *name;
	long long uid, gid;
	config_t cf;
	int r = -EINVAL;

	snprintf(path, sizeof(path), "%s/%s", reg->purging, file);
	config_init(&cf);
	if (config_read_file(&cf, path) == CONFIG_TRUE &&
	    config_lookup_string(&cf, "name", &name) == CONFIG_TRUE &&
	    valid_name(name, NULL) == 0 &&
	    config_lookup_int64(&cf, "uid", &uid) == CONFIG_TRUE &&
	    config_lookup_int64(&cf, "gid", &gid) == CONFIG_TRUE &&
	    uid > 0 && uid < UINT32_MAX && gid > 0 && gid < UINT32_MAX) {
		registry_purge_fill(p, name, (uint32_t)uid, (uint32_t)gid);
		snprintf(want, sizeof(want), "%s.%lld", name, uid);
		r = strcmp(want, file) == 0 ? 0 : -EINVAL;
	}
	config_destroy(&cf);
	return r;
}

void
registry_purge_done(struct registry *reg, struct purge *p)
{
	char path[PATH_MAXLEN + 128];

	purge_entry_path(reg, p, path, sizeof(path));
	unlink(path);
	fsync_dir_of(path);
	registry_purge_release(p);
}

void
registry_purge_release(struct purge *p)
{
	if (p->fd >= 0)
		close(p->fd);	/* releases the flock */
	p->fd = -1;
}

/*
 * Each entry of purging/ that is ours, opened (p->fd), offered to take:
 * 1 keeps it in *out, 0 passes over it (take has released it), -1 stops
 * the walk with what is kept so far.  Those kept are returned whole or,
 * when memory runs out, released and none.
 */
static int
purges_walk(struct registry *reg, int (*take)(struct registry *,
    struct purge *, struct diag *), struct purge **out, size_t *n,
    struct diag *d)
{
	struct purge p, *v = NULL, *nv;
	char path[PATH_MAXLEN + 300];
	struct dirent *e;
	size_t cap = 0;
	DIR *dir;
	int r = 0;

	*out = NULL;
	*n = 0;
	if (reg->lockfd < 0)
		return 0;	/* unlocked already, or no registry yet */
	if ((dir = opendir(reg->purging)) == NULL)
		return errno == ENOENT ? 0 : diag_sys(d, errno, "%s",
		    reg->purging);
	while (r == 0 && (e = readdir(dir)) != NULL) {
		if (e->d_name[0] == '.' || purge_read(reg, e->d_name, &p) < 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", reg->purging, e->d_name);
		if ((p.fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			continue;
		if ((r = take(reg, &p, d)) <= 0) {
			r = r < 0;	/* stop */
			continue;
		}
		r = 0;
		if (*n == cap) {
			cap = cap ? cap * 2 : 4;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL) {
				registry_purge_release(&p);
				while (*n > 0)
					registry_purge_release(&v[--*n]);
				free(v);
				closedir(dir);
				return diag_sys(d, ENOMEM, "listing purges");
			}
			v = nv;
		}
		v[(*n)++] = p;
	}
	closedir(dir);
	*out = v;
	return 0;
}

/*
 * A purge that a killed remove --purge left, for registry_purges_pending:
 * locked, or passed over when another process is deleting it; its entry
 * dropped if the record is still there with that uid (the remove never
 * happened); its directory renamed aside now if the kill came before the
 * rename and it is still that client's, else dropped (nothing to delete).
 */
static int
take_pending(struct registry *reg, struct purge *p, struct diag *d)
{
	struct store_stat ss;
	struct client c;
	struct store *st;

	if (flock(p->fd, LOCK_EX | LOCK_NB) < 0) {
		registry_purge_release(p);	/* being done */
		return 0;
	}
	if (registry_read(reg, p->name, &c, d) == 0 && c.uid == p->uid) {
		registry_purge_done(reg, p);
		return 0;
	}
	if (registry_store(reg, &st, d) < 0) {
		registry_purge_release(p);
		return -1;
	}
	if (store_lstat(st, p->aside, &ss, 0) < 0 &&
	    (store_lstat(st, p->name, &ss, 0) < 0 || !ss.is_dir ||
	    ss.uid != p->uid || store_rename(st, p->name, p->aside) < 0)) {
		registry_purge_done(reg, p);
		return 0;
	}
	return 1;
}

/*
 * Purges that a killed remove --purge left (with the exclusive lock
 * held): each is checked (take_pending), locked, and returned for
 * registry_purge once the lock is released.  Ones another process is
 * deleting are skipped.
 */
int
registry_purges_pending(struct registry *reg, struct purge **out, size_t *n,
    struct diag *d)
{
	return purges_walk(reg, take_pending, out, n, d);
}

/*
 * Delete what p names -- with the registry's lock released (a tree the
 * client controls may take long to delete, and other commands and the
 * service's lookups must not wait for it), as the client -- and then its
 * entry.  On failure the entry stays, for audit to report and the next
 * command to try again.
 */
int
registry_purge(struct registry *reg, struct purge *p, struct diag *d)
{
	struct store *st;
	int r;

	if ((r = registry_store(reg, &st, d)) < 0 ||
	    (r = store_purge(st, p->aside, p->uid, p->gid, d)) < 0) {
		registry_purge_release(p);
		return r;
	}
	crashpoint("purge:before-entry");
	registry_purge_done(reg, p);
	return 0;
}

/* A purge listed for audit: busy when another process is deleting it. */
static int
take_listed(struct registry *reg, struct purge *p, struct diag *d)
{
	(void)reg;
	(void)d;
	p->busy = flock(p->fd, LOCK_SH | LOCK_NB) < 0;
	registry_purge_release(p);
	return 1;
}

/* Every purge not finished (audit): busy when another process is on it. */
int
registry_purges_list(struct registry *reg, struct purge **out, size_t *n,
    struct diag *d)
{
	return purges_walk(reg, take_listed, out, n, d);
}
