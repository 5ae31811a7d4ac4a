/*
 * fuzz.h -- shared by the libFuzzer targets of tests/fuzz (make fuzz).
 * Each target is one file defining LLVMFuzzerTestOneInput; a property
 * that does not hold is a crash (abort), so libFuzzer keeps the input.
 */
#ifndef NFSWAP_FUZZ_H
#define NFSWAP_FUZZ_H
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The input as a C string (cut at its first NUL), malloc'd: the
 * sanitizer sees any read past its end. */
static inline char *
fuzz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* The input after its first byte (which picks what to do with it), in a
 * heap block of exactly that size, not NUL-terminated: the sanitizer sees
 * any read past its end. */
static inline char *
fuzz_tail(const uint8_t *data, size_t size)
{
	char *s = malloc(size > 1 ? size - 1 : 1);

	if (s == NULL)
		abort();
	memcpy(s, data + 1, size - 1);
	return s;
}

/* How many times what occurs in s. */
static inline size_t
fuzz_count(const char *s, const char *what)
{
	size_t n = 0;

	while ((s = strstr(s, what)) != NULL) {
		n++;
		s += strlen(what);
	}
	return n;
}

#define PROPERTY(cond) do { if (!(cond)) { \
	fprintf(stderr, "property failed: %s (%s:%d)\n", #cond, __FILE__, \
	    __LINE__); abort(); } } while (0)

#endif
