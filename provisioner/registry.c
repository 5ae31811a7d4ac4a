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
 */
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <libconfig.h>
#include <netdb.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nfswap.h"

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
	const char *why, *a;
	struct host h;
	long long v;
	int r, i, n;

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
	if ((s = config_setting_get_member(root, "addresses")) != NULL) {
		n = config_setting_length(s);
		if (config_setting_type(s) != CONFIG_TYPE_ARRAY ||
		    n > CLIENT_ADDRS_MAX)
			return diag_sys(d, EINVAL, "%s:%u: corrupt record: bad "
			    "\"addresses\"", path, config_setting_source_line(s));
		for (i = 0; i < n; i++) {
			if ((a = config_setting_get_string_elem(s, i)) == NULL ||
			    valid_host(a, &h, &why) < 0 ||
			    (h.kind != HOST_IPV4 && h.kind != HOST_IPV6) ||
			    strlen(h.canon) >= CLIENT_ADDR_LEN)
				return diag_sys(d, EINVAL, "%s:%u: corrupt record: "
				    "bad address in \"addresses\"", path,
				    config_setting_source_line(s));
			snprintf(c->addrs[c->naddrs++], CLIENT_ADDR_LEN, "%s",
			    h.canon);
		}
	}
	if (strcmp(c->name, name) != 0)
		return diag_sys(d, EINVAL, "%s: corrupt record: holds client "
		    "\"%s\"", path, c->name);
	if (c->naddrs > 0 && (valid_host(c->host, &h, &why) < 0 ||
	    h.kind != HOST_DNS))
		return diag_sys(d, EINVAL, "%s: corrupt record: \"addresses\" "
		    "for a host that is no DNS name", path);
	if (exports_check_client(c, &why) < 0)
		return diag_sys(d, EINVAL, "%s: corrupt record: %s", path, why);
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
static int
read_record(struct registry *reg, const char *name, struct client *c,
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

/* A record from text, as read_record reads a file (the fuzzers). */
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

static int
add_int(config_setting_t *root, const char *key, long long v)
{
	config_setting_t *s = config_setting_add(root, key, CONFIG_TYPE_INT64);

	return s && config_setting_set_int64(s, v) == CONFIG_TRUE ? 0 : -ENOMEM;
}

static int
add_str(config_setting_t *root, const char *key, const char *v)
{
	config_setting_t *s = config_setting_add(root, key, CONFIG_TYPE_STRING);

	return s && config_setting_set_string(s, v) == CONFIG_TRUE ? 0 : -ENOMEM;
}

/* Serialise with libconfig itself, then replace the file atomically. */
static int
write_config(config_t *cf, const char *path, const char *header)
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

static int
write_record(struct registry *reg, const struct client *c)
{
	char path[PATH_MAXLEN + 96];
	config_setting_t *root;
	config_t cf;
	int r;

	snprintf(path, sizeof(path), "%s/%s", reg->clients, c->name);
	config_init(&cf);
	root = config_root_setting(&cf);
	if ((r = add_str(root, "name", c->name)) < 0 ||
	    (r = add_str(root, "host", c->host)) < 0 ||
	    (r = add_int(root, "quota", (long long)c->quota)) < 0 ||
	    (r = add_int(root, "uid", c->uid)) < 0 ||
	    (r = add_int(root, "gid", c->gid)) < 0 ||
	    (r = add_int(root, "export_id", c->export_id)) < 0 ||
	    (r = add_int(root, "created", c->created)) < 0 ||
	    (c->head[0] != '\0' && (r = add_str(root, "head", c->head)) < 0) ||
	    (c->leaving[0] != '\0' &&
	    (r = add_str(root, "leaving", c->leaving)) < 0) ||
	    (r = add_int(root, "inodes", (long long)c->inodes)) < 0)
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
	r = write_config(&cf, path, "# nfswap client record: written by "
	    "nfswap, read by nfswap. Do not edit.\n");
out:
	config_destroy(&cf);
	return r;
}

int
registry_get(struct registry *reg, const char *name, struct client *c,
    struct diag *d)
{
	const char *why;
	int r;

	if (valid_name(name, &why) < 0)
		return diag_input(d, EINVAL, "invalid client name \"%s\": %s",
		    name, why);
	r = reg->lockfd < 0 ? -ENOENT : read_record(reg, name, c, d);
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
		r = read_record(reg, e->d_name, &v[len], d);
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

/* ---- host index ---------------------------------------------------- */

int
registry_index_key(const struct host *h, char *key, size_t len)
{
	char *p;

	if (snprintf(key, len, "%s", h->canon) >= (int)len)
		return -ENAMETOOLONG;
	for (p = key; *p; p++)
		if (*p == '/')
			*p = '_';
	return 0;
}

/* Networks are indexed in nets/, single addresses and names in hosts/. */
const char *
registry_index_dir(const struct registry *reg, const struct host *h)
{
	return h->kind == HOST_NET4 || h->kind == HOST_NET6 ? reg->nets :
	    reg->hosts;
}

/* Where a client's host is indexed: its key and its index directory. */
const char *
registry_client_index(const struct registry *reg, const struct client *c,
    char *key, size_t len)
{
	const char *why;
	struct host h;

	if (valid_host(c->host, &h, &why) < 0 ||
	    registry_index_key(&h, key, len) < 0)
		return NULL;
	return registry_index_dir(reg, &h);
}

static int
key_to_host(const char *key, struct host *h)
{
	char buf[HOST_MAXLEN + 1], *p;
	const char *why;

	if (strlen(key) >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, key, strlen(key) + 1);
	for (p = buf; *p; p++)
		if (*p == '_')
			*p = '/';
	return valid_host(buf, h, &why);
}

/*
 * The live owner of an index entry: the client it names, provided that
 * client's record still exists and still holds this host.  -ENOENT for a
 * missing or stale entry.  A record that exists but cannot be read keeps
 * its host (a corrupt record must not free it): -EINVAL with d filled.
 */
int
registry_host_owner(struct registry *reg, const char *dir, const char *key,
    char *name, size_t len, struct diag *d)
{
	char path[PATH_MAXLEN + 300], ikey[HOST_MAXLEN + 1];
	const char *why;
	struct client c;
	struct host h;
	ssize_t n;
	int r;

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	if ((n = readlink(path, name, len - 1)) < 0)
		return -errno;
	name[n] = '\0';
	if (valid_name(name, &why) < 0)
		return -ENOENT;
	if ((r = read_record(reg, name, &c, d)) == -ENOENT)
		return -ENOENT;
	if (r < 0)
		return r;
	if (strcmp(dir, reg->resolved) == 0) {
		unsigned i;

		for (i = 0; i < c.naddrs; i++)
			if (valid_host(c.addrs[i], &h, &why) == 0 &&
			    registry_index_key(&h, ikey, sizeof(ikey)) == 0 &&
			    strcmp(ikey, key) == 0)
				return 0;
		return -ENOENT;
	}
	if (registry_client_index(reg, &c, ikey, sizeof(ikey)) == NULL ||
	    strcmp(ikey, key) != 0)
		return -ENOENT;
	return 0;
}

static int
index_set(const char *dir, const char *key, const char *name)
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
static void
index_drop(const char *dir, const char *key, const char *name)
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

/*
 * Whether the address or network h equals or overlaps a host of a client
 * other than except ("": any): 1 with that client's name in owner and the
 * host it clashes with in what; 0 when none; -errno (d) when a record
 * cannot be read (a corrupt record keeps its hosts).  The addresses that
 * DNS-named clients' names had when they were added (resolved/) count as
 * theirs.
 */
static int
host_clash(struct registry *reg, const struct host *h, const char *except,
    char *owner, size_t olen, char *what, size_t wlen, struct diag *d)
{
	int net = h->kind == HOST_NET4 || h->kind == HOST_NET6;
	const char *exact[2] = { registry_index_dir(reg, h),
	    net ? NULL : reg->resolved };
	const char *scan[3] = { reg->nets, net ? reg->hosts : NULL,
	    net ? reg->resolved : NULL };
	char key[HOST_MAXLEN + 1];
	struct dirent *e;
	struct host o;
	DIR *dir;
	int i, r;

	registry_index_key(h, key, sizeof(key));
	for (i = 0; i < 2; i++) {
		if (exact[i] == NULL)
			continue;
		r = registry_host_owner(reg, exact[i], key, owner, olen, d);
		if (r == 0 && strcmp(owner, except) != 0) {
			snprintf(what, wlen, "%s%s", h->canon, exact[i] ==
			    reg->resolved ? " (its DNS name's address when it "
			    "was added)" : "");
			return 1;
		}
		if (r < 0 && r != -ENOENT)
			return r;
	}
	if (h->kind == HOST_DNS)
		return 0;
	/*
	 * Addresses are checked against every network (few); a new network
	 * against every address too, which costs one readdir of hosts/.
	 */
	for (i = 0; i < 3; i++) {
		if (scan[i] == NULL)
			continue;
		if ((dir = opendir(scan[i])) == NULL) {
			if (errno == ENOENT)
				continue;
			return diag_sys(d, errno, "%s", scan[i]);
		}
		while ((e = readdir(dir)) != NULL) {
			if (e->d_name[0] == '.' || key_to_host(e->d_name, &o) < 0 ||
			    o.kind == HOST_DNS || !host_overlap(h, &o))
				continue;
			r = registry_host_owner(reg, scan[i], e->d_name, owner,
			    olen, d);
			if (r == -ENOENT || (r == 0 && strcmp(owner, except) == 0))
				continue;
			closedir(dir);
			if (r < 0)
				return r;
			snprintf(what, wlen, "%s%s", o.canon, scan[i] ==
			    reg->resolved ? " (its DNS name's address when it "
			    "was added)" : "");
			return 1;
		}
		closedir(dir);
	}
	return 0;
}

/* Refuse a host that equals or overlaps another client's host; via, when
 * not NULL, is the DNS name h is an address of. */
static int
check_host_free(struct registry *reg, const struct host *h, const char *via,
    struct diag *d)
{
	char owner[NAME_MAXLEN + 2], what[HOST_MAXLEN + 64], who[2 * HOST_MAXLEN];
	int r;

	if ((r = host_clash(reg, h, "", owner, sizeof(owner), what,
	    sizeof(what), d)) <= 0)
		return r;
	if (via != NULL)
		snprintf(who, sizeof(who), "%s (resolving to %s)", via, h->canon);
	else
		snprintf(who, sizeof(who), "%s", h->canon);
	if (via == NULL && strcmp(what, h->canon) == 0)
		return diag_input(d, EEXIST, "host %s is already client \"%s\"'s",
		    who, owner);
	return diag_input(d, EEXIST, "host %s overlaps %s, which belongs to "
	    "client \"%s\"", who, what, owner);
}

/*
 * The addresses name resolves to now (getaddrinfo: /etc/hosts, DNS, as
 * nsswitch.conf says), canonical and without repeats: how many, at most
 * max; -ENOENT when it has none, -EAGAIN when the resolver could not say.
 */
int
registry_resolve(const char *name, struct host *out, size_t max)
{
	struct addrinfo hints, *res, *ai;
	char buf[INET6_ADDRSTRLEN];
	const char *why;
	size_t n = 0, i;
	int r;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((r = getaddrinfo(name, NULL, &hints, &res)) != 0)
		return r == EAI_NONAME || r == EAI_NODATA ? -ENOENT :
		    r == EAI_AGAIN ? -EAGAIN : -EIO;
	for (ai = res; ai != NULL && n < max; ai = ai->ai_next) {
		const void *a = ai->ai_family == AF_INET ?
		    (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr :
		    (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;

		if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
		    inet_ntop(ai->ai_family, a, buf, sizeof(buf)) == NULL ||
		    valid_host(buf, &out[n], &why) < 0 ||
		    (out[n].kind != HOST_IPV4 && out[n].kind != HOST_IPV6))
			continue;
		for (i = 0; i < n; i++)
			if (strcmp(out[i].canon, out[n].canon) == 0)
				break;
		if (i == n)
			n++;
	}
	freeaddrinfo(res);
	return n == 0 ? -ENOENT : (int)n;
}

/* Whether some other client holds or overlaps the address or network h
 * (audit's check of what a DNS name resolves to now). */
int
registry_host_clash(struct registry *reg, const struct host *h,
    const char *except, char *owner, size_t olen, char *what, size_t wlen,
    struct diag *d)
{
	return host_clash(reg, h, except, owner, olen, what, wlen, d);
}

/* ---- heads --------------------------------------------------------- */

static void
head_dir(const struct registry *reg, const char *head, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", reg->heads, head);
}

/* The clients placed on head: its entries (a stale one, left by a crash,
 * counts until the next add or remove of that name replaces it). */
long
registry_head_load(struct registry *reg, const char *head)
{
	char dir[PATH_MAXLEN + 96];
	struct dirent *e;
	long n = 0;
	DIR *dp;

	head_dir(reg, head, dir, sizeof(dir));
	if ((dp = opendir(dir)) == NULL)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(dp)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(dp);
	return n;
}

/*
 * The head a new client goes to: the one asked for, which must be
 * configured, or else the one with the fewest clients (the first listed
 * among equals), so that placement is stable for a given registry.
 */
static int
pick_head(struct registry *reg, const char *want, char *out, size_t len,
    struct diag *d)
{
	const struct nfswap_conf *conf = reg->conf;
	long best = -1, load;
	unsigned i;

	out[0] = '\0';
	if (want != NULL && conf->nheads == 0)
		return diag_input(d, EINVAL, "no heads are configured (heads in "
		    "%s)", conf->file[0] ? conf->file : "nfswap.conf");
	if (want != NULL) {
		if (conf_head(conf, want) == NULL)
			return diag_input(d, ENOENT, "no head named \"%s\" in "
			    "the configuration", want);
		snprintf(out, len, "%s", want);
		return 0;
	}
	for (i = 0; i < conf->nheads; i++) {
		if ((load = registry_head_load(reg, conf->heads[i].name)) < 0)
			return diag_sys(d, (int)-load, "cannot count the clients "
			    "of head %s", conf->heads[i].name);
		if (best < 0 || load < best) {
			best = load;
			snprintf(out, len, "%s", conf->heads[i].name);
		}
	}
	return 0;
}

/* heads/HEAD/NAME -> NAME */
static int
head_place(struct registry *reg, const char *head, const char *name)
{
	char dir[PATH_MAXLEN + 96];
	int r;

	head_dir(reg, head, dir, sizeof(dir));
	if ((r = mkdir_p(dir, 0700)) < 0)
		return r;
	return index_set(dir, name, name);
}

static void
head_unplace(struct registry *reg, const char *head, const char *name)
{
	char dir[PATH_MAXLEN + 96];

	if (head[0] == '\0')
		return;
	head_dir(reg, head, dir, sizeof(dir));
	index_drop(dir, name, name);
}

/* name's placement entries on every configured head but keep: the old one
 * of a move, and any a crash left. */
static void
head_unplace_others(struct registry *reg, const char *keep, const char *name)
{
	unsigned i;

	for (i = 0; i < reg->conf->nheads; i++)
		if (strcmp(reg->conf->heads[i].name, keep) != 0)
			head_unplace(reg, reg->conf->heads[i].name, name);
}

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
	config_t cf;
	int r;

	config_init(&cf);
	if ((r = add_int(config_root_setting(&cf), "next_uid", k->next_uid)) == 0 &&
	    (r = add_int(config_root_setting(&cf), "next_export_id",
	    k->next_export_id)) == 0)
		r = write_config(&cf, reg->counters, "# nfswap: the next ids to "
		    "hand out; ids are never reused while a client holds them.\n");
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
	if ((r = store_set_quota(st, c, c->quota, c->inodes)) == 0)
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

/* Index (set) or unindex (drop) the addresses a DNS-named client's name
 * had at its add. */
static int
index_addrs(struct registry *reg, const struct client *c, int set)
{
	char key[HOST_MAXLEN + 1];
	const char *why;
	struct host h;
	unsigned i;
	int r;

	for (i = 0; i < c->naddrs; i++) {
		if (valid_host(c->addrs[i], &h, &why) < 0 ||
		    registry_index_key(&h, key, sizeof(key)) < 0)
			continue;
		if (!set)
			index_drop(reg->resolved, key, c->name);
		else if ((r = index_set(reg->resolved, key, c->name)) < 0) {
			while (i-- > 0)
				if (valid_host(c->addrs[i], &h, &why) == 0 &&
				    registry_index_key(&h, key, sizeof(key)) == 0)
					index_drop(reg->resolved, key, c->name);
			return r;
		}
	}
	return 0;
}

int
registry_add(struct registry *reg, const char *name, const char *hostarg,
    uint64_t quota, uint64_t inodes, const char *head, struct client *out,
    struct diag *d)
{
	const struct nfswap_conf *conf = reg->conf;
	struct host h, addrs[CLIENT_ADDRS_MAX];
	char key[HOST_MAXLEN + 1];
	const char *why, *idxdir;
	struct counters k;
	struct client c;
	struct store *st;
	int created = 0, r, i, naddrs = 0;

	if (valid_name(name, &why) < 0)
		return diag_input(d, EINVAL, "invalid client name \"%s\": %s",
		    name, why);
	if (valid_host(hostarg, &h, &why) < 0)
		return diag_input(d, EINVAL, "invalid host \"%s\": %s", hostarg,
		    why);
	if (quota == 0)
		return diag_input(d, EINVAL, "quota must be positive");
	if (inodes == 0)
		return diag_input(d, EINVAL, "the inode limit must be positive");
	if ((r = check_limits(quota, inodes, d)) < 0)
		return r;

	r = read_record(reg, name, &c, d);
	if (r == 0)
		return diag_input(d, EEXIST, "client \"%s\" already exists", name);
	if (r != -ENOENT)
		return r;
	if ((r = check_host_free(reg, &h, NULL, d)) < 0)
		return r;
	/*
	 * A DNS name is checked by the addresses it has now: each must be
	 * free as if it were added itself, and they are kept (record and
	 * resolved/) so that later clients' addresses are checked against
	 * them.  A name that does not resolve now is added all the same
	 * (DNS may come later), with a warning; audit checks it again.
	 */
	if (h.kind == HOST_DNS) {
		naddrs = registry_resolve(h.canon, addrs, CLIENT_ADDRS_MAX);
		if (naddrs < 0) {
			snprintf(reg->warning, sizeof(reg->warning), "host %s "
			    "does not resolve now (%s): it could not be checked "
			    "against other clients' addresses; nfswap audit "
			    "checks it again", h.canon, naddrs == -ENOENT ?
			    "no such name" : "the resolver did not answer");
			naddrs = 0;
		}
		for (i = 0; i < naddrs; i++)
			if ((r = check_host_free(reg, &addrs[i], h.canon, d)) < 0)
				return r;
	}

	memset(&c, 0, sizeof(c));
	if ((r = pick_head(reg, head, c.head, sizeof(c.head), d)) < 0)
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

	crashpoint("add:before-dir");
	if ((r = store_create(st, &c, &created, d)) < 0)
		return r;
	if ((r = apply_quota(reg, &c, d)) < 0)
		goto undo_dir;

	crashpoint("add:before-index");
	idxdir = registry_index_dir(reg, &h);
	registry_index_key(&h, key, sizeof(key));
	if ((r = index_set(idxdir, key, name)) < 0) {
		diag_sys(d, -r, "cannot index host %s", h.canon);
		goto undo_dir;
	}
	if ((r = index_addrs(reg, &c, 1)) < 0) {
		diag_sys(d, -r, "cannot index the addresses of %s", h.canon);
		goto undo_index;
	}
	if (c.head[0] != '\0' && (r = head_place(reg, c.head, name)) < 0) {
		diag_sys(d, -r, "cannot place %s on head %s", name, c.head);
		goto undo_addrs;
	}
	crashpoint("add:before-counters");
	if ((r = write_counters(reg, &k)) < 0) {
		diag_sys(d, -r, "cannot write %s", reg->counters);
		goto undo_head;
	}
	crashpoint("add:before-record");
	if ((r = write_record(reg, &c)) < 0) {
		diag_sys(d, -r, "cannot write the record of \"%s\"", name);
		goto undo_head;
	}
	head_unplace_others(reg, c.head, name);
	crashpoint("add:done");
	if (out)
		*out = c;
	return 0;

undo_head:
	head_unplace(reg, c.head, name);
undo_addrs:
	index_addrs(reg, &c, 0);
undo_index:
	index_drop(idxdir, key, name);
undo_dir:
	if (created)
		(void)store_purge(st, name, c.uid, c.gid, &(struct diag){ 0 });
	return r;
}

/* ---- purges -------------------------------------------------------- */

static void
purge_entry_path(const struct registry *reg, const struct purge *p,
    char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s.%" PRIu32, reg->purging, p->name, p->uid);
}

static void
purge_fill(struct purge *p, const char *name, uint32_t uid, uint32_t gid)
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
static int
purge_intent(struct registry *reg, struct purge *p, struct diag *d)
{
	char path[PATH_MAXLEN + 128];
	config_setting_t *root;
	config_t cf;
	int r;

	purge_entry_path(reg, p, path, sizeof(path));
	config_init(&cf);
	root = config_root_setting(&cf);
	if ((r = add_str(root, "name", p->name)) == 0 &&
	    (r = add_int(root, "uid", p->uid)) == 0 &&
	    (r = add_int(root, "gid", p->gid)) == 0)
		r = write_config(&cf, path, "# nfswap: a removed client's data "
		    "still to be deleted (remove --purge).\n");
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
	const char *name, *why;
	long long uid, gid;
	config_t cf;
	int r = -EINVAL;

	snprintf(path, sizeof(path), "%s/%s", reg->purging, file);
	config_init(&cf);
	if (config_read_file(&cf, path) == CONFIG_TRUE &&
	    config_lookup_string(&cf, "name", &name) == CONFIG_TRUE &&
	    valid_name(name, &why) == 0 &&
	    config_lookup_int64(&cf, "uid", &uid) == CONFIG_TRUE &&
	    config_lookup_int64(&cf, "gid", &gid) == CONFIG_TRUE &&
	    uid > 0 && uid < UINT32_MAX && gid > 0 && gid < UINT32_MAX) {
		purge_fill(p, name, (uint32_t)uid, (uint32_t)gid);
		snprintf(want, sizeof(want), "%s.%lld", name, uid);
		r = strcmp(want, file) == 0 ? 0 : -EINVAL;
	}
	config_destroy(&cf);
	return r;
}

static void
purge_done(struct registry *reg, struct purge *p)
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
 * Purges that a killed remove --purge left (with the exclusive lock
 * held): each is checked -- a record still there with that uid means the
 * remove never happened, and the entry goes; a directory not yet renamed
 * aside is renamed now -- locked, and returned for registry_purge once
 * the lock is released.  Ones another process is deleting are skipped.
 */
int
registry_purges_pending(struct registry *reg, struct purge **out, size_t *n,
    struct diag *d)
{
	struct purge p, *v = NULL, *nv;
	char path[PATH_MAXLEN + 300];
	struct store_stat ss;
	struct dirent *e;
	struct client c;
	struct store *st;
	size_t cap = 0;
	DIR *dir;
	int r;

	*out = NULL;
	*n = 0;
	if ((dir = opendir(reg->purging)) == NULL)
		return errno == ENOENT ? 0 : diag_sys(d, errno, "%s",
		    reg->purging);
	while ((e = readdir(dir)) != NULL) {
		if (e->d_name[0] == '.' || purge_read(reg, e->d_name, &p) < 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", reg->purging, e->d_name);
		if ((p.fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			continue;
		if (flock(p.fd, LOCK_EX | LOCK_NB) < 0) {
			registry_purge_release(&p);	/* being done */
			continue;
		}
		if (read_record(reg, p.name, &c, d) == 0 && c.uid == p.uid) {
			purge_done(reg, &p);	/* the remove never happened */
			continue;
		}
		if ((r = registry_store(reg, &st, d)) < 0) {
			registry_purge_release(&p);
			break;
		}
		if (store_lstat(st, p.aside, &ss, 0) < 0) {
			/* killed before the rename: do it now, if the
			 * directory is still that client's */
			if (store_lstat(st, p.name, &ss, 0) < 0 || !ss.is_dir ||
			    ss.uid != p.uid || store_rename(st, p.name,
			    p.aside) < 0) {
				purge_done(reg, &p);	/* nothing to delete */
				continue;
			}
		}
		if (*n == cap) {
			cap = cap ? cap * 2 : 4;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL) {
				registry_purge_release(&p);
				break;
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
	purge_done(reg, p);
	return 0;
}

/* Every purge not finished (audit): busy when another process is on it. */
int
registry_purges_list(struct registry *reg, struct purge **out, size_t *n,
    struct diag *d)
{
	struct purge p, *v = NULL, *nv;
	char path[PATH_MAXLEN + 300];
	struct dirent *e;
	size_t cap = 0;
	DIR *dir;

	*out = NULL;
	*n = 0;
	if ((dir = opendir(reg->purging)) == NULL)
		return errno == ENOENT ? 0 : diag_sys(d, errno, "%s",
		    reg->purging);
	while ((e = readdir(dir)) != NULL) {
		if (e->d_name[0] == '.' || purge_read(reg, e->d_name, &p) < 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", reg->purging, e->d_name);
		if ((p.fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			continue;
		p.busy = flock(p.fd, LOCK_SH | LOCK_NB) < 0;
		registry_purge_release(&p);
		if (*n == cap) {
			cap = cap ? cap * 2 : 4;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL) {
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
	char path[PATH_MAXLEN + 160], key[HOST_MAXLEN + 1];
	const char *idxdir;
	struct client c;
	struct store *st = NULL;
	int r;

	if (p != NULL)
		purge_fill(p, "", 0, 0);
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
		purge_fill(p, name, c.uid, c.gid);
		if ((r = purge_intent(reg, p, d)) < 0)
			return r;
	}
	snprintf(path, sizeof(path), "%s/%s", reg->clients, name);
	crashpoint("remove:before-record");
	if (unlink(path) < 0) {
		r = diag_sys(d, errno, "cannot remove %s", path);
		if (purge)
			purge_done(reg, p);
		return r;
	}
	if ((r = fsync_dir_of(path)) < 0)
		return diag_sys(d, -r, "cannot sync %s", reg->clients);
	crashpoint("remove:before-index");
	if ((idxdir = registry_client_index(reg, &c, key, sizeof(key))) != NULL)
		index_drop(idxdir, key, name);
	index_addrs(reg, &c, 0);
	head_unplace(reg, c.head, name);
	head_unplace_others(reg, c.head, name);
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
	if ((r = write_record(reg, &c)) < 0)
		return diag_sys(d, -r, "cannot write the record of \"%s\"", name);
	return 0;
}

/*
 * Serve client name from head instead.  Its swap may be in use through the
 * head it is on, so that one goes on exporting it (it is "leaving") until
 * the move is finished with now set -- at the move, or by asking again
 * once the client has booted through its new head.  As in an add, the new
 * placement entry comes before the record (the commit point) and the old
 * one goes after it, so a crash leaves at worst a stale entry.  *from gets
 * the head it was on ("" if none).
 */
int
registry_move(struct registry *reg, const char *name, const char *head,
    int now, char *from, size_t len, struct diag *d)
{
	char checked[NAME_MAXLEN + 1];
	struct client c;
	int r, placed = 0;

	if ((r = registry_get(reg, name, &c, d)) < 0 ||
	    (r = pick_head(reg, head, checked, sizeof(checked), d)) < 0)
		return r;
	snprintf(from, len, "%s", c.head);
	if (strcmp(c.head, head) == 0) {
		if (!now || c.leaving[0] == '\0')
			return diag_input(d, EEXIST, "client \"%s\" is already "
			    "on head %s%s", name, head, c.leaving[0] ?
			    " (--now stops the old head exporting it)" : "");
		snprintf(from, len, "%s", c.leaving);
		c.leaving[0] = '\0';
	} else {
		if (now || strcmp(c.leaving, head) == 0)
			c.leaving[0] = '\0';
		else if (c.head[0] != '\0')
			snprintf(c.leaving, sizeof(c.leaving), "%s", c.head);
		snprintf(c.head, sizeof(c.head), "%s", head);
		if ((r = head_place(reg, head, name)) < 0)
			return diag_sys(d, -r, "cannot place %s on head %s",
			    name, head);
		placed = 1;
	}
	crashpoint("move:before-record");
	if ((r = write_record(reg, &c)) < 0) {
		if (placed)
			head_unplace(reg, head, name);
		return diag_sys(d, -r, "cannot write the record of \"%s\"", name);
	}
	head_unplace_others(reg, head, name);
	return 0;
}

/* ---- finding a caller ---------------------------------------------- */

/* Whether addr (a single address) lies in net. */
static int
in_net(const struct host *addr, const struct host *net)
{
	unsigned bits = net->prefix, i;
	int v4 = net->kind == HOST_NET4;

	if ((v4 && addr->kind != HOST_IPV4) || (!v4 && addr->kind != HOST_IPV6))
		return 0;
	for (i = 0; bits > 0; i++, bits = bits > 8 ? bits - 8 : 0) {
		uint8_t mask = (uint8_t)(bits >= 8 ? 0xff : 0xff << (8 - bits));

		if ((addr->addr[i] & mask) != (net->addr[i] & mask))
			return 0;
	}
	return 1;
}

/*
 * Whether some client is registered by DNS name (a key of hosts/ that is
 * no address), looked at again only when hosts/ has changed since names
 * last did.
 */
static int
names_any(const struct registry *reg, struct registry_names *names)
{
	struct dirent *e;
	struct stat st;
	struct host h;
	DIR *dir;

	if (stat(reg->hosts, &st) < 0)
		return 0;
	if (names->scanned && st.st_mtim.tv_sec == names->mtime.tv_sec &&
	    st.st_mtim.tv_nsec == names->mtime.tv_nsec)
		return names->any;
	names->any = 0;
	if ((dir = opendir(reg->hosts)) != NULL) {
		while (!names->any && (e = readdir(dir)) != NULL)
			if (e->d_name[0] != '.' &&
			    key_to_host(e->d_name, &h) == 0 &&
			    h.kind == HOST_DNS)
				names->any = 1;
		closedir(dir);
	}
	names->mtime = st.st_mtim;
	names->scanned = 1;
	return names->any;
}

/*
 * The client a caller is, as an NFS server finds it: the client whose
 * host is the address addr, or whose network holds it, or -- given dns,
 * the caller's name already confirmed both ways -- whose host is that
 * name.  -ENOENT when none; names->any tells the caller whether asking
 * DNS could find one.  An "nfswap add" is seen at the next call.
 */
int
registry_find_caller(struct registry *reg, const struct host *addr,
    const char *dns, struct registry_names *names, struct client *c,
    struct diag *d)
{
	char key[HOST_MAXLEN + 1], name[NAME_MAXLEN + 2];
	struct dirent *e;
	struct host n;
	DIR *dir;
	int r = -ENOENT;

	names_any(reg, names);
	if ((addr->kind != HOST_IPV4 && addr->kind != HOST_IPV6) ||
	    registry_index_key(addr, key, sizeof(key)) < 0)
		return -ENOENT;
	if (registry_host_owner(reg, reg->hosts, key, name, sizeof(name),
	    d) == 0)
		r = 0;
	else if ((dir = opendir(reg->nets)) != NULL) {
		while (r != 0 && (e = readdir(dir)) != NULL)
			if (e->d_name[0] != '.' &&
			    key_to_host(e->d_name, &n) == 0 && in_net(addr, &n) &&
			    registry_host_owner(reg, reg->nets, e->d_name, name,
			    sizeof(name), d) == 0)
				r = 0;
		closedir(dir);
	}
	if (r != 0 && dns != NULL && dns[0] != '\0' && names->any) {
		const char *why;
		struct host dh;

		if (valid_host(dns, &dh, &why) == 0 && dh.kind == HOST_DNS &&
		    registry_index_key(&dh, key, sizeof(key)) == 0 &&
		    registry_host_owner(reg, reg->hosts, key, name,
		    sizeof(name), d) == 0)
			r = 0;
	}
	if (r == 0 && registry_get(reg, name, c, d) < 0)
		r = -ENOENT;
	return r;
}
