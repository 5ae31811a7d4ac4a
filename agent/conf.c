/*
 * conf.c -- nfswapd.conf (libconfig, as the table agent_conf_rows[]
 * read by common/cfg.c: a setting is a row, its special handling a
 * callback beside it), the kernel command line's nfswap=, the %h/%i
 * expansion of the export path, and the check of what the provisioner's
 * LOOKUP says before any of it is used (the mount options built from the
 * configuration are mount.c's).
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

#define XSTR(x)	STR(x)
#define STR(x)	#x
#define F(f)	CFG_FIELD(struct agent_conf, f)
#define CONF(p)	((struct agent_conf *)(p))

static cfg_parse_fn set_server, set_provisioner, check_export, load_servers,
    set_version, check_proto, check_options, check_block_size, check_min_free,
    set_priority, set_poll, load_policy;

/*
 * nfswapd.conf, one row per setting (cfg.h): group, name, kind, libconfig
 * type, field, limits, the default as nfswapd.conf(5) gives it, and
 * whether SIGHUP applies it.  The policy group's own rows are
 * policy_settings[] (agent/policy.c), which nfswap-sim --set reads too.
 * tests/host/confdoc.sh checks docs/nfswapd.conf.5 and the example
 * against these rows.
 */
const struct cfg_row agent_conf_rows[] = {
	{ "", "servers", CFG_CALL, CFG_ANY, F(servers), 0, 0, NULL, NULL,
	    load_servers, 0 },
	{ "", "mount_point", CFG_PATH, CONFIG_TYPE_STRING, F(mount_point), 0, 0,
	    "/run/nfswap", NULL, NULL, 0 },
	{ "", "export", CFG_STR, CONFIG_TYPE_STRING, F(export_path), 0, 0,
	    NULL, NULL, check_export, 0 },
	{ "", "server", CFG_CALL, CONFIG_TYPE_STRING, F(server), 0, 0, NULL,
	    NULL, set_server, 0 },
	{ "", "provisioner", CFG_CALL, CONFIG_TYPE_STRING, F(provisioner), 0, 0,
	    NULL, NULL, set_provisioner, 0 },
	{ "", "provisioner_port", CFG_UINT, CONFIG_TYPE_INT,
	    F(provisioner_port), 0, 65535, "0", NULL, NULL, 0 },
	{ "", "provisioner_timeout", CFG_UINT, CONFIG_TYPE_INT,
	    F(provisioner_timeout), 1, 600, XSTR(PROV_CALL_S), NULL, NULL, 0 },
	{ "", "allocate_timeout", CFG_UINT, CONFIG_TYPE_INT,
	    F(allocate_timeout), 0, 86400, "0", NULL, NULL, 0 },
	{ "", "nfs", CFG_GROUP, CONFIG_TYPE_GROUP, 0, 0, 0, 0, NULL, NULL,
	    NULL, 0 },
	{ "", "swap", CFG_GROUP, CONFIG_TYPE_GROUP, 0, 0, 0, 0, NULL, NULL,
	    NULL, 0 },
	{ "", "policy", CFG_CALL, CONFIG_TYPE_GROUP, F(policy), 0, 0, NULL,
	    NULL, load_policy, CFG_RELOAD },

	{ "nfs", "version", CFG_CALL, CFG_NUMSTR, F(vers_major), 0, 0, "3",
	    NULL, set_version, 0 },
	{ "nfs", "port", CFG_UINT, CONFIG_TYPE_INT, F(port), 0, 65535, "0",
	    NULL, NULL, 0 },
	{ "nfs", "mountport", CFG_UINT, CONFIG_TYPE_INT, F(mountport), 0, 65535,
	    "0", NULL, NULL, 0 },
	{ "nfs", "rsize", CFG_UINT, CONFIG_TYPE_INT, F(rsize), 1024, 1048576,
	    "2048", NULL, NULL, 0 },	/* the deployment spec */
	{ "nfs", "wsize", CFG_UINT, CONFIG_TYPE_INT, F(wsize), 1024, 1048576,
	    "2048", NULL, NULL, 0 },
	/* no default: WSIZE_AUTO, the kernel decides (agent_conf_defaults) */
	{ "nfs", "min_swap_wsize", CFG_UINT, CONFIG_TYPE_INT, F(min_swap_wsize),
	    0, 1048576, NULL, NULL, NULL, 0 },
	{ "nfs", "literal_wsize", CFG_BOOL, CONFIG_TYPE_BOOL, F(literal_wsize),
	    0, 0, "false", NULL, NULL, 0 },
	{ "nfs", "timeo", CFG_UINT, CONFIG_TYPE_INT, F(timeo), 1, 6000, "600",
	    NULL, NULL, 0 },
	{ "nfs", "hard", CFG_BOOL, CONFIG_TYPE_BOOL, F(hard), 0, 0, "true",
	    NULL, NULL, 0 },
	{ "nfs", "nolock", CFG_BOOL, CONFIG_TYPE_BOOL, F(nolock), 0, 0, "true",
	    NULL, NULL, 0 },
	{ "nfs", "proto", CFG_STR, CONFIG_TYPE_STRING, F(proto), 0, 0, "tcp",
	    NULL, check_proto, 0 },
	{ "nfs", "options", CFG_STR, CONFIG_TYPE_STRING, F(options), 0, 0, "",
	    NULL, check_options, 0 },

	{ "swap", "block_size", CFG_UINT, CONFIG_TYPE_INT, F(block_size), 512,
	    65536, "2048", NULL, check_block_size, CFG_RELOAD },
	{ "swap", "min_free", CFG_BYTES, CFG_SIZE, F(min_free), 0, 0, "16M",
	    NULL, check_min_free, 0 },
	{ "swap", "priority", CFG_CALL, CONFIG_TYPE_INT, F(priority), 0, 0,
	    "-1", NULL, set_priority, CFG_RELOAD },
	{ "swap", "poll", CFG_CALL, CONFIG_TYPE_INT, F(poll_ms), 1, 60, "1",
	    NULL, set_poll, CFG_RELOAD },
	{ "swap", "status_file", CFG_PATH, CONFIG_TYPE_STRING, F(status_file),
	    0, 0, "/run/nfswapd/status.json", NULL, NULL, 0 },
	/* no default: no metrics file */
	{ "swap", "metrics_file", CFG_PATH, CONFIG_TYPE_STRING,
	    F(metrics_file), 0, 0, NULL, NULL, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, 0, 0, 0, NULL, NULL, NULL, 0 }
};

void
agent_conf_defaults(struct agent_conf *c)
{
	memset(c, 0, sizeof(*c));
	policy_config_defaults(&c->policy);
	c->min_swap_wsize = WSIZE_AUTO;
	cfg_defaults(agent_conf_rows, c);
}

/* What SIGHUP applies: the rows marked CFG_RELOAD, from new into c. */
void
agent_conf_reload(struct agent_conf *c, const struct agent_conf *new)
{
	const struct cfg_row *row;

	for (row = agent_conf_rows; row->name; row++)
		if (row->flags & CFG_RELOAD)
			memcpy((char *)c + row->off, (const char *)new + row->off,
			    row->len);
}

/* A host by valid_host's rules that is not a network. */
static int
set_server(void *conf, const struct cfg_row *row, const char *text,
    const config_setting_t *s, const char *file, struct diag *d)
{
	struct diag why;
	struct host h;

	if (valid_host(text, &h, &why) < 0 || h.kind == HOST_NET4 ||
	    h.kind == HOST_NET6)
		return cfg_at(d, file, s, "server: %s",
		    h.kind == HOST_NET4 || h.kind == HOST_NET6 ?
		    "a network is not a server" : why.msg);
	snprintf(CONF(conf)->server, row->len, "%s", h.canon);
	return 0;
}

static int
set_provisioner(void *conf, const struct cfg_row *row, const char *text,
    const config_setting_t *s, const char *file, struct diag *d)
{
	struct diag why;
	struct host h;

	if (valid_host(text, &h, &why) < 0)
		return cfg_at(d, file, s, "provisioner: %s", why.msg);
	if (h.kind != HOST_IPV4)
		return cfg_at(d, file, s, "provisioner: an IPv4 address "
		    "is needed (an initramfs has no resolver)");
	snprintf(CONF(conf)->provisioner, row->len, "%s", h.canon);
	return 0;
}

/* Any host's name and address must give a plain path. */
static int
check_export(void *conf, const struct cfg_row *row, const char *text,
    const config_setting_t *s, const char *file, struct diag *d)
{
	char tmp[PATH_MAXLEN + 1];
	struct diag why;

	(void)row, (void)text;
	if (agent_expand(CONF(conf)->export_path, "host", "192.168.100.100",
	    tmp, sizeof(tmp), &why) < 0)
		return cfg_at(d, file, s, "export: %s", why.msg);
	return 0;
}

/* The policy's keys are its own table; every one takes a number or text. */
static int
load_policy(void *conf, const struct cfg_row *row, const char *text,
    const config_setting_t *g, const char *file, struct diag *d)
{
	struct policy_config *p = &CONF(conf)->policy;
	const char *names[POLICY_NSETTINGS + 1];
	struct diag why;
	size_t i;
	int n, r;

	(void)row, (void)text;
	for (i = 0; policy_settings[i].name != NULL; i++)
		names[i] = policy_settings[i].name;
	names[i] = NULL;
	if ((r = cfg_check_names(g, names, CFG_NUMSTR, file, d)) < 0)
		return r;
	n = config_setting_length(g);
	for (i = 0; i < (size_t)n; i++) {
		const config_setting_t *s = config_setting_get_elem(g,
		    (unsigned)i);
		char v[64];

		if (config_setting_type(s) == CONFIG_TYPE_STRING)
			snprintf(v, sizeof(v), "%s",
			    config_setting_get_string(s));
		else if (config_setting_get_int64(s) < 0)
			return cfg_at(d, file, s, "%s must not be negative",
			    config_setting_name(s));
		else
			snprintf(v, sizeof(v), "%lld",
			    config_setting_get_int64(s));
		if (policy_config_set(p, config_setting_name(s), v, &why) < 0)
			return cfg_at(d, file, s, "%s: %s", config_setting_name(s),
			    why.msg);
	}
	if (policy_config_check(p, &why) < 0)
		return cfg_at(d, file, g, "policy: %s", why.msg);
	return 0;
}

static int
set_version(void *conf, const struct cfg_row *row, const char *v,
    const config_setting_t *s, const char *file, struct diag *d)
{
	struct agent_conf *c = conf;

	(void)row;
	if (strcmp(v, "3") == 0 || strcmp(v, "3.0") == 0)
		c->vers_major = 3, c->vers_minor = 0;
	else if (strcmp(v, "4") == 0 || strcmp(v, "4.0") == 0)
		c->vers_major = 4, c->vers_minor = 0;
	else if (strcmp(v, "4.1") == 0)
		c->vers_major = 4, c->vers_minor = 1;
	else if (strcmp(v, "4.2") == 0)
		c->vers_major = 4, c->vers_minor = 2;
	else
		return cfg_at(d, file, s, "nfs.version must be 3, 4, "
		    "\"4.1\" or \"4.2\", not %.15s", v);
	return 0;
}

static int
check_proto(void *conf, const struct cfg_row *row, const char *text,
    const config_setting_t *s, const char *file, struct diag *d)
{
	(void)conf, (void)row;
	if (strcmp(text, "tcp") != 0 && strcmp(text, "rdma") != 0)
		return cfg_at(d, file, s, "nfs.proto must be \"tcp\" (or "
		    "\"rdma\"): swap over UDP loses pages");
	return 0;
}

/* Characters that would end or smuggle a mount option, or worse. */
static int
check_options(void *conf, const struct cfg_row *row, const char *text,
    const config_setting_t *s, const char *file, struct diag *d)
{
	const char *p;

	(void)conf, (void)row;
	for (p = text; *p; p++)
		if (*p < 0x21 || *p > 0x7e || *p == '"' || *p == '\\' ||
		    *p == '\'')
			return cfg_at(d, file, s, "nfs.options: no blanks, "
			    "quotes or backslashes");
	return 0;
}

/* The kernel's reserve: 0 (leave it) or 1 MiB to 1 GiB. */
static int
check_min_free(void *conf, const struct cfg_row *row, const char *text,
    const config_setting_t *s, const char *file, struct diag *d)
{
	uint64_t v = CONF(conf)->min_free;

	(void)row;
	(void)text;
	if (v != 0 && (v < (1u << 20) || v > (1u << 30)))
		return cfg_at(d, file, s, "min_free must be 0 (the kernel's "
		    "own) or between 1M and 1G");
	return 0;
}

static int
check_block_size(void *conf, const struct cfg_row *row, const char *text,
    const config_setting_t *s, const char *file, struct diag *d)
{
	(void)row, (void)text;
	if (CONF(conf)->block_size % 512 != 0)
		return cfg_at(d, file, s, "swap.block_size must be a multiple "
		    "of 512");
	return 0;
}

static int
set_priority(void *conf, const struct cfg_row *row, const char *text,
    const config_setting_t *s, const char *file, struct diag *d)
{
	long long p = s ? config_setting_get_int64(s) : strtoll(text, NULL, 10);

	(void)row;
	if (p < -1 || p > 32767)
		return cfg_at(d, file, s, "swap.priority must be -1 "
		    "(the kernel's choice) to 32767");
	CONF(conf)->priority = (int)p;
	return 0;
}

/* poll is in seconds; the agent and its policy count milliseconds. */
static int
set_poll(void *conf, const struct cfg_row *row, const char *text,
    const config_setting_t *s, const char *file, struct diag *d)
{
	long long v;
	int r;

	if (s == NULL)
		v = strtoll(text, NULL, 10);
	else if ((r = cfg_uint(s, row->name, row->lo, row->hi, &v, file,
	    d)) < 0)
		return r;
	CONF(conf)->poll_ms = (uint32_t)v * 1000;
	CONF(conf)->policy.poll_ms = CONF(conf)->poll_ms;
	return 0;
}

/*
 * servers: the NFS servers (heads) that LOOKUP may name besides the
 * provisioner itself -- addresses, networks or names, as [ "10.0.0.11",
 * "10.0.1.0/24" ].
 */
static int
load_servers(void *conf, const struct cfg_row *row, const char *text,
    const config_setting_t *s, const char *file, struct diag *d)
{
	struct agent_conf *c = conf;
	struct diag why;
	const char *v;
	int i, n;

	(void)row, (void)text;
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
			return cfg_at(d, file, s, "servers: %s: %s", v,
			    why.msg);
	}
	c->nservers = (unsigned)n;
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
		r = cfg_load(agent_conf_rows, "", c, config_root_setting(&cf),
		    path, d);
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
		r = cfg_load(agent_conf_rows, "", c, config_root_setting(&cf),
		    name, d);
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
	if (valid_host(server, &h, NULL) < 0 || h.kind == HOST_NET4 ||
	    h.kind == HOST_NET6 || agent_expand(colon + 1, "host",
	    "192.168.100.100", word, sizeof(word), NULL) < 0)
		return -EINVAL;
	snprintf(server, slen, "%s", h.canon);
	return 1;
}

/*
 * The export path with %h (this host's name) and %i (its primary IPv4
 * address) put in.  The result must still be a plain absolute path; a
 * host name cannot smuggle a "/.." in.  Returns 0, or -EINVAL (or
 * -ENAMETOOLONG) with d saying why.
 */
int
agent_expand(const char *tmpl, const char *host, const char *ipv4, char *out,
    size_t len, struct diag *d)
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
			    valid_name(host, NULL) < 0)
				return diag_input(d, EINVAL, "%%h: this host's "
				    "name is not a plain name");
			add = host;
			p++;
		} else if (p[1] == 'i') {
			if (ipv4 == NULL || ipv4[0] == '\0')
				return diag_input(d, EINVAL, "%%i: this host has "
				    "no IPv4 address");
			add = ipv4;
			p++;
		} else
			return diag_input(d, EINVAL, "only %%h and %%i may "
			    "follow a %%");
		if (o + strlen(add) >= len)
			return diag_input(d, ENAMETOOLONG, "the expanded path "
			    "is too long");
		memcpy(out + o, add, strlen(add));
		o += strlen(add);
	}
	out[o] = '\0';
	return valid_abspath(out, d);
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
	unsigned i;

	if ((c->provisioner[0] != '\0' && valid_host(c->provisioner, &own,
	    NULL) == 0 && host_overlap(&own, h)) ||
	    (c->server[0] != '\0' && valid_host(c->server, &own, NULL) == 0 &&
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
 * (the provisioner for "").  Returns 0, or -EINVAL with d saying what was
 * offered and why it is refused.
 */
int
agent_lookup_check(const struct agent_conf *c, const struct prov_export *x,
    char *server, size_t slen, struct diag *d)
{
	char a[96], b[96];
	struct diag w;
	struct host h;

	if (valid_name(x->client, &w) < 0)
		return diag_input(d, EINVAL, "the client name \"%s\" is refused: "
		    "%s", shown(x->client, a, sizeof(a)), w.msg);
	if (valid_abspath(x->path, &w) < 0)
		return diag_input(d, EINVAL, "the export path \"%s\" is refused: "
		    "%s", shown(x->path, a, sizeof(a)), w.msg);
	if (x->nfs_port > 65535 || x->mount_port > 65535)
		return diag_input(d, EINVAL, "the ports %u and %u are refused: a "
		    "port is 0 to 65535", x->nfs_port, x->mount_port);
	if (x->server[0] == '\0') {
		snprintf(server, slen, "%s", c->provisioner);
		return 0;
	}
	if (valid_host(x->server, &h, &w) < 0 || h.kind == HOST_NET4 ||
	    h.kind == HOST_NET6)
		return diag_input(d, EINVAL, "the server \"%s\" to mount from is "
		    "refused: %s", shown(x->server, a, sizeof(a)),
		    h.kind == HOST_NET4 || h.kind == HOST_NET6 ?
		    "a network is not a server" : w.msg);
	if (!server_allowed(c, &h))
		return diag_input(d, EINVAL, "the server %s to mount from is "
		    "refused: it is not the provisioner (%s)%s%s%s and not "
		    "listed in servers in nfswapd.conf", h.canon,
		    shown(c->provisioner, b, sizeof(b)), c->server[0] ?
		    " nor the server set (" : "", c->server,
		    c->server[0] ? ")" : "");
	if (snprintf(server, slen, "%s", h.canon) >= (int)slen)
		return diag_input(d, EINVAL, "the server name is too long");
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
