/* SPDX-License-Identifier: MIT */
/*
 * libdma - the contiguity lab (API 1.3): libdma_lab_*().
 *
 * Part of <libdma.h>, which includes this file where the lab's
 * declarations belong (after the benchmark's, whose environment and
 * output formats it shares: <libdma/bench.h>): include <libdma.h>, or
 * this file alone, which brings <libdma.h> with it. The library side:
 * libdma/measure/lab.c; how to run it and read its outputs: docs/lab.md.
 */
/* First, outside the guard: <libdma.h> includes this file at its place. */
#include <libdma.h>

#ifndef LIBDMA_LAB_H
#define LIBDMA_LAB_H

#include <stdint.h>
#include <stdio.h>	/* FILE, for libdma_lab_write() */

#include <libdma/bench.h>	/* struct libdma_bench_env, LIBDMA_BENCH_TABLE ... */

#ifdef __cplusplus
extern "C" {
#endif

/* ================================================================ lab (1.3)
 *
 * The contiguity lab: "is contiguous memory faster?" answered with
 * measurements the edudma driver takes inside the kernel (the figures a
 * process cannot take: the kernel's allocators and its own mappings).
 * Three experiments, each a list of cells (one measurement each):
 *
 *   alloc     allocate + free 'size' bytes with kmalloc, alloc_pages,
 *             dma_alloc_coherent or vmalloc, 'iterations' times: time per
 *             pair (min / median / max)
 *   access    'size' bytes of pages, allocated in chunks of up to 4 MiB,
 *             filled with a known pattern and mapped twice: by the kernel's
 *             linear map, which covers RAM with large pages (2 MiB / 1 GiB),
 *             and by a vmap of those very pages, which uses 4 KiB
 *             page-table entries; one cell times passes through one of
 *             the two. Patterns: sequential read, sequential write, and
 *             one 8-byte read per page with the pages in random order
 *             (the TLB's worst case). Time per pass; reads also give a
 *             checksum of what they saw, which must be equal through both
 *             mappings (and equal to what the driver wrote)
 *   segments  a buffer from each allocator mapped for the device
 *             (dma_map_sg): its pages, physically contiguous runs and DMA
 *             segments. Timing-independent facts: kmalloc, alloc_pages and
 *             dma_alloc_coherent give one run, vmalloc about one per page
 *
 * Needs root (CAP_SYS_ADMIN) and the module parameter lab=1 (then
 * LIBDMA_FEAT_LAB is set); -EPERM otherwise, with the command that turns
 * it on. The kernel backend only: a VFIO device gives -EOPNOTSUPP. Times
 * are the guest's or the machine's clock (ktime_get_ns in the driver):
 * under QEMU with -icount they count instructions, not memory stalls or
 * TLB misses (docs/lab.md).
 */

/* Experiments (bit numbers in libdma_lab_config.experiments). */
#define LIBDMA_LAB_ALLOC		0
#define LIBDMA_LAB_ACCESS		1
#define LIBDMA_LAB_SEGMENTS		2
#define LIBDMA_LAB_NR_EXPERIMENTS	3

/* Allocators (alloc, segments; bits in libdma_lab_config.allocators). */
#define LIBDMA_LAB_KMALLOC		0
#define LIBDMA_LAB_ALLOC_PAGES		1
#define LIBDMA_LAB_DMA_COHERENT		2
#define LIBDMA_LAB_VMALLOC		3
#define LIBDMA_LAB_NR_ALLOCATORS	4

/* Access patterns (access; bits in libdma_lab_config.patterns). */
#define LIBDMA_LAB_SEQ_READ		0
#define LIBDMA_LAB_SEQ_WRITE		1
#define LIBDMA_LAB_RANDOM_READ		2	/* one word per page, random page order */
#define LIBDMA_LAB_NR_PATTERNS		3

/* Mappings (access): every access cell is measured through both. */
#define LIBDMA_LAB_LINEAR_MAP		0	/* the kernel's linear map: large pages */
#define LIBDMA_LAB_VMAP			1	/* a vmap of the same pages: 4 KiB PTEs */
#define LIBDMA_LAB_NR_MAPPINGS		2

/* What libdma_lab_name() / libdma_lab_parse() name. */
#define LIBDMA_LAB_NAME_EXPERIMENT	0	/* "alloc", "access", "segments" */
#define LIBDMA_LAB_NAME_ALLOCATOR	1	/* "kmalloc", "alloc_pages", "dma_coherent", "vmalloc" */
#define LIBDMA_LAB_NAME_PATTERN		2	/* "seq-read", "seq-write", "random-read" */
#define LIBDMA_LAB_NAME_MAPPING		3	/* "linear", "vmap" */

/**
 * libdma_lab_name() - The name of an experiment, allocator, pattern or mapping.
 * @kind: LIBDMA_LAB_NAME_EXPERIMENT, _ALLOCATOR, _PATTERN or _MAPPING.
 * @value: a value of that kind (LIBDMA_LAB_ALLOC, LIBDMA_LAB_KMALLOC...).
 *
 * The names are those listed with LIBDMA_LAB_NAME_* above.
 * libdma_lab_parse() goes the other way.
 *
 * Return: the name of @value of kind @kind, NULL if unknown.
 */
const char *libdma_lab_name(unsigned int kind, unsigned int value);

/**
 * libdma_lab_parse() - The value a lab name stands for.
 * @kind: LIBDMA_LAB_NAME_EXPERIMENT, _ALLOCATOR, _PATTERN or _MAPPING.
 * @name: a name of that kind, as libdma_lab_name() gives it.
 *
 * See libdma_lab_name().
 *
 * Return: the value @name stands for, or -EINVAL (unknown kind or name,
 * or NULL).
 */
int libdma_lab_parse(unsigned int kind, const char *name);

/*
 * The default sweeps (libdma_lab_config.sizes NULL):
 *   alloc     4 KiB .. 4 MiB, powers of two, every allocator; vmalloc also
 *             8 MiB .. 64 MiB (the others give at most 4 MiB in one piece)
 *   access    64 KiB .. max_access (default 128 MiB, lowered to a power of
 *             two at most a quarter of MemAvailable)
 *   segments  64 KiB, 1 MiB, 4 MiB, every allocator; vmalloc also 16 MiB
 */
#define LIBDMA_LAB_DEFAULT_MAX_ACCESS	(128ULL << 20)
#define LIBDMA_LAB_DEFAULT_ITERATIONS	5U
#define LIBDMA_LAB_MAX_ITERATIONS	101U	/* the driver's limit */
#define LIBDMA_LAB_MAX_SIZES		64U

/* libdma_lab_cell.status */
#define LIBDMA_LAB_OK			0
#define LIBDMA_LAB_UNAVAILABLE		1	/* not here: beyond the allocator's limit, or memory short (note) */
#define LIBDMA_LAB_UNREACHABLE		2	/* segments: memory beyond the device's DMA mask that nothing can bounce or remap */
#define LIBDMA_LAB_MISMATCH		3	/* access: the mappings (or the driver) disagree on the bytes */
#define LIBDMA_LAB_FAILED		4	/* the call failed (error, note) */

/*
 * One measurement. Figures only when status is LIBDMA_LAB_OK (MISMATCH
 * keeps them for the record; the outputs show none).
 */
struct libdma_lab_cell {
	unsigned int experiment;	/* LIBDMA_LAB_ALLOC ... */
	unsigned int allocator;		/* alloc, segments */
	unsigned int pattern;		/* access */
	unsigned int mapping;		/* access */
	uint64_t size;			/* bytes asked for */
	unsigned int status;		/* LIBDMA_LAB_OK ... */
	int error;			/* not OK: the -errno of the driver call */
	uint32_t iterations;		/* alloc, access: timed runs */
	uint32_t reserved0;
	/* alloc: one allocate + free pair; access: one pass over all pages */
	uint64_t ns_min;
	uint64_t ns_median;
	uint64_t ns_max;
	uint64_t checksum;		/* access reads: sum of the words read */
	uint64_t pages;			/* access, segments: 4 KiB pages */
	uint64_t cpu_segments;		/* access, segments: physically contiguous runs */
	uint64_t dma_segments;		/* segments: after mapping for the device */
	char note[192];			/* why not OK, or "" */
	uint64_t reserved[4];
};

/* Where a run is, for libdma_lab_config.progress. */
struct libdma_lab_progress {
	unsigned int index;		/* of the cell (0-based) */
	unsigned int nr_cells;
	const struct libdma_lab_cell *cell;	/* what it measures (and, once done, the figures) */
	int done;			/* 0: about to run, 1: finished */
	int reserved0;
	uint64_t reserved[4];
};

/* What to measure. Start from libdma_lab_config_init(). */
struct libdma_lab_config {
	uint32_t experiments;		/* 1U << LIBDMA_LAB_*; 0 = all three */
	uint32_t allocators;		/* 1U << LIBDMA_LAB_KMALLOC ...; 0 = all */
	uint32_t patterns;		/* 1U << LIBDMA_LAB_SEQ_READ ...; 0 = all */
	uint32_t iterations;		/* 1..LIBDMA_LAB_MAX_ITERATIONS */
	const uint64_t *sizes;		/* bytes, for every experiment; NULL = the default sweeps */
	uint32_t nr_sizes;		/* 1..LIBDMA_LAB_MAX_SIZES */
	uint32_t flags;			/* must be 0 */
	uint64_t max_access;		/* default sweep's largest access size; 0 = default */
	const char *label;		/* free text for env.label, may be NULL */
	/* Called (if not NULL) before and after every cell. */
	void (*progress)(const struct libdma_lab_progress *p, void *arg);
	void *progress_arg;
	uint64_t reserved[4];		/* must be zero */
};

/* The outcome of libdma_lab_run(). */
struct libdma_lab_result {
	/*
	 * Where it ran: the same header as the benchmark's. cmd_ns and
	 * calibration_copies are 0 (the lab runs no DMA commands).
	 */
	struct libdma_bench_env env;
	uint32_t iterations;
	uint32_t nr_cells;
	uint32_t nr_failed;		/* cells MISMATCH or FAILED */
	uint32_t reserved0;
	struct libdma_lab_cell *cells;	/* experiment by experiment, size by size */
	uint64_t reserved[4];
};

/**
 * libdma_lab_config_init() - Fill a lab configuration with the defaults.
 * @cfg: the configuration to fill.
 *
 * Defaults: all experiments, allocators and patterns, the default sweeps,
 * LIBDMA_LAB_DEFAULT_ITERATIONS. What libdma_lab_run() does with a NULL
 * config.
 */
void libdma_lab_config_init(struct libdma_lab_config *cfg);

/**
 * libdma_lab_run() - Run the contiguity lab.
 * @dev: the device (kernel backend, module parameter lab=1, root).
 * @cfg: what to measure, from libdma_lab_config_init(); NULL for the
 *       defaults.
 * @resultp: where the result goes on success; NULL on failure.
 *
 * Runs the experiments of @cfg on @dev, as the overview above describes.
 * Free the result with libdma_lab_result_free(). Cells an allocator
 * cannot give (E2BIG), memory the machine does not have (ENOMEM) and
 * memory beyond the device's reach (ERANGE) are reported in their cell,
 * not as a failure.
 *
 * Return: the number of cells that failed (MISMATCH or FAILED; 0: every
 * measurable cell measured and checked). A negative errno, with *@resultp
 * NULL, when the run could not take place: -EPERM (not root, or lab=0:
 * the message says how to turn it on), -EOPNOTSUPP (VFIO device, or a
 * driver without the lab), -EINVAL (bad config), -ENODEV, -EINTR.
 */
int libdma_lab_run(struct libdma_device *dev, const struct libdma_lab_config *cfg,
		   struct libdma_lab_result **resultp);

/**
 * libdma_lab_result_free() - Free a result of libdma_lab_run().
 * @result: the result; NULL is fine.
 */
void libdma_lab_result_free(struct libdma_lab_result *result);

/**
 * libdma_lab_write() - Write a lab result.
 * @result: the result of libdma_lab_run().
 * @format: LIBDMA_BENCH_TABLE (sections per experiment, a row per cell,
 *          and a reading), LIBDMA_BENCH_CSV (a row per cell) or
 *          LIBDMA_BENCH_JSON.
 * @out: where to write it.
 *
 * Every format starts with where the run took place.
 *
 * Return: 0, -EINVAL (bad format or NULL), or -EIO when writing failed.
 */
int libdma_lab_write(const struct libdma_lab_result *result,
		     unsigned int format, FILE *out);

#ifdef __cplusplus
}
#endif

#endif /* LIBDMA_LAB_H */
