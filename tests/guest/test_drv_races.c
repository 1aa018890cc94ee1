/* SPDX-License-Identifier: MIT */
/*
 * Lifetime races of the driver, each driven with two threads or processes
 * through the window it names. Most of these windows are a few
 * instructions wide: on the stock kernel (one vCPU, no kernel preemption)
 * the old bugs seldom showed, under the debug kernel (PREEMPT, KASAN,
 * make check-debug) they did - there a use-after-free is a KASAN report in
 * the kernel log, which fails the boot. Where a symptom is visible from
 * userspace (a mapping that outlives removal, a wrong result, a refused
 * parameter, a device left armed after unbind) the test asserts it itself.
 *
 *  publish_*          ALLOC/PIN finish their reply before the handle exists
 *  mmap_vs_remove     no mapping made during remove() survives it
 *  lab_kmalloc        the lab maps a kmalloc object's own bytes
 *  timeout_bounds     timeout_ms is bounded; a short per-call timeout never
 *                     wedges the device or leaks a buffer
 *  unbind_quiesces    after unbind the device can neither master the bus
 *                     nor raise an interrupt
 *  pin_vs_mmap_fixed  page cache slipped under a writable pin is refused
 *  factorial_stale_irq  a signalled factorial's interrupt never completes
 *                     the next caller's computation
 *  irq_all_ones       a status of all ones is acknowledged, not dropped
 *  unbind_vs_factorial  factorial callers do not hold up an unbind
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/edutest.h"
#include "guest_util.h"

#define PAGE 4096u
#define MiB (1u << 20)

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

static int wait_nodes(int nodes)
{
	int i;

	for (i = 0; i < 200 && gu_count_nodes() < nodes; i++)
		usleep(10000);
	return gu_count_nodes() >= nodes ? 0 : -1;
}

static int pci_write(const char *pci, const char *file, const char *what)
{
	char path[160];

	if (pci)
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", pci, file);
	else
		snprintf(path, sizeof(path), "/sys/bus/pci/%s", file);
	return gu_write_file(path, what);
}

static int driver_write(const char *file, const char *pci)
{
	char path[160];

	snprintf(path, sizeof(path), "/sys/bus/pci/drivers/edudma/%s", file);
	return gu_write_file(path, pci);
}

/*
 * A 32-bit register of the device through sysfs resource0 (iomem=relaxed;
 * a memory BAR's file can only be mapped, not read).
 */
static int bar_read32(const char *pci, unsigned int reg, uint32_t *val)
{
	volatile uint32_t *bar;
	char path[160];
	int f;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0", pci);
	f = open(path, O_RDWR | O_SYNC);
	if (f < 0)
		return -errno;
	bar = mmap(NULL, 4096, PROT_READ, MAP_SHARED, f, 0);
	close(f);
	if (bar == MAP_FAILED)
		return -errno;
	*val = bar[reg / 4];
	munmap((void *)bar, 4096);
	return 0;
}

static int config_read16(const char *pci, unsigned int off, uint16_t *val)
{
	char path[160];
	int f;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", pci);
	f = open(path, O_RDONLY);
	if (f < 0)
		return -errno;
	n = pread(f, val, 2, off);
	close(f);
	return n == 2 ? 0 : -EIO;
}

static int factorial(int fd, uint32_t n, uint32_t flags, struct edudma_factorial *f)
{
	memset(f, 0, sizeof(*f));
	f->n = n;
	f->flags = flags;
	return ioctl(fd, EDUDMA_IOC_FACTORIAL, f) ? -errno : 0;
}

static uint32_t fact_mod32(uint32_t n)
{
	uint32_t r = 1;

	while (n > 1)
		r *= n--;
	return r;
}

/* Configurations whose first device is not on edudma or cannot be unbound. */
static int no_unplug_here(void)
{
	return gu_config_is("vfio") || gu_config_is("udev");
}

/* ------------------------------------------------------------------ */
/* publish: the reply must not be read from an object another thread may
 * already have freed through its (predictable) handle. */

struct dropper {
	int fd;
	unsigned long ioc;
	atomic_int stop;
	atomic_ulong dropped;
};

/* Drop every handle number near the newest one, as fast as possible. */
static void *drop_loop(void *arg)
{
	struct dropper *d = arg;
	uint32_t h = 1;

	while (!atomic_load(&d->stop)) {
		struct edudma_handle req = { .handle = h };

		if (ioctl(d->fd, d->ioc, &req) == 0) {
			atomic_fetch_add(&d->dropped, 1);
			h++;
		} else if (errno == ENOENT) {
			/* not published yet: try it again, and the next one */
			req.handle = h + 1;
			if (ioctl(d->fd, d->ioc, &req) == 0) {
				atomic_fetch_add(&d->dropped, 1);
				h += 2;
			}
		}
		sched_yield();
	}
	return NULL;
}

#define PUBLISH_ROUNDS 3000

static void test_publish_alloc(void)
{
	struct dropper d = { .ioc = EDUDMA_IOC_FREE };
	unsigned long bad = 0, ok = 0, i;
	pthread_t t;

	d.fd = gu_open(0);
	CU_ASSERT_FATAL(d.fd >= 0);
	CU_ASSERT_FATAL(pthread_create(&t, NULL, drop_loop, &d) == 0);
	for (i = 0; i < PUBLISH_ROUNDS; i++) {
		struct edudma_alloc a = { .size = 3 * PAGE + 1 };

		if (ioctl(d.fd, EDUDMA_IOC_ALLOC, &a))
			continue;
		ok++;
		if (a.alloc_size != 4 * PAGE || a.mmap_offset == 0 || a.handle == 0) {
			if (bad++ < 5)
				printf("    reply read from a freed object? handle %u size %llu offset 0x%llx\n",
				       a.handle, (unsigned long long)a.alloc_size,
				       (unsigned long long)a.mmap_offset);
		}
	}
	atomic_store(&d.stop, 1);
	pthread_join(t, NULL);
	printf("    %lu ALLOCs, %lu freed by the other thread\n", ok,
	       atomic_load(&d.dropped));
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT(ok > 0);
	close(d.fd);
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_buffers"), 0);
}

static void test_publish_pin(void)
{
	struct dropper d = { .ioc = EDUDMA_IOC_UNPIN };
	unsigned long bad = 0, ok = 0, i;
	uint8_t *mem = aligned_alloc(PAGE, 8 * PAGE);
	pthread_t t;

	CU_ASSERT_FATAL(mem != NULL);
	memset(mem, 1, 8 * PAGE);
	d.fd = gu_open(0);
	CU_ASSERT_FATAL(d.fd >= 0);
	CU_ASSERT_FATAL(pthread_create(&t, NULL, drop_loop, &d) == 0);
	for (i = 0; i < PUBLISH_ROUNDS; i++) {
		struct edudma_pin p;

		if (gu_pin(d.fd, mem + 100, 5 * PAGE, EDUDMA_ACCESS_DEV_READ, &p))
			continue;
		ok++;
		/* 100 + 5 pages spans 6 pages */
		if (p.nr_pages != 6 || p.nr_cpu_segments < 1 || p.nr_cpu_segments > 6 ||
		    p.nr_dma_segments < 1 || p.nr_dma_segments > 6) {
			if (bad++ < 5)
				printf("    reply read from a freed object? pages %u cpu %u dma %u\n",
				       p.nr_pages, p.nr_cpu_segments, p.nr_dma_segments);
		}
	}
	atomic_store(&d.stop, 1);
	pthread_join(t, NULL);
	printf("    %lu PINs, %lu unpinned by the other thread\n", ok,
	       atomic_load(&d.dropped));
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT(ok > 0);
	close(d.fd);
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_pinned"), 0);
	free(mem);
}

/* ------------------------------------------------------------------ */
/* mmap racing remove(): every mapping of a removed device's buffer must
 * fault (SIGBUS), none may still reach the freed pages. */

static sigjmp_buf touch_env;

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(touch_env, 1);
}

/* 1: the read faulted; 0: it returned *val. */
static int touch(volatile uint32_t *p, uint32_t *val)
{
	if (sigsetjmp(touch_env, 1))
		return 1;
	*val = *p;
	return 0;
}

#define MAX_MAPS 2048

/*
 * The child: map the buffer again and again, keeping every mapping, until
 * the parent says remove() has returned; then every one of them must fault.
 * Exit status: 0 fine, 1 a mapping outlived removal, 2 setup.
 */
static int mmap_child(int fd, uint64_t off, size_t len, atomic_int *removed)
{
	static volatile uint32_t *maps[MAX_MAPS];
	struct sigaction sa = { .sa_handler = on_sigbus };
	int n = 0, i, live = 0;

	sigaction(SIGBUS, &sa, NULL);
	while (!atomic_load(removed) && n < MAX_MAPS) {
		void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)off);

		if (p == MAP_FAILED) {
			if (errno != ENODEV)
				return 2;
			break;	/* refused: the device is going */
		}
		maps[n++] = p;
	}
	/* remove() has returned (or is about to): wait until it has */
	while (!atomic_load(removed))
		usleep(1000);
	for (i = 0; i < n; i++) {
		uint32_t v;

		if (!touch(maps[i], &v)) {
			if (live++ < 3)
				printf("    mapping %d of %d still reads 0x%08x after remove()\n",
				       i, n, v);
		}
	}
	printf("    %d mappings made around remove(), %d still live\n", n, live);
	return live ? 1 : 0;
}

#define REMOVE_CYCLES 12

static void test_mmap_vs_remove(void)
{
	int cycle, failures = 0, nodes = gu_count_nodes();

	if (no_unplug_here())
		EDUTEST_SKIP("the device is not ours to remove in this configuration");
	for (cycle = 0; cycle < REMOVE_CYCLES; cycle++) {
		atomic_int *removed = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
					   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		struct gu_buf b;
		char pci[64];
		pid_t child;
		int fd, st;

		CU_ASSERT_FATAL(removed != MAP_FAILED);
		atomic_store(removed, 0);
		CU_ASSERT_FATAL(gu_pci_of(0, pci, sizeof(pci)) == 0);
		fd = gu_open(0);
		CU_ASSERT_FATAL(fd >= 0);
		CU_ASSERT_FATAL(gu_alloc(fd, 4 * MiB, &b) == 0);
		memset(b.map, 0x5a, 4 * MiB);
		child = fork();
		if (child == 0)
			_exit(mmap_child(fd, b.mmap_offset, 4 * MiB, removed));
		/* let the child get going, then remove under its feet */
		usleep(2000 + 1000 * cycle);
		CU_ASSERT_EQUAL(pci_write(pci, "remove", "1"), 0);
		atomic_store(removed, 1);
		st = gu_wait_child(child);
		if (st != 0) {
			printf("    cycle %d: child status %d\n", cycle, st);
			failures++;
		}
		/* our own mapping of the removed device faults too */
		{
			struct sigaction sa = { .sa_handler = on_sigbus }, old;
			uint32_t v;

			sigaction(SIGBUS, &sa, &old);
			if (!touch((volatile uint32_t *)b.map, &v)) {
				printf("    cycle %d: the parent's mapping reads 0x%08x\n", cycle, v);
				failures++;
			}
			sigaction(SIGBUS, &old, NULL);
		}
		munmap(b.map, 4 * MiB);
		close(fd);
		munmap(removed, PAGE);
		CU_ASSERT_EQUAL_FATAL(pci_write(NULL, "rescan", "1"), 0);
		CU_ASSERT_EQUAL_FATAL(wait_nodes(nodes), 0);
	}
	CU_ASSERT_EQUAL(failures, 0);
	CU_ASSERT_TRUE(gu_device_works(0));
}

/* ------------------------------------------------------------------ */
/* The lab's segments experiment on kmalloc objects of every odd size. */

static void test_lab_kmalloc(void)
{
	const char *param = "/sys/module/edudma/parameters/lab";
	char was[8] = "";
	unsigned long size, bad = 0, runs = 0;
	int fd;

	if (gu_read_file(param, was, sizeof(was)))
		EDUTEST_SKIP("no lab parameter");
	CU_ASSERT_EQUAL_FATAL(gu_write_file(param, "1"), 0);
	fd = gu_open(0);
	CU_ASSERT_FATAL(fd >= 0);
	for (size = 24; size <= 3000; size += 3) {
		struct edudma_lab r = {
			.experiment = EDUDMA_LAB_SEGMENTS,
			.allocator = EDUDMA_LAB_KMALLOC,
			.size = size,
			.iterations = 1,
		};
		int ret = ioctl(fd, EDUDMA_IOC_LAB, &r) ? -errno : 0;

		runs++;
		/* ERANGE: memory beyond a 28-bit device's reach, no bounce pool */
		if (ret == -ERANGE)
			continue;
		if (ret || r.nr_pages < 1 || r.nr_pages > 2 ||
		    r.nr_dma_segments < 1 || r.nr_dma_segments > r.nr_pages) {
			if (bad++ < 5)
				printf("    kmalloc(%lu): %s, pages %u cpu %u dma %u\n", size,
				       strerror(-ret), r.nr_pages, r.nr_cpu_segments,
				       r.nr_dma_segments);
		}
	}
	close(fd);
	gu_write_file(param, was[0] == 'Y' || was[0] == '1' ? "1" : "0");
	printf("    %lu kmalloc sizes mapped\n", runs);
	CU_ASSERT_EQUAL(bad, 0);
}

/* ------------------------------------------------------------------ */
/* timeout_ms: bounded at load; a short per-call timeout never wedges. */

static int load_with(const char *extra)
{
	const char *env = getenv("EDUDMA_MODPARAMS");
	char params[256];

	snprintf(params, sizeof(params), "%s %s", env ? env : "", extra);
	return gu_module_load(params);
}

static void test_timeout_bounds(void)
{
	static const char *const refused[] = { "timeout_ms=10", "timeout_ms=0",
					       "timeout_ms=858993460" };
	int nodes = gu_count_nodes(), fd, i, ret;
	struct edudma_transfer t;
	struct gu_buf b;

	if (no_unplug_here())
		EDUTEST_SKIP("the module is not ours to reload in this configuration");
	CU_ASSERT_EQUAL_FATAL(gu_module_unload(), 0);
	for (i = 0; i < 3; i++) {
		size_t mark = gu_dmesg_mark();

		ret = load_with(refused[i]);
		if (ret == 0) {
			printf("    %s was accepted\n", refused[i]);
			/* show what it does: one transfer, then the buffer count */
			fd = gu_open(0);
			if (fd >= 0 && gu_alloc(fd, PAGE, &b) == 0) {
				ret = gu_transfer(fd, b.handle, 0, 100, EDUDMA_DIR_TO_DEVICE, 0, NULL);
				printf("    a transfer under it: %s\n", strerror(-ret));
				gu_free(fd, &b);
				close(fd);
				printf("    buffers left: %d\n", gu_attr_int(0, "nr_buffers"));
			}
			gu_module_unload();
		} else {
			CU_ASSERT(gu_dmesg_since_contains(mark, "timeout_ms"));
		}
		CU_ASSERT_EQUAL(ret, -EINVAL);
	}
	CU_ASSERT_EQUAL_FATAL(gu_module_load(NULL), 0);
	CU_ASSERT_EQUAL_FATAL(wait_nodes(nodes), 0);

	/* per call: 1 ms is shorter than one edu command (100 ms) */
	fd = gu_open(0);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(gu_alloc(fd, 64 * 1024, &b) == 0);
	memset(&t, 0, sizeof(t));
	t.mem.handle = b.handle;
	t.length = 64 * 1024;
	t.direction = EDUDMA_DIR_TO_DEVICE;
	t.timeout_ms = 1;
	ret = ioctl(fd, EDUDMA_IOC_TRANSFER, &t) ? -errno : 0;
	printf("    64 KiB with a 1 ms timeout: %s after %llu bytes\n",
	       ret ? strerror(-ret) : "done", (unsigned long long)t.stats.bytes);
	CU_ASSERT(ret == 0 || ret == -ETIMEDOUT);
	CU_ASSERT_EQUAL(gu_free(fd, &b), 0);
	close(fd);
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_buffers"), 0);
	CU_ASSERT_TRUE(gu_device_works(0));
}

/* ------------------------------------------------------------------ */
/* After unbind (remove() without the device leaving the bus): bus
 * mastering off, INTx disabled, no factorial interrupt armed - checked
 * through config space and BAR0 while a factorial is still computing. */

#define EDU_REG_STATUS		0x20
#define EDU_REG_IRQ_STATUS	0x24
#define EDU_STATUS_COMPUTING	0x01u
#define EDU_STATUS_FACT_IRQ	0x80u
#define PCI_COMMAND_OFF		0x04
#define PCI_CMD_MASTER		0x4
#define PCI_CMD_INTX_DISABLE	0x400

struct fact_job {
	int fd;
	uint32_t n;
	int ret;
	struct edudma_factorial f;
	int64_t ns;
};

static void *fact_thread(void *arg)
{
	struct fact_job *j = arg;
	int64_t t0 = gu_now_ns();

	j->ret = factorial(j->fd, j->n, 0, &j->f);
	j->ns = gu_now_ns() - t0;
	return NULL;
}

/* The guest time one factorial of n takes here (QEMU computes it in a host thread). */
static int64_t fact_time(int fd, uint32_t n)
{
	struct fact_job j = { .fd = fd, .n = n };

	fact_thread(&j);
	return j.ret ? -1 : j.ns;
}

/*
 * A factorial that keeps the unit busy for seconds: QEMU computes it in a
 * host thread while guest time runs on (about 20 s of guest time under
 * make check's icount), well inside the driver's 60 s busy allowance.
 */
#define BIG_N 200000000u

static void test_unbind_quiesces(void)
{
	struct fact_job j = { 0 };
	uint32_t status = 0, irq = 0;
	uint16_t cmd = 0;
	pthread_t t;
	char pci[64];
	int nodes = gu_count_nodes(), i;

	if (no_unplug_here())
		EDUTEST_SKIP("the device is not ours to unbind in this configuration");
	CU_ASSERT_FATAL(gu_pci_of(0, pci, sizeof(pci)) == 0);
	j.fd = gu_open(0);
	j.n = BIG_N;
	CU_ASSERT_FATAL(j.fd >= 0);
	CU_ASSERT_FATAL(pthread_create(&t, NULL, fact_thread, &j) == 0);
	usleep(20000);	/* the computation runs, its interrupt armed */
	CU_ASSERT_EQUAL(driver_write("unbind", pci), 0);
	pthread_join(t, NULL);
	printf("    factorial caller: %s\n", j.ret ? strerror(-j.ret) : "done");
	close(j.fd);

	CU_ASSERT_EQUAL(config_read16(pci, PCI_COMMAND_OFF, &cmd), 0);
	CU_ASSERT_EQUAL(bar_read32(pci, EDU_REG_STATUS, &status), 0);
	printf("    after unbind: command 0x%04x, status 0x%08x\n", cmd, status);
	CU_ASSERT_EQUAL(cmd & PCI_CMD_MASTER, 0);
	CU_ASSERT_EQUAL(status & EDU_STATUS_FACT_IRQ, 0);
	/* let the computation end: it must raise nothing */
	for (i = 0; i < 600 && !bar_read32(pci, EDU_REG_STATUS, &status) &&
		    (status & EDU_STATUS_COMPUTING); i++)
		usleep(100000);
	CU_ASSERT_EQUAL(bar_read32(pci, EDU_REG_IRQ_STATUS, &irq), 0);
	printf("    computation %s, interrupt status 0x%08x\n",
	       status & EDU_STATUS_COMPUTING ? "still running" : "ended", irq);
	CU_ASSERT_EQUAL(irq, 0);
	CU_ASSERT_EQUAL(driver_write("bind", pci), 0);
	CU_ASSERT_EQUAL_FATAL(wait_nodes(nodes), 0);
	CU_ASSERT_TRUE(gu_device_works(0));
}

/* Callers waiting on the factorial unit must not hold an unbind for long. */
static void test_unbind_vs_factorial(void)
{
	enum { N = 4 };
	struct fact_job j[N];
	pthread_t t[N];
	int64_t one, t0, took;
	char pci[64];
	int nodes = gu_count_nodes(), i, fd;

	if (no_unplug_here())
		EDUTEST_SKIP("the device is not ours to unbind in this configuration");
	if (gu_is_edusg(0))
		EDUTEST_SKIP("edu's factorial unit: edu-sg has none (ENOTTY, "
			     "test_drv_basic factorial.absent_on_edusg)");
	CU_ASSERT_FATAL(gu_pci_of(0, pci, sizeof(pci)) == 0);
	fd = gu_open(0);
	CU_ASSERT_FATAL(fd >= 0);
	one = fact_time(fd, BIG_N);
	close(fd);
	printf("    one factorial of %u: %.2f s guest time\n", BIG_N, one / 1e9);
	if (one < 500000000)
		EDUTEST_SKIP("the factorial unit is too fast here to hold anything up");
	for (i = 0; i < N; i++) {
		j[i] = (struct fact_job){ .fd = gu_open(0), .n = BIG_N };
		CU_ASSERT_FATAL(j[i].fd >= 0);
		CU_ASSERT_FATAL(pthread_create(&t[i], NULL, fact_thread, &j[i]) == 0);
	}
	usleep(20000);
	t0 = gu_now_ns();
	CU_ASSERT_EQUAL(driver_write("unbind", pci), 0);
	took = gu_now_ns() - t0;
	for (i = 0; i < N; i++) {
		pthread_join(t[i], NULL);
		CU_ASSERT(j[i].ret == 0 || j[i].ret == -ENODEV);
		close(j[i].fd);
	}
	printf("    unbind with %d factorial callers took %.2f s\n", N, took / 1e9);
	CU_ASSERT(took < one / 2);
	CU_ASSERT_EQUAL(driver_write("bind", pci), 0);
	CU_ASSERT_EQUAL_FATAL(wait_nodes(nodes), 0);
	/* the unit may still be computing: the next caller waits for it */
	CU_ASSERT_TRUE(gu_device_works(0));
}

/* ------------------------------------------------------------------ */
/* A writable pin racing mmap(MAP_FIXED) of page cache over its range. */

struct flipper {
	uint8_t *addr;
	int file;
	atomic_int stop;
	unsigned long flips;
};

static void *flip_loop(void *arg)
{
	struct flipper *f = arg;

	while (!atomic_load(&f->stop)) {
		mmap(f->addr, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		     f->file, 0);
		mmap(f->addr, PAGE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		f->flips++;
	}
	return NULL;
}

static void test_pin_vs_mmap_fixed(void)
{
	const char *dir = "/tmp/edudma-races-ramfs", *path = "/tmp/edudma-races-ramfs/f";
	struct flipper fl = { 0 };
	unsigned long pins = 0, refused = 0, other = 0, i;
	uint8_t page[PAGE], pattern[PAGE];
	struct gu_buf src;
	pthread_t t;
	int fd, written = 0;
	int64_t end;

	mkdir(dir, 0700);
	CU_ASSERT_EQUAL_FATAL(mount("none", dir, "ramfs", 0, NULL), 0);
	fl.file = open(path, O_RDWR | O_CREAT, 0600);
	CU_ASSERT_FATAL(fl.file >= 0);
	CU_ASSERT_EQUAL(ftruncate(fl.file, PAGE), 0);
	fl.addr = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CU_ASSERT_FATAL(fl.addr != MAP_FAILED);
	fd = gu_open(0);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(gu_alloc(fd, PAGE, &src) == 0);
	memset(src.map, 0x77, PAGE);
	memset(pattern, 0x77, PAGE);

	CU_ASSERT_FATAL(pthread_create(&t, NULL, flip_loop, &fl) == 0);
	end = gu_now_ns() + 8000000000LL;
	for (i = 0; gu_now_ns() < end; i++) {
		struct edudma_pin p;
		int ret = gu_pin(fd, fl.addr, PAGE, EDUDMA_ACCESS_DEV_WRITE, &p);

		if (ret) {
			if (refused++ == 0 || (ret != -EOPNOTSUPP && ret != -EFAULT &&
					       other++ < 3))
				printf("    PIN refused: %s\n", strerror(-ret));
			continue;
		}
		pins++;
		/* the device writes the pinned pages, whatever they are */
		gu_copy_regions(fd, &(struct edudma_region){ .handle = src.handle },
				&(struct edudma_region){ .handle = p.handle }, PAGE, NULL);
		gu_unpin(fd, p.handle);
		if (pread(fl.file, page, PAGE, 0) == PAGE && !memcmp(page, pattern, 16)) {
			written = 1;
			break;
		}
	}
	atomic_store(&fl.stop, 1);
	pthread_join(t, NULL);
	printf("    %lu writable pins, %lu refused, %lu remaps\n", pins, refused, fl.flips);
	/* the device never wrote the file's page cache */
	CU_ASSERT_FALSE(written);
	CU_ASSERT(pread(fl.file, page, PAGE, 0) == PAGE && memcmp(page, pattern, 16));
	gu_free(fd, &src);
	close(fd);
	munmap(fl.addr, PAGE);
	close(fl.file);
	umount(dir);
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_pinned"), 0);
}

/* ------------------------------------------------------------------ */
/* A factorial stopped by a signal leaves its interrupt to come; the next
 * caller must still get its own result. */

static void on_usr1(int sig)
{
	(void)sig;
}

#define STALE_ROUNDS 4
#define STALE_N 50000000u

static void test_factorial_stale_irq(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };	/* no SA_RESTART */
	int fd = gu_open(0), round, wrong = 0, interrupted = 0;
	int64_t one;

	CU_ASSERT_FATAL(fd >= 0);
	if (gu_is_edusg(0)) {
		close(fd);
		EDUTEST_SKIP("edu's factorial unit: edu-sg has none (ENOTTY, "
			     "test_drv_basic factorial.absent_on_edusg)");
	}
	sigaction(SIGUSR1, &sa, NULL);
	one = fact_time(fd, STALE_N);
	printf("    factorial of %u: %.3f s guest time\n", STALE_N, one / 1e9);
	for (round = 0; round < STALE_ROUNDS; round++) {
		struct fact_job j = { .fd = fd, .n = STALE_N };
		struct edudma_factorial f;
		pthread_t t;
		int ret;

		CU_ASSERT_FATAL(pthread_create(&t, NULL, fact_thread, &j) == 0);
		usleep(one > 0 ? (useconds_t)(one / 4000) : 10000);
		pthread_kill(t, SIGUSR1);
		pthread_join(t, NULL);
		interrupted += j.ret == -EINTR;
		/* at once: waits for the abandoned computation, then runs ours */
		ret = factorial(fd, 12 + round % 3, 0, &f);
		CU_ASSERT_EQUAL(ret, 0);
		if (!ret && f.result != fact_mod32(12 + round % 3)) {
			printf("    round %d: %u! = %u, expected %u\n", round,
			       12 + round % 3, f.result, fact_mod32(12 + round % 3));
			wrong++;
		}
	}
	printf("    %d of %d long factorials interrupted by the signal\n",
	       interrupted, STALE_ROUNDS);
	CU_ASSERT_EQUAL(wrong, 0);
	close(fd);
}

/* ------------------------------------------------------------------ */
/* IRQ_TEST may raise every bit but the driver's; with a DMA and a
 * factorial completion pending the status reads all ones. */

struct hammer {
	int fd;
	atomic_int stop;
	int failures;
	unsigned long rounds;
};

static uint32_t irq_all_value = 0xfffffefeu;	/* every bit but edu's own */

static void *irq_hammer(void *arg)
{
	struct hammer *h = arg;

	while (!atomic_load(&h->stop)) {
		struct edudma_irq_test t = { .value = irq_all_value };

		if (ioctl(h->fd, EDUDMA_IOC_IRQ_TEST, &t)) {
			if (h->failures++ < 3)
				printf("    IRQ self-test: %s (seen 0x%08x)\n", strerror(errno), t.seen);
		}
		h->rounds++;
	}
	return NULL;
}

static void *fact_hammer(void *arg)
{
	struct hammer *h = arg;

	while (!atomic_load(&h->stop)) {
		struct edudma_factorial f;

		if (factorial(h->fd, 10, 0, &f) || f.result != 3628800) {
			if (h->failures++ < 3)
				printf("    factorial: %s (result %u)\n", strerror(errno), f.result);
		}
		h->rounds++;
	}
	return NULL;
}

static void test_irq_all_ones(void)
{
	struct hammer hi = { 0 }, hf = { 0 };
	unsigned long copies = 0, bad = 0;
	struct gu_buf a, b;
	pthread_t ti, tf;
	int fd, sg;
	int64_t end;

	fd = gu_open(0);
	CU_ASSERT_FATAL(fd >= 0);
	hi.fd = hf.fd = fd;
	/*
	 * edu-sg: every software bit (31:16) with descriptors completing
	 * (DONE); no factorial unit, so no factorial hammer.
	 */
	sg = gu_is_edusg(0);
	irq_all_value = sg ? 0xffff0000u : 0xfffffefeu;
	CU_ASSERT_FATAL(gu_alloc(fd, PAGE, &a) == 0);
	CU_ASSERT_FATAL(gu_alloc(fd, PAGE, &b) == 0);
	CU_ASSERT_FATAL(pthread_create(&ti, NULL, irq_hammer, &hi) == 0);
	if (!sg)
		CU_ASSERT_FATAL(pthread_create(&tf, NULL, fact_hammer, &hf) == 0);
	end = gu_now_ns() + 10000000000LL;
	while (gu_now_ns() < end) {
		gu_fill(a.map, 64, (uint32_t)copies);
		if (gu_copy(fd, a.handle, 0, b.handle, 0, 64, NULL) ||
		    gu_check(b.map, 64, (uint32_t)copies) != (size_t)-1)
			bad++;
		copies++;
	}
	atomic_store(&hi.stop, 1);
	atomic_store(&hf.stop, 1);
	pthread_join(ti, NULL);
	if (!sg)
		pthread_join(tf, NULL);
	printf("    %lu copies (%lu failed), %lu self-tests (%d failed), %lu factorials (%d failed)\n",
	       copies, bad, hi.rounds, hi.failures, hf.rounds, hf.failures);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(hi.failures, 0);
	CU_ASSERT_EQUAL(hf.failures, 0);
	gu_free(fd, &a);
	gu_free(fd, &b);
	close(fd);
}

static const struct edutest_case cases[] = {
	{ "publish_alloc", test_publish_alloc },
	{ "publish_pin", test_publish_pin },
	{ "lab_kmalloc", test_lab_kmalloc },
	{ "pin_vs_mmap_fixed", test_pin_vs_mmap_fixed },
	{ "factorial_stale_irq", test_factorial_stale_irq },
	{ "irq_all_ones", test_irq_all_ones },
	{ "timeout_bounds", test_timeout_bounds },
	{ "unbind_quiesces", test_unbind_quiesces },
	{ "unbind_vs_factorial", test_unbind_vs_factorial },
	{ "mmap_vs_remove", test_mmap_vs_remove },
	{ NULL, NULL }
};

static const struct edutest_suite suites[] = {
	{ "races", NULL, NULL, cases },
	{ NULL, NULL, NULL, NULL }
};

int main(int argc, char **argv)
{
	return edutest_main(argc, argv, "drv_races", suites);
}
