/*
 * test_meminfo.c -- the /proc/meminfo and /proc/swaps parsers: real files
 * (tests/fixtures/proc/, and this machine's own /proc), exact byte counts,
 * and hostile text that must give -EINVAL and leave the output alone.
 */
#include <errno.h>

#include "testutil.h"
#include "policy.h"

#define FIXTURES "tests/fixtures/proc/"

static void
test_meminfo_fixture(void **state)
{
	struct meminfo m;
	size_t len;
	char *t = tu_read(FIXTURES "meminfo-6.18-swap", &len);

	(void)state;
	assert_non_null(t);
	assert_int_equal(meminfo_parse(t, len, &m), 0);
	assert_int_equal(m.mem_total, 24684084ULL * 1024);
	assert_int_equal(m.mem_available, 24366264ULL * 1024);
	assert_int_equal(m.swap_total, 1376244ULL * 1024);
	assert_int_equal(m.swap_free, 1245172ULL * 1024);
	assert_int_equal(m.anon_inactive, 1984ULL * 1024);
	assert_int_equal(m.swap_cached, 0);
	free(t);
	t = tu_read(FIXTURES "meminfo-6.18-noswap", &len);
	assert_non_null(t);
	assert_int_equal(meminfo_parse(t, len, &m), 0);
	assert_int_equal(m.swap_total, 0);
	free(t);
}

/* Whatever kernel runs the tests: its own meminfo parses. */
static void
test_meminfo_live(void **state)
{
	struct meminfo m;
	size_t len;
	char *t = tu_read("/proc/meminfo", &len);

	(void)state;
	if (t == NULL)
		skip();
	assert_int_equal(meminfo_parse(t, len, &m), 0);
	assert_true(m.mem_total > 0);
	assert_true(m.mem_available <= m.mem_total);
	free(t);
}

static const char good[] =
    "MemTotal:        524288 kB\n"
    "MemFree:          10000 kB\n"
    "MemAvailable:     20000 kB\n"
    "SwapTotal:        65536 kB\n"
    "SwapFree:         65000 kB\n"
    "HugePages_Total:      0\n";

static void
test_meminfo_minimal(void **state)
{
	struct meminfo m;

	(void)state;
	assert_int_equal(meminfo_parse(good, strlen(good), &m), 0);
	assert_int_equal(m.mem_total, 524288ULL * 1024);
	assert_int_equal(m.mem_available, 20000ULL * 1024);
	assert_int_equal(m.swap_free, 65000ULL * 1024);
	/* Inactive(anon) and SwapCached are used where given, else 0. */
	assert_int_equal(m.anon_inactive, 0);
	assert_int_equal(m.swap_cached, 0);
}

static void
test_meminfo_inflight(void **state)
{
	static const char t[] =
	    "MemTotal:        524288 kB\n"
	    "MemAvailable:     20000 kB\n"
	    "SwapCached:        3000 kB\n"
	    "Inactive(anon):   90000 kB\n"
	    "SwapTotal:        65536 kB\n"
	    "SwapFree:         65000 kB\n";
	static const char twice[] =
	    "MemTotal:        524288 kB\n"
	    "MemAvailable:     20000 kB\n"
	    "Inactive(anon):   90000 kB\n"
	    "Inactive(anon):   90000 kB\n"
	    "SwapTotal:        65536 kB\n"
	    "SwapFree:         65000 kB\n";
	struct meminfo m;

	(void)state;
	assert_int_equal(meminfo_parse(t, strlen(t), &m), 0);
	assert_int_equal(m.anon_inactive, 90000ULL * 1024);
	assert_int_equal(m.swap_cached, 3000ULL * 1024);
	assert_int_equal(meminfo_parse(twice, strlen(twice), &m), -EINVAL);
}

/* The text is not NUL-terminated: every parse gets exactly its bytes in a
 * heap buffer of that size (ASan sees any read past it).  Every prefix of
 * a good file is a cut-short read, and must be refused, except the whole. */
static int
parse_exact(int swaps, const char *text, size_t len, void *out)
{
	char *buf = malloc(len ? len : 1);
	int r;

	assert_non_null(buf);
	memcpy(buf, text, len);
	r = swaps ? swaps_parse(buf, len, out) : meminfo_parse(buf, len, out);
	free(buf);
	return r;
}

static void
test_prefixes(void **state)
{
	struct meminfo m;
	struct swaps *sw = calloc(1, sizeof(*sw));
	size_t len, i, ok = 0;
	char *t;

	(void)state;
	assert_non_null(sw);
	for (i = 0; i < strlen(good); i++)
		if (parse_exact(0, good, i, &m) == 0)
			ok++;
	/* one prefix is whole: the four keys, without the HugePages line */
	assert_int_equal(ok, 1);
	assert_int_equal(parse_exact(0, good, strlen(good), &m), 0);
	t = tu_read(FIXTURES "swaps-three", &len);
	assert_non_null(t);
	for (i = 0, ok = 0; i < len; i++)
		if (parse_exact(1, t, i, sw) == 0)
			ok++;
	/* the header alone, and after each whole entry */
	assert_int_equal(ok, 3);
	assert_int_equal(parse_exact(1, t, len, sw), 0);
	assert_int_equal(sw->n, 3);
	free(t);
	free(sw);
}

static const struct {
	const char *what, *text;
} hostile_meminfo[] = {
	{ "empty", "" },
	{ "missing MemAvailable", "MemTotal: 1 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n" },
	{ "missing SwapFree", "MemTotal: 1 kB\nMemAvailable: 1 kB\nSwapTotal: 0 kB\n" },
	{ "repeated key", "MemTotal: 9 kB\nMemTotal: 9 kB\nMemAvailable: 1 kB\n"
	    "SwapTotal: 0 kB\nSwapFree: 0 kB\n" },
	{ "garbage number", "MemTotal: 12a kB\nMemAvailable: 1 kB\n"
	    "SwapTotal: 0 kB\nSwapFree: 0 kB\n" },
	{ "negative", "MemTotal: -5 kB\nMemAvailable: 1 kB\n"
	    "SwapTotal: 0 kB\nSwapFree: 0 kB\n" },
	{ "no digits", "MemTotal:  kB\nMemAvailable: 1 kB\n"
	    "SwapTotal: 0 kB\nSwapFree: 0 kB\n" },
	{ "huge", "MemTotal: 99999999999999999999 kB\nMemAvailable: 1 kB\n"
	    "SwapTotal: 0 kB\nSwapFree: 0 kB\n" },
	{ "beyond 4 PiB", "MemTotal: 4398046511105 kB\nMemAvailable: 1 kB\n"
	    "SwapTotal: 0 kB\nSwapFree: 0 kB\n" },
	{ "required key without kB", "MemTotal: 100\nMemAvailable: 1 kB\n"
	    "SwapTotal: 0 kB\nSwapFree: 0 kB\n" },
	{ "other unit", "MemTotal: 100 MB\nMemAvailable: 1 kB\n"
	    "SwapTotal: 0 kB\nSwapFree: 0 kB\n" },
	{ "trailing junk", "MemTotal: 100 kB x\nMemAvailable: 1 kB\n"
	    "SwapTotal: 0 kB\nSwapFree: 0 kB\n" },
	{ "available > total", "MemTotal: 100 kB\nMemAvailable: 101 kB\n"
	    "SwapTotal: 0 kB\nSwapFree: 0 kB\n" },
	{ "swap free > total", "MemTotal: 100 kB\nMemAvailable: 1 kB\n"
	    "SwapTotal: 5 kB\nSwapFree: 6 kB\n" },
	{ "no colon", "MemTotal 100 kB\nMemAvailable: 1 kB\n"
	    "SwapTotal: 0 kB\nSwapFree: 0 kB\n" },
	{ "blank line", "MemTotal: 100 kB\n\nMemAvailable: 1 kB\n"
	    "SwapTotal: 0 kB\nSwapFree: 0 kB\n" },
	{ "space in key", "Mem Total: 100 kB\nMemTotal: 100 kB\nMemAvailable: 1 kB\n"
	    "SwapTotal: 0 kB\nSwapFree: 0 kB\n" },
	{ "junk line", "MemTotal: 100 kB\nMemAvailable: 1 kB\n<script>\n"
	    "SwapTotal: 0 kB\nSwapFree: 0 kB\n" },
	{ "prefix match", "MemTotalX: 100 kB\nMemAvailable: 1 kB\n"
	    "SwapTotal: 0 kB\nSwapFree: 0 kB\n" },
	{ "no final newline", "MemTotal: 100 kB\nMemAvailable: 1 kB\n"
	    "SwapTotal: 0 kB\nSwapFree: 0 kB" },
	{ "no memory", "MemTotal: 0 kB\nMemAvailable: 0 kB\n"
	    "SwapTotal: 0 kB\nSwapFree: 0 kB\n" },
};

static void
test_meminfo_hostile(void **state)
{
	struct meminfo m;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(hostile_meminfo) / sizeof(hostile_meminfo[0]); i++) {
		memset(&m, 0xab, sizeof(m));
		int r = parse_exact(0, hostile_meminfo[i].text,
		    strlen(hostile_meminfo[i].text), &m);
		if (r != -EINVAL)
			fail_msg("meminfo \"%s\": %d, want -EINVAL",
			    hostile_meminfo[i].what, r);
		assert_int_equal(m.mem_total, 0xababababababababULL);
	}
	/* A NUL byte inside, and a NULL text. */
	char nul[sizeof(good)];
	memcpy(nul, good, sizeof(good));
	nul[20] = '\0';
	assert_int_equal(meminfo_parse(nul, sizeof(good) - 1, &m), -EINVAL);
	assert_int_equal(meminfo_parse(NULL, 0, &m), -EINVAL);
	/* A kilobyte-long number on an unused line. */
	char *big = malloc(8192);
	assert_non_null(big);
	snprintf(big, 8192, "%sJunk: ", good);
	memset(big + strlen(big), '9', 1000);
	big[strlen(good) + 6 + 1000] = '\0';
	assert_int_equal(meminfo_parse(big, strlen(big), &m), -EINVAL);
	free(big);
}

static void
test_swaps_fixture(void **state)
{
	struct swaps *s = calloc(1, sizeof(*s));
	size_t len;
	char *t = tu_read(FIXTURES "swaps-three", &len);

	(void)state;
	assert_non_null(t);
	assert_int_equal(swaps_parse(t, len, s), 0);
	assert_int_equal(s->n, 3);
	assert_string_equal(s->e[0].path, "/run/nfswap/nfswap.0");
	assert_true(s->e[0].is_file);
	assert_int_equal(s->e[0].size, 262140ULL * 1024);
	assert_int_equal(s->e[0].used, 131072ULL * 1024);
	assert_int_equal(s->e[0].priority, -2);
	assert_false(s->e[1].is_file);
	assert_int_equal(s->e[1].priority, 100);
	/* the kernel's octal escapes, undone */
	assert_string_equal(s->e[2].path, "/run/nfswap/with space\\x");
	free(t);
	t = tu_read("/proc/swaps", &len);
	if (t != NULL) {
		assert_int_equal(swaps_parse(t, len, s), 0);
		free(t);
	}
	free(s);
}

#define HDR "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"

static const struct {
	const char *what, *text;
} hostile_swaps[] = {
	{ "empty", "" },
	{ "no header", "/a file 100 0 -2\n" },
	{ "unknown type", HDR "/a disk 100 0 -2\n" },
	{ "used > size", HDR "/a file 100 101 -2\n" },
	{ "four fields", HDR "/a file 100 0\n" },
	{ "six fields", HDR "/a file 100 0 -2 x\n" },
	{ "garbage size", HDR "/a file 1x0 0 -2\n" },
	{ "huge size", HDR "/a file 99999999999999999999 0 -2\n" },
	{ "bad priority", HDR "/a file 100 0 --2\n" },
	{ "priority out of range", HDR "/a file 100 0 99999\n" },
	{ "priority 32768", HDR "/a file 100 0 32768\n" },
	{ "cut short", HDR "/a file 100 0 -2\n/b file 100 0 1" },
	{ "relative path", HDR "a file 100 0 -2\n" },
	{ "bad escape", HDR "/a\\09 file 100 0 -2\n" },
	{ "short escape", HDR "/a\\04 file 100 0 -2\n" },
	{ "NUL escape", HDR "/a\\000b file 100 0 -2\n" },
	{ "blank line", HDR "\n" },
};

static void
test_swaps_hostile(void **state)
{
	struct swaps *s = calloc(1, sizeof(*s));
	struct sbuf { char t[8192]; } *big = calloc(1, sizeof(*big));
	size_t i, off;

	(void)state;
	assert_non_null(s);
	assert_non_null(big);
	for (i = 0; i < sizeof(hostile_swaps) / sizeof(hostile_swaps[0]); i++) {
		s->n = 7;
		int r = parse_exact(1, hostile_swaps[i].text,
		    strlen(hostile_swaps[i].text), s);
		if (r != -EINVAL)
			fail_msg("swaps \"%s\": %d, want -EINVAL",
			    hostile_swaps[i].what, r);
		assert_int_equal(s->n, 0);
	}
	/* More entries than the kernel can have. */
	off = (size_t)snprintf(big->t, sizeof(big->t), HDR);
	for (i = 0; i < 33; i++)
		off += (size_t)snprintf(big->t + off, sizeof(big->t) - off,
		    "/s%zu file 100 0 -%zu\n", i, i + 2);
	assert_int_equal(swaps_parse(big->t, off, s), -EINVAL);
	/* 32 is fine. */
	off = (size_t)snprintf(big->t, sizeof(big->t), HDR);
	for (i = 0; i < 32; i++)
		off += (size_t)snprintf(big->t + off, sizeof(big->t) - off,
		    "/s%zu file 100 0 -%zu\n", i, i + 2);
	assert_int_equal(swaps_parse(big->t, off, s), 0);
	assert_int_equal(s->n, 32);
	/* A long path (someone else's swap file) is cut and marked, and the
	 * rest of the list still reads. */
	off = (size_t)snprintf(big->t, sizeof(big->t), HDR "/");
	memset(big->t + off, 'a', 5000);
	off += 5000;
	off += (size_t)snprintf(big->t + off, sizeof(big->t) - off,
	    " file 100 0 -2\n/b file 200 0 -3\n");
	assert_int_equal(swaps_parse(big->t, off, s), 0);
	assert_int_equal(s->n, 2);
	assert_true(s->e[0].truncated);
	assert_false(s->e[1].truncated);
	assert_string_equal(s->e[1].path, "/b");
	/* Header only: no swap. */
	assert_int_equal(swaps_parse(HDR, strlen(HDR), s), 0);
	assert_int_equal(s->n, 0);
	free(big);
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_meminfo_fixture),
		cmocka_unit_test(test_meminfo_live),
		cmocka_unit_test(test_meminfo_minimal),
		cmocka_unit_test(test_meminfo_inflight),
		cmocka_unit_test(test_meminfo_hostile),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_swaps_fixture),
		cmocka_unit_test(test_swaps_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
