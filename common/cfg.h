/*
 * cfg.h -- what both programs' libconfig loaders share: settings as
 * tables, one row per setting (its group, name, type, limits, default and
 * place in the struct), read by one engine; "file:line: text" errors;
 * refusal of unknown settings.  Nothing here knows a setting's meaning:
 * that is in the rows (agent/conf.c, provisioner/config.c).
 */
#ifndef NFSWAP_CFG_H
#define NFSWAP_CFG_H

#include <stddef.h>
#include <libconfig.h>

#include "common.h"

/* The libconfig type a row's setting must have, besides CONFIG_TYPE_*: */
#define CFG_SIZE	100	/* "4G", or a number of bytes */
#define CFG_NUMSTR	101	/* a number, or a string */
#define CFG_ANY		102	/* any: the row's parse() checks */

/* How a row's value is read, and what it is stored as. */
enum cfg_kind {
	CFG_STR,	/* char[]: a string that fits */
	CFG_PATH,	/* char[]: an absolute path (valid_abspath) */
	CFG_NAME,	/* char[]: a plain name (valid_name) */
	CFG_UINT,	/* uint32_t or uint64_t (by size), lo to hi */
	CFG_BOOL,	/* int */
	CFG_BYTES,	/* uint64_t: a size, "4G" or a number of bytes */
	CFG_ENUM,	/* int (an enum): the value's index in names[] */
	CFG_GROUP,	/* a group: the rows whose group is this row's name */
	CFG_CALL,	/* parse() alone */
};

struct cfg_row;
/*
 * A row's own handling: after the kind's (a check across fields, a
 * message of its own), or instead of it (CFG_CALL).  text is the value as
 * text (a string, or an integer in decimal; NULL for a list, an array or
 * a group) -- the default's text when s is NULL.
 */
typedef int cfg_parse_fn(void *conf, const struct cfg_row *, const char *text,
    const config_setting_t *s, const char *file, struct diag *);

struct cfg_row {
	const char	*group;		/* "" for the top level */
	const char	*name;
	enum cfg_kind	 kind;
	int		 type;		/* CONFIG_TYPE_*, CFG_SIZE, CFG_NUMSTR, CFG_ANY */
	size_t		 off, len;	/* the field: offsetof, sizeof */
	long long	 lo, hi;	/* CFG_UINT's limits */
	const char	*def;		/* the default as the man page gives it;
					 * NULL: none, or computed elsewhere */
	const char *const *names;	/* CFG_ENUM, NULL-terminated */
	cfg_parse_fn	*parse;		/* or NULL */
	unsigned	 flags;
};
#define CFG_RELOAD	0x1		/* SIGHUP applies it (nfswapd) */

/* A row's field: offsetof and sizeof, for the table's off and len. */
#define CFG_FIELD(type, f)	offsetof(type, f), sizeof(((type *)0)->f)

int	cfg_at(struct diag *, const char *file, const config_setting_t *,
	    const char *, ...) PRINTF_LIKE(4, 5);
int	cfg_read(config_t *, const char *path, int must_exist, struct diag *);
int	cfg_read_text(config_t *, const char *text, const char *name,
	    struct diag *);
int	cfg_defaults(const struct cfg_row *, void *conf);
int	cfg_load(const struct cfg_row *, const char *group, void *conf,
	    const config_setting_t *, const char *file, struct diag *);
int	cfg_check_names(const config_setting_t *, const char *const *names,
	    int type, const char *file, struct diag *);
int	cfg_uint(const config_setting_t *, const char *name, long long lo,
	    long long hi, long long *v, const char *file, struct diag *);

#endif
