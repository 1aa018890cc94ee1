// SPDX-License-Identifier: MIT
/*
 * The benchmark's logic on the build host (libdma/measure/bench*.c):
 * statistics, the test pattern, CSV and JSON escaping, the reading (sg /
 * coherent ratio, pinning-vs-copying crossover, efficiency), and whole
 * runs against a fake backend that really copies bytes - so verification,
 * the corrupt test hook, unavailable modes and the three outputs are
 * checked without QEMU. Real timings come from the device:
 * tests/guest/test_bench.c.
 */
#include <errno.h>
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
	CU_ASSERT_EQUAL(libdma__bench_min_commands(1, 4095), 2);
	CU_ASSERT_EQUAL(libdma__bench_min_commands(4095, 4095), 2);
	CU_ASSERT_EQUAL(libdma__bench_min_commands(4096, 4095), 4);
	CU_ASSERT_EQUAL(libdma__bench_min_commands(1 << 20, 4095), 514);
	CU_ASSERT_EQUAL(libdma__bench_min_commands(4 << 20, 4095), 2050);
	CU_ASSERT_EQUAL(libdma__bench_min_commands(4 << 20, 4096), 2048);
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
		uint64_t min = libdma__bench_min_commands(x->size, FAKE_WINDOW);

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
	CU_ASSERT_EQUAL(header_commas, 6 + 3 * 10 + 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(csv, "\nmode,size,status,repetitions,"));
	CU_ASSERT_PTR_NOT_NULL(strstr(csv, "\ncoherent,4096,ok,1,2,2,2,4,4,4,"));

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
	cfg.reserved[2] = 1;
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
