/*
 * testutil.h -- helpers shared by the cmocka suites: scratch directories
 * that are always removed, small files, and a fingerprint of a directory
 * tree so a test can prove that a refused command changed nothing.
 */
#ifndef NFSWAP_TESTUTIL_H
#define NFSWAP_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>
#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static inline char *
tu_mkdtemp(void)
{
	char tmpl[] = "/tmp/nfswap-unit.XXXXXX";
	char *d = mkdtemp(tmpl);

	assert_non_null(d);
	return strdup(d);
}

static inline int
tu_rm_cb(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(p);
}

static inline void
tu_rmrf(char *dir)
{
	if (dir) {
		nftw(dir, tu_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
		free(dir);
	}
}

static inline void
tu_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* A whole file (also a /proc file, whose size says 0), NUL-terminated, in
 * memory the caller frees; NULL when it cannot be opened. */
static inline char *
tu_read(const char *path, size_t *lenp)
{
	FILE *f = fopen(path, "r");
	size_t len = 0, cap = 4096, n;
	char *buf;

	if (lenp)
		*lenp = 0;
	if (f == NULL)
		return NULL;
	buf = malloc(cap);
	assert_non_null(buf);
	while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len - 1 == 0) {
			buf = realloc(buf, cap *= 2);
			assert_non_null(buf);
		}
	}
	fclose(f);
	buf[len] = '\0';
	if (lenp)
		*lenp = len;
	return buf;
}

/* FNV-1a over every path, mode, owner, size and content below dir. */
static uint64_t tu_fp_hash;

static inline void
tu_fp_mix(const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--) {
		tu_fp_hash ^= *c++;
		tu_fp_hash *= 1099511628211ULL;
	}
}

static inline int
tu_fp_cb(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)flag; (void)ftw;
	tu_fp_mix(p, strlen(p));
	tu_fp_mix(&st->st_mode, sizeof(st->st_mode));
	tu_fp_mix(&st->st_uid, sizeof(st->st_uid));
	tu_fp_mix(&st->st_size, sizeof(st->st_size));
	if (S_ISREG(st->st_mode)) {
		char buf[4096];
		size_t n;
		FILE *f = fopen(p, "r");
		if (f) {
			while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
				tu_fp_mix(buf, n);
			fclose(f);
		}
	} else if (S_ISLNK(st->st_mode)) {
		char buf[512];
		ssize_t n = readlink(p, buf, sizeof(buf));
		if (n > 0)
			tu_fp_mix(buf, (size_t)n);
	}
	return 0;
}

/* nftw visits in readdir order; that order is stable for an unchanged dir. */
static inline uint64_t
tu_fingerprint(const char *dir)
{
	tu_fp_hash = 1469598103934665603ULL;
	nftw(dir, tu_fp_cb, 16, FTW_PHYS);
	return tu_fp_hash;
}

#endif
