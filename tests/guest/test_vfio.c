// SPDX-License-Identifier: MIT
/*
 * The VFIO backend beyond the shared library suites (which test_lib_dma
 * and test_lib_threads run on it with LIBDMA_TEST_DEVICE=vfio): what only
 * VFIO has. Runs in the vfio configuration after test_vfio_bind left the
 * first root-bus edu bound to vfio-pci, and ends by binding it back.
 *
 *   - info, self-tests and dmactl through "vfio:<address>"
 *   - one process at a time: a second gets -EBUSY naming the first; dmactl
 *     bind refuses to pull the device from under it
 *   - teardown releases every IOMMU mapping: the container's own count
 *     (VFIO_IOMMU_GET_INFO dma_avail) comes back, and after close the
 *     kernel's pin counters (nr_foll_pin_*) and VmLck return to where they
 *     were, over repeated open/map/close cycles
 *   - RLIMIT_MEMLOCK too low: -ENOMEM with "raise ulimit -l"
 *   - a process killed mid-transfer leaves the device usable, no IOMMU fault
 *   - a group shared with a device bound to edudma is not viable: -EBUSY
 *     naming that device; dmactl bind notes it
 *   - binding back to edudma: /dev/edudma<N> works again
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <edu/edu_regs.h>
#include <libdma.h>

#include "../common/edutest.h"
#include "../../libdma/vfio/vfio_internal.h"
#include "guest_util.h"

#define NOBODY	65534

static struct gu_run_result r;
static char addr[32];		/* the device on vfio-pci */
static char spec[64];		/* "vfio:<addr>" */

#define ASSERT_HAS(text, needle) do {					\
	int found_ = strstr((text), (needle)) != NULL;			\
	if (!found_)							\
		printf("    MISSING: \"%s\" in " #text "\n", (needle));	\
	CU_ASSERT(found_);						\
} while (0)
#define ASSERT_MSG_HAS(needle) ASSERT_HAS(libdma_errmsg(), (needle))

#define ASSERT_EXIT(argv, uid, code) do {				\
	const char *const a_[] = argv;					\
	int st_ = gu_run(&r, (uid), a_);				\
	if (st_ != (code))						\
		printf("    WRONG EXIT: %d, expected %d\n", st_, (code));	\
	CU_ASSERT_EQUAL(st_, (code));					\
} while (0)
#define ARGS(...)	{ __VA_ARGS__, NULL }

#define ASSERT_OK(call) do {						\
	int err_ = (call);						\
	if (err_)							\
		printf("\n    %s = %d: %s\n", #call, err_, libdma_errmsg()); \
	CU_ASSERT_EQUAL_FATAL(err_, 0);					\
} while (0)

static int suite_init(void)
{
	const char *s;

	if (!gu_config_is("vfio")) {
		printf("test_vfio runs in the vfio configuration only\n");
		return -1;
	}
	s = gu_test_device();
	if (!s || strncmp(s, "vfio:", 5)) {
		printf("no edu device bound to vfio-pci (test_vfio_bind ran?)\n");
		return -1;
	}
	snprintf(spec, sizeof(spec), "%s", s);
	snprintf(addr, sizeof(addr), "%s", s + 5);
	return 0;
}

/* One verified copy of 'len' bytes between two buffers of 'd'. */
static int copy_works(struct libdma_device *d, size_t len, uint32_t seed)
{
	struct libdma_buffer *a, *b;
	struct libdma_region s, t;
	int ok = 0;

	if (libdma_buffer_alloc(d, len, &a))
		return 0;
	if (!libdma_buffer_alloc(d, len, &b)) {
		gu_fill(libdma_buffer_ptr(a), len, seed);
		s = libdma_region_buffer(a, 0, len);
		t = libdma_region_buffer(b, 0, len);
		ok = !libdma_copy(d, &t, &s, NULL) &&
		     gu_check(libdma_buffer_ptr(b), len, seed) == (size_t)-1;
		if (!ok)
			printf("\n    copy of %zu bytes: %s\n", len,
			       libdma_errmsg());
		libdma_buffer_free(b);
	}
	libdma_buffer_free(a);
	return ok;
}

/* Pages pinned system-wide right now (FOLL_PIN: VFIO type1 and edudma). */
static long long pins_now(void)
{
	gu_vmstat_refresh();
	return gu_vmstat("nr_foll_pin_acquired") - gu_vmstat("nr_foll_pin_released");
}

/* -------------------------------------------------------------- basics */

static void test_info_selftests_and_dmactl(void)
{
	struct libdma_factorial_result f;
	struct libdma_irq_test_result it;
	struct libdma_device *d;
	struct libdma_info info;

	ASSERT_OK(libdma_open(spec, &d));
	ASSERT_OK(libdma_get_info(d, &info));
	CU_ASSERT_STRING_EQUAL(info.backend, "vfio");
	CU_ASSERT_EQUAL(info.dev_ident, 0x010000ed);
	CU_ASSERT(info.max_alloc >= (64u << 20));
	CU_ASSERT_EQUAL(info.features & 0x7f, 0x7f);
	/* The interrupt path: MSI -> vfio-pci -> eventfd -> us. */
	ASSERT_OK(libdma_irq_test(d, 0, &it));
	CU_ASSERT_EQUAL(it.seen, LIBDMA_IRQ_TEST_DEFAULT);
	CU_ASSERT(it.latency_ns > 0);
	CU_ASSERT_EQUAL(libdma_irq_test(d, EDU_IRQ_DMA, NULL), -EINVAL);
	ASSERT_OK(libdma_factorial(d, 10, 0, &f));
	CU_ASSERT_EQUAL(f.value, 3628800);
	CU_ASSERT_EQUAL(f.by_irq, 1);
	ASSERT_OK(libdma_factorial(d, 12, LIBDMA_FACT_POLL, &f));
	CU_ASSERT_EQUAL(f.value, 479001600);
	CU_ASSERT_EQUAL(f.by_irq, 0);
	CU_ASSERT(copy_works(d, 3 * 4096 + 1, 1));
	/* The contiguity lab lives in the edudma driver: none through VFIO. */
	{
		struct libdma_lab_result *lab = NULL;

		CU_ASSERT_EQUAL(libdma_lab_run(d, NULL, &lab), -EOPNOTSUPP);
		CU_ASSERT_PTR_NULL(lab);
		CU_ASSERT_PTR_NOT_NULL(strstr(libdma_errmsg(),
					      "runs inside the edudma driver"));
	}
	CU_ASSERT_EQUAL(libdma_close(d), 0);

	/* dmactl drives it through the same library. */
	ASSERT_EXIT(ARGS("dmactl", "info", spec), -1, 0);
	ASSERT_HAS(r.out, "backend          vfio");
	ASSERT_HAS(r.out, "interrupt        msi");
	ASSERT_HAS(r.out, "driver           vfio-pci");
	ASSERT_HAS(r.out, "no other device in it");
	ASSERT_EXIT(ARGS("dmactl", "irq-test", spec, "--count", "3"), -1, 0);
	ASSERT_EXIT(ARGS("dmactl", "factorial", spec, "13"), -1, 0);
	ASSERT_HAS(r.out, "1932053504");
	ASSERT_EXIT(ARGS("dmactl", "lab", spec, "--sizes", "64K"), -1, 4);
	ASSERT_HAS(r.err, "dmactl bind edudma");
	ASSERT_EXIT(ARGS("dmactl", "copy", spec, "--size", "20000", "--mode",
			 "pinned"), -1, 0);
	ASSERT_HAS(r.out, "verified");
	ASSERT_EXIT(ARGS("dmactl", "copy", spec, "--size", "9000", "--mode",
			 "oneshot"), -1, 0);
	ASSERT_HAS(r.out, "verified");
	/* Scattered pages, one device-visible segment each way. */
	ASSERT_HAS(r.out, "2 DMA segments");
}

/* Registered malloc'd memory: many CPU segments, one IOVA segment. */
static void test_scattered_pages_one_segment(void)
{
	const size_t len = 1 << 20;
	struct libdma_buffer *src, *dst;
	struct libdma_region s, t;
	struct libdma_pin_stats ps;
	struct libdma_stats st;
	struct libdma_device *d;
	unsigned char *a = malloc(len), *b = malloc(len);

	CU_ASSERT_FATAL(a && b);
	gu_fill(a, len, 7);
	memset(b, 0, len);
	ASSERT_OK(libdma_open(spec, &d));
	ASSERT_OK(libdma_buffer_register(d, a, len, LIBDMA_ACCESS_DEV_READ, &src, &ps));
	printf("\n    1 MiB malloc: %u pages, %u CPU segments, %u DMA segment(s), "
	       "mapped in %llu us\n", ps.pages, ps.cpu_segments, ps.dma_segments,
	       (unsigned long long)ps.pin_ns / 1000);
	CU_ASSERT(ps.pages >= 256);
	CU_ASSERT_EQUAL(ps.dma_segments, 1);
	CU_ASSERT(ps.cpu_segments >= 1);	/* known as root (pagemap) */
	ASSERT_OK(libdma_buffer_register(d, b, len, LIBDMA_ACCESS_DEV_WRITE, &dst, NULL));
	s = libdma_region_buffer(src, 0, len);
	t = libdma_region_buffer(dst, 0, len);
	ASSERT_OK(libdma_copy(d, &t, &s, &st));
	CU_ASSERT_EQUAL(gu_check(b, len, 7), (size_t)-1);
	/* IOVA-contiguous: exactly 2 commands per window, never more. */
	CU_ASSERT_EQUAL(st.commands, 2 * ((len + 4094) / 4095));
	CU_ASSERT_EQUAL(st.dma_segments, 2);
	CU_ASSERT_EQUAL(libdma_buffer_unregister(dst), 0);
	CU_ASSERT_EQUAL(libdma_buffer_unregister(src), 0);
	CU_ASSERT_EQUAL(libdma_close(d), 0);
	free(a);
	free(b);
}

/* -------------------------------------------------- one process at a time */

static void test_one_process_at_a_time(void)
{
	struct libdma_device *d;
	char me[32];
	int pipefd[2], status;
	pid_t pid;

	ASSERT_OK(libdma_open(spec, &d));
	snprintf(me, sizeof(me), "pid %d", (int)getpid());
	CU_ASSERT_EQUAL_FATAL(pipe(pipefd), 0);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct libdma_device *other;
		int err = libdma_open(spec, &other);
		char msg[512];

		/* Not the parent's handle either. */
		snprintf(msg, sizeof(msg), "%d %s", err, libdma_errmsg());
		if (write(pipefd[1], msg, strlen(msg) + 1) < 0)
			_exit(2);
		_exit(libdma_transfer_to_device(d, &(struct libdma_region)
				{ NULL, msg, 0, 8 }, 0, NULL) == -EBADF ? 0 : 3);
	}
	close(pipefd[1]);
	{
		char msg[512] = "";

		CU_ASSERT(read(pipefd[0], msg, sizeof(msg) - 1) > 0);
		printf("\n    second process: %s\n", msg);
		CU_ASSERT_EQUAL(atoi(msg), -EBUSY);
		ASSERT_HAS(msg, "in use by");
		ASSERT_HAS(msg, me);
	}
	close(pipefd[0]);
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* Unbinding now would wait for us: dmactl refuses instead. */
	ASSERT_EXIT(ARGS("dmactl", "bind", "edudma", addr), -1, 5);
	ASSERT_HAS(r.err, "in use through VFIO");
	ASSERT_HAS(r.err, me);
	/* A second handle in the same process shares the device. */
	{
		struct libdma_device *d2;

		ASSERT_OK(libdma_open(spec, &d2));
		CU_ASSERT(copy_works(d2, 5000, 3));
		CU_ASSERT_EQUAL(libdma_close(d2), 0);
	}
	CU_ASSERT(copy_works(d, 5000, 4));
	CU_ASSERT_EQUAL(libdma_close(d), 0);
}

/* ------------------------------------------------------------- teardown */

static void test_teardown_releases_mappings(void)
{
	const size_t reg_len = (1 << 20) + 123;
	long long pins0, lck0;
	long avail0, avail;
	struct libdma_buffer *b[3], *reg;
	struct libdma_region s, t;
	struct libdma_device *d;
	unsigned char *mem, *out;
	int i, cycle;

	mem = malloc(reg_len);
	out = calloc(1, 8192);
	CU_ASSERT_FATAL(mem && out);
	gu_fill(mem, reg_len, 9);
	pins0 = pins_now();
	lck0 = gu_status_kb("VmLck");
	printf("\n    before: %lld pages pinned system-wide, VmLck %lld kB\n",
	       pins0, lck0);

	ASSERT_OK(libdma_open(spec, &d));
	avail0 = libdma__vfio_dma_avail(d);
	CU_ASSERT(avail0 > 0);
	CU_ASSERT_EQUAL(libdma__vfio_nr_mappings(d), 0);
	for (i = 0; i < 3; i++)
		ASSERT_OK(libdma_buffer_alloc(d, 65536, &b[i]));
	ASSERT_OK(libdma_buffer_register(d, mem, reg_len, LIBDMA_ACCESS_RW, &reg, NULL));
	CU_ASSERT_EQUAL(libdma__vfio_nr_mappings(d), 4);
	avail = libdma__vfio_dma_avail(d);
	CU_ASSERT_EQUAL(avail, avail0 - 4);	/* the kernel's own count */
	CU_ASSERT(pins_now() >= pins0 + 3 * 16 + 257);
	CU_ASSERT(gu_status_kb("VmLck") >= lck0 + (3 * 64 + 1028));
	printf("    mapped: container holds %ld mappings, VmLck %lld kB\n",
	       avail0 - avail, gu_status_kb("VmLck"));

	/* A one-shot region is mapped for its call only. */
	s = libdma_region_buffer(reg, 5, 8192);
	t = libdma_region_user(out, 8192);
	ASSERT_OK(libdma_copy(d, &t, &s, NULL));
	CU_ASSERT_EQUAL(memcmp(out, mem + 5, 8192), 0);
	CU_ASSERT_EQUAL(libdma__vfio_nr_mappings(d), 4);
	CU_ASSERT_EQUAL(libdma__vfio_dma_avail(d), avail0 - 4);

	for (i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(libdma_buffer_free(b[i]), 0);
	CU_ASSERT_EQUAL(libdma_buffer_unregister(reg), 0);
	CU_ASSERT_EQUAL(libdma__vfio_nr_mappings(d), 0);
	CU_ASSERT_EQUAL(libdma__vfio_dma_avail(d), avail0);
	CU_ASSERT_EQUAL(libdma_close(d), 0);
	CU_ASSERT_EQUAL(pins_now(), pins0);
	CU_ASSERT_EQUAL(gu_status_kb("VmLck"), lck0);

	/* Closing with buffers still mapped releases them too; again and again. */
	for (cycle = 0; cycle < 10; cycle++) {
		int fds = gu_count_fds();

		ASSERT_OK(libdma_open(spec, &d));
		ASSERT_OK(libdma_buffer_alloc(d, 3 * 4096, &b[0]));
		ASSERT_OK(libdma_buffer_register(d, mem, 100000, LIBDMA_ACCESS_DEV_READ,
						 &reg, NULL));
		CU_ASSERT(copy_works(d, 4096, 20 + (uint32_t)cycle));
		CU_ASSERT_EQUAL(libdma_close(d), 0);	/* buffers keep it open */
		CU_ASSERT(pins_now() > pins0);
		CU_ASSERT_EQUAL(libdma_buffer_unregister(reg), 0);
		CU_ASSERT_EQUAL(libdma_buffer_free(b[0]), 0);	/* last: closes */
		CU_ASSERT_EQUAL(pins_now(), pins0);
		CU_ASSERT_EQUAL(gu_status_kb("VmLck"), lck0);
		CU_ASSERT_EQUAL(gu_count_fds(), fds);
	}
	printf("    after 11 open/map/close cycles: %lld pages pinned, VmLck %lld kB\n",
	       pins_now(), gu_status_kb("VmLck"));
	free(out);
	free(mem);
}

/* A process that exits without closing anything leaves nothing pinned. */
static void test_exit_without_close(void)
{
	long long pins0 = pins_now();
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct libdma_device *d;
		struct libdma_buffer *b;
		static unsigned char mem[1 << 20];

		if (libdma_open(spec, &d) || libdma_buffer_alloc(d, 1 << 20, &b) ||
		    libdma_buffer_register(d, mem, sizeof(mem), LIBDMA_ACCESS_RW,
					   &b, NULL))
			_exit(1);
		_exit(0);	/* no unregister, no free, no close */
	}
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CU_ASSERT_EQUAL(pins_now(), pins0);
	{
		struct libdma_device *d;

		ASSERT_OK(libdma_open(spec, &d));
		CU_ASSERT(copy_works(d, 10000, 30));
		CU_ASSERT_EQUAL(libdma_close(d), 0);
	}
}

/* -------------------------------------------------------------- memlock */

static int memlock_child(void)
{
	struct rlimit rl = { 64 << 10, 64 << 10 };
	struct libdma_buffer *b;
	struct libdma_device *d;
	static unsigned char mem[1 << 20];
	int err;

	if (gu_drop_cap_ipc_lock() || setrlimit(RLIMIT_MEMLOCK, &rl))
		return 10;
	if (libdma_open(spec, &d))
		return 11;
	err = libdma_buffer_register(d, mem, sizeof(mem), LIBDMA_ACCESS_RW, &b, NULL);
	printf("    register 1 MiB with ulimit -l 64: %d: %s\n", err, libdma_errmsg());
	if (err != -ENOMEM || !strstr(libdma_errmsg(), "raise ulimit -l") ||
	    !strstr(libdma_errmsg(), "ulimit -l is 64 kB"))
		return 12;
	err = libdma_buffer_alloc(d, 1 << 20, &b);
	if (err != -ENOMEM || !strstr(libdma_errmsg(), "RLIMIT_MEMLOCK"))
		return 13;
	/* Within the limit it works, and the failures left nothing behind. */
	if (libdma__vfio_nr_mappings(d) != 0 || !copy_works(d, 16384, 40))
		return 14;
	if (libdma_buffer_register(d, mem, 8192, LIBDMA_ACCESS_RW, &b, NULL) ||
	    libdma_buffer_unregister(b))
		return 15;
	return libdma_close(d) ? 16 : 0;
}

static void test_memlock_too_low(void)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(memlock_child());
	CU_ASSERT_EQUAL(gu_wait_child(pid), 0);
}

/* ----------------------------------------------------- killed mid-transfer */

static void test_killed_mid_transfer(void)
{
	long long pins0 = pins_now();
	size_t mark = gu_dmesg_mark();
	int pipefd[2], status;
	char go[2], *problem;
	pid_t pid;

	CU_ASSERT_EQUAL_FATAL(pipe(pipefd), 0);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		const size_t len = 1 << 20;
		struct libdma_buffer *a, *b;
		struct libdma_region s, t;
		struct libdma_device *d;

		close(pipefd[0]);
		if (libdma_open(spec, &d) || libdma_buffer_alloc(d, len, &a) ||
		    libdma_buffer_alloc(d, len, &b))
			_exit(1);
		gu_fill(libdma_buffer_ptr(a), len, 50);
		s = libdma_region_buffer(a, 0, len);
		t = libdma_region_buffer(b, 0, len);
		if (write(pipefd[1], "go", 2) != 2)
			_exit(1);
		libdma_copy(d, &t, &s, NULL);	/* 514 commands: ~51 s */
		_exit(2);
	}
	close(pipefd[1]);
	CU_ASSERT_EQUAL(read(pipefd[0], go, 2), 2);
	close(pipefd[0]);
	usleep(1500 * 1000);	/* about 15 commands in (guest time) */
	kill(pid, SIGKILL);
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	CU_ASSERT_EQUAL(pins_now(), pins0);

	/* The next owner waits out the orphaned command, then all works. */
	{
		struct libdma_device *d;

		ASSERT_OK(libdma_open(spec, &d));
		CU_ASSERT(copy_works(d, 64 << 10, 51));
		CU_ASSERT_EQUAL(libdma_irq_test(d, 0, NULL), 0);
		CU_ASSERT_EQUAL(libdma_close(d), 0);
	}
	problem = gu_dmesg_problem_since(mark);
	if (problem)
		printf("\n    kernel log: %s\n", problem);
	CU_ASSERT_PTR_NULL(problem);	/* no DMAR fault, no warning */
	free(problem);
}

/* Killed the instant it started a command: the next open must not let it
 * land in the new owner's memory at the same IOVA. */
static void test_killed_then_reopened_at_once(void)
{
	const size_t len = 4095;
	int pipefd[2], i, bad = 0;
	char go[2];
	pid_t pid;

	for (i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL_FATAL(pipe(pipefd), 0);
		fflush(stdout);
		pid = fork();
		if (pid == 0) {
			struct libdma_buffer *a;
			struct libdma_region s;
			struct libdma_device *d;

			close(pipefd[0]);
			/* The same IOVA the parent's first buffer will get. */
			if (libdma_open(spec, &d) || libdma_buffer_alloc(d, len, &a))
				_exit(1);
			memset(libdma_buffer_ptr(a), 0xee, len);
			s = libdma_region_buffer(a, 0, len);
			if (write(pipefd[1], "go", 2) != 2)
				_exit(1);
			for (;;)	/* from the device into a, over and over */
				libdma_transfer_from_device(d, &s, 0, NULL);
		}
		close(pipefd[1]);
		CU_ASSERT_EQUAL(read(pipefd[0], go, 2), 2);
		close(pipefd[0]);
		usleep(250 * 1000);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		{
			struct libdma_device *d;
			struct libdma_buffer *a;
			unsigned char *p;
			size_t j;

			ASSERT_OK(libdma_open(spec, &d));
			ASSERT_OK(libdma_buffer_alloc(d, len, &a));
			p = libdma_buffer_ptr(a);
			memset(p, 0x11, len);
			usleep(300 * 1000);	/* past any orphaned command */
			for (j = 0; j < len; j++)
				bad += p[j] != 0x11;
			CU_ASSERT_EQUAL(libdma_buffer_free(a), 0);
			CU_ASSERT_EQUAL(libdma_close(d), 0);
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
}

/* ------------------------------------------------------ group not viable */

static void test_group_not_viable(void)
{
	char edu[8][32], *pair[2] = { NULL, NULL }, drv[64], vspec[64];
	struct libdma_device *d;
	int n = gu_list_edu_pci(edu, 8), i, k = 0;

	/* The two edu devices behind the PCI bridge share one IOMMU group. */
	for (i = 0; i < n && i < 8 && k < 2; i++)
		if (strncmp(edu[i] + 5, "00:", 3))
			pair[k++] = edu[i];
	if (k < 2)
		EDUTEST_SKIP("no two edu devices behind a bridge");
	if (strcmp(pair[0], pair[1]) > 0) {
		char *t = pair[0];

		pair[0] = pair[1];
		pair[1] = t;
	}
	ASSERT_EXIT(ARGS("dmactl", "bind", "vfio", pair[0]), -1, 0);
	ASSERT_HAS(r.err, "note: IOMMU group");
	ASSERT_HAS(r.err, pair[1]);
	snprintf(vspec, sizeof(vspec), "vfio:%s", pair[0]);
	CU_ASSERT_EQUAL(libdma_open(vspec, &d), -EBUSY);
	ASSERT_MSG_HAS("not viable");
	ASSERT_MSG_HAS(pair[1]);
	ASSERT_MSG_HAS("bound to edudma");
	ASSERT_EXIT(ARGS("dmactl", "info", vspec), -1, 3);
	ASSERT_HAS(r.err, "not viable");
	/* Its partner is unharmed, and it goes back. */
	ASSERT_OK(libdma_open_pci(pair[1], &d));
	CU_ASSERT(copy_works(d, 5000, 60));
	CU_ASSERT_EQUAL(libdma_close(d), 0);
	ASSERT_EXIT(ARGS("dmactl", "bind", "edudma", pair[0]), -1, 0);
	gu_pci_driver(pair[0], drv, sizeof(drv));
	CU_ASSERT_STRING_EQUAL(drv, "edudma");
	ASSERT_OK(libdma_open_pci(pair[0], &d));
	CU_ASSERT(copy_works(d, 5000, 61));
	CU_ASSERT_EQUAL(libdma_close(d), 0);
}

/* ---------------------------------------------------------- the bench */

/*
 * The bench's vfio mode beside the kernel paths: malloc'd memory through
 * the IOMMU is one segment per side, so exactly two commands per window,
 * whatever the pages.
 */
static void test_bench_vfio_mode(void)
{
	static const uint64_t sizes[] = { 16384, 262144 };
	struct libdma_device_desc descs[8];
	struct libdma_device *kdev = NULL, *vdev;
	struct libdma_bench_config cfg;
	struct libdma_bench_result *res = NULL;
	int n = libdma_list(descs, 8), i, ret;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	for (i = 0; i < n && i < 8 && !kdev; i++)
		if (!strncmp(descs[i].node, "/dev/edudma", 11))
			ASSERT_OK(libdma_open(descs[i].node, &kdev));
	CU_ASSERT_PTR_NOT_NULL_FATAL(kdev);
	ASSERT_OK(libdma_open(spec, &vdev));
	libdma_bench_config_init(&cfg);
	cfg.modes = (1U << LIBDMA_BENCH_COHERENT) | (1U << LIBDMA_BENCH_SG) |
		    (1U << LIBDMA_BENCH_VFIO);
	cfg.sizes = sizes;
	cfg.nr_sizes = 2;
	cfg.repetitions = 2;
	cfg.vfio = vdev;
	ret = libdma_bench_run(kdev, &cfg, &res);
	if (ret)
		printf("\n    libdma_bench_run: %d %s\n", ret, libdma_errmsg());
	CU_ASSERT_EQUAL_FATAL(ret, 0);
	f = open_memstream(&text, &len);
	libdma_bench_write(res, LIBDMA_BENCH_TABLE, f);
	fclose(f);
	printf("\n%s", text);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "  vfio      vfio:"));
	free(text);
	CU_ASSERT_STRING_EQUAL(res->env.vfio_node, spec);
	CU_ASSERT_EQUAL(res->nr_cells, 6);
	for (i = 0; i < (int)res->nr_cells; i++) {
		const struct libdma_bench_cell *x = &res->cells[i];
		double min = 2.0 * (double)((x->size + 4094) / 4095);

		CU_ASSERT_EQUAL(x->status, LIBDMA_BENCH_OK);
		if (x->mode != LIBDMA_BENCH_VFIO) {
			CU_ASSERT(x->commands.median >= min);
			continue;
		}
		CU_ASSERT_EQUAL(x->commands.median, min);
		CU_ASSERT_EQUAL(x->commands.max, min);
		CU_ASSERT_EQUAL(x->dma_segments, 2);
		CU_ASSERT(x->cpu_segments >= 2);
		CU_ASSERT(x->pages >= 2 * (x->size / 4096));
		CU_ASSERT(x->setup_ns.min > 0 && x->pin_ns.min > 0);
		CU_ASSERT(x->efficiency.median > 0.99);
	}
	libdma_bench_result_free(res);
	CU_ASSERT_EQUAL(libdma_close(vdev), 0);
	CU_ASSERT_EQUAL(libdma_close(kdev), 0);

	/* dmactl bench --vfio: the same through the tool. */
	ASSERT_EXIT(ARGS("dmactl", "bench", descs[0].node, "--vfio", spec,
			 "--modes", "sg,vfio", "--sizes", "8K", "--repeat", "1",
			 "--quiet"), -1, 0);
	ASSERT_HAS(r.out, "vfio      vfio:");
	ASSERT_HAS(r.out, "  vfio  ");
	ASSERT_EXIT(ARGS("dmactl", "bench", descs[0].node, "--modes", "vfio",
			 "--sizes", "8K", "--repeat", "1", "--quiet"), -1, 0);
	ASSERT_HAS(r.out, "unavailable: no VFIO device");
}

/* ----------------------------------------------------------- bind back */

static void test_bind_back_to_edudma(void)
{
	struct libdma_device *d;
	char drv[64], line[128];
	int round;

	for (round = 0; round < 2; round++) {
		/* Not root: refused. */
		ASSERT_EXIT(ARGS("dmactl", "bind", "edudma", addr), NOBODY, 5);
		ASSERT_HAS(r.err, "run it as root");
		ASSERT_EXIT(ARGS("dmactl", "bind", "edudma", addr), -1, 0);
		snprintf(line, sizeof(line), "%s: vfio-pci -> edudma, /dev/edudma", addr);
		ASSERT_HAS(r.out, line);
		gu_pci_driver(addr, drv, sizeof(drv));
		CU_ASSERT_STRING_EQUAL(drv, "edudma");
		/* The kernel path works again on the same device. */
		ASSERT_OK(libdma_open_pci(addr, &d));
		CU_ASSERT(copy_works(d, 64 << 10, 70 + (uint32_t)round));
		CU_ASSERT_EQUAL(libdma_close(d), 0);
		CU_ASSERT_EQUAL(libdma_open(spec, &d), -ENODEV);
		ASSERT_MSG_HAS("bound to driver edudma");
		if (round == 1)
			break;
		/* And once more there and back. */
		ASSERT_EXIT(ARGS("dmactl", "bind", "vfio", addr), -1, 0);
		ASSERT_OK(libdma_open(spec, &d));
		CU_ASSERT(copy_works(d, 10000, 72));
		CU_ASSERT_EQUAL(libdma_close(d), 0);
	}
}

static const struct edutest_case cases[] = {
	{ "info_selftests_and_dmactl", test_info_selftests_and_dmactl },
	{ "scattered_pages_one_segment", test_scattered_pages_one_segment },
	{ "one_process_at_a_time", test_one_process_at_a_time },
	{ "teardown_releases_mappings", test_teardown_releases_mappings },
	{ "exit_without_close", test_exit_without_close },
	{ "memlock_too_low", test_memlock_too_low },
	{ "killed_mid_transfer", test_killed_mid_transfer },
	{ "killed_then_reopened_at_once", test_killed_then_reopened_at_once },
	{ "group_not_viable", test_group_not_viable },
	{ "bench_vfio_mode", test_bench_vfio_mode },
	{ "bind_back_to_edudma", test_bind_back_to_edudma },
	{ NULL, NULL },
};

static const struct edutest_suite suites[] = {
	{ "vfio", suite_init, NULL, cases },
	{ NULL, NULL, NULL, NULL },
};

int main(int argc, char **argv)
{
	return edutest_main(argc, argv, "test_vfio", suites);
}
