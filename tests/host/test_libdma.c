// SPDX-License-Identifier: MIT
/*
 * libdma on a machine without the device (the build host): versions,
 * error texts, device specs, and the messages users get when the module or
 * the device is missing or the node is not theirs to open. The argument
 * checks and object lifetimes are in test_libdma_checks.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <libdma.h>

#include "../common/edutest.h"
#include "../../libdma/libdma_internal.h"

#define ASSERT_MSG_HAS(needle) do {					\
	if (!strstr(libdma_errmsg(), (needle)))				\
		printf("\n    errmsg \"%s\" lacks \"%s\"\n",		\
		       libdma_errmsg(), (needle));			\
	CU_ASSERT_PTR_NOT_NULL(strstr(libdma_errmsg(), (needle)));	\
} while (0)

/* ------------------------------------------------------------ version */

static void test_version_matches_header(void)
{
	char expect[32];

	CU_ASSERT_EQUAL(libdma_version(), LIBDMA_VERSION);
	CU_ASSERT_EQUAL(libdma_version() >> 16, LIBDMA_VERSION_MAJOR);
	CU_ASSERT_EQUAL(libdma_version() & 0xffff, LIBDMA_VERSION_MINOR);
	snprintf(expect, sizeof(expect), "%d.%d", LIBDMA_VERSION_MAJOR,
		 LIBDMA_VERSION_MINOR);
	CU_ASSERT_STRING_EQUAL(libdma_version_string(), expect);
}

/* ----------------------------------------------------------- strerror */

/* Every errno libdma.h documents. */
static const int documented[] = {
	EINVAL, EBADF, ENODEV, ENOENT, EACCES, ENOTTY, EPROTO, EOPNOTSUPP,
	ENOMEM, EFAULT, ERANGE, ENOBUFS, EINTR, ETIMEDOUT, EIO, EBUSY, EPERM,
	E2BIG,
};

static void test_strerror_documented(void)
{
	size_t i;

	for (i = 0; i < sizeof(documented) / sizeof(documented[0]); i++) {
		const char *neg = libdma_strerror(-documented[i]);
		const char *pos = libdma_strerror(documented[i]);

		CU_ASSERT_PTR_NOT_NULL_FATAL(neg);
		CU_ASSERT_STRING_EQUAL(neg, pos);
		CU_ASSERT(strlen(neg) > 10);
		CU_ASSERT(strncmp(neg, "Unknown error", 13) != 0);
	}
}

static void test_strerror_library_meanings(void)
{
	CU_ASSERT_PTR_NOT_NULL(strstr(libdma_strerror(-ENODEV), "device gone or not present"));
	CU_ASSERT_PTR_NOT_NULL(strstr(libdma_strerror(-EACCES), "group"));
	CU_ASSERT_PTR_NOT_NULL(strstr(libdma_strerror(-ENOBUFS), "bounce buffer pool"));
	CU_ASSERT_PTR_NOT_NULL(strstr(libdma_strerror(-ENOMEM), "coherent buffers"));
	CU_ASSERT_PTR_NOT_NULL(strstr(libdma_strerror(-EINTR), "partial"));
	CU_ASSERT_PTR_NOT_NULL(strstr(libdma_strerror(-EBADF), "closed"));
	CU_ASSERT_PTR_NOT_NULL(strstr(libdma_strerror(-EPROTO), "ABI"));
}

static void test_strerror_other_values(void)
{
	CU_ASSERT_STRING_EQUAL(libdma_strerror(0), "success");
	/* Not a libdma meaning: the C library's text. */
	CU_ASSERT_STRING_EQUAL(libdma_strerror(-ENOSPC), strerror(ENOSPC));
	CU_ASSERT_PTR_NOT_NULL(strstr(libdma_strerror(-99999), "99999"));
	CU_ASSERT_PTR_NOT_NULL(libdma_strerror(-2147483647));
}

/*
 * The header's list of errors and the table above must agree: read every
 * "-Exxx" of libdma.h's error section and check it is in 'documented'.
 * Runs where the source tree is at hand (cwd = tree root).
 */
static void test_strerror_covers_header(void)
{
	FILE *f = fopen("include/libdma.h", "r");
	char line[256];
	int seen = 0;

	if (!f)
		EDUTEST_SKIP("include/libdma.h not found from the current directory");
	while (fgets(line, sizeof(line), f)) {
		char name[32];
		const char *p = strstr(line, " *   -E");
		size_t i;
		int found = 0;

		if (!p || sscanf(p + 6, "%31[A-Z0-9]", name) != 1)
			continue;
		seen++;
		for (i = 0; i < sizeof(documented) / sizeof(documented[0]); i++)
			if (!strcmp(strerrorname_np(documented[i]), name))
				found = 1;
		if (!found)
			printf("\n    libdma.h documents %s, the test does not\n", name);
		CU_ASSERT(found);
	}
	fclose(f);
	CU_ASSERT_EQUAL(seen, (int)(sizeof(documented) / sizeof(documented[0])));
}

/* -------------------------------------------------------------- errno */

static void test_errno_left_alone(void)
{
	struct libdma_device *dev;

	errno = 4242;
	CU_ASSERT(libdma_open("/nonexistent/edudma9", &dev) < 0);
	CU_ASSERT_EQUAL(errno, 4242);
	CU_ASSERT(libdma_open("nonsense!", &dev) < 0);
	CU_ASSERT_EQUAL(errno, 4242);
	CU_ASSERT(libdma_list(NULL, 0) >= 0);
	CU_ASSERT_EQUAL(errno, 4242);
	CU_ASSERT(libdma_close(NULL) < 0);
	(void)libdma_strerror(-12345);
	CU_ASSERT_EQUAL(errno, 4242);
}

/* -------------------------------------------------------------- specs */

static void test_spec_forms(void)
{
	struct libdma_spec s;

	CU_ASSERT_EQUAL(libdma__spec_parse("0", &s), 0);
	CU_ASSERT(s.kind == LIBDMA_SPEC_INDEX && s.index == 0);
	CU_ASSERT_EQUAL(libdma__spec_parse("17", &s), 0);
	CU_ASSERT(s.kind == LIBDMA_SPEC_INDEX && s.index == 17);
	CU_ASSERT_EQUAL(libdma__spec_parse("edudma3", &s), 0);
	CU_ASSERT(s.kind == LIBDMA_SPEC_INDEX && s.index == 3);
	CU_ASSERT_EQUAL(libdma__spec_parse("/dev/edudma0", &s), 0);
	CU_ASSERT(s.kind == LIBDMA_SPEC_NODE);
	CU_ASSERT_STRING_EQUAL(s.text, "/dev/edudma0");
	CU_ASSERT_EQUAL(libdma__spec_parse("./edudma0", &s), 0);
	CU_ASSERT(s.kind == LIBDMA_SPEC_NODE);
	CU_ASSERT_EQUAL(libdma__spec_parse("0000:00:04.0", &s), 0);
	CU_ASSERT(s.kind == LIBDMA_SPEC_PCI);
	CU_ASSERT_STRING_EQUAL(s.text, "0000:00:04.0");
	CU_ASSERT_EQUAL(libdma__spec_parse("00:1F.7", &s), 0);
	CU_ASSERT_STRING_EQUAL(s.text, "0000:00:1f.7");
	CU_ASSERT_EQUAL(libdma__spec_parse("10000:3:4.1", &s), 0);
	CU_ASSERT_STRING_EQUAL(s.text, "10000:03:04.1");
	CU_ASSERT_EQUAL(libdma__spec_parse("vfio:00:04.0", &s), 0);
	CU_ASSERT(s.kind == LIBDMA_SPEC_VFIO);
	CU_ASSERT_STRING_EQUAL(s.text, "0000:00:04.0");
}

static void test_spec_malformed(void)
{
	static const char *const bad[] = {
		"", "abc", "-1", "+1", " 0", "0 ", "65536", "99999999999999999999",
		"edudma", "edudma-1", "00:20.0", "00:04.8", "100:04.0",
		"0000:00:04.0x", "0000:00:04", "0:0:0:0.0", "vfio:", "vfio:zz",
		"0x0:00:04.0", ":00:04.0",
	};
	struct libdma_spec s;
	size_t i;

	CU_ASSERT_EQUAL(libdma__spec_parse(NULL, &s), -EINVAL);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int err = libdma__spec_parse(bad[i], &s);

		if (err != -EINVAL)
			printf("\n    spec \"%s\" gave %d\n", bad[i], err);
		CU_ASSERT_EQUAL(err, -EINVAL);
		CU_ASSERT(strlen(libdma_errmsg()) > 0);
	}
}

static void test_open_argument_errors(void)
{
	struct libdma_device *dev = (struct libdma_device *)1;

	CU_ASSERT_EQUAL(libdma_open(NULL, &dev), -EINVAL);
	CU_ASSERT_PTR_NULL(dev);
	CU_ASSERT_EQUAL(libdma_open("0", NULL), -EINVAL);
	CU_ASSERT_EQUAL(libdma_open("what?", &dev), -EINVAL);
	ASSERT_MSG_HAS("what?");
	CU_ASSERT_EQUAL(libdma_open_node(NULL, &dev), -EINVAL);
	CU_ASSERT_EQUAL(libdma_open_node("", &dev), -EINVAL);
	CU_ASSERT_EQUAL(libdma_open_pci(NULL, &dev), -EINVAL);
	CU_ASSERT_EQUAL(libdma_open_pci("04.0", &dev), -EINVAL);
	ASSERT_MSG_HAS("not a PCI address");
	CU_ASSERT_EQUAL(libdma_list(NULL, 3), -EINVAL);
	CU_ASSERT_EQUAL(libdma_close(NULL), -EBADF);
}

/* The build host has no edu bound to vfio-pci: VFIO says which step fails. */
static void test_open_vfio_absent(void)
{
	struct libdma_device *dev;

	CU_ASSERT_EQUAL(libdma_open("vfio:0000:00:04.0", &dev), -ENODEV);
	ASSERT_MSG_HAS("through VFIO");
	CU_ASSERT_PTR_NULL(dev);
	CU_ASSERT_EQUAL(libdma_open("vfio:00ff:1f:1f.7", &dev), -ENODEV);
	ASSERT_MSG_HAS("no PCI device at that address");
	CU_ASSERT_EQUAL(libdma_open("vfio:1f.7", &dev), -EINVAL);
}

/* ---------------------------------------------------------- no device */

static int module_absent(void)
{
	return access("/sys/class/edudma", F_OK) != 0;
}

static void test_list_without_module(void)
{
	struct libdma_device_desc descs[4];

	if (!module_absent())
		EDUTEST_SKIP("the edudma module is loaded here");
	CU_ASSERT_EQUAL(libdma_list(NULL, 0), 0);
	ASSERT_MSG_HAS("module edudma not loaded");
	CU_ASSERT_EQUAL(libdma_list(descs, 4), 0);
}

static void test_open_without_module(void)
{
	static const char *const specs[] = {
		"0", "edudma0", "/dev/edudma0", "0000:00:04.0",
	};
	struct libdma_device *dev;
	size_t i;

	if (!module_absent())
		EDUTEST_SKIP("the edudma module is loaded here");
	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		int err = libdma_open(specs[i], &dev);

		CU_ASSERT(err == -ENODEV || err == -ENOENT);
		CU_ASSERT_PTR_NULL(dev);
		ASSERT_MSG_HAS("module edudma not loaded");
	}
	CU_ASSERT_EQUAL(libdma_open_index(0, &dev), -ENODEV);
	ASSERT_MSG_HAS("module edudma not loaded");
	CU_ASSERT_EQUAL(libdma_open_pci("00:04.0", &dev), -ENODEV);
	CU_ASSERT_EQUAL(libdma_open_node("/dev/edudma0", &dev), -ENOENT);
	ASSERT_MSG_HAS("/dev/edudma0");
}

static void test_open_not_an_edudma_node(void)
{
	char path[] = "/tmp/libdma-test-XXXXXX";
	struct libdma_device *dev;
	int fd;

	CU_ASSERT_EQUAL(libdma_open("/dev/null", &dev), -ENOTTY);
	ASSERT_MSG_HAS("not an edudma device");
	fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	CU_ASSERT_EQUAL(libdma_open(path, &dev), -ENOTTY);
	ASSERT_MSG_HAS("not a character device");
	unlink(path);
	CU_ASSERT_EQUAL(libdma_open("/", &dev), -EISDIR);
}

/*
 * EACCES: the message names the node's group and what to do. Root may
 * open anything, so a thread drops to nobody first - with raw syscalls,
 * which change only the calling thread's credentials (glibc's wrappers
 * would change the whole process).
 */
struct eacces_case {
	const char *path;
	const char *expect;
	int err;
	char msg[512];
};

static void *open_as_nobody_thread(void *arg)
{
	struct eacces_case *c = arg;
	struct libdma_device *dev;

	if (syscall(SYS_setgroups, 0, NULL) || syscall(SYS_setresgid, 65534, 65534, 65534) ||
	    syscall(SYS_setresuid, 65534, 65534, 65534)) {
		c->err = 1;
		return NULL;
	}
	c->err = libdma_open_node(c->path, &dev);
	snprintf(c->msg, sizeof(c->msg), "%s", libdma_errmsg());
	return NULL;
}

static int open_as_nobody(const char *path, const char *expect)
{
	struct eacces_case c = { .path = path, .expect = expect };
	pthread_t t;

	if (pthread_create(&t, NULL, open_as_nobody_thread, &c))
		return -1;
	pthread_join(t, NULL);
	if (c.err != -EACCES || !strstr(c.msg, expect)) {
		printf("\n    open gave %d: %s\n", c.err, c.msg);
		return -1;
	}
	return 0;
}

static void test_open_eacces_names_group(void)
{
	char path[] = "/tmp/libdma-eacces-XXXXXX";
	int fd;

	if (getuid() != 0)
		EDUTEST_SKIP("needs root to make a node that another user cannot open");
	fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	/* Group root: never advise joining it; the udev rule did not apply. */
	CU_ASSERT_EQUAL(chmod(path, 0660), 0);
	CU_ASSERT_EQUAL(open_as_nobody(path, "has not given it to group 'edudma'"), 0);
	/* Group may read and write: joining the group is the fix. */
	CU_ASSERT_EQUAL(chown(path, 0, 12345), 0);
	CU_ASSERT_EQUAL(open_as_nobody(path, "is not in group '12345'"), 0);
	CU_ASSERT_EQUAL(open_as_nobody(path, "usermod -aG 12345 "), 0);
	CU_ASSERT_EQUAL(open_as_nobody(path, path), 0);
	/* Group may not: joining would not help. */
	CU_ASSERT_EQUAL(chmod(path, 0600), 0);
	CU_ASSERT_EQUAL(open_as_nobody(path, "has not given it to group 'edudma'"), 0);
	unlink(path);
}

static const struct edutest_case version_cases[] = {
	{ "version_matches_header", test_version_matches_header },
	{ NULL, NULL },
};

static const struct edutest_case error_cases[] = {
	{ "strerror_documented", test_strerror_documented },
	{ "strerror_library_meanings", test_strerror_library_meanings },
	{ "strerror_other_values", test_strerror_other_values },
	{ "strerror_covers_header", test_strerror_covers_header },
	{ "errno_left_alone", test_errno_left_alone },
	{ NULL, NULL },
};

static const struct edutest_case spec_cases[] = {
	{ "spec_forms", test_spec_forms },
	{ "spec_malformed", test_spec_malformed },
	{ "open_argument_errors", test_open_argument_errors },
	{ "open_vfio_absent", test_open_vfio_absent },
	{ NULL, NULL },
};

static const struct edutest_case nodevice_cases[] = {
	{ "list_without_module", test_list_without_module },
	{ "open_without_module", test_open_without_module },
	{ "open_not_an_edudma_node", test_open_not_an_edudma_node },
	{ "open_eacces_names_group", test_open_eacces_names_group },
	{ NULL, NULL },
};

static const struct edutest_suite suites[] = {
	{ "version", NULL, NULL, version_cases },
	{ "errors", NULL, NULL, error_cases },
	{ "spec", NULL, NULL, spec_cases },
	{ "nodevice", NULL, NULL, nodevice_cases },
	{ NULL, NULL, NULL, NULL },
};

int main(int argc, char **argv)
{
	return edutest_main(argc, argv, "test_libdma", suites);
}
