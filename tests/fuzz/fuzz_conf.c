/*
 * nfswap.conf (provisioner/config.c) through libconfig's string reader:
 * refused with file:line, or accepted with absolute paths and sane ranges.
 */
#include "fuzz.h"
#include "nfswap.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nfswap_conf c;
	struct diag d;
	char *text = fuzz_str(data, size);

	diag_clear(&d);
	if (conf_parse(&c, text, "fuzz.conf", &d) == 0) {
		PROPERTY(c.export_root[0] == '/');
		PROPERTY(c.state_dir[0] == '/');
		PROPERTY(c.uid_min <= c.uid_max);
		PROPERTY(c.export_id_min <= c.export_id_max);
		PROPERTY(c.default_inodes >= 1 && c.default_inodes <= INODES_MAX);
	} else
		PROPERTY(strncmp(d.msg, "fuzz.conf", 9) == 0);
	free(text);
	return 0;
}
