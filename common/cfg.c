/*
 * cfg.c -- libconfig helpers shared by nfswap.conf and nfswapd.conf.
 *
 * Every error names its place as "file:line: text".  Unknown settings are
 * errors, not silently ignored, so a typo cannot turn a setting back to its
 * default.  No I/O beyond reading the one file (and, for the check below,
 * re-reading one of its lines).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"

int
cfg_at(struct diag *d, const char *file, const config_setting_t *s,
    const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	return diag_input(d, EINVAL, "%s:%u: %s", file,
	    s ? config_setting_source_line(s) : 0, text);
}

/*
 * Read path into cf.  Returns 0 when read, 1 when it does not exist and
 * need not (the default path may be absent), or -errno with d filled: a
 * syntax error as file:line, a file the user named that is missing as bad
 * input, anything else as a runtime error.
 */
int
cfg_read(config_t *cf, const char *path, int must_exist, struct diag *d)
{
	FILE *f;
	int err;

	if (config_read_file(cf, path) == CONFIG_TRUE)
		return 0;
	if (config_error_type(cf) != CONFIG_ERR_FILE_IO)
		return diag_input(d, EINVAL, "%s:%d: %s",
		    config_error_file(cf) ? config_error_file(cf) : path,
		    config_error_line(cf), config_error_text(cf));
	f = fopen(path, "r");
	err = f ? EIO : errno;
	if (f)
		fclose(f);
	if (err == ENOENT && !must_exist)
		return 1;
	err = diag_sys(d, err, "%s", path);
	if (err == -ENOENT)
		d->status = EXIT_USAGE;
	return err;
}

/*
 * Read text (a configuration file's contents, named name in messages)
 * into cf: libconfig's string reader, for the fuzzers and for tests.
 * Returns 0, or -EINVAL with d filled as name:line.  (A literal above
 * INT32_MAX is not caught here: that check re-reads the file.)
 */
int
cfg_read_text(config_t *cf, const char *text, const char *name,
    struct diag *d)
{
	if (config_read_string(cf, text) == CONFIG_TRUE)
		return 0;
	return diag_input(d, EINVAL, "%s:%d: %s", name, config_error_line(cf),
	    config_error_text(cf));
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

int
cfg_check_keys(const config_setting_t *group, const struct cfg_key *keys,
    const char *file, struct diag *d)
{
	int i, n = config_setting_length(group);

	for (i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(group,
		    (unsigned)i);
		const char *name = config_setting_name(s);
		const struct cfg_key *k;
		int t = config_setting_type(s);

		for (k = keys; k->name; k++)
			if (name && strcmp(name, k->name) == 0)
				break;
		if (k->name == NULL)
			return cfg_at(d, file, s, "unknown setting \"%s\"",
			    name ? name : "");
		if ((t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64) &&
		    int_literal_truncated(s))
			return cfg_at(d, file, s, "%s: integers above 2147483647 "
			    "need an L suffix (libconfig), as in 4000000000L",
			    name);
		if (k->type == CFG_SIZE || k->type == CFG_NUMSTR) {
			if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64 ||
			    t == CONFIG_TYPE_STRING)
				continue;
			return cfg_at(d, file, s, k->type == CFG_SIZE ?
			    "%s must be a size such as \"4G\" or a number of "
			    "bytes" : "%s must be a whole number, or a string "
			    "such as \"4.1\" or \"4M\"", name);
		}
		if (k->type == CONFIG_TYPE_INT && t == CONFIG_TYPE_INT64)
			continue;
		if (t != k->type)
			return cfg_at(d, file, s, "%s must be %s", name,
			    k->type == CONFIG_TYPE_STRING ? "a string" :
			    k->type == CONFIG_TYPE_INT ? "an integer" :
			    k->type == CONFIG_TYPE_BOOL ? "true or false" :
			    "a group { ... }");
	}
	return 0;
}

int
cfg_get_string(const config_setting_t *g, const char *key, char *dst,
    size_t len, const char *file, struct diag *d)
{
	const config_setting_t *s = config_setting_get_member(g, key);
	const char *v;

	if (s == NULL)
		return 0;
	v = config_setting_get_string(s);
	if (v == NULL || strlen(v) >= len)
		return cfg_at(d, file, s, "%s: too long", key);
	snprintf(dst, len, "%s", v);
	return 0;
}

/* A string that check (valid_abspath, valid_name) accepts. */
static int
get_checked(const config_setting_t *g, const char *key, char *dst,
    size_t len, const char *file, struct diag *d,
    int (*check)(const char *, const char **))
{
	const config_setting_t *s = config_setting_get_member(g, key);
	const char *why;

	if (s == NULL)
		return 0;
	if (check(config_setting_get_string(s), &why) < 0)
		return cfg_at(d, file, s, "%s: %s", key, why);
	return cfg_get_string(g, key, dst, len, file, d);
}

int
cfg_get_path(const config_setting_t *g, const char *key, char *dst, size_t len,
    const char *file, struct diag *d)
{
	return get_checked(g, key, dst, len, file, d, valid_abspath);
}

/* A name by valid_name's rules (a cephx id, a file system's name). */
int
cfg_get_name(const config_setting_t *g, const char *key, char *dst,
    size_t len, const char *file, struct diag *d)
{
	return get_checked(g, key, dst, len, file, d, valid_name);
}

int
cfg_get_u32(const config_setting_t *g, const char *key, uint32_t *dst,
    long long lo, long long hi, const char *file, struct diag *d)
{
	const config_setting_t *s = config_setting_get_member(g, key);
	long long v;

	if (s == NULL)
		return 0;
	v = config_setting_get_int64(s);
	if (v < lo || v > hi)
		return cfg_at(d, file, s, "%s must be %lld to %lld", key, lo, hi);
	*dst = (uint32_t)v;
	return 0;
}

int
cfg_get_size(const config_setting_t *g, const char *key, uint64_t *dst,
    const char *file, struct diag *d)
{
	const config_setting_t *s = config_setting_get_member(g, key);
	long long v;

	if (s == NULL)
		return 0;
	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		if (size_parse(config_setting_get_string(s), dst) < 0)
			return cfg_at(d, file, s, "%s: not a size (a number "
			    "with K, M, G or T)", key);
		if (*dst > INT64_MAX)
			return cfg_at(d, file, s, "%s is too large", key);
		return 0;
	}
	v = config_setting_get_int64(s);
	if (v < 0)
		return cfg_at(d, file, s, "%s must be a positive size, not "
		    "negative", key);
	*dst = (uint64_t)v;
	return 0;
}

int
cfg_get_bool(const config_setting_t *g, const char *key, int *dst)
{
	const config_setting_t *s = config_setting_get_member(g, key);

	if (s != NULL)
		*dst = config_setting_get_bool(s);
	return 0;
}
