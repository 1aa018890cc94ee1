/* SPDX-License-Identifier: MIT */
/*
 * Lifetimes in every order: close, FREE, UNPIN and munmap while a transfer
 * is in flight; SIGKILL in the middle of long copies, again and again, for
 * every kind of memory and while waiting for the engine; module unload
 * while something still holds the driver (a mapping with the fd closed, an
 * fd in a child or in flight in a unix socket, a running transfer) and
 * after everything is closed; libdma objects closed twice and used after
 * close. Afterwards nothing is left behind, the device still moves data
 * and the kernel log is clean.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libdma.h>

#include "../common/edutest.h"
#include "guest_util.h"

#define PAGE 4096u
#define RW (EDUDMA_ACCESS_DEV_READ | EDUDMA_ACCESS_DEV_WRITE)
#define LONG_COPY (40 * 1024)	/* 11 chunks: 22 commands, 2.2 s of device time */

static int base_buffers, base_pinned;
static size_t log_mark;
static long long pins_at_start;

static int suite_init(void)
{
	base_buffers = gu_attr_int(0, "nr_buffers");
	base_pinned = gu_attr_int(0, "nr_pinned");
	return base_buffers < 0 || base_pinned < 0;
}

static void begin(void)
{
	log_mark = gu_dmesg_mark();
	gu_vmstat_refresh();
	pins_at_start = gu_vmstat("nr_foll_pin_acquired");
}

/* Nothing left behind, every pin released, the device works, the log is clean. */
static void end_clean(void)
{
	char *bad;

	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_buffers"), base_buffers);
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_pinned"), base_pinned);
	CU_ASSERT_EQUAL(gu_status_kb("VmPin"), 0);
	gu_vmstat_refresh();
	CU_ASSERT_EQUAL(gu_vmstat("nr_foll_pin_acquired"), gu_vmstat("nr_foll_pin_released"));
	CU_ASSERT_TRUE(gu_device_works(0));
	bad = gu_dmesg_problem_since(log_mark);
	if (bad)
		printf("\n    kernel log: %s\n", bad);
	CU_ASSERT_PTR_NULL(bad);
	free(bad);
}

/* Wait (bounded, guest time) until device 0 has issued 'n' more commands. */
static int wait_commands(uint64_t from, uint64_t n)
{
	int i;

	for (i = 0; i < 500; i++) {
		if (gu_commands(0) >= from + n)
			return 0;
		usleep(20 * 1000);
	}
	return -1;
}

/* ------------------------------------------------- things in flight */

struct inflight {
	int fd;
	struct edudma_region src, dst;
	uint64_t len;
	int ret;
	struct edudma_stats st;
};

static void *copy_thread(void *arg)
{
	struct inflight *c = arg;

	c->ret = gu_copy_regions(c->fd, &c->src, &c->dst, c->len, &c->st);
	return NULL;
}

/*
 * Another thread drops every handle (FREE, UNPIN) and closes the fd while
 * a copy between a coherent buffer and pinned memory runs: the copy
 * finishes, every byte arrives, and everything goes once it returns.
 */
static void test_close_and_free_with_copy_in_flight(void)
{
	uint8_t *dst = aligned_alloc(PAGE, LONG_COPY);
	struct inflight c = { 0 };
	struct edudma_pin p;
	struct gu_buf a;
	pthread_t th;
	uint64_t start;

	begin();
	CU_ASSERT_FATAL(dst != NULL);
	memset(dst, 0, LONG_COPY);
	c.fd = gu_open(0);
	CU_ASSERT_FATAL(c.fd >= 0);
	CU_ASSERT_EQUAL_FATAL(gu_alloc(c.fd, LONG_COPY, &a), 0);
	CU_ASSERT_EQUAL_FATAL(gu_pin(c.fd, dst, LONG_COPY, EDUDMA_ACCESS_DEV_WRITE, &p), 0);
	gu_fill(a.map, LONG_COPY, 61);
	c.src = gu_handle_region(a.handle, 0);
	c.dst = gu_handle_region(p.handle, 0);
	c.len = LONG_COPY;
	start = gu_commands(0);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&th, NULL, copy_thread, &c), 0);
	CU_ASSERT_EQUAL(wait_commands(start, 2), 0);
	CU_ASSERT_EQUAL(gu_free_handle(c.fd, a.handle), 0);
	CU_ASSERT_EQUAL(gu_unpin(c.fd, p.handle), 0);
	CU_ASSERT_EQUAL(close(c.fd), 0);
	/* the copy holds both: the pin and the coherent buffer (charged alike) */
	CU_ASSERT_EQUAL(gu_status_kb("VmPin"), 2 * LONG_COPY / 1024);
	pthread_join(th, NULL);
	CU_ASSERT_EQUAL(c.ret, 0);
	CU_ASSERT_EQUAL(c.st.bytes, LONG_COPY);
	CU_ASSERT_EQUAL(gu_check(dst, LONG_COPY, 61), (size_t)-1);
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_buffers"), base_buffers + 1);	/* mapped */
	munmap(a.map, a.size);
	free(dst);
	end_clean();
}

/* The same fd shared with a child: the parent closes while the child copies. */
static void test_close_in_other_process_during_copy(void)
{
	struct gu_buf a, b;
	int f = gu_open(0), pipefd[2];
	char x;
	pid_t pid;

	begin();
	CU_ASSERT_FATAL(f >= 0);
	CU_ASSERT_EQUAL_FATAL(pipe(pipefd), 0);
	CU_ASSERT_EQUAL_FATAL(gu_alloc(f, LONG_COPY, &a), 0);
	CU_ASSERT_EQUAL_FATAL(gu_alloc(f, LONG_COPY, &b), 0);
	gu_fill(a.map, LONG_COPY, 62);
	pid = fork();
	if (pid == 0) {
		if (write(pipefd[1], "x", 1) != 1)
			_exit(10);
		if (gu_copy(f, a.handle, 0, b.handle, 0, LONG_COPY, NULL))
			_exit(11);
		_exit(gu_check(b.map, LONG_COPY, 62) == (size_t)-1 ? 0 : 12);
	}
	CU_ASSERT_EQUAL(read(pipefd[0], &x, 1), 1);
	usleep(300 * 1000);
	CU_ASSERT_EQUAL(gu_free(f, &a), 0);
	CU_ASSERT_EQUAL(gu_free(f, &b), 0);
	CU_ASSERT_EQUAL(close(f), 0);
	CU_ASSERT_EQUAL(gu_wait_child(pid), 0);
	close(pipefd[0]);
	close(pipefd[1]);
	end_clean();
}

/*
 * munmap of the memory a transfer is using: one-shot source, pinned
 * destination and the coherent buffer's own mapping all go away mid-copy.
 * Pinned pages stay the device's until the call (or UNPIN) lets go; the
 * copy completes with the data the source had.
 */
static void test_munmap_during_copy(void)
{
	uint8_t *src = mmap(NULL, LONG_COPY, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *dst = mmap(NULL, LONG_COPY, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct inflight c = { 0 };
	struct edudma_pin p;
	struct gu_buf mid;
	pthread_t th;
	uint64_t start;
	uint8_t *again;

	begin();
	CU_ASSERT_FATAL(src != MAP_FAILED && dst != MAP_FAILED);
	c.fd = gu_open(0);
	CU_ASSERT_FATAL(c.fd >= 0);
	gu_fill(src, LONG_COPY, 63);
	memset(dst, 0, LONG_COPY);

	/* one-shot source -> coherent buffer; both mappings vanish mid-copy */
	CU_ASSERT_EQUAL_FATAL(gu_alloc(c.fd, LONG_COPY, &mid), 0);
	c.src = gu_user_region(src);
	c.dst = gu_handle_region(mid.handle, 0);
	c.len = LONG_COPY;
	start = gu_commands(0);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&th, NULL, copy_thread, &c), 0);
	CU_ASSERT_EQUAL(wait_commands(start, 2), 0);
	CU_ASSERT_EQUAL(munmap(src, LONG_COPY), 0);
	CU_ASSERT_EQUAL(munmap(mid.map, mid.size), 0);
	pthread_join(th, NULL);
	CU_ASSERT_EQUAL(c.ret, 0);
	again = mmap(NULL, mid.size, PROT_READ, MAP_SHARED, c.fd, (off_t)mid.mmap_offset);
	CU_ASSERT_FATAL(again != MAP_FAILED);
	CU_ASSERT_EQUAL(gu_check(again, LONG_COPY, 63), (size_t)-1);

	/* coherent -> pinned destination, unmapped mid-copy, then UNPIN */
	CU_ASSERT_EQUAL_FATAL(gu_pin(c.fd, dst, LONG_COPY, EDUDMA_ACCESS_DEV_WRITE, &p), 0);
	c.src = gu_handle_region(mid.handle, 0);
	c.dst = gu_handle_region(p.handle, 0);
	start = gu_commands(0);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&th, NULL, copy_thread, &c), 0);
	CU_ASSERT_EQUAL(wait_commands(start, 2), 0);
	CU_ASSERT_EQUAL(munmap(dst, LONG_COPY), 0);
	pthread_join(th, NULL);
	CU_ASSERT_EQUAL(c.ret, 0);
	CU_ASSERT_EQUAL(gu_unpin(c.fd, p.handle), 0);
	munmap(again, mid.size);
	CU_ASSERT_EQUAL(gu_free_handle(c.fd, mid.handle), 0);
	close(c.fd);
	end_clean();
}

/* A process exits with everything open and a copy running in a thread. */
static void test_exit_with_everything_open(void)
{
	pid_t pid;
	int round;

	begin();
	for (round = 0; round < 3; round++) {
		pid = fork();
		if (pid == 0) {
			static uint8_t mem[8 * PAGE] __attribute__((aligned(PAGE)));
			struct inflight c = { 0 };
			struct edudma_pin p;
			struct gu_buf a, b;
			pthread_t th;

			c.fd = gu_open(0);
			if (c.fd < 0 || gu_alloc(c.fd, LONG_COPY, &a) ||
			    gu_alloc(c.fd, LONG_COPY, &b) ||
			    gu_pin(c.fd, mem, sizeof(mem), RW, &p))
				_exit(10);
			c.src = gu_handle_region(a.handle, 0);
			c.dst = gu_handle_region(b.handle, 0);
			c.len = LONG_COPY;
			pthread_create(&th, NULL, copy_thread, &c);
			usleep((useconds_t)(100 + 150 * round) * 1000);
			if (round == 2)
				close(c.fd);	/* only the mappings and the thread hold it */
			_exit(0);	/* no FREE, no UNPIN, no munmap, no join */
		}
		CU_ASSERT_EQUAL(gu_wait_child(pid), 0);
	}
	end_clean();
}

/*
 * SIGKILL in the middle of a long copy, many times: coherent, pinned,
 * one-shot memory, a process waiting for the engine behind another, and a
 * process in the middle of pinning a large range. Kill times vary from
 * before the first command to a few commands in.
 */
enum victim_kind { V_COHERENT, V_PINNED, V_ONESHOT, V_PIN_LARGE, V_KINDS };

static void victim(enum victim_kind kind, int wfd)
{
	const size_t len = 1 << 20;	/* 514+ commands: never finishes in time */
	int f = gu_open(0);
	struct edudma_region s, d;
	struct edudma_pin ps, pd;
	struct gu_buf a, b;
	uint8_t *m1, *m2;

	if (f < 0)
		_exit(10);
	switch (kind) {
	case V_COHERENT:
		if (gu_alloc(f, len, &a) || gu_alloc(f, len, &b))
			_exit(11);
		s = gu_handle_region(a.handle, 0);
		d = gu_handle_region(b.handle, 0);
		break;
	case V_PINNED:
	case V_ONESHOT:
		m1 = malloc(len);
		m2 = malloc(len);
		if (!m1 || !m2)
			_exit(12);
		memset(m1, 1, len);
		memset(m2, 2, len);
		if (kind == V_ONESHOT) {
			s = gu_user_region(m1);
			d = gu_user_region(m2);
			break;
		}
		if (gu_pin(f, m1, len, EDUDMA_ACCESS_DEV_READ, &ps) ||
		    gu_pin(f, m2, len, EDUDMA_ACCESS_DEV_WRITE, &pd))
			_exit(13);
		s = gu_handle_region(ps.handle, 0);
		d = gu_handle_region(pd.handle, 0);
		break;
	default:
		/* 32 MiB of fresh anonymous memory, pinned writable: faults in as it pins. */
		m1 = mmap(NULL, 32 << 20, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m1 == MAP_FAILED)
			_exit(14);
		if (write(wfd, "g", 1) != 1)
			_exit(15);
		for (;;)
			if (!gu_pin(f, m1, 32 << 20, RW, &ps))
				gu_unpin(f, ps.handle);
	}
	if (write(wfd, "g", 1) != 1)
		_exit(15);
	for (;;)
		gu_copy_regions(f, &s, &d, len, NULL);
}

#define KILL_ROUNDS 24

static void test_sigkill_mid_copy_repeated(void)
{
	int round, pipefd[2], waiting = 0;
	uint64_t before = gu_commands(0);

	begin();
	for (round = 0; round < KILL_ROUNDS; round++) {
		enum victim_kind kind = (enum victim_kind)(round % V_KINDS);
		pid_t pid, blocker = -1;
		char g;

		CU_ASSERT_EQUAL_FATAL(pipe(pipefd), 0);
		/* Every third round another copier holds the engine first. */
		if (round % 3 == 2) {
			blocker = fork();
			if (blocker == 0)
				victim(V_COHERENT, pipefd[1]);
			CU_ASSERT_EQUAL(read(pipefd[0], &g, 1), 1);
			waiting++;
		}
		pid = fork();
		if (pid == 0)
			victim(kind, pipefd[1]);
		CU_ASSERT_EQUAL(read(pipefd[0], &g, 1), 1);
		/* 0 to 350 ms of guest time: before, at and after the first command. */
		usleep((useconds_t)((round * 37) % 8) * 50 * 1000);
		kill(pid, SIGKILL);
		CU_ASSERT_EQUAL(gu_wait_child(pid), 128 + SIGKILL);
		if (blocker > 0) {
			kill(blocker, SIGKILL);
			CU_ASSERT_EQUAL(gu_wait_child(blocker), 128 + SIGKILL);
		}
		close(pipefd[0]);
		close(pipefd[1]);
	}
	printf("\n    %d kills (%d behind another copier), %llu commands\n", KILL_ROUNDS,
	       waiting, (unsigned long long)(gu_commands(0) - before));
	end_clean();
}

/* ----------------------------------------------------- module unload */

static void reload_and_check(void)
{
	int devs = gu_nr_devices(), i;

	if (gu_module_loaded())
		CU_ASSERT_EQUAL(gu_module_unload(), 0);
	CU_ASSERT_FALSE(gu_module_loaded());
	CU_ASSERT_EQUAL_FATAL(gu_module_load(NULL), 0);
	for (i = 0; i < 100 && gu_nr_devices() < 1; i++)
		usleep(10000);
	(void)devs;
	for (i = 0; i < gu_nr_devices(); i++)
		CU_ASSERT_TRUE(gu_device_works(i));
	base_buffers = gu_attr_int(0, "nr_buffers");
	base_pinned = gu_attr_int(0, "nr_pinned");
}

/* Only a mapping is left - the fd closed long ago: unloading is refused. */
static void test_unload_refused_while_only_a_mapping_lives(void)
{
	struct gu_buf b;
	int f = gu_open(0);

	begin();
	CU_ASSERT_FATAL(f >= 0);
	CU_ASSERT_EQUAL_FATAL(gu_alloc(f, 2 * PAGE, &b), 0);
	gu_fill(b.map, 2 * PAGE, 71);
	CU_ASSERT_EQUAL(gu_free_handle(f, b.handle), 0);
	CU_ASSERT_EQUAL(close(f), 0);
	CU_ASSERT_NOT_EQUAL(gu_module_unload(), 0);
	CU_ASSERT_TRUE(gu_module_loaded());
	CU_ASSERT_EQUAL(gu_check(b.map, 2 * PAGE, 71), (size_t)-1);	/* intact */
	CU_ASSERT_EQUAL(munmap(b.map, b.size), 0);
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_buffers"), base_buffers);
	CU_ASSERT_EQUAL(gu_module_unload(), 0);	/* and now it goes */
	reload_and_check();
	end_clean();
}

/* The only open fd is in a child; then in a unix socket, in flight. */
static void test_unload_refused_while_fd_elsewhere(void)
{
	int sv[2], f, pipefd[2];
	char x;
	pid_t pid;

	begin();
	CU_ASSERT_EQUAL_FATAL(pipe(pipefd), 0);
	pid = fork();
	if (pid == 0) {
		int cf = gu_open(0);

		if (write(pipefd[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(cf < 0);
	}
	CU_ASSERT_EQUAL(read(pipefd[0], &x, 1), 1);
	CU_ASSERT_NOT_EQUAL(gu_module_unload(), 0);
	kill(pid, SIGKILL);
	gu_wait_child(pid);
	close(pipefd[0]);
	close(pipefd[1]);

	/* SCM_RIGHTS: sent, closed here, not yet received. */
	CU_ASSERT_EQUAL_FATAL(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	f = gu_open(0);
	CU_ASSERT_FATAL(f >= 0);
	{
		char cbuf[CMSG_SPACE(sizeof(int))], data = 'f';
		struct iovec iov = { .iov_base = &data, .iov_len = 1 };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
				      .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
		struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &f, sizeof(int));
		CU_ASSERT_EQUAL(sendmsg(sv[0], &msg, 0), 1);
	}
	CU_ASSERT_EQUAL(close(f), 0);
	CU_ASSERT_NOT_EQUAL(gu_module_unload(), 0);
	close(sv[0]);
	close(sv[1]);	/* the file in flight goes with the socket */
	usleep(100 * 1000);	/* unix socket garbage is released asynchronously */
	reload_and_check();
	end_clean();
}

/* A transfer in flight (its fd already closed): unload refused, copy intact. */
static void test_unload_refused_during_transfer(void)
{
	struct inflight c = { 0 };
	struct gu_buf a, b;
	pthread_t th;
	uint64_t start;

	begin();
	c.fd = gu_open(0);
	CU_ASSERT_FATAL(c.fd >= 0);
	CU_ASSERT_EQUAL_FATAL(gu_alloc(c.fd, LONG_COPY, &a), 0);
	CU_ASSERT_EQUAL_FATAL(gu_alloc(c.fd, LONG_COPY, &b), 0);
	gu_fill(a.map, LONG_COPY, 72);
	c.src = gu_handle_region(a.handle, 0);
	c.dst = gu_handle_region(b.handle, 0);
	c.len = LONG_COPY;
	start = gu_commands(0);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&th, NULL, copy_thread, &c), 0);
	CU_ASSERT_EQUAL(wait_commands(start, 2), 0);
	CU_ASSERT_EQUAL(close(c.fd), 0);	/* the running call holds the file */
	CU_ASSERT_NOT_EQUAL(gu_module_unload(), 0);
	pthread_join(th, NULL);
	CU_ASSERT_EQUAL(c.ret, 0);
	CU_ASSERT_EQUAL(gu_check(b.map, LONG_COPY, 72), (size_t)-1);
	munmap(a.map, a.size);
	munmap(b.map, b.size);
	reload_and_check();
	end_clean();
}

/* Pins, buffers and one-shot users all gone: unloading works, and so does what follows. */
static void test_unload_after_everything_closed(void)
{
	uint8_t *mem = aligned_alloc(PAGE, 4 * PAGE);
	struct edudma_pin p;
	struct gu_buf b;
	int f = gu_open(0);

	begin();
	CU_ASSERT_FATAL(f >= 0 && mem != NULL);
	memset(mem, 0, 4 * PAGE);
	CU_ASSERT_EQUAL(gu_alloc(f, PAGE, &b), 0);
	CU_ASSERT_EQUAL(gu_pin(f, mem, 4 * PAGE, RW, &p), 0);
	/*
	 * The mapping holds the file, so closing the fd releases nothing yet:
	 * the pin and the buffer live (and stay charged: 4 + 1 pages) until
	 * the last munmap releases the file.
	 */
	close(f);
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_pinned"), base_pinned + 1);
	CU_ASSERT_EQUAL(gu_status_kb("VmPin"), 20);
	CU_ASSERT_NOT_EQUAL(gu_module_unload(), 0);
	munmap(b.map, b.size);
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_pinned"), base_pinned);
	CU_ASSERT_EQUAL(gu_status_kb("VmPin"), 0);
	CU_ASSERT_EQUAL(gu_module_unload(), 0);
	reload_and_check();
	free(mem);
	end_clean();
}

/* ------------------------------------------------------------ libdma */

static int count_fds_now(void)
{
	return gu_count_fds();
}

/* Double close, use after close, while a buffer keeps the device alive. */
static void test_lib_double_close_and_use_after_close(void)
{
	struct libdma_device *dev, *dev2;
	struct libdma_buffer *b, *other;
	struct libdma_region r, r2;
	struct libdma_info info;
	int fds = count_fds_now();

	begin();
	CU_ASSERT_EQUAL_FATAL(libdma_open("0", &dev), 0);
	CU_ASSERT_EQUAL_FATAL(libdma_buffer_alloc(dev, 100, &b), 0);
	CU_ASSERT_EQUAL(libdma_close(dev), 0);
	CU_ASSERT_EQUAL(libdma_close(dev), -EBADF);
	CU_ASSERT_EQUAL(libdma_close(dev), -EBADF);
	CU_ASSERT_EQUAL(libdma_get_info(dev, &info), -EBADF);
	CU_ASSERT_EQUAL(libdma_driver_abi_version(dev), -EBADF);
	CU_ASSERT_EQUAL(libdma_buffer_alloc(dev, 100, &other), -EBADF);
	CU_ASSERT_PTR_NULL(other);
	CU_ASSERT_EQUAL(libdma_buffer_register(dev, &info, sizeof(info),
					       LIBDMA_ACCESS_RW, &other, NULL), -EBADF);
	r = libdma_region_buffer(b, 0, 10);
	r2 = libdma_region_buffer(b, 50, 10);
	CU_ASSERT_EQUAL(libdma_transfer_to_device(dev, &r, 0, NULL), -EBADF);
	CU_ASSERT_EQUAL(libdma_transfer_from_device(dev, &r, 0, NULL), -EBADF);
	CU_ASSERT_EQUAL(libdma_copy(dev, &r2, &r, NULL), -EBADF);
	CU_ASSERT_EQUAL(libdma_irq_test(dev, 0, NULL), -EBADF);
	/* The buffer is still mapped and ours; its device fd still open. */
	memset(libdma_buffer_ptr(b), 7, 100);
	CU_ASSERT_EQUAL(count_fds_now(), fds + 1);
	/* Another handle on the same device works meanwhile. */
	CU_ASSERT_EQUAL_FATAL(libdma_open("0", &dev2), 0);
	CU_ASSERT_EQUAL(libdma_copy(dev2, &r2, &r, NULL), -EINVAL);	/* b is dev's */
	CU_ASSERT_EQUAL(libdma_close(dev2), 0);
	CU_ASSERT_EQUAL(libdma_buffer_free(b), 0);	/* releases the device */
	CU_ASSERT_EQUAL(count_fds_now(), fds);
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_buffers"), base_buffers);
	end_clean();
}

/*
 * Double free and use after free of buffers, and a second close of a
 * device that has been fully released: -EBADF, never a crash. (For fully
 * released objects libdma.h promises a best effort; glibc's allocator
 * keeps the dead magic from reading as live.)
 */
static void test_lib_double_free_and_released_objects(void)
{
	static uint8_t mem[3 * PAGE] __attribute__((aligned(PAGE)));
	struct libdma_device *dev;
	struct libdma_buffer *a, *reg;
	struct libdma_region r, rr;
	int fds = count_fds_now();

	begin();
	CU_ASSERT_EQUAL_FATAL(libdma_open("0", &dev), 0);
	CU_ASSERT_EQUAL_FATAL(libdma_buffer_alloc(dev, PAGE, &a), 0);
	CU_ASSERT_EQUAL_FATAL(libdma_buffer_register(dev, mem, sizeof(mem),
						     LIBDMA_ACCESS_RW, &reg, NULL), 0);
	CU_ASSERT_EQUAL(libdma_buffer_free(reg), -EINVAL);	/* wrong kind: kept */
	CU_ASSERT_EQUAL(libdma_buffer_unregister(a), -EINVAL);
	CU_ASSERT_EQUAL(libdma_buffer_free(a), 0);
	CU_ASSERT_EQUAL(libdma_buffer_unregister(reg), 0);
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_buffers"), base_buffers);
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_pinned"), base_pinned);
	CU_ASSERT_EQUAL(libdma_buffer_free(a), -EBADF);
	CU_ASSERT_EQUAL(libdma_buffer_unregister(reg), -EBADF);
	CU_ASSERT_PTR_NULL(libdma_buffer_ptr(a));
	CU_ASSERT_EQUAL(libdma_buffer_size(reg), 0);
	r = libdma_region_buffer(a, 0, 10);
	rr = libdma_region_buffer(reg, 0, 10);
	CU_ASSERT_EQUAL(libdma_transfer_to_device(dev, &r, 0, NULL), -EBADF);
	CU_ASSERT_EQUAL(libdma_copy(dev, &rr, &r, NULL), -EBADF);
	CU_ASSERT_EQUAL(libdma_close(dev), 0);
	CU_ASSERT_EQUAL(count_fds_now(), fds);
	CU_ASSERT_EQUAL(libdma_close(dev), -EBADF);
	CU_ASSERT_EQUAL(libdma_close(NULL), -EBADF);
	end_clean();
}

/* libdma objects outliving the module: the calls fail with errors, then clean up. */
static void test_lib_objects_across_unload_refusal(void)
{
	struct libdma_device *dev;
	struct libdma_buffer *b;
	int fds = count_fds_now();

	begin();
	CU_ASSERT_EQUAL_FATAL(libdma_open("0", &dev), 0);
	CU_ASSERT_EQUAL_FATAL(libdma_buffer_alloc(dev, PAGE, &b), 0);
	CU_ASSERT_EQUAL(libdma_close(dev), 0);
	CU_ASSERT_NOT_EQUAL(gu_module_unload(), 0);	/* the buffer holds the fd */
	CU_ASSERT_EQUAL(libdma_buffer_free(b), 0);
	CU_ASSERT_EQUAL(libdma_buffer_free(b), -EBADF);
	CU_ASSERT_EQUAL(count_fds_now(), fds);
	reload_and_check();
	end_clean();
}

static const struct edutest_case inflight_cases[] = {
	{ "close_and_free_with_copy_in_flight", test_close_and_free_with_copy_in_flight },
	{ "close_in_other_process_during_copy", test_close_in_other_process_during_copy },
	{ "munmap_during_copy", test_munmap_during_copy },
	{ "exit_with_everything_open", test_exit_with_everything_open },
	{ "sigkill_mid_copy_repeated", test_sigkill_mid_copy_repeated },
	{ NULL, NULL }
};

static const struct edutest_case module_cases[] = {
	{ "unload_refused_while_only_a_mapping_lives", test_unload_refused_while_only_a_mapping_lives },
	{ "unload_refused_while_fd_elsewhere", test_unload_refused_while_fd_elsewhere },
	{ "unload_refused_during_transfer", test_unload_refused_during_transfer },
	{ "unload_after_everything_closed", test_unload_after_everything_closed },
	{ NULL, NULL }
};

static const struct edutest_case lib_cases[] = {
	{ "double_close_and_use_after_close", test_lib_double_close_and_use_after_close },
	{ "double_free_and_released_objects", test_lib_double_free_and_released_objects },
	{ "objects_across_unload_refusal", test_lib_objects_across_unload_refusal },
	{ NULL, NULL }
};

static const struct edutest_suite suites[] = {
	{ "in_flight", suite_init, NULL, inflight_cases },
	{ "module", suite_init, NULL, module_cases },
	{ "libdma", suite_init, NULL, lib_cases },
	{ NULL, NULL, NULL, NULL }
};

int main(int argc, char **argv)
{
	return edutest_main(argc, argv, "abuse_lifetime", suites);
}
