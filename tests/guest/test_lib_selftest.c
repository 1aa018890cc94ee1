// SPDX-License-Identifier: MIT
/*
 * libdma's device self-tests (API 1.1) against the real driver: the
 * interrupt self-test on every device, and the factorial unit by interrupt
 * and by polling. The raw ioctls behind them are tested in test_drv_basic.c;
 * here the question is whether the library passes everything through.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <libdma.h>

#include "../common/edutest.h"
#include "guest_util.h"

static struct libdma_device *dev;	/* device 0, for the whole program */
static struct libdma_info info;

static int suite_init(void)
{
	if (libdma_open("0", &dev) < 0 || libdma_get_info(dev, &info) < 0) {
		printf("cannot open device 0: %s\n", libdma_errmsg());
		return -1;
	}
	return 0;
}

static int suite_cleanup(void)
{
	return libdma_close(dev);
}

#define ASSERT_OK(call) do {						\
	int err_ = (call);						\
	if (err_)							\
		printf("\n    %s = %d: %s\n", #call, err_, libdma_errmsg()); \
	CU_ASSERT_EQUAL_FATAL(err_, 0);					\
} while (0)

static uint32_t fact32(uint32_t n)
{
	uint32_t r = 1;

	while (n > 1)
		r *= n--;
	return r;
}

/* ----------------------------------------------------------- irq test */

static void test_version_is_1_1(void)
{
	CU_ASSERT(libdma_version() >= ((1u << 16) | 1u));
	CU_ASSERT_EQUAL(libdma_version(), LIBDMA_VERSION);
}

static void test_irq_every_device(void)
{
	struct libdma_device_desc descs[8];
	int n = libdma_list(descs, 8), i;

	CU_ASSERT_FATAL(n >= 1);
	for (i = 0; i < n && i < 8; i++) {
		struct libdma_irq_test_result res;
		struct libdma_device *d;
		uint64_t before = 0, after = 0;

		ASSERT_OK(libdma_open(descs[i].node, &d));
		CU_ASSERT_EQUAL(gu_attr_u64((int)descs[i].index, "irq_count", &before), 0);
		memset(&res, 0xff, sizeof(res));
		ASSERT_OK(libdma_irq_test(d, 0, &res));
		CU_ASSERT_EQUAL(res.seen & LIBDMA_IRQ_TEST_DEFAULT, LIBDMA_IRQ_TEST_DEFAULT);
		CU_ASSERT(res.latency_ns > 0);
		CU_ASSERT_EQUAL(res.reserved0, 0);
		CU_ASSERT_EQUAL(res.reserved[0], 0);
		CU_ASSERT_EQUAL(gu_attr_u64((int)descs[i].index, "irq_count", &after), 0);
		CU_ASSERT(after > before);
		CU_ASSERT_EQUAL(libdma_close(d), 0);
	}
}

static void test_irq_custom_bits(void)
{
	struct libdma_irq_test_result res;

	ASSERT_OK(libdma_irq_test(dev, 0x00f00000, &res));
	CU_ASSERT_EQUAL(res.seen, 0x00f00000);
	ASSERT_OK(libdma_irq_test(dev, 0x80000000u, &res));
	CU_ASSERT_EQUAL(res.seen, 0x80000000u);
	ASSERT_OK(libdma_irq_test(dev, 0x00020000, NULL));
}

static void test_irq_repeated(void)
{
	int i, fails = 0;

	for (i = 0; i < 100; i++)
		if (libdma_irq_test(dev, 1u << (16 + i % 8), NULL))
			fails++;
	CU_ASSERT_EQUAL(fails, 0);
}

static void test_irq_driver_bits_refused(void)
{
	uint64_t before = 0, after = 0;

	CU_ASSERT_EQUAL(gu_attr_u64(0, "irq_count", &before), 0);
	CU_ASSERT_EQUAL(libdma_irq_test(dev, 0x00000001, NULL), -EINVAL);
	CU_ASSERT_EQUAL(libdma_irq_test(dev, 0x00010100, NULL), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(libdma_errmsg(), "driver owns"));
	CU_ASSERT_EQUAL(gu_attr_u64(0, "irq_count", &after), 0);
	CU_ASSERT_EQUAL(after, before);	/* nothing was raised */
}

/* ---------------------------------------------------------- factorial */

static const uint32_t inputs[] = { 0, 1, 2, 5, 10, 12, 13, 20, 1000 };

/*
 * edu-sg has no factorial unit: the feature is not announced, libdma
 * refuses with EOPNOTSUPP and says why, and the driver itself answers the
 * raw ioctl with ENOTTY. Returns 1 (the device is an edu-sg, checked) or
 * 0 (an edu: go on with the factorial tests).
 */
static int factorial_absent(unsigned int flags)
{
	struct libdma_factorial_result res;
	struct edudma_factorial f;
	int fd;

	if (info.engine != LIBDMA_ENGINE_EDUSG)
		return 0;
	CU_ASSERT_FALSE(info.features & LIBDMA_FEAT_FACTORIAL);
	CU_ASSERT_EQUAL(libdma_factorial(dev, 5, flags, &res), -EOPNOTSUPP);
	CU_ASSERT_PTR_NOT_NULL(strstr(libdma_errmsg(), "not supported"));
	fd = gu_open(0);
	CU_ASSERT_FATAL(fd >= 0);
	memset(&f, 0, sizeof(f));
	f.n = 5;
	f.flags = flags & LIBDMA_FACT_POLL ? EDUDMA_FACT_POLL : 0;
	CU_ASSERT_EQUAL(ioctl(fd, EDUDMA_IOC_FACTORIAL, &f) ? errno : 0, ENOTTY);
	close(fd);
	return 1;
}

static void check_factorials(unsigned int flags)
{
	size_t i;

	for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		struct libdma_factorial_result res;

		memset(&res, 0xff, sizeof(res));
		ASSERT_OK(libdma_factorial(dev, inputs[i], flags, &res));
		CU_ASSERT_EQUAL(res.value, fact32(inputs[i]));
		CU_ASSERT_EQUAL(res.by_irq, flags & LIBDMA_FACT_POLL ? 0 : 1);
		CU_ASSERT(res.elapsed_ns > 0);
		CU_ASSERT_EQUAL(res.reserved[0], 0);
	}
}

static void test_factorial_by_interrupt(void)
{
	uint64_t before = 0, after = 0;

	if (factorial_absent(0))
		return;
	CU_ASSERT_EQUAL(gu_attr_u64(0, "irq_count", &before), 0);
	check_factorials(0);
	CU_ASSERT_EQUAL(gu_attr_u64(0, "irq_count", &after), 0);
	CU_ASSERT(after >= before + sizeof(inputs) / sizeof(inputs[0]));
}

static void test_factorial_by_polling(void)
{
	if (factorial_absent(LIBDMA_FACT_POLL))
		return;
	check_factorials(LIBDMA_FACT_POLL);
}

static void test_factorial_bad_flags(void)
{
	struct libdma_factorial_result res;

	CU_ASSERT_EQUAL(libdma_factorial(dev, 5, 0x2, &res), -EINVAL);
	CU_ASSERT_EQUAL(libdma_factorial(dev, 5, 0, NULL), -EINVAL);
}

/* The two units at once on one handle: the driver keeps them apart. */
static void test_irq_and_factorial_interleaved(void)
{
	uint32_t n;

	for (n = 0; n < 20; n++) {
		struct libdma_factorial_result fr;
		struct libdma_irq_test_result ir;

		if (info.engine == LIBDMA_ENGINE_EDUSG) {
			/* refused without disturbing the interrupt path */
			CU_ASSERT_EQUAL(libdma_factorial(dev, n, 0, &fr), -EOPNOTSUPP);
		} else {
			ASSERT_OK(libdma_factorial(dev, n, 0, &fr));
			CU_ASSERT_EQUAL(fr.value, fact32(n));
		}
		ASSERT_OK(libdma_irq_test(dev, 0, &ir));
		CU_ASSERT_EQUAL(ir.seen & LIBDMA_IRQ_TEST_DEFAULT, LIBDMA_IRQ_TEST_DEFAULT);
	}
}

static const struct edutest_case irq_cases[] = {
	{ "version_is_1_1", test_version_is_1_1 },
	{ "irq_every_device", test_irq_every_device },
	{ "irq_custom_bits", test_irq_custom_bits },
	{ "irq_repeated", test_irq_repeated },
	{ "irq_driver_bits_refused", test_irq_driver_bits_refused },
	{ NULL, NULL },
};

static const struct edutest_case fact_cases[] = {
	{ "factorial_by_interrupt", test_factorial_by_interrupt },
	{ "factorial_by_polling", test_factorial_by_polling },
	{ "factorial_bad_flags", test_factorial_bad_flags },
	{ "irq_and_factorial_interleaved", test_irq_and_factorial_interleaved },
	{ NULL, NULL },
};

static const struct edutest_suite suites[] = {
	{ "lib_irq_test", suite_init, suite_cleanup, irq_cases },
	{ "lib_factorial", suite_init, suite_cleanup, fact_cases },
	{ NULL, NULL, NULL, NULL },
};

int main(int argc, char **argv)
{
	return edutest_main(argc, argv, "test_lib_selftest", suites);
}
