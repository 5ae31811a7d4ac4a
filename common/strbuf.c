/*
 * strbuf.c -- a growing string for renderers and JSON output.  An
 * allocation failure is remembered (oom) so callers check once at the end.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

void
sb_init(struct strbuf *sb)
{
	memset(sb, 0, sizeof(*sb));
}

void
sb_free(struct strbuf *sb)
{
	free(sb->s);
	sb_init(sb);
}

void
sb_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->s)
		sb->s[0] = '\0';
}

static int
sb_reserve(struct strbuf *sb, size_t more)
{
	size_t cap;
	char *n;

	if (sb->oom)
		return -ENOMEM;
	if (sb->len + more + 1 <= sb->cap)
		return 0;
	cap = sb->cap ? sb->cap : 256;
	while (cap < sb->len + more + 1)
		cap *= 2;
	if ((n = realloc(sb->s, cap)) == NULL) {
		sb->oom = 1;
		return -ENOMEM;
	}
	sb->s = n;
	sb->cap = cap;
	return 0;
}

int
sb_vprintf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return -EINVAL;
	if (sb_reserve(sb, (size_t)n) < 0)
		return -ENOMEM;
	vsnprintf(sb->s + sb->len, sb->cap - sb->len, fmt, ap);
	sb->len += (size_t)n;
	return 0;
}

int
sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = sb_vprintf(sb, fmt, ap);
	va_end(ap);
	return r;
}

/* Whether s is well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF). */
static int
utf8_valid(const unsigned char *p)
{
	while (*p) {
		unsigned c = *p, n, cp, i;

		if (c < 0x80) {
			p++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			n = 1, cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2, cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3, cp = c & 0x07;
		} else
			return 0;
		for (i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i] & 0x3fu);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return 0;
		p += n + 1;
	}
	return 1;
}

/*
 * A JSON string literal, quotes included (RFC 8259 escaping).  File names
 * found on disk may be any bytes: if s is not UTF-8, bytes above 0x7f are
 * written as \u00XX so the document stays valid.
 */
int
sb_putjson(struct strbuf *sb, const char *s)
{
	const unsigned char *p;
	int utf8 = utf8_valid((const unsigned char *)s);
	int r = sb_printf(sb, "\"");

	for (p = (const unsigned char *)s; *p && r == 0; p++) {
		switch (*p) {
		case '"':  r = sb_printf(sb, "\\\""); break;
		case '\\': r = sb_printf(sb, "\\\\"); break;
		case '\n': r = sb_printf(sb, "\\n"); break;
		case '\r': r = sb_printf(sb, "\\r"); break;
		case '\t': r = sb_printf(sb, "\\t"); break;
		default:
			if (*p < 0x20 || *p == 0x7f || (*p > 0x7f && !utf8))
				r = sb_printf(sb, "\\u%04x", *p);
			else
				r = sb_printf(sb, "%c", *p);
		}
	}
	return r ? r : sb_printf(sb, "\"");
}

/*
 * s as a Prometheus label value, quoted: the text format escapes a
 * backslash, a double quote and a line feed, and nothing else ("nfswap
 * metrics", and the service's figures it appends).
 */
int
sb_putlabel(struct strbuf *sb, const char *s)
{
	int r = sb_printf(sb, "\"");

	for (; *s && r == 0; s++)
		if (*s == '\\' || *s == '"')
			r = sb_printf(sb, "\\%c", *s);
		else if (*s == '\n')
			r = sb_printf(sb, "\\n");
		else
			r = sb_printf(sb, "%c", *s);
	return r ? r : sb_printf(sb, "\"");
}
