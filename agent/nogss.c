/*
 * nogss.c -- for the static nfswapd only: Debian's libtirpc.a is built with
 * RPCSEC_GSS, and its Kerberos libraries have no static archives.  nfswapd
 * speaks to "nfswap serve" with AUTH_NONE and never reaches this code;
 * these stand-ins make libtirpc as if it had been built without GSS: every
 * call fails with GSS_S_FAILURE and the two name types are absent.
 */
#include <stddef.h>

#define GSS_S_FAILURE	(13u << 16)
#define FAIL(name)	unsigned name(void); \
			unsigned name(void) { return GSS_S_FAILURE; }

void *GSS_C_NT_HOSTBASED_SERVICE = NULL;
void *GSS_C_NT_USER_NAME = NULL;

FAIL(gss_accept_sec_context)
FAIL(gss_acquire_cred)
FAIL(gss_canonicalize_name)
FAIL(gss_delete_sec_context)
FAIL(gss_display_name)
FAIL(gss_display_status)
FAIL(gss_duplicate_name)
FAIL(gss_export_name)
FAIL(gss_get_mic)
FAIL(gss_import_name)
FAIL(gss_init_sec_context)
FAIL(gss_pname_to_uid)
FAIL(gss_release_buffer)
FAIL(gss_release_cred)
FAIL(gss_release_name)
FAIL(gss_sign)
FAIL(gss_unwrap)
FAIL(gss_verify_mic)
FAIL(gss_wrap)
FAIL(gss_wrap_size_limit)
