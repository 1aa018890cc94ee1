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
	return libdma__bench_find_stream(r, mode, size, 0);
}

const struct libdma_bench_cell *
libdma__bench_find_stream(const struct libdma_bench_result *r, unsigned int mode,
			  uint64_t size, uint32_t depth)
{
	uint32_t i;

	for (i = 0; i < r->nr_cells; i++)
		if (r->cells[i].mode == mode && r->cells[i].size == size &&
		    r->cells[i].depth == depth &&
		    r->cells[i].status == LIBDMA_BENCH_OK)
			return &r->cells[i];
	return NULL;
}

/* The distinct depths of the stream cells, ascending. Returns how many. */
static unsigned int result_depths(const struct libdma_bench_result *r,
				  uint32_t *depths)
{
	unsigned int n = 0, i, j;

	for (i = 0; i < r->nr_cells; i++) {
		uint32_t d = r->cells[i].depth;

		if (!d)
			continue;
		for (j = 0; j < n && depths[j] != d; j++)
			;
		if (j < n || n == LIBDMA_BENCH_MAX_DEPTHS)
			continue;
		for (j = n; j > 0 && depths[j - 1] > d; j--)
			depths[j] = depths[j - 1];
		depths[j] = d;
		n++;
	}
	return n;
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

/* The streams' part of the reading (API 1.4). */
static void summarize_streams(const struct libdma_bench_result *r,
			      struct libdma__bench_summary *s,
			      const uint64_t *sizes, unsigned int nr_sizes)
{
	uint32_t depths[LIBDMA_BENCH_MAX_DEPTHS];
	unsigned int nd = result_depths(r, depths), i, d, m;
	uint32_t c;

	for (c = 0; c < r->nr_cells; c++) {
		const struct libdma_bench_cell *x = &r->cells[c];

		if (x->status != LIBDMA_BENCH_OK || !x->depth)
			continue;
		s->nr_streams++;
		if (x->size < LIBDMA__BENCH_EFF_FROM || x->depth < 2)
			continue;
		if (!s->nr_stream_eff ||
		    x->efficiency.median < s->stream_eff_median_min) {
			s->stream_eff_median_min = x->efficiency.median;
			s->stream_eff_mode = x->mode;
			s->stream_eff_size = x->size;
			s->stream_eff_depth = x->depth;
		}
		s->nr_stream_eff++;
		if (x->mode != LIBDMA_BENCH_SG)
			continue;
		if (!s->nr_sg_eff || x->efficiency.median < s->sg_eff_median_min) {
			s->sg_eff_median_min = x->efficiency.median;
			s->sg_eff_size = x->size;
			s->sg_eff_depth = x->depth;
		}
		s->nr_sg_eff++;
	}
	if (!s->nr_streams)
		return;

	/* the smallest size with streams: coherent, else the first mode that has */
	for (i = 0; i < nr_sizes && !s->nr_small; i++) {
		for (m = 0; m < LIBDMA_BENCH_NR_MODES && !s->nr_small; m++) {
			unsigned int mode = m;	/* coherent (0) first */

			for (d = 0; d < nd; d++) {
				const struct libdma_bench_cell *x =
					libdma__bench_find_stream(r, mode, sizes[i],
								  depths[d]);
				if (!x)
					continue;
				s->small_depth[s->nr_small] = depths[d];
				s->small_rate[s->nr_small++] = x->throughput.median;
			}
			if (s->nr_small) {
				s->small_size = sizes[i];
				s->small_mode = mode;
			}
		}
	}
	if (s->nr_small >= 2 && s->small_rate[0] > 0)
		s->small_ratio = s->small_rate[s->nr_small - 1] / s->small_rate[0];

	/* sg-hugepage / coherent at each size, at the deepest depth both have */
	for (i = 0; i < nr_sizes; i++)
		for (d = nd; d-- > 0; ) {
			const struct libdma_bench_cell *h, *co;

			h = libdma__bench_find_stream(r, LIBDMA_BENCH_SG_HUGEPAGE,
						      sizes[i], depths[d]);
			co = libdma__bench_find_stream(r, LIBDMA_BENCH_COHERENT,
						       sizes[i], depths[d]);
			if (!h || !co || co->throughput.median <= 0)
				continue;
			s->huge_size[s->nr_huge] = sizes[i];
			s->huge_depth[s->nr_huge] = depths[d];
			s->huge_ratio[s->nr_huge] = h->throughput.median /
						    co->throughput.median;
			if (!s->nr_huge || s->huge_ratio[s->nr_huge] < s->huge_ratio_min)
				s->huge_ratio_min = s->huge_ratio[s->nr_huge];
			if (!s->nr_huge || s->huge_ratio[s->nr_huge] > s->huge_ratio_max)
				s->huge_ratio_max = s->huge_ratio[s->nr_huge];
			s->nr_huge++;
			break;
		}
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

		if (cell->status != LIBDMA_BENCH_OK || cell->depth ||
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
	summarize_streams(r, s, sizes, n);
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
	if (i->engine == LIBDMA_ENGINE_EDUSG)
		fprintf(out, "  command   edu-sg descriptor: %s of device time for "
			"one 4 KiB descriptor on an idle engine (fastest of %u "
			"one-descriptor copies: fetch latency + 4 KiB at the "
			"link's rate); a copy is one descriptor per contiguous "
			"run, at most %s each\n",
			libdma__fmt_ns((double)e->cmd_ns, b1), e->calibration_copies,
			libdma__fmt_size(i->max_cmd_length, b2));
	else
		fprintf(out, "  command   %s of device time (fastest of %u one-window "
			"copies); a copy needs 2 commands per %u-byte chunk: at most "
			"%s\n", libdma__fmt_ns((double)e->cmd_ns, b1),
			e->calibration_copies, i->window_size,
			libdma__fmt_rate(e->cmd_ns ? i->window_size * 1e9 /
					 (2.0 * e->cmd_ns) : 0, b2));
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

		if (x->depth)
			continue;	/* the streams' table */
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
	fprintf(out, "\ncolumns: cmds = device commands per transfer (edu-sg: descriptors); segs c/d = "
		"physically contiguous runs / DMA segments\n(both sides; - = not "
		"reported); setup = alloc or register, teardown = free or "
		"unregister;\nhost/xfer = time of the transfer step minus device "
		"time; spread = (max - min) / median of it;\n"
		"eff = device time / transfer time: the throughput over the device's "
		"limit for these commands\n(1 = the device never waited for the host)\n");
}

/* Streams (API 1.4): a table of their own, after the single transfers. */
static void table_streams(const struct libdma_bench_result *r, FILE *out)
{
	char b[8][32];
	uint32_t c, prev = UINT32_MAX;

	for (c = 0; c < r->nr_cells && !r->cells[c].depth; c++)
		;
	if (c == r->nr_cells)
		return;
	fprintf(out, "\nstreams: copies kept DEPTH in flight (libdma_submit_copy, "
		"libdma_reap), REQS per stream, every destination verified after "
		"it\n");
	fprintf(out, "\n%9s  %-11s %5s %5s %12s %10s %12s %7s %9s %10s %10s\n",
		"size", "mode", "depth", "reqs", "throughput", "req/s",
		"dev-limit", "eff", "cmds/req", "host/req", "setup");
	for (; c < r->nr_cells; c++) {
		const struct libdma_bench_cell *x = &r->cells[c];

		if (!x->depth)
			continue;
		if (prev != UINT32_MAX && x->size != r->cells[prev].size)
			fputc('\n', out);
		prev = c;
		fprintf(out, "%9s  %-11s %5u ", libdma__fmt_size(x->size, b[0]),
			mode_name(x->mode), x->depth);
		if (x->status != LIBDMA_BENCH_OK) {
			fprintf(out, "%s%s%s\n",
				x->status == LIBDMA_BENCH_UNAVAILABLE ? "unavailable" :
				x->status == LIBDMA_BENCH_MISMATCH ?
				"MISMATCH, no figures" : "FAILED, no figures",
				x->note[0] ? ": " : "", x->note);
			continue;
		}
		fprintf(out, "%5u %12s %10.0f %12s %7.4f %9.1f %10s %10s\n",
			x->requests, libdma__fmt_rate(x->throughput.median, b[1]),
			x->request_rate.median,
			libdma__fmt_rate(x->device_ns.median > 0 ?
					 (double)x->requests * (double)x->size * 1e9 /
					 x->device_ns.median : 0, b[2]),
			x->efficiency.median, x->commands.median,
			libdma__fmt_ns(x->requests ? x->host_ns.median / x->requests :
				       0, b[3]),
			libdma__fmt_ns(x->setup_ns.median, b[4]));
	}
	fprintf(out, "\nstream columns: throughput = REQS x size / the stream's "
		"wall time (first submit to last reap);\nreq/s = requests per "
		"second; dev-limit = REQS x size / the device time of those "
		"requests\n(what the device allows for their commands: on edu-sg "
		"the timing model's time for these descriptors);\neff = device "
		"time / wall time (the device's busy share); cmds/req = device "
		"commands per request;\nhost/req = (wall - device time) / REQS: "
		"what the device waited for the host, per request;\nsetup = "
		"alloc or register of all the stream's source/destination pairs\n");
}

static void table_reading(const struct libdma_bench_result *r, FILE *out)
{
	struct libdma__bench_summary s;
	char b1[32], b2[32], b3[32];
	unsigned int i;

	libdma__bench_summarize(r, &s);
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
	if (s.nr_small) {
		fprintf(out, "  streams of %s copies (%s):", libdma__fmt_size(s.small_size, b1),
			mode_name(s.small_mode));
		for (i = 0; i < s.nr_small; i++)
			fprintf(out, "%s depth %u %s", i ? "," : "", s.small_depth[i],
				libdma__fmt_rate(s.small_rate[i], b2));
		if (s.nr_small >= 2)
			fprintf(out, "; depth %u / depth %u = %.2f",
				s.small_depth[s.nr_small - 1], s.small_depth[0],
				s.small_ratio);
		fputc('\n', out);
	}
	if (s.nr_stream_eff)
		fprintf(out, "  efficiency of streams >= %s at depth >= 2: lowest "
			"median %.4f (%s, %s, depth %u)\n",
			libdma__fmt_size(LIBDMA__BENCH_EFF_FROM, b3),
			s.stream_eff_median_min, mode_name(s.stream_eff_mode),
			libdma__fmt_size(s.stream_eff_size, b1), s.stream_eff_depth);
	if (s.nr_sg_eff)
		fprintf(out, "  scattered heap pages (sg streams >= %s, depth >= 2): "
			"device time / wall time at least %.4f (%s, depth %u): the "
			"wall time is within %.2f%% of the device's time for those "
			"commands\n", libdma__fmt_size(LIBDMA__BENCH_EFF_FROM, b3),
			s.sg_eff_median_min, libdma__fmt_size(s.sg_eff_size, b1),
			s.sg_eff_depth, s.sg_eff_median_min > 0 ?
			100.0 * (1.0 / s.sg_eff_median_min - 1.0) : 0.0);
	if (s.nr_huge) {
		fprintf(out, "  sg-hugepage / coherent stream throughput:");
		for (i = 0; i < s.nr_huge; i++)
			fprintf(out, "%s %s %.3f", i ? "," : "",
				libdma__fmt_size(s.huge_size[i], b1), s.huge_ratio[i]);
		fprintf(out, " (depth %u); %.3f to %.3f\n", s.huge_depth[s.nr_huge - 1],
			s.huge_ratio_min, s.huge_ratio_max);
	}
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
	/* API 1.4, at the end so that no earlier column moves */
	fputs(",note,depth,requests,request_rate_median,request_rate_min,"
	      "request_rate_max\n", out);
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
		fprintf(out, ",%u,", x->depth);
		if (x->status == LIBDMA_BENCH_OK && x->depth) {
			fprintf(out, "%u,", x->requests);
			put_number(out, x->request_rate.median, 0);
			fputc(',', out);
			put_number(out, x->request_rate.min, 0);
			fputc(',', out);
			put_number(out, x->request_rate.max, 0);
		} else {
			/* a single transfer, or no figures */
			fputs(",,,", out);
		}
		fputc('\n', out);
	}
}

/* ------------------------------------------------------------------- JSON */

/* "streams": the streams' reading (API 1.4); null without stream figures. */
static void json_streams(const struct libdma__bench_summary *s, FILE *out)
{
	unsigned int i;

	if (!s->nr_streams) {
		fputs("  \"streams\": null\n", out);
		return;
	}
	fprintf(out, "  \"streams\": {\n    \"cells\": %u,\n", s->nr_streams);
	if (s->nr_small) {
		fprintf(out, "    \"smallest\": {\"size\": %llu, \"mode\": \"%s\", "
			"\"by_depth\": [", (unsigned long long)s->small_size,
			mode_name(s->small_mode));
		for (i = 0; i < s->nr_small; i++)
			fprintf(out, "%s{\"depth\": %u, \"throughput_Bps\": %.0f}",
				i ? ", " : "", s->small_depth[i], s->small_rate[i]);
		fputs("], \"deepest_over_shallowest\": ", out);
		if (s->nr_small >= 2)
			fprintf(out, "%.6f},\n", s->small_ratio);
		else
			fputs("null},\n", out);
	} else {
		fputs("    \"smallest\": null,\n", out);
	}
	if (s->nr_stream_eff)
		fprintf(out, "    \"efficiency_from_256KiB_depth2\": {\"lowest_median\": "
			"%.6f, \"mode\": \"%s\", \"size\": %llu, \"depth\": %u},\n",
			s->stream_eff_median_min, mode_name(s->stream_eff_mode),
			(unsigned long long)s->stream_eff_size, s->stream_eff_depth);
	else
		fputs("    \"efficiency_from_256KiB_depth2\": null,\n", out);
	if (s->nr_sg_eff)
		fprintf(out, "    \"sg_efficiency_from_256KiB_depth2\": {\"lowest_median\": "
			"%.6f, \"size\": %llu, \"depth\": %u},\n",
			s->sg_eff_median_min, (unsigned long long)s->sg_eff_size,
			s->sg_eff_depth);
	else
		fputs("    \"sg_efficiency_from_256KiB_depth2\": null,\n", out);
	fputs("    \"hugepage_over_coherent\": [", out);
	for (i = 0; i < s->nr_huge; i++)
		fprintf(out, "%s{\"size\": %llu, \"depth\": %u, \"ratio\": %.6f}",
			i ? ", " : "", (unsigned long long)s->huge_size[i],
			s->huge_depth[i], s->huge_ratio[i]);
	fputs("]\n  }\n", out);
}

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
			"\"%s\", \"verified\": %s, \"repetitions\": %u, "
			"\"depth\": %u", mode_name(x->mode),
			(unsigned long long)x->size, status_name(x->status),
			x->status == LIBDMA_BENCH_OK ? "true" : "false",
			x->repetitions, x->depth);
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
			fprintf(out, ",\n     \"requests\": %u, \"request_rate\": ",
				x->requests);
			if (x->depth) {
				fputs("{\"median\": ", out);
				put_number(out, x->request_rate.median, 0);
				fputs(", \"min\": ", out);
				put_number(out, x->request_rate.min, 0);
				fputs(", \"max\": ", out);
				put_number(out, x->request_rate.max, 0);
				fputc('}', out);
			} else {
				fputs("null", out);
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
	fputs("  },\n", out);
	json_streams(&s, out);
	fputs("}\n", out);
}

static void write_table(const void *result, FILE *out)
{
	table_env(result, out);
	table_cells(result, out);
	table_streams(result, out);
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
