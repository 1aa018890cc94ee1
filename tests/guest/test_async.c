/* SPDX-License-Identifier: MIT */
/*
 * Asynchronous requests (EDUDMA_IOC_SUBMIT / REAP / CANCEL, poll) on
 * whatever device /dev/edudma0 is - edu runs them back to back, edu-sg
 * keeps many in flight. Every byte a request moves is verified, and what it
 * did not reach is verified untouched:
 *  - submit, poll, reap: ids, user_data, results, stats;
 *  - many requests in flight from one file, from threads (each its own
 *    file, sync calls beside them) and from processes;
 *  - the per-file quota (EAGAIN), every malformed argument (EINVAL,
 *    ENOENT), REAP's wait and timeout;
 *  - cancellation by CANCEL, by close() and by SIGKILL with requests in
 *    flight: the landed prefix is exact, nothing stays pinned, the device
 *    works afterwards;
 *  - removal of the device with requests in flight: REAP still answers,
 *    poll() says EPOLLHUP, close works, a rescan brings the device back.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/edutest.h"
#include "guest_util.h"

#define PAGE 4096ul

static struct edudma_info info;
/*
 * Sizes are divided by this on edu: it moves 4 KiB per command, each a
 * 100 ms timer of the guest's clock - the same tests, less data.
 */
static unsigned int shrink = 1;

static int submit(int fd, uint32_t op, struct edudma_region src,
		  struct edudma_region dst, uint64_t len, uint32_t dir,
		  uint32_t dev_offset, uint64_t user_data, uint64_t *id)
{
	struct edudma_submit s;

	memset(&s, 0, sizeof(s));
	s.op = op;
	s.src = src;
	s.dst = dst;
	s.length = len;
	s.direction = dir;
	s.dev_offset = dev_offset;
	s.user_data = user_data;
	if (ioctl(fd, EDUDMA_IOC_SUBMIT, &s))
		return -errno;
	if (id)
		*id = s.id;
	return 0;
}

static int submit_copy(int fd, struct edudma_region src, struct edudma_region dst,
		       uint64_t len, uint64_t user_data, uint64_t *id)
{
	return submit(fd, EDUDMA_OP_COPY, src, dst, len, 0, 0, user_data, id);
}

/* REAP: 0 and *count, or -errno. */
static int reap(int fd, struct edudma_completion *c, uint32_t max, uint32_t flags,
		uint32_t min, uint32_t timeout_ms, uint32_t *count, uint32_t *in_flight)
{
	struct edudma_reap r;

	memset(&r, 0, sizeof(r));
	r.completions = (uintptr_t)c;
	r.max = max;
	r.flags = flags;
	r.min_complete = min;
	r.timeout_ms = timeout_ms;
	if (ioctl(fd, EDUDMA_IOC_REAP, &r))
		return -errno;
	if (count)
		*count = r.count;
	if (in_flight)
		*in_flight = r.in_flight;
	return 0;
}

/* Reap exactly n completions into c (waiting as long as it takes). */
static int reap_all(int fd, struct edudma_completion *c, uint32_t n)
{
	uint32_t got = 0, k = 0;

	while (got < n) {
		int ret = reap(fd, c + got, n - got, EDUDMA_REAP_WAIT, 1, 0, &k, NULL);

		if (ret)
			return ret;
		got += k;
	}
	return 0;
}

static int cancel(int fd, uint64_t id, uint32_t flags, uint32_t *count)
{
	struct edudma_cancel c = { .id = id, .flags = flags };

	if (ioctl(fd, EDUDMA_IOC_CANCEL, &c))
		return -errno;
	if (count)
		*count = c.count;
	return 0;
}

static uint8_t *xmalloc_pattern(size_t len, uint32_t seed)
{
	uint8_t *p = malloc(len);

	if (p)
		gu_fill(p, len, seed);
	return p;
}

static int suite_init(void)
{
	if (gu_info(0, &info))
		return -1;
	shrink = info.engine == EDUDMA_ENGINE_EDUSG ? 1 : 8;
	return 0;
}

/* ------------------------------------------------------------------ */

static void test_info_announces_async(void)
{
	CU_ASSERT(info.features & EDUDMA_FEAT_ASYNC);
	CU_ASSERT(info.max_requests >= 1);
	{
		char v[32] = "";

		CU_ASSERT_EQUAL(gu_read_file("/sys/module/edudma/parameters/max_requests",
					     v, sizeof(v)), 0);
		CU_ASSERT_EQUAL(info.max_requests, strtoul(v, NULL, 0));
	}
	printf("    engine %u, max_requests %u, max_in_flight %u\n", info.engine,
	       info.max_requests, info.max_in_flight);
}

/* One COPY and two TRANSFERs, submitted together: poll, reap, verify. */
static void test_submit_poll_reap(void)
{
	int fd = gu_open(0);
	struct gu_buf a, b;
	struct edudma_completion c[3];
	struct pollfd pfd;
	uint64_t id[3];
	uint32_t n, in_flight;
	const uint64_t len = (1 << 20) / shrink;
	int i;

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(gu_alloc(fd, len, &a) == 0);
	CU_ASSERT_FATAL(gu_alloc(fd, len, &b) == 0);
	gu_fill(a.map, len, 11);
	memset(b.map, 0, len);

	/* nothing to reap yet: 0 entries, not an error */
	CU_ASSERT_EQUAL(reap(fd, c, 3, 0, 0, 0, &n, &in_flight), 0);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_EQUAL(in_flight, 0);

	CU_ASSERT_EQUAL_FATAL(submit_copy(fd, gu_handle_region(a.handle, 0),
					  gu_handle_region(b.handle, 0), len, 100, &id[0]), 0);
	/* a's first 1000 bytes to the device, at offset 8 */
	CU_ASSERT_EQUAL_FATAL(submit(fd, EDUDMA_OP_TRANSFER, gu_handle_region(a.handle, 0),
				     gu_handle_region(0, 0), 1000, EDUDMA_DIR_TO_DEVICE, 8,
				     101, &id[1]), 0);
	CU_ASSERT(id[1] > id[0]);

	pfd.fd = fd;
	pfd.events = POLLIN;
	CU_ASSERT_EQUAL(poll(&pfd, 1, 120000), 1);
	CU_ASSERT(pfd.revents & POLLIN);

	CU_ASSERT_EQUAL_FATAL(reap_all(fd, c, 2), 0);
	for (i = 0; i < 2; i++) {
		int k = c[i].user_data == 100 ? 0 : 1;

		CU_ASSERT_EQUAL(c[i].id, id[k]);
		CU_ASSERT_EQUAL(c[i].result, 0);
		CU_ASSERT_EQUAL(c[i].stats.bytes, k == 0 ? len : 1000);
		CU_ASSERT(c[i].stats.commands >= 1);
		CU_ASSERT(c[i].stats.wall_ns >= c[i].stats.device_ns);
	}
	CU_ASSERT_EQUAL(gu_check(b.map, len, 11), (size_t)-1);

	/* the device holds a's first 1000 bytes at offset 8: bring them back */
	memset(b.map, 0, 2000);
	CU_ASSERT_EQUAL_FATAL(submit(fd, EDUDMA_OP_TRANSFER, gu_handle_region(b.handle, 0),
				     gu_handle_region(0, 0), 1000, EDUDMA_DIR_FROM_DEVICE, 8,
				     102, &id[2]), 0);
	CU_ASSERT_EQUAL_FATAL(reap_all(fd, c, 1), 0);
	CU_ASSERT_EQUAL(c[0].result, 0);
	CU_ASSERT_EQUAL(c[0].user_data, 102);
	CU_ASSERT_EQUAL(memcmp(b.map, a.map, 1000), 0);
	CU_ASSERT_EQUAL(b.map[1000], 0);

	/* all reaped: poll says nothing */
	CU_ASSERT_EQUAL(poll(&pfd, 1, 0), 0);
	gu_free(fd, &a);
	gu_free(fd, &b);
	close(fd);
}

static void test_bad_arguments(void)
{
	int fd = gu_open(0);
	struct gu_buf a;
	struct edudma_submit s;
	struct edudma_completion c[2];
	struct edudma_reap r;
	struct edudma_region none = { 0, 0, 0 };

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(gu_alloc(fd, 2 * PAGE, &a) == 0);

#define SUBMIT_FAILS(e) CU_ASSERT(ioctl(fd, EDUDMA_IOC_SUBMIT, &s) == -1 && errno == (e))
#define BASE() do { memset(&s, 0, sizeof(s)); s.op = EDUDMA_OP_COPY; \
		s.src = gu_handle_region(a.handle, 0); \
		s.dst = gu_handle_region(a.handle, PAGE); s.length = PAGE; } while (0)
	BASE(); s.flags = 1;			SUBMIT_FAILS(EINVAL);
	BASE(); s.reserved[1] = 1;		SUBMIT_FAILS(EINVAL);
	BASE(); s.op = 0;			SUBMIT_FAILS(EINVAL);
	BASE(); s.op = 3;			SUBMIT_FAILS(EINVAL);
	BASE(); s.direction = EDUDMA_DIR_TO_DEVICE; SUBMIT_FAILS(EINVAL);
	BASE(); s.dev_offset = 1;		SUBMIT_FAILS(EINVAL);
	BASE(); s.length = 0;			SUBMIT_FAILS(EINVAL);
	BASE(); s.length = PAGE + 1;		SUBMIT_FAILS(EINVAL);	/* past the buffer */
	BASE(); s.dst.offset = 100;		SUBMIT_FAILS(EINVAL);	/* overlap */
	BASE(); s.src.handle = 999;		SUBMIT_FAILS(ENOENT);
	BASE(); s.src.flags = 0x80;		SUBMIT_FAILS(EINVAL);
	/* TRANSFER: dst must be empty, direction and offset valid */
	BASE(); s.op = EDUDMA_OP_TRANSFER; s.direction = EDUDMA_DIR_TO_DEVICE;
	SUBMIT_FAILS(EINVAL);
	s.dst = none;				CU_ASSERT(ioctl(fd, EDUDMA_IOC_SUBMIT, &s) == 0);
	s.direction = 3;			SUBMIT_FAILS(EINVAL);
	s.direction = EDUDMA_DIR_FROM_DEVICE; s.dev_offset = info.window_size;
	SUBMIT_FAILS(EINVAL);
	CU_ASSERT_EQUAL(reap_all(fd, c, 1), 0);
	CU_ASSERT_EQUAL(c[0].result, 0);

#define REAP_FAILS(e) CU_ASSERT(ioctl(fd, EDUDMA_IOC_REAP, &r) == -1 && errno == (e))
#define RBASE() do { memset(&r, 0, sizeof(r)); r.completions = (uintptr_t)c; r.max = 2; } while (0)
	RBASE(); r.max = 0;			REAP_FAILS(EINVAL);
	RBASE(); r.flags = 2;			REAP_FAILS(EINVAL);
	RBASE(); r.reserved[0] = 1;		REAP_FAILS(EINVAL);
	RBASE(); r.min_complete = 1;		REAP_FAILS(EINVAL);	/* without WAIT */
	RBASE(); r.timeout_ms = 1;		REAP_FAILS(EINVAL);	/* without WAIT */
	RBASE(); r.flags = EDUDMA_REAP_WAIT; r.min_complete = 3; REAP_FAILS(EINVAL);

	CU_ASSERT_EQUAL(cancel(fd, 0, 0, NULL), -EINVAL);
	CU_ASSERT_EQUAL(cancel(fd, 5, EDUDMA_CANCEL_ALL, NULL), -EINVAL);
	CU_ASSERT_EQUAL(cancel(fd, 1, 2, NULL), -EINVAL);
	CU_ASSERT_EQUAL(cancel(fd, 12345, 0, NULL), -ENOENT);

	/* a completion array the process cannot write: EFAULT, not lost */
	CU_ASSERT_EQUAL(submit_copy(fd, gu_handle_region(a.handle, 0),
				    gu_handle_region(a.handle, PAGE), PAGE, 7, NULL), 0);
	RBASE(); r.flags = EDUDMA_REAP_WAIT; r.min_complete = 1; r.completions = 8;
	REAP_FAILS(EFAULT);
	CU_ASSERT_EQUAL(reap_all(fd, c, 1), 0);
	CU_ASSERT_EQUAL(c[0].user_data, 7);
	gu_free(fd, &a);
	close(fd);
}

/*
 * Many requests in flight from one file: copies between plain user memory
 * (one-shot regions, pinned per request) of random lengths and offsets,
 * all submitted before the first is reaped.
 */
#define NREQ 48

static void test_many_in_flight(void)
{
	int fd = gu_open(0);
	const size_t area = (8 << 20) / shrink;
	uint8_t *src = xmalloc_pattern(area, 21), *dst = malloc(area);
	struct edudma_completion c[NREQ];
	uint64_t off[NREQ], len[NREQ], rnd = 42;
	uint64_t pos = 0;
	int i, bad = 0;

	CU_ASSERT_FATAL(fd >= 0 && src && dst);
	CU_ASSERT_FATAL(info.max_requests >= NREQ);
	memset(dst, 0xee, area);
	for (i = 0; i < NREQ; i++) {
		len[i] = 1 + gu_rand64(&rnd) % (area / NREQ - 64);
		off[i] = pos + gu_rand64(&rnd) % 64;
		pos += area / NREQ;
		CU_ASSERT_EQUAL_FATAL(submit_copy(fd, gu_user_region(src + off[i]),
						  gu_user_region(dst + off[i]), len[i],
						  i, NULL), 0);
	}
	CU_ASSERT_EQUAL_FATAL(reap_all(fd, c, NREQ), 0);
	for (i = 0; i < NREQ; i++) {
		uint64_t k = c[i].user_data;

		CU_ASSERT_FATAL(k < NREQ);
		CU_ASSERT_EQUAL(c[i].result, 0);
		CU_ASSERT_EQUAL(c[i].stats.bytes, len[k]);
		CU_ASSERT(c[i].stats.nr_pages >= 2);
		bad += memcmp(dst + off[k], src + off[k], len[k]) != 0;
		/* the byte after each range is untouched */
		bad += dst[off[k] + len[k]] != 0xee;
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_pinned"), 0);
	free(src);
	free(dst);
	close(fd);
}

/* The quota: max_requests submitted and not reaped, then EAGAIN. */
static void test_quota_gives_eagain(void)
{
	int fd = gu_open(0);
	struct gu_buf a;
	struct edudma_completion *c;
	uint32_t i, max = info.max_requests;

	CU_ASSERT_FATAL(fd >= 0);
	c = calloc(max, sizeof(*c));
	CU_ASSERT_FATAL(c != NULL);
	CU_ASSERT_FATAL(gu_alloc(fd, 2 * PAGE, &a) == 0);
	for (i = 0; i < max; i++)
		CU_ASSERT_EQUAL_FATAL(submit_copy(fd, gu_handle_region(a.handle, 0),
						  gu_handle_region(a.handle, PAGE), 64,
						  i, NULL), 0);
	CU_ASSERT_EQUAL(submit_copy(fd, gu_handle_region(a.handle, 0),
				    gu_handle_region(a.handle, PAGE), 64, 0, NULL), -EAGAIN);
	/* another file has its own quota */
	{
		int fd2 = gu_open(0);
		struct gu_buf b;

		CU_ASSERT_FATAL(fd2 >= 0 && gu_alloc(fd2, 2 * PAGE, &b) == 0);
		CU_ASSERT_EQUAL(submit_copy(fd2, gu_handle_region(b.handle, 0),
					    gu_handle_region(b.handle, PAGE), 64, 0, NULL), 0);
		munmap(b.map, b.size);
		close(fd2);	/* never reaped: freed by close */
	}
	CU_ASSERT_EQUAL(reap_all(fd, c, max), 0);
	for (i = 0; i < max; i++)
		CU_ASSERT_EQUAL(c[i].result, 0);
	CU_ASSERT_EQUAL(submit_copy(fd, gu_handle_region(a.handle, 0),
				    gu_handle_region(a.handle, PAGE), 64, 0, NULL), 0);
	CU_ASSERT_EQUAL(reap_all(fd, c, 1), 0);
	free(c);
	gu_free(fd, &a);
	close(fd);
}

/*
 * A long copy between user memory, cancelled at once: it finishes with
 * ECANCELED (or 0 if it was done anyway); the bytes reported landed are
 * exactly the source's, everything after them untouched.
 */
static void check_prefix(const uint8_t *dst, const uint8_t *src, uint64_t len,
			 uint64_t bytes)
{
	uint64_t i, bad = 0;

	CU_ASSERT(bytes <= len);
	if (bytes > len)
		return;
	CU_ASSERT_EQUAL(memcmp(dst, src, bytes), 0);
	for (i = bytes; i < len; i++)
		bad += dst[i] != 0xee;
	CU_ASSERT_EQUAL(bad, 0);
}

static void test_cancel_in_flight(void)
{
	int fd = gu_open(0);
	const uint64_t len = (24 << 20) / shrink;
	uint8_t *src = gu_scattered_pages(len), *dst = gu_scattered_pages(len);
	struct edudma_completion c[2];
	uint32_t n, cnt = 0;
	uint64_t id;
	int ret;

	CU_ASSERT_FATAL(fd >= 0 && src && dst);
	gu_fill(src, len, 31);
	memset(dst, 0xee, len);
	/* REAP's timeout: the copy takes longer than a few milliseconds */
	CU_ASSERT_EQUAL_FATAL(submit_copy(fd, gu_user_region(src), gu_user_region(dst),
					  len, 1, &id), 0);
	CU_ASSERT_EQUAL(reap(fd, c, 1, EDUDMA_REAP_WAIT, 1, 1, &n, NULL), -ETIMEDOUT);
	CU_ASSERT_EQUAL(reap_all(fd, c, 1), 0);
	CU_ASSERT_EQUAL(c[0].result, 0);
	check_prefix(dst, src, len, c[0].stats.bytes);
	CU_ASSERT_EQUAL(c[0].stats.bytes, len);

	/* now cancelled at once, with most of it not yet started */
	memset(dst, 0xee, len);
	CU_ASSERT_EQUAL_FATAL(submit_copy(fd, gu_user_region(src), gu_user_region(dst),
					  len, 2, &id), 0);
	ret = cancel(fd, id, 0, &cnt);
	CU_ASSERT_EQUAL(ret, 0);
	CU_ASSERT_EQUAL(cnt, 1);
	CU_ASSERT_EQUAL(reap_all(fd, c, 1), 0);
	printf("    cancel: %d, result %d, %llu of %llu bytes landed, %llu commands\n",
	       ret, c[0].result, (unsigned long long)c[0].stats.bytes,
	       (unsigned long long)len, (unsigned long long)c[0].stats.commands);
	/*
	 * Cancelled with commands not yet started: ECANCELED and fewer bytes.
	 * 0 only if everything had been started (or was done) already.
	 */
	CU_ASSERT(c[0].result == -ECANCELED || c[0].result == 0);
	if (c[0].result == -ECANCELED) {
		CU_ASSERT(c[0].stats.bytes < len);
	} else {
		CU_ASSERT_EQUAL(c[0].stats.bytes, len);
	}
	/*
	 * Scattered pages: 6144 descriptors on edu-sg, ~750 commands on edu,
	 * more than the device takes in flight - cancelled. Behind an IOMMU
	 * the pages are one run of IO addresses: 2 descriptors, both posted
	 * at submit, so nothing is left to cancel.
	 */
	if (c[0].result == 0) {
		/* only if every command was started before the cancel */
		CU_ASSERT(c[0].stats.commands <= info.max_in_flight);
	} else {
		CU_ASSERT_EQUAL(c[0].result, -ECANCELED);
	}
	check_prefix(dst, src, len, c[0].stats.bytes);
	/* a second cancel of the same id: gone */
	CU_ASSERT_EQUAL(cancel(fd, id, 0, NULL), -ENOENT);
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_pinned"), 0);
	CU_ASSERT(gu_device_works(0));
	munmap(src, len);
	munmap(dst, len);
	close(fd);
}

/*
 * A child submits long requests and then closes its file, exits, or is
 * killed, with them in flight: nothing stays pinned or allocated, the
 * device works.
 */
enum child_end { END_CLOSE, END_EXIT, END_KILL };

static void child_with_requests(enum child_end how)
{
	const uint64_t len = (8 << 20) / shrink;
	int pipefd[2], status, i;
	pid_t pid;
	char c;

	CU_ASSERT_FATAL(pipe(pipefd) == 0);
	pid = fork();
	if (pid == 0) {
		int fd = gu_open(0);
		uint8_t *src = xmalloc_pattern(len, 5), *dst = malloc(len);

		if (fd < 0 || !src || !dst)
			_exit(2);
		for (i = 0; i < 8; i++)
			if (submit_copy(fd, gu_user_region(src + i * (len / 8)),
					gu_user_region(dst + i * (len / 8)), len / 8, i, NULL))
				_exit(3);
		if (write(pipefd[1], "s", 1) != 1)
			_exit(4);
		if (how == END_CLOSE) {
			close(fd);
			_exit(0);
		}
		if (how == END_EXIT)
			_exit(0);
		pause();
		_exit(5);
	}
	close(pipefd[1]);
	CU_ASSERT_EQUAL(read(pipefd[0], &c, 1), 1);
	if (how == END_KILL)
		kill(pid, SIGKILL);
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	if (how == END_KILL) {
		CU_ASSERT(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	} else {
		CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	close(pipefd[0]);
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_pinned"), 0);
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_buffers"), 0);
	CU_ASSERT(gu_device_works(0));
}

static void test_close_with_requests_in_flight(void)
{
	child_with_requests(END_CLOSE);
}

static void test_exit_with_requests_in_flight(void)
{
	child_with_requests(END_EXIT);
}

static void test_sigkill_with_requests_in_flight(void)
{
	child_with_requests(END_KILL);
}

/*
 * Threads, each with its own file, submitting in windows of 8 and reaping,
 * while another thread runs synchronous copies on the same device.
 */
#define NTHREADS 4
#define PER_THREAD 40

struct worker {
	int index;
	int errors;
	int done;
};

static void *async_worker(void *arg)
{
	struct worker *w = arg;
	const size_t area = (2 << 20) / shrink;
	uint8_t *src = xmalloc_pattern(area, 100 + w->index), *dst = malloc(area);
	struct edudma_completion c[8];
	uint64_t rnd = 7 + w->index, len[8], off[8];
	int fd = gu_open(0), i, k;

	if (fd < 0 || !src || !dst) {
		w->errors++;
		return NULL;
	}
	for (i = 0; i < PER_THREAD; i += 8) {
		for (k = 0; k < 8; k++) {
			len[k] = 1 + gu_rand64(&rnd) % (area / 8 - 1);
			off[k] = k * (area / 8);
			memset(dst + off[k], 0, len[k]);
			if (submit_copy(fd, gu_user_region(src + off[k]),
					gu_user_region(dst + off[k]), len[k], k, NULL))
				w->errors++;
		}
		if (reap_all(fd, c, 8)) {
			w->errors++;
			break;
		}
		for (k = 0; k < 8; k++) {
			uint64_t j = c[k].user_data;

			if (j >= 8 || c[k].result || c[k].stats.bytes != len[j] ||
			    memcmp(dst + off[j], src + off[j], len[j]))
				w->errors++;
			else
				w->done++;
		}
	}
	close(fd);
	free(src);
	free(dst);
	return NULL;
}

static volatile int sync_stop;

static void *sync_worker(void *arg)
{
	struct worker *w = arg;
	int fd = gu_open(0);
	struct gu_buf a, b;

	if (fd < 0 || gu_alloc(fd, 64 << 10, &a) || gu_alloc(fd, 64 << 10, &b)) {
		w->errors++;
		return NULL;
	}
	while (!sync_stop) {
		gu_fill(a.map, 64 << 10, w->done);
		if (gu_copy(fd, a.handle, 0, b.handle, 0, 64 << 10, NULL) ||
		    gu_check(b.map, 64 << 10, w->done) != (size_t)-1)
			w->errors++;
		w->done++;
	}
	gu_free(fd, &a);
	gu_free(fd, &b);
	close(fd);
	return NULL;
}

static void test_threads_and_sync_calls(void)
{
	pthread_t t[NTHREADS + 1];
	struct worker w[NTHREADS + 1];
	int i, done = 0, errors = 0;

	memset(w, 0, sizeof(w));
	sync_stop = 0;
	pthread_create(&t[NTHREADS], NULL, sync_worker, &w[NTHREADS]);
	for (i = 0; i < NTHREADS; i++) {
		w[i].index = i;
		pthread_create(&t[i], NULL, async_worker, &w[i]);
	}
	for (i = 0; i < NTHREADS; i++) {
		pthread_join(t[i], NULL);
		done += w[i].done;
		errors += w[i].errors;
	}
	sync_stop = 1;
	pthread_join(t[NTHREADS], NULL);
	printf("    %d async requests verified, %d sync copies beside them, %d errors\n",
	       done, w[NTHREADS].done, errors + w[NTHREADS].errors);
	CU_ASSERT_EQUAL(errors, 0);
	CU_ASSERT_EQUAL(w[NTHREADS].errors, 0);
	CU_ASSERT_EQUAL(done, NTHREADS * PER_THREAD);
	CU_ASSERT(w[NTHREADS].done > 0);
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_pinned"), 0);
}

/* Processes: the same from 3 children at once. */
static void test_processes(void)
{
	pid_t pid[3];
	int i, ok = 0;

	for (i = 0; i < 3; i++) {
		pid[i] = fork();
		if (pid[i] == 0) {
			struct worker w = { .index = 10 + i };

			async_worker(&w);
			_exit(w.errors || w.done != PER_THREAD);
		}
	}
	for (i = 0; i < 3; i++)
		ok += gu_wait_child(pid[i]) == 0;
	CU_ASSERT_EQUAL(ok, 3);
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_pinned"), 0);
}

/*
 * The device removed with requests in flight: REAP still collects them
 * (each landed, or ENODEV / ECANCELED with an exact prefix), poll() says
 * EPOLLHUP, new calls ENODEV, close works; a rescan brings the device back.
 */
static void test_unplug_with_requests_in_flight(void)
{
	const uint64_t len = (4 << 20) / shrink;
	char pci[32], path[128];
	int fd = gu_open(0), nodes = gu_count_nodes(), i, landed = 0;
	uint8_t *src = xmalloc_pattern(8 * len, 9), *dst = malloc(8 * len);
	struct edudma_completion c[8];
	struct pollfd pfd;
	uint32_t n = 0;

	CU_ASSERT_FATAL(fd >= 0 && src && dst);
	CU_ASSERT_FATAL(gu_pci_of(0, pci, sizeof(pci)) == 0);
	memset(dst, 0xee, 8 * len);
	for (i = 0; i < 8; i++)
		CU_ASSERT_EQUAL_FATAL(submit_copy(fd, gu_user_region(src + i * len),
						  gu_user_region(dst + i * len), len, i, NULL), 0);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/remove", pci);
	CU_ASSERT_EQUAL_FATAL(gu_write_file(path, "1"), 0);

	pfd.fd = fd;
	pfd.events = POLLIN;
	CU_ASSERT_EQUAL(poll(&pfd, 1, 10000), 1);
	CU_ASSERT(pfd.revents & POLLHUP);
	CU_ASSERT_EQUAL(reap(fd, c, 8, 0, 0, 0, &n, NULL), 0);
	CU_ASSERT_EQUAL(n, 8);
	for (i = 0; i < (int)n; i++) {
		uint64_t k = c[i].user_data;

		CU_ASSERT_FATAL(k < 8);
		CU_ASSERT(c[i].result == 0 || c[i].result == -ENODEV);
		landed += c[i].result == 0;
		check_prefix(dst + k * len, src + k * len, len, c[i].stats.bytes);
	}
	printf("    %d of 8 requests landed before the removal\n", landed);
	CU_ASSERT_EQUAL(submit_copy(fd, gu_user_region(src), gu_user_region(dst), 8, 0, NULL),
			-ENODEV);
	CU_ASSERT_EQUAL(close(fd), 0);
	free(src);
	free(dst);

	CU_ASSERT_EQUAL(gu_write_file("/sys/bus/pci/rescan", "1"), 0);
	for (i = 0; i < 200 && gu_count_nodes() < nodes; i++)
		usleep(10000);
	CU_ASSERT_EQUAL(gu_count_nodes(), nodes);
	CU_ASSERT(gu_device_works(0));
}

/*
 * CANCEL of everything, in a loop, on the file another thread submits on
 * and reaps from: a request is visible to CANCEL only together with the
 * engine knowing it (never half submitted). Every request comes back
 * once, 0 or ECANCELED, with an exact prefix landed.
 */
static volatile int canceller_stop;

static void *canceller(void *arg)
{
	int fd = *(int *)arg;
	struct edudma_cancel c;
	long n = 0;

	while (!canceller_stop) {
		memset(&c, 0, sizeof(c));
		c.flags = EDUDMA_CANCEL_ALL;
		if (ioctl(fd, EDUDMA_IOC_CANCEL, &c) == 0)
			n += c.count;
	}
	return (void *)n;
}

static void test_cancel_races_submit(void)
{
	int fd = gu_open(0), i, bad = 0, cancelled = 0, done = 0;
	const size_t len = (256 << 10) / shrink;
	uint8_t *src = xmalloc_pattern(8 * len, 77), *dst = malloc(8 * len);
	struct edudma_completion c[8];
	pthread_t t;
	void *stopped;

	CU_ASSERT_FATAL(fd >= 0 && src && dst);
	canceller_stop = 0;
	pthread_create(&t, NULL, canceller, &fd);
	for (i = 0; i < 40; i++) {
		int k;

		memset(dst, 0xee, 8 * len);
		for (k = 0; k < 8; k++)
			if (submit_copy(fd, gu_user_region(src + k * len),
					gu_user_region(dst + k * len), len, k, NULL))
				bad++;
		if (reap_all(fd, c, 8)) {
			bad++;
			break;
		}
		for (k = 0; k < 8; k++) {
			uint64_t j = c[k].user_data, b = c[k].stats.bytes, x;

			if (j >= 8 || (c[k].result && c[k].result != -ECANCELED) ||
			    (c[k].result == 0 && b != len) ||
			    memcmp(dst + j * len, src + j * len, b)) {
				bad++;
				continue;
			}
			for (x = b; x < len; x++)
				bad += dst[j * len + x] != 0xee;
			cancelled += c[k].result == -ECANCELED;
			done += c[k].result == 0;
		}
	}
	canceller_stop = 1;
	pthread_join(t, &stopped);
	printf("    320 requests: %d completed, %d cancelled (%ld stopped by CANCEL), %d bad\n",
	       done, cancelled, (long)stopped, bad);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(done + cancelled, 320);
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_pinned"), 0);
	CU_ASSERT(gu_device_works(0));
	free(src);
	free(dst);
	close(fd);
}

static const struct edutest_case cases[] = {
	{ "info_announces_async", test_info_announces_async },
	{ "submit_poll_reap", test_submit_poll_reap },
	{ "bad_arguments", test_bad_arguments },
	{ "many_in_flight", test_many_in_flight },
	{ "quota_gives_eagain", test_quota_gives_eagain },
	{ "cancel_in_flight", test_cancel_in_flight },
	{ "close_with_requests_in_flight", test_close_with_requests_in_flight },
	{ "exit_with_requests_in_flight", test_exit_with_requests_in_flight },
	{ "sigkill_with_requests_in_flight", test_sigkill_with_requests_in_flight },
	{ "threads_and_sync_calls", test_threads_and_sync_calls },
	{ "processes", test_processes },
	{ "cancel_races_submit", test_cancel_races_submit },
	{ "unplug_with_requests_in_flight", test_unplug_with_requests_in_flight },
	{ NULL, NULL }
};

static const struct edutest_suite suites[] = {
	{ "async", suite_init, NULL, cases },
	{ NULL, NULL, NULL, NULL }
};

int main(int argc, char **argv)
{
	return edutest_main(argc, argv, "async", suites);
}
