/*
 * hog.c -- a memory hog that checks its own data: it takes MiB of memory a
 * chunk at a time at a given pace, writes a pattern that depends on the
 * address and a seed, holds it, then reads every byte back and verifies it.
 * Prints progress lines; exits 0 only if everything verified.
 *
 *   hog TOTAL_MIB [MIB_PER_S] [HOLD_S]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define CHUNK	(1024 * 1024)

static uint64_t
pattern(uint64_t i)
{
	uint64_t z = i * 0x9e3779b97f4a7c15ULL + 0x5eed;

	z ^= z >> 31;
	return z * 0xbf58476d1ce4e5b9ULL;
}

int
main(int argc, char **argv)
{
	size_t total = argc > 1 ? strtoul(argv[1], NULL, 10) : 64;
	double rate = argc > 2 ? strtod(argv[2], NULL) : 0;
	unsigned hold = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 10) : 0;
	uint64_t **chunks = calloc(total, sizeof(*chunks)), bad = 0;
	size_t c, i, n = CHUNK / sizeof(uint64_t);
	struct timespec ts = { 0, 0 };

	if (chunks == NULL)
		return 2;
	if (rate > 0) {
		ts.tv_sec = (time_t)(1.0 / rate);
		ts.tv_nsec = (long)((1.0 / rate - (double)ts.tv_sec) * 1e9);
	}
	for (c = 0; c < total; c++) {
		chunks[c] = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (chunks[c] == MAP_FAILED) {
			printf("hog: mmap failed at %zu MiB\n", c);
			return 1;
		}
		for (i = 0; i < n; i++)
			chunks[c][i] = pattern(c * n + i);
		if (c % 16 == 15)
			printf("hog: %zu MiB written\n", c + 1), fflush(stdout);
		if (rate > 0)
			nanosleep(&ts, NULL);
	}
	printf("hog: all %zu MiB written, holding %u s\n", total, hold);
	fflush(stdout);
	sleep(hold);
	for (c = 0; c < total; c++)
		for (i = 0; i < n; i++)
			if (chunks[c][i] != pattern(c * n + i))
				bad++;
	printf("hog: verified %zu MiB, %llu bad words\n", total,
	    (unsigned long long)bad);
	return bad == 0 ? 0 : 1;
}
