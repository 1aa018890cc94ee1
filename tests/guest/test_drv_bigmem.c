/* SPDX-License-Identifier: MIT */
/*
 * The DMA mask on a guest with more RAM than the device reaches (boot
 * config 'bigmem': 1 GiB, the edu's default 28-bit mask covers 256 MiB).
 * QEMU's edu silently ANDs addresses with its mask, so a page beyond it
 * must be bounced by the DMA layer (and the data must arrive) or refused
 * with ERANGE - never handed to the device. Coherent buffers must come
 * from reachable memory.
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

#define MiB (1ul << 20)
#define RW (EDUDMA_ACCESS_DEV_READ | EDUDMA_ACCESS_DEV_WRITE)

static int fd = -1;

static int suite_init(void)
{
	fd = gu_open(0);
	return fd < 0;
}

static int suite_cleanup(void)
{
	return close(fd);
}

/* Copy 'len' bytes of pinned range 'h' at 'off' out to a coherent buffer and compare. */
static int copy_out_matches(uint32_t h, uint64_t off, const uint8_t *expect, size_t len)
{
	struct edudma_region rs = gu_handle_region(h, off), rd;
	struct gu_buf b;
	int ok;

	if (gu_alloc(fd, len, &b))
		return 0;
	rd = gu_handle_region(b.handle, 0);
	ok = !gu_copy_regions(fd, &rs, &rd, len, NULL) && !memcmp(b.map, expect, len);
	gu_free(fd, &b);
	return ok;
}

static void test_more_ram_than_mask(void)
{
	long long total = -1;
	char line[128];
	FILE *f = fopen("/proc/meminfo", "r");

	if (!gu_config_is("bigmem"))
		EDUTEST_SKIP("needs RAM beyond the DMA mask (boot config 'bigmem')");
	CU_ASSERT_FATAL(f != NULL);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemTotal: %lld kB", &total) == 1)
			break;
	fclose(f);
	CU_ASSERT(total > 512 * 1024);
}

/* 400 MiB cannot all lie below 256 MiB: bounced, or refused whole. */
static void test_large_pin_bounced_or_refused(void)
{
	size_t len = 400 * MiB;
	struct edudma_pin p;
	uint8_t *m;
	int ret;

	if (!gu_config_is("bigmem"))
		EDUTEST_SKIP("boot config 'bigmem' only");
	m = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	CU_ASSERT_FATAL(m != MAP_FAILED);
	gu_fill(m + len - MiB, MiB, 81);
	ret = gu_pin(fd, m, len, RW, &p);
	printf("    pin of 400 MiB, 1 GiB guest, 28-bit device: %s\n",
	       ret ? strerror(-ret) : "mapped (bounced)");
	if (ret == 0) {
		CU_ASSERT_TRUE(copy_out_matches(p.handle, len - MiB, m + len - MiB, MiB));
		gu_unpin(fd, p.handle);
	} else {
		CU_ASSERT_EQUAL(ret, -ERANGE);
	}
	munmap(m, len);
}

/*
 * Small ranges sliced out of 600 MiB of populated memory - most of it
 * necessarily beyond 256 MiB: each either works with its data intact, or
 * is refused with ERANGE. Both outcomes must occur; a wrong byte fails.
 */
static void test_small_pins_verified_or_refused(void)
{
	size_t total = 600 * MiB, len = 64 * 1024;
	int i, ok = 0, refused = 0, bad = 0;
	uint8_t *m;

	if (!gu_config_is("bigmem"))
		EDUTEST_SKIP("boot config 'bigmem' only");
	m = mmap(NULL, total, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	CU_ASSERT_FATAL(m != MAP_FAILED);
	for (i = 0; i < 40; i++) {
		uint8_t *piece = m + (total / 40) * (size_t)i + (size_t)i;
		struct edudma_pin p;
		int ret;

		gu_fill(piece, len, (uint32_t)i);
		ret = gu_pin(fd, piece, len, RW, &p);
		if (ret == -ERANGE)
			refused++;
		else if (ret == 0 && copy_out_matches(p.handle, 0, piece, len))
			ok++;
		else
			bad++;
		if (ret == 0)
			gu_unpin(fd, p.handle);
	}
	munmap(m, total);
	printf("    40 pins of 64 KiB across 600 MiB: %d verified, %d refused (ERANGE)\n",
	       ok, refused);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT(ok > 0);
	CU_ASSERT(refused > 0);
}

/* Coherent buffers come from memory the device reaches, whatever the RAM size. */
static void test_coherent_buffers_reachable(void)
{
	struct gu_buf a, b;
	struct edudma_stats st;
	int i;

	for (i = 0; i < 8; i++) {
		CU_ASSERT_EQUAL_FATAL(gu_alloc(fd, 4 * MiB, &a), 0);
		CU_ASSERT_EQUAL_FATAL(gu_alloc(fd, 64 * 1024, &b), 0);
		gu_fill(b.map, 64 * 1024, (uint32_t)i);
		CU_ASSERT_EQUAL(gu_copy(fd, b.handle, 0, a.handle, 4 * MiB - 64 * 1024,
					64 * 1024, &st), 0);
		CU_ASSERT_EQUAL(gu_check(a.map + 4 * MiB - 64 * 1024, 64 * 1024, (uint32_t)i),
				(size_t)-1);
		gu_free(fd, &a);
		gu_free(fd, &b);
	}
}

static const struct edutest_case cases[] = {
	{ "more_ram_than_mask", test_more_ram_than_mask },
	{ "large_pin_bounced_or_refused", test_large_pin_bounced_or_refused },
	{ "small_pins_verified_or_refused", test_small_pins_verified_or_refused },
	{ "coherent_buffers_reachable", test_coherent_buffers_reachable },
	{ NULL, NULL }
};

static const struct edutest_suite suites[] = {
	{ "dma_mask", suite_init, suite_cleanup, cases },
	{ NULL, NULL, NULL, NULL }
};

int main(int argc, char **argv)
{
	return edutest_main(argc, argv, "drv_bigmem", suites);
}
