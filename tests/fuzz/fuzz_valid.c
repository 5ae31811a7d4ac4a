/*
 * Client names, hosts and sizes (common/valid.c, common/size.c): what is
 * accepted is canonical -- it validates again to itself -- and holds
 * nothing that could break out of an exports line or an EXPORT block; a
 * size that parses prints back to the same value.
 */
#include "fuzz.h"
#include "common.h"

static int
plain(const char *s)
{
	for (; *s; s++)
		if (*s <= ' ' || *s == '"' || *s == '(' || *s == ')' ||
		    *s == ',' || *s == ';' || *s == '{' || *s == '}' ||
		    *s == '#' || *s == '\\' || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct host h, h2;
	struct diag why;
	char buf[SIZE_STRMAX], *s;
	uint64_t v, v2;

	if (size == 0)
		return 0;
	s = fuzz_str(data + 1, size - 1);
	switch (data[0] % 3) {
	case 0:
		if (valid_name(s, &why) == 0) {
			PROPERTY(plain(s) && strchr(s, '/') == NULL);
			PROPERTY(strcmp(s, ".") != 0 && strcmp(s, "..") != 0);
		}
		break;
	case 1:
		if (valid_host(s, &h, &why) == 0) {
			PROPERTY(plain(h.canon));
			PROPERTY(valid_host(h.canon, &h2, &why) == 0);
			PROPERTY(strcmp(h.canon, h2.canon) == 0);
			PROPERTY(h.kind == h2.kind && h.prefix == h2.prefix);
			PROPERTY(memcmp(h.addr, h2.addr, sizeof(h.addr)) == 0);
		}
		break;
	default:
		if (size_parse(s, &v) == 0) {
			PROPERTY(size_parse(size_format(v, buf), &v2) == 0);
			PROPERTY(v == v2);
		}
	}
	free(s);
	return 0;
}
