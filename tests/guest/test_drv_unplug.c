/* SPDX-License-Identifier: MIT */
/*
 * Hot-unplug: the PCI device is removed (sysfs "remove") while files are
 * open, buffers are mapped, memory is pinned and a transfer is waiting.
 * Later calls answer ENODEV, the waiting transfer returns, old mappings
 * give SIGBUS instead of reaching freed memory, close works, and a rescan
 * brings a working device back. Twenty cycles.
 */
#include <errno.h>
#include <fcntl.h>
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

#define MiB (1u << 20)
#define CYCLES 20

static int write_str(const char *path, const char *s)
{
	int f = open(path, O_WRONLY), ok;

	if (f < 0)
		return -errno;
	ok = write(f, s, strlen(s)) == (ssize_t)strlen(s);
	close(f);
	return ok ? 0 : -errno;
}

static int remove_device(const char *pci)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/remove", pci);
	return write_str(path, "1");
}

/* Rescan and wait (bounded) for /dev/edudma0 to come back. */
static int rescan(int nodes)
{
	int i;

	if (write_str("/sys/bus/pci/rescan", "1"))
		return -1;
	for (i = 0; i < 100 && gu_count_nodes() < nodes; i++)
		usleep(10000);
	return gu_count_nodes() == nodes ? 0 : -1;
}

/* Did touching this address kill a child with SIGBUS? */
static int touch_gives_sigbus(volatile uint8_t *p)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		p[0] = 1;
		_exit(0);
	}
	waitpid(pid, &status, 0);
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS;
}

static int device_works(int index)
{
	struct gu_buf a, b;
	int f = gu_open(index), ok;

	if (f < 0 || gu_alloc(f, 10000, &a) || gu_alloc(f, 10000, &b))
		return 0;
	gu_fill(a.map, 10000, 3);
	ok = !gu_copy(f, a.handle, 0, b.handle, 0, 10000, NULL) &&
	     gu_check(b.map, 10000, 3) == (size_t)-1;
	gu_free(f, &a);
	gu_free(f, &b);
	close(f);
	return ok;
}

/*
 * One cycle. With 'busy', a child has a long copy running when the device
 * goes; it must come back with ENODEV (or EINTR-free partial progress).
 */
static void unplug_cycle(int busy, int *failures)
{
	int nodes = gu_count_nodes(), fd, pipefd[2], status, ret;
	struct edudma_pin pin;
	struct edudma_info info;
	struct gu_buf buf;
	uint8_t *pinned = malloc(3 * 4096);
	char pci[64];
	pid_t child = -1;

#define CHECK(cond) do { if (!(cond)) { printf("    cycle check failed: %s\n", #cond); (*failures)++; } } while (0)
	CHECK(gu_pci_of(0, pci, sizeof(pci)) == 0);
	fd = gu_open(0);
	CHECK(fd >= 0);
	CHECK(gu_alloc(fd, 2 * 4096, &buf) == 0);
	memset(buf.map, 7, 2 * 4096);
	CHECK(gu_pin(fd, pinned, 3 * 4096, EDUDMA_ACCESS_DEV_READ | EDUDMA_ACCESS_DEV_WRITE, &pin) == 0);

	if (busy) {
		CHECK(pipe(pipefd) == 0);
		child = fork();
		if (child == 0) {
			struct gu_buf a, b;
			struct edudma_stats st;

			if (gu_alloc(fd, MiB, &a) || gu_alloc(fd, MiB, &b))
				_exit(10);
			write(pipefd[1], "x", 1);
			ret = gu_copy(fd, a.handle, 0, b.handle, 0, MiB, &st);
			_exit(ret == -ENODEV && st.bytes < MiB ? 0 : 11);
		}
		{
			char x;

			CHECK(read(pipefd[0], &x, 1) == 1);
		}
		close(pipefd[0]);
		close(pipefd[1]);
		usleep(300 * 1000);	/* a few commands into the copy */
	}

	CHECK(remove_device(pci) == 0);
	CHECK(gu_count_nodes() == nodes - 1);
	if (busy) {
		CHECK(waitpid(child, &status, 0) == child);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	CHECK(ioctl(fd, EDUDMA_IOC_INFO, &info) == -1 && errno == ENODEV);
	CHECK(gu_transfer(fd, buf.handle, 0, 16, EDUDMA_DIR_TO_DEVICE, 0, NULL) == -ENODEV);
	CHECK(mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, (off_t)buf.mmap_offset) == MAP_FAILED &&
	      errno == ENODEV);
	CHECK(touch_gives_sigbus(buf.map));
	munmap(buf.map, buf.size);
	CHECK(close(fd) == 0);
	free(pinned);

	CHECK(rescan(nodes) == 0);
	CHECK(device_works(0));
#undef CHECK
}

static void test_unplug_idle_and_busy(void)
{
	int cycle, failures = 0;
	uint64_t before = 0;

	if (gu_count_nodes() < 1)
		EDUTEST_SKIP("no device");
	for (cycle = 0; cycle < CYCLES; cycle++)
		unplug_cycle(cycle % 4 == 0, &failures);
	printf("    %d unplug/rescan cycles, %d failed checks\n", CYCLES, failures);
	CU_ASSERT_EQUAL(failures, 0);
	CU_ASSERT_EQUAL(gu_attr_u64(0, "nr_pinned", &before), 0);
	CU_ASSERT_EQUAL(before, 0);
}

/* The module unloads cleanly after all that (and comes back for the next program). */
static void test_unload_after_unplug(void)
{
	CU_ASSERT_EQUAL(gu_module_unload(), 0);
	CU_ASSERT_EQUAL(gu_module_load(NULL), 0);
	CU_ASSERT_TRUE(device_works(0));
}

static const struct edutest_case cases[] = {
	{ "unplug_idle_and_busy", test_unplug_idle_and_busy },
	{ "unload_after_unplug", test_unload_after_unplug },
	{ NULL, NULL }
};

static const struct edutest_suite suites[] = {
	{ "hot_unplug", NULL, NULL, cases },
	{ NULL, NULL, NULL, NULL }
};

int main(int argc, char **argv)
{
	return edutest_main(argc, argv, "drv_unplug", suites);
}
