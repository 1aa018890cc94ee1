/* SPDX-License-Identifier: MIT */
/*
 * libdma - private pieces of the contiguity lab (API 1.3), shared by
 *
 *   lab.c         running it: the cells of each experiment, one driver
 *                 call per cell (backend op "lab"), the checks that do not
 *                 depend on timing
 *   lab_format.c  the reading (summary), table / CSV / JSON
 *
 * and by tests/host/test_libdma_lab.c (fake backend, synthetic results).
 */
#ifndef LIBDMA_LAB_INTERNAL_H
#define LIBDMA_LAB_INTERNAL_H

#include <stdio.h>

#include "bench_internal.h"

/*
 * What the driver writes into the pages of the access experiment
 * (driver/edudma_lab.c, lab_word()): 64-bit word number i holds
 * i * LIBDMA__LAB_WORD_MULT. A read pass sums what it sees, so the sum
 * is known in advance: lab.c checks it.
 */
#define LIBDMA__LAB_WORD_MULT	0x9e3779b97f4a7c15ull

/*
 * The checksum a read pass must give over 'pages' 4 KiB pages: every word
 * (seq-read) or the first word of every page (random-read). 0 for writes.
 */
uint64_t libdma__lab_expected_checksum(unsigned int pattern, uint64_t pages);

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
