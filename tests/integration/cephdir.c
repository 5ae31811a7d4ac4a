/*
 * cephdir.c -- groundwork for the CephFS back end (issue 11): make a
 * client's directory on CephFS through libcephfs as the provisioner will,
 * and read back what the cluster keeps of it.
 *
 *   cephdir CONF make PATH UID QUOTA_BYTES   mkdir -p the parent, mkdir
 *                                            PATH 0700, chown, quota
 *   cephdir CONF usage PATH                  ceph.dir.rbytes, the quota,
 *                                            the mode, the owner, the
 *                                            inode limit (max_files) and
 *                                            ceph.dir.rentries
 *   cephdir CONF mkdir PATH MODE             mkdir -p, then chmod (octal)
 *   cephdir CONF ls PATH                     the names in a directory
 *   cephdir CONF chain PATH DEPTH UID        DEPTH directories "d", one in
 *                                            the other, below PATH, owned
 *                                            by UID (as a client makes them)
 *   cephdir CONF rmdir PATH                  remove an empty directory
 *
 * Connects as client.admin (the CONF names its keyring).  Exit 0, or 1
 * with the failing call and its error on stderr.
 */
#define _FILE_OFFSET_BITS 64
#include <dirent.h>
#include <cephfs/libcephfs.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct ceph_mount_info *m;

/* Always unmounted: a client that leaves without it keeps its caps until
 * the MDS times its session out, and the next client that needs them
 * (a Ganesha head) waits that long. */
static int
fail(const char *what, int r)
{
	fprintf(stderr, "cephdir: %s: %s\n", what, strerror(-r));
	if (m != NULL) {
		ceph_unmount(m);
		ceph_release(m);
	}
	return 1;
}

static int
xattr(const char *path, const char *name, char *buf, size_t len)
{
	int r = ceph_getxattr(m, path, name, buf, len - 1);

	buf[r < 0 ? 0 : r] = '\0';
	return r;
}

int
main(int argc, char **argv)
{
	char parent[4096], q[32], used[32], mf[32], ent[32];
	struct ceph_statx stx;
	int r;

	if (argc < 4 || (strcmp(argv[2], "make") == 0 && argc != 6)) {
		fprintf(stderr, "usage: cephdir CONF make PATH UID QUOTA | "
		    "cephdir CONF usage|ls PATH | cephdir CONF mkdir PATH MODE\n");
		return 2;
	}
	if ((r = ceph_create(&m, "admin")) < 0) {
		m = NULL;
		return fail("ceph_create", r);
	}
	if ((r = ceph_conf_read_file(m, argv[1])) < 0 ||
	    (r = ceph_mount(m, "/")) < 0) {
		ceph_release(m);
		m = NULL;
		return fail("mount", r);
	}
	if (strcmp(argv[2], "ls") == 0) {
		struct ceph_dir_result *dr;
		struct dirent *de;

		if ((r = ceph_opendir(m, argv[3], &dr)) < 0)
			return fail(argv[3], r);
		while ((de = ceph_readdir(m, dr)) != NULL)
			if (strcmp(de->d_name, ".") != 0 &&
			    strcmp(de->d_name, "..") != 0)
				printf("%s\n", de->d_name);
		ceph_closedir(m, dr);
	} else if (strcmp(argv[2], "chain") == 0 && argc == 6) {
		size_t len = strlen(argv[3]);
		int i, depth = atoi(argv[4]), uid = atoi(argv[5]);

		if (len >= sizeof(parent))
			return fail("chain", -ENAMETOOLONG);
		memcpy(parent, argv[3], len + 1);
		for (i = 0; i < depth; i++) {
			if (len + 3 >= sizeof(parent))
				return fail("chain", -ENAMETOOLONG);
			memcpy(parent + len, "/d", 3);
			len += 2;
			if ((r = ceph_mkdir(m, parent, 0700)) < 0 ||
			    (r = ceph_chown(m, parent, uid, uid)) < 0)
				return fail(parent, r);
		}
	} else if (strcmp(argv[2], "rmdir") == 0) {
		if ((r = ceph_rmdir(m, argv[3])) < 0)
			return fail(argv[3], r);
	} else if (strcmp(argv[2], "mkdir") == 0 && argc == 5) {
		mode_t mode = (mode_t)strtoul(argv[4], NULL, 8);

		if ((r = ceph_mkdirs(m, argv[3], mode)) < 0 && r != -EEXIST)
			return fail(argv[3], r);
		if ((r = ceph_chmod(m, argv[3], mode)) < 0)
			return fail("chmod", r);
	} else if (strcmp(argv[2], "make") == 0) {
		snprintf(parent, sizeof(parent), "%s", argv[3]);
		if (strrchr(parent, '/') != NULL && strrchr(parent, '/') != parent) {
			*strrchr(parent, '/') = '\0';
			if ((r = ceph_mkdirs(m, parent, 0755)) < 0 && r != -EEXIST)
				return fail(parent, r);
		}
		if ((r = ceph_mkdir(m, argv[3], 0700)) < 0)
			return fail(argv[3], r);
		if ((r = ceph_chown(m, argv[3], atoi(argv[4]), atoi(argv[4]))) < 0)
			return fail("chown", r);
		if ((r = ceph_setxattr(m, argv[3], "ceph.quota.max_bytes",
		    argv[5], strlen(argv[5]), 0)) < 0)
			return fail("ceph.quota.max_bytes", r);
	} else if (strcmp(argv[2], "usage") == 0) {
		if ((r = xattr(argv[3], "ceph.dir.rbytes", used,
		    sizeof(used))) < 0)
			return fail("ceph.dir.rbytes", r);
		if (xattr(argv[3], "ceph.quota.max_bytes", q, sizeof(q)) < 0)
			snprintf(q, sizeof(q), "0");
		if (xattr(argv[3], "ceph.quota.max_files", mf, sizeof(mf)) < 0)
			snprintf(mf, sizeof(mf), "0");
		if (xattr(argv[3], "ceph.dir.rentries", ent, sizeof(ent)) < 0)
			snprintf(ent, sizeof(ent), "?");
		if ((r = ceph_statx(m, argv[3], &stx, CEPH_STATX_MODE |
		    CEPH_STATX_UID, AT_SYMLINK_NOFOLLOW)) < 0)
			return fail("ceph_statx", r);
		printf("used %s quota %s mode %o uid %u max_files %s entries %s\n",
		    used, q, (unsigned)(stx.stx_mode & 07777),
		    (unsigned)stx.stx_uid, mf, ent);
	} else {
		fail("usage", -EINVAL);
		return 2;
	}
	ceph_unmount(m);
	ceph_release(m);
	return 0;
}
