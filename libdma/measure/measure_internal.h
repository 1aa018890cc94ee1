/* SPDX-License-Identifier: MIT */
/*
 * libdma/measure - the throughput benchmark (API 1.2) and the contiguity
 * lab (API 1.3): clients of the core, one library with it. They use the
 * public calls (include/libdma.h) and, of the core's internals
 * (libdma_internal.h), only
 *
 *   LIBDMA_EXPORT, LIBDMA_KEEP_ERRNO  their public functions, made like the
 *                           core's (exported; errno left alone)
 *   libdma__fail()          their own errors, for libdma_errmsg()
 *   libdma__device_check()  a handle refused with the message every call
 *                           gives (-EBADF)
 *   libdma__device_require()  the benchmark's need of LIBDMA_FEAT_COPY,
 *                           refused like a copy is
 *   libdma_device.info      the benchmark: backend and node as opened, to
 *                           tell a VFIO device without asking the device
 *   libdma__lab_cell()      the lab: the backend's one lab operation, which
 *                           has no public call of its own
 *
 * The files, each using only those above it in this list:
 *
 *   pattern.c        the bytes a measurement must find: the benchmark's
 *                    test pattern, the checksum of the lab driver's words
 *   writer.c         the output writer: CSV and JSON escaping, human sizes,
 *                    times and rates, the format dispatch (this header)
 *   env.c            where a run takes place, and its lines in the three
 *                    outputs (this header)
 *   run.c            what both runs check first (this header)
 *   bench_areas.c    the benchmark's user memory         (bench_internal.h)
 *   bench.c          running the benchmark               (bench_internal.h)
 *   lab.c            running the lab                     (lab_internal.h)
 *   bench_format.c   the benchmark's reading and outputs (bench_internal.h)
 *   lab_format.c     the lab's reading and outputs       (lab_internal.h)
 *
 * The host tests (tests/host/test_libdma_bench.c, test_libdma_lab.c) poke
 * at these too.
 */
#ifndef LIBDMA_MEASURE_INTERNAL_H
#define LIBDMA_MEASURE_INTERNAL_H

#include <stdio.h>

#include "../libdma_internal.h"
#include "../pci_sysfs.h"

/* ------------------------------------------------------------ pattern.c */

/*
 * The benchmark's test pattern: 64-bit xorshift* words from 'seed', so a
 * stale, shifted or half-done copy never matches by chance. check returns
 * the offset of the first wrong byte, or (size_t)-1; *nbad counts the
 * wrong bytes.
 */
void libdma__pattern_fill(void *buf, size_t len, uint64_t seed);
size_t libdma__pattern_check(const void *buf, size_t len, uint64_t seed,
			     size_t *nbad);
/* The byte the pattern has at 'offset'. */
uint8_t libdma__pattern_at(size_t offset, uint64_t seed);

/*
 * What the driver writes into the pages of the lab's access experiment
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

/* ------------------------------------------------------------- writer.c */

/* A field for CSV (RFC 4180: quoted when it holds , " CR or LF). */
void libdma__csv_field(FILE *out, const char *s);
/* A '#' line of a CSV: "# key: value". */
void libdma__csv_comment(FILE *out, const char *key, const char *value);
/* A JSON string, quoted and escaped (", \, control characters). */
void libdma__json_string(FILE *out, const char *s);
/* indent "key": "value", then "," (if 'comma') and a newline. */
void libdma__json_kv_string(FILE *out, const char *indent, const char *key,
			    const char *value, int comma);

/* "4 KiB", "12345 B", "1.5 MiB" into buf (>= 32 bytes). */
const char *libdma__fmt_size(uint64_t bytes, char *buf);
/* "812 ns", "3.4 us", "12.50 ms", "2.10 s" into buf (>= 32 bytes). */
const char *libdma__fmt_ns(double ns, char *buf);
/* "1.50 GiB/s", "20.02 KiB/s" into buf (>= 32 bytes). */
const char *libdma__fmt_rate(double bps, char *buf);

/*
 * Add 's' to the distinct sizes[0..n-1], kept ascending, unless it is
 * there or 'max' are. The new count.
 */
unsigned int libdma__sizes_add(uint64_t *sizes, unsigned int n,
			       unsigned int max, uint64_t s);

/* How a result is written in each format (LIBDMA_BENCH_TABLE, CSV, JSON). */
struct libdma__writer {
	const char *what;		/* "bench", "lab": for the messages */
	void (*table)(const void *result, FILE *out);
	void (*csv)(const void *result, FILE *out);
	void (*json)(const void *result, FILE *out);
};

/*
 * libdma_bench_write() and libdma_lab_write(): 'result' in 'format' to
 * 'out', flushed. 0, -EINVAL (NULL, unknown format) or -EIO, with the
 * message.
 */
int libdma__write(const struct libdma__writer *w, const void *result,
		  unsigned int format, FILE *out);

/* ---------------------------------------------------------------- env.c */

/*
 * Where a run takes place: platform (QEMU TCG / KVM, virtual machine,
 * hardware), machine, CPU, kernel, clock source, THP, date, libdma
 * version, the device's info (libdma_get_info), 'label'; cmd_ns and
 * vfio_node are left 0 / "".
 */
void libdma__env_get(struct libdma_device *dev, const char *label,
		     struct libdma_bench_env *env);
/*
 * The same without a device (info left zero): for measurements of the
 * host alone, the native lab (tools/native-lab/), which prints the _host
 * lines below and its own instead of the device's.
 */
void libdma__env_host_get(const char *label, struct libdma_bench_env *env);
/* Its lines in the table: where, kernel, device; _host: where, kernel. */
void libdma__env_table(const struct libdma_bench_env *e, FILE *out);
void libdma__env_table_host(const struct libdma_bench_env *e, FILE *out);
/* Its '#' lines in a CSV: platform ... device; _host: platform ... thp. */
void libdma__env_csv(const struct libdma_bench_env *e, FILE *out);
void libdma__env_csv_host(const struct libdma_bench_env *e, FILE *out);
/* The environment object's first keys in JSON: platform ... page_size. */
void libdma__env_json_head(const struct libdma_bench_env *e, FILE *out);
/* "device": {...}, inside the environment object, with a trailing comma. */
void libdma__env_json_device(const struct libdma_info *i, FILE *out);

/* (reading one-line files: libdma__read_line() of libdma/pci_sysfs.h) */

/* ---------------------------------------------------------------- run.c */

/*
 * The start of libdma_bench_run() and libdma_lab_run(): "<what>: resultp
 * is NULL" unless 'have_result', then 'dev' an open handle. 0 or -errno
 * with the message.
 */
int libdma__run_check(const char *what, struct libdma_device *dev,
		      int have_result);

/*
 * A config's list of sizes: 1..max_nr of them, each 1..max_size bytes;
 * "<what>: size N is not a size to <use>" otherwise. NULL 'sizes' (the
 * default sweep) is fine. 0 or -EINVAL with the message.
 */
int libdma__check_sizes(const char *what, const uint64_t *sizes, uint32_t nr,
			uint32_t max_nr, uint64_t max_size, const char *use);

#endif /* LIBDMA_MEASURE_INTERNAL_H */
