// SPDX-License-Identifier: MIT
/*
 * The contiguity lab's outputs: a table for people (a section per
 * experiment, a row per cell, then a reading), CSV and JSON for programs.
 * Each starts with where the run took place - the same lines as the
 * benchmark's (env.c), since figures out of context mislead. Cells without
 * figures carry their status and note, never a number.
 */
#include <string.h>

#include "lab_internal.h"

#define MAX_LAB_SIZES	128

static const char *name(unsigned int kind, unsigned int v)
{
	const char *n = libdma_lab_name(kind, v);

	return n ? n : "?";
}

static const char *status_name(unsigned int status)
{
	switch (status) {
	case LIBDMA_LAB_OK:
		return "ok";
	case LIBDMA_LAB_UNAVAILABLE:
		return "unavailable";
	case LIBDMA_LAB_UNREACHABLE:
		return "unreachable";
	case LIBDMA_LAB_MISMATCH:
		return "mismatch";
	default:
		return "failed";
	}
}

/* The distinct sizes of an experiment's cells, ascending. */
static unsigned int sizes_of(const struct libdma_lab_result *r, unsigned int e,
			     uint64_t *sizes)
{
	unsigned int n = 0;
	uint32_t i;

	for (i = 0; i < r->nr_cells; i++)
		if (r->cells[i].experiment == e)
			n = libdma__sizes_add(sizes, n, MAX_LAB_SIZES,
					      r->cells[i].size);
	return n;
}

static void span_add(struct libdma__lab_span *sp, uint64_t size, double ratio)
{
	if (!sp->nr) {
		sp->size_lo = size;
		sp->lo = ratio;
		sp->min = sp->max = ratio;
		sp->size_min = sp->size_max = size;
	}
	if (ratio < sp->min) {
		sp->min = ratio;
		sp->size_min = size;
	}
	if (ratio > sp->max) {
		sp->max = ratio;
		sp->size_max = size;
	}
	sp->size_hi = size;
	sp->hi = ratio;
	sp->nr++;
}

void libdma__lab_summarize(const struct libdma_lab_result *r,
			   struct libdma__lab_summary *s)
{
	uint64_t sizes[MAX_LAB_SIZES];
	unsigned int n, i, k;
	uint32_t c;

	memset(s, 0, sizeof(*s));
	n = sizes_of(r, LIBDMA_LAB_ALLOC, sizes);
	for (i = 0; i < n; i++) {
		const struct libdma_lab_cell *km =
			libdma__lab_find_ok(r, LIBDMA_LAB_ALLOC, LIBDMA_LAB_KMALLOC,
					    0, sizes[i]);

		if (!km || !km->ns_median)
			continue;
		for (k = 0; k < LIBDMA_LAB_NR_ALLOCATORS; k++) {
			const struct libdma_lab_cell *x =
				libdma__lab_find_ok(r, LIBDMA_LAB_ALLOC, k, 0, sizes[i]);

			if (k != LIBDMA_LAB_KMALLOC && x)
				span_add(&s->alloc[k], sizes[i],
					 (double)x->ns_median / (double)km->ns_median);
		}
	}
	n = sizes_of(r, LIBDMA_LAB_ACCESS, sizes);
	for (i = 0; i < n; i++)
		for (k = 0; k < LIBDMA_LAB_NR_PATTERNS; k++) {
			const struct libdma_lab_cell *lin, *vm;

			lin = libdma__lab_find_ok(r, LIBDMA_LAB_ACCESS, k,
						  LIBDMA_LAB_LINEAR_MAP, sizes[i]);
			vm = libdma__lab_find_ok(r, LIBDMA_LAB_ACCESS, k,
						 LIBDMA_LAB_VMAP, sizes[i]);
			if (lin && vm && lin->ns_median)
				span_add(&s->access[k], sizes[i],
					 (double)vm->ns_median / (double)lin->ns_median);
		}
	for (c = 0; c < r->nr_cells; c++) {
		const struct libdma_lab_cell *x = &r->cells[c];

		if (x->status == LIBDMA_LAB_UNAVAILABLE)
			s->nr_unavailable++;
		if (x->status == LIBDMA_LAB_UNREACHABLE)
			s->nr_unreachable++;
		/* pairs of read passes: counted at their linear-map half */
		if (x->experiment == LIBDMA_LAB_ACCESS &&
		    x->mapping == LIBDMA_LAB_LINEAR_MAP &&
		    x->pattern != LIBDMA_LAB_SEQ_WRITE &&
		    (x->status == LIBDMA_LAB_OK || x->status == LIBDMA_LAB_MISMATCH)) {
			uint32_t d;

			for (d = 0; d < r->nr_cells; d++) {
				const struct libdma_lab_cell *y = &r->cells[d];

				if (y->experiment != LIBDMA_LAB_ACCESS ||
				    y->mapping != LIBDMA_LAB_VMAP ||
				    y->pattern != x->pattern || y->size != x->size ||
				    (y->status != LIBDMA_LAB_OK &&
				     y->status != LIBDMA_LAB_MISMATCH))
					continue;
				s->nr_pairs_compared++;
				s->nr_pairs_mismatch +=
					x->status == LIBDMA_LAB_MISMATCH ||
					y->status == LIBDMA_LAB_MISMATCH;
				break;
			}
		}
		if (x->experiment == LIBDMA_LAB_SEGMENTS && x->status == LIBDMA_LAB_OK &&
		    x->allocator < LIBDMA_LAB_NR_ALLOCATORS) {
			k = x->allocator;
			s->seg[k].nr++;
			s->seg[k].nr_one += x->dma_segments == 1;
			if (x->size >= s->seg[k].size) {
				s->seg[k].size = x->size;
				s->seg[k].pages = x->pages;
				s->seg[k].cpu_segments = x->cpu_segments;
				s->seg[k].dma_segments = x->dma_segments;
			}
		}
	}
}

/* ------------------------------------------------------------------ table */

static void table_head(const struct libdma_lab_result *r, FILE *out)
{
	const struct libdma_bench_env *e = &r->env;

	fprintf(out, "libdma %s lab: is contiguous memory faster? Measured inside "
		"the kernel by the edudma driver\n", e->libdma_version);
	libdma__env_table(e, out);
	if (e->label[0])
		fprintf(out, "  label     %s\n", e->label);
	fprintf(out, "  run       %s; %u iteration%s per timed cell; times are "
		"medians (min and max: --csv, --json)\n", e->date, r->iterations,
		r->iterations == 1 ? "" : "s");
}

/* A row without figures: the cell's status and note. */
static void no_figures(const struct libdma_lab_cell *x, FILE *out)
{
	const char *what;

	switch (x->status) {
	case LIBDMA_LAB_UNAVAILABLE:
		what = "unavailable";
		break;
	case LIBDMA_LAB_UNREACHABLE:
		what = "beyond the device's reach";
		break;
	case LIBDMA_LAB_MISMATCH:
		what = "MISMATCH, no figures";
		break;
	default:
		what = "FAILED, no figures";
		break;
	}
	fprintf(out, "%s%s%s\n", what, x->note[0] ? ": " : "", x->note);
}

static void table_alloc(const struct libdma_lab_result *r, FILE *out)
{
	char b[6][32];
	uint64_t prev = 0;
	uint32_t c;

	fprintf(out, "\nallocate + free: time per pair, kernel allocators\n");
	fprintf(out, "%9s  %-13s %10s %10s %10s %10s\n", "size", "allocator",
		"median", "min", "max", "x kmalloc");
	for (c = 0; c < r->nr_cells; c++) {
		const struct libdma_lab_cell *x = &r->cells[c], *km;

		if (x->experiment != LIBDMA_LAB_ALLOC)
			continue;
		if (prev && x->size != prev)
			fputc('\n', out);
		prev = x->size;
		fprintf(out, "%9s  %-13s ", libdma__fmt_size(x->size, b[0]),
			name(LIBDMA_LAB_NAME_ALLOCATOR, x->allocator));
		if (x->status != LIBDMA_LAB_OK) {
			no_figures(x, out);
			continue;
		}
		km = libdma__lab_find_ok(r, LIBDMA_LAB_ALLOC, LIBDMA_LAB_KMALLOC, 0,
					 x->size);
		if (km && km->ns_median)
			snprintf(b[4], sizeof(b[4]), "%.2f",
				 (double)x->ns_median / (double)km->ns_median);
		else
			snprintf(b[4], sizeof(b[4]), "-");
		fprintf(out, "%10s %10s %10s %10s\n",
			libdma__fmt_ns((double)x->ns_median, b[1]),
			libdma__fmt_ns((double)x->ns_min, b[2]),
			libdma__fmt_ns((double)x->ns_max, b[3]), b[4]);
	}
}

static void table_access(const struct libdma_lab_result *r, FILE *out)
{
	char b[8][32];
	uint64_t prev = 0;
	uint32_t c;

	fprintf(out, "\nCPU access to pages allocated in chunks of up to 4 MiB, "
		"through the linear map (large pages)\nor a vmap of them (4 KiB "
		"PTEs): time per pass over all of them (runs: their physical runs)\n");
	fprintf(out, "%9s  %-11s %-7s %10s %10s %10s %9s %12s %6s %6s\n", "size",
		"pattern", "mapping", "median", "min", "max", "per page",
		"throughput", "v/l", "runs");
	for (c = 0; c < r->nr_cells; c++) {
		const struct libdma_lab_cell *x = &r->cells[c], *lin;

		if (x->experiment != LIBDMA_LAB_ACCESS)
			continue;
		if (prev && x->size != prev)
			fputc('\n', out);
		prev = x->size;
		fprintf(out, "%9s  %-11s %-7s ", libdma__fmt_size(x->size, b[0]),
			name(LIBDMA_LAB_NAME_PATTERN, x->pattern),
			name(LIBDMA_LAB_NAME_MAPPING, x->mapping));
		if (x->status != LIBDMA_LAB_OK) {
			no_figures(x, out);
			continue;
		}
		if (x->pattern == LIBDMA_LAB_RANDOM_READ || !x->ns_median)
			snprintf(b[5], sizeof(b[5]), "-");
		else
			libdma__fmt_rate((double)x->pages * 4096 * 1e9 /
					 (double)x->ns_median, b[5]);
		lin = x->mapping == LIBDMA_LAB_VMAP ?
		      libdma__lab_find_ok(r, LIBDMA_LAB_ACCESS, x->pattern,
					  LIBDMA_LAB_LINEAR_MAP, x->size) : NULL;
		if (lin && lin->ns_median)
			snprintf(b[6], sizeof(b[6]), "%.3f",
				 (double)x->ns_median / (double)lin->ns_median);
		else
			snprintf(b[6], sizeof(b[6]), "%s",
				 x->mapping == LIBDMA_LAB_VMAP ? "-" : "");
		fprintf(out, "%10s %10s %10s %9s %12s %6s %6llu\n",
			libdma__fmt_ns((double)x->ns_median, b[1]),
			libdma__fmt_ns((double)x->ns_min, b[2]),
			libdma__fmt_ns((double)x->ns_max, b[3]),
			libdma__fmt_ns(x->pages ? (double)x->ns_median /
				       (double)x->pages : 0, b[4]),
			b[5], b[6], (unsigned long long)x->cpu_segments);
	}
}

static void table_segments(const struct libdma_lab_result *r, FILE *out)
{
	char b[32];
	uint64_t prev = 0;
	uint32_t c;

	fprintf(out, "\na buffer mapped for the device (dma_map_sg): physically "
		"contiguous runs and DMA segments\n");
	fprintf(out, "%9s  %-13s %8s %10s %13s\n", "size", "allocator", "pages",
		"phys runs", "DMA segments");
	for (c = 0; c < r->nr_cells; c++) {
		const struct libdma_lab_cell *x = &r->cells[c];

		if (x->experiment != LIBDMA_LAB_SEGMENTS)
			continue;
		if (prev && x->size != prev)
			fputc('\n', out);
		prev = x->size;
		fprintf(out, "%9s  %-13s ", libdma__fmt_size(x->size, b),
			name(LIBDMA_LAB_NAME_ALLOCATOR, x->allocator));
		if (x->status != LIBDMA_LAB_OK) {
			no_figures(x, out);
			continue;
		}
		fprintf(out, "%8llu %10llu %13llu\n", (unsigned long long)x->pages,
			(unsigned long long)x->cpu_segments,
			(unsigned long long)x->dma_segments);
	}
}

static int has_experiment(const struct libdma_lab_result *r, unsigned int e)
{
	uint32_t c;

	for (c = 0; c < r->nr_cells; c++)
		if (r->cells[c].experiment == e)
			return 1;
	return 0;
}

static void table_reading(const struct libdma_lab_result *r, FILE *out)
{
	struct libdma__lab_summary s;
	char b1[32], b2[32];
	unsigned int k, first;

	libdma__lab_summarize(r, &s);
	fprintf(out, "\nreading (medians):\n");
	first = 1;
	for (k = 0; k < LIBDMA_LAB_NR_ALLOCATORS; k++) {
		const struct libdma__lab_span *sp = &s.alloc[k];

		if (!sp->nr)
			continue;
		if (first)
			fprintf(out, "  allocate + free, against kmalloc of the same "
				"size:\n");
		first = 0;
		fprintf(out, "    %-13s %.2fx (%s)", name(LIBDMA_LAB_NAME_ALLOCATOR, k),
			sp->lo, libdma__fmt_size(sp->size_lo, b1));
		if (sp->nr > 1)
			fprintf(out, " .. %.2fx (%s)", sp->hi,
				libdma__fmt_size(sp->size_hi, b2));
		fputc('\n', out);
	}
	first = 1;
	for (k = 0; k < LIBDMA_LAB_NR_PATTERNS; k++) {
		const struct libdma__lab_span *sp = &s.access[k];

		if (!sp->nr)
			continue;
		if (first)
			fprintf(out, "  access through a vmap (4 KiB PTEs), against the "
				"linear map (large pages):\n");
		first = 0;
		fprintf(out, "    %-13s %.3f (%s)", name(LIBDMA_LAB_NAME_PATTERN, k),
			sp->lo, libdma__fmt_size(sp->size_lo, b1));
		if (sp->nr > 1)
			fprintf(out, " .. %.3f (%s); lowest %.3f, highest %.3f",
				sp->hi, libdma__fmt_size(sp->size_hi, b2),
				sp->min, sp->max);
		fputc('\n', out);
	}
	if (s.nr_pairs_compared)
		fprintf(out, "  the same bytes through both mappings: %u pair%s of "
			"read passes compared, %s\n", s.nr_pairs_compared,
			s.nr_pairs_compared == 1 ? "" : "s",
			s.nr_pairs_mismatch ? "SOME DIFFER (see MISMATCH)" :
			"all equal, and equal to what the driver wrote");
	first = 1;
	for (k = 0; k < LIBDMA_LAB_NR_ALLOCATORS; k++) {
		if (!s.seg[k].nr)
			continue;
		if (first)
			fprintf(out, "  DMA segments of a buffer:\n");
		first = 0;
		fprintf(out, "    %-13s ", name(LIBDMA_LAB_NAME_ALLOCATOR, k));
		if (s.seg[k].nr_one == s.seg[k].nr)
			fprintf(out, "1 at every size (%u measured, up to %s)\n",
				s.seg[k].nr, libdma__fmt_size(s.seg[k].size, b1));
		else
			fprintf(out, "%s: %llu pages in %llu physical runs -> %llu "
				"DMA segments\n",
				libdma__fmt_size(s.seg[k].size, b1),
				(unsigned long long)s.seg[k].pages,
				(unsigned long long)s.seg[k].cpu_segments,
				(unsigned long long)s.seg[k].dma_segments);
	}
	if (s.nr_unavailable || s.nr_unreachable)
		fprintf(out, "  not measured: %u cell%s unavailable (allocator "
			"limits, free memory), %u beyond the device's reach\n",
			s.nr_unavailable, s.nr_unavailable == 1 ? "" : "s",
			s.nr_unreachable);
	if (r->nr_failed)
		fprintf(out, "\nFAILED: %u cell%s failed or did not check out; "
			"they have no figures\n", r->nr_failed,
			r->nr_failed == 1 ? "" : "s");
}

static void write_table(const void *result, FILE *out)
{
	const struct libdma_lab_result *r = result;

	table_head(r, out);
	if (has_experiment(r, LIBDMA_LAB_ALLOC))
		table_alloc(r, out);
	if (has_experiment(r, LIBDMA_LAB_ACCESS))
		table_access(r, out);
	if (has_experiment(r, LIBDMA_LAB_SEGMENTS))
		table_segments(r, out);
	table_reading(r, out);
}

/* -------------------------------------------------------------------- CSV */

static void write_csv(const void *result, FILE *out)
{
	const struct libdma_lab_result *r = result;
	const struct libdma_bench_env *e = &r->env;
	uint32_t c;

	fprintf(out, "# libdma %s lab: measured inside the kernel by the edudma "
		"driver; times in ns per allocate + free pair (alloc) or per pass "
		"over all pages (access)\n", e->libdma_version);
	libdma__env_csv(e, out);
	if (e->label[0])
		libdma__csv_comment(out, "label", e->label);
	libdma__csv_comment(out, "date", e->date);
	fprintf(out, "# iterations: %u\n", r->iterations);
	fputs("experiment,allocator,pattern,mapping,size,status,iterations,"
	      "ns_median,ns_min,ns_max,pages,cpu_segments,dma_segments,checksum,"
	      "error,note\n", out);
	for (c = 0; c < r->nr_cells; c++) {
		const struct libdma_lab_cell *x = &r->cells[c];
		int access = x->experiment == LIBDMA_LAB_ACCESS;
		int ok = x->status == LIBDMA_LAB_OK;

		fprintf(out, "%s,%s,%s,%s,%llu,%s,",
			name(LIBDMA_LAB_NAME_EXPERIMENT, x->experiment),
			access ? "" : name(LIBDMA_LAB_NAME_ALLOCATOR, x->allocator),
			access ? name(LIBDMA_LAB_NAME_PATTERN, x->pattern) : "",
			access ? name(LIBDMA_LAB_NAME_MAPPING, x->mapping) : "",
			(unsigned long long)x->size, status_name(x->status));
		if (ok && x->experiment != LIBDMA_LAB_SEGMENTS)
			fprintf(out, "%u,%llu,%llu,%llu,", x->iterations,
				(unsigned long long)x->ns_median,
				(unsigned long long)x->ns_min,
				(unsigned long long)x->ns_max);
		else if (ok)
			fputs("1,,,,", out);
		else
			fputs(",,,,", out);
		if (ok && x->experiment != LIBDMA_LAB_ALLOC)
			fprintf(out, "%llu,%llu,", (unsigned long long)x->pages,
				(unsigned long long)x->cpu_segments);
		else
			fputs(",,", out);
		if (ok && x->experiment == LIBDMA_LAB_SEGMENTS)
			fprintf(out, "%llu", (unsigned long long)x->dma_segments);
		fputc(',', out);
		if (ok && access && x->pattern != LIBDMA_LAB_SEQ_WRITE)
			fprintf(out, "0x%016llx", (unsigned long long)x->checksum);
		fputc(',', out);
		if (!ok && x->error)
			fprintf(out, "%d", x->error);
		fputc(',', out);
		libdma__csv_field(out, x->note);
		fputc('\n', out);
	}
}

/* ------------------------------------------------------------------- JSON */

static void json_span(FILE *out, const struct libdma__lab_span *sp)
{
	if (!sp->nr) {
		fputs("null", out);
		return;
	}
	fprintf(out, "{\"sizes\": %u, \"smallest\": {\"size\": %llu, \"ratio\": %.6f}, "
		"\"largest\": {\"size\": %llu, \"ratio\": %.6f}, \"min\": {\"size\": "
		"%llu, \"ratio\": %.6f}, \"max\": {\"size\": %llu, \"ratio\": %.6f}}",
		sp->nr, (unsigned long long)sp->size_lo, sp->lo,
		(unsigned long long)sp->size_hi, sp->hi,
		(unsigned long long)sp->size_min, sp->min,
		(unsigned long long)sp->size_max, sp->max);
}

static void write_json(const void *result, FILE *out)
{
	const struct libdma_lab_result *r = result;
	const struct libdma_bench_env *e = &r->env;
	struct libdma__lab_summary s;
	unsigned int k;
	uint32_t c;

	libdma__lab_summarize(r, &s);
	fputs("{\n  \"tool\": \"libdma lab\",\n  \"libdma_version\": ", out);
	libdma__json_string(out, e->libdma_version);
	fputs(",\n  \"environment\": {\n", out);
	libdma__env_json_head(e, out);
	libdma__env_json_device(&e->info, out);
	fputs("    \"timer\": \"ktime_get_ns() in the driver\"\n  },\n", out);
	fprintf(out, "  \"iterations\": %u,\n  \"cells\": [\n", r->iterations);
	for (c = 0; c < r->nr_cells; c++) {
		const struct libdma_lab_cell *x = &r->cells[c];
		int access = x->experiment == LIBDMA_LAB_ACCESS;

		fprintf(out, "    {\"experiment\": \"%s\", ",
			name(LIBDMA_LAB_NAME_EXPERIMENT, x->experiment));
		if (access)
			fprintf(out, "\"pattern\": \"%s\", \"mapping\": \"%s\", ",
				name(LIBDMA_LAB_NAME_PATTERN, x->pattern),
				name(LIBDMA_LAB_NAME_MAPPING, x->mapping));
		else
			fprintf(out, "\"allocator\": \"%s\", ",
				name(LIBDMA_LAB_NAME_ALLOCATOR, x->allocator));
		fprintf(out, "\"size\": %llu, \"status\": \"%s\"",
			(unsigned long long)x->size, status_name(x->status));
		if (x->status == LIBDMA_LAB_OK) {
			if (x->experiment != LIBDMA_LAB_SEGMENTS)
				fprintf(out, ", \"iterations\": %u, \"ns\": {\"median\": "
					"%llu, \"min\": %llu, \"max\": %llu}",
					x->iterations, (unsigned long long)x->ns_median,
					(unsigned long long)x->ns_min,
					(unsigned long long)x->ns_max);
			if (x->experiment != LIBDMA_LAB_ALLOC)
				fprintf(out, ", \"pages\": %llu, \"cpu_segments\": %llu",
					(unsigned long long)x->pages,
					(unsigned long long)x->cpu_segments);
			if (x->experiment == LIBDMA_LAB_SEGMENTS)
				fprintf(out, ", \"dma_segments\": %llu",
					(unsigned long long)x->dma_segments);
			/* a string: JSON numbers lose bits above 2^53 */
			if (access && x->pattern != LIBDMA_LAB_SEQ_WRITE)
				fprintf(out, ", \"checksum\": \"0x%016llx\"",
					(unsigned long long)x->checksum);
		} else if (x->error) {
			fprintf(out, ", \"error\": %d", x->error);
		}
		fputs(", \"note\": ", out);
		libdma__json_string(out, x->note);
		fprintf(out, "}%s\n", c + 1 < r->nr_cells ? "," : "");
	}
	fprintf(out, "  ],\n  \"failed\": %u,\n  \"summary\": {\n", r->nr_failed);
	fputs("    \"alloc_over_kmalloc\": {", out);
	for (k = 1; k < LIBDMA_LAB_NR_ALLOCATORS; k++) {
		fprintf(out, "%s\"%s\": ", k > 1 ? ", " : "",
			name(LIBDMA_LAB_NAME_ALLOCATOR, k));
		json_span(out, &s.alloc[k]);
	}
	fputs("},\n    \"vmap_over_linear\": {", out);
	for (k = 0; k < LIBDMA_LAB_NR_PATTERNS; k++) {
		fprintf(out, "%s\"%s\": ", k ? ", " : "",
			name(LIBDMA_LAB_NAME_PATTERN, k));
		json_span(out, &s.access[k]);
	}
	fprintf(out, "},\n    \"read_pairs_compared\": %u,\n    "
		"\"read_pairs_mismatch\": %u,\n    \"segments\": {",
		s.nr_pairs_compared, s.nr_pairs_mismatch);
	for (k = 0; k < LIBDMA_LAB_NR_ALLOCATORS; k++) {
		fprintf(out, "%s\"%s\": ", k ? ", " : "",
			name(LIBDMA_LAB_NAME_ALLOCATOR, k));
		if (!s.seg[k].nr) {
			fputs("null", out);
			continue;
		}
		fprintf(out, "{\"sizes\": %u, \"one_segment\": %u, \"largest\": "
			"{\"size\": %llu, \"pages\": %llu, \"cpu_segments\": %llu, "
			"\"dma_segments\": %llu}}", s.seg[k].nr, s.seg[k].nr_one,
			(unsigned long long)s.seg[k].size,
			(unsigned long long)s.seg[k].pages,
			(unsigned long long)s.seg[k].cpu_segments,
			(unsigned long long)s.seg[k].dma_segments);
	}
	fprintf(out, "},\n    \"unavailable\": %u,\n    \"unreachable\": %u\n  }\n}\n",
		s.nr_unavailable, s.nr_unreachable);
}

static const struct libdma__writer writer = {
	.what = "lab",
	.table = write_table,
	.csv = write_csv,
	.json = write_json,
};

LIBDMA_EXPORT int libdma_lab_write(const struct libdma_lab_result *result,
				   unsigned int format, FILE *out)
{
	return LIBDMA_KEEP_ERRNO(libdma__write(&writer, result, format, out));
}
