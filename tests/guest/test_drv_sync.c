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
 * the same memory (test_soak's pin_then_close). The concurrent cases (a
 * request on one part of a registration while another part is in use by
 * the device or the CPU) were found by an independent run: each request
 * used to sync the whole registration both ways.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
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

/*
 * Concurrency on one registration: requests and CPU writes on disjoint
 * parts of it. Each thread uses its own file (a file's requests are not
 * serialised against each other anyway; two files make it explicit).
 */
#define REG_SIZE (64 * 1024ul)

struct side_job {
	uint32_t handle;	/* the registration, on 'fd2' */
	int fd2;
	atomic_int stop;
	unsigned long rounds;
	int errors;
};

/*
 * Thread B of case (a): one byte to the device from offset 60000, again and
 * again. Its request waits for the engine while the copy runs, but syncs
 * before it waits: the pauses (guest time; a copy of 40000 bytes takes
 * about 2 s of device time) put that sync in the middle of a copy.
 */
static void *one_byte_loop(void *arg)
{
	struct side_job *j = arg;

	while (!atomic_load(&j->stop)) {
		usleep(150000 + 100000 * (j->rounds % 10));
		if (gu_transfer(j->fd2, j->handle, 60000, 1, EDUDMA_DIR_TO_DEVICE, 0, NULL))
			j->errors++;
		j->rounds++;
	}
	return NULL;
}

static void test_concurrent_request_keeps_landed_bytes(void)
{
	uint8_t *reg = aligned_alloc(PAGE, REG_SIZE);
	struct side_job j = { 0 };
	struct edudma_pin p;
	struct gu_buf big;
	pthread_t t;
	size_t bad;
	int round;

	CU_ASSERT_FATAL(reg != NULL);
	memset(reg, 0xab, REG_SIZE);
	CU_ASSERT_EQUAL_FATAL(gu_pin(fd, reg, REG_SIZE, RW, &p), 0);
	CU_ASSERT_EQUAL_FATAL(gu_alloc(fd, 40000, &big), 0);
	j.fd2 = fd;
	j.handle = p.handle;
	CU_ASSERT_FATAL(pthread_create(&t, NULL, one_byte_loop, &j) == 0);
	for (round = 0; round < 4; round++) {
		gu_fill(big.map, 40000, 100 + round);
		memset(reg, 0xab, 40000);
		CU_ASSERT_EQUAL(gu_copy(fd, big.handle, 0, p.handle, 0, 40000, NULL), 0);
		bad = gu_check(reg, 40000, 100 + round);
		if (bad != (size_t)-1)
			printf("    round %d: byte %zu of the copy's destination is 0x%02x (%zu bytes still 0xab)\n",
			       round, bad, reg[bad], 40000 - count_not(reg, 40000, 0xab));
		CU_ASSERT_EQUAL(bad, (size_t)-1);
	}
	atomic_store(&j.stop, 1);
	pthread_join(t, NULL);
	printf("    %lu one-byte transfers beside the copies\n", j.rounds);
	CU_ASSERT_EQUAL(j.errors, 0);
	CU_ASSERT(j.rounds > 0);
	/* the bytes no request touched are the CPU's */
	CU_ASSERT_EQUAL(count_not(reg + 40000, REG_SIZE - 40000, 0xab), 0);
	CU_ASSERT_EQUAL(gu_unpin(fd, p.handle), 0);
	gu_free(fd, &big);
	free(reg);
}

/* Thread A of case (b): copies into offsets 0..3999 of the registration. */
static void *copy_loop(void *arg)
{
	struct side_job *j = arg;

	while (!atomic_load(&j->stop)) {
		if (gu_copy(j->fd2, src.handle, 0, j->handle, 0, 4000, NULL))
			j->errors++;
		j->rounds++;
	}
	return NULL;
}

static void test_cpu_writes_beside_a_request_survive(void)
{
	uint8_t *reg = aligned_alloc(PAGE, REG_SIZE);
	volatile uint32_t *counter;
	struct side_job j = { 0 };
	struct edudma_pin p;
	unsigned long reverted = 0;
	uint32_t i;
	pthread_t t;
	int64_t end;

	CU_ASSERT_FATAL(reg != NULL);
	memset(reg, 0, REG_SIZE);
	counter = (volatile uint32_t *)(reg + 32768);
	gu_fill(src.map, 4000, 77);
	CU_ASSERT_EQUAL_FATAL(gu_pin(fd, reg, REG_SIZE, RW, &p), 0);
	j.fd2 = fd;
	j.handle = p.handle;
	CU_ASSERT_FATAL(pthread_create(&t, NULL, copy_loop, &j) == 0);
	end = gu_now_ns() + 3000000000LL;
	for (i = 1; gu_now_ns() < end; i++) {
		*counter = i;
		usleep(100);
		if (*counter != i && reverted++ < 3)
			printf("    wrote %u at offset 32768, read back %u\n", i, *counter);
	}
	atomic_store(&j.stop, 1);
	pthread_join(t, NULL);
	printf("    %u counter writes, %lu reverted, %lu copies beside them\n", i - 1,
	       reverted, j.rounds);
	CU_ASSERT_EQUAL(reverted, 0);
	CU_ASSERT_EQUAL(j.errors, 0);
	CU_ASSERT(j.rounds > 0);
	CU_ASSERT_EQUAL(gu_check(reg, 4000, 77), (size_t)-1);
	CU_ASSERT_EQUAL(gu_unpin(fd, p.handle), 0);
	free(reg);
}

static const struct edutest_case cases[] = {
	{ "partial_write_keeps_the_rest", test_partial_write_keeps_the_rest },
	{ "overlapping_pins", test_overlapping_pins },
	{ "read_after_pin_sees_new_data", test_read_after_pin_sees_new_data },
	{ "concurrent_request_keeps_landed_bytes", test_concurrent_request_keeps_landed_bytes },
	{ "cpu_writes_beside_a_request_survive", test_cpu_writes_beside_a_request_survive },
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
