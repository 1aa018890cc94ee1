// SPDX-License-Identifier: MIT
/*
 * The benchmark's logic on the build host (libdma/measure/bench*.c):
 * statistics, the test pattern, CSV and JSON escaping, the reading (sg /
 * coherent ratio, pinning-vs-copying crossover, efficiency), and whole
 * runs against a fake backend that really copies bytes - so verification,
 * the corrupt test hook, unavailable modes and the three outputs are
 * checked without QEMU; streams (API 1.4) against the same fake with
 * asynchronous requests added here (submit copies at once, reap hands the
 * completions back), which also checks that a stream never has more than
 * its depth in flight. Real timings come from the device:
 * tests/guest/test_bench.c.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libdma.h>

#include "../common/edutest.h"
#include "../../libdma/measure/bench_internal.h"
#include "fake_backend.h"

/*
 * The fake device of these tests (fake_backend.c): what the driver offers
 * the benchmark, copies that really move the bytes.
 */
static struct libdma_device *open_fake(void)
{
	fake.name = "fakebench";
	fake.features = LIBDMA_FEAT_COHERENT | LIBDMA_FEAT_TRANSFER |
			LIBDMA_FEAT_COPY | LIBDMA_FEAT_PIN |
			LIBDMA_FEAT_USER_REGION;
	return fake_open(&fake_ops, 0);
}

/* Output of 'format' into a malloc'd string. */
static char *write_string(const struct libdma_bench_result *r, unsigned int format)
{
	struct fake_text t;

	if (!fake_text_open(&t))
		return NULL;
	return fake_text_close(&t, libdma_bench_write(r, format, t.f));
}

static char *escaped(void (*fn)(FILE *, const char *), const char *s)
{
	struct fake_text t;

	if (!fake_text_open(&t))
		return NULL;
	fn(t.f, s);
	return fake_text_close(&t, 0);
}

/* ------------------------------------------------------------ statistics */

static void test_stat_odd_even(void)
{
	double odd[] = { 5, 1, 3 }, even[] = { 4, 1, 3, 10 }, one[] = { 7 };
	struct libdma_bench_stat s;

	libdma__bench_stat(odd, 3, &s);
	CU_ASSERT_DOUBLE_EQUAL(s.median, 3, 0);
	CU_ASSERT_DOUBLE_EQUAL(s.min, 1, 0);
	CU_ASSERT_DOUBLE_EQUAL(s.max, 5, 0);
	libdma__bench_stat(even, 4, &s);
	CU_ASSERT_DOUBLE_EQUAL(s.median, 3.5, 0);	/* mean of the middle two */
	CU_ASSERT_DOUBLE_EQUAL(s.min, 1, 0);
	CU_ASSERT_DOUBLE_EQUAL(s.max, 10, 0);
	libdma__bench_stat(one, 1, &s);
	CU_ASSERT(s.median == 7 && s.min == 7 && s.max == 7);
	libdma__bench_stat(one, 0, &s);
	CU_ASSERT(s.median == 0 && s.min == 0 && s.max == 0);
}

/* --------------------------------------------------------------- pattern */

static void test_pattern_catches_one_byte(void)
{
	unsigned char buf[4096 + 13];
	size_t len, nbad;

	for (len = 1; len <= sizeof(buf); len += len < 40 ? 1 : 1021) {
		libdma__pattern_fill(buf, len, 42);
		CU_ASSERT_EQUAL(libdma__pattern_check(buf, len, 42, &nbad), (size_t)-1);
		CU_ASSERT_EQUAL(nbad, 0);
		CU_ASSERT_EQUAL(buf[len - 1], libdma__pattern_at(len - 1, 42));
		buf[len - 1] ^= 1;
		CU_ASSERT_EQUAL(libdma__pattern_check(buf, len, 42, &nbad), len - 1);
		CU_ASSERT_EQUAL(nbad, 1);
	}
	/* another seed is another pattern: a stale buffer never passes */
	libdma__pattern_fill(buf, 4096, 1);
	CU_ASSERT_NOT_EQUAL(libdma__pattern_check(buf, 4096, 2, &nbad), (size_t)-1);
	CU_ASSERT(nbad > 4000);
	libdma__pattern_fill(buf, 4096, 7);
	CU_ASSERT_NOT_EQUAL(libdma__pattern_check(buf, 4096, ~(uint64_t)7, &nbad),
			    (size_t)-1);
}

static void test_min_commands(void)
{
	struct libdma_info edu = { .engine = LIBDMA_ENGINE_EDU, .window_size = 4095 };
	struct libdma_info sg = { .engine = LIBDMA_ENGINE_EDUSG,
				  .window_size = 16u << 20,
				  .max_cmd_length = 16u << 20 };

	CU_ASSERT_EQUAL(libdma__bench_min_commands(1, &edu), 2);
	CU_ASSERT_EQUAL(libdma__bench_min_commands(4095, &edu), 2);
	CU_ASSERT_EQUAL(libdma__bench_min_commands(4096, &edu), 4);
	CU_ASSERT_EQUAL(libdma__bench_min_commands(1 << 20, &edu), 514);
	CU_ASSERT_EQUAL(libdma__bench_min_commands(4 << 20, &edu), 2050);
	edu.window_size = 4096;
	CU_ASSERT_EQUAL(libdma__bench_min_commands(4 << 20, &edu), 2048);
	edu.engine = LIBDMA_ENGINE_UNKNOWN;	/* a driver before 1.4: edu */
	CU_ASSERT_EQUAL(libdma__bench_min_commands(4 << 20, &edu), 2048);
	/* edu-sg: one descriptor per max_cmd_length, no 2x (memory to memory) */
	CU_ASSERT_EQUAL(libdma__bench_min_commands(4096, &sg), 1);
	CU_ASSERT_EQUAL(libdma__bench_min_commands(4 << 20, &sg), 1);
	CU_ASSERT_EQUAL(libdma__bench_min_commands(16 << 20, &sg), 1);
	CU_ASSERT_EQUAL(libdma__bench_min_commands((16 << 20) + 1, &sg), 2);
	sg.max_cmd_length = 65536;
	CU_ASSERT_EQUAL(libdma__bench_min_commands(4 << 20, &sg), 64);
}

/* The stream's shape: pairs and requests for a size and depth. */
static void test_stream_shape(void)
{
	/* P = min(depth, max(1, 32 MiB / size)) */
	CU_ASSERT_EQUAL(libdma__bench_stream_pairs(4096, 1), 1);
	CU_ASSERT_EQUAL(libdma__bench_stream_pairs(4096, 16), 16);
	CU_ASSERT_EQUAL(libdma__bench_stream_pairs(4 << 20, 16), 8);
	CU_ASSERT_EQUAL(libdma__bench_stream_pairs(4 << 20, 4), 4);
	CU_ASSERT_EQUAL(libdma__bench_stream_pairs(64 << 20, 16), 1);
	CU_ASSERT_EQUAL(libdma__bench_stream_pairs(1ull << 30, 64), 1);
	/* N = clamp(64 MiB / size, 4 x depth, 1024) */
	CU_ASSERT_EQUAL(libdma__bench_stream_requests(4096, 1), 1024);
	CU_ASSERT_EQUAL(libdma__bench_stream_requests(65536, 16), 1024);
	CU_ASSERT_EQUAL(libdma__bench_stream_requests(256 << 10, 4), 256);
	CU_ASSERT_EQUAL(libdma__bench_stream_requests(4 << 20, 1), 16);
	CU_ASSERT_EQUAL(libdma__bench_stream_requests(4 << 20, 16), 64);
	CU_ASSERT_EQUAL(libdma__bench_stream_requests(1ull << 30, 64), 256);
}

/* -------------------------------------------------------------- escaping */

static void test_csv_escaping(void)
{
	char *s;

	s = escaped(libdma__csv_field, "plain text");
	CU_ASSERT_STRING_EQUAL(s, "plain text");
	free(s);
	s = escaped(libdma__csv_field, "a,b");
	CU_ASSERT_STRING_EQUAL(s, "\"a,b\"");
	free(s);
	s = escaped(libdma__csv_field, "say \"hi\"");
	CU_ASSERT_STRING_EQUAL(s, "\"say \"\"hi\"\"\"");
	free(s);
	s = escaped(libdma__csv_field, "two\nlines");
	CU_ASSERT_STRING_EQUAL(s, "\"two\nlines\"");
	free(s);
	s = escaped(libdma__csv_field, "");
	CU_ASSERT_STRING_EQUAL(s, "");
	free(s);
}

static void test_json_escaping(void)
{
	char *s;

	s = escaped(libdma__json_string, "plain");
	CU_ASSERT_STRING_EQUAL(s, "\"plain\"");
	free(s);
	s = escaped(libdma__json_string, "q\"b\\s/");
	CU_ASSERT_STRING_EQUAL(s, "\"q\\\"b\\\\s/\"");
	free(s);
	s = escaped(libdma__json_string, "t\tn\nr\r\x01\x1f");
	CU_ASSERT_STRING_EQUAL(s, "\"t\\tn\\nr\\r\\u0001\\u001f\"");
	free(s);
	s = escaped(libdma__json_string, "caf\xc3\xa9");	/* UTF-8 passes */
	CU_ASSERT_STRING_EQUAL(s, "\"caf\xc3\xa9\"");
	free(s);
}

/* --------------------------------------------------------------- reading */

/* A result with host costs per mode and size, for the summary. */
static struct libdma_bench_result *synthetic(const uint64_t *sizes, unsigned int n,
					     const double host[][LIBDMA_BENCH_NR_MODES])
{
	struct libdma_bench_result *r = calloc(1, sizeof(*r));
	unsigned int i, m, c = 0;

	r->nr_cells = n * LIBDMA_BENCH_NR_MODES;
	r->repetitions = 1;
	r->cells = calloc(r->nr_cells, sizeof(*r->cells));
	for (i = 0; i < n; i++)
		for (m = 0; m < LIBDMA_BENCH_NR_MODES; m++, c++) {
			struct libdma_bench_cell *x = &r->cells[c];

			x->mode = m;
			x->size = sizes[i];
			x->repetitions = 1;
			/* (no VFIO device in these: its column stays empty) */
			x->status = host[i][m] < 0 || m == LIBDMA_BENCH_VFIO ?
				    LIBDMA_BENCH_UNAVAILABLE : LIBDMA_BENCH_OK;
			x->host_ns.median = x->host_ns.min = x->host_ns.max =
				host[i][m];
			x->efficiency.median = 0.999 - 0.001 * m;
			x->efficiency.min = 0.998 - 0.001 * m;
			x->efficiency.max = 1.0;
		}
	return r;
}

static void test_summary_crossover(void)
{
	static const uint64_t sizes[] = { 4096, 8192, 16384, 262144 };
	/* coherent, sg, sg-oneshot, sg-hugepage, bounce */
	static const double host[][LIBDMA_BENCH_NR_MODES] = {
		{ 100, 110, 300, 100, 200 },	/* bounce cheaper */
		{ 100, 100, 300, 100, 300 },	/* equal: still bounce */
		{ 100, 120, 400, 100, 600 },	/* oneshot cheaper from here */
		{ 200, 200, 500, -1, 5000 },
	};
	struct libdma_bench_result *r = synthetic(sizes, 4, host);
	struct libdma__bench_summary s;

	libdma__bench_summarize(r, &s);
	CU_ASSERT_EQUAL(s.nr_ratio, 4);
	CU_ASSERT_DOUBLE_EQUAL(s.ratio[0], 1.1, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(s.ratio_max, 1.2, 1e-9);
	CU_ASSERT_EQUAL(s.ratio_max_size, 16384);
	CU_ASSERT_EQUAL(s.nr_both, 4);
	CU_ASSERT_EQUAL(s.first_size, 4096);
	CU_ASSERT_EQUAL(s.oneshot_first, 0);
	CU_ASSERT_EQUAL_FATAL(s.nr_cross, 1);
	CU_ASSERT_EQUAL(s.cross[0].lo, 8192);
	CU_ASSERT_EQUAL(s.cross[0].hi, 16384);
	CU_ASSERT_EQUAL(s.cross[0].to_oneshot, 1);
	/* difference 0 at 8 KiB, -200 at 16 KiB: they meet at 8 KiB */
	CU_ASSERT_DOUBLE_EQUAL(s.cross[0].at, 8192, 1e-6);
	/* efficiency: only the 256 KiB cells count; sg-oneshot and bounce lowest */
	CU_ASSERT_EQUAL(s.nr_eff, 4);
	CU_ASSERT_DOUBLE_EQUAL(s.eff_min, 0.998 - 0.004, 1e-12);
	CU_ASSERT_EQUAL(s.eff_min_mode, LIBDMA_BENCH_BOUNCE);
	CU_ASSERT_EQUAL(s.eff_min_size, 262144);
	libdma_bench_result_free(r);
}

static void test_summary_interpolates(void)
{
	static const uint64_t sizes[] = { 4096, 8192 };
	static const double host[][LIBDMA_BENCH_NR_MODES] = {
		{ 100, 100, 300, 100, 200 },	/* +100 */
		{ 100, 100, 300, 100, 600 },	/* -300: meet a quarter of the way */
	};
	struct libdma_bench_result *r = synthetic(sizes, 2, host);
	struct libdma__bench_summary s;

	libdma__bench_summarize(r, &s);
	CU_ASSERT_EQUAL_FATAL(s.nr_cross, 1);
	CU_ASSERT_DOUBLE_EQUAL(s.cross[0].at, 4096 + 1024, 1e-6);
	libdma_bench_result_free(r);
}

static void test_summary_one_sided(void)
{
	static const uint64_t sizes[] = { 4096, 8192 };
	static const double cheaper_oneshot[][LIBDMA_BENCH_NR_MODES] = {
		{ 100, 100, 100, 100, 200 }, { 100, 100, 100, 100, 600 },
	};
	static const double cheaper_bounce[][LIBDMA_BENCH_NR_MODES] = {
		{ 100, 100, 300, 100, 200 }, { 100, 100, 900, 100, 600 },
	};
	struct libdma__bench_summary s;
	struct libdma_bench_result *r;

	r = synthetic(sizes, 2, cheaper_oneshot);
	libdma__bench_summarize(r, &s);
	CU_ASSERT_EQUAL(s.nr_both, 2);
	CU_ASSERT_EQUAL(s.oneshot_first, 1);
	CU_ASSERT_EQUAL(s.nr_cross, 0);
	libdma_bench_result_free(r);
	r = synthetic(sizes, 2, cheaper_bounce);
	libdma__bench_summarize(r, &s);
	CU_ASSERT_EQUAL(s.oneshot_first, 0);
	CU_ASSERT_EQUAL(s.nr_cross, 0);
	libdma_bench_result_free(r);
	/* one size only: nothing to compare across sizes */
	r = synthetic(sizes, 1, cheaper_oneshot);
	libdma__bench_summarize(r, &s);
	CU_ASSERT_EQUAL(s.nr_both, 1);
	CU_ASSERT_EQUAL(s.nr_cross, 0);
	CU_ASSERT_EQUAL(s.nr_eff, 0);
	libdma_bench_result_free(r);
}

/* Copying cheap, then dear, then cheap again: every crossing is reported. */
static void test_summary_crosses_twice(void)
{
	static const uint64_t sizes[] = { 4096, 16384, 262144, 524288 };
	static const double host[][LIBDMA_BENCH_NR_MODES] = {
		{ 60, 70, 140, 65, 75 },
		{ 75, 90, 190, 80, 340 },
		{ 320, 350, 890, 320, 4590 },
		{ 580, 660, 1620, 580, 1370 },
	};
	struct libdma_bench_result *r = synthetic(sizes, 4, host);
	struct libdma__bench_summary s;
	char *table;

	libdma__bench_summarize(r, &s);
	CU_ASSERT_EQUAL(s.oneshot_first, 0);
	CU_ASSERT_EQUAL_FATAL(s.nr_cross, 2);
	CU_ASSERT(s.cross[0].lo == 4096 && s.cross[0].hi == 16384 && s.cross[0].to_oneshot);
	CU_ASSERT(s.cross[0].at > 4096 && s.cross[0].at < 16384);
	CU_ASSERT(s.cross[1].lo == 262144 && s.cross[1].hi == 524288 && !s.cross[1].to_oneshot);
	table = write_string(r, LIBDMA_BENCH_TABLE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(table);
	CU_ASSERT_PTR_NOT_NULL(strstr(table, "bounce is cheaper from 4 KiB; sg-oneshot "
				      "from 16 KiB (they meet near"));
	CU_ASSERT_PTR_NOT_NULL(strstr(table, "), bounce from 512 KiB (they meet near"));
	free(table);
	libdma_bench_result_free(r);
}

static void test_mode_names(void)
{
	unsigned int m;

	for (m = 0; m < LIBDMA_BENCH_NR_MODES; m++)
		CU_ASSERT_EQUAL(libdma_bench_mode_parse(libdma_bench_mode_name(m)),
				(int)m);
	CU_ASSERT_STRING_EQUAL(libdma_bench_mode_name(LIBDMA_BENCH_SG_ONESHOT),
			       "sg-oneshot");
	CU_ASSERT_PTR_NULL(libdma_bench_mode_name(LIBDMA_BENCH_NR_MODES));
	CU_ASSERT_EQUAL(libdma_bench_mode_parse("contiguous"), -EINVAL);
	CU_ASSERT_EQUAL(libdma_bench_mode_parse(NULL), -EINVAL);
}

/* ------------------------------------------------------- runs on a fake */

static struct libdma_device *dev;
static const uint64_t small_sizes[] = { 4096, 10000, 65536 };

static int setup_fake(void)
{
	fake_reset();
	dev = open_fake();
	return dev ? 0 : 1;
}

static int teardown_fake(void)
{
	libdma_close(dev);
	dev = NULL;
	return 0;
}

static void small_config(struct libdma_bench_config *cfg, uint32_t reps)
{
	libdma_bench_config_init(cfg);
	cfg->sizes = small_sizes;
	cfg->nr_sizes = 3;
	cfg->repetitions = reps;
}

static int progress_calls, progress_done;

static void count_progress(const struct libdma_bench_progress *p, void *arg)
{
	(void)arg;
	progress_calls++;
	progress_done += p->done != NULL;
}

/* The structure a run must have, whatever the timings. */
static void check_structure(const struct libdma_bench_result *r, uint32_t reps)
{
	uint32_t i;

	/* The default set on a device that is not VFIO: all modes but vfio. */
	CU_ASSERT_EQUAL(r->nr_cells, 3 * LIBDMA_BENCH_VFIO);
	CU_ASSERT(r->env.cmd_ns > 0);
	CU_ASSERT_EQUAL(r->env.calibration_copies, 5);
	CU_ASSERT_STRING_EQUAL(r->env.info.node, "/dev/fakebench0");
	CU_ASSERT(r->env.kernel[0] && r->env.platform[0] && r->env.date[0]);
	for (i = 0; i < r->nr_cells; i++) {
		const struct libdma_bench_cell *x = &r->cells[i];
		uint64_t min = libdma__bench_min_commands(x->size, &r->env.info);

		/* size-major, modes in order */
		CU_ASSERT_EQUAL(x->mode, i % LIBDMA_BENCH_VFIO);
		CU_ASSERT_EQUAL(x->size, small_sizes[i / LIBDMA_BENCH_VFIO]);
		if (x->mode == LIBDMA_BENCH_SG_HUGEPAGE &&
		    x->status == LIBDMA_BENCH_UNAVAILABLE) {
			printf("    (sg-hugepage unavailable here: %s)\n", x->note);
			continue;
		}
		CU_ASSERT_EQUAL(x->status, LIBDMA_BENCH_OK);
		CU_ASSERT_EQUAL(x->repetitions, reps);
		CU_ASSERT(x->commands.min <= x->commands.median &&
			  x->commands.median <= x->commands.max);
		CU_ASSERT(x->host_ns.min <= x->host_ns.median &&
			  x->host_ns.median <= x->host_ns.max);
		CU_ASSERT(x->transfer_ns.min > 0 && x->throughput.min > 0);
		CU_ASSERT(x->efficiency.median > 0);
		if (x->mode == LIBDMA_BENCH_COHERENT || x->mode == LIBDMA_BENCH_BOUNCE) {
			CU_ASSERT_EQUAL(x->commands.median, (double)min);
			CU_ASSERT_EQUAL(x->dma_segments, 2);
			CU_ASSERT_EQUAL(x->cpu_segments, 2);
			CU_ASSERT_EQUAL(x->pages, 2 * ((x->size + 4095) / 4096));
		} else {
			CU_ASSERT(x->commands.median >= (double)min);
			CU_ASSERT(x->commands.median <= (double)(min + x->dma_segments - 2));
			CU_ASSERT(x->pages >= 2 * ((x->size + 4095) / 4096));
			CU_ASSERT(x->dma_segments >= 2 && x->dma_segments <= x->pages);
		}
		if (x->mode == LIBDMA_BENCH_SG_ONESHOT) {
			CU_ASSERT_EQUAL(x->setup_ns.max, 0);
			CU_ASSERT_EQUAL(x->cpu_segments, 0);
			CU_ASSERT(x->pin_ns.min > 0);
		}
		if (x->mode == LIBDMA_BENCH_BOUNCE)
			CU_ASSERT(x->cpu_copy_ns.min > 0);
		if (x->mode == LIBDMA_BENCH_SG)
			CU_ASSERT_EQUAL(x->pin_ns.median, 3000);	/* 2 x (1000 + 500) */
	}
}

static void test_run_all_modes(void)
{
	struct libdma_bench_config cfg;
	struct libdma_bench_result *r = NULL;
	int ret;

	small_config(&cfg, 3);
	cfg.label = "host test, \"fake\" device";
	cfg.progress = count_progress;
	progress_calls = progress_done = 0;
	ret = libdma_bench_run(dev, &cfg, &r);
	CU_ASSERT_EQUAL_FATAL(ret, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	check_structure(r, 3);
	CU_ASSERT_EQUAL(r->nr_failed, 0);
	CU_ASSERT_STRING_EQUAL(r->env.label, "host test, \"fake\" device");
	CU_ASSERT_EQUAL(progress_done, (int)r->nr_cells);
	CU_ASSERT(progress_calls >= (int)r->nr_cells);
	libdma_bench_result_free(r);
}

static int count_char(const char *s, char c)
{
	int n = 0;

	for (; *s; s++)
		n += *s == c;
	return n;
}

/* Commas outside quotes: the number of fields - 1. */
static int csv_commas(const char *line, size_t len)
{
	int n = 0, quoted = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (line[i] == '"')
			quoted = !quoted;
		else if (line[i] == ',' && !quoted)
			n++;
	}
	return n;
}

static void test_outputs(void)
{
	struct libdma_bench_config cfg;
	struct libdma_bench_result *r = NULL;
	char *table, *csv, *json, *line;
	int rows = 0, header_commas = -1, ok = 1;

	small_config(&cfg, 1);
	cfg.label = "a label, with \"quotes\"";
	CU_ASSERT_EQUAL_FATAL(libdma_bench_run(dev, &cfg, &r), 0);
	table = write_string(r, LIBDMA_BENCH_TABLE);
	csv = write_string(r, LIBDMA_BENCH_CSV);
	json = write_string(r, LIBDMA_BENCH_JSON);
	CU_ASSERT_FATAL(table && csv && json);

	/* where it ran, in every format */
	CU_ASSERT_PTR_NOT_NULL(strstr(table, "/dev/fakebench0"));
	CU_ASSERT_PTR_NOT_NULL(strstr(table, "4095-byte window"));
	CU_ASSERT_PTR_NOT_NULL(strstr(table, "clocksource"));
	CU_ASSERT_PTR_NOT_NULL(strstr(table, "sg-oneshot"));
	CU_ASSERT_PTR_NOT_NULL(strstr(table, "reading"));
	CU_ASSERT_PTR_NOT_NULL(strstr(csv, "# kernel: "));
	CU_ASSERT_PTR_NOT_NULL(strstr(csv, "# platform: "));
	CU_ASSERT_PTR_NOT_NULL(strstr(csv, "# clocksource: "));
	CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"clocksource\": "));
	CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"label\": \"a label, with \\\"quotes\\\"\""));

	/* CSV: a header and one row per cell, every row as wide as the header */
	for (line = csv; *line; ) {
		size_t len = strcspn(line, "\n");

		if (line[0] != '#') {
			int commas = csv_commas(line, len);

			if (header_commas < 0)
				header_commas = commas;
			else
				rows++;
			ok &= commas == header_commas;
		}
		line += len + (line[len] == '\n');
	}
	CU_ASSERT_EQUAL(rows, (int)r->nr_cells);
	CU_ASSERT(ok);
	/* the 1.2 columns where they were, then note, then the 1.4 ones */
	CU_ASSERT_EQUAL(header_commas, 6 + 3 * 10 + 1 + 5);
	CU_ASSERT_PTR_NOT_NULL(strstr(csv, "\nmode,size,status,repetitions,"));
	CU_ASSERT_PTR_NOT_NULL(strstr(csv, ",efficiency_max,note,depth,requests,"
				      "request_rate_median,request_rate_min,"
				      "request_rate_max\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(csv, "\ncoherent,4096,ok,1,2,2,2,4,4,4,"));
	/* single transfers: depth 0, no requests or rates */
	CU_ASSERT_PTR_NOT_NULL(strstr(csv, ",,0,,,,\n"));
	CU_ASSERT_PTR_NULL(strstr(csv, "streams"));
	CU_ASSERT_PTR_NULL(strstr(table, "streams"));
	CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"streams\": null"));
	CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"repetitions\": 1, \"depth\": 0"));
	CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"request_rate\": null"));

	/* JSON: balanced, one object per cell */
	CU_ASSERT_EQUAL(count_char(json, '{'), count_char(json, '}'));
	CU_ASSERT_EQUAL(count_char(json, '['), count_char(json, ']'));
	CU_ASSERT_EQUAL(json[0], '{');
	CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"failed\": 0"));
	CU_ASSERT_PTR_NOT_NULL(strstr(json, "{\"mode\": \"bounce\", \"size\": 65536, "
				      "\"status\": \"ok\", \"verified\": true"));

	CU_ASSERT_EQUAL(libdma_bench_write(r, 7, stdout), -EINVAL);
	CU_ASSERT_EQUAL(libdma_bench_write(NULL, LIBDMA_BENCH_CSV, stdout), -EINVAL);
	free(table);
	free(csv);
	free(json);
	libdma_bench_result_free(r);
}

/* No figure may come out of a cell whose bytes were not right. */
static void check_all_failed(struct libdma_bench_result *r, int ret)
{
	uint32_t i, failed = 0;
	char *table, *csv;

	for (i = 0; i < r->nr_cells; i++) {
		const struct libdma_bench_cell *x = &r->cells[i];

		if (x->status == LIBDMA_BENCH_UNAVAILABLE)
			continue;
		failed++;
		CU_ASSERT_EQUAL(x->status, LIBDMA_BENCH_MISMATCH);
		CU_ASSERT(x->commands.max == 0 && x->host_ns.max == 0 &&
			  x->transfer_ns.max == 0 && x->throughput.max == 0 &&
			  x->efficiency.max == 0 && x->setup_ns.max == 0 &&
			  x->pages == 0 && x->dma_segments == 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(x->note, "destination bytes wrong"));
	}
	CU_ASSERT_EQUAL(ret, (int)failed);
	CU_ASSERT_EQUAL(r->nr_failed, failed);
	table = write_string(r, LIBDMA_BENCH_TABLE);
	csv = write_string(r, LIBDMA_BENCH_CSV);
	CU_ASSERT_FATAL(table && csv);
	CU_ASSERT_PTR_NOT_NULL(strstr(table, "MISMATCH, no figures"));
	CU_ASSERT_PTR_NOT_NULL(strstr(table, "FAILED:"));
	CU_ASSERT_PTR_NULL(strstr(table, "/s "));	/* a rate only in the header */
	CU_ASSERT_PTR_NOT_NULL(strstr(csv, "\ncoherent,4096,mismatch,0,,,,,,,"));
	free(table);
	free(csv);
}

static void test_corrupt_hook_fails_every_cell(void)
{
	struct libdma_bench_config cfg;
	struct libdma_bench_result *r = NULL;
	int ret;

	small_config(&cfg, 2);
	cfg.flags = LIBDMA_BENCH_CORRUPT;
	ret = libdma_bench_run(dev, &cfg, &r);
	CU_ASSERT_FATAL(ret > 0 && r != NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(r->cells[0].note, "on purpose"));
	check_all_failed(r, ret);
	libdma_bench_result_free(r);
}

static void test_copy_that_moves_nothing_fails(void)
{
	struct libdma_bench_config cfg;
	struct libdma_bench_result *r = NULL;
	int ret;

	small_config(&cfg, 1);
	ret = libdma_bench_run(dev, &cfg, &r);	/* calibration must pass first */
	CU_ASSERT_EQUAL(ret, 0);
	libdma_bench_result_free(r);
	r = NULL;
	fake.no_copy = 1;
	ret = libdma_bench_run(dev, &cfg, &r);
	/* the calibration copy checks its data too */
	CU_ASSERT_EQUAL(ret, -EIO);
	CU_ASSERT_PTR_NULL(r);
	CU_ASSERT_PTR_NOT_NULL(strstr(libdma_errmsg(), "did not arrive intact"));
	fake.no_copy = 0;
}

static void test_device_error_stops_the_run(void)
{
	struct libdma_bench_config cfg;
	struct libdma_bench_result *r = (struct libdma_bench_result *)&cfg;

	small_config(&cfg, 1);
	fake.answer = -ETIMEDOUT;
	CU_ASSERT_EQUAL(libdma_bench_run(dev, &cfg, &r), -ETIMEDOUT);
	CU_ASSERT_PTR_NULL(r);
	fake.answer = 0;
}

static void test_bad_configs(void)
{
	struct libdma_bench_config cfg;
	struct libdma_bench_result *r = NULL;
	uint64_t zero = 0;

	small_config(&cfg, 0);
	CU_ASSERT_EQUAL(libdma_bench_run(dev, &cfg, &r), -EINVAL);
	small_config(&cfg, LIBDMA_BENCH_MAX_REPETITIONS + 1);
	CU_ASSERT_EQUAL(libdma_bench_run(dev, &cfg, &r), -EINVAL);
	small_config(&cfg, 1);
	cfg.modes = 1U << LIBDMA_BENCH_NR_MODES;
	CU_ASSERT_EQUAL(libdma_bench_run(dev, &cfg, &r), -EINVAL);
	small_config(&cfg, 1);
	cfg.flags = 1U << 7;
	CU_ASSERT_EQUAL(libdma_bench_run(dev, &cfg, &r), -EINVAL);
	small_config(&cfg, 1);
	cfg.reserved[1] = 1;
	CU_ASSERT_EQUAL(libdma_bench_run(dev, &cfg, &r), -EINVAL);
	small_config(&cfg, 1);
	cfg.depths[0] = LIBDMA_BENCH_MAX_DEPTH + 1;
	CU_ASSERT_EQUAL(libdma_bench_run(dev, &cfg, &r), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(libdma_errmsg(), "queue depth 65"));
	small_config(&cfg, 1);
	cfg.depths[0] = 4;
	cfg.depths[2] = 2;	/* after the 0 that ends the list */
	CU_ASSERT_EQUAL(libdma_bench_run(dev, &cfg, &r), -EINVAL);
	small_config(&cfg, 1);
	cfg.sizes = &zero;
	cfg.nr_sizes = 1;
	CU_ASSERT_EQUAL(libdma_bench_run(dev, &cfg, &r), -EINVAL);
	small_config(&cfg, 1);
	cfg.nr_sizes = 0;
	CU_ASSERT_EQUAL(libdma_bench_run(dev, &cfg, &r), -EINVAL);
	CU_ASSERT_PTR_NULL(r);
	CU_ASSERT_EQUAL(libdma_bench_run(dev, &cfg, NULL), -EINVAL);
	CU_ASSERT_EQUAL(libdma_bench_run(NULL, &cfg, &r), -EBADF);
	CU_ASSERT_PTR_NULL(r);
	libdma_bench_result_free(NULL);
}

static void test_coherent_beyond_max_alloc_unavailable(void)
{
	static const uint64_t sizes[] = { 8192 };
	struct libdma_bench_config cfg;
	struct libdma_bench_result *r = NULL;
	struct libdma_device *small;

	fake.max_alloc = 4096;
	small = open_fake();
	fake.max_alloc = FAKE_MAX_ALLOC;
	CU_ASSERT_PTR_NOT_NULL_FATAL(small);
	libdma_bench_config_init(&cfg);
	cfg.sizes = sizes;
	cfg.nr_sizes = 1;
	cfg.repetitions = 1;
	cfg.modes = (1U << LIBDMA_BENCH_COHERENT) | (1U << LIBDMA_BENCH_BOUNCE) |
		    (1U << LIBDMA_BENCH_SG);
	CU_ASSERT_EQUAL_FATAL(libdma_bench_run(small, &cfg, &r), 0);
	CU_ASSERT_EQUAL(r->nr_cells, 3);
	CU_ASSERT_EQUAL(r->cells[0].status, LIBDMA_BENCH_UNAVAILABLE);
	CU_ASSERT_PTR_NOT_NULL(strstr(r->cells[0].note, "at most 4 KiB"));
	CU_ASSERT_EQUAL(r->cells[1].mode, LIBDMA_BENCH_SG);
	CU_ASSERT_EQUAL(r->cells[1].status, LIBDMA_BENCH_OK);
	CU_ASSERT_EQUAL(r->cells[2].status, LIBDMA_BENCH_UNAVAILABLE);
	CU_ASSERT_EQUAL(r->nr_failed, 0);	/* unavailable is not failed */
	libdma_bench_result_free(r);
	libdma_close(small);
}

/* The vfio mode needs a device opened through VFIO: asked without, unavailable. */
static void test_vfio_mode_without_vfio_device(void)
{
	static const uint64_t sizes[] = { 8192 };
	struct libdma_bench_config cfg;
	struct libdma_bench_result *r = NULL;

	libdma_bench_config_init(&cfg);
	CU_ASSERT_EQUAL(cfg.modes, 0);		/* the default set */
	cfg.sizes = sizes;
	cfg.nr_sizes = 1;
	cfg.repetitions = 1;
	cfg.modes = (1U << LIBDMA_BENCH_SG) | (1U << LIBDMA_BENCH_VFIO);
	CU_ASSERT_EQUAL_FATAL(libdma_bench_run(dev, &cfg, &r), 0);
	CU_ASSERT_EQUAL(r->nr_cells, 2);
	CU_ASSERT_EQUAL(r->cells[0].status, LIBDMA_BENCH_OK);
	CU_ASSERT_EQUAL(r->cells[1].mode, LIBDMA_BENCH_VFIO);
	CU_ASSERT_EQUAL(r->cells[1].status, LIBDMA_BENCH_UNAVAILABLE);
	CU_ASSERT_PTR_NOT_NULL(strstr(r->cells[1].note, "dmactl bind vfio"));
	CU_ASSERT_STRING_EQUAL(r->env.vfio_node, "");
	libdma_bench_result_free(r);
	/* A device that is not VFIO cannot stand in. */
	cfg.vfio = dev;
	CU_ASSERT_EQUAL(libdma_bench_run(dev, &cfg, &r), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(libdma_errmsg(), "not opened through VFIO"));
	CU_ASSERT_PTR_NULL(r);
	CU_ASSERT_STRING_EQUAL(libdma_bench_mode_name(LIBDMA_BENCH_VFIO), "vfio");
	CU_ASSERT_EQUAL(libdma_bench_mode_parse("vfio"), LIBDMA_BENCH_VFIO);
}

/* ------------------------------------------------- streams (API 1.4) */

/*
 * Asynchronous requests on the fake: submit copies at once (fake_ops'
 * copy) and queues the completion; reap hands them back. It records the
 * most requests ever submitted and not reaped, which a stream must keep
 * at its depth, never above.
 */
#define ASYNC_MAX	64
static struct {
	struct libdma_completion done[ASYNC_MAX];
	unsigned int nr_done;
	unsigned int outstanding, max_outstanding;
	uint64_t next_id, submits;
	uint64_t short_at;		/* the submit (1-based) that moves 1 byte too few */
	int fail_at_result;		/* ... or completes with this result */
	uint64_t fail_at;
} as;

static int async_submit(struct libdma_device *d, const struct libdma_region *dst,
			const struct libdma_region *src, enum libdma_direction dir,
			size_t dev_offset, uint64_t user_data, uint64_t *id)
{
	struct libdma_completion *c;
	int err;

	(void)dir;
	(void)dev_offset;
	if (!dst)
		return -EOPNOTSUPP;	/* the bench only copies */
	if (as.outstanding >= ASYNC_MAX)
		return -EAGAIN;
	c = &as.done[as.nr_done];
	memset(c, 0, sizeof(*c));
	err = fake_ops.copy(d, dst, src, &c->stats);
	if (err)
		return err;
	as.submits++;
	c->id = *id = ++as.next_id;
	c->user_data = user_data;
	if (as.submits == as.short_at)
		c->stats.bytes--;
	if (as.submits == as.fail_at)
		c->result = as.fail_at_result;
	as.nr_done++;
	if (++as.outstanding > as.max_outstanding)
		as.max_outstanding = as.outstanding;
	return 0;
}

static int async_reap(struct libdma_device *d, struct libdma_completion *c,
		      unsigned int max, unsigned int min_complete, int timeout_ms,
		      unsigned int *count)
{
	unsigned int n = as.nr_done < max ? as.nr_done : max;

	(void)d;
	(void)min_complete;
	(void)timeout_ms;
	memcpy(c, as.done, n * sizeof(*c));
	memmove(as.done, as.done + n, (as.nr_done - n) * sizeof(*c));
	as.nr_done -= n;
	as.outstanding -= n;
	*count = n;
	return 0;
}

static int async_cancel(struct libdma_device *d, uint64_t id, unsigned int *count)
{
	(void)d;
	(void)id;
	*count = 0;
	return 0;
}

static struct libdma_backend_ops async_ops;

/* The fake with asynchronous requests; 'edusg': INFO says edu-sg. */
static struct libdma_device *open_async(int edusg)
{
	struct libdma_device *d;

	memset(&as, 0, sizeof(as));
	async_ops = fake_ops;
	async_ops.submit = async_submit;
	async_ops.reap = async_reap;
	async_ops.cancel = async_cancel;
	fake.name = "fakebench";
	fake.features = LIBDMA_FEAT_COHERENT | LIBDMA_FEAT_TRANSFER |
			LIBDMA_FEAT_COPY | LIBDMA_FEAT_PIN |
			LIBDMA_FEAT_USER_REGION | LIBDMA_FEAT_ASYNC;
	d = fake_open(&async_ops, 1);
	if (d && edusg) {
		d->info.engine = LIBDMA_ENGINE_EDUSG;
		d->info.max_cmd_length = 16u << 20;
	}
	return d;
}

static void stream_config(struct libdma_bench_config *cfg, const uint64_t *sizes,
			  uint32_t nr, uint32_t reps)
{
	libdma_bench_config_init(cfg);
	cfg->sizes = sizes;
	cfg->nr_sizes = nr;
	cfg->repetitions = reps;
	cfg->depths[0] = 1;
	cfg->depths[1] = 4;
}

/* The ABI: the 1.4 fields took reserved room; no structure grew. */
static void test_abi_sizes(void)
{
	/* LP64 sizes of libdma 1.3 (the same header before the change) */
	if (sizeof(void *) == 8) {
		CU_ASSERT_EQUAL(sizeof(struct libdma_bench_config), 80);
		CU_ASSERT_EQUAL(sizeof(struct libdma_bench_cell), 544);
		CU_ASSERT_EQUAL(sizeof(struct libdma_bench_result), 1024);
	}
	CU_ASSERT_EQUAL(offsetof(struct libdma_bench_config, reserved) -
			offsetof(struct libdma_bench_config, depths), 8);
	CU_ASSERT_EQUAL(offsetof(struct libdma_bench_cell, depth),
			offsetof(struct libdma_bench_cell, note) + 192);
}

static void test_streams_run(void)
{
	static const uint64_t sizes[] = { 4096, 65536 };
	struct libdma_bench_config cfg;
	struct libdma_bench_result *r = NULL;
	struct libdma_device *d = open_async(0);
	char *table, *csv, *json;
	uint32_t i, streams = 0;
	int ret;

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	stream_config(&cfg, sizes, 2, 3);
	ret = libdma_bench_run(d, &cfg, &r);
	CU_ASSERT_EQUAL_FATAL(ret, 0);
	/* 2 sizes x 5 modes single, then 2 sizes x 5 modes x 2 depths */
	CU_ASSERT_EQUAL_FATAL(r->nr_cells, 2 * 5 * 3);
	/* depth 4 reached, never more */
	CU_ASSERT_EQUAL(as.max_outstanding, 4);
	for (i = 0; i < r->nr_cells; i++) {
		const struct libdma_bench_cell *x = &r->cells[i];

		if (i < 10) {
			CU_ASSERT_EQUAL(x->depth, 0);
			CU_ASSERT_EQUAL(x->requests, 0);
			continue;
		}
		/* size-major, modes in order, depths as given */
		CU_ASSERT_EQUAL(x->size, sizes[(i - 10) / 10]);
		CU_ASSERT_EQUAL(x->mode, (i - 10) / 2 % 5);
		CU_ASSERT_EQUAL(x->depth, i % 2 ? 4 : 1);
		if (x->mode == LIBDMA_BENCH_BOUNCE) {
			CU_ASSERT_EQUAL(x->status, LIBDMA_BENCH_UNAVAILABLE);
			CU_ASSERT_PTR_NOT_NULL(strstr(x->note, "serialise"));
			continue;
		}
		if (x->mode == LIBDMA_BENCH_SG_HUGEPAGE &&
		    x->status == LIBDMA_BENCH_UNAVAILABLE)
			continue;	/* no THP on this host */
		CU_ASSERT_EQUAL(x->status, LIBDMA_BENCH_OK);
		CU_ASSERT_EQUAL(x->repetitions, 3);
		CU_ASSERT_EQUAL(x->requests,
				libdma__bench_stream_requests(x->size, x->depth));
		CU_ASSERT(x->transfer_ns.min > 0);
		CU_ASSERT_DOUBLE_EQUAL(x->throughput.max,
				       x->requests * (double)x->size * 1e9 /
				       x->transfer_ns.min, x->throughput.max * 1e-9);
		CU_ASSERT_DOUBLE_EQUAL(x->request_rate.median * x->size,
				       x->throughput.median,
				       x->throughput.median * 1e-9);
		CU_ASSERT(x->efficiency.median > 0);
		/* the fake's commands: 2 per window + the segment boundaries */
		CU_ASSERT(x->commands.median >=
			  (double)libdma__bench_min_commands(x->size, &r->env.info));
		CU_ASSERT(x->dma_segments >= 2);
		if (x->mode == LIBDMA_BENCH_SG_ONESHOT) {
			CU_ASSERT_EQUAL(x->setup_ns.max, 0);
			CU_ASSERT_DOUBLE_EQUAL(x->pin_ns.median, 2000, 0);	/* per request */
		} else {
			CU_ASSERT(x->setup_ns.min > 0);
		}
		streams++;
	}
	CU_ASSERT(streams >= 2 * 3 * 2);	/* coherent, sg, sg-oneshot at least */
	/* every stream submitted requests x repetitions copies */

	table = write_string(r, LIBDMA_BENCH_TABLE);
	csv = write_string(r, LIBDMA_BENCH_CSV);
	json = write_string(r, LIBDMA_BENCH_JSON);
	CU_ASSERT_FATAL(table && csv && json);
	CU_ASSERT_PTR_NOT_NULL(strstr(table, "\nstreams: copies kept DEPTH in flight"));
	CU_ASSERT_PTR_NOT_NULL(strstr(table, "req/s"));
	CU_ASSERT_PTR_NOT_NULL(strstr(table, "dev-limit"));
	CU_ASSERT_PTR_NOT_NULL(strstr(table, "streams of 4 KiB copies (coherent): "
				      "depth 1 "));
	CU_ASSERT_PTR_NOT_NULL(strstr(table, "; depth 4 / depth 1 = "));
	CU_ASSERT_PTR_NOT_NULL(strstr(table, "  bounce          4 unavailable: no "
				      "bounce streams"));
	/* a stream row: depth, requests and rates at the end */
	CU_ASSERT_PTR_NOT_NULL(strstr(csv, "\ncoherent,4096,ok,3,2,2,2,"));
	CU_ASSERT_PTR_NOT_NULL(strstr(csv, ",,4,1024,"));
	CU_ASSERT_PTR_NOT_NULL(strstr(csv, ",,1,1024,"));
	CU_ASSERT_PTR_NOT_NULL(strstr(csv, "no bounce streams: the CPU copies around "
				      "each transfer serialise them,4,,,,\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"status\": \"ok\", \"verified\": true, "
				      "\"repetitions\": 3, \"depth\": 4"));
	CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"requests\": 1024, \"request_rate\": "
				      "{\"median\": "));
	CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"streams\": {\n    \"cells\": "));
	CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"smallest\": {\"size\": 4096, "
				      "\"mode\": \"coherent\", \"by_depth\": "
				      "[{\"depth\": 1, "));
	CU_ASSERT_EQUAL(count_char(json, '{'), count_char(json, '}'));
	CU_ASSERT_EQUAL(count_char(json, '['), count_char(json, ']'));
	free(table);
	free(csv);
	free(json);
	libdma_bench_result_free(r);
	libdma_close(d);
}

/* Without asynchronous requests every stream is unavailable, and why. */
static void test_streams_need_async(void)
{
	static const uint64_t sizes[] = { 4096 };
	struct libdma_bench_config cfg;
	struct libdma_bench_result *r = NULL;
	uint32_t i;

	stream_config(&cfg, sizes, 1, 1);
	cfg.modes = (1U << LIBDMA_BENCH_COHERENT) | (1U << LIBDMA_BENCH_VFIO);
	CU_ASSERT_EQUAL_FATAL(libdma_bench_run(dev, &cfg, &r), 0);
	CU_ASSERT_EQUAL_FATAL(r->nr_cells, 2 + 4);
	for (i = 2; i < r->nr_cells; i++)
		CU_ASSERT_EQUAL(r->cells[i].status, LIBDMA_BENCH_UNAVAILABLE);
	CU_ASSERT_PTR_NOT_NULL(strstr(r->cells[2].note, "asynchronous requests"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r->cells[5].note, "VFIO backend"));
	CU_ASSERT_EQUAL(r->nr_failed, 0);
	libdma_bench_result_free(r);
}

/* No figures from a stream whose data or completions are wrong. */
static void test_streams_fail_without_figures(void)
{
	static const uint64_t sizes[] = { 8192 };
	struct libdma_bench_config cfg;
	struct libdma_bench_result *r = NULL;
	struct libdma_device *d = open_async(0);
	const struct libdma_bench_cell *x;
	char *csv;
	int ret;

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	stream_config(&cfg, sizes, 1, 2);
	cfg.modes = 1U << LIBDMA_BENCH_COHERENT;
	cfg.depths[1] = 0;

	/* the corrupt hook: the stream must fail verification */
	cfg.flags = LIBDMA_BENCH_CORRUPT;
	ret = libdma_bench_run(d, &cfg, &r);
	CU_ASSERT_EQUAL_FATAL(ret, 2);
	x = &r->cells[1];
	CU_ASSERT_EQUAL(x->depth, 1);
	CU_ASSERT_EQUAL(x->status, LIBDMA_BENCH_MISMATCH);
	CU_ASSERT_PTR_NOT_NULL(strstr(x->note, "destination bytes wrong"));
	CU_ASSERT(x->throughput.max == 0 && x->request_rate.max == 0 &&
		  x->transfer_ns.max == 0 && x->efficiency.max == 0);
	csv = write_string(r, LIBDMA_BENCH_CSV);
	CU_ASSERT_PTR_NOT_NULL(csv);
	CU_ASSERT_PTR_NOT_NULL(csv && strstr(csv, "\ncoherent,8192,mismatch,0,,,"));
	free(csv);
	libdma_bench_result_free(r);
	r = NULL;

	/* a completion one byte short: the device lost data, the run stops
	 * (as for a single transfer) */
	cfg.flags = 0;
	memset(&as, 0, sizeof(as));
	as.short_at = 7;	/* the stream's 7th request (submits count only) */
	CU_ASSERT_EQUAL(libdma_bench_run(d, &cfg, &r), -EIO);
	CU_ASSERT_PTR_NULL(r);
	CU_ASSERT_PTR_NOT_NULL(strstr(libdma_errmsg(), "moved 8191 of 8192 bytes"));

	/* a completion with an error that is not fatal: the cell fails, no
	 * figures, the run goes on */
	memset(&as, 0, sizeof(as));
	as.fail_at = 3;
	as.fail_at_result = -ENOMEM;
	ret = libdma_bench_run(d, &cfg, &r);
	CU_ASSERT_EQUAL_FATAL(ret, 1);
	x = &r->cells[1];
	CU_ASSERT_EQUAL(r->cells[0].status, LIBDMA_BENCH_OK);
	CU_ASSERT_EQUAL(x->status, LIBDMA_BENCH_FAILED);
	CU_ASSERT_EQUAL(x->error, -ENOMEM);
	CU_ASSERT_EQUAL(x->depth, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(x->note, "stream: bench: request 2 of the "
				      "stream failed"));
	CU_ASSERT(x->throughput.max == 0 && x->request_rate.max == 0);
	CU_ASSERT_EQUAL(as.outstanding, 0);	/* nothing left in flight */
	libdma_bench_result_free(r);
	libdma_close(d);
}

/* On edu-sg: calibration with one 4 KiB descriptor, commands counted as descriptors. */
static void test_streams_edusg(void)
{
	static const uint64_t sizes[] = { 65536 };
	struct libdma_bench_config cfg;
	struct libdma_bench_result *r = NULL;
	struct libdma_device *d = open_async(1);
	char *table;

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	stream_config(&cfg, sizes, 1, 1);
	cfg.modes = 1U << LIBDMA_BENCH_COHERENT;
	cfg.progress = count_progress;
	progress_calls = progress_done = 0;
	CU_ASSERT_EQUAL_FATAL(libdma_bench_run(d, &cfg, &r), 0);
	CU_ASSERT_EQUAL(r->env.info.engine, LIBDMA_ENGINE_EDUSG);
	CU_ASSERT_EQUAL(r->env.calibration_copies, 5);
	CU_ASSERT_EQUAL(progress_done, 3);
	table = write_string(r, LIBDMA_BENCH_TABLE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(table);
	CU_ASSERT_PTR_NOT_NULL(strstr(table, "edu-sg descriptor: "));
	CU_ASSERT_PTR_NOT_NULL(strstr(table, "one 4 KiB descriptor"));
	CU_ASSERT_PTR_NULL(strstr(table, "2 commands per"));	/* edu's arithmetic */
	CU_ASSERT_PTR_NOT_NULL(strstr(table, ": edu-sg "));
	free(table);
	libdma_bench_result_free(r);
	libdma_close(d);
}

static void test_errno_untouched(void)
{
	struct libdma_bench_config cfg;
	struct libdma_bench_result *r = NULL;

	small_config(&cfg, 0);
	errno = 1234;
	CU_ASSERT_EQUAL(libdma_bench_run(dev, &cfg, &r), -EINVAL);
	CU_ASSERT_EQUAL(errno, 1234);
	small_config(&cfg, 1);
	CU_ASSERT_EQUAL_FATAL(libdma_bench_run(dev, &cfg, &r), 0);
	CU_ASSERT_EQUAL(errno, 1234);
	libdma_bench_result_free(r);
}

static const struct edutest_case logic_cases[] = {
	{ "stat_odd_even", test_stat_odd_even },
	{ "pattern_catches_one_byte", test_pattern_catches_one_byte },
	{ "min_commands", test_min_commands },
	{ "stream_shape", test_stream_shape },
	{ "abi_sizes", test_abi_sizes },
	{ "csv_escaping", test_csv_escaping },
	{ "json_escaping", test_json_escaping },
	{ "summary_crossover", test_summary_crossover },
	{ "summary_interpolates", test_summary_interpolates },
	{ "summary_one_sided", test_summary_one_sided },
	{ "summary_crosses_twice", test_summary_crosses_twice },
	{ "mode_names", test_mode_names },
	{ NULL, NULL },
};

static const struct edutest_case run_cases[] = {
	{ "run_all_modes", test_run_all_modes },
	{ "outputs", test_outputs },
	{ "corrupt_hook_fails_every_cell", test_corrupt_hook_fails_every_cell },
	{ "copy_that_moves_nothing_fails", test_copy_that_moves_nothing_fails },
	{ "device_error_stops_the_run", test_device_error_stops_the_run },
	{ "bad_configs", test_bad_configs },
	{ "coherent_beyond_max_alloc_unavailable",
	  test_coherent_beyond_max_alloc_unavailable },
	{ "vfio_mode_without_vfio_device", test_vfio_mode_without_vfio_device },
	{ "streams_run", test_streams_run },
	{ "streams_need_async", test_streams_need_async },
	{ "streams_fail_without_figures", test_streams_fail_without_figures },
	{ "streams_edusg", test_streams_edusg },
	{ "errno_untouched", test_errno_untouched },
	{ NULL, NULL },
};

static const struct edutest_suite suites[] = {
	{ "logic", NULL, NULL, logic_cases },
	{ "fake_device", setup_fake, teardown_fake, run_cases },
	{ NULL, NULL, NULL, NULL },
};

int main(int argc, char **argv)
{
	return edutest_main(argc, argv, "test_libdma_bench", suites);
}
