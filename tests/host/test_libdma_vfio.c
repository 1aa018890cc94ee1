// SPDX-License-Identifier: MIT
/*
 * The pure parts of the VFIO backend, on the build host: the IOVA
 * allocator (every IOVA below the DMA mask, inside the IOMMU's valid
 * ranges, never handed out twice) and the edu rules the backend shares
 * with the driver (include/edu: command check, register writes, ident).
 * The backend itself runs in the vfio guest configuration (test_vfio).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <edu/edu_plan.h>
#include <libdma.h>

#include "../common/edutest.h"
#include "../../libdma/vfio/vfio_internal.h"

#define PAGE	4096ull
#define MASK28	((1ull << 28) - 1)

/* ------------------------------------------------------------ allocator */

static void test_iova_basic(void)
{
	struct libdma__iova_range all = { 0, UINT64_MAX };
	struct libdma__iova_space s;
	uint64_t a, b, c;

	CU_ASSERT_EQUAL_FATAL(libdma__iova_init(&s, &all, 1, PAGE, 1ull << 28,
						PAGE), 0);
	CU_ASSERT_EQUAL(s.total, (1ull << 28) - PAGE);
	CU_ASSERT_EQUAL(libdma__iova_alloc(&s, 1, &a), 0);
	CU_ASSERT_EQUAL(a, PAGE);		/* never IOVA 0 */
	CU_ASSERT_EQUAL(libdma__iova_alloc(&s, PAGE + 1, &b), 0);
	CU_ASSERT_EQUAL(b, 2 * PAGE);		/* rounded to pages */
	CU_ASSERT_EQUAL(libdma__iova_alloc(&s, PAGE, &c), 0);
	CU_ASSERT_EQUAL(c, 4 * PAGE);
	CU_ASSERT_EQUAL(s.used, 4 * PAGE);
	CU_ASSERT_EQUAL(s.nr_used, 3);

	/* Freed space is reused, first fit, and merges back. */
	CU_ASSERT_EQUAL(libdma__iova_free(&s, b, PAGE + 1), 0);
	CU_ASSERT_EQUAL(libdma__iova_alloc(&s, PAGE, &b), 0);
	CU_ASSERT_EQUAL(b, 2 * PAGE);
	CU_ASSERT_EQUAL(libdma__iova_free(&s, a, PAGE), 0);
	CU_ASSERT_EQUAL(libdma__iova_free(&s, b, PAGE), 0);
	CU_ASSERT_EQUAL(libdma__iova_free(&s, c, PAGE), 0);
	CU_ASSERT_EQUAL(s.used, 0);
	CU_ASSERT_EQUAL(s.nfree, 1);		/* one range again */
	CU_ASSERT_EQUAL(libdma__iova_largest(&s), s.total);
	libdma__iova_fini(&s);
}

static void test_iova_refusals(void)
{
	struct libdma__iova_range all = { 0, UINT64_MAX };
	struct libdma__iova_space s;
	uint64_t a, b;

	CU_ASSERT_EQUAL(libdma__iova_init(&s, &all, 1, 0, 1 << 20, 3000), -EINVAL);
	CU_ASSERT_EQUAL(libdma__iova_init(&s, &all, 1, 1 << 20, 1 << 20, PAGE),
			-EINVAL);
	CU_ASSERT_EQUAL_FATAL(libdma__iova_init(&s, &all, 1, PAGE, 16 * PAGE,
						PAGE), 0);
	CU_ASSERT_EQUAL(libdma__iova_alloc(&s, 0, &a), -EINVAL);
	CU_ASSERT_EQUAL(libdma__iova_alloc(&s, 16 * PAGE, &a), -ENOSPC);
	CU_ASSERT_EQUAL(libdma__iova_alloc(&s, 15 * PAGE, &a), 0);
	CU_ASSERT_EQUAL(libdma__iova_alloc(&s, 1, &b), -ENOSPC);	/* full */
	/* Double free, unaligned, outside: refused, nothing changes. */
	CU_ASSERT_EQUAL(libdma__iova_free(&s, a, 15 * PAGE), 0);
	CU_ASSERT_EQUAL(libdma__iova_free(&s, a, 15 * PAGE), -EINVAL);
	CU_ASSERT_EQUAL(libdma__iova_alloc(&s, PAGE, &a), 0);
	CU_ASSERT_EQUAL(libdma__iova_free(&s, a + 1, PAGE), -EINVAL);
	CU_ASSERT_EQUAL(libdma__iova_free(&s, 64 * PAGE, PAGE), -EINVAL);
	CU_ASSERT_EQUAL(libdma__iova_free(&s, a + PAGE, PAGE), -EINVAL);
	CU_ASSERT_EQUAL(s.used, PAGE);
	CU_ASSERT_EQUAL(libdma__iova_free(&s, a, PAGE), 0);
	libdma__iova_fini(&s);
}

/*
 * The IOMMU's valid ranges (x86: everything but the MSI window
 * 0xfee00000-0xfeefffff) clipped to the DMA mask; overlapping and
 * unaligned ranges are tidied.
 */
static void test_iova_ranges(void)
{
	const struct libdma__iova_range ranges[] = {
		{ 0xfef00000ull, UINT64_MAX - 0xfef00000ull + 1 },
		{ 0, 0xfee00000ull },
		{ 0x1000, 0x2000 },			/* inside the second */
	};
	struct libdma__iova_space s;
	uint64_t a;

	/* 32-bit mask: the MSI window is a hole. */
	CU_ASSERT_EQUAL_FATAL(libdma__iova_init(&s, ranges, 3, PAGE, 1ull << 32,
						PAGE), 0);
	CU_ASSERT_EQUAL(s.nfree, 2);
	CU_ASSERT_EQUAL(s.total, (1ull << 32) - PAGE - 0x100000);
	CU_ASSERT_EQUAL(libdma__iova_alloc(&s, 0xfee00000ull - PAGE, &a), 0);
	CU_ASSERT_EQUAL(a, PAGE);
	CU_ASSERT_EQUAL(libdma__iova_alloc(&s, PAGE, &a), 0);
	CU_ASSERT_EQUAL(a, 0xfef00000ull);	/* the hole is skipped */
	libdma__iova_fini(&s);

	/* 28-bit mask (the edu's default): below the hole, one range. */
	CU_ASSERT_EQUAL_FATAL(libdma__iova_init(&s, ranges, 3, PAGE, 1ull << 28,
						PAGE), 0);
	CU_ASSERT_EQUAL(s.nfree, 1);
	CU_ASSERT_EQUAL(s.total, (1ull << 28) - PAGE);
	libdma__iova_fini(&s);

	/* Nothing usable below the mask. */
	CU_ASSERT_EQUAL(libdma__iova_init(&s, ranges, 1, PAGE, 1ull << 28, PAGE),
			-ENOSPC);
}

/* Random allocations and frees: never an overlap, never past the mask. */
static void test_iova_random(void)
{
	struct libdma__iova_range all = { 0, UINT64_MAX };
	struct { uint64_t iova, len; } live[64];
	struct libdma__iova_space s;
	uint64_t seed = 0x1234567, total;
	int nlive = 0, i, j, bad = 0;

	CU_ASSERT_EQUAL_FATAL(libdma__iova_init(&s, &all, 1, PAGE, 1ull << 24,
						PAGE), 0);
	total = s.total;
	for (i = 0; i < 20000; i++) {
		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		if (nlive < 64 && (seed & 1)) {
			uint64_t len = 1 + (seed >> 8) % (64 * PAGE), a;

			if (libdma__iova_alloc(&s, len, &a))
				continue;
			len = (len + PAGE - 1) & ~(PAGE - 1);
			bad += a < PAGE || a + len > (1ull << 24) || (a & (PAGE - 1));
			for (j = 0; j < nlive; j++)
				bad += a < live[j].iova + live[j].len &&
				       live[j].iova < a + len;
			live[nlive].iova = a;
			live[nlive++].len = len;
		} else if (nlive) {
			j = (int)((seed >> 16) % (uint64_t)nlive);
			bad += libdma__iova_free(&s, live[j].iova, live[j].len) != 0;
			live[j] = live[--nlive];
		}
	}
	while (nlive--)
		bad += libdma__iova_free(&s, live[nlive].iova, live[nlive].len) != 0;
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(s.used, 0);
	CU_ASSERT_EQUAL(s.nfree, 1);
	CU_ASSERT_EQUAL(libdma__iova_largest(&s), total);
	libdma__iova_fini(&s);
}

/* ----------------------------------------------- shared edu rules (include/edu) */

static void test_cmd_ok(void)
{
	struct edu_cmd c = { 0x1000, EDU_DEV_BUF_ADDR, 4095, 0, 4095, 0 };

	CU_ASSERT_TRUE(edu_cmd_ok(&c, EDU_WINDOW_SAFE, MASK28));
	c.count = 4096;		/* the byte that aborts QEMU 7.2 */
	CU_ASSERT_FALSE(edu_cmd_ok(&c, EDU_WINDOW_SAFE, MASK28));
	CU_ASSERT_TRUE(edu_cmd_ok(&c, EDU_WINDOW_FULL, MASK28));
	c.count = 0;
	CU_ASSERT_FALSE(edu_cmd_ok(&c, EDU_WINDOW_FULL, MASK28));
	c.count = 16;
	c.src = MASK28 - 15;	/* ends on the last reachable byte */
	CU_ASSERT_TRUE(edu_cmd_ok(&c, EDU_WINDOW_SAFE, MASK28));
	c.src = MASK28 - 14;	/* one byte beyond the mask */
	CU_ASSERT_FALSE(edu_cmd_ok(&c, EDU_WINDOW_SAFE, MASK28));
	/* From the device: the memory side is the destination. */
	c.cmd = EDU_DMA_FROM_DEVICE;
	c.src = EDU_DEV_BUF_ADDR + 4000;
	c.dst = 0x2000;
	c.count = 95;
	CU_ASSERT_TRUE(edu_cmd_ok(&c, EDU_WINDOW_SAFE, MASK28));
	c.count = 96;
	CU_ASSERT_FALSE(edu_cmd_ok(&c, EDU_WINDOW_SAFE, MASK28));
	c.src = EDU_DEV_BUF_ADDR - 1;
	c.count = 1;
	CU_ASSERT_FALSE(edu_cmd_ok(&c, EDU_WINDOW_SAFE, MASK28));
	/* Only the planner's bits: no RUN or IRQ smuggled in. */
	c.src = EDU_DEV_BUF_ADDR;
	c.cmd = EDU_DMA_FROM_DEVICE | EDU_DMA_RUN;
	CU_ASSERT_FALSE(edu_cmd_ok(&c, EDU_WINDOW_SAFE, MASK28));
}

/* Every command the planner makes for an IOVA segment passes the check. */
static void test_plan_over_iova(void)
{
	struct edu_seg src = { 0x1000, 1 << 20 }, dst = { 0x200000 + 7, 1 << 20 };
	struct edu_cursor cs, cd;
	struct edu_cmd *cmds;
	long n, i;

	edu_cursor_init(&cs, &src, 1, 0);
	edu_cursor_init(&cd, &dst, 1, 0);
	n = edu_plan_copy(NULL, 0, cs, cd, 1 << 20, EDU_WINDOW_SAFE);
	CU_ASSERT_EQUAL_FATAL(n, 2 * ((1 << 20) / EDU_WINDOW_SAFE + 1));
	cmds = calloc((size_t)n, sizeof(*cmds));
	CU_ASSERT_FATAL(cmds != NULL);
	edu_plan_copy(cmds, (unsigned long)n, cs, cd, 1 << 20, EDU_WINDOW_SAFE);
	for (i = 0; i < n; i++)
		CU_ASSERT_TRUE(edu_cmd_ok(&cmds[i], EDU_WINDOW_SAFE, MASK28));
	free(cmds);
}

static void test_cmd_regs(void)
{
	struct edu_cmd c = { 0x123456789ull, EDU_DEV_BUF_ADDR + 5, 77,
			     EDU_DMA_FROM_DEVICE, 77, 0 };
	struct edu_reg_write w[EDU_CMD_WRITES];

	edu_cmd_regs(&c, w);
	/* The command register last: it starts the copy. */
	CU_ASSERT_EQUAL(w[0].reg, EDU_REG_DMA_SRC);
	CU_ASSERT_EQUAL(w[0].val, 0x123456789ull);
	CU_ASSERT_EQUAL(w[1].reg, EDU_REG_DMA_DST);
	CU_ASSERT_EQUAL(w[2].reg, EDU_REG_DMA_COUNT);
	CU_ASSERT_EQUAL(w[2].val, 77);
	CU_ASSERT_EQUAL(w[3].reg, EDU_REG_DMA_CMD);
	CU_ASSERT_EQUAL(w[3].val, EDU_DMA_FROM_DEVICE | EDU_DMA_RUN | EDU_DMA_IRQ);
}

static void test_ident_and_liveness(void)
{
	unsigned int i, j;

	CU_ASSERT_EQUAL(edu_ident_check(0x010000ed), EDU_IDENT_OK);
	CU_ASSERT_EQUAL(edu_ident_check(0x010100ed), EDU_IDENT_OK);
	CU_ASSERT_EQUAL(edu_ident_check(0x020000ed), EDU_IDENT_BAD_MAJOR);
	CU_ASSERT_EQUAL(edu_ident_check(0xffffffff), EDU_IDENT_NOT_EDU);
	CU_ASSERT_EQUAL(edu_ident_check(0), EDU_IDENT_NOT_EDU);
	/* All zeros and all ones among distinct patterns: a stuck bus fails. */
	for (i = 0; i < EDU_LIVENESS_PATTERNS; i++)
		for (j = i + 1; j < EDU_LIVENESS_PATTERNS; j++)
			CU_ASSERT_NOT_EQUAL(edu_liveness_pattern(i),
					    edu_liveness_pattern(j));
	CU_ASSERT_EQUAL(edu_liveness_pattern(0), 0);
	CU_ASSERT_EQUAL(edu_liveness_pattern(1), 0xffffffffu);
	CU_ASSERT_FALSE(edu_irq_status_valid(0, 0x010000ed));
	/* all ones: gone only if the ident register reads all ones too */
	CU_ASSERT_FALSE(edu_irq_status_valid(0xffffffffu, 0xffffffffu));
	CU_ASSERT_TRUE(edu_irq_status_valid(0xffffffffu, 0x010000ed));
	CU_ASSERT_TRUE(edu_irq_status_valid(EDU_IRQ_DMA, 0));
}

static const struct edutest_case iova_cases[] = {
	{ "iova_basic", test_iova_basic },
	{ "iova_refusals", test_iova_refusals },
	{ "iova_ranges", test_iova_ranges },
	{ "iova_random", test_iova_random },
	{ NULL, NULL },
};

static const struct edutest_case edu_cases[] = {
	{ "cmd_ok", test_cmd_ok },
	{ "plan_over_iova", test_plan_over_iova },
	{ "cmd_regs", test_cmd_regs },
	{ "ident_and_liveness", test_ident_and_liveness },
	{ NULL, NULL },
};

static const struct edutest_suite suites[] = {
	{ "vfio_iova", NULL, NULL, iova_cases },
	{ "edu_shared_rules", NULL, NULL, edu_cases },
	{ NULL, NULL, NULL, NULL },
};

int main(int argc, char **argv)
{
	return edutest_main(argc, argv, "test_libdma_vfio", suites);
}
