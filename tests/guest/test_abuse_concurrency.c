/* SPDX-License-Identifier: MIT */
/*
 * Concurrency, bounded in count and time: threads and processes doing
 * ALLOC / PIN / one-shot / TRANSFER / COPY / FREE / UNPIN / close at random
 * on one and on two devices, every copied byte verified; and targeted
 * races - FREE against FREE, FREE and UNPIN against a running copy, mmap
 * against FREE, close against ioctl on the same fd number, fork against
 * mapping. While it runs the hung-task detector is tightened (a task stuck
 * in D state for 10 s panics the guest); afterwards nothing is left
 * behind and the kernel log is clean.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
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
#define RW (EDUDMA_ACCESS_DEV_READ | EDUDMA_ACCESS_DEV_WRITE)
#define MAX_DEVS 4
#define SLOTS 5
#define MAX_COPY 6000		/* 2 chunks: 4 commands, a few more when pinned */

static int ndevs;
static int base_buffers[MAX_DEVS], base_pinned[MAX_DEVS];
static uint64_t commands_at_start[MAX_DEVS];
static size_t log_mark;
static char hung_timeout_saved[32];

static int suite_init(void)
{
	int i;

	ndevs = gu_nr_devices();
	if (ndevs < 1)
		return -1;
	if (ndevs > MAX_DEVS)
		ndevs = MAX_DEVS;
	for (i = 0; i < ndevs; i++) {
		base_buffers[i] = gu_attr_int(i, "nr_buffers");
		base_pinned[i] = gu_attr_int(i, "nr_pinned");
		commands_at_start[i] = gu_commands(i);
	}
	/* A task in D state for 10 s (guest time) panics the guest: hung_task_panic=1. */
	if (gu_read_file("/proc/sys/kernel/hung_task_timeout_secs", hung_timeout_saved,
			 sizeof(hung_timeout_saved)) == 0)
		gu_write_file("/proc/sys/kernel/hung_task_timeout_secs", "10");
	return 0;
}

static int suite_cleanup(void)
{
	int i;

	for (i = 0; i < ndevs; i++)
		printf("    edudma%d: %llu commands in this suite\n", i,
		       (unsigned long long)(gu_commands(i) - commands_at_start[i]));
	if (hung_timeout_saved[0])
		gu_write_file("/proc/sys/kernel/hung_task_timeout_secs", hung_timeout_saved);
	return 0;
}

static void begin(void)
{
	log_mark = gu_dmesg_mark();
}

static void end_clean(void)
{
	char *bad;
	int i;

	for (i = 0; i < ndevs; i++) {
		CU_ASSERT_EQUAL(gu_attr_int(i, "nr_buffers"), base_buffers[i]);
		CU_ASSERT_EQUAL(gu_attr_int(i, "nr_pinned"), base_pinned[i]);
		CU_ASSERT_TRUE(gu_device_works(i));
	}
	CU_ASSERT_EQUAL(gu_status_kb("VmPin"), 0);
	gu_vmstat_refresh();
	CU_ASSERT_EQUAL(gu_vmstat("nr_foll_pin_acquired"), gu_vmstat("nr_foll_pin_released"));
	bad = gu_dmesg_problem_since(log_mark);
	if (bad)
		printf("\n    kernel log: %s\n", bad);
	CU_ASSERT_PTR_NULL(bad);
	free(bad);
}

/* ------------------------------------------------------ random workers */

struct slot {
	int kind;		/* 0 empty, 1 coherent, 2 pinned */
	uint32_t handle;
	uint8_t *mem;		/* mapping or the user memory */
	size_t size;
};

struct worker {
	int id, dev, iters;
	int fd;			/* shared with other threads, or -1: own */
	uint64_t rng;
	int own_fd;
	struct slot slot[SLOTS];
	/* results */
	int bad_data, bad_errno, ops, copies;
	char why[160];
};

static void __attribute__((format(printf, 3, 4)))
note(struct worker *w, int *counter, const char *fmt, ...)
{
	va_list ap;

	(*counter)++;
	if (w->why[0])
		return;
	va_start(ap, fmt);
	vsnprintf(w->why, sizeof(w->why), fmt, ap);
	va_end(ap);
}

static unsigned int rnd(struct worker *w, unsigned int n)
{
	return (unsigned int)(gu_rand64(&w->rng) % n);
}

static void slot_drop(struct worker *w, struct slot *s)
{
	int r = 0;

	if (s->kind == 1) {
		munmap(s->mem, s->size);
		if (w->fd >= 0)
			r = gu_free_handle(w->fd, s->handle);
	} else if (s->kind == 2) {
		if (w->fd >= 0)
			r = gu_unpin(w->fd, s->handle);
		free(s->mem);
	}
	/* ENOENT: the fd was closed and reopened since (handles went with it). */
	if (r && r != -ENOENT)
		note(w, &w->bad_errno, "drop: %d (slot kind %d)", r, s->kind);
	memset(s, 0, sizeof(*s));
}

/* Close the fd with everything in it, open a new one. */
static void reopen(struct worker *w)
{
	int i;

	close(w->fd);
	w->fd = -1;
	for (i = 0; i < SLOTS; i++)
		slot_drop(w, &w->slot[i]);	/* handles died with the file */
	w->fd = gu_open(w->dev);
	if (w->fd < 0)
		note(w, &w->bad_errno, "reopen: %s", strerror(errno));
}

static struct slot *pick(struct worker *w, int kind_wanted)
{
	int i, start = (int)rnd(w, SLOTS);

	for (i = 0; i < SLOTS; i++) {
		struct slot *s = &w->slot[(start + i) % SLOTS];

		if (kind_wanted < 0 ? s->kind != 0 : s->kind == kind_wanted)
			return s;
	}
	return NULL;
}

static void op_create(struct worker *w)
{
	struct slot *s = pick(w, 0);
	size_t size = 1 + rnd(w, 3 * PAGE + 100);

	if (!s)
		return;
	if (rnd(w, 2)) {
		struct gu_buf b;
		int r = gu_alloc(w->fd, size, &b);

		if (r) {
			note(w, &w->bad_errno, "alloc %d bytes: %d", (int)size, r);
			return;
		}
		s->kind = 1;
		s->handle = b.handle;
		s->mem = b.map;
		s->size = b.size;
	} else {
		struct edudma_pin p;
		uint8_t *m = malloc(size);
		int r;

		if (!m)
			return;
		memset(m, 0, size);
		r = gu_pin(w->fd, m, size, RW, &p);
		if (r) {
			note(w, &w->bad_errno, "pin %d bytes: %d", (int)size, r);
			free(m);
			return;
		}
		s->kind = 2;
		s->handle = p.handle;
		s->mem = m;
		s->size = size;
	}
}

/* A verified copy between two slots (or a slot and one-shot user memory). */
static void op_copy(struct worker *w)
{
	struct slot *a = pick(w, -1), *b;
	struct edudma_region rs, rd;
	uint8_t *user = NULL;
	size_t len, soff, doff, max;
	uint32_t seed = (uint32_t)gu_rand64(&w->rng);
	int r;

	if (!a)
		return;
	b = pick(w, -1);
	if (b == a || !b || rnd(w, 4) == 0) {
		/* one-shot user memory as the other side */
		user = malloc(MAX_COPY + 64);
		if (!user)
			return;
		memset(user, 0, MAX_COPY + 64);
		b = NULL;
	}
	max = a->size;
	if (b && b->size < max)
		max = b->size;
	if (max > MAX_COPY)
		max = MAX_COPY;
	len = 1 + rnd(w, (unsigned int)max);
	soff = rnd(w, (unsigned int)(a->size - len + 1));
	doff = b ? rnd(w, (unsigned int)(b->size - len + 1)) : rnd(w, 64);
	gu_fill(a->mem + soff, len, seed);
	rs = gu_handle_region(a->handle, soff);
	rd = b ? gu_handle_region(b->handle, doff) : gu_user_region(user + doff);
	if (b)
		memset(b->mem + doff, 0, len);
	r = gu_copy_regions(w->fd, &rs, &rd, len, NULL);
	w->copies++;
	if (r)
		note(w, &w->bad_errno, "copy of %d bytes: %d", (int)len, r);
	else if (gu_check(b ? b->mem + doff : user + doff, len, seed) != (size_t)-1)
		note(w, &w->bad_data, "copy of %d bytes (seed %d): wrong data", (int)len, (int)seed);
	free(user);
}

/* One-directional transfers: the device buffer is shared, nothing to compare. */
static void op_transfer(struct worker *w)
{
	struct slot *a = pick(w, -1);
	size_t len;
	int r;

	if (!a)
		return;
	len = 1 + rnd(w, a->size < 3000 ? (unsigned int)a->size : 3000);
	r = gu_transfer(w->fd, a->handle, 0, len, rnd(w, 2) ? EDUDMA_DIR_TO_DEVICE :
			EDUDMA_DIR_FROM_DEVICE, rnd(w, 1000), NULL);
	if (r)
		note(w, &w->bad_errno, "transfer of %d bytes: %d", (int)len, r);
}

/* Requests that must fail, in many ways; none may reach the device. */
static void op_bad(struct worker *w)
{
	struct slot *a = pick(w, -1);
	uint32_t h = a ? a->handle : 0;
	int r = 0, want = 0;

	switch (rnd(w, 6)) {
	case 0:
		r = gu_free_handle(w->fd, 0x7fff0000u + rnd(w, 100));
		want = -ENOENT;
		break;
	case 1:
		r = gu_transfer(w->fd, h, a ? a->size : 0, 1, EDUDMA_DIR_TO_DEVICE, 0, NULL);
		want = a ? -EINVAL : -ENOENT;
		break;
	case 2:
		r = gu_copy(w->fd, h, 0, h, 0, 1, NULL);
		want = a ? -EINVAL : -ENOENT;
		break;
	case 3:
		r = gu_pin(w->fd, (void *)(uintptr_t)0xfffffffffffff000ull, 0x2000, RW,
			   &(struct edudma_pin){ 0 });
		want = -EINVAL;
		break;
	case 4:
		r = gu_transfer(w->fd, h, 0, 1, 7, 0, NULL);	/* no such direction */
		want = -EINVAL;
		break;
	default:
		if (!a || a->kind != 1)
			return;
		r = gu_unpin(w->fd, h);
		want = -EINVAL;
	}
	if (r != want)
		note(w, &w->bad_errno, "bad request: %d, expected %d", r, want);
}

static void run_worker(struct worker *w)
{
	int i;

	if (w->fd < 0) {
		w->fd = gu_open(w->dev);
		w->own_fd = 1;
	}
	for (i = 0; i < w->iters && w->fd >= 0; i++, w->ops++) {
		unsigned int op = rnd(w, 100);

		if (op < 25)
			op_create(w);
		else if (op < 45)
			op_copy(w);
		else if (op < 55)
			op_transfer(w);
		else if (op < 70) {
			struct slot *s = pick(w, -1);

			if (s)
				slot_drop(w, s);
		} else if (op < 90)
			op_bad(w);
		else if (op < 94 && w->own_fd)
			reopen(w);
		else {
			struct edudma_info info;

			if (ioctl(w->fd, EDUDMA_IOC_INFO, &info))
				note(w, &w->bad_errno, "INFO: %s", strerror(errno));
		}
	}
	for (i = 0; i < SLOTS; i++)
		slot_drop(w, &w->slot[i]);
	if (w->own_fd && w->fd >= 0)
		close(w->fd);
}

static void *worker_thread(void *arg)
{
	run_worker(arg);
	return NULL;
}

static void report(struct worker *w, const char *who)
{
	if (w->bad_data || w->bad_errno)
		printf("\n    %s %d (dev %d): %d ops, %d copies, %d bad data, %d bad errno: %s",
		       who, w->id, w->dev, w->ops, w->copies, w->bad_data, w->bad_errno, w->why);
	CU_ASSERT_EQUAL(w->bad_data, 0);
	CU_ASSERT_EQUAL(w->bad_errno, 0);
}

#define THREADS 6
#define ITERS 40

/*
 * Six threads: two share one fd of device 0, the rest have their own fds
 * spread over the devices (and close and reopen them now and then).
 */
static void test_threads_random_ops(void)
{
	static struct worker w[THREADS];
	pthread_t th[THREADS];
	int i, shared = gu_open(0);

	begin();
	CU_ASSERT_FATAL(shared >= 0);
	for (i = 0; i < THREADS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].id = i;
		w[i].dev = i < 2 ? 0 : i % ndevs;
		w[i].fd = i < 2 ? shared : -1;
		w[i].iters = ITERS;
		w[i].rng = 0x1234567ull * (i + 1);
		CU_ASSERT_EQUAL_FATAL(pthread_create(&th[i], NULL, worker_thread, &w[i]), 0);
	}
	for (i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		report(&w[i], "thread");
	}
	close(shared);
	end_clean();
}

#define PROCS 4

/* Four processes, each on its own fd, on all devices at once. */
static void test_processes_random_ops(void)
{
	pid_t pid[PROCS];
	int i;

	begin();
	for (i = 0; i < PROCS; i++) {
		pid[i] = fork();
		if (pid[i] == 0) {
			struct worker w;

			memset(&w, 0, sizeof(w));
			w.id = i;
			w.dev = i % ndevs;
			w.fd = -1;
			w.iters = ITERS;
			w.rng = 0xabcdefull * (i + 7);
			run_worker(&w);
			if (w.bad_data || w.bad_errno)
				printf("\n    process %d: %s", i, w.why);
			_exit(w.bad_data ? 2 : w.bad_errno ? 1 : 0);
		}
	}
	for (i = 0; i < PROCS; i++)
		CU_ASSERT_EQUAL(gu_wait_child(pid[i]), 0);
	end_clean();
}

/* ------------------------------------------------------------- races */

struct race {
	int fd;
	uint32_t handle;
	pthread_barrier_t *go;
	int ret;
	int loops;
	uint32_t src, dst;
	uint8_t *dst_mem;
	int bad;
};

static void *free_racer(void *arg)
{
	struct race *r = arg;

	pthread_barrier_wait(r->go);
	r->ret = gu_free_handle(r->fd, r->handle);
	return NULL;
}

/* Four threads FREE the same handle at once: exactly one wins. */
static void test_race_free_vs_free(void)
{
	pthread_barrier_t go;
	struct race r[4];
	pthread_t th[4];
	int round, i, fd = gu_open(0), wrong = 0;

	begin();
	CU_ASSERT_FATAL(fd >= 0);
	for (round = 0; round < 30; round++) {
		struct gu_buf b;
		int wins = 0;

		CU_ASSERT_EQUAL_FATAL(gu_alloc(fd, PAGE, &b), 0);
		munmap(b.map, b.size);
		pthread_barrier_init(&go, NULL, 4);
		for (i = 0; i < 4; i++) {
			r[i] = (struct race){ .fd = fd, .handle = b.handle, .go = &go };
			pthread_create(&th[i], NULL, free_racer, &r[i]);
		}
		for (i = 0; i < 4; i++) {
			pthread_join(th[i], NULL);
			if (r[i].ret == 0)
				wins++;
			else if (r[i].ret != -ENOENT)
				wrong++;
		}
		pthread_barrier_destroy(&go);
		if (wins != 1)
			wrong++;
	}
	CU_ASSERT_EQUAL(wrong, 0);
	close(fd);
	end_clean();
}

/* Copies from a handle while another thread frees it: 0 (data right) or ENOENT. */
static void *copy_racer(void *arg)
{
	struct race *r = arg;
	int i;

	pthread_barrier_wait(r->go);
	for (i = 0; i < r->loops; i++) {
		int ret;

		memset(r->dst_mem, 0, 64);
		ret = gu_copy(r->fd, r->src, 0, r->dst, 0, 64, NULL);
		if (ret == -ENOENT)
			break;
		if (ret || gu_check(r->dst_mem, 64, 81) != (size_t)-1)
			r->bad++;
	}
	return NULL;
}

static void race_drop_vs_copy(int pinned)
{
	static uint8_t src_mem[PAGE] __attribute__((aligned(PAGE)));
	pthread_barrier_t go;
	struct race r;
	pthread_t th;
	int round, fd = gu_open(0), bad = 0;

	begin();
	CU_ASSERT_FATAL(fd >= 0);
	for (round = 0; round < 8; round++) {
		struct gu_buf src, dst;
		struct edudma_pin p;

		CU_ASSERT_EQUAL_FATAL(gu_alloc(fd, PAGE, &dst), 0);
		if (pinned) {
			gu_fill(src_mem, 64, 81);
			CU_ASSERT_EQUAL_FATAL(gu_pin(fd, src_mem, PAGE, RW, &p), 0);
		} else {
			CU_ASSERT_EQUAL_FATAL(gu_alloc(fd, PAGE, &src), 0);
			gu_fill(src.map, 64, 81);
		}
		pthread_barrier_init(&go, NULL, 2);
		r = (struct race){ .fd = fd, .go = &go, .loops = 4, .dst = dst.handle,
				   .dst_mem = dst.map, .src = pinned ? p.handle : src.handle };
		pthread_create(&th, NULL, copy_racer, &r);
		pthread_barrier_wait(&go);
		usleep((useconds_t)(round % 4) * 90 * 1000);
		if (pinned) {
			CU_ASSERT_EQUAL(gu_unpin(fd, p.handle), 0);
		} else {
			CU_ASSERT_EQUAL(gu_free(fd, &src), 0);
		}
		pthread_join(th, NULL);
		pthread_barrier_destroy(&go);
		bad += r.bad;
		CU_ASSERT_EQUAL(gu_free(fd, &dst), 0);
	}
	CU_ASSERT_EQUAL(bad, 0);
	close(fd);
	end_clean();
}

static void test_race_free_vs_copy(void)
{
	race_drop_vs_copy(0);
}

static void test_race_unpin_vs_copy(void)
{
	race_drop_vs_copy(1);
}

struct mapper {
	int fd;
	uint64_t off;
	size_t size;
	volatile int stop;
	int maps, refused, bad;
};

static void *mmap_racer(void *arg)
{
	struct mapper *m = arg;

	while (!m->stop) {
		uint8_t *p = mmap(NULL, m->size, PROT_READ | PROT_WRITE, MAP_SHARED,
				  m->fd, (off_t)m->off);

		if (p == MAP_FAILED) {
			if (errno != EINVAL)
				m->bad++;
			m->refused++;
			if (m->refused > 3)
				break;
			continue;
		}
		m->maps++;
		p[0]++;
		munmap(p, m->size);
	}
	return NULL;
}

/* mmap and munmap in a loop while another thread frees the buffer. */
static void test_race_mmap_vs_free(void)
{
	int round, fd = gu_open(0), bad = 0;

	begin();
	CU_ASSERT_FATAL(fd >= 0);
	for (round = 0; round < 10; round++) {
		struct mapper m = { .fd = fd };
		struct gu_buf b;
		pthread_t th;

		CU_ASSERT_EQUAL_FATAL(gu_alloc(fd, 2 * PAGE, &b), 0);
		munmap(b.map, b.size);
		m.off = b.mmap_offset;
		m.size = b.size;
		pthread_create(&th, NULL, mmap_racer, &m);
		usleep((useconds_t)(round * 3) * 1000);
		CU_ASSERT_EQUAL(gu_free_handle(fd, b.handle), 0);
		usleep(5000);
		m.stop = 1;
		pthread_join(th, NULL);
		bad += m.bad;
	}
	CU_ASSERT_EQUAL(bad, 0);
	close(fd);
	end_clean();
}

struct closer {
	volatile int stop;
	int fdnum;
	int odd;
};

static void *ioctl_on_number(void *arg)
{
	struct closer *c = arg;

	while (!c->stop) {
		struct edudma_alloc a;
		int r;

		memset(&a, 0, sizeof(a));
		a.size = PAGE;
		r = ioctl(c->fdnum, EDUDMA_IOC_ALLOC, &a);
		if (r == 0) {
			struct edudma_handle h = { .handle = a.handle };

			/* The number may be /dev/null (ENOTTY) or another file by now. */
			ioctl(c->fdnum, EDUDMA_IOC_FREE, &h);
		} else if (errno != EBADF && errno != ENOTTY) {
			c->odd++;
		}
	}
	return NULL;
}

/*
 * One thread issues ALLOC/FREE on an fd number while another closes it and
 * opens something else in its place, over and over. Whatever file the
 * number names, each call is an errno or works; buffers allocated on a
 * file that is then closed go with it.
 */
static void test_race_close_vs_ioctl(void)
{
	struct closer c = { 0 };
	pthread_t th;
	int i, fd = gu_open(0);

	begin();
	CU_ASSERT_FATAL(fd >= 0);
	c.fdnum = fd;
	pthread_create(&th, NULL, ioctl_on_number, &c);
	for (i = 0; i < 200; i++) {
		int n;

		close(fd);
		n = i % 3 ? gu_open(0) : open("/dev/null", O_RDWR | O_CLOEXEC);
		if (n != fd) {
			/* another thread took the number: put ours there */
			dup2(n, fd);
			close(n);
		}
	}
	c.stop = 1;
	pthread_join(th, NULL);
	close(fd);
	CU_ASSERT_EQUAL(c.odd, 0);
	end_clean();
}

static void *map_churn(void *arg)
{
	struct mapper *m = arg;

	while (!m->stop) {
		struct gu_buf b;

		if (gu_alloc(m->fd, PAGE, &b)) {
			m->bad++;
			break;
		}
		b.map[0] = 1;
		gu_free(m->fd, &b);
		m->maps++;
	}
	return NULL;
}

/* fork() duplicating the mappings while another thread creates and drops them. */
static void test_race_fork_vs_mapping(void)
{
	struct mapper m = { 0 };
	pthread_t th;
	int i, fd = gu_open(0);

	begin();
	CU_ASSERT_FATAL(fd >= 0);
	m.fd = fd;
	pthread_create(&th, NULL, map_churn, &m);
	for (i = 0; i < 20; i++) {
		pid_t pid = fork();

		if (pid == 0)
			_exit(0);
		CU_ASSERT_EQUAL(gu_wait_child(pid), 0);
	}
	m.stop = 1;
	pthread_join(th, NULL);
	CU_ASSERT_EQUAL(m.bad, 0);
	CU_ASSERT(m.maps > 0);
	close(fd);
	end_clean();
}

static const struct edutest_case random_cases[] = {
	{ "threads_random_ops", test_threads_random_ops },
	{ "processes_random_ops", test_processes_random_ops },
	{ NULL, NULL }
};

static const struct edutest_case race_cases[] = {
	{ "free_vs_free", test_race_free_vs_free },
	{ "free_vs_copy", test_race_free_vs_copy },
	{ "unpin_vs_copy", test_race_unpin_vs_copy },
	{ "mmap_vs_free", test_race_mmap_vs_free },
	{ "close_vs_ioctl", test_race_close_vs_ioctl },
	{ "fork_vs_mapping", test_race_fork_vs_mapping },
	{ NULL, NULL }
};

static const struct edutest_suite suites[] = {
	{ "random", suite_init, suite_cleanup, random_cases },
	{ "races", suite_init, suite_cleanup, race_cases },
	{ NULL, NULL, NULL, NULL }
};

int main(int argc, char **argv)
{
	return edutest_main(argc, argv, "abuse_concurrency", suites);
}
