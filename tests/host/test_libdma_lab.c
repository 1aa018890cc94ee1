// SPDX-License-Identifier: MIT
/*
 * The contiguity lab's logic on the build host (libdma/measure/lab*.c):
 * names, the checksum the driver's pattern must give, which cells a sweep has,
 * what each driver answer makes of a cell (E2BIG and ENOMEM unavailable,
 * ERANGE beyond the device's reach, EPERM the end of the run with the
 * command that enables the lab), the timing-independent checks (both
 * mappings read the same bytes, the bytes the driver wrote), and the
 * three outputs - against a fake backend. The real figures come from the
 * driver: tests/guest/test_lab.c and `make lab`.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libdma.h>

#include "../common/edutest.h"
#include "../../libdma/measure/lab_internal.h"
#include "fake_backend.h"

/*
 * The fake device of these tests (fake_backend.c): what the driver offers
 * the lab, on an edu at 0000:00:03.0 with a 28-bit DMA mask.
 */
static struct libdma_device *open_with(const struct libdma_backend_ops *ops)
{
	fake.name = "fakelab";
	fake.pci_address = "0000:00:03.0";
	fake.dma_mask_bits = 28;
	fake.features = LIBDMA_FEAT_COPY | LIBDMA_FEAT_LAB;
	return fake_open(ops, 0);
}

static struct libdma_device *dev;

static int setup_fake(void)
{
	fake_reset();
	dev = open_with(&fake_ops);
	return dev ? 0 : 1;
}

/* Every test on the fake starts from a well-behaved device. */
static void fresh(void)
{
	fake_reset();
}

static int teardown_fake(void)
{
	libdma_close(dev);
	dev = NULL;
	return 0;
}

/* Output of 'format' into a malloc'd string. */
static char *write_string(const struct libdma_lab_result *r, unsigned int format)
{
	struct fake_text t;

	if (!fake_text_open(&t))
		return NULL;
	return fake_text_close(&t, libdma_lab_write(r, format, t.f));
}

static unsigned int count(const char *text, const char *needle)
{
	unsigned int n = 0;

	for (; (text = strstr(text, needle)); text += strlen(needle))
		n++;
	return n;
}

static unsigned int count_status(const struct libdma_lab_result *r,
				 unsigned int status)
{
	unsigned int n = 0;
	uint32_t i;

	for (i = 0; i < r->nr_cells; i++)
		n += r->cells[i].status == status;
	return n;
}

/* ------------------------------------------------------------- pure parts */

static void test_names(void)
{
	static const unsigned int nr[] = {
		LIBDMA_LAB_NR_EXPERIMENTS, LIBDMA_LAB_NR_ALLOCATORS,
		LIBDMA_LAB_NR_PATTERNS, LIBDMA_LAB_NR_MAPPINGS,
	};
	unsigned int kind, v;

	for (kind = 0; kind < 4; kind++) {
		for (v = 0; v < nr[kind]; v++)
			CU_ASSERT_EQUAL(libdma_lab_parse(kind, libdma_lab_name(kind, v)),
					(int)v);
		CU_ASSERT_PTR_NULL(libdma_lab_name(kind, nr[kind]));
	}
	CU_ASSERT_STRING_EQUAL(libdma_lab_name(LIBDMA_LAB_NAME_ALLOCATOR,
					       LIBDMA_LAB_DMA_COHERENT), "dma_coherent");
	CU_ASSERT_STRING_EQUAL(libdma_lab_name(LIBDMA_LAB_NAME_PATTERN,
					       LIBDMA_LAB_RANDOM_READ), "random-read");
	CU_ASSERT_STRING_EQUAL(libdma_lab_name(LIBDMA_LAB_NAME_MAPPING,
					       LIBDMA_LAB_VMAP), "vmap");
	CU_ASSERT_EQUAL(libdma_lab_parse(LIBDMA_LAB_NAME_EXPERIMENT, "bench"), -EINVAL);
	CU_ASSERT_EQUAL(libdma_lab_parse(LIBDMA_LAB_NAME_EXPERIMENT, NULL), -EINVAL);
	CU_ASSERT_EQUAL(libdma_lab_parse(9, "alloc"), -EINVAL);
	CU_ASSERT_PTR_NULL(libdma_lab_name(9, 0));
}

/* The closed forms against brute force over what the driver writes. */
static void test_expected_checksum(void)
{
	uint64_t pages, i, seq, rnd;

	for (pages = 1; pages <= 9; pages++) {
		seq = rnd = 0;
		for (i = 0; i < pages * 512; i++)
			seq += i * LIBDMA__LAB_WORD_MULT;
		for (i = 0; i < pages; i++)
			rnd += i * 512 * LIBDMA__LAB_WORD_MULT;
		CU_ASSERT_EQUAL(libdma__lab_expected_checksum(LIBDMA_LAB_SEQ_READ,
							      pages), seq);
		CU_ASSERT_EQUAL(libdma__lab_expected_checksum(LIBDMA_LAB_RANDOM_READ,
							      pages), rnd);
		CU_ASSERT_EQUAL(libdma__lab_expected_checksum(LIBDMA_LAB_SEQ_WRITE,
							      pages), 0);
	}
	/* the value test_drv_lab.c computes for 8 MiB, by its own loop */
	seq = 0;
	for (i = 0; i < (8u << 20) / 8; i++)
		seq += i * 0x9e3779b97f4a7c15ull;
	CU_ASSERT_EQUAL(libdma__lab_expected_checksum(LIBDMA_LAB_SEQ_READ, 2048), seq);
}

/* -------------------------------------------------------- runs on a fake */

static void test_default_sweep(void)
{
	struct libdma_lab_config cfg;
	struct libdma_lab_result *r = NULL;
	unsigned int n[LIBDMA_LAB_NR_EXPERIMENTS] = { 0 }, vmalloc_big = 0;
	uint32_t i;

	fresh();

	libdma_lab_config_init(&cfg);
	CU_ASSERT_EQUAL(cfg.iterations, LIBDMA_LAB_DEFAULT_ITERATIONS);
	cfg.max_access = 1 << 20;	/* 64K..1M: 5 sizes */
	CU_ASSERT_EQUAL_FATAL(libdma_lab_run(dev, &cfg, &r), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	for (i = 0; i < r->nr_cells; i++) {
		const struct libdma_lab_cell *c = &r->cells[i];

		n[c->experiment]++;
		CU_ASSERT_EQUAL(c->status, LIBDMA_LAB_OK);
		if (c->experiment != LIBDMA_LAB_ACCESS && c->size > (4u << 20)) {
			CU_ASSERT_EQUAL(c->allocator, LIBDMA_LAB_VMALLOC);
			vmalloc_big++;
		}
		if (i)	/* experiment by experiment, sizes ascending in each */
			CU_ASSERT(c->experiment > r->cells[i - 1].experiment ||
				  (c->experiment == r->cells[i - 1].experiment &&
				   c->size >= r->cells[i - 1].size));
		CU_ASSERT_EQUAL(c->iterations,
				c->experiment == LIBDMA_LAB_SEGMENTS ? 1 : 5);
	}
	/* alloc: 11 sizes x 4 allocators + vmalloc at 8, 16, 32, 64 MiB */
	CU_ASSERT_EQUAL(n[LIBDMA_LAB_ALLOC], 11 * 4 + 4);
	/* access: 5 sizes x 3 patterns x 2 mappings */
	CU_ASSERT_EQUAL(n[LIBDMA_LAB_ACCESS], 5 * 3 * 2);
	/* segments: 64K, 1M, 4M x 4 allocators + vmalloc at 16 MiB */
	CU_ASSERT_EQUAL(n[LIBDMA_LAB_SEGMENTS], 3 * 4 + 1);
	CU_ASSERT_EQUAL(vmalloc_big, 5);
	CU_ASSERT_EQUAL(r->nr_cells, (uint32_t)fake.calls);
	CU_ASSERT_EQUAL(r->nr_failed, 0);
	CU_ASSERT_EQUAL(r->iterations, 5);
	CU_ASSERT_EQUAL(fake.last_iterations, 5);
	CU_ASSERT_STRING_EQUAL(r->env.info.node, "/dev/fakelab0");
	CU_ASSERT(r->env.platform[0] && r->env.kernel[0] && r->env.date[0]);
	CU_ASSERT_EQUAL(r->env.cmd_ns, 0);
	libdma_lab_result_free(r);
}

static void test_chosen_sizes_and_subsets(void)
{
	static const uint64_t sizes[] = { 4096, 65536 };
	struct libdma_lab_config cfg;
	struct libdma_lab_result *r = NULL;
	uint32_t i;

	fresh();

	libdma_lab_config_init(&cfg);
	cfg.sizes = sizes;
	cfg.nr_sizes = 2;
	cfg.iterations = 3;
	cfg.experiments = 1U << LIBDMA_LAB_ALLOC | 1U << LIBDMA_LAB_ACCESS;
	cfg.allocators = 1U << LIBDMA_LAB_KMALLOC | 1U << LIBDMA_LAB_VMALLOC;
	cfg.patterns = 1U << LIBDMA_LAB_RANDOM_READ;
	CU_ASSERT_EQUAL_FATAL(libdma_lab_run(dev, &cfg, &r), 0);
	/* alloc: 2 sizes x 2 allocators; access: 2 sizes x 1 pattern x 2 */
	CU_ASSERT_EQUAL_FATAL(r->nr_cells, 8);
	for (i = 0; i < 4; i++) {
		CU_ASSERT_EQUAL(r->cells[i].experiment, LIBDMA_LAB_ALLOC);
		CU_ASSERT(r->cells[i].allocator == LIBDMA_LAB_KMALLOC ||
			  r->cells[i].allocator == LIBDMA_LAB_VMALLOC);
	}
	for (; i < 8; i++) {
		CU_ASSERT_EQUAL(r->cells[i].experiment, LIBDMA_LAB_ACCESS);
		CU_ASSERT_EQUAL(r->cells[i].pattern, LIBDMA_LAB_RANDOM_READ);
		CU_ASSERT_EQUAL(r->cells[i].mapping, i % 2 ? LIBDMA_LAB_VMAP :
							     LIBDMA_LAB_LINEAR_MAP);
	}
	CU_ASSERT_EQUAL(fake.last_iterations, 3);
	libdma_lab_result_free(r);
}

/* E2BIG, ENOMEM, ERANGE: facts about the machine, not failures. */
static void test_limits_are_not_failures(void)
{
	static const uint64_t sizes[] = { 1 << 20, 8 << 20 };
	struct libdma_lab_config cfg;
	struct libdma_lab_result *r = NULL;
	char *table, *csv;
	uint32_t i;

	fresh();

	fake.kmalloc_max = 4 << 20;
	fake.nomem_from = 8 << 20;
	fake.erange_from = 8 << 20;
	libdma_lab_config_init(&cfg);
	cfg.sizes = sizes;
	cfg.nr_sizes = 2;
	CU_ASSERT_EQUAL_FATAL(libdma_lab_run(dev, &cfg, &r), 0);
	CU_ASSERT_EQUAL(r->nr_failed, 0);
	for (i = 0; i < r->nr_cells; i++) {
		const struct libdma_lab_cell *c = &r->cells[i];

		if (c->size < (8u << 20)) {
			CU_ASSERT_EQUAL(c->status, LIBDMA_LAB_OK);
			continue;
		}
		switch (c->experiment) {
		case LIBDMA_LAB_ALLOC:
			CU_ASSERT_EQUAL(c->status, c->allocator == LIBDMA_LAB_VMALLOC ?
					LIBDMA_LAB_OK : LIBDMA_LAB_UNAVAILABLE);
			if (c->allocator == LIBDMA_LAB_KMALLOC) {
				CU_ASSERT_EQUAL(c->error, -E2BIG);
				CU_ASSERT_STRING_EQUAL(c->note, "kmalloc does not give "
						       "8 MiB in one piece");
			}
			break;
		case LIBDMA_LAB_ACCESS:
			CU_ASSERT_EQUAL(c->status, LIBDMA_LAB_UNAVAILABLE);
			CU_ASSERT_EQUAL(c->error, -ENOMEM);
			CU_ASSERT_PTR_NOT_NULL(strstr(c->note, "not enough free memory"));
			break;
		default:
			CU_ASSERT_EQUAL(c->status, LIBDMA_LAB_UNREACHABLE);
			CU_ASSERT_EQUAL(c->error, -ERANGE);
			CU_ASSERT_PTR_NOT_NULL(strstr(c->note, "28-bit DMA mask"));
			CU_ASSERT_EQUAL(c->dma_segments, 0);
			break;
		}
	}
	table = write_string(r, LIBDMA_BENCH_TABLE);
	csv = write_string(r, LIBDMA_BENCH_CSV);
	CU_ASSERT_PTR_NOT_NULL_FATAL(table);
	CU_ASSERT_PTR_NOT_NULL_FATAL(csv);
	CU_ASSERT_PTR_NOT_NULL(strstr(table, "kmalloc       unavailable: kmalloc "
				      "does not give 8 MiB in one piece"));
	CU_ASSERT_PTR_NOT_NULL(strstr(table, "beyond the device's reach: "));
	CU_ASSERT_PTR_NOT_NULL(strstr(table, "not measured: "));
	CU_ASSERT_PTR_NULL(strstr(table, "FAILED"));
	CU_ASSERT_PTR_NOT_NULL(strstr(csv, "\nsegments,vmalloc,,,8388608,unreachable,"
				      ",,,,,,,,-34,"));
	free(table);
	free(csv);
	libdma_lab_result_free(r);
}

/* A vmap that reads other bytes than the linear map: both cells fail. */
static void test_mappings_must_agree(void)
{
	static const uint64_t sizes[] = { 65536, 131072, 262144 };
	struct libdma_lab_config cfg;
	struct libdma_lab_result *r = NULL;
	char *table, *json;
	uint32_t i;

	fresh();

	fake.bad_vmap_size = 131072;
	fake.bad_both_size = 262144;
	libdma_lab_config_init(&cfg);
	cfg.sizes = sizes;
	cfg.nr_sizes = 3;
	cfg.experiments = 1U << LIBDMA_LAB_ACCESS;
	/* 2 read patterns x 2 mappings at each of the two bad sizes */
	CU_ASSERT_EQUAL_FATAL(libdma_lab_run(dev, &cfg, &r), 8);
	for (i = 0; i < r->nr_cells; i++) {
		const struct libdma_lab_cell *c = &r->cells[i];
		int bad = c->size != 65536 && c->pattern != LIBDMA_LAB_SEQ_WRITE;

		CU_ASSERT_EQUAL(c->status, bad ? LIBDMA_LAB_MISMATCH : LIBDMA_LAB_OK);
		/* the vmap's bytes are not the driver's; the linear map's
		 * are, but differ from the vmap's */
		if (bad && c->size == 131072)
			CU_ASSERT_PTR_NOT_NULL(strstr(c->note, c->mapping ==
						      LIBDMA_LAB_VMAP ?
						      "the driver wrote" :
						      "the linear map read checksum"));
		if (bad && c->size == 262144)
			CU_ASSERT_PTR_NOT_NULL(strstr(c->note, "the driver wrote"));
	}
	table = write_string(r, LIBDMA_BENCH_TABLE);
	json = write_string(r, LIBDMA_BENCH_JSON);
	CU_ASSERT_PTR_NOT_NULL_FATAL(table);
	CU_ASSERT_PTR_NOT_NULL_FATAL(json);
	CU_ASSERT_EQUAL(count(table, "MISMATCH, no figures"), 8);
	CU_ASSERT_PTR_NOT_NULL(strstr(table, "6 pairs of read passes compared, "
				      "SOME DIFFER"));
	CU_ASSERT_PTR_NOT_NULL(strstr(table, "FAILED: 8 cells"));
	CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"read_pairs_mismatch\": 4,"));
	CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"failed\": 8,"));
	free(table);
	free(json);
	libdma_lab_result_free(r);
}

static int progress_before, progress_after;

static void count_progress(const struct libdma_lab_progress *p, void *arg)
{
	(void)arg;
	CU_ASSERT_PTR_NOT_NULL(p->cell);
	CU_ASSERT(p->index < p->nr_cells);
	if (p->done)
		progress_after++;
	else
		progress_before++;
}

static void test_progress(void)
{
	static const uint64_t sizes[] = { 65536 };
	struct libdma_lab_config cfg;
	struct libdma_lab_result *r = NULL;

	fresh();

	libdma_lab_config_init(&cfg);
	cfg.sizes = sizes;
	cfg.nr_sizes = 1;
	cfg.progress = count_progress;
	progress_before = progress_after = 0;
	CU_ASSERT_EQUAL_FATAL(libdma_lab_run(dev, &cfg, &r), 0);
	/* 4 alloc + 6 access + 4 segments */
	CU_ASSERT_EQUAL(r->nr_cells, 14);
	CU_ASSERT_EQUAL(progress_before, 14);
	CU_ASSERT_EQUAL(progress_after, 14);
	libdma_lab_result_free(r);
}

static void test_refused_runs(void)
{
	struct libdma_lab_config cfg;
	struct libdma_lab_result *r = (void *)1;
	struct libdma_device *nolab;

	fresh();

	/* EPERM: the run ends at once, the message says how to enable it */
	fake.answer = -EPERM;
	CU_ASSERT_EQUAL(libdma_lab_run(dev, NULL, &r), -EPERM);
	CU_ASSERT_PTR_NULL(r);
	CU_ASSERT_EQUAL(fake.calls, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(libdma_errmsg(), "lab=1"));
	CU_ASSERT_PTR_NOT_NULL(strstr(libdma_errmsg(),
				      "echo 1 | sudo tee /sys/module/edudma/parameters/lab"));
	/* other errors of a cell: that cell fails, the run goes on */
	fake.answer = -EIO;
	fake.calls = 0;
	libdma_lab_config_init(&cfg);
	cfg.experiments = 1U << LIBDMA_LAB_SEGMENTS;
	CU_ASSERT_EQUAL(libdma_lab_run(dev, &cfg, &r), 13);
	CU_ASSERT_EQUAL(fake.calls, 13);
	CU_ASSERT_EQUAL(count_status(r, LIBDMA_LAB_FAILED), 13);
	CU_ASSERT_STRING_EQUAL(r->cells[0].note, "fake failure");
	libdma_lab_result_free(r);
	fake.answer = 0;

	/* a backend without the lab */
	nolab = open_with(&fake_ops_nolab);
	CU_ASSERT_PTR_NOT_NULL_FATAL(nolab);
	CU_ASSERT_EQUAL(libdma_lab_run(nolab, NULL, &r), -EOPNOTSUPP);
	CU_ASSERT_PTR_NOT_NULL(strstr(libdma_errmsg(), "no contiguity lab"));
	libdma_close(nolab);
}

static void test_bad_config(void)
{
	static const uint64_t zero[] = { 0 };
	struct libdma_lab_config cfg;
	struct libdma_lab_result *r = NULL;

	fresh();

	CU_ASSERT_EQUAL(libdma_lab_run(dev, NULL, NULL), -EINVAL);
	CU_ASSERT_EQUAL(libdma_lab_run(NULL, NULL, &r), -EBADF);
	libdma_lab_config_init(&cfg);
	cfg.iterations = 0;
	CU_ASSERT_EQUAL(libdma_lab_run(dev, &cfg, &r), -EINVAL);
	cfg.iterations = LIBDMA_LAB_MAX_ITERATIONS + 1;
	CU_ASSERT_EQUAL(libdma_lab_run(dev, &cfg, &r), -EINVAL);
	libdma_lab_config_init(&cfg);
	cfg.experiments = 1U << LIBDMA_LAB_NR_EXPERIMENTS;
	CU_ASSERT_EQUAL(libdma_lab_run(dev, &cfg, &r), -EINVAL);
	libdma_lab_config_init(&cfg);
	cfg.allocators = 1U << LIBDMA_LAB_NR_ALLOCATORS;
	CU_ASSERT_EQUAL(libdma_lab_run(dev, &cfg, &r), -EINVAL);
	libdma_lab_config_init(&cfg);
	cfg.patterns = 1U << LIBDMA_LAB_NR_PATTERNS;
	CU_ASSERT_EQUAL(libdma_lab_run(dev, &cfg, &r), -EINVAL);
	libdma_lab_config_init(&cfg);
	cfg.flags = 1;
	CU_ASSERT_EQUAL(libdma_lab_run(dev, &cfg, &r), -EINVAL);
	libdma_lab_config_init(&cfg);
	cfg.reserved[2] = 1;
	CU_ASSERT_EQUAL(libdma_lab_run(dev, &cfg, &r), -EINVAL);
	libdma_lab_config_init(&cfg);
	cfg.sizes = zero;
	cfg.nr_sizes = 1;
	CU_ASSERT_EQUAL(libdma_lab_run(dev, &cfg, &r), -EINVAL);
	cfg.nr_sizes = 0;
	CU_ASSERT_EQUAL(libdma_lab_run(dev, &cfg, &r), -EINVAL);
	CU_ASSERT_PTR_NULL(r);
	CU_ASSERT_EQUAL(fake.calls, 0);
	CU_ASSERT_EQUAL(libdma_lab_write(NULL, LIBDMA_BENCH_TABLE, stdout), -EINVAL);
}

/* Brackets and braces balance outside strings; strings end. */
static int json_balanced(const char *s)
{
	int depth = 0, in_string = 0;

	for (; *s; s++) {
		if (in_string) {
			if (*s == '\\' && s[1])
				s++;
			else if (*s == '"')
				in_string = 0;
			continue;
		}
		if (*s == '"')
			in_string = 1;
		else if (*s == '{' || *s == '[')
			depth++;
		else if (*s == '}' || *s == ']')
			if (--depth < 0)
				return 0;
	}
	return depth == 0 && !in_string;
}

static void test_outputs(void)
{
	static const uint64_t sizes[] = { 65536, 1 << 20 };
	struct libdma_lab_config cfg;
	struct libdma_lab_result *r = NULL;
	char *table, *csv, *json, *line, *save = NULL;
	unsigned int rows = 0, comments = 0;

	fresh();

	libdma_lab_config_init(&cfg);
	cfg.sizes = sizes;
	cfg.nr_sizes = 2;
	cfg.label = "a label, with \"quotes\"";
	CU_ASSERT_EQUAL_FATAL(libdma_lab_run(dev, &cfg, &r), 0);
	CU_ASSERT_EQUAL_FATAL(r->nr_cells, 28);

	table = write_string(r, LIBDMA_BENCH_TABLE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(table);
	/* where it ran: the benchmark's header lines */
	CU_ASSERT_PTR_NOT_NULL(strstr(table, "\n  where     "));
	CU_ASSERT_PTR_NOT_NULL(strstr(table, "\n  kernel    "));
	CU_ASSERT_PTR_NOT_NULL(strstr(table, "\n  device    /dev/fakelab0 (0000:00:03.0): "
				      "edu 0.0, 4095-byte window, 28-bit DMA mask"));
	CU_ASSERT_PTR_NOT_NULL(strstr(table, "\n  label     a label, with \"quotes\"\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(table, "5 iterations per timed cell"));
	CU_ASSERT_PTR_NOT_NULL(strstr(table, "\nallocate + free: time per pair"));
	CU_ASSERT_PTR_NOT_NULL(strstr(table, "\nCPU access to pages allocated in chunks"));
	CU_ASSERT_PTR_NOT_NULL(strstr(table, "\na buffer mapped for the device"));
	/* a row per cell: sizes start the rows */
	CU_ASSERT_EQUAL(count(table, "\n   64 KiB  "), 14);
	CU_ASSERT_EQUAL(count(table, "\n    1 MiB  "), 14);
	/* fake: vmap 110 vs linear 100 ns per page; alloc_pages 2x kmalloc's
	 * per-page cost plus the same 500 ns */
	CU_ASSERT_EQUAL(count(table, "  1.100      1\n"), 6);
	CU_ASSERT_PTR_NOT_NULL(strstr(table, "\n    seq-read      1.100 (64 KiB) .. 1.100 "
				      "(1 MiB); lowest 1.100, highest 1.100\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(table, "\n    vmalloc       3.29x (64 KiB) .. 3.94x "
				      "(1 MiB)\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(table, "4 pairs of read passes compared, all equal"));
	CU_ASSERT_PTR_NOT_NULL(strstr(table, "\n    kmalloc       1 at every size "
				      "(2 measured, up to 1 MiB)\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(table, "\n    vmalloc       1 MiB: 256 pages in 255 "
				      "physical runs -> 255 DMA segments\n"));
	/* 64 KiB, kmalloc: 500 + 16 x 100 ns */
	CU_ASSERT_PTR_NOT_NULL(strstr(table, "   64 KiB  kmalloc           2.1 us     "
				      "2.1 us     2.1 us       1.00\n"));

	csv = write_string(r, LIBDMA_BENCH_CSV);
	CU_ASSERT_PTR_NOT_NULL_FATAL(csv);
	CU_ASSERT_PTR_NOT_NULL(strstr(csv, "# platform: "));
	CU_ASSERT_PTR_NOT_NULL(strstr(csv, "# device: /dev/fakelab0 0000:00:03.0 "));
	CU_ASSERT_PTR_NOT_NULL(strstr(csv, "# iterations: 5\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(csv, "\nexperiment,allocator,pattern,mapping,size,"
				      "status,iterations,ns_median,ns_min,ns_max,"
				      "pages,cpu_segments,dma_segments,checksum,"
				      "error,note\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(csv, "\nalloc,kmalloc,,,65536,ok,5,2100,2090,2150,,,,,,\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(csv, "\nsegments,vmalloc,,,1048576,ok,1,,,,256,255,255,,,\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(csv, "\naccess,,seq-write,vmap,65536,ok,5,1760,1760,1761,16,1,,,,\n"));
	for (line = strtok_r(csv, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#') {
			comments++;
			continue;
		}
		rows++;
		CU_ASSERT_EQUAL(count(line, ","), 15);	/* 16 fields, no quoted commas here */
	}
	CU_ASSERT_EQUAL(rows, 1 + 28);
	CU_ASSERT(comments >= 10);

	json = write_string(r, LIBDMA_BENCH_JSON);
	CU_ASSERT_PTR_NOT_NULL_FATAL(json);
	CU_ASSERT(json_balanced(json));
	CU_ASSERT_EQUAL(count(json, "\"experiment\": "), 28);
	CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"tool\": \"libdma lab\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"label\": \"a label, with \\\"quotes\\\"\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"dma_mask_bits\": 28,"));
	CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"checksum\": \"0x"));
	CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"read_pairs_compared\": 4,"));
	CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"failed\": 0,"));
	CU_ASSERT_EQUAL(libdma_lab_write(r, 7, stdout), -EINVAL);
	if (getenv("LAB_SHOW"))
		printf("%s", table);
	free(table);
	free(csv);
	free(json);
	libdma_lab_result_free(r);
}

static const struct edutest_case pure_cases[] = {
	{ "names", test_names },
	{ "expected_checksum", test_expected_checksum },
	{ NULL, NULL }
};

static const struct edutest_case run_cases[] = {
	{ "default_sweep", test_default_sweep },
	{ "chosen_sizes_and_subsets", test_chosen_sizes_and_subsets },
	{ "limits_are_not_failures", test_limits_are_not_failures },
	{ "mappings_must_agree", test_mappings_must_agree },
	{ "progress", test_progress },
	{ "refused_runs", test_refused_runs },
	{ "bad_config", test_bad_config },
	{ "outputs", test_outputs },
	{ NULL, NULL }
};

static const struct edutest_suite suites[] = {
	{ "lab_pure", NULL, NULL, pure_cases },
	{ "lab_fake", setup_fake, teardown_fake, run_cases },
	{ NULL, NULL, NULL, NULL }
};

int main(int argc, char **argv)
{
	return edutest_main(argc, argv, "test_libdma_lab", suites);
}
