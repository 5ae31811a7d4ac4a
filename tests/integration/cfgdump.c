/*
 * cfgdump -- print the settings tables, one row a line, for the check of
 * the man pages and example configs against them (tests/host/confdoc.sh):
 *
 *	FILE GROUP NAME DEFAULT FLAGS
 *
 * FILE is nfswap.conf or nfswapd.conf; GROUP "-" at the top level (the
 * policy group's rows are policy_settings[], which nfswapd.conf's table
 * includes); DEFAULT the row's, as the man page gives it, "-" for none
 * or computed, '' for the empty string; FLAGS "reload" where SIGHUP
 * applies it, else "-".  A group is a row of its own (DEFAULT "group").
 */
#include <stdio.h>
#include <string.h>

#include "cfg.h"
#include "agent.h"
#include "nfswap.h"

extern const struct cfg_row agent_conf_rows[], conf_rows[], conf_head_rows[];

static void
dump(const char *file, const struct cfg_row *rows)
{
	const struct policy_setting *p;

	for (; rows->name; rows++) {
		printf("%s %s %s %s %s\n", file,
		    rows->group[0] ? rows->group : "-", rows->name,
		    rows->kind == CFG_GROUP ||
		    rows->type == CONFIG_TYPE_GROUP ? "group" :
		    rows->type == CONFIG_TYPE_LIST ? "list" :
		    rows->def == NULL ? "-" : rows->def[0] ? rows->def : "''",
		    rows->flags & CFG_RELOAD ? "reload" : "-");
		if (strcmp(file, "nfswapd.conf") == 0 &&
		    strcmp(rows->name, "policy") == 0)
			for (p = policy_settings; p->name; p++)
				printf("%s policy %s %s %s\n", file, p->name,
				    p->def, rows->flags & CFG_RELOAD ?
				    "reload" : "-");
	}
}

int
main(void)
{
	dump("nfswapd.conf", agent_conf_rows);
	dump("nfswap.conf", conf_rows);
	dump("nfswap.conf", conf_head_rows);
	return 0;
}
