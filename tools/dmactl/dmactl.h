/* SPDX-License-Identifier: MIT */
/*
 * dmactl - the command-line tool over libdma. Private to the tool.
 *
 *   main.c           the command table, global help, exit statuses
 *   util.c           argument parsing, number and time formatting, opening
 *                    a device, turning libdma errors into messages and exits
 *   cmd_device.c     list, info, version
 *   cmd_selftest.c   irq-test, factorial
 *   cmd_copy.c       copy
 *   cmd_dmabuf.c     dmabuf (export and import through dma-buf; vgem)
 *   cmd_bench.c      bench (libdma's throughput benchmark)
 *   cmd_lab.c        lab (libdma's contiguity lab)
 *   cmd_lab_native.c lab --native (the same questions on the host's CPU,
 *                    tools/native-lab/, no device)
 *   measure.c        what bench and lab share: name lists, progress, the
 *                    result writer (table, --csv, --json, files), exit status
 *   cmd_bind.c       bind (edudma <-> vfio-pci; the one command writing sysfs)
 *
 * A command is one struct dmactl_cmd and one line in main.c's table.
 * dmactl uses libdma's public API, never the driver's ioctls; sysfs is read
 * for the counters `info` shows, and `bind` reads drivers and IOMMU groups
 * through libdma's private libdma/pci_sysfs.h (dmactl links the static
 * library), the same code the VFIO backend explains its errors with.
 */
#ifndef DMACTL_H
#define DMACTL_H

#include <stdint.h>

#include <libdma.h>

/* Exit statuses: distinct, documented in `dmactl help`. */
enum {
	DM_EXIT_OK		= 0,
	DM_EXIT_VERIFY		= 1,	/* the device answered wrongly */
	DM_EXIT_USAGE		= 2,	/* bad command line */
	DM_EXIT_NODEV		= 3,	/* DEV not found or not openable */
	DM_EXIT_UNSUPPORTED	= 4,	/* the driver lacks the feature */
	DM_EXIT_FAILED		= 5,	/* the operation failed */
};

struct dmactl_cmd {
	const char *name;
	const char *summary;	/* one line for `dmactl help` */
	const char *help;	/* full text for `dmactl NAME --help` */
	/* argv[0] is "dmactl NAME" (for getopt's messages). */
	int (*run)(int argc, char **argv);
};

extern const struct dmactl_cmd dmactl_cmd_list;
extern const struct dmactl_cmd dmactl_cmd_info;
extern const struct dmactl_cmd dmactl_cmd_irq_test;
extern const struct dmactl_cmd dmactl_cmd_factorial;
extern const struct dmactl_cmd dmactl_cmd_copy;
extern const struct dmactl_cmd dmactl_cmd_dmabuf;
extern const struct dmactl_cmd dmactl_cmd_bench;
extern const struct dmactl_cmd dmactl_cmd_lab;
extern const struct dmactl_cmd dmactl_cmd_version;
extern const struct dmactl_cmd dmactl_cmd_bind;

/* cmd_bind.c: driver and IOMMU group of a PCI device (dmactl info, VFIO). */
void dm_print_pci_binding(const char *pci_address);

/* The device used when a command is given none. */
#define DM_DEFAULT_DEVICE	"0"

/* ---------------------------------------------------------------- util.c */

/* Print a command's help to stdout. */
void dm_print_help(const struct dmactl_cmd *cmd);

/* A bad command line: print "dmactl NAME: ..." and a hint; DM_EXIT_USAGE. */
int dm_usage(const struct dmactl_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Parse the options common to every command while the command's own
 * getopt loop runs: returns -1 to go on, or an exit status (help printed,
 * or a usage error).
 */
int dm_common_option(const struct dmactl_cmd *cmd, int opt);

/*
 * The positional arguments left after options: 'min'..'max' of them, the
 * first optional one being DEV when there are more than 'min'. Stores DEV
 * (or the default) and the first non-DEV argument index. -1 when the count
 * is fine, else a usage exit status.
 */
int dm_positionals(const struct dmactl_cmd *cmd, int argc, char **argv,
		   int first, int required, const char **spec, int *rest);

/* Strict unsigned number (decimal or 0x hex); 0 or -1. */
int dm_parse_u64(const char *s, uint64_t *out);
/* A byte count with an optional K, M or G suffix (powers of 1024; "KiB" too). */
int dm_parse_size(const char *s, uint64_t *out);
/*
 * A list of sizes for --sizes: "4K..4M" (every power of two from the
 * first to the last), "4K,64K,1M", or both. The count, or -1 after a
 * usage message.
 */
int dm_parse_sizes(const struct dmactl_cmd *cmd, const char *text,
		   uint64_t *sizes, unsigned int max);

/* Human forms, into 'buf' (at least 32 bytes), which is returned. */
const char *dm_fmt_ns(uint64_t ns, char *buf);
const char *dm_fmt_bytes(uint64_t bytes, char *buf);

const char *dm_irq_mode_name(int mode);
/* "edu", "edu-sg" (LIBDMA_ENGINE_*), "device" if unknown. */
const char *dm_engine_name(uint32_t engine);
/* Feature names ("pin", "copy"...) present in, or missing from, 'features'. */
void dm_print_features(uint64_t features);
/* Name of one LIBDMA_FEAT_* bit. */
const char *dm_feature_name(uint64_t bit);

/*
 * Open 'spec' with libdma_open(); on failure print why (libdma_errmsg())
 * and return DM_EXIT_NODEV.
 */
int dm_open(const struct dmactl_cmd *cmd, const char *spec,
	    struct libdma_device **devp);

/*
 * A libdma call failed with 'err': print "dmactl NAME: <libdma_errmsg()>"
 * and return the exit status for it (DM_EXIT_UNSUPPORTED for -EOPNOTSUPP,
 * else DM_EXIT_FAILED).
 */
int dm_failed(const struct dmactl_cmd *cmd, int err);

/* Fill / check a test pattern derived from 'seed' (xorshift32). */
void dm_fill(void *buf, size_t len, uint32_t seed);
/* Offset of the first wrong byte, or (size_t)-1; *nbad counts all wrong ones. */
size_t dm_check(const void *buf, size_t len, uint32_t seed, size_t *nbad);
/* The byte dm_fill() puts at 'offset'. */
uint8_t dm_pattern_at(size_t offset, uint32_t seed);

#endif /* DMACTL_H */
