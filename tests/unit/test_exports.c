/*
 * test_exports.c -- the renderers against golden files, and their refusal
 * of anything that is not a valid client.  "make golden" rewrites the
 * golden files (NFSWAP_UPDATE_GOLDEN=1); review the diff before committing.
 */
#include <errno.h>

#include "testutil.h"
#include "exports.h"

#define GOLDEN_DIR "tests/golden"

#define CLIENT(n, h, id, eid) { .name = n, .host = h, .uid = id, .gid = id, \
	.export_id = eid }
static const struct exports_client fixture[] = {
	CLIENT("alice", "10.0.0.5", 3000000, 1000),
	CLIENT("lab-row2", "192.168.7.0/24", 3000001, 1001),
	CLIENT("pc1.lab", "pc1.lab.example.org", 3000002, 1002),
	CLIENT("v6_only", "2001:db8::42", 3000003, 1003),
	CLIENT("v6net", "2001:db8:1::/48", 3000004, 65535),
};
#define NFIX (sizeof(fixture) / sizeof(fixture[0]))

static const struct exports_opts plain = {
	.export_root = "/srv/nfswap", .pseudo_root = "/srv/nfswap",
	.kernel_options = ""
};
/* A list of flavors, and "insecure" as an administrator forces it. */
static const struct exports_opts tuned = {
	.export_root = "/export/swap", .pseudo_root = "/swap",
	.kernel_options = "insecure,no_wdelay", .sec = "krb5p:krb5i",
	.allow_insecure = 1
};
static const struct exports_opts ceph = {
	.export_root = "/nfswap", .pseudo_root = "/swap", .kernel_options = "",
	.ceph_fs = "cephfs", .ceph_user = "ganesha"
};
static const char *const flavors[] = { "sys", "krb5", "krb5i", "krb5p" };
#define NFLAV (sizeof(flavors) / sizeof(flavors[0]))

static void
golden(const char *name, enum exports_format fmt,
    const struct exports_client *c, size_t n, const struct exports_opts *o)
{
	char path[256];
	struct diag err;
	struct strbuf sb;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", GOLDEN_DIR, name);
	sb_init(&sb);
	if (exports_render(fmt, c, n, o, &sb, &err) != 0)
		fail_msg("render %s: %s", name, err.msg);
	if (getenv("NFSWAP_UPDATE_GOLDEN")) {
		f = fopen(path, "w");
		assert_non_null(f);
		fwrite(sb.s, 1, sb.len, f);
		assert_int_equal(fclose(f), 0);
		printf("# wrote %s\n", path);
	} else {
		char *want = tu_read(path, NULL);

		if (want == NULL)
			fail_msg("%s: missing golden file (make golden)", path);
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
	struct exports_opts o = plain;
	char name[64];
	size_t i;

	(void)state;
	golden("basic.exports", EXPORTS_KERNEL, fixture, NFIX, &plain);
	golden("basic.ganesha", EXPORTS_GANESHA, fixture, NFIX, &plain);
	golden("tuned.exports", EXPORTS_KERNEL, fixture, 2, &tuned);
	golden("tuned.ganesha", EXPORTS_GANESHA, fixture, 2, &tuned);
	golden("empty.exports", EXPORTS_KERNEL, fixture, 0, &plain);
	golden("empty.ganesha", EXPORTS_GANESHA, fixture, 0, &plain);
	golden("cephfs.ganesha", EXPORTS_GANESHA, fixture, 2, &ceph);
	/* each flavor, in both formats */
	for (i = 0; i < NFLAV; i++) {
		o.sec = flavors[i];
		snprintf(name, sizeof(name), "sec-%s.exports", flavors[i]);
		golden(name, EXPORTS_KERNEL, fixture, 1, &o);
		snprintf(name, sizeof(name), "sec-%s.ganesha", flavors[i]);
		golden(name, EXPORTS_GANESHA, fixture, 1, &o);
	}
}

/* The Ceph FSAL: only for Ganesha, with names that cannot smuggle. */
static void
test_ceph_fsal(void **state)
{
	struct exports_opts o = ceph;
	struct diag err;
	struct strbuf sb;

	(void)state;
	sb_init(&sb);
	assert_int_equal(exports_render(EXPORTS_KERNEL, fixture, 1, &ceph, &sb,
	    &err), -EINVAL);
	assert_non_null(strstr(err.msg, "kernel NFS server cannot export CephFS"));
	o.ceph_user = "gan\"; }";
	sb_reset(&sb);
	assert_int_equal(exports_render(EXPORTS_GANESHA, fixture, 1, &o, &sb,
	    &err), -EINVAL);
	o = ceph;
	o.ceph_fs = "fs;x";
	assert_int_equal(exports_render(EXPORTS_GANESHA, fixture, 1, &o, &sb,
	    &err), -EINVAL);
	o.ceph_fs = "cephfs";
	o.ceph_user = NULL;
	assert_int_equal(exports_render(EXPORTS_GANESHA, fixture, 1, &o, &sb,
	    &err), -EINVAL);
	sb_free(&sb);
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
	char want[8192];
	struct diag err;
	struct strbuf sb;
	size_t i;

	(void)state;
	sb_init(&sb);
	assert_int_equal(exports_render(EXPORTS_KERNEL, fixture, NFIX, &plain,
	    &sb, &err), 0);
	assert_int_equal(count(sb.s, "\n"), NFIX + 1);
	assert_int_equal(count(sb.s, "all_squash"), NFIX);
	assert_int_equal(count(sb.s, "secure"), 0);	/* the default: secure */
	for (i = 0; i < NFIX; i++) {
		snprintf(want, sizeof(want), "/srv/nfswap/%s %s(sec=sys,rw,sync,"
		    "no_subtree_check,all_squash,anonuid=%u,anongid=%u)\n",
		    fixture[i].name, fixture[i].host, fixture[i].uid,
		    fixture[i].gid);
		assert_non_null(strstr(sb.s, want));
	}
	sb_reset(&sb);
	assert_int_equal(exports_render(EXPORTS_GANESHA, fixture, NFIX, &plain,
	    &sb, &err), 0);
	assert_int_equal(count(sb.s, "EXPORT {"), NFIX);
	assert_int_equal(count(sb.s, "CLIENT {"), NFIX);
	assert_int_equal(count(sb.s, "Access_Type = None;"), NFIX);
	assert_int_equal(count(sb.s, "Squash = All;"), 2 * NFIX);
	/* A reserved source port, set once per EXPORT and never in its
	 * CLIENT, whose own setting would win. */
	assert_int_equal(count(sb.s, "PrivilegedPort"), NFIX);
	assert_int_equal(count(sb.s, "\tSecType = sys;\n\tPrivilegedPort = "
	    "true;\n\tCLIENT {\n"), NFIX);
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
refused(const struct exports_client *c, size_t n,
    const struct exports_opts *o)
{
	struct diag err = { 0, "" };
	struct strbuf sb;
	int f;

	for (f = EXPORTS_KERNEL; f <= EXPORTS_GANESHA; f++) {
		sb_init(&sb);
		assert_int_equal(exports_render((enum exports_format)f, c, n, o,
		    &sb, &err), -EINVAL);
		assert_true(strlen(err.msg) > 0);
		sb_free(&sb);
	}
}

static void
test_refuses_bad_clients(void **state)
{
	struct exports_client two[2];
	struct exports_client c;

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
		"", "secure", "secure,no_wdelay", "root_squash,no_acl,security_label",
		"wdelay,pnfs",
	};
	/* refused even when "insecure" is forced */
	static const char *const bad[] = {
		"no_all_squash", "anonuid=0", "anongid=0", "async", "rw", "ro",
		"no_root_squash", "crossmnt", "nohide", "fsid=0", "insecure_locks",
		"refer=/x@other", "insecure,", ",insecure", "insecure,,secure",
		"insecure secure", "insecure)", "sec=", "sec=none", "sec=sys:",
		"sec=krb5:bogus", "insecure\n/ *(rw)", "INSECURE", "no_auth_nlm",
		"sec=sys", "sec=krb5p", "secure,sec=krb5:krb5i:krb5p",
	};
	/* refused unless forced: they reopen the unprivileged user's way in */
	static const char *const forced[] = {
		"insecure", "secure,insecure", "insecure,no_wdelay",
		"no_wdelay,insecure,acl",
	};
	struct exports_opts o = plain;
	struct strbuf sb;
	struct diag why;
	struct diag err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (exports_check_kernel_options(good[i], 0, &why) != 0)
			fail_msg("option \"%s\" refused: %s", good[i], why.msg);
		assert_false(exports_kernel_insecure(good[i]));
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (exports_check_kernel_options(bad[i], 0, &why) != -EINVAL ||
		    exports_check_kernel_options(bad[i], 1, &why) != -EINVAL)
			fail_msg("option \"%s\" accepted", bad[i]);
		o.kernel_options = bad[i];
		o.allow_insecure = 0;
		refused(fixture, NFIX, &o);
		o.allow_insecure = 1;
		refused(fixture, NFIX, &o);
	}
	/* sec= goes to the "sec" setting, said so */
	assert_int_equal(exports_check_kernel_options("sec=krb5p", 0, &why),
	    -EINVAL);
	assert_non_null(strstr(why.msg, "\"sec\" setting"));
	for (i = 0; i < sizeof(forced) / sizeof(forced[0]); i++) {
		assert_int_equal(exports_check_kernel_options(forced[i], 0, &why),
		    -EINVAL);
		assert_non_null(strstr(why.msg, "allow_insecure"));
		assert_non_null(strstr(why.msg, "read and write its swap"));
		assert_true(exports_kernel_insecure(forced[i]));
		o.kernel_options = forced[i];
		o.allow_insecure = 0;
		refused(fixture, NFIX, &o);
		/* forced: rendered as given */
		assert_int_equal(exports_check_kernel_options(forced[i], 1, &why),
		    0);
		o.allow_insecure = 1;
		sb_init(&sb);
		assert_int_equal(exports_render(EXPORTS_KERNEL, fixture, 1, &o,
		    &sb, &err), 0);
		assert_int_equal(count(sb.s, ",insecure"), 1);
		sb_free(&sb);
	}
	assert_false(exports_kernel_insecure(NULL));
	assert_false(exports_kernel_insecure("insecure_locks"));
	o = plain;
	o.export_root = "/srv/nfswap export";
	refused(fixture, NFIX, &o);
	o = plain;
	o.pseudo_root = "relative";
	refused(fixture, NFIX, &o);
}

/* sec: each flavor, lists in order, and nothing else, in both formats. */
static void
test_sec(void **state)
{
	static const char *const good[] = {
		"sys", "krb5", "krb5i", "krb5p", "krb5p:krb5i", "sys:krb5p",
		"krb5p:krb5i:krb5:sys",
	};
	static const char *const bad[] = {
		"none", "null", "unix", "KRB5", "krb5:", ":krb5", "krb5::krb5i",
		"krb5,krb5i", "krb5 krb5i", "krb5:krb5", "sys;", "krb5p\n",
		"krb5p; }", "krb5p:krb5i:krb5:sys:krb5p", "gss/krb5", " sys",
	};
	struct exports_opts o = plain;
	char want[128];
	struct diag err;
	struct strbuf sb;
	struct diag why;
	size_t i;

	(void)state;
	assert_int_equal(exports_check_sec(NULL, &why), 0);
	assert_int_equal(exports_check_sec("", &why), 0);
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (exports_check_sec(good[i], &why) != 0)
			fail_msg("sec \"%s\" refused: %s", good[i], why.msg);
		o.sec = good[i];
		sb_init(&sb);
		assert_int_equal(exports_render(EXPORTS_KERNEL, fixture, 1, &o,
		    &sb, &err), 0);
		snprintf(want, sizeof(want), "(sec=%s,rw,", good[i]);
		assert_int_equal(count(sb.s, want), 1);
		assert_int_equal(count(sb.s, "sec="), 1);
		sb_free(&sb);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (exports_check_sec(bad[i], &why) != -EINVAL)
			fail_msg("sec \"%s\" accepted", bad[i]);
		o.sec = bad[i];
		refused(fixture, NFIX, &o);
	}
	/* Ganesha's list is comma-separated; NULL and "" are sys */
	o.sec = "krb5p:krb5i:sys";
	sb_init(&sb);
	assert_int_equal(exports_render(EXPORTS_GANESHA, fixture, 2, &o, &sb,
	    &err), 0);
	assert_int_equal(count(sb.s, "\tSecType = krb5p, krb5i, sys;\n"), 2);
	o.sec = "";
	sb_reset(&sb);
	assert_int_equal(exports_render(EXPORTS_GANESHA, fixture, 2, &o, &sb,
	    &err), 0);
	assert_int_equal(count(sb.s, "\tSecType = sys;\n"), 2);
	sb_reset(&sb);
	assert_int_equal(exports_render(EXPORTS_KERNEL, fixture, 2, &o, &sb,
	    &err), 0);
	assert_int_equal(count(sb.s, "(sec=sys,rw,"), 2);
	sb_free(&sb);
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

/*
 * An exports(5) reader, written from the manual rather than from our
 * renderer, so the kernel format is checked against the syntax exportfs
 * accepts: "path client(options) ...", comments, no space between a client
 * and its options, options known to nfs-utils with their values.
 */
static int
exports5_option(const char *o)
{
	static const char *const flags[] = {
		"rw", "ro", "sync", "async", "secure", "insecure", "wdelay",
		"no_wdelay", "hide", "nohide", "crossmnt", "subtree_check",
		"no_subtree_check", "secure_locks", "insecure_locks",
		"auth_nlm", "no_auth_nlm", "root_squash", "no_root_squash",
		"all_squash", "no_all_squash", "mp", "nordirplus", "pnfs",
		"no_pnfs", "security_label", NULL
	};
	static const char *const valued[] = {
		"anonuid=", "anongid=", "fsid=", "sec=", "mountpoint=", "refer=",
		"replicas=", "xprtsec=", NULL
	};
	size_t i;

	for (i = 0; flags[i]; i++)
		if (strcmp(o, flags[i]) == 0)
			return 1;
	for (i = 0; valued[i]; i++)
		if (strncmp(o, valued[i], strlen(valued[i])) == 0 &&
		    o[strlen(valued[i])] != '\0')
			return 1;
	return 0;
}

/* exports(5): "a colon-delimited list of security flavors" (sys, krb5,
 * krb5i, krb5p) */
static int
exports5_flavors(const char *s)
{
	static const char *const known[] = { "sys", "krb5", "krb5i", "krb5p" };
	size_t i, n;

	for (;;) {
		n = strcspn(s, ":");
		for (i = 0; i < 4; i++)
			if (n == strlen(known[i]) && strncmp(s, known[i], n) == 0)
				break;
		if (i == 4)
			return 0;
		if (s[n] == '\0')
			return 1;
		s += n + 1;
	}
}

/* The options exports(5) lets vary by flavor: those after a sec= hold for
 * its flavors. */
static int
exports5_per_flavor(const char *o)
{
	return strcmp(o, "rw") == 0 || strcmp(o, "ro") == 0 ||
	    strcmp(o, "root_squash") == 0 || strcmp(o, "no_root_squash") == 0 ||
	    strcmp(o, "all_squash") == 0;
}

/*
 * Parse one line; returns the number of clients, or -1 (what in *why).
 * Beyond the syntax, what nfswap promises of every client: squashed to
 * its own uid, one sec= with known flavors, placed before every option
 * that may vary by flavor (so they all hold for the flavors it lists);
 * *insecure is set when a client's options say "insecure".
 */
static int
exports5_line(char *line, const char **why, int *insecure)
{
	char *p = line, *path, *client, *opts, *o, *save;
	int clients = 0, squash = 0, anonuid = 0, anongid = 0, sec, flavored;

	if (*p == '#' || *p == '\0')
		return 0;
	path = p;
	p += strcspn(p, " \t");
	if (*p == '\0')
		return (*why = "a path with no client", -1);
	*p++ = '\0';
	if (path[0] != '/')
		return (*why = "path is not absolute", -1);
	while (*p) {
		p += strspn(p, " \t");
		if (*p == '\0')
			break;
		client = p;
		p += strcspn(p, "( \t");
		if (*p != '(')
			return (*why = "a client without (options)", -1);
		*p++ = '\0';
		if (client[0] == '\0')
			return (*why = "options without a client (world access)", -1);
		opts = p;
		p = strchr(p, ')');
		if (p == NULL)
			return (*why = "unclosed options", -1);
		*p++ = '\0';
		if (*p != '\0' && *p != ' ' && *p != '\t')
			return (*why = "junk after the options", -1);
		sec = flavored = 0;
		for (o = strtok_r(opts, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
			if (!exports5_option(o))
				return (*why = "an option exports(5) does not know", -1);
			squash |= strcmp(o, "all_squash") == 0;
			anonuid |= strncmp(o, "anonuid=", 8) == 0;
			anongid |= strncmp(o, "anongid=", 8) == 0;
			*insecure |= strcmp(o, "insecure") == 0;
			flavored |= exports5_per_flavor(o);
			if (strncmp(o, "sec=", 4) == 0) {
				if (sec++)
					return (*why = "more than one sec=", -1);
				if (flavored)
					return (*why = "an option that may vary by "
					    "flavor before sec=", -1);
				if (!exports5_flavors(o + 4))
					return (*why = "sec= with an unknown "
					    "flavor", -1);
			}
		}
		if (sec != 1)
			return (*why = "a client without sec=", -1);
		clients++;
	}
	if (clients && !(squash && anonuid && anongid))
		return (*why = "a client not squashed to its own uid", -1);
	return clients;
}

static void
test_exports5_syntax(void **state)
{
	static const char *const files[] = {
		"basic", "tuned", "empty", "sec-sys", "sec-krb5", "sec-krb5i",
		"sec-krb5p",
	};
	char path[256], line[4096];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		FILE *f;
		int n = 0, lines = 0, insecure = 0;

		snprintf(path, sizeof(path), GOLDEN_DIR "/%s.exports", files[i]);
		f = fopen(path, "r");
		assert_non_null(f);
		while (fgets(line, sizeof(line), f) != NULL) {
			const char *why = NULL;
			int c;

			line[strcspn(line, "\n")] = '\0';
			c = exports5_line(line, &why, &insecure);
			if (c < 0)
				fail_msg("%s:%d: %s", path, lines + 1, why);
			if (c > 1)
				fail_msg("%s:%d: more than one client", path, lines + 1);
			n += c;
			lines++;
		}
		fclose(f);
		if (strcmp(files[i], "empty") != 0)
			assert_true(n > 0);
		/* only where the administrator forced it */
		if (insecure != (strcmp(files[i], "tuned") == 0))
			fail_msg("%s: \"insecure\" %s", path, insecure ?
			    "without allow_insecure" : "missing");
	}
	/* The reader has teeth: what exportfs would refuse or misread. */
	{
		static const char *const bad[] = {
			"/srv/a 10.0.0.1 (rw,all_squash,anonuid=1,anongid=1)",
			"/srv/a (rw)",
			"relative 10.0.0.1(rw)",
			"/srv/a 10.0.0.1(rw,frobnicate)",
			"/srv/a 10.0.0.1(rw,no_root_squash)",
			"/srv/a 10.0.0.1(rw,all_squash,anonuid=1,anongid=1",
			"/srv/a 10.0.0.1(rw,all_squash,anonuid=1,anongid=1)",
			"/srv/a 10.0.0.1(rw,sec=sys,all_squash,anonuid=1,anongid=1)",
			"/srv/a 10.0.0.1(sec=sys,rw,all_squash,anonuid=1,anongid=1,"
			    "sec=krb5p)",
			"/srv/a 10.0.0.1(sec=krb6,rw,all_squash,anonuid=1,anongid=1)",
			"/srv/a 10.0.0.1(sec=sys:,rw,all_squash,anonuid=1,anongid=1)",
		};
		int insecure = 0;
		const char *why;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			snprintf(line, sizeof(line), "%s", bad[i]);
			if (exports5_line(line, &why, &insecure) >= 0)
				fail_msg("accepted: %s", bad[i]);
		}
		snprintf(line, sizeof(line), "/srv/a 10.0.0.1(sec=krb5p:sys,rw,"
		    "all_squash,anonuid=1,anongid=1,insecure)");
		assert_int_equal(exports5_line(line, &why, &insecure), 1);
		assert_true(insecure);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_ceph_fsal),
		cmocka_unit_test(test_one_per_client),
		cmocka_unit_test(test_refuses_bad_clients),
		cmocka_unit_test(test_kernel_options),
		cmocka_unit_test(test_sec),
		cmocka_unit_test(test_format_names),
		cmocka_unit_test(test_exports5_syntax),
	};
	return cmocka_run_group_tests_name("exports", tests, NULL, NULL);
}
