// SPDX-License-Identifier: MIT
/*
 * How physically contiguous a process's memory is: the page frame of each
 * 4 KiB page from /proc/self/pagemap, and the runs of consecutive frames
 * - the count the driver reports as a pinned buffer's physical segments
 * (docs/pinning.md). The kernel shows frame numbers to CAP_SYS_ADMIN only
 * (zeros otherwise), so the cell is unavailable without it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "native_lab.h"

#define PM_PRESENT	(1ull << 63)
#define PM_PFN		((1ull << 55) - 1)

void nl_count_runs(const uint64_t *pfn, uint64_t n, uint64_t *runs,
		   uint64_t *largest)
{
	uint64_t i, len = 0;

	*runs = 0;
	*largest = 0;
	for (i = 0; i < n; i++) {
		if (i && pfn[i] && pfn[i - 1] && pfn[i] == pfn[i - 1] + 1) {
			len++;
		} else {
			(*runs)++;
			len = 1;
		}
		if (len > *largest)
			*largest = len;
	}
}

int nl_phys_runs(const void *p, size_t size, uint64_t *runs, uint64_t *largest,
		 char *note)
{
	uintptr_t first = (uintptr_t)p / 4096, last = ((uintptr_t)p + size - 1) / 4096;
	uint64_t n = last - first + 1, i, *pfn = malloc(n * 8);
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC), err = 0;
	ssize_t got;

	if (fd < 0 || !pfn) {
		err = fd < 0 ? -errno : -ENOMEM;
		snprintf(note, NL_NOTE, "/proc/self/pagemap: %s", strerror(-err));
		goto out;
	}
	got = pread(fd, pfn, n * 8, (off_t)(first * 8));
	if (got != (ssize_t)(n * 8)) {
		err = got < 0 ? -errno : -EIO;
		snprintf(note, NL_NOTE, "reading /proc/self/pagemap: %s",
			 strerror(-err));
		goto out;
	}
	for (i = 0; i < n; i++)
		pfn[i] = pfn[i] & PM_PRESENT ? pfn[i] & PM_PFN : 0;
	for (i = 0; i < n && !pfn[i]; i++)
		;
	if (i == n) {
		err = -EPERM;
		snprintf(note, NL_NOTE, "/proc/self/pagemap shows page frames to "
			 "CAP_SYS_ADMIN only (run as root)");
		goto out;
	}
	nl_count_runs(pfn, n, runs, largest);
out:
	if (fd >= 0)
		close(fd);
	free(pfn);
	return err;
}
