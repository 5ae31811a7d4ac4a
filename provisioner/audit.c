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
audit_client(struct registry *reg, const struct client *c, struct report *rp)
{
	char dir[PATH_MAXLEN + 96], used[SIZE_STRMAX], quota[SIZE_STRMAX];
	char key[HOST_MAXLEN + 1], owner[NAME_MAXLEN + 2];
	struct dir_usage u;
	struct diag d;
	struct stat st;
	const char *idxdir;
	int have = 0;

	clientdir_path(reg->conf, c->name, dir, sizeof(dir));
	memset(&u, 0, sizeof(u));
	if (lstat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		have = clientdir_usage(dir, c->uid, &u) == 0;
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

	if (lstat(dir, &st) < 0)
		problem(rp, "client %s: directory %s is missing", c->name, dir);
	else if (!S_ISDIR(st.st_mode))
		problem(rp, "client %s: %s is not a directory", c->name, dir);
	else {
		if (st.st_uid != c->uid || st.st_gid != c->gid)
			problem(rp, "client %s: %s is owned by %u:%u, not %u:%u",
			    c->name, dir, st.st_uid, st.st_gid, c->uid, c->gid);
		if ((st.st_mode & 07777) != 0700)
			problem(rp, "client %s: %s has mode %04o, not 0700",
			    c->name, dir, st.st_mode & 07777);
	}
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
static void
orphan(struct report *rp, const char *root, const char *name)
{
	char path[PATH_MAXLEN + 300];
	const char *why;
	struct dirent *e;
	struct stat st;
	unsigned long entries = 0;
	DIR *dir = NULL;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", root, name);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && (errno == ENOTDIR || errno == ELOOP)) {
		problem(rp, "orphan: %s belongs to no client (not a directory: "
		    "nothing nfswap makes)", path);
		return;
	}
	if (fd < 0 || fstat(fd, &st) < 0 || (dir = fdopendir(fd)) == NULL) {
		problem(rp, "orphan: %s belongs to no client (%s)", path,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((e = readdir(dir)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			entries++;
	closedir(dir);
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
		    "entry" : "entries", (unsigned)st.st_uid);
}

static void
audit_orphans(struct registry *reg, const struct client *v, size_t n,
    struct report *rp)
{
	struct dirent *e;
	DIR *dir;

	if ((dir = opendir(reg->conf->export_root)) == NULL) {
		if (errno != ENOENT || n > 0)
			problem(rp, "cannot read %s: %s", reg->conf->export_root,
			    strerror(errno));
		return;
	}
	while ((e = readdir(dir)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
		    strcmp(e->d_name, "lost+found") == 0)
			continue;
		if (n > 0 && bsearch(e->d_name, v, n, sizeof(*v), cmp_name) != NULL)
			continue;
		orphan(rp, reg->conf->export_root, e->d_name);
	}
	closedir(dir);
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
	size_t n, i;
	int r;

	if ((r = registry_list(reg, &v, &n, d)) < 0)
		return r;
	if (json)
		sb_printf(out, "{\n  \"clients\": [");
	else
		sb_printf(out, "%-24s %-28s %8s    %-8s %6s\n", "CLIENT", "HOST",
		    "USED", "QUOTA", "FILES");
	for (i = 0; i < n; i++) {
		rp.first = i == 0;
		audit_client(reg, &v[i], &rp);
	}
	if (json)
		sb_printf(out, "%s],\n  \"other_problems\": [", n ? "\n  " : "");
	rp.first = 1;
	audit_orphans(reg, v, n, &rp);
	if (reg->lockfd >= 0) {
		audit_index(reg, reg->hosts, &rp);
		audit_index(reg, reg->nets, &rp);
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
