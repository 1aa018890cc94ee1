// SPDX-License-Identifier: MIT
/*
 * dmactl lab: libdma's contiguity lab (libdma_lab_run) from the shell -
 * allocation cost per kernel allocator, CPU access through the linear map
 * and through a vmap of the same pages, DMA segments per kind of buffer,
 * all measured inside the kernel by the edudma driver. The work and the
 * output formats are libdma's, the output files and the exit status shared
 * with `dmactl bench` (measure.c); this file parses the command line and
 * shows progress on stderr.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "measure.h"

static const struct dmactl_cmd *const cmd = &dmactl_cmd_lab;

/* libdma_lab_write() for dm_output_result(). */
static int write_lab(const void *result, unsigned int format, FILE *out)
{
	return libdma_lab_write(result, format, out);
}

static void cell_name(const struct libdma_lab_cell *c, char *buf, size_t len)
{
	char b[32];

	if (c->experiment == LIBDMA_LAB_ACCESS)
		snprintf(buf, len, "access %s %s %s",
			 libdma_lab_name(LIBDMA_LAB_NAME_PATTERN, c->pattern),
			 libdma_lab_name(LIBDMA_LAB_NAME_MAPPING, c->mapping),
			 dm_fmt_bytes(c->size, b));
	else
		snprintf(buf, len, "%s %s %s",
			 libdma_lab_name(LIBDMA_LAB_NAME_EXPERIMENT, c->experiment),
			 libdma_lab_name(LIBDMA_LAB_NAME_ALLOCATOR, c->allocator),
			 dm_fmt_bytes(c->size, b));
}

static void progress(const struct libdma_lab_progress *p, void *arg)
{
	const struct libdma_lab_cell *c = p->cell;
	int *quiet = arg;
	char what[96], b[32];

	if (*quiet || !p->done)
		return;
	if (p->index == 0)
		fprintf(stderr, "dmactl lab: %u cells\n", p->nr_cells);
	cell_name(c, what, sizeof(what));
	dm_progress_count(cmd, p->index, p->nr_cells);
	fprintf(stderr, "%-38s ", what);
	switch (c->status) {
	case LIBDMA_LAB_OK:
		if (c->experiment == LIBDMA_LAB_SEGMENTS)
			fprintf(stderr, "%llu pages, %llu runs, %llu DMA segments\n",
				(unsigned long long)c->pages,
				(unsigned long long)c->cpu_segments,
				(unsigned long long)c->dma_segments);
		else
			fprintf(stderr, "%s\n", dm_fmt_ns(c->ns_median, b));
		break;
	case LIBDMA_LAB_UNAVAILABLE:
		fprintf(stderr, "unavailable: %s\n", c->note);
		break;
	case LIBDMA_LAB_UNREACHABLE:
		fprintf(stderr, "beyond the device's reach: %s\n", c->note);
		break;
	default:
		fprintf(stderr, "FAILED: %s\n", c->note);
		break;
	}
}

static int run_lab(int argc, char **argv)
{
	static const struct option options[] = {
		{ "experiments", required_argument, NULL, 'e' },
		{ "allocators", required_argument, NULL, 'a' },
		{ "patterns", required_argument, NULL, 'p' },
		{ "sizes", required_argument, NULL, 's' },
		{ "max-access", required_argument, NULL, 'M' },
		{ "repeat", required_argument, NULL, 'r' },
		DM_OUTPUT_OPTIONS,
		{ "label", required_argument, NULL, 'l' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t sizes[LIBDMA_LAB_MAX_SIZES], v;
	struct libdma_lab_config cfg;
	struct libdma_lab_result *res = NULL;
	struct dm_outputs out = { 0 };
	struct libdma_device *dev;
	const char *spec;
	int opt, ret, rest, n, failed, quiet = 0;
	unsigned int i, mismatch = 0;

	/* the native part needs no device: its own options (cmd_lab_native.c) */
	for (opt = 1; opt < argc && strcmp(argv[opt], "--"); opt++)
		if (!strcmp(argv[opt], "--native"))
			return dm_lab_native(argc, argv);
	libdma_lab_config_init(&cfg);
	while ((opt = getopt_long(argc, argv, "e:s:r:qh", options, NULL)) != -1) {
		if (dm_output_option(&out, opt, optarg))
			continue;
		switch (opt) {
		case 'e':
			cfg.experiments = dm_parse_names(cmd, "--experiments",
							 optarg, libdma_lab_name,
							 LIBDMA_LAB_NAME_EXPERIMENT,
							 NULL);
			if (!cfg.experiments)
				return DM_EXIT_USAGE;
			break;
		case 'a':
			cfg.allocators = dm_parse_names(cmd, "--allocators",
							optarg, libdma_lab_name,
							LIBDMA_LAB_NAME_ALLOCATOR,
							NULL);
			if (!cfg.allocators)
				return DM_EXIT_USAGE;
			break;
		case 'p':
			cfg.patterns = dm_parse_names(cmd, "--patterns", optarg,
						      libdma_lab_name,
						      LIBDMA_LAB_NAME_PATTERN,
						      NULL);
			if (!cfg.patterns)
				return DM_EXIT_USAGE;
			break;
		case 's':
			n = dm_parse_sizes(cmd, optarg, sizes, LIBDMA_LAB_MAX_SIZES);
			if (n < 0)
				return DM_EXIT_USAGE;
			cfg.sizes = sizes;
			cfg.nr_sizes = (uint32_t)n;
			break;
		case 'M':
			if (dm_parse_size(optarg, &v) || v < 4096)
				return dm_usage(cmd, "--max-access wants a size of "
						"at least 4K, not '%s'", optarg);
			cfg.max_access = v;
			break;
		case 'r':
			if (dm_parse_u64(optarg, &v) || v < 1 ||
			    v > LIBDMA_LAB_MAX_ITERATIONS)
				return dm_usage(cmd, "--repeat wants 1..%u, not '%s'",
						LIBDMA_LAB_MAX_ITERATIONS, optarg);
			cfg.iterations = (uint32_t)v;
			break;
		case 'l':
			cfg.label = optarg;
			break;
		case 'q':
			quiet = 1;
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
	cfg.progress = progress;
	cfg.progress_arg = &quiet;
	failed = libdma_lab_run(dev, &cfg, &res);
	if (failed < 0) {
		ret = dm_failed(cmd, failed);
		goto close;
	}
	for (i = 0; i < res->nr_cells; i++)
		mismatch += res->cells[i].status == LIBDMA_LAB_MISMATCH;
	ret = dm_output_result(cmd, &out, write_lab, res, failed, mismatch,
			       "where the bytes read did not check out");
	libdma_lab_result_free(res);
close:
	libdma_close(dev);
	return ret;
}

const struct dmactl_cmd dmactl_cmd_lab = {
	.name = "lab",
	.summary = "the contiguity lab: allocators, mappings, segments, in the kernel",
	.help =
"Usage: dmactl lab [DEV] [--experiments LIST] [--allocators LIST]\n"
"                  [--patterns LIST] [--sizes LIST] [--max-access SIZE]\n"
"                  [--repeat N] [--csv[=FILE]] [--json[=FILE]] [--label TEXT]\n"
"                  [--quiet]\n"
"       dmactl lab --native [--experiments LIST] [--sizes LIST]\n"
"                  [--max-size SIZE] [--repeat N] [--no-reserve]\n"
"                  [--csv[=FILE]] [--json[=FILE]] [--label TEXT] [--quiet]\n"
"\n"
"Is physically contiguous memory faster? The edudma driver measures inside\n"
"the kernel, on DEV's driver (root, and the module parameter lab=1):\n"
"\n"
"  alloc     allocate + free each size with kmalloc, alloc_pages,\n"
"            dma_alloc_coherent (dma_coherent) and vmalloc: time per pair\n"
"  access    the same physical pages read or written through the kernel's\n"
"            linear map (large pages) and through a vmap of those pages\n"
"            (4 KiB page-table entries): seq-read, seq-write, random-read\n"
"            (one word per page, pages in random order); time per pass. The\n"
"            two mappings must read the same bytes (checked: exit 1 if not)\n"
"  segments  a buffer from each allocator mapped for the device: pages,\n"
"            physically contiguous runs, DMA segments\n"
"\n"
"Default sweep: alloc 4K..4M for every allocator and vmalloc on to 64M;\n"
"access 64K..128M (at most a quarter of the free memory; --max-access);\n"
"segments 64K, 1M, 4M for every allocator and 16M for vmalloc. --sizes\n"
"replaces the sweep for every experiment chosen. A size an allocator cannot\n"
"give in one piece, or memory the machine does not have, is 'unavailable';\n"
"pages beyond the device's DMA mask are 'beyond the device's reach'.\n"
"Every output first says where it ran (QEMU or hardware, kernel, device,\n"
"clock source). Under QEMU's TCG the access times are QEMU's software MMU,\n"
"not the CPU's TLB; under -icount they count instructions (docs/lab.md in\n"
"the sources, man libdma_lab_run).\n"
"\n"
"With --native the same questions are measured on this machine's own CPU:\n"
"no device, no module, no QEMU (root for the physical runs and to reserve\n"
"hugetlb pages). Each buffer is backed by 4 KiB pages (MADV_NOHUGEPAGE), by\n"
"transparent huge pages (MADV_HUGEPAGE, proven in /proc/self/smaps) or by\n"
"hugetlb pages (root reserves a pool for the run and gives it back):\n"
"\n"
"  access      seq-read, seq-write (GB/s), random-read (dependent random\n"
"              64-byte reads, ns each; the same sequence on every backing,\n"
"              whose sums must agree)\n"
"  pin         io_uring buffer registration (pin_user_pages(FOLL_LONGTERM),\n"
"              as the driver pins) and mlock, and their undoing\n"
"  copy        memcpy of malloc'd memory, cache-warm and cache-cold\n"
"  touch       first-touch page faults per 4 KiB and per 2 MiB page\n"
"  contiguity  physically contiguous runs of a malloc'd and a THP buffer\n"
"              (/proc/self/pagemap)\n"
"\n"
"Default sweep 4K..1G by factors of 4 (--max-size; a cell may use a third of\n"
"MemAvailable). Then a reading: from what size pinning beats copying, what\n"
"4 KiB pages cost random reads against huge pages, whether sequential\n"
"access cares. A cell the machine cannot measure is 'unavailable' with the\n"
"reason (io_uring_disabled, RLIMIT_MEMLOCK and how much is needed, no\n"
"pool, not root). make lab runs this first, then the QEMU part.\n"
"\n"
"Options:\n"
"  -e, --experiments LIST  alloc, access, segments (default: all three);\n"
"                          --native: access, pin, copy, touch, contiguity\n"
"      --allocators LIST   kmalloc, alloc_pages, dma_coherent, vmalloc\n"
"      --patterns LIST     seq-read, seq-write, random-read\n"
"  -s, --sizes LIST        4K..4M (powers of two), 64K,1M, or both\n"
"      --max-access SIZE   largest size of the default access sweep\n"
"      --max-size SIZE     --native: largest size of the default sweep (1G)\n"
"  -r, --repeat N          timed iterations per cell, 1..101 (default 5)\n"
"      --no-reserve        --native: use the hugetlb pool as it is\n"
"      --csv[=FILE]        CSV (a row per cell): to FILE, or instead of the\n"
"                          table to stdout\n"
"      --json[=FILE]       JSON likewise\n"
"      --label TEXT        a note for the outputs (e.g. how QEMU was started)\n"
"  -q, --quiet             no progress on stderr\n"
"\n"
"Turning the lab on (it is off by default; root only):\n"
"  echo 1 | sudo tee /sys/module/edudma/parameters/lab\n"
"  (or load the module with lab=1)\n"
"\n"
"Examples:\n"
"  sudo dmactl lab\n"
"  sudo dmactl lab --experiments segments --sizes 64K,1M\n"
"  sudo dmactl lab -e access --max-access 1G --csv=lab.csv\n"
"  sudo dmactl lab --native\n"
"  dmactl lab --native -e pin,copy --sizes 4K..1M --json=native.json\n"
"  make lab             (--native here, then boots QEMU and runs the driver's\n"
"                       lab; results into out/)\n",
	.run = run_lab,
};
