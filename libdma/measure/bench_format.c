// SPDX-License-Identifier: MIT
/*
 * The benchmark's reading of a result (summary) and its three outputs -
 * a table for people, CSV and JSON for programs and plots. Each output
 * starts with where the run took place (env.c). Cells without verified
 * data carry their status and note, never a figure.
 */
#include <string.h>

#include "bench_internal.h"

/* ---------------------------------------------------------------- reading */

const struct libdma_bench_cell *
libdma__bench_find_ok(const struct libdma_bench_result *r, unsigned int mode,
		      uint64_t size)
{
	uint32_t i;

	for (i = 0; i < r->nr_cells; i++)
		if (r->cells[i].mode == mode && r->cells[i].size == size &&
		    r->cells[i].status == LIBDMA_BENCH_OK)
			return &r->cells[i];
	return NULL;
}

/* The distinct sizes of a result, ascending. Returns how many. */
static unsigned int result_sizes(const struct libdma_bench_result *r,
				 uint64_t *sizes)
{
	unsigned int n = 0, i;

	for (i = 0; i < r->nr_cells; i++)
		n = libdma__sizes_add(sizes, n, LIBDMA_BENCH_MAX_SIZES,
				      r->cells[i].size);
	return n;
}

void libdma__bench_summarize(const struct libdma_bench_result *r,
			     struct libdma__bench_summary *s)
{
	uint64_t sizes[LIBDMA_BENCH_MAX_SIZES], prev_size = 0;
	unsigned int n = result_sizes(r, sizes), i;
	double prev_diff = 0;
	uint32_t c;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < n; i++) {
		const struct libdma_bench_cell *sg, *co, *os, *bo;

		sg = libdma__bench_find_ok(r, LIBDMA_BENCH_SG, sizes[i]);
		co = libdma__bench_find_ok(r, LIBDMA_BENCH_COHERENT, sizes[i]);
		if (sg && co && co->host_ns.median > 0) {
			double ratio = sg->host_ns.median / co->host_ns.median;

			s->ratio_size[s->nr_ratio] = sizes[i];
			s->ratio[s->nr_ratio++] = ratio;
			if (ratio > s->ratio_max) {
				s->ratio_max = ratio;
				s->ratio_max_size = sizes[i];
			}
		}
		os = libdma__bench_find_ok(r, LIBDMA_BENCH_SG_ONESHOT, sizes[i]);
		bo = libdma__bench_find_ok(r, LIBDMA_BENCH_BOUNCE, sizes[i]);
		if (os && bo) {
			/*
			 * < 0: sg-oneshot cheaper. Host costs grow about
			 * linearly with size between two neighbouring sizes
			 * (per page pinned, per byte copied), so where they
			 * meet is interpolated linearly.
			 */
			double d = os->host_ns.median - bo->host_ns.median;
			int oneshot = d < 0;

			if (!s->nr_both) {
				s->oneshot_first = oneshot;
				s->first_size = sizes[i];
			} else if (oneshot != (prev_diff < 0)) {
				s->cross[s->nr_cross].lo = prev_size;
				s->cross[s->nr_cross].hi = sizes[i];
				s->cross[s->nr_cross].at = (double)prev_size +
					(double)(sizes[i] - prev_size) *
					prev_diff / (prev_diff - d);
				s->cross[s->nr_cross].to_oneshot = oneshot;
				s->nr_cross++;
			}
			s->nr_both++;
			prev_diff = d;
			prev_size = sizes[i];
		}
	}

	for (c = 0; c < r->nr_cells; c++) {
		const struct libdma_bench_cell *cell = &r->cells[c];

		if (cell->status != LIBDMA_BENCH_OK ||
		    cell->size < LIBDMA__BENCH_EFF_FROM)
			continue;
		if (!s->nr_eff || cell->efficiency.min < s->eff_min) {
			s->eff_min = cell->efficiency.min;
			s->eff_min_mode = cell->mode;
			s->eff_min_size = cell->size;
		}
		if (!s->nr_eff || cell->efficiency.median < s->eff_median_min)
			s->eff_median_min = cell->efficiency.median;
		s->nr_eff++;
	}
}

static const char *status_name(unsigned int status)
{
	switch (status) {
	case LIBDMA_BENCH_OK:
		return "ok";
	case LIBDMA_BENCH_UNAVAILABLE:
		return "unavailable";
	case LIBDMA_BENCH_MISMATCH:
		return "mismatch";
	default:
		return "failed";
	}
}

static const char *mode_name(unsigned int mode)
{
	const char *name = libdma_bench_mode_name(mode);

	return name ? name : "?";
}

/* ------------------------------------------------------------------ table */

static void table_env(const struct libdma_bench_result *r, FILE *out)
{
	const struct libdma_bench_env *e = &r->env;
	const struct libdma_info *i = &e->info;
	char b1[32], b2[32];

	fprintf(out, "libdma %s bench: copies source -> device -> destination "
		"(libdma_copy), every byte verified\n", e->libdma_version);
	libdma__env_table(e, out);
	if (e->vfio_node[0])
		fprintf(out, "  vfio      %s: the vfio mode's device, bound to "
			"vfio-pci, driven from this process through the IOMMU\n",
			e->vfio_node);
	fprintf(out, "  command   %s of device time (fastest of %u one-window "
		"copies); a copy needs 2 commands per %u-byte chunk: at most "
		"%s\n", libdma__fmt_ns((double)e->cmd_ns, b1), e->calibration_copies,
		i->window_size,
		libdma__fmt_rate(e->cmd_ns ? i->window_size * 1e9 / (2.0 * e->cmd_ns) : 0, b2));
	if (e->label[0])
		fprintf(out, "  label     %s\n", e->label);
	fprintf(out, "  run       %s; %u repetition%s per cell; figures are "
		"medians (min and max: --csv, --json)%s\n", e->date,
		r->repetitions, r->repetitions == 1 ? "" : "s",
		r->flags & LIBDMA_BENCH_CORRUPT ?
		"; CORRUPT TEST HOOK ON: every cell must fail" : "");
}

static void table_cells(const struct libdma_bench_result *r, FILE *out)
{
	char b[8][32], seg[48];
	uint32_t c;

	fprintf(out, "\n%9s  %-11s %6s %6s %9s %10s %10s %10s %6s %10s %12s %7s\n",
		"size", "mode", "cmds", "pages", "segs c/d", "setup", "teardown",
		"host/xfer", "spread", "device", "throughput", "eff");
	for (c = 0; c < r->nr_cells; c++) {
		const struct libdma_bench_cell *x = &r->cells[c];

		if (c && x->size != r->cells[c - 1].size)
			fputc('\n', out);
		fprintf(out, "%9s  %-11s ", libdma__fmt_size(x->size, b[0]),
			mode_name(x->mode));
		if (x->status != LIBDMA_BENCH_OK) {
			fprintf(out, "%s%s%s\n",
				x->status == LIBDMA_BENCH_UNAVAILABLE ? "unavailable" :
				x->status == LIBDMA_BENCH_MISMATCH ?
				"MISMATCH, no figures" : "FAILED, no figures",
				x->note[0] ? ": " : "", x->note);
			continue;
		}
		if (x->cpu_segments)
			snprintf(seg, sizeof(seg), "%llu/%llu",
				 (unsigned long long)x->cpu_segments,
				 (unsigned long long)x->dma_segments);
		else
			snprintf(seg, sizeof(seg), "-/%llu",
				 (unsigned long long)x->dma_segments);
		snprintf(b[1], sizeof(b[1]), "%.1f%%", x->host_ns.median > 0 ?
			 100.0 * (x->host_ns.max - x->host_ns.min) /
			 x->host_ns.median : 0.0);
		fprintf(out, "%6.0f %6llu %9s %10s %10s %10s %6s %10s %12s %7.4f\n",
			x->commands.median, (unsigned long long)x->pages, seg,
			libdma__fmt_ns(x->setup_ns.median, b[2]),
			libdma__fmt_ns(x->teardown_ns.median, b[3]),
			libdma__fmt_ns(x->host_ns.median, b[4]), b[1],
			libdma__fmt_ns(x->device_ns.median, b[5]),
			libdma__fmt_rate(x->throughput.median, b[6]),
			x->efficiency.median);
	}
}

static void table_reading(const struct libdma_bench_result *r, FILE *out)
{
	struct libdma__bench_summary s;
	char b1[32], b2[32], b3[32];
	unsigned int i;

	libdma__bench_summarize(r, &s);
	fprintf(out, "\ncolumns: cmds = device commands per transfer; segs c/d = "
		"physically contiguous runs / DMA segments\n(both sides; - = not "
		"reported); setup = alloc or register, teardown = free or "
		"unregister;\nhost/xfer = time of the transfer step minus device "
		"time; spread = (max - min) / median of it;\n"
		"eff = device time / transfer time: the throughput over the device's "
		"limit for these commands\n(1 = the device never waited for the host)\n");
	fprintf(out, "\nreading (medians):\n");
	if (s.nr_ratio) {
		fprintf(out, "  sg / coherent host cost per transfer:");
		for (i = 0; i < s.nr_ratio; i++)
			fprintf(out, "%s %s %.2f", i ? "," : "",
				libdma__fmt_size(s.ratio_size[i], b1),
				s.ratio[i]);
		fprintf(out, "; at most %.2f (%s)\n", s.ratio_max,
			libdma__fmt_size(s.ratio_max_size, b1));
	}
	if (s.nr_both >= 2) {
		fprintf(out, "  pinning vs copying, host cost per transfer: %s is "
			"cheaper from %s", s.oneshot_first ? "sg-oneshot" : "bounce",
			libdma__fmt_size(s.first_size, b1));
		if (!s.nr_cross)
			fprintf(out, " on, at every size measured");
		for (i = 0; i < s.nr_cross; i++)
			fprintf(out, "%s %s from %s (they meet near %.0f KiB)",
				i ? "," : ";", s.cross[i].to_oneshot ?
				"sg-oneshot" : "bounce",
				libdma__fmt_size(s.cross[i].hi, b2),
				s.cross[i].at / 1024);
		fputc('\n', out);
	}
	if (s.nr_eff)
		fprintf(out, "  efficiency of copies >= %s: lowest median %.4f, lowest "
			"single transfer %.4f (%s, %s)\n",
			libdma__fmt_size(LIBDMA__BENCH_EFF_FROM, b3),
			s.eff_median_min, s.eff_min, mode_name(s.eff_min_mode),
			libdma__fmt_size(s.eff_min_size, b1));
	if (r->nr_failed)
		fprintf(out, "\nFAILED: %u cell%s did not verify or could not run; "
			"they have no figures\n", r->nr_failed,
			r->nr_failed == 1 ? "" : "s");
}

/* -------------------------------------------------------------------- CSV */

static const char *const csv_stats[] = {
	"commands", "setup_ns", "teardown_ns", "transfer_ns", "device_ns",
	"host_ns", "pin_ns", "cpu_copy_ns", "throughput_Bps", "efficiency",
};

static void cell_stats(const struct libdma_bench_cell *x,
		       const struct libdma_bench_stat **st)
{
	st[0] = &x->commands;
	st[1] = &x->setup_ns;
	st[2] = &x->teardown_ns;
	st[3] = &x->transfer_ns;
	st[4] = &x->device_ns;
	st[5] = &x->host_ns;
	st[6] = &x->pin_ns;
	st[7] = &x->cpu_copy_ns;
	st[8] = &x->throughput;
	st[9] = &x->efficiency;
}

#define NR_STATS (sizeof(csv_stats) / sizeof(csv_stats[0]))

/* Figures as JSON and CSV carry them: integers, or ratios with 6 decimals. */
static void put_number(FILE *out, double v, int ratio)
{
	fprintf(out, ratio ? "%.6f" : "%.0f", v);
}

static void write_csv(const void *result, FILE *out)
{
	const struct libdma_bench_result *r = result;
	const struct libdma_bench_env *e = &r->env;
	char buf[256];
	uint32_t c;
	size_t k;

	fprintf(out, "# libdma %s bench: copies source -> device -> destination, "
		"every byte verified; times in ns, throughput in bytes/s\n",
		e->libdma_version);
	libdma__env_csv(e, out);
	if (e->vfio_node[0])
		libdma__csv_comment(out, "vfio_device", e->vfio_node);
	snprintf(buf, sizeof(buf), "%llu (fastest of %u one-window copies)",
		 (unsigned long long)e->cmd_ns, e->calibration_copies);
	libdma__csv_comment(out, "cmd_ns", buf);
	if (e->label[0])
		libdma__csv_comment(out, "label", e->label);
	libdma__csv_comment(out, "date", e->date);
	snprintf(buf, sizeof(buf), "%u%s", r->repetitions,
		 r->flags & LIBDMA_BENCH_CORRUPT ? " (corrupt test hook on)" : "");
	libdma__csv_comment(out, "repetitions", buf);

	fputs("mode,size,status,repetitions,pages,cpu_segments,dma_segments", out);
	for (k = 0; k < NR_STATS; k++)
		fprintf(out, ",%s_median,%s_min,%s_max", csv_stats[k],
			csv_stats[k], csv_stats[k]);
	fputs(",note\n", out);
	for (c = 0; c < r->nr_cells; c++) {
		const struct libdma_bench_cell *x = &r->cells[c];
		const struct libdma_bench_stat *st[NR_STATS];

		cell_stats(x, st);
		fprintf(out, "%s,%llu,%s,%u,", mode_name(x->mode),
			(unsigned long long)x->size, status_name(x->status),
			x->repetitions);
		if (x->status == LIBDMA_BENCH_OK) {
			fprintf(out, "%llu,", (unsigned long long)x->pages);
			if (x->cpu_segments)
				fprintf(out, "%llu", (unsigned long long)x->cpu_segments);
			fprintf(out, ",%llu", (unsigned long long)x->dma_segments);
			for (k = 0; k < NR_STATS; k++) {
				int ratio = k == 9;

				fputc(',', out);
				put_number(out, st[k]->median, ratio);
				fputc(',', out);
				put_number(out, st[k]->min, ratio);
				fputc(',', out);
				put_number(out, st[k]->max, ratio);
			}
		} else {
			/* no figures: empty fields */
			fputs(",,", out);
			for (k = 0; k < NR_STATS; k++)
				fputs(",,,", out);
		}
		fputc(',', out);
		libdma__csv_field(out, x->note);
		fputc('\n', out);
	}
}

/* ------------------------------------------------------------------- JSON */

static void write_json(const void *result, FILE *out)
{
	const struct libdma_bench_result *r = result;
	const struct libdma_bench_env *e = &r->env;
	struct libdma__bench_summary s;
	uint32_t c;
	size_t k;

	libdma__bench_summarize(r, &s);
	fputs("{\n", out);
	libdma__json_kv_string(out, "  ", "tool", "libdma bench", 1);
	libdma__json_kv_string(out, "  ", "libdma_version", e->libdma_version, 1);
	fputs("  \"environment\": {\n", out);
	libdma__env_json_head(e, out);
	fprintf(out, "    \"cmd_ns\": %llu,\n", (unsigned long long)e->cmd_ns);
	fprintf(out, "    \"calibration_copies\": %u,\n", e->calibration_copies);
	libdma__env_json_device(&e->info, out);
	libdma__json_kv_string(out, "    ", "vfio_device", e->vfio_node, 0);
	fputs("  },\n", out);
	fprintf(out, "  \"repetitions\": %u,\n", r->repetitions);
	fprintf(out, "  \"corrupt_test_hook\": %s,\n",
		r->flags & LIBDMA_BENCH_CORRUPT ? "true" : "false");
	fputs("  \"cells\": [\n", out);
	for (c = 0; c < r->nr_cells; c++) {
		const struct libdma_bench_cell *x = &r->cells[c];
		const struct libdma_bench_stat *st[NR_STATS];

		cell_stats(x, st);
		fprintf(out, "    {\"mode\": \"%s\", \"size\": %llu, \"status\": "
			"\"%s\", \"verified\": %s, \"repetitions\": %u",
			mode_name(x->mode), (unsigned long long)x->size,
			status_name(x->status),
			x->status == LIBDMA_BENCH_OK ? "true" : "false",
			x->repetitions);
		if (x->status == LIBDMA_BENCH_FAILED)
			fprintf(out, ", \"error\": %d", x->error);
		if (x->status == LIBDMA_BENCH_OK) {
			fprintf(out, ",\n     \"pages\": %llu, \"cpu_segments\": ",
				(unsigned long long)x->pages);
			if (x->cpu_segments)
				fprintf(out, "%llu", (unsigned long long)x->cpu_segments);
			else
				fputs("null", out);
			fprintf(out, ", \"dma_segments\": %llu",
				(unsigned long long)x->dma_segments);
			for (k = 0; k < NR_STATS; k++) {
				int ratio = k == 9;

				fprintf(out, ",\n     \"%s\": {\"median\": ", csv_stats[k]);
				put_number(out, st[k]->median, ratio);
				fputs(", \"min\": ", out);
				put_number(out, st[k]->min, ratio);
				fputs(", \"max\": ", out);
				put_number(out, st[k]->max, ratio);
				fputc('}', out);
			}
		}
		fputs(",\n     \"note\": ", out);
		libdma__json_string(out, x->note);
		fprintf(out, "}%s\n", c + 1 < r->nr_cells ? "," : "");
	}
	fputs("  ],\n", out);
	fprintf(out, "  \"failed\": %u,\n", r->nr_failed);
	fputs("  \"summary\": {\n", out);
	fputs("    \"sg_over_coherent_host\": [", out);
	for (k = 0; k < s.nr_ratio; k++)
		fprintf(out, "%s{\"size\": %llu, \"ratio\": %.6f}", k ? ", " : "",
			(unsigned long long)s.ratio_size[k], s.ratio[k]);
	fputs("],\n", out);
	fputs("    \"oneshot_vs_bounce\": ", out);
	if (s.nr_both >= 2) {
		fprintf(out, "{\"cheaper_at_smallest\": \"%s\", \"crossings\": [",
			s.oneshot_first ? "sg-oneshot" : "bounce");
		for (k = 0; k < s.nr_cross; k++)
			fprintf(out, "%s{\"between\": [%llu, %llu], \"near\": %.0f, "
				"\"cheaper_above\": \"%s\"}", k ? ", " : "",
				(unsigned long long)s.cross[k].lo,
				(unsigned long long)s.cross[k].hi, s.cross[k].at,
				s.cross[k].to_oneshot ? "sg-oneshot" : "bounce");
		fputs("]}", out);
	} else {
		fputs("null", out);
	}
	fputs(",\n", out);
	if (s.nr_eff)
		fprintf(out, "    \"efficiency_from_256KiB\": {\"lowest_median\": %.6f, "
			"\"lowest\": %.6f, \"lowest_mode\": \"%s\", \"lowest_size\": "
			"%llu}\n", s.eff_median_min, s.eff_min,
			mode_name(s.eff_min_mode), (unsigned long long)s.eff_min_size);
	else
		fputs("    \"efficiency_from_256KiB\": null\n", out);
	fputs("  }\n}\n", out);
}

static void write_table(const void *result, FILE *out)
{
	table_env(result, out);
	table_cells(result, out);
	table_reading(result, out);
}

static const struct libdma__writer writer = {
	.what = "bench",
	.table = write_table,
	.csv = write_csv,
	.json = write_json,
};

LIBDMA_EXPORT int libdma_bench_write(const struct libdma_bench_result *result,
				     unsigned int format, FILE *out)
{
	return LIBDMA_KEEP_ERRNO(libdma__write(&writer, result, format, out));
}
