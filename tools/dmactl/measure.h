/* SPDX-License-Identifier: MIT */
/*
 * dmactl - what the front ends of libdma's two measurements, `dmactl bench`
 * (cmd_bench.c) and `dmactl lab` (cmd_lab.c), share (measure.c): their
 * lists of names on the command line, the progress counter, and the
 * result writer - the --csv[=FILE] and --json[=FILE] options, the format
 * on stdout, the output files, and the exit status of a run with failed
 * cells. Private to the tool.
 */
#ifndef DMACTL_MEASURE_H
#define DMACTL_MEASURE_H

#include <stdio.h>

#include "dmactl.h"

/*
 * A comma-separated list of names into a mask of 1 << value. name(kind, v)
 * names value v (NULL past the last one), like libdma_lab_name(); 'all',
 * if not NULL, stands for every value. 0 after a usage message
 * "OPTION: 'x' is none of a, b, c[, all]".
 */
uint32_t dm_parse_names(const struct dmactl_cmd *cmd, const char *option,
			const char *text,
			const char *(*name)(unsigned int kind, unsigned int v),
			unsigned int kind, const char *all);

/*
 * The start of a progress line on stderr for cell 'index' (0-based) of
 * 'nr': "dmactl NAME: [ 3/40] ".
 */
void dm_progress_count(const struct dmactl_cmd *cmd, unsigned int index,
		       unsigned int nr);

/* Where a result goes: the table or --csv / --json on stdout, and files. */
struct dm_outputs {
	unsigned int format;		/* on stdout: LIBDMA_BENCH_TABLE ... */
	int csv_out, json_out;		/* --csv, --json: instead of the table */
	const char *csv_file;		/* --csv=FILE */
	const char *json_file;		/* --json=FILE */
};

/* The getopt_long entries of the two options. */
#define DM_OUTPUT_OPTIONS					\
	{ "csv", optional_argument, NULL, 'c' },		\
	{ "json", optional_argument, NULL, 'j' }

/*
 * Take option 'opt' of the command's getopt_long loop if it is one of
 * DM_OUTPUT_OPTIONS ('c', 'j'): 1 if it was, else 0.
 */
int dm_output_option(struct dm_outputs *o, int opt, const char *arg);

/*
 * After the options: the format on stdout into o->format. -1 to go on, or
 * a usage exit status when --csv and --json both want stdout.
 */
int dm_output_format(const struct dmactl_cmd *cmd, struct dm_outputs *o);

/* Writes a result, like libdma_bench_write() and libdma_lab_write(). */
typedef int dm_write_fn(const void *result, unsigned int format, FILE *out);

/*
 * The end of a run that gave a result: write it in o->format to stdout,
 * then as CSV and JSON into the files asked for (the first failure stops,
 * with a message). 'failed' cells (the run's return value), 'mismatch'
 * of them with wrong data, are then reported on stderr ("N cells failed
 * (M <mismatch_what>)"). The exit status: DM_EXIT_VERIFY when data was
 * wrong, DM_EXIT_FAILED when cells or writing failed, else DM_EXIT_OK.
 */
int dm_output_result(const struct dmactl_cmd *cmd, const struct dm_outputs *o,
		     dm_write_fn *write, const void *result, int failed,
		     unsigned int mismatch, const char *mismatch_what);

/*
 * cmd_lab_native.c: `dmactl lab --native`, the lab on the host's CPU with
 * no device (tools/native-lab/); run_lab() hands it the command line.
 */
int dm_lab_native(int argc, char **argv);

#endif /* DMACTL_MEASURE_H */
