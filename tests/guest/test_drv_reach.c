/* SPDX-License-Identifier: MIT */
/*
 * Bounce buffers the device cannot reach. The DMA layer bounces pages
 * beyond a device's mask through its swiotlb pool - but that pool lies
 * wherever the kernel found room at boot, below 4 GiB and usually far
 * above a 28-bit device's 256 MiB. Boot configurations 'highmem' (5 GiB,
 * swiotlb switched on by the kernel itself) and 'swiotlb28' (1 GiB,
 * swiotlb=force, the edu's default 28-bit mask) put it there. Pinning then
 * must answer ERANGE with a log line naming the cause - never EIO, never a
 * swiotlb WARNING (which collect.sh fails the boot on, and which on a
 * panic_on_warn machine is a denial of service) - or succeed with every
 * byte right. In the other configurations the same calls simply work.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../common/edutest.h"
#include "guest_util.h"

#define RW (EDUDMA_ACCESS_DEV_READ | EDUDMA_ACCESS_DEV_WRITE)

static int fd = -1;
static struct gu_buf buf;

static int suite_init(void)
{
	fd = gu_open(0);
	return fd < 0 || gu_alloc(fd, 128 * 1024, &buf);
}

static int suite_cleanup(void)
{
	gu_free(fd, &buf);
	return close(fd);
}

/* The configurations whose bounce pool lies beyond the device's mask. */
static int pool_out_of_reach(void)
{
	return gu_config_is("highmem") || gu_config_is("swiotlb28");
}

/* 0: pinned and a round trip verified; -ERANGE: refused with the reason logged. */
static int pin_round_trip(size_t len, size_t *mark_out)
{
	uint8_t *mem = malloc(len);
	struct edudma_pin p;
	size_t mark = gu_dmesg_mark();
	int ret;

	if (!mem)
		return -ENOMEM;
	gu_fill(mem, len, 5);
	ret = gu_pin(fd, mem, len, RW, &p);
	if (ret == 0) {
		/* memory -> coherent buffer -> memory, 100003 bytes each way */
		size_t n = len < buf.size ? len : buf.size;

		memset(buf.map, 0, n);
		if (gu_copy_regions(fd, &(struct edudma_region){ .handle = p.handle },
				    &(struct edudma_region){ .handle = buf.handle }, n, NULL) ||
		    gu_check(buf.map, n, 5) != (size_t)-1)
			ret = -EIO;
		gu_fill(buf.map, n, 6);
		if (!ret && (gu_copy_regions(fd, &(struct edudma_region){ .handle = buf.handle },
					     &(struct edudma_region){ .handle = p.handle }, n, NULL) ||
			     gu_check(mem, n, 6) != (size_t)-1))
			ret = -EIO;
		gu_unpin(fd, p.handle);
	}
	free(mem);
	*mark_out = mark;
	return ret;
}

static void test_pin_reachable_or_erange(void)
{
	size_t mark;
	int ret = pin_round_trip(100003, &mark);

	printf("    PIN of 100003 malloc'd bytes: %s\n", ret ? strerror(-ret) : "pinned, round trip verified");
	if (pool_out_of_reach()) {
		/* heap pages may happen to lie below 256 MiB: then they need no bounce */
		CU_ASSERT(ret == 0 || ret == -ERANGE);
		if (ret == -ERANGE) {
			CU_ASSERT(gu_dmesg_since_contains(mark, "bounce buffer pool lies beyond it"));
		}
	} else {
		CU_ASSERT(ret == 0 || (ret == -ERANGE && gu_config_is("bigmem")));
	}
	CU_ASSERT_NOT_EQUAL(ret, -EIO);
}

/* One-shot regions go the same way. */
static void test_one_shot_reachable_or_erange(void)
{
	uint8_t *mem = malloc(100003);
	struct edudma_region src, dst;
	int ret;

	CU_ASSERT_FATAL(mem != NULL);
	gu_fill(mem, 100003, 9);
	src = gu_user_region(mem);
	dst = gu_handle_region(buf.handle, 0);
	ret = gu_copy_regions(fd, &src, &dst, 100003, NULL);
	printf("    one-shot COPY from 100003 malloc'd bytes: %s\n", ret ? strerror(-ret) : "verified");
	if (ret == 0) {
		CU_ASSERT_EQUAL(gu_check(buf.map, 100003, 9), (size_t)-1);
	} else {
		CU_ASSERT_EQUAL(ret, -ERANGE);
	}
	free(mem);
}

/* Many pins: never EIO, never a WARNING, whatever share of them is reachable. */
static void test_many_pins(void)
{
	int i, ok = 0, refused = 0, other = 0;

	for (i = 0; i < 40; i++) {
		size_t mark;
		int ret = pin_round_trip(4096 * (1 + i % 7) + 123, &mark);

		ok += ret == 0;
		refused += ret == -ERANGE;
		other += ret && ret != -ERANGE;
	}
	printf("    40 pins: %d verified, %d ERANGE, %d other\n", ok, refused, other);
	CU_ASSERT_EQUAL(other, 0);
	if (!pool_out_of_reach() && !gu_config_is("bigmem")) {
		CU_ASSERT_EQUAL(ok, 40);
	}
}

/* Coherent buffers come from reachable memory in every configuration. */
static void test_coherent_still_works(void)
{
	struct gu_buf b;

	CU_ASSERT_EQUAL_FATAL(gu_alloc(fd, 64 * 1024, &b), 0);
	gu_fill(buf.map, 64 * 1024, 11);
	CU_ASSERT_EQUAL(gu_copy(fd, buf.handle, 0, b.handle, 0, 64 * 1024, NULL), 0);
	CU_ASSERT_EQUAL(gu_check(b.map, 64 * 1024, 11), (size_t)-1);
	gu_free(fd, &b);
}

/*
 * A reachable bounce pool, full. With swiotlb=force and the device's mask
 * wide enough for the pool (configuration 'swiotlb': 1 GiB, dma_bits=32),
 * every registration holds bounce slots until UNPIN; registering more than
 * the pool holds must be refused with ENOBUFS and the driver's line saying
 * so (edudma_map_error()) - not EIO (a wedged device), not ERANGE, not a
 * WARNING - and leave nothing pinned. The DMA layer itself logs "swiotlb
 * buffer is full" (a dev_warn, not a WARN(): collect.sh and
 * gu_dmesg_problem_since() do not count it, rightly - it is the expected
 * consequence of the test, no kernel problem). Freeing everything gives the
 * slots back: a registration then works and moves verified data.
 */
#define POOL_CHUNK (1ul << 20)		/* 4 segments of swiotlb's 256 KiB */
#define POOL_MAX_CHUNKS 256		/* the default pool is 64 MiB */
#define POOL_SMALL 1024			/* pages: the pool's last 2 MiB and more */

static long swiotlb_debug(const char *name)
{
	char path[96], v[32];

	snprintf(path, sizeof(path), "/sys/kernel/debug/swiotlb/%s", name);
	return gu_read_file(path, v, sizeof(v)) ? -1 : strtol(v, NULL, 0);
}

static int cmdline_has(const char *word)
{
	char line[4096];

	return gu_read_file("/proc/cmdline", line, sizeof(line)) == 0 && strstr(line, word);
}

static void test_bounce_pool_full(void)
{
	static uint8_t *mem[POOL_MAX_CHUNKS];
	static uint32_t handle[POOL_MAX_CHUNKS], small_handle[POOL_SMALL];
	int n = 0, i, ret = 0, ret2 = 0, unpinned = 0, nsmall = 0;
	uint8_t *small;
	int base_pinned = gu_attr_int(0, "nr_pinned");
	long long base_vmpin = gu_status_kb("VmPin");
	long nslabs = swiotlb_debug("io_tlb_nslabs"), used0 = swiotlb_debug("io_tlb_used");
	size_t mark = gu_dmesg_mark(), after;
	char *problem;

	if (!cmdline_has("swiotlb=force") || pool_out_of_reach())
		EDUTEST_SKIP("needs swiotlb=force with a pool the device reaches (configuration swiotlb)");
	printf("    swiotlb pool: %ld slabs (%ld MiB), %ld used\n", nslabs,
	       nslabs > 0 ? nslabs * 2048 / (1 << 20) : -1, used0);
	for (n = 0; n < POOL_MAX_CHUNKS; n++) {
		struct edudma_pin p;

		mem[n] = mmap(NULL, POOL_CHUNK, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		CU_ASSERT_NOT_EQUAL_FATAL(mem[n], MAP_FAILED);
		ret = gu_pin(fd, mem[n], POOL_CHUNK, RW, &p);
		if (ret) {
			munmap(mem[n], POOL_CHUNK);
			break;
		}
		handle[n] = p.handle;
	}
	printf("    %d registrations of 1 MiB, then: %s (swiotlb used %ld)\n", n,
	       ret ? strerror(-ret) : "no refusal", swiotlb_debug("io_tlb_used"));
	CU_ASSERT_EQUAL(ret, -ENOBUFS);
	CU_ASSERT(n > 0);
	/* refused only at the pool's end: less than two chunks were free */
	if (nslabs > 0)
		CU_ASSERT((long)(n + 2) * (long)(POOL_CHUNK / 2048) > nslabs - used0);
	CU_ASSERT(gu_dmesg_since_contains(mark, "bounce buffer pool exhausted: ENOBUFS"));
	/* the refused registration left nothing: counts are those of the n held */
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_pinned"), base_pinned + n);
	/* the rest of the pool, one page at a time, until that too is refused */
	small = mmap(NULL, POOL_SMALL * 4096, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	CU_ASSERT_NOT_EQUAL_FATAL(small, MAP_FAILED);
	for (nsmall = 0; ret == -ENOBUFS && nsmall < POOL_SMALL; nsmall++) {
		struct edudma_pin p;

		ret2 = gu_pin(fd, small + nsmall * 4096, 4096, RW, &p);
		if (ret2)
			break;
		small_handle[nsmall] = p.handle;
	}
	printf("    then %d registrations of one page, then: %s (swiotlb used %ld)\n", nsmall,
	       ret2 ? strerror(-ret2) : "no refusal", swiotlb_debug("io_tlb_used"));
	CU_ASSERT_EQUAL(ret2, -ENOBUFS);
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_pinned"), base_pinned + n + nsmall);
	/* one-shot regions meet the same full pool */
	if (ret2 == -ENOBUFS) {
		uint8_t *one = malloc(100000);
		struct edudma_region src, dst;

		CU_ASSERT_FATAL(one != NULL);
		memset(one, 1, 100000);
		src = gu_user_region(one);
		dst = gu_handle_region(buf.handle, 0);
		CU_ASSERT_EQUAL(gu_copy_regions(fd, &src, &dst, 100000, NULL), -ENOBUFS);
		free(one);
	}
	for (i = 0; i < n; i++) {
		unpinned += gu_unpin(fd, handle[i]) == 0;
		munmap(mem[i], POOL_CHUNK);
	}
	for (i = 0; i < nsmall; i++)
		unpinned += gu_unpin(fd, small_handle[i]) == 0;
	munmap(small, POOL_SMALL * 4096);
	CU_ASSERT_EQUAL(unpinned, n + nsmall);
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_pinned"), base_pinned);
	CU_ASSERT_EQUAL(gu_status_kb("VmPin"), base_vmpin);
	if (used0 >= 0)
		CU_ASSERT_EQUAL(swiotlb_debug("io_tlb_used"), used0);
	problem = gu_dmesg_problem_since(mark);
	if (problem)
		printf("    kernel log: %s\n", problem);
	CU_ASSERT_PTR_NULL(problem);
	free(problem);
	/* the pool is back: a registration works and its data are right */
	CU_ASSERT_EQUAL(pin_round_trip(3 * POOL_CHUNK + 123, &after), 0);
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_pinned"), base_pinned);
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_buffers"), 1);	/* the suite's own */
}

static const struct edutest_case cases[] = {
	{ "pin_reachable_or_erange", test_pin_reachable_or_erange },
	{ "one_shot_reachable_or_erange", test_one_shot_reachable_or_erange },
	{ "many_pins", test_many_pins },
	{ "coherent_still_works", test_coherent_still_works },
	{ "bounce_pool_full", test_bounce_pool_full },
	{ NULL, NULL }
};

static const struct edutest_suite suites[] = {
	{ "reach", suite_init, suite_cleanup, cases },
	{ NULL, NULL, NULL, NULL }
};

int main(int argc, char **argv)
{
	return edutest_main(argc, argv, "drv_reach", suites);
}
