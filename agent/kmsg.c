/*
 * kmsg.c -- the kernel log, watched for swap I/O errors.
 *
 * On Linux 6.x swap over NFS with a small wsize fails with lines such as
 * "Write error -12 on dio swapfile (123)"; the block layer's own are
 * "Write-error on swap-device (...)" and "Read-error on swap-device (...)".
 *
 * They are of two kinds.  A failed swap write leaves the page in memory,
 * dirty, to be written again later (mm/page_io.c: "this can be a temporary
 * failure if the system has limited memory for allocating transmit
 * buffers"): nothing is lost, but the swap is under strain -- the daemon
 * stops growing for a while.  A failed swap read loses the page: the
 * process that owned it is killed -- the daemon never grows NFS swap again.
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

/* Whether one record of /dev/kmsg (or one line of dmesg) is a swap error,
 * and which kind: KMSG_WRITE, KMSG_READ or 0. */
int
kmsg_swap_error(const char *line, size_t len)
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
	if (has(line, len, "Read-error on swap-device") ||
	    (has(line, len, "Read error") && has(line, len, " on dio swapfile")))
		return KMSG_READ;
	if (has(line, len, "Write-error on swap-device") ||
	    (has(line, len, "Write error") && has(line, len, " on dio swapfile")))
		return KMSG_WRITE;
	return 0;
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
 * Read what has arrived, adding the swap errors to *seen and keeping the
 * text of the first of each kind (for the log); returns how many were
 * seen in this batch.  EAGAIN ends the batch; EPIPE (records overwritten
 * before we read them) is skipped.
 */
int
kmsg_poll(int fd, struct kmsg_seen *seen)
{
	char rec[2048];
	ssize_t n;
	int kind, batch = 0, tries;
	unsigned *count;
	char *first;
	size_t flen;

	for (tries = 0; tries < 1024; tries++) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;
		if (n <= 0)
			break;
		if ((kind = kmsg_swap_error(rec, (size_t)n)) == 0)
			continue;
		batch++;
		count = kind == KMSG_READ ? &seen->reads : &seen->writes;
		first = kind == KMSG_READ ? seen->read_line : seen->write_line;
		flen = kind == KMSG_READ ? sizeof(seen->read_line) :
		    sizeof(seen->write_line);
		if ((*count)++ == 0) {
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
	return batch;
}
