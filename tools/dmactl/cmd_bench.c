// SPDX-License-Identifier: MIT
/*
 * dmactl bench: the throughput benchmark of libdma (libdma_bench_run) from
 * the shell - contiguous versus scatter-gather memory, pinning versus
 * copying, every byte verified, every figure stated with where it ran.
 * The work and the output formats are libdma's, the output files and the
 * exit status shared with `dmactl lab` (measure.c); this file parses the
 * command line and shows progress on stderr.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "measure.h"

static const struct dmactl_cmd *const cmd = &dmactl_cmd_bench;

/* The name of a mode, for dm_parse_names(). */
static const char *mode_name(unsigned int kind, unsigned int mode)
{
	(void)kind;
	return libdma_bench_mode_name(mode);
}

/* libdma_bench_write() for dm_output_result(). */
static int write_bench(const void *result, unsigned int format, FILE *out)
{
	return libdma_bench_write(result, format, out);
}

struct progress_state {
	int quiet;
	int announced;
};

/*
 * --depth 1,4,16: the queue depths of the streams, into cfg->depths. 0 or
 * the usage error's exit status.
 */
static int parse_depths(const char *arg, struct libdma_bench_config *cfg)
{
	const char *p = arg;
	unsigned int n = 0;

	memset(cfg->depths, 0, sizeof(cfg->depths));
	while (*p) {
		char *end;
		unsigned long v = strtoul(p, &end, 10);

		if (end == p || v < 1 || v > LIBDMA_BENCH_MAX_DEPTH ||
		    (*end && *end != ','))
			return dm_usage(cmd, "--depth wants queue depths of 1..%u "
					"separated by commas (e.g. 1,4,16), not '%s'",
					LIBDMA_BENCH_MAX_DEPTH, arg);
		if (n == LIBDMA_BENCH_MAX_DEPTHS)
			return dm_usage(cmd, "--depth: at most %u depths, not '%s'",
					LIBDMA_BENCH_MAX_DEPTHS, arg);
		cfg->depths[n++] = (uint8_t)v;
		p = *end ? end + 1 : end;
		if (*end && !*p)
			return dm_usage(cmd, "--depth: '%s' ends with a comma", arg);
	}
	if (!n)
		return dm_usage(cmd, "--depth wants at least one queue depth");
	return 0;
}

static void progress(const struct libdma_bench_progress *p, void *arg)
{
	struct progress_state *ps = arg;
	const struct libdma_bench_cell *c = p->done;
	char b1[32], b2[32];

	if (ps->quiet)
		return;
	if (!ps->announced) {
		ps->announced = 1;
		fprintf(stderr, "dmactl bench: %u cells, at least %llu device "
			"commands of %s each (%s of device time; on edu's 100 ms "
			"commands under QEMU with -icount that costs little wall "
			"time, without it it is real time)\n", p->nr_cells,
			(unsigned long long)p->commands_min,
			dm_fmt_ns(p->cmd_ns, b1),
			dm_fmt_ns(p->commands_min * p->cmd_ns, b2));
	}
	if (!c)
		return;
	dm_progress_count(cmd, p->cell, p->nr_cells);
	fprintf(stderr, "%-11s %9s", libdma_bench_mode_name(c->mode),
		dm_fmt_bytes(c->size, b1));
	if (c->depth)
		fprintf(stderr, " depth %2u", c->depth);
	fputs(": ", stderr);
	switch (c->status) {
	case LIBDMA_BENCH_OK:
		if (c->depth)
			fprintf(stderr, "verified x%u, %u requests, %.0f req/s, "
				"eff %.4f\n", c->repetitions, c->requests,
				c->request_rate.median, c->efficiency.median);
		else
			fprintf(stderr, "verified x%u, host %s per transfer\n",
				c->repetitions,
				dm_fmt_ns((uint64_t)c->host_ns.median, b2));
		break;
	case LIBDMA_BENCH_UNAVAILABLE:
		fprintf(stderr, "unavailable: %s\n", c->note);
		break;
	case LIBDMA_BENCH_MISMATCH:
		fprintf(stderr, "MISMATCH: %s\n", c->note);
		break;
	default:
		fprintf(stderr, "FAILED: %s\n", c->note);
		break;
	}
}

static int run_bench(int argc, char **argv)
{
	static const struct option options[] = {
		{ "modes", required_argument, NULL, 'm' },
		{ "sizes", required_argument, NULL, 's' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "depth", required_argument, NULL, 'd' },
		DM_OUTPUT_OPTIONS,
		{ "label", required_argument, NULL, 'l' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "corrupt", no_argument, NULL, 'X' },
		{ "vfio", required_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t sizes[LIBDMA_BENCH_MAX_SIZES], reps;
	struct libdma_bench_config cfg;
	struct libdma_bench_result *res = NULL;
	struct progress_state ps = { 0, 0 };
	struct dm_outputs out = { 0 };
	struct libdma_device *dev, *vfio = NULL;
	const char *spec, *vfio_spec = NULL;
	int opt, ret, rest, n, failed;
	unsigned int i, mismatch = 0;

	libdma_bench_config_init(&cfg);
	while ((opt = getopt_long(argc, argv, "m:s:r:d:qh", options, NULL)) != -1) {
		if (dm_output_option(&out, opt, optarg))
			continue;
		switch (opt) {
		case 'm':
			cfg.modes = dm_parse_names(cmd, "--modes", optarg,
						   mode_name, 0, "all");
			if (!cfg.modes)
				return DM_EXIT_USAGE;
			break;
		case 's':
			n = dm_parse_sizes(cmd, optarg, sizes, LIBDMA_BENCH_MAX_SIZES);
			if (n < 0)
				return DM_EXIT_USAGE;
			cfg.sizes = sizes;
			cfg.nr_sizes = (uint32_t)n;
			break;
		case 'r':
			if (dm_parse_u64(optarg, &reps) || reps < 1 ||
			    reps > LIBDMA_BENCH_MAX_REPETITIONS)
				return dm_usage(cmd, "--repeat wants 1..%u, not '%s'",
						LIBDMA_BENCH_MAX_REPETITIONS, optarg);
			cfg.repetitions = (uint32_t)reps;
			break;
		case 'd':
			ret = parse_depths(optarg, &cfg);
			if (ret)
				return ret;
			break;
		case 'l':
			cfg.label = optarg;
			break;
		case 'q':
			ps.quiet = 1;
			break;
		case 'X':
			cfg.flags |= LIBDMA_BENCH_CORRUPT;
			break;
		case 'V':
			vfio_spec = optarg;
			break;
		default:
			return dm_common_option(cmd, opt);
		}
	}
	ret = dm_output_format(cmd, &out);
	if (ret >= 0)
		return ret;
	ret = dm_positionals(cmd, argc, argv, optind, 0, &spec, &rest);
	if (ret >= 0)
		return ret;

	ret = dm_open(cmd, spec, &dev);
	if (ret)
		return ret;
	if (vfio_spec) {
		ret = dm_open(cmd, vfio_spec, &vfio);
		if (ret) {
			libdma_close(dev);
			return ret;
		}
		cfg.vfio = vfio;
	}
	cfg.progress = progress;
	cfg.progress_arg = &ps;
	failed = libdma_bench_run(dev, &cfg, &res);
	if (failed < 0) {
		ret = dm_failed(cmd, failed);
		goto close;
	}
	for (i = 0; i < res->nr_cells; i++)
		mismatch += res->cells[i].status == LIBDMA_BENCH_MISMATCH;
	ret = dm_output_result(cmd, &out, write_bench, res, failed, mismatch,
			       "with wrong data");
	libdma_bench_result_free(res);
close:
	if (vfio)
		libdma_close(vfio);
	libdma_close(dev);
	return ret;
}

const struct dmactl_cmd dmactl_cmd_bench = {
	.name = "bench",
	.summary = "measure throughput and host cost: contiguous vs scatter-gather",
	.help =
"Usage: dmactl bench [DEV] [--modes LIST] [--sizes LIST] [--repeat N]\n"
"                    [--depth LIST] [--csv[=FILE]] [--json[=FILE]]\n"
"                    [--label TEXT] [--quiet] [--vfio vfio:ADDRESS]\n"
"\n"
"Copies the same bytes source -> device -> destination with memory\n"
"obtained five ways, checks every destination byte, and reports what\n"
"each way costs. The question: is physically contiguous memory faster for\n"
"DMA, and what does it cost to pin user memory or to copy it instead?\n"
"\n"
"Modes (--modes, comma-separated; default: the first five, and vfio\n"
"when a VFIO device takes part):\n"
"  coherent     two coherent buffers from the driver: physically contiguous\n"
"  sg           two malloc'd areas, registered (pinned + mapped) once,\n"
"               before timing: a scatter-gather list of their pages\n"
"  sg-oneshot   the same areas, pinned and mapped inside every transfer\n"
"  sg-hugepage  two areas backed by transparent huge pages, registered once\n"
"               (\"unavailable\" when the kernel gives no huge pages: as root,\n"
"               echo madvise > /sys/kernel/mm/transparent_hugepage/enabled)\n"
"  bounce       two malloc'd areas copied by the CPU into and out of coherent\n"
"               buffers around the DMA: copying instead of pinning\n"
"  vfio         two malloc'd areas registered once with the --vfio device\n"
"               (or DEV itself, opened as vfio:ADDRESS): mapped through the\n"
"               IOMMU at contiguous IO addresses, one DMA segment per side\n"
"               whatever the pages; the commands run from this process\n"
"\n"
"Each repetition: setup (alloc / register), one transfer, verify every\n"
"byte, teardown (free / unregister). A cell whose data is wrong prints no\n"
"figures and the command exits 1. The columns (medians over repetitions):\n"
"  cmds        device commands per transfer (2 per window-sized chunk, more\n"
"              where a chunk crosses a segment boundary)\n"
"  pages       pages the device touched, both sides\n"
"  segs c/d    physically contiguous runs / DMA segments, both sides\n"
"  setup       alloc or register; teardown: free or unregister\n"
"  host/xfer   time of the transfer step minus the device's time: what the\n"
"              host spent (system call, planning, one-shot pinning, bounce\n"
"              copies); spread: (max - min) / median of it\n"
"  device      the device's time (driver's device_ns)\n"
"  throughput  size / time of the transfer step\n"
"  eff         throughput / the device's limit for these commands (their\n"
"              device time), i.e. device time / transfer time: 1 means the\n"
"              device never waited for the host\n"
"Every output first says where it ran (QEMU or hardware, kernel, device,\n"
"window, clock source): figures out of context mislead.\n"
"\n"
"Streams (--depth 1,4,16): for every depth, size and mode also a stream:\n"
"min(depth, 32 MiB / size) source/destination pairs set up once, then\n"
"min(max(64 MiB / size, 4 x depth), 1024) copies kept DEPTH in flight\n"
"(libdma_submit_copy, libdma_reap), timed from the first submit to the\n"
"last reap, every destination verified after. A second table:\n"
"  throughput  requests x size / the stream's wall time; req/s likewise\n"
"  dev-limit   requests x size / their device time: what the device allows\n"
"              for those commands (edu-sg: its timing model)\n"
"  eff         device time / wall time: the device's busy share\n"
"  cmds/req    device commands (edu-sg: descriptors) per request\n"
"  host/req    (wall - device time) / requests: what the device waited for\n"
"Streams need a driver with asynchronous requests; bounce and vfio have\n"
"none (\"unavailable\").\n"
"\n"
"Time: QEMU's edu device spends 100 ms per command (edu-sg: microseconds\n"
"per descriptor in its timing model). Under QEMU with\n"
"-icount shift=3,sleep=off (make demo) that is virtual time and costs\n"
"little wall time; otherwise the default sweep (about 20000 commands per\n"
"repetition) takes hours: pick a few small --sizes. The first line on\n"
"stderr says how many commands the run needs.\n"
"\n"
"Options:\n"
"  -m, --modes LIST    modes to run, e.g. coherent,sg (\"all\": all six)\n"
"      --vfio DEV2     the device of the vfio mode: an edu bound to vfio-pci\n"
"                      (dmactl bind vfio ADDRESS), e.g. vfio:0000:00:03.0\n"
"  -s, --sizes LIST    bytes per transfer: 4K..4M (every power of two in\n"
"                      between: the default), 4K,64K,1M, or both\n"
"  -r, --repeat N      repetitions per mode and size (default 5); medians,\n"
"                      min and max are over these\n"
"  -d, --depth LIST    queue depths for streams, 1..64 each, at most 8,\n"
"                      e.g. 1,4,16 (default: none, single transfers only)\n"
"      --csv[=FILE]    CSV (a row per cell, '#' lines for where it ran):\n"
"                      to FILE, or instead of the table to stdout\n"
"      --json[=FILE]   JSON likewise\n"
"      --label TEXT    a note for the outputs (e.g. how QEMU was started)\n"
"  -q, --quiet         no progress on stderr\n"
"      --corrupt       test hook: flip one destination byte before checking;\n"
"                      every cell must then fail (exit 1, no figures)\n"
"\n"
"Examples:\n"
"  dmactl bench --sizes 4K,64K --repeat 3\n"
"  dmactl bench --modes coherent,sg --csv=bench.csv --json=bench.json\n"
"  dmactl bench --sizes 4K,256K --modes coherent,sg --depth 1,4,16\n"
"  dmactl bench 0 --vfio vfio:0000:00:03.0 --modes coherent,sg,vfio\n"
"  make demo            (boots QEMU, runs this, plots into out/)\n",
	.run = run_bench,
};
