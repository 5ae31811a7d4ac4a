/*
 * asuid.c -- run a command as a numeric uid/gid with no supplementary
 * groups: the guest of tests/system/quota_vm.sh has no passwd file and
 * busybox has no numeric setpriv.  Built -static by that test.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int
main(int argc, char *argv[])
{
	uid_t id;

	if (argc < 3) {
		fprintf(stderr, "usage: asuid ID PROG [ARGS]\n");
		return 2;
	}
	id = (uid_t)strtoul(argv[1], NULL, 10);
	if (setgroups(0, NULL) < 0 || setresgid(id, id, id) < 0 ||
	    setresuid(id, id, id) < 0) {
		perror("asuid");
		return 1;
	}
	execv(argv[2], argv + 2);
	perror(argv[2]);
	return 127;
}
