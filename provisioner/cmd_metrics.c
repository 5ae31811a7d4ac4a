/*
 * cmd_metrics.c -- "nfswap metrics": the registry's clients in
 * Prometheus's text format, for node_exporter's textfile collector: per
 * client, its quota and inode limit, what its directory holds (bytes,
 * inodes, files) and whether that could be measured.  With --output the
 * file is replaced atomically (a collector never reads half of it); the
 * shipped nfswap-metrics.timer does that every minute.  What "nfswap
 * serve" counted (serve_stats.c writes it to serve.stats_file) follows,
 * with nfswap_serve_up: 1 when that file was written within the last
 * SERVE_UP_S seconds (the service rewrites it at least every 15).
 */
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"

#define SERVE_UP_S	60
#define SERVE_FILE_MAX	(64u << 20)	/* bytes of serve.stats_file read */

/*
 * The service's figures, appended: the file is root's (the monitor writes
 * it), read without following a link, whole or not at all.  Returns
 * whether the service is up.
 */
static int
serve_stats(const char *path, struct strbuf *sb)
{
	struct stat st;
	size_t len, got = 0;
	char *buf;
	int fd, up = 0;

	if (path[0] == '\0' ||
	    (fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & 022) != 0 || (uint64_t)st.st_size > SERVE_FILE_MAX ||
	    (buf = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		return 0;
	}
	len = (size_t)st.st_size;
	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (got == len && (len == 0 || buf[len - 1] == '\n')) {
		buf[len] = '\0';
		sb_printf(sb, "%s", buf);
		up = time(NULL) - st.st_mtime <= SERVE_UP_S;
	}
	free(buf);
	return up;
}

static void
head(struct strbuf *sb, const char *name, const char *help)
{
	sb_printf(sb, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

int
cmd_metrics(const struct nfswap_conf *conf, int argc, char **argv)
{
	/* What a sample needs: nothing (the registry's), the directory
	 * measured, or walked (a project quota counts no files). */
	enum { REGISTRY, MEASURED, WALKED };
	static const struct {
		const char	*name, *help;
		int		needs;
	} series[] = {
		{ "nfswap_client_quota_bytes", "The client's quota.", REGISTRY },
		{ "nfswap_client_inodes_limit", "The client's inode limit.", REGISTRY },
		{ "nfswap_client_used_bytes", "What the client's directory holds.", MEASURED },
		{ "nfswap_client_inodes_used", "Inodes in the client's directory, its own included.", MEASURED },
		{ "nfswap_client_files", "Files in the client's directory (where it was walked).", WALKED },
		{ "nfswap_client_usage_known", "1 when the directory could be measured (completely).", REGISTRY },
	};
	struct registry reg;
	struct client *v = NULL;
	struct dir_usage *u = NULL;
	struct subopts o;
	struct strbuf sb;
	struct store *st = NULL;
	struct diag d, sd;
	size_t n = 0, i, k;
	int r, *have = NULL, store_ok, up;

	if ((r = cmd_parse(argc, argv, "o", 0, 0, &o)) != 0)
		return r;
	if (registry_open(&reg, conf, 0, &d) < 0)
		return cmd_report(&d);
	if (registry_list(&reg, &v, &n, &d) < 0) {
		registry_close(&reg);
		return cmd_report(&d);
	}
	if (n > 0 && ((u = calloc(n, sizeof(*u))) == NULL ||
	    (have = calloc(n, sizeof(*have))) == NULL)) {
		registry_close(&reg);
		free(v); free(u);
		fprintf(stderr, "nfswap: out of memory\n");
		return EXIT_RUNTIME;
	}
	/* Storage that does not answer (a cluster down) leaves the usage
	 * unknown, and the registry's figures are still given. */
	store_ok = registry_store(&reg, &st, &sd) == 0;
	for (i = 0; i < n; i++)
		have[i] = store_ok && store_usage(st, v[i].name, v[i].uid,
		    v[i].gid, 1, &u[i]) == 0;
	registry_close(&reg);

	sb_init(&sb);
	for (k = 0; k < sizeof(series) / sizeof(series[0]); k++) {
		head(&sb, series[k].name, series[k].help);
		for (i = 0; i < n; i++) {
			uint64_t x;

			switch (k) {
			case 0: x = v[i].quota; break;
			case 1: x = v[i].inodes; break;
			case 2: x = u[i].bytes; break;
			case 3: x = u[i].inodes; break;
			case 4: x = u[i].files; break;
			default: x = have[i] && !u[i].incomplete; break;
			}
			if ((series[k].needs != REGISTRY && !have[i]) ||
			    (series[k].needs == WALKED && !u[i].walked))
				continue;	/* not known: no sample */
			/* The registry's names are [a-z0-9-] and hosts are
			 * addresses or DNS names, but escaped all the same. */
			sb_printf(&sb, "%s{client=", series[k].name);
			sb_putlabel(&sb, v[i].name);
			sb_printf(&sb, ",host=");
			sb_putlabel(&sb, v[i].host);
			sb_printf(&sb, "} %" PRIu64 "\n", x);
		}
	}
	head(&sb, "nfswap_clients", "Clients in the registry.");
	sb_printf(&sb, "nfswap_clients %zu\n", n);
	up = serve_stats(conf->serve.stats_file, &sb);
	head(&sb, "nfswap_serve_up", "1 when nfswap serve wrote its figures "
	    "within the last minute.");
	sb_printf(&sb, "nfswap_serve_up %d\n", up);
	free(v); free(u); free(have);
	if (sb.oom) {
		sb_free(&sb);
		fprintf(stderr, "nfswap: out of memory\n");
		return EXIT_RUNTIME;
	}
	if (o.output == NULL || strcmp(o.output, "-") == 0) {
		r = cmd_emit(&sb);
		sb_free(&sb);
		return r;
	}
	r = file_replace(o.output, sb.s, sb.len, 0644);
	sb_free(&sb);
	if (r < 0) {
		fprintf(stderr, "nfswap: cannot write %s: %s\n", o.output,
		    strerror(-r));
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}
