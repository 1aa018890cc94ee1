// SPDX-License-Identifier: MIT
/*
 * A program that uses libdma as an outsider would: only the installed
 * header and library, flags from pkg-config. consumer-test.sh builds it as
 * C and as C++ (so this file is written in their common subset) and runs it
 * on a machine that may have no edu device: opening must then fail cleanly.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libdma.h>

static int failures;

static void check(int ok, const char *what)
{
	printf("  %s %s\n", ok ? "ok  " : "FAIL", what);
	failures += !ok;
}

int main(void)
{
	struct libdma_device *dev = NULL;
	struct libdma_region region;
	char buf[8];
	int err, count;

	printf("libdma %s (header %d.%d)\n", libdma_version_string(),
	       LIBDMA_VERSION_MAJOR, LIBDMA_VERSION_MINOR);
	check(libdma_version() == LIBDMA_VERSION, "runtime version matches the header");
	check(strstr(libdma_strerror(-ENODEV), "device gone") != NULL,
	      "libdma_strerror(-ENODEV) has the library's meaning");
	check(strcmp(libdma_strerror(ENODEV), libdma_strerror(-ENODEV)) == 0,
	      "libdma_strerror takes either sign");

	region = libdma_region_user(buf, sizeof(buf));
	check(region.buf == NULL && region.length == sizeof(buf),
	      "region helpers from the header");

	count = libdma_list(NULL, 0);
	check(count >= 0, "libdma_list counts devices");
	errno = 0;
	err = libdma_open("0", &dev);
	check(errno == 0, "libdma_open leaves errno alone");
	if (count == 0) {
		printf("  (no device) libdma_open: %d, %s\n", err, libdma_errmsg());
		check(err == -ENODEV || err == -ENOENT, "libdma_open fails with -ENODEV/-ENOENT");
		check(dev == NULL, "no handle on failure");
		check(strlen(libdma_errmsg()) > 0, "libdma_errmsg explains the failure");
	} else if (err == 0) {
		check(libdma_close(dev) == 0, "a device is present and opens");
	} else {
		printf("  (device present but not openable) %s\n", libdma_errmsg());
	}
	return failures ? 1 : 0;
}
