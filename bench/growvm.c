/*
 * growvm.c -- time to grow swap, measured inside a thin client (the VM of
 * bench/grow-vm.sh): the agent's own code paths, one after the other, on
 * the same NFS mount.
 *
 *   nfswap-growvm CONF SIZE_MIB
 *
 * CONF is an nfswapd.conf naming the server, the export and the
 * provisioner.  The export is mounted by the agent's mount code with the
 * rsize/wsize the file gives, taken literally (no safe floor: this measures
 * the spec's 2 KiB writes).  Then, each timed until swapon returns:
 *
 *   nfs    the agent writes nfswap.0 over the mount (swapfile_create, as
 *          nfswapd grows without a provisioner), writes its header, swapon
 *   alloc  ALLOCATE asks "nfswap serve" for nfswap.1, the agent checks it
 *          as its own (owner, size, no holes), writes its header, swapon
 *
 * Output: "nfs SECONDS" and "alloc SECONDS", then both files are turned
 * off and removed and the export unmounted.  Exit 0 when both grew.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"

static double
now(void)
{
	return (double)mono_ms() / 1000.0;
}

static int
activate(int dirfd, const char *name, uint64_t bytes, uid_t owner)
{
	int r;

	if ((r = swapfile_mkswap(dirfd, name, bytes)) < 0 ||
	    (r = swapfile_on(dirfd, name, owner, -1)) < 0)
		fprintf(stderr, "growvm: activating %s: %s\n", name,
		    strerror(-r));
	return r;
}

int
main(int argc, char **argv)
{
	struct agent_conf c;
	struct diag d;
	struct stat st;
	char opts[1024], source[PATH_MAXLEN + 64], name[16];
	uint64_t bytes, written = 0;
	double t0, t_nfs, t_alloc;
	struct mount_opts m;
	struct prov p;
	int dirfd, r, rc = 0, last;

	if (argc != 3) {
		fprintf(stderr, "usage: nfswap-growvm CONF SIZE_MIB\n");
		return 2;
	}
	log_init("growvm", 1, 0);
	diag_clear(&d);
	if (agent_conf_load(&c, argv[1], 1, &d) < 0) {
		fprintf(stderr, "growvm: %s\n", d.msg);
		return 2;
	}
	bytes = strtoull(argv[2], NULL, 10) << 20;
	c.literal_wsize = 1;
	c.min_swap_wsize = 0;
	agent_mount_opts_init(&m, &c, NULL);	/* literal: no floor */
	if ((r = agent_mount(&c, &m, c.export_path, opts, sizeof(opts), source,
	    sizeof(source))) < 0) {
		fprintf(stderr, "growvm: mount %s: %s\n", source, strerror(-r));
		return 1;
	}
	printf("mounted %s (%s)\n", source, opts);
	if ((dirfd = open(c.mount_point, O_RDONLY | O_DIRECTORY)) < 0 ||
	    fstat(dirfd, &st) < 0) {
		perror(c.mount_point);
		return 1;
	}

	t0 = now();
	r = swapfile_create(dirfd, "nfswap.0", bytes, c.block_size, &written,
	    NULL);
	if (r < 0)
		fprintf(stderr, "growvm: writing nfswap.0: %s\n", strerror(-r));
	if (r < 0 || activate(dirfd, "nfswap.0", bytes, st.st_uid) < 0)
		rc = 1;
	t_nfs = now() - t0;
	if (rc == 0)
		printf("nfs %.3f\n", t_nfs);

	t0 = now();
	prov_init(&p, &c, NULL);
	r = prov_allocate(&p, "nfswap.1", bytes, agent_alloc_limit_ms(&c, bytes),
	    &last);
	if (r == 0 && (r = swapfile_allocated(dirfd, "nfswap.1", bytes,
	    st.st_uid)) < 0)
		fprintf(stderr, "growvm: nfswap.1 is not what was asked for: "
		    "%s\n", strerror(-r));
	else if (r < 0)
		fprintf(stderr, "growvm: ALLOCATE: %s\n", strerror(-r));
	if (r < 0 || activate(dirfd, "nfswap.1", bytes, st.st_uid) < 0)
		rc = 1;
	t_alloc = now() - t0;
	if (rc == 0)
		printf("alloc %.3f\n", t_alloc);
	fflush(stdout);

	for (r = 0; r < 2; r++) {
		snprintf(name, sizeof(name), "nfswap.%d", r);
		(void)swapfile_off(dirfd, name, st.st_uid);
		(void)swapfile_unlink(dirfd, name, st.st_uid);
	}
	close(dirfd);
	if (umount(c.mount_point) < 0)
		perror(c.mount_point);
	return rc;
}
