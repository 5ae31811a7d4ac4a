/*
 * exports.c -- render the registry as kernel nfsd exports(5) lines or as
 * NFS-Ganesha EXPORT blocks.
 *
 * Pure: clients and options in, text out.  It never reads the registry,
 * never writes a file and never logs.  It re-validates every client it is
 * given, because a record may have been edited by hand: nothing reaches the
 * output unless it could have come from a valid "nfswap add".
 *
 * Isolation is the point of every line: an export is open to its client's
 * host only, and squashes every user of that host to the client's own
 * anonymous uid/gid, so one client can neither read nor fill another's swap.
 * And it takes requests from a reserved source port only (Ganesha's
 * PrivilegedPort, the kernel's default "secure"): every user of a client's
 * host is squashed to the same uid, so only the port tells the client's
 * kernel (which swaps) from an unprivileged process on that host, which
 * must never read or write the swapped memory of every other user.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exports.h"

int
exports_format_parse(const char *s, enum exports_format *f)
{
	if (strcmp(s, "kernel") == 0)
		*f = EXPORTS_KERNEL;
	else if (strcmp(s, "ganesha") == 0)
		*f = EXPORTS_GANESHA;
	else
		return -EINVAL;
	return 0;
}

const char *
exports_format_name(enum exports_format f)
{
	return f == EXPORTS_GANESHA ? "ganesha" : "kernel";
}

/*
 * Extra exports(5) options an administrator may add to every line.  Only
 * options that cannot undo isolation or durability are allowed: no
 * no_all_squash/anonuid (another uid), no async (swap lost on a server
 * crash), no crossmnt/nohide (reach other filesystems), no fsid/refer/
 * replicas (must be per-export or redirect clients), no ro/rw (fixed).
 * "insecure" is allowed only when the administrator forces it: it lets
 * any user of a client's host reach that client's swap.  sec= is not an
 * extra option: the "sec" setting places it (render_kernel).
 */
static const char *const kernel_allowed[] = {
	"secure", "insecure", "wdelay", "no_wdelay", "root_squash",
	"acl", "no_acl", "security_label", "pnfs", "no_pnfs",
};
#define NALLOWED (sizeof(kernel_allowed) / sizeof(kernel_allowed[0]))

/* The RPC security flavors both servers take, by their exports(5) names. */
static const char *const sec_flavors[] = { "sys", "krb5", "krb5i", "krb5p" };
#define NFLAVORS (sizeof(sec_flavors) / sizeof(sec_flavors[0]))

/* Whether the comma-separated list s holds the option word. */
static int
has_option(const char *s, const char *word)
{
	size_t n, len = strlen(word);

	for (;;) {
		n = strcspn(s, ",");
		if (n == len && strncmp(s, word, n) == 0)
			return 1;
		if (s[n] == '\0')
			return 0;
		s += n + 1;
	}
}

int
exports_kernel_insecure(const char *s)
{
	return s != NULL && has_option(s, "insecure");
}

/*
 * sec: one flavor, or several separated by ':' in the order of preference
 * (exports(5)'s own syntax), each at most once.  A list is allowed because
 * a site moves its clients from sys to Kerberos one at a time, and both
 * servers offer several flavors per export; an export is only as strong
 * as the weakest flavor it lists.  NULL or "" is sys.
 */
int
exports_check_sec(const char *s, struct diag *d)
{
	unsigned seen = 0;
	size_t i, n;

	if (s == NULL || *s == '\0')
		return 0;
	for (;;) {
		n = strcspn(s, ":");
		if (n == 0)
			return diag_input(d, EINVAL, "an empty flavor in the "
			    "list (flavors are separated by ':', as in "
			    "\"krb5p:krb5i\")");
		for (i = 0; i < NFLAVORS; i++)
			if (strlen(sec_flavors[i]) == n &&
			    strncmp(s, sec_flavors[i], n) == 0)
				break;
		if (i == NFLAVORS)
			return diag_input(d, EINVAL, "unknown flavor (known: "
			    "sys, krb5, krb5i, krb5p; separated by ':')");
		if (seen & (1U << i))
			return diag_input(d, EINVAL,
			    "a flavor is listed twice");
		seen |= 1U << i;
		if (s[n] == '\0')
			return 0;
		s += n + 1;
	}
}

int
exports_check_kernel_options(const char *s, int allow_insecure,
    struct diag *d)
{
	size_t i, n;

	if (*s == '\0')
		return 0;
	for (;;) {
		n = strcspn(s, ",");
		if (n == 0)
			return diag_input(d, EINVAL,
			    "empty option in the extra options list");
		if (n >= 4 && strncmp(s, "sec=", 4) == 0)
			return diag_input(d, EINVAL, "sec= is not an extra "
			    "option: set the flavors with the \"sec\" setting, "
			    "which both export formats follow");
		for (i = 0; i < NALLOWED; i++)
			if (strlen(kernel_allowed[i]) == n &&
			    strncmp(s, kernel_allowed[i], n) == 0)
				break;
		if (i == NALLOWED)
			return diag_input(d, EINVAL, "extra option not allowed "
			    "(allowed: secure, insecure, wdelay, no_wdelay, "
			    "root_squash, acl, no_acl, security_label, pnfs, "
			    "no_pnfs)");
		if (n == 8 && strncmp(s, "insecure", 8) == 0 && !allow_insecure)
			return diag_input(d, EINVAL, "\"insecure\" lets any "
			    "user of a client's host mount its export from a "
			    "port above 1023 and read and write its swap; set "
			    "kernel.allow_insecure = true to force it");
		if (s[n] == '\0')
			return 0;
		s += n + 1;
	}
}

int
exports_check_client(const struct exports_client *c, struct diag *d)
{
	struct host h;

	if (valid_name(c->name, d) < 0)
		return -EINVAL;
	if (valid_host(c->host, &h, d) < 0)
		return -EINVAL;
	if (strcmp(h.canon, c->host) != 0)
		return diag_input(d, EINVAL, "host is not in canonical form");
	if (c->uid == 0 || c->gid == 0)
		return diag_input(d, EINVAL, "anonymous uid/gid must not be "
		    "root");
	if (c->export_id == 0 || c->export_id > UINT16_MAX)
		return diag_input(d, EINVAL, "export id must be 1 to 65535");
	return 0;
}

/*
 * sec= comes first: exports(5) applies the options that follow a sec= to
 * the flavors it lists (and only rw, ro and the squash options may differ
 * between flavors), so with the one sec= in front, every option of the
 * line -- all_squash above all -- holds for every flavor it allows,
 * however a reader treats options before a sec=.  "secure" is not
 * written: it is the kernel's default, and kernel_options may only turn
 * it off when the administrator forced "insecure".
 */
static void
render_kernel(const struct exports_client *c, const struct exports_opts *o,
    struct strbuf *out)
{
	sb_printf(out, "%s/%s %s(sec=%s,rw,sync,no_subtree_check,all_squash,"
	    "anonuid=%" PRIu32 ",anongid=%" PRIu32 "%s%s)\n",
	    o->export_root, c->name, c->host, o->sec, c->uid, c->gid,
	    o->kernel_options[0] ? "," : "", o->kernel_options);
}

/* "krb5p:krb5i" as Ganesha's list, "krb5p, krb5i" */
static void
put_sectype(struct strbuf *out, const char *sec)
{
	size_t n;

	for (;;) {
		n = strcspn(sec, ":");
		sb_printf(out, "%.*s", (int)n, sec);
		if (sec[n] == '\0')
			return;
		sb_printf(out, ", ");
		sec += n + 1;
	}
}

static void
render_ganesha(const struct exports_client *c, const struct exports_opts *o,
    struct strbuf *out)
{
	sb_printf(out,
	    "\n# client %s\n"
	    "EXPORT {\n"
	    "\tExport_Id = %" PRIu32 ";\n"
	    "\tPath = \"%s/%s\";\n"
	    "\tPseudo = \"%s/%s\";\n"
	    "\tAccess_Type = None;\n"
	    "\tSquash = All;\n"
	    "\tAnonymous_Uid = %" PRIu32 ";\n"
	    "\tAnonymous_Gid = %" PRIu32 ";\n"
	    "\tProtocols = 3, 4;\n"
	    "\tTransports = TCP;\n"
	    "\tSecType = ",
	    c->name, c->export_id, o->export_root, c->name,
	    o->pseudo_root, c->name, c->uid, c->gid);
	put_sectype(out, o->sec);
	/* The CLIENT block inherits PrivilegedPort from here: it must not
	 * set it (a CLIENT's own setting wins over its EXPORT's). */
	sb_printf(out, ";\n"
	    "\tPrivilegedPort = true;\n"
	    "\tCLIENT {\n"
	    "\t\tClients = %s;\n"
	    "\t\tAccess_Type = RW;\n"
	    "\t\tSquash = All;\n"
	    "\t}\n"
	    "\tFSAL {\n", c->host);
	if (o->ceph_fs != NULL)
		sb_printf(out,
		    "\t\tName = CEPH;\n"
		    "\t\tFilesystem = \"%s\";\n"
		    "\t\tUser_Id = \"%s\";\n", o->ceph_fs, o->ceph_user);
	else
		sb_printf(out, "\t\tName = VFS;\n");
	sb_printf(out, "\t}\n}\n");
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp((*(const struct exports_client *const *)a)->name,
	    (*(const struct exports_client *const *)b)->name);
}

static int
cmp_host(const void *a, const void *b)
{
	return strcmp((*(const struct exports_client *const *)a)->host,
	    (*(const struct exports_client *const *)b)->host);
}

static int
cmp_id(const void *a, const void *b)
{
	uint32_t x = (*(const struct exports_client *const *)a)->export_id;
	uint32_t y = (*(const struct exports_client *const *)b)->export_id;

	return x < y ? -1 : x > y;
}

/* Two exports for one name, host or Export_Id would be ambiguous. */
static int
check_unique(const struct exports_client *c, size_t n, struct diag *d)
{
	int (*const cmps[])(const void *, const void *) = {
		cmp_name, cmp_host, cmp_id
	};
	static const char *const what[] = { "name", "host", "export id" };
	const struct exports_client **v;
	size_t i, k;

	if (n < 2)
		return 0;
	if ((v = calloc(n, sizeof(*v))) == NULL)
		return diag_input(d, ENOMEM, "out of memory");
	for (k = 0; k < 3; k++) {
		for (i = 0; i < n; i++)
			v[i] = &c[i];
		qsort(v, n, sizeof(*v), cmps[k]);
		for (i = 1; i < n; i++)
			if (cmps[k](&v[i - 1], &v[i]) == 0) {
				diag_input(d, EINVAL, "clients %s and %s share "
				    "one %s", v[i - 1]->name, v[i]->name, what[k]);
				free(v);
				return -EINVAL;
			}
	}
	free(v);
	return 0;
}

/* Everything rendered, checked again: a record may have been edited by
 * hand, and the options come from a configuration file. */
static int
check_all(enum exports_format fmt, const struct exports_client *c, size_t n,
    const struct exports_opts *o, struct diag *d)
{
	struct diag why;
	size_t i;

	if (valid_abspath(o->export_root, &why) < 0 ||
	    valid_abspath(o->pseudo_root, &why) < 0)
		return diag_input(d, EINVAL, "export root: %s", why.msg);
	if (exports_check_kernel_options(o->kernel_options, o->allow_insecure,
	    &why) < 0)
		return diag_input(d, EINVAL, "kernel options: %s", why.msg);
	if (exports_check_sec(o->sec, &why) < 0)
		return diag_input(d, EINVAL, "sec: %s", why.msg);
	if (o->ceph_fs != NULL && (valid_name(o->ceph_fs, &why) < 0 ||
	    o->ceph_user == NULL || valid_name(o->ceph_user, &why) < 0))
		return diag_input(d, EINVAL, "Ceph FSAL: %s", o->ceph_user ?
		    why.msg : "no cephx user");
	if (o->ceph_fs != NULL && fmt == EXPORTS_KERNEL)
		return diag_input(d, EINVAL, "the kernel NFS server cannot "
		    "export CephFS through nfswap: use the ganesha format");
	for (i = 0; i < n; i++)
		if (exports_check_client(&c[i], &why) < 0)
			return diag_input(d, EINVAL, "client %.64s: %s",
			    c[i].name, why.msg);
	return check_unique(c, n, d);
}

int
exports_render(enum exports_format fmt, const struct exports_client *c, size_t n,
    const struct exports_opts *o, struct strbuf *out, struct diag *d)
{
	struct exports_opts eo = *o;
	size_t i;
	int r;

	if (eo.sec == NULL || eo.sec[0] == '\0')
		eo.sec = "sys";
	o = &eo;
	if ((r = check_all(fmt, c, n, o, d)) < 0)
		return r;
	if (fmt == EXPORTS_KERNEL)
		sb_printf(out, "# Generated by nfswap: one line per client. "
		    "Do not edit; run \"nfswap exports\".\n");
	else
		sb_printf(out, "# Generated by nfswap: one EXPORT block per "
		    "client, to %%include from ganesha.conf.\n"
		    "# Do not edit; run \"nfswap exports --format ganesha\".\n");
	for (i = 0; i < n; i++) {
		if (fmt == EXPORTS_KERNEL)
			render_kernel(&c[i], o, out);
		else
			render_ganesha(&c[i], o, out);
	}
	if (out->oom)
		return diag_input(d, ENOMEM, "out of memory");
	return 0;
}
