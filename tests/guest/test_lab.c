/* SPDX-License-Identifier: MIT */
/*
 * The contiguity lab through libdma (libdma_lab_run) and dmactl lab, on the
 * real driver, at small sizes: the structure of the results and the facts
 * that do not depend on timing - a kmalloc'd buffer maps to one DMA
 * segment, a vmalloc'd one to as many as its physical runs (fewer behind
 * an IOMMU), the linear map and a vmap of the same pages read back the
 * same bytes (and the bytes the driver wrote) - plus who may run it and
 * what the refusal says. The suite turns the module parameter lab on
 * itself and puts it back as it found it.
 *
 * The figures themselves are what `make lab` is for (docs/lab.md); the
 * raw ioctl is tested by test_drv_lab.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libdma.h>

#include "../common/edutest.h"
#include "guest_util.h"

#define PARAM		"/sys/module/edudma/parameters/lab"
#define DMACTL		"/usr/local/bin/dmactl"
#define ENABLE_HINT	"echo 1 | sudo tee /sys/module/edudma/parameters/lab"

static struct libdma_device *dev;
static char saved[8];		/* the parameter as we found it: "Y" or "N" */

static int set_lab(int on)
{
	return gu_write_file(PARAM, on ? "1" : "0");
}

static int suite_init(void)
{
	if (gu_read_file(PARAM, saved, sizeof(saved))) {
		printf("cannot read %s: is the module loaded?\n", PARAM);
		return -1;
	}
	if (libdma_open("0", &dev) < 0) {
		printf("cannot open device 0: %s\n", libdma_errmsg());
		return -1;
	}
	return set_lab(1);
}

static int suite_cleanup(void)
{
	int ret = set_lab(saved[0] == 'Y' || saved[0] == '1');

	libdma_close(dev);
	return ret;
}

/* Sum of the words the driver writes (word i = i * 0x9e3779b97f4a7c15). */
static uint64_t seq_sum(uint64_t pages)
{
	uint64_t s = 0, i;

	for (i = 0; i < pages * 512; i++)
		s += i * 0x9e3779b97f4a7c15ull;
	return s;
}

static uint64_t random_sum(uint64_t pages)
{
	uint64_t s = 0, p;

	for (p = 0; p < pages; p++)
		s += p * 512 * 0x9e3779b97f4a7c15ull;
	return s;
}

static void test_refused_while_off(void)
{
	struct libdma_lab_result *r = (void *)1;
	struct libdma_info info;

	CU_ASSERT_EQUAL_FATAL(set_lab(0), 0);
	CU_ASSERT_EQUAL(libdma_get_info(dev, &info), 0);
	CU_ASSERT_EQUAL(info.features & LIBDMA_FEAT_LAB, 0);
	CU_ASSERT_EQUAL(libdma_lab_run(dev, NULL, &r), -EPERM);
	CU_ASSERT_PTR_NULL(r);
	printf("    lab=0: %s\n", libdma_errmsg());
	CU_ASSERT_PTR_NOT_NULL(strstr(libdma_errmsg(), "lab=1"));
	CU_ASSERT_PTR_NOT_NULL(strstr(libdma_errmsg(), ENABLE_HINT));
	CU_ASSERT_EQUAL_FATAL(set_lab(1), 0);
	CU_ASSERT_EQUAL(libdma_get_info(dev, &info), 0);
	CU_ASSERT_NOT_EQUAL(info.features & LIBDMA_FEAT_LAB, 0);
}

/* Without CAP_SYS_ADMIN: refused even when lab=1, and it says so. */
static void test_refused_without_cap_sys_admin(void)
{
	int pipefd[2], status;
	char msg[512] = "";
	ssize_t n;
	pid_t pid;

	CU_ASSERT_EQUAL_FATAL(pipe(pipefd), 0);
	pid = fork();
	if (pid == 0) {
		struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
		struct __user_cap_data_struct data[2];
		struct libdma_lab_result *r = NULL;
		int err;

		close(pipefd[0]);
		syscall(SYS_capget, &hdr, data);
		data[0].effective &= ~(1u << CAP_SYS_ADMIN);
		data[0].permitted &= ~(1u << CAP_SYS_ADMIN);
		if (syscall(SYS_capset, &hdr, data))
			_exit(2);
		err = libdma_lab_run(dev, NULL, &r);
		if (write(pipefd[1], libdma_errmsg(), strlen(libdma_errmsg())) < 0)
			_exit(3);
		_exit(err == -EPERM && !r ? 0 : 1);
	}
	close(pipefd[1]);
	n = read(pipefd[0], msg, sizeof(msg) - 1);
	msg[n > 0 ? n : 0] = '\0';
	close(pipefd[0]);
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	printf("    no CAP_SYS_ADMIN: %s\n", msg);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "needs root (CAP_SYS_ADMIN)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "lacks CAP_SYS_ADMIN"));
}

static const uint64_t sizes[] = { 4096, 65536, 1 << 20 };
#define NR_SIZES	3

static void check_alloc(const struct libdma_lab_cell *c)
{
	CU_ASSERT_EQUAL(c->iterations, 3);
	CU_ASSERT(c->ns_min > 0);
	CU_ASSERT(c->ns_min <= c->ns_median && c->ns_median <= c->ns_max);
}

static void check_access(const struct libdma_lab_result *r,
			 const struct libdma_lab_cell *c)
{
	uint64_t pages = c->size / 4096;
	uint32_t i;

	CU_ASSERT_EQUAL(c->iterations, 3);
	CU_ASSERT(c->ns_min > 0);
	CU_ASSERT(c->ns_min <= c->ns_median && c->ns_median <= c->ns_max);
	/* powers of two up to 4 MiB are one chunk: one physical run */
	CU_ASSERT_EQUAL(c->pages, pages);
	CU_ASSERT_EQUAL(c->cpu_segments, 1);
	if (c->pattern == LIBDMA_LAB_SEQ_READ) {
		CU_ASSERT_EQUAL(c->checksum, seq_sum(pages));
	} else if (c->pattern == LIBDMA_LAB_RANDOM_READ) {
		CU_ASSERT_EQUAL(c->checksum, random_sum(pages));
	}
	/* the other mapping of the same size and pattern read the same */
	for (i = 0; i < r->nr_cells; i++) {
		const struct libdma_lab_cell *o = &r->cells[i];

		if (o->experiment == LIBDMA_LAB_ACCESS && o->size == c->size &&
		    o->pattern == c->pattern && o->mapping != c->mapping)
			CU_ASSERT_EQUAL(o->checksum, c->checksum);
	}
}

static void check_segments(const struct libdma_lab_cell *c)
{
	uint64_t pages = c->size / 4096;
	/* swiotlb=force: every mapping bounces, cut at swiotlb's 256 KiB */
	uint64_t bounced = gu_config_is("swiotlb") && c->size > (256u << 10) ?
			   c->size / (256u << 10) : 1;

	CU_ASSERT_EQUAL(c->pages, pages);
	switch (c->allocator) {
	case LIBDMA_LAB_KMALLOC:
	case LIBDMA_LAB_ALLOC_PAGES:
		/* one physical run: one DMA segment */
		CU_ASSERT_EQUAL(c->cpu_segments, bounced);
		CU_ASSERT_EQUAL(c->dma_segments, bounced);
		break;
	case LIBDMA_LAB_DMA_COHERENT:
		CU_ASSERT_EQUAL(c->dma_segments, 1);
		break;
	default:
		/* vmalloc: as many DMA segments as physical runs */
		printf("    vmalloc %llu KiB: %llu pages, %llu runs, %llu DMA segments\n",
		       (unsigned long long)c->size >> 10, (unsigned long long)c->pages,
		       (unsigned long long)c->cpu_segments,
		       (unsigned long long)c->dma_segments);
		CU_ASSERT(c->cpu_segments >= 1 && c->cpu_segments <= pages);
		if (pages > 16)
			CU_ASSERT(c->cpu_segments > 1);
		if (gu_have_iommu()) {
			CU_ASSERT(c->dma_segments >= 1 &&
				  c->dma_segments <= c->cpu_segments);
		} else {
			CU_ASSERT_EQUAL(c->dma_segments, c->cpu_segments);
		}
		break;
	}
}

static void test_small_run(void)
{
	struct libdma_lab_config cfg;
	struct libdma_lab_result *r = NULL;
	unsigned int n[LIBDMA_LAB_NR_EXPERIMENTS] = { 0 };
	uint32_t i;
	int ret;

	libdma_lab_config_init(&cfg);
	cfg.sizes = sizes;
	cfg.nr_sizes = NR_SIZES;
	cfg.iterations = 3;
	ret = libdma_lab_run(dev, &cfg, &r);
	if (ret < 0)
		printf("    libdma_lab_run: %s\n", libdma_errmsg());
	CU_ASSERT_EQUAL_FATAL(ret, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	libdma_lab_write(r, LIBDMA_BENCH_TABLE, stdout);
	/* 3 sizes x (4 allocators + 3 patterns x 2 mappings + 4 allocators) */
	CU_ASSERT_EQUAL_FATAL(r->nr_cells, NR_SIZES * (4 + 6 + 4));
	CU_ASSERT_EQUAL(r->nr_failed, 0);
	CU_ASSERT_EQUAL(r->iterations, 3);
	CU_ASSERT_PTR_NOT_NULL(strstr(r->env.platform, "QEMU"));
	CU_ASSERT_STRING_EQUAL(r->env.info.node, "/dev/edudma0");
	CU_ASSERT_STRING_EQUAL(r->env.info.backend, "kernel");
	for (i = 0; i < r->nr_cells; i++) {
		const struct libdma_lab_cell *c = &r->cells[i];

		n[c->experiment]++;
		CU_ASSERT_EQUAL(c->status, LIBDMA_LAB_OK);
		if (c->status != LIBDMA_LAB_OK) {
			printf("    cell %u: status %u: %s\n", i, c->status, c->note);
			continue;
		}
		if (c->experiment == LIBDMA_LAB_ALLOC)
			check_alloc(c);
		else if (c->experiment == LIBDMA_LAB_ACCESS)
			check_access(r, c);
		else
			check_segments(c);
	}
	CU_ASSERT_EQUAL(n[LIBDMA_LAB_ALLOC], NR_SIZES * 4);
	CU_ASSERT_EQUAL(n[LIBDMA_LAB_ACCESS], NR_SIZES * 6);
	CU_ASSERT_EQUAL(n[LIBDMA_LAB_SEGMENTS], NR_SIZES * 4);
	libdma_lab_result_free(r);
}

/* What the allocators cannot give is reported, not failed. */
static void test_limits_reported(void)
{
	static const uint64_t big[] = { 8 << 20 };
	struct libdma_lab_config cfg;
	struct libdma_lab_result *r = NULL;
	uint32_t i;

	libdma_lab_config_init(&cfg);
	cfg.sizes = big;
	cfg.nr_sizes = 1;
	cfg.iterations = 1;
	cfg.experiments = 1U << LIBDMA_LAB_ALLOC;
	CU_ASSERT_EQUAL_FATAL(libdma_lab_run(dev, &cfg, &r), 0);
	CU_ASSERT_EQUAL_FATAL(r->nr_cells, 4);
	for (i = 0; i < r->nr_cells; i++) {
		const struct libdma_lab_cell *c = &r->cells[i];

		printf("    alloc %s 8 MiB: %s%s%s\n",
		       libdma_lab_name(LIBDMA_LAB_NAME_ALLOCATOR, c->allocator),
		       c->status == LIBDMA_LAB_OK ? "ok" : "unavailable",
		       c->note[0] ? ": " : "", c->note);
		/* 4 MiB is the page allocator's largest piece (MAX_ORDER) */
		if (c->allocator == LIBDMA_LAB_VMALLOC) {
			CU_ASSERT_EQUAL(c->status, LIBDMA_LAB_OK);
		} else {
			CU_ASSERT_EQUAL(c->status, LIBDMA_LAB_UNAVAILABLE);
			CU_ASSERT_EQUAL(c->error, -E2BIG);
			CU_ASSERT_PTR_NOT_NULL(strstr(c->note, "in one piece"));
		}
	}
	libdma_lab_result_free(r);
}

/* ------------------------------------------------------------ dmactl */

static int count_prefix(const char *text, const char *prefix)
{
	int n = 0;
	const char *p = text;

	while (p && *p) {
		n += !strncmp(p, prefix, strlen(prefix));
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	return n;
}

static void test_dmactl_lab(void)
{
	static const char *const argv[] = {
		DMACTL, "lab", "--sizes", "64K", "--repeat", "2",
		"--csv=/tmp/lab.csv", "--json=/tmp/lab.json", NULL,
	};
	static const char *const csv_argv[] = {
		DMACTL, "lab", "0", "-e", "segments", "--sizes", "4K,64K", "--csv",
		"--quiet", NULL,
	};
	struct gu_run_result *rr = malloc(sizeof(*rr));
	char *text = malloc(65536);

	CU_ASSERT_PTR_NOT_NULL_FATAL(rr);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	if (access(DMACTL, X_OK)) {
		free(rr);
		free(text);
		EDUTEST_SKIP(DMACTL " is not in the initramfs");
	}
	CU_ASSERT_EQUAL(gu_run(rr, -1, argv), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(rr->out, "\n  where     QEMU"));
	CU_ASSERT_PTR_NOT_NULL(strstr(rr->out, "\n  device    /dev/edudma0"));
	CU_ASSERT_PTR_NOT_NULL(strstr(rr->out, "\nallocate + free: time per pair"));
	CU_ASSERT_PTR_NOT_NULL(strstr(rr->out, "\nCPU access to pages allocated in chunks"));
	CU_ASSERT_PTR_NOT_NULL(strstr(rr->out, "\na buffer mapped for the device"));
	CU_ASSERT_PTR_NOT_NULL(strstr(rr->out, "all equal, and equal to what the "
				      "driver wrote"));
	/* one row per cell: 4 + 6 + 4 */
	CU_ASSERT_EQUAL(count_prefix(rr->out, "   64 KiB  "), 14);
	CU_ASSERT_PTR_NOT_NULL(strstr(rr->err, "dmactl lab: [14/14]"));
	CU_ASSERT_EQUAL(gu_read_file("/tmp/lab.csv", text, 65536), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "# platform: QEMU"));
	CU_ASSERT_EQUAL(count_prefix(text, "alloc,"), 4);
	CU_ASSERT_EQUAL(count_prefix(text, "access,"), 6);
	CU_ASSERT_EQUAL(count_prefix(text, "segments,"), 4);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\nsegments,kmalloc,,,65536,ok,1,,,,16,1,1,,,\n"));
	CU_ASSERT_EQUAL(gu_read_file("/tmp/lab.json", text, 65536), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"tool\": \"libdma lab\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"failed\": 0,"));

	/* CSV to stdout, one experiment */
	CU_ASSERT_EQUAL(gu_run(rr, -1, csv_argv), 0);
	CU_ASSERT_EQUAL(count_prefix(rr->out, "segments,"), 8);
	CU_ASSERT_EQUAL(rr->err[0], '\0');

	/* off: exit 5 with the way to turn it on */
	CU_ASSERT_EQUAL_FATAL(set_lab(0), 0);
	CU_ASSERT_EQUAL(gu_run(rr, -1, csv_argv), 5);
	CU_ASSERT_PTR_NOT_NULL(strstr(rr->err, ENABLE_HINT));
	CU_ASSERT_EQUAL(set_lab(1), 0);
	free(rr);
	free(text);
}

static const struct edutest_case cases[] = {
	{ "refused_while_off", test_refused_while_off },
	{ "refused_without_cap_sys_admin", test_refused_without_cap_sys_admin },
	{ "small_run", test_small_run },
	{ "limits_reported", test_limits_reported },
	{ "dmactl_lab", test_dmactl_lab },
	{ NULL, NULL }
};

static const struct edutest_suite suites[] = {
	{ "lab", suite_init, suite_cleanup, cases },
	{ NULL, NULL, NULL, NULL }
};

int main(int argc, char **argv)
{
	return edutest_main(argc, argv, "test_lab", suites);
}
