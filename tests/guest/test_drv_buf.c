/* SPDX-License-Identifier: MIT */
/*
 * Coherent buffers through the raw ABI: ALLOC/FREE, mmap and every refusal
 * of it, lifetime of mappings across FREE and close, zeroed memory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/edutest.h"
#include "guest_util.h"

#define PAGE 4096u

static int fd = -1;
static int baseline_buffers;

static int suite_init(void)
{
	fd = gu_open(0);
	baseline_buffers = gu_attr_int(0, "nr_buffers");
	return fd < 0 || baseline_buffers < 0;
}

static int suite_cleanup(void)
{
	return close(fd);
}

static int all_zero(const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i])
			return 0;
	return 1;
}

static void test_alloc_sizes(void)
{
	static const uint64_t sizes[] = { 1, 4095, 4096, 4097, 65536, 12345, 1 << 20, 4 << 20 };
	unsigned int i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct gu_buf b;

		CU_ASSERT_EQUAL_FATAL(gu_alloc(fd, sizes[i], &b), 0);
		CU_ASSERT_EQUAL(b.size, (sizes[i] + PAGE - 1) / PAGE * PAGE);
		CU_ASSERT_NOT_EQUAL(b.handle, 0);
		CU_ASSERT_NOT_EQUAL(b.mmap_offset, 0);
		CU_ASSERT_EQUAL(b.mmap_offset % PAGE, 0);
		CU_ASSERT_TRUE(all_zero(b.map, b.size));
		gu_fill(b.map, b.size, (uint32_t)i);
		CU_ASSERT_EQUAL(gu_check(b.map, b.size, (uint32_t)i), (size_t)-1);
		CU_ASSERT_EQUAL(gu_free(fd, &b), 0);
	}
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_buffers"), baseline_buffers);
}

static int alloc_raw(uint64_t size, uint32_t flags, uint64_t reserved)
{
	struct edudma_alloc a;

	memset(&a, 0, sizeof(a));
	a.size = size;
	a.flags = flags;
	a.reserved[1] = reserved;
	if (ioctl(fd, EDUDMA_IOC_ALLOC, &a))
		return -errno;
	gu_free_handle(fd, a.handle);
	return 0;
}

static void test_alloc_refusals(void)
{
	struct edudma_info info;

	CU_ASSERT_EQUAL_FATAL(ioctl(fd, EDUDMA_IOC_INFO, &info), 0);
	CU_ASSERT_EQUAL(alloc_raw(0, 0, 0), -EINVAL);
	CU_ASSERT_EQUAL(alloc_raw(info.max_alloc + 1, 0, 0), -EINVAL);
	CU_ASSERT_EQUAL(alloc_raw(UINT64_MAX, 0, 0), -EINVAL);
	CU_ASSERT_EQUAL(alloc_raw(4096, 1, 0), -EINVAL);
	CU_ASSERT_EQUAL(alloc_raw(4096, 0, 1), -EINVAL);
	CU_ASSERT_EQUAL(alloc_raw(info.max_alloc, 0, 0), 0);
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_buffers"), baseline_buffers);
}

static void test_free_refusals(void)
{
	struct edudma_handle h = { .handle = 1, .flags = 1 };
	struct gu_buf b;

	CU_ASSERT_EQUAL(gu_free_handle(fd, 0), -ENOENT);
	CU_ASSERT_EQUAL(gu_free_handle(fd, 0x12345), -ENOENT);
	CU_ASSERT_EQUAL(ioctl(fd, EDUDMA_IOC_FREE, &h) ? errno : 0, EINVAL);
	CU_ASSERT_EQUAL_FATAL(gu_alloc(fd, 4096, &b), 0);
	CU_ASSERT_EQUAL(gu_free(fd, &b), 0);
	CU_ASSERT_EQUAL(gu_free_handle(fd, b.handle), -ENOENT);	/* twice */
}

/* Exhaust memory with maximum-size buffers: ENOMEM, never an oops. */
static void test_exhaustion_gives_enomem(void)
{
	static struct edudma_alloc a[256];
	struct edudma_info info;
	int n, i, err = 0;

	CU_ASSERT_EQUAL_FATAL(ioctl(fd, EDUDMA_IOC_INFO, &info), 0);
	for (n = 0; n < 256; n++) {
		memset(&a[n], 0, sizeof(a[n]));
		a[n].size = info.max_alloc;
		if (ioctl(fd, EDUDMA_IOC_ALLOC, &a[n])) {
			err = errno;
			break;
		}
	}
	printf("    %d buffers of %llu bytes before %s\n", n,
	       (unsigned long long)info.max_alloc, strerror(err));
	CU_ASSERT_EQUAL(err, ENOMEM);
	for (i = 0; i < n; i++)
		CU_ASSERT_EQUAL(gu_free_handle(fd, a[i].handle), 0);
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_buffers"), baseline_buffers);
}

static void *map(size_t len, int flags, int file, off_t off)
{
	return mmap(NULL, len, PROT_READ | PROT_WRITE, flags, file, off);
}

static void test_mmap_refusals(void)
{
	struct gu_buf b;
	void *p;
	int other = gu_open(0);

	CU_ASSERT_FATAL(other >= 0);
	CU_ASSERT_EQUAL_FATAL(gu_alloc(fd, 2 * PAGE, &b), 0);

	errno = 0;
	CU_ASSERT_EQUAL(map(PAGE, MAP_SHARED, fd, 0), MAP_FAILED);	/* no cookie */
	CU_ASSERT_EQUAL(errno, EINVAL);
	CU_ASSERT_EQUAL(map(PAGE, MAP_SHARED, fd, (off_t)(b.mmap_offset - PAGE)), MAP_FAILED);
	CU_ASSERT_EQUAL(map(PAGE, MAP_SHARED, fd, (off_t)(b.mmap_offset + 2 * PAGE)), MAP_FAILED);
	errno = 0;
	CU_ASSERT_EQUAL(map(3 * PAGE, MAP_SHARED, fd, (off_t)b.mmap_offset), MAP_FAILED);
	CU_ASSERT_EQUAL(errno, EINVAL);	/* longer than the buffer */
	CU_ASSERT_EQUAL(map(2 * PAGE, MAP_SHARED, fd, (off_t)(b.mmap_offset + PAGE)), MAP_FAILED);
	errno = 0;
	CU_ASSERT_EQUAL(map(PAGE, MAP_PRIVATE, fd, (off_t)b.mmap_offset), MAP_FAILED);
	CU_ASSERT_EQUAL(errno, EINVAL);
	errno = 0;
	CU_ASSERT_EQUAL(map(PAGE, MAP_SHARED, other, (off_t)b.mmap_offset), MAP_FAILED);
	CU_ASSERT_EQUAL(errno, EINVAL);	/* another file's cookie */

	/* Growth by mremap is refused; shrinking is allowed. */
	p = mremap(b.map, 2 * PAGE, 4 * PAGE, MREMAP_MAYMOVE);
	CU_ASSERT_EQUAL(p, MAP_FAILED);
	p = mremap(b.map, 2 * PAGE, PAGE, 0);
	CU_ASSERT_EQUAL(p, (void *)b.map);
	munmap(b.map + PAGE, PAGE);	/* already gone after the shrink: harmless */
	b.size = PAGE;
	CU_ASSERT_EQUAL(gu_free(fd, &b), 0);
	close(other);
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_buffers"), baseline_buffers);
}

static void test_mmap_twice_and_from_middle(void)
{
	struct gu_buf b;
	uint8_t *second, *middle;

	CU_ASSERT_EQUAL_FATAL(gu_alloc(fd, 3 * PAGE, &b), 0);
	second = map(3 * PAGE, MAP_SHARED, fd, (off_t)b.mmap_offset);
	middle = map(PAGE, MAP_SHARED, fd, (off_t)(b.mmap_offset + 2 * PAGE));
	CU_ASSERT_FATAL(second != MAP_FAILED && middle != MAP_FAILED);
	gu_fill(b.map, 3 * PAGE, 77);
	CU_ASSERT_EQUAL(gu_check(second, 3 * PAGE, 77), (size_t)-1);
	CU_ASSERT_EQUAL(memcmp(middle, b.map + 2 * PAGE, PAGE), 0);
	second[5] ^= 0xff;
	CU_ASSERT_EQUAL(b.map[5], second[5]);
	munmap(second, 3 * PAGE);
	munmap(middle, PAGE);
	CU_ASSERT_EQUAL(gu_free(fd, &b), 0);
}

/* FREE with a live mapping: the memory stays until munmap, then goes. */
static void test_free_while_mapped(void)
{
	struct gu_buf b;
	uint8_t *m;

	CU_ASSERT_EQUAL_FATAL(gu_alloc(fd, 64 * 1024, &b), 0);
	m = b.map;
	gu_fill(m, b.size, 5);
	CU_ASSERT_EQUAL(gu_free_handle(fd, b.handle), 0);
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_buffers"), baseline_buffers + 1);
	CU_ASSERT_EQUAL(gu_check(m, b.size, 5), (size_t)-1);
	gu_fill(m, b.size, 6);	/* still writable, still ours */
	CU_ASSERT_EQUAL(gu_check(m, b.size, 6), (size_t)-1);
	munmap(m, b.size);
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_buffers"), baseline_buffers);
}

/*
 * close() with a live mapping: the mapping holds the file open, so the
 * file's buffers all live until the last munmap; then everything goes.
 */
static void test_close_while_mapped(void)
{
	struct gu_buf b1, b2;
	int f = gu_open(0);

	CU_ASSERT_FATAL(f >= 0);
	CU_ASSERT_EQUAL_FATAL(gu_alloc(f, 8192, &b1), 0);
	CU_ASSERT_EQUAL_FATAL(gu_alloc(f, 4096, &b2), 0);
	gu_fill(b1.map, b1.size, 11);
	munmap(b2.map, b2.size);
	close(f);
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_buffers"), baseline_buffers + 2);
	CU_ASSERT_EQUAL(gu_check(b1.map, b1.size, 11), (size_t)-1);
	munmap(b1.map, b1.size);
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_buffers"), baseline_buffers);
}

/* A forked child shares the mapping; the buffer outlives both FREE and the parent's munmap. */
static void test_fork_shares_mapping(void)
{
	struct gu_buf b;
	int status;
	pid_t pid;

	CU_ASSERT_EQUAL_FATAL(gu_alloc(fd, PAGE, &b), 0);
	pid = fork();
	if (pid == 0) {
		gu_fill(b.map, PAGE, 99);
		_exit(0);
	}
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT_EQUAL(gu_check(b.map, PAGE, 99), (size_t)-1);
	CU_ASSERT_EQUAL(gu_free(fd, &b), 0);
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_buffers"), baseline_buffers);
}

/*
 * New buffers are zero even when the kernel does not zero pages for us
 * (the noinit boot has init_on_alloc=0): dirty memory, give it back, take
 * it again, repeatedly.
 */
static void test_new_buffers_are_zeroed(void)
{
	char cmdline[1024];
	int round, dirty = 0;

	CU_ASSERT_EQUAL(gu_read_file("/proc/cmdline", cmdline, sizeof(cmdline)), 0);
	if (gu_config_is("noinit"))
		CU_ASSERT_PTR_NOT_NULL(strstr(cmdline, "init_on_alloc=0"));
	for (round = 0; round < 20; round++) {
		struct gu_buf b;

		CU_ASSERT_EQUAL_FATAL(gu_alloc(fd, 1 << 20, &b), 0);
		if (!all_zero(b.map, b.size))
			dirty++;
		memset(b.map, 0xa5, b.size);
		CU_ASSERT_EQUAL(gu_free(fd, &b), 0);
	}
	CU_ASSERT_EQUAL(dirty, 0);
}

static const struct edutest_case cases[] = {
	{ "alloc_sizes", test_alloc_sizes },
	{ "alloc_refusals", test_alloc_refusals },
	{ "free_refusals", test_free_refusals },
	{ "exhaustion_gives_enomem", test_exhaustion_gives_enomem },
	{ "mmap_refusals", test_mmap_refusals },
	{ "mmap_twice_and_from_middle", test_mmap_twice_and_from_middle },
	{ "free_while_mapped", test_free_while_mapped },
	{ "close_while_mapped", test_close_while_mapped },
	{ "fork_shares_mapping", test_fork_shares_mapping },
	{ "new_buffers_are_zeroed", test_new_buffers_are_zeroed },
	{ NULL, NULL }
};

static const struct edutest_suite suites[] = {
	{ "coherent_buffers", suite_init, suite_cleanup, cases },
	{ NULL, NULL, NULL, NULL }
};

int main(int argc, char **argv)
{
	return edutest_main(argc, argv, "drv_buf", suites);
}
