/*
 * conf.c -- nfswapd.conf (libconfig), the kernel command line's nfswap=,
 * the %h/%i expansion of the export path, and the check of what the
 * provisioner's LOOKUP says before any of it is used (the mount options
 * built from the configuration are mount.c's).
 *
 * Everything but agent_conf_load() is pure on strings.  Errors in the file
 * are "file:line: text"; unknown settings are errors.  Nothing that comes
 * from the network or the kernel command line reaches a mount without
 * passing the same checks as the file's own settings.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "cfg.h"

void
agent_conf_defaults(struct agent_conf *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->mount_point, sizeof(c->mount_point), "/run/nfswap");
	c->vers_major = 3;
	c->rsize = c->wsize = 2048;	/* the deployment spec */
	c->min_swap_wsize = WSIZE_AUTO;
	c->timeo = 600;
	c->hard = 1;
	c->nolock = 1;
	snprintf(c->proto, sizeof(c->proto), "tcp");
	c->block_size = 2048;
	c->priority = -1;
	c->poll_ms = 1000;
	c->provisioner_timeout = PROV_CALL_S;
	snprintf(c->status_file, sizeof(c->status_file),
	    "/run/nfswapd/status.json");
	policy_config_defaults(&c->policy);
}

static const struct cfg_key top_keys[] = {
	{ "server", CONFIG_TYPE_STRING },
	{ "export", CONFIG_TYPE_STRING },
	{ "mount_point", CONFIG_TYPE_STRING },
	{ "provisioner", CONFIG_TYPE_STRING },
	{ "provisioner_port", CONFIG_TYPE_INT },
	{ "provisioner_timeout", CONFIG_TYPE_INT },
	{ "allocate_timeout", CONFIG_TYPE_INT },
	{ "servers", CONFIG_TYPE_ARRAY },
	{ "nfs", CONFIG_TYPE_GROUP },
	{ "swap", CONFIG_TYPE_GROUP },
	{ "policy", CONFIG_TYPE_GROUP },
	{ NULL, 0 }
};
static const struct cfg_key nfs_keys[] = {
	{ "version", CFG_NUMSTR },	/* 3, 4, "4.1": a number or a string */
	{ "port", CONFIG_TYPE_INT },
	{ "mountport", CONFIG_TYPE_INT },
	{ "rsize", CONFIG_TYPE_INT },
	{ "wsize", CONFIG_TYPE_INT },
	{ "min_swap_wsize", CONFIG_TYPE_INT },
	{ "literal_wsize", CONFIG_TYPE_BOOL },
	{ "timeo", CONFIG_TYPE_INT },
	{ "hard", CONFIG_TYPE_BOOL },
	{ "nolock", CONFIG_TYPE_BOOL },
	{ "proto", CONFIG_TYPE_STRING },
	{ "options", CONFIG_TYPE_STRING },
	{ NULL, 0 }
};
static const struct cfg_key swap_keys[] = {
	{ "block_size", CONFIG_TYPE_INT },
	{ "priority", CONFIG_TYPE_INT },
	{ "poll", CONFIG_TYPE_INT },
	{ "status_file", CONFIG_TYPE_STRING },
	{ NULL, 0 }
};

/* The policy's keys are its own table; every one takes a number or text. */
static int
load_policy(struct agent_conf *c, const config_setting_t *g, const char *file,
    struct diag *d)
{
	struct cfg_key keys[24];
	const char *why;
	size_t i;
	int n, r;

	for (i = 0; policy_config_keys[i] != NULL && i + 1 < 24; i++) {
		keys[i].name = policy_config_keys[i];
		keys[i].type = CFG_NUMSTR;
	}
	keys[i].name = NULL;
	if ((r = cfg_check_keys(g, keys, file, d)) < 0)
		return r;
	n = config_setting_length(g);
	for (i = 0; i < (size_t)n; i++) {
		const config_setting_t *s = config_setting_get_elem(g,
		    (unsigned)i);
		char text[64];

		if (config_setting_type(s) == CONFIG_TYPE_STRING)
			snprintf(text, sizeof(text), "%s",
			    config_setting_get_string(s));
		else if (config_setting_get_int64(s) < 0)
			return cfg_at(d, file, s, "%s must not be negative",
			    config_setting_name(s));
		else
			snprintf(text, sizeof(text), "%lld",
			    config_setting_get_int64(s));
		if (policy_config_set(&c->policy, config_setting_name(s), text,
		    &why) < 0)
			return cfg_at(d, file, s, "%s: %s", config_setting_name(s),
			    why);
	}
	if (policy_config_check(&c->policy, &why) < 0)
		return cfg_at(d, file, g, "policy: %s", why);
	return 0;
}

static int
parse_version(const char *v, unsigned *major, unsigned *minor)
{
	if (strcmp(v, "3") == 0 || strcmp(v, "3.0") == 0)
		*major = 3, *minor = 0;
	else if (strcmp(v, "4") == 0 || strcmp(v, "4.0") == 0)
		*major = 4, *minor = 0;
	else if (strcmp(v, "4.1") == 0)
		*major = 4, *minor = 1;
	else if (strcmp(v, "4.2") == 0)
		*major = 4, *minor = 2;
	else
		return -EINVAL;
	return 0;
}

/* Characters that would end or smuggle a mount option, or worse. */
static int
option_safe(const char *s)
{
	for (; *s; s++)
		if (*s < 0x21 || *s > 0x7e || *s == '"' || *s == '\\' || *s == '\'')
			return 0;
	return 1;
}

static int
load_nfs(struct agent_conf *c, const config_setting_t *g, const char *file,
    struct diag *d)
{
	const config_setting_t *s;
	char v[16];
	int r;

	if ((r = cfg_check_keys(g, nfs_keys, file, d)) < 0 ||
	    (r = cfg_get_u32(g, "port", &c->port, 0, 65535, file, d)) < 0 ||
	    (r = cfg_get_u32(g, "mountport", &c->mountport, 0, 65535, file,
	    d)) < 0 ||
	    (r = cfg_get_u32(g, "rsize", &c->rsize, 1024, 1048576, file, d)) < 0 ||
	    (r = cfg_get_u32(g, "wsize", &c->wsize, 1024, 1048576, file, d)) < 0 ||
	    (r = cfg_get_u32(g, "min_swap_wsize", &c->min_swap_wsize, 0,
	    1048576, file, d)) < 0 ||
	    (r = cfg_get_u32(g, "timeo", &c->timeo, 1, 6000, file, d)) < 0 ||
	    (r = cfg_get_bool(g, "hard", &c->hard)) < 0 ||
	    (r = cfg_get_bool(g, "nolock", &c->nolock)) < 0 ||
	    (r = cfg_get_bool(g, "literal_wsize", &c->literal_wsize)) < 0 ||
	    (r = cfg_get_string(g, "proto", c->proto, sizeof(c->proto), file,
	    d)) < 0 ||
	    (r = cfg_get_string(g, "options", c->options, sizeof(c->options),
	    file, d)) < 0)
		return r;
	if ((s = config_setting_get_member(g, "version")) != NULL) {
		if (config_setting_type(s) == CONFIG_TYPE_STRING)
			snprintf(v, sizeof(v), "%s", config_setting_get_string(s));
		else
			snprintf(v, sizeof(v), "%lld", config_setting_get_int64(s));
		if (parse_version(v, &c->vers_major, &c->vers_minor) < 0)
			return cfg_at(d, file, s, "nfs.version must be 3, 4, "
			    "\"4.1\" or \"4.2\", not %s", v);
	}
	if (strcmp(c->proto, "tcp") != 0 && strcmp(c->proto, "rdma") != 0)
		return cfg_at(d, file, config_setting_get_member(g, "proto"),
		    "nfs.proto must be \"tcp\" (or \"rdma\"): swap over UDP "
		    "loses pages");
	if (c->options[0] != '\0' && !option_safe(c->options))
		return cfg_at(d, file, config_setting_get_member(g, "options"),
		    "nfs.options: no blanks, quotes or backslashes");
	return 0;
}

static int
load_swap(struct agent_conf *c, const config_setting_t *g, const char *file,
    struct diag *d)
{
	const config_setting_t *s;
	uint32_t poll = c->poll_ms / 1000;
	int r;

	if ((r = cfg_check_keys(g, swap_keys, file, d)) < 0 ||
	    (r = cfg_get_u32(g, "block_size", &c->block_size, 512, 65536,
	    file, d)) < 0 ||
	    (r = cfg_get_u32(g, "poll", &poll, 1, 60, file, d)) < 0 ||
	    (r = cfg_get_path(g, "status_file", c->status_file,
	    sizeof(c->status_file), file, d)) < 0)
		return r;
	if (c->block_size % 512 != 0)
		return cfg_at(d, file, config_setting_get_member(g, "block_size"),
		    "swap.block_size must be a multiple of 512");
	if ((s = config_setting_get_member(g, "priority")) != NULL) {
		long long p = config_setting_get_int64(s);

		if (p < -1 || p > 32767)
			return cfg_at(d, file, s, "swap.priority must be -1 "
			    "(the kernel's choice) to 32767");
		c->priority = (int)p;
	}
	c->poll_ms = poll * 1000;
	c->policy.poll_ms = c->poll_ms;
	return 0;
}

/*
 * servers: the NFS servers (heads) that LOOKUP may name besides the
 * provisioner itself -- addresses, networks or names, as [ "10.0.0.11",
 * "10.0.1.0/24" ].
 */
static int
load_servers(struct agent_conf *c, const config_setting_t *s, const char *file,
    struct diag *d)
{
	const char *why, *v;
	int i, n;

	if (config_setting_type(s) != CONFIG_TYPE_ARRAY)
		return cfg_at(d, file, s, "servers must be a list of addresses, "
		    "networks or names, as in [ \"10.0.0.11\", \"10.0.1.0/24\" ]");
	n = config_setting_length(s);
	if (n > SERVERS_MAX)
		return cfg_at(d, file, s, "servers: at most %d entries",
		    SERVERS_MAX);
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s,
		    (unsigned)i);

		if ((v = config_setting_get_string(e)) == NULL)
			return cfg_at(d, file, s, "servers must be a list of "
			    "strings");
		if (valid_host(v, &c->servers[i], &why) < 0)
			return cfg_at(d, file, s, "servers: %s: %s", v, why);
	}
	c->nservers = (unsigned)n;
	return 0;
}

static int
load_settings(struct agent_conf *c, config_t *cf, const char *file,
    struct diag *d)
{
	const config_setting_t *root = config_root_setting(cf), *s, *g;
	const char *why;
	int r;

	/* before the table's check, whose wording is for the other types */
	if ((s = config_setting_get_member(root, "servers")) != NULL &&
	    (r = load_servers(c, s, file, d)) < 0)
		return r;
	if ((r = cfg_check_keys(root, top_keys, file, d)) < 0 ||
	    (r = cfg_get_path(root, "mount_point", c->mount_point,
	    sizeof(c->mount_point), file, d)) < 0 ||
	    (r = cfg_get_string(root, "export", c->export_path,
	    sizeof(c->export_path), file, d)) < 0)
		return r;
	if ((s = config_setting_get_member(root, "server")) != NULL) {
		struct host h;

		if (valid_host(config_setting_get_string(s), &h, &why) < 0 ||
		    h.kind == HOST_NET4 || h.kind == HOST_NET6)
			return cfg_at(d, file, s, "server: %s",
			    h.kind == HOST_NET4 || h.kind == HOST_NET6 ?
			    "a network is not a server" : why);
		snprintf(c->server, sizeof(c->server), "%s", h.canon);
	}
	if ((s = config_setting_get_member(root, "provisioner")) != NULL) {
		struct host h;

		if (valid_host(config_setting_get_string(s), &h, &why) < 0)
			return cfg_at(d, file, s, "provisioner: %s", why);
		if (h.kind != HOST_IPV4)
			return cfg_at(d, file, s, "provisioner: an IPv4 address "
			    "is needed (an initramfs has no resolver)");
		snprintf(c->provisioner, sizeof(c->provisioner), "%s", h.canon);
	}
	if ((r = cfg_get_u32(root, "provisioner_port", &c->provisioner_port, 0,
	    65535, file, d)) < 0 ||
	    (r = cfg_get_u32(root, "provisioner_timeout",
	    &c->provisioner_timeout, 1, 600, file, d)) < 0 ||
	    (r = cfg_get_u32(root, "allocate_timeout", &c->allocate_timeout, 0,
	    86400, file, d)) < 0)
		return r;
	if ((s = config_setting_get_member(root, "export")) != NULL) {
		char tmp[PATH_MAXLEN + 1];

		/* Any host's name and address must give a plain path. */
		if (agent_expand(c->export_path, "host", "192.168.100.100", tmp,
		    sizeof(tmp), &why) < 0)
			return cfg_at(d, file, s, "export: %s", why);
	}
	if ((g = config_setting_get_member(root, "nfs")) != NULL &&
	    (r = load_nfs(c, g, file, d)) < 0)
		return r;
	if ((g = config_setting_get_member(root, "swap")) != NULL &&
	    (r = load_swap(c, g, file, d)) < 0)
		return r;
	if ((g = config_setting_get_member(root, "policy")) != NULL &&
	    (r = load_policy(c, g, file, d)) < 0)
		return r;
	return 0;
}

int
agent_conf_load(struct agent_conf *c, const char *path, int must_exist,
    struct diag *d)
{
	config_t cf;
	int r;

	agent_conf_defaults(c);
	config_init(&cf);
	r = cfg_read(&cf, path, must_exist, d);
	if (r == 0) {
		snprintf(c->file, sizeof(c->file), "%s", path);
		r = load_settings(c, &cf, path, d);
	} else if (r > 0)
		r = 0;
	config_destroy(&cf);
	return r;
}

/* The same from text, named name in messages (the fuzzers, tests). */
int
agent_conf_parse(struct agent_conf *c, const char *text, const char *name,
    struct diag *d)
{
	config_t cf;
	int r;

	agent_conf_defaults(c);
	config_init(&cf);
	if ((r = cfg_read_text(&cf, text, name, d)) == 0)
		r = load_settings(c, &cf, name, d);
	config_destroy(&cf);
	return r;
}

/*
 * nfswap=SERVER:/PATH on the kernel command line (the last one wins, as
 * the kernel's own parameters do); PATH may hold %h and %i.  SERVER is a name, an IPv4 address, or
 * an IPv6 address in brackets.  nfswap=off (or no, 0) turns the agent off
 * on this client.  Returns 1 found, 2 off, 0 absent, -EINVAL malformed.
 */
int
agent_cmdline(const char *cmdline, char *server, size_t slen, char *path,
    size_t plen)
{
	const char *p = cmdline, *found = NULL, *end, *colon, *host;
	size_t n, hlen;
	char word[PATH_MAXLEN + HOST_MAXLEN + 16];
	struct host h;
	const char *why;

	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (strncmp(p, "nfswap=", 7) == 0)
			found = p + 7;
		p += strcspn(p, " \t\n");
	}
	if (found == NULL)
		return 0;
	n = strcspn(found, " \t\n");
	if (n == 0 || n >= sizeof(word))
		return -EINVAL;
	memcpy(word, found, n);
	word[n] = '\0';
	if (strcmp(word, "off") == 0 || strcmp(word, "no") == 0 ||
	    strcmp(word, "0") == 0)
		return 2;
	if (word[0] == '[') {
		if ((end = strchr(word, ']')) == NULL || end[1] != ':')
			return -EINVAL;
		host = word + 1;
		hlen = (size_t)(end - host);
		colon = end + 1;
	} else {
		if ((colon = strchr(word, ':')) == NULL)
			return -EINVAL;
		host = word;
		hlen = (size_t)(colon - word);
	}
	if (hlen == 0 || hlen >= slen || strlen(colon + 1) >= plen)
		return -EINVAL;
	memcpy(server, host, hlen);
	server[hlen] = '\0';
	snprintf(path, plen, "%s", colon + 1);
	if (valid_host(server, &h, &why) < 0 || h.kind == HOST_NET4 ||
	    h.kind == HOST_NET6 || agent_expand(colon + 1, "host",
	    "192.168.100.100", word, sizeof(word), &why) < 0)
		return -EINVAL;
	snprintf(server, slen, "%s", h.canon);
	return 1;
}

/*
 * The export path with %h (this host's name) and %i (its primary IPv4
 * address) put in.  The result must still be a
 * plain absolute path; a host name cannot smuggle a "/.." in.
 */
int
agent_expand(const char *tmpl, const char *host, const char *ipv4, char *out,
    size_t len, const char **why)
{
	size_t o = 0;
	const char *p, *add;
	char one[2] = { 0, 0 };

	for (p = tmpl; *p; p++) {
		if (*p != '%') {
			one[0] = *p;
			add = one;
		} else if (p[1] == 'h') {
			if (host == NULL || host[0] == '\0' ||
			    valid_name(host, why) < 0) {
				*why = "%h: this host's name is not a plain name";
				return -EINVAL;
			}
			add = host;
			p++;
		} else if (p[1] == 'i') {
			if (ipv4 == NULL || ipv4[0] == '\0') {
				*why = "%i: this host has no IPv4 address";
				return -EINVAL;
			}
			add = ipv4;
			p++;
		} else {
			*why = "only %h and %i may follow a %";
			return -EINVAL;
		}
		if (o + strlen(add) >= len) {
			*why = "the expanded path is too long";
			return -ENAMETOOLONG;
		}
		memcpy(out + o, add, strlen(add));
		o += strlen(add);
	}
	out[o] = '\0';
	return valid_abspath(out, why);
}

/* s, for a log line: at most 80 characters, anything unprintable as '?'. */
static const char *
shown(const char *s, char *buf, size_t len)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i + 1 < len && i < 80; i++)
		buf[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	buf[i] = '\0';
	return buf;
}

/*
 * Whether the server a LOOKUP answer names may be mounted: the
 * provisioner's own address, the server set in the file (or by nfswap=),
 * or one listed in servers -- the same address or name, or an address in
 * a listed network.
 */
static int
server_allowed(const struct agent_conf *c, const struct host *h)
{
	struct host own;
	const char *why;
	unsigned i;

	if ((c->provisioner[0] != '\0' && valid_host(c->provisioner, &own,
	    &why) == 0 && host_overlap(&own, h)) ||
	    (c->server[0] != '\0' && valid_host(c->server, &own, &why) == 0 &&
	    host_overlap(&own, h)))
		return 1;
	for (i = 0; i < c->nservers; i++)
		if (host_overlap(&c->servers[i], h))
			return 1;
	return 0;
}

/*
 * The check of a LOOKUP answer before any of it is used.  The export path
 * must be a plain path (valid_abspath: no "..", nothing that could reach
 * a mount option, not expanded: a '%' is refused); the client's name a
 * plain name; the ports ports; the server one that server_allowed()
 * accepts.  The server to mount from goes to *server in canonical form
 * (the provisioner for "").  Returns 0, or -EINVAL with what was offered
 * and why it is refused in why.
 */
int
agent_lookup_check(const struct agent_conf *c, const struct prov_export *x,
    char *server, size_t slen, char *why, size_t wlen)
{
	char a[96], b[96];
	const char *w;
	struct host h;

	if (valid_name(x->client, &w) < 0) {
		snprintf(why, wlen, "the client name \"%s\" is refused: %s",
		    shown(x->client, a, sizeof(a)), w);
		return -EINVAL;
	}
	if (valid_abspath(x->path, &w) < 0) {
		snprintf(why, wlen, "the export path \"%s\" is refused: %s",
		    shown(x->path, a, sizeof(a)), w);
		return -EINVAL;
	}
	if (x->nfs_port > 65535 || x->mount_port > 65535) {
		snprintf(why, wlen, "the ports %u and %u are refused: a port is "
		    "0 to 65535", x->nfs_port, x->mount_port);
		return -EINVAL;
	}
	if (x->server[0] == '\0') {
		snprintf(server, slen, "%s", c->provisioner);
		return 0;
	}
	if (valid_host(x->server, &h, &w) < 0 || h.kind == HOST_NET4 ||
	    h.kind == HOST_NET6) {
		snprintf(why, wlen, "the server \"%s\" to mount from is refused: "
		    "%s", shown(x->server, a, sizeof(a)), h.kind == HOST_NET4 ||
		    h.kind == HOST_NET6 ? "a network is not a server" : w);
		return -EINVAL;
	}
	if (!server_allowed(c, &h)) {
		snprintf(why, wlen, "the server %s to mount from is refused: it "
		    "is not the provisioner (%s)%s%s%s and not listed in servers "
		    "in nfswapd.conf", h.canon, shown(c->provisioner, b,
		    sizeof(b)), c->server[0] ? " nor the server set (" : "",
		    c->server, c->server[0] ? ")" : "");
		return -EINVAL;
	}
	if (snprintf(server, slen, "%s", h.canon) >= (int)slen) {
		snprintf(why, wlen, "the server name is too long");
		return -EINVAL;
	}
	return 0;
}

/*
 * How long one ALLOCATE is waited for: allocate_timeout if set; else
 * PROV_SLACK_MS plus the time the file takes at the creation speed the
 * policy counts on until it has measured one (alloc_rate, 4 MiB/s by
 * default) -- a service slower than that is no faster than the agent
 * writing the file itself over NFS, which it then does.
 */
uint64_t
agent_alloc_limit_ms(const struct agent_conf *c, uint64_t size)
{
	uint64_t rate = c->policy.alloc_rate ? c->policy.alloc_rate : 1;

	if (c->allocate_timeout != 0)
		return (uint64_t)c->allocate_timeout * 1000;
	if (size / rate >= 86400)
		return 86400 * 1000ull;
	return PROV_SLACK_MS + (uint64_t)((double)size * 1000.0 / (double)rate);
}
