// SPDX-License-Identifier: MIT
/*
 * libdma's VFIO backend on edu-sg, beyond the shared library suites
 * (test_lib_dma and test_lib_threads run on it with
 * LIBDMA_TEST_DEVICE=vfio): what is edu-sg's. Runs in the sg-vfio
 * configuration after test_vfio_bind left the first edu-sg bound to
 * vfio-pci, and ends by binding it back.
 *
 *   - info from the device's registers, the software-bit interrupt
 *     self-test, no factorial unit (EOPNOTSUPP), dmactl through "vfio:"
 *   - behind the IOMMU a registered buffer is one IOVA range: 1 MiB of
 *     scattered malloc'd pages copies as ONE descriptor, with the timing
 *     model's device time; 33 MiB as three (16 + 16 + 1 MiB)
 *   - a request longer than the ring is refilled batch after batch
 *   - a descriptor error (an IOVA nothing is mapped at: a real IOMMU
 *     fault) -> EIO naming ERR_READ / ERR_WRITE, the rest of its batch
 *     skipped, later batches done, the device usable afterwards
 *   - a signal stops a long request: EINTR, partial stats that match the
 *     card; too many descriptors: E2BIG
 *   - the ring's own mapping, and nothing left after close; a process
 *     killed mid-request leaves nothing landing in the next owner's memory
 *   - the bench's vfio mode on edu-sg (dmactl bench --vfio)
 *   - binding back to edudma: /dev/edudma<N> works again
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <edu/edusg_regs.h>
#include <libdma.h>

#include "../common/edutest.h"
#include "../../libdma/vfio/vfio_internal.h"
#include "guest_util.h"

#define MiB		(1u << 20)

static struct gu_run_result r;
static char addr[32];		/* the edu-sg on vfio-pci */
static char spec[64];		/* "vfio:<addr>" */
static struct libdma_info info;

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
	struct libdma_device *d;
	const char *s;

	if (!gu_config_is("sg-vfio")) {
		printf("test_vfio_sg runs in the sg-vfio configuration only\n");
		return -1;
	}
	s = gu_test_device();
	if (!s || strncmp(s, "vfio:", 5)) {
		printf("no edu-sg bound to vfio-pci (test_vfio_bind ran?)\n");
		return -1;
	}
	snprintf(spec, sizeof(spec), "%s", s);
	snprintf(addr, sizeof(addr), "%s", s + 5);
	if (libdma_open(spec, &d) || libdma_get_info(d, &info)) {
		printf("%s: %s\n", spec, libdma_errmsg());
		return -1;
	}
	libdma_close(d);
	if (info.engine != LIBDMA_ENGINE_EDUSG) {
		printf("%s is not an edu-sg (engine %u)\n", spec, info.engine);
		return -1;
	}
	return 0;
}

/* The timing model's time for one descriptor on an idle engine (defaults). */
static uint64_t model_ns(uint64_t len)
{
	return EDUSG_DEFAULT_LATENCY_NS +
	       (len * 1000000000ull + EDUSG_DEFAULT_BANDWIDTH - 1) /
	       EDUSG_DEFAULT_BANDWIDTH;
}

/* One verified copy of 'len' bytes between two buffers of 'd'. */
static int copy_works(struct libdma_device *d, size_t len, uint32_t seed)
{
	struct libdma_buffer *a, *b;
	struct libdma_region s, t;
	struct libdma_stats st;
	int ok = 0;

	if (libdma_buffer_alloc(d, len, &a))
		return 0;
	if (!libdma_buffer_alloc(d, len, &b)) {
		gu_fill(libdma_buffer_ptr(a), len, seed);
		s = libdma_region_buffer(a, 0, len);
		t = libdma_region_buffer(b, 0, len);
		ok = !libdma_copy(d, &t, &s, &st) && st.commands == 1 &&
		     gu_check(libdma_buffer_ptr(b), len, seed) == (size_t)-1;
		if (!ok)
			printf("\n    copy of %zu bytes: %s\n", len,
			       libdma_errmsg());
		libdma_buffer_free(b);
	}
	libdma_buffer_free(a);
	return ok;
}

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

	ASSERT_OK(libdma_open(spec, &d));
	ASSERT_OK(libdma_get_info(d, &info));
	CU_ASSERT_STRING_EQUAL(info.backend, "vfio");
	CU_ASSERT_EQUAL(info.engine, LIBDMA_ENGINE_EDUSG);
	CU_ASSERT_EQUAL(info.dev_ident, EDUSG_IDENT);
	CU_ASSERT_EQUAL(info.version_major, EDUSG_SUPPORTED_MAJOR);
	CU_ASSERT(info.version_minor >= 1);
	CU_ASSERT_EQUAL(info.window_size, EDUSG_DEFAULT_CARD_SIZE);
	CU_ASSERT_EQUAL(info.dev_buffer_size, EDUSG_DEFAULT_CARD_SIZE);
	CU_ASSERT_EQUAL(info.dev_buffer_addr, 0);
	CU_ASSERT_EQUAL(info.max_cmd_length, EDUSG_MAX_LEN);
	CU_ASSERT_EQUAL(info.ring_size, 1024);
	CU_ASSERT_EQUAL(info.max_in_flight, 1023);
	CU_ASSERT_EQUAL(info.dma_mask_bits, 64);
	CU_ASSERT_EQUAL(info.irq_mode, LIBDMA_IRQ_MSI);
	CU_ASSERT_EQUAL(info.abi_version, 0);
	CU_ASSERT_EQUAL(info.features & LIBDMA_FEAT_FACTORIAL, 0);
	CU_ASSERT_EQUAL(info.features & 0x7d, 0x7d);	/* all but factorial */
	/* The ring is mapped for the device: the container's one mapping. */
	CU_ASSERT_EQUAL(libdma__vfio_nr_mappings(d), 1);

	/* The interrupt path through the software bits (1.1). */
	ASSERT_OK(libdma_irq_test(d, 0, &it));
	CU_ASSERT_EQUAL(it.seen, LIBDMA_IRQ_TEST_DEFAULT);
	CU_ASSERT(it.latency_ns > 0);
	ASSERT_OK(libdma_irq_test(d, 0xabcd0000u, &it));
	CU_ASSERT_EQUAL(it.seen, 0xabcd0000u);
	/* The engine's own events are not the test's to raise. */
	CU_ASSERT_EQUAL(libdma_irq_test(d, EDUSG_IRQ_HALT, &it), -EINVAL);
	ASSERT_MSG_HAS("raises only 0xffff0000");
	/* No factorial unit. */
	CU_ASSERT_EQUAL(libdma_factorial(d, 10, 0, &f), -EOPNOTSUPP);
	ASSERT_MSG_HAS("factorial unit not supported");
	CU_ASSERT(copy_works(d, 3 * 4096 + 1, 1));
	CU_ASSERT_EQUAL(libdma_close(d), 0);

	ASSERT_EXIT(ARGS("dmactl", "info", spec), -1, 0);
	ASSERT_HAS(r.out, "backend          vfio");
	ASSERT_HAS(r.out, "driver           vfio-pci");
	ASSERT_EXIT(ARGS("dmactl", "irq-test", spec, "--count", "3"), -1, 0);
	ASSERT_EXIT(ARGS("dmactl", "copy", spec, "--size", "3M", "--mode",
			 "pinned"), -1, 0);
	ASSERT_HAS(r.out, "verified");
	ASSERT_EXIT(ARGS("dmactl", "copy", spec, "--size", "9000", "--mode",
			 "oneshot"), -1, 0);
	ASSERT_HAS(r.out, "verified");
}

/* ------------------------------------------------ one descriptor per range */

/* Registered malloc'd memory: many CPU segments, one IOVA range, one descriptor. */
static void test_scattered_pages_one_descriptor(void)
{
	const size_t len = MiB;
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
	printf("\n    1 MiB malloc: %u pages, %u CPU segments, %u DMA segment(s)\n",
	       ps.pages, ps.cpu_segments, ps.dma_segments);
	CU_ASSERT(ps.pages >= 256);
	CU_ASSERT(ps.cpu_segments > 1);	/* scattered (pagemap, as root) */
	CU_ASSERT_EQUAL(ps.dma_segments, 1);
	ASSERT_OK(libdma_buffer_register(d, b, len, LIBDMA_ACCESS_DEV_WRITE, &dst, NULL));
	s = libdma_region_buffer(src, 0, len);
	t = libdma_region_buffer(dst, 0, len);
	ASSERT_OK(libdma_copy(d, &t, &s, &st));
	CU_ASSERT_EQUAL(gu_check(b, len, 7), (size_t)-1);
	printf("    copy: %llu descriptor(s), device %llu ns, wall %llu ns\n",
	       (unsigned long long)st.commands,
	       (unsigned long long)st.device_ns,
	       (unsigned long long)st.wall_ns);
	CU_ASSERT_EQUAL(st.commands, 1);
	CU_ASSERT_EQUAL(st.bytes, len);
	CU_ASSERT_EQUAL(st.dma_segments, 2);
	/* the written-back elapsed time: the model's, to the nanosecond */
	CU_ASSERT_EQUAL(st.device_ns, model_ns(len));
	CU_ASSERT_EQUAL(st.host_ns, st.wall_ns - st.device_ns);

	/* To the card and back, at an offset: one descriptor each way. */
	memset(b, 0, len);
	ASSERT_OK(libdma_transfer_to_device(d, &s, 5 * MiB, &st));
	CU_ASSERT_EQUAL(st.commands, 1);
	ASSERT_OK(libdma_transfer_from_device(d, &t, 5 * MiB, &st));
	CU_ASSERT_EQUAL(st.commands, 1);
	CU_ASSERT_EQUAL(st.device_ns, model_ns(len));
	CU_ASSERT_EQUAL(gu_check(b, len, 7), (size_t)-1);
	CU_ASSERT_EQUAL(libdma_buffer_unregister(dst), 0);
	CU_ASSERT_EQUAL(libdma_buffer_unregister(src), 0);
	CU_ASSERT_EQUAL(libdma_close(d), 0);
	free(a);
	free(b);
}

/* Past MAX_LEN: one descriptor per 16 MiB; a transfer streams through the card. */
static void test_large_buffers(void)
{
	const size_t len = 33 * MiB;
	struct libdma_buffer *a, *b;
	struct libdma_region s, t;
	struct libdma_stats st;
	struct libdma_device *d;
	unsigned char *pb;

	ASSERT_OK(libdma_open(spec, &d));
	ASSERT_OK(libdma_buffer_alloc(d, len, &a));
	ASSERT_OK(libdma_buffer_alloc(d, len, &b));
	gu_fill(libdma_buffer_ptr(a), len, 11);
	s = libdma_region_buffer(a, 0, len);
	t = libdma_region_buffer(b, 0, len);
	ASSERT_OK(libdma_copy(d, &t, &s, &st));
	CU_ASSERT_EQUAL(st.commands, 3);	/* 16 + 16 + 1 MiB */
	CU_ASSERT_EQUAL(st.bytes, len);
	CU_ASSERT_EQUAL(gu_check(libdma_buffer_ptr(b), len, 11), (size_t)-1);
	printf("\n    33 MiB copy: %llu descriptors, device %llu us\n",
	       (unsigned long long)st.commands,
	       (unsigned long long)st.device_ns / 1000);
	/* 20 MiB through the 16 MiB card: 16 MiB, then 4 MiB that stay */
	s = libdma_region_buffer(a, 0, 20 * MiB);
	ASSERT_OK(libdma_transfer_to_device(d, &s, 0, &st));
	CU_ASSERT_EQUAL(st.commands, 2);
	pb = libdma_buffer_ptr(b);
	memset(pb, 0, 4 * MiB);
	t = libdma_region_buffer(b, 0, 4 * MiB);
	ASSERT_OK(libdma_transfer_from_device(d, &t, 0, &st));
	CU_ASSERT_EQUAL(memcmp(pb, (unsigned char *)libdma_buffer_ptr(a) + 16 * MiB,
			       4 * MiB), 0);
	CU_ASSERT_EQUAL(libdma_buffer_free(b), 0);
	CU_ASSERT_EQUAL(libdma_buffer_free(a), 0);
	CU_ASSERT_EQUAL(libdma_close(d), 0);
}

/*
 * More descriptors than the ring holds: one byte each, through the card's
 * last byte (the card keeps the last one). 2000 > 1023: refilled.
 */
static void test_ring_refilled(void)
{
	const size_t len = 2000;
	struct libdma_buffer *a, *b;
	struct libdma_region s, t;
	struct libdma_stats st;
	struct libdma_device *d;
	unsigned char *pa;

	ASSERT_OK(libdma_open(spec, &d));
	ASSERT_OK(libdma_buffer_alloc(d, len, &a));
	ASSERT_OK(libdma_buffer_alloc(d, 4096, &b));
	pa = libdma_buffer_ptr(a);
	gu_fill(pa, len, 12);
	s = libdma_region_buffer(a, 0, len);
	ASSERT_OK(libdma_transfer_to_device(d, &s, info.window_size - 1, &st));
	CU_ASSERT_EQUAL(st.commands, len);
	CU_ASSERT_EQUAL(st.bytes, len);
	CU_ASSERT(st.device_ns >= len * 100);
	t = libdma_region_buffer(b, 0, 1);
	ASSERT_OK(libdma_transfer_from_device(d, &t, info.window_size - 1, &st));
	CU_ASSERT_EQUAL(((unsigned char *)libdma_buffer_ptr(b))[0], pa[len - 1]);
	/* more than one request may have: refused before the ring */
	{
		struct libdma_buffer *big;

		ASSERT_OK(libdma_buffer_alloc(d, (1u << 19) + 1, &big));
		s = libdma_region_buffer(big, 0, (1u << 19) + 1);
		CU_ASSERT_EQUAL(libdma_transfer_to_device(d, &s, info.window_size - 1,
							  &st), -E2BIG);
		ASSERT_MSG_HAS("524289 descriptors");
		CU_ASSERT_EQUAL(st.commands, 0);
		CU_ASSERT_EQUAL(libdma_buffer_free(big), 0);
	}
	CU_ASSERT_EQUAL(libdma_buffer_free(b), 0);
	CU_ASSERT_EQUAL(libdma_buffer_free(a), 0);
	CU_ASSERT_EQUAL(libdma_close(d), 0);
}

/* ------------------------------------------------------ descriptor errors */

static void test_descriptor_errors(void)
{
	const size_t len = 33 * MiB;
	struct libdma_buffer *a, *b, *c;
	struct libdma_region s, t;
	struct libdma_stats st;
	struct libdma_device *d;
	unsigned char *pb;
	size_t i, bad = 0;

	/* The injected IOVA is unmapped: the IOMMU reports it (collect.sh). */
	printf("@@EDUTEST EXPECT-DMAR-FAULTS %s\n", addr);
	fflush(stdout);
	ASSERT_OK(libdma_open(spec, &d));
	ASSERT_OK(libdma_buffer_alloc(d, len, &a));
	ASSERT_OK(libdma_buffer_alloc(d, len, &b));
	gu_fill(libdma_buffer_ptr(a), len, 21);
	pb = libdma_buffer_ptr(b);
	s = libdma_region_buffer(a, 0, len);
	t = libdma_region_buffer(b, 0, len);

	/* the second of three descriptors reads nothing mapped */
	CU_ASSERT_EQUAL(libdma__vfio_inject_fault(d, 2), 0);
	CU_ASSERT_EQUAL(libdma_copy(d, &t, &s, &st), -EIO);
	printf("\n    %s\n", libdma_errmsg());
	ASSERT_MSG_HAS("descriptor 2 of 3 failed with ERR_READ");
	ASSERT_MSG_HAS("IOMMU fault");
	CU_ASSERT_EQUAL(st.commands, 3);	/* the third: skipped */
	CU_ASSERT_EQUAL(st.bytes, 16 * MiB);
	CU_ASSERT_EQUAL(gu_check(pb, 16 * MiB, 21), (size_t)-1);
	for (i = 16 * MiB; i < len; i++)
		bad += pb[i] != 0;
	CU_ASSERT_EQUAL(bad, 0);		/* nothing more moved */

	/* from the card into nothing mapped: ERR_WRITE */
	t = libdma_region_buffer(b, 0, 4096);
	CU_ASSERT_EQUAL(libdma__vfio_inject_fault(d, 1), 0);
	CU_ASSERT_EQUAL(libdma_transfer_from_device(d, &t, 0, &st), -EIO);
	ASSERT_MSG_HAS("descriptor 1 of 1 failed with ERR_WRITE");
	CU_ASSERT_EQUAL(st.bytes, 0);

	/*
	 * Over several batches (600 one-byte descriptors: 256, 256, 88, all
	 * posted at once): the error skips the rest of its batch only.
	 */
	ASSERT_OK(libdma_buffer_alloc(d, 600, &c));
	s = libdma_region_buffer(c, 0, 600);
	CU_ASSERT_EQUAL(libdma__vfio_inject_fault(d, 10), 0);
	CU_ASSERT_EQUAL(libdma_transfer_to_device(d, &s, info.window_size - 1,
						  &st), -EIO);
	ASSERT_MSG_HAS("descriptor 10 of 600 failed with ERR_READ");
	CU_ASSERT_EQUAL(st.commands, 600);
	CU_ASSERT_EQUAL(st.bytes, 9 + 344);	/* 11..256 skipped */
	CU_ASSERT_EQUAL(libdma_buffer_free(c), 0);

	/* The device goes on: the same copy whole, and the self-test. */
	memset(pb, 0, len);
	s = libdma_region_buffer(a, 0, len);
	t = libdma_region_buffer(b, 0, len);
	ASSERT_OK(libdma_copy(d, &t, &s, &st));
	CU_ASSERT_EQUAL(st.commands, 3);
	CU_ASSERT_EQUAL(gu_check(pb, len, 21), (size_t)-1);
	CU_ASSERT_EQUAL(libdma_irq_test(d, 0, NULL), 0);
	CU_ASSERT_EQUAL(libdma_buffer_free(b), 0);
	CU_ASSERT_EQUAL(libdma_buffer_free(a), 0);
	/* the hook is edu-sg's and VFIO's only */
	CU_ASSERT_EQUAL(libdma__vfio_inject_fault(NULL, 1), -EINVAL);
	CU_ASSERT_EQUAL(libdma_close(d), 0);
}

/* ------------------------------------------------------------- signals */

#define LONG_LEN	((size_t)1 << 19)	/* one-byte descriptors */

static void on_signal(int sig)
{
	(void)sig;
}

static int interrupted_child(int ready_fd)
{
	struct libdma_buffer *a, *b;
	struct libdma_region s, t;
	struct libdma_stats st;
	struct libdma_device *d;
	struct sigaction sa;
	sigset_t usr1;
	unsigned char *p;
	int ret;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART */
	sigaction(SIGUSR1, &sa, NULL);
	if (libdma_open(spec, &d) || libdma_buffer_alloc(d, LONG_LEN, &a) ||
	    libdma_buffer_alloc(d, 4096, &b))
		return 10;
	p = libdma_buffer_ptr(a);
	gu_fill(p, LONG_LEN, 40);
	if (write(ready_fd, "go", 2) != 2)
		return 10;
	s = libdma_region_buffer(a, 0, LONG_LEN);
	ret = libdma_transfer_to_device(d, &s, info.window_size - 1, &st);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	printf("    interrupted transfer: %d, %llu of %zu bytes, %llu descriptors: %s\n",
	       ret, (unsigned long long)st.bytes, LONG_LEN,
	       (unsigned long long)st.commands, libdma_errmsg());
	if (ret != -EINTR)
		return 11;
	if (st.bytes == 0 || st.bytes >= LONG_LEN || st.commands != st.bytes)
		return 12;
	if (st.wall_ns < st.device_ns || st.host_ns != st.wall_ns - st.device_ns)
		return 13;
	if (!strstr(libdma_errmsg(), "interrupted by a signal"))
		return 14;
	/* the card's last byte is the last one counted as moved */
	t = libdma_region_buffer(b, 0, 1);
	if (libdma_transfer_from_device(d, &t, info.window_size - 1, NULL) ||
	    ((unsigned char *)libdma_buffer_ptr(b))[0] != p[st.bytes - 1])
		return 15;
	return libdma_close(d) ? 16 : 0;
}

static void test_signal_stops_request(void)
{
	int pipefd[2], status, i;
	pid_t pid, got = 0;
	char go[2];

	CU_ASSERT_EQUAL_FATAL(pipe(pipefd), 0);
	fflush(stdout);
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		close(pipefd[0]);
		_exit(interrupted_child(pipefd[1]));
	}
	close(pipefd[1]);
	CU_ASSERT_EQUAL(read(pipefd[0], go, 2), 2);
	close(pipefd[0]);
	/* signal it every 20 ms until it is done */
	for (i = 0; i < 1000 && got == 0; i++) {
		usleep(20 * 1000);
		kill(pid, SIGUSR1);
		got = waitpid(pid, &status, WNOHANG);
	}
	if (got == 0)
		got = waitpid(pid, &status, 0);
	CU_ASSERT_EQUAL(got, pid);
	CU_ASSERT(WIFEXITED(status));
	if (WIFEXITED(status) && WEXITSTATUS(status))
		printf("\n    child reported %d\n", WEXITSTATUS(status));
	CU_ASSERT_EQUAL(WEXITSTATUS(status), 0);
}

/* ------------------------------------------------------------- teardown */

static void test_teardown_and_kill(void)
{
	long long pins0 = pins_now();
	struct libdma_device *d;
	int pipefd[2], k, bad = 0;
	char go[2];
	pid_t pid;

	/* The ring is the one mapping of an idle open; close releases all. */
	ASSERT_OK(libdma_open(spec, &d));
	CU_ASSERT_EQUAL(libdma__vfio_nr_mappings(d), 1);
	CU_ASSERT(pins_now() > pins0);
	CU_ASSERT(copy_works(d, 65536, 50));
	CU_ASSERT_EQUAL(libdma__vfio_nr_mappings(d), 1);
	CU_ASSERT_EQUAL(libdma_close(d), 0);
	CU_ASSERT_EQUAL(pins_now(), pins0);

	/*
	 * Killed while its descriptors run, over and over: the next owner
	 * resets the engine at open, so nothing lands in its memory at the
	 * same IOVA.
	 */
	for (k = 0; k < 3; k++) {
		CU_ASSERT_EQUAL_FATAL(pipe(pipefd), 0);
		fflush(stdout);
		pid = fork();
		if (pid == 0) {
			struct libdma_buffer *a;
			struct libdma_region s;

			close(pipefd[0]);
			if (libdma_open(spec, &d) ||
			    libdma_buffer_alloc(d, 4 * MiB, &a))
				_exit(1);
			memset(libdma_buffer_ptr(a), 0xee, 4 * MiB);
			s = libdma_region_buffer(a, 0, 4 * MiB);
			if (write(pipefd[1], "go", 2) != 2)
				_exit(1);
			for (;;)
				libdma_transfer_from_device(d, &s, 0, NULL);
		}
		close(pipefd[1]);
		CU_ASSERT_EQUAL(read(pipefd[0], go, 2), 2);
		close(pipefd[0]);
		usleep(50 * 1000);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		{
			struct libdma_buffer *a;
			unsigned char *p;
			size_t j;

			ASSERT_OK(libdma_open(spec, &d));
			ASSERT_OK(libdma_buffer_alloc(d, 4 * MiB, &a));
			p = libdma_buffer_ptr(a);
			memset(p, 0x11, 4 * MiB);
			usleep(100 * 1000);
			for (j = 0; j < 4 * MiB; j++)
				bad += p[j] != 0x11;
			CU_ASSERT_EQUAL(libdma_buffer_free(a), 0);
			CU_ASSERT(copy_works(d, 5000, 51 + (uint32_t)k));
			CU_ASSERT_EQUAL(libdma_close(d), 0);
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(pins_now(), pins0);
}

/* ------------------------------------------------------------ the bench */

static void test_bench_vfio_mode(void)
{
	struct libdma_device_desc descs[8];
	const char *kdev = NULL;
	int n = libdma_list(descs, 8), i;

	for (i = 0; i < n && i < 8 && !kdev; i++)
		if (!strncmp(descs[i].node, "/dev/edudma", 11))
			kdev = descs[i].node;
	CU_ASSERT_PTR_NOT_NULL_FATAL(kdev);
	ASSERT_EXIT(ARGS("dmactl", "bench", kdev, "--vfio", spec, "--modes",
			 "sg,vfio", "--sizes", "4K..64K", "--repeat", "2"), -1, 0);
	ASSERT_HAS(r.out, "vfio      vfio:");
	ASSERT_HAS(r.out, "  vfio  ");
	CU_ASSERT_PTR_NULL(strstr(r.out, "FAIL"));
	CU_ASSERT_PTR_NULL(strstr(r.out, "MISMATCH"));
}

/* ----------------------------------------------------------- bind back */

static void test_bind_back_to_edudma(void)
{
	struct libdma_device *d;
	struct libdma_info ki;
	char drv[64];

	ASSERT_EXIT(ARGS("dmactl", "bind", "edudma", addr), -1, 0);
	ASSERT_HAS(r.out, "vfio-pci -> edudma, /dev/edudma");
	gu_pci_driver(addr, drv, sizeof(drv));
	CU_ASSERT_STRING_EQUAL(drv, "edudma");
	ASSERT_OK(libdma_open_pci(addr, &d));
	ASSERT_OK(libdma_get_info(d, &ki));
	CU_ASSERT_EQUAL(ki.engine, LIBDMA_ENGINE_EDUSG);
	CU_ASSERT_EQUAL(ki.window_size, info.window_size);
	CU_ASSERT_EQUAL(ki.max_cmd_length, info.max_cmd_length);
	CU_ASSERT(copy_works(d, 64 << 10, 70));
	CU_ASSERT_EQUAL(libdma_close(d), 0);
	CU_ASSERT_EQUAL(libdma_open(spec, &d), -ENODEV);
	ASSERT_MSG_HAS("bound to driver edudma");
	/* there and back once more */
	ASSERT_EXIT(ARGS("dmactl", "bind", "vfio", addr), -1, 0);
	ASSERT_OK(libdma_open(spec, &d));
	CU_ASSERT(copy_works(d, 10000, 72));
	CU_ASSERT_EQUAL(libdma_close(d), 0);
	ASSERT_EXIT(ARGS("dmactl", "bind", "edudma", addr), -1, 0);
	ASSERT_OK(libdma_open_pci(addr, &d));
	CU_ASSERT(copy_works(d, 10000, 73));
	CU_ASSERT_EQUAL(libdma_close(d), 0);
}

static const struct edutest_case cases[] = {
	{ "info_selftests_and_dmactl", test_info_selftests_and_dmactl },
	{ "scattered_pages_one_descriptor", test_scattered_pages_one_descriptor },
	{ "large_buffers", test_large_buffers },
	{ "ring_refilled", test_ring_refilled },
	{ "descriptor_errors", test_descriptor_errors },
	{ "signal_stops_request", test_signal_stops_request },
	{ "teardown_and_kill", test_teardown_and_kill },
	{ "bench_vfio_mode", test_bench_vfio_mode },
	{ "bind_back_to_edudma", test_bind_back_to_edudma },
	{ NULL, NULL },
};

static const struct edutest_suite suites[] = {
	{ "vfio_sg", suite_init, NULL, cases },
	{ NULL, NULL, NULL, NULL },
};

int main(int argc, char **argv)
{
	return edutest_main(argc, argv, "test_vfio_sg", suites);
}
