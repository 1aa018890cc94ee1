/* SPDX-License-Identifier: MIT */
/*
 * libdma - private pieces of the benchmark (API 1.2; include/libdma/bench.h),
 * shared by
 *
 *   bench_areas.c   the user memory of a cell: malloc'd or huge pages
 *   bench.c         running it: memory for each mode, timing, checking,
 *                   statistics over the repetitions
 *   bench_stream.c  the streams (API 1.4): requests kept in flight at a
 *                   queue depth
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

/*
 * Minimum number of device commands a copy of 'size' bytes needs on the
 * device 'info' describes: on edu 2 per window (in and out of the card);
 * on edu-sg one descriptor per max_cmd_length (memory to memory).
 */
uint64_t libdma__bench_min_commands(uint64_t size, const struct libdma_info *info);

/* CLOCK_MONOTONIC in ns. */
uint64_t libdma__bench_now_ns(void);
/* Errors after which going on with other cells makes no sense. */
int libdma__bench_fatal(int err);
/* Note a failed call in the cell: status FAILED, errno, libdma's message. */
int libdma__bench_cell_fail(struct libdma_bench_cell *cell, int err,
			    const char *step);
/*
 * Can the device of 'env' run 'mode' at 'size' ('have_vfio': a VFIO
 * device takes part)? 1, or 0 with the cell marked unavailable and why.
 */
int libdma__bench_mode_available(const struct libdma_bench_env *env,
				 int have_vfio, unsigned int mode, uint64_t size,
				 struct libdma_bench_cell *cell);

/* ------------------------------------------------------- bench_stream.c */

/* Pairs a stream copies between: min(depth, max(1, 32 MiB / size)). */
#define LIBDMA__BENCH_STREAM_PAIR_BYTES	(32ULL << 20)
/* Requests of a stream: clamp(64 MiB / size, 4 x depth, 1024). */
#define LIBDMA__BENCH_STREAM_BYTES	(64ULL << 20)
#define LIBDMA__BENCH_STREAM_MAX_REQ	1024U
uint32_t libdma__bench_stream_pairs(uint64_t size, uint32_t depth);
uint32_t libdma__bench_stream_requests(uint64_t size, uint32_t depth);

/* What a stream cell needs of the run. */
struct libdma__bench_stream_ctx {
	struct libdma_device *dev;
	const struct libdma_bench_env *env;
	uint32_t flags;			/* LIBDMA_BENCH_CORRUPT */
	uint32_t repetitions;
	int have_vfio;
	/* before each repetition (1-based), with the commands so far */
	void (*rep_start)(void *arg, unsigned int rep, uint64_t commands);
	void *arg;
};

/*
 * Run the stream cell 'cell' (mode, size, depth set): its status, note
 * and figures. *commands grows by the device commands it issued. 0, or a
 * fatal -errno after which the run stops (the cell says what failed).
 */
int libdma__bench_stream_cell(const struct libdma__bench_stream_ctx *x,
			      struct libdma_bench_cell *cell, uint64_t *commands);

/* ------------------------------------------------------- bench_format.c */

/* The single-transfer cell (depth 0) of 'mode' at 'size' that has figures
 * (status OK), or NULL. */
const struct libdma_bench_cell *
libdma__bench_find_ok(const struct libdma_bench_result *r, unsigned int mode,
		      uint64_t size);
/* The same for the stream of 'mode' at 'size' and 'depth'. */
const struct libdma_bench_cell *
libdma__bench_find_stream(const struct libdma_bench_result *r, unsigned int mode,
			  uint64_t size, uint32_t depth);

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

	/* Streams (API 1.4); cells with depth 0 count above, streams here. */
	unsigned int nr_streams;	/* stream cells with figures */
	/*
	 * The smallest stream size's throughput by depth, in one mode
	 * (coherent if it has such streams, else the first that has):
	 * small_rate[i] at small_depth[i], depths ascending; ratio =
	 * deepest / shallowest.
	 */
	unsigned int nr_small;
	uint64_t small_size;
	unsigned int small_mode;
	uint32_t small_depth[LIBDMA_BENCH_MAX_DEPTHS];
	double small_rate[LIBDMA_BENCH_MAX_DEPTHS];
	double small_ratio;
	/* efficiency of streams >= LIBDMA__BENCH_EFF_FROM at depth >= 2 */
	unsigned int nr_stream_eff;
	double stream_eff_median_min;	/* the lowest median */
	unsigned int stream_eff_mode;	/* of that cell */
	uint64_t stream_eff_size;
	uint32_t stream_eff_depth;
	/* ... and of the sg streams alone (scattered heap pages) */
	unsigned int nr_sg_eff;
	double sg_eff_median_min;
	uint64_t sg_eff_size;
	uint32_t sg_eff_depth;
	/* sg-hugepage / coherent stream throughput at the deepest depth both
	 * have, per size */
	unsigned int nr_huge;
	uint64_t huge_size[LIBDMA_BENCH_MAX_SIZES];
	uint32_t huge_depth[LIBDMA_BENCH_MAX_SIZES];
	double huge_ratio[LIBDMA_BENCH_MAX_SIZES];
	double huge_ratio_min, huge_ratio_max;
};

void libdma__bench_summarize(const struct libdma_bench_result *r,
			     struct libdma__bench_summary *s);

#endif /* LIBDMA_BENCH_INTERNAL_H */
