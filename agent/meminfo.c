/*
 * meminfo.c -- /proc/meminfo and /proc/swaps, parsed from text.
 *
 * Pure: the caller reads the files (from a configurable proc directory) and
 * hands over the bytes.  Anything not shaped the way the kernel writes it --
 * a missing or repeated key, a number with junk after it, a value no machine
 * has, an unknown swap type, a bad escape -- is -EINVAL, and then the
 * meminfo is left untouched and the swaps list is empty, so a daemon never
 * acts on a half-read sample.
 */
#include <errno.h>
#include <string.h>

#include "policy.h"

/* 2^42 kB = 4 PiB: more than any machine has, and far from overflowing. */
#define KB_MAX	(1ULL << 42)

/* One line: [p, *end) without the newline; *next is past it. */
static int
next_line(const char *text, size_t len, size_t *pos, const char **p,
    size_t *n)
{
	const char *nl;

	if (*pos >= len)
		return 0;
	*p = text + *pos;
	nl = memchr(*p, '\n', len - *pos);
	*n = nl ? (size_t)(nl - *p) : len - *pos;
	*pos += *n + (nl ? 1 : 0);
	return 1;
}

/* A decimal number of kB, all digits, no sign, at most KB_MAX. */
static int
parse_kb(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0 || n > 14)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > KB_MAX)
		return -EINVAL;
	*out = v;
	return 0;
}

int
meminfo_parse(const char *text, size_t len, struct meminfo *out)
{
	/* The first four must be there; the others are used where given. */
	static const char *const keys[6] = {
		"MemTotal", "MemAvailable", "SwapTotal", "SwapFree",
		"Inactive(anon)", "SwapCached"
	};
	uint64_t val[6] = { 0 };
	unsigned seen = 0, k;
	size_t pos = 0, n, i, klen;
	const char *p;

	/* The kernel ends every line with a newline: text without one was cut
	 * short by a read, and its last number may be cut too. */
	if (text == NULL || len == 0 || text[len - 1] != '\n' ||
	    memchr(text, '\0', len) != NULL)
		return -EINVAL;
	while (next_line(text, len, &pos, &p, &n)) {
		const char *colon = memchr(p, ':', n);
		size_t vs, ve;
		uint64_t v;

		if (colon == NULL || colon == p)
			return -EINVAL;
		klen = (size_t)(colon - p);
		for (i = 0; i < klen; i++)
			if (p[i] == ' ' || p[i] == '\t')
				return -EINVAL;
		vs = klen + 1;
		while (vs < n && p[vs] == ' ')
			vs++;
		ve = vs;
		while (ve < n && p[ve] >= '0' && p[ve] <= '9')
			ve++;
		/* The rest is nothing, or " kB". */
		if (!(ve == n || (n - ve == 3 && memcmp(p + ve, " kB", 3) == 0)))
			return -EINVAL;
		/* Lines we do not use need digits only: VmallocTotal exceeds
		 * any sane bound on 5-level paging. */
		if (ve == vs || ve - vs > 20)
			return -EINVAL;
		for (k = 0; k < 6; k++) {
			if (klen != strlen(keys[k]) ||
			    memcmp(p, keys[k], klen) != 0)
				continue;
			if ((seen & (1u << k)) || ve == n)
				return -EINVAL;	/* repeated, or without kB */
			if (parse_kb(p + vs, ve - vs, &v) != 0)
				return -EINVAL;
			seen |= 1u << k;
			val[k] = v;
		}
	}
	if ((seen & 0xf) != 0xf || val[0] == 0 || val[1] > val[0] ||
	    val[3] > val[2])
		return -EINVAL;
	out->anon_inactive = val[4] * 1024;
	out->swap_cached = val[5] * 1024;
	out->mem_total = val[0] * 1024;
	out->mem_available = val[1] * 1024;
	out->swap_total = val[2] * 1024;
	out->swap_free = val[3] * 1024;
	return 0;
}

/* Split off the next run of non-blanks. */
static int
field(const char *p, size_t n, size_t *i, const char **f, size_t *flen)
{
	while (*i < n && (p[*i] == ' ' || p[*i] == '\t'))
		(*i)++;
	if (*i >= n)
		return 0;
	*f = p + *i;
	while (*i < n && p[*i] != ' ' && p[*i] != '\t')
		(*i)++;
	*flen = (size_t)(p + *i - *f);
	return 1;
}

/*
 * The kernel escapes blanks, newline and backslash in paths as \ooo.  A path
 * longer than out is cut (and *cut set): a swap area that is not ours may
 * have any name, and must not make the whole list unreadable.
 */
static int
unescape(const char *s, size_t n, char *out, size_t outlen, int *cut)
{
	size_t i, o = 0;

	*cut = 0;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == '\\') {
			unsigned v;

			if (n - i < 4 || s[i + 1] < '0' || s[i + 1] > '3' ||
			    s[i + 2] < '0' || s[i + 2] > '7' ||
			    s[i + 3] < '0' || s[i + 3] > '7')
				return -EINVAL;
			v = (unsigned)(s[i + 1] - '0') * 64 +
			    (unsigned)(s[i + 2] - '0') * 8 +
			    (unsigned)(s[i + 3] - '0');
			if (v == 0)
				return -EINVAL;
			c = (char)v;
			i += 3;
		}
		if (o + 1 >= outlen)
			*cut = 1;
		else
			out[o++] = c;
	}
	out[o] = '\0';
	return o > 0 && out[0] == '/' ? 0 : -EINVAL;
}

static int
parse_prio(const char *s, size_t n, int *out)
{
	uint64_t v;
	int neg = n > 0 && s[0] == '-';

	if (parse_kb(s + neg, n - (size_t)neg, &v) != 0 || v > 32767)
		return -EINVAL;
	*out = neg ? -(int)v : (int)v;
	return 0;
}

int
swaps_parse(const char *text, size_t len, struct swaps *out)
{
	size_t pos = 0, n, i;
	const char *p, *f[5];
	size_t fl[5];
	int first = 1;

	/* Filled in place (the list is 130K; a daemon keeps it static). */
	out->n = 0;
	if (text == NULL || len == 0 || text[len - 1] != '\n' ||
	    memchr(text, '\0', len) != NULL)
		return -EINVAL;
	while (next_line(text, len, &pos, &p, &n)) {
		struct swap_entry *e;
		unsigned k;

		if (first) {
			first = 0;
			if (n < 8 || memcmp(p, "Filename", 8) != 0)
				goto bad;
			continue;
		}
		for (i = 0, k = 0; k < 5; k++)
			if (!field(p, n, &i, &f[k], &fl[k]))
				goto bad;
		if (field(p, n, &i, &f[0], &fl[0]))
			goto bad;		/* a sixth field */
		if (out->n >= POLICY_FILES_MAX)
			goto bad;
		e = &out->e[out->n];
		if (fl[0] > 16 * 4096 || unescape(f[0], fl[0], e->path,
		    sizeof(e->path), &e->truncated) != 0)
			goto bad;
		if (fl[1] == 4 && memcmp(f[1], "file", 4) == 0)
			e->is_file = 1;
		else if (fl[1] == 9 && memcmp(f[1], "partition", 9) == 0)
			e->is_file = 0;
		else
			goto bad;
		if (parse_kb(f[2], fl[2], &e->size) != 0 ||
		    parse_kb(f[3], fl[3], &e->used) != 0 ||
		    e->used > e->size ||
		    parse_prio(f[4], fl[4], &e->priority) != 0)
			goto bad;
		e->size *= 1024;
		e->used *= 1024;
		out->n++;
	}
	if (!first)
		return 0;
bad:
	out->n = 0;
	return -EINVAL;
}
