/*
 * asclient.c -- doing a client's work as that client.
 *
 * Whatever root does inside export_root/NAME (write a swap file, measure,
 * purge) it does with the thread's file-system ids set to the client's
 * own uid and gid (setfsuid/setfsgid, which Linux keeps per thread).  The
 * kernel then checks every open, link and unlink against the client's
 * rights, not root's: a hard link or symbolic link that a client plants
 * to a file of someone else's is refused by the kernel itself, not by a
 * check of ours that could race.  While the file-system uid is not 0 the
 * kernel also clears CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH and
 * CAP_FOWNER from the effective set (capabilities(7)).
 *
 * Never call these with another thread's work in mind: they change the
 * calling thread only.
 */
#include <sys/fsuid.h>
#include <sys/syscall.h>
#include <errno.h>
#include <unistd.h>

#include "nfswap.h"

/*
 * setfsuid(2) cannot report failure: it returns the previous id either
 * way.  Asking again with an impossible id (-1) returns the current one,
 * which tells whether the change took.
 */
static int
set_fsuid(uint32_t uid)
{
	(void)setfsuid((uid_t)uid);
	return (uint32_t)setfsuid((uid_t)-1) == uid ? 0 : -EPERM;
}

static int
set_fsgid(uint32_t gid)
{
	(void)setfsgid((gid_t)gid);
	return (uint32_t)setfsgid((gid_t)-1) == gid ? 0 : -EPERM;
}

/* Become uid/gid for file access (group first: once the uid is not 0,
 * the group could no longer be changed without CAP_SETGID). */
int
asclient_enter(uint32_t uid, uint32_t gid)
{
	int r;

	if (uid == 0 || gid == 0)
		return -EINVAL;		/* never "as the client" with root's ids */
	if ((r = set_fsgid(gid)) < 0)
		return r;
	if ((r = set_fsuid(uid)) < 0) {
		(void)set_fsgid((uint32_t)getegid());
		return r;
	}
	return 0;
}

/* Back to the process's own ids. */
int
asclient_leave(void)
{
	int r = set_fsuid((uint32_t)geteuid());

	if (set_fsgid((uint32_t)getegid()) < 0 && r == 0)
		r = -EPERM;
	return r;
}
