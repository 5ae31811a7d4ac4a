/*
 * cmd_metrics.c -- "nfswap metrics": the registry's clients in
 * Prometheus's text format, for node_exporter's textfile collector: per
 * client, its quota and inode limit, what its directory holds (bytes,
 * inodes, files) and whether that could be measured.  With --output the
 * file is replaced atomically (a collector never reads half of it); the
 * shipped nfswap-metrics.timer does that every minute.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

/* A label value: the registry's names are [a-z0-9-] and hosts are
 * addresses or DNS names, but escape what the format asks all the same. */
static const char *
label(const char *s, char *out, size_t len)
{
	size_t o = 0;

	for (; *s && o + 3 < len; s++) {
		if (*s == '\\' || *s == '"')
			out[o++] = '\\';
		if (*s == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
			continue;
		}
		out[o++] = *s;
	}
	out[o] = '\0';
	return out;
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
	char name[2 * NAME_MAXLEN + 2], host[2 * HOST_MAXLEN + 2];
	int r, *have = NULL, store_ok;

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
			sb_printf(&sb, "%s{client=\"%s\",host=\"%s\"} %" PRIu64
			    "\n", series[k].name, label(v[i].name, name,
			    sizeof(name)), label(v[i].host, host, sizeof(host)),
			    x);
		}
	}
	head(&sb, "nfswap_clients", "Clients in the registry.");
	sb_printf(&sb, "nfswap_clients %zu\n", n);
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
