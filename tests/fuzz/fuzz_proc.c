/* /proc/meminfo and /proc/swaps parsers (agent/meminfo.c), on any text. */
#include "fuzz.h"
#include "policy.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct meminfo m;
	struct swaps *s;
	unsigned i;
	char *copy;

	if (size == 0)
		return 0;
	/* exactly the bytes read, not NUL-terminated, as the agent has them */
	copy = fuzz_tail(data, size);
	if (data[0] & 1) {
		if (meminfo_parse(copy, size - 1, &m) == 0) {
			PROPERTY(m.mem_total <= (4ULL << 50));
			PROPERTY(m.swap_free <= (4ULL << 50));
		}
	} else {
		s = malloc(sizeof(*s));
		if (s == NULL)
			abort();
		if (swaps_parse(copy, size - 1, s) == 0) {
			PROPERTY(s->n <= POLICY_FILES_MAX);
			for (i = 0; i < s->n; i++) {
				PROPERTY(memchr(s->e[i].path, '\0',
				    sizeof(s->e[i].path)) != NULL);
			}
		}
		free(s);
	}
	free(copy);
	return 0;
}
