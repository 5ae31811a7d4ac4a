/*
 * cmd.c -- what the nfswap commands share: the usage text, one way to
 * report an error and to write output, and the parsing of a command's
 * arguments and of the sizes and counts they give.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

const char cmd_usage_text[] =
    "usage: nfswap [-hV] [-c CONFIG] [-n] COMMAND [ARGS]\n"
    "       nfswap help [COMMAND] | COMMAND --help\n"
    "  add NAME --host HOST [--quota SIZE] [--inodes N] [--head HEAD]\n"
    "  remove NAME [--purge]\n"
    "  list [--json]\n"
    "  show NAME [--json]\n"
    "  quota NAME [SIZE] [--inodes N]\n"
    "  move NAME HEAD [--now] [--reload]\n"
    "  heads [--json]\n"
    "  exports [--format kernel|ganesha] [--head HEAD] [--output FILE] "
    "[--reload]\n"
    "  audit [--json]\n"
    "  metrics [--output FILE]\n"
    "  serve [-d] [--port N] [--no-rpcbind]\n";

int
cmd_usage(const char *fmt, ...)
{
	va_list ap;

	if (fmt) {
		fprintf(stderr, "nfswap: ");
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fprintf(stderr, "\n");
	}
	fputs(cmd_usage_text, stderr);
	return EXIT_USAGE;
}

int
cmd_report(const struct diag *d)
{
	fprintf(stderr, "nfswap: %s\n", d->msg);
	return d->status ? d->status : EXIT_RUNTIME;
}

int
cmd_emit(struct strbuf *sb)
{
	if (sb->oom) {
		fprintf(stderr, "nfswap: out of memory\n");
		return EXIT_RUNTIME;
	}
	if (sb->len && fwrite(sb->s, 1, sb->len, stdout) != sb->len) {
		perror("nfswap: stdout");
		return EXIT_RUNTIME;
	}
	if (fflush(stdout) != 0) {
		perror("nfswap: stdout");
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}

void
cmd_warn_if(const struct registry *reg)
{
	if (reg->warning[0])
		fprintf(stderr, "nfswap: %s\n", reg->warning);
}

/* getopt_long over a subcommand's arguments: allowed holds the options
 * that apply (their short letters below), the rest are positional. */
int
cmd_parse(int argc, char **argv, const char *allowed, int min_pos,
    int max_pos, struct subopts *o)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "purge", no_argument, NULL, 'p' },
		{ "reload", no_argument, NULL, 'r' },
		{ "host", required_argument, NULL, 'H' },
		{ "quota", required_argument, NULL, 'q' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "head", required_argument, NULL, 'h' },
		{ "now", no_argument, NULL, 'n' },
		{ "inodes", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	memset(o, 0, sizeof(*o));
	optind = 0;	/* glibc: 0 re-initialises getopt after main's "+" scan */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		if (ch == '?')
			return cmd_usage("%s: unknown option \"%s\"", argv[0],
			    argv[optind - 1]);
		if (ch == ':')
			return cmd_usage("%s: option \"%s\" needs a value", argv[0],
			    argv[optind - 1]);
		if (strchr(allowed, ch) == NULL)
			return cmd_usage("%s: option \"%s\" does not apply", argv[0],
			    argv[optind - 1]);
		switch (ch) {
		case 'j': o->json = 1; break;
		case 'p': o->purge = 1; break;
		case 'r': o->reload = 1; break;
		case 'H': o->host = optarg; break;
		case 'q': o->quota = optarg; break;
		case 'f': o->format = optarg; break;
		case 'o': o->output = optarg; break;
		case 'h': o->head = optarg; break;
		case 'n': o->now = 1; break;
		case 'i': o->inodes = optarg; break;
		}
	}
	for (; optind < argc; optind++) {
		if (o->npos == max_pos)
			return cmd_usage("%s: unexpected argument \"%s\"", argv[0],
			    argv[optind]);
		o->pos[o->npos++] = argv[optind];
	}
	if (o->npos < min_pos)
		return cmd_usage("%s: missing argument", argv[0]);
	return 0;
}

int
cmd_parse_quota(const char *s, uint64_t *q)
{
	int r = size_parse(s, q);

	if (r == -ERANGE || (r == 0 && *q > INT64_MAX)) {
		fprintf(stderr, "nfswap: quota \"%s\" is too large\n", s);
		return EXIT_USAGE;
	}
	if (r < 0 || *q == 0) {
		fprintf(stderr, "nfswap: invalid quota \"%s\": a positive size "
		    "with an optional K, M, G or T suffix is expected\n", s);
		return EXIT_USAGE;
	}
	return 0;
}

/* --inodes N: a plain positive count (no suffixes: it is no size). */
int
cmd_parse_inodes(const char *s, uint64_t *n)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || v == 0) {
		fprintf(stderr, "nfswap: invalid inode limit \"%s\": a positive "
		    "whole number is expected\n", s);
		return EXIT_USAGE;
	}
	if (errno == ERANGE || v > INODES_MAX) {
		fprintf(stderr, "nfswap: inode limit \"%s\" is too large (at "
		    "most %llu)\n", s, INODES_MAX);
		return EXIT_USAGE;
	}
	*n = v;
	return 0;
}
