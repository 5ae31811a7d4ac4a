/*
 * What reaches nfswapd from outside its file, each the same input:
 *  - nfswap= on the kernel command line (agent/conf.c): absent, off, a
 *    server and an absolute path that fit their buffers, or refused;
 *  - a record of /dev/kmsg (agent/kmsg.c): a swap error only if it is the
 *    kernel's (facility 0, a level the kernel logs swap errors at) and
 *    one of the kernel's swap error messages;
 *  - a LOOKUP answer, its lines taken as client, path and server
 *    (agent_lookup_check): accepted only with a plain path and a server
 *    that is the provisioner or listed in servers.
 */
#include "fuzz.h"
#include "agent.h"

static int
lookup_conf(struct agent_conf *c)
{
	struct diag d;

	diag_clear(&d);
	return agent_conf_parse(c, "provisioner = \"192.0.2.1\";\n"
	    "servers = [ \"198.51.100.0/24\", \"head.example.org\" ];\n",
	    "fuzz.conf", &d);
}

static void
lookup(const struct agent_conf *c, const char *text)
{
	struct prov_export x;
	struct host h, net;
	char server[HOST_MAXLEN + 1];
	struct diag why;
	const char *p = text;
	size_t i, n;

	memset(&x, 0, sizeof(x));
	for (i = 0; i < 3; i++) {
		char *dst = i == 0 ? x.client : i == 1 ? x.path : x.server;
		size_t len = i == 0 ? sizeof(x.client) : i == 1 ?
		    sizeof(x.path) : sizeof(x.server);

		n = strcspn(p, "\n");
		if (n >= len)
			n = len - 1;
		memcpy(dst, p, n);
		dst[n] = '\0';
		p += strcspn(p, "\n");
		if (*p == '\n')
			p++;
	}
	if (agent_lookup_check(c, &x, server, sizeof(server), &why) < 0) {
		PROPERTY(why.msg[0] != '\0' && strlen(why.msg) < sizeof(why.msg));
		return;
	}
	PROPERTY(valid_abspath(x.path, NULL) == 0);
	PROPERTY(valid_name(x.client, NULL) == 0);
	PROPERTY(valid_host(server, &h, NULL) == 0);
	PROPERTY(h.kind == HOST_IPV4 || h.kind == HOST_IPV6 ||
	    h.kind == HOST_DNS);
	PROPERTY(valid_host("198.51.100.0/24", &net, NULL) == 0);
	PROPERTY(strcmp(server, "192.0.2.1") == 0 ||
	    strcmp(server, "head.example.org") == 0 || host_overlap(&h, &net));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct agent_conf c;
	static int ready;
	char server[HOST_MAXLEN + 1], path[PATH_MAXLEN + 1];
	char *text = fuzz_str(data, size), *rec;
	int r = agent_cmdline(text, server, sizeof(server), path, sizeof(path));

	PROPERTY(r == 0 || r == 1 || r == 2 || r == -EINVAL);
	if (r == 1) {
		PROPERTY(server[0] != '\0' && strlen(server) < sizeof(server));
		PROPERTY(path[0] == '/');
		PROPERTY(strchr(server, ' ') == NULL && strchr(path, ' ') == NULL);
	}
	if (r == 0 || r == 2)
		PROPERTY(strstr(text, "nfswap=") != NULL || r == 0);

	/* the record in a block of exactly its size */
	rec = malloc(size ? size : 1);
	if (rec == NULL)
		abort();
	memcpy(rec, data, size);
	r = kmsg_swap_error(rec, size);
	PROPERTY(r == 0 || r == KMSG_READ || r == KMSG_WRITE);
	if (r != 0) {
		PROPERTY(size > 2 && (rec[0] == '1' || rec[0] == '3') &&
		    rec[1] == ',');
		PROPERTY(memchr(rec, ';', size) != NULL);
	}
	free(rec);

	if (!ready)
		ready = lookup_conf(&c) == 0 ? 1 : -1;
	PROPERTY(ready == 1);
	lookup(&c, text);
	free(text);
	return 0;
}
