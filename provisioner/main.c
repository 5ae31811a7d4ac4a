/*
 * main.c -- nfswap, the server-side admin command.  Thin: options, config,
 * one registry operation, output.  Every error is printed once, here, and
 * mapped to the documented exit status (common.h).
 */
#include <sys/types.h>
#include <sys/wait.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "registry.h"

static const char *usage_text =
    "usage: nfswap [-hV] [-c CONFIG] [-n] COMMAND [ARGS]\n"
    "  add NAME --host HOST [--quota SIZE] [--inodes N] [--head HEAD]\n"
    "  remove NAME [--purge]\n"
    "  list [--json]\n"
    "  show NAME [--json]\n"
    "  quota NAME [SIZE] [--inodes N]\n"
    "  move NAME HEAD [--now] [--reload]\n"
    "  heads [--json]\n"
    "  exports [--format kernel|ganesha] [--head HEAD] [--output FILE] "
    "[--reload]\n"
    "  audit [--json]\n"
    "  serve [-d] [--port N] [--no-rpcbind]\n";

static int
usage(const char *fmt, ...)
{
	va_list ap;

	if (fmt) {
		fprintf(stderr, "nfswap: ");
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fprintf(stderr, "\n");
	}
	fputs(usage_text, stderr);
	return EXIT_USAGE;
}

static int
report(const struct diag *d)
{
	fprintf(stderr, "nfswap: %s\n", d->msg);
	return d->status ? d->status : EXIT_RUNTIME;
}

static int
emit(struct strbuf *sb)
{
	if (sb->oom) {
		fprintf(stderr, "nfswap: out of memory\n");
		return EXIT_RUNTIME;
	}
	if (sb->len && fwrite(sb->s, 1, sb->len, stdout) != sb->len) {
		perror("nfswap: stdout");
		return EXIT_RUNTIME;
	}
	if (fflush(stdout) != 0) {
		perror("nfswap: stdout");
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}

static void
warn_if(const struct registry *reg)
{
	if (reg->warning[0])
		fprintf(stderr, "nfswap: %s\n", reg->warning);
}

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

/* getopt_long over a subcommand's arguments, with only --json/--purge... */
struct subopts {
	int		 json, purge, reload, now;
	const char	*host, *quota, *format, *output, *head, *inodes;
	char		*pos[3];
	int		 npos;
};

static int
parse_sub(int argc, char **argv, const char *allowed, int min_pos,
    int max_pos, struct subopts *o)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "purge", no_argument, NULL, 'p' },
		{ "reload", no_argument, NULL, 'r' },
		{ "host", required_argument, NULL, 'H' },
		{ "quota", required_argument, NULL, 'q' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "head", required_argument, NULL, 'h' },
		{ "now", no_argument, NULL, 'n' },
		{ "inodes", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	memset(o, 0, sizeof(*o));
	optind = 0;	/* glibc: 0 re-initialises getopt after main's "+" scan */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		if (ch == '?')
			return usage("%s: unknown option \"%s\"", argv[0],
			    argv[optind - 1]);
		if (ch == ':')
			return usage("%s: option \"%s\" needs a value", argv[0],
			    argv[optind - 1]);
		if (strchr(allowed, ch) == NULL)
			return usage("%s: option \"%s\" does not apply", argv[0],
			    argv[optind - 1]);
		switch (ch) {
		case 'j': o->json = 1; break;
		case 'p': o->purge = 1; break;
		case 'r': o->reload = 1; break;
		case 'H': o->host = optarg; break;
		case 'q': o->quota = optarg; break;
		case 'f': o->format = optarg; break;
		case 'o': o->output = optarg; break;
		case 'h': o->head = optarg; break;
		case 'n': o->now = 1; break;
		case 'i': o->inodes = optarg; break;
		}
	}
	for (; optind < argc; optind++) {
		if (o->npos == max_pos)
			return usage("%s: unexpected argument \"%s\"", argv[0],
			    argv[optind]);
		o->pos[o->npos++] = argv[optind];
	}
	if (o->npos < min_pos)
		return usage("%s: missing argument", argv[0]);
	return 0;
}

static int
parse_quota(const char *s, uint64_t *q)
{
	int r = size_parse(s, q);

	if (r == -ERANGE || (r == 0 && *q > INT64_MAX)) {
		fprintf(stderr, "nfswap: quota \"%s\" is too large\n", s);
		return EXIT_USAGE;
	}
	if (r < 0 || *q == 0) {
		fprintf(stderr, "nfswap: invalid quota \"%s\": a positive size "
		    "with an optional K, M, G or T suffix is expected\n", s);
		return EXIT_USAGE;
	}
	return 0;
}

/* --inodes N: a plain positive count (no suffixes: it is no size). */
static int
parse_inodes(const char *s, uint64_t *n)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || v == 0) {
		fprintf(stderr, "nfswap: invalid inode limit \"%s\": a positive "
		    "whole number is expected\n", s);
		return EXIT_USAGE;
	}
	if (errno == ERANGE || v > INODES_MAX) {
		fprintf(stderr, "nfswap: inode limit \"%s\" is too large (at "
		    "most %llu)\n", s, INODES_MAX);
		return EXIT_USAGE;
	}
	*n = v;
	return 0;
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

static int
cmd_add(const struct nfswap_conf *conf, int argc, char **argv)
{
	struct registry reg;
	struct subopts o;
	struct client c;
	struct diag d;
	uint64_t quota = conf->default_quota, inodes = conf->default_inodes;
	char q[SIZE_STRMAX], dir[PATH_MAXLEN + 160];
	int r;

	if ((r = parse_sub(argc, argv, "Hqhi", 1, 1, &o)) != 0)
		return r;
	if (o.host == NULL)
		return usage("add: --host HOST is required");
	if (o.quota && (r = parse_quota(o.quota, &quota)) != 0)
		return r;
	if (o.inodes && (r = parse_inodes(o.inodes, &inodes)) != 0)
		return r;
	if (registry_open(&reg, conf, 1, &d) < 0)
		return report(&d);
	r = registry_add(&reg, o.pos[0], o.host, quota, inodes, o.head, &c,
	    &d);
	if (r == 0)
		finish_purges(&reg, NULL, 0);
	registry_close(&reg);
	if (r < 0)
		return report(&d);
	warn_if(&reg);
	printf("added %s: host %s, quota %s, inodes %" PRIu64 ", uid %" PRIu32
	    ", export id %" PRIu32 ", directory %s%s%s\n", c.name, c.host,
	    size_format(c.quota, q), c.inodes, c.uid, c.export_id,
	    store_where(conf, c.name, dir, sizeof(dir)),
	    c.head[0] ? ", head " : "", c.head);
	return EXIT_OK;
}

static int
cmd_remove(const struct nfswap_conf *conf, int argc, char **argv)
{
	struct registry reg;
	struct subopts o;
	struct diag d;
	int r;

	struct purge p;
	char done[NAME_MAXLEN + 1] = "";

	if ((r = parse_sub(argc, argv, "p", 1, 1, &o)) != 0)
		return r;
	if (registry_open(&reg, conf, 1, &d) < 0)
		return report(&d);
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
	if (r == 0 && reg.lockfd >= 0)
		finish_purges(&reg, NULL, 0);
	registry_close(&reg);
	if (r < 0)
		return report(&d);
	warn_if(&reg);
	printf("removed %s%s\n", o.pos[0], o.purge ? " and its data" : "");
	return EXIT_OK;
}

static int
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

	if ((r = parse_sub(argc, argv, "j", 0, 0, &o)) != 0)
		return r;
	if (registry_open(&reg, conf, 0, &d) < 0)
		return report(&d);
	r = registry_list(&reg, &v, &n, &d);
	registry_close(&reg);
	if (r < 0)
		return report(&d);
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
	r = emit(&sb);
	sb_free(&sb);
	return r;
}

static int
cmd_show(const struct nfswap_conf *conf, int argc, char **argv)
{
	char dir[PATH_MAXLEN + 160], q[SIZE_STRMAX], used[SIZE_STRMAX], t[32];
	struct dir_usage u;
	struct registry reg;
	struct strbuf sb;
	struct subopts o;
	struct client c;
	struct store *st;
	struct diag d;
	int r, have = -ENOENT, files_known;

	if ((r = parse_sub(argc, argv, "j", 1, 1, &o)) != 0)
		return r;
	if (registry_open(&reg, conf, 0, &d) < 0)
		return report(&d);
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
		return report(&d);
	if (conf->backend == BACKEND_CEPHFS)
		store_path(conf, c.name, dir, sizeof(dir));
	else
		store_where(conf, c.name, dir, sizeof(dir));
	/* a project quota counts inodes, not files: only a walk or
	 * CephFS's own statistics say how many files */
	files_known = have == 0 && (u.walked || conf->backend == BACKEND_CEPHFS);
	sb_init(&sb);
	if (o.json) {
		client_json(&sb, &c, dir);
		sb.len--;	/* reopen the object for usage */
		if (conf->backend == BACKEND_CEPHFS) {
			sb_printf(&sb, ", \"cephfs\": ");
			sb_putjson(&sb, conf->cephfs.filesystem);
		}
		if (have == 0) {
			sb_printf(&sb, ", \"used\": %" PRIu64 ", \"files\": ",
			    u.bytes);
			if (files_known)
				sb_printf(&sb, "%" PRIu64, u.files);
			else
				sb_printf(&sb, "null");
			sb_printf(&sb, ", \"inodes_used\": %" PRIu64
			    ", \"usage_from\": \"%s\", \"incomplete\": ",
			    u.inodes, u.from_quota ? "quota" : "walk");
			if (u.incomplete)
				sb_putjson(&sb, u.why);
			else
				sb_printf(&sb, "null");
			sb_printf(&sb, "}\n");
		} else
			sb_printf(&sb, ", \"used\": null, \"files\": null, "
			    "\"inodes_used\": null}\n");
	} else {
		sb_printf(&sb, "name:      %s\nhost:      %s\nquota:     %s\n"
		    "uid:       %" PRIu32 "\ngid:       %" PRIu32 "\n"
		    "inodes:    %" PRIu64 "\n"
		    "export id: %" PRIu32 "\ncreated:   %s\ndirectory: %s\n",
		    c.name, c.host, size_format(c.quota, q), c.uid, c.gid,
		    c.inodes, c.export_id, iso_time(c.created, t),
		    store_where(conf, c.name, dir, sizeof(dir)));
		if (c.head[0] != '\0')
			sb_printf(&sb, "head:      %s%s%s%s\n", c.head,
			    c.leaving[0] ? " (moving from " : "", c.leaving,
			    c.leaving[0] ? ", which exports it too)" : "");
		if (have == 0 && files_known)
			sb_printf(&sb, "used:      %s in %" PRIu64 " files, %"
			    PRIu64 " of %" PRIu64 " inodes (%s)%s%s\n",
			    size_format(u.bytes, used), u.files, u.inodes,
			    c.inodes, u.from_quota ? "from the quota" :
			    "counted", u.incomplete ? "; not all seen: " : "",
			    u.incomplete ? u.why : "");
		else if (have == 0)
			sb_printf(&sb, "used:      %s, %" PRIu64 " of %" PRIu64
			    " inodes (from the quota)\n", size_format(u.bytes,
			    used), u.inodes, c.inodes);
		else
			sb_printf(&sb, "used:      unknown (%s)\n", strerror(-have));
	}
	r = emit(&sb);
	sb_free(&sb);
	return r;
}

static int
cmd_quota(const struct nfswap_conf *conf, int argc, char **argv)
{
	struct registry reg;
	struct subopts o;
	struct client c;
	struct diag d;
	uint64_t quota = 0, inodes = 0;
	char q[SIZE_STRMAX];
	int r;

	if ((r = parse_sub(argc, argv, "i", 1, 2, &o)) != 0)
		return r;
	if (o.npos < 2 && o.inodes == NULL)
		return usage("quota: give a SIZE, --inodes N, or both");
	if (o.npos == 2 && (r = parse_quota(o.pos[1], &quota)) != 0)
		return r;
	if (o.inodes && (r = parse_inodes(o.inodes, &inodes)) != 0)
		return r;
	if (registry_open(&reg, conf, 1, &d) < 0)
		return report(&d);
	r = registry_set_quota(&reg, o.pos[0], quota, inodes, &d);
	if (r == 0)
		r = registry_get(&reg, o.pos[0], &c, &d);
	if (r == 0)
		finish_purges(&reg, NULL, 0);
	registry_close(&reg);
	if (r < 0)
		return report(&d);
	warn_if(&reg);
	printf("quota of %s is now %s, %" PRIu64 " inodes\n", o.pos[0],
	    size_format(c.quota, q), c.inodes);
	return EXIT_OK;
}

/* Run argv[0] (searched in PATH) and wait; exit status or -errno. */
static int
run_helper(char *const argv[])
{
	pid_t pid;
	int st;

	if ((pid = fork()) < 0)
		return -errno;
	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
		return -ENOENT;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* exportfs -ra for the kernel server; SIGHUP to the Ganesha of pid_file. */
static int
reload(enum exports_format fmt, const char *pid_file)
{
	char *const exportfs[] = { "exportfs", "-ra", NULL };
	FILE *f;
	long pid = 0;
	int r;

	if (fmt == EXPORTS_KERNEL) {
		r = run_helper(exportfs);
		if (r == -ENOENT) {
			fprintf(stderr, "nfswap: exportfs not found (is "
			    "nfs-kernel-server installed?)\n");
			return EXIT_RUNTIME;
		}
		if (r != 0) {
			fprintf(stderr, "nfswap: exportfs -ra failed (%s %d)\n",
			    r < 0 ? "error" : "status", r < 0 ? -r : r);
			return EXIT_RUNTIME;
		}
		return EXIT_OK;
	}
	/* NFS-Ganesha re-reads its exports on SIGHUP. */
	if ((f = fopen(pid_file, "r")) == NULL) {
		fprintf(stderr, "nfswap: cannot reload Ganesha: %s: %s\n",
		    pid_file, strerror(errno));
		return EXIT_RUNTIME;
	}
	r = fscanf(f, "%ld", &pid);
	fclose(f);
	if (r != 1 || pid <= 1) {
		fprintf(stderr, "nfswap: cannot reload Ganesha: %s holds no pid\n",
		    pid_file);
		return EXIT_RUNTIME;
	}
	if (kill((pid_t)pid, SIGHUP) < 0) {
		fprintf(stderr, "nfswap: cannot reload Ganesha (pid %ld): %s\n",
		    pid, strerror(errno));
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}

/* "heads: a, b" for messages */
static const char *
head_names(const struct nfswap_conf *conf, char *buf, size_t len)
{
	size_t at = 0;
	unsigned i;

	buf[0] = '\0';
	for (i = 0; i < conf->nheads && at < len; i++)
		at += (size_t)snprintf(buf + at, len - at, "%s%s", i ? ", " : "",
		    conf->heads[i].name);
	return buf;
}

/* Forced "insecure" (kernel.allow_insecure): say, each time, what it opens. */
static void
warn_insecure(const struct nfswap_conf *conf)
{
	if (!exports_kernel_insecure(conf->kernel_options))
		return;
	fprintf(stderr, "nfswap: warning: kernel.options has \"insecure\" "
	    "(forced by kernel.allow_insecure, %s:%u): the kernel exports "
	    "take requests from any source port, so any user of a client's "
	    "host can mount its export and read and write its swap (the "
	    "swapped memory of every user, root's too)\n",
	    conf->file[0] ? conf->file : "nfswap.conf",
	    conf->kernel_options_line);
}

/*
 * Render the exports of the clients on head (all clients when head is
 * NULL) to path ("-": standard output), with the registry open.  *n gets
 * how many.  An exit status.
 */
static int
write_exports(const struct nfswap_conf *conf, struct registry *reg,
    enum exports_format fmt, const struct head *head, const char *path,
    size_t *n)
{
	struct exports_opts eo = {
		conf_dir_root(conf), conf->ganesha_pseudo_root,
		conf->kernel_options, NULL, NULL, conf->sec,
		conf->kernel_allow_insecure
	};
	struct exports_client *e = NULL;
	struct client *v;
	struct strbuf sb;
	struct diag d;
	char err[512];
	size_t all, i;
	int r;

	if (fmt == EXPORTS_KERNEL)
		warn_insecure(conf);
	if (conf->backend == BACKEND_CEPHFS) {
		eo.ceph_fs = conf->cephfs.filesystem;
		eo.ceph_user = conf->cephfs.ganesha_user;
	}
	if ((r = registry_list(reg, &v, &all, &d)) < 0)
		return report(&d);
	if (all > 0 && (e = calloc(all, sizeof(*e))) == NULL) {
		free(v);
		fprintf(stderr, "nfswap: out of memory\n");
		return EXIT_RUNTIME;
	}
	for (i = 0, *n = 0; i < all; i++)
		if (head == NULL || strcmp(v[i].head, head->name) == 0 ||
		    strcmp(v[i].leaving, head->name) == 0)
			registry_export(&v[i], &e[(*n)++]);
	free(v);
	sb_init(&sb);
	r = exports_render(fmt, e, *n, &eo, &sb, err, sizeof(err));
	free(e);
	if (r < 0) {
		sb_free(&sb);
		fprintf(stderr, "nfswap: cannot render exports: %s\n", err);
		return EXIT_RUNTIME;
	}
	if (strcmp(path, "-") == 0) {
		r = emit(&sb);
		sb_free(&sb);
		return r;
	}
	r = file_replace(path, sb.s, sb.len, 0644);
	sb_free(&sb);
	if (r < 0) {
		fprintf(stderr, "nfswap: cannot write %s: %s\n", path, strerror(-r));
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}

static int
cmd_exports(const struct nfswap_conf *conf, int argc, char **argv)
{
	enum exports_format fmt = EXPORTS_KERNEL;
	const struct head *head = NULL;
	struct registry reg;
	struct subopts o;
	struct diag d;
	char names[1024];
	const char *path, *pid_file = conf->ganesha_pid_file;
	size_t n;
	int r;

	if ((r = parse_sub(argc, argv, "froh", 0, 0, &o)) != 0)
		return r;
	if (o.format && exports_format_parse(o.format, &fmt) < 0)
		return usage("exports: --format must be kernel or ganesha, not "
		    "\"%s\"", o.format);
	if (fmt == EXPORTS_KERNEL && conf->backend == BACKEND_CEPHFS)
		return usage("exports: the kernel NFS server cannot serve CephFS "
		    "through nfswap (backend \"cephfs\"): use --format ganesha");
	if (o.head && conf->nheads == 0)
		return usage("exports: --head: no heads are configured");
	if (o.head && (head = conf_head(conf, o.head)) == NULL)
		return usage("exports: no head named \"%s\" (heads: %s)", o.head,
		    head_names(conf, names, sizeof(names)));
	if (head == NULL && conf->nheads > 0)
		return usage("exports: heads are configured: say which with "
		    "--head HEAD (heads: %s)", head_names(conf, names,
		    sizeof(names)));
	path = o.output ? o.output : fmt == EXPORTS_KERNEL ? conf->kernel_file :
	    head ? head->exports_file : conf->ganesha_file;
	if (head)
		pid_file = head->pid_file;
	if (strcmp(path, "-") == 0 && o.reload)
		return usage("exports: --reload needs a file, not standard output");

	/* Exclusive: the output's temporary name is fixed (fileio.c). */
	if (registry_open(&reg, conf, 1, &d) < 0)
		return report(&d);
	r = write_exports(conf, &reg, fmt, head, path, &n);
	registry_close(&reg);
	if (r != EXIT_OK || strcmp(path, "-") == 0)
		return r;
	printf("wrote %zu %s exports%s%s to %s\n", n, exports_format_name(fmt),
	    head ? " of head " : "", head ? head->name : "", path);
	return o.reload ? reload(fmt, pid_file) : EXIT_OK;
}

/*
 * move NAME HEAD: serve a client from another head.  The head it leaves
 * goes on exporting it (its swap may be in use there) until --now, given
 * with the move or later, once the client has booted through its new
 * head.  With --reload both heads' Ganesha exports are written and
 * reloaded (where their files and pid files are reachable from here), the
 * new head first.
 */
static int
cmd_move(const struct nfswap_conf *conf, int argc, char **argv)
{
	const struct head *to, *from;
	char old[NAME_MAXLEN + 1], names[1024];
	struct registry reg;
	struct subopts o;
	struct client c;
	struct diag d;
	size_t n;
	int r, finishing = 0;

	if ((r = parse_sub(argc, argv, "rn", 2, 2, &o)) != 0)
		return r;
	if (conf->nheads == 0)
		return usage("move: no heads are configured");
	if ((to = conf_head(conf, o.pos[1])) == NULL)
		return usage("move: no head named \"%s\" (heads: %s)", o.pos[1],
		    head_names(conf, names, sizeof(names)));
	if (registry_open(&reg, conf, 1, &d) < 0)
		return report(&d);
	/* finishing: it was on that head already, and leaves the other */
	if ((r = registry_get(&reg, o.pos[0], &c, &d)) == 0) {
		finishing = strcmp(c.head, to->name) == 0;
		if ((r = registry_move(&reg, o.pos[0], to->name, o.now, old,
		    sizeof(old), &d)) == 0)
			r = registry_get(&reg, o.pos[0], &c, &d);
	}
	if (r < 0) {
		registry_close(&reg);
		return report(&d);
	}
	from = old[0] ? conf_head(conf, old) : NULL;
	if (c.leaving[0])
		printf("moved %s to head %s; %s exports it too until the move "
		    "is finished (nfswap move %s %s --now, once %s has booted "
		    "through %s)\n", c.name, to->name, c.leaving, c.name,
		    to->name, c.name, to->name);
	else if (finishing && from)
		printf("%s is on head %s; %s no longer exports it\n", c.name,
		    to->name, from->name);
	else
		printf("moved %s from %s to head %s\n", c.name, old[0] ? old :
		    "no head", to->name);
	if (!o.reload) {
		registry_close(&reg);
		printf("now run: nfswap exports --format ganesha --head %s "
		    "--reload", to->name);
		if (from)
			printf("; then the same with --head %s", from->name);
		printf("\n");
		return EXIT_OK;
	}
	r = write_exports(conf, &reg, EXPORTS_GANESHA, to, to->exports_file, &n);
	if (r == EXIT_OK)
		r = reload(EXPORTS_GANESHA, to->pid_file);
	if (r == EXIT_OK && from != NULL && (r = write_exports(conf, &reg,
	    EXPORTS_GANESHA, from, from->exports_file, &n)) == EXIT_OK)
		r = reload(EXPORTS_GANESHA, from->pid_file);
	registry_close(&reg);
	if (r == EXIT_OK)
		printf("reloaded the exports of head %s%s%s\n", to->name,
		    from ? " and " : "", from ? from->name : "");
	return r;
}

/* heads: each configured head, where clients mount it, how many it has. */
static int
cmd_heads(const struct nfswap_conf *conf, int argc, char **argv)
{
	struct registry reg;
	struct strbuf sb;
	struct subopts o;
	struct diag d;
	unsigned i;
	long load;
	int r;

	if ((r = parse_sub(argc, argv, "j", 0, 0, &o)) != 0)
		return r;
	if (registry_open(&reg, conf, 0, &d) < 0)
		return report(&d);
	sb_init(&sb);
	if (o.json)
		sb_printf(&sb, "[");
	else
		sb_printf(&sb, "%-24s %-28s %6s %6s %8s\n", "HEAD", "ADDRESS",
		    "NFS", "MOUNT", "CLIENTS");
	for (i = 0; i < conf->nheads; i++) {
		const struct head *h = &conf->heads[i];

		load = reg.lockfd < 0 ? 0 : registry_head_load(&reg, h->name);
		if (o.json) {
			sb_printf(&sb, "%s\n  {\"name\": ", i ? "," : "");
			sb_putjson(&sb, h->name);
			sb_printf(&sb, ", \"address\": ");
			sb_putjson(&sb, h->address);
			sb_printf(&sb, ", \"nfs_port\": %" PRIu32 ", \"mount_port\": %"
			    PRIu32 ", \"clients\": %ld}", h->nfs_port,
			    h->mount_port, load);
		} else
			sb_printf(&sb, "%-24s %-28s %6" PRIu32 " %6" PRIu32
			    " %8ld\n", h->name, h->address, h->nfs_port,
			    h->mount_port, load);
	}
	if (o.json)
		sb_printf(&sb, "%s]\n", conf->nheads ? "\n" : "");
	registry_close(&reg);
	r = emit(&sb);
	sb_free(&sb);
	return r;
}

static int
cmd_audit(const struct nfswap_conf *conf, int argc, char **argv)
{
	struct registry reg;
	struct strbuf sb;
	struct subopts o;
	struct diag d;
	int r, problems = 0;

	if ((r = parse_sub(argc, argv, "j", 0, 0, &o)) != 0)
		return r;
	if (registry_open(&reg, conf, 0, &d) < 0)
		return report(&d);
	sb_init(&sb);
	r = audit_run(&reg, o.json, &sb, &problems, &d);
	registry_close(&reg);
	if (r < 0) {
		sb_free(&sb);
		return report(&d);
	}
	r = emit(&sb);
	sb_free(&sb);
	return r != EXIT_OK ? r : problems ? EXIT_FINDINGS : EXIT_OK;
}

static const struct command {
	const char	*name;
	int		(*run)(const struct nfswap_conf *, int, char **);
} commands[] = {
	{ "add", cmd_add },
	{ "remove", cmd_remove },
	{ "list", cmd_list },
	{ "show", cmd_show },
	{ "quota", cmd_quota },
	{ "move", cmd_move },
	{ "heads", cmd_heads },
	{ "exports", cmd_exports },
	{ "audit", cmd_audit },
	{ "serve", serve_main },
	{ NULL, NULL }
};

int
main(int argc, char *argv[])
{
	const char *config = NULL;
	const struct command *cmd;
	struct nfswap_conf conf;
	struct diag d;
	int ch, check = 0;

	log_init("nfswap", 1, 0);
	while ((ch = getopt(argc, argv, "+c:nhV")) != -1) {
		switch (ch) {
		case 'c':
			config = optarg;
			break;
		case 'n':
			check = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return EXIT_OK;
		case 'V':
			printf("nfswap %s\n", NFSWAP_VERSION);
			return EXIT_OK;
		default:
			return usage(NULL);
		}
	}
	if (conf_load(&conf, config ? config : NFSWAP_CONF_DEFAULT,
	    config != NULL, &d) < 0)
		return report(&d);
	if (check) {
		if (optind != argc)
			return usage("-n takes no command");
		printf("configuration OK%s%s\n", conf.file[0] ? ": " : 
		    " (built-in defaults)", conf.file);
		warn_insecure(&conf);
		return EXIT_OK;
	}
	if (optind == argc)
		return usage("no command given");
	for (cmd = commands; cmd->name; cmd++)
		if (strcmp(cmd->name, argv[optind]) == 0)
			return cmd->run(&conf, argc - optind, argv + optind);
	return usage("unknown command \"%s\"", argv[optind]);
}
