/*
 * registry_heads.c -- which NFS head serves each client: heads/HEAD/NAME
 * -> NAME for each client placed on HEAD, so that a head's clients are
 * counted without reading a record.  A placement entry is written before
 * the record that names the head (the commit point) and removed after
 * it, so a crash leaves at worst a stale entry, which counts until the
 * next add or remove of that name replaces it.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "registry.h"

static void
head_dir(const struct registry *reg, const char *head, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", reg->heads, head);
}

/* The clients placed on head: its entries (a stale one, left by a crash,
 * counts until the next add or remove of that name replaces it). */
long
registry_head_load(struct registry *reg, const char *head)
{
	char dir[PATH_MAXLEN + 96];
	struct dirent *e;
	long n = 0;
	DIR *dp;

	if (reg->lockfd < 0)
		return 0;	/* no registry yet */
	head_dir(reg, head, dir, sizeof(dir));
	if ((dp = opendir(dir)) == NULL)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(dp)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(dp);
	return n;
}

/*
 * The head a new client goes to: the one asked for, which must be
 * configured, or else the one with the fewest clients (the first listed
 * among equals), so that placement is stable for a given registry.
 */
int
registry_pick_head(struct registry *reg, const char *want, char *out,
    size_t len, struct diag *d)
{
	const struct nfswap_conf *conf = reg->conf;
	long best = -1, load;
	unsigned i;

	out[0] = '\0';
	if (want != NULL && conf->nheads == 0)
		return diag_input(d, EINVAL, "no heads are configured (heads in "
		    "%s)", conf->file[0] ? conf->file : "nfswap.conf");
	if (want != NULL) {
		if (conf_head(conf, want) == NULL)
			return diag_input(d, ENOENT, "no head named \"%s\" in "
			    "the configuration", want);
		snprintf(out, len, "%s", want);
		return 0;
	}
	for (i = 0; i < conf->nheads; i++) {
		if ((load = registry_head_load(reg, conf->heads[i].name)) < 0)
			return diag_sys(d, (int)-load, "cannot count the clients "
			    "of head %s", conf->heads[i].name);
		if (best < 0 || load < best) {
			best = load;
			snprintf(out, len, "%s", conf->heads[i].name);
		}
	}
	return 0;
}

/* heads/HEAD/NAME -> NAME */
int
registry_place(struct registry *reg, const char *head, const char *name)
{
	char dir[PATH_MAXLEN + 96];
	int r;

	head_dir(reg, head, dir, sizeof(dir));
	if ((r = mkdir_p(dir, 0700)) < 0)
		return r;
	return registry_link(dir, name, name);
}

/* Remove heads/HEAD/NAME, if it still names name. */
void
registry_unplace(struct registry *reg, const char *head, const char *name)
{
	char dir[PATH_MAXLEN + 96];

	if (head[0] == '\0')
		return;
	head_dir(reg, head, dir, sizeof(dir));
	registry_unlink(dir, name, name);
}

/* name's placement entries on every configured head but keep: the old one
 * of a move, and any a crash left. */
void
registry_unplace_others(struct registry *reg, const char *keep,
    const char *name)
{
	unsigned i;

	for (i = 0; i < reg->conf->nheads; i++)
		if (strcmp(reg->conf->heads[i].name, keep) != 0)
			registry_unplace(reg, reg->conf->heads[i].name, name);
}

/*
 * Serve client name from head instead.  Its swap may be in use through the
 * head it is on, so that one goes on exporting it (it is "leaving") until
 * the move is finished with now set -- at the move, or by asking again
 * once the client has booted through its new head.  As in an add, the new
 * placement entry comes before the record (the commit point) and the old
 * one goes after it, so a crash leaves at worst a stale entry.  *from gets
 * the head it was on ("" if none).
 */
int
registry_move(struct registry *reg, const char *name, const char *head,
    int now, char *from, size_t len, struct diag *d)
{
	char checked[NAME_MAXLEN + 1];
	struct client c;
	int r, placed = 0;

	if ((r = registry_get(reg, name, &c, d)) < 0 ||
	    (r = registry_pick_head(reg, head, checked, sizeof(checked),
	    d)) < 0)
		return r;
	snprintf(from, len, "%s", c.head);
	if (strcmp(c.head, head) == 0) {
		if (!now || c.leaving[0] == '\0')
			return diag_input(d, EEXIST, "client \"%s\" is already "
			    "on head %s%s", name, head, c.leaving[0] ?
			    " (--now stops the old head exporting it)" : "");
		snprintf(from, len, "%s", c.leaving);
		c.leaving[0] = '\0';
	} else {
		if (now || strcmp(c.leaving, head) == 0)
			c.leaving[0] = '\0';
		else if (c.head[0] != '\0')
			snprintf(c.leaving, sizeof(c.leaving), "%s", c.head);
		snprintf(c.head, sizeof(c.head), "%s", head);
		if ((r = registry_place(reg, head, name)) < 0)
			return diag_sys(d, -r, "cannot place %s on head %s",
			    name, head);
		placed = 1;
	}
	crashpoint("move:before-record");
	if ((r = registry_write(reg, &c)) < 0) {
		if (placed)
			registry_unplace(reg, head, name);
		return diag_sys(d, -r, "cannot write the record of \"%s\"", name);
	}
	registry_unplace_others(reg, head, name);
	return 0;
}

/* Placement entries of each configured head that no record matches: each
 * told to problem. */
void
registry_check_heads(struct registry *reg,
    void (*problem)(void *, const char *), void *arg)
{
	char dir[PATH_MAXLEN + 96], msg[2 * PATH_MAXLEN];
	struct dirent *e;
	struct client c;
	struct diag d;
	unsigned i;
	DIR *dp;
	int r;

	if (reg->lockfd < 0)
		return;
	for (i = 0; i < reg->conf->nheads; i++) {
		const char *head = reg->conf->heads[i].name;

		head_dir(reg, head, dir, sizeof(dir));
		if ((dp = opendir(dir)) == NULL)
			continue;
		while ((e = readdir(dp)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			r = registry_get(reg, e->d_name, &c, &d);
			if (r == 0 && strcmp(c.head, head) == 0)
				continue;
			snprintf(msg, sizeof(msg), "stale placement entry "
			    "%s/%s (%s; it counts as a client of head %s "
			    "until the next add or remove of %s)", dir,
			    e->d_name, r < 0 ? "no such client" :
			    "the client is on another head", head, e->d_name);
			problem(arg, msg);
		}
		closedir(dp);
	}
}
