/*
 * test_registry.c -- the registry on a scratch state_dir/export_root:
 * add/get/list/remove, refusals that change nothing, id allocation,
 * concurrent writers in separate processes, and SIGKILL at every step of
 * a write (NFSWAP_CRASHPOINT) and at random moments.  Then what a client
 * can do to its own tree: a 9,000-level chain, 200,000 files, planted
 * links, a purge that must not hold the lock; inode limits; uids of kept
 * data; DNS names against addresses (in a private mount namespace whose
 * /etc/hosts and nsswitch.conf are the test's own, so no name is ever
 * asked of a real resolver).
 */
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <time.h>

#include "testutil.h"
#include "registry.h"

struct fx {
	char			*tmp;
	struct nfswap_conf	 conf;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->tmp = tu_mkdtemp();
	conf_defaults(&f->conf);
	snprintf(f->conf.export_root, sizeof(f->conf.export_root), "%s/export",
	    f->tmp);
	snprintf(f->conf.state_dir, sizeof(f->conf.state_dir), "%s/state",
	    f->tmp);
	snprintf(f->conf.ganesha_pseudo_root, sizeof(f->conf.ganesha_pseudo_root),
	    "%s", f->conf.export_root);
	f->conf.quota_enforce = QUOTA_NONE;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	unsetenv("NFSWAP_CRASHPOINT");
	tu_rmrf(f->tmp);
	free(f);
	return 0;
}

/* Add a client of 1 GiB on head (NULL: placed by load, or none). */
static int
add_on(struct fx *f, const char *name, const char *host, const char *head,
    struct diag *d)
{
	struct registry reg;
	struct client c;
	int r;

	diag_clear(d);
	if ((r = registry_open(&reg, &f->conf, 1, d)) < 0)
		return r;
	r = registry_add(&reg, name, host, 1ULL << 30, f->conf.default_inodes,
	    head, &c, d);
	registry_close(&reg);
	return r;
}

/* What main.c does after a command that changes the registry: finish the
 * purges a killed remove left, with the lock released.  How many. */
static int
finish(struct fx *f)
{
	struct registry reg;
	struct purge *pv;
	struct diag d;
	size_t n, i;
	int done = 0;

	assert_int_equal(registry_open(&reg, &f->conf, 1, &d), 0);
	assert_int_equal(registry_purges_pending(&reg, &pv, &n, &d), 0);
	registry_unlock(&reg);
	for (i = 0; i < n; i++)
		done += registry_purge(&reg, &pv[i], &d) == 0;
	free(pv);
	registry_close(&reg);
	return done;
}

static int
add(struct fx *f, const char *name, const char *host, struct diag *d)
{
	return add_on(f, name, host, NULL, d);
}

static int
del(struct fx *f, const char *name, int purge, struct diag *d)
{
	struct registry reg;
	int r;

	struct purge p;

	diag_clear(d);
	if ((r = registry_open(&reg, &f->conf, 1, d)) < 0)
		return r;
	r = registry_remove(&reg, name, purge, &p, d);
	if (r == 0 && purge) {
		registry_unlock(&reg);	/* as main.c: delete unlocked */
		r = registry_purge(&reg, &p, d);
	}
	registry_close(&reg);
	return r;
}

static int
get(struct fx *f, const char *name, struct client *c)
{
	struct registry reg;
	struct diag d;
	int r;

	if ((r = registry_open(&reg, &f->conf, 0, &d)) < 0)
		return r;
	r = registry_get(&reg, name, c, &d);
	registry_close(&reg);
	return r;
}

static size_t
list(struct fx *f, struct client **v)
{
	struct registry reg;
	struct diag d;
	size_t n;

	assert_int_equal(registry_open(&reg, &f->conf, 0, &d), 0);
	if (registry_list(&reg, v, &n, &d) != 0)
		fail_msg("registry_list: %s", d.msg);
	registry_close(&reg);
	return n;
}

static int
audit_problems(struct fx *f)
{
	struct registry reg;
	struct strbuf sb;
	struct diag d;
	int problems = -1;

	assert_int_equal(registry_open(&reg, &f->conf, 0, &d), 0);
	sb_init(&sb);
	assert_int_equal(audit_run(&reg, 0, &sb, &problems, &d), 0);
	if (problems)
		printf("# audit:\n# %s\n", sb.s);
	sb_free(&sb);
	registry_close(&reg);
	return problems;
}

static void
test_add_get_remove(void **state)
{
	struct fx *f = *state;
	struct client c, *v;
	char path[1200];
	struct stat st;
	struct diag d;

	assert_int_equal(add(f, "alice", "10.0.0.5", &d), 0);
	assert_int_equal(add(f, "bob", "PC2.Example.org", &d), 0);
	assert_int_equal(get(f, "alice", &c), 0);
	assert_string_equal(c.host, "10.0.0.5");
	assert_int_equal(c.uid, f->conf.uid_min);
	assert_int_equal(c.gid, c.uid);
	assert_int_equal(c.export_id, f->conf.export_id_min);
	assert_true(c.quota == 1ULL << 30);
	assert_true(c.created > 1700000000);
	assert_int_equal(get(f, "bob", &c), 0);
	assert_string_equal(c.host, "pc2.example.org");
	assert_int_equal(c.uid, f->conf.uid_min + 1);

	snprintf(path, sizeof(path), "%s/alice", f->conf.export_root);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(st.st_uid, f->conf.uid_min);
	assert_int_equal(st.st_gid, f->conf.uid_min);

	assert_int_equal(list(f, &v), 2);
	assert_string_equal(v[0].name, "alice");
	assert_string_equal(v[1].name, "bob");
	free(v);
	assert_int_equal(audit_problems(f), 0);

	/* remove keeps the data unless purged */
	tu_write(strcat(path, "/nfswap.0"), "swap");
	assert_int_equal(del(f, "alice", 0, &d), 0);
	assert_int_equal(get(f, "alice", &c), -ENOENT);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(audit_problems(f), 1);	/* the kept dir is an orphan */
	assert_int_equal(del(f, "bob", 1, &d), 0);
	snprintf(path, sizeof(path), "%s/bob", f->conf.export_root);
	assert_int_equal(stat(path, &st), -1);
	assert_int_equal(list(f, &v), 0);
	free(v);
	/* unknown names are input errors */
	assert_int_equal(del(f, "bob", 1, &d), -ENOENT);
	assert_int_equal(d.status, EXIT_USAGE);
}

static void
test_refusals_change_nothing(void **state)
{
	static const struct {
		const char *name, *host;
		int err;
	} cases[] = {
		{ "alice", "10.9.9.9", EEXIST },	/* name taken */
		{ "carol", "10.0.0.5", EEXIST },	/* host taken */
		{ "carol", "10.0.0.0/24", EEXIST },	/* net covers alice */
		{ "carol", "10.0.0.0/8", EEXIST },
		{ "carol", "192.168.1.77", EEXIST },	/* inside bob's net */
		{ "carol", "192.168.0.0/16", EEXIST },	/* covers bob's net */
		{ "carol", "192.168.1.128/25", EEXIST },	/* inside bob's net */
		{ "carol", "2001:db8::/64", EEXIST },	/* covers dave */
		{ "carol", "2001:DB8::1", EEXIST },	/* dave, other spelling */
		{ "carol", "PC9.example", EEXIST },	/* erin, other case */
		{ "carol", "10.0.0.5(rw)", EINVAL },
		{ "carol", "*", EINVAL },
		{ "carol", "10.0.0.6 10.0.0.7", EINVAL },
		{ "carol", "10.0.0.6\n/ *(rw)", EINVAL },
		{ "../etc", "10.0.0.6", EINVAL },
		{ ".carol", "10.0.0.6", EINVAL },
		{ "car ol", "10.0.0.6", EINVAL },
	};
	struct fx *f = *state;
	struct registry reg;
	struct diag d;
	uint64_t before;
	size_t i;

	assert_int_equal(add(f, "alice", "10.0.0.5", &d), 0);
	assert_int_equal(add(f, "bob", "192.168.1.0/24", &d), 0);
	assert_int_equal(add(f, "dave", "2001:db8::1", &d), 0);
	assert_int_equal(add(f, "erin", "pc9.example", &d), 0);
	before = tu_fingerprint(f->tmp);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = add(f, cases[i].name, cases[i].host, &d);
		if (r != -cases[i].err || d.status != EXIT_USAGE)
			fail_msg("add %s %s: %d (%s)", cases[i].name, cases[i].host,
			    r, d.msg);
		if (tu_fingerprint(f->tmp) != before)
			fail_msg("add %s %s changed the disk", cases[i].name,
			    cases[i].host);
	}
	/* quota 0 and unknown names for quota/remove */
	assert_int_equal(registry_open(&reg, &f->conf, 1, &d), 0);
	assert_int_equal(registry_add(&reg, "carol", "10.0.0.6", 0, 100, NULL,
	    NULL, &d), -EINVAL);
	assert_int_equal(registry_add(&reg, "carol", "10.0.0.6", 1024, 0, NULL,
	    NULL, &d), -EINVAL);
	assert_int_equal(registry_add(&reg, "carol", "10.0.0.6", 1024,
	    INODES_MAX + 1, NULL, NULL, &d), -ERANGE);
	assert_int_equal(registry_set_quota(&reg, "alice", 0, 0, &d), -EINVAL);
	assert_int_equal(registry_set_quota(&reg, "nobody", 1024, 0, &d),
	    -ENOENT);
	{
		struct purge p;
		assert_int_equal(registry_remove(&reg, "nobody", 1, &p, &d),
		    -ENOENT);
	}
	registry_close(&reg);
	assert_true(tu_fingerprint(f->tmp) == before);

	/* a directory holding data is not taken over */
	{
		char p[1200];
		snprintf(p, sizeof(p), "%s/frank", f->conf.export_root);
		assert_int_equal(mkdir(p, 0700), 0);
		strcat(p, "/old-swap");
		tu_write(p, "x");
		before = tu_fingerprint(f->tmp);
		assert_int_equal(add(f, "frank", "10.0.0.66", &d), -EEXIST);
		assert_true(tu_fingerprint(f->tmp) == before);
	}
}

static void
test_ids_not_reused(void **state)
{
	struct fx *f = *state;
	struct client a, b;
	struct diag d;

	assert_int_equal(add(f, "a", "10.0.0.1", &d), 0);
	assert_int_equal(get(f, "a", &a), 0);
	assert_int_equal(del(f, "a", 1, &d), 0);
	assert_int_equal(add(f, "a", "10.0.0.1", &d), 0);
	assert_int_equal(get(f, "a", &b), 0);
	assert_int_not_equal(a.uid, b.uid);
	assert_int_not_equal(a.export_id, b.export_id);
}

static void
test_id_range_exhaustion(void **state)
{
	struct fx *f = *state;
	struct client c, *v;
	struct diag d;
	size_t n, i, j;

	f->conf.uid_min = 3900000;
	f->conf.uid_max = 3900002;
	assert_int_equal(add(f, "a", "10.0.0.1", &d), 0);
	assert_int_equal(add(f, "b", "10.0.0.2", &d), 0);
	assert_int_equal(add(f, "c", "10.0.0.3", &d), 0);
	assert_int_equal(add(f, "d", "10.0.0.4", &d), -ENOSPC);
	assert_int_equal(d.status, EXIT_RUNTIME);
	assert_int_equal(del(f, "b", 1, &d), 0);
	/* after the range is used up, a freed uid is found again */
	assert_int_equal(add(f, "d", "10.0.0.4", &d), 0);
	assert_int_equal(get(f, "d", &c), 0);
	assert_int_equal(c.uid, 3900001);
	n = list(f, &v);
	assert_int_equal(n, 3);
	for (i = 0; i < n; i++)
		for (j = 0; j < i; j++) {
			assert_int_not_equal(v[i].uid, v[j].uid);
			assert_int_not_equal(v[i].export_id, v[j].export_id);
		}
	free(v);
}

static void
test_quota_update(void **state)
{
	struct fx *f = *state;
	struct registry reg;
	struct client c;
	struct diag d;

	assert_int_equal(add(f, "a", "10.0.0.1", &d), 0);
	assert_int_equal(registry_open(&reg, &f->conf, 1, &d), 0);
	assert_int_equal(registry_set_quota(&reg, "a", 3ULL << 30, 0, &d), 0);
	registry_close(&reg);
	assert_int_equal(get(f, "a", &c), 0);
	assert_true(c.quota == 3ULL << 30);
	assert_true(c.inodes == DEFAULT_INODES);	/* 0: unchanged */
	assert_int_equal(registry_open(&reg, &f->conf, 1, &d), 0);
	assert_int_equal(registry_set_quota(&reg, "a", 0, 77, &d), 0);
	registry_close(&reg);
	assert_int_equal(get(f, "a", &c), 0);
	assert_true(c.quota == 3ULL << 30);
	assert_true(c.inodes == 77);
}

/* Reject a corrupt or hand-edited record with its path, and list nothing. */
static void
test_corrupt_record(void **state)
{
	struct fx *f = *state;
	struct registry reg;
	struct client *v;
	struct diag d;
	char path[1200];
	size_t n;

	assert_int_equal(add(f, "a", "10.0.0.1", &d), 0);
	snprintf(path, sizeof(path), "%s/clients/a", f->conf.state_dir);
	tu_write(path, "name = \"a\";\nhost = \"10.0.0.1 *(rw)\";\nquota = 1L;\n"
	    "uid = 5L;\ngid = 5L;\nexport_id = 9L;\ncreated = 0L;\n");
	assert_int_equal(registry_open(&reg, &f->conf, 0, &d), 0);
	assert_int_equal(registry_list(&reg, &v, &n, &d), -EINVAL);
	assert_non_null(strstr(d.msg, path));
	assert_int_equal(d.status, EXIT_RUNTIME);

	tu_write(path, "name = \"a\";\nhost = ;\n");
	assert_int_equal(registry_list(&reg, &v, &n, &d), -EINVAL);
	assert_non_null(strstr(d.msg, ":2:"));
	/* what the renderers do not know of is checked here: no quota, a
	 * head that is no name, leaving the head it is on */
	tu_write(path, "name = \"a\";\nhost = \"10.0.0.1\";\nquota = 0L;\n"
	    "uid = 5L;\ngid = 5L;\nexport_id = 9L;\ncreated = 0L;\n");
	assert_int_equal(registry_list(&reg, &v, &n, &d), -EINVAL);
	assert_non_null(strstr(d.msg, "corrupt record: bad \"quota\""));
	tu_write(path, "name = \"a\";\nhost = \"10.0.0.1\";\nquota = 1L;\n"
	    "uid = 5L;\ngid = 5L;\nexport_id = 9L;\ncreated = 0L;\n"
	    "head = \"../h\";\n");
	assert_int_equal(registry_list(&reg, &v, &n, &d), -EINVAL);
	assert_non_null(strstr(d.msg, "corrupt record: "));
	tu_write(path, "name = \"a\";\nhost = \"10.0.0.1\";\nquota = 1L;\n"
	    "uid = 5L;\ngid = 5L;\nexport_id = 9L;\ncreated = 0L;\n"
	    "head = \"h1\";\nleaving = \"h1\";\n");
	assert_int_equal(registry_list(&reg, &v, &n, &d), -EINVAL);
	assert_non_null(strstr(d.msg, "corrupt record: leaving the head it "
	    "is on"));
	tu_write(path, "name = \"a\";\nhost = \"10.0.0.1\";\nquota = 1L;\n"
	    "uid = 0L;\ngid = 5L;\nexport_id = 9L;\ncreated = 0L;\n");
	assert_int_equal(registry_list(&reg, &v, &n, &d), -EINVAL);
	registry_close(&reg);
	/* a corrupt record still holds its host */
	assert_int_equal(add(f, "b", "10.0.0.1", &d), -EINVAL);
	assert_int_equal(add(f, "b", "10.0.0.0/24", &d), -EINVAL);
	assert_non_null(strstr(d.msg, "corrupt"));
}

/* ---- processes ----------------------------------------------------- */

#define NPROC 50

static void
test_concurrent_adds(void **state)
{
	struct fx *f = *state;
	pid_t pids[NPROC];
	struct client *v;
	int i, j, st, nproc = getenv("NFSWAP_UNDER_VALGRIND") ? 10 : NPROC;
	size_t n;

	for (i = 0; i < nproc; i++) {
		if ((pids[i] = fork()) == 0) {
			char name[32], host[32];
			struct diag d;
			snprintf(name, sizeof(name), "pc%02d", i);
			snprintf(host, sizeof(host), "10.1.%d.%d", i / 200, i % 200 + 1);
			_exit(add(f, name, host, &d) == 0 ? 0 : 1);
		}
		assert_true(pids[i] > 0);
	}
	for (i = 0; i < nproc; i++) {
		assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	n = list(f, &v);
	assert_int_equal(n, nproc);
	for (i = 0; i < nproc; i++)
		for (j = 0; j < i; j++) {
			assert_int_not_equal(v[i].uid, v[j].uid);
			assert_int_not_equal(v[i].export_id, v[j].export_id);
		}
	free(v);
	assert_int_equal(audit_problems(f), 0);
}

/* Many processes race for one host: exactly one wins. */
static void
test_concurrent_same_host(void **state)
{
	struct fx *f = *state;
	pid_t pids[20];
	int i, st, wins = 0;

	for (i = 0; i < 20; i++) {
		if ((pids[i] = fork()) == 0) {
			char name[32];
			struct diag d;
			snprintf(name, sizeof(name), "racer%d", i);
			_exit(add(f, name, "10.2.0.1", &d) == 0 ? 0 : 1);
		}
	}
	for (i = 0; i < 20; i++) {
		assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
		wins += WIFEXITED(st) && WEXITSTATUS(st) == 0;
	}
	assert_int_equal(wins, 1);
}

static int
killed_at(struct fx *f, const char *point, int (*op)(struct fx *))
{
	pid_t pid;
	int st;

	if ((pid = fork()) == 0) {
		setenv("NFSWAP_CRASHPOINT", point, 1);
		_exit(op(f) == 0 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL;
}

static int
op_add(struct fx *f)
{
	struct diag d;
	return add(f, "victim", "10.3.0.1", &d);
}

static int
op_remove(struct fx *f)
{
	struct diag d;
	char p[1200];
	int i;

	for (i = 0; i < 4; i++) {	/* something to purge */
		snprintf(p, sizeof(p), "%s/victim/f%d", f->conf.export_root, i);
		tu_write(p, "x");
	}
	return del(f, "victim", 1, &d);
}

/* Entries in a directory (not . and ..). */
static int
tu_count(const char *dir)
{
	struct dirent *e;
	DIR *dp = opendir(dir);
	int n = 0;

	if (dp == NULL)
		return -1;
	while ((e = readdir(dp)) != NULL)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(dp);
	return n;
}

/*
 * SIGKILL at each step of add and remove: afterwards the registry reads
 * cleanly and holds either the old or the new state, and the operation
 * can be done again.
 */
static void
test_kill_mid_write(void **state)
{
	static const char *const add_points[] = {
		"add:before-dir", "add:before-index", "add:before-counters",
		"file_replace:written@1", "file_replace:before-rename@1",
		"file_replace:renamed@1", "add:before-record",
		"file_replace:written@2", "file_replace:before-rename@2",
		"file_replace:renamed@2", "add:done",
	};
	static const char *const remove_points[] = {
		"remove:before-record", "remove:before-index",
		"remove:before-rename", "remove:renamed", "purge:entry@2",
		"purge:before-entry",
	};
	struct fx *f = *state;
	struct client c, *v;
	struct diag d;
	size_t i, n;

	assert_int_equal(add(f, "bystander", "10.3.0.2", &d), 0);
	for (i = 0; i < sizeof(add_points) / sizeof(add_points[0]); i++) {
		if (!killed_at(f, add_points[i], op_add))
			fail_msg("crash point %s was never reached", add_points[i]);
		n = list(f, &v);	/* fails the test if anything is torn */
		free(v);
		if (get(f, "victim", &c) == 0) {
			/* new state: complete, and audit has nothing to say */
			assert_int_equal(n, 2);
			assert_string_equal(c.host, "10.3.0.1");
			assert_int_equal(audit_problems(f), 0);
		} else {
			/* old state: the add can simply be done again */
			assert_int_equal(n, 1);
			assert_int_equal(add(f, "victim", "10.3.0.1", &d), 0);
		}
		for (size_t k = 0; k < sizeof(remove_points) /
		    sizeof(remove_points[0]) && i == 0; k++) {
			if (!killed_at(f, remove_points[k], op_remove))
				fail_msg("crash point %s was never reached",
				    remove_points[k]);
			n = list(f, &v);
			free(v);
			if (get(f, "victim", &c) == 0)
				assert_int_equal(del(f, "victim", 1, &d), 0);
			else {
				/* a purge cut short: audit says so, and the
				 * next command finishes it */
				if (k >= 2)
					assert_int_equal(audit_problems(f), 1);
				finish(f);
			}
			/* (killed before the index went: a stale entry) */
			assert_true(audit_problems(f) <= (k == 1));
			assert_int_equal(tu_count(f->conf.export_root), 1);
			assert_int_equal(add(f, "victim", "10.3.0.1", &d), 0);
		}
		assert_int_equal(del(f, "victim", 1, &d), 0);
		assert_int_equal(audit_problems(f), 0);
	}
}

/* SIGKILL at random moments while a child adds and removes in a loop. */
static void
test_kill_random(void **state)
{
	struct fx *f = *state;
	struct client *v;
	int round, rounds = getenv("NFSWAP_UNDER_VALGRIND") ? 3 : 30;
	size_t n;

	srand((unsigned)time(NULL));
	for (round = 0; round < rounds; round++) {
		pid_t pid = fork();
		if (pid == 0) {
			struct diag d;
			char name[32], host[32];
			for (int i = 0; ; i++) {
				snprintf(name, sizeof(name), "r%d-%d", round, i % 8);
				snprintf(host, sizeof(host), "10.4.%d.%d", round, i % 8 + 1);
				if (add(f, name, host, &d) < 0)
					del(f, name, i % 2, &d);
			}
		}
		usleep((useconds_t)(rand() % 20000));
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		n = list(f, &v);
		for (size_t i = 0; i < n; i++) {
			struct exports_client e;
			struct diag why;

			registry_export(&v[i], &e);
			assert_int_equal(exports_check_client(&e, &why), 0);
		}
		free(v);
	}
}

/* ---- heads ----------------------------------------------------------- */

static void
two_heads(struct fx *f)
{
	static const char *const names[] = { "h1", "h2" };
	unsigned i;

	for (i = 0; i < 2; i++) {
		snprintf(f->conf.heads[i].name, sizeof(f->conf.heads[i].name),
		    "%s", names[i]);
		snprintf(f->conf.heads[i].address,
		    sizeof(f->conf.heads[i].address), "10.0.0.1%u", i + 1);
	}
	f->conf.nheads = 2;
}

static int
move_now(struct fx *f, const char *name, const char *head, int now,
    struct diag *d)
{
	struct registry reg;
	char from[NAME_MAXLEN + 1];
	int r;

	diag_clear(d);
	if ((r = registry_open(&reg, &f->conf, 1, d)) < 0)
		return r;
	r = registry_move(&reg, name, head, now, from, sizeof(from), d);
	registry_close(&reg);
	return r;
}

static int
move(struct fx *f, const char *name, const char *head, struct diag *d)
{
	return move_now(f, name, head, 1, d);
}

static long
load_of(struct fx *f, const char *head)
{
	struct registry reg;
	struct diag d;
	long n;

	assert_int_equal(registry_open(&reg, &f->conf, 0, &d), 0);
	n = registry_head_load(&reg, head);
	registry_close(&reg);
	return n;
}

static const char *
head_of(struct fx *f, const char *name)
{
	static struct client c;

	assert_int_equal(get(f, name, &c), 0);
	return c.head;
}

/* Placement by load (fewest clients, the first listed among equals), or
 * as asked; moves; an unknown head refused with nothing changed. */
static void
test_heads(void **state)
{
	struct fx *f = *state;
	struct client *v;
	struct diag d;
	struct stat st;
	char path[1200];

	two_heads(f);
	assert_int_equal(add_on(f, "a", "10.5.0.1", NULL, &d), 0);
	assert_int_equal(add_on(f, "b", "10.5.0.2", NULL, &d), 0);
	assert_int_equal(add_on(f, "c", "10.5.0.3", NULL, &d), 0);
	assert_int_equal(add_on(f, "d", "10.5.0.4", "h2", &d), 0);
	assert_string_equal(head_of(f, "a"), "h1");
	assert_string_equal(head_of(f, "b"), "h2");
	assert_string_equal(head_of(f, "c"), "h1");
	assert_string_equal(head_of(f, "d"), "h2");
	assert_int_equal(load_of(f, "h1"), 2);
	assert_int_equal(load_of(f, "h2"), 2);
	assert_int_equal(audit_problems(f), 0);

	assert_int_equal(add_on(f, "e", "10.5.0.5", "h3", &d), -ENOENT);
	assert_int_equal(d.status, EXIT_USAGE);
	assert_non_null(strstr(d.msg, "no head named \"h3\""));
	snprintf(path, sizeof(path), "%s/e", f->conf.export_root);
	assert_int_equal(stat(path, &st), -1);
	assert_int_equal(list(f, &v), 4);
	free(v);

	assert_int_equal(move(f, "c", "h2", &d), 0);
	assert_string_equal(head_of(f, "c"), "h2");
	assert_int_equal(load_of(f, "h1"), 1);
	assert_int_equal(load_of(f, "h2"), 3);
	assert_int_equal(move(f, "c", "h2", &d), -EEXIST);
	assert_int_equal(d.status, EXIT_USAGE);
	assert_int_equal(move(f, "c", "h9", &d), -ENOENT);
	assert_int_equal(move(f, "zz", "h1", &d), -ENOENT);
	assert_string_equal(head_of(f, "c"), "h2");
	/* the next client goes where there is room */
	assert_int_equal(add_on(f, "e", "10.5.0.5", NULL, &d), 0);
	assert_string_equal(head_of(f, "e"), "h1");
	assert_int_equal(del(f, "b", 1, &d), 0);
	assert_int_equal(load_of(f, "h2"), 2);
	assert_int_equal(audit_problems(f), 0);

	/* a placement entry with no record behind it is reported */
	snprintf(path, sizeof(path), "%s/heads/h1/ghost", f->conf.state_dir);
	assert_int_equal(symlink("ghost", path), 0);
	assert_int_equal(audit_problems(f), 1);
	unlink(path);
	/* so is a client on no head while heads are configured */
	f->conf.nheads = 0;
	assert_int_equal(add_on(f, "f", "10.5.0.6", NULL, &d), 0);
	assert_string_equal(head_of(f, "f"), "");
	two_heads(f);
	assert_int_equal(audit_problems(f), 1);
	assert_int_equal(move(f, "f", "h2", &d), 0);
	assert_int_equal(audit_problems(f), 0);
}

/* A move that is not --now: the old head keeps exporting the client (its
 * swap may be in use there) until the move is finished. */
static void
test_move_drains(void **state)
{
	struct fx *f = *state;
	struct client c;
	struct diag d;

	two_heads(f);
	assert_int_equal(add_on(f, "a", "10.7.0.1", "h1", &d), 0);
	assert_int_equal(move_now(f, "a", "h2", 0, &d), 0);
	assert_int_equal(get(f, "a", &c), 0);
	assert_string_equal(c.head, "h2");
	assert_string_equal(c.leaving, "h1");
	assert_int_equal(load_of(f, "h1"), 0);	/* placement: its new head */
	assert_int_equal(load_of(f, "h2"), 1);
	assert_int_equal(audit_problems(f), 0);
	/* asked again without --now: nothing to do, and it says how */
	assert_int_equal(move_now(f, "a", "h2", 0, &d), -EEXIST);
	assert_non_null(strstr(d.msg, "--now"));
	/* moving back cancels the move */
	assert_int_equal(move_now(f, "a", "h1", 0, &d), 0);
	assert_int_equal(get(f, "a", &c), 0);
	assert_string_equal(c.head, "h1");
	assert_string_equal(c.leaving, "");
	/* and --now finishes one */
	assert_int_equal(move_now(f, "a", "h2", 0, &d), 0);
	assert_int_equal(move_now(f, "a", "h2", 1, &d), 0);
	assert_int_equal(get(f, "a", &c), 0);
	assert_string_equal(c.head, "h2");
	assert_string_equal(c.leaving, "");
	assert_int_equal(move_now(f, "a", "h2", 1, &d), -EEXIST);
}

static int
op_move(struct fx *f)
{
	struct diag d;
	return move(f, "victim", "h2", &d);
}

/* SIGKILL inside a move: the record holds the old head or the new one,
 * and at worst one stale placement entry is left, which audit reports. */
static void
test_kill_mid_move(void **state)
{
	static const char *const points[] = {
		"move:before-record", "file_replace:written@1",
		"file_replace:before-rename@1", "file_replace:renamed@1",
	};
	struct fx *f = *state;
	struct diag d;
	size_t i;

	two_heads(f);
	for (i = 0; i < sizeof(points) / sizeof(points[0]); i++) {
		assert_int_equal(add_on(f, "victim", "10.6.0.1", "h1", &d), 0);
		if (!killed_at(f, points[i], op_move))
			fail_msg("crash point %s was never reached", points[i]);
		if (strcmp(head_of(f, "victim"), "h1") == 0) {
			/* old head: one stale entry on h2, and the move again */
			assert_int_equal(audit_problems(f), 1);
			assert_int_equal(move(f, "victim", "h2", &d), 0);
		} else
			assert_true(audit_problems(f) <= 1);
		assert_string_equal(head_of(f, "victim"), "h2");
		assert_int_equal(del(f, "victim", 1, &d), 0);
		assert_int_equal(load_of(f, "h1"), 0);
		assert_int_equal(load_of(f, "h2"), 0);
	}
}

/* ---- what a client can do to its own tree ------------------------------ */

static void
client_dir(struct fx *f, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", f->conf.export_root, name);
}

/* A chain of depth directories "d" below dir, owned by uid; 0 or -errno. */
static int
make_chain(const char *dir, int depth, uid_t uid)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY), next, i;

	for (i = 0; i < depth && fd >= 0; i++) {
		if (mkdirat(fd, "d", 0700) < 0 ||
		    (geteuid() == 0 && fchownat(fd, "d", uid, uid, 0) < 0) ||
		    (next = openat(fd, "d", O_RDONLY | O_DIRECTORY)) < 0) {
			close(fd);
			return -errno;
		}
		close(fd);
		fd = next;
	}
	if (fd >= 0)
		close(fd);
	return 0;
}

/*
 * Finding 4: a 9,000-level chain made inside a client's directory.  The
 * recursive walk crashed (SIGSEGV) audit and show; now the walk stops at
 * its depth bound and says so, audit reports it, and remove --purge still
 * deletes the whole chain (it may not stop at a bound).
 */
static void
test_deep_tree(void **state)
{
	struct fx *f = *state;
	struct dir_usage u;
	struct registry reg;
	struct client c;
	struct store *st;
	struct diag d;
	char dir[1200];
	struct stat sb;

	assert_int_equal(add(f, "deep", "10.8.0.1", &d), 0);
	assert_int_equal(get(f, "deep", &c), 0);
	client_dir(f, "deep", dir, sizeof(dir));
	assert_int_equal(make_chain(dir, 9000, c.uid), 0);

	assert_int_equal(clientdir_usage(dir, c.uid, &u), 0);
	assert_true(u.incomplete);
	assert_non_null(strstr(u.why, "deeper than 32 levels"));
	assert_true(u.inodes == 1 + WALK_MAX_DEPTH + 1);
	assert_int_equal(audit_problems(f), 1);
	/* store_usage (show) as the client: the same, no crash */
	assert_int_equal(registry_open(&reg, &f->conf, 0, &d), 0);
	assert_int_equal(registry_store(&reg, &st, &d), 0);
	assert_int_equal(store_usage(st, c.name, c.uid, c.gid, 0, &u), 0);
	assert_true(u.incomplete && !u.from_quota);
	registry_close(&reg);

	assert_int_equal(del(f, "deep", 1, &d), 0);
	assert_int_equal(stat(dir, &sb), -1);
	assert_int_equal(tu_count(f->conf.export_root), 0);
	assert_int_equal(audit_problems(f), 0);
}

/*
 * Finding 4: 200,000 empty files.  The walk stops at WALK_MAX_ENTRIES and
 * says so, quickly; audit reports it.
 */
static void
test_wide_tree(void **state)
{
	struct fx *f = *state;
	int n = getenv("NFSWAP_UNDER_VALGRIND") ? WALK_MAX_ENTRIES + 100 :
	    200000, i, fd;
	struct dir_usage u;
	struct client c;
	struct diag d;
	char dir[1200], name[32];
	uint64_t t0, ms;

	assert_int_equal(add(f, "wide", "10.8.0.2", &d), 0);
	assert_int_equal(get(f, "wide", &c), 0);
	client_dir(f, "wide", dir, sizeof(dir));
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	for (i = 0; i < n; i++) {
		int nf;

		snprintf(name, sizeof(name), "f%d", i);
		nf = openat(fd, name, O_WRONLY | O_CREAT | O_EXCL, 0600);
		assert_true(nf >= 0);
		close(nf);
	}
	close(fd);
	t0 = mono_ms();
	assert_int_equal(clientdir_usage(dir, c.uid, &u), 0);
	ms = mono_ms() - t0;
	printf("# usage walk of %d files: %llu ms\n", n, (unsigned long long)ms);
	assert_true(u.incomplete);
	assert_non_null(strstr(u.why, "more than 65536 entries"));
	assert_true(u.files == WALK_MAX_ENTRIES);
	t0 = mono_ms();
	/* stopped short; over its inode limit; root made the files */
	assert_int_equal(audit_problems(f), 3);
	ms = mono_ms() - t0;
	printf("# audit of it: %llu ms\n", (unsigned long long)ms);
	if (!getenv("NFSWAP_UNDER_VALGRIND"))
		assert_true(ms < 5000);
	assert_int_equal(del(f, "wide", 1, &d), 0);
	assert_int_equal(tu_count(f->conf.export_root), 0);
}

/*
 * Links a client plants to a root-owned file elsewhere (a hard link, as a
 * LINK over NFS by file handle makes, and a symlink), and a root-owned
 * directory put in its tree: audit and usage read them without following
 * or changing them; purge, run as the client, unlinks the links (the
 * file stays whole, with its other name) and cannot touch the root-owned
 * directory -- the kernel refuses the client -- so it says so and leaves
 * it, with its contents.
 */
static void
test_planted_links(void **state)
{
	struct fx *f = *state;
	char dir[1200], secret[1200], p[1400], *text;
	struct dir_usage u;
	struct client c;
	struct diag d;
	struct stat sb;

	if (geteuid() != 0) {
		skip();
		return;
	}
	assert_int_equal(add(f, "plant", "10.8.0.3", &d), 0);
	assert_int_equal(get(f, "plant", &c), 0);
	client_dir(f, "plant", dir, sizeof(dir));
	snprintf(secret, sizeof(secret), "%s/secret", f->tmp);
	tu_write(secret, "root's own");
	assert_int_equal(chmod(secret, 0600), 0);
	snprintf(p, sizeof(p), "%s/hard", dir);
	assert_int_equal(link(secret, p), 0);
	snprintf(p, sizeof(p), "%s/soft", dir);
	assert_int_equal(symlink(secret, p), 0);
	snprintf(p, sizeof(p), "%s/rootdir", dir);
	assert_int_equal(mkdir(p, 0700), 0);
	strcat(p, "/inside");
	tu_write(p, "root's too");

	assert_int_equal(clientdir_usage(dir, c.uid, &u), 0);
	assert_true(u.foreign == 4);	/* hard, soft, rootdir, inside */
	/* as the client, audit cannot look into rootdir: it says so */
	assert_int_equal(audit_problems(f), 2);
	assert_int_equal(stat(secret, &sb), 0);
	assert_int_equal(sb.st_nlink, 2);

	/* purge as the client: links go, root's directory stays */
	assert_true(del(f, "plant", 1, &d) < 0);
	assert_non_null(strstr(d.msg, "owned by uid 0, not by the client"));
	text = tu_read(secret, NULL);
	assert_string_equal(text, "root's own");
	free(text);
	assert_int_equal(stat(secret, &sb), 0);
	assert_int_equal(sb.st_nlink, 1);
	assert_int_equal(sb.st_uid, 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	snprintf(p, sizeof(p), "%s/" PURGE_PREFIX "plant.%u/rootdir/inside",
	    f->conf.export_root, c.uid);
	text = tu_read(p, NULL);
	assert_non_null(text);
	assert_string_equal(text, "root's too");
	free(text);
	/* what is left is reported, and goes once the admin has dealt
	 * with the root-owned directory */
	assert_int_equal(audit_problems(f), 1);
	snprintf(p, sizeof(p), "%s/" PURGE_PREFIX "plant.%u/rootdir",
	    f->conf.export_root, c.uid);
	assert_int_equal(chown(p, c.uid, c.gid), 0);
	strcat(p, "/inside");
	assert_int_equal(unlink(p), 0);
	assert_int_equal(finish(f), 1);
	assert_int_equal(audit_problems(f), 0);
	assert_int_equal(tu_count(f->conf.export_root), 0);
}

/*
 * Finding 8: remove --purge of a big tree must not hold the registry's
 * exclusive lock while it deletes.  A child removes a client holding
 * FILES files; as soon as the record is gone (the commit point, under the
 * lock), the parent asks for the shared lock as nfswap serve's LOOKUP
 * does, and must have it quickly -- while the data is still there.
 */
static void
test_purge_unlocked(void **state)
{
	struct fx *f = *state;
	int n = getenv("NFSWAP_UNDER_VALGRIND") ? 3000 : 60000, i, fd, st;
	char dir[1200], rec[1200], aside[1300], name[32];
	struct registry reg;
	struct client c;
	struct diag d;
	struct stat sb;
	uint64_t t0, waited, total;
	pid_t pid;
	int still;

	assert_int_equal(add(f, "big", "10.8.0.4", &d), 0);
	assert_int_equal(get(f, "big", &c), 0);
	client_dir(f, "big", dir, sizeof(dir));
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		close(openat(fd, name, O_WRONLY | O_CREAT | O_EXCL, 0600));
	}
	close(fd);
	snprintf(rec, sizeof(rec), "%s/clients/big", f->conf.state_dir);
	snprintf(aside, sizeof(aside), "%s/" PURGE_PREFIX "big.%u",
	    f->conf.export_root, c.uid);
	t0 = mono_ms();
	if ((pid = fork()) == 0) {
		struct diag dd;
		_exit(del(f, "big", 1, &dd) == 0 ? 0 : 1);
	}
	while (stat(rec, &sb) == 0)
		usleep(200);
	usleep(20000);		/* well into the deletion */
	waited = mono_ms();
	assert_int_equal(registry_open(&reg, &f->conf, 0, &d), 0);
	waited = mono_ms() - waited;
	still = stat(dir, &sb) == 0 || stat(aside, &sb) == 0;
	registry_close(&reg);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	total = mono_ms() - t0;
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	printf("# purge of %d files: %llu ms; the shared lock was had after "
	    "%llu ms, data %s\n", n, (unsigned long long)total,
	    (unsigned long long)waited, still ? "still being deleted" :
	    "already gone");
	assert_true(still);
	assert_true(waited < 100);
	assert_int_equal(tu_count(f->conf.export_root), 0);
	assert_int_equal(audit_problems(f), 0);
}

/*
 * Finding 12(a): once the uid range is used up, ids are searched again
 * from the bottom; a uid that still owns a removed client's kept data is
 * not handed out (the new client could read it), until that data goes.
 */
static void
test_kept_uid_not_reused(void **state)
{
	struct fx *f = *state;
	struct client b, c;
	struct diag d;
	char dir[1200], p[1300];

	f->conf.uid_min = 3900000;
	f->conf.uid_max = 3900002;
	assert_int_equal(add(f, "a", "10.0.0.1", &d), 0);
	assert_int_equal(add(f, "b", "10.0.0.2", &d), 0);
	assert_int_equal(add(f, "c", "10.0.0.3", &d), 0);
	assert_int_equal(get(f, "b", &b), 0);
	client_dir(f, "b", dir, sizeof(dir));
	snprintf(p, sizeof(p), "%s/nfswap.0", dir);
	tu_write(p, "b's swap");
	assert_int_equal(del(f, "b", 0, &d), 0);	/* kept */
	assert_int_equal(add(f, "d", "10.0.0.4", &d), -ENOSPC);
	assert_non_null(strstr(d.msg, "kept data"));
	assert_int_equal(get(f, "d", &c), -ENOENT);
	/* the admin deletes the kept data: the uid is free again */
	assert_int_equal(unlink(p), 0);
	assert_int_equal(rmdir(dir), 0);
	assert_int_equal(add(f, "d", "10.0.0.4", &d), 0);
	assert_int_equal(get(f, "d", &c), 0);
	assert_int_equal(c.uid, b.uid);
}

/*
 * Finding 5: each client has an inode limit, recorded; a record written
 * before inode limits loads with the configured default; a bad one is
 * corrupt, with file:line.
 */
static void
test_inode_limits(void **state)
{
	struct fx *f = *state;
	struct registry reg;
	struct client c;
	struct diag d;
	char path[1200];

	assert_int_equal(add(f, "a", "10.0.0.1", &d), 0);
	assert_int_equal(get(f, "a", &c), 0);
	assert_true(c.inodes == DEFAULT_INODES);
	assert_int_equal(registry_open(&reg, &f->conf, 1, &d), 0);
	assert_int_equal(registry_add(&reg, "b", "10.0.0.2", 1 << 20, 40, NULL,
	    &c, &d), 0);
	registry_close(&reg);
	assert_int_equal(get(f, "b", &c), 0);
	assert_true(c.inodes == 40);
	/* an old record: no "inodes" */
	snprintf(path, sizeof(path), "%s/clients/b", f->conf.state_dir);
	tu_write(path, "name = \"b\";\nhost = \"10.0.0.2\";\nquota = 1048576L;\n"
	    "uid = 3000001L;\ngid = 3000001L;\nexport_id = 1001L;\n"
	    "created = 0L;\n");
	f->conf.default_inodes = 99;
	assert_int_equal(get(f, "b", &c), 0);
	assert_true(c.inodes == 99);
	tu_write(path, "name = \"b\";\nhost = \"10.0.0.2\";\nquota = 1048576L;\n"
	    "uid = 3000001L;\ngid = 3000001L;\nexport_id = 1001L;\n"
	    "created = 0L;\ninodes = 0L;\n");
	assert_int_equal(registry_open(&reg, &f->conf, 0, &d), 0);
	assert_int_equal(registry_get(&reg, "b", &c, &d), -EINVAL);
	assert_non_null(strstr(d.msg, "/clients/b:8: corrupt record: bad "
	    "\"inodes\""));
	registry_close(&reg);
}

/* The test's names: /etc/hosts of this process's mount namespace. */
static int dns_ok;

static void
hosts(const char *text)
{
	tu_write("/etc/hosts", text);
}

/*
 * Finding 12(b): a client registered by DNS name is checked, by the
 * addresses its name has at the add, against other clients' addresses
 * and networks, and later addresses and networks against them; a name
 * that does not resolve is added with a warning; audit resolves the
 * names again and reports an overlap that has appeared since.
 */
static void
test_dns_overlap(void **state)
{
	struct fx *f = *state;
	struct registry reg;
	struct client c;
	struct diag d;
	uint64_t before;

	if (!dns_ok) {
		skip();
		return;
	}
	hosts("127.0.0.1 localhost\n10.9.4.2 pc4.lab.example\n"
	    "10.9.5.2 pc5.lab.example\n10.9.6.2 pc6.lab.example\n"
	    "10.9.6.3 pc6.lab.example\n");
	assert_int_equal(add(f, "alice", "10.9.4.2", &d), 0);
	before = tu_fingerprint(f->tmp);
	assert_int_equal(add(f, "dave", "pc4.lab.example", &d), -EEXIST);
	assert_int_equal(d.status, EXIT_USAGE);
	assert_string_equal(d.msg, "host pc4.lab.example (resolving to "
	    "10.9.4.2) overlaps 10.9.4.2, which belongs to client \"alice\"");
	assert_true(tu_fingerprint(f->tmp) == before);
	/* a name is kept with its addresses; later hosts meet them */
	assert_int_equal(add(f, "erin", "pc6.lab.example", &d), 0);
	assert_int_equal(get(f, "erin", &c), 0);
	assert_int_equal(c.naddrs, 2);
	before = tu_fingerprint(f->tmp);
	assert_int_equal(add(f, "frank", "10.9.6.3", &d), -EEXIST);
	assert_non_null(strstr(d.msg, "client \"erin\""));
	assert_int_equal(add(f, "frank", "10.9.6.0/24", &d), -EEXIST);
	assert_non_null(strstr(d.msg, "client \"erin\""));
	assert_true(tu_fingerprint(f->tmp) == before);
	/* a name that does not resolve: added, with a warning */
	assert_int_equal(registry_open(&reg, &f->conf, 1, &d), 0);
	assert_int_equal(registry_add(&reg, "gina", "pc7.lab.example", 1 << 20,
	    10, NULL, &c, &d), 0);
	assert_non_null(strstr(reg.warning, "does not resolve now"));
	registry_close(&reg);
	assert_int_equal(audit_problems(f), 0);
	/* DNS changes: pc7 now points at alice's address; audit says so */
	hosts("127.0.0.1 localhost\n10.9.4.2 pc4.lab.example\n"
	    "10.9.6.2 pc6.lab.example\n10.9.6.3 pc6.lab.example\n"
	    "10.9.4.2 pc7.lab.example\n");
	assert_int_equal(audit_problems(f), 1);
	/* removing erin frees its addresses */
	assert_int_equal(del(f, "erin", 1, &d), 0);
	assert_int_equal(add(f, "frank", "10.9.6.3", &d), 0);
}

/* Name lookups in a mount namespace of the test's own: /etc/hosts and
 * nsswitch.conf ("hosts: files") bound over the real ones. */
static void
private_names(void)
{
	static char dir[] = "/tmp/nfswap-names.XXXXXX";
	char h[64], n[64];

	if (geteuid() != 0 || unshare(CLONE_NEWNS) < 0 ||
	    mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mkdtemp(dir) == NULL)
		return;
	snprintf(h, sizeof(h), "%s/hosts", dir);
	snprintf(n, sizeof(n), "%s/nsswitch.conf", dir);
	tu_write(h, "127.0.0.1 localhost\n");
	tu_write(n, "hosts: files\n");
	/* (the type is ignored; valgrind wants one) */
	if (mount(h, "/etc/hosts", "none", MS_BIND, NULL) == 0 &&
	    mount(n, "/etc/nsswitch.conf", "none", MS_BIND, NULL) == 0)
		dns_ok = 1;
	unlink(h);
	unlink(n);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_add_get_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals_change_nothing, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_ids_not_reused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_id_range_exhaustion, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_quota_update, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_adds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_same_host, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_kill_mid_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kill_random, setup, teardown),
		cmocka_unit_test_setup_teardown(test_heads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_move_drains, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kill_mid_move, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_deep_tree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wide_tree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_planted_links, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_purge_unlocked, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_kept_uid_not_reused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_inode_limits, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_dns_overlap, setup,
		    teardown),
	};
	private_names();
	return cmocka_run_group_tests_name("registry", tests, NULL, NULL);
}
