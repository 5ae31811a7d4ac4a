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
	{ "serve", serve_main },
	{ NULL, NULL }
};

int
main(int argc, char *argv[])
{
	const char *config = NULL;
	const struct command *cmd;
	struct nfswap_conf conf;
	struct diag d;
	int ch, check = 0;

	log_init("nfswap", 1, 0);
	while ((ch = getopt(argc, argv, "+c:nhV")) != -1) {
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
