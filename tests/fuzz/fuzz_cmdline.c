/*
 * nfswap= on the kernel command line (agent/conf.c): absent, off, a
 * server and an absolute path that fit their buffers, or refused.
 */
#include "fuzz.h"
#include "agent.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char server[HOST_MAXLEN + 1], path[PATH_MAXLEN + 1];
	char *text = fuzz_str(data, size);
	int r = agent_cmdline(text, server, sizeof(server), path, sizeof(path));

	PROPERTY(r == 0 || r == 1 || r == 2 || r == -EINVAL);
	if (r == 1) {
		PROPERTY(server[0] != '\0' && strlen(server) < sizeof(server));
		PROPERTY(path[0] == '/');
		PROPERTY(strchr(server, ' ') == NULL && strchr(path, ' ') == NULL);
	}
	if (r == 0 || r == 2)
		PROPERTY(strstr(text, "nfswap=") != NULL || r == 0);
	free(text);
	return 0;
}
