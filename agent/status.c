/*
 * status.c -- what nfswapd tells about itself: the status file (JSON,
 * replaced whole, read by monitoring and the tests) after every action,
 * change of state or failure fed in, and the report SIGUSR1 asks for in
 * the log.
 *
 * It only tells: it changes nothing of the agent's, and a status file
 * that cannot be written is never a reason to stop.  Nothing allocates.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "nfswapd.h"

/* s as the inside of a JSON string, without allocating: quotes,
 * backslashes and control characters escaped, other bytes above 0x7e
 * replaced (the kernel log and paths are not promised to be UTF-8). */
static const char *
json(const char *s, char *out, size_t len)
{
	size_t o = 0;

	for (; *s && o + 7 < len; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20)
			o += (size_t)snprintf(out + o, len - o, "\\u%04x", c);
		else
			out[o++] = c > 0x7e ? '?' : (char)c;
	}
	out[o] = '\0';
	return out;
}

void
agent_write_status(struct agent *a)
{
	static char out[8192], e1[PATH_MAXLEN * 2], e2[1024];
	const struct policy_action *x = &a->acted;
	size_t off = 0;
	unsigned i;
	int n;

	n = snprintf(out, sizeof(out), "{\"pid\":%d,\"running\":%s,"
	    "\"state\":\"%s\","
	    "\"swapdir\":\"%s\",\"uptime_s\":%llu,\"last_action\":\"%s\","
	    "\"last_file\":\"%s\",\"last_bytes\":%llu,\"last_error\":\"%s\","
	    "\"io_errors\":%s,\"swap_write_errors\":%lu,"
	    "\"swap_read_errors\":%lu,\"reserve\":%llu,\"files\":[",
	    (int)getpid(),
	    a->running ? "true" : "false", policy_state_name(a->pol.state),
	    json(a->swapdir, e1, sizeof(e1)),
	    (unsigned long long)((mono_ms() - a->started_ms) / 1000),
	    x->act == POLICY_GROW ? "grow" : x->act == POLICY_SHRINK ?
	    "shrink" : "none", x->name, (unsigned long long)x->bytes,
	    json(a->err, e2, sizeof(e2)), a->pol.io_failed ? "true" : "false",
	    a->write_errors, a->read_errors,
	    (unsigned long long)policy_reserve(&a->pol, a->smp.mem_total));
	if (n < 0 || (size_t)n >= sizeof(out))
		return;
	off = (size_t)n;
	for (i = 0; i < a->smp.nfiles && off < sizeof(out); i++) {
		n = snprintf(out + off, sizeof(out) - off,
		    "%s{\"name\":\"%s\",\"size\":%llu,\"used\":%llu}",
		    i ? "," : "", a->smp.files[i].name,
		    (unsigned long long)a->smp.files[i].size,
		    (unsigned long long)a->smp.files[i].used);
		if (n < 0)
			return;
		off += (size_t)n;
	}
	if (off + 3 >= sizeof(out))
		return;
	memcpy(out + off, "]}\n", 3);
	off += 3;
	if (file_replace(a->conf.status_file, out, off, 0644) < 0 && a->verbose)
		log_warn("%s", a->conf.status_file);
	agent_write_metrics(a);
}

void
agent_report(const struct agent *a)
{
	unsigned i;

	log_info("state %s for %llu s; memory %llu/%llu MiB available, swap "
	    "%llu/%llu MiB free; %u files%s%s",
	    policy_state_name(a->pol.state),
	    (unsigned long long)((a->pol.mono - a->pol.entered_ms) / 1000),
	    (unsigned long long)(a->smp.mem_available >> 20),
	    (unsigned long long)(a->smp.mem_total >> 20),
	    (unsigned long long)(a->smp.swap_free >> 20),
	    (unsigned long long)(a->smp.swap_total >> 20), a->smp.nfiles,
	    a->err[0] ? "; last error: " : "", a->err);
	for (i = 0; i < a->smp.nfiles; i++)
		log_info("  %s %llu MiB, %llu MiB used", a->smp.files[i].name,
		    (unsigned long long)(a->smp.files[i].size >> 20),
		    (unsigned long long)(a->smp.files[i].used >> 20));
}
