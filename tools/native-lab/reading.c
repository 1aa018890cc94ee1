// SPDX-License-Identifier: MIT
/*
 * What a native run says about the lab's questions, computed from its
 * medians on this machine: from what size pinning beats copying (the
 * bounce strategy), what 4 KiB pages cost random access against huge
 * pages (the TLB), whether sequential access notices at all, what a page
 * fault costs - and whether the reads saw the same bytes on every backing.
 */
#include <string.h>

#include "native_lab.h"

static void span_add(struct nl_span *sp, uint64_t size, double ratio)
{
	if (!sp->nr || ratio < sp->min) {
		sp->min = ratio;
		sp->size_min = size;
	}
	if (!sp->nr || ratio > sp->max) {
		sp->max = ratio;
		sp->size_max = size;
	}
	sp->nr++;
}

static const struct nl_cell *ok(const struct nl_result *r, unsigned int e,
				unsigned int b, uint64_t size)
{
	const struct nl_cell *c = nl_find(r, e, b, size);

	return c && c->status == NL_OK && c->ns_median > 0 ? c : NULL;
}

/*
 * Pinning (register + unregister of 4 KiB pages) against one copy of the
 * same size: the smallest size from which pinning is cheaper at every
 * size measured, and the size before it.
 */
static void crossover(const struct nl_result *r, const uint64_t *sizes,
		      unsigned int n, unsigned int copy, uint64_t *cross,
		      uint64_t *below, int *have)
{
	uint64_t prev = 0;
	unsigned int i;

	*cross = *below = 0;
	*have = 0;
	for (i = 0; i < n; i++) {
		const struct nl_cell *p = ok(r, NL_PIN, NL_4K, sizes[i]);
		const struct nl_cell *c = ok(r, copy, NL_MALLOC, sizes[i]);

		if (!p || !c)
			continue;
		*have = 1;
		if (p->ns_median + p->undo_ns_median < c->ns_median) {
			if (!*cross) {
				*cross = sizes[i];
				*below = prev;
			}
		} else {
			*cross = 0;
		}
		prev = sizes[i];
	}
}

/* The distinct sizes of the result, ascending. */
static unsigned int sizes_of(const struct nl_result *r, uint64_t *sizes)
{
	unsigned int n = 0, j, k;
	uint32_t i;

	for (i = 0; i < r->nr_cells; i++) {
		for (j = 0; j < n && sizes[j] != r->cells[i].size; j++)
			;
		if (j < n || n == NL_MAX_SIZES)
			continue;
		for (k = n++; k > 0 && sizes[k - 1] > r->cells[i].size; k--)
			sizes[k] = sizes[k - 1];
		sizes[k] = r->cells[i].size;
	}
	return n;
}

/* Every backing's sum of a read experiment at one size against the first. */
static void sums(const struct nl_result *r, unsigned int e, uint64_t size,
		 struct nl_reading *rd)
{
	const struct nl_cell *first = NULL, *c;
	unsigned int b;

	for (b = 0; b < NL_NR_BACKINGS; b++) {
		c = ok(r, e, b, size);
		if (!c)
			continue;
		if (!first) {
			first = c;
			continue;
		}
		rd->nr_sums_compared++;
		rd->nr_sums_differ += c->checksum != first->checksum;
	}
}

void nl_read(const struct nl_result *r, struct nl_reading *rd)
{
	uint64_t sizes[NL_MAX_SIZES] = { 0 };
	unsigned int n = sizes_of(r, sizes), i, b;
	uint32_t k;

	memset(rd, 0, sizeof(*rd));
	crossover(r, sizes, n, NL_COPY_COLD, &rd->cross_cold,
		  &rd->cross_cold_below, &rd->have_cold);
	crossover(r, sizes, n, NL_COPY_WARM, &rd->cross_warm,
		  &rd->cross_warm_below, &rd->have_warm);
	for (i = 0; i < n; i++) {
		const struct nl_cell *a = ok(r, NL_RANDOM_READ, NL_4K, sizes[i]);
		const struct nl_cell *t = ok(r, NL_RANDOM_READ, NL_THP, sizes[i]);
		const struct nl_cell *h = ok(r, NL_RANDOM_READ, NL_HUGETLB, sizes[i]);
		const struct nl_cell *c;

		/* from 2 MiB, like the sequential passes below */
		if (a && t && sizes[i] >= NL_HUGE) {
			span_add(&rd->tlb_thp, sizes[i], a->ns_median / t->ns_median);
			rd->rnd_4k_at_max = a->ns_median;
			rd->rnd_thp_at_max = t->ns_median;
			rd->rnd_max_size = sizes[i];
		}
		if (a && h && sizes[i] >= NL_HUGE)
			span_add(&rd->tlb_hugetlb, sizes[i], a->ns_median / h->ns_median);
		/* (sequential passes likewise, from 2 MiB) */
		a = ok(r, NL_SEQ_READ, NL_4K, sizes[i]);
		t = ok(r, NL_SEQ_READ, NL_THP, sizes[i]);
		if (a && t && sizes[i] >= NL_HUGE) {
			span_add(&rd->seq_read, sizes[i], a->ns_median / t->ns_median);
			rd->seq_read_at_max = a->ns_median / t->ns_median;
			rd->seq_max_size = sizes[i];
		}
		a = ok(r, NL_SEQ_WRITE, NL_4K, sizes[i]);
		t = ok(r, NL_SEQ_WRITE, NL_THP, sizes[i]);
		if (a && t && sizes[i] >= NL_HUGE) {
			span_add(&rd->seq_write, sizes[i], a->ns_median / t->ns_median);
			rd->seq_write_at_max = a->ns_median / t->ns_median;
		}
		for (b = 0; b < NL_NR_BACKINGS; b++) {
			c = ok(r, NL_PIN, b, sizes[i]);
			if (c) {
				rd->pin_page_ns[b] = c->ns_median / (double)c->pages;
				rd->pin_page_size[b] = sizes[i];
			}
		}
		c = ok(r, NL_FIRST_TOUCH, NL_4K, sizes[i]);
		if (c)
			rd->touch_4k_page = c->ns_median / (double)c->pages;
		c = ok(r, NL_FIRST_TOUCH, NL_THP, sizes[i]);
		if (c && c->huge_pages)
			rd->touch_thp_huge = c->ns_median / (double)c->huge_pages;
		sums(r, NL_SEQ_READ, sizes[i], rd);
		sums(r, NL_RANDOM_READ, sizes[i], rd);
	}
	for (k = 0; k < r->nr_cells; k++) {
		rd->nr_unavailable += r->cells[k].status == NL_UNAVAILABLE;
		rd->nr_failed += r->cells[k].status == NL_FAILED;
	}
}
