/* SPDX-License-Identifier: MIT */
/*
 * The contiguity lab ioctl (EDUDMA_IOC_LAB), raw ABI: who may use it, what
 * it refuses, and the facts that do not depend on timing - a kmalloc'd or
 * coherent buffer is one DMA segment, a vmalloc'd one as many as its
 * physical runs, and the linear map and a vmap of the same pages read back
 * the same bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/edutest.h"
#include "guest_util.h"

#define PARAM "/sys/module/edudma/parameters/lab"

static int fd = -1;

static int set_lab(const char *v)
{
	int f = open(PARAM, O_WRONLY), ok;

	if (f < 0)
		return -errno;
	ok = write(f, v, 1) == 1;
	close(f);
	return ok ? 0 : -EIO;
}

static int suite_init(void)
{
	fd = gu_open(0);
	return fd < 0 || set_lab("1");
}

static int suite_cleanup(void)
{
	set_lab("0");
	return close(fd);
}

static int lab(struct edudma_lab *r)
{
	return ioctl(fd, EDUDMA_IOC_LAB, r) ? -errno : 0;
}

static struct edudma_lab cell(uint32_t experiment, uint32_t allocator, uint64_t size)
{
	struct edudma_lab r;

	memset(&r, 0, sizeof(r));
	r.experiment = experiment;
	r.allocator = allocator;
	r.size = size;
	r.iterations = 3;
	return r;
}

static void test_needs_parameter_and_root(void)
{
	struct edudma_lab r = cell(EDUDMA_LAB_ALLOC, EDUDMA_LAB_KMALLOC, 4096);
	struct edudma_info info;
	int status;
	pid_t pid;

	CU_ASSERT_EQUAL(set_lab("0"), 0);
	CU_ASSERT_EQUAL(lab(&r), -EPERM);
	CU_ASSERT_EQUAL(ioctl(fd, EDUDMA_IOC_INFO, &info), 0);
	CU_ASSERT_EQUAL(info.features & EDUDMA_FEAT_LAB, 0);
	CU_ASSERT_EQUAL(set_lab("1"), 0);
	CU_ASSERT_EQUAL(ioctl(fd, EDUDMA_IOC_INFO, &info), 0);
	CU_ASSERT_NOT_EQUAL(info.features & EDUDMA_FEAT_LAB, 0);
	CU_ASSERT_EQUAL(lab(&r), 0);

	/* Without CAP_SYS_ADMIN: refused even when enabled. */
	pid = fork();
	if (pid == 0) {
		struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
		struct __user_cap_data_struct data[2];

		syscall(SYS_capget, &hdr, data);
		data[0].effective &= ~(1u << CAP_SYS_ADMIN);
		data[0].permitted &= ~(1u << CAP_SYS_ADMIN);
		if (syscall(SYS_capset, &hdr, data))
			_exit(2);
		_exit(lab(&r) == -EPERM ? 0 : 1);
	}
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_refusals(void)
{
	struct edudma_lab r;

	r = cell(0, EDUDMA_LAB_KMALLOC, 4096);
	CU_ASSERT_EQUAL(lab(&r), -EINVAL);
	r = cell(EDUDMA_LAB_ALLOC, 9, 4096);
	CU_ASSERT_EQUAL(lab(&r), -EINVAL);
	r = cell(EDUDMA_LAB_ALLOC, EDUDMA_LAB_KMALLOC, 0);
	CU_ASSERT_EQUAL(lab(&r), -EINVAL);
	r = cell(EDUDMA_LAB_ALLOC, EDUDMA_LAB_KMALLOC, 4096);
	r.iterations = 0;
	CU_ASSERT_EQUAL(lab(&r), -EINVAL);
	r.iterations = EDUDMA_LAB_MAX_ITERATIONS + 1;
	CU_ASSERT_EQUAL(lab(&r), -EINVAL);
	r = cell(EDUDMA_LAB_ALLOC, EDUDMA_LAB_KMALLOC, 4096);
	r.flags = 1;
	CU_ASSERT_EQUAL(lab(&r), -EINVAL);
	r = cell(EDUDMA_LAB_ALLOC, EDUDMA_LAB_KMALLOC, 4096);
	r.reserved[3] = 1;
	CU_ASSERT_EQUAL(lab(&r), -EINVAL);
	/* Beyond what an allocator can give in one piece. */
	r = cell(EDUDMA_LAB_ALLOC, EDUDMA_LAB_ALLOC_PAGES, 64ull << 20);
	CU_ASSERT_EQUAL(lab(&r), -E2BIG);
	r = cell(EDUDMA_LAB_ACCESS, 0, EDUDMA_LAB_MAX_SIZE + 4096);
	r.pattern = EDUDMA_LAB_SEQ_READ;
	r.mapping = EDUDMA_LAB_VMAP;
	CU_ASSERT_EQUAL(lab(&r), -E2BIG);
	r = cell(EDUDMA_LAB_ACCESS, 0, 65536);
	r.pattern = 7;
	r.mapping = EDUDMA_LAB_VMAP;
	CU_ASSERT_EQUAL(lab(&r), -EINVAL);
	/* More than the machine has: ENOMEM, not an OOM kill. */
	r = cell(EDUDMA_LAB_ACCESS, 0, 1ull << 30);
	r.pattern = EDUDMA_LAB_SEQ_READ;
	r.mapping = EDUDMA_LAB_LINEAR_MAP;
	r.iterations = 1;
	CU_ASSERT_EQUAL(lab(&r), -ENOMEM);	/* no test guest has 1 GiB free */
}

static void test_alloc_costs_reported(void)
{
	static const uint32_t allocs[] = { EDUDMA_LAB_KMALLOC, EDUDMA_LAB_ALLOC_PAGES,
					   EDUDMA_LAB_DMA_COHERENT, EDUDMA_LAB_VMALLOC };
	unsigned int i;

	for (i = 0; i < 4; i++) {
		struct edudma_lab r = cell(EDUDMA_LAB_ALLOC, allocs[i], 64 * 1024);

		CU_ASSERT_EQUAL(lab(&r), 0);
		CU_ASSERT(r.ns_min > 0);
		CU_ASSERT(r.ns_min <= r.ns_median && r.ns_median <= r.ns_max);
	}
}

/* Sum of the words the lab writes: word i is i * 0x9e3779b97f4a7c15. */
static uint64_t expected_sum(uint64_t bytes)
{
	uint64_t n = bytes / 8, s = 0, i;

	for (i = 0; i < n; i++)
		s += i * 0x9e3779b97f4a7c15ull;
	return s;
}

/* Sum of the first word of every page: page p starts with word 512 p. */
static uint64_t expected_page_sum(uint64_t bytes)
{
	uint64_t s = 0, p;

	for (p = 0; p < bytes / 4096; p++)
		s += p * 512 * 0x9e3779b97f4a7c15ull;
	return s;
}

static void test_both_mappings_read_the_same_bytes(void)
{
	static const uint32_t patterns[] = { EDUDMA_LAB_SEQ_READ, EDUDMA_LAB_RANDOM_READ };
	uint64_t size = 8ull << 20;	/* two 4 MiB chunks */
	unsigned int i;

	for (i = 0; i < 2; i++) {
		struct edudma_lab lin = cell(EDUDMA_LAB_ACCESS, 0, size), vm;

		lin.pattern = patterns[i];
		lin.mapping = EDUDMA_LAB_LINEAR_MAP;
		vm = lin;
		vm.mapping = EDUDMA_LAB_VMAP;
		CU_ASSERT_EQUAL_FATAL(lab(&lin), 0);
		CU_ASSERT_EQUAL_FATAL(lab(&vm), 0);
		CU_ASSERT_EQUAL(lin.checksum, vm.checksum);
		CU_ASSERT_EQUAL(lin.nr_pages, size / 4096);
		CU_ASSERT(lin.nr_cpu_segments >= 1 && lin.nr_cpu_segments <= 2);
		if (patterns[i] == EDUDMA_LAB_SEQ_READ) {
			CU_ASSERT_EQUAL(lin.checksum, expected_sum(size));
		} else {
			/* word 0 of every page once: the order is a permutation */
			CU_ASSERT_EQUAL(lin.checksum, expected_page_sum(size));
		}
		printf("    %s 8 MiB: linear map %llu ns, vmap %llu ns (median)\n",
		       i ? "random page reads" : "sequential read",
		       (unsigned long long)lin.ns_median, (unsigned long long)vm.ns_median);
	}
	{
		struct edudma_lab w = cell(EDUDMA_LAB_ACCESS, 0, size);

		w.pattern = EDUDMA_LAB_SEQ_WRITE;
		w.mapping = EDUDMA_LAB_VMAP;
		CU_ASSERT_EQUAL(lab(&w), 0);
		CU_ASSERT(w.ns_median > 0);
	}
}

static void test_segment_counts(void)
{
	struct edudma_lab r;

	r = cell(EDUDMA_LAB_SEGMENTS, EDUDMA_LAB_KMALLOC, 64 * 1024);
	CU_ASSERT_EQUAL(lab(&r), 0);
	CU_ASSERT_EQUAL(r.nr_cpu_segments, 1);
	CU_ASSERT_EQUAL(r.nr_dma_segments, 1);

	/* One run; where every mapping bounces, cut at swiotlb's 256 KiB. */
	r = cell(EDUDMA_LAB_SEGMENTS, EDUDMA_LAB_ALLOC_PAGES, 1 << 20);
	CU_ASSERT_EQUAL(lab(&r), 0);
	CU_ASSERT_EQUAL(r.nr_cpu_segments, gu_config_is("swiotlb") ? 4 : 1);
	CU_ASSERT_EQUAL(r.nr_dma_segments, gu_config_is("swiotlb") ? 4 : 1);

	r = cell(EDUDMA_LAB_SEGMENTS, EDUDMA_LAB_DMA_COHERENT, 1 << 20);
	CU_ASSERT_EQUAL(lab(&r), 0);
	CU_ASSERT_EQUAL(r.nr_dma_segments, 1);

	/* vmalloc: as many segments as physical runs (one per page, mostly). */
	r = cell(EDUDMA_LAB_SEGMENTS, EDUDMA_LAB_VMALLOC, 1 << 20);
	CU_ASSERT_EQUAL(lab(&r), 0);
	printf("    vmalloc 1 MiB: %u pages, %u CPU segments, %u DMA segments\n",
	       r.nr_pages, r.nr_cpu_segments, r.nr_dma_segments);
	CU_ASSERT_EQUAL(r.nr_pages, 256);
	CU_ASSERT(r.nr_cpu_segments > 1 && r.nr_cpu_segments <= 256);
	if (gu_have_iommu()) {
		CU_ASSERT(r.nr_dma_segments <= r.nr_cpu_segments);
	} else if (!gu_config_is("bigmem")) {
		CU_ASSERT_EQUAL(r.nr_dma_segments, r.nr_cpu_segments);
	}
}

static const struct edutest_case cases[] = {
	{ "needs_parameter_and_root", test_needs_parameter_and_root },
	{ "refusals", test_refusals },
	{ "alloc_costs_reported", test_alloc_costs_reported },
	{ "both_mappings_read_the_same_bytes", test_both_mappings_read_the_same_bytes },
	{ "segment_counts", test_segment_counts },
	{ NULL, NULL }
};

static const struct edutest_suite suites[] = {
	{ "lab", suite_init, suite_cleanup, cases },
	{ NULL, NULL, NULL, NULL }
};

int main(int argc, char **argv)
{
	return edutest_main(argc, argv, "drv_lab", suites);
}
