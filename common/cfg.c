/*
 * cfg.c -- the engine under nfswap.conf's and nfswapd.conf's tables
 * (cfg.h): each row says where a setting goes, what it must be and its
 * default; cfg_defaults() and cfg_load() read the rows, as does the check
 * of the man pages against them (tests/host/confdoc.sh).
 *
 * Every error names its place as "file:line: text".  Unknown settings are
 * errors, not silently ignored, so a typo cannot turn a setting back to its
 * default.  No I/O beyond reading the one file (and, for the check below,
 * re-reading one of its lines).
 */
#include <errno.h>
#include <inttypes.h>
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

static const char *
type_wants(int type)
{
	return type == CONFIG_TYPE_STRING ? "a string" :
	    type == CONFIG_TYPE_INT ? "an integer" :
	    type == CONFIG_TYPE_BOOL ? "true or false" : "a group { ... }";
}

/* Whether s, named name, has the type a row (or a name list) wants. */
static int
check_type(const config_setting_t *s, const char *name, int want,
    const char *file, struct diag *d)
{
	int t = config_setting_type(s);

	if ((t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64) &&
	    int_literal_truncated(s))
		return cfg_at(d, file, s, "%s: integers above 2147483647 "
		    "need an L suffix (libconfig), as in 4000000000L", name);
	if (want == CFG_ANY)
		return 0;
	if (want == CFG_SIZE || want == CFG_NUMSTR) {
		if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64 ||
		    t == CONFIG_TYPE_STRING)
			return 0;
		return cfg_at(d, file, s, want == CFG_SIZE ?
		    "%s must be a size such as \"4G\" or a number of "
		    "bytes" : "%s must be a whole number, or a string "
		    "such as \"4.1\" or \"4M\"", name);
	}
	if (want == CONFIG_TYPE_INT && t == CONFIG_TYPE_INT64)
		return 0;
	if (t != want)
		return cfg_at(d, file, s, "%s must be %s", name,
		    type_wants(want));
	return 0;
}

static const struct cfg_row *
find_row(const struct cfg_row *rows, const char *group, const char *name)
{
	for (; rows->name; rows++)
		if (strcmp(rows->group, group) == 0 &&
		    strcmp(rows->name, name) == 0)
			return rows;
	return NULL;
}

/* Every setting of g is a row of group, of the row's type. */
static int
check_keys(const config_setting_t *g, const struct cfg_row *rows,
    const char *group, const char *file, struct diag *d)
{
	int i, r, n = config_setting_length(g);

	for (i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(g,
		    (unsigned)i);
		const char *name = config_setting_name(s);
		const struct cfg_row *row;

		if (name == NULL || (row = find_row(rows, group, name)) == NULL)
			return cfg_at(d, file, s, "unknown setting \"%s\"",
			    name ? name : "");
		if ((r = check_type(s, name, row->type, file, d)) < 0)
			return r;
	}
	return 0;
}

/* The same for a group whose settings are a list of names, all of type. */
int
cfg_check_names(const config_setting_t *g, const char *const *names, int type,
    const char *file, struct diag *d)
{
	int i, r, n = config_setting_length(g);

	for (i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(g,
		    (unsigned)i);
		const char *name = config_setting_name(s);
		const char *const *k;

		for (k = names; *k; k++)
			if (name && strcmp(name, *k) == 0)
				break;
		if (*k == NULL)
			return cfg_at(d, file, s, "unknown setting \"%s\"",
			    name ? name : "");
		if ((r = check_type(s, name, type, file, d)) < 0)
			return r;
	}
	return 0;
}

/* An integer setting within lo..hi. */
int
cfg_uint(const config_setting_t *s, const char *name, long long lo,
    long long hi, long long *v, const char *file, struct diag *d)
{
	*v = config_setting_get_int64(s);
	if (*v < lo || *v > hi)
		return cfg_at(d, file, s, "%s must be %lld to %lld", name, lo, hi);
	return 0;
}

static void
put_uint(const struct cfg_row *row, void *conf, uint64_t v)
{
	char *p = (char *)conf + row->off;

	if (row->len == sizeof(uint32_t)) {
		uint32_t w = (uint32_t)v;

		memcpy(p, &w, sizeof(w));
	} else
		memcpy(p, &v, sizeof(v));
}

/* A string row: the length, and the kind's check. */
static int
set_string(const struct cfg_row *row, void *conf, const char *v,
    const config_setting_t *s, const char *file, struct diag *d)
{
	struct diag why;

	if ((row->kind == CFG_PATH && valid_abspath(v, &why) < 0) ||
	    (row->kind == CFG_NAME && valid_name(v, &why) < 0))
		return cfg_at(d, file, s, "%s: %s", row->name, why.msg);
	if (v == NULL || strlen(v) >= row->len)
		return cfg_at(d, file, s, "%s: too long", row->name);
	memcpy((char *)conf + row->off, v, strlen(v) + 1);
	return 0;
}

static int
set_bytes(const struct cfg_row *row, void *conf, const char *text,
    const config_setting_t *s, const char *file, struct diag *d)
{
	uint64_t v;

	if (s == NULL || config_setting_type(s) == CONFIG_TYPE_STRING) {
		if (size_parse(text, &v) < 0)
			return cfg_at(d, file, s, "%s: not a size (a number "
			    "with K, M, G or T)", row->name);
		if (v > INT64_MAX)
			return cfg_at(d, file, s, "%s is too large", row->name);
	} else if (config_setting_get_int64(s) < 0)
		return cfg_at(d, file, s, "%s must be a positive size, not "
		    "negative", row->name);
	else
		v = (uint64_t)config_setting_get_int64(s);
	put_uint(row, conf, v);
	return 0;
}

static int
set_enum(const struct cfg_row *row, void *conf, const char *text,
    const config_setting_t *s, const char *file, struct diag *d)
{
	char list[256] = "";
	size_t i, n;
	int v;

	for (n = 0; row->names[n]; n++)
		if (strcmp(row->names[n], text) == 0) {
			v = (int)n;
			memcpy((char *)conf + row->off, &v, sizeof(v));
			return 0;
		}
	for (i = 0; i < n; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list),
		    "%s\"%s\"", i == 0 ? "" : i + 1 == n ? " or " : ", ",
		    row->names[i]);
	return cfg_at(d, file, s, "%s must be %s, not \"%s\"", row->name, list,
	    text);
}

/* One row's value, from the file (s) or from its default (s NULL). */
static int
set_row(const struct cfg_row *row, void *conf, const char *text,
    const config_setting_t *s, const char *file, struct diag *d)
{
	long long v;
	int b, r = 0;

	switch (row->kind) {
	case CFG_STR:
	case CFG_PATH:
	case CFG_NAME:
		r = set_string(row, conf, text, s, file, d);
		break;
	case CFG_UINT:
		if (s != NULL)
			r = cfg_uint(s, row->name, row->lo, row->hi, &v, file, d);
		else
			v = strtoll(text, NULL, 10);
		if (r == 0)
			put_uint(row, conf, (uint64_t)v);
		break;
	case CFG_BOOL:
		b = s ? config_setting_get_bool(s) : strcmp(text, "true") == 0;
		memcpy((char *)conf + row->off, &b, sizeof(b));
		break;
	case CFG_BYTES:
		r = set_bytes(row, conf, text, s, file, d);
		break;
	case CFG_ENUM:
		r = set_enum(row, conf, text, s, file, d);
		break;
	case CFG_GROUP:
	case CFG_CALL:
		break;
	}
	if (r == 0 && row->parse != NULL)
		r = row->parse(conf, row, text, s, file, d);
	return r;
}

/* Every row's default that the row gives (def), as if read from a file. */
int
cfg_defaults(const struct cfg_row *rows, void *conf)
{
	struct diag d;
	int r;

	for (; rows->name; rows++)
		if (rows->def != NULL && rows->kind != CFG_GROUP &&
		    (r = set_row(rows, conf, rows->def, NULL, "defaults",
		    &d)) < 0)
			return r;
	return 0;
}

/*
 * The settings of g (the file's root, or a group) by the rows of group:
 * unknown settings and wrong types refused first, then each row in the
 * table's order -- a group's own rows in turn, a row's parse() after its
 * kind's handling.
 */
int
cfg_load(const struct cfg_row *rows, const char *group, void *conf,
    const config_setting_t *g, const char *file, struct diag *d)
{
	const struct cfg_row *row;
	const config_setting_t *s;
	char num[24];
	const char *text;
	int r;

	if ((r = check_keys(g, rows, group, file, d)) < 0)
		return r;
	for (row = rows; row->name; row++) {
		if (strcmp(row->group, group) != 0 ||
		    (s = config_setting_get_member(g, row->name)) == NULL)
			continue;
		if (row->kind == CFG_GROUP && (r = cfg_load(rows, row->name,
		    conf, s, file, d)) < 0)
			return r;
		text = NULL;
		if (config_setting_type(s) == CONFIG_TYPE_STRING)
			text = config_setting_get_string(s);
		else if (config_setting_is_scalar(s) == CONFIG_TRUE) {
			snprintf(num, sizeof(num), "%lld",
			    config_setting_get_int64(s));
			text = num;
		}
		if ((r = set_row(row, conf, text, s, file, d)) < 0)
			return r;
	}
	return 0;
}
