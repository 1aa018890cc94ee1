/* SPDX-License-Identifier: MIT */
/*
 * libdma - private pieces of the benchmark (API 1.2; include/libdma/bench.h),
 * shared by
 *
 *   bench_areas.c   the user memory of a cell: malloc'd or huge pages
 *   bench.c         running it: memory for each mode, timing, checking,
 *                   statistics over the repetitions
 *   bench_format.c  the reading (summary), table / CSV / JSON
 *
 * and by tests/host/test_libdma_bench.c, which tests the pure parts on the
 * build host (and the whole run against a fake backend). What they share
 * with the lab: measure_internal.h.
 */
#ifndef LIBDMA_BENCH_INTERNAL_H
#define LIBDMA_BENCH_INTERNAL_H

#include "measure_internal.h"

/* Copies at least this large are where the "no idle gaps" reading looks. */
#define LIBDMA__BENCH_EFF_FROM	(256U * 1024)

/* -------------------------------------------------------- bench_areas.c */

/* Mark a cell LIBDMA_BENCH_UNAVAILABLE, the note saying why. */
void libdma__bench_unavailable(struct libdma_bench_cell *cell,
			       const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The two user areas of a cell (all modes but coherent). */
struct libdma__bench_areas {
	unsigned char *src, *dst;
	void *map[2];			/* sg-hugepage: the mmap()s behind them */
	size_t map_len[2];
};

/*
 * The user areas of a cell of 'mode' copying 'size' bytes, written once
 * (page faults happen here, not in any timed step): none for coherent,
 * areas backed by transparent huge pages for sg-hugepage, heap memory as
 * an application has it for the others. 0, 1 (unavailable: noted in
 * 'cell') or -errno (message set). Free with libdma__bench_areas_put()
 * whatever it returned.
 */
int libdma__bench_areas_get(struct libdma__bench_areas *a, unsigned int mode,
			    size_t size, struct libdma_bench_cell *cell);
void libdma__bench_areas_put(struct libdma__bench_areas *a);

/* -------------------------------------------------------------- bench.c */

/*
 * Median, min and max of v[0..n-1] (sorted in place). n == 0 gives zeros.
 * The median of an even count is the mean of the middle two.
 */
void libdma__bench_stat(double *v, size_t n, struct libdma_bench_stat *out);

/* Minimum number of commands a copy of 'size' bytes needs: 2 per window. */
uint64_t libdma__bench_min_commands(uint64_t size, uint32_t window);

/* ------------------------------------------------------- bench_format.c */

/* The cell of 'mode' at 'size' that has figures (status OK), or NULL. */
const struct libdma_bench_cell *
libdma__bench_find_ok(const struct libdma_bench_result *r, unsigned int mode,
		      uint64_t size);

/* What the table's "reading" and the JSON "summary" say. */
struct libdma__bench_summary {
	/* host cost per transfer, sg / coherent, at each size having both */
	unsigned int nr_ratio;
	uint64_t ratio_size[LIBDMA_BENCH_MAX_SIZES];
	double ratio[LIBDMA_BENCH_MAX_SIZES];
	double ratio_max;
	uint64_t ratio_max_size;

	/*
	 * Pinning (sg-oneshot) against copying (bounce), host cost per
	 * transfer, over the sizes where both were measured (nr_both):
	 * which is cheaper at the smallest (oneshot_first: 1 sg-oneshot,
	 * 0 bounce; a tie counts for bounce), then every change of sign
	 * between neighbouring sizes lo < hi, with 'at' interpolated
	 * linearly where the two costs meet and 'to_oneshot' saying which
	 * is cheaper above it. The two cross more than once when the CPU
	 * copy changes strategy with size (glibc's memcpy does).
	 */
	unsigned int nr_both;
	uint64_t first_size;		/* the smallest of them */
	int oneshot_first;
	unsigned int nr_cross;
	struct {
		uint64_t lo, hi;
		double at;
		int to_oneshot;
	} cross[LIBDMA_BENCH_MAX_SIZES];

	/* efficiency of copies >= LIBDMA__BENCH_EFF_FROM, over all modes */
	unsigned int nr_eff;		/* cells counted */
	double eff_min;			/* lowest of their minimums */
	unsigned int eff_min_mode;
	uint64_t eff_min_size;
	double eff_median_min;		/* lowest of their medians */
};

void libdma__bench_summarize(const struct libdma_bench_result *r,
			     struct libdma__bench_summary *s);

#endif /* LIBDMA_BENCH_INTERNAL_H */
