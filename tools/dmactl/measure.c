// SPDX-License-Identifier: MIT
/*
 * What `dmactl bench` and `dmactl lab` share (measure.h): lists of names
 * (modes, experiments, allocators, patterns), the progress counter and
 * the result writer - the output formats and files, and the exit status
 * of a run. The outputs themselves are libdma's (libdma_bench_write(),
 * libdma_lab_write()).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "measure.h"

uint32_t dm_parse_names(const struct dmactl_cmd *cmd, const char *option,
			const char *text,
			const char *(*name)(unsigned int kind, unsigned int v),
			unsigned int kind, const char *all)
{
	char *copy = strdup(text), *item, *save = NULL, known[128] = "";
	uint32_t mask = 0, every = 0;
	unsigned int v;
	const char *n;

	if (!copy)
		return 0;
	for (v = 0; (n = name(kind, v)); v++) {
		snprintf(known + strlen(known), sizeof(known) - strlen(known),
			 "%s%s", v ? ", " : "", n);
		every |= 1U << v;
	}
	if (all)
		snprintf(known + strlen(known), sizeof(known) - strlen(known),
			 ", %s", all);
	for (item = strtok_r(copy, ",", &save); item;
	     item = strtok_r(NULL, ",", &save)) {
		if (all && !strcmp(item, all)) {
			mask |= every;
			continue;
		}
		for (v = 0; (n = name(kind, v)) && strcmp(item, n); v++)
			;
		if (!n) {
			dm_usage(cmd, "%s: '%s' is none of %s", option, item, known);
			mask = 0;
			break;
		}
		mask |= 1U << v;
	}
	free(copy);
	return mask;
}

void dm_progress_count(const struct dmactl_cmd *cmd, unsigned int index,
		       unsigned int nr)
{
	fprintf(stderr, "dmactl %s: [%*u/%u] ", cmd->name, nr >= 100 ? 3 : 2,
		index + 1, nr);
}

int dm_output_option(struct dm_outputs *o, int opt, const char *arg)
{
	switch (opt) {
	case 'c':
		if (arg)
			o->csv_file = arg;
		else
			o->csv_out = 1;
		return 1;
	case 'j':
		if (arg)
			o->json_file = arg;
		else
			o->json_out = 1;
		return 1;
	default:
		return 0;
	}
}

int dm_output_format(const struct dmactl_cmd *cmd, struct dm_outputs *o)
{
	if (o->csv_out && o->json_out)
		return dm_usage(cmd, "--csv and --json both want stdout: give one "
				"of them a file (--json=FILE)");
	o->format = o->json_out ? LIBDMA_BENCH_JSON :
		    o->csv_out ? LIBDMA_BENCH_CSV : LIBDMA_BENCH_TABLE;
	return -1;
}

/* Write the result in 'format' to 'path' (NULL: stdout). An exit status. */
static int write_to(const struct dmactl_cmd *cmd, dm_write_fn *write,
		    const void *result, unsigned int format, const char *path)
{
	FILE *f = path ? fopen(path, "we") : stdout;
	int err;

	if (!f) {
		fprintf(stderr, "dmactl %s: cannot create %s: %s\n", cmd->name,
			path, strerror(errno));
		return DM_EXIT_FAILED;
	}
	err = write(result, format, f);
	if (path && fclose(f) && !err)
		err = -EIO;
	if (err) {
		fprintf(stderr, "dmactl %s: writing %s: %s\n", cmd->name,
			path ? path : "the output", libdma_errmsg());
		return DM_EXIT_FAILED;
	}
	return DM_EXIT_OK;
}

int dm_output_result(const struct dmactl_cmd *cmd, const struct dm_outputs *o,
		     dm_write_fn *write, const void *result, int failed,
		     unsigned int mismatch, const char *mismatch_what)
{
	int ret = write_to(cmd, write, result, o->format, NULL);

	if (!ret && o->csv_file)
		ret = write_to(cmd, write, result, LIBDMA_BENCH_CSV, o->csv_file);
	if (!ret && o->json_file)
		ret = write_to(cmd, write, result, LIBDMA_BENCH_JSON, o->json_file);
	if (failed) {
		fprintf(stderr, "dmactl %s: %d cell%s failed (%u %s): no figures "
			"for %s\n", cmd->name, failed, failed == 1 ? "" : "s",
			mismatch, mismatch_what, failed == 1 ? "it" : "them");
		ret = mismatch ? DM_EXIT_VERIFY : DM_EXIT_FAILED;
	}
	return ret;
}
