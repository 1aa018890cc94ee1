// SPDX-License-Identifier: MIT
/*
 * dmactl lab --native: the contiguity lab's questions measured on the
 * host's own CPU, with no device, no module and no QEMU
 * (tools/native-lab/, docs/lab.md): access through 4 KiB, THP and hugetlb
 * pages, long-term pinning and mlock, memcpy warm and cold, first-touch
 * faults, physical runs of heap memory. `dmactl lab` hands its command
 * line here when it holds --native; the output files and exit status are
 * the bench's and the lab's (measure.c).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "measure.h"
#include "../native-lab/native_lab.h"

static const struct dmactl_cmd *const cmd = &dmactl_cmd_lab;

static int write_native(const void *result, unsigned int format, FILE *out)
{
	return nl_write(result, format, out);
}

/* nl_group_name() for dm_parse_names(). */
static const char *group_name(unsigned int kind, unsigned int v)
{
	(void)kind;
	return nl_group_name(v);
}

static void progress(const struct nl_cell *c, unsigned int index,
		     unsigned int nr, void *arg)
{
	char what[64], b[32];
	int *quiet = arg;

	if (*quiet)
		return;
	if (index == 0)
		fprintf(stderr, "dmactl lab: native, %u cells\n", nr);
	snprintf(what, sizeof(what), "%s %s %s", nl_experiment_name(c->experiment),
		 nl_backing_name(c->backing), dm_fmt_bytes(c->size, b));
	dm_progress_count(cmd, index, nr);
	fprintf(stderr, "%-30s ", what);
	if (c->status != NL_OK)
		fprintf(stderr, "%s: %s\n", nl_status_name(c->status), c->note);
	else if (c->experiment == NL_RUNS)
		fprintf(stderr, "%llu pages in %llu runs\n",
			(unsigned long long)c->pages, (unsigned long long)c->runs);
	else if (c->experiment == NL_RANDOM_READ)
		fprintf(stderr, "%.1f ns per read\n", c->ns_median);
	else
		fprintf(stderr, "%s\n", dm_fmt_ns((uint64_t)c->ns_median, b));
}

int dm_lab_native(int argc, char **argv)
{
	static const struct option options[] = {
		{ "native", no_argument, NULL, 'N' },
		{ "experiments", required_argument, NULL, 'e' },
		{ "sizes", required_argument, NULL, 's' },
		{ "max-size", required_argument, NULL, 'M' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "no-reserve", no_argument, NULL, 'R' },
		DM_OUTPUT_OPTIONS,
		{ "label", required_argument, NULL, 'l' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t sizes[NL_MAX_SIZES], v;
	struct nl_config cfg = { .reserve_pool = 1 };
	struct nl_result *res = NULL;
	struct dm_outputs out = { 0 };
	int opt, ret, n, quiet = 0;

	while ((opt = getopt_long(argc, argv, "e:s:r:qh", options, NULL)) != -1) {
		if (dm_output_option(&out, opt, optarg))
			continue;
		switch (opt) {
		case 'N':
			break;
		case 'e':
			cfg.groups = dm_parse_names(cmd, "--experiments", optarg,
						    group_name, 0, NULL);
			if (!cfg.groups)
				return DM_EXIT_USAGE;
			break;
		case 's':
			n = dm_parse_sizes(cmd, optarg, sizes, NL_MAX_SIZES);
			if (n < 0)
				return DM_EXIT_USAGE;
			for (int i = 0; i < n; i++)
				if (sizes[i] < 4096 || sizes[i] % 4096)
					return dm_usage(cmd, "--sizes: the native lab "
							"wants whole 4 KiB pages, "
							"not %llu bytes",
							(unsigned long long)sizes[i]);
			cfg.sizes = sizes;
			cfg.nr_sizes = (uint32_t)n;
			break;
		case 'M':
			if (dm_parse_size(optarg, &v) || v < 4096)
				return dm_usage(cmd, "--max-size wants a size of at "
						"least 4K, not '%s'", optarg);
			cfg.max_size = v;
			break;
		case 'r':
			if (dm_parse_u64(optarg, &v) || v < 1 || v > NL_MAX_REPEAT)
				return dm_usage(cmd, "--repeat wants 1..%u, not '%s'",
						NL_MAX_REPEAT, optarg);
			cfg.repeat = (uint32_t)v;
			break;
		case 'R':
			cfg.reserve_pool = 0;
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
	if (optind < argc)
		return dm_usage(cmd, "--native measures this machine and takes no "
				"device, not '%s'", argv[optind]);
	cfg.progress = progress;
	cfg.progress_arg = &quiet;
	ret = nl_run(&cfg, &res);
	if (ret < 0)
		return dm_failed(cmd, ret);
	ret = dm_output_result(cmd, &out, write_native, res, (int)res->nr_failed,
			       0, "with wrong data");
	nl_result_free(res);
	return ret;
}
