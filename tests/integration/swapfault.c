/*
 * swapfault.c -- makes the kernel log what the agent's kmsg tests need,
 * for real (tests/host/agent_host.sh):
 *
 *   swapfault segv            a fault at address 0: the kernel's segfault
 *                             report names this program (its comm and its
 *                             file), whatever that name is -- an
 *                             unprivileged user's way into the kernel log
 *   swapfault hog MIB READY GO
 *                             MIB of memory written (a memory cgroup's
 *                             limit pushes it to swap), READY created,
 *                             then once GO exists every page read back
 *                             (swap-in; a failed swap read kills it)
 *   swapfault shutdown DIR    shut down the ext4 file system holding DIR
 *                             (EXT4_IOC_SHUTDOWN, no log flush): every
 *                             read and write of its files fails from then
 *
 * Built without sanitizers: ASan would catch the fault itself and the
 * kernel would log nothing.  Test code; it writes no file but READY.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define SHUTDOWN	_IOR('X', 125, uint32_t)	/* FS_IOC_SHUTDOWN */
#define NOLOGFLUSH	2

int
main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "segv") == 0) {
		/* from the environment, so no compiler turns it into a trap */
		volatile int *p = (volatile int *)(uintptr_t)strtoul(
		    getenv("SWAPFAULT_ADDR") ? getenv("SWAPFAULT_ADDR") : "0",
		    NULL, 0);

		*p = 1;
		return 0;
	}
	if (argc == 5 && strcmp(argv[1], "hog") == 0) {
		size_t len = strtoull(argv[2], NULL, 10) << 20, i;
		struct timespec ts = { 0, 100 * 1000 * 1000 };
		unsigned long sum = 0;
		char *m = malloc(len);
		int fd;

		if (m == NULL)
			return 1;
		for (i = 0; i < len; i += 4096)
			m[i] = (char)(i / 4096 | 1);
		if ((fd = open(argv[3], O_WRONLY | O_CREAT, 0644)) < 0)
			return 1;
		close(fd);
		while (access(argv[4], F_OK) != 0)
			nanosleep(&ts, NULL);
		for (i = 0; i < len; i += 4096)
			sum += (unsigned char)m[i];
		printf("read back %lu\n", sum);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "shutdown") == 0) {
		uint32_t how = NOLOGFLUSH;
		int fd = open(argv[2], O_RDONLY | O_DIRECTORY);

		if (fd < 0 || ioctl(fd, SHUTDOWN, &how) < 0) {
			perror(argv[2]);
			return 1;
		}
		return 0;
	}
	fprintf(stderr, "usage: swapfault segv | hog MIB READY GO | "
	    "shutdown DIR\n");
	return 2;
}
