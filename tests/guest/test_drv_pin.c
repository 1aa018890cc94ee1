/* SPDX-License-Identifier: MIT */
/*
 * Scatter-gather through the raw ABI: PIN/UNPIN of ordinary user memory,
 * segment counts (including huge pages), DMA straight to and from pinned
 * memory and one-shot regions, every refusal, RLIMIT_MEMLOCK and VmPin,
 * fork and munmap while pinned. The DMA mask: test_drv_bigmem.c.
 */
#include <errno.h>
#include <linux/capability.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/edutest.h"
#include "guest_util.h"

#define PAGE 4096ul
#define MiB (1ul << 20)
#define HUGE (2 * MiB)
#define RW (EDUDMA_ACCESS_DEV_READ | EDUDMA_ACCESS_DEV_WRITE)

static int fd = -1;
static long long pins_acquired_at_start;

static int suite_init(void)
{
	fd = gu_open(0);
	pins_acquired_at_start = gu_vmstat("nr_foll_pin_acquired");
	return fd < 0;
}

static int suite_cleanup(void)
{
	return close(fd);
}

static unsigned long pages_spanned(const void *addr, size_t len)
{
	uintptr_t a = (uintptr_t)addr;

	return ((a + len + PAGE - 1) / PAGE) - a / PAGE;
}

/* user src (pinned) -> device -> coherent dst, and coherent -> user dst (pinned) */
static void pinned_roundtrip(uint8_t *src, uint8_t *dst, size_t len, uint32_t seed)
{
	struct edudma_pin ps, pd;
	struct edudma_stats st;
	struct gu_buf mid;
	struct edudma_region r_src, r_mid, r_dst;

	gu_fill(src, len, seed);
	memset(dst, 0, len);
	CU_ASSERT_EQUAL_FATAL(gu_pin(fd, src, len, EDUDMA_ACCESS_DEV_READ, &ps), 0);
	CU_ASSERT_EQUAL_FATAL(gu_pin(fd, dst, len, EDUDMA_ACCESS_DEV_WRITE, &pd), 0);
	CU_ASSERT_EQUAL(ps.nr_pages, pages_spanned(src, len));
	CU_ASSERT(ps.nr_cpu_segments >= 1 && ps.nr_cpu_segments <= ps.nr_pages);
	/* An IOMMU may merge segments further; without one they map 1:1. */
	if (gu_have_iommu()) {
		CU_ASSERT(ps.nr_dma_segments <= ps.nr_cpu_segments);
	} else {
		CU_ASSERT_EQUAL(ps.nr_dma_segments, ps.nr_cpu_segments);
	}
	CU_ASSERT_EQUAL_FATAL(gu_alloc(fd, len, &mid), 0);

	r_src = gu_handle_region(ps.handle, 0);
	r_mid = gu_handle_region(mid.handle, 0);
	r_dst = gu_handle_region(pd.handle, 0);
	CU_ASSERT_EQUAL(gu_copy_regions(fd, &r_src, &r_mid, len, &st), 0);
	CU_ASSERT_EQUAL(gu_check(mid.map, len, seed), (size_t)-1);
	CU_ASSERT_EQUAL(st.nr_dma_segments, ps.nr_dma_segments + 1);
	CU_ASSERT_EQUAL(gu_copy_regions(fd, &r_mid, &r_dst, len, &st), 0);
	CU_ASSERT_EQUAL(gu_check(dst, len, seed), (size_t)-1);
	CU_ASSERT_EQUAL(st.bytes, len);

	CU_ASSERT_EQUAL(gu_unpin(fd, ps.handle), 0);
	CU_ASSERT_EQUAL(gu_unpin(fd, pd.handle), 0);
	gu_free(fd, &mid);
}

static void test_malloc_odd_offsets_and_lengths(void)
{
	static const size_t lens[] = { 1, 4095, 4097, 12345, 65536 + 3, 300001 };
	unsigned int i;

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		uint8_t *a = malloc(lens[i] + 64), *b = malloc(lens[i] + 64);

		CU_ASSERT_FATAL(a && b);
		pinned_roundtrip(a + 3 + i, b + 61 - i, lens[i], (uint32_t)(i + 100));
		free(a);
		free(b);
	}
}

/* TRANSFER to and from the window with pinned memory, both directions. */
static void test_transfer_with_pinned(void)
{
	uint8_t *a = malloc(5000), *b = malloc(5000);
	struct edudma_pin pa, pb;
	struct edudma_stats st;

	CU_ASSERT_FATAL(a && b);
	gu_fill(a, 5000, 7);
	CU_ASSERT_EQUAL_FATAL(gu_pin(fd, a + 1, 3000, RW, &pa), 0);
	CU_ASSERT_EQUAL_FATAL(gu_pin(fd, b + 2, 3000, RW, &pb), 0);
	CU_ASSERT_EQUAL(gu_transfer(fd, pa.handle, 0, 3000, EDUDMA_DIR_TO_DEVICE, 5, &st), 0);
	CU_ASSERT_EQUAL(gu_transfer(fd, pb.handle, 0, 3000, EDUDMA_DIR_FROM_DEVICE, 5, &st), 0);
	CU_ASSERT_EQUAL(memcmp(a + 1, b + 2, 3000), 0);
	CU_ASSERT_EQUAL(gu_unpin(fd, pa.handle), 0);
	CU_ASSERT_EQUAL(gu_unpin(fd, pb.handle), 0);
	free(a);
	free(b);
}

/* A region of a pinned range may start mid-range, mid-page. */
static void test_region_inside_pinned_range(void)
{
	size_t len = 5 * PAGE;
	uint8_t *a = aligned_alloc(PAGE, len), *b = aligned_alloc(PAGE, len);
	struct edudma_pin pa, pb;
	struct edudma_region rs, rd;

	CU_ASSERT_FATAL(a && b);
	gu_fill(a, len, 9);
	memset(b, 0, len);
	CU_ASSERT_EQUAL_FATAL(gu_pin(fd, a, len, EDUDMA_ACCESS_DEV_READ, &pa), 0);
	CU_ASSERT_EQUAL_FATAL(gu_pin(fd, b, len, EDUDMA_ACCESS_DEV_WRITE, &pb), 0);
	rs = gu_handle_region(pa.handle, PAGE + 100);
	rd = gu_handle_region(pb.handle, 3 * PAGE - 7);
	CU_ASSERT_EQUAL(gu_copy_regions(fd, &rs, &rd, PAGE + 50, NULL), 0);
	CU_ASSERT_EQUAL(memcmp(a + PAGE + 100, b + 3 * PAGE - 7, PAGE + 50), 0);
	rs.offset = len - 10;
	CU_ASSERT_EQUAL(gu_copy_regions(fd, &rs, &rd, 11, NULL), -EINVAL);
	/* Read-only for the device: refused as a destination. */
	CU_ASSERT_EQUAL(gu_copy_regions(fd, &rd, &rs, 10, NULL), -EACCES);
	CU_ASSERT_EQUAL(gu_unpin(fd, pa.handle), 0);
	CU_ASSERT_EQUAL(gu_unpin(fd, pb.handle), 0);
	free(a);
	free(b);
}

static int write_file(const char *path, const char *text)
{
	int f = open(path, O_WRONLY), ok;

	if (f < 0)
		return -errno;
	ok = write(f, text, strlen(text)) == (ssize_t)strlen(text);
	close(f);
	return ok ? 0 : -EIO;
}

static long long smaps_anon_huge_kb(const void *addr)
{
	char line[256];
	uintptr_t lo, hi, a = (uintptr_t)addr;
	long long kb = -1;
	int in = 0;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) {
			in = a >= lo && a < hi;
			continue;
		}
		if (in && !strncmp(line, "AnonHugePages:", 14)) {
			kb = strtoll(line + 14, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kb;
}

/*
 * A 2 MiB huge page is one physically contiguous segment - cut into 256 KiB
 * pieces when every mapping must bounce through swiotlb, whose slots are
 * no larger (the driver caps segments at dma_max_mapping_size()).
 */
static unsigned int huge_page_segments(void)
{
	return gu_config_is("swiotlb") || gu_config_is("sg-swiotlb") ? HUGE / (256 * 1024) : 1;
}

/* A THP-backed 2 MiB buffer is one physically contiguous segment. */
static void test_thp_is_one_segment(void)
{
	uint8_t *a = aligned_alloc(HUGE, HUGE), *b = malloc(HUGE);
	struct edudma_pin p;
	char thp[128];

	CU_ASSERT_FATAL(a && b);
	if (gu_read_file("/sys/kernel/mm/transparent_hugepage/enabled", thp, sizeof(thp)))
		EDUTEST_SKIP("kernel without transparent huge pages");
	/* The kernel turns THP off by default below 512 MiB of RAM; turn it back on. */
	if (strstr(thp, "[never]"))
		CU_ASSERT_EQUAL_FATAL(write_file("/sys/kernel/mm/transparent_hugepage/enabled",
						 "madvise"), 0);
	CU_ASSERT_EQUAL(madvise(a, HUGE, MADV_HUGEPAGE), 0);
	memset(a, 1, HUGE);
	CU_ASSERT_EQUAL(smaps_anon_huge_kb(a), 2048);
	CU_ASSERT_EQUAL_FATAL(gu_pin(fd, a, HUGE, RW, &p), 0);
	printf("    THP 2 MiB: %u pages, %u CPU segments, %u DMA segments\n",
	       p.nr_pages, p.nr_cpu_segments, p.nr_dma_segments);
	CU_ASSERT_EQUAL(p.nr_pages, 512);
	CU_ASSERT_EQUAL(p.nr_cpu_segments, huge_page_segments());
	CU_ASSERT_EQUAL(p.nr_dma_segments, huge_page_segments());
	CU_ASSERT_EQUAL(gu_unpin(fd, p.handle), 0);
	pinned_roundtrip(a + MiB - 1000, b, 300000, 31);	/* across the middle */
	free(a);
	free(b);
}

/* A 1 MiB malloc'd buffer: report what the driver made of it. */
static void test_malloc_1mib_counts(void)
{
	uint8_t *a = malloc(MiB);
	struct edudma_pin p;

	CU_ASSERT_FATAL(a != NULL);
	memset(a, 1, MiB);
	CU_ASSERT_EQUAL_FATAL(gu_pin(fd, a, MiB, RW, &p), 0);
	printf("    malloc 1 MiB: %u pages, %u CPU segments, %u DMA segments, pin %llu ns, map %llu ns\n",
	       p.nr_pages, p.nr_cpu_segments, p.nr_dma_segments,
	       (unsigned long long)p.pin_ns, (unsigned long long)p.map_ns);
	CU_ASSERT_EQUAL(p.nr_pages, pages_spanned(a, MiB));
	CU_ASSERT(p.pin_ns > 0 && p.map_ns > 0);
	CU_ASSERT_EQUAL(gu_unpin(fd, p.handle), 0);
	free(a);
}

/* A hugetlbfs page (MAP_HUGETLB) is one segment too. */
static void test_hugetlb_is_one_segment(void)
{
	uint8_t *a, *b = malloc(HUGE);
	struct edudma_pin p;

	CU_ASSERT_FATAL(b != NULL);
	CU_ASSERT_EQUAL(write_file("/proc/sys/vm/nr_hugepages", "2"), 0);
	a = mmap(NULL, HUGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	CU_ASSERT_FATAL(a != MAP_FAILED);
	memset(a, 2, HUGE);
	CU_ASSERT_EQUAL_FATAL(gu_pin(fd, a, HUGE, RW, &p), 0);
	printf("    hugetlb 2 MiB: %u pages, %u CPU segments, %u DMA segments\n",
	       p.nr_pages, p.nr_cpu_segments, p.nr_dma_segments);
	CU_ASSERT_EQUAL(p.nr_cpu_segments, huge_page_segments());
	CU_ASSERT_EQUAL(p.nr_dma_segments, huge_page_segments());
	CU_ASSERT_EQUAL(gu_unpin(fd, p.handle), 0);
	pinned_roundtrip(a + MiB - 1000, b, 300000, 41);
	munmap(a, HUGE);
	free(b);
	write_file("/proc/sys/vm/nr_hugepages", "0");
}

static int pin_raw(uint64_t addr, uint64_t len, uint32_t access, uint32_t flags,
		   uint64_t reserved)
{
	struct edudma_pin p;

	memset(&p, 0, sizeof(p));
	p.addr = addr;
	p.length = len;
	p.access = access;
	p.flags = flags;
	p.reserved[0] = reserved;
	if (ioctl(fd, EDUDMA_IOC_PIN, &p))
		return -errno;
	gu_unpin(fd, p.handle);
	return 0;
}

static void test_pin_refusals(void)
{
	uint8_t *m = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *ro, *none, buf[64];

	CU_ASSERT_FATAL(m != MAP_FAILED);
	CU_ASSERT_EQUAL(pin_raw((uintptr_t)buf, 0, RW, 0, 0), -EINVAL);
	CU_ASSERT_EQUAL(pin_raw((uintptr_t)buf, 8, 0, 0, 0), -EINVAL);
	CU_ASSERT_EQUAL(pin_raw((uintptr_t)buf, 8, 4, 0, 0), -EINVAL);
	CU_ASSERT_EQUAL(pin_raw((uintptr_t)buf, 8, RW, 1, 0), -EINVAL);
	CU_ASSERT_EQUAL(pin_raw((uintptr_t)buf, 8, RW, 0, 1), -EINVAL);
	CU_ASSERT_EQUAL(pin_raw(0xfffffffffffff000ull, 0x2000, RW, 0, 0), -EINVAL);
	CU_ASSERT_EQUAL(pin_raw(0x7ffffffff000ull, UINT64_MAX, RW, 0, 0), -EINVAL);
	CU_ASSERT_EQUAL(pin_raw(0xffff880000000000ull, PAGE, RW, 0, 0), -EINVAL);	/* kernel */
	CU_ASSERT_EQUAL(pin_raw(0, PAGE, RW, 0, 0), -EFAULT);	/* nothing mapped at 0 */

	/* A hole in the middle of the range. */
	CU_ASSERT_EQUAL(munmap(m + PAGE, PAGE), 0);
	CU_ASSERT_EQUAL(pin_raw((uintptr_t)m, 3 * PAGE, RW, 0, 0), -EFAULT);
	CU_ASSERT_EQUAL(pin_raw((uintptr_t)m, PAGE, RW, 0, 0), 0);
	/* Unmapped altogether. */
	CU_ASSERT_EQUAL(pin_raw((uintptr_t)m + PAGE, PAGE, RW, 0, 0), -EFAULT);
	munmap(m, 3 * PAGE);

	none = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CU_ASSERT_FATAL(none != MAP_FAILED);
	CU_ASSERT_EQUAL(pin_raw((uintptr_t)none, PAGE, EDUDMA_ACCESS_DEV_READ, 0, 0), -EFAULT);
	munmap(none, PAGE);

	ro = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CU_ASSERT_FATAL(ro != MAP_FAILED);
	CU_ASSERT_EQUAL(pin_raw((uintptr_t)ro, PAGE, EDUDMA_ACCESS_DEV_WRITE, 0, 0), -EFAULT);
	CU_ASSERT_EQUAL(pin_raw((uintptr_t)ro, PAGE, EDUDMA_ACCESS_DEV_READ, 0, 0), 0);
	munmap(ro, PAGE);
}

/*
 * Long-term writable pins of page-cache memory are refused; shmem is fine.
 * ramfs is page cache without shmem's backing, like a disk filesystem.
 */
static void test_file_backed_writable_pin_refused(void)
{
	const char *dir = "/tmp/edudma-ramfs", *path = "/tmp/edudma-ramfs/f";
	uint8_t *map;
	int f;

	mkdir(dir, 0700);
	CU_ASSERT_EQUAL_FATAL(mount("none", dir, "ramfs", 0, NULL), 0);
	f = open(path, O_RDWR | O_CREAT, 0600);
	CU_ASSERT_FATAL(f >= 0);
	CU_ASSERT_EQUAL(ftruncate(f, 2 * PAGE), 0);
	map = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, f, 0);
	CU_ASSERT_FATAL(map != MAP_FAILED);
	memset(map, 3, 2 * PAGE);
	CU_ASSERT_EQUAL(pin_raw((uintptr_t)map, 2 * PAGE, EDUDMA_ACCESS_DEV_WRITE, 0, 0), -EOPNOTSUPP);
	CU_ASSERT_EQUAL(pin_raw((uintptr_t)map, 2 * PAGE, EDUDMA_ACCESS_DEV_READ, 0, 0), 0);
	munmap(map, 2 * PAGE);
	close(f);
	umount(dir);

	/* memfd is shmem: allowed. */
	f = memfd_create("edudma", 0);
	CU_ASSERT_FATAL(f >= 0);
	CU_ASSERT_EQUAL(ftruncate(f, PAGE), 0);
	map = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, f, 0);
	CU_ASSERT_FATAL(map != MAP_FAILED);
	CU_ASSERT_EQUAL(pin_raw((uintptr_t)map, PAGE, RW, 0, 0), 0);
	munmap(map, PAGE);
	close(f);
}

static void test_handle_kinds(void)
{
	uint8_t buf[100];
	struct edudma_pin p;
	struct gu_buf b;

	memset(buf, 0, sizeof(buf));
	CU_ASSERT_EQUAL_FATAL(gu_pin(fd, buf, sizeof(buf), RW, &p), 0);
	CU_ASSERT_EQUAL_FATAL(gu_alloc(fd, PAGE, &b), 0);
	CU_ASSERT_EQUAL(gu_free_handle(fd, p.handle), -EINVAL);
	CU_ASSERT_EQUAL(gu_unpin(fd, b.handle), -EINVAL);
	CU_ASSERT_EQUAL(gu_unpin(fd, p.handle), 0);
	CU_ASSERT_EQUAL(gu_unpin(fd, p.handle), -ENOENT);
	CU_ASSERT_EQUAL(gu_unpin(fd, 0), -ENOENT);
	CU_ASSERT_EQUAL(gu_free(fd, &b), 0);
}

/* Give up CAP_IPC_LOCK, the capability that lifts RLIMIT_MEMLOCK. */
static int drop_cap_ipc_lock(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	data[CAP_IPC_LOCK / 32].effective &= ~(1u << (CAP_IPC_LOCK % 32));
	data[CAP_IPC_LOCK / 32].permitted &= ~(1u << (CAP_IPC_LOCK % 32));
	return (int)syscall(SYS_capset, &hdr, data);
}

/*
 * RLIMIT_MEMLOCK: a process without CAP_IPC_LOCK may pin up to its limit,
 * the charge shows as VmPin, and unpinning returns it. Runs in a child.
 */
static int memlock_child(void)
{
	struct rlimit rl = { 16 * PAGE, 16 * PAGE };
	uint8_t *m = aligned_alloc(PAGE, 32 * PAGE);
	struct edudma_pin a, b;
	int f = gu_open(0);

	if (!m || f < 0 || setrlimit(RLIMIT_MEMLOCK, &rl) || drop_cap_ipc_lock())
		return 10;
	memset(m, 0, 32 * PAGE);
	if (gu_pin(f, m, 12 * PAGE, RW, &a))
		return 11;
	if (gu_status_kb("VmPin") != 48)
		return 12;
	if (gu_pin(f, m + 12 * PAGE, 8 * PAGE, RW, &b) != -ENOMEM)
		return 13;
	if (gu_status_kb("VmPin") != 48)
		return 14;
	if (gu_unpin(f, a.handle) || gu_status_kb("VmPin") != 0)
		return 15;
	if (gu_pin(f, m + 12 * PAGE, 16 * PAGE, RW, &b) || gu_status_kb("VmPin") != 64)
		return 16;
	/* One-shot pins are charged while they last, too. */
	{
		struct edudma_region r = gu_user_region(m), h = gu_handle_region(b.handle, 0);

		if (gu_copy_regions(f, &r, &h, PAGE, NULL) != -ENOMEM)
			return 17;
	}
	close(f);	/* close returns the charge */
	if (gu_status_kb("VmPin") != 0)
		return 18;
	return 0;
}

static void test_memlock_limit_and_vmpin(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(memlock_child());
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT_TRUE(WIFEXITED(status));
	if (WEXITSTATUS(status))
		printf("    memlock child failed at step %d\n", WEXITSTATUS(status));
	CU_ASSERT_EQUAL(WEXITSTATUS(status), 0);
}

/* After fork the parent's pinned pages are still the ones the device writes. */
static void test_fork_after_pinning(void)
{
	size_t len = 3 * PAGE;
	uint8_t *dst = aligned_alloc(PAGE, len);
	struct edudma_pin p;
	struct edudma_region rs, rd;
	struct gu_buf src;
	int status;
	pid_t pid;

	CU_ASSERT_FATAL(dst != NULL);
	memset(dst, 0, len);
	CU_ASSERT_EQUAL_FATAL(gu_pin(fd, dst, len, EDUDMA_ACCESS_DEV_WRITE, &p), 0);
	pid = fork();
	if (pid == 0) {
		memset(dst, 0xee, len);	/* the child's copy, not the parent's */
		_exit(0);
	}
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT_EQUAL_FATAL(gu_alloc(fd, len, &src), 0);
	gu_fill(src.map, len, 51);
	rs = gu_handle_region(src.handle, 0);
	rd = gu_handle_region(p.handle, 0);
	CU_ASSERT_EQUAL(gu_copy_regions(fd, &rs, &rd, len, NULL), 0);
	CU_ASSERT_EQUAL(gu_check(dst, len, 51), (size_t)-1);
	CU_ASSERT_EQUAL(gu_unpin(fd, p.handle), 0);
	gu_free(fd, &src);
	free(dst);
}

/* munmap before UNPIN: the pinned pages stay valid for the device. */
static void test_munmap_before_unpin(void)
{
	uint8_t *m = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct edudma_region rs, rd;
	struct edudma_pin p;
	struct gu_buf b;

	CU_ASSERT_FATAL(m != MAP_FAILED);
	gu_fill(m, 4 * PAGE, 61);
	CU_ASSERT_EQUAL_FATAL(gu_pin(fd, m, 4 * PAGE, RW, &p), 0);
	CU_ASSERT_EQUAL(munmap(m, 4 * PAGE), 0);
	CU_ASSERT_EQUAL_FATAL(gu_alloc(fd, 4 * PAGE, &b), 0);
	rs = gu_handle_region(p.handle, 0);
	rd = gu_handle_region(b.handle, 0);
	CU_ASSERT_EQUAL(gu_copy_regions(fd, &rs, &rd, 4 * PAGE, NULL), 0);
	CU_ASSERT_EQUAL(gu_check(b.map, 4 * PAGE, 61), (size_t)-1);
	CU_ASSERT_EQUAL(gu_copy_regions(fd, &rd, &rs, 4 * PAGE, NULL), 0);	/* device writes */
	CU_ASSERT_EQUAL(gu_unpin(fd, p.handle), 0);
	gu_free(fd, &b);
}

/*
 * Pin-per-transfer and registered memory move the same bytes, through the
 * same pages, with the same commands; only the setup cost differs.
 */
static void test_oneshot_matches_registered(void)
{
	size_t len = 100000;
	uint8_t *src = malloc(len + 5), *dst = malloc(len), *first = malloc(len);
	struct edudma_region rs, rd, hs, hd;
	struct edudma_stats st1, st2;
	struct edudma_pin ps, pd;

	CU_ASSERT_FATAL(src && dst && first);
	gu_fill(src + 5, len, 71);
	memset(dst, 0, len);
	rs = gu_user_region(src + 5);
	rd = gu_user_region(dst);
	CU_ASSERT_EQUAL(gu_copy_regions(fd, &rs, &rd, len, &st1), 0);
	CU_ASSERT_EQUAL(gu_check(dst, len, 71), (size_t)-1);
	CU_ASSERT(st1.setup_ns > 0);
	CU_ASSERT_EQUAL(st1.nr_pages, pages_spanned(src + 5, len) + pages_spanned(dst, len));
	memcpy(first, dst, len);

	memset(dst, 0, len);
	CU_ASSERT_EQUAL_FATAL(gu_pin(fd, src + 5, len, EDUDMA_ACCESS_DEV_READ, &ps), 0);
	CU_ASSERT_EQUAL_FATAL(gu_pin(fd, dst, len, EDUDMA_ACCESS_DEV_WRITE, &pd), 0);
	hs = gu_handle_region(ps.handle, 0);
	hd = gu_handle_region(pd.handle, 0);
	CU_ASSERT_EQUAL(gu_copy_regions(fd, &hs, &hd, len, &st2), 0);
	CU_ASSERT_EQUAL(memcmp(first, dst, len), 0);
	CU_ASSERT_EQUAL(st2.setup_ns, 0);
	CU_ASSERT_EQUAL(st2.nr_pages, 0);
	CU_ASSERT_EQUAL(st1.commands, st2.commands);
	CU_ASSERT_EQUAL(st1.nr_dma_segments, st2.nr_dma_segments);
	printf("    one-shot copy of %zu bytes: setup %llu ns (%u pages), registered: setup 0\n",
	       len, (unsigned long long)st1.setup_ns, st1.nr_pages);
	gu_unpin(fd, ps.handle);
	gu_unpin(fd, pd.handle);

	/* One-shot with a handle, or a bad address, is refused. */
	rs.handle = 1;
	CU_ASSERT_EQUAL(gu_copy_regions(fd, &rs, &rd, len, NULL), -EINVAL);
	rs = gu_user_region((void *)8);
	CU_ASSERT_EQUAL(gu_copy_regions(fd, &rs, &rd, len, NULL), -EFAULT);
	free(src);
	free(dst);
	free(first);
}

/* Closing with pins outstanding releases them: every FOLL_PIN has its unpin. */
static void test_close_releases_pins(void)
{
	uint8_t *m = malloc(64 * PAGE);
	struct edudma_pin p;
	int f = gu_open(0), i, base = gu_attr_int(0, "nr_pinned");

	CU_ASSERT_FATAL(m && f >= 0);
	memset(m, 0, 64 * PAGE);
	for (i = 0; i < 8; i++)
		CU_ASSERT_EQUAL(gu_pin(f, m + i * 8 * PAGE, 8 * PAGE, RW, &p), 0);
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_pinned"), base + 8);
	CU_ASSERT(gu_status_kb("VmPin") >= 8 * 8 * 4);
	close(f);
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_pinned"), base);
	CU_ASSERT_EQUAL(gu_status_kb("VmPin"), 0);
	free(m);
}

/* Runs last: by now every pin this program took has been released. */
static void test_foll_pin_counters_balance(void)
{
	long long acq, rel;

	gu_vmstat_refresh();	/* per-CPU deltas would make them differ */
	acq = gu_vmstat("nr_foll_pin_acquired");
	rel = gu_vmstat("nr_foll_pin_released");

	printf("    nr_foll_pin_acquired %lld (this program: %lld), released %lld\n",
	       acq, acq - pins_acquired_at_start, rel);
	CU_ASSERT(acq > pins_acquired_at_start);
	CU_ASSERT_EQUAL(acq, rel);
}

static const struct edutest_case cases[] = {
	{ "malloc_odd_offsets_and_lengths", test_malloc_odd_offsets_and_lengths },
	{ "transfer_with_pinned", test_transfer_with_pinned },
	{ "region_inside_pinned_range", test_region_inside_pinned_range },
	{ "malloc_1mib_counts", test_malloc_1mib_counts },
	{ "thp_is_one_segment", test_thp_is_one_segment },
	{ "hugetlb_is_one_segment", test_hugetlb_is_one_segment },
	{ "pin_refusals", test_pin_refusals },
	{ "file_backed_writable_pin_refused", test_file_backed_writable_pin_refused },
	{ "handle_kinds", test_handle_kinds },
	{ "memlock_limit_and_vmpin", test_memlock_limit_and_vmpin },
	{ "fork_after_pinning", test_fork_after_pinning },
	{ "munmap_before_unpin", test_munmap_before_unpin },
	{ "oneshot_matches_registered", test_oneshot_matches_registered },
	{ "close_releases_pins", test_close_releases_pins },
	{ "foll_pin_counters_balance", test_foll_pin_counters_balance },
	{ NULL, NULL }
};

static const struct edutest_suite suites[] = {
	{ "pinning", suite_init, suite_cleanup, cases },
	{ NULL, NULL, NULL, NULL }
};

int main(int argc, char **argv)
{
	return edutest_main(argc, argv, "drv_pin", suites);
}
