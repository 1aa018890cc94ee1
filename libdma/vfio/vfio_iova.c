// SPDX-License-Identifier: MIT
/*
 * The VFIO backend's IOVA allocator: which IO virtual addresses the device
 * is given for each mapping. With an IOMMU the library, not the kernel,
 * chooses them, so it can keep every one below the device's DMA mask (the
 * edu truncates higher addresses silently) and outside the IOMMU's
 * reserved ranges (the MSI window on x86).
 *
 * First fit over a sorted free list: mappings are few and long-lived
 * (buffers, registrations) or short and last-in-first-out (one-shot
 * regions), so the list stays short. Pure code, tested on the build host.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vfio_internal.h"

static int grow(struct libdma__iova_space *s)
{
	size_t cap = s->cap ? 2 * s->cap : 8;
	struct libdma__iova_range *r;

	if (s->nfree < s->cap)
		return 0;
	r = realloc(s->free, cap * sizeof(*r));
	if (!r)
		return -ENOMEM;
	s->free = r;
	s->cap = cap;
	return 0;
}

/* Insert [start, start + len) into the free list, merging with neighbours. */
static int insert(struct libdma__iova_space *s, uint64_t start, uint64_t len)
{
	size_t i = 0;
	int err;

	while (i < s->nfree && s->free[i].start < start)
		i++;
	/* Overlap with a free neighbour: never handed out, or already freed. */
	if (i > 0 && s->free[i - 1].start + s->free[i - 1].len > start)
		return -EINVAL;
	if (i < s->nfree && start + len > s->free[i].start)
		return -EINVAL;
	if (i > 0 && s->free[i - 1].start + s->free[i - 1].len == start) {
		s->free[i - 1].len += len;
		if (i < s->nfree && start + len == s->free[i].start) {
			s->free[i - 1].len += s->free[i].len;
			memmove(&s->free[i], &s->free[i + 1],
				(s->nfree - i - 1) * sizeof(s->free[0]));
			s->nfree--;
		}
		return 0;
	}
	if (i < s->nfree && start + len == s->free[i].start) {
		s->free[i].start = start;
		s->free[i].len += len;
		return 0;
	}
	err = grow(s);
	if (err)
		return err;
	memmove(&s->free[i + 1], &s->free[i],
		(s->nfree - i) * sizeof(s->free[0]));
	s->free[i].start = start;
	s->free[i].len = len;
	s->nfree++;
	return 0;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return v > UINT64_MAX - (a - 1) ? UINT64_MAX & ~(a - 1) :
	       (v + a - 1) & ~(a - 1);
}

int libdma__iova_init(struct libdma__iova_space *s,
		      const struct libdma__iova_range *usable, size_t n,
		      uint64_t lo, uint64_t hi, uint64_t align)
{
	size_t i;

	memset(s, 0, sizeof(*s));
	if (!align || (align & (align - 1)) || lo >= hi)
		return -EINVAL;
	s->align = align;
	s->lo = lo;
	s->hi = hi;
	for (i = 0; i < n; i++) {
		uint64_t start = usable[i].start, end, j;

		if (!usable[i].len)
			continue;
		end = usable[i].len > UINT64_MAX - start ? UINT64_MAX :
		      start + usable[i].len;	/* (UINT64_MAX: open end) */
		start = align_up(start < lo ? lo : start, align);
		end = (end > hi ? hi : end) & ~(align - 1);
		if (start >= end)
			continue;
		/* Usable ranges may overlap: add only what is not free yet. */
		for (j = start; j < end;) {
			uint64_t next = end;
			size_t k;
			int err;

			for (k = 0; k < s->nfree; k++) {
				const struct libdma__iova_range *f = &s->free[k];

				if (j >= f->start && j < f->start + f->len) {
					j = f->start + f->len;
					break;
				}
				if (f->start > j && f->start < next)
					next = f->start;
			}
			if (k < s->nfree)
				continue;	/* j moved past a free range */
			err = insert(s, j, next - j);
			if (err) {
				libdma__iova_fini(s);
				return err;
			}
			s->total += next - j;
			j = next;
		}
	}
	if (!s->nfree) {
		libdma__iova_fini(s);
		return -ENOSPC;
	}
	return 0;
}

void libdma__iova_fini(struct libdma__iova_space *s)
{
	free(s->free);
	s->free = NULL;
	s->nfree = s->cap = 0;
}

int libdma__iova_alloc(struct libdma__iova_space *s, uint64_t len,
		       uint64_t *iova)
{
	size_t i;

	if (!len || len > UINT64_MAX - s->align)
		return -EINVAL;
	len = align_up(len, s->align);
	for (i = 0; i < s->nfree; i++) {
		struct libdma__iova_range *f = &s->free[i];

		if (f->len < len)
			continue;
		*iova = f->start;
		f->start += len;
		f->len -= len;
		if (!f->len) {
			memmove(f, f + 1, (s->nfree - i - 1) * sizeof(*f));
			s->nfree--;
		}
		s->used += len;
		s->nr_used++;
		return 0;
	}
	return -ENOSPC;
}

int libdma__iova_free(struct libdma__iova_space *s, uint64_t iova,
		      uint64_t len)
{
	int err;

	if (!len || len > UINT64_MAX - s->align)
		return -EINVAL;
	len = align_up(len, s->align);
	if ((iova & (s->align - 1)) || iova < s->lo || iova > s->hi ||
	    len > s->hi - iova || len > s->used || !s->nr_used)
		return -EINVAL;
	err = insert(s, iova, len);
	if (err == -EINVAL)
		return err;
	/* -ENOMEM: the range is lost to the space, but still not in use. */
	s->used -= len;
	s->nr_used--;
	return err;
}

uint64_t libdma__iova_largest(const struct libdma__iova_space *s)
{
	uint64_t best = 0;
	size_t i;

	for (i = 0; i < s->nfree; i++)
		if (s->free[i].len > best)
			best = s->free[i].len;
	return best;
}
