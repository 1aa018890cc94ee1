// SPDX-License-Identifier: MIT
/*
 * libdma's asynchronous requests (API 1.4: libdma_submit_*, libdma_reap,
 * libdma_cancel, libdma_pollfd) on the test device, whatever its engine:
 * requests submitted together and reaped with their results, stats and
 * user_data, every byte verified; poll() on libdma_pollfd(); the
 * library's own argument checks with their messages; cancel; the quota
 * (-EAGAIN); libdma_close() with requests in flight. On the VFIO backend,
 * which has no asynchronous requests: -EOPNOTSUPP with a message.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libdma.h>

#include "../common/edutest.h"
#include "guest_util.h"

static struct libdma_device *dev;
static struct libdma_info info;
static size_t unit;	/* bytes per request: less on edu (100 ms per 4 KiB) */

static int suite_init(void)
{
	const char *spec = gu_test_device();

	if (!spec || libdma_open(spec, &dev) < 0 || libdma_get_info(dev, &info) < 0) {
		printf("cannot open device %s: %s\n", spec ? spec : "(none)",
		       libdma_errmsg());
		return -1;
	}
	unit = info.engine == LIBDMA_ENGINE_EDUSG ? 512 << 10 : 64 << 10;
	printf("device %s (backend %s, engine %u, max_requests %u)\n", info.node,
	       info.backend, info.engine, info.max_requests);
	return 0;
}

static int suite_cleanup(void)
{
	return libdma_close(dev);
}

#define NEED_ASYNC() do { if (!(info.features & LIBDMA_FEAT_ASYNC)) \
	EDUTEST_SKIP("no asynchronous requests on this backend"); } while (0)

static void test_vfio_says_not_supported(void)
{
	struct libdma_region r = libdma_region_user(&info, 8);
	struct libdma_completion c;

	if (info.features & LIBDMA_FEAT_ASYNC)
		EDUTEST_SKIP("this backend has asynchronous requests");
	CU_ASSERT_EQUAL(libdma_submit_copy(dev, &r, &r, 0, NULL), -EOPNOTSUPP);
	CU_ASSERT_PTR_NOT_NULL(strstr(libdma_errmsg(), "asynchronous"));
	CU_ASSERT_EQUAL(libdma_reap(dev, &c, 1, 0, 0), -EOPNOTSUPP);
	CU_ASSERT_EQUAL(libdma_pollfd(dev), -EOPNOTSUPP);
	CU_ASSERT_EQUAL(libdma_cancel(dev, 0), -EOPNOTSUPP);
}

/* 8 copies between two buffers, submitted together, polled, reaped, verified. */
static void test_submit_poll_reap(void)
{
	struct libdma_buffer *a, *b;
	struct libdma_completion c[8];
	struct pollfd pfd;
	uint64_t id[8];
	uint8_t *pa, *pb;
	int i, n, got = 0;

	NEED_ASYNC();
	CU_ASSERT_EQUAL_FATAL(libdma_buffer_alloc(dev, 8 * unit, &a), 0);
	CU_ASSERT_EQUAL_FATAL(libdma_buffer_alloc(dev, 8 * unit, &b), 0);
	pa = libdma_buffer_ptr(a);
	pb = libdma_buffer_ptr(b);
	gu_fill(pa, 8 * unit, 61);
	memset(pb, 0, 8 * unit);
	for (i = 0; i < 8; i++) {
		struct libdma_region s = libdma_region_buffer(a, i * unit, unit);
		struct libdma_region d = libdma_region_buffer(b, i * unit, unit);

		CU_ASSERT_EQUAL_FATAL(libdma_submit_copy(dev, &d, &s, 1000 + i, &id[i]), 0);
		if (i)
			CU_ASSERT(id[i] > id[i - 1]);
	}
	pfd.fd = libdma_pollfd(dev);
	pfd.events = POLLIN;
	CU_ASSERT_FATAL(pfd.fd >= 0);
	CU_ASSERT_EQUAL(poll(&pfd, 1, 120000), 1);
	while (got < 8) {
		n = libdma_reap(dev, c + got, 8 - got, 1, -1);
		CU_ASSERT_FATAL(n > 0);
		got += n;
	}
	for (i = 0; i < 8; i++) {
		uint64_t k = c[i].user_data - 1000;

		CU_ASSERT_FATAL(k < 8);
		CU_ASSERT_EQUAL(c[i].id, id[k]);
		CU_ASSERT_EQUAL(c[i].result, 0);
		CU_ASSERT_EQUAL(c[i].stats.bytes, unit);
	}
	CU_ASSERT_EQUAL(gu_check(pb, 8 * unit, 61), (size_t)-1);
	/* nothing left: a non-waiting reap says 0 */
	CU_ASSERT_EQUAL(libdma_reap(dev, c, 8, 0, 0), 0);

	/* to the device and back, asynchronously */
	{
		struct libdma_region s = libdma_region_buffer(a, 0, 3000);
		struct libdma_region d = libdma_region_buffer(b, unit, 3000);

		memset(pb + unit, 0, 3000);
		CU_ASSERT_EQUAL(libdma_submit_to_device(dev, &s, 16, 1, NULL), 0);
		CU_ASSERT_EQUAL(libdma_reap(dev, c, 1, 1, -1), 1);
		CU_ASSERT_EQUAL(c[0].result, 0);
		CU_ASSERT_EQUAL(libdma_submit_from_device(dev, &d, 16, 2, NULL), 0);
		CU_ASSERT_EQUAL(libdma_reap(dev, c, 1, 1, -1), 1);
		CU_ASSERT_EQUAL(c[0].result, 0);
		CU_ASSERT_EQUAL(memcmp(pb + unit, pa, 3000), 0);
	}
	CU_ASSERT_EQUAL(libdma_buffer_free(a), 0);
	CU_ASSERT_EQUAL(libdma_buffer_free(b), 0);
}

static void test_arguments_checked(void)
{
	struct libdma_buffer *a;
	struct libdma_completion c[2];
	struct libdma_region s, d;

	NEED_ASYNC();
	CU_ASSERT_EQUAL_FATAL(libdma_buffer_alloc(dev, 2 * 4096, &a), 0);
	s = libdma_region_buffer(a, 0, 4096);
	d = libdma_region_buffer(a, 100, 4096);
	CU_ASSERT_EQUAL(libdma_submit_copy(dev, &d, &s, 0, NULL), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(libdma_errmsg(), "overlap"));
	d = libdma_region_buffer(a, 4096, 4095);
	CU_ASSERT_EQUAL(libdma_submit_copy(dev, &d, &s, 0, NULL), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(libdma_errmsg(), "length"));
	CU_ASSERT_EQUAL(libdma_submit_to_device(dev, &s, info.window_size, 0, NULL), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(libdma_errmsg(), "window"));
	CU_ASSERT_EQUAL(libdma_submit_copy(NULL, &d, &s, 0, NULL), -EBADF);
	CU_ASSERT_EQUAL(libdma_reap(dev, c, 0, 0, 0), -EINVAL);
	CU_ASSERT_EQUAL(libdma_reap(dev, NULL, 2, 0, 0), -EINVAL);
	CU_ASSERT_EQUAL(libdma_reap(dev, c, 2, 3, 0), -EINVAL);
	CU_ASSERT_EQUAL(libdma_cancel(dev, 987654), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(libdma_errmsg(), "987654"));
	/* nothing submitted: cancelling everything stops nothing */
	CU_ASSERT_EQUAL(libdma_cancel(dev, 0), 0);
	CU_ASSERT_EQUAL(libdma_buffer_free(a), 0);
}

/* The quota, then cancel of everything: every request accounted for. */
static void test_quota_and_cancel(void)
{
	struct libdma_buffer *a;
	struct libdma_completion *c;
	unsigned int i, max = info.max_requests, got = 0, cancelled = 0;
	int n;

	NEED_ASYNC();
	CU_ASSERT_FATAL(max > 0);
	c = calloc(max, sizeof(*c));
	CU_ASSERT_FATAL(c != NULL);
	CU_ASSERT_EQUAL_FATAL(libdma_buffer_alloc(dev, 2 * unit, &a), 0);
	for (i = 0; i < max; i++) {
		struct libdma_region s = libdma_region_buffer(a, 0, unit);
		struct libdma_region d = libdma_region_buffer(a, unit, unit);

		CU_ASSERT_EQUAL_FATAL(libdma_submit_copy(dev, &d, &s, i, NULL), 0);
	}
	{
		struct libdma_region s = libdma_region_buffer(a, 0, unit);
		struct libdma_region d = libdma_region_buffer(a, unit, unit);

		CU_ASSERT_EQUAL(libdma_submit_copy(dev, &d, &s, 0, NULL), -EAGAIN);
		CU_ASSERT_PTR_NOT_NULL(strstr(libdma_errmsg(), "reap"));
	}
	n = libdma_cancel(dev, 0);
	CU_ASSERT(n >= 0);
	while (got < max) {
		n = libdma_reap(dev, c + got, max - got, 1, -1);
		CU_ASSERT_FATAL(n > 0);
		got += n;
	}
	for (i = 0; i < max; i++) {
		CU_ASSERT(c[i].result == 0 || c[i].result == -ECANCELED);
		cancelled += c[i].result == -ECANCELED;
	}
	printf("    %u requests: %u cancelled, %u completed\n", max, cancelled,
	       max - cancelled);
	CU_ASSERT_EQUAL(libdma_buffer_free(a), 0);
	free(c);
}

/* Close with requests in flight on a second handle: no hang, no leak. */
static void test_close_with_requests(void)
{
	struct libdma_device *d2;
	struct libdma_buffer *a;
	uint8_t *mem;
	int i;

	NEED_ASYNC();
	CU_ASSERT_EQUAL_FATAL(libdma_open(gu_test_device(), &d2), 0);
	CU_ASSERT_EQUAL_FATAL(libdma_buffer_alloc(d2, unit, &a), 0);
	mem = malloc(8 * unit);
	CU_ASSERT_FATAL(mem != NULL);
	for (i = 0; i < 8; i++) {
		struct libdma_region s = libdma_region_buffer(a, 0, unit);
		struct libdma_region d = libdma_region_user(mem + i * unit, unit);

		CU_ASSERT_EQUAL(libdma_submit_copy(d2, &d, &s, i, NULL), 0);
	}
	CU_ASSERT_EQUAL(libdma_buffer_free(a), 0);	/* while in flight */
	CU_ASSERT_EQUAL(libdma_close(d2), 0);
	free(mem);
	CU_ASSERT_EQUAL(gu_attr_int(info.index, "nr_pinned"), 0);
	CU_ASSERT_EQUAL(gu_attr_int(info.index, "nr_buffers"), 0);
}

static const struct edutest_case cases[] = {
	{ "vfio_says_not_supported", test_vfio_says_not_supported },
	{ "submit_poll_reap", test_submit_poll_reap },
	{ "arguments_checked", test_arguments_checked },
	{ "quota_and_cancel", test_quota_and_cancel },
	{ "close_with_requests", test_close_with_requests },
	{ NULL, NULL }
};

static const struct edutest_suite suites[] = {
	{ "lib_async", suite_init, suite_cleanup, cases },
	{ NULL, NULL, NULL, NULL }
};

int main(int argc, char **argv)
{
	return edutest_main(argc, argv, "lib_async", suites);
}
