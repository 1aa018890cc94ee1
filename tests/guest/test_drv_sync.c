/* SPDX-License-Identifier: MIT */
/*
 * Streaming DMA of pinned memory and the CPU's view of it: what the device
 * did not write must stay what the CPU wrote, and what it wrote must stay
 * written. Trivially true where the device reaches the pages themselves;
 * with bounce buffers (the swiotlb configuration: swiotlb=force) every
 * mapping has its own copy of the pages, and a sync or unmap that copies
 * a stale one back clobbers the process's memory.
 *
 * Found by the debug kernel (make check-debug): DMA-API debug's "cacheline
 * tracking EEXIST, overlapping mappings aren't supported" on two pins of
 * the same memory (test_soak's pin_then_close).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../common/edutest.h"
#include "guest_util.h"

#define PAGE 4096ul
#define RW (EDUDMA_ACCESS_DEV_READ | EDUDMA_ACCESS_DEV_WRITE)

static int fd = -1;
static struct gu_buf src;
static uint8_t *mem;		/* 3 pages of anonymous memory */

static int suite_init(void)
{
	fd = gu_open(0);
	if (fd < 0 || gu_alloc(fd, PAGE, &src))
		return -1;
	mem = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return mem == MAP_FAILED;
}

static int suite_cleanup(void)
{
	gu_free(fd, &src);
	munmap(mem, 3 * PAGE);
	return close(fd);
}

static size_t count_not(const uint8_t *p, size_t len, uint8_t v)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		n += p[i] != v;
	return n;
}

/* The device's buffer gets pattern 'seed' (4000 bytes from the coherent buffer). */
static void load_device(uint32_t seed)
{
	gu_fill(src.map, 4000, seed);
	CU_ASSERT_EQUAL_FATAL(gu_transfer(fd, src.handle, 0, 4000, EDUDMA_DIR_TO_DEVICE, 0, NULL), 0);
}

/*
 * A pin the device may only write into; the process writes the whole range
 * after pinning; the device then writes 100 bytes of it. The other bytes
 * must be what the process wrote, not what they were when it pinned.
 */
static void test_partial_write_keeps_the_rest(void)
{
	struct edudma_pin p;

	memset(mem, 0x11, 2 * PAGE);
	CU_ASSERT_EQUAL_FATAL(gu_pin(fd, mem, 2 * PAGE, EDUDMA_ACCESS_DEV_WRITE, &p), 0);
	memset(mem, 0x22, 2 * PAGE);
	load_device(5);
	CU_ASSERT_EQUAL(gu_transfer(fd, p.handle, 1000, 100, EDUDMA_DIR_FROM_DEVICE, 0, NULL), 0);
	CU_ASSERT_EQUAL(gu_check(mem + 1000, 100, 5), (size_t)-1);
	CU_ASSERT_EQUAL(count_not(mem, 1000, 0x22), 0);
	CU_ASSERT_EQUAL(count_not(mem + 1100, 2 * PAGE - 1100, 0x22), 0);
	CU_ASSERT_EQUAL(gu_unpin(fd, p.handle), 0);
	CU_ASSERT_EQUAL(gu_check(mem + 1000, 100, 5), (size_t)-1);
	CU_ASSERT_EQUAL(count_not(mem + 1100, 2 * PAGE - 1100, 0x22), 0);
}

/*
 * The same memory pinned twice (the ABI allows it): the device writes
 * through one pin, then the other is dropped. Dropping it must not bring
 * back what the memory held when it was pinned.
 */
static void test_overlapping_pins(void)
{
	struct edudma_pin a, b;

	memset(mem, 0x33, 2 * PAGE);
	CU_ASSERT_EQUAL_FATAL(gu_pin(fd, mem, 2 * PAGE, RW, &a), 0);
	CU_ASSERT_EQUAL_FATAL(gu_pin(fd, mem + 5, 2 * PAGE - 5, RW, &b), 0);
	load_device(6);
	CU_ASSERT_EQUAL(gu_transfer(fd, a.handle, 0, 4000, EDUDMA_DIR_FROM_DEVICE, 0, NULL), 0);
	CU_ASSERT_EQUAL(gu_check(mem, 4000, 6), (size_t)-1);
	CU_ASSERT_EQUAL(gu_unpin(fd, b.handle), 0);
	CU_ASSERT_EQUAL(gu_check(mem, 4000, 6), (size_t)-1);
	CU_ASSERT_EQUAL(count_not(mem + 4000, 2 * PAGE - 4000, 0x33), 0);
	CU_ASSERT_EQUAL(gu_unpin(fd, a.handle), 0);
	CU_ASSERT_EQUAL(gu_check(mem, 4000, 6), (size_t)-1);

	/* and the other way round: written through the second, the first dropped */
	memset(mem, 0x44, 2 * PAGE);
	CU_ASSERT_EQUAL_FATAL(gu_pin(fd, mem, 2 * PAGE, RW, &a), 0);
	CU_ASSERT_EQUAL_FATAL(gu_pin(fd, mem, 2 * PAGE, EDUDMA_ACCESS_DEV_WRITE, &b), 0);
	load_device(7);
	CU_ASSERT_EQUAL(gu_transfer(fd, b.handle, 200, 4000, EDUDMA_DIR_FROM_DEVICE, 0, NULL), 0);
	CU_ASSERT_EQUAL(gu_unpin(fd, a.handle), 0);
	CU_ASSERT_EQUAL(gu_check(mem + 200, 4000, 7), (size_t)-1);
	CU_ASSERT_EQUAL(count_not(mem, 200, 0x44), 0);
	CU_ASSERT_EQUAL(gu_unpin(fd, b.handle), 0);
	CU_ASSERT_EQUAL(gu_check(mem + 200, 4000, 7), (size_t)-1);
	CU_ASSERT_EQUAL(count_not(mem + 4200, 2 * PAGE - 4200, 0x44), 0);
}

/* A pin the device reads: what the process writes after pinning is what it reads. */
static void test_read_after_pin_sees_new_data(void)
{
	struct edudma_pin p;

	memset(mem, 0x55, 2 * PAGE);
	CU_ASSERT_EQUAL_FATAL(gu_pin(fd, mem, 2 * PAGE, EDUDMA_ACCESS_DEV_READ, &p), 0);
	gu_fill(mem + 300, 4000, 8);
	CU_ASSERT_EQUAL(gu_transfer(fd, p.handle, 300, 4000, EDUDMA_DIR_TO_DEVICE, 0, NULL), 0);
	memset(src.map, 0, 4000);
	CU_ASSERT_EQUAL(gu_transfer(fd, src.handle, 0, 4000, EDUDMA_DIR_FROM_DEVICE, 0, NULL), 0);
	CU_ASSERT_EQUAL(gu_check(src.map, 4000, 8), (size_t)-1);
	CU_ASSERT_EQUAL(gu_unpin(fd, p.handle), 0);
}

static const struct edutest_case cases[] = {
	{ "partial_write_keeps_the_rest", test_partial_write_keeps_the_rest },
	{ "overlapping_pins", test_overlapping_pins },
	{ "read_after_pin_sees_new_data", test_read_after_pin_sees_new_data },
	{ NULL, NULL }
};

static const struct edutest_suite suites[] = {
	{ "sync", suite_init, suite_cleanup, cases },
	{ NULL, NULL, NULL, NULL }
};

int main(int argc, char **argv)
{
	return edutest_main(argc, argv, "drv_sync", suites);
}
