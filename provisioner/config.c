/*
 * config.c -- nfswap.conf, read with libconfig.
 *
 * Every error names its place as "file:line: text".  Unknown settings are
 * errors, not silently ignored, so a typo cannot turn a quota or an export
 * root back to its default.  No I/O beyond reading the one file.
 */
#include <errno.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nfswap.h"

void
conf_defaults(struct nfswap_conf *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->export_root, sizeof(c->export_root), "/srv/nfswap");
	snprintf(c->state_dir, sizeof(c->state_dir), "/var/lib/nfswap");
	c->default_quota = 4ULL << 30;
	c->uid_min = 3000000;
	c->uid_max = 3999999;
	c->export_id_min = 1000;
	c->export_id_max = 65535;
	c->quota_enforce = QUOTA_AUTO;
	snprintf(c->kernel_file, sizeof(c->kernel_file),
	    "/etc/exports.d/nfswap.exports");
	snprintf(c->ganesha_file, sizeof(c->ganesha_file),
	    "/etc/ganesha/nfswap.conf");
	snprintf(c->ganesha_pid_file, sizeof(c->ganesha_pid_file),
	    "/run/ganesha/ganesha.pid");
}

struct key {
	const char	*name;
	int		 type;		/* CONFIG_TYPE_*; GROUP for sections */
};

static const struct key top_keys[] = {
	{ "export_root", CONFIG_TYPE_STRING },
	{ "state_dir", CONFIG_TYPE_STRING },
	{ "default_quota", CONFIG_TYPE_STRING },
	{ "uid_min", CONFIG_TYPE_INT },
	{ "uid_max", CONFIG_TYPE_INT },
	{ "export_id_min", CONFIG_TYPE_INT },
	{ "export_id_max", CONFIG_TYPE_INT },
	{ "quota_enforce", CONFIG_TYPE_STRING },
	{ "kernel", CONFIG_TYPE_GROUP },
	{ "ganesha", CONFIG_TYPE_GROUP },
	{ NULL, 0 }
};
static const struct key kernel_keys[] = {
	{ "exports_file", CONFIG_TYPE_STRING },
	{ "options", CONFIG_TYPE_STRING },
	{ NULL, 0 }
};
static const struct key ganesha_keys[] = {
	{ "exports_file", CONFIG_TYPE_STRING },
	{ "pseudo_root", CONFIG_TYPE_STRING },
	{ "pid_file", CONFIG_TYPE_STRING },
	{ NULL, 0 }
};

static int at(struct diag *, const char *, const config_setting_t *,
    const char *, ...) PRINTF_LIKE(4, 5);

static int
at(struct diag *d, const char *file, const config_setting_t *s,
    const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	return diag_input(d, EINVAL, "%s:%u: %s", file,
	    config_setting_source_line(s), text);
}

/*
 * libconfig 1.5 reads an integer literal above INT32_MAX without an "L"
 * suffix as a truncated 32-bit value, silently.  Compare the value it
 * gives with the literal written on the setting's line.
 */
static int
int_literal_truncated(const config_setting_t *s)
{
	const char *file = config_setting_source_file(s);
	const char *name = config_setting_name(s), *p;
	unsigned line = config_setting_source_line(s), n = 0;
	char buf[1024];
	long long lit;
	FILE *f;
	int truncated = 0;

	if (file == NULL || name == NULL || (f = fopen(file, "r")) == NULL)
		return 0;
	while (fgets(buf, sizeof(buf), f) != NULL)
		if (++n == line)
			break;
	fclose(f);
	if (n != line || (p = strstr(buf, name)) == NULL)
		return 0;
	p += strlen(name);
	p += strspn(p, " \t");
	if (*p != '=' && *p != ':')
		return 0;
	p++;
	errno = 0;
	lit = strtoll(p, NULL, 0);
	if (errno == 0 && lit != config_setting_get_int64(s))
		truncated = 1;
	return truncated;
}

static int
check_keys(const config_setting_t *group, const struct key *keys,
    const char *file, struct diag *d)
{
	int i, n = config_setting_length(group);

	for (i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(group,
		    (unsigned)i);
		const char *name = config_setting_name(s);
		const struct key *k;
		int t = config_setting_type(s);

		for (k = keys; k->name; k++)
			if (name && strcmp(name, k->name) == 0)
				break;
		if (k->name == NULL)
			return at(d, file, s, "unknown setting \"%s\"",
			    name ? name : "");
		if (t == CONFIG_TYPE_INT && int_literal_truncated(s))
			return at(d, file, s, "%s: integers above 2147483647 "
			    "need an L suffix (libconfig), as in 4000000000L",
			    name);
		/* Sizes may be given as "4G" or as a number of bytes. */
		if (strcmp(k->name, "default_quota") == 0) {
			if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64 ||
			    t == CONFIG_TYPE_STRING)
				continue;
			return at(d, file, s, "default_quota must be a size such "
			    "as \"4G\" or a number of bytes");
		}
		if (k->type == CONFIG_TYPE_INT && t == CONFIG_TYPE_INT64)
			continue;
		if (t != k->type)
			return at(d, file, s, "%s must be %s", name,
			    k->type == CONFIG_TYPE_STRING ? "a string" :
			    k->type == CONFIG_TYPE_INT ? "an integer" :
			    "a group { ... }");
	}
	return 0;
}

static int
get_path(const config_setting_t *g, const char *key, char *dst, size_t len,
    const char *file, struct diag *d)
{
	const config_setting_t *s = config_setting_get_member(g, key);
	const char *v, *why;

	if (s == NULL)
		return 0;
	v = config_setting_get_string(s);
	if (valid_abspath(v, &why) < 0)
		return at(d, file, s, "%s: %s", key, why);
	if (strlen(v) >= len)
		return at(d, file, s, "%s: too long", key);
	snprintf(dst, len, "%s", v);
	return 0;
}

static int
get_u32(const config_setting_t *g, const char *key, uint32_t *dst,
    long long lo, long long hi, const char *file, struct diag *d)
{
	const config_setting_t *s = config_setting_get_member(g, key);
	long long v;
	char range[64];

	if (s == NULL)
		return 0;
	v = config_setting_get_int64(s);
	if (v < lo || v > hi) {
		snprintf(range, sizeof(range), "%lld to %lld", lo, hi);
		return at(d, file, s, "%s must be %s", key, range);
	}
	*dst = (uint32_t)v;
	return 0;
}

static int
load_settings(struct nfswap_conf *c, config_t *cf, const char *file,
    struct diag *d)
{
	const config_setting_t *root = config_root_setting(cf), *s, *g;
	const char *v, *why;
	int r;

	if ((r = check_keys(root, top_keys, file, d)) < 0 ||
	    (r = get_path(root, "export_root", c->export_root,
	    sizeof(c->export_root), file, d)) < 0 ||
	    (r = get_path(root, "state_dir", c->state_dir,
	    sizeof(c->state_dir), file, d)) < 0 ||
	    (r = get_u32(root, "uid_min", &c->uid_min, 1, 4294967294LL,
	    file, d)) < 0 ||
	    (r = get_u32(root, "uid_max", &c->uid_max, 1, 4294967294LL,
	    file, d)) < 0 ||
	    (r = get_u32(root, "export_id_min", &c->export_id_min, 1, 65535,
	    file, d)) < 0 ||
	    (r = get_u32(root, "export_id_max", &c->export_id_max, 1, 65535,
	    file, d)) < 0)
		return r;
	if ((s = config_setting_get_member(root, "default_quota")) != NULL) {
		int t = config_setting_type(s);
		if (t == CONFIG_TYPE_STRING) {
			if (size_parse(config_setting_get_string(s),
			    &c->default_quota) < 0)
				return at(d, file, s, "default_quota: not a size "
				    "(a number with K, M, G or T)");
			if (c->default_quota > INT64_MAX)
				return at(d, file, s, "default_quota is too large");
		} else if (config_setting_get_int64(s) > 0)
			c->default_quota = (uint64_t)config_setting_get_int64(s);
		else
			c->default_quota = 0;
		if (c->default_quota == 0)
			return at(d, file, s, "default_quota must be positive");
	}
	if ((s = config_setting_get_member(root, "quota_enforce")) != NULL) {
		v = config_setting_get_string(s);
		if (strcmp(v, "auto") == 0)
			c->quota_enforce = QUOTA_AUTO;
		else if (strcmp(v, "project") == 0)
			c->quota_enforce = QUOTA_PROJECT;
		else if (strcmp(v, "none") == 0)
			c->quota_enforce = QUOTA_NONE;
		else
			return at(d, file, s, "quota_enforce must be \"auto\", "
			    "\"project\" or \"none\", not \"%s\"", v);
	}
	if (c->uid_min > c->uid_max)
		return at(d, file, (s = config_setting_get_member(root,
		    "uid_max")) ? s : config_setting_get_member(root, "uid_min"),
		    "uid_min is above uid_max");
	if (c->export_id_min > c->export_id_max)
		return at(d, file, (s = config_setting_get_member(root,
		    "export_id_max")) ? s : config_setting_get_member(root,
		    "export_id_min"), "export_id_min is above export_id_max");

	if ((g = config_setting_get_member(root, "kernel")) != NULL) {
		if ((r = check_keys(g, kernel_keys, file, d)) < 0 ||
		    (r = get_path(g, "exports_file", c->kernel_file,
		    sizeof(c->kernel_file), file, d)) < 0)
			return r;
		if ((s = config_setting_get_member(g, "options")) != NULL) {
			v = config_setting_get_string(s);
			if (exports_check_kernel_options(v, &why) < 0)
				return at(d, file, s, "kernel.options: %s", why);
			if (strlen(v) >= sizeof(c->kernel_options))
				return at(d, file, s, "kernel.options: too long");
			snprintf(c->kernel_options, sizeof(c->kernel_options),
			    "%s", v);
		}
	}
	if ((g = config_setting_get_member(root, "ganesha")) != NULL) {
		if ((r = check_keys(g, ganesha_keys, file, d)) < 0 ||
		    (r = get_path(g, "exports_file", c->ganesha_file,
		    sizeof(c->ganesha_file), file, d)) < 0 ||
		    (r = get_path(g, "pseudo_root", c->ganesha_pseudo_root,
		    sizeof(c->ganesha_pseudo_root), file, d)) < 0 ||
		    (r = get_path(g, "pid_file", c->ganesha_pid_file,
		    sizeof(c->ganesha_pid_file), file, d)) < 0)
			return r;
	}
	return 0;
}

/*
 * Load path over the built-in defaults.  A missing file is an error only
 * when must_exist (the user named it); the default path may be absent.
 */
int
conf_load(struct nfswap_conf *c, const char *path, int must_exist,
    struct diag *d)
{
	config_t cf;
	int r = 0;

	conf_defaults(c);
	config_init(&cf);
	if (config_read_file(&cf, path) == CONFIG_FALSE) {
		if (config_error_type(&cf) == CONFIG_ERR_FILE_IO) {
			FILE *f = fopen(path, "r");
			int err = f ? EIO : errno;

			if (f)
				fclose(f);
			if (err == ENOENT && !must_exist)
				goto done;
			r = diag_sys(d, err, "%s", path);
			if (err == ENOENT)
				d->status = EXIT_USAGE;
		} else
			r = diag_input(d, EINVAL, "%s:%d: %s",
			    config_error_file(&cf) ? config_error_file(&cf) : path,
			    config_error_line(&cf), config_error_text(&cf));
		goto done;
	}
	snprintf(c->file, sizeof(c->file), "%s", path);
	r = load_settings(c, &cf, path, d);
done:
	if (c->ganesha_pseudo_root[0] == '\0')
		snprintf(c->ganesha_pseudo_root, sizeof(c->ganesha_pseudo_root),
		    "%s", c->export_root);
	config_destroy(&cf);
	return r;
}
