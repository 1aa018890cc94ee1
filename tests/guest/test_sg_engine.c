/* SPDX-License-Identifier: MIT */
/*
 * The driver's edu-sg engine (driver/edudma_edusg.c) through /dev/edudma0,
 * on what only a descriptor engine has:
 *  - identity and limits in INFO and sysfs; no factorial unit (ENOTTY);
 *    the IRQ self-test on the software interrupt bits;
 *  - one descriptor per contiguous run: a contiguous buffer is one
 *    descriptor, scattered pages one per page pair;
 *  - the device's own time: device_ns is what the timing model says the
 *    descriptors took (exact under icount);
 *  - a descriptor the device refuses (fault injection through debugfs: an
 *    address that is not RAM, an IOMMU fault behind one) fails the request
 *    with EIO and a log line naming it, the bytes before it landed and
 *    nothing after; sync and async; the device works afterwards.
 * Skipped on any other engine.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <unistd.h>

#include <edu/edusg_regs.h>

#include "../common/edutest.h"
#include "guest_util.h"

#define PAGE 4096ul

static struct edudma_info info;
static char pci[32];
static int fd = -1;

#define NEED_EDUSG() do { if (info.engine != EDUDMA_ENGINE_EDUSG) \
	EDUTEST_SKIP("/dev/edudma0 is not an edu-sg"); } while (0)

static int suite_init(void)
{
	if (gu_info(0, &info) || gu_pci_of(0, pci, sizeof(pci)))
		return -1;
	fd = gu_open(0);
	return fd < 0;
}

static int suite_cleanup(void)
{
	return fd >= 0 ? close(fd) : 0;
}

/* A register of the device, read through sysfs resource0 (read-only use). */
static uint32_t reg32(unsigned int reg)
{
	char path[128];
	uint32_t v = ~0u;
	int f;
	void *m;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0", pci);
	f = open(path, O_RDONLY | O_SYNC);
	if (f < 0)
		return v;
	m = mmap(NULL, EDUSG_BAR_REGS_SIZE, PROT_READ, MAP_SHARED, f, 0);
	if (m != MAP_FAILED) {
		v = *(volatile uint32_t *)((char *)m + reg);
		munmap(m, EDUSG_BAR_REGS_SIZE);
	}
	close(f);
	return v;
}

static void test_identity_and_limits(void)
{
	char v[32] = "";
	struct edudma_factorial f;
	struct edudma_irq_test t;

	NEED_EDUSG();
	CU_ASSERT(info.features & EDUDMA_FEAT_ENGINE_INFO);
	CU_ASSERT_FALSE(info.features & EDUDMA_FEAT_FACTORIAL);
	CU_ASSERT_EQUAL(info.dev_ident, EDUSG_IDENT);
	CU_ASSERT_EQUAL(info.engine_version >> 16, EDUSG_SUPPORTED_MAJOR);
	CU_ASSERT_EQUAL(info.engine_version, reg32(EDUSG_REG_VERSION));
	CU_ASSERT_EQUAL(info.max_cmd_length, reg32(EDUSG_REG_MAX_LEN));
	CU_ASSERT_EQUAL(info.window_size, reg32(EDUSG_REG_CARD_SIZE));
	CU_ASSERT_EQUAL(info.dev_buffer_addr, 0);
	CU_ASSERT_EQUAL(info.ring_size, 1024);
	CU_ASSERT_EQUAL(info.max_in_flight, info.ring_size - 1);
	CU_ASSERT_EQUAL(gu_read_attr(0, "engine", v, sizeof(v)), 0);
	CU_ASSERT_STRING_EQUAL(v, "edu-sg");
	CU_ASSERT_EQUAL(gu_read_attr(0, "dev_version", v, sizeof(v)), 0);
	CU_ASSERT_STRING_EQUAL(v, "1.1");

	memset(&f, 0, sizeof(f));
	f.n = 5;
	CU_ASSERT(ioctl(fd, EDUDMA_IOC_FACTORIAL, &f) == -1 && errno == ENOTTY);

	memset(&t, 0, sizeof(t));
	CU_ASSERT_EQUAL(ioctl(fd, EDUDMA_IOC_IRQ_TEST, &t), 0);
	CU_ASSERT_EQUAL(t.seen & EDUDMA_IRQ_TEST_DEFAULT, EDUDMA_IRQ_TEST_DEFAULT);
	memset(&t, 0, sizeof(t));
	t.value = EDUSG_IRQ_DONE;	/* the engine's own bit: refused */
	CU_ASSERT(ioctl(fd, EDUDMA_IOC_IRQ_TEST, &t) == -1 && errno == EINVAL);
	memset(&t, 0, sizeof(t));
	t.value = 0x80000000u;
	CU_ASSERT_EQUAL(ioctl(fd, EDUDMA_IOC_IRQ_TEST, &t), 0);
}

/* The page frame behind a virtual address (root: /proc/self/pagemap), 0 if unknown. */
static uint64_t pfn_of(const void *va)
{
	uint64_t e = 0;
	int f = open("/proc/self/pagemap", O_RDONLY);

	if (f < 0)
		return 0;
	if (pread(f, &e, sizeof(e), (off_t)((uintptr_t)va / PAGE * sizeof(e))) != sizeof(e))
		e = 0;
	close(f);
	return (e >> 63) & 1 ? e & ((1ULL << 55) - 1) : 0;
}

/*
 * Runs contiguous on both sides of a copy of 'len' bytes from 'src' to
 * 'dst' (both page-aligned plus offsets), by physical address: the
 * descriptors a copy needs when the device sees physical addresses.
 * 0 when pagemap gives no frame.
 */
static unsigned int physical_runs(const uint8_t *src, const uint8_t *dst, size_t len)
{
	size_t pos, cuts = 0;

	for (pos = 1; pos < len; pos++) {
		const uint8_t *s = src + pos, *d = dst + pos;
		int cut = 0;

		if ((uintptr_t)s % PAGE == 0) {
			uint64_t a = pfn_of(s - PAGE), b = pfn_of(s);

			if (!a || !b)
				return 0;
			cut |= b != a + 1;
		}
		if ((uintptr_t)d % PAGE == 0) {
			uint64_t a = pfn_of(d - PAGE), b = pfn_of(d);

			if (!a || !b)
				return 0;
			cut |= b != a + 1;
		}
		cuts += cut;
	}
	return (unsigned int)cuts + 1;
}

/* Does every streaming mapping bounce (swiotlb=force)? */
static int bounced(void)
{
	char cmdline[4096] = "";

	gu_read_file("/proc/cmdline", cmdline, sizeof(cmdline));
	return strstr(cmdline, "swiotlb=force") != NULL;
}

/* A contiguous buffer is one descriptor; scattered pages one per run. */
static void test_one_descriptor_per_run(void)
{
	struct gu_buf a, b;
	struct edudma_stats st;
	const size_t len = 64 << 10;
	uint8_t *src, *dst;
	unsigned int runs;
	int iommu = gu_have_iommu();

	NEED_EDUSG();
	CU_ASSERT_FATAL(gu_alloc(fd, 4 << 20, &a) == 0 && gu_alloc(fd, 4 << 20, &b) == 0);
	gu_fill(a.map, 4 << 20, 3);
	CU_ASSERT_EQUAL(gu_copy(fd, a.handle, 0, b.handle, 0, 4 << 20, &st), 0);
	CU_ASSERT_EQUAL(st.commands, 1);
	CU_ASSERT_EQUAL(st.bytes, 4 << 20);
	CU_ASSERT_EQUAL(gu_check(b.map, 4 << 20, 3), (size_t)-1);
	/* TRANSFER: to the card and back, one descriptor each way */
	CU_ASSERT_EQUAL(gu_transfer(fd, a.handle, 0, 4 << 20, EDUDMA_DIR_TO_DEVICE,
				    1 << 20, &st), 0);
	CU_ASSERT_EQUAL(st.commands, 1);
	memset(b.map, 0, 4 << 20);
	CU_ASSERT_EQUAL(gu_transfer(fd, b.handle, 0, 4 << 20, EDUDMA_DIR_FROM_DEVICE,
				    1 << 20, &st), 0);
	CU_ASSERT_EQUAL(gu_check(b.map, 4 << 20, 3), (size_t)-1);

	/*
	 * 16 source pages to 17 destination pages, 100 bytes in: one
	 * descriptor per run contiguous on both sides - 32 when no two pages
	 * are neighbours (touched last to first they usually are not; the
	 * expectation is computed from their physical frames). Behind an
	 * IOMMU each side is one run of IO virtual addresses: one descriptor.
	 */
	src = gu_scattered_pages(len);
	dst = gu_scattered_pages(len + PAGE);
	CU_ASSERT_FATAL(src && dst);
	gu_fill(src, len, 8);
	memset(dst, 0xee, len + PAGE);
	{
		struct edudma_region s = gu_user_region(src), d = gu_user_region(dst + 100);

		CU_ASSERT_EQUAL(gu_copy_regions(fd, &s, &d, len, &st), 0);
	}
	runs = physical_runs(src, dst + 100, len);
	printf("    64 KiB between scattered pages: %llu descriptors (%s; %u physical runs)\n",
	       (unsigned long long)st.commands, iommu ? "IOMMU" :
	       bounced() ? "bounce buffers" : "physical addresses", runs);
	if (bounced()) {
		/* bounce slots are handed out in order: runs may join again */
		CU_ASSERT(st.commands >= 1 && st.commands <= 32);
	} else if (iommu) {
		CU_ASSERT_EQUAL(st.commands, 1);
	} else {
		CU_ASSERT(runs >= 1);
		CU_ASSERT_EQUAL(st.commands, runs);
	}
	CU_ASSERT_EQUAL(gu_check(dst + 100, len, 8), (size_t)-1);
	CU_ASSERT_EQUAL(dst[99], 0xee);
	CU_ASSERT_EQUAL(dst[100 + len], 0xee);
	munmap(src, len);
	munmap(dst, len + PAGE);
	gu_free(fd, &a);
	gu_free(fd, &b);
}

/*
 * device_ns is the device's own account: with the timing model on, one
 * 4 MiB descriptor takes its fetch latency plus 4 MiB at the model's
 * bandwidth - exactly, under icount.
 */
static void test_device_time_is_the_models(void)
{
	struct gu_buf a, b;
	struct edudma_stats st;
	uint64_t bw, lat, want;
	const uint64_t len = 4 << 20;

	NEED_EDUSG();
	if (!(reg32(EDUSG_REG_CAPS) & EDUSG_CAP_TIMING))
		EDUTEST_SKIP("the device's timing model is off (timing=off)");
	bw = reg32(EDUSG_REG_BANDWIDTH_LO) | (uint64_t)reg32(EDUSG_REG_BANDWIDTH_HI) << 32;
	lat = reg32(EDUSG_REG_LATENCY_NS);
	want = lat + (len * 1000000000ull + bw - 1) / bw;
	CU_ASSERT_FATAL(gu_alloc(fd, len, &a) == 0 && gu_alloc(fd, len, &b) == 0);
	CU_ASSERT_EQUAL(gu_copy(fd, a.handle, 0, b.handle, 0, len, &st), 0);
	printf("    4 MiB: device %llu ns, model %llu ns (%llu B/s, %llu ns per descriptor), wall %llu ns\n",
	       (unsigned long long)st.device_ns, (unsigned long long)want,
	       (unsigned long long)bw, (unsigned long long)lat,
	       (unsigned long long)st.wall_ns);
	CU_ASSERT_EQUAL(st.device_ns, want);
	CU_ASSERT(st.wall_ns >= st.device_ns);
	gu_free(fd, &a);
	gu_free(fd, &b);
}

/* debugfs, mounted if it is not: the driver's fault injection. */
static int inject_fault(unsigned int nth)
{
	char path[160], v[16];

	if (access("/sys/kernel/debug/edudma", F_OK) &&
	    mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL) &&
	    errno != EBUSY)
		return -errno;
	snprintf(path, sizeof(path), "/sys/kernel/debug/edudma/edudma%u/inject_fault",
		 info.minor_index);
	snprintf(v, sizeof(v), "%u", nth);
	return gu_write_file(path, v);
}

static void announce_dmar_faults(void)
{
	/* behind an IOMMU the refused address is a DMAR fault: expected */
	if (gu_have_iommu())
		printf("@@EDUTEST EXPECT-DMAR-FAULTS %s\n", pci);
	fflush(stdout);
}

static void test_descriptor_fault_gives_eio(void)
{
	struct gu_buf a, b;
	struct edudma_stats st;
	const size_t len = 256 << 10;
	uint8_t *dst;
	size_t mark;
	uint64_t k, i, untouched = 0;

	NEED_EDUSG();
	announce_dmar_faults();
	CU_ASSERT_FATAL(gu_alloc(fd, 1 << 20, &a) == 0 && gu_alloc(fd, 1 << 20, &b) == 0);
	gu_fill(a.map, 1 << 20, 4);
	memset(b.map, 0xee, 1 << 20);

	/* one descriptor, refused: nothing moved */
	CU_ASSERT_EQUAL_FATAL(inject_fault(1), 0);
	mark = gu_dmesg_mark();
	memset(&st, 0, sizeof(st));
	CU_ASSERT_EQUAL(gu_copy(fd, a.handle, 0, b.handle, 0, 1 << 20, &st), -EIO);
	CU_ASSERT_EQUAL(st.bytes, 0);
	CU_ASSERT_EQUAL(st.commands, 1);
	CU_ASSERT(gu_dmesg_since_contains(mark, "DMA descriptor failed"));
	CU_ASSERT_EQUAL(b.map[0], 0xee);
	/* and the device goes on */
	CU_ASSERT_EQUAL(gu_copy(fd, a.handle, 0, b.handle, 0, 1 << 20, &st), 0);
	CU_ASSERT_EQUAL(gu_check(b.map, 1 << 20, 4), (size_t)-1);

	/*
	 * A coherent buffer to scattered pages: the k-th descriptor refused,
	 * the runs before it landed, nothing after it (the device skips the
	 * rest of its batch; the driver posts no more).
	 */
	dst = gu_scattered_pages(len);
	CU_ASSERT_FATAL(dst != NULL);
	memset(dst, 0xee, len);
	{
		struct edudma_region s = gu_handle_region(a.handle, 0), d = gu_user_region(dst);

		CU_ASSERT_EQUAL(gu_copy_regions(fd, &s, &d, len, &st), 0);
		k = st.commands / 2 + 1;
		memset(dst, 0xee, len);
		CU_ASSERT_EQUAL_FATAL(inject_fault(k), 0);
		CU_ASSERT_EQUAL(gu_copy_regions(fd, &s, &d, len, &st), -EIO);
	}
	printf("    descriptor %llu refused: %llu of %zu bytes landed\n",
	       (unsigned long long)k, (unsigned long long)st.bytes, len);
	CU_ASSERT(st.bytes < len);
	CU_ASSERT_EQUAL(memcmp(dst, a.map, st.bytes), 0);
	for (i = st.bytes; i < len; i++)
		untouched += dst[i] == 0xee;
	CU_ASSERT_EQUAL(untouched, len - st.bytes);

	/* asynchronous: the completion carries EIO */
	{
		struct edudma_submit s;
		struct edudma_completion c;
		struct edudma_reap r;

		CU_ASSERT_EQUAL_FATAL(inject_fault(1), 0);
		memset(&s, 0, sizeof(s));
		s.op = EDUDMA_OP_COPY;
		s.src = gu_handle_region(a.handle, 0);
		s.dst = gu_handle_region(b.handle, 0);
		s.length = 4096;
		s.user_data = 77;
		CU_ASSERT_EQUAL_FATAL(ioctl(fd, EDUDMA_IOC_SUBMIT, &s), 0);
		memset(&r, 0, sizeof(r));
		r.completions = (uintptr_t)&c;
		r.max = 1;
		r.flags = EDUDMA_REAP_WAIT;
		r.min_complete = 1;
		CU_ASSERT_EQUAL(ioctl(fd, EDUDMA_IOC_REAP, &r), 0);
		CU_ASSERT_EQUAL(r.count, 1);
		CU_ASSERT_EQUAL(c.user_data, 77);
		CU_ASSERT_EQUAL(c.result, -EIO);
	}
	CU_ASSERT(gu_device_works(0));
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_pinned"), 0);
	munmap(dst, len);
	gu_free(fd, &a);
	gu_free(fd, &b);
}

static const struct edutest_case cases[] = {
	{ "identity_and_limits", test_identity_and_limits },
	{ "one_descriptor_per_run", test_one_descriptor_per_run },
	{ "device_time_is_the_models", test_device_time_is_the_models },
	{ "descriptor_fault_gives_eio", test_descriptor_fault_gives_eio },
	{ NULL, NULL }
};

static const struct edutest_suite suites[] = {
	{ "sg_engine", suite_init, suite_cleanup, cases },
	{ NULL, NULL, NULL, NULL }
};

int main(int argc, char **argv)
{
	return edutest_main(argc, argv, "sg_engine", suites);
}
