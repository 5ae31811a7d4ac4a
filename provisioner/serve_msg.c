/*
 * serve_msg.c -- what the monitor accepts in a request from the network
 * side, and how it answers an error.  The network side is the less
 * trusted one: a request is checked here again, whatever that side
 * checked before sending it.
 */
#include <errno.h>
#include <string.h>

#include "serve.h"

/* Strings from the other side end where they must, and the operation is
 * one there is. */
int
msg_request_ok(const struct serve_req *q)
{
	return memchr(q->addr, '\0', sizeof(q->addr)) != NULL &&
	    memchr(q->dns, '\0', sizeof(q->dns)) != NULL &&
	    memchr(q->name, '\0', sizeof(q->name)) != NULL &&
	    q->op >= SERVE_LOOKUP && q->op <= SERVE_STATUS;
}

/* A swap file's name: a client name's rules, and not hidden. */
int
msg_name_ok(const char *name)
{

	return name[0] != '.' && valid_name(name, NULL) == 0;
}

/* The protocol's answer to an errno. */
nfswap_stat
msg_stat(int e)
{
	switch (e) {
	case ENOSPC: return NFSWAP_NOSPC;
	case EDQUOT: return NFSWAP_QUOTA;
	case EEXIST: return NFSWAP_EXIST;
	case ENOENT: return NFSWAP_NOENT;
	case EINVAL: return NFSWAP_INVAL;
	default: return NFSWAP_IO;
	}
}
