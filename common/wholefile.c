/*
 * wholefile.c -- a whole file of zeros, written under a name that can
 * never be taken for the finished file and renamed to its own name only
 * when it is complete.  Both programs make swap files this way: nfswapd
 * over NFS (agent/swapfile.c: .nfswap.N.partial, or a test's libnfs) and
 * "nfswap serve" on the server's disk as the client (provisioner/
 * serve_jobs.c: .NAME.allocating, O_DIRECT, RENAME_NOREPLACE).  What
 * differs between them -- how a file is made, written, synced, checked
 * and renamed -- is a table of operations; the order, the stop, the
 * periodic flush and the removal on failure are here, once.
 *
 * Per block this costs one write and, every WHOLEFILE_FLUSH_EVERY bytes,
 * one flush: no copy (the zeros are the caller's buffer), no other call
 * into the kernel.  Nothing here logs or keeps state; 0 or -errno.
 */
#include <errno.h>

#include "common.h"

/* Make, fill and close w->partial; on failure it is removed. */
static int
fill(const struct wholefile_ops *ops, void *ctx, struct wholefile *w)
{
	uint64_t flushed = 0, fsize, alloc;
	void *h = NULL;
	int r;

	if ((r = ops->create(ctx, w->partial, &h)) < 0)
		return r;		/* nothing of ours to remove */
	if (ops->reserve != NULL && (r = ops->reserve(ctx, h, w->size)) < 0)
		goto fail;
	while (w->written < w->size) {
		size_t n = w->size - w->written < w->chunk ?
		    (size_t)(w->size - w->written) : w->chunk;

		if (ops->stopped != NULL && ops->stopped(ctx)) {
			r = -EINTR;	/* asked to stop: no half file left */
			goto fail;
		}
		if ((r = ops->write(ctx, h, w->zeros, n)) < 0)
			goto fail;
		w->written += n;
		if (ops->flush != NULL && (w->written - flushed >=
		    WHOLEFILE_FLUSH_EVERY || w->written == w->size)) {
			ops->flush(ctx, h, flushed, w->written);
			flushed = w->written;
		}
	}
	if ((r = ops->sync(ctx, h)) < 0)
		goto fail;
	if (ops->stat != NULL) {
		if ((r = ops->stat(ctx, h, &fsize, &alloc)) < 0)
			goto fail;
		if (fsize != w->size || alloc < fsize) {
			r = -EFAULT;	/* holes: the server did not allocate */
			goto fail;
		}
	}
	r = ops->close(ctx, h);
	h = NULL;
	if (r < 0)
		goto fail;
	return 0;
fail:
	if (h != NULL)
		(void)ops->close(ctx, h);
	(void)ops->unlink(ctx, w->partial);
	return r;
}

/*
 * Write w->size bytes of zeros, w->chunk at a time from w->zeros, as
 * w->partial; once it is whole (synced, and checked for holes if ops can
 * tell), rename it to w->name (none: it keeps its name).  w->written says
 * how far it got.  On any failure the partial file is gone.
 */
int
wholefile_write(const struct wholefile_ops *ops, void *ctx,
    struct wholefile *w)
{
	int r;

	w->written = 0;
	if (w->chunk == 0 || w->size == 0)
		return -EINVAL;
	if ((r = fill(ops, ctx, w)) < 0 || w->name == NULL)
		return r;
	if ((r = ops->rename(ctx, w->partial, w->name)) < 0)
		(void)ops->unlink(ctx, w->partial);
	return r;
}
