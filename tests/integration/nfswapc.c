/*
 * nfswapc.c -- a test client for "nfswap serve", through the client stubs
 * rpcgen writes from common/nfswap_prot.x.  One line of output per call:
 *
 *   nfswapc ADDR PORT null
 *   nfswapc ADDR PORT lookup                -> OK client path quota uid opts
 *   nfswapc ADDR PORT lookup2               -> (version 2) OK client path
 *                                              server nfsport mountport
 *                                              allocate|no-allocate
 *   nfswapc ADDR PORT allocate NAME SIZE    -> the status name
 *   nfswapc ADDR PORT wait NAME SIZE        -> ALLOCATE until not INPROGRESS
 *   nfswapc ADDR PORT release NAME
 *   nfswapc ADDR PORT status                -> OK quota used n: name:size:alloc...
 *   nfswapc ADDR PORT burst N               -> N LOOKUPs at once: OK n busy m
 *   nfswapc ADDR PORT garbage N [TCPPORT]   -> N connections of junk
 *
 * PORT 0 asks the portmapper.  Exit 0 when the call was answered.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <rpc/rpc.h>

#include "nfswap_prot.h"

static const char *const stat_names[] = {
	"OK", "UNKNOWN", "INVAL", "QUOTA", "NOSPC", "EXIST", "NOENT",
	"INPROGRESS", "BUSY", "IO", "NOTSUPP"
};

static const char *
sname(nfswap_stat s)
{
	return (unsigned)s < sizeof(stat_names) / sizeof(stat_names[0]) ?
	    stat_names[s] : "?";
}

/* Junk over TCP: random records, huge record marks, truncated calls. */
static int
garbage(const char *addr, unsigned port, int n)
{
	struct sockaddr_in sa;
	unsigned char buf[4096];
	int i, fd;
	size_t len, k;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
		return 2;
	srand((unsigned)time(NULL));
	for (i = 0; i < n; i++) {
		if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
			return 1;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			close(fd);
			return 1;
		}
		len = 1 + (size_t)rand() % sizeof(buf);
		for (k = 0; k < len; k++)
			buf[k] = (unsigned char)rand();
		switch (i % 4) {
		case 0:		/* a last-fragment mark over random bytes */
			buf[0] |= 0x80;
			break;
		case 1:		/* a record mark claiming 2 GiB */
			buf[0] = 0xff; buf[1] = 0xff; buf[2] = 0xff; buf[3] = 0xff;
			break;
		case 2: {	/* a CALL to our program with junk arguments */
			uint32_t h[10] = { htonl(0x80000000u | (36 + 64)),
			    htonl((uint32_t)i), 0, htonl(2), htonl(NFSWAP_PROG),
			    htonl(NFSWAP_V1), htonl(NFSWAPPROC_ALLOCATE), 0, 0, 0 };

			memcpy(buf, h, sizeof(h));
			if (len < sizeof(h) + 64)
				len = sizeof(h) + 64;
			break;
		}
		default:	/* a CALL cut short */
			len = 7;
			break;
		}
		if (write(fd, buf, len) < 0)
			(void)0;	/* the server may hang up: fine */
		close(fd);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sa;
	struct timeval tv = { 30, 0 };
	CLIENT *cl;
	int sock = RPC_ANYSOCK, rc = 0;
	unsigned port;
	const char *op;

	if (argc < 4) {
		fprintf(stderr, "usage: nfswapc ADDR PORT OP [ARGS]\n");
		return 2;
	}
	port = (unsigned)strtoul(argv[2], NULL, 10);
	op = argv[3];
	if (strcmp(op, "garbage") == 0)
		return garbage(argv[1], argc > 5 ? (unsigned)atoi(argv[5]) : port,
		    argc > 4 ? atoi(argv[4]) : 100);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1)
		return 2;
	cl = clnttcp_create(&sa, NFSWAP_PROG, strcmp(op, "lookup2") == 0 ?
	    NFSWAP_V2 : NFSWAP_V1, &sock, 0, 0);
	if (cl == NULL) {
		clnt_pcreateerror("nfswapc");
		return 1;
	}
	clnt_control(cl, CLSET_TIMEOUT, (char *)&tv);
	if (strcmp(op, "null") == 0) {
		if (nfswapproc_null_1(NULL, cl) == NULL)
			rc = 1;
		else
			printf("OK\n");
	} else if (strcmp(op, "lookup") == 0) {
		nfswap_lookup_res *r = nfswapproc_lookup_1(NULL, cl);

		if (r == NULL)
			rc = 1;
		else if (r->status != NFSWAP_OK)
			printf("%s\n", sname(r->status));
		else
			printf("OK %s %s %llu %u %s\n",
			    r->nfswap_lookup_res_u.ok.client,
			    r->nfswap_lookup_res_u.ok.export_path,
			    (unsigned long long)r->nfswap_lookup_res_u.ok.quota,
			    r->nfswap_lookup_res_u.ok.anon_uid,
			    r->nfswap_lookup_res_u.ok.mount_options);
	} else if (strcmp(op, "lookup2") == 0) {
		nfswap_lookup2_res *r = nfswap2proc_lookup_2(NULL, cl);

		if (r == NULL)
			rc = 1;
		else if (r->status != NFSWAP_OK)
			printf("%s\n", sname(r->status));
		else
			printf("OK %s %s %s %u %u %s\n",
			    r->nfswap_lookup2_res_u.ok.client,
			    r->nfswap_lookup2_res_u.ok.export_path,
			    r->nfswap_lookup2_res_u.ok.server[0] ?
			    r->nfswap_lookup2_res_u.ok.server : "-",
			    r->nfswap_lookup2_res_u.ok.nfs_port,
			    r->nfswap_lookup2_res_u.ok.mount_port,
			    r->nfswap_lookup2_res_u.ok.allocate ? "allocate" :
			    "no-allocate");
	} else if ((strcmp(op, "allocate") == 0 || strcmp(op, "wait") == 0) &&
	    argc == 6) {
		nfswap_alloc_args a;
		nfswap_stat *s;
		int tries = 0;

		a.name = argv[4];
		a.size = strtoull(argv[5], NULL, 10);
		do {
			if (tries++ > 0)
				usleep(200 * 1000);
			s = nfswapproc_allocate_1(&a, cl);
		} while (s != NULL && strcmp(op, "wait") == 0 &&
		    (*s == NFSWAP_INPROGRESS || *s == NFSWAP_BUSY) &&
		    tries < 3000);
		if (s == NULL)
			rc = 1;
		else
			printf("%s\n", sname(*s));
	} else if (strcmp(op, "release") == 0 && argc == 5) {
		nfswap_release_args a;
		nfswap_stat *s;

		a.name = argv[4];
		if ((s = nfswapproc_release_1(&a, cl)) == NULL)
			rc = 1;
		else
			printf("%s\n", sname(*s));
	} else if (strcmp(op, "burst") == 0 && argc == 5) {
		int i, n = atoi(argv[4]), okn = 0, busy = 0;

		for (i = 0; i < n; i++) {
			nfswap_lookup_res *r = nfswapproc_lookup_1(NULL, cl);

			if (r == NULL) {
				rc = 1;
				break;
			}
			if (r->status == NFSWAP_OK)
				okn++;
			else if (r->status == NFSWAP_BUSY)
				busy++;
			xdr_free((xdrproc_t)xdr_nfswap_lookup_res, (char *)r);
		}
		printf("OK %d busy %d\n", okn, busy);
	} else if (strcmp(op, "status") == 0) {
		nfswap_status_res *r = nfswapproc_status_1(NULL, cl);
		unsigned i;

		if (r == NULL)
			rc = 1;
		else if (r->status != NFSWAP_OK)
			printf("%s\n", sname(r->status));
		else {
			printf("OK %llu %llu %u:",
			    (unsigned long long)r->nfswap_status_res_u.ok.quota,
			    (unsigned long long)r->nfswap_status_res_u.ok.used,
			    r->nfswap_status_res_u.ok.in_progress);
			for (i = 0; i < r->nfswap_status_res_u.ok.files.files_len;
			    i++) {
				nfswap_file *f =
				    &r->nfswap_status_res_u.ok.files.files_val[i];

				printf(" %s:%llu:%llu", f->name,
				    (unsigned long long)f->size,
				    (unsigned long long)f->allocated);
			}
			printf("\n");
		}
	} else {
		fprintf(stderr, "nfswapc: unknown operation %s\n", op);
		rc = 2;
	}
	if (rc == 1)
		clnt_perror(cl, "nfswapc");
	clnt_destroy(cl);
	return rc;
}
