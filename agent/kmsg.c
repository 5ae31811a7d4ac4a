/*
 * kmsg.c -- the kernel log, watched for swap I/O errors.
 *
 * On Linux 6.x swap over NFS with a small wsize fails with records such as
 * "Write error -12 on dio swapfile (123)"; the block layer's own are
 * "Write-error on swap-device (...)" and "Read-error on swap-device (...)".
 *
 * They are of two kinds.  A failed swap write leaves the page in memory,
 * dirty, to be written again later (mm/page_io.c: "this can be a temporary
 * failure if the system has limited memory for allocating transmit
 * buffers"): nothing is lost, but the swap is under strain -- the daemon
 * stops growing for a while.  A failed swap read loses the page: the
 * process that owned it is killed -- the daemon never grows NFS swap again.
 *
 * What must never count: anything that is not one of those records, word
 * for word, as the kernel itself logged it.  Any local user can make the
 * kernel log text of their choosing -- a program named "Read-error on
 * swap-device" that faults is reported as "Read-error on s[pid]: segfault
 * at ... in Read-error on swap-device[...]" -- and a record that merely
 * contains the words would let them switch growth off for good.  So the
 * whole text of a record is matched against the kernel's formats, numbers
 * checked as printf writes them, and the record must carry the kernel's
 * facility (0) and the level the kernel logs it at.  Text that user space
 * writes to /dev/kmsg gets facility 1 (LOG_USER) from the kernel, even
 * when root asks for 0 (printk.c, devkmsg_write), so it never counts.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"

/*
 * The kernel's swap error messages, from mm/page_io.c of Linux 6.1 and
 * 6.12 (the same text since 5.19; the last row is older kernels'): the
 * format as printk has it (%u, %llu, %ld only) and the level it is logged
 * at (pr_alert 1, pr_err 3).  There is no read error message for a swap
 * file read through ->swap_rw other than the bare "Read-error on
 * swap-device".
 */
static const struct {
	const char	*fmt;
	unsigned	level;
	int		kind;
} formats[] = {
	{ "Write-error on swap-device (%u:%u:%llu)", 1, KMSG_WRITE },
	{ "Read-error on swap-device (%u:%u:%llu)", 1, KMSG_READ },
	{ "Write error %ld on dio swapfile (%llu)", 3, KMSG_WRITE },
	{ "Read-error on swap-device", 1, KMSG_READ },
	{ "Write error on dio swapfile (%llu)", 3, KMSG_WRITE },
};

/*
 * A decimal number as printf writes one: no sign (unless neg may be
 * taken), no leading zeros, no blanks, not above max (or below -max-1).
 * Returns the characters taken, 0 if none fit.
 */
static size_t
number(const char *s, size_t len, int neg, uint64_t max)
{
	size_t i = 0, first;
	uint64_t v = 0, lim = max;

	if (neg && len > 0 && s[0] == '-') {
		i = 1;
		lim = max + 1;		/* LONG_MIN's magnitude */
	}
	first = i;
	while (i < len && s[i] >= '0' && s[i] <= '9') {
		unsigned d = (unsigned)(s[i] - '0');

		if (v > (lim - d) / 10)
			return 0;
		v = v * 10 + d;
		i++;
	}
	if (i == first || (s[first] == '0' && i - first > 1) ||
	    (first == 1 && v == 0))		/* "-0" is not printf's */
		return 0;
	return i;
}

/* Whether text is exactly fmt with its numbers filled in. */
static int
matches(const char *text, size_t len, const char *fmt)
{
	size_t t = 0, n;

	while (*fmt) {
		if (strncmp(fmt, "%llu", 4) == 0) {
			n = number(text + t, len - t, 0, UINT64_MAX);
			fmt += 4;
		} else if (strncmp(fmt, "%ld", 3) == 0) {
			n = number(text + t, len - t, 1, INT64_MAX);
			fmt += 3;
		} else if (strncmp(fmt, "%u", 2) == 0) {
			n = number(text + t, len - t, 0, UINT32_MAX);
			fmt += 2;
		} else {
			n = t < len && text[t] == *fmt ? 1 : 0;
			fmt++;
		}
		if (n == 0)
			return 0;
		t += n;
	}
	return t == len;
}

/*
 * Whether one record of /dev/kmsg is a swap error, and which kind:
 * KMSG_WRITE, KMSG_READ or 0.  A record is "prio,seq,usec,flags[,...];"
 * (more fields may come, say the kernel's docs), the text up to a newline,
 * and key=value lines after it.  prio is facility * 8 + level; flags is
 * '-', or 'c' for a fragment continuing another message.  A line without
 * that header (dmesg's) is not a record: its facility is not known.
 */
int
kmsg_swap_error(const char *rec, size_t len)
{
	const char *semi = memchr(rec, ';', len), *text, *nl, *f;
	unsigned prio = 0, field;
	size_t n, tlen, i;

	if (semi == NULL)
		return 0;
	n = (size_t)(semi - rec);
	if ((i = number(rec, n, 0, 1023)) == 0 || i >= n || rec[i] != ',')
		return 0;
	for (f = rec; f < rec + i; f++)
		prio = prio * 10 + (unsigned)(*f - '0');
	if (prio >> 3 != 0)		/* not the kernel's */
		return 0;
	/* the fourth field, the flags: '-' and nothing else */
	for (field = 1, f = rec + i; f < semi && field < 4; f++)
		if (*f == ',')
			field++;
	if (field != 4 || f >= semi || *f != '-' ||
	    (f + 1 < semi && f[1] != ','))
		return 0;
	text = semi + 1;
	tlen = len - n - 1;
	if ((nl = memchr(text, '\n', tlen)) != NULL)
		tlen = (size_t)(nl - text);
	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if ((prio & 7) == formats[i].level &&
		    matches(text, tlen, formats[i].fmt))
			return formats[i].kind;
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
 * before we read them) is skipped, and so is EINVAL: a record longer than
 * rec (a user's file name escaped as \xNN can make one), which the kernel
 * passes over (it moves on before it checks the length), and which no swap
 * error is.
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
		if (n < 0 && (errno == EPIPE || errno == EINVAL))
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
