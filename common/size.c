/*
 * size.c -- "512M" <-> bytes.  Suffixes K, M, G, T are powers of 1024 and
 * may be written in either case; a bare number is bytes.  Pure.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "common.h"

int
size_parse(const char *s, uint64_t *out)
{
	uint64_t v = 0, mul = 1;
	const char *p = s;

	if (s == NULL || *s < '0' || *s > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	switch (*p) {
	case '\0':
		break;
	case 'k': case 'K':
		mul = 1ULL << 10;
		break;
	case 'm': case 'M':
		mul = 1ULL << 20;
		break;
	case 'g': case 'G':
		mul = 1ULL << 30;
		break;
	case 't': case 'T':
		mul = 1ULL << 40;
		break;
	default:
		return -EINVAL;
	}
	if (*p != '\0' && p[1] != '\0')
		return -EINVAL;
	if (v > UINT64_MAX / mul)
		return -ERANGE;
	*out = v * mul;
	return 0;
}

/* The largest unit that divides the size exactly, so size_parse() round-trips. */
const char *
size_format(uint64_t v, char buf[SIZE_STRMAX])
{
	static const char units[] = "KMGT";
	int i = -1;

	while (i < 3 && v != 0 && (v & 1023) == 0) {
		v >>= 10;
		i++;
	}
	if (i < 0)
		snprintf(buf, SIZE_STRMAX, "%" PRIu64, v);
	else
		snprintf(buf, SIZE_STRMAX, "%" PRIu64 "%c", v, units[i]);
	return buf;
}
