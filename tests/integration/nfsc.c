/*
 * nfsc.c -- a thin client's NFS traffic, for the integration tests: libnfs
 * (NFSv3) against a real server, one command per run, results on stdout as
 * "key value" lines, errors as "ERR <errno name> <text>" with exit 1.
 *
 *   nfsc URL mount                      mount the export, nothing else;
 *                                       says from which local port
 *   nfsc URL write NAME SIZE BLOCK      create 0600, SIZE bytes of zeros in
 *                                       BLOCK-byte writes, fsync
 *   nfsc URL syncwrite NAME SIZE BLOCK  the same, opened O_SYNC: every WRITE
 *                                       FILE_SYNC (dd oflag=sync)
 *   nfsc URL agentwrite NAME SIZE BLOCK the agent's own creation code
 *                                       (wholefile_write) over libnfs
 *   nfsc URL pipewrite NAME SIZE BLOCK WSIZE DEPTH
 *                                       the agent's creation code, its
 *                                       writes sent as WSIZE-byte WRITEs
 *                                       with up to DEPTH in flight (as a
 *                                       kernel client pipelines them)
 *   nfsc URL stat NAME                  size, mode, uid, used bytes
 *   nfsc URL read NAME                  bytes read
 *   nfsc URL poke NAME OFFSET TEXT      write TEXT into the existing file
 *                                       at OFFSET, fsync (as one who
 *                                       plants code in swapped pages)
 *   nfsc URL rm NAME
 *   nfsc URL ls                         names, one per line
 *
 * URL: nfs://SERVER/EXPORT?version=3&nfsport=N&mountport=M, or
 * nfs://SERVER/PSEUDO?version=4&nfsport=N (libnfs 4.0's NFSv4 cannot
 * write 4 KiB or more at once).
 *
 * The source port: libnfs binds a reserved port (512-1023) when it can --
 * as root, or with CAP_NET_BIND_SERVICE -- and an ephemeral one otherwise,
 * so the same program run as root and as an unprivileged user shows what
 * an export that requires a reserved port lets in.
 * With NFSC_TIME set, the writes also print "elapsed SECONDS" (mount and
 * connection excluded), for bench/nfs-create.sh.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <nfsc/libnfs.h>

#include "agent.h"

static struct nfs_context *nfs;
static struct nfs_url *url;

static int
fail(int r, const char *what)
{
	int e = r < 0 ? -r : EIO;

	printf("ERR %s %s: %s\n", strerrorname_np(e) ? strerrorname_np(e) :
	    "EIO", what, nfs ? nfs_get_error(nfs) : "");
	fflush(stdout);
	if (url != NULL)
		nfs_destroy_url(url);
	if (nfs != NULL)
		nfs_destroy_context(nfs);
	return 1;
}

static int
io_create(void *ctx, const char *name, void **h)
{
	struct nfsfh *fh;
	int r = nfs_create(ctx, name, O_WRONLY | O_CREAT | O_EXCL, 0600, &fh);

	if (r < 0)
		return r;
	*h = fh;
	return 0;
}

static int
io_write(void *ctx, void *h, const void *buf, size_t n)
{
	const char *p = buf;

	while (n > 0) {
		int r = nfs_write(ctx, h, n, p);

		if (r < 0)
			return r;
		if (r == 0)
			return -EIO;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static int
io_sync(void *ctx, void *h)
{
	return nfs_fsync(ctx, h);
}

static int
io_stat(void *ctx, void *h, uint64_t *size, uint64_t *alloc)
{
	struct nfs_stat_64 st;
	int r = nfs_fstat64(ctx, h, &st);

	if (r < 0)
		return r;
	*size = st.nfs_size;
	*alloc = st.nfs_used;		/* NFSv3 "used": bytes allocated */
	return 0;
}

static int
io_close(void *ctx, void *h)
{
	return nfs_close(ctx, h);
}

static int
io_unlink(void *ctx, const char *name)
{
	return nfs_unlink(ctx, name);
}

/*
 * The pipelined writer: each write the agent's loop makes is cut into
 * WSIZE-byte WRITEs sent without waiting, at most DEPTH unanswered; sync
 * waits for all of them, then COMMITs.  (libnfs copies the data into each
 * request as it queues it.)
 */
static struct {
	uint64_t	off;
	size_t		wsize;
	int		depth, inflight, err;
} pipe_;

static void
pipe_done(int err, struct nfs_context *n, void *data, void *priv)
{
	(void)n; (void)data; (void)priv;
	pipe_.inflight--;
	if (err < 0 && pipe_.err == 0)
		pipe_.err = err;
}

static int
pipe_wait(int most)
{
	while (pipe_.inflight > most) {
		struct pollfd p = { nfs_get_fd(nfs), (short)nfs_which_events(nfs), 0 };
		int r = poll(&p, 1, 10000);

		if (r < 0)
			return -errno;
		if (r == 0)
			return -ETIMEDOUT;
		if (nfs_service(nfs, p.revents) < 0)
			return -EIO;
	}
	return pipe_.err;
}

static int
pipe_write(void *ctx, void *h, const void *buf, size_t n)
{
	const char *p = buf;
	int r;

	while (n > 0) {
		size_t k = n < pipe_.wsize ? n : pipe_.wsize;

		if ((r = pipe_wait(pipe_.depth - 1)) < 0)
			return r;
		if ((r = nfs_pwrite_async(ctx, h, pipe_.off, k, p, pipe_done,
		    NULL)) < 0)
			return r;
		pipe_.inflight++;
		pipe_.off += k;
		p += k;
		n -= k;
	}
	return 0;
}

static int
pipe_sync(void *ctx, void *h)
{
	int r = pipe_wait(0);

	return r < 0 ? r : nfs_fsync(ctx, h);
}

static char zeros[65536];

int
main(int argc, char **argv)
{
	struct nfsfh *fh;
	struct nfs_stat_64 st;
	const char *cmd;
	int r;

	if (argc < 3) {
		fprintf(stderr, "usage: nfsc URL mount|write|syncwrite|agentwrite|pipewrite|stat|"
		    "read|poke|rm|ls [args]\n");
		return 2;
	}
	cmd = argv[2];
	if ((nfs = nfs_init_context()) == NULL)
		return fail(-ENOMEM, "init");
	nfs_set_timeout(nfs, 10000);
	if ((url = nfs_parse_url_dir(nfs, argv[1])) == NULL)
		return fail(-EINVAL, "url");
	if ((r = nfs_mount(nfs, url->server, url->path)) < 0)
		return fail(r, "mount");
	if (strcmp(cmd, "mount") == 0) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		int port = -1;

		if (getsockname(nfs_get_fd(nfs), (struct sockaddr *)&ss,
		    &len) == 0)
			port = ntohs(ss.ss_family == AF_INET6 ?
			    ((struct sockaddr_in6 *)&ss)->sin6_port :
			    ((struct sockaddr_in *)&ss)->sin_port);
		printf("mounted %s:%s\nport %d\n", url->server, url->path, port);
	} else if (((strcmp(cmd, "write") == 0 || strcmp(cmd, "agentwrite") == 0 ||
	    strcmp(cmd, "syncwrite") == 0) && argc == 6) || (strcmp(cmd, "pipewrite") == 0 && argc == 8)) {
		uint64_t size = strtoull(argv[4], NULL, 10), done = 0;
		size_t block = strtoul(argv[5], NULL, 10);
		uint64_t t0 = mono_ms();

		if (block == 0 || block > sizeof(zeros))
			return fail(-EINVAL, "block");
		if (cmd[0] == 'a' || cmd[0] == 'p') {
			struct wholefile_ops io = {
				.create = io_create, .write = io_write,
				.sync = io_sync, .stat = io_stat,
				.close = io_close, .unlink = io_unlink
			};
			struct wholefile w = { argv[3], NULL, size, zeros,
			    block, 0 };

			if (cmd[0] == 'p') {
				pipe_.wsize = strtoul(argv[6], NULL, 10);
				pipe_.depth = atoi(argv[7]);
				if (pipe_.wsize == 0 || pipe_.depth < 1)
					return fail(-EINVAL, "wsize/depth");
				io.write = pipe_write;
				io.sync = pipe_sync;
			}
			r = wholefile_write(&io, nfs, &w);
			done = w.written;
			if (r < 0)
				(void)pipe_wait(0);
			printf("written %llu\n", (unsigned long long)done);
			if (r < 0)
				return fail(r, cmd);
		} else {
			if ((r = nfs_create(nfs, argv[3], O_WRONLY | O_CREAT |
			    O_EXCL | (cmd[0] == 's' ? O_SYNC : 0), 0600, &fh)) < 0)
				return fail(r, "create");
			while (done < size) {
				size_t n = size - done < block ?
				    (size_t)(size - done) : block;

				if ((r = io_write(nfs, fh, zeros, n)) < 0) {
					printf("written %llu\n",
					    (unsigned long long)done);
					nfs_close(nfs, fh);
					return fail(r, "write");
				}
				done += n;
			}
			if ((r = nfs_fsync(nfs, fh)) < 0 ||
			    (r = nfs_close(nfs, fh)) < 0)
				return fail(r, "fsync/close");
			printf("written %llu\n", (unsigned long long)done);
		}
		if (getenv("NFSC_TIME") != NULL)
			printf("elapsed %.3f\n", (double)(mono_ms() - t0) / 1000.0);
	} else if (strcmp(cmd, "stat") == 0 && argc == 4) {
		if ((r = nfs_stat64(nfs, argv[3], &st)) < 0)
			return fail(r, "stat");
		printf("size %llu\nmode %llo\nuid %llu\nused %llu\n",
		    (unsigned long long)st.nfs_size,
		    (unsigned long long)(st.nfs_mode & 07777),
		    (unsigned long long)st.nfs_uid,
		    (unsigned long long)st.nfs_used);
	} else if (strcmp(cmd, "read") == 0 && argc == 4) {
		uint64_t total = 0;

		if ((r = nfs_open(nfs, argv[3], O_RDONLY, &fh)) < 0)
			return fail(r, "open");
		while ((r = nfs_read(nfs, fh, sizeof(zeros), zeros)) > 0)
			total += (uint64_t)r;
		nfs_close(nfs, fh);
		if (r < 0)
			return fail(r, "read");
		printf("read %llu\n", (unsigned long long)total);
	} else if (strcmp(cmd, "poke") == 0 && argc == 6) {
		uint64_t off = strtoull(argv[4], NULL, 10);

		if ((r = nfs_open(nfs, argv[3], O_WRONLY, &fh)) < 0)
			return fail(r, "open");
		r = nfs_pwrite(nfs, fh, off, strlen(argv[5]), argv[5]);
		if (r < 0 || (r = nfs_fsync(nfs, fh)) < 0) {
			nfs_close(nfs, fh);
			return fail(r, "poke");
		}
		nfs_close(nfs, fh);
		printf("poked %zu\n", strlen(argv[5]));
	} else if (strcmp(cmd, "rm") == 0 && argc == 4) {
		if ((r = nfs_unlink(nfs, argv[3])) < 0)
			return fail(r, "unlink");
		printf("removed %s\n", argv[3]);
	} else if (strcmp(cmd, "ls") == 0) {
		struct nfsdir *d;
		struct nfsdirent *e;

		if ((r = nfs_opendir(nfs, "/", &d)) < 0)
			return fail(r, "opendir");
		while ((e = nfs_readdir(nfs, d)) != NULL)
			if (strcmp(e->name, ".") && strcmp(e->name, ".."))
				printf("%s\n", e->name);
		nfs_closedir(nfs, d);
	} else {
		fprintf(stderr, "nfsc: bad command\n");
		return 2;
	}
	nfs_destroy_url(url);
	nfs_destroy_context(nfs);
	return 0;
}
