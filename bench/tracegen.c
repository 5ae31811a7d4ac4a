/*
 * tracegen.c -- nfswap-tracegen: writes the memory traces of the simulator's
 * suite (tests/traces/NAME.csv) as "t_seconds,demand_mib" lines.
 *
 * Each trace is a thin client with 512 MiB of RAM in a typical situation.
 * The numbers are deterministic (a fixed-seed generator, plain arithmetic)
 * so that the files in the tree can be checked against this program.  One
 * physical fact shapes them: once RAM is full, a process can only grow as
 * fast as the kernel can page out, which over NFS at wsize=2048 is about
 * the speed files are created at; so growth past RAM is capped at 6 MiB/s
 * (emit), while growth inside RAM can be as fast as programs allocate.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

#define RAM_MIB		512.0
#define PAST_RAM_MIBPS	6.0	/* the fastest growth once RAM is full */

static uint64_t rng_state;
static double last_t, last_d;
static int have_last;

/* Each trace starts here: a fixed seed, and no previous sample. */
static void
seed(uint64_t s)
{
	rng_state = s;
	have_last = 0;
}

/* splitmix64: small, well mixed, identical everywhere. */
static uint64_t
rnd64(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double
uni(void)
{
	return (double)(rnd64() >> 11) / 9007199254740992.0;
}

static double
between(double a, double b)
{
	return a + (b - a) * uni();
}

/* Roughly normal, mean 0, deviation sd (sum of four uniforms). */
static double
noise(double sd)
{
	return (uni() + uni() + uni() + uni() - 2.0) * sd * 1.732;
}

/*
 * One sample.  Past RAM, demand cannot rise faster than the kernel pages
 * out over NFS (about as fast as swap files are written): the program
 * stalls instead.  So above RAM, growth is capped at PAST_RAM_MIBPS.
 */
static void
emit(double t, double d)
{
	double cap;

	if (d < 0)
		d = 0;
	if (have_last && d > RAM_MIB && d > last_d) {
		cap = (last_d > RAM_MIB ? last_d : RAM_MIB) +
		    PAST_RAM_MIBPS * (t - last_t);
		if (d > cap)
			d = cap;
	}
	printf("%g,%.1f\n", t, d);
	last_t = t;
	last_d = d;
	have_last = 1;
}

/* Office work: mail, editor, a browser; applications opened and closed. */
static void
office(void)
{
	double walk = 0, app[4] = { 0 }, until[4] = { 0 }, goal[4] = { 0 };
	int t, i;

	seed(1);
	for (t = 0; t < 4 * 3600; t++) {
		walk += -0.01 * walk + noise(1.5);
		for (i = 0; i < 4; i++) {
			if (goal[i] == 0 && uni() < 1.0 / 1200) {
				goal[i] = between(60, 180);
				until[i] = t + between(300, 2400);
			}
			if (goal[i] > 0 && t >= until[i])
				goal[i] = 0;
			/* opening takes seconds, closing is quick */
			if (app[i] < goal[i])
				app[i] += goal[i] / 8 < goal[i] - app[i] ?
				    goal[i] / 8 : goal[i] - app[i];
			else
				app[i] = goal[i];
		}
		emit(t, 340 + walk + app[0] + app[1] + app[2] + app[3]);
	}
}

/* A slow leak in a long-running program, then a restart. */
static void
leak(void)
{
	int t;

	seed(2);
	for (t = 0; t < 600; t++)
		emit(t, 300 + noise(3));
	for (; t < 600 + 10800; t++)
		emit(t, 300 + 0.1 * (t - 600) + noise(3));
	for (; t < 600 + 10800 + 3600; t++)
		emit(t, 300 + noise(3));
}

/* A build: compilers come and go, memory climbs to twice RAM, then the
 * link, then back to idle.  Two samples a second. */
static void
compile(void)
{
	double t, d, jit = 0;

	seed(3);
	for (t = 0; t < 600; t += 0.5)
		emit(t, 340 + noise(4));
	for (; t < 750; t += 0.5) {		/* ramp 340 -> ~1040 */
		jit += noise(6) - 0.1 * jit;
		emit(t, 340 + 4.7 * (t - 600) + jit);
	}
	for (; t < 990; t += 0.5) {		/* many jobs at once */
		jit += noise(10) - 0.05 * jit;
		emit(t, 1045 + jit);
	}
	for (d = 0; t < 1010; t += 0.5, d += 3)	/* the link */
		emit(t, 1045 + d + noise(3));
	for (; t < 1013; t += 0.5)		/* done */
		emit(t, 1165 - (t - 1010) * 270);
	for (; t < 1013 + 3600; t += 0.5)
		emit(t, 340 + noise(4));
}

/* A browser: tabs opened in bursts, used a while, closed. */
static void
spikes(void)
{
	int t = 0, k, n;
	double extra;

	seed(4);
	for (; t < 300; t++)
		emit(t, 380 + noise(5));
	for (n = 0; n < 25; n++) {
		int tabs = (int)between(2, 6), hold = (int)between(60, 240);
		int gap = (int)between(120, 420);

		extra = 0;
		for (k = 0; k < tabs; k++) {	/* a tab every ~6 s */
			double step = between(50, 70);
			int j;

			for (j = 0; j < 6; j++, t++) {
				extra += step / 6;
				emit(t, 380 + extra + noise(5));
			}
		}
		for (k = 0; k < hold; k++, t++)
			emit(t, 380 + extra + noise(8));
		for (k = 0; k < gap; k++, t++)
			emit(t, 380 + noise(5));
	}
	for (k = 0; k < 1200; k++, t++)
		emit(t, 380 + noise(5));
}

/* A batch job whose heap grows until it is collected, again and again. */
static void
sawtooth(void)
{
	int t = 0, c, k;

	seed(5);
	for (; t < 120; t++)
		emit(t, 300 + noise(3));
	for (c = 0; c < 12; c++)
		for (k = 0; k < 300; k++, t++)
			emit(t, 300 + 2.2 * k + noise(3));
	for (k = 0; k < 1800; k++, t++)
		emit(t, 300 + noise(3));
}

/* A working set that sits just under the size of RAM for hours. */
static void
plateau(void)
{
	int t = 0, k;

	seed(6);
	for (; t < 300; t++)
		emit(t, 300 + noise(3));
	for (k = 0; k < 120; k++, t++)
		emit(t, 300 + 1.6 * k + noise(3));
	for (k = 0; k < 3 * 3600; k++, t++)
		emit(t, 495 + noise(8));
}

/* One big job, then the machine sits idle (the user went home). */
static void
tail(void)
{
	int t = 0, k;

	seed(7);
	for (; t < 300; t++)
		emit(t, 320 + noise(4));
	for (k = 0; k < 138; k++, t++)		/* 320 -> ~1150 at 6 MiB/s */
		emit(t, 320 + 6.0 * k + noise(4));
	for (k = 0; k < 120; k++, t++)
		emit(t, 1150 + noise(6));
	for (k = 0; k < 3 * 3600; k++, t++)
		emit(t, 160 + noise(2));
}

static const struct {
	const char	*name;
	void		(*gen)(void);
	const char	*what;
} traces[] = {
	{ "office", office, "office work: applications opened and closed, 4 h" },
	{ "leak", leak, "a slow leak (0.1 MiB/s for 3 h), a restart, 1 h idle" },
	{ "compile", compile, "a build to ~1.1 GiB at up to 4.7 MiB/s, 1 h idle" },
	{ "spikes", spikes, "browser tabs: 25 bursts of 2-5 tabs, +100..350 MiB" },
	{ "sawtooth", sawtooth, "a heap growing 2.2 MiB/s to 950 MiB, 12 times" },
	{ "plateau", plateau, "a working set just under RAM for 3 h" },
	{ "tail", tail, "one spike to ~1.1 GiB at 6 MiB/s, then 3 h idle" },
};

int
main(int argc, char **argv)
{
	size_t i;

	if (argc == 2 && strcmp(argv[1], "--list") == 0) {
		for (i = 0; i < sizeof(traces) / sizeof(traces[0]); i++)
			printf("%s\n", traces[i].name);
		return EXIT_OK;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: nfswap-tracegen NAME | --list\n");
		return EXIT_USAGE;
	}
	for (i = 0; i < sizeof(traces) / sizeof(traces[0]); i++) {
		if (strcmp(argv[1], traces[i].name) != 0)
			continue;
		printf("# %s: %s\n# made by nfswap-tracegen %s; "
		    "t_seconds,demand_mib\n", traces[i].name, traces[i].what,
		    traces[i].name);
		traces[i].gen();
		return fflush(stdout) == 0 ? EXIT_OK : EXIT_RUNTIME;
	}
	fprintf(stderr, "nfswap-tracegen: no trace \"%s\" (try --list)\n",
	    argv[1]);
	return EXIT_USAGE;
}
