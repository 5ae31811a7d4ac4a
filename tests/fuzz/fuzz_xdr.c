/*
 * The protocol's XDR (common/nfswap_prot.x, the routines rpcgen writes):
 * a call header and the arguments "nfswap serve" decodes, and the results
 * nfswapd decodes from a server, from any bytes; whatever decodes is
 * within the protocol's bounds and is freed without a leak.
 */
#include <rpc/rpc.h>

#include "fuzz.h"
#include "nfswap_prot.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	XDR x;
	char *buf;

	if (size == 0)
		return 0;
	buf = fuzz_tail(data, size);
	xdrmem_create(&x, buf, (u_int)(size - 1), XDR_DECODE);
	switch (data[0] % 7) {
	case 0: {
		struct rpc_msg m;

		memset(&m, 0, sizeof(m));
		(void)xdr_callhdr(&x, &m);
		break;
	}
	case 1: {
		nfswap_alloc_args a;

		memset(&a, 0, sizeof(a));
		if (xdr_nfswap_alloc_args(&x, &a))
			PROPERTY(a.name && strlen(a.name) <= NFSWAP_NAME_MAX);
		xdr_free((xdrproc_t)xdr_nfswap_alloc_args, (char *)&a);
		break;
	}
	case 2: {
		nfswap_release_args a;

		memset(&a, 0, sizeof(a));
		if (xdr_nfswap_release_args(&x, &a))
			PROPERTY(a.name && strlen(a.name) <= NFSWAP_NAME_MAX);
		xdr_free((xdrproc_t)xdr_nfswap_release_args, (char *)&a);
		break;
	}
	case 3: {
		nfswap_lookup_res r;

		memset(&r, 0, sizeof(r));
		(void)xdr_nfswap_lookup_res(&x, &r);
		xdr_free((xdrproc_t)xdr_nfswap_lookup_res, (char *)&r);
		break;
	}
	case 4: {
		nfswap_status_res r;

		memset(&r, 0, sizeof(r));
		(void)xdr_nfswap_status_res(&x, &r);
		xdr_free((xdrproc_t)xdr_nfswap_status_res, (char *)&r);
		break;
	}
	case 5: {
		nfswap_lookup2_res r;

		memset(&r, 0, sizeof(r));
		if (xdr_nfswap_lookup2_res(&x, &r) && r.status == NFSWAP_OK)
			PROPERTY(r.nfswap_lookup2_res_u.ok.server &&
			    strlen(r.nfswap_lookup2_res_u.ok.server) <=
			    NFSWAP_HOST_MAX);
		xdr_free((xdrproc_t)xdr_nfswap_lookup2_res, (char *)&r);
		break;
	}
	default: {
		nfswap_stat s;

		(void)xdr_nfswap_stat(&x, &s);
	}
	}
	xdr_destroy(&x);
	free(buf);
	return 0;
}
