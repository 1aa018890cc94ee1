// SPDX-License-Identifier: MIT
/*
 * The benchmark's user memory: the two areas a cell copies between, as an
 * application has them - heap memory, or for sg-hugepage whole transparent
 * huge pages (and proof from /proc/self/smaps that the kernel gave them).
 * Allocated and written once per cell, before its first repetition, so
 * that every repetition moves the same pages and no timed step includes
 * the page faults that first touch new memory.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "bench_internal.h"

#define HUGE_DEFAULT		(2UL << 20)

void libdma__bench_unavailable(struct libdma_bench_cell *cell,
			       const char *fmt, ...)
{
	va_list ap;

	cell->status = LIBDMA_BENCH_UNAVAILABLE;
	va_start(ap, fmt);
	vsnprintf(cell->note, sizeof(cell->note), fmt, ap);
	va_end(ap);
}

static size_t huge_page_size(void)
{
	char buf[64];
	unsigned long v;

	libdma__read_line("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size",
			  buf, sizeof(buf));
	v = strtoul(buf, NULL, 10);
	return v >= 4096 && !(v & (v - 1)) ? v : HUGE_DEFAULT;
}

/* AnonHugePages (kB) of the mapping holding 'addr' (/proc/self/smaps), or -1. */
static long long anon_huge_kb(const void *addr)
{
	uintptr_t lo, hi, a = (uintptr_t)addr;
	long long kb = -1;
	char line[256];
	int in = 0;
	FILE *f = fopen("/proc/self/smaps", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) {
			in = a >= lo && a < hi;
			continue;
		}
		if (in && !strncmp(line, "AnonHugePages:", 14)) {
			kb = strtoll(line + 14, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kb;
}

/*
 * A THP-backed area of at least 'size' bytes: whole huge pages, aligned to
 * one, asked for with MADV_HUGEPAGE and touched. 0, 1 when the kernel gave
 * no (or not only) huge pages - the cell is then unavailable, with a note -
 * or -ENOMEM.
 */
static int huge_area(struct libdma__bench_areas *a, int side, size_t size,
		     struct libdma_bench_cell *cell, unsigned char **out)
{
	size_t huge = huge_page_size();
	size_t len = (size + huge - 1) / huge * huge;
	unsigned char *map, *p;
	long long kb;
	char thp[128];

	map = mmap(NULL, len + huge, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		return libdma__fail(-ENOMEM, "bench: cannot map %zu bytes",
				    len + huge);
	a->map[side] = map;
	a->map_len[side] = len + huge;
	p = (unsigned char *)(((uintptr_t)map + huge - 1) & ~(uintptr_t)(huge - 1));
	if (madvise(p, len, MADV_HUGEPAGE)) {
		libdma__bench_unavailable(cell, "madvise(MADV_HUGEPAGE) refused: "
					  "this kernel has no transparent huge "
					  "pages");
		return 1;
	}
	memset(p, 0, len);	/* fault the huge pages in */
	kb = anon_huge_kb(p);
	if (kb < (long long)(len / 1024)) {
		libdma__read_line("/sys/kernel/mm/transparent_hugepage/enabled",
				  thp, sizeof(thp));
		libdma__bench_unavailable(cell, "no transparent huge pages (got "
					  "%lld of %zu kB; THP setting \"%s\"%s)",
					  kb < 0 ? 0 : kb, len / 1024,
					  thp[0] ? thp : "absent",
					  strstr(thp, "[never]") ? ": as root, "
					  "echo madvise > /sys/kernel/mm/"
					  "transparent_hugepage/enabled" : "");
		return 1;
	}
	*out = p;
	return 0;
}

int libdma__bench_areas_get(struct libdma__bench_areas *a, unsigned int mode,
			    size_t size, struct libdma_bench_cell *cell)
{
	int ret;

	if (mode == LIBDMA_BENCH_COHERENT)
		return 0;
	if (mode == LIBDMA_BENCH_SG_HUGEPAGE) {
		ret = huge_area(a, 0, size, cell, &a->src);
		if (!ret)
			ret = huge_area(a, 1, size, cell, &a->dst);
		return ret;
	}
	/* Ordinary heap memory, as an application has it. */
	a->src = malloc(size);
	a->dst = malloc(size);
	if (!a->src || !a->dst)
		return libdma__fail(-ENOMEM, "bench: out of memory for two "
				    "%zu-byte areas", size);
	memset(a->src, 0, size);
	memset(a->dst, 0, size);
	return 0;
}

void libdma__bench_areas_put(struct libdma__bench_areas *a)
{
	int i;

	for (i = 0; i < 2; i++)
		if (a->map[i])
			munmap(a->map[i], a->map_len[i]);
	if (!a->map[0])
		free(a->src);
	if (!a->map[1])
		free(a->dst);
	a->src = a->dst = NULL;
	a->map[0] = a->map[1] = NULL;
}
