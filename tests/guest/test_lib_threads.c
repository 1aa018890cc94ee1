// SPDX-License-Identifier: MIT
/*
 * libdma's thread-safety contract (libdma.h, "Thread safety") on the real
 * device: several threads share one device handle, each allocating,
 * copying through the device, verifying and freeing its own buffers; then
 * several threads share one buffer, each copying its own slice. Also: the
 * last-error message is per thread.
 *
 * CUnit is not thread-safe, so threads only record what happened and the
 * main thread asserts.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <libdma.h>

#include "../common/edutest.h"
#include "guest_util.h"

#define THREADS		4
#define ROUNDS		3
/* Just over one window, so each copy takes two chunks and can interleave. */
#define COPY_LENGTH	5000

static struct libdma_device *dev;
static struct libdma_info info;

/* The test device: gu_test_device() ("0", or "vfio:<address>": both backends). */
static int suite_init(void)
{
	const char *spec = gu_test_device();

	if (!spec || libdma_open(spec, &dev) < 0 || libdma_get_info(dev, &info) < 0) {
		printf("cannot open device %s: %s\n", spec ? spec : "(none)",
		       libdma_errmsg());
		return -1;
	}
	printf("device %s (backend %s)\n", info.node, info.backend);
	return 0;
}

static int suite_cleanup(void)
{
	return libdma_close(dev);
}

struct worker {
	pthread_t thread;
	unsigned int id;
	pthread_barrier_t *start;
	struct libdma_buffer *shared;	/* for the shared-buffer test */
	int err;			/* first libdma error, 0 if none */
	char errmsg[512];		/* its message, as this thread saw it */
	size_t bad_offset;		/* first wrong byte, (size_t)-1 if none */
	int rounds_done;
};

static void record_error(struct worker *w, int err)
{
	if (!w->err) {
		w->err = err;
		snprintf(w->errmsg, sizeof(w->errmsg), "%s", libdma_errmsg());
	}
}

/* Each round: own buffer, fill, copy first part to second, verify, free. */
static void *private_buffers(void *arg)
{
	struct worker *w = arg;
	int round;

	pthread_barrier_wait(w->start);
	for (round = 0; round < ROUNDS; round++) {
		uint32_t seed = w->id * 100 + (uint32_t)round;
		struct libdma_buffer *b;
		struct libdma_region s, d;
		unsigned char *p;
		int err;

		err = libdma_buffer_alloc(dev, 3 * 4096, &b);
		if (err) {
			record_error(w, err);
			return NULL;
		}
		p = libdma_buffer_ptr(b);
		gu_fill(p, COPY_LENGTH, seed);
		s = libdma_region_buffer(b, 0, COPY_LENGTH);
		d = libdma_region_buffer(b, 6000, COPY_LENGTH);
		err = libdma_copy(dev, &d, &s, NULL);
		if (err)
			record_error(w, err);
		else if (w->bad_offset == (size_t)-1)
			w->bad_offset = gu_check(p + 6000, COPY_LENGTH, seed);
		err = libdma_buffer_free(b);
		if (err)
			record_error(w, err);
		w->rounds_done++;
	}
	return NULL;
}

/* One buffer for all: thread i copies slice i of the first half to the second. */
static void *shared_buffer(void *arg)
{
	struct worker *w = arg;
	size_t half = libdma_buffer_size(w->shared) / 2;
	size_t slice = half / THREADS, off = w->id * slice;
	unsigned char *p = libdma_buffer_ptr(w->shared);
	struct libdma_region s, d;
	int err;

	pthread_barrier_wait(w->start);
	s = libdma_region_buffer(w->shared, off, slice);
	d = libdma_region_buffer(w->shared, half + off, slice);
	err = libdma_copy(dev, &d, &s, NULL);
	if (err)
		record_error(w, err);
	else
		w->bad_offset = gu_check(p + half + off, slice, 500 + w->id);
	w->rounds_done = 1;
	return NULL;
}

static void run_workers(struct worker *workers, void *(*fn)(void *),
			struct libdma_buffer *shared)
{
	pthread_barrier_t start;
	unsigned int i;

	pthread_barrier_init(&start, NULL, THREADS);
	for (i = 0; i < THREADS; i++) {
		memset(&workers[i], 0, sizeof(workers[i]));
		workers[i].id = i;
		workers[i].start = &start;
		workers[i].shared = shared;
		workers[i].bad_offset = (size_t)-1;
		CU_ASSERT_EQUAL_FATAL(pthread_create(&workers[i].thread, NULL, fn,
						     &workers[i]), 0);
	}
	for (i = 0; i < THREADS; i++)
		pthread_join(workers[i].thread, NULL);
	pthread_barrier_destroy(&start);
}

static void check_workers(const struct worker *workers, int rounds)
{
	unsigned int i;

	for (i = 0; i < THREADS; i++) {
		if (workers[i].err)
			printf("\n    thread %u: %d: %s\n", i, workers[i].err,
			       workers[i].errmsg);
		CU_ASSERT_EQUAL(workers[i].err, 0);
		CU_ASSERT_EQUAL(workers[i].bad_offset, (size_t)-1);
		CU_ASSERT_EQUAL(workers[i].rounds_done, rounds);
	}
}

static void test_threads_private_buffers(void)
{
	struct worker workers[THREADS];

	if (!(info.features & LIBDMA_FEAT_COPY) ||
	    !(info.features & LIBDMA_FEAT_COHERENT))
		EDUTEST_SKIP("the driver does not announce COPY and COHERENT yet");
	run_workers(workers, private_buffers, NULL);
	check_workers(workers, ROUNDS);
}

static void test_threads_shared_buffer(void)
{
	struct worker workers[THREADS];
	struct libdma_buffer *shared;
	unsigned char *p;
	size_t half, slice;
	unsigned int i;

	if (!(info.features & LIBDMA_FEAT_COPY) ||
	    !(info.features & LIBDMA_FEAT_COHERENT))
		EDUTEST_SKIP("the driver does not announce COPY and COHERENT yet");
	CU_ASSERT_EQUAL_FATAL(libdma_buffer_alloc(dev, 8 * 4096, &shared), 0);
	p = libdma_buffer_ptr(shared);
	half = libdma_buffer_size(shared) / 2;
	slice = half / THREADS;
	for (i = 0; i < THREADS; i++)
		gu_fill(p + i * slice, slice, 500 + i);
	run_workers(workers, shared_buffer, shared);
	check_workers(workers, 1);
	CU_ASSERT_EQUAL(libdma_buffer_free(shared), 0);
}

/* A failure in one thread does not change another thread's message. */
static void *fail_differently(void *arg)
{
	struct worker *w = arg;
	struct libdma_device *never;
	char spec[32];

	snprintf(spec, sizeof(spec), "%u", 20 + w->id);
	pthread_barrier_wait(w->start);
	w->err = libdma_open(spec, &never);
	pthread_barrier_wait(w->start);	/* now every thread has failed */
	snprintf(w->errmsg, sizeof(w->errmsg), "%s", libdma_errmsg());
	return NULL;
}

static void test_errmsg_per_thread(void)
{
	struct worker workers[THREADS];
	unsigned int i;

	run_workers(workers, fail_differently, NULL);
	for (i = 0; i < THREADS; i++) {
		char own[32];

		snprintf(own, sizeof(own), "index %u", 20 + i);
		CU_ASSERT_EQUAL(workers[i].err, -ENODEV);
		if (!strstr(workers[i].errmsg, own))
			printf("\n    thread %u saw: %s\n", i, workers[i].errmsg);
		CU_ASSERT_PTR_NOT_NULL(strstr(workers[i].errmsg, own));
	}
}

static const struct edutest_case cases[] = {
	{ "threads_private_buffers", test_threads_private_buffers },
	{ "threads_shared_buffer", test_threads_shared_buffer },
	{ "errmsg_per_thread", test_errmsg_per_thread },
	{ NULL, NULL },
};

static const struct edutest_suite suites[] = {
	{ "lib_threads", suite_init, suite_cleanup, cases },
	{ NULL, NULL, NULL, NULL },
};

int main(int argc, char **argv)
{
	return edutest_main(argc, argv, "test_lib_threads", suites);
}
