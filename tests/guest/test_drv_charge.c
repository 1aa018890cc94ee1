/* SPDX-License-Identifier: MIT */
/*
 * Coherent buffers are charged like pins: to the allocating process's
 * VmPin against RLIMIT_MEMLOCK (CAP_IPC_LOCK waives it), returned with the
 * memory - on FREE, on close, at the munmap of the last mapping - and
 * counted against the device's max_coherent.
 *
 * "A user" here is a child that opened the node as root and then became
 * uid 65534 (no capabilities left) under a small RLIMIT_MEMLOCK: exactly
 * what a member of the device's group is (test_udev runs the library suites
 * that way through the real udev rules).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/edutest.h"
#include "guest_util.h"

#define KiB 1024u
#define LIMIT (64 * KiB)
#define NOBODY 65534

/* Become an unprivileged user with RLIMIT_MEMLOCK = 'limit'. 0 or -errno. */
static int become_user(rlim_t limit)
{
	struct rlimit rl = { limit, limit };

	if (setrlimit(RLIMIT_MEMLOCK, &rl) || setgid(NOBODY) || setuid(NOBODY))
		return -errno;
	return 0;
}

static long long vmpin_kb(void)
{
	return gu_status_kb("VmPin:");
}

static int alloc_raw(int fd, uint64_t size, struct edudma_alloc *a)
{
	memset(a, 0, sizeof(*a));
	a->size = size;
	return ioctl(fd, EDUDMA_IOC_ALLOC, a) ? -errno : 0;
}

/* Exit codes of the children: 0 fine, the number of the failed check otherwise. */
#define EXPECT(n, cond) do { if (!(cond)) { printf("    check %d failed: %s\n", n, #cond); _exit(n); } } while (0)

static int run_child(int (*body)(void))
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(body());
	return gu_wait_child(pid);
}

static int exact_boundary(void)
{
	struct edudma_alloc a, b;
	int fd = gu_open(0);

	EXPECT(1, fd >= 0 && become_user(LIMIT) == 0);
	EXPECT(2, alloc_raw(fd, LIMIT, &a) == 0);
	EXPECT(3, vmpin_kb() == LIMIT / KiB);
	EXPECT(4, alloc_raw(fd, 1, &b) == -ENOMEM);	/* one page over */
	EXPECT(5, vmpin_kb() == LIMIT / KiB);
	EXPECT(6, gu_free_handle(fd, a.handle) == 0);
	EXPECT(7, vmpin_kb() == 0);
	EXPECT(8, alloc_raw(fd, LIMIT, &a) == 0);	/* all of it again */
	EXPECT(9, close(fd) == 0 && vmpin_kb() == 0);	/* close returns it */
	return 0;
}

static void test_memlock_exact_boundary(void)
{
	CU_ASSERT_EQUAL(run_child(exact_boundary), 0);
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_buffers"), 0);
}

/* The charge stays while a mapping holds the buffer, and goes with it. */
static int mapping_holds_charge(void)
{
	struct edudma_alloc a, b;
	int fd = gu_open(0);
	void *m;

	EXPECT(1, fd >= 0 && become_user(LIMIT) == 0);
	EXPECT(2, alloc_raw(fd, LIMIT, &a) == 0);
	m = mmap(NULL, LIMIT, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)a.mmap_offset);
	EXPECT(3, m != MAP_FAILED);
	memset(m, 1, LIMIT);
	EXPECT(4, gu_free_handle(fd, a.handle) == 0);
	EXPECT(5, vmpin_kb() == LIMIT / KiB);		/* still held by the mapping */
	EXPECT(6, alloc_raw(fd, 1, &b) == -ENOMEM);
	EXPECT(7, munmap(m, LIMIT) == 0);
	EXPECT(8, vmpin_kb() == 0);
	EXPECT(9, alloc_raw(fd, LIMIT, &b) == 0);
	return 0;
}

static void test_munmap_of_last_mapping_returns_charge(void)
{
	CU_ASSERT_EQUAL(run_child(mapping_holds_charge), 0);
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_buffers"), 0);
}

/* Two files of one process share its budget; pins and buffers too. */
static int two_fds_share(void)
{
	struct edudma_alloc a, b, c;
	struct edudma_pin p;
	int f1 = gu_open(0), f2 = gu_open(0);
	uint8_t *mem = aligned_alloc(4096, 16 * KiB);

	EXPECT(1, f1 >= 0 && f2 >= 0 && mem && become_user(LIMIT) == 0);
	memset(mem, 0, 16 * KiB);
	EXPECT(2, alloc_raw(f1, 24 * KiB, &a) == 0);
	EXPECT(3, alloc_raw(f2, 24 * KiB, &b) == 0);
	EXPECT(4, gu_pin(f1, mem, 16 * KiB, EDUDMA_ACCESS_DEV_READ, &p) == 0);
	EXPECT(5, vmpin_kb() == 64);
	EXPECT(6, alloc_raw(f2, 1, &c) == -ENOMEM);
	EXPECT(7, gu_pin(f2, mem, 4 * KiB, EDUDMA_ACCESS_DEV_READ, &p) == -ENOMEM);
	EXPECT(8, close(f1) == 0 && vmpin_kb() == 24);	/* f1's buffer and pin */
	EXPECT(9, alloc_raw(f2, 40 * KiB, &c) == 0);
	return 0;
}

static void test_two_fds_share_one_budget(void)
{
	CU_ASSERT_EQUAL(run_child(two_fds_share), 0);
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_buffers"), 0);
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_pinned"), 0);
}

/* Each process has its own budget: two users' children both get all of theirs. */
static int whole_budget(void)
{
	struct edudma_alloc a, b;
	int fd = gu_open(0);

	EXPECT(1, fd >= 0 && become_user(LIMIT) == 0);
	EXPECT(2, alloc_raw(fd, LIMIT, &a) == 0);
	EXPECT(3, alloc_raw(fd, 1, &b) == -ENOMEM);
	usleep(200000);		/* both hold theirs at once */
	return 0;
}

static void test_two_processes_two_budgets(void)
{
	pid_t a = fork(), b;

	if (a == 0)
		_exit(whole_budget());
	b = fork();
	if (b == 0)
		_exit(whole_budget());
	CU_ASSERT_EQUAL(gu_wait_child(a), 0);
	CU_ASSERT_EQUAL(gu_wait_child(b), 0);
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_buffers"), 0);
}

/* CAP_IPC_LOCK (root here) is not held to RLIMIT_MEMLOCK. */
static int privileged(void)
{
	struct rlimit rl = { LIMIT, LIMIT };
	struct edudma_alloc a;
	int fd = gu_open(0);

	EXPECT(1, fd >= 0 && setrlimit(RLIMIT_MEMLOCK, &rl) == 0);
	EXPECT(2, alloc_raw(fd, 1024 * KiB, &a) == 0);
	EXPECT(3, vmpin_kb() == 1024);		/* charged all the same */
	return 0;
}

static void test_cap_ipc_lock_waives_the_limit(void)
{
	CU_ASSERT_EQUAL(run_child(privileged), 0);
}

/* The device's own cap, whoever asks (root included). */
static void test_device_cap(void)
{
	const char *param = "/sys/module/edudma/parameters/max_coherent";
	struct edudma_alloc a, b;
	char was[32];
	uint64_t bytes = 0;
	size_t mark;
	int fd;

	CU_ASSERT_EQUAL_FATAL(gu_read_file(param, was, sizeof(was)), 0);
	CU_ASSERT_EQUAL_FATAL(gu_write_file(param, "1048576"), 0);
	fd = gu_open(0);
	CU_ASSERT_FATAL(fd >= 0);
	mark = gu_dmesg_mark();
	CU_ASSERT_EQUAL(alloc_raw(fd, 1024 * KiB, &a), 0);
	CU_ASSERT_EQUAL(gu_attr_u64(0, "coherent_bytes", &bytes), 0);
	CU_ASSERT_EQUAL(bytes, 1024 * KiB);
	CU_ASSERT_EQUAL(alloc_raw(fd, 1, &b), -ENOMEM);
	CU_ASSERT(gu_dmesg_since_contains(mark, "max_coherent"));
	CU_ASSERT_EQUAL(gu_free_handle(fd, a.handle), 0);
	CU_ASSERT_EQUAL(alloc_raw(fd, 1, &b), 0);
	close(fd);
	CU_ASSERT_EQUAL(gu_attr_u64(0, "coherent_bytes", &bytes), 0);
	CU_ASSERT_EQUAL(bytes, 0);
	CU_ASSERT_EQUAL(gu_write_file(param, was), 0);
}

/* Memory a device writes is no place for code. */
static void test_prot_exec_refused(void)
{
	struct gu_buf b;
	void *m;
	int fd = gu_open(0);

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL_FATAL(gu_alloc(fd, 4096, &b), 0);
	m = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_SHARED, fd, (off_t)b.mmap_offset);
	CU_ASSERT_EQUAL(m, MAP_FAILED);
	CU_ASSERT_EQUAL(errno, EPERM);
	/* nor can mprotect add it to a mapping made without it */
	CU_ASSERT_EQUAL(mprotect(b.map, 4096, PROT_READ | PROT_EXEC), -1);
	CU_ASSERT_EQUAL(errno, EACCES);
	CU_ASSERT_EQUAL(gu_free(fd, &b), 0);
	close(fd);
}

static const struct edutest_case cases[] = {
	{ "memlock_exact_boundary", test_memlock_exact_boundary },
	{ "munmap_of_last_mapping_returns_charge", test_munmap_of_last_mapping_returns_charge },
	{ "two_fds_share_one_budget", test_two_fds_share_one_budget },
	{ "two_processes_two_budgets", test_two_processes_two_budgets },
	{ "cap_ipc_lock_waives_the_limit", test_cap_ipc_lock_waives_the_limit },
	{ "device_cap", test_device_cap },
	{ "prot_exec_refused", test_prot_exec_refused },
	{ NULL, NULL }
};

static const struct edutest_suite suites[] = {
	{ "charge", NULL, NULL, cases },
	{ NULL, NULL, NULL, NULL }
};

int main(int argc, char **argv)
{
	return edutest_main(argc, argv, "drv_charge", suites);
}
