// SPDX-License-Identifier: MIT
/*
 * A small native run of the lab on the build host (`dmactl lab --native`,
 * tools/native-lab/): 64 KiB and 4 MiB, every experiment, two samples -
 * about a second. It asserts structure and sanity, never timings (the
 * machine may be shared): every cell is measured or unavailable with a
 * reason, nothing failed, the reads' sums are the same on every backing
 * and the sequential one is the sum the pattern must give, a huge-page
 * cell with figures really was huge pages, a physical run count is
 * possible, the hugetlb pool is as it was, and the three outputs write.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/edutest.h"
#include "../../tools/native-lab/native_lab.h"

#define POOL "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"

static const uint64_t sizes[] = { 64 << 10, 4 << 20 };
static struct nl_result *res;
static long pool_before = -1;

static long pool_pages(void)
{
	FILE *f = fopen(POOL, "re");
	long n = -1;

	if (f) {
		if (fscanf(f, "%ld", &n) != 1)
			n = -1;
		fclose(f);
	}
	return n;
}

static int run(void)
{
	struct nl_config cfg = {
		.sizes = sizes, .nr_sizes = 2, .repeat = 2, .reserve_pool = 1,
		.label = "test_lab_native_run",
	};

	pool_before = pool_pages();
	return nl_run(&cfg, &res) != 0;
}

static int done(void)
{
	nl_result_free(res);
	return 0;
}

static uint64_t round_huge(uint64_t s)
{
	return (s + NL_HUGE - 1) / NL_HUGE * NL_HUGE;
}

/* Every (experiment, backing) the sweep has, at both sizes, and no other. */
static void test_every_cell(void)
{
	static const struct { unsigned int e, b; } want[] = {
		{ NL_SEQ_READ, NL_4K }, { NL_SEQ_READ, NL_THP }, { NL_SEQ_READ, NL_HUGETLB },
		{ NL_SEQ_WRITE, NL_4K }, { NL_SEQ_WRITE, NL_THP }, { NL_SEQ_WRITE, NL_HUGETLB },
		{ NL_RANDOM_READ, NL_4K }, { NL_RANDOM_READ, NL_THP },
		{ NL_RANDOM_READ, NL_HUGETLB },
		{ NL_PIN, NL_4K }, { NL_PIN, NL_THP }, { NL_PIN, NL_HUGETLB },
		{ NL_MLOCK, NL_4K }, { NL_MLOCK, NL_THP }, { NL_MLOCK, NL_HUGETLB },
		{ NL_COPY_WARM, NL_MALLOC }, { NL_COPY_COLD, NL_MALLOC },
		{ NL_FIRST_TOUCH, NL_4K }, { NL_FIRST_TOUCH, NL_THP },
		{ NL_FIRST_TOUCH, NL_HUGETLB },
		{ NL_RUNS, NL_MALLOC }, { NL_RUNS, NL_THP },
	};
	unsigned int i, s, n = sizeof(want) / sizeof(want[0]);

	CU_ASSERT_EQUAL(res->nr_cells, 2 * n);
	for (s = 0; s < 2; s++)
		for (i = 0; i < n; i++)
			CU_ASSERT_PTR_NOT_NULL(nl_find(res, want[i].e, want[i].b, sizes[s]));
}

/* Measured with figures, or unavailable with a reason; never failed. */
static void test_measured_or_why(void)
{
	uint32_t i;

	CU_ASSERT_EQUAL(res->nr_failed, 0);
	for (i = 0; i < res->nr_cells; i++) {
		const struct nl_cell *c = &res->cells[i];

		CU_ASSERT(c->status == NL_OK || c->status == NL_UNAVAILABLE);
		if (c->status != NL_OK) {
			CU_ASSERT(strlen(c->note) > 10);
			printf("  %s %s %llu: unavailable: %s\n",
			       nl_experiment_name(c->experiment),
			       nl_backing_name(c->backing),
			       (unsigned long long)c->size, c->note);
			continue;
		}
		CU_ASSERT(c->samples >= 1);
		if (c->experiment == NL_RUNS) {
			CU_ASSERT(c->runs >= 1 && c->runs <= c->pages);
			CU_ASSERT(c->largest_run >= 1 && c->largest_run <= c->pages);
			continue;
		}
		CU_ASSERT(c->ns_median > 0);
		CU_ASSERT(c->ns_min <= c->ns_median && c->ns_median <= c->ns_max);
		if (c->experiment == NL_PIN || c->experiment == NL_MLOCK)
			CU_ASSERT(c->undo_ns_median > 0);
	}
	/* what needs nothing but memory and a CPU must always be there */
	for (i = 0; i < 2; i++) {
		const struct nl_cell *c;

		c = nl_find(res, NL_RANDOM_READ, NL_4K, sizes[i]);
		CU_ASSERT(c && c->status == NL_OK);
		c = nl_find(res, NL_COPY_WARM, NL_MALLOC, sizes[i]);
		CU_ASSERT(c && c->status == NL_OK);
		c = nl_find(res, NL_FIRST_TOUCH, NL_4K, sizes[i]);
		CU_ASSERT(c && c->status == NL_OK);
	}
}

/*
 * The same reads on every backing see the same bytes; a sequential pass
 * sums the pattern seq-write laid down: word i = i * 0x9e3779b97f4a7c15.
 */
static void test_sums(void)
{
	struct nl_reading rd;
	unsigned int s, b;

	nl_read(res, &rd);
	CU_ASSERT_EQUAL(rd.nr_sums_differ, 0);
	for (s = 0; s < 2; s++) {
		uint64_t n = sizes[s] / 8, expect = 0, i;

		for (i = 0; i < n; i++)
			expect += i * 0x9e3779b97f4a7c15ull;
		for (b = 0; b < 3; b++) {
			const struct nl_cell *c = nl_find(res, NL_SEQ_READ, b, sizes[s]);

			if (c && c->status == NL_OK)
				CU_ASSERT_EQUAL(c->checksum, expect);
		}
		/* the chain: every read an offset inside the buffer, line-aligned */
		const struct nl_cell *r = nl_find(res, NL_RANDOM_READ, NL_4K, sizes[s]);

		CU_ASSERT(r && r->checksum != 0);
	}
}

/* A huge-page cell with figures was huge pages, proven after touching. */
static void test_huge_is_huge(void)
{
	uint32_t i;

	for (i = 0; i < res->nr_cells; i++) {
		const struct nl_cell *c = &res->cells[i];

		if (c->status != NL_OK || c->experiment == NL_COPY_WARM ||
		    c->experiment == NL_COPY_COLD)
			continue;
		if (c->backing == NL_THP || c->backing == NL_HUGETLB) {
			CU_ASSERT(c->huge_bytes >= round_huge(c->size));
			CU_ASSERT_EQUAL(c->huge_pages, round_huge(c->size) / NL_HUGE);
		}
		if (c->backing == NL_4K)
			CU_ASSERT_EQUAL(c->huge_bytes, 0);
		/* a THP buffer of 4 MiB is two huge pages: at most two runs */
		if (c->experiment == NL_RUNS && c->backing == NL_THP)
			CU_ASSERT(c->runs <= round_huge(c->size) / NL_HUGE);
	}
}

/* Root reserved the pool for the run and gave it back. */
static void test_pool_given_back(void)
{
	const struct nl_pool *p = &res->host.pool;

	CU_ASSERT_EQUAL(pool_pages(), pool_before);
	if (p->reserved)
		CU_ASSERT(p->given_back);
	if (!res->host.root && !p->free_before)
		CU_ASSERT(strlen(p->note) > 0);
}

static void test_outputs(void)
{
	static const unsigned int formats[] = {
		LIBDMA_BENCH_TABLE, LIBDMA_BENCH_CSV, LIBDMA_BENCH_JSON,
	};
	unsigned int f;

	for (f = 0; f < 3; f++) {
		char *s = NULL;
		size_t len = 0;
		FILE *out = open_memstream(&s, &len);

		CU_ASSERT_EQUAL(nl_write(res, formats[f], out), 0);
		fclose(out);
		CU_ASSERT(len > 500);
		CU_ASSERT_PTR_NOT_NULL(strstr(s, res->host.env.cpu));
		CU_ASSERT_PTR_NOT_NULL(strstr(s, "test_lab_native_run"));
		if (formats[f] == LIBDMA_BENCH_TABLE)
			fputs(s, stdout);
		free(s);
	}
}

static const struct edutest_case cases[] = {
	{ "every_cell", test_every_cell },
	{ "measured_or_why", test_measured_or_why },
	{ "sums", test_sums },
	{ "huge_is_huge", test_huge_is_huge },
	{ "pool_given_back", test_pool_given_back },
	{ "outputs", test_outputs },
	{ NULL, NULL }
};

static const struct edutest_suite suites[] = {
	{ "native_run", run, done, cases },
	{ NULL, NULL, NULL, NULL }
};

int main(int argc, char **argv)
{
	return edutest_main(argc, argv, "test_lab_native_run", suites);
}
