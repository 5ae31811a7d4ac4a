/*
 * kmsg.c -- the kernel log, watched for swap I/O errors.
 *
 * On Linux 6.x swap over NFS with a small wsize fails with lines such as
 * "Write error -12 on dio swapfile (123)"; the block layer's own are
 * "Write-error on swap-device (...)" and "Read-error on swap-device (...)".
 * Any of them means NFS swap is not safe to grow: the daemon feeds EIO to
 * the policy (diet, no more growth) and says so in its log.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"

static int
has(const char *s, size_t len, const char *what)
{
	size_t n = strlen(what), i;

	for (i = 0; i + n <= len; i++)
		if (memcmp(s + i, what, n) == 0)
			return 1;
	return 0;
}

/* Whether one record of /dev/kmsg (or one line of dmesg) is a swap error. */
int
kmsg_is_swap_error(const char *line, size_t len)
{
	const char *semi = memchr(line, ';', len);

	/* /dev/kmsg records are "prio,seq,usec,flags;text" */
	if (semi != NULL) {
		len -= (size_t)(semi + 1 - line);
		line = semi + 1;
	}
	/* Our own log lines quote the kernel's; where stderr goes to the
	 * kernel log (an initramfs), they must not count again. */
	if (has(line, len, "nfswapd"))
		return 0;
	return (has(line, len, " on dio swapfile") &&
	    (has(line, len, "Write error") || has(line, len, "Read error"))) ||
	    has(line, len, "Write-error on swap-device") ||
	    has(line, len, "Read-error on swap-device");
}

/* Open /dev/kmsg at its end (older records are not news), non-blocking. */
int
kmsg_open(const char *path)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	(void)lseek(fd, 0, SEEK_END);
	return fd;
}

/*
 * Read what has arrived; returns how many swap errors were seen, and
 * copies the text of the first one to first (for the log).  EAGAIN ends
 * the batch; EPIPE (records overwritten before we read them) is skipped.
 */
int
kmsg_poll(int fd, char *first, size_t flen)
{
	char rec[2048];
	ssize_t n;
	int seen = 0, tries;

	for (tries = 0; tries < 1024; tries++) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;
		if (n <= 0)
			break;
		if (!kmsg_is_swap_error(rec, (size_t)n))
			continue;
		if (seen++ == 0 && first != NULL && flen > 0) {
			const char *t = memchr(rec, ';', (size_t)n);
			size_t off = t ? (size_t)(t + 1 - rec) : 0;
			size_t m = (size_t)n - off;

			if (m >= flen)
				m = flen - 1;
			memcpy(first, rec + off, m);
			first[m] = '\0';
			first[strcspn(first, "\n")] = '\0';
		}
	}
	return seen;
}
