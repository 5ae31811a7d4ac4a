/*
 * test_valid.c -- names, hosts and paths: what may reach an exports file.
 * The hostile tables are the point: each entry is something that, copied
 * into an exports(5) line or a Ganesha block, would add an option, a host,
 * a path or a line.
 */
#include <errno.h>

#include "testutil.h"
#include "common.h"

static const char *const good_names[] = {
	"a", "pc1", "PC-1", "lab_3.row2", "0", "a-", "a.", "x..y",
	"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk", /* 63 */
};

static const char *const bad_names[] = {
	"", ".", "..", ".hidden", "-rf", "a/b", "../etc", "a b", "a\tb",
	"a\nb", "a,b", "a(b)", "a*", "a?", "a;b", "a\"b", "a'b", "a$b",
	"a\\b", "caf\xc3\xa9", "a:b", "a@b", "a=b", "a{b}", "a#b",
	"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl", /* 64 */
};

static void
test_names(void **state)
{
	struct diag why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good_names) / sizeof(good_names[0]); i++)
		if (valid_name(good_names[i], &why) != 0)
			fail_msg("name \"%s\" refused: %s", good_names[i], why.msg);
	for (i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		why.msg[0] = '\0';
		if (valid_name(bad_names[i], &why) != -EINVAL)
			fail_msg("name \"%s\" accepted", bad_names[i]);
		assert_true(why.msg[0] != '\0');
	}
}

static const struct {
	const char	*in, *canon;
	enum host_kind	 kind;
} good_hosts[] = {
	{ "10.0.0.5", "10.0.0.5", HOST_IPV4 },
	{ "192.168.1.0/24", "192.168.1.0/24", HOST_NET4 },
	{ "10.0.0.0/8", "10.0.0.0/8", HOST_NET4 },
	{ "10.1.2.3/32", "10.1.2.3/32", HOST_NET4 },
	{ "2001:DB8::1", "2001:db8::1", HOST_IPV6 },
	{ "2001:0db8:0000::0001", "2001:db8::1", HOST_IPV6 },
	{ "2001:db8::/32", "2001:db8::/32", HOST_NET6 },
	{ "::1", "::1", HOST_IPV6 },
	{ "::ffff:10.0.0.1", "10.0.0.1", HOST_IPV4 },
	{ "::FFFF:10.0.0.0/104", "10.0.0.0/8", HOST_NET4 },
	{ "pc1", "pc1", HOST_DNS },
	{ "PC1.Lab.Example.ORG", "pc1.lab.example.org", HOST_DNS },
	{ "a-b.c-d.e", "a-b.c-d.e", HOST_DNS },
	{ "1pc.example", "1pc.example", HOST_DNS },
	{ "host.123a", "host.123a", HOST_DNS },
};

static const char *const bad_hosts[] = {
	/* exports(5) and Ganesha syntax smuggling */
	"*", "*.example.org", "pc?", "pc[1-9]", "@netgroup", "10.0.0.1(rw)",
	"10.0.0.1(rw,no_root_squash)", "10.0.0.1 10.0.0.2", "10.0.0.1,10.0.0.2",
	"10.0.0.1\n/etc *(rw)", "10.0.0.1\t", " 10.0.0.1", "10.0.0.1;",
	"\"10.0.0.1\"", "pc1;}", "pc1}", "pc1{", "pc1#x", "gss/krb5", "-", "",
	"pc1/24",
	/* malformed or dangerous addresses and networks */
	"10.0.0.256", "10.0.0", "1.2.3.4.5", "10.0.0.1.", "10.0.0.0/0",
	"::/0", "::ffff:0:0/96", "::ffff:10.0.0.1/120", "10.0.0.1/24", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/024",
	"10.0.0.0/-1", "10.0.0.0/8/8", "10.0.0.0/x", "2001:db8::1/129",
	"2001:db8::1/64", "fe80::1%eth0", "2001:db8:::1", ":::",
	/* found by tests/fuzz/fuzz_valid: a bad prefix on an IPv4-mapped
	 * address was taken as /0 - 96, an IPv4 network "/4294967200" */
	"::ffff:19.1.0.10/:1", "::ffff:10.0.0.0/", "::ffff:10.0.0.0/x",
	"::ffff:10.0.0.0/129", "::ffff:10.0.0.0/0104",
	/* malformed DNS names */
	"-pc.example", "pc-.example", "pc..example", ".pc", "pc.", "pc_1",
	"caf\xc3\xa9.example",
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example",
};

static void
test_hosts(void **state)
{
	struct diag why;
	struct host h;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good_hosts) / sizeof(good_hosts[0]); i++) {
		if (valid_host(good_hosts[i].in, &h, &why) != 0)
			fail_msg("host \"%s\" refused: %s", good_hosts[i].in, why.msg);
		assert_string_equal(h.canon, good_hosts[i].canon);
		assert_int_equal(h.kind, good_hosts[i].kind);
		/* canonical form is a fixed point */
		if (valid_host(h.canon, &h, &why) != 0)
			fail_msg("canonical \"%s\" refused: %s", good_hosts[i].canon, why.msg);
		assert_string_equal(h.canon, good_hosts[i].canon);
	}
	for (i = 0; i < sizeof(bad_hosts) / sizeof(bad_hosts[0]); i++) {
		why.msg[0] = '\0';
		if (valid_host(bad_hosts[i], &h, &why) != -EINVAL)
			fail_msg("host \"%s\" accepted as \"%s\"", bad_hosts[i],
			    h.canon);
		assert_true(why.msg[0] != '\0');
		assert_int_equal(h.kind, HOST_INVALID);
	}
}

static void
test_long_dns(void **state)
{
	char name[300];
	struct diag why;
	struct host h;
	size_t i;

	(void)state;
	/* 4 labels of 63 = 255 characters with dots: too long */
	for (i = 0; i < 255; i++)
		name[i] = (i % 64 == 63) ? '.' : 'a';
	name[255] = '\0';
	assert_int_equal(valid_host(name, &h, &why), -EINVAL);
	name[253] = '\0';	/* 253 characters: the limit */
	if (name[252] == '.')
		name[252] = 'a';
	assert_int_equal(valid_host(name, &h, &why), 0);
}

static int
overlap(const char *a, const char *b)
{
	struct host ha, hb;
	struct diag why;

	assert_int_equal(valid_host(a, &ha, &why), 0);
	assert_int_equal(valid_host(b, &hb, &why), 0);
	assert_int_equal(host_overlap(&ha, &hb), host_overlap(&hb, &ha));
	return host_overlap(&ha, &hb);
}

static void
test_overlap(void **state)
{
	(void)state;
	assert_true(overlap("10.0.0.5", "10.0.0.5"));
	assert_false(overlap("10.0.0.5", "10.0.0.6"));
	assert_true(overlap("10.0.0.5", "10.0.0.0/24"));
	assert_false(overlap("10.0.1.5", "10.0.0.0/24"));
	assert_true(overlap("10.0.0.0/16", "10.0.128.0/17"));
	assert_false(overlap("10.0.0.0/17", "10.0.128.0/17"));
	assert_true(overlap("10.0.0.1/32", "10.0.0.1"));
	assert_true(overlap("2001:db8::5", "2001:db8::/64"));
	assert_false(overlap("2001:db9::5", "2001:db8::/32"));
	assert_true(overlap("10.0.0.1", "::ffff:10.0.0.1"));
	assert_true(overlap("10.0.0.1", "::/80"));
	assert_false(overlap("10.0.0.1", "::/96"));
	assert_true(overlap("10.0.0.0/8", "::/64"));
	assert_false(overlap("10.0.0.1", "2001:db8::/32"));
	assert_false(overlap("10.0.0.0/8", "2001:db8::/32"));
	assert_true(overlap("pc1.example", "PC1.example"));
	assert_false(overlap("pc1.example", "pc2.example"));
	assert_false(overlap("pc1.example", "10.0.0.0/8"));
}

static void
test_paths(void **state)
{
	static const char *const good[] = {
		"/srv/nfswap", "/srv/nfs-swap_1.d", "/a/b/c", "/a",
	};
	static const char *const bad[] = {
		"", "/", "srv", "./srv", "/srv/", "/srv//x", "/srv/./x", "/srv/../etc",
		"/srv/..", "/srv/.", "/srv/x y", "/srv/x\n", "/srv/x(rw)",
		"/srv/x\"", "/srv/*", "/srv/x,y", "/srv/x;y", "/srv/\xc3\xa9",
	};
	struct diag why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (valid_abspath(good[i], &why) != 0)
			fail_msg("path \"%s\" refused: %s", good[i], why.msg);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (valid_abspath(bad[i], &why) != -EINVAL)
			fail_msg("path \"%s\" accepted", bad[i]);
	assert_int_equal(valid_abspath("/srv/..x", &why), 0);	/* a name */
}

/* A caller that only asks whether (a NULL diag) gets the same answers. */
static void
test_null_diag(void **state)
{
	struct host h;

	(void)state;
	assert_int_equal(valid_name("pc-101", NULL), 0);
	assert_int_equal(valid_name("../etc", NULL), -EINVAL);
	assert_int_equal(valid_name("", NULL), -EINVAL);
	assert_int_equal(valid_host("192.168.10.101", &h, NULL), 0);
	assert_int_equal(valid_host("10.0.0.1/8", &h, NULL), -EINVAL);
	assert_int_equal(valid_host("bad host", &h, NULL), -EINVAL);
	assert_int_equal(valid_abspath("/srv/nfswap", NULL), 0);
	assert_int_equal(valid_abspath("srv", NULL), -EINVAL);
	assert_int_equal(valid_abspath("/srv/../etc", NULL), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_hosts),
		cmocka_unit_test(test_long_dns),
		cmocka_unit_test(test_overlap),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_null_diag),
	};
	return cmocka_run_group_tests_name("valid", tests, NULL, NULL);
}
