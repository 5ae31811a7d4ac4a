/*
 * audit.c -- compare the registry with what is on disk, read-only.
 *
 * For each client: its directory exists, is owned by its uid/gid with mode
 * 0700, its usage is within quota, and nothing inside belongs to another
 * uid.  Then everything under export_root that no client owns, and index
 * entries that no longer match a record.  Problems are counted; the
 * caller turns a non-zero count into EXIT_FINDINGS.
 */
#include <sys/stat.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nfswap.h"

struct report {
	struct strbuf	*out;
	int		 json;
	int		 problems;
	int		 first;		/* no item yet in the current JSON list */
};

static void problem(struct report *, const char *, ...) PRINTF_LIKE(2, 3);

static void
problem(struct report *rp, const char *fmt, ...)
{
	char msg[PATH_MAXLEN + 512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rp->problems++;
	if (rp->json) {
		sb_printf(rp->out, "%s", rp->first ? "" : ", ");
		sb_putjson(rp->out, msg);
	} else
		sb_printf(rp->out, "problem: %s\n", msg);
	rp->first = 0;
}

static void
audit_client(struct registry *reg, struct store *sto, const struct client *c,
    struct report *rp)
{
	char dir[PATH_MAXLEN + 160], used[SIZE_STRMAX], quota[SIZE_STRMAX];
	char key[HOST_MAXLEN + 1], owner[NAME_MAXLEN + 2];
	const struct nfswap_conf *conf = reg->conf;
	struct store_stat st;
	struct dir_usage u;
	struct diag d;
	const char *idxdir;
	int have = 0, sr;

	store_where(conf, c->name, dir, sizeof(dir));
	memset(&u, 0, sizeof(u));
	if ((sr = store_lstat(sto, c->name, &st, 0)) == 0 && st.is_dir)
		have = store_usage(sto, c, &u) == 0;
	if (rp->json) {
		sb_printf(rp->out, "%s\n    {\"name\": ", rp->first ? "" : ",");
		sb_putjson(rp->out, c->name);
		sb_printf(rp->out, ", \"directory\": ");
		sb_putjson(rp->out, dir);
		sb_printf(rp->out, ", \"used\": %" PRIu64 ", \"quota\": %" PRIu64
		    ", \"files\": %" PRIu64 ", \"problems\": [",
		    u.bytes, c->quota, u.files);
	} else
		sb_printf(rp->out, "%-24s %-28s %8s of %-8s %6" PRIu64 "\n",
		    c->name, c->host, size_format(u.bytes, used),
		    size_format(c->quota, quota), u.files);
	rp->first = 1;

	if (sr == -ENOENT)
		problem(rp, "client %s: directory %s is missing", c->name, dir);
	else if (sr < 0)
		problem(rp, "client %s: %s: %s", c->name, dir, strerror(-sr));
	else if (!st.is_dir)
		problem(rp, "client %s: %s is not a directory", c->name, dir);
	else {
		if (st.uid != c->uid || st.gid != c->gid)
			problem(rp, "client %s: %s is owned by %u:%u, not %u:%u",
			    c->name, dir, st.uid, st.gid, c->uid, c->gid);
		if (st.mode != 0700)
			problem(rp, "client %s: %s has mode %04o, not 0700",
			    c->name, dir, st.mode);
	}
	if (c->head[0] != '\0' && conf_head(conf, c->head) == NULL)
		problem(rp, "client %s: its head %s is not in the configuration "
		    "(no head exports it; nfswap move %s HEAD)", c->name, c->head,
		    c->name);
	else if (c->head[0] == '\0' && conf->nheads > 0)
		problem(rp, "client %s: on no head, and heads are configured (no "
		    "head exports it; nfswap move %s HEAD)", c->name, c->name);
	if (have && u.bytes > c->quota)
		problem(rp, "client %s: uses %s, over its quota of %s", c->name,
		    size_format(u.bytes, used), size_format(c->quota, quota));
	if (u.foreign)
		problem(rp, "client %s: %" PRIu64 " entries not owned by uid %u "
		    "(first: %s)", c->name, u.foreign, c->uid, u.first_foreign);
	if ((idxdir = registry_client_index(reg, c, key, sizeof(key))) != NULL &&
	    registry_host_owner(reg, idxdir, key, owner, sizeof(owner), &d) < 0)
		problem(rp, "client %s: host index entry for %s is missing "
		    "(duplicate hosts cannot be detected)", c->name, c->host);
	if (rp->json)
		sb_printf(rp->out, "]}");
	rp->first = 0;
}

static int
cmp_name(const void *key, const void *elem)
{
	return strcmp(key, ((const struct client *)elem)->name);
}

/*
 * Something under export_root that no client owns, with what can explain
 * it: an empty directory is what an add or a purge cut short leaves (the
 * next add of that name takes it over); one with data, a removed client's,
 * kept by remove without --purge or by a purge cut short.
 */
struct orphans {
	struct store		*store;
	const struct client	*v;
	size_t			 n;
	struct report		*rp;
};

static void
orphan(void *arg, const char *name)
{
	struct orphans *o = arg;
	struct report *rp = o->rp;
	char path[PATH_MAXLEN + 400];
	struct store_stat st;
	unsigned long entries;
	const char *why;
	int r;

	if (strcmp(name, "lost+found") == 0 || (o->n > 0 && bsearch(name, o->v,
	    o->n, sizeof(*o->v), cmp_name) != NULL))
		return;
	store_where(o->store->conf, name, path, sizeof(path));
	if ((r = store_lstat(o->store, name, &st, 1)) < 0) {
		problem(rp, "orphan: %s belongs to no client (%s)", path,
		    strerror(-r));
		return;
	}
	if (!st.is_dir) {
		problem(rp, "orphan: %s belongs to no client (not a directory: "
		    "nothing nfswap makes)", path);
		return;
	}
	entries = st.entries;
	if (entries == 0 && valid_name(name, &why) == 0)
		problem(rp, "orphan: %s belongs to no client (empty: left by an "
		    "add or a purge that did not finish; the next add of %s "
		    "takes it over, or rmdir it)", path, name);
	else if (entries == 0)
		problem(rp, "orphan: %s belongs to no client (empty, and not a "
		    "client's name: nothing nfswap makes; rmdir it)", path);
	else
		problem(rp, "orphan: %s belongs to no client (%lu %s, owner "
		    "uid %u: a removed client's data, kept by remove without "
		    "--purge or by a purge that did not finish; delete it when "
		    "it is not needed)", path, entries, entries == 1 ?
		    "entry" : "entries", (unsigned)st.uid);
}

static void
audit_orphans(struct store *sto, const struct client *v, size_t n,
    struct report *rp)
{
	struct orphans o = { sto, v, n, rp };
	int r;

	if ((r = store_list(sto, orphan, &o)) < 0 && (r != -ENOENT || n > 0))
		problem(rp, "cannot read %s%s: %s", conf_dir_root(sto->conf),
		    sto->conf->backend == BACKEND_CEPHFS ? " on CephFS" : "",
		    strerror(-r));
}

/* Placement entries of each configured head that no record matches. */
static void
audit_heads(struct registry *reg, struct report *rp)
{
	char dir[PATH_MAXLEN + 96];
	struct dirent *e;
	struct client c;
	struct diag d;
	unsigned i;
	DIR *dp;
	int r;

	for (i = 0; i < reg->conf->nheads; i++) {
		const char *head = reg->conf->heads[i].name;

		snprintf(dir, sizeof(dir), "%s/%s", reg->heads, head);
		if ((dp = opendir(dir)) == NULL)
			continue;
		while ((e = readdir(dp)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			r = registry_get(reg, e->d_name, &c, &d);
			if (r == 0 && strcmp(c.head, head) == 0)
				continue;
			problem(rp, "stale placement entry %s/%s (%s; it counts "
			    "as a client of head %s until the next add or remove "
			    "of %s)", dir, e->d_name, r < 0 ? "no such client" :
			    "the client is on another head", head, e->d_name);
		}
		closedir(dp);
	}
}

static void
audit_index(struct registry *reg, const char *idx, struct report *rp)
{
	char owner[NAME_MAXLEN + 2];
	struct dirent *e;
	struct diag d;
	DIR *dir;
	int r;

	if ((dir = opendir(idx)) == NULL)
		return;
	while ((e = readdir(dir)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		r = registry_host_owner(reg, idx, e->d_name, owner,
		    sizeof(owner), &d);
		if (r == -ENOENT)
			problem(rp, "stale index entry %s/%s (no client holds that "
			    "host; the next add replaces it)", idx, e->d_name);
		else if (r < 0)
			problem(rp, "index entry %s/%s: %s", idx, e->d_name,
			    d.msg);
	}
	closedir(dir);
}

int
audit_run(struct registry *reg, int json, struct strbuf *out, int *problems,
    struct diag *d)
{
	struct report rp = { out, json, 0, 1 };
	struct client *v;
	struct store *sto;
	size_t n, i;
	int r;

	if ((r = registry_store(reg, &sto, d)) < 0 ||
	    (r = registry_list(reg, &v, &n, d)) < 0)
		return r;
	if (json)
		sb_printf(out, "{\n  \"clients\": [");
	else
		sb_printf(out, "%-24s %-28s %8s    %-8s %6s\n", "CLIENT", "HOST",
		    "USED", "QUOTA", "FILES");
	for (i = 0; i < n; i++) {
		rp.first = i == 0;
		audit_client(reg, sto, &v[i], &rp);
	}
	if (json)
		sb_printf(out, "%s],\n  \"other_problems\": [", n ? "\n  " : "");
	rp.first = 1;
	audit_orphans(sto, v, n, &rp);
	if (reg->lockfd >= 0) {
		audit_index(reg, reg->hosts, &rp);
		audit_index(reg, reg->nets, &rp);
		audit_heads(reg, &rp);
	}
	if (json)
		sb_printf(out, "],\n  \"problems\": %d\n}\n", rp.problems);
	else
		sb_printf(out, "%zu clients, %d problems\n", n, rp.problems);
	free(v);
	*problems = rp.problems;
	if (out->oom)
		return diag_sys(d, ENOMEM, "audit");
	return 0;
}
