/*
 * valid.c -- the gate between what a caller types and what reaches an
 * exports file, a path or a registry record.  Pure: no I/O, no resolver.
 *
 * A name is one safe path component.  A host is an IPv4/IPv6 address, a
 * CIDR network or a DNS hostname, and nothing else: no netgroups (@),
 * wildcards (* ?), option lists, spaces or second hosts can get through,
 * because every accepted host is rewritten in canonical form from its parsed
 * value rather than copied.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common.h"

/* -EINVAL, saying why in d (NULL: the caller only asks whether). */
#define refuse(d, why)	diag_input(d, EINVAL, "%s", why)

static int
is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

int
valid_name(const char *s, struct diag *d)
{
	size_t i, len = strlen(s);

	if (len == 0)
		return refuse(d, "name is empty");
	if (len > NAME_MAXLEN)
		return refuse(d, "name is longer than 63 characters");
	if (s[0] == '.' || s[0] == '-')
		return refuse(d, "name must not start with '.' or '-'");
	for (i = 0; i < len; i++)
		if (!is_alnum(s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
			return refuse(d, "name may hold only letters, "
			    "digits, '-', '_' and '.'");
	return 0;
}

static int
all_digits_and_dots(const char *s)
{
	for (; *s; s++)
		if (!(*s >= '0' && *s <= '9') && *s != '.')
			return 0;
	return 1;
}

static int
valid_dns(const char *s, struct diag *d)
{
	size_t label = 0;
	const char *p;

	if (strlen(s) > HOST_MAXLEN)
		return refuse(d, "host name is longer than 253 characters");
	for (p = s; ; p++) {
		if (*p == '.' || *p == '\0') {
			if (label == 0)
				return refuse(d,
				    "host name has an empty label");
			if (p[-1] == '-')
				return refuse(d,
				    "host name label ends with '-'");
			if (*p == '\0')
				break;
			label = 0;
			continue;
		}
		if (!is_alnum(*p) && *p != '-')
			return refuse(d, "host must be an IPv4/IPv6 address, a "
			    "CIDR network or a DNS name (letters, digits, '-', "
			    "'.')");
		if (label == 0 && *p == '-')
			return refuse(d, "host name label starts with '-'");
		if (++label > 63)
			return refuse(d, "host name label is longer than 63 "
			    "characters");
	}
	/* "10.0.0.300" is a typo for an address, not a host name. */
	if (all_digits_and_dots(s))
		return refuse(d, "not a valid IPv4 address");
	return 0;
}

static int
parse_prefix(const char *s, unsigned max, unsigned *out)
{
	unsigned v = 0;

	if (*s == '\0' || strlen(s) > 3 || (s[0] == '0' && s[1] != '\0'))
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(*s - '0');
	}
	if (v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int
host_bits_clear(const uint8_t *a, unsigned nbytes, unsigned prefix)
{
	unsigned i;

	for (i = 0; i < nbytes; i++) {
		unsigned keep = prefix >= 8 * (i + 1) ? 8 :
		    prefix > 8 * i ? prefix - 8 * i : 0;
		uint8_t mask = (uint8_t)(keep ? 0xff << (8 - keep) : 0);
		if (a[i] & (uint8_t)~mask)
			return 0;
	}
	return 1;
}

/* A DNS name, canonical in lower case. */
static int
host_dns(const char *s, struct host *h, struct diag *d)
{
	size_t i;

	if (valid_dns(s, d) < 0)
		return -EINVAL;
	h->kind = HOST_DNS;
	h->prefix = 0;
	for (i = 0; s[i]; i++)
		h->canon[i] = (char)((s[i] >= 'A' && s[i] <= 'Z') ?
		    s[i] - 'A' + 'a' : s[i]);
	h->canon[i] = '\0';
	return 0;
}

/* h, an address or network (the prefix after slash, if any): its host
 * bits clear, not /0, written canonical. */
static int
host_net(struct host *h, const char *slash, int v6, struct diag *d)
{
	char txt[INET6_ADDRSTRLEN];

	inet_ntop(v6 ? AF_INET6 : AF_INET, h->addr, txt, sizeof(txt));
	if (slash == NULL) {
		h->kind = v6 ? HOST_IPV6 : HOST_IPV4;
		h->prefix = v6 ? 128 : 32;
		snprintf(h->canon, sizeof(h->canon), "%s", txt);
		return 0;
	}
	if (h->prefix == 0)
		return refuse(d, "a /0 network would export to every host");
	if (!host_bits_clear(h->addr, v6 ? 16 : 4, h->prefix))
		return refuse(d, "network address has host bits set");
	h->kind = v6 ? HOST_NET6 : HOST_NET4;
	snprintf(h->canon, sizeof(h->canon), "%s/%u", txt, h->prefix);
	return 0;
}

/* An address, with a prefix after slash if not NULL; alen bytes of s. */
static int
host_ip(const char *s, size_t alen, const char *slash, int v6,
    struct host *h, struct diag *d)
{
	char addr[INET6_ADDRSTRLEN + 8];
	int mapped;

	if (alen >= sizeof(addr))
		return refuse(d, "not a valid IP address");
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (inet_pton(v6 ? AF_INET6 : AF_INET, addr, h->addr) != 1)
		return refuse(d, v6 ? "not a valid IPv6 address" :
		    "not a valid IPv4 address");
	/*
	 * An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is the IPv4 host
	 * itself: store it as IPv4 so that duplicates are caught.
	 */
	mapped = v6 && h->addr[10] == 0xff && h->addr[11] == 0xff &&
	    memcmp(h->addr, "\0\0\0\0\0\0\0\0\0\0", 10) == 0;
	if (slash != NULL && parse_prefix(slash + 1, v6 ? 128 : 32,
	    &h->prefix) < 0)
		return refuse(d, v6 ? "network prefix must be 1 to 128" :
		    "network prefix must be 1 to 32");
	if (mapped && (slash == NULL || h->prefix >= 96)) {
		memmove(h->addr, h->addr + 12, 4);
		memset(h->addr + 4, 0, 12);
		v6 = 0;
		if (slash != NULL && (h->prefix -= 96) == 0)
			return refuse(d, "a /0 network would export to every "
			    "host");
	}
	return host_net(h, slash, v6, d);
}

int
valid_host(const char *in, struct host *h, struct diag *d)
{
	char s[HOST_MAXLEN + 1];	/* in may be h->canon */
	const char *slash;
	size_t alen;

	if (strlen(in) > HOST_MAXLEN) {
		h->kind = HOST_INVALID;
		return refuse(d, "host is longer than 253 characters");
	}
	memcpy(s, in, strlen(in) + 1);
	memset(h, 0, sizeof(*h));
	h->kind = HOST_INVALID;
	if (*s == '\0')
		return refuse(d, "host is empty");
	slash = strchr(s, '/');
	alen = slash ? (size_t)(slash - s) : strlen(s);
	if (slash == NULL && memchr(s, ':', alen) == NULL &&
	    !all_digits_and_dots(s))
		return host_dns(s, h, d);
	return host_ip(s, alen, slash, memchr(s, ':', alen) != NULL, h, d);
}

/*
 * Whether some address could match both hosts.  Two networks overlap when
 * the shorter prefix contains the other's start; a DNS name overlaps only
 * itself, since resolving is not ours to do here.
 */
int
host_overlap(const struct host *a, const struct host *b)
{
	int a6 = a->kind == HOST_IPV6 || a->kind == HOST_NET6;
	int b6 = b->kind == HOST_IPV6 || b->kind == HOST_NET6;
	struct host m;
	unsigned plen, i;

	if (a->kind == HOST_DNS || b->kind == HOST_DNS)
		return a->kind == b->kind && strcmp(a->canon, b->canon) == 0;
	if (a6 != b6) {
		/* An IPv6 network may cover the IPv4-mapped range. */
		const struct host *v4 = a6 ? b : a;
		m = *v4;
		memset(m.addr, 0, sizeof(m.addr));
		m.addr[10] = m.addr[11] = 0xff;
		memcpy(m.addr + 12, v4->addr, 4);
		m.prefix = v4->prefix + 96;
		m.kind = HOST_NET6;
		return a6 ? host_overlap(a, &m) : host_overlap(&m, b);
	}
	plen = a->prefix < b->prefix ? a->prefix : b->prefix;
	for (i = 0; i < plen; i++) {
		uint8_t bit = (uint8_t)(0x80 >> (i % 8));
		if ((a->addr[i / 8] & bit) != (b->addr[i / 8] & bit))
			return 0;
	}
	return 1;
}

/*
 * A path that can go, unquoted and unescaped, into an exports(5) line and
 * a Ganesha config: absolute, no "." or ".." component, no empty
 * component, and only [A-Za-z0-9/._-].
 */
int
valid_abspath(const char *s, struct diag *d)
{
	const char *p;

	if (s[0] != '/')
		return refuse(d, "path must be absolute");
	if (s[1] == '\0')
		return refuse(d, "path must not be \"/\" itself");
	if (strlen(s) > PATH_MAXLEN)
		return refuse(d, "path is too long");
	for (p = s; *p; p++) {
		if (!is_alnum(*p) && *p != '/' && *p != '.' && *p != '_' &&
		    *p != '-')
			return refuse(d, "path may hold only letters, digits "
			    "and '/', '.', '_', '-'");
		if (*p == '/' && (p[1] == '/' ||
		    (p[1] == '.' && (p[2] == '/' || p[2] == '\0' ||
		    (p[2] == '.' && (p[3] == '/' || p[3] == '\0'))))))
			return refuse(d, "path has an empty, '.' or '..' "
			    "component");
	}
	if (p - s > 1 && p[-1] == '/')
		return refuse(d, "path must not end with '/'");
	return 0;
}
