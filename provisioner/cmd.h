/*
 * cmd.h -- the nfswap command line: one function per command, in files
 * by what they are about (cmd_clients.c, cmd_exports.c), and what they
 * share (cmd.c).  main.c picks the command.  A command prints its own
 * errors, once, and returns the documented exit status (common.h).
 */
#ifndef NFSWAP_CMD_H
#define NFSWAP_CMD_H

#include <stdint.h>

#include "registry.h"

/* A command's options and positional arguments (cmd_parse). */
struct subopts {
	int		 json, purge, reload, now;
	const char	*host, *quota, *format, *output, *head, *inodes;
	char		*pos[3];
	int		 npos;
};

/* cmd.c */
extern const char cmd_usage_text[];
int	cmd_usage(const char *fmt, ...) PRINTF_LIKE(1, 2);
int	cmd_report(const struct diag *);
int	cmd_emit(struct strbuf *);
void	cmd_warn_if(const struct registry *);
int	cmd_parse(int argc, char **argv, const char *allowed, int min_pos,
	    int max_pos, struct subopts *);
int	cmd_parse_quota(const char *, uint64_t *);
int	cmd_parse_inodes(const char *, uint64_t *);

/* cmd_clients.c */
int	cmd_add(const struct nfswap_conf *, int argc, char **argv);
int	cmd_remove(const struct nfswap_conf *, int argc, char **argv);
int	cmd_list(const struct nfswap_conf *, int argc, char **argv);
int	cmd_show(const struct nfswap_conf *, int argc, char **argv);
int	cmd_quota(const struct nfswap_conf *, int argc, char **argv);
int	cmd_audit(const struct nfswap_conf *, int argc, char **argv);
int	cmd_metrics(const struct nfswap_conf *, int argc, char **argv);

/* cmd_exports.c */
int	cmd_exports(const struct nfswap_conf *, int argc, char **argv);
int	cmd_move(const struct nfswap_conf *, int argc, char **argv);
int	cmd_heads(const struct nfswap_conf *, int argc, char **argv);
void	cmd_warn_insecure(const struct nfswap_conf *);

#endif
