/* SPDX-License-Identifier: MIT */
/*
 * libdma - the throughput benchmark (API 1.2; queue depths: API 1.4):
 * libdma_bench_*().
 *
 * Part of <libdma.h>, which includes this file where the benchmark's
 * declarations belong (after the device self-tests): include <libdma.h>,
 * or this file alone, which brings <libdma.h> with it. Built on the public
 * calls of <libdma.h> (libdma/measure/bench.c); how to run it and read its
 * outputs: docs/bench.md.
 */
/* First, outside the guard: <libdma.h> includes this file at its place. */
#include <libdma.h>

#ifndef LIBDMA_BENCH_H
#define LIBDMA_BENCH_H

#include <stdint.h>
#include <stdio.h>	/* FILE, for libdma_bench_write() */

#ifdef __cplusplus
extern "C" {
#endif

/* ============================================================ benchmark (1.2)
 *
 * The throughput benchmark: what physical contiguity buys a device and what
 * it costs to get it. Each mode moves the same bytes source -> device ->
 * destination with libdma_copy(), with the memory obtained another way:
 *
 *   coherent     two coherent buffers (libdma_buffer_alloc): physically
 *                contiguous, one segment each
 *   sg           two malloc'd areas registered (pinned + mapped) once,
 *                before the clock starts (libdma_buffer_register)
 *   sg-oneshot   the same kind of areas pinned and mapped by the driver
 *                inside every transfer (libdma_region_user)
 *   sg-hugepage  two areas backed by transparent huge pages
 *                (MADV_HUGEPAGE), registered once
 *   bounce       two malloc'd areas the CPU copies into and out of two
 *                coherent buffers around the DMA ("copy instead of pin")
 *   vfio         two malloc'd areas registered once with a device opened
 *                as "vfio:<address>" (libdma_bench_config.vfio, or 'dev'
 *                itself): mapped through the IOMMU at contiguous IO
 *                addresses, one device-visible segment each, whatever the
 *                pages; the engine runs in this process. Only when such a
 *                device takes part: not in the default set otherwise
 *
 * For every mode and size, each repetition does: setup (alloc or
 * register), one transfer, a check of every destination byte, teardown
 * (free or unregister). A cell whose data does not verify reports no
 * figures. Times are CLOCK_MONOTONIC in this process, except device time,
 * which is the driver's (libdma_stats.device_ns). What each figure means:
 * struct libdma_bench_cell.
 *
 * Streams (API 1.4, libdma_bench_config.depths): for every queue depth,
 * size and mode also a "stream" cell. P = min(depth, max(1, 32 MiB /
 * size)) source/destination pairs are set up once per repetition (timed:
 * setup_ns), then N = clamp(64 MiB / size, 4 x depth, 1024) copies are
 * kept 'depth' in flight - libdma_submit_copy() round robin over the
 * pairs, libdma_reap() as they finish - timed from the first submit to
 * the last reap; every completion must have moved all its bytes, and
 * every destination is checked byte by byte afterwards. Needs
 * LIBDMA_FEAT_ASYNC; bounce streams are unavailable (the CPU copies
 * around each transfer serialise them), as are vfio streams (the VFIO
 * backend has no asynchronous requests).
 */

/* Modes (bit numbers in libdma_bench_config.modes). */
#define LIBDMA_BENCH_COHERENT		0
#define LIBDMA_BENCH_SG			1
#define LIBDMA_BENCH_SG_ONESHOT		2
#define LIBDMA_BENCH_SG_HUGEPAGE	3
#define LIBDMA_BENCH_BOUNCE		4
#define LIBDMA_BENCH_VFIO		5
#define LIBDMA_BENCH_NR_MODES		6
#define LIBDMA_BENCH_ALL_MODES		((1U << LIBDMA_BENCH_NR_MODES) - 1)
/* The modes through 'dev' alone: the default set without a VFIO device. */
#define LIBDMA_BENCH_KERNEL_MODES	((1U << LIBDMA_BENCH_VFIO) - 1)

/* The default sweep: 4 KiB, 8 KiB, ... 4 MiB, each size 5 times. */
#define LIBDMA_BENCH_DEFAULT_MIN_SIZE		4096U
#define LIBDMA_BENCH_DEFAULT_MAX_SIZE		(4U << 20)
#define LIBDMA_BENCH_DEFAULT_REPETITIONS	5U
#define LIBDMA_BENCH_MAX_SIZES			64U
#define LIBDMA_BENCH_MAX_REPETITIONS		1000U
/* Streams (API 1.4): at most this many depths, each 1..LIBDMA_BENCH_MAX_DEPTH. */
#define LIBDMA_BENCH_MAX_DEPTHS			8U
#define LIBDMA_BENCH_MAX_DEPTH			64U

/* libdma_bench_config.flags */
/*
 * Test hook: flip one byte of the destination after each transfer, before
 * it is checked. Every cell must then fail verification and report no
 * figures - proof that the checks run and that nothing is reported unchecked.
 */
#define LIBDMA_BENCH_CORRUPT		(1U << 0)

/**
 * libdma_bench_mode_name() - The name of a benchmark mode.
 * @mode: LIBDMA_BENCH_COHERENT ... LIBDMA_BENCH_VFIO.
 *
 * The names are those of the list above: "coherent", "sg", "sg-oneshot",
 * "sg-hugepage", "bounce", "vfio". libdma_bench_mode_parse() goes the
 * other way.
 *
 * Return: the name of @mode ("coherent", "sg", "sg-oneshot"...), NULL if
 * unknown.
 */
const char *libdma_bench_mode_name(unsigned int mode);

/**
 * libdma_bench_mode_parse() - The benchmark mode a name stands for.
 * @name: a mode's name, as libdma_bench_mode_name() gives it.
 *
 * See libdma_bench_mode_name().
 *
 * Return: the mode (LIBDMA_BENCH_*), or -EINVAL for an unknown name or
 * NULL.
 */
int libdma_bench_mode_parse(const char *name);

/* A figure over the repetitions of a cell. */
struct libdma_bench_stat {
	double median;			/* of an even count: mean of the middle two */
	double min;
	double max;
};

/* libdma_bench_cell.status */
#define LIBDMA_BENCH_OK			0	/* every repetition verified */
#define LIBDMA_BENCH_UNAVAILABLE	1	/* the mode cannot run here (note says why) */
#define LIBDMA_BENCH_MISMATCH		2	/* a destination byte was wrong: no figures */
#define LIBDMA_BENCH_FAILED		3	/* a call failed (error, note): no figures */

/*
 * One mode at one size. Figures are set only when status is
 * LIBDMA_BENCH_OK (all zero otherwise); times in nanoseconds.
 */
struct libdma_bench_cell {
	unsigned int mode;		/* LIBDMA_BENCH_* */
	unsigned int status;		/* LIBDMA_BENCH_OK ... */
	int error;			/* FAILED: the -errno of the failing call */
	uint32_t repetitions;		/* repetitions done (and verified, if OK) */
	uint64_t size;			/* bytes copied per transfer */

	/*
	 * The memory the device worked on, source and destination together:
	 * pages it spans, physically contiguous runs (CPU segments; 0 = not
	 * reported, as for one-shot regions) and DMA segments the driver
	 * walked. Coherent buffers (coherent, bounce) are one segment each.
	 */
	uint64_t pages;
	uint64_t cpu_segments;
	uint64_t dma_segments;
	struct libdma_bench_stat commands;	/* device commands per transfer */

	/* Making the memory DMA-able: allocating the coherent buffers
	 * (coherent, bounce) or registering the user areas (sg, sg-hugepage);
	 * 0 for sg-oneshot, which pins inside the transfer. Both sides. */
	struct libdma_bench_stat setup_ns;
	/* Undoing it: freeing or unregistering. */
	struct libdma_bench_stat teardown_ns;
	/* The transfer step, end to end: around libdma_copy(), plus for
	 * bounce the two CPU copies around it. */
	struct libdma_bench_stat transfer_ns;
	/* The device's part of it: the driver's device_ns (each command's
	 * start to its completion interrupt, summed). */
	struct libdma_bench_stat device_ns;
	/* What the host spent per transfer: transfer_ns - device_ns
	 * (system call, planning, one-shot pinning, bounce copies...). */
	struct libdma_bench_stat host_ns;
	/* Pinning + mapping as the driver timed it, both sides: part of
	 * setup_ns for sg and sg-hugepage (libdma_pin_stats), part of host_ns
	 * for sg-oneshot, every transfer (libdma_stats.setup_ns); else 0. */
	struct libdma_bench_stat pin_ns;
	/* The CPU copies into and out of the coherent buffers (bounce; part
	 * of host_ns); else 0. */
	struct libdma_bench_stat cpu_copy_ns;
	/* size / transfer_ns, in bytes per second. */
	struct libdma_bench_stat throughput;
	/*
	 * Against the device's own limit: throughput divided by
	 * size / (commands x the device's time per command), with that time
	 * measured in this very transfer (device_ns / commands) - which
	 * comes to device_ns / transfer_ns: the share of the transfer during
	 * which the device was busy. 1.0 means it never waited for the host;
	 * idle gaps between commands (a round trip to userspace per command)
	 * would show here. (Not relative to env.cmd_ns: QEMU's edu sets its
	 * 100 ms timer in whole milliseconds, so single commands vary by up
	 * to 1 ms, which would read as idle time.)
	 */
	struct libdma_bench_stat efficiency;

	char note[192];			/* why unavailable / what failed / "" */

	/*
	 * API 1.4: 0 = the single-transfer measurement above; > 0 = a
	 * stream, 'requests' copies kept 'depth' in flight (the overview).
	 * For a stream the figures above are per stream: transfer_ns its
	 * wall time (first submit to last reap), device_ns the sum of its
	 * requests' device_ns, host_ns = transfer_ns - device_ns (at least
	 * 0: the time the device waited for the host), throughput =
	 * requests x size / transfer_ns, efficiency = device_ns /
	 * transfer_ns (the device's busy share), commands = device commands
	 * (descriptors) per request, setup / teardown = of all the pairs,
	 * pin_ns = registering them (sg, sg-hugepage) or, per request, the
	 * one-shot pinning (sg-oneshot), dma_segments per request.
	 */
	uint32_t depth;
	uint32_t requests;		/* requests per stream (0 for depth 0) */
	struct libdma_bench_stat request_rate;	/* requests per second (streams) */
	uint64_t reserved[4];
};

/* Where a run took place, so that its figures are never read out of context. */
struct libdma_bench_env {
	char platform[48];		/* "QEMU (TCG)", "QEMU (KVM)", "virtual machine", "hardware" */
	char machine[96];		/* DMI vendor and product, "" if unknown */
	char cpu[96];			/* /proc/cpuinfo model name */
	char kernel[96];		/* "Linux 6.1.0-56-amd64 x86_64" */
	char clocksource[32];		/* the kernel's current clocksource */
	char thp[32];			/* transparent_hugepage/enabled, e.g. "madvise" */
	char label[128];		/* libdma_bench_config.label, "" if none */
	char date[32];			/* start of the run, UTC, ISO 8601 */
	char libdma_version[16];	/* libdma_version_string() */
	struct libdma_info info;	/* the device: node, version, window, mask... */
	uint64_t page_size;
	/*
	 * The device's time per command, measured: on edu the fastest of a
	 * few one-window copies (their device_ns / commands; under QEMU 99
	 * to 100 ms of (virtual) time); on edu-sg (info.engine
	 * LIBDMA_ENGINE_EDUSG) the fastest of a few copies of one 4 KiB
	 * descriptor on an idle engine (fetch latency + 4 KiB at the link's
	 * bandwidth in the timing model). For the reader; efficiency uses
	 * each transfer's own device time.
	 */
	uint64_t cmd_ns;
	uint32_t calibration_copies;	/* how many copies cmd_ns came from */
	uint32_t reserved0;
	char vfio_node[40];		/* the vfio mode's device, "" if none */
	uint64_t reserved[3];
};

/* Where a run is, for libdma_bench_config.progress. */
struct libdma_bench_progress {
	unsigned int cell;		/* index of the cell (0-based) */
	unsigned int nr_cells;
	unsigned int mode;
	unsigned int repetition;	/* 1-based; 0 once the cell is done */
	uint64_t size;
	const struct libdma_bench_cell *done;	/* the finished cell, or NULL */
	uint64_t commands_done;		/* device commands so far */
	uint64_t commands_min;		/* the whole run needs at least this many */
	uint64_t cmd_ns;		/* env.cmd_ns */
	uint64_t reserved[4];
};

/* What to measure. Start from libdma_bench_config_init(). */
struct libdma_bench_config {
	/*
	 * 1U << LIBDMA_BENCH_* bits; 0 = the default: LIBDMA_BENCH_KERNEL_MODES,
	 * plus LIBDMA_BENCH_VFIO when a VFIO device takes part (below).
	 */
	uint32_t modes;
	uint32_t repetitions;		/* per cell, 1..LIBDMA_BENCH_MAX_REPETITIONS */
	const uint64_t *sizes;		/* bytes, NULL = the default sweep */
	uint32_t nr_sizes;		/* 1..LIBDMA_BENCH_MAX_SIZES */
	uint32_t flags;			/* LIBDMA_BENCH_CORRUPT */
	const char *label;		/* free text for env.label, may be NULL */
	/*
	 * Called (if not NULL) in the calling thread before every repetition
	 * and after every cell, e.g. to show progress on long sweeps.
	 */
	void (*progress)(const struct libdma_bench_progress *p, void *arg);
	void *progress_arg;
	/*
	 * The device of the vfio mode: an edu opened as "vfio:<address>"
	 * (another one than 'dev', usually). NULL: 'dev' itself if it is a
	 * VFIO device, else the vfio mode is unavailable.
	 */
	struct libdma_device *vfio;
	/*
	 * API 1.4: queue depths for streams, 1..LIBDMA_BENCH_MAX_DEPTH each,
	 * in the order given; a 0 ends the list. All 0 (the default): no
	 * streams.
	 */
	uint8_t depths[LIBDMA_BENCH_MAX_DEPTHS];
	uint64_t reserved[2];		/* must be zero */
};

/* The outcome of libdma_bench_run(). */
struct libdma_bench_result {
	struct libdma_bench_env env;
	uint32_t repetitions;
	uint32_t flags;			/* the config's */
	uint32_t nr_cells;
	uint32_t nr_failed;		/* cells MISMATCH or FAILED */
	/* size by size, modes in order; then (API 1.4) the streams: size by
	 * size, modes in order, depths in the config's order */
	struct libdma_bench_cell *cells;
	uint64_t reserved[4];
};

/**
 * libdma_bench_config_init() - Fill a benchmark config with the defaults.
 * @cfg: the configuration to fill.
 *
 * Defaults: the default modes (modes 0: LIBDMA_BENCH_KERNEL_MODES, plus
 * LIBDMA_BENCH_VFIO when a VFIO device takes part), the default sweep
 * (4 KiB to 4 MiB in powers of two), LIBDMA_BENCH_DEFAULT_REPETITIONS,
 * no VFIO device. What libdma_bench_run() does with a NULL config.
 */
void libdma_bench_config_init(struct libdma_bench_config *cfg);

/**
 * libdma_bench_run() - Run the throughput benchmark.
 * @dev: the device (needs LIBDMA_FEAT_COPY).
 * @cfg: what to measure, from libdma_bench_config_init(); NULL for the
 *       defaults.
 * @resultp: where the result goes on success; NULL on failure.
 *
 * Runs the benchmark on @dev: every mode of @cfg at every size, as the
 * overview above describes. A mode whose feature the driver lacks, or a
 * coherent size beyond info.max_alloc, is reported
 * LIBDMA_BENCH_UNAVAILABLE, as is sg-hugepage without transparent huge
 * pages. With depths (API 1.4), stream cells follow: unavailable without
 * LIBDMA_FEAT_ASYNC, and for bounce and vfio. Free the result with
 * libdma_bench_result_free().
 *
 * A run takes (number of sizes x modes x repetitions) transfers: on a
 * device that really spends 100 ms per command (QEMU without -icount) the
 * default sweep takes hours; progress->commands_min tells beforehand.
 *
 * Return: the number of cells that failed (0: every available cell
 * verified) - a run with failed cells has failed. A negative errno, with
 * *@resultp NULL, when the run could not take place or had to stop:
 * -EINVAL (bad config), -EOPNOTSUPP, -EINTR (a signal), -ENODEV, -EIO,
 * -ETIMEDOUT (the device).
 */
int libdma_bench_run(struct libdma_device *dev,
		     const struct libdma_bench_config *cfg,
		     struct libdma_bench_result **resultp);

/**
 * libdma_bench_result_free() - Free a result of libdma_bench_run().
 * @result: the result; NULL is fine.
 */
void libdma_bench_result_free(struct libdma_bench_result *result);

/* Output formats (libdma_bench_write()). */
#define LIBDMA_BENCH_TABLE	0	/* aligned text for people, with a reading */
#define LIBDMA_BENCH_CSV	1	/* '#' lines (where it ran), a header, a row per cell */
#define LIBDMA_BENCH_JSON	2	/* one object: environment, cells, summary */

/**
 * libdma_bench_write() - Write a benchmark result.
 * @result: the result of libdma_bench_run().
 * @format: LIBDMA_BENCH_TABLE, LIBDMA_BENCH_CSV or LIBDMA_BENCH_JSON.
 * @out: where to write it.
 *
 * Every format states where the run took place (env). Cells that are not
 * OK carry their status and note, no figures.
 *
 * Return: 0, -EINVAL (bad format or NULL), or -EIO when writing failed.
 */
int libdma_bench_write(const struct libdma_bench_result *result,
		       unsigned int format, FILE *out);

#ifdef __cplusplus
}
#endif

#endif /* LIBDMA_BENCH_H */
