/* test_config.c -- nfswap.conf: values, defaults, and file:line errors. */
#include <errno.h>

#include "testutil.h"
#include "nfswap.h"

static char *dir;

static int
setup(void **state)
{
	(void)state;
	dir = tu_mkdtemp();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	tu_rmrf(dir);
	dir = NULL;
	return 0;
}

static int
load(const char *text, struct nfswap_conf *c, struct diag *d)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/nfswap.conf", dir);
	tu_write(path, text);
	diag_clear(d);
	return conf_load(c, path, 1, d);
}

static void
test_full(void **state)
{
	struct nfswap_conf c;
	struct diag d;

	(void)state;
	assert_int_equal(load(
	    "# a comment\n"
	    "export_root = \"/export/swap\";\n"
	    "state_dir = \"/var/lib/nfswap-test\";\n"
	    "default_quota = \"512M\";\n"
	    "uid_min = 5000000; uid_max = 5000999;\n"
	    "export_id_min = 2000; export_id_max = 2999;\n"
	    "quota_enforce = \"project\";\n"
	    "sec = \"krb5p:krb5i\";\n"
	    "kernel: { exports_file = \"/etc/exports.d/x.exports\";\n"
	    "          options = \"insecure,no_wdelay\";\n"
	    "          allow_insecure = true; };\n"
	    "ganesha: { exports_file = \"/etc/ganesha/x.conf\";\n"
	    "           pseudo_root = \"/swap\"; pid_file = \"/run/g.pid\"; };\n",
	    &c, &d), 0);
	assert_string_equal(c.export_root, "/export/swap");
	assert_string_equal(c.state_dir, "/var/lib/nfswap-test");
	assert_true(c.default_quota == 512ULL << 20);
	assert_int_equal(c.uid_min, 5000000);
	assert_int_equal(c.uid_max, 5000999);
	assert_int_equal(c.export_id_min, 2000);
	assert_int_equal(c.export_id_max, 2999);
	assert_int_equal(c.quota_enforce, QUOTA_PROJECT);
	assert_string_equal(c.kernel_file, "/etc/exports.d/x.exports");
	assert_string_equal(c.kernel_options, "insecure,no_wdelay");
	assert_int_equal(c.kernel_allow_insecure, 1);
	assert_int_equal(c.kernel_options_line, 10);
	assert_string_equal(c.sec, "krb5p:krb5i");
	assert_string_equal(c.ganesha_file, "/etc/ganesha/x.conf");
	assert_string_equal(c.ganesha_pseudo_root, "/swap");
	assert_string_equal(c.ganesha_pid_file, "/run/g.pid");
}

static void
test_cephfs_heads(void **state)
{
	struct nfswap_conf c;
	struct diag d;

	(void)state;
	assert_int_equal(load(
	    "backend = \"cephfs\";\n"
	    "cephfs = { conf = \"/etc/ceph/site.conf\"; user = \"prov\";\n"
	    "    filesystem = \"fs2\"; root = \"/thin/swap\";\n"
	    "    ganesha_user = \"heads\"; };\n"
	    "ganesha = { exports_file = \"/etc/ganesha/nfswap.conf\"; };\n"
	    "heads = ( { name = \"h1\"; address = \"10.0.0.11\"; },\n"
	    "  { name = \"h2\"; address = \"nfs2.example.org\"; nfs_port = 2050;\n"
	    "    mount_port = 20049; exports_file = \"/srv/h2.conf\";\n"
	    "    pid_file = \"/run/h2.pid\"; } );\n", &c, &d), 0);
	assert_int_equal(c.backend, BACKEND_CEPHFS);
	assert_string_equal(c.cephfs.conf, "/etc/ceph/site.conf");
	assert_string_equal(c.cephfs.user, "prov");
	assert_string_equal(c.cephfs.filesystem, "fs2");
	assert_string_equal(c.cephfs.root, "/thin/swap");
	assert_string_equal(c.cephfs.ganesha_user, "heads");
	/* client directories, and Ganesha's pseudo paths, are below the root */
	assert_string_equal(conf_dir_root(&c), "/thin/swap");
	assert_string_equal(c.ganesha_pseudo_root, "/thin/swap");
	assert_int_equal(c.nheads, 2);
	assert_string_equal(c.heads[0].name, "h1");
	assert_string_equal(c.heads[0].address, "10.0.0.11");
	assert_int_equal(c.heads[0].nfs_port, 0);
	/* a head's files default to the ganesha group's */
	assert_string_equal(c.heads[0].exports_file, "/etc/ganesha/nfswap.conf");
	assert_string_equal(c.heads[0].pid_file, "/run/ganesha/ganesha.pid");
	assert_string_equal(c.heads[1].address, "nfs2.example.org");
	assert_int_equal(c.heads[1].nfs_port, 2050);
	assert_int_equal(c.heads[1].mount_port, 20049);
	assert_string_equal(c.heads[1].exports_file, "/srv/h2.conf");
	assert_string_equal(c.heads[1].pid_file, "/run/h2.pid");
	assert_ptr_equal(conf_head(&c, "h2"), &c.heads[1]);
	assert_null(conf_head(&c, "h3"));
	/* the defaults: local, no heads */
	assert_int_equal(load("", &c, &d), 0);
	assert_int_equal(c.backend, BACKEND_LOCAL);
	assert_int_equal(c.nheads, 0);
	assert_string_equal(c.cephfs.root, "/nfswap");
	assert_string_equal(conf_dir_root(&c), "/srv/nfswap");
}

static void
test_defaults(void **state)
{
	struct nfswap_conf c;
	struct diag d;
	char path[512];

	(void)state;
	assert_int_equal(load("", &c, &d), 0);
	assert_string_equal(c.export_root, "/srv/nfswap");
	assert_string_equal(c.ganesha_pseudo_root, "/srv/nfswap");
	assert_true(c.default_quota == 4ULL << 30);
	assert_true(c.default_inodes == DEFAULT_INODES);
	assert_int_equal(c.quota_enforce, QUOTA_AUTO);
	assert_string_equal(c.sec, "sys");
	assert_int_equal(c.kernel_allow_insecure, 0);
	/* pseudo_root follows export_root unless set */
	assert_int_equal(load("export_root = \"/e\";\ndefault_quota = 1048576;\n",
	    &c, &d), 0);
	assert_string_equal(c.ganesha_pseudo_root, "/e");
	assert_true(c.default_quota == 1048576);
	assert_int_equal(load("default_quota = 5368709120L;\n"
	    "uid_min = 3900000000L;\nuid_max = 4000000000L;\n", &c, &d), 0);
	assert_true(c.default_quota == 5ULL << 30);
	assert_int_equal(c.uid_max, 4000000000U);
	assert_int_equal(load("default_inodes = 1024;\n", &c, &d), 0);
	assert_true(c.default_inodes == 1024);
	assert_int_equal(load("default_inodes = 4294967295L;\n", &c, &d), 0);
	assert_true(c.default_inodes == INODES_MAX);
	/* a missing default file is fine; a missing named file is not */
	snprintf(path, sizeof(path), "%s/absent.conf", dir);
	assert_int_equal(conf_load(&c, path, 0, &d), 0);
	assert_string_equal(c.file, "");
	assert_int_equal(conf_load(&c, path, 1, &d), -ENOENT);
	assert_int_equal(d.status, EXIT_USAGE);
	assert_non_null(strstr(d.msg, "absent.conf"));
}

/* The table's defaults are the values conf_defaults() used to set by hand. */
static void
test_table_defaults(void **state)
{
	struct nfswap_conf c;
	struct diag d;

	(void)state;
	conf_defaults(&c);
	assert_string_equal(c.export_root, "/srv/nfswap");
	assert_string_equal(c.state_dir, "/var/lib/nfswap");
	assert_true(c.default_quota == 4ULL << 30);
	assert_true(c.default_inodes == DEFAULT_INODES);
	assert_int_equal(c.uid_min, 3000000);
	assert_int_equal(c.uid_max, 3999999);
	assert_int_equal(c.export_id_min, 1000);
	assert_int_equal(c.export_id_max, 65535);
	assert_int_equal(c.quota_enforce, QUOTA_AUTO);
	assert_string_equal(c.kernel_file, "/etc/exports.d/nfswap.exports");
	assert_string_equal(c.kernel_options, "");
	assert_int_equal(c.kernel_options_line, 0);
	assert_int_equal(c.kernel_allow_insecure, 0);
	assert_string_equal(c.sec, "sys");
	assert_string_equal(c.ganesha_file, "/etc/ganesha/nfswap.conf");
	assert_string_equal(c.ganesha_pseudo_root, "");	/* computed at load */
	assert_string_equal(c.ganesha_pid_file, "/run/ganesha/ganesha.pid");
	assert_int_equal(c.backend, BACKEND_LOCAL);
	assert_string_equal(c.cephfs.conf, "/etc/ceph/ceph.conf");
	assert_string_equal(c.cephfs.user, "nfswap");
	assert_string_equal(c.cephfs.filesystem, "cephfs");
	assert_string_equal(c.cephfs.root, "/nfswap");
	assert_string_equal(c.cephfs.ganesha_user, "ganesha");
	assert_int_equal(c.nheads, 0);
	assert_string_equal(c.serve.user, "_nfswap");
	assert_string_equal(c.serve.chroot, "/run/nfswap/empty");
	assert_int_equal(c.serve.max_connections, 256);
	assert_int_equal(c.serve.connections_per_address, 8);
	assert_int_equal(c.serve.idle_timeout, 30);
	/* a head's rows: ports 0, files the ganesha group's */
	assert_int_equal(load("ganesha: { pid_file = \"/run/g.pid\"; };\n"
	    "heads = ( { name = \"h1\"; address = \"10.0.0.1\"; } );\n", &c,
	    &d), 0);
	assert_int_equal(c.nheads, 1);
	assert_int_equal(c.heads[0].nfs_port, 0);
	assert_int_equal(c.heads[0].mount_port, 0);
	assert_string_equal(c.heads[0].exports_file, "/etc/ganesha/nfswap.conf");
	assert_string_equal(c.heads[0].pid_file, "/run/g.pid");
	/* an enum's message is built from its names, word for word as before */
	assert_true(load("quota_enforce = \"always\";\n", &c, &d) < 0);
	assert_non_null(strstr(d.msg, ":1: quota_enforce must be \"auto\", "
	    "\"project\" or \"none\", not \"always\""));
	assert_true(load("\nbackend = \"nfs\";\n", &c, &d) < 0);
	assert_non_null(strstr(d.msg, ":2: backend must be \"local\" or "
	    "\"cephfs\", not \"nfs\""));
	assert_true(load("serve = { max_connections = 8;\n"
	    "connections_per_address = 9; };\n", &c, &d) < 0);
	assert_non_null(strstr(d.msg, ":2: serve.connections_per_address is "
	    "above serve.max_connections"));
}

static const struct {
	const char	*text;
	int		 line;
	const char	*says;
} bad[] = {
	{ "export_root = \"/srv\";\nstate_dir = ;\n", 2, "syntax error" },
	{ "\n\nexport_rot = \"/srv\";\n", 3, "unknown setting \"export_rot\"" },
	{ "export_root = 7;\n", 1, "export_root must be a string" },
	{ "export_root = \"srv\";\n", 1, "absolute" },
	{ "export_root = \"/srv/a b\";\n", 1, "export_root" },
	{ "export_root = \"/srv/../etc\";\n", 1, "'..'" },
	{ "state_dir = \"/var/lib/\";\n", 1, "end with" },
	{ "default_quota = \"lots\";\n", 1, "default_quota" },
	{ "default_quota = \"0\";\n", 1, "positive" },
	{ "default_quota = -5;\n", 1, "positive" },
	{ "uid_min = 0;\n", 1, "uid_min must be 1 to" },
	{ "\ndefault_inodes = 0;\n", 2, "default_inodes must be 1 to 4294967295" },
	{ "default_inodes = -3;\n", 1, "default_inodes must be 1 to" },
	{ "default_inodes = 4294967296L;\n", 1, "default_inodes must be 1 to" },
	{ "default_inodes = \"1k\";\n", 1, "default_inodes must be an integer" },
	{ "uid_max = 4294967295;\n", 1, "uid_max" },
	{ "uid_min = \"1000\";\n", 1, "uid_min must be an integer" },
	{ "uid_min = 10;\nuid_max = 5;\n", 2, "uid_min is above uid_max" },
	{ "uid_min = 3900000000;\n", 1, "need an L suffix" },
	{ "\ndefault_quota = 5368709120;\n", 2, "need an L suffix" },
	{ "default_quota = \"8388608T\";\n", 1, "too large" },
	{ "default_quota = 1.5;\n", 1, "a size such as" },
	{ "export_id_max = 65536;\n", 1, "export_id_max must be 1 to 65535" },
	{ "quota_enforce = \"always\";\n", 1, "quota_enforce" },
	{ "kernel: { options = \"no_all_squash\"; };\n", 1, "not allowed" },
	{ "kernel: { options = \"insecure)\"; };\n", 1, "not allowed" },
	{ "kernel: {\n options = \"no_wdelay,insecure\"; };\n", 2,
	    "kernel.options: \"insecure\" lets any user of a client's host" },
	{ "kernel: { allow_insecure = false;\n options = \"insecure\"; };\n", 2,
	    "set kernel.allow_insecure = true to force it" },
	{ "kernel: { allow_insecure = 1; };\n", 1, "must be true or false" },
	{ "kernel: { options = \"sec=krb5p\"; };\n", 1, "the \"sec\" setting" },
	{ "\nsec = \"krb5p:none\";\n", 2, "sec: unknown flavor" },
	{ "sec = \"krb5:krb5\";\n", 1, "listed twice" },
	{ "sec = \"\";\n", 1, "sec: one flavor or more" },
	{ "sec = \"krb5p,krb5i\";\n", 1, "separated by ':'" },
	{ "sec = [\"krb5p\"];\n", 1, "sec must be a string" },
	{ "kernel: { exprts_file = \"/x\"; };\n", 1, "unknown setting" },
	{ "kernel = \"x\";\n", 1, "must be a group" },
	{ "ganesha: {\n  pseudo_root = \"rel\";\n};\n", 2, "pseudo_root" },
	{ "ganesha: { pid_file = 3; };\n", 1, "pid_file must be a string" },
	{ "@include \"/nonexistent/x.conf\"\n", 1, "" },
	{ "backend = \"nfs\";\n", 1, "backend must be \"local\" or \"cephfs\"" },
	{ "cephfs = { user = \"a b\"; };\n", 1, "user:" },
	{ "cephfs = {\n root = \"nfswap\"; };\n", 2, "root: path must be absolute" },
	{ "cephfs = { mon = \"x\"; };\n", 1, "unknown setting \"mon\"" },
	{ "heads = ( \"h1\" );\n", 1, "each head is a group" },
	{ "heads = ( { address = \"10.0.0.1\"; } );\n", 1, "needs a name" },
	{ "heads = ( { name = \"h1\"; } );\n", 1, "needs an address" },
	{ "heads = ( { name = \"h1\";\n address = \"10.0.0.0/24\"; } );\n", 2,
	    "not a network" },
	{ "heads = ( { name = \"h1\"; address = \"10.0.0.1\"; },\n"
	    "{ name = \"h1\"; address = \"10.0.0.2\"; } );\n", 2, "listed twice" },
	{ "heads = ( { name = \"h1\"; address = \"10.0.0.1\"; },\n"
	    "{ name = \"h2\"; address = \"10.0.0.1\"; } );\n", 2,
	    "same address and port" },
	{ "heads = ( { name = \"h1\"; address = \"10.0.0.1\";\n"
	    "nfs_port = 70000; } );\n", 2, "nfs_port must be 0 to 65535" },
	{ "heads = ( { name = \"../x\"; address = \"10.0.0.1\"; } );\n", 1,
	    "head name" },
	{ "heads = ( { name = \"h1\"; address = \"10.0.0.1\"; port = 1; } );\n",
	    1, "unknown setting \"port\"" },
};

static void
test_errors(void **state)
{
	struct nfswap_conf c;
	struct diag d;
	char where[600];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (load(bad[i].text, &c, &d) >= 0)
			fail_msg("accepted: %s", bad[i].text);
		if (d.status != EXIT_USAGE)
			fail_msg("status %d for: %s (%s)", d.status, bad[i].text, d.msg);
		snprintf(where, sizeof(where), "%s/nfswap.conf:%d: ", dir,
		    bad[i].line);
		if (bad[i].line > 0 && strncmp(d.msg, where, strlen(where)) != 0)
			fail_msg("\"%s\" does not start with \"%s\"", d.msg, where);
		if (strstr(d.msg, bad[i].says) == NULL)
			fail_msg("\"%s\" does not say \"%s\"", d.msg, bad[i].says);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_defaults, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_cephfs_heads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
	};
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
