/*
 * test_registry.c -- the registry on a scratch state_dir/export_root:
 * add/get/list/remove, refusals that change nothing, id allocation,
 * concurrent writers in separate processes, and SIGKILL at every step of
 * a write (NFSWAP_CRASHPOINT) and at random moments.
 */
#include <sys/stat.h>
#include <sys/wait.h>
#include <errno.h>
#include <signal.h>
#include <time.h>

#include "testutil.h"
#include "nfswap.h"

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
	r = registry_add(&reg, name, host, 1ULL << 30, head, &c, d);
	registry_close(&reg);
	return r;
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

	diag_clear(d);
	if ((r = registry_open(&reg, &f->conf, 1, d)) < 0)
		return r;
	r = registry_remove(&reg, name, purge, d);
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
	assert_int_equal(registry_add(&reg, "carol", "10.0.0.6", 0, NULL, NULL, &d),
	    -EINVAL);
	assert_int_equal(registry_set_quota(&reg, "alice", 0, &d), -EINVAL);
	assert_int_equal(registry_set_quota(&reg, "nobody", 1024, &d), -ENOENT);
	assert_int_equal(registry_remove(&reg, "nobody", 1, &d), -ENOENT);
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
	assert_int_equal(registry_set_quota(&reg, "a", 3ULL << 30, &d), 0);
	registry_close(&reg);
	assert_int_equal(get(f, "a", &c), 0);
	assert_true(c.quota == 3ULL << 30);
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
	return del(f, "victim", 1, &d);
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
		"remove:before-purge",
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
			/* the directory may be left (kept data): purge it */
			{
				char p[1200];
				snprintf(p, sizeof(p), "%s/victim",
				    f->conf.export_root);
				clientdir_purge(p, &d);
			}
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
			const char *why;
			assert_int_equal(exports_check_client(&v[i], &why), 0);
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
	};
	return cmocka_run_group_tests_name("registry", tests, NULL, NULL);
}
