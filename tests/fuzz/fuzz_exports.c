/*
 * The exports renderers (exports/exports.c).  The input is lines: the
 * first is the extra kernel options, each other "NAME HOST UID ID" a
 * client.  Whatever the renderer accepts, its output holds exactly one
 * exports line and one EXPORT block per client, each exactly as that
 * client's fields make it, and nothing else: no field smuggles a line,
 * an option or a block in.
 */
#include <inttypes.h>

#include "fuzz.h"
#include "exports.h"

#define MAXC 16

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct exports_client c[MAXC];
	struct exports_opts o = {
		.export_root = "/srv/nfswap", .pseudo_root = "/swap",
		.kernel_options = "", .allow_insecure = 1
	};
	struct strbuf sb;
	struct diag err;
	char want[1024], *text = fuzz_str(data, size), *line, *save;
	size_t n = 0, i, lines;
	const char *p;

	line = strtok_r(text, "\n", &save);
	if (line != NULL) {
		o.kernel_options = line;
		while (n < MAXC && (line = strtok_r(NULL, "\n", &save)) != NULL) {
			char *f[4], *fs;
			int k;

			memset(&c[n], 0, sizeof(c[n]));
			for (k = 0, f[0] = strtok_r(line, " ", &fs); k < 3 && f[k];
			    k++)
				f[k + 1] = strtok_r(NULL, " ", &fs);
			if (k < 3 || f[3] == NULL)
				continue;
			snprintf(c[n].name, sizeof(c[n].name), "%s", f[0]);
			snprintf(c[n].host, sizeof(c[n].host), "%s", f[1]);
			c[n].uid = c[n].gid = (uint32_t)strtoul(f[2], NULL, 10);
			c[n].export_id = (uint32_t)strtoul(f[3], NULL, 10);
			n++;
		}
	}
	sb_init(&sb);
	if (exports_render(EXPORTS_KERNEL, c, n, &o, &sb, &err) == 0) {
		for (lines = 0, p = sb.s; (p = strchr(p, '\n')) != NULL; p++)
			lines++;
		PROPERTY(lines == n + 1);		/* the header, then one each */
		for (i = 0; i < n; i++) {
			snprintf(want, sizeof(want), "\n/srv/nfswap/%s %s(sec=sys,rw,sync,"
			    "no_subtree_check,all_squash,anonuid=%" PRIu32
			    ",anongid=%" PRIu32 "%s%s)\n", c[i].name, c[i].host,
			    c[i].uid, c[i].gid, o.kernel_options[0] ? "," : "",
			    o.kernel_options);
			PROPERTY(fuzz_count(sb.s, want) == 1);
		}
		sb_reset(&sb);
		PROPERTY(exports_render(EXPORTS_GANESHA, c, n, &o, &sb, &err) == 0);
		PROPERTY(fuzz_count(sb.s, "EXPORT {") == n);
		PROPERTY(fuzz_count(sb.s, "{") == 3 * n && fuzz_count(sb.s, "}") == 3 * n);
		PROPERTY(fuzz_count(sb.s, "\tClients = ") == n);
		for (i = 0; i < n; i++) {
			snprintf(want, sizeof(want), "\tPath = \"/srv/nfswap/%s\";\n",
			    c[i].name);
			PROPERTY(fuzz_count(sb.s, want) == 1);
			snprintf(want, sizeof(want), "\t\tClients = %s;\n",
			    c[i].host);
			PROPERTY(fuzz_count(sb.s, want) >= 1);
		}
	}
	sb_free(&sb);
	free(text);
	return 0;
}
