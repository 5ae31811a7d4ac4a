/*
 * registry.c -- the list of provisioned clients, kept under state_dir:
 *
 *   .lock            flock(2): shared to read, exclusive to change
 *   clients/NAME     one libconfig record per client (the commit point)
 *   hosts/KEY        symlink -> NAME, for each single address or DNS name
 *   nets/KEY         symlink -> NAME, for each CIDR network
 *   counters         next uid and Export_Id to hand out (never reused)
 *   heads/HEAD/NAME  symlink -> NAME, for each client placed on HEAD
 *   resolved/KEY     symlink -> NAME, for each address a DNS-named client's
 *                    name had when it was added (overlap checks only)
 *   purging/NAME.UID a removed client's data still to be deleted
 *                    (remove --purge; flock(2)ed while it is being done)
 *
 * One file per client keeps an add O(1) however many clients exist; the
 * host indexes let a duplicate or overlapping host be refused without
 * reading every record, and the head directories count each head's
 * clients without reading them either.  Every file is replaced atomically
 * (fileio.c).
 * Order makes crashes harmless: add writes directory, index and counters
 * before the record, remove deletes the record first; an index entry whose
 * record is missing or names another host is stale and simply replaced.
 *
 * This file opens and locks the registry and reads and writes records and
 * index links; the indexes are registry_hosts.c's, placement on heads
 * registry_heads.c's, purges registry_purge.c's, and the operations that
 * change a client registry_ops.c's.  It calls none of them.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "registry.h"

/* Remove temporaries left by a writer that was killed (we hold the lock). */
static void
sweep_temporaries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t len;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		len = strlen(e->d_name);
		if (e->d_name[0] == '.' && len > 5 &&
		    strcmp(e->d_name + len - 4, ".tmp") == 0)
			unlinkat(dirfd(d), e->d_name, 0);
	}
	closedir(d);
}

int
registry_open(struct registry *reg, const struct nfswap_conf *conf,
    int exclusive, struct diag *d)
{
	char lock[PATH_MAXLEN + 16];
	int r;

	memset(reg, 0, sizeof(*reg));
	reg->conf = conf;
	reg->lockfd = -1;
	reg->exclusive = exclusive;
	snprintf(reg->clients, sizeof(reg->clients), "%s/clients", conf->state_dir);
	snprintf(reg->hosts, sizeof(reg->hosts), "%s/hosts", conf->state_dir);
	snprintf(reg->nets, sizeof(reg->nets), "%s/nets", conf->state_dir);
	snprintf(reg->counters, sizeof(reg->counters), "%s/counters",
	    conf->state_dir);
	snprintf(reg->heads, sizeof(reg->heads), "%s/heads", conf->state_dir);
	snprintf(reg->resolved, sizeof(reg->resolved), "%s/resolved",
	    conf->state_dir);
	snprintf(reg->purging, sizeof(reg->purging), "%s/purging",
	    conf->state_dir);
	snprintf(lock, sizeof(lock), "%s/.lock", conf->state_dir);

	if (exclusive) {
		if ((r = mkdir_p(conf->state_dir, 0700)) < 0)
			return diag_sys(d, -r, "cannot create %s", conf->state_dir);
		if ((mkdir(reg->clients, 0700) < 0 && errno != EEXIST) ||
		    (mkdir(reg->hosts, 0700) < 0 && errno != EEXIST) ||
		    (mkdir(reg->nets, 0700) < 0 && errno != EEXIST) ||
		    (mkdir(reg->resolved, 0700) < 0 && errno != EEXIST) ||
		    (mkdir(reg->purging, 0700) < 0 && errno != EEXIST))
			return diag_sys(d, errno, "cannot create the registry in %s",
			    conf->state_dir);
	}
	reg->lockfd = open(lock, (exclusive ? O_RDWR | O_CREAT : O_RDONLY) |
	    O_CLOEXEC, 0600);
	if (reg->lockfd < 0) {
		/* A registry nobody has written to yet is simply empty. */
		if (errno == ENOENT && !exclusive)
			return 0;
		return diag_sys(d, errno, "%s", lock);
	}
	while (flock(reg->lockfd, exclusive ? LOCK_EX : LOCK_SH) < 0)
		if (errno != EINTR) {
			r = diag_sys(d, errno, "cannot lock %s", lock);
			registry_close(reg);
			return r;
		}
	if (exclusive) {
		sweep_temporaries(reg->clients);
		sweep_temporaries(reg->hosts);
		sweep_temporaries(reg->nets);
		sweep_temporaries(reg->resolved);
		sweep_temporaries(reg->purging);
		sweep_temporaries(conf->state_dir);
	}
	return 0;
}

/* Let others at the registry again, keeping the store open (a purge
 * deletes with the lock released). */
void
registry_unlock(struct registry *reg)
{
	if (reg->lockfd >= 0)
		close(reg->lockfd);	/* releases the flock */
	reg->lockfd = -1;
}

void
registry_close(struct registry *reg)
{
	if (reg->store_open)
		store_close(&reg->store);
	reg->store_open = 0;
	if (reg->lockfd >= 0)
		close(reg->lockfd);	/* releases the flock */
	reg->lockfd = -1;
}

/* Where the client directories are: opened the first time it is needed
 * (on CephFS that is a connection to the cluster), kept until close. */
int
registry_store(struct registry *reg, struct store **st, struct diag *d)
{
	int r;

	if (!reg->store_open) {
		if ((r = store_open(&reg->store, reg->conf, d)) < 0)
			return r;
		reg->store_open = 1;
	}
	*st = &reg->store;
	return 0;
}

/* ---- records ------------------------------------------------------- */

static int
rec_int(const config_setting_t *root, const char *key, long long lo,
    long long hi, long long *out, const char *path, struct diag *d)
{
	const config_setting_t *s = config_setting_get_member(root, key);
	int t;

	if (s == NULL)
		return diag_sys(d, EINVAL, "%s: corrupt record: no \"%s\"",
		    path, key);
	t = config_setting_type(s);
	if ((t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64) ||
	    config_setting_get_int64(s) < lo || config_setting_get_int64(s) > hi)
		return diag_sys(d, EINVAL, "%s:%u: corrupt record: bad \"%s\"",
		    path, config_setting_source_line(s), key);
	*out = config_setting_get_int64(s);
	return 0;
}

static int
rec_str(const config_setting_t *root, const char *key, char *dst, size_t len,
    const char *path, struct diag *d)
{
	const config_setting_t *s = config_setting_get_member(root, key);
	const char *v;

	if (s == NULL || (v = config_setting_get_string(s)) == NULL ||
	    strlen(v) >= len)
		return diag_sys(d, EINVAL, "%s%s corrupt record: bad \"%s\"",
		    path, s ? "" : ":", key);
	snprintf(dst, len, "%s", v);
	return 0;
}

/* The heads a record names are names, and a client never leaves the
 * head it is on. */
static int
record_heads_ok(const struct client *c, struct diag *why)
{
	if ((c->head[0] != '\0' && valid_name(c->head, why) < 0) ||
	    (c->leaving[0] != '\0' && valid_name(c->leaving, why) < 0))
		return -EINVAL;
	if (c->leaving[0] != '\0' && strcmp(c->leaving, c->head) == 0)
		return diag_input(why, EINVAL, "leaving the head it is on");
	return 0;
}

/* A DNS-named client's addresses at its add: single addresses, each in
 * its canonical form. */
static int
record_addrs(const config_setting_t *s, const char *path, struct client *c,
    struct diag *d)
{
	const char *a;
	struct host h;
	int i, n = config_setting_length(s);

	if (config_setting_type(s) != CONFIG_TYPE_ARRAY ||
	    n > CLIENT_ADDRS_MAX)
		return diag_sys(d, EINVAL, "%s:%u: corrupt record: bad "
		    "\"addresses\"", path, config_setting_source_line(s));
	for (i = 0; i < n; i++) {
		if ((a = config_setting_get_string_elem(s, i)) == NULL ||
		    valid_host(a, &h, NULL) < 0 ||
		    (h.kind != HOST_IPV4 && h.kind != HOST_IPV6) ||
		    strlen(h.canon) >= CLIENT_ADDR_LEN)
			return diag_sys(d, EINVAL, "%s:%u: corrupt record: "
			    "bad address in \"addresses\"", path,
			    config_setting_source_line(s));
		snprintf(c->addrs[c->naddrs++], CLIENT_ADDR_LEN, "%s",
		    h.canon);
	}
	return 0;
}

/*
 * A record, read into cf from path, for client name: every field present,
 * in range, and a client the exports could render (a record that is not
 * is corrupt).
 */
static int
record_fields(const config_t *cf, const char *name, const char *path,
    uint64_t default_inodes, struct client *c, struct diag *d)
{
	const config_setting_t *root = config_root_setting(cf), *s;
	struct exports_client e;
	struct diag why;
	struct host h;
	long long v;
	int r;

	memset(c, 0, sizeof(*c));
	if ((r = rec_str(root, "name", c->name, sizeof(c->name), path, d)) < 0 ||
	    (r = rec_str(root, "host", c->host, sizeof(c->host), path, d)) < 0)
		return r;
	if ((r = rec_int(root, "quota", 1, INT64_MAX, &v, path, d)) < 0)
		return r;
	c->quota = (uint64_t)v;
	if ((r = rec_int(root, "uid", 1, UINT32_MAX - 1, &v, path, d)) < 0)
		return r;
	c->uid = (uint32_t)v;
	if ((r = rec_int(root, "gid", 1, UINT32_MAX - 1, &v, path, d)) < 0)
		return r;
	c->gid = (uint32_t)v;
	if ((r = rec_int(root, "export_id", 1, UINT16_MAX, &v, path, d)) < 0)
		return r;
	c->export_id = (uint32_t)v;
	if ((r = rec_int(root, "created", 0, INT64_MAX, &v, path, d)) < 0)
		return r;
	c->created = v;
	if ((config_setting_get_member(root, "head") != NULL &&
	    (r = rec_str(root, "head", c->head, sizeof(c->head), path, d)) < 0) ||
	    (config_setting_get_member(root, "leaving") != NULL &&
	    (r = rec_str(root, "leaving", c->leaving, sizeof(c->leaving), path,
	    d)) < 0))
		return r;
	/* Records from before inode limits have none: the default applies. */
	c->inodes = default_inodes;
	if (config_setting_get_member(root, "inodes") != NULL) {
		if ((r = rec_int(root, "inodes", 1, (long long)INODES_MAX, &v,
		    path, d)) < 0)
			return r;
		c->inodes = (uint64_t)v;
	}
	if ((s = config_setting_get_member(root, "addresses")) != NULL &&
	    (r = record_addrs(s, path, c, d)) < 0)
		return r;
	if (strcmp(c->name, name) != 0)
		return diag_sys(d, EINVAL, "%s: corrupt record: holds client "
		    "\"%s\"", path, c->name);
	if (c->naddrs > 0 && (valid_host(c->host, &h, NULL) < 0 ||
	    h.kind != HOST_DNS))
		return diag_sys(d, EINVAL, "%s: corrupt record: \"addresses\" "
		    "for a host that is no DNS name", path);
	registry_export(c, &e);
	if (exports_check_client(&e, &why) < 0 ||
	    record_heads_ok(c, &why) < 0)
		return diag_sys(d, EINVAL, "%s: corrupt record: %s", path,
		    why.msg);
	return 0;
}

/* A record libconfig could not parse. */
static int
parse_error(const config_t *cf, const char *path, struct diag *d)
{
	return diag_sys(d, EINVAL, "%s:%d: corrupt record: %s", path,
	    config_error_line(cf), config_error_text(cf));
}

/* Read clients/NAME.  -ENOENT (with no diag) when there is no such client. */
int
registry_read(struct registry *reg, const char *name, struct client *c,
    struct diag *d)
{
	char path[PATH_MAXLEN + 96];
	config_t cf;
	int r;

	snprintf(path, sizeof(path), "%s/%s", reg->clients, name);
	memset(c, 0, sizeof(*c));
	config_init(&cf);
	errno = 0;	/* libconfig leaves fopen's errno on CONFIG_ERR_FILE_IO */
	if (config_read_file(&cf, path) == CONFIG_FALSE) {
		if (config_error_type(&cf) == CONFIG_ERR_FILE_IO)
			r = errno == ENOENT ? -ENOENT : diag_sys(d, errno ? errno :
			    EIO, "%s", path);
		else
			r = parse_error(&cf, path, d);
	} else
		r = record_fields(&cf, name, path, reg->conf->default_inodes, c,
		    d);
	config_destroy(&cf);
	return r;
}

/* A record from text, as registry_read reads a file (the fuzzers). */
int
registry_parse_record(const char *text, const char *name, struct client *c,
    struct diag *d)
{
	config_t cf;
	int r;

	memset(c, 0, sizeof(*c));
	config_init(&cf);
	if (config_read_string(&cf, text) == CONFIG_FALSE)
		r = parse_error(&cf, name, d);
	else
		r = record_fields(&cf, name, name, DEFAULT_INODES, c, d);
	config_destroy(&cf);
	return r;
}

int
registry_put_int(config_setting_t *root, const char *key, long long v)
{
	config_setting_t *s = config_setting_add(root, key, CONFIG_TYPE_INT64);

	return s && config_setting_set_int64(s, v) == CONFIG_TRUE ? 0 : -ENOMEM;
}

int
registry_put_str(config_setting_t *root, const char *key, const char *v)
{
	config_setting_t *s = config_setting_add(root, key, CONFIG_TYPE_STRING);

	return s && config_setting_set_string(s, v) == CONFIG_TRUE ? 0 : -ENOMEM;
}

/* Serialise with libconfig itself, then replace the file atomically. */
int
registry_write_config(config_t *cf, const char *path, const char *header)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	if ((f = open_memstream(&text, &len)) == NULL)
		return -errno;
	fputs(header, f);
	config_write(cf, f);
	if (fclose(f) != 0) {
		free(text);
		return -ENOMEM;
	}
	r = file_replace(path, text, len, 0600);
	free(text);
	return r;
}

/* Write clients/NAME: the commit point of every change to a client. */
int
registry_write(struct registry *reg, const struct client *c)
{
	char path[PATH_MAXLEN + 96];
	config_setting_t *root;
	config_t cf;
	int r;

	snprintf(path, sizeof(path), "%s/%s", reg->clients, c->name);
	config_init(&cf);
	root = config_root_setting(&cf);
	if ((r = registry_put_str(root, "name", c->name)) < 0 ||
	    (r = registry_put_str(root, "host", c->host)) < 0 ||
	    (r = registry_put_int(root, "quota", (long long)c->quota)) < 0 ||
	    (r = registry_put_int(root, "uid", c->uid)) < 0 ||
	    (r = registry_put_int(root, "gid", c->gid)) < 0 ||
	    (r = registry_put_int(root, "export_id", c->export_id)) < 0 ||
	    (r = registry_put_int(root, "created", c->created)) < 0 ||
	    (c->head[0] != '\0' &&
	    (r = registry_put_str(root, "head", c->head)) < 0) ||
	    (c->leaving[0] != '\0' &&
	    (r = registry_put_str(root, "leaving", c->leaving)) < 0) ||
	    (r = registry_put_int(root, "inodes", (long long)c->inodes)) < 0)
		goto out;
	if (c->naddrs > 0) {
		config_setting_t *s = config_setting_add(root, "addresses",
		    CONFIG_TYPE_ARRAY);
		unsigned i;

		for (i = 0; i < c->naddrs; i++)
			if (s == NULL || config_setting_set_string_elem(s, -1,
			    c->addrs[i]) == NULL) {
				r = -ENOMEM;
				goto out;
			}
	}
	r = registry_write_config(&cf, path, "# nfswap client record: written "
	    "by nfswap, read by nfswap. Do not edit.\n");
out:
	config_destroy(&cf);
	return r;
}

int
registry_get(struct registry *reg, const char *name, struct client *c,
    struct diag *d)
{
	struct diag why;
	int r;

	if (valid_name(name, &why) < 0)
		return diag_input(d, EINVAL, "invalid client name \"%s\": %s",
		    name, why.msg);
	r = reg->lockfd < 0 ? -ENOENT : registry_read(reg, name, c, d);
	if (r == -ENOENT)
		return diag_input(d, ENOENT, "no client named \"%s\"", name);
	return r;
}

static int
cmp_client(const void *a, const void *b)
{
	return strcmp(((const struct client *)a)->name,
	    ((const struct client *)b)->name);
}

int
registry_list(struct registry *reg, struct client **out, size_t *n,
    struct diag *d)
{
	struct client *v = NULL, *nv;
	size_t cap = 0, len = 0;
	struct dirent *e;
	DIR *dir;
	int r = 0;

	*out = NULL;
	*n = 0;
	if (reg->lockfd < 0)
		return 0;
	if ((dir = opendir(reg->clients)) == NULL)
		return errno == ENOENT ? 0 : diag_sys(d, errno, "%s", reg->clients);
	while ((e = readdir(dir)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (len == cap) {
			cap = cap ? cap * 2 : 64;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL) {
				r = diag_sys(d, ENOMEM, "listing clients");
				break;
			}
			v = nv;
		}
		r = registry_read(reg, e->d_name, &v[len], d);
		if (r == -ENOENT) {
			r = 0;
			continue;
		}
		if (r < 0)
			break;
		len++;
	}
	closedir(dir);
	if (r < 0) {
		free(v);
		return r;
	}
	if (len > 1)
		qsort(v, len, sizeof(*v), cmp_client);
	*out = v;
	*n = len;
	return 0;
}

/* What the exports renderers need of c (exports.c knows no registry). */
void
registry_export(const struct client *c, struct exports_client *e)
{
	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", c->name);
	snprintf(e->host, sizeof(e->host), "%s", c->host);
	e->uid = c->uid;
	e->gid = c->gid;
	e->export_id = c->export_id;
}

/* ---- index links -------------------------------------------------- */

/* dir/key -> name, replacing whatever was there at once. */
int
registry_link(const char *dir, const char *key, const char *name)
{
	char path[PATH_MAXLEN + 300], tmp[PATH_MAXLEN + 300];

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, key);
	unlink(tmp);
	if (symlink(name, tmp) < 0)
		return -errno;
	if (rename(tmp, path) < 0) {
		int r = -errno;
		unlink(tmp);
		return r;
	}
	return 0;
}

/* Remove dir/key if it still points at name. */
void
registry_unlink(const char *dir, const char *key, const char *name)
{
	char path[PATH_MAXLEN + 300], target[NAME_MAXLEN + 2];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return;
	target[n] = '\0';
	if (strcmp(target, name) == 0)
		unlink(path);
}
