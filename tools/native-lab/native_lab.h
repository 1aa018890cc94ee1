/* SPDX-License-Identifier: MIT */
/*
 * The native part of the contiguity lab (`dmactl lab --native`,
 * docs/lab.md): the lab's questions - is contiguous memory faster, what
 * do pinning and copying cost - measured on the host's own CPU, with no
 * device, no module and no QEMU. Private to dmactl and the host tests
 * (a static part of the build, not libdma's ABI: none of it needs a
 * device). It reuses libdma's measure layer for where a run took place
 * (env.c) and the CSV/JSON escaping and human forms (writer.c).
 *
 *   mem.c       memory of each backing (4 KiB pages, THP, hugetlb, malloc),
 *               the proofs of huge pages (/proc/self/smaps), /proc parsers
 *   host.c      the host: caches, limits, load, the hugetlb pool reserved
 *               for a run and given back
 *   access.c    sequential read and write, dependent random 64-byte reads
 *   pin.c       long-term pins through io_uring buffer registration, mlock
 *   copy.c      memcpy warm and cold, first touch
 *   pagemap.c   physical runs of a buffer (/proc/self/pagemap, root)
 *   run.c       the sweep: cells, repetitions, medians
 *   reading.c   what the figures say (crossover, TLB penalty, sequential)
 *   format.c    table, CSV, JSON
 */
#ifndef NATIVE_LAB_H
#define NATIVE_LAB_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <libdma.h>

/* What is measured: one experiment per kind of figure. */
enum nl_experiment {
	NL_SEQ_READ,		/* ns per pass over the buffer, summing words */
	NL_SEQ_WRITE,		/* ns per pass storing words */
	NL_RANDOM_READ,		/* ns per dependent random 64-byte read */
	NL_PIN,			/* io_uring buffer registration (long-term pin) */
	NL_MLOCK,		/* mlock() of touched memory */
	NL_COPY_WARM,		/* memcpy, source and destination cached */
	NL_COPY_COLD,		/* memcpy after flushing both from the caches */
	NL_FIRST_TOUCH,		/* faulting fresh memory in, one write per page */
	NL_RUNS,		/* physically contiguous runs (pagemap) */
	NL_NR_EXPERIMENTS
};

/* What backs the buffer. */
enum nl_backing {
	NL_4K,			/* anonymous mmap, MADV_NOHUGEPAGE */
	NL_THP,			/* anonymous mmap, 2 MiB aligned, MADV_HUGEPAGE */
	NL_HUGETLB,		/* MAP_HUGETLB from the hugetlb pool */
	NL_MALLOC,		/* malloc(): what a program's heap gives */
	NL_NR_BACKINGS
};

/* Groups of experiments for --experiments. */
enum nl_group {
	NL_G_ACCESS,		/* seq-read, seq-write, random-read */
	NL_G_PIN,		/* pin, mlock */
	NL_G_COPY,		/* copy-warm, copy-cold */
	NL_G_TOUCH,		/* first-touch */
	NL_G_CONTIGUITY,	/* runs */
	NL_NR_GROUPS
};

enum nl_status {
	NL_OK,
	NL_UNAVAILABLE,		/* the machine cannot: note says why */
	NL_FAILED,		/* it went wrong: note says how */
};

#define NL_MAX_SIZES		32
#define NL_MAX_REPEAT		101
#define NL_DEFAULT_REPEAT	5
#define NL_HUGE			(2u << 20)	/* the huge page of THP and hugetlb */
#define NL_LINE			64		/* a random read's bytes */
#define NL_NOTE			200

struct nl_cell {
	uint32_t experiment, backing, status;
	uint64_t size;			/* bytes the operation covers */
	/*
	 * One sample times one operation: a pass (seq-*), one read
	 * (random-read: a sample's time / its reads), a registration or
	 * mlock, a copy, faulting the whole buffer in. ns of the median,
	 * fastest and slowest sample.
	 */
	double ns_median, ns_min, ns_max;
	/* pin, mlock: the undo (unregister, munlock), median */
	double undo_ns_median;
	uint64_t bytes;			/* bytes moved per operation (GB/s) */
	uint64_t pages;			/* 4 KiB pages the buffer spans */
	uint64_t huge_pages;		/* 2 MiB pages it spans (huge backings) */
	uint64_t huge_bytes;		/* proven huge: AnonHugePages / hugetlb */
	uint64_t checksum;		/* reads: the sum, same for every backing */
	uint64_t runs, largest_run;	/* NL_RUNS: physical runs, in pages */
	uint32_t samples;
	char note[NL_NOTE];
};

/* The hugetlb pool as the run found it and what it did. */
struct nl_pool {
	uint64_t page_size;		/* the default hugetlb page (Hugepagesize) */
	uint64_t total_before, free_before;
	uint64_t reserved;		/* pages added for the run, given back after */
	uint64_t free;			/* free pages during the run */
	int given_back;			/* the reservation was undone */
	char note[NL_NOTE];		/* why there is none, or what was done */
};

/* Where the run took place, beyond libdma's env: pages, caches, load. */
struct nl_host {
	struct libdma_bench_env env;	/* platform, cpu, kernel, thp, date... */
	char thp_defrag[32];
	uint64_t thp_size;		/* hpage_pmd_size, 0 if no THP */
	uint64_t llc_bytes;		/* the last level cache, 0 if unknown */
	char llc_name[16];		/* "L3" */
	uint64_t mem_available;		/* MemAvailable at the start */
	int root;			/* euid 0: pagemap frames, pool reserve */
	int io_uring_disabled;		/* kernel.io_uring_disabled, -1 unknown */
	uint64_t memlock_limit;		/* RLIMIT_MEMLOCK (UINT64_MAX: none) */
	int ipc_lock;			/* CAP_IPC_LOCK: memlock does not apply */
	char hypervisor[16];		/* CPUID's vendor: "KVMKVMKVM", "" none */
	char loadavg_start[64], loadavg_end[64];
	struct nl_pool pool;
};

struct nl_config {
	uint32_t groups;		/* 1 << enum nl_group; 0: all */
	const uint64_t *sizes;		/* NULL: the default sweep */
	uint32_t nr_sizes;
	uint64_t max_size;		/* of the default sweep; 0: 1 GiB */
	uint32_t repeat;		/* samples per cell; 0: default */
	int reserve_pool;		/* root may reserve hugetlb pages: 1 */
	const char *label;
	/* progress: called after each cell */
	void (*progress)(const struct nl_cell *c, unsigned int index,
			 unsigned int nr, void *arg);
	void *progress_arg;
};

struct nl_result {
	struct nl_host host;
	uint32_t repeat;
	uint32_t nr_cells, nr_failed;
	struct nl_cell *cells;
};

/* ------------------------------------------------------------- names */

const char *nl_experiment_name(unsigned int e);	/* "seq-read" ... */
const char *nl_backing_name(unsigned int b);	/* "4k" ... */
const char *nl_group_name(unsigned int g);	/* "access" ... */
const char *nl_status_name(unsigned int s);	/* "ok" ... */
unsigned int nl_group_of(unsigned int experiment);

/* ---------------------------------------------------------- run.c */

/* The default sweep: 4 KiB to max (1 GiB) by factors of 4. The count. */
unsigned int nl_default_sizes(uint64_t max, uint64_t *sizes);
/*
 * Run the sweep. 0 with *resultp, or -errno (ENOMEM) without. The
 * number of failed cells is in the result.
 */
int nl_run(const struct nl_config *cfg, struct nl_result **resultp);
void nl_result_free(struct nl_result *r);
/* The median of n samples (sorted in place). */
double nl_median(double *v, unsigned int n);
/* The cell of that experiment, backing and size, or NULL. */
const struct nl_cell *nl_find(const struct nl_result *r, unsigned int e,
			      unsigned int b, uint64_t size);

/* ------------------------------------------------- mem.c, host.c */

/* A buffer of one backing: what was mapped, and the bytes in use. */
struct nl_buf {
	unsigned int backing;
	uint8_t *p;			/* the first byte in use */
	size_t size;			/* in use */
	void *map;			/* what to munmap / free */
	size_t map_len;
};

/*
 * Get 'size' bytes of 'backing' (huge backings round up to whole huge
 * pages, 'size' of them in use), untouched. 0, or -errno with 'note'
 * saying why in words (NL_NOTE bytes).
 */
int nl_buf_get(unsigned int backing, size_t size, const struct nl_host *h,
	       struct nl_buf *b, char *note);
void nl_buf_put(struct nl_buf *b);
/* Write one byte in every 4 KiB page: fault it all in. */
void nl_buf_touch(struct nl_buf *b);
/*
 * After touching: the bytes of the buffer's mapping that are huge pages
 * (THP: AnonHugePages of its VMA in /proc/self/smaps; hugetlb: all of it;
 * else 0).
 */
uint64_t nl_buf_huge_bytes(const struct nl_buf *b);

/*
 * A "Key:  N kB" field (AnonHugePages, KernelPageSize...) of the VMA
 * holding 'addr' in smaps text, in bytes. 0, or -ENOENT (no such VMA or
 * field).
 */
int nl_smaps_field(const char *smaps, uintptr_t addr, const char *key,
		   uint64_t *out);
/* "Key:   123 kB" of /proc/meminfo text, in bytes (or the bare number). */
int nl_meminfo_value(const char *meminfo, const char *key, uint64_t *out);
/* A whole small file into a malloc'd string (NULL on error). */
char *nl_read_file(const char *path);

/* The host: env, pages, caches, limits, load average (host.c). */
void nl_host_get(const char *label, struct nl_host *h);
/* "0.52 0.40 0.33": the three averages of /proc/loadavg. */
void nl_loadavg(char *buf, size_t len);
/*
 * Make the pool hold 'pages' free huge pages for the run if it can
 * (root, reserve), recording what was done in h->pool; nl_pool_release()
 * gives them back (also on SIGINT/SIGTERM).
 */
void nl_pool_prepare(struct nl_host *h, uint64_t pages, int reserve);
void nl_pool_release(struct nl_host *h);

/* ---------------------------------------------------------- access.c */

/* CLOCK_MONOTONIC in ns. */
uint64_t nl_now(void);

/* Time 'passes' passes (ns, all); *sum gets what a read pass saw. */
uint64_t nl_seq_write(uint8_t *p, size_t size, uint64_t passes);
uint64_t nl_seq_read(const uint8_t *p, size_t size, uint64_t passes,
		     uint64_t *sum);
/*
 * Lay the dependent chain into the buffer: line i's first word holds the
 * byte offset of the next line of a random cycle through every line
 * (Sattolo's algorithm, fixed seed: the same cycle for every backing).
 * -ENOMEM if the index can't be built.
 */
int nl_chain_build(uint8_t *p, size_t size);
/* Follow the chain for 'reads' steps from line 0: ns; *sum the offsets. */
uint64_t nl_chain_walk(const uint8_t *p, uint64_t reads, uint64_t *sum);

/* ---------------------------------------------------------- pin.c */

/*
 * Why io_uring registration cannot run here (the note), or 0: setup
 * refused, io_uring_disabled, or RLIMIT_MEMLOCK smaller than 'size'.
 */
int nl_pin_unavailable(const struct nl_host *h, uint64_t size, char *note);
/* The same for mlock of 'size'. */
int nl_mlock_unavailable(const struct nl_host *h, uint64_t size, char *note);
/* Register / unregister the buffer once: ns of each, or -errno. */
int nl_pin_once(const struct nl_buf *b, double *pin_ns, double *unpin_ns,
		char *note);
int nl_mlock_once(const struct nl_buf *b, double *lock_ns, double *unlock_ns,
		  char *note);
/* What io_uring_disabled's value means for an unprivileged process. */
const char *nl_io_uring_disabled_text(int v);

/* ---------------------------------------------------------- copy.c */

/*
 * Copy 'copies' times: ns, all of them. cold: flush both ranges from every
 * cache before each copy (outside the time).
 */
uint64_t nl_copy(uint8_t *dst, const uint8_t *src, size_t size,
		 uint64_t copies, int cold);
/* Whether copy-cold can flush caches here (clflush on x86-64). */
int nl_can_flush(void);

/* ---------------------------------------------------------- pagemap.c */

/*
 * Physical runs of the buffer's 4 KiB pages (touched): *runs, and the
 * largest in pages. 0, or -errno with the note (frames hidden: not root).
 */
int nl_phys_runs(const void *p, size_t size, uint64_t *runs, uint64_t *largest,
		 char *note);
/* Count runs in an array of page frame numbers (0: not present). */
void nl_count_runs(const uint64_t *pfn, uint64_t n, uint64_t *runs,
		   uint64_t *largest);

/* ---------------------------------------------------------- reading.c */

/* A ratio across sizes: first/last, smallest/largest. */
struct nl_span {
	unsigned int nr;
	uint64_t size_min, size_max;
	double min, max;
};

struct nl_reading {
	/*
	 * Pin (register + unregister, 4 KiB pages) against one memcpy: the
	 * smallest size from which pinning is cheaper at that and every
	 * larger size measured (0: never), and the size below it (0: it was
	 * cheaper from the first size).
	 */
	uint64_t cross_cold, cross_cold_below;
	uint64_t cross_warm, cross_warm_below;
	int have_cold, have_warm;
	/* pin ns per 4 KiB page at the largest size, 4k / thp / hugetlb */
	double pin_page_ns[NL_NR_BACKINGS];
	uint64_t pin_page_size[NL_NR_BACKINGS];
	/* random-read: 4k / thp and 4k / hugetlb per size */
	struct nl_span tlb_thp, tlb_hugetlb;
	double rnd_4k_at_max, rnd_thp_at_max;
	uint64_t rnd_max_size;
	/* seq-read and seq-write: 4k time / thp time */
	struct nl_span seq_read, seq_write;
	/* first touch: ns per 4 KiB page (4k), per 2 MiB page (thp) */
	double touch_4k_page, touch_thp_huge;
	/* seq: 4k / thp time at the largest size both have */
	double seq_read_at_max, seq_write_at_max;
	uint64_t seq_max_size;
	/* cells without figures */
	unsigned int nr_unavailable, nr_failed;
	/* checksums of reads agree across backings (pairs compared) */
	unsigned int nr_sums_compared, nr_sums_differ;
};

void nl_read(const struct nl_result *r, struct nl_reading *rd);

/* ---------------------------------------------------------- format.c */

/*
 * The result in 'format' (libdma's LIBDMA_BENCH_TABLE, _CSV, _JSON) to
 * 'out', flushed: 0, -EINVAL or -EIO (libdma_errmsg() says which).
 */
int nl_write(const struct nl_result *r, unsigned int format, FILE *out);

#endif /* NATIVE_LAB_H */
