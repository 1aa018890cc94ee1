/* SPDX-License-Identifier: MIT */
/*
 * The ioctl ABI's layout is a contract: sizes and offsets must never change
 * by accident (a changed size silently changes every ioctl number). This
 * pins them, and checks that 32- and 64-bit builds agree (no implicit
 * padding: each size is the sum of its fields).
 */
#include <stddef.h>

#include <uapi/edudma.h>

#include "../common/edutest.h"

static void test_sizes(void)
{
	CU_ASSERT_EQUAL(sizeof(struct edudma_info), 104);
	CU_ASSERT_EQUAL(sizeof(struct edudma_irq_test), 40);
	CU_ASSERT_EQUAL(sizeof(struct edudma_factorial), 48);
	CU_ASSERT_EQUAL(sizeof(struct edudma_alloc), 48);
	CU_ASSERT_EQUAL(sizeof(struct edudma_handle), 8);
	CU_ASSERT_EQUAL(sizeof(struct edudma_pin), 72);
	CU_ASSERT_EQUAL(sizeof(struct edudma_region), 16);
	CU_ASSERT_EQUAL(sizeof(struct edudma_stats), 72);
	CU_ASSERT_EQUAL(sizeof(struct edudma_transfer), 112);
	CU_ASSERT_EQUAL(sizeof(struct edudma_copy), 120);
	CU_ASSERT_EQUAL(sizeof(struct edudma_lab), 112);
	CU_ASSERT_EQUAL(sizeof(struct edudma_export), 40);
	CU_ASSERT_EQUAL(sizeof(struct edudma_import), 48);
}

static void test_offsets(void)
{
	CU_ASSERT_EQUAL(offsetof(struct edudma_info, features), 8);
	CU_ASSERT_EQUAL(offsetof(struct edudma_info, dev_buffer_addr), 32);
	/* the engine fields took 24 of the 48 reserved bytes */
	CU_ASSERT_EQUAL(offsetof(struct edudma_info, engine), 56);
	CU_ASSERT_EQUAL(offsetof(struct edudma_info, max_in_flight), 72);
	CU_ASSERT_EQUAL(offsetof(struct edudma_info, reserved), 80);
	CU_ASSERT_EQUAL(offsetof(struct edudma_pin, handle), 24);
	CU_ASSERT_EQUAL(offsetof(struct edudma_transfer, length), 16);
	CU_ASSERT_EQUAL(offsetof(struct edudma_transfer, stats), 40);
	CU_ASSERT_EQUAL(offsetof(struct edudma_copy, length), 32);
	CU_ASSERT_EQUAL(offsetof(struct edudma_copy, stats), 48);
}

/* Sizes are encoded in the numbers; these are what old binaries send. */
static void test_ioctl_numbers(void)
{
	CU_ASSERT_EQUAL(EDUDMA_IOC_INFO, 0x8068ed00u);
	CU_ASSERT_EQUAL(EDUDMA_IOC_IRQ_TEST, 0xc028ed01u);
	CU_ASSERT_EQUAL(EDUDMA_IOC_FACTORIAL, 0xc030ed02u);
	CU_ASSERT_EQUAL(_IOC_TYPE(EDUDMA_IOC_COPY), EDUDMA_IOC_MAGIC);
}

static const struct edutest_case cases[] = {
	{ "sizes", test_sizes },
	{ "offsets", test_offsets },
	{ "ioctl_numbers", test_ioctl_numbers },
	{ NULL, NULL }
};

static const struct edutest_suite suites[] = {
	{ "uapi_layout", NULL, NULL, cases },
	{ NULL, NULL, NULL, NULL }
};

int main(int argc, char **argv)
{
	return edutest_main(argc, argv, "uapi_layout", suites);
}
