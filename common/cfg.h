/*
 * cfg.h -- what both programs' libconfig loaders share: "file:line: text"
 * errors, refusal of unknown settings, checked getters.  Nothing here
 * knows a setting's meaning.
 */
#ifndef NFSWAP_CFG_H
#define NFSWAP_CFG_H

#include <libconfig.h>

#include "common.h"

#define CFG_SIZE	100	/* a key type: "4G", or a number of bytes */
#define CFG_NUMSTR	101	/* a key type: a number, or a string */

struct cfg_key {
	const char	*name;
	int		 type;	/* CONFIG_TYPE_*, or CFG_SIZE */
};

int	cfg_at(struct diag *, const char *file, const config_setting_t *,
	    const char *, ...) PRINTF_LIKE(4, 5);
int	cfg_read(config_t *, const char *path, int must_exist, struct diag *);
int	cfg_read_text(config_t *, const char *text, const char *name,
	    struct diag *);
int	cfg_check_keys(const config_setting_t *, const struct cfg_key *,
	    const char *file, struct diag *);
int	cfg_get_path(const config_setting_t *, const char *key, char *dst,
	    size_t len, const char *file, struct diag *);
int	cfg_get_string(const config_setting_t *, const char *key, char *dst,
	    size_t len, const char *file, struct diag *);
int	cfg_get_name(const config_setting_t *, const char *key, char *dst,
	    size_t len, const char *file, struct diag *);
int	cfg_get_u32(const config_setting_t *, const char *key, uint32_t *dst,
	    long long lo, long long hi, const char *file, struct diag *);
int	cfg_get_size(const config_setting_t *, const char *key, uint64_t *dst,
	    const char *file, struct diag *);
int	cfg_get_bool(const config_setting_t *, const char *key, int *dst);

#endif
