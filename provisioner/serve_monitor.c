/*
 * serve_monitor.c -- the privileged side of "nfswap serve".
 *
 * It takes fixed-size requests from the network side (serve.h) over a
 * socketpair and never reads from the network itself.  It trusts nothing
 * in a request: the caller's address is looked up in the registry again,
 * every name and size is checked again (serve_msg.c), and everything
 * done in a client's directory is done as that client, in the directory
 * the store opened as the client (store_enter), so that the kernel
 * itself refuses a link a client planted to anything that is not its
 * own.  ALLOCATE's jobs are serve_jobs.c's; what a directory holds,
 * serve_usage.c's.
 *
 * Every request is answered in bounded time: the work the request loop
 * does itself is a registry read, a project-quota query or a bounded
 * walk, one unlink, or a directory read of at most STATUS_SCAN_MAX
 * entries.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "registry.h"
#include "serve.h"

#define STATUS_SCAN_MAX	4096		/* entries STATUS reads, at most */

static struct {
	const struct nfswap_conf *conf;
	struct registry_names names;
} M;

static nfswap_stat
do_release(const struct client *c, const char *name)
{
	struct stat st;
	int dfd, r;

	if (!msg_name_ok(name))
		return NFSWAP_INVAL;
	if (jobs_busy(c, name))
		return NFSWAP_BUSY;
	if ((dfd = store_enter(M.conf, c->name, c->uid, c->gid)) < 0)
		return msg_stat(-dfd);
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		r = errno;
	else if (!S_ISREG(st.st_mode) || st.st_uid != c->uid)
		r = EINVAL;
	else
		r = unlinkat(dfd, name, 0) < 0 ? errno : 0;
	store_leave(dfd);
	if (r == 0) {
		usage_dirty(c->name);
		log_info("%s: released %s", c->name, name);
	}
	return r == 0 ? NFSWAP_OK : msg_stat(r);
}

/* The files of the client's directory (at most SERVE_FILES_MAX, from the
 * first STATUS_SCAN_MAX entries), what it uses, what is under way. */
static void
do_status(const struct client *c, struct serve_rep *rep)
{
	struct dirent *e;
	struct stat st;
	unsigned seen = 0;
	uint64_t used = 0;
	DIR *d;
	int dfd, fd;

	rep->status = NFSWAP_OK;
	rep->quota = c->quota;
	if ((dfd = store_enter(M.conf, c->name, c->uid, c->gid)) < 0) {
		rep->status = msg_stat(-dfd);
		return;
	}
	if ((fd = dup(dfd)) < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		store_leave(dfd);
		rep->status = NFSWAP_IO;
		return;
	}
	while (rep->nfiles < SERVE_FILES_MAX && seen++ < STATUS_SCAN_MAX &&
	    (e = readdir(d)) != NULL) {
		struct serve_file *f = &rep->files[rep->nfiles];

		if (e->d_name[0] == '.' || strlen(e->d_name) > NAME_MAXLEN ||
		    fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		snprintf(f->name, sizeof(f->name), "%s", e->d_name);
		f->size = (uint64_t)st.st_size;
		f->allocated = (uint64_t)st.st_blocks * 512;
		rep->nfiles++;
	}
	closedir(d);
	store_leave(dfd);
	(void)usage_get(c, 0, &used);	/* the last known will do */
	rep->used = used + jobs_pending(c, &rep->in_progress);
}

static void
do_lookup(const struct client *c, struct serve_rep *rep)
{
	const struct head *h = c->head[0] != '\0' ?
	    conf_head(M.conf, c->head) : NULL;

	rep->status = NFSWAP_OK;
	snprintf(rep->client, sizeof(rep->client), "%s", c->name);
	store_path(M.conf, c->name, rep->export_path,
	    sizeof(rep->export_path));
	rep->quota = c->quota;
	rep->anon_uid = c->uid;
	if (h != NULL) {
		snprintf(rep->server, sizeof(rep->server), "%s", h->address);
		rep->nfs_port = h->nfs_port;
		rep->mount_port = h->mount_port;
	}
	rep->allocate = M.conf->backend == BACKEND_LOCAL;
}

static void
handle(const struct serve_req *q, struct serve_rep *rep)
{
	struct registry reg;
	struct client c;
	struct diag d;
	struct host h;
	int r;

	rep->seq = q->seq;
	if (!msg_request_ok(q) || valid_host(q->addr, &h, NULL) < 0) {
		rep->status = NFSWAP_INVAL;
		return;
	}
	if (registry_open(&reg, M.conf, 0, &d) < 0) {
		log_warnx("registry: %s", d.msg);
		rep->status = NFSWAP_IO;
		return;
	}
	r = registry_find_caller(&reg, &h, q->dns, &M.names, &c, &d);
	registry_close(&reg);
	rep->dns_clients = (uint32_t)M.names.any;
	if (r < 0) {
		rep->status = r == -ENOENT ? NFSWAP_UNKNOWN : NFSWAP_IO;
		return;
	}
	/* Files on CephFS are not this server's to write (the heads reach it
	 * through libcephfs; this service does not). */
	if (M.conf->backend != BACKEND_LOCAL && q->op != SERVE_LOOKUP) {
		rep->status = NFSWAP_NOTSUPP;
		return;
	}
	switch (q->op) {
	case SERVE_LOOKUP:
		do_lookup(&c, rep);
		break;
	case SERVE_ALLOCATE:
		rep->status = jobs_allocate(&c, q->name, q->size);
		break;
	case SERVE_RELEASE:
		rep->status = do_release(&c, q->name);
		break;
	case SERVE_STATUS:
		do_status(&c, rep);
		break;
	}
	stats_call(&c, q->op, rep->status);
}

/*
 * The request loop: until *stop, or until the network side goes away.
 * Then the workers see the stop, remove their partial files, and are
 * waited for.  Returns 0, or -errno when the channel broke.
 */
int
monitor_run(const struct nfswap_conf *conf, int net_fd,
    volatile sig_atomic_t *stop)
{
	static struct serve_rep rep;
	struct serve_req q;
	struct pollfd p;
	int r = 0;

	M.conf = conf;
	if ((r = jobs_start(conf, stop)) < 0) {
		log_warnx("serve: %s/" SERVE_JOURNAL_DIR ": %s", conf_dir_root(conf),
		    strerror(-r));
		return r;
	}
	usage_start(conf, stop);
	stats_start(conf);
	while (!*stop) {
		ssize_t n;

		p.fd = net_fd;
		p.events = POLLIN;
		p.revents = 0;
		n = poll(&p, 1, 1000);
		jobs_reap();
		stats_flush(0);
		if (n < 0 && errno != EINTR) {
			r = -errno;
			break;
		}
		if (n <= 0)
			continue;
		n = recv(net_fd, &q, sizeof(q), MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0) {		/* the network side is gone */
			r = n < 0 ? -errno : -EPIPE;
			break;
		}
		/* The network side's counters: kept, not answered. */
		if ((size_t)n == sizeof(q) && q.op == SERVE_COUNTERS) {
			stats_net(&q.net);
			continue;
		}
		memset(&rep, 0, sizeof(rep));
		if ((size_t)n != sizeof(q)) {
			rep.status = NFSWAP_INVAL;
			q.seq = 0;
		} else
			handle(&q, &rep);
		rep.seq = q.seq;
		if (send(net_fd, &rep, sizeof(rep), MSG_NOSIGNAL) < 0 &&
		    errno != EAGAIN) {
			r = -errno;
			break;
		}
	}
	jobs_stop();
	usage_stop();
	stats_stop();
	return r;
}
