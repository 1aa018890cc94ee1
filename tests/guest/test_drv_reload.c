/* SPDX-License-Identifier: MIT */
/*
 * Module lifetime: unloading is refused while a file is open, and twenty
 * unload/load cycles leave nothing behind (no class, node, chrdev major or
 * interrupt line) and a device that still works. Runs last in a boot.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/edutest.h"
#include "guest_util.h"

#define CYCLES 20

static int file_mentions(const char *path, const char *word)
{
	char line[512];
	FILE *f = fopen(path, "r");
	int found = 0;

	if (!f)
		return -1;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, word) != NULL;
	fclose(f);
	return found;
}

/*
 * Every device answers an IRQ self-test and a factorial (an edu-sg, which
 * has no factorial unit, a small verified DMA copy instead); says why not.
 */
static int devices_work(int expected)
{
	int i;

	if (gu_count_nodes() != expected) {
		printf("    %d device nodes, expected %d\n", gu_count_nodes(), expected);
		return 0;
	}
	for (i = 0; i < expected; i++) {
		struct edudma_irq_test t = { 0 };
		struct edudma_factorial f = { 0 };
		int fd = gu_open(i), ok = 0;

		if (fd < 0) {
			printf("    open edudma%d: %s\n", i, strerror(errno));
			return 0;
		}
		f.n = 10;
		if (ioctl(fd, EDUDMA_IOC_IRQ_TEST, &t))
			printf("    edudma%d IRQ self-test: %s (seen 0x%x)\n", i,
			       strerror(errno), t.seen);
		else if (gu_is_edusg(i) && !gu_device_works(i))
			printf("    edudma%d: a 5000-byte copy failed\n", i);
		else if (!gu_is_edusg(i) &&
			 (ioctl(fd, EDUDMA_IOC_FACTORIAL, &f) || f.result != 3628800))
			printf("    edudma%d factorial: %s (result %u)\n", i,
			       strerror(errno), f.result);
		else
			ok = 1;
		close(fd);
		if (!ok)
			return 0;
	}
	return 1;
}

static void test_unload_refused_while_open(void)
{
	int fd = gu_open(0);

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_NOT_EQUAL(gu_module_unload(), 0);
	CU_ASSERT_TRUE(gu_module_loaded());
	CU_ASSERT_TRUE(devices_work(gu_count_nodes()));
	close(fd);
}

static void test_reload_cycles(void)
{
	char addrs[8][32];
	int edu = gu_list_dev_pci(addrs, 8), cycle, left_behind = 0, broken = 0;
	struct stat st;

	CU_ASSERT_FATAL(edu > 0);
	CU_ASSERT_FATAL(gu_module_loaded());
	for (cycle = 0; cycle < CYCLES; cycle++) {
		CU_ASSERT_EQUAL_FATAL(gu_module_unload(), 0);
		if (gu_module_loaded() || stat("/sys/class/edudma", &st) == 0 ||
		    gu_count_nodes() != 0 ||
		    file_mentions("/proc/devices", "edudma") != 0 ||
		    file_mentions("/proc/interrupts", "edudma") != 0)
			left_behind++;
		CU_ASSERT_EQUAL_FATAL(gu_module_load(NULL), 0);
		if (!devices_work(edu))
			broken++;
	}
	CU_ASSERT_EQUAL(left_behind, 0);
	CU_ASSERT_EQUAL(broken, 0);
}

/* A bad parameter is refused at load time with a message, not used. */
static void test_bad_parameter_refused(void)
{
	size_t mark;

	CU_ASSERT_EQUAL_FATAL(gu_module_unload(), 0);
	mark = gu_dmesg_mark();
	CU_ASSERT_EQUAL(gu_module_load("window=4097"), -EINVAL);
	CU_ASSERT_TRUE(gu_dmesg_since_contains(mark, "window=4097 out of range"));
	CU_ASSERT_FALSE(gu_module_loaded());
	CU_ASSERT_EQUAL(gu_module_load(NULL), 0);
	CU_ASSERT_TRUE(gu_module_loaded());
}

/*
 * Each parameter check of edudma_check_params() refuses its out-of-range
 * value with EINVAL and a line naming it; nothing is left loaded (no module,
 * class, node or chrdev major) and the next normal load brings every device
 * back.
 */
static void test_bad_parameters_each_refused(void)
{
	static const struct {
		const char *params, *says;
	} bad[] = {
		{ "dma_bits=27", "dma_bits=27 out of range" },
		{ "dma_bits=65", "dma_bits=65 out of range" },
		{ "max_alloc=4095", "max_alloc=4095 below one page" },
		{ "max_alloc=0", "max_alloc=0 below one page" },
	};
	char addrs[8][32];
	int edu = gu_list_dev_pci(addrs, 8);
	size_t i;
	struct stat st;

	CU_ASSERT_FATAL(edu > 0);
	CU_ASSERT_EQUAL_FATAL(gu_module_unload(), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t mark = gu_dmesg_mark();
		char *problem;
		int ret = gu_module_load(bad[i].params);

		printf("    load with %s: %s\n", bad[i].params, ret ? strerror(-ret) : "loaded");
		CU_ASSERT_EQUAL(ret, -EINVAL);
		if (ret == 0)	/* loaded after all: out of the way for the next one */
			CU_ASSERT_EQUAL(gu_module_unload(), 0);
		CU_ASSERT_TRUE(gu_dmesg_since_contains(mark, bad[i].says));
		CU_ASSERT_FALSE(gu_module_loaded());
		CU_ASSERT_NOT_EQUAL(stat("/sys/class/edudma", &st), 0);
		CU_ASSERT_EQUAL(gu_count_nodes(), 0);
		CU_ASSERT_EQUAL(file_mentions("/proc/devices", "edudma"), 0);
		problem = gu_dmesg_problem_since(mark);
		if (problem)
			printf("    kernel log: %s\n", problem);
		CU_ASSERT_PTR_NULL(problem);
		free(problem);
	}
	CU_ASSERT_EQUAL_FATAL(gu_module_load(NULL), 0);
	CU_ASSERT_TRUE(gu_module_loaded());
	CU_ASSERT_TRUE(devices_work(edu));
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_buffers"), 0);
	CU_ASSERT_EQUAL(gu_attr_int(0, "nr_pinned"), 0);
}

static const struct edutest_case cases[] = {
	{ "unload_refused_while_open", test_unload_refused_while_open },
	{ "reload_cycles", test_reload_cycles },
	{ "bad_parameter_refused", test_bad_parameter_refused },
	{ "bad_parameters_each_refused", test_bad_parameters_each_refused },
	{ NULL, NULL }
};

static const struct edutest_suite suites[] = {
	{ "reload", NULL, NULL, cases },
	{ NULL, NULL, NULL, NULL }
};

int main(int argc, char **argv)
{
	return edutest_main(argc, argv, "drv_reload", suites);
}
