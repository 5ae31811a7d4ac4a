/*
 * audit.c -- compare the registry with what is on disk, read-only.
 *
 * For each client: its directory exists, is owned by its uid/gid with mode
 * 0700, its usage is within its quota and inode limit (from the project
 * quota where there is one), the limits on disk are the recorded ones,
 * nothing inside belongs to another uid, the walk that looks saw it all
 * (it is bounded: a client can make its tree too deep or too wide to
 * look at, and that is a finding, never a silence), and a DNS name does
 * not now resolve into another client's addresses.  Then everything
 * under export_root that no client owns, purges that did not finish, and
 * index entries that no longer match a record (the registry checks its
 * own files: registry_check_*).  Problems are counted; the caller turns a
 * non-zero count into EXIT_FINDINGS.  Read-only: every look at a client's
 * directory goes through the store (store.c), and its walks run as the
 * client, so the kernel keeps them to what is the client's.
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

#include "registry.h"

struct report {
	struct strbuf	*out;
	int		 json;
	int		 problems;
	int		 first;		/* no item yet in the current JSON list */
};

static void problem(struct report *, const char *, ...) PRINTF_LIKE(2, 3);
static void audit_dns(struct registry *, const struct client *,
	    struct report *);

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

/* The client's line, or its JSON object up to its list of problems. */
static void
client_row(const struct client *c, const char *dir, const struct dir_usage *u,
    struct report *rp)
{
	char used[SIZE_STRMAX], quota[SIZE_STRMAX], inodes[48];

	snprintf(inodes, sizeof(inodes), "%" PRIu64 "/%" PRIu64, u->inodes,
	    c->inodes);
	if (rp->json) {
		sb_printf(rp->out, "%s\n    {\"name\": ", rp->first ? "" : ",");
		sb_putjson(rp->out, c->name);
		sb_printf(rp->out, ", \"directory\": ");
		sb_putjson(rp->out, dir);
		sb_printf(rp->out, ", \"used\": %" PRIu64 ", \"quota\": %" PRIu64
		    ", \"files\": %" PRIu64 ", \"inodes_used\": %" PRIu64
		    ", \"inodes\": %" PRIu64 ", \"from_quota\": %s"
		    ", \"incomplete\": ", u->bytes, c->quota, u->files, u->inodes,
		    c->inodes, u->from_quota ? "true" : "false");
		if (u->incomplete)
			sb_putjson(rp->out, u->why);
		else
			sb_printf(rp->out, "null");
		sb_printf(rp->out, ", \"problems\": [");
	} else
		sb_printf(rp->out, "%-24s %-28s %8s of %-8s %6" PRIu64 " %13s\n",
		    c->name, c->host, size_format(u->bytes, used),
		    size_format(c->quota, quota), u->files, inodes);
}

/* Its directory (sr and st: what store_lstat said of it) and its head. */
static void
check_dir(const struct nfswap_conf *conf, const struct client *c,
    const char *dir, int sr, const struct store_stat *st, struct report *rp)
{
	if (sr == -ENOENT)
		problem(rp, "client %s: directory %s is missing", c->name, dir);
	else if (sr < 0)
		problem(rp, "client %s: %s: %s", c->name, dir, strerror(-sr));
	else if (!st->is_dir)
		problem(rp, "client %s: %s is not a directory", c->name, dir);
	else {
		if (st->uid != c->uid || st->gid != c->gid)
			problem(rp, "client %s: %s is owned by %u:%u, not %u:%u",
			    c->name, dir, st->uid, st->gid, c->uid, c->gid);
		if (st->mode != 0700)
			problem(rp, "client %s: %s has mode %04o, not 0700",
			    c->name, dir, st->mode);
	}
	if (c->head[0] != '\0' && conf_head(conf, c->head) == NULL)
		problem(rp, "client %s: its head %s is not in the configuration "
		    "(no head exports it; nfswap move %s HEAD)", c->name, c->head,
		    c->name);
	else if (c->head[0] == '\0' && conf->nheads > 0)
		problem(rp, "client %s: on no head, and heads are configured (no "
		    "head exports it; nfswap move %s HEAD)", c->name, c->name);
}

/* What its directory holds (u, when measured) against its limits. */
static void
check_usage(const struct nfswap_conf *conf, const struct client *c,
    const struct dir_usage *u, struct report *rp)
{
	char used[SIZE_STRMAX], quota[SIZE_STRMAX];

	if (u->bytes > c->quota)
		problem(rp, "client %s: uses %s, over its quota of %s", c->name,
		    size_format(u->bytes, used), size_format(c->quota, quota));
	if (u->inodes > c->inodes)
		problem(rp, "client %s: uses %" PRIu64 " inodes, over its limit of "
		    "%" PRIu64, c->name, u->inodes, c->inodes);
	if (u->incomplete)
		problem(rp, "client %s: its directory was not looked at whole: %s "
		    "(usage shown is a lower bound where no quota counts it, and "
		    "entries not owned by the client may be there unseen)",
		    c->name, u->why);
	if (u->from_quota && conf->quota_enforce != QUOTA_NONE &&
	    ((u->bytes_limit + 1023) / 1024 != (c->quota + 1023) / 1024 ||
	    u->inodes_limit != c->inodes))
		problem(rp, "client %s: the limits on disk (%s, %" PRIu64 " inodes)"
		    " are not the recorded ones (%s, %" PRIu64 " inodes): nfswap "
		    "quota %s %s --inodes %" PRIu64 " sets them", c->name,
		    u->bytes_limit ? size_format(u->bytes_limit, used) : "none",
		    u->inodes_limit, size_format(c->quota, quota), c->inodes,
		    c->name, quota, c->inodes);
}

static void
audit_client(struct registry *reg, struct store *sto, const struct client *c,
    struct report *rp)
{
	char dir[PATH_MAXLEN + 160];
	struct store_stat st;
	struct dir_usage u;
	int have = 0, sr;

	store_where(reg->conf, c->name, dir, sizeof(dir));
	memset(&u, 0, sizeof(u));
	if ((sr = store_lstat(sto, c->name, &st, 0)) == 0 && st.is_dir)
		have = store_usage(sto, c->name, c->uid, c->gid, 1, &u) == 0;
	client_row(c, dir, &u, rp);
	rp->first = 1;
	check_dir(reg->conf, c, dir, sr, &st, rp);
	if (have)
		check_usage(reg->conf, c, &u, rp);
	if (u.foreign)
		problem(rp, "client %s: %" PRIu64 " entries not owned by uid %u "
		    "(first: %s)", c->name, u.foreign, c->uid, u.first_foreign);
	if (!registry_indexed(reg, c))
		problem(rp, "client %s: host index entry for %s is missing "
		    "(duplicate hosts cannot be detected)", c->name, c->host);
	audit_dns(reg, c, rp);
	if (rp->json)
		sb_printf(rp->out, "]}");
	rp->first = 0;
}

/* What a DNS-named client's name resolves to now must not be another
 * client's address or lie in its network (the names are not checked when
 * they do not resolve: DNS may come later). */
static void
audit_dns(struct registry *reg, const struct client *c, struct report *rp)
{
	char owner[NAME_MAXLEN + 2], what[HOST_MAXLEN + 64];
	struct host h, a[CLIENT_ADDRS_MAX];
	struct diag d;
	int i, n;

	if (valid_host(c->host, &h, NULL) < 0 || h.kind != HOST_DNS ||
	    (n = registry_resolve(h.canon, a, CLIENT_ADDRS_MAX)) < 0)
		return;
	for (i = 0; i < n; i++)
		if (registry_host_clash(reg, &a[i], c->name, owner,
		    sizeof(owner), what, sizeof(what), &d) == 1)
			problem(rp, "client %s: host %s resolves now to %s, which "
			    "overlaps %s of client \"%s\" (both would be let in "
			    "to either's export)", c->name, h.canon, a[i].canon,
			    what, owner);
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
	const struct purge	*pv;		/* purges not finished */
	size_t			 pn;
};

static void
orphan(void *arg, const char *name)
{
	struct orphans *o = arg;
	struct report *rp = o->rp;
	char path[PATH_MAXLEN + 400];
	struct store_stat st;
	unsigned long entries;
	int r;

	size_t i;

	if (strcmp(name, "lost+found") == 0 ||
	    strcmp(name, SERVE_JOURNAL_DIR) == 0 || (o->n > 0 && bsearch(name, o->v,
	    o->n, sizeof(*o->v), cmp_name) != NULL))
		return;
	store_where(o->store->conf, name, path, sizeof(path));
	r = store_lstat(o->store, name, &st, 1);
	for (i = 0; i < o->pn; i++)
		if (strcmp(name, o->pv[i].aside) == 0 || (r == 0 &&
		    strcmp(name, o->pv[i].name) == 0 && st.uid == o->pv[i].uid))
			return;		/* reported with the purges */
	if (strncmp(name, PURGE_PREFIX, strlen(PURGE_PREFIX)) == 0) {
		problem(rp, "orphan: %s belongs to no client (a removed client's "
		    "data set aside for deletion, and no purge records it: "
		    "delete it)", path);
		return;
	}
	if (r < 0) {
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
	if (entries == 0 && valid_name(name, NULL) == 0)
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
    const struct purge *pv, size_t pn, struct report *rp)
{
	struct orphans o = { sto, v, n, rp, pv, pn };
	int r;

	if ((r = store_list(sto, orphan, &o)) < 0 && (r != -ENOENT || n > 0))
		problem(rp, "cannot read %s%s: %s", conf_dir_root(sto->conf),
		    sto->conf->backend == BACKEND_CEPHFS ? " on CephFS" : "",
		    strerror(-r));
}

/* A finding of the registry's own check of its files. */
static void
problem_line(void *arg, const char *msg)
{
	problem(arg, "%s", msg);
}

/*
 * Purges not finished: one another process is doing is news, not a
 * problem; one that nothing is doing was cut short (a kill, a crash).
 */
static void
audit_purges(struct registry *reg, const struct purge *pv, size_t pn,
    struct report *rp)
{
	char path[PATH_MAXLEN + 160];
	size_t i;

	for (i = 0; i < pn; i++) {
		store_where(reg->conf, pv[i].aside, path, sizeof(path));
		if (pv[i].busy) {
			if (!rp->json)
				sb_printf(rp->out, "purging: %s, the data of "
				    "removed client %s (uid %" PRIu32 "), being "
				    "deleted now\n", path, pv[i].name, pv[i].uid);
			continue;
		}
		problem(rp, "purge of removed client %s (uid %" PRIu32 ") did not "
		    "finish: %s (or %s/%s, if it was not yet set aside) holds its "
		    "data; the next nfswap add, remove or quota deletes it",
		    pv[i].name, pv[i].uid, path, conf_dir_root(reg->conf),
		    pv[i].name);
	}
}

int
audit_run(struct registry *reg, int json, struct strbuf *out, int *problems,
    struct diag *d)
{
	struct report rp = { out, json, 0, 1 };
	struct purge *pv = NULL;
	struct client *v;
	struct store *sto;
	size_t n, i, pn = 0;
	int r;

	if ((r = registry_store(reg, &sto, d)) < 0 ||
	    (r = registry_list(reg, &v, &n, d)) < 0)
		return r;
	if ((r = registry_purges_list(reg, &pv, &pn, d)) < 0) {
		free(v);
		return r;
	}
	if (json)
		sb_printf(out, "{\n  \"clients\": [");
	else
		sb_printf(out, "%-24s %-28s %8s    %-8s %6s %13s\n", "CLIENT",
		    "HOST", "USED", "QUOTA", "FILES", "INODES");
	for (i = 0; i < n; i++) {
		rp.first = i == 0;
		audit_client(reg, sto, &v[i], &rp);
	}
	if (json)
		sb_printf(out, "%s],\n  \"other_problems\": [", n ? "\n  " : "");
	rp.first = 1;
	audit_orphans(sto, v, n, pv, pn, &rp);
	audit_purges(reg, pv, pn, &rp);
	registry_check_hosts(reg, problem_line, &rp);
	registry_check_heads(reg, problem_line, &rp);
	if (json) {
		sb_printf(out, "],\n  \"purging\": [");
		for (i = 0, rp.first = 1; i < pn; i++)
			if (pv[i].busy) {
				sb_printf(out, "%s", rp.first ? "" : ", ");
				sb_putjson(out, pv[i].name);
				rp.first = 0;
			}
		sb_printf(out, "],\n  \"problems\": %d\n}\n", rp.problems);
	} else
		sb_printf(out, "%zu clients, %d problems\n", n, rp.problems);
	free(v);
	free(pv);
	*problems = rp.problems;
	if (out->oom)
		return diag_sys(d, ENOMEM, "audit");
	return 0;
}
