/*
 * A client record of the registry (provisioner/registry.c), as if read
 * from state_dir/clients/pc1: refused as corrupt, or a client that both
 * exports formats render as exactly one line / one block (with the VFS
 * and with the Ceph FSAL), with an inode limit in range and, for a DNS
 * name, only single addresses that are their own canonical form.
 */
#include "fuzz.h"
#include "registry.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct exports_opts o = {
		.export_root = "/srv/nfswap", .pseudo_root = "/swap",
		.kernel_options = ""
	};
	struct exports_client e;
	struct client c;
	struct strbuf sb;
	struct diag d;
	struct diag err;
	char *text = fuzz_str(data, size);

	diag_clear(&d);
	if (registry_parse_record(text, "pc1", &c, &d) == 0) {
		PROPERTY(strcmp(c.name, "pc1") == 0);
		/* an inode limit always, in range; addresses only for a DNS
		 * name, each a single address that validates to itself */
		PROPERTY(c.inodes >= 1 && c.inodes <= INODES_MAX);
		PROPERTY(c.naddrs <= CLIENT_ADDRS_MAX);
		for (unsigned i = 0; i < c.naddrs; i++) {
			struct host h;
			struct diag why;

			PROPERTY(valid_host(c.addrs[i], &h, &why) == 0 &&
			    (h.kind == HOST_IPV4 || h.kind == HOST_IPV6) &&
			    strcmp(h.canon, c.addrs[i]) == 0);
		}
		registry_export(&c, &e);
		sb_init(&sb);
		PROPERTY(exports_render(EXPORTS_KERNEL, &e, 1, &o, &sb, &err) == 0);
		PROPERTY(fuzz_count(sb.s, "\n/srv/nfswap/") == 1);
		sb_reset(&sb);
		PROPERTY(exports_render(EXPORTS_GANESHA, &e, 1, &o, &sb, &err) == 0);
		PROPERTY(fuzz_count(sb.s, "EXPORT {") == 1);
		/* and through the Ceph FSAL: one block, one FSAL */
		sb_reset(&sb);
		o.ceph_fs = "cephfs";
		o.ceph_user = "ganesha";
		PROPERTY(exports_render(EXPORTS_GANESHA, &e, 1, &o, &sb, &err) == 0);
		PROPERTY(fuzz_count(sb.s, "EXPORT {") == 1 &&
		    fuzz_count(sb.s, "Name = CEPH;") == 1);
		o.ceph_fs = o.ceph_user = NULL;
		sb_free(&sb);
	} else
		PROPERTY(strncmp(d.msg, "pc1", 3) == 0);
	free(text);
	return 0;
}
