/* SPDX-License-Identifier: MIT */
/*
 * libdma - private pieces of the benchmark (API 1.2), shared by
 *
 *   bench.c         running it: memory for each mode, timing, checking
 *   bench_format.c  statistics, the reading (summary), table / CSV / JSON
 *
 * and by tests/host/test_libdma_bench.c, which tests the pure parts on the
 * build host (and the whole run against a fake backend).
 */
#ifndef LIBDMA_BENCH_INTERNAL_H
#define LIBDMA_BENCH_INTERNAL_H

#include <stdio.h>

#include "../libdma_internal.h"

/* Copies at least this large are where the "no idle gaps" reading looks. */
#define LIBDMA__BENCH_EFF_FROM	(256U * 1024)

/*
 * Median, min and max of v[0..n-1] (sorted in place). n == 0 gives zeros.
 * The median of an even count is the mean of the middle two.
 */
void libdma__bench_stat(double *v, size_t n, struct libdma_bench_stat *out);

/*
 * The test pattern: 64-bit xorshift* words from 'seed', so a stale, shifted
 * or half-done copy never matches by chance. check returns the offset of
 * the first wrong byte, or (size_t)-1; *nbad counts the wrong bytes.
 */
void libdma__bench_fill(void *buf, size_t len, uint64_t seed);
size_t libdma__bench_check(const void *buf, size_t len, uint64_t seed,
			   size_t *nbad);
/* The byte the pattern has at 'offset'. */
uint8_t libdma__bench_pattern_at(size_t offset, uint64_t seed);

/* Minimum number of commands a copy of 'size' bytes needs: 2 per window. */
uint64_t libdma__bench_min_commands(uint64_t size, uint32_t window);

/* A field for CSV (RFC 4180: quoted when it holds , " CR or LF). */
void libdma__csv_field(FILE *out, const char *s);
/* A JSON string, quoted and escaped (", \, control characters). */
void libdma__json_string(FILE *out, const char *s);

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

/* "4 KiB", "12345 B", "1.5 MiB" into buf (>= 32 bytes). */
const char *libdma__bench_fmt_size(uint64_t bytes, char *buf);
/* "812 ns", "3.4 us", "12.50 ms", "2.10 s" into buf (>= 32 bytes). */
const char *libdma__fmt_ns(double ns, char *buf);
/* "1.50 GiB/s", "20.02 KiB/s" into buf (>= 32 bytes). */
const char *libdma__fmt_rate(double bps, char *buf);
/* "msi", "intx", "none", "unknown". */
const char *libdma__irq_name(int mode);

/*
 * Where a run takes place (bench.c), shared with the lab: platform (QEMU
 * TCG / KVM, virtual machine, hardware), machine, CPU, kernel, clock
 * source, THP, date, libdma version, the device's info; cmd_ns and
 * vfio_node are left 0 / "".
 */
void libdma__bench_env(struct libdma_device *dev, const char *label,
		       struct libdma_bench_env *env);
/* Its lines in the three outputs (bench_format.c), shared with the lab. */
void libdma__env_table(const struct libdma_bench_env *e, FILE *out);
void libdma__env_csv(const struct libdma_bench_env *e, FILE *out);
void libdma__env_json_head(const struct libdma_bench_env *e, FILE *out);
void libdma__env_json_device(const struct libdma_info *i, FILE *out);

#endif /* LIBDMA_BENCH_INTERNAL_H */
