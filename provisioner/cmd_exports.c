/*
 * cmd_exports.c -- the commands about exports and heads: exports (render
 * the registry for the kernel NFS server or NFS-Ganesha, and reload it),
 * move (a client to another head) and heads.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"

/*
 * The kernel server's exports.d (exports(5): exportfs reads *.exports
 * there), missing on a server without nfs-kernel-server yet: made, as
 * nfs-kernel-server makes it, when its own parent exists.  Only for the
 * kernel format, only that one directory level; 0 when made.
 */
static int
make_parent(enum exports_format fmt, const char *path)
{
	char dir[PATH_MAX];
	char *slash;

	if (fmt != EXPORTS_KERNEL ||
	    snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir) ||
	    (slash = strrchr(dir, '/')) == NULL || slash == dir)
		return -1;
	*slash = '\0';
	if (mkdir(dir, 0755) < 0)
		return -1;
	fprintf(stderr, "nfswap: made %s (the kernel NFS server reads "
	    "*.exports there: apt install nfs-kernel-server, then "
	    "exportfs -ra)\n", dir);
	return 0;
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
void
cmd_warn_insecure(const struct nfswap_conf *conf)
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
	size_t all, i;
	int r;

	if (fmt == EXPORTS_KERNEL)
		cmd_warn_insecure(conf);
	if (conf->backend == BACKEND_CEPHFS) {
		eo.ceph_fs = conf->cephfs.filesystem;
		eo.ceph_user = conf->cephfs.ganesha_user;
	}
	if ((r = registry_list(reg, &v, &all, &d)) < 0)
		return cmd_report(&d);
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
	r = exports_render(fmt, e, *n, &eo, &sb, &d);
	free(e);
	if (r < 0) {
		sb_free(&sb);
		fprintf(stderr, "nfswap: cannot render exports: %s\n", d.msg);
		return EXIT_RUNTIME;
	}
	if (strcmp(path, "-") == 0) {
		r = cmd_emit(&sb);
		sb_free(&sb);
		return r;
	}
	r = file_replace(path, sb.s, sb.len, 0644);
	if (r == -ENOENT && make_parent(fmt, path) == 0)
		r = file_replace(path, sb.s, sb.len, 0644);
	sb_free(&sb);
	if (r == -ENOENT) {
		fprintf(stderr, "nfswap: cannot write %s: its directory does "
		    "not exist%s\n", path, fmt == EXPORTS_GANESHA ?
		    " (is NFS-Ganesha installed? apt install nfs-ganesha, or "
		    "set ganesha.exports_file)" : "");
		return EXIT_RUNTIME;
	}
	if (r < 0) {
		fprintf(stderr, "nfswap: cannot write %s: %s\n", path, strerror(-r));
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}

int
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

	if ((r = cmd_parse(argc, argv, "froh", 0, 0, &o)) != 0)
		return r;
	if (o.format && exports_format_parse(o.format, &fmt) < 0)
		return cmd_usage("exports: --format must be kernel or ganesha, "
		    "not \"%s\"", o.format);
	if (fmt == EXPORTS_KERNEL && conf->backend == BACKEND_CEPHFS)
		return cmd_usage("exports: the kernel NFS server cannot serve "
		    "CephFS through nfswap (backend \"cephfs\"): use --format "
		    "ganesha");
	if (o.head && conf->nheads == 0)
		return cmd_usage("exports: --head: no heads are configured");
	if (o.head && (head = conf_head(conf, o.head)) == NULL)
		return cmd_usage("exports: no head named \"%s\" (heads: %s)",
		    o.head, head_names(conf, names, sizeof(names)));
	if (head == NULL && conf->nheads > 0)
		return cmd_usage("exports: heads are configured: say which with "
		    "--head HEAD (heads: %s)", head_names(conf, names,
		    sizeof(names)));
	path = o.output ? o.output : fmt == EXPORTS_KERNEL ? conf->kernel_file :
	    head ? head->exports_file : conf->ganesha_file;
	if (head)
		pid_file = head->pid_file;
	if (strcmp(path, "-") == 0 && o.reload)
		return cmd_usage("exports: --reload needs a file, not standard "
		    "output");

	/* Exclusive: the output's temporary name is fixed (fileio.c). */
	if (registry_open(&reg, conf, 1, &d) < 0)
		return cmd_report(&d);
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
int
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

	if ((r = cmd_parse(argc, argv, "rn", 2, 2, &o)) != 0)
		return r;
	if (conf->nheads == 0)
		return cmd_usage("move: no heads are configured");
	if ((to = conf_head(conf, o.pos[1])) == NULL)
		return cmd_usage("move: no head named \"%s\" (heads: %s)", o.pos[1],
		    head_names(conf, names, sizeof(names)));
	if (registry_open(&reg, conf, 1, &d) < 0)
		return cmd_report(&d);
	/* finishing: it was on that head already, and leaves the other */
	if ((r = registry_get(&reg, o.pos[0], &c, &d)) == 0) {
		finishing = strcmp(c.head, to->name) == 0;
		if ((r = registry_move(&reg, o.pos[0], to->name, o.now, old,
		    sizeof(old), &d)) == 0)
			r = registry_get(&reg, o.pos[0], &c, &d);
	}
	if (r < 0) {
		registry_close(&reg);
		return cmd_report(&d);
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
int
cmd_heads(const struct nfswap_conf *conf, int argc, char **argv)
{
	struct registry reg;
	struct strbuf sb;
	struct subopts o;
	struct diag d;
	unsigned i;
	long load;
	int r;

	if ((r = cmd_parse(argc, argv, "j", 0, 0, &o)) != 0)
		return r;
	if (registry_open(&reg, conf, 0, &d) < 0)
		return cmd_report(&d);
	sb_init(&sb);
	if (o.json)
		sb_printf(&sb, "[");
	else
		sb_printf(&sb, "%-24s %-28s %6s %6s %8s\n", "HEAD", "ADDRESS",
		    "NFS", "MOUNT", "CLIENTS");
	for (i = 0; i < conf->nheads; i++) {
		const struct head *h = &conf->heads[i];

		load = registry_head_load(&reg, h->name);
		if (o.json) {
			sb_printf(&sb, "%s\n  {\"name\": ", i ? "," : "");
			sb_putjson(&sb, h->name);
			sb_printf(&sb, ", \"address\": ");
			sb_putjson(&sb, h->address);
			sb_printf(&sb, ", \"nfs_port\": %" PRIu32
			    ", \"mount_port\": %" PRIu32 ", \"clients\": %ld}",
			    h->nfs_port, h->mount_port, load);
		} else
			sb_printf(&sb, "%-24s %-28s %6" PRIu32 " %6" PRIu32
			    " %8ld\n", h->name, h->address, h->nfs_port,
			    h->mount_port, load);
	}
	if (o.json)
		sb_printf(&sb, "%s]\n", conf->nheads ? "\n" : "");
	registry_close(&reg);
	r = cmd_emit(&sb);
	sb_free(&sb);
	return r;
}
