/*
 * common.h -- the little that nfswap (server) and nfswapd (client) share.
 *
 * Prototypes are listed by source file.  Nothing in common/ may exit the
 * process or keep global state other than the logger's identity.
 */
#ifndef NFSWAP_COMMON_H
#define NFSWAP_COMMON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The Makefile passes the version of debian/changelog's first entry. */
#ifndef NFSWAP_VERSION
#error "NFSWAP_VERSION is defined by the Makefile (from debian/changelog)"
#endif

/* Exit statuses shared by every nfswap program (documented in the man pages). */
enum {
	EXIT_OK = 0,
	EXIT_RUNTIME = 1,	/* a system call failed: permissions, full disk... */
	EXIT_USAGE = 2,		/* bad input: nothing was changed */
	EXIT_FINDINGS = 3,	/* audit: completed, found problems */
};

#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))

/*
 * The NFS options at the heart of a client's swap mount: NFSv3 over TCP,
 * hard, without locks.  "nfswap serve" recommends them in LOOKUP's answer
 * (mount_options); nfswapd's defaults are these, to which it adds the
 * addresses, ports, timeo, rsize and wsize (agent/mount.c; test_agent
 * checks that its options from the defaults carry each one).
 */
#define NFSWAP_MOUNT_BASE	"vers=3,proto=tcp,hard,nolock"

/* log.c */
void	log_init(const char *ident, int foreground, int verbose);
void	log_warn(const char *, ...) PRINTF_LIKE(1, 2);
void	log_warnx(const char *, ...) PRINTF_LIKE(1, 2);
void	log_info(const char *, ...) PRINTF_LIKE(1, 2);
void	log_debug(const char *, ...) PRINTF_LIKE(1, 2);
uint64_t mono_ms(void);		/* CLOCK_MONOTONIC, in milliseconds */
__attribute__((noreturn)) void fatal(const char *, ...) PRINTF_LIKE(1, 2);
__attribute__((noreturn)) void fatalx(const char *, ...) PRINTF_LIKE(1, 2);

/*
 * diag.c -- an error with the exit status it deserves.  Functions that can
 * fail for a reason the user must read return -errno and fill a diag; the
 * caller that owns the terminal prints it once.  A pure validator
 * (valid_*, exports_check_*) takes one too, or NULL from a caller that
 * only asks whether.
 */
struct diag {
	int	status;		/* EXIT_USAGE or EXIT_RUNTIME */
	char	msg[1024];
};
int	diag_input(struct diag *, int err, const char *, ...) PRINTF_LIKE(3, 4);
int	diag_sys(struct diag *, int err, const char *, ...) PRINTF_LIKE(3, 4);
void	diag_clear(struct diag *);

/* size.c */
#define SIZE_STRMAX 32
int	size_parse(const char *, uint64_t *);
const char *size_format(uint64_t, char buf[SIZE_STRMAX]);

/* valid.c -- validation of everything a caller may type */
#define NAME_MAXLEN 63
#define HOST_MAXLEN 253
#define PATH_MAXLEN 1024
enum host_kind { HOST_INVALID, HOST_IPV4, HOST_IPV6, HOST_NET4, HOST_NET6, HOST_DNS };
struct host {
	enum host_kind	kind;
	uint8_t		addr[16];	/* network byte order; v4 uses 4 bytes */
	unsigned	prefix;		/* 32/128 for single addresses */
	char		canon[HOST_MAXLEN + 1];
};
/* Each is 0, or -EINVAL with the reason in the diag (NULL: not wanted). */
int	valid_name(const char *, struct diag *);
int	valid_host(const char *, struct host *, struct diag *);
int	host_overlap(const struct host *, const struct host *);
int	valid_abspath(const char *, struct diag *);

/* strbuf.c -- a growing string; allocation failure is sticky */
struct strbuf {
	char	*s;
	size_t	 len, cap;
	int	 oom;
};
void	sb_init(struct strbuf *);
void	sb_free(struct strbuf *);
void	sb_reset(struct strbuf *);
int	sb_printf(struct strbuf *, const char *, ...) PRINTF_LIKE(2, 3);
int	sb_vprintf(struct strbuf *, const char *, va_list) PRINTF_LIKE(2, 0);
int	sb_putjson(struct strbuf *, const char *);
int	sb_putlabel(struct strbuf *, const char *);

/*
 * wholefile.c -- a whole file of zeros, renamed to its name when complete.
 * Until then it is "." NAME SUFFIX, a name never taken for a swap file:
 * the agent writes .nfswap.N.partial over NFS (agent/swapfile.c), "nfswap
 * serve" writes .nfswap.N.allocating on the server for the client
 * (provisioner/serve_jobs.c).  Two suffixes, so that each side knows which
 * half-written files are its own to remove: the agent sweeps .allocating
 * files only at its start, when no ALLOCATE of its own can be under way.
 */
#define PARTIAL_SUFFIX		".partial"	/* nfswapd's, not yet whole */
#define ALLOCATING_SUFFIX	".allocating"	/* nfswap serve's, likewise */
#define WHOLEFILE_FLUSH_EVERY	(8 * 1024 * 1024) /* bytes between flushes */
struct wholefile_ops {		/* how: POSIX, libnfs, as the client... */
	int	(*create)(void *ctx, const char *name, void **h); /* new, 0600 */
	int	(*reserve)(void *ctx, void *h, uint64_t size);	/* or NULL */
	int	(*write)(void *ctx, void *h, const void *, size_t); /* all of it */
	void	(*flush)(void *ctx, void *h, uint64_t from, uint64_t to); /* or NULL */
	int	(*sync)(void *ctx, void *h);
	int	(*stat)(void *ctx, void *h, uint64_t *size, uint64_t *alloc); /* or NULL */
	int	(*close)(void *ctx, void *h);
	int	(*rename)(void *ctx, const char *from, const char *to); /* never over a name */
	int	(*unlink)(void *ctx, const char *name);
	int	(*stopped)(void *ctx);				/* or NULL */
};
struct wholefile {		/* what */
	const char	*partial;	/* written as this */
	const char	*name;		/* then renamed to this; NULL: not renamed */
	uint64_t	 size;
	const void	*zeros;		/* chunk bytes of zeros, written from */
	size_t		 chunk;		/* bytes per write */
	uint64_t	 written;	/* out: how far it got */
};
int	wholefile_write(const struct wholefile_ops *, void *ctx,
	    struct wholefile *);

/* fileio.c -- durable, atomic replacement of small files */
int	file_replace(const char *path, const void *, size_t, unsigned mode);
int	fsync_dir_of(const char *path);
int	fsync_dirfd(int);
int	mkdir_p(const char *, unsigned mode);
void	crashpoint(const char *where);

#endif
