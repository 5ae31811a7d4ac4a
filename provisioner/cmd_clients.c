/*
 * cmd_clients.c -- the commands about clients: add, remove, list, show,
 * quota and audit.  Each opens the registry, does one operation, and
 * prints the outcome; the commands that change the registry finish, with
 * its lock released, what a killed remove --purge left.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"

static void
client_json(struct strbuf *sb, const struct client *c, const char *dir)
{
	sb_printf(sb, "{\"name\": ");
	sb_putjson(sb, c->name);
	sb_printf(sb, ", \"host\": ");
	sb_putjson(sb, c->host);
	sb_printf(sb, ", \"quota\": %" PRIu64 ", \"inodes\": %" PRIu64
	    ", \"uid\": %" PRIu32 ", \"gid\": %" PRIu32 ", \"export_id\": %"
	    PRIu32 ", \"created\": %" PRId64, c->quota, c->inodes, c->uid,
	    c->gid, c->export_id, c->created);
	if (c->head[0] != '\0') {
		sb_printf(sb, ", \"head\": ");
		sb_putjson(sb, c->head);
	}
	if (c->leaving[0] != '\0') {
		sb_printf(sb, ", \"leaving\": ");
		sb_putjson(sb, c->leaving);
	}
	if (dir) {
		sb_printf(sb, ", \"directory\": ");
		sb_putjson(sb, dir);
	}
	sb_printf(sb, "}");
}

static const char *
iso_time(int64_t t, char buf[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, 32, "%" PRId64, t);
	return buf;
}

/*
 * Finish what a killed "remove --purge" left (registry_purges_pending):
 * called by the commands that change the registry, with the exclusive
 * lock held; releases it before deleting.  Reports on stderr; returns
 * how many it finished, and in done the last one's name.
 */
static int
finish_purges(struct registry *reg, char *done, size_t len)
{
	struct purge *pv;
	struct diag d;
	size_t n, i;
	int finished = 0;

	if (registry_purges_pending(reg, &pv, &n, &d) < 0) {
		fprintf(stderr, "nfswap: %s\n", d.msg);
		registry_unlock(reg);
		return 0;
	}
	registry_unlock(reg);
	for (i = 0; i < n; i++) {
		if (registry_purge(reg, &pv[i], &d) < 0) {
			fprintf(stderr, "nfswap: the data of removed client %s "
			    "(uid %" PRIu32 ") is still to be deleted: %s\n",
			    pv[i].name, pv[i].uid, d.msg);
			continue;
		}
		fprintf(stderr, "nfswap: deleted the data of removed client %s "
		    "(uid %" PRIu32 "), left by a remove --purge that did not "
		    "finish\n", pv[i].name, pv[i].uid);
		if (done)
			snprintf(done, len, "%s", pv[i].name);
		finished++;
	}
	free(pv);
	return finished;
}

int
cmd_add(const struct nfswap_conf *conf, int argc, char **argv)
{
	struct registry reg;
	struct subopts o;
	struct client c;
	struct diag d;
	uint64_t quota = conf->default_quota, inodes = conf->default_inodes;
	char q[SIZE_STRMAX], dir[PATH_MAXLEN + 160];
	int r;

	if ((r = cmd_parse(argc, argv, "Hqhi", 1, 1, &o)) != 0)
		return r;
	if (o.host == NULL)
		return cmd_usage("add: --host HOST is required");
	if (o.quota && (r = cmd_parse_quota(o.quota, &quota)) != 0)
		return r;
	if (o.inodes && (r = cmd_parse_inodes(o.inodes, &inodes)) != 0)
		return r;
	if (registry_open(&reg, conf, 1, &d) < 0)
		return cmd_report(&d);
	r = registry_add(&reg, o.pos[0], o.host, quota, inodes, o.head, &c,
	    &d);
	if (r == 0)
		finish_purges(&reg, NULL, 0);
	registry_close(&reg);
	if (r < 0)
		return cmd_report(&d);
	cmd_warn_if(&reg);
	printf("added %s: host %s, quota %s, inodes %" PRIu64 ", uid %" PRIu32
	    ", export id %" PRIu32 ", directory %s%s%s\n", c.name, c.host,
	    size_format(c.quota, q), c.inodes, c.uid, c.export_id,
	    store_where(conf, c.name, dir, sizeof(dir)),
	    c.head[0] ? ", head " : "", c.head);
	return EXIT_OK;
}

int
cmd_remove(const struct nfswap_conf *conf, int argc, char **argv)
{
	struct registry reg;
	struct subopts o;
	struct diag d;
	int r;

	struct purge p;
	char done[NAME_MAXLEN + 1] = "";

	if ((r = cmd_parse(argc, argv, "p", 1, 1, &o)) != 0)
		return r;
	if (registry_open(&reg, conf, 1, &d) < 0)
		return cmd_report(&d);
	r = registry_remove(&reg, o.pos[0], o.purge, &p, &d);
	if (r == 0 && o.purge) {
		/* the record is gone and the data set aside: delete it with
		 * the lock released, so that nothing waits for the deletion */
		registry_unlock(&reg);
		r = registry_purge(&reg, &p, &d);
		if (r < 0) {
			registry_close(&reg);
			fprintf(stderr, "nfswap: removed %s, but its data is not "
			    "all deleted: %s (the next nfswap add, remove, quota "
			    "or move tries again)\n", o.pos[0], d.msg);
			return d.status ? d.status : EXIT_RUNTIME;
		}
	} else if (r < 0 && o.purge && d.status == EXIT_USAGE &&
	    finish_purges(&reg, done, sizeof(done)) > 0 &&
	    strcmp(done, o.pos[0]) == 0) {
		/* asked again after a purge that did not finish */
		registry_close(&reg);
		printf("removed the data of %s\n", o.pos[0]);
		return EXIT_OK;
	}
	if (r == 0)		/* (after a purge, the lock is released) */
		finish_purges(&reg, NULL, 0);
	registry_close(&reg);
	if (r < 0)
		return cmd_report(&d);
	cmd_warn_if(&reg);
	printf("removed %s%s\n", o.pos[0], o.purge ? " and its data" : "");
	return EXIT_OK;
}

int
cmd_list(const struct nfswap_conf *conf, int argc, char **argv)
{
	char q[SIZE_STRMAX], t[32];
	struct registry reg;
	struct client *v;
	struct strbuf sb;
	struct subopts o;
	struct diag d;
	size_t n, i;
	int r;

	if ((r = cmd_parse(argc, argv, "j", 0, 0, &o)) != 0)
		return r;
	if (registry_open(&reg, conf, 0, &d) < 0)
		return cmd_report(&d);
	r = registry_list(&reg, &v, &n, &d);
	registry_close(&reg);
	if (r < 0)
		return cmd_report(&d);
	sb_init(&sb);
	if (o.json) {
		sb_printf(&sb, "[");
		for (i = 0; i < n; i++) {
			sb_printf(&sb, "%s\n  ", i ? "," : "");
			client_json(&sb, &v[i], NULL);
		}
		sb_printf(&sb, "%s]\n", n ? "\n" : "");
	} else {
		int heads = conf->nheads > 0;

		sb_printf(&sb, "%-24s %-28s %8s %10s %6s  %-20s%s%s\n", "NAME",
		    "HOST", "QUOTA", "UID", "ID", "CREATED", heads ? "  " : "",
		    heads ? "HEAD" : "");
		for (i = 0; i < n; i++)
			sb_printf(&sb, "%-24s %-28s %8s %10" PRIu32 " %6" PRIu32
			    "  %-20s%s%s\n", v[i].name, v[i].host,
			    size_format(v[i].quota, q), v[i].uid, v[i].export_id,
			    iso_time(v[i].created, t), heads ? "  " : "",
			    heads ? (v[i].head[0] ? v[i].head : "-") : "");
	}
	free(v);
	r = cmd_emit(&sb);
	sb_free(&sb);
	return r;
}

/* show --json: the record, where its directory is, what it uses (have:
 * 0 when u was measured, else -errno). */
static void
show_json(struct strbuf *sb, const struct nfswap_conf *conf,
    const struct client *c, const char *dir, int have, int files_known,
    const struct dir_usage *u)
{
	client_json(sb, c, dir);
	sb->len--;	/* reopen the object for usage */
	if (conf->backend == BACKEND_CEPHFS) {
		sb_printf(sb, ", \"cephfs\": ");
		sb_putjson(sb, conf->cephfs.filesystem);
	}
	if (have != 0) {
		sb_printf(sb, ", \"used\": null, \"files\": null, "
		    "\"inodes_used\": null}\n");
		return;
	}
	sb_printf(sb, ", \"used\": %" PRIu64 ", \"files\": ", u->bytes);
	if (files_known)
		sb_printf(sb, "%" PRIu64, u->files);
	else
		sb_printf(sb, "null");
	sb_printf(sb, ", \"inodes_used\": %" PRIu64
	    ", \"usage_from\": \"%s\", \"incomplete\": ",
	    u->inodes, u->from_quota ? "quota" : "walk");
	if (u->incomplete)
		sb_putjson(sb, u->why);
	else
		sb_printf(sb, "null");
	sb_printf(sb, "}\n");
}

/* show: the same as lines. */
static void
show_text(struct strbuf *sb, const struct nfswap_conf *conf,
    const struct client *c, int have, int files_known,
    const struct dir_usage *u)
{
	char dir[PATH_MAXLEN + 160], q[SIZE_STRMAX], used[SIZE_STRMAX], t[32];

	sb_printf(sb, "name:      %s\nhost:      %s\nquota:     %s\n"
	    "uid:       %" PRIu32 "\ngid:       %" PRIu32 "\n"
	    "inodes:    %" PRIu64 "\n"
	    "export id: %" PRIu32 "\ncreated:   %s\ndirectory: %s\n",
	    c->name, c->host, size_format(c->quota, q), c->uid, c->gid,
	    c->inodes, c->export_id, iso_time(c->created, t),
	    store_where(conf, c->name, dir, sizeof(dir)));
	if (c->head[0] != '\0')
		sb_printf(sb, "head:      %s%s%s%s\n", c->head,
		    c->leaving[0] ? " (moving from " : "", c->leaving,
		    c->leaving[0] ? ", which exports it too)" : "");
	if (have == 0 && files_known)
		sb_printf(sb, "used:      %s in %" PRIu64 " files, %"
		    PRIu64 " of %" PRIu64 " inodes (%s)%s%s\n",
		    size_format(u->bytes, used), u->files, u->inodes,
		    c->inodes, u->from_quota ? "from the quota" :
		    "counted", u->incomplete ? "; not all seen: " : "",
		    u->incomplete ? u->why : "");
	else if (have == 0)
		sb_printf(sb, "used:      %s, %" PRIu64 " of %" PRIu64
		    " inodes (from the quota)\n", size_format(u->bytes,
		    used), u->inodes, c->inodes);
	else
		sb_printf(sb, "used:      unknown (%s)\n", strerror(-have));
}

int
cmd_show(const struct nfswap_conf *conf, int argc, char **argv)
{
	char dir[PATH_MAXLEN + 160];
	struct dir_usage u;
	struct registry reg;
	struct strbuf sb;
	struct subopts o;
	struct client c;
	struct store *st;
	struct diag d;
	int r, have = -ENOENT, files_known;

	if ((r = cmd_parse(argc, argv, "j", 1, 1, &o)) != 0)
		return r;
	if (registry_open(&reg, conf, 0, &d) < 0)
		return cmd_report(&d);
	/* The record is shown even when its storage does not answer (a
	 * cluster that is down): the usage is then "unknown". */
	if ((r = registry_get(&reg, o.pos[0], &c, &d)) == 0) {
		struct diag sd;

		have = registry_store(&reg, &st, &sd);
		if (have == 0)
			have = store_usage(st, c.name, c.uid, c.gid, 0, &u);
	}
	registry_close(&reg);
	if (r < 0)
		return cmd_report(&d);
	if (conf->backend == BACKEND_CEPHFS)
		store_path(conf, c.name, dir, sizeof(dir));
	else
		store_where(conf, c.name, dir, sizeof(dir));
	/* a project quota counts inodes, not files: only a walk or
	 * CephFS's own statistics say how many files */
	files_known = have == 0 && (u.walked || conf->backend == BACKEND_CEPHFS);
	sb_init(&sb);
	if (o.json)
		show_json(&sb, conf, &c, dir, have, files_known, &u);
	else
		show_text(&sb, conf, &c, have, files_known, &u);
	r = cmd_emit(&sb);
	sb_free(&sb);
	return r;
}

int
cmd_quota(const struct nfswap_conf *conf, int argc, char **argv)
{
	struct registry reg;
	struct subopts o;
	struct client c;
	struct diag d;
	uint64_t quota = 0, inodes = 0;
	char q[SIZE_STRMAX];
	int r;

	if ((r = cmd_parse(argc, argv, "i", 1, 2, &o)) != 0)
		return r;
	if (o.npos < 2 && o.inodes == NULL)
		return cmd_usage("quota: give a SIZE, --inodes N, or both");
	if (o.npos == 2 && (r = cmd_parse_quota(o.pos[1], &quota)) != 0)
		return r;
	if (o.inodes && (r = cmd_parse_inodes(o.inodes, &inodes)) != 0)
		return r;
	if (registry_open(&reg, conf, 1, &d) < 0)
		return cmd_report(&d);
	r = registry_set_quota(&reg, o.pos[0], quota, inodes, &d);
	if (r == 0)
		r = registry_get(&reg, o.pos[0], &c, &d);
	if (r == 0)
		finish_purges(&reg, NULL, 0);
	registry_close(&reg);
	if (r < 0)
		return cmd_report(&d);
	cmd_warn_if(&reg);
	printf("quota of %s is now %s, %" PRIu64 " inodes\n", o.pos[0],
	    size_format(c.quota, q), c.inodes);
	return EXIT_OK;
}

int
cmd_audit(const struct nfswap_conf *conf, int argc, char **argv)
{
	struct registry reg;
	struct strbuf sb;
	struct subopts o;
	struct diag d;
	int r, problems = 0;

	if ((r = cmd_parse(argc, argv, "j", 0, 0, &o)) != 0)
		return r;
	if (registry_open(&reg, conf, 0, &d) < 0)
		return cmd_report(&d);
	sb_init(&sb);
	r = audit_run(&reg, o.json, &sb, &problems, &d);
	registry_close(&reg);
	if (r < 0) {
		sb_free(&sb);
		return cmd_report(&d);
	}
	r = cmd_emit(&sb);
	sb_free(&sb);
	return r != EXIT_OK ? r : problems ? EXIT_FINDINGS : EXIT_OK;
}
