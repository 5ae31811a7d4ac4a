/*
 * test_policy.c -- policy_step() driven through tables of samples with
 * explicit now_ms: every transition of the four states, cooldown expiry,
 * diet on each failure kind, the file cap, the quota, the choice of the file
 * to drop; a long random run that checks the invariants of every action;
 * docs/fsm.dot against the table of edges; and the swapspace model used by
 * the simulator against its written rules.
 */
#include <errno.h>

#include "testutil.h"
#include "common.h"
#include "policy.h"
#include "swapspace.h"

#define MiB	(1024ULL * 1024)
#define SEC	1000ULL
#define COOL	(600 * SEC)

/* Every transition seen by any test, to compare with policy_edges[]. */
static int seen[POLICY_NSTATES][POLICY_NSTATES];

static struct policy_action
step(struct policy *p, const struct policy_sample *s, uint64_t now)
{
	enum policy_state from = p->state;
	uint64_t entered = p->entered_ms;
	struct policy_action a = policy_step(p, s, now);

	assert_int_equal(a.state, p->state);
	assert_non_null(a.why);
	if (from != p->state || entered != p->entered_ms)
		seen[from][p->state] = 1;
	return a;
}

/* A machine: RAM, free RAM, and our files (size, used) in MiB. */
struct file_spec { uint64_t size, used; };

static struct policy_sample
sample(uint64_t ram, uint64_t avail, unsigned n, const struct file_spec *f)
{
	struct policy_sample s;
	unsigned i;

	memset(&s, 0, sizeof(s));
	s.mem_total = ram * MiB;
	s.mem_available = avail * MiB;
	s.nfiles = n;
	for (i = 0; i < n; i++) {
		snprintf(s.files[i].name, POLICY_NAME_MAX, "nfswap.%u", i);
		s.files[i].size = f[i].size * MiB;
		s.files[i].used = f[i].used * MiB;
		s.swap_total += s.files[i].size;
		s.swap_free += s.files[i].size - s.files[i].used;
	}
	return s;
}

static void
outcome(struct policy_sample *s, enum policy_act a, enum policy_outcome o,
    uint64_t bytes, uint64_t ms)
{
	s->last.act = a;
	s->last.outcome = o;
	s->last.bytes = bytes;
	s->last.elapsed_ms = ms;
}

static void
short_hold(struct policy_config *c)
{
	c->peak_hold_ms = SEC;		/* past peaks do not keep swap here */
}

static void
init(struct policy *p, void (*tweak)(struct policy_config *))
{
	struct policy_config c;
	struct diag why;

	policy_config_defaults(&c);
	/* No standby reserve unless a test asks for one (test_reserve_*):
	 * the machine's other rules are seen on their own. */
	c.reserve_pct = 0;
	if (tweak)
		tweak(&c);
	assert_int_equal(policy_config_check(&c, &why), 0);
	policy_init(p, &c);
}

/* Settle a policy on a flat sample for a while, one step a second. */
static struct policy_action
hold(struct policy *p, const struct policy_sample *s, uint64_t *now,
    uint64_t secs)
{
	struct policy_action a;
	uint64_t end = *now + secs * SEC;

	memset(&a, 0, sizeof(a));
	for (; *now < end; *now += SEC) {
		a = step(p, s, *now);
		if (a.act != POLICY_NONE)
			break;
	}
	return a;
}

static void
test_defaults_are_swapspaces(void **state)
{
	struct policy_config c;
	struct diag why;

	(void)state;
	policy_config_defaults(&c);
	assert_int_equal(c.lower_freelimit, 20);
	assert_int_equal(c.upper_freelimit, 60);
	assert_int_equal(c.freetarget, 30);
	assert_int_equal(c.cooldown_ms, COOL);
	assert_int_equal(c.min_swapsize, 4 * MiB);
	assert_int_equal(policy_config_check(&c, &why), 0);
}

static void
test_config_check(void **state)
{
	struct policy_config c;
	struct diag why;
	int i;

	(void)state;
	for (i = 0; i < 12; i++) {
		policy_config_defaults(&c);
		switch (i) {
		case 0: c.lower_freelimit = 30; break;	/* == freetarget */
		case 1: c.freetarget = 60; break;	/* == upper */
		case 2: c.upper_freelimit = 101; break;
		case 3: c.min_swapsize = 4096; break;
		case 4: c.max_swapsize = 2 * MiB; break;
		case 5: c.max_files = 0; break;
		case 6: c.max_files = 33; break;
		case 7: c.quota = MiB; break;
		case 8: c.poll_ms = 1; break;
		case 9: c.alloc_rate = 1000; break;
		case 10: c.max_total_pct = 50; break;	/* < reserve (100) */
		case 11: c.reserve_pct = 401; c.max_total_pct = 0; break;
		}
		diag_clear(&why);
		if (policy_config_check(&c, &why) != -EINVAL)
			fail_msg("config case %d accepted", i);
		assert_true(why.msg[0] != '\0');
	}
}

/* steady -> grow when free is below the lower limit; ok -> hungry. */
static void
test_grow_when_short(void **state)
{
	struct policy p;
	struct policy_sample s = sample(512, 40, 0, NULL);	/* 8 % free */
	struct policy_action a;

	(void)state;
	init(&p, NULL);
	a = step(&p, &s, 1000);
	assert_int_equal(a.act, POLICY_GROW);
	assert_int_equal(a.state, POLICY_STEADY);
	assert_true(a.bytes >= 4 * MiB && a.bytes <= 1024 * MiB);
	/* The file brings free back to at least the target. */
	assert_true((40 * MiB + a.bytes) * 100 >= 30 * (512 * MiB + a.bytes));
	s = sample(512, 40, 1, (struct file_spec[]){ { a.bytes / MiB, 0 } });
	outcome(&s, POLICY_GROW, POLICY_OK, a.bytes, 20000);
	a = step(&p, &s, 21000);
	assert_int_equal(a.state, POLICY_HUNGRY);
	assert_int_equal(a.act, POLICY_NONE);
	/* The measured speed replaced the configured guess. */
	assert_true(p.alloc_rate > 0.99 * (double)s.last.bytes / 20.0 &&
	    p.alloc_rate < 1.01 * (double)s.last.bytes / 20.0);
}

/*
 * Swap that inactive anonymous pages in RAM will take when reclaim starts
 * is not counted as free: the same machine with the same swap grows when
 * 200 MiB of such pages wait, and does not when none do.
 */
static void
test_inflight_reserve(void **state)
{
	struct policy p, q;
	struct policy_sample s = sample(512, 100, 1,
	    (struct file_spec[]){ { 200, 0 } });	/* 300 of 712: 42 % */
	struct policy_action a;

	(void)state;
	init(&p, NULL);
	a = step(&p, &s, 1000);
	assert_int_equal(a.act, POLICY_NONE);
	init(&q, NULL);
	s.anon_inactive = 200 * MiB;			/* 100 of 712: 14 % */
	a = step(&q, &s, 1000);
	assert_int_equal(a.act, POLICY_GROW);
	/* Never more than the swap there is: 900 MiB of such pages count as
	 * the 200 of swap, not as negative free. */
	init(&q, NULL);
	s.anon_inactive = 900 * MiB;
	a = step(&q, &s, 1000);
	assert_int_equal(a.act, POLICY_GROW);
	assert_true(a.bytes <= 1024 * MiB);
}

/* Comfortable and flat: nothing to do, ever. */
static void
test_steady_stays(void **state)
{
	struct policy p;
	struct policy_sample s = sample(512, 200, 0, NULL);	/* 39 % */
	uint64_t now = 0;
	struct policy_action a;

	(void)state;
	init(&p, NULL);
	a = hold(&p, &s, &now, 3600);
	assert_int_equal(a.act, POLICY_NONE);
	assert_int_equal(p.state, POLICY_STEADY);
}

/* Memory in use rising: it grows while free is still above the lower
 * limit, early enough that the file is ready before the limit is hit. */
static void
test_acts_ahead_of_a_rise(void **state)
{
	struct policy p;
	struct policy_sample s;
	struct policy_action a;
	uint64_t t, avail = 250;

	(void)state;
	init(&p, NULL);
	for (t = 0; t < 120; t++) {
		s = sample(512, avail, 0, NULL);
		a = step(&p, &s, t * SEC);
		if (a.act == POLICY_GROW)
			break;
		avail -= 4;		/* 4 MiB/s */
	}
	assert_int_equal(a.act, POLICY_GROW);
	/* swapspace would wait for 20 % (102 MiB); this is well before. */
	assert_true(avail * 100 > 25 * 512);
	/* Ready in time at the configured 4 MiB/s: free stays above 0. */
	assert_true((double)avail - 4.0 * ((double)(a.bytes / MiB) / 4.0 + 1) > 0);
}

/* hungry: no drop within the cooldown, even with a big surplus; at its
 * end, overfed (free above the upper limit). */
static void
test_hungry_cooldown(void **state)
{
	struct policy p;
	struct policy_sample s = sample(512, 40, 0, NULL);
	struct policy_action a;
	uint64_t now = 1000;

	(void)state;
	init(&p, short_hold);
	a = step(&p, &s, now);
	assert_int_equal(a.act, POLICY_GROW);
	now += 10 * SEC;
	s = sample(512, 500, 1, (struct file_spec[]){ { 256, 0 } });
	outcome(&s, POLICY_GROW, POLICY_OK, 256 * MiB, 10000);
	a = step(&p, &s, now);
	assert_int_equal(a.state, POLICY_HUNGRY);
	memset(&s.last, 0, sizeof(s.last));
	/* One second before the cooldown ends: still hungry, nothing dropped. */
	a = step(&p, &s, now + COOL - 1);
	assert_int_equal(a.state, POLICY_HUNGRY);
	assert_int_equal(a.act, POLICY_NONE);
	a = step(&p, &s, now + COOL);
	assert_int_equal(a.state, POLICY_OVERFED);
}

/* hungry -> steady at the end of the cooldown when there is no surplus. */
static void
test_hungry_to_steady(void **state)
{
	struct policy p;
	struct policy_sample s = sample(512, 40, 0, NULL);
	struct policy_action a;

	(void)state;
	init(&p, NULL);
	a = step(&p, &s, 0);
	assert_int_equal(a.act, POLICY_GROW);
	s = sample(512, 40, 1, (struct file_spec[]){ { 200, 0 } });
	outcome(&s, POLICY_GROW, POLICY_OK, 200 * MiB, 25000);
	a = step(&p, &s, 25 * SEC);
	assert_int_equal(a.state, POLICY_HUNGRY);
	memset(&s.last, 0, sizeof(s.last));
	a = step(&p, &s, 25 * SEC + COOL);
	assert_int_equal(a.state, POLICY_STEADY);
	assert_int_equal(a.act, POLICY_NONE);
}

/* A grow that succeeds while hungry resets the timer (hungry -> hungry). */
static void
test_hungry_grow_again(void **state)
{
	struct policy p;
	struct policy_sample s = sample(512, 40, 0, NULL);
	struct policy_action a;

	(void)state;
	init(&p, NULL);
	a = step(&p, &s, 0);
	s = sample(512, 10, 1, (struct file_spec[]){ { 128, 128 } });
	outcome(&s, POLICY_GROW, POLICY_OK, 128 * MiB, 16000);
	a = step(&p, &s, 16 * SEC);
	/* Still short (10 MiB free, the file full): grows again, hungry. */
	assert_int_equal(a.state, POLICY_HUNGRY);
	assert_int_equal(a.act, POLICY_GROW);
	uint64_t entered = p.entered_ms;
	s = sample(512, 10, 2, (struct file_spec[]){ { 128, 128 }, { 256, 0 } });
	outcome(&s, POLICY_GROW, POLICY_OK, 256 * MiB, 32000);
	a = step(&p, &s, 48 * SEC);
	assert_int_equal(a.state, POLICY_HUNGRY);
	assert_true(p.entered_ms > entered);
}

/* overfed: drops only after the surplus has lasted the cooldown, then
 * drains one file per drain interval, the largest droppable first, and
 * goes back to steady when nothing more may go. */
static void
test_overfed_drain(void **state)
{
	static const struct file_spec f[3] = {
		{ 64, 0 }, { 256, 0 }, { 128, 0 }
	};
	struct policy p;
	struct policy_sample s = sample(512, 400, 3, f);
	struct policy_action a;
	uint64_t now = 0;

	(void)state;
	init(&p, NULL);
	a = step(&p, &s, now);
	assert_int_equal(a.state, POLICY_OVERFED);
	a = hold(&p, &s, &now, 600);
	assert_int_equal(a.act, POLICY_NONE);	/* not before the cooldown */
	a = step(&p, &s, now);
	assert_int_equal(now, COOL);
	assert_int_equal(a.act, POLICY_SHRINK);
	assert_string_equal(a.name, "nfswap.1");	/* the largest */
	assert_int_equal(a.bytes, 256 * MiB);

	struct file_spec g[2] = { { 64, 0 }, { 128, 0 } };
	s = sample(512, 400, 2, g);
	outcome(&s, POLICY_SHRINK, POLICY_OK, 0, 0);
	now += SEC;
	a = step(&p, &s, now);
	assert_int_equal(a.act, POLICY_NONE);	/* the drain interval */
	memset(&s.last, 0, sizeof(s.last));
	a = hold(&p, &s, &now, 60);
	assert_int_equal(a.act, POLICY_SHRINK);
	assert_string_equal(a.name, "nfswap.1");	/* the 128 now */
	assert_true(now - COOL <= 31 * SEC);
}

/* Among files of one size, the least used goes; a file whose pages would
 * not fit in what remains never goes. */
static void
test_shrink_choice(void **state)
{
	struct policy p;
	struct policy_sample s;
	struct policy_action a;
	uint64_t now = 0;

	(void)state;
	init(&p, NULL);
	s = sample(1024, 900, 3, (struct file_spec[]){
	    { 128, 100 }, { 128, 3 }, { 128, 50 } });
	a = hold(&p, &s, &now, 700);
	assert_int_equal(a.act, POLICY_SHRINK);
	assert_string_equal(a.name, "nfswap.1");

	/* Memory past RAM, the big file mostly used: neither file may go
	 * (the big one's pages would not fit; without the small one free
	 * would fall below the target). */
	init(&p, NULL);
	now = 0;
	s = sample(512, 0, 2, (struct file_spec[]){ { 1024, 700 }, { 64, 0 } });
	a = hold(&p, &s, &now, 1300);
	assert_int_equal(a.act, POLICY_NONE);
}

/* overfed -> steady when nothing can be dropped any more. */
static void
test_overfed_to_steady(void **state)
{
	struct policy p;
	struct policy_sample s = sample(512, 400, 1, (struct file_spec[]){ { 64, 0 } });
	struct policy_action a;

	(void)state;
	init(&p, NULL);
	a = step(&p, &s, 0);
	assert_int_equal(a.state, POLICY_OVERFED);
	/* Memory is now used: the file is needed. */
	s = sample(512, 150, 1, (struct file_spec[]){ { 64, 0 } });
	a = step(&p, &s, SEC);
	assert_int_equal(a.state, POLICY_STEADY);
}

/* A surplus that ends resets its clock: no drop at the old deadline. */
static void
test_surplus_must_be_continuous(void **state)
{
	struct policy p;
	struct policy_sample rich = sample(512, 400, 1, (struct file_spec[]){ { 128, 0 } });
	struct policy_sample busy = sample(512, 120, 1, (struct file_spec[]){ { 128, 0 } });
	struct policy_action a;
	uint64_t now = 0;

	(void)state;
	init(&p, NULL);
	a = hold(&p, &rich, &now, 500);
	assert_int_equal(a.act, POLICY_NONE);
	step(&p, &busy, now);
	now += SEC;
	a = hold(&p, &rich, &now, 300);	/* past the first deadline */
	assert_int_equal(a.act, POLICY_NONE);
}

/* Nothing is dropped within a cooldown of the last growth, and never a
 * file the recent peak would need. */
static void
test_peak_is_remembered(void **state)
{
	struct policy p;
	struct policy_sample s;
	struct policy_action a;
	uint64_t now = 0;
	const struct file_spec f[1] = { { 400, 0 } };

	(void)state;
	init(&p, NULL);
	s = sample(512, 0, 1, (struct file_spec[]){ { 400, 300 } });	/* peak 812 */
	step(&p, &s, now);
	now += SEC;
	s = sample(512, 400, 1, f);
	a = hold(&p, &s, &now, 1150);	/* < 2 cooldowns after the peak */
	assert_int_equal(a.act, POLICY_NONE);
	a = hold(&p, &s, &now, 700);	/* the peak is forgotten */
	assert_int_equal(a.act, POLICY_SHRINK);
}

static void
fail_kind(enum policy_outcome o)
{
	struct policy p;
	struct policy_sample s = sample(512, 40, 0, NULL);
	struct policy_action a;
	uint64_t now = 0;

	init(&p, NULL);
	a = step(&p, &s, now);
	assert_int_equal(a.act, POLICY_GROW);
	now += 10 * SEC;
	outcome(&s, POLICY_GROW, o, 80 * MiB, 10000);
	a = step(&p, &s, now);
	if (a.state != POLICY_DIET)
		fail_msg("%s did not lead to diet", policy_outcome_name(o));
	assert_int_equal(a.act, POLICY_NONE);
	assert_int_equal(p.diet_cause, o);
	/* In diet nothing is added, however short memory is. */
	memset(&s.last, 0, sizeof(s.last));
	s.mem_available = 5 * MiB;
	now += SEC;
	a = hold(&p, &s, &now, 598);
	assert_int_equal(a.act, POLICY_NONE);
	assert_int_equal(p.state, POLICY_DIET);
	/* After the cooldown: steady, and growing again -- except after I/O
	 * errors, and within what EDQUOT taught. */
	now = 10 * SEC + COOL;
	a = step(&p, &s, now);
	assert_int_not_equal(p.state, POLICY_DIET);
	if (o == POLICY_EIO) {
		assert_int_equal(a.act, POLICY_NONE);
		assert_non_null(strstr(a.why, "I/O"));
	} else if (o == POLICY_EDQUOT) {
		assert_int_equal(a.act, POLICY_GROW);
		assert_true(a.bytes <= 80 * MiB);
	} else
		assert_int_equal(a.act, POLICY_GROW);
}

static void test_diet_enospc(void **s) { (void)s; fail_kind(POLICY_ENOSPC); }
static void test_diet_edquot(void **s) { (void)s; fail_kind(POLICY_EDQUOT); }
static void test_diet_eio(void **s) { (void)s; fail_kind(POLICY_EIO); }
static void test_diet_swapon(void **s) { (void)s; fail_kind(POLICY_SWAPON_REFUSED); }
static void test_diet_other(void **s) { (void)s; fail_kind(POLICY_FAILED); }

/* Swap I/O errors seen in the kernel log, with no action: diet, for good. */
static void
test_diet_async_eio(void **state)
{
	struct policy p;
	struct policy_sample s = sample(512, 200, 1, (struct file_spec[]){ { 64, 10 } });
	struct policy_action a;

	(void)state;
	init(&p, NULL);
	step(&p, &s, 0);
	outcome(&s, POLICY_NONE, POLICY_EIO, 0, 0);
	a = step(&p, &s, SEC);
	assert_int_equal(a.state, POLICY_DIET);
	assert_true(p.io_failed);
	/* Another report while in diet restarts its clock (diet -> diet). */
	uint64_t e = p.entered_ms;
	a = step(&p, &s, 2 * SEC);
	assert_int_equal(a.state, POLICY_DIET);
	assert_true(p.entered_ms > e);
}

/* Failed swap writes in the kernel log (the kernel kept the pages): diet,
 * then no growth until error_hold has passed since the last one -- and
 * growth again after that, unlike a lost page. */
static void
test_diet_swap_write(void **state)
{
	struct policy p;
	struct policy_sample s = sample(512, 200, 1, (struct file_spec[]){ { 64, 10 } });
	struct policy_action a;
	uint64_t now = 0, hold_ms;

	(void)state;
	init(&p, NULL);
	hold_ms = p.cfg.error_hold_ms;
	assert_true(hold_ms > p.cfg.cooldown_ms);
	step(&p, &s, now);
	now += SEC;
	outcome(&s, POLICY_NONE, POLICY_SWAP_WRITE, 0, 0);
	a = step(&p, &s, now);
	assert_int_equal(a.state, POLICY_DIET);
	assert_false(p.io_failed);
	assert_int_equal(p.diet_cause, POLICY_SWAP_WRITE);
	memset(&s.last, 0, sizeof(s.last));
	/* Past the diet's cooldown, short of memory: still no growth. */
	s.mem_available = 20 * MiB;
	now += COOL + SEC;
	a = step(&p, &s, now);
	assert_int_not_equal(a.state, POLICY_DIET);
	assert_int_equal(a.act, POLICY_NONE);
	assert_non_null(strstr(a.why, "error_hold"));
	/* Another error restarts the hold. */
	outcome(&s, POLICY_NONE, POLICY_SWAP_WRITE, 0, 0);
	step(&p, &s, now);
	memset(&s.last, 0, sizeof(s.last));
	a = step(&p, &s, SEC + hold_ms + 5 * SEC);
	assert_int_equal(a.act, POLICY_NONE);
	/* error_hold after the last error: growing again. */
	a = step(&p, &s, now + hold_ms);
	assert_int_equal(a.act, POLICY_GROW);
	assert_false(p.io_failed);
}

/* diet drops surplus at once (no cooldown), but never what is needed. */
static void
test_diet_drops_surplus(void **state)
{
	struct policy p;
	struct policy_sample s = sample(512, 40, 0, NULL);
	struct policy_action a;

	(void)state;
	init(&p, NULL);
	/* No recent peak to keep swap for: the grow that failed was asked
	 * for long ago (as far as this policy's memory goes). */
	s = sample(512, 450, 2, (struct file_spec[]){ { 128, 0 }, { 64, 0 } });
	step(&p, &s, 0);
	outcome(&s, POLICY_GROW, POLICY_ENOSPC, 10 * MiB, 1000);
	a = step(&p, &s, 40 * SEC);
	assert_int_equal(a.state, POLICY_DIET);
	assert_int_equal(a.act, POLICY_SHRINK);	/* at once */
	assert_string_equal(a.name, "nfswap.0");
	/* the next one after the drain interval */
	s = sample(512, 450, 1, (struct file_spec[]){ { 64, 0 } });
	outcome(&s, POLICY_SHRINK, POLICY_OK, 0, 0);
	a = step(&p, &s, 41 * SEC);
	assert_int_equal(a.act, POLICY_NONE);
	assert_int_equal(a.state, POLICY_DIET);
	memset(&s.last, 0, sizeof(s.last));
	a = step(&p, &s, 71 * SEC);	/* 30 s after the drop was done */
	assert_int_equal(a.act, POLICY_SHRINK);
	assert_int_equal(a.state, POLICY_DIET);
}

/* diet -> steady and diet -> overfed when the cooldown is over. */
static void
test_diet_ends(void **state)
{
	struct policy p;
	struct policy_sample s = sample(512, 40, 0, NULL);
	struct policy_action a;

	(void)state;
	init(&p, short_hold);
	step(&p, &s, 0);
	outcome(&s, POLICY_GROW, POLICY_ENOSPC, 0, 1000);
	step(&p, &s, SEC);
	s = sample(512, 200, 0, NULL);
	a = step(&p, &s, SEC + COOL);
	assert_int_equal(a.state, POLICY_STEADY);

	init(&p, short_hold);
	s = sample(512, 40, 0, NULL);
	step(&p, &s, 0);
	outcome(&s, POLICY_GROW, POLICY_ENOSPC, 0, 1000);
	step(&p, &s, SEC);
	s = sample(512, 500, 1, (struct file_spec[]){ { 64, 0 } });
	a = step(&p, &s, SEC + COOL);
	assert_int_equal(a.state, POLICY_OVERFED);
}

/* swapoff refused (the pages did not fit): hold everything (-> hungry),
 * from overfed and from diet. */
static void
test_swapoff_refused(void **state)
{
	struct policy p;
	struct policy_sample s = sample(1024, 900, 2, (struct file_spec[]){
	    { 128, 0 }, { 64, 0 } });
	struct policy_action a;
	uint64_t now = 0;

	(void)state;
	init(&p, NULL);
	a = hold(&p, &s, &now, 700);
	assert_int_equal(a.act, POLICY_SHRINK);
	outcome(&s, POLICY_SHRINK, POLICY_SWAPOFF_REFUSED, 0, 0);
	a = step(&p, &s, now + SEC);
	assert_int_equal(a.state, POLICY_HUNGRY);

	/* In diet it stays diet -- a refused swapoff must not reopen growth
	 * right after ENOSPC -- and drops nothing more for a cooldown. */
	init(&p, NULL);
	s = sample(512, 450, 2, (struct file_spec[]){ { 128, 0 }, { 64, 0 } });
	step(&p, &s, 0);
	outcome(&s, POLICY_GROW, POLICY_ENOSPC, 0, 1000);
	a = step(&p, &s, SEC);
	assert_int_equal(a.state, POLICY_DIET);
	assert_int_equal(a.act, POLICY_SHRINK);
	outcome(&s, POLICY_SHRINK, POLICY_SWAPOFF_REFUSED, 0, 0);
	a = step(&p, &s, 3 * SEC);
	assert_int_equal(a.state, POLICY_DIET);
	memset(&s.last, 0, sizeof(s.last));
	now = 4 * SEC;
	a = hold(&p, &s, &now, 590);
	assert_int_equal(a.act, POLICY_NONE);
	s = sample(512, 5, 2, (struct file_spec[]){ { 128, 128 }, { 64, 64 } });
	a = step(&p, &s, now);
	assert_int_equal(a.act, POLICY_NONE);
	assert_int_equal(a.state, POLICY_DIET);
}

/* Short of memory while overfed (a sudden rise) grows at once; success
 * is hungry, failure diet (overfed -> hungry, overfed -> diet). */
static void
test_overfed_grows(void **state)
{
	struct policy p;
	struct policy_sample s;
	struct policy_action a;
	int i;

	(void)state;
	for (i = 0; i < 2; i++) {
		init(&p, NULL);
		s = sample(512, 400, 1, (struct file_spec[]){ { 64, 0 } });
		a = step(&p, &s, 0);
		assert_int_equal(a.state, POLICY_OVERFED);
		s = sample(512, 20, 1, (struct file_spec[]){ { 64, 60 } });
		a = step(&p, &s, SEC);
		/* the need is seen before anything else: grow from overfed */
		assert_int_equal(a.act, POLICY_GROW);
		assert_int_equal(a.state, POLICY_OVERFED);
		outcome(&s, POLICY_GROW, i == 0 ? POLICY_OK : POLICY_EIO,
		    a.bytes, 9000);
		a = step(&p, &s, 10 * SEC);
		assert_int_equal(a.state, i == 0 ? POLICY_HUNGRY : POLICY_DIET);
	}
}

/* The file cap: at max_files nothing is added, whatever the need. */
static void
test_file_cap(void **state)
{
	struct policy p;
	struct file_spec f[4] = { { 16, 16 }, { 16, 16 }, { 16, 16 }, { 16, 16 } };
	struct policy_sample s = sample(512, 5, 4, f);
	struct policy_action a;

	(void)state;
	init(&p, NULL);
	p.cfg.max_files = 4;
	a = step(&p, &s, 0);
	assert_int_equal(a.act, POLICY_NONE);
	assert_non_null(strstr(a.why, "cap"));
	s = sample(512, 5, 3, f);
	a = step(&p, &s, SEC);
	assert_int_equal(a.act, POLICY_GROW);
}

static void
quota_tweak(struct policy_config *c)
{
	c->quota = 300 * MiB;
}

/* The quota: a grow is clipped to what is left, and none when too little
 * is left. */
static void
test_quota(void **state)
{
	struct policy p;
	struct policy_sample s = sample(512, 5, 1, (struct file_spec[]){ { 250, 250 } });
	struct policy_action a;

	(void)state;
	init(&p, quota_tweak);
	a = step(&p, &s, 0);
	assert_int_equal(a.act, POLICY_GROW);
	assert_int_equal(a.bytes, 50 * MiB);
	s = sample(512, 5, 1, (struct file_spec[]){ { 298, 298 } });
	a = step(&p, &s, SEC);
	assert_int_equal(a.act, POLICY_NONE);
	assert_non_null(strstr(a.why, "quota"));
}

/* ---- the scripted cases: one row per step, explicit times ---------- */

struct tstep {
	uint64_t		t;		/* seconds; 0 after row 0 ends a case */
	uint64_t		ram, avail;	/* MiB */
	const char		*files;		/* "size:used,..." MiB, in order */
	enum policy_act		last_act;	/* the outcome fed in */
	enum policy_outcome	last_out;
	uint64_t		last_mib;
	enum policy_act		want_act;
	enum policy_state	want_state;
	const char		*want_name;	/* shrink: the file; grow: NULL */
	uint64_t		want_mib;	/* grow: exact size, 0 = any */
};

struct tcase {
	const char	*name;
	unsigned	 max_files;	/* 0 = default */
	uint64_t	 quota_mib;
	uint64_t	 peak_hold_s;	/* 0 = default */
	struct tstep	 steps[8];
};

#define N POLICY_NONE
#define G POLICY_GROW
#define S POLICY_SHRINK
#define ST POLICY_STEADY
#define HU POLICY_HUNGRY
#define OV POLICY_OVERFED
#define DI POLICY_DIET
#define OK POLICY_OK

static const struct tcase cases[] = {
	{ "comfortable: steady, nothing", 0, 0, 0, {
	    { 0, 512, 200, "", N, OK, 0, N, ST, NULL, 0 },
	    { 3600, 512, 200, "", N, OK, 0, N, ST, NULL, 0 } } },
	{ "short: grow to the target, hungry, steady after the cooldown", 0, 0, 0, {
	    { 1, 512, 40, "", N, OK, 0, G, ST, NULL, 218 },
	    { 21, 512, 40, "218:0", G, OK, 218, N, HU, NULL, 0 },
	    { 620, 512, 40, "218:0", N, OK, 0, N, HU, NULL, 0 },
	    { 621, 512, 40, "218:0", N, OK, 0, N, ST, NULL, 0 } } },
	{ "hungry ends in overfed when free is above the upper limit", 0, 0, 1, {
	    { 1, 512, 40, "", N, OK, 0, G, ST, NULL, 0 },
	    { 11, 512, 500, "256:0", G, OK, 256, N, HU, NULL, 0 },
	    { 610, 512, 500, "256:0", N, OK, 0, N, HU, NULL, 0 },
	    { 611, 512, 500, "256:0", N, OK, 0, N, OV, NULL, 0 } } },
	{ "overfed: the largest goes after the cooldown, then one per drain interval", 0, 0, 0, {
	    { 1, 512, 400, "64:0,256:0,128:0", N, OK, 0, N, OV, NULL, 0 },
	    { 600, 512, 400, "64:0,256:0,128:0", N, OK, 0, N, OV, NULL, 0 },
	    { 601, 512, 400, "64:0,256:0,128:0", N, OK, 0, S, OV, "nfswap.1", 0 },
	    { 602, 512, 400, "64:0,128:0", S, OK, 0, N, OV, NULL, 0 },
	    { 631, 512, 400, "64:0,128:0", N, OK, 0, N, OV, NULL, 0 },
	    { 632, 512, 400, "64:0,128:0", N, OK, 0, S, OV, "nfswap.1", 0 } } },
	{ "overfed back to steady when the file is needed", 0, 0, 0, {
	    { 1, 512, 400, "64:0", N, OK, 0, N, OV, NULL, 0 },
	    { 2, 512, 150, "64:0", N, OK, 0, N, ST, NULL, 0 } } },
	{ "ENOSPC: diet for the cooldown, then growing again", 0, 0, 0, {
	    { 1, 512, 40, "", N, OK, 0, G, ST, NULL, 0 },
	    { 11, 512, 40, "", G, POLICY_ENOSPC, 30, N, DI, NULL, 0 },
	    { 610, 512, 40, "", N, OK, 0, N, DI, NULL, 0 },
	    { 611, 512, 40, "", N, OK, 0, G, ST, NULL, 0 } } },
	{ "EDQUOT: diet, then grows only within what the quota showed", 0, 0, 0, {
	    { 1, 512, 40, "", N, OK, 0, G, ST, NULL, 0 },
	    { 11, 512, 40, "", G, POLICY_EDQUOT, 60, N, DI, NULL, 0 },
	    { 611, 512, 40, "", N, OK, 0, G, ST, NULL, 60 } } },
	{ "EIO: diet, and never growing again", 0, 0, 0, {
	    { 1, 512, 40, "", N, OK, 0, G, ST, NULL, 0 },
	    { 11, 512, 40, "", G, POLICY_EIO, 10, N, DI, NULL, 0 },
	    { 611, 512, 40, "", N, OK, 0, N, ST, NULL, 0 },
	    { 9999, 512, 5, "", N, OK, 0, N, ST, NULL, 0 } } },
	{ "swapon refused: diet", 0, 0, 0, {
	    { 1, 512, 40, "", N, OK, 0, G, ST, NULL, 0 },
	    { 11, 512, 40, "", G, POLICY_SWAPON_REFUSED, 0, N, DI, NULL, 0 } } },
	{ "swap I/O errors in the log (no action): diet, surplus out, again diet", 0, 0, 0, {
	    { 1, 512, 200, "64:10", N, OK, 0, N, ST, NULL, 0 },
	    { 2, 512, 200, "64:10", N, POLICY_EIO, 0, S, DI, "nfswap.0", 0 },
	    { 3, 512, 200, "64:10", N, POLICY_EIO, 0, N, DI, NULL, 0 } } },
	{ "diet drops surplus at once; swapoff refused: still diet, no drops, no grows", 0, 0, 0, {
	    { 1, 512, 450, "128:0,64:0", N, OK, 0, N, OV, NULL, 0 },
	    { 2, 512, 450, "128:0,64:0", G, POLICY_ENOSPC, 0, S, DI, "nfswap.0", 0 },
	    { 3, 512, 450, "128:0,64:0", S, POLICY_SWAPOFF_REFUSED, 0, N, DI, NULL, 0 },
	    { 100, 512, 450, "128:0,64:0", N, OK, 0, N, DI, NULL, 0 },
	    { 101, 512, 5, "128:128,64:64", N, OK, 0, N, DI, NULL, 0 } } },
	{ "the file cap: nothing at 4 of 4, a grow at 3 of 4", 4, 0, 0, {
	    { 1, 512, 5, "16:16,16:16,16:16,16:16", N, OK, 0, N, ST, NULL, 0 },
	    { 2, 512, 5, "16:16,16:16,16:16", N, OK, 0, G, ST, NULL, 0 } } },
	{ "the quota: clipped to what is left, then nothing", 0, 300, 0, {
	    { 1, 512, 5, "250:250", N, OK, 0, G, ST, NULL, 50 },
	    { 2, 512, 5, "298:298", N, OK, 0, N, ST, NULL, 0 } } },
	{ "never drops a file whose pages would not fit", 0, 0, 0, {
	    { 1, 512, 0, "1024:700,64:0", N, OK, 0, N, ST, NULL, 0 },
	    { 1300, 512, 0, "1024:700,64:0", N, OK, 0, N, ST, NULL, 0 } } },
};

static struct policy_sample
sample_of(const struct tstep *st)
{
	struct file_spec f[POLICY_FILES_MAX];
	const char *p = st->files;
	unsigned n = 0;

	while (*p) {
		unsigned long long size, used;
		int len = 0;

		assert_int_equal(sscanf(p, "%llu:%llu%n", &size, &used, &len), 2);
		f[n].size = size;
		f[n].used = used;
		n++;
		p += len;
		if (*p == ',')
			p++;
	}
	return sample(st->ram, st->avail, n, f);
}

static void
test_scripted_cases(void **state)
{
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct tcase *tc = &cases[i];
		struct policy_config c;
		struct policy p;

		policy_config_defaults(&c);
		c.reserve_pct = 0;	/* the reserve's cases are its own */
		if (tc->max_files)
			c.max_files = tc->max_files;
		c.quota = tc->quota_mib * MiB;
		if (tc->peak_hold_s)
			c.peak_hold_ms = tc->peak_hold_s * SEC;
		policy_init(&p, &c);
		for (j = 0; j < 8 && (j == 0 || tc->steps[j].t != 0); j++) {
			const struct tstep *st = &tc->steps[j];
			struct policy_sample s = sample_of(st);
			struct policy_action a;

			outcome(&s, st->last_act, st->last_out, st->last_mib * MiB,
			    st->last_act == POLICY_GROW ? 10000 : 0);
			a = step(&p, &s, st->t * SEC);
			if (a.act != st->want_act || a.state != st->want_state)
				fail_msg("%s, step %zu (t=%llus): got act %d state %s "
				    "(%s), want act %d state %s", tc->name, j,
				    (unsigned long long)st->t, a.act,
				    policy_state_name(a.state), a.why, st->want_act,
				    policy_state_name(st->want_state));
			if (st->want_name != NULL && strcmp(a.name, st->want_name) != 0)
				fail_msg("%s, step %zu: dropped %s, want %s", tc->name,
				    j, a.name, st->want_name);
			if (st->want_mib != 0 && a.bytes != st->want_mib * MiB)
				fail_msg("%s, step %zu: grow of %llu bytes, want %llu MiB",
				    tc->name, j, (unsigned long long)a.bytes,
				    (unsigned long long)st->want_mib);
		}
	}
}

#undef N
#undef G
#undef S
#undef ST
#undef HU
#undef OV
#undef DI
#undef OK

/* A long random run: whatever the samples and outcomes, every grow fits
 * the quota, the cap and the size limits, and every drop names a file of
 * the sample whose pages fit in what remains. */
static uint64_t rng = 42;
static uint64_t
rnd(uint64_t n)
{
	rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (rng >> 33) % n;
}

static void
test_invariants_random(void **state)
{
	struct policy p;
	struct policy_config c;
	uint64_t fsize[POLICY_FILES_MAX];
	unsigned n = 0, i, grows = 0, shrinks = 0;
	uint64_t now = 0, ram = 512 * MiB, demand = 300 * MiB, k;
	enum policy_act last = POLICY_NONE;

	(void)state;
	policy_config_defaults(&c);
	c.quota = 900 * MiB + 12 * 4096;	/* not whole MiB, on purpose */
	c.min_swapsize = 64 * 1024;
	c.max_swapsize = 300 * MiB + 4096;
	c.max_files = 6;
	c.cooldown_ms = 60 * SEC;
	/* a reserve in play, but not most of the quota: the default (120 %
	 * of RAM, 614 MiB of the 900) left the walk 36 grows and 23 drops */
	c.reserve_pct = 50;
	policy_init(&p, &c);
	for (k = 0; k < 200000; k++) {
		uint64_t swap = 0, out, q;
		struct policy_sample s;
		struct policy_action a;

		/* demand wanders; sometimes jumps */
		demand += (rnd(21) - 10) * MiB;
		if (rnd(500) == 0)
			demand = (100 + rnd(1400)) * MiB;
		if (demand < 50 * MiB)
			demand = 50 * MiB;
		memset(&s, 0, sizeof(s));
		for (i = 0; i < n; i++)
			swap += fsize[i];
		out = demand > ram ? demand - ram : 0;
		if (out > swap)
			out = swap;
		s.mem_total = ram;
		s.mem_available = demand < ram ? ram - demand : 0;
		s.swap_total = swap;
		s.swap_free = swap - out;
		s.nfiles = n;
		for (i = 0; i < n; i++) {
			snprintf(s.files[i].name, POLICY_NAME_MAX, "f%u", i);
			s.files[i].size = fsize[i];
			s.files[i].used = out < fsize[i] ? out : fsize[i];
			out -= s.files[i].used;
		}
		if (last != POLICY_NONE)
			outcome(&s, last, (enum policy_outcome)rnd(POLICY_NOUTCOMES),
			    rnd(100) * MiB + rnd(256) * 4096, 1 + rnd(60000));
		else if (rnd(3000) == 0)
			outcome(&s, POLICY_NONE, POLICY_EIO, 0, 0);	/* the log */
		else if (rnd(1000) == 0)
			outcome(&s, POLICY_NONE, POLICY_SWAP_WRITE, 0, 0);
		last = POLICY_NONE;
		a = step(&p, &s, now);
		if (a.act == POLICY_GROW) {
			grows++;
			q = p.quota_seen != 0 && p.quota_seen < c.quota ?
			    p.quota_seen : c.quota;
			assert_true(n < c.max_files);
			assert_true(a.bytes >= c.min_swapsize);
			assert_true(a.bytes <= c.max_swapsize);
			assert_true(swap + a.bytes <= q);
			assert_int_equal(a.bytes % 4096, 0);
			assert_false(p.io_failed);
			assert_int_not_equal(p.state, POLICY_DIET);
			assert_true(!p.write_failed ||
			    p.mono - p.write_failed_ms >= c.error_hold_ms);
			if (rnd(3) != 0 && n < POLICY_FILES_MAX)
				fsize[n++] = a.bytes;
			last = POLICY_GROW;
		} else if (a.act == POLICY_SHRINK) {
			shrinks++;
			for (i = 0; i < n; i++)
				if (strcmp(s.files[i].name, a.name) == 0)
					break;
			assert_true(i < n);
			/* the pages fit in RAM and the other files */
			assert_true(demand <= ram + swap - fsize[i]);
			if (rnd(4) != 0) {
				memmove(&fsize[i], &fsize[i + 1],
				    (n - i - 1) * sizeof(fsize[0]));
				n--;
			}
			last = POLICY_SHRINK;
		}
		if (rnd(200) == 0) {
			p.io_failed = 0;	/* as after an administrator's reset */
			p.quota_seen = 0;
		}
		now += SEC * (1 + rnd(3));
	}
	/* The run exercised both directions. */
	assert_true(grows > 50);
	assert_true(shrinks > 50);
}

/* Time going backwards (a clock step) neither drops at once nor freezes
 * the timers: a diet entered before a step back of a day still ends one
 * cooldown of real steps later. */
static void
test_clock_backwards(void **state)
{
	struct policy p;
	struct policy_sample s = sample(512, 400, 1, (struct file_spec[]){ { 64, 0 } });
	struct policy_action a;
	uint64_t day = 86400 * SEC, now = 10 * day, k;

	(void)state;
	init(&p, NULL);
	step(&p, &s, now);
	a = step(&p, &s, 5 * SEC);
	assert_int_equal(a.act, POLICY_NONE);

	init(&p, NULL);
	s = sample(512, 40, 0, NULL);
	a = step(&p, &s, now);
	assert_int_equal(a.act, POLICY_GROW);
	outcome(&s, POLICY_GROW, POLICY_ENOSPC, 0, 1000);
	a = step(&p, &s, now + SEC);
	assert_int_equal(a.state, POLICY_DIET);
	memset(&s.last, 0, sizeof(s.last));
	now -= day;				/* the clock steps back */
	for (k = 0; k < 700; k++) {
		a = step(&p, &s, now + k * SEC);
		if (a.state != POLICY_DIET)
			break;
	}
	assert_true(k <= 601);		/* one cooldown after entering diet */
	assert_int_equal(a.act, POLICY_GROW);
}

/* The rate of rise is measured whatever the poll interval allowed. */
static void
test_slow_poll(void **state)
{
	struct policy_config c;
	struct policy p;
	struct policy_sample s;
	struct policy_action a;
	uint64_t t, avail = 400;

	(void)state;
	policy_config_defaults(&c);
	c.poll_ms = 20 * SEC;
	c.reserve_pct = 0;
	policy_init(&p, &c);
	memset(&a, 0, sizeof(a));
	for (t = 0; t < 100 && avail > 20; t++) {
		s = sample(512, avail, 0, NULL);
		a = step(&p, &s, t * c.poll_ms);
		if (a.act == POLICY_GROW)
			break;
		avail -= 10;			/* 0.5 MiB/s */
	}
	assert_int_equal(a.act, POLICY_GROW);
	assert_true(p.rise > 0.4 * MiB && p.rise < 0.6 * MiB);
	assert_true(avail * 100 > 20 * 512);	/* ahead of the limit */
}

/* Sizes that are not whole MiB: a grow never exceeds max_swapsize, and a
 * quota with less than a MiB left still gets a file when it fits. */
static void
test_odd_sizes(void **state)
{
	struct policy_config c;
	struct policy p;
	struct policy_sample s = sample(512, 10, 0, NULL);
	struct policy_action a;
	struct diag why;

	(void)state;
	policy_config_defaults(&c);
	c.min_swapsize = 64 * 1024;
	c.max_swapsize = 1536 * 1024;
	assert_int_equal(policy_config_check(&c, &why), 0);
	policy_init(&p, &c);
	a = step(&p, &s, 0);
	assert_int_equal(a.act, POLICY_GROW);
	assert_true(a.bytes <= c.max_swapsize && a.bytes >= c.min_swapsize);
	assert_int_equal(a.bytes % 4096, 0);

	c.min_swapsize = 4 * MiB;
	c.max_swapsize = 4 * MiB + 4096;
	policy_init(&p, &c);
	a = step(&p, &s, 0);
	assert_int_equal(a.act, POLICY_GROW);
	assert_true(a.bytes <= c.max_swapsize);

	policy_config_defaults(&c);
	c.min_swapsize = 64 * 1024;
	c.quota = 100 * MiB;
	policy_init(&p, &c);
	s = sample(512, 5, 1, (struct file_spec[]){ { 99, 99 } });
	s.files[0].size += 512 * 1024;		/* 99.5 MiB held */
	s.swap_total += 512 * 1024;
	a = step(&p, &s, 0);
	assert_int_equal(a.act, POLICY_GROW);
	assert_int_equal(a.bytes, 512 * 1024);

	c.min_swapsize = 4097;
	assert_int_equal(policy_config_check(&c, &why), -EINVAL);
}

/* Absurd numbers in a sample or an outcome: no overflow, no grow past the
 * quota, no quota learned by wrapping around. */
static void
test_absurd_sample(void **state)
{
	struct policy_config c;
	struct policy p;
	struct policy_sample s;
	struct policy_action a;

	(void)state;
	policy_config_defaults(&c);
	c.quota = 1024 * MiB;
	policy_init(&p, &c);
	s = sample(512, 5, 2, (struct file_spec[]){ { 1, 1 }, { 1, 1 } });
	s.files[0].size = s.files[1].size = UINT64_MAX / 2 + 1;
	a = step(&p, &s, 0);
	assert_int_not_equal(a.act, POLICY_GROW);	/* we "hold" > quota */

	policy_init(&p, &c);
	s = sample(512, 5, 1, (struct file_spec[]){ { 1, 1 } });
	s.files[0].size = UINT64_MAX / 2 + 1;
	outcome(&s, POLICY_GROW, POLICY_EDQUOT, UINT64_MAX / 2 + 10, 1000);
	a = step(&p, &s, SEC);
	assert_int_equal(a.state, POLICY_DIET);
	assert_true(p.quota_seen >= UINT64_MAX / 2);	/* saturated, not wrapped */
}

/* An inconsistent sample (more free than total, more used than a file's
 * size) is clamped, not trusted: nothing dropped on its word. */
static void
test_inconsistent_sample(void **state)
{
	struct policy p;
	struct policy_sample s;
	struct policy_action a;
	uint64_t now = 0;

	(void)state;
	init(&p, NULL);
	s = sample(512, 0, 2, (struct file_spec[]){ { 128, 128 }, { 128, 128 } });
	s.mem_available = 10000 * MiB;	/* > MemTotal */
	s.swap_free = 0;
	s.files[1].used = 900 * MiB;	/* > its size */
	a = hold(&p, &s, &now, 1300);
	assert_int_not_equal(a.act, POLICY_SHRINK);
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(policy_state_name(POLICY_STEADY), "steady");
	assert_string_equal(policy_state_name(POLICY_HUNGRY), "hungry");
	assert_string_equal(policy_state_name(POLICY_OVERFED), "overfed");
	assert_string_equal(policy_state_name(POLICY_DIET), "diet");
	assert_string_equal(policy_state_name((enum policy_state)99), "?");
	assert_string_equal(policy_outcome_name(POLICY_EDQUOT), "EDQUOT");
}

/* docs/fsm.dot is exactly what the table renders. */
static void
test_dot_in_step(void **state)
{
	char buf[8192], *doc;
	int n = policy_dot(buf, sizeof(buf));

	(void)state;
	assert_true(n > 0 && (size_t)n < sizeof(buf));
	assert_int_equal(policy_dot(NULL, 0), n);
	if ((doc = tu_read("docs/fsm.dot", NULL)) == NULL)
		fail_msg("docs/fsm.dot: %s (run from the top of the tree)",
		    strerror(errno));
	if (strcmp(doc, buf) != 0)
		fail_msg("docs/fsm.dot differs from policy_edges[]: "
		    "run build/nfswap-sim --dot > docs/fsm.dot");
	free(doc);
}

/* Must run last: the transitions every test saw are the table's. */
/* The standby reserve: made at once on a quiet machine, and kept. */
static void
test_reserve_at_rest(void **state)
{
	struct policy p;
	struct policy_sample s;
	struct policy_action a;
	struct file_spec f[1] = { { 256, 0 } };
	uint64_t now = 0;

	(void)state;
	init(&p, NULL);
	p.cfg.reserve_pct = 50;
	s = sample(512, 400, 0, NULL);
	a = step(&p, &s, now);
	assert_int_equal(a.act, POLICY_GROW);
	assert_int_equal(a.bytes, 256 * MiB);
	assert_string_equal(a.why, "making the standby reserve");
	/* Ready: nothing more, and never dropped, however long it is idle. */
	s = sample(512, 400, 1, f);
	outcome(&s, POLICY_GROW, POLICY_OK, 256 * MiB, 2000);
	now += SEC;
	a = hold(&p, &s, &now, 3 * 3600);
	assert_int_equal(a.act, POLICY_NONE);
	/* Without one (reserve = 0), the same file goes once surplus. */
	init(&p, short_hold);
	now = 0;
	s = sample(512, 400, 1, f);
	a = hold(&p, &s, &now, 3 * 3600);
	assert_int_equal(a.act, POLICY_SHRINK);
}

/* After a climb: the big file goes, and what the reserve lacks then is
 * made again; a file that would leave too little net gain stays. */
static void
test_reserve_after_a_climb(void **state)
{
	struct policy p;
	struct policy_sample s;
	struct policy_action a;
	struct file_spec two[2] = { { 64, 0 }, { 512, 0 } };
	struct file_spec one[1] = { { 64, 0 } };
	struct file_spec near[2] = { { 200, 0 }, { 100, 0 } };
	uint64_t now = 0;

	(void)state;
	init(&p, short_hold);
	p.cfg.reserve_pct = 50;
	s = sample(512, 450, 2, two);
	a = hold(&p, &s, &now, 3 * 3600);
	assert_int_equal(a.act, POLICY_SHRINK);
	assert_string_equal(a.name, "nfswap.1");
	s = sample(512, 450, 1, one);
	outcome(&s, POLICY_SHRINK, POLICY_OK, 512 * MiB, 0);
	now += SEC;
	a = step(&p, &s, now);
	assert_int_equal(a.act, POLICY_GROW);
	assert_int_equal(a.bytes, 192 * MiB);	/* 256 - 64 */
	/* 300 MiB held for a 256 MiB reserve: giving back 44 MiB net is
	 * not worth a refill of 156 (a quarter of the reserve is 64). */
	init(&p, short_hold);
	p.cfg.reserve_pct = 50;
	now = 0;
	s = sample(512, 450, 2, near);
	a = hold(&p, &s, &now, 3 * 3600);
	assert_int_equal(a.act, POLICY_NONE);
}

/* Past the reserve, a file is sized by need: the reserve is not doubled
 * (at least what is held applies to what was grown beyond it). */
static void
test_reserve_not_doubled(void **state)
{
	struct policy p;
	struct policy_sample s;
	struct policy_action a;
	struct file_spec f[1] = { { 256, 200 } };

	(void)state;
	init(&p, NULL);
	p.cfg.reserve_pct = 50;
	s = sample(512, 20, 1, f);
	a = step(&p, &s, 0);
	assert_int_equal(a.act, POLICY_GROW);
	assert_true(a.bytes >= 128 * MiB && a.bytes < 256 * MiB);
}

/* All files together stay within max_total % of RAM: a grow is clipped
 * to what is left, then refused, saying why. */
static void
test_max_total(void **state)
{
	struct policy p;
	struct policy_sample s;
	struct policy_action a;
	struct file_spec f[2] = { { 512, 512 }, { 448, 448 } };
	struct file_spec g[3] = { { 512, 512 }, { 448, 448 }, { 64, 64 } };

	(void)state;
	init(&p, NULL);			/* max_total 200: 1024 MiB of 512 */
	s = sample(512, 10, 2, f);
	a = step(&p, &s, 0);
	assert_int_equal(a.act, POLICY_GROW);
	assert_int_equal(a.bytes, 64 * MiB);
	init(&p, NULL);
	s = sample(512, 10, 3, g);
	a = step(&p, &s, 0);
	assert_int_equal(a.act, POLICY_NONE);
	assert_string_equal(a.why, "short of memory, but at max_total");
	init(&p, NULL);
	p.cfg.max_total_pct = 0;	/* no cap */
	a = step(&p, &s, 0);
	assert_int_equal(a.act, POLICY_GROW);
	assert_true(a.bytes > 64 * MiB);
}

/* A steep climb never makes tiny files: the size that would be ready in
 * time is floored at min_grow_pct of RAM. */
static void
test_emergency_floor(void **state)
{
	struct policy p;
	struct policy_sample s;
	struct policy_action a;
	uint64_t t, avail = 480;

	(void)state;
	init(&p, NULL);
	memset(&a, 0, sizeof(a));
	for (t = 0; t < 60 && a.act != POLICY_GROW; t++) {
		s = sample(512, avail, 0, NULL);
		a = step(&p, &s, t * SEC);
		avail -= avail > 40 ? 40 : 0;	/* 40 MiB/s at 4 MiB/s made */
	}
	assert_int_equal(a.act, POLICY_GROW);
	assert_true(a.bytes >= 128 * MiB);	/* 25% of 512 */
}

static void
small_grow(struct policy_config *c)
{
	c->min_grow_pct = 4;		/* steep files at least 2 % of RAM */
}

/* A steep climb once a file has been made: files that can be written in
 * a second -- at a quarter of the speed seen at rest until a file has been
 * made in such a climb, then at that file's speed -- one after another,
 * not one big file sized by the speed at rest; but at least half of
 * min_grow_pct of RAM (by default 12.5 %, 64 MiB of 512). */
static void
steep_climb(void (*tweak)(struct policy_config *), uint64_t first,
    uint64_t second)
{
	struct policy p;
	struct policy_sample s;
	struct policy_action a;
	struct file_spec f[3] = { { 100, 0 } };
	uint64_t t, avail = 400;

	init(&p, tweak);
	/* A first file, 100 MiB in 1 s: the speed at rest. */
	s = sample(512, 40, 0, NULL);
	a = step(&p, &s, SEC);
	assert_int_equal(a.act, POLICY_GROW);
	s = sample(512, 400, 1, f);
	outcome(&s, POLICY_GROW, POLICY_OK, 100 * MiB, 1000);
	(void)step(&p, &s, 2 * SEC);
	assert_true(p.alloc_rate > 99.0 * MiB && p.alloc_rate < 101.0 * MiB);
	/* Then 100 MiB/s of climb, sampled every 100 ms. */
	memset(&a, 0, sizeof(a));
	for (t = 30 * SEC; a.act != POLICY_GROW && avail > 10; t += SEC / 10) {
		s = sample(512, avail, 1, f);
		a = step(&p, &s, t);
		avail -= 10;
	}
	assert_int_equal(a.act, POLICY_GROW);
	assert_string_equal(a.why,
	    "a steep climb: a file that can be ready in a second");
	assert_int_equal(a.bytes, first);
	/* It took 2 s: 12.5 MiB/s in the climb sizes the next one. */
	f[1].size = first / MiB;
	s = sample(512, avail, 2, f);
	outcome(&s, POLICY_GROW, POLICY_OK, 25 * MiB, 2000);
	a = step(&p, &s, t);
	assert_true(p.climb_rate > 12.4 * MiB && p.climb_rate < 12.6 * MiB);
	for (t += SEC / 10; a.act != POLICY_GROW && avail > 10; t += SEC / 10) {
		avail -= 10;
		s = sample(512, avail, 2, f);
		a = step(&p, &s, t);
	}
	assert_int_equal(a.act, POLICY_GROW);
	assert_int_equal(a.bytes, second);
}

static void
test_steep_climb_steps(void **state)
{
	(void)state;
	/* 1 s at 100 / 4 MiB/s, then 12.5 MiB up to whole MiB */
	steep_climb(small_grow, 25 * MiB, 13 * MiB);
	/* the floor, both times */
	steep_climb(NULL, 64 * MiB, 64 * MiB);
}

/* Memory moving, or short, asks for fast sampling for a while. */
static void
test_pressed(void **state)
{
	struct policy p;
	struct policy_sample s;
	uint64_t t;

	(void)state;
	init(&p, NULL);
	s = sample(512, 400, 0, NULL);
	for (t = 0; t <= 10; t++)
		(void)step(&p, &s, t * SEC);
	assert_false(policy_pressed(&p, 10 * SEC));
	s = sample(512, 392, 0, NULL);		/* 8 MiB in a second */
	(void)step(&p, &s, 11 * SEC);
	assert_true(policy_pressed(&p, 11 * SEC));
	assert_true(policy_pressed(&p, 15 * SEC));
	assert_false(policy_pressed(&p, 17 * SEC));
	s = sample(512, 30, 0, NULL);		/* short, not moving */
	for (t = 20; t <= 40; t++)
		(void)step(&p, &s, t * SEC);
	assert_true(policy_pressed(&p, 40 * SEC));
}

/* Sampled ten times a second, the history still spans a minute: a rise
 * of 1 MiB/s over 60 s is measured as such. */
static void
test_history_fast_samples(void **state)
{
	struct policy p;
	struct policy_sample s;
	uint64_t t;

	(void)state;
	init(&p, NULL);
	for (t = 0; t <= 60000; t += 100) {
		s = sample(4096, 4000 - t / 1000, 0, NULL);
		(void)step(&p, &s, t);
	}
	assert_true(p.nhist <= POLICY_HIST);
	assert_true(p.hist[(p.hist_next + POLICY_HIST - 1) % POLICY_HIST].t_ms
	    - p.hist[p.hist_next % POLICY_HIST].t_ms >= 55 * SEC ||
	    p.nhist < POLICY_HIST);
	assert_true(p.rise > 0.8 * MiB && p.rise < 1.2 * MiB);
}

static void
test_edges_seen(void **state)
{
	int table[POLICY_NSTATES][POLICY_NSTATES] = { { 0 } };
	size_t i;
	int a, b;

	(void)state;
	for (i = 0; i < policy_nedges; i++)
		table[policy_edges[i].from][policy_edges[i].to] = 1;
	for (a = 0; a < POLICY_NSTATES; a++)
		for (b = 0; b < POLICY_NSTATES; b++) {
			if (seen[a][b] && !table[a][b])
				fail_msg("transition %s -> %s is not in policy_edges[]",
				    policy_state_name(a), policy_state_name(b));
			if (table[a][b] && !seen[a][b])
				fail_msg("edge %s -> %s is never exercised",
				    policy_state_name(a), policy_state_name(b));
		}
}

/* ---- the swapspace model follows its written rules ---------------- */

static void
test_swapspace_request(void **state)
{
	struct sspace_config c;
	struct policy_sample s;
	int64_t r;

	(void)state;
	sspace_config_defaults(&c);
	/* 1 GiB RAM, no swap, 15 % free -> about 219 MiB, back to 30 %. */
	s = sample(1024, 154, 0, NULL);
	r = sspace_request(&c, &s);
	assert_true(r > 215 * (int64_t)MiB && r < 222 * (int64_t)MiB);
	s = sample(1024, 400, 0, NULL);	/* 39 %: the dead band */
	assert_int_equal(sspace_request(&c, &s), 0);
	s = sample(1024, 800, 0, NULL);	/* 78 %: a surplus */
	assert_true(sspace_request(&c, &s) < 0);
}

static void
test_swapspace_rules(void **state)
{
	struct sspace ss;
	struct sspace_config c;
	struct policy_sample s;
	struct policy_action a;
	int i;

	(void)state;
	sspace_config_defaults(&c);
	sspace_init(&ss, &c);
	assert_int_equal(ss.state, POLICY_HUNGRY);	/* starts hungry */
	s = sample(1024, 100, 0, NULL);
	a = sspace_step(&ss, &s, UINT64_MAX);
	assert_int_equal(a.act, POLICY_GROW);
	/* rounded down to a page, plus two pages */
	assert_int_equal(a.bytes % 4096, 0);
	s = sample(1024, 800, 1, (struct file_spec[]){ { a.bytes / MiB, 0 } });
	outcome(&s, POLICY_GROW, POLICY_OK, a.bytes, 1000);
	a = sspace_step(&ss, &s, UINT64_MAX);
	assert_int_equal(ss.state, POLICY_HUNGRY);
	memset(&s.last, 0, sizeof(s.last));
	/* nothing freed within the cooldown after an allocation */
	for (i = 0; i < 598; i++) {
		a = sspace_step(&ss, &s, UINT64_MAX);
		assert_int_equal(a.act, POLICY_NONE);
	}
	a = sspace_step(&ss, &s, UINT64_MAX);	/* timer out -> steady */
	assert_int_equal(ss.state, POLICY_STEADY);
	a = sspace_step(&ss, &s, UINT64_MAX);	/* surplus -> overfed */
	assert_int_equal(ss.state, POLICY_OVERFED);
	for (i = 0; i < 599; i++) {
		a = sspace_step(&ss, &s, UINT64_MAX);
		assert_int_equal(a.act, POLICY_NONE);
	}
	a = sspace_step(&ss, &s, UINT64_MAX);	/* a cooldown of surplus */
	assert_int_equal(a.act, POLICY_SHRINK);
	assert_int_equal(ss.state, POLICY_STEADY);

	/* No space (statvfs): refused, no diet, tried again next pass. */
	sspace_init(&ss, &c);
	s = sample(1024, 100, 0, NULL);
	a = sspace_step(&ss, &s, MiB);
	assert_int_equal(a.act, POLICY_NONE);
	assert_int_equal(ss.state, POLICY_HUNGRY);
	a = sspace_step(&ss, &s, UINT64_MAX);
	assert_int_equal(a.act, POLICY_GROW);
	/* A write that failed with ENOSPC: diet next pass, nothing added. */
	outcome(&s, POLICY_GROW, POLICY_ENOSPC, MiB, 100);
	a = sspace_step(&ss, &s, UINT64_MAX);
	assert_int_equal(ss.state, POLICY_DIET);
	memset(&s.last, 0, sizeof(s.last));
	a = sspace_step(&ss, &s, UINT64_MAX);
	assert_int_equal(a.act, POLICY_NONE);	/* no allocation in diet */
	/* EDQUOT is "unexpected" to swapspace: no diet, it tries again. */
	sspace_init(&ss, &c);
	a = sspace_step(&ss, &s, UINT64_MAX);
	outcome(&s, POLICY_GROW, POLICY_EDQUOT, MiB, 100);
	a = sspace_step(&ss, &s, UINT64_MAX);
	assert_int_not_equal(ss.state, POLICY_DIET);
	assert_int_equal(a.act, POLICY_GROW);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_are_swapspaces),
		cmocka_unit_test(test_config_check),
		cmocka_unit_test(test_grow_when_short),
		cmocka_unit_test(test_steady_stays),
		cmocka_unit_test(test_acts_ahead_of_a_rise),
		cmocka_unit_test(test_hungry_cooldown),
		cmocka_unit_test(test_hungry_to_steady),
		cmocka_unit_test(test_hungry_grow_again),
		cmocka_unit_test(test_overfed_drain),
		cmocka_unit_test(test_shrink_choice),
		cmocka_unit_test(test_overfed_to_steady),
		cmocka_unit_test(test_surplus_must_be_continuous),
		cmocka_unit_test(test_peak_is_remembered),
		cmocka_unit_test(test_diet_enospc),
		cmocka_unit_test(test_diet_edquot),
		cmocka_unit_test(test_diet_eio),
		cmocka_unit_test(test_diet_swapon),
		cmocka_unit_test(test_diet_other),
		cmocka_unit_test(test_diet_async_eio),
		cmocka_unit_test(test_diet_swap_write),
	cmocka_unit_test(test_diet_swap_write),
		cmocka_unit_test(test_diet_drops_surplus),
		cmocka_unit_test(test_diet_ends),
		cmocka_unit_test(test_swapoff_refused),
		cmocka_unit_test(test_overfed_grows),
		cmocka_unit_test(test_file_cap),
		cmocka_unit_test(test_quota),
		cmocka_unit_test(test_scripted_cases),
		cmocka_unit_test(test_invariants_random),
		cmocka_unit_test(test_clock_backwards),
		cmocka_unit_test(test_slow_poll),
		cmocka_unit_test(test_odd_sizes),
		cmocka_unit_test(test_absurd_sample),
		cmocka_unit_test(test_inconsistent_sample),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_dot_in_step),
		cmocka_unit_test(test_inflight_reserve),
		cmocka_unit_test(test_reserve_at_rest),
		cmocka_unit_test(test_reserve_after_a_climb),
		cmocka_unit_test(test_reserve_not_doubled),
		cmocka_unit_test(test_max_total),
		cmocka_unit_test(test_emergency_floor),
		cmocka_unit_test(test_steep_climb_steps),
		cmocka_unit_test(test_pressed),
		cmocka_unit_test(test_history_fast_samples),
		cmocka_unit_test(test_edges_seen),
		cmocka_unit_test(test_swapspace_request),
		cmocka_unit_test(test_swapspace_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
