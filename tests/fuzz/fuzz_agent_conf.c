/*
 * nfswapd.conf (agent/conf.c) through libconfig's string reader: any text
 * is accepted or refused with a message naming the file and line; an
 * accepted one gives a policy the policy accepts and mount options that
 * fit their buffer.
 */
#include "fuzz.h"
#include "agent.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct agent_conf c;
	struct mount_opts m;
	struct diag d, why;
	char opts[1024], *text = fuzz_str(data, size);

	diag_clear(&d);
	if (agent_conf_parse(&c, text, "fuzz.conf", &d) == 0) {
		PROPERTY(policy_config_check(&c.policy, &why) == 0);
		agent_mount_opts_init(&m, &c, "6.1.0");
		(void)agent_mount_opts(&c, &m, "192.0.2.1", "192.0.2.2", opts,
		    sizeof(opts));
	} else
		PROPERTY(strncmp(d.msg, "fuzz.conf", 9) == 0);
	free(text);
	return 0;
}
