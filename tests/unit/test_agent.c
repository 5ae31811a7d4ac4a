/*
 * test_agent.c -- nfswapd's pure parts and its file handling: the config
 * file (good, and bad with file:line), nfswap= on the kernel command line,
 * the %h/%i expansion, the NFS mount options, the kernel log matcher (the
 * kernel's own records only: not a user's program named after one, not
 * user space's writes to /dev/kmsg), the check of a provisioner's LOOKUP
 * answer and ALLOCATE's deadline, and swap files (written in full, our header, the reinstatement checks) in a
 * scratch directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>

#include "testutil.h"
#include "agent.h"

#define MiB	(1024ULL * 1024)

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
	return 0;
}

static int
load(const char *text, struct agent_conf *c, struct diag *d)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/nfswapd.conf", dir);
	tu_write(path, text);
	diag_clear(d);
	return agent_conf_load(c, path, 1, d);
}

static void
test_defaults(void **state)
{
	struct agent_conf c;
	struct diag d;

	(void)state;
	assert_int_equal(load("", &c, &d), 0);
	assert_int_equal(c.rsize, 2048);
	assert_int_equal(c.wsize, 2048);
	assert_int_equal(c.vers_major, 3);
	assert_true(c.hard);
	assert_true(c.nolock);
	assert_string_equal(c.proto, "tcp");
	assert_string_equal(c.mount_point, "/run/nfswap");
	assert_int_equal(c.block_size, 2048);
	assert_int_equal(c.policy.cooldown_ms, 600000);
	assert_int_equal(c.provisioner_timeout, 10);
	assert_int_equal(c.allocate_timeout, 0);
	assert_int_equal(c.nservers, 0);
	/* the rest of the table's defaults, as set by hand before */
	assert_int_equal(c.vers_minor, 0);
	assert_int_equal(c.port, 0);
	assert_int_equal(c.mountport, 0);
	assert_int_equal(c.min_swap_wsize, WSIZE_AUTO);
	assert_int_equal(c.literal_wsize, 0);
	assert_int_equal(c.timeo, 600);
	assert_string_equal(c.options, "");
	assert_int_equal(c.priority, -1);
	assert_int_equal(c.poll_ms, 1000);
	assert_int_equal(c.policy.poll_ms, 1000);
	assert_string_equal(c.status_file, "/run/nfswapd/status.json");
	assert_int_equal(c.provisioner_port, 0);
	assert_string_equal(c.server, "");
	assert_string_equal(c.provisioner, "");
	assert_int_equal(c.policy.lower_freelimit, 20);
	assert_int_equal(c.policy.upper_freelimit, 60);
	assert_int_equal(c.policy.freetarget, 30);
	assert_true(c.policy.min_swapsize == 4ULL << 20);
	assert_true(c.policy.max_swapsize == 1ULL << 30);
	assert_int_equal(c.policy.max_files, 16);
	assert_true(c.policy.quota == 0);
	assert_true(c.policy.alloc_rate == 4ULL << 20);
	assert_true(c.policy.drain_interval_ms == 30000);
	assert_true(c.policy.peak_hold_ms == 2 * c.policy.cooldown_ms);
	assert_int_equal(c.policy.min_grow_pct, 25);
	assert_true(c.policy.min_free == 128ULL << 20);
	assert_true(c.policy.error_hold_ms == 1800000);
	/* The default file may be absent; a named one may not. */
	diag_clear(&d);
	assert_int_equal(agent_conf_load(&c, "/nonexistent/nfswapd.conf", 0,
	    &d), 0);
	assert_int_equal(agent_conf_load(&c, "/nonexistent/nfswapd.conf", 1,
	    &d), -ENOENT);
	assert_int_equal(d.status, EXIT_USAGE);
}

static void
test_full_config(void **state)
{
	struct agent_conf c;
	struct diag d;

	(void)state;
	assert_int_equal(load(
	    "server = \"nfs1.example.org\";\n"
	    "export = \"/srv/nfswap/%h\";\n"
	    "mount_point = \"/run/swap\";\n"
	    "nfs = { version = \"4.1\"; port = 2049; rsize = 65536;\n"
	    "  wsize = 65536; min_swap_wsize = 32768; hard = true;\n"
	    "  timeo = 300; options = \"noac\"; };\n"
	    "swap = { block_size = 4096; priority = 5; poll = 2;\n"
	    "  status_file = \"/run/x/status.json\"; };\n"
	    "policy = { lower_freelimit = 15; freetarget = 25; cooldown = 120;\n"
	    "  max_swapsize = \"512M\"; min_swapsize = 8388608; quota = \"2G\";\n"
	    "  max_files = 8; };\n"
	    "provisioner = \"10.0.0.1\"; provisioner_timeout = 3;\n"
	    "allocate_timeout = 90;\n"
	    "servers = [ \"10.0.0.11\", \"10.0.1.0/24\", \"Head3.Example.ORG\" ];\n",
	    &c, &d), 0);
	assert_int_equal(c.provisioner_timeout, 3);
	assert_int_equal(c.allocate_timeout, 90);
	assert_int_equal(c.nservers, 3);
	assert_string_equal(c.servers[0].canon, "10.0.0.11");
	assert_string_equal(c.servers[1].canon, "10.0.1.0/24");
	assert_string_equal(c.servers[2].canon, "head3.example.org");
	assert_string_equal(c.server, "nfs1.example.org");
	assert_string_equal(c.export_path, "/srv/nfswap/%h");
	assert_string_equal(c.mount_point, "/run/swap");
	assert_int_equal(c.vers_major, 4);
	assert_int_equal(c.vers_minor, 1);
	assert_int_equal(c.port, 2049);
	assert_int_equal(c.wsize, 65536);
	assert_int_equal(c.min_swap_wsize, 32768);
	assert_int_equal(c.timeo, 300);
	assert_string_equal(c.options, "noac");
	assert_int_equal(c.block_size, 4096);
	assert_int_equal(c.priority, 5);
	assert_int_equal(c.poll_ms, 2000);
	assert_int_equal(c.policy.poll_ms, 2000);
	assert_int_equal(c.policy.lower_freelimit, 15);
	assert_int_equal(c.policy.freetarget, 25);
	assert_int_equal(c.policy.cooldown_ms, 120000);
	assert_int_equal(c.policy.max_swapsize, 512 * MiB);
	assert_int_equal(c.policy.min_swapsize, 8 * MiB);
	assert_int_equal(c.policy.quota, 2048 * MiB);
	assert_int_equal(c.policy.max_files, 8);
}

static const struct {
	const char *text, *want;	/* want: in the message, after file:line */
} bad[] = {
	{ "sever = \"x\";\n", ":1: unknown setting \"sever\"" },
	{ "provisioner = \"nfs.example.org\";\n", ":1: provisioner: an IPv4 address" },
	{ "provisioner = \"2001:db8::1\";\n", ":1: provisioner: an IPv4 address" },
	{ "\nprovisioner = \"10.0.0.0/8\";\n", ":2: provisioner: an IPv4 address" },
	{ "provisioner = \"1.2.3.4\"; provisioner_port = 70000;\n", ":1: provisioner_port must be 0 to 65535" },
	{ "\n\nnfs = { wsize = 100; };\n", ":3: wsize must be 1024 to 1048576" },
	{ "nfs = { version = 5; };\n", ":1: nfs.version must be 3, 4" },
	{ "nfs = { proto = \"udp\"; };\n", ":1: nfs.proto must be \"tcp\"" },
	{ "nfs = {\n options = \"rw,addr=1.2.3.4 x\"; };\n",
	    ":2: nfs.options: no blanks" },
	{ "nfs = { hard = 1; };\n", ":1: hard must be true or false" },
	{ "nfs = { port = 70000; };\n", ":1: port must be 0 to 65535" },
	{ "server = \"10.0.0.0/8\";\n", ":1: server: a network is not a server" },
	{ "server = \"bad host!\";\n", ":1: server:" },
	{ "export = \"relative/path\";\n", ":1: export: path must be absolute" },
	{ "mount_point = \"/run/../etc\";\n", ":1: mount_point:" },
	{ "swap = { block_size = 1000; };\n", ":1: swap.block_size must be a multiple of 512" },
	{ "swap = { block_size = 1048576; };\n", ":1: block_size must be 512 to 65536" },
	{ "swap = { priority = -5; };\n", ":1: swap.priority must be -1" },
	{ "swap = { poll = 0; };\n", ":1: poll must be 1 to 60" },
	{ "policy = { cooldown = -1; };\n", ":1: cooldown must not be negative" },
	{ "policy = { colddown = 1; };\n", ":1: unknown setting \"colddown\"" },
	{ "policy = { max_swapsize = \"lots\"; };\n", ":1: max_swapsize: not a size" },
	{ "policy = {\n lower_freelimit = 40;\n};\n",
	    ":1: policy: lower_freelimit must be below freetarget" },
	{ "policy = { max_files = 40; };\n", ":1: max_files: not a count" },
	{ "policy = { quota = 5000000000; };\n", ":1: quota: integers above 2147483647 need an L" },
	{ "nfs = { version = ; };\n", ":1: syntax error" },
	{ "export = \"/srv/%h/../x\";\n", ":1: export: path has an empty" },
	{ "export = \"/srv/%q\";\n", ":1: export: only %h and %i" },
	{ "policy = 5;\n", ":1: policy must be a group" },
	{ "nfs = { version = 4.1; };\n", ":1: version must be a whole number, or a string" },
	{ "policy = { cooldown = 1.5; };\n", ":1: cooldown must be a whole number" },
	{ "provisioner_timeout = 0;\n", ":1: provisioner_timeout must be 1 to 600" },
	{ "allocate_timeout = -1;\n", ":1: allocate_timeout must be 0 to 86400" },
	{ "servers = \"10.0.0.1\";\n", ":1: servers must be a list of addresses" },
	{ "servers = ( \"10.0.0.1\" );\n", ":1: servers must be a list of addresses" },
	{ "\nservers = [ \"10.0.0.1\", \"10.0.0.1,rw\" ];\n",
	    ":2: servers: 10.0.0.1,rw: host must be" },
	{ "servers = [ \"10.0.0.1/8\" ];\n", ":1: servers: 10.0.0.1/8: network address has host bits set" },
	{ "servers = [ 1, 2 ];\n", ":1: servers must be a list of strings" },
};

static void
test_bad_configs(void **state)
{
	struct agent_conf c;
	struct diag d;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = load(bad[i].text, &c, &d);

		if (r >= 0)
			fail_msg("accepted: %s", bad[i].text);
		assert_int_equal(d.status, EXIT_USAGE);
		if (strstr(d.msg, "nfswapd.conf") == NULL ||
		    strstr(d.msg, bad[i].want) == NULL)
			fail_msg("\"%s\" does not say \"%s\"", d.msg, bad[i].want);
	}
}

/* SIGHUP applies the rows marked so: the policy, swap's block_size,
 * priority and poll; nothing else. */
static void
test_reload(void **state)
{
	struct agent_conf c, n;
	struct diag d;

	(void)state;
	assert_int_equal(load("", &c, &d), 0);
	assert_int_equal(agent_conf_parse(&n, "mount_point = \"/mnt/x\";\n"
	    "nfs = { rsize = 65536; timeo = 10; };\n"
	    "swap = { block_size = 4096; priority = 5; poll = 2;\n"
	    "  status_file = \"/run/x.json\"; };\n"
	    "policy = { cooldown = 60; max_files = 4; };\n", "new.conf", &d), 0);
	agent_conf_reload(&c, &n);
	assert_int_equal(c.block_size, 4096);
	assert_int_equal(c.priority, 5);
	assert_int_equal(c.poll_ms, 2000);
	assert_true(c.policy.cooldown_ms == 60000);
	assert_int_equal(c.policy.max_files, 4);
	assert_true(c.policy.poll_ms == 2000);
	assert_string_equal(c.mount_point, "/run/nfswap");
	assert_int_equal(c.rsize, 2048);
	assert_int_equal(c.timeo, 600);
	assert_string_equal(c.status_file, "/run/nfswapd/status.json");
}

static void
test_cmdline(void **state)
{
	char server[256], path[1024];

	(void)state;
	assert_int_equal(agent_cmdline("quiet nfswap=10.0.2.2:/srv/nfswap/pc1 ro",
	    server, sizeof(server), path, sizeof(path)), 1);
	assert_string_equal(server, "10.0.2.2");
	assert_string_equal(path, "/srv/nfswap/pc1");
	assert_int_equal(agent_cmdline("nfswap=Server.Example.ORG:/x\n", server,
	    sizeof(server), path, sizeof(path)), 1);
	assert_string_equal(server, "server.example.org");
	assert_int_equal(agent_cmdline("nfswap=[2001:db8::1]:/swap/a", server,
	    sizeof(server), path, sizeof(path)), 1);
	assert_string_equal(server, "2001:db8::1");
	assert_string_equal(path, "/swap/a");
	/* one image for every client: the path may name the host */
	assert_int_equal(agent_cmdline("nfswap=10.0.2.2:/srv/nfswap/%h", server,
	    sizeof(server), path, sizeof(path)), 1);
	assert_string_equal(path, "/srv/nfswap/%h");
	assert_int_equal(agent_cmdline("quiet nfswap=off", server,
	    sizeof(server), path, sizeof(path)), 2);
	assert_int_equal(agent_cmdline("nfswap=1.2.3.4:/a nfswap=no", server,
	    sizeof(server), path, sizeof(path)), 2);
	assert_int_equal(agent_cmdline("nfswap=10.0.2.2:/srv/%q", server,
	    sizeof(server), path, sizeof(path)), -EINVAL);
	/* the last one wins */
	assert_int_equal(agent_cmdline("nfswap=a:/1 nfswap=b:/2", server,
	    sizeof(server), path, sizeof(path)), 1);
	assert_string_equal(server, "b");
	/* absent, and not to be confused with a longer name */
	assert_int_equal(agent_cmdline("root=/dev/nfs nfswapx=a:/b", server,
	    sizeof(server), path, sizeof(path)), 0);
	assert_int_equal(agent_cmdline("", server, sizeof(server), path,
	    sizeof(path)), 0);
	/* malformed */
	assert_int_equal(agent_cmdline("nfswap=", server, sizeof(server), path,
	    sizeof(path)), -EINVAL);
	assert_int_equal(agent_cmdline("nfswap=host", server, sizeof(server),
	    path, sizeof(path)), -EINVAL);
	assert_int_equal(agent_cmdline("nfswap=host:relative", server,
	    sizeof(server), path, sizeof(path)), -EINVAL);
	assert_int_equal(agent_cmdline("nfswap=host:/a/../b", server,
	    sizeof(server), path, sizeof(path)), -EINVAL);
	assert_int_equal(agent_cmdline("nfswap=:/a", server, sizeof(server),
	    path, sizeof(path)), -EINVAL);
	assert_int_equal(agent_cmdline("nfswap=[::1:/a", server, sizeof(server),
	    path, sizeof(path)), -EINVAL);
	assert_int_equal(agent_cmdline("nfswap=10.0.0.0/8:/a", server,
	    sizeof(server), path, sizeof(path)), -EINVAL);
	assert_int_equal(agent_cmdline("nfswap=a,b:/x", server, sizeof(server),
	    path, sizeof(path)), -EINVAL);
}

static void
test_expand(void **state)
{
	char out[256];
	struct diag why;

	(void)state;
	assert_int_equal(agent_expand("/srv/nfswap/%h", "pc17", "10.1.2.3", out,
	    sizeof(out), &why), 0);
	assert_string_equal(out, "/srv/nfswap/pc17");
	assert_int_equal(agent_expand("/s/%i/x", "pc", "10.1.2.3", out,
	    sizeof(out), &why), 0);
	assert_string_equal(out, "/s/10.1.2.3/x");
	assert_int_equal(agent_expand("/s/%%", "pc", "10.1.2.3", out,
	    sizeof(out), &why), -EINVAL);
	assert_int_equal(agent_expand("/plain", NULL, NULL, out, sizeof(out),
	    &why), 0);
	/* a host name cannot climb out of the path */
	assert_int_equal(agent_expand("/srv/%h", "..", "", out, sizeof(out),
	    &why), -EINVAL);
	assert_int_equal(agent_expand("/srv/%h", "a/b", "", out, sizeof(out),
	    &why), -EINVAL);
	assert_int_equal(agent_expand("/srv/%i", "pc", "", out, sizeof(out),
	    &why), -EINVAL);
	assert_non_null(strstr(why.msg, "IPv4"));
	assert_int_equal(agent_expand("/srv/%x", "pc", "", out, sizeof(out),
	    &why), -EINVAL);
	assert_int_equal(agent_expand("/srv/%h", "pc", "", out, 7, &why),
	    -ENAMETOOLONG);
}

static void
test_mount_opts(void **state)
{
	struct agent_conf c, before;
	struct mount_opts m;
	char buf[1024], base[] = NFSWAP_MOUNT_BASE, *opt, *save;

	(void)state;
	agent_conf_defaults(&c);
	c.port = 2049;
	c.mountport = 20048;
	agent_mount_opts_init(&m, &c, "4.19.0");	/* no floor there */
	assert_true(agent_mount_opts(&c, &m, "10.0.2.2", "10.0.2.15", buf,
	    sizeof(buf)) > 0);
	assert_string_equal(buf, "vers=3,addr=10.0.2.2,proto=tcp,port=2049,"
	    "mountaddr=10.0.2.2,mountvers=3,mountproto=tcp,mountport=20048,"
	    "hard,timeo=600,rsize=2048,wsize=2048,nolock");
	/* The defaults carry every option "nfswap serve" recommends. */
	for (opt = strtok_r(base, ",", &save); opt != NULL;
	    opt = strtok_r(NULL, ",", &save))
		assert_non_null(strstr(buf, opt));
	/* no ports: rpcbind; a floor for swap raises rsize/wsize, and the
	 * configuration is left as it was */
	c.port = c.mountport = 0;
	c.min_swap_wsize = 65536;
	snprintf(c.options, sizeof(c.options), "noac");
	before = c;
	agent_mount_opts_init(&m, &c, "4.19.0");
	assert_int_equal(m.floor, 65536);
	assert_memory_equal(&c, &before, sizeof(c));
	assert_true(agent_mount_opts(&c, &m, "10.0.2.2", NULL, buf,
	    sizeof(buf)) > 0);
	assert_string_equal(buf, "vers=3,addr=10.0.2.2,proto=tcp,"
	    "mountaddr=10.0.2.2,mountvers=3,mountproto=tcp,hard,timeo=600,"
	    "rsize=65536,wsize=65536,nolock,noac");
	/* the kernel's floor, the configured one unset: raised as well */
	c.min_swap_wsize = WSIZE_AUTO;
	agent_mount_opts_init(&m, &c, "6.1.0-27-amd64");
	assert_int_equal(m.rsize, 65536);
	assert_int_equal(m.wsize, 65536);
	assert_int_equal(c.min_swap_wsize, WSIZE_AUTO);
	assert_int_equal(c.wsize, 2048);
	/* LOOKUP's server and ports go into the options, not the config */
	snprintf(m.server, sizeof(m.server), "10.0.2.3");
	m.port = 2050;
	assert_true(agent_mount_opts(&c, &m, "10.0.2.3", NULL, buf,
	    sizeof(buf)) > 0);
	assert_non_null(strstr(buf, ",port=2050,"));
	assert_int_equal(c.port, 0);
	c.vers_major = 4;
	c.vers_minor = 1;
	c.min_swap_wsize = 0;
	c.options[0] = '\0';
	c.port = 2049;
	agent_mount_opts_init(&m, &c, "6.1.0");
	assert_true(agent_mount_opts(&c, &m, "10.0.2.2", "10.0.2.15", buf,
	    sizeof(buf)) > 0);
	assert_string_equal(buf, "vers=4.1,addr=10.0.2.2,clientaddr=10.0.2.15,"
	    "proto=tcp,port=2049,hard,timeo=600,rsize=2048,wsize=2048");
	assert_int_equal(agent_mount_opts(&c, &m, "10.0.2.2", NULL, buf, 20),
	    -ENAMETOOLONG);
}

/* rsize/wsize for swap: 2048 fails on Linux >= 5.19, so a safe floor there
 * unless the configuration says otherwise. */
static void
test_wsize_floor(void **state)
{
	struct agent_conf c;
	struct diag d;

	(void)state;
	agent_conf_defaults(&c);
	assert_int_equal(agent_swap_wsize_floor(&c, "6.1.0-27-amd64"), 65536);
	assert_int_equal(agent_swap_wsize_floor(&c, "6.12.9+bpo-amd64"), 65536);
	assert_int_equal(agent_swap_wsize_floor(&c, "5.19.0"), 65536);
	assert_int_equal(agent_swap_wsize_floor(&c, "5.18.19"), 0);
	assert_int_equal(agent_swap_wsize_floor(&c, "4.19.0-26-amd64"), 0);
	assert_int_equal(agent_swap_wsize_floor(&c, "garbage"), 65536);
	assert_int_equal(agent_swap_wsize_floor(&c, NULL), 65536);
	c.literal_wsize = 1;
	assert_int_equal(agent_swap_wsize_floor(&c, "6.1.0"), 0);
	assert_int_equal(load("provisioner = \"10.0.2.2\"; provisioner_port = 20999;\n",
	    &c, &d), 0);
	assert_string_equal(c.provisioner, "10.0.2.2");
	assert_int_equal(c.provisioner_port, 20999);
	assert_int_equal(load("nfs = { min_swap_wsize = 32768; };\n", &c, &d), 0);
	assert_int_equal(agent_swap_wsize_floor(&c, "6.1.0"), 32768);
	assert_int_equal(load("nfs = { min_swap_wsize = 0; };\n", &c, &d), 0);
	assert_int_equal(agent_swap_wsize_floor(&c, "6.1.0"), 0);
	assert_int_equal(load("nfs = { literal_wsize = true; };\n", &c, &d), 0);
	assert_true(c.literal_wsize);
	assert_int_equal(agent_swap_wsize_floor(&c, "6.1.0"), 0);
}

/*
 * The kernel's own records count; nothing else does.  The lines after
 * "not the kernel's" are the attacks: a program a user named after the
 * message (its comm and file name in the kernel's segfault report, as
 * this machine's kernel logged it), the words inside another message, a
 * record user space wrote to /dev/kmsg (facility 1, which the kernel
 * forces even on root's "<1>"), a continuation fragment, a wrong level,
 * numbers printf would not write.
 */
static void
test_kmsg(void **state)
{
	static const struct { const char *line; int kind; } t[] = {
		/* the kernel's, as /dev/kmsg gives them */
		{ "3,1234,5678,-;Write error -12 on dio swapfile (81920)", KMSG_WRITE },
		{ "3,1234,5678,-;Write error 18432 on dio swapfile (4096)\n", KMSG_WRITE },
		{ "3,1234,5678,-;Write error 73728 on dio swapfile (0)", KMSG_WRITE },
		{ "1,358,612343963,-;Write-error on swap-device (7:3:8)", KMSG_WRITE },
		{ "1,1,2,-;Write-error on swap-device (0:45:1234)", KMSG_WRITE },
		{ "1,5,6,-;Read-error on swap-device (254:0:88)", KMSG_READ },
		{ "1,9,9,-;Read-error on swap-device (7:3:2784)\n SUBSYSTEM=block\n", KMSG_READ },
		{ "1,4,4,-;Read-error on swap-device", KMSG_READ },
		{ "1,4,4,-;Read-error on swap-device\n", KMSG_READ },
		{ "3,7,7,-;Write error on dio swapfile (4096)", KMSG_WRITE },	/* < 5.19 */
		{ "1,2,3,-,caller=T42;Write-error on swap-device (8:0:1)", KMSG_WRITE },
		{ "1,1,1,-;Write-error on swap-device (4294967295:0:18446744073709551615)", KMSG_WRITE },
		{ "3,1,1,-;Write error -9223372036854775808 on dio swapfile (1)", KMSG_WRITE },
		/* not swap errors */
		{ "6,99,1,-;Adding 65532k swap on /run/nfswap/nfswap.0.", 0 },
		{ "4,1,1,-;nfs: server 10.0.2.2 not responding, still trying", 0 },
		{ "3,1,1,-;Write error on something else", 0 },
		{ "3,1,1,-;Read error -5 on sda", 0 },
		{ "3,1,2,-;swapfile has holes", 0 },
		/* not a /dev/kmsg record: dmesg's line, or no header at all */
		{ "Write error 18432 on dio swapfile (4096)", 0 },
		{ "[  612.348973] Write-error on swap-device (7:3:48)", 0 },
		{ "Read-error on swap-device", 0 },
		{ ";Read-error on swap-device", 0 },
		{ "1;Read-error on swap-device", 0 },
		{ "1,2,3;Read-error on swap-device", 0 },
		/* the attacks: a user's program named after the message */
		{ "6,345,571336825,-;Read-error on s[28236]: segfault at 0 ip "
		  "000055ab7f5eb132 sp 00007fffff3883f0 error 6 in Read-error on "
		  "swap-device (8:0:1234)[1132,55ab7f5eb000+1000] likely on CPU 1 "
		  "(core 1, socket 0)", 0 },
		{ "6,1,1,-;Write error -1[99]: segfault at 0 ip 0 sp 0 error 6 in "
		  "Write error -12 on dio swapfile (4242)[1132,1000+1000]", 0 },
		{ "4,1,1,-;traps: Read-error on s[7] trap invalid opcode ip:1 sp:2 "
		  "error:0 in Read-error on swap-device[1000+1000]", 0 },
		{ "3,1,1,-;Out of memory: Killed process 9 (Read-error on s)", 0 },
		{ "1,1,1,-; Read-error on swap-device", 0 },
		{ "1,1,1,-;Read-error on swap-device ", 0 },
		{ "1,1,1,-;Read-error on swap-device (1:2:3) in prog[1+2]", 0 },
		{ "1,1,1,-;x Read-error on swap-device (1:2:3)", 0 },
		/* ... the text exact, from user space: facility 1 (prio 8 + level) */
		{ "9,7,8,-;Read-error on swap-device (1:2:3)", 0 },
		{ "8,7,8,-;Read-error on swap-device", 0 },
		{ "11,7,8,-;Write error -12 on dio swapfile (1)", 0 },
		{ "27,7,8,-;Write error -12 on dio swapfile (1)", 0 },	/* daemon */
		/* our own log lines, quoting the kernel's */
		{ "11,7,8,-;nfswapd: 1 swap write error in the kernel log: Write error -12 on dio swapfile (1)", 0 },
		{ "11,7,8,-;nfswapd: swap read error in the kernel log: Read-error on swap-device", 0 },
		/* a fragment continuing another message */
		{ "1,1,1,c;Read-error on swap-device (1:2:3)", 0 },
		{ "1,1,1,c,caller=T1;Read-error on swap-device", 0 },
		/* the kernel's text at another level than it logs it at */
		{ "6,1,1,-;Read-error on swap-device (1:2:3)", 0 },
		{ "3,1,1,-;Write-error on swap-device (1:2:3)", 0 },
		{ "1,1,1,-;Write error -12 on dio swapfile (1)", 0 },
		/* numbers printf would not write */
		{ "1,1,1,-;Read-error on swap-device (01:2:3)", 0 },
		{ "1,1,1,-;Read-error on swap-device (+1:2:3)", 0 },
		{ "1,1,1,-;Read-error on swap-device (-1:2:3)", 0 },
		{ "1,1,1,-;Read-error on swap-device (1:2:)", 0 },
		{ "1,1,1,-;Read-error on swap-device (1: 2:3)", 0 },
		{ "1,1,1,-;Read-error on swap-device (4294967296:0:1)", 0 },
		{ "1,1,1,-;Write-error on swap-device (1:0:18446744073709551616)", 0 },
		{ "3,1,1,-;Write error -0 on dio swapfile (1)", 0 },
		{ "3,1,1,-;Write error --1 on dio swapfile (1)", 0 },
		{ "3,1,1,-;Write error 9223372036854775808 on dio swapfile (1)", 0 },
		{ "3,1,1,-;Write error x on dio swapfile (1)", 0 },
		{ "01,1,1,-;Read-error on swap-device", 0 },
		{ "-1,1,1,-;Read-error on swap-device", 0 },
	};
	size_t i, wrong = 0;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (kmsg_swap_error(t[i].line, strlen(t[i].line)) != t[i].kind) {
			print_message("%s: got %d, want %d\n", t[i].line,
			    kmsg_swap_error(t[i].line, strlen(t[i].line)),
			    t[i].kind);
			wrong++;
		}
	if (wrong > 0)
		fail_msg("%zu of %zu records misjudged", wrong,
		    sizeof(t) / sizeof(t[0]));
	/* the length given is the record's: nothing past it is read */
	assert_int_equal(kmsg_swap_error("1,1,1,-;Read-error on swap-device",
	    strlen("1,1,1,-;Read-error on swap-dev")), 0);
}

/* kmsg_poll on a pipe: counts by kind, keeps the first line of each. */
static void
test_kmsg_poll(void **state)
{
	static const char *recs[] = {
		"6,1,1,-;Adding 65532k swap on /run/nfswap/nfswap.0.\n",
		"3,2,2,-;Write error -12 on dio swapfile (4096)\n",
		"3,3,3,-;Write error -12 on dio swapfile (8192)\n",
		"1,4,4,-;Read-error on swap-device\n",
		"9,5,5,-;Read-error on swap-device\n",		/* user space's */
	};
	struct kmsg_seen k;
	size_t i;
	int fd[2];

	(void)state;
	memset(&k, 0, sizeof(k));
	assert_int_equal(pipe2(fd, O_NONBLOCK), 0);
	/* /dev/kmsg returns one record per read; a pipe with one record in
	 * it at a time does the same */
	for (i = 0; i < sizeof(recs) / sizeof(recs[0]); i++) {
		assert_int_equal(write(fd[1], recs[i], strlen(recs[i])),
		    (ssize_t)strlen(recs[i]));
		assert_int_equal(kmsg_poll(fd[0], &k),
		    i == 0 || i == 4 ? 0 : 1);
	}
	assert_int_equal(k.writes, 2);
	assert_int_equal(k.reads, 1);
	assert_string_equal(k.write_line, "Write error -12 on dio swapfile (4096)");
	assert_string_equal(k.read_line, "Read-error on swap-device");
	assert_int_equal(kmsg_poll(fd[0], &k), 0);	/* EAGAIN: nothing new */
	close(fd[0]);
	close(fd[1]);
}

/* What LOOKUP may make the agent mount. */
static void
test_lookup_check(void **state)
{
	static const struct {
		const char *client, *path, *server;
		uint32_t nfs_port, mount_port;
		const char *want;	/* the server to mount, or NULL */
		const char *why;	/* in the refusal */
	} t[] = {
		{ "pc1", "/srv/nfswap/pc1", "", 0, 0, "10.9.1.1", NULL },
		{ "pc1", "/srv/nfswap/pc1", "10.9.1.1", 2049, 20048, "10.9.1.1", NULL },
		{ "pc1", "/srv/nfswap/pc1", "::ffff:10.9.1.1", 0, 0, "10.9.1.1", NULL },
		{ "pc1", "/x", "10.0.0.11", 0, 0, "10.0.0.11", NULL },
		{ "pc1", "/x", "10.0.1.77", 0, 0, "10.0.1.77", NULL },
		{ "pc1", "/x", "HEAD3.example.org", 0, 0, "head3.example.org", NULL },
		{ "pc1", "/x", "2001:db8::5", 0, 0, "2001:db8::5", NULL },
		{ "pc1", "/x", "nfs1.example.org", 0, 0, "nfs1.example.org", NULL },
		/* a server that is neither the provisioner nor listed */
		{ "pc1", "/x", "10.66.6.6", 0, 0, NULL,
		  "the server 10.66.6.6 to mount from is refused: it is not the "
		  "provisioner (10.9.1.1) nor the server set (nfs1.example.org) "
		  "and not listed in servers in nfswapd.conf" },
		{ "pc1", "/x", "10.0.2.1", 0, 0, NULL, "10.0.2.1 to mount from is refused" },
		{ "pc1", "/x", "head4.example.org", 0, 0, NULL, "head4.example.org to mount from is refused" },
		{ "pc1", "/x", "2001:db8::6", 0, 0, NULL, "2001:db8::6 to mount from is refused" },
		{ "pc1", "/x", "10.0.1.0/24", 0, 0, NULL, "a network is not a server" },
		{ "pc1", "/x", "10.0.0.11,port=1", 0, 0, NULL,
		  "the server \"10.0.0.11,port=1\" to mount from is refused" },
		{ "pc1", "/x", "10.0.0.11 10.66.6.6", 0, 0, NULL, "is refused" },
		/* paths: plain, absolute, nothing for a mount option, no % */
		{ "pc1", "/srv/../etc", "", 0, 0, NULL,
		  "the export path \"/srv/../etc\" is refused: path has an empty, '.' or '..' component" },
		{ "pc1", "srv/pc1", "", 0, 0, NULL, "path must be absolute" },
		{ "pc1", "/srv/pc1,addr=10.66.6.6", "", 0, 0, NULL, "path may hold only" },
		{ "pc1", "/srv/%h", "", 0, 0, NULL, "path may hold only" },
		{ "pc1", "/srv/%q", "", 0, 0, NULL, "path may hold only" },
		{ "pc1", "/srv/a b", "", 0, 0, NULL, "path may hold only" },
		{ "pc1", "/srv/a\nb", "", 0, 0, NULL, "\"/srv/a?b\" is refused" },
		{ "pc1", "", "", 0, 0, NULL, "path must be absolute" },
		{ "pc1", "/", "", 0, 0, NULL, "must not be \"/\" itself" },
		/* the client's name (for the log) and the ports */
		{ "pc1\x1b[2J", "/x", "", 0, 0, NULL, "the client name \"pc1?[2J\" is refused" },
		{ "", "/x", "", 0, 0, NULL, "name is empty" },
		{ "pc1", "/x", "", 70000, 0, NULL, "the ports 70000 and 0 are refused" },
		{ "pc1", "/x", "", 0, 4294967295u, NULL, "a port is 0 to 65535" },
	};
	struct agent_conf c;
	struct prov_export x;
	struct diag d;
	char server[HOST_MAXLEN + 1], longpath[PATH_MAXLEN + 1];
	struct diag why;
	size_t i;

	(void)state;
	assert_int_equal(load("provisioner = \"10.9.1.1\";\n"
	    "server = \"nfs1.example.org\";\n"
	    "servers = [ \"10.0.0.11\", \"10.0.1.0/24\", \"head3.example.org\","
	    " \"2001:db8::5\" ];\n", &c, &d), 0);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int r;

		memset(&x, 0, sizeof(x));
		snprintf(x.client, sizeof(x.client), "%s", t[i].client);
		snprintf(x.path, sizeof(x.path), "%s", t[i].path);
		snprintf(x.server, sizeof(x.server), "%s", t[i].server);
		x.nfs_port = t[i].nfs_port;
		x.mount_port = t[i].mount_port;
		server[0] = '\0';
		diag_clear(&why);
		r = agent_lookup_check(&c, &x, server, sizeof(server), &why);
		if (t[i].want != NULL && (r != 0 || strcmp(server, t[i].want)))
			fail_msg("%s %s %s: refused (%s) or not %s (%s)",
			    t[i].client, t[i].path, t[i].server, why.msg,
			    t[i].want, server);
		if (t[i].want == NULL && (r != -EINVAL ||
		    strstr(why.msg, t[i].why) == NULL))
			fail_msg("%s %s %s: got %d \"%s\", want \"%s\"",
			    t[i].client, t[i].path, t[i].server, r, why.msg,
			    t[i].why);
	}
	/* without servers, only the provisioner itself */
	assert_int_equal(load("provisioner = \"10.9.1.1\";\n", &c, &d), 0);
	memset(&x, 0, sizeof(x));
	snprintf(x.client, sizeof(x.client), "pc1");
	snprintf(x.path, sizeof(x.path), "/x");
	snprintf(x.server, sizeof(x.server), "10.0.0.11");
	assert_int_equal(agent_lookup_check(&c, &x, server, sizeof(server),
	    &why), -EINVAL);
	assert_non_null(strstr(why.msg, "it is not the provisioner (10.9.1.1) and "
	    "not listed in servers"));
	snprintf(x.server, sizeof(x.server), "10.9.1.1");
	assert_int_equal(agent_lookup_check(&c, &x, server, sizeof(server),
	    &why), 0);
	/* the longest path the protocol carries is accepted, one more is not */
	memset(longpath, 'a', PATH_MAXLEN);
	longpath[0] = '/';
	longpath[PATH_MAXLEN] = '\0';
	memcpy(x.path, longpath, sizeof(longpath));
	assert_int_equal(agent_lookup_check(&c, &x, server, sizeof(server),
	    &why), 0);
}

/* How long ALLOCATE is waited for. */
static void
test_alloc_limit(void **state)
{
	struct agent_conf c;
	struct diag d;

	(void)state;
	assert_int_equal(load("", &c, &d), 0);
	/* by size: 10 s, plus the file at alloc_rate (4 MiB/s by default) */
	assert_int_equal(agent_alloc_limit_ms(&c, 128 * MiB), 10000 + 32000);
	assert_int_equal(agent_alloc_limit_ms(&c, 0), 10000);
	assert_int_equal(agent_alloc_limit_ms(&c, 1 * MiB), 10250);
	assert_int_equal(agent_alloc_limit_ms(&c, UINT64_MAX), 86400000);
	assert_int_equal(load("policy = { alloc_rate = \"64M\"; };\n", &c, &d), 0);
	assert_int_equal(agent_alloc_limit_ms(&c, 128 * MiB), 12000);
	assert_int_equal(load("allocate_timeout = 3;\n", &c, &d), 0);
	assert_int_equal(agent_alloc_limit_ms(&c, 128 * MiB), 3000);
}

static void
test_names(void **state)
{
	unsigned seq = 99;

	(void)state;
	assert_true(swapfile_name("nfswap.0", &seq));
	assert_int_equal(seq, 0);
	assert_true(swapfile_name("nfswap.31", &seq));
	assert_int_equal(seq, 31);
	assert_false(swapfile_name("nfswap.", NULL));
	assert_false(swapfile_name("nfswap.01", NULL));
	assert_false(swapfile_name("nfswap.1a", NULL));
	assert_false(swapfile_name("nfswap.-1", NULL));
	assert_false(swapfile_name("nfswap.1234567", NULL));
	assert_false(swapfile_name("swap.1", NULL));
	assert_false(swapfile_name(".nfswap.1", NULL));
	/* a file of ours not yet whole */
	assert_true(swapfile_partial(".nfswap.7.partial", &seq));
	assert_int_equal(seq, 7);
	assert_false(swapfile_partial("nfswap.7.partial", NULL));
	assert_false(swapfile_partial(".nfswap.7", NULL));
	assert_false(swapfile_partial(".nfswap.07.partial", NULL));
	assert_false(swapfile_partial(".nfswap..partial", NULL));
	assert_false(swapfile_partial(".partial", NULL));
	assert_false(swapfile_partial(".x.partial", NULL));
	assert_false(swapfile_partial(".nfswap.7.partial.partial", NULL));
	assert_true(swapfile_allocating(".nfswap.8.allocating", &seq));
	assert_int_equal(seq, 8);
	assert_false(swapfile_allocating(".nfswap.8.partial", NULL));
	assert_false(swapfile_partial(".nfswap.8.allocating", NULL));
}

static char heard[512];

static void
said(void *ctx, const char *name, int r, int refused)
{
	char *h = ctx;		/* heard, handed through swapfile_partials */
	size_t n = strlen(h);

	snprintf(h + n, sizeof(heard) - n, "%s:%d%s;", name, r,
	    refused ? ":refused" : "");
}

/* Left by creations cut short: ours go, links and others' files stay. */
static void
test_partials_swept(void **state)
{
	struct stat st;
	char path[4096], want[64];
	int dfd;

	(void)state;
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(dfd >= 0);
	snprintf(path, sizeof(path), "%s/.nfswap.3.partial", dir);
	tu_write(path, "half a file");
	snprintf(path, sizeof(path), "%s/.notes.partial", dir);
	tu_write(path, "not ours");
	assert_int_equal(symlinkat("/etc/passwd", dfd, ".nfswap.4.partial"), 0);
	snprintf(path, sizeof(path), "%s/.nfswap.6.allocating", dir);
	tu_write(path, "the service stopped half way");
	heard[0] = '\0';
	/* without allocating: the service's file is not touched */
	assert_int_equal(swapfile_partials(dfd, geteuid(), 0, said, heard), 0);
	assert_non_null(strstr(heard, ".nfswap.3.partial:0;"));
	assert_int_equal(fstatat(dfd, ".nfswap.6.allocating", &st, 0), 0);
	snprintf(want, sizeof(want), ".nfswap.4.partial:%d:refused;", -ELOOP);
	assert_non_null(strstr(heard, want));
	assert_null(strstr(heard, "notes"));
	assert_int_equal(fstatat(dfd, ".nfswap.3.partial", &st, 0), -1);
	assert_int_equal(fstatat(dfd, ".nfswap.4.partial", &st,
	    AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(fstatat(dfd, "/etc/passwd", &st, 0), 0);
	assert_int_equal(fstatat(dfd, ".notes.partial", &st, 0), 0);
	/* at start: the service's leftovers too */
	heard[0] = '\0';
	assert_int_equal(swapfile_partials(dfd, geteuid(), 1, said, heard), 0);
	assert_non_null(strstr(heard, ".nfswap.6.allocating:0;"));
	assert_int_equal(fstatat(dfd, ".nfswap.6.allocating", &st, 0), -1);
	/* another owner's: refused, and not left to try again */
	snprintf(path, sizeof(path), "%s/.nfswap.5.partial", dir);
	tu_write(path, "someone else's");
	heard[0] = '\0';
	assert_int_equal(swapfile_partials(dfd, geteuid() + 1, 0, said, heard), 0);
	snprintf(want, sizeof(want), ".nfswap.5.partial:%d:refused;", -EPERM);
	assert_non_null(strstr(heard, want));
	assert_int_equal(fstatat(dfd, ".nfswap.5.partial", &st, 0), 0);
	assert_int_equal(unlinkat(dfd, ".nfswap.4.partial", 0), 0);
	assert_int_equal(unlinkat(dfd, ".nfswap.5.partial", 0), 0);
	assert_int_equal(unlinkat(dfd, ".notes.partial", 0), 0);
	close(dfd);
}

/*
 * A file of zeros in full, written directly (O_DIRECT: 1 MiB writev calls
 * of one 64 KiB buffer) where the file system takes it, through the cache
 * where it does not: on this directory and on /dev/shm (tmpfs), a size
 * that ends in a piece shorter than the buffer, every byte read back.
 */
static void
whole_zeros(const char *where)
{
	const uint64_t size = 5 * MiB + 12 * 1024;
	static char buf[65536];
	uint64_t written, at = 0;
	struct stat st;
	ssize_t n;
	int dfd, fd;
	size_t i;

	dfd = open(where, O_RDONLY | O_DIRECTORY);
	assert_true(dfd >= 0);
	assert_int_equal(swapfile_create(dfd, "nfswap.7", size, 2048, &written,
	    NULL), 0);
	assert_int_equal(written, size);
	fd = openat(dfd, "nfswap.7", O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal((uint64_t)st.st_size, size);
	assert_true((uint64_t)st.st_blocks * 512 >= size);	/* no holes */
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (i = 0; i < (size_t)n; i++)
			assert_int_equal(buf[i], 0);
		at += (uint64_t)n;
	}
	assert_int_equal(n, 0);
	assert_int_equal(at, size);
	close(fd);
	assert_int_equal(unlinkat(dfd, "nfswap.7", 0), 0);
	close(dfd);
}

static void
test_swapfile_direct(void **state)
{
	char shm[] = "/dev/shm/nfswap-test.XXXXXX";

	(void)state;
	whole_zeros(dir);
	if (mkdtemp(shm) == NULL) {
		skip();		/* no /dev/shm: the other file system was enough */
		return;
	}
	whole_zeros(shm);
	assert_int_equal(rmdir(shm), 0);
}

/* Files: written in full, 0600, our header, and the reinstatement checks. */
static void
test_swapfiles(void **state)
{
	struct swapfile_check c;
	struct stat st;
	uint64_t written;
	char path[4096], page[4096];
	int dfd, fd;
	volatile int stop = 0;

	(void)state;
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(dfd >= 0);
	umask(022);
	assert_int_equal(swapfile_create(dfd, "nfswap.0", 4 * MiB, 2048,
	    &written, &stop), 0);
	assert_int_equal(written, 4 * MiB);
	assert_int_equal(fstatat(dfd, "nfswap.0", &st, 0), 0);
	assert_int_equal(st.st_size, 4 * MiB);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_true((uint64_t)st.st_blocks * 512 >= 4 * MiB);	/* no holes */
	/* blank: reinstatable after mkswap */
	assert_int_equal(swapfile_check(dfd, "nfswap.0", geteuid(), &c), 0);
	assert_true(c.ok);
	assert_true(c.needs_mkswap);
	assert_int_equal(swapfile_mkswap(dfd, "nfswap.0", 4 * MiB), 0);
	assert_int_equal(swapfile_check(dfd, "nfswap.0", geteuid(), &c), 0);
	assert_true(c.ok);
	assert_false(c.needs_mkswap);
	snprintf(path, sizeof(path), "%s/nfswap.0", dir);
	fd = open(path, O_RDONLY);
	assert_int_equal(pread(fd, page, sizeof(page), 0), (ssize_t)sizeof(page));
	close(fd);
	assert_memory_equal(page + 4096 - 10, "SWAPSPACE2", 10);
	assert_int_equal(*(uint32_t *)(void *)(page + 1024), 1);	/* version */
	assert_int_equal(*(uint32_t *)(void *)(page + 1028), 4 * MiB / 4096 - 1);
	/* an existing name is never overwritten */
	assert_int_equal(swapfile_create(dfd, "nfswap.0", MiB, 2048, &written,
	    &stop), -EEXIST);

	/* what is refused, and why */
	assert_int_equal(swapfile_check(dfd, "nfswap.0", geteuid() + 1, &c), 0);
	assert_false(c.ok);
	assert_non_null(strstr(c.why, "owned"));
	assert_int_equal(fchmodat(dfd, "nfswap.0", 0644, 0), 0);
	assert_int_equal(swapfile_check(dfd, "nfswap.0", geteuid(), &c), 0);
	assert_false(c.ok);
	assert_non_null(strstr(c.why, "0600"));
	assert_int_equal(fchmodat(dfd, "nfswap.0", 0600, 0), 0);
	snprintf(path, sizeof(path), "%s/nfswap.1", dir);
	tu_write(path, "not a swap file, just some text of the wrong size\n");
	chmod(path, 0600);
	assert_int_equal(swapfile_check(dfd, "nfswap.1", geteuid(), &c), 0);
	assert_false(c.ok);
	/* a sparse file has holes */
	fd = openat(dfd, "nfswap.2", O_WRONLY | O_CREAT, 0600);
	assert_int_equal(ftruncate(fd, 4 * MiB), 0);
	close(fd);
	assert_int_equal(swapfile_check(dfd, "nfswap.2", geteuid(), &c), 0);
	assert_false(c.ok);
	assert_non_null(strstr(c.why, "holes"));
	/* data where the header should be: not ours */
	assert_int_equal(swapfile_create(dfd, "nfswap.3", MiB, 4096, &written,
	    &stop), 0);
	fd = openat(dfd, "nfswap.3", O_WRONLY);
	assert_int_equal(pwrite(fd, "hello", 5, 100), 5);
	close(fd);
	assert_int_equal(swapfile_check(dfd, "nfswap.3", geteuid(), &c), 0);
	assert_false(c.ok);
	assert_non_null(strstr(c.why, "signature"));
	/* a symbolic link is never followed */
	assert_int_equal(symlinkat("nfswap.0", dfd, "nfswap.4"), 0);
	assert_int_equal(swapfile_check(dfd, "nfswap.4", geteuid(), &c), 0);
	assert_false(c.ok);
	/* a foreign name */
	assert_int_equal(swapfile_check(dfd, "notes.txt", geteuid(), &c), 0);
	assert_false(c.ok);

	/* asked to stop: no partial file left */
	stop = 1;
	assert_int_equal(swapfile_create(dfd, "nfswap.5", 4 * MiB, 2048,
	    &written, &stop), -EINTR);
	assert_int_equal(fstatat(dfd, "nfswap.5", &st, 0), -1);
	close(dfd);
}

/*
 * swapon, swapoff and unlink act only on a regular file of the owner's,
 * never through a symbolic link: a link or a foreign file under one of
 * our names is refused before the kernel is asked (and left in place).
 */
static void
test_not_ours_refused(void **state)
{
	struct stat st;
	char target[4096];
	int dfd, fd;

	(void)state;
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(dfd >= 0);
	snprintf(target, sizeof(target), "%s/victim", dir);
	fd = open(target, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(symlinkat(target, dfd, "nfswap.8"), 0);
	assert_int_equal(swapfile_on(dfd, "nfswap.8", geteuid(), -1), -ELOOP);
	assert_int_equal(swapfile_off(dfd, "nfswap.8", geteuid()), -ELOOP);
	assert_int_equal(swapfile_unlink(dfd, "nfswap.8", geteuid()), -ELOOP);
	assert_int_equal(fstatat(dfd, "nfswap.8", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISLNK(st.st_mode));
	/* someone else's file under our name */
	assert_int_equal(swapfile_on(dfd, "victim", geteuid() + 1, -1), -EPERM);
	assert_int_equal(swapfile_off(dfd, "victim", geteuid() + 1), -EPERM);
	assert_int_equal(swapfile_unlink(dfd, "victim", geteuid() + 1), -EPERM);
	assert_int_equal(fstatat(dfd, "victim", &st, 0), 0);
	/* a directory is not a swap file either */
	assert_int_equal(mkdirat(dfd, "nfswap.9", 0700), 0);
	assert_int_equal(swapfile_on(dfd, "nfswap.9", geteuid(), -1), -EPERM);
	/* ours, and gone */
	assert_int_equal(swapfile_unlink(dfd, "victim", geteuid()), 0);
	assert_int_equal(fstatat(dfd, "victim", &st, 0), -1);
	assert_int_equal(unlinkat(dfd, "nfswap.8", 0), 0);
	assert_int_equal(unlinkat(dfd, "nfswap.9", AT_REMOVEDIR), 0);
	close(dfd);
}

/* A full filesystem: ENOSPC, and the partial file is gone.  RLIMIT_FSIZE
 * stands in for a full disk here (EFBIG), which takes the same path. */
static void
test_partial_removed(void **state)
{
	struct rlimit old, lim = { 1024 * 1024, 1024 * 1024 };
	struct stat st;
	uint64_t written = 0;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY), r;

	(void)state;
	assert_true(dfd >= 0);
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	lim.rlim_max = old.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	r = swapfile_create(dfd, "nfswap.9", 4 * MiB, 2048, &written, NULL);
	setrlimit(RLIMIT_FSIZE, &old);
	assert_int_equal(r, -EFBIG);
	assert_int_equal(written, MiB);		/* how far it got */
	assert_int_equal(fstatat(dfd, "nfswap.9", &st, 0), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(fstatat(dfd, ".nfswap.9.partial", &st, 0), -1);
	assert_int_equal(errno, ENOENT);
	close(dfd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full_config),
		cmocka_unit_test(test_bad_configs),
		cmocka_unit_test(test_reload),
		cmocka_unit_test(test_cmdline),
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_mount_opts),
		cmocka_unit_test(test_wsize_floor),
		cmocka_unit_test(test_kmsg),
		cmocka_unit_test(test_kmsg_poll),
		cmocka_unit_test(test_lookup_check),
		cmocka_unit_test(test_alloc_limit),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_partials_swept),
		cmocka_unit_test(test_swapfiles),
		cmocka_unit_test(test_swapfile_direct),
		cmocka_unit_test(test_not_ours_refused),
		cmocka_unit_test(test_partial_removed),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
