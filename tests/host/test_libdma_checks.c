// SPDX-License-Identifier: MIT
/*
 * libdma's argument checks and object lifetimes, on the build host: a fake
 * backend (fake_backend.c) stands in for the driver, through the same ops
 * table the kernel backend fills, so every check can be shown to stop a
 * bad call before the backend sees it, and every good call to reach it
 * unchanged. The real driver is exercised by tests/guest/test_lib*.c.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libdma.h>

#include "../common/edutest.h"
#include "fake_backend.h"

/*
 * A fake device (fake_backend.c) announcing every feature; index 99 none,
 * 98 all but one-shot user regions. NULL on failure.
 */
static struct libdma_device *fake_device(unsigned int index)
{
	struct libdma_device *d;

	fake.features = index == 99 ? 0 : index == 98 ?
			FAKE_ALL_FEATURES & ~LIBDMA_FEAT_USER_REGION :
			FAKE_ALL_FEATURES;
	d = fake_open(&fake_ops, index);
	fake.features = FAKE_ALL_FEATURES;
	return d;
}

/* Holds a fake device and one 8 KiB buffer for each test of a suite. */
static struct libdma_device *dev;
static struct libdma_buffer *buf;

static int setup_device_and_buffer(void)
{
	fake_reset();
	dev = fake_device(0);
	return !dev || libdma_buffer_alloc(dev, 8192, &buf) != 0;
}

/* Freeing the last buffer after closing must release the device, once. */
static int teardown_device_and_buffer(void)
{
	int releases = fake.releases;
	int err = libdma_close(dev) | libdma_buffer_free(buf);

	buf = NULL;
	dev = NULL;
	return err != 0 || fake.releases != releases + 1;
}

/* A call that must fail with 'err' before reaching the backend. */
#define ASSERT_REFUSED(call, err) do {				\
	int calls_before_ = fake.calls;				\
	CU_ASSERT_EQUAL((call), (err));				\
	CU_ASSERT_EQUAL(fake.calls, calls_before_);		\
	CU_ASSERT(strlen(libdma_errmsg()) > 0);			\
} while (0)

/* ---------------------------------------------------------- regions */

static void test_region_helpers(void)
{
	char mem[16];
	struct libdma_region r = libdma_region_buffer(buf, 3, 5);

	CU_ASSERT(r.buf == buf && r.addr == NULL && r.offset == 3 && r.length == 5);
	r = libdma_region_user(mem, 7);
	CU_ASSERT(r.buf == NULL && r.addr == mem && r.offset == 0 && r.length == 7);
}

static void test_region_null_and_empty(void)
{
	struct libdma_region r = libdma_region_buffer(buf, 0, 0);

	ASSERT_REFUSED(libdma_transfer_to_device(dev, NULL, 0, NULL), -EINVAL);
	ASSERT_REFUSED(libdma_transfer_from_device(dev, NULL, 0, NULL), -EINVAL);
	ASSERT_REFUSED(libdma_transfer_to_device(dev, &r, 0, NULL), -EINVAL);
	r = libdma_region_user(NULL, 10);
	ASSERT_REFUSED(libdma_transfer_to_device(dev, &r, 0, NULL), -EINVAL);
	r = libdma_region_user(buf, 0);
	ASSERT_REFUSED(libdma_transfer_to_device(dev, &r, 0, NULL), -EINVAL);
}

static void test_region_overflow(void)
{
	struct libdma_region r = libdma_region_buffer(buf, SIZE_MAX, 2);

	ASSERT_REFUSED(libdma_transfer_to_device(dev, &r, 0, NULL), -EINVAL);
	r = libdma_region_buffer(buf, 2, SIZE_MAX);
	ASSERT_REFUSED(libdma_transfer_to_device(dev, &r, 0, NULL), -EINVAL);
	r = libdma_region_user((void *)(UINTPTR_MAX - 10), 20);
	ASSERT_REFUSED(libdma_transfer_to_device(dev, &r, 0, NULL), -EINVAL);
}

static void test_region_outside_buffer(void)
{
	size_t size = libdma_buffer_size(buf);
	struct libdma_region r = libdma_region_buffer(buf, size - 100, 101);

	ASSERT_REFUSED(libdma_transfer_to_device(dev, &r, 0, NULL), -EINVAL);
	r = libdma_region_buffer(buf, size, 1);
	ASSERT_REFUSED(libdma_transfer_from_device(dev, &r, 0, NULL), -EINVAL);
	r = libdma_region_buffer(buf, 0, size + 1);
	ASSERT_REFUSED(libdma_transfer_from_device(dev, &r, 0, NULL), -EINVAL);

	/* The last byte, and the whole buffer, are inside. */
	r = libdma_region_buffer(buf, size - 1, 1);
	CU_ASSERT_EQUAL(libdma_transfer_to_device(dev, &r, 0, NULL), 0);
	r = libdma_region_buffer(buf, 0, size);
	CU_ASSERT_EQUAL(libdma_transfer_to_device(dev, &r, 0, NULL), 0);
}

static void test_region_ambiguous(void)
{
	char mem[16];
	struct libdma_region r = libdma_region_buffer(buf, 0, 8);

	r.addr = mem;	/* both a buffer and an address */
	ASSERT_REFUSED(libdma_transfer_to_device(dev, &r, 0, NULL), -EINVAL);
	r = libdma_region_user(mem, 8);
	r.offset = 4;	/* user regions carry the offset in the address */
	ASSERT_REFUSED(libdma_transfer_to_device(dev, &r, 0, NULL), -EINVAL);
}

static void test_region_check_direct(void)
{
	struct libdma_buffer fake_buf;
	struct libdma_region r;

	/* The pure check works on any buffer object, no backend needed. */
	memset(&fake_buf, 0, sizeof(fake_buf));
	fake_buf.magic = LIBDMA_BUFFER_LIVE;
	fake_buf.dev = dev;
	fake_buf.ptr = (void *)0x10000;
	fake_buf.size = 100;
	fake_buf.access = LIBDMA_ACCESS_DEV_READ;
	r = libdma_region_buffer(&fake_buf, 90, 10);
	CU_ASSERT_EQUAL(libdma__region_check(dev, &r, LIBDMA_DEVICE_READS, "s"), 0);
	r.length = 11;
	CU_ASSERT_EQUAL(libdma__region_check(dev, &r, LIBDMA_DEVICE_READS, "s"), -EINVAL);
	r.length = 10;
	CU_ASSERT_EQUAL(libdma__region_check(dev, &r, LIBDMA_DEVICE_WRITES, "d"), -EACCES);
	fake_buf.magic = LIBDMA_OBJECT_DEAD;
	CU_ASSERT_EQUAL(libdma__region_check(dev, &r, LIBDMA_DEVICE_READS, "s"), -EBADF);
}

static void test_regions_overlap(void)
{
	char mem[64];
	struct libdma_region a = libdma_region_user(mem, 16);
	struct libdma_region b = libdma_region_user(mem + 16, 16);

	CU_ASSERT_FALSE(libdma__regions_overlap(&a, &b));
	CU_ASSERT_FALSE(libdma__regions_overlap(&b, &a));
	b = libdma_region_user(mem + 15, 16);
	CU_ASSERT_TRUE(libdma__regions_overlap(&a, &b));
	CU_ASSERT_TRUE(libdma__regions_overlap(&b, &a));
	b = libdma_region_user(mem + 4, 2);	/* inside */
	CU_ASSERT_TRUE(libdma__regions_overlap(&a, &b));
}

/* -------------------------------------------------------- transfers */

static void test_transfer_reaches_backend(void)
{
	struct libdma_region r = libdma_region_buffer(buf, 100, 200);
	struct libdma_stats st;

	memset(&st, 0xff, sizeof(st));
	CU_ASSERT_EQUAL(libdma_transfer_from_device(dev, &r, 17, &st), 0);
	CU_ASSERT_EQUAL(fake.dir, LIBDMA_FROM_DEVICE);
	CU_ASSERT(fake.mem.buf == buf && fake.mem.offset == 100 &&
		  fake.mem.length == 200);
	CU_ASSERT_EQUAL(fake.dev_offset, 17);
	CU_ASSERT_EQUAL(st.bytes, 200);
	CU_ASSERT_EQUAL(st.commands, 1);
	CU_ASSERT_EQUAL(st.reserved[0], 0);
	CU_ASSERT_EQUAL(libdma_transfer_to_device(dev, &r, 0, NULL), 0);
	CU_ASSERT_EQUAL(fake.dir, LIBDMA_TO_DEVICE);
}

static void test_transfer_dev_offset(void)
{
	struct libdma_region r = libdma_region_buffer(buf, 0, 10);

	ASSERT_REFUSED(libdma_transfer_to_device(dev, &r, FAKE_WINDOW, NULL), -EINVAL);
	ASSERT_REFUSED(libdma_transfer_to_device(dev, &r, SIZE_MAX, NULL), -EINVAL);
	CU_ASSERT_EQUAL(libdma_transfer_to_device(dev, &r, FAKE_WINDOW - 1, NULL), 0);
}

static void test_stats_zeroed_on_refusal(void)
{
	struct libdma_stats st;

	memset(&st, 0xff, sizeof(st));
	ASSERT_REFUSED(libdma_transfer_to_device(dev, NULL, 0, &st), -EINVAL);
	CU_ASSERT_EQUAL(st.bytes, 0);
	CU_ASSERT_EQUAL(st.wall_ns, 0);
	memset(&st, 0xff, sizeof(st));
	ASSERT_REFUSED(libdma_copy(dev, NULL, NULL, &st), -EINVAL);
	CU_ASSERT_EQUAL(st.commands, 0);
}

static void test_stats_on_partial_failure(void)
{
	struct libdma_region r = libdma_region_buffer(buf, 0, 1000);
	struct libdma_region d = libdma_region_buffer(buf, 4096, 1000);
	struct libdma_stats st;

	fake.answer = -EINTR;
	CU_ASSERT_EQUAL(libdma_transfer_to_device(dev, &r, 0, &st), -EINTR);
	CU_ASSERT_EQUAL(st.bytes, 500);
	CU_ASSERT_EQUAL(libdma_copy(dev, &d, &r, &st), -EINTR);
	CU_ASSERT_EQUAL(st.bytes, 500);
	fake.answer = 0;
}

static void test_copy_checks(void)
{
	struct libdma_region src = libdma_region_buffer(buf, 0, 1000);
	struct libdma_region dst = libdma_region_buffer(buf, 1000, 999);
	char mem[2000];

	ASSERT_REFUSED(libdma_copy(dev, &dst, NULL, NULL), -EINVAL);
	ASSERT_REFUSED(libdma_copy(dev, NULL, &src, NULL), -EINVAL);
	/* Lengths differ. */
	ASSERT_REFUSED(libdma_copy(dev, &dst, &src, NULL), -EINVAL);
	/* Overlap inside one buffer. */
	dst = libdma_region_buffer(buf, 999, 1000);
	ASSERT_REFUSED(libdma_copy(dev, &dst, &src, NULL), -EINVAL);
	/* A user region that is the buffer's own memory. */
	dst = libdma_region_user((char *)libdma_buffer_ptr(buf) + 10, 1000);
	ASSERT_REFUSED(libdma_copy(dev, &dst, &src, NULL), -EINVAL);
	/* Adjacent is fine, and arrives in memcpy order. */
	dst = libdma_region_buffer(buf, 1000, 1000);
	CU_ASSERT_EQUAL(libdma_copy(dev, &dst, &src, NULL), 0);
	CU_ASSERT(fake.dst.offset == 1000 && fake.src.offset == 0);
	dst = libdma_region_user(mem, 1000);
	CU_ASSERT_EQUAL(libdma_copy(dev, &dst, &src, NULL), 0);
	CU_ASSERT(fake.dst.addr == mem && fake.dst.buf == NULL);
}

/* ------------------------------------------------------------ buffers */

static void test_alloc_checks(void)
{
	struct libdma_buffer *b = (struct libdma_buffer *)1;

	ASSERT_REFUSED(libdma_buffer_alloc(dev, 0, &b), -EINVAL);
	CU_ASSERT_PTR_NULL(b);
	ASSERT_REFUSED(libdma_buffer_alloc(dev, 10, NULL), -EINVAL);
	ASSERT_REFUSED(libdma_buffer_alloc(NULL, 10, &b), -EBADF);
	CU_ASSERT_EQUAL(libdma_buffer_alloc(dev, 10, &b), 0);
	CU_ASSERT_PTR_NOT_NULL(libdma_buffer_ptr(b));
	CU_ASSERT_EQUAL(libdma_buffer_size(b), FAKE_PAGE);
	CU_ASSERT_EQUAL(libdma_buffer_free(b), 0);
}

static void test_register_checks(void)
{
	/* page-aligned: mem + 1 .. mem + 9001 spans 3 pages */
	static char mem[10000] __attribute__((aligned(FAKE_PAGE)));
	struct libdma_buffer *b = (struct libdma_buffer *)1;
	struct libdma_pin_stats ps;

	ASSERT_REFUSED(libdma_buffer_register(dev, NULL, 10, LIBDMA_ACCESS_RW, &b, NULL), -EINVAL);
	CU_ASSERT_PTR_NULL(b);
	ASSERT_REFUSED(libdma_buffer_register(dev, mem, 0, LIBDMA_ACCESS_RW, &b, NULL), -EINVAL);
	ASSERT_REFUSED(libdma_buffer_register(dev, mem, 10, 0, &b, NULL), -EINVAL);
	ASSERT_REFUSED(libdma_buffer_register(dev, mem, 10, 4, &b, NULL), -EINVAL);
	ASSERT_REFUSED(libdma_buffer_register(dev, mem, 10, LIBDMA_ACCESS_RW, NULL, NULL), -EINVAL);
	ASSERT_REFUSED(libdma_buffer_register(dev, (void *)(UINTPTR_MAX - 4), 10,
					      LIBDMA_ACCESS_RW, &b, NULL), -EINVAL);
	ASSERT_REFUSED(libdma_buffer_register(NULL, mem, 10, LIBDMA_ACCESS_RW, &b, NULL), -EBADF);

	memset(&ps, 0xff, sizeof(ps));
	CU_ASSERT_EQUAL(libdma_buffer_register(dev, mem + 1, 9000, LIBDMA_ACCESS_RW, &b, &ps), 0);
	CU_ASSERT_EQUAL(ps.pages, 3);
	CU_ASSERT_EQUAL(ps.reserved[0], 0);
	CU_ASSERT_PTR_EQUAL(libdma_buffer_ptr(b), mem + 1);
	CU_ASSERT_EQUAL(libdma_buffer_size(b), 9000);
	CU_ASSERT_EQUAL(libdma_buffer_unregister(b), 0);
}

static void test_register_access_enforced(void)
{
	static char mem[4096];
	struct libdma_buffer *ro, *wo;
	struct libdma_region r;

	CU_ASSERT_EQUAL_FATAL(libdma_buffer_register(dev, mem, 2048, LIBDMA_ACCESS_DEV_READ, &ro, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(libdma_buffer_register(dev, mem + 2048, 2048, LIBDMA_ACCESS_DEV_WRITE, &wo, NULL), 0);
	r = libdma_region_buffer(ro, 0, 100);
	/* -EACCES, like the driver for a pinned range without the access. */
	ASSERT_REFUSED(libdma_transfer_from_device(dev, &r, 0, NULL), -EACCES);
	CU_ASSERT_PTR_NOT_NULL(strstr(libdma_errmsg(), "LIBDMA_ACCESS_DEV_WRITE"));
	CU_ASSERT_EQUAL(libdma_transfer_to_device(dev, &r, 0, NULL), 0);
	r = libdma_region_buffer(wo, 0, 100);
	ASSERT_REFUSED(libdma_transfer_to_device(dev, &r, 0, NULL), -EACCES);
	CU_ASSERT_PTR_NOT_NULL(strstr(libdma_errmsg(), "LIBDMA_ACCESS_DEV_READ"));
	CU_ASSERT_EQUAL(libdma_transfer_from_device(dev, &r, 0, NULL), 0);
	/* In a copy: a read-only registration as destination, and back. */
	{
		struct libdma_region src = libdma_region_buffer(ro, 0, 100);
		struct libdma_region dst = libdma_region_buffer(wo, 0, 100);

		CU_ASSERT_EQUAL(libdma_copy(dev, &dst, &src, NULL), 0);
		ASSERT_REFUSED(libdma_copy(dev, &src, &dst, NULL), -EACCES);
	}
	CU_ASSERT_EQUAL(libdma_buffer_unregister(ro), 0);
	CU_ASSERT_EQUAL(libdma_buffer_unregister(wo), 0);
}

static void test_free_kind_mismatch(void)
{
	static char mem[100];
	struct libdma_buffer *reg;

	CU_ASSERT_EQUAL_FATAL(libdma_buffer_register(dev, mem, 100, LIBDMA_ACCESS_RW, &reg, NULL), 0);
	ASSERT_REFUSED(libdma_buffer_free(reg), -EINVAL);
	ASSERT_REFUSED(libdma_buffer_unregister(buf), -EINVAL);
	/* Both are still alive after the refusal. */
	CU_ASSERT_PTR_NOT_NULL(libdma_buffer_ptr(buf));
	CU_ASSERT_EQUAL(libdma_buffer_unregister(reg), 0);
}

static void test_buffer_of_other_device(void)
{
	struct libdma_device *other = fake_device(1);
	struct libdma_region r = libdma_region_buffer(buf, 0, 10);
	struct libdma_region d;
	struct libdma_buffer *ob;

	CU_ASSERT_PTR_NOT_NULL_FATAL(other);
	ASSERT_REFUSED(libdma_transfer_to_device(other, &r, 0, NULL), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(libdma_errmsg(), "another device"));
	CU_ASSERT_EQUAL_FATAL(libdma_buffer_alloc(other, 100, &ob), 0);
	d = libdma_region_buffer(ob, 0, 10);
	ASSERT_REFUSED(libdma_copy(dev, &d, &r, NULL), -EINVAL);
	ASSERT_REFUSED(libdma_copy(other, &d, &r, NULL), -EINVAL);
	CU_ASSERT_EQUAL(libdma_buffer_free(ob), 0);
	CU_ASSERT_EQUAL(libdma_close(other), 0);
}

static void test_missing_features(void)
{
	struct libdma_device *bare = fake_device(99), *no_user = fake_device(98);
	struct libdma_buffer *b;
	struct libdma_region r;
	char mem[100];

	CU_ASSERT_PTR_NOT_NULL_FATAL(bare);
	CU_ASSERT_PTR_NOT_NULL_FATAL(no_user);
	ASSERT_REFUSED(libdma_buffer_alloc(bare, 100, &b), -EOPNOTSUPP);
	ASSERT_REFUSED(libdma_buffer_register(bare, mem, 100, LIBDMA_ACCESS_RW, &b, NULL), -EOPNOTSUPP);
	r = libdma_region_user(mem, 10);
	ASSERT_REFUSED(libdma_transfer_to_device(bare, &r, 0, NULL), -EOPNOTSUPP);
	ASSERT_REFUSED(libdma_transfer_to_device(no_user, &r, 0, NULL), -EOPNOTSUPP);
	CU_ASSERT_PTR_NOT_NULL(strstr(libdma_errmsg(), "one-shot"));
	CU_ASSERT_EQUAL(libdma_close(bare), 0);
	CU_ASSERT_EQUAL(libdma_close(no_user), 0);
}

/* ----------------------------------------------------------- lifetime */

static void test_close_with_buffers_alive(void)
{
	struct libdma_device *d = fake_device(2);
	struct libdma_buffer *b, *other;
	struct libdma_region r;
	struct libdma_info info;

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_EQUAL_FATAL(libdma_buffer_alloc(d, 100, &b), 0);
	fake.releases = 0;
	CU_ASSERT_EQUAL(libdma_close(d), 0);
	CU_ASSERT_EQUAL(fake.releases, 0);	/* the buffer holds it */

	/* Use after close and double close are refused, not crashes. */
	CU_ASSERT_EQUAL(libdma_close(d), -EBADF);
	CU_ASSERT_PTR_NOT_NULL(strstr(libdma_errmsg(), "closed"));
	r = libdma_region_buffer(b, 0, 10);
	ASSERT_REFUSED(libdma_transfer_to_device(d, &r, 0, NULL), -EBADF);
	ASSERT_REFUSED(libdma_copy(d, &r, &r, NULL), -EBADF);
	CU_ASSERT_EQUAL(libdma_get_info(d, &info), -EBADF);
	CU_ASSERT_EQUAL(libdma_driver_abi_version(d), -EBADF);
	CU_ASSERT_EQUAL(libdma_buffer_alloc(d, 100, &other), -EBADF);

	/* The buffer is still mapped and can be freed; that closes the device. */
	memset(libdma_buffer_ptr(b), 1, 100);
	CU_ASSERT_EQUAL(libdma_buffer_free(b), 0);
	CU_ASSERT_EQUAL(fake.releases, 1);
}

static void test_never_opened_objects(void)
{
	struct libdma_device zero_dev;
	struct libdma_buffer zero_buf;
	struct libdma_region r;

	memset(&zero_dev, 0, sizeof(zero_dev));
	memset(&zero_buf, 0, sizeof(zero_buf));
	CU_ASSERT_EQUAL(libdma_close(&zero_dev), -EBADF);
	CU_ASSERT_EQUAL(libdma_buffer_free(&zero_buf), -EBADF);
	CU_ASSERT_EQUAL(libdma_buffer_unregister(&zero_buf), -EBADF);
	CU_ASSERT_EQUAL(libdma_buffer_free(NULL), -EBADF);
	CU_ASSERT_EQUAL(libdma_buffer_unregister(NULL), -EBADF);
	CU_ASSERT_PTR_NULL(libdma_buffer_ptr(&zero_buf));
	CU_ASSERT_EQUAL(libdma_buffer_size(&zero_buf), 0);
	CU_ASSERT_PTR_NULL(libdma_buffer_ptr(NULL));
	CU_ASSERT_EQUAL(libdma_buffer_size(NULL), 0);
	r = libdma_region_buffer(&zero_buf, 0, 10);
	ASSERT_REFUSED(libdma_transfer_to_device(dev, &r, 0, NULL), -EBADF);
	CU_ASSERT_EQUAL(libdma_get_info(NULL, NULL), -EBADF);
	CU_ASSERT_EQUAL(libdma_get_info(dev, NULL), -EINVAL);
}

static void test_info_from_backend(void)
{
	struct libdma_info info;

	memset(&info, 0xff, sizeof(info));
	CU_ASSERT_EQUAL(libdma_get_info(dev, &info), 0);
	CU_ASSERT_STRING_EQUAL(info.backend, "fake");
	CU_ASSERT_STRING_EQUAL(info.node, "/dev/fake0");
	CU_ASSERT_EQUAL(info.window_size, FAKE_WINDOW);
	CU_ASSERT_EQUAL(libdma_driver_abi_version(dev), 1);
}

/* ------------------------------------------------------------ threads */

static void *fail_in_thread(void *arg)
{
	(void)arg;
	libdma_buffer_free(NULL);	/* sets this thread's message only */
	return strstr(libdma_errmsg(), "buffer is NULL") ? (void *)1 : NULL;
}

static void test_errmsg_per_thread(void)
{
	pthread_t t;
	void *ok = NULL;

	libdma_close(NULL);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, fail_in_thread, NULL), 0);
	pthread_join(t, &ok);
	CU_ASSERT_PTR_NOT_NULL(ok);
	CU_ASSERT_PTR_NOT_NULL(strstr(libdma_errmsg(), "device handle is NULL"));
}

static void test_errno_left_alone_by_checks(void)
{
	struct libdma_buffer *b;

	errno = 777;
	CU_ASSERT(libdma_buffer_alloc(dev, 0, &b) < 0);
	CU_ASSERT(libdma_transfer_to_device(dev, NULL, 0, NULL) < 0);
	CU_ASSERT(libdma_copy(dev, NULL, NULL, NULL) < 0);
	CU_ASSERT(libdma_buffer_register(dev, NULL, 1, 1, &b, NULL) < 0);
	CU_ASSERT_EQUAL(errno, 777);
}

/* --------------------------------------------------- self-tests (1.1) */

static void test_irq_test_reaches_backend(void)
{
	struct libdma_irq_test_result res;

	memset(&res, 0xff, sizeof(res));
	CU_ASSERT_EQUAL(libdma_irq_test(dev, 0, &res), 0);
	/* 0 asks for the default bits; the backend gets them spelt out. */
	CU_ASSERT_EQUAL(fake.irq_value, LIBDMA_IRQ_TEST_DEFAULT);
	CU_ASSERT_EQUAL(res.seen, LIBDMA_IRQ_TEST_DEFAULT);
	CU_ASSERT_EQUAL(res.latency_ns, 1234);
	CU_ASSERT_EQUAL(res.reserved0, 0);
	CU_ASSERT_EQUAL(res.reserved[1], 0);
	CU_ASSERT_EQUAL(libdma_irq_test(dev, 0x80f00000u, &res), 0);
	CU_ASSERT_EQUAL(fake.irq_value, 0x80f00000u);
	CU_ASSERT_EQUAL(res.seen, 0x80f00000u);
	CU_ASSERT_EQUAL(libdma_irq_test(dev, 0, NULL), 0);	/* result optional */
}

static void test_irq_test_checks(void)
{
	struct libdma_irq_test_result res;

	memset(&res, 0xff, sizeof(res));
	/* The factorial and DMA completion bits are the driver's. */
	ASSERT_REFUSED(libdma_irq_test(dev, 0x00000001, &res), -EINVAL);
	CU_ASSERT_EQUAL(res.seen, 0);
	CU_ASSERT_EQUAL(res.latency_ns, 0);
	ASSERT_REFUSED(libdma_irq_test(dev, 0x00010100, NULL), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(libdma_errmsg(), "0x00000100"));
	ASSERT_REFUSED(libdma_irq_test(NULL, 0, &res), -EBADF);
}

static void test_irq_test_failures_pass_through(void)
{
	struct libdma_irq_test_result res;
	int calls = fake.calls;

	fake.answer = -EINTR;
	CU_ASSERT_EQUAL(libdma_irq_test(dev, 0, &res), -EINTR);
	CU_ASSERT_EQUAL(fake.calls, calls + 1);	/* not retried */
	fake.answer = -ETIMEDOUT;
	memset(&res, 0xff, sizeof(res));
	CU_ASSERT_EQUAL(libdma_irq_test(dev, 0, &res), -ETIMEDOUT);
	/* The result still says what was seen. */
	CU_ASSERT_EQUAL(res.seen, 0);
	CU_ASSERT_EQUAL(res.latency_ns, 1234);
	fake.answer = 0;
}

static void test_factorial_reaches_backend(void)
{
	struct libdma_factorial_result res;

	memset(&res, 0xff, sizeof(res));
	CU_ASSERT_EQUAL(libdma_factorial(dev, 10, 0, &res), 0);
	CU_ASSERT_EQUAL(fake.fact_n, 10);
	CU_ASSERT_EQUAL(fake.fact_flags, 0);
	CU_ASSERT_EQUAL(res.value, 3628800);
	CU_ASSERT_EQUAL(res.by_irq, 1);
	CU_ASSERT_EQUAL(res.elapsed_ns, 5678);
	CU_ASSERT_EQUAL(res.reserved[0], 0);
	CU_ASSERT_EQUAL(libdma_factorial(dev, 13, LIBDMA_FACT_POLL, &res), 0);
	CU_ASSERT_EQUAL(fake.fact_flags, LIBDMA_FACT_POLL);
	CU_ASSERT_EQUAL(res.value, 1932053504u);	/* 13! mod 2^32 */
	CU_ASSERT_EQUAL(res.by_irq, 0);
}

static void test_factorial_checks(void)
{
	struct libdma_factorial_result res;

	memset(&res, 0xff, sizeof(res));
	ASSERT_REFUSED(libdma_factorial(dev, 5, 0x2, &res), -EINVAL);
	CU_ASSERT_EQUAL(res.value, 0);		/* zeroed, even when refused */
	CU_ASSERT_PTR_NOT_NULL(strstr(libdma_errmsg(), "flags"));
	ASSERT_REFUSED(libdma_factorial(dev, 5, 0, NULL), -EINVAL);
	ASSERT_REFUSED(libdma_factorial(NULL, 5, 0, &res), -EBADF);
}

static void test_factorial_failures_pass_through(void)
{
	struct libdma_factorial_result res;
	int calls = fake.calls;

	fake.answer = -EINTR;
	memset(&res, 0xff, sizeof(res));
	CU_ASSERT_EQUAL(libdma_factorial(dev, 5, 0, &res), -EINTR);
	CU_ASSERT_EQUAL(fake.calls, calls + 1);	/* not retried */
	CU_ASSERT_EQUAL(res.value, 0);
	fake.answer = -ETIMEDOUT;
	CU_ASSERT_EQUAL(libdma_factorial(dev, 5, LIBDMA_FACT_POLL, &res), -ETIMEDOUT);
	fake.answer = 0;
}

static void test_selftests_need_features(void)
{
	struct libdma_spec spec = { .kind = LIBDMA_SPEC_INDEX, .index = 0 };
	struct libdma_device *bare = fake_device(99), *old = NULL;
	struct libdma_factorial_result fr;

	CU_ASSERT_PTR_NOT_NULL_FATAL(bare);
	ASSERT_REFUSED(libdma_irq_test(bare, 0, NULL), -EOPNOTSUPP);
	CU_ASSERT_PTR_NOT_NULL(strstr(libdma_errmsg(), "interrupt self-test"));
	ASSERT_REFUSED(libdma_factorial(bare, 5, 0, &fr), -EOPNOTSUPP);
	CU_ASSERT_PTR_NOT_NULL(strstr(libdma_errmsg(), "factorial"));
	CU_ASSERT_EQUAL(libdma_close(bare), 0);

	/* A backend without the operations: refused, not a NULL call. */
	CU_ASSERT_EQUAL_FATAL(libdma__device_open_with(&fake_ops_v10, &spec, &old), 0);
	ASSERT_REFUSED(libdma_irq_test(old, 0, NULL), -EOPNOTSUPP);
	ASSERT_REFUSED(libdma_factorial(old, 5, 0, &fr), -EOPNOTSUPP);
	CU_ASSERT_PTR_NOT_NULL(strstr(libdma_errmsg(), "fake-1.0"));
	CU_ASSERT_EQUAL(libdma_close(old), 0);
}

static void test_selftests_closed_device(void)
{
	struct libdma_device *d = fake_device(3);
	struct libdma_factorial_result fr;
	struct libdma_buffer *b;

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_EQUAL_FATAL(libdma_buffer_alloc(d, 100, &b), 0);
	CU_ASSERT_EQUAL(libdma_close(d), 0);	/* the buffer keeps it */
	ASSERT_REFUSED(libdma_irq_test(d, 0, NULL), -EBADF);
	ASSERT_REFUSED(libdma_factorial(d, 5, 0, &fr), -EBADF);
	CU_ASSERT_EQUAL(libdma_buffer_free(b), 0);
}

static void test_selftests_leave_errno(void)
{
	struct libdma_factorial_result fr;

	errno = 555;
	CU_ASSERT_EQUAL(libdma_irq_test(dev, 0, NULL), 0);
	CU_ASSERT(libdma_irq_test(dev, 1, NULL) < 0);
	CU_ASSERT_EQUAL(libdma_factorial(dev, 3, 0, &fr), 0);
	CU_ASSERT(libdma_factorial(dev, 3, 8, &fr) < 0);
	CU_ASSERT_EQUAL(errno, 555);
}

/* ---------------------------------------------------------- dma-buf */

static void test_export_checks(void)
{
	static char mem[100];
	struct libdma_buffer *reg, *imp;
	int dfd = 7;

	ASSERT_REFUSED(libdma_buffer_export(buf, 0, NULL), -EINVAL);
	ASSERT_REFUSED(libdma_buffer_export(NULL, 0, &dfd), -EBADF);
	CU_ASSERT_EQUAL(dfd, -1);
	ASSERT_REFUSED(libdma_buffer_export(buf, 2, &dfd), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(libdma_errmsg(), "LIBDMA_EXPORT_WRITE"));
	CU_ASSERT_EQUAL_FATAL(libdma_buffer_register(dev, mem, 100, LIBDMA_ACCESS_RW, &reg, NULL), 0);
	ASSERT_REFUSED(libdma_buffer_export(reg, 0, &dfd), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(libdma_errmsg(), "udmabuf"));
	CU_ASSERT_EQUAL(libdma_buffer_unregister(reg), 0);
	ASSERT_REFUSED(libdma_buffer_export(reg, 0, &dfd), -EBADF);
	CU_ASSERT_EQUAL_FATAL(libdma_buffer_import(dev, 0, LIBDMA_ACCESS_RW, &imp, NULL), 0);
	ASSERT_REFUSED(libdma_buffer_export(imp, 0, &dfd), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(libdma_errmsg(), "already a dma-buf"));
	CU_ASSERT_EQUAL(libdma_buffer_free(imp), 0);

	/* a good one reaches the backend with its buffer and flags */
	CU_ASSERT_EQUAL_FATAL(libdma_buffer_export(buf, LIBDMA_EXPORT_WRITE, &dfd), 0);
	CU_ASSERT(dfd >= 0);
	CU_ASSERT_EQUAL(fake.export_flags, LIBDMA_EXPORT_WRITE);
	CU_ASSERT_EQUAL(fake.exported.cookie, buf->cookie);
	close(dfd);
	/* the backend's refusal comes back with its message */
	fake.answer = -ENODEV;
	CU_ASSERT_EQUAL(libdma_buffer_export(buf, 0, &dfd), -ENODEV);
	CU_ASSERT_EQUAL(dfd, -1);
	CU_ASSERT_STRING_EQUAL(libdma_errmsg(), "fake export refused");
	fake.answer = 0;
}

static void test_import_checks(void)
{
	struct libdma_pin_stats st;
	struct libdma_buffer *imp = (void *)1;
	int unimports = fake.unimports;

	memset(&st, 0xff, sizeof(st));
	ASSERT_REFUSED(libdma_buffer_import(dev, 5, LIBDMA_ACCESS_RW, NULL, &st), -EINVAL);
	CU_ASSERT_EQUAL(st.dma_segments, 0);	/* zeroed even when refused */
	ASSERT_REFUSED(libdma_buffer_import(NULL, 5, LIBDMA_ACCESS_RW, &imp, NULL), -EBADF);
	CU_ASSERT_PTR_NULL(imp);
	ASSERT_REFUSED(libdma_buffer_import(dev, -1, LIBDMA_ACCESS_RW, &imp, NULL), -EBADF);
	ASSERT_REFUSED(libdma_buffer_import(dev, 5, 0, &imp, NULL), -EINVAL);
	ASSERT_REFUSED(libdma_buffer_import(dev, 5, 4, &imp, NULL), -EINVAL);

	CU_ASSERT_EQUAL_FATAL(libdma_buffer_import(dev, 5, LIBDMA_ACCESS_DEV_READ, &imp, &st), 0);
	CU_ASSERT_EQUAL(fake.import_fd, 5);
	CU_ASSERT_EQUAL(fake.import_access, LIBDMA_ACCESS_DEV_READ);
	CU_ASSERT_EQUAL(st.dma_segments, 3);
	CU_ASSERT_EQUAL(st.pages, 0);
	CU_ASSERT_PTR_NULL(libdma_buffer_ptr(imp));
	CU_ASSERT_EQUAL(libdma_buffer_size(imp), FAKE_IMPORT_SIZE);
	/* released with libdma_buffer_free(), not unregister */
	ASSERT_REFUSED(libdma_buffer_unregister(imp), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(libdma_errmsg(), "imported"));
	CU_ASSERT_EQUAL(libdma_buffer_free(imp), 0);
	CU_ASSERT_EQUAL(fake.unimports, unimports + 1);
	ASSERT_REFUSED(libdma_buffer_free(imp), -EBADF);

	fake.answer = -EACCES;
	CU_ASSERT_EQUAL(libdma_buffer_import(dev, 5, LIBDMA_ACCESS_RW, &imp, NULL), -EACCES);
	CU_ASSERT_PTR_NULL(imp);
	CU_ASSERT_STRING_EQUAL(libdma_errmsg(), "fake import refused");
	fake.answer = 0;
}

/* Imported buffers in regions: size, access and overlap by offset. */
static void test_imported_regions(void)
{
	struct libdma_buffer *ro, *rw;
	struct libdma_region a, b;

	CU_ASSERT_EQUAL_FATAL(libdma_buffer_import(dev, 5, LIBDMA_ACCESS_DEV_READ, &ro, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(libdma_buffer_import(dev, 6, LIBDMA_ACCESS_RW, &rw, NULL), 0);
	/* the device may only read 'ro' */
	a = libdma_region_buffer(ro, 0, 100);
	b = libdma_region_buffer(buf, 0, 100);
	ASSERT_REFUSED(libdma_copy(dev, &a, &b, NULL), -EACCES);
	CU_ASSERT_PTR_NOT_NULL(strstr(libdma_errmsg(), "imported without LIBDMA_ACCESS_DEV_WRITE"));
	ASSERT_REFUSED(libdma_transfer_from_device(dev, &a, 0, NULL), -EACCES);
	CU_ASSERT_EQUAL(libdma_copy(dev, &b, &a, NULL), 0);
	CU_ASSERT_EQUAL(libdma_transfer_to_device(dev, &a, 0, NULL), 0);
	/* its size bounds regions */
	a = libdma_region_buffer(ro, FAKE_IMPORT_SIZE - 10, 11);
	ASSERT_REFUSED(libdma_transfer_to_device(dev, &a, 0, NULL), -EINVAL);
	/* two imports have no address here: never taken for overlapping */
	a = libdma_region_buffer(ro, 0, 100);
	b = libdma_region_buffer(rw, 0, 100);
	CU_ASSERT_FALSE(libdma__regions_overlap(&a, &b));
	CU_ASSERT_EQUAL(libdma_copy(dev, &b, &a, NULL), 0);
	/* nor an import and an allocated buffer at address 0 + offset */
	a = libdma_region_buffer(buf, 0, 100);
	CU_ASSERT_FALSE(libdma__regions_overlap(&a, &b));
	/* within one import, by offset */
	a = libdma_region_buffer(rw, 0, 100);
	b = libdma_region_buffer(rw, 99, 100);
	CU_ASSERT_TRUE(libdma__regions_overlap(&a, &b));
	ASSERT_REFUSED(libdma_copy(dev, &b, &a, NULL), -EINVAL);
	b = libdma_region_buffer(rw, 100, 100);
	CU_ASSERT_FALSE(libdma__regions_overlap(&a, &b));
	CU_ASSERT_EQUAL(libdma_copy(dev, &b, &a, NULL), 0);
	CU_ASSERT_EQUAL(libdma_buffer_free(ro), 0);
	CU_ASSERT_EQUAL(libdma_buffer_free(rw), 0);
}

/* No dma-buf: the backend lacks it (VFIO), or the driver does not announce it. */
static void test_dmabuf_unsupported(void)
{
	struct libdma_device *old = fake_open(&fake_ops_nolab, 7), *bare = fake_device(99);
	struct libdma_buffer *b, *imp;
	int dfd;

	CU_ASSERT_PTR_NOT_NULL_FATAL(old);
	CU_ASSERT_PTR_NOT_NULL_FATAL(bare);
	CU_ASSERT_EQUAL_FATAL(libdma_buffer_alloc(old, 100, &b), 0);
	ASSERT_REFUSED(libdma_buffer_export(b, 0, &dfd), -EOPNOTSUPP);
	CU_ASSERT_PTR_NOT_NULL(strstr(libdma_errmsg(), "fake-nolab backend has no dma-buf"));
	ASSERT_REFUSED(libdma_buffer_import(old, 5, LIBDMA_ACCESS_RW, &imp, NULL), -EOPNOTSUPP);
	CU_ASSERT_PTR_NOT_NULL(strstr(libdma_errmsg(), "backend has no dma-buf"));
	ASSERT_REFUSED(libdma_buffer_import(bare, 5, LIBDMA_ACCESS_RW, &imp, NULL), -EOPNOTSUPP);
	CU_ASSERT_PTR_NOT_NULL(strstr(libdma_errmsg(), "LIBDMA_FEAT_DMABUF"));
	CU_ASSERT_EQUAL(libdma_buffer_free(b), 0);
	CU_ASSERT_EQUAL(libdma_close(old), 0);
	CU_ASSERT_EQUAL(libdma_close(bare), 0);
}

/* A closed device: its buffers cannot be exported, nothing imported. */
static void test_dmabuf_closed_device(void)
{
	struct libdma_device *d = fake_device(4);
	struct libdma_buffer *b, *imp, *other;
	int dfd;

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_EQUAL_FATAL(libdma_buffer_alloc(d, 100, &b), 0);
	CU_ASSERT_EQUAL_FATAL(libdma_buffer_import(d, 5, LIBDMA_ACCESS_RW, &imp, NULL), 0);
	CU_ASSERT_EQUAL(libdma_close(d), 0);
	ASSERT_REFUSED(libdma_buffer_export(b, 0, &dfd), -EBADF);
	ASSERT_REFUSED(libdma_buffer_import(d, 5, LIBDMA_ACCESS_RW, &other, NULL), -EBADF);
	CU_ASSERT_PTR_NULL(other);
	/* buffers still free after close, the import too */
	CU_ASSERT_EQUAL(libdma_buffer_free(imp), 0);
	CU_ASSERT_EQUAL(libdma_buffer_free(b), 0);
}

static void test_dmabuf_leaves_errno(void)
{
	struct libdma_buffer *imp;
	int dfd;

	errno = 555;
	CU_ASSERT(libdma_buffer_export(buf, 9, &dfd) < 0);
	CU_ASSERT(libdma_buffer_import(dev, -1, 1, &imp, NULL) < 0);
	CU_ASSERT_EQUAL(libdma_buffer_export(buf, 0, &dfd), 0);
	close(dfd);
	errno = 555;
	CU_ASSERT_EQUAL(libdma_buffer_import(dev, 3, 1, &imp, NULL), 0);
	CU_ASSERT_EQUAL(libdma_buffer_free(imp), 0);
	CU_ASSERT_EQUAL(errno, 555);
}

static const struct edutest_case dmabuf_cases[] = {
	{ "export_checks", test_export_checks },
	{ "import_checks", test_import_checks },
	{ "imported_regions", test_imported_regions },
	{ "dmabuf_unsupported", test_dmabuf_unsupported },
	{ "dmabuf_closed_device", test_dmabuf_closed_device },
	{ "dmabuf_leaves_errno", test_dmabuf_leaves_errno },
	{ NULL, NULL },
};

static const struct edutest_case region_cases[] = {
	{ "region_helpers", test_region_helpers },
	{ "region_null_and_empty", test_region_null_and_empty },
	{ "region_overflow", test_region_overflow },
	{ "region_outside_buffer", test_region_outside_buffer },
	{ "region_ambiguous", test_region_ambiguous },
	{ "region_check_direct", test_region_check_direct },
	{ "regions_overlap", test_regions_overlap },
	{ NULL, NULL },
};

static const struct edutest_case transfer_cases[] = {
	{ "transfer_reaches_backend", test_transfer_reaches_backend },
	{ "transfer_dev_offset", test_transfer_dev_offset },
	{ "stats_zeroed_on_refusal", test_stats_zeroed_on_refusal },
	{ "stats_on_partial_failure", test_stats_on_partial_failure },
	{ "copy_checks", test_copy_checks },
	{ NULL, NULL },
};

static const struct edutest_case buffer_cases[] = {
	{ "alloc_checks", test_alloc_checks },
	{ "register_checks", test_register_checks },
	{ "register_access_enforced", test_register_access_enforced },
	{ "free_kind_mismatch", test_free_kind_mismatch },
	{ "buffer_of_other_device", test_buffer_of_other_device },
	{ "missing_features", test_missing_features },
	{ NULL, NULL },
};

static const struct edutest_case lifetime_cases[] = {
	{ "close_with_buffers_alive", test_close_with_buffers_alive },
	{ "never_opened_objects", test_never_opened_objects },
	{ "info_from_backend", test_info_from_backend },
	{ "errmsg_per_thread", test_errmsg_per_thread },
	{ "errno_left_alone_by_checks", test_errno_left_alone_by_checks },
	{ NULL, NULL },
};

static const struct edutest_case selftest_cases[] = {
	{ "irq_test_reaches_backend", test_irq_test_reaches_backend },
	{ "irq_test_checks", test_irq_test_checks },
	{ "irq_test_failures_pass_through", test_irq_test_failures_pass_through },
	{ "factorial_reaches_backend", test_factorial_reaches_backend },
	{ "factorial_checks", test_factorial_checks },
	{ "factorial_failures_pass_through", test_factorial_failures_pass_through },
	{ "selftests_need_features", test_selftests_need_features },
	{ "selftests_closed_device", test_selftests_closed_device },
	{ "selftests_leave_errno", test_selftests_leave_errno },
	{ NULL, NULL },
};

static const struct edutest_suite suites[] = {
	{ "regions", setup_device_and_buffer, teardown_device_and_buffer, region_cases },
	{ "transfers", setup_device_and_buffer, teardown_device_and_buffer, transfer_cases },
	{ "buffers", setup_device_and_buffer, teardown_device_and_buffer, buffer_cases },
	{ "lifetime", setup_device_and_buffer, teardown_device_and_buffer, lifetime_cases },
	{ "selftests", setup_device_and_buffer, teardown_device_and_buffer, selftest_cases },
	{ "dmabuf", setup_device_and_buffer, teardown_device_and_buffer, dmabuf_cases },
	{ NULL, NULL, NULL, NULL },
};

int main(int argc, char **argv)
{
	return edutest_main(argc, argv, "test_libdma_checks", suites);
}
