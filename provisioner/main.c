/*
 * main.c -- nfswap, the server-side admin command.  Thin: options, the
 * configuration, and one command (cmd_*.c), which opens the registry,
 * does one operation and prints the outcome.  Every error is printed
 * once, by the command, and mapped to the documented exit status
 * (common.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"

static const struct command {
	const char	*name;
	int		(*run)(const struct nfswap_conf *, int, char **);
} commands[] = {
	{ "add", cmd_add },
	{ "remove", cmd_remove },
	{ "list", cmd_list },
	{ "show", cmd_show },
	{ "quota", cmd_quota },
	{ "move", cmd_move },
	{ "heads", cmd_heads },
	{ "exports", cmd_exports },
	{ "audit", cmd_audit },
	{ "metrics", cmd_metrics },
	{ "serve", serve_main },
	{ NULL, NULL }
};

/* "nfswap COMMAND --help": that command's lines of the usage text; an
 * unknown command is a usage error, as it is without --help. */
static int
command_help(const char *name)
{
	const char *line = cmd_usage_text, *end;
	size_t len = strlen(name);
	int found = 0;

	while ((end = strchr(line, '\n')) != NULL) {
		if (line[0] == ' ' && strncmp(line + 2, name, len) == 0 &&
		    (line[2 + len] == ' ' || line[2 + len] == '\n')) {
			printf("usage: nfswap [-c CONFIG] %.*s\n",
			    (int)(end - line - 2), line + 2);
			found = 1;
		}
		line = end + 1;
	}
	if (!found)
		return cmd_usage("unknown command \"%s\"", name);
	printf("See nfswap(8).\n");
	return EXIT_OK;
}

static int
wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--help") == 0)
			return 1;
	return 0;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char *config = NULL;
	const struct command *cmd;
	struct nfswap_conf conf;
	struct diag d;
	int ch, check = 0;

	log_init("nfswap", 1, 0);
	while ((ch = getopt_long(argc, argv, "+c:nhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			config = optarg;
			break;
		case 'n':
			check = 1;
			break;
		case 'h':
			fputs(cmd_usage_text, stdout);
			return EXIT_OK;
		case 'V':
			printf("nfswap %s\n", NFSWAP_VERSION);
			return EXIT_OK;
		default:
			return cmd_usage(NULL);
		}
	}
	/* Before the configuration: help needs none. */
	if (optind < argc && strcmp(argv[optind], "help") == 0) {
		if (optind + 1 < argc)
			return command_help(argv[optind + 1]);
		fputs(cmd_usage_text, stdout);
		return EXIT_OK;
	}
	if (optind < argc && wants_help(argc - optind, argv + optind))
		return command_help(argv[optind]);
	if (conf_load(&conf, config ? config : NFSWAP_CONF_DEFAULT,
	    config != NULL, &d) < 0)
		return cmd_report(&d);
	if (check) {
		if (optind != argc)
			return cmd_usage("-n takes no command");
		printf("configuration OK%s%s\n", conf.file[0] ? ": " :
		    " (built-in defaults)", conf.file);
		cmd_warn_insecure(&conf);
		return EXIT_OK;
	}
	if (optind == argc)
		return cmd_usage("no command given");
	for (cmd = commands; cmd->name; cmd++)
		if (strcmp(cmd->name, argv[optind]) == 0)
			return cmd->run(&conf, argc - optind, argv + optind);
	return cmd_usage("unknown command \"%s\"", argv[optind]);
}
