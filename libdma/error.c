// SPDX-License-Identifier: MIT
/*
 * Error reporting: the per-thread "last error" sentence and the library's
 * reading of errno values. Both buffers are thread-local so that neither
 * function needs a lock and threads never see each other's messages.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libdma_internal.h"

static __thread char last_error[512];
static __thread char strerror_buf[128];

int libdma__fail(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	return err;
}

LIBDMA_EXPORT const char *libdma_errmsg(void)
{
	return last_error;
}

/*
 * What each errno means when libdma returns it. Keep in step with the list
 * in libdma.h; tests/host/test_libdma.c checks every errno named there.
 */
static const struct {
	int err;
	const char *text;
} meanings[] = {
	{ EINVAL, "invalid argument (NULL, zero length, offset + length overflow, "
		  "region outside its buffer, buffer of another device, "
		  "overlapping copy or malformed device spec)" },
	{ EBADF, "handle already closed or freed, or not a libdma object" },
	{ ENODEV, "device gone or not present (is the edudma module loaded "
		  "and an edu device bound to it?)" },
	{ ENOENT, "device node missing from /dev, or a handle the driver "
		  "does not know" },
	{ EACCES, "permission denied on the device node (join its group), or "
		  "registered memory used in a direction its access does not "
		  "allow" },
	{ EPERM, "operation not permitted (the contiguity lab needs root and "
		 "the module parameter lab=1)" },
	{ E2BIG, "the request needs more device commands than the driver "
		 "plans in one call (split it)" },
	{ ENOTTY, "not an edudma device, or the driver lacks this ioctl" },
	{ EPROTO, "the driver's ABI version is not supported by this libdma" },
	{ EOPNOTSUPP, "not supported by this driver or backend (see its features)" },
	{ ENOMEM, "out of memory, or RLIMIT_MEMLOCK reached (pinned memory and "
		  "coherent buffers count alike), or the device's max_coherent" },
	{ EFAULT, "the driver could not access the given user memory" },
	{ ERANGE, "memory beyond the device's DMA mask, and no IOMMU or bounce "
		  "buffer pool the device can reach" },
	{ ENOBUFS, "the DMA layer's bounce buffer pool is full (other mappings "
		   "hold it)" },
	{ EINTR, "interrupted by a signal (not restarted); a transfer or "
		 "copy may be partial (see its stats)" },
	{ ETIMEDOUT, "the device did not complete a DMA command in time" },
	{ EIO, "I/O error reported by the device or driver" },
	{ EBUSY, "device or resource busy" },
};

LIBDMA_EXPORT const char *libdma_strerror(int err)
{
	size_t i;
	int saved_errno = errno;
	const char *text;

	if (err == INT_MIN)	/* -INT_MIN does not exist */
		err = INT_MAX;
	else if (err < 0)
		err = -err;
	if (err == 0)
		return "success";
	for (i = 0; i < sizeof(meanings) / sizeof(meanings[0]); i++)
		if (meanings[i].err == err)
			return meanings[i].text;
	/* GNU strerror_r: returns a static string or fills our buffer. */
	text = strerror_r(err, strerror_buf, sizeof(strerror_buf));
	errno = saved_errno;
	return text;
}
