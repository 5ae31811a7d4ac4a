/*
 * test_exports.c -- the renderers against golden files, and their refusal
 * of anything that is not a valid client.  "make golden" rewrites the
 * golden files (NFSWAP_UPDATE_GOLDEN=1); review the diff before committing.
 */
#include <errno.h>

#include "testutil.h"
#include "exports.h"

#define GOLDEN_DIR "tests/golden"

static const struct client fixture[] = {
	{ "alice", "10.0.0.5", 1ULL << 30, 3000000, 3000000, 1000, 1795334206 },
	{ "lab-row2", "192.168.7.0/24", 4ULL << 30, 3000001, 3000001, 1001, 1795334207 },
	{ "pc1.lab", "pc1.lab.example.org", 512ULL << 20, 3000002, 3000002, 1002, 1795334208 },
	{ "v6_only", "2001:db8::42", 2ULL << 30, 3000003, 3000003, 1003, 1795334209 },
	{ "v6net", "2001:db8:1::/48", 2ULL << 30, 3000004, 3000004, 65535, 1795334210 },
};
#define NFIX (sizeof(fixture) / sizeof(fixture[0]))

static const struct exports_opts plain = { "/srv/nfswap", "/srv/nfswap", "" };
static const struct exports_opts tuned = { "/export/swap", "/swap", "insecure,sec=sys:krb5p,no_wdelay" };

static void
golden(const char *name, enum exports_format fmt, const struct client *c,
    size_t n, const struct exports_opts *o)
{
	char path[256], err[256];
	struct strbuf sb;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", GOLDEN_DIR, name);
	sb_init(&sb);
	if (exports_render(fmt, c, n, o, &sb, err, sizeof(err)) != 0)
		fail_msg("render %s: %s", name, err);
	if (getenv("NFSWAP_UPDATE_GOLDEN")) {
		f = fopen(path, "w");
		assert_non_null(f);
		fwrite(sb.s, 1, sb.len, f);
		assert_int_equal(fclose(f), 0);
		printf("# wrote %s\n", path);
	} else {
		char *want;
		long len;

		f = fopen(path, "r");
		if (f == NULL)
			fail_msg("%s: missing golden file (make golden)", path);
		fseek(f, 0, SEEK_END);
		len = ftell(f);
		rewind(f);
		want = calloc(1, (size_t)len + 1);
		assert_non_null(want);
		assert_int_equal(fread(want, 1, (size_t)len, f), (size_t)len);
		fclose(f);
		if (strcmp(want, sb.s) != 0)
			fail_msg("%s differs from the renderer's output:\n%s", path,
			    sb.s);
		free(want);
	}
	sb_free(&sb);
}

static void
test_golden(void **state)
{
	(void)state;
	golden("basic.exports", EXPORTS_KERNEL, fixture, NFIX, &plain);
	golden("basic.ganesha", EXPORTS_GANESHA, fixture, NFIX, &plain);
	golden("tuned.exports", EXPORTS_KERNEL, fixture, 2, &tuned);
	golden("tuned.ganesha", EXPORTS_GANESHA, fixture, 2, &tuned);
	golden("empty.exports", EXPORTS_KERNEL, fixture, 0, &plain);
	golden("empty.ganesha", EXPORTS_GANESHA, fixture, 0, &plain);
}

static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

/* One line or block per client, each open to that client's host only. */
static void
test_one_per_client(void **state)
{
	char err[256], want[2048];
	struct strbuf sb;
	size_t i;

	(void)state;
	sb_init(&sb);
	assert_int_equal(exports_render(EXPORTS_KERNEL, fixture, NFIX, &plain,
	    &sb, err, sizeof(err)), 0);
	assert_int_equal(count(sb.s, "\n"), NFIX + 1);
	assert_int_equal(count(sb.s, "all_squash"), NFIX);
	for (i = 0; i < NFIX; i++) {
		snprintf(want, sizeof(want), "/srv/nfswap/%s %s(rw,sync,"
		    "no_subtree_check,all_squash,anonuid=%u,anongid=%u)\n",
		    fixture[i].name, fixture[i].host, fixture[i].uid,
		    fixture[i].gid);
		assert_non_null(strstr(sb.s, want));
	}
	sb_reset(&sb);
	assert_int_equal(exports_render(EXPORTS_GANESHA, fixture, NFIX, &plain,
	    &sb, err, sizeof(err)), 0);
	assert_int_equal(count(sb.s, "EXPORT {"), NFIX);
	assert_int_equal(count(sb.s, "CLIENT {"), NFIX);
	assert_int_equal(count(sb.s, "Access_Type = None;"), NFIX);
	assert_int_equal(count(sb.s, "Squash = All;"), 2 * NFIX);
	for (i = 0; i < NFIX; i++) {
		snprintf(want, sizeof(want), "Clients = %s;\n", fixture[i].host);
		assert_int_equal(count(sb.s, want), 1);
		snprintf(want, sizeof(want), "Export_Id = %u;\n",
		    fixture[i].export_id);
		assert_int_equal(count(sb.s, want), 1);
	}
	sb_free(&sb);
}

static void
refused(const struct client *c, size_t n, const struct exports_opts *o)
{
	char err[256] = "";
	struct strbuf sb;
	int f;

	for (f = EXPORTS_KERNEL; f <= EXPORTS_GANESHA; f++) {
		sb_init(&sb);
		assert_int_equal(exports_render((enum exports_format)f, c, n, o,
		    &sb, err, sizeof(err)), -EINVAL);
		assert_true(strlen(err) > 0);
		sb_free(&sb);
	}
}

static void
test_refuses_bad_clients(void **state)
{
	struct client two[2];
	struct client c;

	(void)state;
#define BAD(field, value) do {						\
		c = fixture[0];						\
		snprintf(c.field, sizeof(c.field), "%s", value);	\
		refused(&c, 1, &plain);					\
	} while (0)
	BAD(name, "a b");
	BAD(name, "../x");
	BAD(name, "");
	BAD(host, "10.0.0.5(rw,no_root_squash)");
	BAD(host, "*");
	BAD(host, "10.0.0.5 *");
	BAD(host, "10.0.0.5\n/ *(rw");
	BAD(host, "PC1.example");	/* not canonical */
	BAD(host, "10.0.0.0/0");
#undef BAD
	c = fixture[0]; c.uid = 0; refused(&c, 1, &plain);
	c = fixture[0]; c.gid = 0; refused(&c, 1, &plain);
	c = fixture[0]; c.export_id = 0; refused(&c, 1, &plain);
	c = fixture[0]; c.export_id = 65536; refused(&c, 1, &plain);
	c = fixture[0]; c.quota = 0; refused(&c, 1, &plain);

	/* Two clients sharing a name, a host or an Export_Id. */
	two[0] = fixture[0]; two[1] = fixture[1];
	snprintf(two[1].name, sizeof(two[1].name), "%s", two[0].name);
	refused(two, 2, &plain);
	two[0] = fixture[0]; two[1] = fixture[1];
	snprintf(two[1].host, sizeof(two[1].host), "%s", two[0].host);
	refused(two, 2, &plain);
	two[0] = fixture[0]; two[1] = fixture[1];
	two[1].export_id = two[0].export_id;
	refused(two, 2, &plain);
}

static void
test_kernel_options(void **state)
{
	static const char *const good[] = {
		"", "insecure", "secure,no_wdelay", "sec=sys", "sec=krb5:krb5i:krb5p",
		"root_squash,no_acl,security_label",
	};
	static const char *const bad[] = {
		"no_all_squash", "anonuid=0", "anongid=0", "async", "rw", "ro",
		"no_root_squash", "crossmnt", "nohide", "fsid=0", "insecure_locks",
		"refer=/x@other", "insecure,", ",insecure", "insecure,,secure",
		"insecure secure", "insecure)", "sec=", "sec=none", "sec=sys:",
		"sec=krb5:bogus", "insecure\n/ *(rw)", "INSECURE",
	};
	struct exports_opts o = plain;
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (exports_check_kernel_options(good[i], &why) != 0)
			fail_msg("option \"%s\" refused: %s", good[i], why);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (exports_check_kernel_options(bad[i], &why) != -EINVAL)
			fail_msg("option \"%s\" accepted", bad[i]);
		o.kernel_options = bad[i];
		refused(fixture, NFIX, &o);
	}
	o = plain;
	o.export_root = "/srv/nfswap export";
	refused(fixture, NFIX, &o);
	o = plain;
	o.pseudo_root = "relative";
	refused(fixture, NFIX, &o);
}

static void
test_format_names(void **state)
{
	enum exports_format f;

	(void)state;
	assert_int_equal(exports_format_parse("kernel", &f), 0);
	assert_int_equal(f, EXPORTS_KERNEL);
	assert_int_equal(exports_format_parse("ganesha", &f), 0);
	assert_int_equal(f, EXPORTS_GANESHA);
	assert_int_equal(exports_format_parse("Ganesha", &f), -EINVAL);
	assert_int_equal(exports_format_parse("", &f), -EINVAL);
	assert_string_equal(exports_format_name(EXPORTS_GANESHA), "ganesha");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_one_per_client),
		cmocka_unit_test(test_refuses_bad_clients),
		cmocka_unit_test(test_kernel_options),
		cmocka_unit_test(test_format_names),
	};
	return cmocka_run_group_tests_name("exports", tests, NULL, NULL);
}
