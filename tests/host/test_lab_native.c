// SPDX-License-Identifier: MIT
/*
 * The native lab's logic on the build host (tools/native-lab/): names and
 * the default sweep, the /proc parsers (smaps, meminfo), physical runs from
 * page frame numbers, the reasons a pin or mlock cell is unavailable, the
 * reading (pin-versus-copy crossover, TLB penalty, whether sequential
 * access cares, the checksum comparison) and the three outputs - on
 * results made up here, so nothing depends on this machine's timings.
 * The real measurements: test_lab_native_run.c and `dmactl lab --native`.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/edutest.h"
#include "../../tools/native-lab/native_lab.h"

/* ------------------------------------------------------------- names */

static void test_names(void)
{
	unsigned int i;

	for (i = 0; i < NL_NR_EXPERIMENTS; i++)
		CU_ASSERT_PTR_NOT_NULL(nl_experiment_name(i));
	CU_ASSERT_PTR_NULL(nl_experiment_name(NL_NR_EXPERIMENTS));
	for (i = 0; i < NL_NR_BACKINGS; i++)
		CU_ASSERT_PTR_NOT_NULL(nl_backing_name(i));
	CU_ASSERT_PTR_NULL(nl_backing_name(NL_NR_BACKINGS));
	for (i = 0; i < NL_NR_GROUPS; i++)
		CU_ASSERT_PTR_NOT_NULL(nl_group_name(i));
	CU_ASSERT_PTR_NULL(nl_group_name(NL_NR_GROUPS));
	CU_ASSERT_STRING_EQUAL(nl_experiment_name(NL_RANDOM_READ), "random-read");
	CU_ASSERT_STRING_EQUAL(nl_backing_name(NL_HUGETLB), "hugetlb");
	CU_ASSERT_EQUAL(nl_group_of(NL_SEQ_WRITE), NL_G_ACCESS);
	CU_ASSERT_EQUAL(nl_group_of(NL_MLOCK), NL_G_PIN);
	CU_ASSERT_EQUAL(nl_group_of(NL_COPY_COLD), NL_G_COPY);
	CU_ASSERT_EQUAL(nl_group_of(NL_FIRST_TOUCH), NL_G_TOUCH);
	CU_ASSERT_EQUAL(nl_group_of(NL_RUNS), NL_G_CONTIGUITY);
}

/* 4 KiB to 1 GiB by factors of 4: ten sizes, the 64 KiB..1 GiB in it */
static void test_default_sizes(void)
{
	uint64_t s[NL_MAX_SIZES];
	unsigned int n = nl_default_sizes(1ull << 30, s);

	CU_ASSERT_EQUAL(n, 10);
	CU_ASSERT_EQUAL(s[0], 4096);
	CU_ASSERT_EQUAL(s[2], 64 << 10);
	CU_ASSERT_EQUAL(s[n - 1], 1ull << 30);
	CU_ASSERT_EQUAL(nl_default_sizes(100 << 20, s), 8);	/* up to 64 MiB */
	CU_ASSERT_EQUAL(s[7], 64 << 20);
}

static void test_median(void)
{
	double odd[] = { 5, 1, 3 }, even[] = { 4, 1, 3, 2 }, one[] = { 7 };

	CU_ASSERT_DOUBLE_EQUAL(nl_median(odd, 3), 3, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(nl_median(even, 4), 2.5, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(nl_median(one, 1), 7, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(nl_median(one, 0), 0, 1e-9);
}

/* ------------------------------------------------------------ parsers */

static const char smaps[] =
	"55d0c0a00000-55d0c0a21000 rw-p 00000000 00:00 0                          [heap]\n"
	"Size:                132 kB\n"
	"KernelPageSize:        4 kB\n"
	"AnonHugePages:         0 kB\n"
	"VmFlags: rd wr mr mw me ac\n"
	"7f0000200000-7f0000a00000 rw-p 00000000 00:00 0 \n"
	"Size:               8192 kB\n"
	"KernelPageSize:        4 kB\n"
	"AnonHugePages:      6144 kB\n"
	"THPeligible:    1\n"
	"VmFlags: rd wr mr mw me ac hg\n"
	"7f0000c00000-7f0001000000 rw-p 00000000 00:0f 1234                       /anon_hugepage (deleted)\n"
	"Size:               4096 kB\n"
	"KernelPageSize:     2048 kB\n"
	"VmFlags: rd wr mr mw me de ht\n";

static void test_smaps(void)
{
	uint64_t v = 1;

	CU_ASSERT_EQUAL(nl_smaps_field(smaps, 0x7f0000400000, "AnonHugePages", &v), 0);
	CU_ASSERT_EQUAL(v, 6144ull << 10);
	CU_ASSERT_EQUAL(nl_smaps_field(smaps, 0x55d0c0a00000, "AnonHugePages", &v), 0);
	CU_ASSERT_EQUAL(v, 0);
	CU_ASSERT_EQUAL(nl_smaps_field(smaps, 0x7f0000c00000, "KernelPageSize", &v), 0);
	CU_ASSERT_EQUAL(v, 2u << 20);
	/* the last byte is in, the end is not */
	CU_ASSERT_EQUAL(nl_smaps_field(smaps, 0x7f00009fffff, "Size", &v), 0);
	CU_ASSERT_EQUAL(v, 8192ull << 10);
	CU_ASSERT_EQUAL(nl_smaps_field(smaps, 0x7f0000a00000, "Size", &v), -ENOENT);
	/* a field another VMA has is not this one's */
	CU_ASSERT_EQUAL(nl_smaps_field(smaps, 0x7f0000c00000, "AnonHugePages", &v),
			-ENOENT);
	/* a key that is a prefix of another ("Size" / "KernelPageSize") */
	CU_ASSERT_EQUAL(nl_smaps_field(smaps, 0x7f0000c00000, "Size", &v), 0);
	CU_ASSERT_EQUAL(v, 4096ull << 10);
	CU_ASSERT_EQUAL(nl_smaps_field("", 0x1000, "Size", &v), -ENOENT);
}

static void test_meminfo(void)
{
	static const char mi[] =
		"MemTotal:       24683820 kB\n"
		"MemAvailable:   23900000 kB\n"
		"HugePages_Total:     512\n"
		"HugePages_Free:      510\n"
		"Hugepagesize:       2048 kB\n";
	uint64_t v = 0;

	CU_ASSERT_EQUAL(nl_meminfo_value(mi, "MemAvailable", &v), 0);
	CU_ASSERT_EQUAL(v, 23900000ull * 1024);
	CU_ASSERT_EQUAL(nl_meminfo_value(mi, "HugePages_Free", &v), 0);
	CU_ASSERT_EQUAL(v, 510);
	CU_ASSERT_EQUAL(nl_meminfo_value(mi, "Hugepagesize", &v), 0);
	CU_ASSERT_EQUAL(v, 2u << 20);
	CU_ASSERT_EQUAL(nl_meminfo_value(mi, "MemFree", &v), -ENOENT);
	CU_ASSERT_EQUAL(nl_meminfo_value(mi, "HugePages", &v), -ENOENT);
}

static void test_count_runs(void)
{
	uint64_t pfn[] = { 100, 101, 102, 7, 8, 200, 0, 1, 2, 3 }, runs, largest;

	nl_count_runs(pfn, 10, &runs, &largest);
	/* 100-102, 7-8, 200, (not present), 1-3 */
	CU_ASSERT_EQUAL(runs, 5);
	CU_ASSERT_EQUAL(largest, 3);
	nl_count_runs(pfn, 1, &runs, &largest);
	CU_ASSERT_EQUAL(runs, 1);
	CU_ASSERT_EQUAL(largest, 1);
	nl_count_runs(pfn, 0, &runs, &largest);
	CU_ASSERT_EQUAL(runs, 0);
}

/* ---------------------------------------------- reasons a cell can't run */

static void test_unavailable_reasons(void)
{
	struct nl_host h;
	char note[NL_NOTE];

	memset(&h, 0, sizeof(h));
	h.memlock_limit = 8 << 20;
	CU_ASSERT_EQUAL(nl_mlock_unavailable(&h, 8 << 20, note), 0);
	CU_ASSERT_EQUAL(nl_mlock_unavailable(&h, 64 << 20, note), 1);
	/* says the limit, the size, what it needs and how to get it */
	CU_ASSERT_PTR_NOT_NULL(strstr(note, "RLIMIT_MEMLOCK is 8192 KiB"));
	CU_ASSERT_PTR_NOT_NULL(strstr(note, "needs 65536 KiB"));
	CU_ASSERT_PTR_NOT_NULL(strstr(note, "ulimit -l 65536"));
	h.ipc_lock = 1;
	CU_ASSERT_EQUAL(nl_mlock_unavailable(&h, 64 << 20, note), 0);
	h.ipc_lock = 0;
	h.memlock_limit = UINT64_MAX;
	CU_ASSERT_EQUAL(nl_mlock_unavailable(&h, 1ull << 40, note), 0);

	CU_ASSERT_PTR_NULL(nl_io_uring_disabled_text(0));
	CU_ASSERT_PTR_NOT_NULL(strstr(nl_io_uring_disabled_text(1), "io_uring_group"));
	CU_ASSERT_PTR_NOT_NULL(strstr(nl_io_uring_disabled_text(2), "io_uring_disabled=0"));
	h.io_uring_disabled = 2;
	CU_ASSERT_EQUAL(nl_pin_unavailable(&h, 4096, note), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(note, "io_uring_disabled is 2"));
	h.io_uring_disabled = 1;	/* not root: not for us either */
	CU_ASSERT_EQUAL(nl_pin_unavailable(&h, 4096, note), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(note, "io_uring_disabled is 1"));
}

/* ------------------------------------------------ a result made up here */

#define K	1024ull
#define M	(1024 * K)

static struct nl_result *fake_result(unsigned int cap)
{
	struct nl_result *r = calloc(1, sizeof(*r));

	r->cells = calloc(cap, sizeof(*r->cells));
	r->repeat = 5;
	snprintf(r->host.env.platform, sizeof(r->host.env.platform), "hardware");
	snprintf(r->host.env.cpu, sizeof(r->host.env.cpu), "Test CPU, \"quoted\"");
	snprintf(r->host.env.thp, sizeof(r->host.env.thp), "madvise");
	snprintf(r->host.env.libdma_version, sizeof(r->host.env.libdma_version), "1.3");
	snprintf(r->host.env.date, sizeof(r->host.env.date), "2026-12-03T00:00:00Z");
	r->host.env.page_size = 4096;
	r->host.thp_size = 2 * M;
	snprintf(r->host.loadavg_start, sizeof(r->host.loadavg_start), "1.00 0.50 0.25");
	snprintf(r->host.loadavg_end, sizeof(r->host.loadavg_end), "1.50 0.75 0.30");
	r->host.io_uring_disabled = 0;
	return r;
}

static struct nl_cell *add(struct nl_result *r, unsigned int e, unsigned int b,
			   uint64_t size, double ns)
{
	struct nl_cell *c = &r->cells[r->nr_cells++];

	memset(c, 0, sizeof(*c));
	c->experiment = e;
	c->backing = b;
	c->size = size;
	c->status = NL_OK;
	c->ns_median = c->ns_min = c->ns_max = ns;
	c->samples = 5;
	c->pages = size / 4096;
	c->huge_pages = b == NL_THP || b == NL_HUGETLB ? (size + 2 * M - 1) / (2 * M) : 0;
	c->bytes = e == NL_RANDOM_READ ? 64 : size;
	return c;
}

/* pin + unpin against a copy: cheaper from 64 KiB on, not at 16 KiB */
static void test_crossover(void)
{
	struct nl_result *r = fake_result(64);
	struct nl_reading rd;
	struct nl_cell *p;

	p = add(r, NL_PIN, NL_4K, 4 * K, 1500);
	p->undo_ns_median = 500;
	add(r, NL_COPY_COLD, NL_MALLOC, 4 * K, 700);
	add(r, NL_COPY_WARM, NL_MALLOC, 4 * K, 60);
	p = add(r, NL_PIN, NL_4K, 16 * K, 1000);	/* cheaper by itself... */
	p->undo_ns_median = 2000;		/* ...but not with the unpin */
	add(r, NL_COPY_COLD, NL_MALLOC, 16 * K, 2500);
	add(r, NL_COPY_WARM, NL_MALLOC, 16 * K, 400);
	p = add(r, NL_PIN, NL_4K, 64 * K, 3000);
	p->undo_ns_median = 800;
	add(r, NL_COPY_COLD, NL_MALLOC, 64 * K, 10000);
	add(r, NL_COPY_WARM, NL_MALLOC, 64 * K, 2000);
	p = add(r, NL_PIN, NL_4K, 4 * M, 50000);
	p->undo_ns_median = 15000;
	add(r, NL_COPY_COLD, NL_MALLOC, 4 * M, 600000);
	add(r, NL_COPY_WARM, NL_MALLOC, 4 * M, 300000);
	nl_read(r, &rd);
	CU_ASSERT(rd.have_cold && rd.have_warm);
	CU_ASSERT_EQUAL(rd.cross_cold, 64 * K);
	CU_ASSERT_EQUAL(rd.cross_cold_below, 16 * K);
	CU_ASSERT_EQUAL(rd.cross_warm, 4 * M);
	CU_ASSERT_EQUAL(rd.cross_warm_below, 64 * K);
	CU_ASSERT_DOUBLE_EQUAL(rd.pin_page_ns[NL_4K], 50000.0 / 1024, 1e-9);
	CU_ASSERT_EQUAL(rd.pin_page_size[NL_4K], 4 * M);

	/* cheaper once, then dearer at the largest size: no crossover */
	r->cells[r->nr_cells - 2].ns_median = 10000;
	nl_read(r, &rd);
	CU_ASSERT_EQUAL(rd.cross_cold, 0);
	/* a copy cell without figures is not a comparison */
	r->nr_cells = 0;
	add(r, NL_PIN, NL_4K, 4 * K, 100);
	add(r, NL_COPY_COLD, NL_MALLOC, 4 * K, 700)->status = NL_UNAVAILABLE;
	nl_read(r, &rd);
	CU_ASSERT_FALSE(rd.have_cold);
	CU_ASSERT_EQUAL(rd.nr_unavailable, 1);
	nl_result_free(r);
}

static void test_tlb_and_sequential(void)
{
	struct nl_result *r = fake_result(64);
	struct nl_reading rd;

	add(r, NL_RANDOM_READ, NL_4K, 64 * K, 2.0)->checksum = 42;
	add(r, NL_RANDOM_READ, NL_THP, 64 * K, 2.0)->checksum = 42;
	add(r, NL_RANDOM_READ, NL_4K, 64 * M, 16.3)->checksum = 7;
	add(r, NL_RANDOM_READ, NL_THP, 64 * M, 10.8)->checksum = 7;
	add(r, NL_RANDOM_READ, NL_HUGETLB, 64 * M, 10.0)->checksum = 8;	/* wrong */
	add(r, NL_SEQ_READ, NL_4K, 64 * K, 3000);		/* below 2 MiB: ignored */
	add(r, NL_SEQ_READ, NL_THP, 64 * K, 1000);
	add(r, NL_SEQ_READ, NL_4K, 64 * M, 10200);
	add(r, NL_SEQ_READ, NL_THP, 64 * M, 10000);
	add(r, NL_SEQ_WRITE, NL_4K, 64 * M, 9900);
	add(r, NL_SEQ_WRITE, NL_THP, 64 * M, 10000);
	nl_read(r, &rd);
	/* below 2 MiB no ratio counts: both are a page or a few, cached */
	CU_ASSERT_EQUAL(rd.tlb_thp.nr, 1);
	CU_ASSERT_DOUBLE_EQUAL(rd.tlb_thp.min, 16.3 / 10.8, 1e-9);
	CU_ASSERT_EQUAL(rd.tlb_thp.size_min, 64 * M);
	CU_ASSERT_DOUBLE_EQUAL(rd.tlb_thp.max, 16.3 / 10.8, 1e-9);
	CU_ASSERT_EQUAL(rd.tlb_thp.size_max, 64 * M);
	CU_ASSERT_EQUAL(rd.rnd_max_size, 64 * M);
	CU_ASSERT_DOUBLE_EQUAL(rd.tlb_hugetlb.max, 1.63, 1e-9);
	CU_ASSERT_EQUAL(rd.seq_read.nr, 1);
	CU_ASSERT_DOUBLE_EQUAL(rd.seq_read_at_max, 1.02, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(rd.seq_write_at_max, 0.99, 1e-9);
	CU_ASSERT_EQUAL(rd.seq_max_size, 64 * M);
	/* sums: seq-read twice and random-read at 64 KiB equal, at 64 MiB thp
	 * equal and hugetlb not */
	CU_ASSERT_EQUAL(rd.nr_sums_compared, 5);
	CU_ASSERT_EQUAL(rd.nr_sums_differ, 1);
	nl_result_free(r);
}

/* --------------------------------------------------------------- outputs */

static char *write_string(const struct nl_result *r, unsigned int format)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	CU_ASSERT_EQUAL(nl_write(r, format, f), 0);
	fclose(f);
	return s;
}

static unsigned int count(const char *s, const char *what)
{
	unsigned int n = 0;

	for (; (s = strstr(s, what)); s += strlen(what))
		n++;
	return n;
}

static struct nl_result *sample_result(void)
{
	struct nl_result *r = fake_result(16);
	struct nl_cell *c;

	add(r, NL_SEQ_READ, NL_4K, 4 * M, 200000);
	add(r, NL_SEQ_WRITE, NL_4K, 4 * M, 210000);
	add(r, NL_RANDOM_READ, NL_4K, 4 * M, 40.5);
	c = add(r, NL_SEQ_READ, NL_HUGETLB, 4 * M, 0);
	c->status = NL_UNAVAILABLE;
	c->samples = 0;
	snprintf(c->note, sizeof(c->note), "no pool, \"really\"");
	c = add(r, NL_PIN, NL_4K, 4 * M, 50000);
	c->undo_ns_median = 15000;
	add(r, NL_COPY_COLD, NL_MALLOC, 4 * M, 600000);
	c = add(r, NL_RUNS, NL_MALLOC, 4 * M, 0);
	c->runs = 987;
	c->largest_run = 8;
	return r;
}

static void test_table(void)
{
	struct nl_result *r = sample_result();
	char *s = write_string(r, LIBDMA_BENCH_TABLE);

	/* where it ran, first */
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "lab --native"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "  where     hardware"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "transparent huge pages: madvise"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "no hypervisor"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "4 KiB base pages; THP 2 MiB"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "/proc/loadavg 1.00 0.50 0.25 at the start, "
				      "1.50 0.75 0.30 at the end"));
	/* figures and the reason of a cell without them */
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "20.97 GB/s"));	/* 4 MiB / 200 us */
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "40.5 ns"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "unavailable: no pool, \"really\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "       987"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "cold copy: at every size measured, from 4 MiB"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "1 cells unavailable, 0 failed"));
	free(s);
	nl_result_free(r);
}

static void test_csv(void)
{
	struct nl_result *r = sample_result();
	char *s = write_string(r, LIBDMA_BENCH_CSV), *line;
	unsigned int rows = 0;

	CU_ASSERT_EQUAL(strncmp(s, "# lab: native\n", 14), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "# cpu: Test CPU, \"quoted\"\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "# loadavg_start: 1.00 0.50 0.25\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "\nexperiment,backing,size,status,"));
	/* the note has a comma and quotes: one quoted field */
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "seq-read,hugetlb,4194304,unavailable,0,"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, ",\"no pool, \"\"really\"\"\"\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "runs,malloc,4194304,ok,5,"));
	for (line = s; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL)
		rows += *line != '#';
	CU_ASSERT_EQUAL(rows, 1 + r->nr_cells);
	free(s);
	nl_result_free(r);
}

/* Braces and brackets balance outside strings; no trailing commas. */
static int json_balanced(const char *s)
{
	int depth = 0, in = 0;
	char last = 0;

	for (; *s; s++) {
		if (in) {
			if (*s == '\\')
				s++;
			else if (*s == '"')
				in = 0;
			continue;
		}
		if (*s == '"')
			in = 1;
		else if (*s == '{' || *s == '[')
			depth++;
		else if (*s == '}' || *s == ']') {
			if (last == ',' || --depth < 0)
				return 0;
		}
		if (*s != ' ' && *s != '\n')
			last = *s;
	}
	return depth == 0 && !in;
}

static void test_json(void)
{
	struct nl_result *r = sample_result();
	char *s = write_string(r, LIBDMA_BENCH_JSON);

	CU_ASSERT(json_balanced(s));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "\"lab\": \"native\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "\"cpu\": \"Test CPU, \\\"quoted\\\"\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "\"loadavg_end\": \"1.50 0.75 0.30\""));
	CU_ASSERT_EQUAL(count(s, "\"experiment\": "), r->nr_cells);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "\"note\": \"no pool, \\\"really\\\"\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "\"pin_cheaper_than_cold_copy_from\": 4194304"));
	free(s);
	nl_result_free(r);
}

static void test_bad_format(void)
{
	struct nl_result *r = sample_result();

	CU_ASSERT_EQUAL(nl_write(r, 7, stdout), -EINVAL);
	CU_ASSERT_EQUAL(nl_write(NULL, LIBDMA_BENCH_TABLE, stdout), -EINVAL);
	nl_result_free(r);
}

static const struct edutest_case pure_cases[] = {
	{ "names", test_names },
	{ "default_sizes", test_default_sizes },
	{ "median", test_median },
	{ "smaps", test_smaps },
	{ "meminfo", test_meminfo },
	{ "count_runs", test_count_runs },
	{ "unavailable_reasons", test_unavailable_reasons },
	{ NULL, NULL }
};

static const struct edutest_case reading_cases[] = {
	{ "crossover", test_crossover },
	{ "tlb_and_sequential", test_tlb_and_sequential },
	{ NULL, NULL }
};

static const struct edutest_case output_cases[] = {
	{ "table", test_table },
	{ "csv", test_csv },
	{ "json", test_json },
	{ "bad_format", test_bad_format },
	{ NULL, NULL }
};

static const struct edutest_suite suites[] = {
	{ "native_pure", NULL, NULL, pure_cases },
	{ "native_reading", NULL, NULL, reading_cases },
	{ "native_outputs", NULL, NULL, output_cases },
	{ NULL, NULL, NULL, NULL }
};

int main(int argc, char **argv)
{
	return edutest_main(argc, argv, "test_lab_native", suites);
}
