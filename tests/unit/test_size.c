/* test_size.c -- size_parse/size_format, table-driven. */
#include <errno.h>

#include "testutil.h"
#include "common.h"

static const struct {
	const char	*in;
	int		 ret;
	uint64_t	 want;
} cases[] = {
	{ "0", 0, 0 },
	{ "1", 0, 1 },
	{ "4096", 0, 4096 },
	{ "1K", 0, 1024 },
	{ "1k", 0, 1024 },
	{ "512M", 0, 512ULL << 20 },
	{ "4g", 0, 4ULL << 30 },
	{ "2T", 0, 2ULL << 40 },
	{ "18446744073709551615", 0, UINT64_MAX },
	{ "16777215T", 0, 16777215ULL << 40 },
	{ "18446744073709551616", -ERANGE, 0 },
	{ "16777216T", -ERANGE, 0 },
	{ "99999999999999999999999", -ERANGE, 0 },
	{ "", -EINVAL, 0 },
	{ "K", -EINVAL, 0 },
	{ "1KB", -EINVAL, 0 },
	{ "1KiB", -EINVAL, 0 },
	{ "1P", -EINVAL, 0 },
	{ "-1", -EINVAL, 0 },
	{ "+1", -EINVAL, 0 },
	{ " 1", -EINVAL, 0 },
	{ "1 ", -EINVAL, 0 },
	{ "1.5G", -EINVAL, 0 },
	{ "0x10", -EINVAL, 0 },
	{ "1G\n", -EINVAL, 0 },
	{ "1G;rm", -EINVAL, 0 },
};

static void
test_parse_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 12345;
		int r = size_parse(cases[i].in, &v);

		if (r != cases[i].ret)
			fail_msg("size_parse(\"%s\") = %d, want %d", cases[i].in, r,
			    cases[i].ret);
		if (r == 0 && v != cases[i].want)
			fail_msg("size_parse(\"%s\") gave %llu", cases[i].in,
			    (unsigned long long)v);
		if (r < 0)
			assert_int_equal(v, 12345);	/* untouched on error */
	}
	assert_int_equal(size_parse(NULL, &(uint64_t){0}), -EINVAL);
}

static void
test_format_roundtrip(void **state)
{
	static const uint64_t v[] = {
		0, 1, 1023, 1024, 1536, 4ULL << 20, (4ULL << 20) + 1, 3ULL << 30,
		5ULL << 40, 1ULL << 50, UINT64_MAX
	};
	char buf[SIZE_STRMAX];
	size_t i;

	(void)state;
	assert_string_equal(size_format(1024, buf), "1K");
	assert_string_equal(size_format(1536, buf), "1536");
	assert_string_equal(size_format(4ULL << 30, buf), "4G");
	assert_string_equal(size_format(1ULL << 50, buf), "1024T");
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint64_t back;
		assert_int_equal(size_parse(size_format(v[i], buf), &back), 0);
		assert_true(back == v[i]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_format_roundtrip),
	};
	return cmocka_run_group_tests_name("size", tests, NULL, NULL);
}
