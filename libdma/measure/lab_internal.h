/* SPDX-License-Identifier: MIT */
/*
 * libdma - private pieces of the contiguity lab (API 1.3;
 * include/libdma/lab.h), shared by
 *
 *   lab.c         running it: the cells of each experiment, one driver
 *                 call per cell (libdma__lab_cell()), the checks that do
 *                 not depend on timing
 *   lab_format.c  the reading (summary), table / CSV / JSON
 *
 * and by tests/host/test_libdma_lab.c (fake backend, synthetic results).
 * What they share with the benchmark (where a run takes place, the output
 * writer, the checksum of the driver's words): measure_internal.h.
 */
#ifndef LIBDMA_LAB_INTERNAL_H
#define LIBDMA_LAB_INTERNAL_H

#include "measure_internal.h"

/* The cell of the given coordinates that has figures (status OK), or NULL. */
const struct libdma_lab_cell *
libdma__lab_find_ok(const struct libdma_lab_result *r, unsigned int experiment,
		    unsigned int what, unsigned int mapping, uint64_t size);

/* A ratio of two medians at the smallest and largest size having both. */
struct libdma__lab_span {
	unsigned int nr;		/* sizes having both */
	uint64_t size_lo, size_hi;
	double lo, hi;			/* the ratio at size_lo, size_hi */
	double min, max;		/* over all those sizes */
	uint64_t size_min, size_max;	/* where */
};

/* What the table's "reading" and the JSON "summary" say. */
struct libdma__lab_summary {
	/* allocate + free: each allocator's median over kmalloc's */
	struct libdma__lab_span alloc[LIBDMA_LAB_NR_ALLOCATORS];
	/* access: vmap median over linear-map median, per pattern */
	struct libdma__lab_span access[LIBDMA_LAB_NR_PATTERNS];
	/* read cells whose checksum was compared (linear vs vmap pairs) */
	unsigned int nr_pairs_compared, nr_pairs_mismatch;
	/* segments, per allocator */
	struct {
		unsigned int nr;		/* cells with figures */
		unsigned int nr_one;		/* of them: one DMA segment */
		uint64_t size, pages, cpu_segments, dma_segments;	/* the largest */
	} seg[LIBDMA_LAB_NR_ALLOCATORS];
	unsigned int nr_unavailable, nr_unreachable;
};

void libdma__lab_summarize(const struct libdma_lab_result *r,
			   struct libdma__lab_summary *s);

#endif /* LIBDMA_LAB_INTERNAL_H */
