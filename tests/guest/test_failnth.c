/* SPDX-License-Identifier: MIT */
/*
 * Fault injection over the ABI (the debug kernel of `make check-debug`,
 * scripts/debug-kernel.config: FAULT_INJECTION, FAILSLAB, FAIL_PAGE_ALLOC,
 * FAULT_INJECTION_USERCOPY).
 *
 * For every call of the ABI - open, each ioctl, mmap - fail the n-th
 * allocation (or user copy) the kernel makes inside it, for n = 1, 2, ...
 * until the call runs to its end without reaching the n-th: the per-task
 * /proc/self/task/<tid>/fail-nth knob (Documentation/fault-injection/
 * fault-injection.rst, "Fault injection per task"). Each injected failure
 * must come back as an error (ENOMEM, EFAULT) - or be absorbed by a
 * fallback, in which case the call's result must still be right - and
 * must leave nothing behind: after every attempt the driver's object
 * counters, VmPin and the kernel's pin counters are back where they were,
 * the kernel log is clean (KASAN, lockdep, DMA-API debug, WARN), and the
 * device still moves and verifies a copy. kmemleak, scanned by the guest's
 * /init after the whole suite, catches leaks the counters cannot see.
 *
 * The stock kernel has no fail-nth file: every test is skipped there.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../common/edutest.h"
#include "guest_util.h"

#define PAGE 4096ul
#define RW (EDUDMA_ACCESS_DEV_READ | EDUDMA_ACCESS_DEV_WRITE)
#define LEN 5000ul		/* two device commands each way with window 4095 */
#define MAX_N 2000		/* more fault points than any call here has */

static int fd = -1;
static int fnfd = -1;			/* this thread's fail-nth */
static int base_buffers, base_pinned;
static long long base_vmpin;		/* kB */
static long long suite_vmpin;		/* kB: the suite's coherent buffers */
static long long base_pins;		/* nr_foll_pin_acquired - released */
static struct gu_buf cbuf_a, cbuf_b;	/* coherent source and destination */
static uint8_t *ubuf_a, *ubuf_b;	/* plain user memory, 3 pages each */
static void *map_slot;			/* the mmap case's fixed address (prep_mmap) */

/* ---------------------------------------------------- the debugfs knobs */

/*
 * By default failslab and fail_page_alloc leave alone every allocation that
 * may sleep (ignore-gfp-wait) and fail_page_alloc every order-0 page: the
 * allocations a driver makes in process context would never fail. Every
 * injected failure would also print a stack trace (verbose=2), which the
 * harness counts as a kernel problem. Both are set here, restored after.
 */
static const struct knob {
	const char *path, *value;
} knobs[] = {
	{ "/sys/kernel/debug/failslab/ignore-gfp-wait", "N" },
	{ "/sys/kernel/debug/failslab/verbose", "0" },
	{ "/sys/kernel/debug/fail_page_alloc/ignore-gfp-wait", "N" },
	{ "/sys/kernel/debug/fail_page_alloc/ignore-gfp-highmem", "N" },
	{ "/sys/kernel/debug/fail_page_alloc/min-order", "0" },
	{ "/sys/kernel/debug/fail_page_alloc/verbose", "0" },
	{ "/sys/kernel/debug/fail_usercopy/verbose", "0" },
};
#define NKNOBS (sizeof(knobs) / sizeof(knobs[0]))
static char saved[NKNOBS][32];

static void knobs_set(void)
{
	size_t i;

	for (i = 0; i < NKNOBS; i++) {
		saved[i][0] = '\0';
		if (gu_read_file(knobs[i].path, saved[i], sizeof(saved[i])))
			continue;	/* that fault type is not configured */
		if (gu_write_file(knobs[i].path, knobs[i].value))
			printf("failnth: cannot set %s\n", knobs[i].path);
	}
}

static void knobs_restore(void)
{
	size_t i;

	for (i = 0; i < NKNOBS; i++)
		if (saved[i][0])
			gu_write_file(knobs[i].path, saved[i]);
}

/* ------------------------------------------------------------ the loop */

/*
 * One call under test. op() makes the call and nothing else (no other
 * system call, no first touch of memory: either would count towards n);
 * returns 0 or -1 with errno set. prep() runs before each attempt and
 * after() after it, both unarmed: after() checks a success (and undoes
 * it) or checks that a failure left things as they were.
 */
struct fn_case {
	const char *name;
	void (*prep)(void);
	int (*op)(void);
	void (*after)(int ok);
};

static int fn_arm(unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	return pwrite(fnfd, buf, (size_t)len, 0) == len ? 0 : -1;
}

/*
 * Disarm; was the fault injected (the count reached zero inside the call)?
 * Reading the knob copies to user memory and may itself be the n-th
 * fault: then it fails, and the call under test did not reach n.
 */
static int fn_disarm(void)
{
	char buf[16] = "";
	ssize_t k = pread(fnfd, buf, sizeof(buf) - 1, 0);

	/* (a write may be the n-th too: then the count is zero already) */
	if (pwrite(fnfd, "0", 1, 0) != 1)
		(void)pwrite(fnfd, "0", 1, 0);
	if (k <= 0)
		return 0;
	buf[k] = '\0';
	return atoi(buf) == 0;
}

static long long pins_now(void)
{
	gu_vmstat_refresh();
	return gu_vmstat("nr_foll_pin_acquired") - gu_vmstat("nr_foll_pin_released");
}

/* What the driver and the kernel hold now is the baseline. */
static void rebaseline(void)
{
	base_buffers = gu_attr_int(0, "nr_buffers");
	base_pinned = gu_attr_int(0, "nr_pinned");
	base_vmpin = gu_status_kb("VmPin");
	base_pins = pins_now();
}

static void expect_baseline(const char *name, unsigned int n)
{
	int buffers = gu_attr_int(0, "nr_buffers"), pinned = gu_attr_int(0, "nr_pinned");
	long long vmpin = gu_status_kb("VmPin"), pins = pins_now();

	if (buffers != base_buffers || pinned != base_pinned || vmpin != base_vmpin ||
	    pins != base_pins)
		printf("    %s n=%u: left behind: nr_buffers %d (was %d), nr_pinned %d (was %d), "
		       "VmPin %lld kB (was %lld), pins %lld (was %lld)\n", name, n,
		       buffers, base_buffers, pinned, base_pinned, vmpin, base_vmpin,
		       pins, base_pins);
	CU_ASSERT_EQUAL(buffers, base_buffers);
	CU_ASSERT_EQUAL(pinned, base_pinned);
	CU_ASSERT_EQUAL(vmpin, base_vmpin);
	CU_ASSERT_EQUAL(pins, base_pins);
}

/*
 * DMA-API debug tracks mappings in a radix tree whose nodes it allocates
 * with GFP_ATOMIC while a mapping is made; if that allocation is the one
 * that fails, it turns itself off for the rest of the boot ("cacheline
 * tracking ENOMEM, dma-debug disabled"). A failing atomic radix-tree
 * allocation outside interrupts falls back to this CPU's preloaded nodes,
 * which idr_preload() tops up - and inotify_add_watch() calls it. So before
 * each armed call the pool is filled: the detector keeps watching.
 */
static int ino_fd = -1;

static void radix_preload(void)
{
	int wd;

	if (ino_fd < 0)
		return;
	wd = inotify_add_watch(ino_fd, "/tmp", IN_ATTRIB);
	if (wd >= 0)
		inotify_rm_watch(ino_fd, wd);
}

static void fail_each(const struct fn_case *c)
{
	unsigned int n, injected = 0, absorbed = 0, enomem = 0, efault = 0, other = 0;
	int finished = 0;

	if (fnfd < 0)
		EDUTEST_SKIP("no /proc/self/task/<tid>/fail-nth (kernel without CONFIG_FAULT_INJECTION)");
	for (n = 1; n <= MAX_N; n++) {
		size_t mark = gu_dmesg_mark();
		int rc, err, hit;
		char *bad;

		if (c->prep)
			c->prep();
		radix_preload();
		if (fn_arm(n)) {
			CU_FAIL("cannot write fail-nth");
			break;
		}
		rc = c->op();
		err = errno;
		hit = fn_disarm();
		if (hit) {
			injected++;
			if (rc == 0)
				absorbed++;
			else if (err == ENOMEM)
				enomem++;
			else if (err == EFAULT)
				efault++;
			else {
				other++;
				printf("    %s n=%u: failed with %s, not ENOMEM/EFAULT\n",
				       c->name, n, strerror(err));
			}
		} else if (rc) {
			printf("    %s: no fault injected (n=%u), yet: %s\n", c->name, n, strerror(err));
			CU_FAIL("the call failed without an injected fault");
		}
		if (c->after)
			c->after(rc == 0);
		expect_baseline(c->name, n);
		bad = gu_dmesg_problem_since(mark);
		if (bad)
			printf("    %s n=%u: kernel log: %s\n", c->name, n, bad);
		CU_ASSERT_PTR_NULL(bad);
		free(bad);
		if (!hit) {
			finished = 1;
			break;
		}
	}
	printf("    %s: %u fault points: %u ENOMEM, %u EFAULT, %u other, %u absorbed\n",
	       c->name, injected, enomem, efault, other, absorbed);
	CU_ASSERT(finished);
	CU_ASSERT_EQUAL(other, 0);
	CU_ASSERT(gu_device_works(0));
}

/* -------------------------------------------------------------- suite */

static int suite_init(void)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/task/%ld/fail-nth", (long)syscall(SYS_gettid));
	fnfd = open(path, O_RDWR | O_CLOEXEC);
	if (fnfd >= 0)
		knobs_set();
	ino_fd = inotify_init1(IN_CLOEXEC);
	fd = gu_open(0);
	if (fd < 0 || gu_alloc(fd, LEN, &cbuf_a) || gu_alloc(fd, LEN, &cbuf_b))
		return -1;
	ubuf_a = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ubuf_b = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ubuf_a == MAP_FAILED || ubuf_b == MAP_FAILED)
		return -1;
	map_slot = mmap(NULL, 4 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map_slot == MAP_FAILED)
		return -1;
	memset(ubuf_a, 1, 3 * PAGE);	/* populated: no page faults while armed */
	memset(ubuf_b, 2, 3 * PAGE);
	rebaseline();
	suite_vmpin = base_vmpin;	/* coherent buffers are charged like pins */
	return base_buffers < 0 || base_pinned < 0;
}

static int suite_cleanup(void)
{
	if (fnfd >= 0) {
		knobs_restore();
		close(fnfd);
		fnfd = -1;
	}
	if (ino_fd >= 0)
		close(ino_fd);
	ino_fd = -1;
	if (cbuf_a.map)
		gu_free(fd, &cbuf_a);
	if (cbuf_b.map)
		gu_free(fd, &cbuf_b);
	return close(fd);
}

/* ------------------------------------------------------------- the calls */

static int cur_fd = -1;
static uint32_t cur_handle;
static void *cur_map;
static union {
	struct edudma_info info;
	struct edudma_irq_test irq;
	struct edudma_factorial fact;
	struct edudma_alloc alloc;
	struct edudma_handle handle;
	struct edudma_pin pin;
	struct edudma_transfer xfer;
	struct edudma_copy copy;
	struct edudma_lab lab;
} req;

/* open(2) of the node: the driver's per-file state */
static int op_open(void)
{
	cur_fd = open("/dev/edudma0", O_RDWR | O_CLOEXEC);
	return cur_fd < 0 ? -1 : 0;
}

static void after_open(int ok)
{
	if (ok) {
		struct edudma_info i;

		CU_ASSERT_EQUAL(ioctl(cur_fd, EDUDMA_IOC_INFO, &i), 0);
		close(cur_fd);
	}
	cur_fd = -1;
}

static int op_info(void)
{
	return ioctl(fd, EDUDMA_IOC_INFO, &req.info);
}

static void prep_zero(void)
{
	memset(&req, 0, sizeof(req));
}

static void after_info(int ok)
{
	if (ok)
		CU_ASSERT_EQUAL(req.info.abi_version, EDUDMA_ABI_VERSION);
}

static int op_irq_test(void)
{
	return ioctl(fd, EDUDMA_IOC_IRQ_TEST, &req.irq);
}

static void after_irq_test(int ok)
{
	if (ok)
		CU_ASSERT_EQUAL(req.irq.seen, EDUDMA_IRQ_TEST_DEFAULT);
}

static void prep_fact(void)
{
	memset(&req, 0, sizeof(req));
	req.fact.n = 10;
}

static void prep_fact_poll(void)
{
	prep_fact();
	req.fact.flags = EDUDMA_FACT_POLL;
}

static int op_fact(void)
{
	return ioctl(fd, EDUDMA_IOC_FACTORIAL, &req.fact);
}

static void after_fact(int ok)
{
	if (ok)
		CU_ASSERT_EQUAL(req.fact.result, 3628800u);
}

static void prep_alloc(void)
{
	memset(&req, 0, sizeof(req));
	req.alloc.size = 3 * PAGE + 1;
}

static int op_alloc(void)
{
	return ioctl(fd, EDUDMA_IOC_ALLOC, &req.alloc);
}

/* A buffer ALLOC returned must be whole: mappable, zeroed, usable for DMA. */
static void after_alloc(int ok)
{
	uint8_t *p;
	size_t i, nonzero = 0;

	if (!ok)
		return;
	CU_ASSERT_EQUAL(req.alloc.alloc_size, 4 * PAGE);
	p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 (off_t)req.alloc.mmap_offset);
	CU_ASSERT_NOT_EQUAL_FATAL(p, MAP_FAILED);
	for (i = 0; i < 4 * PAGE; i++)
		nonzero += p[i] != 0;
	CU_ASSERT_EQUAL(nonzero, 0);
	munmap(p, 4 * PAGE);
	CU_ASSERT_EQUAL(gu_free_handle(fd, req.alloc.handle), 0);
}

/*
 * mmap(2) of a buffer. Always at the same address, over the same PROT_NONE
 * reservation (map_slot, made once): the allocations mmap makes - the vma,
 * the maple tree's nodes - then do not depend on where ASLR put things, and
 * a rerun meets the same fault points. The driver's ->mmap itself allocates
 * nothing and maps nothing: pages come at the first touch
 * (docs/driver-lifetime.md), so no fault point here allocates page tables.
 */
static void prep_mmap(void)
{
	prep_alloc();
	CU_ASSERT_EQUAL(op_alloc(), 0);
	cur_handle = req.alloc.handle;
}

static int op_mmap(void)
{
	cur_map = mmap(map_slot, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		       fd, (off_t)req.alloc.mmap_offset);
	return cur_map == MAP_FAILED ? -1 : 0;
}

static void after_mmap(int ok)
{
	if (ok)
		memset(cur_map, 0x5a, 4 * PAGE);
	/* back to the reservation, whatever a failed MAP_FIXED left there */
	CU_ASSERT_EQUAL(mmap(map_slot, 4 * PAGE, PROT_NONE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0), map_slot);
	CU_ASSERT_EQUAL(gu_free_handle(fd, cur_handle), 0);
}

/* FREE and UNPIN: a failed one leaves the handle valid, a good one kills it */
static void prep_free(void)
{
	prep_mmap();
	memset(&req, 0, sizeof(req));
	req.handle.handle = cur_handle;
}

static int op_free(void)
{
	return ioctl(fd, EDUDMA_IOC_FREE, &req.handle);
}

static void after_free(int ok)
{
	CU_ASSERT_EQUAL(gu_free_handle(fd, cur_handle), ok ? -ENOENT : 0);
}

static void prep_pin(void)
{
	memset(&req, 0, sizeof(req));
	req.pin.addr = (uintptr_t)ubuf_a + 100;
	req.pin.length = 2 * PAGE;	/* 3 pages */
	req.pin.access = RW;
}

static int op_pin(void)
{
	return ioctl(fd, EDUDMA_IOC_PIN, &req.pin);
}

static void after_pin(int ok)
{
	if (!ok)
		return;
	CU_ASSERT_EQUAL(req.pin.nr_pages, 3);
	CU_ASSERT_EQUAL(gu_unpin(fd, req.pin.handle), 0);
}

static void prep_unpin(void)
{
	prep_pin();
	CU_ASSERT_EQUAL(op_pin(), 0);
	cur_handle = req.pin.handle;
	memset(&req, 0, sizeof(req));
	req.handle.handle = cur_handle;
}

static int op_unpin(void)
{
	return ioctl(fd, EDUDMA_IOC_UNPIN, &req.handle);
}

static void after_unpin(int ok)
{
	CU_ASSERT_EQUAL(gu_unpin(fd, cur_handle), ok ? -ENOENT : 0);
}

/* TRANSFER: coherent buffer to the device, then back into user memory */
static void prep_xfer_to(void)
{
	memset(&req, 0, sizeof(req));
	gu_fill(cbuf_a.map, 4000, 77);
	req.xfer.mem = gu_handle_region(cbuf_a.handle, 0);
	req.xfer.length = 4000;
	req.xfer.direction = EDUDMA_DIR_TO_DEVICE;
}

static int op_xfer(void)
{
	return ioctl(fd, EDUDMA_IOC_TRANSFER, &req.xfer);
}

static void after_xfer_to(int ok)
{
	if (ok)
		CU_ASSERT_EQUAL(req.xfer.stats.bytes, 4000);
}

/* (the device buffer holds pattern 77 from the previous case and from prep) */
static void prep_xfer_from_user(void)
{
	prep_xfer_to();
	CU_ASSERT_EQUAL(op_xfer(), 0);
	memset(&req, 0, sizeof(req));
	memset(ubuf_b, 0, 3 * PAGE);
	req.xfer.mem = gu_user_region(ubuf_b + 300);
	req.xfer.length = 4000;
	req.xfer.direction = EDUDMA_DIR_FROM_DEVICE;
}

static void after_xfer_from_user(int ok)
{
	if (!ok)
		return;
	CU_ASSERT_EQUAL(req.xfer.stats.bytes, 4000);
	CU_ASSERT_EQUAL(gu_check(ubuf_b + 300, 4000, 77), (size_t)-1);
}

/* COPY: coherent -> coherent, user -> user, pinned -> pinned */
static int op_copy(void)
{
	return ioctl(fd, EDUDMA_IOC_COPY, &req.copy);
}

static void prep_copy_coherent(void)
{
	memset(&req, 0, sizeof(req));
	gu_fill(cbuf_a.map, LEN, 91);
	memset(cbuf_b.map, 0, LEN);
	req.copy.src = gu_handle_region(cbuf_a.handle, 0);
	req.copy.dst = gu_handle_region(cbuf_b.handle, 0);
	req.copy.length = LEN;
}

static void after_copy_coherent(int ok)
{
	if (ok)
		CU_ASSERT_EQUAL(gu_check(cbuf_b.map, LEN, 91), (size_t)-1);
}

static void prep_copy_user(void)
{
	memset(&req, 0, sizeof(req));
	gu_fill(ubuf_a + 10, LEN, 92);
	memset(ubuf_b, 0, 3 * PAGE);
	req.copy.src = gu_user_region(ubuf_a + 10);
	req.copy.dst = gu_user_region(ubuf_b + 4000);
	req.copy.length = LEN;
}

static void after_copy_user(int ok)
{
	if (ok)
		CU_ASSERT_EQUAL(gu_check(ubuf_b + 4000, LEN, 92), (size_t)-1);
}

static struct edudma_pin pin_src, pin_dst;

static void prep_copy_pinned(void)
{
	memset(&req, 0, sizeof(req));
	gu_fill(ubuf_a, LEN, 93);
	memset(ubuf_b, 0, 3 * PAGE);
	req.copy.src = gu_handle_region(pin_src.handle, 0);
	req.copy.dst = gu_handle_region(pin_dst.handle, 0);
	req.copy.length = LEN;
}

static void after_copy_pinned(int ok)
{
	if (ok)
		CU_ASSERT_EQUAL(gu_check(ubuf_b, LEN, 93), (size_t)-1);
}

/* ------------------------------------------------------------- the tests */

#define CASE(n, p, o, a) \
	static void test_##n(void) \
	{ \
		static const struct fn_case c = { #n, p, o, a }; \
		fail_each(&c); \
	}

CASE(open, NULL, op_open, after_open)
CASE(info, prep_zero, op_info, after_info)
CASE(irq_test, prep_zero, op_irq_test, after_irq_test)
CASE(factorial_irq, prep_fact, op_fact, after_fact)
CASE(factorial_poll, prep_fact_poll, op_fact, after_fact)
CASE(alloc, prep_alloc, op_alloc, after_alloc)
CASE(mmap, prep_mmap, op_mmap, after_mmap)
CASE(free, prep_free, op_free, after_free)
CASE(pin, prep_pin, op_pin, after_pin)
CASE(unpin, prep_unpin, op_unpin, after_unpin)
CASE(transfer_coherent, prep_xfer_to, op_xfer, after_xfer_to)
CASE(transfer_user, prep_xfer_from_user, op_xfer, after_xfer_from_user)
CASE(copy_coherent, prep_copy_coherent, op_copy, after_copy_coherent)
CASE(copy_user, prep_copy_user, op_copy, after_copy_user)

/* The pinned ranges stay registered during the case: the baseline. */
static void test_copy_pinned(void)
{
	static const struct fn_case c = { "copy_pinned", prep_copy_pinned, op_copy,
					  after_copy_pinned };

	if (fnfd < 0)
		EDUTEST_SKIP("no /proc/self/task/<tid>/fail-nth (kernel without CONFIG_FAULT_INJECTION)");
	CU_ASSERT_EQUAL_FATAL(gu_pin(fd, ubuf_a, LEN, EDUDMA_ACCESS_DEV_READ, &pin_src), 0);
	CU_ASSERT_EQUAL_FATAL(gu_pin(fd, ubuf_b, LEN, EDUDMA_ACCESS_DEV_WRITE, &pin_dst), 0);
	rebaseline();
	fail_each(&c);
	CU_ASSERT_EQUAL(gu_unpin(fd, pin_src.handle), 0);
	CU_ASSERT_EQUAL(gu_unpin(fd, pin_dst.handle), 0);
	rebaseline();
	CU_ASSERT_EQUAL(base_vmpin, suite_vmpin);	/* the pins' charge is back */
}

/*
 * The lab (root, module parameter lab=1, turned on for these cases): its
 * allocators and mappings. Sizes are small: the point is the error paths.
 */
static char lab_saved[8];

static int lab_on(void)
{
	if (gu_read_file("/sys/module/edudma/parameters/lab", lab_saved, sizeof(lab_saved)))
		return -1;
	return gu_write_file("/sys/module/edudma/parameters/lab", "1");
}

static void lab_off(void)
{
	gu_write_file("/sys/module/edudma/parameters/lab", lab_saved);
}

static struct edudma_lab lab_req;

static void prep_lab(void)
{
	memset(&req, 0, sizeof(req));
	req.lab = lab_req;
}

static int op_lab(void)
{
	return ioctl(fd, EDUDMA_IOC_LAB, &req.lab);
}

static void lab_case(const char *name, uint32_t experiment, uint32_t allocator,
		     uint32_t mapping, uint64_t size)
{
	const struct fn_case c = { name, prep_lab, op_lab, NULL };

	if (fnfd < 0)
		EDUTEST_SKIP("no /proc/self/task/<tid>/fail-nth (kernel without CONFIG_FAULT_INJECTION)");
	if (lab_on())
		EDUTEST_SKIP("cannot turn the lab on (/sys/module/edudma/parameters/lab)");
	memset(&lab_req, 0, sizeof(lab_req));
	lab_req.experiment = experiment;
	lab_req.allocator = allocator;
	lab_req.mapping = mapping;
	lab_req.pattern = experiment == EDUDMA_LAB_ACCESS ? EDUDMA_LAB_SEQ_READ : 0;
	lab_req.size = size;
	lab_req.iterations = 1;
	fail_each(&c);
	lab_off();
}

static void test_lab_alloc(void)
{
	static const uint32_t a[] = { EDUDMA_LAB_KMALLOC, EDUDMA_LAB_ALLOC_PAGES,
				      EDUDMA_LAB_DMA_COHERENT, EDUDMA_LAB_VMALLOC };
	static const char *const names[] = { "lab_alloc_kmalloc", "lab_alloc_pages",
					     "lab_alloc_coherent", "lab_alloc_vmalloc" };
	size_t i;

	for (i = 0; i < 4; i++)
		lab_case(names[i], EDUDMA_LAB_ALLOC, a[i], 0, 3 * PAGE);
}

static void test_lab_access(void)
{
	lab_case("lab_access_linear", EDUDMA_LAB_ACCESS, 0, EDUDMA_LAB_LINEAR_MAP, 64 * 1024);
	lab_case("lab_access_vmap", EDUDMA_LAB_ACCESS, 0, EDUDMA_LAB_VMAP, 64 * 1024);
}

static void test_lab_segments(void)
{
	static const uint32_t a[] = { EDUDMA_LAB_KMALLOC, EDUDMA_LAB_ALLOC_PAGES,
				      EDUDMA_LAB_DMA_COHERENT, EDUDMA_LAB_VMALLOC };
	static const char *const names[] = { "lab_segments_kmalloc", "lab_segments_pages",
					     "lab_segments_coherent", "lab_segments_vmalloc" };
	size_t i;

	for (i = 0; i < 4; i++)
		lab_case(names[i], EDUDMA_LAB_SEGMENTS, a[i], 0, 3 * PAGE);
}

/* ------------------------------------------------------------ probe */

/*
 * Probe under fault injection. Writing a device's address to the driver's
 * bind file runs probe in the writing task's context (PCI probes
 * synchronously, on this CPU in a one-node guest), so the task's fail-nth
 * reaches every allocation of probe: the structure, the minor, the name,
 * the BAR's resource and mapping, the interrupt vectors and handler, the
 * character device and its sysfs directory. For n = 1, 2, ... the device
 * is unbound, the n-th allocation of the bind write fails, and the attempt
 * must either bind a working device (the fault absorbed, or landing after
 * probe) or fail with a clean error and leave nothing behind: no driver
 * link, no node, no class entry, no interrupt, the BAR's region released,
 * the PCI device disabled, a clean kernel log - and the next bind works.
 * The loop ends at the first bind the n-th fault did not reach.
 *
 * With the legacy interrupt only (the module reloaded with force_intx=1 for
 * this suite, then back): Linux 6.1 cannot take a failed allocation inside
 * MSI vector setup - irq_insert_desc() ignores radix_tree_insert()'s
 * ENOMEM, and irq_domain_alloc_irqs_locked() then dereferences the missing
 * descriptor (a NULL-pointer oops in pci_alloc_irq_vectors(), found by this
 * test in its first version): a kernel bug, not the driver's, that would
 * kill the guest. INTx allocates no descriptor; the driver's own
 * interrupt error path (request_irq() failing) is reached either way.
 */
static char probe_addr[32];
static int bind_fd = -1, unbind_fd = -1;
static int probe_reloaded;		/* the module was reloaded with force_intx=1 */

static int module_reload(const char *extra)
{
	const char *env = getenv("EDUDMA_MODPARAMS");
	char params[512];

	snprintf(params, sizeof(params), "%s%s%s", env ? env : "",
		 env && *env && extra ? " " : "", extra ? extra : "");
	if (gu_module_unload())
		return -1;
	return gu_module_load(params) ? -1 : 0;
}

static int probe_suite_init(void)
{
	char path[64], intx[8] = "";

	snprintf(path, sizeof(path), "/proc/self/task/%ld/fail-nth", (long)syscall(SYS_gettid));
	fnfd = open(path, O_RDWR | O_CLOEXEC);
	if (fnfd >= 0)
		knobs_set();
	ino_fd = inotify_init1(IN_CLOEXEC);
	gu_read_file("/sys/module/edudma/parameters/force_intx", intx, sizeof(intx));
	if (fnfd >= 0 && strcmp(intx, "Y")) {
		if (module_reload("force_intx=1"))
			return -1;
		probe_reloaded = 1;
	}
	if (gu_pci_of(0, probe_addr, sizeof(probe_addr)))
		return -1;
	bind_fd = open("/sys/bus/pci/drivers/edudma/bind", O_WRONLY | O_CLOEXEC);
	unbind_fd = open("/sys/bus/pci/drivers/edudma/unbind", O_WRONLY | O_CLOEXEC);
	return bind_fd < 0 || unbind_fd < 0;
}

static int probe_suite_cleanup(void)
{
	char drv[64];

	if (fnfd >= 0) {
		knobs_restore();
		close(fnfd);
		fnfd = -1;
	}
	if (ino_fd >= 0)
		close(ino_fd);
	ino_fd = -1;
	/* never leave the device unbound for the suites after this one */
	gu_pci_driver(probe_addr, drv, sizeof(drv));
	if (strcmp(drv, "edudma") && bind_fd >= 0)
		(void)pwrite(bind_fd, probe_addr, strlen(probe_addr), 0);
	if (bind_fd >= 0)
		close(bind_fd);
	if (unbind_fd >= 0)
		close(unbind_fd);
	bind_fd = unbind_fd = -1;
	if (probe_reloaded && module_reload(NULL))
		return -1;
	probe_reloaded = 0;
	return 0;
}

/* Lines of a /proc file mentioning 'word'. */
static int count_mentions(const char *path, const char *word)
{
	char line[512];
	FILE *f = fopen(path, "r");
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n += strstr(line, word) != NULL;
	fclose(f);
	return n;
}

/* The edudma<N> of the device at 'addr', -1 if it has none. */
static int probe_index(void)
{
	char a[32];
	int i;

	for (i = 0; i < 64; i++)
		if (gu_pci_of(i, a, sizeof(a)) == 0 && !strcmp(a, probe_addr))
			return i;
	return -1;
}

/* Unbound as after a clean failure: nothing of the driver left on the device. */
static int probe_left_nothing(int nodes, int irqs, int regions)
{
	char drv[64], path[300], en[8] = "";
	struct stat st;
	int ok = 1;

	gu_pci_driver(probe_addr, drv, sizeof(drv));
	snprintf(path, sizeof(path), "/sys/bus/pci/drivers/edudma/%s", probe_addr);
	if (drv[0] || lstat(path, &st) == 0) {
		printf("    %s still bound (driver '%s')\n", probe_addr, drv);
		ok = 0;
	}
	if (probe_index() >= 0 || gu_count_nodes() != nodes) {
		printf("    a node is left: %d nodes, expected %d\n", gu_count_nodes(), nodes);
		ok = 0;
	}
	if (count_mentions("/proc/interrupts", "edudma") != irqs) {
		printf("    an interrupt handler is left\n");
		ok = 0;
	}
	if (count_mentions("/proc/iomem", "edudma") != regions) {
		printf("    a BAR region is left claimed\n");
		ok = 0;
	}
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/enable", probe_addr);
	if (gu_read_file(path, en, sizeof(en)) || strcmp(en, "0")) {
		printf("    the PCI device is left enabled (%s)\n", en);
		ok = 0;
	}
	return ok;
}

/* Bound and whole: a node, zero objects, IRQ self-test and a verified copy. */
static int probe_bound_works(void)
{
	int idx = probe_index(), f, ok;
	struct edudma_irq_test t = { 0 };

	if (idx < 0) {
		printf("    bound, but no node for %s\n", probe_addr);
		return 0;
	}
	f = gu_open(idx);
	ok = f >= 0 && ioctl(f, EDUDMA_IOC_IRQ_TEST, &t) == 0;
	if (f >= 0)
		close(f);
	ok = ok && gu_attr_int(idx, "nr_buffers") == 0 && gu_attr_int(idx, "nr_pinned") == 0 &&
	     gu_device_works(idx);
	if (!ok)
		printf("    edudma%d on %s does not work\n", idx, probe_addr);
	return ok;
}

static void test_probe(void)
{
	size_t len = strlen(probe_addr);
	unsigned int n, injected = 0, absorbed = 0, enomem = 0, ebusy = 0, efault = 0, other = 0;
	int finished = 0, nodes, irqs, regions, dirty = 0, broken = 0;

	if (fnfd < 0)
		EDUTEST_SKIP("no /proc/self/task/<tid>/fail-nth (kernel without CONFIG_FAULT_INJECTION)");
	printf("    binding %s (edudma%d) under fault injection\n", probe_addr, probe_index());
	CU_ASSERT_EQUAL_FATAL(pwrite(unbind_fd, probe_addr, len, 0), (ssize_t)len);
	/* the unbound baseline */
	nodes = gu_count_nodes();
	irqs = count_mentions("/proc/interrupts", "edudma");
	regions = count_mentions("/proc/iomem", "edudma");
	CU_ASSERT_FATAL(probe_left_nothing(nodes, irqs, regions));
	for (n = 1; n <= MAX_N; n++) {
		size_t mark = gu_dmesg_mark();
		ssize_t rc;
		int err, hit;
		char *bad;

		radix_preload();
		if (fn_arm(n)) {
			CU_FAIL("cannot write fail-nth");
			break;
		}
		rc = pwrite(bind_fd, probe_addr, len, 0);
		err = errno;
		hit = fn_disarm();
		if (hit) {
			injected++;
			if (rc == (ssize_t)len)
				absorbed++;
			else if (err == ENOMEM)
				enomem++;
			else if (err == EBUSY)	/* request_region() cannot say ENOMEM */
				ebusy++;
			else if (err == EFAULT)	/* the write's own copy from user */
				efault++;
			else {
				other++;
				printf("    probe n=%u: failed with %s, not ENOMEM/EBUSY/EFAULT\n", n,
				       strerror(err));
			}
		} else if (rc != (ssize_t)len) {
			printf("    probe: no fault injected (n=%u), yet: %s\n", n, strerror(err));
			CU_FAIL("the bind failed without an injected fault");
		}
		if (rc == (ssize_t)len) {
			if (!probe_bound_works())
				broken++;
		} else if (!probe_left_nothing(nodes, irqs, regions)) {
			printf("    probe n=%u (%s) left something behind\n", n, strerror(err));
			dirty++;
		}
		bad = gu_dmesg_problem_since(mark);
		if (bad)
			printf("    probe n=%u: kernel log: %s\n", n, bad);
		CU_ASSERT_PTR_NULL(bad);
		free(bad);
		if (!hit) {
			finished = rc == (ssize_t)len;
			break;
		}
		/* unbound again for the next attempt */
		if (rc == (ssize_t)len)
			CU_ASSERT_EQUAL_FATAL(pwrite(unbind_fd, probe_addr, len, 0), (ssize_t)len);
	}
	printf("    probe: %u fault points: %u ENOMEM, %u EBUSY, %u EFAULT, %u other, %u absorbed\n",
	       injected, enomem, ebusy, efault, other, absorbed);
	CU_ASSERT(finished);
	CU_ASSERT(injected > 0);
	CU_ASSERT(enomem > 0);		/* probe's own kzalloc() at least */
	CU_ASSERT_EQUAL(other, 0);
	CU_ASSERT_EQUAL(dirty, 0);
	CU_ASSERT_EQUAL(broken, 0);
	/* bound as before, as edudma0 again (the lowest free minor) */
	CU_ASSERT_EQUAL(probe_index(), 0);
	CU_ASSERT(gu_device_works(0));
}

static const struct edutest_case probe_cases[] = {
	{ "bind", test_probe },
	{ NULL, NULL }
};

static const struct edutest_case abi_cases[] = {
	{ "open", test_open },
	{ "info", test_info },
	{ "irq_test", test_irq_test },
	{ "factorial_irq", test_factorial_irq },
	{ "factorial_poll", test_factorial_poll },
	{ "alloc", test_alloc },
	{ "mmap", test_mmap },
	{ "free", test_free },
	{ "pin", test_pin },
	{ "unpin", test_unpin },
	{ "transfer_coherent", test_transfer_coherent },
	{ "transfer_user", test_transfer_user },
	{ "copy_coherent", test_copy_coherent },
	{ "copy_user", test_copy_user },
	{ "copy_pinned", test_copy_pinned },
	{ NULL, NULL }
};

static const struct edutest_case lab_cases[] = {
	{ "alloc", test_lab_alloc },
	{ "access", test_lab_access },
	{ "segments", test_lab_segments },
	{ NULL, NULL }
};

static const struct edutest_suite suites[] = {
	{ "abi", suite_init, suite_cleanup, abi_cases },
	{ "lab", suite_init, suite_cleanup, lab_cases },
	{ "probe", probe_suite_init, probe_suite_cleanup, probe_cases },
	{ NULL, NULL, NULL, NULL }
};

int main(int argc, char **argv)
{
	return edutest_main(argc, argv, "failnth", suites);
}
