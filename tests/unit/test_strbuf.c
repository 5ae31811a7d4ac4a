/* test_strbuf.c -- growth, and JSON string and Prometheus label escaping. */
#include "testutil.h"
#include "common.h"

/* in, put by put (sb_putjson, sb_putlabel), is want. */
static void
put_is(int (*put)(struct strbuf *, const char *), const char *in,
    const char *want)
{
	struct strbuf sb;

	sb_init(&sb);
	assert_int_equal(put(&sb, in), 0);
	assert_string_equal(sb.s, want);
	sb_free(&sb);
}
#define json_is(in, want)	put_is(sb_putjson, in, want)
#define label_is(in, want)	put_is(sb_putlabel, in, want)

static void
test_json_escapes(void **state)
{
	(void)state;
	json_is("plain", "\"plain\"");
	json_is("", "\"\"");
	json_is("a\"b", "\"a\\\"b\"");
	json_is("back\\slash", "\"back\\\\slash\"");
	json_is("line\nbreak\r\t", "\"line\\nbreak\\r\\t\"");
	json_is("\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"");
	/* Valid UTF-8 passes through; other high bytes are escaped. */
	json_is("caf\xc3\xa9", "\"caf\xc3\xa9\"");
	json_is("bad\xff\xfe", "\"bad\\u00ff\\u00fe\"");
	json_is("\xc0\xaf", "\"\\u00c0\\u00af\"");		/* overlong '/' */
	json_is("\xed\xa0\x80", "\"\\u00ed\\u00a0\\u0080\"");	/* surrogate */
}

/* Prometheus's text format escapes \\, " and a line feed, nothing else. */
static void
test_label_escapes(void **state)
{
	(void)state;
	label_is("pc-1", "\"pc-1\"");
	label_is("", "\"\"");
	label_is("a\"b\\c\nd", "\"a\\\"b\\\\c\\nd\"");
	label_is("tab\there", "\"tab\there\"");
}

static void
test_growth(void **state)
{
	struct strbuf sb;
	int i;

	(void)state;
	sb_init(&sb);
	for (i = 0; i < 10000; i++)
		assert_int_equal(sb_printf(&sb, "%d,", i % 10), 0);
	assert_int_equal(sb.len, 20000);
	assert_int_equal(strlen(sb.s), 20000);
	assert_false(sb.oom);
	sb_reset(&sb);
	assert_int_equal(sb.len, 0);
	assert_string_equal(sb.s, "");
	sb_free(&sb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_escapes),
		cmocka_unit_test(test_label_escapes),
		cmocka_unit_test(test_growth),
	};
	return cmocka_run_group_tests_name("strbuf", tests, NULL, NULL);
}
