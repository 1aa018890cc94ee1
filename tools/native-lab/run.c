// SPDX-License-Identifier: MIT
/*
 * The native lab's sweep: for every size, each experiment on each backing
 * it applies to, 'repeat' samples, kept as median, fastest and slowest.
 * A cell the machine cannot measure (no THP, no hugetlb pool, io_uring off,
 * RLIMIT_MEMLOCK, not root for pagemap, not enough free memory) is
 * "unavailable" with the reason; a huge-page cell whose memory turns out
 * not to be huge pages is unavailable too, never a figure under the wrong
 * name.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "native_lab.h"

/* Enough work per sample that the clock's own cost (tens of ns) vanishes. */
#define SAMPLE_BYTES	(32ull << 20)
#define RANDOM_READS	(1u << 20)
#define COLD_BYTES	(1ull << 20)

/* ------------------------------------------------------------------ names */

static const char *const experiment_names[NL_NR_EXPERIMENTS] = {
	"seq-read", "seq-write", "random-read", "pin", "mlock", "copy-warm",
	"copy-cold", "first-touch", "runs",
};
static const char *const backing_names[NL_NR_BACKINGS] = {
	"4k", "thp", "hugetlb", "malloc",
};
static const char *const group_names[NL_NR_GROUPS] = {
	"access", "pin", "copy", "touch", "contiguity",
};

const char *nl_experiment_name(unsigned int e)
{
	return e < NL_NR_EXPERIMENTS ? experiment_names[e] : NULL;
}

const char *nl_backing_name(unsigned int b)
{
	return b < NL_NR_BACKINGS ? backing_names[b] : NULL;
}

const char *nl_group_name(unsigned int g)
{
	return g < NL_NR_GROUPS ? group_names[g] : NULL;
}

const char *nl_status_name(unsigned int s)
{
	return s == NL_OK ? "ok" : s == NL_UNAVAILABLE ? "unavailable" : "failed";
}

unsigned int nl_group_of(unsigned int e)
{
	switch (e) {
	case NL_SEQ_READ: case NL_SEQ_WRITE: case NL_RANDOM_READ:
		return NL_G_ACCESS;
	case NL_PIN: case NL_MLOCK:
		return NL_G_PIN;
	case NL_COPY_WARM: case NL_COPY_COLD:
		return NL_G_COPY;
	case NL_FIRST_TOUCH:
		return NL_G_TOUCH;
	default:
		return NL_G_CONTIGUITY;
	}
}

/* ----------------------------------------------------------------- helpers */

unsigned int nl_default_sizes(uint64_t max, uint64_t *sizes)
{
	unsigned int n = 0;
	uint64_t s;

	for (s = 4096; s <= max && n < NL_MAX_SIZES; s *= 4)
		sizes[n++] = s;
	return n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double nl_median(double *v, unsigned int n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

const struct nl_cell *nl_find(const struct nl_result *r, unsigned int e,
			      unsigned int b, uint64_t size)
{
	uint32_t i;

	for (i = 0; i < r->nr_cells; i++)
		if (r->cells[i].experiment == e && r->cells[i].backing == b &&
		    r->cells[i].size == size)
			return &r->cells[i];
	return NULL;
}

static uint64_t round_huge(uint64_t size)
{
	return (size + NL_HUGE - 1) & ~(uint64_t)(NL_HUGE - 1);
}

/* ---------------------------------------------------------------- the run */

struct run {
	const struct nl_config *cfg;
	struct nl_result *r;
	uint64_t budget;		/* the most bytes a cell may hold */
	unsigned int nr_planned, index;
	double *s, *u;			/* samples: the operation, its undo */
};

static struct nl_cell *cell_new(struct run *run, unsigned int e,
				unsigned int b, uint64_t size)
{
	struct nl_cell *c = &run->r->cells[run->r->nr_cells++];

	memset(c, 0, sizeof(*c));
	c->experiment = e;
	c->backing = b;
	c->size = size;
	c->pages = (size + 4095) / 4096;
	if (b == NL_THP || b == NL_HUGETLB)
		c->huge_pages = round_huge(size) / NL_HUGE;
	return c;
}

/* A cell is done: its samples into figures, the status counted, progress. */
static void cell_done(struct run *run, struct nl_cell *c, unsigned int n,
		      int with_undo)
{
	unsigned int i;

	if (c->status == NL_OK && n) {
		c->samples = n;
		c->ns_min = c->ns_max = run->s[0];
		for (i = 1; i < n; i++) {
			if (run->s[i] < c->ns_min)
				c->ns_min = run->s[i];
			if (run->s[i] > c->ns_max)
				c->ns_max = run->s[i];
		}
		c->ns_median = nl_median(run->s, n);
		if (with_undo)
			c->undo_ns_median = nl_median(run->u, n);
	}
	run->r->nr_failed += c->status == NL_FAILED;
	if (run->cfg->progress)
		run->cfg->progress(c, run->index, run->nr_planned,
				   run->cfg->progress_arg);
	run->index++;
}

static void unavailable(struct nl_cell *c, unsigned int status, const char *note)
{
	c->status = status;
	snprintf(c->note, sizeof(c->note), "%s", note);
}

/* Whether 'need' bytes fit the budget; the cell's note if not. */
static int fits(const struct run *run, struct nl_cell *c, uint64_t need)
{
	if (need <= run->budget)
		return 1;
	c->status = NL_UNAVAILABLE;
	snprintf(c->note, sizeof(c->note), "needs %llu MiB; MemAvailable was %llu "
		 "MiB and the lab uses at most a third of it",
		 (unsigned long long)(need >> 20),
		 (unsigned long long)(run->r->host.mem_available >> 20));
	return 0;
}

/*
 * A buffer of 'backing' for cell 'c', touched, its huge pages proven.
 * 0, or the cell is unavailable (or failed) with the reason.
 */
static int buf_for(struct run *run, struct nl_cell *c, unsigned int backing,
		   struct nl_buf *b)
{
	char note[NL_NOTE];
	uint64_t want;

	if (!fits(run, c, backing == NL_MALLOC || backing == NL_4K ? c->size :
		  round_huge(c->size)))
		return -1;
	if (nl_buf_get(backing, c->size, &run->r->host, b, note)) {
		unavailable(c, NL_UNAVAILABLE, note);
		return -1;
	}
	nl_buf_touch(b);
	if (backing != NL_THP && backing != NL_HUGETLB)
		return 0;
	c->huge_bytes = nl_buf_huge_bytes(b);
	want = round_huge(c->size);
	if (c->huge_bytes < want) {
		snprintf(note, sizeof(note), "%s: only %llu of %llu KiB in huge "
			 "pages (%s in /proc/self/smaps; THP defrag: %s)",
			 backing == NL_THP ? "MADV_HUGEPAGE" : "MAP_HUGETLB",
			 (unsigned long long)(c->huge_bytes >> 10),
			 (unsigned long long)(want >> 10),
			 backing == NL_THP ? "AnonHugePages" : "KernelPageSize",
			 run->r->host.thp_defrag);
		unavailable(c, NL_UNAVAILABLE, note);
		nl_buf_put(b);
		return -1;
	}
	return 0;
}

static void run_access(struct run *run, uint64_t size, unsigned int backing)
{
	struct nl_cell *c[3];
	struct nl_buf b;
	unsigned int i, k, n = run->r->repeat;
	uint64_t passes = size >= SAMPLE_BYTES ? 1 : SAMPLE_BYTES / size, sum;

	c[0] = cell_new(run, NL_SEQ_WRITE, backing, size);
	c[1] = cell_new(run, NL_SEQ_READ, backing, size);
	c[2] = cell_new(run, NL_RANDOM_READ, backing, size);
	if (buf_for(run, c[0], backing, &b)) {
		for (k = 0; k < 3; k++) {
			*c[k] = *c[0];
			c[k]->experiment = k == 0 ? NL_SEQ_WRITE : k == 1 ?
					   NL_SEQ_READ : NL_RANDOM_READ;
			cell_done(run, c[k], 0, 0);
		}
		return;
	}
	c[1]->huge_bytes = c[2]->huge_bytes = c[0]->huge_bytes;
	c[0]->bytes = c[1]->bytes = size;
	for (i = 0; i < n; i++)
		run->s[i] = (double)nl_seq_write(b.p, size, passes) / (double)passes;
	cell_done(run, c[0], n, 0);
	for (i = 0; i < n; i++) {
		run->s[i] = (double)nl_seq_read(b.p, size, passes, &sum) /
			    (double)passes;
		c[1]->checksum = sum;
	}
	cell_done(run, c[1], n, 0);
	c[2]->bytes = NL_LINE;
	if (nl_chain_build(b.p, size)) {
		unavailable(c[2], NL_FAILED, "no memory for the chain's index");
	} else {
		for (i = 0; i < n; i++) {
			run->s[i] = (double)nl_chain_walk(b.p, RANDOM_READS, &sum) /
				    RANDOM_READS;
			c[2]->checksum = sum;
		}
	}
	cell_done(run, c[2], n, 0);
	nl_buf_put(&b);
}

static void run_pin(struct run *run, uint64_t size, unsigned int backing)
{
	struct nl_cell *c[2];
	struct nl_buf b;
	char note[NL_NOTE];
	unsigned int i, k, n = run->r->repeat;
	int got;

	c[0] = cell_new(run, NL_PIN, backing, size);
	c[1] = cell_new(run, NL_MLOCK, backing, size);
	got = !buf_for(run, c[0], backing, &b);
	if (!got)
		*c[1] = *c[0], c[1]->experiment = NL_MLOCK;
	c[1]->huge_bytes = c[0]->huge_bytes;	/* one buffer, one proof */
	for (k = 0; k < 2; k++) {
		if (got && (k ? nl_mlock_unavailable(&run->r->host, size, note) :
			    nl_pin_unavailable(&run->r->host, size, note)))
			unavailable(c[k], NL_UNAVAILABLE, note);
		for (i = 0; got && c[k]->status == NL_OK && i < n; i++)
			if ((k ? nl_mlock_once(&b, &run->s[i], &run->u[i], note) :
			     nl_pin_once(&b, &run->s[i], &run->u[i], note)))
				unavailable(c[k], NL_FAILED, note);
		cell_done(run, c[k], n, 1);
	}
	if (got)
		nl_buf_put(&b);
}

static void run_copy(struct run *run, uint64_t size)
{
	struct nl_cell *c[2];
	struct nl_buf src, dst;
	unsigned int i, k, n = run->r->repeat;
	uint64_t copies;
	int got;

	c[0] = cell_new(run, NL_COPY_WARM, NL_MALLOC, size);
	c[1] = cell_new(run, NL_COPY_COLD, NL_MALLOC, size);
	got = fits(run, c[0], 2 * size) && !buf_for(run, c[0], NL_MALLOC, &src);
	if (got && buf_for(run, c[0], NL_MALLOC, &dst)) {
		nl_buf_put(&src);
		got = 0;
	}
	if (!got)
		*c[1] = *c[0], c[1]->experiment = NL_COPY_COLD;
	if (got && !nl_can_flush())
		unavailable(c[1], NL_UNAVAILABLE, "no cache-line flush instruction "
			    "known on this architecture");
	for (k = 0; k < 2; k++) {
		c[k]->bytes = size;
		copies = k ? (size >= COLD_BYTES ? 1 : COLD_BYTES / size) :
			 (size >= SAMPLE_BYTES ? 1 : SAMPLE_BYTES / size);
		if (got && !k)
			nl_copy(dst.p, src.p, size, 1, 0);	/* warm them */
		for (i = 0; got && c[k]->status == NL_OK && i < n; i++)
			run->s[i] = (double)nl_copy(dst.p, src.p, size, copies, k) /
				    (double)copies;
		cell_done(run, c[k], n, 0);
	}
	if (got) {
		nl_buf_put(&src);
		nl_buf_put(&dst);
	}
}

static void run_touch(struct run *run, uint64_t size, unsigned int backing)
{
	struct nl_cell *c = cell_new(run, NL_FIRST_TOUCH, backing, size);
	char note[NL_NOTE];
	struct nl_buf b;
	unsigned int i, n = run->r->repeat;
	uint64_t t0, huge;

	if (!fits(run, c, backing == NL_4K ? size : round_huge(size)))
		n = 0;
	for (i = 0; i < n && c->status == NL_OK; i++) {
		if (nl_buf_get(backing, size, &run->r->host, &b, note)) {
			unavailable(c, NL_UNAVAILABLE, note);
			break;
		}
		t0 = nl_now();
		nl_buf_touch(&b);
		run->s[i] = (double)(nl_now() - t0);
		huge = nl_buf_huge_bytes(&b);
		if (backing != NL_4K && huge < round_huge(size)) {
			snprintf(note, sizeof(note), "only %llu of %llu KiB faulted "
				 "in as huge pages (THP defrag: %s)",
				 (unsigned long long)(huge >> 10),
				 (unsigned long long)(round_huge(size) >> 10),
				 run->r->host.thp_defrag);
			unavailable(c, NL_UNAVAILABLE, note);
		}
		c->huge_bytes = huge;
		nl_buf_put(&b);
	}
	cell_done(run, c, n, 0);
}

static void run_runs(struct run *run, uint64_t size, unsigned int backing)
{
	struct nl_cell *c = cell_new(run, NL_RUNS, backing, size);
	char note[NL_NOTE];
	struct nl_buf b;

	if (!run->r->host.root) {
		unavailable(c, NL_UNAVAILABLE, "/proc/self/pagemap shows page "
			    "frames to CAP_SYS_ADMIN only (run as root)");
	} else if (!buf_for(run, c, backing, &b)) {
		/* malloc's memory need not start on a page: the pages it spans */
		c->pages = ((uintptr_t)b.p + size - 1) / 4096 - (uintptr_t)b.p / 4096 + 1;
		if (nl_phys_runs(b.p, size, &c->runs, &c->largest_run, note))
			unavailable(c, NL_UNAVAILABLE, note);
		nl_buf_put(&b);
	}
	cell_done(run, c, 0, 0);
	c->samples = c->status == NL_OK;
}

static const unsigned int huge_backings[] = { NL_4K, NL_THP, NL_HUGETLB };

int nl_run(const struct nl_config *cfg, struct nl_result **resultp)
{
	uint64_t dflt[NL_MAX_SIZES], biggest = 0;
	const uint64_t *sizes = cfg->sizes;
	uint32_t groups = cfg->groups ? cfg->groups : (1u << NL_NR_GROUPS) - 1;
	unsigned int nr = cfg->nr_sizes, i, k;
	struct run run = { .cfg = cfg };
	struct nl_result *r;

	if (!sizes) {
		nr = nl_default_sizes(cfg->max_size ? cfg->max_size : 1ull << 30,
				      dflt);
		sizes = dflt;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->repeat = cfg->repeat ? cfg->repeat : NL_DEFAULT_REPEAT;
	r->cells = calloc((size_t)nr * NL_NR_EXPERIMENTS * NL_NR_BACKINGS,
			  sizeof(*r->cells));
	run.s = calloc(r->repeat, sizeof(double));
	run.u = calloc(r->repeat, sizeof(double));
	if (!r->cells || !run.s || !run.u) {
		free(run.s);
		free(run.u);
		nl_result_free(r);
		return -ENOMEM;
	}
	run.r = r;
	nl_host_get(cfg->label, &r->host);
	run.budget = r->host.mem_available / 3;
	for (i = 0; i < nr; i++)
		if (round_huge(sizes[i]) <= run.budget && sizes[i] > biggest)
			biggest = round_huge(sizes[i]);
	if (groups & ((1u << NL_G_ACCESS) | (1u << NL_G_PIN) | (1u << NL_G_TOUCH)))
		nl_pool_prepare(&r->host, biggest / NL_HUGE, cfg->reserve_pool);

	for (k = 0; k < NL_NR_GROUPS; k++)
		if (groups & (1u << k))
			run.nr_planned += nr * (k == NL_G_ACCESS ? 9 : k == NL_G_PIN ? 6 :
					       k == NL_G_COPY ? 2 : k == NL_G_TOUCH ? 3 : 2);
	for (i = 0; i < nr; i++) {
		for (k = 0; k < 3; k++)
			if (groups & (1u << NL_G_ACCESS))
				run_access(&run, sizes[i], huge_backings[k]);
		for (k = 0; k < 3; k++)
			if (groups & (1u << NL_G_PIN))
				run_pin(&run, sizes[i], huge_backings[k]);
		if (groups & (1u << NL_G_COPY))
			run_copy(&run, sizes[i]);
		for (k = 0; k < 3; k++)
			if (groups & (1u << NL_G_TOUCH))
				run_touch(&run, sizes[i], huge_backings[k]);
		if (groups & (1u << NL_G_CONTIGUITY)) {
			run_runs(&run, sizes[i], NL_MALLOC);
			run_runs(&run, sizes[i], NL_THP);
		}
	}
	nl_pool_release(&r->host);
	nl_loadavg(r->host.loadavg_end, sizeof(r->host.loadavg_end));
	free(run.s);
	free(run.u);
	*resultp = r;
	return 0;
}

void nl_result_free(struct nl_result *r)
{
	if (!r)
		return;
	free(r->cells);
	free(r);
}
