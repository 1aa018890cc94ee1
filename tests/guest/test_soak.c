/* SPDX-License-Identifier: MIT */
/*
 * Leak soak: a thousand iterations of every operation - the ones that
 * work and the ones that fail (bad arguments, read-only arguments, holes,
 * a low RLIMIT_MEMLOCK, RLIMIT_NOFILE exhausted where an fd is created,
 * file-backed memory) - through the raw ABI and through libdma. After each
 * operation's run nothing may be left: the driver's own counters
 * (nr_buffers, nr_pinned), VmPin, the vmstat FOLL_PIN counters (exact,
 * after stat_refresh), open fds, no slab cache growing by an object per
 * iteration (in both halves of the run), no vmalloc or free-page drift,
 * and for libdma the malloc heap. DMA commands stay few: a few hundred
 * one-byte transfers and copies.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libdma.h>

#include "../common/edutest.h"
#include "guest_util.h"

#define PAGE 4096u
#define RW (EDUDMA_ACCESS_DEV_READ | EDUDMA_ACCESS_DEV_WRITE)
/*
 * Two halves of 'half' iterations per operation: 500 (1000 in all), or
 * EDUDMA_SOAK_HALF from the environment - make check-debug asks for 100,
 * as the debug kernel runs the soak about five times slower and kmemleak
 * finds there what the counters below look for.
 */
#define HALF_DEFAULT 500
#define HALF_MIN 50
static int half = HALF_DEFAULT;
#define WARMUP 50
#define RAMFS "/tmp/soak-ramfs"

static int fd = -1;
static struct edudma_info info;
static uint8_t *mem;		/* 4 pages of ordinary memory */
static uint8_t *holey;		/* 3 pages, the middle one PROT_NONE */
static uint8_t *ro_page;	/* read-only page holding ioctl arguments */
static uint8_t *file_map;	/* shared mapping of a ramfs file */
static int ramfs_ok;
static uint64_t commands_at_start;

/* --------------------------------------------------------- measuring */

#define MAX_CACHES 512

struct slab_snap {
	int n;
	char name[MAX_CACHES][40];
	long active[MAX_CACHES];
	long per_slab[MAX_CACHES];
};

static void slab_snapshot(struct slab_snap *s)
{
	char line[512];
	FILE *f = fopen("/proc/slabinfo", "r");

	s->n = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f) && s->n < MAX_CACHES) {
		long act, num, size, per;

		if (line[0] == '#' || !strncmp(line, "slabinfo", 8))
			continue;
		if (sscanf(line, "%39s %ld %ld %ld %ld", s->name[s->n], &act, &num, &size,
			   &per) != 5)
			continue;
		s->active[s->n] = act;
		s->per_slab[s->n] = per;
		s->n++;
	}
	fclose(f);
}

static long slab_active(const struct slab_snap *s, const char *name)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->name[i], name))
			return s->active[i];
	return 0;
}

struct baseline {
	int buffers, pinned, fds;
	long long vmpin_kb, pins_held;
	long long vmalloc_kb, free_kb, sunreclaim_kb;
	size_t heap;
};

static size_t heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

/*
 * Freed slab objects may not be back in their cache yet: RCU-deferred
 * frees (xarray, maple tree and kmemleak nodes) wait for a grace period,
 * and under KASAN (make check-debug) every freed object then sits in a
 * quarantine of a few MiB. Give RCU a moment (guest time: free under
 * icount), then shrink every cache, which also empties its quarantine.
 */
static void settle_slabs(void)
{
	DIR *d = opendir("/sys/kernel/slab");
	struct dirent *e;
	char path[300];

	usleep(200 * 1000);
	if (!d)
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && e->d_type == DT_DIR) {
			snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink", e->d_name);
			gu_write_file(path, "1");
		}
	closedir(d);
}

static void settle(void)
{
	settle_slabs();
	gu_write_file("/proc/sys/vm/drop_caches", "3");
	gu_vmstat_refresh();
}

static void take_baseline(struct baseline *b)
{
	settle();
	b->buffers = gu_attr_int(0, "nr_buffers");
	b->pinned = gu_attr_int(0, "nr_pinned");
	b->fds = gu_count_fds();
	b->vmpin_kb = gu_status_kb("VmPin");
	b->pins_held = gu_vmstat("nr_foll_pin_acquired") - gu_vmstat("nr_foll_pin_released");
	b->vmalloc_kb = gu_meminfo_kb("VmallocUsed");
	b->free_kb = gu_meminfo_kb("MemFree");
	b->sunreclaim_kb = gu_meminfo_kb("SUnreclaim");
	b->heap = heap_in_use();
}

/* --------------------------------------------------------- the runner */

typedef int (*soak_op)(int n);	/* n iterations; returns how many misbehaved */

struct soak_result {
	int misbehaved;
};

/*
 * Warm up, then two halves of 'half' iterations with a snapshot before and
 * after each. A leak of one object per iteration shows in both halves; the
 * noise of per-CPU slab caches does not repeat like that.
 */
static void soak(const char *name, soak_op op, int mem_pages_per_iter)
{
	static struct slab_snap s0, s1, s2;
	struct baseline b0, b1;
	size_t log_mark = gu_dmesg_mark();
	int bad = 0, i, growing = 0;
	char *problem;
	int64_t t0;
	long long heap_g1, heap_g2;
	size_t heap_mid;

	bad += op(WARMUP);
	take_baseline(&b0);
	slab_snapshot(&s0);
	t0 = gu_now_ns();
	bad += op(half);
	settle();
	slab_snapshot(&s1);
	heap_mid = heap_in_use();
	bad += op(half);
	take_baseline(&b1);
	slab_snapshot(&s2);

	for (i = 0; i < s2.n; i++) {
		long a = slab_active(&s0, s2.name[i]), m = slab_active(&s1, s2.name[i]);
		long g1 = m - a, g2 = s2.active[i] - m;

		/*
		 * The debug kernel's kmemleak keeps one object per live
		 * allocation and frees it after an RCU grace period: it
		 * follows the other caches with a lag. Leaks themselves are
		 * what kmemleak reports (make check-debug scans at the end).
		 */
		if (!strncmp(s2.name[i], "kmemleak_", 9))
			continue;
		if (g1 >= half * 9 / 10 && g2 >= half * 9 / 10) {
			printf("\n    %s: slab %s grew by %ld and %ld objects", name,
			       s2.name[i], g1, g2);
			growing++;
		}
	}
	heap_g1 = (long long)heap_mid - (long long)b0.heap;
	heap_g2 = (long long)b1.heap - (long long)heap_mid;
	printf("\n    %s: %d x 2 in %lld ms (guest), %d misbehaved; SUnreclaim %+lld kB, "
	       "VmallocUsed %+lld kB, MemFree %+lld kB, heap %+lld B %+lld B\n", name, half,
	       (long long)((gu_now_ns() - t0) / 1000000), bad,
	       b1.sunreclaim_kb - b0.sunreclaim_kb, b1.vmalloc_kb - b0.vmalloc_kb,
	       b1.free_kb - b0.free_kb, heap_g1, heap_g2);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(growing, 0);
	CU_ASSERT_EQUAL(b1.buffers, b0.buffers);
	CU_ASSERT_EQUAL(b1.pinned, b0.pinned);
	CU_ASSERT_EQUAL(b1.fds, b0.fds);
	CU_ASSERT_EQUAL(b1.vmpin_kb, b0.vmpin_kb);
	CU_ASSERT_EQUAL(b1.pins_held, b0.pins_held);
	/* A page per iteration would be 4 kB x 2 x half: a quarter of that. */
	CU_ASSERT(b1.vmalloc_kb - b0.vmalloc_kb < 2 * half);
	CU_ASSERT(b1.sunreclaim_kb - b0.sunreclaim_kb < 2 * half);
	if (mem_pages_per_iter)
		CU_ASSERT(b0.free_kb - b1.free_kb < 2 * half * 4 * mem_pages_per_iter / 2);
	/*
	 * libdma's own allocations, exact with malloc's tcache off (main()):
	 * a leak of one object per call (the smallest chunk is 32 bytes) grows
	 * the heap by 32 x half in each half; half of that in both halves is
	 * a leak. Nor may the whole run keep 16 kB.
	 */
	CU_ASSERT(heap_g1 < 16LL * half || heap_g2 < 16LL * half);
	CU_ASSERT(heap_g1 + heap_g2 < 16 * 1024);
	problem = gu_dmesg_problem_since(log_mark);
	if (problem)
		printf("    kernel log: %s\n", problem);
	CU_ASSERT_PTR_NULL(problem);
	free(problem);
}

#define SOAK(opname, pages) \
	static void test_##opname(void) { soak(#opname, op_##opname, pages); }

static int suite_init(void)
{
	int f;

	fd = gu_open(0);
	if (fd < 0 || ioctl(fd, EDUDMA_IOC_INFO, &info))
		return -1;
	commands_at_start = gu_commands(0);
	mem = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	holey = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ro_page = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED || holey == MAP_FAILED || ro_page == MAP_FAILED)
		return -1;
	memset(mem, 1, 4 * PAGE);
	memset(holey, 2, 3 * PAGE);
	/* A PROT_NONE page, not a hole: a hole could be filled by a later mmap. */
	mprotect(holey + PAGE, PAGE, PROT_NONE);
	/* Writing 4 first: later drop_caches calls stay out of the kernel log. */
	gu_write_file("/proc/sys/vm/drop_caches", "4");
	mkdir(RAMFS, 0700);
	if (mount("none", RAMFS, "ramfs", 0, NULL) == 0) {
		f = open(RAMFS "/f", O_RDWR | O_CREAT, 0600);
		if (f >= 0 && ftruncate(f, PAGE) == 0) {
			file_map = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, f, 0);
			ramfs_ok = file_map != MAP_FAILED;
			if (ramfs_ok)
				memset(file_map, 3, PAGE);
		}
		if (f >= 0)
			close(f);
	}
	return 0;
}

static int suite_cleanup(void)
{
	printf("    DMA commands issued by the soak: %llu\n",
	       (unsigned long long)(gu_commands(0) - commands_at_start));
	if (ramfs_ok)
		munmap(file_map, PAGE);
	umount(RAMFS);
	return close(fd);
}

static int ioc(int f, unsigned long cmd, void *arg)
{
	return ioctl(f, cmd, arg) ? errno : 0;
}

/* ------------------------------------------------ operations that work */

static int op_open_close(int n)
{
	int i, bad = 0;

	for (i = 0; i < n; i++) {
		int f = gu_open(0);

		bad += f < 0 || close(f) != 0;
	}
	return bad;
}

static int op_open_info_close(int n)
{
	struct edudma_info in;
	int i, bad = 0;

	for (i = 0; i < n; i++) {
		int f = gu_open(0);

		bad += f < 0 || ioc(f, EDUDMA_IOC_INFO, &in) != 0;
		close(f);
	}
	return bad;
}

static int op_alloc_free(int n)
{
	int i, bad = 0;

	for (i = 0; i < n; i++) {
		struct edudma_alloc a = { .size = 1 + (uint64_t)(i % 3) * PAGE };

		bad += ioc(fd, EDUDMA_IOC_ALLOC, &a) != 0 || gu_free_handle(fd, a.handle) != 0;
	}
	return bad;
}

static int op_alloc_map_free(int n)
{
	int i, bad = 0;

	for (i = 0; i < n; i++) {
		struct gu_buf b;

		if (gu_alloc(fd, PAGE, &b)) {
			bad++;
			continue;
		}
		b.map[i % PAGE] = 1;
		bad += gu_free(fd, &b) != 0;
	}
	return bad;
}

/* FREE first, munmap later: the mapping's reference is the last one. */
static int op_free_then_munmap(int n)
{
	int i, bad = 0;

	for (i = 0; i < n; i++) {
		struct gu_buf b;

		if (gu_alloc(fd, 2 * PAGE, &b)) {
			bad++;
			continue;
		}
		bad += gu_free_handle(fd, b.handle) != 0;
		b.map[PAGE] = 1;
		munmap(b.map, b.size);
	}
	return bad;
}

static int op_alloc_then_close(int n)
{
	int i, bad = 0;

	for (i = 0; i < n; i++) {
		struct edudma_alloc a = { .size = PAGE }, c = { .size = 3 * PAGE };
		int f = gu_open(0);

		bad += f < 0 || ioc(f, EDUDMA_IOC_ALLOC, &a) || ioc(f, EDUDMA_IOC_ALLOC, &c);
		close(f);
	}
	return bad;
}

static int op_alloc_map_close_munmap(int n)
{
	int i, bad = 0;

	for (i = 0; i < n; i++) {
		struct gu_buf b;
		int f = gu_open(0);

		if (f < 0 || gu_alloc(f, PAGE, &b)) {
			bad++;
			close(f);
			continue;
		}
		close(f);
		b.map[0] = 1;
		munmap(b.map, b.size);
	}
	return bad;
}

static int op_pin_unpin(int n)
{
	int i, bad = 0;

	for (i = 0; i < n; i++) {
		struct edudma_pin p;

		bad += gu_pin(fd, mem + (i % 100), 2 * PAGE, i % 3 + 1, &p) != 0 ||
		       gu_unpin(fd, p.handle) != 0;
	}
	return bad;
}

static int op_pin_then_close(int n)
{
	int i, bad = 0;

	for (i = 0; i < n; i++) {
		struct edudma_pin p;
		int f = gu_open(0);

		bad += f < 0 || gu_pin(f, mem, 3 * PAGE, RW, &p) || gu_pin(f, mem + 5, 10, RW, &p);
		close(f);
	}
	return bad;
}

/* Fork a child that exits with pins, buffers and mappings of its own fd. */
static int op_exit_with_everything(int n)
{
	int i, bad = 0;

	for (i = 0; i < n / 10; i++) {	/* forks are slow: a tenth as many */
		pid_t pid = fork();

		if (pid == 0) {
			struct edudma_pin p;
			struct gu_buf b;
			int f = gu_open(0);

			if (f < 0 || gu_alloc(f, PAGE, &b) || gu_pin(f, mem, PAGE, RW, &p))
				_exit(1);
			_exit(0);
		}
		bad += gu_wait_child(pid) != 0;
	}
	return bad;
}

/* edu-sg has no factorial unit: there the ioctl must be ENOTTY, every time. */
static int op_irq_test_and_factorial(int n)
{
	int i, bad = 0, fact_errno = gu_is_edusg(0) ? ENOTTY : 0;

	for (i = 0; i < n; i++) {
		struct edudma_irq_test t = { .value = 0x10000u << (i % 8) };
		struct edudma_factorial f = { .n = (uint32_t)(i % 13), .flags = i % 2 };

		bad += ioc(fd, EDUDMA_IOC_IRQ_TEST, &t) != 0 ||
		       ioc(fd, EDUDMA_IOC_FACTORIAL, &f) != fact_errno;
	}
	return bad;
}

/* A few real transfers and copies: one byte each (1 or 2 commands). */
static int op_small_dma(int n)
{
	static struct gu_buf a, b;
	int i, bad = 0;

	if (!a.map && (gu_alloc(fd, PAGE, &a) || gu_alloc(fd, PAGE, &b)))
		return 1;
	for (i = 0; i < n / 20; i++) {	/* 50 iterations of 1000: 200 commands */
		a.map[i % PAGE] = (uint8_t)i;
		bad += gu_transfer(fd, a.handle, i % PAGE, 1, EDUDMA_DIR_TO_DEVICE, i % 100, NULL) != 0;
		bad += gu_transfer(fd, b.handle, i % PAGE, 1, EDUDMA_DIR_FROM_DEVICE, i % 100, NULL) != 0;
		bad += b.map[i % PAGE] != (uint8_t)i;
		bad += gu_copy(fd, a.handle, i % PAGE, b.handle, (i + 7) % PAGE, 1, NULL) != 0;
	}
	return bad;
}

/* One-shot user regions: pinned and unpinned inside each call. */
static int op_oneshot_dma(int n)
{
	static struct gu_buf b;
	int i, bad = 0;

	if (!b.map && gu_alloc(fd, PAGE, &b))
		return 1;
	for (i = 0; i < n / 20; i++) {
		struct edudma_region u = gu_user_region(mem + 2 * PAGE - 1 + i % 3),
				     h = gu_handle_region(b.handle, i % PAGE);

		mem[2 * PAGE - 1 + i % 3] = (uint8_t)(i + 1);
		bad += gu_copy_regions(fd, &u, &h, 2, NULL) != 0;
		bad += b.map[i % PAGE] != (uint8_t)(i + 1);
	}
	return bad;
}

/* ------------------------------------------------ operations that fail */

static int op_alloc_bad(int n)
{
	int i, bad = 0;

	for (i = 0; i < n; i++) {
		struct edudma_alloc a = { .size = 0 };

		bad += ioc(fd, EDUDMA_IOC_ALLOC, &a) != EINVAL;
		a.size = info.max_alloc + 1;
		bad += ioc(fd, EDUDMA_IOC_ALLOC, &a) != EINVAL;
		a.size = PAGE;
		a.flags = 1u << (i % 32);
		bad += ioc(fd, EDUDMA_IOC_ALLOC, &a) != EINVAL;
		a.flags = 0;
		a.reserved[i % 2] = 1;
		bad += ioc(fd, EDUDMA_IOC_ALLOC, &a) != EINVAL;
	}
	return bad;
}

/* ALLOC and PIN whose answer cannot be written back: EFAULT, taken back. */
static int op_readonly_args(int n)
{
	struct edudma_alloc *a = (void *)ro_page;
	struct edudma_pin *p = (void *)ro_page;
	int i, bad = 0;

	for (i = 0; i < n; i++) {
		mprotect(ro_page, PAGE, PROT_READ | PROT_WRITE);
		memset(ro_page, 0, PAGE);
		a->size = PAGE;
		mprotect(ro_page, PAGE, PROT_READ);
		bad += ioc(fd, EDUDMA_IOC_ALLOC, a) != EFAULT;
		mprotect(ro_page, PAGE, PROT_READ | PROT_WRITE);
		memset(ro_page, 0, PAGE);
		p->addr = (uintptr_t)mem;
		p->length = 2 * PAGE;
		p->access = RW;
		mprotect(ro_page, PAGE, PROT_READ);
		bad += ioc(fd, EDUDMA_IOC_PIN, p) != EFAULT;
	}
	return bad;
}

static int op_free_unpin_bad(int n)
{
	static struct gu_buf b;
	static struct edudma_pin p;
	int i, bad = 0;

	if (!b.map && (gu_alloc(fd, PAGE, &b) || gu_pin(fd, mem, PAGE, RW, &p)))
		return 1;
	for (i = 0; i < n; i++) {
		bad += gu_free_handle(fd, 0x7f000000u + (uint32_t)i) != -ENOENT;
		bad += gu_unpin(fd, 0) != -ENOENT;
		bad += gu_free_handle(fd, p.handle) != -EINVAL;
		bad += gu_unpin(fd, b.handle) != -EINVAL;
	}
	return bad;
}

static int op_pin_bad(int n)
{
	int i, bad = 0;

	for (i = 0; i < n; i++) {
		struct edudma_pin p;

		bad += gu_pin(fd, holey, 3 * PAGE, RW, &p) != -EFAULT;	/* partial, then a hole */
		bad += gu_pin(fd, holey + PAGE, 1, EDUDMA_ACCESS_DEV_READ, &p) != -EFAULT;
		bad += gu_pin(fd, (void *)(uintptr_t)0xfffffffffffff000ull, 0x2000, RW, &p) != -EINVAL;
		bad += gu_pin(fd, mem, 0, RW, &p) != -EINVAL;
		bad += gu_pin(fd, mem, PAGE, 4, &p) != -EINVAL;
		bad += gu_pin(fd, ro_page, PAGE, EDUDMA_ACCESS_DEV_WRITE, &p) != -EFAULT;
		if (ramfs_ok)
			bad += gu_pin(fd, file_map, PAGE, RW, &p) != -EOPNOTSUPP;
	}
	return bad;
}

static int op_transfer_copy_bad(int n)
{
	static struct gu_buf b;
	uint64_t before = gu_commands(0);
	int i, bad = 0;

	if (!b.map && gu_alloc(fd, PAGE, &b))
		return 1;
	for (i = 0; i < n; i++) {
		struct edudma_region u = gu_user_region(holey + PAGE), h = gu_handle_region(b.handle, 0);

		bad += gu_transfer(fd, b.handle, PAGE, 1, EDUDMA_DIR_TO_DEVICE, 0, NULL) != -EINVAL;
		bad += gu_transfer(fd, b.handle, 0, 1, EDUDMA_DIR_TO_DEVICE, info.window_size, NULL) != -EINVAL;
		bad += gu_transfer(fd, 0x7f000000u, 0, 1, EDUDMA_DIR_TO_DEVICE, 0, NULL) != -ENOENT;
		bad += gu_copy(fd, b.handle, 0, b.handle, 1, 2, NULL) != -EINVAL;
		/* one-shot: a hole (pinning fails after the first page), wrap-around */
		bad += gu_copy_regions(fd, &u, &h, 1, NULL) != -EFAULT;
		u = gu_user_region(holey);
		bad += gu_copy_regions(fd, &u, &h, 2 * PAGE, NULL) != -EFAULT;
		u = gu_user_region((void *)(uintptr_t)0xfffffffffffff000ull);
		bad += gu_copy_regions(fd, &u, &h, 0x2000 > PAGE ? PAGE : 1, NULL) != -EINVAL;
	}
	bad += gu_commands(0) != before;
	return bad;
}

static int op_mmap_bad(int n)
{
	static struct gu_buf b;
	int i, bad = 0;

	if (!b.map && gu_alloc(fd, PAGE, &b))
		return 1;
	for (i = 0; i < n; i++) {
		bad += mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0) != MAP_FAILED;
		bad += mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, (off_t)b.mmap_offset) != MAP_FAILED;
		bad += mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd, (off_t)b.mmap_offset) != MAP_FAILED;
		bad += mremap(b.map, PAGE, 2 * PAGE, MREMAP_MAYMOVE) != MAP_FAILED;
	}
	return bad;
}

static int op_unknown_ioctls(int n)
{
	int i, bad = 0;

	for (i = 0; i < n; i++)
		bad += ioc(fd, _IOWR(EDUDMA_IOC_MAGIC, 0x40 + i % 64, struct edudma_copy),
			   mem) != ENOTTY;
	return bad;
}

/*
 * In a child without CAP_IPC_LOCK and with RLIMIT_MEMLOCK 16 kB above its
 * 32 kB coherent buffer (buffers are charged like pins).
 */
static int memlock_child(int n)
{
	struct rlimit rl = { 12 * PAGE, 12 * PAGE };
	static struct gu_buf b;
	int f = gu_open(0), i, bad = 0;

	if (f < 0 || setrlimit(RLIMIT_MEMLOCK, &rl) || gu_drop_cap_ipc_lock() ||
	    gu_alloc(f, 8 * PAGE, &b))
		return 100;
	for (i = 0; i < n; i++) {
		struct edudma_region u = gu_user_region(b.map), h = gu_handle_region(b.handle, 0);
		struct edudma_pin p, q;
		static uint8_t big[8 * PAGE] __attribute__((aligned(PAGE)));

		bad += gu_pin(f, big, 8 * PAGE, RW, &p) != -ENOMEM;
		if (gu_pin(f, big, 3 * PAGE, RW, &p)) {
			bad++;
			continue;
		}
		bad += gu_pin(f, big + 3 * PAGE, 2 * PAGE, RW, &q) != -ENOMEM;
		u = gu_user_region(big + 4 * PAGE);
		bad += gu_copy_regions(f, &u, &h, 2 * PAGE, NULL) != -ENOMEM;
		bad += gu_unpin(f, p.handle) != 0;
		bad += gu_status_kb("VmPin") != 8 * PAGE / 1024;	/* the buffer */
	}
	close(f);
	return bad;
}

static int op_memlock_exceeded(int n)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(memlock_child(n) ? 1 : 0);
	return gu_wait_child(pid) != 0;
}

/* RLIMIT_NOFILE so low that opening a device (or libdma opening one) fails. */
static int op_nofile_exhausted(int n)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct rlimit rl = { 1, 1 };
		int i, bad = 0;

		/* fds 0-2 stay; with a limit of 1 nothing new can be created. */
		if (setrlimit(RLIMIT_NOFILE, &rl))
			_exit(100);
		for (i = 0; i < n; i++) {
			struct libdma_device *dev;
			int f = gu_open(0), r;

			if (f >= 0 || errno != EMFILE) {
				if (!bad++)
					printf("\n    open with no fd left: %d (%s)", f, strerror(errno));
			}
			/* Only every tenth: libdma's discovery (libudev) is slow. */
			r = i % 10 ? -EMFILE : libdma_open("0", &dev);
			/* The real reason, not a made-up one (libudev returns -errno). */
			if (r != -EMFILE && r != -ENFILE) {
				if (!bad++)
					printf("\n    libdma_open with no fd left: %s (%s)",
					       strerror(-r), libdma_errmsg());
			}
			if (!r)
				libdma_close(dev);
			bad += mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0) != MAP_FAILED;
		}
		_exit(bad ? 1 : 0);
	}
	return gu_wait_child(pid) != 0;
}

/* ------------------------------------------------------------- libdma */

static int op_lib_open_close(int n)
{
	int i, bad = 0;

	for (i = 0; i < n; i++) {
		struct libdma_device *dev;
		struct libdma_info li;
		static const char *const specs[] = { "0", "edudma0", "/dev/edudma0" };

		/* "0" and "edudma0" go through libudev discovery, which is slow. */
		if (libdma_open(specs[i % 10 ? 2 : i % 3], &dev)) {
			bad++;
			continue;
		}
		bad += libdma_get_info(dev, &li) != 0;
		bad += libdma_close(dev) != 0;
		bad += libdma_close(dev) != -EBADF || 0;
	}
	return bad;
}

static int op_lib_buffers(int n)
{
	static struct libdma_device *dev;
	int i, bad = 0;

	if (!dev && libdma_open("0", &dev))
		return 1;
	for (i = 0; i < n; i++) {
		struct libdma_buffer *a, *r;

		bad += libdma_buffer_alloc(dev, PAGE + (size_t)i % 3, &a) != 0;
		bad += libdma_buffer_register(dev, mem + i % 64, PAGE, LIBDMA_ACCESS_RW, &r,
					      NULL) != 0;
		bad += libdma_buffer_free(a) != 0;
		bad += libdma_buffer_unregister(r) != 0;
	}
	return bad;
}

static int op_lib_failures(int n)
{
	static struct libdma_device *dev;
	int i, bad = 0;

	if (!dev && libdma_open("0", &dev))
		return 1;
	for (i = 0; i < n; i++) {
		struct libdma_device *d;
		struct libdma_buffer *b;
		struct libdma_region r = libdma_region_user(holey + PAGE, 10);

		bad += libdma_open("nonsense!", &d) != -EINVAL;
		/* (no edu at 00:04.0 bound to vfio-pci in any configuration) */
		bad += libdma_open("vfio:0000:00:04.0", &d) != -ENODEV;
		bad += libdma_open("/dev/null", &d) != -ENOTTY;
		bad += libdma_open("/dev/edudma-none", &d) != -ENOENT;
		if (i % 10 == 0) {	/* discovery through libudev is slow: a tenth */
			bad += libdma_open("31", &d) != -ENODEV;
			bad += libdma_open("0000:00:1f.7", &d) != -ENODEV;
		}
		bad += libdma_buffer_alloc(dev, 0, &b) != -EINVAL;
		bad += libdma_buffer_alloc(dev, (size_t)info.max_alloc + 1, &b) != -EINVAL;
		bad += libdma_buffer_register(dev, holey, 3 * PAGE, LIBDMA_ACCESS_RW, &b,
					      NULL) != -EFAULT;
		bad += libdma_transfer_to_device(dev, &r, 0, NULL) != -EFAULT;
	}
	return bad;
}

SOAK(open_close, 0)
SOAK(open_info_close, 0)
SOAK(alloc_free, 2)
SOAK(alloc_map_free, 1)
SOAK(free_then_munmap, 2)
SOAK(alloc_then_close, 4)
SOAK(alloc_map_close_munmap, 1)
SOAK(pin_unpin, 0)
SOAK(pin_then_close, 0)
SOAK(exit_with_everything, 0)
SOAK(irq_test_and_factorial, 0)
SOAK(small_dma, 0)
SOAK(oneshot_dma, 0)
SOAK(alloc_bad, 0)
SOAK(readonly_args, 1)
SOAK(free_unpin_bad, 0)
SOAK(pin_bad, 0)
SOAK(transfer_copy_bad, 0)
SOAK(mmap_bad, 0)
SOAK(unknown_ioctls, 0)
SOAK(memlock_exceeded, 0)
SOAK(nofile_exhausted, 0)
SOAK(lib_open_close, 0)
SOAK(lib_buffers, 1)
SOAK(lib_failures, 0)

#define CASE(name) { #name, test_##name }

static const struct edutest_case cases[] = {
	CASE(open_close), CASE(open_info_close), CASE(alloc_free), CASE(alloc_map_free),
	CASE(free_then_munmap), CASE(alloc_then_close), CASE(alloc_map_close_munmap),
	CASE(pin_unpin), CASE(pin_then_close), CASE(exit_with_everything),
	CASE(irq_test_and_factorial), CASE(small_dma), CASE(oneshot_dma),
	CASE(alloc_bad), CASE(readonly_args), CASE(free_unpin_bad), CASE(pin_bad),
	CASE(transfer_copy_bad), CASE(mmap_bad), CASE(unknown_ioctls),
	CASE(memlock_exceeded), CASE(nofile_exhausted),
	CASE(lib_open_close), CASE(lib_buffers), CASE(lib_failures),
	{ NULL, NULL }
};

static const struct edutest_suite suites[] = {
	{ "soak", suite_init, suite_cleanup, cases },
	{ NULL, NULL, NULL, NULL }
};

/*
 * malloc's per-thread cache (tcache) keeps freed chunks that mallinfo2()
 * counts as in use: the heap figure then grows by whatever sizes happened to
 * be cached, up to kilobytes, and levels off - noise that looked like a
 * leak (up to 17 kB in the udev path of lib_open_close). Without the cache
 * every freed chunk is free to mallinfo2(), and the heap figure is exact.
 * The tunable is read at start-up, so the program runs itself again with it.
 */
#define NO_TCACHE "glibc.malloc.tcache_count=0"

static void exec_without_tcache(char **argv)
{
	const char *t = getenv("GLIBC_TUNABLES");
	char buf[512];

	if (t && strstr(t, NO_TCACHE))
		return;
	snprintf(buf, sizeof(buf), "%s%s" NO_TCACHE, t ? t : "", t && *t ? ":" : "");
	setenv("GLIBC_TUNABLES", buf, 1);
	execv("/proc/self/exe", argv);
	printf("soak: cannot run again without malloc's tcache (%s); heap figures may be noisy\n",
	       strerror(errno));
}

int main(int argc, char **argv)
{
	const char *h;

	exec_without_tcache(argv);
	h = getenv("EDUDMA_SOAK_HALF");

	if (h && *h) {
		half = atoi(h);
		if (half < HALF_MIN)
			half = HALF_MIN;
		printf("soak: %d iterations per operation (EDUDMA_SOAK_HALF)\n", 2 * half);
	}
	return edutest_main(argc, argv, "soak", suites);
}
