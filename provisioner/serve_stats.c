/*
 * serve_stats.c -- what "nfswap serve" has answered, for "nfswap
 * metrics": the network side's counters (calls by procedure and answer,
 * connections closed by reason; sent to the monitor as a COUNTERS
 * message) and, per client, the last LOOKUP and ALLOCATE and the
 * ALLOCATEs granted and refused by reason.  The monitor keeps them and
 * replaces serve.stats_file with them in Prometheus's text format (at
 * most once a second when something changed, at least every
 * STATS_REFRESH_MS, and when it stops); "nfswap metrics" appends that
 * file to its own, and says how old it is.
 *
 * Counters start at zero when the service starts, as Prometheus expects
 * of a process's counters.  Clients are kept by name, at most
 * STATS_CLIENTS_MAX of them (past that, the new ones are not counted
 * per client; the service's counters still are).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "registry.h"
#include "serve.h"

#define STATS_CLIENTS_MAX	65536
#define STATS_MIN_MS		1000	/* between two writes */
#define STATS_REFRESH_MS	15000	/* at least this often */

struct client_stats {
	char		name[NAME_MAXLEN + 1];
	char		host[HOST_MAXLEN + 1];
	int64_t		last_lookup, last_allocate;	/* seconds; 0: never */
	uint64_t	allocate[NFSWAP_NOTSUPP + 1];	/* by answer */
};

static struct {
	const char		*path;
	int64_t			start;
	struct client_stats	*v;
	size_t			n, cap;
	struct serve_counters	net;
	int			dirty, said;
	uint64_t		written_ms;
} S;

/* The answers, as labels: the protocol's (nfswap_stat), then the RPC
 * level's refusals. */
static const char *const serve_status_label[SERVE_NSTATUS] = {
	"ok", "unknown", "inval", "quota", "nospc", "exist", "noent",
	"inprogress", "busy", "io", "notsupp",
	"weakauth", "garbage", "noproc",
};

static const char *const proc_label[SERVE_NPROCS] = {
	"NULL", "LOOKUP", "ALLOCATE", "RELEASE", "STATUS", "other",
};

static const char *const close_label[SERVE_NCLOSE] = {
	"per_address", "no_address", "evicted", "idle", "unread",
};

void
stats_start(const struct nfswap_conf *conf)
{
	memset(&S, 0, sizeof(S));
	S.path = conf->serve.stats_file;
	S.start = (int64_t)time(NULL);
	S.dirty = 1;
}

static struct client_stats *
client_of(const struct client *c)
{
	struct client_stats *e;
	size_t i;

	for (i = 0; i < S.n; i++)
		if (strcmp(S.v[i].name, c->name) == 0)
			break;
	if (i == S.n) {
		if (S.n == STATS_CLIENTS_MAX)
			return NULL;
		if (S.n == S.cap) {
			size_t cap = S.cap ? 2 * S.cap : 64;

			if ((e = realloc(S.v, cap * sizeof(*e))) == NULL)
				return NULL;
			S.v = e;
			S.cap = cap;
		}
		memset(&S.v[i], 0, sizeof(S.v[i]));
		snprintf(S.v[i].name, sizeof(S.v[i].name), "%s", c->name);
		S.n++;
	}
	/* The host as the registry says it now (nfswap move changes it). */
	snprintf(S.v[i].host, sizeof(S.v[i].host), "%s", c->host);
	return &S.v[i];
}

/* A request of a known client answered with status. */
void
stats_call(const struct client *c, uint32_t op, int32_t status)
{
	struct client_stats *e;

	if ((op != SERVE_LOOKUP && op != SERVE_ALLOCATE) ||
	    (e = client_of(c)) == NULL)
		return;
	if (op == SERVE_LOOKUP)
		e->last_lookup = (int64_t)time(NULL);
	else {
		e->last_allocate = (int64_t)time(NULL);
		e->allocate[status >= 0 && status <= NFSWAP_NOTSUPP ? status :
		    NFSWAP_IO]++;
	}
	S.dirty = 1;
}

void
stats_net(const struct serve_counters *net)
{
	S.net = *net;
	S.dirty = 1;
}

static void
head(struct strbuf *sb, const char *name, const char *type,
    const char *help)
{
	sb_printf(sb, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
client_label(struct strbuf *sb, const struct client_stats *e)
{
	sb_printf(sb, "client=");
	sb_putlabel(sb, e->name);
	sb_printf(sb, ",host=");
	sb_putlabel(sb, e->host);
}

/* One sample per client that has one: when it last asked (LOOKUP,
 * ALLOCATE), or its ALLOCATEs answered OK (once it has asked any). */
enum which { LAST_LOOKUP, LAST_ALLOCATE, ALLOCATED };

static void
per_client(struct strbuf *sb, const char *name, const char *type,
    const char *help, enum which w)
{
	size_t i;

	head(sb, name, type, help);
	for (i = 0; i < S.n; i++) {
		const struct client_stats *e = &S.v[i];
		int64_t t = w == LAST_LOOKUP ? e->last_lookup : e->last_allocate;

		if (t == 0)
			continue;
		sb_printf(sb, "%s{", name);
		client_label(sb, e);
		if (w == ALLOCATED)
			sb_printf(sb, "} %" PRIu64 "\n", e->allocate[NFSWAP_OK]);
		else
			sb_printf(sb, "} %" PRId64 "\n", t);
	}
}

static void
render(struct strbuf *sb)
{
	size_t i, k;

	head(sb, "nfswap_serve_start_time_seconds", "gauge",
	    "When the service started, in seconds since the epoch.");
	sb_printf(sb, "nfswap_serve_start_time_seconds %" PRId64 "\n", S.start);
	head(sb, "nfswap_serve_stats_time_seconds", "gauge",
	    "When the service wrote these figures.");
	sb_printf(sb, "nfswap_serve_stats_time_seconds %" PRId64 "\n",
	    (int64_t)time(NULL));
	head(sb, "nfswap_serve_requests_total", "counter",
	    "Calls answered, by procedure and answer.");
	for (i = 0; i < SERVE_NPROCS; i++)
		for (k = 0; k < SERVE_NSTATUS; k++)
			if (S.net.calls[i][k] != 0)
				sb_printf(sb, "nfswap_serve_requests_total"
				    "{procedure=\"%s\",status=\"%s\"} %" PRIu64
				    "\n", proc_label[i], serve_status_label[k],
				    S.net.calls[i][k]);
	head(sb, "nfswap_serve_connections_accepted_total", "counter",
	    "Connections accepted.");
	sb_printf(sb, "nfswap_serve_connections_accepted_total %" PRIu64 "\n",
	    S.net.accepted);
	head(sb, "nfswap_serve_connections_closed_total", "counter",
	    "Connections the service closed, by reason: refused "
	    "(per_address, no_address), evicted for a newcomer, or a hostile "
	    "peer dropped (idle, unread).");
	for (k = 0; k < SERVE_NCLOSE; k++)
		sb_printf(sb, "nfswap_serve_connections_closed_total"
		    "{reason=\"%s\"} %" PRIu64 "\n", close_label[k],
		    S.net.closed[k]);
	per_client(sb, "nfswap_client_last_lookup_timestamp_seconds", "gauge",
	    "The client's last LOOKUP (its last boot), since the epoch.",
	    LAST_LOOKUP);
	per_client(sb, "nfswap_client_last_allocate_timestamp_seconds", "gauge",
	    "The client's last ALLOCATE, since the epoch.", LAST_ALLOCATE);
	per_client(sb, "nfswap_client_allocations_total", "counter",
	    "The client's ALLOCATEs answered OK (the file is there).",
	    ALLOCATED);
	head(sb, "nfswap_client_allocate_refusals_total", "counter",
	    "The client's ALLOCATEs refused, by reason (not those answered "
	    "INPROGRESS: under way).");
	for (i = 0; i < S.n; i++)
		for (k = 1; k <= NFSWAP_NOTSUPP; k++)
			if (S.v[i].allocate[k] != 0 &&
			    k != NFSWAP_INPROGRESS) {
				sb_printf(sb, "nfswap_client_allocate_refusals_total{");
				client_label(sb, &S.v[i]);
				sb_printf(sb, ",reason=\"%s\"} %" PRIu64 "\n",
				    serve_status_label[k], S.v[i].allocate[k]);
			}
}

/* Write the file if it is due (or force: at the end).  A failure is said
 * once, and the service goes on. */
void
stats_flush(int force)
{
	uint64_t now = mono_ms();
	struct strbuf sb;
	int r;

	if (S.path == NULL || S.path[0] == '\0')
		return;
	if (!force && !(S.dirty && now - S.written_ms >= STATS_MIN_MS) &&
	    now - S.written_ms < STATS_REFRESH_MS)
		return;
	sb_init(&sb);
	render(&sb);
	r = sb.oom ? -ENOMEM : file_replace(S.path, sb.s, sb.len, 0644);
	sb_free(&sb);
	S.written_ms = now;
	if (r < 0) {
		if (!S.said)
			log_warnx("serve: cannot write %s: %s (serve.stats_file)",
			    S.path, strerror(-r));
		S.said = 1;
		return;
	}
	S.said = 0;
	S.dirty = 0;
}

/* The last figures written, and the table let go. */
void
stats_stop(void)
{
	stats_flush(1);
	free(S.v);
	S.v = NULL;
	S.n = S.cap = 0;
}
